//! The law of the rented-hash attacker's profit for one attempt (docs/economics.md,
//! "Profit distribution"): exact in the zero-latency model where the program fits a work
//! budget, a seeded Monte Carlo of the same attacker with 95 % intervals otherwise.
//!
//! One attempt's profit is V·1{S} + r·B·1{S} − c·τ: S success within the window, B the
//! attacker's branch length at success (its blocks that replace honest ones, each paying
//! r = reward + fees), τ the rented seconds (W on failure), c the rental cost per second.
//! Failure is a point mass at −c·W. On success τ = P + σ_n, where n is the race block at
//! which the attacker succeeds and σ_n the arrival time of the n-th block after the
//! broadcast: Gamma(n, T), independent of which blocks were whose (uniformization). So the
//! success part is a mixture over atoms (n, b) of the discrete race:
//!
//! ```text
//! P(profit > x, S) = Σ_{n,b} s_{n,b} · P(N_{t_b(x)} ≥ n),   t_b(x) = min(R, (V + r b − x)/c − P),
//! ```
//!
//! N_t ~ Poisson(t/T), R = W − P the time after the broadcast. The atoms s_{n,b} come from
//! the exact law's race (`Race`) run once per head start k (0..=z, and "≥ z + 1", which
//! always succeeds with the z-th honest block): succeeding with the z-th honest block at
//! race block n the attacker has a = n − z blocks since the broadcast, succeeding with its
//! own block from lead 0 it has a = (n + 1 − k)/2; so b = B₀ + a with B₀ the branch at the
//! broadcast, whose joint law with k is the pre-mining walk carried with its branch length.

use super::Est;
use rand::RngExt;
use rand_distr::{Distribution, Exp};
use statrs::function::gamma::{gamma_lr, ln_gamma};

use super::{Economics, Market, Plan, total_interval};
use crate::attack::rental::exact::{Poisson, Race};
use crate::estimate::rng::{batch_rng, cell_key};

/// Most state updates the exact program may take per merchant (about a second optimised);
/// above it the law is simulated.
pub const EXACT_WORK_BUDGET: f64 = 3e8;
/// Attacks simulated per merchant where the law is simulated.
pub const TRIALS: u64 = 20_000;
/// Master seed of the simulated laws (cells keyed by q, z, window, pre-mining and value).
pub const SEED: u64 = 15;
/// Quantile levels printed.
pub const LEVELS: [f64; 3] = [0.05, 0.5, 0.95];
/// Lead truncation of the pre-mining walk, as in the exact law (e^−46 ≈ 1e-20).
const NATS: f64 = 46.0;
/// A race stops once what it can still absorb is below this fraction of a unit start.
const TAIL: f64 = 1e-17;
/// Two-sided 95 % normal quantile.
const Z95: f64 = 1.959_963_984_540_054;

/// The printed summary of the profit's law.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// "exact" or "simulated".
    pub method: &'static str,
    /// P(profit > 0).
    pub positive: Est,
    /// Quantiles at [`LEVELS`].
    pub quantiles: [Est; 3],
    /// Attacks simulated (0 where exact).
    pub trials: u64,
}

/// The exact law of one attempt's profit (zero-latency model).
#[derive(Clone, Debug)]
pub struct ExactLaw {
    value: f64,
    reward: f64,
    per_second: f64,
    premine: f64,
    t: f64,
    /// R = W − P, or `None` for an unlimited rental (q > 1/2 only).
    post: Option<f64>,
    /// mass[b][n] = P(the race succeeds at its block n with branch length b), before the
    /// window is applied.
    mass: Vec<Vec<f64>>,
    /// starts[b]: the first n with mass in row b (a row is a narrow band of n).
    starts: Vec<usize>,
    /// P(failure) = 1 − P(success within the window).
    failure: f64,
    /// Profit of a failed attempt is −loss.
    loss: f64,
}

