//! Chain presets (`dslab chains`, `--chain`, `--chain-file`, `--set`) and the convention
//! line of `dslab confirmations` (issue 15, items 1 and 5).

use crate::util::{column, dslab, parse_csv, stdout_of};

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

/// The value of `key` for `chain` in `dslab chains --format csv` rows ("" when unknown).
fn value(h: &[String], rows: &[Vec<String>], chain: &str, key: &str) -> String {
    let at = |n: &str| h.iter().position(|x| x == n).expect("column");
    rows.iter()
        .find(|r| r[at("chain")] == chain && r[at("key")] == key)
        .map(|r| r[at("value")].clone())
        .unwrap_or_else(|| panic!("no {chain} {key}"))
}

#[test]
fn every_preset_parses_and_every_number_has_a_date_and_a_source() {
    let (h, rows) = parse_csv(&stdout_of(&["chains", "--format", "csv"]));
    assert_eq!(
        h,
        ["chain", "key", "value", "unit", "date", "source", "note"]
    );
    let at = |n: &str| h.iter().position(|x| x == n).unwrap();
    for want in ["BTC", "BCH", "LTC", "DOGE", "ETC", "BTG", "XMR"] {
        assert_eq!(
            rows.iter().filter(|r| r[at("chain")] == want).count(),
            9,
            "{want}: one row per figure (eight figures and the coin price)"
        );
    }
    for r in &rows {
        if r[at("value")].is_empty() {
            assert!(!r[at("note")].is_empty(), "unknown without a note: {r:?}");
        } else {
            assert!(!r[at("date")].is_empty(), "number without a date: {r:?}");
            assert!(
                !r[at("source")].is_empty(),
                "number without a source: {r:?}"
            );
        }
    }
}

#[test]
fn protocol_figures_match_the_published_rules() {
    // Protocol constants as the issue and the cited sources state them (docs/chains.md):
    // block interval (s), block reward (coin) and difficulty window (blocks).
    let (h, rows) = parse_csv(&stdout_of(&["chains", "--format", "csv"]));
    let expect = [
        ("BTC", "block_interval", "600"),
        ("BTC", "block_reward", "3.125"),
        ("BTC", "difficulty_window", "2016"),
        ("BCH", "block_interval", "600"),
        ("BCH", "block_reward", "3.125"),
        ("LTC", "block_interval", "150"),
        ("LTC", "block_reward", "6.25"),
        ("LTC", "difficulty_window", "2016"),
        ("DOGE", "block_interval", "60"),
        ("DOGE", "block_reward", "10000"),
        ("BTG", "block_interval", "600"),
        ("XMR", "block_interval", "120"),
        ("XMR", "block_reward", "0.6"),
        ("XMR", "difficulty_window", "720"),
    ];
    for (chain, key, want) in expect {
        let got: f64 = value(&h, &rows, chain, key).parse().expect("a number");
        assert_eq!(got, want.parse::<f64>().unwrap(), "{chain} {key}");
    }
}

#[test]
fn hashprice_rental_prices_agree_with_their_inputs() {
    // ETC's and XMR's rental price is the hashprice (docs/chains.md): blocks a day x
    // reward / network hash rate x coin price in BTC. Recomputed here from the preset's own
    // figures (ETC's reward on the price's date is era 4's 2.56 ETC, not the preset's
    // era-5 block_reward: its note says so). Tolerance 0.1 %: the presets round the
    // product to four significant figures.
    let (h, rows) = parse_csv(&stdout_of(&["chains", "--format", "csv"]));
    let num = |chain: &str, key: &str| -> f64 {
        value(&h, &rows, chain, key)
            .parse()
            .unwrap_or_else(|_| panic!("{chain} {key}: a number"))
    };
    for (chain, reward) in [("ETC", 2.56), ("XMR", num("XMR", "block_reward"))] {
        let blocks_a_day = 86_400.0 / num(chain, "block_interval");
        let want = blocks_a_day * reward / num(chain, "hashrate") * num(chain, "price");
        let got = num(chain, "rental_price");
        assert!(
            (got / want - 1.0).abs() < 1e-3,
            "{chain}: rental_price {got}, hashprice {want}"
        );
    }
}

