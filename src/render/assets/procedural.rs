//! The built-in vehicle models (car, truck, bus), designed in metres at a typical size of their
//! class (x forward, y left, z up; the ground at z = 0) and normalised to the unit box. Glass,
//! lights and grilles are thin boxes set a few centimetres proud of the body faces, so they show
//! without z-fighting. Wheels stand slightly outboard of the body (no wheel arches), so the
//! whole tyre shows from the side.

use super::builder::{Model, ModelBuilder};
use super::figures;
use crate::scene::ActorClass;

/// The procedural model of a class, normalised to the unit box. Deterministic: the same bytes
/// every call, on every machine.
pub fn builtin_model(class: ActorClass) -> Model {
    match class {
        ActorClass::Car => car(),
        ActorClass::Truck => truck(),
        ActorClass::Bus => bus(),
        ActorClass::Pedestrian => figures::pedestrian(),
        ActorClass::Cyclist => figures::cyclist(),
        ActorClass::Obstacle => figures::obstacle(),
    }
}

const GLASS: [u8; 3] = [38, 50, 62];
const TIRE: [u8; 3] = [24, 24, 24];
const HUB: [u8; 3] = [170, 172, 178];
const HEADLIGHT: [u8; 3] = [250, 244, 215];
const TAILLIGHT: [u8; 3] = [200, 16, 16];
const TRIM: [u8; 3] = [44, 44, 48];

/// A hatchback-like car, 4.6 m x 1.9 m x 1.5 m.
fn car() -> Model {
    let mut b = ModelBuilder::new();
    let body = b.material("body", [30, 80, 165]);
    let glass = b.material("glass", GLASS);
    let tire = b.material("tire", TIRE);
    let hub = b.material("hub", HUB);
    let head = b.material("headlight", HEADLIGHT);
    let tail = b.material("taillight", TAILLIGHT);
    let trim = b.material("trim", TRIM);

    // Lower body with a sloped nose and tail; greenhouse with raked screens and tumblehome;
    // roof panel in body colour.
    b.tapered(body, 0.28, [-2.25, 2.28, 0.93], 0.9, [-2.3, 2.1, 0.93]);
    b.tapered(glass, 0.9, [-1.75, 0.95, 0.88], 1.45, [-1.2, 0.1, 0.74]);
    b.tapered(body, 1.45, [-1.2, 0.1, 0.74], 1.5, [-1.12, 0.04, 0.7]);
    // A and B pillars and the belt line, in body colour, over the glass.
    for s in [-1.0f32, 1.0] {
        b.beam(body, [-0.45, s * 0.87, 0.92], [-0.5, s * 0.74, 1.45], 0.045);
        b.beam(body, [0.93, s * 0.87, 0.92], [0.1, s * 0.74, 1.45], 0.04);
        b.beam(body, [-1.73, s * 0.87, 0.92], [-1.2, s * 0.74, 1.45], 0.04);
    }
    for (x, y) in [(1.38, 0.85), (1.38, -0.85), (-1.38, 0.85), (-1.38, -0.85)] {
        b.wheel(tire, hub, [x, y, 0.32], 0.32, 0.12);
    }
    // Bumpers, grille, lights.
    b.cuboid(trim, [2.18, -0.9, 0.26], [2.36, 0.9, 0.44]);
    b.cuboid(trim, [-2.36, -0.9, 0.26], [-2.2, 0.9, 0.44]);
    b.cuboid(trim, [2.05, -0.45, 0.46], [2.22, 0.45, 0.6]);
    for s in [-1.0f32, 1.0] {
        let (y0, y1) = if s > 0.0 { (0.5, 0.85) } else { (-0.85, -0.5) };
        b.cuboid(head, [2.0, y0, 0.6], [2.21, y1, 0.72]);
        b.cuboid(tail, [-2.33, y0 + 0.05, 0.62], [-2.2, y1 + 0.03 * s, 0.78]);
    }
    b.finish("car")
}

