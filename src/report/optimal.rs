//! The optimal-attacker lab report (`dslab optimize --report DIR`, issue 14 item 4): the
//! optimal relative revenue against α beside SM1 and honest mining, and the double-spend
//! bounty against α for several confirmation counts; CSV, PNG and a README page. Every
//! file is rendered in memory first and then written whole or not at all.

use std::path::Path;

use anyhow::Context;
use plotters::prelude::*;
use plotters::style::FontStyle;
use serde::Serialize;

use crate::files::write_atomic;

/// One revenue point.
#[derive(Clone, Debug, Serialize)]
pub struct RevenueRow {
    /// Attacker share α.
    pub alpha: f64,
    /// Tie parameter γ.
    pub gamma: f64,
    /// Optimal relative revenue (the truncated optimum, a lower bound).
    pub optimal: f64,
    /// Upper bound on the optimum (optimistic model).
    pub upper: f64,
    /// SM1's closed form (Eyal and Sirer).
    pub sm1: f64,
    /// Honest mining: α.
    pub honest: f64,
    /// Truncation (maximum branch length).
    pub truncation: u32,
}

/// One bounty point.
#[derive(Clone, Debug, Serialize)]
pub struct BountyRow {
    /// Attacker share α.
    pub alpha: f64,
    /// Tie parameter γ.
    pub gamma: f64,
    /// Confirmations the merchant waits for.
    pub z: u32,
    /// The bounty: the smallest reward per reversal, in block rewards, at which the optimal
    /// attacker beats honest mining (the truncated model's, an upper bound).
    pub bounty: f64,
    /// Lower bound on the bounty (optimistic model; 0 where it gives none).
    pub lower: f64,
    /// Truncation (maximum branch length).
    pub truncation: u32,
}

const W: u32 = 1000;
const H: u32 = 640;
const PALETTE: [RGBColor; 3] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
];

fn ensure_font() -> anyhow::Result<()> {
    static FONT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *FONT.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .is_ok()
    });
    anyhow::ensure!(ok, "the compiled-in DejaVu Sans font could not be loaded");
    Ok(())
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn png(draw: impl FnOnce(&Area<'_>) -> anyhow::Result<()>) -> anyhow::Result<Vec<u8>> {
    ensure_font()?;
    let mut rgb = vec![0u8; (W * H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (W, H)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    let mut out = Vec::new();
    let enc = image::codecs::png::PngEncoder::new(&mut out);
    image::ImageEncoder::write_image(enc, &rgb, W, H, image::ColorType::Rgb8)
        .context("could not encode the plot as PNG")?;
    Ok(out)
}

fn gammas(rows: &[RevenueRow]) -> Vec<f64> {
    let mut g: Vec<f64> = rows.iter().map(|r| r.gamma).collect();
    g.sort_by(f64::total_cmp);
    g.dedup();
    g
}

/// The revenue figure: optimal (solid), SM1 (dashed-looking thin line with crosses) per γ,
/// honest mining (black).
pub fn revenue_png(rows: &[RevenueRow]) -> anyhow::Result<Vec<u8>> {
    let (x0, x1) = (0.0, 0.5);
    let y1 = rows
        .iter()
        .map(|r| r.optimal.max(r.sm1))
        .fold(0.5f64, f64::max);
    png(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Optimal selfish mining vs SM1 and honest mining (block race)",
                ("sans-serif", 22),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, 0.0..y1 * 1.02)?;
        chart
            .configure_mesh()
            .x_desc("attacker share α")
            .y_desc("attacker's share of main-chain blocks")
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, 0.0), (0.5, 0.5)],
                BLACK.stroke_width(2),
            ))?
            .label("honest mining (α)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        for (i, g) in gammas(rows).into_iter().enumerate() {
            let c = PALETTE[i % PALETTE.len()];
            let pts: Vec<_> = rows.iter().filter(|r| r.gamma == g).collect();
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|r| (r.alpha, r.optimal)),
                    c.stroke_width(3),
                ))?
                .label(format!("optimal, γ = {g}"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
            chart.draw_series(
                pts.iter()
                    .map(|r| Circle::new((r.alpha, r.optimal), 4, c.filled())),
            )?;
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|r| (r.alpha, r.sm1.max(0.0))),
                    c.stroke_width(1),
                ))?
                .label(format!("SM1, γ = {g}"))
                .legend(move |(x, y)| Cross::new((x + 10, y), 4, c.stroke_width(1)));
            chart.draw_series(
                pts.iter()
                    .map(|r| Cross::new((r.alpha, r.sm1.max(0.0)), 4, c.stroke_width(1))),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()?;
        Ok(())
    })
}

