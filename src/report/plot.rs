//! PNG plots of a `reversal.csv` (plotters, bitmap backend, DejaVu Sans compiled in).
//!
//! Plots are drawn from the exported CSV only, so `dslab plot DIR` re-renders them without
//! simulating, and the same CSV always gives the same PNG bytes (no system fonts, no
//! timestamps in the file). Rendering is pure: rows in, PNG bytes out; the caller writes.
//!
//! - `reversal.png`: P(reversal) against z, log axis, one line per q, interval band shaded,
//!   closed form dashed, zero-reversal cells drawn as upper bounds (a ▼ at the interval's
//!   upper end, never dropped and never at 0).
//! - `heatmap.png`: q × z, colour = log10 P(reversal); grey cells saw no reversal and carry
//!   their upper bound (in the cell, or once over a run of neighbouring grey cells sharing
//!   it when cells are narrow; the subtitle says so if some are too narrow even for that).
//! - `blocks.png` (q > 1/2 rows only): blocks until the reversal succeeds.
//! - `sweep.png` (when the CSV has `sweep_parameter`, `sweep_value`): P against the parameter.
//!   The x axis is logarithmic when every swept value is a positive number and the largest
//!   is more than 10 times the smallest (`ticks::log_x_axis`; the axis title then says
//!   `log scale`), linear otherwise; words (`allow`/`deny`) are categories.
//!
//! Rules shared by the line charts, so that nothing hides and nothing is promised that is
//! not drawn:
//! - Series 0–9 take the 10 palette colours with round dots; later series repeat the
//!   colours with another marker shape and fill (`style`), the same on the chart and in
//!   the legend: 60 series look pairwise different.
//! - Dots of different series that coincide are set side by side, a few pixels apart
//!   (lines pass through the true x). Upper-bound ▼ that coincide are set side by side at
//!   full size when they fit; when they do not, one dark-grey ▼ at the highest of their
//!   bounds stands for all of them (`bounds`).
//! - The legend's key lists only what the chart shows: the interval band only if some band
//!   is at least 3 px tall, the closed form only if drawn (with a note when it lies under
//!   the simulated line everywhere), each kind of ▼ only if drawn, the side-by-side note
//!   only if something was moved.
//! - The probability axis runs a little above 1, so that points at P = 1 are off the frame.

use std::sync::OnceLock;

use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Deserialize;

use crate::estimate::results::{GiveUp, Stop};

mod band;
mod blocks;
mod bounds;
#[cfg(test)]
mod chart_tests;
mod heatmap;
mod legend;
mod lines;
mod style;
mod ticks;
mod units;

pub use units::{sweep_axis_label, sweep_unit};

use blocks::blocks;
use heatmap::heatmap;
use lines::{line_png, reversal_chart, sweep_chart};

/// Width of every plot in pixels (line charts: the chart, then a 250-pixel legend column
/// on its right).
pub const WIDTH: u32 = 1250;
/// Height of every plot in pixels.
pub const HEIGHT: u32 = 640;

/// Lowest probability a closed form pulls the log axis down to (a closed-form line goes on
/// below the axis, cut off there). Simulated values (importance sampling reaches 1e-300)
/// pull it down to [`DATA_FLOOR`].
const Y_FLOOR: f64 = 1e-12;

/// Lowest simulated probability shown on a log axis (the smallest normal `f64` decade).
const DATA_FLOOR: f64 = 1e-300;

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
    /// When the attacker gives up (`never`, blocks behind, or `window-end`).
    #[serde(default)]
    pub give_up: Option<GiveUp>,
    /// Interval method.
    #[serde(default)]
    pub ci: Option<String>,
    /// Interval confidence level.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Network attacks: the generated graphs the interval rests on.
    #[serde(default)]
    pub units: Option<u64>,
    /// Mean blocks until success (q > 1/2).
    #[serde(default)]
    pub mean_blocks: Option<f64>,
    /// 99th percentile of blocks until success (q > 1/2).
    #[serde(default)]
    pub p99_blocks: Option<f64>,
    /// Name of the swept defence parameter (with its unit), if any.
    #[serde(default)]
    pub sweep_parameter: Option<String>,
    /// Value of the swept parameter as written (a number, or a word such as `deny`).
    #[serde(default)]
    pub sweep_value: Option<String>,
    /// Network the cells ran on (`none`, `random-1000`, …), if recorded.
    #[serde(default)]
    pub network: Option<String>,
    /// Why the cell stopped: `trials` (fixed count), `target` (met its `--rel-error`
    /// target) or `cap` (hit the trial cap first), if recorded.
    #[serde(default)]
    pub stop: Option<Stop>,
    /// Interval half-width relative to the estimate, if recorded (empty when P is 0).
    #[serde(default)]
    pub rel_error: Option<f64>,
    /// Position of the swept value on the x axis: the number itself, or for words the
    /// index of the value in order of first appearance (set by [`read_rows`]).
    #[serde(skip)]
    pub sweep_x: Option<f64>,
}

