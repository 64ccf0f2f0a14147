//! The scene model every other module builds on: a nuScenes scene rebuilt as map geometry,
//! the logged ego track, actor tracks and the camera rig, in SI units and the global frame
//! (z up). Built by `scene::nuscenes` from real or synthetic data.
//!
//! Positions are f64: nuScenes global coordinates reach a few kilometres, where f32 would cost
//! millimetres; the renderer converts to f32 relative to the ego.

use glam::{DMat3, DQuat, DVec2, DVec3};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// nuScenes quaternion (w, x, y, z) to glam. The one place this conversion happens.
pub fn quat_from_wxyz(wxyz: [f64; 4]) -> DQuat {
    DQuat::from_xyzw(wxyz[1], wxyz[2], wxyz[3], wxyz[0])
}

/// glam quaternion to the nuScenes (w, x, y, z) order.
pub fn quat_to_wxyz(q: DQuat) -> [f64; 4] {
    [q.w, q.x, q.y, q.z]
}

/// Yaw of a rotation: atan2 of the rotated x axis (robust to the small roll and pitch of real
/// ego poses), as the devkit's `quaternion_yaw`.
pub fn yaw_of(q: DQuat) -> f64 {
    let x = q * DVec3::X;
    x.y.atan2(x.x)
}

/// Wrap an angle to (-pi, pi].
pub fn wrap_angle(a: f64) -> f64 {
    let mut r = a.rem_euclid(std::f64::consts::TAU);
    if r > std::f64::consts::PI {
        r -= std::f64::consts::TAU;
    }
    r
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Location {
    SingaporeOnenorth,
    SingaporeHollandvillage,
    SingaporeQueenstown,
    BostonSeaport,
}

impl Location {
    pub const ALL: [Location; 4] = [
        Location::SingaporeOnenorth,
        Location::SingaporeHollandvillage,
        Location::SingaporeQueenstown,
        Location::BostonSeaport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Location::SingaporeOnenorth => "singapore-onenorth",
            Location::SingaporeHollandvillage => "singapore-hollandvillage",
            Location::SingaporeQueenstown => "singapore-queenstown",
            Location::BostonSeaport => "boston-seaport",
        }
    }

    pub fn parse(s: &str) -> Option<Location> {
        Location::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Singapore drives on the left, Boston on the right.
    pub fn left_hand_traffic(self) -> bool {
        !matches!(self, Location::BostonSeaport)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Coarse actor class used by dynamics, metrics and rendering (semantic ids, glTF models).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorClass {
    Car,
    Truck,
    Bus,
    Pedestrian,
    Cyclist,
    Obstacle,
}

impl ActorClass {
    pub const ALL: [ActorClass; 6] = [
        ActorClass::Car,
        ActorClass::Truck,
        ActorClass::Bus,
        ActorClass::Pedestrian,
        ActorClass::Cyclist,
        ActorClass::Obstacle,
    ];

    /// Map a nuScenes category name (e.g. `vehicle.car`, `human.pedestrian.adult`) to a class.
    /// Unknown or static categories become `Obstacle`.
    pub fn from_category(name: &str) -> ActorClass {
        if name.starts_with("human.pedestrian") {
            ActorClass::Pedestrian
        } else if name == "vehicle.bicycle" || name == "vehicle.motorcycle" {
            ActorClass::Cyclist
        } else if name.starts_with("vehicle.bus") {
            ActorClass::Bus
        } else if name == "vehicle.truck"
            || name == "vehicle.trailer"
            || name.starts_with("vehicle.construction")
        {
            ActorClass::Truck
        } else if name.starts_with("vehicle.") {
            ActorClass::Car
        } else {
            ActorClass::Obstacle
        }
    }

    /// The nuScenes category a synthetic or inserted actor of this class is written as.
    pub fn default_category(self) -> &'static str {
        match self {
            ActorClass::Car => "vehicle.car",
            ActorClass::Truck => "vehicle.truck",
            ActorClass::Bus => "vehicle.bus.rigid",
            ActorClass::Pedestrian => "human.pedestrian.adult",
            ActorClass::Cyclist => "vehicle.bicycle",
            ActorClass::Obstacle => "movable_object.barrier",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActorClass::Car => "car",
            ActorClass::Truck => "truck",
            ActorClass::Bus => "bus",
            ActorClass::Pedestrian => "pedestrian",
            ActorClass::Cyclist => "cyclist",
            ActorClass::Obstacle => "obstacle",
        }
    }

    pub fn parse(s: &str) -> Option<ActorClass> {
        ActorClass::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A rigid pose in the global frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    pub translation: DVec3,
    pub rotation: DQuat,
}

impl Pose {
    pub fn yaw(&self) -> f64 {
        yaw_of(self.rotation)
    }
    pub fn xy(&self) -> DVec2 {
        self.translation.truncate()
    }
}

/// A pose at a time (microseconds, the nuScenes clock).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimedPose {
    pub timestamp_us: i64,
    pub pose: Pose,
}

/// Interpolate a time-sorted pose track at `t_us`: centre linearly, rotation by slerp (the
/// devkit's `box_velocity`/`get_box` convention). `None` outside the track's time span.
pub fn interpolate_track(track: &[TimedPose], t_us: i64) -> Option<Pose> {
    let first = track.first()?;
    let last = track.last()?;
    if t_us < first.timestamp_us || t_us > last.timestamp_us {
        return None;
    }
    let i = track.partition_point(|p| p.timestamp_us <= t_us);
    if i == 0 {
        return Some(first.pose);
    }
    if i >= track.len() {
        return Some(last.pose);
    }
    let a = &track[i - 1];
    let b = &track[i];
    let span = (b.timestamp_us - a.timestamp_us) as f64;
    let s = if span > 0.0 {
        (t_us - a.timestamp_us) as f64 / span
    } else {
        0.0
    };
    Some(Pose {
        translation: a.pose.translation.lerp(b.pose.translation, s),
        rotation: a.pose.rotation.slerp(b.pose.rotation, s),
    })
}

/// An actor's logged track: one nuScenes instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorTrack {
    pub instance_token: String,
    /// nuScenes category name, e.g. `vehicle.car`.
    pub category: String,
    pub class: ActorClass,
    /// Box size (width, length, height) in metres, nuScenes order.
    pub size_wlh_m: DVec3,
    /// Keyframe poses (box centre), time sorted.
    pub keyframes: Vec<TimedPose>,
    /// Attribute names per keyframe (same length as `keyframes`).
    pub attributes: Vec<Vec<String>>,
}

impl ActorTrack {
    /// Box centre pose at `t_us`, interpolated between keyframes; `None` outside the track.
    pub fn pose_at(&self, t_us: i64) -> Option<Pose> {
        interpolate_track(&self.keyframes, t_us)
    }
    pub fn width_m(&self) -> f64 {
        self.size_wlh_m.x
    }
    pub fn length_m(&self) -> f64 {
        self.size_wlh_m.y
    }
    pub fn height_m(&self) -> f64 {
        self.size_wlh_m.z
    }
}

/// One calibrated camera of the rig.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    /// CAM_FRONT, CAM_FRONT_LEFT, ...
    pub channel: String,
    pub width_px: u32,
    pub height_px: u32,
    /// Pinhole intrinsics K (pixels), undistorted images.
    pub intrinsic: DMat3,
    /// Camera (x right, y down, z forward) to ego (x forward, y left, z up, rear axle).
    pub ego_from_camera: Pose,
}

