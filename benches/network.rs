//! Trials per second of each network attack on the default network (1000 nodes, 8
//! outbound, 16 miners, 128 topologies), q = 0.3, z = 0..6 (one trial serves every
//! z), on one thread and on every core. Topologies are prepared outside the timed loop
//! (once per sweep point in real runs); the timed part is the batch estimator itself.
//! The group "network graphs" times building them (graphs per second).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dslab::attack::NetAttack;
use dslab::attack::NetExperiment;
use dslab::attack::finney::FinneySpec;
use dslab::attack::majority::MajoritySpec;
use dslab::attack::race::{RaceSpec, RaceVariant};
use dslab::attack::timed::NetCell;
use dslab::attack::vector76::Vector76Spec;
use dslab::estimate::{BATCH_SIZE, NoProgress, Plan, estimate};
use dslab::net::spec::{MerchantSpec, NetworkModel, NetworkSpec};

const TRIALS: u64 = 1 << 17;

fn scenario(attack: NetAttack, model: NetworkModel) -> NetExperiment {
    NetExperiment {
        attack,
        network: NetworkSpec {
            model,
            ..NetworkSpec::default()
        },
        merchant: MerchantSpec::default(),
        sweep: None,
    }
}

fn attacks() -> Vec<(&'static str, NetAttack)> {
    vec![
        ("finney", NetAttack::Finney(FinneySpec::default())),
        ("race-rbf", NetAttack::Race(RaceSpec::default())),
        (
            "race-first-seen",
            NetAttack::Race(RaceSpec {
                variant: RaceVariant::FirstSeen,
                ..RaceSpec::default()
            }),
        ),
        ("vector76", NetAttack::Vector76(Vector76Spec::default())),
        ("majority", NetAttack::Majority(MajoritySpec::default())),
    ]
}

fn network(c: &mut Criterion) {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let plan = Plan {
        trials: TRIALS,
        batch_size: BATCH_SIZE,
        seed: 1,
        shard: None,
    };
    for model in [NetworkModel::Random, NetworkModel::None] {
        let mut g = c.benchmark_group(format!("network {model:?} q=0.3 z=0..6"));
        g.throughput(Throughput::Elements(TRIALS));
        g.sample_size(10);
        for (name, attack) in attacks() {
            let e = scenario(attack, model);
            let preps = e.prepare(1);
            let cells = [NetCell::new(&e, &preps, 0.3, 6, None)];
            for threads in [1, cores] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("pool");
                g.bench_function(format!("{name}, {threads} thread(s)"), |b| {
                    b.iter(|| pool.install(|| estimate(&cells, &plan, &NoProgress)))
                });
            }
        }
        g.finish();
    }
}

/// Building the graphs a run amortises: `network.topologies` of them per sweep point, each
/// generated, warmed up (high-bandwidth peers), searched for its block delays and given
/// the attack's transaction times. Eight default graphs per iteration, one thread.
fn graphs(c: &mut Criterion) {
    const GRAPHS: u32 = 8;
    let mut g = c.benchmark_group("network graphs");
    g.throughput(Throughput::Elements(u64::from(GRAPHS)));
    g.sample_size(10);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    for (name, attack) in attacks() {
        let mut e = scenario(attack, NetworkModel::Random);
        e.network.topologies = GRAPHS;
        g.bench_function(format!("{name}, 1 thread"), |b| {
            b.iter(|| pool.install(|| e.prepare(1)))
        });
    }
    g.finish();
}

criterion_group!(benches, network, graphs);
criterion_main!(benches);
