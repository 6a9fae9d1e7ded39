//! Nothing a user types or does breaks the lab: edited shards, edited CSV files, huge
//! tables, absurd thread counts, busy or occupied output folders, values beyond f64.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::util::dslab;

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Run dslab, expect exit code 2, no panic, no stdout; return stderr.
fn refused(args: &[&str]) -> String {
    let out = dslab().args(args).output().expect("dslab runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "dslab {args:?}: {err}");
    assert!(!err.contains("panicked"), "dslab {args:?}: {err}");
    assert!(out.stdout.is_empty(), "dslab {args:?} printed results");
    err
}

fn ok(args: &[&str]) -> String {
    let out = dslab().args(args).output().expect("dslab runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dslab {args:?}: {err}");
    String::from_utf8(out.stdout).unwrap()
}

fn spawn(args: &[&str], stdout: Stdio) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("dslab"))
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("dslab starts")
}

/// Kill `child` if it is still running after two minutes (a guard so a test that would
/// hang fails instead; not a speed requirement).
fn watchdog(child: &Child) -> std::sync::mpsc::Sender<()> {
    let pid = child.id().to_string();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if wait
            .recv_timeout(std::time::Duration::from_secs(120))
            .is_err()
        {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
    });
    done
}

// ---------------------------------------------------------------------------------------
// dslab exact streams

/// The first lines of a table far too large to hold (10001 × 100001 cells) appear while
/// it is being computed, memory stays small, and closing the pipe (`| head`) ends the run
/// quietly with exit code 0.
#[test]
fn exact_streams_a_huge_table_and_stops_quietly_when_the_reader_leaves() {
    for format in ["csv", "json", "table"] {
        let mut child = spawn(
            &[
                "exact",
                "--q",
                "0:1:0.0001",
                "--z",
                "0..100000",
                "--format",
                format,
            ],
            Stdio::piped(),
        );
        let guard = watchdog(&child);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a first line").expect("utf-8");
        match format {
            "csv" => assert!(first.starts_with("model,q,z,premined,tie,"), "{first}"),
            "json" => assert_eq!(first, "["),
            _ => assert!(first.starts_with("P(reversal), model exact"), "{first}"),
        }
        // More lines: CSV and JSON start with q = 0 (instant), a text line holds all 10001 q.
        let want = if format == "table" { 20 } else { 20_000 };
        let mut count = 0;
        for line in lines.by_ref().take(want) {
            line.expect("a whole line");
            count += 1;
        }
        assert_eq!(count, want, "{format}: the output stopped early");
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", child.id())) {
            // Peak resident memory: the binary, its buffers and the z list, far from the
            // gigabytes of a table held whole.
            let kb: u64 = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .expect("VmHWM in /proc/PID/status");
            assert!(kb < 200_000, "{format}: peak memory {kb} kB");
        }
        drop(lines); // closes the pipe: the next write fails with EPIPE
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        let _ = guard.send(());
        assert!(status.success(), "{format}: {status:?} {err}");
        assert!(err.is_empty(), "{format}: a closed pipe is no error: {err}");
    }
}

// ---------------------------------------------------------------------------------------
// --threads

#[test]
fn thread_counts_are_capped_for_every_subcommand() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases: [&[&str]; 5] = [
        &[
            "simulate",
            "--q",
            "0.3",
            "--z",
            "0..2",
            "--trials",
            "100",
            "--threads",
            "5000",
        ],
        &["run", "--quick", "--out", path(&out), "--threads", "100000"],
        &["hashrate", "--seconds", "0.1", "--threads", "2000"],
        &["mine", "--bits", "8", "--blocks", "1", "--threads", "1025"],
        &[
            "simulate",
            "--trials",
            "100",
            "--threads",
            "18446744073709551615",
        ],
    ];
    for args in cases {
        let err = refused(args);
        assert!(
            err.contains("--threads") && err.contains("1024"),
            "{args:?}: {err}"
        );
    }
    assert!(!out.exists(), "nothing written");
    // The cap itself is accepted.
    ok(&[
        "simulate",
        "--q",
        "0.3",
        "--z",
        "0..1",
        "--trials",
        "100",
        "--threads",
        "1024",
        "--quiet",
    ]);
}

