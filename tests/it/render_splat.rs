//! Splat mode (`render::SplatViews`: a baked Gaussian background with mesh actors composited
//! by depth) against the nuScenes projection maths, written here independently of the renderer
//! (devkit convention, NUSCENES.md): p_ego = R_ego^T (p - t_ego); p_cam = R_cs^T (p_ego -
//! t_cs); pixel = K p_cam / z with K scaled to the output size keeping OpenCV pixel centres.
//!
//! - Actors (mirrors tests/it/render_geometry.rs in mesh mode): for every actor whose box centre
//!   projects into a camera, the splat-mode pixel there shows the class of the nearest actor
//!   box on that ray, and its depth lies between where the ray enters the box and the box
//!   centre: the actor layer hides every Gaussian behind it, so the car stands on the splatted
//!   road.
//! - Road: on a shipped scene, mesh mode and baked-splat mode agree on the depth of pixels that
//!   are road in both, within a bound derived from the Gaussians' extent (see `road_bound_m`).
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use crate::render_common;

use glam::DVec2;
use mpa_sim::render::splat::bake_scene::{bake_map, bake_scene};
use mpa_sim::render::{
    ActorInstance, ActorMeshes, RenderConfig, Renderer, SCENE_ROUTE_MARGIN_M, SplatViews,
    testing_context,
};
use mpa_sim::scene::Location;
use mpa_sim::scene::registry::load_shipped_scene;
use render_common::projection::{Cam, class_id, ray_box};

const ROAD: u8 = 1;
/// Classes painted on the road plane (road, lane marking, crosswalk).
const ROAD_LEVEL: [u8; 3] = [1, 2, 14];
const STATIC_CLASSES: [u8; 7] = [2, 3, 4, 5, 13, 14, 15];

fn splat_actor_checks(location: Location) -> usize {
    const SIZE: (u32, u32) = (320, 180);
    let ctx = testing_context().expect("a Vulkan adapter (install mesa-vulkan-drivers)");
    let map = render_common::town(location);
    let config = RenderConfig::default();
    let mut mesh = Renderer::new(&ctx.device, &ctx.queue, &map, &config).unwrap();
    mesh.set_actor_meshes(&ActorMeshes::boxes());
    let o = render_common::OFFSET;
    let region = Some((o - DVec2::splat(90.0), o + DVec2::splat(90.0)));
    let (splats, stats) = bake_map(&map, region, config.seed, 1.0).unwrap();
    assert!(stats.gaussians > 10_000, "{stats:?}");
    let mut views = SplatViews::new(mesh, &splats).unwrap();
    let ego = render_common::ego_pose(location);
    let actors = render_common::actors(location);
    let rig = render_common::rig();
    let frame = views.render_views(&ego, &actors, &rig, SIZE).unwrap();
    let mut checks = 0;
    for (cam, view) in rig.cameras.iter().zip(&frame.cameras) {
        assert_eq!(cam.channel, view.channel);
        assert_eq!((view.width, view.height), SIZE);
        let c = Cam::new(&ego, cam, SIZE);
        let at = |u: u32, v: u32| (v * SIZE.0 + u) as usize;
        for a in &actors {
            let Some((u, v)) = c.pixel(a.pose.translation) else {
                continue;
            };
            let (o, d) = c.ray(u, v);
            let (hit, (t0, t1, _, _)) = actors
                .iter()
                .filter_map(|b| ray_box(o, d, b).map(|h| (b, h)))
                .min_by(|x, y| x.1.0.total_cmp(&y.1.0))
                .expect("the ray through a box centre pixel hits a box");
            let (depth, sem) = (view.depth_m[at(u, v)] as f64, view.semantic[at(u, v)]);
            if STATIC_CLASSES.contains(&sem) && depth < t0 - 0.05 {
                // A tree or building in front of the actor: nothing to check about the actor.
                continue;
            }
            let z_centre = if std::ptr::eq(hit, a) {
                c.to_cam(a.pose.translation).z
            } else {
                t1
            };
            assert_eq!(
                sem,
                class_id(hit.class),
                "{} pixel ({u}, {v}) of {:?}: class {sem}, expected {:?}",
                view.channel,
                a.class,
                hit.class
            );
            // The composite depth is the actor layer's depth (no Gaussian in front of it on a
            // box-centre ray here), so the mesh test's bounds hold: 5 cm for f32 and the
            // pixel-centre ray vs the model's faces.
            assert!(
                depth >= t0 - 0.05 && depth <= z_centre + 0.05,
                "{} {:?}: depth {depth:.3} m outside [{t0:.3}, {z_centre:.3}]",
                view.channel,
                hit.class
            );
            checks += 1;
        }
    }
    checks
}

