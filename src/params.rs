//! Parsing and validation of the values users type: q lists, z ranges, tie rules.
//!
//! Everything here returns [`crate::error::UsageError`]-backed errors that name the flag
//! (or file key), the value and the fix, so callers only pass the name along.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::usage;

/// Parse a list of hash shares: `0.1,0.2,0.3` or `start:stop:step` (inclusive).
///
/// Steps are computed as `start + i * step` and rounded to 12 decimals, never by repeated
/// addition, so `0.05:0.45:0.05` gives exactly the nine values a user reads.
pub fn parse_share_list(flag: &str, s: &str) -> anyhow::Result<Vec<f64>> {
    let values = if s.contains(':') {
        parse_stepped(flag, s)?
    } else {
        s.split(',')
            .map(|t| parse_f64(flag, s, t))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    if values.is_empty() {
        return Err(usage(flag, s, "give at least one value, e.g. 0.1,0.3"));
    }
    for &v in &values {
        if !(0.0..=1.0).contains(&v) {
            return Err(usage(
                flag,
                s,
                &format!("{v} is outside [0, 1]; hash shares are fractions of the total"),
            ));
        }
    }
    Ok(values)
}

/// [`parse_share_list`] for simulations: q = 1 is refused, since with no honest miner no
/// honest block ever arrives and a trial could never end.
pub fn parse_simulated_shares(flag: &str, s: &str) -> anyhow::Result<Vec<f64>> {
    let qs = parse_share_list(flag, s)?;
    if qs.contains(&1.0) {
        return Err(usage(
            flag,
            s,
            "q = 1 leaves no honest miner, so no honest block ever arrives and a trial never \
             ends; simulate q < 1 (closed forms for any q: dslab exact)",
        ));
    }
    Ok(qs)
}

fn parse_f64(flag: &str, whole: &str, t: &str) -> anyhow::Result<f64> {
    let t = t.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(usage(
            flag,
            whole,
            &format!(
                "'{t}' is not a number; use a list like 0.1,0.2 or a range like 0.05:0.45:0.05"
            ),
        )),
    }
}

fn parse_stepped(flag: &str, s: &str) -> anyhow::Result<Vec<f64>> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 3 {
        return Err(usage(
            flag,
            s,
            "a stepped list is start:stop:step, e.g. 0.05:0.45:0.05",
        ));
    }
    let (a, b, step) = (
        parse_f64(flag, s, parts[0])?,
        parse_f64(flag, s, parts[1])?,
        parse_f64(flag, s, parts[2])?,
    );
    if step <= 0.0 {
        return Err(usage(flag, s, "the step must be positive"));
    }
    if b < a {
        return Err(usage(
            flag,
            s,
            "the range is reversed: start must not exceed stop",
        ));
    }
    let n = ((b - a) / step + 1e-9).floor() as u64;
    if n > 100_000 {
        return Err(usage(
            flag,
            s,
            "that is more than 100000 values; use a larger step",
        ));
    }
    Ok((0..=n)
        .map(|i| ((a + i as f64 * step) * 1e12).round() / 1e12)
        .collect())
}

/// Largest confirmation count accepted anywhere (closed forms and simulations).
pub const MAX_Z: u32 = 100_000;

/// Parse confirmation counts: `0..10` (inclusive) or `0,1,6`. Returns sorted, unique values.
pub fn parse_z_list(flag: &str, s: &str) -> anyhow::Result<Vec<u32>> {
    let bad = |fix: &str| usage(flag, s, fix);
    let mut zs: Vec<u32> = if let Some((a, b)) = s.split_once("..") {
        let a = parse_u32(flag, s, a)?;
        let b = parse_u32(flag, s, b.trim_start_matches('='))?;
        if b < a {
            return Err(bad("the range is reversed; write it low..high, e.g. 0..10"));
        }
        (a..=b).collect()
    } else {
        s.split(',')
            .map(|t| parse_u32(flag, s, t))
            .collect::<anyhow::Result<_>>()?
    };
    if zs.is_empty() {
        return Err(bad(
            "give at least one confirmation count, e.g. 0..10 or 0,1,6",
        ));
    }
    zs.sort_unstable();
    zs.dedup();
    if zs.last().is_some_and(|&z| z > MAX_Z) {
        return Err(bad(&format!(
            "confirmation counts above {MAX_Z} are not supported"
        )));
    }
    Ok(zs)
}

fn parse_u32(flag: &str, whole: &str, t: &str) -> anyhow::Result<u32> {
    t.trim().parse::<u32>().map_err(|_| {
        usage(
            flag,
            whole,
            &format!(
                "'{}' is not a non-negative integer; use 0..10 or 0,1,6",
                t.trim()
            ),
        )
    })
}

