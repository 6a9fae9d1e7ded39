//! The majority attack on the zero-latency block race (`crate::blockrace`), its default
//! engine: the validated parameters, the block source (the Poisson model or real
//! SHA-256d mining), and the cells of a grid with their closed forms.

use serde::Serialize;

use crate::analytic;
use crate::attack::Registered;
use crate::blockrace::McCell;
use crate::blockrace::is::{IsCell, RaceCell};
use crate::blockrace::pow_source::PowCell;
use crate::estimate::results::{CellResult, GiveUp, ResultSet};
use crate::estimate::tally::Tally;
use crate::estimate::weighted::Tilt;
use crate::params::Convention;
use crate::policy::PrivateBranch;
use crate::pow::Target;
use crate::stats::CiMethod;

/// The majority attack's validated parameters on the block race.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RaceMajority {
    /// Head start and tie rule.
    pub convention: Convention,
    /// Deficit at which the attacker abandons (`None`: never).
    pub give_up: Option<u32>,
    /// Walk every trial to its end instead of resolving the tail exactly.
    pub walk: bool,
}

/// A block-race experiment's attack and block source.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockRace {
    /// The attack.
    pub attack: RaceMajority,
    /// `Some(bits)`: every block is found by real SHA-256d mining at `bits` leading zero
    /// bits (2^bits hashes per block on average); `None`: drawn from the Poisson model.
    pub pow_bits: Option<u32>,
}

/// Serialised as `{"kind": "majority", ...}` or `{"kind": "majority-pow", "majority":
/// ..., "bits": ...}`, the forms of earlier builds, so fingerprints, checkpoints and shards
/// keep their meaning.
impl Serialize for BlockRace {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Tagged<'a, T: Serialize> {
            kind: &'a str,
            #[serde(flatten)]
            inner: &'a T,
        }
        #[derive(Serialize)]
        struct Pow<'a> {
            majority: &'a RaceMajority,
            bits: u32,
        }
        match self.pow_bits {
            None => Tagged {
                kind: "majority",
                inner: &self.attack,
            }
            .serialize(ser),
            Some(bits) => Tagged {
                kind: "majority-pow",
                inner: &Pow {
                    majority: &self.attack,
                    bits,
                },
            }
            .serialize(ser),
        }
    }
}

/// What a block-race grid needs from the experiment.
#[derive(Clone, Copy, Debug)]
pub struct RaceGrid<'a> {
    /// Attacker shares, one cell each.
    pub qs: &'a [f64],
    /// Confirmation counts (sorted, non-empty).
    pub zs: &'a [u32],
    /// Interval method.
    pub ci: CiMethod,
    /// Interval confidence.
    pub confidence: f64,
    /// Target relative half-width of a precision run.
    pub rel_error: Option<f64>,
}

impl RaceMajority {
    /// One line for headers and plots.
    pub fn describe(&self) -> String {
        let give_up = self.give_up.map_or(
            "never gives up (rest of race resolved exactly)".to_string(),
            |d| format!("gives up {d} blocks behind"),
        );
        format!(
            "majority attack, zero-latency block race; {}; attacker {give_up}",
            self.convention
        )
    }

    /// The closed form of merchant z at share q.
    pub fn closed_form(&self, q: f64, z: u32) -> f64 {
        match self.give_up {
            Some(d) => analytic::exact_with_give_up(q, z, self.convention, d),
            None => analytic::exact(q, z, self.convention).value,
        }
    }

    /// Its log10, from the log-space sum where there is one (right below 1e-308 too).
    pub fn closed_form_log10(&self, q: f64, z: u32) -> Option<f64> {
        let l = match self.give_up {
            Some(_) => self.closed_form(q, z).log10(),
            None => analytic::exact(q, z, self.convention).log10,
        };
        l.is_finite().then_some(l)
    }

