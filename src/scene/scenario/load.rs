//! Reading scenario files: TOML text to `ScenarioSpec`, with errors that point at the line,
//! column and field path.
//!
//! The text is parsed twice: once into toml's spanned document tree (`DeTable`), which gives
//! syntax errors and, for schema errors, the map from a byte offset back to a field path; and
//! once through serde into the spec. serde stops at the first schema error; its span is looked
//! up in the tree to name the field (`actors[1].behaviour.kind`). Untagged forms (`start`,
//! `trigger`) get their allowed shapes spelled out, since serde only says "did not match".
//!
//! `load_spec` also runs the scene-independent checks (`check::validate_spec`), so a spec that
//! loads is well-formed; `check::check` adds the checks that need the scene.

use super::bounds::{MAX_ACTORS, MAX_FILE_BYTES, MAX_POLYLINE_POINTS, count_actor_headers};
use super::check::{check, validate_spec};
use super::error::{Problem, ProblemKind, ScenarioError};
use super::spec::ScenarioSpec;
use crate::scene::nuscenes::{self, Loaded};
use crate::scene::{LoadWarning, Scene};
use std::path::Path;
use std::sync::Arc;
use toml::de::{DeTable, DeValue};

/// Allowed forms of `actors[i].start`, for messages.
pub const START_FORMS: &str =
    "{ route_s_m, lateral_m = 0, yaw_deg = 0 } | { lane, s_m = 0 } | { x, y, yaw_deg }";
/// Allowed forms of `actors[i].trigger`, for messages.
pub const TRIGGER_FORMS: &str =
    "{ time_secs } | { ego_distance_m } (omit the key to start immediately)";

/// Read, parse and validate (scene-independent checks) a scenario file.
pub fn load_spec(path: &Path) -> Result<ScenarioSpec, ScenarioError> {
    let text = read_capped(path)?;
    parse_spec(&text, &path.display().to_string())
}

/// Read a scenario file, refusing one larger than `MAX_FILE_BYTES` before reading it.
fn read_capped(path: &Path) -> Result<String, ScenarioError> {
    let io = |source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::metadata(path).map_err(io)?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(too_large(&path.display().to_string(), bytes));
    }
    std::fs::read_to_string(path).map_err(io)
}

fn too_large(origin: &str, bytes: u64) -> ScenarioError {
    ScenarioError::TooLarge {
        origin: origin.to_string(),
        bytes,
        max_bytes: MAX_FILE_BYTES,
        max_actors: MAX_ACTORS,
        max_points: MAX_POLYLINE_POINTS,
    }
}

/// Parse and validate (scene-independent checks) scenario TOML text; `origin` names it in errors.
pub fn parse_spec(text: &str, origin: &str) -> Result<ScenarioSpec, ScenarioError> {
    let spec = parse_schema(text, origin)?;
    let problems = validate_spec(&spec);
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(ScenarioError::Invalid {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// TOML syntax and schema only, no value checks. Text larger than any valid scenario, or
/// with more `[[actors]]` tables than `MAX_ACTORS`, is refused before it is parsed (the TOML
/// tree and the spec take memory in proportion to the text).
fn parse_schema(text: &str, origin: &str) -> Result<ScenarioSpec, ScenarioError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(origin, text.len() as u64));
    }
    let actors = count_actor_headers(text);
    if actors > MAX_ACTORS {
        return Err(ScenarioError::Invalid {
            origin: origin.to_string(),
            problems: vec![Problem::new(
                "actors",
                ProblemKind::TooMany {
                    what: "actors".into(),
                    count: actors,
                    max: MAX_ACTORS,
                },
            )],
        });
    }
    let doc = DeTable::parse(text).map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |s| line_column(text, s.start));
        ScenarioError::Syntax {
            origin: origin.to_string(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    let spec: ScenarioSpec = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = line_column(text, offset);
        let mut path = Vec::new();
        field_path_at(doc.get_ref(), offset, &mut path);
        let mut field = path.join("").trim_start_matches('.').to_string();
        ScenarioError::Schema {
            origin: origin.to_string(),
            message: explain(e.message().trim(), &mut field, doc.get_ref()),
            field,
            line,
            column,
        }
    })?;
    Ok(spec)
}

/// A scenario file checked against its base scene.
#[derive(Debug, Clone)]
pub struct CheckedScenario {
    pub spec: ScenarioSpec,
    pub scene: Arc<Scene>,
    /// Warnings from loading the base scene.
    pub warnings: Vec<LoadWarning>,
}

/// Load a scenario file, load its base scene from `dataroot`/`version` and `check` the spec
/// against it. Errors name the file.
pub fn check_file(
    path: &Path,
    dataroot: &Path,
    version: &str,
) -> Result<CheckedScenario, ScenarioError> {
    let origin = path.display().to_string();
    let text = read_capped(path)?;
    // Schema only: `check` below reports the scene-independent problems together with the
    // scene-dependent ones.
    let spec = parse_schema(&text, &origin)?;
    let loaded = load_base_scene(&spec, &origin, dataroot, version)?;
    let scene = Arc::new(loaded.value);
    check(&spec, &scene).map_err(|e| e.with_origin(&origin))?;
    Ok(CheckedScenario {
        spec,
        scene,
        warnings: loaded.warnings,
    })
}