impl PlotRow {
    /// No reversal was seen: only the interval's upper bound is informative.
    pub fn is_zero(&self) -> bool {
        self.probability <= 0.0
    }

    fn sweep(&self) -> Option<(&str, f64)> {
        Some((self.sweep_parameter.as_deref()?, self.sweep_x?))
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
    Ok(place_sweep_values(rows))
}

/// Put swept values on a numeric axis: numbers as they are; if any value is a word
/// (`allow`/`deny`, `true`/`false`), every value becomes a category at 0, 1, 2, …
pub fn place_sweep_values(mut rows: Vec<PlotRow>) -> Vec<PlotRow> {
    let labels = sweep_labels(&rows);
    for r in &mut rows {
        r.sweep_x = r.sweep_value.as_deref().and_then(|v| match &labels {
            Some(l) => l.iter().position(|x| x == v).map(|i| i as f64),
            None => v.parse().ok(),
        });
    }
    rows
}

/// The category labels of a sweep over words, in order of first appearance (`None` when
/// every swept value is a number).
pub fn sweep_labels(rows: &[PlotRow]) -> Option<Vec<String>> {
    let values: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.sweep_value.as_deref())
        .collect();
    if values.iter().all(|v| v.parse::<f64>().is_ok()) {
        return None;
    }
    let mut labels: Vec<String> = Vec::new();
    for v in values {
        if !labels.iter().any(|l| l == v) {
            labels.push(v.to_string());
        }
    }
    Some(labels)
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
    if band::applies(rows) {
        plan.push((
            "bounds-band.png",
            format!("{name}: inside the Guo–Ren band"),
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
                "bounds-band.png" => band::band_png(name, rows)?,
                _ => match sweep_chart(name, rows) {
                    Some(c) => line_png(&c)?,
                    None => anyhow::bail!("no sweep columns to plot"),
                },
            };
            Ok(Figure { file, alt, png })
        })
        .collect()
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
    match r.premined {
        Some(k) => conv.push(format!("head start k = {k}")),
        // An empty `premined` beside a tie rule: the attack draws its head start.
        None if r.tie.is_some() => conv.push("head start drawn (pre-mining race)".into()),
        None => {}
    }
    let classical = crate::attack::convention_closed_form(&r.attack)
        && r.tie.as_deref() == Some("first-seen")
        && r.premined == Some(1);
    let networked = r.network.as_deref().filter(|n| *n != "none");
    if let Some(n) = networked {
        conv.push(format!("network {n}"));
    }
    let mut first = format!("Convention: {}", conv.join(", "));
    if conv.is_empty() {
        first = "Convention: as recorded in manifest.json".into();
    }
    if classical {
        first.push_str(" (classical: a tie wins, no head start)");
    }
    // Giving up is a rule of the block races (majority, Finney); the race and Vector76
    // attacks have no such rule, whatever the column says.
    let gives_up = crate::attack::gives_up(&r.attack);
    if let Some(g) = r.give_up.filter(|_| gives_up) {
        first.push_str(&match g {
            GiveUp::Never => "; attacker never gives up".to_string(),
            GiveUp::Behind(d) => format!("; attacker gives up {d} blocks behind"),
            GiveUp::WindowEnd => "; attacker gives up when its rented window closes".to_string(),
        });
    }
    let ci = match (r.ci.as_deref(), r.confidence) {
        (Some(m), Some(c)) => format!("{} {}% intervals", ci_name(m), c * 100.0),
        _ => "intervals as recorded".into(),
    };
    let mut second = format!("{}; {ci}", trials_per_point(rows));
    if closed_form_drawn(rows) {
        second.push_str(if networked.is_some() {
            "; dashed: the zero-latency closed form (the network's delays move the truth from it)"
        } else {
            "; dashed: closed form under the same convention"
        });
    }
    vec![first, second]
}

/// Whether a line chart of `rows` draws a closed form: some row has one inside the log
/// axis (a closed form of 0, or one below the axis's end, draws nothing).
pub fn closed_form_drawn(rows: &[PlotRow]) -> bool {
    let lo = log_floor(
        rows.iter()
            .flat_map(|r| [r.probability, r.ci_low, r.ci_high]),
        rows.iter().filter_map(|r| r.exact),
    );
    rows.iter()
        .filter_map(|r| r.exact)
        .any(|e| e >= lo && e <= 1.0)
}

