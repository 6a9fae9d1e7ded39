//! Turning results into bytes: CSV, JSON, terminal tables, manifests; and writing files
//! whole or not at all. Renderers are pure (`&rows → String`); only [`write_atomic`]
//! touches the file system.

pub mod lock;
pub mod manifest;
pub mod optimal;
pub mod plot;
pub mod rows;
pub mod shard;
pub mod summary;
pub mod table;

use std::path::Path;

pub use rows::ReversalRow;

pub use crate::files::write_atomic;

/// Delete the checkpoint of a finished run in `dir` (see [`crate::estimate::checkpoint`]), and
/// the temporaries a kill in the middle of a checkpoint write leaves behind. Call it only
/// after the results are written.
pub fn remove_checkpoint(dir: &Path, shard: Option<(u64, u64)>) {
    let name = crate::estimate::checkpoint::file_name(shard);
    let _ = std::fs::remove_file(dir.join(&name));
    let stale = format!(".{name}.tmp-");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&stale) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// The manifest of an experiment's outcome.
pub fn manifest(
    exp: &crate::experiment::Experiment,
    outcome: &crate::experiment::Outcome,
    threads: usize,
    command: &str,
) -> anyhow::Result<manifest::Manifest> {
    let params = serde_json::to_value(exp)?;
    Ok(manifest::Manifest {
        version: env!("CARGO_PKG_VERSION").into(),
        command: command.into(),
        scenario: exp.name.clone(),
        scenario_hash: manifest::fingerprint(params.to_string().as_bytes()),
        parameters: params,
        seed: exp.seed,
        generator: crate::estimate::rng::GENERATOR.into(),
        trials: exp.trials,
        batch_size: outcome.batch_size,
        threads,
        wall_seconds: outcome.wall_seconds,
        // A resumed run timed only the trials it ran itself.
        trials_per_second: (outcome.total_trials - outcome.resumed_trials) as f64
            / outcome.wall_seconds.max(1e-9),
    })
}

/// Write `reversal.csv` and `manifest.json` of an experiment's outcome into `dir`, each
/// whole or not at all.
pub fn write_result(
    dir: &Path,
    exp: &crate::experiment::Experiment,
    outcome: &crate::experiment::Outcome,
    threads: usize,
    command: &str,
) -> anyhow::Result<()> {
    let manifest = manifest(exp, outcome, threads, command)?;
    write_atomic(
        &dir.join("reversal.csv"),
        to_csv(&outcome.rows())?.as_bytes(),
    )?;
    let json = serde_json::to_string_pretty(&manifest)? + "\n";
    write_atomic(&dir.join("manifest.json"), json.as_bytes())
}

/// Render rows as CSV (header from the row struct, so they cannot drift apart).
pub fn to_csv<T: serde::Serialize>(rows: &[T]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Render rows as a pretty JSON array with a trailing newline.
pub fn to_json<T: serde::Serialize>(rows: &[T]) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(rows)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new contents").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new contents");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failing_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        write_atomic(&p, b"old").unwrap();
        // A target that is a directory cannot be replaced: the rename fails.
        let d = dir.path().join("sub");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("keep"), b"k").unwrap();
        assert!(write_atomic(&d, b"new").is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read(d.join("keep")).unwrap(), b"k");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary left behind");
    }
}