/// Load the base scene a spec names. A name not in the dataset gives `UnknownScene` with the
/// nearest names.
pub fn load_base_scene(
    spec: &ScenarioSpec,
    origin: &str,
    dataroot: &Path,
    version: &str,
) -> Result<Loaded<Scene>, ScenarioError> {
    let scene_error = |source| ScenarioError::Scene {
        origin: origin.to_string(),
        scene: spec.scene.clone(),
        source: Box::new(source),
    };
    let names = nuscenes::scene_names(dataroot, version).map_err(scene_error)?;
    if !names.contains(&spec.scene) {
        return Err(ScenarioError::UnknownScene {
            origin: origin.to_string(),
            scene: spec.scene.clone(),
            dataroot: dataroot.join(version),
            nearby: super::nearest_names(&spec.scene, names.iter().map(String::as_str), 3),
        });
    }
    nuscenes::load_scene(dataroot, version, &spec.scene).map_err(scene_error)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Push the path segments (`.key`, `[i]`) of the innermost key or value containing `offset`.
/// Tables opened by a header (`[ego]`, `[[actors]]`) can have a span covering only the header,
/// so a table also counts as containing the offset if any of its entries does.
fn field_path_at(table: &DeTable<'_>, offset: usize, path: &mut Vec<String>) {
    for (key, value) in table.iter() {
        if key.span().contains(&offset) {
            path.push(format!(".{}", key.get_ref()));
            return;
        }
        if value.span().contains(&offset) || contains(value.get_ref(), offset) {
            path.push(format!(".{}", key.get_ref()));
            value_path_at(value.get_ref(), offset, path);
            return;
        }
    }
}

fn value_path_at(value: &DeValue<'_>, offset: usize, path: &mut Vec<String>) {
    match value {
        DeValue::Table(t) => field_path_at(t, offset, path),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.span().contains(&offset) || contains(item.get_ref(), offset) {
                    path.push(format!("[{i}]"));
                    value_path_at(item.get_ref(), offset, path);
                    return;
                }
            }
        }
        _ => {}
    }
}

/// Whether any key or value inside a table or array (recursively) spans `offset`.
fn contains(value: &DeValue<'_>, offset: usize) -> bool {
    match value {
        DeValue::Table(t) => t.iter().any(|(k, v)| {
            k.span().contains(&offset)
                || v.span().contains(&offset)
                || contains(v.get_ref(), offset)
        }),
        DeValue::Array(items) => items
            .iter()
            .any(|v| v.span().contains(&offset) || contains(v.get_ref(), offset)),
        _ => false,
    }
}

/// Keys each behaviour kind takes besides `kind` (for messages).
const BEHAVIOUR_KEYS: [(&str, &str); 7] = [
    ("replay", "path, speed_mps"),
    ("idm", "desired_speed_mps"),
    ("cut_in", "speed_mps, duration_secs = 2"),
    ("hard_brake", "speed_mps, decel_mps2"),
    ("stop", "none"),
    ("cross", "speed_mps"),
    ("oncoming", "speed_mps"),
];

/// Make serde's message say what is allowed where it does not already, and name the key of
/// an unknown field (serde's span covers the whole inline table).
fn explain(message: &str, field: &mut String, doc: &DeTable<'_>) -> String {
    if message.contains("untagged enum StartSpec") {
        return format!("does not match any start form: expected one of {START_FORMS}");
    }
    if message.contains("untagged enum TriggerSpec") {
        return format!("does not match any trigger form: expected one of {TRIGGER_FORMS}");
    }
    if message.starts_with("missing field `kind`") {
        return format!(
            "{message}: expected one of {}",
            super::error::BEHAVIOUR_KINDS.join(", ")
        );
    }
    if let Some(key) = message
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
    {
        if !field.ends_with(&format!(".{key}")) && *field != key {
            field.push('.');
            field.push_str(key);
        }
        if let Some(kind) = behaviour_kind(doc, field) {
            return format!(
                "unknown field `{key}` for behaviour kind `{kind}`: expected {}",
                kind_keys(kind)
            );
        }
    }
    if message.starts_with("missing field")
        && field.ends_with("behaviour")
        && let Some(kind) = behaviour_kind(doc, &format!("{field}.x"))
    {
        {
            return format!(
                "{message} for behaviour kind `{kind}`: expected {}",
                kind_keys(kind)
            );
        }
    }
    message.to_string()
}

/// The keys a behaviour kind takes, for messages.
fn kind_keys(kind: &str) -> String {
    match BEHAVIOUR_KEYS.iter().find(|(k, _)| *k == kind) {
        Some((_, "none")) => "only `kind`".to_string(),
        Some((_, keys)) => format!("`kind` plus {keys}"),
        None => format!("a kind among {}", super::error::BEHAVIOUR_KINDS.join(", ")),
    }
}

/// If `field` is `actors[i].behaviour.<key>`, the `kind` written in that behaviour table.
fn behaviour_kind<'a>(doc: &'a DeTable<'_>, field: &str) -> Option<&'a str> {
    let rest = field.strip_prefix("actors[")?;
    let (index, rest) = rest.split_once(']')?;
    if !rest.starts_with(".behaviour.") {
        return None;
    }
    let i: usize = index.parse().ok()?;
    let actors = doc.get("actors")?.get_ref().as_array()?;
    let behaviour = actors.get(i)?.get_ref().as_table()?.get("behaviour")?;
    behaviour
        .get_ref()
        .as_table()?
        .get("kind")?
        .get_ref()
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_column(t, 0), (1, 1));
        assert_eq!(line_column(t, 6), (2, 1));
        assert_eq!(line_column(t, 9), (2, 4));
    }
}
