//! Attacker policies written once and played by both engines.
//!
//! The private-branch family (majority, Finney, the rented-hash and opportunistic
//! attackers) shares one rule: withhold a branch holding the conflicting transaction,
//! publish it once the merchant has accepted and it wins, abandon it a fixed number of
//! blocks behind, and, once every merchant has accepted, let the rest of the race be
//! resolved by its exact law. [`PrivateBranch`] is that rule. The zero-latency block race
//! plays it as a `RaceStrategy` (`crate::blockrace::private`) and the timed network's
//! private-branch runner (`crate::net::private`) asks it at every block, so the two engines
//! cannot drift apart; the attacks of `crate::attack` build one value of it per cell.
//!
//! The lead is the attacker's branch length minus the public chain's (above the fork
//! point), so a positive lead is a branch strictly ahead.

use crate::analytic;

/// The private-branch rule of one cell.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PrivateBranch {
    /// Attacker's hash share q.
    pub q: f64,
    /// Blocks already on the private branch at the start (head start k).
    pub premined: u32,
    /// Share of honest hash rate that mines on a published branch of equal length (the tie
    /// rule's γ; 0 is first-seen, the rule of a network, where nodes keep the first block
    /// they saw).
    pub gamma: f64,
    /// Deficit at which the attacker abandons (`None`: never).
    pub give_up: Option<u32>,
    /// Resolve the rest of the race exactly once every merchant has accepted (zero
    /// latency only: the law assumes no forks among honest miners).
    pub exact_tail: bool,
}

impl PrivateBranch {
    /// Whether the attacker abandons at `lead`: `give_up` or more blocks behind.
    #[inline]
    pub fn gives_up(&self, lead: i64) -> bool {
        self.give_up.is_some_and(|d| lead <= -i64::from(d))
    }

    /// Whether the attacker publishes at `lead` once the merchant has accepted: when
    /// ahead, and at a tie too (it then wins with the tie rule's γ; under first-seen a
    /// published tie changes nothing, so publishing it is harmless).
    #[inline]
    pub fn publishes(&self, lead: i64) -> bool {
        lead >= 0
    }

    /// Whether a published branch at `lead` wins outright (strictly longer).
    #[inline]
    pub fn wins_outright(lead: i64) -> bool {
        lead > 0
    }

    /// Leads ℓ with `lo < ℓ < hi` at which the attacker surely keeps mining while a
    /// merchant waits: behind and above the give-up line.
    #[inline]
    pub fn quiet_band(&self) -> (i64, i64) {
        (self.give_up.map_or(i64::MIN, |d| -i64::from(d)), 0)
    }

    /// The exact probability of eventually winning from `lead` once every merchant has
    /// accepted (`None` unless `exact_tail`): the gambler's-ruin law of the rest of the
    /// race with this rule's tie parameter and give-up line.
    #[inline]
    pub fn exact_tail_win(&self, lead: i64) -> Option<f64> {
        self.exact_tail
            .then(|| analytic::tail_win(self.q, self.gamma, self.give_up, lead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_give_up_line_and_the_quiet_band_agree() {
        let p = PrivateBranch {
            give_up: Some(3),
            ..PrivateBranch::default()
        };
        let (lo, hi) = p.quiet_band();
        for lead in -6..=3 {
            let quiet = lo < lead && lead < hi;
            // Inside the band the attacker neither publishes nor abandons.
            assert_eq!(
                quiet,
                !p.gives_up(lead) && !p.publishes(lead),
                "lead {lead}"
            );
        }
        assert!(!PrivateBranch::default().gives_up(-1_000_000));
    }

    #[test]
    fn the_tail_is_exact_only_when_asked() {
        let mut p = PrivateBranch {
            q: 0.3,
            ..PrivateBranch::default()
        };
        assert_eq!(p.exact_tail_win(-1), None);
        p.exact_tail = true;
        // From one block behind with no give-up, the classical catch-up (q/p)^2.
        let w = p.exact_tail_win(-1).unwrap();
        assert!((w - (0.3f64 / 0.7).powi(2)).abs() < 1e-12, "{w}");
    }
}
