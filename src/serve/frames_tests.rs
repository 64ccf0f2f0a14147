use super::*;
use glam::{DMat3, DQuat};
use std::f64::consts::FRAC_PI_2;

/// nuScenes-like LIDAR_TOP mounting: x right, y forward (yaw -90 deg), 0.94 m ahead of the
/// rear axle, 1.84 m up (the shipped rigs' values, rounded).
fn nuscenes_lidar() -> Pose {
    Pose {
        translation: DVec3::new(0.94, 0.0, 1.84),
        rotation: DQuat::from_rotation_z(-FRAC_PI_2),
    }
}

fn close(a: DVec2, b: DVec2, tol: f64) -> bool {
    (a - b).length() <= tol
}

#[test]
fn straight_plan_lands_on_the_rear_axle_path() {
    // The lidar origin moving 5 m per 0.5 s straight ahead: the rear axle moves the same,
    // with no 0.94 m mounting offset added.
    let pts: Vec<[f64; 2]> = (1..=8).map(|k| [0.0, 5.0 * k as f64]).collect();
    let plan = lidar_plan_to_ego(&pts, &nuscenes_lidar(), &TimeBase::default()).unwrap();
    assert_eq!(plan.waypoints_ego_m.len(), 6);
    for (i, w) in plan.waypoints_ego_m.iter().enumerate() {
        let want = DVec2::new(5.0 * (i + 1) as f64, 0.0);
        assert!(close(*w, want, 1e-9), "{i}: {w} vs {want}");
    }
}

#[test]
fn lidar_x_is_ego_right() {
    // Lever arm zero, pure axis mapping: lidar (1, 2) is 2 m ahead and 1 m to the right.
    let lidar = Pose {
        translation: DVec3::ZERO,
        rotation: DQuat::from_rotation_z(-FRAC_PI_2),
    };
    let pts: Vec<[f64; 2]> = (1..=6).map(|k| [k as f64, 2.0 * k as f64]).collect();
    let plan = lidar_plan_to_ego(&pts, &lidar, &TimeBase::default()).unwrap();
    for (i, w) in plan.waypoints_ego_m.iter().enumerate() {
        let k = (i + 1) as f64;
        assert!(close(*w, DVec2::new(2.0 * k, -k), 1e-9), "{i}: {w}");
    }
}

#[test]
fn circular_arc_round_trip() {
    // Independent reference: a rear axle on a 20 m left circle at 5 m/s; the lidar origin at
    // its lever arm, written in the lidar frame at t = 0; converting back must recover the
    // rear axle. The remaining error is the lidar point's sideslip on the curve (its path
    // heading differs from the body heading by atan(0.94 / 20) = 2.7 deg), times the lever
    // arm: 0.94 m x 0.047 = 0.044 m. Without the lever-arm correction the error would be 0.94 m.
    let (radius_m, speed_mps) = (20.0, 5.0);
    let omega = speed_mps / radius_m;
    let lidar = nuscenes_lidar();
    let lever = lidar.translation;
    let lidar_from_ego =
        DMat4::from_rotation_translation(lidar.rotation, lidar.translation).inverse();
    let rear_at = |t: f64| {
        DVec2::new(
            radius_m * (omega * t).sin(),
            radius_m * (1.0 - (omega * t).cos()),
        )
    };
    let pts: Vec<[f64; 2]> = (1..=8)
        .map(|k| {
            let t = 0.5 * k as f64;
            let lidar_pos = rear_at(t) + DVec2::from_angle(omega * t).rotate(lever.truncate());
            let p = lidar_from_ego.transform_point3(lidar_pos.extend(lever.z));
            [p.x, p.y]
        })
        .collect();
    let plan = lidar_plan_to_ego(&pts, &lidar, &TimeBase::default()).unwrap();
    for (i, w) in plan.waypoints_ego_m.iter().enumerate() {
        let want = rear_at(0.5 * (i + 1) as f64);
        assert!(close(*w, want, 0.05), "{i}: {w} vs {want}");
    }
}

/// Waypoints at (x, 0), to rounding (the -90 deg quaternion is not exact in floating point).
fn assert_xs(plan: &Plan, xs: &[f64]) {
    assert_eq!(plan.waypoints_ego_m.len(), xs.len());
    for (w, &x) in plan.waypoints_ego_m.iter().zip(xs) {
        assert!(close(*w, DVec2::new(x, 0.0), 1e-9), "{w} vs {x}");
    }
}

