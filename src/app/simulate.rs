//! `dslab simulate`: Monte Carlo of one attack over a grid of q and z.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::common::{self, ConventionArgs, Format};
use super::progress::Bar;
use super::warnings;
use crate::error::{UsageError, usage};
use crate::experiment::{
    AttackSpec, CheckpointAt, DEFAULT_MAX_TRIALS, Experiment, MajoritySpec, Method, RunOptions,
    Sampling,
};
use crate::net::NetExperiment;
use crate::net::cell::NetAttack;
use crate::net::spec::{
    FinneySpec, Incoming, MerchantSpec, NetworkModel, NetworkSpec, RaceSpec, RaceVariant,
    Vector76Spec,
};
use crate::net::sweep::Sweep;
use crate::params::{Convention, parse_simulated_shares, parse_z_list};
use crate::report::shard::ShardFile;
use crate::report::{self, table, to_csv, to_json};
use crate::sim::checkpoint;
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
    /// Estimator: mc (plain Monte Carlo), is (importance sampling, for 0 < q < 1/2;
    /// majority and finney attacks), or
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
    if let Some(e) = args.rel_error {
        common::open_unit("--rel-error", e, "the relative precision")?;
    }
    if let Some(t) = args.tilt {
        common::open_unit("--tilt", t, "the tilted attacker share")?;
        if args.method == Method::Mc {
            return Err(usage(
                "--tilt",
                t,
                "the tilt is importance sampling's: add --method is (or auto), or drop --tilt",
            ));
        }
    }
    if args.mining == Mining::Pow && args.method == Method::Is {
        return Err(usage(
            "--method",
            "is",
            "real mining (--mining pow) cannot be tilted; use --method mc or --mining poisson",
        ));
    }
    if args.max_trials == Some(0) {
        return Err(usage("--max-trials", 0, "allow at least 1 trial"));
    }
    let on_network = args.attack != AttackName::Majority || args.net.network.is_some();
    if on_network && args.mining == Mining::Pow {
        return Err(usage(
            "--mining",
            "pow",
            "real mining drives the zero-latency majority race only; drop --mining pow",
        ));
    }
    if matches!(args.attack, AttackName::Race | AttackName::Vector76) && args.method == Method::Is {
        return Err(usage(
            "--method",
            "is",
            "importance sampling applies to the private-branch attacks (majority, finney); \
             use --method mc or auto for race and vector76",
        ));
    }
    check_net_flags(args, on_network)?;
    let attack = match args.attack {
        AttackName::Majority if !on_network => with_mining(
            args,
            MajoritySpec {
                convention: args.convention.resolve(Convention::DEFAULT)?,
                give_up: args.give_up,
                walk: args.walk,
            },
        )?,
        AttackName::Majority => {
            let conv = args.convention.resolve(Convention::DEFAULT)?;
            if conv.tie != crate::params::TieRule::FirstSeen {
                return Err(usage(
                    "--tie",
                    conv.tie,
                    "on a network ties are settled by arrival order (first-seen); drop --tie",
                ));
            }
            args.net.attack(NetAttack::Majority {
                premined: conv.premined,
                give_up: args.give_up,
            })?
        }
        AttackName::Finney => args.net.attack(NetAttack::Finney(FinneySpec {
            give_up: args.give_up,
        }))?,
        AttackName::Race => args.net.attack(NetAttack::Race(args.net.race()))?,
        AttackName::Vector76 => args.net.attack(NetAttack::Vector76(Vector76Spec {
            helpers: args.net.helpers.unwrap_or(0),
        }))?,
    };
    Ok(Experiment {
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
    })
}

/// Run `dslab simulate`.
pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
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
    if outcome.resumed_trials > 0 {
        eprintln!(
            "resumed from the checkpoint: {} trials were already done",
            outcome.resumed_trials
        );
    }
    // Warnings print whatever --quiet says.
    if let Some(w) = warnings::low_ess(&outcome.rows) {
        eprintln!("warning: {w}");
    }
    if let Some(w) = warnings::trial_cap(&exp, &outcome.rows, "--max-trials") {
        eprintln!("warning: {w}");
    }
    if let Some(note) = ci_note(args.ci, &outcome.rows) {
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
        Format::Csv => to_csv(&outcome.rows)?,
        Format::Json => to_json(&outcome.rows)?,
        Format::Table => render_table(&exp, &outcome.rows),
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

/// The shares q with an importance-sampled cell, in row order, each once.
fn is_shares(rows: &[report::ReversalRow]) -> Vec<String> {
    let mut qs: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r.method == "is") {
        let q = r.q.to_string();
        if !qs.contains(&q) {
            qs.push(q);
        }
    }
    qs
}

