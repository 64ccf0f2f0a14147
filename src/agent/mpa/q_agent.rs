//! `mpa-q:SPEC`: the paper's "no adapter" ablation. Wraps any agent; each decision it perturbs
//! the wrapped agent's plan into N candidates (the counterfactual behaviours of
//! `behaviours`, the unperturbed plan first), scores them with the multi-principle Q model and
//! executes the one with the highest combined Q. Every candidate goes into the plan's
//! `candidates` with its per-principle Q, so the viewer draws them and recordings keep them.
//!
//! The Q model reads the six views through its frozen encoder, so the agent asks for the six
//! cameras (at the encoder's size) besides what the wrapped agent reads, in one render; the
//! wrapped agent gets its own cameras, in its order. Candidates are drawn from a ChaCha stream
//! of the episode seed and the step, so an episode is reproducible bit for bit.

use std::sync::Arc;

use glam::DVec2;

use super::behaviours::{Ranges, behaviours};
use super::features::{FrozenEncoder, history_features};
use super::q::{PRINCIPLES, QModel};
use crate::agent::{Agent, AgentError, Candidate, FeatureSource, Observation, Plan, ViewRequest};

/// Default number of candidates per decision (the paper's N = 20 proposals, plus the plan
/// itself).
pub const DEFAULT_CANDIDATES: usize = 21;

pub struct MpaQAgent {
    name: String,
    inner: Box<dyn Agent>,
    inner_request: Option<ViewRequest>,
    request: ViewRequest,
    encoder: FrozenEncoder,
    q: QModel,
    pub candidates: usize,
    pub ranges: Ranges,
    pub noise_std_m: f64,
    seed: u64,
    decision_dt_secs: f64,
}

impl MpaQAgent {
    /// Wrap `inner` with the Q model `q` and its frozen encoder. Fails when the encoder's
    /// weights are not the ones the Q model was trained with, or the wrapped agent's cameras
    /// cannot share the encoder's render (a different image size).
    pub fn new(
        name: &str,
        inner: Box<dyn Agent>,
        q: QModel,
        encoder: FrozenEncoder,
    ) -> Result<MpaQAgent, AgentError> {
        let fail = |message: String| AgentError::Failed {
            agent: name.to_string(),
            message,
        };
        if encoder.weights_sha256 != q.config.encoder_sha256 {
            return Err(fail(format!(
                "the Q model was trained on encoder features of weights {}, but its encoder folder holds weights {}",
                short(&q.config.encoder_sha256),
                short(&encoder.weights_sha256)
            )));
        }
        if encoder.feature_dim() != q.config.feature_dim {
            return Err(fail(format!(
                "the encoder gives {} features per view, the Q model reads {}",
                encoder.feature_dim(),
                q.config.feature_dim
            )));
        }
        let inner_request = inner.view_request();
        let request = match &inner_request {
            Some(r) => encoder
                .view_request()
                .union(r)
                .map_err(|e| fail(format!("the wrapped agent's cameras: {e}")))?,
            None => encoder.view_request(),
        };
        Ok(MpaQAgent {
            name: name.to_string(),
            inner,
            inner_request,
            request,
            encoder,
            q,
            candidates: DEFAULT_CANDIDATES,
            ranges: Ranges::default(),
            noise_std_m: super::behaviours::DEFAULT_NOISE_STD_M,
            seed: 0,
            decision_dt_secs: crate::config::TimeBase::default().decision_dt_secs,
        })
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

impl Agent for MpaQAgent {
    fn name(&self) -> &str {
        &self.name
    }

    fn reset(&mut self, seed: u64) {
        self.seed = seed;
        self.inner.reset(seed);
    }

    fn needs_privileged(&self) -> bool {
        self.inner.needs_privileged()
    }

    fn view_request(&self) -> Option<ViewRequest> {
        Some(self.request.clone())
    }

    fn feature_source(&self) -> Option<&dyn FeatureSource> {
        self.inner.feature_source()
    }

    fn plan(&mut self, obs: &Observation) -> Result<Plan, AgentError> {
        let fail = |message: String| AgentError::Failed {
            agent: self.name.clone(),
            message,
        };
        let views = obs
            .views
            .as_ref()
            .ok_or_else(|| fail("no camera views in the observation".into()))?;
        let mut inner_obs = obs.clone();
        inner_obs.views = match &self.inner_request {
            Some(r) => Some(Arc::new(views.select(r).map_err(|e| fail(e.to_string()))?)),
            None => None,
        };
        let base = self.inner.plan(&inner_obs)?;
        let six = views
            .select(&self.encoder.view_request())
            .map_err(|e| fail(e.to_string()))?;
        let features = self
            .encoder
            .encode(&[&six])
            .map_err(fail)?
            .pop()
            .ok_or_else(|| fail("the encoder gave no features".into()))?;
        let history = history_features(obs, self.decision_dt_secs);
        let stream = self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ obs.step;
        let set = behaviours(
            self.candidates.max(1),
            base.waypoints_ego_m.len(),
            self.ranges,
            self.noise_std_m,
            stream,
        );
        let trajectories: Vec<Vec<DVec2>> =
            set.iter().map(|b| b.apply(&base.waypoints_ego_m)).collect();
        let actions: Vec<Vec<[f32; 2]>> = trajectories
            .iter()
            .map(|t| t.iter().map(|w| [w.x as f32, w.y as f32]).collect())
            .collect();
        let q = self
            .q
            .evaluate(&features, &history, &actions)
            .map_err(|e| fail(e.to_string()))?;
        let mut candidates: Vec<Candidate> = trajectories
            .into_iter()
            .zip(&set)
            .zip(&q)
            .map(|((trajectory_ego_m, b), q)| Candidate {
                trajectory_ego_m,
                principle_scores: PRINCIPLES
                    .iter()
                    .zip(q)
                    .map(|(p, v)| (format!("q_{p}"), *v))
                    .collect(),
                combined: self.q.config.combine(q),
                label: b.label(),
            })
            .collect();
        // Highest combined Q; ties (and NaN, which never wins) keep the earliest candidate.
        let best = (0..candidates.len())
            .reduce(|a, b| {
                if candidates[b].combined > candidates[a].combined {
                    b
                } else {
                    a
                }
            })
            .ok_or_else(|| fail("no candidates".into()))?;
        let waypoints_ego_m = candidates[best].trajectory_ego_m.clone();
        candidates[best].label.push_str(" (executed)");
        Ok(Plan {
            waypoints_ego_m,
            candidates,
        })
    }
}
