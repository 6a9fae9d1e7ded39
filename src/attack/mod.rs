//! The attack plug-in point. Each attack lives in one file of this folder and owns
//! everything about it: its parameter table (one serde struct, read from a scenario
//! file's `[name]` table and filled from `dslab simulate` flags), validation, its one-line
//! description, closed forms, the strategy it plays on the timed engine, its costs and its
//! report labels. The registry below (the `attacks!` list) lists them: the `--attack` values, the
//! scenario-file tables, `dslab run`'s cost model and the report labels all come from it.
//! A new attack is one file plus one line in that list (docs/architecture.md walks through
//! it with [`rental`]).
//!
//! An attack that also runs on the zero-latency block race (`crate::blockrace`; today the
//! majority attack, whose default engine it is) says so through
//! [`TimedAttack::block_race`]: without a network, scenarios and flags run it there.

pub mod balancing;
pub mod delay_private;
pub mod finney;
pub mod game;
pub mod majority;
pub mod opportunistic;
pub mod race;
pub mod rental;
pub mod timed;
pub mod vector76;

use serde::{Deserialize, Serialize};

use crate::estimate::rng::SimRng;
use crate::net::spec::{MerchantSpec, NetworkModel, NetworkSpec};
use crate::net::topology::Topology;
use crate::net::{Prepared, Strategy};

pub use timed::{NetExperiment, NetTables};

/// What reports, `dslab run` and the command line know about an attack by its name alone
/// (rows read back from a CSV carry only the name).
#[derive(Debug)]
pub struct Info {
    /// The name in `--attack`, `attack = "..."`, the table name and the `attack` column.
    pub name: &'static str,
    /// One line for `--help` and listings.
    pub summary: &'static str,
    /// Whether the attack has a give-up rule (the `give_up` column means something).
    pub gives_up: bool,
    /// The smallest z worth a headline (1 for a one-confirmation attack).
    pub first_z: u32,
    /// A closed form that does not depend on a network (the majority attack's): the
    /// summary's convention line and `exact` note say "closed form, same convention".
    pub convention_closed_form: bool,
}

/// The settings of the timed engine an attack's closed form and costs may read.
#[derive(Clone, Copy, Debug)]
pub struct Setting<'a> {
    /// The network.
    pub network: &'a NetworkSpec,
    /// The merchant.
    pub merchant: &'a MerchantSpec,
}

/// Per-cell values a strategy is built with.
#[derive(Clone, Copy, Debug)]
pub struct CellSetting {
    /// Attacker share.
    pub q: f64,
    /// Merchant's listening period (seconds, on the time grain).
    pub listening: f64,
    /// Zero-latency network: the rest of a race may be resolved exactly.
    pub exact_tail: bool,
    /// Truncation deficit of a walked race.
    pub max_deficit: u32,
    /// Mean block interval T (seconds).
    pub block_interval: f64,
}

