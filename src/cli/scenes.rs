//! `mpa-sim scenes list | show | validate`: look at and validate nuScenes-format scenes, the
//! shipped splits and the shipped scenario files, through the loader API.

use anyhow::{Context, bail};
use clap::Args;
use mpa_sim::config::VehicleConfig;
use mpa_sim::scene::registry::{self, SHIPPED_VERSION, Splits};
use mpa_sim::scene::scenario::{self, ScenarioError};
use mpa_sim::scene::{ActorClass, Scene, nuscenes};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Where the scenes are: a nuScenes data root and version folder (default: the shipped set).
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// nuScenes data root (holds `<version>/` and `maps/`); default: the shipped mini set.
    #[arg(long)]
    pub dataroot: Option<PathBuf>,
    /// Version folder under the data root.
    #[arg(long, default_value = SHIPPED_VERSION)]
    pub version: String,
}

impl DataArgs {
    pub fn dataroot(&self) -> PathBuf {
        self.dataroot
            .clone()
            .unwrap_or_else(registry::shipped_dataroot)
    }
}

/// "car 12, pedestrian 3" over the classes present.
fn actors_by_class(scene: &Scene) -> String {
    let mut counts: BTreeMap<ActorClass, usize> = BTreeMap::new();
    for a in &scene.actors {
        *counts.entry(a.class).or_default() += 1;
    }
    if counts.is_empty() {
        return "-".into();
    }
    counts
        .iter()
        .map(|(c, n)| format!("{} {n}", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `scenes list`: one row per scene.
pub fn list(data: &DataArgs) -> anyhow::Result<()> {
    let root = data.dataroot();
    let names = nuscenes::scene_names(&root, &data.version)?;
    println!(
        "{:<14} {:<20} {:>10} {:>10} {:>5}  actors",
        "name", "location", "duration_s", "route_m", "warn"
    );
    for name in names {
        let loaded = nuscenes::load_scene(&root, &data.version, &name)?;
        let s = &loaded.value;
        println!(
            "{:<14} {:<20} {:>10.1} {:>10.1} {:>5}  {}",
            s.name,
            s.location.as_str(),
            s.duration_secs(),
            s.route_length_m(),
            loaded.warnings.len(),
            actors_by_class(s)
        );
    }
    Ok(())
}

/// `scenes show NAME`: details of one scene.
pub fn show(name: &str, data: &DataArgs) -> anyhow::Result<()> {
    let loaded = nuscenes::load_scene(&data.dataroot(), &data.version, name)?;
    let s = &loaded.value;
    println!("{} ({})", s.name, s.token);
    if !s.description.is_empty() {
        println!("  description: {}", s.description);
    }
    println!("  location:    {}", s.location);
    println!("  log:         {} ({})", s.logfile, s.date_captured);
    println!("  duration:    {:.2} s", s.duration_secs());
    println!("  route:       {:.1} m logged ego path", s.route_length_m());
    println!(
        "  keyframes:   {} samples, {} ego poses",
        s.sample_timestamps_us.len(),
        s.ego_track.len()
    );
    let mut by_class: BTreeMap<ActorClass, BTreeMap<&str, usize>> = BTreeMap::new();
    for a in &s.actors {
        *by_class
            .entry(a.class)
            .or_default()
            .entry(a.category.as_str())
            .or_default() += 1;
    }
    println!("  actors:      {}", s.actors.len());
    for (class, cats) in &by_class {
        let total: usize = cats.values().sum();
        let names: Vec<String> = cats.iter().map(|(c, n)| format!("{c} {n}")).collect();
        println!(
            "    {:<11} {total:>4}  ({})",
            class.as_str(),
            names.join(", ")
        );
    }
    let m = &s.map;
    let connectors = m.lanes.iter().filter(|l| l.is_connector).count();
    println!(
        "  map:         {} lanes, {} connectors, {} crossings, {} walkways, {} drivable areas, {} stop lines",
        m.lanes.len() - connectors,
        connectors,
        m.ped_crossings.len(),
        m.walkways.len(),
        m.drivable_areas.len(),
        m.stop_lines.len()
    );
    println!("  warnings:    {}", loaded.warnings.len());
    for w in &loaded.warnings {
        println!("    {w}");
    }
    Ok(())
}

/// `scenes validate --all`: every shipped scene loads, every split names existing scenes, and
/// every shipped scenario checks, resolves (seeds 0..8) and
/// has no placement conflicts. Fails if anything does not.
pub fn validate_all() -> anyhow::Result<()> {
    let root = registry::shipped_dataroot();
    let version = SHIPPED_VERSION;
    let mut failures = 0usize;

    println!("scenes ({})", root.join(version).display());
    let names = nuscenes::scene_names(&root, version)
        .with_context(|| format!("listing the scenes of {}", root.display()))?;
    let mut scenes: BTreeMap<String, Arc<Scene>> = BTreeMap::new();
    for name in &names {
        match nuscenes::load_scene(&root, version, name) {
            Ok(l) => {
                println!("  OK    {name:<14} {} warning(s)", l.warnings.len());
                scenes.insert(name.clone(), Arc::new(l.value));
            }
            Err(e) => {
                failures += 1;
                println!("  FAIL  {name:<14} {e}");
            }
        }
    }

    let splits_path = registry::splits_file();
    println!("splits ({})", splits_path.display());
    match Splits::load(&splits_path) {
        Ok(splits) => {
            for split in ["train", "test_in_domain", "test_unseen"] {
                println!(
                    "  {split:<15} {}",
                    splits.scenes(split).unwrap_or(&[]).join(" ")
                );
            }
            for p in splits.problems(&names) {
                failures += 1;
                println!("  FAIL  {p}");
            }
        }
        Err(e) => {
            failures += 1;
            println!("  FAIL  {e}");
        }
    }

    println!("scenarios ({})", registry::scenarios_dir().display());
    let files = registry::shipped_scenario_files()?;
    for file in &files {
        match check_shipped(file, &names, &scenes) {
            Ok(line) => println!("  OK    {line}"),
            Err(e) => {
                failures += 1;
                println!("  FAIL  {e}");
            }
        }
    }
    failures += super::assets::validate_shipped();
    println!(
        "summary: {} scene(s), {} scenario file(s), {failures} failure(s)",
        names.len(),
        files.len()
    );
    if failures > 0 {
        bail!("validation failed with {failures} failure(s)");
    }
    Ok(())
}

/// Seeds each shipped scenario is resolved with (conflicts depend on the jitter draw).
const VALIDATE_SEEDS: u64 = 8;

/// Check one shipped scenario against the already loaded scenes; resolve it with seed 0.
fn check_shipped(
    file: &std::path::Path,
    names: &[String],
    scenes: &BTreeMap<String, Arc<Scene>>,
) -> anyhow::Result<String> {
    let origin = file.display().to_string();
    let spec = scenario::load_spec(file)?;
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
    if stem.as_deref() != Some(spec.name.as_str()) {
        bail!(
            "{origin}: field `name`: {:?} differs from the file stem {:?}: shipped scenarios are named after their file",
            spec.name,
            stem.unwrap_or_default()
        );
    }
    let Some(scene) = scenes.get(&spec.scene) else {
        return Err(ScenarioError::UnknownScene {
            origin,
            scene: spec.scene.clone(),
            dataroot: registry::shipped_dataroot().join(SHIPPED_VERSION),
            nearby: scenario::nearest_names(&spec.scene, names.iter().map(String::as_str), 3),
        }
        .into());
    };
    // Conflicts depend on the jitter draw: look at a few seeds, report each conflict once.
    let mut conflicts: Vec<String> = Vec::new();
    let mut first = None;
    for seed in 0..VALIDATE_SEEDS {
        let r =
            scenario::resolve(&spec, scene.clone(), seed).map_err(|e| e.with_origin(&origin))?;
        for c in scenario::placement_conflicts(&r, &VehicleConfig::default()) {
            // The same actor pair at a slightly different time is the same conflict.
            let key = c.split(" s into").next().unwrap_or(&c).to_string();
            let key = key
                .rsplit_once(' ')
                .map_or(key.clone(), |(k, _)| k.to_string());
            if !conflicts.iter().any(|known| known.contains(&key)) {
                conflicts.push(format!("seed {seed}: {c}"));
            }
        }
        first.get_or_insert(r);
    }
    if !conflicts.is_empty() {
        bail!("{origin}: {}", conflicts.join("; "));
    }
    let resolved = first.expect("VALIDATE_SEEDS > 0");
    Ok(format!(
        "{:<30} {:<11} {:<10} {} actor(s), {:.1} s, {} of {} logged actors kept (seed 0)",
        spec.name,
        spec.scene,
        format!("{:?}", spec.family).to_lowercase(),
        resolved.inserted_actors.len(),
        resolved.duration_secs,
        resolved.logged_actors.len(),
        scene.actors.len()
    ))
}
