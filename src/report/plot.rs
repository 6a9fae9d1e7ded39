//! PNG plots of a `reversal.csv` (plotters, bitmap backend, DejaVu Sans compiled in).
//!
//! Plots are drawn from the exported CSV only, so `dslab plot DIR` re-renders them without
//! simulating, and the same CSV always gives the same PNG bytes (no system fonts, no
//! timestamps in the file). Rendering is pure: rows in, PNG bytes out; the caller writes.
//!
//! - `reversal.png`: P(reversal) against z, log axis, one line per q, interval band shaded,
//!   closed form dashed, zero-reversal cells drawn as upper bounds (a ▼ at the interval's
//!   upper end, never dropped and never at 0).
//! - `heatmap.png`: q × z, colour = log10 P(reversal).
//! - `blocks.png` (q > 1/2 rows only): blocks until the reversal succeeds.
//! - `sweep.png` (when the CSV has `sweep_parameter`, `sweep_value`): P against the parameter.

use std::sync::OnceLock;

use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Deserialize;

/// Width of every plot in pixels.
pub const WIDTH: u32 = 1000;
/// Height of every plot in pixels.
pub const HEIGHT: u32 = 640;

/// Lowest probability shown on a log axis (anything smaller is left off the plot).
const Y_FLOOR: f64 = 1e-12;

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// The columns of `reversal.csv` that plots use; other columns are ignored, and columns
/// after the SPEC's first eight may be missing.
#[derive(Clone, Debug, Deserialize)]
pub struct PlotRow {
    /// Attack name.
    pub attack: String,
    /// Attacker share.
    pub q: f64,
    /// Confirmations.
    pub z: u32,
    /// Trials of the cell.
    pub trials: u64,
    /// Estimated P(reversal).
    pub probability: f64,
    /// Lower interval bound.
    pub ci_low: f64,
    /// Upper interval bound.
    pub ci_high: f64,
    /// Closed form under the same convention, if any.
    pub exact: Option<f64>,
    /// Reversals counted.
    #[serde(default)]
    pub successes: Option<u64>,
    /// Tie rule.
    #[serde(default)]
    pub tie: Option<String>,
    /// Head start k.
    #[serde(default)]
    pub premined: Option<u32>,
    /// Give-up deficit (`never` or blocks).
    #[serde(default)]
    pub give_up: Option<String>,
    /// Interval method.
    #[serde(default)]
    pub ci: Option<String>,
    /// Interval confidence level.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Mean blocks until success (q > 1/2).
    #[serde(default)]
    pub mean_blocks: Option<f64>,
    /// 99th percentile of blocks until success (q > 1/2).
    #[serde(default)]
    pub p99_blocks: Option<f64>,
    /// Name of the swept defence parameter (with its unit), if any.
    #[serde(default)]
    pub sweep_parameter: Option<String>,
    /// Value of the swept parameter.
    #[serde(default)]
    pub sweep_value: Option<f64>,
}

impl PlotRow {
    /// No reversal was seen: only the interval's upper bound is informative.
    pub fn is_zero(&self) -> bool {
        self.probability <= 0.0
    }

    fn sweep(&self) -> Option<(&str, f64)> {
        Some((self.sweep_parameter.as_deref()?, self.sweep_value?))
    }
}

/// Parse the rows of a `reversal.csv`.
pub fn read_rows(csv_text: &str) -> anyhow::Result<Vec<PlotRow>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let rows = r
        .deserialize()
        .collect::<Result<Vec<PlotRow>, _>>()
        .context("reversal.csv does not have the expected columns")?;
    anyhow::ensure!(!rows.is_empty(), "reversal.csv has no rows");
    Ok(rows)
}

/// One rendered plot.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File name inside the report folder.
    pub file: &'static str,
    /// What it shows (alt text in the summary page).
    pub alt: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// The plots that apply to `rows` of scenario `name`: (file name, alt text), in the order
