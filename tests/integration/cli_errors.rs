//! Bad input: a one-line message naming the flag and the value, exit code 2, no panic,
//! no partial output file.

use crate::util::dslab;

fn fails_with_2(args: &[&str], must_mention: &[&str]) {
    let out = dslab().args(args).output().expect("dslab runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "dslab {args:?}: stderr {err}");
    assert!(!err.contains("panicked"), "panic on {args:?}: {err}");
    for m in must_mention {
        assert!(err.contains(m), "dslab {args:?}: '{m}' not in: {err}");
    }
    assert!(out.stdout.is_empty(), "no results on bad input");
}

#[test]
fn share_outside_unit_interval() {
    fails_with_2(&["simulate", "--q", "1.5"], &["--q", "1.5", "[0, 1]"]);
    fails_with_2(&["exact", "--q", "-0.1"], &["--q", "-0.1"]);
}

#[test]
fn malformed_lists_and_ranges() {
    fails_with_2(&["simulate", "--q", "0.1,abc"], &["--q", "abc"]);
    fails_with_2(&["simulate", "--z", "5..2"], &["--z", "5..2", "reversed"]);
    fails_with_2(&["simulate", "--z", ""], &["--z"]);
    fails_with_2(&["exact", "--z", "1,x"], &["--z", "x"]);
    fails_with_2(&["exact", "--tie", "coin"], &["--tie", "coin", "gamma="]);
}

#[test]
fn zero_trials_unknown_attack_bad_risk() {
    fails_with_2(&["simulate", "--trials", "0"], &["--trials", "0"]);
    fails_with_2(
        &["simulate", "--attack", "selfish-mining"],
        &["--attack", "selfish-mining"],
    );
    fails_with_2(
        &["confirmations", "--q", "0.1", "--risk", "1.5"],
        &["--risk", "1.5"],
    );
    fails_with_2(&["simulate", "--threads", "0"], &["--threads", "0"]);
    fails_with_2(&["simulate", "--walk"], &["--walk", "--give-up"]);
}

#[test]
fn unwritable_out_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"keep me").unwrap();
    // A folder cannot be made inside a regular file.
    let target = file.join("sub");
    fails_with_2(
        &[
            "simulate",
            "--trials",
            "100",
            "--out",
            target.to_str().unwrap(),
        ],
        &["--out", "choose a folder"],
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn negative_numbers_reach_the_flag_check() {
    fails_with_2(&["simulate", "--z", "-1"], &["--z", "-1"]);
    fails_with_2(&["simulate", "--trials", "-5"], &["--trials", "-5"]);
    fails_with_2(&["exact", "--premined", "-1"], &["--premined", "-1"]);
    fails_with_2(
        &["confirmations", "--q", "0.1", "--risk", "-1"],
        &["--risk", "-1"],
    );
}

#[test]
fn a_share_of_one_cannot_be_simulated() {
    // With no honest miner a trial would never end: refused up front, for every attack.
    fails_with_2(&["simulate", "--q", "0.5,1"], &["--q", "q = 1"]);
    fails_with_2(
        &["simulate", "--attack", "finney", "--q", "1"],
        &["--q", "q = 1"],
    );
}

#[test]
fn confirmations_beyond_the_search_cap_are_not_called_never() {
    let out = crate::util::stdout_of(&[
        "confirmations",
        "--q",
        "0.49999,0.5",
        "--risk",
        "1e-300",
        "--format",
        "csv",
    ]);
    let (h, rows) = crate::util::parse_csv(&out);
    let note = h.iter().position(|c| c == "note").expect("note column");
    assert!(rows[0][note].starts_with("more than"), "{out}");
    assert!(rows[1][note].starts_with("never"), "{out}");
}

#[test]
fn kappa_is_refused_where_no_model_uses_it() {
    fails_with_2(
        &["exact", "--kappa", "2"],
        &["--kappa", "'2'", "--model time-conditional"],
    );
    fails_with_2(
        &["exact", "--model", "nakamoto", "--kappa", "1"],
        &["--kappa", "time-conditional"],
    );
    fails_with_2(
        &[
            "confirmations",
            "--q",
            "0.1",
            "--risk",
            "0.001",
            "--kappa",
            "2",
        ],
        &["--kappa", "time-conditional"],
    );
    fails_with_2(
        &["exact", "--model", "time-conditional", "--kappa", "-1"],
        &["--kappa", "-1", "positive"],
    );
    // Where it applies, κ changes the answer (κ = 1 is the default).
    let tc = |kappa: Option<&str>| {
        let mut args = vec![
            "exact",
            "--model",
            "time-conditional",
            "--q",
            "0.1",
            "--z",
            "3",
        ];
        if let Some(k) = kappa {
            args.extend(["--kappa", k]);
        }
        args.extend(["--format", "csv"]);
        crate::util::stdout_of(&args)
    };
    assert_eq!(tc(None), tc(Some("1")));
    assert_ne!(tc(None), tc(Some("2")));
}

#[test]
fn trial_counts_take_whole_scientific_notation_and_say_what_is_accepted() {
    let run = |trials: &str| {
        crate::util::stdout_of(&[
            "simulate", "--q", "0.3", "--z", "0..2", "--trials", trials, "--quiet", "--format",
            "csv",
        ])
    };
    // 1e4 is 10000 exactly: the same run, byte for byte.
    assert_eq!(run("1e4"), run("10000"));
    let (h, rows) = crate::util::parse_csv(&run("2.5e4"));
    assert_eq!(crate::util::column(&h, &rows, "trials")[0], 25_000.0);
    let capped = crate::util::stdout_of(&[
        "simulate",
        "--q",
        "0.3",
        "--z",
        "0",
        "--rel-error",
        "0.5",
        "--max-trials",
        "1E5",
        "--quiet",
    ]);
    assert!(capped.contains("at most 100000 trials per q"), "{capped}");

    let accepted = "1e6, 2.5e6";
    for bad in ["1e6x", "2.5", "1.5e0", "1e-3", "1,000", "1e30"] {
        fails_with_2(&["simulate", "--trials", bad], &["--trials", bad, "trials"]);
    }
    fails_with_2(
        &["simulate", "--trials", "abc"],
        &["--trials", "abc", accepted],
    );
    fails_with_2(
        &["simulate", "--rel-error", "0.1", "--max-trials", "1e6.5"],
        &["--max-trials", "1e6.5", accepted],
    );
    fails_with_2(
        &["run", "--trials", "2.5e0"],
        &["--trials", "2.5e0", accepted],
    );
}

#[test]
fn network_flag_errors_name_the_flag_and_file_errors_the_key() {
    // The value typed on the command line: the flag.
    for (flag, value) in [
        ("--listening-period", "-5"),
        ("--block-interval", "0"),
        ("--link-latency", "-1"),
        ("--rbf-share", "2"),
        ("--miners", "0"),
        ("--topologies", "0"),
        ("--nodes", "5"),
        ("--merchant-peers", "0"),
    ] {
        let arg = format!("{flag}={value}");
        let out = dslab()
            .args(["simulate", "--attack", "finney", &arg])
            .output()
            .expect("dslab runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{arg}: {err}");
        assert!(err.contains(&format!("{flag} '{value}'")), "{arg}: {err}");
        assert!(
            !err.contains("network.") && !err.contains("merchant."),
            "{err}"
        );
    }
    // A listening period no merchant runs would make every trial run that long.
    fails_with_2(
        &[
            "simulate",
            "--attack",
            "finney",
            "--listening-period",
            "1e300",
        ],
        &[
            "--listening-period '",
            "at most 1000 block intervals (600000 s)",
        ],
    );
    fails_with_2(
        &["simulate", "--attack", "race", "--replace-after=-1"],
        &["--replace-after '-1'"],
    );
    fails_with_2(
        &[
            "simulate",
            "--attack",
            "race",
            "--race-variant",
            "first-seen",
            "--conflict-delay=-2",
        ],
        &["--conflict-delay '-2'"],
    );
    // A bad sweep value is named by the key typed in --sweep, even beside a good flag.
    fails_with_2(
        &[
            "simulate",
            "--attack",
            "finney",
            "--listening-period",
            "5",
            "--sweep",
            "merchant.listening_period=0,-1",
        ],
        &["merchant.listening_period '-1'"],
    );
    // A sweep of the zero-latency block race is blamed on --sweep, with the ways out
    // (issue 12 item 8: it used to be blamed on "network flags").
    fails_with_2(
        &[
            "simulate",
            "--attack",
            "majority",
            "--sweep",
            "majority.premined=0,1",
        ],
        &["--sweep 'majority.premined=0,1'", "--network default"],
    );
    // The value from a file: the file key.
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net.toml");
    std::fs::write(&net, "block_hop_delay = -1\n").unwrap();
    let net = net.to_str().unwrap();
    fails_with_2(
        &["simulate", "--attack", "finney", "--network", net],
        &["network.block_hop_delay '-1'"],
    );
    let scenario = dir.path().join("fin.toml");
    std::fs::write(
        &scenario,
        "attack = \"finney\"\ntrials = 100\n[merchant]\nlistening_period = -5\n",
    )
    .unwrap();
    fails_with_2(
        &[
            "run",
            scenario.to_str().unwrap(),
            "--out",
            dir.path().to_str().unwrap(),
        ],
        &["fin.toml", "merchant.listening_period", "-5"],
    );
}

#[test]
fn a_tilt_without_importance_sampling_is_refused() {
    fails_with_2(
        &["simulate", "--q", "0.1", "--z", "3", "--tilt", "0.4"],
        &["--tilt", "--method is"],
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.toml");
    std::fs::write(&f, "# t\nattack = \"majority\"\ntilt = 0.4\n").unwrap();
    let out = dir.path().join("out");
    fails_with_2(
        &["run", f.to_str().unwrap(), "--out", out.to_str().unwrap()],
        &["line 3", "tilt", "method = \"is\""],
    );
}