/// Joint law of the head start (k, capped at z + 1: all k ≥ z + 1 race alike) and the
/// branch length B₀ at the broadcast, index [k][B₀]: the reflected pre-mining walk of the
/// exact law (an attacker block adds one to lead and branch; an honest block lowers the
/// lead, and at lead 0 the attacker restarts with an empty branch) over Poisson(P/T)
/// blocks.
fn head_start_joint(q: f64, lambda: f64, z: u32) -> Vec<Vec<f64>> {
    let groups = z as usize + 2;
    if lambda == 0.0 || q == 0.0 {
        let mut out = vec![Vec::new(); groups];
        out[0] = vec![1.0];
        return out;
    }
    let p = 1.0 - q;
    // Pre-mining block counts beyond the point where P(N ≥ n) < 1e-20 are left out (they
    // would change no printed figure; the exact law keeps them to 1e-300).
    let pois = Poisson::new(lambda);
    let steps = pois.surv.iter().take_while(|&&s| s >= 1e-20).count().max(1);
    let pmf = &pois.pmf[..steps];
    // Leads above the cap are dropped (mass below (q/p)^(cap+1), as in the exact law).
    let cap = if q < p {
        let k = f64::from(z) + 1.0 + (NATS / (p / q).ln()).ceil();
        (k as usize).min(steps)
    } else {
        steps
    };
    let width = steps + 1;
    let mut v = vec![vec![0.0; width]; cap + 2];
    let mut nv = v.clone();
    v[0][0] = 1.0;
    let mut out = vec![vec![0.0; width]; groups];
    // After n blocks the lead k and the branch b satisfy k ≤ b ≤ n.
    for (n, &w) in pmf.iter().enumerate() {
        let top_b = n.min(width - 1);
        let top_k = n.min(cap);
        for (k, row) in v.iter().enumerate().take(top_k + 1) {
            let g = k.min(groups - 1);
            for b in k..=top_b {
                out[g][b] += w * row[b];
            }
        }
        for r in nv.iter_mut().take(top_k + 2) {
            r[..=(top_b + 1).min(width - 1)].fill(0.0);
        }
        for k in 0..=top_k {
            for b in k..=top_b {
                let m = v[k][b];
                if m == 0.0 {
                    continue;
                }
                if b + 1 < width {
                    nv[k + 1][b + 1] += q * m;
                }
                if k == 0 {
                    nv[0][0] += p * m; // behind: the branch is abandoned
                } else {
                    nv[k - 1][b] += p * m;
                }
            }
        }
        std::mem::swap(&mut v, &mut nv);
        v[cap + 1].fill(0.0);
    }
    out
}

/// Steps of an unlimited race (q > 1/2) after which the mass still racing is negligible
/// (it is left out): about (z + 1)/(2q − 1) steps are needed on average, and the
/// margin 200/(2q − 1)² covers the walk's spread (the race also stops early once the mass
/// still racing is below 1e-17).
fn unlimited_steps(q: f64, z: u32) -> usize {
    let drift = 2.0 * q - 1.0;
    (4.0 * (f64::from(z) + 1.0) / drift + 200.0 / (drift * drift)).ceil() as usize
}

impl ExactLaw {
    /// The exact law of `plan` against merchant `z` for a payment of `value` coins, or
    /// `None` where it is not computed: the program would exceed [`EXACT_WORK_BUDGET`], or
    /// an unlimited rental at q ≤ 1/2 (it rents forever on failure or on average).
    pub fn new(market: &Market, plan: Plan, value: f64, z: u32) -> Option<ExactLaw> {
        let t = total_interval(market, plan.q);
        let (post, n_len) = match plan.window {
            Some(w) => {
                let r = w - plan.premine;
                (Some(r), Poisson::new(r / t).pmf.len())
            }
            None if plan.q > 0.5 => (None, unlimited_steps(plan.q, z)),
            None => return None,
        };
        let lambda = plan.premine / t;
        let (pre_steps, pre_cap) = if lambda > 0.0 {
            let steps = Poisson::new(lambda).pmf.len() as f64;
            let (q, p) = (plan.q, 1.0 - plan.q);
            let cap = if q < p {
                f64::from(z) + 2.0 + NATS / (p / q).ln()
            } else {
                steps
            };
            (steps, cap.min(steps))
        } else {
            (0.0, 0.0)
        };
        let groups = if lambda > 0.0 {
            f64::from(z) + 2.0
        } else {
            1.0
        };
        let probe = Race::new(plan.q, z, n_len, &[1.0]);
        let work = groups * n_len as f64 * probe.states() as f64 + pre_steps * pre_steps * pre_cap;
        if work > EXACT_WORK_BUDGET {
            return None;
        }
        let joint = head_start_joint(plan.q, lambda, z);
        let mut mass: Vec<Vec<f64>> = Vec::new();
        // Atoms below 1e-20 of a unit change no printed figure (even 1e7 of them stay below
        // 1e-13); leaving them out bounds the rows to where the law has mass, and keeps the
        // quantile search short (they count as failure, as the race's own truncation does).
        let mut add = |b: usize, n: usize, m: f64| {
            if m < 1e-20 {
                return;
            }
            if mass.len() <= b {
                mass.resize(b + 1, Vec::new());
            }
            if mass[b].len() <= n {
                mass[b].resize(n + 1, 0.0);
            }
            mass[b][n] += m;
        };
        let surv = post.map(|r| Poisson::new(r / t).surv);
        for (k, b0_law) in joint.iter().enumerate() {
            if b0_law.iter().all(|&w| w == 0.0) {
                continue;
            }
            let (honest, attacker, at_once) = race_by_block(plan.q, z, k, n_len, surv.as_deref());
            for (b0, &w) in b0_law.iter().enumerate() {
                if w == 0.0 {
                    continue;
                }
                if at_once > 0.0 {
                    add(b0, 0, w * at_once);
                }
                for (n, &s) in honest.iter().enumerate() {
                    if s > 0.0 {
                        add(b0 + n - z as usize, n, w * s);
                    }
                }
                for (n, &s) in attacker.iter().enumerate() {
                    if s > 0.0 {
                        debug_assert!((n + 1 - k) % 2 == 0, "parity of the attacker's count");
                        add(b0 + (n + 1 - k) / 2, n, w * s);
                    }
                }
            }
        }
        let starts = mass
            .iter()
            .map(|r| r.iter().position(|&m| m > 0.0).unwrap_or(r.len()))
            .collect();
        let per_second = market.cost_btc_per_second(plan.q) / market.price;
        let mut law = ExactLaw {
            value,
            reward: market.reward_per_block,
            per_second,
            premine: plan.premine,
            t,
            post,
            mass,
            starts,
            failure: 0.0,
            loss: plan.window.map_or(f64::INFINITY, |w| per_second * w),
        };
        // An unlimited majority rental succeeds surely; what is left racing is truncation.
        law.failure = if post.is_some() {
            (1.0 - law.success()).max(0.0)
        } else {
            0.0
        };
        Some(law)
    }