/// The six-camera rig plus the lidar (HUGSIM's plan frame and `l2c` need it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraRig {
    /// In the order of `CAMERA_CHANNELS`.
    pub cameras: Vec<Camera>,
    pub ego_from_lidar: Pose,
}

/// nuScenes camera channels in rig order.
pub const CAMERA_CHANNELS: [&str; 6] = [
    "CAM_FRONT",
    "CAM_FRONT_RIGHT",
    "CAM_FRONT_LEFT",
    "CAM_BACK",
    "CAM_BACK_LEFT",
    "CAM_BACK_RIGHT",
];

/// Polygons with holes live in the core geometry module (one Polygon for the whole crate).
pub use crate::geometry::Polygon;

/// A sampled lane centreline point: position and heading.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CentrelinePoint {
    pub xy: DVec2,
    pub yaw: f64,
}

/// A lane or lane connector of the lane graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub token: String,
    /// Lane connectors join lanes through intersections.
    pub is_connector: bool,
    /// Lane area; empty for connectors without a polygon.
    pub polygon: Polygon,
    /// Discretised from arcline_path_3 at <= 0.5 m spacing.
    pub centreline: Vec<CentrelinePoint>,
    /// Indices into `MapData::lanes`.
    pub incoming: Vec<usize>,
    pub outgoing: Vec<usize>,
}

