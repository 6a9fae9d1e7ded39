//! The rented-hash attacker in the zero-latency model: exact success probability, expected
//! rented time and expected attacker blocks (equations in docs/rental.md).
//!
//! The attacker rents a share `q` of the total hash rate for a window of W seconds that starts
//! P seconds before it broadcasts the payment (pre-mining), so the window is [−P, W − P]
//! relative to the broadcast at time 0. Blocks arrive as a Poisson process of rate 1/T; each
//! is the attacker's with probability q. After the window the attacker gives up.
//!
//! Uniformization: the number of blocks in an interval of length s is Poisson(s/T), each
//! independently the attacker's with probability q, so every continuous-time quantity is a
//! Poisson mixture of a discrete block race:
//!
//! ```text
//! P(success) = Σ_n s_n · P(N_R ≥ n),        N_R ~ Poisson((W − P)/T),
//! E\[rented\]  = P + T · Σ_n A_n · P(N_R ≥ n + 1),
//! P(k)       = Σ_n Pois(n; P/T) · v_n(k),
//! ```
//!
//! where s_n is the probability that the discrete race first succeeds at its n-th block,
//! A_n = 1 − Σ_{j≤n} s_j, and v_n is the law of the reflected pre-mining walk after n blocks.
//! The second line is ∫_0^R P(τ > t) dt with ∫_0^R P(N_t = n) dt = T · P(N_R ≥ n + 1).

use anyhow::Result;

use crate::analytic;
use crate::error::usage;
use crate::params::{Convention, TieRule};

/// Largest window accepted, in expected blocks (W / T): the work grows with it (the race is
/// stepped block by block), and a day of rental is 144 blocks at T = 600 s.
pub const MAX_WINDOW_BLOCKS: f64 = 1e5;

/// Poisson weights smaller than this fraction of the weight at the mode are left out (their
/// total is below 1e-290 of the mass, far under f64 resolution of any result).
const POISSON_CUT: f64 = 1e-300;

/// A Poisson sum stops once the mass it can still add is below this fraction of its value.
const RELATIVE_TAIL: f64 = 1e-16;

/// Lead truncations are placed where the mass they drop could change a result by at most
/// e^−46 ≈ 1e-20 relative to the scale (q/p)^(z+1) of the result.
const NATS: f64 = 46.0;

/// A rented-hash attacker in the zero-latency model (times in seconds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rental {
    /// The attacker's share of the total hash rate while renting, in [0, 1).
    pub q: f64,
    /// Mean block interval T of the whole network (seconds, > 0).
    pub block_interval: f64,
    /// Rental window W in seconds, starting P seconds before the broadcast; `None` is an
    /// unlimited rental.
    pub window: Option<f64>,
    /// Pre-mining time P ≥ 0: seconds of mining before the payment is broadcast (P ≤ W).
    pub premine_time: f64,
}

/// The exact law of one attack against the merchant waiting for z confirmations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Probability that the attacker's branch becomes strictly longer than the honest one at
    /// or after acceptance, within the window.
    pub success: f64,
    /// Expected seconds of rental: from −P until success, or until the window closes
    /// (∞ for an unlimited rental whose attacker can fail or has q = 1/2).
    pub expected_rented_seconds: f64,
    /// Expected number of blocks the rented hash finds while rented (including blocks on
    /// abandoned pre-mining branches): q · E\[rented\] / T by Wald's identity, since the
    /// rental ends at a stopping time of the Poisson process.
    pub expected_attacker_blocks: f64,
    /// Bound on the absolute error of `success` from the lead truncations (the Poisson
    /// sums are cut at 1e-16 relative on top of this).
    pub error_bound: f64,
}

impl Rental {
    /// A validated rental (see [`Rental::validate`]).
    pub fn new(
        q: f64,
        block_interval: f64,
        window: Option<f64>,
        premine_time: f64,
    ) -> Result<Self> {
        let r = Rental {
            q,
            block_interval,
            window,
            premine_time,
        };
        r.validate()?;
        Ok(r)
    }