/// An attack on the timed engine (zero latency or a network). Implemented by each attack's
/// parameter table.
pub trait TimedAttack: std::fmt::Debug + Sync {
    /// The registry entry.
    fn info(&self) -> &'static Info;
    /// Check the attack's own keys; errors name the key (`race.replace_after`).
    fn validate(&self) -> anyhow::Result<()> {
        Ok(())
    }
    /// Every key of the attack's table with the unit of one step of it, for the axis of a
    /// sweep over it (`None`: words, booleans). A test checks that every key is listed.
    fn keys(&self) -> &'static [(&'static str, Option<&'static str>)] {
        &[]
    }
    /// Check the attack's keys that are bounded by the network it runs on (e.g. a delay
    /// bound in block intervals); errors name the key.
    fn validate_on(&self, _network: &NetworkSpec) -> anyhow::Result<()> {
        Ok(())
    }
    /// What the attack is, for the start of the header line.
    fn describe(&self) -> String;
    /// Attacker helper nodes the topology places.
    fn helpers(&self) -> u32 {
        0
    }
    /// Where and when the payment V and the conflicting transaction A enter the network,
    /// and (race) whether merchant z = 0 accepts, on one topology; relay timers are drawn
    /// from `rng` (the topology's own generator).
    fn prepare(&self, topo: Topology, setting: &Setting<'_>, rng: &mut SimRng) -> Prepared {
        timed::payment_only(topo, setting, rng)
    }
    /// The strategy of one cell.
    fn strategy(&self, cell: &CellSetting) -> Strategy;
    /// Whether importance sampling applies (a private-branch race, rare in z).
    fn can_tilt(&self) -> bool {
        false
    }
    /// Zero-latency closed form of merchant z at share q, where one exists.
    fn closed_form(&self, q: f64, z: u32, setting: &Setting<'_>) -> Option<f64>;
    /// A rough value of merchant z's probability where no closed form applies, used only
    /// by `--method auto` to decide whether plain Monte Carlo would miss its target (never
    /// printed). Default: none (auto then keeps plain Monte Carlo for that z).
    fn guide(&self, _q: f64, _z: u32, _setting: &Setting<'_>) -> Option<f64> {
        None
    }
    /// Its log10 from a log-space evaluation where there is one (right below 1e-308).
    fn closed_form_log10(&self, q: f64, z: u32, setting: &Setting<'_>) -> Option<f64> {
        let l = self.closed_form(q, z, setting)?.log10();
        l.is_finite().then_some(l)
    }
    /// Blocks the attacker mines before an attempt can start (its wait is that many
    /// times T/q).
    fn blocks_before_attempt(&self) -> f64;
    /// Head start (`None`: drawn at random, e.g. from a pre-mining race) and when the
    /// attacker gives up, as the rows state them.
    fn row_labels(&self) -> (Option<u32>, crate::estimate::results::GiveUp);
    /// The tie rule as the rows' `tie` column states it. Default `first-seen` (on a network
    /// every node keeps the first block it saw).
    fn tie_label(&self) -> &'static str {
        "first-seen"
    }
    /// Costs are kept per largest reversed z (private-branch attacks) rather than in total.
    fn cost_by_top(&self) -> bool {
        false
    }
    /// Merchants the attacker's plan watches whatever z a run reports (Vector76 matches
    /// heights until merchant `plan_depth` accepted): the cell tracks acceptance up to
    /// the larger of this and the largest requested z, so a reported z's number does not
    /// depend on which other z were asked for. Default 0 (the plan watches none).
    fn plan_depth(&self) -> u32 {
        0
    }
    /// The network the attack runs on when none is given (no `--network`, no `[network]`
    /// table): a generated random network, or the zero-latency one for attacks that
    /// define their own delays (the Δ adversary).
    fn default_network(&self) -> NetworkModel {
        NetworkModel::Random
    }
    /// Rough single-thread cost of one trial in ns (for `dslab run`'s time estimate).
    fn trial_ns(&self, q: f64, z_max: u32, network: &NetworkSpec) -> f64;
    /// The attack on the zero-latency block race, validated, if it runs there (its engine
    /// when no network is given); None: the attack runs on the timed engine only.
    fn block_race(&self) -> Option<anyhow::Result<majority::RaceMajority>> {
        None
    }
    /// The `kind` this attack's experiment serialises under (fingerprints of earlier
    /// builds stay valid).
    fn experiment_kind(&self) -> &'static str {
        self.info().name
    }
}

