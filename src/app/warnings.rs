//! Warnings about results that are not what was asked for, shared by `dslab simulate` and
//! `dslab run`. They go to stderr whatever `--quiet` says: `--quiet` drops the progress bar
//! and informational messages only.

use crate::estimate::results::Stop;
use crate::estimate::weighted::MIN_ESS;
use crate::experiment::Experiment;
use crate::report::ReversalRow;

/// Importance-sampling rows whose effective sample size is too small for their interval
/// to be trusted (e.g. a poor `--tilt`, or too few trials): the warning text, if any.
pub fn low_ess(rows: &[ReversalRow]) -> Option<String> {
    let low: Vec<String> = rows
        .iter()
        .filter(|r| r.ess.is_some_and(|e| e < MIN_ESS) && r.probability < 1.0)
        .map(|r| format!("{} z={}", cell_name(r), r.z))
        .collect();
    (!low.is_empty()).then(|| {
        format!(
            "effective sample size below {MIN_ESS} at {}: these importance-sampling \
             intervals are unreliable; run more trials or keep the default --tilt",
            low.join(", ")
        )
    })
}

/// Fewer graphs than this, with a design effect above [`FEW_GRAPHS_DEFF`], and the
/// interval over the graphs can under-cover.
pub const FEW_GRAPHS: usize = 100;
/// Design effect above which outcomes differ so much between graphs that a few dozen of
/// them are not enough. Measured (docs/network.md §1.1): Vector76 at q = 0.3, z = 1 has a
/// design effect near 300 on 32 graphs, and its 95 % intervals covered 35 of 40 seeds (z-
/// scores of sd 2.5); at 128 graphs, the default since, 37 of 40 (sd 1.07). Finney, race
/// and majority stay below 2 and cover at 12 graphs (`tests/integration/calibration.rs`).
/// The default run does not warn; a run given fewer `--topologies` can.
pub const FEW_GRAPHS_DEFF: f64 = 10.0;

/// Network rows whose interval rests on too few graphs for how much the outcome differs
/// between them (a skewed spread: a run that drew only poor graphs for the attacker has a
/// low estimate and a small standard error together): the warning text, if any.
pub fn few_graphs(rows: &[ReversalRow]) -> Option<String> {
    let few: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.units.is_some_and(|u| u < FEW_GRAPHS)
                && r.design_effect.is_some_and(|d| d > FEW_GRAPHS_DEFF)
        })
        .map(|r| {
            format!(
                "{} z={} (design effect {:.0})",
                cell_name(r),
                r.z,
                r.design_effect.unwrap_or(0.0)
            )
        })
        .collect();
    let units = rows.iter().find_map(|r| r.units)?;
    (!few.is_empty()).then(|| {
        format!(
            "the outcome differs widely between graphs at {}; an interval over only {units} \
             graphs can under-cover (docs/network.md, Intervals over the graphs): use \
             --topologies {} or more (`topologies` in a scenario's [network])",
            few.join(", "),
            FEW_GRAPHS.next_power_of_two()
        )
    })
}

/// A precision-target run (`--rel-error`, a scenario's `rel_error`) whose trial cap came
/// before the target in some cell (`stop` = `cap`): the warning text naming each such cell
/// (q, and the sweep value if any), its worst precision, the cap, and `raise` (what to raise
/// to go further). `None` when every cell met its target or there was no target.
pub fn trial_cap(exp: &Experiment, rows: &[ReversalRow], raise: &str) -> Option<String> {
    let target = exp.sampling.rel_error?;
    // Cells in row order; each with its worst row (largest achieved relative half-width,
    // and a row with no reversal yet, whose precision is undefined, worst of all).
    let mut cells: Vec<(String, &ReversalRow)> = Vec::new();
    for r in rows.iter().filter(|r| r.stop == Stop::Cap) {
        let name = cell_name(r);
        match cells.iter_mut().find(|(n, _)| *n == name) {
            Some((_, worst)) => {
                if precision_key(r) > precision_key(worst) {
                    *worst = r;
                }
            }
            None => cells.push((name, r)),
        }
    }
    if cells.is_empty() {
        return None;
    }
    let reached: Vec<String> = cells
        .iter()
        .map(|(name, r)| match r.rel_error {
            None => format!("{name} saw no reversal at z={}", r.z),
            Some(e) if e <= target => format!(
                "{name} reached ±{} but with too few effective samples at z={} (ESS {:.0} < {MIN_ESS})",
                percent(e),
                r.z,
                r.ess.unwrap_or(0.0)
            ),
            Some(e) => format!("{name} reached ±{} (worst, z={})", percent(e), r.z),
        })
        .collect();
    // The half-width shrinks like 1/√n: the trials the worst cell would need, roughly.
    let needed = cells
        .iter()
        .filter_map(|(_, r)| r.rel_error.filter(|&e| e > target))
        .map(|e| exp.trials as f64 * (e / target).powi(2))
        .fold(0.0, f64::max);
    let hint = if needed > 0.0 {
        format!(" (roughly {needed:.1e} trials per q would reach the target)")
    } else {
        String::new()
    };
    Some(format!(
        "the trial cap of {} per q came before the ±{} target (stop = cap in the CSV/JSON): \
         {}; to go further, raise {raise}{hint}",
        exp.trials,
        target_percent(target),
        reached.join("; ")
    ))
}

/// `q=0.1`, or `merchant.listening_period=5 q=0.1` in a defence sweep.
fn cell_name(r: &ReversalRow) -> String {
    match (&r.sweep_parameter, &r.sweep_value) {
        (Some(p), Some(v)) => format!("{p}={v} q={}", r.q),
        _ => format!("q={}", r.q),
    }
}

/// Orders rows from best to worst precision; no reversal yet (undefined) is worst.
fn precision_key(r: &ReversalRow) -> f64 {
    r.rel_error.unwrap_or(f64::INFINITY)
}

/// A precision target (a fraction the user gave) as a percentage, without floating-point
/// noise: 0.07 → "7%", 0.001 → "0.1%".
pub fn target_percent(x: f64) -> String {
    let p = format!("{:.10}", x * 100.0);
    format!("{}%", p.trim_end_matches('0').trim_end_matches('.'))
}

/// A fraction as a percentage with two significant digits: 0.0121 → "1.2%", 0.00047 →
/// "0.047%", 0.25 → "25%".
fn percent(x: f64) -> String {
    let p = x * 100.0;
    let decimals = if p > 0.0 && p.is_finite() {
        (1 - p.log10().floor() as i32).clamp(0, 12) as usize
    } else {
        1
    };
    format!("{p:.decimals$}%")
}

#[cfg(test)]
mod tests {
    use super::{percent, target_percent};

    #[test]
    fn percentages_keep_two_significant_digits() {
        assert_eq!(percent(0.0121), "1.2%");
        assert_eq!(percent(0.00047), "0.047%");
        assert_eq!(percent(0.25), "25%");
        assert_eq!(percent(0.001), "0.10%");
        assert_eq!(percent(0.05), "5.0%");
        assert_eq!(target_percent(0.07), "7%");
        assert_eq!(target_percent(0.001), "0.1%");
        assert_eq!(target_percent(0.125), "12.5%");
    }
}
