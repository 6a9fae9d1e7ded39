//! Attack economics of the rented-hash attacker (docs/economics.md): expected cost, revenue
//! and profit per merchant z, exact in the zero-latency model, from the exact law of
//! `attack::rental::exact` and the branch-length moment of [`branch`]; and the confirmation
//! advisor ([`advise`]).
//!
//! Units: values and rewards in the chain's coin; rental prices in BTC per unit hash rate
//! per day, converted to the coin with the preset's `price` (BTC per coin).
//!
//! Time: the rented hash adds to the network's (it comes from elsewhere), and difficulty
//! does not react within the window, so honest blocks keep coming every T₀ seconds (the
//! preset's block interval) and the whole network, attacker included, finds a block every
//! T = T₀ (1 − q) seconds. The exact law is evaluated with that T.

pub mod advise;
pub mod backtest;
pub mod branch;
pub mod profit;

use anyhow::Result;
use serde::Serialize;

use crate::attack::rental::exact::{MAX_WINDOW_BLOCKS, Rental};
use crate::chain::Chain;
use crate::error::usage;

/// Seconds in a day (rental prices are per day).
const DAY: f64 = 86_400.0;

/// Largest z for which finite windows are evaluated (the exact program costs O(z²) per
/// block); above it only the unlimited rental of a majority attacker is (closed form).
pub const MAX_Z_WINDOWED: u32 = 400;

/// Multiples of the merchant's expected wait (z honest blocks) tried as the window after the
/// broadcast when no window is given; the attacker keeps the most profitable.
pub const WINDOW_GRID: &[f64] = &[0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0];

/// Most widenings of the window past the grid (each by half): 1.5^12 ≈ 130 times the
/// grid's largest window.
pub const EXTEND_STEPS: usize = 12;

/// What a chain's market charges and pays, in the units named on each field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Market {
    /// The chain's coin (unit of values, rewards, fees, profits).
    pub coin: String,
    /// Honest block interval T₀, seconds.
    pub block_interval: f64,
    /// Block reward plus typical fees, coin per block.
    pub reward_per_block: f64,
    /// Whether the fees were unknown and counted as 0.
    pub fees_unknown: bool,
    /// Network hash rate, in `hashrate_unit`.
    pub hashrate: f64,
    /// Unit of `hashrate`.
    pub hashrate_unit: String,
    /// Rental price, BTC per unit hash rate per day.
    pub rental_price: f64,
    /// Coin price, BTC per coin.
    pub price: f64,
}

impl Market {
    /// The market of a preset: errors name the unknown key and ask for `--set KEY=VALUE`.
    /// Unknown fees count as 0 (said in `fees_unknown`).
    pub fn from_chain(chain: &Chain) -> Result<Market> {
        let need = |key: &str, fig: &crate::chain::Figure| -> Result<f64> {
            fig.number().ok_or_else(|| {
                usage(
                    &format!("--chain {}: {key}", chain.name),
                    "unknown",
                    &format!(
                        "the preset has no {key}; pass --set {key}=VALUE (in {}){}",
                        fig.unit,
                        fig.note
                            .as_deref()
                            .map(|n| format!(" [preset note: {n}]"))
                            .unwrap_or_default()
                    ),
                )
            })
        };
        let fees = chain.fees.number();
        Ok(Market {
            coin: chain.coin.clone(),
            block_interval: need("block_interval", &chain.block_interval)?,
            reward_per_block: need("block_reward", &chain.block_reward)? + fees.unwrap_or(0.0),
            fees_unknown: fees.is_none(),
            hashrate: need("hashrate", &chain.hashrate)?,
            hashrate_unit: chain.hashrate.unit.clone(),
            rental_price: need("rental_price", &chain.rental_price)?,
            price: positive_price(chain, need("price", &chain.price)?)?,
        })
    }