/// A box truck: cab-over with windscreen and side windows, cargo box, three axles;
/// 8.1 m x 2.5 m x 3.4 m.
fn truck() -> Model {
    let mut b = ModelBuilder::new();
    let cab = b.material("cab", [185, 32, 30]);
    let cargo = b.material("cargo_box", [215, 216, 210]);
    let chassis = b.material("chassis", TRIM);
    let glass = b.material("glass", GLASS);
    let tire = b.material("tire", TIRE);
    let hub = b.material("hub", HUB);
    let head = b.material("headlight", HEADLIGHT);
    let tail = b.material("taillight", TAILLIGHT);

    b.cuboid(chassis, [-3.9, -0.5, 0.45], [3.7, 0.5, 0.95]);
    // Cab: front face leans back 0.2 m over its height.
    let front_x = |z: f32| 3.95 - (z - 0.95) / 2.05 * 0.2;
    b.tapered(cab, 0.95, [2.1, 3.95, 1.22], 3.0, [2.1, 3.75, 1.18]);
    b.tapered(
        glass,
        1.85,
        [3.2, front_x(1.85) + 0.03, 1.08],
        2.8,
        [3.2, front_x(2.8) + 0.03, 1.05],
    );
    b.cuboid(glass, [2.35, -1.215, 1.85], [3.3, 1.215, 2.75]);
    b.cuboid(
        chassis,
        [3.75, -0.65, 1.3],
        [front_x(1.3) + 0.04, 0.65, 1.72],
    );
    b.cuboid(chassis, [3.8, -1.2, 0.55], [4.05, 1.2, 0.95]);
    b.cuboid(cargo, [-4.0, -1.25, 0.95], [2.0, 1.25, 3.4]);
    for s in [-1.0f32, 1.0] {
        let (y0, y1) = if s > 0.0 { (0.72, 1.1) } else { (-1.1, -0.72) };
        b.cuboid(head, [3.8, y0, 1.02], [front_x(1.02) + 0.02, y1, 1.25]);
        b.cuboid(tail, [-4.03, y0 + 0.1, 1.0], [-3.95, y1 + 0.1 * s, 1.22]);
        for x in [3.2, -2.35, -3.4] {
            b.wheel(tire, hub, [x, s * 1.08, 0.5], 0.5, 0.15);
        }
    }
    b.finish("truck")
}

/// A city bus: long body, window band, doors on the right, destination sign, roof unit;
/// 11 m x 2.6 m x 3.3 m.
fn bus() -> Model {
    let mut b = ModelBuilder::new();
    let body = b.material("body", [238, 168, 24]);
    let glass = b.material("glass", GLASS);
    let door = b.material("door", [70, 82, 96]);
    let sign = b.material("sign", [28, 28, 28]);
    let sign_text = b.material("sign_text", [255, 140, 0]);
    let tire = b.material("tire", TIRE);
    let hub = b.material("hub", HUB);
    let head = b.material("headlight", HEADLIGHT);
    let tail = b.material("taillight", TAILLIGHT);
    let trim = b.material("trim", TRIM);

    b.tapered(body, 0.35, [-5.45, 5.45, 1.27], 3.05, [-5.4, 5.4, 1.25]);
    b.tapered(body, 3.05, [-5.4, 5.4, 1.25], 3.12, [-5.3, 5.3, 1.18]);
    b.cuboid(trim, [-1.6, -0.75, 3.1], [1.0, 0.75, 3.3]);
    // Window band along both sides, windscreen, rear window.
    b.cuboid(glass, [-5.0, -1.275, 1.55], [4.9, 1.275, 2.75]);
    b.cuboid(glass, [5.3, -1.15, 1.0], [5.47, 1.15, 2.72]);
    b.cuboid(glass, [-5.47, -1.05, 1.7], [-5.3, 1.05, 2.6]);
    b.cuboid(sign, [5.3, -1.0, 2.78], [5.46, 1.0, 2.98]);
    b.cuboid(sign_text, [5.3, -0.6, 2.84], [5.47, 0.6, 2.92]);
    // Doors on the right (-y) side: front and middle.
    for (x0, x1) in [(3.75, 4.75), (-0.3, 0.8)] {
        b.cuboid(door, [x0, -1.285, 0.42], [x1, -1.0, 2.75]);
    }
    b.cuboid(trim, [5.4, -1.25, 0.3], [5.53, 1.25, 0.55]);
    b.cuboid(trim, [-5.53, -1.25, 0.3], [-5.4, 1.25, 0.55]);
    for s in [-1.0f32, 1.0] {
        let (y0, y1) = if s > 0.0 { (0.8, 1.15) } else { (-1.15, -0.8) };
        b.cuboid(head, [5.38, y0, 0.62], [5.48, y1, 0.82]);
        b.cuboid(tail, [-5.48, y0, 0.7], [-5.38, y1, 1.0]);
        for x in [3.9, -2.9] {
            b.wheel(tire, hub, [x, s * 1.13, 0.5], 0.5, 0.16);
        }
    }
    b.finish("bus")
}
