//! What a generated network does with honest mining alone, per graph: the stale rate and
//! how long blocks take to reach the nodes. `dslab network` sets these beside the
//! measurements of the real network ([`super::preset::Measured`]).

use super::engine;
use super::spec::{MerchantSpec, NetworkSpec};
use super::topology::Topology;
use crate::estimate::rng::{SimRng, batch_rng};
use crate::estimate::units;

/// The propagation statistics of one graph (one finder drawn by hash share; every node
/// but the finder and the attacker's counts once).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Propagation {
    /// Median time for a node to be able to use the block, seconds.
    pub median: f64,
    /// Mean of that time, seconds.
    pub mean: f64,
    /// Fraction of nodes that can use it within one second.
    pub within_1s: f64,
    /// 90th and 95th percentiles, seconds.
    pub p90: f64,
    /// 95th percentile, seconds.
    pub p95: f64,
    /// Fraction of nodes that get it later than the tail threshold asked for.
    pub beyond: f64,
}

/// One graph's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GraphFigures {
    /// Stale blocks among the counted ones.
    pub stale: u64,
    /// Honest blocks counted for the stale rate.
    pub counted: u64,
    /// Block propagation.
    pub propagation: Propagation,
}

/// Measure graph `g` of the stream `seed`: `blocks` honest blocks for the stale rate and
/// the hash-weighted propagation from every miner; `tail` is the threshold (seconds) of
/// [`Propagation::beyond`].
pub fn measure_graph(
    net: &NetworkSpec,
    merchant: &MerchantSpec,
    blocks: usize,
    tail: f64,
    seed: u64,
    g: u64,
) -> GraphFigures {
    let mut rng: SimRng = batch_rng(seed, 0x004e_4554_4d45_4153, g);
    let topo = Topology::generate(net, merchant, 0, &mut rng);
    let shares = net.shares();
    let (stale, counted) = engine::stale_rate(&topo, net.block_interval, &shares, blocks, &mut rng);
    GraphFigures {
        stale,
        counted,
        propagation: propagation(&topo, &shares, tail),
    }
}

/// Hash-weighted propagation statistics: the finder is miner i with probability share i.
pub fn propagation(topo: &Topology, shares: &[f64], tail: f64) -> Propagation {
    let mut times: Vec<(f64, f64)> = Vec::new();
    for (i, &s) in shares.iter().enumerate() {
        let t = topo.arrivals(i);
        let others = t.len() - 2;
        let w = s / others as f64;
        times.extend(
            t.iter()
                .enumerate()
                .filter(|&(v, _)| v != i && v != topo.attacker())
                .map(|(_, &x)| (x, w)),
        );
    }
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = times.iter().map(|p| p.1).sum();
    let quantile = |p: f64| {
        let mut acc = 0.0;
        for &(x, w) in &times {
            acc += w;
            if acc >= p * total {
                return x;
            }
        }
        times.last().map_or(0.0, |p| p.0)
    };
    let share =
        |f: &dyn Fn(f64) -> bool| times.iter().filter(|p| f(p.0)).map(|p| p.1).sum::<f64>() / total;
    Propagation {
        median: quantile(0.5),
        mean: times.iter().map(|p| p.0 * p.1).sum::<f64>() / total,
        within_1s: share(&|x| x <= 1.0),
        p90: quantile(0.9),
        p95: quantile(0.95),
        beyond: share(&|x| x > tail),
    }
}

/// A figure over the graphs with its 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// Point estimate.
    pub value: f64,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// The network's figures over its graphs, each with an interval whose units are the graphs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Graphs measured.
    pub graphs: usize,
    /// Blocks counted for the stale rate.
    pub blocks: u64,
    /// Stale rate: pooled over the graphs, cluster (ratio) variance over graphs, t interval.
    pub stale_rate: Figure,
    /// Per-graph statistics averaged over the graphs, t interval on their spread.
    pub median: Figure,
    /// Mean propagation time.
    pub mean: Figure,
    /// Fraction within one second.
    pub within_1s: Figure,
    /// 90th percentile.
    pub p90: Figure,
    /// 95th percentile.
    pub p95: Figure,
    /// Fraction beyond the tail threshold.
    pub beyond: Figure,
}

/// Summarise per-graph figures (at least two graphs give an interval; one gives a point).
pub fn summarize(graphs: &[GraphFigures]) -> Summary {
    let u = graphs.len();
    let t = units::t_quantile((u.max(2) - 1) as f64, 0.95);
    let stale: Vec<f64> = graphs.iter().map(|g| g.stale as f64).collect();
    let counted: Vec<u64> = graphs.iter().map(|g| g.counted).collect();
    let blocks: u64 = counted.iter().sum();
    let p = stale.iter().sum::<f64>() / blocks.max(1) as f64;
    let (v, _) = units::ratio_variance(&stale, &counted);
    let half = t * v.sqrt();
    let over = |f: fn(&Propagation) -> f64| {
        let xs: Vec<f64> = graphs.iter().map(|g| f(&g.propagation)).collect();
        let m = xs.iter().sum::<f64>() / u.max(1) as f64;
        let sd = if u > 1 {
            (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (u - 1) as f64).sqrt()
        } else {
            0.0
        };
        let h = t * sd / (u.max(1) as f64).sqrt();
        Figure {
            value: m,
            lo: m - h,
            hi: m + h,
        }
    };
    Summary {
        graphs: u,
        blocks,
        stale_rate: Figure {
            value: p,
            lo: (p - half).max(0.0),
            hi: p + half,
        },
        median: over(|p| p.median),
        mean: over(|p| p.mean),
        within_1s: over(|p| p.within_1s),
        p90: over(|p| p.p90),
        p95: over(|p| p.p95),
        beyond: over(|p| p.beyond),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::topology::Link;

    #[test]
    fn propagation_statistics_of_a_hand_made_star() {
        // Miner 0 pushes to relays 3..=6 (one trip each, latencies 1..4 s, no validation);
        // miner 1 is isolated and has no share; attacker 2 and the merchant are not counted
        // (the merchant, node 3 here, is a relay's place). Arrivals: 1, 2, 3, 4 and ∞ for
        // the isolated miner: median (weighted, 5 nodes) 3, within 1 s 1/5, beyond 3.5 s 2/5.
        let mut links = vec![Vec::new(); 7];
        for (v, lat) in [(3usize, 1.0), (4, 2.0), (5, 3.0), (6, 4.0)] {
            links[0].push(Link {
                hb: true,
                ..Link::full(v as u32, lat, true)
            });
            links[v].push(Link::full(0, lat, false));
        }
        let topo = Topology::from_links(2, links, vec![0.0; 7]);
        let p = propagation(&topo, &[1.0, 0.0], 3.5);
        assert_eq!(p.median, 3.0);
        assert!((p.within_1s - 0.2).abs() < 1e-12);
        assert!((p.beyond - 0.4).abs() < 1e-12);
        assert_eq!(p.p90, f64::INFINITY);
    }
}