/// `--ci` chosen explicitly while some cell was importance-sampled: those cells' intervals
/// are normal ones (a weighted estimate has no binomial interval), so say so.
fn ci_note(ci: Option<CiMethod>, rows: &[report::ReversalRow]) -> Option<String> {
    let ci = ci?;
    let qs = is_shares(rows);
    (!qs.is_empty()).then(|| {
        format!(
            "--ci {} applies to plain Monte Carlo cells only; the importance-sampled ones \
             (q = {}) have normal intervals (the method column says is)",
            ci.name(),
            qs.join(", ")
        )
    })
}

/// The line under the attack description: how many trials, which estimator, which
/// intervals, and what the `exact` column is (for network attacks the line above says it:
/// the zero-latency limit).
fn sampling_line(exp: &Experiment, rows: &[report::ReversalRow]) -> String {
    let count = match exp.sampling.rel_error {
        Some(e) => format!(
            "until every interval is within ±{} of its estimate (at most {} trials per q)",
            warnings::target_percent(e),
            exp.trials
        ),
        None => format!("{} trials per q", exp.trials),
    };
    let is_qs = is_shares(rows);
    let level = exp.confidence * 100.0;
    let method = if is_qs.is_empty() {
        format!("{} {level}% intervals", exp.ci.name())
    } else if rows.iter().all(|r| r.method == "is") {
        format!("importance sampling (normal {level}% intervals)")
    } else {
        format!(
            "importance sampling for q = {} (normal {level}% intervals), otherwise {} {level}% \
             intervals",
            is_qs.join(", "),
            exp.ci.name()
        )
    };
    let exact = match exp.attack {
        AttackSpec::Majority(_) | AttackSpec::MajorityPow { .. } => {
            "; exact = closed form, same convention"
        }
        _ => "",
    };
    format!("{count}, seed {}, {method}{exact}", exp.seed)
}

/// The terminal table: q, z, estimate, interval, closed form (+ blocks for q > 1/2).
pub fn render_table(exp: &Experiment, rows: &[report::ReversalRow]) -> String {
    // The block race reports blocks to success for q ≥ ½ (∞ at q = ½).
    let blocks = rows
        .iter()
        .any(|r| r.mean_blocks.is_some() || (r.q == 0.5 && r.network.is_none()));
    let precision = exp.sampling.rel_error.is_some() || rows.iter().any(|r| r.method == "is");
    let mut header = vec!["q", "z", "P(reversal)", "interval", "exact"];
    if blocks {
        header.extend(["mean blocks", "p99 blocks"]);
    }
    if precision {
        header.extend(["method", "trials", "± rel."]);
    }
    let net = rows.iter().any(|r| r.network.is_some());
    if net {
        header.extend(["cost (blocks)", "wait (s)", "stale rate"]);
    }
    let swept = rows.iter().find_map(|r| r.sweep_parameter.clone());
    if let Some(p) = &swept {
        header.insert(0, p.as_str());
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                r.q.to_string(),
                r.z.to_string(),
                table::prob_log10(r.probability, r.log10_probability),
                format!(
                    "[{}, {}]",
                    table::prob_log10(r.ci_low, r.log10_ci_low),
                    table::prob_log10(r.ci_high, r.log10_ci_high)
                ),
                r.exact
                    .map_or(String::new(), |e| table::prob_log10(e, r.log10_exact)),
            ];
            if blocks {
                // q = ½: success is certain but its expected block count is infinite.
                let none = if r.q == 0.5 { "∞" } else { "" };
                v.push(r.mean_blocks.map_or(none.into(), |m| format!("{m:.1}")));
                v.push(r.p99_blocks.map_or(String::new(), |m| m.to_string()));
            }
            if precision {
                v.push(r.method.clone());
                v.push(r.trials.to_string());
                v.push(
                    r.rel_error
                        .map_or("-".into(), |e| format!("{:.1}%", e * 100.0)),
                );
            }
            if net {
                let num =
                    |x: Option<f64>, d: usize| x.map_or(String::new(), |x| format!("{x:.d$}"));
                v.push(num(r.cost_blocks, 3));
                v.push(num(r.wait_seconds, 0));
                v.push(num(r.stale_rate, 5));
            }
            if swept.is_some() {
                v.insert(0, r.sweep_value.clone().unwrap_or_default());
            }
            v
        })
        .collect();
    let mut out = format!(
        "{}\n{}\n{}",
        exp.attack.describe(),
        sampling_line(exp, rows),
        table::render(&header, &body)
    );
    if blocks && rows.iter().any(|r| r.q == 0.5) {
        out.push_str(
            "q = 0.5: the attacker always catches up, but the expected number of blocks is \
             infinite (a null-recurrent walk), so no mean is given (mean_blocks is empty).\n",
        );
    }
    out
}