/// they appear in the summary page.
pub fn render_plan(name: &str, rows: &[PlotRow]) -> Vec<(&'static str, String)> {
    let mut plan = vec![
        (
            "reversal.png",
            format!("{name}: P(reversal) against confirmations z"),
        ),
        (
            "heatmap.png",
            format!("{name}: heat map of P(reversal) over q and z"),
        ),
    ];
    if rows.iter().any(|r| r.mean_blocks.is_some()) {
        plan.push((
            "blocks.png",
            format!("{name}: blocks until the reversal succeeds"),
        ));
    }
    if rows.iter().any(|r| r.sweep().is_some()) {
        plan.push((
            "sweep.png",
            format!("{name}: P(reversal) against the swept parameter"),
        ));
    }
    plan
}

/// Every plot that applies to `rows` of scenario `name` (see [`render_plan`]).
pub fn render_all(name: &str, rows: &[PlotRow]) -> anyhow::Result<Vec<Figure>> {
    anyhow::ensure!(!rows.is_empty(), "no rows to plot");
    render_plan(name, rows)
        .into_iter()
        .map(|(file, alt)| {
            let png = match file {
                "reversal.png" => line_png(&reversal_chart(name, rows))?,
                "heatmap.png" => render(|a| heatmap(a, name, rows))?,
                "blocks.png" => render(|a| blocks(a, name, rows))?,
                _ => match sweep_chart(name, rows) {
                    Some(c) => line_png(&c)?,
                    None => anyhow::bail!("no sweep columns to plot"),
                },
            };
            Ok(Figure { file, alt, png })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Data → chart description

/// One point of a probability line.
#[derive(Clone, Copy, Debug)]
struct Point {
    x: f64,
    p: f64,
    lo: f64,
    hi: f64,
    exact: Option<f64>,
}

/// One coloured line.
#[derive(Clone, Debug)]
struct Series {
    label: String,
    points: Vec<Point>,
}

/// A probability-against-x chart on a log axis.
#[derive(Clone, Debug)]
struct LineChart {
    title: String,
    subtitle: Vec<String>,
    x_desc: String,
    integer_x: bool,
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

/// Group rows into series by `key`, keeping first-appearance order (the CSV's q-major order).
fn group<K: PartialEq + Clone>(
    rows: &[PlotRow],
    key: impl Fn(&PlotRow) -> K,
) -> Vec<(K, Vec<&PlotRow>)> {
    let mut groups: Vec<(K, Vec<&PlotRow>)> = Vec::new();
    for r in rows {
        let k = key(r);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(r),
            None => groups.push((k, vec![r])),
        }
    }
    groups
}

fn q_label(q: f64) -> String {
    format!("q = {q}")
}

fn reversal_chart(name: &str, rows: &[PlotRow]) -> LineChart {
    let series = group(rows, |r| (r.q, r.sweep().map(|(p, v)| (p.to_string(), v))))
        .into_iter()
        .map(|((q, sweep), rs)| Series {
            label: match sweep {
                Some((p, v)) => format!("{}, {p} = {v}", q_label(q)),
                None => q_label(q),
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
        series,
    }
}

fn sweep_chart(name: &str, rows: &[PlotRow]) -> Option<LineChart> {
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
                .map(|r| point(r.sweep_value.unwrap_or(0.0), r))
                .collect(),
        })
        .collect();
    Some(LineChart {
        title: format!(
            "{} attack: P(reversal) against {param} ({name})",
            capitalised(&rows[0].attack)
        ),
        subtitle: subtitle(rows),
        x_desc: param,
        integer_x: false,
        series,
    })
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The convention and estimation settings, stated under every title (two lines).
pub fn subtitle(rows: &[PlotRow]) -> Vec<String> {
    let r = &rows[0];
    let mut conv = Vec::new();
    if let Some(t) = &r.tie {
        conv.push(format!("tie rule {t}"));
    }
    if let Some(k) = r.premined {
        conv.push(format!("head start k = {k}"));
    }
    let classical = r.tie.as_deref() == Some("first-seen") && r.premined == Some(1);
    let mut first = format!("Convention: {}", conv.join(", "));
    if conv.is_empty() {
        first = "Convention: as recorded in manifest.json".into();
    }
    if classical {
        first.push_str(" (classical: a tie wins, no head start)");
    }
    if let Some(g) = &r.give_up {
        first.push_str(&match g.as_str() {
            "never" => "; attacker never gives up".to_string(),
            d => format!("; attacker gives up {d} blocks behind"),
        });
    }
    let ci = match (r.ci.as_deref(), r.confidence) {
        (Some(m), Some(c)) => format!("{} {}% intervals", ci_name(m), c * 100.0),
        _ => "intervals as recorded".into(),
    };
    let second = format!(
        "{} trials per point; {ci}; closed form under the same convention",
        thousands(r.trials)
    );
    vec![first, second]
}

fn ci_name(m: &str) -> &str {
    match m {
        "wilson" => "Wilson",
        "clopper-pearson" => "Clopper-Pearson",
        other => other,
    }
}

/// `20000000` → `20,000,000`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Rendering

/// The 10 colours of matplotlib's default cycle: distinct, and familiar to readers.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Register the compiled-in font once (plotters' ab_glyph backend has no system fonts).
fn ensure_font() -> anyhow::Result<()> {
    static FONT: OnceLock<bool> = OnceLock::new();
    let ok = *FONT.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .is_ok()
    });
    anyhow::ensure!(ok, "the compiled-in DejaVu Sans font could not be loaded");
    Ok(())
}

/// Draw on a white canvas and encode it as PNG.
fn render(draw: impl FnOnce(&Area<'_>) -> anyhow::Result<()>) -> anyhow::Result<Vec<u8>> {
    ensure_font()?;
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::Adaptive,
    );
    image::ImageEncoder::write_image(encoder, &rgb, WIDTH, HEIGHT, image::ColorType::Rgb8)
        .context("could not encode the plot as PNG")?;
    Ok(png)
}

/// Title and subtitle lines; returns the area left for the chart.
fn titled<'a>(root: &Area<'a>, title: &str, subtitle: &[String]) -> anyhow::Result<Area<'a>> {
    let root = root.margin(8, 0, 0, 0);
    let mut area = root.titled(title, ("sans-serif", 24))?;
    for line in subtitle {
        area = area.titled(
            line,
            ("sans-serif", 15).into_font().color(&RGBColor(70, 70, 70)),
        )?;
    }
    Ok(area)
}

