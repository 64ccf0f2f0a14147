//! The built-in models of people and small things: a walking pedestrian, a cyclist on a bicycle
//! (rider included, as in nuScenes' bicycle boxes) and a striped plastic jersey barrier.
//! Designed in metres (x forward, y left, z up, ground at z = 0) and normalised to the unit box.

use super::builder::{Model, ModelBuilder};
use glam::Vec3;

const SKIN: [u8; 3] = [222, 170, 128];

fn lerp(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    Vec3::from(a).lerp(Vec3::from(b), t).to_array()
}

/// A walking adult mid-stride (left leg forward, right arm forward), 1.75 m tall.
pub fn pedestrian() -> Model {
    let mut b = ModelBuilder::new();
    let skin = b.material("skin", SKIN);
    let hair = b.material("hair", [58, 38, 24]);
    let shirt = b.material("shirt", [196, 48, 48]);
    let pants = b.material("pants", [40, 58, 108]);
    let shoes = b.material("shoes", [28, 28, 28]);

    for (s, foot_x) in [(1.0f32, 0.2f32), (-1.0, -0.2)] {
        let hip = [0.0, s * 0.09, 0.93];
        let foot = [foot_x, s * 0.09, 0.08];
        b.beam(pants, hip, foot, 0.068);
        b.beam(
            shoes,
            [foot_x - 0.07, s * 0.09, 0.045],
            [foot_x + 0.12, s * 0.09, 0.045],
            0.045,
        );
    }
    b.tapered(shirt, 0.86, [-0.11, 0.11, 0.16], 1.48, [-0.12, 0.12, 0.21]);
    b.beam(skin, [0.0, 0.0, 1.45], [0.0, 0.0, 1.55], 0.045);
    b.ellipsoid(skin, [0.015, 0.0, 1.64], [0.1, 0.085, 0.115], 10, 6);
    b.ellipsoid(hair, [-0.01, 0.0, 1.675], [0.1, 0.09, 0.08], 10, 6);
    // Arms swing opposite to the legs.
    for (s, hand_x) in [(1.0f32, -0.2f32), (-1.0, 0.22)] {
        let shoulder = [0.0, s * 0.25, 1.43];
        let hand = [hand_x, s * 0.28, 0.95];
        let elbow = lerp(shoulder, hand, 0.5);
        b.beam(shirt, shoulder, elbow, 0.05);
        b.beam(skin, elbow, hand, 0.04);
        b.ellipsoid(skin, hand, [0.045, 0.035, 0.05], 6, 4);
    }
    b.finish("pedestrian")
}

