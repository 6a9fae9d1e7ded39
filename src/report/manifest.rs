//! `manifest.json`: what is needed to reproduce a result and to trust it.

use serde::Serialize;

/// The manifest of one result folder.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    /// dslab version.
    pub version: String,
    /// The command that re-runs this result.
    pub command: String,
    /// Name of the scenario (or `simulate`).
    pub scenario: String,
    /// Hash (FNV-1a 64, hex) of the scenario's canonical parameters.
    pub scenario_hash: String,
    /// The parameters as given.
    pub parameters: serde_json::Value,
    /// Master seed.
    pub seed: u64,
    /// Random generator and seed derivation.
    pub generator: String,
    /// Trials per cell.
    pub trials: u64,
    /// Trials per batch.
    pub batch_size: u64,
    /// Worker threads (does not change the numbers).
    pub threads: usize,
    /// Wall time of the simulation in seconds.
    pub wall_seconds: f64,
    /// Trials per second over all cells.
    pub trials_per_second: f64,
}

pub use crate::files::fingerprint;
