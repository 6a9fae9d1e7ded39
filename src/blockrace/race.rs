//! The zero-latency block race: the engine every block-race strategy runs on.
//!
//! With no propagation delay, Poisson mining by all miners is exactly a sequence of blocks,
//! each the attacker's with probability q (memorylessness), so only the order matters and
//! the block tree reduces to two branches above the fork point: the public (honest) one
//! holding the merchant's payment and the attacker's private one holding the conflicting
//! transaction. The engine owns what the network does (tie rule, acceptance by merchants);
//! a [`RaceStrategy`] owns what the attacker does, deciding after every block.
//!
//! One trial serves every z at once: the merchant with z confirmations accepts when the
//! honest branch reaches z blocks (z = 0: at the start), and the attacker wins against it
//! if it publishes a strictly longer branch at any later moment (or wins a published tie).
//! So a trial's outcome is one number, the largest honest height at which the attacker
//! won, and z is reversed iff z ≤ that height.
//!
//! Once every merchant has accepted (honest height ≥ z_max), a strategy may hand the engine
//! the exact law of the rest of the walk ([`RaceStrategy::tail_win`]); the engine then draws
//! the outcome with one uniform instead of walking block by block. That is exact sampling
//! of the same Markov chain, not an approximation; `tests` compare both.

use rand::Rng;

use crate::estimate::rng::unit_f64;

/// What the attacker sees after each block.
#[derive(Clone, Copy, Debug)]
pub struct RaceView {
    /// Honest blocks above the fork point (the first one holds the merchant's payment).
    pub honest: u32,
    /// Blocks on the attacker's private branch, pre-mined ones included.
    pub attacker: u32,
    /// Whether every merchant of the requested range has accepted (honest ≥ z_max).
    pub all_accepted: bool,
}

impl RaceView {
    /// Attacker's lead: private length minus public length.
    #[inline]
    pub fn lead(&self) -> i64 {
        i64::from(self.attacker) - i64::from(self.honest)
    }
}

/// The attacker's move after a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Keep mining on the private branch and withhold it.
    Mine,
    /// Publish the private branch (wins if strictly longer; a tie goes to the tie rule).
    Publish,
    /// Abandon the attack.
    GiveUp,
}

/// An attacker strategy in the block race. Implementations are immutable and shared by
/// all threads; per-trial state lives in the engine.
pub trait RaceStrategy: Sync {
    /// Blocks already on the private branch at the start (head start k).
    fn premined(&self) -> u32;
    /// The move after each block (and once at the start).
    fn decide(&self, view: &RaceView) -> Decision;
    /// Exact probability of eventually winning from `lead` ≤ 0 once all merchants have
    /// accepted, if the strategy's rest-of-race law is known; `None` makes the engine walk.
    fn tail_win(&self, _lead: i64) -> Option<f64> {
        None
    }
}

/// The network side of a block race.
#[derive(Clone, Copy, Debug)]
pub struct RaceSetup {
    /// Attacker's share of the hash rate.
    pub q: f64,
    /// Fraction of honest hash rate that mines on the attacker's branch during a published tie.
    pub gamma: f64,
    /// Largest confirmation count of interest.
    pub z_max: u32,
    /// Hard cap on blocks per trial (a trial reaching it counts as a loss and is reported).
    pub max_blocks: u64,
}

/// Outcome of one trial.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrialOutcome {
    /// Merchants with z ≤ `reversed_up_to` were reversed (−1: none).
    pub reversed_up_to: i64,
    /// The trial hit `max_blocks` undecided.
    pub censored: bool,
}

/// The shares as thresholds on a 64-bit draw u, precomputed once per trial: the attacker
/// finds the block when u < `attacker`; an honest miner of the γ group (on the attacker's
/// branch during a published tie) when `attacker` ≤ u < `tie_switch`; else another honest one.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// q · 2^64.
    pub attacker: u64,
    /// (q + γ·(1 − q)) · 2^64.
    pub tie_switch: u64,
}

