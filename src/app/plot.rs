//! `dslab plot` (not yet built; see the open issues).

use clap::Args;

/// Arguments of `dslab plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {}

/// Run `dslab plot`.
pub fn run(_args: PlotArgs) -> anyhow::Result<()> {
    anyhow::bail!("'dslab plot' is not built yet")
}
