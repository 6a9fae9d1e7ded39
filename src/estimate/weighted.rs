//! Weighted tallies for importance sampling: per z, the sum of weights and of squared
//! weights, kept exactly, and the estimate, standard error, interval and effective sample
//! size they give.
//!
//! Reproducibility: a batch sums its trials' weights in trial order (a fixed order, since a
//! batch's trials are fixed by its seed); batches are then added into an [`ExactSum`], which
//! holds the mathematically exact sum of the batch sums and rounds it once, correctly, when
//! read. The result is a function of the set of batches only, not of the order in which
//! threads, shards or a resumed run deliver them, so sharded + merged and interrupted +
//! resumed runs give the same bytes as one uninterrupted run.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// Effective sample size below which an importance-sampling interval is not trusted: it
/// never meets a `--rel-error` target, and `dslab simulate` warns about it.
pub const MIN_ESS: f64 = 100.0;

/// The tilted attacker shares.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tilt {
    /// Attacker share while merchants are still waiting for confirmations.
    pub accept: f64,
    /// Attacker share after every merchant has accepted (used only when walking the tail).
    pub tail: f64,
}

impl Tilt {
    /// The default tilt for share `q` < ½: ½ until acceptance, exchanged rates after.
    pub fn for_share(q: f64) -> Tilt {
        Tilt {
            accept: 0.5,
            tail: 1.0 - q,
        }
    }
}

/// ln of the per-z weight scale, c = ln(q/q') + ln(p/p') for the acceptance-phase tilt q'
/// (the likelihood ratio of a path with z attacker and z honest blocks).
pub fn ln_scale_step(q: f64, accept: f64) -> f64 {
    (q / accept).ln() + ((1.0 - q) / (1.0 - accept)).ln()
}

/// The exact sum of finite `f64` values (Shewchuk's adaptive-precision expansion, as in
/// Python's `math.fsum`), read as the correctly rounded `f64` of that sum.
///
/// The expansion is a list of non-overlapping partials of increasing magnitude whose exact
/// sum is the exact sum of everything added. Serialised as the partials' bit patterns
/// (JSON float parsing is not guaranteed to round-trip every bit).
#[derive(Clone, Debug, Default)]
pub struct ExactSum {
    partials: Vec<f64>,
}

impl ExactSum {
    /// Add a finite value exactly.
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite(), "ExactSum takes finite values");
        if x == 0.0 {
            return;
        }
        let mut x = x;
        let mut kept = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            // Two-sum: hi + lo == x + y exactly.
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        self.partials.truncate(kept);
        self.partials.push(x);
    }

    /// Add everything another sum holds (exact).
    pub fn merge(&mut self, other: &ExactSum) {
        for &x in &other.partials {
            self.add(x);
        }
    }

    /// The exact sum rounded to the nearest `f64` (ties to even): a function of the exact
    /// sum alone, whatever the order of the additions.
    pub fn value(&self) -> f64 {
        let p = &self.partials;
        let Some(mut n) = p.len().checked_sub(1) else {
            return 0.0;
        };
        let mut hi = p[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            lo = y - (hi - x);
            if lo != 0.0 {
                break;
            }
        }
        // Half-way case: the rest of the partials decides the rounding direction.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            if y == x - hi {
                hi = x;
            }
        }
        hi
    }
}

impl PartialEq for ExactSum {
    fn eq(&self, other: &Self) -> bool {
        self.value().to_bits() == other.value().to_bits()
    }
}

impl Eq for ExactSum {}

impl Serialize for ExactSum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bits: Vec<u64> = self.partials.iter().map(|x| x.to_bits()).collect();
        bits.serialize(s)
    }
}

impl<'de> Deserialize<'de> for ExactSum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bits = Vec::<u64>::deserialize(d)?;
        let mut sum = ExactSum::default();
        for b in bits {
            let x = f64::from_bits(b);
            if !x.is_finite() {
                return Err(serde::de::Error::custom(
                    "non-finite partial in an exact sum",
                ));
            }
            sum.add(x);
        }
        Ok(sum)
    }
}

/// Importance-sampling weights of a cell (or one batch of it), per z = 0..=z_max.
///
/// Weights are stored divided by a per-z scale s_z (see [`ln_scale_step`]), so
/// that probabilities far below 1e-300 and their squared weights stay representable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedTally {
    /// Trials whose weight for z is positive.
    pub hits: Vec<u64>,
    /// Σ w_z / s_z over trials.
    pub sum: Vec<ExactSum>,
    /// Σ (w_z / s_z)² over trials.
    pub sum_sq: Vec<ExactSum>,
}

