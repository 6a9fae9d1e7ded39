//! Eyal and Sirer's selfish mining, SM1 ("Majority is not Enough", FC 2014, Algorithm 1),
//! as a strategy of the MDP's mining game, with its closed-form relative revenue.
//!
//! Written from the algorithm in terms of the private lead, independently of the MDP
//! encoding `crate::mdp::sm1::action` (a unit test checks that both agree).

use super::super::Info;
use crate::blockrace::game::{Action, Fork, GameStrategy};

/// The registry entry.
pub const INFO: Info = Info {
    name: "selfish",
    summary: "Eyal–Sirer selfish mining (SM1) in the MDP's mining game; revenue vs its closed form",
    gives_up: true,
    first_z: 1,
    convention_closed_form: true,
};

/// SM1.
#[derive(Clone, Copy, Debug, Default)]
pub struct Selfish;

impl GameStrategy for Selfish {
    #[inline]
    fn act(&self, a: u32, h: u32, fork: Fork) -> (Action, bool) {
        let lead = i64::from(a) - i64::from(h);
        let action = match fork {
            // After a match the attacker found the next block: publish it, win the race.
            Fork::Active => Action::Override,
            // The attacker just mined (or nothing was published yet): keep the branch
            // private while ahead by 2 or more, or while the honest side has nothing;
            // the algorithm never leaves a lead of 1 against a non-empty honest branch.
            Fork::Irrelevant if h == 0 || lead >= 2 => Action::Wait,
            Fork::Irrelevant if lead == 1 => Action::Override,
            // An honest block arrived.
            Fork::Relevant if lead >= 2 => Action::Wait,
            // Lead was 2, now 1: publish everything.
            Fork::Relevant if lead == 1 => Action::Override,
            // Lead was 1, now 0: publish the private block and race.
            Fork::Relevant if lead == 0 && h == 1 => Action::Match,
            // Behind (or a longer tie, which SM1 never reaches): take the honest chain.
            _ => Action::Adopt,
        };
        (action, false)
    }
}

impl super::GameAttack for Selfish {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn box_side(&self, alpha: f64) -> u32 {
        box_side(alpha)
    }

    fn revenue_is_evaluated(&self) -> bool {
        false
    }

    fn revenue_reference(&self, alpha: f64, gamma: f64, _: &super::Exact) -> (f64, &'static str) {
        (closed_form(alpha, gamma), "sm1-closed-form")
    }

    fn truncation_warning(&self, alpha: f64, n: u32) -> Option<String> {
        let bound = truncation_bound(alpha, n);
        (bound > 1e-9).then(|| {
            format!(
                "alpha {alpha}: SM1's exact double-spend figures come from a box of side {n}; \
                 its lead leaves it with probability up to {bound:.1e}, so the reference \
                 column is that far from exact"
            )
        })
    }

    fn stream(&self) -> u64 {
        0
    }
}

/// SM1's relative revenue (Eyal and Sirer, eq. (8); `crate::mdp::sm1::revenue`).
pub fn closed_form(alpha: f64, gamma: f64) -> f64 {
    crate::mdp::sm1::revenue(alpha, gamma)
}

/// Largest box for evaluating SM1 (evaluation time grows about as the cube of the side).
pub const MAX_BOX: u32 = 250;

/// Box side for evaluating SM1's double-spend figures: its private lead reaches L with
/// probability below (α/(1−α))^(L−1), so at this side the truncation moves the values by
/// less than about 1e-15, up to [`MAX_BOX`] (then [`truncation_bound`] says how much).
pub fn box_side(alpha: f64) -> u32 {
    let r = alpha / (1.0 - alpha);
    let n = (1e-15f64.ln() / r.ln()).ceil() + 4.0;
    if n.is_finite() {
        (n as u32).clamp(8, MAX_BOX)
    } else {
        MAX_BOX
    }
}

/// Bound (α/(1−α))^(n−1) on the probability that SM1's lead leaves the box of side n.
pub fn truncation_bound(alpha: f64, n: u32) -> f64 {
    (alpha / (1.0 - alpha)).powi(n as i32 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_mdp_encoding_of_sm1() {
        for a in 0..12 {
            for h in 0..12 {
                for f in Fork::ALL {
                    let reachable = match f {
                        Fork::Irrelevant => a >= 1,
                        Fork::Relevant => h >= 1,
                        Fork::Active => a >= h && h >= 1,
                    };
                    if reachable {
                        assert_eq!(
                            Selfish.act(a, h, f).0,
                            crate::mdp::sm1::action(a, h, f),
                            "({a}, {h}, {f:?})"
                        );
                    }
                }
            }
        }
    }
}