/// A bicycle (diamond frame, spoked wheels, handlebar, saddle) with its rider; 1.78 m long,
/// 1.7 m tall.
pub fn cyclist() -> Model {
    let mut b = ModelBuilder::new();
    let frame = b.material("frame", [18, 150, 140]);
    let tire = b.material("tire", [24, 24, 24]);
    let metal = b.material("metal", [175, 178, 185]);
    let saddle = b.material("saddle", [30, 30, 30]);
    let skin = b.material("skin", SKIN);
    let jersey = b.material("jersey", [240, 196, 28]);
    let pants = b.material("pants", [38, 38, 48]);
    let helmet = b.material("helmet", [215, 32, 32]);

    const R_WHEEL: f32 = 0.34;
    for x in [-0.52f32, 0.52] {
        let c = [x, 0.0, R_WHEEL];
        let rim = |i: usize| {
            let t = std::f32::consts::TAU * i as f32 / 16.0;
            [x + R_WHEEL * t.cos(), 0.0, R_WHEEL + R_WHEEL * t.sin()]
        };
        for i in 0..16 {
            b.beam(tire, rim(i), rim(i + 1), 0.024);
        }
        for i in (0..16).step_by(2) {
            b.beam(metal, c, lerp(c, rim(i), 0.94), 0.006);
        }
        b.cylinder_y(metal, None, c, 0.04, 0.05);
    }
    let bb = [0.0, 0.0, 0.3];
    let seat = [-0.14, 0.0, 0.85];
    let head_top = [0.38, 0.0, 0.86];
    let head_bottom = [0.42, 0.0, 0.7];
    for (a, z) in [
        (seat, bb),
        (head_bottom, bb),
        (seat, head_top),
        (head_bottom, head_top),
    ] {
        b.beam(frame, a, z, 0.022);
    }
    for s in [-1.0f32, 1.0] {
        b.beam(frame, bb, [-0.52, s * 0.05, R_WHEEL], 0.016);
        b.beam(frame, seat, [-0.52, s * 0.05, R_WHEEL], 0.016);
        b.beam(frame, head_bottom, [0.52, s * 0.05, R_WHEEL], 0.018);
    }
    b.beam(metal, seat, [-0.16, 0.0, 0.92], 0.014);
    b.beam(saddle, [-0.25, 0.0, 0.94], [-0.08, 0.0, 0.94], 0.035);
    b.beam(metal, head_top, [0.36, 0.0, 0.99], 0.016);
    b.beam(metal, [0.36, -0.27, 0.99], [0.36, 0.27, 0.99], 0.014);
    b.beam(metal, [-0.1, -0.1, 0.2], [0.1, 0.1, 0.4], 0.012);

    // Rider: leaning forward, hands on the bar, left pedal up.
    let hip = [-0.15, 0.0, 1.0];
    let shoulder = [0.18, 0.0, 1.42];
    b.beam(jersey, hip, shoulder, 0.13);
    b.ellipsoid(skin, [0.3, 0.0, 1.55], [0.1, 0.085, 0.11], 10, 6);
    b.ellipsoid(helmet, [0.28, 0.0, 1.61], [0.13, 0.105, 0.085], 10, 5);
    for (s, knee, pedal) in [
        (1.0f32, [0.2f32, 0.13, 0.76], [0.1f32, 0.13, 0.4]),
        (-1.0, [0.1, -0.13, 0.6], [-0.1, -0.13, 0.2]),
    ] {
        let hip_s = [hip[0], s * 0.1, hip[2]];
        b.beam(pants, hip_s, knee, 0.06);
        b.beam(skin, knee, pedal, 0.045);
        b.beam(
            saddle,
            [pedal[0] - 0.04, pedal[1], pedal[2] - 0.02],
            [pedal[0] + 0.12, pedal[1], pedal[2] - 0.02],
            0.035,
        );
        let shoulder_s = [shoulder[0] - 0.02, s * 0.2, shoulder[2] - 0.02];
        let hand = [0.36, s * 0.24, 0.99];
        b.beam(jersey, shoulder_s, lerp(shoulder_s, hand, 0.45), 0.045);
        b.beam(skin, lerp(shoulder_s, hand, 0.45), hand, 0.035);
    }
    b.finish("cyclist")
}

/// A plastic jersey barrier in red and white bands: 2.5 m long across y (nuScenes barriers are
/// wider than long), 0.56 m deep, 0.95 m tall.
pub fn obstacle() -> Model {
    let mut b = ModelBuilder::new();
    let red = b.material("plastic_red", [205, 30, 30]);
    let white = b.material("plastic_white", [236, 236, 230]);
    let foot = b.material("foot", [40, 40, 40]);

    // The jersey profile (x, z) is concave where the lower slope meets the upper one, so it is
    // built from two convex prisms.
    let lower = [
        [-0.28, 0.04],
        [0.28, 0.04],
        [0.28, 0.12],
        [0.14, 0.36],
        [-0.14, 0.36],
        [-0.28, 0.12],
    ];
    let upper = [[-0.14, 0.36], [0.14, 0.36], [0.09, 0.95], [-0.09, 0.95]];
    const BANDS: usize = 6;
    const HALF_LENGTH: f32 = 1.25;
    for i in 0..BANDS {
        let y0 = -HALF_LENGTH + 2.0 * HALF_LENGTH * i as f32 / BANDS as f32;
        let y1 = -HALF_LENGTH + 2.0 * HALF_LENGTH * (i + 1) as f32 / BANDS as f32;
        let m = if i % 2 == 0 { red } else { white };
        b.extrude_y(m, &lower, y0, y1);
        b.extrude_y(m, &upper, y0, y1);
    }
    for y in [-1.0f32, 1.0] {
        b.cuboid(foot, [-0.3, y - 0.12, 0.0], [0.3, y + 0.12, 0.05]);
    }
    b.finish("obstacle")
}
