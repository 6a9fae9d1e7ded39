//! The law of the rented-hash attacker's profit for one attempt (issue 15, item 2:
//! `economics::profit`): the exact law against a brute-force enumeration of block sequences
//! mixed with statrs's incomplete gamma, against a seeded Monte Carlo of the continuous
//! process, against the expected profit of `economics::evaluate` (another program), and
//! monotone in the value; the printed columns.

use std::collections::HashMap;

use dslab::economics::profit::{ExactLaw, LEVELS, simulate};
use dslab::economics::{Market, Plan, evaluate};
use dslab::estimate::rng::{SimRng, batch_rng};
use rand::RngExt;
use rand_distr::{Distribution, Exp};
use statrs::function::gamma::gamma_lr;

use crate::util::dslab;

fn market() -> Market {
    Market {
        coin: "X".into(),
        block_interval: 600.0,
        reward_per_block: 5.0,
        fees_unknown: false,
        hashrate: 100.0,
        hashrate_unit: "TH/s".into(),
        rental_price: 0.2,
        price: 0.01,
    }
}

fn plan(q: f64, window: Option<f64>, premine: f64) -> Plan {
    Plan { q, window, premine }
}

/// Rental cost per second in coin, by hand: price × q/(1 − q) × network / day / coin price.
fn per_second(m: &Market, q: f64) -> f64 {
    m.rental_price * q / (1.0 - q) * m.hashrate / 86_400.0 / m.price
}

/// P(the n-th block after the broadcast comes within s seconds) = P(Gamma(n, T) ≤ s).
fn gamma_cdf(n: u32, s: f64, t: f64) -> f64 {
    match (n, s) {
        (_, s) if s <= 0.0 => 0.0,
        (0, _) => 1.0,
        (n, s) => gamma_lr(f64::from(n), s / t),
    }
}

/// Brute force: the law of (head start k, branch B₀) by enumerating every pre-mining block
/// sequence of up to `m_max` blocks with its Poisson weight (ln Γ via statrs).
fn premine_by_enumeration(q: f64, lambda: f64, m_max: u32) -> HashMap<(i64, u64), f64> {
    fn walk(q: f64, left: u32, lead: i64, branch: u64, w: f64, out: &mut HashMap<(i64, u64), f64>) {
        if left == 0 {
            *out.entry((lead, branch)).or_default() += w;
            return;
        }
        walk(q, left - 1, lead + 1, branch + 1, w * q, out);
        let (l, b) = if lead == 0 {
            (0, 0)
        } else {
            (lead - 1, branch)
        };
        walk(q, left - 1, l, b, w * (1.0 - q), out);
    }
    let mut out = HashMap::new();
    for m in 0..=m_max {
        let pois = if lambda == 0.0 {
            f64::from(u8::from(m == 0))
        } else {
            (-lambda + f64::from(m) * lambda.ln()
                - statrs::function::gamma::ln_gamma(f64::from(m) + 1.0))
            .exp()
        };
        if pois > 0.0 {
            walk(q, m, 0, 0, pois, &mut out);
        }
    }
    out
}

/// Brute force: from head start k, every race sequence of up to `n_max` blocks; returns
/// (block index n of success, attacker blocks a since the broadcast) → probability.
fn race_by_enumeration(q: f64, z: u32, k: i64, n_max: u32) -> HashMap<(u32, u64), f64> {
    #[allow(clippy::too_many_arguments)]
    fn go(
        q: f64,
        z: u32,
        n: u32,
        n_max: u32,
        lead: i64,
        a: u64,
        honest: u32,
        w: f64,
        out: &mut HashMap<(u32, u64), f64>,
    ) {
        if honest >= z && lead >= 1 {
            *out.entry((n, a)).or_default() += w;
            return;
        }
        if n == n_max {
            return;
        }
        go(q, z, n + 1, n_max, lead + 1, a + 1, honest, w * q, out);
        go(
            q,
            z,
            n + 1,
            n_max,
            lead - 1,
            a,
            honest + 1,
            w * (1.0 - q),
            out,
        );
    }
    let mut out = HashMap::new();
    go(q, z, 0, n_max, k, 0, 0, 1.0, &mut out);
    out
}

