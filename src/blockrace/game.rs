//! The mining game of the attacker MDP (Sapirshtein, Sompolinsky and Zohar, FC 2016), played
//! by Monte Carlo: the replay of selfish-mining and optimal policies (docs/replay.md).
//!
//! A state is (a, h, fork) as in `crate::mdp::model`. At each state the strategy picks an
//! action; then one mining event follows: the attacker's block with probability α, else an
//! honest one, which during an active fork lands on the attacker's branch with probability
//! γ. Rewards as in docs/optimize.md: adopt pays the honest network h blocks; override pays
//! the attacker h + 1; a race won by the γ share pays the attacker h. A published branch
//! that orphans an honest branch of at least Z blocks is a reversal.
//!
//! This file is written from the paper and the table, not from the solver's code, so the
//! replay is an independent check of it. The unit of sampling is the **renewal cycle**:
//! from the fresh start (both branches empty) to the next return there (adopt, or override
//! with no private block left). Cycles are i.i.d., so the long-run ratios are ratio
//! estimators over cycles, and their variance is the cluster (linearisation) variance with
//! each cycle a unit ([`Moments::ratio`]).

use rayon::prelude::*;

use crate::estimate::rng::{SimRng, batch_rng, unit_f64};
pub use crate::mdp::model::{Action, Fork};

/// A cycle longer than this many mining events is cut off and counted as runaway (a policy
/// that never returns to the fresh start would otherwise never end a trial).
pub const MAX_CYCLE_EVENTS: u64 = 100_000_000;

/// Cycles per batch (each batch has its own seeded generator).
pub const BATCH_CYCLES: u64 = 1 << 14;

/// An attacker strategy: the action at a state. `fallback` says the strategy's own rule
/// did not cover the state (a policy file's missing state) and a default rule decided.
pub trait GameStrategy: Sync {
    /// The action at (a, h, fork), and whether the fallback rule chose it. The action must
    /// be legal: override needs a > h; match needs fork relevant and a ≥ h ≥ 1.
    fn act(&self, a: u32, h: u32, fork: Fork) -> (Action, bool);
}

/// Whether `action` is allowed at (a, h, fork) in the unbounded game.
pub fn legal(a: u32, h: u32, fork: Fork, action: Action) -> bool {
    match action {
        Action::Adopt | Action::Wait => a + h > 0,
        Action::Override => a > h,
        Action::Match => fork == Fork::Relevant && a >= h && h >= 1,
    }
}

/// The game's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GameParams {
    /// Attacker share α, in (0, 1/2).
    pub alpha: f64,
    /// Share γ of honest hash rate mining on the attacker's branch during an active fork.
    pub gamma: f64,
    /// Honest branches of at least this many blocks count as reversals when orphaned
    /// (`u32::MAX`: none are counted).
    pub z: u32,
}

/// What one cycle produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cycle {
    /// Attacker blocks that entered the main chain.
    pub att: u64,
    /// Honest blocks that entered the main chain.
    pub hon: u64,
    /// Reversals (orphaned honest branches of ≥ Z blocks).
    pub rev: u64,
    /// Mining events (block intervals).
    pub steps: u64,
    /// Decisions made by the strategy's fallback rule.
    pub fallbacks: u64,
    /// Whether the cycle hit [`MAX_CYCLE_EVENTS`].
    pub runaway: bool,
}

