//! The typed result of a grid run: per cell its tally, how it was sampled and the closed
//! forms ([`ResultSet`]), and per (cell, z) the estimate with its interval, method and
//! [`Stop`] ([`ZEstimate`], from [`ResultSet::estimates`]). Unsharded runs, shards and
//! merges all render `reversal.csv` from this one type (`crate::report::rows`), which is
//! what makes merged shards byte-identical to an unsharded run.

use serde::{Deserialize, Serialize};

use super::tally::Tally;
use super::units::{Units, korn_graubard, t_quantile};
use super::weighted::{MIN_ESS, ln_scale_step};
use crate::analytic::Probability;
use crate::stats::{CiMethod, interval};

/// Layout of [`Tally::extra`] for the timed-engine attacks: index [`extras::Z0`] counts merchant
/// z = 0 reversals (decided apart: its rule is a listening period, not a confirmation
/// count), [`extras::Z0_COST`] the attacker blocks orphaned against it, and `COST + top + 1` the
/// attacker blocks orphaned in trials whose largest reversed z ≥ 1 is `top` (−1: none).
pub mod extras {
    /// Merchant z = 0 reversals.
    pub const Z0: usize = 0;
    /// Attacker blocks orphaned against merchant z = 0.
    pub const Z0_COST: usize = 1;
    /// Start of the cost-by-largest-reversed-z counters.
    pub const COST: usize = 2;
}

/// Everything `reversal.csv` is rendered from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    /// Attack name.
    pub attack: String,
    /// Tie rule as text.
    pub tie: String,
    /// Head start k; `None` when the attack draws it at random (a pre-mining race).
    pub premined: Option<u32>,
    /// When the attacker gives up.
    pub give_up: GiveUp,
    /// Interval method (Monte Carlo cells).
    pub ci: CiMethod,
    /// Interval confidence level.
    pub confidence: f64,
    /// Confirmation counts reported.
    pub zs: Vec<u32>,
    /// Requested relative precision (target-precision runs).
    pub rel_error: Option<f64>,
    /// One entry per q, in grid order.
    pub cells: Vec<CellResult>,
}

/// One q of the grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// Attacker share.
    pub q: f64,
    /// Importance-sampling tilt (None: plain Monte Carlo).
    pub tilt: Option<f64>,
    /// Closed form per entry of `zs` (None where none applies).
    pub exact: Vec<Option<f64>>,
    /// log10 of the closed form per entry of `zs`, from its log-space value, so it is right
    /// where `exact` underflows to 0 (None where none applies or it is 0). Shard files of
    /// earlier builds lack it: then the rows take log10 of `exact`.
    #[serde(default)]
    pub exact_log10: Vec<Option<f64>>,
    /// Merged counts and weights.
    pub tally: Tally,
    /// Network attacks: what their rows add to the block race's (None: block race).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net: Option<NetRowInfo>,
}

/// What a timed-engine attack's rows add, fixed before the run (see `crate::attack`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetRowInfo {
    /// The network (`none`, a preset such as `default`, or `custom-<nodes>`).
    pub network: String,
    /// Stale-block rate of honest mining on the cell's topologies.
    pub stale_rate: f64,
    /// Expected seconds before an attempt can start.
    pub wait_seconds: Option<f64>,
    /// Costs are kept per largest reversed z (private-branch attacks) rather than in total.
    pub cost_by_top: bool,
    /// Defence sweeps: the swept parameter.
    pub sweep_parameter: Option<String>,
    /// Defence sweeps: its value at this cell.
    pub sweep_value: Option<String>,
}

/// Why a cell stopped (the `stop` column: `trials`, `target` or `cap`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stop {
    /// A fixed number of trials was run.
    Trials,
    /// The requested relative precision was reached.
    Target,
    /// The trial cap came before the requested precision.
    Cap,
}

impl Stop {
    /// The word in `reversal.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Stop::Trials => "trials",
            Stop::Target => "target",
            Stop::Cap => "cap",
        }
    }
}

/// The estimator of a row (the `method` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Estimator {
    /// Plain Monte Carlo (`mc`).
    Mc,
    /// Importance sampling (`is`).
    Is,
}

impl std::fmt::Display for Estimator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Estimator::Mc => "mc",
            Estimator::Is => "is",
        })
    }
}

