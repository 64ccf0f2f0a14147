//! `mpa-sim bench ...`: benchmarks. `bench load` grows a data root to trainval size
//! (`mpa_sim::bench::load::replicate`, with a progress bar), then re-executes this binary as
//! `bench load-one` for each JSON reader, so the peak memory (VmHWM) it reports is that of a
//! process that only loaded one scene.

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use mpa_sim::bench::load::{self, LoadMeasurement};
use mpa_sim::scene::nuscenes::fixture::{Fixture, FixtureParams};
use mpa_sim::scene::nuscenes::{LoadOptions, TableReader};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Simulation steps per second without rendering, per core, for N IDM actors.
    Sim(super::bench_sim::BenchSimArgs),
    /// Renderer: frames per second and ms per camera for the six-camera rig, mesh and splat.
    Render(super::bench_render::BenchRenderArgs),
    /// Time loading one scene from a trainval-sized data root built by replicating DATAROOT.
    Load(LoadArgs),
    /// MPA: generation samples/s and bytes per sample, encoder and Q-model cost per decision.
    Mpa(super::bench_mpa::BenchMpaArgs),
    /// (internal) Load one scene and print a JSON measurement line.
    #[command(hide = true)]
    LoadOne(LoadOneArgs),
    /// (internal) Write the loader's test fixture as a source data root for `bench load`.
    #[command(hide = true)]
    WriteFixture(WriteFixtureArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReaderChoice {
    /// Whole file in one buffer, raw-text pre-filter (the default loader).
    Slice,
    /// Whole file in one buffer, every record deserialised.
    SlicePlain,
    /// 1 MiB BufReader.
    Buffered,
    /// All three.
    All,
}

impl ReaderChoice {
    fn options(self) -> LoadOptions {
        LoadOptions {
            reader: match self {
                ReaderChoice::Buffered => TableReader::Buffered,
                _ => TableReader::Slice,
            },
            prefilter: !matches!(self, ReaderChoice::SlicePlain),
        }
    }
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Source data root whose scenes are replicated.
    #[arg(long)]
    from: PathBuf,
    /// Version folder, e.g. v1.0-mini.
    #[arg(long)]
    version: String,
    /// Size of the generated tables in GB (v1.0-trainval metadata is about 1.3).
    #[arg(long, default_value_t = 1.3)]
    target_gb: f64,
    /// Where to build the data root (default: a temp dir, removed afterwards).
    #[arg(long)]
    work: Option<PathBuf>,
    /// Scene to load (default: the first scene of the middle replica).
    #[arg(long)]
    scene: Option<String>,
    /// JSON reader(s) to time.
    #[arg(long, value_enum, default_value = "all")]
    reader: ReaderChoice,
}

#[derive(Debug, Args)]
pub struct LoadOneArgs {
    #[arg(long)]
    dataroot: PathBuf,
    #[arg(long)]
    version: String,
    #[arg(long, default_value = "")]
    scene: String,
    #[arg(long, value_enum, default_value = "slice")]
    reader: ReaderChoice,
    /// Load every scene (`load_all`) instead of `--scene`.
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Args)]
pub struct WriteFixtureArgs {
    /// Output data root.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value = "v1.0-fixture")]
    version: String,
    #[arg(long, default_value_t = 2)]
    scenes_per_location: usize,
    /// Keyframes per scene (real scenes: about 40).
    #[arg(long, default_value_t = 40)]
    samples: usize,
    /// LIDAR_TOP sweeps between keyframes (real: 9).
    #[arg(long, default_value_t = 9)]
    sweeps: usize,
    /// Instances per scene (real: about 40 to 80).
    #[arg(long, default_value_t = 50)]
    instances: usize,
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Sim(a) => super::bench_sim::run(&a),
        BenchCommand::Render(a) => super::bench_render::run(&a),
        BenchCommand::Load(a) => run_load(a),
        BenchCommand::Mpa(a) => super::bench_mpa::run(&a),
        BenchCommand::LoadOne(a) => {
            let m = if a.all {
                load::measure_load_all(&a.dataroot, &a.version, a.reader.options())?
            } else {
                load::measure_load(&a.dataroot, &a.version, &a.scene, a.reader.options())?
            };
            println!("{}", serde_json::to_string(&m)?);
            Ok(())
        }
        BenchCommand::WriteFixture(a) => {
            let params = FixtureParams {
                scenes_per_location: a.scenes_per_location,
                samples_per_scene: a.samples,
                lidar_sweeps_per_sample: a.sweeps,
                instances_per_scene: a.instances,
            };
            Fixture::new(params)
                .write(&a.out, &a.version)
                .with_context(|| format!("writing the fixture to {}", a.out.display()))?;
            println!("wrote {}", a.out.join(&a.version).display());
            Ok(())
        }
    }
}

