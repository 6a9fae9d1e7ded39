//! `dslab bounds`: Guo–Ren latency–security bounds in the bounded-delay (Δ) model, with
//! the GKR consistency threshold.

use clap::Args;
use serde::Serialize;

use super::common::Format;
use crate::analytic::Needed;
use crate::bounds::{self, Side, gkr};
use crate::error::usage;
use crate::params::{parse_share_list, parse_z_list};
use crate::report::{table, to_csv, to_json};

/// Arguments of `dslab bounds`.
#[derive(Debug, Args)]
pub struct BoundsArgs {
    /// Adversary hash shares: a list (0.1,0.3) or start:stop:step, each in (0, 1).
    #[arg(long, allow_hyphen_values = true)]
    pub q: String,
    /// Confirmation depths k ≥ 1: a range (1..10, inclusive) or a list (1,6).
    #[arg(long)]
    pub z: String,
    /// Delay bound Δ in seconds: every honest block reaches every honest miner within Δ.
    #[arg(long, allow_hyphen_values = true)]
    pub delta: f64,
    /// Mean block interval T in seconds.
    #[arg(long, default_value_t = 600.0, allow_hyphen_values = true)]
    pub block_interval: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// One (q, z) row. `lower`/`upper` are empty where the bound gives no number (`note`).
#[derive(Debug, Serialize)]
struct Row {
    q: f64,
    z: u32,
    delta: f64,
    block_interval: f64,
    lower: Option<f64>,
    upper: Option<f64>,
    log10_lower: Option<f64>,
    log10_upper: Option<f64>,
    gkr_max_q: f64,
    note: String,
}

/// Check Δ and T, shared with `dslab confirmations --model delta`.
pub fn check_delay(delta: f64, block_interval: f64) -> anyhow::Result<()> {
    if !(delta.is_finite() && delta >= 0.0) {
        return Err(usage(
            "--delta",
            delta,
            "give the delay bound in seconds, zero or positive, e.g. 10",
        ));
    }
    if !(block_interval.is_finite() && block_interval > 0.0) {
        return Err(usage(
            "--block-interval",
            block_interval,
            "give the mean block interval in seconds, positive, e.g. 600",
        ));
    }
    Ok(())
}

/// Adversary shares for the Δ model: strictly between 0 and 1.
pub fn parse_adversary_shares(text: &str) -> anyhow::Result<Vec<f64>> {
    let qs = parse_share_list("--q", text)?;
    if let Some(q) = qs.iter().find(|&&q| q <= 0.0 || q >= 1.0) {
        return Err(usage(
            "--q",
            text,
            &format!("{q} is not strictly between 0 and 1; give adversary shares such as 0.1,0.3"),
        ));
    }
    Ok(qs)
}

/// Run `dslab bounds`.
pub fn run(args: BoundsArgs) -> anyhow::Result<()> {
    let qs = parse_adversary_shares(&args.q)?;
    let zs = parse_z_list("--z", &args.z)?;
    if zs.first() == Some(&0) {
        return Err(usage(
            "--z",
            &args.z,
            "the bounds are for depths k >= 1 (the payment's block counts as 1); start at 1",
        ));
    }
    check_delay(args.delta, args.block_interval)?;
    let (delta, t) = (args.delta, args.block_interval);
    let gkr_max_q = gkr::max_share(delta, t);
    let rows: Vec<Row> = qs
        .iter()
        .flat_map(|&q| zs.iter().map(move |&z| (q, z)))
        .map(|(q, z)| {
            let b = bounds::evaluate(q, z, delta, t);
            Row {
                q,
                z,
                delta,
                block_interval: t,
                lower: b.lower,
                upper: b.upper,
                log10_lower: b.log10_lower,
                log10_upper: b.log10_upper,
                gkr_max_q,
                note: b.note,
            }
        })
        .collect();
    let out = match args.format {
        Format::Csv => to_csv(&rows)?,
        Format::Json => to_json(&rows)?,
        Format::Table => render(&rows, delta, t, gkr_max_q),
    };
    print!("{out}");
    Ok(())
}

fn render(rows: &[Row], delta: f64, t: f64, gkr_max_q: f64) -> String {
    let cell =
        |v: Option<f64>, l: Option<f64>| v.map_or("-".to_string(), |v| table::prob_log10(v, l));
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.q.to_string(),
                r.z.to_string(),
                cell(r.lower, r.log10_lower),
                cell(r.upper, r.log10_upper),
                r.note.clone(),
            ]
        })
        .collect();
    format!(
        "P(safety violation) at depth z, bounded-delay model: delta = {delta} s, T = {t} s \
         (Guo-Ren, AFT 2022; the adversary orders deliveries and wins ties)\n\
         GKR consistency threshold: secure iff q < {gkr_max_q:.6} (lambda_a < 1/(delta + 1/lambda_h))\n{}",
        table::render(&["q", "z", "lower", "upper", "note"], &body)
    )
}

