//! Placement of the ▼ upper-bound markers (cells with no reversal seen).
//!
//! Several series often share a ▼: same z, same trials, hence the same interval bound. Drawn
//! in place they would sit exactly on top of each other and only the last colour would
//! show. Markers whose triangles would overlap at the same x therefore form a cluster, and
//! a cluster of k markers is spread side by side, in series order (left to right), centred
//! on the true x. A marker alone stays exactly at its x. The spread never exceeds 80 % of
//! the pixel distance from its x to the nearest other x value with data, so it cannot
//! reach the next z (or the next swept value); when
//! that leaves less room than a full triangle per marker, the triangles get narrower (down
//! to 5 px wide) and then overlap partly, each still showing a sliver of its colour.

/// Half-width of a ▼ with room to spare, pixels.
pub(super) const HALF_WIDTH: i32 = 6;
/// Half-width of the slimmest ▼ (5 px wide), where many share little room.
const MIN_HALF_WIDTH: i32 = 2;
/// The ▼ spans from this many pixels above its anchor…
pub(super) const ABOVE: i32 = 5;
/// …to this many below (its tip, at the bound).
pub(super) const BELOW: i32 = 6;

/// Where one ▼ goes: horizontal offset from its x in pixels, and its half-width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Dodge {
    /// Pixels to the right (negative: left) of the marker's true x.
    pub dx: i32,
    /// Half-width of the triangle, pixels.
    pub half: i32,
}

/// Offsets for markers at image pixels `at` (one per marker, `(series, x, y)`), given the
/// pixel x of every data column (`columns`, the x values of all points) and the room a
/// lone column gets. Returns one [`Dodge`] per marker, in the order of `at`.
pub(super) fn dodge(at: &[(usize, i32, i32)], columns: &[i32], lone: i32) -> Vec<Dodge> {
    let mut order: Vec<usize> = (0..at.len()).collect();
    order.sort_by_key(|&i| (at[i].1, at[i].2, at[i].0));
    let mut out = vec![
        Dodge {
            dx: 0,
            half: HALF_WIDTH
        };
        at.len()
    ];
    let mut start = 0;
    for end in 1..=order.len() {
        let split = end == order.len() || {
            let (a, b) = (at[order[end - 1]], at[order[end]]);
            a.1 != b.1 || b.2 - a.2 > ABOVE + BELOW
        };
        if split {
            let x = at[order[start]].1;
            spread(&order[start..end], at, spacing(x, columns, lone), &mut out);
            start = end;
        }
    }
    out
}

/// Pixels from `x` to the nearest other column (`lone` if there is none).
fn spacing(x: i32, columns: &[i32], lone: i32) -> i32 {
    columns
        .iter()
        .map(|&c| (c - x).abs())
        .filter(|&d| d > 0)
        .min()
        .unwrap_or(lone)
}

/// Spread one cluster (indices into `at`) side by side, in series order.
fn spread(cluster: &[usize], at: &[(usize, i32, i32)], x_spacing: i32, out: &mut [Dodge]) {
    let k = cluster.len() as i32;
    if k < 2 {
        return;
    }
    let mut by_series = cluster.to_vec();
    by_series.sort_by_key(|&i| at[i].0);
    // The whole cluster, (k - 1) steps plus one triangle, fits in `room`.
    let room = x_spacing * 4 / 5;
    let half = ((room / k - 1) / 2).clamp(MIN_HALF_WIDTH, HALF_WIDTH);
    let step = ((room - 2 * half) / (k - 1)).clamp(1, 2 * HALF_WIDTH + 2);
    for (j, &i) in by_series.iter().enumerate() {
        out[i] = Dodge {
            dx: (2 * j as i32 - (k - 1)) * step / 2,
            half,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_marker_stays_in_place() {
        let d = dodge(
            &[(0, 100, 50), (1, 100, 200), (2, 130, 50)],
            &[100, 130],
            400,
        );
        assert!(d.iter().all(|d| d.dx == 0 && d.half == HALF_WIDTH), "{d:?}");
    }

    #[test]
    fn coinciding_markers_go_side_by_side_in_series_order() {
        let d = dodge(&[(2, 100, 50), (0, 100, 50), (1, 100, 53)], &[100], 100);
        let (left, mid, right) = (d[1], d[2], d[0]);
        assert!(left.dx < mid.dx && mid.dx < right.dx, "{d:?}");
        assert_eq!(mid.dx, 0, "an odd cluster is centred on the true x");
        // Full-size triangles that do not overlap.
        assert!(right.dx - mid.dx >= 2 * HALF_WIDTH, "{d:?}");
        assert_eq!(left.half, HALF_WIDTH);
    }

    #[test]
    fn the_spread_stays_between_neighbouring_x() {
        let at: Vec<(usize, i32, i32)> = (0..5).map(|s| (s, 200, 80)).collect();
        let d = dodge(&at, &[180, 200, 240, 600], 400);
        // Within ±40 % of the spacing, so two neighbouring clusters cannot touch.
        let reach = d.iter().map(|d| d.dx.abs() + d.half).max().unwrap();
        assert!(reach <= 8, "{d:?}");
        let mut xs: Vec<i32> = d.iter().map(|d| d.dx).collect();
        xs.dedup();
        assert_eq!(xs.len(), 5, "every marker has its own position: {d:?}");
    }

    #[test]
    fn room_is_measured_to_the_nearest_other_column() {
        // Crowded at x = 100 (next column 20 px away), roomy at x = 500.
        let at = [(0, 100, 50), (1, 100, 50), (0, 500, 50), (1, 500, 50)];
        let d = dodge(&at, &[100, 120, 500, 900], 400);
        assert!(
            d[0].half < HALF_WIDTH && d[1].dx - d[0].dx < 2 * HALF_WIDTH,
            "{d:?}"
        );
        assert_eq!(d[2].half, HALF_WIDTH);
        assert!(d[3].dx - d[2].dx >= 2 * HALF_WIDTH, "{d:?}");
    }
}
