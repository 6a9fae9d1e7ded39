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
    /// The link relays transactions (false: a block-relay-only or backbone link).
    pub tx: bool,
    /// This node pushes new blocks to the peer as high-bandwidth compact blocks, right after
    /// checking the header (the peer asked for it, or it is a backbone link); otherwise it
    /// announces a block after validating it and the peer fetches it (three one-way trips).
    pub hb: bool,
}

impl Link {
    /// A full-relay link in the legacy block-relay mode.
    pub fn full(to: u32, latency: f64, outbound: bool) -> Link {
        Link {
            to,
            latency,
            outbound,
            tx: true,
            hb: false,
        }
    }
}

/// A generated network with its precomputed delays.
#[derive(Clone, Debug)]
pub struct Topology {
    /// Honest miners (places `0..miners`).
    pub miners: usize,
    /// Adjacency lists (both directions of every connection).
    pub links: Vec<Vec<Link>>,
    /// Per-node block validation delay, seconds (0 at the attacker's node): a node uses a
    /// block (mines on it, shows it to the merchant, announces it to low-bandwidth peers)
    /// this long after receiving it.
    pub hop: Vec<f64>,
    /// Per-node: this node lacks transactions of the compact blocks it receives, so each
    /// block reaches it one round trip (`getblocktxn` / `blocktxn`, two one-way latencies
    /// of the link it came over) later (`NetworkSpec::missing_tx_rate`).
    pub misses: Vec<bool>,
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
    /// `unseen[r * places + t]`: propagation to place t of a block carrying a transaction
    /// no node has seen (the Vector76 attacker's block with V), from the attacker's node
    /// (r = 0) or the merchant (r = 1, after the attacker's direct push): every receiver
    /// of it as a compact block needs the `getblocktxn` round trip. Empty where the
    /// network has no round trip (`missing_tx_rate` = 0: e.g. whole blocks in 2013), and
    /// then such a block travels as any other.
    pub unseen: Vec<Key>,
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

    /// Delay from place `s` (the attacker's node or the merchant) to place `t` of a block
    /// carrying a transaction no node has seen (see [`Topology::unseen`]).
    pub fn unseen_delay(&self, s: usize, t: usize) -> Key {
        let row = match s {
            _ if self.unseen.is_empty() => return self.block_delay(s, t),
            _ if s == self.attacker() => 0,
            _ => {
                debug_assert_eq!(s, self.merchant(), "only the attacker or the merchant");
                1
            }
        };
        self.unseen[row * self.places() + t]
    }

    /// Largest finite block delay between places (bounds when every place has a block).
    pub fn max_block_delay(&self) -> f64 {
        self.block
            .iter()
            .chain(&self.unseen)
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
            misses: vec![false; n],
            rbf: vec![false; n],
            helpers: Vec::new(),
            observers: Vec::new(),
            direct: None,
            block: Vec::new(),
            unseen: Vec::new(),
        };
        topo.block = block_matrix(&topo);
        topo
    }

    /// The same topology with the given per-node missing-transaction flags (see
    /// [`Topology::misses`]), its block delays recomputed.
    pub fn with_misses(mut self, misses: Vec<bool>) -> Topology {
        assert_eq!(misses.len(), self.links.len(), "one flag per node");
        self.misses = misses;
        self.block = block_matrix(&self);
        self
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
            NetworkModel::Random => {
                let (mut topo, fixed) = random(net, merchant, helpers, rng);
                let k = net.hb_peers as usize;
                super::hb::warm_up(&mut topo, &fixed, &net.shares(), k, rng);
                topo
            }
        };
        topo.rbf = rbf_policy(net, topo.links.len(), rng);
        topo.block = block_matrix(&topo);
        // Zero latency: the round trip takes no time, so no rows are needed.
        if net.missing_tx_rate > 0.0 && net.model == NetworkModel::Random {
            topo.unseen = unseen_rows(&topo);
        }
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
                .map(|b| Link::full(b as u32, 0.0, a < b))
                .collect()
        })
        .collect();
    Topology {
        miners: m,
        links,
        hop: vec![0.0; n],
        misses: vec![false; n],
        rbf: Vec::new(),
        helpers,
        observers,
        direct: (merchant.incoming == Incoming::Allow).then_some(0.0),
        block: Vec::new(),
        unseen: Vec::new(),
    }
}