/// How a painted line looks along one stretch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStyle {
    Dashed,
    Solid,
    DoubleSolid,
    None,
}

impl LineStyle {
    /// From a nuScenes `segment_type` string.
    pub fn from_segment_type(s: &str) -> LineStyle {
        if s == "NIL" || s.is_empty() {
            LineStyle::None
        } else if s.contains("DASHED") || s.contains("ZIGZAG") {
            LineStyle::Dashed
        } else if s.starts_with("DOUBLE") {
            LineStyle::DoubleSolid
        } else {
            LineStyle::Solid
        }
    }
}

/// A painted divider: polyline plus the style from each point to the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Divider {
    pub points: Vec<DVec2>,
    /// `styles[i]` applies from `points[i]` to `points[i + 1]`; same length as `points`.
    pub styles: Vec<LineStyle>,
}

/// The map of one location (shared by every scene there through an `Arc`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapData {
    pub location: Location,
    /// [width, height] in metres.
    pub canvas_edge_m: [f64; 2],
    pub drivable_areas: Vec<Polygon>,
    /// Road segments, with whether each is an intersection.
    pub road_segments: Vec<(Polygon, bool)>,
    pub lanes: Vec<Lane>,
    /// Lane token to index in `lanes`.
    pub lane_index: BTreeMap<String, usize>,
    pub road_dividers: Vec<Divider>,
    pub lane_dividers: Vec<Divider>,
    pub ped_crossings: Vec<Polygon>,
    pub walkways: Vec<Polygon>,
    pub stop_lines: Vec<Polygon>,
    pub carpark_areas: Vec<Polygon>,
}

/// How far beyond `MapData::extent_m` a position may lie and still count as on the map:
/// room for a scenario's approach or a pose logged just past the map's last polygon, while a
/// pose kilometres away (a unit or frame mistake) is refused.
pub const MAP_MARGIN_M: f64 = 500.0;

impl MapData {
    /// The map's extent (min, max corners): the canvas `[0, w] x [0, h]` joined with the box
    /// around every polygon, centreline and divider point (maps whose geometry spills off the
    /// canvas, or built in code without one, still cover their geometry).
    pub fn extent_m(&self) -> (DVec2, DVec2) {
        let mut min = DVec2::ZERO;
        let mut max = DVec2::new(self.canvas_edge_m[0], self.canvas_edge_m[1]);
        let mut add = |p: DVec2| {
            if p.is_finite() {
                min = min.min(p);
                max = max.max(p);
            }
        };
        let polygons = self
            .drivable_areas
            .iter()
            .chain(self.road_segments.iter().map(|(p, _)| p))
            .chain(self.ped_crossings.iter())
            .chain(self.walkways.iter())
            .chain(self.stop_lines.iter())
            .chain(self.carpark_areas.iter())
            .chain(self.lanes.iter().map(|l| &l.polygon));
        for p in polygons {
            p.exterior.iter().copied().for_each(&mut add);
        }
        for l in &self.lanes {
            l.centreline.iter().for_each(|c| add(c.xy));
        }
        for d in self.road_dividers.iter().chain(self.lane_dividers.iter()) {
            d.points.iter().copied().for_each(&mut add);
        }
        (min, max)
    }

