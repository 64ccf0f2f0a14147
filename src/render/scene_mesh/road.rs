//! Paved surfaces and paint: the road surface (drivable-area polygons with holes, earcut),
//! carparks, raised walkways with curb sides, lane and road dividers as thin quads (dashed or
//! solid per `Divider::styles`), stop lines and zebra stripes across ped crossings.
//!
//! Heights keep coplanar surfaces apart without z-fighting: terrain -0.05 m, road 0 m, carpark
//! 0.005 m, paint 0.02 m, walkway tops `WALKWAY_HEIGHT_M`.

use crate::render::mesh::{Material, MeshBuilder, signed_area};
use crate::render::style::TownStyle;
use crate::scene::{Divider, LineStyle, MapData, Polygon};
use glam::DVec2;

/// Raised sidewalk height (a typical curb), metres.
pub const WALKWAY_HEIGHT_M: f64 = 0.15;
/// Painted line height above the road, metres.
pub const PAINT_Z_M: f64 = 0.02;
/// Painted line width, metres (lane lines are 0.10-0.15 m in both countries).
pub const LINE_WIDTH_M: f64 = 0.14;
/// Gap between the two lines of a double line, metres.
pub const DOUBLE_GAP_M: f64 = 0.12;
/// Dash and gap lengths of dashed lane lines, metres (US: 10 ft dashes, 30 ft period).
pub const DASH_M: f64 = 3.0;
pub const DASH_GAP_M: f64 = 6.0;
/// Zebra stripe width and period along a crossing, metres.
pub const ZEBRA_STRIPE_M: f64 = 0.5;
pub const ZEBRA_PERIOD_M: f64 = 1.0;
/// Stop-line polygons wider than this (real nuScenes stop *areas*) are not painted, metres.
pub const STOP_LINE_MAX_WIDTH_M: f64 = 1.0;

/// Whether a polygon's bounding box meets a region (None: everything).
pub fn in_region(poly: &Polygon, region: Option<(DVec2, DVec2)>) -> bool {
    let Some((lo, hi)) = region else {
        return true;
    };
    let (a, b) = crate::geometry::ring_bounds(&poly.exterior);
    a.x <= hi.x && a.y <= hi.y && b.x >= lo.x && b.y >= lo.y
}

/// Road, carparks, walkways, paint. Returns the number of polygons earcut could not
/// triangulate (degenerate input), which are skipped.
pub fn build_paved(
    b: &mut MeshBuilder,
    map: &MapData,
    style: &TownStyle,
    region: Option<(DVec2, DVec2)>,
) -> usize {
    let mut failed = 0;
    for poly in map.drivable_areas.iter().filter(|p| in_region(p, region)) {
        failed += usize::from(!b.flat_polygon(&poly.exterior, &poly.holes, 0.0, style.road));
    }
    for poly in map.carpark_areas.iter().filter(|p| in_region(p, region)) {
        failed += usize::from(!b.flat_polygon(&poly.exterior, &poly.holes, 0.005, style.parking));
    }
    for poly in map.walkways.iter().filter(|p| in_region(p, region)) {
        if b.flat_polygon(
            &poly.exterior,
            &poly.holes,
            WALKWAY_HEIGHT_M,
            style.sidewalk,
        ) {
            curb_sides(b, &poly.exterior, style.curb);
            for h in &poly.holes {
                curb_sides(b, h, style.curb);
            }
        } else {
            failed += 1;
        }
    }
    for d in &map.lane_dividers {
        paint_divider(b, d, region, style.lane_marking, false);
    }
    for d in &map.road_dividers {
        paint_divider(b, d, region, style.road_divider, style.road_divider_double);
    }
    for poly in map.stop_lines.iter().filter(|p| in_region(p, region)) {
        if let Some(r) = min_area_rect(&poly.exterior)
            && r.half.x.min(r.half.y) * 2.0 <= STOP_LINE_MAX_WIDTH_M
        {
            failed += usize::from(!b.flat_polygon(&poly.exterior, &[], PAINT_Z_M, style.stop_line));
        }
    }
    for poly in map.ped_crossings.iter().filter(|p| in_region(p, region)) {
        zebra(b, &poly.exterior, style.crosswalk);
    }
    failed
}

/// Vertical curb faces along a ring, from the road up to the walkway top.
fn curb_sides(b: &mut MeshBuilder, ring: &[DVec2], m: Material) {
    let ccw = signed_area(ring) >= 0.0;
    let n = ring.len();
    for i in 0..n {
        let (p, q) = (ring[i], ring[(i + 1) % n]);
        if ccw {
            b.wall(p, q, 0.0, WALKWAY_HEIGHT_M, m);
        } else {
            b.wall(q, p, 0.0, WALKWAY_HEIGHT_M, m);
        }
    }
}

