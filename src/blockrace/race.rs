//! The zero-latency block race: the engine every block-race strategy runs on.
//!
//! With no propagation delay, Poisson mining by all miners is exactly a sequence of blocks,
//! each the attacker's with probability q (memorylessness), so only the order matters and
//! the block tree reduces to two branches above the fork point: the public (honest) one
//! holding the merchant's payment and the attacker's private one holding the conflicting
//! transaction. The engine owns what the network does (tie rule, acceptance by merchants);
//! a [`RaceStrategy`] owns what the attacker does, deciding after every block.
//!
//! One trial serves every z at once: the merchant with z confirmations accepts when the
//! honest branch reaches z blocks (z = 0: at the start), and the attacker wins against it
//! if it publishes a strictly longer branch at any later moment (or wins a published tie).
//! So a trial's outcome is one number, the largest honest height at which the attacker
//! won, and z is reversed iff z ≤ that height.
//!
//! Once every merchant has accepted (honest height ≥ z_max), a strategy may hand the engine
//! the exact law of the rest of the walk ([`RaceStrategy::tail_win`]); the engine then draws
//! the outcome with one uniform instead of walking block by block. That is exact sampling
//! of the same Markov chain, not an approximation; `tests` compare both.
//!
//! One loop serves plain Monte Carlo and importance sampling: [`Race::trial`] is generic
//! over a [`Sampling`] ([`Plain`], or `super::is`'s likelihood-ratio weights), monomorphised
//! so that the plain loop carries no weighting code.
//!
//! Speed without changing a draw (every stream and output byte is the same as drawing and
//! deciding block by block; `tests` check it trial by trial): the thresholds and the tail
//! law are prepared once per batch ([`Race`], the tail law memoised by lead); while the
//! strategy surely mines ([`RaceStrategy::mines_between`]: behind, above the give-up line)
//! blocks are drawn in a tight loop that only counts; elsewhere the per-block decisions
//! are combined as flags (`select_unpredictable`), since the sign of the lead is a coin
//! flip per block and a mispredicted branch costs more than the block's draw.

use std::hint::select_unpredictable;

use rand::Rng;

use crate::estimate::rng::unit_f64;

/// What the attacker sees after each block.
#[derive(Clone, Copy, Debug)]
pub struct RaceView {
    /// Honest blocks above the fork point (the first one holds the merchant's payment).
    pub honest: u32,
    /// Blocks on the attacker's private branch, pre-mined ones included.
    pub attacker: u32,
    /// Whether every merchant of the requested range has accepted (honest ≥ z_max).
    pub all_accepted: bool,
}

impl RaceView {
    /// Attacker's lead: private length minus public length.
    #[inline]
    pub fn lead(&self) -> i64 {
        i64::from(self.attacker) - i64::from(self.honest)
    }
}

/// The attacker's move after a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Keep mining on the private branch and withhold it.
    Mine,
    /// Publish the private branch (wins if strictly longer; a tie goes to the tie rule).
    Publish,
    /// Abandon the attack.
    GiveUp,
}

/// An attacker strategy in the block race. Implementations are immutable and shared by
/// all threads; per-trial state lives in the engine.
pub trait RaceStrategy: Sync {
    /// Words naming this strategy and its parameters, which seed its cells' random
    /// streams (with the cell's kind and tilt): two strategies that play differently must
    /// give different words, so a new strategy starts its words with a tag of its own.
    fn stream_words(&self) -> Vec<u64>;
    /// Blocks already on the private branch at the start (head start k).
    fn premined(&self) -> u32;
    /// The move after each block (and once at the start).
    fn decide(&self, view: &RaceView) -> Decision;
    /// Exact probability of eventually winning from `lead` ≤ 0 once all merchants have
    /// accepted, if the strategy's rest-of-race law is known; `None` makes the engine walk.
    /// A function of `lead` alone: the engine memoises it per [`Race`].
    fn tail_win(&self, _lead: i64) -> Option<f64> {
        None
    }
    /// Leads ℓ with `lo < ℓ < hi` at which, while some merchant is still waiting, the
    /// strategy surely answers [`Decision::Mine`] whatever the heights. The engine draws
    /// such blocks in a tight loop without asking (the same draws and outcome, faster).
    /// `None` (the default): ask after every block.
    fn mines_between(&self) -> Option<(i64, i64)> {
        None
    }
}

