//! The balancing attack of the Δ-bounded model (issue 13, item 1): the adversary splits
//! the honest miners into two groups that extend two conflicting chains and uses its own
//! blocks to keep either group from seeing the other chain ahead (the "balance attack" of
//! Natoli and Gramoli, the balancing attack of Pass, Seeman and shelat; docs/references.md).
//! The equations are in docs/delay-adversary.md; in short:
//!
//! - Honest mining at λ_h = (1 − q)/T, split in two equal groups: A (the merchant's group,
//!   which receives the payment V) mines chain X at λ_h/2, B (which receives the conflicting
//!   transaction) mines chain Y at λ_h/2. The adversary mines at λ_a = q/T.
//! - A group sees its own blocks at once and the other group's exactly Δ after they are
//!   found: A sees y(t − Δ), B sees x(t − Δ) (x, y the public heights above the fork).
//! - The adversary keeps a private branch on each side, of heights a_X ≥ x and a_Y ≥ y
//!   (a group's own block beyond it is adopted: a_X ← max(a_X, x)). Each of its blocks goes
//!   to the side with the smaller reserve (a_X − x against a_Y − y; Y on a tie).
//! - Balancing: when B would see X ahead (x(t − Δ) > y) the adversary releases its Y branch
//!   up to that height (y ← x(t − Δ), delivered to B first so B keeps Y on the tie); if
//!   a_Y is too short, B switches to X and the split collapses onto X. Symmetrically for
//!   A with a_X; if a_X is too short, A switches to Y and the split collapses onto Y.
//! - After a collapse onto X every honest miner extends X (rate λ_h, no further delay) and
//!   the adversary races with a_Y, all its blocks on Y (the private attack); after a
//!   collapse onto Y the payment is out of every honest chain: merchants who had not
//!   accepted never will.
//! - Merchant z (in A) accepts when x reaches z (V is in X's first block). It is reversed
//!   iff at some moment t ≥ τ_z the adversary's Y branch is strictly longer than X,
//!   a_Y(t) > x(t) (`tie = "adversary"`: a_Y(t) ≥ x(t)): it then delivers that branch to A
//!   at once and A switches. Merchant z = 0 accepts at its listening period.
//!
//! The strategy before τ_z does not depend on z, so one trial answers every z. No closed
//! form (the `exact` column is empty); at Δ = 0 the test suite checks it against an exact
//! dynamic programme of the same rules (tests/integration/balancing.rs), which
//! [`zero_delay`] also evaluates as `--method auto`'s guide. Importance sampling
//! (`--method is`): [`TiltedLaw`] tilts the three exponential clocks (its doc comment
//! derives the weight); the plain path draws exactly what it drew before.

use crate::estimate::results::GiveUp;
use rand::Rng;
use rand_distr::{Distribution, Exp1};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

use super::delay_private::DelayTie;
use super::timed::own_clock::{Clocked, OwnClock, Played, check_delta, check_delta_value};
use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::estimate::rng::SimRng;
use crate::estimate::weighted::Tilt;
use crate::net::Strategy;
use crate::net::is::Credit;
use crate::net::spec::{NetworkModel, NetworkSpec};

/// Balancing attacker parameters (`[balancing]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BalancingSpec {
    /// Δ in seconds: each group sees the other group's blocks this long after they are
    /// found. Default 10.
    pub delta: f64,
    /// Blocks of the adversary's Y branch at the payment (its private head start). Default 0.
    pub premined: u32,
    /// Final reversal rule: `first-seen` (default, a strictly longer Y) or `adversary`.
    pub tie: DelayTie,
}

impl Default for BalancingSpec {
    fn default() -> Self {
        BalancingSpec {
            delta: 10.0,
            premined: 0,
            tie: DelayTie::FirstSeen,
        }
    }
}

impl Registered for BalancingSpec {
    const INFO: Info = Info {
        name: "balancing",
        summary: "Δ-bounded balancing attack: honest miners split over two chains kept level by the adversary's blocks",
        gives_up: false,
        first_z: 1,
        convention_closed_form: false,
    };
}