/// Paint one divider polyline, segment by segment per its styles. `force_solid` paints every
/// styled segment as a double solid line (road dividers in Boston).
fn paint_divider(
    b: &mut MeshBuilder,
    d: &Divider,
    region: Option<(DVec2, DVec2)>,
    m: Material,
    force_double: bool,
) {
    if let Some((lo, hi)) = region {
        let (a, c) = crate::geometry::ring_bounds(&d.points);
        if a.x > hi.x || a.y > hi.y || c.x < lo.x || c.y < lo.y {
            return;
        }
    }
    let mut s_m = 0.0;
    for i in 0..d.points.len().saturating_sub(1) {
        let (p, q) = (d.points[i], d.points[i + 1]);
        let len = p.distance(q);
        let style = d.styles.get(i).copied().unwrap_or(LineStyle::Solid);
        let style = if force_double && style != LineStyle::None {
            LineStyle::DoubleSolid
        } else {
            style
        };
        match style {
            LineStyle::None => {}
            LineStyle::Solid => strip(b, p, q, 0.0, m),
            LineStyle::DoubleSolid => {
                let off = 0.5 * (DOUBLE_GAP_M + LINE_WIDTH_M);
                strip(b, p, q, off, m);
                strip(b, p, q, -off, m);
            }
            LineStyle::Dashed => {
                // Dash intervals [k P, k P + DASH] in arclength along the whole divider.
                let period = DASH_M + DASH_GAP_M;
                let mut k = (s_m / period).floor();
                loop {
                    let d0 = k * period;
                    if d0 >= s_m + len {
                        break;
                    }
                    let a = (d0 - s_m).max(0.0);
                    let c = (d0 + DASH_M - s_m).min(len);
                    if c > a && len > 0.0 {
                        strip(b, p.lerp(q, a / len), p.lerp(q, c / len), 0.0, m);
                    }
                    k += 1.0;
                }
            }
        }
        s_m += len;
    }
}

/// A painted strip along p->q, shifted sideways by `offset_m` (left positive).
fn strip(b: &mut MeshBuilder, p: DVec2, q: DVec2, offset_m: f64, m: Material) {
    let dir = (q - p).normalize_or_zero();
    if dir == DVec2::ZERO {
        return;
    }
    let left = dir.perp();
    let c = left * offset_m;
    let h = left * 0.5 * LINE_WIDTH_M;
    b.flat_quad([p + c - h, q + c - h, q + c + h, p + c + h], PAINT_Z_M, m);
}

/// An oriented rectangle: centre, unit axes, half extents along them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub centre: DVec2,
    pub axis: [DVec2; 2],
    pub half: DVec2,
}

/// Minimum-area rectangle among those aligned with the ring's edges (exact for convex rings,
/// whose optimum has a side on the hull).
pub fn min_area_rect(ring: &[DVec2]) -> Option<Rect> {
    let n = ring.len();
    let mut best: Option<(f64, Rect)> = None;
    for i in 0..n {
        let u = (ring[(i + 1) % n] - ring[i]).normalize_or_zero();
        if u == DVec2::ZERO {
            continue;
        }
        let v = u.perp();
        let (mut lo, mut hi) = (DVec2::splat(f64::INFINITY), DVec2::splat(f64::NEG_INFINITY));
        for p in ring {
            let l = DVec2::new(p.dot(u), p.dot(v));
            lo = lo.min(l);
            hi = hi.max(l);
        }
        let area = (hi.x - lo.x) * (hi.y - lo.y);
        if best.as_ref().is_none_or(|(a, _)| area < *a) {
            let c = 0.5 * (lo + hi);
            best = Some((
                area,
                Rect {
                    centre: u * c.x + v * c.y,
                    axis: [u, v],
                    half: 0.5 * (hi - lo),
                },
            ));
        }
    }
    best.map(|(_, r)| r)
}

/// Zebra stripes: bars along the crossing's short side (the traffic direction), repeated
/// along its long side (the walking direction).
fn zebra(b: &mut MeshBuilder, ring: &[DVec2], m: Material) {
    let Some(r) = min_area_rect(ring) else {
        return;
    };
    // Long axis = walking direction.
    let (walk, across, half_walk, half_across) = if r.half.x >= r.half.y {
        (r.axis[0], r.axis[1], r.half.x, r.half.y)
    } else {
        (r.axis[1], r.axis[0], r.half.y, r.half.x)
    };
    let margin = 0.15;
    let ha = (half_across - margin).max(0.1);
    let count = ((2.0 * half_walk) / ZEBRA_PERIOD_M).floor() as i64;
    let start = -0.5 * (count as f64 - 1.0) * ZEBRA_PERIOD_M;
    for k in 0..count.max(0) {
        let c = r.centre + walk * (start + k as f64 * ZEBRA_PERIOD_M);
        let w = walk * 0.5 * ZEBRA_STRIPE_M;
        let a = across * ha;
        b.flat_quad([c - w - a, c + w - a, c + w + a, c - w + a], PAINT_Z_M, m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_area_rect_of_rotated_rectangle() {
        let (s, c) = 0.3f64.sin_cos();
        let u = DVec2::new(c, s);
        let v = u.perp();
        let o = DVec2::new(100.0, 50.0);
        let ring = [
            o - u * 4.0 - v,
            o + u * 4.0 - v,
            o + u * 4.0 + v,
            o - u * 4.0 + v,
        ];
        let r = min_area_rect(&ring).unwrap();
        assert!(r.centre.distance(o) < 1e-9);
        let mut h = [r.half.x, r.half.y];
        h.sort_by(f64::total_cmp);
        assert!((h[0] - 1.0).abs() < 1e-9 && (h[1] - 4.0).abs() < 1e-9);
    }
}
