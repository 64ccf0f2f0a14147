//! The map expansion becomes MapData: lanes and connectors with 0.5 m centrelines and the
//! lane graph as indices, polygons with holes, dividers with styles; oddities are warnings and
//! a map below version 1.3 is an error.

use crate::common;

use common::{write_default, write_with};
use glam::DVec2;
use mpa_sim::scene::SceneError;
use mpa_sim::scene::model::{LineStyle, Location};
use mpa_sim::scene::nuscenes::fixture::CONNECTOR_LENGTH_M;
use mpa_sim::scene::nuscenes::{self as ns, CENTRELINE_RESOLUTION_M};
use std::f64::consts::FRAC_PI_2;

#[test]
fn lanes_connectors_and_graph() {
    let w = write_default();
    let loaded = ns::load_map(w.root(), Location::SingaporeOnenorth).expect("loads");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let map = loaded.value;
    assert_eq!(map.canvas_edge_m, [100.0, 80.0]);
    let tokens: Vec<_> = map
        .lanes
        .iter()
        .map(|l| (l.token.as_str(), l.is_connector))
        .collect();
    assert_eq!(
        tokens,
        [("lane-a", false), ("lane-b", false), ("conn-ab", true)]
    );
    let (a, b, c) = (
        map.lane_index["lane-a"],
        map.lane_index["lane-b"],
        map.lane_index["conn-ab"],
    );
    assert_eq!(
        (map.lanes[a].incoming.clone(), map.lanes[a].outgoing.clone()),
        (vec![], vec![c])
    );
    assert_eq!(
        (map.lanes[c].incoming.clone(), map.lanes[c].outgoing.clone()),
        (vec![a], vec![b])
    );
    assert_eq!(
        (map.lanes[b].incoming.clone(), map.lanes[b].outgoing.clone()),
        (vec![c], vec![])
    );

    let ends = [
        (
            "lane-a",
            DVec2::new(0.0, 0.0),
            DVec2::new(20.0, 0.0),
            0.0,
            0.0,
            20.0,
        ),
        (
            "conn-ab",
            DVec2::new(20.0, 0.0),
            DVec2::new(30.0, 10.0),
            0.0,
            FRAC_PI_2,
            CONNECTOR_LENGTH_M,
        ),
        (
            "lane-b",
            DVec2::new(30.0, 10.0),
            DVec2::new(30.0, 30.0),
            FRAC_PI_2,
            FRAC_PI_2,
            20.0,
        ),
    ];
    for (token, start, end, yaw0, yaw1, length) in ends {
        let line = &map.lanes[map.lane_index[token]].centreline;
        let (first, last) = (line.first().expect("points"), line.last().expect("points"));
        assert!(
            first.xy.abs_diff_eq(start, 1e-9),
            "{token} start {:?}",
            first.xy
        );
        assert!(last.xy.abs_diff_eq(end, 1e-9), "{token} end {:?}", last.xy);
        assert!((first.yaw - yaw0).abs() < 1e-9 && (last.yaw - yaw1).abs() < 1e-9);
        // Evenly spaced along the path: ceil(L / 0.5) steps.
        assert_eq!(
            line.len(),
            (length / CENTRELINE_RESOLUTION_M).ceil() as usize + 1
        );
        for pair in line.windows(2) {
            let d = pair[0].xy.distance(pair[1].xy);
            assert!(
                d <= CENTRELINE_RESOLUTION_M + 1e-9 && d > 0.1,
                "{token}: spacing {d}"
            );
        }
        // Every connector point lies on the circle of radius 10 about (20, 10).
        if token == "conn-ab" {
            for p in line {
                assert!((p.xy.distance(DVec2::new(20.0, 10.0)) - 10.0).abs() < 1e-9);
            }
        }
    }
    assert_eq!(map.lanes[a].polygon.exterior.len(), 4);
}