impl TimedAttack for BalancingSpec {
    fn info(&self) -> &'static Info {
        &Self::INFO
    }

    fn keys(&self) -> &'static [(&'static str, Option<&'static str>)] {
        &[
            ("delta", Some("seconds")),
            ("premined", Some("blocks")),
            ("tie", None),
        ]
    }

    fn validate(&self) -> anyhow::Result<()> {
        check_delta_value("balancing.delta", self.delta)?;
        Ok(())
    }

    fn validate_on(&self, network: &NetworkSpec) -> anyhow::Result<()> {
        check_delta("balancing.delta", self.delta, network)
    }

    fn describe(&self) -> String {
        let tie = self.tie.describe();
        format!(
            "Δ-bounded balancing attack, honest miners split in two, cross-group delay Δ = {} s, head start {}, {tie}",
            self.delta, self.premined
        )
    }

    fn strategy(&self, c: &CellSetting) -> Strategy {
        Strategy::Custom(Box::new(Clocked(Balancing {
            q: c.q,
            block_interval: c.block_interval,
            delta: self.delta,
            premined: self.premined,
            ties_win: self.tie == DelayTie::Adversary,
            listening: c.listening,
            max_deficit: c.max_deficit.max(1),
        })))
    }

    fn can_tilt(&self) -> bool {
        true
    }

    fn closed_form(&self, _: f64, _: u32, _: &Setting<'_>) -> Option<f64> {
        None
    }

    fn guide(&self, q: f64, z: u32, s: &Setting<'_>) -> Option<f64> {
        // Above Δ = T/10 the tilt's weights spread (see `TiltedLaw`; measured at q = 0.1,
        // z = 6: effective sample size ~4000 of 100 000 trials at Δ = 60 s, 30 at 120 s,
        // 2 at 300 s, T = 600 s): no guide, so auto keeps plain Monte Carlo there.
        if self.delta > s.network.block_interval / 10.0 {
            return None;
        }
        // Its exact Δ = 0 value: the cross-group delay only helps the adversary (the tests
        // check the growth in Δ), so the guide errs towards importance sampling.
        zero_delay(q, z, self.premined, self.tie == DelayTie::Adversary)
    }

    fn blocks_before_attempt(&self) -> f64 {
        0.0
    }

    fn tie_label(&self) -> &'static str {
        self.tie.label()
    }

    fn row_labels(&self) -> (Option<u32>, GiveUp) {
        (Some(self.premined), GiveUp::Never)
    }

    fn cost_by_top(&self) -> bool {
        true
    }

    fn default_network(&self) -> NetworkModel {
        // Its delays are the adversary's Δ, not a graph's.
        NetworkModel::None
    }

    fn trial_ns(&self, q: f64, z_max: u32, n: &NetworkSpec) -> f64 {
        let p = (1.0 - q).max(0.01);
        let blocks = (f64::from(z_max + 1) * 2.0 + f64::from(n.max_deficit)) / p;
        40.0 + 20.0 * blocks
    }
}

/// The balancing attacker of one cell.
#[derive(Clone, Copy, Debug)]
pub struct Balancing {
    /// Attacker share q.
    pub q: f64,
    /// Mean block interval T (seconds).
    pub block_interval: f64,
    /// Cross-group delay Δ (seconds).
    pub delta: f64,
    /// Adversary's Y branch at the payment.
    pub premined: u32,
    /// Ties go to the adversary at the final reversal (else first-seen).
    pub ties_win: bool,
    /// Merchant z = 0 accepts this many seconds after the payment.
    pub listening: f64,
    /// Deficit (after a collapse onto X) at which a trial is stopped as lost.
    pub max_deficit: u32,
}

/// Events of one trial before it is called censored.
const MAX_EVENTS: u32 = 1_000_000;

/// What one trial found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BalanceRun {
    /// What the engine's glue reads: merchants reversed, attacker blocks mined after the
    /// payment, censoring.
    pub played: Played,
    /// The split collapsed onto X (B switched) before the trial ended.
    pub collapsed_x: bool,
    /// The split collapsed onto Y (A switched).
    pub collapsed_y: bool,
}

/// Where the honest miners are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// A on X, B on Y.
    Split,
    /// Everyone on X; the adversary races with its Y branch.
    OnX,
    /// Everyone on Y: the run is over.
    OnY,
}

