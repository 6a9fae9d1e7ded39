//! Closed forms for the majority (private-chain) double spend in the zero-latency block race.
//!
//! All functions take the counting [`Convention`] (head start k, tie rule γ) explicitly and
//! work in log space, so probabilities far below `f64::MIN_POSITIVE` keep a correct
//! logarithm ([`Probability::log10`]) instead of silently becoming a wrong number.
//!
//! The common structure (Rosenfeld 2012; Grunspan & Pérez-Marco 2017): while the honest
//! network mines the merchant's z blocks, the attacker mines M blocks, then it must close
//! the deficit d = z − k − M:
//!
//! ```text
//! P = Σ_m Pr[M = m] · a(z − k − m),
//! a(d) = 1 for d < 0,   a(d) = (q/p)^d · w₀ for d ≥ 0   (q < p),
//! w₀ = (q + γp) / (1 − (1 − γ)q)       (win probability from a published tie).
//! ```
//!
//! w₀ follows from one step from the tie: the attacker's block (q) or an honest block on the
//! attacker's branch (γp) wins; an honest block on the other branch ((1 − γ)p) puts the
//! attacker one behind, from where it returns to a tie with probability q/p. γ = 0 is
//! Bitcoin Core's first-seen rule (w₀ = q/p), γ = 1 makes a tie a win (w₀ = 1).
//!
//! - exact: M ~ NegBin(z, q) (`Pr[M = m] = C(m+z−1, m) p^z q^m`); with k = 1, γ = 0 this is
//!   Rosenfeld's closed form, equal to Grunspan–Pérez-Marco's I_{4pq}(z, ½).
//! - time-conditional P(z, κ) (Grunspan & Pérez-Marco, "Satoshi risk tables"): the honest
//!   network took κ times its expected time z·T/p, so M ~ Poisson(κ z q / p).
//! - Nakamoto (whitepaper §11): the time-conditional form at κ = 1.

use serde::Serialize;
use statrs::function::gamma::ln_gamma;

use crate::params::Convention;

/// A probability with its natural-scale value and its exact base-10 logarithm.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Probability {
    /// The probability (underflows to 0 below about 1e-308; see `log10`).
    pub value: f64,
    /// log10 of the probability (−∞ for an impossible event).
    pub log10: f64,
}

impl Probability {
    /// A probability known only by its value (its log10 is that of the value, −∞ for 0, so
    /// a value that underflowed keeps no logarithm).
    pub fn from_value(value: f64) -> Probability {
        Probability {
            value,
            log10: value.log10(),
        }
    }

    fn from_ln(ln: f64) -> Probability {
        Probability {
            value: ln.exp().min(1.0),
            log10: (ln / std::f64::consts::LN_10).min(0.0),
        }
    }
    const ONE: Probability = Probability {
        value: 1.0,
        log10: 0.0,
    };
}

/// The closed-form models.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Model {
    /// Negative-binomial attacker progress (Rosenfeld; Grunspan–Pérez-Marco).
    Exact,
    /// Nakamoto's Poisson approximation with the mean honest time plugged in.
    Nakamoto,
    /// Grunspan–Pérez-Marco P(z, κ): the z blocks took κ times their expected time.
    TimeConditional {
        /// Observed / expected time of the merchant's z blocks.
        kappa: f64,
    },
}

impl Model {
    /// Name used in tables and CSV files.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Exact => "exact",
            Model::Nakamoto => "nakamoto",
            Model::TimeConditional { .. } => "time-conditional",
        }
    }

    /// P(reversal) under this model for attacker share `q`, `z` confirmations.
    pub fn probability(&self, q: f64, z: u32, conv: Convention) -> Probability {
        match *self {
            Model::Exact => exact(q, z, conv),
            Model::Nakamoto => time_conditional(q, z, 1.0, conv),
            Model::TimeConditional { kappa } => time_conditional(q, z, kappa, conv),
        }
    }
}

/// Exact P(reversal) in the block race: attacker progress NegBin(z, q).
pub fn exact(q: f64, z: u32, conv: Convention) -> Probability {
    let (lnq, lnp) = (q.ln(), (1.0 - q).ln());
    let zf = f64::from(z);
    // ln Pr[M = 0] = z ln p, then Pr[M = m+1] / Pr[M = m] = q (m + z) / (m + 1).
    let first = if z == 0 { 0.0 } else { zf * lnp };
    let ratio = move |m: f64| {
        if z == 0 {
            f64::NEG_INFINITY
        } else {
            lnq + ((m + zf) / (m + 1.0)).ln()
        }
    };
    // ln Pr[M = m] directly: ln C(m + z − 1, m) + z ln p + m ln q.
    let at = move |m: f64| ln_gamma(m + zf) - ln_gamma(m + 1.0) - ln_gamma(zf) + first + m * lnq;
    mixture(q, z, conv, Law { first, ratio, at })
}