    /// P(the n-th block after the broadcast comes within t seconds) for n = 0.., as a
    /// Poisson(t/T) survival; t = ∞ gives 1 for all n.
    fn within(&self, t: f64) -> Vec<f64> {
        if t.is_infinite() {
            return vec![1.0; self.mass.iter().map(Vec::len).max().unwrap_or(0) + 2];
        }
        Poisson::new(t / self.t).surv
    }

    /// P(N ≥ n) for n in [`start`, `len`), N ~ Poisson(t/T), in O(`len` − `start`) whatever
    /// t: P(N ≥ start) from statrs's regularised incomplete gamma, then downward by the
    /// Poisson weights (one ln Γ and the ratios λ/(n + 1)). Absolute error ~1e-15, far below
    /// any printed probability or quantile; the whole Poisson law would cost its full width
    /// (a row of atoms is a narrow band of n).
    fn within_band(&self, t: f64, start: usize, len: usize) -> Vec<f64> {
        let lambda = t / self.t;
        if lambda.is_infinite() {
            return vec![1.0; len - start];
        }
        if lambda <= 0.0 {
            return (start..len).map(|n| f64::from(u8::from(n == 0))).collect();
        }
        let mut g = if start == 0 {
            1.0
        } else {
            gamma_lr(start as f64, lambda)
        };
        let j = start as f64;
        let mut w = (-lambda + j * lambda.ln() - ln_gamma(j + 1.0)).exp();
        (start..len)
            .map(|n| {
                let here = g.max(0.0);
                g -= w;
                w *= lambda / (n + 1) as f64;
                here
            })
            .collect()
    }

    /// Σ_{b,n} mass[b][n] · f(b, P(σ_n ≤ R), P(σ_{n+1} ≤ R)), R the window after the broadcast.
    fn over_window(&self, f: impl Fn(usize, usize, f64, f64) -> f64) -> f64 {
        let g = self.within(self.post.unwrap_or(f64::INFINITY));
        let at = |n: usize| g.get(n).copied().unwrap_or(0.0);
        let mut sum = 0.0;
        for (b, row) in self.mass.iter().enumerate() {
            for (n, &m) in row.iter().enumerate() {
                if m > 0.0 {
                    sum += m * f(b, n, at(n), at(n + 1));
                }
            }
        }
        sum
    }

    /// P(success within the window), from the atoms.
    pub fn success(&self) -> f64 {
        self.over_window(|_, _, g, _| g).min(1.0)
    }

    /// E[B · 1{success}]: the attacker's blocks kept, from the atoms.
    pub fn branch_blocks(&self) -> f64 {
        self.over_window(|b, _, g, _| b as f64 * g)
    }

