//! The network attacks (Finney, race, Vector76, majority on a network) against their
//! zero-latency closed forms and the stale-rate approximation; reproducibility across
//! thread counts with the network on; bad network input.

use dslab::attack::NetAttack;
use dslab::attack::NetExperiment;
use dslab::attack::finney;
use dslab::attack::finney::FinneySpec;
use dslab::attack::majority::MajoritySpec;
use dslab::attack::race::RaceSpec;
use dslab::attack::vector76::Vector76Spec;
use dslab::estimate::NoProgress;
use dslab::experiment::{AttackSpec, Experiment};
use dslab::net::engine;
use dslab::net::spec::{Incoming, MerchantSpec, NetworkModel, NetworkSpec};
use dslab::net::topology::{Link, Topology};
use dslab::report::ReversalRow;
use dslab::stats::CiMethod;
use rand::SeedableRng;

use crate::util::{assert_log10_columns_match_values, column, dslab, parse_csv, stdout_of};

fn none() -> NetworkSpec {
    NetworkSpec {
        model: NetworkModel::None,
        ..NetworkSpec::default()
    }
}

fn small() -> NetworkSpec {
    NetworkSpec {
        nodes: 300,
        topologies: 4,
        ..NetworkSpec::default()
    }
}

fn run(
    attack: NetAttack,
    network: NetworkSpec,
    merchant: MerchantSpec,
    qs: &[f64],
    z_max: u32,
    trials: u64,
) -> Vec<ReversalRow> {
    let n = NetExperiment {
        attack,
        network,
        merchant,
        sweep: None,
    };
    n.validate().expect("valid test scenario");
    let spec = AttackSpec::Timed(n);
    let exp = Experiment {
        name: "test".into(),
        attack: spec,
        qs: qs.to_vec(),
        zs: (0..=z_max).collect(),
        trials,
        seed: 5,
        ci: CiMethod::Wilson,
        confidence: 0.95,
        sampling: Default::default(),
    };
    exp.run(&NoProgress).rows()
}

/// 4 standard errors of a binomial proportion at the true P (false alarm ≈ 6e-5 per
/// cell), plus 1/N for the discreteness near 0 and 1, plus `bias` for a known model gap.
fn close(r: &ReversalRow, truth: f64, bias: f64) {
    let n = r.trials as f64;
    let tol = 4.0 * (truth * (1.0 - truth) / n).sqrt() + 1.0 / n + bias;
    assert!(
        (r.probability - truth).abs() <= tol,
        "{} q {} z {}: simulated {} vs {truth} (tolerance {tol})",
        r.attack,
        r.q,
        r.z,
        r.probability
    );
}

#[test]
fn finney_at_zero_latency_matches_the_head_start_race_and_the_window() {
    let merchant = MerchantSpec {
        listening_period: 60.0,
        ..MerchantSpec::default()
    };
    let rows = run(
        NetAttack::Finney(FinneySpec::default()),
        none(),
        merchant,
        &[0.1, 0.3],
        6,
        200_000,
    );
    for r in &rows {
        if r.z == 0 {
            // The literature's e^{−p t/T}; ours adds the case where the attacker also mines
            // in the window and stays ahead, at most (p t/T)(q t/T) (second order).
            let lambda = 60.0 / 600.0;
            let lit = (-(1.0 - r.q) * lambda).exp();
            close(r, lit, (1.0 - r.q) * lambda * r.q * lambda);
            close(r, finney::zero_conf(r.q, lambda), 0.0);
        } else {
            // docs/references.md, Table B = P_strict(z, k = 1), computed independently there:
            // P(0.1, 1) = 0.2, P(0.1, 6) = 0.00059141216, P(0.3, 5) = 0.19761732.
            let reference = match (r.q, r.z) {
                (q, 1) => 2.0 * q,
                (0.1, 6) => 0.000_591_412_16,
                (0.3, 5) => 0.197_617_32,
                _ => r.exact.expect("closed form beside"),
            };
            close(r, reference, 0.0);
        }
        assert!(r.cost_blocks.is_some() && r.wait_seconds == Some(600.0 / r.q));
    }
}

