//! Transaction relay with mempool policies and Bitcoin Core's relay timing, computed once
//! per topology and schedule.
//!
//! Two conflicting transactions: the payment to the merchant (V) and the attacker's
//! conflicting one (A, the higher fee). A node accepts the first it receives and relays
//! it; a full-RBF node holding V replaces it by A and relays A; a first-seen node keeps V
//! and, only with double-spend alerts on, relays A once without accepting it. Observers
//! forward everything to the merchant. The attacker's node relays nothing; the nodes that
//! inject a transaction push it to their peers at once.
//!
//! Timing, as Bitcoin Core relays (docs/network.md §1.1 cites the source of each constant):
//! a node holding a transaction announces it (INV) to each outbound peer at the next tick
//! of that peer's Poisson timer (mean `tx_delay_outbound`, 2 s) and to all its inbound
//! peers at the next tick of one shared Poisson timer (mean `tx_delay_inbound`, 5 s). The
//! receiver requests it (GETDATA) at once from a preferred (outbound) peer and after
//! `tx_request_delay` (2 s) from an inbound one, from whichever announcer's request time
//! comes first, and never twice; the transaction arrives one round trip later. A
//! transaction arriving while a timer tick is pending goes out at that tick (both
//! transactions together); otherwise the next tick is drawn afresh, which is exact for a
//! Poisson timer (memoryless). Timers are drawn per relay from the generator passed in.
//!
//! Every decision depends only on earlier events, so one pass over the events in time
//! order gives the exact arrival and acceptance times.

use rand::Rng;

use super::events::{Key, Queue, tick};
use super::spec::{NetworkModel, NetworkSpec};
use super::topology::{Topology, exp_sample};

/// Which transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tx {
    /// The payment to the merchant.
    V,
    /// The attacker's conflicting transaction.
    A,
}

impl Tx {
    fn index(self) -> usize {
        match self {
            Tx::V => 0,
            Tx::A => 1,
        }
    }
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

/// The relay timing and policy of a network (`[network]`): on the zero-latency network
/// every delay is 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TxRelay {
    /// Mean of each outbound peer's announcement timer, seconds.
    pub outbound_mean: f64,
    /// Mean of a node's shared inbound announcement timer, seconds.
    pub inbound_mean: f64,
    /// Delay before requesting from an inbound (non-preferred) announcer, seconds.
    pub request_delay: f64,
    /// Nodes relay the first conflicting transaction they see (double-spend alerts).
    pub alerts: bool,
}

impl TxRelay {
    /// The relay of `net`.
    pub fn of(net: &NetworkSpec) -> TxRelay {
        match net.model {
            NetworkModel::None => TxRelay {
                outbound_mean: 0.0,
                inbound_mean: 0.0,
                request_delay: 0.0,
                alerts: net.alerts,
            },
            NetworkModel::Random => TxRelay {
                outbound_mean: net.tx_delay_outbound,
                inbound_mean: net.tx_delay_inbound,
                request_delay: tick(net.tx_request_delay),
                alerts: net.alerts,
            },
        }
    }
}

#[derive(Clone, Copy, Default)]
struct NodeState {
    holds: Option<Tx>,
    relayed_v: bool,
    relayed_a: bool,
    /// Requested (or injected) V, A: never requested again.
    requested: [bool; 2],
}

/// What happens at a node.
#[derive(Clone, Copy)]
enum Ev {
    /// The transaction arrives (`source`: the injecting node, which pushes it at once).
    Deliver { source: bool },
    /// The node's request time for an announcement from a peer at this latency.
    Request { latency: f64 },
}

/// The next tick at or after `t` of a Poisson timer whose pending tick is `next` (−∞:
/// none pending), drawn afresh when none is pending.
fn tick_after<R: Rng + ?Sized>(next: &mut f64, t: f64, mean: f64, rng: &mut R) -> f64 {
    if *next < t {
        *next = t + exp_sample(mean, rng);
    }
    *next
}