/// When the attacker abandons its attempt (the `give_up` column): written `never`, a
/// block count (that many blocks behind), or `window-end` (when its rented hash rate runs
/// out). The same words in result sets, shards and rows of every build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum GiveUp {
    /// Never: the attempt runs until it wins or the engine's truncation.
    Never,
    /// This many blocks behind the public chain.
    Behind(u32),
    /// When the window of rented hash rate closes.
    WindowEnd,
}

impl GiveUp {
    /// A deficit rule: `Behind(d)`, or `Never` without one.
    pub fn deficit(d: Option<u32>) -> GiveUp {
        d.map_or(GiveUp::Never, GiveUp::Behind)
    }
}

impl std::fmt::Display for GiveUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GiveUp::Never => f.write_str("never"),
            GiveUp::Behind(d) => write!(f, "{d}"),
            GiveUp::WindowEnd => f.write_str("window-end"),
        }
    }
}

impl From<GiveUp> for String {
    fn from(g: GiveUp) -> String {
        g.to_string()
    }
}

impl TryFrom<String> for GiveUp {
    type Error = String;
    fn try_from(s: String) -> Result<GiveUp, String> {
        match s.as_str() {
            "never" => Ok(GiveUp::Never),
            "window-end" => Ok(GiveUp::WindowEnd),
            d => d
                .parse()
                .map(GiveUp::Behind)
                .map_err(|_| format!("give_up `{s}`: expected never, window-end or a block count")),
        }
    }
}

/// How one (cell, z) was estimated: the point estimate, its interval and everything the
/// rows report about it.
#[derive(Clone, Debug, PartialEq)]
pub struct ZEstimate {
    /// Confirmations.
    pub z: u32,
    /// Trials run.
    pub trials: u64,
    /// Estimated P(reversal).
    pub probability: f64,
    /// Lower confidence bound.
    pub low: f64,
    /// Upper confidence bound.
    pub high: f64,
    /// Reversals counted (trials with a positive weight under importance sampling).
    pub successes: u64,
    /// Standard error of `probability`.
    pub std_error: f64,
    /// Interval half-width over the estimate (None when the estimate is 0).
    pub rel_error: Option<f64>,
    /// Effective sample size of the importance weights (None: plain Monte Carlo).
    pub ess: Option<f64>,
    /// Importance-sampling tilt (None: plain Monte Carlo).
    pub tilt: Option<f64>,
    /// Interval method name (`wilson`, `clopper-pearson`, or `normal` for importance
    /// sampling).
    pub ci: &'static str,
    /// Why the cell stopped.
    pub stop: Stop,
    /// log10 of the estimate and its bounds (−∞ for 0), computed in log space under
    /// importance sampling so they stay right below 1e-308.
    pub log10: [f64; 3],
    /// Closed form under the same convention, with its log10.
    pub exact: Option<Probability>,
    /// Trials stopped undecided by the per-trial block cap.
    pub censored: u64,
    /// Mean blocks until success (recorded for q > 1/2).
    pub mean_blocks: Option<f64>,
    /// 99th percentile of blocks until success.
    pub p99_blocks: Option<u64>,
    /// Timed-engine attacks under Monte Carlo: attacker blocks orphaned per attempt.
    pub cost_blocks: Option<f64>,
    /// Independent units the interval rests on when trials are grouped (network attacks:
    /// the generated graphs); None: every trial is independent.
    pub units: Option<usize>,
    /// Variance of the estimate over the variance had every trial been independent
    /// (grouped trials only; at least 1).
    pub design_effect: Option<f64>,
}

impl ZEstimate {
    /// Replace the estimate by a Monte Carlo count of `k` in `n` trials.
    fn set_count(&mut self, ci: CiMethod, k: u64, n: u64, confidence: f64) {
        let c = interval(ci, k, n, confidence);
        let p = k as f64 / n as f64;
        self.successes = k;
        self.probability = p;
        self.low = c.low;
        self.high = c.high;
        self.std_error = (p * (1.0 - p) / n as f64).sqrt();
        self.rel_error = (p > 0.0).then(|| (c.high - c.low) / 2.0 / p);
        self.log10 = [p.log10(), c.low.log10(), c.high.log10()];
    }

    /// The stop rule against the relative precision `target` (None: fixed trials). An
    /// importance-sampling standard error from few effective samples is itself
    /// unreliable, so such an estimate never counts as having met a target.
    fn judge(&mut self, target: Option<f64>) {
        let trusted = self.ess.is_none_or(|e| e >= MIN_ESS);
        self.stop = match target {
            None => Stop::Trials,
            Some(e) if trusted && self.rel_error.is_some_and(|r| r <= e) => Stop::Target,
            Some(_) => Stop::Cap,
        };
    }