/// `100,000 trials per point`, or the range when the cells differ (runs to a target
/// precision give each q the trials it needed), with the precision reached:
/// `32,768–360,448 trials per point (run to a target precision: every interval within ±4.6 %)`.
pub fn trials_per_point(rows: &[PlotRow]) -> String {
    let (lo, hi) = rows.iter().fold((u64::MAX, 0), |(a, b), r| {
        (a.min(r.trials), b.max(r.trials))
    });
    let mut s = if lo == hi {
        format!("{} trials per point", thousands(lo))
    } else {
        format!("{}–{} trials per point", thousands(lo), thousands(hi))
    };
    let stopped = |w: Stop| rows.iter().filter(move |r| r.stop == Some(w));
    let capped = stopped(Stop::Cap).count();
    if capped > 0 {
        let cells = if rows.len() == 1 { "cell" } else { "cells" };
        s.push_str(&format!(
            " (run to a target precision; {capped} of {} {cells} hit the trial cap first)",
            rows.len()
        ));
    } else if let Some(worst) = stopped(Stop::Target)
        .filter_map(|r| r.rel_error)
        .reduce(f64::max)
    {
        s.push_str(&format!(
            " (run to a target precision: every interval within ±{} %)",
            percent_up(worst)
        ));
    }
    s
}

/// A fraction as a percentage rounded up to two significant digits (so the bound stays a
/// bound): 0.04558 → `4.6`, 0.1 → `10`, 0.00123 → `0.13`.
fn percent_up(x: f64) -> String {
    let v = x * 100.0;
    if v <= 0.0 || !v.is_finite() {
        return "0".into();
    }
    // Decimals that keep two significant digits; dividing by an exact power of ten gives
    // the shortest decimal back (4.6, not 4.6000000000000005).
    let d = (1 - v.log10().floor() as i32).max(0);
    let scale = 10f64.powi(d);
    format!("{}", (v * scale - 1e-9).ceil() / scale)
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
    Ok(render_with(draw)?.0)
}

/// [`render`], also returning what `draw` returned (geometry, for tests).
fn render_with<T>(
    draw: impl FnOnce(&Area<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<(Vec<u8>, T)> {
    ensure_font()?;
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    let drawn = {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let drawn = draw(&root)?;
        root.present()?;
        drawn
    };
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::Adaptive,
    );
    image::ImageEncoder::write_image(encoder, &rgb, WIDTH, HEIGHT, image::ColorType::Rgb8)
        .context("could not encode the plot as PNG")?;
    Ok((png, drawn))
}

/// Title and subtitle lines; returns the area left for the chart. A subtitle line wider
/// than the image is wrapped at spaces (it would be cut off at both edges).
fn titled<'a>(root: &Area<'a>, title: &str, subtitle: &[String]) -> anyhow::Result<Area<'a>> {
    let root = root.margin(8, 0, 0, 0);
    let mut area = root.titled(title, ("sans-serif", 24))?;
    let width = root.dim_in_pixel().0 as i32 - 24;
    for line in legend::wrap(&root, subtitle, SUBTITLE_FONT, width)? {
        area = area.titled(
            &line,
            ("sans-serif", SUBTITLE_FONT)
                .into_font()
                .color(&RGBColor(70, 70, 70)),
        )?;
    }
    Ok(area)
}

/// Font size of subtitle lines.
const SUBTITLE_FONT: u32 = 15;

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

/// The log probability axis from `lo` to `hi` (1, or a little above), with its key points
/// (none above 1).
///
/// plotters' own log axis drops every key point below 2.2e-16 (it compares values with
/// its zero point to within `f64::EPSILON`), which leaves importance-sampled plots down to
/// 1e-300 unlabelled; so the points are given here: a labelled decade every `step` decades
/// (at most 12 labels), light lines at the decades in between, or at 2..9 × each decade
/// when every decade is labelled.
fn log_axis(lo: f64, hi: f64) -> plotters::coord::combinators::WithKeyPoints<LogCoord<f64>> {
    let decades = (-lo.log10().ceil()).max(1.0) as i32;
    let step = [1, 2, 3, 5, 10, 20, 25, 50, 100]
        .into_iter()
        .find(|s| decades / s <= 12)
        .unwrap_or(100);
    let decade = |k: i32| 10f64.powi(-k);
    let bold: Vec<f64> = (0..=decades).step_by(step as usize).map(decade).collect();
    let light: Vec<f64> = if step == 1 {
        (1..=decades)
            .flat_map(|k| (2..=9).map(move |m| f64::from(m) * decade(k)))
            .filter(|&v| v >= lo)
            .collect()
    } else {
        (1..=decades)
            .filter(|k| k % step != 0)
            .map(decade)
            .collect()
    };
    (lo..hi)
        .log_scale()
        .with_key_points(bold)
        .with_light_points(light)
}

