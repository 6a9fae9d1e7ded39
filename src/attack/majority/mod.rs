//! The majority ("51 %") private-chain double spend, on both engines.
//!
//! One parameter table, [`MajoritySpec`] (`[majority]` in a scenario file; `--premined`,
//! `--tie`, `--classical`, `--give-up`, `--walk` on the command line), validated here for
//! both engines. Without a network the attack runs on the zero-latency block race, its
//! default engine ([`race`]: exact closed forms with any head start and tie rule, importance
//! sampling, real proof of work); with a network it runs on the timed engine below. Both
//! play the same private-branch rule, `crate::policy::PrivateBranch`.
//!
//! On the timed engine the attacker holds `premined` withheld blocks when the payment is
//! broadcast, mines privately, and publishes once a merchant has accepted and its branch
//! is strictly longer than every public block (`crate::net::private`). Merchant z = 0 is a
//! standing merchant (reversed if the branch is ever ahead after its listening period).
//! Closed form beside: the zero-latency `P_strict(z, k)`; honest forks on a network slow
//! the public chain, so the attacker does better than it.

pub mod race;

use crate::estimate::results::GiveUp;
use serde::{Deserialize, Serialize};

use super::finney::private_trial_ns;
use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::analytic;
use crate::error::usage;
use crate::net::Strategy;
use crate::net::private::Private;
use crate::net::spec::NetworkSpec;
use crate::params::{Convention, TieRule};
use crate::policy::PrivateBranch;
pub use race::{BlockRace, RaceMajority};

/// The majority attack's parameters, as the table and the flags give them (every key
/// optional; [`MajoritySpec::convention`] resolves them).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MajoritySpec {
    /// Head start k [default: 0].
    pub premined: Option<u32>,
    /// Tie rule: `first-seen` or `gamma=G` [default: first-seen]. Block race only.
    pub tie: Option<String>,
    /// The literature's convention: first-seen with k = 1 (excludes `premined` and `tie`).
    pub classical: bool,
    /// Deficit at which the attacker abandons [default: never].
    pub give_up: Option<u32>,
    /// Walk every trial to its end instead of resolving the tail exactly (block race only,
    /// for validation; needs `give_up`).
    pub walk: bool,
}

/// Serialised in its resolved form (the `classical` shorthand as k = 1), and on the timed
/// engine exactly as earlier builds did (`premined`, `give_up`), so fingerprints,
/// checkpoints and shards keep their meaning; `tie` and `walk` appear only when set.
impl Serialize for MajoritySpec {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            premined: u32,
            give_up: Option<u32>,
            #[serde(skip_serializing_if = "Option::is_none")]
            tie: Option<&'a str>,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            walk: bool,
        }
        let premined = if self.classical {
            1
        } else {
            self.premined.unwrap_or(0)
        };
        Wire {
            premined,
            give_up: self.give_up,
            tie: self.tie.as_deref().filter(|t| *t != "first-seen"),
            walk: self.walk,
        }
        .serialize(ser)
    }
}

impl Registered for MajoritySpec {
    const INFO: Info = Info {
        name: "majority",
        summary: "Private-chain double spend (\"51 %\")",
        gives_up: true,
        first_z: 0,
        convention_closed_form: true,
    };
}

impl MajoritySpec {
    /// Head start and tie rule; errors name the key (`majority.tie`).
    pub fn convention(&self) -> anyhow::Result<Convention> {
        if self.classical {
            if let Some(clash) = [
                self.premined.map(|k| ("majority.premined", k.to_string())),
                self.tie.clone().map(|t| ("majority.tie", t)),
            ]
            .into_iter()
            .flatten()
            .next()
            {
                return Err(usage(
                    "majority.classical",
                    true,
                    &format!(
                        "classical = true already fixes tie = \"first-seen\" and premined = 1; \
                         remove {} or set classical = false",
                        clash.0
                    ),
                ));
            }
            return Ok(Convention::CLASSICAL);
        }
        let tie = match &self.tie {
            None => TieRule::FirstSeen,
            Some(t) => TieRule::parse("majority.tie", t)?,
        };
        Ok(Convention {
            premined: self.premined.unwrap_or(0),
            tie,
        })
    }

    /// The give-up rule, checked; errors name `majority.give_up` and `majority.walk`.
    fn checked_give_up(&self) -> anyhow::Result<Option<u32>> {
        if let Some(d) = self.give_up {
            crate::params::check_give_up("majority.give_up", d)?;
        }
        if self.walk && self.give_up.is_none() {
            return Err(usage(
                "majority.walk",
                true,
                "a walked race needs an end: give a give-up deficit (--give-up D, or give_up = D in a scenario file), e.g. 40",
            ));
        }
        Ok(self.give_up)
    }

    /// The attack on the zero-latency block race, validated.
    pub fn on_block_race(&self) -> anyhow::Result<RaceMajority> {
        Ok(RaceMajority {
            convention: self.convention()?,
            give_up: self.checked_give_up()?,
            walk: self.walk,
        })
    }

    /// Head start k (valid tables).
    fn premined_blocks(&self) -> u32 {
        self.convention().map_or(0, |c| c.premined)
    }

    fn net_convention(&self) -> Convention {
        Convention {
            premined: self.premined_blocks(),
            tie: TieRule::FirstSeen,
        }
    }
}

impl TimedAttack for MajoritySpec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn keys(&self) -> &'static [(&'static str, Option<&'static str>)] {
        &[
            ("premined", Some("blocks")),
            ("tie", None),
            ("classical", None),
            ("give_up", Some("blocks behind")),
            ("walk", None),
        ]
    }

    fn validate(&self) -> anyhow::Result<()> {
        let conv = self.convention()?;
        self.checked_give_up()?;
        if conv.tie != TieRule::FirstSeen {
            return Err(usage(
                "majority.tie",
                conv.tie,
                "on a network ties are settled by arrival order (first-seen); remove the tie rule",
            ));
        }
        if self.walk {
            return Err(usage(
                "majority.walk",
                true,
                "on a network every race is walked block by block; remove walk",
            ));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("majority attack, head start k = {}", self.premined_blocks())
    }

    fn strategy(&self, c: &CellSetting) -> Strategy {
        Strategy::Private(Private {
            branch: PrivateBranch {
                q: c.q,
                premined: self.premined_blocks(),
                give_up: self.give_up,
                exact_tail: c.exact_tail,
                ..PrivateBranch::default()
            },
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
            Some(d) => analytic::exact_with_give_up(q, z, self.net_convention(), d),
            None => analytic::exact(q, z, self.net_convention()).value,
        })
    }

    fn closed_form_log10(&self, q: f64, z: u32, s: &Setting<'_>) -> Option<f64> {
        let value = self.closed_form(q, z, s)?;
        let l = if self.give_up.is_none() && q > 0.0 {
            analytic::exact(q, z, self.net_convention()).log10
        } else {
            value.log10()
        };
        l.is_finite().then_some(l)
    }

    fn blocks_before_attempt(&self) -> f64 {
        f64::from(self.premined_blocks())
    }

    fn row_labels(&self) -> (Option<u32>, GiveUp) {
        (Some(self.premined_blocks()), GiveUp::deficit(self.give_up))
    }

    fn cost_by_top(&self) -> bool {
        true
    }

    fn trial_ns(&self, q: f64, z_max: u32, n: &NetworkSpec) -> f64 {
        private_trial_ns(q, z_max, n)
    }

    fn block_race(&self) -> Option<anyhow::Result<RaceMajority>> {
        Some(self.on_block_race())
    }

    fn experiment_kind(&self) -> &'static str {
        "majority-net"
    }
}