impl WeightedTally {
    /// An empty tally for z = 0..=z_max.
    pub fn new(z_max: u32) -> WeightedTally {
        let n = z_max as usize + 1;
        WeightedTally {
            hits: vec![0; n],
            sum: vec![ExactSum::default(); n],
            sum_sq: vec![ExactSum::default(); n],
        }
    }

    /// Add one batch's plain sums (each computed in the batch's fixed trial order).
    pub fn add_batch(&mut self, acc: &BatchSums) {
        for z in 0..self.hits.len() {
            self.hits[z] += acc.hits[z];
            self.sum[z].add(acc.sum[z]);
            self.sum_sq[z].add(acc.sum_sq[z]);
        }
    }

    /// Add another tally of the same shape (exact, order-independent).
    pub fn merge(&mut self, other: &WeightedTally) {
        for z in 0..self.hits.len() {
            self.hits[z] += other.hits[z];
            self.sum[z].merge(&other.sum[z]);
            self.sum_sq[z].merge(&other.sum_sq[z]);
        }
    }

    /// The estimate for merchant `z` from `trials` trials, with per-z scale
    /// s_z = exp(z · `ln_step`), and a normal interval at `confidence`.
    pub fn estimate(&self, z: u32, trials: u64, ln_step: f64, confidence: f64) -> WeightedEstimate {
        let k = Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
        let var = self.iid_variance(z, trials);
        self.build(z, trials, ln_step, var, k)
    }

    /// The same estimate with the interval of trials grouped in independent units
    /// (`super::units`): the scaled variance of the mean `unit_var` (floored at the
    /// i.i.d. one) and the quantile `k` (Student's t on the units' degrees of freedom).
    pub fn estimate_clustered(
        &self,
        z: u32,
        trials: u64,
        ln_step: f64,
        unit_var: f64,
        k: f64,
    ) -> WeightedEstimate {
        let var = self.iid_variance(z, trials).max(unit_var);
        self.build(z, trials, ln_step, var, k)
    }

    /// The i.i.d. variance of the mean scaled weight: the unbiased sample variance over n,
    /// clamped at 0 against rounding in (near) zero-variance cells such as P = 1.
    fn iid_variance(&self, z: u32, trials: u64) -> f64 {
        let zi = z as usize;
        let n = trials as f64;
        let (s1, s2) = (self.sum[zi].value(), self.sum_sq[zi].value());
        let mean = s1 / n;
        if trials > 1 {
            ((s2 / n - mean * mean) * n / (n - 1.0)).max(0.0) / n
        } else {
            0.0
        }
    }

    /// The estimate from the scaled variance of the mean `var_mean` and the quantile `k`.
    fn build(&self, z: u32, trials: u64, ln_step: f64, var_mean: f64, k: f64) -> WeightedEstimate {
        let zi = z as usize;
        let n = trials as f64;
        let (s1, s2) = (self.sum[zi].value(), self.sum_sq[zi].value());
        let mean = s1 / n;
        let scale = (f64::from(z) * ln_step).exp();
        let probability = mean * scale;
        let std_error = var_mean.sqrt() * scale;
        let half = k * std_error;
        // The same quantities in log space, from the scaled mean and half-width, which stay
        // representable where `scale` (and so everything above) underflows.
        let half_scaled = k * var_mean.sqrt();
        let shift = f64::from(z) * ln_step / std::f64::consts::LN_10;
        let log10_scaled = |x: f64| {
            if x > 0.0 {
                x.log10() + shift
            } else {
                f64::NEG_INFINITY
            }
        };
        WeightedEstimate {
            // The mean weight is unbiased but, near P = 1 (e.g. a head start of more than z
            // blocks), can exceed 1 by sampling error; a probability is reported at most 1.
            log10_probability: log10_scaled(mean).min(0.0),
            log10_low: log10_scaled(mean - half_scaled),
            log10_high: if s1 > 0.0 {
                log10_scaled(mean + half_scaled).min(0.0)
            } else {
                0.0
            },
            rel_error: (mean > 0.0).then(|| half_scaled / mean),
            probability: probability.min(1.0),
            std_error,
            low: (probability - half).max(0.0),
            high: if s1 > 0.0 {
                (probability + half).min(1.0)
            } else {
                // No trial reached the event: importance sampling gives no upper bound.
                1.0
            },
            half_width: half,
            ess: if s2 > 0.0 { s1 * s1 / s2 } else { 0.0 },
            hits: self.hits[zi],
        }
    }
}

