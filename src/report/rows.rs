//! The row of `reversal.csv`: one (q, z) cell of an attack, with its interval and the
//! closed form under the same convention.

use serde::{Deserialize, Serialize};

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
/// closed form.
pub fn rows_for_cell(
    ctx: &RowContext<'_>,
    q: f64,
    zs: &[u32],
    tally: &Tally,
    exact: impl Fn(u32) -> Option<f64>,
) -> Vec<ReversalRow> {
    rows_for_sampled_cell(ctx, q, zs, tally, exact, Sampled::default())
}

/// Rows for one cell estimated by Monte Carlo or importance sampling (`how.tilt`).
pub fn rows_for_sampled_cell(
    ctx: &RowContext<'_>,
    q: f64,
    zs: &[u32],
    tally: &Tally,
    exact: impl Fn(u32) -> Option<f64>,
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
                        half: e.half_width,
                        se: e.std_error,
                        ess: Some(e.ess),
                        successes: e.hits,
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
                        half: (ci.high - ci.low) / 2.0,
                        se: (p * (1.0 - p) / n as f64).sqrt(),
                        ess: None,
                        successes: k,
                    }
                }
            };
            let rel_error = (est.p > 0.0).then(|| est.half / est.p);
            // An importance-sampling standard error from few effective samples is itself
            // unreliable, so such a row never counts as having met a target.
            let trusted = est.ess.is_none_or(|e| e >= MIN_ESS);
            let stop = match how.rel_target {
                None => "trials",
                Some(e) if trusted && rel_error.is_some_and(|r| r <= e) => "target",
                Some(_) => "cap",
            };
            ReversalRow {
                attack: ctx.attack.to_string(),
                q,
                z,
                trials: n,
                probability: est.p,
                ci_low: est.low,
                ci_high: est.high,
                exact: exact(z),
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
            }
        })
        .collect()
}

/// One z's point estimate and interval, whichever the estimator.
struct Est {
    p: f64,
    low: f64,
    high: f64,
    half: f64,
    se: f64,
    ess: Option<f64>,
    successes: u64,
}
