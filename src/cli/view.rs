//! `mpa-sim view`: the interactive viewer window (feature `viewer`). A build without the
//! feature keeps the command and says how to get it.

use std::path::PathBuf;

use clap::{ArgGroup, Args};

use crate::cli::render::parse_size;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["scene", "scenario", "episode", "results"])))]
pub struct ViewArgs {
    /// Run a shipped scene live (e.g. scene-0004).
    #[arg(long)]
    pub scene: Option<String>,
    /// Run a scenario file live.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Play back a recorded episode (`<results>/episodes/<key>.json`).
    #[arg(long)]
    pub episode: Option<PathBuf>,
    /// Browse a results directory written by `mpa-sim rollout --out DIR`.
    #[arg(long)]
    pub results: Option<PathBuf>,
    /// Agent for live mode (any agent registry name).
    #[arg(long, default_value = "expert")]
    pub agent: String,
    /// Episode seed for live mode.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output size of each camera image, WIDTHxHEIGHT.
    #[arg(long, default_value = "384x216", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Window size in points, WIDTHxHEIGHT (default: the size it had last time).
    #[arg(long, value_parser = parse_size)]
    pub window: Option<(u32, u32)>,
    /// Start playing at once.
    #[arg(long)]
    pub play: bool,
    /// Start at this step (live mode runs the episode up to it first).
    #[arg(long)]
    pub step: Option<usize>,
    /// Playback speed, a multiple of real time (0.25 to 16; + and - change it in the window).
    #[arg(long)]
    pub speed: Option<f64>,
    /// Save a PNG of the window after --quit-after-frames frames (default 30), then quit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Close the window after this many frames.
    #[arg(long)]
    pub quit_after_frames: Option<u64>,
    /// Print frame-time statistics when the window closes.
    #[arg(long)]
    pub print_frame_times: bool,
    /// Do not read or write the saved window size and layout.
    #[arg(long)]
    pub no_persist: bool,
    /// Background of the six cameras: map meshes, or 3D Gaussian splats baked from them (once
    /// per scene, cached under `$MPA_SIM_SPLAT_CACHE` or `~/.cache/mpa-sim/splats`); M or the
    /// toolbar switch it. The free 3D view always shows meshes.
    #[arg(long, value_enum, default_value = "mesh")]
    pub mode: crate::cli::render::RenderMode,
}

#[cfg(feature = "viewer")]
pub fn run(args: ViewArgs) -> anyhow::Result<()> {
    use anyhow::bail;
    use mpa_sim::viewer::{LiveOptions, OpenTarget, WindowOptions, run_window};

    let target = match (args.scene, args.scenario, args.episode, args.results) {
        (Some(s), ..) => OpenTarget::Scene(s),
        (_, Some(p), ..) => OpenTarget::Scenario(p),
        (_, _, Some(p), _) => OpenTarget::Episode(p),
        (_, _, _, Some(p)) => OpenTarget::Results(p),
        _ => bail!("give one of --scene, --scenario, --episode, --results"),
    };
    let report = run_window(WindowOptions {
        target,
        live: LiveOptions {
            agent: args.agent,
            seed: args.seed,
        },
        camera_size: args.size,
        screenshot: args.screenshot,
        quit_after_frames: args.quit_after_frames,
        print_frame_times: args.print_frame_times,
        play: args.play,
        speed: args.speed,
        start_step: args.step,
        window_size: args.window.map(|(w, h)| [w as f32, h as f32]),
        no_persist: args.no_persist,
        render_mode: args.mode.into(),
    })?;
    if args.print_frame_times {
        println!("{} frames", report.frames);
        println!("{}", report.stats.summary());
    }
    match report.screenshot {
        Some(Ok(path)) => println!("screenshot: {}", path.display()),
        Some(Err(e)) => bail!("screenshot failed: {e}"),
        None => {}
    }
    Ok(())
}

#[cfg(not(feature = "viewer"))]
pub fn run(_args: ViewArgs) -> anyhow::Result<()> {
    anyhow::bail!(
        "this mpa-sim was built without the viewer; rebuild with the default features \
         (`cargo build --features viewer`)"
    )
}
