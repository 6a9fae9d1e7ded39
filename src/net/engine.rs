//! The timed mining engine on a topology: Poisson block arrivals per miner, a block tree
//! with forks, each miner mining on the best tip it has received (height, then first
//! seen), block contents from each miner's mempool, and the merchant's view driven by an
//! event queue of block arrivals.
//!
//! A trial's blocks live in a [`World`] reused across the trials of a batch (no
//! allocation per event). Tip look-ups scan only the blocks still in flight: blocks older
//! than the largest delay are folded into a per-place "settled best".

use rand::Rng;
use rand_distr::{Distribution, Exp1};

use super::events::{Key, Queue, tick};
use super::topology::Topology;
use super::txprop::{Tx, TxTimes};
use crate::estimate::rng::unit_f64;

/// One block of the public tree.
#[derive(Clone, Copy, Debug)]
pub struct Block {
    /// Parent block index (genesis: itself).
    pub parent: u32,
    /// Height above the fork point (genesis: 0).
    pub height: u32,
    /// Place it propagates from.
    pub origin: u32,
    /// When it is at its origin.
    pub key0: Key,
    /// Which of the conflicting transactions its chain holds.
    pub pay: Option<Tx>,
    /// Height of the block that holds `pay`.
    pub pay_height: u32,
    /// Mined by the attacker.
    pub attacker: bool,
    /// Carries a transaction no node has seen: it travels by [`Topology::unseen_delay`].
    pub unseen: bool,
}

/// Who found a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finder {
    /// The attacker.
    Attacker,
    /// Honest miner (place index).
    Miner(usize),
}

/// Something arriving at a watched place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watch {
    /// A block reaches the merchant.
    Merchant(u32),
    /// A block reaches the attacker's node.
    Attacker(u32),
}

/// Cumulative hash-rate thresholds: attacker first, then the honest miners.
#[derive(Clone, Debug)]
pub struct Hash {
    cum: Vec<f64>,
}

impl Hash {
    /// Attacker share `q`; `honest` are relative shares of the rest (summing to 1).
    pub fn new(q: f64, honest: &[f64]) -> Hash {
        let p = 1.0 - q;
        let mut acc = q;
        let mut cum = vec![q];
        for s in honest {
            acc += p * s;
            cum.push(acc);
        }
        Hash { cum }
    }

    #[inline]
    fn pick(&self, u: f64) -> Finder {
        if u < self.cum[0] {
            return Finder::Attacker;
        }
        // Binary search of the cumulative shares (same result as a linear scan).
        let i = self.cum[1..].partition_point(|&c| c <= u);
        Finder::Miner(i.min(self.cum.len() - 2))
    }
}

/// The state of one trial, reused across trials.
pub struct World<'a> {
    /// The topology.
    pub topo: &'a Topology,
    /// Transaction times of this attack on this topology (owned: Vector76 sets them per
    /// trial).
    pub tx: TxTimes,
    /// Also watch honest blocks reaching the attacker's node.
    pub watch_attacker: bool,
    /// Watch blocks reaching the merchant (off once nothing it sees can matter).
    pub watch_merchant: bool,
    hash: &'a Hash,
    block_interval: f64,
    max_delay: f64,
    /// Current time.
    pub t: f64,
    /// Public block tree.
    pub blocks: Vec<Block>,
    settled: Vec<(u32, u32)>,
    /// Arrivals at watched places.
    pub events: Queue<Watch>,
    /// The merchant's tip.
    pub merchant_tip: u32,
    /// Highest public block.
    pub h_max: u32,
    /// The consensus candidate ([`World::best`]), kept as blocks are published.
    best: u32,
}

