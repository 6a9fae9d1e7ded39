//! `dslab hashrate` (not yet built; see the open issues).

use clap::Args;

/// Arguments of `dslab hashrate`.
#[derive(Debug, Args)]
pub struct HashrateArgs {}

/// Run `dslab hashrate`.
pub fn run(_args: HashrateArgs) -> anyhow::Result<()> {
    anyhow::bail!("'dslab hashrate' is not built yet")
}
