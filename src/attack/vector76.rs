//! The Vector76 (one-confirmation) attack. At the start the attacker holds one withheld
//! block with the payment V (V is never broadcast as a transaction) and keeps mining on it
//! privately. When its node hears of an honest block at height h and its branch has at
//! least h blocks, it pushes its blocks up to height h straight to the merchant (a direct
//! connection: only if the merchant accepts incoming connections; otherwise it can only
//! publish them from its own node) and, at the first push, broadcasts the conflicting
//! transaction A from its node (and helpers). The merchant relays what it receives like
//! any node, so miners that see the attacker's block first at a height mine on it.
//!
//! At z ≥ 2 the attacker proceeds the same way, height by height: merchant z accepts when
//! the attacker's branch holding V is z deep in its best chain. The attacker never shows
//! a branch longer than the honest one (the network would adopt it and confirm V); once it
//! falls behind (an honest block at a height it cannot match) or every merchant has
//! accepted, it stops the private branch and mines publicly on the best block without V.
//! A trial ends when the best chain's first V- or A-block is [`SETTLE`] deep; merchants
//! that accepted are reversed iff that chain does not hold V.
//!
//! Merchant z = 0 first sees V inside the pushed block and accepts a listening period
//! later unless A reached it by then.

use crate::estimate::results::GiveUp;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::race::{SETTLE, orphaned_attacker_blocks, settled};
use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::estimate::rng::SimRng;
use crate::net::engine::{Acceptance, Finder, Watch, World};
use crate::net::events::Key;
use crate::net::spec::{Incoming, NetworkModel, NetworkSpec};
use crate::net::topology::Topology;
use crate::net::txprop::{self, Tx, TxRelay, TxTimes};
use crate::net::{NetStrategy, Outcome, Prepared, Strategy};

/// Vector76 attack parameters (`[vector76]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Vector76Spec {
    /// Helper nodes that also inject the conflicting transaction. Default 0.
    pub helpers: u32,
    /// The attacker keeps matching honest heights until a merchant waiting this many
    /// confirmations has accepted (or it falls behind). Part of the attack, not of the
    /// report: every z is measured against the same plan, whatever z a run asks for.
    /// Default 6.
    pub plan_depth: u32,
}

impl Default for Vector76Spec {
    fn default() -> Self {
        Vector76Spec {
            helpers: 0,
            plan_depth: DEFAULT_PLAN_DEPTH,
        }
    }
}

/// Default of `[vector76] plan_depth`: the six confirmations of common advice.
pub const DEFAULT_PLAN_DEPTH: u32 = 6;

/// Largest `plan_depth` (a plan deeper than this never finishes matching in practice).
const MAX_PLAN_DEPTH: u32 = 100;

impl Registered for Vector76Spec {
    const INFO: Info = Info {
        name: "vector76",
        summary: "One-confirmation attack through a direct connection to the merchant",
        gives_up: false,
        first_z: 1,
        convention_closed_form: false,
    };
}

impl TimedAttack for Vector76Spec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn keys(&self) -> &'static [(&'static str, Option<&'static str>)] {
        &[
            ("helpers", Some("helper nodes")),
            ("plan_depth", Some("confirmations")),
        ]
    }

    fn describe(&self) -> String {
        "Vector76 attack".to_string()
    }

    fn helpers(&self) -> u32 {
        self.helpers
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !(1..=MAX_PLAN_DEPTH).contains(&self.plan_depth) {
            return Err(crate::error::usage(
                "vector76.plan_depth",
                self.plan_depth,
                &format!("use a confirmation count from 1 to {MAX_PLAN_DEPTH}"),
            ));
        }
        Ok(())
    }

    fn plan_depth(&self) -> u32 {
        self.plan_depth
    }

    fn prepare(&self, topo: Topology, s: &Setting<'_>, rng: &mut SimRng) -> Prepared {
        let att = topo.attacker() as u32;
        let mut a: Vec<(u32, Key)> = vec![(att, Key::ZERO)];
        a.extend(topo.helpers.iter().map(|&h| (h, Key::ZERO)));
        let tx = txprop::spread(&topo, &[], &a, &TxRelay::of(s.network), rng);
        Prepared {
            topo,
            tx,
            z0_accepted: false,
        }
    }

    fn strategy(&self, c: &CellSetting) -> Strategy {
        Strategy::Custom(Box::new(Vector76 {
            listening: c.listening,
            plan_depth: self.plan_depth,
        }))
    }

    fn closed_form(&self, q: f64, z: u32, s: &Setting<'_>) -> Option<f64> {
        match (s.merchant.incoming, z) {
            (Incoming::Deny, _) | (_, 0) => Some(0.0),
            // The zero-latency limit assumes the merchant always sees the attacker's
            // block first; on a real network that is the very race being measured, so
            // the limit (1 at z = 1) would mislead beside the estimate: leave it empty.
            (Incoming::Allow, _) if s.network.model != NetworkModel::None => None,
            (Incoming::Allow, z) => Some(closed_form(q, z)),
        }
    }

    fn blocks_before_attempt(&self) -> f64 {
        1.0
    }

    fn row_labels(&self) -> (Option<u32>, GiveUp) {
        (Some(1), GiveUp::Never)
    }

    fn trial_ns(&self, _: f64, _: u32, _: &NetworkSpec) -> f64 {
        550.0
    }
}