/// The registry: one line per timed attack, `Variant(spec type)`. Generates [`NetAttack`]
/// (the serde-tagged choice of attack and its table) and the lookups by name.
macro_rules! attacks {
    ($( $(#[$doc:meta])* $variant:ident($spec:ty) ),* $(,)?) => {
        /// Which timed attack runs, with its parameter table.
        #[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
        #[serde(tag = "kind", rename_all = "kebab-case")]
        pub enum NetAttack {
            $( $(#[$doc])* $variant($spec), )*
        }

        impl NetAttack {
            /// The attack's behaviour.
            pub fn get(&self) -> &dyn TimedAttack {
                match self {
                    $( NetAttack::$variant(s) => s, )*
                }
            }

            /// The attack named `name` with its table (`None`: every default). Errors name
            /// the table's key.
            pub fn from_table(name: &str, table: Option<toml::Value>) -> anyhow::Result<NetAttack> {
                if is_game(name) {
                    return Err(crate::error::usage("attack", name, &format!(
                        "the {name} attack plays the selfish-mining game of the attacker MDP, \
                         not a lab scenario; run it with `dslab simulate --attack {name}` \
                         (docs/replay.md)"
                    )));
                }
                $(
                    if name == <$spec as Registered>::INFO.name {
                        let spec: $spec = match table {
                            None => <$spec>::default(),
                            Some(t) => t.clone().try_into().map_err(|e: toml::de::Error| {
                                table_error(name, &e, <$spec>::default().keys(), |one| toml::Value::Table(one).try_into::<$spec>().is_err(), &t)
                            })?,
                        };
                        return Ok(NetAttack::$variant(spec));
                    }
                )*
                Err(crate::error::usage("attack", name, &format!("use one of {}", names().join(", "))))
            }

            /// This attack with `key` of its own table set to `value` (a sweep point);
            /// None when `table` is not this attack's.
            pub fn with(&self, table: &str, key: &str, value: &toml::Value) -> Option<anyhow::Result<NetAttack>> {
                match self {
                    $( NetAttack::$variant(s) if table == <$spec as Registered>::INFO.name => {
                        Some(crate::net::sweep::apply(s, table, key, value).map(NetAttack::$variant))
                    } )*
                    _ => None,
                }
            }
        }

        /// Every registered attack's entry, in registry order (the block-race-only
        /// majority entry included through its timed variant).
        pub const ALL: &[&Info] = &[ $( &<$spec as Registered>::INFO ),* ];
    };
}

/// A table that does not deserialise, with its key named as `table.key` (so a scenario
/// file's error gives its line): a key the attack does not list (`known`, its
/// [`TimedAttack::keys`]), or the first key whose value alone does not deserialise
/// (`fails` tries a one-key table; every key of a table has a default).
fn table_error(
    name: &str,
    e: &toml::de::Error,
    known: &[(&str, Option<&str>)],
    fails: impl Fn(toml::Table) -> bool,
    table: &toml::Value,
) -> anyhow::Error {
    let msg = e.message().trim();
    let fix = format!("see attacks/README.md for the [{name}] table's keys");
    let keys = || table.as_table().into_iter().flat_map(|t| t.iter());
    if let Some((key, _)) = keys().find(|(k, _)| !known.iter().any(|(n, _)| n == k)) {
        let listed: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
        let fix = match listed.is_empty() {
            true => format!("the [{name}] table takes no keys; {fix}"),
            false => format!("use one of {}; {fix}", listed.join(", ")),
        };
        return crate::error::usage(&format!("{name}.{key}"), "unknown key", &fix);
    }
    match keys().find(|(k, v)| fails(toml::Table::from_iter([((*k).clone(), (*v).clone())]))) {
        Some((key, value)) => {
            crate::error::usage(&format!("{name}.{key}"), value, &format!("{msg}; {fix}"))
        }
        None => crate::error::usage(&format!("[{name}]"), msg, &fix),
    }
}

/// A parameter table in the registry: its entry.
pub trait Registered {
    /// The registry entry.
    const INFO: Info;
}

attacks! {
    /// Majority (private-chain) attack (block race without a network, else timed).
    Majority(majority::MajoritySpec),
    /// Finney attack.
    Finney(finney::FinneySpec),
    /// Race attack.
    Race(race::RaceSpec),
    /// Vector76 attack.
    Vector76(vector76::Vector76Spec),
    /// Rented-hash attacker.
    Rental(rental::RentalSpec),
    /// Δ-bounded private attacker.
    DelayPrivate(delay_private::DelayPrivateSpec),
    /// Opportunistic attacker (head start from the stationary pre-mining lead).
    Opportunistic(opportunistic::OpportunisticSpec),
    /// Δ-bounded balancing attacker.
    Balancing(balancing::BalancingSpec),
}

impl NetAttack {
    /// The one rule for the engine: without a network (`network_given` false: no
    /// `--network`, no `[network]` table), an attack that runs on the zero-latency block
    /// race runs there, validated (see [`TimedAttack::block_race`]); `None`: the timed
    /// engine.
    pub fn race_engine(
        &self,
        network_given: bool,
    ) -> Option<anyhow::Result<majority::RaceMajority>> {
        if network_given {
            None
        } else {
            self.get().block_race()
        }
    }
}

/// The unit of the attack table's key `table.key` (e.g. `rental.window`: seconds), for
/// axis titles; `None` for unitless keys, unknown tables and unknown keys.
pub fn key_unit(table: &str, key: &str) -> Option<&'static str> {
    let attack = NetAttack::from_table(table, None).ok()?;
    let keys = attack.get().keys();
    keys.iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, unit)| *unit)
}

/// The registered attacks importance sampling applies to (their default table can be
/// tilted: [`TimedAttack::can_tilt`]), in registry order.
pub fn tiltable_names() -> Vec<&'static str> {
    names()
        .into_iter()
        .filter(|n| NetAttack::from_table(n, None).is_ok_and(|a| a.get().can_tilt()))
        .collect()
}

