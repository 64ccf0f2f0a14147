//! Module layers point one way (ARCHITECTURE.md, "Layers"): every `crate::` path in `src/` must
//! name a module of the same or a lower layer. Known back-edges that the episode-core issue has
//! not yet removed are listed in `KNOWN_BACK_EDGES`; the test fails on any new back-edge and
//! on a listed one that no longer exists (so the list only shrinks, deliberately).
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Layers from the bottom. A module path (`a::b`) belongs to the layer of its longest listed
/// prefix.
const LAYERS: &[(&str, &[&str])] = &[
    ("core", &["geometry", "config", "command"]),
    ("scene", &["scene"]),
    ("world", &["world", "metrics"]),
    ("render", &["render"]),
    ("agent contract", &["agent"]),
    (
        "policies",
        &[
            "agent::replay",
            "agent::expert",
            "agent::base",
            "agent::mpa",
            "agent::registry",
        ],
    ),
    ("episode", &["episode", "rollout::episode"]),
    (
        "front ends",
        &[
            "rollout",
            "serve",
            "viewer",
            "cli",
            "bench",
            "mpa",
            "agent::base::train",
        ],
    ),
];

/// Edges forbidden although they point down: the renderer takes a frame description and knows
/// no World, recording, agent or episode (it sits above the World only so sensors can name
/// what a camera sees).
const FORBIDDEN: &[(&str, &[&str])] = &[("render", &["world", "rollout", "agent", "episode"])];

/// (source file, target module path) back-edges still to remove, each with what it is.
const KNOWN_BACK_EDGES: &[(&str, &str)] = &[
    // The World takes a `Plan` and builds an `Observation` (agent contract types, and the
    // history/route-ahead constants); both belong below the World.
    ("src/world/mod.rs", "agent"),
    ("src/world/observe.rs", "agent"),
    // The episode loop emits the on-disk records (`RecordedStep`) and rows itself and takes a
    // batch job; the recorder should convert its typed events instead.
    ("src/rollout/episode.rs", "rollout::job"),
    ("src/rollout/episode.rs", "rollout::recording"),
    ("src/rollout/episode.rs", "rollout::row"),
];

fn layer_of(module: &str) -> usize {
    let mut best: Option<(usize, usize)> = None; // (prefix length, layer)
    for (layer, (_, prefixes)) in LAYERS.iter().enumerate() {
        for p in *prefixes {
            let matches = module == *p || module.starts_with(&format!("{p}::"));
            if matches && best.is_none_or(|(len, _)| p.len() > len) {
                best = Some((p.len(), layer));
            }
        }
    }
    best.map(|(_, l)| l)
        .unwrap_or_else(|| panic!("module `{module}` is in no layer: add it to LAYERS"))
}

/// `src/agent/base/train/mod.rs` -> `agent::base::train`; `src/lib.rs` -> `` (the root).
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix("src").unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::a::b` and `super::a` path in the text of module `module` (comments included:
/// a doc link is a dependency too), as the module it names: the leading lowercase segments,
/// `super` resolved against `module`.
fn crate_paths(module: &str, text: &str) -> BTreeSet<String> {
    let parent: Vec<&str> = {
        let mut p: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
        p.pop();
        p
    };
    let mut out = BTreeSet::new();
    for prefix in ["crate::", "super::"] {
        for (i, _) in text.match_indices(prefix) {
            let before = text.as_bytes().get(i.wrapping_sub(1)).copied();
            if i > 0 && before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
            {
                continue; // `my_crate::`, `super::super::` (handled from its first `super`)
            }
            let rest = &text[i..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let mut base: Vec<&str> = Vec::new();
            if segments.first() == Some(&"crate") {
                segments.remove(0);
            } else {
                base = parent.clone();
                while segments.first() == Some(&"super") {
                    segments.remove(0);
                    if segments.first() == Some(&"super") {
                        base.pop();
                    }
                }
            }
            let modules: Vec<&str> = base
                .into_iter()
                .chain(
                    segments
                        .iter()
                        .take_while(|s| s.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
                        .copied(),
                )
                .collect();
            if !modules.is_empty() {
                out.insert(modules.join("::"));
            }
        }
    }
    out
}

#[test]
fn every_crate_path_points_down_or_is_a_known_back_edge() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).ok();
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    let mut found = BTreeSet::new();
    let mut new_edges = Vec::new();
    for file in &files {
        let module = module_of(file);
        if module.is_empty() || module == "lib" || module == "main" {
            continue;
        }
        let from = layer_of(&module);
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for target in crate_paths(&module, &text) {
            let to = layer_of(&target);
            let top = target.split("::").next().unwrap();
            let source_top = module.split("::").next().unwrap();
            let forbidden = FORBIDDEN
                .iter()
                .any(|(s, ts)| *s == source_top && ts.contains(&top));
            if to <= from && !forbidden {
                continue;
            }
            let key = (file.display().to_string(), target.clone());
            if KNOWN_BACK_EDGES
                .iter()
                .any(|(f, t)| key.0 == *f && key.1 == *t)
            {
                found.insert(key);
            } else {
                new_edges.push(format!(
                    "{} ({}) -> crate::{target} ({})",
                    key.0, LAYERS[from].0, LAYERS[to].0
                ));
            }
        }
    }
    assert!(
        new_edges.is_empty(),
        "modules that reach up a layer:\n{}",
        new_edges.join("\n")
    );
    let gone: Vec<_> = KNOWN_BACK_EDGES
        .iter()
        .filter(|(f, t)| !found.contains(&(f.to_string(), t.to_string())))
        .collect();
    assert!(
        gone.is_empty(),
        "back-edges removed (delete them from KNOWN_BACK_EDGES): {gone:?}"
    );
}

#[test]
fn the_path_scanner_reads_modules_not_items() {
    let paths = crate_paths(
        "rollout::episode",
        "use crate::agent::{Plan}; let x = crate::world::World::new(); \
         // see crate::rollout::episode::EpisodeLoop\n use super::recording::X; super::Y",
    );
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        [
            "agent",
            "rollout",
            "rollout::episode",
            "rollout::recording",
            "world"
        ]
    );
    assert_eq!(layer_of("agent::base::train::dataset"), 7);
    assert_eq!(layer_of("agent::base"), 5);
    assert_eq!(layer_of("agent"), 4);
    assert_eq!(module_of(Path::new("src/agent/base/mod.rs")), "agent::base");
}
