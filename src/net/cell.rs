//! Network experiments: topologies prepared once per cell, cells for the batch estimator,
//! closed forms of the zero-latency limit, and the rows of `reversal.csv`.
//!
//! Topologies: `network.topologies` graphs are generated per sweep point from
//! (seed, network, merchant) — not from q, so every q of a grid sees the same graphs — and
//! each batch draws which one it uses from its own generator. Tally layout: `by_top` holds
//! the largest reversed z ≥ 1; `extra` holds [z = 0 reversals, z = 0 cost, cost by top].

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::engine::{self, Acceptance, Hash, World};
use super::events::{Key, tick};
use super::is::Tilted;
use super::private::Private;
use super::private::{Plain, Sampler};
use super::spec::{
    FinneySpec, Incoming, MerchantSpec, NetTables, NetworkModel, NetworkSpec, RaceSpec,
    RaceVariant, Vector76Spec,
};
use super::sweep::{self, Sweep};
use super::topology::Topology;
use super::txprop::{self, TxTimes};
use super::{NetStrategy, Outcome, finney, majority, private, race, vector76};
use crate::report::ReversalRow;
use crate::report::cells::{CellResult, ResultSet};
use crate::sim::estimate::{CellSim, Plan, Progress, estimate};
use crate::sim::is::Tilt;
use crate::sim::rng::{SimRng, batch_rng, cell_key, mix};
use crate::sim::tally::Tally;
use crate::sim::weighted::{BatchSums, WeightedTally};
use crate::stats::CiMethod;

/// Which attack runs on the network, with its parameters.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NetAttack {
    /// Finney attack.
    Finney(FinneySpec),
    /// Race attack.
    Race(RaceSpec),
    /// Vector76 attack.
    Vector76(Vector76Spec),
    /// Majority (private-chain) attack on a network.
    Majority {
        /// Head start k.
        premined: u32,
        /// Deficit at which the attacker abandons.
        give_up: Option<u32>,
    },
}

/// A network attack with its network, merchant and optional defence sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetExperiment {
    /// The attack.
    pub attack: NetAttack,
    /// The network.
    pub network: NetworkSpec,
    /// The merchant.
    pub merchant: MerchantSpec,
    /// A swept parameter (instead of, or besides, q).
    pub sweep: Option<Sweep>,
}

/// Grid and statistics of a run (the parts of an `Experiment` a network run needs).
#[derive(Clone, Debug)]
pub struct Grid<'a> {
    /// Attacker shares.
    pub qs: &'a [f64],
    /// Confirmation counts (sorted).
    pub zs: &'a [u32],
    /// Interval method.
    pub ci: CiMethod,
    /// Interval confidence.
    pub confidence: f64,
}

impl NetExperiment {
    /// Build and validate from a scenario's tables. `attack` is the scenario's `attack`
    /// key (`finney`, `race`, `vector76`, or `majority` for the majority attack on a
    /// network, with its head start and give-up from the majority keys); a table of another
    /// attack is an error naming it.
    pub fn from_tables(
        attack: &str,
        t: NetTables,
        majority: (u32, Option<u32>),
    ) -> anyhow::Result<NetExperiment> {
        let stray = [
            ("finney", t.finney.is_some()),
            ("race", t.race.is_some()),
            ("vector76", t.vector76.is_some()),
        ]
        .into_iter()
        .find(|&(name, present)| present && name != attack);
        if let Some((name, _)) = stray {
            return Err(crate::error::usage(
                name,
                format!("[{name}]"),
                &format!("this table belongs to the {name} attack, but attack = \"{attack}\""),
            ));
        }
        let attack = match attack {
            "finney" => NetAttack::Finney(t.finney.unwrap_or_default()),
            "race" => NetAttack::Race(t.race.unwrap_or_default()),
            "vector76" => NetAttack::Vector76(t.vector76.unwrap_or_default()),
            "majority" => NetAttack::Majority {
                premined: majority.0,
                give_up: majority.1,
            },
            other => {
                return Err(crate::error::usage(
                    "attack",
                    other,
                    "use finney, race, vector76 or majority",
                ));
            }
        };
        let e = NetExperiment {
            attack,
            network: t.network.unwrap_or_default(),
            merchant: t.merchant.unwrap_or_default(),
            sweep: t.sweep,
        };
        e.validate()?;
        Ok(e)
    }

    /// Whether importance sampling applies: the private-branch attacks (Finney, majority),
    /// whose success is a rare race. The race attack's outcome is settled by relay times
    /// and Vector76's by one block race, neither a rare walk.
    pub fn can_tilt(&self) -> bool {
        matches!(
            self.attack,
            NetAttack::Finney(_) | NetAttack::Majority { .. }
        )
    }

