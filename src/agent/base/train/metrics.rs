//! Open-loop planning error, as UniAD / VAD report it on nuScenes: the L2 distance between the
//! predicted and the logged ego position at 1, 2 and 3 s, averaged over samples. Both
//! conventions in use are given: `at_*` is the error at that horizon (UniAD), `avg_*` the mean
//! over the waypoints up to that horizon (ST-P3 / VAD).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct OpenLoopL2 {
    pub samples: usize,
    pub at_1s_m: f64,
    pub at_2s_m: f64,
    pub at_3s_m: f64,
    pub avg_1s_m: f64,
    pub avg_2s_m: f64,
    pub avg_3s_m: f64,
}

/// `pred` and `gt` are `[n, plan_len, 2]` row-major waypoints `plan_dt_secs` apart (the first
/// one `plan_dt_secs` after now). Horizons beyond the plan use its last waypoint.
pub fn open_loop_l2(pred: &[f32], gt: &[f32], plan_len: usize, plan_dt_secs: f64) -> OpenLoopL2 {
    let n = (pred.len().min(gt.len())) / (plan_len * 2).max(1);
    if n == 0 || plan_len == 0 {
        return OpenLoopL2::default();
    }
    // Waypoint index of each horizon (1 s -> index 1 at 0.5 s spacing).
    let index_at = |t: f64| (((t / plan_dt_secs).round() as usize).max(1) - 1).min(plan_len - 1);
    let mut at = [0.0f64; 3];
    let mut avg = [0.0f64; 3];
    for s in 0..n {
        let err: Vec<f64> = (0..plan_len)
            .map(|k| {
                let i = (s * plan_len + k) * 2;
                let dx = f64::from(pred[i] - gt[i]);
                let dy = f64::from(pred[i + 1] - gt[i + 1]);
                (dx * dx + dy * dy).sqrt()
            })
            .collect();
        for (h, t) in [1.0, 2.0, 3.0].into_iter().enumerate() {
            let k = index_at(t);
            at[h] += err[k];
            avg[h] += err[..=k].iter().sum::<f64>() / (k + 1) as f64;
        }
    }
    let n_f = n as f64;
    OpenLoopL2 {
        samples: n,
        at_1s_m: at[0] / n_f,
        at_2s_m: at[1] / n_f,
        at_3s_m: at[2] / n_f,
        avg_1s_m: avg[0] / n_f,
        avg_2s_m: avg[1] / n_f,
        avg_3s_m: avg[2] / n_f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l2_against_hand_computed_values() {
        // Two samples, 6 waypoints 0.5 s apart. Sample 0: errors 0,1,0,2,0,3 (along x, y).
        // Sample 1: errors 3-4-5 triangles (5 m) at every waypoint.
        let gt = vec![0.0f32; 24];
        let mut pred = vec![0.0f32; 24];
        pred[2] = 1.0; // s0 k1: 1 m
        pred[7] = 2.0; // s0 k3: 2 m (y)
        pred[10] = 3.0; // s0 k5: 3 m
        for k in 0..6 {
            pred[12 + 2 * k] = 3.0;
            pred[12 + 2 * k + 1] = -4.0;
        }
        let r = open_loop_l2(&pred, &gt, 6, 0.5);
        assert_eq!(r.samples, 2);
        // at 1 s: (1 + 5) / 2; at 2 s: (2 + 5) / 2; at 3 s: (3 + 5) / 2.
        assert!((r.at_1s_m - 3.0).abs() < 1e-12);
        assert!((r.at_2s_m - 3.5).abs() < 1e-12);
        assert!((r.at_3s_m - 4.0).abs() < 1e-12);
        // avg to 1 s: s0 mean(0,1) = 0.5, s1 5 -> 2.75; to 2 s: s0 mean(0,1,0,2) = 0.75 ->
        // 2.875; to 3 s: s0 mean(0,1,0,2,0,3) = 1 -> 3.
        assert!((r.avg_1s_m - 2.75).abs() < 1e-12);
        assert!((r.avg_2s_m - 2.875).abs() < 1e-12);
        assert!((r.avg_3s_m - 3.0).abs() < 1e-12);
    }

    #[test]
    fn empty_input_gives_zero_samples() {
        assert_eq!(open_loop_l2(&[], &[], 6, 0.5).samples, 0);
    }
}