/// Time-conditional P(z, κ): attacker progress Poisson(κ z q / p). κ = 1 is Nakamoto.
///
/// Stable for every κ > 0 (up to `f64::MAX`): λ = κ z q / p is carried by its logarithm, so a
/// λ that overflows makes every behind-or-tied term e^−λ λ^m / m! exactly 0 instead of
/// ∞ · 0. Where the attacker is expected to be ahead at acceptance (λ > j + 1, j = z − k),
/// the "already ahead" mass is 1 − Pr[M ≤ j] from the j + 1 terms below it
/// (`time_conditional_ahead`); walking the ~λ terms above j (as `mixture` does) would
/// stop short of the mass for λ in the millions and return 0 instead of about 1.
pub fn time_conditional(q: f64, z: u32, kappa: f64, conv: Convention) -> Probability {
    let lambda = kappa * f64::from(z) * q / (1.0 - q);
    // ln λ from its factors: finite whenever κ, z, q are positive, even where λ overflows.
    let ln_lambda = kappa.ln() + f64::from(z).ln() + q.ln() - (1.0 - q).ln();
    let j = i64::from(z) - i64::from(conv.premined);
    if q > 0.0 && q < 1.0 - q && j >= 0 && lambda > (j + 1) as f64 {
        return time_conditional_ahead(q, j, lambda, ln_lambda, conv);
    }
    let first = -lambda;
    mixture(
        q,
        z,
        conv,
        Law {
            first,
            ratio: move |m: f64| ln_lambda - (m + 1.0).ln(),
            at: move |m: f64| first + m * ln_lambda - ln_gamma(m + 1.0),
        },
    )
}

/// P(z, κ) when the attacker is expected to be ahead (λ > j + 1 ≥ 1, 0 < q < p):
/// P = Pr[M > j] + Σ_{m ≤ j} Pr[M = m] (q/p)^{j−m} w₀ with M ~ Poisson(λ). Here
/// Pr[M > j] ≥ Pr[M ≥ λ] is of order ½ (the Poisson median is within 1 of λ), so the
/// complement 1 − Pr[M ≤ j] loses no relative precision. Both sums have increasing terms
/// (ratio λ / (m + 1) > 1), so each starts where its terms come within e^−[`WINDOW`] of
/// its last, largest one.
fn time_conditional_ahead(
    q: f64,
    j: i64,
    lambda: f64,
    ln_lambda: f64,
    conv: Convention,
) -> Probability {
    let ln_qp = (q / (1.0 - q)).ln();
    let ln_w0 = tie_win(q, conv.tie.gamma()).ln();
    // Computed directly at every m (no running product), so no rounding accumulates.
    let ln_pois = |m: i64| -lambda + m as f64 * ln_lambda - ln_gamma(m as f64 + 1.0);
    let windowed = |term: &dyn Fn(i64) -> f64| {
        let top = term(j);
        let start = first_where(0, j, |m| term(m) >= top - WINDOW);
        let mut acc = LogSum::default();
        (start..=j).for_each(|m| acc.add(term(m)));
        acc.ln()
    };
    let ln_cdf = windowed(&ln_pois);
    let ln_behind = windowed(&|m: i64| ln_pois(m) + (j - m) as f64 * ln_qp + ln_w0);
    let ln_ahead = (-ln_cdf.exp()).ln_1p();
    let mut acc = LogSum::default();
    acc.add(ln_ahead);
    acc.add(ln_behind);
    Probability::from_ln(acc.ln())
}

/// Nakamoto's Poisson approximation (whitepaper §11); its own convention is the classical one.
pub fn nakamoto(q: f64, z: u32, conv: Convention) -> Probability {
    time_conditional(q, z, 1.0, conv)
}

/// Win probability from a published tie, w₀ = (q + γp) / (1 − (1 − γ)q).
pub fn tie_win(q: f64, gamma: f64) -> f64 {
    let p = 1.0 - q;
    (q + gamma * p) / (1.0 - (1.0 - gamma) * q)
}

