//! Error kinds that decide the exit code: bad user input exits 2, anything else 1.

use thiserror::Error;

/// Bad user input: a flag, a scenario key or a file the user named.
///
/// It carries its source, the value and the fix as fields, so a layer that knows better
/// where a value came from (a scenario file's line, the flag that set a file key) moves the
/// error there with [`UsageError::renamed`] instead of rewriting its text. Any error chain
/// containing a `UsageError` makes the binary exit with code 2.
#[derive(Clone, Debug, Error, PartialEq)]
#[error("{what}{}: {fix}", value.as_ref().map_or(String::new(), |v| format!(" '{v}'")))]
pub struct UsageError {
    /// Where the bad value came from: a flag (`--q`), a file key (`network.hop_delay`,
    /// `majority.tie`), a file, or a place in one (`x.toml, line 3, key `majority.tie``).
    pub what: String,
    /// The value as given, where there is one.
    pub value: Option<String>,
    /// What is wrong with it and how to fix it.
    pub fix: String,
}

impl UsageError {
    /// A usage error about `what` (a flag such as `--q` or a file key) holding `value`.
    pub fn new(what: &str, value: impl std::fmt::Display, fix: &str) -> Self {
        UsageError {
            what: what.to_string(),
            value: Some(value.to_string()),
            fix: fix.to_string(),
        }
    }

    /// A usage error about `what` (a file, or a place in one) with no single value.
    pub fn at(what: impl Into<String>, fix: impl Into<String>) -> Self {
        UsageError {
            what: what.into(),
            value: None,
            fix: fix.into(),
        }
    }

    /// The same error about `to` when it is about `from`, e.g. a file key moved to the
    /// command-line flag that set its value, or to its line in a scenario file; else `None`.
    pub fn renamed(&self, from: &str, to: &str) -> Option<UsageError> {
        (self.what == from).then(|| UsageError {
            what: to.to_string(),
            ..self.clone()
        })
    }
}

/// Shorthand: `Err(usage("--q", v, "give values in [0, 1]"))`.
pub fn usage(what: &str, value: impl std::fmt::Display, fix: &str) -> anyhow::Error {
    UsageError::new(what, value, fix).into()
}

/// The run was interrupted (Ctrl-C) after saving its checkpoint; exit code 130.
#[derive(Debug, Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Exit code for an error chain: 2 when any cause is a [`UsageError`], 130 for
/// [`Interrupted`] (the shell's code for SIGINT), else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err
        .chain()
        .any(|c| c.downcast_ref::<UsageError>().is_some())
    {
        2
    } else if err
        .chain()
        .any(|c| c.downcast_ref::<Interrupted>().is_some())
    {
        130
    } else {
        1
    }
}
