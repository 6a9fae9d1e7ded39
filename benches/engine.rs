//! Trials per second of the majority attack, q = 0.3, z = 0..10 (one trial serves all z),
//! on one thread and on every core. Target (issue 2): ≥ 10 M trials/s on one core and
//! ≥ 1.9× that on two.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dslab::estimate::NoProgress;
use dslab::experiment::{AttackSpec, Experiment, MajoritySpec};
use dslab::params::Convention;
use dslab::stats::CiMethod;

const TRIALS: u64 = 2_000_000;

fn table(convention: Convention) -> Experiment {
    Experiment {
        name: "bench".into(),
        attack: AttackSpec::Majority(MajoritySpec {
            convention,
            give_up: None,
            walk: false,
        }),
        qs: vec![0.3],
        zs: (0..=10).collect(),
        trials: TRIALS,
        seed: 1,
        ci: CiMethod::Wilson,
        confidence: 0.95,
        sampling: Default::default(),
    }
}

fn majority(c: &mut Criterion) {
    let mut g = c.benchmark_group("majority q=0.3 z=0..10");
    g.throughput(Throughput::Elements(TRIALS));
    g.sample_size(10);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for threads in [1, cores] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        for (name, conv) in [
            ("default", Convention::DEFAULT),
            ("classical", Convention::CLASSICAL),
        ] {
            let exp = table(conv);
            g.bench_function(format!("{name}, {threads} thread(s)"), |b| {
                b.iter(|| pool.install(|| exp.run(&NoProgress)))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, majority);
criterion_main!(benches);