    /// Hash rate the attacker rents for share q: H = q/(1 − q) · network.
    pub fn rented_hashrate(&self, q: f64) -> f64 {
        q / (1.0 - q) * self.hashrate
    }

    /// Rental cost in BTC per second of rental at share q.
    pub fn cost_btc_per_second(&self, q: f64) -> f64 {
        self.rental_price * self.rented_hashrate(q) / DAY
    }
}

fn positive_price(chain: &Chain, v: f64) -> Result<f64> {
    if v > 0.0 {
        Ok(v)
    } else {
        Err(usage(
            &format!("--chain {}: price", chain.name),
            v,
            "the coin price must be positive to convert BTC to the coin; pass --set price=VALUE",
        ))
    }
}

/// The attacker's plan: share while renting, window, pre-mining.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// Attacker share q of the total hash rate while renting, in [0, 1).
    pub q: f64,
    /// Rental window W in seconds (from the start of pre-mining); `None`: unlimited.
    pub window: Option<f64>,
    /// Pre-mining seconds P before the payment is broadcast.
    pub premine: f64,
}

/// The economics of one attack against merchant z (coin unless named otherwise).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Economics {
    /// Confirmations the merchant waits for.
    pub z: u32,
    /// Attacker share while renting.
    pub q: f64,
    /// Window in seconds (`None`: unlimited).
    pub window: Option<f64>,
    /// Pre-mining seconds.
    pub premine: f64,
    /// P(success) = P(reversal), exact.
    pub success: f64,
    /// Expected seconds of rental (until success or the window's end).
    pub rented_seconds: f64,
    /// Hash rate rented, in the market's unit.
    pub rented_hashrate: f64,
    /// Expected rental cost, BTC.
    pub cost_btc: f64,
    /// Expected rental cost, coin.
    pub cost: f64,
    /// E[attacker blocks in the main chain] = E[branch length · 1{success}].
    pub reward_blocks: f64,
    /// Expected revenue: V · P(success) + reward per block · reward_blocks.
    pub revenue: f64,
    /// Expected profit per attempt: revenue − cost.
    pub profit: f64,
    /// Profit per hour of an attacker that restarts after every attempt (renewal-reward:
    /// expected profit per attempt over expected duration of an attempt).
    pub profit_per_hour: f64,
    /// Expected attempts until the first success (1 / P(success)).
    pub attempts_to_success: f64,
    /// The profit's law, part 1: a failed attempt rents for the whole window, so its
    /// profit is exactly −`loss_on_failure` (coin; inf for an unlimited window), with
    /// probability 1 − P(success).
    pub loss_on_failure: f64,
    /// P(profit > 0), or an upper bound on it: P(success). Exact when V >
    /// `loss_on_failure` (a success then always pays: it rents at most the window and
    /// earns at least V).
    pub profit_probability: f64,
    /// A lower bound on P(profit > 0): P(success within rented time V/c), the exact law
    /// at window V/c (c the cost per second); equal to `profit_probability` when exact.
    pub profit_probability_lower: f64,
    /// Whether the two bounds meet (P(profit > 0) is exact).
    pub profit_probability_exact: bool,
    /// Median profit, exact when P(success) < 1/2: −`loss_on_failure` (every quantile
    /// below 1 − P(success) is); `None` otherwise (the law on success is not computed).
    pub median_profit: Option<f64>,
    /// How the profit's law below was obtained ([`profit::with_law`]): "exact" (zero-latency
    /// program), "simulated" (seeded Monte Carlo, 95 % intervals in the `_lo`/`_hi` fields),
    /// or empty (not computed: [`evaluate`] alone, or an unlimited rental at q ≤ 1/2).
    pub law: String,
    /// Attacks simulated for the law (0 where exact).
    pub law_trials: u64,
    /// P(profit > 0), from the profit's law.
    pub p_profit_positive: Option<f64>,
    /// Lower end of its 95 % interval (= the value where exact).
    pub p_profit_positive_lo: Option<f64>,
    /// Upper end of its 95 % interval (= the value where exact).
    pub p_profit_positive_hi: Option<f64>,
    /// 5 % quantile of the profit of one attempt (coin).
    pub profit_q05: Option<f64>,
    /// Lower end of its 95 % interval.
    pub profit_q05_lo: Option<f64>,
    /// Upper end of its 95 % interval.
    pub profit_q05_hi: Option<f64>,
    /// Median profit of one attempt (coin).
    pub profit_q50: Option<f64>,
    /// Lower end of its 95 % interval.
    pub profit_q50_lo: Option<f64>,
    /// Upper end of its 95 % interval.
    pub profit_q50_hi: Option<f64>,
    /// 95 % quantile of the profit of one attempt (coin).
    pub profit_q95: Option<f64>,
    /// Lower end of its 95 % interval.
    pub profit_q95_lo: Option<f64>,
    /// Upper end of its 95 % interval.
    pub profit_q95_hi: Option<f64>,
}