/// P(profit > x) by brute force: the enumerations above mixed with Gamma(n, T) laws of
/// the n-th block's time. Truncation error below Poisson tails of ~4e-9 at the sizes used.
fn survival_by_enumeration(m: &Market, p: Plan, value: f64, z: u32, xs: &[f64]) -> Vec<f64> {
    let t = m.block_interval * (1.0 - p.q);
    let c = per_second(m, p.q);
    let w = p.window.expect("finite window");
    let post = w - p.premine;
    let pre = premine_by_enumeration(p.q, p.premine / t, 14);
    let mut races: HashMap<i64, HashMap<(u32, u64), f64>> = HashMap::new();
    let mut out = vec![0.0; xs.len()];
    let mut success = 0.0;
    let mut atoms = Vec::new(); // (n, b, probability)
    for (&(k, b0), &wk) in &pre {
        let race = races
            .entry(k)
            .or_insert_with(|| race_by_enumeration(p.q, z, k, 19));
        for (&(n, a), &wr) in race.iter() {
            atoms.push((n, b0 + a, wk * wr));
            success += wk * wr * gamma_cdf(n, post, t);
        }
    }
    for (i, &x) in xs.iter().enumerate() {
        let mut s = if x < -c * w { 1.0 - success } else { 0.0 };
        for &(n, b, pr) in &atoms {
            let margin = value + m.reward_per_block * b as f64 - x;
            let time = (margin / c - p.premine).min(post);
            s += pr * gamma_cdf(n, time, t);
        }
        out[i] = s;
    }
    out
}

/// Points where the brute force is feasible (R/T ≤ 3 blocks expected after the broadcast,
/// P/T ≤ 2 before it) and the law has both a failure mass and a spread of profits.
const SMALL: &[(f64, u32, f64, f64, f64)] = &[
    // q, z, window W, pre-mining P, value V
    (0.3, 1, 1260.0, 0.0, 2.0),
    (0.45, 2, 1320.0, 330.0, 1.0),
    (0.6, 0, 720.0, 480.0, 0.5),
    (0.4, 3, 1440.0, 360.0, 3.0),
];

#[test]
fn exact_profit_law_equals_a_brute_force_enumeration() {
    // Reference: every block sequence of up to 19 race blocks (and 14 pre-mining blocks),
    // mixed with Gamma(n, T) cdfs from statrs: independent of the dynamic program and of
    // its head-start law (the law also starts its band of Poisson tails from statrs's
    // gamma_lr; the Monte Carlo test below shares nothing with it). The sequences left out have probability below
    // P(Poisson(3) ≥ 20) + P(Poisson(2) ≥ 15) < 4e-9; tolerance 1e-8 absolute.
    let m = market();
    for &(q, z, w, pre, value) in SMALL {
        let p = plan(q, Some(w), pre);
        let law = ExactLaw::new(&m, p, value, z).expect("small: exact");
        let c = per_second(&m, q);
        // Just below and above the failure atom at −c·W (not on it: the two sides compute
        // c·W by different products), 0, V and beyond, and a grid across the range.
        let atom = -c * w;
        let mut xs = vec![
            atom - 1.0,
            atom * (1.0 - 1e-9),
            0.0,
            value,
            value + 5.0,
            value + 12.0,
        ];
        xs.extend((1..8).map(|i| atom + f64::from(i) * (value + 10.0 + c * w) / 8.0));
        let want = survival_by_enumeration(&m, p, value, z, &xs);
        for (&x, &want) in xs.iter().zip(&want) {
            let got = law.survival(x);
            assert!(
                (got - want).abs() <= 1e-8,
                "q {q} z {z} W {w} P {pre} V {value}: P(profit > {x}) exact {got} vs brute force {want}"
            );
        }
        // The quantiles are where the survival function crosses their level.
        for &lv in &LEVELS {
            let x = law.quantile(lv);
            assert!(law.survival(x) <= 1.0 - lv + 1e-12, "level {lv} at {x}");
            let below = x - 1e-6 * (1.0 + x.abs());
            assert!(
                law.survival(below) > 1.0 - lv - 1e-12,
                "level {lv} below {x}"
            );
        }
    }
}

