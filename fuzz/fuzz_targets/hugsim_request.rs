//! HUGSIM `/execute_action` request bodies: the outer JSON (`parse_execute_body`), the inner
//! `plan_traj` (`parse_plan`) and the conversion to an ego-frame plan (`lidar_plan_to_ego`,
//! with a shipped scene's lidar mount), exactly the checks `serve::http::execute` runs before
//! stepping. A rejection must be a 4xx with a message; an accepted plan must be finite and
//! within the range limit.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mpa_sim::config::TimeBase;
use mpa_sim::serve::frames::lidar_plan_to_ego;
use mpa_sim::serve::http::{MAX_BODY_BYTES, parse_execute_body, parse_plan};
use mpa_sim::world::MAX_PLAN_RANGE_M;
use mpa_sim_fuzz::shipped_scenes;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_BODY_BYTES {
        return; // the server answers 413 before parsing
    }
    let rejected = |status: u16, message: &str| {
        assert!((400..500).contains(&status), "status {status}: {message}");
        assert!(!message.is_empty());
    };
    let request = match parse_execute_body(data) {
        Ok(r) => r,
        Err(r) => return rejected(r.status, &r.message),
    };
    let points = match parse_plan(&request.plan_traj) {
        Ok(p) => p,
        Err(r) => return rejected(r.status, &r.message),
    };
    let scene = shipped_scenes().values().next().expect("a shipped scene");
    let time = TimeBase::default();
    match lidar_plan_to_ego(&points, &scene.rig.ego_from_lidar, &time) {
        Ok(plan) => {
            assert_eq!(plan.waypoints_ego_m.len(), time.plan_len);
            for w in &plan.waypoints_ego_m {
                assert!(w.is_finite() && w.length() <= MAX_PLAN_RANGE_M, "{w}");
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
