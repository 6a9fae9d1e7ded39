//! Back-tests against real incidents (issue 15 item 4): Ethereum Classic, 2020-07-31/08-01,
//! and Bitcoin Gold, 2020-01-23/24. Each incident's published facts are data here, each
//! with its date and source (also in docs/references.md); the market of the time is a
//! preset file (`chains/etc-2020-08.toml`, `chains/btg-2020-01.toml`).
//!
//! For each attacker share q (assumed values and the one implied by the reported rental
//! cost) the back-test gives: the probability of a reorganisation at least as deep as the
//! observed one within the window, the expected rental cost and revenue, and what `advise`
//! would have required for the value double spent. The window is the time the honest
//! network needed for the blocks that were removed (depth × T₀). Depths up to
//! [`super::MAX_Z_WINDOWED`] are exact; deeper ones (ETC) are simulated with a seeded
//! generator and carry 95 % intervals.

use super::Est;
use anyhow::Result;
use rand::RngExt;
use rand_distr::{Distribution, Exp};
use serde::Serialize;

use super::advise::{Attacker, DEFAULT_DELTA, Query, advise};
use super::{MAX_Z_WINDOWED, Market, Plan, evaluate, total_interval};
use crate::chain::Chain;
use crate::estimate::rng::batch_rng;
use crate::stats::{CiMethod, interval};

/// One published fact.
#[derive(Clone, Debug, Serialize)]
pub struct Fact {
    /// What it is.
    pub what: &'static str,
    /// Its value as published (text, with unit).
    pub value: &'static str,
    /// The day it refers to.
    pub date: &'static str,
    /// Where it was published.
    pub source: &'static str,
}

/// An incident: its facts and the numbers the back-test uses.
#[derive(Clone, Debug)]
pub struct Incident {
    /// Short name.
    pub name: &'static str,
    /// Title.
    pub title: &'static str,
    /// Text of the market preset of the time.
    pub preset: &'static str,
    /// File of that preset.
    pub preset_file: &'static str,
    /// Honest blocks removed by the reorganisation (the deepest one used).
    pub depth: u32,
    /// Value double spent in that reorganisation, coin.
    pub value: f64,
    /// Reported rental cost in BTC of that reorganisation.
    pub reported_cost_btc: f64,
    /// Shares assumed besides the implied one.
    pub assumed_q: &'static [f64],
    /// The published facts.
    pub facts: Vec<Fact>,
}

