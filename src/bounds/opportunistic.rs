//! The opportunistic pre-miner (Sompolinsky & Zohar, "Bitcoin's security model revisited",
//! 2016): instead of starting its private branch when it pays, the attacker mines on a
//! private branch all the time and pays when the moment comes, so its head start k is not
//! fixed but drawn from the long-run law of its pre-mining lead.
//!
//! The pre-mining race (dslab's definition; the paper's text could not be consulted here,
//! see docs/delay-adversary.md): the attacker extends its private branch; an honest block
//! lowers its lead by one, and when it is not ahead (lead 0) it adopts the honest tip, so
//! the lead is a random walk on {0, 1, …} reflected at 0: up with probability q, down
//! (or stay at 0) with probability p = 1 − q. For q < ½ its stationary law is geometric,
//!
//! ```text
//! π(l) = (1 − ρ) ρ^l,   ρ = q/p,   P[lead ≥ l] = ρ^l            (LeadLaw::Stationary)
//! ```
//!
//! the law at an arbitrary moment (block events form a Poisson process, so the law seen at
//! a random time equals the law over blocks). Observed just after an honest block instead,
//! the lead has the law of max(L − 1, 0), L ~ π:
//!
//! ```text
//! π⁺(0) = 1 − ρ²,   π⁺(l) = (1 − ρ) ρ^{l+1} (l ≥ 1)               (LeadLaw::AfterHonestBlock)
//! ```
//!
//! The success probability averages dslab's head-start closed form over the lead, with the
//! convention's own head start added to it:
//!
//! ```text
//! P_opp(q, z; k₀, γ) = Σ_l π(l) · P_exact(q, z; k = k₀ + l, γ)
//! ```
//!
//! For l > z − k₀ the attacker is already strictly ahead at acceptance (P_exact = 1), so
//! that part of the sum is exactly the tail mass of the law; the remaining at most
//! z − k₀ + 1 terms are summed until the lead mass not yet visited is below 10⁻¹⁶ of the
//! running sum, and that mass is returned as the bound on what was left out (each left-out
//! term is at most its mass). Cost: O(z) closed forms of O(z) each.

use crate::analytic;
use crate::params::Convention;

/// Which long-run law of the pre-mining lead the head start follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadLaw {
    /// The lead at an arbitrary moment: geometric, π(l) = (1 − ρ)ρ^l.
    Stationary,
    /// The lead just after an honest block: max(L − 1, 0) with L stationary.
    AfterHonestBlock,
}

/// A truncated mixture: the computed sum and an upper bound on what truncation left out
/// (the true value lies in [probability, probability + neglected]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mixture {
    /// The sum over the lead values visited (plus the exact tail of sure wins).
    pub probability: f64,
    /// Lead mass not visited: an upper bound on the error.
    pub neglected: f64,
}

/// P[lead = l] under `law` for attacker share `q` (0 ≤ q < ½).
pub fn lead_pmf(q: f64, law: LeadLaw, l: u32) -> f64 {
    let rho = q / (1.0 - q);
    match law {
        LeadLaw::Stationary => (1.0 - rho) * rho.powf(f64::from(l)),
        LeadLaw::AfterHonestBlock if l == 0 => 1.0 - rho * rho,
        LeadLaw::AfterHonestBlock => (1.0 - rho) * rho.powf(f64::from(l) + 1.0),
    }
}

/// P[lead ≥ l] under `law` for attacker share `q` (0 ≤ q < ½).
pub fn lead_tail(q: f64, law: LeadLaw, l: u32) -> f64 {
    let rho = q / (1.0 - q);
    match law {
        _ if l == 0 => 1.0,
        LeadLaw::Stationary => rho.powf(f64::from(l)),
        LeadLaw::AfterHonestBlock => rho.powf(f64::from(l) + 1.0),
    }
}

