//! Helpers shared by the integration tests.

use assert_cmd::Command;

/// The `dslab` binary under test.
pub fn dslab() -> Command {
    Command::cargo_bin("dslab").expect("the dslab binary is built")
}

/// Run dslab with `args`, expect success, return stdout.
pub fn stdout_of(args: &[&str]) -> String {
    let out = dslab().args(args).output().expect("dslab runs");
    assert!(
        out.status.success(),
        "dslab {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Parse CSV text into header and records.
pub fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Column `name` of `rows` as f64.
pub fn column(header: &[String], rows: &[Vec<String>], name: &str) -> Vec<f64> {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    rows.iter().map(|r| r[i].parse().expect("number")).collect()
}
