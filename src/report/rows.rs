//! The row of `reversal.csv`: one (q, z) cell of an attack, with its interval and the
//! closed form under the same convention.

use serde::{Deserialize, Serialize};

use crate::analytic::Probability;
use crate::sim::is::ln_scale_step;
use crate::sim::tally::Tally;
use crate::sim::weighted::MIN_ESS;
use crate::stats::{CiMethod, interval};

/// One line of `reversal.csv` (column order = field order; the first eight are the SPEC's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReversalRow {
    /// Attack name.
    pub attack: String,
    /// Attacker hash share.
    pub q: f64,
    /// Confirmations.
    pub z: u32,
    /// Trials run.
    pub trials: u64,
    /// Estimated P(reversal).
    pub probability: f64,
    /// Lower confidence bound.
    pub ci_low: f64,
    /// Upper confidence bound (an upper bound even at zero reversals).
    pub ci_high: f64,
    /// Closed form under the same convention (empty where none applies).
    pub exact: Option<f64>,
    /// Reversals counted.
    pub successes: u64,
    /// Tie rule (`first-seen` or `gamma=G`).
    pub tie: String,
    /// Head start k.
    pub premined: u32,
    /// Deficit at which the attacker gives up (`never`, or a block count).
    pub give_up: String,
    /// Interval method.
    pub ci: String,
    /// Interval confidence level.
    pub confidence: f64,
    /// Trials stopped undecided by the per-trial block cap (counted as failures).
    pub censored: u64,
    /// Mean blocks until success (reported for q > 1/2).
    pub mean_blocks: Option<f64>,
    /// 99th percentile of blocks until success (q > 1/2; bucket upper edge, ≤ 1.6 % wide).
    pub p99_blocks: Option<u64>,
    /// Estimator: `mc` (plain Monte Carlo) or `is` (importance sampling).
    pub method: String,
    /// Standard error of `probability`.
    pub std_error: Option<f64>,
    /// Achieved relative precision: the interval's half-width over `probability` (empty
    /// when the estimate is 0). For `is`, the half-width is z·std_error before clamping.
    pub rel_error: Option<f64>,
    /// Effective sample size (Σw)²/Σw² of the importance weights (`is` only).
    pub ess: Option<f64>,
    /// Attacker share the trials were drawn with before acceptance (`is` only).
    pub tilt: Option<f64>,
    /// Why the cell stopped: `trials` (fixed count), `target` (`rel_error` reached the
    /// requested precision) or `cap` (the trial cap came first).
    pub stop: String,
    /// Network attacks: attacker block rewards orphaned per attempt (blocks).
    pub cost_blocks: Option<f64>,
    /// Network attacks: expected seconds before an attempt can start (mining the
    /// withheld block(s): k·T/q).
    pub wait_seconds: Option<f64>,
    /// Network attacks: stale-block rate of honest mining on the scenario's network.
    pub stale_rate: Option<f64>,
    /// Network attacks: the network (`none` or `random-<nodes>`).
    pub network: Option<String>,
    /// Defence sweeps: the swept parameter (`table.key`).
    pub sweep_parameter: Option<String>,
    /// Defence sweeps: its value in this row.
    pub sweep_value: Option<String>,
    /// log10 of `probability`. Importance sampling: computed from the scaled weight sums,
    /// so it is right where `probability` underflows to 0 (below about 1e-308). Monte
    /// Carlo: log10 of `probability`. Empty when the estimate is 0 (no −∞ in the CSV).
    pub log10_probability: Option<f64>,
    /// log10 of `ci_low`, in the same way; empty when the lower bound is 0.
    pub log10_ci_low: Option<f64>,
    /// log10 of `ci_high`, in the same way (0 when the upper bound is 1).
    pub log10_ci_high: Option<f64>,
    /// log10 of `exact`, from the closed form's log-space value where it has one (the
    /// majority attack without give-up), so it is right below 1e-308 too; otherwise log10
    /// of `exact`. Empty where `exact` is empty or 0.
    pub log10_exact: Option<f64>,
}

impl ReversalRow {
    /// Set the log10 columns of the estimate and its interval from `probability`,
    /// `ci_low` and `ci_high` (for Monte Carlo rows, whose values cannot underflow: their
    /// smallest positive value is 1/trials).
    pub fn set_log10_from_values(&mut self) {
        self.log10_probability = log10_of(self.probability);
        self.log10_ci_low = log10_of(self.ci_low);
        self.log10_ci_high = log10_of(self.ci_high);
    }
}

/// log10 of a positive value; None for 0 (a column left empty rather than −∞).
fn log10_of(x: f64) -> Option<f64> {
    (x > 0.0).then(|| x.log10())
}

