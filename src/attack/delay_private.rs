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

use rand::Rng;
use rand_distr::{Distribution, Exp1};
use serde::{Deserialize, Serialize};

use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::analytic;
use crate::bounds::opportunistic::{self, LeadLaw};
use crate::error::usage;
use crate::estimate::rng::SimRng;
use crate::net::engine::{Acceptance, World};
use crate::net::spec::{NetworkModel, NetworkSpec};
use crate::net::{NetStrategy, Outcome, Prepared, Strategy};
use crate::params::{Convention, TieRule};

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

impl TimedAttack for DelayPrivateSpec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !(self.delta.is_finite() && self.delta >= 0.0) {
            return Err(usage(
                "delay-private.delta",
                self.delta,
                "give a finite number of seconds ≥ 0",
            ));
        }
        if self.premined.is_none() && self.burn_in == 0 {
            return Err(usage(
                "delay-private.burn_in",
                0,
                "use at least 1 (about 200 reaches the stationary lead below the threshold), or fix premined",
            ));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        let lead = match self.premined {
            Some(k) => format!("head start k = {k}"),
            None => "stationary pre-mining lead".to_string(),
        };
        let tie = match self.tie {
            DelayTie::FirstSeen => "first-seen ties",
            DelayTie::Adversary => "ties to the adversary",
        };
        format!(
            "Δ-bounded private attack, every honest block delayed by Δ = {} s, {lead}, {tie}",
            self.delta
        )
    }

    fn strategy(&self, c: &CellSetting) -> Strategy {
        Strategy::Custom(Box::new(DelayPrivate {
            q: c.q,
            block_interval: c.block_interval,
            delta: self.delta,
            premined: self.premined,
            burn_in: self.burn_in,
            ties_win: self.tie == DelayTie::Adversary,
            listening: c.listening,
            max_deficit: c.max_deficit.max(1),
        }))
    }

    fn closed_form(&self, q: f64, z: u32, _: &Setting<'_>) -> Option<f64> {
        // Only Δ = 0 has one: the zero-latency majority attack with this head start.
        if self.delta != 0.0 || z == 0 {
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

    fn blocks_before_attempt(&self) -> f64 {
        0.0
    }

    fn tie_label(&self) -> &'static str {
        self.tie.label()
    }

    fn row_labels(&self) -> (u32, Option<u32>) {
        (self.premined.unwrap_or(0), None)
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

/// The Δ-delaying private attacker of one cell.
#[derive(Clone, Copy, Debug)]
pub struct DelayPrivate {
    /// Attacker share q.
    pub q: f64,
    /// Mean block interval T (seconds).
    pub block_interval: f64,
    /// Delay Δ of every honest block (seconds).
    pub delta: f64,
    /// Fixed lead at the payment (None: the pre-mining race's).
    pub premined: Option<u32>,
    /// Pre-mining race length in mean honest-height intervals.
    pub burn_in: u32,
    /// Ties go to the adversary (else first-seen).
    pub ties_win: bool,
    /// Merchant z = 0 accepts this many seconds after the payment.
    pub listening: f64,
    /// Deficit at which a trial is stopped as lost.
    pub max_deficit: u32,
}

/// Events of one trial before it is called censored.
const MAX_EVENTS: u32 = 1_000_000;

/// What one trial found, free of the engine's types.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Run {
    /// Largest z ≥ 1 reversed (0: none).
    pub top: u32,
    /// Merchant z = 0 reversed.
    pub z0: bool,
    /// The attacker's lead a − H at the payment.
    pub lead: u32,
    /// Attacker blocks mined after the payment.
    pub attacker_blocks: u64,
    /// Stopped at the event cap.
    pub censored: bool,
}

impl DelayPrivate {
    /// One trial against merchants z = 0..=z_max.
    pub fn run<R: Rng + ?Sized>(&self, z_max: u32, rng: &mut R) -> Run {
        let exp = |rng: &mut R| -> f64 { Distribution::<f64>::sample(&Exp1, rng) };
        let honest_rate = (1.0 - self.q) / self.block_interval;
        let attacker_rate = self.q / self.block_interval;
        let honest_gap = |rng: &mut R| self.delta + exp(rng) / honest_rate;
        let attacker_gap = |rng: &mut R| {
            if attacker_rate > 0.0 {
                exp(rng) / attacker_rate
            } else {
                f64::INFINITY
            }
        };
        // Pre-mining race from −B, with an honest height increment at −B.
        let span = f64::from(self.burn_in) * (self.delta + 1.0 / honest_rate);
        let (mut h, mut a) = (0u64, 0u64);
        let mut next_h = -span + honest_gap(rng);
        let mut next_a = -span + attacker_gap(rng);
        while next_h.min(next_a) < 0.0 {
            if next_a < next_h {
                a += 1;
                next_a += attacker_gap(rng);
            } else {
                h += 1;
                a = a.max(h);
                next_h += honest_gap(rng);
            }
        }
        if let Some(k) = self.premined {
            a = h + u64::from(k);
        }
        let (h0, lead) = (h, (a - h) as u32);
        let mut run = Run {
            lead,
            ..Run::default()
        };
        // Acceptance times: τ_z = s_{h0+z} + Δ, pushed as the increments happen.
        let mut accept_at: std::collections::VecDeque<f64> = Default::default();
        let mut accepted = 0u32; // merchants z ≥ 1 that have accepted
        let mut z0_open = self.listening <= 0.0;
        let mut events = 0u32;
        loop {
            // The state (a, h, accepted) after the event at t.
            if a > h || (self.ties_win && a == h) {
                run.top = run.top.max(accepted);
                run.z0 |= z0_open;
            }
            if run.top == z_max && run.z0 {
                break;
            }
            if h >= a + u64::from(self.max_deficit) {
                break;
            }
            events += 1;
            if events > MAX_EVENTS {
                run.censored = true;
                break;
            }
            let next_acc = accept_at.front().copied().unwrap_or(f64::INFINITY);
            let next_z0 = if z0_open {
                f64::INFINITY
            } else {
                self.listening
            };
            let next = next_h.min(next_a).min(next_acc).min(next_z0);
            if next == next_a {
                a += 1;
                run.attacker_blocks += 1;
                next_a = next + attacker_gap(rng);
            } else if next == next_h {
                h += 1;
                if h - h0 <= u64::from(z_max) {
                    accept_at.push_back(next + self.delta);
                }
                next_h = next + honest_gap(rng);
            } else if next == next_acc {
                accept_at.pop_front();
                accepted += 1;
            } else {
                z0_open = true;
            }
        }
        run
    }
}

impl NetStrategy for DelayPrivate {
    fn trial(
        &self,
        _: &Prepared,
        _: &mut World,
        acc: &mut Acceptance,
        rng: &mut SimRng,
    ) -> Outcome {
        let z_max = acc.accepted.len() as u32 - 1;
        let run = self.run(z_max, rng);
        acc.see_depth(run.top);
        let lost = |won: bool| if won { 0 } else { run.attacker_blocks };
        Outcome {
            top: if run.top >= 1 { i64::from(run.top) } else { -1 },
            z0: run.z0,
            cost_blocks: lost(run.top == z_max),
            z0_cost_blocks: lost(run.z0),
            censored: run.censored,
        }
    }
}
