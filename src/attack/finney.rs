//! The Finney attack: the attacker withholds a freshly mined block paying itself, pays the
//! merchant from the same coins, and releases the block once the merchant accepts. At
//! z = 0 it releases at the acceptance moment (a listening period t after the merchant
//! first sees the payment) and wins iff its branch is strictly longer then; at z ≥ 1 it
//! keeps mining privately with its one-block head start and releases as soon as it is
//! ahead after acceptance — the head-start race P(z, k = 1).

use crate::estimate::results::GiveUp;
use serde::{Deserialize, Serialize};

use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::analytic;
use crate::net::Strategy;
use crate::net::private::{Private, ZeroConf};
use crate::net::spec::NetworkModel;
use crate::params::{Convention, TieRule};
use crate::policy::PrivateBranch;

/// Finney attack parameters (`[finney]`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FinneySpec {
    /// At z ≥ 1, abandon the private branch when this many blocks behind (default: never;
    /// on `none` the rest of the race is then resolved exactly).
    pub give_up: Option<u32>,
}

impl Registered for FinneySpec {
    const INFO: Info = Info {
        name: "finney",
        summary: "Withheld self-paying block, released after the merchant accepts",
        gives_up: true,
        first_z: 0,
        convention_closed_form: false,
    };
}

impl TimedAttack for FinneySpec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn keys(&self) -> &'static [(&'static str, Option<&'static str>)] {
        &[("give_up", Some("blocks behind"))]
    }

    fn validate(&self) -> anyhow::Result<()> {
        match self.give_up {
            Some(d) => crate::params::check_give_up("finney.give_up", d),
            None => Ok(()),
        }
    }

    fn describe(&self) -> String {
        "Finney attack (one withheld block, k = 1)".to_string()
    }

    fn strategy(&self, c: &CellSetting) -> Strategy {
        Strategy::Private(attacker(
            self,
            c.q,
            c.listening,
            c.exact_tail,
            c.max_deficit,
        ))
    }

    fn can_tilt(&self) -> bool {
        true
    }

    fn closed_form(&self, q: f64, z: u32, s: &Setting<'_>) -> Option<f64> {
        let t_over_t = s.merchant.listening_period / s.network.block_interval;
        (q > 0.0).then(|| closed_form(self, q, z, t_over_t))
    }

    fn closed_form_log10(&self, q: f64, z: u32, s: &Setting<'_>) -> Option<f64> {
        let value = self.closed_form(q, z, s)?;
        // z ≥ 1 without give-up is the head-start race: its log-space value.
        let l = if z >= 1 && self.give_up.is_none() {
            let conv = Convention {
                premined: 1,
                tie: TieRule::FirstSeen,
            };
            analytic::exact(q, z, conv).log10
        } else {
            value.log10()
        };
        l.is_finite().then_some(l)
    }

    fn blocks_before_attempt(&self) -> f64 {
        1.0
    }

    fn row_labels(&self) -> (Option<u32>, GiveUp) {
        (Some(1), GiveUp::deficit(self.give_up))
    }

    fn cost_by_top(&self) -> bool {
        true
    }

    fn trial_ns(&self, q: f64, z_max: u32, n: &crate::net::spec::NetworkSpec) -> f64 {
        private_trial_ns(q, z_max, n)
    }
}

/// Rough cost of one private-branch trial (ns, one thread), from `cargo bench --bench
/// network` on the reference machine: about 30 ns per block; trials mine until the last
/// merchant accepts and, on a real network, walk on until the branch wins or falls
/// `max_deficit` behind.
pub fn private_trial_ns(q: f64, z_max: u32, n: &crate::net::spec::NetworkSpec) -> f64 {
    let p = (1.0 - q).max(0.01);
    let mut blocks = f64::from(z_max + 1) / p;
    if n.model == NetworkModel::Random && q < 0.5 {
        blocks += f64::from(n.max_deficit) / (p - q).max(0.05);
    }
    40.0 + 30.0 * blocks
}

/// The attacker of one cell.
pub fn attacker(
    spec: &FinneySpec,
    q: f64,
    listening: f64,
    exact_tail: bool,
    max_deficit: u32,
) -> Private {
    Private {
        branch: PrivateBranch {
            q,
            premined: 1,
            give_up: spec.give_up,
            exact_tail,
            ..PrivateBranch::default()
        },
        zero_conf: ZeroConf::OneShot,
        max_deficit,
        listening,
        ..Private::default()
    }
}

/// Zero-latency closed form. z ≥ 1: the head-start race `P_strict(z, k = 1)` (with the
/// give-up truncation if any). z = 0: the branch (1 + A blocks) is strictly longer than
/// the honest one (H blocks) at the acceptance time t, with A ~ Poisson(q t/T) and
/// H ~ Poisson(p t/T) independent: Σ_h P(H = h) P(A ≥ h).
pub fn closed_form(spec: &FinneySpec, q: f64, z: u32, t_over_t: f64) -> f64 {
    if z == 0 {
        return zero_conf(q, t_over_t);
    }
    match spec.give_up {
        Some(d) => analytic::exact_with_give_up(q, z, Convention::CLASSICAL, d),
        None => analytic::exact(q, z, Convention::CLASSICAL).value,
    }
}

/// P(1 + A > H) for A ~ Poisson(q λ), H ~ Poisson(p λ), λ = t/T.
pub fn zero_conf(q: f64, lambda: f64) -> f64 {
    let (la, lh) = (q * lambda, (1.0 - q) * lambda);
    let mut total = 0.0;
    let mut p_h = (-lh).exp(); // P(H = h)
    let mut cdf_a_below = 0.0; // P(A < h)
    let mut p_a = (-la).exp(); // P(A = h)
    for h in 0..10_000u32 {
        total += p_h * (1.0 - cdf_a_below);
        cdf_a_below += p_a;
        let next = f64::from(h + 1);
        p_h *= lh / next;
        p_a *= la / next;
        if p_h < 1e-300 || cdf_a_below >= 1.0 {
            break;
        }
    }
    total
}

/// The literature's Finney success at z = 0: no honest block in the window, e^{−p t/T}
/// (Finney 2011; docs/references.md). Ours differs from it only when the attacker also
/// finds a block within the window and the honest network finds one too: second order.
pub fn literature_zero_conf(q: f64, lambda: f64) -> f64 {
    (-(1.0 - q) * lambda).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_conf_is_within_second_order_of_the_literature() {
        for (q, t) in [(0.1, 15.0), (0.3, 60.0), (0.1, 600.0)] {
            let l = t / 600.0;
            let ours = zero_conf(q, l);
            let lit = literature_zero_conf(q, l);
            assert!(ours >= lit);
            // The gap is P(1 ≤ H ≤ A) ≤ P(H ≥ 1) P(A ≥ 1) ≤ (p λ)(q λ).
            assert!(ours - lit <= (1.0 - q) * l * q * l + 1e-15, "{q} {t}");
        }
        // Finney q = 0.1, t = 60 s: 0.9139 (docs/references.md).
        assert!((literature_zero_conf(0.1, 0.1) - 0.9139).abs() < 1e-4);
    }
}
