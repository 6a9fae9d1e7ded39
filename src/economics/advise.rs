//! The confirmation advisor: the smallest z such that, for every attacker model of a set,
//! P(reversal) < risk, and for the rented-hash attacker also expected profit < 0
//! (docs/economics.md).
//!
//! Models (a name each):
//! - `classical`: the private attack of the literature (Nakamoto, Rosenfeld): a tie wins,
//!   no head start (dslab's classical convention, first-seen with one pre-mined block);
//!   `analytic::exact`. Risk only: the attacker owns its hash rate, so no cost is modelled.
//! - `opportunistic`: the pre-miner whose head start is the long-run lead of its private
//!   branch (`bounds::opportunistic`, stationary law, classical tie rule); its truncation
//!   bound is added, so the probability used is an upper bound. Risk only.
//! - `rental`: the rented-hash attacker with the chain's rental market: the most profitable
//!   plan over the window grid (`economics::best`); both its P(success) < risk and its
//!   expected profit < 0 are required.
//! - `delta`: the Δ-adversary of the bounded-delay model (honest blocks reach everyone
//!   within Δ seconds, the adversary orders deliveries): the Guo–Ren *upper* bound on the
//!   safety violation at depth z (`bounds::evaluate`), so no attack in that model does
//!   better. Risk only. Where the bound gives no number ((1 − q)e^{−Δ/T₀} ≤ ½ or above the
//!   GKR threshold) no z is enough under this model.
//! - `first-seen`: the block race with first-seen ties and no head start — the least
//!   conservative convention; only when named.
//!
//! Every condition is checked at each z from 0 upwards and the answer is the first z where
//! all hold, so more value (a larger profit) or a smaller risk can only move it up.

use anyhow::Result;
use serde::Serialize;

use super::{MAX_Z_WINDOWED, Market, best};
use crate::analytic;
use crate::bounds;
use crate::bounds::opportunistic::{LeadLaw, opportunistic};
use crate::error::usage;
use crate::params::Convention;

/// The attacker models `advise` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Attacker {
    /// Private attack, a tie wins, no head start (the classical convention).
    Classical,
    /// The opportunistic pre-miner (stationary lead, classical tie rule).
    Opportunistic,
    /// The rented-hash attacker with the chain's rental market (risk and profit).
    Rental,
    /// The Δ-adversary (bounded delay), by the Guo–Ren upper bound (risk only).
    Delta,
    /// First-seen ties, no head start: less conservative; only when named.
    FirstSeen,
}

/// Default delay bound Δ of the `delta` model, seconds: the value of Guo and Ren's own
/// Bitcoin example (AFT 2022, abstract: "Δ = 10 s"), above the measured median block
/// propagation times of Bitcoin (docs/economics.md).
pub const DEFAULT_DELTA: f64 = 10.0;

/// What `advise` is asked: the payment, the risk and the attackers' parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Query {
    /// Honest block interval T₀, seconds (the wait, and T of the Δ model).
    pub block_interval: f64,
    /// Attacker share.
    pub q: f64,
    /// Payment value, coin.
    pub value: f64,
    /// Largest acceptable P(reversal).
    pub risk: f64,
    /// Seconds the rented-hash attacker pre-mines.
    pub premine: f64,
    /// Delay bound Δ of the `delta` model, seconds.
    pub delta: f64,
}

impl Attacker {
    /// Its name on the command line and in output.
    pub fn name(self) -> &'static str {
        match self {
            Attacker::Classical => "classical",
            Attacker::Opportunistic => "opportunistic",
            Attacker::Rental => "rental",
            Attacker::Delta => "delta",
            Attacker::FirstSeen => "first-seen",
        }
    }

    /// The default (conservative) set.
    pub const DEFAULT: &'static [Attacker] = &[
        Attacker::Classical,
        Attacker::Opportunistic,
        Attacker::Rental,
        Attacker::Delta,
    ];

    /// Parse a comma list of model names (`flag` names the flag in errors).
    pub fn parse_list(flag: &str, s: &str) -> Result<Vec<Attacker>> {
        let all = [
            Attacker::Classical,
            Attacker::Opportunistic,
            Attacker::Rental,
            Attacker::Delta,
            Attacker::FirstSeen,
        ];
        let mut out = Vec::new();
        for item in s.split(',').map(str::trim) {
            let Some(a) = all.iter().find(|a| a.name() == item) else {
                return Err(usage(
                    flag,
                    item,
                    "use a comma list of classical, opportunistic, rental, delta, first-seen",
                ));
            };
            if !out.contains(a) {
                out.push(*a);
            }
        }
        Ok(out)
    }
}

