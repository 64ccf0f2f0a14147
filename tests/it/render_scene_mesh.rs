//! The static scene mesh: deterministic from its seed, and the placed buildings keep off the
//! road and the walkways (every building vertex at least the setback from pavement, checked
//! with the crate's polygon predicates against the map polygons).
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use crate::render_common;

use glam::DVec2;
use mpa_sim::geometry::point_in_polygon;
use mpa_sim::render::scene_mesh::build_static_scene;
use mpa_sim::render::scene_mesh::props::BUILDING_SETBACK_M;
use mpa_sim::render::semantic::class;
use mpa_sim::scene::{Location, Polygon};

const SEED: u64 = 7;

/// Distance from a point to a polygon's rings (0 inside).
fn dist_to_polygon(p: DVec2, poly: &Polygon) -> f64 {
    if point_in_polygon(p, poly) {
        return 0.0;
    }
    std::iter::once(&poly.exterior)
        .chain(&poly.holes)
        .flat_map(|r| (0..r.len()).map(move |i| (r[i], r[(i + 1) % r.len()])))
        .map(|(a, b)| {
            let ab = b - a;
            let t = ((p - a).dot(ab) / ab.length_squared()).clamp(0.0, 1.0);
            p.distance(a + ab * t)
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn same_seed_same_mesh_other_seed_other_mesh() {
    let map = render_common::town(Location::BostonSeaport);
    let a = build_static_scene(&map, None, SEED);
    let b = build_static_scene(&map, None, SEED);
    assert_eq!(a.mesh.vertices, b.mesh.vertices);
    assert_eq!(a.mesh.indices, b.mesh.indices);
    let c = build_static_scene(&map, None, SEED + 1);
    assert_ne!(a.mesh.vertices, c.mesh.vertices);
    assert!(
        a.buildings >= 10 && a.trees >= 20,
        "{} buildings, {} trees",
        a.buildings,
        a.trees
    );
    assert_eq!(a.failed_polygons, 0);
}

#[test]
fn buildings_keep_the_setback_from_pavement() {
    for loc in [Location::BostonSeaport, Location::SingaporeOnenorth] {
        let map = render_common::town(loc);
        let s = build_static_scene(&map, None, SEED);
        let paved: Vec<&Polygon> = map.drivable_areas.iter().chain(&map.walkways).collect();
        let mut checked = 0;
        for v in s
            .mesh
            .vertices
            .iter()
            .filter(|v| v.color_class[3] == class::BUILDING)
        {
            let p = DVec2::new(v.position[0] as f64, v.position[1] as f64) + s.origin.truncate();
            let d = paved
                .iter()
                .map(|poly| dist_to_polygon(p, poly))
                .fold(f64::INFINITY, f64::min);
            // Grid cells of 1 m and the cornice overhang (0.15 m) bound how far inside the
            // setback a vertex may land.
            assert!(
                d >= BUILDING_SETBACK_M - 1.0,
                "{loc}: building vertex {p} is {d:.2} m from pavement"
            );
            checked += 1;
        }
        assert!(checked > 100, "{loc}: only {checked} building vertices");
    }
}
