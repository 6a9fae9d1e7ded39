//! Closed forms checked against the literature (docs/references.md, its tables
//! verified at 50 digits) and against evaluators written here independently of
//! `dslab::analytic`: Grunspan–Pérez-Marco's I_{4pq}(z, ½) by a continued fraction, and a
//! two-dimensional dynamic program over the block race with value iteration for ties.

use dslab::analytic::{self, Model};
use dslab::params::{Convention, TieRule};

use crate::util::{column, parse_csv, stdout_of};

const QS: [f64; 9] = [0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45];

fn conv(premined: u32) -> Convention {
    Convention {
        premined,
        tie: TieRule::FirstSeen,
    }
}

/// Agreement with a value printed to 7 decimals: half a unit of the last digit.
fn close7(got: f64, want: f64) -> bool {
    (got - want).abs() <= 5.1e-8
}

#[test]
fn whitepaper_table_is_printed_to_its_digits() {
    // Nakamoto 2008 §11, q = 0.1, z = 0..10, as printed (7 decimals).
    let printed = [
        1.0000000, 0.2045873, 0.0509779, 0.0131722, 0.0034552, 0.0009137, 0.0002428, 0.0000647,
        0.0000173, 0.0000046, 0.0000012,
    ];
    let csv = stdout_of(&[
        "exact", "--model", "nakamoto", "--q", "0.1", "--z", "0..10", "--format", "csv",
    ]);
    let (h, rows) = parse_csv(&csv);
    for name in ["model", "q", "z", "premined", "tie", "probability"] {
        assert!(h.iter().any(|c| c == name), "missing column {name}");
    }
    let p = column(&h, &rows, "probability");
    for (z, (&got, &want)) in p.iter().zip(&printed).enumerate() {
        assert_eq!(format!("{got:.7}"), format!("{want:.7}"), "z = {z}");
    }
    // The table as people read it shows the same digits.
    let table = stdout_of(&["exact", "--model", "nakamoto", "--q", "0.1", "--z", "0..10"]);
    for want in printed {
        assert!(
            table.contains(&format!("{want:.7}")),
            "{want:.7} not in\n{table}"
        );
    }
}

#[test]
fn whitepaper_q03_table() {
    let printed = [
        (0, 1.0000000),
        (5, 0.1773523),
        (10, 0.0416605),
        (15, 0.0101008),
        (20, 0.0024804),
        (25, 0.0006132),
        (30, 0.0001522),
        (35, 0.0000379),
        (40, 0.0000095),
        (45, 0.0000024),
        (50, 0.0000006),
    ];
    for (z, want) in printed {
        let got = analytic::nakamoto(0.3, z, Convention::CLASSICAL).value;
        assert_eq!(format!("{got:.7}"), format!("{want:.7}"), "z = {z}");
    }
}

#[test]
fn exact_matches_rosenfeld_and_table_b() {
    // docs/references.md, Table B rows z = 6 and z = 12, plus the quoted q = 0.3, n = 5 value.
    let z6 = [
        1.160e-05, 0.0005914, 0.0053137, 0.0233084, 0.0686550, 0.1564496, 0.2973674, 0.4930037,
        0.7337548,
    ];
    let z12 = [
        3.929e-10, 9.352e-07, 6.871e-05, 0.0011948, 0.0092937, 0.0428960, 0.1364828, 0.3272869,
        0.6269347,
    ];
    for (i, &q) in QS.iter().enumerate() {
        let a = analytic::exact(q, 6, Convention::CLASSICAL).value;
        let b = analytic::exact(q, 12, Convention::CLASSICAL).value;
        assert!(
            (a / z6[i] - 1.0).abs() < 5e-4,
            "q {q} z 6: {a} vs {}",
            z6[i]
        );
        assert!(
            (b / z12[i] - 1.0).abs() < 5e-4,
            "q {q} z 12: {b} vs {}",
            z12[i]
        );
        // r(n = 1) = 2q exactly (Rosenfeld).
        let one = analytic::exact(q, 1, Convention::CLASSICAL).value;
        assert!((one - 2.0 * q).abs() < 1e-14);
    }
    let r = analytic::exact(0.3, 5, Convention::CLASSICAL).value;
    assert!((r - 0.19761732).abs() < 5e-9, "{r}");
    let r = analytic::exact(0.1, 6, Convention::CLASSICAL).value;
    assert!((r - 0.00059141216).abs() < 5e-12, "{r}");
}

