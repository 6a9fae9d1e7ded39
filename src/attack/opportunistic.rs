//! The opportunistic attacker (Sompolinsky and Zohar, "Bitcoin's security model
//! revisited", 2016): it mines on a private branch all the time and pays when the moment
//! comes, so its head start is not a fixed k but the lead of a pre-mining race run since
//! long before the payment, drawn from that race's stationary law P[lead ≥ l] = (q/p)^l.
//! From the payment on it plays the majority attack's private branch on the timed engine
//! (`crate::net::private`); merchant z = 0 is a standing merchant.
//!
//! Closed form beside it: the head-start closed form averaged over the stationary lead
//! (`crate::bounds::opportunistic`, docs/delay-adversary.md), the zero-latency limit. For
//! q ≥ ½ the lead has no stationary law: the attacker starts without one and, holding the
//! majority, wins surely all the same (closed form 1).

use crate::estimate::results::GiveUp;
use std::sync::Arc;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::finney::private_trial_ns;
use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::bounds::opportunistic::{LeadLaw, opportunistic};
use crate::estimate::rng::{SimRng, unit_f64};
use crate::net::Strategy;
use crate::net::private::{HeadStartLaw, Private};
use crate::net::spec::NetworkSpec;
use crate::params::{Convention, TieRule};
use crate::policy::PrivateBranch;

/// The opportunistic attacker's parameters (`[opportunistic]`): none besides q and z.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpportunisticSpec {}

impl Registered for OpportunisticSpec {
    const INFO: Info = Info {
        name: "opportunistic",
        summary: "Private branch mined all the time; head start from its stationary lead",
        gives_up: false,
        first_z: 0,
        convention_closed_form: true,
    };
}

impl TimedAttack for OpportunisticSpec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn keys(&self) -> &'static [(&'static str, Option<&'static str>)] {
        &[]
    }

    fn describe(&self) -> String {
        "opportunistic attacker (head start from the stationary pre-mining lead)".to_string()
    }

    fn strategy(&self, c: &CellSetting) -> Strategy {
        Strategy::Private(Private {
            branch: PrivateBranch {
                q: c.q,
                exact_tail: c.exact_tail,
                ..PrivateBranch::default()
            },
            max_deficit: c.max_deficit,
            listening: c.listening,
            extra_lead: Some(Arc::new(StationaryLead { q: c.q })),
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
        let conv = Convention {
            premined: 0,
            tie: TieRule::FirstSeen,
        };
        Some(opportunistic(q, z, conv, LeadLaw::Stationary).probability)
    }

    fn blocks_before_attempt(&self) -> f64 {
        0.0
    }

    fn row_labels(&self) -> (Option<u32>, GiveUp) {
        // The head start is drawn from the stationary law of the pre-mining race.
        (None, GiveUp::Never)
    }

    fn cost_by_top(&self) -> bool {
        true
    }

    fn trial_ns(&self, q: f64, z_max: u32, n: &NetworkSpec) -> f64 {
        private_trial_ns(q, z_max, n)
    }
}

/// The head start drawn from the stationary law of a pre-mining race run since long
/// before the payment: P[lead ≥ l] = ρ^l, ρ = q/p (`crate::bounds::opportunistic`).
#[derive(Debug)]
struct StationaryLead {
    q: f64,
}

impl HeadStartLaw for StationaryLead {
    /// By inversion: lead = ⌊ln U / ln ρ⌋ for U uniform on (0, 1]; 0 when q = 0.
    fn draw(&self, rng: &mut SimRng) -> u32 {
        let rho = self.q / (1.0 - self.q);
        if rho <= 0.0 {
            return 0;
        }
        let u = 1.0 - unit_f64(rng.next_u64()); // in (0, 1]
        (u.ln() / rho.ln()).floor().min(f64::from(u32::MAX / 2)) as u32
    }
}