/// Network, merchant and attack flags of `dslab simulate` (Finney, race, Vector76, and the
/// majority attack with `--network`). Unset flags keep the defaults of `docs/network.md`.
#[derive(Debug, Clone, Args)]
pub struct NetArgs {
    /// Network: none (zero latency, closed forms hold), default (random graph), or a TOML
    /// file with `[network]` keys [default: default; majority: the zero-latency block race].
    #[arg(long, value_name = "none|default|FILE")]
    pub network: Option<String>,
    /// Whether the merchant accepts incoming connections (Vector76 needs them).
    #[arg(long, value_enum, value_name = "allow|deny")]
    pub merchant_incoming: Option<IncomingArg>,
    /// Merchant's listening period, seconds: z = 0 accepts this long after first seeing the
    /// payment if no conflict was seen (the Finney acceptance time t) [default: 15].
    #[arg(long, visible_alias = "acceptance-time", value_name = "SECONDS")]
    pub listening_period: Option<f64>,
    /// Merchant's outbound peers [default: 8].
    #[arg(long, value_name = "N")]
    pub merchant_peers: Option<u32>,
    /// Observer nodes forwarding every transaction to the merchant [default: 0].
    #[arg(long, value_name = "N")]
    pub observers: Option<u32>,
    /// Nodes relay double-spend alerts (the first conflicting transaction).
    #[arg(long)]
    pub alerts: bool,
    /// Fraction of honest hash rate and relay nodes running full-RBF [default: 1].
    #[arg(long, value_name = "F")]
    pub rbf_share: Option<f64>,
    /// Mean block interval T, seconds [default: 600].
    #[arg(long, value_name = "SECONDS")]
    pub block_interval: Option<f64>,
    /// Nodes of the random graph [default: 1000].
    #[arg(long, value_name = "N")]
    pub nodes: Option<u32>,
    /// Honest mining nodes (equal shares) [default: 16].
    #[arg(long, value_name = "N")]
    pub miners: Option<u32>,
    /// Median link latency, seconds [default: 0.05].
    #[arg(long, value_name = "SECONDS")]
    pub link_latency: Option<f64>,
    /// Mean per-hop block validation/relay delay, seconds [default: 0.25].
    #[arg(long, value_name = "SECONDS")]
    pub block_hop_delay: Option<f64>,
    /// Topologies generated per sweep point [default: 32].
    #[arg(long, value_name = "N")]
    pub topologies: Option<u32>,
    /// Race variant: rbf (replacement after --replace-after) or first-seen.
    #[arg(long, value_enum)]
    pub race_variant: Option<RaceVariantArg>,
    /// Race (rbf): seconds between payment and replacement (Δ) [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub replace_after: Option<f64>,
    /// Race (first-seen): seconds between payment and conflicting transaction [default: 0].
    #[arg(long, value_name = "SECONDS")]
    pub conflict_delay: Option<f64>,
    /// Attacker helper nodes injecting the conflicting transaction [default: 0].
    #[arg(long, value_name = "N")]
    pub helpers: Option<u32>,
    /// Defence sweep: run once per value of a merchant, network or attack key, e.g.
    /// merchant.listening_period=0,5,15 or merchant.incoming=allow,deny.
    #[arg(long, value_name = "TABLE.KEY=V1,V2,...")]
    pub sweep: Option<String>,
}

