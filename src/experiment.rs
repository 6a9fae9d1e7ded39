//! A validated experiment: which attack, over which grid, how many trials, from which seed.
//!
//! Both the command line (`dslab simulate`) and scenario files (`dslab run`) build an
//! [`Experiment`]; [`Experiment::run`] turns it into rows of `reversal.csv`. Past this
//! boundary every value is valid.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::attack::NetExperiment;
use crate::attack::majority::BlockRace;
use crate::attack::majority::race::RaceGrid;
use crate::attack::timed::Grid;
use crate::estimate::checkpoint::{self, Checkpoint};
use crate::estimate::results::ResultSet;
use crate::estimate::schedule::{self, RunState, StopRatio};
use crate::estimate::tally::Tally;
use crate::estimate::weighted::Tilt;
use crate::estimate::{BATCH_SIZE, CellSim, Plan, Progress};
use crate::stats::CiMethod;

/// Which attack, on which engine, with its parameters.
// One value per experiment, built once and never stored in bulk: the size of the network
// variant costs nothing, and boxing it would only add indirection at every match.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum AttackSpec {
    /// An attack on the zero-latency block race (see `crate::attack::TimedAttack::block_race`).
    BlockRace(BlockRace),
    /// Any registered attack on the timed engine (zero latency or a network; see
    /// `crate::attack`).
    Timed(NetExperiment),
}

/// Serialised as `{"kind": ..., fields...}` with the kinds of earlier builds
/// (`majority`, `majority-pow`, `finney`, `race`, `vector76`, `majority-net`), so
/// fingerprints, checkpoints and shards keep their meaning.
impl Serialize for AttackSpec {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Tagged<'a, T: Serialize> {
            kind: &'a str,
            #[serde(flatten)]
            inner: &'a T,
        }
        match self {
            AttackSpec::BlockRace(b) => b.serialize(ser),
            AttackSpec::Timed(n) => Tagged {
                kind: n.attack.get().experiment_kind(),
                inner: n,
            }
            .serialize(ser),
        }
    }
}

impl AttackSpec {
    /// The attack's name in output files.
    pub fn name(&self) -> &'static str {
        match self {
            AttackSpec::BlockRace(b) => b.name(),
            AttackSpec::Timed(n) => n.name(),
        }
    }

    /// One line describing the model and convention, for table headers and plots.
    pub fn describe(&self) -> String {
        match self {
            AttackSpec::BlockRace(b) => b.describe(),
            AttackSpec::Timed(n) => n.describe(),
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
    /// Estimator and stopping rule. With a target precision, `trials` is the cap per cell.
    pub sampling: Sampling,
}

/// How the cells of a grid are estimated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Plain Monte Carlo: count reversals.
    #[default]
    Mc,
    /// Importance sampling (for 0 < q < ½; other cells use Monte Carlo).
    Is,
    /// Importance sampling where plain Monte Carlo would be too noisy (see `Method::uses_is`).
    Auto,
}

/// Relative half-width `auto` accepts from plain Monte Carlo when no target is given.
pub const AUTO_REL_ERROR: f64 = 0.1;

/// Trial cap per cell of a target-precision run when none is given.
pub const DEFAULT_MAX_TRIALS: u64 = 100_000_000;

impl Method {
    /// Name used in output files.
    pub fn name(self) -> &'static str {
        match self {
            Method::Mc => "mc",
            Method::Is => "is",
            Method::Auto => "auto",
        }
    }

    /// Whether a cell of share `q` is estimated by importance sampling. `probs` are the
    /// closed forms of its z, `trials` the budget, `target` the wanted relative half-width
    /// (default [`AUTO_REL_ERROR`]) at `confidence`.
    ///
    /// `auto` picks importance sampling when plain Monte Carlo with the whole budget would
    /// miss the target at some z, i.e. k·√((1 − P)/(n P)) > E for some 0 < P < 1, where k is
    /// the normal quantile of the confidence level.
    pub fn uses_is(
        self,
        q: f64,
        probs: &[f64],
        trials: u64,
        target: Option<f64>,
        confidence: f64,
    ) -> bool {
        let applies = q > 0.0 && q < 0.5;
        match self {
            Method::Mc => false,
            Method::Is => applies,
            Method::Auto => {
                use statrs::distribution::{ContinuousCDF, Normal};
                let k = Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
                let e = target.unwrap_or(AUTO_REL_ERROR);
                let n = trials as f64;
                applies
                    && probs
                        .iter()
                        .any(|&p| p > 0.0 && p < 1.0 && k * ((1.0 - p) / (n * p)).sqrt() > e)
            }
        }
    }
}

