//! Binomial confidence intervals: Wilson score (default) and Clopper–Pearson (exact).
//!
//! statrs supplies the normal quantile and the regularised incomplete beta function. Its
//! `Beta::inverse_cdf` is not used: it is inaccurate or never returns for few successes in
//! millions of trials (statrs issues #434/#435); the Clopper–Pearson bounds bisect
//! `beta_reg` instead.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::beta::beta_reg;

/// Which binomial interval to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CiMethod {
    /// Wilson score interval: good coverage, never empty, an upper bound at zero successes.
    Wilson,
    /// Clopper–Pearson: exact (conservative) coverage.
    ClopperPearson,
}

impl CiMethod {
    /// Name used in output files.
    pub fn name(self) -> &'static str {
        match self {
            CiMethod::Wilson => "wilson",
            CiMethod::ClopperPearson => "clopper-pearson",
        }
    }
}

/// A two-sided interval at a stated confidence level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// Interval for `successes` out of `trials` at `confidence` (e.g. 0.95). `trials` > 0.
pub fn interval(method: CiMethod, successes: u64, trials: u64, confidence: f64) -> Interval {
    debug_assert!(trials > 0 && successes <= trials);
    interval_real(method, successes as f64, trials as f64, confidence)
}

/// The same interval for a real-valued count `successes` ≤ `trials` (> 0): the form an
/// effective sample size takes (`crate::estimate::units`).
pub fn interval_real(method: CiMethod, successes: f64, trials: f64, confidence: f64) -> Interval {
    match method {
        CiMethod::Wilson => wilson(successes, trials, confidence),
        CiMethod::ClopperPearson => clopper_pearson(successes, trials, confidence),
    }
}

fn wilson(k: f64, n: f64, confidence: f64) -> Interval {
    let z = Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    let phat = k / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (phat + z2 / (2.0 * n)) / denom;
    let half = z / denom * (phat * (1.0 - phat) / n + z2 / (4.0 * n * n)).sqrt();
    // At k = 0 (k = n) the exact bound is 0 (1); rounding would leave it one ulp off.
    Interval {
        low: if k == 0.0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        high: if k == n {
            1.0
        } else {
            (centre + half).min(1.0)
        },
    }
}

fn clopper_pearson(kf: f64, nf: f64, confidence: f64) -> Interval {
    let alpha = 1.0 - confidence;
    let low = if kf == 0.0 {
        0.0
    } else {
        beta_quantile(kf, nf - kf + 1.0, alpha / 2.0)
    };
    let high = if kf >= nf {
        1.0
    } else {
        beta_quantile(kf + 1.0, nf - kf, 1.0 - alpha / 2.0)
    };
    Interval { low, high }
}

/// x with I_x(a, b) = prob, by bisection (geometric while the lower end is positive, so
/// tiny tails are found to full relative precision).
fn beta_quantile(a: f64, b: f64, prob: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..300 {
        let mid = if lo > 0.0 { (lo * hi).sqrt() } else { 0.5 * hi };
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_reg(a, b, mid) < prob {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: R's binom.test / scipy.stats.binomtest(...).proportion_ci
    // (exact and wilson), computed independently of this code.
    #[test]
    fn wilson_matches_textbook_value() {
        // Wilson 95 % for 10 of 100: [0.05523, 0.17437] (Newcombe 1998, Table I style).
        let i = interval(CiMethod::Wilson, 10, 100, 0.95);
        assert!((i.low - 0.055229).abs() < 1e-5, "{i:?}");
        assert!((i.high - 0.174366).abs() < 1e-5, "{i:?}");
    }

    #[test]
    fn clopper_pearson_matches_textbook_value() {
        // Exact 95 % for 10 of 100: [0.04900469, 0.17622260] (binom.test(10, 100)).
        let i = interval(CiMethod::ClopperPearson, 10, 100, 0.95);
        assert!((i.low - 0.04900469).abs() < 1e-7, "{i:?}");
        assert!((i.high - 0.17622260).abs() < 1e-7, "{i:?}");
    }

    #[test]
    fn zero_successes_still_bound_from_above() {
        // Clopper–Pearson upper bound at 0/n is 1 − (α/2)^{1/n}: the "rule of three" ≈ 3.69/n.
        let n = 10_000_000u64;
        let i = interval(CiMethod::ClopperPearson, 0, n, 0.95);
        let expected = 1.0 - 0.025f64.powf(1.0 / n as f64);
        assert_eq!(i.low, 0.0);
        assert!(
            (i.high / expected - 1.0).abs() < 1e-6,
            "{i:?} vs {expected}"
        );
        let w = interval(CiMethod::Wilson, 0, n, 0.95);
        assert!(w.high > 0.0 && w.high < 1e-6);
    }
}
