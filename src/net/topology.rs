//! The peer-to-peer graph and everything precomputed from it once per topology: block
//! delays between every pair of *places* (miners, the attacker's node, the merchant) by
//! Dijkstra from each place, so a trial never searches the graph.
//!
//! Node numbering: miners `0..M`, the attacker's node `M`, the merchant `M + 1`, then
//! helpers, observers and relay nodes. Places are the first `M + 2` nodes.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, LogNormal};

use super::events::{Key, tick};
use super::spec::{Incoming, MerchantSpec, NetworkModel, NetworkSpec};

/// One directed link.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    /// The peer.
    pub to: u32,
    /// One-way latency, seconds.
    pub latency: f64,
    /// This node opened the connection (the peer is its outbound peer; it is the peer's
    /// inbound one). Decides the announcement timer and whether the peer requests at once.
    pub outbound: bool,
}

/// A generated network with its precomputed delays.
#[derive(Clone, Debug)]
pub struct Topology {
    /// Honest miners (places `0..miners`).
    pub miners: usize,
    /// Adjacency lists (both directions of every connection).
    pub links: Vec<Vec<Link>>,
    /// Per-node block validation and relay delay, seconds (0 at the attacker's node).
    pub hop: Vec<f64>,
    /// Per-node full-RBF mempool policy.
    pub rbf: Vec<bool>,
    /// Helper nodes of the attacker.
    pub helpers: Vec<u32>,
    /// Observer nodes of the merchant.
    pub observers: Vec<u32>,
    /// Delay of the attacker's direct push to the merchant (`None`: incoming denied).
    pub direct: Option<f64>,
    /// `block[s * places + t]`: block propagation from place s to place t.
    pub block: Vec<Key>,
}

impl Topology {
    /// Number of places (miners, attacker, merchant).
    pub fn places(&self) -> usize {
        self.miners + 2
    }

    /// Place index of the attacker's node.
    pub fn attacker(&self) -> usize {
        self.miners
    }

    /// Place index of the merchant.
    pub fn merchant(&self) -> usize {
        self.miners + 1
    }

    /// Block delay from place `s` to place `t`.
    #[inline]
    pub fn block_delay(&self, s: usize, t: usize) -> Key {
        self.block[s * self.places() + t]
    }

    /// Largest finite block delay between places (bounds when every place has a block).
    pub fn max_block_delay(&self) -> f64 {
        self.block
            .iter()
            .map(|k| k.t)
            .filter(|t| t.is_finite())
            .fold(0.0, f64::max)
    }

    /// A topology from explicit links and hop delays (first-seen everywhere, no helpers or
    /// observers, no direct connection), e.g. to test the engine on a hand-made network.
    pub fn from_links(miners: usize, links: Vec<Vec<Link>>, hop: Vec<f64>) -> Topology {
        let n = links.len();
        let mut topo = Topology {
            miners,
            links,
            hop,
            rbf: vec![false; n],
            helpers: Vec::new(),
            observers: Vec::new(),
            direct: None,
            block: Vec::new(),
        };
        topo.block = block_matrix(&topo);
        topo
    }

    /// Hash-weighted mean block delay from the finder to the rest of the honest hash rate:
    /// the effective delay d of the stale-rate approximation 1 − e^{−d/T}.
    pub fn effective_delay(&self, shares: &[f64]) -> f64 {
        let mut d = 0.0;
        for (i, si) in shares.iter().enumerate() {
            for (j, sj) in shares.iter().enumerate() {
                if i != j {
                    d += si * sj * self.block_delay(i, j).t;
                }
            }
        }
        d
    }

    /// Generate a topology for `net` and `merchant`, with `helpers` attacker helpers.
    pub fn generate<R: Rng + ?Sized>(
        net: &NetworkSpec,
        merchant: &MerchantSpec,
        helpers: u32,
        rng: &mut R,
    ) -> Topology {
        let mut topo = match net.model {
            NetworkModel::None => complete(net, merchant, helpers),
            NetworkModel::Random => random(net, merchant, helpers, rng),
        };
        topo.rbf = rbf_policy(net, topo.links.len(), rng);
        topo.block = block_matrix(&topo);
        topo
    }
}