/// Estimator and stopping rule of an experiment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Sampling {
    /// Monte Carlo, importance sampling, or automatic choice per q.
    pub method: Method,
    /// Run each q until every z's interval half-width is at most this fraction of its
    /// estimate (or the trial cap, `Experiment::trials`). None: run exactly `trials`.
    pub rel_error: Option<f64>,
    /// Attacker share importance sampling draws blocks with until acceptance (None: ½).
    pub tilt: Option<f64>,
}

/// Where an experiment's settings came from, so that a message names a setting the way
/// the user wrote it: `--method is` on the command line, `method = "is"` in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `dslab simulate` flags.
    Flags,
    /// A scenario file's keys.
    File,
}

impl Source {
    /// The setting `key` = `value` as this source writes it.
    fn setting(self, key: &str, value: &str) -> String {
        match self {
            Source::Flags => format!("--{} {value}", key.replace('_', "-")),
            Source::File => format!("{key} = \"{value}\""),
        }
    }

    /// The name of `key` in this source (`--tilt`, `tilt`).
    pub fn key(self, key: &str) -> String {
        match self {
            Source::Flags => format!("--{}", key.replace('_', "-")),
            Source::File => key.to_string(),
        }
    }
}

/// A cross-field rule of sampling that an experiment's settings break. Checked once, by
/// [`Experiment::sampling_conflict`], for flags and scenario files alike; each caller
/// places the error at its flag or at the file's line.
#[derive(Clone, Debug, PartialEq)]
pub enum Conflict {
    /// A tilt given while the method is plain Monte Carlo.
    TiltWithoutIs {
        /// The tilt given.
        tilt: f64,
    },
    /// Importance sampling asked of an attack it does not apply to.
    NotTiltable {
        /// The attack.
        attack: &'static str,
    },
    /// Importance sampling asked of real mining, whose blocks come from hashes.
    PowTilted,
}

impl Conflict {
    /// The setting at fault (`tilt` or `method`).
    pub fn key(&self) -> &'static str {
        match self {
            Conflict::TiltWithoutIs { .. } => "tilt",
            Conflict::NotTiltable { .. } | Conflict::PowTilted => "method",
        }
    }

    /// Its value.
    pub fn value(&self) -> String {
        match self {
            Conflict::TiltWithoutIs { tilt } => tilt.to_string(),
            Conflict::NotTiltable { .. } | Conflict::PowTilted => "is".into(),
        }
    }

    /// How to fix it, naming the settings as `source` writes them.
    pub fn fix(&self, source: Source) -> String {
        let method = |m: &str| source.setting("method", m);
        match self {
            Conflict::TiltWithoutIs { .. } => format!(
                "the tilt is importance sampling's: add {} (or auto), or drop {}",
                method("is"),
                source.key("tilt")
            ),
            Conflict::NotTiltable { attack } => format!(
                "importance sampling applies to the attacks that can be tilted ({}); use {} or \
                 auto for {attack}",
                crate::attack::tiltable_names().join(", "),
                method("mc")
            ),
            Conflict::PowTilted => format!(
                "real mining cannot be tilted; use {} or Poisson mining",
                method("mc")
            ),
        }
    }
}

/// Where and how a run keeps a checkpoint.
#[derive(Clone, Copy, Debug)]
pub struct CheckpointAt<'a> {
    /// Folder of the checkpoint file (the run's output folder).
    pub dir: &'a Path,
    /// Continue from an existing checkpoint (a missing one starts afresh).
    pub resume: bool,
    /// Minimum time between checkpoint writes.
    pub every: Duration,
}

/// Options of a run that do not change what it estimates.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions<'a> {
    /// Run only shard (i, n), 0-based: batches b with b mod n = i.
    pub shard: Option<(u64, u64)>,
    /// Keep a checkpoint (and possibly resume from it).
    pub checkpoint: Option<CheckpointAt<'a>>,
    /// Set (e.g. by a Ctrl-C handler) to stop after the current chunk of batches; the
    /// checkpoint is written first and the run ends with [`crate::error::Interrupted`].
    pub interrupt: Option<&'a std::sync::atomic::AtomicBool>,
}

/// The result of running an experiment.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Wall time of the simulation.
    pub wall_seconds: f64,
    /// Trials over all cells.
    pub total_trials: u64,
    /// Trials per batch used.
    pub batch_size: u64,
    /// The per-cell results (`crate::report::rows` renders them; shards and merges
    /// carry them).
    pub results: ResultSet,
    /// Trials already done by the checkpoint this run resumed from (0: fresh run).
    pub resumed_trials: u64,
}

