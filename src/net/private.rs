//! Private-branch attacks on the timed engine: the attacker holds `premined` withheld
//! blocks holding its conflicting transaction when the payment is broadcast, keeps mining
//! privately, and publishes as soon as a merchant has accepted and its branch is strictly
//! longer than every public block (the release is then taken as decisive: it happens at
//! the first such moment, before any honest block of equal height can appear).
//!
//! One trial serves every z: merchant z ≥ 1 accepts when V is z deep in its best chain,
//! and is reversed iff at some moment at or after that the branch is ahead. Merchant
//! z = 0 accepts a listening period after first seeing V: the Finney attack releases right
//! then (one shot: success iff ahead at that moment), the majority attack keeps going.
//! Played by the private-branch attacks of `crate::attack` (majority, Finney, rental,
//! opportunistic); when to publish, when to give up and the exact tail are the rule of
//! `crate::policy::PrivateBranch`, the one the block race plays too. On a network its tie
//! parameter is 0: nodes keep the first block they saw.

use std::sync::Arc;

use rand::Rng;

use super::Outcome;
use super::engine::{Acceptance, Finder, Watch, World};
use crate::estimate::rng::{SimRng, unit_f64};
use crate::policy::PrivateBranch;

/// How merchant z = 0 (who accepts a listening period after first seeing the payment) is
/// attacked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ZeroConf {
    /// Like every other merchant: reversed if the branch is ahead at or after acceptance.
    #[default]
    Standing,
    /// One shot: the branch is released at the moment of acceptance and the attempt on
    /// z = 0 succeeds iff it is ahead then (the Finney attack).
    OneShot,
}

/// A law for the part of the attacker's head start that is drawn per trial (on top of
/// the fixed `branch.premined` blocks). The attack supplies it, so a new way of building
/// a head start (pre-mining for a while, a race run since long before the payment, ...)
/// never edits this engine.
pub trait HeadStartLaw: Send + Sync + std::fmt::Debug {
    /// The extra lead of one trial, drawn from the trial's stream.
    fn draw(&self, rng: &mut SimRng) -> u32;
}

/// The attacker's parameters.
#[derive(Clone, Debug, Default)]
pub struct Private {
    /// The rule: share q, blocks already withheld at the start, give-up line, and whether
    /// the rest of the race is resolved exactly once every merchant has accepted (zero
    /// latency only). Its γ must be 0 (first-seen).
    pub branch: PrivateBranch,
    /// How merchant z = 0 is attacked.
    pub zero_conf: ZeroConf,
    /// Truncation deficit when walking.
    pub max_deficit: u32,
    /// Merchant's listening period (seconds).
    pub listening: f64,
    /// Seconds after the payment's broadcast at which the attacker loses its hash rate
    /// and gives up (a deadline or a budget); None: never.
    pub deadline: Option<f64>,
    /// The drawn part of the head start (None: the head start is `branch.premined`).
    pub extra_lead: Option<Arc<dyn HeadStartLaw>>,
}

/// The head start of a trial: `premined` plus the drawn lead, if any.
fn head_start(s: &Private, rng: &mut SimRng) -> u32 {
    s.branch.premined + s.extra_lead.as_ref().map_or(0, |law| law.draw(rng))
}

/// Hard cap on blocks per trial (a censored trial counts as a failure and is reported).
const MAX_BLOCKS: u32 = 1_000_000;

#[derive(Default)]
struct State {
    a: u32,
    top: i64,
    z0: Option<bool>,
    z0_accepted: bool,
    z0_cost: u64,
}

impl State {
    fn ahead(&self, w: &World) -> bool {
        PrivateBranch::wins_outright(i64::from(self.a) - i64::from(w.h_max))
    }

    /// Record every standing merchant as reversed if the branch is ahead now.
    fn check<S: Sampler>(&mut self, w: &World, acc: &Acceptance, sampler: &mut S) {
        if self.ahead(w) {
            let before = self.top;
            if acc.top >= 1 {
                self.top = self.top.max(i64::from(acc.top));
            }
            let z0 = self.z0_accepted && self.z0.is_none();
            if z0 {
                self.z0 = Some(true);
            }
            if self.top > before || z0 {
                sampler.reversed(before, self.top, z0);
            }
        }
    }
}

/// How a trial draws its blocks and records reversals: plain Monte Carlo ([`Plain`]) or
/// importance sampling with likelihood-ratio weights (`super::is::Weighted`). Static
/// dispatch: the plain trial is the same machine code as without the trait.
pub trait Sampler {
    /// The next block; `tail` is set once every merchant has accepted. What happens
    /// before it (merchant arrivals up to its time) is recorded before [`Self::found`].
    fn next_block<R: Rng + ?Sized>(&mut self, w: &World, tail: bool, rng: &mut R) -> (f64, Finder);
    /// The block drawn by the last [`Self::next_block`] is found now: later reversals
    /// depend on it.
    fn found(&mut self);
    /// Merchants z = `from` + 1 ..= `to` (z ≥ 1) and, if `z0`, merchant z = 0 have just
    /// been reversed.
    fn reversed(&mut self, from: i64, to: i64, z0: bool);
    /// Every merchant has accepted and the rest of the race is won with probability `win`
    /// (exact): merchants `from` + 1 ..= `to` and, if `z0`, merchant z = 0 are reversed iff
    /// it is. Returns whether the trial counts it as won.
    fn tail<R: Rng + ?Sized>(
        &mut self,
        from: i64,
        to: i64,
        z0: bool,
        win: f64,
        rng: &mut R,
    ) -> bool;
}

