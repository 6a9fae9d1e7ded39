//! `bounds-band.png`: a Δ-model attack swept over Δ (`delay-private.delta` or
//! `balancing.delta`), one panel per Δ: the simulated P(reversal) against z for each q
//! (points with their interval, joined), over the Guo–Ren band [lower, upper] of the same
//! q and Δ shaded in the series' colour (`crate::bounds::guo_ren`, recomputed at plot
//! time from q, z and Δ; docs/delay-adversary.md).
//!
//! The CSV does not record the block interval: the band is drawn for T = 600 s (Bitcoin,
//! the Δ-model scenarios' interval). Cells where a bound gives no number (above its
//! threshold) leave a gap in the band.

use plotters::prelude::*;

use super::style::series_style;
use super::{Area, DATA_FLOOR, PlotRow, group, q_label, render, titled};
use crate::bounds::guo_ren;

/// Block interval the band assumes (seconds).
const BAND_BLOCK_INTERVAL: f64 = 600.0;

/// The swept Δ of a row, when the row belongs to a Δ-model attack swept over its delta.
fn delta_of(r: &PlotRow) -> Option<f64> {
    let is_delta = r.sweep_parameter.as_deref()?.ends_with(".delta");
    let model = crate::attack::delta_model(&r.attack);
    (is_delta && model).then_some(r.sweep_x?)
}

/// Whether `rows` get the band plot.
pub(super) fn applies(rows: &[PlotRow]) -> bool {
    !rows.is_empty() && rows.iter().all(|r| delta_of(r).is_some())
}

/// The band plot's PNG.
pub(super) fn band_png(name: &str, rows: &[PlotRow]) -> anyhow::Result<Vec<u8>> {
    render(|root| draw(root, name, rows))
}

/// Guo–Ren (lower, upper) at q, z, Δ, T = 600 s.
fn bounds_at(q: f64, z: u32, delta: f64) -> (Option<f64>, Option<f64>) {
    (
        guo_ren::lower(q, z),
        guo_ren::upper(q, z, delta, BAND_BLOCK_INTERVAL),
    )
}

fn draw(root: &Area<'_>, name: &str, rows: &[PlotRow]) -> anyhow::Result<()> {
    let title = format!(
        "{} attack: simulated P(reversal) and the Guo–Ren band ({name})",
        rows[0].attack
    );
    let subtitle = vec![
        "shaded: Guo–Ren lower to upper bound for the same q and Δ (T = 600 s, ties to the adversary); points: simulation with its interval (triangle: no reversal seen, drawn at its interval's upper end)".to_string(),
    ];
    let area = titled(root, &title, &subtitle)?;
    let panels = group(rows, |r| delta_of(r).unwrap_or(0.0).to_bits());
    let cols = panels.len().clamp(1, 2);
    let nrows = panels.len().div_ceil(cols);
    let cells = area.split_evenly((nrows, cols));
    let qs: Vec<f64> = group(rows, |r| r.q.to_bits())
        .into_iter()
        .map(|(k, _)| f64::from_bits(k))
        .collect();
    let z_max = rows.iter().map(|r| r.z).max().unwrap_or(1);
    let z_min = rows.iter().map(|r| r.z).min().unwrap_or(0);
    let y_lo = y_floor(rows);
    for ((key, panel), cell) in panels.into_iter().zip(cells.iter()) {
        let delta = f64::from_bits(key);
        panel_chart(cell, &panel, &qs, delta, (z_min, z_max), y_lo)?;
    }
    Ok(())
}

/// The decade below the smallest positive value drawn (simulated or bound).
fn y_floor(rows: &[PlotRow]) -> f64 {
    let mut lo: f64 = 1.0;
    for r in rows {
        for v in [r.probability, r.ci_low, r.ci_high] {
            if v > 0.0 {
                lo = lo.min(v);
            }
        }
        if let Some(d) = delta_of(r) {
            let (l, u) = bounds_at(r.q, r.z, d);
            for v in [l, u].into_iter().flatten().filter(|v| *v > 0.0) {
                lo = lo.min(v);
            }
        }
    }
    10f64.powf(lo.max(DATA_FLOOR).log10().floor())
}

