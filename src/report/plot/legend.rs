//! The legend of the line charts, drawn in its own column to the right of the chart, so it
//! never covers data whatever the number of series.
//!
//! The column has a fixed width ([`LEGEND_WIDTH`]); the entries are laid out in the largest
//! font (14 px down to 10 px) and the fewest columns (1 to 3) that fit. If even the
//! smallest layout is too short, the last series line says how many were left out (the CSV
//! has them all). Heading lines wider than the box are wrapped at spaces (a word wider than
//! the box is split between characters), so no text leaves the box.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Area;
use super::style::{SeriesStyle, draw_marker};

/// Width of the legend column in pixels.
pub const LEGEND_WIDTH: u32 = 250;

/// Padding inside the legend box, pixels.
const PAD: i32 = 8;
/// Width of a glyph and the gap before its text, pixels.
const GLYPH: i32 = 30;

/// What an entry's glyph looks like.
#[derive(Clone, Copy, Debug)]
pub(super) enum Glyph {
    /// A solid line with the series' marker: one series.
    Series(SeriesStyle),
    /// A grey shaded box: the interval band.
    Band,
    /// A grey solid line with a dot: a simulated estimate.
    Solid,
    /// A grey dashed line: closed form (or a percentile).
    Dashed,
    /// A ▼ in the given colour: upper bound where nothing was seen.
    Bound(RGBColor),
    /// Two grey dots side by side: marks that coincide are set apart.
    Pair,
    /// No glyph: a continuation line of the entry above.
    None,
}

/// One legend line.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    /// Its glyph.
    pub glyph: Glyph,
    /// Its text.
    pub text: String,
}

impl Entry {
    /// An entry with a glyph.
    pub fn new(glyph: Glyph, text: impl Into<String>) -> Entry {
        Entry {
            glyph,
            text: text.into(),
        }
    }
}

/// The whole legend: a heading naming what the series are, one entry per series, and a
/// key to the line styles below them.
#[derive(Clone, Debug)]
pub(super) struct Legend {
    /// Heading lines (what distinguishes the series, e.g. `attacker share q`).
    pub heading: Vec<String>,
    /// One entry per series, in drawing order.
    pub series: Vec<Entry>,
    /// Key to the styles (grey glyphs), after the series.
    pub key: Vec<Entry>,
}

/// A pixel rectangle in image coordinates: x range and y range, ends excluded.
pub type PixelRect = (std::ops::Range<i32>, std::ops::Range<i32>);

/// How the entries are laid out.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Layout {
    font: u32,
    cols: usize,
    /// Series entries shown (the rest are summarised on the last line).
    shown: usize,
}

impl Layout {
    fn row(self) -> i32 {
        self.font as i32 + 6
    }
}

/// Pixel width of `text` in the legend's font of size `font`.
fn text_width(area: &Area<'_>, text: &str, font: u32) -> anyhow::Result<i32> {
    Ok(area
        .estimate_text_size(text, &("sans-serif", font).into_font().color(&BLACK))?
        .0 as i32)
}

/// `lines` broken into lines at most `w` pixels wide in font size `font`: at spaces, and
/// inside a word only when the word alone is wider than `w`.
pub(super) fn wrap(
    area: &Area<'_>,
    lines: &[String],
    font: u32,
    w: i32,
) -> anyhow::Result<Vec<String>> {
    let fits = |t: &str| -> anyhow::Result<bool> { Ok(text_width(area, t, font)? <= w) };
    let mut out = Vec::new();
    for line in lines {
        let mut cur = String::new();
        for word in line.split(' ') {
            let joined = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            if fits(&joined)? {
                cur = joined;
                continue;
            }
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            // The word starts a line; split it if it is wider than the box.
            for c in word.chars() {
                cur.push(c);
                if !fits(&cur)? && cur.chars().count() > 1 {
                    cur.pop();
                    out.push(std::mem::take(&mut cur));
                    cur.push(c);
                }
            }
        }
        out.push(cur);
    }
    Ok(out)
}