/// The two incidents.
pub fn incidents() -> Vec<Incident> {
    const BITQUERY: &str = "Bitquery report as given by https://coingeek.com/ethereum-classic-suffers-second-51-attack-in-a-week/ (2020-08-06)";
    const CB: &str = "https://cryptobriefing.com/after-second-double-spend-attack-ethereum-classics-future-is-question/ (2020-08-06)";
    const LOVEJOY: &str = "J. Lovejoy (MIT DCI), GitHub post, as given by https://www.europeworldnews.com/a-51-attack-led-to-double-spending-of-usd-70000-to-the-bitcoin-gold-blockchain/ (2020-01-27)";
    vec![
        Incident {
            name: "ETC 2020-08",
            title: "Ethereum Classic, 2020-07-31 to 2020-08-01",
            preset: include_str!("../../chains/etc-2020-08.toml"),
            preset_file: "chains/etc-2020-08.toml",
            depth: 3693,
            value: 807_260.0,
            reported_cost_btc: 17.5,
            assumed_q: &[0.55, 0.6, 0.7],
            facts: vec![
                Fact {
                    what: "blocks reorganised",
                    value: "3,693",
                    date: "2020-08-01",
                    source: CB,
                },
                Fact {
                    what: "value double spent",
                    value: "807,260 ETC (about $5.6 million)",
                    date: "2020-08-01",
                    source: BITQUERY,
                },
                Fact {
                    what: "hash rate rented",
                    value: "17.5 BTC (about $204,000) at NiceHash",
                    date: "2020-08-01",
                    source: BITQUERY,
                },
                Fact {
                    what: "block rewards earned by the attacker",
                    value: "about 13,000 ETC",
                    date: "2020-08-01",
                    source: BITQUERY,
                },
                Fact {
                    what: "transfers missing from the new chain",
                    value: "16:30 UTC 2020-07-31 to 03:30 UTC 2020-08-01 (11 h)",
                    date: "2020-08-01",
                    source: "https://bitquery.io/blog/ethereum-classic-51-chain-attack-july-31-2020",
                },
                Fact {
                    what: "network hash rate",
                    value: "about 3.2 TH/s",
                    date: "2020-08-21",
                    source: "CoinDesk (Coin Metrics) via https://dinocrypto.com/news/ethereum-classic-labs-plans-defensive-mining-strategy-as-hash-rate-plummets",
                },
                Fact {
                    what: "cost of renting ETC's hash rate",
                    value: "$5,300 per hour (crypto51, network 2 TH/s)",
                    date: "2020-08-29",
                    source: "https://cryptoglobe.com/latest/2020/08/ethereum-classic-suffers-third-51-attack-in-a-month",
                },
                Fact {
                    what: "Coinbase's ETC confirmation time after the attacks",
                    value: "about two weeks",
                    date: "2020-08-21",
                    source: "CoinDesk via https://dinocrypto.com/news/ethereum-classic-labs-plans-defensive-mining-strategy-as-hash-rate-plummets",
                },
            ],
        },
        Incident {
            name: "BTG 2020-01",
            title: "Bitcoin Gold, 2020-01-23 and 2020-01-24",
            preset: include_str!("../../chains/btg-2020-01.toml"),
            preset_file: "chains/btg-2020-01.toml",
            depth: 15,
            value: 5_267.0,
            reported_cost_btc: 1_700.0 / 8_451.0,
            assumed_q: &[0.4, 0.5, 0.6],
            facts: vec![
                Fact {
                    what: "first reorganisation",
                    value: "14 blocks removed, 13 added; 1,900 BTG double spent (about $19,000)",
                    date: "2020-01-23",
                    source: LOVEJOY,
                },
                Fact {
                    what: "second reorganisation (the one back-tested)",
                    value: "15 blocks removed, 16 added; 5,267 BTG double spent (about $53,000)",
                    date: "2020-01-24",
                    source: LOVEJOY,
                },
                Fact {
                    what: "estimated rental cost per reorganisation",
                    value: "about $1,700 at NiceHash prices for Zhash",
                    date: "2020-01-24",
                    source: LOVEJOY,
                },
                Fact {
                    what: "block rewards",
                    value: "about the cost recovered in block rewards",
                    date: "2020-01-24",
                    source: LOVEJOY,
                },
                Fact {
                    what: "cost of a one-hour 51% attack (crypto51)",
                    value: "$800",
                    date: "2020-01",
                    source: "https://www.publish0x.com/cryptofarm/bitcoin-gold-again-under-attack-51-percent-the-losses-attrib-xlvoxr",
                },
                Fact {
                    what: "BTC price (converts dollars to BTC)",
                    value: "$8,451",
                    date: "2020-01-23",
                    source: "https://u.today/bitcoin-btc-price-coming-out-of-7-month-falling-wedge-heading-for-new-ath-crypto-trader",
                },
            ],
        },
    ]
}

/// What dslab says at one share.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    /// Attacker share while renting.
    pub q: f64,
    /// Where q comes from.
    pub origin: String,
    /// Window, seconds.
    pub window: f64,
    /// P(a reorganisation of at least `depth` blocks within the window).
    pub p_reorg: Est,
    /// P(the attacker's branch is longer at the window's end | the honest network mined
    /// exactly `depth` blocks in it) = P(Poisson(depth · q/p) ≥ depth + 1), exact.
    pub p_given_depth: f64,
    /// Whether the numbers are exact (else simulated, with intervals).
    pub exact: bool,
    /// Expected rental cost, BTC.
    pub cost_btc: Est,
    /// Expected revenue: value × P + rewards of the kept blocks, coin.
    pub revenue: Est,
    /// Expected profit, coin.
    pub profit: Est,
    /// `advise` for the value double spent at risk 0.001 (classical, opportunistic, rental).
    pub advise_z: Option<u32>,
    /// The advice's binding condition or why there is none.
    pub advise_note: String,
}

/// The market of an incident's preset.
pub fn market(inc: &Incident) -> Result<(Chain, Market)> {
    let chain = Chain::parse(inc.preset, inc.preset_file)?;
    let market = Market::from_chain(&chain)?;
    Ok((chain, market))
}

/// Share implied by the reported cost over the window: H = cost / (price × days), q = H/(H + N).
pub fn implied_share(inc: &Incident, m: &Market) -> f64 {
    let window = f64::from(inc.depth) * m.block_interval;
    let h = inc.reported_cost_btc / (m.rental_price * window / 86_400.0);
    h / (h + m.hashrate)
}

