//! Map expansion (version 1.3) of a town: every layer the devkit loads, built from the town
//! geometry and the lane graph, plus the same shapes in memory (`TownMap`) for the traffic
//! generator and the rasteriser.
//!
//! Per road: a road segment (also a drivable-area polygon), a road block per direction, the
//! centre road divider, lanes with polygons and left/right divider segments, dashed lane
//! dividers between same-direction lanes, sidewalks on both sides, an optional parking strip
//! (drivable area + carpark area), and at each end a ped crossing with a stop line on the
//! incoming half. Per junction: a road segment with `is_intersection` whose outline follows
//! elliptical kerb arcs between arms, corner walkways, and a walkway along a T's closed side.
//! Node, line and polygon tokens are hashes of (location, kind, running counter), so a town
//! always gets the same tokens.

use super::lanes::LaneGraph;
use super::mapshapes::{Builder, left_normal, offset_curve, snap, strip, xy};
use super::token;
use super::town::{Town, arm_dir};
use crate::scene::Polygon;
use crate::scene::tables::*;
use glam::DVec2;
use std::collections::BTreeMap;

/// A place a pedestrian can cross: two walkway points on either side of a ped crossing.
#[derive(Debug, Clone, Copy)]
pub struct CrossingPath {
    pub from: DVec2,
    pub to: DVec2,
}

/// The town's map expansion and the in-memory shapes traffic generation needs.
#[derive(Debug, Clone)]
pub struct TownMap {
    pub expansion: MapExpansion,
    pub drivable: Vec<Polygon>,
    pub walkways: Vec<Polygon>,
    /// Walking lines along the middle of each road sidewalk.
    pub sidewalks: Vec<Vec<DVec2>>,
    pub crossings: Vec<CrossingPath>,
    /// Parking slot centres and headings.
    pub parking_slots: Vec<(DVec2, f64)>,
    /// Painted areas, for the preview.
    pub ped_crossings: Vec<Polygon>,
    pub stop_lines: Vec<Polygon>,
    pub carparks: Vec<Polygon>,
}