/// The Vector76 attacker; the merchant's listening period decides its z = 0 outcome.
#[derive(Clone, Copy, Debug)]
pub struct Vector76 {
    /// Merchant's listening period (seconds, on the time grain).
    pub listening: f64,
    /// Matching stops once merchant `plan_depth` has accepted (`Vector76Spec::plan_depth`).
    pub plan_depth: u32,
}

impl NetStrategy for Vector76 {
    fn trial(
        &self,
        prep: &Prepared,
        w: &mut World,
        acc: &mut Acceptance,
        rng: &mut SimRng,
    ) -> Outcome {
        trial(w, acc, &prep.tx, self.listening, self.plan_depth, rng)
    }

    fn watches_blocks(&self) -> bool {
        true
    }
}

/// Per-trial state of the attacker.
struct State {
    /// Private branch length (the first block holds V).
    a: u32,
    /// Heights already pushed to the merchant.
    delivered: u32,
    /// Index of the last pushed block (the fork point before the first push).
    last: u32,
    /// Still matching honest heights.
    keeping: bool,
    /// When A was broadcast.
    a_time: Option<f64>,
    z0_accepted: Option<bool>,
}

/// Run one trial on a reset `world` (with `watch_attacker` on). `a_base` holds A's
/// relay times from a broadcast at 0; they are shifted to the moment of the first push.
pub fn trial<R: Rng + ?Sized>(
    w: &mut World,
    acc: &mut Acceptance,
    a_base: &TxTimes,
    listening: f64,
    plan_depth: u32,
    rng: &mut R,
) -> Outcome {
    let mut st = State {
        a: 1,
        delivered: 0,
        last: 0,
        keeping: true,
        a_time: None,
        z0_accepted: None,
    };
    reset_tx(&mut w.tx);
    debug_assert!(
        acc.accepted.len() > plan_depth as usize,
        "the cell tracks the plan"
    );
    let mut blocks = 0u32;
    let final_pay = loop {
        let (next, who) = w.next_block(rng);
        while w.events.peek_key().is_some_and(|k| k.t <= next) {
            if let Some((k, ev)) = w.events.pop() {
                handle(w, acc, &mut st, a_base, listening, k, ev);
            }
        }
        w.t = next;
        // Done once merchant `plan_depth` (so every one below it) accepted, or once the
        // pushed branch is so long that it would need a reorganisation deeper than SETTLE.
        // Never the largest *requested* z: the plan may not depend on the report.
        let planned = acc.accepted[plan_depth as usize];
        if st.keeping && (planned || st.delivered >= plan_depth + SETTLE) {
            st.keeping = false;
        }
        match who {
            Finder::Attacker if st.keeping => st.a += 1,
            Finder::Attacker => {
                let parent = attacker_parent(w, next);
                w.publish(parent, w.topo.attacker(), Key::at(next), Some(Tx::A), true);
            }
            Finder::Miner(m) => {
                w.mine_honest(m, next);
            }
        }
        blocks += 1;
        if !st.keeping
            && let Some(pay) = settled(w)
        {
            break Some(pay);
        }
        if blocks >= 100_000 {
            break None;
        }
    };
    let reversed = final_pay.is_some_and(|p| p != Tx::V);
    let withheld = u64::from(st.a - st.delivered);
    let lost = orphaned_attacker_blocks(w) + withheld;
    Outcome {
        top: if reversed && acc.top >= 1 {
            i64::from(acc.top)
        } else {
            -1
        },
        z0: reversed && st.z0_accepted == Some(true),
        cost_blocks: lost,
        z0_cost_blocks: lost,
        censored: final_pay.is_none(),
    }
}

fn reset_tx(tx: &mut TxTimes) {
    tx.a_acc.iter_mut().for_each(|k| *k = Key::NEVER);
    tx.v_acc.iter_mut().for_each(|k| *k = Key::NEVER);
    tx.merchant_a_seen = Key::NEVER;
    tx.merchant_v_seen = Key::NEVER;
}