    /// The attack's name in output files.
    pub fn name(&self) -> &'static str {
        match self.attack {
            NetAttack::Finney(_) => "finney",
            NetAttack::Race(_) => "race",
            NetAttack::Vector76(_) => "vector76",
            NetAttack::Majority { .. } => "majority",
        }
    }

    /// Check every part; errors name the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.network.validate()?;
        self.merchant.validate(&self.network)?;
        match &self.attack {
            NetAttack::Finney(f) => f.validate()?,
            NetAttack::Race(r) => r.validate()?,
            NetAttack::Vector76(_) => {}
            NetAttack::Majority { give_up, .. } => {
                if *give_up == Some(0) {
                    return Err(crate::error::usage("--give-up", 0, "use at least 1 block"));
                }
            }
        }
        for point in self.points()? {
            point.1.network.validate()?;
            point.1.merchant.validate(&point.1.network)?;
        }
        Ok(())
    }

    /// One line for table headers.
    pub fn describe(&self) -> String {
        let what = match &self.attack {
            NetAttack::Finney(_) => "Finney attack (one withheld block, k = 1)".to_string(),
            NetAttack::Race(r) => match r.variant {
                RaceVariant::Rbf => format!(
                    "race attack, full-RBF replacement after {} s",
                    r.replace_after
                ),
                RaceVariant::FirstSeen => format!(
                    "race attack, first-seen, conflict after {} s",
                    r.conflict_delay
                ),
            },
            NetAttack::Vector76(_) => "Vector76 attack".to_string(),
            NetAttack::Majority { premined, .. } => {
                format!("majority attack, head start k = {premined}")
            }
        };
        let m = &self.merchant;
        format!(
            "{what} on a {}; merchant: listening {} s, incoming {}, {} peers, {} observers; exact = zero-latency limit",
            self.network.describe(),
            m.listening_period,
            if m.incoming == Incoming::Allow {
                "allowed"
            } else {
                "denied"
            },
            m.peers,
            m.observers
        )
    }

    /// The sweep points: (shown value, experiment at that value); one point without a sweep.
    pub fn points(&self) -> anyhow::Result<Vec<(Option<String>, NetExperiment)>> {
        let Some(sw) = &self.sweep else {
            return Ok(vec![(None, self.clone())]);
        };
        let (table, key) = sw.split()?;
        let mut out = Vec::new();
        for v in &sw.values {
            let mut e = self.clone();
            e.sweep = None;
            match (table, &mut e.attack) {
                ("network", _) => e.network = sweep::apply(&e.network, table, key, v)?,
                ("merchant", _) => e.merchant = sweep::apply(&e.merchant, table, key, v)?,
                ("finney", NetAttack::Finney(f)) => *f = sweep::apply(f, table, key, v)?,
                ("race", NetAttack::Race(r)) => *r = sweep::apply(r, table, key, v)?,
                ("vector76", NetAttack::Vector76(s)) => *s = sweep::apply(s, table, key, v)?,
                _ => {
                    return Err(crate::error::usage(
                        "sweep.parameter",
                        &sw.parameter,
                        "sweep a key of [network], [merchant] or this attack's table",
                    ));
                }
            }
            out.push((Some(sweep::show(v)), e));
        }
        Ok(out)
    }

    /// Cells over all sweep points and q (for progress totals).
    pub fn cells(&self, qs: usize) -> u64 {
        let points = self.sweep.as_ref().map_or(1, |s| s.values.len());
        (points * qs) as u64
    }

    /// Generate every sweep point's topologies and measure its stale rate.
    pub fn prepare_points(&self, seed: u64) -> anyhow::Result<Vec<PreparedPoint>> {
        Ok(self
            .points()?
            .into_iter()
            .map(|(value, exp)| {
                let preps = exp.prepare(seed);
                let stale_rate = exp.stale_rate(&preps, seed);
                PreparedPoint {
                    value,
                    exp,
                    preps,
                    stale_rate,
                }
            })
            .collect())
    }

    /// The empty result set of a run over `points`: one cell per (point, q), point-major,
    /// with its closed forms and network columns, every cell plain Monte Carlo (`tilt`
    /// None) until the caller chooses otherwise.
    pub fn result_set(
        &self,
        points: &[PreparedPoint],
        grid: &Grid<'_>,
        rel_error: Option<f64>,
    ) -> ResultSet {
        let ctx = self.row_context();
        let param = self.sweep.as_ref().map(|s| s.parameter.clone());
        let cells = points
            .iter()
            .flat_map(|pt| {
                let param = &param;
                grid.qs.iter().map(move |&q| CellResult {
                    q,
                    tilt: None,
                    exact: grid.zs.iter().map(|&z| pt.exp.closed_form(q, z)).collect(),
                    exact_log10: grid
                        .zs
                        .iter()
                        .map(|&z| pt.exp.closed_form_log10(q, z))
                        .collect(),
                    tally: Tally::default(),
                    net: Some(
                        pt.exp
                            .row_info(q, pt.stale_rate, (param.clone(), pt.value.clone())),
                    ),
                })
            })
            .collect();
        ResultSet {
            attack: ctx.attack.into(),
            tie: ctx.tie,
            premined: ctx.premined,
            give_up: ctx.give_up,
            ci: grid.ci,
            confidence: grid.confidence,
            zs: grid.zs.to_vec(),
            rel_error,
            cells,
        }
    }

    /// Simulate every (sweep point, q) cell with plain Monte Carlo and build the rows (a
    /// fixed-trials run without checkpoints; `Experiment::run_with` is the full driver).
    pub fn rows(
        &self,
        grid: &Grid<'_>,
        plan: &Plan,
        progress: &dyn Progress,
    ) -> anyhow::Result<Vec<ReversalRow>> {
        let points = self.prepare_points(plan.seed)?;
        let mut set = self.result_set(&points, grid, None);
        let cells = sim_cells(&points, &set);
        let tallies = estimate(&cells, plan, progress);
        for (c, t) in set.cells.iter_mut().zip(tallies) {
            c.tally = t;
        }
        Ok(set.rows())
    }

    fn helpers(&self) -> u32 {
        match &self.attack {
            NetAttack::Race(r) => r.helpers,
            NetAttack::Vector76(v) => v.helpers,
            _ => 0,
        }
    }

    /// Key of the generated graphs: only what shapes them (not T, the listening period,
    /// alerts, the RBF share — drawn after the graph — or the truncation), so a sweep over
    /// those runs on the very same graphs.
    fn topology_key(&self) -> u64 {
        let net = NetworkSpec {
            block_interval: 0.0,
            alerts: false,
            max_deficit: 0,
            rbf_share: 0.0,
            ..self.network.clone()
        };
        let merchant = MerchantSpec {
            listening_period: 0.0,
            ..self.merchant.clone()
        };
        let text =
            serde_json::to_string(&(&net, &merchant, self.helpers())).expect("specs serialise");
        text.bytes().fold(0x746f_706f, |h, b| mix(h ^ u64::from(b)))
    }

    /// Generate the topologies and the attack's transaction times on each.
    pub fn prepare(&self, seed: u64) -> Vec<Prepared> {
        let key = self.topology_key();
        (0..u64::from(self.network.topologies))
            .map(|i| {
                let mut rng = batch_rng(seed, key, i);
                let topo =
                    Topology::generate(&self.network, &self.merchant, self.helpers(), &mut rng);
                self.prepare_one(topo)
            })
            .collect()
    }

    fn prepare_one(&self, topo: Topology) -> Prepared {
        let (att, mer) = (topo.attacker() as u32, topo.merchant() as u32);
        let alerts = self.network.alerts;
        let payment = || {
            let mut v = vec![(att, Key::ZERO)];
            v.extend(topo.direct.map(|d| (mer, Key::at(tick(d)))));
            v
        };
        let (tx, z0_accepted) = match &self.attack {
            NetAttack::Race(r) => {
                let (v, a) = race::schedule(r, &topo);
                let tx = txprop::spread(&topo, &v, &a, alerts);
                let listen_end = tx.merchant_v_seen.t + tick(self.merchant.listening_period);
                let ok = tx.merchant_v_seen.t.is_finite() && tx.merchant_a_seen.t > listen_end;
                (tx, ok)
            }
            NetAttack::Vector76(v) => {
                let mut a: Vec<(u32, Key)> = vec![(att, Key::ZERO)];
                a.extend(topo.helpers.iter().map(|&h| (h, Key::ZERO)));
                let _ = v;
                (txprop::spread(&topo, &[], &a, alerts), false)
            }
            _ => (txprop::spread(&topo, &payment(), &[], alerts), false),
        };
        Prepared {
            topo,
            tx,
            z0_accepted,
        }
    }

    /// Stale-block rate of honest mining on the prepared topologies (0 at zero latency).
    pub fn stale_rate(&self, preps: &[Prepared], seed: u64) -> f64 {
        if self.network.model == NetworkModel::None {
            return 0.0;
        }
        let per = (STALE_BLOCKS / preps.len()).max(1000);
        let (mut stale, mut n) = (0, 0);
        for (i, p) in preps.iter().enumerate() {
            let mut rng = batch_rng(seed, self.topology_key() ^ 0x0053_5441_4c45, i as u64);
            let (s, c) = engine::stale_rate(
                &p.topo,
                self.network.block_interval,
                &self.network.shares(),
                per,
                &mut rng,
            );
            stale += s;
            n += c;
        }
        stale as f64 / n.max(1) as f64
    }
}

