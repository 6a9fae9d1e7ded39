//! The delay-private attack's simulator on its own clock (the model is in the parent
//! module's documentation): the honest renewal process, the pre-mining race, the race after
//! the payment, and importance sampling ([`TiltedLaw`], [`tail_share`]).

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1};

use crate::attack::timed::own_clock::{OwnClock, Played};
use crate::estimate::rng::SimRng;
use crate::estimate::weighted::Tilt;
use crate::net::is::Credit;

/// The Δ-delaying private attacker of one cell.
#[derive(Clone, Copy, Debug)]
pub struct DelayPrivate {
    /// Attacker share q.
    pub q: f64,
    /// Mean block interval T (seconds).
    pub block_interval: f64,
    /// Delay Δ of every honest block (seconds).
    pub delta: f64,
    /// Fixed lead at the payment (None: the pre-mining race's).
    pub premined: Option<u32>,
    /// Pre-mining race length in mean honest-height intervals.
    pub burn_in: u32,
    /// Ties go to the adversary (else first-seen).
    pub ties_win: bool,
    /// Merchant z = 0 accepts this many seconds after the payment.
    pub listening: f64,
    /// Deficit at which a trial is stopped as lost.
    pub max_deficit: u32,
}

/// Events of one trial before it is called censored.
const MAX_EVENTS: u32 = 1_000_000;

/// What one trial found, free of the engine's types.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Run {
    /// What the engine's glue reads: merchants reversed, attacker blocks mined after the
    /// payment, censoring.
    pub played: Played,
    /// The attacker's lead a − H at the payment.
    pub lead: u32,
}

impl DelayPrivate {
    /// One trial against merchants z = 0..=z_max.
    pub fn run<R: Rng + ?Sized>(&self, z_max: u32, rng: &mut R) -> Run {
        self.play_with(z_max, &mut self.true_law(), rng)
    }

    /// One importance-sampled trial under `tilt` (see [`TiltedLaw`]), each merchant
    /// credited to `credit` with its likelihood ratio when it is reversed.
    pub fn run_tilted<R: Rng + ?Sized>(
        &self,
        z_max: u32,
        tilt: Tilt,
        credit: &mut Credit<'_>,
        rng: &mut R,
    ) -> Run {
        self.play_with(z_max, &mut TiltedLaw::new(self, z_max, tilt, credit), rng)
    }

    fn true_law(&self) -> TrueLaw {
        TrueLaw {
            honest_rate: (1.0 - self.q) / self.block_interval,
            attacker_rate: self.q / self.block_interval,
            delta: self.delta,
        }
    }

    /// The pre-mining race from −B under the true law (a start at an honest height
    /// increment): (h, a, next honest increment, next attacker block, last increment).
    fn burn_in<R: Rng + ?Sized>(&self, rng: &mut R) -> BurnIn {
        let law = &mut self.true_law();
        let span = f64::from(self.burn_in) * (self.delta + 1.0 / law.honest_rate);
        let (mut h, mut a) = (0u64, 0u64);
        let mut s_last = -span;
        let mut next_h = -span + law.honest_gap(rng);
        let mut next_a = -span + law.attacker_gap(rng);
        while next_h.min(next_a) < 0.0 {
            if next_a < next_h {
                a += 1;
                next_a += law.attacker_gap(rng);
            } else {
                h += 1;
                a = a.max(h);
                s_last = next_h;
                next_h += law.honest_gap(rng);
            }
        }
        (h, a, next_h, next_a, s_last)
    }

