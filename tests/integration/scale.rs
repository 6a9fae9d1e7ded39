//! Rare events and scale: importance sampling against the closed forms, probabilities of
//! 1e-12 to 5 %, target-precision runs, shards merged byte for byte, and a run killed
//! part-way and resumed to the same bytes.

use std::path::Path;
use std::process::Stdio;

use dslab::attack::majority::{BlockRace, RaceMajority};
use dslab::estimate::NoProgress;
use dslab::estimate::results::Estimator;
use dslab::experiment::{AttackSpec, Experiment, Method, Sampling};
use dslab::params::Convention;
use dslab::stats::CiMethod;

use crate::util::{column, dslab, parse_csv, stdout_of};

/// Column `name` as text.
fn text(header: &[String], rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = header.iter().position(|h| h == name).expect("column");
    rows.iter().map(|r| r[i].clone()).collect()
}

fn is_experiment(convention: Convention, confidence: f64) -> Experiment {
    Experiment {
        name: "is-grid".into(),
        attack: AttackSpec::BlockRace(BlockRace {
            attack: RaceMajority {
                convention,
                give_up: None,
                walk: false,
            },
            pow_bits: None,
        }),
        qs: vec![0.05, 0.1, 0.2, 0.3, 0.4],
        zs: (0..=60).collect(),
        trials: 1 << 16,
        seed: 2024,
        ci: CiMethod::Wilson,
        confidence,
        sampling: Sampling {
            method: Method::Is,
            rel_error: None,
            tilt: None,
        },
    }
}

/// The issue's grid, q ∈ {0.05, …, 0.4} × z ∈ 0..=60, in both conventions (P from 1 down
/// to 4e-45). Every closed form lies inside the stated 99.999 % interval (4.42 standard
/// errors: a false alarm per row has probability 1e-5, about 0.6 % over the 610 rows), and
/// at least 90 % of them inside ±1.96 standard errors (the 95 % interval's coverage).
#[test]
fn importance_sampling_agrees_with_exact_up_to_z_60() {
    for conv in [Convention::CLASSICAL, Convention::DEFAULT] {
        let rows = is_experiment(conv, 0.99999).run(&NoProgress).rows();
        assert_eq!(rows.len(), 5 * 61);
        let mut inside95 = 0;
        for r in &rows {
            let exact = r.exact.expect("closed form beside every row");
            assert_eq!(r.method, Estimator::Is);
            assert!(
                r.ci_low <= exact && exact <= r.ci_high,
                "{conv}: q {} z {}: {} [{}, {}] vs exact {exact}",
                r.q,
                r.z,
                r.probability,
                r.ci_low,
                r.ci_high
            );
            let se = r.std_error.expect("standard error");
            inside95 += usize::from((r.probability - exact).abs() <= 1.96 * se);
        }
        assert!(inside95 * 10 >= rows.len() * 9, "{conv}: {inside95} of 305");
        // The smallest probability of the grid is still estimated, not 0.
        let deepest = rows.iter().find(|r| r.q == 0.05 && r.z == 60).unwrap();
        assert!(deepest.probability > 0.0 && deepest.probability < 1e-40);
    }
}

