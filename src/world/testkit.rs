//! Small constructed scenes for tests and benchmarks: a straight two-lane road, a junction with
//! a left-turn connector, and a multi-lane ring road. Built in code (no files), in the Scene
//! model the loader produces, so the World sees them exactly as it sees nuScenes scenes.
//!
//! Geometry (metres, global frame):
//! - `straight_road`: lanes `right` (y = 0) and `left` (y = 3.5), both heading +x over
//!   x in [0, 400]; drivable area x in [-10, 410], y in [-2.5, 6]. The logged ego drives the
//!   right lane at 8 m/s for 20 s from x = 10; a logged car drives the left lane at 10 m/s
//!   from x = 40; a logged van is present only from 2 s to 12 s, 60 m ahead on the left lane.
//! - `junction`: approach lane A from (-100, 0) to (0, 0) heading +x; connector `turn` (a
//!   quarter circle of radius 15 m about (0, 15)) into lane B going +y from (15, 15); connector
//!   `through` along y = 0 into lane C. The logged ego turns left at 6 m/s from x = -60.
//! - `ring_road`: `lanes` concentric circular lanes (radius 150 m + 3.5 m per lane, counter-
//!   clockwise), each split into 8 arc lanes chained cyclically; the drivable area is an
//!   annulus (a polygon with a hole).

use crate::geometry::Pose2;
use crate::scene::scenario::{Behaviour, InsertedActor, ResolvedScenario, Trigger};
use crate::scene::{
    ActorClass, ActorTrack, CameraRig, CentrelinePoint, Lane, Location, MapData, Polygon, Pose,
    Scene, TimedPose,
};
use glam::{DQuat, DVec2, DVec3};
use std::collections::BTreeMap;
use std::f64::consts::{FRAC_PI_2, TAU};
use std::sync::Arc;

/// Builds a `MapData` from lane polylines and drivable polygons.
#[derive(Debug, Default)]
pub struct MapBuilder {
    lanes: Vec<Lane>,
    drivable: Vec<Polygon>,
}

impl MapBuilder {
    pub fn new() -> MapBuilder {
        MapBuilder::default()
    }

    /// Add a lane along `points` (densified to <= 0.5 m spacing); returns its index.
    pub fn lane(&mut self, token: &str, points: &[DVec2], is_connector: bool) -> usize {
        let dense = densify(points, 0.5);
        let centreline = dense
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let d = if i + 1 < dense.len() {
                    dense[i + 1] - *p
                } else {
                    *p - dense[i - 1]
                };
                CentrelinePoint {
                    xy: *p,
                    yaw: d.y.atan2(d.x),
                }
            })
            .collect();
        self.lanes.push(Lane {
            token: token.to_string(),
            is_connector,
            polygon: Polygon::default(),
            centreline,
            incoming: Vec::new(),
            outgoing: Vec::new(),
        });
        self.lanes.len() - 1
    }

    pub fn connect(&mut self, from: usize, to: usize) {
        self.lanes[from].outgoing.push(to);
        self.lanes[to].incoming.push(from);
    }

    pub fn drivable_rect(&mut self, lo: DVec2, hi: DVec2) {
        self.drivable.push(Polygon {
            exterior: vec![lo, DVec2::new(hi.x, lo.y), hi, DVec2::new(lo.x, hi.y)],
            holes: Vec::new(),
        });
    }

    pub fn drivable_polygon(&mut self, p: Polygon) {
        self.drivable.push(p);
    }

    pub fn build(self, location: Location) -> MapData {
        let lane_index: BTreeMap<String, usize> = self
            .lanes
            .iter()
            .enumerate()
            .map(|(i, l)| (l.token.clone(), i))
            .collect();
        MapData {
            location,
            canvas_edge_m: [3000.0, 3000.0],
            drivable_areas: self.drivable,
            road_segments: Vec::new(),
            lanes: self.lanes,
            lane_index,
            road_dividers: Vec::new(),
            lane_dividers: Vec::new(),
            ped_crossings: Vec::new(),
            walkways: Vec::new(),
            stop_lines: Vec::new(),
            carpark_areas: Vec::new(),
        }
    }
}

