//! `dslab economics`: cost, revenue and profit of the rented-hash attacker per z
//! (docs/economics.md). Model code: `crate::economics`.

use std::path::PathBuf;

use clap::Args;

use super::common::{Format, positive_number};
use crate::chain::Chain;
use crate::economics::{Economics, Market, best};
use crate::error::usage;
use crate::params::parse_z_list;
use crate::report::{table, to_csv, to_json};

/// Arguments of `dslab economics`.
#[derive(Debug, Args)]
pub struct EconomicsArgs {
    /// Chain preset (needs block interval, reward, hash rate, rental price and coin price;
    /// fill unknown ones with --set KEY=VALUE).
    #[command(flatten)]
    pub chain: super::chains::ChainArgs,
    /// Value of the payment the attacker reverses, in the chain's coin.
    #[arg(long, value_parser = positive_number, required_unless_present = "backtests")]
    pub value: Option<f64>,
    /// Attacker share of the total hash rate while renting, in [0, 1).
    #[arg(long, required_unless_present = "backtests")]
    pub q: Option<f64>,
    /// Confirmation counts: 0..10 or 0,1,6.
    #[arg(long, default_value = "0..10")]
    pub z: String,
    /// Rental window in seconds, pre-mining included (default: the most profitable of a
    /// grid of multiples of the merchant's wait; see docs/economics.md).
    #[arg(long, value_parser = positive_number)]
    pub window: Option<f64>,
    /// Seconds of pre-mining before the payment is broadcast.
    #[arg(long, default_value_t = 0.0)]
    pub premine_time: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Also draw expected profit against z into this PNG file.
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,
    /// Instead: run the back-tests (ETC 2020-08, BTG 2020-01) and write DIR/README.md.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["value", "q", "window", "plot"])]
    pub backtests: Option<PathBuf>,
}

/// The preset named by `--chain`/`--chain-file` with overrides; required.
pub fn required_chain(args: &super::chains::ChainArgs) -> anyhow::Result<Chain> {
    args.resolve()?.ok_or_else(|| {
        usage(
            "--chain",
            "",
            "name a chain preset (dslab chains lists them) or give --chain-file PATH",
        )
    })
}

/// Run `dslab economics`.
pub fn run(args: EconomicsArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.backtests {
        return backtests(dir);
    }
    let chain = required_chain(&args.chain)?;
    let market = Market::from_chain(&chain)?;
    let (Some(q), Some(value)) = (args.q, args.value) else {
        return Err(usage("--q", "", "give --q and --value"));
    };
    if !(0.0..1.0).contains(&q) {
        return Err(usage("--q", q, "the attacker's share must be in [0, 1)"));
    }
    if !(args.premine_time.is_finite() && args.premine_time >= 0.0) {
        return Err(usage(
            "--premine-time",
            args.premine_time,
            "give a number of seconds ≥ 0",
        ));
    }
    let zs = parse_z_list("--z", &args.z)?;
    let rows = zs
        .iter()
        .map(|&z| {
            best(&market, q, args.window, args.premine_time, value, z)
                .map(|e| crate::economics::profit::with_law(&market, value, e))
        })
        .collect::<anyhow::Result<Vec<Economics>>>()?;
    if market.fees_unknown {
        eprintln!(
            "note: {}: typical fees are unknown and counted as 0 (the revenue is a lower \
             bound); give them with --set fees=VALUE",
            chain.name
        );
    }
    let out = match args.format {
        Format::Csv => to_csv(&rows)?,
        Format::Json => to_json(&rows)?,
        Format::Table => render(&chain, &market, &args, &rows),
    };
    if let Some(path) = &args.plot {
        write_plot(path, &chain, &market, value, &rows)?;
    }
    print!("{out}");
    Ok(())
}

fn header(chain: &Chain, market: &Market, args: &EconomicsArgs, rows: &[Economics]) -> String {
    let fig = |f: &crate::chain::Figure| {
        format!(
            "{} {} ({})",
            f.shown(),
            f.unit,
            f.date.as_deref().unwrap_or("undated")
        )
    };
    let how = if rows.iter().any(|e| e.law == "simulated") {
        format!(
            "exact; the profit's law of the rows marked simulated is a seeded Monte Carlo \
             ({} attacks, seed {}) with 95 % intervals in brackets",
            crate::economics::profit::TRIALS,
            crate::economics::profit::SEED
        )
    } else {
        "exact; no intervals: nothing is simulated".to_string()
    };
    format!(
        "Rented-hash attacker on {} (zero-latency model, {how})\n\
         value V = {} {coin}; q = {} while renting ({:.6} {} rented); pre-mining {} s; \
         window {}\n\
         market: T0 = {}; reward {} + fees {}; network {}; rental {}; price {}\n\
         units: money in {coin} (cost also in BTC); times in hours; revenue = V·P(success) \
         + reward per block · attacker blocks in the main chain\n",
        chain.name,
        args.value.unwrap_or(0.0),
        args.q.unwrap_or(0.0),
        market.rented_hashrate(args.q.unwrap_or(0.0)),
        market.hashrate_unit,
        args.premine_time,
        args.window.map_or_else(
            || "the most profitable of the grid (column window)".to_string(),
            |w| format!("{w} s")
        ),
        fig(&chain.block_interval),
        fig(&chain.block_reward),
        fig(&chain.fees),
        fig(&chain.hashrate),
        fig(&chain.rental_price),
        fig(&chain.price),
        coin = market.coin,
    )
}

