//! The rented-hash attacker's exact law (`dslab::attack::rental::exact`) against references computed
//! independently of its block-by-block dynamic program: the closed form of
//! `dslab::analytic::exact` for long windows, a brute-force enumeration of the pre-mining
//! walk, the stationary law of that walk, the Catalan first-passage law, and a Monte Carlo
//! of the continuous-time process.

use dslab::analytic;
use dslab::attack::rental::exact::Rental;
use dslab::estimate::rng::batch_rng;
use dslab::params::{Convention, TieRule};
use rand::RngExt;
use rand_distr::{Distribution, Exp};
use statrs::function::gamma::ln_gamma;

const T: f64 = 600.0;

fn rental(q: f64, window: Option<f64>, pre: f64) -> Rental {
    Rental::new(q, T, window, pre).expect("valid rental")
}

fn first_seen(k: u32) -> Convention {
    Convention {
        premined: k,
        tie: TieRule::FirstSeen,
    }
}

fn rel_close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs()
}

#[test]
fn unlimited_rental_without_premining_is_the_closed_form() {
    for q in [0.1, 0.25, 0.4] {
        let got = rental(q, None, 0.0).success_all(10);
        for (z, &g) in got.iter().enumerate() {
            let want = analytic::exact(q, z as u32, Convention::DEFAULT).value;
            assert!(rel_close(g, want, 1e-12), "q {q} z {z}: {g} vs {want}");
        }
    }
    for z in 0..5 {
        assert_eq!(rental(0.5, None, 0.0).success(z), 1.0);
        assert_eq!(rental(0.7, None, 1200.0).success(z), 1.0);
    }
}

#[test]
fn a_long_window_converges_to_the_closed_form() {
    // The block-by-block program at W/T = 20000 against the closed form: the chance of a
    // first success after 20000 blocks is below (4pq)^10000 ≈ e^-100 for q ≤ 0.45, so the
    // two agree to rounding. 1e-11 relative: ~10⁴ Poisson-weighted sums of f64 terms.
    for q in [0.1, 0.25, 0.4, 0.45] {
        let got = rental(q, Some(20000.0 * T), 0.0).success_all(10);
        for (z, &g) in got.iter().enumerate() {
            let want = analytic::exact(q, z as u32, Convention::DEFAULT).value;
            assert!(rel_close(g, want, 1e-11), "q {q} z {z}: {g} vs {want}");
        }
    }
}

/// Law of the reflected pre-mining walk after n blocks from 0 by enumerating all 2^n
/// sequences of attacker/honest blocks.
fn brute_force_walk(q: f64, n: u32) -> Vec<f64> {
    let mut law = vec![0.0; n as usize + 1];
    for bits in 0u32..(1 << n) {
        let (mut lead, mut pr) = (0usize, 1.0);
        for i in 0..n {
            if bits >> i & 1 == 1 {
                lead += 1;
                pr *= q;
            } else {
                lead = lead.saturating_sub(1);
                pr *= 1.0 - q;
            }
        }
        law[lead] += pr;
    }
    law
}

#[test]
fn head_start_matches_brute_force_enumeration_for_short_premining() {
    // P/T = 0.5: Poisson mass beyond 18 blocks is 0.5^19/19! ≈ 2e-23, so enumerating up to
    // 18 blocks gives the law to 1e-22; compared to 1e-14 absolute (rounding of both sums).
    let lambda: f64 = 0.5;
    for q in [0.2, 0.45, 0.7] {
        let mut want = [0.0; 19];
        for n in 0..=18u32 {
            let w = (-lambda + f64::from(n) * lambda.ln() - ln_gamma(f64::from(n) + 1.0)).exp();
            for (k, pk) in brute_force_walk(q, n).into_iter().enumerate() {
                want[k] += w * pk;
            }
        }
        let got = rental(q, None, lambda * T).head_start_pmf();
        for (k, &w) in want.iter().enumerate() {
            let g = got.get(k).copied().unwrap_or(0.0);
            assert!((g - w).abs() < 1e-14, "q {q} k {k}: {g} vs {w}");
        }
        // The hand series P(L = 0) = e^-λ (1 + pλ + pλ²/2 + p²(1+q)λ³/6 + O(λ⁴)) at λ = 0.01
        // (the O(λ⁴) term is below λ⁴/24 ≈ 4.2e-10).
        let l: f64 = 0.01;
        let p = 1.0 - q;
        let series =
            (-l).exp() * (1.0 + p * l + p * l * l / 2.0 + p * p * (1.0 + q) * l.powi(3) / 6.0);
        let got0 = rental(q, None, l * T).head_start_pmf()[0];
        assert!((got0 - series).abs() < 5e-10, "q {q}: {got0} vs {series}");
    }
}