/// Log-axis tick labels: `0.5`, `0.02`, `1` as decimals; `10⁻⁵`, `2×10⁻⁵` below 0.01.
fn power_label(y: f64) -> String {
    if y <= 0.0 {
        return "0".into();
    }
    let e = y.log10().floor();
    let m = y / 10f64.powf(e);
    let (m, e) = if m >= 9.999 { (1.0, e + 1.0) } else { (m, e) };
    let m = (m * 10.0).round() / 10.0;
    let e = e as i32;
    if e >= -2 {
        // Rebuild from the rounded mantissa so no binary noise shows (0.30000000000000004).
        let v = m * 10f64.powi(e);
        return format!("{}", (v * 1e3).round() / 1e3);
    }
    if m == 1.0 {
        format!("10{}", superscript(e))
    } else {
        format!("{m}×10{}", superscript(e))
    }
}

fn superscript(e: i32) -> String {
    e.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// Lower end of the log axis: the decade below the smallest positive value shown.
fn log_floor(values: impl Iterator<Item = f64>) -> f64 {
    let min = values
        .filter(|v| *v >= Y_FLOOR && v.is_finite())
        .fold(1.0f64, f64::min);
    // Just under the decade, so that rounding in plotters' tick search keeps its label.
    10f64.powf(min.log10().floor()).clamp(Y_FLOOR, 0.1) * (1.0 - 1e-9)
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

fn line_png(c: &LineChart) -> anyhow::Result<Vec<u8>> {
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
    chart
        .configure_mesh()
        .x_desc(c.x_desc.as_str())
        .y_desc("P(reversal)  (probability, log scale)")
        .x_label_formatter(&|x| {
            if !integer_x {
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
        .background_style(WHITE.mix(0.9))
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

// ---------------------------------------------------------------------------------------
// Heat map

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

fn heatmap(root: &Area<'_>, name: &str, rows: &[PlotRow]) -> anyhow::Result<()> {
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
    let lo = log_floor(rows.iter().flat_map(|r| [r.probability, r.ci_high]));
    let (nx, ny) = (zs.len() as i32, series.len() as i32);
    let row_label = |j: i32| -> String {
        series
            .get(j as usize)
            .map_or(String::new(), |((q, s), _)| match s {
                Some((_, v)) => format!("{q}, {v}"),
                None => format!("{q}"),
            })
    };
    let mut chart = ChartBuilder::on(&main)
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(90)
        // A segmented 0..n has n + 1 segments (0..=n), hence n - 1.
        .build_cartesian_2d((0..nx - 1).into_segmented(), (0..ny - 1).into_segmented())?;
    let y_desc = match rows.iter().find_map(|r| r.sweep()) {
        Some((p, _)) => format!("attacker share q, {p}"),
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
            let (fill, text) = if r.is_zero() {
                (NO_DATA, format!("<{}", short(r.ci_high)))
            } else {
                (viridis(scale_t(r.probability, lo)), short(r.probability))
            };
            let cell = [
                (SegmentValue::Exact(i), SegmentValue::Exact(j)),
                (SegmentValue::Exact(i + 1), SegmentValue::Exact(j + 1)),
            ];
            chart.draw_series(std::iter::once(Rectangle::new(cell, fill.filled())))?;
            if label_cells {
                let dark = r.is_zero() || scale_t(r.probability, lo) > 0.6;
                let ink = if dark { BLACK } else { WHITE };
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
        .build_cartesian_2d(0.0..1.0, (lo..1.0).log_scale())?;
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

// ---------------------------------------------------------------------------------------
// Blocks until success (majority attacker, q > 1/2)

fn blocks(root: &Area<'_>, name: &str, rows: &[PlotRow]) -> anyhow::Result<()> {
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
    fn log_labels_are_readable() {
        assert_eq!(power_label(1.0), "1");
        assert_eq!(power_label(0.1), "0.1");
        assert_eq!(power_label(0.3), "0.3");
        assert_eq!(power_label(0.02), "0.02");
        assert_eq!(power_label(1e-3), "10⁻³");
        assert_eq!(power_label(2e-5), "2×10⁻⁵");
        assert_eq!(power_label(1e-12), "10⁻¹²");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(20_000_000), "20,000,000");
    }

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

    #[test]
    fn log_floor_is_the_decade_below_the_smallest_value() {
        let f = log_floor([0.5, 3e-5, 0.0, 1e-20].into_iter());
        assert!((f / 1e-5 - 1.0).abs() < 1e-6, "{f}");
        assert!(log_floor([1.0].into_iter()) < 0.1 && log_floor([1.0].into_iter()) > 0.0999);
    }

    #[test]
    fn viridis_ends_are_the_published_colours() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(2.0), RGBColor(253, 231, 37));
    }

    #[test]
    fn csv_without_optional_columns_still_plots() {
        let csv = "attack,q,z,trials,probability,ci_low,ci_high,exact\n\
                   race,0.1,0,100,0.5,0.4,0.6,\n\
                   race,0.1,1,100,0.0,0.0,0.037,\n";
        let rows = read_rows(csv).unwrap();
        assert_eq!(rows[0].exact, None);
        let figs = render_all("t", &rows).unwrap();
        assert_eq!(figs.len(), 2);
        assert!(figs.iter().all(|f| f.png.starts_with(b"\x89PNG")));
    }

    #[test]
    fn sweep_columns_add_the_sweep_plot() {
        let mut csv = String::from(
            "attack,q,z,trials,probability,ci_low,ci_high,exact,sweep_parameter,sweep_value\n",
        );
        for (v, p) in [(0.0, 0.9), (5.0, 0.5), (10.0, 0.1)] {
            csv.push_str(&format!(
                "race,0.1,0,1000,{p},{},{},,listening period (s),{v}\n",
                p - 0.02,
                p + 0.02
            ));
        }
        let rows = read_rows(&csv).unwrap();
        let files: Vec<&str> = render_plan("t", &rows).into_iter().map(|f| f.0).collect();
        assert_eq!(files, vec!["reversal.png", "heatmap.png", "sweep.png"]);
        assert_eq!(render_all("t", &rows).unwrap().len(), 3);
    }
}