fn render(chain: &Chain, market: &Market, args: &EconomicsArgs, rows: &[Economics]) -> String {
    let num = |v: f64| {
        if v.is_infinite() {
            if v > 0.0 { "inf" } else { "-inf" }.to_string()
        } else if v != 0.0 && (v.abs() >= 1e7 || v.abs() < 1e-3) {
            format!("{v:.3e}")
        } else {
            format!("{v:.4}")
        }
    };
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|e| {
            vec![
                e.z.to_string(),
                e.window.map_or("unlimited".into(), |w| num(w / 3600.0)),
                table::prob(e.success),
                num(e.rented_seconds / 3600.0),
                num(e.cost_btc),
                num(e.cost),
                num(e.reward_blocks),
                num(e.revenue),
                num(e.profit),
                num(e.profit_per_hour),
                if e.profit_probability_exact {
                    table::prob(e.profit_probability)
                } else {
                    format!(
                        "[{}, {}]",
                        table::prob(e.profit_probability_lower),
                        table::prob(e.profit_probability)
                    )
                },
                num(-e.loss_on_failure),
                e.median_profit.map_or("-".into(), num),
                if e.law.is_empty() {
                    "-".into()
                } else {
                    e.law.clone()
                },
                law_cell(
                    e,
                    e.p_profit_positive,
                    e.p_profit_positive_lo,
                    e.p_profit_positive_hi,
                    &|v| table::prob(v),
                ),
                law_cell(e, e.profit_q05, e.profit_q05_lo, e.profit_q05_hi, &num),
                law_cell(e, e.profit_q50, e.profit_q50_lo, e.profit_q50_hi, &num),
                law_cell(e, e.profit_q95, e.profit_q95_lo, e.profit_q95_hi, &num),
            ]
        })
        .collect();
    format!(
        "{}{}",
        header(chain, market, args, rows),
        table::render(
            &[
                "z",
                "window h",
                "P(success)",
                "E[rent] h",
                "cost BTC",
                "cost",
                "blocks kept",
                "revenue",
                "profit",
                "profit/h (retrying)",
                "P(profit > 0)",
                "profit if failed",
                "median profit",
                "law",
                "P(profit > 0) (law)",
                "profit 5%",
                "profit 50%",
                "profit 95%",
            ],
            &body
        )
    )
}

/// One value of the profit's law: the value alone where exact, `v [lo, hi]` where
/// simulated, `-` where not computed.
fn law_cell(
    e: &Economics,
    v: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    show: &dyn Fn(f64) -> String,
) -> String {
    match (v, lo, hi) {
        (Some(v), Some(lo), Some(hi)) if e.law == "simulated" => {
            format!("{} [{}, {}]", show(v), show(lo), show(hi))
        }
        (Some(v), _, _) => show(v),
        _ => "-".into(),
    }
}

/// Expected profit against z (a linear axis, infinite values left out), as a PNG.
fn write_plot(
    path: &std::path::Path,
    chain: &Chain,
    market: &Market,
    value: f64,
    rows: &[Economics],
) -> anyhow::Result<()> {
    use plotters::prelude::*;
    let pts: Vec<(f64, f64)> = rows
        .iter()
        .filter(|e| e.profit.is_finite())
        .map(|e| (f64::from(e.z), e.profit))
        .collect();
    if pts.is_empty() {
        return Err(usage(
            "--plot",
            path.display(),
            "no finite profit to draw (an unlimited minority rental costs without bound)",
        ));
    }
    static FONT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *FONT.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .is_ok()
    });
    anyhow::ensure!(ok, "the compiled-in DejaVu Sans font could not be loaded");
    let (w, h) = (900u32, 560u32);
    let (x0, x1) = (pts[0].0, pts[pts.len() - 1].0.max(pts[0].0 + 1.0));
    let lo = pts.iter().map(|p| p.1).fold(0.0f64, f64::min);
    let hi = pts.iter().map(|p| p.1).fold(0.0f64, f64::max);
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{}: expected profit of the rented-hash attacker, V = {value} {}, q = {}",
                    chain.name, market.coin, rows[0].q
                ),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, (lo - pad)..(hi + pad))?;
        chart
            .configure_mesh()
            .x_desc("confirmations z")
            .y_desc(format!("expected profit per attempt ({})", market.coin))
            .draw()?;
        chart.draw_series(LineSeries::new(vec![(x0, 0.0), (x1, 0.0)], &BLACK))?;
        chart.draw_series(LineSeries::new(pts.clone(), &BLUE))?;
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, BLUE.filled())))?;
        root.present()?;
    }
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut png);
    image::ImageEncoder::write_image(encoder, &rgb, w, h, image::ColorType::Rgb8)?;
    crate::files::write_atomic(path, &png).map_err(|e| {
        usage(
            "--plot",
            path.display(),
            &format!("cannot write it ({e}); give a writable path"),
        )
    })
}