/// The mutable state of one trial.
struct State {
    x: u64,
    y: u64,
    ax: u64,
    ay: u64,
    phase: Phase,
    /// (time, height) of x as B will see it.
    x_to_b: VecDeque<(f64, u64)>,
    /// (time, height) of y as A will see it.
    y_to_a: VecDeque<(f64, u64)>,
}

impl State {
    /// Raise x to `h` at time t (an A block or a released X branch).
    fn raise_x(&mut self, h: u64, t: f64, delta: f64) {
        self.x = h;
        self.ax = self.ax.max(h);
        self.x_to_b.push_back((t + delta, h));
    }

    fn raise_y(&mut self, h: u64, t: f64, delta: f64) {
        self.y = h;
        self.ay = self.ay.max(h);
        self.y_to_a.push_back((t + delta, h));
    }

    /// B sees X at height h: balance with the Y branch, or B switches.
    fn b_sees(&mut self, h: u64, t: f64, delta: f64) {
        if self.phase != Phase::Split || h <= self.y {
            return;
        }
        if self.ay >= h {
            self.raise_y(h, t, delta);
        } else {
            self.phase = Phase::OnX;
        }
    }

    /// A sees Y at height h: balance with the X branch, or A switches.
    fn a_sees(&mut self, h: u64, t: f64, delta: f64) {
        if self.phase != Phase::Split || h <= self.x {
            return;
        }
        if self.ax >= h {
            self.raise_x(h, t, delta);
        } else {
            self.phase = Phase::OnY;
        }
    }
}

impl Balancing {
    /// One trial against merchants z = 0..=z_max.
    pub fn run<R: Rng + ?Sized>(&self, z_max: u32, rng: &mut R) -> BalanceRun {
        self.play_with(z_max, &mut TrueLaw::new(self), rng)
    }

    /// One importance-sampled trial under `tilt` (see [`TiltedLaw`]), each merchant
    /// credited to `credit` with its likelihood ratio when it is reversed.
    pub fn run_tilted<R: Rng + ?Sized>(
        &self,
        z_max: u32,
        tilt: Tilt,
        credit: &mut Credit<'_>,
        rng: &mut R,
    ) -> BalanceRun {
        self.play_with(z_max, &mut TiltedLaw::new(self, tilt, credit), rng)
    }

    /// One trial, the three clocks drawn and weighed by `law`.
    fn play_with<R: Rng + ?Sized, L: Law>(
        &self,
        z_max: u32,
        law: &mut L,
        rng: &mut R,
    ) -> BalanceRun {
        let d = self.delta;
        let mut s = State {
            x: 0,
            y: 0,
            ax: 0,
            ay: u64::from(self.premined),
            phase: Phase::Split,
            x_to_b: VecDeque::new(),
            y_to_a: VecDeque::new(),
        };
        let mut run = BalanceRun::default();
        // After a collapse onto X, "A" stands for all honest miners (rate 2 × group_rate).
        let mut next_a = law.group_gap(rng);
        let mut next_b = law.group_gap(rng);
        let mut next_adv = law.adversary_gap(rng);
        let mut z0_open = self.listening <= 0.0;
        let mut tail = false;
        let (mut now, mut events) = (0.0, 0u32);
        loop {
            if !tail && s.x >= u64::from(z_max) && z0_open {
                // Every merchant has accepted: the rest under the tail's law.
                tail = true;
                let on_x = s.phase == Phase::OnX;
                law.tail(now, on_x, [&mut next_a, &mut next_b, &mut next_adv], rng);
            }
            let accepted = s.x.min(u64::from(z_max)) as u32;
            if (s.ay > s.x || (self.ties_win && s.ay == s.x))
                && let Some((from, to, z0)) = run.played.reverse(accepted, z0_open)
            {
                law.reversed(from, to, z0);
            }
            if s.phase == Phase::OnY || (run.played.top == z_max && run.played.z0) {
                break;
            }
            if s.phase == Phase::OnX && s.x >= s.ay + u64::from(self.max_deficit) {
                break;
            }
            events += 1;
            if events > MAX_EVENTS {
                run.played.censored = true;
                break;
            }
            // Deliveries first: at Δ = 0 a block is seen at the instant it is found.
            let to_b = s.x_to_b.front().map_or(f64::INFINITY, |e| e.0);
            let to_a = s.y_to_a.front().map_or(f64::INFINITY, |e| e.0);
            let z0_at = if z0_open {
                f64::INFINITY
            } else {
                self.listening
            };
            let mining = next_a.min(next_b).min(next_adv);
            if to_b <= mining && to_b <= to_a && to_b <= z0_at {
                let (t, h) = s.x_to_b.pop_front().expect("front exists");
                now = t;
                s.b_sees(h, t, d);
                if s.phase == Phase::OnX {
                    // B switched to X: every honest miner extends X from now on.
                    s.x_to_b.clear();
                    s.y_to_a.clear();
                    next_b = f64::INFINITY;
                    next_a = t + law.all_gap(rng);
                }
            } else if to_a <= mining && to_a <= z0_at {
                let (t, h) = s.y_to_a.pop_front().expect("front exists");
                now = t;
                s.a_sees(h, t, d);
            } else if z0_at <= mining {
                now = z0_at;
                z0_open = true;
            } else if mining == next_adv {
                now = mining;
                run.played.attacker_blocks += 1;
                law.adversary_found();
                // Reserves (only meaningful in the split; after it every block goes to Y).
                let (rx, ry) = (s.ax.saturating_sub(s.x), s.ay.saturating_sub(s.y));
                if s.phase == Phase::Split && rx < ry {
                    s.ax += 1;
                } else {
                    s.ay += 1;
                }
                next_adv = mining + law.adversary_gap(rng);
            } else if mining == next_a {
                now = mining;
                law.honest_found();
                let h = s.x + 1;
                if s.phase == Phase::OnX {
                    s.x = h;
                    next_a = mining + law.all_gap(rng);
                } else {
                    s.raise_x(h, mining, d);
                    next_a = mining + law.group_gap(rng);
                }
            } else {
                now = mining;
                law.honest_found();
                let h = s.y + 1;
                s.raise_y(h, mining, d);
                next_b = mining + law.group_gap(rng);
            }
        }
        run.collapsed_x = s.phase == Phase::OnX;
        run.collapsed_y = s.phase == Phase::OnY;
        run
    }
}