#[test]
fn eight_points_truncate_and_short_plans_extrapolate() {
    let lidar = Pose {
        translation: DVec3::ZERO,
        rotation: DQuat::from_rotation_z(-FRAC_PI_2),
    };
    // 8 points: the first 6 are taken.
    let pts: Vec<[f64; 2]> = (1..=8).map(|k| [0.0, (k * k) as f64]).collect();
    let plan = lidar_plan_to_ego(&pts, &lidar, &TimeBase::default()).unwrap();
    assert_xs(&plan, &[1.0, 4.0, 9.0, 16.0, 25.0, 36.0]);
    // 4 points: the last segment (9 -> 16, 7 m per 0.5 s) continues.
    let plan = lidar_plan_to_ego(&pts[..4], &lidar, &TimeBase::default()).unwrap();
    assert_xs(&plan, &[1.0, 4.0, 9.0, 16.0, 23.0, 30.0]);
    // A finer time base interpolates, from the rear axle at t = 0.
    let fine = TimeBase {
        plan_dt_secs: 0.25,
        plan_len: 4,
        ..TimeBase::default()
    };
    let plan = lidar_plan_to_ego(&pts, &lidar, &fine).unwrap();
    assert_xs(&plan, &[0.5, 1.0, 2.5, 4.0]);
}

#[test]
fn bad_plans_are_rejected() {
    let lidar = nuscenes_lidar();
    let tb = TimeBase::default();
    assert!(matches!(
        lidar_plan_to_ego(&[], &lidar, &tb),
        Err(PlanError::Shape { .. })
    ));
    let many = vec![[0.0, 1.0]; MAX_PLAN_POINTS + 1];
    assert!(matches!(
        lidar_plan_to_ego(&many, &lidar, &tb),
        Err(PlanError::Shape { .. })
    ));
    assert!(matches!(
        lidar_plan_to_ego(&[[0.0, 1.0], [f64::NAN, 2.0]], &lidar, &tb),
        Err(PlanError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        lidar_plan_to_ego(&[[0.0, f64::INFINITY]], &lidar, &tb),
        Err(PlanError::NonFinite { index: 0, .. })
    ));
    assert!(matches!(
        lidar_plan_to_ego(&[[0.0, 1e6]], &lidar, &tb),
        Err(PlanError::OutOfRange { index: 0, .. })
    ));
}

#[test]
fn hugsim_world_axes_match_its_motion_model() {
    // HUGSIM integrates x += v sin(rot1) dt, z += v cos(rot1) dt. Driving 1 m along our yaw
    // must move the mapped position the same way.
    for yaw in [0.0, 0.3, 2.0, -1.2] {
        let p0 = DVec3::new(10.0, -4.0, 0.0);
        let p1 = p0 + DVec3::new(f64::cos(yaw), f64::sin(yaw), 0.0);
        let (a, b) = (hugsim_world_from_global(p0), hugsim_world_from_global(p1));
        let theta = hugsim_yaw(yaw);
        assert!((b[0] - a[0] - theta.sin()).abs() < 1e-12);
        assert!((b[2] - a[2] - theta.cos()).abs() < 1e-12);
        assert_eq!(b[1], a[1]);
    }
    // Up is -y.
    assert_eq!(hugsim_world_from_global(DVec3::new(0.0, 0.0, 2.0))[1], -2.0);
}

#[test]
fn cam_params_of_a_front_camera() {
    // Camera (x right, y down, z forward) looking along ego +x, 1.5 m ahead, 1.6 m up.
    let ego_from_camera_rot = DQuat::from_mat3(&DMat3::from_cols(
        DVec3::new(0.0, -1.0, 0.0),
        DVec3::new(0.0, 0.0, -1.0),
        DVec3::new(1.0, 0.0, 0.0),
    ));
    let camera = Camera {
        channel: "CAM_FRONT".into(),
        width_px: 1600,
        height_px: 900,
        intrinsic: DMat3::from_cols(
            DVec3::new(800.0, 0.0, 0.0),
            DVec3::new(0.0, 800.0, 0.0),
            DVec3::new(800.0, 450.0, 1.0),
        ),
        ego_from_camera: Pose {
            translation: DVec3::new(1.5, 0.0, 1.6),
            rotation: ego_from_camera_rot,
        },
    };
    let p = cam_params(&camera, &nuscenes_lidar(), 800, 450);
    assert_eq!((p.width_px, p.height_px), (800, 450));
    assert!((p.cx_px - 400.0).abs() < 1e-9 && (p.cy_px - 225.0).abs() < 1e-9);
    // fx = W / 2 -> 90 deg horizontal field of view.
    assert!((p.fovx_rad - FRAC_PI_2).abs() < 1e-12);
    assert!((p.fovy_rad - 2.0 * (450.0_f64 / 800.0).atan()).abs() < 1e-12);
    // v2c maps a point 10 m ahead of the rear axle at camera height to (0, 0, 8.5).
    let m = DMat4::from_cols_array(&p.v2c).transpose();
    let c = m.transform_point3(DVec3::new(10.0, 0.0, 1.6));
    assert!((c - DVec3::new(0.0, 0.0, 8.5)).length() < 1e-9, "{c}");
    // l2c maps the lidar origin to the lidar's position seen from the camera.
    let l = DMat4::from_cols_array(&p.l2c).transpose();
    let c = l.transform_point3(DVec3::ZERO);
    assert!(
        (c - DVec3::new(0.0, 1.6 - 1.84, 0.94 - 1.5)).length() < 1e-9,
        "{c}"
    );
}
