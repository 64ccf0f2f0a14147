//! The semantic class table: one `u8` id per pixel in the semantic output, stable across
//! versions (append new classes, never renumber). Colours are for the colourised PNGs only; the
//! raw id images and the render outputs carry the ids.
//!
//! | id | class          | what draws it                                        |
//! |----|----------------|------------------------------------------------------|
//! | 0  | unlabelled     | nothing (never written by the mesh renderer)         |
//! | 1  | road           | drivable-area surface                                |
//! | 2  | lane marking   | lane and road dividers, stop lines                   |
//! | 3  | sidewalk       | walkway tops and curb sides                          |
//! | 4  | building       | building boxes                                       |
//! | 5  | vegetation     | tree trunks and canopies                             |
//! | 6  | sky            | background where no surface is hit                   |
//! | 7  | car            | `ActorClass::Car`                                    |
//! | 8  | truck          | `ActorClass::Truck`                                  |
//! | 9  | bus            | `ActorClass::Bus`                                    |
//! | 10 | pedestrian     | `ActorClass::Pedestrian`                             |
//! | 11 | cyclist        | `ActorClass::Cyclist`                                |
//! | 12 | obstacle       | `ActorClass::Obstacle` (barriers, cones, debris)     |
//! | 13 | terrain        | ground plane outside roads and walkways (grass/earth)|
//! | 14 | crosswalk      | zebra stripes of ped crossings                       |
//! | 15 | parking        | carpark areas                                        |
//!
//! The palette follows Cityscapes where a class exists there (road, sidewalk, building,
//! vegetation, terrain, sky, car, truck, bus, person, rider), so the images read familiar.

use crate::scene::ActorClass;

/// Semantic class ids (see the module table).
pub mod class {
    pub const UNLABELLED: u8 = 0;
    pub const ROAD: u8 = 1;
    pub const LANE_MARKING: u8 = 2;
    pub const SIDEWALK: u8 = 3;
    pub const BUILDING: u8 = 4;
    pub const VEGETATION: u8 = 5;
    pub const SKY: u8 = 6;
    pub const CAR: u8 = 7;
    pub const TRUCK: u8 = 8;
    pub const BUS: u8 = 9;
    pub const PEDESTRIAN: u8 = 10;
    pub const CYCLIST: u8 = 11;
    pub const OBSTACLE: u8 = 12;
    pub const TERRAIN: u8 = 13;
    pub const CROSSWALK: u8 = 14;
    pub const PARKING: u8 = 15;
}

/// Number of classes in the table (ids `0..NUM_CLASSES`).
pub const NUM_CLASSES: usize = 16;

/// Class names, indexed by id.
pub const CLASS_NAMES: [&str; NUM_CLASSES] = [
    "unlabelled",
    "road",
    "lane_marking",
    "sidewalk",
    "building",
    "vegetation",
    "sky",
    "car",
    "truck",
    "bus",
    "pedestrian",
    "cyclist",
    "obstacle",
    "terrain",
    "crosswalk",
    "parking",
];

/// RGB colours of the colourised semantic PNGs, indexed by id.
pub const PALETTE: [[u8; 3]; NUM_CLASSES] = [
    [0, 0, 0],       // unlabelled
    [128, 64, 128],  // road
    [255, 255, 255], // lane marking
    [244, 35, 232],  // sidewalk
    [70, 70, 70],    // building
    [107, 142, 35],  // vegetation
    [70, 130, 180],  // sky
    [0, 0, 142],     // car
    [0, 0, 70],      // truck
    [0, 60, 100],    // bus
    [220, 20, 60],   // pedestrian
    [255, 0, 0],     // cyclist (rider)
    [190, 153, 153], // obstacle (fence/barrier)
    [152, 251, 152], // terrain
    [250, 170, 30],  // crosswalk
    [250, 170, 160], // parking
];

/// The semantic id of an actor class.
pub fn actor_class_id(c: ActorClass) -> u8 {
    match c {
        ActorClass::Car => class::CAR,
        ActorClass::Truck => class::TRUCK,
        ActorClass::Bus => class::BUS,
        ActorClass::Pedestrian => class::PEDESTRIAN,
        ActorClass::Cyclist => class::CYCLIST,
        ActorClass::Obstacle => class::OBSTACLE,
    }
}

/// Palette colour of an id (unknown ids are magenta so they stand out).
pub fn color_of(id: u8) -> [u8; 3] {
    PALETTE.get(id as usize).copied().unwrap_or([255, 0, 255])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_ids_are_distinct_and_named() {
        let mut ids: Vec<u8> = ActorClass::ALL.iter().map(|c| actor_class_id(*c)).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 6);
        for c in ActorClass::ALL {
            assert_eq!(CLASS_NAMES[actor_class_id(c) as usize], c.as_str());
        }
    }

    #[test]
    fn palette_colours_are_distinct() {
        for i in 0..NUM_CLASSES {
            for j in 0..i {
                assert_ne!(
                    PALETTE[i], PALETTE[j],
                    "{} vs {}",
                    CLASS_NAMES[i], CLASS_NAMES[j]
                );
            }
        }
    }
}
