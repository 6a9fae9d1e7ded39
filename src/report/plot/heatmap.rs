//! The q × z heat map of P(reversal), with its colour bar.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::units::sweep_axis_label;
use super::{
    Area, PlotRow, WIDTH, capitalised, group, log_axis, log_floor, power_label, subtitle, titled,
};

/// Viridis at nine stops (perceptually uniform, readable in grey and by colour-blind readers).
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 45, 123),
    (59, 82, 139),
    (44, 114, 142),
    (33, 145, 140),
    (40, 174, 128),
    (94, 201, 98),
    (173, 220, 48),
    (253, 231, 37),
];

/// Colour of t in [0, 1] (linear between stops).
fn viridis(t: f64) -> RGBColor {
    let x = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Position of p on the log colour scale from `lo` (t = 0) to 1 (t = 1).
fn scale_t(p: f64, lo: f64) -> f64 {
    (p.max(lo).log10() - lo.log10()) / -lo.log10()
}

/// Two significant digits: `0.31`, `3.1e-4`.
fn short(p: f64) -> String {
    if p >= 0.1 {
        format!("{p:.2}")
    } else if p >= 0.01 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

const NO_DATA: RGBColor = RGBColor(228, 228, 228);

pub(super) fn heatmap(root: &Area<'_>, name: &str, rows: &[PlotRow]) -> anyhow::Result<()> {
    let title = format!(
        "{} attack: P(reversal) over q and z ({name})",
        capitalised(&rows[0].attack)
    );
    let mut sub = subtitle(rows);
    sub[1] = "Colour: simulated P(reversal), log scale; grey: no reversal seen, the number \
              is the interval's upper bound"
        .into();
    let area = titled(root, &title, &sub)?;
    let (main, bar) = area.split_horizontally(WIDTH as i32 - 120);
    let zs: Vec<u32> = group(rows, |r| r.z).into_iter().map(|(z, _)| z).collect();
    let series = group(rows, |r| (r.q, r.sweep().map(|(p, v)| (p.to_string(), v))));
    let lo = log_floor(
        rows.iter().flat_map(|r| [r.probability, r.ci_high]),
        std::iter::empty(),
    );
    let (nx, ny) = (zs.len() as i32, series.len() as i32);
    let labels = row_labels(rows);
    let row_label = |j: i32| -> String { labels.get(j as usize).cloned().unwrap_or_default() };
    let mut chart = ChartBuilder::on(&main)
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(90)
        // A segmented 0..n has n + 1 segments (0..=n), hence n - 1.
        .build_cartesian_2d((0..nx - 1).into_segmented(), (0..ny - 1).into_segmented())?;
    let y_desc = match rows.iter().find_map(|r| r.sweep()) {
        Some((p, _)) => format!("attacker share q, {}", sweep_axis_label(p)),
        None => "attacker share q (fraction of hash rate)".into(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(zs.len().min(21))
        .y_labels(series.len())
        .x_label_formatter(&|v| seg_label(v, |i| zs.get(i as usize).map(u32::to_string)))
        .y_label_formatter(&|v| seg_label(v, |j| Some(row_label(j))))
        .x_desc("confirmations z (blocks)")
        .y_desc(y_desc)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    let (cell_w, cell_h) = cell_size(&chart, nx, ny);
    let label_cells = cell_w >= 42 && cell_h >= 16;
    let idx = |z: u32| zs.iter().position(|&x| x == z).unwrap_or(0) as i32;
    for (j, (_, rs)) in series.iter().enumerate() {
        let j = j as i32;
        for r in rs {
            let i = idx(r.z);
            let (fill, text, ink) = look(r, lo);
            let cell = [
                (SegmentValue::Exact(i), SegmentValue::Exact(j)),
                (SegmentValue::Exact(i + 1), SegmentValue::Exact(j + 1)),
            ];
            chart.draw_series(std::iter::once(Rectangle::new(cell, fill.filled())))?;
            if label_cells {
                let style = ("sans-serif", 12)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                let at = (SegmentValue::CenterOf(i), SegmentValue::CenterOf(j));
                chart.draw_series(std::iter::once(Text::new(text, at, style)))?;
            }
        }
    }
    colour_bar(&bar, lo)
}

/// The heat map's row labels, bottom to top: `q`, or `q, value` with the swept value as the
/// CSV shows it (`deny`, not the category's index on the sweep plot's axis).
fn row_labels(rows: &[PlotRow]) -> Vec<String> {
    group(rows, |r| (r.q, r.sweep().map(|(p, v)| (p.to_string(), v))))
        .into_iter()
        .map(
            |((q, sweep), rs)| match (sweep, rs[0].sweep_value.as_deref()) {
                (Some(_), Some(v)) => format!("{q}, {v}"),
                _ => format!("{q}"),
            },
        )
        .collect()
}

/// A cell's fill, its text and the text colour (dark on light fills).
fn look(r: &PlotRow, lo: f64) -> (RGBColor, String, RGBColor) {
    if r.is_zero() {
        return (NO_DATA, format!("<{}", short(r.ci_high)), BLACK);
    }
    let t = scale_t(r.probability, lo);
    let ink = if t > 0.6 { BLACK } else { WHITE };
    (viridis(t), short(r.probability), ink)
}

fn seg_label(v: &SegmentValue<i32>, f: impl Fn(i32) -> Option<String>) -> String {
    match v {
        SegmentValue::CenterOf(i) => f(*i).unwrap_or_default(),
        _ => String::new(),
    }
}

/// Pixel size of one heat-map cell.
fn cell_size<DB: DrawingBackend, X: Ranged, Y: Ranged>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    nx: i32,
    ny: i32,
) -> (i32, i32) {
    let (w, h) = chart.plotting_area().dim_in_pixel();
    (w as i32 / nx.max(1), h as i32 / ny.max(1))
}

fn colour_bar(area: &Area<'_>, lo: f64) -> anyhow::Result<()> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(12)
        .margin_bottom(60)
        .margin_right(8)
        .right_y_label_area_size(62)
        .build_cartesian_2d(0.0..1.0, log_axis(lo))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_label_formatter(&|y| power_label(*y))
        .label_style(("sans-serif", 13))
        .draw()?;
    const STEPS: usize = 120;
    let decades = -lo.log10();
    chart.draw_series((0..STEPS).map(|s| {
        let a = 10f64.powf(-decades * (1.0 - s as f64 / STEPS as f64));
        let b = 10f64.powf(-decades * (1.0 - (s + 1) as f64 / STEPS as f64));
        let t = (s as f64 + 0.5) / STEPS as f64;
        Rectangle::new([(0.0, a), (1.0, b)], viridis(t).filled())
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_a_sweep_over_words_are_labelled_with_the_words() {
        let mut csv = String::from(
            "attack,q,z,trials,probability,ci_low,ci_high,exact,sweep_parameter,sweep_value\n",
        );
        for v in ["allow", "deny"] {
            for q in ["0.05", "0.3"] {
                csv.push_str(&format!(
                    "vector76,{q},1,1000,0.2,0.1,0.3,,merchant.incoming,{v}\n"
                ));
            }
        }
        let rows = crate::report::plot::read_rows(&csv).unwrap();
        assert_eq!(
            row_labels(&rows),
            ["0.05, allow", "0.3, allow", "0.05, deny", "0.3, deny"]
        );
        // Numbers stay as written.
        let csv = csv.replace("allow", "0.25").replace("deny", "1e-3");
        let rows = crate::report::plot::read_rows(&csv).unwrap();
        assert_eq!(row_labels(&rows)[3], "0.3, 1e-3");
    }

    #[test]
    fn viridis_ends_are_the_published_colours() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(2.0), RGBColor(253, 231, 37));
    }
}