    /// Check the values: q in [0, 1), T > 0, P ≥ 0, W ≥ P, and W / T (or P / T for an
    /// unlimited rental) at most [`MAX_WINDOW_BLOCKS`]. Errors name the field and the fix.
    pub fn validate(&self) -> Result<()> {
        let Rental {
            q,
            block_interval: t,
            window,
            premine_time: pre,
        } = *self;
        if !(0.0..1.0).contains(&q) {
            return Err(usage(
                "q",
                q,
                "the attacker's share must be in [0, 1); q = 1 leaves no honest miner, so the \
                 merchant never accepts",
            ));
        }
        if !(t.is_finite() && t > 0.0) {
            return Err(usage(
                "block_interval",
                t,
                "the mean block interval must be a positive number of seconds, e.g. 600",
            ));
        }
        if !(pre.is_finite() && pre >= 0.0) {
            return Err(usage(
                "premine_time",
                pre,
                "pre-mining time must be a finite number of seconds ≥ 0 (0: no pre-mining)",
            ));
        }
        let span = match window {
            Some(w) => {
                if w.is_nan() || w < pre || w.is_infinite() {
                    return Err(usage(
                        "window",
                        w,
                        &format!(
                            "the rental window must be finite and cover the pre-mining time \
                             ({pre} s): give a window ≥ {pre} s, or an unlimited rental"
                        ),
                    ));
                }
                w
            }
            None => pre,
        };
        if span / t > MAX_WINDOW_BLOCKS {
            let what = if window.is_some() {
                "window"
            } else {
                "premine_time"
            };
            return Err(usage(
                what,
                span,
                &format!(
                    "that is {:.0} expected blocks; the exact law is computed block by block \
                     and supports at most {MAX_WINDOW_BLOCKS} (a rental longer than that \
                     is, for any q < 1/2, within 1e-12 of an unlimited one)",
                    span / t
                ),
            ));
        }
        Ok(())
    }

    fn p(&self) -> f64 {
        1.0 - self.q
    }

    /// Law of the head start k (the attacker's lead at the broadcast), index k.
    ///
    /// During pre-mining the lead is a walk reflected at 0: +1 on an attacker block,
    /// max(0, L − 1) on an honest block (the attacker abandons a branch that falls behind and
    /// restarts on the new public tip). Honest blocks found during pre-mining extend the
    /// public chain from the fork point, so k is not a plain Poisson count of the attacker's
    /// blocks; an attacker that kept a losing branch would only do worse.
    ///
    /// Truncation: for q < 1/2 leads above K = ⌈46 / ln(p/q)⌉ are dropped (the walk from 0
    /// is dominated by its stationary geometric law, so the dropped mass is below
    /// (q/p)^(K+1) ≤ 1e-20); trailing entries whose total is below 1e-16 are trimmed.
    /// The Poisson sum over pre-mining blocks leaves out less than 1e-290.
    pub fn head_start_pmf(&self) -> Vec<f64> {
        let (mut pmf, _) = self.head_start(0);
        let mut tail = 0.0;
        while pmf.len() > 1 && tail + pmf[pmf.len() - 1] < 1e-16 {
            tail += pmf.pop().unwrap_or(0.0);
        }
        pmf
    }

    /// Head-start law exact enough for merchants up to `z_max`, and the mass it leaves out.
    fn head_start(&self, z_max: u32) -> (Vec<f64>, f64) {
        let lambda = self.premine_time / self.block_interval;
        if lambda == 0.0 || self.q == 0.0 {
            return (vec![1.0], 0.0);
        }
        let pois = Poisson::new(lambda);
        let steps = pois.pmf.len();
        let (q, p) = (self.q, self.p());
        // Highest lead kept: all of them when q ≥ p (the lead is at most the step count).
        let cap = if q < p {
            let k = f64::from(z_max) + 1.0 + (NATS / (p / q).ln()).ceil();
            (k as usize).min(steps)
        } else {
            steps
        };
        let mut v = vec![0.0; cap + 1];
        let mut next = vec![0.0; cap + 1];
        v[0] = 1.0;
        let mut out = vec![0.0; cap + 1];
        let (mut lost, mut neglected) = (0.0, 0.0);
        for (n, &w) in pois.pmf.iter().enumerate() {
            let top = n.min(cap);
            if w > 0.0 {
                for k in 0..=top {
                    out[k] += w * v[k];
                }
                neglected += w * lost;
            }
            // One block: honest moves k → max(0, k − 1), attacker k → k + 1.
            let new_top = (n + 1).min(cap);
            next[0] = p * (v[0] + if top >= 1 { v[1] } else { 0.0 });
            for k in 1..=new_top {
                let up = q * v[k - 1];
                let down = if k < top { p * v[k + 1] } else { 0.0 };
                next[k] = up + down;
            }
            if top == cap {
                lost += q * v[cap];
            }
            std::mem::swap(&mut v, &mut next);
        }
        (out, neglected)
    }

