//! Differential test of `mpa_sim::geometry` against the `geo` crate (robust predicates):
//! `obb_overlap` and `Obb::contains` against `Intersects` between the boxes as geo geometries,
//! `point_in_polygon` / `point_in_ring` against `Intersects` of a geo polygon (with holes) and a
//! point. Our convention is closed sets (touching overlaps, the boundary is inside), which is
//! geo's `intersects`.
//!
//! Random float cases (seeded ChaCha) may disagree only within 1e-9 of a tie (the two
//! implementations round differently there); every such near-tie is counted and must stay rare.
//! Boundary cases are built exactly on integer/dyadic coordinates (axis-aligned boxes sharing an
//! edge or a corner, lattice points on polygon edges, hole boundaries and vertices, collinear
//! vertices, zero-width boxes) and must agree exactly.

use geo::{Area, Distance, Euclidean, Geometry, Intersects, Line, LineString, Point, Validation};
use glam::DVec2;
use mpa_sim::geometry::{
    Obb, RingProblem, obb_overlap, point_in_polygon, point_in_ring, ring_problem,
};
use mpa_sim::scene::Polygon;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED_BOXES: u64 = 0x0bb_5eed;
const SEED_LATTICE_BOXES: u64 = 0x1a7_71ce;
const SEED_POLYGONS: u64 = 0x0090_1790;
const SEED_LATTICE_POLYGONS: u64 = 0x1a7_9017;
/// Width of the band around a tie in which float cases may disagree.
const TIE_BAND: f64 = 1e-9;

fn coord(p: DVec2) -> geo::Coord<f64> {
    geo::Coord { x: p.x, y: p.y }
}

/// The box as a geo geometry: a point, a segment or a rectangle, by which extents are zero.
fn obb_geo(b: &Obb) -> Geometry<f64> {
    let c = b.corners();
    match (b.half_extents.x == 0.0, b.half_extents.y == 0.0) {
        (true, true) => Geometry::Point(Point(coord(b.center))),
        // Zero length: front-right to front-left (corners 0 and 1).
        (true, false) => Geometry::Line(Line::new(coord(c[0]), coord(c[1]))),
        // Zero width: front to rear (corners 0 and 3).
        (false, true) => Geometry::Line(Line::new(coord(c[0]), coord(c[3]))),
        (false, false) => Geometry::Polygon(geo::Polygon::new(
            LineString::from(c.iter().map(|p| coord(*p)).collect::<Vec<_>>()),
            vec![],
        )),
    }
}

fn ring_geo(ring: &[DVec2]) -> LineString<f64> {
    LineString::from(ring.iter().map(|p| coord(*p)).collect::<Vec<_>>())
}

fn poly_geo(p: &Polygon) -> geo::Polygon<f64> {
    geo::Polygon::new(
        ring_geo(&p.exterior),
        p.holes.iter().map(|h| ring_geo(h)).collect(),
    )
}

