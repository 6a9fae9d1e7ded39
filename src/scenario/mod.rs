//! Scenario files (`attacks/*.toml`): the file schema and its conversion into a validated
//! [`Experiment`].
//!
//! The raw file ([`ScenarioFile`], `schema.rs`) is dumb serde data with
//! `deny_unknown_fields`, so a typo is an error rather than a silent default; every value
//! keeps its position in the file (`spans.rs`), so every error names the file, the line and
//! the key. An attack's own settings live in its table (`[majority]`, `[finney]`, ...), read
//! by the attack's parameter type from the registry (`crate::attack`): a new attack adds
//! nothing here. `builtin.rs` lists the built-in lab.
//! Reads no files (the caller passes the text).

mod builtin;
mod schema;
mod spans;
#[cfg(test)]
mod tests;

pub use builtin::{BUILTIN, BuiltinScenario};
pub use schema::ScenarioFile;

use crate::experiment::Experiment;
use spans::{Origin, split_attack_tables, syntax_error};

/// Defaults of the optional top-level keys (documented in `attacks/README.md`; the same as
/// `dslab simulate`'s flags).
pub mod defaults {
    /// Attacker shares.
    pub const Q: &str = "0.1,0.2,0.3,0.4";
    /// Confirmations.
    pub const Z: &str = "0..10";
    /// Trials per q.
    pub const TRIALS: u64 = 1_000_000;
    /// Master seed.
    pub const SEED: u64 = 1;
    /// Interval confidence level.
    pub const CONFIDENCE: f64 = 0.95;
}

/// A loaded, validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name (file stem; the report folder's name).
    pub name: String,
    /// The file's text, verbatim (copied into the report folder).
    pub text: String,
    /// The comment header: what question the scenario answers (without the `#`).
    pub question: Vec<String>,
    /// The experiment it describes.
    pub experiment: Experiment,
}

/// Parse and validate a scenario. `file` names it in messages (a path, or
/// `built-in attacks/NAME.toml`); `name` becomes the experiment's name.
pub fn parse(file: &str, name: &str, text: &str) -> anyhow::Result<Scenario> {
    let (rest, tables) = split_attack_tables(file, text)?;
    let raw: ScenarioFile = toml::from_str(&rest).map_err(|e| syntax_error(file, text, &e))?;
    let origin = Origin { file, text };
    let experiment = raw.experiment(&origin, name, &tables)?;
    Ok(Scenario {
        name: name.to_string(),
        text: text.to_string(),
        question: question(text),
        experiment,
    })
}

/// The leading comment lines of a scenario, without the `#`.
pub fn question(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}