#[test]
fn head_start_tables_c0_c2_c3() {
    // docs/references.md, Tables C0, C2, C3 (P_strict(n, k)), rows z = 0, 4, 8, 12, a few q.
    let cases: [(u32, u32, f64, f64); 12] = [
        (0, 0, 0.10, 0.1111111),
        (0, 4, 0.30, 0.1411552),
        (0, 8, 0.45, 0.6135193),
        (0, 12, 0.05, 3.780e-11),
        (2, 1, 0.20, 1.0),
        (2, 4, 0.10, 0.0272800),
        (2, 8, 0.35, 0.3235175),
        (2, 12, 0.45, 0.6965941),
        (3, 3, 0.05, 0.1877500),
        (3, 6, 0.25, 0.2556763),
        (3, 9, 0.40, 0.6040435),
        (3, 12, 0.15, 0.0007326),
    ];
    for (k, z, q, want) in cases {
        let got = analytic::exact(q, z, conv(k)).value;
        assert!(
            (got / want - 1.0).abs() < 5e-4 || close7(got, want),
            "k {k} z {z} q {q}: {got} vs {want}"
        );
    }
}

#[test]
fn give_up_matches_table_d() {
    // docs/references.md, Table D: strict rule, k = 1, n = 6, attacker gives up at lead −D.
    let cases = [
        (0.10, 1, 0.0002647),
        (0.30, 3, 0.1294938),
        (0.45, 10, 0.7008519),
        (0.40, 20, 0.4929021),
    ];
    for (q, d, want) in cases {
        let got = analytic::exact_with_give_up(q, 6, Convention::CLASSICAL, d);
        // The table prints 7 decimals: agree to half a unit of the last digit.
        assert!((got - want).abs() <= 5.1e-8, "q {q} D {d}: {got} vs {want}");
    }
}

#[test]
fn time_conditional_matches_gpm_grid() {
    // docs/references.md, Table K, q = 0.3, z = 6: 13.2 % (κ = 1), 52.9 % (κ = 2), 96.0 % (κ = 4).
    let cases = [
        (0.3, 6, 1.0, 0.1321112),
        (0.3, 6, 2.0, 0.5289099),
        (0.3, 6, 4.0, 0.9604837),
        (0.1, 12, 0.1, 1.029e-11),
        (0.4, 3, 0.25, 0.3794293),
    ];
    for (q, z, kappa, want) in cases {
        let got = Model::TimeConditional { kappa }
            .probability(q, z, Convention::CLASSICAL)
            .value;
        assert!(
            (got / want - 1.0).abs() < 5e-4,
            "q {q} z {z} κ {kappa}: {got} vs {want}"
        );
    }
}

#[test]
fn confirmations_tables_from_the_literature() {
    let csv = stdout_of(&[
        "confirmations",
        "--q",
        "0.1:0.45:0.05",
        "--risk",
        "0.001",
        "--classical",
        "--format",
        "csv",
    ]);
    let (h, rows) = parse_csv(&csv);
    assert_eq!(&h[..2], ["q", "confirmations"]);
    let got: Vec<f64> = column(&h, &rows, "confirmations");
    assert_eq!(got, [6.0, 9.0, 13.0, 20.0, 32.0, 58.0, 133.0, 539.0]);
    let csv = stdout_of(&[
        "confirmations",
        "--q",
        "0.1:0.45:0.05",
        "--risk",
        "0.001",
        "--model",
        "nakamoto",
        "--format",
        "csv",
    ]);
    let (h, rows) = parse_csv(&csv);
    assert_eq!(
        column(&h, &rows, "confirmations"),
        [5.0, 8.0, 11.0, 15.0, 24.0, 41.0, 89.0, 340.0]
    );
    // Default convention (first-seen, k = 0): docs/references.md, Table Z, "strict k=0 <0.001".
    let csv = stdout_of(&[
        "confirmations",
        "--q",
        "0.1,0.3,0.45",
        "--risk",
        "0.001",
        "--format",
        "csv",
    ]);
    let (h, rows) = parse_csv(&csv);
    assert_eq!(column(&h, &rows, "confirmations"), [4.0, 29.0, 530.0]);
}

// ---------------------------------------------------------------------------------------
// Independent evaluator 1: I_x(a, b) by Lentz's continued fraction (Numerical Recipes
// betacf), with the prefactor in log space, so tails far below 1e-308 keep their logarithm.