pub(super) const Z0: usize = 0;
pub(super) const Z0_COST: usize = 1;
pub(super) const COST: usize = 2;
/// Honest blocks mined per sweep point to measure the stale rate.
const STALE_BLOCKS: usize = 40_000;

/// One sweep point ready to run: its experiment, topologies and stale rate.
pub struct PreparedPoint {
    /// The swept value as shown in the rows (None without a sweep).
    pub value: Option<String>,
    /// The experiment at this point.
    pub exp: NetExperiment,
    /// Its topologies.
    pub preps: Vec<Prepared>,
    /// Stale-block rate of honest mining on them.
    pub stale_rate: f64,
}

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

/// One topology with the attack's transaction times on it.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The graph and its delays.
    pub topo: Topology,
    /// Transaction times (Vector76: A's, relative to its broadcast).
    pub tx: TxTimes,
    /// Race: whether merchant z = 0 accepts (fixed by the relay times).
    pub z0_accepted: bool,
}

/// One (attack, q) cell on prepared topologies.
pub struct NetCell<'a> {
    /// Attacker share.
    pub q: f64,
    attack: NetAttack,
    preps: &'a [Prepared],
    hash: Hash,
    z_max: u32,
    key: u64,
    block_interval: f64,
    strategy: Strategy,
    /// Importance sampling (private-branch attacks only; None: plain Monte Carlo).
    tilted: Option<Tilted>,
}

