//! Attacks that play the mining game of the attacker MDP (`crate::blockrace::game`) rather
//! than a double-spend race on the timed engine: Eyal and Sirer's selfish mining
//! ([`selfish`]) and a policy file written by `dslab optimize --policy-out` ([`policy`]).
//! They run in `dslab simulate` only; they are not lab scenarios (a scenario naming them is
//! refused by `NetAttack::from_table`). Their registry entries are `super::GAME`
//! (docs/replay.md).

pub mod policy;
pub mod selfish;

use std::path::Path;

use super::Info;
use crate::blockrace::game::{Action, GameStrategy};
use crate::error::usage;
use crate::mdp::model::{Goal, Model, Params};
use crate::mdp::solve::{Policy, evaluate};

/// What `dslab simulate` needs of a mining-game attack besides its moves: its entry, where
/// the reference beside its measured revenue comes from, and how to evaluate it exactly.
/// One impl per game attack; [`with_game`] is the one place that chooses one by name.
pub trait GameAttack: GameStrategy + Sync {
    /// The registry entry.
    fn info(&self) -> &'static Info;

    /// Box side of the truncated model its exact values are evaluated in, at share `alpha`.
    fn box_side(&self, alpha: f64) -> u32;

    /// Whether the reference for its relative revenue is the policy evaluation (else a
    /// closed form, and [`exact`] need not evaluate the revenue).
    fn revenue_is_evaluated(&self) -> bool;

    /// The reference for the measured relative revenue at (α, γ) and its source label,
    /// given the exact evaluation `exact`.
    fn revenue_reference(&self, alpha: f64, gamma: f64, exact: &Exact) -> (f64, &'static str);

    /// A warning when the box of side `n` leaves the exact double-spend figures at `alpha`
    /// measurably inexact (None: exact to rounding).
    fn truncation_warning(&self, _alpha: f64, _n: u32) -> Option<String> {
        None
    }

    /// Number that separates the attacks' random streams in a cell's key (0 for SM1, 1 for
    /// a policy file: the keys the reports were made with).
    fn stream(&self) -> u64;
}

/// A computation generic over the game attack, run by [`with_game`] on the attack chosen.
pub trait GameVisitor {
    /// What it returns.
    type Out;
    /// Run on `attack`.
    fn visit<S: GameAttack>(self, attack: &S) -> Self::Out;
}

/// Run `visitor` on the game attack named `name` (`--attack`), reading its policy file
/// `policy` (`--policy`) where it has one. Usage errors name `--policy` and its fix.
pub fn with_game<V: GameVisitor>(
    name: &str,
    policy_file: Option<&Path>,
    visitor: V,
) -> anyhow::Result<V::Out> {
    match (name, policy_file) {
        ("selfish", None) => Ok(visitor.visit(&selfish::Selfish)),
        ("selfish", Some(p)) => Err(usage(
            "--policy",
            p.display(),
            "--policy goes with --attack policy; SM1 needs no file",
        )),
        ("policy", Some(p)) => Ok(visitor.visit(&policy::PolicyStrategy::load(p)?)),
        ("policy", None) => Err(usage(
            "--policy",
            "(missing)",
            "--attack policy replays a policy file: add --policy FILE, written by \
             `dslab optimize --objective revenue --alpha A --gamma G --policy-out FILE`",
        )),
        _ => anyhow::bail!("{name} is not an attack of the mining game"),
    }
}

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