/// What honest nodes do when two branches have equal work.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum TieRule {
    /// Keep the first-seen branch (Bitcoin Core): the attacker needs a strictly longer one.
    FirstSeen,
    /// A fraction `gamma` of honest hash rate switches to the attacker's branch on a tie.
    Gamma(f64),
}

impl TieRule {
    /// Fraction of honest hash rate that mines on the attacker's branch during a tie.
    pub fn gamma(self) -> f64 {
        match self {
            TieRule::FirstSeen => 0.0,
            TieRule::Gamma(g) => g,
        }
    }

    /// Parse `first-seen` or `gamma=G` with G in [0, 1].
    pub fn parse(flag: &str, s: &str) -> anyhow::Result<TieRule> {
        if s == "first-seen" {
            return Ok(TieRule::FirstSeen);
        }
        let fix = "use first-seen or gamma=G with G in [0, 1], e.g. gamma=0.5";
        let g = s
            .strip_prefix("gamma=")
            .and_then(|g| g.parse::<f64>().ok())
            .ok_or_else(|| usage(flag, s, fix))?;
        if !(0.0..=1.0).contains(&g) {
            return Err(usage(flag, s, fix));
        }
        Ok(TieRule::Gamma(g))
    }
}

impl fmt::Display for TieRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TieRule::FirstSeen => write!(f, "first-seen"),
            TieRule::Gamma(g) => write!(f, "gamma={g}"),
        }
    }
}

/// The counting convention of a reversal probability: head start and tie rule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Convention {
    /// Blocks the attacker holds on its private branch when the honest network starts on
    /// the payment's block (k).
    pub premined: u32,
    /// The tie rule of honest nodes.
    pub tie: TieRule,
}

impl Convention {
    /// Bitcoin Core's behaviour and dslab's default: first-seen, no head start.
    pub const DEFAULT: Convention = Convention {
        premined: 0,
        tie: TieRule::FirstSeen,
    };
    /// The literature's convention (Nakamoto, Rosenfeld, Grunspan–Pérez-Marco): a tie wins
    /// with no head start, which equals first-seen with one pre-mined block.
    pub const CLASSICAL: Convention = Convention {
        premined: 1,
        tie: TieRule::FirstSeen,
    };
}

impl fmt::Display for Convention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tie {}, head start k = {}", self.tie, self.premined)?;
        if *self == Convention::CLASSICAL {
            write!(f, " (the classical convention)")?;
        }
        Ok(())
    }
}

/// Largest give-up deficit: the exact evaluation with a give-up takes memory linear in it
/// (16 bytes per block of depth), so 1e6 blocks stay within 16 MB.
pub const MAX_GIVE_UP: u32 = 1_000_000;

/// Check a give-up deficit `d` given as `what` (a flag or a file key): 1 ..= [`MAX_GIVE_UP`].
pub fn check_give_up(what: &str, d: u32) -> anyhow::Result<()> {
    if d == 0 || d > MAX_GIVE_UP {
        return Err(crate::error::usage(
            what,
            d,
            &format!("use a deficit of 1 to {MAX_GIVE_UP} blocks (or leave it out: never give up)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stepped_lists_have_exact_values() {
        let v = parse_share_list("--q", "0.05:0.45:0.05").unwrap();
        assert_eq!(v.len(), 9);
        assert_eq!(v[2], 0.15);
        assert_eq!(v[8], 0.45);
    }

    #[test]
    fn z_ranges_are_inclusive_and_sorted() {
        assert_eq!(parse_z_list("--z", "0..3").unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(parse_z_list("--z", "6,0,1").unwrap(), vec![0, 1, 6]);
        assert!(parse_z_list("--z", "5..2").is_err());
        assert!(parse_z_list("--z", "").is_err());
        assert!(parse_z_list("--z", "1,x").is_err());
    }

    #[test]
    fn shares_outside_unit_interval_are_rejected() {
        assert!(parse_share_list("--q", "0.1,1.2").is_err());
        assert!(parse_share_list("--q", "-0.1").is_err());
        assert!(parse_share_list("--q", "0.4:0.1:0.1").is_err());
    }

    #[test]
    fn tie_rules_parse() {
        assert_eq!(
            TieRule::parse("--tie", "gamma=0.5").unwrap(),
            TieRule::Gamma(0.5)
        );
        assert_eq!(
            TieRule::parse("--tie", "first-seen").unwrap(),
            TieRule::FirstSeen
        );
        assert!(TieRule::parse("--tie", "gamma=2").is_err());
        assert!(TieRule::parse("--tie", "coin-flip").is_err());
    }
}
