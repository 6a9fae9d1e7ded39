//! The network, merchant and attack-table flags of `dslab simulate`: reading a `--network`
//! file, turning flags into the attack's table, and naming the flag in errors about a key.

use clap::{Args, ValueEnum};

use super::SimulateArgs;
use crate::attack::{NetAttack, NetExperiment};
use crate::error::{UsageError, usage};
use crate::experiment::AttackSpec;
use crate::net::preset;
use crate::net::spec::{Incoming, MerchantSpec, NetworkModel, NetworkSpec};
use crate::net::sweep::Sweep;

/// Network, merchant and attack flags of `dslab simulate` (Finney, race, Vector76, and the
/// majority attack with `--network`). Unset flags keep the defaults of `docs/network.md`.
#[derive(Debug, Clone, Args)]
pub struct NetArgs {
    /// Network: none (zero latency, closed forms hold), default (today's Bitcoin, a random
    /// graph), bitcoin-2013, or a TOML file with `[network]` keys [default: default;
    /// majority: the zero-latency block race].
    #[arg(long, value_name = "none|default|bitcoin-2013|FILE")]
    pub network: Option<String>,
    /// Whether the merchant accepts incoming connections (Vector76 needs them).
    #[arg(long, value_enum, value_name = "allow|deny")]
    pub merchant_incoming: Option<IncomingArg>,
    /// Merchant's listening period, seconds: z = 0 accepts this long after first seeing the
    /// payment if no conflict was seen (the Finney acceptance time t) [default: 15].
    #[arg(long, visible_alias = "acceptance-time", value_name = "SECONDS")]
    pub listening_period: Option<f64>,
    /// Merchant's outbound peers [default: 8].
    #[arg(long, value_name = "N")]
    pub merchant_peers: Option<u32>,
    /// Observer nodes forwarding every transaction to the merchant [default: 0].
    #[arg(long, value_name = "N")]
    pub observers: Option<u32>,
    /// Nodes relay double-spend alerts (the first conflicting transaction).
    #[arg(long)]
    pub alerts: bool,
    /// Fraction of honest hash rate and relay nodes running full-RBF [default: 1].
    #[arg(long, value_name = "F")]
    pub rbf_share: Option<f64>,
    /// Mean block interval T, seconds [default: 600].
    #[arg(long, value_name = "SECONDS")]
    pub block_interval: Option<f64>,
    /// Nodes of the random graph [default: 1000].
    #[arg(long, value_name = "N")]
    pub nodes: Option<u32>,
    /// Honest mining nodes (equal shares) [default: 16].
    #[arg(long, value_name = "N")]
    pub miners: Option<u32>,
    /// Median link latency, seconds [default: 0.05].
    #[arg(long, value_name = "SECONDS")]
    pub link_latency: Option<f64>,
    /// Median block validation delay of a relay node (log-normal), seconds [default: 0.31].
    #[arg(long, value_name = "SECONDS")]
    pub block_hop_delay: Option<f64>,
    /// Topologies generated per sweep point [default: 128].
    #[arg(long, value_name = "N")]
    pub topologies: Option<u32>,
    /// Race variant: rbf (replacement after --replace-after) or first-seen.
    #[arg(long, value_enum)]
    pub race_variant: Option<RaceVariantArg>,
    /// Race (rbf): seconds between payment and replacement (Δ) [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub replace_after: Option<f64>,
    /// Race (first-seen): seconds between payment and conflicting transaction [default: 0].
    #[arg(long, value_name = "SECONDS")]
    pub conflict_delay: Option<f64>,
    /// Rental: seconds of rented hash rate, counted from the start of pre-mining
    /// [default: no limit].
    #[arg(long, value_name = "SECONDS")]
    pub window: Option<f64>,
    /// Rental: seconds of mining before the payment is broadcast [default: 0].
    #[arg(long, value_name = "SECONDS")]
    pub premine_time: Option<f64>,
    /// Delay-private: every honest block's delay Δ; balancing: the cross-group delay Δ
    /// (seconds) [default: 10].
    #[arg(long, value_name = "SECONDS")]
    pub delta: Option<f64>,
    /// Attacker helper nodes injecting the conflicting transaction [default: 0].
    #[arg(long, value_name = "N")]
    pub helpers: Option<u32>,
    /// Defence sweep: run once per value of a merchant, network or attack key, e.g.
    /// merchant.listening_period=0,5,15 or merchant.incoming=allow,deny.
    #[arg(long, value_name = "TABLE.KEY=V1,V2,...")]
    pub sweep: Option<String>,
}

/// `--merchant-incoming`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IncomingArg {
    /// Accept incoming connections.
    Allow,
    /// Outbound connections only.
    Deny,
}

