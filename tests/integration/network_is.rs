//! Importance sampling in timed mining (the network engine): the Finney and majority
//! attacks on the zero-latency network against their closed forms, on a real network
//! against plain Monte Carlo; target precision down to 1e-12; shards, resume and thread
//! invariance for the network attacks.

use std::path::Path;
use std::process::Stdio;

use dslab::analytic;
use dslab::attack::NetAttack;
use dslab::attack::NetExperiment;
use dslab::attack::finney;
use dslab::attack::finney::FinneySpec;
use dslab::attack::majority::MajoritySpec;
use dslab::estimate::NoProgress;
use dslab::estimate::results::{Estimator, Stop};
use dslab::experiment::{AttackSpec, Experiment, Method, Sampling};
use dslab::net::spec::{MerchantSpec, NetworkModel, NetworkSpec};
use dslab::params::Convention;
use dslab::report::ReversalRow;
use dslab::stats::CiMethod;

use crate::util::{dslab, parse_csv};

fn experiment(attack: NetAttack, network: NetworkSpec, qs: &[f64], zs: Vec<u32>) -> Experiment {
    let n = NetExperiment {
        attack,
        network,
        merchant: MerchantSpec::default(),
        sweep: None,
    };
    n.validate().expect("valid test scenario");
    let attack = AttackSpec::Timed(n);
    Experiment {
        name: "test".into(),
        attack,
        qs: qs.to_vec(),
        zs,
        trials: 32_768,
        seed: 11,
        ci: CiMethod::Wilson,
        confidence: 0.95,
        sampling: Sampling {
            method: Method::Is,
            ..Sampling::default()
        },
    }
}

fn zero_latency() -> NetworkSpec {
    NetworkSpec {
        model: NetworkModel::None,
        ..NetworkSpec::default()
    }
}

/// Every row within 4.5 of its standard errors of `truth` (a 1-in-150 000 event per row
/// for a normal estimator, so a grid of a few hundred rows false-alarms about once in 500
/// runs — and the seeds are fixed), and at least 85 % within 1.96 (95 % expected).
fn agree(rows: &[ReversalRow], truth: impl Fn(&ReversalRow) -> f64) {
    let mut inside = 0;
    for r in rows {
        assert_eq!(r.method, Estimator::Is, "q {} z {}", r.q, r.z);
        let (x, se) = (
            truth(r),
            r.std_error.expect("an IS row has a standard error"),
        );
        let dev = (r.probability - x).abs();
        assert!(
            dev <= 4.5 * se + 1e-12 * x,
            "q {} z {}: {} ± {se} vs {x}",
            r.q,
            r.z,
            r.probability
        );
        inside += usize::from(dev <= 1.96 * se + 1e-12 * x);
    }
    assert!(
        inside * 100 >= 85 * rows.len(),
        "{inside} of {}",
        rows.len()
    );
}

const SHARES: [f64; 5] = [0.05, 0.1, 0.2, 0.3, 0.4];

#[test]
fn finney_in_timed_mining_agrees_with_the_closed_forms_to_z_60() {
    // z ≥ 1: the head-start race P(z, k = 1) (classical convention), evaluated by
    // `analytic` (itself checked against published tables); z = 0: the Poisson window
    // formula, checked against the literature's e^{−pt/T} in `finney`'s unit tests.
    let zs: Vec<u32> = (0..=60).collect();
    let e = experiment(
        NetAttack::Finney(FinneySpec::default()),
        zero_latency(),
        &SHARES,
        zs,
    );
    let rows = e.run(&NoProgress).rows();
    assert_eq!(rows.len(), 5 * 61);
    agree(&rows, |r| match r.z {
        0 => finney::zero_conf(r.q, 15.0 / 600.0),
        z => analytic::exact(r.q, z, Convention::CLASSICAL).value,
    });
}

#[test]
fn majority_in_timed_mining_agrees_with_the_closed_forms_to_z_60() {
    let zs: Vec<u32> = (1..=60).step_by(3).collect();
    let e = experiment(
        NetAttack::Majority(MajoritySpec::default()),
        zero_latency(),
        &SHARES,
        zs,
    );
    let rows = e.run(&NoProgress).rows();
    agree(&rows, |r| {
        analytic::exact(r.q, r.z, Convention::DEFAULT).value
    });
}