/// Insert points so that no segment is longer than `max_step_m`.
pub fn densify(points: &[DVec2], max_step_m: f64) -> Vec<DVec2> {
    let mut out = Vec::new();
    for w in points.windows(2) {
        let n = ((w[0].distance(w[1]) / max_step_m).ceil() as usize).max(1);
        for k in 0..n {
            out.push(w[0].lerp(w[1], k as f64 / n as f64));
        }
    }
    if let Some(last) = points.last() {
        out.push(*last);
    }
    out
}

/// Points on a circular arc about `center` from angle `a0` to `a1` (radians), `n` + 1 points.
pub fn arc(center: DVec2, radius_m: f64, a0: f64, a1: f64, n: usize) -> Vec<DVec2> {
    (0..=n)
        .map(|k| center + DVec2::from_angle(a0 + (a1 - a0) * k as f64 / n as f64) * radius_m)
        .collect()
}

/// A pose with a rotation about z, z = `z_m`.
pub fn pose3(p: Pose2, z_m: f64) -> Pose {
    Pose {
        translation: DVec3::new(p.xy.x, p.xy.y, z_m),
        rotation: DQuat::from_rotation_z(p.yaw),
    }
}

/// Poses every `dt_secs` along a polyline at constant speed (heading along the path).
pub fn drive_along(
    points: &[DVec2],
    speed_mps: f64,
    dt_secs: f64,
    duration_secs: f64,
) -> Vec<(f64, Pose2)> {
    let line = super::route::Polyline::new(points).expect("testkit paths have 2+ distinct points");
    let n = (duration_secs / dt_secs).round() as usize;
    (0..=n)
        .map(|k| {
            let t = k as f64 * dt_secs;
            let s = (speed_mps * t).min(line.length_m());
            (t, line.pose_at(s, 0.0))
        })
        .collect()
}

/// A logged actor track from (time, box-centre pose) keyframes.
pub fn track(
    id: &str,
    class: ActorClass,
    size_wlh_m: [f64; 3],
    keyframes: &[(f64, Pose2)],
) -> ActorTrack {
    ActorTrack {
        instance_token: id.to_string(),
        category: class.default_category().to_string(),
        class,
        size_wlh_m: DVec3::from_array(size_wlh_m),
        keyframes: keyframes
            .iter()
            .map(|(t, p)| TimedPose {
                timestamp_us: (t * 1e6).round() as i64,
                pose: pose3(*p, 0.5 * size_wlh_m[2]),
            })
            .collect(),
        attributes: vec![Vec::new(); keyframes.len()],
    }
}

/// A scene from a map, a logged ego track (rear-axle poses) and actor tracks. Keyframes of the
/// ego track are the scene's samples.
pub fn scene(name: &str, map: MapData, ego: &[(f64, Pose2)], actors: Vec<ActorTrack>) -> Scene {
    let ego_track: Vec<TimedPose> = ego
        .iter()
        .map(|(t, p)| TimedPose {
            timestamp_us: (t * 1e6).round() as i64,
            pose: pose3(*p, 0.0),
        })
        .collect();
    Scene {
        token: format!("{name}-token"),
        name: name.to_string(),
        description: "constructed test scene".to_string(),
        log_token: format!("{name}-log"),
        logfile: format!("{name}-logfile"),
        vehicle: "n015".to_string(),
        date_captured: "2026-01-01".to_string(),
        location: map.location,
        sample_timestamps_us: ego_track.iter().map(|p| p.timestamp_us).collect(),
        ego_track,
        map: Arc::new(map),
        actors,
        rig: CameraRig {
            cameras: Vec::new(),
            ego_from_lidar: pose3(Pose2::default(), 1.8),
        },
    }
}

/// The nominal scenario of a scene (`ResolvedScenario::from_scene`): start at the first ego
/// keyframe with the logged speed, route = the logged ego path, every logged actor replayed.
pub fn nominal(scene: Scene) -> ResolvedScenario {
    ResolvedScenario::from_scene(Arc::new(scene))
}