#[test]
fn set_overrides_a_figure_and_marks_it_as_the_users() {
    let (h, rows) = parse_csv(&stdout_of(&[
        "chains",
        "--chain",
        "ltc",
        "--set",
        "block_interval=75",
        "--format",
        "csv",
    ]));
    let num = |key| {
        value(&h, &rows, "LTC", key)
            .parse::<f64>()
            .expect("a number")
    };
    assert_eq!(num("block_interval"), 75.0);
    assert_eq!(num("block_reward"), 6.25);
    let src = h.iter().position(|x| x == "source").unwrap();
    let row = rows.iter().find(|r| r[1] == "block_interval").unwrap();
    assert!(row[src].contains("--set"), "{row:?}");
}

#[test]
fn bad_overrides_exit_2_naming_the_key() {
    fails_with_2(
        &["chains", "--chain", "btc", "--set", "blok_interval=5"],
        &[
            "blok_interval",
            "valid keys",
            "block_interval",
            "stale_rate",
        ],
    );
    fails_with_2(
        &["chains", "--chain", "btc", "--set", "stale_rate=1.5"],
        &["--set stale_rate", "1.5", "[0, 1)"],
    );
    fails_with_2(
        &["chains", "--chain", "btc", "--set", "hashrate=fast"],
        &["--set hashrate", "fast", "valid keys"],
    );
    fails_with_2(
        &["chains", "--chain", "btc", "--set", "hashrate"],
        &["--set", "KEY=VALUE"],
    );
    fails_with_2(&["chains", "--chain", "nope"], &["--chain", "nope", "BTC"]);
    fails_with_2(&["chains", "--set", "fees=1"], &["--set", "--chain"]);
}

#[test]
fn bad_preset_files_exit_2_naming_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let good = include_str!("../../chains/btc.toml");
    let cases = [
        (
            "neg.toml",
            good.replacen("value = 549", "value = -549", 1),
            "hashrate.value",
        ),
        (
            "typo.toml",
            good.replacen("[hashrate]", "[hashrat]", 1),
            "hashrat",
        ),
        (
            "nodate.toml",
            good.replacen("date = \"2024-01-06\"\n", "", 1),
            "hashrate.date",
        ),
        (
            "baddate.toml",
            good.replacen("2024-01-06", "2024-02-30", 1),
            "hashrate.date",
        ),
        (
            "nosource.toml",
            good.replacen("source = \"https://usethebitcoin", "note = \"https://x", 1),
            "hashrate.source",
        ),
    ];
    for (name, text, key) in cases {
        assert_ne!(text, good, "{name}: the edit applies");
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let p = path.to_str().unwrap();
        fails_with_2(&["chains", "--chain-file", p], &[name, key]);
    }
    // The unedited file through --chain-file lists like the built-in preset.
    let path = dir.path().join("good.toml");
    std::fs::write(&path, good).unwrap();
    let file = stdout_of(&["chains", "--chain-file", path.to_str().unwrap()]);
    let builtin = stdout_of(&["chains", "--chain", "BTC"]);
    assert_eq!(file, builtin);
}

#[test]
fn confirmations_prints_its_convention_first_and_notes_the_classical_answer() {
    let args = ["confirmations", "--q", "0.1,0.2,0.3", "--risk", "0.001"];
    let table = stdout_of(&args);
    let first = table.lines().next().unwrap();
    assert_eq!(first, "convention: tie first-seen, head start k = 0");
    let z = |extra: &[&str]| {
        let mut a = args.to_vec();
        a.extend_from_slice(extra);
        a.extend_from_slice(&["--format", "csv"]);
        let (h, rows) = parse_csv(&stdout_of(&a));
        assert_eq!(&h[..2], ["q", "confirmations"]);
        column(&h, &rows, "confirmations")
    };
    let (ours, classical) = (z(&[]), z(&["--classical"]));
    let mut notes = 0;
    for (i, q) in ["0.1", "0.2", "0.3"].iter().enumerate() {
        let line = format!(
            "note: q = {q}: the classical convention (--classical) needs {}, not {}",
            classical[i], ours[i]
        );
        if classical[i] > ours[i] {
            notes += 1;
            assert!(table.contains(&line), "missing '{line}' in:\n{table}");
        } else {
            assert!(!table.contains(&format!("note: q = {q}:")), "{table}");
        }
    }
    // A head start of one block can only add confirmations (a lead of k = 1 is the
    // classical convention); at q = 0.1, risk 0.001 it adds one (README: 6 classical).
    assert!(notes >= 1, "{table}");
    assert_eq!(classical[0], 6.0);
    let cl = stdout_of(&[
        "confirmations",
        "--q",
        "0.1",
        "--risk",
        "0.001",
        "--classical",
    ]);
    assert!(
        cl.lines().next().unwrap().starts_with("convention: "),
        "{cl}"
    );
    assert!(cl.lines().next().unwrap().contains("classical"), "{cl}");
    assert!(!cl.contains("note:"), "{cl}");
}

