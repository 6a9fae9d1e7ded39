//! The latency–security bounds of Guo and Ren ("Bitcoin's latency–security analysis made
//! simple", AFT 2022; arXiv 2203.06357), for a transaction confirmed k blocks deep, in
//! their notation: total mining rate λ = 1/T, honest fraction ρ = 1 − q, delay bound Δ.
//!
//! The analysis runs a "rigged" block race in which every honest block mined within Δ of
//! its predecessor counts as the adversary's, so a block is an honest one with
//! probability p = ρ e^{−λΔ}. With r = (1 − p)/p, Bin(n, 1 − p) the adversary's share of
//! n blocks, and the adversary's pre-mining lead geometric, P[lead = i − 1] = (1 − r) r^{i−1}
//! (Theorem 2 of arXiv v1, numbered as there):
//!
//! ```text
//! upper(k) = r^k + Σ_{i=1}^{k} (1 − r) r^{i−1} [ P(Bin(2k+1−i, 1−p) > k − i)
//!                  + Σ_{j=0}^{k−i} P(Bin(2k+1−i, 1−p) = j) · r^{2k+1−2i−2j} ]
//! lower(k) = the same with p = ρ (no delay) and r^{2k+2−2i−2j} in the last factor.
//! ```
//!
//! The inner sum has a closed form (the binomial weights times r^{−2j} are again a
//! binomial law): Σ_{j≤m} P(Bin(n, 1−p) = j) r^{c−2j} = r^{c−n} P(Bin(n, p) ≤ m), and
//! P(Bin(2k+1−i, p) ≤ k − i) = P(Bin(2k+1−i, 1−p) ≥ k + 1), so with B_i ~ Bin(2k+1−i, 1−p)
//!
//! ```text
//! upper(k) = r^k + (1 − r) Σ_{i=1}^{k} [ r^{i−1} P(B_i ≥ k−i+1) + r^{−1} P(B_i ≥ k+1) ]
//! lower(k) = r^k + (1 − r) Σ_{i=1}^{k} [ r^{i−1} P(B_i ≥ k−i+1) +        P(B_i ≥ k+1) ]
//! ```
//!
//! which is what is evaluated here: O(k) binomial tails, each summed in log space from
//! its boundary until negligible, all terms positive (no cancellation). The unit tests
//! check it against the double sum as written in the theorem.
//!
//! The theorem needs p > ½ (the honest "laggers" outpace the rigged adversary); where
//! that fails the functions return `None`.

use statrs::function::gamma::ln_gamma;

use crate::analytic::LogSum;

/// Probability that a block of the rigged race is an honest one: p = (1 − q) e^{−Δ/T}.
pub fn lagger_share(q: f64, delta: f64, block_interval: f64) -> f64 {
    (1.0 - q) * (-delta / block_interval).exp()
}

/// Theorem 2 upper bound on P(safety violation) at depth `k` for adversary share `q`,
/// delay bound `delta` and mean block interval `block_interval` (seconds). `None` when
/// k = 0 or p = (1 − q)e^{−Δ/T} ≤ ½.
pub fn upper(q: f64, k: u32, delta: f64, block_interval: f64) -> Option<f64> {
    upper_ln(q, k, delta, block_interval).map(|l| l.exp().min(1.0))
}

/// Natural logarithm of [`upper`], finite where the value underflows f64.
pub fn upper_ln(q: f64, k: u32, delta: f64, block_interval: f64) -> Option<f64> {
    race_bound(lagger_share(q, delta, block_interval), k, Side::Upper)
}

/// Theorem 2 lower bound on P(safety violation) at depth `k` (independent of Δ: the
/// private attack it evaluates does not use the delay). `None` when k = 0 or q ≥ ½.
pub fn lower(q: f64, k: u32) -> Option<f64> {
    lower_ln(q, k).map(|l| l.exp().min(1.0))
}

/// Natural logarithm of [`lower`], finite where the value underflows f64.
pub fn lower_ln(q: f64, k: u32) -> Option<f64> {
    race_bound(1.0 - q, k, Side::Lower)
}