// ---------------------------------------------------------------------------------------
// dslab merge checks shard checksums

/// A change made to a shard file's JSON.
type Edit = fn(&mut serde_json::Value);

fn two_shards(dir: &Path) -> [PathBuf; 2] {
    for i in ["1/2", "2/2"] {
        ok(&[
            "simulate",
            "--q",
            "0.3",
            "--z",
            "0..3",
            "--trials",
            "40000",
            "--quiet",
            "--shard",
            i,
            "--out",
            path(dir),
        ]);
    }
    [dir.join("shard-1-of-2.json"), dir.join("shard-2-of-2.json")]
}

#[test]
fn merge_refuses_a_shard_edited_after_it_was_written() {
    let tmp = tempfile::tempdir().unwrap();
    let shards = tmp.path().join("shards");
    let [_, second] = two_shards(&shards);
    let merged = tmp.path().join("merged");
    let merge = || ["merge", path(&shards), "--out", path(&merged)];
    ok(&merge());
    let good = std::fs::read(merged.join("reversal.csv")).unwrap();
    std::fs::remove_dir_all(&merged).unwrap();
    let original = std::fs::read_to_string(&second).unwrap();
    let json: serde_json::Value = serde_json::from_str(&original).unwrap();
    let edits: [(&str, Edit); 4] = [
        ("a count raised by 1000", |j| {
            let n = &mut j["result"]["cells"][0]["tally"]["by_top"][0];
            *n = (n.as_u64().unwrap() + 1000).into();
        }),
        ("trials + 1", |j| {
            let n = &mut j["result"]["cells"][0]["tally"]["trials"];
            *n = (n.as_u64().unwrap() + 1).into();
        }),
        ("another seed", |j| j["seed"] = 7.into()),
        ("checksum removed", |j| {
            j.as_object_mut().unwrap().remove("checksum");
        }),
    ];
    for (what, edit) in edits {
        let mut j = json.clone();
        edit(&mut j);
        std::fs::write(&second, j.to_string()).unwrap();
        let err = refused(&merge());
        assert!(
            err.contains("shard-2-of-2.json") && err.contains("checksum"),
            "{what}: {err}"
        );
        assert!(
            !merged.join("reversal.csv").exists(),
            "{what}: nothing merged"
        );
    }
    // A truncated copy says so.
    std::fs::write(&second, &original[..original.len() / 2]).unwrap();
    let err = refused(&merge());
    assert!(
        err.contains("shard-2-of-2.json") && err.contains("truncated"),
        "{err}"
    );
    // Re-formatting that keeps every value is not an edit.
    std::fs::write(&second, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    ok(&merge());
    assert_eq!(std::fs::read(merged.join("reversal.csv")).unwrap(), good);
}

// ---------------------------------------------------------------------------------------
// dslab plot validates the CSV it reads

#[test]
fn plot_refuses_values_no_probability_can_take_naming_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    ok(&[
        "simulate",
        "--q",
        "0.1,0.3",
        "--z",
        "0..3",
        "--trials",
        "2000",
        "--quiet",
        "--out",
        path(&dir),
    ]);
    let csv = dir.join("reversal.csv");
    let original = std::fs::read_to_string(&csv).unwrap();
    ok(&["plot", path(&dir)]);
    let header: Vec<&str> = original.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for (name, value) in [
        ("probability", "NaN"),
        ("probability", "-0.01"),
        ("probability", "1.5"),
        ("ci_high", "inf"),
        ("ci_low", "-1e-9"),
        ("exact", "2"),
        ("q", "7.5"),
        ("q", "abc"),
        ("z", "-1"),
        ("trials", "1.5"),
    ] {
        // Line 4 of the file: the third data row.
        let mut lines: Vec<String> = original.lines().map(String::from).collect();
        let mut fields: Vec<String> = lines[3].split(',').map(String::from).collect();
        fields[col(name)] = value.into();
        lines[3] = fields.join(",");
        std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
        let err = refused(&["plot", path(&dir)]);
        let place = format!("{}:4:{}", csv.display(), col(name) + 1);
        assert!(
            err.contains(&place),
            "{name} = {value}: {place} not in {err}"
        );
        assert!(err.contains(name) && err.contains(value), "{err}");
    }
    // Cut in the middle of its last line.
    let cut = original.trim_end().rfind(',').unwrap();
    std::fs::write(&csv, &original[..cut]).unwrap();
    let last = original.lines().count();
    let err = refused(&["plot", path(&dir)]);
    assert!(
        err.contains("truncated") && err.contains(&format!("reversal.csv:{last}")),
        "{err}"
    );
    // A missing column, an empty file, a header without rows.
    std::fs::write(&csv, original.replacen("ci_high", "ci_hi", 1)).unwrap();
    assert!(refused(&["plot", path(&dir)]).contains("'ci_high'"));
    std::fs::write(&csv, "").unwrap();
    assert!(refused(&["plot", path(&dir)]).contains("empty"));
    std::fs::write(&csv, original.lines().next().unwrap().to_string() + "\n").unwrap();
    assert!(refused(&["plot", path(&dir)]).contains("no rows"));
}

