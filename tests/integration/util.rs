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

/// Wait until `path` exists while `child` keeps running (a run's first checkpoint), at most
/// two minutes; fails if the child ends first.
pub fn wait_for_file(child: &mut std::process::Child, path: &std::path::Path) {
    let start = std::time::Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(120),
            "no {} appeared",
            path.display()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before {} appeared",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}