/// One `dslab confirmations --model delta` answer.
#[derive(Debug, Serialize)]
struct DepthRow {
    q: f64,
    /// Depth from the upper bound: this many confirmations are provably enough.
    confirmations: Option<u32>,
    /// Depth from the lower bound: fewer than this are provably not enough.
    confirmations_lower: Option<u32>,
    /// The upper bound at `confirmations`.
    upper_there: Option<f64>,
    /// The lower bound at `confirmations_lower`.
    lower_there: Option<f64>,
    risk: f64,
    model: &'static str,
    delta: f64,
    block_interval: f64,
    /// Why a depth is empty, if one is.
    note: String,
}

/// `dslab confirmations --model delta`: the depth from each Guo–Ren bound.
pub fn confirmations(
    q_text: &str,
    risk: f64,
    delta: f64,
    t: f64,
    format: Format,
) -> anyhow::Result<()> {
    let qs = parse_adversary_shares(q_text)?;
    let risk = super::common::open_unit("--risk", risk, "the risk")?;
    let depth = |side, q| match bounds::confirmations_needed(side, q, risk, delta, t) {
        Needed::At(z, p) => (Some(z), Some(p.value), None),
        Needed::Never => (None, None, Some("never".to_string())),
        Needed::Beyond(cap) => (None, None, Some(format!("more than {cap}"))),
    };
    let rows: Vec<DepthRow> = qs
        .iter()
        .map(|&q| {
            let (up, up_p, up_note) = depth(Side::Upper, q);
            let (lo, lo_p, lo_note) = depth(Side::Lower, q);
            let note = match (up_note, lo_note) {
                (None, None) => String::new(),
                _ if !gkr::is_secure(q, delta, t) => {
                    format!(
                        "never: q >= the GKR threshold {:.6}",
                        gkr::max_share(delta, t)
                    )
                }
                (Some(u), _) if bounds::guo_ren::upper(q, 1, delta, t).is_none() => {
                    format!(
                        "{u} (upper): (1 - q) e^(-delta/T) <= 1/2, the upper bound gives no number"
                    )
                }
                (u, l) => [
                    u.map(|u| format!("upper: {u}")),
                    l.map(|l| format!("lower: {l}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; "),
            };
            DepthRow {
                q,
                confirmations: up,
                confirmations_lower: lo,
                upper_there: up_p,
                lower_there: lo_p,
                risk,
                model: "delta",
                delta,
                block_interval: t,
                note,
            }
        })
        .collect();
    let out = match format {
        Format::Csv => to_csv(&rows)?,
        Format::Json => to_json(&rows)?,
        Format::Table => {
            let opt = |v: Option<u32>| v.map_or("-".to_string(), |z| z.to_string());
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.q.to_string(),
                        opt(r.confirmations_lower),
                        opt(r.confirmations),
                        r.note.clone(),
                    ]
                })
                .collect();
            format!(
                "Confirmations for P(safety violation) < {risk}, bounded-delay model: delta = \
                 {delta} s, T = {t} s (Guo-Ren bounds)\n\
                 from lower: fewer are provably not enough; from upper: this many are provably enough\n{}",
                table::render(&["q", "from lower", "from upper", "note"], &body)
            )
        }
    };
    print!("{out}");
    Ok(())
}
