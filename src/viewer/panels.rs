//! The episode's metrics panel, the timeline scrubber with its markers, and the small time
//! plots (speed, acceleration, per-step score), all painted with egui's painter.
//!
//! RC so far is the HD-Score route completion (`metrics::route_completion`) of the furthest
//! projection of the ego onto the reference route up to the current step, as the episode loop
//! computes it at the end.

use egui::{Color32, Pos2, Sense, Stroke, Vec2};
use glam::DVec2;

use super::document::EpisodeDoc;
use super::state::MarkerKind;
use crate::metrics::route_completion;
use crate::world::route::Polyline;

/// Route completion (0..1) after `steps[..=index]`, or `None` without a route.
pub fn rc_so_far(doc: &EpisodeDoc, index: usize) -> Option<f64> {
    let route = Polyline::new(&doc.route).ok()?;
    let progress_m = doc
        .steps
        .iter()
        .take(index + 1)
        .map(|s| route.project(DVec2::new(s.ego.x, s.ego.y)).s_m)
        .fold(0.0, f64::max);
    Some(route_completion(progress_m, route.length_m()))
}

fn fmt(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.3}"),
        _ => "-".to_string(),
    }
}

/// Per-step scores, RC so far, speed, command; the ending when there is one.
pub fn metrics_ui(ui: &mut egui::Ui, doc: &EpisodeDoc) {
    let index = doc.timeline.index();
    let Some(step) = doc.current() else {
        ui.label("No steps yet.");
        return;
    };
    let term = |k: &str| step.scores.get(k).copied();
    egui::Grid::new("metrics")
        .num_columns(4)
        .spacing([14.0, 3.0])
        .show(ui, |ui| {
            ui.label("Step");
            ui.monospace(format!("{} / {}", index + 1, doc.steps.len()));
            ui.label("Time");
            ui.monospace(format!("{:.2} s", step.time_secs));
            ui.end_row();
            ui.label("NC");
            ui.monospace(fmt(term("nc")));
            ui.label("DAC");
            ui.monospace(fmt(term("dac")));
            ui.end_row();
            ui.label("TTC");
            ui.monospace(fmt(term("ttc")));
            ui.label("COM");
            ui.monospace(fmt(term("com")));
            ui.end_row();
            ui.label("Score");
            ui.monospace(fmt(term("score")));
            ui.label("RC so far");
            ui.monospace(fmt(rc_so_far(doc, index)));
            ui.end_row();
            ui.label("Speed");
            ui.monospace(format!("{:.2} m/s", step.ego.speed_mps));
            ui.label("Accel");
            ui.monospace(format!("{:+.2} m/s²", step.ego.accel_mps2));
            ui.end_row();
            ui.label("Command");
            ui.monospace(&step.command);
            ui.label("Actors");
            ui.monospace(step.actors.len().to_string());
            ui.end_row();
        });
    if !step.events.is_empty() {
        ui.label(format!("Events: {}", step.events.join(", ")));
    }
    if let Some(end) = &doc.ending {
        ui.separator();
        let hd = end.metrics.get("hd_score").copied();
        ui.label(format!(
            "Ended: {}   HD-Score {}   RC {}",
            end.terminal_reason,
            fmt(hd),
            fmt(end.metrics.get("rc").copied())
        ));
    }
}

fn marker_color(kind: MarkerKind) -> Color32 {
    match kind {
        MarkerKind::Collision => Color32::from_rgb(240, 60, 60),
        MarkerKind::OffRoad => Color32::from_rgb(240, 160, 40),
        MarkerKind::LowScore => Color32::from_rgb(230, 220, 70),
    }
}

