//! What the command line says beside its results: warnings (also under `--quiet`), notes,
//! the simulate header, the interrupted-run message, and the machine-readable forms.

use crate::util::{dslab, parse_csv, stdout_of, wait_for_file};

/// Run dslab with `args`, expect success, return (stdout, stderr).
fn output(args: &[&str]) -> (String, String) {
    let out = dslab().args(args).output().expect("dslab runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "dslab {args:?} failed: {err}");
    (String::from_utf8(out.stdout).expect("utf-8"), err)
}

/// The reviewer's case: a ±0.1 % target stopped by a cap of 50000 trials (on 12 graphs:
/// the warning is what is tested, and the default 128 would only cost build time).
const CAPPED: [&str; 15] = [
    "simulate",
    "--attack",
    "finney",
    "--method",
    "is",
    "--q",
    "0.1",
    "--z",
    "0..3",
    "--rel-error",
    "0.001",
    "--max-trials",
    "50000",
    "--topologies",
    "12",
];

#[test]
fn a_target_run_stopped_by_the_cap_warns_with_the_precision_reached() {
    for quiet in [false, true] {
        let mut args = CAPPED.to_vec();
        args.extend(["--format", "csv"]);
        if quiet {
            args.push("--quiet");
        }
        let (csv, err) = output(&args);
        let (h, rows) = parse_csv(&csv);
        let col = |n: &str| h.iter().position(|c| c == n).unwrap();
        assert!(rows.iter().all(|r| r[col("stop")] == "cap"), "{csv}");
        // The worst row's precision, as the warning should print it (two significant
        // digits).
        let worst = rows
            .iter()
            .map(|r| r[col("rel_error")].parse::<f64>().unwrap())
            .fold(0.0, f64::max);
        let worst_z = rows
            .iter()
            .find(|r| r[col("rel_error")].parse::<f64>().unwrap() == worst)
            .map(|r| r[col("z")].clone())
            .unwrap();
        assert!(worst > 0.005, "the cap leaves it far from ±0.1 %: {worst}");
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
        assert_eq!(lines.len(), 1, "one warning (quiet = {quiet}): {err}");
        let w = lines[0];
        for part in [
            "trial cap of 50000 per q",
            "±0.1% target",
            &format!(
                "q=0.1 reached ±{:.*}% (worst, z={worst_z})",
                (1 - (worst * 100.0).log10().floor() as i32).max(0) as usize,
                worst * 100.0
            ),
            "raise --max-trials",
        ] {
            assert!(w.contains(part), "'{part}' not in: {w}");
        }
        // Roughly n·(achieved/target)² trials reach it.
        let needed = 50000.0 * (worst / 0.001f64).powi(2);
        assert!(w.contains(&format!("{needed:.1e} trials per q")), "{w}");
    }
    // Reaching the target: no warning.
    let (_, err) = output(&[
        "simulate",
        "--attack",
        "finney",
        "--method",
        "is",
        "--q",
        "0.1",
        "--z",
        "0..3",
        "--rel-error",
        "0.05",
        "--topologies",
        "12",
    ]);
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn the_cap_warning_names_the_sweep_value() {
    let (_, err) = output(&[
        "simulate",
        "--attack",
        "finney",
        "--method",
        "is",
        "--q",
        "0.1",
        "--z",
        "1",
        "--rel-error",
        "0.001",
        "--max-trials",
        "20000",
        "--sweep",
        "merchant.listening_period=0,30",
        "--topologies",
        "12",
        "--quiet",
    ]);
    for cell in [
        "merchant.listening_period=0 q=0.1 reached",
        "merchant.listening_period=30 q=0.1 reached",
    ] {
        assert!(err.contains(cell), "'{cell}' not in: {err}");
    }
}

#[test]
fn a_lab_scenario_stopped_by_its_cap_warns_even_when_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("capped.toml");
    std::fs::write(
        &file,
        "# cap test\nattack = \"majority\"\nq = \"0.1,0.3\"\nz = \"0..3\"\nmethod = \"is\"\n\
         rel_error = 0.001\nmax_trials = 20000\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let (_, err) = output(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "--quiet leaves the warning only: {err}");
    let w = lines[0];
    for part in [
        "warning: [1/1] capped:",
        "trial cap of 20000 per q",
        "q=0.1 reached",
        "q=0.3 reached",
        "max_trials",
        "--trials",
    ] {
        assert!(w.contains(part), "'{part}' not in: {w}");
    }
    // The report is written all the same, its stop column saying cap.
    let csv = std::fs::read_to_string(out.join("capped/reversal.csv")).unwrap();
    assert!(csv.contains(",cap,"), "{csv}");
}

#[test]
fn quiet_drops_the_progress_chatter_but_not_the_warnings() {
    // A poor tilt with few trials: the effective sample size warning.
    let args = [
        "simulate", "--q", "0.1", "--z", "0..2", "--method", "is", "--tilt", "0.95", "--trials",
        "200",
    ];
    let (_, loud) = output(&args);
    let mut quiet_args = args.to_vec();
    quiet_args.push("--quiet");
    let (_, quiet) = output(&quiet_args);
    assert!(loud.contains("warning: effective sample size"), "{loud}");
    assert_eq!(quiet, loud, "the same warning under --quiet");

    // Informational messages go: where a shard was written is said only without --quiet.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let shard = [
        "simulate", "--q", "0.3", "--z", "0..2", "--trials", "40000", "--shard", "1/2", "--out",
        out,
    ];
    let (_, chatty) = output(&shard);
    assert!(chatty.contains("wrote shard 1/2"), "{chatty}");
    let mut quiet_shard = shard.to_vec();
    quiet_shard.push("--quiet");
    let (_, silent) = output(&quiet_shard);
    assert!(silent.is_empty(), "{silent}");
}

#[test]
fn the_simulate_header_never_contradicts_itself() {
    let header = |args: &[&str]| {
        let mut a = vec!["simulate", "--quiet"];
        a.extend(args);
        let out = stdout_of(&a);
        let lines: Vec<String> = out.lines().take(2).map(String::from).collect();
        (lines[0].clone(), lines[1].clone())
    };
    // The zero-latency race: plain Monte Carlo, wilson, the closed form.
    let (_, l2) = header(&["--q", "0.1", "--z", "0..1", "--trials", "20000"]);
    assert!(
        l2.ends_with("wilson 95% intervals; exact = closed form, same convention"),
        "{l2}"
    );
    // Every cell importance-sampled: no wilson.
    let (_, l2) = header(&[
        "--q", "0.1,0.3", "--z", "0..1", "--method", "is", "--trials", "20000",
    ]);
    assert!(
        l2.contains("importance sampling (normal 95% intervals)"),
        "{l2}"
    );
    assert!(
        !l2.contains("wilson") && l2.contains("exact = closed form"),
        "{l2}"
    );
    // Mixed: wilson named for the others.
    let (_, l2) = header(&[
        "--q",
        "0.1,0.3",
        "--z",
        "0..10",
        "--method",
        "auto",
        "--rel-error",
        "0.05",
    ]);
    assert!(
        l2.contains(
            "importance sampling for q = 0.1 (normal 95% intervals), otherwise wilson 95% intervals"
        ),
        "{l2}"
    );
    // A network attack: line 1 says what exact is, line 2 does not say otherwise.
    for method in ["mc", "is"] {
        let (l1, l2) = header(&[
            "--attack",
            "finney",
            "--q",
            "0.1",
            "--z",
            "0..1",
            "--trials",
            "20000",
            "--method",
            method,
            "--topologies",
            "12",
        ]);
        assert!(l1.ends_with("exact = zero-latency limit"), "{l1}");
        assert!(!l2.contains("exact") && !l2.contains("closed form"), "{l2}");
        assert_eq!(l2.contains("wilson"), method == "mc", "{l2}");
        // The intervals rest on the generated graphs, and the header says so (12 given:
        // the header is what is tested, the default 128 would only cost time).
        assert!(l2.contains("over 12 graphs"), "{l2}");
    }
}

#[test]
fn an_explicit_ci_is_said_to_give_way_to_normal_intervals_under_importance_sampling() {
    let base = ["simulate", "--q", "0.1", "--z", "0..2", "--trials", "20000"];
    let run = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(extra);
        output(&a).1
    };
    let note = run(&["--method", "is", "--ci", "clopper-pearson"]);
    let lines: Vec<&str> = note.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(lines.len(), 1, "{note}");
    assert!(
        lines[0].contains("--ci clopper-pearson") && lines[0].contains("normal intervals"),
        "{note}"
    );
    assert!(lines[0].contains("q = 0.1"), "{note}");
    // No explicit --ci, or no importance-sampled cell: nothing to say.
    assert!(!run(&["--method", "is"]).contains("note:"));
    assert!(!run(&["--ci", "clopper-pearson"]).contains("note:"));
}

