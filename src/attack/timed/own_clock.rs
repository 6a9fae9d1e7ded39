//! Strategies that keep their own clock: the Δ-model attacks (`delay-private`,
//! `balancing`) simulate their delays themselves and use neither the topology nor the
//! engine's world. [`OwnClock`] is what such an attack writes (one trial against merchants
//! z = 0..=z_max, plain or tilted); [`Clocked`] turns it into the engine's
//! `NetStrategy` once, for all of them.

use crate::error::usage;
use crate::estimate::rng::SimRng;
use crate::estimate::weighted::Tilt;
use crate::net::engine::{Acceptance, World};
use crate::net::is::Credit;
use crate::net::spec::NetworkSpec;
use crate::net::{NetStrategy, Outcome, Prepared};

/// Largest delay bound Δ accepted, in block intervals. A Δ-model trial simulates a burn-in
/// and a race whose length grows with Δ/T (Δ = 1e7 s took 20 s for 200 trials at T = 600 s,
/// and 1e300 never ended); at Δ = 100 T honest blocks fork almost always and the
/// adversary wins at any share, so larger bounds tell nothing more.
pub const MAX_DELTA_BLOCKS: f64 = 100.0;

/// Check a Δ-model attack's delay bound `delta` (file key `key`, e.g. `balancing.delta`)
/// on its own: a finite number of seconds ≥ 0.
pub fn check_delta_value(key: &str, delta: f64) -> anyhow::Result<()> {
    if !(delta.is_finite() && delta >= 0.0) {
        return Err(usage(key, delta, "give a finite number of seconds ≥ 0"));
    }
    Ok(())
}

/// Check a Δ-model attack's delay bound `delta` (file key `key`, e.g. `balancing.delta`)
/// against the network's block interval.
pub fn check_delta(key: &str, delta: f64, network: &NetworkSpec) -> anyhow::Result<()> {
    let most = MAX_DELTA_BLOCKS * network.block_interval;
    if delta > most {
        return Err(usage(
            key,
            delta,
            &format!(
                "give at most {MAX_DELTA_BLOCKS} block intervals ({most} s): beyond that honest \
                 blocks fork almost always, and each trial's work grows with Δ"
            ),
        ));
    }
    Ok(())
}

/// What one trial of an own-clock strategy found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Played {
    /// Largest z ≥ 1 reversed (0: none).
    pub top: u32,
    /// Merchant z = 0 reversed.
    pub z0: bool,
    /// Attacker blocks mined after the payment (lost for the merchants not reversed).
    pub attacker_blocks: u64,
    /// Stopped at the event cap.
    pub censored: bool,
}

impl Played {
    /// The attacker's branch is ahead now, with merchants z ≤ `accepted` (z ≥ 1) and, if
    /// `z0_open`, merchant z = 0 having accepted: they are reversed. Returns the newly
    /// reversed merchants as (previous top, new top, z = 0 newly reversed), or None if
    /// nothing changed.
    pub fn reverse(&mut self, accepted: u32, z0_open: bool) -> Option<(u32, u32, bool)> {
        let (top, z0) = (self.top, self.z0);
        self.top = self.top.max(accepted);
        self.z0 |= z0_open;
        (self.top > top || self.z0 != z0).then_some((top, self.top, self.z0 != z0))
    }
}

/// An attack that plays a whole trial on its own clock.
pub trait OwnClock: Sync + Send + std::fmt::Debug {
    /// One trial against merchants z = 0..=`z_max` under the true law.
    fn play(&self, z_max: u32, rng: &mut SimRng) -> Played;
    /// Whether [`Self::play_tilted`] samples under a tilt (default: no).
    fn can_tilt(&self) -> bool {
        false
    }
    /// One importance-sampled trial under `tilt`, each reversed merchant credited to
    /// `credit` with its likelihood ratio (`NetStrategy::tilted_trial`). Default: the
    /// plain trial with weight 1.
    fn play_tilted(
        &self,
        z_max: u32,
        tilt: Tilt,
        credit: &mut Credit<'_>,
        rng: &mut SimRng,
    ) -> Played {
        let _ = tilt;
        let p = self.play(z_max, rng);
        credit.untilted(i64::from(p.top), p.z0);
        p
    }
}

/// An [`OwnClock`] attack as the engine's strategy.
#[derive(Debug)]
pub struct Clocked<S>(pub S);

/// The merchants a trial tracks: z = 0..=z_max.
fn z_max(acc: &Acceptance) -> u32 {
    acc.accepted.len() as u32 - 1
}

/// The engine's outcome of a played trial: merchants up to `top` saw their depth, and the
/// attacker's blocks are lost for every merchant it did not reverse.
fn outcome(p: Played, z_max: u32, acc: &mut Acceptance) -> Outcome {
    acc.see_depth(p.top);
    let lost = |won: bool| if won { 0 } else { p.attacker_blocks };
    Outcome {
        top: if p.top >= 1 { i64::from(p.top) } else { -1 },
        z0: p.z0,
        cost_blocks: lost(p.top == z_max),
        z0_cost_blocks: lost(p.z0),
        censored: p.censored,
    }
}

impl<S: OwnClock> NetStrategy for Clocked<S> {
    fn trial(
        &self,
        _: &Prepared,
        _: &mut World,
        acc: &mut Acceptance,
        rng: &mut SimRng,
    ) -> Outcome {
        let z = z_max(acc);
        outcome(self.0.play(z, rng), z, acc)
    }

    fn can_tilt(&self) -> bool {
        self.0.can_tilt()
    }

    fn tilted_trial(
        &self,
        _: &Prepared,
        _: &mut World,
        acc: &mut Acceptance,
        tilt: Tilt,
        credit: &mut Credit<'_>,
        rng: &mut SimRng,
    ) -> Outcome {
        let z = z_max(acc);
        outcome(self.0.play_tilted(z, tilt, credit, rng), z, acc)
    }
}