    /// E\[profit\], from the atoms: failure at −c·W, success V + r·b − c·(P + σ_n) with
    /// E[σ_n · 1{σ_n ≤ R}] = n·T·P(N_R ≥ n + 1).
    pub fn mean(&self) -> f64 {
        let (v, r, c, pre, t) = (
            self.value,
            self.reward,
            self.per_second,
            self.premine,
            self.t,
        );
        let fail = if self.failure > 0.0 {
            -self.loss * self.failure
        } else {
            0.0
        };
        fail + self
            .over_window(|b, n, g, g1| (v + r * b as f64 - c * pre) * g - c * n as f64 * t * g1)
    }

    /// P(profit > x).
    pub fn survival(&self, x: f64) -> f64 {
        let failed = if x < -self.loss { self.failure } else { 0.0 };
        let mut sum = 0.0;
        let r_post = self.post.unwrap_or(f64::INFINITY);
        for (b, row) in self.mass.iter().enumerate() {
            if row.iter().all(|&m| m == 0.0) {
                continue;
            }
            let margin = self.value + self.reward * b as f64 - x; // profit before rent
            if margin <= self.per_second * self.premine {
                continue; // even succeeding at the broadcast does not beat x
            }
            let time = if self.per_second > 0.0 {
                (margin / self.per_second - self.premine).min(r_post)
            } else {
                r_post
            };
            let start = self.starts[b];
            let g = self.within_band(time, start, row.len());
            sum += row[start..].iter().zip(&g).map(|(m, g)| m * g).sum::<f64>();
        }
        failed + sum
    }

