//! Frame timing of the viewer (`--print-frame-times`): per-frame durations and a one-line
//! summary (mean, median, 95th percentile, max) of each.

/// Frame timing for `--print-frame-times`.
#[derive(Debug, Default, Clone)]
pub struct FrameStats {
    /// Milliseconds spent in `ViewerApp::ui` per frame (UI + any camera rendering).
    pub ui_ms: Vec<f64>,
    /// Milliseconds of the six-camera render + readback, for frames that rendered (mesh mode).
    pub rig_ms: Vec<f64>,
    /// The same in splat mode.
    pub splat_rig_ms: Vec<f64>,
    /// Milliseconds between the starts of consecutive frames in the window (UI, cameras,
    /// egui painting and presenting), while frames are requested back to back.
    pub interval_ms: Vec<f64>,
}

impl FrameStats {
    fn describe(name: &str, v: &[f64]) -> String {
        if v.is_empty() {
            return format!("{name}: no samples");
        }
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let mean = s.iter().sum::<f64>() / s.len() as f64;
        let pct = |p: f64| s[((s.len() - 1) as f64 * p).round() as usize];
        format!(
            "{name}: n {} mean {mean:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            s.len(),
            pct(0.5),
            pct(0.95),
            s[s.len() - 1]
        )
    }

    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}",
            Self::describe("frame interval (whole frame)", &self.interval_ms),
            Self::describe("ui + cameras per frame", &self.ui_ms),
            Self::describe("six-camera render + readback", &self.rig_ms)
        );
        if !self.splat_rig_ms.is_empty() {
            s.push('\n');
            s.push_str(&Self::describe(
                "six-camera render + readback, splat mode",
                &self.splat_rig_ms,
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reports_mean_median_p95_and_max() {
        let s = FrameStats::describe("x", &[4.0, 1.0, 3.0, 2.0, 10.0]);
        assert_eq!(
            s,
            "x: n 5 mean 4.0 ms, median 3.0 ms, p95 10.0 ms, max 10.0 ms"
        );
        assert_eq!(FrameStats::describe("y", &[]), "y: no samples");
    }
}