/// q = 0.1, z = 25 under the classical convention is 1.122468540167833e-12 and z = 30 is
/// 6.211299144111191e-15: Rosenfeld's closed form 1 − Σ_{m≤z} C(m+z−1, m)(p^z q^m − q^z p^m)
/// evaluated in exact rational arithmetic (Python `fractions`, q = 1/10), independently of
/// dslab. Plain Monte Carlo would need about 3e15 trials for ±5 %; importance sampling must
/// get there within 10^7.
#[test]
fn one_in_a_trillion_to_five_percent_within_ten_million_trials() {
    let out = stdout_of(&[
        "simulate",
        "--q",
        "0.1",
        "--z",
        "25,30",
        "--classical",
        "--method",
        "is",
        "--rel-error",
        "0.05",
        "--max-trials",
        "10000000",
        "--seed",
        "7",
        "--format",
        "csv",
    ]);
    let (h, rows) = parse_csv(&out);
    let trials = column(&h, &rows, "trials");
    let p = column(&h, &rows, "probability");
    let rel = column(&h, &rows, "rel_error");
    let (low, high) = (column(&h, &rows, "ci_low"), column(&h, &rows, "ci_high"));
    let exact = [1.122_468_540_167_833e-12, 6.211_299_144_111_191e-15];
    for i in 0..2 {
        assert_eq!(text(&h, &rows, "stop")[i], "target");
        assert!(trials[i] <= 1e7, "{} trials", trials[i]);
        assert!(rel[i] <= 0.05, "relative half-width {}", rel[i]);
        assert!(
            low[i] <= exact[i] && exact[i] <= high[i],
            "{} vs {}",
            p[i],
            exact[i]
        );
        assert!((p[i] / exact[i] - 1.0).abs() <= 0.05);
    }
}

/// The underflow case: q = 0.1, z = 1000, classical convention, P ≈ 4.5e-446, far below
/// the smallest f64 (5e-324), estimated by importance sampling.
const DEEP: [&str; 10] = [
    "simulate",
    "--q",
    "0.1",
    "--z",
    "1000",
    "--classical",
    "--method",
    "is",
    "--trials",
    "100000",
];

#[test]
fn importance_sampling_far_below_f64_keeps_its_log10_and_interval() {
    let mut args = DEEP.to_vec();
    args.extend(["--format", "csv"]);
    let (h, rows) = parse_csv(&stdout_of(&args));
    assert_eq!(rows.len(), 1);
    // The values themselves underflow; the log10 columns carry the estimate.
    for c in ["probability", "ci_low", "ci_high", "exact"] {
        assert_eq!(column(&h, &rows, c), [0.0], "{c}");
    }
    let one = |c: &str| column(&h, &rows, c)[0];
    let (est, low, high) = (
        one("log10_probability"),
        one("log10_ci_low"),
        one("log10_ci_high"),
    );
    // Independent: Grunspan–Pérez-Marco's I_{4pq}(z, ½) by continued fraction (classical
    // convention), not dslab's closed form.
    let truth = crate::analytic::ln_beta_inc(1000.0, 0.5, 0.36) / std::f64::consts::LN_10;
    assert!(
        (truth + 445.35).abs() < 0.01,
        "independent evaluator: {truth}"
    );
    assert!(low < est && est < high, "[{low}, {high}] around {est}");
    assert!(
        low <= truth && truth <= high,
        "closed form {truth} outside [{low}, {high}]"
    );
    // An informative interval (±7 % at most), consistent with the rel_error column.
    assert!(high - low < 0.06, "[{low}, {high}]");
    let rel = one("rel_error");
    assert!(
        (10f64.powf(high - est) - 1.0 - rel).abs() < 1e-9,
        "rel_error {rel}"
    );
    assert!((one("log10_exact") - truth).abs() < 1e-9);
    assert!(one("ess") >= 100.0);
}

#[test]
fn table_prints_probabilities_far_below_f64_as_decimal_exponents() {
    let out = stdout_of(&DEEP);
    let line = out
        .lines()
        .find(|l| l.split_whitespace().take(2).eq(["0.1", "1000"]))
        .unwrap_or_else(|| panic!("no row for q = 0.1, z = 1000 in\n{out}"));
    // q, z, estimate, [low, high], exact, method, trials, ± rel.
    let f: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(f.len(), 9, "{line}");
    let exponent = |s: &str| -> f64 {
        let s = s.trim_start_matches('[').trim_end_matches([',', ']']);
        let e = s
            .strip_prefix("1e")
            .unwrap_or_else(|| panic!("{s} is not 1e…: {line}"));
        assert_eq!(e.split('.').nth(1).map(str::len), Some(2), "{line}");
        e.parse().unwrap()
    };
    let (est, low, high, exact) = (
        exponent(f[2]),
        exponent(f[3]),
        exponent(f[4]),
        exponent(f[5]),
    );
    assert!(f[3].starts_with('[') && f[4].ends_with(']'), "{line}");
    assert!(low <= est && est <= high, "{line}");
    assert_eq!(exact, -445.35, "{line}");
    assert!((est - exact).abs() <= 0.03, "{line}");
    assert!(f[8].ends_with('%'), "relative precision shown: {line}");
}