// ---------------------------------------------------------------------------------------
// Values beyond f64, dangling links

#[test]
fn values_beyond_f64_are_echoed_as_typed() {
    for (args, typed, says) in [
        (
            &["confirmations", "--q", "0.1", "--risk", "1e-400"][..],
            "1e-400",
            "underflow",
        ),
        (
            &["confirmations", "--q", "0.1", "--risk", "NaN"][..],
            "NaN",
            "number",
        ),
        (
            &["exact", "--model", "time-conditional", "--kappa", "1e-400"][..],
            "1e-400",
            "underflow",
        ),
        (
            &["exact", "--model", "time-conditional", "--kappa", "1e400"][..],
            "1e400",
            "largest",
        ),
        (
            &["exact", "--model", "time-conditional", "--kappa", "inf"][..],
            "inf",
            "finite",
        ),
        (
            &["exact", "--model", "time-conditional", "--kappa", "0"][..],
            "'0'",
            "positive",
        ),
    ] {
        let err = refused(args);
        let flag = args[args.len() - 2];
        assert!(
            err.contains(flag) && err.contains(typed) && err.contains(says),
            "{args:?}: {err}"
        );
    }
    // The smallest subnormal risk is a number, not an underflow.
    ok(&[
        "confirmations",
        "--q",
        "0.1",
        "--risk",
        "5e-324",
        "--format",
        "csv",
    ]);
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_as_out_is_named_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(tmp.path().join("gone"), &link).unwrap();
    let shards = tmp.path().join("shards");
    two_shards(&shards);
    for args in [
        &["run", "--quick", "--out", path(&link)][..],
        &["simulate", "--trials", "100", "--out", path(&link)][..],
        &["merge", path(&shards), "--out", path(&link)][..],
    ] {
        let err = refused(args);
        assert!(
            err.contains("--out") && err.contains("dangling") && err.contains("gone"),
            "{args:?}: {err}"
        );
    }
    assert!(!tmp.path().join("gone").exists());
}

// ---------------------------------------------------------------------------------------
// dslab run: one run per output folder; the user's files are never moved

fn scenario(dir: &Path, trials: u64) -> PathBuf {
    let file = dir.join("deep.toml");
    std::fs::write(
        &file,
        format!(
            "# lock test\nattack = \"majority\"\nq = \"0.1,0.3\"\nz = \"0..6\"\n\
             trials = {trials}\nseed = 5\nmethod = \"is\"\n"
        ),
    )
    .unwrap();
    file
}

