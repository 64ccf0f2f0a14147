//! Hand-worked PDMS cases. Ego 4 x 2 m, box centre 1 m ahead of the rear axle: at rear axle
//! x the box spans [x - 1, x + 3] x [-1, 1]. Samples every 0.1 s along the x axis, which is also
//! the centreline.

use super::*;

const DT: f64 = 0.1;
const EGO: EgoShape = EgoShape {
    length_m: 4.0,
    width_m: 2.0,
    rear_axle_to_center_m: 1.0,
};

fn road() -> Vec<Polygon> {
    vec![Polygon {
        exterior: vec![
            DVec2::new(-100.0, -10.0),
            DVec2::new(1000.0, -10.0),
            DVec2::new(1000.0, 10.0),
            DVec2::new(-100.0, 10.0),
        ],
        holes: vec![],
    }]
}

/// From the origin, 1024 m long: projections x / 1024 * 1024 are exact for dyadic x.
fn centreline() -> Vec<DVec2> {
    vec![DVec2::new(0.0, 0.0), DVec2::new(1024.0, 0.0)]
}

/// `n + 1` samples along +x from 0 to `total_m` (x_k = total k / n exactly at the ends), all
/// with speed `speed`.
fn straight(total_m: f64, n: usize, speed: f64) -> Vec<EgoSample> {
    (0..=n)
        .map(|k| EgoSample {
            pose: Pose2::new(total_m * k as f64 / n as f64, 0.0, 0.0),
            speed_mps: speed,
        })
        .collect()
}

fn no_objects(n: usize) -> Vec<Vec<PdmsObject>> {
    vec![vec![]; n]
}

/// A moving or still object per time: centre x(t) = x0 + vx t, y, size length x width.
fn track(id: u64, x0: f64, y: f64, vx: f64, len: f64, wid: f64, n: usize) -> Vec<PdmsObject> {
    (0..n)
        .map(|k| PdmsObject {
            id,
            obb: Obb::new(DVec2::new(x0 + vx * k as f64 * DT, y), 0.0, len, wid),
            velocity_mps: DVec2::new(vx, 0.0),
            is_static: false,
        })
        .collect()
}

fn per_time(tracks: &[Vec<PdmsObject>]) -> Vec<Vec<PdmsObject>> {
    let n = tracks.iter().map(Vec::len).max().unwrap_or(0);
    (0..n)
        .map(|k| tracks.iter().filter_map(|t| t.get(k).copied()).collect())
        .collect()
}

fn run(proposals: &[Vec<EgoSample>], objects: &[Vec<PdmsObject>]) -> Vec<PdmsScore> {
    let (road, line) = (road(), centreline());
    pdms(&PdmsInput {
        dt_secs: DT,
        ego: EGO,
        proposals,
        objects,
        drivable: &road,
        centreline: &line,
    })
    .expect("valid input")
}

#[test]
fn ep_is_relative_to_the_best_proposal() {
    // 40 m and 20 m in 4 s at constant speed: EP 1 and 20/40 = 0.5.
    // PDMS: (5 + 5 + 2) / 12 = 1 and (2.5 + 5 + 2) / 12 = 9.5/12.
    let s = run(
        &[straight(40.0, 40, 10.0), straight(20.0, 40, 5.0)],
        &no_objects(41),
    );
    assert_eq!((s[0].progress_m, s[1].progress_m), (40.0, 20.0));
    assert_eq!((s[0].ep, s[1].ep), (1.0, 0.5));
    assert_eq!(s[0].score, 1.0);
    assert!((s[1].score - 9.5 / 12.0).abs() < 1e-12);
}

