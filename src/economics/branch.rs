//! The attacker's blocks that end up in the main chain: E[branch length · 1{success}] for
//! the rented-hash attacker of `attack::rental::exact`, exact in the zero-latency model.
//!
//! On success the attacker publishes its branch, and every block of it replaces an honest
//! one, so its block rewards are the branch length at the moment of success. The branch is
//! B₀ + a_τ: B₀ its length at the broadcast (pre-mining) and a_τ the attacker's blocks from
//! the broadcast to success. This module runs the exact law's dynamic program (the shared
//! `attack::rental::exact::Race`: same states, lumping and truncation; docs/rental.md)
//! carrying, next to the probability of each state, the first moment E[(B₀ + a) · 1{state}]. Uniformization turns the moment
//! absorbed at the n-th block into continuous time exactly as for the success probability:
//!
//! ```text
//! E[branch · 1{success}] = Σ_n b_n · P(N_R ≥ n),    N_R ~ Poisson((W − P)/T),
//! ```
//!
//! since whether the n-th block comes inside the window does not depend on the path.
//! The success probability is computed alongside (its own head-start law and Poisson
//! mixing; the race itself is shared with the exact law).

use crate::attack::rental::exact::{Poisson, Race};

/// A sum stops once what it can still add is below this fraction of its value.
const RELATIVE_TAIL: f64 = 1e-16;
/// Lead truncations drop at most e^−46 ≈ 1e-20 relative (as in the exact law).
const NATS: f64 = 46.0;
/// Most race steps of an unlimited rental (q < 1/2) before the sum is cut.
const MAX_STEPS: usize = 2_000_000;

/// Success probability and E[branch length · 1{success}] of one rental against merchant z.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BranchLaw {
    /// P(success), from this module's own program.
    pub success: f64,
    /// E[branch length · 1{success}]: expected number of the attacker's blocks that end up
    /// in the main chain.
    pub branch_blocks: f64,
    /// E\[B₀\]: the expected branch length at the broadcast (pre-mined blocks still on it).
    pub premined_blocks: f64,
}

/// Law of the head start k and E[B₀ · 1{k}] after Poisson(P/T) pre-mining blocks: the
/// reflected walk of the exact law (an attacker block adds one to lead and branch; an
/// honest block lowers the lead, and at lead 0 the attacker restarts with an empty branch).
fn head_start(q: f64, lambda: f64, z: u32) -> (Vec<f64>, Vec<f64>) {
    if lambda == 0.0 || q == 0.0 {
        return (vec![1.0], vec![0.0]);
    }
    let p = 1.0 - q;
    let pmf = Poisson::new(lambda).pmf;
    let steps = pmf.len();
    let cap = if q < p {
        let k = f64::from(z) + 1.0 + (NATS / (p / q).ln()).ceil();
        (k as usize).min(steps)
    } else {
        steps
    };
    let (mut v, mut u) = (vec![0.0; cap + 2], vec![0.0; cap + 2]);
    let (mut nv, mut nu) = (v.clone(), u.clone());
    v[0] = 1.0;
    let (mut pk, mut bk) = (vec![0.0; cap + 1], vec![0.0; cap + 1]);
    for &w in &pmf {
        for k in 0..=cap {
            pk[k] += w * v[k];
            bk[k] += w * u[k];
        }
        nv.fill(0.0);
        nu.fill(0.0);
        // Honest block from lead 0: the branch is abandoned (mass stays, length 0).
        nv[0] = p * (v[0] + v[1]);
        nu[0] = p * u[1];
        for k in 1..=cap {
            nv[k] = q * v[k - 1] + p * v[k + 1];
            nu[k] = q * (u[k - 1] + v[k - 1]) + p * u[k + 1];
        }
        // Leads above the cap are dropped (mass below (q/p)^(cap+1), see the exact law).
        std::mem::swap(&mut v, &mut nv);
        std::mem::swap(&mut u, &mut nu);
        v[cap + 1] = 0.0;
        u[cap + 1] = 0.0;
    }
    (pk, bk)
}

/// E[branch · 1{success}] and P(success) for attacker share `q` (0 ≤ q < 1/2 for an
/// unlimited window; any q < 1 for a finite one), total block interval `t`, pre-mining
/// `premine` seconds, `post` = seconds of rental after the broadcast (`None`: unlimited),
/// merchant `z`.
pub fn branch_law(q: f64, t: f64, premine: f64, post: Option<f64>, z: u32) -> BranchLaw {
    let (pk, bk) = head_start(q, premine / t, z);
    let premined_blocks = bk.iter().sum();
    let (weights, n_len) = match post {
        Some(r) => {
            let pois = Poisson::new(r / t);
            let n = pois.pmf.len();
            (Some(pois.surv), n)
        }
        None => (None, MAX_STEPS),
    };
    let mut race = Race::new(q, z, n_len, &pk).with_moments(&bk);
    let (mut acc_s, mut acc_b) = (race.succeeded, race.succeeded_moment());
    let surv = |n: usize| match &weights {
        Some(s) => s.get(n).copied().unwrap_or(0.0),
        None => 1.0,
    };
    for n in 1..n_len {
        let won = race.step();
        acc_s += won.total * surv(n);
        acc_b += won.moment * surv(n);
        let (alive, alive_mom) = (race.alive(), race.alive_moment());
        // What is left: success ≤ alive · P(N ≥ n + 1); the branch moment grows by at most
        // one block per step per unit of mass, bounded by (moment + mass · steps left).
        let left = (n_len - n) as f64;
        let s_tail = alive * surv(n + 1);
        let b_tail = (alive_mom + alive * left.min(1e6)) * surv(n + 1);
        if (s_tail <= RELATIVE_TAIL * acc_s || alive == 0.0)
            && (b_tail <= RELATIVE_TAIL * acc_b.max(f64::MIN_POSITIVE) || alive < 1e-300)
        {
            break;
        }
        if post.is_none() && alive < 1e-18 * acc_s.max(1e-300) && alive_mom < 1e-18 * acc_b {
            break;
        }
    }
    BranchLaw {
        success: acc_s.min(1.0),
        branch_blocks: acc_b,
        premined_blocks,
    }
}
