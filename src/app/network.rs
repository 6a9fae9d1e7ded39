//! `dslab network`: what a network does with honest mining alone (stale rate, block
//! propagation), beside the measurements of the real network its preset stands for.

use clap::Args;
use rayon::prelude::*;
use serde::Serialize;

use super::common::{Format, threads, with_pool};
use crate::error::usage;
use crate::net::measure::{self, Figure, GraphFigures, Summary};
use crate::net::preset::{self, Measured};
use crate::net::spec::{MerchantSpec, NetworkModel};
use crate::report::{table, to_csv, to_json};

/// Arguments of `dslab network`.
#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Network: default (today's Bitcoin), bitcoin-2013, or a TOML file of `[network]` keys.
    #[arg(
        long,
        value_name = "default|bitcoin-2013|FILE",
        default_value = "default"
    )]
    pub network: String,
    /// Graphs generated (the units of every interval).
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub graphs: u32,
    /// Honest blocks mined per graph for the stale rate.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub blocks: u32,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: all cores; the output does not depend on it).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Debug, Serialize)]
struct Row {
    figure: String,
    simulated: f64,
    lower: f64,
    upper: f64,
    measured: Option<f64>,
    unit: &'static str,
}

/// Run `dslab network`.
pub fn run(a: NetworkArgs) -> anyhow::Result<()> {
    let net = preset::resolve("--network", Some(&a.network), NetworkModel::Random)?;
    net.validate()?;
    if net.model == NetworkModel::None {
        return Err(usage(
            "--network",
            &a.network,
            "the zero-latency network has no stale blocks to measure; give a random network",
        ));
    }
    if !(2..=4096).contains(&a.graphs) {
        return Err(usage("--graphs", a.graphs, "use 2 to 4096 graphs"));
    }
    if !(1000..=10_000_000).contains(&a.blocks) {
        return Err(usage(
            "--blocks",
            a.blocks,
            "use 1000 to 10000000 blocks per graph",
        ));
    }
    let measured = preset::preset(&a.network).map(|p| p.measured);
    let tail = measured.map_or(15.0, |m| m.tail.1);
    let merchant = MerchantSpec::default();
    let figures: Vec<GraphFigures> = with_pool(threads(a.threads)?, || {
        (0..a.graphs)
            .into_par_iter()
            .map(|g| {
                measure::measure_graph(
                    &net,
                    &merchant,
                    a.blocks as usize,
                    tail,
                    a.seed,
                    u64::from(g),
                )
            })
            .collect()
    })?;
    let s = measure::summarize(&figures);
    let rows = rows(&s, measured, tail);
    match a.format {
        Format::Table => {
            println!("{}", net.describe());
            println!(
                "{} graphs, {} blocks for the stale rate; 95 % intervals over the graphs",
                s.graphs, s.blocks
            );
            if let Some(m) = measured {
                println!("measured: {}", m.source);
            }
            print!("{}", render(&rows));
        }
        Format::Csv => print!("{}", to_csv(&rows)?),
        Format::Json => println!("{}", to_json(&rows)?),
    }
    Ok(())
}

fn rows(s: &Summary, m: Option<Measured>, tail: f64) -> Vec<Row> {
    let row = |figure: &str, f: Figure, measured, unit| Row {
        figure: figure.to_string(),
        simulated: f.value,
        lower: f.lo,
        upper: f.hi,
        measured,
        unit,
    };
    vec![
        row(
            "stale rate",
            s.stale_rate,
            m.map(|m| m.stale_rate),
            "fraction",
        ),
        row("propagation median", s.median, m.map(|m| m.median), "s"),
        row("propagation mean", s.mean, m.map(|m| m.mean), "s"),
        row("propagation p90", s.p90, None, "s"),
        row("propagation p95", s.p95, None, "s"),
        row("nodes within 1 s", s.within_1s, None, "fraction"),
        row(
            &format!("nodes later than {tail} s"),
            s.beyond,
            m.map(|m| m.tail.0),
            "fraction",
        ),
    ]
}

fn render(rows: &[Row]) -> String {
    // Three significant digits: stale rates are ~1e-4, tails ~10 s.
    let num = |x: f64| {
        if x == 0.0 || !x.is_finite() {
            return format!("{x}");
        }
        let decimals = (2 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    };
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.figure.clone(),
                num(r.simulated),
                format!("[{}, {}]", num(r.lower), num(r.upper)),
                r.measured.map_or_else(|| "-".into(), num),
                r.unit.to_string(),
            ]
        })
        .collect();
    table::render(
        &["figure", "simulated", "95 % interval", "measured", "unit"],
        &body,
    )
}