/// The network side of a block race.
#[derive(Clone, Copy, Debug)]
pub struct RaceSetup {
    /// Attacker's share of the hash rate.
    pub q: f64,
    /// Fraction of honest hash rate that mines on the attacker's branch during a published tie.
    pub gamma: f64,
    /// Largest confirmation count of interest.
    pub z_max: u32,
    /// Hard cap on blocks per trial (a trial reaching it counts as a loss and is reported).
    pub max_blocks: u64,
}

/// Outcome of one trial.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrialOutcome {
    /// Merchants with z ≤ `reversed_up_to` were reversed (−1: none).
    pub reversed_up_to: i64,
    /// The trial hit `max_blocks` undecided.
    pub censored: bool,
}

/// The shares as thresholds on a 64-bit draw u, precomputed once per trial: the attacker
/// finds the block when u < `attacker`; an honest miner of the γ group (on the attacker's
/// branch during a published tie) when `attacker` ≤ u < `tie_switch`; else another honest one.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// q · 2^64.
    pub attacker: u64,
    /// (q + γ·(1 − q)) · 2^64.
    pub tie_switch: u64,
}

impl Thresholds {
    /// Thresholds for attacker share `q` and tie-rule `gamma`.
    pub fn new(q: f64, gamma: f64) -> Thresholds {
        const TWO64: f64 = 18_446_744_073_709_551_616.0;
        let attacker = (q * TWO64) as u64; // saturating cast: q = 1 → u64::MAX
        let rest = u64::MAX - attacker;
        let tie_switch = attacker.saturating_add((gamma * rest as f64) as u64);
        Thresholds {
            attacker,
            tie_switch,
        }
    }
}

/// Where the race's blocks come from. Each block is reported as a point u of [0, 2^64) on
/// the hash-share scale of [`Thresholds`]: the attacker found it if u < `attacker`, the γ
/// group if `attacker` ≤ u < `tie_switch`, another honest miner otherwise. A random
/// generator is a block source that draws u uniformly (the Poisson model);
/// `crate::blockrace::pow_source::PowSource` is one that mines (real SHA-256d hashing).
pub trait BlockSource {
    /// The next block's point on the share scale.
    fn next_block(&mut self, th: &Thresholds) -> u64;
    /// A uniform 64-bit draw, for resolving the rest of a race exactly.
    fn uniform_u64(&mut self) -> u64;
}

impl<R: Rng + ?Sized> BlockSource for R {
    #[inline]
    fn next_block(&mut self, _th: &Thresholds) -> u64 {
        self.next_u64()
    }

    #[inline]
    fn uniform_u64(&mut self) -> u64 {
        self.next_u64()
    }
}

/// How a trial's sampled path becomes counts: the engine's second plug-in point besides the
/// strategy. [`Plain`] is plain Monte Carlo (a merchant is reversed or not);
/// `crate::blockrace::is` draws blocks under tilted shares and credits merchants with
/// likelihood-ratio weights. The engine is generic over it, so `Plain`'s empty hooks
/// compile to nothing and the plain loop pays nothing for importance sampling.
pub trait Sampling {
    /// A trial starts.
    #[inline]
    fn begin(&mut self) {}
    /// A block was drawn before (`accepted` false) or after every merchant accepted;
    /// `attacker` says whose it is.
    #[inline]
    fn block(&mut self, _attacker: bool, _accepted: bool) {}
    /// Merchants `from..=to` were reversed on the sampled path, `blocks` blocks in.
    fn reversed(&mut self, from: u32, to: u32, blocks: u64);
    /// Every merchant has accepted and the attacker wins the rest of the race with
    /// probability `w` (exact); merchants `from..=to` are still standing. Returns whether
    /// the sampled path now counts them as reversed.
    fn resolve<R: BlockSource + ?Sized>(
        &mut self,
        from: u32,
        to: u32,
        w: f64,
        blocks: u64,
        src: &mut R,
    ) -> bool;
}

/// Plain Monte Carlo: `on_win(z_from, z_to, blocks)` is told each time merchants
/// z_from..=z_to are reversed, with the blocks mined since the start (time to success);
/// the exact rest of the race is sampled with one uniform.
pub struct Plain<F: FnMut(u32, u32, u64)>(pub F);

impl<F: FnMut(u32, u32, u64)> Sampling for Plain<F> {
    #[inline]
    fn reversed(&mut self, from: u32, to: u32, blocks: u64) {
        (self.0)(from, to, blocks);
    }

    #[inline]
    fn resolve<R: BlockSource + ?Sized>(
        &mut self,
        from: u32,
        to: u32,
        w: f64,
        blocks: u64,
        src: &mut R,
    ) -> bool {
        let won = unit_f64(src.uniform_u64()) < w;
        if won {
            (self.0)(from, to, blocks);
        }
        won
    }
}