/// Exp(1) draw.
fn exp1<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    Distribution::<f64>::sample(&Exp1, rng)
}

/// Waiting time of a Poisson clock of `rate` (never, at rate 0).
fn gap<R: Rng + ?Sized>(rng: &mut R, rate: f64) -> f64 {
    if rate > 0.0 {
        exp1(rng) / rate
    } else {
        f64::INFINITY
    }
}

/// How a trial draws its three exponential clocks and weighs what it sees: the true law
/// ([`TrueLaw`]) or a tilted one ([`TiltedLaw`]). Static dispatch: the plain trial makes
/// the draws it made before importance sampling existed, in the same order.
trait Law {
    /// Seconds to a group's next block while the split lasts.
    fn group_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64;
    /// Seconds to the next honest block after a collapse onto X (all honest miners).
    fn all_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64;
    /// Seconds to the adversary's next block.
    fn adversary_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64;
    /// Every merchant has accepted at `now` (after a collapse onto X if `on_x`): the
    /// pending clocks [A, B, adversary] may be redrawn under the tail's law.
    fn tail<R: Rng + ?Sized>(&mut self, now: f64, on_x: bool, next: [&mut f64; 3], rng: &mut R);
    /// An adversary block is found now.
    fn adversary_found(&mut self);
    /// An honest block (either group) is found now.
    fn honest_found(&mut self);
    /// Merchants `from` + 1 ..= `to` (z ≥ 1) and, if `z0`, z = 0 are reversed now.
    fn reversed(&mut self, from: u32, to: u32, z0: bool);
}

/// The true rates: plain Monte Carlo.
struct TrueLaw {
    /// λ_h/2 = (1 − q)/2T.
    group: f64,
    /// λ_h = (1 − q)/T.
    all: f64,
    /// λ_a = q/T.
    adversary: f64,
}

impl TrueLaw {
    fn new(s: &Balancing) -> TrueLaw {
        TrueLaw {
            group: (1.0 - s.q) / s.block_interval / 2.0,
            all: (1.0 - s.q) / s.block_interval,
            adversary: s.q / s.block_interval,
        }
    }
}

