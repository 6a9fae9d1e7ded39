//! What a network scenario is made of: the network, the merchant and each attack's
//! parameters, as serde structs (the `[network]`, `[merchant]`, `[finney]`, `[race]` and
//! `[vector76]` tables of a scenario file) with documented defaults and a `validate()` that
//! names the offending key. Sources of the defaults: `docs/network.md`.

use serde::{Deserialize, Serialize};

use crate::error::usage;

/// Which network the attack runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkModel {
    /// Timed Poisson mining with zero propagation delay: the limit where closed forms hold.
    None,
    /// A generated random peer-to-peer graph with per-link latencies and per-hop delays.
    Random,
}

/// The peer-to-peer network (`[network]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpec {
    /// `none` (zero latency) or `random` (generated graph). Default `random`.
    pub model: NetworkModel,
    /// Mean block interval T in seconds. Default 600 (Bitcoin's target).
    pub block_interval: f64,
    /// Nodes of the graph, all roles included. Default 1000.
    pub nodes: u32,
    /// Outbound connections per node. Default 8 (Bitcoin Core's full-relay outbound peers).
    pub outbound: u32,
    /// Honest mining nodes. Default 16 (order of the number of pools with a visible share).
    pub miners: u32,
    /// Shares of the honest hash rate per miner (must sum to 1); default: the pools'
    /// measured shares ([`POOL_SHARES`]) when there are 16 miners, else equal shares.
    pub miner_shares: Option<Vec<f64>>,
    /// Median one-way link latency in seconds (log-normal). Default 0.05.
    pub link_latency: f64,
    /// Log-normal σ of the link latency. Default 0.5.
    pub link_latency_sigma: f64,
    /// Median block validation delay of a relay node, seconds (log-normal per node): the
    /// time from receiving a block to relaying it to peers that did not ask for
    /// high-bandwidth compact blocks. Default 0.31 (calibrated with `missing_tx_rate` 0.2,
    /// docs/network.md §1.4).
    pub block_hop_delay: f64,
    /// Log-normal σ of the relay nodes' validation delay: the slow tail of the network.
    /// Default 2.35 (calibrated to the measured tail, docs/network.md §1.4).
    pub block_hop_sigma: f64,
    /// Mean block validation delay of the miners (pools) and the merchant's node, seconds
    /// (exponential per node). Default 0.17 (calibrated to the stale rate, docs/network.md §1.4).
    pub pool_hop_delay: f64,
    /// Miners (pools) are connected to each other directly by a low-latency backbone (relay
    /// networks, direct peering), besides their connections to the public graph. Default true.
    pub backbone: bool,
    /// One-way latency of a backbone link, seconds. Default 0.05.
    pub backbone_latency: f64,
    /// Peers from which each node asks for high-bandwidth compact blocks (BIP 152): they
    /// push a new block after checking its header, before validating it. Each node asks
    /// the last peers that delivered a new block to it first (`super::hb`). 0: every block
    /// is announced after validation and fetched with a request (before compact blocks).
    /// Default 3 (Bitcoin Core's limit).
    pub hb_peers: u32,
    /// Probability that a node receiving a compact block (a high-bandwidth push or the
    /// announce-and-request path; backbone links included) lacks some of its transactions
    /// and must ask the sender for them (`getblocktxn` / `blocktxn`, one more round trip:
    /// two one-way latencies of that link) before it can validate or relay the block. Drawn
    /// once per node and graph (docs/network.md §1.1); the attacker's node never waits (it
    /// relays without validating). Default 0.2: over 80 % of compact blocks were
    /// reconstructed without a request in 2025 (0xB10C, docs/references.md "Compact block
    /// reconstructions"). 0 before compact blocks (`bitcoin-2013`: full blocks were fetched).
    pub missing_tx_rate: f64,
    /// Extra outbound connections per node that relay blocks but no transactions. Default 2
    /// (Bitcoin Core's `MAX_BLOCK_RELAY_ONLY_CONNECTIONS`).
    pub block_relay_only: u32,
    /// Mean interval of the Poisson timer on which a node announces transactions to each
    /// outbound peer (one timer per peer), seconds. Default 2 (Bitcoin Core's
    /// `OUTBOUND_INVENTORY_BROADCAST_INTERVAL`).
    pub tx_delay_outbound: f64,
    /// Mean interval of the one Poisson timer a node shares for announcing to all its
    /// inbound peers, seconds. Default 5 (Bitcoin Core's
    /// `INBOUND_INVENTORY_BROADCAST_INTERVAL`).
    pub tx_delay_inbound: f64,
    /// Delay before a node requests a transaction announced by a non-preferred (inbound)
    /// peer, seconds; an outbound peer's announcement is requested at once. Default 2
    /// (Bitcoin Core's `NONPREF_PEER_TX_DELAY`).
    pub tx_request_delay: f64,
    /// Fraction of honest hash rate (and of relay nodes) running full-RBF. Default 1
    /// (Bitcoin Core ≥ v28).
    pub rbf_share: f64,
    /// Nodes relay the first conflicting transaction they see (double-spend alerts).
    /// Default false.
    pub alerts: bool,
    /// Outbound connections of the attacker's node. Default 8.
    pub attacker_peers: u32,
    /// Latency of the attacker's direct connection to the merchant, seconds (used when the
    /// merchant accepts incoming connections). Default 0.05.
    pub direct_latency: f64,
    /// Topologies generated per sweep point; trials cycle through them, and they are the
    /// units of the interval. Default 128: Vector76 at q = 0.3, z = 1, whose outcome differs
    /// most between graphs, covered 35 of 40 seeds (z-scores of sd 2.50) on 32 graphs and 37
    /// of 40 (sd 1.07) on 128 (docs/network.md §1.1).
    pub topologies: u32,
    /// On a network, a private branch this many blocks behind the honest network is
    /// abandoned (the truncation of the walk). Default 30.
    pub max_deficit: u32,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            model: NetworkModel::Random,
            block_interval: 600.0,
            nodes: 1000,
            outbound: 8,
            miners: 16,
            miner_shares: None,
            link_latency: 0.05,
            link_latency_sigma: 0.5,
            block_hop_delay: 0.31,
            block_hop_sigma: 2.35,
            pool_hop_delay: 0.17,
            backbone: true,
            backbone_latency: 0.05,
            hb_peers: 3,
            missing_tx_rate: 0.2,
            block_relay_only: 2,
            tx_delay_outbound: 2.0,
            tx_delay_inbound: 5.0,
            tx_request_delay: 2.0,
            rbf_share: 1.0,
            alerts: false,
            attacker_peers: 8,
            direct_latency: 0.05,
            topologies: 128,
            max_deficit: 30,
        }
    }
}