fn panel_chart(
    cell: &Area<'_>,
    rows: &[&PlotRow],
    qs: &[f64],
    delta: f64,
    (z_min, z_max): (u32, u32),
    y_lo: f64,
) -> anyhow::Result<()> {
    let x_range = f64::from(z_min) - 0.3..f64::from(z_max) + 0.3;
    let mut chart = ChartBuilder::on(cell)
        .caption(format!("Δ = {delta} s"), ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range, (y_lo..1.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("confirmations z")
        .y_desc("P(reversal)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .label_style(("sans-serif", 13))
        .draw()?;
    for (i, &q) in qs.iter().enumerate() {
        let c = series_style(i).colour;
        let mut series: Vec<&&PlotRow> = rows.iter().filter(|r| r.q == q).collect();
        series.sort_by_key(|r| r.z);
        draw_band(&mut chart, &series, q, delta, c, y_lo)?;
        // Zero-reversal cells are not points: only their interval's upper end is drawn.
        let pts: Vec<(f64, f64)> = series
            .iter()
            .filter(|r| !r.is_zero())
            .map(|r| (f64::from(r.z), r.probability.max(y_lo)))
            .collect();
        chart.draw_series(
            series
                .iter()
                .filter(|r| r.is_zero())
                .map(|r| TriangleMarker::new((f64::from(r.z), r.ci_high.max(y_lo)), 5, c.filled())),
        )?;
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?
            .label(q_label(q))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        chart.draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 3, c.filled())))?;
        chart.draw_series(series.iter().map(|r| {
            let x = f64::from(r.z);
            PathElement::new(
                vec![(x, r.ci_low.max(y_lo)), (x, r.ci_high.max(y_lo))],
                c.stroke_width(1),
            )
        }))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

type Chart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::combinators::LogCoord<f64>,
    >,
>;

/// The band of one q as polygons between consecutive z where both bounds exist.
fn draw_band(
    chart: &mut Chart<'_, '_>,
    series: &[&&PlotRow],
    q: f64,
    delta: f64,
    c: RGBColor,
    y_lo: f64,
) -> anyhow::Result<()> {
    let at = |z: u32| match bounds_at(q, z, delta) {
        (Some(l), Some(u)) => Some((l.max(y_lo), u.max(y_lo))),
        _ => None,
    };
    for w in series.windows(2) {
        let (z0, z1) = (w[0].z, w[1].z);
        if let (Some((l0, u0)), Some((l1, u1))) = (at(z0), at(z1)) {
            let (x0, x1) = (f64::from(z0), f64::from(z1));
            chart.draw_series(std::iter::once(Polygon::new(
                vec![(x0, l0), (x1, l1), (x1, u1), (x0, u0)],
                c.mix(0.18).filled(),
            )))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(attack: &str, q: f64, z: u32, delta: &str) -> String {
        format!("{attack},{q},{z},1000,0.01,0.005,0.02,,delay-private.delta,{delta}\n")
    }

    fn csv(attack: &str) -> String {
        let mut s =
            "attack,q,z,trials,probability,ci_low,ci_high,exact,sweep_parameter,sweep_value\n"
                .to_string();
        for d in ["0", "10"] {
            for z in 1..=3 {
                s.push_str(&row(attack, 0.1, z, d));
            }
        }
        s
    }

    #[test]
    fn only_delta_sweeps_of_the_delta_model_get_the_band() {
        let rows = super::super::read_rows(&csv("delay-private")).unwrap();
        assert!(applies(&rows));
        let rows = super::super::read_rows(&csv("majority")).unwrap();
        assert!(!applies(&rows));
    }

    #[test]
    fn the_band_renders_a_png() {
        let rows = super::super::read_rows(&csv("delay-private")).unwrap();
        let png = band_png("t", &rows).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn the_band_brackets_the_published_example() {
        // Guo–Ren's abstract: q = 0.1, Δ = 10 s, T = 600 s, z = 6: between 0.11 % and 0.35 %.
        let (l, u) = bounds_at(0.1, 6, 10.0);
        assert_eq!(format!("{:.2}", 100.0 * l.unwrap()), "0.11");
        assert_eq!(format!("{:.2}", 100.0 * u.unwrap()), "0.35");
    }
}
