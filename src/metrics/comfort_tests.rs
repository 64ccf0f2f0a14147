//! Hand-worked comfort cases: each bound just inside and just outside (margins of 0.01 in the
//! bound's unit, far above the ~1e-14 rounding of the differences).

use super::*;

const DT: f64 = 0.5;

/// Poses along +x, heading 0, whose interval speeds are `speeds` (x_{k+1} = x_k + v_k dt).
fn straight(speeds: &[f64], dt: f64) -> Vec<Pose2> {
    let mut x = 0.0;
    let mut out = vec![Pose2::new(0.0, 0.0, 0.0)];
    for v in speeds {
        x += v * dt;
        out.push(Pose2::new(x, 0.0, 0.0));
    }
    out
}

/// `n + 1` poses on a left circle of radius `r_m` starting at the origin heading +x, turning at
/// `rate` rad/s. Each chord lies exactly along the interval's mid heading, so the differenced
/// speed is 2 R sin(rate dt / 2) / dt and the lateral acceleration that times `rate`.
fn arc(r_m: f64, rate: f64, n: usize, dt: f64) -> Vec<Pose2> {
    (0..=n)
        .map(|k| {
            let th = rate * k as f64 * dt;
            Pose2::new(r_m * th.sin(), r_m * (1.0 - th.cos()), th)
        })
        .collect()
}

fn only_failure(c: ComfortCheck) -> Vec<&'static str> {
    let mut f = vec![];
    if !c.lon_accel_ok {
        f.push("lon_accel");
    }
    if !c.lon_jerk_ok {
        f.push("lon_jerk");
    }
    if !c.lat_accel_ok {
        f.push("lat_accel");
    }
    if !c.yaw_rate_ok {
        f.push("yaw_rate");
    }
    if !c.yaw_accel_ok {
        f.push("yaw_accel");
    }
    f
}

fn check(poses: &[Pose2]) -> ComfortCheck {
    ComfortBounds::HUGSIM.check(&Kinematics::from_poses(poses, DT))
}

#[test]
fn differencing_of_a_straight_plan() {
    // Speeds 10, 9, 10.095 over 0.5 s: accelerations (9-10)/0.5 = -2 and (10.095-9)/0.5 =
    // 2.19; jerk (2.19 - -2)/0.5 = 8.38; no turning.
    let k = Kinematics::from_poses(&straight(&[10.0, 9.0, 10.095], DT), DT);
    assert_eq!(k.lon_speed_mps.len(), 3);
    for (got, want) in k.lon_speed_mps.iter().zip([10.0, 9.0, 10.095]) {
        assert!((got - want).abs() < 1e-12);
    }
    assert!((k.lon_accel_mps2[0] + 2.0).abs() < 1e-12);
    assert!((k.lon_accel_mps2[1] - 2.19).abs() < 1e-12);
    assert_eq!(k.lon_jerk_mps3.len(), 1);
    assert!((k.lon_jerk_mps3[0] - 8.38).abs() < 1e-11);
    assert!(k.yaw_rate_radps.iter().all(|r| *r == 0.0));
    assert!(k.lat_accel_mps2.iter().all(|a| *a == 0.0));
}

#[test]
fn lon_accel_bounds() {
    // 10 -> 11.195 m/s in 0.5 s: +2.39 (inside 2.40); 10 -> 11.205: +2.41 (outside).
    assert!(check(&straight(&[10.0, 11.195], DT)).all());
    assert_eq!(
        only_failure(check(&straight(&[10.0, 11.205], DT))),
        ["lon_accel"]
    );
    // 10 -> 7.98: -4.04 (inside -4.05); 10 -> 7.97: -4.06 (outside).
    assert!(check(&straight(&[10.0, 7.98], DT)).all());
    assert_eq!(
        only_failure(check(&straight(&[10.0, 7.97], DT))),
        ["lon_accel"]
    );
}

#[test]
fn lon_jerk_bounds() {
    // Accelerations -2 then 2.18: jerk 4.18 / 0.5 = 8.36 (inside 8.37).
    assert!(check(&straight(&[10.0, 9.0, 10.09], DT)).all());
    // -2 then 2.19: jerk 8.38 (outside); both accelerations inside their bounds.
    assert_eq!(
        only_failure(check(&straight(&[10.0, 9.0, 10.095], DT))),
        ["lon_jerk"]
    );
}

#[test]
fn too_short_series_hold_vacuously() {
    // Three poses: two speeds, one acceleration, no jerk. A jump that would be a huge jerk
    // cannot be seen; HUGSIM calls plans under four poses comfortable.
    let k = Kinematics::from_poses(&straight(&[10.0, 11.0], DT), DT);
    assert!(k.lon_jerk_mps3.is_empty());
    assert!(ComfortBounds::HUGSIM.check(&k).lon_jerk_ok);
    assert!(check(&[Pose2::new(0.0, 0.0, 0.0)]).all());
    assert!(check(&[]).all());
}

