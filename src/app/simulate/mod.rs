//! `dslab simulate`: Monte Carlo of one attack over a grid of q and z.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

mod game;
mod net_args;
mod render;

use super::common::{self, ConventionArgs, Format};
use super::progress::Bar;
use super::warnings;
use crate::attack::majority::{BlockRace, RaceMajority};
use crate::blockrace::pow_source::SIM_BITS;
use crate::error::usage;
use crate::estimate::checkpoint;
use crate::experiment::{
    AttackSpec, CheckpointAt, DEFAULT_MAX_TRIALS, Experiment, Method, RunOptions, Sampling, Source,
};
use crate::params::{parse_simulated_shares, parse_z_list};
use crate::report::shard::ShardFile;
use crate::report::{self, to_csv, to_json};
use crate::stats::CiMethod;
pub use net_args::{IncomingArg, NetArgs, RaceVariantArg};
use net_args::{attack_from_flags, check_net_flags, name_attack_flags};
use render::ci_note;
pub use render::render_table;

/// `--attack`: a registered attack's name (`crate::attack::simulate_names`).
fn attack_name(s: &str) -> Result<String, String> {
    let names = crate::attack::simulate_names();
    if names.contains(&s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "'{s}' is not an attack; use one of {}",
            names.join(", ")
        ))
    }
}

/// Arguments of `dslab simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The attack to simulate: majority, finney, race, vector76, rental, delay-private,
    /// opportunistic or balancing (every attack of the registry, `crate::attack`; a wrong
    /// name lists them), or the mining-game attacks selfish and policy (docs/replay.md).
    #[arg(long, default_value = "majority", value_parser = attack_name)]
    pub attack: String,
    /// Attacker hash shares: a list (0.1,0.3) or start:stop:step.
    #[arg(long, allow_hyphen_values = true, default_value = "0.1,0.2,0.3,0.4")]
    pub q: String,
    /// Confirmations: a range (0..10, inclusive) or a list (0,1,6).
    #[arg(long, default_value = "0..10")]
    pub z: String,
    /// Trials per q: digits or whole scientific notation (1000000, 1e6, 2.5e6).
    #[arg(long, default_value = "1000000", value_parser = common::trial_count)]
    pub trials: u64,
    /// Master seed: the same seed gives the same output on any thread count.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Counting convention.
    #[command(flatten)]
    pub convention: ConventionArgs,
    /// Attacker gives up when this many blocks behind [default: never; the rest of the
    /// race is then resolved exactly, so nothing is truncated].
    #[arg(long, value_name = "D")]
    pub give_up: Option<u32>,
    /// Walk every block to the end of each trial instead of resolving the rest of the race
    /// exactly once all merchants have accepted (slower; for validation; needs --give-up).
    #[arg(long)]
    pub walk: bool,
    /// Confidence interval method of plain Monte Carlo cells (importance-sampled cells
    /// always get normal intervals) [default: wilson].
    #[arg(long, value_enum)]
    pub ci: Option<CiMethod>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Also write reversal.csv and manifest.json into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No progress bar and no informational messages (warnings and errors still print).
    #[arg(long)]
    pub quiet: bool,
    /// Network, merchant and Finney/race/Vector76 options.
    #[command(flatten)]
    pub net: Box<NetArgs>,
    /// Chain preset: its block interval becomes the network's (timed attacks).
    #[command(flatten)]
    pub chain: super::chains::ChainArgs,
    /// Estimator: mc (plain Monte Carlo), is (importance sampling, for 0 < q < 1/2;
    /// majority, finney, opportunistic, delay-private and balancing attacks), or
    /// auto (importance sampling where plain Monte Carlo would miss the precision target).
    #[arg(long, value_enum, default_value = "mc")]
    pub method: Method,
    /// Run each q until every z's interval half-width is at most E times its estimate
    /// (or --max-trials); replaces --trials.
    #[arg(long, value_name = "E", conflicts_with = "trials")]
    pub rel_error: Option<f64>,
    /// Trial cap per q for --rel-error, e.g. 1e8 [default: 100000000].
    #[arg(long, value_name = "N", requires = "rel_error", value_parser = common::trial_count)]
    pub max_trials: Option<u64>,
    /// Attacker share importance sampling draws blocks with until the merchants accept
    /// (only with --method is or auto) [default: 0.5, the best single tilt; see
    /// docs/rare-events.md].
    #[arg(long, value_name = "Q")]
    pub tilt: Option<f64>,
    /// Run only shard I of N (1-based) of every cell's batches and write
    /// DIR/shard-I-of-N.json; combine the N shards with 'dslab merge'.
    #[arg(
        long,
        value_name = "I/N",
        requires = "out",
        conflicts_with = "rel_error"
    )]
    pub shard: Option<String>,
    /// Continue the interrupted run whose checkpoint is in --out (none there: start afresh).
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// Seconds between checkpoint writes into --out.
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    pub checkpoint_every: f64,
    /// Block source: sampled from the Poisson model, or found by real SHA-256d mining
    /// (each miner's share of hash attempts equals its share of hash rate).
    #[arg(long, value_enum, default_value = "poisson")]
    pub mining: Mining,
    /// Difficulty of `--mining pow` in leading zero bits (1..=20): 2^B hashes per block
    /// [default: 8].
    #[arg(long, value_name = "B")]
    pub bits: Option<u32>,
    /// Tie parameters γ of the selfish and policy attacks (the share of honest hash rate
    /// that mines on the attacker's branch during a tie): a list or start:stop:step
    /// [default: 0; `--tie gamma=G` also works].
    #[arg(long, value_name = "G", allow_hyphen_values = true)]
    pub gamma: Option<String>,
    /// The policy file `--attack policy` replays (from `dslab optimize --policy-out`).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Selfish and policy attacks: reward per reversal in block rewards; adds the reversal
    /// rate and the reward per block interval for reversals of at least --z blocks.
    #[arg(long, value_name = "V")]
    pub value: Option<f64>,
}

