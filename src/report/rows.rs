//! The row of `reversal.csv`: one (q, z) cell of an attack, with its interval and the
//! closed form under the same convention.

use serde::{Deserialize, Serialize};

use crate::estimate::results::{CellResult, Estimator, GiveUp, ResultSet, Stop, ZEstimate};

/// One line of `reversal.csv` (column order = field order; the first eight are the SPEC's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReversalRow {
    /// Attack name.
    pub attack: String,
    /// Attacker hash share.
    pub q: f64,
    /// Confirmations.
    pub z: u32,
    /// Trials run.
    pub trials: u64,
    /// Estimated P(reversal).
    pub probability: f64,
    /// Lower confidence bound.
    pub ci_low: f64,
    /// Upper confidence bound (an upper bound even at zero reversals).
    pub ci_high: f64,
    /// Closed form under the same convention (empty where none applies).
    pub exact: Option<f64>,
    /// Reversals counted.
    pub successes: u64,
    /// Tie rule (`first-seen` or `gamma=G`).
    pub tie: String,
    /// Head start k; empty when the attack draws it at random (a pre-mining race: the
    /// opportunistic attacker, delay-private without `premined`, rental with pre-mining).
    pub premined: Option<u32>,
    /// When the attacker gives up: `never`, a block count (that far behind) or
    /// `window-end` (its rented hash rate runs out).
    pub give_up: GiveUp,
    /// Interval method.
    pub ci: String,
    /// Interval confidence level.
    pub confidence: f64,
    /// Trials stopped undecided by the per-trial block cap (counted as failures).
    pub censored: u64,
    /// Mean blocks until success (reported for q > 1/2).
    pub mean_blocks: Option<f64>,
    /// 99th percentile of blocks until success (q > 1/2; bucket upper edge, ≤ 1.6 % wide).
    pub p99_blocks: Option<u64>,
    /// Estimator: `mc` (plain Monte Carlo) or `is` (importance sampling).
    pub method: Estimator,
    /// Standard error of `probability`.
    pub std_error: Option<f64>,
    /// Achieved relative precision: the interval's half-width over `probability` (empty
    /// when the estimate is 0). For `is`, the half-width is z·std_error before clamping.
    pub rel_error: Option<f64>,
    /// Effective sample size (Σw)²/Σw² of the importance weights (`is` only).
    pub ess: Option<f64>,
    /// Attacker share the trials were drawn with before acceptance (`is` only).
    pub tilt: Option<f64>,
    /// Why the cell stopped: `trials` (fixed count), `target` (`rel_error` reached the
    /// requested precision) or `cap` (the trial cap came first).
    pub stop: Stop,
    /// Network attacks: attacker block rewards orphaned per attempt (blocks).
    pub cost_blocks: Option<f64>,
    /// Network attacks: expected seconds before an attempt can start (mining the
    /// withheld block(s): k·T/q).
    pub wait_seconds: Option<f64>,
    /// Network attacks: stale-block rate of honest mining on the scenario's network.
    pub stale_rate: Option<f64>,
    /// Network attacks: the network (`none`, a preset such as `default`, or `custom-<nodes>`).
    pub network: Option<String>,
    /// Defence sweeps: the swept parameter (`table.key`).
    pub sweep_parameter: Option<String>,
    /// Defence sweeps: its value in this row.
    pub sweep_value: Option<String>,
    /// log10 of `probability`. Importance sampling: computed from the scaled weight sums,
    /// so it is right where `probability` underflows to 0 (below about 1e-308). Monte
    /// Carlo: log10 of `probability`. Empty when the estimate is 0 (no −∞ in the CSV).
    pub log10_probability: Option<f64>,
    /// log10 of `ci_low`, in the same way; empty when the lower bound is 0.
    pub log10_ci_low: Option<f64>,
    /// log10 of `ci_high`, in the same way (0 when the upper bound is 1).
    pub log10_ci_high: Option<f64>,
    /// log10 of `exact`, from the closed form's log-space value where it has one (the
    /// majority attack without give-up), so it is right below 1e-308 too; otherwise log10
    /// of `exact`. Empty where `exact` is empty or 0.
    pub log10_exact: Option<f64>,
    /// Network attacks on a random network: the independent units (generated graphs) the
    /// interval rests on; trials on one graph are not independent (see docs/network.md).
    #[serde(default)]
    pub units: Option<usize>,
    /// Network attacks: the estimate's variance over what independent trials would give
    /// (the graph-to-graph spread; 1 when it is not measurable, e.g. no reversals).
    #[serde(default)]
    pub design_effect: Option<f64>,
}