/// Miner i runs full-RBF iff the cumulative honest share up to and including it is within
/// `rbf_share` (so the RBF hash share is exact whenever it is a sum of leading shares);
/// other nodes independently with probability `rbf_share`.
fn rbf_policy<R: Rng + ?Sized>(net: &NetworkSpec, n: usize, rng: &mut R) -> Vec<bool> {
    let shares = net.shares();
    let mut cum = 0.0;
    let mut rbf: Vec<bool> = shares
        .iter()
        .map(|s| {
            cum += s;
            cum <= net.rbf_share + 1e-9
        })
        .collect();
    rbf.extend((shares.len()..n).map(|_| rng.random::<f64>() < net.rbf_share));
    rbf
}

fn layout(net: &NetworkSpec, merchant: &MerchantSpec, helpers: u32) -> (usize, Vec<u32>, Vec<u32>) {
    let m = net.miners as usize;
    let first_helper = (m + 2) as u32;
    let helpers: Vec<u32> = (first_helper..first_helper + helpers).collect();
    let first_obs = first_helper + helpers.len() as u32;
    let observers: Vec<u32> = (first_obs..first_obs + merchant.observers).collect();
    (m, helpers, observers)
}

/// The zero-latency network: a complete graph of the places, helpers and observers with
/// no delay; simultaneous messages are ordered by hop count.
fn complete(net: &NetworkSpec, merchant: &MerchantSpec, helpers: u32) -> Topology {
    let (m, helpers, observers) = layout(net, merchant, helpers);
    let n = m + 2 + helpers.len() + observers.len();
    let links = (0..n)
        .map(|a| {
            (0..n)
                .filter(|&b| b != a)
                .map(|b| Link {
                    to: b as u32,
                    latency: 0.0,
                    outbound: a < b,
                })
                .collect()
        })
        .collect();
    Topology {
        miners: m,
        links,
        hop: vec![0.0; n],
        rbf: Vec::new(),
        helpers,
        observers,
        direct: (merchant.incoming == Incoming::Allow).then_some(0.0),
        block: Vec::new(),
    }
}

/// A random graph: each node opens `outbound` connections to distinct random nodes that
/// accept incoming ones (everyone but a merchant that denies them); the attacker opens
/// `attacker_peers`, the merchant `merchant.peers`, and each observer one more to the
/// merchant. Latencies are log-normal per connection, block hop delays exponential per
/// node. Transaction announcement timers are drawn per relay (`super::txprop`).
fn random<R: Rng + ?Sized>(
    net: &NetworkSpec,
    merchant: &MerchantSpec,
    helpers: u32,
    rng: &mut R,
) -> Topology {
    let (m, helpers, observers) = layout(net, merchant, helpers);
    let n = net.nodes as usize;
    let (att, mer) = (m, m + 1);
    let mut links: Vec<Vec<Link>> = vec![Vec::new(); n];
    let lat = LogNormal::new(net.link_latency.max(1e-12).ln(), net.link_latency_sigma)
        .expect("validated: σ ≥ 0");
    let connect = |a: usize, b: usize, links: &mut Vec<Vec<Link>>, rng: &mut R| {
        let l = tick(if net.link_latency == 0.0 {
            0.0
        } else {
            lat.sample(rng)
        });
        // a opened the connection: b is a's outbound peer, a is b's inbound peer.
        links[a].push(Link {
            to: b as u32,
            latency: l,
            outbound: true,
        });
        links[b].push(Link {
            to: a as u32,
            latency: l,
            outbound: false,
        });
    };
    let accepts = |b: usize| b != mer || merchant.incoming == Incoming::Allow;
    for a in 0..n {
        let want = match a {
            _ if a == att => net.attacker_peers,
            _ if a == mer => merchant.peers,
            _ => net.outbound,
        } as usize;
        let mut chosen = 0;
        let mut tries = 0;
        while chosen < want && tries < 100 * want {
            tries += 1;
            let b = rng.random_range(0..n);
            let taken = links[a].iter().any(|l| l.to as usize == b);
            let ok = b != a && !taken && (a == mer || accepts(b)) && b != att;
            if ok {
                connect(a, b, &mut links, rng);
                chosen += 1;
            }
        }
    }
    for &o in &observers {
        if !links[o as usize].iter().any(|l| l.to as usize == mer) {
            connect(mer, o as usize, &mut links, rng);
        }
    }
    let mut hop: Vec<f64> = (0..n)
        .map(|_| exp_sample(net.block_hop_delay, rng))
        .collect();
    hop[att] = 0.0; // the attacker relays without validating: it gains nothing by waiting
    Topology {
        miners: m,
        links,
        hop,
        rbf: Vec::new(),
        helpers,
        observers,
        direct: (merchant.incoming == Incoming::Allow).then_some(tick(net.direct_latency)),
        block: Vec::new(),
    }
}

