//! Reading a policy file (`dslab optimize --policy-out`) back, for replay: the header
//! `a,h,fork,action` and one row per state. Every problem is a usage error naming the file,
//! the line and the fix (exit code 2).

use std::path::Path;

use super::model::{Action, Fork};
use crate::error::UsageError;

/// Largest branch length a policy file may hold (`dslab optimize --max-length` allows 2000).
pub const MAX_LENGTH: u32 = 2000;

/// The fix printed with every error.
const FIX: &str = "write the file with `dslab optimize --objective ... --policy-out FILE` \
                   (header a,h,fork,action; one row per state)";

/// A policy read from a file: an action per state of the box 0 ≤ a, h ≤ `n`.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyTable {
    /// The largest a or h in the file.
    pub n: u32,
    /// Actions indexed by [`PolicyTable::index`]; `None` where the file has no row.
    actions: Vec<Option<Action>>,
    /// Rows read.
    pub rows: usize,
}

impl PolicyTable {
    /// Index of (a, h, fork) in the box (a, h ≤ n).
    #[inline]
    pub fn index(&self, a: u32, h: u32, fork: Fork) -> usize {
        let side = self.n as usize + 1;
        (a as usize * side + h as usize) * 3 + fork as usize
    }

    /// The file's action at (a, h, fork), or `None` if the file has no row for it.
    #[inline]
    pub fn get(&self, a: u32, h: u32, fork: Fork) -> Option<Action> {
        if a > self.n || h > self.n {
            return None;
        }
        self.actions[self.index(a, h, fork)]
    }
}

/// Whether a state can occur in the game (as `model::Model::reachable`).
fn reachable(a: u32, h: u32, fork: Fork) -> bool {
    match fork {
        Fork::Irrelevant => a >= 1,
        Fork::Relevant => h >= 1,
        Fork::Active => a >= h && h >= 1,
    }
}

/// Whether an action is allowed at a state of the unbounded game.
fn allowed(a: u32, h: u32, fork: Fork, action: Action) -> bool {
    match action {
        Action::Adopt | Action::Wait => true,
        Action::Override => a > h,
        Action::Match => fork == Fork::Relevant && a >= h && h >= 1,
    }
}

fn err(file: &str, line: usize, problem: &str) -> anyhow::Error {
    let at = if line == 0 {
        String::new()
    } else {
        format!(" line {line}")
    };
    UsageError::at(
        format!("--policy '{file}'{at}"),
        format!("{problem}; {FIX}"),
    )
    .into()
}

/// Read and validate a policy file.
pub fn read(path: &Path) -> anyhow::Result<PolicyTable> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| err(&file, 0, &format!("cannot read it ({e})")))?;
    parse(&file, &text)
}

/// Parse the text of a policy file named `file` (for messages).
pub fn parse(file: &str, text: &str) -> anyhow::Result<PolicyTable> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let header = lines.by_ref().find(|(_, l)| !l.is_empty());
    match header {
        Some((_, l)) if l.split(',').map(str::trim).eq(["a", "h", "fork", "action"]) => {}
        Some((i, l)) => {
            return Err(err(
                file,
                i,
                &format!("the header is '{l}', not 'a,h,fork,action'"),
            ));
        }
        None => return Err(err(file, 0, "the file is empty")),
    }
    let mut rows = Vec::new();
    for (i, l) in lines.filter(|(_, l)| !l.is_empty()) {
        rows.push((i, row(file, i, l)?));
    }
    if rows.is_empty() {
        return Err(err(file, 0, "the file has a header but no states"));
    }
    let n = rows.iter().map(|(_, r)| r.0.max(r.1)).max().unwrap_or(0);
    let mut table = PolicyTable {
        n,
        actions: vec![None; (n as usize + 1).pow(2) * 3],
        rows: rows.len(),
    };
    let mut first_line = vec![0usize; table.actions.len()];
    for (i, (a, h, f, act)) in rows {
        let k = table.index(a, h, f);
        if table.actions[k].is_some() {
            return Err(err(
                file,
                i,
                &format!(
                    "state ({a}, {h}, {}) is also on line {}: give each state once",
                    f.name(),
                    first_line[k]
                ),
            ));
        }
        table.actions[k] = Some(act);
        first_line[k] = i;
    }
    Ok(table)
}

/// One data row: `a,h,fork,action`, checked.
fn row(file: &str, i: usize, l: &str) -> anyhow::Result<(u32, u32, Fork, Action)> {
    let f: Vec<&str> = l.split(',').map(str::trim).collect();
    if f.len() != 4 {
        return Err(err(
            file,
            i,
            &format!("'{l}' has {} fields, not 4 (a,h,fork,action)", f.len()),
        ));
    }
    let len = |name: &str, s: &str| -> anyhow::Result<u32> {
        match s.parse::<u32>() {
            Ok(v) if v <= MAX_LENGTH => Ok(v),
            _ => Err(err(
                file,
                i,
                &format!("{name} = '{s}' is not a branch length from 0 to {MAX_LENGTH}"),
            )),
        }
    };
    let (a, h) = (len("a", f[0])?, len("h", f[1])?);
    let fork = Fork::parse(f[2]).ok_or_else(|| {
        err(
            file,
            i,
            &format!("fork = '{}' is not irrelevant, relevant or active", f[2]),
        )
    })?;
    let action = Action::parse(f[3]).ok_or_else(|| {
        err(
            file,
            i,
            &format!("action = '{}' is not adopt, override, match or wait", f[3]),
        )
    })?;
    if !reachable(a, h, fork) {
        return Err(err(
            file,
            i,
            &format!(
                "state ({a}, {h}, {}) cannot occur (irrelevant needs a ≥ 1, relevant h ≥ 1, \
                 active a ≥ h ≥ 1)",
                fork.name()
            ),
        ));
    }
    if !allowed(a, h, fork, action) {
        return Err(err(
            file,
            i,
            &format!(
                "{action} is not allowed at ({a}, {h}, {}) (override needs a > h; match needs \
                 fork relevant and a ≥ h ≥ 1)",
                fork.name()
            ),
        ));
    }
    Ok((a, h, fork, action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_reports_the_line_of_a_bad_one() {
        let t = parse(
            "p.csv",
            "a,h,fork,action\n1,0,irrelevant,wait\n0,1,relevant,adopt\n",
        )
        .unwrap();
        assert_eq!(t.n, 1);
        assert_eq!(t.get(1, 0, Fork::Irrelevant), Some(Action::Wait));
        assert_eq!(t.get(1, 1, Fork::Relevant), None);
        assert_eq!(t.get(5, 0, Fork::Irrelevant), None);
        let e = parse(
            "p.csv",
            "a,h,fork,action\n1,0,irrelevant,wait\n1,1,relevant,override\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 3") && e.contains("override"), "{e}");
        let dup = parse(
            "p.csv",
            "a,h,fork,action\n1,0,irrelevant,wait\n1,0,irrelevant,adopt\n",
        )
        .unwrap_err()
        .to_string();
        assert!(dup.contains("line 3") && dup.contains("line 2"), "{dup}");
        assert!(parse("p.csv", "").is_err());
        assert!(parse("p.csv", "x,y\n").is_err());
    }
}
