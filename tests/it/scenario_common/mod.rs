//! Scenes built in code for scenario tests: a straight road and a turning road, each with a
//! one-lane graph and a few logged actors. Ego keyframes at 2 Hz as in nuScenes.
#![allow(dead_code)]

use glam::{DQuat, DVec2, DVec3};
use mpa_sim::scene::{
    ActorClass, ActorTrack, CameraRig, CentrelinePoint, Lane, Location, MapData, Pose, Scene,
    TimedPose,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const KEYFRAME_US: i64 = 500_000;
pub const LOG_START_US: i64 = 1_000_000_000;

/// Straight scene: ego from `STRAIGHT_ORIGIN` heading `STRAIGHT_YAW` at 10 m/s for 20 s.
pub const STRAIGHT_ORIGIN: DVec2 = DVec2::new(100.0, 50.0);
pub const STRAIGHT_YAW: f64 = std::f64::consts::FRAC_PI_6;
pub const STRAIGHT_SPEED_MPS: f64 = 10.0;
pub const STRAIGHT_SECS: f64 = 20.0;

/// Turning scene: ego from the origin heading +x at 5 m/s: 30 m straight, a left quarter
/// circle of radius `TURN_RADIUS_M` about (30, 20), then straight north.
pub const TURN_RADIUS_M: f64 = 20.0;
pub const TURN_STRAIGHT_M: f64 = 30.0;
pub const TURN_SPEED_MPS: f64 = 5.0;
pub const TURN_SECS: f64 = 24.0;

fn pose(xy: DVec2, yaw: f64, z: f64) -> Pose {
    Pose {
        translation: xy.extend(z),
        rotation: DQuat::from_rotation_z(yaw),
    }
}

/// Point and heading at arc length `s` along the turning road's centre path.
pub fn turn_path(s: f64) -> (DVec2, f64) {
    let arc = TURN_RADIUS_M * std::f64::consts::FRAC_PI_2;
    if s <= TURN_STRAIGHT_M {
        (DVec2::new(s, 0.0), 0.0)
    } else if s <= TURN_STRAIGHT_M + arc {
        let phi = (s - TURN_STRAIGHT_M) / TURN_RADIUS_M;
        (
            DVec2::new(
                TURN_STRAIGHT_M + TURN_RADIUS_M * phi.sin(),
                TURN_RADIUS_M - TURN_RADIUS_M * phi.cos(),
            ),
            phi,
        )
    } else {
        let d = s - TURN_STRAIGHT_M - arc;
        (
            DVec2::new(TURN_STRAIGHT_M + TURN_RADIUS_M, TURN_RADIUS_M + d),
            std::f64::consts::FRAC_PI_2,
        )
    }
}

/// Point and heading at arc length `s` along the straight road.
pub fn straight_path(s: f64) -> (DVec2, f64) {
    (
        STRAIGHT_ORIGIN + DVec2::from_angle(STRAIGHT_YAW) * s,
        STRAIGHT_YAW,
    )
}

fn lane(token: &str, path: impl Fn(f64) -> (DVec2, f64), length_m: f64) -> Lane {
    let n = (length_m / 0.5).round() as usize;
    Lane {
        token: token.to_string(),
        is_connector: false,
        polygon: Default::default(),
        centreline: (0..=n)
            .map(|k| {
                let (xy, yaw) = path(k as f64 * 0.5);
                CentrelinePoint { xy, yaw }
            })
            .collect(),
        incoming: vec![],
        outgoing: vec![],
    }
}

fn map(location: Location, lanes: Vec<Lane>) -> Arc<MapData> {
    let lane_index: BTreeMap<String, usize> = lanes
        .iter()
        .enumerate()
        .map(|(i, l)| (l.token.clone(), i))
        .collect();
    Arc::new(MapData {
        location,
        canvas_edge_m: [1000.0, 1000.0],
        drivable_areas: vec![],
        road_segments: vec![],
        lanes,
        lane_index,
        road_dividers: vec![],
        lane_dividers: vec![],
        ped_crossings: vec![],
        walkways: vec![],
        stop_lines: vec![],
        carpark_areas: vec![],
    })
}

fn actor(token: &str, class: ActorClass, track: Vec<TimedPose>) -> ActorTrack {
    let n = track.len();
    ActorTrack {
        instance_token: token.to_string(),
        category: class.default_category().to_string(),
        class,
        size_wlh_m: DVec3::new(1.9, 4.6, 1.7),
        keyframes: track,
        attributes: vec![vec![]; n],
    }
}

fn scene(
    name: &str,
    location: Location,
    map: Arc<MapData>,
    ego: impl Fn(f64) -> (DVec2, f64),
    speed_mps: f64,
    secs: f64,
    actors: Vec<ActorTrack>,
) -> Scene {
    let n = (secs * 1e6 / KEYFRAME_US as f64).round() as i64;
    let stamps: Vec<i64> = (0..=n).map(|k| LOG_START_US + k * KEYFRAME_US).collect();
    let ego_track = stamps
        .iter()
        .map(|&t| {
            let s = (t - LOG_START_US) as f64 * 1e-6 * speed_mps;
            let (xy, yaw) = ego(s);
            TimedPose {
                timestamp_us: t,
                pose: pose(xy, yaw, 0.0),
            }
        })
        .collect();
    Scene {
        token: format!("{name}-token"),
        name: name.to_string(),
        description: String::new(),
        log_token: "log".into(),
        logfile: "log".into(),
        vehicle: "n015".into(),
        date_captured: "2018-01-01".into(),
        location,
        map,
        sample_timestamps_us: stamps,
        ego_track,
        actors,
        rig: CameraRig {
            cameras: vec![],
            ego_from_lidar: pose(DVec2::ZERO, 0.0, 1.8),
        },
    }
}

/// Parked car and a pedestrian beside the straight road.
pub fn straight_scene() -> Arc<Scene> {
    let length = STRAIGHT_SPEED_MPS * STRAIGHT_SECS + 20.0;
    let parked = (0..=4)
        .map(|k| TimedPose {
            timestamp_us: LOG_START_US + k * 5 * KEYFRAME_US,
            pose: pose(
                straight_path(80.0).0 + DVec2::new(-2.0, 3.5),
                STRAIGHT_YAW,
                0.85,
            ),
        })
        .collect();
    let walker = (0..=4)
        .map(|k| TimedPose {
            timestamp_us: LOG_START_US + k * 5 * KEYFRAME_US,
            pose: pose(straight_path(120.0).0 + DVec2::new(k as f64, 6.0), 0.0, 0.9),
        })
        .collect();
    Arc::new(scene(
        "scene-straight",
        Location::BostonSeaport,
        map(
            Location::BostonSeaport,
            vec![lane("lane-straight", straight_path, length)],
        ),
        straight_path,
        STRAIGHT_SPEED_MPS,
        STRAIGHT_SECS,
        vec![
            actor("inst-parked-car", ActorClass::Car, parked),
            actor("inst-walker", ActorClass::Pedestrian, walker),
        ],
    ))
}

/// A car ahead of the ego through the turn.
pub fn turn_scene() -> Arc<Scene> {
    let length = TURN_SPEED_MPS * TURN_SECS + 20.0;
    let lead = (0..=8)
        .map(|k| {
            let s = 20.0 + k as f64 * 15.0;
            let (xy, yaw) = turn_path(s);
            TimedPose {
                timestamp_us: LOG_START_US + k * 6 * KEYFRAME_US,
                pose: pose(xy, yaw, 0.85),
            }
        })
        .collect();
    Arc::new(scene(
        "scene-turn",
        Location::SingaporeOnenorth,
        map(
            Location::SingaporeOnenorth,
            vec![lane("lane-turn", turn_path, length)],
        ),
        turn_path,
        TURN_SPEED_MPS,
        TURN_SECS,
        vec![actor("inst-lead-car", ActorClass::Car, lead)],
    ))
}

/// Minimal scenario TOML on `scene` with the given extra text appended.
pub fn toml_with(scene: &str, extra: &str) -> String {
    format!("name = \"test\"\nscene = \"{scene}\"\nfamily = \"side\"\n{extra}")
}