#[test]
fn full_rbf_race_at_zero_latency_matches_the_replacement_window() {
    let race = RaceSpec {
        replace_after: 60.0,
        ..RaceSpec::default()
    };
    let rows = run(
        NetAttack::Race(race),
        none(),
        MerchantSpec::default(),
        &[0.0, 0.2],
        3,
        100_000,
    );
    for r in &rows {
        // docs/references.md, Table W: e^{−Δ/T} = 0.9048, Δ = 60 s (q = 0). An attacker with hash
        // share q also wins when it finds the first block itself: q + p e^{−Δ/T}.
        let truth = if r.z == 0 {
            r.q + (1.0 - r.q) * (-0.1f64).exp()
        } else {
            0.0
        };
        if r.q == 0.0 && r.z == 0 {
            assert!((truth - 0.9048).abs() < 1e-4);
        }
        close(r, truth, 0.0);
    }
}

#[test]
fn a_listening_period_longer_than_the_replacement_delay_stops_the_rbf_race_at_zero_conf() {
    let race = RaceSpec {
        replace_after: 10.0,
        ..RaceSpec::default()
    };
    let rows = run(
        NetAttack::Race(race),
        none(),
        MerchantSpec::default(),
        &[0.0],
        0,
        20_000,
    );
    assert_eq!(
        rows[0].successes, 0,
        "the merchant saw the replacement within 15 s"
    );
}

fn ballot(q: f64, z: u32) -> f64 {
    // Independent of the DP in the code: enumerate attacker-block counts between the first
    // z honest blocks (at most 40 each; q^40 is negligible here).
    fn go(q: f64, lead: i64, left: u32) -> f64 {
        if left == 0 {
            return 1.0;
        }
        (0..40)
            .map(|g| {
                let l = lead + g - 1;
                if l < 0 {
                    0.0
                } else {
                    q.powi(g as i32) * (1.0 - q) * go(q, l, left - 1)
                }
            })
            .sum()
    }
    go(q, 1, z)
}

#[test]
fn vector76_needs_incoming_connections_and_falls_with_z() {
    let allow = run(
        NetAttack::Vector76(Vector76Spec::default()),
        none(),
        MerchantSpec::default(),
        &[0.1, 0.3],
        4,
        100_000,
    );
    for r in &allow {
        let truth = if r.z == 0 { 0.0 } else { ballot(r.q, r.z) };
        close(r, truth, 0.0);
    }
    for w in allow.windows(2).filter(|w| w[0].q == w[1].q && w[0].z >= 1) {
        assert!(w[1].probability < w[0].probability, "falls with z");
    }
    let deny = MerchantSpec {
        incoming: Incoming::Deny,
        ..MerchantSpec::default()
    };
    let rows = run(
        NetAttack::Vector76(Vector76Spec::default()),
        none(),
        deny.clone(),
        &[0.1, 0.3],
        4,
        20_000,
    );
    assert!(rows.iter().all(|r| r.successes == 0), "denied: never");
    // On a real network the attacker, unable to push to the merchant, can only publish its
    // block into the network behind the honest one: what remains is a natural fork race,
    // of the order of the stale rate (< 1e-3), against tens of percent with a connection.
    let rows = run(
        NetAttack::Vector76(Vector76Spec::default()),
        small(),
        deny,
        &[0.3],
        2,
        20_000,
    );
    assert!(rows.iter().all(|r| r.probability < 1e-3), "{rows:?}");
    // With the connection: well above that bound. Around 0.07 to 0.10 on such graphs
    // (seeds 1..80 of the calibration test); the estimate over 8 graphs must exceed 1e-2,
    // ten times the fork-race bound (its spread over graphs is wide: the interval is not
    // used).
    let rows = run(
        NetAttack::Vector76(Vector76Spec::default()),
        NetworkSpec {
            topologies: 8,
            ..small()
        },
        MerchantSpec::default(),
        &[0.3],
        1,
        20_000,
    );
    assert!(rows[1].probability > 1e-2, "{rows:?}");
}

