//! The one integration-test binary: each module is one area.

/// Shared helpers: the `dslab` command builder and CSV parsing.
mod util;

/// Closed forms against published tables and independent evaluators.
mod analytic;
/// Bad input: exit code 2, a message naming the flag, no partial files.
mod cli_errors;
/// Warnings, notes, headers and messages beside the results; machine-readable forms.
mod cli_output;
/// `dslab run` / `dslab plot`: the built-in lab, plots, report safety, committed reports.
mod lab;
/// The majority-attack simulation against the closed forms; reproducibility.
mod majority;
/// Finney, race, Vector76 and the majority attack on the network model.
mod network;
/// Importance sampling in timed mining; shards, resume and threads for network attacks.
mod network_is;
/// `dslab optimize`: the optimal-attacker MDP against SM1, honest mining and published optima.
mod optimize;
/// `dslab mine` and `dslab hashrate`: real proof of work, verified with the sha2 crate.
mod pow;
/// Rare events and scale: importance sampling, target precision, shards, resume.
mod scale;
