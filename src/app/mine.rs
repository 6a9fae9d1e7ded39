//! `dslab mine` (not yet built; see the open issues).

use clap::Args;

/// Arguments of `dslab mine`.
#[derive(Debug, Args)]
pub struct MineArgs {}

/// Run `dslab mine`.
pub fn run(_args: MineArgs) -> anyhow::Result<()> {
    anyhow::bail!("'dslab mine' is not built yet")
}
