//! The balancing attack of the Δ-bounded model (`dslab simulate --attack balancing`): at
//! Δ = 0 against an exact dynamic programme of the same rules written here (a discrete
//! Markov chain of the jump events, no time and no simulation), against the zero-latency
//! private attack it cannot beat there, for large Δ against its limit (success → 1), and
//! monotone in Δ where the differences are resolved.

use std::collections::HashMap;

use dslab::analytic;
use dslab::params::{Convention, TieRule};

use crate::util::{dslab, proportion_se as se, simulate_attack};

/// (z, probability, trials) of `--attack balancing` at share `q`, z = 1..=`z_max`, seed 17.
fn rows(q: &str, z_max: u32, trials: &str, extra: &[&str]) -> Vec<(u32, f64, f64)> {
    let z = format!("1..{z_max}");
    let args = [&["--q", q, "--z", &z, "--trials", trials][..], extra].concat();
    simulate_attack("balancing", "17", &args)
        .into_iter()
        .map(|e| (e.z, e.p, e.trials))
        .collect()
}

/// The attack at Δ = 0 as a discrete chain. Every delivery is instantaneous, so between
/// events the split state has x = y and is (x, r_X, r_Y) (the adversary's reserves on
/// each side); after a collapse onto X it is the zero-latency private race (x, a_Y).
/// Each event is the adversary's (probability q), group A's or group B's ((1 − q)/2 each).
struct ZeroDelay {
    q: f64,
    z: u64,
    ties: bool,
    split: HashMap<(u64, u64, u64), f64>,
    race: HashMap<(u64, u64), f64>,
}

/// Reserve total beyond which further adversary blocks are ignored (their probability
/// q^60 is below 1e-31 at q = 0.3).
const CAP: u64 = 60;

impl ZeroDelay {
    fn new(q: f64, z: u32, ties: bool) -> Self {
        ZeroDelay {
            q,
            z: u64::from(z),
            ties,
            split: HashMap::new(),
            race: HashMap::new(),
        }
    }

    fn wins(&self, a: u64, x: u64) -> bool {
        x >= self.z && (a > x || (self.ties && a == x))
    }

    /// Everyone on X, honest height x, adversary's Y branch a.
    fn race(&mut self, x: u64, a: u64) -> f64 {
        let rho = self.q / (1.0 - self.q);
        if self.wins(a, x) {
            return 1.0;
        }
        if x >= self.z {
            // Gambler's ruin: from a − x = −d up to +1 (ties: to 0), ρ per step.
            let steps = x - a + u64::from(!self.ties);
            return rho.powi(steps as i32);
        }
        // a never falls and x reaches z: a branch already past z wins at acceptance.
        if self.wins(a, self.z) {
            return 1.0;
        }
        if let Some(&v) = self.race.get(&(x, a)) {
            return v;
        }
        let v = (1.0 - self.q) * self.race(x + 1, a) + self.q * self.race(x, a + 1);
        self.race.insert((x, a), v);
        v
    }

    /// Split, x = y, reserves rx = a_X − x and ry = a_Y − y.
    fn split(&mut self, x: u64, rx: u64, ry: u64) -> f64 {
        if self.wins(x + ry, x) {
            return 1.0;
        }
        if let Some(&v) = self.split.get(&(x, rx, ry)) {
            return v;
        }
        // A: x + 1; B sees it and is held by one Y block, or switches to X.
        let a = if ry >= 1 {
            self.split(x + 1, rx.saturating_sub(1), ry - 1)
        } else {
            self.race(x + 1, x)
        };
        // B: y + 1 beats X; after acceptance that is the reversal, before it A is held by
        // one X block or switches to Y (the merchant never accepts).
        let b = if x >= self.z {
            1.0
        } else if rx >= 1 {
            self.split(x + 1, rx - 1, ry.saturating_sub(1))
        } else {
            0.0
        };
        let honest = 0.5 * a + 0.5 * b;
        let v = if rx + ry < CAP {
            // The adversary's block goes to the smaller reserve, Y on a tie.
            let adv = if rx < ry {
                self.split(x, rx + 1, ry)
            } else {
                self.split(x, rx, ry + 1)
            };
            self.q * adv + (1.0 - self.q) * honest
        } else {
            honest
        };
        self.split.insert((x, rx, ry), v);
        v
    }
}

fn zero_delay(q: f64, z: u32, premined: u32, ties: bool) -> f64 {
    ZeroDelay::new(q, z, ties).split(0, 0, u64::from(premined))
}