/// A random graph: each node opens `outbound` full-relay connections and
/// `block_relay_only` block-only ones to distinct random nodes that accept incoming ones
/// (everyone but a merchant that denies them); the attacker opens `attacker_peers`, the
/// merchant `merchant.peers` (plus its block-only ones), and each observer one more to the
/// merchant. With `backbone`, every pair of miners is also linked directly (high-bandwidth
/// both ways; the index from which each node's links are backbone links is returned with
/// the graph). High-bandwidth peers are chosen afterwards by [`super::hb::warm_up`]. Latencies are
/// log-normal per connection; validation delays log-normal per relay node and exponential
/// at the places. Transaction announcement timers are drawn per relay (`super::txprop`).
fn random<R: Rng + ?Sized>(
    net: &NetworkSpec,
    merchant: &MerchantSpec,
    helpers: u32,
    rng: &mut R,
) -> (Topology, Vec<usize>) {
    let (m, helpers, observers) = layout(net, merchant, helpers);
    let n = net.nodes as usize;
    let (att, mer) = (m, m + 1);
    let mut links: Vec<Vec<Link>> = vec![Vec::new(); n];
    let lat = LogNormal::new(net.link_latency.max(1e-12).ln(), net.link_latency_sigma)
        .expect("validated: σ ≥ 0");
    let draw_latency = |rng: &mut R| {
        tick(if net.link_latency == 0.0 {
            0.0
        } else {
            lat.sample(rng)
        })
    };
    let accepts = |b: usize| b != mer || merchant.incoming == Incoming::Allow;
    for a in 0..n {
        let want = match a {
            _ if a == att => net.attacker_peers,
            _ if a == mer => merchant.peers,
            _ => net.outbound,
        } as usize;
        let block_only = if a == att {
            0
        } else {
            net.block_relay_only as usize
        };
        for (count, tx) in [(want, true), (block_only, false)] {
            let mut chosen = 0;
            let mut tries = 0;
            while chosen < count && tries < 100 * count {
                tries += 1;
                let b = rng.random_range(0..n);
                let taken = links[a].iter().any(|l| l.to as usize == b);
                if b != a && !taken && (a == mer || accepts(b)) && b != att {
                    let l = draw_latency(rng);
                    connect(&mut links, a, b, l, tx);
                    chosen += 1;
                }
            }
        }
    }
    for &o in &observers {
        if !links[o as usize].iter().any(|l| l.to as usize == mer) {
            let l = draw_latency(rng);
            connect(&mut links, mer, o as usize, l, true);
        }
    }
    let fixed: Vec<usize> = links.iter().map(Vec::len).collect();
    if net.backbone {
        let l = tick(net.backbone_latency);
        for a in 0..m {
            for b in a + 1..m {
                connect(&mut links, a, b, l, false);
                for x in [a, b] {
                    links[x].last_mut().expect("just pushed").hb = true;
                }
            }
        }
    }
    let hop = validation_delays(net, n, m, rng);
    let misses = missing_flags(net, n, m, rng);
    let topo = Topology {
        miners: m,
        links,
        hop,
        misses,
        rbf: Vec::new(),
        helpers,
        observers,
        direct: (merchant.incoming == Incoming::Allow).then_some(tick(net.direct_latency)),
        block: Vec::new(),
        unseen: Vec::new(),
    };
    (topo, fixed)
}

