//! `dslab chains`: list the chain presets; and the `--chain`, `--chain-file`, `--set` flags
//! other commands flatten in (docs/chains.md).

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::common::Format;
use crate::chain::Chain;
use crate::error::usage;
use crate::report::{table, to_csv, to_json};

/// The chain-preset flags shared by `dslab chains`, `confirmations` and `simulate`.
#[derive(Debug, Clone, Default, Args)]
pub struct ChainArgs {
    /// Chain preset (BTC, BCH, LTC, DOGE, ETC, BTG, XMR; `dslab chains` lists them).
    #[arg(long, value_name = "NAME", conflicts_with = "chain_file")]
    pub chain: Option<String>,
    /// A preset file of your own instead of a built-in one (format: chains/btc.toml).
    #[arg(long, value_name = "PATH")]
    pub chain_file: Option<PathBuf>,
    /// Override one figure of the preset, e.g. --set hashrate=600 (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl ChainArgs {
    /// The chosen preset with the `--set` overrides applied; `None` when no preset was named.
    pub fn resolve(&self) -> anyhow::Result<Option<Chain>> {
        let mut chain = match (&self.chain, &self.chain_file) {
            (Some(name), _) => Chain::builtin(name)?,
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    usage(
                        "--chain-file",
                        path.display(),
                        &format!("cannot read it ({e}); give a readable preset file"),
                    )
                })?;
                Chain::parse(&text, &path.display().to_string())?
            }
            (None, None) => {
                if let Some(s) = self.set.first() {
                    return Err(usage(
                        "--set",
                        s,
                        "--set changes a chain preset: add --chain NAME or --chain-file PATH",
                    ));
                }
                return Ok(None);
            }
        };
        for s in &self.set {
            chain.set(s)?;
        }
        Ok(Some(chain))
    }
}

/// Arguments of `dslab chains`.
#[derive(Debug, Args)]
pub struct ChainsArgs {
    /// Which preset (default: all built-in ones) and overrides.
    #[command(flatten)]
    pub preset: ChainArgs,
    /// Output format: table, or one row per figure in CSV or JSON (with sources and notes).
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// One figure of one chain.
#[derive(Debug, Serialize)]
struct Row {
    chain: String,
    key: &'static str,
    /// Empty when unknown.
    value: Option<f64>,
    unit: String,
    date: String,
    source: String,
    note: String,
}

fn rows(chain: &Chain) -> Vec<Row> {
    chain
        .figures()
        .into_iter()
        .map(|(key, f)| Row {
            chain: chain.name.clone(),
            key,
            value: f.number(),
            unit: f.unit.clone(),
            date: f.date.clone().unwrap_or_default(),
            source: f.source.clone().unwrap_or_default(),
            note: f.note.clone().unwrap_or_default(),
        })
        .collect()
}

fn render_table(chains: &[Chain]) -> String {
    let mut out = String::from(
        "Chain presets (sources and notes: --format csv or json, chains/*.toml, docs/chains.md)\n",
    );
    for c in chains {
        out.push_str(&format!(
            "\n{} — {} (coin {}, proof of work {})\n",
            c.name, c.title, c.coin, c.pow
        ));
        let body: Vec<Vec<String>> = c
            .figures()
            .into_iter()
            .map(|(key, f)| {
                vec![
                    key.to_string(),
                    f.shown(),
                    f.unit.clone(),
                    f.date.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        out.push_str(&table::render(&["figure", "value", "unit", "date"], &body));
    }
    out
}

/// Run `dslab chains`.
pub fn run(args: ChainsArgs) -> anyhow::Result<()> {
    let chains = match args.preset.resolve()? {
        Some(c) => vec![c],
        None => Chain::all_builtin()?,
    };
    let out = match args.format {
        Format::Table => render_table(&chains),
        Format::Csv => to_csv(&chains.iter().flat_map(rows).collect::<Vec<_>>())?,
        Format::Json => to_json(&chains.iter().flat_map(rows).collect::<Vec<_>>())?,
    };
    print!("{out}");
    Ok(())
}

/// The attacker shares q = H/(H + network hash rate) for the attacker hash rates of
/// `--attacker-hashrate` (a comma list, in the preset's hash-rate unit), as a q list.
pub fn shares_from_hashrates(chain: &Chain, list: &str) -> anyhow::Result<String> {
    let Some(network) = chain.hashrate.number() else {
        return Err(usage(
            "--attacker-hashrate",
            list,
            &format!(
                "the network hash rate of {} is unknown; give it with --set hashrate=VALUE \
                 (in {}) or give --q",
                chain.name, chain.hashrate.unit
            ),
        ));
    };
    let mut qs = Vec::new();
    for item in list.split(',') {
        let h: f64 = item.trim().parse().unwrap_or(f64::NAN);
        if !(h.is_finite() && h > 0.0) {
            return Err(usage(
                "--attacker-hashrate",
                item.trim(),
                &format!(
                    "give positive hash rates in {}, comma-separated",
                    chain.hashrate.unit
                ),
            ));
        }
        qs.push(chain.attacker_share(h).unwrap_or(f64::NAN));
    }
    eprintln!(
        "note: q = H/(H + {network} {}), the network hash rate of {} ({})",
        chain.hashrate.unit,
        chain.name,
        chain.hashrate.date.as_deref().unwrap_or("undated")
    );
    Ok(qs
        .iter()
        .map(|q| q.to_string())
        .collect::<Vec<_>>()
        .join(","))
}

/// `dslab simulate --chain`: the preset's block interval becomes the network's block
/// interval unless `--block-interval` is given. The zero-latency block race (majority
/// without `--network`) has no time, so there the preset sets nothing (said on stderr).
pub fn apply_to_simulate(
    mut args: super::simulate::SimulateArgs,
) -> anyhow::Result<super::simulate::SimulateArgs> {
    let Some(chain) = args.chain.resolve()? else {
        return Ok(args);
    };
    let block_race = crate::attack::NetAttack::from_table(&args.attack, None)
        .is_ok_and(|a| a.race_engine(args.net.network.is_some()).is_some());
    if block_race {
        if args.quiet {
            return Ok(args);
        }
        eprintln!(
            "note: --chain {}: the zero-latency block race has no block interval; the preset \
             sets nothing here (add --network default for the timed network)",
            chain.name
        );
        return Ok(args);
    }
    if args.net.block_interval.is_none() {
        let Some(t) = chain.block_interval.number() else {
            return Err(usage(
                "--chain",
                &chain.name,
                "its block interval is unknown; give --block-interval or --set block_interval=S",
            ));
        };
        args.net.block_interval = Some(t);
    }
    Ok(args)
}
