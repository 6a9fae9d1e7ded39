//! Rendered line charts, checked in pixels: the legend stays off the data, and ▼ markers
//! that share a point stay apart, each in its series' colour.

use super::legend::PixelRect;
use super::lines::{line_png_geometry, reversal_chart, sweep_chart};
use super::style::series_style;
use super::{HEIGHT, WIDTH, read_rows};

fn colour(i: usize) -> plotters::style::RGBColor {
    series_style(i).colour
}

const HEADER: &str = "attack,q,z,trials,probability,ci_low,ci_high,exact\n";

/// `n` series (q = 0.01 … ) over z = 0..=4; series 0 saw nothing at z = 0, so its ▼ sits at
/// the lowest value of the chart, in the lower-left corner of the plot.
fn many_series(n: usize) -> String {
    let mut csv = String::from(HEADER);
    for i in 0..n {
        let q = 0.01 * (i + 1) as f64;
        for z in 0..5 {
            let row = if i == 0 && z == 0 {
                format!("majority,{q},{z},20000,0,0,1e-4,\n")
            } else {
                let p = 0.5 / f64::from(z + 1) / (i + 1) as f64;
                format!("majority,{q},{z},20000,{p},{},{},\n", p * 0.9, p * 1.1)
            };
            csv.push_str(&row);
        }
    }
    csv
}

fn overlaps(a: &PixelRect, b: &PixelRect) -> bool {
    a.0.start < b.0.end && b.0.start < a.0.end && a.1.start < b.1.end && b.1.start < a.1.end
}

fn pixel(png: &[u8], (x, y): (i32, i32)) -> [u8; 3] {
    let img = image::load_from_memory(png).expect("a PNG").to_rgb8();
    img.get_pixel(x as u32, y as u32).0
}

fn rgb(c: plotters::style::RGBColor) -> [u8; 3] {
    [c.0, c.1, c.2]
}

#[test]
fn the_legend_never_covers_the_plot_area_whatever_the_number_of_series() {
    for n in [1, 3, 10, 25, 80] {
        let rows = read_rows(&many_series(n)).unwrap();
        let (png, g) = line_png_geometry(&reversal_chart("t", &rows)).unwrap();
        assert!(!overlaps(&g.legend, &g.plot), "{n} series: {g:?}");
        let image = (0..WIDTH as i32, 0..HEIGHT as i32);
        assert!(
            g.legend.0.start >= 0 && g.legend.0.end <= image.0.end && g.legend.1.end <= image.1.end,
            "{n} series: the legend leaves the image: {g:?}"
        );
        // Series 0's ▼ in the lower-left corner shows its own colour.
        let (s, at) = g.bounds[0];
        assert_eq!(s, 0);
        assert!(
            g.plot.0.contains(&at.0) && g.plot.1.contains(&at.1),
            "{g:?}"
        );
        assert_eq!(pixel(&png, at), rgb(colour(0)), "{n} series: ▼ covered");
    }
}

#[test]
fn upper_bounds_at_the_same_point_land_on_different_pixels_in_their_own_colours() {
    // Three series, each with no reversal at z = 2 and the same bound.
    let mut csv = String::from(HEADER);
    for q in ["0.1", "0.2", "0.3"] {
        for z in 0..4 {
            let row = match z {
                2 => format!("majority,{q},{z},20000,0,0,1.9e-4,\n"),
                _ => format!("majority,{q},{z},20000,0.01,0.009,0.011,\n"),
            };
            csv.push_str(&row);
        }
    }
    let rows = read_rows(&csv).unwrap();
    let (png, g) = line_png_geometry(&reversal_chart("t", &rows)).unwrap();
    assert_eq!(g.bounds.len(), 3, "{g:?}");
    let xs: Vec<i32> = g.bounds.iter().map(|b| b.1.0).collect();
    assert!(
        xs[0] < xs[1] && xs[1] < xs[2],
        "left to right in series order: {xs:?}"
    );
    for &(s, at) in &g.bounds {
        assert_eq!(pixel(&png, at), rgb(colour(s)), "series {s} at {at:?}");
    }
}

#[test]
fn sweep_axes_carry_the_unit_and_categories_still_plot() {
    let sweep_csv = |key: &str, values: &[&str]| {
        let mut csv = String::from(
            "attack,q,z,trials,probability,ci_low,ci_high,exact,sweep_parameter,sweep_value\n",
        );
        for (i, v) in values.iter().enumerate() {
            let p = 0.5 / (i + 1) as f64;
            csv.push_str(&format!(
                "race,0.1,0,1000,{p},{},{},,{key},{v}\n",
                p * 0.9,
                p * 1.1
            ));
        }
        read_rows(&csv).unwrap()
    };
    let rows = sweep_csv("race.replace_after", &["10", "60", "100"]);
    let chart = sweep_chart("t", &rows).unwrap();
    assert_eq!(chart.x_desc(), "race.replace_after (seconds)");
    let rows = sweep_csv("race.replace_after", &["10", "60", "600"]);
    let chart = sweep_chart("t", &rows).unwrap();
    assert_eq!(chart.x_desc(), "race.replace_after (seconds, log scale)");
    let rows = sweep_csv("merchant.incoming", &["allow", "deny"]);
    let chart = sweep_chart("t", &rows).unwrap();
    assert_eq!(chart.x_desc(), "merchant.incoming");
    let (png, g) = line_png_geometry(&chart).unwrap();
    assert!(png.starts_with(b"\x89PNG") && g.bounds.is_empty());
}

