//! Policy files: one row per state, `a,h,fork,action`, for replay by a block-race strategy.

use super::model::{Action, Fork, Model};
use super::solve::Policy;

/// One row of a policy file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    /// Attacker's branch length since the last common block.
    pub a: u32,
    /// Honest branch length since the last common block.
    pub h: u32,
    /// `irrelevant`, `relevant` or `active`.
    pub fork: String,
    /// `adopt`, `override`, `match` or `wait`.
    pub action: String,
}

/// The rows of a policy of `model`, for every state that can occur, ordered by (a, h, fork).
pub fn rows(model: &Model, policy: &Policy) -> Vec<Row> {
    let mut out = Vec::new();
    for a in 0..=model.n {
        for h in 0..=model.n {
            for f in Fork::ALL {
                if !model.reachable(a, h, f) {
                    continue;
                }
                if let Some(act) = policy[model.index(a, h, f)] {
                    out.push(Row {
                        a,
                        h,
                        fork: f.name().into(),
                        action: act.name().into(),
                    });
                }
            }
        }
    }
    out
}

/// Parse one row back (for strategies loading a policy file); `None` on an unknown name.
pub fn parse(row: &Row) -> Option<(u32, u32, Fork, Action)> {
    Some((
        row.a,
        row.h,
        Fork::parse(&row.fork)?,
        Action::parse(&row.action)?,
    ))
}