fn csv_with_threads(threads: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "simulate",
        "--q",
        "0.1,0.3,0.6",
        "--z",
        "0..20",
        "--seed",
        "3",
        "--format",
        "csv",
        "--threads",
        threads,
    ];
    args.extend(extra);
    stdout_of(&args)
}

#[test]
fn same_seed_same_bytes_on_any_thread_count_with_importance_sampling() {
    for extra in [
        &["--method", "is", "--trials", "100000"][..],
        &[
            "--method",
            "auto",
            "--rel-error",
            "0.03",
            "--max-trials",
            "2000000",
        ][..],
    ] {
        let one = csv_with_threads("1", extra);
        assert_eq!(one, csv_with_threads("2", extra), "{extra:?}");
        assert_eq!(one, csv_with_threads("3", extra), "{extra:?}");
    }
}

#[test]
fn auto_uses_importance_sampling_only_where_monte_carlo_is_too_noisy() {
    let run = |z: &str| {
        let out = stdout_of(&[
            "simulate",
            "--q",
            "0.1,0.3,0.6",
            "--z",
            z,
            "--classical",
            "--method",
            "auto",
            "--trials",
            "100000",
            "--format",
            "csv",
        ]);
        let (h, rows) = parse_csv(&out);
        text(&h, &rows, "method")
    };
    // z ≤ 3: P ≥ 0.017, plain MC is within ±5 % at 10^5 trials.
    assert!(run("0..3").iter().all(|m| m == "mc"));
    // z = 12 at q = 0.1: P = 9.4e-7, about 0.1 expected reversals: IS. q = 0.6 always MC.
    let m = run("0..12");
    assert!(m[..13].iter().all(|m| m == "is"));
    assert!(
        m[13..26].iter().all(|m| m == "mc"),
        "q = 0.3: P(12) = 0.043"
    );
    assert!(m[26..].iter().all(|m| m == "mc"), "q ≥ ½ is certain: MC");
}

#[test]
fn rel_error_runs_to_the_target_or_reports_the_cap() {
    let run = |extra: &[&str]| {
        let mut args = vec![
            "simulate", "--q", "0.3", "--z", "0..6", "--format", "csv", "--seed", "9",
        ];
        args.extend(extra);
        let (h, rows) = parse_csv(&stdout_of(&args));
        (
            column(&h, &rows, "trials"),
            column(&h, &rows, "rel_error"),
            text(&h, &rows, "stop"),
        )
    };
    let (trials, rel, stop) = run(&["--rel-error", "0.02"]);
    assert!(stop.iter().all(|s| s == "target"), "{stop:?}");
    assert!(rel.iter().all(|&r| r <= 0.02));
    // Not run far beyond the need: P(6) = 0.089 needs ~ 9.6e4·(0.911/0.089)… ≈ 1e5 trials.
    assert!(
        trials[0] < 1_000_000.0 && trials[0] >= 32_768.0,
        "{}",
        trials[0]
    );
    let (trials, rel, stop) = run(&["--rel-error", "0.001", "--max-trials", "50000"]);
    assert!(trials.iter().all(|&t| t == 50_000.0));
    assert!(stop.iter().zip(&rel).all(|(s, &r)| s == "cap" && r > 0.001));
}

