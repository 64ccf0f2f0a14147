//! The server's real view source renders the six cameras of a live World (lavapipe here):
//! right channels and sizes, road under the front camera, and actors in view tagged with
//! their class, i.e. not the blank stand-in; in splat mode (`--render-mode splat`) the road
//! is still road, drawn from the baked Gaussians.

use std::sync::Arc;

use mpa_sim::render::RenderMode;
use mpa_sim::scene::registry::load_shipped_scene;
use mpa_sim::scene::scenario::ResolvedScenario;
use mpa_sim::serve::views::{ImageSize, RenderedViews, ViewSource};
use mpa_sim::world::{SimConfig, World};

#[test]
fn rendered_views_show_the_live_world() {
    let scene = Arc::new(load_shipped_scene("scene-0004").expect("scene").value);
    let world = World::new(
        &ResolvedScenario::from_scene(scene),
        0,
        &SimConfig::default(),
    )
    .expect("world");
    let size = ImageSize {
        width_px: 160,
        height_px: 90,
    };
    let mut views = RenderedViews::new(size).expect("a Vulkan adapter (lavapipe)");
    let images = views.render(&world).expect("renders");
    assert_eq!(images.cameras.len(), 6);
    for cam in &images.cameras {
        cam.check().expect("buffer sizes");
        assert_eq!((cam.width_px, cam.height_px), (160, 90));
    }
    let front = images
        .cameras
        .iter()
        .find(|c| c.channel == "CAM_FRONT")
        .expect("front camera");
    let road = front.semantic.iter().filter(|&&c| c == 1).count();
    assert!(road > front.semantic.len() / 10, "road pixels: {road}");
    let distinct: std::collections::BTreeSet<[u8; 3]> = front
        .rgb
        .chunks_exact(3)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    assert!(distinct.len() > 50, "a real image, not a uniform stand-in");
    // Road depth is finite and positive where the road shows.
    assert!(
        front
            .semantic
            .iter()
            .zip(&front.depth_m)
            .filter(|(c, _)| **c == 1)
            .all(|(_, d)| d.is_finite() && *d > 0.0)
    );
}

#[test]
fn splat_mode_views_keep_the_road_and_differ_from_mesh() {
    let scene = Arc::new(load_shipped_scene("scene-0004").expect("scene").value);
    let world = World::new(
        &ResolvedScenario::from_scene(scene),
        0,
        &SimConfig::default(),
    )
    .expect("world");
    let size = ImageSize {
        width_px: 64,
        height_px: 36,
    };
    let front = |views: &mut RenderedViews| {
        let images = views.render(&world).expect("renders");
        assert_eq!(images.cameras.len(), 6);
        images
            .cameras
            .into_iter()
            .find(|c| c.channel == "CAM_FRONT")
            .expect("front camera")
    };
    let mesh = front(&mut RenderedViews::new(size).expect("a Vulkan adapter (lavapipe)"));
    let cache = tempfile::tempdir().expect("tempdir");
    let mut splat_views =
        RenderedViews::with_mode(size, RenderMode::Splat, Some(cache.path().to_path_buf()))
            .expect("a Vulkan adapter (lavapipe)");
    let splat = front(&mut splat_views);
    splat.check().expect("buffer sizes");
    let road_mesh = mesh.semantic.iter().filter(|&&c| c == 1).count();
    let road_both = mesh
        .semantic
        .iter()
        .zip(&splat.semantic)
        .filter(|(m, s)| **m == 1 && **s == 1)
        .count();
    assert!(road_mesh > mesh.semantic.len() / 10, "road: {road_mesh}");
    assert!(
        road_both * 10 >= road_mesh * 8,
        "splat road keeps {road_both} of {road_mesh} mesh road pixels"
    );
    assert_ne!(
        mesh.rgb, splat.rgb,
        "splat pixels are not the mesh renderer's"
    );
}
