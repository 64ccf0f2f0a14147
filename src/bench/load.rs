//! The scene-loading benchmark: grow a data root to trainval size by replicating its scenes,
//! then time `load_scene` of one scene and read its peak memory.
//!
//! Replication copies the per-scene tables (scene, sample, sample_data, ego_pose,
//! sample_annotation, instance) `replicas` times, XOR-ing every 32-hex-digit token of these
//! tables with a per-replica 128-bit key (replica 0 keeps the original tokens; links stay
//! consistent because every occurrence of a token maps the same way) and suffixing scene names
//! with `-rNNNN`. The shared tables (log, calibration, categories, ...) and the map expansions
//! are copied once. Records are written one at a time, so writing needs memory for the source
//! tables only.
//!
//! Peak memory is the process's `VmHWM` (Linux `/proc/self/status`), so the measurement runs in
//! a fresh process (the CLI re-executes itself) that does nothing but load.

use crate::scene::SceneError;
use crate::scene::nuscenes::stream::{TableReader, read_all, table_path};
use crate::scene::nuscenes::{self, LoadOptions};
use crate::scene::tables::*;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Tables copied once per replica.
pub const PER_SCENE_TABLES: [&str; 6] = [
    "scene",
    "sample",
    "sample_data",
    "ego_pose",
    "sample_annotation",
    "instance",
];

/// What `replicate` wrote.
#[derive(Debug, Clone, Default)]
pub struct ReplicateReport {
    pub replicas: usize,
    pub scenes: usize,
    /// Bytes of the 13 table files.
    pub table_bytes: u64,
    /// Bytes of the largest table file (the slice reader holds one file at a time).
    pub largest_table_bytes: u64,
    pub largest_table: String,
    /// Bytes of the copied map expansions.
    pub map_bytes: u64,
    /// Name of one scene of the middle replica.
    pub middle_scene: String,
}

/// One timed load.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct LoadMeasurement {
    pub scene: String,
    pub reader: String,
    pub secs: f64,
    /// CPU time (user + system) of the whole process, seconds; 0 where /proc is unavailable.
    /// On a shared machine this is steadier than `secs`.
    pub cpu_secs: f64,
    /// Peak resident memory of the process (VmHWM), KiB; 0 where /proc is unavailable.
    pub peak_rss_kib: u64,
    pub samples: usize,
    pub actors: usize,
    pub warnings: usize,
}