/// Spread V from `v_src` and A from `a_src` (node, key at which it holds the tx there),
/// drawing the announcement timers from `rng`.
pub fn spread<R: Rng + ?Sized>(
    topo: &Topology,
    v_src: &[(u32, Key)],
    a_src: &[(u32, Key)],
    relay: &TxRelay,
    rng: &mut R,
) -> TxTimes {
    let n = topo.links.len();
    let (att, mer) = (topo.attacker(), topo.merchant());
    let mut state = vec![NodeState::default(); n];
    let mut out = TxTimes::empty(topo.places());
    let mut observer = vec![false; n];
    for &o in &topo.observers {
        observer[o as usize] = true;
    }
    // Pending timer ticks: per node and outbound link, and per node for its inbound peers.
    let mut out_tick: Vec<Vec<f64>> = topo
        .links
        .iter()
        .map(|ls| vec![f64::NEG_INFINITY; ls.len()])
        .collect();
    let mut in_tick = vec![f64::NEG_INFINITY; n];
    // Per node and transaction: the earliest request time queued so far.
    let mut first_request = vec![[Key::NEVER; 2]; n];
    let mut q: Queue<(u32, Tx, Ev)> = Queue::new();
    for &(s, k) in v_src {
        state[s as usize].requested[Tx::V.index()] = true;
        q.push(k, (s, Tx::V, Ev::Deliver { source: true }));
    }
    for &(s, k) in a_src {
        state[s as usize].requested[Tx::A.index()] = true;
        q.push(k, (s, Tx::A, Ev::Deliver { source: true }));
    }
    while let Some((k, (x, tx, ev))) = q.pop() {
        let xi = x as usize;
        let source = match ev {
            Ev::Request { latency } => {
                let asked = &mut state[xi].requested[tx.index()];
                if !*asked {
                    *asked = true;
                    let arrive = Key {
                        t: k.t + 2.0 * latency,
                        hops: k.hops,
                    };
                    q.push(arrive, (x, tx, Ev::Deliver { source: false }));
                }
                continue;
            }
            Ev::Deliver { source } => source,
        };
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
        let relayed = receive(
            &mut state[xi],
            tx,
            topo.rbf[xi],
            relay.alerts || observer[xi],
        );
        if let Some(accepted) = relayed.accepted
            && xi < topo.places()
        {
            let slot = match accepted {
                Tx::V => &mut out.v_acc[xi],
                Tx::A => &mut out.a_acc[xi],
            };
            *slot = (*slot).min(k);
        }
        if !relayed.forward {
            continue;
        }
        for (li, l) in topo.links[xi].iter().enumerate() {
            if !l.tx {
                continue; // block-relay-only and backbone links carry no transactions
            }
            let hops = k.hops + 1;
            if source {
                // The injecting node pushes the transaction itself, without announcing.
                let at = Key {
                    t: k.t + l.latency,
                    hops,
                };
                q.push(at, (l.to, tx, Ev::Deliver { source: false }));
                continue;
            }
            // The peer is x's outbound peer (its own timer) or inbound (x's shared timer);
            // x is then the peer's inbound, non-preferred announcer, or a preferred one.
            let (announce, wait) = if l.outbound {
                let at = tick_after(&mut out_tick[xi][li], k.t, relay.outbound_mean, rng);
                (at, relay.request_delay)
            } else {
                (
                    tick_after(&mut in_tick[xi], k.t, relay.inbound_mean, rng),
                    0.0,
                )
            };
            let at = Key {
                t: announce + l.latency + wait,
                hops,
            };
            // Only a peer's earliest request can be served (the queue is first-in
            // first-out among equal keys, so an equal later one loses too): pushing the
            // others would only grow the queue. The timers above are drawn either way.
            let to = l.to as usize;
            let best = &mut first_request[to][tx.index()];
            if !state[to].requested[tx.index()] && at < *best {
                *best = at;
                q.push(at, (l.to, tx, Ev::Request { latency: l.latency }));
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
    s.requested[tx.index()] = true;
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
    use crate::net::topology::Link;
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

    fn relay() -> TxRelay {
        TxRelay::of(&NetworkSpec::default())
    }

    fn rng() -> crate::estimate::rng::SimRng {
        crate::estimate::rng::SimRng::seed_from_u64(11)
    }

    #[test]
    fn first_seen_nodes_without_alerts_never_hear_of_a_from_v_holders() {
        let t = topo(0.0, true);
        // V from the merchant at 0, A from the attacker at 0: every place holds exactly one.
        let times = spread(
            &t,
            &[(t.merchant() as u32, Key::ZERO)],
            &[(t.attacker() as u32, Key::ZERO)],
            &relay(),
            &mut rng(),
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
            &relay(),
            &mut rng(),
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
        let times = spread(
            &t,
            &[(t.merchant() as u32, Key::ZERO)],
            &[],
            &TxRelay::of(&net),
            &mut rng,
        );
        assert!(times.v_acc[..t.miners].iter().all(|k| k.t == 0.0));
    }

    /// Miners 0 and 1, attacker 2, merchant 3 and relay 4; the merchant links to the relay
    /// (it opened that connection) and the relay to miner 0, opened by the relay
    /// (`relay_opened`) or by the miner. Miner 1 is isolated. Every latency is `LAT`.
    fn line(relay_opened: bool) -> Topology {
        let links = vec![
            vec![link(4, !relay_opened)],
            vec![],
            vec![],
            vec![link(4, true)],
            vec![link(3, false), link(0, relay_opened)],
        ];
        Topology::from_links(2, links, vec![0.0; 5])
    }

    fn link(to: u32, outbound: bool) -> Link {
        Link::full(to, LAT, outbound)
    }

    const LAT: f64 = 0.0625;

    /// V injected by the merchant at 0 on `t` with the generator seeded `i`.
    fn times(t: &Topology, i: u64) -> TxTimes {
        let mut r = crate::estimate::rng::SimRng::seed_from_u64(i);
        spread(t, &[(3, Key::ZERO)], &[], &relay(), &mut r)
    }

    /// Mean and standard error of miner 0's arrival time over 4000 draws.
    fn miner_arrival(relay_opened: bool) -> (f64, f64) {
        let t = line(relay_opened);
        let xs: Vec<f64> = (0..4000u64).map(|i| times(&t, i).v_acc[0].t).collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    }

    #[test]
    fn relay_timing_follows_core_announcement_and_request_rules() {
        // Pushed by the merchant to the relay: LAT. Relay to miner, the relay having opened
        // the connection: its per-peer timer (mean 2 s), then LAT for the INV, the miner's
        // 2 s wait for a non-preferred (inbound) announcer, and a round trip (2 LAT):
        // mean 4 LAT + 4 s. The miner having opened it: the relay's shared inbound timer
        // (mean 5 s), no wait: mean 4 LAT + 5 s. Bitcoin Core's constants (docs/network.md).
        // 4 standard errors (SE about 0.03 and 0.08 s): swapping the timers (1 s) fails.
        let (m, se) = miner_arrival(true);
        assert!((m - (4.0 * LAT + 4.0)).abs() < 4.0 * se, "{m} ± {se}");
        let (m, se) = miner_arrival(false);
        assert!((m - (4.0 * LAT + 5.0)).abs() < 4.0 * se, "{m} ± {se}");
    }

    #[test]
    fn inbound_peers_share_one_announcement_timer() {
        // Both miners connect to the relay (they are its inbound peers): they hear the
        // announcement at the same tick, so their arrival times are equal in every draw,
        // while two outbound peers of the relay have timers of their own.
        let mut t = line(false);
        t.links[4].push(link(1, false));
        t.links[1].push(link(4, true));
        for i in 0..200 {
            let x = times(&t, i);
            assert_eq!(x.v_acc[0].t, x.v_acc[1].t, "draw {i}");
        }
        let mut t = line(true);
        t.links[4].push(link(1, true));
        t.links[1].push(link(4, false));
        let differ = (0..200).filter(|&i| {
            let x = times(&t, i);
            x.v_acc[0].t != x.v_acc[1].t
        });
        assert_eq!(differ.count(), 200);
    }
}
