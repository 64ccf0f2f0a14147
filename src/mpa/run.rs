//! Generation over many scenes: workers (each with its own renderer, agent and encoder) take
//! scenes in turn; the main thread writes each finished scene's shard and the manifest
//! atomically, so an interrupted run loses at most the scenes in flight and a rerun with the
//! same config resumes (scenes whose shard is in the manifest and matches its SHA-256 are
//! skipped). A different config in an existing folder is refused.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use super::MpaError;
use super::counterfactual::{GenConfig, Worker, generate_scene};
use super::store::{self, FORMAT, Manifest, SHARDS_DIR, ShardEntry};
use crate::agent::mpa::features::FrozenEncoder;
use crate::agent::registry::AgentSpec;
use crate::render::{AdapterPreference, LocalViews};
use crate::rollout::episode::{SceneSource, cached_scene};
use crate::rollout::lock::OutputLock;
use crate::scene::scenario::ResolvedScenario;

#[derive(Debug, Clone)]
pub struct GenOptions {
    pub config: GenConfig,
    pub source: SceneSource,
    /// The scenes of this run (already this shard's part).
    pub scenes: Vec<String>,
    /// Base-policy folder whose camera encoder is frozen for the Q model.
    pub encoder_dir: PathBuf,
    pub out_dir: PathBuf,
    pub jobs: usize,
    pub adapter: AdapterPreference,
    pub progress: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenSummary {
    pub scenes_generated: usize,
    pub scenes_resumed: usize,
    pub references: usize,
    pub samples: usize,
    pub dropped: usize,
    pub collisions: usize,
    pub bytes: u64,
    pub secs: f64,
}

/// Run (or resume) generation into `opts.out_dir`.
pub fn run(opts: &GenOptions) -> Result<GenSummary, MpaError> {
    let t0 = Instant::now();
    let out = &opts.out_dir;
    std::fs::create_dir_all(out.join(SHARDS_DIR)).map_err(|e| MpaError::io(out, e))?;
    let _lock = OutputLock::acquire(out).map_err(|e| MpaError::Config(e.to_string()))?;
    let config_sha256 = opts.config.sha256();
    let config_json =
        serde_json::to_value(&opts.config).map_err(|e| MpaError::Config(format!("config: {e}")))?;
    let mut manifest = match Manifest::load(out)? {
        Some(m) if m.config_sha256 != config_sha256 => {
            return Err(MpaError::Config(format!(
                "{} holds data generated with another config ({}); use a new --out folder or the same options\n  existing: {}\n  this run: {}",
                out.display(),
                m.config_sha256,
                m.config,
                config_json
            )));
        }
        Some(m) => m,
        None => Manifest {
            format: FORMAT.into(),
            config: config_json,
            config_sha256: config_sha256.clone(),
            shards: Vec::new(),
        },
    };
    // Keep finished scenes whose file is intact; forget the others (regenerated below).
    manifest
        .shards
        .retain(|e| std::fs::read(out.join(&e.file)).is_ok_and(|b| store::sha256(&b) == e.sha256));
    let done: std::collections::BTreeSet<String> =
        manifest.shards.iter().map(|e| e.scene.clone()).collect();
    let todo: Vec<String> = opts
        .scenes
        .iter()
        .filter(|s| !done.contains(*s))
        .cloned()
        .collect();
    let resumed = opts.scenes.len() - todo.len();
    manifest.save(out)?;

    let bar = progress_bar(opts.progress, todo.len());
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = crossbeam_channel::unbounded();
    let jobs = opts.jobs.clamp(1, todo.len().max(1));
    let mut first_error: Option<MpaError> = None;
    let (mut new_refs, mut new_samples) = (0usize, 0usize);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, stop, todo) = (&next, &stop, &todo);
            s.spawn(move || {
                let setup = || -> Result<_, MpaError> {
                    let views = LocalViews::new(opts.adapter)
                        .map_err(|e| MpaError::Render(format!("starting the renderer: {e}")))?;
                    let agent = AgentSpec::parse(&opts.config.base)
                        .and_then(|a| a.create())
                        .map_err(|e| MpaError::Config(e.to_string()))?;
                    let encoder =
                        FrozenEncoder::load(&opts.encoder_dir).map_err(MpaError::Config)?;
                    Ok((views, agent, encoder))
                };
                let (mut views, mut agent, encoder) = match setup() {
                    Ok(x) => x,
                    Err(e) => {
                        let _ = tx.send((String::new(), Err(e), 0.0));
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= todo.len() || stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let name = &todo[i];
                    let started = Instant::now();
                    let result = cached_scene(&opts.source, name)
                        .map_err(|e| MpaError::Episode(e.to_string()))
                        .and_then(|scene| {
                            let scenario = ResolvedScenario::from_scene(scene);
                            let mut w = Worker {
                                views: &mut views,
                                agent: agent.as_mut(),
                                encoder: &encoder,
                            };
                            generate_scene(&opts.config, &scenario, &mut w)
                        });
                    let failed = result.is_err();
                    let _ = tx.send((name.clone(), result, started.elapsed().as_secs_f64()));
                    if failed {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (scene, result, secs) in rx {
            let (data, counts) = match result {
                Ok(x) => x,
                Err(e) => {
                    stop.store(true, Ordering::SeqCst);
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            let write = || -> Result<ShardEntry, MpaError> {
                let bytes = store::encode_shard(
                    &data,
                    opts.config.feature_dim,
                    opts.config.horizon,
                    &config_sha256,
                )
                .map_err(|m| MpaError::Config(format!("{scene}: encoding the shard: {m}")))?;
                let path = store::shard_path(out, &scene);
                store::write_atomic(&path, &bytes)?;
                Ok(ShardEntry {
                    scene: scene.clone(),
                    file: format!("{SHARDS_DIR}/{scene}.safetensors"),
                    sha256: store::sha256(&bytes),
                    bytes: bytes.len() as u64,
                    references: data.refs.len(),
                    samples: data.samples.len(),
                    collisions: data.samples.iter().filter(|s| s.collision).count(),
                    dropped_strayed: counts.dropped_strayed,
                    dropped_floor: counts.dropped_floor,
                    secs,
                })
            };
            match write() {
                Ok(entry) => {
                    new_refs += entry.references;
                    new_samples += entry.samples;
                    manifest.shards.push(entry);
                    manifest.shards.sort_by(|a, b| a.scene.cmp(&b.scene));
                    if let Err(e) = manifest.save(out) {
                        stop.store(true, Ordering::SeqCst);
                        first_error.get_or_insert(e);
                    }
                }
                Err(e) => {
                    stop.store(true, Ordering::SeqCst);
                    first_error.get_or_insert(e);
                }
            }
            bar.inc(1);
            let el = t0.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "{new_samples} samples, {:.1} samples/s, {new_refs} reference states",
                new_samples as f64 / el
            ));
            if bar.is_hidden() && opts.progress {
                eprintln!(
                    "mpa gen: {scene} done ({}/{}), {new_samples} samples, {:.1} samples/s",
                    bar.position(),
                    todo.len(),
                    new_samples as f64 / el
                );
            }
        }
    });
    bar.finish_and_clear();
    if let Some(e) = first_error {
        return Err(e);
    }
    let (references, samples, dropped, collisions, bytes) = manifest.totals();
    Ok(GenSummary {
        scenes_generated: todo.len(),
        scenes_resumed: resumed,
        references,
        samples,
        dropped,
        collisions,
        bytes,
        secs: t0.elapsed().as_secs_f64(),
    })
}

fn progress_bar(enabled: bool, len: usize) -> indicatif::ProgressBar {
    if !enabled {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    let style = indicatif::ProgressStyle::with_template(
        "mpa gen [{elapsed_precise}] {wide_bar} {pos}/{len} scenes, ETA {eta} | {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