/// An inserted actor of default car size (or `size_wlh_m`).
pub fn inserted(
    id: &str,
    class: ActorClass,
    start: Pose2,
    behaviour: Behaviour,
    trigger: Trigger,
) -> InsertedActor {
    let size = match class {
        ActorClass::Pedestrian => [0.7, 0.7, 1.8],
        ActorClass::Truck => [2.5, 8.0, 3.2],
        ActorClass::Obstacle => [0.5, 0.5, 1.0],
        _ => [1.9, 4.5, 1.6],
    };
    InsertedActor {
        id: id.to_string(),
        class,
        size_wlh_m: DVec3::from_array(size),
        start_pose: pose3(start, 0.5 * size[2]),
        behaviour,
        trigger,
    }
}

pub const LANE_WIDTH_M: f64 = 3.5;

pub fn straight_road() -> ResolvedScenario {
    let mut m = MapBuilder::new();
    m.lane(
        "right",
        &[DVec2::new(0.0, 0.0), DVec2::new(400.0, 0.0)],
        false,
    );
    m.lane(
        "left",
        &[
            DVec2::new(0.0, LANE_WIDTH_M),
            DVec2::new(400.0, LANE_WIDTH_M),
        ],
        false,
    );
    m.drivable_rect(DVec2::new(-10.0, -2.5), DVec2::new(410.0, 6.0));
    let ego = drive_along(
        &[DVec2::new(10.0, 0.0), DVec2::new(400.0, 0.0)],
        8.0,
        0.5,
        20.0,
    );
    let car = drive_along(
        &[
            DVec2::new(40.0, LANE_WIDTH_M),
            DVec2::new(400.0, LANE_WIDTH_M),
        ],
        10.0,
        0.5,
        20.0,
    );
    let van: Vec<(f64, Pose2)> = drive_along(
        &[
            DVec2::new(70.0, LANE_WIDTH_M),
            DVec2::new(400.0, LANE_WIDTH_M),
        ],
        9.0,
        0.5,
        10.0,
    )
    .into_iter()
    .map(|(t, p)| (t + 2.0, p))
    .collect();
    let actors = vec![
        track("logged-car", ActorClass::Car, [1.9, 4.5, 1.6], &car),
        track("logged-van", ActorClass::Truck, [2.2, 5.5, 2.4], &van),
    ];
    nominal(scene(
        "straight-road",
        m.build(Location::BostonSeaport),
        &ego,
        actors,
    ))
}

pub fn junction() -> ResolvedScenario {
    let mut m = MapBuilder::new();
    let r = 15.0;
    let a = m.lane("A", &[DVec2::new(-100.0, 0.0), DVec2::ZERO], false);
    let turn_pts = arc(DVec2::new(0.0, r), r, -FRAC_PI_2, 0.0, 30);
    let turn = m.lane("turn", &turn_pts, true);
    let b = m.lane("B", &[DVec2::new(r, r), DVec2::new(r, 120.0)], false);
    let through = m.lane("through", &[DVec2::ZERO, DVec2::new(30.0, 0.0)], true);
    let c = m.lane("C", &[DVec2::new(30.0, 0.0), DVec2::new(135.0, 0.0)], false);
    m.connect(a, turn);
    m.connect(turn, b);
    m.connect(a, through);
    m.connect(through, c);
    m.drivable_rect(DVec2::new(-105.0, -4.0), DVec2::new(0.0, 4.0));
    m.drivable_rect(DVec2::new(0.0, -4.0), DVec2::new(30.0, 19.0));
    m.drivable_rect(DVec2::new(30.0, -4.0), DVec2::new(140.0, 4.0));
    m.drivable_rect(DVec2::new(9.0, 19.0), DVec2::new(21.0, 125.0));
    let mut path = vec![DVec2::new(-60.0, 0.0)];
    path.extend(turn_pts);
    path.push(DVec2::new(r, 60.0));
    let ego = drive_along(&path, 6.0, 0.5, 20.0);
    nominal(scene(
        "junction",
        m.build(Location::SingaporeOnenorth),
        &ego,
        Vec::new(),
    ))
}

