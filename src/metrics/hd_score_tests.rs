//! Hand-worked HD-Score cases. Axis-aligned boxes with integer (or dyadic) coordinates make the
//! touching / separated edges exact: at yaw 0 the axes are exactly (1, 0) and (0, 1).

use super::*;

/// 4 m x 2 m ego whose box centre is 1 m ahead of the rear axle: at pose (0, 0, 0) the box spans
/// x in [-1, 3], y in [-1, 1].
const EGO: EgoShape = EgoShape {
    length_m: 4.0,
    width_m: 2.0,
    rear_axle_to_center_m: 1.0,
};

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon {
    Polygon {
        exterior: vec![
            DVec2::new(x0, y0),
            DVec2::new(x1, y0),
            DVec2::new(x1, y1),
            DVec2::new(x0, y1),
        ],
        holes: vec![],
    }
}

/// An axis-aligned 4 x 2 actor box centred at (x, y).
fn actor(x: f64, y: f64) -> Obb {
    Obb::new(DVec2::new(x, y), 0.0, 4.0, 2.0)
}

fn big_road() -> Vec<Polygon> {
    vec![rect(-1000.0, -1000.0, 1000.0, 1000.0)]
}

fn step<'a>(
    plan: &'a [Pose2],
    boxes: &'a [Vec<Obb>],
    drivable: &'a [Polygon],
    speed: f64,
) -> StepInput<'a> {
    StepInput {
        plan_dt_secs: 0.5,
        ego_speed_mps: speed,
        ego: EGO,
        plan,
        actor_boxes: boxes,
        drivable,
        dac_grid: DacGrid::HUGSIM,
    }
}

#[test]
fn clean_step_scores_one() {
    // Straight at 4 m/s (2 m per 0.5 s), no actors, all on the road: every term 1, score
    // 1 * 1 * (5 + 2) / 7 = 1.
    let plan: Vec<Pose2> = (0..7)
        .map(|i| Pose2::new(2.0 * i as f64, 0.0, 0.0))
        .collect();
    let road = big_road();
    let s = hd_step_scores(&step(&plan, &[], &road, 4.0));
    assert_eq!(
        (s.nc, s.dac, s.ttc, s.com, s.score),
        (1.0, 1.0, 1.0, 1.0, 1.0)
    );
    assert!(!s.non_finite_input);
}

#[test]
fn nc_touching_collides_separated_does_not() {
    let plan = [Pose2::new(0.0, 0.0, 0.0)];
    let road = big_road();
    // Actor centred at x = 5 spans [3, 7]: it touches the ego's front face x = 3 -> NC 0.
    let touching = [vec![actor(5.0, 0.0)]];
    let s = hd_step_scores(&step(&plan, &touching, &road, 0.0));
    assert_eq!((s.nc, s.score), (0.0, 0.0));
    // Centred at x = 5.0001: a 0.0001 m gap -> NC 1 (speed 0, so TTC repeats NC: 1).
    let apart = [vec![actor(5.0001, 0.0)]];
    let s = hd_step_scores(&step(&plan, &apart, &road, 0.0));
    assert_eq!((s.nc, s.ttc, s.score), (1.0, 1.0, 1.0));
    // Corner to corner: actor centred at (5, 2) spans [3, 7] x [1, 3], touching the ego's
    // front-left corner (3, 1) only.
    let corner = [vec![actor(5.0, 2.0)]];
    assert_eq!(hd_step_scores(&step(&plan, &corner, &road, 0.0)).nc, 0.0);
}