/// One continuous-time attack (its own code, not the library's): the profit.
fn trial(m: &Market, p: Plan, value: f64, z: u32, rng: &mut SimRng) -> f64 {
    let t = m.block_interval * (1.0 - p.q);
    let c = per_second(m, p.q);
    let w = p.window.unwrap_or(f64::INFINITY);
    let exp = Exp::new(1.0 / t).unwrap();
    let mut clock = -p.premine;
    let (mut lead, mut branch) = (0i64, 0u64);
    loop {
        clock += exp.sample(rng);
        if clock > 0.0 {
            break;
        }
        if rng.random::<f64>() < p.q {
            lead += 1;
            branch += 1;
        } else if lead == 0 {
            branch = 0;
        } else {
            lead -= 1;
        }
    }
    let paid = |branch: u64, rent: f64| value + m.reward_per_block * branch as f64 - c * rent;
    if z == 0 && lead >= 1 {
        return paid(branch, p.premine);
    }
    let mut honest = 0;
    while clock <= w - p.premine {
        if rng.random::<f64>() < p.q {
            lead += 1;
            branch += 1;
        } else {
            lead -= 1;
            honest += 1;
        }
        if honest >= z && lead >= 1 {
            return paid(branch, p.premine + clock);
        }
        clock += exp.sample(rng);
    }
    -c * w
}

#[test]
fn exact_profit_law_agrees_with_a_monte_carlo_of_the_continuous_process() {
    // Larger windows than the brute force reaches, an unlimited majority rental, and the
    // library's own simulation: 4e4 seeded attacks per point; P(profit > x) at the printed
    // quantiles, at 0 and at V within 4 standard errors √(p(1−p)/n) (floored at 1/n), a
    // false alarm about once in 16 000 comparisons.
    let m = market();
    let points = [
        (0.3, 2, Some(7200.0), 1200.0, 4.0),
        (0.45, 4, Some(18000.0), 3600.0, 1.0),
        (0.6, 3, Some(6000.0), 0.0, 0.5),
        (0.65, 2, None, 600.0, 2.0),
    ];
    let n = 40_000u64;
    for (cell, &(q, z, w, pre, value)) in points.iter().enumerate() {
        let p = plan(q, w, pre);
        let law = ExactLaw::new(&m, p, value, z).expect("exact");
        let mut profits = Vec::new();
        for b in 0..n / 1000 {
            let mut rng = batch_rng(1515, cell as u64, b);
            profits.extend((0..1000).map(|_| trial(&m, p, value, z, &mut rng)));
        }
        let sim = simulate(&m, p, value, z, n, 77).expect("simulated");
        let mut xs: Vec<f64> = LEVELS.iter().map(|&l| law.quantile(l)).collect();
        xs.extend([0.0, value]);
        let nf = n as f64;
        for x in xs {
            let exact = law.survival(x);
            let mc = profits.iter().filter(|&&v| v > x).count() as f64 / nf;
            let se = (exact * (1.0 - exact) / nf).sqrt().max(1.0 / nf);
            assert!(
                (mc - exact).abs() <= 4.0 * se,
                "q {q} z {z} W {w:?} P {pre}: P(profit > {x}) MC {mc} vs exact {exact}"
            );
        }
        // The library's simulation (another seed, its own code) on P(profit > 0).
        let exact = law.survival(0.0);
        let se = (exact * (1.0 - exact) / nf).sqrt().max(1.0 / nf);
        assert!(
            (sim.positive.value - exact).abs() <= 4.0 * se,
            "q {q} z {z}: simulated P(profit > 0) {} vs exact {exact}",
            sim.positive.value
        );
        assert!(sim.positive.lo <= sim.positive.value && sim.positive.value <= sim.positive.hi);
        for (e, s) in sim.quantiles.iter().zip(LEVELS) {
            assert!(e.lo <= e.value && e.value <= e.hi, "level {s}: {e:?}");
        }
    }
}