/// `--merchant-incoming`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IncomingArg {
    /// Accept incoming connections.
    Allow,
    /// Outbound connections only.
    Deny,
}

/// `--race-variant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RaceVariantArg {
    /// Full-RBF replacement after a delay.
    Rbf,
    /// First-seen race.
    FirstSeen,
}

impl NetArgs {
    /// Whether any network, merchant or attack option was given (besides `--network`).
    fn any_set(&self) -> bool {
        self.merchant_incoming.is_some()
            || self.listening_period.is_some()
            || self.merchant_peers.is_some()
            || self.observers.is_some()
            || self.alerts
            || self.rbf_share.is_some()
            || self.block_interval.is_some()
            || self.nodes.is_some()
            || self.miners.is_some()
            || self.link_latency.is_some()
            || self.block_hop_delay.is_some()
            || self.topologies.is_some()
            || self.race_variant.is_some()
            || self.replace_after.is_some()
            || self.conflict_delay.is_some()
            || self.helpers.is_some()
            || self.sweep.is_some()
    }

    fn network_spec(&self) -> anyhow::Result<NetworkSpec> {
        let mut n = match self.network.as_deref() {
            None | Some("default") => NetworkSpec::default(),
            Some("none") => NetworkSpec {
                model: NetworkModel::None,
                ..NetworkSpec::default()
            },
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    usage(
                        "--network",
                        path,
                        &format!("cannot read it ({e}); use none, default or a TOML file"),
                    )
                })?;
                // The file holds `[network]` keys, at top level or under a `[network]`
                // table (so a scenario's table can be copied as it is).
                let bad = |e: toml::de::Error| {
                    usage(
                        "--network",
                        path,
                        &format!("bad network file: {}", e.message()),
                    )
                };
                let mut table: toml::Table = toml::from_str(&text).map_err(bad)?;
                let inner = match table.remove("network") {
                    Some(toml::Value::Table(t)) if table.is_empty() => t,
                    Some(other) => {
                        table.insert("network".into(), other);
                        table
                    }
                    None => table,
                };
                toml::Value::Table(inner)
                    .try_into::<NetworkSpec>()
                    .map_err(bad)?
            }
        };
        set(&mut n.rbf_share, self.rbf_share);
        set(&mut n.block_interval, self.block_interval);
        set(&mut n.nodes, self.nodes);
        set(&mut n.miners, self.miners);
        set(&mut n.link_latency, self.link_latency);
        set(&mut n.block_hop_delay, self.block_hop_delay);
        set(&mut n.topologies, self.topologies);
        n.alerts |= self.alerts;
        Ok(n)
    }

    fn merchant_spec(&self) -> MerchantSpec {
        let mut m = MerchantSpec::default();
        if let Some(i) = self.merchant_incoming {
            m.incoming = match i {
                IncomingArg::Allow => Incoming::Allow,
                IncomingArg::Deny => Incoming::Deny,
            };
        }
        set(&mut m.listening_period, self.listening_period);
        set(&mut m.peers, self.merchant_peers);
        set(&mut m.observers, self.observers);
        m
    }

    fn race(&self) -> RaceSpec {
        let mut r = RaceSpec::default();
        if let Some(v) = self.race_variant {
            r.variant = match v {
                RaceVariantArg::Rbf => RaceVariant::Rbf,
                RaceVariantArg::FirstSeen => RaceVariant::FirstSeen,
            };
        }
        set(&mut r.replace_after, self.replace_after);
        set(&mut r.conflict_delay, self.conflict_delay);
        set(&mut r.helpers, self.helpers);
        r
    }

    /// The validated network experiment of `attack`, as an [`AttackSpec`].
    fn attack(&self, attack: NetAttack) -> anyhow::Result<AttackSpec> {
        let e = NetExperiment {
            attack,
            network: self.network_spec()?,
            merchant: self.merchant_spec(),
            sweep: self.sweep.as_deref().map(parse_sweep).transpose()?,
        };
        // The values before any sweep first, so that an error about a value set by a flag
        // names that flag; `e.validate()` then checks the file values and sweep points.
        let base = e
            .network
            .validate()
            .and_then(|()| e.merchant.validate(&e.network))
            .and_then(|()| match &e.attack {
                NetAttack::Race(r) => r.validate(),
                _ => Ok(()),
            });
        base.map_err(|err| self.name_the_flag(err))?;
        e.validate()?;
        Ok(match e.attack {
            NetAttack::Finney(_) => AttackSpec::Finney(e),
            NetAttack::Race(_) => AttackSpec::Race(e),
            NetAttack::Vector76(_) => AttackSpec::Vector76(e),
            NetAttack::Majority { .. } => AttackSpec::MajorityNet(e),
        })
    }
}

