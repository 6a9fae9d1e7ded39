//! A validated experiment: which attack, over which grid, how many trials, from which seed.
//!
//! Both the command line (`dslab simulate`) and scenario files (`dslab run`) build an
//! [`Experiment`]; [`Experiment::run`] turns it into rows of `reversal.csv`. Past this
//! boundary every value is valid.

use std::time::Instant;

use serde::Serialize;

use crate::analytic;
use crate::net::NetExperiment;
use crate::net::cell::Grid;
use crate::params::Convention;
use crate::report::ReversalRow;
use crate::report::rows::{RowContext, rows_for_cell};
use crate::sim::MajorityCell;
use crate::sim::estimate::{BATCH_SIZE, Plan, Progress, estimate};
use crate::stats::CiMethod;

/// The majority attack's parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MajoritySpec {
    /// Head start and tie rule.
    pub convention: Convention,
    /// Deficit at which the attacker abandons (`None`: never).
    pub give_up: Option<u32>,
    /// Walk every trial to its end instead of resolving the tail exactly.
    pub walk: bool,
}

/// Which attack, with its parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AttackSpec {
    /// Private-chain double spend in the zero-latency block race.
    Majority(MajoritySpec),
    /// Finney attack on the timed engine / network (see `crate::net`).
    Finney(NetExperiment),
    /// Race attack on the network.
    Race(NetExperiment),
    /// Vector76 attack on the network.
    Vector76(NetExperiment),
    /// Majority attack on a network (`--network default|FILE`).
    MajorityNet(NetExperiment),
}

impl AttackSpec {
    /// The attack's name in output files.
    pub fn name(&self) -> &'static str {
        match self {
            AttackSpec::Majority(_) => "majority",
            AttackSpec::Finney(n)
            | AttackSpec::Race(n)
            | AttackSpec::Vector76(n)
            | AttackSpec::MajorityNet(n) => n.name(),
        }
    }

    /// One line describing the model and convention, for table headers and plots.
    pub fn describe(&self) -> String {
        match self {
            AttackSpec::Majority(m) => {
                let give_up = m.give_up.map_or(
                    "never gives up (rest of race resolved exactly)".to_string(),
                    |d| format!("gives up {d} blocks behind"),
                );
                format!(
                    "majority attack, zero-latency block race; {}; attacker {give_up}",
                    m.convention
                )
            }
            AttackSpec::Finney(n)
            | AttackSpec::Race(n)
            | AttackSpec::Vector76(n)
            | AttackSpec::MajorityNet(n) => n.describe(),
        }
    }
}

/// A complete, validated experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Experiment {
    /// Scenario name (folder name under reports/).
    pub name: String,
    /// The attack.
    pub attack: AttackSpec,
    /// Attacker shares, one cell each.
    pub qs: Vec<f64>,
    /// Confirmation counts reported (sorted, unique, non-empty).
    pub zs: Vec<u32>,
    /// Trials per cell.
    pub trials: u64,
    /// Master seed.
    pub seed: u64,
    /// Interval method.
    pub ci: CiMethod,
    /// Interval confidence level.
    pub confidence: f64,
}

/// The result of running an experiment.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// One row per (q, z), q-major.
    pub rows: Vec<ReversalRow>,
    /// Wall time of the simulation.
    pub wall_seconds: f64,
    /// Trials over all cells.
    pub total_trials: u64,
    /// Trials per batch used.
    pub batch_size: u64,
}

impl Experiment {
    /// Largest z of the grid.
    pub fn z_max(&self) -> u32 {
        *self.zs.last().expect("an experiment has at least one z")
    }

    /// Cells of the grid (q values, times sweep points for network attacks).
    pub fn cells(&self) -> u64 {
        match &self.attack {
            AttackSpec::Majority(_) => self.qs.len() as u64,
            AttackSpec::Finney(n)
            | AttackSpec::Race(n)
            | AttackSpec::Vector76(n)
            | AttackSpec::MajorityNet(n) => n.cells(self.qs.len()),
        }
    }

    fn run_network(
        &self,
        n: &NetExperiment,
        plan: &Plan,
        progress: &dyn Progress,
    ) -> Vec<ReversalRow> {
        let grid = Grid {
            qs: &self.qs,
            zs: &self.zs,
            ci: self.ci,
            confidence: self.confidence,
        };
        n.rows(&grid, plan, progress)
            .expect("network experiments are validated when built")
    }

    /// Run on the current rayon pool, reporting progress.
    pub fn run(&self, progress: &dyn Progress) -> Outcome {
        let plan = Plan {
            trials: self.trials,
            batch_size: BATCH_SIZE,
            seed: self.seed,
            shard: None,
        };
        let start = Instant::now();
        let rows = match &self.attack {
            AttackSpec::Majority(m) => self.run_majority(m, &plan, progress),
            AttackSpec::Finney(n)
            | AttackSpec::Race(n)
            | AttackSpec::Vector76(n)
            | AttackSpec::MajorityNet(n) => self.run_network(n, &plan, progress),
        };
        Outcome {
            rows,
            wall_seconds: start.elapsed().as_secs_f64(),
            total_trials: self.trials * self.cells(),
            batch_size: plan.batch_size,
        }
    }

    fn run_majority(
        &self,
        m: &MajoritySpec,
        plan: &Plan,
        progress: &dyn Progress,
    ) -> Vec<ReversalRow> {
        let gamma = m.convention.tie.gamma();
        let cells: Vec<MajorityCell> = self
            .qs
            .iter()
            .map(|&q| {
                let mut c =
                    MajorityCell::new(q, m.convention.premined, gamma, m.give_up, self.z_max());
                c.strategy.exact_tail = !m.walk;
                c
            })
            .collect();
        let tallies = estimate(&cells, plan, progress);
        let ctx = RowContext {
            attack: "majority",
            tie: m.convention.tie.to_string(),
            premined: m.convention.premined,
            give_up: m.give_up.map_or("never".into(), |d| d.to_string()),
            ci: self.ci,
            confidence: self.confidence,
        };
        let closed = |q: f64, z: u32| match m.give_up {
            Some(d) => analytic::exact_with_give_up(q, z, m.convention, d),
            None => analytic::exact(q, z, m.convention).value,
        };
        self.qs
            .iter()
            .zip(&tallies)
            .flat_map(|(&q, t)| rows_for_cell(&ctx, q, &self.zs, t, |z| Some(closed(q, z))))
            .collect()
    }
}