/// Hash-rate shares of today's largest pools, in percent of all blocks: Foundry USA 37,
/// AntPool 14, F2Pool 10, SpiderPool 7, MARA Pool 6, SecPool 5, Luxor 4, ViaBTC 3,
/// SBI Crypto 2.5, OCEAN 2, Binance Pool 1.75, Braiins Pool 1.25 (spark.money's pool
/// comparison, as of early 2026; docs/references.md, "Mining pool shares"), and the
/// remaining 6.5 % as four smaller miners of 1.625 each. The honest miners' relative
/// shares when `miner_shares` is not given and `miners` is 16 (the default).
pub const POOL_SHARES: [f64; 16] = [
    37.0, 14.0, 10.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.5, 2.0, 1.75, 1.25, 1.625, 1.625, 1.625, 1.625,
];

/// Whether the merchant's node accepts incoming connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Incoming {
    /// A listening node: anyone, the attacker included, may connect to it.
    Allow,
    /// Outbound connections only (the Bitcoin Wiki's advice to merchants).
    Deny,
}

/// The merchant's node and policy (`[merchant]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MerchantSpec {
    /// Seconds between first seeing the payment and accepting it at z = 0 (also the
    /// Finney attack's acceptance time t); a conflict seen meanwhile cancels. Default 15.
    pub listening_period: f64,
    /// Incoming connections: `allow` (default) or `deny`.
    pub incoming: Incoming,
    /// Outbound peers of the merchant's node. Default 8.
    pub peers: u32,
    /// Observer nodes at random places that forward every transaction they see, conflicts
    /// included, straight to the merchant (Karame et al. 2012). Default 0.
    pub observers: u32,
}

impl Default for MerchantSpec {
    fn default() -> Self {
        MerchantSpec {
            listening_period: 15.0,
            incoming: Incoming::Allow,
            peers: 8,
            observers: 0,
        }
    }
}

/// A finite number of seconds ≥ 0, or an error naming `key`.
pub fn non_negative(key: &str, v: f64) -> anyhow::Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(usage(key, v, "give a finite number of seconds ≥ 0"))
    }
}

fn unit(key: &str, v: f64) -> anyhow::Result<()> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(usage(key, v, "give a fraction in [0, 1]"))
    }
}

