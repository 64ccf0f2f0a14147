//! NeuroNCAP score (Ljungbergh et al., ECCV 2024) of one safety-critical run: 5 without a
//! collision; otherwise `4 * max(0, 1 - v_i / v_r)`, where `v_i` is the norm of the
//! ego-minus-actor velocity at impact and `v_r` the impact speed had the ego kept to the log.
//!
//! Guards: with a collision and `v_r <= 0` (the logged ego would not have hit anything, so any
//! impact is entirely the policy's doing) or any NaN speed, the run scores 0, the worst a
//! collision can score.

/// NeuroNCAP score of one run, in [0, 5].
pub fn neuroncap_score(
    collided: bool,
    impact_rel_speed_mps: f64,
    reference_impact_speed_mps: f64,
) -> f64 {
    if !collided {
        return 5.0;
    }
    let (vi, vr) = (impact_rel_speed_mps.abs(), reference_impact_speed_mps);
    if vi.is_nan() || vr.is_nan() || vr <= 0.0 {
        return 0.0;
    }
    4.0 * (1.0 - vi / vr).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_collision_scores_five_whatever_the_speeds() {
        assert_eq!(neuroncap_score(false, 10.0, 5.0), 5.0);
        assert_eq!(neuroncap_score(false, f64::NAN, 0.0), 5.0);
    }

    #[test]
    fn collision_formula_edges() {
        // Touching at zero relative speed: 4 * (1 - 0/10) = 4.
        assert_eq!(neuroncap_score(true, 0.0, 10.0), 4.0);
        // Half the reference speed: 4 * (1 - 5/10) = 2.
        assert_eq!(neuroncap_score(true, 5.0, 10.0), 2.0);
        // A quarter: 4 * 0.75 = 3.
        assert_eq!(neuroncap_score(true, 2.5, 10.0), 3.0);
        // At the reference speed: 4 * 0 = 0.
        assert_eq!(neuroncap_score(true, 10.0, 10.0), 0.0);
        // Faster than the reference: clamped at 0, not negative.
        assert_eq!(neuroncap_score(true, 15.0, 10.0), 0.0);
    }

    #[test]
    fn collision_guards() {
        assert_eq!(neuroncap_score(true, 1.0, 0.0), 0.0);
        assert_eq!(neuroncap_score(true, 1.0, -3.0), 0.0);
        assert_eq!(neuroncap_score(true, f64::NAN, 10.0), 0.0);
        assert_eq!(neuroncap_score(true, 1.0, f64::NAN), 0.0);
        // A negative "speed" is a norm given with the wrong sign: its magnitude counts.
        assert_eq!(neuroncap_score(true, -5.0, 10.0), 2.0);
    }
}
