//! Transaction relay with mempool policies, computed once per topology and schedule.
//!
//! Two conflicting transactions: the payment to the merchant (V) and the attacker's
//! conflicting one (A, the higher fee). A node accepts the first it receives and relays
//! it; a full-RBF node holding V replaces it by A and relays A; a first-seen node keeps V
//! and, only with double-spend alerts on, relays A once without accepting it. Observers
//! forward everything to the merchant. The attacker's node relays nothing. Every decision
//! depends only on earlier deliveries, so one label-setting pass (Dijkstra over
//! deliveries) gives the exact arrival and acceptance times.

use super::events::{Key, Queue};
use super::topology::Topology;

/// Which transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tx {
    /// The payment to the merchant.
    V,
    /// The attacker's conflicting transaction.
    A,
}

/// When each place holds which transaction, and when the merchant first heard of each.
#[derive(Clone, Debug)]
pub struct TxTimes {
    /// Per place: when V entered its mempool (`Key::NEVER`: never).
    pub v_acc: Vec<Key>,
    /// Per place: when A entered its mempool.
    pub a_acc: Vec<Key>,
    /// When the merchant first received V (in a transaction).
    pub merchant_v_seen: Key,
    /// When the merchant first received A (accepted or not): the conflict's detection.
    pub merchant_a_seen: Key,
}

impl TxTimes {
    /// No transaction anywhere.
    pub fn empty(places: usize) -> TxTimes {
        TxTimes {
            v_acc: vec![Key::NEVER; places],
            a_acc: vec![Key::NEVER; places],
            merchant_v_seen: Key::NEVER,
            merchant_a_seen: Key::NEVER,
        }
    }

    /// The transaction place `p`'s mempool offers for a block template at time `t`.
    #[inline]
    pub fn mempool(&self, p: usize, t: f64) -> Option<Tx> {
        if self.a_acc[p].t <= t {
            Some(Tx::A)
        } else if self.v_acc[p].t <= t {
            Some(Tx::V)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, Default)]
struct NodeState {
    holds: Option<Tx>,
    relayed_v: bool,
    relayed_a: bool,
}

/// Spread V from `v_src` and A from `a_src` (node, key at which it holds the tx there).
pub fn spread(
    topo: &Topology,
    v_src: &[(u32, Key)],
    a_src: &[(u32, Key)],
    alerts: bool,
) -> TxTimes {
    let n = topo.links.len();
    let (att, mer) = (topo.attacker(), topo.merchant());
    let mut state = vec![NodeState::default(); n];
    let mut out = TxTimes::empty(topo.places());
    let mut observer = vec![false; n];
    for &o in &topo.observers {
        observer[o as usize] = true;
    }
    // (node, tx, from a source: sends without trickle)
    let mut q: Queue<(u32, Tx, bool)> = Queue::new();
    for &(s, k) in v_src {
        q.push(k, (s, Tx::V, true));
    }
    for &(s, k) in a_src {
        q.push(k, (s, Tx::A, true));
    }
    while let Some((k, (x, tx, source))) = q.pop() {
        let xi = x as usize;
        if xi == mer {
            let seen = match tx {
                Tx::V => &mut out.merchant_v_seen,
                Tx::A => &mut out.merchant_a_seen,
            };
            *seen = (*seen).min(k);
        }
        if xi == att && !source {
            continue;
        }
        let relay = receive(&mut state[xi], tx, topo.rbf[xi], alerts || observer[xi]);
        if let Some(accepted) = relay.accepted
            && xi < topo.places()
        {
            let slot = match accepted {
                Tx::V => &mut out.v_acc[xi],
                Tx::A => &mut out.a_acc[xi],
            };
            *slot = (*slot).min(k);
        }
        if relay.forward {
            for l in &topo.links[xi] {
                let d = l.latency + if source { 0.0 } else { l.trickle };
                q.push(
                    Key {
                        t: k.t + d,
                        hops: k.hops + 1,
                    },
                    (l.to, tx, false),
                );
            }
        }
    }
    out
}

struct Relay {
    accepted: Option<Tx>,
    forward: bool,
}

fn receive(s: &mut NodeState, tx: Tx, rbf: bool, forwards_conflicts: bool) -> Relay {
    let accepted = match (s.holds, tx) {
        (None, _) => Some(tx),
        (Some(Tx::V), Tx::A) if rbf => Some(Tx::A),
        _ => None,
    };
    if accepted.is_some() {
        s.holds = accepted;
    }
    let already = match tx {
        Tx::V => &mut s.relayed_v,
        Tx::A => &mut s.relayed_a,
    };
    let forward = !*already && (accepted.is_some() || forwards_conflicts);
    *already |= forward;
    Relay { accepted, forward }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::spec::{MerchantSpec, NetworkModel, NetworkSpec};
    use rand::SeedableRng;

    fn topo(rbf_share: f64, alerts_irrelevant: bool) -> Topology {
        let _ = alerts_irrelevant;
        let net = NetworkSpec {
            nodes: 200,
            rbf_share,
            ..NetworkSpec::default()
        };
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(9);
        Topology::generate(&net, &MerchantSpec::default(), 0, &mut rng)
    }

    #[test]
    fn first_seen_nodes_without_alerts_never_hear_of_a_from_v_holders() {
        let t = topo(0.0, true);
        // V from the merchant at 0, A from the attacker at 0: every place holds exactly one.
        let times = spread(
            &t,
            &[(t.merchant() as u32, Key::ZERO)],
            &[(t.attacker() as u32, Key::ZERO)],
            false,
        );
        for p in 0..t.miners {
            let v = times.v_acc[p] != Key::NEVER;
            let a = times.a_acc[p] != Key::NEVER;
            assert!(v ^ a, "miner {p} holds exactly one of V and A");
        }
    }

    #[test]
    fn full_rbf_replacement_reaches_every_miner() {
        let t = topo(1.0, true);
        let times = spread(
            &t,
            &[(t.merchant() as u32, Key::ZERO)],
            &[(t.attacker() as u32, Key::at(60.0))],
            false,
        );
        for p in 0..t.miners {
            assert!(times.v_acc[p].t < 60.0 && times.a_acc[p].t >= 60.0);
        }
        assert!(times.merchant_a_seen.t >= 60.0 && times.merchant_a_seen.t.is_finite());
    }

    #[test]
    fn zero_latency_spread_is_instant() {
        let net = NetworkSpec {
            model: NetworkModel::None,
            ..NetworkSpec::default()
        };
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(9);
        let t = Topology::generate(&net, &MerchantSpec::default(), 0, &mut rng);
        let times = spread(&t, &[(t.merchant() as u32, Key::ZERO)], &[], false);
        assert!(times.v_acc[..t.miners].iter().all(|k| k.t == 0.0));
    }
}