#[test]
fn ep_is_one_when_nobody_gets_past_five_metres() {
    // Best 4 m: everyone EP 1.
    let s = run(
        &[straight(4.0, 40, 1.0), straight(2.0, 40, 0.5)],
        &no_objects(41),
    );
    assert_eq!((s[0].ep, s[1].ep), (1.0, 1.0));
    // Best exactly 5 m is not above the threshold: still 1.
    let s = run(
        &[straight(5.0, 40, 1.25), straight(2.5, 40, 0.6)],
        &no_objects(41),
    );
    assert_eq!(s[0].progress_m, 5.0);
    assert_eq!((s[0].ep, s[1].ep), (1.0, 1.0));
    // Best 5.01 m: ratios apply, 2.5 / 5.01.
    let s = run(
        &[straight(5.01, 40, 1.25), straight(2.5, 40, 0.6)],
        &no_objects(41),
    );
    assert!((s[1].ep - 2.5 / 5.01).abs() < 1e-12);
    // Going backwards is no progress (0, not negative).
    let s = run(
        &[straight(-8.0, 40, -2.0), straight(20.0, 40, 5.0)],
        &no_objects(41),
    );
    assert_eq!((s[0].progress_m, s[0].ep), (0.0, 0.0));
}

#[test]
fn static_object_costs_half_and_agent_costs_all() {
    // A static cone (1 x 1) centred at x = 15 spans [14.5, 15.5]; the ego front (x + 3) at
    // 10 m/s reaches 14.5 at t = 1.15 s: an at-fault collision with a static object -> NC 0.5.
    let cone: Vec<PdmsObject> = (0..41)
        .map(|_| PdmsObject {
            id: 7,
            obb: Obb::new(DVec2::new(15.0, 0.0), 0.0, 1.0, 1.0),
            velocity_mps: DVec2::ZERO,
            is_static: true,
        })
        .collect();
    let objects = per_time(&[cone]);
    let alone = run(&[straight(40.0, 40, 10.0)], &objects);
    // Alone, its weighted progress 40 * 0.5 = 20 is the best: EP 1. TTC ignores the cone it
    // already hit: 1. PDMS = 0.5 * 1 * (5 + 5 + 2) / 12 = 0.5.
    assert_eq!((alone[0].nc, alone[0].ep, alone[0].ttc), (0.5, 1.0, 1.0));
    assert_eq!(alone[0].score, 0.5);
    // Beside a clean proposal one lane over (y = 5, away from the cone) that also makes 40 m:
    // best weighted progress 40, so EP = 20 / 40 = 0.5 and PDMS = 0.5 (2.5 + 5 + 2) / 12.
    let mut other = straight(40.0, 40, 10.0);
    other.iter_mut().for_each(|s| s.pose.xy.y = 5.0);
    let both = run(&[straight(40.0, 40, 10.0), other], &objects);
    assert_eq!((both[0].nc, both[0].ep), (0.5, 0.5));
    assert!((both[0].score - 0.5 * 9.5 / 12.0).abs() < 1e-15);
    assert_eq!((both[1].nc, both[1].ep, both[1].score), (1.0, 1.0, 1.0));

    // A car (4 x 2) driving ahead at 2 m/s from centre x = 20 (rear at 18 + 2t); the ego front
    // (3 + 10t) reaches it at t = 1.875 s: front collision with an agent -> NC 0, PDMS 0.
    let lead = per_time(&[track(1, 20.0, 0.0, 2.0, 4.0, 2.0, 41)]);
    let s = run(&[straight(40.0, 40, 10.0)], &lead);
    assert_eq!((s[0].nc, s[0].score), (0.0, 0.0));
}

#[test]
fn no_fault_when_stopped_or_rear_ended() {
    // Ego stopped at the origin (box [-1, 3]); a car from behind at 5 m/s, centre from x = -10
    // (front at -8 + 5t), reaches it at t = 1.4 s. Stopped ego: no fault, NC 1.
    let chaser = per_time(&[track(2, -10.0, 0.0, 5.0, 4.0, 2.0, 41)]);
    let s = run(&[straight(0.0, 40, 0.0)], &chaser);
    assert_eq!((s[0].nc, s[0].ttc), (1.0, 1.0));
    // Ego moving at 2 m/s (rear -1 + 2t), chaser at 5 m/s (front -8 + 5t): contact at
    // t = 7/3 s, chaser centre straight behind the rear axle (bearing 180 deg > 150): no fault.
    let s = run(&[straight(8.0, 40, 2.0)], &chaser);
    assert_eq!(s[0].nc, 1.0);
}