    /// The pre-mining race under the defensive mixture of [`LeadMixture`]: (the race's
    /// end state, ln dP/dQ of the path, the likelihood ratio of the true law against the
    /// mixture).
    fn burn_in_mixed<R: Rng + ?Sized>(&self, mix: &LeadMixture, rng: &mut R) -> (BurnIn, f64) {
        let truth = &mut self.true_law();
        let tilt = mix.tilt;
        let span = f64::from(self.burn_in) * (self.delta + 1.0 / truth.honest_rate);
        // Window starts −τ_K < … < −τ_1 (capped at the race's start), and the component.
        let starts: Vec<f64> = (1..=mix.components)
            .rev()
            .map(|k| -(f64::from(k) / (f64::from(GRID) * mix.drift)).min(span))
            .collect();
        let k = rng.random_range(0..=mix.components) as usize;
        let switch = (k > 0).then(|| starts[starts.len() - k]);
        // f = ln dQ_tilt/dP of the path so far (the tilted rates over the whole race).
        let (mut f, mut f_at) = (0.0, Vec::with_capacity(starts.len()));
        let (mut h, mut a) = (0u64, 0u64);
        let (mut t, mut s_last) = (-span, -span);
        let mut tilted = false;
        let mut next_h = -span + truth.honest_gap(rng);
        let mut next_a = -span + truth.attacker_gap(rng);
        let dead = |from: f64, to: f64, s_last: f64| {
            (to.min(s_last + self.delta) - from.max(s_last)).max(0.0)
        };
        loop {
            let mark = starts.get(f_at.len()).copied().unwrap_or(f64::INFINITY);
            let next = next_h.min(next_a);
            if mark <= next && mark < 0.0 {
                f -= tilt.dead_rate * dead(t, mark, s_last);
                t = mark;
                f_at.push(f);
                if switch == Some(mark) {
                    tilted = true;
                    next_a = t + exp1(rng) / tilt.attacker_rate;
                    next_h = (s_last + self.delta).max(t) + exp1(rng) / tilt.honest_rate;
                }
                continue;
            }
            if next >= 0.0 {
                f -= tilt.dead_rate * dead(t, 0.0, s_last);
                break;
            }
            f -= tilt.dead_rate * dead(t, next, s_last);
            t = next;
            if next_a < next_h {
                a += 1;
                f -= tilt.ln_a;
                next_a += if tilted {
                    exp1(rng) / tilt.attacker_rate
                } else {
                    truth.attacker_gap(rng)
                };
            } else {
                h += 1;
                a = a.max(h);
                f -= tilt.ln_h;
                s_last = next_h;
                next_h += if tilted {
                    self.delta + exp1(rng) / tilt.honest_rate
                } else {
                    truth.honest_gap(rng)
                };
            }
        }
        // dQ_mix/dP = (1 + Σ_j dQ_j/dP) / (K + 1), dQ_j/dP = e^{f − f(−τ_j)}.
        let lr: Vec<f64> = f_at.iter().map(|g| f - g).chain([0.0]).collect();
        let top = lr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = lr.iter().map(|x| (x - top).exp()).sum();
        let ln_w = (lr.len() as f64).ln() - top - sum.ln();
        ((h, a, next_h, next_a, s_last), ln_w)
    }

    /// One trial, the blocks after the payment drawn and weighed by `law`.
    fn play_with<R: Rng + ?Sized, L: Law>(&self, z_max: u32, law: &mut L, rng: &mut R) -> Run {
        let (mut h, mut a, mut next_h, mut next_a, mut s_last) = law.burn_in(self, z_max, rng);
        if let Some(k) = self.premined {
            a = h + u64::from(k);
        }
        let (h0, lead) = (h, (a - h) as u32);
        let mut run = Run {
            lead,
            ..Run::default()
        };
        law.start(lead, s_last, &mut next_a, &mut next_h, rng);
        // Acceptance times: τ_z = s_{h0+z} + Δ, pushed as the increments happen.
        let mut accept_at: std::collections::VecDeque<f64> = Default::default();
        let mut accepted = 0u32; // merchants z ≥ 1 that have accepted
        let mut z0_open = self.listening <= 0.0;
        let mut tail = false;
        let (mut t, mut events) = (0.0, 0u32);
        loop {
            if !tail && accepted == z_max && z0_open {
                // Every merchant has accepted: the rest is the catch-up race.
                tail = true;
                law.tail(t, s_last, &mut next_a, &mut next_h, rng);
            }
            // The state (a, h, accepted) after the event at t.
            if (a > h || (self.ties_win && a == h))
                && let Some((from, to, z0)) = run.played.reverse(accepted, z0_open)
            {
                law.reversed(from, to, z0);
            }
            if run.played.top == z_max && run.played.z0 {
                break;
            }
            if h >= a + u64::from(self.max_deficit) {
                break;
            }
            events += 1;
            if events > MAX_EVENTS {
                run.played.censored = true;
                break;
            }
            let next_acc = accept_at.front().copied().unwrap_or(f64::INFINITY);
            let next_z0 = if z0_open {
                f64::INFINITY
            } else {
                self.listening
            };
            let next = next_h.min(next_a).min(next_acc).min(next_z0);
            law.elapse(t, next, s_last);
            t = next;
            if next == next_a {
                a += 1;
                run.played.attacker_blocks += 1;
                law.attacker_found();
                next_a = next + law.attacker_gap(rng);
            } else if next == next_h {
                h += 1;
                if h - h0 <= u64::from(z_max) {
                    accept_at.push_back(next + self.delta);
                }
                law.honest_found();
                s_last = next;
                next_h = next + law.honest_gap(rng);
            } else if next == next_acc {
                accept_at.pop_front();
                accepted += 1;
            } else {
                z0_open = true;
            }
        }
        run
    }
}

