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

/// One case: attack flags, the attacker share and the z whose estimate is checked.
struct Case {
    flags: &'static [&'static str],
    q: &'static str,
    z: u32,
}

const CASES: &[Case] = &[
    Case {
        flags: &["--attack", "finney"],
        q: "0.3",
        z: 1,
    },
    Case {
        flags: &["--attack", "race"],
        q: "0.3",
        z: 0,
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
    },
    Case {
        flags: &["--attack", "vector76"],
        q: "0.3",
        z: 1,
    },
    Case {
        flags: &["--attack", "majority", "--network", "default"],
        q: "0.3",
        z: 1,
    },
    // Importance sampling: the interval is t on the graphs' weight sums.
    Case {
        flags: &["--attack", "finney", "--method", "is"],
        q: "0.1",
        z: 3,
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
    },
];

/// (estimate, low, high, standard error) of `case` with `seed`, on a small network (200
/// nodes, 12 graphs) so that 40 seeds run in seconds.
fn estimate(case: &Case, seed: u64) -> (f64, f64, f64, f64) {
    let (z, seed) = (case.z.to_string(), seed.to_string());
    let mut args: Vec<&str> = case.flags.to_vec();
    args.extend([
        "--q",
        case.q,
        "--z",
        &z,
        "--trials",
        "3000",
        "--nodes",
        "200",
        "--topologies",
        "12",
        "--seed",
        &seed,
        "--format",
        "csv",
        "--quiet",
    ]);
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
