//! Estimation: the batch schedule, seeds, tallies, weighted sums, checkpoints, stop rules
//! and typed results. Engine- and report-agnostic: it imports neither (see
//! docs/architecture.md). Engines plug in through [`CellSim`]; reports read [`results`].
//!
//! Parallel Monte Carlo over fixed-size batches (rayon).
//!
//! A cell's trials are cut into batches of [`Plan::batch_size`]; batch i draws from
//! `batch_rng(seed, cell key, i)`. Batches are independent of the thread count, and the
//! per-batch tallies are merged in batch order, so the result is the same bytes for any
//! number of threads (and any shard split, see [`Plan::shard`]).

pub mod checkpoint;
pub mod results;
pub mod rng;
pub mod schedule;
pub mod tally;
pub mod units;
pub mod weighted;

use rng::SimRng;
use tally::Tally;

/// One cell of a grid: something that can run a batch of trials.
pub trait CellSim: Sync {
    /// Stable key seeding this cell's batches (see [`rng::cell_key`]).
    fn key(&self) -> u64;
    /// An empty tally of the right shape.
    fn empty_tally(&self) -> Tally;
    /// Run `n` trials drawing from `rng`, adding them to `tally`.
    fn run_batch(&self, rng: &mut SimRng, n: u64, tally: &mut Tally);
}

/// How many trials, in which batches, from which seed.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Trials per cell.
    pub trials: u64,
    /// Trials per batch (part of the reproducibility contract: recorded in manifests).
    pub batch_size: u64,
    /// Master seed.
    pub seed: u64,
    /// Run only batches with index ≡ i (mod n): shard i of n (0-based).
    pub shard: Option<(u64, u64)>,
}

/// Default trials per batch.
pub const BATCH_SIZE: u64 = 1 << 14;

impl Plan {
    /// Number of batches of a cell.
    pub fn batches(&self) -> u64 {
        self.trials.div_ceil(self.batch_size)
    }

    /// Trials in batch `b`.
    pub fn batch_trials(&self, b: u64) -> u64 {
        self.batch_size.min(self.trials - b * self.batch_size)
    }

    /// Whether batch `b` belongs to this plan's shard.
    pub fn in_shard(&self, b: u64) -> bool {
        self.shard.is_none_or(|(i, n)| b % n == i)
    }
}

/// Told about finished work (a progress bar listens); calls come from worker threads.
pub trait Progress: Sync {
    /// `trials` more trials have finished.
    fn advance(&self, _trials: u64) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Run every cell's batches in parallel; one merged tally per cell, in cell order.
///
/// A fixed-trials run of [`schedule::run`] (the one batch driver: parallel chunks,
/// merged in batch order), with no stopping rule and no checkpoints.
pub fn estimate<C: CellSim>(cells: &[C], plan: &Plan, progress: &dyn Progress) -> Vec<Tally> {
    let mut state = schedule::RunState::new(cells, plan, false);
    let no_checkpoint = &mut |_: &schedule::RunState| Ok::<(), std::convert::Infallible>(());
    match schedule::run(cells, plan, None, &mut state, progress, no_checkpoint) {
        Ok(()) => state.cells.into_iter().map(|c| c.tally).collect(),
        Err(never) => match never {},
    }
}