impl ReversalRow {
    /// The row of estimate `e` of cell `c` in result set `set`.
    pub fn new(set: &ResultSet, c: &CellResult, e: &ZEstimate) -> ReversalRow {
        let finite = |x: f64| x.is_finite().then_some(x);
        let info = c.net.as_ref();
        ReversalRow {
            attack: set.attack.clone(),
            q: c.q,
            z: e.z,
            trials: e.trials,
            probability: e.probability,
            ci_low: e.low,
            ci_high: e.high,
            exact: e.exact.map(|x| x.value),
            successes: e.successes,
            tie: set.tie.clone(),
            premined: set.premined,
            give_up: set.give_up,
            ci: e.ci.to_string(),
            confidence: set.confidence,
            censored: e.censored,
            mean_blocks: e.mean_blocks,
            p99_blocks: e.p99_blocks,
            method: if e.tilt.is_some() {
                Estimator::Is
            } else {
                Estimator::Mc
            },
            std_error: Some(e.std_error),
            rel_error: e.rel_error,
            ess: e.ess,
            tilt: e.tilt,
            stop: e.stop,
            cost_blocks: e.cost_blocks,
            wait_seconds: info.and_then(|i| i.wait_seconds),
            stale_rate: info.map(|i| i.stale_rate),
            network: info.map(|i| i.network.clone()),
            sweep_parameter: info.and_then(|i| i.sweep_parameter.clone()),
            sweep_value: info.and_then(|i| i.sweep_value.clone()),
            log10_probability: finite(e.log10[0]),
            log10_ci_low: finite(e.log10[1]),
            log10_ci_high: finite(e.log10[2]),
            log10_exact: e.exact.and_then(|x| finite(x.log10)),
            units: e.units,
            design_effect: e.design_effect,
        }
    }
}

impl crate::experiment::Outcome {
    /// The rows of `reversal.csv`, one per (q, z), q-major.
    pub fn rows(&self) -> Vec<ReversalRow> {
        rows(&self.results)
    }
}

