//! The raw result of a grid run, before rows: per cell its tally, how it was sampled and
//! the closed forms. Unsharded runs, shards and merges all render `reversal.csv` from this
//! one type with [`ResultSet::rows`], which is what makes merged shards byte-identical to
//! an unsharded run.

use serde::{Deserialize, Serialize};

use super::rows::{ReversalRow, RowContext, Sampled, rows_for_sampled_cell};
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
            c.exact.get(i).copied().flatten()
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
