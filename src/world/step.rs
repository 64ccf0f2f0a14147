//! One physics substep of the World, in the order the module docs of `world` give.

use super::actors::{self, ActorDyn, ActorState, Source, follower_pose};
use super::behaviours::trigger_fires;
use super::checks::{TerminalReason, first_collision};
use super::controller;
use super::ego::EgoControl;
use super::idm::{self, EGO_ENTITY, LaneFollower, Occupancy, Occupant};
use super::lanes::LaneGraph;
use super::teacher::{LoggedEgo, place_ego};
use super::{Shared, WorldState};
use glam::DVec2;
use std::sync::Arc;

/// Progress is searched this far behind and ahead of the current progress, so a route that
/// passes near itself does not make progress jump.
const PROGRESS_WINDOW_BACK_M: f64 = 5.0;
const PROGRESS_WINDOW_AHEAD_M: f64 = 30.0;

/// One physics substep; with `on_log`, the ego is placed there instead of tracking its
/// reference (`teacher`).
pub(super) fn substep_with(
    sh: &Shared,
    st: &mut WorldState,
    triggered: &mut Vec<Arc<str>>,
    on_log: Option<LoggedEgo>,
) {
    let dt = sh.substep_dt_secs;
    let t0 = st.substep as f64 * dt;
    let t1 = (st.substep + 1) as f64 * dt;
    let vehicle = &sh.config.vehicle;

    let control = match &st.reference {
        Some(r) => controller::track(
            &st.ego,
            r,
            (st.substep - st.plan_substep) as f64 * dt,
            &mut st.tracker,
            &sh.gains,
            vehicle,
            dt,
        ),
        None => EgoControl::default(),
    };

    fire_triggers(sh, st, t0, triggered);
    let accels = idm_accels(sh, st);

    match on_log {
        Some(target) => place_ego(&mut st.ego, target, dt, vehicle.wheelbase_m),
        None => st.ego.integrate(control, dt, vehicle),
    }
    for (k, d) in st.dyns.iter_mut().enumerate() {
        match d {
            ActorDyn::Logged => {}
            ActorDyn::Lane(f) => advance_follower(&sh.lanes, f, accels[k], dt),
            ActorDyn::Scripted(s) => {
                if let Source::Inserted(i) = sh.infos[k].source {
                    s.step(
                        &sh.inserted[i],
                        &sh.route,
                        sh.replay_paths[i].as_ref(),
                        t1,
                        dt,
                    );
                }
            }
        }
    }
    st.substep += 1;
    rebuild_actors(sh, st);
    update_progress(sh, st);
    st.terminal = check(sh, st, t1);
}

fn fire_triggers(sh: &Shared, st: &mut WorldState, t0: f64, triggered: &mut Vec<Arc<str>>) {
    let ego_center = st.ego.center();
    for (k, d) in st.dyns.iter_mut().enumerate() {
        let Source::Inserted(i) = sh.infos[k].source else {
            continue;
        };
        let trigger = &sh.inserted[i].trigger;
        let fired = match d {
            ActorDyn::Scripted(s) if s.triggered_at_secs.is_none() => {
                let f = trigger_fires(trigger, t0, ego_center, s.pose.xy);
                if f {
                    s.triggered_at_secs = Some(t0);
                }
                f
            }
            ActorDyn::Lane(f) if !f.active => {
                let pos = follower_pose(&sh.lanes, f).xy;
                let fired = trigger_fires(trigger, t0, ego_center, pos);
                f.active |= fired;
                fired
            }
            _ => false,
        };
        if fired {
            triggered.push(sh.infos[k].id.clone());
        }
    }
}

/// IDM acceleration per actor (0 for non-followers), all from the current state.
fn idm_accels(sh: &Shared, st: &WorldState) -> Vec<f64> {
    let mut accels = vec![0.0; st.dyns.len()];
    if !st.dyns.iter().any(|d| matches!(d, ActorDyn::Lane(_))) {
        return accels;
    }
    let mut occ = Occupancy::default();
    let ego = &st.ego;
    occ.add_box(
        &sh.lanes,
        EGO_ENTITY,
        ego.center(),
        ego.pose.yaw,
        ego.dims.length_m,
        ego.dims.width_m,
        ego.velocity(),
    );
    for (a, &k) in st.actors.iter().zip(&st.actor_index) {
        if !matches!(st.dyns[k], ActorDyn::Lane(_)) {
            occ.add_box(
                &sh.lanes,
                k,
                a.pose.xy,
                a.pose.yaw,
                a.length_m,
                a.width_m,
                a.velocity_mps,
            );
        }
    }
    for (k, d) in st.dyns.iter().enumerate() {
        if let ActorDyn::Lane(f) = d {
            occ.add(
                f.lane,
                Occupant {
                    s_m: f.s_m,
                    half_len_m: 0.5 * sh.infos[k].length_m,
                    speed_mps: f.speed_mps,
                    who: k,
                },
            );
        }
    }
    occ.finish();
    let params = &sh.config.idm;
    for (k, d) in st.dyns.iter().enumerate() {
        if let ActorDyn::Lane(f) = d
            && f.active
        {
            let half_len = 0.5 * sh.infos[k].length_m;
            let leader = idm::find_leader(&sh.lanes, &occ, f, k, half_len, params);
            accels[k] = idm::idm_accel(params, f.speed_mps, f.desired_speed_mps, leader);
        }
    }
    accels
}

