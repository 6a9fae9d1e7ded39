//! Hash-rate measurement: `threads` workers scan disjoint nonce ranges of their own header
//! with an unreachable limit, a warm-up is discarded, then hashes are counted over a timed
//! window. Shared by `dslab hashrate`; the criterion bench calls the same kernel.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::sha256d::Kernel;

/// Nonces per kernel call between counter updates (about a millisecond of work).
const BATCH: u32 = 1 << 14;

/// One row of `dslab hashrate`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measurement {
    /// Worker threads running at once.
    pub threads: usize,
    /// Double SHA-256 hashes per second, all threads together.
    pub hashes_per_second: f64,
    /// `hashes_per_second / threads`.
    pub per_thread: f64,
    /// The kernel that was measured.
    pub implementation: String,
}

/// Measure `kernel` with `threads` workers: run `warm_up`, then count for `window`.
pub fn measure(kernel: Kernel, threads: usize, warm_up: Duration, window: Duration) -> Measurement {
    assert!(threads > 0, "at least one worker");
    let stop = AtomicBool::new(false);
    let counted = AtomicU64::new(0);
    let (hashes, elapsed) = std::thread::scope(|scope| {
        for id in 0..threads {
            let (stop, counted) = (&stop, &counted);
            scope.spawn(move || spin(kernel, id, stop, counted));
        }
        std::thread::sleep(warm_up);
        let (c0, t0) = (counted.load(Ordering::Relaxed), Instant::now());
        std::thread::sleep(window);
        let (c1, t1) = (counted.load(Ordering::Relaxed), Instant::now());
        stop.store(true, Ordering::Relaxed);
        (c1 - c0, t1 - t0)
    });
    let rate = hashes as f64 / elapsed.as_secs_f64();
    Measurement {
        threads,
        hashes_per_second: rate,
        per_thread: rate / threads as f64,
        implementation: kernel.name().to_string(),
    }
}

/// One worker: hash batches of its own header until told to stop.
fn spin(kernel: Kernel, id: usize, stop: &AtomicBool, counted: &AtomicU64) {
    let mut header = [0u8; 80];
    header[..8].copy_from_slice(&(id as u64).to_le_bytes()); // distinct work per worker
    let mut first = 0u32;
    while !stop.load(Ordering::Relaxed) {
        // Limit 0 asks for a top word of zero: about one nonce in 2^32, so nearly every
        // call hashes the whole batch, and a hit only shortens it.
        let done = match kernel.scan(&header, first, BATCH, 0) {
            Some(hit) => hit - first + 1,
            None => BATCH,
        };
        counted.fetch_add(u64::from(done), Ordering::Relaxed);
        // Batches stay aligned, so a range never crosses 2^32; a hit skips its batch's rest.
        first = first.wrapping_add(BATCH);
    }
}