impl NetworkSpec {
    /// Check every value; errors name the key (`network.<key>`).
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(self.block_interval.is_finite() && (0.01..=1e8).contains(&self.block_interval)) {
            return Err(usage(
                "network.block_interval",
                self.block_interval,
                "give the mean block interval in seconds, from 0.01 to 1e8 (Bitcoin: 600)",
            ));
        }
        // Beyond ten block intervals per hop no race settles (every block forks): the run
        // would walk to its block caps for every trial. Refused rather than left to hang.
        let longest = 10.0 * self.block_interval;
        for (key, v) in [
            ("network.link_latency", self.link_latency),
            ("network.link_latency_sigma", self.link_latency_sigma),
            ("network.block_hop_delay", self.block_hop_delay),
            ("network.block_hop_sigma", self.block_hop_sigma),
            ("network.pool_hop_delay", self.pool_hop_delay),
            ("network.backbone_latency", self.backbone_latency),
            ("network.tx_delay_outbound", self.tx_delay_outbound),
            ("network.tx_delay_inbound", self.tx_delay_inbound),
            ("network.tx_request_delay", self.tx_request_delay),
            ("network.direct_latency", self.direct_latency),
        ] {
            non_negative(key, v)?;
            let sigma = key.ends_with("_sigma");
            if !sigma && v > longest {
                return Err(usage(
                    key,
                    v,
                    &format!(
                        "use at most 10 block intervals ({longest} s): with longer delays no \
                         block race settles"
                    ),
                ));
            }
        }
        for (key, v) in [
            ("network.link_latency_sigma", self.link_latency_sigma),
            ("network.block_hop_sigma", self.block_hop_sigma),
        ] {
            if v > 5.0 {
                return Err(usage(key, v, "use a log-normal sigma of at most 5"));
            }
        }
        unit("network.rbf_share", self.rbf_share)?;
        unit("network.missing_tx_rate", self.missing_tx_rate)?;
        self.validate_counts()?;
        self.validate_shares()
    }

    fn validate_counts(&self) -> anyhow::Result<()> {
        if self.miners == 0 || self.miners > 1000 {
            return Err(usage(
                "network.miners",
                self.miners,
                "use 1 to 1000 honest mining nodes",
            ));
        }
        if self.topologies == 0 {
            return Err(usage("network.topologies", 0, "use at least 1 topology"));
        }
        if self.max_deficit == 0 {
            return Err(usage("network.max_deficit", 0, "use at least 1 block"));
        }
        if self.model == NetworkModel::Random {
            if self.outbound == 0 {
                return Err(usage("network.outbound", 0, "use at least 1 connection"));
            }
            for (key, v) in [
                ("network.hb_peers", self.hb_peers),
                ("network.block_relay_only", self.block_relay_only),
            ] {
                if v > 16 {
                    return Err(usage(key, v, "use at most 16 connections per node"));
                }
            }
            if self.attacker_peers == 0 {
                return Err(usage("network.attacker_peers", 0, "use at least 1 peer"));
            }
            let least = self.miners + 2 + self.outbound + self.block_relay_only;
            if self.nodes > 100_000 || self.nodes < least {
                return Err(usage(
                    "network.nodes",
                    self.nodes,
                    "use at most 100000 nodes and more than miners + outbound + \
                     block_relay_only + 2",
                ));
            }
        }
        Ok(())
    }

    fn validate_shares(&self) -> anyhow::Result<()> {
        let Some(s) = &self.miner_shares else {
            return Ok(());
        };
        let shown = format!("{s:?}");
        if s.len() != self.miners as usize {
            return Err(usage(
                "network.miner_shares",
                shown,
                &format!("give one share per miner ({} values)", self.miners),
            ));
        }
        if s.iter().any(|&v| !(v.is_finite() && v >= 0.0)) {
            return Err(usage("network.miner_shares", shown, "shares must be ≥ 0"));
        }
        let sum: f64 = s.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            return Err(usage(
                "network.miner_shares",
                shown,
                &format!("shares of the honest hash rate must sum to 1 (they sum to {sum})"),
            ));
        }
        Ok(())
    }

    /// Relative shares of the honest hash rate, one per miner: `miner_shares`, else the
    /// pools' shares ([`POOL_SHARES`]) for 16 miners, else equal shares.
    pub fn shares(&self) -> Vec<f64> {
        if let Some(s) = &self.miner_shares {
            return s.clone();
        }
        if self.miners as usize == POOL_SHARES.len() {
            let total: f64 = POOL_SHARES.iter().sum();
            return POOL_SHARES.iter().map(|s| s / total).collect();
        }
        vec![1.0 / f64::from(self.miners); self.miners as usize]
    }

    /// One line for table headers.
    pub fn describe(&self) -> String {
        match self.model {
            NetworkModel::None => format!(
                "zero-latency network (timed Poisson mining, T = {} s)",
                self.block_interval
            ),
            NetworkModel::Random => format!(
                "random network: {} nodes, {} outbound, {} miners{}, T = {} s, rbf share {}{}",
                self.nodes,
                self.outbound,
                self.miners,
                if self.backbone { " on a backbone" } else { "" },
                self.block_interval,
                self.rbf_share,
                if self.alerts { ", alerts" } else { "" }
            ),
        }
    }
}