    /// Probability that the attacker succeeds against the merchant waiting for `z`
    /// confirmations (`z = 0`: acceptance at the broadcast). Requires a validated rental.
    pub fn success(&self, z: u32) -> f64 {
        self.outcome(z).success
    }

    /// [`Rental::success`] for z = 0..=`z_max` (index z), with one head-start law.
    pub fn success_all(&self, z_max: u32) -> Vec<f64> {
        self.outcomes(z_max).iter().map(|o| o.success).collect()
    }

    /// Expected seconds the attacker rents: from −P until success or the window's end.
    pub fn expected_rented_seconds(&self, z: u32) -> f64 {
        self.outcome(z).expected_rented_seconds
    }

    /// Expected number of blocks the rented hash finds while rented (q · E\[rented\] / T).
    pub fn expected_attacker_blocks(&self, z: u32) -> f64 {
        self.outcome(z).expected_attacker_blocks
    }

    /// The whole law for one merchant.
    pub fn outcome(&self, z: u32) -> Outcome {
        let (pmf, neglected) = self.head_start(z);
        self.outcome_with(z, &pmf, neglected)
    }

    /// The whole law for merchants z = 0..=`z_max` (index z), sharing one head-start law.
    pub fn outcomes(&self, z_max: u32) -> Vec<Outcome> {
        let (pmf, neglected) = self.head_start(z_max);
        (0..=z_max)
            .map(|z| self.outcome_with(z, &pmf, neglected))
            .collect()
    }

    fn outcome_with(&self, z: u32, pmf: &[f64], neglected: f64) -> Outcome {
        let (success, rented, bound) = match self.window {
            None => {
                let (s, e) = self.unlimited(z, pmf);
                (s, e, neglected)
            }
            Some(w) => {
                let (s, e, b) = self.windowed(z, pmf, w - self.premine_time);
                (s, e, b + neglected)
            }
        };
        Outcome {
            success,
            expected_rented_seconds: rented,
            expected_attacker_blocks: self.q * rented / self.block_interval,
            error_bound: bound,
        }
    }

    /// Unlimited rental: the closed form of [`analytic::exact`] averaged over the head start,
    /// and the expected rented time (finite only for q > 1/2).
    fn unlimited(&self, z: u32, pmf: &[f64]) -> (f64, f64) {
        let (q, p) = (self.q, self.p());
        if q >= p {
            let rented = if q > p {
                let steps: f64 = pmf
                    .iter()
                    .enumerate()
                    .map(|(k, &w)| w * unlimited_steps(q, z, k as u32))
                    .sum();
                self.premine_time + self.block_interval * steps
            } else {
                f64::INFINITY
            };
            return (1.0, rented);
        }
        let success = pmf
            .iter()
            .enumerate()
            .map(|(k, &w)| {
                let conv = Convention {
                    premined: k as u32,
                    tie: TieRule::FirstSeen,
                };
                w * analytic::exact(q, z, conv).value
            })
            .sum::<f64>()
            .min(1.0);
        // An attacker with q < 1/2 that never gives up fails with positive probability and
        // then rents forever.
        (success, f64::INFINITY)
    }

    /// Rental ending R = W − P seconds after the broadcast: the block race stepped block by
    /// block, mixed with Poisson(R/T) weights. Returns (success, E\[rented\], error bound).
    fn windowed(&self, z: u32, pmf: &[f64], post: f64) -> (f64, f64, f64) {
        let t = self.block_interval;
        let pois = Poisson::new(post / t);
        let n_len = pois.pmf.len();
        let mut race = Race::new(self.q, z, n_len, pmf);
        let surv = |n: usize| pois.surv.get(n).copied().unwrap_or(0.0);
        let surv_sum = |n: usize| pois.surv_sum.get(n).copied().unwrap_or(0.0);
        let mut acc_s = race.succeeded; // P(N_R ≥ 0) = 1
        let mut acc_e = race.alive() * surv(1);
        for n in 1..n_len {
            acc_s += race.step().total * surv(n);
            // A_n, not yet succeeded: alive or dropped (dropped counts as failure).
            let alive = race.alive();
            let not_succeeded = alive + race.dropped;
            acc_e += not_succeeded * surv(n + 1);
            // Still to come: success ≤ alive · P(N ≥ n + 1); rent ≤ A_n · Σ_{j≥n+2} P(N ≥ j).
            let s_tail = alive * surv(n + 1);
            let e_tail = not_succeeded * surv_sum(n + 2);
            if s_tail <= RELATIVE_TAIL * acc_s && e_tail <= RELATIVE_TAIL * acc_e {
                break;
            }
        }
        let rented = self.premine_time + t * acc_e;
        (acc_s.min(1.0), rented, race.error_bound(n_len))
    }
}

