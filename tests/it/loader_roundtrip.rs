//! Loading the fixture gives back every value it was built from: ego track, actor tracks
//! (quaternion order, size order w, l, h, attributes, interpolation), camera rig, log fields,
//! and one shared map per location.

use crate::common;

use common::{VERSION, write_default};
use glam::{DQuat, DVec3};
use mpa_sim::scene::model::{ActorClass, CAMERA_CHANNELS, Location, yaw_of};
use mpa_sim::scene::nuscenes::fixture::{
    self, BASE_TIMESTAMP_US, FixtureParams, actor_box_at, camera_intrinsic, camera_mount,
    ego_pose_at,
};
use mpa_sim::scene::nuscenes::{self as ns, LoadOptions, TableReader};
use std::sync::Arc;

/// Written with ryu and read back with float_roundtrip: values come back to the last bit;
/// quaternions are renormalised, which moves them by at most a few ulps.
const EPS: f64 = 1e-12;

fn assert_quat(a: DQuat, b: DQuat) {
    assert!(
        a.abs_diff_eq(b, EPS) || a.abs_diff_eq(-b, EPS),
        "{a:?} vs {b:?}"
    );
}

#[test]
fn scene_names_in_file_order() {
    let w = write_default();
    let names = ns::scene_names(w.root(), VERSION).expect("names");
    assert_eq!(
        names,
        ["scene-0001", "scene-0002", "scene-0003", "scene-0004"]
    );
}

#[test]
fn one_scene_round_trips() {
    let w = write_default();
    let p = FixtureParams::default();
    let loaded = ns::load_scene(w.root(), VERSION, "scene-0002").expect("loads");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let scene = loaded.value;
    let rec = &w.fixture.scene[1];
    assert_eq!(scene.token, rec.token);
    assert_eq!(scene.description, rec.description);
    assert_eq!(scene.location, Location::SingaporeOnenorth);
    let log = &w.fixture.log[0];
    assert_eq!(
        (
            &scene.log_token,
            &scene.logfile,
            &scene.vehicle,
            &scene.date_captured
        ),
        (&log.token, &log.logfile, &log.vehicle, &log.date_captured)
    );

    // Ego track: the LIDAR_TOP keyframe's ego pose at each 2 Hz sample.
    let t0 = BASE_TIMESTAMP_US + 100_000_000;
    assert_eq!(scene.ego_track.len(), p.samples_per_scene);
    for (i, tp) in scene.ego_track.iter().enumerate() {
        let t_us = t0 + 500_000 * i as i64;
        assert_eq!(scene.sample_timestamps_us[i], t_us);
        assert_eq!(tp.timestamp_us, t_us);
        let (t, r) = ego_pose_at(1, 0.5 * i as f64);
        assert!(tp.pose.translation.abs_diff_eq(t, EPS));
        assert_quat(tp.pose.rotation, r);
    }
    assert!((scene.duration_secs() - 0.5 * (p.samples_per_scene - 1) as f64).abs() < 1e-9);

    // Actors in instance-file order, keyframes from sample k % 2 on.
    assert_eq!(scene.actors.len(), p.instances_per_scene);
    let classes = [
        ActorClass::Car,
        ActorClass::Pedestrian,
        ActorClass::Obstacle,
    ];
    let attrs = [
        vec!["vehicle.moving".to_string()],
        vec!["pedestrian.standing".to_string()],
        vec![],
    ];
    for (k, actor) in scene.actors.iter().enumerate() {
        assert_eq!(
            actor.instance_token,
            fixture::token("instance", &[1, k as u64])
        );
        assert_eq!(actor.class, classes[k % 3]);
        let first = k % 2;
        assert_eq!(actor.keyframes.len(), p.samples_per_scene - first);
        let (_, _, size) = actor_box_at(1, k, 0.0);
        assert_eq!(actor.size_wlh_m, DVec3::from_array(size));
        assert!(actor.width_m() < actor.length_m(), "w, l, h order");
        for (j, kf) in actor.keyframes.iter().enumerate() {
            let i = first + j;
            assert_eq!(kf.timestamp_us, t0 + 500_000 * i as i64);
            let (c, r, _) = actor_box_at(1, k, 0.5 * i as f64);
            assert!(kf.pose.translation.abs_diff_eq(c, EPS));
            assert_quat(kf.pose.rotation, r);
            // A swapped quaternion order would give another yaw.
            assert!(
                (yaw_of(kf.pose.rotation) - (0.1 * k as f64 + 0.05 * 0.5 * i as f64)).abs() < 1e-9
            );
            assert_eq!(actor.attributes[j], attrs[k % 3]);
        }
        // Interpolation halfway between keyframes 1 and 2: centre and yaw are linear in time.
        let t_mid = t0 + 750_000 + 500_000 * first as i64;
        let pose = actor.pose_at(t_mid).expect("inside the track");
        let (c, r, _) = actor_box_at(1, k, 0.75 + 0.5 * first as f64);
        assert!(pose.translation.abs_diff_eq(c, 1e-9));
        assert!((pose.yaw() - yaw_of(r)).abs() < 1e-9);
        assert!(actor.pose_at(t0 - 1).is_none());
    }

    // Camera rig in CAMERA_CHANNELS order.
    assert_eq!(scene.rig.cameras.len(), 6);
    for (i, cam) in scene.rig.cameras.iter().enumerate() {
        assert_eq!(cam.channel, CAMERA_CHANNELS[i]);
        assert_eq!((cam.width_px, cam.height_px), (1600, 900));
        let k = camera_intrinsic(i);
        let principal = cam.intrinsic * DVec3::Z;
        assert_eq!(principal, DVec3::new(k[0][2], k[1][2], 1.0), "row-major K");
        assert_eq!(cam.intrinsic.x_axis.x, k[0][0]);
        let (t, r) = camera_mount(i);
        assert!(cam.ego_from_camera.translation.abs_diff_eq(t, EPS));
        assert_quat(cam.ego_from_camera.rotation, r);
        // The optical axis (camera z) of CAM_FRONT looks along ego x.
        if cam.channel == "CAM_FRONT" {
            assert!((cam.ego_from_camera.rotation * DVec3::Z).abs_diff_eq(DVec3::X, 1e-12));
        }
    }
    assert!(
        scene
            .rig
            .ego_from_lidar
            .translation
            .abs_diff_eq(DVec3::new(0.94 + 0.6, 0.0, 1.84), EPS)
    );
}

