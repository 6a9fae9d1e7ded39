//! Property tests of the command line (issue 12): random flag values and random scenario
//! files, good and bad, must end with exit 0 or 2 — never a panic, never another code —
//! within a time limit. Values mix valid ones with the kinds that broke things before:
//! negatives, zero, huge and tiny magnitudes, NaN, infinity, words, empty strings, wrong
//! types in files.
//!
//! The cases are reproducible: proptest draws them from a fixed seed ([`SEED`]), so every run
//! (CI or local) tries the same 40 flag lists and 40 files and a failure is a failure of
//! dslab, never of the draw. To explore other cases, set `PROPTEST_RNG_SEED=N` (proptest's
//! own variable; it takes precedence over [`SEED`]): a case that fails there fails again
//! with the same N, and belongs in the fixed set once fixed.

use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// The fixed seed of the cases (any value: fixed so that a run is reproducible).
const SEED: u64 = 15;

/// 40 cases each, from [`SEED`] unless `PROPTEST_RNG_SEED` names another seed.
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    let rng_seed = match default.rng_seed {
        RngSeed::Random => RngSeed::Fixed(SEED),
        chosen => chosen,
    };
    ProptestConfig {
        cases: 40,
        rng_seed,
        ..default
    }
}

use super::util::dslab;

/// Flag values: valid, boundary and hostile.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "0.5",
    "1e300",
    "-1e300",
    "nan",
    "inf",
    "abc",
    "",
    "1e-300",
    "4294967296",
    "99999999999",
    "0.3",
    "10",
    "1000",
    "1,2",
    "0..3",
    "0:1:0.5",
];

const ATTACKS: &[&str] = &[
    "majority",
    "finney",
    "race",
    "vector76",
    "rental",
    "delay-private",
    "opportunistic",
    "bogus",
];

const FLAGS: &[&str] = &[
    "--q",
    "--z",
    "--premined",
    "--give-up",
    "--tie",
    "--confidence",
    "--seed",
    "--threads",
    "--network",
    "--listening-period",
    "--merchant-peers",
    "--observers",
    "--rbf-share",
    "--block-interval",
    "--nodes",
    "--miners",
    "--link-latency",
    "--block-hop-delay",
    "--topologies",
    "--race-variant",
    "--replace-after",
    "--conflict-delay",
    "--window",
    "--premine-time",
    "--delta",
    "--helpers",
    "--sweep",
    "--method",
    "--tilt",
    "--batch-size",
    "--format",
    "--ci",
];

/// Scenario file values (TOML), including wrong types.
const FILE_VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "0.5",
    "1e300",
    "nan",
    "inf",
    "\"abc\"",
    "\"\"",
    "[]",
    "[1,2]",
    "true",
    "{}",
    "4294967296",
    "\"0..3\"",
    "\"0.1,0.2\"",
    "1e-300",
    "10",
];

/// Scenario tables and some of their keys (and a key no table has).
const TABLES: &[(&str, &[&str])] = &[
    (
        "network",
        &[
            "model",
            "block_interval",
            "nodes",
            "miners",
            "miner_shares",
            "link_latency",
            "block_hop_delay",
            "topologies",
            "rbf_share",
            "alerts",
            "max_deficit",
            "tx_request_delay",
            "bogus",
        ],
    ),
    (
        "merchant",
        &["listening_period", "incoming", "peers", "observers"],
    ),
    (
        "race",
        &["variant", "replace_after", "conflict_delay", "helpers"],
    ),
    ("vector76", &["helpers", "plan_depth"]),
    ("finney", &["give_up"]),
    ("rental", &["window", "premine_time"]),
    ("majority", &["premined", "give_up", "tie"]),
    ("sweep", &["parameter", "values"]),
];

/// Run dslab and check the outcome: exit 0 or 2, no panic, within the limit (a killed
/// run has no exit code and fails the first check).
fn ends_cleanly(args: &[String]) {
    let out = dslab()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("dslab runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "dslab {args:?}: status {:?}, stderr {err}",
        out.status
    );
    assert!(!err.contains("panicked"), "dslab {args:?}: {err}");
}

fn flag_args() -> impl Strategy<Value = Vec<String>> {
    let pair = (0..FLAGS.len(), 0..VALUES.len() + 3);
    (0..ATTACKS.len(), proptest::collection::vec(pair, 0..5)).prop_map(|(a, pairs)| {
        let mut v = vec![
            "simulate", "--attack", ATTACKS[a], "--trials", "200", "--quiet",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        for (f, x) in pairs {
            let flag = FLAGS[f];
            // A few values that pass parsing, so later checks are reached too.
            let value = match (flag, x.checked_sub(VALUES.len())) {
                (_, None) => VALUES[x],
                ("--network", Some(i)) => ["none", "default", "no-such-file.toml"][i],
                ("--tie", Some(i)) => ["first-seen", "gamma=0.5", "gamma=2"][i],
                ("--sweep", Some(i)) => {
                    ["network.nodes=100,200", "merchant.observers=0,1", "x=1"][i]
                }
                (_, Some(_)) => "1",
            };
            v.push(flag.to_string());
            v.push(value.to_string());
        }
        v
    })
}

fn scenario_text() -> impl Strategy<Value = String> {
    let entry = (
        0..TABLES.len(),
        proptest::collection::vec((0..16usize, 0..FILE_VALUES.len()), 0..4),
    );
    (
        0..ATTACKS.len() + 1,
        0..FILE_VALUES.len() + 1,
        proptest::collection::vec(entry, 0..4),
    )
        .prop_map(|(a, q, tables)| {
            let attack = ATTACKS
                .get(a)
                .map_or("1".to_string(), |n| format!("\"{n}\""));
            let q = FILE_VALUES.get(q).copied().unwrap_or("\"0.1,0.3\"");
            let mut text = format!("attack = {attack}\nq = {q}\nz = \"0..2\"\ntrials = 200\n");
            for (t, keys) in tables {
                let (name, known) = TABLES[t];
                text.push_str(&format!("[{name}]\n"));
                for (k, v) in keys {
                    text.push_str(&format!(
                        "{} = {}\n",
                        known[k % known.len()],
                        FILE_VALUES[v]
                    ));
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_flags_end_with_0_or_2(args in flag_args()) {
        ends_cleanly(&args);
    }

    #[test]
    fn random_scenario_files_end_with_0_or_2(text in scenario_text()) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, &text).unwrap();
        let out = dir.path().join("out");
        let args: Vec<String> = vec![
            "run".into(),
            file.to_string_lossy().into_owned(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
            "--quiet".into(),
        ];
        ends_cleanly(&args);
    }
}
