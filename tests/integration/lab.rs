//! `dslab run` and `dslab plot`: the built-in lab writes every promised file, the PNGs are
//! real pictures, the CSV has the SPEC's columns, plots re-render byte for byte from the
//! CSV, an interrupted run leaves earlier reports intact, and the committed `reports/`
//! regenerates byte for byte.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dslab::report::plot::{HEIGHT, WIDTH};
use dslab::scenario::BUILTIN;

use crate::util::{dslab, parse_csv};

const SPEC_COLUMNS: [&str; 8] = [
    "attack",
    "q",
    "z",
    "trials",
    "probability",
    "ci_low",
    "ci_high",
    "exact",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the quick lab once per test process run (shared by several tests).
fn quick_lab() -> &'static Path {
    use std::sync::OnceLock;
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().expect("temp dir");
        // From an unrelated directory: the scenarios are compiled into the binary.
        let out = dslab()
            .current_dir(d.path())
            .args(["run", "--quick", "--quiet"])
            .output()
            .expect("dslab runs");
        assert!(
            out.status.success(),
            "dslab run --quick failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "--quiet keeps stderr silent");
        d
    })
    .path()
}

fn pngs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    v.sort();
    v
}

#[test]
fn quick_lab_writes_every_promised_file() {
    let reports = quick_lab().join("reports");
    let readme = std::fs::read_to_string(reports.join("README.md")).unwrap();
    assert!(readme.contains("Quick smoke run"));
    for b in BUILTIN {
        let dir = reports.join(b.name);
        for f in [
            "reversal.csv",
            "manifest.json",
            "scenario.toml",
            "reversal.png",
            "heatmap.png",
        ] {
            assert!(dir.join(f).is_file(), "{}/{f} missing", b.name);
        }
        assert!(readme.contains(&format!("![{}: P(reversal) against", b.name)));
        assert!(readme.contains(&format!("]({}/reversal.png)", b.name)));
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["scenario"], b.name);
        assert_eq!(manifest["trials"], 20_000);
        assert_eq!(
            std::fs::read_to_string(dir.join("scenario.toml")).unwrap(),
            b.text
        );
    }
    // The q > 1/2 scenario also plots the blocks until success.
    assert!(reports.join("majority-51/blocks.png").is_file());
    let hidden: Vec<_> = std::fs::read_dir(&reports)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "no temporary folders left: {hidden:?}");
}

#[test]
fn every_png_decodes_has_the_size_and_is_not_blank() {
    let reports = quick_lab().join("reports");
    let mut seen = 0;
    for b in BUILTIN {
        for p in pngs(&reports.join(b.name)) {
            let img = image::open(&p)
                .unwrap_or_else(|e| panic!("{} does not decode: {e}", p.display()))
                .to_rgb8();
            assert_eq!(img.dimensions(), (WIDTH, HEIGHT), "{}", p.display());
            let pixels = img.pixels().count();
            let inked = img.pixels().filter(|px| px.0 != [255, 255, 255]).count();
            let colours: BTreeSet<[u8; 3]> = img.pixels().map(|px| px.0).collect();
            // Text, axes and data cover well over 3 % of a chart; anti-aliased text alone
            // gives dozens of grey levels, and the data lines add colours.
            assert!(inked * 100 > pixels * 3, "{} is nearly blank", p.display());
            assert!(colours.len() > 50, "{} has too few colours", p.display());
            seen += 1;
        }
    }
    assert!(seen >= 2 * BUILTIN.len());
}

#[test]
fn csv_has_the_spec_columns_and_one_row_per_cell() {
    let reports = quick_lab().join("reports");
    for b in BUILTIN {
        let text = std::fs::read_to_string(reports.join(b.name).join("reversal.csv")).unwrap();
        let (header, rows) = parse_csv(&text);
        assert_eq!(&header[..8], &SPEC_COLUMNS, "{}", b.name);
        let s = dslab::scenario::parse(b.name, b.name, b.text).unwrap();
        let points = s
            .experiment
            .network()
            .and_then(|n| n.sweep.as_ref())
            .map_or(1, |w| w.values.len());
        let cells = s.experiment.qs.len() * s.experiment.zs.len() * points;
        assert_eq!(
            rows.len(),
            cells,
            "{}: one row per (q, z, swept value)",
            b.name
        );
        for r in &rows {
            let num = |i: usize| r[i].parse::<f64>().unwrap();
            let (p, lo, hi) = (num(4), num(5), num(6));
            // 1e-12: the Wilson bound at k = n comes out as 1 - 1 ulp.
            assert!(lo <= p + 1e-12 && p <= hi + 1e-12, "{}: {r:?}", b.name);
            assert!(hi <= 1.0 && hi > 0.0, "{}: {r:?}", b.name);
            if r[0] == "majority" {
                assert!(!r[7].is_empty(), "the majority attack has a closed form");
            }
        }
    }
}

