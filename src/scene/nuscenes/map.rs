//! Map expansion (`maps/expansion/<location>.json`, version >= 1.3) to `MapData`.
//!
//! Geometry is resolved through the file's node, line and polygon tables (a dangling token is
//! an error naming the layer record and field). Lanes come first, then lane connectors, both as
//! `Lane`; centrelines are the devkit's discretisation of `arcline_path_3` at 0.5 m (consecutive
//! duplicate points where one path ends and the next begins are merged), and the connectivity
//! table becomes `incoming`/`outgoing` indices. The map file is small next to the tables (tens
//! of MB), so it is parsed whole.

use super::check::At;
use super::stream::LoadOptions;
use crate::geometry::{RingProblem, ring_problem};
use crate::scene::arcline::{self, Arcline};
use crate::scene::model::*;
use crate::scene::tables::*;
use crate::scene::{LoadWarning, SceneError};
use glam::DVec2;
use std::collections::BTreeMap;
use std::path::Path;

/// Spacing of centreline points along the lane, metres (at most).
pub const CENTRELINE_RESOLUTION_M: f64 = 0.5;
/// Consecutive centreline points closer than this are one point (path joins).
const DUPLICATE_POINT_M: f64 = 1e-6;

/// Lookup tables of the file's geometry.
struct Geometry<'a> {
    file: &'a str,
    nodes: BTreeMap<&'a str, DVec2>,
    lines: BTreeMap<&'a str, &'a MapLine>,
    polygons: BTreeMap<&'a str, &'a MapPolygon>,
}