/// P(reversal) for the opportunistic pre-miner with share `q` against `z` confirmations:
/// dslab's exact head-start closed form averaged over the lead law `law`, the convention's
/// head start `conv.premined` added to the lead and its tie rule kept.
///
/// For q ≥ ½ the lead has no stationary law (it grows without bound) and the attacker
/// always wins: 1.
pub fn opportunistic(q: f64, z: u32, conv: Convention, law: LeadLaw) -> Mixture {
    if q >= 0.5 {
        return Mixture {
            probability: 1.0,
            neglected: 0.0,
        };
    }
    let last = i64::from(z) - i64::from(conv.premined); // largest lead that is not a sure win
    let mut sum = 0.0;
    let mut l: u32 = 0;
    while i64::from(l) <= last {
        let head = Convention {
            premined: conv.premined + l,
            tie: conv.tie,
        };
        sum += lead_pmf(q, law, l) * analytic::exact(q, z, head).value;
        l += 1;
        let rest = lead_tail(q, law, l);
        if rest <= 1e-16 * sum {
            return Mixture {
                probability: sum,
                neglected: rest,
            };
        }
    }
    // Leads above `last` win surely: their total mass, exactly.
    Mixture {
        probability: (sum + lead_tail(q, law, l)).min(1.0),
        neglected: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::TieRule;
    use crate::estimate::rng::{batch_rng, unit_f64};
    use rand::Rng;

    #[test]
    fn lead_law_is_the_fixed_point_of_the_lead_chain() {
        // Power iteration of the reflected walk on 0..400 from "lead 0", against the pmf.
        for &q in &[0.1, 0.3, 0.45] {
            let n = 400;
            let mut v = vec![0.0f64; n];
            v[0] = 1.0;
            for _ in 0..20_000 {
                let mut w = vec![0.0f64; n];
                for (l, &m) in v.iter().enumerate() {
                    w[(l + 1).min(n - 1)] += q * m;
                    w[l.saturating_sub(1)] += (1.0 - q) * m;
                }
                v = w;
            }
            // After an honest block: the chain's law pushed through max(L − 1, 0).
            let after: Vec<f64> = (0..n - 1)
                .map(|l| if l == 0 { v[0] + v[1] } else { v[l + 1] })
                .collect();
            for l in 0..60u32 {
                let (s, a) = (v[l as usize], after[l as usize]);
                // 20 000 steps of a chain whose slowest mode decays like (2√(pq))^t leave
                // far less than 1e-12 of the start; the 400-state cap holds ρ^400 of mass.
                assert!(
                    (s - lead_pmf(q, LeadLaw::Stationary, l)).abs() < 1e-12,
                    "q={q} l={l}"
                );
                assert!(
                    (a - lead_pmf(q, LeadLaw::AfterHonestBlock, l)).abs() < 1e-12,
                    "q={q} l={l}"
                );
            }
        }
    }

    /// Independent path: exchange the sums. With a(d) = 1 (d < 0), ρ^d w₀ (d ≥ 0),
    /// Σ_l π(l) a(d − l) = (d + 1)(1 − ρ)ρ^d w₀ + ρ^{d+1} for d ≥ 0 (stationary law), so
    /// P = Σ_m NegBin(m; z, q) · A(z − k₀ − m), one sum over the attacker's progress.
    fn exchanged(q: f64, z: u32, k0: u32, gamma: f64) -> f64 {
        let p = 1.0 - q;
        let rho = q / p;
        let w0 = (q + gamma * p) / (1.0 - (1.0 - gamma) * q);
        let big_a = |d: i64| {
            if d < 0 {
                1.0
            } else {
                (d + 1) as f64 * (1.0 - rho) * rho.powi(d as i32) * w0 + rho.powi(d as i32 + 1)
            }
        };
        let mut pm = p.powi(z as i32); // NegBin(0)
        let mut total = 0.0;
        for m in 0..20_000u32 {
            total += pm * big_a(i64::from(z) - i64::from(k0) - i64::from(m));
            pm *= q * f64::from(m + z) / f64::from(m + 1);
        }
        total
    }

    #[test]
    fn mixture_equals_the_exchanged_sum() {
        for &q in &[0.05, 0.1, 0.25, 0.4, 0.45] {
            for &(k0, tie) in &[
                (0, TieRule::FirstSeen),
                (1, TieRule::FirstSeen),
                (0, TieRule::Gamma(0.5)),
                (0, TieRule::Gamma(1.0)),
                (3, TieRule::Gamma(0.25)),
            ] {
                for z in 1..=40u32 {
                    let conv = Convention { premined: k0, tie };
                    let got = opportunistic(q, z, conv, LeadLaw::Stationary);
                    let want = exchanged(q, z, k0, tie.gamma());
                    // Two summation orders of ≤ 20 000 positive terms; the truncation bound
                    // is added to the tolerance.
                    assert!(
                        (got.probability - want).abs() <= 1e-11 * want + got.neglected,
                        "q={q} z={z} k0={k0} {tie}: {} vs {want}",
                        got.probability
                    );
                }
            }
        }
    }

    #[test]
    fn after_honest_block_law_reproduces_the_reference_table() {
        // Reference computation at 50 digits ("Table E, opportunistic pre-miner, stationary
        // head start, tie rule"; checked there against J. Law's published closed form):
        // printed to 7 decimals or 4 significant digits.
        let tie = Convention {
            premined: 0,
            tie: TieRule::Gamma(1.0),
        };
        for &(q, z, want) in &[
            (0.1, 1, 0.2098765),
            (0.1, 6, 0.0006445),
            (0.1, 12, 1.028e-6),
            (0.3, 6, 0.1972693),
            (0.45, 12, 0.7859581),
            (0.05, 10, 1.244e-8),
        ] {
            let got = opportunistic(q, z, tie, LeadLaw::AfterHonestBlock).probability;
            // Half a unit in the last printed digit.
            let half_ulp = if want >= 1e-6 { 5e-8 } else { want * 5e-4 };
            assert!(
                (got - want).abs() <= half_ulp,
                "q={q} z={z}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn docs_table_values() {
        // docs/delay-adversary.md, "Increase over the classical convention": computed with
        // exact rational arithmetic (Python fractions), independent of this code; printed
        // to 5 significant digits.
        for &(q, z, want) in &[
            (0.1, 6, 1.0693e-3),
            (0.2, 3, 1.8568e-1),
            (0.3, 1, 7.7143e-1),
            (0.4, 10, 5.5012e-1),
            (0.1, 10, 1.4715e-5),
        ] {
            let got = opportunistic(q, z, Convention::CLASSICAL, LeadLaw::Stationary);
            // Half a unit in the 5th significant digit.
            assert!(
                (got.probability / want - 1.0).abs() < 5e-5,
                "q={q} z={z}: {got:?}"
            );
        }
    }

    #[test]
    fn no_pre_mining_below_the_classical_value() {
        // The head start can only help: P_opp ≥ P_exact with the same convention.
        for &q in &[0.1, 0.2, 0.3, 0.4] {
            for z in 1..=10 {
                let c = Convention::CLASSICAL;
                let opp = opportunistic(q, z, c, LeadLaw::Stationary).probability;
                assert!(opp >= analytic::exact(q, z, c).value, "q={q} z={z}");
            }
        }
    }

    /// One Monte Carlo trial: run the pre-mining race for `warm` blocks from lead 0 (its
    /// law is then stationary to far below the sampling error), pay, and race: the merchant
    /// accepts at the z-th honest block; first-seen, so the attacker needs a strictly longer
    /// branch; it gives up 60 blocks behind (ρ^60 < 1e-22 at q = 0.3: negligible).
    fn trial(rng: &mut crate::estimate::rng::SimRng, q: f64, z: u32, warm: u32) -> bool {
        let mut lead: i64 = 0;
        for _ in 0..warm {
            if unit_f64(rng.next_u64()) < q {
                lead += 1;
            } else {
                lead = (lead - 1).max(0);
            }
        }
        let (mut a, mut h) = (lead, 0i64);
        loop {
            if unit_f64(rng.next_u64()) < q {
                a += 1;
            } else {
                h += 1;
            }
            if h >= i64::from(z) {
                if a > h {
                    return true;
                }
                if h - a > 60 {
                    return false;
                }
            }
        }
    }

    #[test]
    fn monte_carlo_agrees_with_the_closed_form() {
        let (q, z, n) = (0.3, 3u32, 200_000u32);
        let mut rng = batch_rng(7, 0x0bb0, 0);
        let wins = (0..n).filter(|_| trial(&mut rng, q, z, 200)).count();
        let est = wins as f64 / f64::from(n);
        let exact = opportunistic(q, z, Convention::DEFAULT, LeadLaw::Stationary).probability;
        let se = (exact * (1.0 - exact) / f64::from(n)).sqrt();
        // 4 standard errors: a false alarm once in ~16 000 seeds.
        assert!(
            (est - exact).abs() < 4.0 * se,
            "MC {est} vs {exact} (se {se})"
        );
    }
}
