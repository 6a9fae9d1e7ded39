//! The majority attack simulated in the block race against the closed forms under the same
//! convention, and reproducibility of the output bytes.

use dslab::analytic;
use dslab::attack::majority::{BlockRace, RaceMajority};
use dslab::estimate::NoProgress;
use dslab::experiment::{AttackSpec, Experiment};
use dslab::params::{Convention, TieRule};
use dslab::stats::CiMethod;

use crate::util::{assert_log10_columns_match_values, dslab, parse_csv, stdout_of};

fn experiment(qs: &[f64], z_max: u32, trials: u64, seed: u64, spec: RaceMajority) -> Experiment {
    Experiment {
        name: "test".into(),
        attack: AttackSpec::BlockRace(BlockRace {
            attack: spec,
            pow_bits: None,
        }),
        qs: qs.to_vec(),
        zs: (0..=z_max).collect(),
        trials,
        seed,
        ci: CiMethod::Wilson,
        confidence: 0.95,
        sampling: Default::default(),
    }
}

/// Tolerance: 4 standard errors of a binomial proportion at the true P (a false alarm per
/// cell has probability 6e-5), plus 1/N for the discreteness of the estimate near 0 and 1.
fn assert_agrees(exp: &Experiment, truth: impl Fn(f64, u32) -> f64) {
    let rows = exp.run(&NoProgress).rows();
    assert_eq!(rows.len(), exp.qs.len() * exp.zs.len());
    for r in rows {
        let p = truth(r.q, r.z);
        let n = r.trials as f64;
        let tol = 4.0 * (p * (1.0 - p) / n).sqrt() + 1.0 / n;
        assert!(
            (r.probability - p).abs() <= tol,
            "q {} z {}: simulated {} vs closed form {p} (tolerance {tol})",
            r.q,
            r.z,
            r.probability
        );
        assert_eq!(r.exact, Some(p), "the closed form beside the estimate");
        assert!(r.ci_low <= r.probability && r.probability <= r.ci_high);
    }
}

const GRID: [f64; 6] = [0.1, 0.2, 0.3, 0.4, 0.45, 0.5];

#[test]
fn default_convention_agrees_with_exact() {
    let spec = RaceMajority {
        convention: Convention::DEFAULT,
        give_up: None,
        walk: false,
    };
    let exp = experiment(&GRID, 10, 200_000, 11, spec);
    assert_agrees(&exp, |q, z| {
        analytic::exact(q, z, Convention::DEFAULT).value
    });
}

#[test]
fn classical_convention_agrees_with_rosenfeld() {
    let spec = RaceMajority {
        convention: Convention::CLASSICAL,
        give_up: None,
        walk: false,
    };
    let exp = experiment(&GRID, 10, 200_000, 12, spec);
    assert_agrees(&exp, |q, z| {
        analytic::exact(q, z, Convention::CLASSICAL).value
    });
}

#[test]
fn gamma_tie_rule_and_head_start_agree_with_exact() {
    let convention = Convention {
        premined: 2,
        tie: TieRule::Gamma(0.5),
    };
    let spec = RaceMajority {
        convention,
        give_up: None,
        walk: false,
    };
    let exp = experiment(&[0.15, 0.35], 10, 200_000, 13, spec);
    assert_agrees(&exp, |q, z| analytic::exact(q, z, convention).value);
}

#[test]
fn walking_every_block_agrees_with_the_give_up_closed_form() {
    // Walk the whole race (no exact tail), attacker gives up 12 behind: compare with the
    // give-up dynamic program; and the exact-tail engine with the same give-up too.
    for walk in [true, false] {
        let spec = RaceMajority {
            convention: Convention::CLASSICAL,
            give_up: Some(12),
            walk,
        };
        let exp = experiment(&[0.3, 0.45], 10, 100_000, 14, spec);
        assert_agrees(&exp, |q, z| {
            analytic::exact_with_give_up(q, z, Convention::CLASSICAL, 12)
        });
    }
}