#[test]
fn nc_compares_boxes_at_the_same_time_only() {
    // Plan: (0,0) now, (10,0) at +0.5 s. Ego boxes: x in [-1, 3], then [9, 13].
    let plan = [Pose2::new(0.0, 0.0, 0.0), Pose2::new(10.0, 0.0, 0.0)];
    let road = big_road();
    // An actor at x = 11 at index 0 (where the ego will be later) but gone at index 1: no hit.
    let boxes = [vec![actor(11.0, 0.0)], vec![]];
    assert_eq!(hd_step_scores(&step(&plan, &boxes, &road, 0.0)).nc, 1.0);
    // The same actor predicted at index 1: hit.
    let boxes = [vec![], vec![actor(11.0, 0.0)]];
    assert_eq!(hd_step_scores(&step(&plan, &boxes, &road, 0.0)).nc, 0.0);
    // Only one time given: it stands for every later index (HUGSIM reuses the last list).
    let boxes = [vec![actor(11.0, 0.0)]];
    assert_eq!(hd_step_scores(&step(&plan, &boxes, &road, 0.0)).nc, 0.0);
}

#[test]
fn ttc_catches_what_nc_misses() {
    // Ego at rest pose (0,0,0), box x in [-1, 3], speed 10 m/s. Shifted 5 m (0.5 s) the box is
    // [4, 8]; shifted 10 m (1.0 s) it is [9, 13].
    let plan = [Pose2::new(0.0, 0.0, 0.0)];
    let road = big_road();
    let at = |x: f64| [vec![actor(x, 0.0)]];
    // Actor [6, 10] (centre 8): no overlap now (NC 1) but the 0.5 s shift hits: TTC 0,
    // score 1 * 1 * (5 * 0 + 2 * 1) / 7 = 2/7.
    let s = hd_step_scores(&step(&plan, &at(8.0), &road, 10.0));
    assert_eq!((s.nc, s.ttc, s.com), (1.0, 0.0, 1.0));
    assert!((s.score - 2.0 / 7.0).abs() < 1e-15);
    // Actor [11, 15]: missed at 0.5 s ([4, 8]) but hit at 1.0 s ([9, 13]).
    assert_eq!(
        hd_step_scores(&step(&plan, &at(13.0), &road, 10.0)).ttc,
        0.0
    );
    // Actor [13, 17]: touches the 1.0 s box at x = 13: hit.
    assert_eq!(
        hd_step_scores(&step(&plan, &at(15.0), &road, 10.0)).ttc,
        0.0
    );
    // Actor [13.5, 17.5]: beyond the 1.0 s box: TTC 1.
    assert_eq!(
        hd_step_scores(&step(&plan, &at(15.5), &road, 10.0)).ttc,
        1.0
    );
    // Stopped ego: no shift, the actor at [6, 10] is never reached.
    assert_eq!(hd_step_scores(&step(&plan, &at(8.0), &road, 0.0)).ttc, 1.0);
}

#[test]
fn ttc_shifts_along_each_pose_heading() {
    // Pose heading +y (yaw pi/2): box centre (0, 1), 4 m along y, 2 m across x. At 10 m/s the
    // 0.5 s shift moves it 5 m along +y to centre (0, 6), spanning y in [4, 8]. An actor
    // spanning y in [6.5, 7.5] (x in [-2, 2]) is hit; along +x it would not be.
    let plan = [Pose2::new(0.0, 0.0, std::f64::consts::FRAC_PI_2)];
    let road = big_road();
    let boxes = [vec![Obb::new(DVec2::new(0.0, 7.0), 0.0, 4.0, 1.0)]];
    let s = hd_step_scores(&step(&plan, &boxes, &road, 10.0));
    assert_eq!((s.nc, s.ttc), (1.0, 0.0));
}

/// A 20 m x 2 m footprint (box centre at the rear axle) on 2 m cells: 10 x 1 cells with centres
/// at x = -9, -7, ..., 9 and y = 0 (pose (0, 0, 0)). A road x in [-100, edge] holds the cells
/// with centre x <= edge.
fn dac_for_edge(edge: f64) -> StepScores {
    let ego = EgoShape {
        length_m: 20.0,
        width_m: 2.0,
        rear_axle_to_center_m: 0.0,
    };
    let grid = DacGrid::with_cell_size(&ego, 2.0);
    assert_eq!(
        grid,
        DacGrid {
            along: 10,
            across: 1
        }
    );
    let road = [rect(-100.0, -10.0, edge, 10.0)];
    let plan = [Pose2::new(0.0, 0.0, 0.0)];
    hd_step_scores(&StepInput {
        ego,
        dac_grid: grid,
        ..step(&plan, &[], &road, 0.0)
    })
}

