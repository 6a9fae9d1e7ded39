//! The majority (private-chain) attack on a network: the attacker holds `premined`
//! withheld blocks when the payment is broadcast, mines privately, and publishes once a
//! merchant has accepted and its branch is strictly longer than every public block
//! ([`super::private`]). Merchant z = 0 is a standing merchant (reversed if the branch is
//! ever ahead after its listening period). Closed form beside: the zero-latency
//! `P_strict(z, k)`; honest forks on a network slow the public chain, so the attacker does
//! better than it.

use super::private::Private;

/// The attacker of one cell.
pub fn attacker(
    q: f64,
    premined: u32,
    give_up: Option<u32>,
    listening: f64,
    exact_tail: bool,
    max_deficit: u32,
) -> Private {
    Private {
        q,
        premined,
        one_shot_zero: false,
        give_up,
        exact_tail,
        max_deficit,
        listening,
    }
}
