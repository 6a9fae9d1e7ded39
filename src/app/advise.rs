//! `dslab advise`: the smallest z that keeps every attacker model of a set below the risk
//! and, for the rented-hash attacker, unprofitable (docs/economics.md). Model code:
//! `crate::economics::advise`.

use clap::Args;

use super::common::{Format, open_unit_number, positive_number};
use crate::chain::Chain;
use crate::economics::Market;
use crate::economics::advise::{Advice, Attacker, DEFAULT_DELTA, Query, advise};
use crate::error::usage;
use crate::report::{table, to_csv};

/// Arguments of `dslab advise`.
#[derive(Debug, Args)]
pub struct AdviseArgs {
    /// Chain preset: block interval (the wait), and for the rental model its rental market
    /// and prices (fill unknown ones with --set KEY=VALUE).
    #[command(flatten)]
    pub chain: super::chains::ChainArgs,
    /// Value of the payment, in the chain's coin.
    #[arg(long, value_parser = positive_number)]
    pub value: f64,
    /// Largest acceptable P(reversal).
    #[arg(long, default_value_t = 0.001, value_parser = open_unit_number)]
    pub risk: f64,
    /// Attacker models: a comma list of classical, opportunistic, rental, delta, first-seen
    /// (default: classical,opportunistic,rental,delta; first-seen is less conservative).
    #[arg(long, value_name = "LIST")]
    pub attacker: Option<String>,
    /// Attacker share (default: what the rental market offers, R/(R + network hash rate)).
    #[arg(long)]
    pub q: Option<f64>,
    /// Seconds the rented-hash attacker pre-mines before the payment.
    #[arg(long, default_value_t = 0.0)]
    pub premine_time: f64,
    /// Delay bound Δ of the `delta` model (Guo–Ren upper bound), seconds.
    #[arg(long, default_value_t = DEFAULT_DELTA)]
    pub delta: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// q from `--q`, or the rental market's share R/(R + N).
fn share(chain: &Chain, q: Option<f64>) -> anyhow::Result<(f64, String)> {
    if let Some(q) = q {
        if !(0.0..1.0).contains(&q) {
            return Err(usage("--q", q, "the attacker's share must be in [0, 1)"));
        }
        return Ok((q, "--q".into()));
    }
    let missing = |key: &str, unit: &str| {
        usage(
            &format!("--chain {}: {key}", chain.name),
            "unknown",
            &format!(
                "q defaults to the rental market's share R/(R + network); pass --set \
                 {key}=VALUE (in {unit}) or give --q"
            ),
        )
    };
    let r = chain
        .rental_hashrate
        .number()
        .ok_or_else(|| missing("rental_hashrate", &chain.rental_hashrate.unit))?;
    let n = chain
        .hashrate
        .number()
        .ok_or_else(|| missing("hashrate", &chain.hashrate.unit))?;
    let q = r / (r + n);
    Ok((
        q,
        format!(
            "the rental market's share R/(R + N) = {r}/({r} + {n}) {}",
            chain.hashrate.unit
        ),
    ))
}

/// Run `dslab advise`.
pub fn run(args: AdviseArgs) -> anyhow::Result<()> {
    let chain = super::economics::required_chain(&args.chain)?;
    let set = match &args.attacker {
        Some(s) => Attacker::parse_list("--attacker", s)?,
        None => Attacker::DEFAULT.to_vec(),
    };
    let t0 = chain.block_interval.number().ok_or_else(|| {
        usage(
            &format!("--chain {}: block_interval", chain.name),
            "unknown",
            "pass --set block_interval=SECONDS",
        )
    })?;
    let (q, q_from) = share(&chain, args.q)?;
    let market = if set.contains(&Attacker::Rental) {
        Some(Market::from_chain(&chain)?)
    } else {
        None
    };
    if !(args.premine_time.is_finite() && args.premine_time >= 0.0) {
        return Err(usage(
            "--premine-time",
            args.premine_time,
            "give a number of seconds ≥ 0",
        ));
    }
    if set.contains(&Attacker::Delta) {
        super::bounds::check_delay(args.delta, t0)?;
    }
    let query = Query {
        block_interval: t0,
        q,
        value: args.value,
        risk: args.risk,
        premine: args.premine_time,
        delta: args.delta,
    };
    let a = advise(market.as_ref(), &query, &set)?;
    if market.as_ref().is_some_and(|m| m.fees_unknown) {
        eprintln!(
            "note: {}: typical fees are unknown and counted as 0; give them with --set fees=VALUE",
            chain.name
        );
    }
    let out = match args.format {
        Format::Csv => to_csv(&a.models)?,
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&a)?),
        Format::Table => render(&chain, &a, &q_from, &set),
    };
    print!("{out}");
    Ok(())
}

fn render(chain: &Chain, a: &Advice, q_from: &str, set: &[Attacker]) -> String {
    let conservative = !set.contains(&Attacker::FirstSeen) || set.len() > 1;
    let delta = a.delta.map_or(String::new(), |d| {
        format!("; delta: Guo-Ren upper bound at delta = {d} s, T = T0")
    });
    let mut out = format!(
        "Advice for {} (zero-latency models exact{delta}): value {} {}, risk {}, q = {:.6} \
         ({q_from})\n\
         models: {}{}\n",
        chain.name,
        a.value,
        chain.coin,
        a.risk,
        a.q,
        set.iter().map(|m| m.name()).collect::<Vec<_>>().join(", "),
        if conservative {
            ""
        } else {
            " (less conservative than the default: asked for by name)"
        }
    );
    match (a.z, a.wait_minutes) {
        (Some(z), Some(m)) => out.push_str(&format!(
            "answer: z = {z} confirmations, a wait of {m:.1} minutes; binds: {}\n",
            a.binds
        )),
        _ => out.push_str(&format!("answer: no z is enough; {}\n", a.binds)),
    }
    let opt = |z: Option<u32>| z.map_or("-".to_string(), |z| z.to_string());
    let body: Vec<Vec<String>> = a
        .models
        .iter()
        .map(|m| {
            vec![
                m.model.to_string(),
                opt(m.risk_z),
                if m.has_profit {
                    opt(m.profit_z)
                } else {
                    "n/a".into()
                },
                opt(m.z),
                m.note.clone(),
            ]
        })
        .collect();
    out.push_str(&table::render(
        &[
            "model",
            "z for risk",
            "z for profit < 0",
            "z (model)",
            "note",
        ],
        &body,
    ));
    out
}
