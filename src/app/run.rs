//! `dslab run` (not yet built; see the open issues).

use clap::Args;

/// Arguments of `dslab run`.
#[derive(Debug, Args)]
pub struct RunArgs {}

/// Run `dslab run`.
pub fn run(_args: RunArgs) -> anyhow::Result<()> {
    anyhow::bail!("'dslab run' is not built yet")
}