#[test]
fn attacker_hash_rate_gives_q_from_the_network_hash_rate() {
    // H = 100 against a network of 900 is q = 100/1000 = 0.1 exactly, so the answer must be
    // the --q 0.1 answer.
    let by_rate = stdout_of(&[
        "confirmations",
        "--chain",
        "btc",
        "--set",
        "hashrate=900",
        "--attacker-hashrate",
        "100",
        "--risk",
        "0.001",
        "--format",
        "csv",
    ]);
    let by_q = stdout_of(&[
        "confirmations",
        "--q",
        "0.1",
        "--risk",
        "0.001",
        "--format",
        "csv",
    ]);
    assert_eq!(by_rate, by_q);
    fails_with_2(
        &[
            "confirmations",
            "--attacker-hashrate",
            "5",
            "--risk",
            "0.001",
        ],
        &["--attacker-hashrate", "--chain"],
    );
    fails_with_2(
        &[
            "confirmations",
            "--chain",
            "btg",
            "--attacker-hashrate",
            "5",
            "--risk",
            "0.001",
        ],
        &["--attacker-hashrate", "unknown", "--set hashrate"],
    );
    fails_with_2(
        &[
            "confirmations",
            "--chain",
            "btc",
            "--attacker-hashrate",
            "-5",
            "--risk",
            "0.001",
        ],
        &["--attacker-hashrate", "-5"],
    );
}

#[test]
fn chain_sets_the_block_interval_of_the_delay_model() {
    let run = |extra: &[&str]| {
        let mut a = vec![
            "confirmations",
            "--model",
            "delta",
            "--delta",
            "10",
            "--q",
            "0.1",
            "--risk",
            "0.001",
            "--format",
            "csv",
        ];
        a.extend_from_slice(extra);
        stdout_of(&a)
    };
    let by_chain = run(&["--chain", "ltc"]);
    assert_eq!(by_chain, run(&["--block-interval", "150"]));
    let table = stdout_of(&[
        "confirmations",
        "--model",
        "delta",
        "--delta",
        "10",
        "--q",
        "0.1",
        "--risk",
        "0.001",
    ]);
    assert!(
        table.starts_with("convention: bounded-delay model"),
        "{table}"
    );
    assert_ne!(
        by_chain,
        run(&[]),
        "150 s blocks differ from the 600 s default"
    );
    // An explicit --block-interval wins over the preset.
    assert_eq!(
        run(&["--chain", "ltc", "--block-interval", "600"]),
        run(&[])
    );
}

#[test]
fn chain_sets_the_network_block_interval_of_timed_attacks() {
    let run = |extra: &[&str]| {
        let mut a = vec![
            "simulate",
            "--attack",
            "finney",
            "--q",
            "0.2",
            "--z",
            "0",
            "--trials",
            "2000",
            "--nodes",
            "50",
            "--topologies",
            "2",
            "--quiet",
            "--format",
            "csv",
        ];
        a.extend_from_slice(extra);
        stdout_of(&a)
    };
    let by_chain = run(&["--chain", "doge"]);
    assert_eq!(by_chain, run(&["--block-interval", "60"]));
    assert_ne!(
        by_chain,
        run(&[]),
        "60 s blocks change the Finney attack's odds"
    );
}