/// Radius of the innermost ring lane.
pub const RING_RADIUS_M: f64 = 150.0;
const RING_ARCS: usize = 8;

/// A ring road with `lanes` lanes, `idm_actors` IDM cars spread evenly over the lanes (none
/// within 25 m of the ego), the ego on the innermost lane at 8 m/s, and a two-lap route.
pub fn ring_road(lanes: usize, idm_actors: usize, duration_secs: f64) -> ResolvedScenario {
    let mut m = MapBuilder::new();
    for l in 0..lanes {
        let radius = RING_RADIUS_M + LANE_WIDTH_M * l as f64;
        let first = m.lanes.len();
        for k in 0..RING_ARCS {
            let a0 = TAU * k as f64 / RING_ARCS as f64;
            let a1 = TAU * (k + 1) as f64 / RING_ARCS as f64;
            m.lane(
                &format!("ring{l}-{k}"),
                &arc(DVec2::ZERO, radius, a0, a1, 40),
                false,
            );
        }
        for k in 0..RING_ARCS {
            m.connect(first + k, first + (k + 1) % RING_ARCS);
        }
    }
    let outer = RING_RADIUS_M + LANE_WIDTH_M * (lanes as f64 - 0.5) + 2.0;
    let inner = RING_RADIUS_M - 0.5 * LANE_WIDTH_M - 2.0;
    m.drivable_polygon(Polygon {
        exterior: arc(DVec2::ZERO, outer, 0.0, TAU, 256)[..256].to_vec(),
        holes: vec![arc(DVec2::ZERO, inner, 0.0, TAU, 256)[..256].to_vec()],
    });
    let circle = arc(DVec2::ZERO, RING_RADIUS_M, 0.0, TAU, 720);
    let mut route = circle.clone();
    route.extend_from_slice(&circle[1..]);
    let ego = drive_along(&route, 8.0, 0.5, duration_secs);
    let mut scenario = nominal(scene(
        "ring-road",
        m.build(Location::BostonSeaport),
        &ego,
        Vec::new(),
    ));
    scenario.route = route;
    let ego_clear_rad = 25.0 / RING_RADIUS_M;
    let total: f64 = (0..lanes)
        .map(|l| TAU * (RING_RADIUS_M + LANE_WIDTH_M * l as f64))
        .sum();
    // Slots evenly spaced over all lanes, with enough spare ones for those skipped near the ego.
    let spare = (50.0 / (total / idm_actors.max(1) as f64)).ceil() as usize + 1;
    let spacing = total / (idm_actors + spare) as f64;
    let mut placed = 0;
    let mut along = 0.5 * spacing;
    while placed < idm_actors && along < total {
        // Find the lane containing arc position `along`.
        let mut rest = along;
        let mut lane = 0;
        loop {
            let circ = TAU * (RING_RADIUS_M + LANE_WIDTH_M * lane as f64);
            if rest < circ || lane + 1 == lanes {
                break;
            }
            rest -= circ;
            lane += 1;
        }
        let radius = RING_RADIUS_M + LANE_WIDTH_M * lane as f64;
        let angle = rest / radius;
        along += spacing;
        let near_ego = lane == 0 && (angle < ego_clear_rad || angle > TAU - ego_clear_rad);
        if near_ego {
            continue;
        }
        let pos = DVec2::from_angle(angle) * radius;
        let start = Pose2 {
            xy: pos,
            yaw: angle + FRAC_PI_2,
        };
        scenario.inserted_actors.push(inserted(
            &format!("idm-{placed:03}"),
            ActorClass::Car,
            start,
            Behaviour::Idm {
                desired_speed_mps: 8.0 + (placed % 5) as f64,
            },
            Trigger::Immediately,
        ));
        placed += 1;
    }
    scenario
}