#[derive(Clone, Copy)]
enum Side {
    Upper,
    Lower,
}

/// ln of the Theorem 2 expression for honest-block probability `p` (reduced form, see
/// the module documentation).
fn race_bound(p: f64, k: u32, side: Side) -> Option<f64> {
    if !(p > 0.5 && p <= 1.0) || k == 0 {
        return None;
    }
    let s = 1.0 - p;
    if s == 0.0 {
        return Some(f64::NEG_INFINITY); // no adversarial block can ever be mined
    }
    let ln_r = (s / p).ln();
    let ln_1mr = (-(s / p)).ln_1p();
    let extra = match side {
        Side::Upper => -ln_r,
        Side::Lower => 0.0,
    };
    let k64 = u64::from(k);
    let mut acc = LogSum::default();
    acc.add(k64 as f64 * ln_r);
    for i in 1..=k64 {
        let n = 2 * k64 + 1 - i;
        acc.add(ln_1mr + (i - 1) as f64 * ln_r + ln_binom_sf(n, s, k64 - i + 1));
        acc.add(ln_1mr + extra + ln_binom_sf(n, s, k64 + 1));
    }
    Some(acc.ln().min(0.0))
}

/// ln P(Bin(n, s) ≥ m) for 0 < s < ½.
///
/// Above the mean the tail is summed upward from m (terms fall); at or below it, the
/// complement P(Bin ≤ m − 1) is summed downward from m − 1 (terms fall there too). Each
/// sum runs in linear scale relative to its first term, which stays cheap for n ~ 10⁵,
/// and stops when a term is below e^−40 of the running sum.
fn ln_binom_sf(n: u64, s: f64, m: u64) -> f64 {
    if m == 0 {
        return 0.0;
    }
    if m > n {
        return f64::NEG_INFINITY;
    }
    let odds = s / (1.0 - s);
    let nf = n as f64;
    if m as f64 > nf * s {
        let (mut t, mut sum) = (1.0f64, 1.0f64);
        for j in m..n {
            t *= (nf - j as f64) / (j as f64 + 1.0) * odds;
            sum += t;
            if t < sum * 4e-18 {
                break;
            }
        }
        ln_binom_pmf(n, s, m) + sum.ln()
    } else {
        let top = m - 1;
        let (mut t, mut sum) = (1.0f64, 1.0f64);
        for j in (1..=top).rev() {
            t *= j as f64 / (nf - j as f64 + 1.0) / odds;
            sum += t;
            if t < sum * 4e-18 {
                break;
            }
        }
        let ln_cdf = ln_binom_pmf(n, s, top) + sum.ln();
        (-ln_cdf.exp()).ln_1p()
    }
}

