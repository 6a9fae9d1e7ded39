//! Importance sampling for the private-branch attacks (Finney, majority) in timed mining,
//! on any network.
//!
//! In the timed engine the next block comes after an Exp(1/T) wait whatever its finder,
//! and its finder is the attacker with probability q, honest miner i with p·sᵢ. Changing
//! the measure only in who finds blocks — the attacker with q', miner i with p'·sᵢ — leaves
//! every block time, relay delay and honest share sᵢ as they are, and the likelihood ratio
//! of a path with a attacker and h honest blocks is L = (q/q')^a (p/p')^h, exactly as in
//! the block race (`crate::blockrace::is`). The tilts are the block race's: q' = ½ until every
//! merchant has accepted, then the exchanged rates q' = p when the rest is walked (on a
//! real network); on the zero-latency network the rest is the exact conditional win
//! probability, credited instead of sampled.
//!
//! A merchant is credited L at the moment it is reversed (L is a martingale, that moment a
//! stopping time), so one trial still serves every z. The engine draws a block before it
//! delivers the arrivals due before that block's time; L then counts only the blocks found
//! before those arrivals (a later block's factor has mean 1 and would only add variance:
//! ×1.64 in the second moment per reversal at tilt ½, q = 0.1). Weights are stored divided by
//! s_z = exp(z · c), c = ln(q/q') + ln(p/p'), like the block race's; merchant z = 0 (the
//! listening-period merchant, index 0 of the weights) has s₀ = 1.

use rand::Rng;

use super::engine::{Finder, Hash, World};
use super::private::Sampler;
use crate::estimate::weighted::BatchSums;
use crate::estimate::weighted::{Tilt, ln_scale_step};

/// The tilted measures of one cell: shared by its trials.
#[derive(Clone, Debug)]
pub struct Tilted {
    /// Finders until every merchant has accepted.
    before: Hash,
    /// Finders afterwards.
    after: Hash,
    /// (ln q/q', ln p/p') before and after.
    ln: [(f64, f64); 2],
    /// c = ln of the per-z weight scale.
    ln_step: f64,
    /// e^c.
    step: f64,
}

impl Tilted {
    /// Tilt `tilt` of a cell with attacker share `q` and relative honest shares `honest`.
    pub fn new(q: f64, honest: &[f64], tilt: Tilt) -> Tilted {
        let ln = |t: f64| ((q / t).ln(), ((1.0 - q) / (1.0 - t)).ln());
        Tilted {
            before: Hash::new(tilt.accept, honest),
            after: Hash::new(tilt.tail, honest),
            ln: [ln(tilt.accept), ln(tilt.tail)],
            ln_step: ln_scale_step(q, tilt.accept),
            step: ln_scale_step(q, tilt.accept).exp(),
        }
    }

    /// A sampler for one trial, crediting `sums` (merchants z = 1 ..= `z_max`, and 0).
    pub fn trial<'a>(&'a self, sums: &'a mut BatchSums) -> Weighted<'a> {
        Weighted {
            m: self,
            ln_l: 0.0,
            pending: 0.0,
            credit: Credit {
                ln_step: self.ln_step,
                step: self.step,
                sums,
            },
        }
    }
}

/// Where an importance-sampled trial credits its merchants: one trial's sums, each
/// merchant z credited its likelihood ratio divided by the cell's scale s_z = e^{z c}
/// (merchant z = 0 at index 0, s₀ = 1). The private-branch sampler below and any custom
/// strategy that tilts (`super::NetStrategy::tilted_trial`) report through it, so every
/// tilted cell stores its weights alike.
pub struct Credit<'a> {
    /// c = ln of the per-z weight scale.
    ln_step: f64,
    /// e^c.
    step: f64,
    sums: &'a mut BatchSums,
}

impl<'a> Credit<'a> {
    /// The credit of a cell of share `q` tilted to `tilt` (its scale is that of the
    /// acceptance-phase share, [`ln_scale_step`]), into one trial's `sums`.
    pub fn new(q: f64, tilt: Tilt, sums: &'a mut BatchSums) -> Credit<'a> {
        let ln_step = ln_scale_step(q, tilt.accept);
        Credit {
            ln_step,
            step: ln_step.exp(),
            sums,
        }
    }

    /// Merchants `from` + 1 ..= `to` (z ≥ 1) and, if `z0`, merchant z = 0 are reversed
    /// with likelihood ratio e^{`ln_l`}, times `mult` (1, or a win probability credited
    /// instead of sampled).
    pub fn reversed(&mut self, ln_l: f64, from: i64, to: i64, z0: bool, mult: f64) {
        let hit = mult > 0.0;
        if z0 {
            self.sums.credit(0, ln_l.exp() * mult, hit);
        }
        let low = (from + 1).max(1);
        if to < low {
            return;
        }
        // w_z = e^{ln L − z c} · mult, walked downwards so the factor e^c only shrinks it.
        let mut w = (ln_l - to as f64 * self.ln_step).exp() * mult;
        for z in (low..=to).rev() {
            self.sums.credit(z as usize, w, hit);
            w *= self.step;
        }
    }
}

impl Credit<'_> {
    /// A trial sampled under the true law (a strategy that cannot tilt): every merchant
    /// it reversed, z = 1 ..= `top` and z = 0 if `z0`, is credited weight 1 — the plain
    /// Monte Carlo estimate written as weights.
    pub fn untilted(&mut self, top: i64, z0: bool) {
        self.reversed(0.0, 0, top, z0, 1.0);
    }
}

/// The sampler of one importance-sampled trial: draws finders under the tilt and credits
/// each merchant its likelihood ratio when it is reversed.
pub struct Weighted<'a> {
    m: &'a Tilted,
    /// ln L of the blocks found so far.
    ln_l: f64,
    /// ln of the likelihood factor of the block drawn but not yet found.
    pending: f64,
    credit: Credit<'a>,
}

impl Weighted<'_> {
    /// Credit merchants `from` + 1 ..= `to` (z ≥ 1) and z = 0 with L · `mult`.
    fn credit(&mut self, from: i64, to: i64, z0: bool, mult: f64) {
        self.credit.reversed(self.ln_l, from, to, z0, mult);
    }
}

impl Sampler for Weighted<'_> {
    #[inline]
    fn next_block<R: Rng + ?Sized>(&mut self, w: &World, tail: bool, rng: &mut R) -> (f64, Finder) {
        let (hash, (ln_a, ln_h)) = if tail {
            (&self.m.after, self.m.ln[1])
        } else {
            (&self.m.before, self.m.ln[0])
        };
        let (t, who) = w.next_block_with(hash, rng);
        self.pending = match who {
            Finder::Attacker => ln_a,
            Finder::Miner(_) => ln_h,
        };
        (t, who)
    }

    #[inline]
    fn found(&mut self) {
        self.ln_l += std::mem::take(&mut self.pending);
    }

    fn reversed(&mut self, from: i64, to: i64, z0: bool) {
        self.credit(from, to, z0, 1.0);
    }

    fn tail<R: Rng + ?Sized>(&mut self, from: i64, to: i64, z0: bool, win: f64, _: &mut R) -> bool {
        // The conditional expectation of the rest instead of a sample (Rao–Blackwell).
        self.credit(from, to, z0, win);
        false
    }
}