impl Experiment {
    /// Largest z of the grid.
    pub fn z_max(&self) -> u32 {
        *self.zs.last().expect("an experiment has at least one z")
    }

    /// Cells of the grid (q values, times sweep points for network attacks).
    pub fn cells(&self) -> u64 {
        match self.network() {
            Some(n) => n.cells(self.qs.len()),
            None => self.qs.len() as u64,
        }
    }

    /// The network experiment, for the attacks that run on `crate::net`.
    pub fn network(&self) -> Option<&NetExperiment> {
        match &self.attack {
            AttackSpec::Timed(n) => Some(n),
            AttackSpec::BlockRace(_) => None,
        }
    }

    /// The first cross-field rule of sampling the settings break, if any.
    pub fn sampling_conflict(&self) -> Option<Conflict> {
        let s = &self.sampling;
        if let Some(tilt) = s.tilt.filter(|_| s.method == Method::Mc) {
            return Some(Conflict::TiltWithoutIs { tilt });
        }
        if s.method != Method::Is {
            return None;
        }
        match &self.attack {
            AttackSpec::BlockRace(b) if b.pow_bits.is_some() => Some(Conflict::PowTilted),
            AttackSpec::Timed(n) if !n.can_tilt() => {
                Some(Conflict::NotTiltable { attack: n.name() })
            }
            _ => None,
        }
    }

    /// The importance-sampling tilt of the cell of share `q` whose closed forms are
    /// `probs` (None: plain Monte Carlo), as the method decides.
    fn choose_tilt(&self, q: f64, probs: &[f64]) -> Option<Tilt> {
        let s = &self.sampling;
        s.method
            .uses_is(q, probs, self.trials, s.rel_error, self.confidence)
            .then(|| {
                let mut tilt = Tilt::for_share(q);
                tilt.accept = s.tilt.unwrap_or(tilt.accept);
                tilt
            })
    }

    /// Network attacks: every (sweep point, q) cell is one cell of the schedule, so
    /// shards, checkpoints and target precision work as for the block race.
    fn run_network(
        &self,
        n: &NetExperiment,
        plan: &Plan,
        opts: &RunOptions<'_>,
        progress: &dyn Progress,
    ) -> anyhow::Result<(ResultSet, u64, u64)> {
        let grid = Grid {
            qs: &self.qs,
            zs: &self.zs,
            ci: self.ci,
            confidence: self.confidence,
        };
        let points = n.prepare_points(plan.seed)?;
        let mut set = n.result_set(&points, &grid, self.sampling.rel_error);
        if n.can_tilt() {
            let setting = n.setting();
            for c in &mut set.cells {
                // The closed forms, or where there is none the attack's guide value.
                let probs: Vec<f64> = self
                    .zs
                    .iter()
                    .zip(&c.exact)
                    .filter_map(|(&z, e)| e.or_else(|| n.attack.get().guide(c.q, z, &setting)))
                    .collect();
                c.tilt = self.choose_tilt(c.q, &probs).map(|t| t.accept);
            }
        }
        let cells = crate::attack::timed::sim_cells(&points, &set);
        let (state, resumed) = self.run_cells(&cells, &set, plan, opts, progress)?;
        Ok(fill(set, state, resumed))
    }

    /// Run on the current rayon pool, reporting progress.
    pub fn run(&self, progress: &dyn Progress) -> Outcome {
        self.run_with(&RunOptions::default(), progress)
            .expect("a run without a checkpoint does no I/O and cannot fail")
    }

    /// Fingerprint of the parameters (as in `manifest.json`): identifies a run for
    /// checkpoints and shard merges.
    pub fn fingerprint(&self) -> String {
        let params = serde_json::to_value(self).expect("an experiment serialises");
        crate::files::fingerprint(params.to_string().as_bytes())
    }

    /// Run with shard and checkpoint options on the current rayon pool.
    pub fn run_with(
        &self,
        opts: &RunOptions<'_>,
        progress: &dyn Progress,
    ) -> anyhow::Result<Outcome> {
        let plan = Plan {
            trials: self.trials,
            batch_size: BATCH_SIZE,
            seed: self.seed,
            shard: opts.shard,
        };
        let start = Instant::now();
        let (results, resumed_trials, total_trials) = match &self.attack {
            AttackSpec::BlockRace(b) => self.run_block_race(b, &plan, opts, progress)?,
            AttackSpec::Timed(n) => self.run_network(n, &plan, opts, progress)?,
        };
        Ok(Outcome {
            wall_seconds: start.elapsed().as_secs_f64(),
            total_trials,
            batch_size: plan.batch_size,
            results,
            resumed_trials,
        })
    }