    /// How far this estimate is from the relative precision `target`: ≤ 1 when met, else
    /// the larger of the half-width ratio and (importance sampling) the effective-sample
    /// shortfall, which shrink like 1/√n.
    pub fn target_ratio(&self, target: f64) -> f64 {
        if self.stop == Stop::Target {
            return 0.0;
        }
        let by_width = self.rel_error.map_or(f64::INFINITY, |e| e / target);
        let by_ess = self.ess.map_or(0.0, |e| (MIN_ESS / e.max(1e-300)).sqrt());
        by_width.max(by_ess).max(1.0 + 1e-9)
    }
}

impl ResultSet {
    /// The estimates of every cell, in cell order (q-major; sweep points first for a sweep),
    /// judged against the run's own precision target.
    pub fn all_estimates(&self) -> Vec<(usize, Vec<ZEstimate>)> {
        (0..self.cells.len())
            .map(|i| (i, self.estimates(i, &self.cells[i].tally, self.rel_error)))
            .collect()
    }

    /// The estimates cell `i` has with `tally`, judged against the relative precision
    /// `target` (the stop rule of a target-precision run reads exactly these).
    pub fn estimates(&self, i: usize, tally: &Tally, target: Option<f64>) -> Vec<ZEstimate> {
        let c = &self.cells[i];
        self.zs
            .iter()
            .enumerate()
            .map(|(zi, &z)| {
                let mut e = self.sampled(c, zi, z, tally);
                if let Some(info) = &c.net {
                    timed_extras(&mut e, info, tally, self.ci, self.confidence);
                }
                if let Some(u) = &tally.units {
                    self.by_units(&mut e, c, u, tally);
                }
                e.judge(target);
                e
            })
            .collect()
    }

    /// The estimate of entry `zi` (confirmations `z`) of cell `c` from its counts or weights.
    fn sampled(&self, c: &CellResult, zi: usize, z: u32, tally: &Tally) -> ZEstimate {
        let blocks = tally.blocks.as_ref().map(|b| &b[z as usize]);
        let exact = c
            .exact
            .get(zi)
            .copied()
            .flatten()
            .map(|value| match c.exact_log10.get(zi) {
                Some(&log10) => Probability {
                    value,
                    log10: log10.unwrap_or(f64::NEG_INFINITY),
                },
                None => Probability::from_value(value),
            });
        let mut e = ZEstimate {
            z,
            trials: tally.trials,
            probability: 0.0,
            low: 0.0,
            high: 0.0,
            successes: 0,
            std_error: 0.0,
            rel_error: None,
            ess: None,
            tilt: c.tilt,
            ci: self.ci.name(),
            stop: Stop::Trials,
            log10: [f64::NEG_INFINITY; 3],
            exact,
            censored: tally.censored,
            mean_blocks: blocks.and_then(|b| b.mean()),
            p99_blocks: blocks.and_then(|b| b.quantile(0.99)),
            cost_blocks: None,
            units: None,
            design_effect: None,
        };
        match (c.tilt, tally.weighted.as_ref()) {
            (Some(t), Some(w)) => {
                let w = w.estimate(z, tally.trials, ln_scale_step(c.q, t), self.confidence);
                e.probability = w.probability;
                e.low = w.low;
                e.high = w.high;
                e.successes = w.hits;
                e.std_error = w.std_error;
                e.rel_error = w.rel_error;
                e.ess = Some(w.ess);
                e.ci = "normal";
                e.log10 = [w.log10_probability, w.log10_low, w.log10_high];
            }
            _ => e.set_count(self.ci, tally.successes(z), tally.trials, self.confidence),
        }
        e
    }