/// How a trial draws the blocks after the payment and weighs what it sees: the true law
/// ([`TrueLaw`]) or a tilted one ([`TiltedLaw`]). Static dispatch: the plain trial makes
/// the draws it made before importance sampling existed, in the same order.
trait Law {
    /// The pre-mining race before the payment.
    fn burn_in<R: Rng + ?Sized>(&mut self, s: &DelayPrivate, z_max: u32, rng: &mut R) -> BurnIn;
    /// Seconds to the attacker's next block.
    fn attacker_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64;
    /// Seconds from an honest height increment to the next one: Δ + an exponential.
    fn honest_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64;
    /// The race after the payment starts at 0 with the attacker `lead` blocks ahead (the
    /// last honest increment at `s_last`): the pending draws may be replaced under this law.
    fn start<R: Rng + ?Sized>(
        &mut self,
        lead: u32,
        s_last: f64,
        next_a: &mut f64,
        next_h: &mut f64,
        rng: &mut R,
    );
    /// Every merchant has accepted at `t`: the rest of the race from here.
    fn tail<R: Rng + ?Sized>(
        &mut self,
        t: f64,
        s_last: f64,
        next_a: &mut f64,
        next_h: &mut f64,
        rng: &mut R,
    );
    /// Time runs from `from` to `to` without an event (the last increment at `s_last`).
    fn elapse(&mut self, from: f64, to: f64, s_last: f64);
    /// An attacker block is found now.
    fn attacker_found(&mut self);
    /// An honest height increment happens now.
    fn honest_found(&mut self);
    /// Merchants `from` + 1 ..= `to` (z ≥ 1) and, if `z0`, z = 0 are reversed now.
    fn reversed(&mut self, from: u32, to: u32, z0: bool);
}

/// Exp(1) draw.
fn exp1<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    Distribution::<f64>::sample(&Exp1, rng)
}

/// The true rates: plain Monte Carlo.
struct TrueLaw {
    honest_rate: f64,
    attacker_rate: f64,
    delta: f64,
}

impl Law for TrueLaw {
    fn burn_in<R: Rng + ?Sized>(&mut self, s: &DelayPrivate, _: u32, rng: &mut R) -> BurnIn {
        s.burn_in(rng)
    }

    fn attacker_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        if self.attacker_rate > 0.0 {
            exp1(rng) / self.attacker_rate
        } else {
            f64::INFINITY
        }
    }

    fn honest_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        self.delta + exp1(rng) / self.honest_rate
    }

    fn start<R: Rng + ?Sized>(&mut self, _: u32, _: f64, _: &mut f64, _: &mut f64, _: &mut R) {}

    fn tail<R: Rng + ?Sized>(&mut self, _: f64, _: f64, _: &mut f64, _: &mut f64, _: &mut R) {}

    fn elapse(&mut self, _: f64, _: f64, _: f64) {}

    fn attacker_found(&mut self) {}

    fn honest_found(&mut self) {}

    fn reversed(&mut self, _: u32, _: u32, _: bool) {}
}

/// The pre-mining race's end state: (honest height, attacker height, next honest
/// increment, next attacker block, last honest increment).
type BurnIn = (u64, u64, f64, f64, f64);

/// How an importance-sampled trial draws the pre-mining lead (docs/delay-adversary.md):
/// the lead at the payment is the maximum of a − H over windows ending at 0, and each
/// lead l contributes about equally to P(reversal) (a lead l is as rare as the l blocks it
/// saves the attacker later), so leads up to z_max + 1 must all be sampled often. A
/// defensive mixture of K + 1 laws does it, K = z_max + 1: law 0 is the true race; law k
/// is the true race until τ_k before the payment and the catch-up tilt ([`tail_share`])
/// from there, τ_k = k / (the tilted drift of a − H), so that its lead is about k. Each
/// trial picks one law uniformly and is weighted by dP/dQ_mix = (K + 1) / (1 + Σ_k dQ_k/dP),
/// every dQ_k/dP read off the same path (at most K + 1: the true race is in the mixture).
/// Not used with a fixed `premined` lead (nothing to tilt) or at and above the GKR
/// threshold (no catch-up tilt).
/// Windows per unit of expected lead.
const GRID: u32 = 4;

struct LeadMixture {
    tilt: Phase,
    /// Drift of a − H under the tilt (per second).
    drift: f64,
    /// K.
    components: u32,
}

