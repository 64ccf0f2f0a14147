//! A small town built in code for the renderer tests: a square ring road (drivable area with the
//! block as a hole) with walkways on both sides, dashed lane lines, a centre line, a zebra
//! crossing and a stop line; a nuScenes-like six-camera rig; an ego pose and a few actors.
//! Global coordinates are offset by kilometres so the f64 -> render-frame path is exercised.
#![allow(dead_code)]

pub mod projection;

use glam::{DMat3, DQuat, DVec2, DVec3};
use mpa_sim::render::ActorInstance;
use mpa_sim::scene::{
    ActorClass, Camera, CameraRig, Divider, LineStyle, Location, MapData, Polygon, Pose,
};
use std::collections::BTreeMap;

/// Global offset of the town, metres.
pub const OFFSET: DVec2 = DVec2::new(1823.0, 942.0);

fn sq(h: f64) -> Vec<DVec2> {
    [(-h, -h), (h, -h), (h, h), (-h, h)]
        .iter()
        .map(|(x, y)| OFFSET + DVec2::new(*x, *y))
        .collect()
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon {
    Polygon {
        exterior: vec![
            OFFSET + DVec2::new(x0, y0),
            OFFSET + DVec2::new(x1, y0),
            OFFSET + DVec2::new(x1, y1),
            OFFSET + DVec2::new(x0, y1),
        ],
        holes: vec![],
    }
}

fn loop_divider(h: f64, style: LineStyle) -> Divider {
    let mut points = sq(h);
    points.push(points[0]);
    Divider {
        styles: vec![style; points.len()],
        points,
    }
}

/// Ring road: outer half-size 60 m, inner 46 m (two lanes each way of 3.5 m).
pub fn town(location: Location) -> MapData {
    MapData {
        location,
        canvas_edge_m: [4000.0, 2000.0],
        drivable_areas: vec![Polygon {
            exterior: sq(60.0),
            holes: vec![sq(46.0)],
        }],
        road_segments: vec![],
        lanes: vec![],
        lane_index: BTreeMap::new(),
        road_dividers: vec![loop_divider(53.0, LineStyle::Solid)],
        lane_dividers: vec![
            loop_divider(56.5, LineStyle::Dashed),
            loop_divider(49.5, LineStyle::Dashed),
        ],
        ped_crossings: vec![rect(20.0, -60.0, 24.0, -46.0)],
        walkways: vec![
            Polygon {
                exterior: sq(64.0),
                holes: vec![sq(60.0)],
            },
            Polygon {
                exterior: sq(46.0),
                holes: vec![sq(42.0)],
            },
        ],
        stop_lines: vec![
            rect(17.5, -60.0, 18.0, -53.0),
            rect(26.0, -53.0, 26.5, -46.0),
        ],
        carpark_areas: vec![],
    }
}

/// A camera mount: channel, ego translation, yaw of the optical axis (deg), fx, cx, cy.
type Mount = (&'static str, [f64; 3], f64, f64, f64, f64);

/// nuScenes-like rig.
const MOUNTS: [Mount; 6] = [
    ("CAM_FRONT", [1.70, 0.016, 1.51], 0.0, 1266.4, 816.3, 491.5),
    (
        "CAM_FRONT_RIGHT",
        [1.55, -0.49, 1.50],
        -55.0,
        1260.8,
        808.0,
        495.3,
    ),
    (
        "CAM_FRONT_LEFT",
        [1.52, 0.49, 1.51],
        55.0,
        1272.6,
        826.6,
        479.8,
    ),
    ("CAM_BACK", [0.03, 0.003, 1.58], 180.0, 809.2, 829.2, 481.8),
    (
        "CAM_BACK_LEFT",
        [1.04, 0.48, 1.59],
        110.0,
        1256.7,
        792.1,
        492.8,
    ),
    (
        "CAM_BACK_RIGHT",
        [1.01, -0.48, 1.56],
        -110.0,
        1259.5,
        807.3,
        501.2,
    ),
];

/// Camera (x right, y down, z forward) to ego (x forward, y left, z up) for an optical axis
/// at `yaw_deg` from ego x.
pub fn camera_rotation(yaw_deg: f64) -> DQuat {
    // Columns: camera x (right), y (down), z (forward) in ego axes at yaw 0.
    let base = DMat3::from_cols(DVec3::NEG_Y, DVec3::NEG_Z, DVec3::X);
    DQuat::from_rotation_z(yaw_deg.to_radians()) * DQuat::from_mat3(&base)
}

pub fn rig() -> CameraRig {
    CameraRig {
        cameras: MOUNTS
            .iter()
            .map(|(ch, t, yaw, f, cx, cy)| Camera {
                channel: ch.to_string(),
                width_px: 1600,
                height_px: 900,
                intrinsic: DMat3::from_cols(
                    DVec3::new(*f, 0.0, 0.0),
                    DVec3::new(0.0, *f, 0.0),
                    DVec3::new(*cx, *cy, 1.0),
                ),
                ego_from_camera: Pose {
                    translation: DVec3::from_array(*t),
                    rotation: camera_rotation(*yaw),
                },
            })
            .collect(),
        ego_from_lidar: Pose {
            translation: DVec3::new(0.94, 0.0, 1.84),
            rotation: DQuat::IDENTITY,
        },
    }
}

/// Lateral position of the eastbound inner lane on the bottom road (driving side by town).
pub fn lane_y(location: Location) -> f64 {
    if location.left_hand_traffic() {
        -51.25
    } else {
        -54.75
    }
}

/// Ego eastbound on the bottom road, 40 m before the crossing.
pub fn ego_pose(location: Location) -> Pose {
    Pose {
        translation: (OFFSET + DVec2::new(-18.0, lane_y(location))).extend(0.0),
        rotation: DQuat::from_rotation_z(0.02),
    }
}

fn actor(
    class: ActorClass,
    x: f64,
    y: f64,
    yaw: f64,
    wlh: [f64; 3],
    variant: u32,
) -> ActorInstance {
    ActorInstance {
        class,
        pose: Pose {
            translation: (OFFSET + DVec2::new(x, y)).extend(0.5 * wlh[2]),
            rotation: DQuat::from_rotation_z(yaw),
        },
        size_wlh_m: DVec3::from_array(wlh),
        variant,
    }
}

/// A car ahead, an oncoming truck, a pedestrian on the crossing, a cyclist, a bus behind and a
/// barrier at the kerb.
pub fn actors(location: Location) -> Vec<ActorInstance> {
    let y = lane_y(location);
    let other = -106.0 - y; // mirror across the centre line (y = -53)
    let kerb = if location.left_hand_traffic() {
        -47.2
    } else {
        -58.8
    };
    vec![
        actor(ActorClass::Car, 2.0, y, 0.0, [1.9, 4.6, 1.6], 4),
        actor(
            ActorClass::Truck,
            30.0,
            other,
            std::f64::consts::PI,
            [2.5, 7.5, 3.2],
            0,
        ),
        actor(
            ActorClass::Pedestrian,
            22.0,
            -49.8,
            -1.5,
            [0.6, 0.7, 1.75],
            1,
        ),
        actor(
            ActorClass::Cyclist,
            -4.0,
            kerb + if location.left_hand_traffic() {
                -0.6
            } else {
                0.6
            },
            0.0,
            [0.6, 1.7, 1.5],
            1,
        ),
        actor(ActorClass::Bus, -36.0, y, 0.0, [2.9, 11.0, 3.4], 0),
        actor(ActorClass::Obstacle, 8.0, kerb, 0.0, [0.5, 1.5, 1.0], 0),
    ]
}