/// Seed and trials of the back-tests' simulated part (the ETC depth is beyond the exact
/// program): fixed, so the page is reproducible byte for byte.
const BACKTEST_SEED: u64 = 2020;
const BACKTEST_TRIALS: u64 = 4000;

/// `dslab economics --backtests DIR`: run the back-tests, write DIR/README.md, print it.
fn backtests(dir: &std::path::Path) -> anyhow::Result<()> {
    print!("{}", write_backtests(dir)?);
    Ok(())
}

/// Run the back-tests and write `dir`/README.md (also a part of the built-in lab, `dslab
/// run`); returns the page.
pub(super) fn write_backtests(dir: &std::path::Path) -> anyhow::Result<String> {
    use crate::economics::backtest::{implied_share, incidents, market, run};
    let mut page = String::from(
        "# Back-tests: what dslab says about two real attacks\n\n\
         Generated by `dslab economics --backtests reports/backtests` (do not edit by hand). \
         Model: the rented-hash attacker in the zero-latency model (docs/economics.md); the \
         facts, each with its date and source, are in docs/references.md and below; the \
         markets of the time are the preset files named below.\n\n\
         For each attacker share q (the one implied by the reported rental cost over the \
         window, and assumed ones): the probability of a reorganisation at least as deep as \
         the observed one within the window (the time the honest network needed for the \
         removed blocks, depth × T0; the honest chain reaches that depth in the window only about \
         half the time, which caps this probability near 1/2 for a majority attacker), the \
         probability that the attacker's branch is longer at the window's end given that the \
         honest network mined exactly that many blocks in it (P(Poisson(depth·q/(1−q)) ≥ \
         depth + 1), exact), the expected rental cost (BTC), the expected revenue \
         (value double spent × P + block rewards of the attacker's blocks kept) and profit \
         (coin), and what `dslab advise` (classical, opportunistic and rental models, risk \
         0.001, the value double spent) would have required. Exact where the depth is at \
         most 400; otherwise simulated (seed 2020, 4000 attacks per share) with 95 % \
         intervals in brackets.\n",
    );
    for inc in incidents() {
        let (chain, m) = market(&inc)?;
        let lines = run(&inc, BACKTEST_TRIALS, BACKTEST_SEED)?;
        page.push_str(&format!(
            "\n## {}\n\nMarket: `{}` (T0 = {} s, reward {} {coin}, network {} {}, rental \
             {} BTC per {} per day, price {} BTC per {coin}). Depth back-tested: {} blocks; \
             value double spent: {} {coin}; reported rental cost: {:.4} BTC; share implied \
             by that cost over a window of {:.2} h: q = {:.4}.\n\n\
             | fact | value | date | source |\n|---|---|---|---|\n",
            inc.title,
            inc.preset_file,
            m.block_interval,
            m.reward_per_block,
            m.hashrate,
            m.hashrate_unit,
            m.rental_price,
            m.hashrate_unit,
            m.price,
            inc.depth,
            inc.value,
            inc.reported_cost_btc,
            f64::from(inc.depth) * m.block_interval / 3600.0,
            implied_share(&inc, &m),
            coin = chain.coin,
        ));
        for f in &inc.facts {
            page.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                f.what, f.value, f.date, f.source
            ));
        }
        page.push_str(&format!(
            "\n| q | origin | P(reorg ≥ {}) | P(longer at the end \\| {0} honest blocks) | E[cost] BTC | E[revenue] {coin} | E[profit] {coin} | advise z | advise: binds / note |\n|---|---|---|---|---|---|---|---|---|\n",
            inc.depth,
            coin = chain.coin
        ));
        for l in &lines {
            let est = |e: crate::economics::Est, p: bool| {
                let f = |v: f64| {
                    if p { table::prob(v) } else { format!("{v:.4}") }
                };
                if l.exact {
                    f(e.value)
                } else {
                    format!("{} [{}, {}]", f(e.value), f(e.lo), f(e.hi))
                }
            };
            page.push_str(&format!(
                "| {:.4} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                l.q,
                l.origin,
                est(l.p_reorg, true),
                table::prob(l.p_given_depth),
                est(l.cost_btc, false),
                est(l.revenue, false),
                est(l.profit, false),
                l.advise_z.map_or("none".into(), |z| format!(
                    "{z} ({:.0} min)",
                    f64::from(z) * m.block_interval / 60.0
                )),
                l.advise_note,
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        usage(
            "--backtests",
            dir.display(),
            &format!("cannot create it ({e}); give a writable folder"),
        )
    })?;
    crate::files::write_atomic(&dir.join("README.md"), page.as_bytes())?;
    Ok(page)
}
