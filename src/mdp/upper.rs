//! A sound upper bound on the optimum of the untruncated model: an optimistic truncated
//! model whose edge pays a proven bound on the value of continuing (docs/optimize.md,
//! "Upper bound").
//!
//! For a candidate ratio λ the attacker's problem over one cycle is a total-reward problem
//! with reward r − λ d. λ bounds the optimum from above exactly when no policy earns a
//! positive cycle total. Let W*(a, h) be the best total from (a, h) until the cycle ends.
//! The function Φ(a, h) = h M(ℓ) + G(ℓ) of the lead ℓ = a − h ([`phi`]) satisfies, at every
//! state of the untruncated model and for every action, Φ(s) ≥ E[r − λ d + Φ(s')]; hence
//! Φ ≥ W* everywhere. The optimistic model is the box 0 ≤ a, h ≤ n in which a mining event
//! that leaves the box ends the cycle and pays Φ of the state it lands on. Every policy of
//! the full model, stopped at the box's edge, is a policy of the optimistic model earning
//! at least as much, so the optimistic model's optimal ratio is an upper bound.
//!
//! Φ is affine in λ, Φ = Φ⁰ − λ Φ¹, so the edge is a branch paying Φ⁰ to the numerator and
//! Φ¹ to the denominator, and the ordinary ratio solver finds the optimistic optimum.

use super::model::{Action, Branch, Branches, Fork, Goal, Mdp, Model, Next, Params};
use super::solve::{Policy, honest_policy, solve_from};

/// The optimistic model: the box of `base`, whose edge pays [`phi`].
#[derive(Clone, Copy, Debug)]
pub struct Optimistic {
    /// The box (its n, parameters and indexing).
    pub base: Model,
    /// The same parameters one block larger: its branches, landed back in the box or on
    /// the edge.
    wide: Model,
    /// The constants of Φ.
    phi: Phi,
}

impl Optimistic {
    /// The optimistic model over the box of `base`.
    pub fn new(base: Model) -> Self {
        Optimistic {
            base,
            wide: Model {
                n: base.n + 1,
                ..base
            },
            phi: Phi::new(base.params),
        }
    }
}

impl Mdp for Optimistic {
    fn base(&self) -> &Model {
        &self.base
    }

    fn branches(&self, a: u32, h: u32, fork: Fork, action: Action) -> Option<Branches> {
        let (mut bs, k) = self.wide.branches(a, h, fork, action)?;
        let n = self.base.n;
        for b in &mut bs[..k] {
            if let Next::State(j) = b.next {
                let (na, nh, nf) = self.wide.state(j as usize);
                if na > n || nh > n {
                    let (num, den) = self.phi.at(na, nh);
                    edge(self.base.params.goal, b, num, den);
                } else {
                    b.next = Next::State(self.base.index(na, nh, nf) as u32);
                }
            }
        }
        Some((bs, k))
    }
}

/// Turn a branch into the end of the cycle paying (num, den) more, written in the branch's
/// own terms (the solver maps att, hon and rev to numerator and denominator by objective).
fn edge(goal: Goal, b: &mut Branch, num: f64, den: f64) {
    b.next = Next::Fresh;
    match goal {
        // numerator att, denominator att + hon.
        Goal::Revenue => {
            b.att += num;
            b.hon += den - num;
        }
        // numerator att + V rev, denominator 1 a branch (Φ¹ = 0 for this objective).
        Goal::DoubleSpend { .. } => {
            debug_assert_eq!(den, 0.0);
            b.att += num;
        }
    }
}

/// The constants of Φ(a, h) = h M(ℓ) + G(ℓ), ℓ = a − h, each split as x⁰ − λ x¹.
///
/// With ρ = α/(1−α), s = 1 − 2α and c = (α + γ(1−α)) / (1 − α + γα) (ρ ≤ c ≤ 1), and
/// m(ℓ) = 1 for ℓ ≥ 1, c ρ^(−ℓ) for ℓ ≤ 0:
///
/// - revenue (u = 1 − λ): M(ℓ) = m(ℓ) − λ;
/// - double spend (u = 1 + V/z, λ not used): M(ℓ) = u m(ℓ);
///
/// and G(ℓ) = B + κ ℓ for ℓ ≥ 0, (B + D (−ℓ)) ρ^(−ℓ) for ℓ ≤ 0, where
/// κ = u (1−α)/s, D = α c w / s, B = α (κ + D + c w) / s, with w = 1 for revenue and u for
/// the double spend. docs/optimize.md proves the supersolution inequalities.
#[derive(Clone, Copy, Debug)]
struct Phi {
    rho: f64,
    c: f64,
    /// Scale of m in M: 1 (revenue) or u (double spend); the λ part of M is `m_lambda`.
    w: f64,
    m_lambda: f64,
    kappa: (f64, f64),
    d: f64,
    b: (f64, f64),
}

