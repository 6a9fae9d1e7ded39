//! Closed forms of the zero-latency limit, the attacker's costs and the rows of
//! `reversal.csv` for the network attacks.

use super::cell::{COST, NetAttack, NetExperiment, Z0, Z0_COST};
use super::spec::{Incoming, NetworkModel, RaceVariant};
use super::{finney, vector76};
use crate::analytic;
use crate::params::{Convention, TieRule};
use crate::report::ReversalRow;
use crate::report::cells::NetRowInfo;
use crate::report::rows::{RowContext, Sampled};
use crate::sim::tally::Tally;
use crate::stats::{CiMethod, interval};

impl NetExperiment {
    /// Zero-latency closed form of merchant z at share q, where one exists.
    pub fn closed_form(&self, q: f64, z: u32) -> Option<f64> {
        let t = self.network.block_interval;
        let listen = self.merchant.listening_period;
        match &self.attack {
            NetAttack::Finney(f) => (q > 0.0).then(|| finney::closed_form(f, q, z, listen / t)),
            NetAttack::Race(r) => match r.variant {
                RaceVariant::FirstSeen => None,
                RaceVariant::Rbf if z >= 1 => Some(0.0),
                RaceVariant::Rbf if r.replace_after <= listen => Some(0.0),
                RaceVariant::Rbf => {
                    Some(q + (1.0 - q) * self.rbf_hash_share() * (-r.replace_after / t).exp())
                }
            },
            NetAttack::Vector76(_) => match (self.merchant.incoming, z) {
                (Incoming::Deny, _) | (_, 0) => Some(0.0),
                // The zero-latency limit assumes the merchant always sees the attacker's
                // block first; on a real network that is the very race being measured, so
                // the limit (1 at z = 1) would mislead beside the estimate: leave it empty.
                (Incoming::Allow, _) if self.network.model != NetworkModel::None => None,
                (Incoming::Allow, z) => Some(vector76::closed_form(q, z)),
            },
            NetAttack::Majority { premined, give_up } => {
                let conv = Convention {
                    premined: *premined,
                    tie: TieRule::FirstSeen,
                };
                if z == 0 && listen > 0.0 {
                    return None;
                }
                Some(match give_up {
                    Some(d) => analytic::exact_with_give_up(q, z, conv, *d),
                    None => analytic::exact(q, z, conv).value,
                })
            }
        }
    }

    /// log10 of [`Self::closed_form`], from the log-space evaluation where the closed form
    /// is the head-start race without give-up (so it is right below 1e-308 too); None where
    /// there is no closed form or it is 0.
    pub fn closed_form_log10(&self, q: f64, z: u32) -> Option<f64> {
        let value = self.closed_form(q, z)?;
        let premined = match &self.attack {
            NetAttack::Finney(f) if z >= 1 && f.give_up.is_none() => Some(1),
            NetAttack::Majority {
                premined,
                give_up: None,
            } => Some(*premined),
            _ => None,
        };
        let l = match premined {
            Some(k) if q > 0.0 => {
                let conv = Convention {
                    premined: k,
                    tie: TieRule::FirstSeen,
                };
                analytic::exact(q, z, conv).log10
            }
            _ => value.log10(),
        };
        l.is_finite().then_some(l)
    }

    /// Honest hash share (of the honest total) running full-RBF: leading miners whose
    /// cumulative share is within `rbf_share` (see the topology's policy assignment).
    pub fn rbf_hash_share(&self) -> f64 {
        let mut cum = 0.0;
        let mut rbf = 0.0;
        for s in self.network.shares() {
            cum += s;
            if cum <= self.network.rbf_share + 1e-9 {
                rbf = cum;
            }
        }
        rbf
    }

    /// Seconds the attacker waits before an attempt can start (finding its block(s)).
    pub fn wait_seconds(&self, q: f64) -> Option<f64> {
        let t = self.network.block_interval;
        let blocks = match &self.attack {
            NetAttack::Race(_) => return Some(0.0),
            NetAttack::Majority { premined, .. } => f64::from(*premined),
            _ => 1.0,
        };
        if blocks == 0.0 {
            return Some(0.0);
        }
        (q > 0.0).then(|| blocks * t / q)
    }

    /// Head start, give-up and name of the rows (their context apart from the interval).
    pub fn row_context(&self) -> RowContext<'static> {
        let (premined, give_up) = match &self.attack {
            NetAttack::Finney(f) => (1, f.give_up),
            NetAttack::Vector76(_) => (1, None),
            NetAttack::Race(_) => (0, None),
            NetAttack::Majority { premined, give_up } => (*premined, *give_up),
        };
        RowContext {
            attack: self.name(),
            tie: "first-seen".into(),
            premined,
            give_up: give_up.map_or("never".into(), |d| d.to_string()),
            ci: CiMethod::Wilson,
            confidence: 0.95,
        }
    }

    /// The network columns of the rows of share `q` (this experiment is one sweep point;
    /// `sweep` is the swept parameter and its shown value here).
    pub fn row_info(
        &self,
        q: f64,
        stale_rate: f64,
        sweep: (Option<String>, Option<String>),
    ) -> NetRowInfo {
        NetRowInfo {
            network: match self.network.model {
                NetworkModel::None => "none".into(),
                NetworkModel::Random => format!("random-{}", self.network.nodes),
            },
            stale_rate,
            wait_seconds: self.wait_seconds(q),
            cost_by_top: matches!(
                self.attack,
                NetAttack::Finney(_) | NetAttack::Majority { .. }
            ),
            sweep_parameter: sweep.0,
            sweep_value: sweep.1,
        }
    }
}

/// Complete the rows of one network cell: merchant z = 0 (whose rule is a listening period,
/// not a confirmation count: counted apart in the tally's extras under Monte Carlo, at
/// weight index 0 under importance sampling), the attacker's costs (Monte Carlo only: an
/// importance-sampled path's costs are not the attack's) and the network columns.
pub fn finish_rows(
    rows: &mut [ReversalRow],
    info: &NetRowInfo,
    t: &Tally,
    ctx: &RowContext<'_>,
    how: Sampled,
) {
    let n = t.trials.max(1) as f64;
    let plain = how.tilt.is_none();
    for row in rows.iter_mut() {
        let z = row.z;
        if z == 0 && plain {
            let k = t.extra[Z0];
            let ci = interval(ctx.ci, k, t.trials, ctx.confidence);
            let p = k as f64 / n;
            row.successes = k;
            row.probability = p;
            row.ci_low = ci.low;
            row.ci_high = ci.high;
            row.std_error = Some((p * (1.0 - p) / n).sqrt());
            row.rel_error = (p > 0.0).then(|| (ci.high - ci.low) / 2.0 / p);
            row.set_log10_from_values();
            if let Some(e) = how.rel_target {
                let met = row.rel_error.is_some_and(|r| r <= e);
                row.stop = if met { "target" } else { "cap" }.into();
            }
        }
        if plain {
            let cost = if z == 0 {
                t.extra[Z0_COST]
            } else if info.cost_by_top {
                t.extra[COST..COST + z as usize + 1].iter().sum()
            } else {
                t.extra[COST..].iter().sum()
            };
            row.cost_blocks = Some(cost as f64 / n);
        }
        row.wait_seconds = info.wait_seconds;
        row.stale_rate = Some(info.stale_rate);
        row.network = Some(info.network.clone());
        row.sweep_parameter.clone_from(&info.sweep_parameter);
        row.sweep_value.clone_from(&info.sweep_value);
    }
}
