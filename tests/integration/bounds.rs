//! `dslab bounds` and `dslab confirmations --model delta`: the published example, the Δ → 0
//! bracket against the zero-latency closed forms, the GKR threshold, bad input.

use crate::util::{column, dslab, parse_csv, stdout_of};

fn csv_of(args: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    parse_csv(&stdout_of(args))
}

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
fn published_example_to_the_printed_digits() {
    // Guo & Ren (AFT 2022), abstract: 10-minute blocks, Δ = 10 s, 10 % adversary,
    // 6 confirmations: "a safety violation between 0.11% and 0.35% probability".
    let (h, rows) = csv_of(&[
        "bounds", "--q", "0.1", "--z", "6", "--delta", "10", "--format", "csv",
    ]);
    assert_eq!(
        &h[..6],
        ["q", "z", "delta", "block_interval", "lower", "upper"]
    );
    let lower = column(&h, &rows, "lower")[0];
    let upper = column(&h, &rows, "upper")[0];
    assert_eq!(format!("{:.2}", 100.0 * lower), "0.11");
    assert_eq!(format!("{:.2}", 100.0 * upper), "0.35");
    assert_eq!(column(&h, &rows, "block_interval")[0], 600.0);
}

#[test]
fn zero_delay_bounds_bracket_the_zero_latency_closed_forms() {
    // Δ = 0: the exact closed forms without pre-mining (first-seen, and the classical
    // convention) lie at or below the lower bound, which lies below the upper bound.
    let args = ["--q", "0.1,0.25,0.4", "--z", "1,3,6,12", "--format", "csv"];
    let (hb, b) = csv_of(&[&["bounds", "--delta", "0"][..], &args].concat());
    let (lower, upper) = (column(&hb, &b, "lower"), column(&hb, &b, "upper"));
    for conv in [
        &["--tie", "first-seen"][..],
        &["--classical"][..],
        &["--tie", "gamma=1"][..],
    ] {
        let (he, e) = csv_of(&[&["exact"][..], &args, conv].concat());
        let exact = column(&he, &e, "probability");
        for i in 0..exact.len() {
            assert!(
                exact[i] <= lower[i] * (1.0 + 1e-12),
                "{conv:?} row {i}: {} > {}",
                exact[i],
                lower[i]
            );
            assert!(lower[i] <= upper[i], "row {i}");
        }
    }
}

#[test]
fn above_the_gkr_threshold_no_number() {
    // q = 0.49 with Δ = 60 s, T = 600 s: threshold q* ≈ 0.4875 (root of
    // 60 q² − 1260 q + 600 = 0), so no bound is printed, only a note.
    let (h, rows) = csv_of(&[
        "bounds", "--q", "0.3,0.49", "--z", "6", "--delta", "60", "--format", "csv",
    ]);
    let pos = |c: &str| h.iter().position(|x| x == c).unwrap();
    let (li, ui, ni) = (pos("lower"), pos("upper"), pos("note"));
    assert!(!rows[0][li].is_empty() && !rows[0][ui].is_empty() && rows[0][ni].is_empty());
    assert!(
        rows[1][li].is_empty() && rows[1][ui].is_empty(),
        "{:?}",
        rows[1]
    );
    assert!(rows[1][ni].contains("GKR"), "{:?}", rows[1]);
    let q_star: f64 = rows[0][pos("gkr_max_q")].parse().unwrap();
    let textbook = (1260.0 - (1260.0f64 * 1260.0 - 4.0 * 60.0 * 600.0).sqrt()) / 120.0;
    assert!((q_star - textbook).abs() < 1e-12, "{q_star} vs {textbook}");
}

#[test]
fn confirmations_from_each_bound() {
    let (h, rows) = csv_of(&[
        "confirmations",
        "--model",
        "delta",
        "--delta",
        "10",
        "--q",
        "0.1,0.25",
        "--risk",
        "0.001",
        "--format",
        "csv",
    ]);
    assert_eq!(&h[..2], ["q", "confirmations"]);
    let up = column(&h, &rows, "confirmations");
    let lo = column(&h, &rows, "confirmations_lower");
    for (i, q) in ["0.1", "0.25"].iter().enumerate() {
        let (k_up, k_lo) = (up[i] as u32, lo[i] as u32);
        assert!(k_lo <= k_up, "q={q}");
        // The answer is the first depth below the risk, read back from `dslab bounds`.
        let zs = format!("{},{},{},{}", k_lo.max(2) - 1, k_lo, k_up.max(2) - 1, k_up);
        let (hb, b) = csv_of(&[
            "bounds", "--q", q, "--z", &zs, "--delta", "10", "--format", "csv",
        ]);
        let z = column(&hb, &b, "z");
        let at = |k: u32, col: &str| {
            let v = column(&hb, &b, col);
            v[z.iter().position(|&x| x == f64::from(k)).unwrap()]
        };
        assert!(at(k_up, "upper") < 0.001 && (k_up == 1 || at(k_up - 1, "upper") >= 0.001));
        assert!(at(k_lo, "lower") < 0.001 && (k_lo == 1 || at(k_lo - 1, "lower") >= 0.001));
    }
    // q = 0.1, risk 0.001: the lower bound's attack (pre-mining, ties won) needs 7 blocks
    // to fall below 0.1 %: lower(6) = 0.00107 (the published example) ≥ 0.001.
    assert_eq!(lo[0], 7.0);
}

#[test]
fn other_models_keep_their_answers() {
    // The classical P < 0.1 % table (Nakamoto's comparison, Rosenfeld / GPM exact).
    let (h, rows) = csv_of(&[
        "confirmations",
        "--q",
        "0.1:0.45:0.05",
        "--risk",
        "0.001",
        "--classical",
        "--format",
        "csv",
    ]);
    assert_eq!(
        column(&h, &rows, "confirmations"),
        [6.0, 9.0, 13.0, 20.0, 32.0, 58.0, 133.0, 539.0]
    );
}

#[test]
fn bad_input_names_the_flag() {
    let base = ["bounds", "--q", "0.1", "--z", "6"];
    fails_with_2(
        &[&base[..], &["--delta", "-1"]].concat(),
        &["--delta", "-1"],
    );
    fails_with_2(
        &[&base[..], &["--delta", "10", "--block-interval", "0"]].concat(),
        &["--block-interval"],
    );
    fails_with_2(
        &["bounds", "--q", "0", "--z", "6", "--delta", "10"],
        &["--q", "0"],
    );
    fails_with_2(
        &["bounds", "--q", "1", "--z", "6", "--delta", "10"],
        &["--q", "1"],
    );
    fails_with_2(
        &["bounds", "--q", "0.1", "--z", "0..6", "--delta", "10"],
        &["--z", "0..6"],
    );
    fails_with_2(
        &["bounds", "--q", "0.1", "--z", "", "--delta", "10"],
        &["--z"],
    );
    fails_with_2(
        &[
            "confirmations",
            "--q",
            "0.1",
            "--risk",
            "0.01",
            "--model",
            "delta",
        ],
        &["--delta"],
    );
    fails_with_2(
        &[
            "confirmations",
            "--q",
            "0.1",
            "--risk",
            "0.01",
            "--delta",
            "10",
        ],
        &["--delta", "--model delta"],
    );
    fails_with_2(
        &[
            "confirmations",
            "--q",
            "0.1",
            "--risk",
            "0.01",
            "--model",
            "delta",
            "--delta",
            "10",
            "--classical",
        ],
        &["--model"],
    );
    fails_with_2(
        &["exact", "--model", "delta"],
        &["--model", "delta", "bounds"],
    );
}
