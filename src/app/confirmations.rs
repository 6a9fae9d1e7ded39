//! `dslab confirmations`: the smallest z that keeps P(reversal) below a risk.

use clap::Args;
use serde::Serialize;

use super::common::{Format, open_unit};
use super::exact::ModelArgs;
use crate::analytic::{Model, Needed, confirmations_needed};
use crate::error::usage;
use crate::params::{Convention, parse_share_list};
use crate::report::{table, to_csv, to_json};

/// Arguments of `dslab confirmations`.
#[derive(Debug, Args)]
pub struct ConfirmationsArgs {
    /// Attacker hash shares: a list (0.1,0.3) or start:stop:step.
    #[arg(
        long,
        allow_hyphen_values = true,
        required_unless_present = "attacker_hashrate"
    )]
    pub q: Option<String>,
    /// Instead of --q: attacker hash rates in the preset's unit (needs --chain); each gives
    /// q = H/(H + the chain's network hash rate).
    #[arg(
        long,
        value_name = "LIST",
        conflicts_with = "q",
        allow_hyphen_values = true
    )]
    pub attacker_hashrate: Option<String>,
    /// Chain preset: its block interval for --model delta, its hash rate for
    /// --attacker-hashrate.
    #[command(flatten)]
    pub chain: super::chains::ChainArgs,
    /// Largest acceptable P(reversal), e.g. 0.001.
    #[arg(long, value_parser = super::common::open_unit_number)]
    pub risk: f64,
    /// Model and convention.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// One answer.
#[derive(Debug, Serialize)]
struct Row {
    q: f64,
    /// Empty when no z suffices (q ≥ 1/2, or beyond the search cap; see `note`).
    confirmations: Option<u32>,
    /// Why `confirmations` is empty, if it is.
    note: String,
    probability: Option<f64>,
    risk: f64,
    model: &'static str,
    premined: u32,
    tie: String,
}

/// Run `dslab confirmations`.
pub fn run(mut args: ConfirmationsArgs) -> anyhow::Result<()> {
    let q_text = from_chain(&mut args)?;
    if let Some((delta, t)) = args.model.delay()? {
        if args.format == Format::Table {
            println!(
                "convention: bounded-delay model (ties go to the adversary; its pre-mined \
                 lead is inside the bound)"
            );
        }
        return super::bounds::confirmations(&q_text, args.risk, delta, t, args.format);
    }
    let qs = parse_share_list("--q", &q_text)?;
    let risk = open_unit("--risk", args.risk, "the risk")?;
    let (model, conv) = args.model.resolve()?;
    let rows: Vec<Row> = qs
        .iter()
        .map(|&q| {
            let needed = confirmations_needed(model, q, risk, conv);
            let (z, p) = match needed {
                Needed::At(z, p) => (Some(z), Some(p.value)),
                Needed::Never | Needed::Beyond(_) => (None, None),
            };
            Row {
                q,
                confirmations: z,
                note: match needed {
                    Needed::At(..) => String::new(),
                    Needed::Never => "never: q >= 1/2 always catches up".into(),
                    Needed::Beyond(cap) => format!("more than {cap}"),
                },
                probability: p,
                risk,
                model: model.name(),
                premined: conv.premined,
                tie: conv.tie.to_string(),
            }
        })
        .collect();
    if rows.is_empty() {
        return Err(usage("--q", &q_text, "give at least one share"));
    }
    let out = match args.format {
        Format::Csv => to_csv(&rows)?,
        Format::Json => to_json(&rows)?,
        Format::Table => {
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.q.to_string(),
                        r.confirmations.map_or_else(
                            || r.note.split(':').next().unwrap_or("").to_string(),
                            |z| z.to_string(),
                        ),
                        r.probability.map_or("-".into(), table::prob),
                    ]
                })
                .collect();
            format!(
                "convention: {conv}\nConfirmations needed for P(reversal) < {}, model {}\n{}{}",
                if risk < 1e-4 {
                    format!("{risk:e}")
                } else {
                    risk.to_string()
                },
                model.name(),
                table::render(&["q", "confirmations", "P(reversal) there"], &body),
                classical_note(model, conv, risk, &rows)
            )
        }
    };
    print!("{out}");
    Ok(())
}

/// The q list: `--q`, or the shares from `--attacker-hashrate` and the preset; and the
/// preset's block interval for `--model delta` when `--block-interval` is not given.
fn from_chain(args: &mut ConfirmationsArgs) -> anyhow::Result<String> {
    let chain = args.chain.resolve()?;
    if let Some(c) = &chain
        && args.model.model == super::exact::ModelName::Delta
        && args.model.block_interval.is_none()
    {
        let Some(t) = c.block_interval.number() else {
            return Err(usage(
                "--chain",
                &c.name,
                "its block interval is unknown; give --block-interval or --set block_interval=S",
            ));
        };
        args.model.block_interval = Some(t);
    }
    match (&args.q, &args.attacker_hashrate, &chain) {
        (Some(q), _, _) => Ok(q.clone()),
        (None, Some(h), Some(c)) => super::chains::shares_from_hashrates(c, h),
        (None, Some(h), None) => Err(usage(
            "--attacker-hashrate",
            h,
            "hash rates need a chain's network hash rate: add --chain NAME",
        )),
        (None, None, _) => Err(usage("--q", "", "give the attacker shares with --q")),
    }
}

/// A note line for each q where the classical convention (a tie wins, no head start) needs
/// more confirmations than the answer above; empty when none does or it is the convention.
fn classical_note(model: Model, conv: Convention, risk: f64, rows: &[Row]) -> String {
    if conv == Convention::CLASSICAL {
        return String::new();
    }
    let mut out = String::new();
    for r in rows {
        let Some(z) = r.confirmations else { continue };
        let more = match confirmations_needed(model, r.q, risk, Convention::CLASSICAL) {
            Needed::At(zc, _) if zc > z => zc.to_string(),
            Needed::At(..) => continue,
            Needed::Never => "never enough".into(),
            Needed::Beyond(cap) => format!("more than {cap}"),
        };
        out.push_str(&format!(
            "note: q = {}: the classical convention (--classical) needs {more}, not {z}\n",
            r.q
        ));
    }
    out
}
