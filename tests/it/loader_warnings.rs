//! Recoverable oddities load, with a warning naming file and record beside the scene.

use crate::common;

use common::{VERSION, write_with};
use mpa_sim::scene::nuscenes as ns;

fn warnings_of(w: &common::Written, scene: &str) -> Vec<String> {
    let loaded = ns::load_scene(w.root(), VERSION, scene).expect("loads despite oddities");
    loaded.warnings.iter().map(ToString::to_string).collect()
}

#[test]
fn car_annotation_without_attributes() {
    let w = write_with(|f| f.sample_annotation[2].attribute_tokens.clear());
    let text = warnings_of(&w, "scene-0001");
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(
        text[0].contains("sample_annotation.json")
            && text[0].contains(&w.fixture.sample_annotation[2].token)
    );
    assert!(text[0].contains("vehicle.car has no attributes"));
}

#[test]
fn missing_camera_channel_leaves_it_out_of_the_rig() {
    let w = write_with(|f| {
        let back = f
            .sensor
            .iter()
            .position(|s| s.channel == "CAM_BACK")
            .expect("CAM_BACK");
        let cs = f.calibrated_sensor[back].token.clone();
        let first = f.sample[0].token.clone();
        f.sample_data
            .retain(|sd| !(sd.calibrated_sensor_token == cs && sd.sample_token == first));
    });
    let loaded = ns::load_scene(w.root(), VERSION, "scene-0001").expect("loads");
    let channels: Vec<_> = loaded
        .value
        .rig
        .cameras
        .iter()
        .map(|c| c.channel.as_str())
        .collect();
    assert_eq!(
        channels,
        [
            "CAM_FRONT",
            "CAM_FRONT_RIGHT",
            "CAM_FRONT_LEFT",
            "CAM_BACK_LEFT",
            "CAM_BACK_RIGHT"
        ]
    );
    assert_eq!(loaded.warnings.len(), 1);
    assert!(loaded.warnings[0].message.contains("CAM_BACK"));
    assert_eq!(loaded.warnings[0].token, w.fixture.sample[0].token);
}

#[test]
fn counts_and_timestamps_that_disagree() {
    let w = write_with(|f| {
        f.scene[0].nbr_samples = 9;
        f.instance[0].nbr_annotations = 1;
        f.sample[1].timestamp += 7;
        f.sample_annotation[0].rotation = vec![2.0, 0.0, 0.0, 0.0];
    });
    let text = warnings_of(&w, "scene-0001");
    assert_eq!(text.len(), 4, "{text:?}");
    assert!(text.iter().any(|t| t.contains("nbr_samples is 9")));
    assert!(text.iter().any(|t| t.contains("nbr_annotations is 1")));
    assert!(
        text.iter()
            .any(|t| t.contains("differs from its LIDAR_TOP"))
    );
    assert!(text.iter().any(|t| t.contains("quaternion norm 2")));
}

#[test]
fn records_off_their_lists_are_reported() {
    let w = write_with(|f| {
        // Instance 0's list stops one annotation early; the scene's list skips sample 4.
        f.instance[0].last_annotation_token = f.sample_annotation[3].token.clone();
        f.sample_annotation[3].next = String::new();
        f.scene[0].last_sample_token = f.sample[3].token.clone();
        f.sample[3].next = String::new();
    });
    let text = warnings_of(&w, "scene-0001");
    let orphan_ann = &w.fixture.sample_annotation[4].token;
    let orphan_sample = &w.fixture.sample[4].token;
    assert!(
        text.iter()
            .any(|t| t.contains(orphan_ann.as_str()) && t.contains("no instance's prev/next list")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains(orphan_sample.as_str()) && t.contains("not on its prev/next list")),
        "{text:?}"
    );
}

/// The map-expansion tokens of the fixture's drivable-area polygon in scene-0001's map, after
/// `edit` has changed that polygon's exterior node list.
fn write_with_drivable_exterior(edit: impl Fn(&mut Vec<String>)) -> (common::Written, String) {
    let mut polygon_token = String::new();
    let w = write_with(|f| {
        for map in f.maps.values_mut() {
            let token = map.drivable_area[0].polygon_tokens[0].clone();
            let poly = map
                .polygon
                .iter_mut()
                .find(|p| p.token == token)
                .expect("drivable polygon");
            edit(&mut poly.exterior_node_tokens);
            polygon_token = token;
        }
    });
    (w, polygon_token)
}

#[test]
fn two_node_polygon_is_named_in_a_warning() {
    let (w, token) = write_with_drivable_exterior(|nodes| nodes.truncate(2));
    let text = warnings_of(&w, "scene-0001");
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(
        text[0].contains(".json")
            && text[0].contains(&token)
            && text[0].contains("exterior_node_tokens")
            && text[0].contains("2 distinct node(s)"),
        "{text:?}"
    );
}

#[test]
fn self_intersecting_polygon_is_named_in_a_warning() {
    // The rectangle's corners 0 1 2 3 become 0 2 1 3: a bow tie.
    let (w, token) = write_with_drivable_exterior(|nodes| nodes.swap(1, 2));
    let text = warnings_of(&w, "scene-0001");
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(
        text[0].contains(&token) && text[0].contains("crosses itself"),
        "{text:?}"
    );
}