/// Most confirmations the advisor scans (the exact rental law costs O(z²) per block).
pub const MAX_ADVISE_Z: u32 = MAX_Z_WINDOWED;

/// One model's own answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelAnswer {
    /// The model's name.
    pub model: &'static str,
    /// Smallest z with P(reversal) < risk under this model (`None`: none up to the cap).
    pub risk_z: Option<u32>,
    /// Smallest z with expected profit < 0 (rental only; `None`: none found or not modelled).
    pub profit_z: Option<u32>,
    /// Whether the model has a profit constraint.
    pub has_profit: bool,
    /// The model's answer: the first z where its own conditions all hold.
    pub z: Option<u32>,
    /// Why there is no answer, if there is none.
    pub note: String,
}

/// The advice: the answer for the whole set and which condition set it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Advice {
    /// Attacker share used.
    pub q: f64,
    /// Largest acceptable P(reversal).
    pub risk: f64,
    /// Payment value, coin.
    pub value: f64,
    /// Δ of the `delta` model, seconds, when it is in the set.
    pub delta: Option<f64>,
    /// The answer (`None`: no z up to the cap satisfies every model).
    pub z: Option<u32>,
    /// The wait in minutes: z × the honest block interval.
    pub wait_minutes: Option<f64>,
    /// The model and constraint that binds (needs the most confirmations).
    pub binds: String,
    /// Each model's own answer.
    pub models: Vec<ModelAnswer>,
}

/// P(reversal) of a risk-only model at z (for `delta` an upper bound; NaN where the
/// model gives no number, which never passes the risk test).
fn risk_probability(a: Attacker, query: &Query, z: u32) -> f64 {
    let q = query.q;
    match a {
        Attacker::Delta if z == 0 => 1.0,
        Attacker::Delta => bounds::evaluate(q, z, query.delta, query.block_interval)
            .upper
            .unwrap_or(f64::NAN),
        Attacker::Classical => analytic::exact(q, z, Convention::CLASSICAL).value,
        Attacker::FirstSeen => analytic::exact(q, z, Convention::DEFAULT).value,
        Attacker::Opportunistic => {
            let m = opportunistic(q, z, Convention::CLASSICAL, LeadLaw::Stationary);
            (m.probability + m.neglected).min(1.0)
        }
        Attacker::Rental => f64::NAN,
    }
}

/// Whether a risk-only model can never meet the risk: q ≥ 1/2, or the Δ model's upper
/// bound gives no number (then the reason).
fn hopeless(a: Attacker, query: &Query) -> Option<String> {
    if query.q >= 0.5 {
        return Some("never: q >= 1/2 always catches up".into());
    }
    if a == Attacker::Delta {
        let b = bounds::evaluate(query.q, 1, query.delta, query.block_interval);
        if b.upper.is_none() {
            return Some(format!(
                "never at delta = {} s, T0 = {} s: {}",
                query.delta, query.block_interval, b.note
            ));
        }
    }
    None
}

/// The conditions of one model at z: (risk holds, profit holds or is not modelled).
fn holds(a: Attacker, market: Option<&Market>, query: &Query, z: u32) -> Result<(bool, bool)> {
    let (q, risk) = (query.q, query.risk);
    if a != Attacker::Rental {
        return Ok((q < 0.5 && risk_probability(a, query, z) < risk, true));
    }
    let Some(m) = market else {
        return Err(usage(
            "--attacker",
            Attacker::Rental.name(),
            "the rented-hash model needs a chain's rental market: add --chain NAME",
        ));
    };
    let e = best(m, q, None, query.premine, query.value, z)?;
    Ok((e.success < risk, e.profit < 0.0))
}