impl NetArgs {
    /// The file keys the network flags set, with the flag and whether it was given.
    fn flag_keys(&self) -> [(&'static str, &'static str, bool); 11] {
        [
            ("network.rbf_share", "--rbf-share", self.rbf_share.is_some()),
            (
                "network.block_interval",
                "--block-interval",
                self.block_interval.is_some(),
            ),
            ("network.nodes", "--nodes", self.nodes.is_some()),
            ("network.miners", "--miners", self.miners.is_some()),
            (
                "network.link_latency",
                "--link-latency",
                self.link_latency.is_some(),
            ),
            (
                "network.block_hop_delay",
                "--block-hop-delay",
                self.block_hop_delay.is_some(),
            ),
            (
                "network.topologies",
                "--topologies",
                self.topologies.is_some(),
            ),
            (
                "merchant.listening_period",
                "--listening-period",
                self.listening_period.is_some(),
            ),
            (
                "merchant.peers",
                "--merchant-peers",
                self.merchant_peers.is_some(),
            ),
            (
                "race.replace_after",
                "--replace-after",
                self.replace_after.is_some(),
            ),
            (
                "race.conflict_delay",
                "--conflict-delay",
                self.conflict_delay.is_some(),
            ),
        ]
    }

    /// An error about a file key whose value came from a flag names the flag instead (the
    /// key stays for values from a `--network` file or defaults).
    fn name_the_flag(&self, err: anyhow::Error) -> anyhow::Error {
        let Some(usage_err) = err.downcast_ref::<UsageError>() else {
            return err;
        };
        self.flag_keys()
            .into_iter()
            .filter(|(_, _, given)| *given)
            .find_map(|(key, flag, _)| usage_err.renamed(key, flag))
            .map_or(err, anyhow::Error::from)
    }
}

/// Flags that would be silently ignored are errors: network flags on the zero-latency
/// majority race, convention flags on the attacks whose head start is fixed, and
/// `--give-up` on the race and Vector76 attacks.
fn check_net_flags(args: &SimulateArgs, on_network: bool) -> anyhow::Result<()> {
    if !on_network && args.net.any_set() {
        return Err(usage(
            "--network",
            "(not given)",
            "network and merchant flags need a network: add --network default (or none, or a file)",
        ));
    }
    let fixed_k = matches!(
        args.attack,
        AttackName::Finney | AttackName::Vector76 | AttackName::Race
    );
    if fixed_k && args.convention.is_explicit() {
        return Err(usage(
            "--premined/--tie/--classical",
            format!("{:?}", args.attack).to_lowercase(),
            "these set the majority attack's convention; Finney and Vector76 hold k = 1, race k = 0",
        ));
    }
    if matches!(args.attack, AttackName::Race | AttackName::Vector76) && args.give_up.is_some() {
        return Err(usage(
            "--give-up",
            format!("{:?}", args.attack).to_lowercase(),
            "applies to the finney and majority attacks only",
        ));
    }
    Ok(())
}

/// `table.key=v1,v2,...`: each value read as a TOML value (numbers, booleans), else text.
fn parse_sweep(s: &str) -> anyhow::Result<Sweep> {
    let (parameter, values) = s.split_once('=').ok_or_else(|| {
        usage(
            "--sweep",
            s,
            "write TABLE.KEY=V1,V2,..., e.g. merchant.listening_period=0,5,15",
        )
    })?;
    let values = values
        .split(',')
        .map(|v| {
            let v = v.trim();
            toml::from_str::<toml::Table>(&format!("v = {v}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(v.to_string()))
        })
        .collect();
    Ok(Sweep {
        parameter: parameter.trim().to_string(),
        values,
    })
}

fn set<T>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}
