//! Attacks that play the mining game of the attacker MDP (`crate::blockrace::game`) rather
//! than a double-spend race on the timed engine: Eyal and Sirer's selfish mining
//! ([`selfish`]) and a policy file written by `dslab optimize --policy-out` ([`policy`]).
//! They run in `dslab simulate` only; they are not lab scenarios (a scenario naming them is
//! refused by `NetAttack::from_table`). Their registry entries are `super::GAME`
//! (docs/replay.md).

pub mod policy;
pub mod selfish;

use crate::blockrace::game::{Action, GameStrategy};
use crate::mdp::model::{Goal, Model, Params};
use crate::mdp::solve::{Policy, evaluate};

/// The rule for a state a strategy does not cover, and the truncation's own rule (what the
/// solver allows at the edge of its box): override if ahead (a > h), else adopt.
pub fn fallback(a: u32, h: u32) -> Action {
    if a > h {
        Action::Override
    } else {
        Action::Adopt
    }
}

/// A strategy as a policy of the truncated model `m` (for exact evaluation): its action
/// where the model allows it, else the fallback rule (which the model always allows).
pub fn to_policy<S: GameStrategy>(s: &S, m: &Model) -> Policy {
    (0..m.len())
        .map(|i| {
            let (a, h, f) = m.state(i);
            if !m.reachable(a, h, f) {
                return None;
            }
            let (act, _) = s.act(a, h, f);
            if m.branches(a, h, f, act).is_some() {
                Some(act)
            } else {
                Some(fallback(a, h))
            }
        })
        .collect()
}

/// Exact long-run values of a strategy, from the MDP's policy evaluation in a box of side
/// `n` (exact for a strategy that never leaves the box).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exact {
    /// Relative revenue: attacker blocks / main-chain blocks.
    pub revenue: f64,
    /// Reversals (orphaned honest branches of ≥ z blocks) per block interval.
    pub reversal_rate: f64,
    /// Block rewards plus `value` per reversal, per block interval.
    pub reward: f64,
}

/// Evaluate strategy `s` at (α, γ) in the box of side `n`: the revenue if `revenue` (else
/// NaN: a closed form stands in for it), the double-spend figures if `ds` = Some((value, z))
/// (else NaN).
pub fn exact<S: GameStrategy>(
    s: &S,
    alpha: f64,
    gamma: f64,
    n: u32,
    revenue: bool,
    ds: Option<(f64, u32)>,
) -> Exact {
    let model = |goal| Model {
        params: Params { alpha, gamma, goal },
        n,
    };
    let m = model(Goal::Revenue);
    let policy = to_policy(s, &m);
    let (att, blocks) = if revenue {
        evaluate(&m, &policy)
    } else {
        (f64::NAN, f64::NAN)
    };
    let (reversal_rate, reward) = match ds {
        None => (f64::NAN, f64::NAN),
        Some((value, z)) => {
            // Goal::DoubleSpend with value 1 and 0: the difference is the reversals.
            let (with_one, steps) = evaluate(&model(Goal::DoubleSpend { value: 1.0, z }), &policy);
            let (blocks_only, _) = evaluate(&model(Goal::DoubleSpend { value: 0.0, z }), &policy);
            let rev = with_one - blocks_only;
            (rev / steps, (blocks_only + value * rev) / steps)
        }
    };
    Exact {
        revenue: att / blocks,
        reversal_rate,
        reward,
    }
}