/// The strategy of a cell (static dispatch: no `dyn` in the trial loop).
enum Strategy {
    Private(Private),
    Race(race::Race),
    Vector76(vector76::Vector76),
}

impl<'a> NetCell<'a> {
    /// The cell of share `q` of experiment `e` on `preps`, sampled under `tilt` (None:
    /// plain Monte Carlo). Only the private-branch attacks (Finney, majority) can be
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
        let strategy = match &e.attack {
            NetAttack::Finney(f) => {
                Strategy::Private(finney::attacker(f, q, listening, exact_tail, max_deficit))
            }
            NetAttack::Majority { premined, give_up } => Strategy::Private(majority::attacker(
                q,
                *premined,
                *give_up,
                listening,
                exact_tail,
                max_deficit,
            )),
            NetAttack::Race(_) => Strategy::Race(race::Race),
            NetAttack::Vector76(_) => Strategy::Vector76(vector76::Vector76 { listening }),
        };
        let tilted = tilt
            .filter(|_| matches!(strategy, Strategy::Private(_)))
            .map(|t| Tilted::new(q, &e.network.shares(), t));
        let mut key = cell_key(&[
            0x6e6574,
            e.topology_key(),
            q.to_bits(),
            u64::from(z_max),
            attack_key(&e.attack),
        ]);
        if let Some(t) = tilt.filter(|_| tilted.is_some()) {
            key = cell_key(&[key, t.accept.to_bits(), t.tail.to_bits()]);
        }
        NetCell {
            q,
            attack: e.attack.clone(),
            preps,
            hash: Hash::new(q, &e.network.shares()),
            z_max,
            key,
            block_interval: e.network.block_interval,
            strategy,
            tilted,
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
            Strategy::Race(s) => s.trial(prep, w, acc, rng),
            Strategy::Vector76(s) => s.trial(prep, w, acc, rng),
        }
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
        if self.tilted.is_some() {
            t.weighted = Some(WeightedTally::new(self.z_max));
        }
        t
    }

    fn run_batch(&self, rng: &mut SimRng, n: u64, tally: &mut Tally) {
        // Trials cycle through the topologies from a random offset: every batch covers
        // them evenly (stratified), whatever the number of batches.
        let k = self.preps.len();
        let offset = rng.random_range(0..k);
        let mut worlds: Vec<World> = self
            .preps
            .iter()
            .map(|p| {
                let mut w = World::new(&p.topo, p.tx.clone(), &self.hash, self.block_interval);
                w.watch_attacker = matches!(self.attack, NetAttack::Vector76(_));
                w
            })
            .collect();
        let mut acc = Acceptance::new(self.z_max);
        let mut sums = self.tilted.as_ref().map(|_| BatchSums::new(self.z_max));
        for i in 0..n as usize {
            let j = (offset + i) % k;
            let (prep, w) = (&self.preps[j], &mut worlds[j]);
            let out = match (&self.tilted, &mut sums) {
                (Some(m), Some(sums)) => self.run_one(prep, w, &mut acc, &mut m.trial(sums), rng),
                _ => self.run_one(prep, w, &mut acc, &mut Plain, rng),
            };
            tally.add(out.top, out.censored);
            tally.extra[Z0] += u64::from(out.z0);
            tally.extra[Z0_COST] += out.z0_cost_blocks;
            tally.extra[COST + (out.top + 1) as usize] += out.cost_blocks;
        }
        if let (Some(w), Some(sums)) = (tally.weighted.as_mut(), &sums) {
            w.add_batch(sums);
        }
    }
}
