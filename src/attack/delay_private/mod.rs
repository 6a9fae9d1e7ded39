//! The Δ-bounded adversary of the security proofs, private attack (issue 13, item 1):
//! honest mining at rate λ_h = (1 − q)/T, the adversary at λ_a = q/T, every honest block
//! reaches every honest miner exactly Δ after it is found (the adversary delays each one by
//! the full Δ it is allowed), and the adversary mines a private branch.
//!
//! Honest miners are many, each of infinitesimal share, so a finder sees only delivered
//! blocks: an honest block found at t has height 1 + max{height of honest blocks found at or
//! before t − Δ}. The longest honest chain H(t) then grows as a renewal process: if its
//! first block of height n is found at s_n, no block found before s_n + Δ can have height
//! n + 1 and the first block found after s_n + Δ has it, so
//!
//! ```text
//! s_{n+1} = s_n + Δ + E_n,   E_n ~ Exp(λ_h)
//! ```
//!
//! (the other honest blocks are forks that waste work and never raise H). An honest node,
//! the merchant included, sees H(t − Δ), and its best chain is the one through the first
//! block of each height (first-seen), so the payment V (broadcast at 0, in every honest
//! block found after 0) is z deep for the merchant at τ_z = s_{H(0)+z} + Δ.
//!
//! The adversary receives honest blocks at once. Before the payment it runs the private
//! race of the opportunistic pre-miner: its private height a rises by one per own block
//! and it adopts the honest tip whenever H(t) ≥ a (lead a − H reflected at 0). The race
//! starts `burn_in` mean honest-height intervals (Δ + 1/λ_h each) before the payment, so
//! the lead at 0 follows (up to that truncation) the stationary law of this walk under the
//! delayed honest growth, and the renewal's phase at 0 is stationary too; `premined` fixes
//! the lead instead. After the payment it mines on its branch (holding the conflicting
//! transaction) and never adopts again; merchant z is reversed iff at some moment t ≥ τ_z
//! its branch is strictly longer than every honest chain, a(t) > H(t) (first-seen ties:
//! the honest nodes keep their branch on a tie; it then publishes and every honest node
//! switches). Merchant z = 0 accepts at its listening period. A trial stops when the top
//! merchant is reversed, or when the attacker is `network.max_deficit` blocks behind
//! (truncation, as the majority attack's walked race), or after 10⁶ events (censored).
//!
//! The attack ignores any topology: its default network is the zero-latency one
//! (`TimedAttack::default_network`; on a generated network the graph is built but not
//! used). With Δ = 0 it is the zero-latency
//! majority attack with the stationary head start, whose closed form
//! (`crate::bounds::opportunistic`, or `analytic::exact` for a fixed `premined`) is the
//! `exact` column; for Δ > 0 no closed form is given (docs/delay-adversary.md compares the
//! simulation with the Guo–Ren bounds instead).
//!
//! Importance sampling (`--method is`): [`TiltedLaw`] tilts the attacker's share after the
//! payment (the likelihood ratio carries a term for the Δ windows in which the honest
//! chain cannot grow), [`tail_share`] is the catch-up tilt once every merchant has
//! accepted, and `LeadMixture` draws the pre-mining lead from a defensive mixture of
//! tilted races; the plain path draws exactly what it drew before (docs/delay-adversary.md).

use crate::estimate::results::GiveUp;
use serde::{Deserialize, Serialize};

use super::timed::own_clock::{Clocked, check_delta, check_delta_value};
use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::analytic;
use crate::bounds::opportunistic::{self, LeadLaw};
use crate::error::usage;
use crate::net::Strategy;
use crate::net::spec::{NetworkModel, NetworkSpec};
use crate::params::{Convention, TieRule};

mod sim;

pub use sim::{DelayPrivate, Run, TiltedLaw, tail_share};

/// Who wins a tie of equal-length branches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DelayTie {
    /// Honest nodes keep their first-seen branch: the attacker needs a strictly longer one.
    FirstSeen,
    /// Ties go to the adversary (the Guo–Ren convention): an equally long branch wins.
    Adversary,
}

impl DelayTie {
    /// The tie rule in a description line.
    pub fn describe(self) -> &'static str {
        match self {
            DelayTie::FirstSeen => "first-seen ties",
            DelayTie::Adversary => "ties to the adversary",
        }
    }

    /// The `tie` column of the rows: `first-seen`, or `adversary` (ties won).
    pub fn label(self) -> &'static str {
        match self {
            DelayTie::FirstSeen => "first-seen",
            DelayTie::Adversary => "adversary",
        }
    }
}

/// Δ-bounded private attacker parameters (`[delay-private]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DelayPrivateSpec {
    /// Delay bound Δ in seconds; every honest block is delayed by all of it. Default 10.
    pub delta: f64,
    /// Fixed lead at the payment (default: drawn from the pre-mining race).
    pub premined: Option<u32>,
    /// Length of the pre-mining race before the payment, in mean honest-height intervals
    /// (Δ + T/(1 − q) each). Default 200.
    pub burn_in: u32,
    /// Tie rule: `first-seen` (default) or `adversary`.
    pub tie: DelayTie,
}

