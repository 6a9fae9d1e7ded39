//! Closed forms for the bounded-delay (Δ) model and the opportunistic pre-miner.
//!
//! In the Δ model honest blocks reach every honest miner within Δ seconds and the
//! adversary decides delivery order and timing within that limit; mining is Poisson with
//! total rate 1/T. Here:
//!
//! - [`gkr`]: the consistency threshold of Gaži, Kiayias and Russell (CCS 2020):
//!   secure iff λ_a < 1/(Δ + 1/λ_h).
//! - [`guo_ren`]: Guo and Ren's (AFT 2022) upper and lower bounds on the probability of a
//!   safety violation for a transaction k blocks deep.
//! - [`opportunistic`]: the opportunistic pre-miner of Sompolinsky and Zohar (2016), as a
//!   mixture of the zero-latency head-start closed form over the stationary lead.
//!
//! The confirmation-by-time bounds of Li, Guo and Ren (AFT 2021) are not implemented: the
//! paper's statements could not be consulted while this was written (docs/delay-adversary.md).
//! Equations, sources and checks: docs/delay-adversary.md.

pub mod gkr;
pub mod guo_ren;
pub mod opportunistic;

use serde::Serialize;

use crate::analytic::{Needed, Probability};

/// The bounds at one (q, k, Δ, T), or why a bound gives no number.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DelayBounds {
    /// Guo–Ren lower bound (the probability of an attack that exists), if it applies.
    pub lower: Option<f64>,
    /// Guo–Ren upper bound (no attack does better), if it applies.
    pub upper: Option<f64>,
    /// log10 of `lower`, finite where the value underflows to 0.
    pub log10_lower: Option<f64>,
    /// log10 of `upper`, finite where the value underflows to 0.
    pub log10_upper: Option<f64>,
    /// Why a bound is missing; empty when both are given.
    pub note: String,
}

/// Evaluate the bounds for adversary share `q`, depth `k` ≥ 1, delay bound `delta` and mean
/// block interval `block_interval` (seconds).
///
/// Above the GKR threshold no depth is safe, so neither bound is printed as a number;
/// between it and Guo–Ren's own condition ((1 − q)e^{−Δ/T} > ½) only the lower bound is.
pub fn evaluate(q: f64, k: u32, delta: f64, block_interval: f64) -> DelayBounds {
    if !gkr::is_secure(q, delta, block_interval) {
        return DelayBounds {
            lower: None,
            upper: None,
            log10_lower: None,
            log10_upper: None,
            note: format!(
                "adversary at or above the GKR threshold q = {:.6}: no depth is safe",
                gkr::max_share(delta, block_interval)
            ),
        };
    }
    let lower_ln = guo_ren::lower_ln(q, k);
    let upper_ln = guo_ren::upper_ln(q, k, delta, block_interval);
    let value = |ln: Option<f64>| ln.map(f64::exp);
    let log10 = |ln: Option<f64>| ln.map(|l| l / std::f64::consts::LN_10);
    let (lower, upper) = (value(lower_ln), value(upper_ln));
    let note = if upper.is_none() {
        "upper bound needs (1 - q) e^(-delta/T) > 1/2 (Guo-Ren); below the GKR threshold \
         but no number from this bound"
            .to_string()
    } else {
        String::new()
    };
    DelayBounds {
        lower,
        upper,
        log10_lower: log10(lower_ln),
        log10_upper: log10(upper_ln),
        note,
    }
}

/// Which bound a depth search uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The lower bound: fewer confirmations than this are provably not enough.
    Lower,
    /// The upper bound: this many confirmations are provably enough.
    Upper,
}

