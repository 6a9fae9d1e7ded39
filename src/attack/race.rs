//! The race attack: the merchant gets the payment V, the network the conflicting,
//! higher-fee transaction A — at (almost) the same time from other places (first-seen
//! variant) or as a replacement `replace_after` seconds later (full-RBF variant). Who
//! holds which transaction is precomputed per topology ([`crate::net::txprop`]); a trial mines
//! until the first block holding V or A is buried [`SETTLE`] deep in the best chain. The
//! attacker mines too, publicly, on blocks without V, including A.
//!
//! Merchant z = 0 accepts a listening period after first seeing V unless it has seen A by
//! then; merchant z ≥ 1 accepts when V is z deep in its best chain. Either is reversed iff
//! the settled chain holds A (or neither).

use crate::estimate::results::GiveUp;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::estimate::rng::SimRng;
use crate::net::engine::{Acceptance, Finder, Watch, World};
use crate::net::events::{Key, tick};
use crate::net::spec::{NetworkSpec, non_negative};
use crate::net::topology::Topology;
use crate::net::txprop::{self, Tx, TxRelay};
use crate::net::{NetStrategy, Outcome, Prepared, Strategy};

/// Race-attack variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RaceVariant {
    /// Payment to the merchant and conflict to the rest at (almost) the same time; wins
    /// where miners see the conflict first (pre-v28 policy).
    FirstSeen,
    /// Higher-fee replacement broadcast `replace_after` seconds after the payment.
    Rbf,
}

/// Race attack parameters (`[race]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RaceSpec {
    /// `rbf` (default, today's policy) or `first-seen`.
    pub variant: RaceVariant,
    /// First-seen variant: seconds between the payment and the conflicting transaction.
    /// Default 0.
    pub conflict_delay: f64,
    /// RBF variant: seconds between the payment and the replacement (Δ). Default 60.
    pub replace_after: f64,
    /// Helper nodes that inject the conflicting transaction at random places. Default 0.
    pub helpers: u32,
}

impl Default for RaceSpec {
    fn default() -> Self {
        RaceSpec {
            variant: RaceVariant::Rbf,
            conflict_delay: 0.0,
            replace_after: 60.0,
            helpers: 0,
        }
    }
}

impl Registered for RaceSpec {
    const INFO: Info = Info {
        name: "race",
        summary: "Payment to the merchant, conflicting transaction to the network",
        gives_up: false,
        first_z: 0,
        convention_closed_form: false,
    };
}

impl TimedAttack for RaceSpec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn keys(&self) -> &'static [(&'static str, Option<&'static str>)] {
        &[
            ("variant", None),
            ("conflict_delay", Some("seconds")),
            ("replace_after", Some("seconds")),
            ("helpers", Some("helper nodes")),
        ]
    }

    fn validate(&self) -> anyhow::Result<()> {
        non_negative("race.conflict_delay", self.conflict_delay)?;
        non_negative("race.replace_after", self.replace_after)
    }

    fn describe(&self) -> String {
        match self.variant {
            RaceVariant::Rbf => format!(
                "race attack, full-RBF replacement after {} s",
                self.replace_after
            ),
            RaceVariant::FirstSeen => format!(
                "race attack, first-seen, conflict after {} s",
                self.conflict_delay
            ),
        }
    }

    fn helpers(&self) -> u32 {
        self.helpers
    }

    fn prepare(&self, topo: Topology, s: &Setting<'_>, rng: &mut SimRng) -> Prepared {
        let (v, a) = schedule(self, &topo);
        let tx = txprop::spread(&topo, &v, &a, &TxRelay::of(s.network), rng);
        let listen_end = tx.merchant_v_seen.t + tick(s.merchant.listening_period);
        let z0_accepted = tx.merchant_v_seen.t.is_finite() && tx.merchant_a_seen.t > listen_end;
        Prepared {
            topo,
            tx,
            z0_accepted,
        }
    }

    fn strategy(&self, _: &CellSetting) -> Strategy {
        Strategy::Custom(Box::new(Race))
    }

    fn closed_form(&self, q: f64, z: u32, s: &Setting<'_>) -> Option<f64> {
        let t = s.network.block_interval;
        let listen = s.merchant.listening_period;
        match self.variant {
            RaceVariant::FirstSeen => None,
            RaceVariant::Rbf if z >= 1 => Some(0.0),
            RaceVariant::Rbf if self.replace_after <= listen => Some(0.0),
            RaceVariant::Rbf => {
                Some(q + (1.0 - q) * rbf_hash_share(s.network) * (-self.replace_after / t).exp())
            }
        }
    }

    fn blocks_before_attempt(&self) -> f64 {
        0.0
    }

    fn row_labels(&self) -> (Option<u32>, GiveUp) {
        (Some(0), GiveUp::Never)
    }

    fn trial_ns(&self, _: f64, _: u32, _: &NetworkSpec) -> f64 {
        // Nearly flat: a trial mines until the first V- or A-block is settled.
        250.0
    }
}