/// Longest window, in block intervals, of the lower bound on P(profit > 0): the exact law's
/// cost grows with it, and for q < 1/2 a race still undecided after this many blocks is
/// far rarer than the printed digits.
const LOWER_BOUND_BLOCKS: f64 = 2000.0;

/// The exactly known parts of the profit's law (docs/economics.md, "Profit distribution"):
/// (loss on failure, P(profit > 0) upper, lower, whether exact, median if known).
///
/// A success by rented time τ ≤ t* = V/c (c: cost per second in coin) always pays (it
/// earns at least V), and "success by τ ≤ t*" is the event "success with window t*" (the
/// attack is the same process until then), so the exact law at window t* is a lower
/// bound; P(success) is the upper one; they meet when t* ≥ W.
fn profit_law(
    market: &Market,
    plan: Plan,
    value: f64,
    z: u32,
    success: f64,
) -> Result<(f64, f64, f64, Option<f64>)> {
    let per_second = market.cost_btc_per_second(plan.q) / market.price;
    let loss = match plan.window {
        Some(w) => per_second * w,
        None if plan.q > 0.0 => f64::INFINITY,
        None => 0.0,
    };
    let median = (success < 0.5).then_some(-loss);
    if value > loss {
        return Ok((loss, success, success, median));
    }
    let t_star = value / per_second;
    let t = total_interval(market, plan.q);
    let lower = if t_star < plan.premine {
        0.0 // even the pre-mining alone costs more than V
    } else if z > MAX_Z_WINDOWED {
        // Beyond the windowed program's reach (its cost grows as z² per block; `advise`
        // looks as far as z = 10^5 for a majority attacker): 0 is the bound.
        0.0
    } else {
        // Success within a shorter window is a smaller event, so still a lower bound: the
        // window is capped at LOWER_BOUND_BLOCKS block intervals, which keeps this bound
        // cheap beside the search over windows and z (`advise`, the back-tests) and far
        // inside the exact program's 10^5 blocks.
        let window = t_star.min((LOWER_BOUND_BLOCKS * t).max(plan.premine));
        Rental::new(plan.q, t, Some(window), plan.premine)?
            .outcome(z)
            .success
    };
    Ok((loss, success, lower, median))
}

/// Total block interval T = T₀ (1 − q) while the attacker adds its rented hash.
pub fn total_interval(market: &Market, q: f64) -> f64 {
    market.block_interval * (1.0 - q)
}