/// The bounty figure: the bounty (log scale) against α, one line per z.
pub fn bounty_png(rows: &[BountyRow]) -> anyhow::Result<Vec<u8>> {
    let finite: Vec<&BountyRow> = rows
        .iter()
        .filter(|r| r.bounty.is_finite() && r.bounty > 0.0)
        .collect();
    anyhow::ensure!(!finite.is_empty(), "no finite bounty to draw");
    let lo = finite
        .iter()
        .map(|r| r.bounty)
        .fold(f64::INFINITY, f64::min);
    let hi = finite.iter().map(|r| r.bounty).fold(0.0f64, f64::max);
    let (x0, x1) = (
        finite.iter().map(|r| r.alpha).fold(1.0f64, f64::min) - 0.02,
        finite.iter().map(|r| r.alpha).fold(0.0f64, f64::max) + 0.02,
    );
    let mut zs: Vec<u32> = finite.iter().map(|r| r.z).collect();
    zs.sort_unstable();
    zs.dedup();
    let gamma = finite[0].gamma;
    png(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Double-spend bounty: reward per reversal that makes deviating pay (γ = {gamma})"
                ),
                ("sans-serif", 22),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, ((lo * 0.7)..(hi * 1.4)).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("attacker share α")
            .y_desc("bounty (block rewards per reversed payment)")
            .draw()?;
        for (i, z) in zs.into_iter().enumerate() {
            let c = PALETTE[i % PALETTE.len()];
            let pts: Vec<_> = finite.iter().filter(|r| r.z == z).collect();
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|r| (r.alpha, r.bounty)),
                    c.stroke_width(3),
                ))?
                .label(format!("z = {z} confirmations"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
            chart.draw_series(
                pts.iter()
                    .map(|r| Circle::new((r.alpha, r.bounty), 4, c.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()?;
        Ok(())
    })
}

fn csv<T: Serialize>(rows: &[T]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// "A miner with at least α = x of the hash rate (γ = g) ... earns more than its share by
/// withholding blocks": the smallest α of the grid where the optimum beats honest mining, per
/// γ.
fn thresholds(revenue: &[RevenueRow]) -> String {
    let parts: Vec<String> = gammas(revenue)
        .into_iter()
        .map(|g| {
            // 1e-9: above the solver's tolerance, far below any real gain.
            match revenue
                .iter()
                .find(|r| r.gamma == g && r.optimal > r.honest + 1e-9)
            {
                Some(r) => format!("α ≥ {} at γ = {g}", r.alpha),
                None => format!("no share of the grid at γ = {g}"),
            }
        })
        .collect();
    format!(
        "On this grid a miner earns more than its share of blocks by withholding them from \
         {}",
        parts.join(", ")
    )
}

/// The README page of the folder.
pub fn readme(revenue: &[RevenueRow], bounty: &[BountyRow], command: &str) -> String {
    let mut s = format!(
        "# The optimal attacker: selfish mining and the double-spend bounty\n\n\
         Generated by `{command}` (do not edit by hand). Model, method and bounds: \
         docs/optimize.md; the zero-latency block race of Sapirshtein, Sompolinsky and \
         Zohar (FC 2016).\n\n\
         **For a merchant.** {}, so such a miner gains from forking the chain even with no \
         payment to reverse. A payment worth less than the double-spend bounty (in block \
         rewards; the Bounty table of `optimal/README.md` and `bounty.csv`) at the largest \
         miner's share and the confirmations waited for is not worth \
         reversing for a profit-maximising attacker; the bounty falls steeply as that miner \
         grows and rises with every confirmation, so larger payments need more \
         confirmations.\n\n\
         ## Files\n\n\
         - `revenue.csv`, `revenue.png`: optimal relative revenue (share of main-chain \
         blocks) against α for each γ, with its upper bound, SM1's closed form and honest \
         mining.\n\
         - `bounty.csv`, `bounty.png`: the bounty against α for each z (γ = {}), with a lower \
         bound (0 where the optimistic model gives none).\n\n\
         ## Revenue\n\n| α | γ | optimal | upper bound | SM1 | honest |\n|---|---|---|---|---|---|\n",
        thresholds(revenue),
        bounty.first().map_or(0.0, |b| b.gamma)
    );
    for r in revenue {
        s.push_str(&format!(
            "| {} | {} | {:.5} | {:.5} | {:.5} | {:.2} |\n",
            r.alpha, r.gamma, r.optimal, r.upper, r.sm1, r.honest
        ));
    }
    s.push_str("\n## Bounty (block rewards per reversed payment)\n\n| α | z | bounty | lower bound |\n|---|---|---|---|\n");
    for b in bounty {
        let f = |v: f64| {
            if v.is_finite() {
                format!("{v:.3}")
            } else {
                "never".into()
            }
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            b.alpha,
            b.z,
            f(b.bounty),
            f(b.lower)
        ));
    }
    s
}

/// Render every file of the report, then write them into `dir` (created if missing).
pub fn write(
    dir: &Path,
    revenue: &[RevenueRow],
    bounty: &[BountyRow],
    command: &str,
) -> anyhow::Result<()> {
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("revenue.csv", csv(revenue)?.into_bytes()),
        ("revenue.png", revenue_png(revenue)?),
        ("bounty.csv", csv(bounty)?.into_bytes()),
        ("bounty.png", bounty_png(bounty)?),
        ("README.md", readme(revenue, bounty, command).into_bytes()),
    ];
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    for (name, bytes) in files {
        write_atomic(&dir.join(name), &bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(alpha: f64, gamma: f64, optimal: f64) -> RevenueRow {
        RevenueRow {
            alpha,
            gamma,
            optimal,
            upper: optimal,
            sm1: alpha * 0.9,
            honest: alpha,
            truncation: 24,
        }
    }

    #[test]
    fn folder_has_every_file_and_the_threshold_sentence() {
        // Synthetic rows: γ = 0 gains from α = 0.3, γ = 1 from α = 0.2; the page must say so.
        let revenue = vec![
            rev(0.2, 0.0, 0.2),
            rev(0.3, 0.0, 0.31),
            rev(0.2, 1.0, 0.25),
            rev(0.3, 1.0, 0.43),
        ];
        let bounty = vec![
            BountyRow {
                alpha: 0.2,
                gamma: 0.0,
                z: 1,
                bounty: 1.7,
                lower: 1.7,
                truncation: 24,
            },
            BountyRow {
                alpha: 0.3,
                gamma: 0.0,
                z: 1,
                bounty: f64::INFINITY,
                lower: 0.0,
                truncation: 24,
            },
        ];
        let d = tempfile::tempdir().unwrap();
        write(d.path(), &revenue, &bounty, "cmd").unwrap();
        for f in ["revenue.png", "bounty.png"] {
            let b = std::fs::read(d.path().join(f)).unwrap();
            assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{f}");
        }
        let csv = std::fs::read_to_string(d.path().join("revenue.csv")).unwrap();
        assert!(csv.starts_with("alpha,gamma,optimal,upper,sm1,honest,truncation\n"));
        let page = std::fs::read_to_string(d.path().join("README.md")).unwrap();
        assert!(
            page.contains("α ≥ 0.3 at γ = 0, α ≥ 0.2 at γ = 1"),
            "{page}"
        );
        assert!(page.contains("| 0.3 | 1 | never | 0.000 |"), "{page}");
    }
}
