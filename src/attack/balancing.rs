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
//! dynamic programme of the same rules (tests/integration/balancing.rs).

use rand::Rng;
use rand_distr::{Distribution, Exp1};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

use super::delay_private::DelayTie;
use super::timed::own_clock::{Clocked, OwnClock, Played};
use super::{CellSetting, Info, Registered, Setting, TimedAttack};
use crate::error::usage;
use crate::estimate::rng::SimRng;
use crate::net::Strategy;
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

    fn validate(&self) -> anyhow::Result<()> {
        if !(self.delta.is_finite() && self.delta >= 0.0) {
            return Err(usage(
                "balancing.delta",
                self.delta,
                "give a finite number of seconds ≥ 0",
            ));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        let tie = match self.tie {
            DelayTie::FirstSeen => "first-seen ties",
            DelayTie::Adversary => "ties to the adversary",
        };
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

    fn closed_form(&self, _: f64, _: u32, _: &Setting<'_>) -> Option<f64> {
        None
    }

    fn blocks_before_attempt(&self) -> f64 {
        0.0
    }

    fn tie_label(&self) -> &'static str {
        self.tie.label()
    }

    fn row_labels(&self) -> (u32, Option<u32>) {
        (self.premined, None)
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
    /// Largest z ≥ 1 reversed (0: none).
    pub top: u32,
    /// Merchant z = 0 reversed.
    pub z0: bool,
    /// Attacker blocks mined after the payment.
    pub attacker_blocks: u64,
    /// The split collapsed onto X (B switched) before the trial ended.
    pub collapsed_x: bool,
    /// The split collapsed onto Y (A switched).
    pub collapsed_y: bool,
    /// Stopped at the event cap.
    pub censored: bool,
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
        let exp = |rng: &mut R| -> f64 { Distribution::<f64>::sample(&Exp1, rng) };
        let group_rate = (1.0 - self.q) / self.block_interval / 2.0;
        let attacker_rate = self.q / self.block_interval;
        let gap = |rng: &mut R, rate: f64| {
            if rate > 0.0 {
                exp(rng) / rate
            } else {
                f64::INFINITY
            }
        };
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
        let mut next_a = gap(rng, group_rate);
        let mut next_b = gap(rng, group_rate);
        let mut next_adv = gap(rng, attacker_rate);
        let mut z0_open = self.listening <= 0.0;
        let mut events = 0u32;
        loop {
            let accepted = s.x.min(u64::from(z_max)) as u32;
            if s.ay > s.x || (self.ties_win && s.ay == s.x) {
                run.top = run.top.max(accepted);
                run.z0 |= z0_open;
            }
            if s.phase == Phase::OnY || (run.top == z_max && run.z0) {
                break;
            }
            if s.phase == Phase::OnX && s.x >= s.ay + u64::from(self.max_deficit) {
                break;
            }
            events += 1;
            if events > MAX_EVENTS {
                run.censored = true;
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
                s.b_sees(h, t, d);
                if s.phase == Phase::OnX {
                    self.collapse_onto_x(&mut s, &mut next_a, &mut next_b, t, rng);
                }
            } else if to_a <= mining && to_a <= z0_at {
                let (t, h) = s.y_to_a.pop_front().expect("front exists");
                s.a_sees(h, t, d);
            } else if z0_at <= mining {
                z0_open = true;
            } else if mining == next_adv {
                run.attacker_blocks += 1;
                // Reserves (only meaningful in the split; after it every block goes to Y).
                let (rx, ry) = (s.ax.saturating_sub(s.x), s.ay.saturating_sub(s.y));
                if s.phase == Phase::Split && rx < ry {
                    s.ax += 1;
                } else {
                    s.ay += 1;
                }
                next_adv = mining + gap(rng, attacker_rate);
            } else if mining == next_a {
                let h = s.x + 1;
                if s.phase == Phase::OnX {
                    s.x = h;
                    next_a = mining + gap(rng, 2.0 * group_rate);
                } else {
                    s.raise_x(h, mining, d);
                    next_a = mining + gap(rng, group_rate);
                }
            } else {
                let h = s.y + 1;
                s.raise_y(h, mining, d);
                next_b = mining + gap(rng, group_rate);
            }
        }
        run.collapsed_x = s.phase == Phase::OnX;
        run.collapsed_y = s.phase == Phase::OnY;
        run
    }

    /// B switched to X: every honest miner extends X from now on.
    fn collapse_onto_x<R: Rng + ?Sized>(
        &self,
        s: &mut State,
        next_a: &mut f64,
        next_b: &mut f64,
        t: f64,
        rng: &mut R,
    ) {
        let rate = (1.0 - self.q) / self.block_interval;
        // Blocks of X in flight no longer matter: every honest node mines on X's tip.
        s.x_to_b.clear();
        s.y_to_a.clear();
        *next_b = f64::INFINITY;
        *next_a = if rate > 0.0 {
            t + Distribution::<f64>::sample(&Exp1, rng) / rate
        } else {
            f64::INFINITY
        };
    }
}

impl OwnClock for Balancing {
    fn play(&self, z_max: u32, rng: &mut SimRng) -> Played {
        let r = self.run(z_max, rng);
        Played {
            top: r.top,
            z0: r.z0,
            attacker_blocks: r.attacker_blocks,
            censored: r.censored,
        }
    }
}
