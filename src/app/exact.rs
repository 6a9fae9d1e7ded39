//! `dslab exact` (being built).

use clap::Args;

/// Arguments of `dslab exact`.
#[derive(Debug, Args)]
pub struct ExactArgs {}

/// Run `dslab exact`.
pub fn run(_args: ExactArgs) -> anyhow::Result<()> {
    anyhow::bail!("'dslab exact' is not built yet")
}
