//! The terminal table of `dslab simulate` and the notes beside it.

use crate::estimate::results::Estimator;
use crate::experiment::{AttackSpec, Experiment};
use crate::report::{self, table};
use crate::stats::CiMethod;

use super::super::warnings;

/// The shares q with an importance-sampled cell, in row order, each once.
fn is_shares(rows: &[report::ReversalRow]) -> Vec<String> {
    let mut qs: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r.method == Estimator::Is) {
        let q = r.q.to_string();
        if !qs.contains(&q) {
            qs.push(q);
        }
    }
    qs
}

/// `--ci` chosen explicitly while some cell was importance-sampled: those cells' intervals
/// are normal ones (a weighted estimate has no binomial interval), so say so.
pub(super) fn ci_note(ci: Option<CiMethod>, rows: &[report::ReversalRow]) -> Option<String> {
    let ci = ci?;
    let qs = is_shares(rows);
    (!qs.is_empty()).then(|| {
        format!(
            "--ci {} applies to plain Monte Carlo cells only; the importance-sampled ones \
             (q = {}) have normal intervals (the method column says is)",
            ci.name(),
            qs.join(", ")
        )
    })
}

/// The line under the attack description: how many trials, which estimator, which
/// intervals, and what the `exact` column is (for network attacks the line above says it:
/// the zero-latency limit).
fn sampling_line(exp: &Experiment, rows: &[report::ReversalRow]) -> String {
    let count = match exp.sampling.rel_error {
        Some(e) => format!(
            "until every interval is within ±{} of its estimate (at most {} trials per q)",
            warnings::target_percent(e),
            exp.trials
        ),
        None => format!("{} trials per q", exp.trials),
    };
    let is_qs = is_shares(rows);
    let level = exp.confidence * 100.0;
    let method = if is_qs.is_empty() {
        format!("{} {level}% intervals", exp.ci.name())
    } else if rows.iter().all(|r| r.method == Estimator::Is) {
        format!("importance sampling (normal {level}% intervals)")
    } else {
        format!(
            "importance sampling for q = {} (normal {level}% intervals), otherwise {} {level}% \
             intervals",
            is_qs.join(", "),
            exp.ci.name()
        )
    };
    let exact = match exp.attack {
        AttackSpec::BlockRace(_) => "; exact = closed form, same convention",
        AttackSpec::Timed(_) => "",
    };
    // Network attacks: the intervals rest on the generated graphs (docs/network.md).
    let graphs = rows
        .iter()
        .filter_map(|r| r.units)
        .max()
        .map(|u| format!(", over {u} graphs (the units of the interval)"))
        .unwrap_or_default();
    format!("{count}, seed {}, {method}{graphs}{exact}", exp.seed)
}

/// The terminal table: q, z, estimate, interval, closed form (+ blocks for q > 1/2).
pub fn render_table(exp: &Experiment, rows: &[report::ReversalRow]) -> String {
    // The block race reports blocks to success for q ≥ ½ (∞ at q = ½).
    let blocks = rows
        .iter()
        .any(|r| r.mean_blocks.is_some() || (r.q == 0.5 && r.network.is_none()));
    let precision =
        exp.sampling.rel_error.is_some() || rows.iter().any(|r| r.method == Estimator::Is);
    let mut header = vec!["q", "z", "P(reversal)", "interval", "exact"];
    if blocks {
        header.extend(["mean blocks", "p99 blocks"]);
    }
    if precision {
        header.extend(["method", "trials", "± rel."]);
    }
    let net = rows.iter().any(|r| r.network.is_some());
    if net {
        header.extend(["cost (blocks)", "wait (s)", "stale rate"]);
    }
    let swept = rows.iter().find_map(|r| r.sweep_parameter.clone());
    if let Some(p) = &swept {
        header.insert(0, p.as_str());
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                r.q.to_string(),
                r.z.to_string(),
                table::prob_log10(r.probability, r.log10_probability),
                format!(
                    "[{}, {}]",
                    table::prob_log10(r.ci_low, r.log10_ci_low),
                    table::prob_log10(r.ci_high, r.log10_ci_high)
                ),
                r.exact
                    .map_or(String::new(), |e| table::prob_log10(e, r.log10_exact)),
            ];
            if blocks {
                // q = ½: success is certain but its expected block count is infinite.
                let none = if r.q == 0.5 { "∞" } else { "" };
                v.push(r.mean_blocks.map_or(none.into(), |m| format!("{m:.1}")));
                v.push(r.p99_blocks.map_or(String::new(), |m| m.to_string()));
            }
            if precision {
                v.push(r.method.to_string());
                v.push(r.trials.to_string());
                v.push(
                    r.rel_error
                        .map_or("-".into(), |e| format!("{:.1}%", e * 100.0)),
                );
            }
            if net {
                let num =
                    |x: Option<f64>, d: usize| x.map_or(String::new(), |x| format!("{x:.d$}"));
                v.push(num(r.cost_blocks, 3));
                v.push(num(r.wait_seconds, 0));
                v.push(num(r.stale_rate, 5));
            }
            if swept.is_some() {
                v.insert(0, r.sweep_value.clone().unwrap_or_default());
            }
            v
        })
        .collect();
    let mut out = format!(
        "{}\n{}\n{}",
        exp.attack.describe(),
        sampling_line(exp, rows),
        table::render(&header, &body)
    );
    if blocks && rows.iter().any(|r| r.q == 0.5) {
        out.push_str(
            "q = 0.5: the attacker always catches up, but the expected number of blocks is \
             infinite (a null-recurrent walk), so no mean is given (mean_blocks is empty).\n",
        );
    }
    out
}
