//! Intervals from independent units: when trials share something random (a network
//! attack's trials share the generated graph they ran on), trials are not independent and
//! a binomial interval over all of them is too narrow. The independent units are then the
//! shared draws (the graphs); each keeps its own counts, and the interval comes from the
//! spread between units.
//!
//! Estimator: the ratio estimator p̂ = Σ xᵤ / Σ nᵤ over U units (xᵤ reversals, or the sum of
//! importance weights, of unit u's nᵤ trials) — the same number as the pooled proportion,
//! so point estimates do not change. Its variance is the cluster-sampling (linearisation)
//! estimate v = U/(U−1) · Σ (xᵤ − p̂ nᵤ)² / (Σ nᵤ)² (Cochran, *Sampling Techniques*, 3rd ed.,
//! §6.11 / §9.2), which includes both the variance within a unit (the mining) and the
//! variance between units (the graph).
//!
//! Interval (counts): Korn and Graubard (1998), as the survey packages do it: the design
//! effect d = v / (p̂(1−p̂)/n), floored at 1, gives the effective sample size n/d; it is
//! shrunk by (t_{n−1}/t_{U−1})² for the U − 1 degrees of freedom the variance rests on, and
//! the chosen binomial interval (Wilson or Clopper–Pearson) is taken at that size. At
//! p̂ = 0 or 1 (no spread to measure) d = 1. Interval (importance weights): p̂ ± t_{U−1}·√v,
//! with v floored at the i.i.d. variance.
//!
//! Everything kept is an integer or an exact sum, so units merge exactly, in any order
//! (threads, shards, resumed runs).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::weighted::{BatchSums, ExactSum};
use crate::stats::{CiMethod, Interval, interval_real};

/// Per-unit counts of a cell (or of one batch of it): unit u's trials, its histogram of
/// the largest reversed z (as [`super::tally::Tally::by_top`]), its count of the separately
/// decided merchant z = 0 (the timed engine's listening-period merchant), and, under
/// importance sampling, its scaled weight sums per z.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Units {
    /// Trials per unit.
    pub trials: Vec<u64>,
    /// Per unit: trials whose largest reversed z was i − 1 (index 0: none).
    pub by_top: Vec<Vec<u64>>,
    /// Per unit: merchant z = 0 reversals.
    pub z0: Vec<u64>,
    /// Per unit, per z: Σ w_z / s_z (importance sampling only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<Vec<ExactSum>>>,
}

impl Units {
    /// Empty counts for `units` units and z = 0..=`z_max`, with weight sums if `weighted`.
    pub fn new(units: usize, z_max: u32, weighted: bool) -> Units {
        let zs = z_max as usize + 1;
        Units {
            trials: vec![0; units],
            by_top: vec![vec![0; zs + 1]; units],
            z0: vec![0; units],
            weights: weighted.then(|| vec![vec![ExactSum::default(); zs]; units]),
        }
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.trials.len()
    }

    /// Whether there are no units.
    pub fn is_empty(&self) -> bool {
        self.trials.is_empty()
    }

    /// Count one trial of unit `u`: merchants z ≤ `top` reversed (−1: none), merchant
    /// z = 0 reversed if `z0`.
    #[inline]
    pub fn add(&mut self, u: usize, top: i64, z0: bool) {
        self.trials[u] += 1;
        self.by_top[u][(top + 1) as usize] += 1;
        self.z0[u] += u64::from(z0);
    }

    /// Add one batch's importance-weight sums of unit `u` (summed in trial order).
    pub fn add_weights(&mut self, u: usize, sums: &BatchSums) {
        if let Some(w) = &mut self.weights {
            for (acc, &s) in w[u].iter_mut().zip(&sums.sum) {
                acc.add(s);
            }
        }
    }

    /// Add another part of the same cell (exact, order-independent).
    pub fn merge(&mut self, other: &Units) {
        for (a, b) in self.trials.iter_mut().zip(&other.trials) {
            *a += b;
        }
        for (a, b) in self.by_top.iter_mut().zip(&other.by_top) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        for (a, b) in self.z0.iter_mut().zip(&other.z0) {
            *a += b;
        }
        if let (Some(mine), Some(theirs)) = (&mut self.weights, &other.weights) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                for (x, y) in a.iter_mut().zip(b) {
                    x.merge(y);
                }
            }
        }
    }

    /// Per unit, the reversals of merchant `z` (z = 0: the separately decided merchant).
    pub fn counts(&self, z: u32) -> Vec<f64> {
        if z == 0 {
            return self.z0.iter().map(|&x| x as f64).collect();
        }
        self.by_top
            .iter()
            .map(|h| h[z as usize + 1..].iter().sum::<u64>() as f64)
            .collect()
    }

    /// Per unit, the scaled weight sum of merchant `z` (None without weights).
    pub fn weight_sums(&self, z: u32) -> Option<Vec<f64>> {
        let w = self.weights.as_ref()?;
        Some(w.iter().map(|u| u[z as usize].value()).collect())
    }

    /// The cluster variance of the ratio estimator from per-unit totals `x` (see the
    /// module docs), with the number of units that ran any trial.
    pub fn ratio_variance(&self, x: &[f64]) -> (f64, usize) {
        ratio_variance(x, &self.trials)
    }
}