#[test]
fn plot_rerenders_the_same_png_bytes_from_the_csv() {
    let src = quick_lab().join("reports");
    let d = tempfile::tempdir().unwrap();
    // Copy two scenario folders, delete their plots, re-render from the reports root.
    for name in ["majority", "majority-51"] {
        let to = d.path().join(name);
        std::fs::create_dir(&to).unwrap();
        std::fs::copy(src.join(name).join("reversal.csv"), to.join("reversal.csv")).unwrap();
    }
    let out = dslab().arg("plot").arg(d.path()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["majority", "majority-51"] {
        let orig = pngs(&src.join(name));
        let again = pngs(&d.path().join(name));
        assert_eq!(orig.len(), again.len(), "{name}: same plots");
        for (a, b) in orig.iter().zip(&again) {
            assert!(
                std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
                "{} differs after `dslab plot`",
                b.display()
            );
        }
    }
}

#[test]
fn plot_of_a_folder_without_csv_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    dslab()
        .arg("plot")
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("holds no reversal.csv"));
}

#[test]
fn committed_scenario_regenerates_byte_for_byte() {
    let d = tempfile::tempdir().unwrap();
    let scenario = repo().join("attacks/nakamoto-check.toml");
    let out = dslab()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(d.path())
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = repo().join("reports/nakamoto-check");
    for f in [
        "reversal.csv",
        "scenario.toml",
        "reversal.png",
        "heatmap.png",
    ] {
        let a = std::fs::read(committed.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let b = std::fs::read(d.path().join("nakamoto-check").join(f)).unwrap();
        assert!(
            a == b,
            "reports/nakamoto-check/{f} is not what `dslab run` gives"
        );
    }
}

#[test]
fn overrides_replace_trials_and_seed_and_threads_do_not_matter() {
    let scenario = repo().join("attacks/nakamoto-check.toml");
    let run = |threads: &str, seed: &str| {
        let d = tempfile::tempdir().unwrap();
        dslab()
            .arg("run")
            .arg(&scenario)
            .args([
                "--trials",
                "3000",
                "--seed",
                seed,
                "--threads",
                threads,
                "--quiet",
            ])
            .arg("--out")
            .arg(d.path())
            .assert()
            .success();
        std::fs::read_to_string(d.path().join("nakamoto-check/reversal.csv")).unwrap()
    };
    let one = run("1", "99");
    assert_eq!(one, run("2", "99"), "same seed, any thread count");
    assert_ne!(one, run("1", "98"), "--seed changes the draws");
    let (header, rows) = parse_csv(&one);
    let trials = header.iter().position(|h| h == "trials").unwrap();
    assert!(rows.iter().all(|r| r[trials] == "3000"));
}

#[test]
fn interrupted_run_leaves_the_earlier_report_intact() {
    let d = tempfile::tempdir().unwrap();
    let scenario = repo().join("attacks/nakamoto-check.toml");
    let base = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_dslab"));
        c.arg("run").arg(&scenario).arg("--out").arg(d.path());
        c.arg("--quiet");
        c
    };
    let ok = base().args(["--trials", "1000"]).status().unwrap();
    assert!(ok.success());
    let folder = d.path().join("nakamoto-check");
    let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    let readme = std::fs::read(d.path().join("README.md")).unwrap();
    // A run that takes minutes, killed (as Ctrl-C would) once it has started simulating.
    let mut child = base()
        .args(["--trials", "4000000000", "--threads", "1"])
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(700) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the long run ended early"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for (p, bytes) in &before {
        assert!(
            &std::fs::read(p).unwrap() == bytes,
            "{} changed",
            p.display()
        );
    }
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), before.len());
    assert_eq!(std::fs::read(d.path().join("README.md")).unwrap(), readme);
}