/// Largest font and fewest columns that fit `legend` into `w` × `h` pixels.
fn layout(area: &Area<'_>, legend: &Legend, w: i32, h: i32) -> anyhow::Result<Layout> {
    let width = |text: &str, font: u32| text_width(area, text, font);
    let n = legend.series.len();
    for font in [14, 13, 12, 11, 10] {
        let heading = wrap(area, &legend.heading, font, w - 2 * PAD)?;
        let fixed_rows = heading.len() + legend.key.len();
        let mut wide = 0;
        for t in legend.key.iter().map(|e| &e.text) {
            wide = wide.max(width(t, font)?);
        }
        let mut series_w = 0;
        for e in &legend.series {
            series_w = series_w.max(width(&e.text, font)? + GLYPH);
        }
        for cols in 1..=3usize {
            let l = Layout {
                font,
                cols,
                shown: n,
            };
            let rows = fixed_rows + n.div_ceil(cols);
            let fits_w = wide + GLYPH <= w - 2 * PAD && series_w * cols as i32 <= w - 2 * PAD;
            let fits_h = height(l, rows) <= h;
            if fits_w && fits_h {
                return Ok(l);
            }
        }
    }
    // Nothing fits: smallest font, one column, as many series as there is room for.
    let mut l = Layout {
        font: 10,
        cols: 1,
        shown: n,
    };
    let fixed_rows = wrap(area, &legend.heading, l.font, w - 2 * PAD)?.len() + legend.key.len();
    let room = ((h - height(l, fixed_rows)) / l.row()).max(1) as usize;
    l.shown = room.saturating_sub(1).min(n);
    Ok(l)
}

/// Pixel height of a legend box with `rows` lines (a gap separates series and key).
fn height(l: Layout, rows: usize) -> i32 {
    2 * PAD + rows as i32 * l.row() + l.row() / 2
}

/// Draw `legend` at the top of `area` (the legend column); returns the box drawn, in
/// image pixels.
pub(super) fn draw_legend(area: &Area<'_>, legend: &Legend) -> anyhow::Result<PixelRect> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32 - PAD, h as i32);
    let l = layout(area, legend, w, h)?;
    let heading = wrap(area, &legend.heading, l.font, w - 2 * PAD)?;
    let hidden = legend.series.len() - l.shown;
    let series_rows = l.shown.div_ceil(l.cols) + usize::from(hidden > 0);
    let rows = heading.len() + series_rows + legend.key.len();
    let box_h = height(l, rows).min(h);
    area.draw(&Rectangle::new(
        [(0, 0), (w - 1, box_h - 1)],
        RGBColor(160, 160, 160).stroke_width(1),
    ))?;
    let font = ("sans-serif", l.font)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let row = l.row();
    let mut y = PAD + row / 2;
    for line in &heading {
        area.draw(&Text::new(
            line.as_str(),
            (PAD, y),
            font.clone().color(&RGBColor(40, 40, 40)),
        ))?;
        y += row;
    }
    let col_w = (w - 2 * PAD) / l.cols as i32;
    let per_col = l.shown.div_ceil(l.cols).max(1);
    for (i, e) in legend.series.iter().take(l.shown).enumerate() {
        let x = PAD + (i / per_col) as i32 * col_w;
        let ey = y + (i % per_col) as i32 * row;
        draw_entry(area, e, (x, ey), &font)?;
    }
    y += per_col.min(l.shown) as i32 * row;
    if hidden > 0 {
        let text = format!("… and {hidden} more (see reversal.csv)");
        area.draw(&Text::new(text, (PAD, y), font.clone()))?;
        y += row;
    }
    y += row / 2;
    for e in &legend.key {
        draw_entry(area, e, (PAD, y), &font)?;
        y += row;
    }
    let (x0, y0) = area.get_base_pixel();
    Ok((x0..x0 + w, y0..y0 + box_h))
}

fn draw_entry(
    area: &Area<'_>,
    e: &Entry,
    (x, y): (i32, i32),
    font: &TextStyle<'_>,
) -> anyhow::Result<()> {
    let grey = RGBColor(60, 60, 60);
    let line = |col: RGBColor| PathElement::new(vec![(x, y), (x + 22, y)], col.stroke_width(3));
    match e.glyph {
        Glyph::Series(style) => {
            area.draw(&line(style.colour))?;
            draw_marker(area, (x + 11, y), 0, style)?;
        }
        Glyph::Solid => {
            area.draw(&line(grey))?;
            area.draw(&Circle::new((x + 11, y), 3, grey.filled()))?;
        }
        Glyph::Band => {
            area.draw(&Rectangle::new(
                [(x, y - 5), (x + 22, y + 5)],
                grey.mix(0.2).filled(),
            ))?;
        }
        Glyph::Dashed => {
            for dx in [0, 14] {
                let dash = vec![(x + dx, y), (x + dx + 8, y)];
                area.draw(&PathElement::new(dash, grey.stroke_width(2)))?;
            }
        }
        Glyph::Bound(col) => {
            let tri = vec![(x + 5, y - 5), (x + 17, y - 5), (x + 11, y + 6)];
            area.draw(&Polygon::new(tri, col.filled()))?;
        }
        Glyph::Pair => {
            for dx in [6, 16] {
                area.draw(&Circle::new((x + dx, y), 3, grey.filled()))?;
            }
        }
        Glyph::None => {}
    }
    area.draw(&Text::new(e.text.as_str(), (x + GLYPH, y), font.clone()))?;
    Ok(())
}