/// One z's importance-sampling estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightedEstimate {
    /// Mean weight: the unbiased estimate of P(reversal), reported at most 1.
    pub probability: f64,
    /// Standard error of the mean weight (sample standard deviation / √n).
    pub std_error: f64,
    /// Lower bound of the normal interval (clamped at 0).
    pub low: f64,
    /// Upper bound of the normal interval (clamped at 1).
    pub high: f64,
    /// Half-width of the unclamped interval, z_{1−α/2} · std_error.
    pub half_width: f64,
    /// log10 of `probability`, computed from the scaled sums, so it is right where
    /// `probability` underflows to 0 (−∞ only when no trial reached the event).
    pub log10_probability: f64,
    /// log10 of `low`, in the same way (−∞ where `low` is clamped at 0).
    pub log10_low: f64,
    /// log10 of `high`, in the same way (0 where `high` is 1).
    pub log10_high: f64,
    /// `half_width` / `probability`, from the scaled sums (defined below 1e-308 too;
    /// None when the estimate is 0).
    pub rel_error: Option<f64>,
    /// Effective sample size (Σw)² / Σw² (Kish).
    pub ess: f64,
    /// Trials with a positive weight.
    pub hits: u64,
}

/// A batch's running sums, in plain `f64`, filled in trial order (see the module docs).
#[derive(Clone, Debug)]
pub struct BatchSums {
    /// Trials with a positive weight, per z.
    pub hits: Vec<u64>,
    /// Σ scaled weight, per z.
    pub sum: Vec<f64>,
    /// Σ scaled weight², per z.
    pub sum_sq: Vec<f64>,
}

impl BatchSums {
    /// Zeroed sums for z = 0..=z_max.
    pub fn new(z_max: u32) -> BatchSums {
        let n = z_max as usize + 1;
        BatchSums {
            hits: vec![0; n],
            sum: vec![0.0; n],
            sum_sq: vec![0.0; n],
        }
    }

    /// Zero every sum (reuse between trials).
    pub fn clear(&mut self) {
        self.hits.iter_mut().for_each(|h| *h = 0);
        self.sum.iter_mut().for_each(|x| *x = 0.0);
        self.sum_sq.iter_mut().for_each(|x| *x = 0.0);
    }

    /// Add one trial's sums (`other`, credited at most once per z) into these: the same
    /// floating-point operations as crediting these directly, so the bytes do not change.
    pub fn absorb(&mut self, other: &BatchSums) {
        for z in 0..self.hits.len() {
            self.hits[z] += other.hits[z];
            self.sum[z] += other.sum[z];
            self.sum_sq[z] += other.sum_sq[z];
        }
    }

