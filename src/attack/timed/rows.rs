//! The closed-form columns, waits and row labels of a timed attack's cells.

use super::NetExperiment;
use crate::estimate::results::{GiveUp, NetRowInfo};
use crate::net::preset;

impl NetExperiment {
    /// Zero-latency closed form of merchant z at share q, where one exists.
    pub fn closed_form(&self, q: f64, z: u32) -> Option<f64> {
        self.attack.get().closed_form(q, z, &self.setting())
    }

    /// log10 of [`Self::closed_form`], from a log-space evaluation where the attack has
    /// one (so it is right below 1e-308 too); None where there is no closed form or it is 0.
    pub fn closed_form_log10(&self, q: f64, z: u32) -> Option<f64> {
        self.attack.get().closed_form_log10(q, z, &self.setting())
    }

    /// Seconds the attacker waits before an attempt can start (finding its block(s)).
    pub fn wait_seconds(&self, q: f64) -> Option<f64> {
        let blocks = self.attack.get().blocks_before_attempt();
        if blocks == 0.0 {
            return Some(0.0);
        }
        (q > 0.0).then(|| blocks * self.network.block_interval / q)
    }

    /// Head start and give-up as the rows state them.
    pub fn row_labels(&self) -> (Option<u32>, GiveUp) {
        self.attack.get().row_labels()
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
            network: preset::label(&self.network),
            stale_rate,
            wait_seconds: self.wait_seconds(q),
            cost_by_top: self.attack.get().cost_by_top(),
            sweep_parameter: sweep.0,
            sweep_value: sweep.1,
        }
    }
}