/// Build the map expansion of a town.
pub fn build(town: &Town, graph: &LaneGraph) -> TownMap {
    let loc = town.spec.location.as_str();
    let mut b = Builder {
        loc: loc.to_string(),
        m: MapExpansion {
            version: "1.3".into(),
            canvas_edge: town.canvas_edge_m.to_vec(),
            polygon: vec![],
            line: vec![],
            node: vec![],
            drivable_area: vec![],
            road_segment: vec![],
            road_block: vec![],
            lane: vec![],
            ped_crossing: vec![],
            walkway: vec![],
            stop_line: vec![],
            carpark_area: vec![],
            road_divider: vec![],
            lane_divider: vec![],
            traffic_light: vec![],
            lane_connector: vec![],
            arcline_path_3: BTreeMap::new(),
            connectivity: BTreeMap::new(),
        },
        counter: 0,
    };
    let mut out = TownMap {
        expansion: b.m.clone(),
        drivable: vec![],
        walkways: vec![],
        sidewalks: vec![],
        crossings: vec![],
        parking_slots: vec![],
        ped_crossings: vec![],
        stop_lines: vec![],
        carparks: vec![],
    };
    let da_token = token(&[loc, "drivable_area"]);
    let mut da_polys = Vec::new();
    let w = town.spec.lane_width_m;
    let ww = town.spec.sidewalk_width_m;
    let pw = town.spec.parking_width_m;
    let side = town.drive_side();
    let centre_dir = if town.spec.left_hand_traffic {
        "DOUBLE_SOLID_WHITE"
    } else {
        "DOUBLE_SOLID_YELLOW"
    };

    // Junctions first: ped crossings name their segment.
    let mut junction_segments = Vec::new();
    for j in &town.junctions {
        let c = j.center;
        let jr = j.half_size_m;
        let present: Vec<usize> = (0..4).filter(|&a| j.arms[a].is_some()).collect();
        let mut outline = Vec::new();
        let mut corner_walks = Vec::new();
        let mut holes = Vec::new();
        if let Some((island_m, _)) = j.ring_bounds_m(w) {
            // Roundabout: the whole square with the central island as a hole; walkways
            // along closed sides.
            for a in 0..4 {
                outline.push(snap(c + (arm_dir(a) - arm_dir(a + 1)) * jr));
                if j.arms[a].is_none() {
                    let (p0, p1) = (
                        c + (arm_dir(a) - arm_dir(a + 1)) * jr,
                        c + (arm_dir(a) + arm_dir(a + 1)) * jr,
                    );
                    let out_d = arm_dir(a) * ww;
                    corner_walks.push(vec![snap(p0), snap(p1), snap(p1 + out_d), snap(p0 + out_d)]);
                }
            }
            holes.push(
                (0..48)
                    .map(|i| {
                        snap(
                            c + DVec2::from_angle(std::f64::consts::TAU * i as f64 / 48.0)
                                * island_m,
                        )
                    })
                    .collect::<Vec<_>>(),
            );
        }
        for (i, &a) in present.iter().enumerate().filter(|_| holes.is_empty()) {
            let u = arm_dir(a);
            let n = arm_dir(a + 1);
            let hw = j.arm_half_width_m[a];
            let right = snap(c + u * jr - n * hw);
            let left = snap(c + u * jr + n * hw);
            outline.push(right);
            outline.push(left);
            let next = present[(i + 1) % present.len()];
            if next == (a + 1) % 4 {
                let k = c + (u + n) * jr;
                let big_b = jr - hw;
                let big_a = jr - j.arm_half_width_m[next];
                let arc: Vec<DVec2> = (1..8)
                    .map(|s| {
                        let t = std::f64::consts::FRAC_PI_2 * s as f64 / 8.0;
                        snap(k - n * (big_b * t.cos()) - u * (big_a * t.sin()))
                    })
                    .collect();
                outline.extend(arc.iter().copied());
                let mut walk = vec![left];
                walk.extend(arc);
                walk.push(snap(c + n * jr + u * j.arm_half_width_m[next]));
                walk.push(snap(k));
                corner_walks.push(walk);
            } else {
                // A closed side (T junction): walkway along it.
                let dm = arm_dir(a + 1);
                let un = arm_dir(next);
                let nn = arm_dir(next + 1);
                let p2 = snap(c + un * jr - nn * j.arm_half_width_m[next]);
                corner_walks.push(vec![left, snap(left + dm * ww), snap(p2 + dm * ww), p2]);
            }
        }
        let drivable = Polygon {
            exterior: outline,
            holes,
        };
        let seg = add_road_segment(&mut b, &mut out, &mut da_polys, &da_token, drivable, true);
        junction_segments.push(seg);
        for walk in corner_walks {
            add_walkway(&mut b, &mut out, walk);
        }
    }

    for (ri, road) in town.roads.iter().enumerate() {
        let len = road.length_m();
        let hw = town.half_width_m(road);
        let n = road.lanes;
        // Road segment = drivable polygon.
        let drivable = Polygon {
            exterior: strip(town, road, -hw, hw, 0.0, len),
            holes: vec![],
        };
        let seg = add_road_segment(&mut b, &mut out, &mut da_polys, &da_token, drivable, false);
        let centre = offset_curve(town, road, 0.0, 0.0, len);
        let line = b.line(&centre);
        let rd = b.tok("road_divider");
        b.m.road_divider.push(RoadDivider {
            token: rd,
            line_token: line,
            road_segment_token: seg.clone(),
        });
        // Per direction: block, boundaries, lanes, dividers.
        let mut blocks = [String::new(), String::new()];
        for forward in [true, false] {
            let dir_sign = if forward { side } else { -side };
            let block_pts = strip(town, road, 0.0, dir_sign * hw, 0.0, len);
            let bp = b.polygon(&block_pts);
            let across = |s: f64| offset_curve(town, road, 0.0, s, s)[0];
            let far = |s: f64| offset_curve(town, road, dir_sign * hw, s, s)[0];
            let (s_from, s_to) = if forward { (0.0, len) } else { (len, 0.0) };
            let from_line = b.line(&[across(s_from), far(s_from)]);
            let to_line = b.line(&[across(s_to), far(s_to)]);
            let bt = b.tok("road_block");
            b.m.road_block.push(RoadBlock {
                token: bt.clone(),
                polygon_token: bp,
                from_edge_line_token: from_line,
                to_edge_line_token: to_line,
                road_segment_token: seg.clone(),
            });
            blocks[forward as usize] = bt;
            // Boundary j of this direction, nodes in travel order.
            let mut bounds: Vec<(Vec<String>, Vec<DVec2>)> = Vec::new();
            for jb in 0..=n {
                let mut pts = offset_curve(town, road, dir_sign * jb as f64 * w, 0.0, len);
                if !forward {
                    pts.reverse();
                }
                let toks = b.nodes(&pts);
                bounds.push((toks, pts));
            }
            let seg_type = |jb: usize| {
                if jb == 0 {
                    centre_dir
                } else if jb == n {
                    "SINGLE_SOLID_WHITE"
                } else {
                    "DOUBLE_DASHED_WHITE"
                }
            };
            let segs =
                |bounds: &Vec<(Vec<String>, Vec<DVec2>)>, jb: usize| -> Vec<DividerSegment> {
                    bounds[jb]
                        .0
                        .iter()
                        .map(|t| DividerSegment {
                            node_token: t.clone(),
                            segment_type: seg_type(jb).into(),
                        })
                        .collect()
                };
            for k in 0..n {
                let lane_idx = graph
                    .lanes
                    .iter()
                    .position(|l| {
                        !l.is_connector && l.owner == ri && l.forward == forward && l.index == k
                    })
                    .expect("every road lane is in the graph");
                let mut ext = bounds[k].0.clone();
                ext.extend(bounds[k + 1].0.iter().rev().cloned());
                let lp = b.polygon_of(ext);
                let from_line = b.line_of(vec![bounds[k].0[0].clone(), bounds[k + 1].0[0].clone()]);
                let to_line = b.line_of(vec![
                    bounds[k].0.last().expect("boundary has points").clone(),
                    bounds[k + 1].0.last().expect("boundary has points").clone(),
                ]);
                // The outer boundary (k + 1) is on the left of travel when lanes are on the left.
                let (left, right) = if side > 0.0 { (k + 1, k) } else { (k, k + 1) };
                b.m.lane.push(MapLane {
                    token: graph.lanes[lane_idx].token.clone(),
                    polygon_token: lp,
                    lane_type: "CAR".into(),
                    from_edge_line_token: from_line,
                    to_edge_line_token: to_line,
                    left_lane_divider_segments: segs(&bounds, left),
                    right_lane_divider_segments: segs(&bounds, right),
                });
            }
            for jb in 1..n {
                let line = b.line_of(bounds[jb].0.clone());
                let t = b.tok("lane_divider");
                b.m.lane_divider.push(LaneDivider {
                    token: t,
                    line_token: line,
                    lane_divider_segments: segs(&bounds, jb),
                });
            }
        }
        // Sidewalks (beyond the parking strip on the parking side) and parking.
        let kerb_side = side; // forward direction's kerb
        for sgn in [1.0, -1.0] {
            let parking_here = road.parking_m.is_some() && sgn == kerb_side;
            let inner = hw + if parking_here { pw } else { 0.0 };
            let pts = strip(town, road, sgn * inner, sgn * (inner + ww), 0.0, len);
            add_walkway(&mut b, &mut out, pts);
            out.sidewalks
                .push(offset_curve(town, road, sgn * (inner + 0.5 * ww), 0.0, len));
        }
        if let Some((s0, s1)) = road.parking_m {
            let pts = strip(town, road, kerb_side * hw, kerb_side * (hw + pw), s0, s1);
            let t = b.polygon(&pts);
            da_polys.push(t.clone());
            out.carparks.push(Polygon {
                exterior: pts.clone(),
                holes: vec![],
            });
            out.drivable.push(Polygon {
                exterior: pts,
                holes: vec![],
            });
            let ct = b.tok("carpark_area");
            b.m.carpark_area.push(CarparkArea {
                token: ct,
                polygon_token: t,
                orientation: road.start[2],
                road_block_token: blocks[1].clone(),
            });
            let centre = town.offset_chain(road, true, 0.0);
            let mut s = s0 + 3.5;
            while s + 3.5 <= s1 {
                let pose = centre.pose_at(s);
                let p = xy(pose) + left_normal(pose) * kerb_side * (hw + 0.5 * pw);
                out.parking_slots.push((p, pose[2]));
                s += 6.5;
            }
        }
        // Ped crossings and stop lines at both ends.
        for at_start in [true, false] {
            let (c0, c1, l0, l1) = if at_start {
                (1.0, 4.0, 4.5, 5.0)
            } else {
                (len - 4.0, len - 1.0, len - 5.0, len - 4.5)
            };
            let jidx = if at_start { road.from.0 } else { road.to.0 };
            let pts = strip(town, road, -hw, hw, c0, c1);
            let t = b.polygon(&pts);
            out.ped_crossings.push(Polygon {
                exterior: pts,
                holes: vec![],
            });
            let pc = b.tok("ped_crossing");
            b.m.ped_crossing.push(PedCrossing {
                token: pc.clone(),
                polygon_token: t,
                road_segment_token: junction_segments[jidx].clone(),
            });
            let mid = 0.5 * (c0 + c1);
            let walk = |sgn: f64| {
                let parking_here = road.parking_m.is_some() && sgn == kerb_side;
                sgn * (hw + if parking_here { pw } else { 0.0 } + 0.5 * ww)
            };
            out.crossings.push(CrossingPath {
                from: offset_curve(town, road, walk(-1.0), mid, mid)[0],
                to: offset_curve(town, road, walk(1.0), mid, mid)[0],
            });
            // Incoming half: at the start the backward lanes arrive, at the end the forward.
            let incoming_sign = if at_start { -side } else { side };
            let sl = strip(town, road, 0.0, incoming_sign * hw, l0, l1);
            let st = b.polygon(&sl);
            out.stop_lines.push(Polygon {
                exterior: sl,
                holes: vec![],
            });
            let stop = b.tok("stop_line");
            b.m.stop_line.push(StopLine {
                token: stop,
                polygon_token: st,
                stop_line_type: "PED_CROSSING".into(),
                ped_crossing_tokens: vec![pc],
                traffic_light_tokens: vec![],
                road_block_token: blocks[(!at_start) as usize].clone(),
            });
        }
    }

    // Roundabout ring lanes: annulus sectors between their entry and exit points.
    for lane in graph.lanes.iter().filter(|l| l.ring.is_some()) {
        let poses = lane.chain.discretize(2.0);
        let inner: Vec<DVec2> = poses
            .iter()
            .map(|p| xy(*p) + left_normal(*p) * 0.5 * lane.width_m)
            .collect();
        let outer: Vec<DVec2> = poses
            .iter()
            .map(|p| xy(*p) - left_normal(*p) * 0.5 * lane.width_m)
            .collect();
        let left = b.nodes(&inner);
        let right = b.nodes(&outer);
        let mut ext = left.clone();
        ext.extend(right.iter().rev().cloned());
        let lp = b.polygon_of(ext);
        let from_line = b.line_of(vec![left[0].clone(), right[0].clone()]);
        let to_line = b.line_of(vec![
            left.last().expect("ring lane has points").clone(),
            right.last().expect("ring lane has points").clone(),
        ]);
        let segs = |toks: &[String]| -> Vec<DividerSegment> {
            toks.iter()
                .map(|t| DividerSegment {
                    node_token: t.clone(),
                    segment_type: "SINGLE_SOLID_WHITE".into(),
                })
                .collect()
        };
        b.m.lane.push(MapLane {
            token: lane.token.clone(),
            polygon_token: lp,
            lane_type: "CAR".into(),
            from_edge_line_token: from_line,
            to_edge_line_token: to_line,
            left_lane_divider_segments: segs(&left),
            right_lane_divider_segments: segs(&right),
        });
    }

    // Lane connectors, arclines, connectivity.
    for lane in &graph.lanes {
        if lane.is_connector {
            let pts = lane.chain.discretize(2.5);
            let mut outline: Vec<DVec2> = pts
                .iter()
                .map(|p| xy(*p) - left_normal(*p) * 0.5 * lane.width_m)
                .collect();
            outline.extend(
                pts.iter()
                    .rev()
                    .map(|p| xy(*p) + left_normal(*p) * 0.5 * lane.width_m),
            );
            let t = b.polygon(&outline);
            b.m.lane_connector.push(LaneConnector {
                token: lane.token.clone(),
                polygon_token: t,
            });
        }
        b.m.arcline_path_3
            .insert(lane.token.clone(), lane.chain.records());
        b.m.connectivity.insert(
            lane.token.clone(),
            Connectivity {
                incoming: lane
                    .incoming
                    .iter()
                    .map(|&i| graph.lanes[i].token.clone())
                    .collect(),
                outgoing: lane
                    .outgoing
                    .iter()
                    .map(|&i| graph.lanes[i].token.clone())
                    .collect(),
            },
        );
    }
    b.m.drivable_area.push(DrivableArea {
        token: da_token,
        polygon_tokens: da_polys,
    });
    out.expansion = b.m;
    out
}

