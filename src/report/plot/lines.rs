//! Line charts: P(reversal) against z or a swept parameter on a log axis.

use plotters::prelude::*;

use super::bounds::{ABOVE, BELOW, dodge, dodge_dots};
use super::legend::{Entry, Glyph, LEGEND_WIDTH, Legend, PixelRect, draw_legend};
use super::style::{draw_marker, series_style};
use super::ticks::{TickedAxis, Ticks, from_log, linear_ticks, log_ticks, log_x_axis, tick_label};
use super::units::sweep_axis_label;
use super::{
    Area, PlotRow, capitalised, group, log_axis, log_floor, power_label, q_label, render, subtitle,
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
    /// Every x is a whole number (z, a count, a category's index): whole ticks only.
    integer_x: bool,
    /// The x coordinates are log10 of the values (see `ticks::log_x_axis`).
    log_x: bool,
    /// Category names of the x positions 0, 1, … (a sweep over words such as allow/deny).
    x_labels: Option<Vec<String>>,
    /// What tells the series apart (legend heading lines).
    legend_heading: Vec<String>,
    series: Vec<Series>,
    /// The zero-latency closed form of a networked scenario, not the same model.
    networked: bool,
}

/// Where a line chart put things, in image pixels (for tests).
#[derive(Clone, Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests only"))]
pub(super) struct Geometry {
    /// The plotting area (inside the axes).
    pub plot: PixelRect,
    /// The legend box.
    pub legend: PixelRect,
    /// Each ▼ drawn: series index (`usize::MAX` for a shared ▼) and a pixel inside it.
    pub bounds: Vec<(usize, (i32, i32))>,
    /// Each dot drawn: series index and its centre.
    pub dots: Vec<(usize, (i32, i32))>,
    /// Every text of the legend's series and key entries.
    pub legend_text: Vec<String>,
    /// The x axis's range.
    pub x_range: std::ops::Range<f64>,
    /// Each x tick label drawn and the pixel columns it covers.
    pub x_labels: Vec<(String, std::ops::Range<i32>)>,
    /// Whether the legend has the closed form's entry.
    pub closed_form_in_legend: bool,
}

