//! `dslab simulate`: Monte Carlo of one attack over a grid of q and z.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};

use super::common::{self, ConventionArgs, Format};
use super::progress::Bar;
use crate::analytic;
use crate::error::usage;
use crate::params::{Convention, parse_share_list, parse_z_list};
use crate::report::manifest::{Manifest, fingerprint};
use crate::report::rows::{RowContext, rows_for_cell};
use crate::report::{ReversalRow, table, to_csv, to_json, write_atomic};
use crate::sim::MajorityCell;
use crate::sim::estimate::{BATCH_SIZE, Plan, estimate};
use crate::sim::rng::GENERATOR;
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
    #[arg(long, default_value = "0.1,0.2,0.3,0.4")]
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
    /// exactly once all merchants have accepted (slower; for validation).
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
}

/// Validated simulation request for the majority attack.
struct Request {
    qs: Vec<f64>,
    zs: Vec<u32>,
    conv: Convention,
    give_up: Option<u32>,
}

fn validate(args: &SimulateArgs) -> anyhow::Result<Request> {
    if args.attack != AttackName::Majority {
        return Err(usage(
            "--attack",
            format!("{:?}", args.attack).to_lowercase(),
            "only the majority attack is built so far",
        ));
    }
    if args.trials == 0 {
        return Err(usage("--trials", 0, "run at least 1 trial"));
    }
    if args.give_up == Some(0) {
        return Err(usage("--give-up", 0, "use a deficit of at least 1 block"));
    }
    common::open_unit("--confidence", args.confidence, "the confidence level")?;
    Ok(Request {
        qs: parse_share_list("--q", &args.q)?,
        zs: parse_z_list("--z", &args.z)?,
        conv: args.convention.resolve(Convention::DEFAULT)?,
        give_up: args.give_up,
    })
}

/// Run `dslab simulate`.
pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let req = validate(&args)?;
    let threads = common::threads(args.threads)?;
    let out_dir = match &args.out {
        Some(d) => Some(common::prepare_out_dir("--out", d)?),
        None => None,
    };
    let z_max = *req.zs.last().expect("parse_z_list returns a non-empty list");
    let gamma = req.conv.tie.gamma();
    let cells: Vec<MajorityCell> = req
        .qs
        .iter()
        .map(|&q| {
            let mut c = MajorityCell::new(q, req.conv.premined, gamma, req.give_up, z_max);
            c.strategy.exact_tail = !args.walk;
            c
        })
        .collect();
    let plan = Plan {
        trials: args.trials,
        batch_size: BATCH_SIZE,
        seed: args.seed,
        shard: None,
    };
    let bar = Bar::new(args.trials * cells.len() as u64, args.quiet, "majority");
    let start = Instant::now();
    let tallies = common::with_pool(threads, || estimate(&cells, &plan, &bar))?;
    bar.finish();
    let wall = start.elapsed().as_secs_f64();

    let ctx = RowContext {
        attack: "majority",
        tie: req.conv.tie.to_string(),
        premined: req.conv.premined,
        give_up: req.give_up.map_or("never".into(), |d| d.to_string()),
        ci: args.ci,
        confidence: args.confidence,
    };
    let rows: Vec<ReversalRow> = req
        .qs
        .iter()
        .zip(&tallies)
        .flat_map(|(&q, t)| {
            rows_for_cell(&ctx, q, &req.zs, t, |z| Some(closed_form(q, z, &req)))
        })
        .collect();
    let stdout = match args.format {
        Format::Csv => to_csv(&rows)?,
        Format::Json => to_json(&rows)?,
        Format::Table => render_table(&rows, &req, &args),
    };
    if let Some(dir) = out_dir {
        let manifest = Manifest {
            version: env!("CARGO_PKG_VERSION").into(),
            command: common::command_line(),
            scenario: "simulate".into(),
            scenario_hash: fingerprint(parameters(&args, &req).to_string().as_bytes()),
            parameters: parameters(&args, &req),
            seed: args.seed,
            generator: GENERATOR.into(),
            trials: args.trials,
            batch_size: plan.batch_size,
            threads,
            wall_seconds: wall,
            trials_per_second: (args.trials * cells.len() as u64) as f64 / wall.max(1e-9),
        };
        write_atomic(&dir.join("reversal.csv"), to_csv(&rows)?.as_bytes())?;
        write_atomic(
            &dir.join("manifest.json"),
            (serde_json::to_string_pretty(&manifest)? + "\n").as_bytes(),
        )?;
    }
    print!("{stdout}");
    Ok(())
}

/// The closed form under the simulation's own convention and give-up rule.
fn closed_form(q: f64, z: u32, req: &Request) -> f64 {
    match req.give_up {
        Some(d) => analytic::exact_with_give_up(q, z, req.conv, d),
        None => analytic::exact(q, z, req.conv).value,
    }
}

fn parameters(args: &SimulateArgs, req: &Request) -> serde_json::Value {
    serde_json::json!({
        "attack": "majority",
        "q": req.qs,
        "z": req.zs,
        "premined": req.conv.premined,
        "tie": req.conv.tie.to_string(),
        "give_up": req.give_up,
        "walk": args.walk,
        "ci": args.ci.name(),
        "confidence": args.confidence,
    })
}

fn render_table(rows: &[ReversalRow], req: &Request, args: &SimulateArgs) -> String {
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
    let give_up = req.give_up.map_or(
        "never gives up (rest of race resolved exactly)".to_string(),
        |d| format!("gives up {d} blocks behind"),
    );
    format!(
        "majority attack, zero-latency block race; {}; attacker {give_up}\n\
         {} trials per q, seed {}, {} {}% intervals; exact = closed form, same convention\n{}",
        req.conv,
        args.trials,
        args.seed,
        args.ci.name(),
        args.confidence * 100.0,
        table::render(&header, &body)
    )
}