/// A walkway: its map record (polygon and token) and its outline for the raster and preview.
fn add_walkway(b: &mut Builder, out: &mut TownMap, outline: Vec<DVec2>) {
    let polygon_token = b.polygon(&outline);
    let token = b.tok("walkway");
    b.m.walkway.push(Walkway {
        token,
        polygon_token,
    });
    out.walkways.push(Polygon {
        exterior: outline,
        holes: vec![],
    });
}

/// A road segment (a junction's when `is_intersection`): its polygon (at most one hole), part of
/// the one drivable area, and its outline for the raster. Returns the segment's token.
fn add_road_segment(
    b: &mut Builder,
    out: &mut TownMap,
    da_polys: &mut Vec<String>,
    da_token: &str,
    drivable: Polygon,
    is_intersection: bool,
) -> String {
    let polygon_token = match drivable.holes.first() {
        Some(hole) => b.polygon_with_hole(&drivable.exterior, hole),
        None => b.polygon(&drivable.exterior),
    };
    da_polys.push(polygon_token.clone());
    out.drivable.push(drivable);
    let token = b.tok("road_segment");
    b.m.road_segment.push(RoadSegment {
        token: token.clone(),
        polygon_token,
        is_intersection,
        drivable_area_token: da_token.to_string(),
    });
    token
}
