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
    #[arg(long, value_parser = positive_number)]
    pub value: f64,
    /// Attacker share of the total hash rate while renting, in [0, 1).
    #[arg(long)]
    pub q: f64,
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
    let chain = required_chain(&args.chain)?;
    let market = Market::from_chain(&chain)?;
    if !(0.0..1.0).contains(&args.q) {
        return Err(usage(
            "--q",
            args.q,
            "the attacker's share must be in [0, 1)",
        ));
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
            best(
                &market,
                args.q,
                args.window,
                args.premine_time,
                args.value,
                z,
            )
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
        write_plot(path, &chain, &market, args.value, &rows)?;
    }
    print!("{out}");
    Ok(())
}

fn header(chain: &Chain, market: &Market, args: &EconomicsArgs) -> String {
    let fig = |f: &crate::chain::Figure| {
        format!(
            "{} {} ({})",
            f.shown(),
            f.unit,
            f.date.as_deref().unwrap_or("undated")
        )
    };
    format!(
        "Rented-hash attacker on {} (zero-latency model, exact; no intervals: nothing is \
         simulated)\n\
         value V = {} {coin}; q = {} while renting ({:.6} {} rented); pre-mining {} s; \
         window {}\n\
         market: T0 = {}; reward {} + fees {}; network {}; rental {}; price {}\n\
         units: money in {coin} (cost also in BTC); times in hours; revenue = V·P(success) \
         + reward per block · attacker blocks in the main chain\n",
        chain.name,
        args.value,
        args.q,
        market.rented_hashrate(args.q),
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
            ]
        })
        .collect();
    format!(
        "{}{}",
        header(chain, market, args),
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
            ],
            &body
        )
    )
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