impl Phi {
    fn new(p: Params) -> Self {
        let (al, ga) = (p.alpha, p.gamma);
        let rho = al / (1.0 - al);
        let s = 1.0 - 2.0 * al;
        let c = (al + ga * (1.0 - al)) / (1.0 - al + ga * al);
        let k = (1.0 - al) / s;
        let (w, m_lambda, kappa) = match p.goal {
            // κ = (1 − λ) k.
            Goal::Revenue => (1.0, 1.0, (k, k)),
            Goal::DoubleSpend { value, z } => {
                let u = 1.0 + value / f64::from(z);
                (u, 0.0, (u * k, 0.0))
            }
        };
        let d = al * c * w / s;
        let b = (al * (kappa.0 + d + c * w) / s, al * kappa.1 / s);
        Phi {
            rho,
            c,
            w,
            m_lambda,
            kappa,
            d,
            b,
        }
    }

    /// (Φ⁰, Φ¹) at (a, h): Φ = Φ⁰ − λ Φ¹.
    fn at(&self, a: u32, h: u32) -> (f64, f64) {
        let l = i64::from(a) - i64::from(h);
        let hf = f64::from(h);
        let m = if l >= 1 {
            self.w
        } else {
            self.w * self.c * self.rho.powi((-l) as i32)
        };
        let (g0, g1) = if l >= 0 {
            let lf = l as f64;
            (self.b.0 + self.kappa.0 * lf, self.b.1 + self.kappa.1 * lf)
        } else {
            let p = self.rho.powi((-l) as i32);
            ((self.b.0 + self.d * (-l) as f64) * p, self.b.1 * p)
        };
        (hf * m + g0, hf * self.m_lambda + g1)
    }

    /// Φ at λ (for the tests of the supersolution inequalities).
    fn value(&self, a: u32, h: u32, lambda: f64) -> f64 {
        let (p0, p1) = self.at(a, h);
        p0 - lambda * p1
    }
}

/// Φ(a, h) at λ for the model's parameters (public for the tests that check the
/// supersolution inequalities state by state).
pub fn phi(params: Params, a: u32, h: u32, lambda: f64) -> f64 {
    Phi::new(params).value(a, h, lambda)
}

/// The trivial bound, proved without any model (docs/optimize.md): a cycle credits at most
/// the attacker's blocks mined in it, and orphans at most as many honest blocks; so the
/// relative revenue is at most α/(1−α), and the double-spend reward per block interval at
/// most α (1 + V/z) (a reversal needs at least z published attacker blocks).
pub fn trivial(params: Params) -> f64 {
    let al = params.alpha;
    match params.goal {
        Goal::Revenue => al / (1.0 - al),
        Goal::DoubleSpend { value, z } => al * (1.0 + value / f64::from(z)),
    }
}

/// The upper bound on the untruncated model's optimum from the optimistic model with box
/// size n: the smaller of its optimal ratio and the trivial bound. (For the revenue, Φ is
/// a supersolution for 0 ≤ λ ≤ 1 only; an optimistic ratio above 1 is replaced by the
/// trivial bound, which is below 1.)
pub fn upper(params: Params, n: u32) -> f64 {
    let m = Model { params, n };
    upper_from(params, n, honest_policy(&m))
}

/// [`upper`], with policy iteration started from `start` (a policy of the truncated box,
/// e.g. its optimum: a policy that never leaves the box is one of the optimistic model).
pub fn upper_from(params: Params, n: u32, start: Policy) -> f64 {
    let ratio = solve_from(&Optimistic::new(Model { params, n }), start).ratio;
    let trivial = trivial(params);
    let valid = match params.goal {
        Goal::Revenue => ratio <= 1.0,
        Goal::DoubleSpend { .. } => true,
    };
    if ratio.is_finite() && valid {
        ratio.min(trivial)
    } else {
        trivial
    }
}
