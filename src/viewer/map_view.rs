//! The bird's-eye map, painted with egui's painter: drivable area, walkways and crossings
//! (filled, triangulated once per scene with earcut, as the renderer's road mesh), lane
//! centrelines, the reference route, the executed path, the current plan and the agent's
//! candidate plans with their scores, actors as class-coloured oriented boxes with a heading
//! tick, and the ego.
//!
//! North-up (global x right, y up), centred on the ego; the scroll wheel zooms. Only geometry
//! within `MAP_MARGIN_M` of the route is kept, and only shapes whose bounds meet the visible
//! rectangle are drawn.

use egui::{Color32, Pos2, Rect, Sense, Shape, Stroke, Vec2};
use glam::DVec2;

use crate::metrics::EgoShape;
use crate::rollout::{CandidateRecord, RecordedStep};
use crate::scene::{ActorClass, Polygon, Scene};
use crate::world::SimConfig;

/// Map geometry kept around the route, metres.
pub const MAP_MARGIN_M: f64 = 250.0;

/// A filled polygon: triangles over `points`, bounds for culling.
struct Filled {
    lo: DVec2,
    hi: DVec2,
    points: Vec<DVec2>,
    indices: Vec<u32>,
    color: Color32,
}

/// One scene's map, ready to paint.
pub struct MapLayer {
    filled: Vec<Filled>,
    lanes: Vec<Vec<DVec2>>,
    ego_shape: EgoShape,
}

fn bounds(points: &[DVec2]) -> (DVec2, DVec2) {
    points.iter().fold(
        (DVec2::splat(f64::INFINITY), DVec2::splat(f64::NEG_INFINITY)),
        |(lo, hi), p| (lo.min(*p), hi.max(*p)),
    )
}

fn triangulate(poly: &Polygon, color: Color32) -> Option<Filled> {
    let mut points: Vec<DVec2> = poly.exterior.clone();
    let mut hole_starts = Vec::new();
    for h in poly.holes.iter().filter(|h| h.len() >= 3) {
        hole_starts.push(points.len());
        points.extend_from_slice(h);
    }
    let (lo, hi) = bounds(&poly.exterior);
    // Relative coordinates keep earcut's f64 arithmetic well conditioned.
    let flat: Vec<f64> = points
        .iter()
        .flat_map(|p| [p.x - lo.x, p.y - lo.y])
        .collect();
    let tris = earcutr::earcut(&flat, &hole_starts, 2).ok()?;
    Some(Filled {
        lo,
        hi,
        points,
        indices: tris.into_iter().map(|i| i as u32).collect(),
        color,
    })
}

/// Colour of an actor class on the map.
pub fn class_color(class: &str) -> Color32 {
    match ActorClass::parse(class) {
        Some(ActorClass::Car) => Color32::from_rgb(80, 160, 255),
        Some(ActorClass::Truck) => Color32::from_rgb(60, 90, 230),
        Some(ActorClass::Bus) => Color32::from_rgb(150, 90, 230),
        Some(ActorClass::Pedestrian) => Color32::from_rgb(255, 90, 90),
        Some(ActorClass::Cyclist) => Color32::from_rgb(255, 170, 40),
        Some(ActorClass::Obstacle) | None => Color32::from_rgb(200, 200, 200),
    }
}

impl MapLayer {
    pub fn new(scene: &Scene, route: &[DVec2]) -> MapLayer {
        let keep: Vec<DVec2> = if route.is_empty() {
            scene.ego_track.iter().map(|p| p.pose.xy()).collect()
        } else {
            route.to_vec()
        };
        let (lo, hi) = bounds(&keep);
        let (lo, hi) = (
            lo - DVec2::splat(MAP_MARGIN_M),
            hi + DVec2::splat(MAP_MARGIN_M),
        );
        let near = |p: &Polygon| {
            let (a, b) = bounds(&p.exterior);
            a.x <= hi.x && a.y <= hi.y && b.x >= lo.x && b.y >= lo.y
        };
        let map = &scene.map;
        let layers: [(&[Polygon], Color32); 4] = [
            (&map.walkways, Color32::from_rgb(70, 72, 78)),
            (&map.drivable_areas, Color32::from_rgb(52, 54, 60)),
            (&map.carpark_areas, Color32::from_rgb(58, 60, 66)),
            (&map.ped_crossings, Color32::from_rgb(110, 110, 95)),
        ];
        let filled = layers
            .iter()
            .flat_map(|(polys, color)| {
                polys
                    .iter()
                    .filter(|p| p.exterior.len() >= 3 && near(p))
                    .filter_map(|p| triangulate(p, *color))
            })
            .collect();
        let lanes = map
            .lanes
            .iter()
            .map(|l| l.centreline.iter().map(|c| c.xy).collect::<Vec<DVec2>>())
            .filter(|pts| {
                pts.iter()
                    .any(|p| p.x >= lo.x && p.y >= lo.y && p.x <= hi.x && p.y <= hi.y)
            })
            .collect();
        MapLayer {
            filled,
            lanes,
            ego_shape: EgoShape::from_vehicle(&SimConfig::default().vehicle),
        }
    }
}