#[cfg(test)]
impl LineChart {
    /// The x axis title.
    pub(super) fn x_desc(&self) -> &str {
        &self.x_desc
    }
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

fn networked(rows: &[PlotRow]) -> bool {
    rows[0].network.as_deref().is_some_and(|n| n != "none")
}

pub(super) fn reversal_chart(name: &str, rows: &[PlotRow]) -> LineChart {
    let series = group(rows, |r| (r.q, r.sweep().map(|(p, v)| (p.to_string(), v))))
        .into_iter()
        .map(|((q, sweep), rs)| Series {
            label: match (sweep, rs[0].sweep_value.as_deref()) {
                (Some(_), Some(v)) => format!("{}, {v}", q_label(q)),
                _ => q_label(q),
            },
            points: rs.iter().map(|r| point(f64::from(r.z), r)).collect(),
        })
        .collect();
    let legend_heading = match rows.iter().find_map(|r| r.sweep()) {
        Some((p, _)) => vec!["attacker share q,".into(), sweep_axis_label(p)],
        None => vec!["attacker share q".into()],
    };
    LineChart {
        title: format!(
            "{} attack: P(reversal) by confirmations ({name})",
            capitalised(&rows[0].attack)
        ),
        subtitle: subtitle(rows),
        x_desc: "confirmations z (blocks)".into(),
        integer_x: true,
        log_x: false,
        x_labels: None,
        legend_heading,
        series,
        networked: networked(rows),
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
    let labels = super::sweep_labels(rows);
    let values: Vec<f64> = swept.iter().filter_map(|r| r.sweep_x).collect();
    let log_x = labels.is_none() && log_x_axis(&values);
    let integer_x = !log_x && values.iter().all(|x| x.fract() == 0.0);
    let x_of = |v: f64| if log_x { v.log10() } else { v };
    let series = group(&swept, |r| (r.q, r.z))
        .into_iter()
        .map(|((q, z), rs)| Series {
            label: format!("{}, z = {z}", q_label(q)),
            points: rs
                .iter()
                .map(|r| point(x_of(r.sweep_x.unwrap_or(0.0)), r))
                .collect(),
        })
        .collect();
    Some(LineChart {
        title: format!(
            "{} attack: P(reversal) against {param} ({name})",
            capitalised(&rows[0].attack)
        ),
        subtitle: subtitle(rows),
        x_desc: if log_x {
            log_scale_label(&sweep_axis_label(&param))
        } else {
            sweep_axis_label(&param)
        },
        integer_x,
        log_x,
        x_labels: labels,
        legend_heading: vec!["attacker share q,".into(), "confirmations z".into()],
        series,
        networked: networked(rows),
    })
}

/// `key (unit)` → `key (unit, log scale)`; `key` → `key (log scale)`.
fn log_scale_label(label: &str) -> String {
    match label.strip_suffix(')') {
        Some(head) => format!("{head}, log scale)"),
        None => format!("{label} (log scale)"),
    }
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

/// The x axis: the data's range padded by 5 % of its span on each side (at least half a
/// unit on an axis of whole numbers, so the end points are not on its edge).
fn x_range(c: &LineChart) -> std::ops::Range<f64> {
    let xs = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.x));
    let (lo, hi) = xs
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    if lo > hi {
        return 0.0..1.0;
    }
    let span = hi - lo;
    let pad = match (c.integer_x, span > 0.0) {
        (true, _) => (span * 0.05).max(0.5),
        (false, true) => span * 0.05,
        (false, false) => (lo.abs() * 0.05).max(0.5),
    };
    (lo - pad)..(hi + pad)
}

/// Text under x tick `x`: the category's name on a sweep over words, else the number.
fn x_label(c: &LineChart, x: f64) -> String {
    match &c.x_labels {
        Some(l) => {
            let i = x.round();
            let on_tick = (x - i).abs() < 1e-9 && i >= 0.0;
            on_tick
                .then(|| l.get(i as usize).cloned())
                .flatten()
                .unwrap_or_default()
        }
        None if c.log_x => tick_label(from_log(x)),
        None => tick_label(x),
    }
}

/// Gap between neighbouring x tick labels, pixels.
const LABEL_GAP: i32 = 14;

/// The x ticks: as many round ticks as fit (at most 12) with every label's text clear of
/// its neighbours' on an axis `plot_w` pixels wide.
fn x_ticks(
    area: &Area<'_>,
    c: &LineChart,
    range: &std::ops::Range<f64>,
    plot_w: i32,
) -> anyhow::Result<Ticks> {
    let font = ("sans-serif", X_LABEL_FONT).into_font().color(&BLACK);
    if c.log_x {
        return log_x_ticks(area, c, range, plot_w);
    }
    let mut ticks = linear_ticks(range.start, range.end, 2, c.integer_x);
    for max in (2..=12).rev() {
        let t = linear_ticks(range.start, range.end, max, c.integer_x);
        let mut widest = 0;
        for &x in &t.bold {
            widest = widest.max(area.estimate_text_size(&x_label(c, x), &font)?.0 as i32);
        }
        let spacing = f64::from(plot_w) * t.step / (range.end - range.start);
        if t.bold.len() < 2 || spacing >= f64::from(widest + LABEL_GAP) {
            ticks = t;
            break;
        }
    }
    Ok(ticks)
}

/// The ticks of a log x axis: 1, 2, 5 × 10^k if their labels stand clear of each other,
/// else 1, 3 × 10^k, else the powers of ten alone.
fn log_x_ticks(
    area: &Area<'_>,
    c: &LineChart,
    range: &std::ops::Range<f64>,
    plot_w: i32,
) -> anyhow::Result<Ticks> {
    let font = ("sans-serif", X_LABEL_FONT).into_font().color(&BLACK);
    let px = |x: f64| f64::from(plot_w) * (x - range.start) / (range.end - range.start);
    for mantissas in [&[1, 2, 5][..], &[1, 3], &[1]] {
        let t = log_ticks(range.start, range.end, mantissas);
        let mut fits = true;
        for w in t.bold.windows(2) {
            let wa = area.estimate_text_size(&x_label(c, w[0]), &font)?.0;
            let wb = area.estimate_text_size(&x_label(c, w[1]), &font)?.0;
            let need = f64::from(wa + wb) / 2.0 + f64::from(LABEL_GAP);
            fits &= px(w[1]) - px(w[0]) >= need;
        }
        if fits {
            return Ok(t);
        }
    }
    Ok(log_ticks(range.start, range.end, &[1]))
}

/// Font size of the axes' tick labels.
const X_LABEL_FONT: u32 = 14;

pub(super) fn line_png(c: &LineChart) -> anyhow::Result<Vec<u8>> {
    render(|root| line_chart(root, c).map(drop))
}

/// [`line_png`], also returning where things were drawn.
#[cfg(test)]
pub(super) fn line_png_geometry(c: &LineChart) -> anyhow::Result<(Vec<u8>, Geometry)> {
    super::render_with(|root| line_chart(root, c))
}

/// The chart area on the left and the legend column on the right of the titled area.
pub(super) fn chart_and_legend<'a>(area: &Area<'a>) -> (Area<'a>, Area<'a>) {
    let (w, _) = area.dim_in_pixel();
    area.split_horizontally(w as i32 - LEGEND_WIDTH as i32)
}