#[test]
fn majority_on_the_network_shows_the_honest_delay() {
    // Zero latency: the closed form P_strict(z, k = 0) holds.
    let merchant = MerchantSpec {
        listening_period: 0.0,
        ..MerchantSpec::default()
    };
    let attack = NetAttack::Majority(MajoritySpec::default());
    for r in run(attack.clone(), none(), merchant.clone(), &[0.2], 4, 100_000) {
        close(&r, r.exact.expect("closed form"), 0.0);
    }
    // Slow blocks (30 s per hop, no backbone between the miners): honest forks waste
    // honest work, so the attacker does clearly better than the zero-latency closed form.
    let slow = NetworkSpec {
        block_hop_delay: 30.0,
        pool_hop_delay: 30.0,
        backbone: false,
        ..small()
    };
    let rows = run(attack, slow, merchant, &[0.4], 6, 40_000);
    for r in &rows[4..] {
        assert!(r.stale_rate.expect("reported") > 0.02, "{r:?}");
        assert!(r.ci_low > r.exact.expect("closed form"), "{r:?}");
    }
}

/// A complete graph of `m` miners plus the attacker's and merchant's nodes (isolated),
/// every miner-to-miner delay exactly `d` seconds.
fn symmetric(m: usize, d: f64) -> Topology {
    let links = (0..m + 2)
        .map(|a| {
            if a >= m {
                return Vec::new();
            }
            (0..m)
                .filter(|&b| b != a)
                // A high-bandwidth push: one trip of d (no validation before it).
                .map(|b| Link {
                    hb: true,
                    ..Link::full(b as u32, d, false)
                })
                .collect()
        })
        .collect();
    Topology::from_links(m, links, vec![0.0; m + 2])
}

#[test]
fn stale_rate_agrees_with_one_minus_exp_of_effective_delay() {
    // Symmetric network: a block is stale when another miner finds one within d of it,
    // which the others do at rate (1 − 1/m)/T: stale ≈ 1 − e^{−d_eff/T}, d_eff = (1 − 1/m) d.
    // The approximation ignores chains of forks, a relative error of order d/T (1 %); the
    // tolerance adds 4 standard errors of the measured fraction.
    let (m, d, t) = (16, 6.0, 600.0);
    let topo = symmetric(m, d);
    let shares = vec![1.0 / m as f64; m];
    assert!((topo.effective_delay(&shares) - (1.0 - 1.0 / m as f64) * d).abs() < 1e-9);
    let mut rng = dslab::estimate::rng::SimRng::seed_from_u64(17);
    let (stale, n) = engine::stale_rate(&topo, t, &shares, 400_000, &mut rng);
    let measured = stale as f64 / n as f64;
    let predicted = 1.0 - (-(topo.effective_delay(&shares)) / t).exp();
    let tol = 0.02 * predicted + 4.0 * (predicted / n as f64).sqrt();
    assert!(
        (measured - predicted).abs() < tol,
        "measured {measured} predicted {predicted}"
    );

    // The default random network, slowed down so stales are frequent enough to measure:
    // heterogeneous delays, same first-order law with the hash-weighted mean delay.
    let net = NetworkSpec {
        block_hop_delay: 2.0,
        pool_hop_delay: 2.0,
        ..small()
    };
    let mut rng = dslab::estimate::rng::SimRng::seed_from_u64(18);
    let topo = Topology::generate(&net, &MerchantSpec::default(), 0, &mut rng);
    let shares = net.shares();
    let (stale, n) = engine::stale_rate(&topo, t, &shares, 400_000, &mut rng);
    let measured = stale as f64 / n as f64;
    let predicted = 1.0 - (-topo.effective_delay(&shares) / t).exp();
    let tol = 0.05 * predicted + 4.0 * (predicted / n as f64).sqrt();
    assert!(
        (measured - predicted).abs() < tol,
        "measured {measured} predicted {predicted}"
    );
}

