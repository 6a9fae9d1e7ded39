//! The replay (`dslab simulate --attack selfish|policy`, docs/replay.md): the mining game of
//! the attacker MDP played by SM1 and by policies `dslab optimize` exported, against Eyal and
//! Sirer's closed form and the solver's values; the fallback rule; bad policy files.
//!
//! Tolerance: 4 standard errors of the measured ratio (the cluster standard error over
//! renewal cycles): a correct engine fails one cell in about 16 000, while a wrong reward
//! rule moves the revenue by far more than the standard errors here (below 0.0015).

use std::path::Path;

use crate::util::{dslab, parse_csv, stdout_of};

/// Eyal and Sirer, "Majority is not Enough" (FC 2014), eq. (8), typed here from the paper
/// (not taken from the library).
fn sm1_revenue(a: f64, g: f64) -> f64 {
    (a * (1.0 - a).powi(2) * (4.0 * a + g * (1.0 - 2.0 * a)) - a.powi(3))
        / (1.0 - a * (1.0 + (2.0 - a) * a))
}

/// Rows of a CSV output as maps from column to text.
fn records(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let (h, rows) = parse_csv(text);
    rows.into_iter()
        .map(|r| h.iter().cloned().zip(r).collect())
        .collect()
}

fn num(r: &std::collections::HashMap<String, String>, k: &str) -> f64 {
    r[k].parse()
        .unwrap_or_else(|_| panic!("column {k} = {:?} is not a number", r.get(k)))
}

/// The solver's value and its policy file at one point.
fn optimize(dir: &Path, args: &[&str], alpha: &str, gamma: &str) -> (f64, String) {
    let file = dir
        .join(format!("policy-{alpha}-{gamma}.csv"))
        .display()
        .to_string();
    let mut all = vec!["optimize", "--alpha", alpha, "--gamma", gamma];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--decimals", "4", "--policy-out", &file, "--format", "csv"]);
    let out = records(&stdout_of(&all));
    (num(&out[0], "value"), file)
}

#[test]
fn sm1_revenue_matches_the_closed_form_on_a_grid() {
    let out = stdout_of(&[
        "simulate",
        "--attack",
        "selfish",
        "--q",
        "0.2,0.3,0.4",
        "--gamma",
        "0,0.5,1",
        "--trials",
        "4e5",
        "--format",
        "csv",
        "--quiet",
    ]);
    let rows = records(&out);
    assert_eq!(rows.len(), 9);
    for r in &rows {
        let (a, g) = (num(r, "alpha"), num(r, "gamma"));
        let (m, se) = (num(r, "measured"), num(r, "std_error"));
        let want = sm1_revenue(a, g);
        assert_eq!(r["objective"], "revenue");
        assert!(se > 0.0 && se < 0.0015, "α {a} γ {g}: se {se}");
        assert!(
            (m - want).abs() <= 4.0 * se,
            "α {a} γ {g}: {m} ± {se} vs {want}"
        );
        // The printed reference is the same closed form (to rounding).
        assert!((num(r, "reference") - want).abs() < 1e-12, "{r:?}");
        assert!(num(r, "low") < m && m < num(r, "high"));
    }
}

#[test]
fn replaying_optimal_revenue_policies_gives_the_solver_values() {
    let dir = tempfile::tempdir().unwrap();
    // (0.25, 0): honest mining is optimal (value α); (0.35, 0.5) and (0.4, 1): optimal
    // selfish mining beats SM1.
    for (alpha, gamma) in [("0.25", "0"), ("0.35", "0.5"), ("0.4", "1")] {
        let (solver, file) = optimize(dir.path(), &["--objective", "revenue"], alpha, gamma);
        let out = stdout_of(&[
            "simulate", "--attack", "policy", "--policy", &file, "--q", alpha, "--gamma", gamma,
            "--trials", "4e5", "--format", "csv", "--quiet",
        ]);
        let r = &records(&out)[0];
        let (m, se) = (num(r, "measured"), num(r, "std_error"));
        assert!(
            (m - solver).abs() <= 4.0 * se,
            "α {alpha} γ {gamma}: {m} ± {se} vs the solver's {solver}"
        );
        // The file's policy evaluated again after the round trip: the solver's value.
        assert!(
            (num(r, "reference") - solver).abs() < 1e-9,
            "{r:?} vs {solver}"
        );
        assert_eq!(num(r, "fallback_decisions"), 0.0, "{r:?}");
        if gamma == "1" {
            // γ = 1: the attacker wins every race, so the optimum is α/(1−α) (derived
            // independently: docs/references.md, Optimal attackers).
            let a: f64 = alpha.parse().unwrap();
            assert!((m - a / (1.0 - a)).abs() <= 4.0 * se, "{m} ± {se}");
        }
    }
}