#[test]
fn a_1e_minus_12_reversal_is_measured_to_5_percent_in_timed_mining() {
    // q = 0.1, z = 25, k = 1: P = 1.12e-12 (docs/references.md, Table B); plain Monte Carlo needs
    // ~1.4e15 trials for ±5 %.
    let mut e = experiment(
        NetAttack::Finney(FinneySpec::default()),
        zero_latency(),
        &[0.1],
        vec![25, 30],
    );
    e.trials = 10_000_000;
    e.sampling.rel_error = Some(0.05);
    let out = e.run(&NoProgress);
    for r in &out.rows() {
        let x = analytic::exact(0.1, r.z, Convention::CLASSICAL).value;
        assert!(x < 2e-12);
        assert_eq!(r.stop, Stop::Target, "z {}", r.z);
        assert!(r.rel_error.unwrap() <= 0.05 && r.trials <= 10_000_000);
        // Within 4 standard errors (one seed, two z: a 95 % interval would miss one in ten
        // runs by design; the calibration over many seeds is tested in `calibration`).
        let se = r
            .std_error
            .expect("importance sampling reports its standard error");
        assert!(
            (r.probability - x).abs() <= 4.0 * se,
            "z {}: {r:?} vs {x}",
            r.z
        );
    }
}

#[test]
fn on_a_real_network_importance_sampling_agrees_with_plain_monte_carlo() {
    // No closed form exists with relay delays; plain Monte Carlo of the same network
    // (same topologies: they depend on the seed and network only) is the independent
    // reference. T = 60 s makes forks frequent (stale rate ≈ 1 − e^{−d/T} of a few %), so
    // the network matters. Tolerance: 4.5 standard errors of the difference.
    let net = NetworkSpec {
        nodes: 200,
        topologies: 4,
        block_interval: 60.0,
        ..NetworkSpec::default()
    };
    let zs: Vec<u32> = (1..=4).collect();
    for attack in [
        NetAttack::Finney(FinneySpec::default()),
        NetAttack::Majority(MajoritySpec::default()),
    ] {
        let mut is = experiment(attack, net.clone(), &[0.2, 0.35], zs.clone());
        is.trials = 60_000;
        let mut mc = is.clone();
        mc.sampling.method = Method::Mc;
        mc.trials = 400_000;
        let (a, b) = (is.run(&NoProgress).rows(), mc.run(&NoProgress).rows());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!((x.method, y.method), (Estimator::Is, Estimator::Mc));
            let se = x.std_error.unwrap().hypot(y.std_error.unwrap());
            assert!(
                (x.probability - y.probability).abs() <= 4.5 * se,
                "{} q {} z {}: IS {} vs MC {} (se {se})",
                x.attack,
                x.q,
                x.z,
                x.probability,
                y.probability
            );
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn ok(args: &[&str]) {
    let out = dslab().args(args).output().expect("dslab runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A Finney grid on a small real network with importance sampling for some q (auto).
const NET_RUN: [&str; 16] = [
    "simulate",
    "--attack",
    "finney",
    "--q",
    "0.1,0.3",
    "--z",
    "0..8",
    "--method",
    "auto",
    "--nodes",
    "150",
    "--topologies",
    "3",
    "--seed",
    "21",
    "--quiet",
];

#[test]
fn network_runs_are_the_same_bytes_on_any_thread_count_and_after_merging_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let dir = tmp.path().join(name);
        ok(&[
            &NET_RUN[..],
            &["--trials", "40000", "--out", path(&dir)],
            extra,
        ]
        .concat());
        dir
    };
    let one = run("one", &["--threads", "1"]);
    let two = run("two", &["--threads", "2"]);
    let csv = |d: &Path| std::fs::read(d.join("reversal.csv")).unwrap();
    assert_eq!(csv(&one), csv(&two), "1 vs 2 threads");
    let (header, rows) = parse_csv(&String::from_utf8(csv(&one)).unwrap());
    let method = header.iter().position(|h| h == "method").unwrap();
    assert!(
        rows.iter().any(|r| r[method] == "is"),
        "auto picks IS somewhere"
    );

    for i in 1..=3 {
        run("shards", &["--shard", &format!("{i}/3")]);
    }
    let merged = tmp.path().join("merged");
    ok(&[
        "merge",
        path(&tmp.path().join("shards")),
        "--out",
        path(&merged),
    ]);
    assert_eq!(csv(&two), csv(&merged), "merged shards = unsharded run");
}

#[test]
fn a_killed_network_run_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));
    let trials = ["--trials", "3000000", "--threads", "2"];
    ok(&[&NET_RUN[..], &trials, &["--out", path(&whole)]].concat());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dslab"))
        .args(NET_RUN)
        .args(trials)
        .args(["--out", path(&killed), "--checkpoint-every", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    crate::util::wait_for_file(&mut child, &killed.join("checkpoint.json"));
    assert!(child.try_wait().unwrap().is_none(), "killed part-way");
    child.kill().unwrap();
    child.wait().unwrap();
    let out = dslab()
        .args(NET_RUN)
        .args(trials)
        .args(["--out", path(&killed), "--resume"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("resumed from the checkpoint"));
    assert_eq!(
        std::fs::read(whole.join("reversal.csv")).unwrap(),
        std::fs::read(killed.join("reversal.csv")).unwrap()
    );
}

#[test]
fn importance_sampling_is_refused_for_race_and_vector76() {
    for attack in ["race", "vector76"] {
        let out = dslab()
            .args([
                "simulate", "--attack", attack, "--method", "is", "--trials", "10",
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{attack}: {err}");
        assert!(err.contains("--method") && err.contains("finney"), "{err}");
    }
}

/// `reversal.csv` of an importance-sampled Finney run at q = 0.1 on the zero-latency
/// network, one z.
fn finney_is_csv(z: u32, trials: u64) -> (Vec<String>, Vec<Vec<String>>) {
    let (z, trials) = (z.to_string(), trials.to_string());
    parse_csv(&crate::util::stdout_of(&[
        "simulate",
        "--attack",
        "finney",
        "--network",
        "none",
        "--q",
        "0.1",
        "--z",
        &z,
        "--method",
        "is",
        "--trials",
        &trials,
        "--format",
        "csv",
    ]))
}

#[test]
fn timed_mining_measures_a_1e_minus_445_finney_reversal_in_log_space() {
    // q = 0.1, z = 1000, k = 1: P ≈ 10^−445.35, far below f64. Reference: the classical
    // convention's I_{4pq}(z, ½) by an independent continued fraction (analytic tests).
    let (h, rows) = finney_is_csv(1000, 40000);
    let col = |c: &str| crate::util::column(&h, &rows, c)[0];
    let truth = crate::analytic::ln_beta_inc(1000.0, 0.5, 0.36) / std::f64::consts::LN_10;
    let (low, est, high) = (
        col("log10_ci_low"),
        col("log10_probability"),
        col("log10_ci_high"),
    );
    assert!(
        low < est && est < high && high - low < 0.1,
        "[{low}, {est}, {high}]"
    );
    assert!(
        low <= truth && truth <= high,
        "{truth} outside [{low}, {high}]"
    );
    assert!((col("log10_exact") - truth).abs() < 1e-6, "exact column");
}

#[test]
fn timed_mining_is_as_efficient_as_the_block_race() {
    // z = 1, k = 1, first-seen, tilt ½, exact tail: the attacker finds m blocks before the
    // first honest one (probability 2^−(m+1) under the tilt), weight W = 2p·(2q)^m, times
    // the tie's win probability q/p when m = 0. So E[W²] = 2q² + 4p²q²/(1 − 2q²) and the
    // relative variance per trial is E[W²]/P² − 1 with P = 2q: 0.3265 at q = 0.1. Weights
    // carrying the factor of a block found after the reversal would give 1.17.
    let (q, p) = (0.1f64, 0.9f64);
    let truth = (2.0 * q * q + 4.0 * p * p * q * q / (1.0 - 2.0 * q * q)) / (2.0 * q).powi(2) - 1.0;
    let (h, rows) = finney_is_csv(1, 200000);
    let col = |c: &str| crate::util::column(&h, &rows, c)[0];
    let rel_var = col("trials") * (col("std_error") / col("probability")).powi(2);
    // The sample relative variance of 200 000 weights is within a few % of its mean.
    assert!((rel_var / truth - 1.0).abs() < 0.1, "{rel_var} vs {truth}");
}