/// A sweep CSV: q = 0.1 and 0.3, z = 0 and 1, over `values` of `key`; `exact` in every
/// cell if given.
fn sweep_rows(key: &str, values: &[&str], exact: &str) -> Vec<super::PlotRow> {
    let mut csv = String::from(
        "attack,q,z,trials,probability,ci_low,ci_high,exact,sweep_parameter,sweep_value\n",
    );
    for (i, v) in values.iter().enumerate() {
        for q in ["0.1", "0.3"] {
            for z in 0..2 {
                let p = 0.5 / (i + z + 1) as f64;
                csv.push_str(&format!(
                    "race,{q},{z},2000,{p},{},{},{exact},{key},{v}\n",
                    p * 0.9,
                    p * 1.1
                ));
            }
        }
    }
    read_rows(&csv).unwrap()
}

fn assert_labels_apart(labels: &[(String, std::ops::Range<i32>)]) {
    for w in labels.windows(2) {
        assert!(
            w[0].1.end + 8 <= w[1].1.start,
            "tick labels overlap: {labels:?}"
        );
    }
}

#[test]
fn a_fractional_sweep_has_a_tight_axis_and_clean_ticks() {
    let values = ["0", "0.1", "0.2", "0.3", "0.5", "0.7", "0.9", "1"];
    let rows = sweep_rows("network.rbf_share", &values, "");
    let (_, g) = line_png_geometry(&sweep_chart("t", &rows).unwrap()).unwrap();
    let r = &g.x_range;
    assert!(
        (r.start + 0.05).abs() < 1e-9 && (r.end - 1.05).abs() < 1e-9,
        "{r:?}"
    );
    let labels: Vec<&str> = g.x_labels.iter().map(|l| l.0.as_str()).collect();
    assert!(labels.len() >= 5 && labels.contains(&"0.5"), "{labels:?}");
    for l in &labels {
        let v: f64 = l.parse().unwrap();
        assert!((0.0..=1.0).contains(&v) && l.len() <= 3, "{labels:?}");
    }
    assert_labels_apart(&g.x_labels);
}

#[test]
fn a_sweep_of_whole_numbers_has_whole_ticks_only() {
    let rows = sweep_rows("merchant.observers", &["0", "1", "2", "4"], "");
    let (_, g) = line_png_geometry(&sweep_chart("t", &rows).unwrap()).unwrap();
    let labels: Vec<&str> = g.x_labels.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(labels, ["0", "1", "2", "3", "4"]);
    assert_labels_apart(&g.x_labels);
    // Wide values still give round, readable, separate labels.
    let values = ["10", "30", "60", "300", "600", "86400"];
    let rows = sweep_rows("race.replace_after", &values, "");
    let (_, g) = line_png_geometry(&sweep_chart("t", &rows).unwrap()).unwrap();
    assert!(
        g.x_labels.iter().all(|l| l.0.parse::<u32>().is_ok()),
        "{g:?}"
    );
    assert_labels_apart(&g.x_labels);
}

#[test]
fn a_long_legend_heading_is_wrapped_inside_the_box() {
    let values = ["0", "0.5", "1"];
    let rows = sweep_rows("network.rbf_share", &values, "");
    let (png, g) = line_png_geometry(&reversal_chart("t", &rows)).unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    for y in g.legend.1.clone() {
        for x in g.legend.0.end..WIDTH as i32 {
            let p = img.get_pixel(x as u32, y as u32).0;
            assert_eq!(
                p,
                [255, 255, 255],
                "ink right of the legend box at ({x}, {y})"
            );
        }
    }
}

#[test]
fn the_closed_form_is_in_the_legend_only_when_drawn() {
    let values = ["0", "1"];
    let none = sweep_rows("merchant.observers", &values, "");
    let some = sweep_rows("merchant.observers", &values, "0.2");
    let zero = sweep_rows("merchant.observers", &values, "0");
    for (rows, drawn) in [(none, false), (some, true), (zero, false)] {
        for chart in [reversal_chart("t", &rows), sweep_chart("t", &rows).unwrap()] {
            let (_, g) = line_png_geometry(&chart).unwrap();
            assert_eq!(g.closed_form_in_legend, drawn, "{g:?}");
        }
    }
}

/// `series` series over z = 0..`zs`, every cell at P = 1 (a majority attacker), closed form 1.
fn all_at_one(series: usize, zs: u32) -> Vec<super::PlotRow> {
    let mut csv = String::from(HEADER);
    for i in 0..series {
        for z in 0..zs {
            let q = 0.55 + 0.05 * i as f64;
            csv.push_str(&format!("majority,{q},{z},1000000,1.0,0.9999962,1.0,1.0\n"));
        }
    }
    read_rows(&csv).unwrap()
}

