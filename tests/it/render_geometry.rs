//! The rendered depth and semantic images agree with the nuScenes projection maths, written
//! here independently of the renderer (devkit convention, NUSCENES.md):
//! p_ego = R_ego^T (p - t_ego); p_cam = R_cs^T (p_ego - t_cs); pixel = K p_cam / z, with K
//! scaled to the output size keeping OpenCV pixel centres (u' = (u + 0.5) s - 0.5).
//!
//! - Actors: for every actor whose box centre projects into a camera, the pixel there shows
//!   that actor's class (or the class of a nearer actor box on the same ray), and its depth lies
//!   between where the pixel's ray enters the box and the box centre (every model contains its
//!   box centre); where the ray enters through a side face of a car, bus or barrier at a height
//!   where their models fill the box to within 2% of its size, the depth is within that inset
//!   of the entry.
//! - Ground: road pixels of CAM_FRONT have the depth of the analytic ray / road-plane (z = 0)
//!   intersection.
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use crate::render_common;

use mpa_sim::render::{ActorMeshes, RenderConfig, Renderer, testing_context};
use mpa_sim::scene::{ActorClass, Location};
use render_common::projection::{Cam, class_id, ray_box};

const SIZE: (u32, u32) = (400, 225);

const ROAD: u8 = 1;
const STATIC_CLASSES: [u8; 6] = [2, 3, 4, 5, 13, 14];

/// Depth tolerance for flat surfaces: f32 interpolation of camera z over a triangle, metres
/// plus a relative part (a 24-bit mantissa over a few hundred metres of render frame).
const FLAT_ABS_M: f64 = 0.01;
const FLAT_REL: f64 = 1e-3;

fn check_location(location: Location) -> (usize, usize) {
    let ctx = testing_context().expect("a Vulkan adapter (install mesa-vulkan-drivers)");
    let map = render_common::town(location);
    let mut r = Renderer::new(&ctx.device, &ctx.queue, &map, &RenderConfig::default()).unwrap();
    // The box models: their shapes (solid bands below) are what the depth bounds rely on.
    r.set_actor_meshes(&ActorMeshes::boxes());
    let ego = render_common::ego_pose(location);
    let actors = render_common::actors(location);
    let rig = render_common::rig();
    let views = r.render_views(&ego, &actors, &rig, SIZE).unwrap();
    let mut actor_checks = 0;
    let mut ground_checks = 0;
    for (cam, view) in rig.cameras.iter().zip(&views.cameras) {
        assert_eq!(cam.channel, view.channel);
        let c = Cam::new(&ego, cam, SIZE);
        let at = |u: u32, v: u32| (v * SIZE.0 + u) as usize;
        for a in &actors {
            let Some((u, v)) = c.pixel(a.pose.translation) else {
                continue;
            };
            let (o, d) = c.ray(u, v);
            // The nearest actor box along this pixel's ray is what should show.
            let Some((hit, (t0, t1, axis, cos))) = actors
                .iter()
                .filter_map(|b| ray_box(o, d, b).map(|h| (b, h)))
                .min_by(|x, y| x.1.0.total_cmp(&y.1.0))
            else {
                panic!(
                    "{}: the ray through {:?}'s centre pixel misses every box",
                    view.channel, a.class
                );
            };
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
            assert!(
                depth >= t0 - 0.05 && depth <= z_centre + 0.05,
                "{} {:?}: depth {depth:.3} m outside [{t0:.3}, {z_centre:.3}]",
                view.channel,
                hit.class
            );
            // Height (unit box) where the ray enters, and the band where the default box model
            // of the class fills the box cross-section (car body, bus body, barrier), shrunk by
            // 0.05 for the half-pixel between the pixel-centre ray and the model's edges.
            let entry_z = (o.z + t0 * d.z - hit.pose.translation.z) / hit.size_wlh_m.z;
            let band = match hit.class {
                ActorClass::Car => Some((-0.32, 0.08)),
                ActorClass::Bus => Some((-0.38, 0.5)),
                ActorClass::Obstacle => Some((-0.5, 0.5)),
                _ => None,
            };
            let solid = band.is_some_and(|(lo, hi)| entry_z > lo + 0.05 && entry_z < hi - 0.05);
            if solid && axis < 2 {
                let extent = if axis == 0 {
                    hit.size_wlh_m.y
                } else {
                    hit.size_wlh_m.x
                };
                let allowed = 0.05 + 0.02 * extent / cos.max(0.05);
                assert!(
                    (depth - t0).abs() <= allowed,
                    "{} {:?}: depth {depth:.3} m vs box face {t0:.3} m (allowed {allowed:.3})",
                    view.channel,
                    hit.class
                );
            }
            actor_checks += 1;
        }
        if cam.channel == "CAM_FRONT" {
            for v in (SIZE.1 / 2 + 10..SIZE.1).step_by(5) {
                for u in (0..SIZE.0).step_by(7) {
                    if view.semantic[at(u, v)] != ROAD {
                        continue;
                    }
                    let (o, d) = c.ray(u, v);
                    let t = -o.z / d.z;
                    let depth = view.depth_m[at(u, v)] as f64;
                    assert!(
                        (depth - t).abs() <= FLAT_ABS_M + FLAT_REL * t,
                        "road pixel ({u}, {v}): depth {depth:.4} m, ray-plane {t:.4} m"
                    );
                    ground_checks += 1;
                }
            }
        }
    }
    (actor_checks, ground_checks)
}

#[test]
fn actor_and_road_pixels_match_projection_boston() {
    let (a, g) = check_location(Location::BostonSeaport);
    assert!(a >= 6, "only {a} actor pixels checked");
    assert!(g >= 100, "only {g} road pixels checked");
}

#[test]
fn actor_and_road_pixels_match_projection_singapore() {
    let (a, g) = check_location(Location::SingaporeOnenorth);
    assert!(a >= 6, "only {a} actor pixels checked");
    assert!(g >= 100, "only {g} road pixels checked");
}