#[test]
fn a_second_run_into_a_busy_folder_is_refused_and_the_first_finishes_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), 30_000_000);
    let out = tmp.path().join("out");
    let mut first = spawn(
        &[
            "run",
            path(&file),
            "--out",
            path(&out),
            "--quiet",
            "--checkpoint-every",
            "0",
        ],
        Stdio::null(),
    );
    let guard = watchdog(&first);
    // Its first checkpoint proves it is running, past taking the lock.
    crate::util::wait_for_file(&mut first, &out.join(".deep.checkpoint/checkpoint.json"));
    let err = refused(&[
        "run",
        path(&file),
        "--out",
        path(&out),
        "--quiet",
        "--trials",
        "1000",
        "--seed",
        "9",
    ]);
    assert!(
        err.contains("another dslab run") && err.contains(&first.id().to_string()),
        "{err}"
    );
    assert!(
        err.contains("--out") && err.contains("nothing was written"),
        "{err}"
    );
    assert!(!out.join("deep").exists(), "the second run wrote nothing");
    // A run killed with SIGKILL holds no lock: the next run proceeds.
    first.kill().unwrap();
    first.wait().unwrap();
    let _ = guard.send(());
    ok(&[
        "run",
        path(&file),
        "--out",
        path(&out),
        "--quiet",
        "--trials",
        "1000",
    ]);
    assert!(out.join("deep/reversal.csv").is_file());
    assert!(
        !out.join(".dslab.lock").exists(),
        "the lock file goes with the run"
    );
}

#[test]
fn a_file_where_a_report_goes_is_left_alone_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), 1000);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let run = ["run", path(&file), "--out", path(&out), "--quiet"];
    let target = out.join("deep");
    // Twice each: the second run meets exactly what the first left.
    let refused_twice = |what: &str| {
        for _ in 0..2 {
            let err = refused(&run);
            assert!(
                err.contains(what) && err.contains("Nothing was written"),
                "{what}: {err}"
            );
            assert!(err.contains(path(&target)), "{err}");
            let names: Vec<String> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names, ["deep"], "nothing moved aside or added: {names:?}");
        }
    };
    std::fs::write(&target, b"keep me").unwrap();
    refused_twice("a file");
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    std::fs::remove_file(&target).unwrap();
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), b"keep me").unwrap();
    refused_twice("notes.txt");
    assert_eq!(std::fs::read(target.join("notes.txt")).unwrap(), b"keep me");
    std::fs::remove_dir_all(&target).unwrap();
    // What an older dslab left (the user's file moved to .deep.old-PID, its process gone)
    // neither blocks the run nor is deleted.
    let moved = out.join(".deep.old-4000000000");
    std::fs::write(&moved, b"keep me").unwrap();
    ok(&run);
    assert!(out.join("deep/reversal.csv").is_file());
    assert_eq!(std::fs::read(&moved).unwrap(), b"keep me");
    // A report folder (with its plots) is replaced as before.
    ok(&[
        "run",
        path(&file),
        "--out",
        path(&out),
        "--quiet",
        "--seed",
        "6",
    ]);
    let manifest = std::fs::read_to_string(out.join("deep/manifest.json")).unwrap();
    assert!(manifest.contains("\"seed\": 6"), "{manifest}");
}

/// Issue 12 item 1: node counts beyond what the network has are refused (exit 2, naming
/// the flag or the file key) instead of panicking, and no output folder is left behind.
#[test]
fn helper_counts_beyond_the_network_are_refused() {
    for args in [
        &[
            "simulate",
            "--attack",
            "race",
            "--trials",
            "1000",
            "--helpers",
            "990",
        ][..],
        &[
            "simulate",
            "--attack",
            "vector76",
            "--trials",
            "1000",
            "--helpers",
            "1000",
        ][..],
        &[
            "simulate",
            "--attack",
            "race",
            "--network",
            "none",
            "--helpers",
            "20000",
        ][..],
    ] {
        let out = crate::util::dslab().args(args).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("--helpers") && err.contains("at most"),
            "{args:?}: {err}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.toml");
    std::fs::write(&file, "attack = \"race\"\n\n[race]\nhelpers = 5000\n").unwrap();
    let out_dir = dir.path().join("out");
    let out = crate::util::dslab()
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("race.helpers") && err.contains("many.toml"),
        "{err}"
    );
    assert!(!out_dir.join("many").exists() && !out_dir.join(".many.checkpoint").exists());
}