fn line_chart(root: &Area<'_>, c: &LineChart) -> anyhow::Result<Geometry> {
    let area = titled(root, &c.title, &c.subtitle)?;
    let (left, right) = chart_and_legend(&area);
    let points = || c.series.iter().flat_map(|s| s.points.iter());
    let y_lo = log_floor(
        points().flat_map(|p| [p.p, p.lo, p.hi]),
        points().filter_map(|p| p.exact),
    );
    let (margin, margin_right, y_labels) = (12, 16, 78);
    let xr = x_range(c);
    let plot_w = left.dim_in_pixel().0 as i32 - margin - margin_right - y_labels;
    let ticks = x_ticks(&left, c, &xr, plot_w)?;
    let x_axis = TickedAxis::new(xr.clone(), ticks.clone());
    let mut chart = ChartBuilder::on(&left)
        .margin(margin)
        .margin_right(margin_right)
        .x_label_area_size(48)
        .y_label_area_size(y_labels)
        .build_cartesian_2d(x_axis, log_axis(y_lo, headroom(y_lo)))?;
    chart
        .configure_mesh()
        .x_desc(c.x_desc.as_str())
        .y_desc("P(reversal)  (probability, log scale)")
        .x_label_formatter(&|x| x_label(c, *x))
        .y_label_formatter(&|y| power_label(*y))
        .label_style(("sans-serif", X_LABEL_FONT))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    let in_range = |v: f64| (v >= y_lo && v <= 1.0).then_some(v);
    let py = |v: f64| chart.backend_coord(&(0.0, v.clamp(y_lo, 1.0))).1;
    let mut drawn = Drawn {
        closed_form: points().any(|p| p.exact.and_then(in_range).is_some()),
        // Apart from the simulated value somewhere (by 3 px or more), or where none was seen.
        closed_form_apart: points().any(|p| {
            p.exact.and_then(in_range).is_some_and(|e| {
                in_range(p.p).is_none_or(|v| p.p <= 0.0 || (py(e) - py(v)).abs() >= 3)
            })
        }),
        // A band at least 3 px tall somewhere.
        band: points().any(|p| p.p > 0.0 && py(p.lo) - py(p.hi) >= 3),
        ..Drawn::default()
    };
    for (i, s) in c.series.iter().enumerate() {
        let col = series_style(i).colour;
        draw_band(&mut chart, s, col, y_lo)?;
        for run in runs(&s.points, |p| p.exact.and_then(in_range)) {
            chart.draw_series(DashedLineSeries::new(run, 7, 5, col.stroke_width(2)))?;
        }
        for run in runs(&s.points, |p| (p.p > 0.0).then_some(p.p).and_then(in_range)) {
            chart.draw_series(LineSeries::new(run, col.stroke_width(2)))?;
        }
    }
    draw_dots(&mut chart, c, y_lo, &mut drawn)?;
    let bounds = draw_bounds(&mut chart, c, y_lo, &mut drawn)?;
    let legend_spec = line_legend(c, &drawn);
    let legend = draw_legend(&right_below_top(&right), &legend_spec)?;
    let font = ("sans-serif", X_LABEL_FONT).into_font().color(&BLACK);
    let mut x_labels = Vec::new();
    for &x in &ticks.bold {
        let text = x_label(c, x);
        let w = left.estimate_text_size(&text, &font)?.0 as i32;
        let at = chart.backend_coord(&(x, 1.0)).0;
        x_labels.push((text, at - w / 2..at - w / 2 + w));
    }
    Ok(Geometry {
        plot: chart.plotting_area().get_pixel_range(),
        legend,
        bounds,
        x_range: xr,
        x_labels,
        closed_form_in_legend: drawn.closed_form,
        dots: drawn.dots,
        legend_text: legend_spec
            .series
            .iter()
            .chain(&legend_spec.key)
            .map(|e| e.text.clone())
            .collect(),
    })
}