fn handle(
    w: &mut World,
    acc: &mut Acceptance,
    st: &mut State,
    a_base: &TxTimes,
    listening: f64,
    k: Key,
    ev: Watch,
) {
    match ev {
        Watch::Merchant(b) => {
            let depth = w.merchant_receives(b);
            acc.see_depth(depth);
            if depth >= 1 && st.z0_accepted.is_none() {
                // First sight of V (inside a block): accept after the listening period
                // unless A arrives by then.
                st.z0_accepted = Some(w.tx.merchant_a_seen.t > k.t + listening);
            }
        }
        Watch::Attacker(b) => {
            let h = w.blocks[b as usize].height;
            if !st.keeping || h <= st.delivered {
                return;
            }
            if st.a < h {
                st.keeping = false;
                return;
            }
            push(w, st, h, k);
            if st.a_time.is_none() {
                st.a_time = Some(k.t);
                for (dst, src) in w.tx.a_acc.iter_mut().zip(&a_base.a_acc) {
                    *dst = Key {
                        t: src.t + k.t,
                        hops: src.hops,
                    };
                }
                w.tx.merchant_a_seen = Key {
                    t: a_base.merchant_a_seen.t + k.t,
                    hops: a_base.merchant_a_seen.hops,
                };
            }
        }
    }
}

/// Push private blocks up to height `h`, learned at `k`, to the merchant.
fn push(w: &mut World, st: &mut State, h: u32, k: Key) {
    let (origin, key0) = match w.topo.direct {
        // A direct connection: the merchant has it after the link and its own validation;
        // it passed through no relay.
        Some(d) => {
            let m = w.topo.merchant();
            (m, Key::at(k.t + d + w.topo.hop[m]))
        }
        None => (w.topo.attacker(), k),
    };
    for height in st.delivered + 1..=h {
        // The first block holds V, which was never broadcast: every node that receives it
        // as a compact block must ask for V (docs/network.md §1, compact blocks).
        st.last = match height {
            1 => w.publish_unseen(st.last, origin, key0, Tx::V),
            _ => w.publish(st.last, origin, key0, None, true),
        };
    }
    st.delivered = h;
}

/// After the attack phase the attacker mines like an honest node on its own view of the
/// best chain, preferring a block without V among equally high ones (it does not fight a
/// longer V branch: that would be a majority attack, not Vector76).
fn attacker_parent(w: &mut World, t: f64) -> u32 {
    let att = w.topo.attacker();
    let tip = w.tip(att, t);
    if w.blocks[tip as usize].pay != Some(Tx::V) {
        return tip;
    }
    let h = w.blocks[tip as usize].height;
    (0..w.blocks.len() as u32)
        .find(|&b| {
            let blk = &w.blocks[b as usize];
            blk.height == h && blk.pay != Some(Tx::V) && w.arrival(b, att).t <= t
        })
        .unwrap_or(tip)
}

/// Zero-latency closed form with a direct connection: merchant z ≥ 1 accepts iff the
/// private branch (one block ahead at the start) is never behind right after each of the
/// first z honest blocks. Between honest blocks the attacker finds G blocks with
/// P(G = g) = q^g p; the lead after honest block i is lead + G − 1 and must stay ≥ 0.
pub fn closed_form(q: f64, z: u32) -> f64 {
    if z == 0 {
        return 0.0;
    }
    if q >= 1.0 {
        return 1.0;
    }
    const CAP: usize = 600;
    let p = 1.0 - q;
    let geo: Vec<f64> = (0..CAP).map(|g| q.powi(g as i32) * p).collect();
    let mut f = vec![0.0; CAP + 1];
    f[1] = 1.0;
    let mut g = vec![0.0; CAP + 1];
    for _ in 0..z {
        g.iter_mut().for_each(|x| *x = 0.0);
        for (lead, &m) in f.iter().enumerate() {
            if m == 0.0 {
                continue;
            }
            if lead == CAP {
                g[CAP] += m; // far ahead: survives every later step for our purposes
                continue;
            }
            let mut rest = m;
            for (gg, &pg) in geo.iter().enumerate() {
                let nl = lead + gg;
                if nl == 0 {
                    rest -= m * pg; // behind: falls out
                    continue;
                }
                let nl = (nl - 1).min(CAP);
                g[nl] += m * pg;
                rest -= m * pg;
                if m * pg < 1e-300 {
                    break;
                }
            }
            g[CAP] += rest.max(0.0);
        }
        std::mem::swap(&mut f, &mut g);
    }
    f.iter().sum::<f64>().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_is_one_at_one_confirmation_and_falls() {
        assert!((closed_form(0.1, 1) - 1.0).abs() < 1e-12);
        // z = 2: after the first honest block the lead is G ≥ 0; it must be ≥ 1 before the
        // second honest block, i.e. the attacker finds at least one block in between two
        // honest ones... plus more: P = 1 − P(G1 = 0, G2 = 0) = 1 − p².
        let q: f64 = 0.1;
        assert!((closed_form(q, 2) - (1.0 - (1.0 - q).powi(2))).abs() < 1e-12);
        assert!(closed_form(q, 3) < closed_form(q, 2));
    }
}
