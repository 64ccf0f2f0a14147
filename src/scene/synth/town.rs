//! Town layouts: a grid of junction centres whose corner nodes become 90-degree curved roads,
//! edge nodes T junctions and inner nodes four-way junctions. Every road runs between two
//! junction arms (east, north, west, south), so every lane ends in a junction. A road is a
//! start pose plus primitives (straights and constant-curvature arcs); lanes are its lateral
//! offsets, which for an arc is again an arc (radius minus the offset), so lane centrelines are
//! exact arcline paths.
//!
//! The two towns differ in block sizes, lane counts, curve radii and driving side:
//! `singapore-onenorth` (left-hand traffic, 4 x 3 grid, 2-lane arterials) and
//! `boston-seaport` (right-hand traffic, 5 x 3 grid of short blocks, a 3-lane boulevard).

use super::arcline::{self, Chain, Pose2};
use crate::scene::Location;
use glam::DVec2;

/// Unit vector of a junction arm: 0 east, 1 north, 2 west, 3 south.
pub fn arm_dir(arm: usize) -> DVec2 {
    match arm % 4 {
        0 => DVec2::X,
        1 => DVec2::Y,
        2 => -DVec2::X,
        _ => -DVec2::Y,
    }
}

/// Layout parameters of one town.
#[derive(Debug, Clone)]
pub struct TownSpec {
    pub location: Location,
    pub left_hand_traffic: bool,
    pub lane_width_m: f64,
    /// Column x and row y positions of the junction grid (relative to `origin_m`).
    pub xs_m: Vec<f64>,
    pub ys_m: Vec<f64>,
    /// Lanes per direction on each row (horizontal street) and column (vertical street).
    pub row_lanes: Vec<usize>,
    pub col_lanes: Vec<usize>,
    pub corner_radius_m: f64,
    /// Speed limits of streets with two or more lanes per direction and of the others.
    pub arterial_speed_mps: f64,
    pub minor_speed_mps: f64,
    pub sidewalk_width_m: f64,
    pub parking_width_m: f64,
    /// Margin around the layout inside the map canvas.
    pub margin_m: f64,
    /// Grid nodes (column, row) built as single-lane roundabouts instead of plain junctions.
    pub roundabouts: Vec<(usize, usize)>,
}

/// Radius of a roundabout's ring lane centre line.
pub const RING_RADIUS_M: f64 = 14.0;
/// Drivable apron beyond the ring lane's outer edge, and clearance to the central island.
pub const RING_OUTER_APRON_M: f64 = 1.5;
pub const RING_INNER_CLEARANCE_M: f64 = 1.0;

impl TownSpec {
    /// The layout of a location, or `None` when no synthetic town exists for it.
    pub fn for_location(location: Location) -> Option<TownSpec> {
        match location {
            Location::SingaporeOnenorth => Some(TownSpec {
                location,
                left_hand_traffic: true,
                lane_width_m: 3.5,
                xs_m: vec![0.0, 140.0, 300.0, 420.0],
                ys_m: vec![0.0, 150.0, 270.0],
                row_lanes: vec![1, 2, 1],
                col_lanes: vec![1, 2, 1, 1],
                corner_radius_m: 40.0,
                arterial_speed_mps: 13.5,
                minor_speed_mps: 10.0,
                sidewalk_width_m: 3.0,
                parking_width_m: 2.5,
                margin_m: 60.0,
                roundabouts: vec![(3, 1)],
            }),
            Location::BostonSeaport => Some(TownSpec {
                location,
                left_hand_traffic: false,
                lane_width_m: 3.3,
                xs_m: vec![0.0, 95.0, 190.0, 290.0, 380.0],
                ys_m: vec![0.0, 100.0, 210.0],
                row_lanes: vec![1, 3, 1],
                col_lanes: vec![1, 1, 2, 1, 1],
                corner_radius_m: 30.0,
                arterial_speed_mps: 12.5,
                minor_speed_mps: 9.0,
                sidewalk_width_m: 3.5,
                parking_width_m: 2.4,
                margin_m: 60.0,
                roundabouts: vec![(1, 2)],
            }),
            _ => None,
        }
    }
}

/// A constant-curvature piece of a road centreline.
#[derive(Debug, Clone, Copy)]
pub struct Prim {
    pub length_m: f64,
    /// Signed curvature (1/m, left positive); 0 for straights.
    pub curvature: f64,
}

/// One road between two junction arms, carrying `lanes` lanes per direction.
#[derive(Debug, Clone)]
pub struct Road {
    pub start: Pose2,
    pub prims: Vec<Prim>,
    pub lanes: usize,
    /// (junction index, arm) at the start and at the end.
    pub from: (usize, usize),
    pub to: (usize, usize),
    pub speed_limit_mps: f64,
    /// Parking strip along the kerb of the forward direction: (start, end) distance along
    /// the road centre.
    pub parking_m: Option<(f64, f64)>,
}