impl Law for TrueLaw {
    fn group_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        gap(rng, self.group)
    }

    fn all_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        gap(rng, self.all)
    }

    fn adversary_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        gap(rng, self.adversary)
    }

    fn tail<R: Rng + ?Sized>(&mut self, _: f64, _: bool, _: [&mut f64; 3], _: &mut R) {}

    fn adversary_found(&mut self) {}

    fn honest_found(&mut self) {}

    fn reversed(&mut self, _: u32, _: u32, _: bool) {}
}

/// Importance sampling of the balancing attack (`--method is`).
///
/// **The clocks.** A trial is driven by three exponential clocks: group A's blocks (rate
/// λ_h/2 while the split lasts; λ_h after a collapse onto X, when A stands for every
/// honest miner), group B's (λ_h/2 in the split, off after a collapse) and the
/// adversary's (λ_a), λ_h = (1 − q)/T, λ_a = q/T. Everything else (deliveries Δ after a
/// block, releases, switches, acceptances, the listening period) is a deterministic
/// function of the clocks' event times, so it carries no likelihood.
///
/// **The tilt.** The sampling law Q runs the same clocks with a share q' in place of q:
/// the adversary at q'/T, A and B at (1 − q')/2T each (A at (1 − q')/T after a collapse
/// onto X). q' is `Tilt::accept` (default ½) until every merchant has accepted (x ≥ z_max
/// and the listening period over), then `Tilt::tail` (the exchanged rates, 1 − q: the
/// catch-up race is then not rare). At that switch the pending clocks are redrawn under
/// the new rates (memorylessness: the switch time is a stopping time, and a clock's
/// residual wait is again exponential).
///
/// **The weight.** For point processes with intensities λ_i(t) under P and μ_i(t) under Q
/// (each a function of the past), the likelihood ratio of a path on [0, t] is
///
/// ```text
/// dP/dQ = Π_{events e} λ_{i(e)}/μ_{i(e)} · exp(−∫_0^t Σ_i (λ_i(s) − μ_i(s)) ds).
/// ```
///
/// The total rate is 1/T under both laws in every phase (split: q/T + 2·(1 − q)/2T; after
/// a collapse onto X: q/T + (1 − q)/T; the same with q'), so the integral is 0 and
///
/// ```text
/// ln L = a·ln(q/q') + h·ln((1 − q)/(1 − q'))   (summed per phase of q')
/// ```
///
/// with a the adversary's blocks and h the honest blocks of both groups found so far:
/// ln(q/q') per adversary block, ln((1 − q)/(1 − q')) per honest block. Merchants are
/// credited L when reversed (L is a martingale, that moment a stopping time), as
/// `crate::net::is` does; so the estimate of each merchant is unbiased for every Δ.
///
/// **Is the weight bounded?** At Δ = 0, yes: every honest block of the split before
/// acceptance needs an adversary block on the other side (an A block a Y reserve, a B block
/// an X reserve; without it the split collapses), and after a collapse onto X the
/// adversary's branch must gain two blocks on X, so every reversing path has a ≥ h − 1
/// and, with one share q' > q, L ≤ (q'/q)·e^{z c}, c = ln(q/q') + ln((1 − q)/(1 − q')) < 0
/// (h ≥ z: x reaches z only through honest blocks). For Δ > 0 it is not bounded uniformly:
/// blocks of A and B found within Δ of each other balance the split without an adversary
/// block (each group sees the other's only Δ later), and each such honest block multiplies
/// L by (1 − q)/(1 − q') (1.8 at q = 0.1, q' = ½). A block is such with probability of
/// order λ_hΔ, so for Δ ≪ T (Bitcoin: 10 s against 600 s), where the attack is rare, the
/// weights' second moment stays close to its Δ = 0 value (the calibration test checks the
/// intervals at Δ = 10 s). Measured at q = 0.1, z = 6, 100 000 trials: effective sample
/// size about 8 600 at Δ = 30 s, 4 000 at 60 s, 30 at 120 s and 2 at 300 s (T = 600 s);
/// so above Δ = T/10 `--method auto` keeps plain Monte Carlo, and a forced `--method is`
/// there gets the low-ESS warning (docs/delay-adversary.md).
pub struct TiltedLaw<'c, 'a> {
    q: f64,
    block_interval: f64,
    /// The tail's share (`Tilt::tail`).
    tail_share: f64,
    /// The current phase's clocks and per-event log factors.
    now: Rates,
    ln_l: f64,
    credit: &'c mut Credit<'a>,
}

