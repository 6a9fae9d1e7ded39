//! The glue between any timed attack (`super::TimedAttack`) and the timed engine: the
//! experiment (attack, network, merchant, sweep), its topologies prepared once per sweep
//! point, its cells for the batch estimator, and the columns its rows add.
//!
//! Topologies: `network.topologies` graphs are generated per sweep point from
//! (seed, network, merchant) — not from q, so every q of a grid sees the same graphs — and
//! each batch draws which one it uses from its own generator. Tally layout: `by_top` holds
//! the largest reversed z ≥ 1; `extra` holds [z = 0 reversals, z = 0 cost, cost by top].

use rayon::prelude::*;
use serde::Serialize;

use super::{NetAttack, Setting};
use crate::estimate::results::{CellResult, ResultSet};
use crate::estimate::rng::{SimRng, batch_rng, mix};
use crate::estimate::tally::Tally;
use crate::estimate::{Plan, Progress, estimate};
use crate::net::Prepared;
use crate::net::engine;
use crate::net::events::{Key, tick};
use crate::net::spec::{Incoming, MerchantSpec, NetworkModel, NetworkSpec};
use crate::net::sweep::{self, Sweep};
use crate::net::topology::Topology;
use crate::net::txprop::{self, TxRelay};
use crate::stats::CiMethod;

mod cell;
pub mod own_clock;
pub mod rows;

pub use cell::{NetCell, sim_cells};

/// The timed-attack tables of a scenario file: the attack's own table (`[finney]`,
/// `[race]`, ... as a TOML value, read by the attack's parameter type), `[network]`,
/// `[merchant]`, `[sweep]`, every one optional (defaults apply).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetTables {
    /// The attack's own table.
    pub attack: Option<toml::Value>,
    /// `[network]`.
    pub network: Option<NetworkSpec>,
    /// `[merchant]`.
    pub merchant: Option<MerchantSpec>,
    /// `[sweep]`.
    pub sweep: Option<Sweep>,
}

