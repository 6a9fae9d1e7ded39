//! The optimal attacker in the block race: an exact solver for the selfish-mining and
//! double-spend Markov decision process of Sapirshtein, Sompolinsky and Zohar (FC 2016),
//! truncated at a maximum branch length, with a lower and an upper bound on the optimum
//! (`dslab optimize`, docs/optimize.md).

pub mod model;
pub mod policy;
pub mod read;
pub mod sm1;
pub mod solve;
pub mod upper;

use model::{Goal, Model, Params};
use rayon::prelude::*;
use solve::{Policy, solve, solve_from};

/// What to compute at one grid point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// Optimal relative revenue (selfish mining).
    Revenue,
    /// Optimal reward per block interval with `value` per reversal at ≥ `z` confirmations.
    DoubleSpend {
        /// Reward per reversal, in block rewards.
        value: f64,
        /// Confirmations (≥ 1).
        z: u32,
    },
    /// Smallest reward per reversal at which deviating beats honest mining.
    Bounty {
        /// Confirmations (≥ 1).
        z: u32,
    },
}

/// How truncation is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    /// Decimals printed; the truncation is raised until they stop changing.
    pub decimals: u32,
    /// Largest truncation tried.
    pub max_n: u32,
}

impl Default for Precision {
    fn default() -> Self {
        Precision {
            decimals: 5,
            max_n: 160,
        }
    }
}

/// The answer at one (α, γ) point.
#[derive(Clone, Debug)]
pub struct Answer {
    /// Attacker share.
    pub alpha: f64,
    /// Tie parameter.
    pub gamma: f64,
    /// The optimum of the truncated model: what `policy` achieves in the full model (for the
    /// bounty: the smallest value at which that model's optimum beats honest mining).
    pub value: f64,
    /// Lower bound on the full model's optimum (equal to `value`: the restricted model's
    /// policies are policies of the full model). For the bounty: the optimistic model's
    /// bounty, a lower bound on the full model's.
    pub lower: f64,
    /// Upper bound on the full model's optimum (the optimistic model, [`upper`]). For the
    /// bounty: the truncated model's bounty (equal to `value`), an upper bound.
    pub upper: f64,
    /// The same figure at the previous (smaller) truncation.
    pub previous: f64,
    /// The same figure for honest mining (α).
    pub honest: f64,
    /// SM1's relative revenue (revenue objective only).
    pub sm1: Option<f64>,
    /// Truncation used: maximum branch length.
    pub n: u32,
    /// Whether the printed decimals settled before `max_n`.
    pub converged: bool,
    /// The optimal policy of the restricted model at `n`.
    pub policy: Policy,
    /// That model (for writing the policy).
    pub model: Model,
}

/// Starting truncation: enough that small shares settle at once.
pub(crate) fn first_n(alpha: f64, z: u32) -> u32 {
    let base = if alpha < 0.3 { 16 } else { 32 };
    base.max(z + 4)
}

/// The next truncation tried.
pub(crate) fn next_n(n: u32, max_n: u32) -> u32 {
    (n + n / 2).min(max_n)
}

/// Whether two successive answers agree in the printed decimals (same rounding and within
/// a fifth of the last digit's half unit, so a value sitting on a rounding edge does not
/// pass by luck).
pub(crate) fn settled(prev: f64, cur: f64, decimals: u32) -> bool {
    let unit = 10f64.powi(-(decimals as i32));
    (prev / unit).round() == (cur / unit).round() && (cur - prev).abs() <= 0.1 * unit
}

/// Solve one grid point of the revenue or double-spend objective, raising the truncation
/// (×1.5 each time) until the optimum stops changing in the printed decimals.
pub fn optimum(alpha: f64, gamma: f64, goal: Goal, prec: Precision) -> Answer {
    let params = Params { alpha, gamma, goal };
    let z = match goal {
        Goal::DoubleSpend { z, .. } => z,
        Goal::Revenue => 0,
    };
    let max_n = prec.max_n.max(z + 4);
    let mut n = first_n(alpha, z).min(max_n);
    let mut prev = solve(&Model { params, n });
    loop {
        let next = next_n(n, max_n);
        let model = Model { params, n: next };
        let cur = if next == n {
            // The first truncation is already the largest allowed: nothing to compare.
            prev.clone()
        } else {
            solve_from(&model, extend(&Model { params, n }, &prev.policy, &model))
        };
        let done = next != n && settled(prev.ratio, cur.ratio, prec.decimals);
        if done || next == max_n {
            return Answer {
                alpha,
                gamma,
                value: cur.ratio,
                lower: cur.ratio,
                // Warm start: the truncated optimum never leaves the box.
                upper: upper::upper_from(params, next, cur.policy.clone()),
                previous: prev.ratio,
                honest: alpha,
                sm1: (goal == Goal::Revenue).then(|| sm1::revenue(alpha, gamma)),
                n: next,
                converged: done,
                policy: cur.policy,
                model,
            };
        }
        n = next;
        prev = cur;
    }
}

/// A policy of a smaller box carried over to a larger one (a warm start): new states take
/// honest mining's action.
fn extend(small: &Model, policy: &Policy, large: &Model) -> Policy {
    let mut out = solve::honest_policy(large);
    for a in 0..=small.n {
        for h in 0..=small.n {
            for f in model::Fork::ALL {
                let (i, j) = (small.index(a, h, f), large.index(a, h, f));
                if policy[i].is_some() && large.branches(a, h, f, policy[i].unwrap()).is_some() {
                    out[j] = policy[i];
                }
            }
        }
    }
    out
}

/// Solve a grid of (α, γ) points in parallel (rayon), in the order given.
pub fn grid(alphas: &[f64], gammas: &[f64], objective: Objective, prec: Precision) -> Vec<Answer> {
    let points: Vec<(f64, f64)> = alphas
        .iter()
        .flat_map(|&a| gammas.iter().map(move |&g| (a, g)))
        .collect();
    points
        .par_iter()
        .map(|&(a, g)| match objective {
            Objective::Revenue => optimum(a, g, Goal::Revenue, prec),
            Objective::DoubleSpend { value, z } => {
                optimum(a, g, Goal::DoubleSpend { value, z }, prec)
            }
            Objective::Bounty { z } => bounty::bounty(a, g, z, prec),
        })
        .collect()
}

pub mod bounty;
