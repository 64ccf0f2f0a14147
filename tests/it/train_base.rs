//! `train base` end to end at tiny sizes: frames render from shipped scenes and are cached, a
//! training run writes weights that load and a loss plot that decodes, and the same seed gives
//! the same weights bytes.

use mpa_sim::agent::base::train::{self, LOSS_PLOT_FILE, REPORT_JSON_FILE, TrainOptions};
use mpa_sim::agent::base::{BaseConfig, BasePolicy, WEIGHTS_FILE};
use mpa_sim::render::AdapterPreference;
use mpa_sim::rollout::episode::SceneSource;

const SEED: u64 = 11;

fn options(cache: &std::path::Path, out: &std::path::Path) -> TrainOptions {
    TrainOptions {
        config: BaseConfig::tiny(),
        source: SceneSource::default(),
        train_scenes: vec!["scene-0001".into(), "scene-0002".into()],
        val_scenes: vec!["scene-0003".into()],
        tick_stride: 10,
        perturbations: 1,
        lateral_max_m: 1.0,
        yaw_max_deg: 8.0,
        seed: SEED,
        epochs: 2,
        batch_size: 8,
        learning_rate: 1e-3,
        weight_decay: 1e-4,
        cache_dir: cache.to_path_buf(),
        out_dir: out.to_path_buf(),
        adapter: AdapterPreference::Cpu,
        progress: false,
    }
}

#[test]
fn tiny_training_run_writes_loadable_weights_plot_and_report_deterministically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let (out_a, out_b) = (dir.path().join("a"), dir.path().join("b"));
    let report = train::run(&options(&cache, &out_a)).expect("train");
    // 2 scenes x (about 80 ticks / 10) x (1 + 1 perturbed) samples.
    assert!(report.train_samples >= 20, "{report:?}");
    assert_eq!(report.train_samples % 2, 0);
    assert!(report.val_samples >= 5);
    assert_eq!(report.train_l1_m.len(), 2);
    assert!(report.val_open_loop_l2.at_3s_m.is_finite());
    assert!(std::fs::read_dir(&cache).expect("cache dir").count() == 2);

    let policy = BasePolicy::load(&out_a).expect("weights load");
    assert_eq!(policy.config, BaseConfig::tiny());
    let plot = image::open(out_a.join(LOSS_PLOT_FILE)).expect("loss.png decodes");
    assert!(plot.width() >= 400 && plot.height() >= 300);
    assert!(out_a.join(REPORT_JSON_FILE).exists());

    // Same seed, frames from the cache: byte-identical weights.
    let again = train::run(&options(&cache, &out_b)).expect("train again");
    assert_eq!(again.train_l1_m, report.train_l1_m);
    assert_eq!(
        std::fs::read(out_a.join(WEIGHTS_FILE)).expect("a"),
        std::fs::read(out_b.join(WEIGHTS_FILE)).expect("b")
    );
}