impl Geometry<'_> {
    fn points(&self, at: At, field: &str, tokens: &[String]) -> Result<Vec<DVec2>, SceneError> {
        let mut pts = tokens
            .iter()
            .map(|t| {
                self.nodes
                    .get(t.as_str())
                    .copied()
                    .ok_or_else(|| at.dangling(field, "node", t))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Rings are stored open; drop a repeated first point.
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        Ok(pts)
    }

    /// Resolve a polygon named by `field` of the record at `at`.
    fn polygon(&self, at: At, field: &str, token: &str) -> Result<Polygon, SceneError> {
        let poly = self
            .polygons
            .get(token)
            .ok_or_else(|| at.dangling(field, "polygon", token))?;
        let pat = At {
            file: self.file,
            token: &poly.token,
        };
        Ok(Polygon {
            exterior: self.points(pat, "exterior_node_tokens", &poly.exterior_node_tokens)?,
            holes: poly
                .holes
                .iter()
                .map(|h| self.points(pat, "holes.node_tokens", &h.node_tokens))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Resolve a line as its node tokens and points (not de-duplicated).
    fn line(&self, at: At, token: &str) -> Result<(&MapLine, Vec<DVec2>), SceneError> {
        let line = self
            .lines
            .get(token)
            .ok_or_else(|| at.dangling("line_token", "line", token))?;
        let lat = At {
            file: self.file,
            token: &line.token,
        };
        let pts = line
            .node_tokens
            .iter()
            .map(|t| {
                self.nodes
                    .get(t.as_str())
                    .copied()
                    .ok_or_else(|| lat.dangling("node_tokens", "node", t))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((line, pts))
    }
}

/// A warning for every polygon record whose exterior or a hole is not a simple ring with
/// area (`geometry::ring_problem`): a two-node or self-crossing drivable area makes every point
/// test against it wrong, so episodes end off-road at their first step. Warnings, not errors:
/// the rest of the map is usable, and real map files carry a few such slivers. Dangling node
/// tokens are skipped here (they are errors where a layer uses the polygon).
fn polygon_warnings(geo: &Geometry, exp: &MapExpansion, warnings: &mut Vec<LoadWarning>) {
    for poly in &exp.polygon {
        let at = at_of(geo.file, &poly.token);
        let rings = std::iter::once((
            "exterior_node_tokens".to_string(),
            &poly.exterior_node_tokens,
        ))
        .chain(
            poly.holes
                .iter()
                .enumerate()
                .map(|(i, h)| (format!("holes[{i}].node_tokens"), &h.node_tokens)),
        );
        for (field, tokens) in rings {
            let Ok(points) = geo.points(at, &field, tokens) else {
                continue;
            };
            let Some(problem) = ring_problem(&points) else {
                continue;
            };
            let what = match problem {
                RingProblem::TooFewPoints { distinct } => format!(
                    "{distinct} distinct node(s): expected a ring of at least 3 distinct nodes"
                ),
                RingProblem::ZeroArea => {
                    "all nodes lie on one line: expected a ring with area".to_string()
                }
                RingProblem::SelfIntersection { a, b } => format!(
                    "the ring crosses itself (edge {a} meets edge {b}, counting distinct nodes from 0): expected a simple ring"
                ),
            };
            warnings.push(at.warning(format!("field `{field}`: {what}")));
        }
    }
}

fn at_of<'a>(file: &'a str, token: &'a str) -> At<'a> {
    At { file, token }
}

/// `"1.3"` -> (1, 3).
fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.trim().parse().ok())?;
    Some((major, minor))
}

/// Load and expand the map of `location`.
pub fn load_map_with(
    dataroot: &Path,
    location: Location,
    _opts: LoadOptions,
) -> Result<(MapData, Vec<LoadWarning>), SceneError> {
    let path = dataroot
        .join("maps")
        .join("expansion")
        .join(format!("{}.json", location.as_str()));
    let bytes = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            SceneError::MissingMap { path: path.clone() }
        } else {
            SceneError::Io {
                path: path.clone(),
                source: e,
            }
        }
    })?;
    let exp: MapExpansion = serde_json::from_slice(&bytes).map_err(|e| SceneError::Json {
        path: path.clone(),
        message: e.to_string(),
    })?;
    drop(bytes);
    let file = path.display().to_string();
    expand(&file, location, &exp)
}

/// Build `MapData` from a parsed map expansion (`file` names it in messages).
pub fn expand(
    file: &str,
    location: Location,
    exp: &MapExpansion,
) -> Result<(MapData, Vec<LoadWarning>), SceneError> {
    let mut warnings = Vec::new();
    let top = At {
        file,
        token: "(top level)",
    };
    match parse_version(&exp.version) {
        Some(v) if v >= (1, 3) => {}
        _ => {
            return Err(top.field(
                "version",
                format!(
                    "expected a map expansion version >= 1.3 (with arcline_path_3), got {:?}",
                    exp.version
                ),
            ));
        }
    }
    let canvas_edge_m = match exp.canvas_edge[..] {
        [w, h] if w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0 => [w, h],
        _ => {
            return Err(top.field(
                "canvas_edge",
                format!(
                    "expected [width, height] in metres, both > 0, got {:?}",
                    exp.canvas_edge
                ),
            ));
        }
    };
    let mut nodes = BTreeMap::new();
    for n in &exp.node {
        if !(n.x.is_finite() && n.y.is_finite()) {
            return Err(At {
                file,
                token: &n.token,
            }
            .field(
                "x, y",
                format!("expected finite numbers, got ({}, {})", n.x, n.y),
            ));
        }
        nodes.insert(n.token.as_str(), DVec2::new(n.x, n.y));
    }
    let geo = Geometry {
        file,
        nodes,
        lines: exp.line.iter().map(|l| (l.token.as_str(), l)).collect(),
        polygons: exp.polygon.iter().map(|p| (p.token.as_str(), p)).collect(),
    };

    polygon_warnings(&geo, exp, &mut warnings);

    let mut drivable_areas = Vec::new();
    for d in &exp.drivable_area {
        for p in &d.polygon_tokens {
            drivable_areas.push(geo.polygon(at_of(file, &d.token), "polygon_tokens", p)?);
        }
    }
    let road_segments = exp
        .road_segment
        .iter()
        .map(|r| {
            Ok((
                geo.polygon(at_of(file, &r.token), "polygon_token", &r.polygon_token)?,
                r.is_intersection,
            ))
        })
        .collect::<Result<Vec<_>, SceneError>>()?;
    let polygons = |recs: &mut dyn Iterator<Item = (&String, &String)>| {
        recs.map(|(token, poly)| geo.polygon(at_of(file, token), "polygon_token", poly))
            .collect::<Result<Vec<_>, SceneError>>()
    };
    let ped_crossings = polygons(
        &mut exp
            .ped_crossing
            .iter()
            .map(|r| (&r.token, &r.polygon_token)),
    )?;
    let walkways = polygons(&mut exp.walkway.iter().map(|r| (&r.token, &r.polygon_token)))?;
    let stop_lines = polygons(&mut exp.stop_line.iter().map(|r| (&r.token, &r.polygon_token)))?;
    let carpark_areas = polygons(
        &mut exp
            .carpark_area
            .iter()
            .map(|r| (&r.token, &r.polygon_token)),
    )?;

    let road_dividers = exp
        .road_divider
        .iter()
        .map(|d| {
            let (_, points) = geo.line(at_of(file, &d.token), &d.line_token)?;
            let styles = vec![LineStyle::Solid; points.len()];
            Ok(Divider { points, styles })
        })
        .collect::<Result<Vec<_>, SceneError>>()?;
    let lane_dividers = exp
        .lane_divider
        .iter()
        .map(|d| {
            let (line, points) = geo.line(at_of(file, &d.token), &d.line_token)?;
            let by_node: BTreeMap<&str, LineStyle> = d
                .lane_divider_segments
                .iter()
                .map(|s| {
                    (
                        s.node_token.as_str(),
                        LineStyle::from_segment_type(&s.segment_type),
                    )
                })
                .collect();
            // A point without its own segment keeps the style of the stretch before it.
            let mut style = LineStyle::Solid;
            let styles = line
                .node_tokens
                .iter()
                .map(|n| {
                    if let Some(s) = by_node.get(n.as_str()) {
                        style = *s;
                    }
                    style
                })
                .collect();
            Ok(Divider { points, styles })
        })
        .collect::<Result<Vec<_>, SceneError>>()?;

    let (lanes, lane_index) = build_lanes(file, &geo, exp, &mut warnings)?;

    Ok((
        MapData {
            location,
            canvas_edge_m,
            drivable_areas,
            road_segments,
            lanes,
            lane_index,
            road_dividers,
            lane_dividers,
            ped_crossings,
            walkways,
            stop_lines,
            carpark_areas,
        },
        warnings,
    ))
}

/// Discretise a lane's arcline paths into a centreline.
pub fn centreline(at: At, paths: &[ArclinePath]) -> Result<Vec<CentrelinePoint>, SceneError> {
    let arclines = paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Arcline::from_record(p)
                .map_err(|(field, msg)| at.field(&format!("arcline_path_3[{i}].{field}"), msg))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut out: Vec<CentrelinePoint> = Vec::new();
    for p in arcline::discretize_lane(&arclines, CENTRELINE_RESOLUTION_M) {
        let xy = DVec2::new(p.x, p.y);
        if out
            .last()
            .is_some_and(|q| q.xy.distance(xy) < DUPLICATE_POINT_M)
        {
            continue;
        }
        out.push(CentrelinePoint { xy, yaw: p.yaw });
    }
    Ok(out)
}

fn build_lanes(
    file: &str,
    geo: &Geometry,
    exp: &MapExpansion,
    warnings: &mut Vec<LoadWarning>,
) -> Result<(Vec<Lane>, BTreeMap<String, usize>), SceneError> {
    let records: Vec<(&str, &str, bool)> = exp
        .lane
        .iter()
        .map(|l| (l.token.as_str(), l.polygon_token.as_str(), false))
        .chain(
            exp.lane_connector
                .iter()
                .map(|c| (c.token.as_str(), c.polygon_token.as_str(), true)),
        )
        .collect();
    let mut lane_index = BTreeMap::new();
    for (i, (token, _, _)) in records.iter().enumerate() {
        if lane_index.insert(token.to_string(), i).is_some() {
            return Err(At { file, token }.field("token", "expected unique lane tokens"));
        }
    }
    let mut lanes = Vec::with_capacity(records.len());
    for (token, polygon_token, is_connector) in records {
        let at = At { file, token };
        let polygon = if polygon_token.is_empty() {
            Polygon::default()
        } else {
            geo.polygon(at, "polygon_token", polygon_token)?
        };
        let centreline = match exp.arcline_path_3.get(token) {
            Some(paths) if !paths.is_empty() => centreline(at, paths)?,
            _ => {
                warnings.push(at.warning("no arcline_path_3 entry: empty centreline"));
                Vec::new()
            }
        };
        let mut ends = |field: &str, tokens: &[String]| -> Vec<usize> {
            tokens
                .iter()
                .filter_map(|t| {
                    let i = lane_index.get(t).copied();
                    if i.is_none() {
                        warnings.push(at.warning(format!(
                            "connectivity.{field} names {t}, which is no lane or lane connector; skipped"
                        )));
                    }
                    i
                })
                .collect()
        };
        let (incoming, outgoing) = match exp.connectivity.get(token) {
            Some(c) => (ends("incoming", &c.incoming), ends("outgoing", &c.outgoing)),
            None => {
                warnings.push(at.warning("no connectivity entry: the lane joins nothing"));
                (Vec::new(), Vec::new())
            }
        };
        lanes.push(Lane {
            token: token.to_string(),
            is_connector,
            polygon,
            centreline,
            incoming,
            outgoing,
        });
    }
    Ok((lanes, lane_index))
}
