//! The attacker's blocks that end up in the main chain: E[branch length · 1{success}] for
//! the rented-hash attacker of `attack::rental::exact`, exact in the zero-latency model.
//!
//! On success the attacker publishes its branch, and every block of it replaces an honest
//! one, so its block rewards are the branch length at the moment of success. The branch is
//! B₀ + a_τ: B₀ its length at the broadcast (pre-mining) and a_τ the attacker's blocks from
//! the broadcast to success. This module repeats the exact law's dynamic program (same
//! states, same lumping, same truncation; docs/rental.md) carrying, next to the probability
//! of each state, the first moment E[(B₀ + a) · 1{state}]. Uniformization turns the moment
//! absorbed at the n-th block into continuous time exactly as for the success probability:
//!
//! ```text
//! E[branch · 1{success}] = Σ_n b_n · P(N_R ≥ n),    N_R ~ Poisson((W − P)/T),
//! ```
//!
//! since whether the n-th block comes inside the window does not depend on the path.
//! The success probability is computed alongside, an independent check of the exact law.

/// Poisson weights below this fraction of the mode's are left out (as in the exact law).
const POISSON_CUT: f64 = 1e-300;
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

/// Poisson(λ) weights and survival P(N ≥ n) (ratios outward from the mode, normalised).
pub(crate) fn poisson(lambda: f64) -> (Vec<f64>, Vec<f64>) {
    let mut pmf = if lambda == 0.0 {
        vec![1.0]
    } else {
        let mode = lambda.floor() as usize;
        let mut below = Vec::new();
        let (mut w, mut n) = (1.0, mode);
        while n > 0 {
            w *= n as f64 / lambda;
            if w < POISSON_CUT {
                break;
            }
            below.push(w);
            n -= 1;
        }
        let mut pmf = vec![0.0; mode - below.len()];
        pmf.extend(below.iter().rev());
        let (mut w, mut n) = (1.0, mode);
        while w >= POISSON_CUT {
            pmf.push(w);
            n += 1;
            w *= lambda / n as f64;
        }
        pmf
    };
    let total: f64 = pmf.iter().sum();
    pmf.iter_mut().for_each(|w| *w /= total);
    let mut surv = vec![0.0; pmf.len() + 1];
    for n in (0..pmf.len()).rev() {
        surv[n] = (surv[n + 1] + pmf[n]).min(1.0);
    }
    (pmf, surv)
}