/// Longest listening period accepted, in block intervals.
pub const MAX_LISTENING_BLOCKS: f64 = 1000.0;

impl MerchantSpec {
    /// Check every value; errors name the key (`merchant.<key>`).
    pub fn validate(&self, net: &NetworkSpec) -> anyhow::Result<()> {
        non_negative("merchant.listening_period", self.listening_period)?;
        // A z = 0 merchant accepts only when its listening period ends, so every trial runs
        // that long; beyond this many block intervals a run would crawl (at 1e300 s each
        // trial runs to the engine's block cap) for a merchant no one runs.
        let most = MAX_LISTENING_BLOCKS * net.block_interval;
        if self.listening_period > most {
            return Err(usage(
                "merchant.listening_period",
                self.listening_period,
                &format!(
                    "give at most {MAX_LISTENING_BLOCKS} block intervals ({most} s): a zero-conf \
                     merchant listens seconds to minutes; for a payment that waits for blocks \
                     use z ≥ 1"
                ),
            ));
        }
        if self.peers == 0 {
            return Err(usage(
                "merchant.peers",
                0,
                "a merchant with no peers never sees a block; use at least 1",
            ));
        }
        if net.model == NetworkModel::Random && self.peers + self.observers >= net.nodes {
            return Err(usage(
                "merchant.peers",
                self.peers,
                "peers plus observers must be fewer than the network's nodes",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_text(e: anyhow::Error) -> String {
        format!("{e:#}")
    }

    #[test]
    fn defaults_are_valid() {
        let n = NetworkSpec::default();
        n.validate().unwrap();
        MerchantSpec::default().validate(&n).unwrap();
    }

    #[test]
    fn bad_values_name_their_key() {
        let n = NetworkSpec {
            block_hop_delay: -1.0,
            ..NetworkSpec::default()
        };
        assert!(err_text(n.validate().unwrap_err()).contains("network.block_hop_delay"));
        // A probability outside [0, 1] (and NaN, which `contains` refuses) names its key.
        for bad in [-0.1, 1.5, f64::NAN] {
            let n = NetworkSpec {
                missing_tx_rate: bad,
                ..NetworkSpec::default()
            };
            let e = err_text(n.validate().unwrap_err());
            assert!(e.contains("network.missing_tx_rate"), "{e}");
        }
        for good in [0.0, 1.0] {
            let n = NetworkSpec {
                missing_tx_rate: good,
                ..NetworkSpec::default()
            };
            n.validate().unwrap();
        }
        let n = NetworkSpec {
            miners: 2,
            miner_shares: Some(vec![0.5, 0.6]),
            ..NetworkSpec::default()
        };
        assert!(err_text(n.validate().unwrap_err()).contains("network.miner_shares"));
        let m = MerchantSpec {
            peers: 0,
            ..MerchantSpec::default()
        };
        let e = m.validate(&NetworkSpec::default()).unwrap_err();
        assert!(err_text(e).contains("merchant.peers"));
    }

    #[test]
    fn default_miners_have_the_pool_shares() {
        // Independent of the code path: the published percentages over their total (100).
        let s = NetworkSpec::default().shares();
        assert_eq!(s.len(), 16);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((s[0] - 0.37).abs() < 1e-12 && (s[15] - 0.01625).abs() < 1e-12);
        // Another count of miners, without shares: equal.
        let eight = NetworkSpec {
            miners: 8,
            ..NetworkSpec::default()
        };
        assert_eq!(eight.shares(), vec![0.125; 8]);
        eight.validate().unwrap();
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let e = toml::from_str::<NetworkSpec>("nodez = 3").unwrap_err();
        assert!(e.to_string().contains("nodez"));
    }
}
