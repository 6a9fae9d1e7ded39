//! A policy file (`dslab optimize --policy-out`) as a strategy of the MDP's mining game.
//!
//! States the file does not cover (outside its box, or rows left out) are decided by the
//! fallback rule [`super::fallback`]: override if ahead, else adopt — the solver's own rule
//! at the edge of its box. Those decisions are counted and reported.

use std::path::Path;

use super::super::Info;
use crate::blockrace::game::{Action, Fork, GameStrategy};
use crate::mdp::read::{self, PolicyTable};

/// The registry entry.
pub const INFO: Info = Info {
    name: "policy",
    summary: "a policy file of `dslab optimize --policy-out` replayed in the MDP's mining game",
    gives_up: true,
    first_z: 1,
    convention_closed_form: true,
};

/// A policy read from a file.
#[derive(Clone, Debug)]
pub struct PolicyStrategy {
    /// The file's table.
    pub table: PolicyTable,
}

impl PolicyStrategy {
    /// Read and validate `path` (usage errors name the file, the line and the fix).
    pub fn load(path: &Path) -> anyhow::Result<PolicyStrategy> {
        Ok(PolicyStrategy {
            table: read::read(path)?,
        })
    }

    /// Box side for exact evaluation: one more than the file's, so that every action of
    /// the file stays inside and the states just outside get the fallback rule, as in play.
    pub fn box_side(&self) -> u32 {
        self.table.n + 1
    }
}

impl super::GameAttack for PolicyStrategy {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn box_side(&self, _alpha: f64) -> u32 {
        self.box_side()
    }

    fn revenue_is_evaluated(&self) -> bool {
        true
    }

    fn revenue_reference(&self, _: f64, _: f64, exact: &super::Exact) -> (f64, &'static str) {
        (exact.revenue, "policy-evaluation")
    }

    fn stream(&self) -> u64 {
        1
    }
}

impl GameStrategy for PolicyStrategy {
    #[inline]
    fn act(&self, a: u32, h: u32, fork: Fork) -> (Action, bool) {
        match self.table.get(a, h, fork) {
            Some(act) => (act, false),
            None => (super::fallback(a, h), true),
        }
    }
}