/// A finite log10; None for −∞ (the value is 0).
fn finite(log10: f64) -> Option<f64> {
    log10.is_finite().then_some(log10)
}

/// What a row needs besides the tally.
#[derive(Clone, Debug)]
pub struct RowContext<'a> {
    /// Attack name.
    pub attack: &'a str,
    /// Tie rule as text.
    pub tie: String,
    /// Head start.
    pub premined: u32,
    /// Give-up as text.
    pub give_up: String,
    /// Interval method.
    pub ci: CiMethod,
    /// Confidence level.
    pub confidence: f64,
}

/// How a cell was sampled, beyond the tally.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sampled {
    /// Importance-sampling tilt q' (None: plain Monte Carlo).
    pub tilt: Option<f64>,
    /// Requested relative precision of a target-precision run (None: fixed trials).
    pub rel_target: Option<f64>,
}

/// Rows for the requested `zs` of one Monte Carlo cell with share `q`; `exact(z)` is the
/// closed form, known by its value only (its log10 is that of the value).
pub fn rows_for_cell(
    ctx: &RowContext<'_>,
    q: f64,
    zs: &[u32],
    tally: &Tally,
    exact: impl Fn(u32) -> Option<f64>,
) -> Vec<ReversalRow> {
    let exact = |z| exact(z).map(Probability::from_value);
    rows_for_sampled_cell(ctx, q, zs, tally, exact, Sampled::default())
}

/// Rows for one cell estimated by Monte Carlo or importance sampling (`how.tilt`);
/// `exact(z)` is the closed form with its log10.
pub fn rows_for_sampled_cell(
    ctx: &RowContext<'_>,
    q: f64,
    zs: &[u32],
    tally: &Tally,
    exact: impl Fn(u32) -> Option<Probability>,
    how: Sampled,
) -> Vec<ReversalRow> {
    zs.iter()
        .map(|&z| {
            let n = tally.trials;
            let blocks = tally.blocks.as_ref().map(|b| &b[z as usize]);
            let est = match (how.tilt, tally.weighted.as_ref()) {
                (Some(t), Some(w)) => {
                    let e = w.estimate(z, n, ln_scale_step(q, t), ctx.confidence);
                    Est {
                        p: e.probability,
                        low: e.low,
                        high: e.high,
                        rel_error: e.rel_error,
                        se: e.std_error,
                        ess: Some(e.ess),
                        successes: e.hits,
                        log10: Some([e.log10_probability, e.log10_low, e.log10_high]),
                    }
                }
                _ => {
                    let k = tally.successes(z);
                    let ci = interval(ctx.ci, k, n, ctx.confidence);
                    let p = k as f64 / n as f64;
                    Est {
                        p,
                        low: ci.low,
                        high: ci.high,
                        rel_error: (p > 0.0).then(|| (ci.high - ci.low) / 2.0 / p),
                        se: (p * (1.0 - p) / n as f64).sqrt(),
                        ess: None,
                        successes: k,
                        log10: None,
                    }
                }
            };
            let rel_error = est.rel_error;
            let exact = exact(z);
            // An importance-sampling standard error from few effective samples is itself
            // unreliable, so such a row never counts as having met a target.
            let trusted = est.ess.is_none_or(|e| e >= MIN_ESS);
            let stop = match how.rel_target {
                None => "trials",
                Some(e) if trusted && rel_error.is_some_and(|r| r <= e) => "target",
                Some(_) => "cap",
            };
            let mut row = ReversalRow {
                attack: ctx.attack.to_string(),
                q,
                z,
                trials: n,
                probability: est.p,
                ci_low: est.low,
                ci_high: est.high,
                exact: exact.map(|e| e.value),
                successes: est.successes,
                tie: ctx.tie.clone(),
                premined: ctx.premined,
                give_up: ctx.give_up.clone(),
                ci: if how.tilt.is_some() {
                    "normal".to_string()
                } else {
                    ctx.ci.name().to_string()
                },
                confidence: ctx.confidence,
                censored: tally.censored,
                mean_blocks: blocks.and_then(|b| b.mean()),
                p99_blocks: blocks.and_then(|b| b.quantile(0.99)),
                method: if how.tilt.is_some() { "is" } else { "mc" }.to_string(),
                std_error: Some(est.se),
                rel_error,
                ess: est.ess,
                tilt: how.tilt,
                stop: stop.to_string(),
                cost_blocks: None,
                wait_seconds: None,
                stale_rate: None,
                network: None,
                sweep_parameter: None,
                sweep_value: None,
                log10_probability: None,
                log10_ci_low: None,
                log10_ci_high: None,
                log10_exact: exact.and_then(|e| finite(e.log10)),
            };
            match est.log10 {
                Some([p, low, high]) => {
                    row.log10_probability = finite(p);
                    row.log10_ci_low = finite(low);
                    row.log10_ci_high = finite(high);
                }
                None => row.set_log10_from_values(),
            }
            row
        })
        .collect()
}