/// Honest hash share (of the honest total) running full-RBF: leading miners whose
/// cumulative share is within `rbf_share` (see the topology's policy assignment).
pub fn rbf_hash_share(n: &NetworkSpec) -> f64 {
    let mut cum = 0.0;
    let mut rbf = 0.0;
    for s in n.shares() {
        cum += s;
        if cum <= n.rbf_share + 1e-9 {
            rbf = cum;
        }
    }
    rbf
}

/// Depth at which the first block holding V or A counts as final. With a stale rate under
/// 1 %, a reorganisation that deep among honest miners has probability far below 1e-9.
pub const SETTLE: u32 = 6;

/// Injection points of a transaction: (node, when it holds it there).
pub type Sources = Vec<(u32, Key)>;

/// Where and when V and A enter the network: V from the attacker's node at 0 (and pushed
/// straight to the merchant when it accepts incoming connections); A from the attacker's
/// node (and helpers) at `replace_after` (RBF) or `conflict_delay` (first-seen, where V goes
/// only to the merchant if it can, and A comes from the helpers if there are any).
pub fn schedule(spec: &RaceSpec, topo: &Topology) -> (Sources, Sources) {
    let att = topo.attacker() as u32;
    let mer = topo.merchant() as u32;
    let direct = topo.direct.map(|d| (mer, Key::at(tick(d))));
    let mut v = Vec::new();
    let mut a = Vec::new();
    match spec.variant {
        RaceVariant::Rbf => {
            v.push((att, Key::ZERO));
            v.extend(direct);
            a.push((att, Key::at(tick(spec.replace_after))));
            a.extend(
                topo.helpers
                    .iter()
                    .map(|&h| (h, Key::at(tick(spec.replace_after)))),
            );
        }
        RaceVariant::FirstSeen => {
            match direct {
                Some(d) => v.push(d),
                None => v.push((att, Key::ZERO)),
            }
            let at = Key::at(tick(spec.conflict_delay));
            if topo.helpers.is_empty() {
                a.push((att, at));
            }
            a.extend(topo.helpers.iter().map(|&h| (h, at)));
        }
    }
    (v, a)
}

/// The race attacker (its parameters act through the transaction schedule, prepared per
/// topology by [`schedule`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Race;

impl NetStrategy for Race {
    fn trial(
        &self,
        prep: &Prepared,
        w: &mut World,
        acc: &mut Acceptance,
        rng: &mut SimRng,
    ) -> Outcome {
        trial(w, acc, prep.z0_accepted, rng)
    }
}

/// Run one trial on a reset `world`; `z0_accepted` is the merchant's z = 0 decision
/// (fixed per topology, since transaction relay is).
pub fn trial<R: Rng + ?Sized>(
    w: &mut World,
    acc: &mut Acceptance,
    z0_accepted: bool,
    rng: &mut R,
) -> Outcome {
    let att = w.topo.attacker();
    let mut blocks = 0u32;
    let final_pay = loop {
        let (next, who) = w.next_block(rng);
        while w.events.peek_key().is_some_and(|k| k.t <= next) {
            if let Some((_, Watch::Merchant(b))) = w.events.pop() {
                let depth = w.merchant_receives(b);
                acc.see_depth(depth);
            }
        }
        w.t = next;
        match who {
            Finder::Attacker => {
                let parent = w.tip(att, next);
                let tx = (w.blocks[parent as usize].pay != Some(Tx::V)).then_some(Tx::A);
                w.publish(parent, att, Key::at(next), tx, true);
            }
            Finder::Miner(m) => {
                w.mine_honest(m, next);
            }
        }
        blocks += 1;
        if let Some(pay) = settled(w) {
            break Some(pay);
        }
        if blocks >= 100_000 {
            break None;
        }
    };
    let reversed = final_pay.is_some_and(|p| p != Tx::V);
    Outcome {
        top: if reversed && acc.top >= 1 {
            i64::from(acc.top)
        } else {
            -1
        },
        z0: reversed && z0_accepted,
        cost_blocks: orphaned_attacker_blocks(w),
        z0_cost_blocks: orphaned_attacker_blocks(w),
        censored: final_pay.is_none(),
    }
}

/// The transaction of the best chain once its block is `SETTLE` deep.
pub fn settled(w: &World) -> Option<Tx> {
    let best = &w.blocks[w.best() as usize];
    let pay = best.pay?;
    (best.height + 1 >= best.pay_height + SETTLE).then_some(pay)
}

/// Attacker blocks that are not in the best chain.
pub fn orphaned_attacker_blocks(w: &World) -> u64 {
    let best = w.best();
    w.blocks
        .iter()
        .enumerate()
        .filter(|(i, b)| b.attacker && !w.is_ancestor(*i as u32, best))
        .count() as u64
}
