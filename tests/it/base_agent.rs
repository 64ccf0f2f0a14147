//! The shipped base policy: its weights load, and `base` drives a few closed-loop steps on a
//! shipped scene with rendered views (lavapipe), moving forward with finite plans.

use mpa_sim::agent::registry;
use mpa_sim::render::{AdapterPreference, LocalViews};
use mpa_sim::rollout::EpisodeJob;
use mpa_sim::rollout::episode::{EpisodeLoop, SceneSource, resolve_job};
use mpa_sim::rollout::recording::EpisodeEvent;
use mpa_sim::world::SimConfig;

const STEPS: usize = 8;

fn job() -> EpisodeJob {
    EpisodeJob {
        split: "test_in_domain".into(),
        scene: "scene-0004".into(),
        scenario: "scene-0004".into(),
        scenario_file: None,
        family: None,
        seed: 0,
        agent: "base".into(),
    }
}

#[test]
fn shipped_base_policy_drives_a_few_steps_with_rendered_views() {
    let agent = registry::create("base").expect("the shipped weights load");
    let request = agent.view_request().expect("base reads cameras");
    assert_eq!(request.channels.len(), 3);
    assert!(!agent.needs_privileged());
    let source = SceneSource::default();
    let scenario = resolve_job(&job(), &source).expect("scenario");
    let local = LocalViews::new(AdapterPreference::Cpu).expect("lavapipe device");
    let mut episode = EpisodeLoop::with_agent(&job(), &scenario, &SimConfig::default(), agent)
        .expect("episode")
        .with_view_provider(Some(Box::new(local)));
    let start = episode.world().ego().pose.xy;
    let mut steps = 0;
    while steps < STEPS {
        match episode.next_event().expect("event") {
            Some(EpisodeEvent::Step(_)) => {
                steps += 1;
                let plan = episode.last_plan().expect("a plan per step");
                assert_eq!(plan.waypoints_ego_m.len(), 6);
                assert!(plan.waypoints_ego_m.iter().all(|p| p.is_finite()));
                let views = episode.last_views().expect("views per step");
                assert_eq!(views.cameras.len(), 3);
                assert_eq!(views.cameras[0].width, request.width_px);
            }
            Some(_) => {}
            None => break,
        }
    }
    assert_eq!(steps, STEPS);
    let moved_m = episode.world().ego().pose.xy.distance(start);
    assert!(
        moved_m > 1.0,
        "the ego moved only {moved_m} m in {STEPS} steps"
    );
}
