//! The rented-hash attacker: it controls share q only during a window of `window` seconds
//! of rented hash rate, may start mining its branch `premine_time` seconds before it
//! broadcasts the payment, and gives up when the window closes; honest blocks arrive at
//! rate (1 − q)/T throughout. With no window limit and no pre-mining it is the majority
//! attack (first-seen, no head start).
//!
//! Pre-mining: the branch is restarted on the public tip whenever an honest block puts it
//! behind, so the head start at the broadcast is the lead of a walk reflected at 0 over
//! Poisson(P/T) blocks (honest blocks found while pre-mining extend the public chain from
//! the fork point: the head start is not a plain Poisson count of the attacker's blocks).
//! Runs on the timed engine (zero latency by default, or a network); its exact
//! zero-latency law ([`exact`], by uniformization) stands beside the simulation.

pub mod exact;

use crate::estimate::results::GiveUp;
use std::sync::Arc;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::finney::private_trial_ns;
use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::error::usage;
use crate::estimate::rng::{SimRng, unit_f64};
use crate::net::Strategy;
use crate::net::events::tick;
use crate::net::private::{HeadStartLaw, Private};
use crate::net::spec::NetworkSpec;
use crate::policy::PrivateBranch;

/// Rented-hash attacker parameters (`[rental]`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RentalSpec {
    /// Seconds of rented hash rate, counted from the start of pre-mining (default: no
    /// limit).
    pub window: Option<f64>,
    /// Seconds of mining before the payment is broadcast (default 0).
    pub premine_time: f64,
}

impl Registered for RentalSpec {
    const INFO: Info = Info {
        name: "rental",
        summary: "Rented hash rate for a window, optional pre-mining, gives up when the window closes",
        gives_up: true,
        first_z: 0,
        convention_closed_form: false,
    };
}

impl RentalSpec {
    /// The exact law at share `q` and block interval `t`, if the values are in its range.
    fn law(&self, q: f64, t: f64) -> Option<exact::Rental> {
        exact::Rental::new(q, t, self.window, self.premine_time).ok()
    }
}

impl TimedAttack for RentalSpec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn keys(&self) -> &'static [(&'static str, Option<&'static str>)] {
        &[
            ("window", Some("seconds")),
            ("premine_time", Some("seconds")),
        ]
    }

    fn validate(&self) -> anyhow::Result<()> {
        let p = self.premine_time;
        if !(p.is_finite() && p >= 0.0) {
            return Err(usage(
                "rental.premine_time",
                p,
                "give a finite number of seconds ≥ 0 (0: no pre-mining)",
            ));
        }
        if let Some(w) = self.window {
            if !(w.is_finite() && w > 0.0) {
                return Err(usage(
                    "rental.window",
                    w,
                    "give a positive number of seconds (leave it out for no limit)",
                ));
            }
            if w < p {
                return Err(usage(
                    "rental.window",
                    w,
                    &format!(
                        "the window starts with pre-mining: make it at least premine_time ({p} s)"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        let window = self
            .window
            .map_or("unlimited window".to_string(), |w| format!("{w} s window"));
        format!(
            "rented-hash attack, {window}, pre-mining {} s, gives up when the window closes",
            self.premine_time
        )
    }

    fn strategy(&self, c: &CellSetting) -> Strategy {
        let deadline = self.window.map(|w| tick(w - self.premine_time));
        Strategy::Private(Private {
            branch: PrivateBranch {
                q: c.q,
                // The exact rest-of-race law assumes unlimited time: only without a window.
                exact_tail: c.exact_tail && deadline.is_none(),
                ..PrivateBranch::default()
            },
            max_deficit: c.max_deficit,
            listening: c.listening,
            deadline,
            extra_lead: (self.premine_time > 0.0).then(|| {
                Arc::new(PreMiningLead {
                    q: c.q,
                    blocks: self.premine_time / c.block_interval,
                }) as Arc<dyn HeadStartLaw>
            }),
            ..Private::default()
        })
    }

    fn closed_form(&self, q: f64, z: u32, s: &Setting<'_>) -> Option<f64> {
        // The exact law is the zero-latency one with z = 0 accepting at the broadcast.
        if s.merchant.listening_period > 0.0 && z == 0 {
            return None;
        }
        Some(self.law(q, s.network.block_interval)?.success(z))
    }

    fn blocks_before_attempt(&self) -> f64 {
        0.0
    }

    fn row_labels(&self) -> (Option<u32>, GiveUp) {
        // Pre-mining for P seconds makes the head start a random count.
        let give_up = match self.window {
            Some(_) => GiveUp::WindowEnd,
            None => GiveUp::Never,
        };
        ((self.premine_time == 0.0).then_some(0), give_up)
    }

    fn cost_by_top(&self) -> bool {
        true
    }

    fn trial_ns(&self, q: f64, z_max: u32, n: &NetworkSpec) -> f64 {
        private_trial_ns(q, z_max, n)
    }
}

/// The head start of pre-mining for `blocks` expected block intervals before the
/// broadcast: the lead of a private branch restarted on the public tip whenever an
/// honest block puts it behind (a walk reflected at 0), over Poisson(`blocks`) blocks,
/// each the attacker's with probability q.
#[derive(Debug)]
struct PreMiningLead {
    q: f64,
    blocks: f64,
}

impl HeadStartLaw for PreMiningLead {
    fn draw(&self, rng: &mut SimRng) -> u32 {
        use rand_distr::{Distribution, Poisson};
        let n = Poisson::new(self.blocks).map_or(0.0, |d| d.sample(rng)) as u64;
        let mut lead = 0u32;
        for _ in 0..n {
            if unit_f64(rng.next_u64()) < self.q {
                lead += 1;
            } else {
                lead = lead.saturating_sub(1);
            }
        }
        lead
    }
}
