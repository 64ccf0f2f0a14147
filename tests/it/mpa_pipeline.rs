//! MPA part 1 end to end on two shipped training scenes: counterfactual generation (checked
//! against an independent rollout through the public episode API), shard round trip, resume and
//! refusal of mismatched or damaged data, Q training, and a closed-loop `mpa-q` agent built
//! through the registry.

#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use std::path::Path;

use glam::DVec2;
use mpa_sim::agent::mpa::behaviours::Behaviour;
use mpa_sim::agent::{Agent, AgentError, Observation, Plan, ViewRequest, registry};
use mpa_sim::episode::rollout;
use mpa_sim::mpa::counterfactual::GenConfig;
use mpa_sim::mpa::run::{GenOptions, run};
use mpa_sim::mpa::store::{self, Manifest};
use mpa_sim::mpa::train_q::{self, TrainQOptions};
use mpa_sim::render::{AdapterPreference, LocalViews};
use mpa_sim::rollout::episode::{SceneSource, cached_scene};
use mpa_sim::scene::scenario::ResolvedScenario;
use mpa_sim::world::{SimConfig, World};

const SCENES: [&str; 2] = ["scene-0001", "scene-0002"];

fn config() -> GenConfig {
    let encoder =
        mpa_sim::agent::mpa::features::FrozenEncoder::load(&mpa_sim::agent::base::shipped_dir())
            .unwrap();
    GenConfig {
        behaviours: 4,
        horizon: 3,
        every: 24,
        floor: -1e9,
        seed: 7,
        ..GenConfig::new(&SceneSource::default(), "train", "base", &encoder)
    }
}

fn options(out: &Path, config: GenConfig) -> GenOptions {
    GenOptions {
        config,
        source: SceneSource::default(),
        scenes: SCENES.iter().map(|s| s.to_string()).collect(),
        encoder_dir: mpa_sim::agent::base::shipped_dir(),
        out_dir: out.to_path_buf(),
        jobs: 2,
        adapter: AdapterPreference::Cpu,
        progress: false,
    }
}

/// The base agent with one behaviour applied to every plan: the generator's branch, rebuilt on
/// `episode::rollout` (one render per decision, no batching).
struct Perturbed {
    inner: Box<dyn Agent>,
    behaviour: Behaviour,
}

impl Agent for Perturbed {
    fn name(&self) -> &str {
        "perturbed"
    }
    fn view_request(&self) -> Option<ViewRequest> {
        self.inner.view_request()
    }
    fn plan(&mut self, obs: &Observation) -> Result<Plan, AgentError> {
        let p = self.inner.plan(obs)?;
        Ok(Plan {
            waypoints_ego_m: self.behaviour.apply(&p.waypoints_ego_m),
            candidates: Vec::new(),
        })
    }
}

