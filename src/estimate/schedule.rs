//! Rounds of fixed-size batches: fixed trial counts, runs to a target precision, shards,
//! and a progress state that can be saved and resumed.
//!
//! A cell's batches are the same as in [`super::estimate`] (batch b of the cell keyed c
//! draws from `batch_rng(seed, c, b)`, [`Plan::batch_size`] trials each), and tallies merge
//! exactly and order-independently (integers and [`super::weighted::ExactSum`]s). So the
//! result depends only on *which* batches ran, never on threads, chunking, shards or
//! interruptions.
//!
//! Fixed trials: one round, batches 0..B. Target precision: rounds; the first covers
//! [`FIRST_ROUND`] batches; after each round a cell stops when its stop rule says so or at
//! the cap (the plan's trials); otherwise its next round ends where the measured
//! half-width predicts the target is met (×1.2, growing by ×1.25 to ×4). Every decision is
//! a function of the merged tally at a round's end, so the schedule is deterministic.
//!
//! Work is dispatched in chunks of [`CHUNK`] batch jobs; after each chunk the
//! [`RunState`] is complete and consistent, and is handed to a callback (checkpoints,
//! progress). Resuming from any such state gives the same final tallies.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::rng::batch_rng;
use super::tally::Tally;
use super::{CellSim, Plan, Progress};

/// Batches of the first round of a target-precision run.
pub const FIRST_ROUND: u64 = 2;

/// Batch jobs per parallel chunk: bounds unmerged tallies in memory and sets how often
/// the state is offered for checkpointing.
pub const CHUNK: usize = 256;

/// Progress of one cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellProgress {
    /// Everything merged so far.
    pub tally: Tally,
    /// Batches with index below this (in this shard) are merged into `tally`.
    pub done: u64,
    /// End (exclusive) of the current round's batches.
    pub target: u64,
    /// No further rounds.
    pub finished: bool,
}

/// Progress of a run: one entry per cell, in cell order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunState {
    /// Per-cell progress.
    pub cells: Vec<CellProgress>,
}

/// A cell's stop rule for target-precision runs: the worst ratio, over the cell's z, of the
/// achieved relative half-width to the wanted one (≤ 1: target met; ∞: no estimate yet).
pub type StopRatio<'a> = &'a (dyn Fn(usize, &Tally) -> f64 + Sync);

impl RunState {
    /// A fresh state; `adaptive` starts with a first round instead of every batch.
    pub fn new<C: CellSim>(cells: &[C], plan: &Plan, adaptive: bool) -> RunState {
        let target = if adaptive {
            FIRST_ROUND.min(plan.batches())
        } else {
            plan.batches()
        };
        RunState {
            cells: cells
                .iter()
                .map(|c| CellProgress {
                    tally: c.empty_tally(),
                    done: 0,
                    target,
                    finished: false,
                })
                .collect(),
        }
    }

    /// Trials merged so far over all cells.
    pub fn trials(&self) -> u64 {
        self.cells.iter().map(|c| c.tally.trials).sum()
    }

    /// Whether every cell is finished.
    pub fn finished(&self) -> bool {
        self.cells.iter().all(|c| c.finished)
    }

    /// The batch jobs of the current round not yet merged, cell-major, batches ascending.
    fn pending(&self, plan: &Plan) -> Vec<(usize, u64)> {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.finished)
            .flat_map(|(i, c)| (c.done..c.target).map(move |b| (i, b)))
            .filter(|&(_, b)| plan.in_shard(b))
            .collect()
    }

    /// Close the round: decide, per unfinished cell, to stop or where the next round ends.
    fn end_round(&mut self, plan: &Plan, stop: Option<StopRatio<'_>>) {
        for (i, c) in self.cells.iter_mut().enumerate() {
            if c.finished {
                continue;
            }
            c.done = c.target;
            let ratio = stop.map(|f| f(i, &c.tally));
            match ratio {
                Some(r) if r > 1.0 && c.target < plan.batches() => {
                    c.target = next_target(plan, c.target, c.tally.trials, r);
                }
                _ => c.finished = true,
            }
        }
    }
}

/// End of the next round: where the half-width, shrinking like 1/√n, is predicted to
/// meet the target (with 20 % to spare), growing the run by ×1.25 to ×4.
fn next_target(plan: &Plan, done: u64, trials: u64, ratio: f64) -> u64 {
    let n = trials.max(1) as f64;
    let want = if ratio.is_finite() {
        1.2 * n * ratio * ratio
    } else {
        4.0 * n
    };
    let want = want.clamp(1.25 * n, 4.0 * n);
    let batches = (want / plan.batch_size as f64).ceil() as u64;
    batches.max(done + 1).min(plan.batches())
}