#[test]
fn lateral_contact_is_blamed_only_off_road() {
    // A 2 x 2 car alongside on the left, centre (x + 0.5, 2) moving with the ego at 10 m/s:
    // it spans y in [1, 3] and touches the ego's left side (y = 1) but not its front edge
    // (x + 3). Bearing from the rear axle atan2(2, 0.5) = 76 deg: not behind.
    let side = per_time(&[track(3, 0.5, 2.0, 10.0, 2.0, 2.0, 41)]);
    let s = run(&[straight(40.0, 40, 10.0)], &side);
    assert_eq!((s[0].nc, s[0].dac), (1.0, 1.0));
    // Same, with the road ending at y = 0.5: corners at y = 1 are off road -> DAC 0, and the
    // lateral contact becomes at fault -> NC 0.
    let narrow = [Polygon {
        exterior: vec![
            DVec2::new(-100.0, -10.0),
            DVec2::new(1000.0, -10.0),
            DVec2::new(1000.0, 0.5),
            DVec2::new(-100.0, 0.5),
        ],
        holes: vec![],
    }];
    let line = centreline();
    let proposals = [straight(40.0, 40, 10.0)];
    let s = pdms(&PdmsInput {
        dt_secs: DT,
        ego: EGO,
        proposals: &proposals,
        objects: &side,
        drivable: &narrow,
        centreline: &line,
    })
    .expect("valid");
    assert_eq!((s[0].nc, s[0].dac, s[0].score), (0.0, 0.0, 0.0));
}

#[test]
fn dac_needs_every_corner_on_the_road() {
    // Road y in [-1, 10]: the ego's right corners sit exactly on y = -1 (boundary: inside).
    let mut road = road();
    road[0].exterior[0].y = -1.0;
    road[0].exterior[1].y = -1.0;
    let line = centreline();
    let score = |y: f64| {
        let mut p = straight(40.0, 40, 10.0);
        p.iter_mut().for_each(|s| s.pose.xy.y = y);
        pdms(&PdmsInput {
            dt_secs: DT,
            ego: EGO,
            proposals: &[p],
            objects: &no_objects(41),
            drivable: &road,
            centreline: &line,
        })
        .expect("valid")[0]
    };
    assert_eq!(score(0.0).dac, 1.0);
    let off = score(-0.01);
    assert_eq!((off.dac, off.score), (0.0, 0.0));
}

#[test]
fn ttc_sees_the_constant_speed_extrapolation() {
    // A stopped car spans x in [16, 20] (centre 18). The ego brakes at 4 m/s^2 from 10 m/s:
    // rear axle x(t) = 10t - 2t^2, front x(t) + 3, speed 10 - 4t. Over 2 s the front reaches
    // 15 < 16: no collision (NC 1). At t = 1.0 s (x = 8, v = 6) the 0.9 s extrapolation moves
    // the front to 3 + 8 + 5.4 = 16.4 >= 16, with the car dead ahead: TTC 0.
    // PDMS = 1 * 1 * (5 * 1 + 0 + 2 * 1) / 12 = 7/12 (EP 1 alone; accel -4 is within -4.05).
    let braking: Vec<EgoSample> = (0..=20)
        .map(|k| {
            let t = k as f64 * DT;
            EgoSample {
                pose: Pose2::new(10.0 * t - 2.0 * t * t, 0.0, 0.0),
                speed_mps: 10.0 - 4.0 * t,
            }
        })
        .collect();
    let parked = per_time(&[track(4, 18.0, 0.0, 0.0, 4.0, 2.0, 21)]);
    let s = run(&[braking], &parked);
    assert_eq!(
        (s[0].nc, s[0].ttc, s[0].comfort, s[0].ep),
        (1.0, 0.0, 1.0, 1.0)
    );
    assert!((s[0].score - 7.0 / 12.0).abs() < 1e-15);
}

