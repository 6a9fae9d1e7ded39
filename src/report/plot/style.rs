//! How one series looks: a colour of the palette and a marker shape, hollow or filled.
//!
//! Ten colours are all a reader tells apart easily, so series 10 and beyond repeat them with
//! another marker: each round of ten colours takes the next of six (shape, fill) pairs,
//! chosen so that consecutive rounds differ in both shape and fill. 60 series get 60
//! different looks; beyond that the looks repeat (the legend still lists every series). The
//! same style draws the dots on the chart and the glyph in the legend.

use plotters::coord::CoordTranslate;
use plotters::prelude::*;

/// The 10 colours of matplotlib's default cycle: distinct, and familiar to readers.
pub(super) const PALETTE: [RGBColor; 10] = [
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

/// A dot's outline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// ●
    Circle,
    /// ■
    Square,
    /// ◆
    Diamond,
}

/// (shape, hollow) of each round of ten colours, in order.
const ROUNDS: [(Shape, bool); 6] = [
    (Shape::Circle, false),
    (Shape::Square, true),
    (Shape::Diamond, false),
    (Shape::Circle, true),
    (Shape::Square, false),
    (Shape::Diamond, true),
];

/// Number of series that get pairwise different styles.
#[cfg(test)]
pub(super) const DISTINCT_STYLES: usize = PALETTE.len() * ROUNDS.len();

/// The look of one series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct SeriesStyle {
    /// Line, dot and ▼ colour.
    pub colour: RGBColor,
    /// Dot shape.
    pub shape: Shape,
    /// Dots (and ▼) drawn as a coloured outline on white.
    pub hollow: bool,
}

/// Style of series `i` (0-based, in legend order).
pub(super) fn series_style(i: usize) -> SeriesStyle {
    let (shape, hollow) = ROUNDS[(i / PALETTE.len()) % ROUNDS.len()];
    SeriesStyle {
        colour: PALETTE[i % PALETTE.len()],
        shape,
        hollow,
    }
}

/// Corners of a marker of `shape` centred on (`dx`, 0), in pixels.
fn corners(shape: Shape, dx: i32) -> Vec<(i32, i32)> {
    match shape {
        Shape::Circle => Vec::new(),
        Shape::Square => vec![(dx - 3, -3), (dx + 3, -3), (dx + 3, 3), (dx - 3, 3)],
        Shape::Diamond => vec![(dx, -5), (dx + 5, 0), (dx, 5), (dx - 5, 0)],
    }
}

/// Draw the dot of style `s` at `at`, shifted `dx` pixels sideways.
pub(super) fn draw_marker<CT>(
    area: &DrawingArea<BitMapBackend<'_>, CT>,
    at: CT::From,
    dx: i32,
    s: SeriesStyle,
) -> anyhow::Result<()>
where
    CT: CoordTranslate,
    CT::From: Clone,
{
    let fill = if s.hollow { WHITE } else { s.colour };
    let edge = s.colour.stroke_width(2);
    if s.shape == Shape::Circle {
        let r = if s.hollow { 4 } else { 3 };
        area.draw(&(EmptyElement::at(at.clone()) + Circle::new((dx, 0), r, fill.filled())))?;
        if s.hollow {
            area.draw(&(EmptyElement::at(at) + Circle::new((dx, 0), r, edge)))?;
        }
        return Ok(());
    }
    let pts = corners(s.shape, dx);
    area.draw(&(EmptyElement::at(at.clone()) + Polygon::new(pts.clone(), fill.filled())))?;
    let mut outline = pts.clone();
    outline.push(pts[0]);
    area.draw(&(EmptyElement::at(at) + PathElement::new(outline, edge)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sixty_series_all_look_different() {
        let styles: Vec<SeriesStyle> = (0..DISTINCT_STYLES).map(series_style).collect();
        for (i, a) in styles.iter().enumerate() {
            for (j, b) in styles.iter().enumerate().skip(i + 1) {
                assert_ne!(a, b, "series {i} and {j} look alike");
            }
        }
        // The 61st repeats the first: the table is finite, and says so.
        assert_eq!(series_style(DISTINCT_STYLES), series_style(0));
    }

    #[test]
    fn series_of_the_same_colour_differ_in_shape_and_fill_in_consecutive_rounds() {
        for i in 0..DISTINCT_STYLES - PALETTE.len() {
            let (a, b) = (series_style(i), series_style(i + PALETTE.len()));
            assert_eq!(a.colour, b.colour);
            assert!(
                a.shape != b.shape && a.hollow != b.hollow,
                "{i}: {a:?} {b:?}"
            );
        }
    }
}
