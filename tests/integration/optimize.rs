//! `dslab optimize`: the optimal-attacker MDP against Eyal–Sirer's SM1 closed form, honest
//! mining, published optima, truncation stability, the policy file and bad input.

use dslab::mdp::model::{Fork, Goal, Model, Params};
use dslab::mdp::sm1;
use dslab::mdp::solve::{Policy, evaluate, solve};

use crate::util::{column, dslab, parse_csv, stdout_of};

fn model(alpha: f64, gamma: f64, n: u32) -> Model {
    Model {
        params: Params {
            alpha,
            gamma,
            goal: Goal::Revenue,
        },
        n,
    }
}

/// SM1 as a policy of the truncated model (at the box edge it must override or adopt).
fn sm1_policy(m: &Model) -> Policy {
    (0..m.len())
        .map(|i| {
            let (a, h, f) = m.state(i);
            if !m.reachable(a, h, f) {
                return None;
            }
            let act = sm1::action(a, h, f);
            if m.branches(a, h, f, act).is_some() {
                Some(act)
            } else if a > h {
                Some(dslab::mdp::model::Action::Override)
            } else {
                Some(dslab::mdp::model::Action::Adopt)
            }
        })
        .collect()
}

#[test]
fn sm1_policy_reproduces_the_closed_form() {
    // SM1's branch reaches length n only if its lead stays >= 2 for n attacker blocks; at
    // α ≤ 0.3 and n = 200 that has probability below (4α(1−α))^(n/2) ≈ 3e-8 per fork, and
    // the forced override there moves the revenue by far less: 1e-7 is the tolerance.
    for alpha in [0.1, 0.2, 0.25, 0.3] {
        for gamma in [0.0, 0.5, 1.0] {
            let m = model(alpha, gamma, 200);
            let (num, den) = evaluate(&m, &sm1_policy(&m));
            let want = sm1::revenue(alpha, gamma);
            assert!(
                (num / den - want).abs() < 1e-7,
                "α {alpha} γ {gamma}: {} vs {want}",
                num / den
            );
        }
    }
}

#[test]
fn honest_mining_is_optimal_for_small_shares_without_tie_advantage() {
    // Sapirshtein et al.: with γ = 0 no deviation pays below α ≈ 0.2321; the optimum of
    // every truncation is then honest mining's α exactly (up to the 1e-13 evaluation
    // tolerance), and the policy publishes at once.
    for alpha in [0.05, 0.1, 0.2] {
        let s = solve(&model(alpha, 0.0, 40));
        assert!((s.ratio - alpha).abs() < 1e-11, "α {alpha}: {}", s.ratio);
    }
}

#[test]
fn optimum_is_never_below_sm1_or_honest() {
    for alpha in [0.1, 0.2, 0.25, 0.3, 0.35, 0.4] {
        for gamma in [0.0, 0.5, 1.0] {
            let s = solve(&model(alpha, gamma, 60));
            let floor = sm1::revenue(alpha, gamma).max(alpha);
            assert!(
                s.ratio >= floor - 1e-12,
                "α {alpha} γ {gamma}: {} < {floor}",
                s.ratio
            );
        }
    }
}

#[test]
fn published_optimal_revenues() {
    // Sapirshtein, Sompolinsky, Zohar, FC 2016, Table 1 (γ = 0), 5 decimals as printed:
    // α = 1/3 → 0.33705, α = 0.35 → 0.37077 (docs/references.md). Half a unit of the last
    // printed digit is the tolerance.
    for (alpha, want) in [(1.0 / 3.0, 0.33705), (0.35, 0.37077)] {
        let s = solve(&model(alpha, 0.0, 120));
        assert!((s.ratio - want).abs() <= 5e-6, "α {alpha}: {}", s.ratio);
    }
    // γ = 1: every tie is won, so the attacker can orphan every honest block it races; the
    // optimum is α / (1 − α) (override as soon as the honest network catches up).
    for alpha in [0.2, 0.3] {
        let s = solve(&model(alpha, 1.0, 80));
        let want = alpha / (1.0 - alpha);
        assert!(
            (s.ratio - want).abs() < 1e-8,
            "α {alpha}: {} vs {want}",
            s.ratio
        );
    }
}