/// A poor tilt (the exchanged rates before acceptance) concentrates the weight on a handful
/// of trials: the effective sample size exposes it, the run never claims the target, and
/// the user is warned.
#[test]
fn too_few_effective_samples_never_meet_a_target() {
    let out = dslab()
        .args([
            "simulate",
            "--q",
            "0.1",
            "--z",
            "25",
            "--classical",
            "--method",
            "is",
        ])
        .args([
            "--tilt",
            "0.9",
            "--rel-error",
            "0.05",
            "--max-trials",
            "100000",
        ])
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (h, rows) = parse_csv(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(text(&h, &rows, "stop"), ["cap"]);
    assert!(column(&h, &rows, "ess")[0] < 100.0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("effective sample size"));
}

fn dslab_ok(args: &[&str]) {
    let out = dslab().args(args).output().expect("dslab runs");
    assert!(
        out.status.success(),
        "dslab {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn shards_merge_into_exactly_the_unsharded_csv() {
    let tmp = tempfile::tempdir().unwrap();
    // q = 0.1 by importance sampling (float sums), 0.3 by Monte Carlo, 0.6 with its
    // blocks-to-success histogram; 100 000 trials is not a multiple of the batch size.
    let base = [
        "simulate",
        "--q",
        "0.1,0.3,0.6",
        "--z",
        "0..12",
        "--method",
        "auto",
        "--trials",
        "100000",
        "--seed",
        "5",
        "--quiet",
    ];
    let whole = tmp.path().join("whole");
    let shards = tmp.path().join("shards");
    let merged = tmp.path().join("merged");
    dslab_ok(&[&base[..], &["--out", path(&whole)]].concat());
    for i in 1..=3 {
        let s = format!("{i}/3");
        dslab_ok(&[&base[..], &["--out", path(&shards), "--shard", &s]].concat());
    }
    assert!(
        !shards.join("reversal.csv").exists(),
        "a shard writes no partial CSV"
    );
    dslab_ok(&["merge", path(&shards), "--out", path(&merged)]);
    let a = std::fs::read(whole.join("reversal.csv")).unwrap();
    let b = std::fs::read(merged.join("reversal.csv")).unwrap();
    assert_eq!(a, b, "merged shards = unsharded run, byte for byte");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 5);
    assert_eq!(manifest["merged_shards"], 3);
}

#[test]
fn merge_refuses_missing_duplicate_and_foreign_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = |dir: &str, i: &str, seed: &str| {
        let d = tmp.path().join(dir);
        dslab_ok(&[
            "simulate",
            "--q",
            "0.3",
            "--z",
            "0..3",
            "--trials",
            "40000",
            "--quiet",
            "--seed",
            seed,
            "--shard",
            i,
            "--out",
            path(&d),
        ]);
        d
    };
    let a = shard("a", "1/2", "1");
    let b = shard("b", "2/2", "1");
    let other = shard("c", "2/2", "2");
    let out = tmp.path().join("out");
    let refuse = |inputs: &[&Path], needle: &str| {
        let mut args = vec!["merge".to_string()];
        args.extend(inputs.iter().map(|p| path(p).to_string()));
        args.extend(["--out".into(), path(&out).into()]);
        let o = dslab().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!out.join("reversal.csv").exists());
    };
    refuse(&[&a], "2/2");
    refuse(&[&a, &a.join("shard-1-of-2.json")], "appears twice");
    refuse(&[&a, &other], "seed");
    refuse(&[&tmp.path().join("nothing")], "no such file");
    // The right pair merges.
    dslab_ok(&["merge", path(&a), path(&b), "--out", path(&out)]);
}