/// Run the back-test of one incident (`trials` simulated attacks per share where the depth
/// is beyond the exact program, seeded with `seed`).
pub fn run(inc: &Incident, trials: u64, seed: u64) -> Result<Vec<Line>> {
    let (_, m) = market(inc)?;
    let window = f64::from(inc.depth) * m.block_interval;
    let implied = implied_share(inc, &m);
    let mut shares: Vec<(f64, String)> = vec![(
        implied,
        "implied by the reported cost over the window".to_string(),
    )];
    shares.extend(inc.assumed_q.iter().map(|&q| (q, "assumed".to_string())));
    let mut out = Vec::new();
    for (cell, (q, origin)) in shares.into_iter().enumerate() {
        let (p, cost, revenue, profit, exact) = if inc.depth <= MAX_Z_WINDOWED {
            let e = evaluate(
                &m,
                Plan {
                    q,
                    window: Some(window),
                    premine: 0.0,
                },
                inc.value,
                inc.depth,
            )?;
            (
                Est::exact(e.success),
                Est::exact(e.cost_btc),
                Est::exact(e.revenue),
                Est::exact(e.profit),
                true,
            )
        } else {
            let s = simulate(
                &m,
                q,
                window,
                inc.depth,
                inc.value,
                trials,
                seed,
                cell as u64,
            );
            (s.0, s.1, s.2, s.3, false)
        };
        let query = Query {
            block_interval: m.block_interval,
            q,
            value: inc.value,
            risk: 1e-3,
            premine: 0.0,
            delta: DEFAULT_DELTA,
        };
        let a = advise(Some(&m), &query, Attacker::DEFAULT)?;
        let note = a.binds.clone();
        out.push(Line {
            q,
            origin,
            window,
            p_reorg: p,
            p_given_depth: poisson_at_least(f64::from(inc.depth) * q / (1.0 - q), inc.depth + 1),
            exact,
            cost_btc: cost,
            revenue,
            profit,
            advise_z: a.z,
            advise_note: note,
        });
    }
    Ok(out)
}

/// Monte Carlo of the rented-hash attacker (no pre-mining) against merchant `z` over
/// `window` seconds: P(success) with a Wilson 95 % interval; mean cost (BTC), revenue and
/// profit (coin) with ±1.96 standard errors. `trials` attacks in batches of 100, batch b
/// drawn from `batch_rng(seed, cell, b)`.
#[allow(clippy::too_many_arguments)]
pub fn simulate(
    m: &Market,
    q: f64,
    window: f64,
    z: u32,
    value: f64,
    trials: u64,
    seed: u64,
    cell: u64,
) -> (Est, Est, Est, Est) {
    let t = total_interval(m, q);
    let exp = Exp::new(1.0 / t).unwrap_or_else(|_| Exp::new(1.0).expect("rate 1"));
    let per_second = m.cost_btc_per_second(q);
    let (mut wins, mut sums) = (0u64, [[0.0f64; 2]; 3]);
    const BATCH: u64 = 100;
    for b in 0..trials.div_ceil(BATCH) {
        let mut rng = batch_rng(seed, cell, b);
        for _ in 0..BATCH.min(trials - b * BATCH) {
            let (mut clock, mut lead, mut honest, mut branch) = (0.0, 0i64, 0u32, 0u64);
            let mut won = false;
            loop {
                clock += exp.sample(&mut rng);
                if clock > window {
                    break;
                }
                if rng.random::<f64>() < q {
                    lead += 1;
                    branch += 1;
                } else {
                    lead -= 1;
                    honest += 1;
                }
                if honest >= z && lead >= 1 {
                    won = true;
                    break;
                }
            }
            let rent = clock.min(window);
            let cost = per_second * rent;
            let kept = if won { branch as f64 } else { 0.0 };
            let revenue = value * f64::from(u8::from(won)) + m.reward_per_block * kept;
            let profit = revenue - cost / m.price;
            wins += u64::from(won);
            for (s, x) in sums.iter_mut().zip([cost, revenue, profit]) {
                s[0] += x;
                s[1] += x * x;
            }
        }
    }
    let n = trials as f64;
    let ci = interval(CiMethod::Wilson, wins, trials, 0.95);
    let mean = |s: [f64; 2]| {
        let mu = s[0] / n;
        let se = ((s[1] / n - mu * mu).max(0.0) / n).sqrt();
        Est {
            value: mu,
            lo: mu - 1.96 * se,
            hi: mu + 1.96 * se,
        }
    };
    (
        Est {
            value: wins as f64 / n,
            lo: ci.low,
            hi: ci.high,
        },
        mean(sums[0]),
        mean(sums[1]),
        mean(sums[2]),
    )
}

/// P(N ≥ k) for N ~ Poisson(λ): the terms from k upwards summed directly (no cancellation),
/// each from ln Γ, until they fall below 1e-17 of the sum past the mode.
pub fn poisson_at_least(lambda: f64, k: u32) -> f64 {
    use statrs::function::gamma::ln_gamma;
    if lambda == 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    let term = |j: f64| (-lambda + j * lambda.ln() - ln_gamma(j + 1.0)).exp();
    let mut sum = 0.0;
    let mut j = f64::from(k);
    loop {
        let t = term(j);
        sum += t;
        if j > lambda && t <= 1e-17 * sum {
            break;
        }
        j += 1.0;
    }
    sum.min(1.0)
}
