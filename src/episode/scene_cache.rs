//! Scenes loaded once per process and shared read-only by the episodes of a batch, the server
//! and MPA's forks: a least-recently-used cache of at most `capacity` scenes (a whole trainval
//! sweep would otherwise keep every map in memory), which keeps each scene's loader warnings
//! beside it so a later caller can still report them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::scene::{LoadWarning, Scene, nuscenes};

use super::EpisodeError;
use crate::rollout::episode::SceneSource;

/// Scenes kept by the process-wide cache (`MPA_SIM_SCENE_CACHE` overrides, at least 1).
pub const DEFAULT_CAPACITY: usize = 32;

/// A loaded scene and what the loader warned about.
#[derive(Debug, Clone)]
pub struct CachedScene {
    pub scene: Arc<Scene>,
    pub warnings: Arc<[LoadWarning]>,
}

type Key = (SceneSource, String);

/// A bounded LRU map from (source, scene name) to a loaded scene.
#[derive(Debug)]
pub struct SceneCache {
    capacity: usize,
    clock: u64,
    entries: BTreeMap<Key, (u64, CachedScene)>,
}

impl SceneCache {
    pub fn new(capacity: usize) -> SceneCache {
        SceneCache {
            capacity: capacity.max(1),
            clock: 0,
            entries: BTreeMap::new(),
        }
    }

    /// The cached scene, marked as just used.
    pub fn get(&mut self, source: &SceneSource, name: &str) -> Option<CachedScene> {
        self.clock += 1;
        let clock = self.clock;
        self.entries
            .get_mut(&(source.clone(), name.to_string()))
            .map(|(used, s)| {
                *used = clock;
                s.clone()
            })
    }

    /// Keep `scene`, dropping the least recently used entry when full.
    pub fn insert(&mut self, source: &SceneSource, name: &str, scene: CachedScene) {
        self.clock += 1;
        let key = (source.clone(), name.to_string());
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.entries.remove(&k);
            }
        }
        self.entries.insert(key, (self.clock, scene));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn process_cache() -> &'static Mutex<SceneCache> {
    static CACHE: OnceLock<Mutex<SceneCache>> = OnceLock::new();
    CACHE.get_or_init(|| {
        let capacity = std::env::var("MPA_SIM_SCENE_CACHE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_CAPACITY);
        Mutex::new(SceneCache::new(capacity))
    })
}

/// Load a scene once per process (see the module docs), with its loader warnings.
pub fn cached_scene_with_warnings(
    source: &SceneSource,
    name: &str,
) -> Result<CachedScene, EpisodeError> {
    let cache = process_cache();
    if let Some(hit) = cache.lock().ok().and_then(|mut c| c.get(source, name)) {
        return Ok(hit);
    }
    let loaded = nuscenes::load_scene(&source.dataroot, &source.version, name).map_err(|e| {
        EpisodeError::Scene {
            scene: name.to_string(),
            message: e.to_string(),
        }
    })?;
    let entry = CachedScene {
        scene: Arc::new(loaded.value),
        warnings: loaded.warnings.into(),
    };
    if let Ok(mut c) = cache.lock() {
        c.insert(source, name, entry.clone());
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> CachedScene {
        CachedScene {
            scene: Arc::new(
                crate::world::testkit::straight_road()
                    .scene
                    .as_ref()
                    .clone(),
            ),
            warnings: vec![LoadWarning {
                file: "map.json".into(),
                token: name.into(),
                message: "odd".into(),
            }]
            .into(),
        }
    }

    #[test]
    fn keeps_at_most_capacity_scenes_dropping_the_least_recently_used() {
        let src = SceneSource::default();
        let mut c = SceneCache::new(2);
        c.insert(&src, "a", entry("a"));
        c.insert(&src, "b", entry("b"));
        assert!(c.get(&src, "a").is_some()); // a is now newer than b
        c.insert(&src, "c", entry("c"));
        assert_eq!(c.len(), 2);
        assert!(c.get(&src, "b").is_none(), "b was the least recently used");
        let a = c.get(&src, "a").unwrap();
        assert_eq!(a.warnings[0].token, "a", "warnings are kept with the scene");
        assert!(c.get(&src, "c").is_some());
        // Re-inserting a present key does not evict another.
        c.insert(&src, "c", entry("c"));
        assert_eq!(c.len(), 2);
        assert!(c.get(&src, "a").is_some());
    }
}
