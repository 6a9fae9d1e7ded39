//! The block-race attacker MDP of Sapirshtein, Sompolinsky and Zohar (FC 2016), truncated at
//! a maximum branch length `n` (docs/optimize.md).
//!
//! A state is (a, h, fork): the attacker's and the honest branch lengths since the last
//! common block and the fork status. Every action is followed by the next mining event, so a
//! step is one block: the attacker's with probability α, else an honest one.

use std::fmt;

/// Fork status, as in Sapirshtein et al.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fork {
    /// The last block was the attacker's (or no honest block exists): no match possible.
    Irrelevant,
    /// The last block was honest: the attacker may match if a ≥ h.
    Relevant,
    /// The attacker has matched; honest miners are split (γ on the attacker's branch).
    Active,
}

impl Fork {
    /// All three, in index order.
    pub const ALL: [Fork; 3] = [Fork::Irrelevant, Fork::Relevant, Fork::Active];

    /// The name used in policy files.
    pub fn name(self) -> &'static str {
        match self {
            Fork::Irrelevant => "irrelevant",
            Fork::Relevant => "relevant",
            Fork::Active => "active",
        }
    }

    /// Parse a policy-file name.
    pub fn parse(s: &str) -> Option<Fork> {
        Fork::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// The attacker's four actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Abandon the private branch and mine on the honest tip.
    Adopt,
    /// Publish h + 1 private blocks, orphaning the honest branch (needs a > h).
    Override,
    /// Publish h private blocks to tie with the honest branch (needs a ≥ h, fork relevant).
    Match,
    /// Keep mining privately.
    Wait,
}

impl Action {
    /// All four, in index order.
    pub const ALL: [Action; 4] = [Action::Adopt, Action::Override, Action::Match, Action::Wait];

    /// The name used in policy files.
    pub fn name(self) -> &'static str {
        match self {
            Action::Adopt => "adopt",
            Action::Override => "override",
            Action::Match => "match",
            Action::Wait => "wait",
        }
    }

    /// Parse a policy-file name.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the attacker maximises (as a ratio of long-run averages, numerator / denominator).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    /// Relative revenue: attacker's main-chain blocks / all main-chain blocks.
    Revenue,
    /// Block rewards plus `value` per reversed payment with at least `z` confirmations, per
    /// block interval (one mining event).
    DoubleSpend {
        /// Reward per reversal, in block rewards.
        value: f64,
        /// Confirmations the merchant waits for (≥ 1).
        z: u32,
    },
}

/// The model's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Attacker's hash share α.
    pub alpha: f64,
    /// Fraction γ of honest hash rate mining on the attacker's branch during a tie.
    pub gamma: f64,
    /// The objective.
    pub goal: Goal,
}

/// Where a branch of a transition leads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Next {
    /// A state of the box (its index).
    State(u32),
    /// The fresh start: both branches empty, the regeneration point ending a cycle; the
    /// action's mining event then lands on (1, 0, irrelevant) or (0, 1, relevant).
    Fresh,
}

/// One branch of an action: probability, what it pays and where it leads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Branch {
    /// Probability.
    pub p: f64,
    /// Attacker blocks entering the main chain (or credited by an optimistic bound).
    pub att: f64,
    /// Honest blocks entering the main chain.
    pub hon: f64,
    /// Reversed payments (double-spend objective).
    pub rev: f64,
    /// The successor.
    pub next: Next,
}

/// A truncated model: the box 0 ≤ a, h ≤ n with three fork states each.
#[derive(Clone, Copy, Debug)]
pub struct Model {
    /// Parameters.
    pub params: Params,
    /// Maximum branch length: actions whose mining event would leave the box are not
    /// allowed, so every policy is one of the full model and the optimum is a lower bound.
    pub n: u32,
}

/// Up to four actions with up to three branches each, without allocation.
pub type Branches = ([Branch; 3], usize);

impl Model {
    /// Number of states.
    pub fn len(&self) -> usize {
        let side = self.n as usize + 1;
        side * side * 3
    }

    /// Never empty (n ≥ 0 gives at least one state); for clippy's `len` convention.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Index of (a, h, fork).
    pub fn index(&self, a: u32, h: u32, fork: Fork) -> usize {
        let side = self.n as usize + 1;
        (a as usize * side + h as usize) * 3 + fork as usize
    }

    /// The state at an index.
    pub fn state(&self, i: usize) -> (u32, u32, Fork) {
        let side = self.n as usize + 1;
        let f = Fork::ALL[i % 3];
        let ah = i / 3;
        ((ah / side) as u32, (ah % side) as u32, f)
    }

    /// The distribution at the fresh start: (1, 0, irrelevant) or (0, 1, relevant).
    pub fn fresh(&self) -> [(f64, usize); 2] {
        let al = self.params.alpha;
        [
            (al, self.index(1, 0, Fork::Irrelevant)),
            (1.0 - al, self.index(0, 1, Fork::Relevant)),
        ]
    }

