//! The race attack: the merchant gets the payment V, the network the conflicting,
//! higher-fee transaction A — at (almost) the same time from other places (first-seen
//! variant) or as a replacement `replace_after` seconds later (full-RBF variant). Who
//! holds which transaction is precomputed per topology ([`super::txprop`]); a trial mines
//! until the first block holding V or A is buried [`SETTLE`] deep in the best chain. The
//! attacker mines too, publicly, on blocks without V, including A.
//!
//! Merchant z = 0 accepts a listening period after first seeing V unless it has seen A by
//! then; merchant z ≥ 1 accepts when V is z deep in its best chain. Either is reversed iff
//! the settled chain holds A (or neither).

use rand::Rng;

use super::cell::Prepared;
use super::engine::{Acceptance, Finder, Watch, World};
use super::events::{Key, tick};
use super::spec::{RaceSpec, RaceVariant};
use super::topology::Topology;
use super::txprop::Tx;
use super::{NetStrategy, Outcome};

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
    fn trial<R: Rng + ?Sized>(
        &self,
        prep: &Prepared,
        w: &mut World,
        acc: &mut Acceptance,
        rng: &mut R,
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
