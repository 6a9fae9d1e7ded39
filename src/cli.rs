//! The command line (clap derive only). Each subcommand's arguments live beside its
//! implementation in `app/<command>.rs`; this file only lists them.

use clap::{Parser, Subcommand};

use crate::app;

/// dslab: a double-spend attack laboratory.
///
/// Simulates majority, Finney, race and Vector76 attacks, prints reversal probabilities by
/// confirmation count with confidence intervals and the closed form beside them.
#[derive(Debug, Parser)]
#[command(name = "dslab", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenario files (default: the built-in lab) and write reports.
    #[command(allow_negative_numbers = true)]
    Run(app::run::RunArgs),
    /// Simulate one attack over a grid of q and z and print the reversal table.
    #[command(allow_negative_numbers = true)]
    Simulate(app::simulate::SimulateArgs),
    /// Evaluate the closed forms (Nakamoto, exact, time-conditional).
    #[command(allow_negative_numbers = true)]
    Exact(app::exact::ExactArgs),
    /// Smallest number of confirmations that keeps P(reversal) below a risk.
    #[command(allow_negative_numbers = true)]
    Confirmations(app::confirmations::ConfirmationsArgs),
    /// Guo–Ren bounds on P(safety violation) in the bounded-delay (Δ) model, GKR threshold.
    #[command(allow_negative_numbers = true)]
    Bounds(app::bounds::BoundsArgs),
    /// What a network does with honest mining alone (stale rate, block propagation) beside
    /// the measurements its preset is calibrated to.
    Network(app::network::NetworkArgs),
    /// List the chain presets (block interval, reward, hash rate, ...) with dates and sources.
    Chains(app::chains::ChainsArgs),
    /// Re-render the plots of a report folder from its CSV.
    #[command(allow_negative_numbers = true)]
    Plot(app::plot::PlotArgs),
    /// Merge shard outputs into the unsharded result.
    #[command(allow_negative_numbers = true)]
    Merge(app::merge::MergeArgs),
    /// Measure SHA-256d hash rate for 1..T threads.
    #[command(allow_negative_numbers = true)]
    Hashrate(app::hashrate::HashrateArgs),
    /// Mine a chain of real SHA-256d block headers at a reduced difficulty.
    #[command(allow_negative_numbers = true)]
    Mine(app::mine::MineArgs),
    /// Cost, revenue and profit of the rented-hash attacker per z (exact, zero latency).
    #[command(allow_negative_numbers = true)]
    Economics(app::economics::EconomicsArgs),
    /// Confirmations that make an attack both unlikely and unprofitable, per attacker model.
    #[command(allow_negative_numbers = true)]
    Advise(app::advise::AdviseArgs),
    /// The optimal attacker (selfish mining, double spending) with lower and upper bounds.
    #[command(allow_negative_numbers = true)]
    Optimize(app::optimize::OptimizeArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
