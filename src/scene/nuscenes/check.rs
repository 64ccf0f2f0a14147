//! Field checks shared by the scene and map loaders: lengths, finiteness, quaternion norms and
//! sizes. Every failure is a `SceneError::Field` naming the file, the record token, the field
//! and what was expected.

use crate::scene::model::quat_from_wxyz;
use crate::scene::{LoadWarning, SceneError};
use glam::{DMat3, DQuat, DVec3};

/// The record a check is about: file and token, for messages.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub file: &'a str,
    pub token: &'a str,
}

impl At<'_> {
    pub fn field(&self, field: &str, expected: impl Into<String>) -> SceneError {
        SceneError::Field {
            file: self.file.to_string(),
            token: self.token.to_string(),
            field: field.to_string(),
            expected: expected.into(),
        }
    }

    pub fn dangling(&self, field: &str, target: &str, missing: &str) -> SceneError {
        SceneError::DanglingToken {
            file: self.file.to_string(),
            token: self.token.to_string(),
            field: field.to_string(),
            target: target.to_string(),
            missing: missing.to_string(),
        }
    }

    pub fn chain(&self, message: impl Into<String>) -> SceneError {
        SceneError::BrokenChain {
            file: self.file.to_string(),
            token: self.token.to_string(),
            message: message.into(),
        }
    }

    pub fn warning(&self, message: impl Into<String>) -> LoadWarning {
        LoadWarning {
            file: self.file.to_string(),
            token: self.token.to_string(),
            message: message.into(),
        }
    }
}

fn finite(at: At, field: &str, v: &[f64]) -> Result<(), SceneError> {
    match v.iter().find(|x| !x.is_finite()) {
        Some(x) => Err(at.field(field, format!("expected finite numbers, found {x}"))),
        None => Ok(()),
    }
}

/// A translation `[x, y, z]` in metres.
pub fn vec3(at: At, field: &str, v: &[f64]) -> Result<DVec3, SceneError> {
    if v.len() != 3 {
        return Err(at.field(
            field,
            format!("expected 3 numbers [x, y, z], got {}", v.len()),
        ));
    }
    finite(at, field, v)?;
    Ok(DVec3::new(v[0], v[1], v[2]))
}

/// Quaternions whose norm is further than this from 1 get a warning (they are normalised).
const QUAT_NORM_TOLERANCE: f64 = 1e-3;

/// A rotation `[w, x, y, z]`, normalised; zero norm is an error, a norm far from 1 a warning.
pub fn quat(
    at: At,
    field: &str,
    v: &[f64],
    warnings: &mut Vec<LoadWarning>,
) -> Result<DQuat, SceneError> {
    if v.len() != 4 {
        return Err(at.field(
            field,
            format!("expected 4 numbers [w, x, y, z], got {}", v.len()),
        ));
    }
    finite(at, field, v)?;
    let q = quat_from_wxyz([v[0], v[1], v[2], v[3]]);
    let norm = q.length();
    if norm < 1e-9 {
        return Err(at.field(field, "expected a unit quaternion, got norm 0"));
    }
    if (norm - 1.0).abs() > QUAT_NORM_TOLERANCE {
        warnings.push(at.warning(format!(
            "field `{field}`: quaternion norm {norm:.6}, normalised"
        )));
    }
    Ok(q / norm)
}

/// A box size `[w, l, h]` in metres, each finite and >= 0.
pub fn size_wlh(at: At, field: &str, v: &[f64]) -> Result<DVec3, SceneError> {
    let s = vec3(at, field, v).map_err(|_| {
        at.field(
            field,
            format!("expected 3 finite sizes [w, l, h], got {v:?}"),
        )
    })?;
    if s.min_element() < 0.0 {
        return Err(at.field(field, format!("expected sizes >= 0 m [w, l, h], got {v:?}")));
    }
    Ok(s)
}

/// A 3x3 camera matrix given as rows.
pub fn intrinsic(at: At, field: &str, rows: &[Vec<f64>]) -> Result<DMat3, SceneError> {
    if rows.len() != 3 || rows.iter().any(|r| r.len() != 3) {
        return Err(at.field(
            field,
            format!(
                "expected a 3x3 matrix (3 rows of 3), got rows of lengths {:?}",
                rows.iter().map(Vec::len).collect::<Vec<_>>()
            ),
        ));
    }
    for r in rows {
        finite(at, field, r)?;
    }
    // Rows in the file; glam stores columns.
    Ok(DMat3::from_cols_array_2d(&[
        [rows[0][0], rows[1][0], rows[2][0]],
        [rows[0][1], rows[1][1], rows[2][1]],
        [rows[0][2], rows[1][2], rows[2][2]],
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: At = At {
        file: "f.json",
        token: "tok",
    };

    #[test]
    fn quaternion_checks() {
        let mut w = Vec::new();
        assert!(quat(AT, "rotation", &[1.0, 0.0, 0.0], &mut w).is_err());
        assert!(quat(AT, "rotation", &[0.0; 4], &mut w).is_err());
        assert!(quat(AT, "rotation", &[f64::INFINITY, 0.0, 0.0, 0.0], &mut w).is_err());
        let q = quat(AT, "rotation", &[2.0, 0.0, 0.0, 0.0], &mut w).expect("normalised");
        assert_eq!(q, DQuat::IDENTITY);
        assert_eq!(w.len(), 1);
        let msg = quat(AT, "rotation", &[1.0], &mut w)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("f.json") && msg.contains("tok") && msg.contains("`rotation`"));
        assert!(msg.contains("expected 4"), "{msg}");
    }

    #[test]
    fn intrinsic_is_row_major() {
        let k = intrinsic(
            AT,
            "camera_intrinsic",
            &[
                vec![1266.4, 0.0, 816.3],
                vec![0.0, 1266.4, 491.5],
                vec![0.0, 0.0, 1.0],
            ],
        )
        .expect("3x3");
        let p = k * DVec3::new(0.0, 0.0, 1.0);
        assert_eq!(p, DVec3::new(816.3, 491.5, 1.0));
        assert!(intrinsic(AT, "camera_intrinsic", &[]).is_err());
    }

    #[test]
    fn negative_sizes_fail() {
        assert!(size_wlh(AT, "size", &[1.0, -2.0, 1.0]).is_err());
        assert!(size_wlh(AT, "size", &[1.0, 2.0]).is_err());
        assert_eq!(
            size_wlh(AT, "size", &[1.0, 2.0, 3.0]).expect("ok"),
            DVec3::new(1.0, 2.0, 3.0)
        );
    }
}