/// Run `state` to the end. `stop` is the target-precision rule (`None`: fixed trials);
/// `on_chunk` sees the state after every chunk and at every round's end, and may abort
/// the run by returning an error (the state stays valid to resume from).
pub fn run<C: CellSim, E>(
    cells: &[C],
    plan: &Plan,
    stop: Option<StopRatio<'_>>,
    state: &mut RunState,
    progress: &dyn Progress,
    on_chunk: &mut dyn FnMut(&RunState) -> Result<(), E>,
) -> Result<(), E> {
    assert_eq!(
        cells.len(),
        state.cells.len(),
        "state belongs to these cells"
    );
    while !state.finished() {
        let jobs = state.pending(plan);
        for chunk in jobs.chunks(CHUNK) {
            let done: Vec<Tally> = chunk
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
            for (&(c, b), t) in chunk.iter().zip(&done) {
                let p = &mut state.cells[c];
                p.tally.merge(t);
                p.done = b + 1;
            }
            on_chunk(state)?;
        }
        state.end_round(plan, stop);
        on_chunk(state)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blockrace::McCell;
    use crate::estimate::{NoProgress, estimate};

    fn cells() -> Vec<McCell<crate::policy::PrivateBranch>> {
        vec![
            McCell::private_branch(0.3, 1, 0.0, None, 6),
            McCell::private_branch(0.2, 0, 0.0, None, 6),
        ]
    }

    fn plan(trials: u64, shard: Option<(u64, u64)>) -> Plan {
        Plan {
            trials,
            batch_size: 1000,
            seed: 5,
            shard,
        }
    }

    fn no_op(_: &RunState) -> Result<(), ()> {
        Ok(())
    }

    #[test]
    fn fixed_run_equals_the_plain_estimator() {
        let (cells, plan) = (cells(), plan(10_500, None));
        let mut st = RunState::new(&cells, &plan, false);
        run(&cells, &plan, None, &mut st, &NoProgress, &mut no_op).unwrap();
        let reference = estimate(&cells, &plan, &NoProgress);
        for (p, r) in st.cells.iter().zip(&reference) {
            assert_eq!(&p.tally, r);
        }
    }

    #[test]
    fn shards_add_up_to_the_whole() {
        let cells = cells();
        let whole = {
            let plan = plan(9_000, None);
            let mut st = RunState::new(&cells, &plan, false);
            run(&cells, &plan, None, &mut st, &NoProgress, &mut no_op).unwrap();
            st
        };
        let mut sum: Vec<Tally> = cells.iter().map(CellSim::empty_tally).collect();
        for i in 0..4 {
            let plan = plan(9_000, Some((i, 4)));
            let mut st = RunState::new(&cells, &plan, false);
            run(&cells, &plan, None, &mut st, &NoProgress, &mut no_op).unwrap();
            for (s, p) in sum.iter_mut().zip(&st.cells) {
                s.merge(&p.tally);
            }
        }
        for (s, p) in sum.iter().zip(&whole.cells) {
            assert_eq!(s, &p.tally);
        }
    }

    #[test]
    fn interrupted_run_resumes_to_the_same_state() {
        let cells = cells();
        let plan = plan(2_000_000, None);
        // Stop when z = 6's count reaches 400 (a deterministic, tally-only rule).
        let rule = |_: usize, t: &Tally| 400.0 / (t.successes(6).max(1) as f64);
        let mut whole = RunState::new(&cells, &plan, true);
        let mut chunks = 0;
        run(
            &cells,
            &plan,
            Some(&rule),
            &mut whole,
            &NoProgress,
            &mut |_| {
                chunks += 1;
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert!(chunks > 3, "several rounds ran");
        assert!(whole.cells.iter().all(|c| c.tally.trials < 2_000_000));
        for stop_after in [1, 2, chunks - 1] {
            let mut st = RunState::new(&cells, &plan, true);
            let mut seen = 0;
            let r = run(
                &cells,
                &plan,
                Some(&rule),
                &mut st,
                &NoProgress,
                &mut |_| {
                    seen += 1;
                    if seen == stop_after { Err(()) } else { Ok(()) }
                },
            );
            assert!(r.is_err());
            // Round-trip through the checkpoint format, then finish.
            let saved: RunState =
                serde_json::from_str(&serde_json::to_string(&st).unwrap()).unwrap();
            let mut st = saved;
            run(&cells, &plan, Some(&rule), &mut st, &NoProgress, &mut no_op).unwrap();
            assert_eq!(st, whole, "stopped after {stop_after} callbacks");
        }
    }

    #[test]
    fn next_round_aims_at_the_predicted_need_within_bounds() {
        let p = plan(1_000_000, None);
        // ratio 2 at 8000 trials: 1.2 × 4 × 8000 = 38 400, capped at ×4 = 32 000 → 32 batches;
        // ratio 1.5: 21 600 → 22; ratio 1.01: 9 793, raised to ×1.25 = 10 000 → 10.
        assert_eq!(next_target(&p, 8, 8000, 2.0), 32);
        assert_eq!(next_target(&p, 8, 8000, 1.5), 22);
        assert_eq!(next_target(&p, 8, 8000, 1.01), 10);
        assert_eq!(next_target(&p, 8, 8000, f64::INFINITY), 32);
        assert_eq!(next_target(&p, 999, 999_000, 9.0), 1000);
    }
}
