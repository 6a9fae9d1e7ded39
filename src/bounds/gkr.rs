//! The consistency threshold of Gaži, Kiayias and Russell (CCS 2020, "Tight consistency
//! bounds for Bitcoin"): in the Δ-bounded-delay model, with honest mining rate λ_h and
//! adversarial rate λ_a (blocks per second), the longest-chain rule is consistent iff
//!
//! ```text
//! λ_a < 1 / (Δ + 1/λ_h).
//! ```
//!
//! Above it the adversary (delaying every honest block by Δ) grows a chain faster than the
//! slowest honest chain growth, and no confirmation depth is safe. In shares of the total
//! rate 1/T (λ_a = q/T, λ_h = (1 − q)/T) the threshold is the root in (0, ½] of
//! Δ q² − (Δ + 2T) q + T = 0, written in [`max_share`] without cancellation.

/// The largest adversarial rate (blocks per second) against honest rate `honest_rate` and
/// delay bound `delta` (seconds) for which the chain stays consistent: 1/(Δ + 1/λ_h).
pub fn adversary_rate_limit(honest_rate: f64, delta: f64) -> f64 {
    if honest_rate <= 0.0 {
        return 0.0;
    }
    1.0 / (delta + 1.0 / honest_rate)
}

/// Whether an adversary with share `q` of the total hash rate is below the threshold, for
/// delay bound `delta` and mean block interval `block_interval` (both in seconds).
pub fn is_secure(q: f64, delta: f64, block_interval: f64) -> bool {
    let (a, h) = (q / block_interval, (1.0 - q) / block_interval);
    a < adversary_rate_limit(h, delta)
}

/// The threshold as a share of the total hash rate: secure iff q < `max_share`.
/// Equals ½ at Δ = 0 and falls as Δ/T grows (≈ ½ − Δ/(8T) for small Δ/T).
pub fn max_share(delta: f64, block_interval: f64) -> f64 {
    let (d, t) = (delta, block_interval);
    // Smaller root of Δq² − (Δ + 2T)q + T = 0, as 2c / (b + √(b² − 4ac)).
    2.0 * t / ((d + 2.0 * t) + (d * d + 4.0 * t * t).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_one_half_without_delay() {
        assert_eq!(max_share(0.0, 600.0), 0.5);
        assert!(is_secure(0.4999, 0.0, 600.0));
        assert!(!is_secure(0.5, 0.0, 600.0));
    }

    #[test]
    fn max_share_is_where_the_rate_condition_flips() {
        // The closed-form root against the rate inequality itself, on both sides.
        for &(d, t) in &[(10.0, 600.0), (2.0, 13.0), (600.0, 600.0), (1e4, 1.0)] {
            let q = max_share(d, t);
            assert!(q > 0.0 && q <= 0.5, "{q}");
            assert!(
                is_secure(q * (1.0 - 1e-9), d, t),
                "below {q} at Δ={d}, T={t}"
            );
            assert!(
                !is_secure(q * (1.0 + 1e-9), d, t),
                "above {q} at Δ={d}, T={t}"
            );
        }
    }

    #[test]
    fn bitcoin_threshold_value() {
        // Δ = 10 s, T = 600 s: the root of 10 q² − 1210 q + 600 = 0 by the textbook
        // formula (cancellation is harmless at this size): (1210 − √(1210² − 24000)) / 20.
        let textbook = (1210.0 - (1210.0f64 * 1210.0 - 24_000.0).sqrt()) / 20.0;
        assert!((max_share(10.0, 600.0) - textbook).abs() < 1e-12);
        assert!((max_share(10.0, 600.0) - 0.497_917).abs() < 1e-6);
    }
}