#[test]
fn generate_train_and_drive_with_mpa_q() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let cfg = config();
    let summary = run(&options(&data, cfg.clone())).unwrap();
    assert_eq!(summary.scenes_generated, 2);
    // Reference ticks 0, 24, 48, ... while the horizon still fits in the scene's duration.
    let expected: usize = SCENES
        .iter()
        .map(|name| {
            let scene = cached_scene(&SceneSource::default(), name).unwrap();
            let world =
                World::new(&ResolvedScenario::from_scene(scene), cfg.seed, &cfg.sim).unwrap();
            let last = (world.duration_secs() / 0.25).floor() as usize - cfg.horizon;
            last / cfg.every + 1
        })
        .sum();
    assert!(expected >= 6);
    assert_eq!(summary.references, expected, "{summary:?}");
    assert_eq!(summary.samples + summary.dropped, expected * 4);

    // Shards round-trip byte for byte and every reference state has exactly one best branch.
    let manifest = Manifest::load(&data).unwrap().unwrap();
    for e in &manifest.shards {
        let d = store::read_shard(
            &data,
            e,
            cfg.feature_dim,
            cfg.horizon,
            &manifest.config_sha256,
        )
        .unwrap();
        let again =
            store::encode_shard(&d, cfg.feature_dim, cfg.horizon, &manifest.config_sha256).unwrap();
        assert!(
            again == std::fs::read(data.join(&e.file)).unwrap(),
            "{} re-encodes differently",
            e.file
        );
        for r in 0..d.refs.len() as i32 {
            let best = d
                .samples
                .iter()
                .filter(|s| s.reference == r && s.best)
                .count();
            assert_eq!(best, 1, "{} reference {r}", e.scene);
        }
    }

    // A sample's rewards equal a fresh rollout's: rebuild scene-0001's second reference state
    // with World::at_log_tick and roll one behaviour out with episode::rollout.
    let entry = &manifest.shards[0];
    let d = store::read_shard(
        &data,
        entry,
        cfg.feature_dim,
        cfg.horizon,
        &manifest.config_sha256,
    )
    .unwrap();
    let sample = d
        .samples
        .iter()
        .find(|s| s.reference == 1 && s.behaviour == 2)
        .unwrap();
    let tick = d.refs[1].tick as u64;
    assert_eq!(tick, 24);
    let scene = cached_scene(&SceneSource::default(), &entry.scene).unwrap();
    let scenario = ResolvedScenario::from_scene(scene);
    let world = World::at_log_tick(&scenario, cfg.seed, &cfg.sim, tick).unwrap();
    // The behaviour regenerated from its seed (scene, tick) as the generator draws it.
    let behaviour = mpa_sim::agent::mpa::behaviours::behaviours(
        cfg.behaviours,
        6,
        cfg.ranges,
        cfg.noise_std_m,
        mpa_sim::mpa::counterfactual::behaviour_seed(cfg.seed, &entry.scene, tick),
    )
    .swap_remove(sample.behaviour as usize);
    assert_eq!(behaviour.mode, sample.mode);
    let mut base = registry::create("base").unwrap();
    let mut views = LocalViews::new(AdapterPreference::Cpu).unwrap();
    let first = rollout(&world, base.as_mut(), 1, Some(&mut views)).unwrap();
    let base_plan = &first.plans[0].waypoints_ego_m;
    let stored_base: Vec<DVec2> = d.refs[1]
        .base_plan
        .iter()
        .map(|p| DVec2::new(f64::from(p[0]), f64::from(p[1])))
        .collect();
    for (a, b) in base_plan.iter().zip(&stored_base) {
        assert!((*a - *b).length() < 1e-5, "base plan {a} vs stored {b}");
    }
    for (a, b) in behaviour.apply(base_plan).iter().zip(&sample.action) {
        let b = DVec2::new(f64::from(b[0]), f64::from(b[1]));
        assert!((*a - b).length() < 1e-5, "action {a} vs stored {b}");
    }
    let mut agent = Perturbed {
        inner: registry::create("base").unwrap(),
        behaviour,
    };
    let branch = rollout(&world, &mut agent, cfg.horizon, Some(&mut views)).unwrap();
    assert_eq!(branch.outcomes.len() as i32, sample.steps);
    for (k, o) in branch.outcomes.iter().enumerate() {
        let named = o.rewards.named();
        for (stored, (term, want)) in sample.rewards[k].iter().zip(named) {
            let got = f64::from(*stored);
            // f32 storage of the same f64 (the noise recovered from f32 adds < 1e-6 m).
            assert!(
                (got - want).abs() < 1e-3,
                "step {k} {term}: {got} vs {want}"
            );
        }
    }

    // Resume: nothing to do; another config in the same folder is refused.
    let again = run(&options(&data, cfg.clone())).unwrap();
    assert_eq!((again.scenes_generated, again.scenes_resumed), (0, 2));
    let other = GenConfig {
        horizon: 4,
        ..cfg.clone()
    };
    let e = run(&options(&data, other)).unwrap_err().to_string();
    assert!(e.contains("another config"), "{e}");

    // Merge: one folder into a new one keeps every shard; the same scenes twice are refused.
    let merged = tmp.path().join("merged");
    let m = mpa_sim::mpa::merge::merge(std::slice::from_ref(&data), &merged).unwrap();
    assert_eq!((m.scenes, m.samples), (2, summary.samples));
    assert_eq!(Manifest::load(&merged).unwrap().unwrap(), manifest);
    let e = mpa_sim::mpa::merge::merge(&[data.clone(), merged.clone()], &tmp.path().join("m2"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("is in both"), "{e}");

    // Train a small Q model (deterministic for a seed).
    let q_dir = tmp.path().join("q");
    let topts = TrainQOptions {
        data: vec![data.clone()],
        encoder_dir: mpa_sim::agent::base::shipped_dir(),
        out_dir: q_dir.clone(),
        seed: 1,
        epochs: 2,
        batch_size: 8,
        learning_rate: 1e-3,
        weight_decay: 1e-4,
        val_fraction: 0.5,
        data_fraction: 1.0,
        progress: false,
    };
    let report = train_q::run(&topts).unwrap();
    assert_eq!(report.val_scenes.len(), 1);
    assert_eq!(report.train_loss.len(), 2);
    assert!(q_dir.join("loss.png").exists() && q_dir.join("encoder/model.safetensors").exists());
    let q2 = tmp.path().join("q2");
    train_q::run(&TrainQOptions {
        out_dir: q2.clone(),
        ..topts.clone()
    })
    .unwrap();
    assert!(
        std::fs::read(q_dir.join("q.safetensors")).unwrap()
            == std::fs::read(q2.join("q.safetensors")).unwrap(),
        "the same seed gave different Q weights"
    );

    // mpa-q through the registry, closed loop on a shipped test scene, twice: the same plans.
    let spec = format!("mpa-q@{}:base", q_dir.display());
    let request = registry::view_request(&spec).unwrap().unwrap();
    assert_eq!(request.channels.len(), 6);
    let scene = cached_scene(&SceneSource::default(), "scene-0004").unwrap();
    let scenario = ResolvedScenario::from_scene(scene);
    let world = World::new(&scenario, 0, &SimConfig::default()).unwrap();
    let mut plans = Vec::new();
    for _ in 0..2 {
        let mut agent = registry::create(&spec).unwrap();
        agent.reset(3);
        let r = rollout(&world, agent.as_mut(), 4, Some(&mut views)).unwrap();
        plans.push(r.plans.clone());
    }
    assert_eq!(plans[0], plans[1]);
    for p in &plans[0] {
        assert_eq!(p.candidates.len(), 21);
        let best = p
            .candidates
            .iter()
            .map(|c| c.combined)
            .fold(f64::NEG_INFINITY, f64::max);
        let executed = p
            .candidates
            .iter()
            .find(|c| c.label.ends_with("(executed)"))
            .unwrap();
        assert_eq!(executed.combined, best);
        assert_eq!(executed.trajectory_ego_m, p.waypoints_ego_m);
        assert_eq!(executed.principle_scores.len(), 4);
    }

    // A damaged shard is refused by name.
    let victim = data.join(&manifest.shards[1].file);
    let mut bytes = std::fs::read(&victim).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0x55;
    std::fs::write(&victim, bytes).unwrap();
    let e = train_q::run(&TrainQOptions {
        out_dir: tmp.path().join("q3"),
        ..topts
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("scene-0002.safetensors") && e.contains("SHA-256"),
        "{e}"
    );
}

#[test]
fn mpa_q_specs_parse_and_fail_clearly() {
    let e = registry::create("mpa-q@/nonexistent/q:base")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("/nonexistent/q/q_config.json"), "{e}");
    let e = registry::create("mpa-q:").err().unwrap().to_string();
    assert!(e.contains("wrapped agent"), "{e}");
    let e = registry::create("mpa-q:nope").err().unwrap().to_string();
    assert!(e.contains("unknown agent `nope`"), "{e}");
    let e = registry::create("mpa-q@dir").err().unwrap().to_string();
    assert!(e.contains("mpa-q@DIR:SPEC"), "{e}");
}
