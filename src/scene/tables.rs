//! Raw nuScenes records, field for field as `docs/schema_nuscenes.md` and the map expansion
//! (`map_api.py`, version 1.3) define them. Both the loader and the synthetic writer use these
//! structs, so what we write is exactly what we read.
//!
//! Quaternions stay in the file order (w, x, y, z) here; `scene::model` converts them once.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The 13 tables of a nuScenes version folder, in the order the loader reads them.
pub const TABLE_NAMES: [&str; 13] = [
    "attribute",
    "calibrated_sensor",
    "category",
    "ego_pose",
    "instance",
    "log",
    "map",
    "sample",
    "sample_annotation",
    "sample_data",
    "scene",
    "sensor",
    "visibility",
];

/// The four locations the devkit's map API accepts.
pub const LOCATIONS: [&str; 4] = [
    "singapore-onenorth",
    "singapore-hollandvillage",
    "singapore-queenstown",
    "boston-seaport",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    pub token: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibratedSensor {
    pub token: String,
    pub sensor_token: String,
    pub translation: Vec<f64>,
    pub rotation: Vec<f64>,
    /// 3x3 row-major rows for cameras, `[]` otherwise.
    pub camera_intrinsic: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub token: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EgoPose {
    pub token: String,
    pub timestamp: i64,
    pub rotation: Vec<f64>,
    pub translation: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub token: String,
    pub category_token: String,
    pub nbr_annotations: u32,
    pub first_annotation_token: String,
    pub last_annotation_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    pub token: String,
    pub logfile: String,
    pub vehicle: String,
    pub date_captured: String,
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRecord {
    pub token: String,
    pub log_tokens: Vec<String>,
    pub category: String,
    pub filename: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub token: String,
    pub timestamp: i64,
    pub prev: String,
    pub next: String,
    pub scene_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleAnnotation {
    pub token: String,
    pub sample_token: String,
    pub instance_token: String,
    pub visibility_token: String,
    pub attribute_tokens: Vec<String>,
    pub translation: Vec<f64>,
    /// (width, length, height) in metres.
    pub size: Vec<f64>,
    pub rotation: Vec<f64>,
    pub prev: String,
    pub next: String,
    pub num_lidar_pts: i64,
    pub num_radar_pts: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleData {
    pub token: String,
    pub sample_token: String,
    pub ego_pose_token: String,
    pub calibrated_sensor_token: String,
    pub timestamp: i64,
    pub fileformat: String,
    pub is_key_frame: bool,
    pub height: u32,
    pub width: u32,
    pub filename: String,
    pub prev: String,
    pub next: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneRecord {
    pub token: String,
    pub log_token: String,
    pub nbr_samples: u32,
    pub first_sample_token: String,
    pub last_sample_token: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensor {
    pub token: String,
    pub channel: String,
    pub modality: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visibility {
    pub token: String,
    pub level: String,
    pub description: String,
}

// ---------------------------------------------------------------------------------------------
// Map expansion (maps/expansion/<location>.json, version 1.3)
// ---------------------------------------------------------------------------------------------

/// Reference fields the real map files sometimes leave `null` or out (e.g. every road_block
/// polygon_token of singapore-queenstown, nuscenes-devkit issue #1183; ped_crossing
/// road_segment_token) read as `""`, the table's "no link" value. Written back as strings.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapNode {
    pub token: String,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapLine {
    pub token: String,
    pub node_tokens: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapHole {
    pub node_tokens: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPolygon {
    pub token: String,
    pub exterior_node_tokens: Vec<String>,
    pub holes: Vec<MapHole>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrivableArea {
    pub token: String,
    pub polygon_tokens: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadSegment {
    pub token: String,
    pub polygon_token: String,
    pub is_intersection: bool,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub drivable_area_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadBlock {
    pub token: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub polygon_token: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub from_edge_line_token: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub to_edge_line_token: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub road_segment_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DividerSegment {
    pub node_token: String,
    /// e.g. "DOUBLE_DASHED_WHITE", "SINGLE_SOLID_WHITE", "SINGLE_ZIGZAG_WHITE", "NIL".
    pub segment_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapLane {
    pub token: String,
    pub polygon_token: String,
    pub lane_type: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub from_edge_line_token: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub to_edge_line_token: String,
    pub left_lane_divider_segments: Vec<DividerSegment>,
    pub right_lane_divider_segments: Vec<DividerSegment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PedCrossing {
    pub token: String,
    pub polygon_token: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub road_segment_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Walkway {
    pub token: String,
    pub polygon_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopLine {
    pub token: String,
    pub polygon_token: String,
    /// "PED_CROSSING", "TURN_STOP", "TRAFFIC_LIGHT", "STOP_SIGN", "YIELD".
    pub stop_line_type: String,
    pub ped_crossing_tokens: Vec<String>,
    pub traffic_light_tokens: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub road_block_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarparkArea {
    pub token: String,
    pub polygon_token: String,
    pub orientation: f64,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub road_block_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadDivider {
    pub token: String,
    pub line_token: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub road_segment_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneDivider {
    pub token: String,
    pub line_token: String,
    pub lane_divider_segments: Vec<DividerSegment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelPose {
    pub tx: f64,
    pub ty: f64,
    pub tz: f64,
    pub rx: f64,
    pub ry: f64,
    pub rz: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrafficLightItem {
    pub color: String,
    pub shape: String,
    pub rel_pos: RelPose,
    pub to_road_block_tokens: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrafficLight {
    pub token: String,
    pub line_token: String,
    pub traffic_light_type: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub from_road_block_token: String,
    pub items: Vec<TrafficLightItem>,
    pub pose: RelPose,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneConnector {
    pub token: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub polygon_token: String,
}

/// One arcline path: two arcs joined by a straight (Dubins-style), `shape` three letters of
/// L, S, R; `segment_length` the length of each of the three parts in metres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArclinePath {
    /// [x, y, yaw] in the global frame, yaw in radians.
    pub start_pose: Vec<f64>,
    pub end_pose: Vec<f64>,
    pub shape: String,
    pub radius: f64,
    pub segment_length: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connectivity {
    pub incoming: Vec<String>,
    pub outgoing: Vec<String>,
}

/// A whole `maps/expansion/<location>.json`. Layer order follows the devkit's `non_geometric_layers`
/// and `geometric_layers`. BTreeMaps keep written files (and iteration) deterministic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapExpansion {
    pub version: String,
    /// [width, height] of the map canvas in metres.
    pub canvas_edge: Vec<f64>,
    pub polygon: Vec<MapPolygon>,
    pub line: Vec<MapLine>,
    pub node: Vec<MapNode>,
    pub drivable_area: Vec<DrivableArea>,
    pub road_segment: Vec<RoadSegment>,
    pub road_block: Vec<RoadBlock>,
    pub lane: Vec<MapLane>,
    pub ped_crossing: Vec<PedCrossing>,
    pub walkway: Vec<Walkway>,
    pub stop_line: Vec<StopLine>,
    pub carpark_area: Vec<CarparkArea>,
    pub road_divider: Vec<RoadDivider>,
    pub lane_divider: Vec<LaneDivider>,
    pub traffic_light: Vec<TrafficLight>,
    pub lane_connector: Vec<LaneConnector>,
    pub arcline_path_3: BTreeMap<String, Vec<ArclinePath>>,
    pub connectivity: BTreeMap<String, Connectivity>,
}