/// The tilted clocks of one phase and their log-likelihood factors.
#[derive(Clone, Copy, Debug)]
struct Rates {
    group: f64,
    all: f64,
    adversary: f64,
    /// ln(q/q') per adversary block.
    ln_a: f64,
    /// ln((1 − q)/(1 − q')) per honest block.
    ln_h: f64,
}

impl Rates {
    fn new(q: f64, tilted: f64, block_interval: f64) -> Rates {
        Rates {
            group: (1.0 - tilted) / block_interval / 2.0,
            all: (1.0 - tilted) / block_interval,
            adversary: tilted / block_interval,
            ln_a: (q / tilted).ln(),
            ln_h: ((1.0 - q) / (1.0 - tilted)).ln(),
        }
    }
}

impl<'c, 'a> TiltedLaw<'c, 'a> {
    fn new(s: &Balancing, tilt: Tilt, credit: &'c mut Credit<'a>) -> Self {
        TiltedLaw {
            q: s.q,
            block_interval: s.block_interval,
            tail_share: tilt.tail,
            now: Rates::new(s.q, tilt.accept, s.block_interval),
            ln_l: 0.0,
            credit,
        }
    }
}

impl Law for TiltedLaw<'_, '_> {
    fn group_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        gap(rng, self.now.group)
    }

    fn all_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        gap(rng, self.now.all)
    }

    fn adversary_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        gap(rng, self.now.adversary)
    }

    fn tail<R: Rng + ?Sized>(&mut self, now: f64, on_x: bool, next: [&mut f64; 3], rng: &mut R) {
        self.now = Rates::new(self.q, self.tail_share, self.block_interval);
        let [a, b, adv] = next;
        // A clock that is off (B after a collapse) stays off.
        *a = now
            + if on_x {
                self.all_gap(rng)
            } else {
                self.group_gap(rng)
            };
        if b.is_finite() {
            *b = now + self.group_gap(rng);
        }
        *adv = now + self.adversary_gap(rng);
    }

    fn adversary_found(&mut self) {
        self.ln_l += self.now.ln_a;
    }

    fn honest_found(&mut self) {
        self.ln_l += self.now.ln_h;
    }

    fn reversed(&mut self, from: u32, to: u32, z0: bool) {
        self.credit
            .reversed(self.ln_l, i64::from(from), i64::from(to), z0, 1.0);
    }
}

impl OwnClock for Balancing {
    fn play(&self, z_max: u32, rng: &mut SimRng) -> Played {
        self.run(z_max, rng).played
    }

    fn can_tilt(&self) -> bool {
        true
    }

    fn play_tilted(
        &self,
        z_max: u32,
        tilt: Tilt,
        credit: &mut Credit<'_>,
        rng: &mut SimRng,
    ) -> Played {
        self.run_tilted(z_max, tilt, credit, rng).played
    }
}

/// Largest z the zero-delay chain is solved for; beyond it [`zero_delay`] extrapolates
/// geometrically (its value falls by a nearly constant factor per confirmation).
const GUIDE_Z: u32 = 100;

/// Adversary reserve total (both sides) beyond which the zero-delay chain ignores further
/// adversary blocks (as if they were not mined: the value is then a little too small,
/// which errs towards importance sampling).
const GUIDE_CAP: usize = 40;

/// The balancing attack at Δ = 0 as an exact discrete chain, merchant z (≥ 1), head start
/// `premined`, ties won if `ties`: `--method auto`'s guide where no closed form exists. At
/// Δ = 0 deliveries are instantaneous, so in the split x = y between events and the state
/// is (x, r_X, r_Y), the adversary's reserves a_X − x and a_Y − y; after a collapse onto X
/// it is the zero-latency private race (x, a_Y). Each event is the adversary's block
/// (probability q, to the smaller reserve, Y on a tie), A's or B's ((1 − q)/2 each).
/// Computed layer by layer in x (from z down) and in the reserve total (from the cap
/// down). The test suite checks it against an independent recursive evaluation and the
/// simulation (tests/integration/balancing.rs). None for a head start above 200 (auto
/// then keeps plain Monte Carlo).
pub fn zero_delay(q: f64, z: u32, premined: u32, ties: bool) -> Option<f64> {
    if z == 0 || premined > 200 {
        return None;
    }
    if q >= 0.5 {
        return Some(1.0);
    }
    if z > GUIDE_Z {
        let (last, before) = (
            zero_delay(q, GUIDE_Z, premined, ties)?,
            zero_delay(q, GUIDE_Z - 1, premined, ties)?,
        );
        let ln = last.ln() + f64::from(z - GUIDE_Z) * (last / before).ln();
        return Some(ln.exp().max(f64::MIN_POSITIVE));
    }
    Some(ZeroDelayChain::new(q, z, ties).value(premined as usize))
}