/// Expected blocks until success for an unlimited attacker with q > 1/2 and head start k:
/// the z-th honest block comes after z / p blocks on average, the attacker then has
/// M ~ NegBin(z, q) blocks, and from lead ℓ = k + M − z ≤ 0 the walk (drift q − p) needs
/// (1 − ℓ) / (q − p) blocks on average to reach +1.
fn unlimited_steps(q: f64, z: u32, k: u32) -> f64 {
    let p = 1.0 - q;
    let c = i64::from(z) + 1 - i64::from(k); // deficit + 1 with M = 0
    let mut behind = 0.0; // E[(c − M)^+]
    let mut pr = p.powi(z as i32); // Pr[M = 0]
    for m in 0..c.max(0) {
        behind += (c - m) as f64 * pr;
        if z == 0 {
            break; // M = 0 surely
        }
        pr *= q * (m as f64 + f64::from(z)) / (m as f64 + 1.0);
    }
    f64::from(z) / p + behind / (q - p)
}

/// Poisson(λ) probabilities with their survival function P(N ≥ n) and its suffix sums.
pub(crate) struct Poisson {
    /// pmf[n] for n below the point where the weights fall under [`POISSON_CUT`].
    pub(crate) pmf: Vec<f64>,
    /// surv[n] = P(N ≥ n), summed from the top (no cancellation); surv[pmf.len()] = 0.
    pub(crate) surv: Vec<f64>,
    /// surv_sum[n] = Σ_{j≥n} surv[j].
    surv_sum: Vec<f64>,
}

impl Poisson {
    /// Weights by the ratios pmf(n+1)/pmf(n) = λ/(n+1) outward from the mode, then normalised:
    /// no special function, relative accuracy about n·1e-16.
    pub(crate) fn new(lambda: f64) -> Poisson {
        let mut pmf = if lambda == 0.0 {
            vec![1.0]
        } else {
            let mode = lambda.floor() as usize;
            let mut below = Vec::new(); // weights at mode − 1, mode − 2, ...
            let mut w = 1.0;
            let mut n = mode;
            while n > 0 {
                w *= n as f64 / lambda;
                if w < POISSON_CUT {
                    break;
                }
                below.push(w);
                n -= 1;
            }
            let lo = mode - below.len();
            let mut pmf = vec![0.0; lo];
            pmf.extend(below.iter().rev());
            let mut w = 1.0;
            let mut n = mode;
            while w >= POISSON_CUT {
                pmf.push(w);
                n += 1;
                w *= lambda / n as f64;
            }
            pmf
        };
        let total: f64 = pmf.iter().sum();
        pmf.iter_mut().for_each(|w| *w /= total);
        let mut surv = vec![0.0; pmf.len() + 1];
        for n in (0..pmf.len()).rev() {
            surv[n] = (surv[n + 1] + pmf[n]).min(1.0);
        }
        let mut surv_sum = vec![0.0; surv.len() + 1];
        for n in (0..surv.len()).rev() {
            surv_sum[n] = surv_sum[n + 1] + surv[n];
        }
        Poisson {
            pmf,
            surv,
            surv_sum,
        }
    }
}

