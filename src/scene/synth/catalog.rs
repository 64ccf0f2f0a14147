//! Fixed nuScenes vocabularies and the sensor rig the synthetic writer uses: the 23
//! categories, 8 attributes and 4 visibility levels of the real tables (names and
//! descriptions as in v1.0), and a six-camera + lidar rig with nuScenes-like mounting and
//! intrinsics.

use glam::{DMat3, DQuat, DVec3};

/// How a camera is mounted and triggered.
#[derive(Debug, Clone, Copy)]
pub struct CameraMount {
    pub channel: &'static str,
    /// Camera position in the ego frame, metres.
    pub translation_m: [f64; 3],
    /// Yaw of the optical axis from the ego x axis, degrees (left positive).
    pub yaw_deg: f64,
    /// fx = fy, cx, cy in pixels.
    pub intrinsics: [f64; 3],
    /// Trigger time after the lidar keyframe.
    pub offset_us: i64,
}

const fn cam(
    channel: &'static str,
    translation_m: [f64; 3],
    yaw_deg: f64,
    intrinsics: [f64; 3],
    offset_us: i64,
) -> CameraMount {
    CameraMount {
        channel,
        translation_m,
        yaw_deg,
        intrinsics,
        offset_us,
    }
}

/// The six cameras, values close to the nuScenes rig (CAM_FRONT fx 1266.4, CAM_BACK fx 809).
pub const CAMERAS: [CameraMount; 6] = [
    cam(
        "CAM_FRONT",
        [1.70079, 0.01595, 1.51096],
        0.0,
        [1266.417, 816.267, 491.507],
        12_000,
    ),
    cam(
        "CAM_FRONT_RIGHT",
        [1.55085, -0.49340, 1.49575],
        -55.0,
        [1260.847, 807.968, 495.334],
        20_000,
    ),
    cam(
        "CAM_FRONT_LEFT",
        [1.52388, 0.49463, 1.50933],
        55.0,
        [1272.598, 826.615, 479.752],
        62_000,
    ),
    cam(
        "CAM_BACK",
        [0.02833, 0.00345, 1.57910],
        180.0,
        [809.221, 829.220, 481.778],
        45_000,
    ),
    cam(
        "CAM_BACK_LEFT",
        [1.03569, 0.48480, 1.59097],
        110.0,
        [1256.741, 792.113, 492.776],
        53_000,
    ),
    cam(
        "CAM_BACK_RIGHT",
        [1.01488, -0.48057, 1.56240],
        -110.0,
        [1259.514, 807.253, 501.196],
        37_000,
    ),
];
pub const LIDAR_TRANSLATION: [f64; 3] = [0.943713, 0.0, 1.84023];

/// The 23 nuScenes categories.
pub const CATEGORIES: [(&str, &str); 23] = [
    ("animal", "All animals, e.g. cats, rats, dogs, deer, birds."),
    ("human.pedestrian.adult", "Adult subcategory."),
    ("human.pedestrian.child", "Child subcategory."),
    (
        "human.pedestrian.construction_worker",
        "Construction worker",
    ),
    (
        "human.pedestrian.personal_mobility",
        "A small electric or self-propelled vehicle, e.g. skateboard, segway, or scooters, on which the person typically travels in a upright position.",
    ),
    ("human.pedestrian.police_officer", "Police officer."),
    (
        "human.pedestrian.stroller",
        "Strollers. If a person is in the stroller, include in the annotation.",
    ),
    (
        "human.pedestrian.wheelchair",
        "Wheelchairs. If a person is in the wheelchair, include in the annotation.",
    ),
    (
        "movable_object.barrier",
        "Temporary road barrier placed in the scene in order to redirect traffic.",
    ),
    (
        "movable_object.debris",
        "Movable object that is left on the driveable surface.",
    ),
    (
        "movable_object.pushable_pullable",
        "Objects that a pedestrian may push or pull.",
    ),
    ("movable_object.trafficcone", "All types of traffic cone."),
    (
        "static_object.bicycle_rack",
        "Area or device intended to park or secure the bicycles in a row.",
    ),
    (
        "vehicle.bicycle",
        "Human or electric powered 2-wheeled vehicle designed to travel at lower speeds either on road surface, sidewalks or bike paths.",
    ),
    (
        "vehicle.bus.bendy",
        "Bendy bus subcategory. Annotate each section of the bendy bus individually.",
    ),
    ("vehicle.bus.rigid", "Rigid bus subcategory."),
    (
        "vehicle.car",
        "Vehicle designed primarily for personal use, e.g. sedans, hatch-backs, wagons, vans, mini-vans, SUVs and jeeps.",
    ),
    (
        "vehicle.construction",
        "Vehicles primarily designed for construction. Typically very slow moving or stationary.",
    ),
    ("vehicle.emergency.ambulance", "All types of ambulances."),
    ("vehicle.emergency.police", "All types of police vehicles."),
    (
        "vehicle.motorcycle",
        "Gasoline or electric powered 2-wheeled vehicle designed to move rapidly (at the speed of standard cars) on the road surface.",
    ),
    (
        "vehicle.trailer",
        "Any vehicle trailer, both for trucks, cars and bikes.",
    ),
    (
        "vehicle.truck",
        "Vehicles primarily designed to haul cargo including pick-ups, lorrys, trucks and semi-tractors.",
    ),
];

/// The 8 nuScenes attributes.
pub const ATTRIBUTES: [(&str, &str); 8] = [
    ("vehicle.moving", "Vehicle is moving."),
    (
        "vehicle.stopped",
        "Vehicle, with a driver/rider in/on it, is currently stationary but has an intent to move.",
    ),
    (
        "vehicle.parked",
        "Vehicle is stationary (usually for longer duration) with no immediate intent to move.",
    ),
    (
        "cycle.with_rider",
        "There is a rider on the bicycle or motorcycle.",
    ),
    (
        "cycle.without_rider",
        "There is NO rider on the bicycle or motorcycle.",
    ),
    (
        "pedestrian.sitting_lying_down",
        "The human is sitting or lying down.",
    ),
    ("pedestrian.standing", "The human is standing."),
    ("pedestrian.moving", "The human is moving."),
];

/// The 4 visibility levels (tokens "1".."4").
pub const VISIBILITIES: [(&str, &str); 4] = [
    ("v0-40", "visibility of whole object is between 0 and 40%"),
    ("v40-60", "visibility of whole object is between 40 and 60%"),
    ("v60-80", "visibility of whole object is between 60 and 80%"),
    (
        "v80-100",
        "visibility of whole object is between 80 and 100%",
    ),
];

/// Rotation camera -> ego of a camera looking along `yaw_deg` (camera x right, y down, z
/// forward; ego x forward, y left, z up).
pub fn ego_from_camera_rotation(yaw_deg: f64) -> DQuat {
    let base = DQuat::from_mat3(&DMat3::from_cols(
        DVec3::new(0.0, -1.0, 0.0),
        DVec3::new(0.0, 0.0, -1.0),
        DVec3::new(1.0, 0.0, 0.0),
    ));
    DQuat::from_rotation_z(yaw_deg.to_radians()) * base
}
