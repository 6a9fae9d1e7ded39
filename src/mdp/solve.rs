//! Solving a truncated model: the objective is a ratio of long-run averages, optimised by
//! policy iteration over renewal cycles.
//!
//! A cycle runs from the fresh start (both branches empty) to the next return there (adopt,
//! or override with a lead of one). For a policy π with cycle totals N_π (numerator) and
//! D_π (denominator), the long-run ratio is λ_π = N_π / D_π (renewal–reward). Evaluating π
//! gives per-state totals N(s), D(s) until the cycle ends (Gauss–Seidel iteration, sparse:
//! at most three successors a state); V(s) = N(s) − λ_π D(s) is then π's relative value
//! for the reward r − λ_π d, and the greedy policy for it has a ratio at least λ_π
//! (Howard's policy improvement for the average reward, here at gain 0). Repeat until no
//! state changes action.

use super::model::{Action, Branch, Fork, Goal, Mdp, Model, Next};

/// Stop an evaluation when no total moves by more than this times max(1, largest total).
const TOL: f64 = 1e-13;
/// Sweeps before giving up an evaluation (far beyond what the documented range needs).
const MAX_SWEEPS: usize = 1_000_000;
/// Policy-improvement rounds before giving up (typically under 20).
const MAX_ROUNDS: usize = 500;

/// An action per state (`None` where no state can be).
pub type Policy = Vec<Option<Action>>;

/// The result of optimising one truncated model.
#[derive(Clone, Debug)]
pub struct Solution {
    /// The optimal ratio of the truncated model: the exact ratio of `policy`.
    pub ratio: f64,
    /// The optimal policy.
    pub policy: Policy,
    /// Gauss–Seidel sweeps used, all evaluations together.
    pub sweeps: usize,
    /// Policy-improvement rounds.
    pub rounds: usize,
}

/// (numerator, denominator) paid by one branch.
fn pays(goal: Goal, b: &Branch) -> (f64, f64) {
    match goal {
        Goal::Revenue => (b.att, b.att + b.hon),
        Goal::DoubleSpend { value, .. } => (b.att + value * b.rev, 1.0),
    }
}

/// Per-state cycle totals of a fixed policy.
struct Totals {
    num: Vec<f64>,
    den: Vec<f64>,
}

impl Totals {
    fn new(len: usize) -> Self {
        Totals {
            num: vec![0.0; len],
            den: vec![0.0; len],
        }
    }

    /// Totals of one successor.
    fn of(&self, next: Next) -> (f64, f64) {
        match next {
            Next::Fresh => (0.0, 0.0),
            Next::State(j) => (self.num[j as usize], self.den[j as usize]),
        }
    }

    /// Value at λ of the successors of an action: Σ p (r − λ d + V(next)).
    fn q(&self, goal: Goal, bs: &[Branch], lambda: f64) -> f64 {
        bs.iter()
            .map(|b| {
                let (r, d) = pays(goal, b);
                let (cn, cd) = self.of(b.next);
                b.p * (r + cn - lambda * (d + cd))
            })
            .sum()
    }

    fn fresh(&self, m: &Model) -> (f64, f64) {
        m.fresh().iter().fold((0.0, 0.0), |(n, d), &(p, j)| {
            (n + p * self.num[j], d + p * self.den[j])
        })
    }
}

/// States in sweep order: longer branches first, so that one sweep carries a whole fork's
/// information back to its start (within a fork a and h only grow).
fn order(m: &Model) -> Vec<(u32, u32, Fork, usize)> {
    let mut out = Vec::with_capacity(m.len());
    for a in (0..=m.n).rev() {
        for h in (0..=m.n).rev() {
            for f in Fork::ALL {
                if m.reachable(a, h, f) {
                    out.push((a, h, f, m.index(a, h, f)));
                }
            }
        }
    }
    out
}