/// Issue 12 item 5: `dslab run --resume` keeps the scenarios whose finished reports match
/// (parameters, seed, version) and runs only the rest; a changed seed is run again.
#[test]
fn resume_keeps_finished_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(
        &a,
        "attack = \"majority\"\nq = \"0.1\"\nz = \"0..2\"\ntrials = 2000\n",
    )
    .unwrap();
    std::fs::write(
        &b,
        "attack = \"majority\"\nq = \"0.2\"\nz = \"0..2\"\ntrials = 2000\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = |files: &[&std::path::Path]| {
        let mut args: Vec<String> = vec!["run".into()];
        args.extend(files.iter().map(|f| f.to_str().unwrap().to_string()));
        args.extend([
            "--out".into(),
            out.to_str().unwrap().into(),
            "--resume".into(),
        ]);
        let o = crate::util::dslab().args(&args).output().expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let first = run(&[&a, &b]);
    assert!(!first.contains("kept"), "{first}");
    let csv = std::fs::read(out.join("a/reversal.csv")).unwrap();
    let again = run(&[&a, &b]);
    assert_eq!(again.matches(": kept:").count(), 2, "{again}");
    assert!(!again.contains("finished in"), "{again}");
    assert_eq!(std::fs::read(out.join("a/reversal.csv")).unwrap(), csv);
    std::fs::write(
        &b,
        "attack = \"majority\"\nq = \"0.2\"\nz = \"0..2\"\ntrials = 2000\nseed = 7\n",
    )
    .unwrap();
    let changed = run(&[&a, &b]);
    assert_eq!(changed.matches(": kept:").count(), 1, "{changed}");
    assert!(changed.contains("[2/2] b: finished in"), "{changed}");
}

/// Issue 12 item 3: quantities beyond what the program can do are refused with the flag
/// and the limit (a give-up deficit whose evaluation would need gigabytes; delays or block
/// intervals under which no race ever settles), instead of aborting or running for ever.
#[test]
fn unbounded_quantities_are_refused_with_their_limit() {
    for (args, flag, limit) in [
        (
            &["simulate", "--give-up", "4000000000"][..],
            "--give-up",
            "1000000",
        ),
        (
            &["exact", "--give-up", "4000000000"][..],
            "--give-up",
            "1000000",
        ),
        (
            &["simulate", "--attack", "finney", "--link-latency", "1e300"][..],
            "--link-latency",
            "6000",
        ),
        (
            &[
                "simulate",
                "--attack",
                "finney",
                "--block-interval",
                "1e-300",
            ][..],
            "--block-interval",
            "0.01",
        ),
    ] {
        let out = crate::util::dslab().args(args).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(flag) && err.contains(limit), "{args:?}: {err}");
    }
}

/// Issue 12 item 3: a run with no terminal is not silent: a plain progress line on stderr
/// from time to time (every 30 s; `DSLAB_PROGRESS_EVERY=0` here, so every chunk), none
/// with `--quiet`, and stdout keeps only the results.
#[test]
fn a_run_without_a_terminal_prints_progress_lines() {
    let args = [
        "simulate", "--q", "0.3", "--z", "0..3", "--trials", "200000", "--format", "csv",
    ];
    let out = crate::util::dslab()
        .env("DSLAB_PROGRESS_EVERY", "0")
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("trials (") && err.contains("M trials/s"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("trials ("));
    let quiet = crate::util::dslab()
        .env("DSLAB_PROGRESS_EVERY", "0")
        .args(args)
        .arg("--quiet")
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("trials ("));
}

/// Issue 12 item 8: scenario messages that help. An empty list names the key and asks for
/// a value; a trial count written as 1e6 (a TOML float) is the whole number it means.
#[test]
fn scenario_lists_and_counts_read_as_users_write_them() {
    for (text, key) in [
        ("attack = \"majority\"\nq = []\n", "key `q`"),
        ("attack = \"majority\"\nz = []\n", "key `z`"),
        ("attack = \"majority\"\ntrials = 2.5\n", "key `trials`"),
    ] {
        let e = dslab::scenario::parse("x.toml", "x", text).unwrap_err();
        let m = format!("{e:#}");
        assert!(m.contains(key) && m.contains("line 2"), "{m}");
        assert!(
            !m.contains("'' is not a number") && !m.contains("expected i64"),
            "{m}"
        );
    }
    let s = dslab::scenario::parse("x.toml", "x", "attack = \"majority\"\ntrials = 1e6\n")
        .expect("1e6 is a trial count");
    assert_eq!(s.experiment.trials, 1_000_000);
}
