//! Shard files and their merge.
//!
//! `--shard I/N` runs batches b with b mod N = I − 1 of every cell and writes
//! `shard-I-of-N.json` (this module's [`ShardFile`]) instead of `reversal.csv`. A shard file
//! holds the run's identity (dslab version, scenario hash, seed, batch size, N), the
//! manifest it would have written, and the raw [`ResultSet`] (tallies with exact sums).
//! [`merge`] checks that the files are the N distinct shards of one run and adds their
//! tallies; the rows are then rendered exactly as an unsharded run renders them.
//!
//! Every shard file carries a SHA-256 [`checksum`] of all its other fields (identity,
//! manifest, counts), written last. [`read`] recomputes it and refuses a file whose
//! contents changed after dslab wrote it — a count edited by hand, a truncated copy — so
//! a damaged shard never merges into a plausible but wrong `reversal.csv`. It guards
//! against accidents, not against someone who recomputes it on purpose.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::write_atomic;
use crate::error::usage;
use crate::estimate::results::ResultSet;

/// Format tag of shard files.
/// Version 2 added the checksum; version 1 files are refused with a request to re-run.
pub const FORMAT: &str = "dslab-shard/2";

/// File name of shard `index` (1-based) of `count`.
pub fn file_name(index: u64, count: u64) -> String {
    format!("shard-{index}-of-{count}.json")
}

/// One shard's output.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// dslab version that wrote it.
    pub version: String,
    /// Scenario name.
    pub scenario: String,
    /// Fingerprint of the experiment's parameters (includes seed and method).
    pub scenario_hash: String,
    /// Master seed.
    pub seed: u64,
    /// Trials per batch.
    pub batch_size: u64,
    /// This shard's number, 1..=count.
    pub index: u64,
    /// Number of shards of the run.
    pub count: u64,
    /// The manifest this shard's run would write (merge derives the merged one from it).
    pub manifest: serde_json::Value,
    /// This shard's tallies.
    pub result: ResultSet,
    /// `sha256:` and the hex SHA-256 of the file's other fields ([`checksum`]); set by
    /// [`write()`].
    #[serde(default)]
    pub checksum: String,
}

impl ShardFile {
    /// The shard file of an experiment run with `shard` = (i, n), 0-based.
    pub fn new(
        exp: &crate::experiment::Experiment,
        outcome: &crate::experiment::Outcome,
        shard: (u64, u64),
        threads: usize,
        command: &str,
    ) -> anyhow::Result<ShardFile> {
        let manifest = super::manifest(exp, outcome, threads, command)?;
        let result = outcome.results.clone();
        Ok(ShardFile {
            format: FORMAT.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            scenario: exp.name.clone(),
            scenario_hash: manifest.scenario_hash.clone(),
            seed: exp.seed,
            batch_size: outcome.batch_size,
            index: shard.0 + 1,
            count: shard.1,
            manifest: serde_json::to_value(&manifest)?,
            result,
            checksum: String::new(),
        })
    }
}

/// Write `shard-I-of-N.json` into `dir` (atomically, with its checksum); returns its path.
pub fn write(dir: &Path, shard: &ShardFile) -> anyhow::Result<PathBuf> {
    let path = dir.join(file_name(shard.index, shard.count));
    let sealed = ShardFile {
        checksum: checksum(&serde_json::to_value(shard)?),
        ..shard.clone()
    };
    let json = serde_json::to_string(&sealed)? + "\n";
    write_atomic(&path, json.as_bytes())?;
    Ok(path)
}

/// The checksum of a shard file given as JSON: `sha256:` and the hex SHA-256 of its compact
/// JSON text without the `checksum` field. serde_json writes object keys in sorted order and
/// numbers in their shortest round-trip form, so the text read back from a file is the text
/// that was hashed when it was written.
pub fn checksum(shard: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    let mut fields = shard.clone();
    if let Some(map) = fields.as_object_mut() {
        map.remove("checksum");
    }
    let digest = Sha256::digest(fields.to_string().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The shard files named on the command line: files as given, folders expanded to the
/// `shard-*-of-*.json` files they hold (sorted by name).
pub fn find(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("could not list '{}'", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
                })
                .collect();
            inside.sort();
            if inside.is_empty() {
                return Err(usage(
                    "merge",
                    p.display(),
                    "this folder holds no shard-I-of-N.json files; pass the --out folders of \
                     'dslab simulate --shard I/N' runs",
                ));
            }
            found.extend(inside);
        } else if p.is_file() {
            found.push(p.clone());
        } else {
            return Err(usage(
                "merge",
                p.display(),
                "no such file or folder; pass shard files or the folders holding them",
            ));
        }
    }
    Ok(found)
}