/// ln P(Bin(n, s) = j).
fn ln_binom_pmf(n: u64, s: f64, j: u64) -> f64 {
    let (nf, jf) = (n as f64, j as f64);
    ln_gamma(nf + 1.0) - ln_gamma(jf + 1.0) - ln_gamma(nf - jf + 1.0)
        + jf * s.ln()
        + (nf - jf) * (-s).ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The theorem's double sum exactly as printed (binomial pmfs by exact integer
    /// binomial coefficients), for small k: an independent path to the reduced form.
    fn as_printed(p: f64, k: u64, offset: u64) -> f64 {
        let s = 1.0 - p;
        let r = s / p;
        let choose = |n: u64, j: u64| -> f64 {
            (0..j).fold(1.0, |c, t| c * (n - t) as f64 / (t + 1) as f64)
        };
        let pmf = |j: u64, n: u64| choose(n, j) * s.powi(j as i32) * p.powi((n - j) as i32);
        let f1 = |d: u64| r.powi(d as i32);
        let mut total = f1(k);
        for i in 1..=k {
            let n = 2 * k + 1 - i;
            let f2: f64 = (k - i + 1..=n).map(|l| pmf(l, n)).sum();
            let inner: f64 = (0..=k - i)
                .map(|j| pmf(j, n) * f1(2 * k + offset - 2 * i - 2 * j))
                .sum();
            total += (1.0 - r) * r.powi((i - 1) as i32) * (f2 + inner);
        }
        total
    }

    #[test]
    fn reduced_form_equals_the_printed_double_sum() {
        for &p in &[0.55, 0.7, 0.885, 0.9, 0.99] {
            for k in 1..=25u32 {
                let got_u = race_bound(p, k, Side::Upper).unwrap().exp();
                let got_l = race_bound(p, k, Side::Lower).unwrap().exp();
                let want_u = as_printed(p, u64::from(k), 1);
                let want_l = as_printed(p, u64::from(k), 2);
                // Rounding of two different summation orders (≤ 50 terms of 1e-16 each).
                assert!(
                    (got_u / want_u - 1.0).abs() < 1e-11,
                    "upper p={p} k={k}: {got_u} vs {want_u}"
                );
                assert!(
                    (got_l / want_l - 1.0).abs() < 1e-11,
                    "lower p={p} k={k}: {got_l} vs {want_l}"
                );
            }
        }
    }

    #[test]
    fn binomial_tail_matches_direct_sums() {
        // Reference: pmfs by the multiplicative recurrence from (1 − s)^n, no ln_gamma.
        for &(n, s) in &[(1u64, 0.3f64), (13, 0.1), (40, 0.45), (201, 0.25)] {
            let mut pmf = vec![(1.0 - s).powi(n as i32)];
            for j in 0..n {
                let next = pmf[j as usize] * (n - j) as f64 / (j + 1) as f64 * s / (1.0 - s);
                pmf.push(next);
            }
            for m in 0..=n + 1 {
                let direct: f64 = pmf.iter().skip(m as usize).sum();
                let got = ln_binom_sf(n, s, m).exp();
                // ln_gamma of arguments up to 202 is exact to a few 1e-16 relative; the
                // recurrence adds ≤ n roundings: 1e-12 relative covers both.
                assert!(
                    (got - direct).abs() <= 1e-12 * direct,
                    "n={n} s={s} m={m}: {got} vs {direct}"
                );
            }
        }
    }

    #[test]
    fn bounds_are_ordered_and_fall_with_depth() {
        for &q in &[0.05, 0.1, 0.2, 0.3, 0.4] {
            for &delta in &[0.0, 10.0, 60.0] {
                let mut prev = (f64::INFINITY, f64::INFINITY);
                for k in 1..=200 {
                    let (l, u) = (lower(q, k).unwrap(), upper(q, k, delta, 600.0).unwrap());
                    assert!(l <= u * (1.0 + 1e-12), "q={q} Δ={delta} k={k}: {l} > {u}");
                    assert!(
                        l <= prev.0 && u <= prev.1,
                        "not decreasing at q={q} Δ={delta} k={k}"
                    );
                    prev = (l, u);
                }
            }
        }
    }

    #[test]
    fn large_depths_stay_finite_and_positive() {
        // Near the threshold the bounds fall slowly; the sums must neither overflow nor
        // lose the value to underflow of intermediate terms.
        let u = upper(0.45, 20_000, 10.0, 600.0).unwrap();
        let l = lower(0.45, 20_000).unwrap();
        assert!(u.is_finite() && l > 0.0 && l <= u, "{l} {u}");
        // Far below f64's range the logarithm stays finite and ordered.
        let (lu, ll) = (
            upper_ln(0.45, 100_000, 10.0, 600.0).unwrap(),
            lower_ln(0.45, 100_000).unwrap(),
        );
        assert!(ll.is_finite() && ll < lu && lu < 0.0, "{ll} {lu}");
        // ln of a bound falls about linearly in k (exponential decay): twice the depth,
        // about twice the logarithm (within 1 %, the polynomial prefactor).
        let l50 = lower_ln(0.45, 50_000).unwrap();
        assert!((ll / l50 - 2.0).abs() < 0.02, "{ll} {l50}");
    }

    #[test]
    fn undefined_where_laggers_lose() {
        assert!(upper(0.49, 6, 60.0, 600.0).is_none()); // 0.51 e^{-0.1} < ½
        assert!(lower(0.5, 6).is_none());
        assert!(upper(0.1, 0, 10.0, 600.0).is_none());
    }
}