#[test]
fn zero_delay_matches_the_exact_chain() {
    let cases: [(&[&str], u32, bool); 3] = [
        (&[], 0, false),
        (&["--premined", "2"], 2, false),
        (&["--tie", "adversary"], 0, true),
    ];
    for (extra, k, ties) in cases {
        for q in [0.1, 0.3] {
            let mut args = vec!["--delta", "0"];
            args.extend_from_slice(extra);
            let got = rows(&q.to_string(), 5, "200000", &args);
            assert_eq!(got.len(), 5);
            for (z, p, n) in got {
                let want = zero_delay(q, z, k, ties);
                // 4.5 standard errors at the reference (1 in 150 000 per cell).
                assert!(
                    (p - want).abs() <= 4.5 * se(want, n),
                    "q={q} z={z} k={k} ties={ties}: simulated {p} vs chain {want}"
                );
            }
        }
    }
}

#[test]
fn zero_delay_chain_is_right_where_it_can_be_done_by_hand() {
    // z = 1, first-seen, q = 0.1 (ρ = q/(1 − q) = 1/9). After acceptance with no Y
    // reserve: W = q + (1 − q)/2 + (1 − q)/2 · ρ² (an adversary block or a B block
    // reverses; an A block collapses the split onto X one block behind, and the private
    // race must then gain two blocks), whatever the X reserve; with a Y reserve it is won.
    let (q, rho) = (0.1_f64, 1.0 / 9.0);
    let w = q + 0.45 + 0.45 * rho * rho;
    let mut c = ZeroDelay::new(q, 1, false);
    assert!((c.split(1, 0, 0) - w).abs() < 1e-15);
    assert!((c.split(1, 3, 0) - w).abs() < 1e-15);
    assert_eq!(c.split(1, 0, 1), 1.0);
}

#[test]
fn at_zero_delay_it_does_not_beat_the_private_attack() {
    // Dembo et al. (2020): the private attack is the worst attack on longest-chain PoW, for
    // an adversary that also decides ties by the order of delivery, as this one does when
    // it holds B on its branch. So at Δ = 0 the balancing attack (no head start) must stay
    // below the zero-latency private attack with ties won (γ = 1, closed form). (It can
    // beat the first-seen private attack: half of the honest miners mine on its branch
    // while the split lasts; q = 0.1, z = 1: 0.0366 against 0.0311.)
    for q in [0.1, 0.2, 0.3, 0.4] {
        let got = rows(&q.to_string(), 6, "100000", &["--delta", "0"]);
        for (z, p, n) in got {
            let private = analytic::exact(
                q,
                z,
                Convention {
                    premined: 0,
                    tie: TieRule::Gamma(1.0),
                },
            )
            .value;
            // The estimate less 4 standard errors must not exceed the private attack.
            assert!(
                p - 4.0 * se(p, n) <= private,
                "q={q} z={z}: balancing {p} above the private attack {private}"
            );
            assert!(zero_delay(q, z, 0, false) <= private, "q={q} z={z}");
        }
    }
}

#[test]
fn with_delta_far_above_the_block_interval_it_almost_always_wins() {
    // Δ = 6·10⁴ s (100 T, the largest bound accepted): the groups almost never see each
    // other within a trial, so X grows by A's blocks alone (rate (1 − q)/2T) and the
    // adversary's Y branch by B's and half of the adversary's: a_Y − x drifts upwards and
    // exceeds 0 with probability → 1 as Δ → ∞. At 100 T a long trial can still see the other
    // group (measured: 0.976 at q = 0.1, z = 1, the lowest cell); 0.95 leaves room for that
    // and for the event cap, and is far above the Δ = T value (0.41 at q = 0.3, z = 1).
    for (z, p, _) in rows("0.1,0.3", 6, "5000", &["--delta", "60000"]) {
        assert!(p > 0.95, "z={z}: {p}");
    }
}

#[test]
fn success_grows_with_delta() {
    // Δ = 0, T, 5T: each step must raise every z's estimate by more than 4 standard
    // errors of both (same seed, same trials). (Between Δ = 10 s and 60 s at z = 6 the
    // differences are within the noise; no claim is made there.)
    for q in ["0.1", "0.3"] {
        let by_delta: Vec<_> = ["0", "600", "3000"]
            .iter()
            .map(|d| rows(q, 3, "100000", &["--delta", d]))
            .collect();
        for pair in by_delta.windows(2) {
            for ((z, lo, n), (_, hi, _)) in pair[0].iter().zip(&pair[1]) {
                assert!(
                    hi - 4.0 * se(*hi, *n) > lo + 4.0 * se(*lo, *n),
                    "q={q} z={z}: {hi} not above {lo}"
                );
            }
        }
    }
}