/// The smallest depth k ≥ 1 whose bound on `side` is below `risk`, for share `q`, delay
/// `delta` and block interval `block_interval`. [`Needed::Never`] above the GKR threshold or
/// where the bound does not apply; the bounds fall with k, so gallop then bisect.
pub fn confirmations_needed(
    side: Side,
    q: f64,
    risk: f64,
    delta: f64,
    block_interval: f64,
) -> Needed {
    let bound = |k: u32| {
        let b = evaluate(q, k, delta, block_interval);
        match side {
            Side::Lower => b.lower,
            Side::Upper => b.upper,
        }
    };
    let below = |k: u32| bound(k).is_some_and(|v| v < risk);
    if bound(1).is_none() {
        return Needed::Never;
    }
    let cap = crate::params::MAX_Z;
    let mut hi = 1u32;
    while !below(hi) {
        if hi >= cap {
            return Needed::Beyond(cap);
        }
        hi = (hi * 2).min(cap);
    }
    let mut lo = 1u32; // invariant: answer in [lo, hi], below(hi)
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let at = bound(lo).unwrap_or(f64::NAN);
    Needed::At(lo, Probability::from_value(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic;
    use crate::params::{Convention, TieRule};

    #[test]
    fn published_example_to_the_printed_digits() {
        // Guo & Ren, abstract: T = 10 min, Δ = 10 s, 10 % adversary, 6 confirmations:
        // "a safety violation between 0.11% and 0.35% probability".
        let b = evaluate(0.1, 6, 10.0, 600.0);
        assert_eq!(format!("{:.2}", 100.0 * b.lower.unwrap()), "0.11");
        assert_eq!(format!("{:.2}", 100.0 * b.upper.unwrap()), "0.35");
    }

    #[test]
    fn without_delay_the_lower_bound_is_the_opportunistic_pre_miner() {
        // Independent path: dslab's head-start closed form averaged over the stationary
        // lead, ties won by the adversary (in the Δ model it orders deliveries), against
        // Guo–Ren's binomial expression.
        let tie_wins = Convention {
            premined: 0,
            tie: TieRule::Gamma(1.0),
        };
        for &q in &[0.02, 0.1, 0.2, 0.3, 0.4, 0.45] {
            for k in 1..=60 {
                let l = guo_ren::lower(q, k).unwrap();
                let opp = opportunistic::opportunistic(
                    q,
                    k,
                    tie_wins,
                    opportunistic::LeadLaw::Stationary,
                );
                // f64 rounding of two different sums of ≤ 120 positive terms.
                assert!(
                    (l - opp.probability).abs() <= 1e-11 * l + opp.neglected,
                    "q={q} k={k}: {l} vs {}",
                    opp.probability
                );
            }
        }
    }

    #[test]
    fn zero_delay_bounds_bracket_the_zero_latency_closed_forms() {
        // Δ → 0: every zero-latency attack without pre-mining, any tie rule, is at most the
        // upper bound; the classical convention's value is at most the lower bound (a
        // stronger attack: pre-mining), and so is first-seen with no head start.
        for &q in &[0.05, 0.1, 0.2, 0.3, 0.4, 0.45] {
            for k in 1..=40 {
                let b = evaluate(q, k, 0.0, 600.0);
                let (l, u) = (b.lower.unwrap(), b.upper.unwrap());
                for &g in &[0.0, 0.5, 1.0] {
                    let conv = Convention {
                        premined: 0,
                        tie: TieRule::Gamma(g),
                    };
                    let p = analytic::exact(q, k, conv).value;
                    assert!(p <= l * (1.0 + 1e-12), "q={q} k={k} γ={g}: {p} > lower {l}");
                }
                let classical = analytic::exact(q, k, Convention::CLASSICAL).value;
                assert!(classical <= l && l <= u, "q={q} k={k}");
                // Delay only widens the upper bound.
                assert!(evaluate(q, k, 10.0, 600.0).upper.unwrap() >= u);
            }
        }
    }

    #[test]
    fn above_the_threshold_no_number_is_given() {
        let b = evaluate(0.49, 6, 60.0, 600.0);
        assert_eq!((b.lower, b.upper), (None, None));
        assert!(b.note.contains("GKR"));
        assert_eq!(
            confirmations_needed(Side::Upper, 0.49, 1e-3, 60.0, 600.0),
            Needed::Never
        );
    }

    #[test]
    fn depth_search_is_the_first_depth_below_the_risk() {
        for &q in &[0.1, 0.25, 0.4] {
            for side in [Side::Lower, Side::Upper] {
                let Needed::At(k, _) = confirmations_needed(side, q, 1e-4, 10.0, 600.0) else {
                    panic!("no depth for q={q}");
                };
                let pick = |k| {
                    let b = evaluate(q, k, 10.0, 600.0);
                    if side == Side::Lower {
                        b.lower
                    } else {
                        b.upper
                    }
                    .unwrap()
                };
                assert!(
                    pick(k) < 1e-4 && (k == 1 || pick(k - 1) >= 1e-4),
                    "q={q} k={k}"
                );
            }
        }
    }
}