/// Where a simulation's blocks come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mining {
    /// Each block is the attacker's with probability q (exact for Poisson mining).
    Poisson,
    /// Real SHA-256d hashing of real headers against a reduced target.
    Pow,
}

/// Default `--bits` of `--mining pow`: 256 hashes per block.
pub const DEFAULT_POW_BITS: u32 = 8;

/// The block-race experiment for the chosen block source.
fn with_mining(args: &SimulateArgs, attack: RaceMajority) -> anyhow::Result<AttackSpec> {
    let race = |pow_bits| AttackSpec::BlockRace(BlockRace { attack, pow_bits });
    match (args.mining, args.bits) {
        (Mining::Poisson, None) => Ok(race(None)),
        (Mining::Poisson, Some(b)) => Err(usage(
            "--bits",
            b,
            "--bits sets the difficulty of real mining: add --mining pow or drop --bits",
        )),
        (Mining::Pow, bits) => {
            let bits = bits.unwrap_or(DEFAULT_POW_BITS);
            if !SIM_BITS.contains(&bits) {
                let (lo, hi) = (SIM_BITS.start(), SIM_BITS.end());
                let fix = format!("give {lo} to {hi} leading zero bits (2^B hashes per block)");
                return Err(usage("--bits", bits, &fix));
            }
            Ok(race(Some(bits)))
        }
    }
}

/// Flags → validated experiment.
fn experiment(args: &SimulateArgs) -> anyhow::Result<Experiment> {
    if args.trials == 0 {
        return Err(usage("--trials", 0, "run at least 1 trial"));
    }
    common::open_unit("--confidence", args.confidence, "the confidence level")?;
    if let Some(e) = args.rel_error {
        common::open_unit("--rel-error", e, "the relative precision")?;
    }
    if let Some(t) = args.tilt {
        common::open_unit("--tilt", t, "the tilted attacker share")?;
    }
    if args.max_trials == Some(0) {
        return Err(usage("--max-trials", 0, "allow at least 1 trial"));
    }
    // The attack's table from its flags; without a network, an attack that runs on the
    // zero-latency block race runs there (`crate::attack::TimedAttack::block_race`).
    let spec = attack_from_flags(args)?;
    let block_race = spec.race_engine(args.net.network.is_some());
    let on_network = block_race.is_none();
    if on_network && args.mining == Mining::Pow {
        return Err(usage(
            "--mining",
            "pow",
            "real mining drives the zero-latency majority race only; drop --mining pow",
        ));
    }
    check_net_flags(args, on_network)?;
    let attack = match block_race {
        Some(race) => with_mining(args, race.map_err(|e| name_attack_flags(args, e))?)?,
        None => args
            .net
            .attack(spec)
            .map_err(|e| name_attack_flags(args, e))?,
    };
    let exp = Experiment {
        name: "simulate".into(),
        attack,
        qs: parse_simulated_shares("--q", &args.q)?,
        zs: parse_z_list("--z", &args.z)?,
        trials: match args.rel_error {
            Some(_) => args.max_trials.unwrap_or(DEFAULT_MAX_TRIALS),
            None => args.trials,
        },
        seed: args.seed,
        ci: args.ci.unwrap_or(CiMethod::Wilson),
        confidence: args.confidence,
        sampling: Sampling {
            method: args.method,
            rel_error: args.rel_error,
            tilt: args.tilt,
        },
    };
    // The cross-field rules of sampling, shared with scenario files.
    match exp.sampling_conflict() {
        Some(c) => Err(usage(
            &Source::Flags.key(c.key()),
            c.value(),
            &c.fix(Source::Flags),
        )),
        None => Ok(exp),
    }
}