/// The law of the attacker's progress M: ln Pr[M = 0], the log ratio of successive
/// probabilities, and ln Pr[M = m] directly (to start a sum far from 0).
struct Law<R, A> {
    first: f64,
    ratio: R,
    at: A,
}

/// Below this many terms behind-or-tied terms are all summed from m = 0; above it the sum
/// starts where the terms come within e^−[`WINDOW`] of the largest (they rise steadily
/// up to it), which makes a long z list linear instead of quadratic.
const FULL_SUM: i64 = 2048;

/// Terms this many nats below the largest are left out of a windowed sum: at most 10⁵ of
/// them change the result by less than 10⁵ · e^−60 ≈ 10⁻²¹ relative.
const WINDOW: f64 = 60.0;

/// Σ_m Pr[M = m] a(z − k − m) for a mixing law `law`, summed as positive terms in log
/// space (no cancellation, no underflow).
fn mixture(
    q: f64,
    z: u32,
    conv: Convention,
    law: Law<impl Fn(f64) -> f64, impl Fn(f64) -> f64>,
) -> Probability {
    let Law {
        first,
        ratio: ln_ratio,
        at: ln_at,
    } = law;
    let p = 1.0 - q;
    let j = i64::from(z) - i64::from(conv.premined);
    if q >= p || j < 0 {
        // A majority (or half) attacker catches up surely; a head start above z is already ahead.
        return Probability::ONE;
    }
    let w0 = tie_win(q, conv.tie.gamma());
    if q == 0.0 {
        // Only M = 0 is possible; the attacker can win only from a tie at acceptance.
        return Probability::from_ln(if j == 0 { w0.ln() } else { f64::NEG_INFINITY });
    }
    let ln_qp = (q / p).ln();
    let mut acc = LogSum::default();
    // Terms m ≤ j: the attacker is behind or tied at acceptance. Term m is
    // ln Pr[M = m] + (j − m) ln(q/p) + ln w₀, concave in m: it rises while the log ratio
    // exceeds ln(q/p), then falls.
    let start = if j <= FULL_SUM {
        0
    } else {
        let rising = |m: i64| ln_ratio(m as f64) > ln_qp;
        let peak = first_where(0, j, |m| !rising(m));
        let term = |m: i64| ln_at(m as f64) + (j - m) as f64 * ln_qp;
        let top = term(peak);
        first_where(0, peak, |m| term(m) >= top - WINDOW)
    };
    let mut ln_t = if start == 0 {
        first
    } else {
        ln_at(start as f64)
    };
    for m in start..=j {
        acc.add(ln_t + (j - m) as f64 * ln_qp + w0.ln());
        ln_t += ln_ratio(m as f64);
    }
    // Terms m > j: the attacker is already ahead at acceptance (a = 1). Sum until the terms
    // are decreasing and negligible against the running total.
    let mut m = j + 1;
    loop {
        acc.add(ln_t);
        let r = ln_ratio(m as f64);
        ln_t += r;
        m += 1;
        if ln_t == f64::NEG_INFINITY || (r < 0.0 && ln_t < acc.ln() - 46.0) || m > 50_000_000 {
            break;
        }
    }
    Probability::from_ln(acc.ln())
}

/// The smallest m in [lo, hi] with `pred(m)`, for a predicate false then true on the
/// range (hi if it never turns true).
fn first_where(mut lo: i64, mut hi: i64, pred: impl Fn(i64) -> bool) -> i64 {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// Running log-sum-exp of positive terms given by their logarithms (shared with
/// `crate::bounds`).
#[derive(Default)]
pub(crate) struct LogSum {
    max: Option<f64>,
    scaled: f64,
}

impl LogSum {
    /// Add the term e^x.
    pub(crate) fn add(&mut self, x: f64) {
        if x == f64::NEG_INFINITY {
            return;
        }
        match self.max {
            None => {
                self.max = Some(x);
                self.scaled = 1.0;
            }
            Some(m) if x > m => {
                self.scaled = self.scaled * (m - x).exp() + 1.0;
                self.max = Some(x);
            }
            Some(m) => self.scaled += (x - m).exp(),
        }
    }

    /// ln of the sum so far (−∞ when empty).
    pub(crate) fn ln(&self) -> f64 {
        self.max.map_or(f64::NEG_INFINITY, |m| m + self.scaled.ln())
    }
}

/// Result of a confirmations search.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Needed {
    /// The smallest z with P(reversal) < risk, and that probability.
    At(u32, Probability),
    /// No z works: the attacker wins surely (q ≥ 1/2).
    Never,
    /// The answer exceeds the search cap (this many confirmations are not enough).
    Beyond(u32),
}