    /// Block-race attacks: one cell per q, from the attack's own cell builder.
    fn run_block_race(
        &self,
        b: &BlockRace,
        plan: &Plan,
        opts: &RunOptions<'_>,
        progress: &dyn Progress,
    ) -> anyhow::Result<(ResultSet, u64, u64)> {
        let grid = RaceGrid {
            qs: &self.qs,
            zs: &self.zs,
            ci: self.ci,
            confidence: self.confidence,
            rel_error: self.sampling.rel_error,
        };
        let (set, cells) = b.cells(&grid, &|q, probs| self.choose_tilt(q, probs));
        let (state, resumed) = self.run_cells(&cells, &set, plan, opts, progress)?;
        Ok(fill(set, state, resumed))
    }

    /// Run (or resume) the cells' schedule; returns the final state and the trials the
    /// checkpoint had already done.
    fn run_cells<C: CellSim>(
        &self,
        cells: &[C],
        set: &ResultSet,
        plan: &Plan,
        opts: &RunOptions<'_>,
        progress: &dyn Progress,
    ) -> anyhow::Result<(RunState, u64)> {
        let adaptive = self.sampling.rel_error.is_some();
        let fresh = Checkpoint {
            format: checkpoint::FORMAT.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            scenario_hash: self.fingerprint(),
            batch_size: plan.batch_size,
            shard: plan.shard,
            state: RunState::new(cells, plan, adaptive),
        };
        let mut state = resume_state(&fresh, opts)?;
        let resumed = state.trials();
        progress.advance(resumed);
        let target = self.sampling.rel_error.unwrap_or(f64::INFINITY);
        let ratio = |i: usize, t: &Tally| stop_ratio(set, i, t, target);
        let mut last = Instant::now();
        let mut save = |st: &RunState| -> anyhow::Result<()> {
            let interrupted = opts
                .interrupt
                .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed));
            let Some(cp) = opts.checkpoint else {
                return if interrupted {
                    Err(crate::error::Interrupted.into())
                } else {
                    Ok(())
                };
            };
            if last.elapsed() < cp.every && !st.finished() && !interrupted {
                return Ok(());
            }
            last = Instant::now();
            let c = Checkpoint {
                state: st.clone(),
                ..fresh.clone()
            };
            let path = cp.dir.join(checkpoint::file_name(plan.shard));
            crate::files::write_atomic(&path, c.to_json().as_bytes())?;
            if interrupted {
                return Err(crate::error::Interrupted.into());
            }
            Ok(())
        };
        let stop: Option<StopRatio<'_>> = if adaptive { Some(&ratio) } else { None };
        schedule::run(cells, plan, stop, &mut state, progress, &mut save)?;
        Ok((state, resumed))
    }
}

/// Move a finished run's tallies into `set`; returns (set, trials resumed, trials in all).
fn fill(mut set: ResultSet, state: RunState, resumed: u64) -> (ResultSet, u64, u64) {
    let mut total = 0;
    for (cell, p) in set.cells.iter_mut().zip(state.cells) {
        total += p.tally.trials;
        cell.tally = p.tally;
    }
    (set, resumed, total)
}

/// The state to start from: the checkpoint in the output folder when resuming (refused,
/// exit 2, if it belongs to another run), else `fresh`'s.
fn resume_state(fresh: &Checkpoint, opts: &RunOptions<'_>) -> anyhow::Result<RunState> {
    let Some(cp) = opts.checkpoint.filter(|c| c.resume) else {
        return Ok(fresh.state.clone());
    };
    let path = cp.dir.join(checkpoint::file_name(fresh.shard));
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(fresh.state.clone());
    };
    let saved = Checkpoint::from_json(&bytes)
        .and_then(|c| c.check(fresh).map(|()| c))
        .map_err(|e| {
            crate::error::usage(
                "--resume",
                path.display(),
                &format!(
                    "cannot resume this checkpoint: {e}; delete it or use another --out folder"
                ),
            )
        })?;
    Ok(saved.state)
}

/// Stop rule of cell `i` of a target-precision run: the worst ratio over its z of the
/// achieved to the wanted relative half-width `target`, exactly as its rows will report it
/// (≤ 1: every row met it).
fn stop_ratio(set: &ResultSet, i: usize, tally: &Tally, target: f64) -> f64 {
    set.estimates(i, tally, Some(target))
        .iter()
        .map(|e| e.target_ratio(target))
        .fold(0.0, f64::max)
}