#[test]
fn splat_mode_actor_pixels_match_projection_boston() {
    let n = splat_actor_checks(Location::BostonSeaport);
    assert!(n >= 6, "only {n} actor pixels checked");
}

#[test]
fn splat_mode_actor_pixels_match_projection_singapore() {
    let n = splat_actor_checks(Location::SingaporeOnenorth);
    assert!(n >= 6, "only {n} actor pixels checked");
}

/// Gaussian spacing of the road-depth test's bake, metres.
const SPACING_M: f64 = 1.0;
/// Mahalanobis radius where a baked Gaussian's alpha falls to 1/255 (opacity 0.99):
/// exp(-r^2 / 2) * 0.99 = 1/255 -> r = sqrt(2 ln(252.45)) = 3.33.
const CUTOFF_SIGMAS: f64 = 3.33;
/// Standard deviation of the 3DGS screen-space low-pass filter (0.3 px^2 added), pixels.
const LOW_PASS_PX: f64 = 0.548;

/// Why the road depths agree: the splat depth of a pixel is the blending-weighted mean of the
/// centre depths of the Gaussians that reach it (3DGS), and the mesh depth is the camera z of
/// the road plane at the pixel centre. A baked road Gaussian lies on the road plane (paint 2 cm
/// above it), its in-plane standard deviation is at most half the bake spacing, and it reaches
/// a pixel only within `CUTOFF_SIGMAS` of its projected centre in screen space (its projected
/// standard deviation plus the low-pass filter). So every contributing centre projects inside a
/// window around the pixel: horizontally `CUTOFF_SIGMAS (f sigma / z + LOW_PASS_PX)` pixels,
/// vertically `CUTOFF_SIGMAS (f sigma h / z^2 + LOW_PASS_PX)` (a ground length foreshortened by
/// the camera height h over the depth z). Where the mesh shows road-level classes over the
/// whole window, the centres' depths lie within the mesh depths over the window, give or take
/// the paint height seen at that depth (2 cm * z / h) and 5 cm for f32 and the Gaussians'
/// 2%-thin normal axis. Returns `None` if the window leaves the image or leaves the road.
fn road_bound_m(
    depth: &[f32],
    semantic: &[u8],
    size: (u32, u32),
    (u, v): (u32, u32),
    f: f64,
    h: f64,
) -> Option<f64> {
    let z = depth[(v * size.0 + u) as usize] as f64;
    let sigma = 0.5 * SPACING_M;
    // The window's nearest depth decides its extent: iterate the extent with it once.
    let mut z_near = z;
    let mut bound = None;
    for _ in 0..2 {
        let ru = (CUTOFF_SIGMAS * (f * sigma / z_near + LOW_PASS_PX)).ceil() as i64;
        let rv = (CUTOFF_SIGMAS * (f * sigma * h / (z_near * z_near) + LOW_PASS_PX)).ceil() as i64;
        let (u0, u1, v0, v1) = (u as i64 - ru, u as i64 + ru, v as i64 - rv, v as i64 + rv);
        if u0 < 0 || v0 < 0 || u1 >= size.0 as i64 || v1 >= size.1 as i64 {
            return None;
        }
        let (mut lo, mut hi) = (z, z);
        for y in v0..=v1 {
            for x in u0..=u1 {
                let i = (y * size.0 as i64 + x) as usize;
                if !ROAD_LEVEL.contains(&semantic[i]) {
                    return None;
                }
                lo = lo.min(depth[i] as f64);
                hi = hi.max(depth[i] as f64);
            }
        }
        z_near = lo;
        bound = Some((z - lo).max(hi - z) + 0.02 * hi / h + 0.05);
    }
    bound
}

