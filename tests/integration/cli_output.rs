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

/// The reviewer's case: a ±0.1 % target stopped by a cap of 50000 trials.
const CAPPED: [&str; 13] = [
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
];


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