impl<'a> World<'a> {
    /// A world on `topo` with transaction times `tx`, hash rates `hash`, interval T.
    pub fn new(topo: &'a Topology, tx: TxTimes, hash: &'a Hash, block_interval: f64) -> Self {
        let mut w = World {
            topo,
            tx,
            watch_attacker: false,
            watch_merchant: true,
            hash,
            block_interval,
            max_delay: topo.max_block_delay(),
            t: 0.0,
            blocks: Vec::with_capacity(64),
            settled: vec![(0, 0); topo.places()],
            events: Queue::new(),
            merchant_tip: 0,
            h_max: 0,
            best: 0,
        };
        w.reset();
        w
    }

    /// Start a new trial: only the fork point (known everywhere) exists.
    pub fn reset(&mut self) {
        self.t = 0.0;
        self.blocks.clear();
        self.blocks.push(Block {
            parent: 0,
            height: 0,
            origin: 0,
            key0: Key {
                t: f64::NEG_INFINITY,
                hops: 0,
            },
            pay: None,
            pay_height: 0,
            attacker: false,
            unseen: false,
        });
        self.settled.iter_mut().for_each(|s| *s = (1, 0));
        self.events.clear();
        self.watch_merchant = true;
        self.merchant_tip = 0;
        self.h_max = 0;
        self.best = 0;
    }

    /// When block `b` reaches place `p`.
    #[inline]
    pub fn arrival(&self, b: u32, p: usize) -> Key {
        let blk = &self.blocks[b as usize];
        let (s, topo) = (blk.origin as usize, self.topo);
        let d = if blk.unseen {
            topo.unseen_delay(s, p)
        } else {
            topo.block_delay(s, p)
        };
        blk.key0.after(d)
    }

    /// Whether block `a` beats block `b` at place `p`: higher, else first seen (by arrival
    /// key, then age). Times are exact multiples of [`TICK`], so equal paths give equal
    /// times whatever the order of the sums.
    #[inline]
    fn better(&self, a: u32, b: u32, p: usize) -> bool {
        let (ha, hb) = (
            self.blocks[a as usize].height,
            self.blocks[b as usize].height,
        );
        ha > hb || (ha == hb && (self.arrival(a, p), a) < (self.arrival(b, p), b))
    }

    /// The best block place `p` has received by time `t` (calls must not go back in time).
    pub fn tip(&mut self, p: usize, t: f64) -> u32 {
        let (mut cursor, mut best) = self.settled[p];
        while (cursor as usize) < self.blocks.len()
            && self.blocks[cursor as usize].key0.t + self.max_delay < t
        {
            if self.arrival(cursor, p).t <= t && self.better(cursor, best, p) {
                best = cursor;
            }
            cursor += 1;
        }
        self.settled[p] = (cursor, best);
        for b in cursor..self.blocks.len() as u32 {
            if self.arrival(b, p).t <= t && self.better(b, best, p) {
                best = b;
            }
        }
        best
    }

    /// Time and finder of the next block after `self.t`.
    #[inline]
    pub fn next_block<R: Rng + ?Sized>(&self, rng: &mut R) -> (f64, Finder) {
        self.next_block_with(self.hash, rng)
    }

    /// Time and finder of the next block after `self.t`, finders drawn from `hash` (an
    /// importance-sampling measure changes who finds blocks, never when: the total rate,
    /// hence the block times, are the same under every share).
    #[inline]
    pub fn next_block_with<R: Rng + ?Sized>(&self, hash: &Hash, rng: &mut R) -> (f64, Finder) {
        // Exp1 is a ziggurat sampler: a logarithm only in its rare tail (the log was 14 %
        // of a profile with inversion).
        let e: f64 = Distribution::<f64>::sample(&Exp1, rng);
        let dt = e * self.block_interval;
        (tick(self.t + dt), hash.pick(unit_f64(rng.next_u64())))
    }

    /// Append a public block on `parent` found or released at `key0` from place `origin`,
    /// holding `tx` if its chain has no conflicting transaction yet; schedules watches.
    pub fn publish(
        &mut self,
        parent: u32,
        origin: usize,
        key0: Key,
        tx: Option<Tx>,
        attacker: bool,
    ) -> u32 {
        self.publish_block(parent, origin, key0, tx, attacker, false)
    }