#[test]
fn load_all_shares_one_map_per_location_and_matches_load_scene() {
    let w = write_default();
    let all = ns::load_all(w.root(), VERSION).expect("loads");
    assert!(all.warnings.is_empty(), "{:?}", all.warnings);
    let scenes = all.value;
    assert_eq!(scenes.len(), 4);
    assert!(Arc::ptr_eq(&scenes[0].map, &scenes[1].map));
    assert!(Arc::ptr_eq(&scenes[2].map, &scenes[3].map));
    assert!(!Arc::ptr_eq(&scenes[0].map, &scenes[2].map));
    assert_eq!(scenes[2].location, Location::BostonSeaport);
    assert_eq!(scenes[2].map.location, Location::BostonSeaport);
    for s in &scenes {
        let one = ns::load_scene(w.root(), VERSION, &s.name)
            .expect("loads")
            .value;
        assert_eq!(&one, s);
    }
}

#[test]
fn every_reader_gives_the_same_scene() {
    let w = write_default();
    let a = ns::load_scene(w.root(), VERSION, "scene-0003")
        .expect("slice")
        .value;
    for (reader, prefilter) in [(TableReader::Buffered, true), (TableReader::Slice, false)] {
        let opts = LoadOptions { reader, prefilter };
        let b = ns::load_scene_with(w.root(), VERSION, "scene-0003", opts)
            .expect("loads")
            .value;
        assert_eq!(a, b, "{opts:?}");
    }
}

#[test]
fn escaped_tokens_fall_back_to_the_plain_path() {
    // A JSON escape in a filtered field defeats the borrowed pre-filter probe; the result
    // must not change.
    let w = write_default();
    let token = w.fixture.sample[0].scene_token.clone();
    let escaped = format!("\\u{:04x}{}", token.as_bytes()[0], &token[1..]);
    w.replace_in(
        "sample",
        &format!("\"scene_token\": \"{token}\""),
        &format!("\"scene_token\": \"{escaped}\""),
    );
    let a = ns::load_scene(w.root(), VERSION, "scene-0001")
        .expect("loads")
        .value;
    let opts = LoadOptions {
        reader: TableReader::Buffered,
        prefilter: false,
    };
    let b = ns::load_scene_with(w.root(), VERSION, "scene-0001", opts)
        .expect("loads")
        .value;
    assert_eq!(a, b);
    assert_eq!(
        a.ego_track.len(),
        FixtureParams::default().samples_per_scene
    );
}