    /// Whether a state can occur (others are kept in the array but never visited).
    pub fn reachable(&self, a: u32, h: u32, fork: Fork) -> bool {
        match fork {
            Fork::Irrelevant => a >= 1,
            Fork::Relevant => h >= 1,
            Fork::Active => a >= h && h >= 1,
        }
    }

    fn reversal(&self, h: u32) -> f64 {
        match self.params.goal {
            Goal::DoubleSpend { z, .. } if h >= z => 1.0,
            _ => 0.0,
        }
    }

    /// The successor of a mining event landing on (a, h, fork); `None` outside the box
    /// (the action is then not allowed: the truncation).
    fn land(&self, a: u32, h: u32, fork: Fork, b: &mut Branch) -> Option<()> {
        let n = self.n;
        if a <= n && h <= n {
            b.next = if a == 0 && h == 0 {
                Next::Fresh
            } else {
                Next::State(self.index(a, h, fork) as u32)
            };
            return Some(());
        }
        None
    }

    /// The branches of `action` at state (a, h, fork), or `None` if not allowed there.
    pub fn branches(&self, a: u32, h: u32, fork: Fork, action: Action) -> Option<Branches> {
        let al = self.params.alpha;
        let ga = self.params.gamma;
        let zero = Branch {
            p: 0.0,
            att: 0.0,
            hon: 0.0,
            rev: 0.0,
            next: Next::Fresh,
        };
        let mut out = [zero; 3];
        let mut k = 0;
        let mut push = |p: f64, att: f64, hon: f64, rev: f64, (na, nh, nf): (u32, u32, Fork)| {
            if p <= 0.0 {
                return Some(());
            }
            let mut b = Branch {
                p,
                att,
                hon,
                rev,
                next: Next::Fresh,
            };
            self.land(na, nh, nf, &mut b)?;
            out[k] = b;
            k += 1;
            Some(())
        };
        match action {
            Action::Adopt => {
                if a == 0 && h == 0 {
                    return None;
                }
                // Back to the fresh start: the cycle ends (its mining event draws the next
                // cycle's first state, (1, 0) or (0, 1)).
                push(1.0, 0.0, f64::from(h), 0.0, (0, 0, Fork::Irrelevant))?;
            }
            Action::Override => {
                if a <= h {
                    return None;
                }
                let (att, rev) = (f64::from(h + 1), self.reversal(h));
                let left = a - h - 1;
                if left == 0 {
                    push(1.0, att, 0.0, rev, (0, 0, Fork::Irrelevant))?;
                } else {
                    push(al, att, 0.0, rev, (left + 1, 0, Fork::Irrelevant))?;
                    push(1.0 - al, att, 0.0, rev, (left, 1, Fork::Relevant))?;
                }
            }
            Action::Match | Action::Wait => {
                let racing = match action {
                    Action::Match => {
                        if !(fork == Fork::Relevant && a >= h && h >= 1) {
                            return None;
                        }
                        true
                    }
                    _ => fork == Fork::Active,
                };
                if racing {
                    let (att, rev) = (f64::from(h), self.reversal(h));
                    push(al, 0.0, 0.0, 0.0, (a + 1, h, Fork::Active))?;
                    push(ga * (1.0 - al), att, 0.0, rev, (a - h, 1, Fork::Relevant))?;
                    push(
                        (1.0 - ga) * (1.0 - al),
                        0.0,
                        0.0,
                        0.0,
                        (a, h + 1, Fork::Relevant),
                    )?;
                } else {
                    if a == 0 && h == 0 {
                        // The fresh start itself is not a state of the box.
                        return None;
                    }
                    push(al, 0.0, 0.0, 0.0, (a + 1, h, Fork::Irrelevant))?;
                    push(1.0 - al, 0.0, 0.0, 0.0, (a, h + 1, Fork::Relevant))?;
                }
            }
        }
        Some((out, k))
    }
}

/// What the solver needs of a model: the box's geometry (a plain truncated [`Model`]) and the
/// branches of each action. The truncated model is one; the optimistic model of
/// [`super::upper`] is the other (same box, different edge).
pub trait Mdp {
    /// The box: its size, indexing, reachable states, fresh start and parameters.
    fn base(&self) -> &Model;
    /// The branches of `action` at (a, h, fork), or `None` if not allowed there.
    fn branches(&self, a: u32, h: u32, fork: Fork, action: Action) -> Option<Branches>;
}

impl Mdp for Model {
    fn base(&self) -> &Model {
        self
    }

    fn branches(&self, a: u32, h: u32, fork: Fork, action: Action) -> Option<Branches> {
        Model::branches(self, a, h, fork, action)
    }
}
