//! The peer-to-peer network model and the attacks that need it: Finney, race and Vector76,
//! plus the majority attack on a network.
//!
//! - [`spec`]: the scenario tables (`[network]`, `[merchant]`, attack tables), validated.
//! - [`topology`]: the generated graph and its precomputed block delays.
//! - [`txprop`]: transaction relay under first-seen / full-RBF policies and alerts.
//! - [`events`]: (time, hops, FIFO) keys and queue.
//! - [`engine`]: timed Poisson mining, block tree, tips, the merchant's view.
//! - [`private`], [`finney`], [`majority`], [`race`], [`vector76`]: the strategies
//!   ([`NetStrategy`]).
//! - [`cell`]: the experiment, its prepared topologies and cells for [`crate::sim::estimate`].
//! - [`is`]: importance sampling of the private-branch attacks (tilted finders).
//! - [`rows`]: closed forms of the zero-latency limit, costs and `reversal.csv` rows.
//!
//! Depends on `sim` (generator, tally, estimation), `analytic` and `params`; never on the
//! command line, files or stdout.

pub mod cell;
pub mod engine;
pub mod events;
pub mod finney;
pub mod is;
pub mod majority;
pub mod private;
pub mod race;
pub mod rows;
pub mod spec;
pub mod sweep;
pub mod topology;
pub mod txprop;
pub mod vector76;

pub use cell::{NetAttack, NetExperiment};

use rand::Rng;

use cell::Prepared;
use engine::{Acceptance, World};

/// A network attack strategy: one immutable value per cell, shared by all threads; the
/// per-trial state lives in the [`World`] (reset before each trial) and the strategy's
/// own locals. A new network attack is one file implementing this trait plus a name in
/// [`NetAttack`].
pub trait NetStrategy: Sync {
    /// Run one trial on the reset `world` of topology `prep`; merchants' acceptances go
    /// into `acc` (reset too).
    fn trial<R: Rng + ?Sized>(
        &self,
        prep: &Prepared,
        world: &mut World,
        acc: &mut Acceptance,
        rng: &mut R,
    ) -> Outcome;
}

/// The outcome of one trial of a network attack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Largest z ≥ 1 reversed (−1: none); reversal is monotone in z ≥ 1.
    pub top: i64,
    /// Merchant z = 0 reversed (decided apart: its rule is not a confirmation count).
    pub z0: bool,
    /// Attacker blocks orphaned in the attempt against merchants z > `top`.
    pub cost_blocks: u64,
    /// Attacker blocks orphaned in the attempt against merchant z = 0.
    pub z0_cost_blocks: u64,
    /// Undecided at the per-trial block cap (counted as a failure).
    pub censored: bool,
}
