//! `dslab simulate` (being built).

use clap::Args;

/// Arguments of `dslab simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {}

/// Run `dslab simulate`.
pub fn run(_args: SimulateArgs) -> anyhow::Result<()> {
    anyhow::bail!("'dslab simulate' is not built yet")
}
