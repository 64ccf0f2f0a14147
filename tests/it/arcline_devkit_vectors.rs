//! Arcline discretisation against the official devkit.
//!
//! The first three tests copy the vectors of nuscenes-devkit's
//! `python-sdk/nuscenes/map_expansion/tests/test_arcline_path_utils.py` (real lane records from
//! the nuScenes maps); they compare with numpy's `assert_allclose` default (rtol 1e-7), so we do
//! too. The last test reads `tests/fixtures/arcline_reference.json`, produced by the devkit
//! 1.2.0 itself through `tests/python/arcline_reference.py` (all six Dubins shapes).

use mpa_sim::scene::arcline::{
    Arcline, Pose2d, curvature_at_distance_along_lane, discretize, discretize_lane, length_of_lane,
};
use mpa_sim::scene::tables::ArclinePath;

/// numpy `assert_allclose` default relative tolerance.
const RTOL: f64 = 1e-7;

fn path(start: [f64; 3], end: [f64; 3], shape: &str, radius: f64, len: [f64; 3]) -> Arcline {
    Arcline::from_record(&ArclinePath {
        start_pose: start.to_vec(),
        end_pose: end.to_vec(),
        shape: shape.into(),
        radius,
        segment_length: len.to_vec(),
    })
    .expect("valid devkit record")
}

fn straight_path() -> Arcline {
    path(
        [421.2419602954602, 1087.9127960414617, 2.739593514975998],
        [391.7142849867393, 1100.464077182952, 2.7365754617298705],
        "LSR",
        999.999,
        [0.23651121617864976, 28.593481378991886, 3.254561444252876],
    )
}

fn left_path() -> Arcline {
    path(
        [391.7142849867393, 1100.464077182952, 2.7365754617298705],
        [372.7733659833846, 1093.0160135871615, -2.000208580915862],
        "LSL",
        14.473414516079979,
        [
            22.380622583127813,
            0.18854612175175053,
            0.0010839266609007578,
        ],
    )
}

fn right_path() -> Arcline {
    path(
        [367.53376358458553, 1097.5300417399676, 1.1738120532326812],
        [392.24904359636037, 1112.5206834496375, -0.4033046016493182],
        "RSR",
        16.890467008945414,
        [4.423187697943063e-05, 6.490596454713637, 26.63819259666578],
    )
}

fn assert_close(got: &[Pose2d], want: &[[f64; 3]], rtol: f64) {
    assert_eq!(got.len(), want.len(), "number of points");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        for (a, b) in [g.x, g.y, g.yaw].iter().zip(w) {
            assert!(
                (a - b).abs() <= rtol * b.abs() + 1e-12,
                "point {i}: got {g:?}, want {w:?}"
            );
        }
    }
}

#[test]
fn devkit_discretize_straight_path() {
    let want = [
        [421.2419602954602, 1087.9127960414617, 2.739593514975998],
        [413.85953060356087, 1091.049417600379, 2.739830026428688],
        [406.4770899726762, 1094.1860134184205, 2.739830026428688],
        [399.0946493417915, 1097.322609236462, 2.739830026428688],
        [391.71428498673856, 1100.4640771829522, 2.7365754617298705],
    ];
    assert_close(&discretize(&straight_path(), 10.0), &want, RTOL);
}

#[test]
fn devkit_discretize_curved_path() {
    let want = [
        [391.7142849867393, 1100.464077182952, 2.7365754617298705],
        [389.94237388555354, 1101.0909492468568, 2.8665278225823894],
        [388.10416900705434, 1101.4829190922167, 2.996480183434908],
        [386.23066958739906, 1101.633376593063, 3.126432544287426],
        [384.3534700650694, 1101.539784454639, -3.026800402039642],
        [382.50422727657343, 1101.2037210019917, -2.8968480411871234],
        [380.714126599876, 1100.630853563314, -2.7668956803346045],
        [379.01335604844144, 1099.830842896896, -2.6369433194820857],
        [377.4305971846951, 1098.8171802734153, -2.506990958629568],
        [375.99254143806974, 1097.6069599609898, -2.377038597777049],
        [374.7234399843828, 1096.220590949774, -2.24708623692453],
        [373.64469477731785, 1094.6814527775348, -2.117133876072012],
        [372.7733659833847, 1093.0160135871613, -2.0002085809158623],
    ];
    assert_close(&discretize(&left_path(), 2.0), &want, RTOL);
}

#[test]
fn devkit_discretize_curved_lane() {
    let want = [
        [421.2419602954602, 1087.9127960414617, 2.739593514975998],
        [417.0234337310829, 1089.7051622497897, 2.739830026428688],
        [412.80489622772023, 1091.497502717242, 2.739830026428688],
        [408.5863587243576, 1093.2898431846943, 2.739830026428688],
        [404.3678212209949, 1095.0821836521468, 2.739830026428688],
        [400.1492837176322, 1096.874524119599, 2.739830026428688],
        [395.93074621426956, 1098.6668645870514, 2.739830026428688],
        [391.71428498673856, 1100.4640771829522, 2.7365754617298705],
        [391.7142849867393, 1100.464077182952, 2.7365754617298705],
        [387.35724292592613, 1101.5723176767192, 3.048461127775915],
        [382.87033132963325, 1101.2901176788932, -2.922838513357627],
        [378.6864775951582, 1099.6447057425564, -2.610952847311582],
        [375.20936805976606, 1096.7948422737907, -2.2990671812655377],
        [372.7733659833847, 1093.0160135871613, -2.0002085809158623],
    ];
    let lane = [straight_path(), left_path()];
    assert_close(&discretize_lane(&lane, 5.0), &want, RTOL);
}

#[test]
fn devkit_length_and_curvature() {
    let sum = |p: &Arcline| p.segment_length_m.iter().sum::<f64>();
    assert_eq!(length_of_lane(&[straight_path()]), sum(&straight_path()));
    assert_eq!(length_of_lane(&[right_path()]), sum(&right_path()));
    assert_eq!(
        length_of_lane(&[straight_path(), left_path()]),
        sum(&straight_path()) + sum(&left_path())
    );
    assert_eq!(
        curvature_at_distance_along_lane(15.0, &[straight_path()]),
        0.0
    );
    assert_eq!(
        curvature_at_distance_along_lane(53.0, &[straight_path(), left_path()]),
        1.0 / left_path().radius_m
    );
}

#[derive(serde::Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    path: ArclinePath,
    discretize_0_5: Vec<[f64; 3]>,
    discretize_1_7: Vec<[f64; 3]>,
    pose_at_length: Vec<(f64, [f64; 3])>,
    curvature: Vec<(f64, f64)>,
}

#[test]
fn devkit_reference_all_six_shapes() {
    let text = include_str!("../fixtures/arcline_reference.json");
    let reference: Reference = serde_json::from_str(text).expect("fixture parses");
    assert_eq!(reference.cases.len(), 6);
    for case in &reference.cases {
        let p = Arcline::from_record(&case.path).expect("valid");
        assert_close(&discretize(&p, 0.5), &case.discretize_0_5, 1e-9);
        assert_close(&discretize(&p, 1.7), &case.discretize_1_7, 1e-9);
        for (s, want) in &case.pose_at_length {
            assert_close(&[p.pose_at_length(*s)], &[*want], 1e-9);
        }
        for (s, want) in &case.curvature {
            assert_eq!(
                curvature_at_distance_along_lane(*s, std::slice::from_ref(&p)),
                *want
            );
        }
    }
}