#[test]
fn network_output_is_identical_for_one_and_two_threads() {
    let args = |threads: &'static str| {
        vec![
            "simulate",
            "--attack",
            "vector76",
            "--q",
            "0.1,0.3",
            "--z",
            "0..3",
            "--trials",
            "40000",
            "--nodes",
            "200",
            "--topologies",
            "3",
            "--format",
            "csv",
            "--quiet",
            "--threads",
            threads,
        ]
    };
    let one = stdout_of(&args("1"));
    let two = stdout_of(&args("2"));
    assert_eq!(one, two);
    let (header, rows) = parse_csv(&one);
    assert_eq!(
        &header[..8],
        &[
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
    assert!(header.iter().any(|h| h == "stale_rate") && header.iter().any(|h| h == "cost_blocks"));
    assert_eq!(rows.len(), 8);
}

fn fails_naming(args: &[&str], key: &str) {
    let out = dslab().args(args).output().expect("dslab runs");
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(key), "{args:?}: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_network_input_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, "nodez = 10\n").expect("write");
    let shares = dir.path().join("shares.toml");
    std::fs::write(&shares, "miners = 2\nminer_shares = [0.5, 0.6]\n").expect("write");
    let table = dir.path().join("table.toml");
    std::fs::write(&table, "[network]\nnodes = 200\ntopologies = 2\n").expect("write");
    let s2 = table.to_str().expect("utf-8 path");
    stdout_of(&[
        "simulate",
        "--attack",
        "race",
        "--network",
        s2,
        "--trials",
        "100",
        "--quiet",
    ]);
    let negative = dir.path().join("negative.toml");
    std::fs::write(&negative, "link_latency = -0.1\n").expect("write");
    let s = |p: &std::path::Path| p.to_str().expect("utf-8 path").to_string();
    fails_naming(
        &["simulate", "--attack", "finney", "--network", &s(&unknown)],
        "nodez",
    );
    fails_naming(
        &["simulate", "--attack", "finney", "--network", &s(&shares)],
        "network.miner_shares",
    );
    fails_naming(
        &["simulate", "--attack", "finney", "--network", &s(&negative)],
        "network.link_latency",
    );
    // A value set by a flag is named by the flag (the file key names file values).
    fails_naming(
        &["simulate", "--attack", "race", "--block-hop-delay=-1"],
        "--block-hop-delay '-1'",
    );
    fails_naming(
        &["simulate", "--attack", "race", "--merchant-peers", "0"],
        "--merchant-peers '0'",
    );
    fails_naming(
        &["simulate", "--attack", "race", "--listening-period=-5"],
        "--listening-period '-5'",
    );
    // Flags that would otherwise be silently ignored.
    fails_naming(&["simulate", "--listening-period", "5"], "--network");
    fails_naming(
        &["simulate", "--attack", "finney", "--classical"],
        "--classical 'true': does not apply to the finney attack",
    );
    fails_naming(
        &["simulate", "--attack", "vector76", "--give-up", "3"],
        "--give-up",
    );
}

#[test]
fn scenario_files_parse_validate_and_run() {
    for name in ["finney", "race", "race-first-seen", "vector76"] {
        let path = format!("{}/attacks/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("scenario file");
        assert!(
            text.starts_with("# "),
            "{name}: a comment header says what it answers"
        );
        let s =
            dslab::scenario::parse(&path, name, &text).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        assert!(s.experiment.trials > 0 && s.experiment.seed > 0);
        let Some(mut e) = s.experiment.network().cloned() else {
            panic!("{name}: a timed attack");
        };
        e.network.nodes = 200;
        e.network.topologies = 2;
        let (qs, zs) = (&s.experiment.qs, &s.experiment.zs);
        let grid = dslab::attack::timed::Grid {
            qs,
            zs,
            ci: CiMethod::Wilson,
            confidence: 0.95,
        };
        let plan = dslab::estimate::Plan {
            trials: 500,
            batch_size: 256,
            seed: 1,
            shard: None,
        };
        let rows = dslab::report::rows::rows(&e.results(&grid, &plan, &NoProgress).expect("runs"));
        assert_eq!(
            rows.len() as u64,
            e.cells(qs.len()) * zs.len() as u64,
            "{name}"
        );
    }
}

#[test]
fn a_table_of_another_attack_is_rejected_by_name() {
    let text = "attack = \"finney\"\n[network]\nmodel = \"none\"\n\n[race]\nhelpers = 1\n";
    let e = dslab::scenario::parse("x.toml", "x", text).unwrap_err();
    let m = format!("{e:#}");
    assert!(m.contains("[race]") && m.contains("line 5"), "{m}");
}

#[test]
fn defence_sweeps_add_the_swept_column_and_reject_unknown_keys() {
    let out = stdout_of(&[
        "simulate",
        "--attack",
        "race",
        "--race-variant",
        "first-seen",
        "--rbf-share",
        "0",
        "--q",
        "0",
        "--z",
        "0",
        "--trials",
        "20000",
        "--nodes",
        "300",
        "--topologies",
        "4",
        "--format",
        "csv",
        "--quiet",
        "--sweep",
        "merchant.observers=0,4",
    ]);
    let (header, rows) = parse_csv(&out);
    let col = |n: &str| header.iter().position(|h| h == n).expect("column");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][col("sweep_parameter")], "merchant.observers");
    assert_eq!(
        (
            rows[0][col("sweep_value")].as_str(),
            rows[1][col("sweep_value")].as_str()
        ),
        ("0", "4")
    );
    let p: Vec<f64> = rows
        .iter()
        .map(|r| r[col("probability")].parse().expect("number"))
        .collect();
    // Four observers forwarding every transaction expose the conflict within seconds.
    assert!(p[1] < p[0] && p[1] < 0.01, "{p:?}");
    // Double-spend alerts expose the conflict too (Karame et al.'s countermeasure).
    let out = stdout_of(&[
        "simulate",
        "--attack",
        "race",
        "--race-variant",
        "first-seen",
        "--rbf-share",
        "0",
        "--q",
        "0",
        "--z",
        "0",
        "--trials",
        "20000",
        "--nodes",
        "300",
        "--topologies",
        "4",
        "--format",
        "csv",
        "--quiet",
        "--sweep",
        "network.alerts=false,true",
    ]);
    let (header, rows) = parse_csv(&out);
    let i = header
        .iter()
        .position(|h| h == "probability")
        .expect("column");
    let p: Vec<f64> = rows.iter().map(|r| r[i].parse().expect("number")).collect();
    // Without alerts the first-seen race succeeds on this small network (31 % with these
    // 4 graphs of 300 nodes on the calibrated network); alerts must cut it by more than 10×.
    assert!(p[0] > 0.02 && p[1] < p[0] / 10.0, "{p:?}");
    fails_naming(
        &[
            "simulate",
            "--attack",
            "race",
            "--sweep",
            "merchant.observerz=0,1",
        ],
        "observerz",
    );
}