#[test]
fn dac_thresholds_at_exact_shares() {
    // Edge -6: cells -9, -7 inside: share 0.2 < 0.3 -> 0.
    assert_eq!(dac_for_edge(-6.0).dac, 0.0);
    // Edge -5: cells -9, -7, -5 (the last on the boundary counts): share exactly 0.3 -> 0.5.
    let s = dac_for_edge(-5.0);
    assert_eq!((s.dac, s.min_drivable_share), (0.5, 0.3));
    // 0.3 is a threshold "below" which DAC is 0: nudging the edge off the cell centre drops it.
    assert_eq!(dac_for_edge(-5.000_001).dac, 0.0);
    // Edge -2: four cells, share 0.4 -> 0.5.
    assert_eq!(dac_for_edge(-2.0).dac, 0.5);
    // Edge -1: five cells, share exactly 0.5 -> 1.
    assert_eq!(dac_for_edge(-1.0).dac, 1.0);
    assert_eq!(dac_for_edge(-1.000_001).dac, 0.5);
    // Everything inside.
    assert_eq!(dac_for_edge(50.0).dac, 1.0);
    // DAC 0.5 halves the score: 1 * 0.5 * (5 + 2) / 7.
    assert_eq!(dac_for_edge(-5.0).score, 0.5);
}

#[test]
fn dac_takes_the_worst_pose_and_the_union_of_polygons() {
    // Road in two pieces meeting at x = 0; the nuScenes-like 4 x 2 ego on the HUGSIM 2 x 2 grid
    // (cell centres 1 m and 0.5 m off the box centre: (+-1, +-0.5)).
    let road = [
        rect(-100.0, -10.0, 0.0, 10.0),
        rect(0.0, -10.0, 100.0, 10.0),
    ];
    let plan = [Pose2::new(-10.0, 0.0, 0.0), Pose2::new(-1.0, 0.0, 0.0)];
    assert_eq!(hd_step_scores(&step(&plan, &[], &road, 0.0)).dac, 1.0);
    // Second pose with its box centre at (0, 9.5): cells at y = 9 are inside, y = 10 on the
    // boundary (inside): still 1. At (0, 10): cells y = 9.5 inside, 10.5 outside: share 0.5 -> 1.
    // At (0, 10.5): y = 10 (boundary, inside) and 11: share 0.5 -> 1. At (0, 10.6): share 0 -> 0.
    let dac_at = |y: f64| {
        let plan = [Pose2::new(-10.0, 0.0, 0.0), Pose2::new(-1.0, y, 0.0)];
        hd_step_scores(&step(&plan, &[], &road, 0.0)).dac
    };
    assert_eq!(dac_at(9.5), 1.0);
    assert_eq!(dac_at(10.0), 1.0);
    assert_eq!(dac_at(10.5), 1.0);
    assert_eq!(dac_at(10.6), 0.0);
}

#[test]
fn dac_hugsim_grid_has_no_half_tier() {
    // 2 x 2 grid: shares are multiples of 0.25; one cell of four (0.25) -> 0.
    // Ego centre (1, 0) (pose at the origin), cells at x = 0, 2 and y = -0.5, 0.5. A road
    // x in [-10, 1], y in [0, 10] holds only the cell (0, 0.5).
    let road = [rect(-10.0, 0.0, 1.0, 10.0)];
    let plan = [Pose2::new(0.0, 0.0, 0.0)];
    let s = hd_step_scores(&step(&plan, &[], &road, 0.0));
    assert_eq!((s.min_drivable_share, s.dac), (0.25, 0.0));
    // Road y in [-10, 10]: cells (0, +-0.5) inside: 0.5 -> 1.
    let road = [rect(-10.0, -10.0, 1.0, 10.0)];
    assert_eq!(hd_step_scores(&step(&plan, &[], &road, 0.0)).dac, 1.0);
}

