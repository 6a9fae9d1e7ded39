//! The majority ("51 %") private-chain double spend. Its default engine is the zero-latency
//! block race (`crate::blockrace::majority`, chosen in `crate::experiment`); with a
//! `[network]` it runs on the timed engine as below.
//!
//! On the timed engine the attacker holds `premined` withheld blocks when the payment is
//! broadcast, mines privately, and publishes once a merchant has accepted and its branch
//! is strictly longer than every public block (`crate::net::private`). Merchant z = 0 is a
//! standing merchant (reversed if the branch is ever ahead after its listening period).
//! Closed form beside: the zero-latency `P_strict(z, k)`; honest forks on a network slow
//! the public chain, so the attacker does better than it.

use serde::{Deserialize, Serialize};

use super::finney::private_trial_ns;
use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::analytic;
use crate::net::Strategy;
use crate::net::private::Private;
use crate::net::spec::NetworkSpec;
use crate::params::{Convention, TieRule};

/// The majority attack's parameters on the timed engine.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MajorityNetSpec {
    /// Head start k.
    pub premined: u32,
    /// Deficit at which the attacker abandons.
    pub give_up: Option<u32>,
}

impl Registered for MajorityNetSpec {
    const INFO: Info = Info {
        name: "majority",
        summary: "Private-chain double spend (\"51 %\")",
        gives_up: true,
        first_z: 0,
        convention_closed_form: true,
    };
}

impl MajorityNetSpec {
    fn convention(&self) -> Convention {
        Convention {
            premined: self.premined,
            tie: TieRule::FirstSeen,
        }
    }
}

impl TimedAttack for MajorityNetSpec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn validate(&self) -> anyhow::Result<()> {
        match self.give_up {
            Some(d) => crate::params::check_give_up("--give-up", d),
            None => Ok(()),
        }
    }

    fn describe(&self) -> String {
        format!("majority attack, head start k = {}", self.premined)
    }

    fn strategy(&self, c: &CellSetting) -> Strategy {
        Strategy::Private(Private {
            q: c.q,
            premined: self.premined,
            one_shot_zero: false,
            give_up: self.give_up,
            exact_tail: c.exact_tail,
            max_deficit: c.max_deficit,
            listening: c.listening,
            ..Private::default()
        })
    }

    fn can_tilt(&self) -> bool {
        true
    }

    fn closed_form(&self, q: f64, z: u32, s: &Setting<'_>) -> Option<f64> {
        if z == 0 && s.merchant.listening_period > 0.0 {
            return None;
        }
        Some(match self.give_up {
            Some(d) => analytic::exact_with_give_up(q, z, self.convention(), d),
            None => analytic::exact(q, z, self.convention()).value,
        })
    }

    fn closed_form_log10(&self, q: f64, z: u32, s: &Setting<'_>) -> Option<f64> {
        let value = self.closed_form(q, z, s)?;
        let l = if self.give_up.is_none() && q > 0.0 {
            analytic::exact(q, z, self.convention()).log10
        } else {
            value.log10()
        };
        l.is_finite().then_some(l)
    }

    fn blocks_before_attempt(&self) -> f64 {
        f64::from(self.premined)
    }

    fn row_labels(&self) -> (u32, Option<u32>) {
        (self.premined, self.give_up)
    }

    fn cost_by_top(&self) -> bool {
        true
    }

    fn trial_ns(&self, q: f64, z_max: u32, n: &NetworkSpec) -> f64 {
        private_trial_ns(q, z_max, n)
    }

    fn experiment_kind(&self) -> &'static str {
        "majority-net"
    }
}
