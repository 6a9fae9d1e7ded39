//! The private-branch rule (`crate::policy::PrivateBranch`, written once for both engines)
//! played as a block-race strategy: the majority ("51 %") private-chain double spend.
//!
//! The attacker pays the merchant, mines a private branch holding a conflicting transaction
//! (starting with `premined` blocks), publishes as soon as the merchant has accepted and the
//! branch wins by the tie rule (strictly longer; a tie is published too, which matters only
//! under `gamma`), and gives up when `give_up` blocks behind (never by default: the rest of
//! the race is then resolved exactly, so there is no truncation at all).

use std::hint::select_unpredictable;

use super::McCell;
use super::race::{Decision, RaceSetup, RaceStrategy, RaceView};
use crate::policy::PrivateBranch;

impl RaceStrategy for PrivateBranch {
    /// No tag of its own: the private branch was the block race's first strategy, and
    /// these words keep its streams (and so every committed report) unchanged.
    fn stream_words(&self) -> Vec<u64> {
        vec![
            self.q.to_bits(),
            u64::from(self.premined),
            self.gamma.to_bits(),
            self.give_up.map_or(u64::MAX, u64::from),
            u64::from(self.exact_tail),
        ]
    }

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

impl McCell<PrivateBranch> {
    /// The private-branch cell for share `q` with head start `premined`, tie parameter
    /// `gamma` and give-up line `give_up`, reporting z = 0..=`z_max` (the rest of the race
    /// resolved exactly).
    pub fn private_branch(
        q: f64,
        premined: u32,
        gamma: f64,
        give_up: Option<u32>,
        z_max: u32,
    ) -> McCell<PrivateBranch> {
        let strategy = PrivateBranch {
            q,
            premined,
            gamma,
            give_up,
            exact_tail: true,
        };
        McCell::new(
            strategy,
            RaceSetup {
                q,
                gamma,
                z_max,
                max_blocks: super::MAX_BLOCKS,
            },
        )
    }
}