/// The exact economics of `plan` against merchant `z` for a payment worth `value` coins.
pub fn evaluate(market: &Market, plan: Plan, value: f64, z: u32) -> Result<Economics> {
    let t = total_interval(market, plan.q);
    let rental = Rental::new(plan.q, t, plan.window, plan.premine)?;
    let (success, rented, blocks) = match plan.window {
        Some(w) => {
            if z > MAX_Z_WINDOWED {
                return Err(usage(
                    "--z",
                    z,
                    &format!(
                        "a finite window is evaluated exactly up to z = {MAX_Z_WINDOWED} \
                         (cost O(z²) per block); use a smaller z"
                    ),
                ));
            }
            let o = rental.outcome(z);
            let b = branch::branch_law(plan.q, t, plan.premine, Some(w - plan.premine), z);
            (o.success, o.expected_rented_seconds, b.branch_blocks)
        }
        None => {
            let o = rental.outcome(z);
            // Success is sure for q > 1/2; by Wald's identity the attacker finds q blocks
            // per race block, all of them on the branch that wins.
            let blocks = if plan.q > 0.5 {
                let pre = branch::branch_law(plan.q, t, plan.premine, Some(0.0), 0);
                pre.premined_blocks + plan.q * (o.expected_rented_seconds - plan.premine) / t
            } else {
                f64::INFINITY
            };
            (o.success, o.expected_rented_seconds, blocks)
        }
    };
    let cost_btc = market.cost_btc_per_second(plan.q) * rented;
    let cost = cost_btc / market.price;
    let (loss_on_failure, profit_probability, profit_probability_lower, median_profit) =
        profit_law(market, plan, value, z, success)?;
    let revenue = value * success + market.reward_per_block * blocks;
    let profit = if cost.is_infinite() {
        f64::NEG_INFINITY
    } else {
        revenue - cost
    };
    Ok(Economics {
        z,
        q: plan.q,
        window: plan.window,
        premine: plan.premine,
        success,
        rented_seconds: rented,
        rented_hashrate: market.rented_hashrate(plan.q),
        cost_btc,
        cost,
        reward_blocks: blocks,
        revenue,
        profit,
        profit_per_hour: profit / (rented / 3600.0),
        attempts_to_success: 1.0 / success,
        loss_on_failure,
        profit_probability,
        profit_probability_lower,
        profit_probability_exact: profit_probability_lower == profit_probability,
        median_profit,
        law: String::new(),
        law_trials: 0,
        p_profit_positive: None,
        p_profit_positive_lo: None,
        p_profit_positive_hi: None,
        profit_q05: None,
        profit_q05_lo: None,
        profit_q05_hi: None,
        profit_q50: None,
        profit_q50_lo: None,
        profit_q50_hi: None,
        profit_q95: None,
        profit_q95_lo: None,
        profit_q95_hi: None,
    })
}

/// The windows tried for merchant z when none is given: [`WINDOW_GRID`] multiples of the
/// expected wait z·T₀ (at least one block interval) after the pre-mining, those within the
/// exact law's limit; plus the unlimited rental for a majority attacker.
pub fn window_grid(market: &Market, q: f64, premine: f64, z: u32) -> Vec<Option<f64>> {
    let t = total_interval(market, q);
    let wait = f64::from(z.max(1)) * market.block_interval;
    let mut out: Vec<Option<f64>> = if z <= MAX_Z_WINDOWED {
        WINDOW_GRID
            .iter()
            .map(|m| premine + m * wait)
            .filter(|w| w / t <= MAX_WINDOW_BLOCKS)
            .map(Some)
            .collect()
    } else {
        Vec::new()
    };
    if q > 0.5 {
        out.push(None);
    }
    out
}

