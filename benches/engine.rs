//! Trials per second of the majority attack, q = 0.3, z = 0..10 (one trial serves all z),
//! on one thread and on every core. Target (issue 2): ≥ 10 M trials/s on one core and
//! ≥ 1.9× that on two.
//!
//! And the block-race engine alone against its random-number bound (issue 16): the raw
//! generator's draws per second, one batch loop's trials per second (plain and importance
//! sampled), and, printed once, the mean draws per trial, so that
//! bound = draws/s ÷ draws per trial.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dslab::attack::majority::{BlockRace, RaceMajority};
use dslab::blockrace::McCell;
use dslab::blockrace::is::{IsCell, Tilt};
use dslab::blockrace::race::{BlockSource, Plain, Race, Thresholds};
use dslab::estimate::rng::{SimRng, batch_rng};
use dslab::estimate::{CellSim, NoProgress};
use dslab::experiment::{AttackSpec, Experiment};
use dslab::params::Convention;
use dslab::stats::CiMethod;

const TRIALS: u64 = 2_000_000;

fn table(convention: Convention) -> Experiment {
    Experiment {
        name: "bench".into(),
        attack: AttackSpec::BlockRace(BlockRace {
            attack: RaceMajority {
                convention,
                give_up: None,
                walk: false,
            },
            pow_bits: None,
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

/// Batches of the engine benches (the run's batch size, 16384 trials each).
const ENGINE_BATCHES: u64 = 32;
const BATCH: u64 = dslab::estimate::BATCH_SIZE;

/// A block source that counts the generator's draws.
struct Counting<'a>(&'a mut SimRng, u64);

impl BlockSource for Counting<'_> {
    fn next_block(&mut self, _th: &Thresholds) -> u64 {
        self.1 += 1;
        rand::Rng::next_u64(self.0)
    }
    fn uniform_u64(&mut self) -> u64 {
        self.1 += 1;
        rand::Rng::next_u64(self.0)
    }
}

fn engine(c: &mut Criterion) {
    let cell = McCell::private_branch(0.3, 0, 0.0, None, 10);
    let mut rng = batch_rng(1, cell.key(), 0);
    let mut counting = Counting(&mut rng, 0);
    let mut race = Race::new(&cell.strategy, &cell.setup);
    let trials = 1_000_000;
    for _ in 0..trials {
        race.trial(&mut counting, &mut Plain(|_, _, _| {}));
    }
    let per_trial = counting.1 as f64 / trials as f64;
    eprintln!("block race q=0.3 z=0..10: {per_trial:.3} generator draws per trial");

    let mut g = c.benchmark_group("block race engine, one thread");
    g.sample_size(10);
    let draws = ENGINE_BATCHES * BATCH * 16;
    g.throughput(Throughput::Elements(draws));
    g.bench_function("generator draws (Xoshiro256++ next_u64)", |b| {
        b.iter(|| {
            let mut rng = batch_rng(1, 2, 3);
            let mut acc = 0u64;
            for _ in 0..draws {
                acc = acc.wrapping_add(rand::Rng::next_u64(&mut rng));
            }
            black_box(acc)
        })
    });
    g.throughput(Throughput::Elements(ENGINE_BATCHES * BATCH));
    g.bench_function("trials, plain, q=0.3 z=0..10", |b| {
        b.iter(|| batches(&cell))
    });
    let is = IsCell::new(cell.strategy, cell.setup, Tilt::for_share(0.3));
    g.bench_function("trials, importance sampled, q=0.3 z=0..10", |b| {
        b.iter(|| batches(&is))
    });
    g.finish();
}

/// The batches a run of `ENGINE_BATCHES` batches would run, on this thread.
fn batches<C: CellSim>(cell: &C) -> u64 {
    let mut t = cell.empty_tally();
    for b in 0..ENGINE_BATCHES {
        cell.run_batch(&mut batch_rng(1, cell.key(), b), BATCH, &mut t);
    }
    t.trials
}

criterion_group!(benches, engine, majority);
criterion_main!(benches);