/// Lower end of the log axis: the decade below the smallest positive value shown, where
/// simulated `values` count down to [`DATA_FLOOR`] and closed forms (`exact`) down to
/// [`Y_FLOOR`].
fn log_floor(values: impl Iterator<Item = f64>, exact: impl Iterator<Item = f64>) -> f64 {
    let smallest = |it: &mut dyn Iterator<Item = f64>, floor: f64| {
        it.filter(|v| *v >= floor && v.is_finite())
            .fold(1.0f64, f64::min)
    };
    let min = smallest(&mut values.into_iter(), DATA_FLOOR)
        .min(smallest(&mut exact.into_iter(), Y_FLOOR));
    // Just under the decade, so that rounding in plotters' tick search keeps its label.
    10f64.powf(min.log10().floor()).clamp(DATA_FLOOR, 0.1) * (1.0 - 1e-9)
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
    fn the_log_axis_labels_decades_far_below_f64_epsilon() {
        use plotters::coord::ranged1d::{BoldPoints, Ranged};
        // plotters' own log axis drops every point below 2.2e-16.
        let own: LogCoord<f64> = (1e-23..1.0).log_scale().into();
        assert!(own.key_points(BoldPoints(100)).iter().all(|&v| v > 2e-16));
        let ours = log_axis(1e-23 * (1.0 - 1e-9), 1.0);
        let bold = ours.key_points(BoldPoints(100));
        assert!(bold.iter().any(|&v| v < 1e-20), "{bold:?}");
        assert!(bold.len() <= 13 && bold.contains(&1.0), "{bold:?}");
    }

    #[test]
    fn log_floor_is_the_decade_below_the_smallest_value() {
        let none = std::iter::empty;
        let f = log_floor([0.5, 3e-5, 0.0].into_iter(), none());
        assert!((f / 1e-5 - 1.0).abs() < 1e-6, "{f}");
        let one = log_floor([1.0].into_iter(), none());
        assert!(one < 0.1 && one > 0.0999);
        // Simulated values reach far down (importance sampling); closed forms below 1e-12
        // do not pull the axis down (their lines are cut at its end).
        let deep = log_floor([0.5, 2.6e-23].into_iter(), none());
        assert!((deep / 1e-23 - 1.0).abs() < 1e-6, "{deep}");
        let exact = log_floor([0.5].into_iter(), [3e-7, 1e-50].into_iter());
        assert!((exact / 1e-7 - 1.0).abs() < 1e-6, "{exact}");
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

    fn net_csv(attack: &str, exact: &str) -> String {
        let mut csv = String::from(
            "attack,q,z,trials,probability,ci_low,ci_high,exact,successes,tie,premined,\
             give_up,ci,confidence,network\n",
        );
        for z in 0..3 {
            csv.push_str(&format!(
                "{attack},0.1,{z},1000,0.2,0.18,0.22,{exact},200,first-seen,0,never,wilson,0.95,\
                 random-1000\n"
            ));
        }
        csv
    }

    #[test]
    fn subtitles_promise_only_what_is_drawn() {
        // Race and Vector76 on a network: no closed form, no give-up rule.
        for attack in ["race", "vector76"] {
            let s = subtitle(&read_rows(&net_csv(attack, "")).unwrap()).join(" | ");
            assert!(!s.contains("closed form"), "{s}");
            assert!(!s.contains("gives up"), "{s}");
            assert!(
                s.contains("1,000 trials per point; Wilson 95% intervals"),
                "{s}"
            );
        }
        // A closed form of 0 draws nothing on a log axis either.
        let s = subtitle(&read_rows(&net_csv("vector76", "0")).unwrap()).join(" | ");
        assert!(!s.contains("closed form"), "{s}");
        // Finney on a network: both.
        let s = subtitle(&read_rows(&net_csv("finney", "0.21")).unwrap()).join(" | ");
        assert!(s.contains("dashed: the zero-latency closed form"), "{s}");
        assert!(s.contains("attacker never gives up"), "{s}");
    }

    #[test]
    fn percentages_round_up_to_two_digits() {
        assert_eq!(percent_up(0.04558), "4.6");
        assert_eq!(percent_up(0.05), "5");
        assert_eq!(percent_up(0.1234), "13");
        assert_eq!(percent_up(0.00123), "0.13");
    }

    #[test]
    fn capped_cells_are_counted() {
        let mut rows = read_rows(&net_csv("finney", "0.21")).unwrap();
        for (r, stop) in rows.iter_mut().zip([Stop::Target, Stop::Cap, Stop::Target]) {
            r.stop = Some(stop);
            r.rel_error = Some(0.04);
        }
        rows[2].trials = 4000;
        assert_eq!(
            trials_per_point(&rows),
            "1,000–4,000 trials per point (run to a target precision; 1 of 3 cells hit the \
             trial cap first)"
        );
    }
}
