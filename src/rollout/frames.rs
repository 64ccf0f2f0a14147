//! The renderer's inputs from a recorded episode step (`mpa-sim render --episode`, the
//! viewer's recordings): the same ego pose and actor instances `episode::frames` makes of a live
//! World, with every field checked.

use glam::{DQuat, DVec3};

use super::recording::RecordedStep;
use crate::render::RenderError;
use crate::render::actors::{ActorInstance, variant_of};
use crate::scene::{ActorClass, Pose};

/// The ego pose and actor instances of recorded step `index` (its position in `steps`,
/// used to name fields in errors). Actors recorded without a centre height stand on the
/// ground plane (`z = height / 2`), like the ego pose (z = 0).
pub fn recorded_step_inputs(
    step: &RecordedStep,
    index: usize,
) -> Result<(Pose, Vec<ActorInstance>), RenderError> {
    let field = |name: String, message: String| RenderError::Recording {
        field: format!("steps[{index}].{name}"),
        message,
    };
    let e = &step.ego;
    if ![e.x, e.y, e.yaw].iter().all(|v| v.is_finite()) {
        return Err(field(
            "ego".into(),
            format!("non-finite pose x={} y={} yaw={}", e.x, e.y, e.yaw),
        ));
    }
    let ego = Pose {
        translation: DVec3::new(e.x, e.y, 0.0),
        rotation: DQuat::from_rotation_z(e.yaw),
    };
    let mut actors = Vec::with_capacity(step.actors.len());
    for (j, a) in step.actors.iter().enumerate() {
        let class = ActorClass::parse(&a.class).ok_or_else(|| {
            let known: Vec<&str> = ActorClass::ALL.iter().map(|c| c.as_str()).collect();
            field(
                format!("actors[{j}].class"),
                format!(
                    "unknown class `{}` (expected one of {})",
                    a.class,
                    known.join(", ")
                ),
            )
        })?;
        let z = a.z_m.unwrap_or(0.5 * a.height_m);
        let numbers = [a.x, a.y, z, a.yaw, a.length_m, a.width_m, a.height_m];
        if !numbers.iter().all(|v| v.is_finite()) {
            return Err(field(
                format!("actors[{j}]"),
                format!("non-finite box of `{}`", a.id),
            ));
        }
        actors.push(ActorInstance {
            class,
            pose: Pose {
                translation: DVec3::new(a.x, a.y, z),
                rotation: DQuat::from_rotation_z(a.yaw),
            },
            size_wlh_m: DVec3::new(a.width_m, a.length_m, a.height_m),
            variant: variant_of(&a.id),
        });
    }
    Ok((ego, actors))
}
