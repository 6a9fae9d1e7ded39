//! Line charts: P(reversal) against z or a swept parameter on a log axis, and blocks until
//! success for a majority attacker.

use plotters::prelude::*;

use super::units::sweep_axis_label;
use super::{
    Area, PlotRow, capitalised, colour, group, log_floor, power_label, q_label, render, subtitle,
    titled,
};

/// One point of a probability line.
#[derive(Clone, Copy, Debug)]
pub(super) struct Point {
    x: f64,
    p: f64,
    lo: f64,
    hi: f64,
    exact: Option<f64>,
}

/// One coloured line.
#[derive(Clone, Debug)]
pub(super) struct Series {
    label: String,
    points: Vec<Point>,
}

/// A probability-against-x chart on a log axis.
#[derive(Clone, Debug)]
pub(super) struct LineChart {
    title: String,
    subtitle: Vec<String>,
    x_desc: String,
    integer_x: bool,
    /// Category names of the x positions 0, 1, … (a sweep over words such as allow/deny).
    x_labels: Option<Vec<String>>,
    series: Vec<Series>,
}

fn point(x: f64, r: &PlotRow) -> Point {
    Point {
        x,
        p: r.probability,
        lo: r.ci_low,
        hi: r.ci_high,
        exact: r.exact,
    }
}

pub(super) fn reversal_chart(name: &str, rows: &[PlotRow]) -> LineChart {
    let series = group(rows, |r| (r.q, r.sweep().map(|(p, v)| (p.to_string(), v))))
        .into_iter()
        .map(|((q, sweep), rs)| Series {
            label: match (sweep, rs[0].sweep_value.as_deref()) {
                (Some((p, _)), Some(v)) => format!("{}, {p} = {v}", q_label(q)),
                _ => q_label(q),
            },
            points: rs.iter().map(|r| point(f64::from(r.z), r)).collect(),
        })
        .collect();
    LineChart {
        title: format!(
            "{} attack: P(reversal) by confirmations ({name})",
            capitalised(&rows[0].attack)
        ),
        subtitle: subtitle(rows),
        x_desc: "confirmations z (blocks)".into(),
        integer_x: true,
        x_labels: None,
        series,
    }
}

pub(super) fn sweep_chart(name: &str, rows: &[PlotRow]) -> Option<LineChart> {
    let param = rows
        .iter()
        .find_map(|r| r.sweep().map(|(p, _)| p.to_string()))?;
    let swept: Vec<PlotRow> = rows
        .iter()
        .filter(|r| r.sweep().is_some())
        .cloned()
        .collect();
    let series = group(&swept, |r| (r.q, r.z))
        .into_iter()
        .map(|((q, z), rs)| Series {
            label: format!("{}, z = {z}", q_label(q)),
            points: rs
                .iter()
                .map(|r| point(r.sweep_x.unwrap_or(0.0), r))
                .collect(),
        })
        .collect();
    Some(LineChart {
        title: format!(
            "{} attack: P(reversal) against {param} ({name})",
            capitalised(&rows[0].attack)
        ),
        subtitle: subtitle(rows),
        x_desc: sweep_axis_label(&param),
        integer_x: false,
        x_labels: super::sweep_labels(rows),
        series,
    })
}

/// Consecutive runs of points satisfying `keep`, as (x, y) lists (gaps break the line).
fn runs(points: &[Point], y: impl Fn(&Point) -> Option<f64>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for p in points {
        match y(p) {
            Some(v) => out.last_mut().expect("never empty").push((p.x, v)),
            None if out.last().is_some_and(|r| !r.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

fn x_range(c: &LineChart) -> std::ops::Range<f64> {
    let xs = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.x));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if c.integer_x {
        (lo - 0.5)..(hi + 0.5)
    } else {
        let pad = ((hi - lo) * 0.04).max(0.5);
        (lo - pad)..(hi + pad)
    }
}

pub(super) fn line_png(c: &LineChart) -> anyhow::Result<Vec<u8>> {
    render(|root| line_chart(root, c))
}

fn line_chart(root: &Area<'_>, c: &LineChart) -> anyhow::Result<()> {
    let area = titled(root, &c.title, &c.subtitle)?;
    let all = c
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .flat_map(|p| [p.p, p.lo, p.hi, p.exact.unwrap_or(1.0)]);
    let y_lo = log_floor(all);
    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .margin_right(28)
        .x_label_area_size(48)
        .y_label_area_size(78)
        .build_cartesian_2d(x_range(c), (y_lo..1.0).log_scale())?;
    let integer_x = c.integer_x;
    let labels = c.x_labels.as_deref();
    chart
        .configure_mesh()
        .x_desc(c.x_desc.as_str())
        .y_desc("P(reversal)  (probability, log scale)")
        .x_label_formatter(&|x| {
            if let Some(l) = labels {
                let i = x.round();
                let on_tick = (x - i).abs() < 1e-9 && i >= 0.0;
                on_tick
                    .then(|| l.get(i as usize).cloned())
                    .flatten()
                    .unwrap_or_default()
            } else if !integer_x {
                format!("{x}")
            } else if (x - x.round()).abs() < 1e-9 {
                format!("{}", x.round())
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| power_label(*y))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    let in_range = |v: f64| (v >= y_lo && v <= 1.0).then_some(v);
    for (i, s) in c.series.iter().enumerate() {
        let col = colour(i);
        draw_band(&mut chart, s, col, y_lo)?;
        for run in runs(&s.points, |p| p.exact.and_then(in_range)) {
            chart.draw_series(DashedLineSeries::new(run, 7, 5, col.stroke_width(2)))?;
        }
        for run in runs(&s.points, |p| (p.p > 0.0).then_some(p.p).and_then(in_range)) {
            chart.draw_series(LineSeries::new(run, col.stroke_width(2)))?;
        }
        let pts = s
            .points
            .iter()
            .filter(|p| p.p > 0.0 && in_range(p.p).is_some());
        chart
            .draw_series(pts.map(|p| Circle::new((p.x, p.p), 3, col.filled())))?
            .label(s.label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x - 4, y), (x + 18, y)], col.stroke_width(3))
            });
        let zeros = s.points.iter().filter(|p| p.p <= 0.0);
        // A ▼ at the interval's upper end: "no reversal seen; P is at most this".
        chart.draw_series(zeros.filter(|p| in_range(p.hi).is_some()).map(|p| {
            EmptyElement::at((p.x, p.hi))
                + Polygon::new(vec![(-6, -5), (6, -5), (0, 6)], col.filled())
        }))?;
    }
    key_entries(&mut chart)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.6))
        .border_style(RGBColor(160, 160, 160))
        .draw()?;
    Ok(())
}

