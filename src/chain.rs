//! Chain presets: one small TOML file per chain (`chains/*.toml`, compiled in), each figure
//! with its unit, date and source; parsing, validation and `--set KEY=VALUE` overrides.
//!
//! A figure the sources did not give is `value = "unknown"` with a note: nothing is
//! invented, and a command that needs an unknown figure says so (docs/chains.md).

use serde::{Deserialize, Serialize};

use crate::error::usage;

/// A preset compiled into dslab: its file name and text.
pub struct BuiltinChain {
    /// File name under `chains/`.
    pub file: &'static str,
    /// The file's text.
    pub text: &'static str,
}

/// The presets shipped with dslab, in listing order.
pub const BUILTIN: &[BuiltinChain] = &[
    BuiltinChain {
        file: "btc.toml",
        text: include_str!("../chains/btc.toml"),
    },
    BuiltinChain {
        file: "bch.toml",
        text: include_str!("../chains/bch.toml"),
    },
    BuiltinChain {
        file: "ltc.toml",
        text: include_str!("../chains/ltc.toml"),
    },
    BuiltinChain {
        file: "doge.toml",
        text: include_str!("../chains/doge.toml"),
    },
    BuiltinChain {
        file: "etc.toml",
        text: include_str!("../chains/etc.toml"),
    },
    BuiltinChain {
        file: "btg.toml",
        text: include_str!("../chains/btg.toml"),
    },
    BuiltinChain {
        file: "xmr.toml",
        text: include_str!("../chains/xmr.toml"),
    },
];

/// The figure keys of a preset, in file order; also the keys `--set` accepts.
pub const KEYS: &[&str] = &[
    "block_interval",
    "block_reward",
    "fees",
    "difficulty_window",
    "hashrate",
    "rental_hashrate",
    "rental_price",
    "stale_rate",
    "price",
];

/// A figure's value: a number, or the word `unknown`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A known number in the figure's unit.
    Number(f64),
    /// Must be `unknown` (checked by [`Chain::validate`]).
    Text(String),
}

/// One figure: value, unit, the date it holds and where it comes from.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    /// The number, or `unknown`.
    pub value: Value,
    /// Its unit, e.g. `s`, `BTC`, `EH/s`.
    pub unit: String,
    /// YYYY-MM-DD (or YYYY-MM, or `undated` with a note); required with a number.
    #[serde(default)]
    pub date: Option<String>,
    /// Where the figure comes from; required with a number.
    #[serde(default)]
    pub source: Option<String>,
    /// Why a figure is unknown or undated, or how to read it.
    #[serde(default)]
    pub note: Option<String>,
}

impl Figure {
    /// The number, if known.
    pub fn number(&self) -> Option<f64> {
        match self.value {
            Value::Number(v) => Some(v),
            Value::Text(_) => None,
        }
    }

    /// The value for a listing: the number or `unknown`.
    pub fn shown(&self) -> String {
        self.number()
            .map_or_else(|| "unknown".to_string(), |v| v.to_string())
    }
}

/// A chain preset.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Chain {
    /// The name `--chain` takes, e.g. `BTC`.
    pub name: String,
    /// The chain's full name.
    pub title: String,
    /// Its coin's ticker, the unit of rewards and fees.
    pub coin: String,
    /// Its proof-of-work function.
    pub pow: String,
    /// Mean block interval, seconds.
    pub block_interval: Figure,
    /// Block subsidy, in the chain's coin.
    pub block_reward: Figure,
    /// Typical fees per block, in the chain's coin.
    pub fees: Figure,
    /// Blocks over which difficulty adjusts (how long an attack runs before it reacts).
    pub difficulty_window: Figure,
    /// Network hash rate, in the unit the figure names.
    pub hashrate: Figure,
    /// Hash rate a rental market offers, in the hash-rate unit.
    pub rental_hashrate: Figure,
    /// Rental price, BTC per unit hash rate per day.
    pub rental_price: Figure,
    /// Share of blocks that go stale (the network model's stale rate).
    pub stale_rate: Figure,
    /// The coin's price in BTC per coin (converts rental prices, paid in BTC, to the coin).
    pub price: Figure,
}

/// Hash-rate units a preset may use (1 Sol/s of Equihash counts as one unit).
const HASH_UNITS: &[&str] = &[
    "H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s", "EH/s", "Sol/s", "kSol/s", "MSol/s",
];

impl Chain {
    /// Parse and validate a preset; errors name `origin` (the file) and the key.
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Chain> {
        let chain: Chain = toml::from_str(text).map_err(|e| {
            usage(
                origin,
                e.message().trim(),
                &format!(
                    "fix the preset file{}; keys: name, title, coin, pow, {} (docs/chains.md)",
                    e.span()
                        .map(|s| format!(
                            " near line {}",
                            text[..s.start].matches('\n').count() + 1
                        ))
                        .unwrap_or_default(),
                    KEYS.join(", ")
                ),
            )
        })?;
        chain.validate(origin)?;
        Ok(chain)
    }

