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

/// Every row of a Monte Carlo `reversal.csv` carries log10 columns equal to log10 of its
/// values (bit for bit: both are f64 log10 of the same printed f64), empty where the value
/// is 0; `log10_exact` agrees with log10 of `exact` (it comes from the log-space closed
/// form, so to rounding). Returns how many estimates were 0 (empty log10).
pub fn assert_log10_columns_match_values(csv_text: &str) -> usize {
    let (h, rows) = parse_csv(csv_text);
    let col = |name: &str| {
        h.iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name} in {h:?}"))
    };
    let mut zeros = 0;
    for r in &rows {
        assert_eq!(r[col("method")], "mc", "{r:?}");
        for (value, log10) in [
            ("probability", "log10_probability"),
            ("ci_low", "log10_ci_low"),
            ("ci_high", "log10_ci_high"),
            ("exact", "log10_exact"),
        ] {
            let (v, l) = (&r[col(value)], &r[col(log10)]);
            if v.is_empty() || v.parse::<f64>().expect("number") == 0.0 {
                assert_eq!(l, "", "{value} = {v:?} but {log10} = {l:?} in {r:?}");
                zeros += usize::from(value == "probability" && !v.is_empty());
                continue;
            }
            let (v, l): (f64, f64) = (v.parse().unwrap(), l.parse().expect("a log10"));
            if value == "exact" {
                assert!((l - v.log10()).abs() < 1e-12, "{log10} {l} vs {v:e}");
            } else {
                assert_eq!(l.to_bits(), v.log10().to_bits(), "{log10} {l} vs {v:e}");
            }
        }
    }
    zeros
}

/// One row of a `dslab simulate --format csv` run: merchant z, the estimate, the trials
/// it used and its standard error.
#[derive(Clone, Copy, Debug)]
pub struct Estimate {
    /// Confirmations z.
    pub z: u32,
    /// Estimated probability.
    pub p: f64,
    /// Trials used.
    pub trials: f64,
    /// Standard error of the estimate, as printed.
    pub se: f64,
}

/// The rows of `dslab simulate --attack ATTACK --listening-period 0 --seed SEED --format
/// csv --quiet EXTRA…` (q, z, trials, method and the attack's flags in `extra`).
pub fn simulate_attack(attack: &str, seed: &str, extra: &[&str]) -> Vec<Estimate> {
    let mut args = vec![
        "simulate",
        "--attack",
        attack,
        "--listening-period",
        "0",
        "--seed",
        seed,
        "--format",
        "csv",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let (h, r) = parse_csv(&stdout_of(&args));
    let col = |name: &str| column(&h, &r, name);
    let (zs, p, n, se) = (
        col("z"),
        col("probability"),
        col("trials"),
        col("std_error"),
    );
    (0..r.len())
        .map(|i| Estimate {
            z: zs[i] as u32,
            p: p[i],
            trials: n[i],
            se: se[i],
        })
        .collect()
}

/// Standard error of a proportion estimated from n trials at x (a reference value or the
/// estimate itself), with a floor of 1/n for values at 0 or 1.
pub fn proportion_se(x: f64, n: f64) -> f64 {
    (x * (1.0 - x) / n).sqrt().max(1.0 / n)
}

/// The `method` column `--method auto` chose for a Δ-model `attack` at (Δ, q, z), with
/// 20 000 trials (the first row).
pub fn auto_method(attack: &str, delta: &str, q: &str, z: &str) -> String {
    let (h, rows) = parse_csv(&stdout_of(&[
        "simulate", "--attack", attack, "--delta", delta, "--q", q, "--z", z, "--trials", "20000",
        "--method", "auto", "--format", "csv", "--quiet",
    ]));
    let i = h.iter().position(|c| c == "method").expect("method column");
    rows[0][i].clone()
}
