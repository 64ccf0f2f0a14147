//! Building the agent's `Observation` from the World (ego frame at the current time).

use super::{World, relative_pose};
use crate::agent::{
    ActorObservation, EGO_HISTORY_LEN, EgoHistoryState, EgoObservation, Observation, Privileged,
    ROUTE_AHEAD_LENGTH_M, ROUTE_AHEAD_SPACING_M,
};
use crate::geometry::Pose2;
use glam::DVec2;

/// History poses are projected on the route no further back than this behind the progress.
const HISTORY_WINDOW_BACK_M: f64 = 40.0;

impl World {
    /// The observation at the current tick, privileged part included (the episode runner strips
    /// it for agents that do not need it: `Observation::without_privileged`).
    pub fn observation(&self) -> Observation {
        let st = &self.state;
        let ego = st.ego;
        let frame = ego.pose;
        let cfg = &self.shared.config;
        let route = &self.shared.route;
        let s_now = route
            .project_window(
                frame.xy,
                st.route_progress_m - 5.0,
                st.route_progress_m + 30.0,
            )
            .s_m;
        let s_end = (s_now + ROUTE_AHEAD_LENGTH_M).min(route.length_m());
        let route_ahead_ego_m = if s_end > s_now {
            route
                .sample_points(s_now, s_end, ROUTE_AHEAD_SPACING_M)
                .into_iter()
                .map(|p| frame.inverse_transform_point(p))
                .collect()
        } else {
            vec![frame.inverse_transform_point(route.point_at(s_now))]
        };
        let actors = st
            .actors
            .iter()
            .map(|a| ActorObservation {
                id: a.id.clone(),
                class: a.class,
                pose: relative_pose(frame, a.pose),
                length_m: a.length_m,
                width_m: a.width_m,
                velocity_mps: DVec2::from_angle(-frame.yaw).rotate(a.velocity_mps),
                is_static: a.is_static,
            })
            .collect();
        let now = self.time_secs();
        let history = self.history_global();
        let log_end_secs = (self.shared.scene.end_us() - self.shared.start_us) as f64 * 1e-6;
        let logged_future_ego = (1..=cfg.time.plan_len)
            .filter_map(|k| {
                let t = (now + k as f64 * cfg.time.plan_dt_secs).min(log_end_secs);
                self.ego_log_pose_at(t).map(|p| relative_pose(frame, p))
            })
            .collect();
        Observation {
            time_secs: now,
            step: st.step,
            ego: EgoObservation {
                speed_mps: ego.speed_mps,
                accel_mps2: ego.accel_mps2,
                yaw_rate_radps: ego.yaw_rate_radps,
                steer_rad: ego.steer_rad,
            },
            ego_history: history.iter().map(|h| relative_pose(frame, h.0)).collect(),
            ego_history_states: history
                .iter()
                .map(|&(pose, speed_mps, accel_mps2)| {
                    let pr = route.project_window(
                        pose.xy,
                        st.route_progress_m - HISTORY_WINDOW_BACK_M,
                        st.route_progress_m + 5.0,
                    );
                    // Behind the route start the arc length continues negative.
                    let s_m = if pr.s_m <= 0.0 {
                        (pose.xy - route.point_at(0.0))
                            .dot(DVec2::from_angle(route.heading_at(0.0)))
                    } else {
                        pr.s_m
                    };
                    EgoHistoryState {
                        speed_mps,
                        accel_mps2,
                        route_s_m: s_m,
                        route_lateral_m: pr.lateral_m,
                    }
                })
                .collect(),
            command: super::route::command_for(route, frame, s_now, ego.speed_mps),
            route_ahead_ego_m,
            plan_dt_secs: cfg.time.plan_dt_secs,
            plan_len: cfg.time.plan_len,
            views: None,
            privileged: Some(Privileged {
                actors,
                map: self.shared.scene.map.clone(),
                ego_pose_global: frame,
                logged_future_ego,
                route_progress_m: st.route_progress_m,
                route_length_m: route.length_m(),
            }),
        }
    }

    /// Global poses, speeds and accelerations at the last `EGO_HISTORY_LEN` decision ticks,
    /// oldest first, ending with the current state; ticks before the episode start come from
    /// the log when the episode starts on it, else from extrapolating the start pose backwards at
    /// the start speed; their speed is the start speed and their acceleration 0.
    fn history_global(&self) -> Vec<(Pose2, f64, f64)> {
        let st = &self.state;
        let sh = &self.shared;
        let dec = sh.config.time.decision_dt_secs;
        let missing = (EGO_HISTORY_LEN - 1).saturating_sub(st.history.len());
        let first_tick = st.step as i64 - st.history.len() as i64;
        let mut out = Vec::with_capacity(EGO_HISTORY_LEN);
        for j in (1..=missing).rev() {
            let t = (first_tick - j as i64) as f64 * dec;
            let logged = if sh.log_history {
                self.ego_log_pose_at(t)
            } else {
                None
            };
            let pose = logged.unwrap_or_else(|| {
                let back = DVec2::from_angle(sh.ego_start.yaw) * sh.ego_start_speed_mps * t;
                Pose2 {
                    xy: sh.ego_start.xy + back,
                    yaw: sh.ego_start.yaw,
                }
            });
            out.push((pose, sh.ego_start_speed_mps, 0.0));
        }
        out.extend_from_slice(&st.history);
        out.push((st.ego.pose, st.ego.speed_mps, st.ego.accel_mps2));
        out
    }
}