#[test]
fn long_premining_reaches_the_stationary_geometric_law() {
    // The reflected walk mixes at rate 1 − 2√(pq) per block: at P/T = 200 for q ≤ 0.2 and
    // P/T = 600 for q = 0.3 the distance to π(k) = (1 − q/p)(q/p)^k is below e^-40, far
    // under the 1e-9 tolerance.
    for (q, blocks) in [(0.1, 200.0), (0.2, 200.0), (0.3, 600.0)] {
        let r = q / (1.0 - q);
        let got = rental(q, None, blocks * T).head_start_pmf();
        for k in 0..30 {
            let want = (1.0 - r) * r.powi(k as i32);
            let g = got.get(k).copied().unwrap_or(0.0);
            assert!((g - want).abs() < 1e-9, "q {q} k {k}: {g} vs {want}");
        }
    }
}

#[test]
fn premining_averages_the_closed_form_over_the_head_start() {
    // Unlimited rental: Σ_k P(k) exact(q, z, k), with P(k) from the stationary law at a long
    // pre-mining time (an independent law, see the test above; it agrees to 1e-17 there).
    // A long finite window must give the same (first success after 20000 blocks < e^-100).
    for q in [0.2, 0.3] {
        let r = q / (1.0 - q);
        let pre = 1000.0 * T;
        let unlimited = rental(q, None, pre).success_all(8);
        let windowed = rental(q, Some(pre + 20000.0 * T), pre).success_all(8);
        for z in 0..=8u32 {
            let want: f64 = (0..400u32)
                .map(|k| (1.0 - r) * r.powi(k as i32) * analytic::exact(q, z, first_seen(k)).value)
                .sum();
            let (u, w) = (unlimited[z as usize], windowed[z as usize]);
            // 1e-11 relative: rounding of ~10⁴ weighted terms.
            assert!(
                rel_close(u, want, 1e-11),
                "q {q} z {z}: unlimited {u} vs {want}"
            );
            assert!(
                rel_close(w, want, 1e-11),
                "q {q} z {z}: windowed {w} vs {want}"
            );
        }
    }
}

/// P(N ≥ n) for N ~ Poisson(λ) by direct summation of ln Γ-based terms.
fn poisson_at_least(lambda: f64, n: u64) -> f64 {
    (n..n + 3000)
        .map(|j| (-lambda + j as f64 * lambda.ln() - ln_gamma(j as f64 + 1.0)).exp())
        .sum()
}

#[test]
fn zero_confirmations_follow_the_catalan_first_passage_law() {
    // z = 0, no pre-mining: the walk from 0 first reaches +1 at block 2m + 1 with probability
    // C_m q^(m+1) p^m, so P_W = Σ_m C_m q^(m+1) p^m P(N ≥ 2m + 1), N ~ Poisson(W/T).
    for q in [0.1, 0.3, 0.45, 0.6] {
        for blocks in [0.5, 6.0, 60.0] {
            let p = 1.0 - q;
            // term = C_m q^(m+1) p^m, by C_{m+1} = C_m · 2(2m + 1)/(m + 2) (C_m alone
            // overflows past m ≈ 510).
            let (mut want, mut term) = (0.0, q);
            for m in 0..700u64 {
                want += term * poisson_at_least(blocks, 2 * m + 1);
                term *= 2.0 * (2.0 * m as f64 + 1.0) / (m as f64 + 2.0) * q * p;
            }
            let got = rental(q, Some(blocks * T), 0.0).success(0);
            // 1e-12 relative: ln Γ-based Poisson terms carry ~1e-13.
            assert!(
                rel_close(got, want, 1e-12),
                "q {q} W/T {blocks}: {got} vs {want}"
            );
        }
    }
}

/// One Monte Carlo trial of the continuous-time process: (success, rented seconds).
fn trial(q: f64, z: u32, w: f64, pre: f64, rng: &mut dslab::estimate::rng::SimRng) -> (bool, f64) {
    let exp = Exp::new(1.0 / T).expect("positive rate");
    let post = w - pre;
    let mut clock = -pre;
    let mut lead: i64 = 0;
    // Pre-mining: a lead reflected at 0, until the first block after the broadcast.
    loop {
        clock += exp.sample(rng);
        if clock > 0.0 {
            break;
        }
        if rng.random::<f64>() < q {
            lead += 1;
        } else {
            lead = (lead - 1).max(0);
        }
    }
    let mut honest = 0u32;
    if z == 0 && lead >= 1 {
        return (true, pre);
    }
    while clock <= post {
        if rng.random::<f64>() < q {
            lead += 1;
        } else {
            lead -= 1;
            honest += 1;
        }
        if honest >= z && lead >= 1 {
            return (true, pre + clock);
        }
        clock += exp.sample(rng);
    }
    (false, w)
}

