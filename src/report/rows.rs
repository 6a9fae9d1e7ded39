//! The row of `reversal.csv`: one (q, z) cell of an attack, with its interval and the
//! closed form under the same convention.

use serde::{Deserialize, Serialize};

use crate::sim::tally::Tally;
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

/// Rows for the requested `zs` of one cell with share `q`; `exact(z)` is the closed form.
pub fn rows_for_cell(
    ctx: &RowContext<'_>,
    q: f64,
    zs: &[u32],
    tally: &Tally,
    exact: impl Fn(u32) -> Option<f64>,
) -> Vec<ReversalRow> {
    zs.iter()
        .map(|&z| {
            let k = tally.successes(z);
            let n = tally.trials;
            let ci = interval(ctx.ci, k, n, ctx.confidence);
            let blocks = tally.blocks.as_ref().map(|b| &b[z as usize]);
            ReversalRow {
                attack: ctx.attack.to_string(),
                q,
                z,
                trials: n,
                probability: k as f64 / n as f64,
                ci_low: ci.low,
                ci_high: ci.high,
                exact: exact(z),
                successes: k,
                tie: ctx.tie.clone(),
                premined: ctx.premined,
                give_up: ctx.give_up.clone(),
                ci: ctx.ci.name().to_string(),
                confidence: ctx.confidence,
                censored: tally.censored,
                mean_blocks: blocks.and_then(|b| b.mean()),
                p99_blocks: blocks.and_then(|b| b.quantile(0.99)),
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