#[test]
fn yaw_rate_bounds() {
    // Radius 5 m: at 0.94 rad/s the speed is 2*5*sin(0.235)/0.5 = 4.657 m/s and the lateral
    // acceleration 4.657*0.94 = 4.38 (inside 4.89); at 0.96 rad/s, 4.755*0.96 = 4.56. The
    // rate is constant, so yaw acceleration and longitudinal acceleration are 0.
    assert!(check(&arc(5.0, 0.94, 6, DT)).all());
    assert_eq!(only_failure(check(&arc(5.0, 0.96, 6, DT))), ["yaw_rate"]);
}

#[test]
fn lat_accel_is_computed_for_real() {
    // At 0.5 rad/s a lateral acceleration `lat` needs speed lat / 0.5; the chord speed is
    // 2 R sin(0.125) / 0.5, so R = (lat / 0.5) * 0.5 / (2 sin 0.125).
    let radius = |lat: f64| (lat / 0.5) * DT / (2.0 * 0.125f64.sin());
    let k = Kinematics::from_poses(&arc(radius(4.88), 0.5, 6, DT), DT);
    for a in &k.lat_accel_mps2 {
        assert!((a - 4.88).abs() < 1e-9, "{a}");
    }
    assert!(check(&arc(radius(4.88), 0.5, 6, DT)).all());
    assert_eq!(
        only_failure(check(&arc(radius(4.90), 0.5, 6, DT))),
        ["lat_accel"]
    );
    // Turning right: negative lateral acceleration, same magnitude bound.
    assert_eq!(
        only_failure(check(&arc(radius(4.90), -0.5, 6, DT))),
        ["lat_accel"]
    );
}

#[test]
fn yaw_accel_bounds() {
    // Straight along x at 5 m/s with headings 0, -0.24, 0: yaw rates -0.48 and +0.48, yaw
    // acceleration 0.96 / 0.5 = 1.92 (inside 1.93). Mid headings are both -0.12, so the
    // longitudinal speeds (5 cos 0.12) are equal; lateral 5 * 0.48 = 2.4.
    let mut p = straight(&[5.0, 5.0], DT);
    p[1].yaw = -0.24;
    assert!(check(&p).all());
    // Headings 0, -0.24, 0.005: rates -0.48, +0.49, yaw acceleration 1.94 (outside).
    p[2].yaw = 0.005;
    assert_eq!(only_failure(check(&p)), ["yaw_accel"]);
}

#[test]
fn yaw_differences_wrap() {
    // 3.1 -> -3.1 rad is a +0.0832 rad turn (2 pi - 6.2), not -6.2.
    let p = [Pose2::new(0.0, 0.0, 3.1), Pose2::new(-1.0, 0.0, -3.1)];
    let k = Kinematics::from_poses(&p, DT);
    let want = (std::f64::consts::TAU - 6.2) / DT;
    assert!((k.yaw_rate_radps[0] - want).abs() < 1e-12);
    // Mid heading is pi (+-), so moving to -x is forward: speed +2 m/s.
    assert!((k.lon_speed_mps[0] - 2.0).abs() < 1e-9);
}

#[test]
fn reversing_has_negative_speed() {
    // Heading +x, moving to -x at 1 m/s.
    let p = [Pose2::new(0.0, 0.0, 0.0), Pose2::new(-0.5, 0.0, 0.0)];
    let k = Kinematics::from_poses(&p, DT);
    assert!((k.lon_speed_mps[0] + 1.0).abs() < 1e-12);
}

#[test]
fn sampled_kinematics_and_navsim_jerk() {
    let dt = 0.1;
    let poses = vec![Pose2::default(); 3];
    // Speeds 10, 10, 10.041 at 0.1 s: accelerations 0, 0.41; jerk 4.1 (inside NAVSIM's 4.13).
    let k = Kinematics::from_samples(&poses, &[10.0, 10.0, 10.041], dt);
    assert!((k.lon_jerk_mps3[0] - 4.1).abs() < 1e-9);
    assert!(ComfortBounds::NAVSIM.check(&k).all());
    // 10.042: jerk 4.2, outside NAVSIM's 4.13 but inside HUGSIM's 8.37.
    let k = Kinematics::from_samples(&poses, &[10.0, 10.0, 10.042], dt);
    assert!(!ComfortBounds::NAVSIM.check(&k).lon_jerk_ok);
    assert!(ComfortBounds::HUGSIM.check(&k).all());
    // Lateral: speeds 4 and 6, headings 0 -> 0.1 in 0.1 s: rate 1.0, mean speed 5, lat 5.0.
    let poses = [Pose2::new(0.0, 0.0, 0.0), Pose2::new(0.5, 0.0, 0.1)];
    let k = Kinematics::from_samples(&poses, &[4.0, 6.0], dt);
    assert!((k.lat_accel_mps2[0] - 5.0).abs() < 1e-9);
}

#[test]
fn nan_fails_the_check() {
    let p = [
        Pose2::new(0.0, 0.0, 0.0),
        Pose2::new(f64::NAN, 0.0, 0.0),
        Pose2::new(1.0, 0.0, 0.0),
    ];
    assert!(!check(&p).all());
}