/// One z's point estimate and interval, whichever the estimator.
struct Est {
    p: f64,
    low: f64,
    high: f64,
    /// Half-width over the estimate (None when the estimate is 0).
    rel_error: Option<f64>,
    se: f64,
    ess: Option<f64>,
    successes: u64,
    /// log10 of the estimate and the bounds, when computed in log space (importance
    /// sampling; −∞ for 0). None: take them from the values.
    log10: Option<[f64; 3]>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::weighted::{BatchSums, WeightedTally};

    fn ctx() -> RowContext<'static> {
        RowContext {
            attack: "majority",
            tie: "first-seen".into(),
            premined: 0,
            give_up: "never".into(),
            ci: CiMethod::Wilson,
            confidence: 0.95,
        }
    }

    #[test]
    fn monte_carlo_log10_columns_are_log10_of_the_values() {
        // 1000 trials: 40 reversed at z = 0 (top 0), 3 more reach z = 1; none reaches z = 2.
        let mut t = Tally::new(2, false);
        for i in 0..1000 {
            t.add(
                if i < 3 {
                    1
                } else if i < 43 {
                    0
                } else {
                    -1
                },
                false,
            );
        }
        let rows = rows_for_cell(&ctx(), 0.1, &[0, 1, 2], &t, |z| {
            Some([0.05, 1e-3, 0.0][z as usize])
        });
        for r in &rows[..2] {
            assert_eq!(r.log10_probability, Some(r.probability.log10()));
            assert_eq!(r.log10_ci_low, Some(r.ci_low.log10()));
            assert_eq!(r.log10_ci_high, Some(r.ci_high.log10()));
            assert_eq!(r.log10_exact, Some(r.exact.unwrap().log10()));
        }
        assert_eq!(rows[0].probability, 0.043);
        // Nothing seen at z = 2: the estimate and lower bound have no logarithm (empty, not
        // −∞); the Wilson upper bound is positive; a closed form of 0 has none either.
        let r = &rows[2];
        assert_eq!((r.probability, r.ci_low), (0.0, 0.0));
        assert_eq!((r.log10_probability, r.log10_ci_low), (None, None));
        assert_eq!(r.log10_ci_high, Some(r.ci_high.log10()));
        assert_eq!((r.exact, r.log10_exact), (Some(0.0), None));
    }

    #[test]
    fn importance_sampling_rows_keep_log10_where_values_underflow() {
        // Scaled weights 1, 2, 3, 0 at z = 1000, tilt ½ at q = 0.1: the per-z scale
        // 0.36^1000 ≈ 1e-443.7 makes every value underflow to 0.
        let (q, tilt, z) = (0.1, 0.5, 1000);
        let mut w = WeightedTally::new(z);
        let mut b = BatchSums::new(z);
        for x in [1.0, 2.0, 3.0, 0.0] {
            b.credit(z as usize, x, x > 0.0);
        }
        w.add_batch(&b);
        let mut t = Tally::new(z, false);
        t.trials = 4;
        t.weighted = Some(w);
        let closed = Probability {
            value: 0.0,
            log10: -440.0,
        };
        let how = Sampled {
            tilt: Some(tilt),
            rel_target: None,
        };
        let step = ln_scale_step(q, tilt);
        let rows = rows_for_sampled_cell(&ctx(), q, &[z], &t, |_| Some(closed), how);
        let r = &rows[0];
        assert_eq!((r.probability, r.ci_low, r.ci_high), (0.0, 0.0, 0.0));
        let want = 1.5f64.log10() + f64::from(z) * step / std::f64::consts::LN_10;
        assert!(want < -400.0);
        assert!((r.log10_probability.unwrap() - want).abs() < 1e-9);
        let (lo, hi) = (r.log10_ci_low, r.log10_ci_high.unwrap());
        // Sample variance 5/3, half-width 1.96·√(5/12) = 1.265 < 1.5: a positive low end.
        assert!(lo.unwrap() < want && want < hi);
        assert_eq!(r.log10_exact, Some(-440.0));
        assert_eq!(r.exact, Some(0.0));
        assert!(r.rel_error.is_some_and(|e| (e - 1.265 / 1.5).abs() < 1e-3));
    }
}