    /// The extent grown by `MAP_MARGIN_M` on every side: where positions may lie.
    pub fn allowed_area_m(&self) -> (DVec2, DVec2) {
        let (min, max) = self.extent_m();
        let m = DVec2::splat(MAP_MARGIN_M);
        (min - m, max + m)
    }
}

/// Whether `p` lies in the box `area` (min, max corners; edges included).
pub fn in_area(area: (DVec2, DVec2), p: DVec2) -> bool {
    p.cmpge(area.0).all() && p.cmple(area.1).all()
}

/// One loaded scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    pub token: String,
    pub name: String,
    pub description: String,
    pub log_token: String,
    pub logfile: String,
    pub vehicle: String,
    pub date_captured: String,
    pub location: Location,
    pub map: Arc<MapData>,
    /// Keyframe (sample) timestamps, microseconds, sorted.
    pub sample_timestamps_us: Vec<i64>,
    /// Ego pose at each keyframe's LIDAR_TOP sample_data (rear axle, global frame).
    pub ego_track: Vec<TimedPose>,
    pub actors: Vec<ActorTrack>,
    pub rig: CameraRig,
}

impl Scene {
    pub fn start_us(&self) -> i64 {
        self.ego_track.first().map_or(0, |p| p.timestamp_us)
    }
    pub fn end_us(&self) -> i64 {
        self.ego_track.last().map_or(0, |p| p.timestamp_us)
    }
    pub fn duration_secs(&self) -> f64 {
        (self.end_us() - self.start_us()) as f64 * 1e-6
    }
    /// Logged ego pose at `t_us` (interpolated).
    pub fn ego_pose_at(&self, t_us: i64) -> Option<Pose> {
        interpolate_track(&self.ego_track, t_us)
    }
    /// Length of the logged ego path in metres.
    pub fn route_length_m(&self) -> f64 {
        self.ego_track
            .windows(2)
            .map(|w| w[0].pose.xy().distance(w[1].pose.xy()))
            .sum()
    }
}

/// Something odd but recoverable found while loading, returned beside the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadWarning {
    /// File the oddity is in.
    pub file: String,
    /// Record token (or key) it concerns.
    pub token: String,
    pub message: String,
}

impl std::fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: record {}: {}", self.file, self.token, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quaternion_order_round_trips() {
        let q = DQuat::from_rotation_z(0.7);
        let wxyz = quat_to_wxyz(q);
        assert!((wxyz[0] - (0.35f64).cos()).abs() < 1e-12);
        assert!(quat_from_wxyz(wxyz).abs_diff_eq(q, 1e-12));
        assert!((yaw_of(q) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn track_interpolates_linearly_and_slerps() {
        let p = |t, x, yaw: f64| TimedPose {
            timestamp_us: t,
            pose: Pose {
                translation: DVec3::new(x, 0.0, 0.0),
                rotation: DQuat::from_rotation_z(yaw),
            },
        };
        let track = [p(0, 0.0, 0.0), p(500_000, 10.0, 1.0)];
        let mid = interpolate_track(&track, 250_000).unwrap();
        assert!((mid.translation.x - 5.0).abs() < 1e-12);
        assert!((mid.yaw() - 0.5).abs() < 1e-12);
        assert!(interpolate_track(&track, -1).is_none());
        assert!(interpolate_track(&track, 500_001).is_none());
        assert_eq!(
            interpolate_track(&track, 500_000).unwrap().translation.x,
            10.0
        );
    }

    #[test]
    fn wrap_angle_stays_in_range() {
        for a in [-10.0, -3.2, 0.0, 3.2, 10.0, std::f64::consts::PI] {
            let w = wrap_angle(a);
            assert!(w > -std::f64::consts::PI - 1e-12 && w <= std::f64::consts::PI + 1e-12);
            assert!(
                ((w - a) / std::f64::consts::TAU).fract().abs() < 1e-9
                    || ((w - a) / std::f64::consts::TAU).fract().abs() > 1.0 - 1e-9
            );
        }
    }
}
