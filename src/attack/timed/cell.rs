//! The cells of a timed attack for the batch estimator: one (attack, q) cell on a sweep
//! point's prepared topologies ([`NetCell`]), its trial loop (one stream per trial,
//! topologies cycled from a random offset, counts per graph) and its sampling (plain, or
//! importance-sampled through the private-branch runner or a custom strategy).

use rand::{Rng, RngExt, SeedableRng};

use super::{NetAttack, NetExperiment, PreparedPoint};
use crate::attack::CellSetting;
use crate::estimate::CellSim;
use crate::estimate::results::ResultSet;
use crate::estimate::results::extras::{COST, Z0, Z0_COST};
use crate::estimate::rng::{SimRng, cell_key, mix};
use crate::estimate::tally::Tally;
use crate::estimate::units::Units;
use crate::estimate::weighted::{BatchSums, Tilt, WeightedTally};
use crate::net::engine::{Acceptance, Hash, World};
use crate::net::events::tick;
use crate::net::is::{Credit, Tilted};
use crate::net::private::{self, Plain, Sampler};
use crate::net::spec::NetworkModel;
use crate::net::{Outcome, Prepared, Strategy};

/// The cells of `set` (built by [`NetExperiment::result_set`] over `points`), in its order.
pub fn sim_cells<'a>(points: &'a [PreparedPoint], set: &ResultSet) -> Vec<NetCell<'a>> {
    let per_point = set.cells.len() / points.len().max(1);
    let z_max = *set.zs.last().expect("non-empty z list");
    set.cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let pt = &points[i / per_point];
            let tilt = c.tilt.map(|accept| Tilt {
                accept,
                tail: 1.0 - c.q,
            });
            NetCell::new(&pt.exp, &pt.preps, c.q, z_max, tilt)
        })
        .collect()
}

/// One (attack, q) cell on prepared topologies.
pub struct NetCell<'a> {
    /// Attacker share.
    pub q: f64,
    preps: &'a [Prepared],
    hash: Hash,
    z_max: u32,
    /// Merchants tracked in a trial: z_max, or the attack's plan depth when larger.
    track: u32,
    key: u64,
    block_interval: f64,
    strategy: Strategy,
    /// Plain Monte Carlo or importance sampling.
    sampling: CellSampling,
    /// Counts are kept per topology (a random network's graphs are the independent units
    /// of the interval, `crate::estimate::units`); false on the zero-latency network.
    by_graph: bool,
}

/// How a cell samples its trials.
enum CellSampling {
    /// Plain Monte Carlo.
    Plain,
    /// The private-branch runner under its tilted measures.
    Private(Tilted),
    /// A custom strategy's own tilted trial (`NetStrategy::tilted_trial`) under this tilt.
    Custom(Tilt),
}

impl<'a> NetCell<'a> {
    /// The cell of share `q` of experiment `e` on `preps`, sampled under `tilt` (None:
    /// plain Monte Carlo). Only the private-branch attacks (Finney, majority) and the
    /// custom strategies that tilt (`NetStrategy::can_tilt`: delay-private, balancing) can be
    /// tilted; `tilt` is ignored for the others (see [`NetExperiment::can_tilt`]).
    pub fn new(
        e: &NetExperiment,
        preps: &'a [Prepared],
        q: f64,
        z_max: u32,
        tilt: Option<Tilt>,
    ) -> NetCell<'a> {
        let exact_tail = e.network.model == NetworkModel::None;
        let listening = tick(e.merchant.listening_period);
        let max_deficit = e.network.max_deficit;
        let strategy = e.attack.get().strategy(&CellSetting {
            q,
            listening,
            exact_tail,
            max_deficit,
            block_interval: e.network.block_interval,
        });
        let sampling = match (tilt, &strategy) {
            (Some(t), Strategy::Private(_)) => {
                CellSampling::Private(Tilted::new(q, &e.network.shares(), t))
            }
            (Some(t), Strategy::Custom(s)) if s.can_tilt() => CellSampling::Custom(t),
            _ => CellSampling::Plain,
        };
        // Not z_max: a cell's numbers may not depend on which z were asked for.
        let mut key = cell_key(&[
            0x006e_6574_7632,
            e.topology_key(),
            q.to_bits(),
            attack_key(&e.attack),
        ]);
        if let Some(t) = tilt.filter(|_| !matches!(sampling, CellSampling::Plain)) {
            key = cell_key(&[key, t.accept.to_bits(), t.tail.to_bits()]);
        }
        NetCell {
            q,
            preps,
            hash: Hash::new(q, &e.network.shares()),
            z_max,
            track: z_max.max(e.attack.get().plan_depth()),
            key,
            block_interval: e.network.block_interval,
            strategy,
            sampling,
            by_graph: e.network.model == NetworkModel::Random,
        }
    }

    /// One trial; `sampler` draws the private-branch attacks' blocks (plain or tilted).
    fn run_one<S: Sampler>(
        &self,
        prep: &Prepared,
        w: &mut World,
        acc: &mut Acceptance,
        sampler: &mut S,
        rng: &mut SimRng,
    ) -> Outcome {
        w.reset();
        acc.reset();
        match &self.strategy {
            Strategy::Private(s) => private::trial(s, w, acc, sampler, rng),
            Strategy::Custom(s) => s.trial(prep, w, acc, rng),
        }
    }

    /// One importance-sampled trial, its weights credited to `sums` (None: plain cell).
    fn run_tilted(
        &self,
        prep: &Prepared,
        w: &mut World,
        acc: &mut Acceptance,
        sums: &mut BatchSums,
        rng: &mut SimRng,
    ) -> Option<Outcome> {
        match (&self.sampling, &self.strategy) {
            (CellSampling::Private(m), _) => {
                Some(self.run_one(prep, w, acc, &mut m.trial(sums), rng))
            }
            (CellSampling::Custom(t), Strategy::Custom(s)) => {
                w.reset();
                acc.reset();
                let credit = &mut Credit::new(self.q, *t, sums);
                Some(s.tilted_trial(prep, w, acc, *t, credit, rng))
            }
            _ => None,
        }
    }

    fn tilted(&self) -> bool {
        !matches!(self.sampling, CellSampling::Plain)
    }
}

