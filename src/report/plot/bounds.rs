//! Placement of the ▼ upper-bound markers (cells with no reversal seen) and of dots that
//! coincide.
//!
//! Several series often share a ▼: same z, same trials, hence the same interval bound. Drawn
//! in place they would sit exactly on top of each other and only the last colour would
//! show. Markers whose triangles would overlap at the same x therefore form a cluster. A
//! cluster of k markers is spread side by side, in series order (left to right), centred
//! on the true x, when k full-size triangles fit in 80 % of the pixel distance from its x
//! to the nearest other x value with data (so a cluster never reaches the next z). When
//! they do not fit, the cluster becomes one ▼ in a neutral dark grey at the highest bound
//! of its members, which is an upper bound for every one of them: a sliver of colour per
//! series (the earlier drawing) was unreadable, and which series it stands for is plain
//! from the chart (the series with no dot at that x). A marker alone stays exactly at its
//! x, in its series' colour.
//!
//! Dots of different series that coincide (all series at P = 1, say) are set side by side
//! in the same way, at most a dot's width apart, overlapping partly when room is short; the
//! lines still pass through the true x.

/// Half-width of a ▼ with room to spare, pixels.
pub(super) const HALF_WIDTH: i32 = 6;
/// Gap between neighbouring ▼ of a side-by-side cluster, pixels.
const GAP: i32 = 2;
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
    /// Part of a cluster too crowded to spread: drawn as one neutral ▼.
    pub shared: bool,
    /// The member of a shared cluster that draws its ▼ (the highest bound); the others
    /// draw nothing.
    pub lead: bool,
}

impl Dodge {
    /// A marker in place, full size, in its own colour.
    const ALONE: Dodge = Dodge {
        dx: 0,
        half: HALF_WIDTH,
        shared: false,
        lead: true,
    };
}

/// Offsets for markers at image pixels `at` (one per marker, `(series, x, y)`), given the
/// pixel x of every data column (`columns`, the x values of all points) and the room a
/// lone column gets. Returns one [`Dodge`] per marker, in the order of `at`.
pub(super) fn dodge(at: &[(usize, i32, i32)], columns: &[i32], lone: i32) -> Vec<Dodge> {
    let mut out = vec![Dodge::ALONE; at.len()];
    for cluster in clusters(at, ABOVE + BELOW) {
        let x = at[cluster[0]].1;
        spread(&cluster, at, spacing(x, columns, lone), &mut out);
    }
    out
}

/// Sideways offsets (pixels) for dots at image pixels `at` (`(series, x, y)`): dots of one
/// column less than `size` pixels apart vertically are set side by side, in series order,
/// `size` pixels apart or closer (down to 3 px) when 80 % of the room to the next column is
/// short.
pub(super) fn dodge_dots(
    at: &[(usize, i32, i32)],
    columns: &[i32],
    lone: i32,
    size: i32,
) -> Vec<i32> {
    let mut out = vec![0; at.len()];
    for mut cluster in clusters(at, size - 1) {
        let k = cluster.len() as i32;
        if k < 2 {
            continue;
        }
        cluster.sort_by_key(|&i| at[i].0);
        let room = spacing(at[cluster[0]].1, columns, lone) * 4 / 5;
        let step = ((room - size) / (k - 1)).clamp(3, size);
        for (j, &i) in cluster.iter().enumerate() {
            out[i] = (2 * j as i32 - (k - 1)) * step / 2;
        }
    }
    out
}

