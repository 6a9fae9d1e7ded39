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
use crate::policy::PrivateBranch;
use race::{Plain, Race, RaceSetup};

/// A majority-attack cell: the strategy plus the network side of the race.
#[derive(Clone, Copy, Debug)]
pub struct MajorityCell {
    /// The attacker.
    pub strategy: PrivateBranch,
    /// The network.
    pub setup: RaceSetup,
    /// Record blocks until success per z (used for q > 1/2).
    pub record_blocks: bool,
}

impl MajorityCell {
    /// The cell for share `q` and the given attack parameters.
    pub fn new(
        q: f64,
        premined: u32,
        gamma: f64,
        give_up: Option<u32>,
        z_max: u32,
    ) -> MajorityCell {
        MajorityCell {
            strategy: PrivateBranch {
                q,
                premined,
                gamma,
                give_up,
                exact_tail: true,
            },
            setup: RaceSetup {
                q,
                gamma,
                z_max,
                max_blocks: MAX_BLOCKS,
            },
            record_blocks: q > 0.5,
        }
    }
}

/// Per-trial block cap: far beyond any trial that matters (a q > 1/2 attacker needs about
/// (d + 1)/(q − p) blocks); trials reaching it are reported as censored.
pub const MAX_BLOCKS: u64 = 100_000_000;

impl crate::estimate::CellSim for MajorityCell {
    fn key(&self) -> u64 {
        let s = &self.strategy;
        rng::cell_key(&[
            0x6d616a, // "maj"
            s.q.to_bits(),
            u64::from(s.premined),
            s.gamma.to_bits(),
            s.give_up.map_or(u64::MAX, u64::from),
            u64::from(s.exact_tail),
        ])
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