    /// [`Self::publish`] for a block carrying a transaction no node has seen (`origin` the
    /// attacker's node or the merchant): it travels by [`Topology::unseen_delay`].
    pub fn publish_unseen(&mut self, parent: u32, origin: usize, key0: Key, tx: Tx) -> u32 {
        self.publish_block(parent, origin, key0, Some(tx), true, true)
    }

    fn publish_block(
        &mut self,
        parent: u32,
        origin: usize,
        key0: Key,
        tx: Option<Tx>,
        attacker: bool,
        unseen: bool,
    ) -> u32 {
        let par = self.blocks[parent as usize];
        let height = par.height + 1;
        let (pay, pay_height) = match (par.pay, tx) {
            (Some(p), _) => (Some(p), par.pay_height),
            (None, Some(t)) => (Some(t), height),
            (None, None) => (None, 0),
        };
        let idx = self.blocks.len() as u32;
        self.blocks.push(Block {
            parent,
            height,
            origin: origin as u32,
            key0,
            pay,
            pay_height,
            attacker,
            unseen,
        });
        self.h_max = self.h_max.max(height);
        // Strictly better only: among equals the earliest published stays best.
        let cur = &self.blocks[self.best as usize];
        if height > cur.height || (height == cur.height && key0 < cur.key0) {
            self.best = idx;
        }
        if self.watch_attacker && !attacker {
            let a = self.topo.attacker();
            self.events.push(self.arrival(idx, a), Watch::Attacker(idx));
        }
        if self.watch_merchant {
            let m = self.topo.merchant();
            self.events.push(self.arrival(idx, m), Watch::Merchant(idx));
        }
        idx
    }

    /// An honest miner's block at time `t` on its current tip, with its mempool's tx.
    pub fn mine_honest(&mut self, miner: usize, t: f64) -> u32 {
        let parent = self.tip(miner, t);
        let tx = self.tx.mempool(miner, t);
        self.publish(parent, miner, Key::at(t), tx, false)
    }

    /// Apply a block's arrival at the merchant; returns V's depth in its best chain.
    pub fn merchant_receives(&mut self, b: u32) -> u32 {
        let m = self.topo.merchant();
        if self.better(b, self.merchant_tip, m) {
            self.merchant_tip = b;
        }
        self.v_depth(self.merchant_tip)
    }

    /// Depth of V in the chain ending at `tip` (0 if absent).
    pub fn v_depth(&self, tip: u32) -> u32 {
        let blk = &self.blocks[tip as usize];
        match blk.pay {
            Some(Tx::V) => blk.height - blk.pay_height + 1,
            _ => 0,
        }
    }

    /// The consensus candidate: the highest block, earliest found among equals (the
    /// first published among equal keys). Kept up to date by every publish: the attacks
    /// ask after every block, and a scan made a trial quadratic in its blocks.
    pub fn best(&self) -> u32 {
        self.best
    }

    /// Whether block `anc` is an ancestor of (or is) `b`.
    pub fn is_ancestor(&self, anc: u32, mut b: u32) -> bool {
        let h = self.blocks[anc as usize].height;
        while self.blocks[b as usize].height > h {
            b = self.blocks[b as usize].parent;
        }
        b == anc
    }
}

/// Acceptance times of the merchants z = 1..=z_max (index z), reused per trial.
#[derive(Clone, Debug)]
pub struct Acceptance {
    /// Whether merchant z has accepted.
    pub accepted: Vec<bool>,
    /// Largest accepted z (0: none).
    pub top: u32,
}

impl Acceptance {
    /// For z = 0..=z_max.
    pub fn new(z_max: u32) -> Self {
        Acceptance {
            accepted: vec![false; z_max as usize + 1],
            top: 0,
        }
    }

    /// Forget everything.
    pub fn reset(&mut self) {
        self.accepted.iter_mut().for_each(|a| *a = false);
        self.top = 0;
    }

