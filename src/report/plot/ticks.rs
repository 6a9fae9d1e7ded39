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
    fn negative_zero_prints_as_zero() {
        assert_eq!(tick_label(-0.0), "0");
        assert_eq!(tick_label(-0.05), "-0.05");
    }
}