/// Top of the probability axis: a little above 1 (3 % of the axis), so that points at
/// P = 1 are not drawn on the frame. No tick is above 1.
fn headroom(y_lo: f64) -> f64 {
    10f64.powf(-y_lo.log10() * 0.03)
}

/// What a line chart drew, for its legend (which lists only what is drawn).
#[derive(Debug, Default)]
struct Drawn {
    /// A closed form inside the axis.
    closed_form: bool,
    /// The closed form is visibly apart from the simulated line somewhere.
    closed_form_apart: bool,
    /// An interval band or bar at least 3 px tall.
    band: bool,
    /// Each dot drawn: series and its centre in image pixels.
    dots: Vec<(usize, (i32, i32))>,
    /// Some dots were set side by side.
    dots_moved: bool,
    /// Series with a ▼ in their own colour.
    own_bounds: Vec<usize>,
    /// Some ▼ were set side by side.
    bounds_moved: bool,
    /// Shared (neutral) ▼ drawn.
    shared_bounds: usize,
}

/// The dots of every series (cells that saw reversals), coinciding ones side by side.
fn draw_dots<'a, 'b: 'a>(
    chart: &mut LogChart<'a, 'b>,
    c: &LineChart,
    y_lo: f64,
    drawn: &mut Drawn,
) -> anyhow::Result<()> {
    let dots: Vec<(usize, &Point)> = c
        .series
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.points.iter().map(move |p| (i, p)))
        .filter(|(_, p)| p.p > 0.0 && p.p >= y_lo && p.p <= 1.0)
        .collect();
    let at: Vec<(usize, i32, i32)> = dots
        .iter()
        .map(|&(i, p)| {
            let (x, y) = chart.backend_coord(&(p.x, p.p));
            (i, x, y)
        })
        .collect();
    let lone = chart.plotting_area().dim_in_pixel().0 as i32 / 2;
    let offsets = dodge_dots(&at, &columns(chart, c), lone, DOT_SIZE);
    for ((&(i, p), &dx), &(_, x, y)) in dots.iter().zip(&offsets).zip(&at) {
        draw_marker(chart.plotting_area(), (p.x, p.p), dx, series_style(i))?;
        drawn.dots.push((i, (x + dx, y)));
        drawn.dots_moved |= dx != 0;
    }
    Ok(())
}

/// Width of a dot (the largest marker), pixels: dots closer than this overlap.
const DOT_SIZE: i32 = 9;

/// The legend column from the height of the plotting area's top edge down.
pub(super) fn right_below_top<'a>(right: &Area<'a>) -> Area<'a> {
    right.margin(12, 12, 0, 0)
}

/// Colour of a ▼ that stands for several series.
const SHARED: RGBColor = RGBColor(40, 40, 40);

