//! Key points of a linear axis (the swept parameter, confirmations z): multiples of a
//! round step, 1, 2 or 5 × 10^k, computed so that their shortest decimal is the clean one
//! (`0.3`, never `0.30000000000000004`), and only whole numbers on an axis of whole
//! numbers (no tick at z = 0.5, nor at 1.5 observers).

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

/// Ticks of one axis: labelled (bold) points and unlabelled light grid lines between them.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Ticks {
    /// Labelled points, ascending.
    pub bold: Vec<f64>,
    /// Light grid lines halfway between labelled points (none where halfway is not a
    /// whole number on an integer axis).
    pub light: Vec<f64>,
    /// Distance between labelled points.
    pub step: f64,
}

/// `i × m × 10^e` computed with one correctly rounded operation, so that it is the `f64`
/// nearest the decimal and prints as it (`3 × 10^-1` → `0.3`).
fn decimal(i: i64, m: i64, e: i32) -> f64 {
    let n = (i * m) as f64;
    if e >= 0 {
        n * 10f64.powi(e)
    } else {
        n / 10f64.powi(-e)
    }
}

/// At most `max` (≥ 1) ticks in `lo..=hi`, at multiples of the finest round step that
/// allows it; steps under 1 are skipped when `integer`.
pub(super) fn linear_ticks(lo: f64, hi: f64, max: usize, integer: bool) -> Ticks {
    let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
    let e0 = (span.log10().floor() as i32) - 2;
    for e in e0..e0 + 20 {
        for m in [1i64, 2, 5] {
            let step = decimal(1, m, e);
            if integer && step < 1.0 {
                continue;
            }
            // A tolerance keeps ticks that sit on the range's ends despite rounding.
            let first = (lo / step - 1e-9).ceil() as i64;
            let last = (hi / step + 1e-9).floor() as i64;
            let count = (last - first + 1).max(0) as usize;
            if count > max {
                continue;
            }
            let bold: Vec<f64> = (first..=last).map(|i| decimal(i, m, e)).collect();
            // Halfway points: i × (m / 2) × 10^e, as i × 5m × 10^(e-1).
            let half_whole = !integer || (m % 2 == 0 || e > 0);
            let light = if half_whole {
                (2 * first - 1..=2 * last + 1)
                    .filter(|i| i % 2 != 0)
                    .map(|i| decimal(i, 5 * m, e - 1))
                    .filter(|v| (lo..=hi).contains(v))
                    .collect()
            } else {
                Vec::new()
            };
            return Ticks { bold, light, step };
        }
    }
    Ticks {
        bold: vec![lo],
        light: Vec::new(),
        step: span,
    }
}

/// Ticks of a logarithmic axis whose coordinates are log10 of the values (`lo..hi` in
/// decades): labelled points at the multiples `mantissas` (e.g. 1, 2, 5) of every power of
/// ten in the range, light grid lines at its other whole multiples (2 to 9).
pub(super) fn log_ticks(lo: f64, hi: f64, mantissas: &[i64]) -> Ticks {
    let (mut bold, mut light) = (Vec::new(), Vec::new());
    for e in (lo.floor() as i32 - 1)..=(hi.ceil() as i32) {
        for m in 1..=9 {
            let x = decimal(1, m, e).log10();
            if x < lo - 1e-12 || x > hi + 1e-12 {
                continue;
            }
            if mantissas.contains(&m) {
                bold.push(x);
            } else {
                light.push(x);
            }
        }
    }
    Ticks {
        bold,
        light,
        step: 0.0,
    }
}

/// The value at position `x` (log10 of it) of a logarithmic axis, rounded to six
/// significant digits so that it prints as the decimal it stands for (20, not
/// 19.999999999999996).
pub(super) fn from_log(x: f64) -> f64 {
    let e = x.floor() as i32 - 5;
    let n = (10f64.powf(x - f64::from(e))).round() as i64;
    decimal(n, 1, e)
}

/// Whether a sweep over the numbers `values` is drawn on a logarithmic x axis: when every
/// value is positive and the largest is more than 10 times the smallest. On a linear axis
/// such values crowd together at its left end (10, 30 and 60 s beside 600 s); a log axis
/// gives each ratio the same room. Sweeps that include 0 or negative values stay linear.
pub(super) fn log_x_axis(values: &[f64]) -> bool {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    lo > 0.0 && hi.is_finite() && hi > 10.0 * lo
}

/// A linear f64 axis with the given ticks (plotters' own picks `0.19999999999996`; its
/// `WithKeyPoints` wrapper over a linear axis cannot take a label formatter).
pub(super) struct TickedAxis {
    linear: RangedCoordf64,
    ticks: Ticks,
}