pub(crate) fn ln_beta_inc(a: f64, b: f64, x: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        c = 1.0 + aa / c;
        d = 1.0 / if d.abs() < tiny { tiny } else { d };
        c = if c.abs() < tiny { tiny } else { c };
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        c = 1.0 + aa / c;
        d = 1.0 / if d.abs() < tiny { tiny } else { d };
        c = if c.abs() < tiny { tiny } else { c };
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    ln_front + (h / a).ln()
}

#[test]
fn classical_exact_equals_gpm_incomplete_beta_deep_into_the_tail() {
    for &q in &QS {
        let x = 4.0 * q * (1.0 - q);
        // Past z = 2048 the sum is windowed around its largest terms (src/analytic.rs).
        for z in [1u32, 2, 6, 30, 100, 340, 1000, 2049, 5000, 20_000, 100_000] {
            let want_log10 = ln_beta_inc(f64::from(z), 0.5, x) / std::f64::consts::LN_10;
            let got = analytic::exact(q, z, Convention::CLASSICAL);
            // Relative error of the probability below 1e-9 (its log10 to 5e-10 absolute),
            // whatever the magnitude: at q = 0.05, z = 1000 it is about 1e-660.
            assert!(
                (got.log10 - want_log10).abs() < 5e-10,
                "q {q} z {z}: log10 {} vs {want_log10}",
                got.log10
            );
            if want_log10 > -300.0 {
                assert!(got.value > 0.0, "no underflow above 1e-300");
            }
        }
    }
}

