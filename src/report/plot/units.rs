//! Units of the keys a scenario can sweep (`[sweep] parameter = "table.key"`), for axis
//! titles: `race.replace_after (seconds)`. The network and merchant keys are those of
//! `net::spec`, listed here; an attack's keys come from its registry entry
//! (`crate::attack::TimedAttack::keys`). A test below checks that every key has a unit or
//! is known to need none.

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
        | "merchant.listening_period" => "seconds",
        "network.nodes" => "nodes",
        "network.outbound" => "outbound connections per node",
        "network.miners" => "honest mining nodes",
        "network.attacker_peers" => "attacker's outbound connections",
        "network.hb_peers" => "high-bandwidth peers per node",
        "network.block_relay_only" => "block-relay-only connections per node",
        "network.topologies" => "generated topologies",
        "network.max_deficit" => "blocks behind",
        "network.rbf_share" => "fraction of honest hash rate, 0 to 1",
        "network.missing_tx_rate" => "chance a compact block needs a request, 0 to 1",
        "merchant.peers" => "merchant's outbound peers",
        "merchant.observers" => "observer nodes",
        _ => {
            let (table, key) = key.split_once('.')?;
            return crate::attack::key_unit(table, key);
        }
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
    use crate::attack::{NetAttack, names};
    use crate::error::UsageError;
    use crate::net::spec::{MerchantSpec, NetworkSpec};

    /// The network and merchant keys that have no unit (categories, booleans, ratios of
    /// logs, lists). Listed so that a test can tell a key someone forgot from a key that
    /// needs none.
    const UNITLESS_KEYS: [&str; 7] = [
        "network.model",
        "network.miner_shares",
        "network.link_latency_sigma",
        "network.block_hop_sigma",
        "network.backbone",
        "network.alerts",
        "merchant.incoming",
    ];

    /// The keys of a default table, as `table.key` (options left at None are not
    /// serialised).
    fn keys_of(table: &str, v: toml::Value) -> Vec<String> {
        let t = v.as_table().expect("a table");
        t.keys().map(|k| format!("{table}.{k}")).collect()
    }

    #[test]
    fn every_network_and_merchant_key_has_a_unit_or_is_known_to_need_none() {
        assert_eq!(NetworkSpec::default().miner_shares, None);
        let mut keys = keys_of(
            "network",
            toml::Value::try_from(NetworkSpec::default()).unwrap(),
        );
        keys.extend(keys_of(
            "merchant",
            toml::Value::try_from(MerchantSpec::default()).unwrap(),
        ));
        keys.push("network.miner_shares".into());
        for k in keys {
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
    fn every_attack_lists_every_key_of_its_table() {
        for name in names() {
            let attack = NetAttack::from_table(name, None).unwrap();
            let listed: Vec<&str> = attack.get().keys().iter().map(|(k, _)| *k).collect();
            let table = toml::Value::try_from(&attack).unwrap();
            for k in table.as_table().unwrap().keys().filter(|k| *k != "kind") {
                assert!(
                    listed.contains(&k.as_str()),
                    "{name}.{k}: add it to {name}'s TimedAttack::keys"
                );
            }
            // Every listed key is one of the table's (an option left at None included):
            // serde does not refuse a table holding only that key as an unknown field
            // (the registry's own unknown-key check trusts the list, so ask serde).
            for k in listed {
                let one = toml::Table::from_iter([(k.to_string(), toml::Value::from(1))]);
                let unknown = NetAttack::from_table(name, Some(toml::Value::Table(one)))
                    .err()
                    .and_then(|e| e.downcast_ref::<UsageError>().cloned())
                    .is_some_and(|u| {
                        u.value.as_deref() == Some("unknown key") || u.fix.contains("unknown field")
                    });
                assert!(!unknown, "{name}.{k} is listed but not a key of the table");
            }
        }
    }

    #[test]
    fn time_keys_are_in_seconds_and_words_stay_bare() {
        for k in [
            "merchant.listening_period",
            "race.replace_after",
            "race.conflict_delay",
            "network.block_interval",
            "delay-private.delta",
            "balancing.delta",
            "rental.window",
        ] {
            assert_eq!(sweep_axis_label(k), format!("{k} (seconds)"));
        }
        assert_eq!(sweep_axis_label("merchant.incoming"), "merchant.incoming");
        assert_eq!(sweep_axis_label("race.variant"), "race.variant");
        assert_eq!(
            sweep_axis_label("finney.give_up"),
            "finney.give_up (blocks behind)"
        );
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
