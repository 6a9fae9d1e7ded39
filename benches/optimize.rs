//! `dslab optimize`'s full revenue table (issue 14, item 3): α = 0.05…0.45 step 0.05,
//! γ ∈ {0, 0.5, 1}, 5 decimals, default `--max-length 160`, lower and upper bounds, on a
//! rayon pool of 2 threads. Target: under a minute on 2 cores. One point of the grid,
//! α = 0.35, γ = 0.5, single-threaded, is measured apart.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dslab::mdp::model::Goal;
use dslab::mdp::{Objective, Precision, grid, optimum};

fn table(c: &mut Criterion) {
    // i / 20, not i × 0.05: the shortest decimal of each share prints as 0.35, not 0.35000000000000003.
    let alphas: Vec<f64> = (1..=9).map(|i| f64::from(i) / 20.0).collect();
    let gammas = [0.0, 0.5, 1.0];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a 2-thread pool");
    let mut g = c.benchmark_group("optimize");
    // One table takes tens of seconds: the fewest samples criterion accepts.
    g.sample_size(10)
        .measurement_time(Duration::from_secs(60))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("revenue_table_2_threads", |b| {
        b.iter(|| {
            pool.install(|| {
                black_box(grid(
                    &alphas,
                    &gammas,
                    Objective::Revenue,
                    Precision::default(),
                ))
            })
        })
    });
    g.bench_function("revenue_point_a0.35_g0.5", |b| {
        b.iter(|| black_box(optimum(0.35, 0.5, Goal::Revenue, Precision::default())))
    });
    g.finish();
}

criterion_group!(benches, table);
criterion_main!(benches);