impl Road {
    pub fn length_m(&self) -> f64 {
        self.prims.iter().map(|p| p.length_m).sum()
    }
    pub fn is_straight(&self) -> bool {
        self.prims.iter().all(|p| p.curvature == 0.0)
    }
}

/// A junction: its centre, the half size of its square and the road on each arm.
#[derive(Debug, Clone)]
pub struct Junction {
    pub center: DVec2,
    pub half_size_m: f64,
    /// Per arm (E, N, W, S): the road index and whether the road starts here.
    pub arms: [Option<(usize, bool)>; 4],
    /// Road half width per arm (0 when the arm is absent).
    pub arm_half_width_m: [f64; 4],
    /// Roundabouts: the ring lane's centre-line radius.
    pub ring_radius_m: Option<f64>,
}

impl Junction {
    /// Island (hole) and outer drivable radius of a roundabout.
    pub fn ring_bounds_m(&self, lane_width_m: f64) -> Option<(f64, f64)> {
        self.ring_radius_m.map(|r| {
            (
                r - 0.5 * lane_width_m - RING_INNER_CLEARANCE_M,
                r + 0.5 * lane_width_m + RING_OUTER_APRON_M,
            )
        })
    }
}

/// The built town: roads, junctions and canvas.
#[derive(Debug, Clone)]
pub struct Town {
    pub spec: TownSpec,
    pub roads: Vec<Road>,
    pub junctions: Vec<Junction>,
    pub canvas_edge_m: [f64; 2],
}

impl Town {
    /// Lateral sign of the lanes of a direction: +1 (left of travel) in left-hand traffic.
    pub fn drive_side(&self) -> f64 {
        if self.spec.left_hand_traffic {
            1.0
        } else {
            -1.0
        }
    }

    pub fn half_width_m(&self, road: &Road) -> f64 {
        road.lanes as f64 * self.spec.lane_width_m
    }

    /// Centreline of a road travelled forward (`forward`) or backward, offset laterally by
    /// `offset_m` (left of travel positive): one arcline path per primitive.
    pub fn offset_chain(&self, road: &Road, forward: bool, offset_m: f64) -> Chain {
        let (mut pose, prims): (Pose2, Vec<Prim>) = if forward {
            (road.start, road.prims.clone())
        } else {
            let end = self.offset_chain(road, true, 0.0).pose_at(f64::INFINITY);
            let prims = road
                .prims
                .iter()
                .rev()
                .map(|p| Prim {
                    length_m: p.length_m,
                    curvature: -p.curvature,
                })
                .collect();
            ([end[0], end[1], end[2] + std::f64::consts::PI], prims)
        };
        let (s, c) = pose[2].sin_cos();
        pose[0] -= s * offset_m;
        pose[1] += c * offset_m;
        let mut paths = Vec::with_capacity(prims.len());
        for p in prims {
            let path = if p.curvature == 0.0 {
                arcline::straight(pose, p.length_m)
            } else {
                let radius = 1.0 / p.curvature.abs();
                let angle = p.length_m / radius * p.curvature.signum();
                let r = radius - p.curvature.signum() * offset_m;
                arcline::arc(pose, r, angle)
            };
            pose = path.end.to_array();
            paths.push(path);
        }
        Chain::new(paths)
    }