/// Law of the head start k and E[B₀ · 1{k}] after Poisson(P/T) pre-mining blocks: the
/// reflected walk of the exact law (an attacker block adds one to lead and branch; an
/// honest block lowers the lead, and at lead 0 the attacker restarts with an empty branch).
fn head_start(q: f64, lambda: f64, z: u32) -> (Vec<f64>, Vec<f64>) {
    if lambda == 0.0 || q == 0.0 {
        return (vec![1.0], vec![0.0]);
    }
    let p = 1.0 - q;
    let (pmf, _) = poisson(lambda);
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

/// The race after the broadcast (states as in the exact law) with first moments.
struct Race {
    q: f64,
    z: usize,
    depth: usize,
    mass: Vec<Vec<f64>>,
    mom: Vec<Vec<f64>>,
    next_mass: Vec<Vec<f64>>,
    next_mom: Vec<Vec<f64>>,
}

impl Race {
    fn len(z: usize, depth: usize, h: usize) -> usize {
        if h < z { z + 2 + h } else { depth + 1 }
    }

    /// One block: returns (mass, moment) absorbed at it.
    fn step(&mut self) -> (f64, f64) {
        let (q, p, z, d) = (self.q, 1.0 - self.q, self.z, self.depth);
        let (mut nm, mut nu) = (
            std::mem::take(&mut self.next_mass),
            std::mem::take(&mut self.next_mom),
        );
        nm.iter_mut().for_each(|r| r.fill(0.0));
        nu.iter_mut().for_each(|r| r.fill(0.0));
        let (mut win, mut win_mom) = (0.0, 0.0);
        for h in 0..z {
            for i in 0..self.mass[h].len() {
                let (m, u) = (self.mass[h][i], self.mom[h][i]);
                if m == 0.0 && u == 0.0 {
                    continue;
                }
                // Attacker block: lead + 1 (lumped at z + 1), one more block on the branch.
                let up = (i + 1).min(z + 1 + h);
                nm[h][up] += q * m;
                nu[h][up] += q * (u + m);
                // Honest block: (h + 1, ℓ − 1), the same index i in the next row.
                let lead = i as i64 - h as i64 - 1;
                if h + 1 < z {
                    nm[h + 1][i] += p * m;
                    nu[h + 1][i] += p * u;
                } else if lead >= 1 {
                    win += p * m;
                    win_mom += p * u;
                } else {
                    let j = (lead + d as i64) as usize;
                    nm[z][j] += p * m;
                    nu[z][j] += p * u;
                }
            }
        }
        for i in 0..self.mass[z].len() {
            let (m, u) = (self.mass[z][i], self.mom[z][i]);
            if m == 0.0 && u == 0.0 {
                continue;
            }
            if i == d {
                win += q * m;
                win_mom += q * (u + m);
            } else {
                nm[z][i + 1] += q * m;
                nu[z][i + 1] += q * (u + m);
            }
            if i > 0 {
                nm[z][i - 1] += p * m;
                nu[z][i - 1] += p * u;
            } // else: below −D, dropped (counted as failure; bounded in the exact law)
        }
        self.next_mass = std::mem::replace(&mut self.mass, nm);
        self.next_mom = std::mem::replace(&mut self.mom, nu);
        (win, win_mom)
    }

    fn alive(&self) -> (f64, f64) {
        let m = self.mass.iter().flatten().sum();
        let u = self.mom.iter().flatten().sum();
        (m, u)
    }
}

/// E[branch · 1{success}] and P(success) for attacker share `q` (0 ≤ q < 1/2 for an
/// unlimited window; any q < 1 for a finite one), total block interval `t`, pre-mining
/// `premine` seconds, `post` = seconds of rental after the broadcast (`None`: unlimited),
/// merchant `z`.
pub fn branch_law(q: f64, t: f64, premine: f64, post: Option<f64>, z: u32) -> BranchLaw {
    let p = 1.0 - q;
    let (pk, bk) = head_start(q, premine / t, z);
    let premined_blocks = bk.iter().sum();
    let zu = z as usize;
    let (weights, n_len) = match post {
        Some(r) => {
            let (pmf, surv) = poisson(r / t);
            let n = pmf.len();
            (Some(surv), n)
        }
        None => (None, MAX_STEPS),
    };
    let by_ratio = if q > 0.0 && q < p {
        zu + 1 + (NATS / (p / q).ln()).ceil() as usize
    } else if q == 0.0 {
        zu + 1
    } else {
        usize::MAX
    };
    let by_hoeffding = zu + 1 + (2.0 * n_len as f64 * NATS).sqrt().ceil() as usize;
    let depth = by_ratio.min(by_hoeffding).min(n_len + zu + 1);
    let mut race = Race {
        q,
        z: zu,
        depth,
        mass: (0..=zu)
            .map(|h| vec![0.0; Race::len(zu, depth, h)])
            .collect(),
        mom: Vec::new(),
        next_mass: Vec::new(),
        next_mom: Vec::new(),
    };
    race.mom = race.mass.clone();
    race.next_mass = race.mass.clone();
    race.next_mom = race.mass.clone();
    let (mut acc_s, mut acc_b) = (0.0, 0.0);
    for (k, (&w, &b)) in pk.iter().zip(&bk).enumerate() {
        if zu == 0 {
            if k >= 1 {
                acc_s += w; // ahead at the broadcast: success at once
                acc_b += b;
            } else {
                race.mass[0][depth] += w;
                race.mom[0][depth] += b;
            }
        } else {
            race.mass[0][k.min(zu + 1)] += w;
            race.mom[0][k.min(zu + 1)] += b;
        }
    }
    let surv = |n: usize| match &weights {
        Some(s) => s.get(n).copied().unwrap_or(0.0),
        None => 1.0,
    };
    for n in 1..n_len {
        let (s, b) = race.step();
        acc_s += s * surv(n);
        acc_b += b * surv(n);
        let (alive, alive_mom) = race.alive();
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