#[test]
fn finite_windows_agree_with_a_monte_carlo_of_the_continuous_process() {
    // 2e5 trials per point; success and mean rented time within 4.5 standard errors (a
    // false alarm about once in 150 000 comparisons).
    let points = [
        (0.3, 2, 3600.0, 0.0),
        (0.3, 3, 7200.0, 1800.0),
        (0.45, 6, 36000.0, 3600.0),
        (0.2, 0, 1800.0, 1200.0),
    ];
    let trials = 200_000u64;
    for (cell, &(q, z, w, pre)) in points.iter().enumerate() {
        let (mut wins, mut sum, mut sum2) = (0u64, 0.0, 0.0);
        for b in 0..trials / 1000 {
            let mut rng = batch_rng(2024, cell as u64, b);
            for _ in 0..1000 {
                let (won, rent) = trial(q, z, w, pre, &mut rng);
                wins += u64::from(won);
                sum += rent;
                sum2 += rent * rent;
            }
        }
        let n = trials as f64;
        let phat = wins as f64 / n;
        let mean = sum / n;
        let sd_mean = ((sum2 / n - mean * mean) / n).sqrt();
        let o = rental(q, Some(w), pre).outcome(z);
        let se = (o.success * (1.0 - o.success) / n).sqrt();
        assert!(
            (phat - o.success).abs() <= 4.5 * se,
            "q {q} z {z} W {w} P {pre}: MC {phat} vs exact {} (se {se})",
            o.success
        );
        assert!(
            (mean - o.expected_rented_seconds).abs() <= 4.5 * sd_mean,
            "q {q} z {z} W {w} P {pre}: MC rent {mean} vs exact {} (se {sd_mean})",
            o.expected_rented_seconds
        );
        let blocks = q * o.expected_rented_seconds / T;
        assert!(rel_close(o.expected_attacker_blocks, blocks, 1e-15));
    }
}

#[test]
fn success_is_monotone_in_window_premining_and_confirmations() {
    // Longer window (same P): more time to succeed. More pre-mining with the same time after
    // the broadcast: a stochastically larger head start. More confirmations: the success time
    // for z + 1 is never earlier than for z. Strict where the change is material.
    for q in [0.1, 0.3, 0.45] {
        for z in 0..6 {
            let by_window: Vec<f64> = [1800.0, 3600.0, 7200.0, 36000.0]
                .iter()
                .map(|&w| rental(q, Some(w), 600.0).success(z))
                .collect();
            assert!(
                by_window.windows(2).all(|s| s[0] < s[1]),
                "W: {by_window:?}"
            );
            let by_premine: Vec<f64> = [0.0, 600.0, 3600.0, 36000.0]
                .iter()
                .map(|&pre| rental(q, Some(pre + 7200.0), pre).success(z))
                .collect();
            assert!(
                by_premine.windows(2).all(|s| s[0] < s[1]),
                "P: {by_premine:?}"
            );
        }
        let by_z = rental(q, Some(7200.0), 1200.0).success_all(10);
        assert!(by_z.windows(2).all(|s| s[0] > s[1]), "z: {by_z:?}");
        let rent: Vec<f64> = [1800.0, 3600.0, 7200.0]
            .iter()
            .map(|&w| rental(q, Some(w), 600.0).expected_rented_seconds(3))
            .collect();
        assert!(rent.windows(2).all(|s| s[0] < s[1]), "rent: {rent:?}");
    }
}

#[test]
fn majority_rental_time_converges_to_the_unlimited_closed_form() {
    // q > 1/2, unlimited: E[blocks] = z/p + E[(z + 1 − k − M)^+]/(q − p). A finite window
    // of 20000 blocks misses success with probability < e^-100 here, so the program's
    // expected rent must match to 1e-10 relative (rounding of ~10⁴ terms).
    for q in [0.55, 0.7] {
        for pre in [0.0, 1800.0] {
            let unlimited = rental(q, None, pre).outcomes(6);
            let windowed = rental(q, Some(pre + 20000.0 * T), pre).outcomes(6);
            for (u, w) in unlimited.iter().zip(&windowed) {
                assert!(
                    rel_close(w.expected_rented_seconds, u.expected_rented_seconds, 1e-10),
                    "{u:?} vs {w:?}"
                );
                assert!(rel_close(w.success, 1.0, 1e-13), "{w:?}");
            }
        }
    }
    // q < 1/2 unlimited: the attacker fails with positive probability and rents forever.
    assert!(
        rental(0.3, None, 0.0)
            .expected_rented_seconds(2)
            .is_infinite()
    );
    assert!(
        rental(0.5, None, 0.0)
            .expected_rented_seconds(2)
            .is_infinite()
    );
}
