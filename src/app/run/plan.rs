//! How long `dslab run` will take, said up front: the cost model of each engine (the
//! attack's own per-trial cost, `crate::attack::TimedAttack::trial_ns`) and the announcement.

use super::RunArgs;
use crate::attack::NetExperiment;
use crate::experiment::{AttackSpec, Experiment};
use crate::net::spec::{NetworkModel, NetworkSpec};
use crate::report;
use crate::scenario::Scenario;

/// Estimated wall time in seconds of an experiment on `threads` threads.
pub fn estimate_seconds(exp: &Experiment, threads: usize) -> f64 {
    // Two threads give about 1.8× one thread on the reference machine.
    let parallel = (threads as f64 * 0.9).max(1.0);
    let (ns, prepare): (f64, f64) = match &exp.attack {
        AttackSpec::BlockRace(b) => {
            let ns = exp
                .qs
                .iter()
                .map(|&q| b.attack.trial_ns(q, exp.z_max()))
                .sum();
            (ns, 0.0)
        }
        AttackSpec::Timed(n) => {
            let points = n.cells(1) as f64;
            let ns: f64 = exp
                .qs
                .iter()
                .map(|&q| network_trial_ns(n, q, exp.z_max()))
                .sum();
            (ns * points, points * network_prepare_seconds(&n.network))
        }
    };
    // Graphs are built in parallel too (one generator each).
    (ns * exp.trials as f64 * 1e-9 + prepare) / parallel
}

/// Rough cost of one timed trial (ns, one thread): the attack's own model (see
/// `crate::attack::TimedAttack::trial_ns`).
fn network_trial_ns(n: &NetExperiment, q: f64, z_max: u32) -> f64 {
    n.attack.get().trial_ns(q, z_max, &n.network)
}

/// Seconds of one thread to generate one sweep point's topologies and measure its stale
/// rate (measured, `cargo bench --bench network` group "network graphs": about 18 ms per
/// graph of 1000 nodes, most of it the high-bandwidth warm-up, plus the stale-rate count;
/// none on the zero-latency network).
fn network_prepare_seconds(net: &NetworkSpec) -> f64 {
    match net.model {
        NetworkModel::None => 0.0,
        NetworkModel::Random => 0.022 * f64::from(net.nodes) * f64::from(net.topologies) / 1e3,
    }
}

pub(super) fn human_time(s: f64) -> String {
    if s < 2.0 {
        "a second or two".into()
    } else if s < 90.0 {
        format!("about {:.0} s", s.ceil())
    } else {
        format!("about {:.0} min", (s / 60.0).ceil())
    }
}

pub(super) fn announcement(args: &RunArgs, scenarios: &[Scenario], threads: usize) -> String {
    let what = if args.scenarios.is_empty() {
        "the built-in lab"
    } else {
        "the given scenarios"
    };
    let cells: u64 = scenarios.iter().map(|s| s.experiment.cells()).sum();
    let trials: u64 = scenarios
        .iter()
        .map(|s| s.experiment.trials * s.experiment.cells())
        .sum();
    // Precision-target scenarios stop when their target is met, usually far below their
    // trial cap: their share is said apart, as an upper bound.
    let targeted = |s: &&Scenario| s.experiment.sampling.rel_error.is_some();
    let secs = |pick: &dyn Fn(&&Scenario) -> bool| -> f64 {
        scenarios
            .iter()
            .filter(pick)
            .map(|s| estimate_seconds(&s.experiment, threads))
            .sum()
    };
    let (fixed, capped) = (secs(&|s| !targeted(s)), secs(&targeted));
    let mut time = human_time(fixed);
    if scenarios.iter().any(|s| targeted(&s)) {
        time.push_str(&format!(
            " plus at most {} for the precision targets (usually far less)",
            human_time(capped).trim_start_matches("about ")
        ));
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let mut msg = format!(
        "dslab run: {what} ({}), {} cells, {} trials{}; expect {time} on {threads} idle \
         thread{} (longer on a busy machine), writing {}/",
        names.join(", "),
        cells,
        report::plot::thousands(trials),
        if scenarios.iter().any(|s| targeted(&s)) {
            " at most"
        } else {
            ""
        },
        if threads == 1 { "" } else { "s" },
        args.out.display(),
    );
    if !args.quick && args.trials.is_none() {
        msg.push_str(". `dslab run --quick` is a smoke run in seconds");
    }
    msg
}