    /// Rough single-thread cost of one trial in ns (for `dslab run`'s time estimate), from
    /// CPU-time measurements of the built-in lab on the reference machine (2.45 GHz EPYC):
    /// about 10 ns per trial plus 3.8 ns per block walked. A trial walks
    /// until the honest chain has z_max + k blocks ((z_max + k + 1) / p blocks in all)
    /// and, for q > 1/2, on until the attacker wins (about (z_max + k + 1) / (q − p) more).
    pub fn trial_ns(&self, q: f64, z_max: u32) -> f64 {
        let z = f64::from(z_max + self.convention.premined + 1);
        let p = 1.0 - q;
        let win = if q > 0.5 { z / (q - p) } else { 0.0 };
        10.0 + 3.8 * (z / p.max(0.01) + win)
    }
}

impl BlockRace {
    /// The attack's name in output files.
    pub fn name(&self) -> &'static str {
        super::MajoritySpec::INFO.name
    }

    /// One line for headers and plots.
    pub fn describe(&self) -> String {
        match self.pow_bits {
            None => self.attack.describe(),
            Some(bits) => format!(
                "{}; blocks from real SHA-256d mining at {bits} bits (2^{bits} hashes per block)",
                self.attack.describe()
            ),
        }
    }

    /// The result set (closed forms filled, tallies empty) and the engine cells of a grid;
    /// `tilt` gives the importance-sampling tilt of a cell from its share and closed forms
    /// (None: plain Monte Carlo). Real mining cannot be tilted: its cells are plain.
    pub fn cells(
        &self,
        grid: &RaceGrid<'_>,
        tilt: &dyn Fn(f64, &[f64]) -> Option<Tilt>,
    ) -> (ResultSet, Vec<RaceCell<PrivateBranch>>) {
        let m = &self.attack;
        let pow = self.pow_bits.and_then(Target::from_leading_zero_bits);
        let z_max = *grid.zs.last().expect("a grid has at least one z");
        let mut set = ResultSet {
            attack: self.name().into(),
            tie: m.convention.tie.to_string(),
            premined: Some(m.convention.premined),
            give_up: GiveUp::deficit(m.give_up),
            ci: grid.ci,
            confidence: grid.confidence,
            zs: grid.zs.to_vec(),
            rel_error: grid.rel_error,
            cells: Vec::new(),
        };
        let cells = grid
            .qs
            .iter()
            .map(|&q| {
                let gamma = m.convention.tie.gamma();
                let mut c =
                    McCell::private_branch(q, m.convention.premined, gamma, m.give_up, z_max);
                c.strategy.exact_tail = !m.walk;
                let probs: Vec<f64> = grid.zs.iter().map(|&z| m.closed_form(q, z)).collect();
                let tilt = pow.is_none().then(|| tilt(q, &probs)).flatten();
                set.cells.push(CellResult {
                    q,
                    tilt: tilt.map(|t| t.accept),
                    exact: probs.into_iter().map(Some).collect(),
                    exact_log10: grid.zs.iter().map(|&z| m.closed_form_log10(q, z)).collect(),
                    tally: Tally::default(),
                    net: None,
                });
                if let Some(tilt) = tilt {
                    RaceCell::Is(IsCell::new(c.strategy, c.setup, tilt))
                } else if let Some(target) = pow {
                    RaceCell::Pow(PowCell { cell: c, target })
                } else {
                    RaceCell::Mc(c)
                }
            })
            .collect();
        (set, cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_model_grows_with_z_and_near_one_half() {
        let m = RaceMajority {
            convention: Convention::DEFAULT,
            give_up: None,
            walk: false,
        };
        assert!(m.trial_ns(0.1, 12) < m.trial_ns(0.1, 40));
        assert!(m.trial_ns(0.45, 12) > m.trial_ns(0.1, 12));
        assert!(m.trial_ns(0.55, 12) > m.trial_ns(0.7, 12));
        assert!(m.trial_ns(0.5, 12).is_finite());
    }
}
