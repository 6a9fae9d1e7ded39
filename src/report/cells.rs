//! The raw result of a grid run, before rows: per cell its tally, how it was sampled and
//! the closed forms. Unsharded runs, shards and merges all render `reversal.csv` from this
//! one type with [`ResultSet::rows`], which is what makes merged shards byte-identical to
//! an unsharded run.

use serde::{Deserialize, Serialize};

use super::rows::{ReversalRow, RowContext, Sampled, rows_for_sampled_cell};
use crate::analytic::Probability;
use crate::sim::tally::Tally;
use crate::stats::CiMethod;

/// Everything `reversal.csv` is rendered from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    /// Attack name.
    pub attack: String,
    /// Tie rule as text.
    pub tie: String,
    /// Head start k.
    pub premined: u32,
    /// Give-up as text.
    pub give_up: String,
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

/// The columns a network attack's rows add, fixed before the run (see `crate::net::rows`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetRowInfo {
    /// The network (`none` or `random-<nodes>`).
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

impl ResultSet {
    /// The rows of `reversal.csv`, in cell order (q-major; sweep points first for a sweep).
    pub fn rows(&self) -> Vec<ReversalRow> {
        (0..self.cells.len())
            .flat_map(|i| self.cell_rows(i, &self.cells[i].tally, self.rel_error))
            .collect()
    }

    /// The rows cell `i` has with `tally`, judged against the relative precision `target`
    /// (the stop rule of a target-precision run reads exactly these rows).
    pub fn cell_rows(&self, i: usize, tally: &Tally, target: Option<f64>) -> Vec<ReversalRow> {
        let c = &self.cells[i];
        let ctx = RowContext {
            attack: &self.attack,
            tie: self.tie.clone(),
            premined: self.premined,
            give_up: self.give_up.clone(),
            ci: self.ci,
            confidence: self.confidence,
        };
        let how = Sampled {
            tilt: c.tilt,
            rel_target: target,
        };
        let exact = |z: u32| {
            let i = self.zs.iter().position(|&x| x == z)?;
            let value = c.exact.get(i).copied().flatten()?;
            Some(match c.exact_log10.get(i) {
                Some(&log10) => Probability {
                    value,
                    log10: log10.unwrap_or(f64::NEG_INFINITY),
                },
                None => Probability::from_value(value),
            })
        };
        let mut rows = rows_for_sampled_cell(&ctx, c.q, &self.zs, tally, exact, how);
        if let Some(info) = &c.net {
            crate::net::rows::finish_rows(&mut rows, info, tally, &ctx, how);
        }
        rows
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

#[cfg(test)]
mod tests {
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

#[cfg(test)]
mod log10_tests {
    use super::*;

    fn set(exact: Vec<Option<f64>>, exact_log10: Vec<Option<f64>>) -> ResultSet {
        let mut tally = Tally::new(1000, false);
        tally.add(-1, false);
        ResultSet {
            attack: "majority".into(),
            tie: "first-seen".into(),
            premined: 1,
            give_up: "never".into(),
            ci: CiMethod::Wilson,
            confidence: 0.95,
            zs: vec![6, 1000],
            rel_error: None,
            cells: vec![CellResult {
                q: 0.1,
                tilt: None,
                exact,
                exact_log10,
                tally,
                net: None,
            }],
        }
    }

    #[test]
    fn rows_take_the_closed_forms_log10_from_its_log_space_value() {
        let s = set(
            vec![Some(5.914e-4), Some(0.0)],
            vec![Some(-3.228), Some(-445.349)],
        );
        let rows = s.rows();
        assert_eq!(rows[0].log10_exact, Some(-3.228));
        assert_eq!(
            (rows[1].exact, rows[1].log10_exact),
            (Some(0.0), Some(-445.349))
        );
    }

    #[test]
    fn shard_json_without_log10_still_reads_and_falls_back_to_the_value() {
        let s = set(vec![Some(5.914e-4), Some(0.0)], vec![]);
        let mut json = serde_json::to_value(&s).unwrap();
        json["cells"][0]
            .as_object_mut()
            .unwrap()
            .remove("exact_log10");
        let back: ResultSet = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
        let rows = back.rows();
        assert_eq!(rows[0].log10_exact, Some(5.914e-4f64.log10()));
        assert_eq!(rows[1].log10_exact, None);
    }
}