/// Run `dslab simulate`.
pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    if crate::attack::is_game(&args.attack) {
        return game::run(&args);
    }
    game::reject_game_flags(&args)?;
    let args = super::chains::apply_to_simulate(args)?;
    let exp = experiment(&args)?;
    let threads = common::threads(args.threads)?;
    let shard = common::shard_flag(args.shard.as_deref())?;
    let every = common::checkpoint_every(args.checkpoint_every)?;
    let out_dir = match &args.out {
        Some(d) => Some(common::prepare_out_dir("--out", d)?),
        None => None,
    };
    let checkpoint = out_dir.as_deref().map(|dir| CheckpointAt {
        dir,
        resume: args.resume,
        every,
    });
    if let Some(cp) = checkpoint.filter(|c| !c.resume) {
        let old = cp.dir.join(checkpoint::file_name(shard));
        if old.exists() {
            eprintln!(
                "note: '{}' holds an earlier run's checkpoint; starting afresh (pass --resume to continue it)",
                old.display()
            );
        }
    }
    let bar = Bar::new(exp.cells(), exp.trials, args.quiet, exp.attack.name());
    let opts = RunOptions {
        shard,
        checkpoint,
        interrupt: Some(common::interrupt_flag()),
    };
    let command = common::command_line();
    let outcome = common::with_pool(threads, || exp.run_with(&opts, &bar))?
        .map_err(|e| interrupted_context(e, out_dir.as_deref(), shard, &command))?;
    bar.finish();
    // Whether --resume found a checkpoint matters to the result's provenance: said even
    // under --quiet, as before.
    let outcome_rows = outcome.rows();
    if outcome.resumed_trials > 0 {
        eprintln!(
            "resumed from the checkpoint: {} trials were already done",
            outcome.resumed_trials
        );
    }
    // Warnings print whatever --quiet says.
    if let Some(w) = warnings::low_ess(&outcome_rows) {
        eprintln!("warning: {w}");
    }
    if let Some(w) = warnings::few_graphs(&outcome_rows) {
        eprintln!("warning: {w}");
    }
    if let Some(w) = warnings::trial_cap(&exp, &outcome_rows, "--max-trials") {
        eprintln!("warning: {w}");
    }
    if let Some(note) = ci_note(args.ci, &outcome_rows) {
        eprintln!("note: {note}");
    }
    if let (Some(s), Some(dir)) = (shard, &out_dir) {
        let file = ShardFile::new(&exp, &outcome, s, threads, &command)?;
        let path = report::shard::write(dir, &file)?;
        report::remove_checkpoint(dir, shard);
        if !args.quiet {
            eprintln!(
                "wrote shard {}/{} to '{}'; when all {} are done: dslab merge FOLDERS... --out DIR",
                s.0 + 1,
                s.1,
                path.display(),
                s.1
            );
        }
        return Ok(());
    }
    let stdout = match args.format {
        Format::Csv => to_csv(&outcome_rows)?,
        Format::Json => to_json(&outcome_rows)?,
        Format::Table => render_table(&exp, &outcome_rows),
    };
    if let Some(dir) = out_dir {
        report::write_result(&dir, &exp, &outcome, threads, &command)?;
        report::remove_checkpoint(&dir, shard);
    }
    print!("{stdout}");
    Ok(())
}

/// An interrupted run says where its checkpoint is and the command that continues it (the
/// same command line plus `--resume`); other errors pass through.
fn interrupted_context(
    e: anyhow::Error,
    out_dir: Option<&std::path::Path>,
    shard: Option<(u64, u64)>,
    command: &str,
) -> anyhow::Error {
    if e.downcast_ref::<crate::error::Interrupted>().is_none() {
        return e;
    }
    let Some(dir) = out_dir else {
        return e.context(
            "nothing was saved: without --out there is no checkpoint; \
             run with --out DIR to be able to continue an interrupted run",
        );
    };
    let again = if command.split(' ').any(|a| a == "--resume") {
        command.to_string()
    } else {
        format!("{command} --resume")
    };
    e.context(format!(
        "the checkpoint is saved in '{}': continue with `{again}`",
        dir.join(checkpoint::file_name(shard)).display()
    ))
}
