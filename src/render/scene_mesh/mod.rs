//! The static scene mesh of one map: ground plane, road surface, carparks, raised walkways with
//! curbs, paint (dividers, stop lines, zebra crossings), trees and buildings, coloured by the
//! town's `TownStyle` and tagged with semantic classes. Built once per map (or per region of a
//! large map) in f64, stored relative to `origin` in f32.
//!
//! Buildings and trees are deterministic from `seed` and the location.

pub mod props;
pub mod raster;
pub mod road;

use crate::render::mesh::{MeshBuilder, SceneMesh};
use crate::render::style::TownStyle;
use crate::scene::MapData;
use glam::{DVec2, DVec3};
use raster::Grid;

/// Extra ground around the map bounds (beyond that the far plane and fog take over), metres.
pub const GROUND_MARGIN_M: f64 = 600.0;
/// Margin of the placement grid around the paved bounds (room for edge buildings), metres.
pub const GRID_MARGIN_M: f64 = 60.0;
/// Placement grids larger than this many cells coarsen their cell size.
const MAX_GRID_CELLS: f64 = 4.0e6;

/// The built static scene.
#[derive(Debug, Clone)]
pub struct StaticScene {
    pub mesh: SceneMesh,
    /// Global position of the render frame's origin.
    pub origin: DVec3,
    pub style: TownStyle,
    pub buildings: usize,
    pub trees: usize,
    /// Polygons earcut could not triangulate (skipped).
    pub failed_polygons: usize,
}

/// Bounds (min, max) of the paved geometry of a map, if it has any.
pub fn paved_bounds(map: &MapData) -> Option<(DVec2, DVec2)> {
    let mut lo = DVec2::splat(f64::INFINITY);
    let mut hi = DVec2::splat(f64::NEG_INFINITY);
    for p in map.drivable_areas.iter().chain(&map.walkways) {
        let (a, b) = crate::geometry::ring_bounds(&p.exterior);
        lo = lo.min(a);
        hi = hi.max(b);
    }
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// Build the static scene of `map`, optionally only within `region` (min, max; global xy).
/// The origin is the centre of the (region-clipped) paved bounds.
pub fn build_static_scene(map: &MapData, region: Option<(DVec2, DVec2)>, seed: u64) -> StaticScene {
    let style = TownStyle::for_location(map.location);
    let (lo, hi) = match (paved_bounds(map), region) {
        (Some((a, b)), Some((c, d))) => (a.max(c), b.min(d)),
        (Some(ab), None) => ab,
        (None, Some(cd)) => cd,
        (None, None) => (DVec2::ZERO, DVec2::ZERO),
    };
    let (lo, hi) = if lo.cmple(hi).all() {
        (lo, hi)
    } else {
        (lo, lo)
    };
    let origin = (0.5 * (lo + hi)).extend(0.0);
    let mut b = MeshBuilder::new(origin);

    let g0 = lo - DVec2::splat(GROUND_MARGIN_M);
    let g1 = hi + DVec2::splat(GROUND_MARGIN_M);
    b.flat_quad(
        [g0, DVec2::new(g1.x, g0.y), g1, DVec2::new(g0.x, g1.y)],
        -0.05,
        style.terrain,
    );
    let failed = road::build_paved(&mut b, map, &style, region);

    // Placement grid: paved = drivable, walkways, crossings, carparks.
    let gmin = lo - DVec2::splat(GRID_MARGIN_M);
    let gmax = hi + DVec2::splat(GRID_MARGIN_M);
    let extent = gmax - gmin;
    let cell_m = (extent.x * extent.y / MAX_GRID_CELLS).sqrt().max(1.0);
    let mut grid = Grid::new(gmin, gmax, cell_m);
    for p in map
        .drivable_areas
        .iter()
        .chain(&map.walkways)
        .chain(&map.ped_crossings)
        .chain(&map.carpark_areas)
        .filter(|p| road::in_region(p, region))
    {
        grid.fill_polygon(p);
    }
    grid.compute_distance();

    let loc_seed = seed ^ (map.location as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let source = if map.walkways.is_empty() {
        &map.drivable_areas
    } else {
        &map.walkways
    };
    let rings: Vec<&[DVec2]> = source
        .iter()
        .filter(|p| road::in_region(p, region))
        .flat_map(|p| {
            std::iter::once(p.exterior.as_slice()).chain(p.holes.iter().map(|h| h.as_slice()))
        })
        .collect();
    let trees = props::trees(&mut b, &mut grid, &rings, &style, loc_seed);
    let buildings = props::buildings(&mut b, &mut grid, &style, loc_seed);
    StaticScene {
        mesh: b.mesh,
        origin,
        style,
        buildings,
        trees,
        failed_polygons: failed,
    }
}
