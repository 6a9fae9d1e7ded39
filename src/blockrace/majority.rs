//! The majority ("51 %") private-chain double spend as a block-race strategy.
//!
//! The attacker pays the merchant, mines a private branch holding a conflicting transaction
//! (starting with `premined` blocks), publishes as soon as the merchant has accepted and the
//! branch wins by the tie rule (strictly longer; a tie is published too, which matters only
//! under `gamma`), and gives up when `give_up` blocks behind (never by default: the rest of
//! the race is then resolved exactly, so there is no truncation at all).

use std::hint::select_unpredictable;

use super::race::{Decision, RaceStrategy, RaceView};
use crate::analytic;

/// The majority attack's parameters.
#[derive(Clone, Copy, Debug)]
pub struct Majority {
    /// Attacker's hash share.
    pub q: f64,
    /// Head start k.
    pub premined: u32,
    /// Tie-rule γ (0 = first-seen).
    pub gamma: f64,
    /// Deficit at which the attacker abandons (`None`: never).
    pub give_up: Option<u32>,
    /// Resolve the rest of the race exactly once all merchants accepted (else walk it).
    pub exact_tail: bool,
}

impl RaceStrategy for Majority {
    fn premined(&self) -> u32 {
        self.premined
    }

    #[inline]
    fn decide(&self, view: &RaceView) -> Decision {
        let lead = view.lead();
        // Ahead wins outright; a tie is worth publishing under gamma (harmless under
        // first-seen, where honest nodes keep their branch). Selects, not branches: the
        // sign of the lead is a coin flip per block.
        let give_up = self.give_up.is_some_and(|d| lead <= -i64::from(d));
        let behind = select_unpredictable(give_up, Decision::GiveUp, Decision::Mine);
        select_unpredictable(lead >= 0, Decision::Publish, behind)
    }

    #[inline]
    fn mines_between(&self) -> Option<(i64, i64)> {
        // Behind and above the give-up line: mine.
        Some((self.give_up.map_or(i64::MIN, |d| -i64::from(d)), 0))
    }

    #[inline]
    fn tail_win(&self, lead: i64) -> Option<f64> {
        // With q > 1/2 and no give-up the attacker wins surely but we want the blocks it
        // takes, so walk; with q = 1/2 the walk has infinite mean, so resolve exactly (1).
        if !self.exact_tail || (self.q > 0.5 && self.give_up.is_none()) {
            return None;
        }
        Some(analytic::tail_win(self.q, self.gamma, self.give_up, lead))
    }
}