#[test]
fn value_stability_of_a_small_network_run() {
    // Regression pin (not a correctness oracle): the exact counts of a fixed-seed run. A
    // change here means every published network number changes: bump it deliberately.
    let counts = |net: NetworkSpec| {
        let rows = run(
            NetAttack::Vector76(Vector76Spec::default()),
            NetworkSpec { nodes: 200, ..net },
            MerchantSpec::default(),
            &[0.3],
            3,
            5000,
        );
        rows.iter().map(|r| r.successes).collect::<Vec<u64>>()
    };
    // 8 graphs: on the first 2 the attacker never wins. Bumped when the getblocktxn round
    // trip came in (a new key of the network, so new graph seeds, and re-fitted delays).
    let net = NetworkSpec {
        topologies: 8,
        ..NetworkSpec::default()
    };
    assert_eq!(counts(net), vec![0, 1250, 657, 380]);
}

#[test]
fn network_runs_write_csv_and_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("v76");
    let o = out.to_str().expect("utf-8 path");
    stdout_of(&[
        "simulate",
        "--attack",
        "vector76",
        "--q",
        "0.2",
        "--z",
        "0..2",
        "--trials",
        "2000",
        "--nodes",
        "200",
        "--topologies",
        "2",
        "--quiet",
        "--out",
        o,
    ]);
    assert!(out.join("reversal.csv").exists() && out.join("manifest.json").exists());
}

#[test]
fn network_rows_log10_columns_are_log10_of_the_values() {
    // z = 0 rows of network attacks are re-estimated from their own counters after the
    // rows are built: their log10 columns must follow. Race at z ≥ 1 under full RBF has a
    // closed form of 0 and (almost) no reversal: empty log10s. 8 graphs: the columns are
    // tested, not the value (the default 128 would only cost build time).
    for attack in ["finney", "race"] {
        let csv = stdout_of(&[
            "simulate",
            "--attack",
            attack,
            "--q",
            "0.1",
            "--z",
            "0,1,2",
            "--trials",
            "3000",
            "--format",
            "csv",
            "--topologies",
            "8",
        ]);
        assert_log10_columns_match_values(&csv);
    }
}

