//! How each town looks: palettes, building heights, tree shapes, marking colours and sky.
//! Boston (right-hand traffic) gets red-brick low-rise, deciduous trees, double yellow centre
//! lines and a paler sky; Singapore (left-hand traffic) gets white-ish high-rise, broad tropical
//! rain trees and palms, white centre lines, lusher grass and a deeper blue sky.

use crate::render::mesh::Material;
use crate::render::semantic::class;
use crate::scene::Location;

/// Linear RGB of an sRGB byte triple (IEC 61966-2-1), in f32: palette colours for the GPU.
pub fn srgb8_to_linear(c: [u8; 3]) -> [f32; 3] {
    c.map(|v| {
        let s = v as f32 / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    })
}

/// Tree shapes of a town.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TreeKind {
    /// Round canopy on a short trunk (Boston street trees).
    Deciduous,
    /// Wide, flat umbrella canopy on a tall trunk (Singapore rain trees).
    RainTree,
    /// Slim trunk with a crown of fronds.
    Palm,
}

/// The look of one town.
#[derive(Debug, Clone, PartialEq)]
pub struct TownStyle {
    pub road: Material,
    pub lane_marking: Material,
    pub road_divider: Material,
    /// Draw road dividers as two parallel lines (North American double centre line).
    pub road_divider_double: bool,
    pub stop_line: Material,
    pub crosswalk: Material,
    pub parking: Material,
    pub sidewalk: Material,
    pub curb: Material,
    pub terrain: Material,
    /// Building facade colours (sRGB); class is always building.
    pub facades: Vec<[u8; 3]>,
    pub roof: [u8; 3],
    /// Building height range, metres (min, max), and the chance of a tower above it.
    pub height_m: (f64, f64),
    pub tower_chance: f64,
    pub tower_height_m: (f64, f64),
    /// Footprint side ranges (frontage, depth), metres.
    pub frontage_m: (f64, f64),
    pub depth_m: (f64, f64),
    /// Floor height and window spacing for the procedural facade (shader), metres.
    pub floor_height_m: f32,
    pub window_spacing_m: f32,
    /// Facades of glass bands (towers) instead of punched windows (brick).
    pub glass_facades: bool,
    /// Trees: kinds with weights, spacing along walkways.
    pub trees: Vec<(TreeKind, f64)>,
    pub tree_spacing_m: f64,
    pub trunk: [u8; 3],
    pub canopies: Vec<[u8; 3]>,
    /// Sky colours (sRGB): zenith and horizon.
    pub sky_zenith: [u8; 3],
    pub sky_horizon: [u8; 3],
}

const fn m(srgb: [u8; 3], class: u8) -> Material {
    Material::new(srgb, class)
}

impl TownStyle {
    /// The style of a location (all Singapore maps share one).
    pub fn for_location(loc: Location) -> TownStyle {
        if loc.left_hand_traffic() {
            TownStyle::singapore()
        } else {
            TownStyle::boston()
        }
    }

    pub fn boston() -> TownStyle {
        TownStyle {
            road: m([72, 72, 76], class::ROAD),
            lane_marking: m([225, 225, 220], class::LANE_MARKING),
            road_divider: m([230, 180, 40], class::LANE_MARKING),
            road_divider_double: true,
            stop_line: m([230, 230, 225], class::LANE_MARKING),
            crosswalk: m([232, 232, 228], class::CROSSWALK),
            parking: m([84, 82, 84], class::PARKING),
            sidewalk: m([168, 160, 150], class::SIDEWALK),
            curb: m([190, 185, 178], class::SIDEWALK),
            terrain: m([96, 112, 62], class::TERRAIN),
            facades: vec![
                [150, 68, 50],
                [132, 58, 44],
                [168, 92, 68],
                [120, 82, 64],
                [176, 110, 80],
                [142, 76, 60],
                [185, 170, 150],
            ],
            roof: [70, 66, 64],
            height_m: (8.0, 20.0),
            tower_chance: 0.08,
            tower_height_m: (28.0, 45.0),
            frontage_m: (10.0, 22.0),
            depth_m: (10.0, 18.0),
            floor_height_m: 3.2,
            window_spacing_m: 2.6,
            glass_facades: false,
            trees: vec![(TreeKind::Deciduous, 1.0)],
            tree_spacing_m: 11.0,
            trunk: [92, 70, 52],
            canopies: vec![[70, 100, 45], [86, 112, 50], [60, 88, 40], [104, 118, 52]],
            sky_zenith: [110, 150, 200],
            sky_horizon: [205, 215, 225],
        }
    }

    pub fn singapore() -> TownStyle {
        TownStyle {
            road: m([84, 84, 88], class::ROAD),
            lane_marking: m([232, 232, 230], class::LANE_MARKING),
            road_divider: m([236, 236, 232], class::LANE_MARKING),
            road_divider_double: false,
            stop_line: m([236, 236, 232], class::LANE_MARKING),
            crosswalk: m([236, 236, 232], class::CROSSWALK),
            parking: m([96, 94, 96], class::PARKING),
            sidewalk: m([186, 176, 164], class::SIDEWALK),
            curb: m([200, 196, 190], class::SIDEWALK),
            terrain: m([70, 128, 50], class::TERRAIN),
            facades: vec![
                [236, 236, 230],
                [228, 224, 212],
                [210, 214, 218],
                [176, 196, 210],
                [226, 212, 190],
                [244, 242, 236],
            ],
            roof: [150, 150, 150],
            height_m: (12.0, 30.0),
            tower_chance: 0.35,
            tower_height_m: (45.0, 90.0),
            frontage_m: (16.0, 32.0),
            depth_m: (14.0, 26.0),
            floor_height_m: 3.5,
            window_spacing_m: 1.8,
            glass_facades: true,
            trees: vec![(TreeKind::RainTree, 0.7), (TreeKind::Palm, 0.3)],
            tree_spacing_m: 9.0,
            trunk: [104, 90, 72],
            canopies: vec![[40, 110, 40], [52, 124, 46], [34, 96, 38], [62, 136, 52]],
            sky_zenith: [70, 130, 215],
            sky_horizon: [190, 215, 235],
        }
    }

    pub fn facade(&self, i: usize) -> Material {
        m(self.facades[i % self.facades.len()], class::BUILDING)
    }
}
