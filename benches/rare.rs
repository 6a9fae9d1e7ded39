//! Rare events: cost of one importance-sampling trial against one plain Monte Carlo trial
//! (block race, and the Finney attack in timed mining), and the time to reach ±5 % (95 %
//! interval) at the three reference cells.
//!
//! Trials per second alone do not compare the two estimators; what matters is time to a
//! given precision = (trials needed) × (time per trial). Trials needed for ±5 % are
//! 1.96² · σ²_rel / 0.05², with σ²_rel the per-trial relative variance: (1 − P)/P for plain
//! Monte Carlo, 2.1–3.7 for importance sampling at these cells (docs/rare-events.md).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dslab::attack::NetAttack;
use dslab::attack::NetExperiment;
use dslab::attack::finney::FinneySpec;
use dslab::attack::majority::{BlockRace, RaceMajority};
use dslab::estimate::NoProgress;
use dslab::experiment::{AttackSpec, Experiment, Method, Sampling};
use dslab::net::spec::{MerchantSpec, NetworkModel, NetworkSpec};
use dslab::params::Convention;
use dslab::stats::CiMethod;

const TRIALS: u64 = 1 << 17;

fn cell(q: f64, z: u32, method: Method) -> Experiment {
    Experiment {
        name: "bench".into(),
        attack: AttackSpec::BlockRace(BlockRace {
            attack: RaceMajority {
                convention: Convention::CLASSICAL,
                give_up: None,
                walk: false,
            },
            pow_bits: None,
        }),
        qs: vec![q],
        zs: vec![z],
        trials: TRIALS,
        seed: 1,
        ci: CiMethod::Wilson,
        confidence: 0.95,
        sampling: Sampling {
            method,
            rel_error: None,
            tilt: None,
        },
    }
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
}

fn trial_cost(c: &mut Criterion) {
    let mut g = c.benchmark_group("rare: one thread");
    g.throughput(Throughput::Elements(TRIALS));
    g.sample_size(10);
    let pool = one_thread();
    for (q, z) in [(0.1, 25), (0.1, 30), (0.3, 60)] {
        for method in [Method::Mc, Method::Is] {
            let exp = cell(q, z, method);
            g.bench_function(format!("q={q} z={z} {}", method.name()), |b| {
                b.iter(|| pool.install(|| exp.run(&NoProgress)))
            });
        }
    }
    g.finish();
}

/// The same cells for the Finney attack in timed mining on the zero-latency network (k = 1,
/// first-seen: the classical convention), where a trial runs the event-driven engine.
fn timed(q: f64, z: u32, method: Method) -> Experiment {
    let net = NetExperiment {
        attack: NetAttack::Finney(FinneySpec::default()),
        network: NetworkSpec {
            model: NetworkModel::None,
            ..NetworkSpec::default()
        },
        merchant: MerchantSpec::default(),
        sweep: None,
    };
    Experiment {
        attack: AttackSpec::Timed(net),
        ..cell(q, z, method)
    }
}

fn timed_trial_cost(c: &mut Criterion) {
    let mut g = c.benchmark_group("rare: timed mining, one thread");
    g.throughput(Throughput::Elements(TRIALS));
    g.sample_size(10);
    let pool = one_thread();
    for (q, z) in [(0.1, 25), (0.3, 60)] {
        for method in [Method::Mc, Method::Is] {
            let exp = timed(q, z, method);
            g.bench_function(format!("finney q={q} z={z} {}", method.name()), |b| {
                b.iter(|| pool.install(|| exp.run(&NoProgress)))
            });
        }
    }
    g.finish();
}

fn to_five_percent(c: &mut Criterion) {
    let mut g = c.benchmark_group("rare: to ±5 %, all cores");
    g.sample_size(10);
    for (q, z) in [(0.1, 25), (0.1, 30), (0.3, 60)] {
        let mut exp = cell(q, z, Method::Is);
        exp.trials = 10_000_000;
        exp.sampling.rel_error = Some(0.05);
        g.bench_function(format!("q={q} z={z} is"), |b| {
            b.iter(|| exp.run(&NoProgress))
        });
    }
    g.finish();
}

criterion_group!(benches, trial_cost, timed_trial_cost, to_five_percent);
criterion_main!(benches);