/// An exponential delay of the given mean, rounded to the time grain (0 for mean 0).
pub fn exp_sample<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    tick(
        Exp::new(1.0 / mean)
            .expect("validated: mean > 0")
            .sample(rng),
    )
}

/// Block delays from every place to every place: Dijkstra on (time, hops) with link
/// weight latency + the receiving node's hop delay, from each place, stopping once every
/// place is settled (the delays between places are all that is kept).
fn block_matrix(topo: &Topology) -> Vec<Key> {
    let p = topo.places();
    let mut out = Vec::with_capacity(p * p);
    let mut search = Search::new(topo.links.len());
    for s in 0..p {
        search.run(topo, s, p);
        out.extend_from_slice(&search.dist[..p]);
    }
    out
}

/// Dijkstra's search over (time, hops) keys with an indexed binary heap (one entry per
/// node, keys lowered in place), reused between sources. The result is the unique
/// minimum key per node, so it does not depend on how ties are broken.
struct Search {
    dist: Vec<Key>,
    /// Nodes in the heap, ordered by `dist`.
    heap: Vec<u32>,
    /// Position of each node in `heap` (`NOT_QUEUED` when absent).
    pos: Vec<u32>,
}

const NOT_QUEUED: u32 = u32::MAX;

impl Search {
    fn new(n: usize) -> Search {
        Search {
            dist: vec![Key::NEVER; n],
            heap: Vec::with_capacity(n),
            pos: vec![NOT_QUEUED; n],
        }
    }

    /// Distances from `source` until the first `places` nodes are all settled.
    fn run(&mut self, topo: &Topology, source: usize, places: usize) {
        self.dist.iter_mut().for_each(|d| *d = Key::NEVER);
        self.heap.clear();
        self.pos.iter_mut().for_each(|p| *p = NOT_QUEUED);
        self.dist[source] = Key::ZERO;
        self.lower(source as u32);
        let mut settled = 0;
        while let Some(x) = self.pop() {
            let xi = x as usize;
            if xi < places {
                settled += 1;
                if settled == places {
                    return;
                }
            }
            let k = self.dist[xi];
            for l in &topo.links[xi] {
                let to = l.to as usize;
                let nk = Key {
                    t: k.t + (l.latency + topo.hop[to]),
                    hops: k.hops + 1,
                };
                if nk < self.dist[to] {
                    self.dist[to] = nk;
                    self.lower(l.to);
                }
            }
        }
    }

