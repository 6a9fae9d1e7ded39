//! `dslab mine`, `dslab hashrate` and `dslab simulate --mining pow` end to end. Mined blocks are verified here with the
//! `sha2` crate and hand-written hex, never with dslab's own hashing code.

use predicates::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::util::{column, dslab, parse_csv, stdout_of};

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
        .collect()
}

fn mine_json(bits: &str, blocks: &str, threads: &str) -> Vec<Value> {
    let out = dslab()
        .args([
            "mine",
            "--bits",
            bits,
            "--blocks",
            blocks,
            "--threads",
            threads,
        ])
        .args(["--format", "json"])
        .output()
        .expect("dslab runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    json.as_array().expect("a JSON array").clone()
}

#[test]
fn mined_json_blocks_verify_independently() {
    let blocks = mine_json("16", "3", "2");
    assert_eq!(blocks.len(), 3);
    let mut prev = vec![0u8; 32];
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(b["height"], i as u64);
        let header = unhex(b["header_hex"].as_str().expect("string"));
        assert_eq!(header.len(), 80);
        let mut hash: Vec<u8> = Sha256::digest(Sha256::digest(&header)).to_vec();
        hash.reverse(); // display order
        assert_eq!(b["hash_hex"].as_str(), Some(hex(&hash).as_str()));
        // 16 leading zero bits.
        assert_eq!(&hash[..2], &[0, 0], "block {i}");
        // prev-hash field (internal order) is the previous display hash reversed.
        assert_eq!(
            &header[4..36],
            prev.as_slice(),
            "block {i} links to its parent"
        );
        prev = hash.iter().rev().copied().collect();
        let nonce = u32::from_le_bytes(header[76..80].try_into().expect("4 bytes"));
        assert_eq!(b["nonce"], u64::from(nonce));
        // bits = 2^240 in compact form: size 0x1f, mantissa 0x010000.
        assert_eq!(&header[72..76], &[0x00, 0x00, 0x01, 0x1f]);
        assert!(b["tries"].as_u64().expect("a count") >= 1);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn mined_chain_is_the_same_for_any_thread_count() {
    assert_eq!(mine_json("12", "3", "1"), mine_json("12", "3", "2"));
}

#[test]
fn mine_table_prints_one_row_per_block() {
    dslab()
        .args(["mine", "--bits", "8", "--blocks", "5", "--threads", "1"])
        .assert()
        .success()
        .stdout(predicate::function(|s: &str| s.lines().count() == 6))
        .stdout(predicate::str::contains("height"));
}

#[test]
fn hashrate_json_has_one_row_per_thread_count() {
    let out = dslab()
        .args([
            "hashrate",
            "--threads",
            "2",
            "--seconds",
            "0.1",
            "--format",
            "json",
            "--kernel",
            "portable",
        ])
        .output()
        .expect("dslab runs");
    assert!(out.status.success());
    let rows: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["threads"], i as u64 + 1);
        let total = r["hashes_per_second"].as_f64().expect("number");
        let per = r["per_thread"].as_f64().expect("number");
        assert!(total > 0.0 && (per * (i as f64 + 1.0) - total).abs() < 1e-6 * total);
        assert!(!r["implementation"].as_str().expect("string").is_empty());
    }
}

#[test]
fn hashrate_csv_and_table_formats() {
    dslab()
        .args([
            "hashrate",
            "--threads",
            "1",
            "--seconds",
            "0.05",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "threads,hashes_per_second,per_thread,implementation\n1,",
        ));
    dslab()
        .args([
            "hashrate",
            "--threads",
            "1",
            "--seconds",
            "0.05",
            "--kernel",
            "portable",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("sha2 crate"));
}

/// Bad values: exit 2, one line naming the flag and the value, no panic.
fn rejects(args: &[&str], flag: &str, value: &str) {
    dslab()
        .args(args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{flag} '{value}'")))
        .stderr(predicate::str::contains("panicked").not())
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
}

#[test]
fn mine_rejects_bits_outside_1_to_40() {
    rejects(&["mine", "--bits", "0", "--blocks", "1"], "--bits", "0");
    rejects(&["mine", "--bits", "41", "--blocks", "1"], "--bits", "41");
    rejects(&["mine", "--bits", "300", "--blocks", "1"], "--bits", "300");
}

#[test]
fn mine_rejects_zero_blocks_and_zero_threads() {
    rejects(&["mine", "--bits", "8", "--blocks", "0"], "--blocks", "0");
    let args = ["mine", "--bits", "8", "--blocks", "1", "--threads", "0"];
    rejects(&args, "--threads", "0");
}

#[test]
fn hashrate_rejects_zero_threads_and_bad_seconds() {
    rejects(&["hashrate", "--threads", "0"], "--threads", "0");
    rejects(&["hashrate", "--seconds", "0"], "--seconds", "0");
    rejects(&["hashrate", "--seconds=-1"], "--seconds", "-1");
    rejects(&["hashrate", "--seconds", "NaN"], "--seconds", "NaN");
}

/// `simulate --mining pow` rows: (z, probability, exact, trials).
fn pow_rows(extra: &[&str]) -> Vec<(f64, f64, f64, f64)> {
    let mut args = vec!["simulate", "--mining", "pow", "--quiet", "--format", "csv"];
    args.extend_from_slice(extra);
    let (header, rows) = parse_csv(&stdout_of(&args));
    let col = |name| column(&header, &rows, name);
    let (z, p, exact, n) = (col("z"), col("probability"), col("exact"), col("trials"));
    (0..rows.len())
        .map(|i| (z[i], p[i], exact[i], n[i]))
        .collect()
}

#[test]
fn real_mining_agrees_with_the_closed_form() {
    // Every block walked (no exact tail), so every block is found by real hashing.
    let rows = pow_rows(&[
        "--bits",
        "8",
        "--q",
        "0.25,0.35",
        "--z",
        "0..3",
        "--trials",
        "3000",
        "--walk",
        "--give-up",
        "12",
        "--seed",
        "3",
    ]);
    assert_eq!(rows.len(), 8);
    for (z, p, exact, n) in rows {
        // 4 binomial standard errors: a correct simulation fails a row with probability
        // 6e-5, so the eight rows together with about 5e-4 (the seed is fixed, so the test
        // is deterministic). At n = 3000 this detects an error of 0.03 in P at P ≈ 0.3.
        let se = (exact * (1.0 - exact) / n).sqrt();
        assert!(
            (p - exact).abs() < 4.0 * se,
            "z = {z}: {p} vs closed form {exact}"
        );
    }
}

#[test]
fn real_mining_replays_from_the_seed_on_any_thread_count() {
    let args = [
        "--q", "0.3", "--z", "0..4", "--trials", "400", "--seed", "9",
    ];
    let run = |threads: &str| {
        let mut a = args.to_vec();
        a.extend(["--threads", threads]);
        pow_rows(&a)
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn simulate_rejects_bad_mining_bits() {
    let base = ["simulate", "--q", "0.3", "--z", "0..1", "--trials", "10"];
    let with = |extra: &[&'static str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        a
    };
    rejects(&with(&["--mining", "pow", "--bits", "0"]), "--bits", "0");
    rejects(&with(&["--mining", "pow", "--bits", "21"]), "--bits", "21");
    rejects(&with(&["--bits", "8"]), "--bits", "8");
}