#[test]
fn raising_the_truncation_keeps_the_printed_digits() {
    let out = stdout_of(&[
        "optimize",
        "--objective",
        "revenue",
        "--alpha",
        "0.3,0.35",
        "--gamma",
        "0,0.5",
        "--format",
        "csv",
    ]);
    let (h, rows) = parse_csv(&out);
    assert_eq!(
        &h[..8],
        [
            "objective",
            "alpha",
            "gamma",
            "z",
            "value",
            "lower",
            "upper",
            "honest"
        ]
    );
    let value = column(&h, &rows, "value");
    let truncation = column(&h, &rows, "truncation");
    // Twice the chosen truncation, solved here independently of the command.
    for (i, r) in rows.iter().enumerate() {
        let alpha: f64 = r[1].parse().unwrap();
        let gamma: f64 = r[2].parse().unwrap();
        let bigger = solve(&model(alpha, gamma, (truncation[i] as u32) * 2)).ratio;
        assert_eq!(
            format!("{:.5}", value[i]),
            format!("{bigger:.5}"),
            "α {alpha} γ {gamma}"
        );
    }
}

#[test]
fn policy_file_lists_every_state_with_a_known_action() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.csv");
    stdout_of(&[
        "optimize",
        "--objective",
        "revenue",
        "--alpha",
        "0.35",
        "--gamma",
        "0.5",
        "--policy-out",
        path.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("a,h,fork,action\n"), "{}", &text[..40]);
    let (_, rows) = parse_csv(&text);
    assert!(rows.len() > 100);
    for r in &rows {
        assert!(Fork::parse(&r[2]).is_some(), "{r:?}");
        assert!(
            ["adopt", "override", "match", "wait"].contains(&r[3].as_str()),
            "{r:?}"
        );
    }
    // Selfish mining at α = 0.35: with a lead of one and no honest block it waits.
    assert!(rows.iter().any(|r| r == &["1", "0", "irrelevant", "wait"]));
}

#[test]
fn double_spend_and_bounty_against_honest_mining() {
    // With no reward per reversal, deviating cannot beat α blocks per interval.
    let out = stdout_of(&[
        "optimize",
        "--objective",
        "double-spend",
        "--alpha",
        "0.2",
        "--gamma",
        "0",
        "--value",
        "0",
        "--z",
        "2",
        "--format",
        "csv",
    ]);
    let (h, rows) = parse_csv(&out);
    assert!((column(&h, &rows, "value")[0] - 0.2).abs() < 1e-11);
    // At the bounty the optimum equals honest mining, and a little above it beats it.
    let out = stdout_of(&[
        "optimize",
        "--objective",
        "bounty",
        "--alpha",
        "0.3",
        "--gamma",
        "0",
        "--z",
        "2",
        "--format",
        "csv",
    ]);
    let (h, rows) = parse_csv(&out);
    let v = column(&h, &rows, "value")[0];
    assert!(v.is_finite() && v > 0.0, "{v}");
    let above = stdout_of(&[
        "optimize",
        "--objective",
        "double-spend",
        "--alpha",
        "0.3",
        "--gamma",
        "0",
        "--value",
        &format!("{}", v * 1.01),
        "--z",
        "2",
        "--format",
        "csv",
    ]);
    let (h2, rows2) = parse_csv(&above);
    assert!(column(&h2, &rows2, "value")[0] > 0.3 + 1e-9);
    let below = stdout_of(&[
        "optimize",
        "--objective",
        "double-spend",
        "--alpha",
        "0.3",
        "--gamma",
        "0",
        "--value",
        &format!("{}", v * 0.99),
        "--z",
        "2",
        "--format",
        "csv",
    ]);
    let (h3, rows3) = parse_csv(&below);
    assert!((column(&h3, &rows3, "value")[0] - 0.3).abs() < 1e-9);
}

#[test]
fn bad_input_exits_2_naming_the_flag() {
    for (args, flag) in [
        (vec!["--objective", "revenue", "--alpha", "0.5"], "--alpha"),
        (vec!["--objective", "revenue", "--alpha", "0"], "--alpha"),
        (
            vec!["--objective", "revenue", "--alpha", "0.3", "--gamma", "1.5"],
            "--gamma",
        ),
        (
            vec!["--objective", "double-spend", "--alpha", "0.3", "--z", "6"],
            "--value",
        ),
        (vec!["--objective", "bounty", "--alpha", "0.3"], "--z"),
        (
            vec!["--objective", "bounty", "--alpha", "0.3", "--z", "0"],
            "--z",
        ),
    ] {
        let out = dslab().arg("optimize").args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}