/// v = U/(U−1) · Σ (xᵤ − p̂ nᵤ)² / (Σ nᵤ)² over the units with nᵤ > 0, and U (0 when
/// fewer than two units ran: no spread to measure).
pub fn ratio_variance(x: &[f64], n: &[u64]) -> (f64, usize) {
    let used: Vec<(f64, f64)> = x
        .iter()
        .zip(n)
        .filter(|&(_, &n)| n > 0)
        .map(|(&x, &n)| (x, n as f64))
        .collect();
    let u = used.len();
    if u < 2 {
        return (0.0, u);
    }
    let total: f64 = used.iter().map(|p| p.1).sum();
    let p = used.iter().map(|p| p.0).sum::<f64>() / total;
    let ss: f64 = used.iter().map(|&(x, n)| (x - p * n).powi(2)).sum();
    (ss * u as f64 / (u as f64 - 1.0) / (total * total), u)
}

/// The two-sided quantile t_{df, 1−α/2} (the normal one for df = ∞ or huge).
pub fn t_quantile(df: f64, confidence: f64) -> f64 {
    let p = 1.0 - (1.0 - confidence) / 2.0;
    if df > 1e7 {
        return Normal::standard().inverse_cdf(p);
    }
    StudentsT::new(0.0, 1.0, df.max(1.0))
        .expect("df ≥ 1")
        .inverse_cdf(p)
}

/// The Korn–Graubard interval of a proportion `p` = k/n estimated with cluster variance
/// `v` from `units` units (see the module docs), with the effective sample size it used.
pub fn korn_graubard(
    method: CiMethod,
    p: f64,
    n: u64,
    v: f64,
    units: usize,
    confidence: f64,
) -> (Interval, f64) {
    let nf = n as f64;
    let binomial = p * (1.0 - p) / nf;
    let deff = if binomial > 0.0 {
        (v / binomial).max(1.0)
    } else {
        1.0
    };
    let df_units = (units.max(2) - 1) as f64;
    let shrink = (t_quantile(nf - 1.0, confidence) / t_quantile(df_units, confidence)).powi(2);
    let n_eff = (nf / deff * shrink).max(1.0);
    (interval_real(method, p * n_eff, n_eff, confidence), n_eff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_variance_matches_a_hand_computation() {
        // Units (x, n): (1, 2), (3, 4), (0, 2): p̂ = 4/8 = 0.5; residuals 0, 1, −1;
        // v = 3/2 · 2 / 64 = 3/64.
        let (v, u) = ratio_variance(&[1.0, 3.0, 0.0], &[2, 4, 2]);
        assert_eq!(u, 3);
        assert!((v - 3.0 / 64.0).abs() < 1e-15, "{v}");
        // A unit without trials is not a unit.
        let (v2, u2) = ratio_variance(&[1.0, 3.0, 0.0, 0.0], &[2, 4, 2, 0]);
        assert_eq!((v2, u2), (v, 3));
    }

    #[test]
    fn equal_units_reduce_to_the_variance_of_unit_means() {
        // Equal sizes: v = s²(unit means) / U, the textbook batch-means variance.
        let means = [0.2, 0.5, 0.3, 0.6];
        let n = 10u64;
        let x: Vec<f64> = means.iter().map(|m| m * n as f64).collect();
        let (v, _) = ratio_variance(&x, &[n; 4]);
        let mean = means.iter().sum::<f64>() / 4.0;
        let s2 = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / 3.0;
        assert!((v - s2 / 4.0).abs() < 1e-15, "{v} vs {}", s2 / 4.0);
    }

    #[test]
    fn t_quantiles_are_the_tabulated_ones() {
        // Student t table, two-sided 95 %: df 1 → 12.706, df 10 → 2.228, df 31 → 2.040.
        assert!((t_quantile(1.0, 0.95) - 12.706).abs() < 1e-3);
        assert!((t_quantile(10.0, 0.95) - 2.228).abs() < 1e-3);
        assert!((t_quantile(31.0, 0.95) - 2.040).abs() < 1e-3);
        assert!((t_quantile(1e9, 0.95) - 1.960).abs() < 1e-3);
    }

    #[test]
    fn korn_graubard_widens_by_the_design_effect() {
        // 10 000 trials, p̂ = 0.3, a cluster variance 4 × the binomial one, 1000 units
        // (t_999 ≈ 1.962 vs z = 1.960: a shrink of 0.998). The Wilson interval at
        // n_eff ≈ 2 495 is about twice as wide as at 10 000.
        let p = 0.3;
        let v = 4.0 * p * (1.0 - p) / 10_000.0;
        let (wide, n_eff) = korn_graubard(CiMethod::Wilson, p, 10_000, v, 1000, 0.95);
        assert!((n_eff - 2500.0 * 0.998).abs() < 2.0, "{n_eff}");
        let narrow = crate::stats::interval(CiMethod::Wilson, 3000, 10_000, 0.95);
        let ratio = (wide.high - wide.low) / (narrow.high - narrow.low);
        assert!((ratio - 2.0).abs() < 0.01, "{ratio}");
        // A variance below the binomial one is not trusted: d is floored at 1 (only the
        // degrees-of-freedom shrink, 0.998, widens it: ×1.001).
        let (same, n1) = korn_graubard(CiMethod::Wilson, p, 10_000, v / 16.0, 1000, 0.95);
        assert!(n1 > 9_900.0 && same.high - same.low < (narrow.high - narrow.low) * 1.002);
    }
}
