//! Window size and panel layout kept between runs, as a small JSON file in the user's config
//! directory: `$MPA_SIM_VIEWER_CONFIG` if set, else `$XDG_CONFIG_HOME/mpa-sim/viewer.json`,
//! else `$HOME/.config/mpa-sim/viewer.json`. A missing file gives the defaults; an unreadable
//! one gives the defaults and a warning (shown in the window), never an error. Unknown fields
//! are ignored and missing ones take their defaults, so older files keep working.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::free_camera::FreeCamMode;
use super::state::ImageKind;

/// Environment variable naming the settings file (tests point it at a temporary directory).
pub const SETTINGS_ENV: &str = "MPA_SIM_VIEWER_CONFIG";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Inner window size in points.
    pub window_size: [f32; 2],
    /// Width of the right-hand panel (map and metrics), points.
    pub side_panel_width: f32,
    /// Height of the bottom panel (timeline and plots), points.
    pub bottom_panel_height: f32,
    pub show_cameras: bool,
    pub show_map: bool,
    pub show_metrics: bool,
    pub show_free_camera: bool,
    pub image_kind: ImageKind,
    pub free_cam_mode: FreeCamMode,
    /// Bird's-eye map scale, pixels per metre.
    pub map_zoom_px_per_m: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            window_size: [1600.0, 900.0],
            side_panel_width: 420.0,
            bottom_panel_height: 130.0,
            show_cameras: true,
            show_map: true,
            show_metrics: true,
            show_free_camera: true,
            image_kind: ImageKind::Rgb,
            free_cam_mode: FreeCamMode::Chase,
            map_zoom_px_per_m: 4.0,
        }
    }
}

/// Where the settings live (see the module docs); `None` without a home directory.
pub fn settings_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(SETTINGS_ENV) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("mpa-sim").join("viewer.json"))
}

impl Settings {
    /// The settings at `path`, or the defaults and a warning naming the file.
    pub fn load(path: &Path) -> (Settings, Option<String>) {
        match std::fs::read_to_string(path) {
            Ok(text) => match serde_json::from_str::<Settings>(&text) {
                Ok(s) => (s.sanitized(), None),
                Err(e) => (
                    Settings::default(),
                    Some(format!(
                        "{}: not viewer settings ({e}); using defaults",
                        path.display()
                    )),
                ),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (
                Settings::default(),
                Some(format!("{}: {e}; using defaults", path.display())),
            ),
        }
    }

    /// Write the settings (directories created).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Clamp sizes to something a window can show (a hand-edited file cannot make it vanish).
    fn sanitized(mut self) -> Settings {
        let d = Settings::default();
        let ok = |v: f32, lo: f32, hi: f32| v.is_finite() && (lo..=hi).contains(&v);
        for (i, v) in self.window_size.iter_mut().enumerate() {
            if !ok(*v, 200.0, 10_000.0) {
                *v = d.window_size[i];
            }
        }
        if !ok(self.side_panel_width, 100.0, 5000.0) {
            self.side_panel_width = d.side_panel_width;
        }
        if !ok(self.bottom_panel_height, 60.0, 3000.0) {
            self.bottom_panel_height = d.bottom_panel_height;
        }
        if !ok(self.map_zoom_px_per_m, 0.05, 100.0) {
            self.map_zoom_px_per_m = d.map_zoom_px_per_m;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_missing_and_broken_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/viewer.json");
        let (s, warn) = Settings::load(&path);
        assert_eq!((s, warn), (Settings::default(), None));

        let mine = Settings {
            window_size: [1024.0, 700.0],
            side_panel_width: 300.0,
            show_free_camera: false,
            image_kind: ImageKind::Semantic,
            free_cam_mode: FreeCamMode::TopDown,
            ..Settings::default()
        };
        mine.save(&path).expect("save");
        assert_eq!(Settings::load(&path), (mine, None));

        std::fs::write(&path, "{ not json").expect("write");
        let (s, warn) = Settings::load(&path);
        assert_eq!(s, Settings::default());
        assert!(warn.expect("warning").contains("viewer.json"));

        std::fs::write(&path, r#"{"window_size": [5.0, 1e9], "show_map": false}"#).expect("w");
        let (s, warn) = Settings::load(&path);
        assert!(warn.is_none());
        assert_eq!(s.window_size, Settings::default().window_size);
        assert!(!s.show_map, "known fields kept");
    }
}