    /// Credit merchant `z` with scaled weight `w` (> 0 means the trial reached the event).
    #[inline]
    pub fn credit(&mut self, z: usize, w: f64, hit: bool) {
        self.sum[z] += w;
        self.sum_sq[z] += w * w;
        self.hits[z] += u64::from(hit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_sum_is_exact_where_naive_sums_lose_digits() {
        let mut s = ExactSum::default();
        for x in [1e16, 1.0, 1.0, -1e16, 1e-20] {
            s.add(x);
        }
        // Naively: ((1e16 + 1) + 1) − 1e16 = 0 or 2 depending on rounding; exactly 2 + 1e-20.
        assert_eq!(s.value(), 2.0 + 1e-20);
        let mut t = ExactSum::default();
        for _ in 0..10 {
            t.add(0.1);
        }
        // Ten times the double nearest 0.1 is 1.0000000000000000555…, which rounds to 1.
        assert_eq!(t.value(), 1.0);
    }

    #[test]
    fn exact_sum_rounds_half_way_cases_to_even() {
        // 1 + 2^-53 is exactly half-way between 1 and the next double: ties go to even (1).
        let mut s = ExactSum::default();
        s.add(1.0);
        s.add(2f64.powi(-53));
        assert_eq!(s.value(), 1.0);
        // A tiny extra amount breaks the tie upwards.
        s.add(1e-300);
        assert_eq!(s.value(), 1.0 + f64::EPSILON);
    }

    proptest! {
        #[test]
        fn exact_sum_does_not_depend_on_order_or_grouping(
            xs in proptest::collection::vec((0.0f64..1.0, -60i32..60), 1..60),
            split in 0usize..60,
        ) {
            let vals: Vec<f64> = xs.iter().map(|&(m, e)| m * 2f64.powi(e)).collect();
            let mut fwd = ExactSum::default();
            vals.iter().for_each(|&v| fwd.add(v));
            let mut rev = ExactSum::default();
            vals.iter().rev().for_each(|&v| rev.add(v));
            // Two halves summed separately and merged, as two shards would be.
            let cut = split.min(vals.len());
            let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
            vals[..cut].iter().for_each(|&v| a.add(v));
            vals[cut..].iter().for_each(|&v| b.add(v));
            b.merge(&a);
            prop_assert_eq!(fwd.value().to_bits(), rev.value().to_bits());
            prop_assert_eq!(fwd.value().to_bits(), b.value().to_bits());
            // Serialisation keeps every bit.
            let back: ExactSum = serde_json::from_str(&serde_json::to_string(&fwd).unwrap()).unwrap();
            prop_assert_eq!(back.value().to_bits(), fwd.value().to_bits());
        }
    }

    #[test]
    fn a_mean_weight_above_one_is_reported_as_one_with_its_interval() {
        // Weights 0.9 and 1.2 (mean 1.05): a sure event's unbiased estimate overshooting 1.
        let mut t = WeightedTally::new(0);
        let mut b = BatchSums::new(0);
        for w in [0.9, 1.2] {
            b.credit(0, w, true);
        }
        t.add_batch(&b);
        let e = t.estimate(0, 2, 0.0, 0.95);
        assert_eq!(e.probability, 1.0);
        assert_eq!(e.log10_probability, 0.0);
        assert_eq!(e.high, 1.0);
        // The lower bound still comes from the unclamped mean: 1.05 − 1.96 · 0.15.
        assert!(
            (e.low - (1.05 - 1.959_963_984_540_054 * 0.15)).abs() < 1e-12,
            "{e:?}"
        );
    }

    #[test]
    fn estimate_of_constant_weights_has_zero_error() {
        let mut t = WeightedTally::new(0);
        let mut b = BatchSums::new(0);
        for _ in 0..100 {
            b.credit(0, 0.25, true);
        }
        t.add_batch(&b);
        let e = t.estimate(0, 100, 0.0, 0.95);
        assert_eq!(e.probability, 0.25);
        assert_eq!(e.std_error, 0.0);
        assert!((e.ess - 100.0).abs() < 1e-9);
    }

    #[test]
    fn estimate_matches_textbook_formulas() {
        // Weights 0, 1, 2, 3 (scaled by e^{2·ln 0.5} = 1/4 at z = 2): mean 1.5, sample
        // variance 5/3, ESS 36/14.
        let mut t = WeightedTally::new(2);
        let mut b = BatchSums::new(2);
        for w in [0.0, 1.0, 2.0, 3.0] {
            b.credit(2, w, w > 0.0);
        }
        t.add_batch(&b);
        let e = t.estimate(2, 4, 0.5f64.ln(), 0.95);
        assert!((e.probability - 1.5 / 4.0).abs() < 1e-15);
        assert!((e.std_error - (5.0f64 / 3.0 / 4.0).sqrt() / 4.0).abs() < 1e-15);
        assert!((e.ess - 36.0 / 14.0).abs() < 1e-12);
        assert_eq!(e.hits, 3);
        assert!((e.half_width - 1.959_963_984_540_054 * e.std_error).abs() < 1e-15);
        assert!((e.log10_probability - (1.5f64 / 4.0).log10()).abs() < 1e-15);
        assert!((e.log10_low - e.low.log10()).abs() < 1e-14);
        assert!((e.log10_high - e.high.log10()).abs() < 1e-14);
        assert!((e.rel_error.unwrap() - e.half_width / e.probability).abs() < 1e-14);
    }

    #[test]
    fn log10_fields_survive_a_scale_far_below_f64() {
        // Weights 1 and 3 over 4 trials at a scale of 10^-400 per trial: P = 10^-400,
        // which underflows, while the log-space fields keep it.
        let mut t = WeightedTally::new(1);
        let mut b = BatchSums::new(1);
        for w in [0.0, 1.0, 0.0, 3.0] {
            b.credit(1, w, w > 0.0);
        }
        t.add_batch(&b);
        let ln_step = -400.0 * std::f64::consts::LN_10;
        let e = t.estimate(1, 4, ln_step, 0.95);
        assert_eq!((e.probability, e.low, e.high), (0.0, 0.0, 0.0));
        assert!((e.log10_probability - -400.0).abs() < 1e-12);
        // Scaled: mean 1, sample variance 2, SE √(2/4) ≈ 0.7071, half-width 1.3859: the low
        // end is clamped (−∞) and the high end is log10(2.3859) − 400.
        let half = 1.959_963_984_540_054 * 0.5f64.sqrt();
        assert_eq!(e.log10_low, f64::NEG_INFINITY);
        assert!((e.log10_high - ((1.0 + half).log10() - 400.0)).abs() < 1e-12);
        assert!((e.rel_error.unwrap() - half).abs() < 1e-12);
        // No trial reached z = 0 here: no estimate, and the upper bound is 1.
        let e0 = t.estimate(0, 4, ln_step, 0.95);
        assert_eq!(e0.log10_probability, f64::NEG_INFINITY);
        assert_eq!((e0.log10_high, e0.rel_error), (0.0, None));
    }
}
