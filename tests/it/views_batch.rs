//! Batched views: K forks x C cameras in one submission give exactly the pixels of K single
//! renders; camera requests combine into one render that serves each consumer its cameras.
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use mpa_sim::episode::{frames::frame_of, views_batch};
use mpa_sim::render::{AdapterPreference, LocalViews, ViewProvider, ViewRequest};
use mpa_sim::rollout::episode::{SceneSource, cached_scene};
use mpa_sim::scene::scenario::ResolvedScenario;
use mpa_sim::world::{SimConfig, World};

fn request(channels: &[&str]) -> ViewRequest {
    ViewRequest {
        width_px: 96,
        height_px: 54,
        channels: channels.iter().map(|c| c.to_string()).collect(),
    }
}

#[test]
fn batched_pixels_equal_single_renders_exactly() {
    let scene = cached_scene(&SceneSource::default(), "scene-0004").unwrap();
    let scenario = ResolvedScenario::from_scene(scene);
    let config = SimConfig::default();
    // Three different states (ego and actors move between them).
    let worlds: Vec<World> = [0, 6, 13]
        .iter()
        .map(|&k| World::at_log_tick(&scenario, 0, &config, k).unwrap())
        .collect();
    let refs: Vec<&World> = worlds.iter().collect();
    let req = request(&[]);
    let mut provider = LocalViews::new(AdapterPreference::Auto).unwrap();
    let batched = views_batch(&mut provider, &refs, &req).unwrap();
    assert_eq!(batched.len(), 3);
    for (w, b) in worlds.iter().zip(&batched) {
        assert_eq!(b.cameras.len(), 6);
        let single = provider.views(&frame_of(w, &req)).unwrap();
        assert!(
            **b == *single,
            "a batched frame differs from its single render"
        );
    }
    // The frames differ from one another (so equality above is not trivially of one image).
    assert!(batched[0].cameras[0].rgb != batched[2].cameras[0].rgb);
}

#[test]
fn one_render_of_the_union_serves_three_and_six_camera_consumers() {
    let front = request(&["CAM_FRONT_LEFT", "CAM_FRONT", "CAM_FRONT_RIGHT"]);
    let back = request(&["CAM_BACK", "CAM_FRONT"]);
    let all = request(&[]);
    let u = front.union(&back).unwrap();
    assert_eq!(
        u.channels,
        ["CAM_FRONT_LEFT", "CAM_FRONT", "CAM_FRONT_RIGHT", "CAM_BACK"]
    );
    assert!(front.union(&all).unwrap().channels.is_empty());
    let other_size = ViewRequest {
        width_px: 64,
        ..front.clone()
    };
    assert!(front.union(&other_size).is_err());

    let scene = cached_scene(&SceneSource::default(), "scene-0004").unwrap();
    let world = World::at_log_tick(
        &ResolvedScenario::from_scene(scene),
        0,
        &SimConfig::default(),
        4,
    )
    .unwrap();
    let mut provider = LocalViews::new(AdapterPreference::Auto).unwrap();
    let six = provider.views(&frame_of(&world, &all)).unwrap();
    let three = six.select(&front).unwrap();
    let alone = provider.views(&frame_of(&world, &front)).unwrap();
    assert!(
        three == *alone,
        "selected cameras differ from a render of them alone"
    );
    assert!(six.select(&other_size).is_err());
    let missing = three.select(&back).unwrap_err().to_string();
    assert!(missing.contains("CAM_BACK"), "{missing}");
}

#[test]
fn renderers_kept_per_scene_give_the_pixels_of_a_fresh_renderer() {
    // Alternating between more scenes than the cache holds: every frame equals the same frame
    // from a provider that never rendered anything else.
    let names = [
        "scene-0004",
        "scene-0005",
        "scene-0006",
        "scene-0007",
        "scene-0008",
    ];
    let req = request(&["CAM_FRONT"]);
    let frames: Vec<_> = names
        .iter()
        .map(|n| {
            let scene = cached_scene(&SceneSource::default(), n).unwrap();
            let world = World::at_log_tick(
                &ResolvedScenario::from_scene(scene),
                0,
                &SimConfig::default(),
                3,
            )
            .unwrap();
            frame_of(&world, &req)
        })
        .collect();
    let mut shared = LocalViews::new(AdapterPreference::Cpu).unwrap();
    let order = [0, 1, 0, 2, 3, 4, 1, 0];
    assert!(names.len() > mpa_sim::render::view_service::RENDERER_CACHE_SCENES);
    let mut fresh = Vec::new();
    for f in &frames {
        let mut own = LocalViews::new(AdapterPreference::Cpu).unwrap();
        fresh.push(own.views(f).unwrap());
    }
    for &i in &order {
        let v = shared.views(&frames[i]).unwrap();
        assert!(
            *v == *fresh[i],
            "{} differs after switching scenes",
            names[i]
        );
    }
}