    /// The p-quantile inf{x : P(profit ≤ x) ≥ p}, p in (0, 1).
    pub fn quantile(&self, p: f64) -> f64 {
        if p <= self.failure {
            return -self.loss;
        }
        let target = 1.0 - p; // find the least x with survival(x) ≤ target
        let top = self
            .mass
            .iter()
            .enumerate()
            .filter(|(_, r)| r.iter().any(|&m| m > 0.0))
            .map(|(b, _)| self.value + self.reward * b as f64 - self.per_second * self.premine)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut hi = top;
        let mut lo = if self.loss.is_finite() {
            -self.loss
        } else {
            let mut step = (self.per_second * self.t).max(1e-12);
            let mut lo = hi - step;
            while self.survival(lo) <= target && step < 1e300 {
                step *= 2.0;
                lo = hi - step;
            }
            lo
        };
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            // 1e-10 relative: far below the printed precision.
            if hi - lo <= 1e-10 * (hi.abs() + lo.abs()) || mid <= lo || mid >= hi {
                break;
            }
            if self.survival(mid) <= target {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// The printed summary.
    pub fn summary(&self) -> Summary {
        Summary {
            method: "exact",
            positive: Est::exact(self.survival(0.0)),
            quantiles: LEVELS.map(|p| Est::exact(self.quantile(p))),
            trials: 0,
        }
    }
}

/// The race started from head start `k` (k = z + 1 stands for every k ≥ z + 1): the mass
/// that succeeds at each block by the z-th honest block and by an attacker block, and at
/// once (z = 0, k ≥ 1). `surv[n]` = P(N_R ≥ n) stops it once the rest cannot matter.
fn race_by_block(
    q: f64,
    z: u32,
    k: usize,
    n_len: usize,
    surv: Option<&[f64]>,
) -> (Vec<f64>, Vec<f64>, f64) {
    let mut start = vec![0.0; k + 1];
    start[k] = 1.0;
    let mut race = Race::new(q, z, n_len, &start);
    let (mut honest, mut attacker) = (vec![0.0], vec![0.0]);
    let weight = |n: usize| surv.map_or(1.0, |s| s.get(n).copied().unwrap_or(0.0));
    for n in 1..n_len {
        let won = race.step();
        honest.push(won.by_honest);
        attacker.push(won.by_attacker);
        if race.alive() * weight(n + 1) <= TAIL {
            break;
        }
    }
    (honest, attacker, race.succeeded)
}

/// One simulated attack of the continuous-time process: its profit.
fn trial(
    (q, t, z, window, pre): (f64, f64, u32, f64, f64),
    (value, reward, per_second): (f64, f64, f64),
    rng: &mut crate::estimate::rng::SimRng,
) -> f64 {
    let exp = Exp::new(1.0 / t).expect("a positive block rate");
    let mut clock = -pre;
    let (mut lead, mut branch) = (0i64, 0u64);
    loop {
        clock += exp.sample(rng);
        if clock > 0.0 {
            break;
        }
        if rng.random::<f64>() < q {
            lead += 1;
            branch += 1;
        } else if lead == 0 {
            branch = 0;
        } else {
            lead -= 1;
        }
    }
    let won = |branch: u64, rent: f64| value + reward * branch as f64 - per_second * rent;
    if z == 0 && lead >= 1 {
        return won(branch, pre);
    }
    let mut honest = 0u32;
    while clock <= window - pre {
        if rng.random::<f64>() < q {
            lead += 1;
            branch += 1;
        } else {
            lead -= 1;
            honest += 1;
        }
        if honest >= z && lead >= 1 {
            return won(branch, pre + clock);
        }
        clock += exp.sample(rng);
    }
    -per_second * window
}

/// The law simulated: `trials` seeded attacks (batches of 1000 from [`batch_rng`], the cell
/// keyed by q, z, window, pre-mining and value); P(profit > 0) with its Wilson 95 %
/// interval, quantiles with their distribution-free 95 % order-statistic intervals.
/// An unlimited rental needs q > 1/2 (it would not end otherwise).
pub fn simulate(
    market: &Market,
    plan: Plan,
    value: f64,
    z: u32,
    trials: u64,
    seed: u64,
) -> Option<Summary> {
    if plan.window.is_none() && plan.q <= 0.5 || trials == 0 {
        return None;
    }
    let t = total_interval(market, plan.q);
    let per_second = market.cost_btc_per_second(plan.q) / market.price;
    let window = plan.window.unwrap_or(f64::INFINITY);
    let cell = cell_key(&[
        plan.q.to_bits(),
        u64::from(z),
        window.to_bits(),
        plan.premine.to_bits(),
        value.to_bits(),
    ]);
    let mut profits = Vec::with_capacity(trials as usize);
    let batches = trials.div_ceil(1000);
    for b in 0..batches {
        let mut rng = batch_rng(seed, cell, b);
        let count = (trials - b * 1000).min(1000);
        for _ in 0..count {
            profits.push(trial(
                (plan.q, t, z, window, plan.premine),
                (value, market.reward_per_block, per_second),
                &mut rng,
            ));
        }
    }
    profits.sort_by(f64::total_cmp);
    let n = profits.len() as f64;
    let positive = profits.iter().filter(|&&x| x > 0.0).count() as f64;
    Some(Summary {
        method: "simulated",
        positive: wilson(positive, n),
        quantiles: LEVELS.map(|p| order_statistic(&profits, p)),
        trials,
    })
}

/// Wilson 95 % interval of a proportion k/n.
fn wilson(k: f64, n: f64) -> Est {
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Est {
        value: p,
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
    }
}

/// The p-quantile of sorted samples (the ⌈np⌉-th) with the 95 % interval between the order
/// statistics of ranks np ∓ 1.96·√(np(1 − p)) (the count below a quantile is binomial).
fn order_statistic(sorted: &[f64], p: f64) -> Est {
    let n = sorted.len() as f64;
    let at = |rank: f64| sorted[(rank.clamp(1.0, n) as usize) - 1];
    let half = Z95 * (n * p * (1.0 - p)).sqrt();
    Est {
        value: at((n * p).ceil()),
        lo: at((n * p - half).floor()),
        hi: at((n * p + half).ceil()),
    }
}

/// The profit's law of a plan: exact where [`ExactLaw::new`] computes it, else simulated
/// ([`TRIALS`] attacks, seed [`SEED`]); `None` for an unlimited rental at q ≤ 1/2.
pub fn summary(market: &Market, plan: Plan, value: f64, z: u32) -> Option<Summary> {
    match ExactLaw::new(market, plan, value, z) {
        Some(law) => Some(law.summary()),
        None => simulate(market, plan, value, z, TRIALS, SEED),
    }
}

/// `e` with its profit law's columns filled in (see [`summary`]).
pub fn with_law(market: &Market, value: f64, mut e: Economics) -> Economics {
    let plan = Plan {
        q: e.q,
        window: e.window,
        premine: e.premine,
    };
    if let Some(s) = summary(market, plan, value, e.z) {
        e.law = s.method.to_string();
        e.law_trials = s.trials;
        e.p_profit_positive = Some(s.positive.value);
        e.p_profit_positive_lo = Some(s.positive.lo);
        e.p_profit_positive_hi = Some(s.positive.hi);
        let [a, b, c] = s.quantiles;
        (e.profit_q05, e.profit_q05_lo, e.profit_q05_hi) = (Some(a.value), Some(a.lo), Some(a.hi));
        (e.profit_q50, e.profit_q50_lo, e.profit_q50_hi) = (Some(b.value), Some(b.lo), Some(b.hi));
        (e.profit_q95, e.profit_q95_lo, e.profit_q95_hi) = (Some(c.value), Some(c.lo), Some(c.hi));
    }
    e
}