/// The registered names, in registry order.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|i| i.name).collect()
}

/// The attacks of the MDP's mining game (`game`, `crate::blockrace::game`): `dslab
/// simulate` only, never a scenario or a report row. Kept apart from [`ALL`] because they
/// have no timed-engine behaviour: [`names`] and [`info`] (scenarios, reports) list the
/// timed attacks, so a scenario naming a game attack gets the located "use one of"
/// error; [`simulate_names`] and [`game_info`] add the game attacks.
pub const GAME: &[&Info] = &[&game::selfish::INFO, &game::policy::INFO];

/// The entry of the mining-game attack named `name`.
pub fn game_info(name: &str) -> Option<&'static Info> {
    GAME.iter().copied().find(|i| i.name == name)
}

/// Whether `name` is an attack of the mining game.
pub fn is_game(name: &str) -> bool {
    game_info(name).is_some()
}

/// Every `dslab simulate --attack` value: the timed registry, then the game attacks.
pub fn simulate_names() -> Vec<&'static str> {
    ALL.iter().chain(GAME).map(|i| i.name).collect()
}

/// The entry of the timed attack named `name`.
pub fn info(name: &str) -> Option<&'static Info> {
    ALL.iter().copied().find(|i| i.name == name)
}

/// Whether the attack named `name` has a closed form that does not depend on a network
/// (its rows' convention is the block race's: head start and tie rule; see
/// [`Info::convention_closed_form`]). Unknown names: no.
pub fn convention_closed_form(name: &str) -> bool {
    info(name).is_some_and(|i| i.convention_closed_form)
}

/// Whether the attack named `name` plays the Δ-bounded model: it sets the delays itself,
/// so its default network is the zero-latency one (see [`TimedAttack::default_network`]);
/// its rows get the latency–security bounds beside them.
pub fn delta_model(name: &str) -> bool {
    NetAttack::from_table(name, None).is_ok_and(|a| a.get().default_network() == NetworkModel::None)
}

/// Whether the attack named `name` has a give-up rule (unknown names: yes, so nothing is
/// hidden).
pub fn gives_up(name: &str) -> bool {
    info(name).is_none_or(|i| i.gives_up)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UsageError;

    fn usage_error(name: &str, table: &str) -> UsageError {
        let t: toml::Value = toml::from_str(table).unwrap();
        let e = NetAttack::from_table(name, Some(t)).unwrap_err();
        e.downcast_ref::<UsageError>().cloned().unwrap()
    }

    #[test]
    fn a_misspelt_key_is_named_with_the_keys_to_use() {
        let e = usage_error("finney", "giveup = 3");
        assert_eq!(e.what, "finney.giveup");
        assert_eq!(e.value.as_deref(), Some("unknown key"));
        assert!(e.fix.contains("use one of give_up"), "{}", e.fix);
        let e = usage_error("opportunistic", "premined = 1");
        assert_eq!(e.what, "opportunistic.premined");
        assert!(e.fix.contains("takes no keys"), "{}", e.fix);
    }

    #[test]
    fn a_bad_value_is_named_by_its_key() {
        let e = usage_error("rental", "window = 600.0\npremine_time = \"soon\"");
        assert_eq!(e.what, "rental.premine_time");
        assert_eq!(e.value.as_deref(), Some("\"soon\""));
    }
}