/// The most profitable plan for merchant z at share q with pre-mining `premine`, over the
/// given window or, if `None`, over [`window_grid`].
pub fn best(
    market: &Market,
    q: f64,
    window: Option<f64>,
    premine: f64,
    value: f64,
    z: u32,
) -> Result<Economics> {
    let windows = match window {
        Some(w) => vec![Some(w)],
        None => window_grid(market, q, premine, z),
    };
    let plan = |w| Plan {
        q,
        window: w,
        premine,
    };
    let mut best: Option<Economics> = None;
    let mut top = None; // the largest finite window tried and whether it was the best
    for w in windows {
        let e = evaluate(market, plan(w), value, z)?;
        let better = best.as_ref().is_none_or(|b| e.profit > b.profit);
        if let Some(x) = w {
            top = Some((x, better));
        }
        if better {
            best = Some(e);
        }
    }
    // The grid's largest window was the best: widen by half again while profit rises (it
    // falls eventually: success is at most 1, the cost grows with the window).
    if let (None, Some((mut w, true))) = (window, top) {
        let t = total_interval(market, q);
        for _ in 0..EXTEND_STEPS {
            w = premine + (w - premine) * 1.5;
            if w / t > MAX_WINDOW_BLOCKS {
                break;
            }
            let e = evaluate(market, plan(Some(w)), value, z)?;
            if best.as_ref().is_some_and(|b| e.profit <= b.profit) {
                break;
            }
            best = Some(e);
        }
    }
    best.ok_or_else(|| {
        usage(
            "--window",
            "none",
            "no window fits the exact law's limits for this z and q; give --window SECONDS",
        )
    })
}

/// An estimate with its 95 % interval (lo = hi = value where it is exact).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Est {
    /// The estimate.
    pub value: f64,
    /// Lower end of the 95 % interval.
    pub lo: f64,
    /// Upper end of the 95 % interval.
    pub hi: f64,
}

impl Est {
    /// An exact value: its interval is the point.
    pub fn exact(v: f64) -> Est {
        Est {
            value: v,
            lo: v,
            hi: v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market() -> Market {
        Market {
            coin: "X".into(),
            block_interval: 600.0,
            reward_per_block: 3.0,
            fees_unknown: false,
            hashrate: 100.0,
            hashrate_unit: "TH/s".into(),
            rental_price: 0.001,
            price: 0.01,
        }
    }

    #[test]
    fn a_break_even_time_beyond_the_exact_program_still_gives_a_lower_bound() {
        // An unlimited rental for a payment so large that V/c is ~10^12 block intervals:
        // the lower bound on P(profit > 0) comes from the program's longest window (the
        // back-tests' ETC case failed here before).
        let plan = Plan {
            q: 0.3,
            window: None,
            premine: 0.0,
        };
        let e = evaluate(&market(), plan, 1e12, 3).expect("evaluates");
        let classical = crate::analytic::exact(0.3, 3, crate::params::Convention::DEFAULT).value;
        // Unlimited rental without pre-mining is the classical race: P(success) is its
        // closed form, and the bound (the race within 2000 blocks) is within 1e-9 of it.
        assert!((e.profit_probability - classical).abs() < 1e-12, "{e:?}");
        assert!(e.profit_probability_lower <= e.profit_probability + 1e-15);
        assert!(
            e.profit_probability - e.profit_probability_lower < 1e-9,
            "{e:?}"
        );
    }

    #[test]
    fn zero_share_costs_nothing_and_earns_nothing() {
        let e = evaluate(
            &market(),
            Plan {
                q: 0.0,
                window: Some(3600.0),
                premine: 0.0,
            },
            100.0,
            2,
        )
        .unwrap();
        assert_eq!(e.success, 0.0);
        assert_eq!(e.cost, 0.0);
        assert_eq!(e.reward_blocks, 0.0);
    }

    #[test]
    fn cost_is_price_times_hash_times_days() {
        // q = 0.5 rents the network's own hash rate (100): 0.001 BTC per unit per day
        // for the rented time; in coin divide by 0.01 BTC per coin.
        let m = market();
        let e = evaluate(
            &m,
            Plan {
                q: 0.5,
                window: Some(7200.0),
                premine: 0.0,
            },
            0.0,
            1,
        )
        .unwrap();
        let want = 0.001 * 100.0 * e.rented_seconds / 86_400.0;
        assert!((e.cost_btc - want).abs() <= 1e-15 * want);
        assert!((e.cost - want / 0.01).abs() <= 1e-12 * want / 0.01);
    }
}