/// The rows of `reversal.csv` for a result set, in cell order.
pub fn rows(set: &ResultSet) -> Vec<ReversalRow> {
    set.all_estimates()
        .into_iter()
        .flat_map(|(i, es)| {
            let c = &set.cells[i];
            es.iter()
                .map(|e| ReversalRow::new(set, c, e))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::Probability;
    use crate::estimate::tally::Tally;
    use crate::estimate::weighted::{BatchSums, WeightedTally, ln_scale_step};
    use crate::stats::CiMethod;

    /// A one-cell result set (majority attack, first-seen, q = 0.1).
    fn set(
        zs: Vec<u32>,
        tally: Tally,
        tilt: Option<f64>,
        exact: Vec<Option<Probability>>,
    ) -> ResultSet {
        ResultSet {
            attack: "majority".into(),
            tie: "first-seen".into(),
            premined: Some(0),
            give_up: GiveUp::Never,
            ci: CiMethod::Wilson,
            confidence: 0.95,
            zs,
            rel_error: None,
            cells: vec![CellResult {
                q: 0.1,
                tilt,
                exact: exact.iter().map(|e| e.map(|e| e.value)).collect(),
                exact_log10: exact
                    .iter()
                    .map(|e| e.and_then(|e| e.log10.is_finite().then_some(e.log10)))
                    .collect(),
                tally,
                net: None,
            }],
        }
    }

    #[test]
    fn monte_carlo_log10_columns_are_log10_of_the_values() {
        // 1000 trials: 40 reversed at z = 0 (top 0), 3 more reach z = 1; none reaches z = 2.
        let mut t = Tally::new(2, false);
        for i in 0..1000 {
            t.add(
                if i < 3 {
                    1
                } else if i < 43 {
                    0
                } else {
                    -1
                },
                false,
            );
        }
        let exact = [0.05, 1e-3, 0.0].map(|x| Some(Probability::from_value(x)));
        let rows = rows(&set(vec![0, 1, 2], t, None, exact.to_vec()));
        for r in &rows[..2] {
            assert_eq!(r.log10_probability, Some(r.probability.log10()));
            assert_eq!(r.log10_ci_low, Some(r.ci_low.log10()));
            assert_eq!(r.log10_ci_high, Some(r.ci_high.log10()));
            assert_eq!(r.log10_exact, Some(r.exact.unwrap().log10()));
        }
        assert_eq!(rows[0].probability, 0.043);
        // Nothing seen at z = 2: the estimate and lower bound have no logarithm (empty, not
        // −∞); the Wilson upper bound is positive; a closed form of 0 has none either.
        let r = &rows[2];
        assert_eq!((r.probability, r.ci_low), (0.0, 0.0));
        assert_eq!((r.log10_probability, r.log10_ci_low), (None, None));
        assert_eq!(r.log10_ci_high, Some(r.ci_high.log10()));
        assert_eq!((r.exact, r.log10_exact), (Some(0.0), None));
    }

    #[test]
    fn importance_sampling_rows_keep_log10_where_values_underflow() {
        // Scaled weights 1, 2, 3, 0 at z = 1000, tilt ½ at q = 0.1: the per-z scale
        // 0.36^1000 ≈ 1e-443.7 makes every value underflow to 0.
        let (q, tilt, z) = (0.1, 0.5, 1000);
        let mut w = WeightedTally::new(z);
        let mut b = BatchSums::new(z);
        for x in [1.0, 2.0, 3.0, 0.0] {
            b.credit(z as usize, x, x > 0.0);
        }
        w.add_batch(&b);
        let mut t = Tally::new(z, false);
        t.trials = 4;
        t.weighted = Some(w);
        let closed = Probability {
            value: 0.0,
            log10: -440.0,
        };
        let step = ln_scale_step(q, tilt);
        let rows = rows(&set(vec![z], t, Some(tilt), vec![Some(closed)]));
        let r = &rows[0];
        assert_eq!((r.probability, r.ci_low, r.ci_high), (0.0, 0.0, 0.0));
        let want = 1.5f64.log10() + f64::from(z) * step / std::f64::consts::LN_10;
        assert!(want < -400.0);
        assert!((r.log10_probability.unwrap() - want).abs() < 1e-9);
        let (lo, hi) = (r.log10_ci_low, r.log10_ci_high.unwrap());
        // Sample variance 5/3, half-width 1.96·√(5/12) = 1.265 < 1.5: a positive low end.
        assert!(lo.unwrap() < want && want < hi);
        assert_eq!(r.log10_exact, Some(-440.0));
        assert_eq!(r.exact, Some(0.0));
        assert!(r.rel_error.is_some_and(|e| (e - 1.265 / 1.5).abs() < 1e-3));
    }

    fn log10_set(exact: Vec<Option<f64>>, exact_log10: Vec<Option<f64>>) -> ResultSet {
        let mut tally = Tally::new(1000, false);
        tally.add(-1, false);
        let mut s = set(vec![6, 1000], tally, None, vec![]);
        s.premined = Some(1);
        s.cells[0].exact = exact;
        s.cells[0].exact_log10 = exact_log10;
        s
    }

    #[test]
    fn rows_take_the_closed_forms_log10_from_its_log_space_value() {
        let s = log10_set(
            vec![Some(5.914e-4), Some(0.0)],
            vec![Some(-3.228), Some(-445.349)],
        );
        let rows = rows(&s);
        assert_eq!(rows[0].log10_exact, Some(-3.228));
        assert_eq!(
            (rows[1].exact, rows[1].log10_exact),
            (Some(0.0), Some(-445.349))
        );
    }

    #[test]
    fn shard_json_without_log10_still_reads_and_falls_back_to_the_value() {
        let s = log10_set(vec![Some(5.914e-4), Some(0.0)], vec![]);
        let mut json = serde_json::to_value(&s).unwrap();
        json["cells"][0]
            .as_object_mut()
            .unwrap()
            .remove("exact_log10");
        let back: ResultSet = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
        let rows = rows(&back);
        assert_eq!(rows[0].log10_exact, Some(5.914e-4f64.log10()));
        assert_eq!(rows[1].log10_exact, None);
    }
}