/// Play one renewal cycle from the fresh start.
#[inline]
pub fn cycle<S: GameStrategy>(p: &GameParams, s: &S, rng: &mut SimRng) -> Cycle {
    let mut c = Cycle::default();
    // The fresh start's mining event opens the cycle.
    let (mut a, mut h, mut fork) = if draw(rng) < p.alpha {
        (1u32, 0u32, Fork::Irrelevant)
    } else {
        (0, 1, Fork::Relevant)
    };
    c.steps = 1;
    let split = p.alpha + p.gamma * (1.0 - p.alpha);
    loop {
        let (action, fell_back) = s.act(a, h, fork);
        c.fallbacks += u64::from(fell_back);
        debug_assert!(
            legal(a, h, fork, action),
            "{action} at ({a}, {h}, {fork:?})"
        );
        match action {
            Action::Adopt => {
                c.hon += u64::from(h);
                return c;
            }
            Action::Override => {
                c.att += u64::from(h) + 1;
                c.rev += u64::from(h >= p.z);
                a -= h + 1;
                if a == 0 {
                    // Back to the fresh start: its mining event belongs to the next cycle.
                    return c;
                }
                h = 0;
                fork = Fork::Irrelevant;
            }
            Action::Match => fork = Fork::Active,
            Action::Wait => {}
        }
        if c.steps >= MAX_CYCLE_EVENTS {
            c.runaway = true;
            return c;
        }
        c.steps += 1;
        let u = draw(rng);
        if u < p.alpha {
            a += 1;
            if fork != Fork::Active {
                fork = Fork::Irrelevant;
            }
        } else if fork == Fork::Active && u < split {
            // An honest block on the attacker's published branch: that branch wins the race.
            c.att += u64::from(h);
            c.rev += u64::from(h >= p.z);
            a -= h;
            h = 1;
            fork = Fork::Relevant;
        } else {
            h += 1;
            fork = Fork::Relevant;
        }
    }
}

#[inline]
fn draw(rng: &mut SimRng) -> f64 {
    unit_f64(rand::Rng::next_u64(rng))
}

/// The per-cycle counts as a vector: attacker blocks, honest blocks, reversals, mining
/// events (the order of [`Moments`]' indices).
pub const ATT: usize = 0;
/// Index of honest main-chain blocks.
pub const HON: usize = 1;
/// Index of reversals.
pub const REV: usize = 2;
/// Index of mining events.
pub const STEPS: usize = 3;

/// Exact first and second moments of the per-cycle counts (integers, so batches merge
/// exactly and in any order: the same bytes for any thread count).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Moments {
    /// Cycles.
    pub cycles: u64,
    /// Σ over cycles of each count.
    pub sum: [u128; 4],
    /// Σ over cycles of each product of two counts.
    pub cross: [[u128; 4]; 4],
    /// Fallback decisions.
    pub fallbacks: u64,
    /// Cycles cut at [`MAX_CYCLE_EVENTS`].
    pub runaway: u64,
}

/// A ratio of long-run averages with its standard error and interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatioEstimate {
    /// Σ numerator / Σ denominator over all cycles.
    pub value: f64,
    /// Standard error (cluster variance over cycles).
    pub se: f64,
}

impl Moments {
    /// Add one cycle.
    #[inline]
    pub fn add(&mut self, c: &Cycle) {
        let v = [c.att, c.hon, c.rev, c.steps].map(u128::from);
        self.cycles += 1;
        for i in 0..4 {
            self.sum[i] += v[i];
            for j in i..4 {
                self.cross[i][j] += v[i] * v[j];
            }
        }
        self.fallbacks += c.fallbacks;
        self.runaway += u64::from(c.runaway);
    }

    /// Add another part (exact).
    pub fn merge(&mut self, o: &Moments) {
        self.cycles += o.cycles;
        for i in 0..4 {
            self.sum[i] += o.sum[i];
            for j in i..4 {
                self.cross[i][j] += o.cross[i][j];
            }
        }
        self.fallbacks += o.fallbacks;
        self.runaway += o.runaway;
    }

    fn second(&self, i: usize, j: usize) -> f64 {
        self.cross[i.min(j)][i.max(j)] as f64
    }

