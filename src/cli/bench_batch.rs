//! `mpa-sim bench render --batch K`: K forks of one World x six cameras rendered in one
//! submission (`LocalViews::render_frames`) against the same K frames one by one
//! (`render_frame`), at 64x36 and 256x144, printed with their ratio. The forks are the scene's
//! reference states at K consecutive decision ticks, so ego and actors differ between frames.
//! One warm-up round per size and mode is not timed; each timed figure is the best of
//! `ROUNDS` rounds (noise on a shared machine only ever slows a round down).

use anyhow::Context;
use mpa_sim::episode::frames::frame_of;
use mpa_sim::render::{AdapterPreference, FrameRequest, LocalViews, ViewRequest};
use mpa_sim::rollout::episode::{SceneSource, cached_scene};
use mpa_sim::scene::scenario::ResolvedScenario;
use mpa_sim::world::{SimConfig, World};
use std::time::Instant;

const SIZES: [(u32, u32); 2] = [(64, 36), (256, 144)];
const ROUNDS: usize = 3;

fn best_secs(mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    f()?; // warm-up
    let mut best = f64::INFINITY;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

pub fn run(source: &SceneSource, scene_name: &str, forks: usize) -> anyhow::Result<()> {
    anyhow::ensure!(forks > 0, "--batch needs at least one fork");
    let scene = cached_scene(source, scene_name)?;
    let scenario = ResolvedScenario::from_scene(scene);
    let config = SimConfig::default();
    let mut worlds = Vec::with_capacity(forks);
    let mut world = World::new(&scenario, 0, &config)?;
    for k in 0..forks {
        worlds.push(world.clone());
        if k + 1 < forks {
            world
                .step_on_log()
                .with_context(|| format!("{scene_name}: the log is shorter than {forks} ticks"))?;
        }
    }
    let mut views = LocalViews::new(AdapterPreference::Auto)?;
    println!(
        "{scene_name} on {}: {forks} forks x 6 cameras, best of {ROUNDS} rounds",
        views.context().describe()
    );
    println!(
        "{:>9} | {:>14} {:>14} | {:>8}",
        "size", "batched fps", "one-by-one fps", "ratio"
    );
    for (w, h) in SIZES {
        let request = ViewRequest {
            width_px: w,
            height_px: h,
            channels: Vec::new(),
        };
        let frames: Vec<FrameRequest> = worlds.iter().map(|w| frame_of(w, &request)).collect();
        let batched = best_secs(|| {
            views.render_frames(&frames)?;
            Ok(())
        })?;
        let single = best_secs(|| {
            for f in &frames {
                views.render_frame(f)?;
            }
            Ok(())
        })?;
        let fps = |secs: f64| forks as f64 / secs;
        println!(
            "{:>9} | {:>14.1} {:>14.1} | {:>7.2}x",
            format!("{w}x{h}"),
            fps(batched),
            fps(single),
            single / batched
        );
    }
    Ok(())
}
