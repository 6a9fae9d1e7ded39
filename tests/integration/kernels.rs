//! `--kernel` on `dslab mine` and `dslab hashrate`: every kernel this CPU has mines the same
//! chain, kernels it lacks and unknown names exit 2 naming the flag, the value and the
//! kernels available. Which kernels the CPU has is detected here with `std::arch`, not by
//! asking dslab.

use predicates::prelude::*;
use serde_json::Value;

use super::util::{dslab, stdout_of};

/// (name, whether this CPU can run it), in dslab's listing order.
fn kernels() -> Vec<(&'static str, bool)> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        vec![
            ("portable", true),
            ("sha-ni", has!("sha") && has!("sse4.1") && has!("ssse3")),
            ("avx2", has!("avx2")),
            ("avx512", has!("avx512f")),
        ]
    }
    #[cfg(not(target_arch = "x86_64"))]
    vec![
        ("portable", true),
        ("sha-ni", false),
        ("avx2", false),
        ("avx512", false),
    ]
}

fn available() -> Vec<&'static str> {
    kernels()
        .into_iter()
        .filter(|(_, has)| *has)
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn every_available_kernel_mines_the_chain_of_the_portable_kernel() {
    let mine = |kernel: &str| {
        let args = ["mine", "--bits", "14", "--blocks", "3", "--threads", "2"];
        let json = stdout_of(&[&args[..], &["--kernel", kernel, "--format", "json"]].concat());
        serde_json::from_str::<Value>(&json).expect("JSON")
    };
    let reference = mine("portable");
    for (name, has) in kernels() {
        if has {
            assert_eq!(mine(name), reference, "--kernel {name}");
        } else {
            println!("skipping kernel {name}: this CPU lacks its features");
        }
    }
    assert_eq!(mine("auto"), reference);
}

#[test]
fn a_kernel_the_cpu_lacks_or_an_unknown_name_exits_2_listing_the_available_ones() {
    let list = available().join(", ");
    let mut names: Vec<&str> = kernels()
        .into_iter()
        .filter(|(_, has)| !*has)
        .map(|(n, _)| n)
        .collect();
    names.push("sha512");
    for name in names {
        for cmd in [
            &["mine", "--bits", "8", "--blocks", "1"][..],
            &["hashrate", "--seconds", "0.05", "--threads", "1"][..],
        ] {
            dslab()
                .args(cmd)
                .args(["--kernel", name])
                .assert()
                .code(2)
                .stderr(predicate::str::contains(format!("--kernel '{name}'")))
                .stderr(predicate::str::contains(format!("this CPU has: {list}")))
                .stderr(predicate::str::contains("panicked").not())
                .stderr(predicate::function(|s: &str| s.lines().count() == 1));
        }
    }
}

#[test]
fn hashrate_auto_lists_every_kernel_and_uses_the_fastest() {
    let out = stdout_of(&[
        "hashrate",
        "--threads",
        "2",
        "--seconds",
        "0.1",
        "--format",
        "json",
    ]);
    let rows: Value = serde_json::from_str(&out).expect("JSON");
    let rows = rows.as_array().expect("array");
    let names = available();
    // The chosen kernel at 1 and 2 threads, then one 1-thread row per other kernel.
    assert_eq!(rows.len(), names.len() + 1);
    let kernel = |r: &Value| {
        let text = r["implementation"].as_str().expect("string");
        text.split(':').next().expect("id first").to_string()
    };
    assert_eq!(kernel(&rows[0]), kernel(&rows[1]));
    assert_eq!(
        (rows[0]["threads"].as_u64(), rows[1]["threads"].as_u64()),
        (Some(1), Some(2))
    );
    let mut listed: Vec<String> = rows.iter().skip(1).map(kernel).collect();
    listed[0] = kernel(&rows[0]);
    listed.sort();
    let mut expected: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected);
    let rate = |r: &Value| r["hashes_per_second"].as_f64().expect("number");
    for r in &rows[2..] {
        assert_eq!(r["threads"], 1);
        assert!(
            rate(&rows[0]) >= rate(r),
            "auto did not pick the fastest: {rows:?}"
        );
    }
}
