//! Units of the keys a scenario can sweep (`[sweep] parameter = "table.key"`), for axis
//! titles: `race.replace_after (seconds)`. The keys and their meaning are those of
//! `net::spec`; a test below checks that every key of those tables is listed here.

/// What one unit of a swept key means, or `None` for keys without one (words such as
/// `allow`/`deny`, booleans, the log-normal σ). Unknown keys also give `None`.
pub fn sweep_unit(key: &str) -> Option<&'static str> {
    let unit = match key {
        "network.block_interval"
        | "network.link_latency"
        | "network.block_hop_delay"
        | "network.pool_hop_delay"
        | "network.backbone_latency"
        | "network.tx_delay_outbound"
        | "network.tx_delay_inbound"
        | "network.tx_request_delay"
        | "network.direct_latency"
        | "merchant.listening_period"
        | "race.conflict_delay"
        | "race.replace_after"
        | "rental.window"
        | "rental.premine_time" => "seconds",
        "network.nodes" => "nodes",
        "network.outbound" => "outbound connections per node",
        "network.miners" => "honest mining nodes",
        "network.attacker_peers" => "attacker's outbound connections",
        "network.hb_peers" => "high-bandwidth peers per node",
        "network.block_relay_only" => "block-relay-only connections per node",
        "network.topologies" => "generated topologies",
        "network.max_deficit" | "finney.give_up" => "blocks behind",
        "network.rbf_share" => "fraction of honest hash rate, 0 to 1",
        "merchant.peers" => "merchant's outbound peers",
        "merchant.observers" => "observer nodes",
        "race.helpers" | "vector76.helpers" => "helper nodes",
        "vector76.plan_depth" => "confirmations",
        _ => return None,
    };
    Some(unit)
}

/// Axis title for a swept key: the key, then its unit in parentheses when it has one.
pub fn sweep_axis_label(key: &str) -> String {
    match sweep_unit(key) {
        Some(u) => format!("{key} ({u})"),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::finney::FinneySpec;
    use crate::attack::race::RaceSpec;
    use crate::attack::vector76::Vector76Spec;
    use crate::net::spec::{MerchantSpec, NetworkSpec};

    /// The keys that have no unit (categories, booleans, ratios of logs, lists). Listed so
    /// that a test can tell a key someone forgot from a key that needs none.
    const UNITLESS_KEYS: [&str; 8] = [
        "network.model",
        "network.miner_shares",
        "network.link_latency_sigma",
        "network.block_hop_sigma",
        "network.backbone",
        "network.alerts",
        "merchant.incoming",
        "race.variant",
    ];

    /// Every key of every sweepable table, as `table.key`, read from the specs' defaults.
    fn all_keys() -> Vec<String> {
        let mut keys = Vec::new();
        let mut add = |table: &str, v: toml::Value| {
            for k in v.as_table().expect("a table").keys() {
                keys.push(format!("{table}.{k}"));
            }
        };
        add(
            "network",
            toml::Value::try_from(NetworkSpec::default()).unwrap(),
        );
        add(
            "merchant",
            toml::Value::try_from(MerchantSpec::default()).unwrap(),
        );
        add("race", toml::Value::try_from(RaceSpec::default()).unwrap());
        add(
            "vector76",
            toml::Value::try_from(Vector76Spec::default()).unwrap(),
        );
        add(
            "finney",
            toml::Value::try_from(FinneySpec::default()).unwrap(),
        );
        // Options left at None are not serialised: name them by hand.
        assert_eq!(FinneySpec::default().give_up, None);
        assert_eq!(NetworkSpec::default().miner_shares, None);
        keys.push("finney.give_up".into());
        keys.push("network.miner_shares".into());
        keys
    }

    #[test]
    fn every_sweepable_key_has_a_unit_or_is_known_to_need_none() {
        for k in all_keys() {
            let listed = sweep_unit(&k).is_some() || UNITLESS_KEYS.contains(&k.as_str());
            assert!(
                listed,
                "{k}: add its unit to sweep_unit or to UNITLESS_KEYS"
            );
            assert!(
                !(sweep_unit(&k).is_some() && UNITLESS_KEYS.contains(&k.as_str())),
                "{k} is listed twice"
            );
        }
    }

    #[test]
    fn time_keys_are_in_seconds_and_words_stay_bare() {
        for k in [
            "merchant.listening_period",
            "race.replace_after",
            "race.conflict_delay",
            "network.block_interval",
        ] {
            assert_eq!(sweep_axis_label(k), format!("{k} (seconds)"));
        }
        assert_eq!(sweep_axis_label("merchant.incoming"), "merchant.incoming");
        assert_eq!(
            sweep_axis_label("merchant.observers"),
            "merchant.observers (observer nodes)"
        );
        assert_eq!(
            sweep_axis_label("listening period (s)"),
            "listening period (s)"
        );
    }
}