/// The discrete block race after the broadcast for merchant z: probability mass over
/// (h, ℓ), h = honest blocks since the broadcast capped at z, ℓ = attacker's lead (head start
/// plus attacker blocks minus honest blocks). Success (absorbing) is h = z and ℓ ≥ 1.
///
/// Rows h < z hold ℓ ∈ [−h, z + 1]: ℓ ≥ z − h + 1 guarantees success the moment h reaches z
/// (ℓ falls by one per honest block), and that set is closed, so leads above z + 1 are
/// lumped at z + 1 without changing the success time. Row z holds ℓ ∈ [−D, 0]; mass that
/// would fall below −D is dropped (counted as failure) and bounded in `error_bound`.
///
/// Shared with `economics::branch` (which also carries the first moment of the branch
/// length beside each state's mass, [`Race::with_moments`]) and `economics::profit` (which
/// needs the two ways of succeeding apart, [`Absorbed`]): one program for one law.
pub(crate) struct Race {
    q: f64,
    z: usize,
    /// Lowest lead kept in row z is −`depth`.
    pub(crate) depth: usize,
    rows: Vec<Vec<f64>>,
    next: Vec<Vec<f64>>,
    /// Mass absorbed at step 0 (z = 0 and a head start ≥ 1).
    pub(crate) succeeded: f64,
    /// Mass dropped below −D so far.
    pub(crate) dropped: f64,
    /// E[(B₀ + a)·1{state}] beside each state, if asked for ([`Race::with_moments`]).
    moments: Option<Moments>,
}

/// What one block of the race absorbs into success.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Absorbed {
    /// All mass that succeeds at this block.
    pub(crate) total: f64,
    /// The part that succeeds with the merchant's z-th honest block (lead ≥ 1 then): the
    /// attacker then has exactly n − z blocks since the broadcast at the n-th block.
    pub(crate) by_honest: f64,
    /// The part that succeeds with an attacker block from lead 0 after acceptance: with
    /// head start k it has (n + 1 − k)/2 blocks since the broadcast at the n-th block.
    pub(crate) by_attacker: f64,
    /// E[branch length · 1{succeeds at this block}] (0 without moments).
    pub(crate) moment: f64,
}

/// First moments of the branch length per state, now and after the step.
struct Moments {
    cur: Vec<Vec<f64>>,
    next: Vec<Vec<f64>>,
    /// E[branch · 1{success at step 0}].
    succeeded: f64,
}

impl Race {
    /// The race for merchant `z` started from the head-start law `pmf` (index k), with
    /// `n_len` blocks at most (it sets the truncation depth).
    pub(crate) fn new(q: f64, z: u32, n_len: usize, pmf: &[f64]) -> Race {
        let p = 1.0 - q;
        let z = z as usize;
        let n = n_len as f64;
        // From −D the walk needs D + 1 net attacker blocks: for q < p that has probability
        // (q/p)^(D+1); for any q a rise (or, for q ≥ p, a fall from −z) of D − z within n
        // blocks has probability ≤ 2 exp(−(D − z)²/(2n)) (Hoeffding with the reflection
        // principle); past n + z + 1 it is impossible.
        let by_hoeffding = z + 1 + (2.0 * n * NATS).sqrt().ceil() as usize;
        let by_ratio = if q < p && q > 0.0 {
            z + 1 + (NATS / (p / q).ln()).ceil() as usize
        } else if q == 0.0 {
            z + 1
        } else {
            usize::MAX
        };
        let depth = by_hoeffding.min(by_ratio).min(n_len + z + 1);
        let len = |h: usize| if h < z { z + 2 + h } else { depth + 1 };
        let rows: Vec<Vec<f64>> = (0..=z).map(|h| vec![0.0; len(h)]).collect();
        let next = rows.clone();
        let mut race = Race {
            q,
            z,
            depth,
            rows,
            next,
            succeeded: 0.0,
            dropped: 0.0,
            moments: None,
        };
        for (k, &w) in pmf.iter().enumerate() {
            if let Some(i) = race.start_index(k) {
                race.rows[0][i] += w;
            } else {
                race.succeeded += w;
            }
        }
        race
    }

    /// Where head start k starts in row 0; `None`: success at once (z = 0, k ≥ 1).
    fn start_index(&self, k: usize) -> Option<usize> {
        match (self.z, k) {
            (0, 0) => Some(self.depth),
            (0, _) => None,
            (z, k) => Some(k.min(z + 1)),
        }
    }

    /// Carry the first moment of the branch length too: `moment[k]` = E[B₀ · 1{k}], B₀ the
    /// branch length at the broadcast for head start k.
    pub(crate) fn with_moments(mut self, moment: &[f64]) -> Race {
        let mut m = Moments {
            cur: self.rows.iter().map(|r| vec![0.0; r.len()]).collect(),
            next: Vec::new(),
            succeeded: 0.0,
        };
        m.next = m.cur.clone();
        for (k, &u) in moment.iter().enumerate() {
            match self.start_index(k) {
                Some(i) => m.cur[0][i] += u,
                None => m.succeeded += u,
            }
        }
        self.moments = Some(m);
        self
    }