#[test]
fn the_law_s_mean_and_parts_equal_the_expected_economics() {
    // Identity across two programs: the mean of the profit's law (atoms mixed with Gamma
    // moments) against evaluate's expected profit (exact success, expected rented time from
    // the survival sums, blocks kept from the branch-moment program); likewise P(success)
    // and E[blocks kept]. Both are sums of ~1e3 terms: 1e-9 relative.
    let m = market();
    let mut cases: Vec<(f64, u32, Option<f64>, f64, f64)> = SMALL
        .iter()
        .map(|&(q, z, w, pre, v)| (q, z, Some(w), pre, v))
        .collect();
    cases.extend([
        (0.3, 6, Some(36_000.0), 0.0, 50.0),
        (0.45, 5, Some(30_000.0), 7200.0, 10.0),
        (0.7, 8, Some(9000.0), 1800.0, 3.0),
        (0.6, 4, None, 1200.0, 3.0),
        (0.0, 2, Some(3600.0), 0.0, 3.0),
    ]);
    for (q, z, w, pre, value) in cases {
        let p = plan(q, w, pre);
        let e = evaluate(&m, p, value, z).unwrap();
        let law = ExactLaw::new(&m, p, value, z).expect("exact");
        let close = |a: f64, b: f64, what: &str| {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1e-3),
                "q {q} z {z} W {w:?} P {pre}: {what} law {a} vs evaluate {b}"
            );
        };
        close(law.mean(), e.profit, "mean profit");
        close(law.success(), e.success, "P(success)");
        close(law.branch_blocks(), e.reward_blocks, "blocks kept");
        // The old partial law: P(profit > 0) within its bounds, the median where known.
        let pos = law.survival(0.0);
        assert!(pos <= e.profit_probability + 1e-12 && pos >= e.profit_probability_lower - 1e-12);
        if let Some(med) = e.median_profit {
            close(law.quantile(0.5), med, "median");
        }
    }
}

#[test]
fn probability_of_profit_grows_with_the_value() {
    // A larger payment raises every attempt's profit on success by the same amount, so
    // P(profit > 0) cannot fall (for a fixed plan; the most profitable window may change
    // with V). Checked on a grid of values from "never pays" to "always pays on success".
    let m = market();
    for &(q, z, w, pre) in &[(0.3, 2, 7200.0, 1200.0), (0.55, 3, 9000.0, 0.0)] {
        let p = plan(q, Some(w), pre);
        let values: Vec<f64> = (0..14).map(|i| 0.05 * 2f64.powi(i)).collect();
        let probs: Vec<f64> = values
            .iter()
            .map(|&v| ExactLaw::new(&m, p, v, z).unwrap().survival(0.0))
            .collect();
        for pair in probs.windows(2) {
            assert!(pair[1] >= pair[0] - 1e-14, "q {q} z {z}: {probs:?}");
        }
        let e = evaluate(&m, p, values[13], z).unwrap();
        assert!(
            probs[0] < probs[13],
            "the grid should move P(profit > 0): {probs:?}"
        );
        assert!(
            (probs[13] - e.success).abs() <= 1e-12,
            "large V: every success pays"
        );
    }
}

#[test]
fn economics_csv_keeps_its_columns_and_adds_the_law_at_the_end() {
    let out = dslab()
        .args([
            "economics",
            "--chain",
            "BTC",
            "--value",
            "100",
            "--q",
            "0.3",
        ])
        .args(["--z", "1,3", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let old = [
        "z",
        "q",
        "window",
        "premine",
        "success",
        "rented_seconds",
        "rented_hashrate",
        "cost_btc",
        "cost",
        "reward_blocks",
        "revenue",
        "profit",
        "profit_per_hour",
        "attempts_to_success",
        "loss_on_failure",
        "profit_probability",
        "profit_probability_lower",
        "profit_probability_exact",
        "median_profit",
    ];
    assert_eq!(&header[..old.len()], &old[..]);
    assert_eq!(header[old.len()], "law");
    let row: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(col("law"), "exact");
    // Exact: the interval is the value; P(profit > 0) = P(success) here (V = 100 BTC is
    // more than the whole window's rent), the median is the loss on failure.
    assert_eq!(col("p_profit_positive"), col("p_profit_positive_lo"));
    let pos: f64 = col("p_profit_positive").parse().unwrap();
    let success: f64 = col("success").parse().unwrap();
    assert!((pos - success).abs() <= 1e-12 * success);
    let med: f64 = col("profit_q50").parse().unwrap();
    let loss: f64 = col("loss_on_failure").parse().unwrap();
    assert!((med + loss).abs() <= 1e-9 * loss);
}