#[test]
fn bad_scenario_names_the_file_line_and_key() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("typo.toml");
    std::fs::write(
        &f,
        "# A question\nattack = \"majority\"\nq = \"0.1\"\ntrails = 10\n",
    )
    .unwrap();
    dslab()
        .arg("run")
        .arg(&f)
        .arg("--out")
        .arg(d.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("typo.toml, line 4, key `trails`"));
    assert!(
        !d.path().join("out").exists(),
        "nothing written on bad input"
    );
}

#[test]
fn bad_network_key_in_a_scenario_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("fin.toml");
    std::fs::write(&f, "attack = \"finney\"\n[network]\nblock_hop_delay = -1\n").unwrap();
    dslab()
        .arg("run")
        .arg(&f)
        .arg("--out")
        .arg(d.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("fin.toml, line 3"))
        .stderr(predicates::str::contains("network.block_hop_delay"));
    assert!(!d.path().join("out").join("fin").exists());
}

#[test]
fn missing_scenario_file_is_a_usage_error() {
    dslab()
        .args(["run", "no/such/file.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no/such/file.toml"));
}

#[test]
fn shipped_attack_files_match_the_compiled_in_lab() {
    let mut on_disk: Vec<String> = std::fs::read_dir(repo().join("attacks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut built: Vec<String> = BUILTIN.iter().map(|b| b.name.to_string()).collect();
    built.sort();
    assert_eq!(
        on_disk, built,
        "every attacks/*.toml is in scenario::BUILTIN"
    );
}

#[test]
fn run_resumes_after_a_kill_to_the_same_bytes() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("deep.toml");
    std::fs::write(
        &file,
        "# resume test\nattack = \"majority\"\nq = \"0.1,0.3\"\nz = \"0..6\"\n\
         trials = 10000000\nseed = 13\nmethod = \"is\"\n",
    )
    .unwrap();
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));
    let run = |out: &std::path::Path| {
        vec![
            "run".to_string(),
            file.display().to_string(),
            "--quiet".into(),
            "--out".into(),
            out.display().to_string(),
        ]
    };
    let ok = dslab().args(run(&whole)).output().unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dslab"))
        .args(run(&killed))
        .args(["--checkpoint-every", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = killed.join(".deep.checkpoint/checkpoint.json");
    crate::util::wait_for_file(&mut child, &checkpoint);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !killed.join("deep/reversal.csv").exists(),
        "killed before the end"
    );

    let out = dslab().args(run(&killed)).arg("--resume").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(whole.join("deep/reversal.csv")).unwrap(),
        std::fs::read(killed.join("deep/reversal.csv")).unwrap()
    );
    assert!(
        !killed.join(".deep.checkpoint").exists(),
        "checkpoint removed when done"
    );
}

#[test]
fn ctrl_c_saves_the_checkpoint_says_what_finished_and_resumes_to_the_same_bytes() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("deep.toml");
    std::fs::write(
        &file,
        "# interrupt test\nattack = \"majority\"\nq = \"0.1,0.3\"\nz = \"0..6\"\n\
         trials = 30000000\nseed = 21\nmethod = \"is\"\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let args = [
        "run".to_string(),
        file.display().to_string(),
        "--out".into(),
        out.display().to_string(),
        "--quiet".into(),
    ];
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dslab"))
        .args(&args)
        .args(["--checkpoint-every", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let checkpoint = out.join(".deep.checkpoint/checkpoint.json");
    crate::util::wait_for_file(&mut child, &checkpoint);
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(130), "{err}");
    assert!(
        err.contains("not written: deep") && err.contains("--resume"),
        "{err}"
    );
    assert!(checkpoint.exists(), "the checkpoint stays for --resume");
    assert!(!out.join("deep/reversal.csv").exists());

    let resumed = dslab().args(&args).arg("--resume").output().unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let whole_dir = tmp.path().join("whole");
    let whole = dslab()
        .args([
            "run",
            &file.display().to_string(),
            "--quiet",
            "--out",
            &whole_dir.display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(whole.status.success());
    assert_eq!(
        std::fs::read(whole_dir.join("deep/reversal.csv")).unwrap(),
        std::fs::read(out.join("deep/reversal.csv")).unwrap()
    );
}
