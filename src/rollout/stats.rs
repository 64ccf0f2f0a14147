//! Summary statistics over episodes: mean, sample standard deviation and a 95% confidence
//! interval of the mean from Student's t distribution (`mean +- t_{0.975, n-1} * s / sqrt(n)`).
//!
//! Student's t rather than the normal 1.96 because sweeps typically have few seeds per
//! scenario: with n = 5 the normal approximation would understate the interval by 24%
//! (t = 2.776). Critical values for 1..=30 degrees of freedom are tabulated; above that the
//! Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5, four terms) is within 1e-6.
//! `tests/reference/t_quantiles.py` recomputes them independently.

/// Two-sided 95% critical values t_{0.975, df} for df = 1..=30.
const T_975: [f64; 30] = [
    12.706_204_7,
    4.302_652_7,
    3.182_446_3,
    2.776_445_1,
    2.570_581_8,
    2.446_911_9,
    2.364_624_3,
    2.306_004_1,
    2.262_157_2,
    2.228_138_9,
    2.200_985_2,
    2.178_812_8,
    2.160_368_7,
    2.144_786_7,
    2.131_449_5,
    2.119_905_3,
    2.109_815_6,
    2.100_922_0,
    2.093_024_1,
    2.085_963_4,
    2.079_613_8,
    2.073_873_1,
    2.068_657_6,
    2.063_898_6,
    2.059_538_6,
    2.055_529_4,
    2.051_830_5,
    2.048_407_1,
    2.045_229_6,
    2.042_272_5,
];

/// The standard normal 0.975 quantile.
pub const Z_975: f64 = 1.959_963_984_540_054;

/// t_{0.975, df}: the multiplier of the standard error for a two-sided 95% interval. NaN for
/// df = 0.
pub fn t_critical_975(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T_975[df - 1],
        _ => {
            let z = Z_975;
            let v = df as f64;
            let g1 = (z.powi(3) + z) / 4.0;
            let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
            let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
            let g4 = (79.0 * z.powi(9) + 776.0 * z.powi(7) + 1482.0 * z.powi(5)
                - 1920.0 * z.powi(3)
                - 945.0 * z)
                / 92160.0;
            z + g1 / v + g2 / v.powi(2) + g3 / v.powi(3) + g4 / v.powi(4)
        }
    }
}

/// Statistics of one figure over a group of episodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Finite values counted (non-finite ones are skipped).
    pub n: usize,
    /// NaN when n = 0.
    pub mean: f64,
    /// Sample standard deviation (divisor n - 1); NaN when n < 2.
    pub std: f64,
    /// Half-width of the 95% interval of the mean; NaN when n < 2.
    pub ci95_half_width: f64,
}

impl Stats {
    /// Two-pass mean and sample variance over the finite values, in slice order.
    pub fn of(values: &[f64]) -> Self {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let n = finite.len();
        if n == 0 {
            return Stats {
                n,
                mean: f64::NAN,
                std: f64::NAN,
                ci95_half_width: f64::NAN,
            };
        }
        let mean = finite.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Stats {
                n,
                mean,
                std: f64::NAN,
                ci95_half_width: f64::NAN,
            };
        }
        let var = finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let std = var.sqrt();
        Stats {
            n,
            mean,
            std,
            ci95_half_width: t_critical_975(n - 1) * std / (n as f64).sqrt(),
        }
    }

    pub fn ci95_low(&self) -> f64 {
        self.mean - self.ci95_half_width
    }
    pub fn ci95_high(&self) -> f64 {
        self.mean + self.ci95_half_width
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_continues_the_table() {
        // At df = 30 the expansion must agree with the tabulated value.
        let z = Z_975;
        let v = 30.0_f64;
        let g1 = (z.powi(3) + z) / 4.0;
        let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
        let approx = z + g1 / v + g2 / v.powi(2);
        assert!((approx - T_975[29]).abs() < 1e-4, "{approx}");
        assert!((t_critical_975(31) - 2.039_513).abs() < 1e-5);
    }
}