/// Groups of indices into `at` with the same x whose y values are chained at most `reach`
/// pixels apart.
fn clusters(at: &[(usize, i32, i32)], reach: i32) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..at.len()).collect();
    order.sort_by_key(|&i| (at[i].1, at[i].2, at[i].0));
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (n, &i) in order.iter().enumerate() {
        let joins = n > 0 && {
            let a = at[order[n - 1]];
            a.1 == at[i].1 && at[i].2 - a.2 <= reach
        };
        match out.last_mut() {
            Some(c) if joins => c.push(i),
            _ => out.push(vec![i]),
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
    let step = 2 * HALF_WIDTH + GAP;
    // The whole cluster, (k - 1) steps plus one triangle, must fit in `room`.
    let room = x_spacing * 4 / 5;
    if (k - 1) * step + 2 * HALF_WIDTH > room {
        // The highest bound (smallest pixel y) is a bound for every member.
        let top = *cluster
            .iter()
            .min_by_key(|&&i| (at[i].2, at[i].0))
            .expect("k > 1");
        for &i in cluster {
            out[i] = Dodge {
                shared: true,
                lead: i == top,
                ..Dodge::ALONE
            };
        }
        return;
    }
    for (j, &i) in by_series.iter().enumerate() {
        out[i] = Dodge {
            dx: (2 * j as i32 - (k - 1)) * step / 2,
            ..Dodge::ALONE
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
        assert!(d.iter().all(|d| *d == Dodge::ALONE), "{d:?}");
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
    fn a_cluster_with_no_room_becomes_one_shared_marker_at_its_highest_bound() {
        // Five markers at x = 200, the next column 20 px away: 16 px of room, not enough
        // for five 12-px triangles. Pixel y grows downwards: y = 78 is the highest bound.
        let at = [
            (0, 200, 80),
            (1, 200, 80),
            (2, 200, 78),
            (3, 200, 80),
            (4, 200, 84),
        ];
        let d = dodge(&at, &[180, 200, 240, 600], 400);
        assert!(d.iter().all(|d| d.shared && d.dx == 0), "{d:?}");
        let leads: Vec<usize> = (0..5).filter(|&i| d[i].lead).collect();
        assert_eq!(leads, [2], "one ▼, at the highest bound: {d:?}");
    }

    #[test]
    fn markers_are_never_narrowed_into_slivers() {
        // Room for exactly three full triangles side by side, then not for four.
        for k in 1..=4usize {
            let at: Vec<(usize, i32, i32)> = (0..k).map(|s| (s, 100, 50)).collect();
            let d = dodge(&at, &[100, 150], 400);
            assert!(d.iter().all(|d| d.half == HALF_WIDTH), "{d:?}");
            let spread = d.iter().filter(|d| !d.shared).count();
            assert_eq!(spread, if k <= 3 { k } else { 0 }, "{k}: {d:?}");
            let mut xs: Vec<i32> = d.iter().map(|d| d.dx).collect();
            xs.sort_unstable();
            if k <= 3 {
                assert!(xs.windows(2).all(|w| w[1] - w[0] > 2 * HALF_WIDTH), "{d:?}");
            }
        }
    }

    #[test]
    fn room_is_measured_to_the_nearest_other_column() {
        // Crowded at x = 100 (next column 20 px away), roomy at x = 500.
        let at = [(0, 100, 50), (1, 100, 50), (0, 500, 50), (1, 500, 50)];
        let d = dodge(&at, &[100, 120, 500, 900], 400);
        assert!(
            d[0].shared && d[1].shared && d[0].lead != d[1].lead,
            "{d:?}"
        );
        assert!(!d[2].shared && d[3].dx - d[2].dx > 2 * HALF_WIDTH, "{d:?}");
    }

    #[test]
    fn coinciding_dots_go_side_by_side_and_others_stay() {
        // Two dots at the same pixel, a third 20 px lower, a fourth alone at x = 300.
        let at = [(0, 100, 50), (1, 100, 51), (2, 100, 70), (0, 300, 50)];
        let dx = dodge_dots(&at, &[100, 300], 400, 8);
        assert_eq!(dx, [-4, 4, 0, 0]);
        // Crowded: 5 dots with 20 px to the next column still get different positions.
        let at: Vec<(usize, i32, i32)> = (0..5).map(|s| (s, 100, 50)).collect();
        let dx = dodge_dots(&at, &[100, 120], 400, 8);
        let mut sorted = dx.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 5, "{dx:?}");
        assert!(
            dx.iter().all(|d| d.abs() <= 8),
            "within 40 % of 20 px: {dx:?}"
        );
    }
}
