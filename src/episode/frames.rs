//! The renderer's inputs from a World state (the one World-to-render conversion): the ego's
//! rear-axle pose (ground plane, z = 0 as nuScenes ego poses) and every present actor as an
//! `ActorInstance` (box centre at its z), gathered into a `FrameRequest`. The renderer itself
//! takes only frame descriptions; every front end that renders a live episode (server,
//! rollouts with views, viewer, MPA's forks) comes through here. Recorded steps are turned
//! into the same inputs by `rollout::frames`.

use glam::{DQuat, DVec3};

use crate::render::actors::{ActorInstance, variant_of};
use crate::render::{FrameRequest, ViewRequest};
use crate::scene::Pose;
use crate::world::World;

/// The frame `request` asks for of the World as it is now.
pub fn frame_of(world: &World, request: &ViewRequest) -> FrameRequest {
    FrameRequest {
        scene: world.scene().clone(),
        ego_pose: ego_pose(world),
        actors: actor_instances(world),
        request: request.clone(),
    }
}

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