/// World-to-screen transform of the map panel.
#[derive(Debug, Clone, Copy)]
struct View {
    rect: Rect,
    focus: DVec2,
    px_per_m: f64,
}

impl View {
    fn screen(&self, p: DVec2) -> Pos2 {
        let d = (p - self.focus) * self.px_per_m;
        self.rect.center() + Vec2::new(d.x as f32, -d.y as f32)
    }
    fn visible(&self, lo: DVec2, hi: DVec2) -> bool {
        let half = DVec2::new(f64::from(self.rect.width()), f64::from(self.rect.height())) * 0.5
            / self.px_per_m;
        lo.x <= self.focus.x + half.x
            && lo.y <= self.focus.y + half.y
            && hi.x >= self.focus.x - half.x
            && hi.y >= self.focus.y - half.y
    }
}

fn box_corners(center: DVec2, yaw: f64, length_m: f64, width_m: f64) -> [DVec2; 4] {
    let f = DVec2::from_angle(yaw);
    let l = f.perp();
    let (hl, hw) = (0.5 * length_m, 0.5 * width_m);
    [
        center + f * hl + l * hw,
        center - f * hl + l * hw,
        center - f * hl - l * hw,
        center + f * hl - l * hw,
    ]
}

/// Colour of a candidate plan by score (red 0 to green 1).
fn score_color(score: f64) -> Color32 {
    let s = if score.is_finite() {
        score.clamp(0.0, 1.0) as f32
    } else {
        0.0
    };
    Color32::from_rgb((230.0 * (1.0 - s)) as u8 + 25, (200.0 * s) as u8 + 40, 60)
}

/// Paint the map for `steps[index]` into the available space; the scroll wheel changes
/// `zoom_px_per_m`.
/// A candidate is hovered when the pointer is this close to one of its points (screen px).
const CANDIDATE_HOVER_PX: f32 = 8.0;

/// The hover card of a candidate: its label and combined score, then one line per principle.
pub fn candidate_card(c: &CandidateRecord) -> String {
    let mut s = format!("{}  combined {:.3}", c.label, c.score);
    for (name, v) in &c.principle_scores {
        s.push_str(&format!("\n  {name:<12} {v:>8.3}"));
    }
    s
}