/// Plain Monte Carlo: blocks at the true shares, the tail decided by one uniform.
pub struct Plain;

impl Sampler for Plain {
    #[inline]
    fn next_block<R: Rng + ?Sized>(&mut self, w: &World, _: bool, rng: &mut R) -> (f64, Finder) {
        w.next_block(rng)
    }

    #[inline]
    fn found(&mut self) {}

    #[inline]
    fn reversed(&mut self, _: i64, _: i64, _: bool) {}

    #[inline]
    fn tail<R: Rng + ?Sized>(&mut self, _: i64, _: i64, _: bool, win: f64, rng: &mut R) -> bool {
        unit_f64(rng.next_u64()) < win
    }
}

/// Run one trial on a reset `world`, drawing blocks through `sampler`.
pub fn trial<S: Sampler>(
    s: &Private,
    w: &mut World,
    acc: &mut Acceptance,
    sampler: &mut S,
    rng: &mut SimRng,
) -> Outcome {
    let z_max = acc.accepted.len() as u32 - 1;
    let t_listen = w.tx.merchant_v_seen.t + s.listening;
    let mut st = State {
        a: head_start(s, rng),
        top: -1,
        ..State::default()
    };
    let mut blocks = 0u32;
    let (mut censored, mut tail) = (false, false);
    let one_shot = s.zero_conf == ZeroConf::OneShot;
    let z0_done = |st: &State| st.z0.is_some() || (!one_shot && st.z0_accepted);
    loop {
        let (next, who) = sampler.next_block(w, tail, rng);
        if let Some(end) = s.deadline.filter(|&d| next > d) {
            // The window closes before this block: what arrives until then still counts,
            // then the attacker has no hash rate left and the attempt is over.
            advance(s, w, acc, &mut st, sampler, t_listen, end);
            break;
        }
        // Arrivals before the new block decide nothing about it: a merchant reversed there
        // is credited without its likelihood factor (which would only add variance).
        advance(s, w, acc, &mut st, sampler, t_listen, next);
        if !tail && acc.all() && z0_done(&st) {
            // Every merchant has accepted, before the new block: from here only heights
            // matter.
            w.watch_merchant = false;
            tail = true;
            let deficit = i64::from(w.h_max) - i64::from(st.a);
            if let Some(win) = s.branch.exact_tail_win(-deficit) {
                // The rest of the race from this state, exactly; the drawn block is never
                // found (it is the future the win probability already accounts for).
                let z0 = st.z0_accepted && st.z0.is_none();
                if sampler.tail(st.top, i64::from(z_max), z0, win, rng) {
                    st.top = i64::from(z_max);
                    if z0 {
                        st.z0 = Some(true);
                    }
                }
                break;
            }
        }
        sampler.found();
        w.t = next;
        match who {
            Finder::Attacker => st.a += 1,
            Finder::Miner(m) => {
                w.mine_honest(m, next);
            }
        }
        st.check(w, acc, sampler);
        blocks += 1;
        if st.top == i64::from(z_max) && st.z0.is_some() {
            break;
        }
        let deficit = i64::from(w.h_max) - i64::from(st.a);
        if s.branch.gives_up(-deficit) {
            break;
        }
        if tail && deficit >= i64::from(s.max_deficit) {
            break;
        }
        if blocks >= MAX_BLOCKS {
            censored = true;
            break;
        }
    }
    let z0 = st.z0.unwrap_or(false);
    Outcome {
        top: st.top,
        z0,
        cost_blocks: u64::from(st.a),
        z0_cost_blocks: if one_shot {
            st.z0_cost
        } else if z0 {
            0
        } else {
            u64::from(st.a)
        },
        censored,
    }
}

/// Handle merchant arrivals and the z = 0 acceptance due before `until`, in time order.
fn advance<S: Sampler>(
    s: &Private,
    w: &mut World,
    acc: &mut Acceptance,
    st: &mut State,
    sampler: &mut S,
    t_listen: f64,
    until: f64,
) {
    loop {
        let ev = w.events.peek_key().filter(|k| k.t <= until);
        let listen_due = !st.z0_accepted && st.z0.is_none() && t_listen <= until;
        if listen_due && ev.is_none_or(|k| t_listen < k.t) {
            st.z0_accepted = true;
            if s.zero_conf == ZeroConf::OneShot {
                let ahead = st.ahead(w);
                st.z0 = Some(ahead);
                st.z0_cost = if ahead { 0 } else { u64::from(st.a) };
                if ahead {
                    sampler.reversed(st.top, st.top, true);
                }
            } else {
                st.check(w, acc, sampler);
            }
            continue;
        }
        if ev.is_none() {
            break;
        }
        if let Some((_, Watch::Merchant(b))) = w.events.pop() {
            let depth = w.merchant_receives(b);
            acc.see_depth(depth);
            st.check(w, acc, sampler);
        }
    }
}
