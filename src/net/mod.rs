//! The timed engine: Poisson mining on a peer-to-peer network (or the zero-latency one),
//! and the mechanics every timed attack uses.
//!
//! - [`spec`]: the `[network]` and `[merchant]` tables, validated; [`preset`] the named
//!   networks and the measurements they are calibrated to; [`measure`] what a network
//!   does (stale rate, block propagation) to compare with them.
//! - [`topology`]: the generated graph and its precomputed block delays; [`hb`] its
//!   high-bandwidth compact-block peers, chosen by delivery history.
//! - [`txprop`]: transaction relay under first-seen / full-RBF policies and alerts.
//! - [`events`]: (time, hops, FIFO) keys and queue.
//! - [`engine`]: timed Poisson mining, block tree, tips, the merchant's view.
//! - [`private`]: the private-branch runner (majority, Finney, rental and any attacker that
//!   withholds a branch), plain or importance-sampled through [`is`].
//! - [`sweep`]: applying one swept value to a table.
//!
//! Attacks (`crate::attack`) hand the engine a [`Strategy`]; the engine never knows which
//! attack it runs. Depends on `estimate` (generator, tallies, weights), `analytic` and
//! `params`; never on attacks, reports, the command line, files or stdout.

pub mod engine;
pub mod events;
pub mod hb;
pub mod is;
pub mod measure;
pub mod preset;
pub mod private;
pub mod spec;
pub mod sweep;
pub mod topology;
pub mod txprop;

use crate::estimate::rng::SimRng;
use crate::estimate::weighted::Tilt;

use engine::{Acceptance, World};
use topology::Topology;
use txprop::TxTimes;

/// One topology with the attack's transaction times on it.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The graph and its delays.
    pub topo: Topology,
    /// Transaction times (Vector76: A's, relative to its broadcast).
    pub tx: TxTimes,
    /// Race: whether merchant z = 0 accepts (fixed by the relay times).
    pub z0_accepted: bool,
}

/// A timed attack strategy that is not a private-branch attacker: one immutable value per
/// cell, shared by all threads; the per-trial state lives in the [`World`] (reset before
/// each trial) and the strategy's own locals. One dynamic call per trial (a trial is
/// hundreds of events), none per block.
pub trait NetStrategy: Sync + Send + std::fmt::Debug {
    /// Run one trial on the reset `world` of topology `prep`; merchants' acceptances go
    /// into `acc` (reset too).
    fn trial(
        &self,
        prep: &Prepared,
        world: &mut World,
        acc: &mut Acceptance,
        rng: &mut SimRng,
    ) -> Outcome;
    /// Whether the attacker's node watches the blocks it receives (Vector76 reacts to them).
    fn watches_blocks(&self) -> bool {
        false
    }
    /// Whether [`Self::tilted_trial`] samples under a tilt (default: no; the cell is then
    /// plain Monte Carlo).
    fn can_tilt(&self) -> bool {
        false
    }
    /// One importance-sampled trial, as [`Self::trial`] but with the attacker's share of
    /// blocks drawn at `tilt.accept` until every merchant has accepted (the total block
    /// rate unchanged, so an attacker block carries the likelihood factor q/q' and an
    /// honest one p/p'), and each merchant credited to `credit` its likelihood ratio at
    /// the moment it is reversed (the private-branch runner's weights, [`is`]). The
    /// returned outcome's counts are those of the tilted trial. Default: the plain trial
    /// with weight 1 per reversed merchant (unbiased, no variance reduction).
    fn tilted_trial(
        &self,
        prep: &Prepared,
        world: &mut World,
        acc: &mut Acceptance,
        tilt: Tilt,
        credit: &mut is::Credit<'_>,
        rng: &mut SimRng,
    ) -> Outcome {
        let _ = tilt;
        let out = self.trial(prep, world, acc, rng);
        credit.untilted(out.top, out.z0);
        out
    }
}

/// What a timed attack plays: the engine's private-branch runner with a policy (statically
/// dispatched, and importance-sampled when tilted), or a strategy of its own.
#[derive(Debug)]
pub enum Strategy {
    /// A private-branch attacker ([`private`]).
    Private(private::Private),
    /// Any other strategy.
    Custom(Box<dyn NetStrategy>),
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