fn advance_follower(graph: &LaneGraph, f: &mut LaneFollower, accel: f64, dt: f64) {
    if !f.active {
        f.speed_mps = 0.0;
        return;
    }
    let v0 = f.speed_mps;
    let raw = v0 + accel * dt;
    let v1 = raw.max(0.0);
    let ds = if raw < 0.0 {
        v0 * v0 / (-2.0 * accel)
    } else {
        0.5 * (v0 + v1) * dt
    };
    f.speed_mps = v1;
    f.s_m += ds;
    loop {
        let len = graph.line(f.lane).map_or(0.0, |l| l.length_m());
        if f.s_m <= len {
            break;
        }
        match idm::next_lane(graph, f.lane, f.key, f.hop) {
            Some(next) => {
                f.s_m -= len;
                f.lane = next;
                f.hop += 1;
            }
            None => {
                f.s_m = len;
                f.speed_mps = 0.0;
                break;
            }
        }
    }
}

/// Rebuild the present-actor list at the state's current time.
pub(super) fn rebuild_actors(sh: &Shared, st: &mut WorldState) {
    let t_us = sh.start_us + (st.substep as f64 * sh.substep_dt_secs * 1e6).round() as i64;
    st.actors.clear();
    st.actor_index.clear();
    for (k, (info, d)) in sh.infos.iter().zip(&st.dyns).enumerate() {
        let kin = match (info.source, d) {
            (Source::Logged(i), ActorDyn::Logged) => actors::logged_kinematics(&sh.logged[i], t_us),
            (_, ActorDyn::Lane(f)) => {
                let pose = follower_pose(&sh.lanes, f);
                let v = DVec2::from_angle(pose.yaw) * f.speed_mps;
                Some((pose, start_z(sh, info.source), v))
            }
            (_, ActorDyn::Scripted(s)) => Some((s.pose, start_z(sh, info.source), s.velocity_mps)),
            (Source::Inserted(_), ActorDyn::Logged) => None,
        };
        if let Some((pose, z_m, velocity_mps)) = kin {
            st.actors.push(ActorState {
                id: info.id.clone(),
                class: info.class,
                pose,
                length_m: info.length_m,
                width_m: info.width_m,
                height_m: info.height_m,
                z_m,
                velocity_mps,
                is_static: info.is_static,
            });
            st.actor_index.push(k);
        }
    }
}

/// Box-centre height at the start: inserted actors' start pose, logged ones' first keyframe.
fn start_z(sh: &Shared, source: Source) -> f64 {
    match source {
        Source::Inserted(i) => sh.inserted[i].start_pose.translation.z,
        Source::Logged(i) => sh.logged[i]
            .keyframes
            .first()
            .map_or(0.0, |k| k.pose.translation.z),
    }
}

fn update_progress(sh: &Shared, st: &mut WorldState) {
    let p = st.route_progress_m;
    let pr = sh.route.project_window(
        st.ego.pose.xy,
        p - PROGRESS_WINDOW_BACK_M,
        p + PROGRESS_WINDOW_AHEAD_M,
    );
    if pr.s_m > p && pr.distance_m <= sh.config.max_route_deviation_m {
        st.route_progress_m = pr.s_m;
    }
}

/// Distance from `p` to the route, as the off-route check measures it: searched near the
/// progress, which bounds the true distance from above, and over the whole route only when
/// that exceeds the off-route limit.
pub(super) fn route_distance_m(sh: &Shared, st: &WorldState, p: DVec2) -> f64 {
    let s = st.route_progress_m;
    let near = sh
        .route
        .project_window(p, s - PROGRESS_WINDOW_BACK_M, s + PROGRESS_WINDOW_AHEAD_M);
    if near.distance_m > sh.config.max_route_deviation_m {
        sh.route.project(p).distance_m
    } else {
        near.distance_m
    }
}

fn check(sh: &Shared, st: &WorldState, t_secs: f64) -> Option<TerminalReason> {
    let footprint = st.ego.footprint();
    if let Some(a) = first_collision(&footprint, &st.actors) {
        return Some(TerminalReason::Collision {
            actor_id: a.id.to_string(),
        });
    }
    if !sh.drivable.footprint_on_road(&sh.scene.map, &footprint) {
        return Some(TerminalReason::OffRoad);
    }
    let distance_m = route_distance_m(sh, st, footprint.center);
    if distance_m > sh.config.max_route_deviation_m {
        return Some(TerminalReason::OffRoute { distance_m });
    }
    let len = sh.route.length_m();
    if st.route_progress_m
        >= sh.config.route_complete_fraction * len - sh.config.route_complete_margin_m
    {
        return Some(TerminalReason::RouteCompleted);
    }
    if t_secs >= sh.config.time.timeout_factor * sh.duration_secs - 1e-9 {
        return Some(TerminalReason::Timeout);
    }
    None
}