#[test]
fn mesh_and_baked_splat_depth_agree_on_road_pixels() {
    const SIZE: (u32, u32) = (320, 180);
    let ctx = testing_context().expect("a Vulkan adapter (install mesa-vulkan-drivers)");
    let scene = load_shipped_scene("scene-0001")
        .expect("shipped scene")
        .value;
    let seed = 7;
    let t_us = scene.start_us() + 2_000_000;
    let ego = scene.ego_pose_at(t_us).unwrap();
    let config = RenderConfig::for_scene(&scene, seed, SCENE_ROUTE_MARGIN_M);
    let mut mesh = Renderer::new(&ctx.device, &ctx.queue, &scene.map, &config).unwrap();
    // No actors: the road is what both modes show.
    let actors: Vec<ActorInstance> = Vec::new();
    let mesh_views = mesh.render_views(&ego, &actors, &scene.rig, SIZE).unwrap();
    let (splats, _) = bake_scene(&scene, seed, 30.0, SPACING_M).unwrap();
    let mut splat = SplatViews::new(mesh, &splats).unwrap();
    let splat_views = splat.render_views(&ego, &actors, &scene.rig, SIZE).unwrap();

    let cam = scene
        .rig
        .cameras
        .iter()
        .find(|c| c.channel == "CAM_FRONT")
        .expect("CAM_FRONT");
    let c = Cam::new(&ego, cam, SIZE);
    // Camera height over the road plane (z = 0 under the ego in the shipped scenes).
    let h = (c.r_ego * c.t_cs + c.t_ego).z;
    assert!(h > 1.0, "camera height {h}");
    let (m, s) = (
        mesh_views.camera("CAM_FRONT").unwrap(),
        splat_views.camera("CAM_FRONT").unwrap(),
    );
    let mut worst: f64 = 0.0;
    let mut signed = Vec::new();
    for v in (SIZE.1 / 2..SIZE.1).step_by(2) {
        for u in (0..SIZE.0).step_by(2) {
            let i = (v * SIZE.0 + u) as usize;
            if m.semantic[i] != ROAD || s.semantic[i] != ROAD || m.depth_m[i] > 40.0 {
                continue;
            }
            let Some(bound) = road_bound_m(&m.depth_m, &m.semantic, SIZE, (u, v), c.fx, h) else {
                continue;
            };
            let err = (s.depth_m[i] - m.depth_m[i]).abs() as f64;
            assert!(
                err <= bound,
                "pixel ({u}, {v}): splat depth {:.3} m, mesh {:.3} m, bound {bound:.3} m",
                s.depth_m[i],
                m.depth_m[i]
            );
            signed.push((s.depth_m[i] - m.depth_m[i]) as f64);
            worst = worst.max(err / bound);
        }
    }
    assert!(
        signed.len() >= 50,
        "only {} road pixels checked",
        signed.len()
    );
    // Beyond the bound, the bias: compositing front to back lets the nearer Gaussians, whose
    // footprints reach up to the pixel, dominate, so splat road depth is nearer than the plane
    // by about one in-plane standard deviation (0.5 spacing); the median must lie within two.
    signed.sort_by(f64::total_cmp);
    let median = signed[signed.len() / 2];
    eprintln!(
        "{} road pixels: median splat - mesh depth {median:.3} m, worst error / bound {worst:.2}",
        signed.len()
    );
    assert!(
        (-SPACING_M..=0.1).contains(&median),
        "median splat - mesh road depth {median:.3} m"
    );
}