/// Series entries, then the key to what was drawn, and only that.
fn line_legend(c: &LineChart, d: &Drawn) -> Legend {
    let shows = |i: usize| d.dots.iter().any(|&(s, _)| s == i) || d.own_bounds.contains(&i);
    let series = c
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut text = s.label.clone();
            if !shows(i) && d.shared_bounds > 0 {
                text.push_str(" (grey ▼ only)");
            }
            Entry::new(Glyph::Series(series_style(i)), text)
        })
        .collect();
    let closed = if c.networked {
        "zero-latency closed form"
    } else {
        "closed form"
    };
    let mut key = vec![Entry::new(Glyph::Solid, "simulated")];
    if d.band {
        key.push(Entry::new(Glyph::Band, "its confidence interval"));
    }
    if d.closed_form {
        key.push(Entry::new(Glyph::Dashed, closed));
        if !d.closed_form_apart {
            key.push(Entry::new(Glyph::None, "(under the simulated line:"));
            key.push(Entry::new(Glyph::None, "equal at this scale)"));
        }
    }
    if let Some(&first) = d.own_bounds.first() {
        key.extend([
            Entry::new(
                Glyph::Bound(series_style(first).colour),
                "no reversal seen: P is",
            ),
            Entry::new(Glyph::None, "below this upper bound"),
        ]);
    }
    if d.shared_bounds > 0 {
        key.extend([
            Entry::new(Glyph::Bound(SHARED), "none seen in several series:"),
            Entry::new(Glyph::None, "the highest of their bounds"),
        ]);
    }
    if d.dots_moved || d.bounds_moved {
        key.push(Entry::new(Glyph::Pair, "marks that coincide are"));
        key.push(Entry::new(Glyph::None, "set side by side"));
    }
    Legend {
        heading: c.legend_heading.clone(),
        series,
        key,
    }
}

/// A ▼ at the interval's upper end of every cell with no reversal ("none seen; P is at
/// most this"), in the series' colour; markers that would coincide are set side by side,
/// or drawn as one neutral ▼ when there is no room (see `bounds`). Returns each marker's
/// series and a pixel inside it.
fn draw_bounds<'a, 'b: 'a>(
    chart: &mut LogChart<'a, 'b>,
    c: &LineChart,
    y_lo: f64,
    drawn: &mut Drawn,
) -> anyhow::Result<Vec<(usize, (i32, i32))>> {
    let marks: Vec<(usize, &Point)> = c
        .series
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.points.iter().map(move |p| (i, p)))
        .filter(|(_, p)| p.p <= 0.0 && p.hi >= y_lo && p.hi <= 1.0)
        .collect();
    let at: Vec<(usize, i32, i32)> = marks
        .iter()
        .map(|&(i, p)| {
            let (x, y) = chart.backend_coord(&(p.x, p.hi));
            (i, x, y)
        })
        .collect();
    let lone = chart.plotting_area().dim_in_pixel().0 as i32 / 2;
    let offsets = dodge(&at, &columns(chart, c), lone);
    let mut out = Vec::new();
    for (&(i, p), d) in marks.iter().zip(&offsets) {
        if !d.lead {
            continue;
        }
        let (dx, h) = (d.dx, d.half);
        let tri = vec![(dx - h, -ABOVE), (dx + h, -ABOVE), (dx, BELOW)];
        let at = EmptyElement::at((p.x, p.hi));
        let style = series_style(i);
        if d.shared {
            let fill = Polygon::new(tri, SHARED.filled());
            chart.draw_series(std::iter::once(at + fill))?;
            drawn.shared_bounds += 1;
        } else if style.hollow {
            let mut outline = tri.clone();
            outline.push(tri[0]);
            let inside = Polygon::new(tri, WHITE.filled());
            let edge = PathElement::new(outline, style.colour.stroke_width(2));
            chart.draw_series(std::iter::once(at + inside + edge))?;
        } else {
            let fill = Polygon::new(tri, style.colour.filled());
            chart.draw_series(std::iter::once(at + fill))?;
        }
        if !d.shared && !drawn.own_bounds.contains(&i) {
            drawn.own_bounds.push(i);
        }
        drawn.bounds_moved |= d.dx != 0;
        let (x, y) = chart.backend_coord(&(p.x, p.hi));
        out.push((if d.shared { usize::MAX } else { i }, (x + dx, y - 1)));
    }
    Ok(out)
}

/// Pixel x of every distinct x value with data.
fn columns(chart: &LogChart<'_, '_>, c: &LineChart) -> Vec<i32> {
    let mut xs: Vec<i32> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.x))
        .filter(|x| x.is_finite())
        .map(|x| chart.backend_coord(&(x, 1.0)).0)
        .collect();
    xs.sort_unstable();
    xs.dedup();
    xs
}

type LogChart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<
        TickedAxis,
        plotters::coord::combinators::WithKeyPoints<plotters::coord::combinators::LogCoord<f64>>,
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