#[test]
fn bad_balancing_delta_names_the_flag() {
    for bad in ["-1", "inf"] {
        let out = dslab()
            .args(["simulate", "--attack", "balancing", "--delta", bad])
            .output()
            .expect("dslab runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("--delta"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A bound beyond 100 block intervals is refused up front (such a run never ended),
    // for both Δ-model attacks, against the block interval given.
    for attack in ["balancing", "delay-private"] {
        let out = dslab()
            .args(["simulate", "--attack", attack, "--delta", "1e300"])
            .args(["--block-interval", "60"])
            .output()
            .expect("dslab runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("--delta '") && err.contains("at most 100 block intervals (6000 s)"),
            "{err}"
        );
    }
}

#[test]
fn the_auto_guide_is_the_exact_zero_delay_chain() {
    // `--method auto`'s guide (`attack::balancing::zero_delay`, solved layer by layer)
    // against the recursive chain above: two evaluations of the same rules. Their reserve
    // caps differ (40 + k against 60 blocks); the mass beyond them is below q^40 ≈ 1e-21
    // relative at q = 0.3, so 1e-12 relative leaves room for rounding only.
    for q in [0.1, 0.3, 0.45] {
        for z in [1, 2, 5, 12] {
            for (k, ties) in [(0, false), (2, false), (0, true)] {
                let got = dslab::attack::balancing::zero_delay(q, z, k, ties).expect("k ≤ 200");
                let want = zero_delay(q, z, k, ties);
                assert!(
                    (got - want).abs() <= 1e-12 * want,
                    "q={q} z={z} k={k} ties={ties}: {got} vs {want}"
                );
            }
        }
    }
}

/// `--attack balancing` rows (z, p, trials, standard error) with `extra` flags.
fn estimates(seed: &str, extra: &[&str]) -> Vec<crate::util::Estimate> {
    simulate_attack("balancing", seed, extra)
}

#[test]
fn importance_sampling_agrees_with_plain_monte_carlo() {
    // q = 0.2, z = 1..3 (P ≈ 0.004–0.08, where plain Monte Carlo is precise): the tilted
    // estimate (weights ln(q/q') per adversary block, ln(p/p') per honest block, tail
    // switch at acceptance) must agree with the plain one, for Δ = 10 s and for Δ = 120 s
    // (many A and B blocks within Δ of each other: the unbounded part of the weights), with
    // a head start and with ties won.
    for extra in [
        &["--delta", "10"][..],
        &["--delta", "120"][..],
        &["--delta", "10", "--premined", "1"][..],
        &["--delta", "10", "--tie", "adversary"][..],
    ] {
        let common = [&["--q", "0.2", "--z", "1..3"][..], extra].concat();
        let mc = estimates(
            "17",
            &[&common[..], &["--method", "mc", "--trials", "400000"]].concat(),
        );
        let is = estimates(
            "18",
            &[&common[..], &["--method", "is", "--trials", "100000"]].concat(),
        );
        assert_eq!(mc.len(), 3);
        for (m, i) in mc.iter().zip(&is) {
            // 4 combined standard errors of two independent estimates.
            let tol = 4.0 * (m.se * m.se + i.se * i.se).sqrt();
            assert!(
                (m.p - i.p).abs() <= tol && i.p > 0.0,
                "{extra:?} z={}: mc {} ± {} vs is {} ± {}",
                m.z,
                m.p,
                m.se,
                i.p,
                i.se
            );
        }
    }
}

#[test]
fn importance_sampling_reaches_tiny_probabilities_at_zero_delay() {
    // At Δ = 0 the recursive chain above is an exact, independent reference; z = 12 and
    // 20 at q = 0.1 are far below what plain Monte Carlo reaches. Tolerance: 4 standard
    // errors of the estimate, which must itself be within 20 % (the estimate is useful).
    for (extra, k, ties) in [
        (&[][..], 0, false),
        (&["--premined", "2"][..], 2, false),
        (&["--tie", "adversary"][..], 0, true),
    ] {
        let args = [
            &[
                "--q", "0.1", "--z", "12,20", "--delta", "0", "--method", "is", "--trials", "40000",
            ][..],
            extra,
        ]
        .concat();
        for e in estimates("5", &args) {
            let want = zero_delay(0.1, e.z, k, ties);
            assert!(want < 1e-6, "z={}: reference {want} is not small", e.z);
            assert!(
                (e.p - want).abs() <= 4.0 * e.se && e.se < 0.2 * want,
                "z={} k={k} ties={ties}: IS {} ± {} vs chain {want}",
                e.z,
                e.p,
                e.se
            );
        }
    }
}

#[test]
fn importance_sampling_intervals_are_calibrated() {
    // Over 20 seeds the z-scores (estimate − reference)/(its standard error) must look
    // standard normal: mean within 4/√20 of 0, standard deviation within [0.6, 1.45]
    // (the sample sd of 20 normals has sd ≈ 0.16: about ±2.8 of it). At Δ = 0 the
    // reference is the exact chain; at Δ = 10 s (the setting) it is one run of 20
    // times the trials on another seed, whose own error adds 1/20 to each z-score's
    // variance (inside the band). At Δ > 0 the weights are heavy-tailed (a balanced split
    // without an adversary block multiplies the weight by (1 − q)/(1 − q′)), so small runs
    // tend to fall below the mean and understate their error: measured with 10 000 trials
    // per seed and a 200 000-trial reference, the z-scores at z = 4 had mean −1.3 and sd 1.26;
    // with 100 000 per seed and a 2 000 000-trial reference, mean 0.16 / 0.75 and sd 1.00 /
    // 0.90 at z = 4 / 6 (docs/delay-adversary.md).
    let z_scores = |delta: &str, trials: &str, reference: &dyn Fn(u32) -> f64| -> Vec<f64> {
        (100..120)
            .flat_map(|seed| {
                let args = [
                    "--q", "0.1", "--z", "4,6", "--delta", delta, "--method", "is", "--trials",
                    trials,
                ];
                estimates(&seed.to_string(), &args)
                    .into_iter()
                    .map(|e| (e.p - reference(e.z)) / e.se)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let check = |what: &str, zs: Vec<f64>| {
        // Two z per seed: judge each z over the 20 seeds.
        for which in 0..2 {
            let v: Vec<f64> = zs.iter().skip(which).step_by(2).copied().collect();
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            assert!(
                mean.abs() <= 4.0 / n.sqrt() && (0.6..=1.45).contains(&sd),
                "{what} z #{which}: mean {mean}, sd {sd} of {v:?}"
            );
        }
    };
    check(
        "Δ = 0",
        z_scores("0", "10000", &|z| zero_delay(0.1, z, 0, false)),
    );
    let reference = estimates(
        "7",
        &[
            "--q", "0.1", "--z", "4,6", "--delta", "10", "--method", "is", "--trials", "2000000",
        ],
    );
    let at = |z: u32| reference.iter().find(|e| e.z == z).expect("z row").p;
    check("Δ = 10 s", z_scores("10", "100000", &at));
}

#[test]
fn auto_tilts_a_rare_balancing_attack_and_keeps_plain_monte_carlo_for_a_common_one() {
    // No closed form: `auto` decides from the guide (the exact Δ = 0 chain). q = 0.1,
    // z = 6 (about 3e-5) cannot reach ±10 % with 20 000 plain trials: importance
    // sampling; q = 0.45, z = 1 (about 0.4) can: plain Monte Carlo.
    let method = |q: &str, delta: &str, z: &str| crate::util::auto_method("balancing", delta, q, z);
    assert_eq!(method("0.1", "10", "6"), "is");
    assert_eq!(method("0.45", "10", "1"), "mc");
    // Δ = 300 s = T/2: the tilt's weights spread (effective sample size 2 of 100 000 at
    // z = 6), so auto keeps plain Monte Carlo although the attack is rare.
    assert_eq!(method("0.1", "300", "6"), "mc");
}

#[test]
fn tilted_balancing_output_does_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        crate::util::stdout_of(&[
            "simulate",
            "--attack",
            "balancing",
            "--delta",
            "10",
            "--q",
            "0.1,0.2",
            "--z",
            "1,4,8",
            "--method",
            "is",
            "--trials",
            "20000",
            "--seed",
            "5",
            "--threads",
            threads,
            "--format",
            "csv",
            "--quiet",
        ])
    };
    let one = run("1");
    assert!(one.contains(",is,"), "{one}");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
}