#[test]
fn series_that_coincide_each_show_their_dots() {
    let rows = all_at_one(4, 5);
    let (png, g) = line_png_geometry(&reversal_chart("t", &rows)).unwrap();
    for z in 0..5 {
        // The four dots of one z: four different pixels, each in its series' colour.
        let mut at: Vec<(usize, (i32, i32))> = g.dots[z..].iter().step_by(5).copied().collect();
        assert_eq!(at.len(), 4);
        at.sort_by_key(|d| d.1.0);
        let series: Vec<usize> = at.iter().map(|d| d.0).collect();
        assert_eq!(series, [0, 1, 2, 3], "left to right in series order");
        assert!(at.windows(2).all(|w| w[1].1.0 - w[0].1.0 >= 6), "{at:?}");
        for (s, p) in at {
            assert_eq!(pixel(&png, p), rgb(colour(s)), "series {s}, z = {z}");
        }
    }
}

#[test]
fn the_legend_lists_only_what_is_drawn() {
    let text = |rows: &[super::PlotRow]| {
        let (_, g) = line_png_geometry(&reversal_chart("t", rows)).unwrap();
        g.legend_text.join(" | ")
    };
    // All at P = 1: no ▼, no visible interval, the closed form hidden under the line.
    let t = text(&all_at_one(4, 5));
    assert!(!t.contains("no reversal seen"), "{t}");
    assert!(!t.contains("confidence interval"), "{t}");
    assert!(t.contains("closed form | (under the simulated line"), "{t}");
    assert!(t.contains("set side by side"), "{t}");
    // Wide intervals, one bound alone, nothing coinciding.
    let mut csv = String::from(HEADER);
    for z in 0..4 {
        let row = match z {
            3 => "majority,0.1,3,2000,0,0,1.9e-3,\n".to_string(),
            _ => {
                let p = 0.1 / f64::from(z + 1);
                format!("majority,0.1,{z},2000,{p},{},{},\n", p / 2.0, p * 2.0)
            }
        };
        csv.push_str(&row);
    }
    let t = text(&read_rows(&csv).unwrap());
    assert!(t.contains("its confidence interval"), "{t}");
    assert!(t.contains("no reversal seen: P is"), "{t}");
    assert!(
        !t.contains("closed form") && !t.contains("several series"),
        "{t}"
    );
    assert!(!t.contains("side by side"), "{t}");
}

#[test]
fn crowded_bounds_become_one_shared_marker_and_the_legend_says_so() {
    // 40 z, three series with no reversal from z = 10 on, all with the same bound: far
    // too little room between neighbouring z for three triangles side by side.
    let mut csv = String::from(HEADER);
    for q in ["0.1", "0.15", "0.2"] {
        for z in 0..40 {
            let row = if z < 10 {
                format!("majority,{q},{z},20000000,0.01,0.009,0.011,\n")
            } else {
                format!("majority,{q},{z},20000000,0,0,1.9e-7,\n")
            };
            csv.push_str(&row);
        }
    }
    let rows = read_rows(&csv).unwrap();
    let (png, g) = line_png_geometry(&reversal_chart("t", &rows)).unwrap();
    assert_eq!(g.bounds.len(), 30, "one ▼ per z: {:?}", g.bounds);
    for &(s, at) in &g.bounds {
        assert_eq!(s, usize::MAX, "shared");
        assert_eq!(
            pixel(&png, at),
            [40, 40, 40],
            "full-size neutral ▼ at {at:?}"
        );
    }
    let t = g.legend_text.join(" | ");
    assert!(t.contains("none seen in several series"), "{t}");
    assert!(
        !t.contains("no reversal seen: P is"),
        "no ▼ in a series' colour: {t}"
    );
}

#[test]
fn a_sweep_over_a_wide_range_spreads_its_values_on_a_log_axis() {
    let rows = sweep_rows("race.replace_after", &["10", "30", "60", "300", "600"], "");
    let (_, g) = line_png_geometry(&sweep_chart("t", &rows).unwrap()).unwrap();
    assert_labels_apart(&g.x_labels);
    let labels: Vec<&str> = g.x_labels.iter().map(|l| l.0.as_str()).collect();
    assert!(
        labels.contains(&"10") && labels.contains(&"100"),
        "{labels:?}"
    );
    // Dots of one series at 10, 30 and 60 s: at least 60 px apart (on the linear axis of
    // 0..600 they were 20 to 30 px apart and their ▼ collided).
    let mut xs: Vec<i32> = g.dots.iter().filter(|d| d.0 == 0).map(|d| d.1.0).collect();
    xs.sort_unstable();
    assert_eq!(xs.len(), 5);
    assert!(xs.windows(2).all(|w| w[1] - w[0] >= 60), "{xs:?}");
    // Equal ratios get equal room: 10→30 and 100→300 would match; check 30→60 vs 300→600.
    let (d1, d2) = (xs[2] - xs[1], xs[4] - xs[3]);
    assert!((d1 - d2).abs() <= 2, "{xs:?}");
}
