//! The bounty: the smallest reward per reversal V at which the optimal attacker earns more
//! than honest mining (α per block interval).
//!
//! The optimum r(V) = max_π (A_π + V R_π) / T_π is convex and non-decreasing in V and equals
//! α up to the bounty V*. From any V with r(V) > α, the optimal policy π's line crosses α at
//! V' = (α T_π − A_π) / R_π ≤ V; repeating (Newton's method from the right) ends at V*.
//! The truncated model's optimum is a lower bound on the full one, so its bounty is an upper
//! bound on the full model's bounty.

use super::model::{Goal, Mdp, Model, Params};
use super::solve::{Policy, evaluate, honest_policy, solve_from};
use super::upper::Optimistic;
use super::{Answer, Precision, first_n, next_n, settled};

/// Largest V searched for a start (block rewards); beyond it the bounty is reported as
/// infinite (deviating never pays in the truncated model).
const V_MAX: f64 = 1e7;

/// Whether the optimum at V beats honest mining, with the optimal policy's crossing point.
fn crossing<M: Mdp>(
    build: impl Fn(Model) -> M,
    params: Params,
    n: u32,
    start: Policy,
) -> Option<(f64, Policy)> {
    let model = build(Model { params, n });
    let alpha = params.alpha;
    let sol = solve_from(&model, start);
    // 1e-10 relative: far above the evaluation tolerance (1e-13), far below printed digits.
    if sol.ratio <= alpha * (1.0 + 1e-10) {
        return None;
    }
    let Goal::DoubleSpend { value, z } = params.goal else {
        return None;
    };
    let (num, steps) = evaluate(&model, &sol.policy);
    let blocks_only = build(Model {
        params: Params {
            goal: Goal::DoubleSpend { value: 0.0, z },
            ..params
        },
        n,
    });
    let (blocks, _) = evaluate(&blocks_only, &sol.policy);
    let reversals = (num - blocks) / value;
    Some(((alpha * steps - blocks) / reversals, sol.policy))
}

/// The bounty in one truncated model (`f64::INFINITY` if none below `V_MAX`).
fn bounty_in(alpha: f64, gamma: f64, z: u32, n: u32) -> (f64, Option<Policy>) {
    bounty_of(|m| m, alpha, gamma, z, n)
}

/// A lower bound on the untruncated model's bounty: the largest V found at which the
/// optimistic model's optimum (an upper bound on the full model's) does not beat honest
/// mining by more than the bounty's threshold. 0 if even V = 0 fails that test.
pub fn lower_bound(alpha: f64, gamma: f64, z: u32, n: u32) -> f64 {
    let build = |m: Model| Optimistic::new(m);
    let (v, _) = bounty_of(build, alpha, gamma, z, n);
    if !v.is_finite() {
        return v;
    }
    // Newton's crossing is negative when the optimistic model beats honest mining even at
    // V = 0; the check below then ends at 0.
    let mut v = v.max(0.0);
    // Newton's last step may stop a hair above the crossing: step down until the test
    // holds, so that the returned V is one where it was checked.
    let params = |value| Params {
        alpha,
        gamma,
        goal: Goal::DoubleSpend { value, z },
    };
    let start = honest_policy(&Model {
        params: params(0.0),
        n,
    });
    let mut step = 1e-9;
    while v > 0.0 && crossing(build, params(v), n, start.clone()).is_some() {
        v = (v * (1.0 - step)).max(0.0);
        step *= 4.0;
        if step > 0.5 {
            v = 0.0;
        }
    }
    if v == 0.0 && crossing(build, params(0.0), n, start).is_some() {
        // The optimistic model beats honest mining even without a reward: no bound but 0.
        return 0.0;
    }
    v
}

/// The bounty in one model built by `build` from the truncated one.
fn bounty_of<M: Mdp>(
    build: impl Fn(Model) -> M + Copy,
    alpha: f64,
    gamma: f64,
    z: u32,
    n: u32,
) -> (f64, Option<Policy>) {
    let params = |value| Params {
        alpha,
        gamma,
        goal: Goal::DoubleSpend { value, z },
    };
    let honest = honest_policy(&Model {
        params: params(0.0),
        n,
    });
    let mut v = 1.0;
    let mut found = crossing(build, params(v), n, honest.clone());
    while found.is_none() {
        v *= 4.0;
        if v > V_MAX {
            return (f64::INFINITY, None);
        }
        found = crossing(build, params(v), n, honest.clone());
    }
    // Newton from the right: each step lands on the crossing of the current optimal line.
    while let Some((next, policy)) = found.take() {
        if next >= v * (1.0 - 1e-12) {
            return (v, Some(policy));
        }
        v = next;
        match crossing(build, params(v), n, policy.clone()) {
            Some(c) => found = Some(c),
            None => return (v, Some(policy)),
        }
    }
    (v, None)
}

/// The bounty at one grid point, with the truncation raised until it settles.
pub fn bounty(alpha: f64, gamma: f64, z: u32, prec: Precision) -> Answer {
    let max_n = prec.max_n.max(z + 4);
    let mut n = first_n(alpha, z).min(max_n);
    let (mut prev, mut prev_policy) = bounty_in(alpha, gamma, z, n);
    loop {
        let next = next_n(n, max_n);
        let at_max = next == n;
        let (cur, policy) = if at_max {
            // The first truncation is already the largest allowed: nothing to compare.
            (prev, prev_policy.clone())
        } else {
            bounty_in(alpha, gamma, z, next)
        };
        // Relative to the bounty's size: it ranges over orders of magnitude.
        let scale = cur.abs().max(1.0);
        let done = !at_max && cur.is_finite() && settled(prev / scale, cur / scale, prec.decimals);
        if done || next == max_n {
            let model = Model {
                params: Params {
                    alpha,
                    gamma,
                    goal: Goal::DoubleSpend {
                        value: if cur.is_finite() { cur } else { V_MAX },
                        z,
                    },
                },
                n: next,
            };
            return Answer {
                alpha,
                gamma,
                value: cur,
                lower: lower_bound(alpha, gamma, z, next),
                upper: cur,
                previous: prev,
                honest: alpha,
                sm1: None,
                n: next,
                converged: done,
                policy: policy.unwrap_or_else(|| vec![None; model.len()]),
                model,
            };
        }
        n = next;
        prev = cur;
        prev_policy = policy;
    }
}