    /// E[branch · 1{success at step 0}] (0 without moments).
    pub(crate) fn succeeded_moment(&self) -> f64 {
        self.moments.as_ref().map_or(0.0, |m| m.succeeded)
    }

    /// Number of states (the work of one step).
    pub(crate) fn states(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// Mass neither absorbed nor dropped, summed over the states (not 1 − absorbed, which
    /// would lose all relative precision once success is nearly sure).
    pub(crate) fn alive(&self) -> f64 {
        self.rows.iter().flatten().sum()
    }

    /// The branch moment of the states still alive (0 without moments).
    pub(crate) fn alive_moment(&self) -> f64 {
        self.moments
            .as_ref()
            .map_or(0.0, |m| m.cur.iter().flatten().sum())
    }

    /// One block; returns what succeeds at this block.
    pub(crate) fn step(&mut self) -> Absorbed {
        let moment = match self.moments.take() {
            Some(mut m) => {
                let w = m.step(self.q, self.z, self.depth, &self.rows);
                self.moments = Some(m);
                w
            }
            None => 0.0,
        };
        let (q, p, z, d) = (self.q, 1.0 - self.q, self.z, self.depth);
        for row in &mut self.next {
            row.fill(0.0);
        }
        let (mut win, mut by_attacker) = (0.0, 0.0);
        // Rows h < z: index i = ℓ + h. An honest block moves (h, ℓ) to (h + 1, ℓ − 1), the
        // same index i in the next row.
        for h in 0..z {
            let (cur, next) = (&self.rows[h], &mut self.next);
            for (i, &m) in cur.iter().enumerate() {
                if m == 0.0 {
                    continue;
                }
                next[h][(i + 1).min(z + 1 + h)] += q * m;
                let lead = i as i64 - h as i64 - 1; // after the honest block
                if h + 1 < z {
                    next[h + 1][i] += p * m;
                } else if lead >= 1 {
                    win += p * m;
                } else {
                    next[z][(lead + d as i64) as usize] += p * m;
                }
            }
        }
        let by_honest = win;
        // Row z: index i = ℓ + D, ℓ ≤ 0.
        let mut lost = 0.0;
        {
            let (cur, next) = (&self.rows[z], &mut self.next[z]);
            for (i, &m) in cur.iter().enumerate() {
                if m == 0.0 {
                    continue;
                }
                if i == d {
                    win += q * m;
                    by_attacker += q * m;
                } else {
                    next[i + 1] += q * m;
                }
                if i == 0 {
                    lost += p * m;
                } else {
                    next[i - 1] += p * m;
                }
            }
        }
        std::mem::swap(&mut self.rows, &mut self.next);
        self.dropped += lost;
        Absorbed {
            total: win,
            by_honest,
            by_attacker,
            moment,
        }
    }

    /// Bound on the success the dropped mass could have had within `n_len` more blocks.
    fn error_bound(&self, n_len: usize) -> f64 {
        if self.dropped == 0.0 {
            return 0.0;
        }
        let (q, p) = (self.q, 1.0 - self.q);
        let rise = (self.depth - self.z) as f64;
        let mut factor = (2.0 * (-rise * rise / (2.0 * n_len as f64)).exp()).min(1.0);
        if q < p {
            factor = factor.min((q / p).powf(self.depth as f64 + 2.0));
        }
        self.dropped * factor
    }
}

impl Moments {
    /// The moments' step over the same transitions as the mass (before the mass moves):
    /// an attacker block adds one block to the branch of all the state's mass. Returns
    /// the moment absorbed.
    fn step(&mut self, q: f64, z: usize, d: usize, mass: &[Vec<f64>]) -> f64 {
        let p = 1.0 - q;
        let nu = &mut self.next;
        nu.iter_mut().for_each(|r| r.fill(0.0));
        let mut win = 0.0;
        for h in 0..z {
            for i in 0..mass[h].len() {
                let (m, u) = (mass[h][i], self.cur[h][i]);
                if m == 0.0 && u == 0.0 {
                    continue;
                }
                nu[h][(i + 1).min(z + 1 + h)] += q * (u + m);
                let lead = i as i64 - h as i64 - 1;
                if h + 1 < z {
                    nu[h + 1][i] += p * u;
                } else if lead >= 1 {
                    win += p * u;
                } else {
                    nu[z][(lead + d as i64) as usize] += p * u;
                }
            }
        }
        for i in 0..mass[z].len() {
            let (m, u) = (mass[z][i], self.cur[z][i]);
            if m == 0.0 && u == 0.0 {
                continue;
            }
            if i == d {
                win += q * (u + m);
            } else {
                nu[z][i + 1] += q * (u + m);
            }
            if i > 0 {
                nu[z][i - 1] += p * u;
            } // else: below −D, dropped with the mass
        }
        std::mem::swap(&mut self.cur, &mut self.next);
        win
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rental(q: f64, window: Option<f64>, pre: f64) -> Rental {
        Rental::new(q, 600.0, window, pre).unwrap()
    }

    #[test]
    fn bad_values_are_refused_with_the_field_named() {
        let msg = |r: Rental| r.validate().unwrap_err().to_string();
        let ok = Rental {
            q: 0.3,
            block_interval: 600.0,
            window: Some(3600.0),
            premine_time: 600.0,
        };
        assert!(ok.validate().is_ok());
        assert!(msg(Rental { q: 1.2, ..ok }).starts_with("q '1.2'"));
        assert!(msg(Rental { q: 1.0, ..ok }).starts_with("q '1'"));
        assert!(msg(Rental { q: -0.1, ..ok }).starts_with("q '-0.1'"));
        assert!(
            msg(Rental {
                block_interval: 0.0,
                ..ok
            })
            .starts_with("block_interval")
        );
        assert!(
            msg(Rental {
                premine_time: -1.0,
                ..ok
            })
            .starts_with("premine_time")
        );
        let short = msg(Rental {
            window: Some(300.0),
            ..ok
        });
        assert!(
            short.starts_with("window '300'") && short.contains("600"),
            "{short}"
        );
        let long = msg(Rental {
            window: Some(6.1e7),
            ..ok
        });
        assert!(long.contains("101667 expected blocks"), "{long}");
        let long_pre = msg(Rental {
            window: None,
            premine_time: 7e7,
            ..ok
        });
        assert!(long_pre.starts_with("premine_time"), "{long_pre}");
    }

    #[test]
    fn poisson_survival_matches_direct_sums() {
        // Reference: pmf from ln Γ, summed directly (another formula path).
        use statrs::function::gamma::ln_gamma;
        for lambda in [0.3, 6.0, 144.0] {
            let pois = Poisson::new(lambda);
            for n in [0usize, 1, 3, 7, 20, 144, 200] {
                let direct: f64 = (n..n + 2000)
                    .map(|j| (-lambda + j as f64 * lambda.ln() - ln_gamma(j as f64 + 1.0)).exp())
                    .sum();
                let got = pois.surv.get(n).copied().unwrap_or(0.0);
                // ln Γ near n = 200 carries ~1e-13 relative error, the recurrence ~n·1e-16.
                assert!(
                    (got - direct).abs() <= 1e-12 * direct + 1e-300,
                    "λ {lambda} n {n}: {got} vs {direct}"
                );
            }
        }
    }

    #[test]
    fn without_hash_the_rental_lasts_the_whole_window() {
        // q = 0: success is impossible, so the attacker rents the whole window.
        for (w, pre) in [(3600.0, 0.0), (7200.0, 1800.0), (86400.0, 86400.0)] {
            let r = rental(0.0, Some(w), pre);
            for z in 0..4 {
                let o = r.outcome(z);
                assert_eq!(o.success, 0.0);
                // Relative 1e-14: the Poisson weights are normalised sums of ~10³ terms.
                assert!((o.expected_rented_seconds - w).abs() <= 1e-14 * w, "{o:?}");
                assert_eq!(o.expected_attacker_blocks, 0.0);
            }
        }
    }

    #[test]
    fn head_start_sums_to_one() {
        for q in [0.1, 0.3, 0.45, 0.6] {
            let pmf = rental(q, None, 6000.0).head_start_pmf();
            let total: f64 = pmf.iter().sum();
            // Trimmed tail < 1e-16, rounding of ~100 products ~1e-14.
            assert!((total - 1.0).abs() < 1e-13, "q {q}: {total}");
        }
    }
}