/// The placement of the payment alone from the attacker's node (and straight to the
/// merchant when it accepts incoming connections): the private-branch attacks'.
pub fn payment_only(topo: Topology, s: &Setting<'_>, rng: &mut SimRng) -> Prepared {
    let (att, mer) = (topo.attacker() as u32, topo.merchant() as u32);
    let mut v = vec![(att, Key::ZERO)];
    v.extend(topo.direct.map(|d| (mer, Key::at(tick(d)))));
    let tx = txprop::spread(&topo, &v, &[], &TxRelay::of(s.network), rng);
    Prepared {
        topo,
        tx,
        z0_accepted: false,
    }
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
    /// Build and validate from a scenario's tables: `attack` is the registered name, its
    /// table (if any) is read by the attack's own parameter type.
    pub fn from_tables(attack: NetAttack, t: NetTables) -> anyhow::Result<NetExperiment> {
        // Without a [network] table, the attack's own default model.
        let network = t.network.unwrap_or_else(|| NetworkSpec {
            model: attack.get().default_network(),
            ..NetworkSpec::default()
        });
        let e = NetExperiment {
            attack,
            network,
            merchant: t.merchant.unwrap_or_default(),
            sweep: t.sweep,
        };
        e.validate()?;
        Ok(e)
    }

    /// Whether importance sampling applies (see [`super::TimedAttack::can_tilt`]).
    pub fn can_tilt(&self) -> bool {
        self.attack.get().can_tilt()
    }

    /// The attack's name in output files.
    pub fn name(&self) -> &'static str {
        self.attack.get().info().name
    }

    /// The engine setting closed forms and strategies read.
    pub fn setting(&self) -> Setting<'_> {
        Setting {
            network: &self.network,
            merchant: &self.merchant,
        }
    }

    /// Check every part; errors name the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.validate_base()?;
        for (_, point) in self.points()? {
            point.validate_base()?;
        }
        Ok(())
    }

    /// Check the values before any sweep: the network, the merchant on it, the attack's
    /// own keys and those it checks against the network, and the node counts. (Flags check
    /// this first, so that an error about a value a flag set names the flag.)
    pub fn validate_base(&self) -> anyhow::Result<()> {
        let attack = self.attack.get();
        self.network.validate()?;
        self.merchant.validate(&self.network)?;
        attack.validate()?;
        attack.validate_on(&self.network)?;
        self.check_node_counts()
    }

    /// Every node the attack and the merchant place must exist: miners, the attacker's
    /// node, the merchant, helpers and observers within the random graph's nodes (and a
    /// zero-latency complete graph of at most 10000 of them).
    pub fn check_node_counts(&self) -> anyhow::Result<()> {
        let (name, helpers) = (self.name(), self.helpers());
        let (n, m) = (&self.network, &self.merchant);
        let placed = u64::from(n.miners) + 2 + u64::from(helpers) + u64::from(m.observers);
        let cap = match n.model {
            NetworkModel::Random => u64::from(n.nodes),
            NetworkModel::None => 10_000,
        };
        if placed > cap {
            let room = cap.saturating_sub(u64::from(n.miners) + 2 + u64::from(m.observers));
            let (key, value) = if helpers > 0 {
                (format!("{name}.helpers"), helpers)
            } else {
                ("merchant.observers".to_string(), m.observers)
            };
            return Err(crate::error::usage(
                &key,
                value,
                &format!(
                    "miners ({}) + attacker + merchant + helpers + observers ({}) must fit in \
                     the network's {cap} nodes: use at most {room} helpers, or more nodes",
                    n.miners, m.observers
                ),
            ));
        }
        Ok(())
    }

    /// One line for table headers.
    pub fn describe(&self) -> String {
        let what = self.attack.get().describe();
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
            match table {
                "network" => e.network = sweep::apply(&e.network, table, key, v)?,
                "merchant" => e.merchant = sweep::apply(&e.merchant, table, key, v)?,
                _ => match e.attack.with(table, key, v) {
                    Some(attack) => e.attack = attack?,
                    None => {
                        return Err(crate::error::usage(
                            "sweep.parameter",
                            &sw.parameter,
                            "sweep a key of [network], [merchant] or this attack's table",
                        ));
                    }
                },
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
        let (premined, give_up) = self.row_labels();
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
            attack: self.name().into(),
            tie: self.attack.get().tie_label().into(),
            premined,
            give_up,
            ci: grid.ci,
            confidence: grid.confidence,
            zs: grid.zs.to_vec(),
            rel_error,
            cells,
        }
    }

    /// Simulate every (sweep point, q) cell with plain Monte Carlo (a fixed-trials run
    /// without checkpoints; `Experiment::run_with` is the full driver).
    pub fn results(
        &self,
        grid: &Grid<'_>,
        plan: &Plan,
        progress: &dyn Progress,
    ) -> anyhow::Result<ResultSet> {
        let points = self.prepare_points(plan.seed)?;
        let mut set = self.result_set(&points, grid, None);
        let cells = sim_cells(&points, &set);
        let tallies = estimate(&cells, plan, progress);
        for (c, t) in set.cells.iter_mut().zip(tallies) {
            c.tally = t;
        }
        Ok(set)
    }

    fn helpers(&self) -> u32 {
        self.attack.get().helpers()
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
        // Each graph has its own generator, so building them in parallel (on the run's
        // pool) gives the same graphs in the same order whatever the thread count.
        (0..u64::from(self.network.topologies))
            .into_par_iter()
            .map(|i| {
                let mut rng = batch_rng(seed, key, i);
                let topo =
                    Topology::generate(&self.network, &self.merchant, self.helpers(), &mut rng);
                self.prepare_one(topo, &mut rng)
            })
            .collect()
    }

    fn prepare_one(&self, topo: Topology, rng: &mut SimRng) -> Prepared {
        self.attack.get().prepare(topo, &self.setting(), rng)
    }

    /// Stale-block rate of honest mining on the prepared topologies (0 at zero latency).
    pub fn stale_rate(&self, preps: &[Prepared], seed: u64) -> f64 {
        if self.network.model == NetworkModel::None {
            return 0.0;
        }
        let per = (STALE_BLOCKS / preps.len()).max(1000);
        let key = self.topology_key() ^ 0x0053_5441_4c45;
        let shares = self.network.shares();
        // Integer counts per graph: their sum does not depend on the order or the threads.
        let (stale, n) = preps
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let mut rng = batch_rng(seed, key, i as u64);
                let interval = self.network.block_interval;
                engine::stale_rate(&p.topo, interval, &shares, per, &mut rng)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        stale as f64 / n.max(1) as f64
    }
}

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