impl TickedAxis {
    /// The axis over `range` with `ticks`.
    pub fn new(range: Range<f64>, ticks: Ticks) -> TickedAxis {
        TickedAxis {
            linear: range.into(),
            ticks,
        }
    }
}

impl Ranged for TickedAxis {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.ticks.light.clone()
        } else {
            self.ticks.bold.clone()
        }
    }
}

/// A tick value as its shortest decimal (`0.2`, `1`, `600`, `-0.05`), in exponent form
/// when it would be long (`5e-7`, `2e9`).
pub(super) fn tick_label(v: f64) -> String {
    if v == 0.0 {
        // -0 would print as "-0".
        return "0".into();
    }
    if v.abs() < 1e-4 || v.abs() >= 1e9 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(t: &Ticks) -> Vec<String> {
        t.bold.iter().map(|&v| tick_label(v)).collect()
    }

    #[test]
    fn fractional_ticks_print_as_short_decimals() {
        let t = linear_ticks(-0.05, 1.05, 12, false);
        assert_eq!(
            labels(&t),
            [
                "0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"
            ]
        );
        let t = linear_ticks(-0.05, 1.05, 6, false);
        assert_eq!(labels(&t), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert_eq!(t.light.len(), 5, "{t:?}");
        let t = linear_ticks(0.01, 0.31, 8, false);
        assert_eq!(labels(&t), ["0.05", "0.1", "0.15", "0.2", "0.25", "0.3"]);
        for t in [
            linear_ticks(-0.4, 1.4, 10, false),
            linear_ticks(1e-7, 3e-6, 10, false),
        ] {
            for l in labels(&t) {
                assert!(l.len() <= 5 || l.contains('e'), "{l} in {t:?}");
            }
        }
    }

    #[test]
    fn integer_axes_get_whole_ticks_only() {
        // merchant.observers = 0, 1, 2, 4, padded to -0.5..4.5.
        let t = linear_ticks(-0.5, 4.5, 12, true);
        assert_eq!(t.bold, [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert!(t.light.is_empty(), "no grid line at 0.5, 1.5: {t:?}");
        let t = linear_ticks(-0.5, 1.5, 12, true);
        assert_eq!(t.bold, [0.0, 1.0]);
        let t = linear_ticks(-0.5, 30.5, 8, true);
        assert_eq!(t.bold, [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]);
        assert!(t.light.is_empty(), "2.5 is not whole: {t:?}");
        let t = linear_ticks(-0.5, 30.5, 20, true);
        assert_eq!(t.step, 2.0);
        assert!(t.light.iter().all(|v| v.fract() == 0.0), "{t:?}");
        let t = linear_ticks(-19.5, 629.5, 10, true);
        assert_eq!(labels(&t), ["0", "100", "200", "300", "400", "500", "600"]);
    }

    #[test]
    fn a_log_axis_is_used_when_positive_values_span_more_than_ten_times() {
        assert!(log_x_axis(&[10.0, 30.0, 60.0, 300.0, 600.0]));
        assert!(log_x_axis(&[0.001, 0.02]));
        assert!(
            !log_x_axis(&[1.0, 5.0, 10.0]),
            "exactly 10 times stays linear"
        );
        assert!(
            !log_x_axis(&[0.0, 10.0, 1000.0]),
            "0 has no place on a log axis"
        );
        assert!(!log_x_axis(&[-1.0, 100.0]));
        assert!(!log_x_axis(&[5.0]));
        assert!(!log_x_axis(&[]));
    }

    #[test]
    fn log_ticks_are_round_values_that_print_cleanly() {
        let (lo, hi) = (10f64.log10() - 0.05, 600f64.log10() + 0.05);
        let t = log_ticks(lo, hi, &[1, 2, 5]);
        let l: Vec<String> = t.bold.iter().map(|&x| tick_label(from_log(x))).collect();
        assert_eq!(l, ["10", "20", "50", "100", "200", "500"]);
        // Light lines at the other multiples in range (9 and 30 … 600; 700 is above 673).
        let light: Vec<String> = t.light.iter().map(|&x| tick_label(from_log(x))).collect();
        assert!(light.contains(&"30".to_string()) && light.contains(&"600".to_string()));
        assert!(!light.contains(&"700".to_string()), "{light:?}");
        let t = log_ticks((1e-3f64).log10(), (0.5f64).log10(), &[1]);
        let l: Vec<String> = t.bold.iter().map(|&x| tick_label(from_log(x))).collect();
        assert_eq!(l, ["0.001", "0.01", "0.1"]);
    }

    #[test]
    fn negative_zero_prints_as_zero() {
        assert_eq!(tick_label(-0.0), "0");
        assert_eq!(tick_label(-0.05), "-0.05");
    }
}