#[test]
fn dac_grid_from_cell_size() {
    // nuScenes car 4.084 x 1.730 at 2 m: ceil(2.042) = 3 along, ceil(0.865) = 1 across.
    let car = EgoShape {
        length_m: 4.084,
        width_m: 1.730,
        rear_axle_to_center_m: 1.3,
    };
    assert_eq!(
        DacGrid::with_cell_size(&car, 2.0),
        DacGrid {
            along: 3,
            across: 1
        }
    );
    assert_eq!(DacGrid::with_cell_size(&car, 0.0).cells(), 1);
    assert_eq!(DacGrid::with_cell_size(&car, f64::NAN).cells(), 1);
    // HUGSIM grid centres: (+-L/4, +-W/4).
    let c = DacGrid::HUGSIM.cell_centres_local(&car);
    assert_eq!(c.len(), 4);
    assert!(c.contains(&DVec2::new(-4.084 / 4.0, -1.730 / 4.0)));
    assert!(c.contains(&DVec2::new(4.084 / 4.0, 1.730 / 4.0)));
}

#[test]
fn com_fails_on_a_hard_brake() {
    // 10 m/s then 7 m/s: -6 m/s^2 < -4.05 -> COM 0; score 1 * 1 * (5 + 0) / 7 = 5/7.
    let plan = [
        Pose2::new(0.0, 0.0, 0.0),
        Pose2::new(5.0, 0.0, 0.0),
        Pose2::new(8.5, 0.0, 0.0),
    ];
    let road = big_road();
    let s = hd_step_scores(&step(&plan, &[], &road, 10.0));
    assert_eq!(s.com, 0.0);
    assert!((s.score - 5.0 / 7.0).abs() < 1e-15);
}

#[test]
fn stationary_plan_ignores_its_headings() {
    // Poses within 1 m of the first with headings jumping +-1 rad: yaw rate 2 rad/s would fail
    // COM, but HUGSIM resets a stationary plan's headings to the first.
    let plan = [
        Pose2::new(0.0, 0.0, 0.0),
        Pose2::new(0.1, 0.0, 1.0),
        Pose2::new(0.2, 0.0, -1.0),
        Pose2::new(0.3, 0.0, 1.0),
    ];
    let road = big_road();
    assert_eq!(hd_step_scores(&step(&plan, &[], &road, 0.0)).com, 1.0);
    // The same headings over a plan that moves 3 m: COM 0.
    let moving: Vec<Pose2> = plan
        .iter()
        .map(|p| Pose2::new(p.xy.x * 10.0, 0.0, p.yaw))
        .collect();
    assert_eq!(hd_step_scores(&step(&moving, &[], &road, 0.0)).com, 0.0);
}

#[test]
fn non_finite_input_scores_zero_and_is_flagged() {
    let road = big_road();
    let plan = [Pose2::new(0.0, f64::NAN, 0.0)];
    let s = hd_step_scores(&step(&plan, &[], &road, 0.0));
    assert!(s.non_finite_input);
    assert_eq!(
        (s.nc, s.dac, s.ttc, s.com, s.score),
        (0.0, 0.0, 0.0, 0.0, 0.0)
    );
    // A NaN actor box would overlap everything in the SAT test; it is flagged instead.
    let plan = [Pose2::new(0.0, 0.0, 0.0)];
    let boxes = [vec![actor(f64::NAN, 0.0)]];
    assert!(hd_step_scores(&step(&plan, &boxes, &road, 0.0)).non_finite_input);
    assert!(hd_step_scores(&step(&plan, &[], &road, f64::INFINITY)).non_finite_input);
    assert!(hd_step_scores(&step(&[], &[], &road, 0.0)).non_finite_input);
}

