//! The q × z heat map of P(reversal), with its colour bar.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ticks::{TickedAxis, Ticks};
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
    // The second subtitle line says what grey cells show, which depends on the cells'
    // size: its room is kept (an empty line is as tall as any) and it is written last.
    let above = titled(root, &title, &subtitle(rows)[..1])?;
    let area = above.titled("", subtitle_font())?;
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
        // Cell (i, j) spans i..i + 1 and j..j + 1, labelled at its centre (plotters'
        // segmented axis over 0..0 collapses: a single q or z drew no cell at all).
        .build_cartesian_2d(cell_axis(nx, 21), cell_axis(ny, ny as usize))?;
    let y_desc = match rows.iter().find_map(|r| r.sweep()) {
        Some((p, _)) => format!("attacker share q, {}", sweep_axis_label(p)),
        None => "attacker share q (fraction of hash rate)".into(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_label_formatter(&|v| centre_label(*v, |i| zs.get(i).map(u32::to_string)))
        .y_label_formatter(&|v| centre_label(*v, |j| Some(row_label(j as i32))))
        .x_desc("confirmations z (blocks)")
        .y_desc(y_desc)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    let (cell_w, cell_h) = cell_size(&chart, nx, ny);
    let label_cells = cell_w >= 42 && cell_h >= 16;
    let idx = |z: u32| zs.iter().position(|&x| x == z).unwrap_or(0) as i32;
    // Grey cells' bounds, row by row in z order (for the run labels of narrow cells).
    let mut grid = vec![vec![None; zs.len()]; series.len()];
    for (j, (_, rs)) in series.iter().enumerate() {
        let j = j as i32;
        for r in rs {
            let i = idx(r.z);
            let (fill, text, ink) = look(r, lo);
            if r.is_zero() {
                grid[j as usize][i as usize] = Some(short(r.ci_high));
            }
            let (x, y) = (f64::from(i), f64::from(j));
            let cell = [(x, y), (x + 1.0, y + 1.0)];
            chart.draw_series(std::iter::once(Rectangle::new(cell, fill.filled())))?;
            if label_cells {
                let style = ("sans-serif", 12)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                let at = (x + 0.5, y + 0.5);
                chart.draw_series(std::iter::once(Text::new(text, at, style)))?;
            }
        }
    }
    let grey_cells = grid.iter().flatten().filter(|c| c.is_some()).count();
    let unlabelled = if label_cells {
        0
    } else {
        let font = ("sans-serif", GREY_FONT)
            .into_font()
            .color(&RGBColor(50, 50, 50))
            .pos(Pos::new(HPos::Center, VPos::Center));
        let width = |t: &str| {
            root.estimate_text_size(t, &font)
                .map_or(i32::MAX, |s| s.0 as i32)
        };
        let (texts, unlabelled) = grey_plan(&grid, cell_w, cell_h, width);
        for g in texts {
            let (x0, y) = chart.backend_coord(&(g.first as f64, g.row as f64 + 0.5));
            let x1 = chart.backend_coord(&(g.last as f64 + 1.0, 0.5)).0;
            root.draw(&Text::new(g.text, ((x0 + x1) / 2, y), font.clone()))?;
        }
        unlabelled
    };
    // Drawn where the empty line above kept room for it.
    above.titled(&colour_line(grey_cells, unlabelled), subtitle_font())?;
    colour_bar(&bar, lo)
}

fn subtitle_font() -> TextStyle<'static> {
    ("sans-serif", 15).into_font().color(&RGBColor(70, 70, 70))
}

/// Font size of the bounds printed over runs of grey cells.
const GREY_FONT: u32 = 12;

/// The subtitle's second line: what colour and grey mean, promising only what is drawn
/// (`grey` grey cells, of which `unlabelled` have no bound printed).
pub(super) fn colour_line(grey: usize, unlabelled: usize) -> String {
    let colour = "Colour: simulated P(reversal), log scale";
    match (grey, unlabelled) {
        (0, _) => colour.into(),
        (_, 0) => {
            format!("{colour}; grey: no reversal seen, P is below the upper bound printed on it")
        }
        (g, u) if u >= g => format!(
            "{colour}; grey: no reversal seen (cells too narrow to print the upper bound: it \
             is in reversal.csv)"
        ),
        _ => format!(
            "{colour}; grey: no reversal seen, P is below the upper bound printed on it \
             (in reversal.csv where too narrow)"
        ),
    }
}

/// A bound printed over grey cells `first..=last` of heat-map row `row`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct GreyText {
    /// Row, bottom up.
    pub row: usize,
    /// First cell (z index) of the run.
    pub first: usize,
    /// Last cell of the run.
    pub last: usize,
    /// The text.
    pub text: String,
}

