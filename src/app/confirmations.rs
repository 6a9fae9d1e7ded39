//! `dslab confirmations` (being built).

use clap::Args;

/// Arguments of `dslab confirmations`.
#[derive(Debug, Args)]
pub struct ConfirmationsArgs {}

/// Run `dslab confirmations`.
pub fn run(_args: ConfirmationsArgs) -> anyhow::Result<()> {
    anyhow::bail!("'dslab confirmations' is not built yet")
}
