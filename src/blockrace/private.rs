//! The private-branch rule (`crate::policy::PrivateBranch`, written once for both engines)
//! played as a block-race strategy: the majority ("51 %") private-chain double spend.
//!
//! The attacker pays the merchant, mines a private branch holding a conflicting transaction
//! (starting with `premined` blocks), publishes as soon as the merchant has accepted and the
//! branch wins by the tie rule (strictly longer; a tie is published too, which matters only
//! under `gamma`), and gives up when `give_up` blocks behind (never by default: the rest of
//! the race is then resolved exactly, so there is no truncation at all).

use std::hint::select_unpredictable;

use super::race::{Decision, RaceStrategy, RaceView};
use crate::policy::PrivateBranch;

impl RaceStrategy for PrivateBranch {
    fn premined(&self) -> u32 {
        self.premined
    }

    #[inline]
    fn decide(&self, view: &RaceView) -> Decision {
        let lead = view.lead();
        // Selects, not branches: the sign of the lead is a coin flip per block.
        let behind = select_unpredictable(self.gives_up(lead), Decision::GiveUp, Decision::Mine);
        select_unpredictable(self.publishes(lead), Decision::Publish, behind)
    }

    #[inline]
    fn mines_between(&self) -> Option<(i64, i64)> {
        Some(self.quiet_band())
    }

    #[inline]
    fn tail_win(&self, lead: i64) -> Option<f64> {
        // With q > 1/2 and no give-up the attacker wins surely, but the cell records the
        // blocks it takes, so walk; with q = 1/2 the walk has infinite mean, so resolve
        // exactly (1).
        if self.q > 0.5 && self.give_up.is_none() {
            return None;
        }
        self.exact_tail_win(lead)
    }
}