const MB: f64 = 1e6;

fn run_load(a: LoadArgs) -> anyhow::Result<()> {
    if !(a.target_gb.is_finite() && a.target_gb > 0.0) {
        bail!("--target-gb must be a positive number, got {}", a.target_gb);
    }
    let (work, temporary) = match &a.work {
        Some(w) => (w.clone(), false),
        None => (
            std::env::temp_dir().join(format!("mpa-sim-bench-load-{}", std::process::id())),
            true,
        ),
    };
    let result = build_and_measure(&a, &work);
    if temporary {
        // Best effort: the numbers are already printed; a leftover temp dir is not an error.
        let _ = std::fs::remove_dir_all(&work);
    }
    result
}

fn build_and_measure(a: &LoadArgs, work: &Path) -> anyhow::Result<()> {
    let target_bytes = (a.target_gb * 1e9) as u64;
    let bar = ProgressBar::new(target_bytes);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec})",
        )
        .context("progress bar template")?,
    );
    bar.set_message("writing tables");
    let gen_start = std::time::Instant::now();
    let report = load::replicate(&a.from, &a.version, work, target_bytes, &mut |b| bar.inc(b))
        .with_context(|| format!("replicating {} into {}", a.from.display(), work.display()))?;
    bar.finish_and_clear();
    println!(
        "generated {} scenes ({} replicas) in {:.1} s: tables {:.1} MB (largest {} {:.1} MB), maps {:.1} MB",
        report.scenes,
        report.replicas,
        gen_start.elapsed().as_secs_f64(),
        report.table_bytes as f64 / MB,
        report.largest_table,
        report.largest_table_bytes as f64 / MB,
        report.map_bytes as f64 / MB,
    );
    let scene = a.scene.clone().unwrap_or(report.middle_scene.clone());
    let readers: &[&str] = match a.reader {
        ReaderChoice::Slice => &["slice"],
        ReaderChoice::SlicePlain => &["slice-plain"],
        ReaderChoice::Buffered => &["buffered"],
        ReaderChoice::All => &["slice", "slice-plain", "buffered"],
    };
    let exe = std::env::current_exe().context("locating this binary to re-run it")?;
    println!(
        "{:<11} {:>9} {:>8} {:>9} {:>9} {:>12}  scene",
        "reader", "JSON MB", "secs", "MB/s", "CPU secs", "peak RSS MB"
    );
    for reader in readers {
        let out = std::process::Command::new(&exe)
            .args(["bench", "load-one", "--reader", reader, "--version"])
            .arg(&a.version)
            .arg("--scene")
            .arg(&scene)
            .arg("--dataroot")
            .arg(work)
            .output()
            .context("running the load-one child")?;
        if !out.status.success() {
            bail!(
                "load-one ({reader}) failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let m: LoadMeasurement = serde_json::from_slice(&out.stdout)
            .context("parsing the load-one child's measurement")?;
        let json_mb = (report.table_bytes + report.map_bytes) as f64 / MB;
        println!(
            "{:<11} {:>9.1} {:>8.2} {:>9.1} {:>9.2} {:>12.1}  {} ({} samples, {} actors, {} warnings)",
            m.reader,
            json_mb,
            m.secs,
            json_mb / m.secs,
            m.cpu_secs,
            m.peak_rss_kib as f64 * 1024.0 / MB,
            m.scene,
            m.samples,
            m.actors,
            m.warnings
        );
    }
    Ok(())
}