#[test]
fn polygons_dividers_and_layers() {
    let w = write_default();
    let map = ns::load_map(w.root(), Location::BostonSeaport)
        .expect("loads")
        .value;
    assert_eq!(map.drivable_areas.len(), 1);
    let da = &map.drivable_areas[0];
    assert_eq!(
        da.exterior,
        [
            DVec2::new(-5.0, -5.0),
            DVec2::new(40.0, -5.0),
            DVec2::new(40.0, 40.0),
            DVec2::new(-5.0, 40.0)
        ]
    );
    assert_eq!(da.holes.len(), 1);
    assert_eq!(da.holes[0].len(), 3);
    assert_eq!(map.road_segments.len(), 1);
    assert!(map.road_segments[0].1, "is_intersection");
    assert_eq!(map.road_dividers.len(), 1);
    assert_eq!(map.road_dividers[0].styles, [LineStyle::Solid; 2]);
    assert_eq!(map.lane_dividers[0].points.len(), 3);
    assert_eq!(
        map.lane_dividers[0].styles,
        [LineStyle::Dashed, LineStyle::Solid, LineStyle::Solid]
    );
    assert_eq!(
        (
            map.ped_crossings.len(),
            map.walkways.len(),
            map.stop_lines.len(),
            map.carpark_areas.len()
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(map.carpark_areas[0].exterior[0], DVec2::new(-20.0, -20.0));
}

#[test]
fn lane_without_connectivity_or_arcline_is_a_warning() {
    let w = write_with(|f| {
        for m in f.maps.values_mut() {
            m.connectivity.remove("lane-b");
            m.arcline_path_3.insert("lane-a".into(), Vec::new());
            if let Some(c) = m.connectivity.get_mut("conn-ab") {
                c.outgoing.push("no-such-lane".into());
            }
        }
    });
    let loaded = ns::load_map(w.root(), Location::SingaporeOnenorth).expect("loads");
    let text: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 3, "{text:?}");
    assert!(
        text.iter()
            .any(|t| t.contains("lane-a") && t.contains("empty centreline"))
    );
    assert!(
        text.iter()
            .any(|t| t.contains("lane-b") && t.contains("no connectivity"))
    );
    assert!(
        text.iter()
            .any(|t| t.contains("conn-ab") && t.contains("no-such-lane"))
    );
    let map = loaded.value;
    assert!(map.lanes[map.lane_index["lane-a"]].centreline.is_empty());
    // Scene loading passes the map's warnings on.
    let scene = ns::load_scene(w.root(), common::VERSION, "scene-0001").expect("loads");
    assert_eq!(scene.warnings.len(), 3);
}

#[test]
fn old_map_version_and_bad_arcline_are_errors() {
    let w = write_with(|f| {
        f.maps.get_mut("singapore-onenorth").expect("map").version = "1.2".into();
        let boston = f.maps.get_mut("boston-seaport").expect("map");
        boston.arcline_path_3.get_mut("conn-ab").expect("arcline")[0].shape = "LXL".into();
    });
    let err = ns::load_map(w.root(), Location::SingaporeOnenorth)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("singapore-onenorth.json")
            && err.contains("`version`")
            && err.contains(">= 1.3"),
        "{err}"
    );
    let err = ns::load_map(w.root(), Location::BostonSeaport)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("boston-seaport.json")
            && err.contains("conn-ab")
            && err.contains("arcline_path_3[0].shape"),
        "{err}"
    );
    let missing = ns::load_map(w.root(), Location::SingaporeQueenstown).unwrap_err();
    assert!(
        matches!(missing, SceneError::MissingMap { .. }),
        "{missing}"
    );
}

#[test]
fn dangling_node_names_polygon_and_field() {
    let w = write_with(|f| {
        let m = f.maps.get_mut("boston-seaport").expect("map");
        m.polygon[0].exterior_node_tokens[1] = "ffffffffffffffffffffffffffffffff".into();
    });
    let token = w.fixture.maps["boston-seaport"].polygon[0].token.clone();
    let err = ns::load_map(w.root(), Location::BostonSeaport)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&token)
            && err.contains("exterior_node_tokens")
            && err.contains("node token ffffffff"),
        "{err}"
    );
}

#[test]
fn null_and_missing_reference_fields_of_real_maps_load() {
    // Real map files leave some links null (nuscenes-devkit issue #1183) or out.
    let w = write_default();
    let path = w.map_file("boston-seaport");
    let text = std::fs::read_to_string(&path).expect("read");
    let conn_poly = &w.fixture.maps["boston-seaport"].lane_connector[0].polygon_token;
    let text = text
        .replace(
            "\"road_segment_token\": \"\"",
            "\"road_segment_token\": null",
        )
        .replace(
            &format!("\"polygon_token\": \"{conn_poly}\""),
            "\"polygon_token\": null",
        )
        .replace("\"drivable_area_token\"", "\"renamed_away\"");
    assert!(text.contains("\"road_segment_token\": null") && !text.contains("drivable_area_token"));
    std::fs::write(&path, text).expect("write");
    let map = ns::load_map(w.root(), Location::BostonSeaport)
        .expect("loads")
        .value;
    let conn = &map.lanes[map.lane_index["conn-ab"]];
    assert!(
        conn.polygon.exterior.is_empty(),
        "a null connector polygon is no polygon"
    );
    assert!(!conn.centreline.is_empty());
}