/// The layers of [`zero_delay`]'s chain.
struct ZeroDelayChain {
    q: f64,
    z: usize,
    ties: bool,
    /// race[x][a]: everyone on X at height x, the adversary's Y branch at a (x ≤ z, a ≤ z + 1).
    race: Vec<Vec<f64>>,
}

impl ZeroDelayChain {
    fn new(q: f64, z: u32, ties: bool) -> Self {
        let z = z as usize;
        let rho = q / (1.0 - q);
        let mut race = vec![vec![1.0; z + 2]; z + 1];
        // x = z: the merchant has accepted; gambler's ruin from a − x up to +1 (ties: 0).
        for (a, v) in race[z].iter_mut().enumerate() {
            let need = (z as i64 - a as i64) + i64::from(!ties);
            *v = if need <= 0 {
                1.0
            } else {
                rho.powi(need as i32)
            };
        }
        for x in (0..z).rev() {
            for a in (0..=z + 1).rev() {
                // a never falls and x reaches z: a branch already past z wins at acceptance.
                let won = a > z || (ties && a == z);
                race[x][a] = if won {
                    1.0
                } else {
                    (1.0 - q) * race[x + 1][a] + q * race[x][a + 1]
                };
            }
        }
        ZeroDelayChain { q, z, ties, race }
    }

    /// Everyone on X at height x ≤ z, Y branch at a (a value above z + 1 is won).
    fn race_at(&self, x: usize, a: usize) -> f64 {
        self.race[x].get(a).copied().unwrap_or(1.0)
    }

    /// The value of the split at x = 0 with reserves (0, `premined`).
    fn value(&self, premined: usize) -> f64 {
        let cap = GUIDE_CAP + premined;
        let (q, z) = (self.q, self.z);
        let idx = |rx: usize, ry: usize| rx * (cap + 1) + ry;
        // Layer x = z: won with a Y reserve (or on a tie); else the next event decides.
        let mut next = vec![0.0; (cap + 1) * (cap + 1)];
        for rx in 0..=cap {
            for ry in 0..=cap - rx {
                next[idx(rx, ry)] = if ry >= 1 || self.ties {
                    1.0
                } else {
                    // A: a collapse onto X at z + 1 with the Y branch at z, which must gain
                    // two blocks (ρ², ρ = q/(1 − q)); B: Y passes X; adversary: a Y block
                    // passes X.
                    let rho = q / (1.0 - q);
                    let honest = 0.5 * rho * rho + 0.5;
                    if rx < cap {
                        q + (1.0 - q) * honest
                    } else {
                        honest
                    }
                };
            }
        }
        for x in (0..z).rev() {
            let mut layer = vec![0.0; (cap + 1) * (cap + 1)];
            for total in (0..=cap).rev() {
                for rx in 0..=total {
                    let ry = total - rx;
                    // A: x + 1, B held by a Y reserve block, or B switches to X.
                    let a = if ry >= 1 {
                        next[idx(rx.saturating_sub(1), ry - 1)]
                    } else {
                        self.race_at(x + 1, x)
                    };
                    // B: held by an X reserve block, or A switches to Y (never accepts).
                    let b = if rx >= 1 {
                        next[idx(rx - 1, ry.saturating_sub(1))]
                    } else {
                        0.0
                    };
                    let honest = 0.5 * (a + b);
                    layer[idx(rx, ry)] = if total < cap {
                        let adv = if rx < ry {
                            layer[idx(rx + 1, ry)]
                        } else {
                            layer[idx(rx, ry + 1)]
                        };
                        q * adv + (1.0 - q) * honest
                    } else {
                        honest
                    };
                }
            }
            next = layer;
        }
        next[idx(0, premined)]
    }
}