type LogChart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::combinators::LogCoord<f64>,
    >,
>;

/// The shaded interval band over each run of cells that saw reversals (a lone cell gets a
/// vertical bar). Cells with no reversal show only their upper bound (the ▼), since their
/// interval reaches down to 0, which a log axis cannot show.
fn draw_band<'a, 'b: 'a>(
    chart: &mut LogChart<'a, 'b>,
    s: &Series,
    col: RGBColor,
    y_lo: f64,
) -> anyhow::Result<()> {
    let clamp = |v: f64| v.clamp(y_lo, 1.0);
    let mut run: Vec<Point> = Vec::new();
    for p in s.points.iter().chain(std::iter::once(&GAP)) {
        if p.p > 0.0 && p.x.is_finite() {
            run.push(*p);
            continue;
        }
        let fill = col.mix(0.18).filled();
        match run.len() {
            0 => {}
            1 => {
                let r = run[0];
                let bar = vec![(r.x, clamp(r.lo)), (r.x, clamp(r.hi))];
                chart.draw_series(std::iter::once(PathElement::new(bar, col.stroke_width(2))))?;
            }
            _ => {
                let mut poly: Vec<(f64, f64)> = run.iter().map(|p| (p.x, clamp(p.hi))).collect();
                poly.extend(run.iter().rev().map(|p| (p.x, clamp(p.lo))));
                chart.draw_series(std::iter::once(Polygon::new(poly, fill)))?;
            }
        }
        run.clear();
    }
    Ok(())
}

/// Sentinel that ends the last run in [`draw_band`].
const GAP: Point = Point {
    x: f64::NAN,
    p: 0.0,
    lo: 0.0,
    hi: 0.0,
    exact: None,
};

/// Legend entries that explain the line styles (drawn in black, no data).
fn key_entries<'a, 'b: 'a>(chart: &mut LogChart<'a, 'b>) -> anyhow::Result<()> {
    let grey = RGBColor(60, 60, 60);
    let none = || std::iter::empty::<Circle<(f64, f64), i32>>();
    chart
        .draw_series(none())?
        .label("simulated (dots), interval shaded")
        .legend(move |(x, y)| {
            Rectangle::new([(x - 4, y - 5), (x + 18, y + 5)], grey.mix(0.2).filled())
        });
    chart
        .draw_series(none())?
        .label("closed form, same convention (dashed)")
        .legend(move |(x, y)| {
            EmptyElement::at((x, y))
                + PathElement::new(vec![(-4, 0), (4, 0)], grey.stroke_width(2))
                + PathElement::new(vec![(10, 0), (18, 0)], grey.stroke_width(2))
        });
    chart
        .draw_series(none())?
        .label("no reversal seen: upper bound")
        .legend(move |(x, y)| {
            Polygon::new(
                vec![(x + 1, y - 5), (x + 13, y - 5), (x + 7, y + 6)],
                grey.filled(),
            )
        });
    Ok(())
}

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
    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .margin_right(28)
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
    for (i, (q, rs)) in group(&owned, |r| r.q).into_iter().enumerate() {
        let col = colour(i);
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
        chart
            .draw_series(mean.iter().map(|&p| Circle::new(p, 3, col.filled())))?
            .label(q_label(q))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x - 4, y), (x + 18, y)], col.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(160, 160, 160))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_break_at_gaps() {
        let p = |x: f64, v: f64| Point {
            x,
            p: v,
            lo: 0.0,
            hi: v,
            exact: None,
        };
        let pts = [p(0.0, 0.5), p(1.0, 0.2), p(2.0, 0.0), p(3.0, 0.1)];
        let r = runs(&pts, |q| (q.p > 0.0).then_some(q.p));
        assert_eq!(r, vec![vec![(0.0, 0.5), (1.0, 0.2)], vec![(3.0, 0.1)]]);
    }
}