/// Issue 11 item 4: a cell's number does not depend on which other cells were asked for.
/// On a random network every attack's z = 1 row is the same bytes asked alone and within
/// z = 0..6 (each trial has its own stream, and Vector76's plan is `plan_depth`, not the
/// largest requested z). Before, Vector76 gave 0.3436 alone and 0.3474 within 0..6.
#[test]
fn a_cell_does_not_depend_on_the_other_z_asked_for() {
    for attack in [
        &["--attack", "vector76"][..],
        &["--attack", "finney"],
        &["--attack", "race"],
        &["--attack", "majority", "--network", "default"],
    ] {
        let row = |z: &str| {
            let mut args = vec!["simulate"];
            args.extend(attack);
            args.extend([
                "--q",
                "0.3",
                "--z",
                z,
                "--trials",
                "4000",
                "--nodes",
                "200",
                "--seed",
                "5",
                "--format",
                "csv",
                "--quiet",
                "--topologies",
                "16",
            ]);
            let (h, rows) = parse_csv(&stdout_of(&args));
            let zi = h.iter().position(|c| c == "z").unwrap();
            rows.into_iter()
                .find(|r| r[zi] == "1")
                .expect("a z = 1 row")
        };
        assert_eq!(row("1"), row("0..6"), "{attack:?}");
    }
}

/// `dslab network --format csv`: (figure → (simulated, lower, upper)).
fn network_figures(args: &[&str]) -> Vec<(String, f64, f64, f64)> {
    let mut all = vec![
        "network", "--format", "csv", "--graphs", "32", "--blocks", "5000",
    ];
    all.extend_from_slice(args);
    let (h, rows) = parse_csv(&stdout_of(&all));
    let (sim, lo, hi) = (
        column(&h, &rows, "simulated"),
        column(&h, &rows, "lower"),
        column(&h, &rows, "upper"),
    );
    rows.iter()
        .enumerate()
        .map(|(i, r)| (r[0].clone(), sim[i], lo[i], hi[i]))
        .collect()
}

fn figure(f: &[(String, f64, f64, f64)], name: &str) -> (f64, f64, f64) {
    let r = f.iter().find(|r| r.0.starts_with(name)).expect(name);
    (r.1, r.2, r.3)
}

#[test]
fn the_default_network_reproduces_todays_measurements() {
    // Measured (docs/references.md): 17 stale blocks in the 52 560 of 2020-04..2021-03
    // (BitMEX Research); Poisson 95 % limits on 17 events are 9.9 and 27.2, so a stale rate
    // in [1.9e-4, 5.2e-4] is consistent with it. Propagation in 2021 (Fechner et al.):
    // median 0.454 s, 5 % of nodes later than 15 s. The calibration is checked to 10 % of
    // the median and to ±1.5 points of the tail share (the spread of the 2021 figure
    // itself is not published; these tolerances are what the calibration promises).
    let f = network_figures(&[]);
    let (stale, lo, hi) = figure(&f, "stale rate");
    assert!(
        lo <= 5.2e-4 && hi >= 1.9e-4 && (1.9e-4..5.2e-4).contains(&stale),
        "{f:?}"
    );
    let (median, ..) = figure(&f, "propagation median");
    assert!((median - 0.454).abs() < 0.0454, "{f:?}");
    let (late, ..) = figure(&f, "nodes later than 15 s");
    assert!((late - 0.05).abs() < 0.015, "{f:?}");
}

#[test]
fn the_2013_preset_reproduces_decker_and_wattenhofer() {
    // Decker and Wattenhofer (IEEE P2P 2013): median 6.5 s, mean 12.6 s, 95th percentile
    // 40 s, stale (fork) rate 1.69 %. Tolerances: 10 % of each figure (the calibration's
    // promise), and for the stale rate its simulated interval must reach within 15 %.
    let f = network_figures(&["--network", "bitcoin-2013"]);
    for (name, want) in [
        ("propagation median", 6.5),
        ("propagation mean", 12.6),
        ("propagation p95", 40.0),
    ] {
        let (v, ..) = figure(&f, name);
        assert!(
            (v - want).abs() < 0.1 * want,
            "{name}: {v} vs {want}; {f:?}"
        );
    }
    let (_, lo, hi) = figure(&f, "stale rate");
    assert!(lo < 0.0169 * 1.15 && hi > 0.0169 * 0.85, "{f:?}");
    // And the two eras differ as measured: more than ten times faster today.
    let (today, ..) = figure(&network_figures(&[]), "propagation median");
    assert!(today * 10.0 < 6.5);
}