    /// V reached depth `depth` in the merchant's best chain: merchants z ≤ depth accept.
    pub fn see_depth(&mut self, depth: u32) {
        let z_max = self.accepted.len() as u32 - 1;
        let d = depth.min(z_max);
        if d > self.top {
            for z in self.top + 1..=d {
                self.accepted[z as usize] = true;
            }
            self.top = d;
        }
    }

    /// All merchants z ≥ 1 have accepted.
    pub fn all(&self) -> bool {
        self.top as usize + 1 == self.accepted.len()
    }
}

/// Stale-block rate of honest mining on `topo`: the fraction of `n` blocks (after a
/// warm-up) that are not ancestors of the final best block, excluding the last 12.
pub fn stale_rate<R: Rng + ?Sized>(
    topo: &Topology,
    block_interval: f64,
    shares: &[f64],
    n: usize,
    rng: &mut R,
) -> (u64, u64) {
    let tx = TxTimes::empty(topo.places());
    let hash = Hash::new(0.0, shares);
    let mut w = World::new(topo, tx, &hash, block_interval);
    for _ in 0..n {
        let (t, who) = w.next_block(rng);
        w.t = t;
        if let Finder::Miner(m) = who {
            w.mine_honest(m, t);
        }
        w.events.clear(); // nobody watches: keep memory flat
    }
    let best = w.best();
    let mut on_chain = vec![false; w.blocks.len()];
    let mut b = best;
    loop {
        on_chain[b as usize] = true;
        if b == 0 {
            break;
        }
        b = w.blocks[b as usize].parent;
    }
    let cutoff = w.blocks[best as usize].height.saturating_sub(12);
    let mut counted = 0;
    let mut stale = 0;
    for (i, blk) in w.blocks.iter().enumerate().skip(1) {
        if blk.height > cutoff {
            continue;
        }
        counted += 1;
        stale += u64::from(!on_chain[i]);
    }
    (stale, counted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::topology::Link;
    use rand::{RngExt, SeedableRng};

    /// The consensus candidate by its definition: a scan for the highest block, the
    /// smallest key among equals, the first index among equal keys.
    fn best_by_scan(w: &World) -> u32 {
        let mut best = 0;
        for (i, b) in w.blocks.iter().enumerate() {
            let cur = &w.blocks[best];
            if b.height > cur.height || (b.height == cur.height && b.key0 < cur.key0) {
                best = i;
            }
        }
        best as u32
    }

    #[test]
    fn best_kept_while_publishing_equals_a_scan() {
        // A miner, the attacker's node and the merchant on a line; blocks published on
        // random parents at coarse random times, so equal heights and equal keys occur.
        let links = vec![
            vec![Link::full(1, 0.5, true)],
            vec![Link::full(0, 0.5, false), Link::full(2, 0.5, true)],
            vec![Link::full(1, 0.5, false)],
            vec![],
        ];
        let topo = Topology::from_links(1, links, vec![0.0; 4]);
        let hash = Hash::new(0.3, &[1.0]);
        let mut w = World::new(&topo, TxTimes::empty(topo.places()), &hash, 600.0);
        let mut rng = crate::estimate::rng::SimRng::seed_from_u64(5);
        let mut ties = 0;
        for trial in 0..200 {
            w.reset();
            for _ in 0..trial % 17 {
                let parent = rng.random_range(0..w.blocks.len()) as u32;
                let key = Key::at(f64::from(rng.random_range(0..4u8)));
                let origin = rng.random_range(0..3);
                w.publish(parent, origin, key, None, origin == 1);
                let scan = best_by_scan(&w);
                let b = &w.blocks[scan as usize];
                ties += w
                    .blocks
                    .iter()
                    .filter(|o| o.height == b.height && o.key0 == b.key0)
                    .count()
                    - 1;
                assert_eq!(w.best(), scan, "trial {trial}");
            }
        }
        assert!(ties > 50, "the draw must exercise equal keys ({ties})");
    }
}