pub fn map_ui(
    ui: &mut egui::Ui,
    layer: &MapLayer,
    route: &[DVec2],
    steps: &[RecordedStep],
    index: usize,
    zoom_px_per_m: &mut f32,
) {
    let size = ui.available_size().max(Vec2::splat(50.0));
    let (response, painter) = ui.allocate_painter(size, Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "Bird's-eye map"));
    if response.hovered() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            *zoom_px_per_m = (*zoom_px_per_m * (scroll * 0.003).exp()).clamp(0.2, 40.0);
        }
    }
    painter.rect_filled(response.rect, 0.0, Color32::from_rgb(28, 30, 34));
    let Some(step) = steps.get(index) else {
        return;
    };
    let ego = DVec2::new(step.ego.x, step.ego.y);
    let view = View {
        rect: response.rect,
        focus: ego,
        px_per_m: f64::from(*zoom_px_per_m),
    };

    let mut mesh = egui::Mesh::default();
    for f in layer.filled.iter().filter(|f| view.visible(f.lo, f.hi)) {
        let base = mesh.vertices.len() as u32;
        for p in &f.points {
            mesh.colored_vertex(view.screen(*p), f.color);
        }
        mesh.indices.extend(f.indices.iter().map(|i| base + i));
    }
    painter.add(Shape::mesh(mesh));
    let lane_stroke = Stroke::new(1.0, Color32::from_rgb(85, 88, 96));
    for lane in &layer.lanes {
        let (lo, hi) = bounds(lane);
        if view.visible(lo, hi) {
            painter.add(Shape::line(
                lane.iter().map(|p| view.screen(*p)).collect(),
                lane_stroke,
            ));
        }
    }
    let line = |pts: &[DVec2], stroke: Stroke| {
        if pts.len() >= 2 {
            painter.add(Shape::line(
                pts.iter().map(|p| view.screen(*p)).collect(),
                stroke,
            ));
        }
    };
    line(route, Stroke::new(3.0, Color32::from_rgb(70, 110, 200)));
    let path: Vec<DVec2> = steps[..=index.min(steps.len() - 1)]
        .iter()
        .map(|s| DVec2::new(s.ego.x, s.ego.y))
        .collect();
    line(&path, Stroke::new(2.5, Color32::from_rgb(90, 220, 120)));

    let pointer = response.hover_pos();
    let mut hovered = None;
    for c in &step.candidates {
        let pts: Vec<DVec2> = c.points.iter().map(|p| DVec2::new(p[0], p[1])).collect();
        if let Some(at) = pointer
            && pts
                .iter()
                .any(|p| view.screen(*p).distance(at) < CANDIDATE_HOVER_PX)
        {
            hovered = Some(c);
        }
        line(&pts, Stroke::new(1.5, score_color(c.score)));
        if let Some(last) = pts.last() {
            painter.text(
                view.screen(*last),
                egui::Align2::LEFT_CENTER,
                format!("{:.2}", c.score),
                egui::FontId::monospace(10.0),
                score_color(c.score),
            );
        }
    }
    if let (Some(c), Some(at)) = (hovered, pointer) {
        let galley = painter.layout_no_wrap(
            candidate_card(c),
            egui::FontId::monospace(11.0),
            Color32::from_rgb(235, 235, 235),
        );
        let origin = at + Vec2::new(12.0, 12.0);
        painter.rect_filled(
            Rect::from_min_size(origin, galley.size()).expand(4.0),
            3.0,
            Color32::from_black_alpha(215),
        );
        painter.galley(origin, galley, Color32::WHITE);
    }
    let plan: Vec<DVec2> = step
        .plan_global
        .iter()
        .map(|p| DVec2::new(p[0], p[1]))
        .collect();
    line(&plan, Stroke::new(2.5, Color32::from_rgb(255, 150, 40)));
    for p in &plan {
        painter.circle_filled(view.screen(*p), 2.5, Color32::from_rgb(255, 150, 40));
    }

    for a in &step.actors {
        let center = DVec2::new(a.x, a.y);
        let color = class_color(&a.class);
        let corners = box_corners(center, a.yaw, a.length_m, a.width_m);
        painter.add(Shape::convex_polygon(
            corners.iter().map(|p| view.screen(*p)).collect(),
            color.gamma_multiply(0.55),
            Stroke::new(1.0, color),
        ));
        let nose = center + DVec2::from_angle(a.yaw) * (0.5 * a.length_m + 1.0);
        painter.line_segment(
            [view.screen(center), view.screen(nose)],
            Stroke::new(1.5, color),
        );
    }

    let shape = layer.ego_shape;
    let center = ego + DVec2::from_angle(step.ego.yaw) * shape.rear_axle_to_center_m;
    let corners = box_corners(center, step.ego.yaw, shape.length_m, shape.width_m);
    painter.add(Shape::convex_polygon(
        corners.iter().map(|p| view.screen(*p)).collect(),
        Color32::from_rgb(240, 240, 240),
        Stroke::new(1.5, Color32::from_rgb(255, 150, 40)),
    ));
    let nose = center + DVec2::from_angle(step.ego.yaw) * (0.5 * shape.length_m + 2.0);
    painter.line_segment(
        [view.screen(center), view.screen(nose)],
        Stroke::new(2.0, Color32::from_rgb(255, 150, 40)),
    );
    painter.text(
        response.rect.left_bottom() + Vec2::new(6.0, -6.0),
        egui::Align2::LEFT_BOTTOM,
        format!(
            "{:.1} px/m  route blue, driven green, plan orange",
            zoom_px_per_m
        ),
        egui::FontId::proportional(11.0),
        Color32::from_gray(170),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_with_holes_triangulate_to_their_area() {
        let sq = |s: f64, o: f64| {
            vec![
                DVec2::new(o, o),
                DVec2::new(o + s, o),
                DVec2::new(o + s, o + s),
                DVec2::new(o, o + s),
            ]
        };
        let poly = Polygon {
            exterior: sq(10.0, 0.0),
            holes: vec![sq(2.0, 4.0)],
        };
        let f = triangulate(&poly, Color32::WHITE).expect("triangulates");
        let area: f64 = f
            .indices
            .chunks_exact(3)
            .map(|t| {
                let (a, b, c) = (
                    f.points[t[0] as usize],
                    f.points[t[1] as usize],
                    f.points[t[2] as usize],
                );
                0.5 * (b - a).perp_dot(c - a).abs()
            })
            .sum();
        assert!((area - 96.0).abs() < 1e-9, "area {area}");
    }

    #[test]
    fn candidate_card_lists_every_principle_under_the_combined_score() {
        let c = CandidateRecord {
            label: "mode-3".into(),
            score: 0.8125,
            points: vec![[0.0, 0.0]],
            principle_scores: [("collision", -0.5), ("route", 1.25)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        };
        assert_eq!(
            candidate_card(&c),
            "mode-3  combined 0.812\n  collision      -0.500\n  route           1.250"
        );
    }

    #[test]
    fn screen_transform_is_north_up_and_centred() {
        let v = View {
            rect: Rect::from_min_size(Pos2::ZERO, Vec2::new(200.0, 100.0)),
            focus: DVec2::new(10.0, 10.0),
            px_per_m: 2.0,
        };
        assert_eq!(v.screen(DVec2::new(10.0, 10.0)), Pos2::new(100.0, 50.0));
        assert_eq!(v.screen(DVec2::new(15.0, 20.0)), Pos2::new(110.0, 30.0));
        assert!(v.visible(DVec2::new(50.0, 0.0), DVec2::new(60.0, 5.0)));
        assert!(!v.visible(DVec2::new(70.0, 0.0), DVec2::new(80.0, 5.0)));
    }
}