impl LeadMixture {
    fn new(s: &DelayPrivate, z_max: u32) -> Option<LeadMixture> {
        let share = tail_share(s.q, s.delta, s.block_interval);
        let tilt = Phase::new(s.q, share, s.block_interval);
        let drift = tilt.attacker_rate - 1.0 / (s.delta + 1.0 / tilt.honest_rate);
        (s.premined.is_none() && share > s.q && drift > 0.0).then_some(LeadMixture {
            tilt,
            drift,
            components: GRID * (z_max + 2),
        })
    }
}

/// One phase of the tilted law: the attacker mines at q'/T and the honest miners at
/// (1 − q')/T (the total rate 1/T unchanged).
#[derive(Clone, Copy, Debug)]
struct Phase {
    attacker_rate: f64,
    honest_rate: f64,
    /// ln(q/q') per attacker block.
    ln_a: f64,
    /// ln(p/p') per honest height increment.
    ln_h: f64,
    /// (q' − q)/T: ln L grows at this rate while the honest chain cannot grow (the Δ after
    /// each increment, when the true law has only the attacker's intensity and the tilted
    /// one only the attacker's tilted intensity).
    dead_rate: f64,
}

impl Phase {
    fn new(q: f64, tilted: f64, block_interval: f64) -> Phase {
        Phase {
            attacker_rate: tilted / block_interval,
            honest_rate: (1.0 - tilted) / block_interval,
            ln_a: (q / tilted).ln(),
            ln_h: ((1.0 - q) / (1.0 - tilted)).ln(),
            dead_rate: (tilted - q) / block_interval,
        }
    }
}

/// Importance sampling of the Δ-delaying private attack (docs/delay-adversary.md):
/// the pre-mining race runs under the true law (weight 1); from the payment on the
/// attacker's share is `Tilt::accept` until every merchant has accepted, then the Δ
/// model's exchanged rates ([`tail_share`]). The likelihood ratio of the path so far is
/// that of two point processes, the attacker's Poisson blocks and the honest chain's
/// increments (intensity λ_h after the Δ that follows each increment, 0 within it):
///
/// ```text
/// ln L = a·ln(q/q') + h·ln(p/p') + Σ over phases (q' − q)/T · (time within a Δ window)
/// ```
///
/// (the honest blocks found within a window are forks that change nothing, so they are
/// not drawn: their factors are integrated out, which leaves the last term). Merchants
/// are credited L when reversed (L is a martingale, that moment a stopping time), as
/// `crate::net::is` does.
pub struct TiltedLaw<'c, 'a> {
    q: f64,
    /// `Tilt::accept`: the acceptance-phase share without a lead.
    accept: f64,
    block_interval: f64,
    z_max: u32,
    phases: [Phase; 2],
    phase: usize,
    delta: f64,
    ln_l: f64,
    credit: &'c mut Credit<'a>,
}

impl<'c, 'a> TiltedLaw<'c, 'a> {
    fn new(s: &DelayPrivate, z_max: u32, tilt: Tilt, credit: &'c mut Credit<'a>) -> Self {
        let tail = tail_share(s.q, s.delta, s.block_interval);
        TiltedLaw {
            q: s.q,
            accept: tilt.accept,
            block_interval: s.block_interval,
            z_max,
            phases: [
                Phase::new(s.q, tilt.accept, s.block_interval),
                Phase::new(s.q, tail, s.block_interval),
            ],
            phase: 0,
            delta: s.delta,
            ln_l: 0.0,
            credit,
        }
    }

    fn now(&self) -> Phase {
        self.phases[self.phase]
    }

    /// Redraw both pending events from `t` under the current phase (memoryless: the
    /// attacker's next block, and the honest chain's next increment once its window from
    /// `s_last` is over).
    fn redraw<R: Rng + ?Sized>(
        &mut self,
        t: f64,
        s_last: f64,
        next_a: &mut f64,
        next_h: &mut f64,
        rng: &mut R,
    ) {
        *next_a = t + self.attacker_gap(rng);
        *next_h = (s_last + self.delta).max(t) + exp1(rng) / self.now().honest_rate;
    }
}

impl Law for TiltedLaw<'_, '_> {
    fn burn_in<R: Rng + ?Sized>(&mut self, s: &DelayPrivate, z_max: u32, rng: &mut R) -> BurnIn {
        match LeadMixture::new(s, z_max) {
            Some(mix) => {
                let (state, ln_w) = s.burn_in_mixed(&mix, rng);
                self.ln_l = ln_w;
                state
            }
            None => s.burn_in(rng),
        }
    }

