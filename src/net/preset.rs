//! Named networks: `default` (today's Bitcoin, the defaults of [`NetworkSpec`]) and
//! `bitcoin-2013` (`networks/bitcoin-2013.toml`, shipped inside the binary), with the
//! measurements each was calibrated against, and the reading of a `--network` value
//! (a name or a TOML file of `[network]` keys).

use super::spec::{NetworkModel, NetworkSpec};
use crate::error::usage;

/// What was measured on the real network a preset stands for (docs/references.md).
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// When and by whom.
    pub source: &'static str,
    /// Fraction of blocks that went stale.
    pub stale_rate: f64,
    /// Median time for a node to receive a block, seconds.
    pub median: f64,
    /// Mean of that time, seconds.
    pub mean: f64,
    /// (fraction of nodes, seconds): that fraction of the nodes received the block later.
    pub tail: (f64, f64),
}

/// A named network.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// The `--network` value.
    pub name: &'static str,
    /// What it models.
    pub summary: &'static str,
    /// Its keys over the defaults (empty for `default`).
    pub toml: &'static str,
    /// The figures it was calibrated to.
    pub measured: Measured,
}

/// The named networks.
pub const PRESETS: [Preset; 2] = [
    Preset {
        name: "default",
        summary: "today's Bitcoin: pools on a low-latency backbone, compact blocks, \
                  block-relay-only links",
        toml: "",
        measured: Measured {
            source: "stale blocks 2020-04..2021-03 (BitMEX Research: 17 in 12 months); \
                     propagation 2021 (Fechner et al., SAC 2022)",
            stale_rate: 17.0 / 52_560.0,
            median: 0.454,
            mean: 4.1,
            tail: (0.05, 15.0),
        },
    },
    Preset {
        name: "bitcoin-2013",
        summary: "Bitcoin in 2013: no backbone, no compact blocks, slow transfers",
        toml: include_str!("../../networks/bitcoin-2013.toml"),
        measured: Measured {
            source: "Decker and Wattenhofer, IEEE P2P 2013",
            stale_rate: 0.0169,
            median: 6.5,
            mean: 12.6,
            tail: (0.05, 40.0),
        },
    },
];

/// The preset of that name.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The name rows and the summary give a network: the preset whose graph and relay keys it
/// has (the keys of attack settings, policies and run size may differ), else `custom-N`
/// (N nodes); `none` for the zero-latency network.
pub fn label(net: &NetworkSpec) -> String {
    if net.model == NetworkModel::None {
        return "none".into();
    }
    let found = PRESETS.iter().find(|p| {
        let base = parse(p.toml).expect("shipped presets parse (tested)");
        let same_graph = NetworkSpec {
            topologies: base.topologies,
            max_deficit: base.max_deficit,
            rbf_share: base.rbf_share,
            alerts: base.alerts,
            attacker_peers: base.attacker_peers,
            direct_latency: base.direct_latency,
            ..net.clone()
        };
        same_graph == base
    });
    found.map_or_else(|| format!("custom-{}", net.nodes), |p| p.name.to_string())
}

/// `[network]` keys from TOML text: at top level or under a `[network]` table (so a
/// scenario's table can be copied as it is).
pub fn parse(text: &str) -> Result<NetworkSpec, toml::de::Error> {
    let mut table: toml::Table = toml::from_str(text)?;
    let inner = match table.remove("network") {
        Some(toml::Value::Table(t)) if table.is_empty() => t,
        Some(other) => {
            table.insert("network".into(), other);
            table
        }
        None => table,
    };
    toml::Value::Table(inner).try_into::<NetworkSpec>()
}

/// The network of a `--network` value: `none`, a preset name or a TOML file; without one,
/// the defaults with the `default` model. Errors name `flag`.
pub fn resolve(
    flag: &str,
    arg: Option<&str>,
    default: NetworkModel,
) -> anyhow::Result<NetworkSpec> {
    let names = || {
        let list: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        format!("none, {}", list.join(", "))
    };
    match arg {
        None => Ok(NetworkSpec {
            model: default,
            ..NetworkSpec::default()
        }),
        Some("none") => Ok(NetworkSpec {
            model: NetworkModel::None,
            ..NetworkSpec::default()
        }),
        Some(name) if preset(name).is_some() => {
            let p = preset(name).expect("just found");
            Ok(parse(p.toml).expect("shipped presets parse (tested)"))
        }
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                usage(
                    flag,
                    path,
                    &format!("cannot read it ({e}); use {} or a TOML file", names()),
                )
            })?;
            parse(&text)
                .map_err(|e| usage(flag, path, &format!("bad network file: {}", e.message())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_presets_parse_and_validate() {
        for p in PRESETS {
            let n = resolve("--network", Some(p.name), NetworkModel::Random).unwrap();
            n.validate().unwrap();
        }
        let old = resolve("--network", Some("bitcoin-2013"), NetworkModel::Random).unwrap();
        assert!(!old.backbone && old.hb_peers == 0 && old.block_relay_only == 0);
        assert_eq!(
            resolve("--network", Some("default"), NetworkModel::None).unwrap(),
            NetworkSpec::default()
        );
        assert_eq!(label(&old), "bitcoin-2013");
        let more_graphs = NetworkSpec {
            topologies: 512,
            rbf_share: 0.5,
            ..NetworkSpec::default()
        };
        assert_eq!(label(&more_graphs), "default");
        let slower = NetworkSpec {
            block_hop_delay: 1.0,
            ..NetworkSpec::default()
        };
        assert_eq!(label(&slower), "custom-1000");
    }
}
