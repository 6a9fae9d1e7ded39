//! `dslab merge` (not yet built; see the open issues).

use clap::Args;

/// Arguments of `dslab merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {}

/// Run `dslab merge`.
pub fn run(_args: MergeArgs) -> anyhow::Result<()> {
    anyhow::bail!("'dslab merge' is not built yet")
}