/// What to print over grey cells too narrow for a number each: each run of neighbouring
/// grey cells with the same bound (`grid[row][z index]`, `None` for other cells) gets the
/// longest of a few wordings that fits its width, `width` measuring text in pixels. Returns
/// the texts and the number of grey cells left without one (runs too narrow for even
/// `<bound`, or rows too low for text).
pub(super) fn grey_plan(
    grid: &[Vec<Option<String>>],
    cell_w: i32,
    cell_h: i32,
    width: impl Fn(&str) -> i32,
) -> (Vec<GreyText>, usize) {
    let (mut out, mut unlabelled) = (Vec::new(), 0);
    for (row, cells) in grid.iter().enumerate() {
        let mut i = 0;
        while i < cells.len() {
            let Some(b) = &cells[i] else {
                i += 1;
                continue;
            };
            let mut last = i;
            while cells.get(last + 1).is_some_and(|c| c.as_ref() == Some(b)) {
                last += 1;
            }
            let n = last - i + 1;
            let room = n as i32 * cell_w - 6;
            let wordings = if n > 1 {
                vec![
                    format!("no reversal seen: P < {b} in each cell"),
                    format!("P < {b} in each cell"),
                    format!("P < {b} each"),
                    format!("<{b}"),
                ]
            } else {
                vec![format!("P < {b}"), format!("<{b}")]
            };
            match wordings.into_iter().find(|t| width(t) <= room) {
                Some(text) if cell_h >= 14 => out.push(GreyText {
                    row,
                    first: i,
                    last,
                    text,
                }),
                _ => unlabelled += n,
            }
            i = last + 1;
        }
    }
    (out, unlabelled)
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

/// An axis of `n` cells (0..n), with labelled points at the centres of at most `labels`
/// of them (every k-th cell from the first).
fn cell_axis(n: i32, labels: usize) -> TickedAxis {
    let every = (n.max(1) as usize).div_ceil(labels.max(1));
    let bold = (0..n.max(1))
        .step_by(every)
        .map(|i| f64::from(i) + 0.5)
        .collect();
    TickedAxis::new(
        0.0..f64::from(n.max(1)),
        Ticks {
            bold,
            light: Vec::new(),
            step: every as f64,
        },
    )
}

/// The label of the cell whose centre is at `v`.
fn centre_label(v: f64, f: impl Fn(usize) -> Option<String>) -> String {
    let i = v - 0.5;
    if i >= 0.0 && (i - i.round()).abs() < 1e-9 {
        f(i.round() as usize).unwrap_or_default()
    } else {
        String::new()
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
        .build_cartesian_2d(0.0..1.0, log_axis(lo, 1.0))?;
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

    fn grid(rows: &[&[Option<&str>]]) -> Vec<Vec<Option<String>>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.map(String::from)).collect())
            .collect()
    }

    #[test]
    fn runs_of_grey_cells_print_their_shared_bound_in_the_longest_wording_that_fits() {
        let b = Some("1.8e-7");
        let c = Some("3.0e-6");
        // Row 0: a long run; row 1: a run of two, a lone cell with another bound.
        let g = grid(&[
            &[None, b, b, b, b, b, b, b, b],
            &[None, None, b, b, c, None],
        ]);
        let seven = |t: &str| 7 * t.chars().count() as i32;
        // 7 px per character, cells 40 px wide.
        let (texts, unlabelled) = grey_plan(&g, 40, 40, seven);
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert_eq!((texts[0].row, texts[0].first, texts[0].last), (0, 1, 8));
        // 8 cells, 314 px of room: the whole sentence (41 characters, 287 px) fits.
        assert_eq!(texts[0].text, "no reversal seen: P < 1.8e-7 in each cell");
        // 2 cells, 74 px: only the bare bound.
        assert_eq!((texts[1].row, texts[1].first, texts[1].last), (1, 2, 3));
        assert_eq!(texts[1].text, "<1.8e-7");
        // One cell, 34 px, is too narrow even for "<3.0e-6" (49 px): counted.
        assert_eq!(unlabelled, 1);
        // Narrower cells (24 px): the long run takes a shorter wording (186 px of room).
        let (texts, _) = grey_plan(&g, 24, 40, seven);
        assert_eq!(texts[0].text, "P < 1.8e-7 in each cell");
        // Wide cells: the lone cell gets its bound too.
        let (texts, unlabelled) = grey_plan(&g, 80, 40, seven);
        assert_eq!(unlabelled, 0);
        assert_eq!(texts[2].text, "P < 3.0e-6");
    }

    #[test]
    fn grey_cells_without_room_are_counted_and_the_subtitle_says_so() {
        let b = Some("1.8e-7");
        let g = grid(&[&[None, b], &[b, b]]);
        let (texts, unlabelled) = grey_plan(&g, 10, 40, |t| 7 * t.chars().count() as i32);
        assert!(texts.is_empty() && unlabelled == 3, "{texts:?}");
        // Rows too low for text.
        let (_, unlabelled) = grey_plan(&g, 400, 10, |_| 1);
        assert_eq!(unlabelled, 3);
        assert!(colour_line(3, 3).contains("in reversal.csv"));
        assert!(!colour_line(3, 3).contains("printed on it"));
        assert!(colour_line(3, 0).contains("the upper bound printed on it"));
        assert!(colour_line(3, 1).contains("where too narrow"));
        assert!(
            !colour_line(0, 0).contains("grey"),
            "no grey cell, no promise"
        );
    }

    #[test]
    fn a_run_of_narrow_grey_cells_shows_its_bound_in_ink() {
        // One q over z = 0..40 (cells about 25 px wide), no reversal from z = 16 on.
        let mut csv = String::from("attack,q,z,trials,probability,ci_low,ci_high,exact\n");
        for z in 0..41 {
            let (p, hi) = if z < 16 {
                (0.5f64.powi(z), 0.5f64.powi(z) * 1.1)
            } else {
                (0.0, 1.9e-7)
            };
            csv.push_str(&format!(
                "majority,0.1,{z},20000000,{p},{},{hi},\n",
                p * 0.9
            ));
        }
        let rows = crate::report::plot::read_rows(&csv).unwrap();
        let png = crate::report::plot::render(|a| heatmap(a, "t", &rows)).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        // Dark text pixels on the grey (228) right half of the single row, around its
        // middle height; without the label the grey run is one flat colour.
        let (w, h) = img.dimensions();
        let ink = (w * 6 / 10..w * 88 / 100)
            .flat_map(|x| (h / 2 - 20..h / 2 + 20).map(move |y| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 120))
            .count();
        assert!(ink > 50, "{ink} dark pixels");
    }

    #[test]
    fn viridis_ends_are_the_published_colours() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(2.0), RGBColor(253, 231, 37));
    }
}