/// `--race-variant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RaceVariantArg {
    /// Full-RBF replacement after a delay.
    Rbf,
    /// First-seen race.
    FirstSeen,
}

impl NetArgs {
    /// Whether any flag of this group was given at all (the mining game takes none).
    pub(super) fn any_given(&self) -> bool {
        self.any_set()
            || self.network.is_some()
            || self.window.is_some()
            || self.premine_time.is_some()
            || self.delta.is_some()
            || self.sweep.is_some()
    }

    /// Whether any network, merchant or attack option was given (besides `--network`).
    fn any_set(&self) -> bool {
        self.merchant_incoming.is_some()
            || self.listening_period.is_some()
            || self.merchant_peers.is_some()
            || self.observers.is_some()
            || self.alerts
            || self.rbf_share.is_some()
            || self.block_interval.is_some()
            || self.nodes.is_some()
            || self.miners.is_some()
            || self.link_latency.is_some()
            || self.block_hop_delay.is_some()
            || self.topologies.is_some()
            || self.race_variant.is_some()
            || self.replace_after.is_some()
            || self.conflict_delay.is_some()
            || self.helpers.is_some()
            || self.window.is_some()
            || self.premine_time.is_some()
            || self.delta.is_some()
            || self.sweep.is_some()
    }

    /// The network of the flags; without `--network`, the attack's default model.
    fn network_spec(&self, default: NetworkModel) -> anyhow::Result<NetworkSpec> {
        let mut n = preset::resolve("--network", self.network.as_deref(), default)?;
        set(&mut n.rbf_share, self.rbf_share);
        set(&mut n.block_interval, self.block_interval);
        set(&mut n.nodes, self.nodes);
        set(&mut n.miners, self.miners);
        set(&mut n.link_latency, self.link_latency);
        set(&mut n.block_hop_delay, self.block_hop_delay);
        set(&mut n.topologies, self.topologies);
        n.alerts |= self.alerts;
        Ok(n)
    }

    fn merchant_spec(&self) -> MerchantSpec {
        let mut m = MerchantSpec::default();
        if let Some(i) = self.merchant_incoming {
            m.incoming = match i {
                IncomingArg::Allow => Incoming::Allow,
                IncomingArg::Deny => Incoming::Deny,
            };
        }
        set(&mut m.listening_period, self.listening_period);
        set(&mut m.peers, self.merchant_peers);
        set(&mut m.observers, self.observers);
        m
    }

    /// The validated network experiment of `attack`, as an [`AttackSpec`].
    pub(super) fn attack(&self, attack: NetAttack) -> anyhow::Result<AttackSpec> {
        let default = attack.get().default_network();
        let e = NetExperiment {
            attack,
            network: self.network_spec(default)?,
            merchant: self.merchant_spec(),
            sweep: self.sweep.as_deref().map(parse_sweep).transpose()?,
        };
        // The values before any sweep first, so that an error about a value set by a flag
        // names that flag; `e.validate()` then checks the file values and sweep points.
        e.validate_base().map_err(|err| self.name_the_flag(err))?;
        e.validate()?;
        Ok(AttackSpec::Timed(e))
    }
}

impl NetArgs {
    /// The file keys the network and merchant flags set, with the flag and whether it was
    /// given (the attack's own keys: [`name_attack_flags`]).
    fn flag_keys(&self) -> [(&'static str, &'static str, bool); 9] {
        [
            ("network.rbf_share", "--rbf-share", self.rbf_share.is_some()),
            (
                "network.block_interval",
                "--block-interval",
                self.block_interval.is_some(),
            ),
            ("network.nodes", "--nodes", self.nodes.is_some()),
            ("network.miners", "--miners", self.miners.is_some()),
            (
                "network.link_latency",
                "--link-latency",
                self.link_latency.is_some(),
            ),
            (
                "network.block_hop_delay",
                "--block-hop-delay",
                self.block_hop_delay.is_some(),
            ),
            (
                "network.topologies",
                "--topologies",
                self.topologies.is_some(),
            ),
            (
                "merchant.listening_period",
                "--listening-period",
                self.listening_period.is_some(),
            ),
            (
                "merchant.peers",
                "--merchant-peers",
                self.merchant_peers.is_some(),
            ),
        ]
    }

    /// An error about a file key whose value came from a flag names the flag instead (the
    /// key stays for values from a `--network` file or defaults).
    fn name_the_flag(&self, err: anyhow::Error) -> anyhow::Error {
        let Some(usage_err) = err.downcast_ref::<UsageError>() else {
            return err;
        };
        self.flag_keys()
            .into_iter()
            .filter(|(_, _, given)| *given)
            .find_map(|(key, flag, _)| usage_err.renamed(key, flag))
            .map_or(err, anyhow::Error::from)
    }
}

