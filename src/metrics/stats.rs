//! Summary statistics for result tables: sample mean, sample standard deviation (n - 1) and a
//! two-sided 95% confidence interval of the mean from Student's t distribution,
//! `mean +- t(0.975, n - 1) * std / sqrt(n)`. The t quantile comes from a table for 1..=30
//! degrees of freedom and a Cornish-Fisher expansion above that (error under 1e-4 there).
//!
//! With one sample the spread is undefined: `std`, `ci95_low` and `ci95_high` are NaN
//! (serde_json writes them as null). Rates (collision, off-road) are means of 0/1 samples.

use super::MetricsError;
use serde::{Deserialize, Serialize};

/// t(0.975, df) for df = 1..=30.
const T975: [f64; 30] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
    2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
    2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];
/// Standard normal 0.975 quantile.
const Z975: f64 = 1.959_963_984_540_054;

/// Student t 0.975 quantile for `df >= 1` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    if df == 0 {
        return f64::NAN;
    }
    if df <= T975.len() {
        return T975[df - 1];
    }
    let (z, v) = (Z975, df as f64);
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

/// Mean and spread of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (divides by n - 1); NaN for n = 1.
    pub std: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
}

impl Summary {
    /// Summarise `samples`; `what` names the figure in errors.
    pub fn of(what: &str, samples: &[f64]) -> Result<Summary, MetricsError> {
        if samples.is_empty() {
            return Err(MetricsError::EmptySample {
                what: what.to_string(),
            });
        }
        if let Some(index) = samples.iter().position(|x| !x.is_finite()) {
            return Err(MetricsError::NonFinite {
                field: "samples",
                index,
            });
        }
        let n = samples.len();
        let mean = samples.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Ok(Summary {
                n,
                mean,
                std: f64::NAN,
                ci95_low: f64::NAN,
                ci95_high: f64::NAN,
            });
        }
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let std = var.sqrt();
        let half = t975(n - 1) * std / (n as f64).sqrt();
        Ok(Summary {
            n,
            mean,
            std,
            ci95_low: mean - half,
            ci95_high: mean + half,
        })
    }

    /// Summarise a rate: each `true` counts 1, each `false` 0.
    pub fn of_rate(what: &str, flags: &[bool]) -> Result<Summary, MetricsError> {
        let xs: Vec<f64> = flags.iter().map(|b| f64::from(u8::from(*b))).collect();
        Summary::of(what, &xs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_worked_summary() {
        // Samples 1, 2, 3, 4: mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5;
        // variance 5 / 3; std = 1.290994...; half width = t(3) 3.1824 * std / 2 = 2.054229...
        let s = Summary::of("x", &[1.0, 2.0, 3.0, 4.0]).expect("valid");
        assert_eq!(s.n, 4);
        assert_eq!(s.mean, 2.5);
        assert!((s.std - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        let half = 3.1824 * (5.0f64 / 3.0).sqrt() / 2.0;
        assert!((s.ci95_low - (2.5 - half)).abs() < 1e-12);
        assert!((s.ci95_high - (2.5 + half)).abs() < 1e-12);
    }

    #[test]
    fn constant_sample_has_zero_width() {
        let s = Summary::of("x", &[0.7; 5]).expect("valid");
        assert!((s.mean - 0.7).abs() < 1e-15);
        assert!(s.std.abs() < 1e-15);
        assert!((s.ci95_high - s.ci95_low).abs() < 1e-14);
    }

    #[test]
    fn single_sample_spread_is_undefined() {
        let s = Summary::of("x", &[3.0]).expect("valid");
        assert_eq!((s.n, s.mean), (1, 3.0));
        assert!(s.std.is_nan() && s.ci95_low.is_nan() && s.ci95_high.is_nan());
    }

    #[test]
    fn bad_samples_are_errors() {
        assert!(matches!(
            Summary::of("hd", &[]),
            Err(MetricsError::EmptySample { .. })
        ));
        assert_eq!(
            Summary::of("hd", &[1.0, f64::NAN]),
            Err(MetricsError::NonFinite {
                field: "samples",
                index: 1
            })
        );
    }

    #[test]
    fn rate_is_mean_of_flags() {
        // 1 of 4 collided: rate 0.25.
        let s = Summary::of_rate("collision", &[false, true, false, false]).expect("valid");
        assert_eq!(s.mean, 0.25);
    }

    #[test]
    fn t_quantile_expansion_matches_tables() {
        // Published t(0.975) values: df 30 -> 2.0423, 60 -> 2.0003, 120 -> 1.9799.
        let at30 = {
            let (z, v) = (Z975, 30.0f64);
            z + (z.powi(3) + z) / (4.0 * v)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z)
                    / (384.0 * v * v * v)
        };
        assert!((at30 - 2.0423).abs() < 1e-4);
        assert!((t975(60) - 2.0003).abs() < 1e-4);
        assert!((t975(120) - 1.9799).abs() < 1e-4);
        assert!((t975(100_000) - Z975).abs() < 1e-4);
        assert!(t975(0).is_nan());
    }
}
