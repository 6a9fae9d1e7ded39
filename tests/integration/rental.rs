//! The rented-hash attacker through the attack plug-in point: `dslab simulate --attack
//! rental` on the timed engine against its exact zero-latency law (an independent
//! evaluation: uniformization of the block race, `attack::rental::exact`, itself checked
//! against Monte Carlo and closed forms in `rental_exact.rs`), and its limit (no window,
//! no pre-mining) against the majority attack's closed forms.

use dslab::analytic;
use dslab::params::Convention;

use crate::util::{column, dslab, parse_csv, stdout_of};

/// Simulated rows of `dslab simulate --attack rental` with `extra` flags, on the
/// zero-latency timed engine with z = 0 accepting at the broadcast.
fn rental_rows(extra: &[&str], q: &str, trials: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut args = vec![
        "simulate",
        "--attack",
        "rental",
        "--network",
        "none",
        "--listening-period",
        "0",
        "--q",
        q,
        "--z",
        "0..4",
        "--trials",
        trials,
        "--seed",
        "11",
        "--format",
        "csv",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    parse_csv(&stdout_of(&args))
}

/// Every simulated value within 4.5 standard errors of `want` (a 1-in-150 000 miss per
/// cell for a normal estimate), with a floor for cells whose value is 0 or 1.
fn assert_within(header: &[String], rows: &[Vec<String>], want: &[f64]) {
    let p = column(header, rows, "probability");
    let n = column(header, rows, "trials");
    for ((&p, &n), &x) in p.iter().zip(&n).zip(want) {
        let se = (x * (1.0 - x) / n).sqrt().max(1.0 / n);
        assert!(
            (p - x).abs() <= 4.5 * se,
            "simulated {p} vs exact {x} (se {se})"
        );
    }
}

#[test]
fn a_finite_window_with_pre_mining_agrees_with_its_exact_law() {
    let (h, rows) = rental_rows(
        &["--window", "7200", "--premine-time", "1800"],
        "0.3",
        "200000",
    );
    assert_eq!(rows.len(), 5);
    let law = dslab::attack::rental::exact::Rental::new(0.3, 600.0, Some(7200.0), 1800.0)
        .expect("valid rental");
    let want: Vec<f64> = (0..=4).map(|z| law.success(z)).collect();
    // The exact column is that law, beside every simulated number.
    let exact = column(&h, &rows, "exact");
    for (e, w) in exact.iter().zip(&want) {
        assert!((e - w).abs() <= 1e-12 * w.max(1e-300), "{e} vs {w}");
    }
    assert_within(&h, &rows, &want);
    // The window matters: with it the attacker does worse than without (z = 4 at q = 0.3
    // with a head start drawn from 30 minutes of pre-mining).
    let unlimited =
        dslab::attack::rental::exact::Rental::new(0.3, 600.0, None, 1800.0).expect("valid rental");
    assert!(want[4] < unlimited.success(4));
}

#[test]
fn no_window_and_no_pre_mining_is_the_majority_attack() {
    let (h, rows) = rental_rows(&[], "0.2,0.4", "100000");
    let want: Vec<f64> = [0.2, 0.4]
        .iter()
        .flat_map(|&q| (0..=4).map(move |z| analytic::exact(q, z, Convention::DEFAULT).value))
        .collect();
    let exact = column(&h, &rows, "exact");
    for (e, w) in exact.iter().zip(&want) {
        assert!((e - w).abs() <= 1e-12 * w, "{e} vs {w}");
    }
    assert_within(&h, &rows, &want);
}

#[test]
fn rental_runs_on_the_network_and_bad_windows_name_the_flag() {
    // On the default network the exact column is the zero-latency limit, beside a
    // simulated value of the same order (benign forks help the attacker a little).
    let out = stdout_of(&[
        "simulate",
        "--attack",
        "rental",
        "--q",
        "0.3",
        "--z",
        "1,2",
        "--window",
        "3600",
        "--trials",
        "4000",
        "--topologies",
        "4",
        "--nodes",
        "200",
        "--format",
        "csv",
        "--quiet",
    ]);
    let (h, rows) = parse_csv(&out);
    assert_eq!(column(&h, &rows, "probability").len(), 2);
    let out = dslab()
        .args([
            "simulate",
            "--attack",
            "rental",
            "--window",
            "60",
            "--premine-time",
            "600",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--window") && err.contains("premine_time"),
        "{err}"
    );
    let out = dslab()
        .args(["simulate", "--attack", "race", "--window", "60"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--window"));
}

/// The rows say how the rental attacker gives up: when its rented window closes
/// (`window-end`) with a finite window, never without one. (Earlier builds wrote `never`
/// for both.)
#[test]
fn rows_say_the_attacker_gives_up_when_the_window_closes() {
    let give_up = |extra: &[&str]| {
        let (header, rows) = rental_rows(extra, "0.3", "200");
        let i = header.iter().position(|h| h == "give_up").unwrap();
        rows.iter().map(|r| r[i].clone()).collect::<Vec<_>>()
    };
    assert!(
        give_up(&["--window", "3000"])
            .iter()
            .all(|g| g == "window-end")
    );
    assert!(give_up(&[]).iter().all(|g| g == "never"));
}