#[test]
fn replaying_a_double_spend_policy_gives_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let ds = ["--objective", "double-spend", "--value", "10", "--z", "3"];
    let (solver, file) = optimize(dir.path(), &ds, "0.3", "0");
    assert!(solver > 0.3, "deviating pays at V = 10: {solver}");
    let out = stdout_of(&[
        "simulate", "--attack", "policy", "--policy", &file, "--q", "0.3", "--gamma", "0",
        "--value", "10", "--z", "3", "--trials", "4e5", "--format", "csv", "--quiet",
    ]);
    let rows = records(&out);
    let objectives: Vec<&str> = rows.iter().map(|r| r["objective"].as_str()).collect();
    assert_eq!(
        objectives,
        ["revenue", "reversal-rate", "reward-per-interval"]
    );
    for r in &rows {
        let (m, se, want) = (num(r, "measured"), num(r, "std_error"), num(r, "reference"));
        assert!((m - want).abs() <= 4.0 * se, "{r:?}");
    }
    // The reward per block interval is the solver's objective.
    assert!((num(&rows[2], "reference") - solver).abs() < 1e-9);
    // Reward = (attacker blocks + V · reversals) / intervals, so reward − V · rate is the
    // attacker's blocks per interval: between 0 and 1, and below honest mining's α here
    // (the bounty is what pays).
    let blocks = num(&rows[2], "measured") - 10.0 * num(&rows[1], "measured");
    assert!(blocks > 0.0 && blocks < 0.3, "{blocks}");
}

#[test]
fn honest_policy_and_the_fallback_rule_give_alpha() {
    let dir = tempfile::tempdir().unwrap();
    // A one-row file: every other state is decided by the fallback rule (override if
    // ahead, else adopt), which is honest mining, so each cycle is one block and the
    // revenue is the share of attacker blocks: α.
    let file = dir.path().join("one-row.csv");
    std::fs::write(&file, "a,h,fork,action\n1,0,irrelevant,override\n").unwrap();
    let out = stdout_of(&[
        "simulate",
        "--attack",
        "policy",
        "--policy",
        file.to_str().unwrap(),
        "--q",
        "0.3",
        "--gamma",
        "0.5",
        "--trials",
        "2e5",
        "--format",
        "csv",
        "--quiet",
    ]);
    let r = &records(&out)[0];
    let (m, se) = (num(r, "measured"), num(r, "std_error"));
    assert!((m - 0.3).abs() <= 4.0 * se, "{m} ± {se}");
    // Binomial standard error of one block per cycle: √(α(1−α)/n).
    assert!((se / (0.21f64 / 2e5).sqrt() - 1.0).abs() < 0.01, "se {se}");
    assert_eq!(num(r, "mining_events"), 2e5);
    // The honest cycles that start with an honest block (≈ 70 %) fell back.
    let fb = num(r, "fallback_decisions");
    assert!((fb / 2e5 - 0.7).abs() < 0.01, "{fb}");
    assert!((num(r, "reference") - 0.3).abs() < 1e-12);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let run = |t: &str| {
        stdout_of(&[
            "simulate",
            "--attack",
            "selfish",
            "--q",
            "0.35",
            "--gamma",
            "0.5",
            "--trials",
            "1e5",
            "--threads",
            t,
            "--format",
            "csv",
            "--quiet",
        ])
    };
    assert_eq!(run("1"), run("2"));
}

/// Exit code 2 and a message containing every one of `needles`.
fn refused(args: &[&str], needles: &[&str]) {
    let out = dslab().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {err} lacks {n}");
    }
}

#[test]
fn bad_policy_files_and_flags_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let run = |file: &str| {
        vec![
            "simulate", "--attack", "policy", "--policy", file, "--q", "0.3",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let check = |file: &str, needles: &[&str]| {
        let args = run(file);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, needles);
    };
    let missing = dir.path().join("none.csv").display().to_string();
    check(&missing, &["none.csv", "cannot read", "--policy-out"]);
    check(&write("empty.csv", ""), &["empty.csv", "empty"]);
    check(
        &write("header.csv", "x,y\n1,2\n"),
        &["header.csv", "line 1", "a,h,fork,action"],
    );
    let garbled = write(
        "garbled.csv",
        "a,h,fork,action\n1,0,irrelevant,wait\n2,x,relevant\n",
    );
    check(&garbled, &["garbled.csv", "line 3", "4"]);
    let illegal = write("illegal.csv", "a,h,fork,action\n1,1,relevant,override\n");
    check(&illegal, &["illegal.csv", "line 2", "override"]);
    let fork = write("fork.csv", "a,h,fork,action\n1,1,sideways,adopt\n");
    check(&fork, &["fork.csv", "line 2", "sideways"]);
    let dup = write(
        "dup.csv",
        "a,h,fork,action\n1,0,irrelevant,wait\n1,0,irrelevant,adopt\n",
    );
    check(&dup, &["dup.csv", "line 3", "line 2"]);
    refused(
        &["simulate", "--attack", "policy", "--q", "0.3"],
        &["--policy", "--policy-out"],
    );
    refused(
        &["simulate", "--attack", "selfish", "--q", "0.6"],
        &["--q", "0.5"],
    );
    refused(
        &["simulate", "--attack", "selfish", "--give-up", "3"],
        &["--give-up"],
    );
    refused(
        &["simulate", "--attack", "selfish", "--value", "5"],
        &["--z"],
    );
    refused(
        &["simulate", "--attack", "majority", "--gamma", "0.5"],
        &["--gamma", "--tie"],
    );
    // A scenario naming a game attack: not a lab scenario; the error names the file's
    // line and lists the scenario attacks.
    let scenario = write("s.toml", "attack = \"selfish\"\nq = \"0.3\"\nz = \"1\"\n");
    let out = dir.path().join("out").display().to_string();
    refused(
        &["run", &scenario, "--out", &out, "--quiet"],
        &["s.toml, line 1", "selfish", "use one of majority"],
    );
}
