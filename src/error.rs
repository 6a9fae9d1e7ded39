//! Error kinds that decide the exit code: bad user input exits 2, anything else 1.

use thiserror::Error;

/// Bad user input: a flag, a scenario key or a file the user named.
///
/// The message names where the value came from, the value, and the fix.
/// Any error chain containing a `UsageError` makes the binary exit with code 2.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    /// A usage error about `what` (a flag such as `--q` or a file key) holding `value`.
    pub fn new(what: &str, value: impl std::fmt::Display, fix: &str) -> Self {
        UsageError(format!("{what} '{value}': {fix}"))
    }
}

impl UsageError {
    /// The same error about `to` when it is about `from` (a message starting `from '`), e.g.
    /// a file key renamed to the command-line flag that set its value; else `None`.
    pub fn renamed(&self, from: &str, to: &str) -> Option<UsageError> {
        self.0
            .strip_prefix(from)
            .filter(|rest| rest.starts_with(" '"))
            .map(|rest| UsageError(format!("{to}{rest}")))
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