#[test]
fn asymptotic_ratio_at_z200_matches_the_literature() {
    // docs/references.md, Table S: (4pq)^z / sqrt(π(1−4pq)z) ÷ the exact value, at z = 200.
    for (q, ratio) in [
        (0.10, 1.0020),
        (0.20, 1.0050),
        (0.30, 1.0134),
        (0.40, 1.0548),
        (0.45, 1.1853),
    ] {
        let x: f64 = 4.0 * q * (1.0 - q);
        let ln_asym = 200.0 * x.ln() - 0.5 * (std::f64::consts::PI * (1.0 - x) * 200.0).ln();
        let ln_exact =
            analytic::exact(q, 200, Convention::CLASSICAL).log10 * std::f64::consts::LN_10;
        assert!(
            ((ln_asym - ln_exact).exp() / ratio - 1.0).abs() < 1e-4,
            "q {q}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Independent evaluator 2: the block race as a two-dimensional dynamic program over
// (honest blocks, attacker blocks) up to acceptance, then value iteration on the lead for
// the rest of the race under the tie rule. No negative binomial, no gambler's-ruin formula.

fn race_dp(q: f64, z: u32, k: u32, gamma: f64) -> f64 {
    let p = 1.0 - q;
    let cap = z as usize + 400; // attacker blocks tracked before acceptance
    // f[a]: probability the attacker has a blocks when the honest chain reaches h.
    let mut f = vec![0.0; cap + 1];
    f[0] = 1.0;
    for _ in 0..z {
        // within the level: attacker blocks arrive before the next honest block
        let mut at_level = vec![0.0; cap + 1];
        let mut carry = 0.0;
        for a in 0..=cap {
            carry = carry * q + f[a];
            at_level[a] = carry;
        }
        f = at_level.iter().map(|m| m * p).collect();
    }
    // Value iteration for V(lead), lead in [-depth, 0]; V(>=1) = 1, V(-depth-1) = 0.
    let depth = 600usize;
    let mut v = vec![0.0f64; depth + 1]; // v[i] = V(-i)
    for _ in 0..20_000 {
        let mut delta: f64 = 0.0;
        for i in 0..=depth {
            let up = if i == 0 { 1.0 } else { v[i - 1] };
            let down = if i == depth { 0.0 } else { v[i + 1] };
            let new = if i == 0 {
                q + gamma * p + (1.0 - gamma) * p * down
            } else {
                q * up + p * down
            };
            delta = delta.max((new - v[i]).abs());
            v[i] = new;
        }
        if delta < 1e-17 {
            break;
        }
    }
    (0..=cap)
        .map(|a| {
            let lead = i64::from(k) + a as i64 - i64::from(z);
            let win = if lead >= 1 {
                1.0
            } else {
                v.get((-lead) as usize).copied().unwrap_or(0.0)
            };
            f[a] * win
        })
        .sum()
}

#[test]
fn exact_with_any_head_start_and_tie_rule_equals_the_race_dp() {
    for &q in &[0.1, 0.3, 0.45] {
        for k in 0..=3 {
            for gamma in [0.0, 0.25, 0.5, 1.0] {
                let c = Convention {
                    premined: k,
                    tie: if gamma == 0.0 {
                        TieRule::FirstSeen
                    } else {
                        TieRule::Gamma(gamma)
                    },
                };
                for z in [0u32, 1, 2, 5, 10] {
                    let want = race_dp(q, z, k, gamma);
                    let got = analytic::exact(q, z, c).value;
                    assert!(
                        (got - want).abs() <= 1e-9 * want.max(1e-12),
                        "q {q} k {k} γ {gamma} z {z}: {got} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn properties_monotone_and_bounded() {
    for &q in &QS {
        let mut last = 1.0;
        for z in 0..60 {
            let p = analytic::exact(q, z, Convention::DEFAULT).value;
            assert!((0.0..=1.0).contains(&p));
            assert!(p <= last + 1e-15, "not decreasing in z at q {q} z {z}");
            last = p;
        }
    }
    for z in 0..20 {
        let mut last = 0.0;
        for &q in &QS {
            let p = analytic::exact(q, z, Convention::DEFAULT).value;
            assert!(p >= last, "not increasing in q at z {z}");
            last = p;
        }
        assert_eq!(analytic::exact(0.5, z, Convention::DEFAULT).value, 1.0);
        assert_eq!(analytic::exact(0.7, z, Convention::DEFAULT).value, 1.0);
    }
}

/// P(z, κ) by another formula path: with M ~ Poisson(λ), λ = κzq/p, ρ = q/p, j = z − k,
/// Pr[M > j] = P(j + 1, λ) (regularised lower incomplete gamma) and
/// Σ_{m ≤ j} Pr[M = m] ρ^{j−m} = ρ^j e^{λ/ρ − λ} Q(j + 1, λ/ρ), λ/ρ = κz (Poisson sums as
/// incomplete gamma functions), both evaluated by statrs, not by `dslab::analytic`. Valid
/// where e^{κz} and Q(j + 1, κz) stay inside f64 (κz ≤ 500).
fn time_conditional_by_incomplete_gamma(q: f64, z: u32, kappa: f64, c: Convention) -> f64 {
    use statrs::function::gamma::{gamma_lr, gamma_ur};
    let p = 1.0 - q;
    let (rho, kz) = (q / p, kappa * f64::from(z));
    let j = f64::from(z) - f64::from(c.premined);
    let w0 = analytic::tie_win(q, c.tie.gamma());
    let ahead = gamma_lr(j + 1.0, kz * rho);
    let behind = w0 * rho.powf(j) * (kz * (1.0 - rho)).exp() * gamma_ur(j + 1.0, kz);
    ahead + behind
}

#[test]
fn time_conditional_agrees_with_incomplete_gamma_across_kappa() {
    let gamma_half = Convention {
        premined: 0,
        tie: TieRule::Gamma(0.5),
    };
    let mut checked = 0;
    for c in [conv(0), Convention::CLASSICAL, conv(3), gamma_half] {
        for q in [0.05, 0.1, 0.3, 0.45] {
            for z in [1u32, 2, 4, 6, 12, 30] {
                if z < c.premined {
                    continue;
                }
                let j = f64::from(z - c.premined);
                // κ at which λ = j + 1 (where the evaluation switches path), just below and
                // above it, and κ from 1e-3 to 500 / z.
                let switch = (j + 1.0) * (1.0 - q) / (f64::from(z) * q);
                let kappas = [1e-3, 0.5, 1.0, 3.0, 10.0, 40.0, 500.0 / f64::from(z)]
                    .into_iter()
                    .chain([switch * (1.0 - 1e-9), switch * (1.0 + 1e-9)]);
                for kappa in kappas.filter(|k| k * f64::from(z) <= 500.0) {
                    let got = Model::TimeConditional { kappa }.probability(q, z, c).value;
                    let want = time_conditional_by_incomplete_gamma(q, z, kappa, c);
                    // statrs' incomplete gamma is good to about 1e-13 relative here; 1e-9
                    // leaves room for e^{κz} amplifying its rounding.
                    assert!(
                        (got / want - 1.0).abs() < 1e-9,
                        "q {q} z {z} κ {kappa} {c:?}: {got:e} vs {want:e}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn time_conditional_tends_to_one_at_huge_kappa() {
    // For λ ≥ 2(j + 1) the Poisson terms below j + 1 shrink at least twofold per step, so
    // Pr[M ≤ j] ≤ 2 Pr[M = j] and 1 ≥ P ≥ 1 − 2 e^{−λ} λ^j / j!. At these κ that bound is
    // below e^{−10⁵}: P is 1 to every digit of f64.
    for kappa in [1e6, 1e9, 1e15, 1e100, 1e300, 1e308, f64::MAX] {
        for q in [1e-9, 0.1, 0.3, 0.45] {
            for z in [1u32, 2, 10, 1000, 100_000] {
                for c in [conv(0), Convention::CLASSICAL] {
                    let j = f64::from(z - c.premined);
                    let lambda = kappa * f64::from(z) * q / (1.0 - q);
                    if lambda < 1e5 + 2.0 * (j + 1.0) {
                        continue;
                    }
                    if lambda.is_finite() {
                        let ln_bound = std::f64::consts::LN_2 - lambda + j * lambda.ln()
                            - statrs::function::gamma::ln_gamma(j + 1.0);
                        assert!(ln_bound < -1e4, "κ {kappa} q {q} z {z}: {ln_bound}");
                    }
                    let p = Model::TimeConditional { kappa }.probability(q, z, c);
                    assert_eq!(p.value, 1.0, "κ {kappa} q {q} z {z} {c:?}: {p:?}");
                    assert_eq!(p.log10, 0.0, "κ {kappa} q {q} z {z} {c:?}: {p:?}");
                }
            }
        }
    }
}

#[test]
fn time_conditional_at_tiny_kappa_is_the_zero_time_limit() {
    // κ → 0: the attacker mined nothing (M = 0), so P → ρ^j w₀ (Pr[M = 0] = e^{−λ} → 1).
    for kappa in [1e-12, 1e-100, 1e-300, f64::MIN_POSITIVE] {
        for (q, z, c) in [(0.1, 6, Convention::CLASSICAL), (0.3, 2, conv(0))] {
            let j = f64::from(z - c.premined);
            let rho: f64 = q / (1.0 - q);
            let want = rho.powf(j) * analytic::tie_win(q, c.tie.gamma());
            let got = Model::TimeConditional { kappa }.probability(q, z, c).value;
            // λ ≤ 1e-12 moves the value by a relative 1e-12 at most (e^{−λ}, the M = 1 term).
            assert!(
                (got / want - 1.0).abs() < 1e-11,
                "κ {kappa}: {got:e} vs {want:e}"
            );
        }
    }
}

#[test]
fn confirmations_and_exact_at_huge_kappa_say_the_attacker_wins() {
    // κ = 1e9: the honest blocks took a billion times their expected time, so the attacker
    // is ahead whatever z: no z keeps the risk below 0.1 %.
    let csv = stdout_of(&[
        "confirmations",
        "--model",
        "time-conditional",
        "--kappa",
        "1e9",
        "--q",
        "0.1",
        "--risk",
        "0.001",
        "--format",
        "csv",
    ]);
    let (h, rows) = parse_csv(&csv);
    let at = |name: &str| h.iter().position(|c| c == name).unwrap();
    assert_eq!(rows[0][at("confirmations")], "", "{csv}");
    assert!(rows[0][at("note")].starts_with("more than"), "{csv}");
    // κ = 1e308 (λ near f64::MAX): z ≥ 1 gives 1, z = 0 (no block, λ = 0) gives w₀ = q/p.
    let csv = stdout_of(&[
        "exact",
        "--model",
        "time-conditional",
        "--kappa",
        "1e308",
        "--q",
        "0.1,0.3",
        "--z",
        "0..2",
        "--format",
        "csv",
    ]);
    let (h, rows) = parse_csv(&csv);
    let (z, p) = (column(&h, &rows, "z"), column(&h, &rows, "probability"));
    let (q, l) = (
        column(&h, &rows, "q"),
        column(&h, &rows, "log10_probability"),
    );
    for i in 0..rows.len() {
        let want = if z[i] == 0.0 {
            q[i] / (1.0 - q[i])
        } else {
            1.0
        };
        assert!((p[i] - want).abs() < 1e-15, "{csv}");
        assert!((l[i] - want.log10()).abs() < 1e-12, "{csv}");
    }
    let table = stdout_of(&[
        "exact",
        "--model",
        "time-conditional",
        "--kappa",
        "1e308",
        "--q",
        "0.1,0.3",
        "--z",
        "0..2",
    ]);
    assert!(!table.contains("1e-"), "no underflowed exponent: {table}");
}