/// Evaluate a fixed policy in place (warm start from `t`); returns the sweeps used.
fn evaluate_into<M: Mdp>(
    m: &M,
    policy: &Policy,
    states: &[(u32, u32, Fork, usize)],
    t: &mut Totals,
) -> usize {
    for sweep in 1..=MAX_SWEEPS {
        let mut delta: f64 = 0.0;
        let mut scale: f64 = 1.0;
        for &(a, h, f, i) in states {
            let Some(act) = policy[i] else { continue };
            let Some((bs, k)) = m.branches(a, h, f, act) else {
                continue;
            };
            let (mut n_i, mut d_i) = (0.0, 0.0);
            for b in &bs[..k] {
                let (r, d) = pays(m.base().params.goal, b);
                let (cn, cd) = t.of(b.next);
                n_i += b.p * (r + cn);
                d_i += b.p * (d + cd);
            }
            delta = delta
                .max((n_i - t.num[i]).abs())
                .max((d_i - t.den[i]).abs());
            scale = scale.max(n_i.abs()).max(d_i.abs());
            t.num[i] = n_i;
            t.den[i] = d_i;
        }
        if delta <= TOL * scale {
            return sweep;
        }
    }
    MAX_SWEEPS
}

/// Cycle totals (numerator, denominator) of a fixed policy from the fresh start; their
/// ratio is the policy's long-run ratio.
pub fn evaluate<M: Mdp>(m: &M, policy: &Policy) -> (f64, f64) {
    let states = order(m.base());
    let mut t = Totals::new(m.base().len());
    evaluate_into(m, policy, &states, &mut t);
    t.fresh(m.base())
}

/// Honest mining as a policy: publish at once (override when ahead), else adopt.
pub fn honest_policy(m: &Model) -> Policy {
    (0..m.len())
        .map(|i| {
            let (a, h, f) = m.state(i);
            if !m.reachable(a, h, f) {
                None
            } else if a > h {
                Some(Action::Override)
            } else {
                Some(Action::Adopt)
            }
        })
        .collect()
}

/// Greedy improvement at λ; returns whether any state changed action.
fn improve<M: Mdp>(
    m: &M,
    policy: &mut Policy,
    states: &[(u32, u32, Fork, usize)],
    t: &Totals,
    lambda: f64,
) -> bool {
    let mut changed = false;
    for &(a, h, f, i) in states {
        let current = policy[i].and_then(|act| {
            m.branches(a, h, f, act)
                .map(|(bs, k)| t.q(m.base().params.goal, &bs[..k], lambda))
        });
        let mut best = (current.unwrap_or(f64::NEG_INFINITY), policy[i]);
        for act in Action::ALL {
            if let Some((bs, k)) = m.branches(a, h, f, act) {
                let q = t.q(m.base().params.goal, &bs[..k], lambda);
                // Switch only for a clear gain, so rounding cannot make it cycle.
                if q > best.0 + 1e-11 * best.0.abs().max(1.0) {
                    best = (q, Some(act));
                }
            }
        }
        if best.1 != policy[i] {
            policy[i] = best.1;
            changed = true;
        }
    }
    changed
}

/// Optimise a truncated model by policy iteration from honest mining.
pub fn solve<M: Mdp>(m: &M) -> Solution {
    solve_from(m, honest_policy(m.base()))
}

/// Optimise a truncated model by policy iteration from a given policy (it must end cycles
/// with probability one, as every policy of a truncated model does).
pub fn solve_from<M: Mdp>(m: &M, mut policy: Policy) -> Solution {
    let states = order(m.base());
    let mut t = Totals::new(m.base().len());
    let mut sweeps = 0;
    let mut lambda = f64::NAN;
    for round in 1..=MAX_ROUNDS {
        sweeps += evaluate_into(m, &policy, &states, &mut t);
        let (n, d) = t.fresh(m.base());
        lambda = n / d;
        if !improve(m, &mut policy, &states, &t, lambda) {
            return Solution {
                ratio: lambda,
                policy,
                sweeps,
                rounds: round,
            };
        }
    }
    Solution {
        ratio: lambda,
        policy,
        sweeps,
        rounds: MAX_ROUNDS,
    }
}
