//! Checkpoints of long runs: the [`RunState`] after finished batches, with what identifies
//! the run, so that `--resume` continues it and ends with the same bytes an uninterrupted
//! run writes.
//!
//! Pure data and (de)serialisation: the caller writes the file (atomically, with
//! `report::write_atomic`) into the output folder and removes it once the results are
//! written. A checkpoint is refused for a different dslab version, experiment (parameters,
//! seed, method: the scenario hash), batch size or shard.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::schedule::RunState;

/// Format tag of checkpoint files.
pub const FORMAT: &str = "dslab-checkpoint/1";

/// File name of the checkpoint in the output folder (one per shard, so shards may share
/// a folder). `shard` is 0-based (i, n); names are 1-based like `--shard`.
pub fn file_name(shard: Option<(u64, u64)>) -> String {
    match shard {
        None => "checkpoint.json".into(),
        Some((i, n)) => format!("checkpoint-shard-{}-of-{n}.json", i + 1),
    }
}

/// A saved run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Always [`FORMAT`].
    pub format: String,
    /// dslab version that wrote it.
    pub version: String,
    /// Fingerprint of the experiment's parameters (as in `manifest.json`).
    pub scenario_hash: String,
    /// Trials per batch.
    pub batch_size: u64,
    /// Shard (0-based i, n), if any.
    pub shard: Option<(u64, u64)>,
    /// Progress.
    pub state: RunState,
}

/// Why a checkpoint cannot be resumed.
#[derive(Debug, Error, PartialEq)]
pub enum CheckpointError {
    /// Not a checkpoint this version can read.
    #[error("not a readable dslab checkpoint ({0})")]
    Unreadable(String),
    /// It belongs to another run.
    #[error("it was written by a different run: {what} is {found}, this run has {expected}")]
    Mismatch {
        /// What differs.
        what: &'static str,
        /// The checkpoint's value.
        found: String,
        /// This run's value.
        expected: String,
    },
}

impl Checkpoint {
    /// JSON text of the checkpoint.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("checkpoint state serialises") + "\n"
    }

    /// Parse a checkpoint file's bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
        let c: Checkpoint = serde_json::from_slice(bytes)
            .map_err(|e| CheckpointError::Unreadable(e.to_string()))?;
        if c.format != FORMAT {
            return Err(CheckpointError::Unreadable(format!(
                "format '{}', expected '{FORMAT}'",
                c.format
            )));
        }
        Ok(c)
    }

    /// Check that this checkpoint continues the run `expected` describes (whose state is
    /// the fresh one, used for the shape of every cell).
    pub fn check(&self, expected: &Checkpoint) -> Result<(), CheckpointError> {
        let mismatch = |what, found: String, exp: String| {
            Err(CheckpointError::Mismatch {
                what,
                found,
                expected: exp,
            })
        };
        if self.version != expected.version {
            return mismatch(
                "the dslab version",
                self.version.clone(),
                expected.version.clone(),
            );
        }
        if self.scenario_hash != expected.scenario_hash {
            return mismatch(
                "the scenario hash (parameters, seed, method)",
                self.scenario_hash.clone(),
                expected.scenario_hash.clone(),
            );
        }
        if self.batch_size != expected.batch_size {
            return mismatch(
                "the batch size",
                self.batch_size.to_string(),
                expected.batch_size.to_string(),
            );
        }
        if self.shard != expected.shard {
            let show = |s: Option<(u64, u64)>| {
                s.map_or("unsharded".into(), |(i, n)| format!("shard {}/{n}", i + 1))
            };
            return mismatch("the shard", show(self.shard), show(expected.shard));
        }
        let shape = |s: &RunState| -> Vec<(usize, bool, bool)> {
            s.cells
                .iter()
                .map(|c| {
                    let t = &c.tally;
                    (t.by_top.len(), t.blocks.is_some(), t.weighted.is_some())
                })
                .collect()
        };
        if shape(&self.state) != shape(&expected.state) {
            return Err(CheckpointError::Unreadable(
                "its cells do not match this run's grid".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blockrace::McCell;
    use crate::estimate::Plan;

    fn fresh(shard: Option<(u64, u64)>) -> Checkpoint {
        let cells = [McCell::private_branch(0.3, 1, 0.0, None, 6)];
        let plan = Plan {
            trials: 100,
            batch_size: 10,
            seed: 1,
            shard,
        };
        Checkpoint {
            format: FORMAT.into(),
            version: "0.1.0".into(),
            scenario_hash: "abc".into(),
            batch_size: 10,
            shard,
            state: RunState::new(&cells, &plan, false),
        }
    }

    #[test]
    fn round_trips_and_accepts_its_own_run() {
        let c = fresh(Some((1, 4)));
        let back = Checkpoint::from_json(c.to_json().as_bytes()).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.check(&c), Ok(()));
        assert_eq!(file_name(Some((1, 4))), "checkpoint-shard-2-of-4.json");
    }

    #[test]
    fn refuses_other_runs_and_garbage() {
        let c = fresh(None);
        let mut other = c.clone();
        other.scenario_hash = "def".into();
        assert!(matches!(
            other.check(&c),
            Err(CheckpointError::Mismatch { what, .. }) if what.contains("scenario hash")
        ));
        let sharded = fresh(Some((0, 2)));
        assert!(sharded.check(&c).is_err());
        assert!(matches!(
            Checkpoint::from_json(b"{\"format\": 3}"),
            Err(CheckpointError::Unreadable(_))
        ));
    }
}
