//! The renderer's inputs from a World state: the ego's rear-axle pose (ground plane, z = 0 as
//! nuScenes ego poses) and every present actor as an `ActorInstance` (box centre at its z).
//! Used by every front end that renders a live episode (server, rollouts with views, viewer).

use glam::{DQuat, DVec3};

use super::actors::{ActorInstance, variant_of};
use crate::scene::Pose;
use crate::world::World;

/// Ego rear-axle pose in the global frame.
pub fn ego_pose(world: &World) -> Pose {
    let ego = world.ego().pose;
    Pose {
        translation: DVec3::new(ego.xy.x, ego.xy.y, 0.0),
        rotation: DQuat::from_rotation_z(ego.yaw),
    }
}

/// The World's actors as render instances.
pub fn actor_instances(world: &World) -> Vec<ActorInstance> {
    world
        .actors()
        .iter()
        .map(|a| ActorInstance {
            class: a.class,
            pose: Pose {
                translation: DVec3::new(a.pose.xy.x, a.pose.xy.y, a.z_m),
                rotation: DQuat::from_rotation_z(a.pose.yaw),
            },
            size_wlh_m: DVec3::new(a.width_m, a.length_m, a.height_m),
            variant: variant_of(&a.id),
        })
        .collect()
}