    /// Replace the interval of `e` by the one of grouped trials (`super::units`): the
    /// Korn–Graubard interval for counts, Student's t on the units for weights.
    fn by_units(&self, e: &mut ZEstimate, c: &CellResult, u: &Units, tally: &Tally) {
        let n = tally.trials;
        if n == 0 {
            return;
        }
        match (c.tilt, tally.weighted.as_ref()) {
            (Some(t), Some(w)) => {
                let Some(x) = u.weight_sums(e.z) else { return };
                let (v, units) = u.ratio_variance(&x);
                if units < 2 {
                    return;
                }
                let k = t_quantile((units - 1) as f64, self.confidence);
                let iid = e.std_error;
                let w = w.estimate_clustered(e.z, n, ln_scale_step(c.q, t), v, k);
                e.low = w.low;
                e.high = w.high;
                e.std_error = w.std_error;
                e.rel_error = w.rel_error;
                e.log10 = [w.log10_probability, w.log10_low, w.log10_high];
                e.ci = "normal-clustered";
                e.units = Some(units);
                e.design_effect = (iid > 0.0).then(|| (w.std_error / iid).powi(2));
            }
            _ => {
                let (v, units) = u.ratio_variance(&u.counts(e.z));
                if units < 2 {
                    return;
                }
                let p = e.probability;
                let (iv, _) = korn_graubard(self.ci, p, n, v, units, self.confidence);
                let binomial = p * (1.0 - p) / n as f64;
                e.low = iv.low;
                e.high = iv.high;
                e.std_error = v.max(binomial).sqrt();
                e.rel_error = (p > 0.0).then(|| (iv.high - iv.low) / 2.0 / p);
                e.log10 = [p.log10(), iv.low.log10(), iv.high.log10()];
                e.ci = match self.ci {
                    CiMethod::Wilson => "wilson-clustered",
                    CiMethod::ClopperPearson => "clopper-pearson-clustered",
                };
                e.units = Some(units);
                e.design_effect = Some(if binomial > 0.0 {
                    v.max(binomial) / binomial
                } else {
                    1.0
                });
            }
        }
    }

    /// Add another part of the same run (a shard): every cell's tally is merged exactly.
    /// Fails, saying what differs, if the two are not parts of one run.
    pub fn merge(&mut self, other: &ResultSet) -> Result<(), String> {
        let mut mine = self.clone();
        let mut theirs = other.clone();
        for c in mine.cells.iter_mut().chain(theirs.cells.iter_mut()) {
            c.tally = Tally::default();
        }
        if mine != theirs {
            return Err("their grids, attack parameters or methods differ".into());
        }
        for (a, b) in self.cells.iter_mut().zip(&other.cells) {
            let shape = |t: &Tally| (t.by_top.len(), t.blocks.is_some(), t.weighted.is_some());
            if shape(&a.tally) != shape(&b.tally) {
                return Err(format!("their tallies for q = {} differ in shape", a.q));
            }
            a.tally.merge(&b.tally);
        }
        Ok(())
    }
}

/// Complete a timed-engine estimate: merchant z = 0 (whose rule is a listening period,
/// not a confirmation count: counted apart in the tally's extras under Monte Carlo, at
/// weight index 0 under importance sampling) and the attacker's costs (Monte Carlo only: an
/// importance-sampled path's costs are not the attack's).
fn timed_extras(e: &mut ZEstimate, info: &NetRowInfo, t: &Tally, ci: CiMethod, conf: f64) {
    use extras::{COST, Z0, Z0_COST};
    if e.tilt.is_some() {
        return;
    }
    if e.z == 0 {
        e.set_count(ci, t.extra[Z0], t.trials, conf);
    }
    let cost = if e.z == 0 {
        t.extra[Z0_COST]
    } else if info.cost_by_top {
        t.extra[COST..COST + e.z as usize + 1].iter().sum()
    } else {
        t.extra[COST..].iter().sum()
    };
    e.cost_blocks = Some(cost as f64 / t.trials.max(1) as f64);
}

#[cfg(test)]
mod tests {
    use super::GiveUp;

    #[test]
    fn give_up_words_round_trip_and_reject_others() {
        for (word, g) in [
            ("never", GiveUp::Never),
            ("12", GiveUp::Behind(12)),
            ("window-end", GiveUp::WindowEnd),
        ] {
            assert_eq!(GiveUp::try_from(word.to_string()), Ok(g));
            assert_eq!(g.to_string(), word);
        }
        assert!(GiveUp::try_from("sometimes".to_string()).is_err());
        assert!(GiveUp::try_from("-1".to_string()).is_err());
    }

    #[test]
    fn floats_survive_json_bit_for_bit() {
        // Shard files carry q, closed forms and the confidence level as JSON numbers; the
        // merged CSV must print exactly what the unsharded run prints.
        let xs: [f64; 8] = [
            0.1,
            0.3,
            1.0 / 3.0,
            1.122_406_217_058_342_6e-12,
            6.211_046_785_401_12e-15,
            5e-324,
            0.95,
            2.225_073_858_507_201e-308,
        ];
        for x in xs {
            let back: f64 = serde_json::from_str(&serde_json::to_string(&x).unwrap()).unwrap();
            assert_eq!(back.to_bits(), x.to_bits(), "{x:e}");
        }
    }
}
