//! dslab: a double-spend attack laboratory.
//!
//! Module map and dependency rule (review enforces it; nothing below `app` imports clap,
//! indicatif or `std::process`, and nothing below `report` writes files or stdout):
//!
//! - [`cli`], [`app`]: the command line and one file per subcommand.
//! - [`params`]: parsing and validation of user values (q lists, z ranges, tie rules).
//! - [`analytic`]: closed forms (Nakamoto, exact with head start and tie rule, P(z, κ)).
//! - [`sim`]: the simulation engine, strategies and parallel estimation.
//! - [`net`]: the peer-to-peer network model and the Finney, race and Vector76 attacks.
//! - [`stats`]: confidence intervals.
//! - [`mdp`]: the optimal attacker (selfish mining, double spending) by exact MDP solution.
//! - [`report`]: CSV / JSON / table rendering, plots, summaries, manifests, atomic file writes.
//! - [`scenario`]: scenario files (`attacks/*.toml`) and the built-in lab.
//! - `pow`: real SHA-256d proof of work (being built).
#![deny(missing_docs)]

pub mod analytic;
pub mod app;
pub mod cli;
pub mod error;
pub mod experiment;
pub mod mdp;
pub mod net;
pub mod params;
pub mod pow;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod stats;
