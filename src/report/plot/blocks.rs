//! Blocks until the reversal succeeds, for a majority attacker (q > 1/2): mean and 99th
//! percentile against z, one colour per q.

use plotters::prelude::*;

use super::legend::{Entry, Glyph, Legend, draw_legend};
use super::lines::{chart_and_legend, right_below_top};
use super::style::{draw_marker, series_style};
use super::{Area, PlotRow, group, q_label, subtitle, titled};

pub(super) fn blocks(root: &Area<'_>, name: &str, rows: &[PlotRow]) -> anyhow::Result<()> {
    let rows: Vec<&PlotRow> = rows.iter().filter(|r| r.mean_blocks.is_some()).collect();
    let title = format!("Majority attacker: blocks until the reversal succeeds ({name})");
    let sub = vec![
        subtitle(&[rows[0].clone()])[0].clone(),
        "Blocks found by all miners from the payment until the attacker's branch wins; \
         solid: mean, dashed: 99th percentile"
            .to_string(),
    ];
    let area = titled(root, &title, &sub)?;
    let (left, right) = chart_and_legend(&area);
    let top = rows
        .iter()
        .map(|r| {
            r.p99_blocks
                .unwrap_or(0.0)
                .max(r.mean_blocks.unwrap_or(0.0))
        })
        .fold(1.0f64, f64::max);
    let (z0, z1) = rows
        .iter()
        .fold((u32::MAX, 0), |(a, b), r| (a.min(r.z), b.max(r.z)));
    let mut chart = ChartBuilder::on(&left)
        .margin(12)
        .margin_right(16)
        .x_label_area_size(48)
        .y_label_area_size(78)
        .build_cartesian_2d(
            (f64::from(z0) - 0.5)..(f64::from(z1) + 0.5),
            0.0..top * 1.08,
        )?;
    chart
        .configure_mesh()
        .x_desc("confirmations z (blocks)")
        .y_desc("blocks until success (all miners)")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() < 1e-9 {
                format!("{}", x.round())
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    let owned: Vec<PlotRow> = rows.iter().map(|r| (*r).clone()).collect();
    let mut legend = Legend {
        heading: vec!["attacker share q".into()],
        series: Vec::new(),
        key: vec![
            Entry::new(Glyph::Solid, "mean"),
            Entry::new(Glyph::Dashed, "99th percentile"),
        ],
    };
    for (i, (q, rs)) in group(&owned, |r| r.q).into_iter().enumerate() {
        let style = series_style(i);
        let col = style.colour;
        let mean: Vec<(f64, f64)> = rs
            .iter()
            .filter_map(|r| Some((f64::from(r.z), r.mean_blocks?)))
            .collect();
        let p99: Vec<(f64, f64)> = rs
            .iter()
            .filter_map(|r| Some((f64::from(r.z), r.p99_blocks?)))
            .collect();
        chart.draw_series(DashedLineSeries::new(p99, 7, 5, col.stroke_width(2)))?;
        chart.draw_series(LineSeries::new(mean.clone(), col.stroke_width(2)))?;
        for &p in &mean {
            draw_marker(chart.plotting_area(), p, 0, style)?;
        }
        legend
            .series
            .push(Entry::new(Glyph::Series(style), q_label(q)));
    }
    draw_legend(&right_below_top(&right), &legend)?;
    Ok(())
}