impl Thresholds {
    /// Thresholds for attacker share `q` and tie-rule `gamma`.
    pub fn new(q: f64, gamma: f64) -> Thresholds {
        const TWO64: f64 = 18_446_744_073_709_551_616.0;
        let attacker = (q * TWO64) as u64; // saturating cast: q = 1 → u64::MAX
        let rest = u64::MAX - attacker;
        let tie_switch = attacker.saturating_add((gamma * rest as f64) as u64);
        Thresholds {
            attacker,
            tie_switch,
        }
    }
}

/// Where the race's blocks come from. Each block is reported as a point u of [0, 2^64) on
/// the hash-share scale of [`Thresholds`]: the attacker found it if u < `attacker`, the γ
/// group if `attacker` ≤ u < `tie_switch`, another honest miner otherwise. A random
/// generator is a block source that draws u uniformly (the Poisson model);
/// `crate::blockrace::pow_source::PowSource` is one that mines (real SHA-256d hashing).
pub trait BlockSource {
    /// The next block's point on the share scale.
    fn next_block(&mut self, th: &Thresholds) -> u64;
    /// A uniform 64-bit draw, for resolving the rest of a race exactly.
    fn uniform_u64(&mut self) -> u64;
}

impl<R: Rng + ?Sized> BlockSource for R {
    #[inline]
    fn next_block(&mut self, _th: &Thresholds) -> u64 {
        self.next_u64()
    }

    #[inline]
    fn uniform_u64(&mut self) -> u64 {
        self.next_u64()
    }
}

/// Run one trial. `on_win(z_from, z_to, blocks)` is told each time merchants z_from..=z_to
/// are reversed, with the number of blocks mined since the start (for time-to-success).
#[inline]
pub fn trial<S, R>(
    strategy: &S,
    setup: &RaceSetup,
    rng: &mut R,
    mut on_win: impl FnMut(u32, u32, u64),
) -> TrialOutcome
where
    S: RaceStrategy + ?Sized,
    R: BlockSource + ?Sized,
{
    let th = Thresholds::new(setup.q, setup.gamma);
    let z_max = i64::from(setup.z_max);
    let (mut honest, mut attacker) = (0u32, strategy.premined());
    let mut best: i64 = -1;
    let mut blocks = 0u64;
    let mut tie_published = false;
    let mut record = |h: u32, blocks: u64, best: &mut i64| {
        let top = i64::from(h).min(z_max);
        if top > *best {
            on_win((*best + 1) as u32, top as u32, blocks);
            *best = top;
        }
    };
    loop {
        let view = RaceView {
            honest,
            attacker,
            all_accepted: i64::from(honest) >= z_max,
        };
        match strategy.decide(&view) {
            Decision::Publish if attacker > honest => record(honest, blocks, &mut best),
            Decision::Publish => tie_published = attacker == honest,
            Decision::GiveUp => break,
            Decision::Mine => {}
        }
        if best >= z_max {
            break;
        }
        if let Some(w) = view
            .all_accepted
            .then(|| strategy.tail_win(view.lead()))
            .flatten()
        {
            if unit_f64(rng.uniform_u64()) < w {
                record(honest, blocks, &mut best);
            }
            break;
        }
        if blocks >= setup.max_blocks {
            return TrialOutcome {
                reversed_up_to: best,
                censored: true,
            };
        }
        let u = rng.next_block(&th);
        blocks += 1;
        if u < th.attacker {
            attacker += 1;
        } else {
            if tie_published && u < th.tie_switch {
                // An honest miner built on the attacker's published branch: it wins for
                // every merchant that had accepted when the tie was published.
                record(honest, blocks, &mut best);
            }
            honest += 1;
        }
        tie_published = false;
    }
    TrialOutcome {
        reversed_up_to: best,
        censored: false,
    }
}
