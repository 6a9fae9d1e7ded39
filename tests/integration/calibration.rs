//! Calibration of the network attacks' intervals, as a skeptic checks it: over many seeds
//! (each seed draws its own graphs), the printed intervals must cover the common value at
//! about their stated level and the z-scores must spread like their standard errors say.
//!
//! The reference value is the mean over the seeds (the model has no closed form on a random
//! network); with 40 seeds its own error is about 1/√40 of one seed's and is neglected.
//! Before the intervals included the graph-to-graph spread, Vector76 at q = 0.3, z = 1 gave
//! z-scores with a standard deviation near 30 here.

use super::util::{column, parse_csv, stdout_of};

/// Seeds per case.
const SEEDS: u64 = 40;

/// One case: attack flags, the attacker share, the z whose estimate is checked and the
/// graphs per run (`None`: the default count, so the test checks the default).
struct Case {
    flags: &'static [&'static str],
    q: &'static str,
    z: u32,
    graphs: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        flags: &["--attack", "finney"],
        q: "0.3",
        z: 1,
        graphs: Some("12"),
    },
    Case {
        flags: &["--attack", "race"],
        q: "0.3",
        z: 0,
        graphs: Some("12"),
    },
    Case {
        flags: &[
            "--attack",
            "race",
            "--race-variant",
            "first-seen",
            "--rbf-share",
            "0",
            "--conflict-delay",
            "0",
        ],
        q: "0.3",
        z: 0,
        graphs: Some("12"),
    },
    // Vector76's success differs widely from graph to graph (a skewed spread: a run whose
    // graphs happen to be poor for the attacker has both a low estimate and a small
    // standard error), so 12 graphs are too few for the t interval over them. Measured
    // (seeds 1..80 / 1..40): 12 graphs covered 62 of 80 times, 32 graphs 70 of 80 with
    // z-scores of sd 2.7, 96 graphs 38 of 40 with sd 1.16. docs/network.md, section 1.1.
    // Run on the default count (128), which was raised from 32 for this attack: the test
    // fails if the default stops covering it.
    Case {
        flags: &["--attack", "vector76"],
        q: "0.3",
        z: 1,
        graphs: None,
    },
    Case {
        flags: &["--attack", "majority", "--network", "default"],
        q: "0.3",
        z: 1,
        graphs: Some("12"),
    },
    // Importance sampling: the interval is t on the graphs' weight sums.
    Case {
        flags: &["--attack", "finney", "--method", "is"],
        q: "0.1",
        z: 3,
        graphs: Some("12"),
    },
    Case {
        flags: &[
            "--attack",
            "majority",
            "--network",
            "default",
            "--method",
            "is",
        ],
        q: "0.1",
        z: 3,
        graphs: Some("12"),
    },
];

/// (estimate, low, high, standard error) of `case` with `seed`, on a small network (200
/// nodes, 12 graphs, the default 128 for Vector76) so that 40 seeds run in seconds.
fn estimate(case: &Case, seed: u64) -> (f64, f64, f64, f64) {
    let (z, seed) = (case.z.to_string(), seed.to_string());
    let mut args: Vec<&str> = case.flags.to_vec();
    args.extend([
        "--q", case.q, "--z", &z, "--trials", "3000", "--nodes", "200", "--seed", &seed,
        "--format", "csv", "--quiet",
    ]);
    if let Some(g) = case.graphs {
        args.extend(["--topologies", g]);
    }
    let mut full = vec!["simulate"];
    full.extend(args);
    let (h, rows) = parse_csv(&stdout_of(&full));
    let get = |name: &str| column(&h, &rows, name)[0];
    (
        get("probability"),
        get("ci_low"),
        get("ci_high"),
        get("std_error"),
    )
}

#[test]
fn network_intervals_cover_over_many_seeds() {
    for case in CASES {
        let runs: Vec<_> = (1..=SEEDS).map(|s| estimate(case, s)).collect();
        let mean = runs.iter().map(|r| r.0).sum::<f64>() / SEEDS as f64;
        let covered = runs.iter().filter(|r| r.1 <= mean && mean <= r.2).count();
        let zs: Vec<f64> = runs
            .iter()
            .filter(|r| r.3 > 0.0)
            .map(|r| (r.0 - mean) / r.3)
            .collect();
        let sd = (zs.iter().map(|z| z * z).sum::<f64>() / zs.len() as f64).sqrt();
        let what = format!(
            "{:?} q = {} z = {}: mean {mean:.4}",
            case.flags, case.q, case.z
        );
        // 95 % intervals: 40 seeds cover at least 34 times unless coverage is below about
        // 90 % (P(≤ 33 of 40 | 0.95) = 1.4 %).
        assert!(
            covered >= 34,
            "{what}: {covered} of {SEEDS} intervals cover"
        );
        // z-scores: sd near 1. With 11 degrees of freedom per standard error (12 graphs)
        // the t spread is √(11/9) ≈ 1.1; 40 samples put the sample sd within ±0.25 of it
        // (about 2 of its standard errors, 0.12), the bounds below allow for that.
        assert!(
            (0.6..=1.4).contains(&sd),
            "{what}: z-scores have sd {sd:.2} over {} seeds",
            zs.len()
        );
    }
}

#[test]
fn few_graphs_with_a_wide_spread_are_flagged() {
    // Vector76 on 32 graphs (the default before it was raised to 128) under-covers (35 of
    // 40 seeds at 95 %, design effect near 300: docs/network.md §1.1), so the run must say
    // so; Finney's outcome barely depends on the graph (design effect below 2) and must not
    // be flagged. 32 is given explicitly: the default 128 is above the warning's limit.
    let run = |attack: &str| {
        let out = super::util::dslab()
            .args(["simulate", "--attack", attack, "--q", "0.3", "--z", "1"])
            .args(["--trials", "5000", "--seed", "3", "--format", "csv"])
            .args(["--topologies", "32"])
            .output()
            .expect("dslab runs");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let v = run("vector76");
    assert!(
        v.contains("differs widely between graphs") && v.contains("--topologies 128"),
        "{v}"
    );
    let f = run("finney");
    assert!(!f.contains("differs widely"), "{f}");
}
