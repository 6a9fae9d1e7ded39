//! `dslab exact`: closed-form reversal probabilities, no simulation.

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::common::{ConventionArgs, Format};
use crate::analytic::{self, Model};
use crate::error::usage;
use crate::params::{Convention, parse_share_list, parse_z_list};
use crate::report::{table, to_csv, to_json};

/// Model names on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelName {
    /// Exact: Rosenfeld's negative binomial = Grunspan–Pérez-Marco I_{4pq}(z, ½), any k and tie rule.
    Exact,
    /// Nakamoto's Poisson approximation (whitepaper §11).
    Nakamoto,
    /// Grunspan–Pérez-Marco P(z, κ): the z blocks took κ times their expected time (--kappa).
    TimeConditional,
    /// Bounded-delay (Δ) model, `dslab confirmations` only: depths from the Guo–Ren lower
    /// and upper bounds (--delta, --block-interval). Bounds themselves: `dslab bounds`.
    Delta,
}

/// Model selection flags shared with `dslab confirmations`.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Closed form to evaluate.
    #[arg(long, value_enum, default_value = "exact")]
    pub model: ModelName,
    /// For --model time-conditional only: observed / expected time of the z blocks
    /// [default: 1].
    #[arg(long)]
    pub kappa: Option<f64>,
    /// For --model delta only: delay bound Δ in seconds.
    #[arg(long, allow_hyphen_values = true)]
    pub delta: Option<f64>,
    /// For --model delta only: mean block interval in seconds [default: 600].
    #[arg(long, allow_hyphen_values = true)]
    pub block_interval: Option<f64>,
    /// Counting convention.
    #[command(flatten)]
    pub convention: ConventionArgs,
}

impl ModelArgs {
    /// The model and its convention. Nakamoto's formula is defined in the classical
    /// convention, so that is its default; the other models default to first-seen, k = 0.
    pub fn resolve(&self) -> anyhow::Result<(Model, Convention)> {
        self.refuse_delay_flags()?;
        let model = match (self.model, self.kappa) {
            (ModelName::Exact | ModelName::Nakamoto, Some(k)) => {
                return Err(usage(
                    "--kappa",
                    k,
                    "κ is used by --model time-conditional only; add --model time-conditional \
                     or drop --kappa",
                ));
            }
            (ModelName::Delta, _) => {
                return Err(usage(
                    "--model",
                    "delta",
                    "the bounded-delay model gives bounds, not one closed form: use dslab \
                     bounds, or dslab confirmations --model delta",
                ));
            }
            (ModelName::Exact, None) => Model::Exact,
            (ModelName::Nakamoto, None) => Model::Nakamoto,
            (ModelName::TimeConditional, kappa) => {
                let kappa = kappa.unwrap_or(1.0);
                if !(kappa.is_finite() && kappa > 0.0) {
                    return Err(usage(
                        "--kappa",
                        kappa,
                        "use a positive ratio, e.g. 1 or 2.5",
                    ));
                }
                Model::TimeConditional { kappa }
            }
        };
        let default = match model {
            Model::Nakamoto => Convention::CLASSICAL,
            _ => Convention::DEFAULT,
        };
        Ok((model, self.convention.resolve(default)?))
    }
}

impl ModelArgs {
    /// For `--model delta`: the delay bound Δ and block interval T (seconds), checked;
    /// `None` for the other models. The Δ model fixes its own convention (the adversary
    /// orders deliveries, so it wins ties; its head start is part of the bound), so the
    /// convention flags are refused with it.
    pub fn delay(&self) -> anyhow::Result<Option<(f64, f64)>> {
        if self.model != ModelName::Delta {
            return Ok(None);
        }
        if let Some(k) = self.kappa {
            return Err(usage(
                "--kappa",
                k,
                "κ is used by --model time-conditional only",
            ));
        }
        if self.convention.is_explicit() {
            return Err(usage(
                "--model",
                "delta",
                "the bounded-delay bounds fix their own convention (ties go to the adversary, \
                 its pre-mined lead is inside the bound); drop --classical, --tie and --premined",
            ));
        }
        let Some(delta) = self.delta else {
            return Err(usage(
                "--model",
                "delta",
                "give the delay bound in seconds with --delta, e.g. --delta 10",
            ));
        };
        let t = self.block_interval.unwrap_or(600.0);
        super::bounds::check_delay(delta, t)?;
        Ok(Some((delta, t)))
    }