/// The per-replica token key (0 for replica 0).
fn replica_key(r: usize) -> u128 {
    if r == 0 {
        return 0;
    }
    let mut z = (r as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = || {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = z;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    (u128::from(next()) << 64) | u128::from(next())
}

/// Remap a token for a replica: 32 hex digits are XOR-ed with the key, anything else gets a
/// suffix; "" stays "".
fn remap(token: &str, key: u128, r: usize) -> String {
    if token.is_empty() || key == 0 {
        return token.to_string();
    }
    match u128::from_str_radix(token, 16) {
        Ok(v) if token.len() == 32 => format!("{:032x}", v ^ key),
        _ => format!("{token}-r{r}"),
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> SceneError + '_ {
    move |e| SceneError::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

/// Writes a JSON array one record at a time.
struct ArrayWriter {
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    first: bool,
    bytes: u64,
    scratch: Vec<u8>,
}

impl ArrayWriter {
    fn create(path: PathBuf) -> Result<ArrayWriter, SceneError> {
        let file = std::fs::File::create(&path).map_err(io_err(&path))?;
        let mut w = ArrayWriter {
            out: std::io::BufWriter::with_capacity(1 << 20, file),
            path,
            first: true,
            bytes: 0,
            scratch: Vec::new(),
        };
        w.raw(b"[\n")?;
        Ok(w)
    }
    fn raw(&mut self, b: &[u8]) -> Result<(), SceneError> {
        self.bytes += b.len() as u64;
        self.out.write_all(b).map_err(io_err(&self.path))
    }
    /// Append one record; returns the bytes written.
    fn record<T: Serialize>(&mut self, rec: &T) -> Result<u64, SceneError> {
        let before = self.bytes;
        if !self.first {
            self.raw(b",\n")?;
        }
        self.first = false;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        serde_json::to_writer_pretty(&mut scratch, rec).map_err(|e| SceneError::Json {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        self.raw(&scratch)?;
        self.scratch = scratch;
        Ok(self.bytes - before)
    }
    fn finish(mut self) -> Result<u64, SceneError> {
        self.raw(b"\n]\n")?;
        self.out.flush().map_err(io_err(&self.path))?;
        Ok(self.bytes)
    }
}

/// Serialized size of a table as `ArrayWriter` writes it.
fn table_size<T: Serialize>(records: &[T]) -> u64 {
    let body: u64 = records
        .iter()
        .map(|r| serde_json::to_vec_pretty(r).map_or(0, |v| v.len() as u64))
        .sum();
    body + 2 * records.len().saturating_sub(1) as u64 + 5
}

/// The source's per-scene tables.
struct PerScene {
    scene: Vec<SceneRecord>,
    sample: Vec<Sample>,
    sample_data: Vec<SampleData>,
    ego_pose: Vec<EgoPose>,
    sample_annotation: Vec<SampleAnnotation>,
    instance: Vec<Instance>,
}

/// Replicate the scenes of `from/version` into `work/version` until the tables reach about
/// `target_bytes`; `progress(bytes_written)` is called as records are written.
pub fn replicate(
    from: &Path,
    version: &str,
    work: &Path,
    target_bytes: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<ReplicateReport, SceneError> {
    let r = TableReader::Slice;
    let src = |t: &str| table_path(from, version, t);
    let src_tables = PerScene {
        scene: read_all(&src("scene"), r)?,
        sample: read_all(&src("sample"), r)?,
        sample_data: read_all(&src("sample_data"), r)?,
        ego_pose: read_all(&src("ego_pose"), r)?,
        sample_annotation: read_all(&src("sample_annotation"), r)?,
        instance: read_all(&src("instance"), r)?,
    };
    let vdir = work.join(version);
    std::fs::create_dir_all(&vdir).map_err(io_err(&vdir))?;
    let mut report = ReplicateReport::default();
    fn note(name: &str, bytes: u64, report: &mut ReplicateReport) {
        report.table_bytes += bytes;
        if bytes > report.largest_table_bytes {
            report.largest_table_bytes = bytes;
            report.largest_table = name.to_string();
        }
    }
    // Shared tables: copied verbatim.
    for t in TABLE_NAMES {
        if !PER_SCENE_TABLES.contains(&t) {
            let dst = table_path(work, version, t);
            let bytes = std::fs::copy(src(t), &dst).map_err(io_err(&dst))?;
            note(t, bytes, &mut report);
            progress(bytes);
        }
    }
    let s = &src_tables;
    let per_replica = table_size(&s.scene)
        + table_size(&s.sample)
        + table_size(&s.sample_data)
        + table_size(&s.ego_pose)
        + table_size(&s.sample_annotation)
        + table_size(&s.instance);
    let replicas = (target_bytes.saturating_sub(report.table_bytes))
        .div_ceil(per_replica.max(1))
        .max(1) as usize;
    report.replicas = replicas;
    report.scenes = replicas * s.scene.len();
    let middle = replicas / 2;
    report.middle_scene = s
        .scene
        .first()
        .map(|sc| replica_name(&sc.name, middle))
        .unwrap_or_default();

    macro_rules! write_table {
        ($name:literal, $records:expr, |$rec:ident, $key:ident, $r:ident| $body:expr) => {{
            let mut w = ArrayWriter::create(table_path(work, version, $name))?;
            let mut reported = 0;
            for $r in 0..replicas {
                let $key = replica_key($r);
                for $rec in $records {
                    let b = w.record(&$body)?;
                    reported += b;
                    progress(b);
                }
            }
            let bytes = w.finish()?;
            progress(bytes - reported);
            note($name, bytes, &mut report);
        }};
    }
    write_table!("scene", &s.scene, |x, k, r| SceneRecord {
        token: remap(&x.token, k, r),
        log_token: x.log_token.clone(),
        nbr_samples: x.nbr_samples,
        first_sample_token: remap(&x.first_sample_token, k, r),
        last_sample_token: remap(&x.last_sample_token, k, r),
        name: replica_name(&x.name, r),
        description: x.description.clone(),
    });
    write_table!("sample", &s.sample, |x, k, r| Sample {
        token: remap(&x.token, k, r),
        timestamp: x.timestamp,
        prev: remap(&x.prev, k, r),
        next: remap(&x.next, k, r),
        scene_token: remap(&x.scene_token, k, r),
    });
    write_table!("sample_data", &s.sample_data, |x, k, r| SampleData {
        token: remap(&x.token, k, r),
        sample_token: remap(&x.sample_token, k, r),
        ego_pose_token: remap(&x.ego_pose_token, k, r),
        prev: remap(&x.prev, k, r),
        next: remap(&x.next, k, r),
        ..x.clone()
    });
    write_table!("ego_pose", &s.ego_pose, |x, k, r| EgoPose {
        token: remap(&x.token, k, r),
        ..x.clone()
    });
    write_table!("sample_annotation", &s.sample_annotation, |x, k, r| {
        SampleAnnotation {
            token: remap(&x.token, k, r),
            sample_token: remap(&x.sample_token, k, r),
            instance_token: remap(&x.instance_token, k, r),
            prev: remap(&x.prev, k, r),
            next: remap(&x.next, k, r),
            ..x.clone()
        }
    });
    write_table!("instance", &s.instance, |x, k, r| Instance {
        token: remap(&x.token, k, r),
        first_annotation_token: remap(&x.first_annotation_token, k, r),
        last_annotation_token: remap(&x.last_annotation_token, k, r),
        ..x.clone()
    });

    // Map expansions: copied once.
    let src_maps = from.join("maps").join("expansion");
    let dst_maps = work.join("maps").join("expansion");
    std::fs::create_dir_all(&dst_maps).map_err(io_err(&dst_maps))?;
    let mut entries: Vec<_> = std::fs::read_dir(&src_maps)
        .map_err(io_err(&src_maps))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    for p in entries {
        if let Some(name) = p.file_name() {
            let dst = dst_maps.join(name);
            report.map_bytes += std::fs::copy(&p, &dst).map_err(io_err(&dst))?;
        }
    }
    Ok(report)
}

/// Scene name in replica `r` (replica 0 keeps the original).
pub fn replica_name(name: &str, r: usize) -> String {
    if r == 0 {
        name.to_string()
    } else {
        format!("{name}-r{r:04}")
    }
}

/// Peak resident set size of this process in KiB (`VmHWM`), if the OS reports it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn reader_name(opts: LoadOptions) -> String {
    match (opts.reader, opts.prefilter) {
        (TableReader::Slice, true) => "slice".into(),
        (TableReader::Slice, false) => "slice-plain".into(),
        (TableReader::Buffered, _) => "buffered".into(),
    }
}

/// CPU time (user + system) of this process in seconds, from `/proc/self/stat` (fields 14
/// and 15, in clock ticks of 1/100 s, the Linux `USER_HZ`).
pub fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is parenthesised and may hold spaces: split after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3, so fields 14 and 15 are at 11 and 12.
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// Load one scene and measure time and peak memory (run in a fresh process).
pub fn measure_load(
    dataroot: &Path,
    version: &str,
    scene: &str,
    opts: LoadOptions,
) -> Result<LoadMeasurement, SceneError> {
    let start = Instant::now();
    let loaded = nuscenes::load_scene_with(dataroot, version, scene, opts)?;
    let secs = start.elapsed().as_secs_f64();
    Ok(LoadMeasurement {
        scene: scene.to_string(),
        reader: reader_name(opts),
        secs,
        cpu_secs: cpu_secs().unwrap_or(0.0),
        peak_rss_kib: peak_rss_kib().unwrap_or(0),
        samples: loaded.value.ego_track.len(),
        actors: loaded.value.actors.len(),
        warnings: loaded.warnings.len(),
    })
}

/// Load every scene (`load_all`) and measure time and peak memory; `samples` and `actors` are
/// totals and `scene` holds the scene count.
pub fn measure_load_all(
    dataroot: &Path,
    version: &str,
    opts: LoadOptions,
) -> Result<LoadMeasurement, SceneError> {
    let start = Instant::now();
    let loaded = nuscenes::load_all_with(dataroot, version, opts)?;
    let secs = start.elapsed().as_secs_f64();
    Ok(LoadMeasurement {
        scene: format!("all {} scenes", loaded.value.len()),
        reader: reader_name(opts),
        secs,
        cpu_secs: cpu_secs().unwrap_or(0.0),
        peak_rss_kib: peak_rss_kib().unwrap_or(0),
        samples: loaded.value.iter().map(|s| s.ego_track.len()).sum(),
        actors: loaded.value.iter().map(|s| s.actors.len()).sum(),
        warnings: loaded.warnings.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::nuscenes::fixture::{Fixture, FixtureParams};

    #[test]
    fn remap_is_consistent_and_keeps_replica_zero() {
        let t = "0123456789abcdef0123456789abcdef";
        assert_eq!(remap(t, replica_key(0), 0), t);
        let a = remap(t, replica_key(3), 3);
        assert_eq!(a.len(), 32);
        assert_ne!(a, t);
        assert_eq!(a, remap(t, replica_key(3), 3));
        assert_eq!(remap("", replica_key(3), 3), "");
        assert_eq!(remap("lane-a", replica_key(3), 3), "lane-a-r3");
    }

    #[test]
    fn replicated_scenes_load_like_the_original() {
        let src = tempfile::tempdir().expect("tempdir");
        let work = tempfile::tempdir().expect("tempdir");
        Fixture::new(FixtureParams::default())
            .write(src.path(), "v")
            .expect("write");
        let mut written = 0;
        let report = replicate(src.path(), "v", work.path(), 200_000, &mut |b| written += b)
            .expect("replicates");
        assert!(report.replicas >= 2, "{report:?}");
        assert_eq!(written, report.table_bytes);
        let names = nuscenes::scene_names(work.path(), "v").expect("names");
        assert_eq!(names.len(), report.scenes);
        let orig = nuscenes::load_scene(src.path(), "v", "scene-0002")
            .expect("loads")
            .value;
        let copy = nuscenes::load_scene(work.path(), "v", &replica_name("scene-0002", 1))
            .expect("loads")
            .value;
        assert_eq!(copy.ego_track, orig.ego_track);
        assert_eq!(copy.actors.len(), orig.actors.len());
        assert_eq!(copy.actors[0].keyframes, orig.actors[0].keyframes);
        assert_ne!(copy.token, orig.token);
        let m = measure_load(
            work.path(),
            "v",
            &report.middle_scene,
            LoadOptions::default(),
        )
        .expect("measures");
        assert_eq!(m.samples, orig.ego_track.len());
    }
}
