//! `mpa-sim render --episode FILE --out DIR`: replay a recorded episode (`rollout::recording`,
//! written by `mpa-sim rollout` under `<out>/episodes/`) through the renderer. The recording
//! names its scene (`meta.job.scene`: map and camera rig); each recorded step gives the ego
//! pose and the actors' boxes (`rollout::frames::recorded_step_inputs`). Every `--every`-th
//! step's contact sheet goes to `DIR/frames/NNNNN.png` (N = rendered frame index, step =
//! N x every) and into `DIR/episode.gif` (looping, one frame per rendered step at the
//! recording's pace); when `ffmpeg` is on PATH the frames also become `DIR/episode.mp4`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, Frame, RgbaImage};
use indicatif::{ProgressBar, ProgressStyle};
use mpa_sim::render::images;
use mpa_sim::rollout::frames::recorded_step_inputs;
use mpa_sim::rollout::recording::EpisodeRecording;

use super::render::{RenderArgs, load, view_renderer};

/// Default size per camera for episodes (a GIF of 800x450 sheets is large and slow to encode).
pub const EPISODE_SIZE: (u32, u32) = (400, 225);

/// Colour quantisation speed of the GIF encoder (1 best and slowest .. 30 fastest).
const GIF_SPEED: i32 = 10;

pub fn run(args: &RenderArgs, file: &Path) -> anyhow::Result<()> {
    let recording =
        EpisodeRecording::read(file).with_context(|| format!("--episode {}", file.display()))?;
    if recording.steps.is_empty() {
        bail!(
            "{}: field `steps` is empty (nothing to render)",
            file.display()
        );
    }
    let scene_name = &recording.meta.job.scene;
    let scene = load(&args.data, scene_name).with_context(|| {
        format!(
            "{}: field `meta.job.scene` = {scene_name:?} is not a scene of the data root",
            file.display()
        )
    })?;
    let size = args.size.unwrap_or(EPISODE_SIZE);
    let every = args.every.max(1) as usize;
    let selected: Vec<usize> = (0..recording.steps.len()).step_by(every).collect();
    // Check every selected step before spending time on the renderer.
    let mut inputs = Vec::with_capacity(selected.len());
    for &i in &selected {
        inputs.push(
            recorded_step_inputs(&recording.steps[i], i)
                .with_context(|| format!("{}", file.display()))?,
        );
    }

    let (mut renderer, adapter) = view_renderer(&scene, args)?;
    let frames_dir = args.out.join("frames");
    std::fs::create_dir_all(&frames_dir)
        .with_context(|| format!("creating {}", frames_dir.display()))?;
    let gif_path = args.out.join("episode.gif");
    let gif_file = std::fs::File::create(&gif_path)
        .with_context(|| format!("creating {}", gif_path.display()))?;
    let mut gif = GifEncoder::new_with_speed(std::io::BufWriter::new(gif_file), GIF_SPEED);
    gif.set_repeat(Repeat::Infinite)
        .with_context(|| format!("writing {}", gif_path.display()))?;
    let frame_secs = recording.meta.decision_dt_secs.max(0.01) * every as f64;
    let delay = Delay::from_numer_denom_ms((frame_secs * 1000.0).round() as u32, 1);

    let bar = ProgressBar::new(selected.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "rendering {pos}/{len} frames [{elapsed_precise}] {wide_bar} {eta}",
        )
        .context("progress bar template")?,
    );
    for (k, (ego, actors)) in inputs.iter().enumerate() {
        let views = renderer.render_views(ego, actors, &scene.rig, size)?;
        let (w, h, rgb) = images::contact_sheet(&views);
        let path = frames_dir.join(format!("{k:05}.png"));
        image::save_buffer(&path, &rgb, w, h, image::ExtendedColorType::Rgb8)
            .with_context(|| format!("writing {}", path.display()))?;
        let rgba: Vec<u8> = rgb
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect();
        let img = RgbaImage::from_raw(w, h, rgba).context("contact sheet buffer size")?;
        gif.encode_frame(Frame::from_parts(img, 0, 0, delay))
            .with_context(|| format!("writing {}", gif_path.display()))?;
        bar.inc(1);
    }
    drop(gif);
    bar.finish_and_clear();
    println!(
        "{} ({} steps, scene {scene_name}, {:?} mode) on {adapter}: {} frames (every {every} \
         step) in {}, {}",
        file.display(),
        recording.steps.len(),
        args.mode,
        selected.len(),
        frames_dir.display(),
        gif_path.display()
    );
    write_mp4(&args.out, 1.0 / frame_secs)?;
    Ok(())
}

/// `DIR/episode.mp4` from `DIR/frames/%05d.png` with ffmpeg, when it is on PATH.
fn write_mp4(dir: &Path, fps: f64) -> anyhow::Result<()> {
    let available = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        println!("ffmpeg not found on PATH: skipping episode.mp4 (the GIF has the same frames)");
        return Ok(());
    }
    let mp4 = dir.join("episode.mp4");
    let out = Command::new("ffmpeg")
        .args(["-y", "-loglevel", "error", "-framerate"])
        .arg(format!("{fps}"))
        .arg("-i")
        .arg(dir.join("frames").join("%05d.png"))
        // H.264 in yuv420p needs even sides.
        .args([
            "-vf",
            "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&mp4)
        .output()
        .context("running ffmpeg")?;
    if !out.status.success() {
        bail!(
            "ffmpeg failed writing {}: {}",
            mp4.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    println!("{}", mp4.display());
    Ok(())
}