fn attack_key(a: &NetAttack) -> u64 {
    let text = serde_json::to_string(a).expect("specs serialise");
    text.bytes().fold(0x0061_746b, |h, b| mix(h ^ u64::from(b)))
}

impl CellSim for NetCell<'_> {
    fn key(&self) -> u64 {
        self.key
    }

    fn empty_tally(&self) -> Tally {
        let mut t = Tally::new(self.z_max, false);
        t.extra = vec![0; COST + self.z_max as usize + 2];
        if self.tilted() {
            t.weighted = Some(WeightedTally::new(self.z_max));
        }
        if self.by_graph {
            let weighted = self.tilted();
            t.units = Some(Units::new(self.preps.len(), self.z_max, weighted));
        }
        t
    }

    fn run_batch(&self, rng: &mut SimRng, n: u64, tally: &mut Tally) {
        // Trials cycle through the topologies from a random offset: every batch covers
        // them evenly (stratified), whatever the number of batches. Trial i runs on graph
        // (offset + i) mod k and draws from its own stream, seeded by the batch's i-th
        // draw: a trial ends when the requested merchants are decided, and what it
        // consumed must not shift the next trial's draws (a cell's numbers may not depend
        // on the z range).
        let k = self.preps.len();
        let offset = rng.random_range(0..k);
        let seeds: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
        if self.tilted() {
            self.run_tilted_batch(offset, &seeds, tally);
        } else {
            self.run_plain_batch(offset, &seeds, tally);
        }
    }
}

impl NetCell<'_> {
    /// A world on graph `prep`, reused by its trials.
    fn world<'p>(&'p self, prep: &'p Prepared) -> World<'p> {
        let mut w = World::new(&prep.topo, prep.tx.clone(), &self.hash, self.block_interval);
        w.watch_attacker = matches!(&self.strategy, Strategy::Custom(s) if s.watches_blocks());
        w
    }

    /// Plain trials, run graph by graph (one graph's memory in cache at a time; the
    /// counts are integers, so the order does not change them).
    fn run_plain_batch(&self, offset: usize, seeds: &[u64], tally: &mut Tally) {
        let k = self.preps.len();
        let mut acc = Acceptance::new(self.track);
        for (j, prep) in self.preps.iter().enumerate() {
            let first = (j + k - offset) % k;
            if first >= seeds.len() {
                continue;
            }
            let mut w = self.world(prep);
            for &seed in seeds[first..].iter().step_by(k) {
                let rng = &mut SimRng::seed_from_u64(seed);
                let out = self.run_one(prep, &mut w, &mut acc, &mut Plain, rng);
                self.record(tally, j, out);
            }
        }
    }

    /// Importance-sampled trials, in trial order (their weights are float sums, whose
    /// rounding depends on the order), one world per graph.
    fn run_tilted_batch(&self, offset: usize, seeds: &[u64], tally: &mut Tally) {
        let k = self.preps.len();
        let mut worlds: Vec<World> = self.preps.iter().map(|p| self.world(p)).collect();
        let mut acc = Acceptance::new(self.track);
        let mut sums = BatchSums::new(self.z_max);
        // One trial's weights, credited to the batch and to its graph's sums (added to
        // the graph's unit once per batch, not per trial).
        let mut trial_sums = BatchSums::new(self.z_max);
        let mut graph_sums: Vec<BatchSums> = match &tally.units {
            Some(_) => (0..k).map(|_| BatchSums::new(self.z_max)).collect(),
            None => Vec::new(),
        };
        for (i, &seed) in seeds.iter().enumerate() {
            let j = (offset + i) % k;
            let (prep, w) = (&self.preps[j], &mut worlds[j]);
            let rng = &mut SimRng::seed_from_u64(seed);
            trial_sums.clear();
            let out = self
                .run_tilted(prep, w, &mut acc, &mut trial_sums, rng)
                .expect("a tilted cell");
            sums.absorb(&trial_sums);
            if let Some(g) = graph_sums.get_mut(j) {
                g.absorb(&trial_sums);
            }
            self.record(tally, j, out);
        }
        if let Some(u) = tally.units.as_mut() {
            for (j, g) in graph_sums.iter().enumerate() {
                u.add_weights(j, g);
            }
        }
        if let Some(w) = tally.weighted.as_mut() {
            w.add_batch(&sums);
        }
    }

    /// Count one trial on graph `j`.
    fn record(&self, tally: &mut Tally, j: usize, out: Outcome) {
        // A plan deeper than the report tracks merchants nobody asked about.
        let top = out.top.min(i64::from(self.z_max));
        tally.add(top, out.censored);
        tally.extra[Z0] += u64::from(out.z0);
        tally.extra[Z0_COST] += out.z0_cost_blocks;
        tally.extra[COST + (top + 1) as usize] += out.cost_blocks;
        if let Some(u) = tally.units.as_mut() {
            u.add(j, top, out.z0);
        }
    }
}