/// The advice for `query` over the models `set`. `market` is needed when `rental` is in
/// the set; `query.block_interval` gives the wait.
pub fn advise(market: Option<&Market>, query: &Query, set: &[Attacker]) -> Result<Advice> {
    let mut answers: Vec<ModelAnswer> = set
        .iter()
        .map(|&a| ModelAnswer {
            model: a.name(),
            risk_z: None,
            profit_z: None,
            has_profit: a == Attacker::Rental,
            z: None,
            note: String::new(),
        })
        .collect();
    // A majority attacker wins surely against every z in the risk-only models.
    let risk_hopeless = query.q >= 0.5;
    // Risk-only models that no z satisfies (the Δ model without a number): the set has
    // no answer, but the other models' own answers are still found.
    let never: Vec<Option<String>> = set
        .iter()
        .map(|&a| {
            if risk_hopeless {
                None
            } else {
                hopeless(a, query)
            }
        })
        .collect();
    let answerable = never.iter().all(Option::is_none);
    let cap = if risk_hopeless { 0 } else { MAX_ADVISE_Z };
    let mut overall = None;
    for z in 0..=cap {
        let mut all = true;
        for (i, &a) in set.iter().enumerate() {
            let ans = &mut answers[i];
            if ans.z.is_some() || never[i].is_some() {
                continue; // held at a smaller z (checked again below), or never holds
            }
            let (r, p) = holds(a, market, query, z)?;
            if r && ans.risk_z.is_none() {
                ans.risk_z = Some(z);
            }
            if p && ans.profit_z.is_none() && ans.has_profit {
                ans.profit_z = Some(z);
            }
            if r && p {
                ans.z = Some(z);
            } else {
                all = false;
            }
        }
        if !answerable {
            if all {
                break; // every model that can answer has
            }
            continue;
        }
        // A model whose conditions held at a smaller z must hold here too.
        if all {
            for (i, &a) in set.iter().enumerate() {
                if answers[i].z != Some(z) {
                    let (r, p) = holds(a, market, query, z)?;
                    all &= r && p;
                }
            }
        }
        if all {
            overall = Some(z);
            break;
        }
    }
    if risk_hopeless {
        majority_notes(&mut answers, market, query.q, query.value, query.premine)?;
    } else {
        for (ans, why) in answers.iter_mut().zip(&never) {
            if let Some(why) = why {
                ans.note.clone_from(why);
            } else if ans.z.is_none() {
                ans.note = format!("more than {MAX_ADVISE_Z}");
            }
        }
    }
    let binds = binding(&answers, overall);
    Ok(Advice {
        q: query.q,
        risk: query.risk,
        value: query.value,
        delta: set.contains(&Attacker::Delta).then_some(query.delta),
        z: overall,
        wait_minutes: overall.map(|z| f64::from(z) * query.block_interval / 60.0),
        binds,
        models: answers,
    })
}

/// Notes for q ≥ 1/2: no z keeps the risk down; for the rental model, the smallest z
/// where an unlimited rental (sure success) stops paying, found by doubling then bisection
/// on its profit (nearly linear in z: cost and rewards both grow with the wait).
fn majority_notes(
    answers: &mut [ModelAnswer],
    market: Option<&Market>,
    q: f64,
    value: f64,
    premine: f64,
) -> Result<()> {
    for ans in answers.iter_mut() {
        ans.note = "never: q >= 1/2 always catches up".into();
        if ans.model != Attacker::Rental.name() {
            continue;
        }
        let Some(m) = market else { continue };
        if q == 0.5 {
            continue;
        }
        let unprofitable = |z: u32| -> Result<bool> {
            Ok(super::evaluate(
                m,
                super::Plan {
                    q,
                    window: None,
                    premine,
                },
                value,
                z,
            )?
            .profit
                < 0.0)
        };
        let mut hi = 1u32;
        while !unprofitable(hi)? {
            if hi >= crate::params::MAX_Z {
                hi = 0;
                break;
            }
            hi = (hi * 2).min(crate::params::MAX_Z);
        }
        if hi == 0 {
            ans.note.push_str(&format!(
                "; an unlimited rental stays profitable up to z = {}",
                crate::params::MAX_Z
            ));
            continue;
        }
        let mut lo = 0u32;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if unprofitable(mid)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        ans.profit_z = Some(lo);
        ans.note.push_str(&format!(
            "; an unlimited rental (sure success) stops paying at z = {lo}"
        ));
    }
    Ok(())
}

/// Which model and constraint needs the most confirmations.
fn binding(answers: &[ModelAnswer], overall: Option<u32>) -> String {
    let Some(z) = overall else {
        return answers
            .iter()
            .filter(|a| a.z.is_none())
            .map(|a| format!("{} ({})", a.model, a.note))
            .collect::<Vec<_>>()
            .join("; ");
    };
    let mut out = Vec::new();
    for a in answers {
        if a.risk_z == Some(z) {
            out.push(format!("{}: P(reversal) < risk", a.model));
        }
        if a.has_profit && a.profit_z == Some(z) {
            out.push(format!("{}: expected profit < 0", a.model));
        }
    }
    if out.is_empty() {
        out.push("all models together".into());
    }
    out.join(", ")
}
