//! The zero-latency block-race engine: one trial loop ([`race`]) fed by a block source
//! (a generator, or real SHA-256d mining in [`pow_source`]), its importance-sampled
//! variant ([`is`]) and the cells the estimation layer runs.
//!
//! Depends on `estimate` (generator, tallies), `analytic` (exact tails), `params` and
//! `pow`; never on attacks, reports, clap, files or stdout.

pub mod game;
pub mod is;
pub mod pow_source;
pub mod private;
pub mod race;

use crate::estimate::rng::{self, SimRng};
use crate::estimate::tally::Tally;
use race::{Plain, Race, RaceSetup, RaceStrategy};

/// A block-race cell estimated by plain Monte Carlo: a strategy plus the network side
/// of the race. Attacks build it with their strategy (`McCell::private_branch` for the
/// private-branch family).
#[derive(Clone, Copy, Debug)]
pub struct McCell<S> {
    /// The attacker.
    pub strategy: S,
    /// The network.
    pub setup: RaceSetup,
    /// Record blocks until success per z (used for q > 1/2).
    pub record_blocks: bool,
}

impl<S: RaceStrategy> McCell<S> {
    /// The cell of `strategy` in `setup`; the blocks until success are recorded for
    /// q > 1/2 (where the attacker surely wins, and how long it takes is the question).
    pub fn new(strategy: S, setup: RaceSetup) -> McCell<S> {
        McCell {
            strategy,
            setup,
            record_blocks: setup.q > 0.5,
        }
    }
}

/// Per-trial block cap: far beyond any trial that matters (a q > 1/2 attacker needs about
/// (d + 1)/(q − p) blocks); trials reaching it are reported as censored.
pub const MAX_BLOCKS: u64 = 100_000_000;

/// The first word of a plain block-race cell's stream key ("maj": the first cells were
/// the majority attack's; kept so earlier streams stay the same).
const MC_TAG: u64 = 0x6d616a;

impl<S: RaceStrategy> crate::estimate::CellSim for McCell<S> {
    fn key(&self) -> u64 {
        let mut words = vec![MC_TAG];
        words.extend(self.strategy.stream_words());
        rng::cell_key(&words)
    }

    fn empty_tally(&self) -> Tally {
        Tally::new(self.setup.z_max, self.record_blocks)
    }

    fn run_batch(&self, rng: &mut SimRng, n: u64, tally: &mut Tally) {
        let mut race = Race::new(&self.strategy, &self.setup);
        // A local copy of the generator (the same stream) stays in registers.
        let mut local = rng.clone();
        // One loop per kind of tally, so the common one carries nothing it does not use.
        if let Some(mut stats) = tally.blocks.take() {
            for _ in 0..n {
                let record = |from: u32, to: u32, blocks| {
                    for s in &mut stats[from as usize..=to as usize] {
                        s.record(blocks);
                    }
                };
                let out = race.trial(&mut local, &mut Plain(record));
                tally.add(out.reversed_up_to, out.censored);
            }
            tally.blocks = Some(stats);
        } else {
            for _ in 0..n {
                let out = race.trial(&mut local, &mut Plain(|_, _, _| {}));
                tally.add(out.reversed_up_to, out.censored);
            }
        }
        *rng = local;
    }
}