/// Largest deficit whose exact tail probability a [`Race`] keeps (beyond it, it asks the
/// strategy each time).
const TAIL_MEMO: usize = 4096;

/// One strategy in one network, prepared for many trials: the share thresholds of both
/// phases and a memo of [`RaceStrategy::tail_win`] by lead (a pure function of the lead,
/// so memoising it changes no value; it saves a `powf` or two per trial).
pub struct Race<'a, S: ?Sized> {
    strategy: &'a S,
    /// Thresholds before every merchant accepted, and after.
    th: [Thresholds; 2],
    z_max: u32,
    max_blocks: u64,
    premined: u32,
    /// `tails[d]`: the strategy's tail law at lead −d, once asked.
    tails: Vec<Option<Option<f64>>>,
    /// The strategy's sure-to-mine leads as lo + 1 and hi − lo − 1 (empty: 0, 0), so that
    /// one unsigned compare tests lo < ℓ < hi.
    quiet: (i64, u64),
}

impl<'a, S: RaceStrategy + ?Sized> Race<'a, S> {
    /// The race of `strategy` in `setup`, blocks drawn with the true shares.
    pub fn new(strategy: &'a S, setup: &RaceSetup) -> Race<'a, S> {
        Race::tilted(strategy, setup, setup.q, setup.q)
    }

    /// The race with blocks drawn as the attacker's with probability `accept` until every
    /// merchant has accepted and `tail` afterwards (importance sampling; the γ split of
    /// honest blocks keeps the true law).
    pub fn tilted(strategy: &'a S, setup: &RaceSetup, accept: f64, tail: f64) -> Race<'a, S> {
        let memo = (setup.z_max as usize + 1).min(TAIL_MEMO);
        Race {
            strategy,
            th: [
                Thresholds::new(accept, setup.gamma),
                Thresholds::new(tail, setup.gamma),
            ],
            z_max: setup.z_max,
            max_blocks: setup.max_blocks,
            premined: strategy.premined(),
            tails: vec![None; memo],
            quiet: quiet_leads(strategy),
        }
    }

    /// The strategy's exact tail law at `lead`, memoised.
    #[inline]
    fn tail_win(&mut self, lead: i64) -> Option<f64> {
        let strategy = self.strategy;
        match usize::try_from(-lead)
            .ok()
            .and_then(|d| self.tails.get_mut(d))
        {
            Some(slot) => *slot.get_or_insert_with(|| strategy.tail_win(lead)),
            None => strategy.tail_win(lead),
        }
    }

    /// Run one trial drawing blocks from `src`, reporting reversals to `out`.
    ///
    /// The returned outcome is the sampled path's: merchants reversed by a block drawn,
    /// and by the exact tail if `out` counts it (plain Monte Carlo does).
    #[inline]
    pub fn trial<R, W>(&mut self, src: &mut R, out: &mut W) -> TrialOutcome
    where
        R: BlockSource + ?Sized,
        W: Sampling,
    {
        let z_max = self.z_max;
        let (mut honest, mut attacker) = (0u32, self.premined);
        let mut best: i64 = -1;
        let mut blocks = 0u64;
        out.begin();
        // Merchants up to honest height `h` are reversed; true once all of them are.
        let reverse = |h: u32, blocks: u64, best: &mut i64, out: &mut W| {
            let top = h.min(z_max);
            if i64::from(top) > *best {
                out.reversed((*best + 1) as u32, top, blocks);
                *best = i64::from(top);
            }
            top == z_max
        };
        let (lo1, width) = self.quiet;
        let quiet = |attacker: u32, honest: u32| {
            let lead = i64::from(attacker) - i64::from(honest);
            (lead.wrapping_sub(lo1) as u64) < width
        };
        loop {
            // Blocks the strategy surely mines through: no decision, tie or reversal can
            // happen, so only the draw and the heights matter.
            let th = &self.th[0];
            while honest < z_max && blocks < self.max_blocks && quiet(attacker, honest) {
                let u = src.next_block(th);
                blocks += 1;
                let mined = u < th.attacker;
                out.block(mined, false);
                attacker += u32::from(mined);
                honest += u32::from(!mined);
            }
            let accepted = honest >= z_max;
            let view = RaceView {
                honest,
                attacker,
                all_accepted: accepted,
            };
            let decision = self.strategy.decide(&view);
            if decision == Decision::GiveUp {
                break;
            }
            // Flags, not branches: which of publish/ahead/tie holds is a coin flip per
            // block, and a mispredicted branch costs more than the whole block.
            let publish = decision == Decision::Publish;
            let wins = select_unpredictable(publish, attacker > honest, false);
            if wins && reverse(honest, blocks, &mut best, out) {
                break;
            }
            // A published tie: an honest block on the attacker's branch decides it.
            let tie = select_unpredictable(publish, attacker == honest, false);
            if accepted && let Some(w) = self.tail_win(view.lead()) {
                // best < z_max here (else the loop has ended) and honest ≥ z_max.
                if out.resolve((best + 1) as u32, z_max, w, blocks, src) {
                    best = i64::from(z_max);
                }
                break;
            }
            if blocks >= self.max_blocks {
                return TrialOutcome {
                    reversed_up_to: best,
                    censored: true,
                };
            }
            let th = &self.th[usize::from(accepted)];
            let u = src.next_block(th);
            blocks += 1;
            let mined = u < th.attacker;
            out.block(mined, accepted);
            // The γ group ([attacker, tie_switch)) built on the attacker's published tie:
            // it wins for every merchant that had accepted when the tie was published.
            let gamma = u.wrapping_sub(th.attacker) < th.tie_switch - th.attacker;
            if tie & gamma && reverse(honest, blocks, &mut best, out) {
                break;
            }
            attacker += u32::from(mined);
            honest += u32::from(!mined);
        }
        TrialOutcome {
            reversed_up_to: best,
            censored: false,
        }
    }
}

/// [`RaceStrategy::mines_between`] as the (lo + 1, hi − lo − 1) of [`Race::quiet`].
fn quiet_leads<S: RaceStrategy + ?Sized>(strategy: &S) -> (i64, u64) {
    match strategy.mines_between() {
        Some((lo, hi)) if hi > lo.saturating_add(1) => {
            let lo1 = lo.saturating_add(1);
            (lo1, hi.wrapping_sub(lo1) as u64)
        }
        _ => (0, 0),
    }
}

/// Run one plain Monte Carlo trial. `on_win(z_from, z_to, blocks)` is told each time
/// merchants z_from..=z_to are reversed, with the number of blocks mined since the start
/// (for time-to-success). Many trials of one cell are faster through one [`Race`].
#[inline]
pub fn trial<S, R>(
    strategy: &S,
    setup: &RaceSetup,
    rng: &mut R,
    on_win: impl FnMut(u32, u32, u64),
) -> TrialOutcome
where
    S: RaceStrategy + ?Sized,
    R: BlockSource + ?Sized,
{
    let th = Thresholds::new(setup.q, setup.gamma);
    let mut race = Race {
        strategy,
        th: [th, th],
        z_max: setup.z_max,
        max_blocks: setup.max_blocks,
        premined: strategy.premined(),
        tails: Vec::new(),
        quiet: quiet_leads(strategy),
    };
    race.trial(rng, &mut Plain(on_win))
}

/// A strategy that decides as the one it wraps but promises nothing, so the engine asks it
/// after every block (the loop without the tight run through sure-to-mine leads).
#[cfg(test)]
pub(crate) struct AskEveryBlock<S>(pub S);

#[cfg(test)]
impl<S: RaceStrategy> RaceStrategy for AskEveryBlock<S> {
    fn stream_words(&self) -> Vec<u64> {
        self.0.stream_words()
    }
    fn premined(&self) -> u32 {
        self.0.premined()
    }
    fn decide(&self, view: &RaceView) -> Decision {
        self.0.decide(view)
    }
    fn tail_win(&self, lead: i64) -> Option<f64> {
        self.0.tail_win(lead)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic;
    use crate::blockrace::{MAX_BLOCKS, McCell};
    use crate::estimate::CellSim;
    use crate::estimate::rng::batch_rng;
    use crate::params::{Convention, TieRule};
    use crate::policy::PrivateBranch;

    /// (q, premined, gamma, give_up, exact tail): first-seen and γ ties, head starts,
    /// give-ups, walked tails, and q > ½ (no exact tail: the race is walked to the end).
    const CASES: [(f64, u32, f64, Option<u32>, bool); 7] = [
        (0.3, 0, 0.0, None, true),
        (0.1, 1, 0.0, None, true),
        (0.25, 1, 0.5, None, true),
        (0.35, 2, 0.3, Some(5), true),
        (0.4, 0, 0.0, Some(4), false),
        (0.45, 1, 1.0, Some(6), false),
        (0.6, 0, 0.2, None, true),
    ];

    fn majority(case: (f64, u32, f64, Option<u32>, bool)) -> (PrivateBranch, RaceSetup) {
        let (q, premined, gamma, give_up, exact_tail) = case;
        let mut cell = McCell::private_branch(q, premined, gamma, give_up, 8);
        cell.strategy.exact_tail = exact_tail;
        (cell.strategy, cell.setup)
    }

    #[test]
    fn majority_surely_mines_where_it_says_it_does() {
        for case in CASES {
            let (m, _) = majority(case);
            let (lo, hi) = m.mines_between().unwrap();
            for honest in 0..12u32 {
                for attacker in 0..12u32 {
                    let view = RaceView {
                        honest,
                        attacker,
                        all_accepted: false,
                    };
                    let lead = view.lead();
                    let mines = m.decide(&view) == Decision::Mine;
                    assert_eq!(mines, lo < lead && lead < hi, "{case:?} {view:?}");
                }
            }
        }
    }

    #[test]
    fn the_tight_loop_takes_the_same_draws_and_gives_the_same_trials() {
        // Trial by trial, the engine with the strategy's sure-to-mine leads and the engine
        // asking after every block see the same blocks, report the same reversals with the
        // same block counts, and leave the generator at the same point.
        for case in CASES {
            let (m, setup) = majority(case);
            let ask = AskEveryBlock(m);
            let (mut fast, mut slow) = (Race::new(&m, &setup), Race::new(&ask, &setup));
            assert_ne!(fast.quiet.1, 0);
            assert_eq!(slow.quiet, (0, 0));
            let (mut r1, mut r2) = (batch_rng(3, 4, 5), batch_rng(3, 4, 5));
            for _ in 0..20_000 {
                let (mut w1, mut w2) = (Vec::new(), Vec::new());
                let a = fast.trial(&mut r1, &mut Plain(|f, t, b| w1.push((f, t, b))));
                let b = slow.trial(&mut r2, &mut Plain(|f, t, b| w2.push((f, t, b))));
                assert_eq!((a, &w1), (b, &w2), "{case:?}");
            }
            assert_eq!(r1.next_u64(), r2.next_u64(), "{case:?}");
        }
    }

    #[test]
    fn a_prepared_race_gives_the_trials_of_one_off_ones() {
        // `Race` (memoised tail law, thresholds prepared once) against `trial`, which
        // prepares everything afresh and never memoises.
        for case in CASES {
            let (m, setup) = majority(case);
            let mut race = Race::new(&m, &setup);
            let (mut r1, mut r2) = (batch_rng(9, 8, 7), batch_rng(9, 8, 7));
            for _ in 0..5_000 {
                let a = race.trial(&mut r1, &mut Plain(|_, _, _| {}));
                let b = trial(&m, &setup, &mut r2, |_, _, _| {});
                assert_eq!(a, b, "{case:?}");
            }
        }
    }

    #[test]
    fn plain_trials_agree_with_the_closed_forms() {
        // Through the cell's batch loop, against the closed forms (independent formula
        // paths in `analytic`): within 4 standard errors of a binomial proportion at the
        // exact P, plus 1/N for discreteness (false alarm ≈ 6e-5 per z).
        let gamma = Convention {
            premined: 1,
            tie: TieRule::Gamma(0.5),
        };
        let cases: [(f64, Convention, Option<u32>); 3] = [
            (0.3, Convention::DEFAULT, None),
            (0.25, gamma, None),
            (0.35, Convention::CLASSICAL, Some(6)),
        ];
        for (q, conv, give_up) in cases {
            let cell = McCell::private_branch(q, conv.premined, conv.tie.gamma(), give_up, 8);
            assert_eq!(cell.setup.max_blocks, MAX_BLOCKS);
            let mut t = cell.empty_tally();
            for b in 0..16 {
                cell.run_batch(&mut batch_rng(11, cell.key(), b), 16_384, &mut t);
            }
            let n = t.trials as f64;
            for z in 0..=8 {
                let p = match give_up {
                    None => analytic::exact(q, z, conv).value,
                    Some(d) => analytic::exact_with_give_up(q, z, conv, d),
                };
                let est = t.successes(z) as f64 / n;
                let tol = 4.0 * (p * (1.0 - p) / n).sqrt() + 1.0 / n;
                assert!((est - p).abs() <= tol, "q {q} z {z}: {est} vs {p}");
            }
        }
    }
}