#[test]
fn ttc_is_skipped_below_the_stopped_speed() {
    // The ego stands still with its front at x = 3; a parked car starts 1 mm ahead (rear at
    // 3.001). With a reported speed of 0.004 m/s (< 5e-3) the check is skipped: TTC 1. At
    // 0.006 m/s the 0.3 s extrapolation moves the front 1.8 mm: hit, TTC 0. (The poses stay put
    // so that NC sees no contact; only the reported speed differs.)
    let parked = per_time(&[track(5, 5.001, 0.0, 0.0, 4.0, 2.0, 11)]);
    let still = |v: f64| straight(0.0, 10, v);
    assert_eq!(run(&[still(0.004)], &parked)[0].ttc, 1.0);
    let s = run(&[still(0.006)], &parked);
    assert_eq!((s[0].nc, s[0].ttc), (1.0, 0.0));
}

#[test]
fn comfort_uses_the_navsim_jerk_bound() {
    // Speed 10 m/s for samples 0..=10, then +0.045 m/s per 0.1 s step: acceleration steps from
    // 0 to 0.45 m/s^2, a jerk of 0.45 / 0.1 = 4.5 m/s^3: over NAVSIM's 4.13 (HUGSIM's 8.37
    // would pass it).
    let mut v = 10.0;
    let mut x = 0.0;
    let samples: Vec<EgoSample> = (0..=20)
        .map(|k| {
            let s = EgoSample {
                pose: Pose2::new(x, 0.0, 0.0),
                speed_mps: v,
            };
            if k >= 10 {
                v += 0.045;
            }
            x += v * DT;
            s
        })
        .collect();
    let s = run(&[samples], &no_objects(21));
    assert_eq!(s[0].comfort, 0.0);
    // PDMS = (5 + 5 + 0) / 12.
    assert!((s[0].score - 10.0 / 12.0).abs() < 1e-15);
}

#[test]
fn bad_input_is_rejected() {
    let (road, line) = (road(), centreline());
    let mut p = straight(10.0, 10, 1.0);
    p[3].speed_mps = f64::NAN;
    let input = PdmsInput {
        dt_secs: DT,
        ego: EGO,
        proposals: &[p],
        objects: &no_objects(11),
        drivable: &road,
        centreline: &line,
    };
    assert_eq!(
        pdms(&input),
        Err(MetricsError::NonFinite {
            field: "PdmsInput::proposals",
            index: 0
        })
    );
    let ok = [straight(10.0, 10, 1.0)];
    let short = PdmsInput {
        proposals: &ok,
        objects: &no_objects(5),
        ..input
    };
    assert_eq!(
        pdms(&short),
        Err(MetricsError::LengthMismatch {
            field: "PdmsInput::objects",
            got: 5,
            expected: 11
        })
    );
    let zero_dt = PdmsInput {
        proposals: &ok,
        objects: &no_objects(11),
        dt_secs: 0.0,
        ..input
    };
    assert!(matches!(
        pdms(&zero_dt),
        Err(MetricsError::InvalidDt { .. })
    ));
    // No proposals: no scores.
    let none = PdmsInput {
        proposals: &[],
        ..input
    };
    assert_eq!(pdms(&none), Ok(vec![]));
}

#[test]
fn projection_on_a_polyline() {
    // L-shaped line (0,0) -> (10,0) -> (10,10): (5, 3) projects to s = 5; (12, 4) to s = 14;
    // beyond the end (10, 20) to s = 20; before the start (-3, 0) to 0.
    let line = [
        DVec2::new(0.0, 0.0),
        DVec2::new(10.0, 0.0),
        DVec2::new(10.0, 10.0),
    ];
    assert_eq!(project_on_polyline_m(&line, DVec2::new(5.0, 3.0)), 5.0);
    assert_eq!(project_on_polyline_m(&line, DVec2::new(12.0, 4.0)), 14.0);
    assert_eq!(project_on_polyline_m(&line, DVec2::new(10.0, 20.0)), 20.0);
    assert_eq!(project_on_polyline_m(&line, DVec2::new(-3.0, 0.0)), 0.0);
    assert_eq!(
        progress_along_polyline_m(&line, DVec2::new(12.0, 4.0), DVec2::new(5.0, 3.0)),
        -9.0
    );
    assert_eq!(project_on_polyline_m(&line[..1], DVec2::new(5.0, 3.0)), 0.0);
}