    /// The built-in preset named `name` (any case), or a usage error naming `--chain`.
    pub fn builtin(name: &str) -> anyhow::Result<Chain> {
        for b in BUILTIN {
            let c = Chain::parse(b.text, &format!("chains/{}", b.file))?;
            if c.name.eq_ignore_ascii_case(name) {
                return Ok(c);
            }
        }
        Err(usage(
            "--chain",
            name,
            &format!(
                "use one of {} (dslab chains lists them), or --chain-file PATH",
                builtin_names().join(", ")
            ),
        ))
    }

    /// Every built-in preset, parsed.
    pub fn all_builtin() -> anyhow::Result<Vec<Chain>> {
        BUILTIN
            .iter()
            .map(|b| Chain::parse(b.text, &format!("chains/{}", b.file)))
            .collect()
    }

    /// The figures in [`KEYS`] order.
    pub fn figures(&self) -> [(&'static str, &Figure); 9] {
        [
            ("block_interval", &self.block_interval),
            ("block_reward", &self.block_reward),
            ("fees", &self.fees),
            ("difficulty_window", &self.difficulty_window),
            ("hashrate", &self.hashrate),
            ("rental_hashrate", &self.rental_hashrate),
            ("rental_price", &self.rental_price),
            ("stale_rate", &self.stale_rate),
            ("price", &self.price),
        ]
    }

    fn figure_mut(&mut self, key: &str) -> Option<&mut Figure> {
        Some(match key {
            "block_interval" => &mut self.block_interval,
            "block_reward" => &mut self.block_reward,
            "fees" => &mut self.fees,
            "difficulty_window" => &mut self.difficulty_window,
            "hashrate" => &mut self.hashrate,
            "rental_hashrate" => &mut self.rental_hashrate,
            "rental_price" => &mut self.rental_price,
            "stale_rate" => &mut self.stale_rate,
            "price" => &mut self.price,
            _ => return None,
        })
    }

    /// Check every figure; errors name `origin` and the key (`chains/btc.toml: hashrate.value`).
    pub fn validate(&self, origin: &str) -> anyhow::Result<()> {
        if self.name.trim().is_empty() || self.name.contains(char::is_whitespace) {
            return Err(usage(
                &format!("{origin}: name"),
                &self.name,
                "give a short name without spaces, e.g. BTC",
            ));
        }
        for (key, fig) in self.figures() {
            check_figure(origin, key, fig)?;
        }
        if self.hashrate.unit != self.rental_hashrate.unit {
            return Err(usage(
                &format!("{origin}: rental_hashrate.unit"),
                &self.rental_hashrate.unit,
                &format!("use the network hash rate's unit, {}", self.hashrate.unit),
            ));
        }
        Ok(())
    }

    /// Apply one `--set KEY=VALUE`: the figure becomes VALUE (a number, or `unknown`),
    /// dated and sourced as the user's. Errors name `--set KEY` and list the valid keys.
    pub fn set(&mut self, assignment: &str) -> anyhow::Result<()> {
        let Some((key, value)) = assignment.split_once('=') else {
            return Err(usage(
                "--set",
                assignment,
                &format!("write KEY=VALUE with KEY one of {}", KEYS.join(", ")),
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        let what = format!("--set {key}");
        let Some(fig) = self.figure_mut(key) else {
            return Err(usage(
                &what,
                value,
                &format!("unknown key; valid keys: {}", KEYS.join(", ")),
            ));
        };
        fig.value = if value.eq_ignore_ascii_case("unknown") {
            Value::Text("unknown".into())
        } else {
            match value.parse::<f64>() {
                Ok(v) => Value::Number(v),
                Err(_) => {
                    return Err(usage(
                        &what,
                        value,
                        &format!(
                            "give a number in {} (or unknown); valid keys: {}",
                            fig.unit,
                            KEYS.join(", ")
                        ),
                    ));
                }
            }
        };
        fig.date = Some("undated".into());
        fig.source = Some("--set on the command line".into());
        fig.note = Some("set by the user".into());
        check_figure("--set", key, fig).map_err(|_| {
            usage(
                &what,
                value,
                &format!(
                    "{}; valid keys: {}",
                    rule(key).unwrap_or("out of range"),
                    KEYS.join(", ")
                ),
            )
        })
    }

    /// The attacker's share q = H / (H + network hash rate) for an attacker hash rate `h`
    /// in the preset's hash-rate unit; `None` when the network hash rate is unknown.
    pub fn attacker_share(&self, h: f64) -> Option<f64> {
        self.hashrate.number().map(|n| h / (h + n))
    }
}

/// The built-in preset names, in listing order.
pub fn builtin_names() -> Vec<String> {
    Chain::all_builtin()
        .map(|cs| cs.into_iter().map(|c| c.name).collect())
        .unwrap_or_default()
}

/// The range rule of a key's value, if it breaks one.
fn rule(key: &str) -> Option<&'static str> {
    Some(match key {
        "block_interval" | "hashrate" => "must be a positive finite number",
        "difficulty_window" => "must be a whole number of blocks, at least 1",
        "stale_rate" => "must be a fraction in [0, 1)",
        _ => "must be a finite number, 0 or more",
    })
}

fn value_ok(key: &str, v: f64) -> bool {
    if !v.is_finite() {
        return false;
    }
    match key {
        "block_interval" | "hashrate" => v > 0.0,
        "difficulty_window" => v >= 1.0 && v.fract() == 0.0,
        "stale_rate" => (0.0..1.0).contains(&v),
        _ => v >= 0.0,
    }
}

fn check_figure(origin: &str, key: &str, fig: &Figure) -> anyhow::Result<()> {
    let at = |field: &str| format!("{origin}: {key}.{field}");
    match &fig.value {
        Value::Number(v) if !value_ok(key, *v) => {
            return Err(usage(&at("value"), v, rule(key).unwrap_or("out of range")));
        }
        Value::Text(t) if t != "unknown" => {
            return Err(usage(
                &at("value"),
                t,
                "give a number, or the word unknown with a note",
            ));
        }
        Value::Text(_) if fig.note.as_deref().is_none_or(|n| n.trim().is_empty()) => {
            return Err(usage(
                &at("note"),
                "",
                "an unknown figure needs a note saying why",
            ));
        }
        _ => {}
    }
    if (key == "hashrate" || key == "rental_hashrate") && !HASH_UNITS.contains(&fig.unit.as_str()) {
        return Err(usage(
            &at("unit"),
            &fig.unit,
            &format!("use one of {}", HASH_UNITS.join(", ")),
        ));
    }
    if fig.number().is_none() {
        return Ok(());
    }
    let date = fig.date.as_deref().unwrap_or("");
    if !date_ok(date) {
        return Err(usage(
            &at("date"),
            date,
            "give the day the figure holds, YYYY-MM-DD (or YYYY-MM, or undated with a note)",
        ));
    }
    if date == "undated" && fig.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(usage(&at("note"), "", "an undated figure needs a note"));
    }
    if fig.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Err(usage(&at("source"), "", "every number needs its source"));
    }
    Ok(())
}

/// YYYY-MM-DD or YYYY-MM with a real month and day, or `undated`.
fn date_ok(d: &str) -> bool {
    if d == "undated" {
        return true;
    }
    let parts: Vec<&str> = d.split('-').collect();
    let num = |s: &str, len: usize| -> Option<u32> {
        if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (Some(y), Some(m)) = (
        parts.first().and_then(|s| num(s, 4)),
        parts.get(1).and_then(|s| num(s, 2)),
    ) else {
        return false;
    };
    if !(1..=12).contains(&m) || y < 2008 {
        return false;
    }
    match parts.len() {
        2 => true,
        3 => parts
            .get(2)
            .and_then(|s| num(s, 2))
            .is_some_and(|day| (1..=days_in(y, m)).contains(&day)),
        _ => false,
    }
}

fn days_in(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit_code;

    #[test]
    fn every_builtin_parses_and_names_are_unique() {
        let all = Chain::all_builtin().expect("presets parse");
        let mut names: Vec<_> = all.iter().map(|c| c.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), BUILTIN.len());
        for want in ["BTC", "BCH", "LTC", "DOGE", "ETC", "BTG", "XMR"] {
            assert!(names.iter().any(|n| n == want), "{want} missing");
        }
    }

    #[test]
    fn dates_are_checked_as_calendar_dates() {
        assert!(date_ok("2024-04-20"));
        assert!(date_ok("2024-02-29"));
        assert!(date_ok("2022-05"));
        assert!(date_ok("undated"));
        assert!(!date_ok("2023-02-29"));
        assert!(!date_ok("2024-13-01"));
        assert!(!date_ok("2024-4-20"));
        assert!(!date_ok("yesterday"));
    }

    #[test]
    fn share_from_hash_rates() {
        let c = Chain::builtin("btc").unwrap();
        let n = c.hashrate.number().unwrap();
        // H = network hash rate gives q = 1/2 exactly; H = n/9 gives 1/10.
        assert_eq!(c.attacker_share(n), Some(0.5));
        assert!((c.attacker_share(n / 9.0).unwrap() - 0.1).abs() < 1e-15);
    }

    #[test]
    fn a_bad_set_is_a_usage_error_naming_the_key() {
        let mut c = Chain::builtin("LTC").unwrap();
        let e = c.set("block_interval=-3").unwrap_err();
        assert_eq!(exit_code(&e), 2);
        assert!(e.to_string().contains("--set block_interval"), "{e}");
        let e = c.set("blok_interval=3").unwrap_err();
        assert!(e.to_string().contains("valid keys: block_interval"), "{e}");
        c.set("block_interval=75").unwrap();
        assert_eq!(c.block_interval.number(), Some(75.0));
    }
}