    fn attacker_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        exp1(rng) / self.now().attacker_rate
    }

    fn honest_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        self.delta + exp1(rng) / self.now().honest_rate
    }

    fn start<R: Rng + ?Sized>(
        &mut self,
        lead: u32,
        s_last: f64,
        next_a: &mut f64,
        next_h: &mut f64,
        rng: &mut R,
    ) {
        // A lead l leaves z_max + 1 − l blocks to find before the honest chain's z_max:
        // the tilt shrinks towards q with them (the full tilt would over-weight the
        // attacker's blocks a leading attacker does not need).
        let need = f64::from((self.z_max + 1).saturating_sub(lead)) / f64::from(self.z_max + 1);
        self.phases[0] = Phase::new(
            self.q,
            self.q + (self.accept - self.q) * need,
            self.block_interval,
        );
        self.phase = 0;
        self.redraw(0.0, s_last, next_a, next_h, rng);
    }

    fn tail<R: Rng + ?Sized>(
        &mut self,
        t: f64,
        s_last: f64,
        next_a: &mut f64,
        next_h: &mut f64,
        rng: &mut R,
    ) {
        self.phase = 1;
        self.redraw(t, s_last, next_a, next_h, rng);
    }

    fn elapse(&mut self, from: f64, to: f64, s_last: f64) {
        let dead = (to.min(s_last + self.delta) - from.max(s_last)).max(0.0);
        self.ln_l += self.now().dead_rate * dead;
    }

    fn attacker_found(&mut self) {
        self.ln_l += self.now().ln_a;
    }

    fn honest_found(&mut self) {
        self.ln_l += self.now().ln_h;
    }

    fn reversed(&mut self, from: u32, to: u32, z0: bool) {
        self.credit
            .reversed(self.ln_l, i64::from(from), i64::from(to), z0, 1.0);
    }
}

/// The attacker's share after every merchant has accepted: the exponential change of
/// measure under which the catch-up race is no longer rare (Siegmund's tilt of the Δ
/// model). With the attacker's rate λ_a e^θ and the honest exponential rate
/// λ_h − λ_a(e^θ − 1) (so the total rate 1/T is unchanged), θ > 0 solves
/// e^{xΔ} λ_h / (λ_h − x) = e^θ, x = λ_a(e^θ − 1), the root of the cumulant of a − H; the
/// share is q + xT. At Δ = 0 it is 1 − q (the exchanged rates of the block race). At or
/// above the GKR threshold there is no root and the share stays q.
pub fn tail_share(q: f64, delta: f64, block_interval: f64) -> f64 {
    let (la, lh) = (q / block_interval, (1.0 - q) / block_interval);
    // f(x) = xΔ − ln(1 − x/λ_h) − ln(1 + x/λ_a): convex, f(0) = 0, +∞ at λ_h.
    let f = |x: f64| x * delta - (-x / lh).ln_1p() - (x / la).ln_1p();
    if !(la > 0.0 && lh > 0.0) || delta + 1.0 / lh >= 1.0 / la {
        return q;
    }
    let (mut lo, mut hi) = (0.0, lh);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    q + lo * block_interval
}

impl OwnClock for DelayPrivate {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catch_up_tilt_exchanges_the_rates_at_zero_delay_and_solves_its_equation() {
        // Δ = 0: the exchanged rates of the block race, q' = 1 − q.
        for q in [0.05, 0.1, 0.3, 0.45] {
            assert!(
                (tail_share(q, 0.0, 600.0) - (1.0 - q)).abs() < 1e-12,
                "q={q}"
            );
        }
        // Δ > 0: the share q' = q + xT satisfies e^{xΔ} λ_h/(λ_h − x) = 1 + x/λ_a (= e^θ),
        // checked here by evaluating both sides, and lies between q and 1 − q.
        for (q, delta) in [(0.1, 10.0), (0.25, 30.0), (0.3, 300.0)] {
            let t = 600.0;
            let s = tail_share(q, delta, t);
            let (la, lh, x) = (q / t, (1.0 - q) / t, (s - q) / t);
            let lhs = (x * delta).exp() * lh / (lh - x);
            let rhs = 1.0 + x / la;
            assert!(
                (lhs / rhs - 1.0).abs() < 1e-9,
                "q={q} Δ={delta}: {lhs} vs {rhs}"
            );
            assert!(s > q && s < 1.0 - q, "q={q} Δ={delta}: {s}");
        }
        // Above the GKR threshold (q = 0.45 at Δ = T) there is no catch-up tilt.
        assert_eq!(tail_share(0.45, 600.0, 600.0), 0.45);
    }
}
