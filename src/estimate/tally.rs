//! Per-batch and per-cell counts. Everything is an integer (or an exact sum, for
//! importance-sampling weights), so merging is exact and independent of order and thread
//! count.

use serde::{Deserialize, Serialize};

use super::units::Units;
use super::weighted::WeightedTally;

/// Outcome counts of a cell (or of one batch of it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Trials run.
    pub trials: u64,
    /// Trials stopped by the per-trial block cap before they were decided (counted as losses).
    pub censored: u64,
    /// `by_top[i]`: trials whose largest reversed z was i − 1 (index 0: none reversed).
    /// Reversal is monotone in z (a merchant waiting longer accepted later, if at all), so
    /// this histogram gives every z's count.
    pub by_top: Vec<u64>,
    /// Blocks until success, per z (recorded only where requested, e.g. q > 1/2).
    pub blocks: Option<Vec<BlockStats>>,
    /// Importance-sampling weights per z (cells estimated by importance sampling only).
    #[serde(default)]
    pub weighted: Option<WeightedTally>,
    /// Further integer counters a cell kind defines (summed on merge; e.g. the network
    /// attacks' z = 0 outcomes and costs). Empty unless a cell uses it.
    #[serde(default)]
    pub extra: Vec<u64>,
    /// Counts per independent unit (network attacks: per generated graph), from which the
    /// interval is computed when trials within a unit are not independent (see
    /// [`super::units`]). None: every trial is independent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Units>,
}

impl Tally {
    /// An empty tally for z = 0..=z_max, recording blocks-to-success if `blocks`.
    pub fn new(z_max: u32, blocks: bool) -> Tally {
        Tally {
            trials: 0,
            censored: 0,
            by_top: vec![0; z_max as usize + 2],
            blocks: blocks.then(|| vec![BlockStats::default(); z_max as usize + 1]),
            weighted: None,
            extra: Vec::new(),
            units: None,
        }
    }

    /// Count one trial whose merchants z ≤ `top` were reversed (−1: none).
    #[inline]
    pub fn add(&mut self, top: i64, censored: bool) {
        self.trials += 1;
        self.censored += u64::from(censored);
        self.by_top[(top + 1) as usize] += 1;
    }

    /// Reversals of merchant z.
    pub fn successes(&self, z: u32) -> u64 {
        self.by_top[z as usize + 1..].iter().sum()
    }

    /// Add another tally of the same shape.
    pub fn merge(&mut self, other: &Tally) {
        self.trials += other.trials;
        self.censored += other.censored;
        for (a, b) in self.by_top.iter_mut().zip(&other.by_top) {
            *a += b;
        }
        if self.extra.len() < other.extra.len() {
            self.extra.resize(other.extra.len(), 0);
        }
        for (a, b) in self.extra.iter_mut().zip(&other.extra) {
            *a += b;
        }
        if let (Some(mine), Some(theirs)) = (&mut self.blocks, &other.blocks) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.merge(b);
            }
        }
        if let (Some(mine), Some(theirs)) = (&mut self.weighted, &other.weighted) {
            mine.merge(theirs);
        }
        if let (Some(mine), Some(theirs)) = (&mut self.units, &other.units) {
            mine.merge(theirs);
        }
    }
}

/// Distribution of blocks until success for one z: exact count and sum, and a histogram
/// with exact buckets below 1024 and 64 buckets per power of two above (≤ 1.6 % wide).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockStats {
    /// Successful trials recorded.
    pub count: u64,
    /// Sum of their block counts.
    pub sum: u128,
    /// Sparse histogram: (bucket, count), sorted by bucket.
    pub buckets: Vec<(u32, u64)>,
}

const EXACT_BELOW: u64 = 1024;

fn bucket_of(n: u64) -> u32 {
    if n < EXACT_BELOW {
        return n as u32;
    }
    let exp = 63 - n.leading_zeros(); // ≥ 10
    let mantissa = (n >> (exp - 6)) & 63;
    (EXACT_BELOW as u32) + (exp - 10) * 64 + mantissa as u32
}

fn bucket_upper(b: u32) -> u64 {
    if u64::from(b) < EXACT_BELOW {
        return u64::from(b);
    }
    let rel = b - EXACT_BELOW as u32;
    let (exp, mantissa) = (rel / 64 + 10, u64::from(rel % 64));
    ((64 + mantissa + 1) << (exp - 6)) - 1
}

impl BlockStats {
    /// Record one success after `n` blocks.
    pub fn record(&mut self, n: u64) {
        self.count += 1;
        self.sum += u128::from(n);
        let b = bucket_of(n);
        match self.buckets.binary_search_by_key(&b, |e| e.0) {
            Ok(i) => self.buckets[i].1 += 1,
            Err(i) => self.buckets.insert(i, (b, 1)),
        }
    }

    fn merge(&mut self, other: &BlockStats) {
        self.count += other.count;
        self.sum += other.sum;
        for &(b, c) in &other.buckets {
            match self.buckets.binary_search_by_key(&b, |e| e.0) {
                Ok(i) => self.buckets[i].1 += c,
                Err(i) => self.buckets.insert(i, (b, c)),
            }
        }
    }

    /// Mean blocks until success.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// Upper edge of the bucket holding quantile `p` (exact below 1024 blocks).
    pub fn quantile(&self, p: f64) -> Option<u64> {
        let target = (p * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for &(b, c) in &self.buckets {
            seen += c;
            if seen >= target {
                return Some(bucket_upper(b));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotone_and_cover_their_values() {
        let mut last = 0;
        for n in [
            0u64,
            1,
            1023,
            1024,
            1025,
            2047,
            2048,
            5000,
            1 << 20,
            u64::MAX >> 2,
        ] {
            let b = bucket_of(n);
            assert!(b >= last);
            last = b;
            assert!(
                bucket_upper(b) >= n,
                "n {n} bucket {b} upper {}",
                bucket_upper(b)
            );
            assert!(bucket_upper(b) as f64 <= n as f64 * 1.016 + 1.0);
        }
    }

    #[test]
    fn quantile_of_exact_values() {
        let mut s = BlockStats::default();
        for n in 1..=100 {
            s.record(n);
        }
        assert_eq!(s.quantile(0.99), Some(99));
        assert_eq!(s.mean(), Some(50.5));
    }
}