    /// Insert node `x` or restore the heap after its key was lowered.
    fn lower(&mut self, x: u32) {
        let mut i = match self.pos[x as usize] {
            NOT_QUEUED => {
                self.heap.push(x);
                self.heap.len() - 1
            }
            i => i as usize,
        };
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.dist[self.heap[parent] as usize] <= self.dist[x as usize] {
                break;
            }
            self.heap[i] = self.heap[parent];
            self.pos[self.heap[i] as usize] = i as u32;
            i = parent;
        }
        self.heap[i] = x;
        self.pos[x as usize] = i as u32;
    }

    /// Remove and return the node with the smallest key.
    fn pop(&mut self) -> Option<u32> {
        let top = *self.heap.first()?;
        let last = self.heap.pop().expect("non-empty");
        self.pos[top as usize] = NOT_QUEUED;
        if self.heap.is_empty() {
            return Some(top);
        }
        let n = self.heap.len();
        let key = self.dist[last as usize];
        let mut i = 0;
        loop {
            let mut child = 2 * i + 1;
            if child >= n {
                break;
            }
            if child + 1 < n
                && self.dist[self.heap[child + 1] as usize] < self.dist[self.heap[child] as usize]
            {
                child += 1;
            }
            if key <= self.dist[self.heap[child] as usize] {
                break;
            }
            self.heap[i] = self.heap[child];
            self.pos[self.heap[i] as usize] = i as u32;
            i = child;
        }
        self.heap[i] = last;
        self.pos[last as usize] = i as u32;
        Some(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn random_graph_is_connected_and_respects_deny() {
        let net = NetworkSpec::default();
        let merchant = MerchantSpec {
            incoming: Incoming::Deny,
            ..MerchantSpec::default()
        };
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(3);
        let t = Topology::generate(&net, &merchant, 0, &mut rng);
        assert_eq!(
            t.links[t.merchant()].len(),
            8,
            "only its own outbound peers"
        );
        assert!(t.block.iter().all(|k| k.t.is_finite()));
        assert!(t.direct.is_none());
        // The attacker relays without validation; everyone else pays a hop delay.
        assert_eq!(t.hop[t.attacker()], 0.0);
    }

    #[test]
    fn every_delay_is_a_whole_number_of_ticks() {
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(4);
        let t = Topology::generate(
            &NetworkSpec::default(),
            &MerchantSpec::default(),
            2,
            &mut rng,
        );
        let whole = |x: f64| (x / crate::net::events::TICK).fract() == 0.0;
        for k in &t.block {
            assert!(whole(k.t), "{k:?}");
        }
        assert!(t.hop.iter().all(|&h| whole(h)));
        assert!(t.links.iter().flatten().all(|l| whole(l.latency)));
    }

    #[test]
    fn zero_latency_network_has_zero_delays_and_one_hop() {
        let net = NetworkSpec {
            model: NetworkModel::None,
            ..NetworkSpec::default()
        };
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(3);
        let t = Topology::generate(&net, &MerchantSpec::default(), 0, &mut rng);
        let k = t.block_delay(0, t.merchant());
        assert_eq!((k.t, k.hops), (0.0, 1));
    }

    #[test]
    fn block_matrix_equals_a_plain_relaxation() {
        // Independent reference: Bellman–Ford relaxation to a fixed point on (time, hops)
        // keys, from each place, on random graphs with random latencies and hop delays.
        for seed in 0..5 {
            let mut rng = crate::estimate::rng::SimRng::seed_from_u64(seed);
            let net = NetworkSpec {
                nodes: 120,
                ..NetworkSpec::default()
            };
            let t = Topology::generate(&net, &MerchantSpec::default(), 1, &mut rng);
            let n = t.links.len();
            for s in 0..t.places() {
                let mut d = vec![Key::NEVER; n];
                d[s] = Key::ZERO;
                let mut changed = true;
                while changed {
                    changed = false;
                    for x in 0..n {
                        if d[x] == Key::NEVER {
                            continue;
                        }
                        for l in &t.links[x] {
                            let to = l.to as usize;
                            let nk = Key {
                                t: d[x].t + (l.latency + t.hop[to]),
                                hops: d[x].hops + 1,
                            };
                            if nk < d[to] {
                                d[to] = nk;
                                changed = true;
                            }
                        }
                    }
                }
                for (p, &want) in d.iter().enumerate().take(t.places()) {
                    assert_eq!(t.block_delay(s, p), want, "seed {seed} {s} -> {p}");
                }
            }
        }
    }
}