/// Largest separation over the four SAT axes (negative: overlapping by that much).
fn sat_margin(a: &Obb, b: &Obb) -> f64 {
    let d = b.center - a.center;
    let (aa, ba) = (a.axes(), b.axes());
    aa.iter()
        .chain(ba.iter())
        .map(|ax| {
            let pa =
                a.half_extents.x * aa[0].dot(*ax).abs() + a.half_extents.y * aa[1].dot(*ax).abs();
            let pb =
                b.half_extents.x * ba[0].dot(*ax).abs() + b.half_extents.y * ba[1].dot(*ax).abs();
            d.dot(*ax).abs() - pa - pb
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn obb_overlap_matches_geo_on_random_boxes() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_BOXES);
    let (mut hits, mut near_ties) = (0, 0);
    let n = 20_000;
    for case in 0..n {
        let random_box = |rng: &mut ChaCha8Rng| {
            // One box in ten is degenerate (zero length and/or width).
            let mut ext = || {
                if rng.random_range(0..10) == 0 {
                    0.0
                } else {
                    rng.random_range(0.05..3.0)
                }
            };
            let (l, w) = (2.0 * ext(), 2.0 * ext());
            Obb::new(
                DVec2::new(rng.random_range(-5.0..5.0), rng.random_range(-5.0..5.0)),
                rng.random_range(-std::f64::consts::PI..std::f64::consts::PI),
                l,
                w,
            )
        };
        let a = random_box(&mut rng);
        let b = random_box(&mut rng);
        let ours = obb_overlap(&a, &b);
        assert_eq!(ours, obb_overlap(&b, &a), "case {case}: not symmetric");
        let (ga, gb) = (obb_geo(&a), obb_geo(&b));
        let theirs = ga.intersects(&gb);
        hits += usize::from(theirs);
        if ours != theirs {
            let dist = Euclidean.distance(&ga, &gb);
            let margin = sat_margin(&a, &b);
            assert!(
                dist < TIE_BAND && margin.abs() < TIE_BAND,
                "case {case}: ours {ours}, geo {theirs}, distance {dist:e}, margin {margin:e}\n{a:?}\n{b:?}"
            );
            near_ties += 1;
        }
        // A point inside one box (or on its boundary) against Obb::contains.
        let p = DVec2::new(rng.random_range(-6.0..6.0), rng.random_range(-6.0..6.0));
        let theirs = ga.intersects(&Point(coord(p)));
        if a.contains(p) != theirs {
            let dist = Euclidean.distance(&ga, &Point(coord(p)));
            assert!(
                dist < TIE_BAND,
                "case {case}: contains({p}) disagrees\n{a:?}"
            );
            near_ties += 1;
        }
    }
    eprintln!("random boxes: {n} pairs, {hits} overlapping, {near_ties} near-ties");
    // Both outcomes well represented, ties vanishingly rare.
    assert!(hits > n / 5 && hits < 4 * n / 5, "{hits} overlaps of {n}");
    assert!(near_ties <= 2, "{near_ties} near-ties");
}

#[test]
fn obb_overlap_matches_geo_exactly_on_lattice_boxes() {
    // Axis-aligned boxes (yaw 0: axes exactly (1, 0) and (0, 1)) with integer centres and
    // half-integer half extents, including 0: corners are exact, so shared edges, shared
    // corners and zero-width boxes lying on edges are exact ties, and both sides must agree.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_LATTICE_BOXES);
    let (mut touching, mut overlapping) = (0, 0);
    for case in 0..20_000 {
        let random_box = |rng: &mut ChaCha8Rng| {
            Obb::new(
                DVec2::new(
                    rng.random_range(-4..=4) as f64,
                    rng.random_range(-4..=4) as f64,
                ),
                0.0,
                rng.random_range(0..=4) as f64,
                rng.random_range(0..=4) as f64,
            )
        };
        let a = random_box(&mut rng);
        let b = random_box(&mut rng);
        let ours = obb_overlap(&a, &b);
        let theirs = obb_geo(&a).intersects(&obb_geo(&b));
        assert_eq!(ours, theirs, "case {case}\n{a:?}\n{b:?}");
        overlapping += usize::from(ours);
        touching += usize::from(ours && sat_margin(&a, &b) == 0.0);
        // Every corner of b against a (corners of a lattice box are lattice points).
        for c in b.corners() {
            assert_eq!(
                a.contains(c),
                obb_geo(&a).intersects(&Point(coord(c))),
                "case {case}: corner {c}"
            );
        }
    }
    eprintln!("lattice boxes: 20000 pairs, {overlapping} overlapping, {touching} touching");
    assert!(touching > 1_000, "only {touching} touching cases");
    assert!(overlapping > touching);
}

#[test]
fn named_touching_cases() {
    let bx = |x: f64, y: f64, l: f64, w: f64| Obb::new(DVec2::new(x, y), 0.0, l, w);
    let unit = bx(0.0, 0.0, 2.0, 2.0); // [-1, 1]^2
    let cases = [
        ("shared edge", bx(2.0, 0.0, 2.0, 2.0), true),
        ("shared partial edge", bx(2.0, 1.5, 2.0, 2.0), true),
        ("corner to corner", bx(2.0, 2.0, 2.0, 2.0), true),
        ("just apart", bx(2.0 + 2f64.powi(-40), 0.0, 2.0, 2.0), false),
        (
            "diagonal just apart",
            bx(2.0, 2.0 + 2f64.powi(-40), 2.0, 2.0),
            false,
        ),
        ("zero-width box on the edge", bx(1.0, 0.0, 0.0, 4.0), true),
        (
            "zero-width box beside the edge",
            bx(1.0 + 2f64.powi(-40), 0.0, 0.0, 4.0),
            false,
        ),
        ("point box at the corner", bx(1.0, 1.0, 0.0, 0.0), true),
        ("point box inside", bx(0.5, 0.5, 0.0, 0.0), true),
        ("contained box", bx(0.0, 0.0, 1.0, 1.0), true),
        ("containing box", bx(0.0, 0.0, 10.0, 10.0), true),
    ];
    for (name, other, want) in cases {
        assert_eq!(obb_overlap(&unit, &other), want, "ours: {name}");
        assert_eq!(
            obb_geo(&unit).intersects(&obb_geo(&other)),
            want,
            "geo: {name}"
        );
    }
    // Two zero-width boxes crossing at their ends (a T), and collinear end to end.
    let h = bx(0.0, 0.0, 4.0, 0.0); // x in [-2, 2] on y = 0
    for (name, other, want) in [
        ("T junction", bx(2.0, 1.0, 0.0, 2.0), true),
        ("collinear end to end", bx(4.0, 0.0, 4.0, 0.0), true),
        ("collinear apart", bx(4.5, 0.0, 4.0, 0.0), false),
        ("parallel", bx(0.0, 0.5, 4.0, 0.0), false),
    ] {
        assert_eq!(obb_overlap(&h, &other), want, "ours: {name}");
        assert_eq!(
            obb_geo(&h).intersects(&obb_geo(&other)),
            want,
            "geo: {name}"
        );
    }
}

/// Found by the lattice test: two boxes touching corner to corner have tangent bounding
/// circles, and the circle quick-reject in `obb_overlap` rounded them apart.
#[test]
fn corner_to_corner_quick_reject() {
    let a = Obb::new(DVec2::new(-1.0, -1.0), 0.0, 1.0, 1.0); // [-1.5, -0.5]^2
    let b = Obb::new(DVec2::new(-3.0, 1.0), 0.0, 3.0, 3.0); // [-4.5, -1.5] x [-0.5, 2.5]
    assert!(obb_geo(&a).intersects(&obb_geo(&b)));
    assert!(obb_overlap(&a, &b));
    assert!(obb_overlap(&b, &a));
}

/// A star-shaped ring around `centre`: `n` vertices at evenly spaced angles (jittered) with
/// radii in `radii`.
fn star(rng: &mut ChaCha8Rng, centre: DVec2, n: usize, radii: std::ops::Range<f64>) -> Vec<DVec2> {
    (0..n)
        .map(|i| {
            let a = (i as f64 + rng.random_range(-0.3..0.3)) * std::f64::consts::TAU / n as f64;
            centre + DVec2::from_angle(a) * rng.random_range(radii.clone())
        })
        .collect()
}

fn distance_to_boundary(p: DVec2, poly: &Polygon) -> f64 {
    std::iter::once(&poly.exterior)
        .chain(poly.holes.iter())
        .map(|r| {
            let mut ring = ring_geo(r);
            ring.close();
            Euclidean.distance(&Point(coord(p)), &ring)
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn point_in_polygon_matches_geo_on_random_polygons() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_POLYGONS);
    let (mut inside, mut total, mut near_ties, mut polygons) = (0, 0, 0, 0);
    for case in 0..500 {
        let n = rng.random_range(3..20);
        let poly = Polygon {
            exterior: star(&mut rng, DVec2::ZERO, n, 6.0..10.0),
            holes: vec![
                star(&mut rng, DVec2::new(-2.5, 0.0), 6, 0.5..2.0),
                star(&mut rng, DVec2::new(2.5, 0.0), 5, 0.5..2.0),
            ],
        };
        let g = poly_geo(&poly);
        if !g.is_valid() {
            continue; // a hole poking out of a thin star
        }
        polygons += 1;
        for _ in 0..50 {
            let p = DVec2::new(rng.random_range(-11.0..11.0), rng.random_range(-11.0..11.0));
            let ours = point_in_polygon(p, &poly);
            let theirs = g.intersects(&Point(coord(p)));
            total += 1;
            inside += usize::from(theirs);
            if ours != theirs {
                let dist = distance_to_boundary(p, &poly);
                assert!(dist < TIE_BAND, "case {case}: {p} ours {ours} geo {theirs}");
                near_ties += 1;
            }
        }
    }
    eprintln!("random polygons: {polygons}, {total} points, {inside} in, {near_ties} near-ties");
    assert!(polygons > 300, "only {polygons} valid polygons");
    assert!(
        inside > total / 5 && inside < 4 * total / 5,
        "{inside} of {total}"
    );
    assert!(near_ties <= 2, "{near_ties} near-ties");
}

/// Lattice points on segment ab (integer endpoints): a + (b - a) k / g, g = gcd(|dx|, |dy|).
fn lattice_points_on(a: DVec2, b: DVec2) -> Vec<DVec2> {
    fn gcd(a: i64, b: i64) -> i64 {
        if b == 0 { a.abs() } else { gcd(b, a % b) }
    }
    let d = b - a;
    let g = gcd(d.x as i64, d.y as i64).max(1);
    let step = d / g as f64; // integer components
    (0..=g).map(|k| a + step * k as f64).collect()
}

/// Rounds a star ring to integers, dropping repeated vertices.
fn to_lattice(ring: Vec<DVec2>) -> Vec<DVec2> {
    let mut out: Vec<DVec2> = vec![];
    for p in ring.into_iter().map(|p| p.round()) {
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

#[test]
fn point_in_polygon_matches_geo_exactly_on_lattice_boundaries() {
    // Integer polygons with two holes; query points are every vertex, lattice points on every
    // edge (exterior and holes), collinear vertices inserted mid-edge, and random lattice
    // points around. Integer arithmetic below 2^26 is exact in f64, so the on-edge test (cross
    // product) is exact and both sides must agree everywhere.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_LATTICE_POLYGONS);
    let (mut checked, mut polygons, mut on_boundary) = (0, 0, 0);
    while polygons < 200 {
        let n = rng.random_range(3..16);
        let mut exterior = to_lattice(star(&mut rng, DVec2::ZERO, n, 60.0..100.0));
        // Insert a collinear vertex on the first edge that has an interior lattice point.
        for i in 0..exterior.len() {
            let (a, b) = (exterior[i], exterior[(i + 1) % exterior.len()]);
            let pts = lattice_points_on(a, b);
            if pts.len() > 2 {
                exterior.insert(i + 1, pts[1]);
                break;
            }
        }
        let poly = Polygon {
            exterior,
            holes: vec![
                to_lattice(star(&mut rng, DVec2::new(-25.0, 0.0), 6, 5.0..18.0)),
                to_lattice(star(&mut rng, DVec2::new(25.0, 0.0), 4, 5.0..18.0)),
            ],
        };
        let g = poly_geo(&poly);
        if poly.exterior.len() < 3 || poly.holes.iter().any(|h| h.len() < 3) || !g.is_valid() {
            continue;
        }
        polygons += 1;
        let mut queries = vec![];
        for ring in std::iter::once(&poly.exterior).chain(poly.holes.iter()) {
            for i in 0..ring.len() {
                queries.extend(lattice_points_on(ring[i], ring[(i + 1) % ring.len()]));
            }
        }
        on_boundary += queries.len();
        for _ in 0..300 {
            queries.push(DVec2::new(
                rng.random_range(-105..=105) as f64,
                rng.random_range(-105..=105) as f64,
            ));
        }
        for p in queries {
            let theirs = g.intersects(&Point(coord(p)));
            assert_eq!(point_in_polygon(p, &poly), theirs, "{p} in {poly:?}");
            let ext = geo::Polygon::new(ring_geo(&poly.exterior), vec![]);
            assert_eq!(
                point_in_ring(p, &poly.exterior),
                ext.intersects(&Point(coord(p))),
                "{p} in ring {:?}",
                poly.exterior
            );
            checked += 1;
        }
    }
    eprintln!("lattice polygons: {polygons}, {checked} points, {on_boundary} on a boundary");
    assert!(on_boundary > 10_000, "only {on_boundary} boundary points");
    assert!(checked > 50_000);
}

#[test]
fn named_point_cases() {
    // Square [0, 4]^2 with a square hole [1, 3]^2.
    let sq = |x0: f64, x1: f64| {
        vec![
            DVec2::new(x0, x0),
            DVec2::new(x1, x0),
            DVec2::new(x1, x1),
            DVec2::new(x0, x1),
        ]
    };
    let poly = Polygon {
        exterior: sq(0.0, 4.0),
        holes: vec![sq(1.0, 3.0)],
    };
    let g = poly_geo(&poly);
    for (name, p, want) in [
        ("inside the ring part", DVec2::new(0.5, 2.0), true),
        ("in the hole", DVec2::new(2.0, 2.0), false),
        ("on the hole's edge", DVec2::new(2.0, 1.0), true),
        ("on a hole vertex", DVec2::new(3.0, 3.0), true),
        ("on the outer edge", DVec2::new(4.0, 2.0), true),
        ("on an outer vertex", DVec2::new(0.0, 0.0), true),
        ("outside, level with an edge", DVec2::new(5.0, 4.0), false),
        ("outside, level with a vertex", DVec2::new(-1.0, 0.0), false),
        // 2^-30 m (1e-9) into the hole: beyond our 1e-12 m on-edge tolerance.
        (
            "just inside the hole",
            DVec2::new(1.0 + 2f64.powi(-30), 2.0),
            false,
        ),
    ] {
        assert_eq!(point_in_polygon(p, &poly), want, "ours: {name}");
        assert_eq!(g.intersects(&Point(coord(p))), want, "geo: {name}");
    }
    // A degenerate ring (all vertices collinear): only points on the segment are in it.
    let flat = vec![
        DVec2::new(0.0, 0.0),
        DVec2::new(2.0, 1.0),
        DVec2::new(4.0, 2.0),
    ];
    let gflat = geo::Polygon::new(ring_geo(&flat), vec![]);
    for (p, want) in [
        (DVec2::new(1.0, 0.5), true),
        (DVec2::new(4.0, 2.0), true),
        (DVec2::new(1.0, 1.0), false),
        (DVec2::new(6.0, 3.0), false),
    ] {
        assert_eq!(point_in_ring(p, &flat), want, "ours: {p}");
        assert_eq!(gflat.intersects(&Point(coord(p))), want, "geo: {p}");
    }
}

const SEED_RINGS: u64 = 0x5e1f_c055;

/// `ring_problem` (the map loader's polygon check) against geo's `Validation` of the ring as a
/// polygon without holes (and, for rings on one line, which geo accepts and we refuse, against
/// geo's area), on random rings of 3 to 8 points on a 5 x 5 lattice: exact
/// coordinates, so crossings, touching vertices, collinear overlaps, spikes and repeated points
/// are all common, and the two must agree on every ring.
#[test]
fn ring_problem_matches_geo_validation_on_lattice_rings() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_RINGS);
    let (mut simple, mut invalid, mut zero_area) = (0, 0, 0);
    for case in 0..20_000 {
        let n = rng.random_range(3..=8);
        let ring: Vec<DVec2> = (0..n)
            .map(|_| {
                DVec2::new(
                    f64::from(rng.random_range(0..5u8)),
                    f64::from(rng.random_range(0..5u8)),
                )
            })
            .collect();
        let ours = ring_problem(&ring);
        let poly = geo::Polygon::new(ring_geo(&ring), vec![]);
        if ours == Some(RingProblem::ZeroArea) {
            // geo's validation accepts rings with all points on one line; we refuse them (a
            // map polygon without area is no polygon). Check the area with geo instead.
            assert_eq!(poly.unsigned_area(), 0.0, "case {case}: {ring:?}");
            zero_area += 1;
            continue;
        }
        assert_eq!(
            ours.is_none(),
            poly.is_valid(),
            "case {case}: {ring:?}: ours {ours:?}, geo {:?}",
            poly.validation_errors()
        );
        if ours.is_none() {
            simple += 1;
        } else {
            invalid += 1;
        }
    }
    // Every outcome is well represented.
    assert!(
        simple > 1000 && invalid > 1000 && zero_area > 100,
        "{simple} simple, {invalid} invalid, {zero_area} zero-area"
    );
}

#[test]
fn named_ring_cases() {
    let p = |pts: &[(f64, f64)]| {
        pts.iter()
            .map(|&(x, y)| DVec2::new(x, y))
            .collect::<Vec<_>>()
    };
    let square = p(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
    assert_eq!(ring_problem(&square), None);
    let bow_tie = p(&[(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)]);
    assert!(matches!(
        ring_problem(&bow_tie),
        Some(RingProblem::SelfIntersection { .. })
    ));
    assert_eq!(
        ring_problem(&p(&[(0.0, 0.0), (5.0, 0.0), (0.0, 0.0)])),
        Some(RingProblem::TooFewPoints { distinct: 2 })
    );
    assert_eq!(
        ring_problem(&p(&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)])),
        Some(RingProblem::ZeroArea)
    );
}
