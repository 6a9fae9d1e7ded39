//! Rendered line charts, checked in pixels: the legend stays off the data, and ▼ markers
//! that share a point stay apart, each in its series' colour.

use super::legend::PixelRect;
use super::lines::{line_png_geometry, reversal_chart, sweep_chart};
use super::{HEIGHT, WIDTH, colour, read_rows};

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
    let rows = sweep_csv("race.replace_after", &["10", "60", "600"]);
    let chart = sweep_chart("t", &rows).unwrap();
    assert_eq!(chart.x_desc(), "race.replace_after (seconds)");
    let rows = sweep_csv("merchant.incoming", &["allow", "deny"]);
    let chart = sweep_chart("t", &rows).unwrap();
    assert_eq!(chart.x_desc(), "merchant.incoming");
    let (png, g) = line_png_geometry(&chart).unwrap();
    assert!(png.starts_with(b"\x89PNG") && g.bounds.is_empty());
}
