//! Hash-rate measurement: `threads` workers scan disjoint nonce ranges of their own header
//! with an unreachable limit, a warm-up is discarded, then hashes are counted over a timed
//! window. Shared by `dslab hashrate`; the criterion bench calls the same kernels.
//!
//! Also the measurement behind the automatic kernel choice ([`quick_rates`], used by
//! `Kernel::detect`): short interleaved samples of every available kernel, best of each.

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

/// Nonces per timed sample of the automatic choice (0.1–0.5 ms at 8–30 MH/s).
const SAMPLE: u32 = 1 << 12;

/// Time the automatic choice spends measuring.
pub const CHOICE_BUDGET: Duration = Duration::from_millis(100);

/// Hashes per second of each kernel on this thread, from short samples taken in turn until
/// `budget` is spent (at least three rounds; the first is a discarded warm-up). Each kernel's
/// rate is its best sample: load from other processes or a context switch can only slow a
/// sample down, and interleaving exposes every kernel to the same clock-speed changes.
pub fn quick_rates(kernels: &[Kernel], budget: Duration) -> Vec<f64> {
    let header = [0x5au8; 80];
    let mut best = vec![f64::INFINITY; kernels.len()]; // seconds per hash
    let started = Instant::now();
    let mut first = 0u32;
    for round in 0u32.. {
        for (k, kernel) in kernels.iter().enumerate() {
            let t0 = Instant::now();
            let done = match kernel.scan(&header, first, SAMPLE, 0) {
                Some(hit) => hit - first + 1,
                None => SAMPLE,
            };
            if round > 0 {
                best[k] = best[k].min(t0.elapsed().as_secs_f64() / f64::from(done));
            }
        }
        // Aligned samples never cross 2^32.
        first = first.wrapping_add(SAMPLE);
        if round >= 2 && started.elapsed() >= budget {
            break;
        }
    }
    best.iter().map(|s| 1.0 / s).collect()
}

/// The kernel with the highest rate (`rates[i]` belongs to `kernels[i]`); the first listed
/// wins a tie.
pub fn pick(kernels: &[Kernel], rates: &[f64]) -> Kernel {
    assert!(!kernels.is_empty() && kernels.len() == rates.len());
    let mut best = 0;
    for (i, r) in rates.iter().enumerate() {
        if *r > rates[best] {
            best = i;
        }
    }
    kernels[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_takes_the_highest_rate_and_the_first_of_a_tie() {
        let ks = [Kernel::Portable, Kernel::Portable];
        assert_eq!(pick(&ks, &[1.0, 2.0]), Kernel::Portable);
        let all = Kernel::available();
        if all.len() >= 2 {
            let mut rates = vec![1.0; all.len()];
            rates[1] = 3.0;
            assert_eq!(pick(&all, &rates), all[1]);
            assert_eq!(pick(&all, &vec![1.0; all.len()]), all[0]);
        } else {
            println!("only one kernel on this CPU: pick over distinct kernels not exercised");
        }
    }

    #[test]
    fn quick_rates_are_positive_and_finite_for_every_kernel() {
        let all = Kernel::available();
        let rates = quick_rates(&all, Duration::from_millis(5));
        assert_eq!(rates.len(), all.len());
        assert!(rates.iter().all(|r| r.is_finite() && *r > 0.0), "{rates:?}");
    }
}
