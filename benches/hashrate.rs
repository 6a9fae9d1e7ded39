//! SHA-256d throughput of every nonce-scanning kernel this CPU has (portable, SHA-NI, AVX2,
//! AVX-512; the ones it lacks are listed as skipped), in hashes (criterion reports
//! elements/s). One thread; see `dslab hashrate` for more.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dslab::pow::Kernel;

/// Nonces per measured call: long enough to amortise the per-call midstate.
const BATCH: u32 = 4096;

fn kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("sha256d");
    group.throughput(Throughput::Elements(u64::from(BATCH)));
    let header = [0x42u8; 80];
    for name in dslab::pow::KERNEL_NAMES {
        if let Err(e) = Kernel::by_name(name) {
            println!("skipping kernel {name}: {e}");
        }
    }
    for kernel in Kernel::available() {
        group.bench_function(kernel.id(), |b| {
            let mut first = 0u32;
            b.iter(|| {
                // Limit 0: nearly every nonce is hashed to the end and rejected.
                let hit = kernel.scan(black_box(&header), first, BATCH, 0);
                first = first.wrapping_add(BATCH);
                hit
            })
        });
    }
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