/// Smallest z with P(reversal) < `risk` (P decreases in z for q < 1/2: gallop, then bisect).
pub fn confirmations_needed(model: Model, q: f64, risk: f64, conv: Convention) -> Needed {
    let below = |z: u32| model.probability(q, z, conv).value < risk;
    if q >= 0.5 {
        return Needed::Never;
    }
    let mut hi = 1u32;
    while !below(hi) {
        if hi >= crate::params::MAX_Z {
            return Needed::Beyond(crate::params::MAX_Z);
        }
        hi = (hi * 2).min(crate::params::MAX_Z);
    }
    let mut lo = 0u32; // invariant: answer in [lo, hi], below(hi)
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid) { hi = mid } else { lo = mid + 1 }
    }
    Needed::At(lo, model.probability(q, lo, conv))
}

/// Win probability from lead `lead` ≤ 0 once the merchant has accepted, for an attacker that
/// publishes ties, wins at lead +1 and gives up at lead −`give_up` (never if `None`).
///
/// Gambler's ruin: from −i the walk reaches the tie before −D with probability
/// g_i = ρ^i (1 − ρ^{D−i}) / (1 − ρ^D), ρ = q/p (g_i = (D − i)/D when q = p); from the tie it
/// wins with x₀ = (q + γp) / (1 − (1 − γ) p g₁). With D = ∞, g_i = ρ^i and x₀ = w₀.
pub fn tail_win(q: f64, gamma: f64, give_up: Option<u32>, lead: i64) -> f64 {
    let p = 1.0 - q;
    if lead >= 1 || q >= 1.0 {
        return 1.0;
    }
    let i = lead.unsigned_abs();
    let reach = |i: u64| -> f64 {
        match give_up {
            Some(d) if i >= u64::from(d) => 0.0,
            Some(d) if q == p => (d as f64 - i as f64) / d as f64,
            Some(d) => {
                let rho = q / p;
                rho.powf(i as f64) * (1.0 - rho.powf((u64::from(d) - i) as f64))
                    / (1.0 - rho.powf(f64::from(d)))
            }
            None if q >= p => 1.0,
            None => (q / p).powf(i as f64),
        }
    };
    if q > p && give_up.is_none() {
        return 1.0;
    }
    let x0 = (q + gamma * p) / (1.0 - (1.0 - gamma) * p * reach(1));
    reach(i) * x0.min(1.0)
}

/// Exact P(reversal) in the block race for an attacker that gives up at lead −`give_up`
/// in any phase (Rosenfeld's Table D setting), by dynamic programming over the lead.
///
/// State: the attacker's lead ℓ each time an honest block arrives. Between honest blocks the
/// attacker mines j blocks with probability q^j p, so with S(x) = Σ_{ℓ≤x} f(ℓ) q^{x−ℓ}
/// (S(x) = q S(x−1) + f(x)) the next level is p·S(ℓ'+1). Mass that can no longer fall
/// below +1 by acceptance is a sure win; mass at −D has given up. At acceptance the
/// remaining mass wins with [`tail_win`]. Cost O(z · (z + D)); accurate to f64 rounding.
pub fn exact_with_give_up(q: f64, z: u32, conv: Convention, give_up: u32) -> f64 {
    let gamma = conv.tie.gamma();
    let (k, z64, d) = (i64::from(conv.premined), i64::from(z), i64::from(give_up));
    if k > z64 {
        return 1.0;
    }
    let lo = 1 - d; // lowest lead still in play
    let idx = |l: i64| (l - lo) as usize;
    let mut f = vec![0.0f64; (z64 - lo + 2) as usize];
    f[idx(k)] = 1.0;
    let p = 1.0 - q;
    let mut win = 0.0;
    for h in 0..z64 {
        let top = z64 - h; // leads at this level are ≤ top
        let mut next = vec![0.0f64; f.len()];
        let mut s = 0.0;
        for l in lo..=top {
            s = q * s + f[idx(l)];
            // an honest block after the attacker reached lead l: new lead l − 1
            if l > lo && l - 1 < top {
                next[idx(l - 1)] = p * s;
            }
        }
        win += q * s; // S(top) · q: the attacker reached lead top + 1 before the next honest block
        f = next;
    }
    let rest: f64 = (lo..=0)
        .map(|l| f[idx(l)] * tail_win(q, gamma, Some(give_up), l))
        .sum();
    (win + rest).min(1.0)
}
