//! `dslab confirmations`: the smallest z that keeps P(reversal) below a risk.

use clap::Args;
use serde::Serialize;

use super::common::{Format, open_unit};
use super::exact::ModelArgs;
use crate::analytic::{Needed, confirmations_needed};
use crate::error::usage;
use crate::params::parse_share_list;
use crate::report::{table, to_csv, to_json};

/// Arguments of `dslab confirmations`.
#[derive(Debug, Args)]
pub struct ConfirmationsArgs {
    /// Attacker hash shares: a list (0.1,0.3) or start:stop:step.
    #[arg(long, allow_hyphen_values = true)]
    pub q: String,
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
pub fn run(args: ConfirmationsArgs) -> anyhow::Result<()> {
    if let Some((delta, t)) = args.model.delay()? {
        return super::bounds::confirmations(&args.q, args.risk, delta, t, args.format);
    }
    let qs = parse_share_list("--q", &args.q)?;
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
        return Err(usage("--q", &args.q, "give at least one share"));
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
                "Confirmations needed for P(reversal) < {}, model {}, {conv}\n{}",
                if risk < 1e-4 {
                    format!("{risk:e}")
                } else {
                    risk.to_string()
                },
                model.name(),
                table::render(&["q", "confirmations", "P(reversal) there"], &body)
            )
        }
    };
    print!("{out}");
    Ok(())
}