/// Link `a` to `b` (a opened the connection: b is a's outbound peer, a is b's inbound one).
fn connect(links: &mut [Vec<Link>], a: usize, b: usize, latency: f64, tx: bool) {
    links[a].push(Link {
        tx,
        ..Link::full(b as u32, latency, true)
    });
    links[b].push(Link {
        tx,
        ..Link::full(a as u32, latency, false)
    });
}

/// Validation delays: log-normal (median `block_hop_delay`, σ `block_hop_sigma`) at relay
/// nodes, exponential (mean `pool_hop_delay`) at the miners and the merchant, 0 at the
/// attacker's node (it gains nothing by waiting), each on the time grain.
fn validation_delays<R: Rng + ?Sized>(
    net: &NetworkSpec,
    n: usize,
    m: usize,
    rng: &mut R,
) -> Vec<f64> {
    let relay = LogNormal::new(net.block_hop_delay.max(1e-12).ln(), net.block_hop_sigma)
        .expect("validated: σ ≥ 0");
    (0..n)
        .map(|v| match v {
            _ if v == m => 0.0,
            _ if v < m + 2 => exp_sample(net.pool_hop_delay, rng),
            _ if net.block_hop_delay == 0.0 => 0.0,
            _ => tick(relay.sample(rng)),
        })
        .collect()
}