#[test]
fn majority_attacker_reports_blocks_to_success() {
    // q = 0.6 from a tie at z = 0 needs one net block: E = 1/(q − p) = 5 blocks, variance
    // (1 − μ²)/μ³ = 120 for drift μ = 0.2 (first passage of a ±1 walk). 4 standard errors.
    let spec = RaceMajority {
        convention: Convention::DEFAULT,
        give_up: None,
        walk: false,
    };
    let exp = experiment(&[0.6], 3, 100_000, 15, spec);
    let rows = exp.run(&NoProgress).rows();
    assert!(rows.iter().all(|r| r.probability == 1.0));
    let mean = rows[0].mean_blocks.expect("blocks reported for q > 1/2");
    assert!(
        (mean - 5.0).abs() < 4.0 * (120.0f64 / 100_000.0).sqrt(),
        "mean {mean}"
    );
    assert!(rows[0].p99_blocks.expect("p99") > 20);
    // Later merchants take longer.
    assert!(rows[3].mean_blocks > rows[0].mean_blocks);
}

#[test]
fn output_is_identical_for_any_thread_count_and_changes_with_the_seed() {
    let args = |threads: &'static str, seed: &'static str| {
        vec![
            "simulate",
            "--q",
            "0.1,0.3,0.45",
            "--z",
            "0..10",
            "--trials",
            "300000",
            "--seed",
            seed,
            "--threads",
            threads,
            "--format",
            "csv",
        ]
    };
    let one = stdout_of(&args("1", "7"));
    let two = stdout_of(&args("2", "7"));
    assert_eq!(one, two);
    assert_ne!(one, stdout_of(&args("2", "8")));
}

#[test]
fn csv_json_and_out_folder_follow_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let csv = stdout_of(&[
        "simulate",
        "--q",
        "0.1,0.3",
        "--z",
        "0..10",
        "--trials",
        "20000",
        "--seed",
        "3",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (h, rows) = parse_csv(&csv);
    assert_eq!(
        &h[..8],
        [
            "attack",
            "q",
            "z",
            "trials",
            "probability",
            "ci_low",
            "ci_high",
            "exact"
        ]
    );
    assert!(h.iter().any(|c| c == "tie") && h.iter().any(|c| c == "premined"));
    assert_eq!(rows.len(), 22);
    assert_eq!(
        std::fs::read_to_string(out.join("reversal.csv")).unwrap(),
        csv
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    for key in [
        "version",
        "command",
        "parameters",
        "seed",
        "generator",
        "trials",
        "wall_seconds",
    ] {
        assert!(manifest.get(key).is_some(), "manifest lacks {key}");
    }
    assert_eq!(manifest["seed"], 3);
    let json = stdout_of(&[
        "simulate", "--q", "0.3", "--z", "0..2", "--trials", "1000", "--format", "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(3));
    // The table names the convention and shows the closed form.
    let out = dslab()
        .args([
            "simulate",
            "--q",
            "0.3",
            "--z",
            "6",
            "--trials",
            "1000",
            "--classical",
        ])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("first-seen") && table.contains("k = 1") && table.contains("0.1564496"),
        "{table}"
    );
}

#[test]
fn monte_carlo_log10_columns_are_log10_of_the_values() {
    // 20 000 trials at q = 0.1 see no reversal at the largest z (P(12) ≈ 1e-7 to 1e-6):
    // those rows have an empty log10 estimate; the others carry log10 of the printed value.
    for conv in [&[][..], &["--classical"][..]] {
        let mut args = vec![
            "simulate", "--q", "0.1,0.3", "--z", "0..12", "--trials", "20000", "--format", "csv",
        ];
        args.extend(conv);
        let zeros = assert_log10_columns_match_values(&stdout_of(&args));
        assert!((1..26).contains(&zeros), "{zeros} rows with no reversal");
    }
}