/// Start a run as a child process, kill it once a checkpoint exists, resume it: the
/// result is the uninterrupted run's, byte for byte (importance-sampling sums included).
#[test]
fn resume_after_kill_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "simulate", "--q", "0.1,0.3", "--z", "0..6", "--method", "is", "--trials", "10000000",
        "--seed", "13", "--quiet", "--format", "csv",
    ];
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));
    dslab_ok(&[&args[..], &["--out", path(&whole)]].concat());

    let bin = assert_cmd::cargo::cargo_bin("dslab");
    let mut child = std::process::Command::new(bin)
        .args(args)
        .args(["--out", path(&killed), "--checkpoint-every", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = killed.join("checkpoint.json");
    crate::util::wait_for_file(&mut child, &checkpoint);
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running when killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !killed.join("reversal.csv").exists(),
        "killed before the end"
    );

    let out = dslab()
        .args(args)
        .args(["--out", path(&killed), "--resume"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("resumed from the checkpoint"));
    assert_eq!(
        std::fs::read(whole.join("reversal.csv")).unwrap(),
        std::fs::read(killed.join("reversal.csv")).unwrap()
    );
    assert!(
        !checkpoint.exists(),
        "the checkpoint is removed once the results are written"
    );
}

#[test]
fn resume_refuses_another_runs_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("checkpoint.json"),
        r#"{"format":"dslab-checkpoint/1","version":"0.0.0","scenario_hash":"x","batch_size":16384,"shard":null,"state":{"cells":[]}}"#,
    )
    .unwrap();
    let o = dslab()
        .args([
            "simulate", "--q", "0.3", "--z", "0..3", "--trials", "1000", "--quiet",
        ])
        .args(["--out", path(&dir), "--resume"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--resume") && err.contains("version"), "{err}");
}

#[test]
fn bad_scale_flags_exit_2_naming_the_flag() {
    for (args, needle) in [
        (&["--shard", "0/4", "--out", "x"][..], "--shard"),
        (&["--shard", "1/4"][..], "--out"),
        (&["--rel-error", "1.5"][..], "--rel-error"),
        (&["--rel-error", "0.1", "--trials", "5"][..], "--trials"),
        (&["--max-trials", "5"][..], "--rel-error"),
        (&["--tilt", "0"][..], "--tilt"),
        (&["--resume"][..], "--out"),
    ] {
        let o = dslab()
            .args(["simulate", "--q", "0.3", "--z", "0..2"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// Shards of a precision-target run would each stop on their own batches: `run --shard`
/// refuses such a scenario, and `merge` refuses a shard file that says it ran to a target.
#[test]
fn precision_target_runs_are_not_sharded() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("target.toml");
    std::fs::write(
        &scenario,
        "# t\nattack = \"majority\"\nq = \"0.1\"\nz = \"0..3\"\nmethod = \"is\"\nrel_error = 0.05\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = dslab()
        .args([
            "run",
            path(&scenario),
            "--shard",
            "1/2",
            "--out",
            path(&out),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--shard") && err.contains("rel_error"),
        "{err}"
    );

    // The built-in lab shards without its precision-target scenario, and says so.
    let lab = tmp.path().join("lab");
    let o = dslab()
        .args([
            "run",
            "--quick",
            "--quiet",
            "--shard",
            "1/2",
            "--out",
            path(&lab),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning") && err.contains("finney-deep"),
        "{err}"
    );
    assert!(lab.join("majority/shard-1-of-2.json").is_file());
    assert!(!lab.join("finney-deep").exists());

    // A genuine fixed-trials shard, edited to claim a precision target.
    let shards = tmp.path().join("shards");
    dslab_ok(&[
        "simulate",
        "--q",
        "0.3",
        "--z",
        "0..2",
        "--trials",
        "40000",
        "--quiet",
        "--shard",
        "1/1",
        "--out",
        path(&shards),
    ]);
    let file = shards.join("shard-1-of-1.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    json["result"]["rel_error"] = serde_json::json!(0.05);
    // Re-sealed, as a deliberate edit would be (an unsealed edit fails the checksum first).
    json["checksum"] = dslab::report::shard::checksum(&json).into();
    std::fs::write(&file, json.to_string()).unwrap();
    let merged = tmp.path().join("merged");
    let o = dslab()
        .args(["merge", path(&shards), "--out", path(&merged)])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("precision target"), "{err}");
    assert!(!merged.join("reversal.csv").exists());
}
