//! Eyal and Sirer's selfish mining (SM1): its closed-form relative revenue and the same
//! strategy written as a policy of the MDP, so the solver can be checked against the formula.

use super::model::{Action, Fork};

/// SM1's relative revenue (Eyal and Sirer, "Majority is not Enough", FC 2014, eq. (8)):
/// R = [α(1−α)²(4α + γ(1−2α)) − α³] / [1 − α(1 + (2−α)α)].
pub fn revenue(alpha: f64, gamma: f64) -> f64 {
    let a = alpha;
    let num = a * (1.0 - a).powi(2) * (4.0 * a + gamma * (1.0 - 2.0 * a)) - a.powi(3);
    let den = 1.0 - a * (1.0 + (2.0 - a) * a);
    num / den
}

/// SM1's action at (a, h, fork), in the MDP's terms: keep a lead of two or more private;
/// when the honest network comes within one block, publish everything (override); when it
/// ties a lead of one, publish and race (match); when it gets ahead, adopt.
pub fn action(a: u32, h: u32, fork: Fork) -> Action {
    match fork {
        // The attacker just mined: after a match it wins the race by publishing (a > h);
        // otherwise it keeps its lead private.
        Fork::Active => Action::Override,
        Fork::Irrelevant => {
            if h == 0 || a >= h + 2 {
                Action::Wait
            } else if a > h {
                Action::Override
            } else {
                Action::Adopt
            }
        }
        // An honest block just arrived.
        Fork::Relevant => {
            if a < h {
                Action::Adopt
            } else if a == h {
                // SM1 reaches a tie only from a lead of one (a = h = 1); longer ties do not
                // occur under SM1 and are given up.
                if h == 1 { Action::Match } else { Action::Adopt }
            } else if a == h + 1 {
                Action::Override
            } else {
                Action::Wait
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_where_sm1_equals_honest() {
        // Eyal–Sirer: SM1 pays exactly when α > (1 − γ)/(3 − 2γ); at the threshold R = α.
        for gamma in [0.0, 0.25, 0.5, 0.75] {
            let t = (1.0 - gamma) / (3.0 - 2.0 * gamma);
            assert!((revenue(t, gamma) - t).abs() < 1e-14, "γ = {gamma}");
            assert!(revenue(t + 0.01, gamma) > t + 0.01);
            assert!(revenue(t - 0.01, gamma) < t - 0.01);
        }
    }
}