/// Read one shard file, refusing one that is not a whole, unedited shard of this format.
pub fn read(path: &Path) -> anyhow::Result<ShardFile> {
    let bytes =
        std::fs::read(path).with_context(|| format!("could not read '{}'", path.display()))?;
    let refuse = |why: String| usage("merge", path.display(), &why);
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        refuse(if e.is_eof() {
            format!(
                "the file is truncated (it ends at line {}, column {}, inside its JSON); \
                 re-run this shard or copy it again",
                e.line(),
                e.column()
            )
        } else {
            format!("not a dslab shard file ({e})")
        })
    })?;
    let format = json.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != FORMAT {
        return Err(refuse(format!(
            "shard format '{format}' is not '{FORMAT}'; re-run the shards with this dslab"
        )));
    }
    let recorded = json.get("checksum").and_then(|c| c.as_str()).unwrap_or("");
    if recorded != checksum(&json) {
        return Err(refuse(
            "its checksum does not match its contents: the file was changed after dslab wrote \
             it (edited by hand, or damaged in a copy); re-run this shard"
                .into(),
        ));
    }
    serde_json::from_value(json).map_err(|e| refuse(format!("not a dslab shard file ({e})")))
}

/// Check that `shards` are exactly the N shards of one run and add them up. Returns the
/// first shard's file (identity and manifest) with the merged result, and the total of the
/// shards' wall-clock seconds.
pub fn merge(shards: Vec<(PathBuf, ShardFile)>) -> anyhow::Result<(ShardFile, f64)> {
    let Some((first_path, first)) = shards.first().cloned() else {
        return Err(usage(
            "merge",
            "(nothing)",
            "name at least one shard file or folder",
        ));
    };
    // A shard count beyond the batches any run could have is a corrupt file, not a run.
    if first.count == 0 || first.count > 1 << 24 {
        return Err(usage(
            "merge",
            first_path.display(),
            &format!(
                "the shard count {} is not a real run's (damaged file?); re-run the shards",
                first.count
            ),
        ));
    }
    if first.result.rel_error.is_some() {
        return Err(usage(
            "merge",
            first_path.display(),
            "this shard ran to a precision target (rel_error); shards of such runs stop on \
             their own batches and do not add up to one run: re-run with a fixed trial count",
        ));
    }
    let mut seen: Vec<Option<&Path>> = vec![None; first.count as usize];
    for (path, s) in &shards {
        identical(&first_path, &first, path, s)?;
        let slot = s
            .index
            .checked_sub(1)
            .and_then(|i| seen.get_mut(i as usize))
            .ok_or_else(|| {
                usage(
                    "merge",
                    path.display(),
                    &format!("shard number {} is outside 1..={}", s.index, s.count),
                )
            })?;
        if let Some(other) = slot {
            return Err(usage(
                "merge",
                path.display(),
                &format!(
                    "shard {}/{} appears twice (also '{}'); pass each shard once",
                    s.index,
                    s.count,
                    other.display()
                ),
            ));
        }
        *slot = Some(path);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{}", i + 1, first.count))
        .collect();
    if !missing.is_empty() {
        return Err(usage(
            "merge",
            missing.join(", "),
            &format!(
                "these shards are missing; all {} shards of the run are needed",
                first.count
            ),
        ));
    }
    let mut merged = first.clone();
    let mut wall = 0.0;
    for (i, (path, s)) in shards.iter().enumerate() {
        wall += s.manifest["wall_seconds"].as_f64().unwrap_or(0.0);
        if i > 0 {
            merged.result.merge(&s.result).map_err(|why| {
                usage(
                    "merge",
                    path.display(),
                    &format!("does not belong to the same run as the others: {why}"),
                )
            })?;
        }
    }
    Ok((merged, wall))
}

/// Refuse a shard of another run, naming what differs.
fn identical(a_path: &Path, a: &ShardFile, b_path: &Path, b: &ShardFile) -> anyhow::Result<()> {
    let checks: [(&str, String, String); 5] = [
        ("dslab version", a.version.clone(), b.version.clone()),
        ("scenario", a.scenario.clone(), b.scenario.clone()),
        ("seed", a.seed.to_string(), b.seed.to_string()),
        (
            "scenario hash (parameters, seed, method)",
            a.scenario_hash.clone(),
            b.scenario_hash.clone(),
        ),
        ("shard count", a.count.to_string(), b.count.to_string()),
    ];
    for (what, x, y) in checks {
        if x != y {
            return Err(usage(
                "merge",
                b_path.display(),
                &format!(
                    "{what} is {y}, but '{}' has {x}: shards of different runs cannot be merged",
                    a_path.display()
                ),
            ));
        }
    }
    if a.batch_size != b.batch_size {
        return Err(usage(
            "merge",
            b_path.display(),
            "its batch size differs from the other shards'",
        ));
    }
    Ok(())
}
