//! dslab: a double-spend attack laboratory.
//!
//! The modules form layers; a module imports only lower layers (docs/architecture.md,
//! enforced by `tests/integration/layers.rs`). From the bottom up:
//!
//! - [`error`], [`files`], [`stats`], [`pow`]: usage errors, whole-or-nothing writes,
//!   confidence intervals, real SHA-256d proof of work.
//! - [`params`]: parsing and validation of user values (q lists, z ranges, tie rules);
//!   [`chain`]: chain presets (block interval, reward, hash rate, ... with dates and sources).
//! - [`analytic`]: closed forms (Nakamoto, exact with head start and tie rule, P(z, κ)).
//! - [`bounds`]: bounded-delay (Δ) closed forms (Guo–Ren bounds, GKR threshold) and the
//!   opportunistic pre-miner.
//! - [`mdp`]: the optimal attacker (selfish mining, double spending) by exact MDP solution.
//! - [`estimate`]: batch schedule, seeds, tallies, weights, checkpoints, typed results.
//! - [`blockrace`], [`net`]: the engines (zero-latency block race; timed network).
//! - [`attack`]: the attack plug-in point and one file per attack.
//! - [`experiment`]: a validated experiment and its run.
//! - [`report`], [`scenario`]: rows, files, plots, summaries; scenario files and the lab.
//! - [`cli`], [`app`]: the command line and one file per subcommand.
#![deny(missing_docs)]

pub mod analytic;
pub mod app;
pub mod attack;
pub mod blockrace;
pub mod bounds;
pub mod chain;
pub mod cli;
pub mod economics;
pub mod error;
pub mod estimate;
pub mod experiment;
pub mod files;
pub mod mdp;
pub mod net;
pub mod params;
pub mod policy;
pub mod pow;
pub mod report;
pub mod scenario;
pub mod stats;