    /// The ratio Σ x / Σ n for per-cycle x = c·counts and n = d·counts, with the cluster
    /// variance v = U/(U−1) · Σ (x − R n)² / (Σ n)² over the U cycles (as
    /// `crate::estimate::units::ratio_variance`, from the moments instead of the list).
    pub fn ratio(&self, c: [f64; 4], d: [f64; 4]) -> RatioEstimate {
        let dot = |w: [f64; 4]| (0..4).map(|i| w[i] * self.sum[i] as f64).sum::<f64>();
        let quad = |x: [f64; 4], y: [f64; 4]| {
            let mut s = 0.0;
            for (i, xi) in x.iter().enumerate() {
                for (j, yj) in y.iter().enumerate() {
                    s += xi * yj * self.second(i, j);
                }
            }
            s
        };
        let (sx, sn) = (dot(c), dot(d));
        let r = sx / sn;
        let u = self.cycles as f64;
        let ss = (quad(c, c) - 2.0 * r * quad(c, d) + r * r * quad(d, d)).max(0.0);
        let v = if u > 1.0 {
            ss * u / (u - 1.0) / (sn * sn)
        } else {
            f64::NAN
        };
        RatioEstimate {
            value: r,
            se: v.sqrt(),
        }
    }

    /// Mean events per cycle (for speed figures and the header).
    pub fn steps(&self) -> u128 {
        self.sum[STEPS]
    }
}

/// Play `cycles` cycles in batches of [`BATCH_CYCLES`] on the current rayon pool; batch b
/// draws from `batch_rng(seed, key, b)`, so the result does not depend on the threads.
pub fn play<S: GameStrategy>(p: &GameParams, s: &S, cycles: u64, seed: u64, key: u64) -> Moments {
    let batches = cycles.div_ceil(BATCH_CYCLES);
    (0..batches)
        .into_par_iter()
        .map(|b| {
            let n = BATCH_CYCLES.min(cycles - b * BATCH_CYCLES);
            let mut rng = batch_rng(seed, key, b);
            let mut m = Moments::default();
            for _ in 0..n {
                m.add(&cycle(p, s, &mut rng));
            }
            m
        })
        .reduce(Moments::default, |mut x, y| {
            x.merge(&y);
            x
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::units::ratio_variance;
    use rand::SeedableRng;

    /// Honest mining: publish at once (override when ahead), else adopt.
    struct Honest;
    impl GameStrategy for Honest {
        fn act(&self, a: u32, h: u32, _: Fork) -> (Action, bool) {
            (
                if a > h {
                    Action::Override
                } else {
                    Action::Adopt
                },
                false,
            )
        }
    }

    #[test]
    fn honest_cycles_are_one_block_each() {
        // Every cycle is one block: the attacker's (override of 1) or an honest one (adopt).
        let p = GameParams {
            alpha: 0.3,
            gamma: 0.5,
            z: 1,
        };
        let mut rng = SimRng::seed_from_u64(7);
        for _ in 0..1000 {
            let c = cycle(&p, &Honest, &mut rng);
            assert_eq!((c.att + c.hon, c.steps, c.rev), (1, 1, 0), "{c:?}");
        }
    }

    #[test]
    fn moment_variance_equals_the_listed_ratio_variance() {
        // The same cycles, once as moments and once as a list through estimate::units.
        let p = GameParams {
            alpha: 0.4,
            gamma: 0.5,
            z: 2,
        };
        struct Greedy;
        impl GameStrategy for Greedy {
            fn act(&self, a: u32, h: u32, f: Fork) -> (Action, bool) {
                let act = if a >= h + 2 || h == 0 {
                    Action::Wait
                } else if a > h {
                    Action::Override
                } else if f == Fork::Relevant && a == h {
                    Action::Match
                } else if a < h {
                    Action::Adopt
                } else {
                    Action::Wait
                };
                (act, false)
            }
        }
        let mut rng = SimRng::seed_from_u64(3);
        let mut m = Moments::default();
        let (mut x, mut n) = (Vec::new(), Vec::new());
        for _ in 0..5000 {
            let c = cycle(&p, &Greedy, &mut rng);
            m.add(&c);
            x.push((c.att + 3 * c.rev) as f64);
            n.push(c.steps);
        }
        let est = m.ratio([1.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 1.0]);
        let (v, _) = ratio_variance(&x, &n);
        let want = x.iter().sum::<f64>() / n.iter().sum::<u64>() as f64;
        assert!((est.value - want).abs() < 1e-12);
        assert!(
            (est.se * est.se / v - 1.0).abs() < 1e-9,
            "{} vs {v}",
            est.se
        );
    }
}
