//! `dslab simulate`: Monte Carlo of one attack over a grid of q and z.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::common::{self, ConventionArgs, Format};
use super::progress::Bar;
use crate::error::usage;
use crate::experiment::{AttackSpec, Experiment, MajoritySpec};
use crate::params::{Convention, parse_share_list, parse_z_list};
use crate::report::{self, table, to_csv, to_json};
use crate::sim::pow_source::SIM_BITS;
use crate::stats::CiMethod;

/// The attacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AttackName {
    /// Private-chain double spend ("51 %").
    Majority,
    /// Withheld self-paying block, released after the merchant accepts.
    Finney,
    /// Payment to the merchant, conflicting transaction to the network.
    Race,
    /// One-confirmation attack through a direct connection to the merchant.
    Vector76,
}

/// Arguments of `dslab simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The attack to simulate.
    #[arg(long, value_enum, default_value = "majority")]
    pub attack: AttackName,
    /// Attacker hash shares: a list (0.1,0.3) or start:stop:step.
    #[arg(long, allow_hyphen_values = true, default_value = "0.1,0.2,0.3,0.4")]
    pub q: String,
    /// Confirmations: a range (0..10, inclusive) or a list (0,1,6).
    #[arg(long, default_value = "0..10")]
    pub z: String,
    /// Trials per q.
    #[arg(long, default_value_t = 1_000_000)]
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
    /// Confidence interval method.
    #[arg(long, value_enum, default_value = "wilson")]
    pub ci: CiMethod,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Also write reversal.csv and manifest.json into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Block source: sampled from the Poisson model, or found by real SHA-256d mining
    /// (each miner's share of hash attempts equals its share of hash rate).
    #[arg(long, value_enum, default_value = "poisson")]
    pub mining: Mining,
    /// Difficulty of `--mining pow` in leading zero bits (1..=20): 2^B hashes per block
    /// [default: 8].
    #[arg(long, value_name = "B")]
    pub bits: Option<u32>,
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

/// The attack spec for the chosen block source.
fn with_mining(args: &SimulateArgs, majority: MajoritySpec) -> anyhow::Result<AttackSpec> {
    match (args.mining, args.bits) {
        (Mining::Poisson, None) => Ok(AttackSpec::Majority(majority)),
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
            Ok(AttackSpec::MajorityPow { majority, bits })
        }
    }
}

/// Flags → validated experiment.
fn experiment(args: &SimulateArgs) -> anyhow::Result<Experiment> {
    if args.trials == 0 {
        return Err(usage("--trials", 0, "run at least 1 trial"));
    }
    if args.give_up == Some(0) {
        return Err(usage("--give-up", 0, "use a deficit of at least 1 block"));
    }
    if args.walk && args.give_up.is_none() {
        return Err(usage(
            "--walk",
            "without --give-up",
            "a walked race needs an end: add --give-up D (e.g. 40)",
        ));
    }
    common::open_unit("--confidence", args.confidence, "the confidence level")?;
    let attack = match args.attack {
        AttackName::Majority => with_mining(
            args,
            MajoritySpec {
                convention: args.convention.resolve(Convention::DEFAULT)?,
                give_up: args.give_up,
                walk: args.walk,
            },
        )?,
        other => {
            return Err(usage(
                "--attack",
                format!("{other:?}").to_lowercase(),
                "only the majority attack is built so far",
            ));
        }
    };
    Ok(Experiment {
        name: "simulate".into(),
        attack,
        qs: parse_share_list("--q", &args.q)?,
        zs: parse_z_list("--z", &args.z)?,
        trials: args.trials,
        seed: args.seed,
        ci: args.ci,
        confidence: args.confidence,
    })
}

/// Run `dslab simulate`.
pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let exp = experiment(&args)?;
    let threads = common::threads(args.threads)?;
    let out_dir = match &args.out {
        Some(d) => Some(common::prepare_out_dir("--out", d)?),
        None => None,
    };
    let bar = Bar::new(
        exp.trials * exp.qs.len() as u64,
        args.quiet,
        exp.attack.name(),
    );
    let outcome = common::with_pool(threads, || exp.run(&bar))?;
    bar.finish();
    let stdout = match args.format {
        Format::Csv => to_csv(&outcome.rows)?,
        Format::Json => to_json(&outcome.rows)?,
        Format::Table => render_table(&exp, &outcome.rows),
    };
    if let Some(dir) = out_dir {
        report::write_result(&dir, &exp, &outcome, threads, &common::command_line())?;
    }
    print!("{stdout}");
    Ok(())
}

/// The terminal table: q, z, estimate, interval, closed form (+ blocks for q > 1/2).
pub fn render_table(exp: &Experiment, rows: &[report::ReversalRow]) -> String {
    let blocks = rows.iter().any(|r| r.mean_blocks.is_some());
    let mut header = vec!["q", "z", "P(reversal)", "interval", "exact"];
    if blocks {
        header.extend(["mean blocks", "p99 blocks"]);
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                r.q.to_string(),
                r.z.to_string(),
                table::prob(r.probability),
                format!("[{}, {}]", table::prob(r.ci_low), table::prob(r.ci_high)),
                r.exact.map_or(String::new(), table::prob),
            ];
            if blocks {
                v.push(r.mean_blocks.map_or(String::new(), |m| format!("{m:.1}")));
                v.push(r.p99_blocks.map_or(String::new(), |m| m.to_string()));
            }
            v
        })
        .collect();
    format!(
        "{}\n{} trials per q, seed {}, {} {}% intervals; exact = closed form, same convention\n{}",
        exp.attack.describe(),
        exp.trials,
        exp.seed,
        exp.ci.name(),
        exp.confidence * 100.0,
        table::render(&header, &body)
    )
}