#[test]
fn exact_json_gives_give_up_as_a_number_or_null_and_csv_keeps_never() {
    let json = |extra: &[&str]| {
        let mut a = vec!["exact", "--q", "0.1", "--z", "1", "--format", "json"];
        a.extend(extra);
        let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).expect("json");
        v[0]["give_up"].clone()
    };
    assert_eq!(json(&["--give-up", "5"]), serde_json::json!(5));
    assert_eq!(json(&[]), serde_json::Value::Null);
    let csv = |extra: &[&str]| {
        let mut a = vec!["exact", "--q", "0.1", "--z", "1", "--format", "csv"];
        a.extend(extra);
        let (h, rows) = parse_csv(&stdout_of(&a));
        rows[0][h.iter().position(|c| c == "give_up").unwrap()].clone()
    };
    assert_eq!(csv(&["--give-up", "5"]), "5");
    assert_eq!(csv(&[]), "never");
}

/// Send SIGINT to `child` (the `kill` command, as lab.rs does).
fn interrupt(child: &std::process::Child) {
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn ctrl_c_in_simulate_says_where_the_checkpoint_is_and_how_to_continue() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args: Vec<String> = [
        "simulate",
        "--q",
        "0.1,0.3",
        "--z",
        "0..6",
        "--method",
        "is",
        "--trials",
        "3e7",
        "--seed",
        "21",
        "--quiet",
        "--checkpoint-every",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    let spawn = |args: &[String]| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("dslab"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let checkpoint = out.join("checkpoint.json");
    // The command the message gives, as arguments (without the leading `dslab`).
    let continue_with = |err: &str| -> Vec<String> {
        let cmd = err
            .split("continue with `")
            .nth(1)
            .and_then(|s| s.split('`').next())
            .unwrap_or_else(|| panic!("no command to continue in: {err}"));
        let mut words = cmd.split(' ').map(String::from);
        assert_eq!(words.next().as_deref(), Some("dslab"), "{cmd}");
        words.collect()
    };

    let mut child = spawn(&args);
    wait_for_file(&mut child, &checkpoint);
    interrupt(&child);
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(130), "{err}");
    assert!(
        err.contains(&format!(
            "checkpoint is saved in '{}'",
            checkpoint.display()
        )),
        "{err}"
    );
    let again = continue_with(&err);
    let mut expected = args.clone();
    expected.push("--resume".into());
    assert_eq!(again, expected, "the same command plus --resume");
    assert!(checkpoint.exists());

    // The given command continues the run; interrupted again, it is given back unchanged
    // (one --resume). Wait until it has saved progress of its own first.
    let before = std::fs::read(&checkpoint).unwrap();
    let mut child = spawn(&again);
    let start = std::time::Instant::now();
    while std::fs::read(&checkpoint).is_ok_and(|b| b == before) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the resumed run ended early"
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(120));
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    interrupt(&child);
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(130), "{err}");
    assert_eq!(continue_with(&err), again, "--resume is not added twice");
    assert!(!out.join("reversal.csv").exists(), "no partial result");
}