/// Which nodes lack transactions of the compact blocks they receive: each with probability
/// `missing_tx_rate`, once per graph (not per block: the block delays are precomputed per
/// graph; docs/network.md §1.1), never the attacker's node (it relays without
/// validating, so it need not rebuild the block). No draw at rate 0: a graph without the
/// round trip is drawn from the same stream as before the key existed (`dslab network`
/// gives the same figures; attack runs still get new graph seeds, whose key hashes every
/// network key).
fn missing_flags<R: Rng + ?Sized>(net: &NetworkSpec, n: usize, m: usize, rng: &mut R) -> Vec<bool> {
    if net.missing_tx_rate == 0.0 {
        return vec![false; n];
    }
    (0..n)
        .map(|v| {
            let u = rng.random::<f64>();
            v != m && u < net.missing_tx_rate
        })
        .collect()
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

/// Block delays from every place to every place: Dijkstra on (time, hops) from each
/// place over reception times (see [`relay_weight`]), stopping once every place has
/// received the block; a place uses it after its own validation delay.
fn block_matrix(topo: &Topology) -> Vec<Key> {
    let p = topo.places();
    let mut out = Vec::with_capacity(p * p);
    let mut search = Search::new(topo.links.len());
    for s in 0..p {
        search.run(topo, s, p);
        out.extend((0..p).map(|t| search.used(topo, s, t)));
    }
    out
}

/// The rows of [`Topology::unseen`]: from the attacker's node and from the merchant, with
/// every receiver lacking a transaction of the block.
fn unseen_rows(topo: &Topology) -> Vec<Key> {
    let p = topo.places();
    let mut search = Search::new(topo.links.len());
    search.all_miss = true;
    let mut out = Vec::with_capacity(2 * p);
    for s in [topo.attacker(), topo.merchant()] {
        search.run(topo, s, p);
        out.extend((0..p).map(|t| search.used(topo, s, t)));
    }
    out
}

/// Time from node `x` receiving a block (found there if `x == source`) to the peer across
/// `l` receiving it: one trip for a high-bandwidth push (sent after the header check);
/// otherwise x validates it, announces it, and the peer requests and gets it (three trips).
/// A peer that lacks some of the block's transactions asks x for them: one more round
/// trip (two trips) before it holds the whole block.
/// `validate`: x's validation delay, 0 at the source; `miss`: the peer lacks transactions.
/// Written without branches on the link's flags (they are unpredictable, and this is the
/// inner loop of every graph's searches); the sum is the same expression either way.
#[inline]
fn relay_weight(validate: f64, l: &Link, miss: bool) -> f64 {
    // Trips by [high-bandwidth][missing]: 3 or 1, plus the round trip of 2.
    const TRIPS: [f64; 4] = [3.0, 5.0, 1.0, 3.0];
    let trips = TRIPS[usize::from(l.hb) * 2 + usize::from(miss)];
    let validate = if l.hb { 0.0 } else { validate };
    validate + trips * l.latency
}

impl Topology {
    /// When every node can use a block found at `source`: reception plus validation
    /// (0 at the source), seconds; `f64::INFINITY` where it never arrives.
    pub fn arrivals(&self, source: usize) -> Vec<f64> {
        let n = self.links.len();
        let mut search = Search::new(n);
        search.run(self, source, n);
        (0..n).map(|t| search.used(self, source, t).t).collect()
    }
}

/// Dijkstra's search over (time, hops) keys with an indexed binary heap (one entry per
/// node, keys lowered in place), reused between sources. The result is the unique
/// minimum key per node, so it does not depend on how ties are broken.
pub(super) struct Search {
    dist: Vec<Key>,
    /// The connection each node first received the block over: (sender, index of the
    /// link in the sender's list).
    from: Vec<(u32, u32)>,
    /// Nodes in the heap, ordered by `dist`.
    heap: Vec<u32>,
    /// Position of each node in `heap` (`NOT_QUEUED` when absent).
    pos: Vec<u32>,
    /// Every receiver lacks a transaction of the block (its round trip is added on every
    /// link), whatever its own `Topology::misses` flag.
    all_miss: bool,
}

const NOT_QUEUED: u32 = u32::MAX;

/// `a < b` in `Key`'s order, for the keys of a search (times ≥ 0, never NaN or −0, where
/// plain float comparisons agree with `total_cmp` and cost less in the inner loop).
#[inline]
fn before(a: Key, b: Key) -> bool {
    a.t < b.t || (a.t == b.t && a.hops < b.hops)
}

impl Search {
    pub(super) fn new(n: usize) -> Search {
        Search {
            dist: vec![Key::NEVER; n],
            from: vec![(NOT_QUEUED, 0); n],
            heap: Vec::with_capacity(n),
            pos: vec![NOT_QUEUED; n],
            all_miss: false,
        }
    }

    /// The key at which node `t` can use the block: its reception plus its validation
    /// delay (nothing at the source, nothing where it never arrives).
    fn used(&self, topo: &Topology, source: usize, t: usize) -> Key {
        let k = self.dist[t];
        if t == source || k == Key::NEVER {
            return k;
        }
        Key {
            t: k.t + topo.hop[t],
            hops: k.hops,
        }
    }

    /// The connection node `v` first received the last searched block over (`None` at
    /// the source and where it never arrived). Ties of (time, hops) go to the sender
    /// settled first, then to the sender's earlier link: deterministic for a graph.
    pub(super) fn first_from(&self, v: usize) -> Option<(u32, u32)> {
        let f = self.from[v];
        (f.0 != NOT_QUEUED).then_some(f)
    }

    /// Reception keys from `source` until the first `places` nodes are all settled.
    pub(super) fn run(&mut self, topo: &Topology, source: usize, places: usize) {
        self.dist.iter_mut().for_each(|d| *d = Key::NEVER);
        self.heap.clear();
        self.pos.iter_mut().for_each(|p| *p = NOT_QUEUED);
        self.from.iter_mut().for_each(|f| *f = (NOT_QUEUED, 0));
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
            let validate = if xi == source { 0.0 } else { topo.hop[xi] };
            for (i, l) in topo.links[xi].iter().enumerate() {
                let to = l.to as usize;
                let miss = self.all_miss | topo.misses[to];
                let nk = Key {
                    t: k.t + relay_weight(validate, l, miss),
                    hops: k.hops + 1,
                };
                if before(nk, self.dist[to]) {
                    self.dist[to] = nk;
                    self.from[to] = (x, i as u32);
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
            if !before(self.dist[x as usize], self.dist[self.heap[parent] as usize]) {
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
                && before(
                    self.dist[self.heap[child + 1] as usize],
                    self.dist[self.heap[child] as usize],
                )
            {
                child += 1;
            }
            if !before(self.dist[self.heap[child] as usize], key) {
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
        let own = &t.links[t.merchant()];
        assert!(
            own.iter().all(|l| l.outbound),
            "only its own outbound peers"
        );
        assert_eq!(own.iter().filter(|l| l.tx).count(), 8, "full relay");
        assert_eq!(own.iter().filter(|l| !l.tx).count(), 2, "block-relay-only");
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
        // Independent reference: Bellman–Ford relaxation of reception times to a fixed
        // point on (time, hops) keys, from each place, on random graphs with the backbone,
        // high-bandwidth and block-only links and half the nodes missing transactions (two
        // more trips into them); a place then adds its validation delay.
        for seed in 0..5 {
            let mut rng = crate::estimate::rng::SimRng::seed_from_u64(seed);
            let net = NetworkSpec {
                nodes: 120,
                missing_tx_rate: 0.5,
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
                        let own = if x == s { 0.0 } else { t.hop[x] };
                        for l in &t.links[x] {
                            let to = l.to as usize;
                            let rtt = if t.misses[to] { 2.0 * l.latency } else { 0.0 };
                            let w = if l.hb {
                                l.latency + rtt
                            } else {
                                own + 3.0 * l.latency + rtt
                            };
                            let nk = Key {
                                t: d[x].t + w,
                                hops: d[x].hops + 1,
                            };
                            if nk < d[to] {
                                d[to] = nk;
                                changed = true;
                            }
                        }
                    }
                }
                for (p, &r) in d.iter().enumerate().take(t.places()) {
                    let want = if p == s {
                        r
                    } else {
                        Key {
                            t: r.t + t.hop[p],
                            hops: r.hops,
                        }
                    };
                    assert_eq!(t.block_delay(s, p), want, "seed {seed} {s} -> {p}");
                }
            }
        }
    }

    #[test]
    fn compact_blocks_follow_core_rules_on_a_line() {
        // Miner 0 — relay 4 — merchant 3 (attacker 2 and miner 1 isolated), latency 0.1 s,
        // the relay validates in 0.5 s and the merchant in 0.25 s. Written out from BIP 152:
        // high-bandwidth pushes take one trip and go out before validation; otherwise the
        // sender validates, announces, and the peer asks and receives: three trips.
        let lat = 0.1;
        let mk = |hb_first: bool, hb_second: bool| {
            let links = vec![
                vec![Link {
                    hb: hb_first,
                    ..Link::full(4, lat, true)
                }],
                vec![],
                vec![],
                vec![Link::full(4, lat, true)],
                vec![
                    Link::full(0, lat, false),
                    Link {
                        hb: hb_second,
                        ..Link::full(3, lat, false)
                    },
                ],
            ];
            Topology::from_links(2, links, vec![0.0, 0.0, 0.0, 0.25, 0.5])
        };
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        // Both legs push: 0.1 + 0.1, then the merchant validates (0.25).
        assert!(close(mk(true, true).block_delay(0, 3).t, 0.45));
        // The relay announces after validating: 0.1 + 0.5 + 0.3, then 0.25.
        assert!(close(mk(true, false).block_delay(0, 3).t, 1.15));
        // The finder announces at once (its own block needs no validation): 0.3 + 0.1 + 0.25.
        assert!(close(mk(false, true).block_delay(0, 3).t, 0.65));
        assert!(close(mk(false, false).block_delay(0, 3).t, 1.35));
        // Every node missing transactions: each of the two hops adds one round trip to its
        // sender (2 × 0.1 s), whatever the relay mode, so every delay grows by exactly 0.4 s.
        let all = |t: Topology| t.with_misses(vec![true; 5]);
        for (a, b, was) in [
            (true, true, 0.45),
            (true, false, 1.15),
            (false, true, 0.65),
            (false, false, 1.35),
        ] {
            let got = all(mk(a, b)).block_delay(0, 3).t;
            assert!(close(got, was + 0.4), "{a} {b}: {got}");
        }
        // Only the merchant missing: only the last hop grows.
        let mut last = vec![false; 5];
        last[3] = true;
        assert!(close(
            mk(true, true).with_misses(last).block_delay(0, 3).t,
            0.65
        ));
    }

    #[test]
    fn a_block_nobody_has_seen_costs_every_receiver_the_round_trip() {
        // Independent reference: the same graph with every node flagged as missing
        // transactions (the whole matrix recomputed by `with_misses`) gives the rows of a
        // block carrying an unseen transaction from the attacker and the merchant.
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(3);
        let net = NetworkSpec {
            nodes: 150,
            ..NetworkSpec::default()
        };
        let t = Topology::generate(&net, &MerchantSpec::default(), 0, &mut rng);
        assert!(!t.unseen.is_empty(), "default network has the round trip");
        let all = t.clone().with_misses(vec![true; t.links.len()]);
        let mut slower = 0;
        for s in [t.attacker(), t.merchant()] {
            for p in 0..t.places() {
                assert_eq!(t.unseen_delay(s, p), all.block_delay(s, p), "{s} -> {p}");
                slower += usize::from(t.unseen_delay(s, p).t > t.block_delay(s, p).t);
            }
        }
        assert!(slower > t.places(), "most places get it later ({slower})");
        assert!(t.max_block_delay() >= all.block_delay(t.attacker(), t.merchant()).t);
        // Without the round trip (2013: whole blocks) it travels as any block.
        let net = NetworkSpec {
            missing_tx_rate: 0.0,
            ..net
        };
        let t = Topology::generate(&net, &MerchantSpec::default(), 0, &mut rng);
        assert_eq!(
            t.unseen_delay(t.attacker(), 0),
            t.block_delay(t.attacker(), 0)
        );
    }

    #[test]
    fn missing_transactions_are_drawn_per_node_at_the_asked_rate() {
        let draw = |rate: f64, seed: u64| {
            let net = NetworkSpec {
                missing_tx_rate: rate,
                ..NetworkSpec::default()
            };
            let mut rng = crate::estimate::rng::SimRng::seed_from_u64(seed);
            Topology::generate(&net, &MerchantSpec::default(), 0, &mut rng)
        };
        let none = draw(0.0, 2);
        assert!(none.misses.iter().all(|&m| !m));
        // Rate 1: every node but the attacker's (which relays without rebuilding blocks).
        let every = draw(1.0, 2);
        let att = every.attacker();
        assert!((0..every.misses.len()).all(|v| every.misses[v] == (v != att)));
        // Rate 0.2 on 3 graphs of 999 drawn nodes: binomial sd √(2997·0.2·0.8) ≈ 21.9;
        // 4 sd around 599.4.
        let hits: usize = (10..13)
            .map(|seed| draw(0.2, seed).misses.iter().filter(|&&m| m).count())
            .sum();
        assert!((hits as f64 - 599.4).abs() < 4.0 * 21.9, "{hits}");
    }

    #[test]
    fn backbone_and_block_only_links_are_built_as_asked() {
        let net = NetworkSpec {
            nodes: 300,
            ..NetworkSpec::default()
        };
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(9);
        let t = Topology::generate(&net, &MerchantSpec::default(), 0, &mut rng);
        let m = t.miners;
        for a in 0..m {
            for b in 0..m {
                let direct = t.links[a]
                    .iter()
                    .any(|l| l.to as usize == b && l.hb && !l.tx && l.latency == tick(0.05));
                assert_eq!(direct, a != b, "backbone {a} -> {b}");
            }
        }
        // Every relay node opened 8 full-relay and 2 block-only connections.
        let relay = m + 2;
        let opened: Vec<bool> = t.links[relay]
            .iter()
            .filter(|l| l.outbound)
            .map(|l| l.tx)
            .collect();
        assert_eq!(opened.iter().filter(|&&tx| tx).count(), 8);
        assert_eq!(opened.iter().filter(|&&tx| !tx).count(), 2);
        // The attacker, the merchant and every relay node are pushed to by 1 to 3 peers
        // (the distinct first deliverers of the warm-up's last blocks).
        for v in m..t.links.len() {
            let pushers = pushers(&t, v).len();
            assert!((1..=3).contains(&pushers), "node {v}: {pushers}");
        }
    }

    /// The peers whose link towards `v` pushes high-bandwidth compact blocks.
    fn pushers(t: &Topology, v: usize) -> Vec<usize> {
        t.links[v]
            .iter()
            .filter(|l| {
                let back = t.links[l.to as usize].iter().find(|b| b.to as usize == v);
                back.is_some_and(|b| b.hb)
            })
            .map(|l| l.to as usize)
            .collect()
    }

    #[test]
    fn high_bandwidth_peers_are_the_first_deliverers() {
        // After the warm-up, the peer that delivers a miner's block first to a node is one
        // of its high-bandwidth pushers (or a backbone peer) for nearly every (miner, node)
        // pair. A random choice of 3 of the ~20 peers a node has passes about 15 % of the
        // pairs; the history rule is stable for the finders of the last quiet blocks, and a
        // rare finder may still move a few nodes: 95 % is far from both.
        let net = NetworkSpec {
            nodes: 400,
            ..NetworkSpec::default()
        };
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(5);
        let t = Topology::generate(&net, &MerchantSpec::default(), 0, &mut rng);
        let n = t.links.len();
        let (mut hit, mut all) = (0, 0);
        let mut search = Search::new(n);
        for miner in 0..t.miners {
            search.run(&t, miner, n);
            for v in t.miners..n {
                let (p, i) = search.first_from(v).expect("connected");
                all += 1;
                hit += usize::from(t.links[p as usize][i as usize].hb);
            }
        }
        assert!(hit as f64 > 0.95 * all as f64, "{hit} of {all}");
    }

    #[test]
    fn warm_up_keeps_the_fast_path_on_a_hand_made_graph() {
        // Miner 0 (the only one) links to relays 3 (latency 0.1 s, validates in 1 s) and 4
        // (0.3 s, validates at once); both link to relay 5 (0.1 s), which links to the
        // merchant 2. No high-bandwidth peers at first: relay 5 hears first from 4
        // (3 × 0.3 + 0 + 3 × 0.1 = 1.2 s) rather than 3 (3 × 0.1 + 1 + 3 × 0.1 = 1.6 s).
        // Then 0 pushes to 3 and 4, 4 to 5, and 5 to the merchant; the second block
        // changes nothing (5 hears from 4 at 0.4 s, from 3 at 1.4 s), nor do the next.
        let mut links = vec![Vec::new(); 6];
        let mut add = |a: usize, b: usize, lat: f64| {
            links[a].push(Link::full(b as u32, lat, true));
            links[b].push(Link::full(a as u32, lat, false));
        };
        add(0, 3, 0.1);
        add(0, 4, 0.3);
        add(3, 5, 0.1);
        add(4, 5, 0.1);
        add(5, 2, 0.1);
        let mut t = Topology::from_links(1, links, vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let fixed: Vec<usize> = t.links.iter().map(Vec::len).collect();
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(1);
        let blocks = crate::net::hb::warm_up(&mut t, &fixed, &[1.0], 3, &mut rng);
        assert_eq!(blocks, 1 + crate::net::hb::WARM_UP_QUIET);
        let expected: [&[usize]; 6] = [&[], &[], &[5], &[0], &[0], &[4]];
        for (v, want) in expected.iter().enumerate() {
            assert_eq!(pushers(&t, v), want.to_vec(), "node {v}");
        }
    }
}