#[test]
fn route_completion_cases() {
    // 45 m of a 100 m route: 45 / 90 = 0.5.
    assert_eq!(route_completion(45.0, 100.0), 0.5);
    // 90 m: exactly 1; 95 m: capped at 1.
    assert_eq!(route_completion(90.0, 100.0), 1.0);
    assert_eq!(route_completion(95.0, 100.0), 1.0);
    assert_eq!(route_completion(-3.0, 100.0), 0.0);
    // Degenerate routes.
    assert_eq!(route_completion(0.0, 0.0), 1.0);
    assert_eq!(route_completion(5.0, -1.0), 1.0);
    assert_eq!(route_completion(f64::NAN, 100.0), 0.0);
    assert_eq!(route_completion(10.0, f64::NAN), 0.0);
}

#[test]
fn hd_score_composition() {
    let mk = |nc: f64, dac: f64, ttc: f64, com: f64| StepScores {
        nc,
        dac,
        ttc,
        com,
        score: nc * dac * (5.0 * ttc + 2.0 * com) / 7.0,
        min_drivable_share: 1.0,
        non_finite_input: false,
    };
    let mut acc = HdScoreAccumulator::new();
    // Step scores: 1; 1 * 0.5 * (0 + 2) / 7 = 1/7; 0.
    acc.push(&mk(1.0, 1.0, 1.0, 1.0));
    acc.push(&mk(1.0, 0.5, 0.0, 1.0));
    acc.push(&mk(0.0, 1.0, 1.0, 0.0));
    let hd = acc.finish(0.6);
    // Term means: NC 2/3, DAC 2.5/3, TTC 2/3, COM 2/3; mean score (1 + 1/7 + 0) / 3 = 8/21;
    // HD = 0.6 * 8/21 = 16/70.
    assert_eq!(hd.n_steps, 3);
    assert!((hd.nc - 2.0 / 3.0).abs() < 1e-15);
    assert!((hd.dac - 2.5 / 3.0).abs() < 1e-15);
    assert!((hd.ttc - 2.0 / 3.0).abs() < 1e-15);
    assert!((hd.com - 2.0 / 3.0).abs() < 1e-15);
    assert!((hd.score_mean - 8.0 / 21.0).abs() < 1e-15);
    assert!((hd.hd_score - 16.0 / 70.0).abs() < 1e-15);
    assert_eq!(hd.rc, 0.6);
    // HD is not the composition of the term means: 0.6 * (2/3) * (5/6) * (10/3 + 4/3) / 7 =
    // 0.6 * 10/27 = 0.2222, not 0.2286.
    let of_means = 0.6 * hd.nc * hd.dac * (5.0 * hd.ttc + 2.0 * hd.com) / 7.0;
    assert!((of_means - 0.6 * 10.0 / 27.0).abs() < 1e-15);
    assert!((hd.hd_score - of_means).abs() > 0.006);
}

#[test]
fn empty_episode_and_invalid_steps() {
    let hd = HdScoreAccumulator::new().finish(0.8);
    assert_eq!(hd.n_steps, 0);
    assert_eq!(
        (hd.nc, hd.score_mean, hd.hd_score, hd.rc),
        (0.0, 0.0, 0.0, 0.8)
    );
    let mut acc = HdScoreAccumulator::new();
    acc.push(&StepScores::invalid());
    acc.push(&StepScores {
        nc: 1.0,
        dac: 1.0,
        ttc: 1.0,
        com: 1.0,
        score: 1.0,
        min_drivable_share: 1.0,
        non_finite_input: false,
    });
    // The invalid step counts as a zero: mean score 0.5, HD = 1 * 0.5.
    let hd = acc.finish(1.0);
    assert_eq!((hd.n_steps, hd.n_invalid_steps, hd.hd_score), (2, 1, 0.5));
    // RC outside [0, 1] or NaN is clamped.
    assert_eq!(acc.finish(1.7).rc, 1.0);
    assert_eq!(acc.finish(f64::NAN).hd_score, 0.0);
}
