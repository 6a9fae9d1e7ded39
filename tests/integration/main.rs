//! The one integration-test binary: each module is one area.

/// Shared helpers: the `dslab` command builder and CSV parsing.
mod util;

/// Closed forms against published tables and independent evaluators.
mod analytic;
/// The Δ-bounded balancing attack against an exact chain at Δ = 0 and its large-Δ limit.
mod balancing;
/// `dslab bounds`, `confirmations --model delta`: Guo–Ren bounds, GKR threshold.
mod bounds;
/// Network attacks' intervals over many seeds: coverage and z-scores.
mod calibration;
/// Chain presets (`dslab chains`, `--chain`, `--set`) and the convention line of
/// `dslab confirmations`.
mod chains;
/// Bad input: exit code 2, a message naming the flag, no partial files.
mod cli_errors;
/// Warnings, notes, headers and messages beside the results; machine-readable forms.
mod cli_output;
/// The Δ-bounded private attacker against closed forms at Δ = 0 and the Guo–Ren bounds.
mod delay_adversary;
/// Attack economics (`dslab economics`) and the confirmation advisor (`dslab advise`).
mod economics;
/// The law of the rented-hash attacker's profit: brute force, Monte Carlo, identities.
mod economics_profit;
/// Random flags and scenario files: exit 0 or 2, never a panic, within a time limit.
mod fuzz;
/// `--kernel`: every SHA-256d kernel the CPU has mines the same chain; the others exit 2.
mod kernels;
/// `dslab run` / `dslab plot`: the built-in lab, plots, report safety, committed reports.
mod lab;
/// The layer order of `src/` (docs/architecture.md).
mod layers;
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
/// The rented-hash attacker through the plug-in point, against its exact law.
mod rental;
/// The rented-hash attacker's exact law against independent references and a Monte Carlo.
mod rental_exact;
/// The replay: SM1 and exported optimal policies in the MDP's mining game.
mod replay;
/// Bad files and bad moments: edited shards and CSVs, busy output folders, huge tables.
mod robust;
/// Rare events and scale: importance sampling, target precision, shards, resume.
mod scale;
