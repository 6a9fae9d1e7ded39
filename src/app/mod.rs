//! One file per subcommand: validated arguments in, library calls, output out.
//! Nothing here holds model code.

pub mod advise;
pub mod bounds;
pub mod chains;
pub mod common;
pub mod confirmations;
pub mod economics;
pub mod exact;
pub mod hashrate;
pub mod merge;
pub mod mine;
pub mod network;
pub mod optimize;
pub mod plot;
pub mod progress;
pub mod run;
pub mod simulate;
pub mod warnings;

use crate::cli::{Cli, Command};

/// Dispatch a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Exact(a) => exact::run(a),
        Command::Confirmations(a) => confirmations::run(a),
        Command::Bounds(a) => bounds::run(a),
        Command::Chains(a) => chains::run(a),
        Command::Network(a) => network::run(a),
        Command::Plot(a) => plot::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Hashrate(a) => hashrate::run(a),
        Command::Mine(a) => mine::run(a),
        Command::Optimize(a) => optimize::run(a),
        Command::Economics(a) => economics::run(a),
        Command::Advise(a) => advise::run(a),
    }
}