    /// Build the town of a spec.
    #[allow(clippy::needless_range_loop)] // grid indices address several arrays
    pub fn build(spec: &TownSpec) -> Town {
        let nx = spec.xs_m.len();
        let ny = spec.ys_m.len();
        let origin = DVec2::splat(spec.margin_m);
        let is_corner = |i: usize, j: usize| (i == 0 || i == nx - 1) && (j == 0 || j == ny - 1);
        let grid = |i: usize, j: usize| origin + DVec2::new(spec.xs_m[i], spec.ys_m[j]);
        let w = spec.lane_width_m;
        // Junctions and their arm half widths.
        let mut jindex = vec![vec![usize::MAX; ny]; nx];
        let mut junctions = Vec::new();
        for j in 0..ny {
            for i in 0..nx {
                if is_corner(i, j) {
                    continue;
                }
                let mut hw = [0.0; 4];
                if i + 1 < nx {
                    hw[0] = spec.row_lanes[j] as f64 * w;
                }
                if j + 1 < ny {
                    hw[1] = spec.col_lanes[i] as f64 * w;
                }
                if i > 0 {
                    hw[2] = spec.row_lanes[j] as f64 * w;
                }
                if j > 0 {
                    hw[3] = spec.col_lanes[i] as f64 * w;
                }
                let max_hw = hw.iter().cloned().fold(0.0, f64::max);
                jindex[i][j] = junctions.len();
                let ring = spec.roundabouts.contains(&(i, j));
                let half_size_m = if ring {
                    RING_RADIUS_M + 0.5 * w + RING_OUTER_APRON_M + 9.0
                } else {
                    max_hw + 9.0
                };
                junctions.push(Junction {
                    center: grid(i, j),
                    half_size_m,
                    arms: [None; 4],
                    arm_half_width_m: hw,
                    ring_radius_m: ring.then_some(RING_RADIUS_M),
                });
            }
        }
        let mut roads: Vec<Road> = Vec::new();
        let speed = |lanes: usize| {
            if lanes >= 2 {
                spec.arterial_speed_mps
            } else {
                spec.minor_speed_mps
            }
        };
        let add_straight = |roads: &mut Vec<Road>,
                            a: usize,
                            arm_a: usize,
                            b: usize,
                            arm_b: usize,
                            lanes: usize| {
            let ja = &junctions[a];
            let jb = &junctions[b];
            let d = arm_dir(arm_a);
            let p0 = ja.center + d * ja.half_size_m;
            let p1 = jb.center + arm_dir(arm_b) * jb.half_size_m;
            let len = p0.distance(p1);
            let parking = (lanes == 1 && len > 55.0).then_some((15.0, len - 15.0));
            roads.push(Road {
                start: [p0.x, p0.y, d.y.atan2(d.x)],
                prims: vec![Prim {
                    length_m: len,
                    curvature: 0.0,
                }],
                lanes,
                from: (a, arm_a),
                to: (b, arm_b),
                speed_limit_mps: speed(lanes),
                parking_m: parking,
            });
        };
        for j in 0..ny {
            for i in 0..nx - 1 {
                if !is_corner(i, j) && !is_corner(i + 1, j) {
                    add_straight(
                        &mut roads,
                        jindex[i][j],
                        0,
                        jindex[i + 1][j],
                        2,
                        spec.row_lanes[j],
                    );
                }
            }
        }
        for i in 0..nx {
            for j in 0..ny - 1 {
                if !is_corner(i, j) && !is_corner(i, j + 1) {
                    add_straight(
                        &mut roads,
                        jindex[i][j],
                        1,
                        jindex[i][j + 1],
                        3,
                        spec.col_lanes[i],
                    );
                }
            }
        }
        // Corner curves: from the row neighbour's arm towards the corner, a quarter arc, then
        // into the column neighbour's arm.
        for (ci, cj) in [(0, 0), (nx - 1, 0), (nx - 1, ny - 1), (0, ny - 1)] {
            let ri = if ci == 0 { 1 } else { nx - 2 };
            let rj = if cj == 0 { 1 } else { ny - 2 };
            let a = jindex[ri][cj];
            let b = jindex[ci][rj];
            let arm_a = if ci == 0 { 2 } else { 0 };
            let arm_b = if cj == 0 { 3 } else { 1 };
            let corner = grid(ci, cj);
            let u1 = arm_dir(arm_a);
            let u2 = -arm_dir(arm_b);
            let ja = &junctions[a];
            let jb = &junctions[b];
            let p0 = ja.center + u1 * ja.half_size_m;
            let p3 = jb.center + arm_dir(arm_b) * jb.half_size_m;
            let r = spec.corner_radius_m;
            let l1 = p0.distance(corner) - r;
            let l2 = p3.distance(corner) - r;
            let turn = u1.perp_dot(u2).signum();
            let lanes = spec.row_lanes[cj];
            roads.push(Road {
                start: [p0.x, p0.y, u1.y.atan2(u1.x)],
                prims: vec![
                    Prim {
                        length_m: l1,
                        curvature: 0.0,
                    },
                    Prim {
                        length_m: r * std::f64::consts::FRAC_PI_2,
                        curvature: turn / r,
                    },
                    Prim {
                        length_m: l2,
                        curvature: 0.0,
                    },
                ],
                lanes,
                from: (a, arm_a),
                to: (b, arm_b),
                speed_limit_mps: speed(lanes),
                parking_m: None,
            });
        }
        for (ri, road) in roads.iter().enumerate() {
            junctions[road.from.0].arms[road.from.1] = Some((ri, true));
            junctions[road.to.0].arms[road.to.1] = Some((ri, false));
        }
        let max =
            origin + DVec2::new(spec.xs_m[nx - 1], spec.ys_m[ny - 1]) + DVec2::splat(spec.margin_m);
        Town {
            spec: spec.clone(),
            roads,
            junctions,
            canvas_edge_m: [max.x.ceil(), max.y.ceil()],
        }
    }
}