impl Default for DelayPrivateSpec {
    fn default() -> Self {
        DelayPrivateSpec {
            delta: 10.0,
            premined: None,
            burn_in: 200,
            tie: DelayTie::FirstSeen,
        }
    }
}

impl Registered for DelayPrivateSpec {
    const INFO: Info = Info {
        name: "delay-private",
        summary: "Δ-bounded adversary: every honest block delayed by Δ, private branch with the pre-mining lead",
        gives_up: false,
        first_z: 1,
        convention_closed_form: false,
    };
}

impl DelayPrivateSpec {
    /// The zero-latency (Δ = 0) value of merchant z: the majority attack with this head
    /// start (a fixed one, or the opportunistic attacker's stationary lead); None at z = 0.
    fn zero_delay_form(&self, q: f64, z: u32) -> Option<f64> {
        if z == 0 {
            return None;
        }
        // A tie won is one block more of head start under first-seen.
        let extra = u32::from(self.tie == DelayTie::Adversary);
        let conv = |premined: u32| Convention {
            premined: premined + extra,
            tie: TieRule::FirstSeen,
        };
        match self.premined {
            Some(k) => Some(analytic::exact(q, z, conv(k)).value),
            None if q < 0.5 => {
                Some(opportunistic::opportunistic(q, z, conv(0), LeadLaw::Stationary).probability)
            }
            None => Some(1.0),
        }
    }
}

impl TimedAttack for DelayPrivateSpec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn keys(&self) -> &'static [(&'static str, Option<&'static str>)] {
        &[
            ("delta", Some("seconds")),
            ("premined", Some("blocks")),
            ("burn_in", Some("blocks")),
            ("tie", None),
        ]
    }

    fn validate(&self) -> anyhow::Result<()> {
        check_delta_value("delay-private.delta", self.delta)?;
        if self.premined.is_none() && self.burn_in == 0 {
            return Err(usage(
                "delay-private.burn_in",
                0,
                "use at least 1 (about 200 reaches the stationary lead below the threshold), or fix premined",
            ));
        }
        Ok(())
    }

    fn validate_on(&self, network: &NetworkSpec) -> anyhow::Result<()> {
        check_delta("delay-private.delta", self.delta, network)
    }

    fn describe(&self) -> String {
        let lead = match self.premined {
            Some(k) => format!("head start k = {k}"),
            None => "stationary pre-mining lead".to_string(),
        };
        let tie = self.tie.describe();
        format!(
            "Δ-bounded private attack, every honest block delayed by Δ = {} s, {lead}, {tie}",
            self.delta
        )
    }

    fn strategy(&self, c: &CellSetting) -> Strategy {
        Strategy::Custom(Box::new(Clocked(DelayPrivate {
            q: c.q,
            block_interval: c.block_interval,
            delta: self.delta,
            premined: self.premined,
            burn_in: self.burn_in,
            ties_win: self.tie == DelayTie::Adversary,
            listening: c.listening,
            max_deficit: c.max_deficit.max(1),
        })))
    }

    fn can_tilt(&self) -> bool {
        true
    }

    fn closed_form(&self, q: f64, z: u32, _: &Setting<'_>) -> Option<f64> {
        // Only Δ = 0 has one: the zero-latency majority attack with this head start.
        if self.delta != 0.0 {
            return None;
        }
        self.zero_delay_form(q, z)
    }

    fn guide(&self, q: f64, z: u32, _: &Setting<'_>) -> Option<f64> {
        // Delays only help the adversary, so its Δ = 0 value is at most the true one: a
        // guide that errs towards importance sampling.
        self.zero_delay_form(q, z)
    }

    fn blocks_before_attempt(&self) -> f64 {
        0.0
    }

    fn tie_label(&self) -> &'static str {
        self.tie.label()
    }

    fn row_labels(&self) -> (Option<u32>, GiveUp) {
        // Without `premined` the lead is drawn from the stationary pre-mining race.
        (self.premined, GiveUp::Never)
    }

    fn cost_by_top(&self) -> bool {
        true
    }

    fn default_network(&self) -> NetworkModel {
        // Its delays are the adversary's Δ, not a graph's: a generated network would be
        // built and never used.
        NetworkModel::None
    }

    fn trial_ns(&self, q: f64, z_max: u32, n: &NetworkSpec) -> f64 {
        let p = (1.0 - q).max(0.01);
        let burn = if self.premined.is_some() {
            0
        } else {
            self.burn_in
        };
        let blocks = (f64::from(burn) + f64::from(z_max + 1) + f64::from(n.max_deficit)) / p;
        40.0 + 15.0 * blocks
    }
}