    /// `--delta` and `--block-interval` belong to `--model delta` only.
    fn refuse_delay_flags(&self) -> anyhow::Result<()> {
        if self.model == ModelName::Delta {
            return Ok(());
        }
        if let Some(d) = self.delta {
            return Err(usage(
                "--delta",
                d,
                "--delta is used by --model delta only; add --model delta or drop --delta",
            ));
        }
        if let Some(t) = self.block_interval {
            return Err(usage(
                "--block-interval",
                t,
                "--block-interval is used by --model delta only; add --model delta or drop it",
            ));
        }
        Ok(())
    }
}

/// Arguments of `dslab exact`.
#[derive(Debug, Args)]
pub struct ExactArgs {
    /// Attacker hash shares: a list (0.1,0.3) or start:stop:step.
    #[arg(long, allow_hyphen_values = true, default_value = "0.1,0.3")]
    pub q: String,
    /// Confirmations: a range (0..10, inclusive) or a list (0,1,6).
    #[arg(long, default_value = "0..10")]
    pub z: String,
    /// Model and convention.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Attacker gives up when this many blocks behind (exact model only) [default: never].
    #[arg(long, value_name = "D")]
    pub give_up: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// One closed-form value. `G` is how the give-up deficit is written: a number or `null`
/// (never) in JSON, the number or `never` in CSV, as in `reversal.csv`.
#[derive(Clone, Debug, Serialize)]
struct ExactRow<G = Option<u32>> {
    model: &'static str,
    q: f64,
    z: u32,
    premined: u32,
    tie: String,
    kappa: Option<f64>,
    give_up: G,
    probability: f64,
    log10_probability: f64,
}

impl ExactRow {
    /// The row for CSV: give-up as the deficit or `never`.
    fn for_csv(&self) -> ExactRow<String> {
        ExactRow {
            model: self.model,
            q: self.q,
            z: self.z,
            premined: self.premined,
            tie: self.tie.clone(),
            kappa: self.kappa,
            give_up: self.give_up.map_or("never".into(), |d| d.to_string()),
            probability: self.probability,
            log10_probability: self.log10_probability,
        }
    }
}

/// Run `dslab exact`.
pub fn run(args: ExactArgs) -> anyhow::Result<()> {
    let qs = parse_share_list("--q", &args.q)?;
    let zs = parse_z_list("--z", &args.z)?;
    let (model, conv) = args.model.resolve()?;
    if args.give_up.is_some() && model != Model::Exact {
        return Err(usage(
            "--give-up",
            args.give_up.unwrap_or(0),
            "give-up is available with --model exact only",
        ));
    }
    if args.give_up == Some(0) {
        return Err(usage("--give-up", 0, "use a deficit of at least 1 block"));
    }
    let mut rows = Vec::new();
    for &q in &qs {
        for &z in &zs {
            let p = match args.give_up {
                Some(d) => {
                    analytic::Probability::from_value(analytic::exact_with_give_up(q, z, conv, d))
                }
                None => model.probability(q, z, conv),
            };
            rows.push(ExactRow {
                model: model.name(),
                q,
                z,
                premined: conv.premined,
                tie: conv.tie.to_string(),
                kappa: match model {
                    Model::TimeConditional { kappa } => Some(kappa),
                    _ => None,
                },
                give_up: args.give_up,
                probability: p.value,
                log10_probability: p.log10,
            });
        }
    }
    let out = match args.format {
        Format::Csv => to_csv(&rows.iter().map(ExactRow::for_csv).collect::<Vec<_>>())?,
        Format::Json => to_json(&rows)?,
        Format::Table => render_table(&rows, &qs, &zs, model, conv),
    };
    print!("{out}");
    Ok(())
}

fn render_table(
    rows: &[ExactRow],
    qs: &[f64],
    zs: &[u32],
    model: Model,
    conv: Convention,
) -> String {
    let mut head = format!("P(reversal), model {}, {conv}", model.name());
    if let Model::TimeConditional { kappa } = model {
        head.push_str(&format!(", kappa = {kappa}"));
    }
    if let Some(g) = rows.first().and_then(|r| r.give_up) {
        head.push_str(&format!(", attacker gives up {g} blocks behind"));
    }
    let labels: Vec<String> = qs.iter().map(|q| format!("q={q}")).collect();
    let mut header = vec!["z"];
    header.extend(labels.iter().map(String::as_str));
    let body: Vec<Vec<String>> = zs
        .iter()
        .enumerate()
        .map(|(zi, z)| {
            let mut r = vec![z.to_string()];
            r.extend((0..qs.len()).map(|qi| cell(&rows[qi * zs.len() + zi])));
            r
        })
        .collect();
    format!("{head}\n{}", table::render(&header, &body))
}

fn cell(r: &ExactRow) -> String {
    table::prob_log10(r.probability, Some(r.log10_probability))
}
