//! Parallel Monte Carlo over fixed-size batches (rayon).
//!
//! A cell's trials are cut into batches of [`Plan::batch_size`]; batch i draws from
//! [`batch_rng`]`(seed, cell key, i)`. Batches are independent of the thread count, and the
//! per-batch tallies are merged in batch order, so the result is the same bytes for any
//! number of threads (and any shard split, see [`Plan::shard`]).

use rayon::prelude::*;

use super::rng::{SimRng, batch_rng};
use super::tally::Tally;

/// One cell of a grid: something that can run a batch of trials.
pub trait CellSim: Sync {
    /// Stable key seeding this cell's batches (see [`super::rng::cell_key`]).
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

/// Jobs per parallel round: bounds the memory held by unmerged batch tallies.
const ROUND: usize = 4096;

/// Run every cell's batches in parallel; one merged tally per cell, in cell order.
pub fn estimate<C: CellSim>(cells: &[C], plan: &Plan, progress: &dyn Progress) -> Vec<Tally> {
    let mut totals: Vec<Tally> = cells.iter().map(CellSim::empty_tally).collect();
    let jobs: Vec<(usize, u64)> = (0..cells.len())
        .flat_map(|c| (0..plan.batches()).map(move |b| (c, b)))
        .filter(|&(_, b)| plan.in_shard(b))
        .collect();
    for round in jobs.chunks(ROUND) {
        let done: Vec<Tally> = round
            .par_iter()
            .map(|&(c, b)| {
                let cell = &cells[c];
                let mut rng = batch_rng(plan.seed, cell.key(), b);
                let mut t = cell.empty_tally();
                let n = plan.batch_trials(b);
                cell.run_batch(&mut rng, n, &mut t);
                progress.advance(n);
                t
            })
            .collect();
        for (&(c, _), t) in round.iter().zip(&done) {
            totals[c].merge(t);
        }
    }
    totals
}