/// The attack-table keys `dslab simulate` flags set: (flag, key, value if given).
fn attack_flags(args: &SimulateArgs) -> Vec<(&'static str, &'static str, toml::Value)> {
    let n = &args.net;
    let f = |x: f64| toml::Value::Float(x);
    let u = |x: u32| toml::Value::Integer(i64::from(x));
    let flag = |on: bool| on.then_some(toml::Value::Boolean(true));
    let variant = n.race_variant.map(|v| {
        toml::Value::String(match v {
            RaceVariantArg::Rbf => "rbf".into(),
            RaceVariantArg::FirstSeen => "first-seen".into(),
        })
    });
    [
        ("--give-up", "give_up", args.give_up.map(u)),
        ("--race-variant", "variant", variant),
        ("--replace-after", "replace_after", n.replace_after.map(f)),
        (
            "--conflict-delay",
            "conflict_delay",
            n.conflict_delay.map(f),
        ),
        ("--helpers", "helpers", n.helpers.map(u)),
        ("--window", "window", n.window.map(f)),
        ("--premine-time", "premine_time", n.premine_time.map(f)),
        ("--delta", "delta", n.delta.map(f)),
        ("--premined", "premined", args.convention.premined.map(u)),
        (
            "--tie",
            "tie",
            args.convention.tie.clone().map(toml::Value::String),
        ),
        ("--classical", "classical", flag(args.convention.classical)),
        ("--walk", "walk", flag(args.walk)),
    ]
    .into_iter()
    .filter_map(|(flag, key, v)| v.map(|v| (flag, key, v)))
    .collect()
}

/// The attack's table filled from its flags; a flag the attack's table has no key for
/// is an error naming the flag, and a bad value names the flag too.
pub(super) fn attack_from_flags(args: &SimulateArgs) -> anyhow::Result<NetAttack> {
    let name = args.attack.as_str();
    let mut table = toml::Table::new();
    for (flag, key, value) in attack_flags(args) {
        let one = toml::Table::from_iter([(key.to_string(), value.clone())]);
        if NetAttack::from_table(name, Some(toml::Value::Table(one))).is_err() {
            return Err(usage(
                flag,
                show_value(&value),
                &format!(
                    "does not apply to the {name} attack, or the value is not valid for it; see docs/network.md"
                ),
            ));
        }
        table.insert(key.to_string(), value);
    }
    NetAttack::from_table(name, Some(toml::Value::Table(table)))
}

/// An error about a key of the attack's table (`majority.tie`) whose value came from a
/// flag names the flag (`--tie`) instead.
pub(super) fn name_attack_flags(args: &SimulateArgs, err: anyhow::Error) -> anyhow::Error {
    let Some(usage_err) = err.downcast_ref::<UsageError>() else {
        return err;
    };
    attack_flags(args)
        .into_iter()
        .find_map(|(flag, key, _)| usage_err.renamed(&format!("{}.{key}", args.attack), flag))
        .map_or(err, anyhow::Error::from)
}

fn show_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Flags that would be silently ignored are errors: network flags on the zero-latency
/// block race. (An attack flag the attack's table has no key for, such as `--premined` on
/// Finney, is refused by [`attack_from_flags`].)
pub(super) fn check_net_flags(args: &SimulateArgs, on_network: bool) -> anyhow::Result<()> {
    if let Some(sweep) = args.net.sweep.as_deref().filter(|_| !on_network) {
        return Err(usage(
            "--sweep",
            sweep,
            "the zero-latency block race has no tables to sweep: give several values to --q \
             or --z (e.g. --q 0.1,0.2), run separate --premined/--give-up values, or add \
             --network default (or none) to sweep [majority], [network] or [merchant] keys",
        ));
    }
    if !on_network && args.net.any_set() {
        return Err(usage(
            "--network",
            "(not given)",
            "network and merchant flags need a network: add --network default (or none, or a file)",
        ));
    }
    Ok(())
}

/// `table.key=v1,v2,...`: each value read as a TOML value (numbers, booleans), else text.
fn parse_sweep(s: &str) -> anyhow::Result<Sweep> {
    let (parameter, values) = s.split_once('=').ok_or_else(|| {
        usage(
            "--sweep",
            s,
            "write TABLE.KEY=V1,V2,..., e.g. merchant.listening_period=0,5,15",
        )
    })?;
    let values = values
        .split(',')
        .map(|v| {
            let v = v.trim();
            toml::from_str::<toml::Table>(&format!("v = {v}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(v.to_string()))
        })
        .collect();
    Ok(Sweep {
        parameter: parameter.trim().to_string(),
        values,
    })
}

fn set<T>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}