/// The scrubber: a bar over the episode's steps with markers; click or drag to seek.
pub fn timeline_ui(ui: &mut egui::Ui, doc: &mut EpisodeDoc) {
    let height = 26.0;
    let width = ui.available_width().max(100.0);
    let (rect, response) =
        ui.allocate_exact_size(Vec2::new(width, height), Sense::click_and_drag());
    let len = doc.timeline.len();
    response
        .widget_info(|| egui::WidgetInfo::slider(true, doc.timeline.index() as f64, "Timeline"));
    if let Some(pos) = response.interact_pointer_pos() {
        let f = ((pos.x - rect.left()) / rect.width()).clamp(0.0, 1.0);
        doc.timeline.seek_fraction(f64::from(f));
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, Color32::from_gray(45));
    let x_of = |i: usize| {
        let f = if len > 1 {
            i as f32 / (len - 1) as f32
        } else {
            0.0
        };
        rect.left() + f * rect.width()
    };
    for m in &doc.markers {
        let x = x_of(m.step_index);
        let (y0, y1) = match m.kind {
            MarkerKind::Collision => (rect.top(), rect.top() + height / 3.0),
            MarkerKind::OffRoad => (rect.top() + height / 3.0, rect.top() + 2.0 * height / 3.0),
            MarkerKind::LowScore => (rect.top() + 2.0 * height / 3.0, rect.bottom()),
        };
        painter.line_segment(
            [Pos2::new(x, y0), Pos2::new(x, y1)],
            Stroke::new(2.0, marker_color(m.kind)),
        );
    }
    if len > 0 {
        let x = x_of(doc.timeline.index());
        painter.line_segment(
            [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
            Stroke::new(3.0, Color32::WHITE),
        );
    }
}

/// One small plot of `values` over the steps with the cursor at `index`.
fn sparkline_ui(ui: &mut egui::Ui, title: &str, unit: &str, values: &[f64], index: usize) {
    let size = Vec2::new(
        ui.available_width().max(80.0),
        ui.available_height().max(40.0),
    );
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, Color32::from_gray(32));
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (mut lo, mut hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-6 {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let plot = rect
        .shrink2(Vec2::new(4.0, 14.0))
        .translate(Vec2::new(0.0, 6.0));
    let n = values.len();
    let pos = |i: usize, v: f64| {
        let fx = if n > 1 {
            i as f32 / (n - 1) as f32
        } else {
            0.0
        };
        let fy = ((v - lo) / (hi - lo)) as f32;
        Pos2::new(
            plot.left() + fx * plot.width(),
            plot.bottom() - fy * plot.height(),
        )
    };
    if lo < 0.0 && hi > 0.0 {
        let y = pos(0, 0.0).y;
        painter.line_segment(
            [Pos2::new(plot.left(), y), Pos2::new(plot.right(), y)],
            Stroke::new(1.0, Color32::from_gray(70)),
        );
    }
    let pts: Vec<Pos2> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| pos(i, *v))
        .collect();
    if pts.len() >= 2 {
        painter.add(egui::Shape::line(
            pts,
            Stroke::new(1.5, Color32::from_rgb(110, 190, 255)),
        ));
    }
    if n > 0 {
        let x = pos(index.min(n - 1), lo).x;
        painter.line_segment(
            [Pos2::new(x, plot.top()), Pos2::new(x, plot.bottom())],
            Stroke::new(1.0, Color32::WHITE),
        );
    }
    let now = values.get(index).copied().filter(|v| v.is_finite());
    painter.text(
        rect.left_top() + Vec2::new(4.0, 2.0),
        egui::Align2::LEFT_TOP,
        format!(
            "{title} {}{unit}   [{lo:.2}, {hi:.2}]",
            now.map_or("-".to_string(), |v| format!("{v:.2}"))
        ),
        egui::FontId::proportional(11.0),
        Color32::from_gray(200),
    );
}

/// Speed, acceleration and per-step score over the episode.
pub fn plots_ui(ui: &mut egui::Ui, doc: &EpisodeDoc) {
    let index = doc.timeline.index();
    let speed: Vec<f64> = doc.steps.iter().map(|s| s.ego.speed_mps).collect();
    let accel: Vec<f64> = doc.steps.iter().map(|s| s.ego.accel_mps2).collect();
    let score: Vec<f64> = doc
        .steps
        .iter()
        .map(|s| s.scores.get("score").copied().unwrap_or(f64::NAN))
        .collect();
    let h = ui.available_height();
    let w = (ui.available_width() - 16.0) / 3.0;
    ui.horizontal(|ui| {
        for (title, unit, values) in [
            ("speed", " m/s", &speed),
            ("accel", " m/s²", &accel),
            ("score", "", &score),
        ] {
            ui.allocate_ui(Vec2::new(w, h), |ui| {
                sparkline_ui(ui, title, unit, values, index);
            });
        }
    });
}
