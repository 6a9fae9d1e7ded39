//! Scenario files (`attacks/*.toml`): the file schema and its conversion into a validated
//! [`Experiment`].
//!
//! The raw file ([`ScenarioFile`]) is dumb serde data with `deny_unknown_fields`, so a typo
//! is an error rather than a silent default; every value keeps its position in the file, so
//! every error names the file, the line and the key. Attack-specific settings live in named
//! optional tables (`[majority]`, later `[finney]`, `[race]`, `[network]`, …): a new attack
//! adds one table here and one arm in `ScenarioFile::attack_spec`.
//! Depends on `params`, `experiment` and `stats`; reads no files (the caller passes the text).

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::attack::majority::MajorityNetSpec;
use crate::attack::{NetAttack, NetExperiment, NetTables};
use crate::error::{UsageError, usage};
use crate::experiment::{
    AttackSpec, DEFAULT_MAX_TRIALS, Experiment, MajoritySpec, Method, Sampling,
};
use crate::net::spec::{MerchantSpec, NetworkSpec};
use crate::net::sweep::Sweep;
use crate::params::{Convention, TieRule, parse_simulated_shares, parse_z_list};
use crate::stats::CiMethod;

/// A scenario shipped inside the binary (the built-in lab of `dslab run`).
#[derive(Clone, Copy, Debug)]
pub struct BuiltinScenario {
    /// Scenario name: the file stem, and the folder name under `reports/`.
    pub name: &'static str,
    /// The file's text.
    pub text: &'static str,
}

/// The built-in lab, in the order it runs and appears in `reports/README.md`.
/// To ship a new scenario, add the file to `attacks/` and one line here.
pub const BUILTIN: &[BuiltinScenario] = &[
    BuiltinScenario {
        name: "majority",
        text: include_str!("../attacks/majority.toml"),
    },
    BuiltinScenario {
        name: "majority-classical",
        text: include_str!("../attacks/majority-classical.toml"),
    },
    BuiltinScenario {
        name: "majority-tie",
        text: include_str!("../attacks/majority-tie.toml"),
    },
    BuiltinScenario {
        name: "majority-51",
        text: include_str!("../attacks/majority-51.toml"),
    },
    BuiltinScenario {
        name: "nakamoto-check",
        text: include_str!("../attacks/nakamoto-check.toml"),
    },
    BuiltinScenario {
        name: "finney",
        text: include_str!("../attacks/finney.toml"),
    },
    BuiltinScenario {
        name: "finney-deep",
        text: include_str!("../attacks/finney-deep.toml"),
    },
    BuiltinScenario {
        name: "race",
        text: include_str!("../attacks/race.toml"),
    },
    BuiltinScenario {
        name: "race-first-seen",
        text: include_str!("../attacks/race-first-seen.toml"),
    },
    BuiltinScenario {
        name: "vector76",
        text: include_str!("../attacks/vector76.toml"),
    },
    BuiltinScenario {
        name: "delay-private",
        text: include_str!("../attacks/delay-private.toml"),
    },
    BuiltinScenario {
        name: "balancing",
        text: include_str!("../attacks/balancing.toml"),
    },
];

/// Defaults of the optional top-level keys (documented in `attacks/README.md`; the same as
/// `dslab simulate`'s flags).
pub mod defaults {
    /// Attacker shares.
    pub const Q: &str = "0.1,0.2,0.3,0.4";
    /// Confirmations.
    pub const Z: &str = "0..10";
    /// Trials per q.
    pub const TRIALS: u64 = 1_000_000;
    /// Master seed.
    pub const SEED: u64 = 1;
    /// Interval confidence level.
    pub const CONFIDENCE: f64 = 0.95;
}

/// A loaded, validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name (file stem; the report folder's name).
    pub name: String,
    /// The file's text, verbatim (copied into the report folder).
    pub text: String,
    /// The comment header: what question the scenario answers (without the `#`).
    pub question: Vec<String>,
    /// The experiment it describes.
    pub experiment: Experiment,
}

/// The raw scenario file. Keys not listed here are errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// `majority`, `finney`, `race` or `vector76`.
    pub attack: Spanned<String>,
    /// Attacker shares: a string like the `--q` flag, or an array of numbers.
    pub q: Option<Spanned<toml::Value>>,
    /// Confirmations: a string like the `--z` flag, or an array of integers.
    pub z: Option<Spanned<toml::Value>>,
    /// Trials per q.
    pub trials: Option<Spanned<toml::Value>>,
    /// Master seed.
    pub seed: Option<Spanned<i64>>,
    /// `wilson` or `clopper-pearson`.
    pub ci: Option<Spanned<String>>,
    /// Interval confidence level in (0, 1).
    pub confidence: Option<Spanned<f64>>,
    /// Settings of the majority attack.
    pub majority: Option<Spanned<MajorityTable>>,
    /// Estimator: `mc`, `is` or `auto`.
    pub method: Option<Spanned<String>>,
    /// Run each q until every interval is within this fraction of its estimate.
    pub rel_error: Option<Spanned<f64>>,
    /// Trial cap per q of a `rel_error` run.
    pub max_trials: Option<Spanned<toml::Value>>,
    /// Attacker share importance sampling draws blocks with (default ½).
    pub tilt: Option<Spanned<f64>>,
    /// `[network]`: the peer-to-peer network (docs/network.md).
    pub network: Option<Spanned<NetworkSpec>>,
    /// `[merchant]`: the merchant's policy.
    pub merchant: Option<Spanned<MerchantSpec>>,
    /// `[sweep]`: a defence sweep over one merchant or network parameter.
    pub sweep: Option<Spanned<Sweep>>,
}

/// The registered timed attacks' own tables (`[finney]`, `[race]`, `[rental]`, ...),
/// taken out of the file before the schema above reads the rest (see [`split_attack_tables`]).
#[derive(Debug, Default)]
struct AttackTables {
    /// (table name, its value, byte offset of its header), in file order.
    tables: Vec<(String, toml::Value, usize)>,
}

/// Take the tables of registered timed attacks (other than `[majority]`, which has its own
/// schema) out of `text`: returns the text with those sections blanked (same length and
/// line breaks, so every span and line number of the rest stays right) and the tables.
fn split_attack_tables(file: &str, text: &str) -> anyhow::Result<(String, AttackTables)> {
    let raw: toml::Table = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
    let mut out = AttackTables::default();
    let mut blanked = text.to_string();
    for name in crate::attack::names()
        .into_iter()
        .filter(|&n| n != "majority")
    {
        let Some(value) = raw.get(name) else {
            continue;
        };
        let Some((start, end)) = section(text, name) else {
            return Err(UsageError(format!(
                "{file}: key `{name}`: write the {name} attack's settings as a [{name}] section"
            ))
            .into());
        };
        let blank: String = text[start..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        blanked.replace_range(start..end, &blank);
        out.tables.push((name.to_string(), value.clone(), start));
    }
    Ok((blanked, out))
}

/// Byte range of the `[name]` section of `text`: its header line up to the next header.
fn section(text: &str, name: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            if start.is_some() {
                return start.map(|s| (s, offset));
            }
            let inner = t.trim_start_matches('[').split(']').next().unwrap_or("");
            if inner.trim() == name {
                start = Some(offset);
            }
        }
        offset += line.len();
    }
    start.map(|s| (s, text.len()))
}

/// `[majority]`: head start, tie rule and give-up of the private-chain attack.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MajorityTable {
    /// Head start k in blocks.
    pub premined: Option<Spanned<i64>>,
    /// `first-seen` or `gamma=G`.
    pub tie: Option<Spanned<String>>,
    /// The literature's convention (first-seen with k = 1).
    pub classical: Option<Spanned<bool>>,
    /// Deficit in blocks at which the attacker abandons.
    pub give_up: Option<Spanned<i64>>,
    /// Walk every trial to its end (validation; slower).
    pub walk: Option<bool>,
}

/// Where a value came from, for error messages: the file and its text.
struct Origin<'a> {
    file: &'a str,
    text: &'a str,
}

impl Origin<'_> {
    /// `attacks/x.toml, line 4, key `q``.
    fn at(&self, key: &str, span: Range<usize>) -> String {
        format!(
            "{}, line {}, key `{key}`",
            self.file,
            line_of(self.text, span.start)
        )
    }

    fn err<T: std::fmt::Display>(
        &self,
        key: &str,
        v: &Spanned<T>,
        value: impl std::fmt::Display,
        fix: &str,
    ) -> anyhow::Error {
        usage(&self.at(key, v.span()), value, fix)
    }
}

/// The line of the `table.key` an error message starts with (e.g. `merchant.peers '0': …`),
/// if that key is written in `text`.
fn key_line(text: &str, message: &str) -> Option<usize> {
    let dotted = message.split_whitespace().next()?;
    let (table, key) = dotted.split_once('.')?;
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with('[') {
            in_table = l.trim_start_matches('[').trim_end_matches(']').trim() == table;
        } else if in_table && l.split('=').next().map(str::trim) == Some(key) {
            return Some(i + 1);
        }
    }
    None
}

/// 1-based line number of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parse and validate a scenario. `file` names it in messages (a path, or
/// `built-in attacks/NAME.toml`); `name` becomes the experiment's name.
pub fn parse(file: &str, name: &str, text: &str) -> anyhow::Result<Scenario> {
    let (rest, tables) = split_attack_tables(file, text)?;
    let raw: ScenarioFile = toml::from_str(&rest).map_err(|e| syntax_error(file, text, &e))?;
    let origin = Origin { file, text };
    let experiment = raw.experiment(&origin, name, &tables)?;
    Ok(Scenario {
        name: name.to_string(),
        text: text.to_string(),
        question: question(text),
        experiment,
    })
}

/// The leading comment lines of a scenario, without the `#`.
pub fn question(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// A TOML or schema error, rewritten to name the file, the line and the key.
fn syntax_error(file: &str, text: &str, e: &toml::de::Error) -> anyhow::Error {
    let msg = e.message().trim();
    let Some(span) = e.span() else {
        return UsageError(format!("{file}: {msg}")).into();
    };
    let line = line_of(text, span.start);
    let key = key_at(text, span.start)
        .or_else(|| {
            msg.starts_with("missing field")
                .then(|| quoted_field(msg))
                .flatten()
        })
        .map_or(String::new(), |k| format!(", key `{k}`"));
    let fix = if msg.starts_with("unknown field") {
        "; see attacks/README.md for every key"
    } else {
        ""
    };
    UsageError(format!("{file}, line {line}{key}: {msg}{fix}")).into()
}

/// The dotted key (`majority.tie`) of the `key = value` line holding `offset`, if any.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("");
    let (k, _) = line.split_once('=')?;
    let k = k.trim().trim_matches('"');
    let plausible = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    plausible.then(|| match table_above(&text[..start]) {
        Some(t) => format!("{t}.{k}"),
        None => k.to_string(),
    })
}

/// The `[table]` header in force at the end of `before`, if any.
fn table_above(before: &str) -> Option<String> {
    let last = before
        .lines()
        .map(str::trim)
        .rfind(|l| l.starts_with('[') && l.contains(']'))?;
    let inner = last.trim_start_matches('[').split(']').next()?;
    Some(inner.trim().to_string())
}

/// The first `` `name` `` in a serde message (e.g. a missing field).
fn quoted_field(msg: &str) -> Option<String> {
    let rest = msg.split_once('`')?.1;
    Some(rest.split_once('`')?.0.to_string())
}

impl ScenarioFile {
    fn experiment(
        &self,
        o: &Origin<'_>,
        name: &str,
        tables: &AttackTables,
    ) -> anyhow::Result<Experiment> {
        let attack = self.attack_spec(o, tables)?;
        Ok(Experiment {
            name: name.to_string(),
            attack,
            qs: self.shares(o)?,
            zs: self.confirmations(o)?,
            trials: self.trials(o)?,
            seed: self.seed(o)?,
            ci: self.ci(o)?,
            confidence: self.confidence(o)?,
            sampling: self.sampling(o)?,
        })
    }

    /// `method`, `rel_error`, `tilt` (and `max_trials`, which only makes sense with a target).
    fn sampling(&self, o: &Origin<'_>) -> anyhow::Result<Sampling> {
        let method = match self.method.as_ref().map(|m| (m, m.get_ref().as_str())) {
            None | Some((_, "mc")) => Method::Mc,
            Some((_, "is")) => Method::Is,
            Some((_, "auto")) => Method::Auto,
            Some((m, v)) => return Err(o.err("method", m, v, "use \"mc\", \"is\" or \"auto\"")),
        };
        if let Some(t) = self.tilt.as_ref().filter(|_| method == Method::Mc) {
            return Err(o.err(
                "tilt",
                t,
                t.get_ref(),
                "the tilt is importance sampling's: add method = \"is\" (or \"auto\"), or drop tilt",
            ));
        }
        if let Some(m) = self.method.as_ref().filter(|_| method == Method::Is)
            && matches!(self.attack.get_ref().as_str(), "race" | "vector76")
        {
            return Err(o.err(
                "method",
                m,
                "is",
                "importance sampling applies to the private-branch attacks (majority, finney); \
                 use \"mc\" or \"auto\" for race and vector76",
            ));
        }
        let open = |key: &str, v: &Option<Spanned<f64>>, what: &str| match v {
            None => Ok(None),
            Some(x) if *x.get_ref() > 0.0 && *x.get_ref() < 1.0 => Ok(Some(*x.get_ref())),
            Some(x) => Err(o.err(
                key,
                x,
                x.get_ref(),
                &format!("{what} must be strictly between 0 and 1"),
            )),
        };
        Ok(Sampling {
            method,
            rel_error: open(
                "rel_error",
                &self.rel_error,
                "the relative error, e.g. 0.05,",
            )?,
            tilt: open("tilt", &self.tilt, "the tilted attacker share")?,
        })
    }

    /// The attack and its table; tables of other attacks are errors.
    fn attack_spec(&self, o: &Origin<'_>, tables: &AttackTables) -> anyhow::Result<AttackSpec> {
        let a = &self.attack;
        let attack = a.get_ref().as_str();
        if let Some((other, _, at)) = tables.tables.iter().find(|t| t.0 != attack) {
            return Err(usage(
                &o.at(other, *at..*at + 1),
                format!("[{other}]"),
                &format!("this table belongs to the {other} attack, but attack = \"{attack}\""),
            ));
        }
        if attack == "majority" {
            return self.majority_attack(o, tables);
        }
        if crate::attack::info(attack).is_none() {
            let names = crate::attack::names().join(", ");
            return Err(o.err("attack", a, attack, &format!("use one of {names}")));
        }
        let table = tables.tables.first().map(|t| t.1.clone());
        let spec = NetAttack::from_table(attack, table).map_err(|e| self.locate(o, e))?;
        Ok(AttackSpec::Timed(self.net_experiment(o, spec)?))
    }

    /// The majority attack: the zero-latency block race, or the timed engine with a
    /// `[network]` table.
    fn majority_attack(&self, o: &Origin<'_>, tables: &AttackTables) -> anyhow::Result<AttackSpec> {
        let a = &self.attack;
        if !self.on_network() {
            let stray = [
                ("merchant", self.merchant.as_ref().map(|t| t.span())),
                ("sweep", self.sweep.as_ref().map(|t| t.span())),
            ];
            if let Some((name, Some(span))) = stray.into_iter().find(|t| t.1.is_some()) {
                return Err(usage(
                    &o.at(name, span),
                    format!("[{name}]"),
                    "the majority attack runs in the zero-latency block race unless a \
                     [network] table is given; add [network] (model = \"none\" or \
                     \"random\") or remove this table",
                ));
            }
            debug_assert!(tables.tables.is_empty());
            return Ok(AttackSpec::Majority(self.majority_spec(o)?));
        }
        let m = self.majority_spec(o)?;
        if m.convention.tie != TieRule::FirstSeen || m.walk {
            let span = self.majority.as_ref().map_or(a.span(), |t| t.span());
            return Err(usage(
                &o.at("majority", span),
                "tie/walk",
                "on a network ties are settled by arrival order and every race is walked: \
                 remove majority.tie and majority.walk",
            ));
        }
        let spec = NetAttack::Majority(MajorityNetSpec {
            premined: m.convention.premined,
            give_up: m.give_up,
        });
        Ok(AttackSpec::Timed(self.net_experiment(o, spec)?))
    }

    /// Whether the majority attack runs on a network (a `[network]` table is present).
    fn on_network(&self) -> bool {
        self.network.is_some()
    }

    /// The network experiment of the attack; validation errors name the file and,
    /// where it can be found, the line of the key.
    fn net_experiment(&self, o: &Origin<'_>, attack: NetAttack) -> anyhow::Result<NetExperiment> {
        if attack.get().info().name != "majority" && self.majority.is_some() {
            let span = self.majority.as_ref().map_or(0..0, |t| t.span());
            let name = attack.get().info().name;
            return Err(usage(
                &o.at("majority", span),
                "[majority]",
                &format!("this table belongs to the majority attack, but attack = \"{name}\""),
            ));
        }
        let tables = NetTables {
            attack: None,
            network: self.network.as_ref().map(|t| t.get_ref().clone()),
            merchant: self.merchant.as_ref().map(|t| t.get_ref().clone()),
            sweep: self.sweep.as_ref().map(|t| t.get_ref().clone()),
        };
        NetExperiment::from_tables(attack, tables).map_err(|e| self.locate(o, e))
    }

    /// An error about a key, placed at the file and (where it can be found) its line.
    fn locate(&self, o: &Origin<'_>, e: anyhow::Error) -> anyhow::Error {
        let line = key_line(o.text, &e.to_string());
        let place = match line {
            Some(n) => format!("{}, line {n}", o.file),
            None => o.file.to_string(),
        };
        e.context(place)
    }

    fn majority_spec(&self, o: &Origin<'_>) -> anyhow::Result<MajoritySpec> {
        let Some(t) = &self.majority else {
            return Ok(MajoritySpec {
                convention: Convention::DEFAULT,
                give_up: None,
                walk: false,
            });
        };
        let t = t.get_ref();
        if t.walk == Some(true) && t.give_up.is_none() {
            return Err(usage(
                &format!("{}, key `majority.walk`", o.file),
                true,
                "a walked race needs an end: add give_up = D (e.g. 40)",
            ));
        }
        Ok(MajoritySpec {
            convention: t.convention(o)?,
            give_up: match &t.give_up {
                None => None,
                Some(g) => {
                    let d = positive_u32(o, "majority.give_up", g, "blocks behind")?;
                    let at = o.at("majority.give_up", g.span());
                    crate::params::check_give_up(&at, d)?;
                    Some(d)
                }
            },
            walk: t.walk.unwrap_or(false),
        })
    }

    fn shares(&self, o: &Origin<'_>) -> anyhow::Result<Vec<f64>> {
        let Some(v) = &self.q else {
            return parse_simulated_shares("q", defaults::Q);
        };
        let text = list_text(
            o,
            "q",
            v,
            "a string like \"0.1,0.3\" or an array like [0.1, 0.3]",
        )?;
        parse_simulated_shares(&o.at("q", v.span()), &text)
    }

    fn confirmations(&self, o: &Origin<'_>) -> anyhow::Result<Vec<u32>> {
        let Some(v) = &self.z else {
            return parse_z_list("z", defaults::Z);
        };
        let text = list_text(
            o,
            "z",
            v,
            "a string like \"0..10\" or an array like [0, 1, 6]",
        )?;
        parse_z_list(&o.at("z", v.span()), &text)
    }

    fn trials(&self, o: &Origin<'_>) -> anyhow::Result<u64> {
        // With a precision target, `trials` is the cap per q: `max_trials` names it.
        if self.rel_error.is_some() {
            if let Some(t) = &self.trials {
                return Err(o.err("trials", t, t.get_ref(), "with rel_error the run stops at the target; give the cap as max_trials instead"));
            }
            return match &self.max_trials {
                None => Ok(DEFAULT_MAX_TRIALS),
                Some(m) => count(o, "max_trials", m, "allow at least 1 trial per q"),
            };
        }
        if let Some(m) = &self.max_trials {
            return Err(o.err(
                "max_trials",
                m,
                m.get_ref(),
                "max_trials caps a rel_error run; add rel_error or use trials",
            ));
        }
        match &self.trials {
            None => Ok(defaults::TRIALS),
            Some(t) => count(o, "trials", t, "run at least 1 trial per q"),
        }
    }

    fn seed(&self, o: &Origin<'_>) -> anyhow::Result<u64> {
        match &self.seed {
            None => Ok(defaults::SEED),
            Some(s) if *s.get_ref() >= 0 => Ok(*s.get_ref() as u64),
            Some(s) => Err(o.err("seed", s, s.get_ref(), "use a non-negative integer")),
        }
    }

    fn ci(&self, o: &Origin<'_>) -> anyhow::Result<CiMethod> {
        match self.ci.as_ref().map(|c| (c, c.get_ref().as_str())) {
            None | Some((_, "wilson")) => Ok(CiMethod::Wilson),
            Some((_, "clopper-pearson")) => Ok(CiMethod::ClopperPearson),
            Some((c, v)) => Err(o.err("ci", c, v, "use \"wilson\" or \"clopper-pearson\"")),
        }
    }

    fn confidence(&self, o: &Origin<'_>) -> anyhow::Result<f64> {
        match &self.confidence {
            None => Ok(defaults::CONFIDENCE),
            Some(c) if *c.get_ref() > 0.0 && *c.get_ref() < 1.0 => Ok(*c.get_ref()),
            Some(c) => Err(o.err(
                "confidence",
                c,
                c.get_ref(),
                "the confidence level must be strictly between 0 and 1, e.g. 0.95",
            )),
        }
    }
}

impl MajorityTable {
    fn convention(&self, o: &Origin<'_>) -> anyhow::Result<Convention> {
        if let Some(c) = &self.classical {
            let clash = self.premined.is_some() || self.tie.is_some();
            if *c.get_ref() && clash {
                return Err(o.err(
                    "majority.classical",
                    c,
                    true,
                    "classical = true already fixes tie = \"first-seen\" and premined = 1; \
                     remove premined and tie, or set classical = false",
                ));
            }
            if *c.get_ref() {
                return Ok(Convention::CLASSICAL);
            }
        }
        let tie = match &self.tie {
            None => TieRule::FirstSeen,
            Some(t) => TieRule::parse(&o.at("majority.tie", t.span()), t.get_ref())?,
        };
        let premined = match &self.premined {
            None => 0,
            Some(k) => non_negative_u32(o, "majority.premined", k, "blocks")?,
        };
        Ok(Convention { premined, tie })
    }
}

/// A q or z value as the flag syntax: strings pass through, arrays are joined with commas.
/// A trial count: a whole number ≥ 1, written as an integer (1000000) or as a float whose
/// value is whole (1e6, 2.5e6; TOML reads those as floats), up to 2^53.
fn count(o: &Origin<'_>, key: &str, v: &Spanned<toml::Value>, fix: &str) -> anyhow::Result<u64> {
    const MAX: f64 = 9_007_199_254_740_992.0; // 2^53: every whole float below is exact
    let n = match v.get_ref() {
        toml::Value::Integer(n) => Some(*n as f64),
        toml::Value::Float(f) if f.fract() == 0.0 && *f <= MAX => Some(*f),
        _ => None,
    };
    match n {
        Some(n) if n >= 1.0 => Ok(n as u64),
        Some(_) => Err(o.err(key, v, v.get_ref(), fix)),
        None => Err(o.err(
            key,
            v,
            v.get_ref(),
            "give a whole number of trials, e.g. 1000000 or 1e6",
        )),
    }
}

fn list_text(
    o: &Origin<'_>,
    key: &str,
    v: &Spanned<toml::Value>,
    expected: &str,
) -> anyhow::Result<String> {
    let bad = || o.err(key, v, v.get_ref(), &format!("give {expected}"));
    match v.get_ref() {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Integer(n) => Ok(n.to_string()),
        toml::Value::Array(items) if items.is_empty() => Err(o.err(
            key,
            v,
            "[]",
            &format!("give at least one value: {expected}"),
        )),
        toml::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                toml::Value::Float(f) => Ok(f.to_string()),
                toml::Value::Integer(n) => Ok(n.to_string()),
                _ => Err(bad()),
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(|parts| parts.join(",")),
        _ => Err(bad()),
    }
}

fn non_negative_u32(
    o: &Origin<'_>,
    key: &str,
    v: &Spanned<i64>,
    unit: &str,
) -> anyhow::Result<u32> {
    u32::try_from(*v.get_ref()).map_err(|_| {
        o.err(
            key,
            v,
            v.get_ref(),
            &format!("use a whole number of {unit}, 0 or more"),
        )
    })
}

fn positive_u32(o: &Origin<'_>, key: &str, v: &Spanned<i64>, unit: &str) -> anyhow::Result<u32> {
    match u32::try_from(*v.get_ref()) {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(o.err(
            key,
            v,
            v.get_ref(),
            &format!("use a whole number of {unit}, 1 or more (leave the key out for never)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn majority(e: &Experiment) -> &MajoritySpec {
        match &e.attack {
            AttackSpec::Majority(m) => m,
            other => panic!("expected the majority attack, got {other:?}"),
        }
    }

    fn err(text: &str) -> String {
        let e = parse("x.toml", "x", text).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2, "a usage error: {e:#}");
        format!("{e:#}")
    }

    #[test]
    fn minimal_file_takes_the_documented_defaults() {
        let s = parse("x.toml", "x", "# Q?\nattack = \"majority\"\n").unwrap();
        let e = &s.experiment;
        assert_eq!(e.qs, vec![0.1, 0.2, 0.3, 0.4]);
        assert_eq!(e.zs, (0..=10).collect::<Vec<_>>());
        assert_eq!((e.trials, e.seed, e.confidence), (1_000_000, 1, 0.95));
        assert_eq!(e.ci, CiMethod::Wilson);
        assert_eq!(s.question, vec!["Q?".to_string()]);
        let m = majority(e);
        assert_eq!(m.convention, Convention::DEFAULT);
        assert_eq!(m.give_up, None);
    }

    #[test]
    fn arrays_and_strings_give_the_same_grid() {
        let a = parse(
            "a",
            "a",
            "attack = \"majority\"\nq = [0.1, 0.3]\nz = [0, 1, 6]\n",
        )
        .unwrap();
        let b = parse(
            "b",
            "a",
            "attack = \"majority\"\nq = \"0.1,0.3\"\nz = \"0,1,6\"\n",
        )
        .unwrap();
        assert_eq!(a.experiment, b.experiment);
    }

    #[test]
    fn majority_table_sets_the_convention() {
        let s = parse(
            "x",
            "x",
            "attack = \"majority\"\n[majority]\ntie = \"gamma=0.5\"\npremined = 2\ngive_up = 30\n",
        )
        .unwrap();
        let m = majority(&s.experiment);
        assert_eq!(m.convention.tie, TieRule::Gamma(0.5));
        assert_eq!(m.convention.premined, 2);
        assert_eq!(m.give_up, Some(30));
        let c = parse(
            "x",
            "x",
            "attack = \"majority\"\n[majority]\nclassical = true\n",
        )
        .unwrap();
        let m = majority(&c.experiment);
        assert_eq!(m.convention, Convention::CLASSICAL);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let m = err("# header\nattack = \"majority\"\ntrails = 5\n");
        assert!(m.contains("x.toml, line 3, key `trails`"), "{m}");
        assert!(m.contains("unknown field"), "{m}");
    }

    #[test]
    fn unknown_key_in_a_table_names_the_dotted_key() {
        let m = err("attack = \"majority\"\n\n[majority]\npremine = 1\n");
        assert!(m.contains("line 4, key `majority.premine`"), "{m}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let m = err("attack = \"majority\"\ntrials = \"many\"\n");
        assert!(m.contains("line 2, key `trials`"), "{m}");
    }

    #[test]
    fn bad_values_name_line_key_value_and_fix() {
        let m = err("attack = \"majority\"\nq = \"0.1,1.5\"\n");
        assert!(m.contains("x.toml, line 2, key `q` '0.1,1.5'"), "{m}");
        assert!(m.contains("outside [0, 1]"), "{m}");
        let m = err("attack = \"majority\"\n[majority]\ntie = \"last-seen\"\n");
        assert!(m.contains("line 3, key `majority.tie` 'last-seen'"), "{m}");
        let m = err("attack = \"majority\"\ntrials = 0\n");
        assert!(m.contains("line 2, key `trials` '0'"), "{m}");
        let m = err("attack = \"majority\"\nz = \"5..2\"\n");
        assert!(
            m.contains("line 2, key `z`") && m.contains("reversed"),
            "{m}"
        );
        let m = err("attack = \"majority\"\nconfidence = 1.5\n");
        assert!(m.contains("key `confidence` '1.5'"), "{m}");
        let m = err("attack = \"majority\"\n[majority]\ngive_up = 0\n");
        assert!(m.contains("key `majority.give_up` '0'"), "{m}");
    }

    #[test]
    fn classical_conflicts_with_explicit_convention() {
        let m = err("attack = \"majority\"\n[majority]\nclassical = true\npremined = 0\n");
        assert!(m.contains("line 3, key `majority.classical`"), "{m}");
    }

    #[test]
    fn unknown_attacks_are_a_clear_usage_error() {
        let m = err("# h\n\nattack = \"selfish\"\n");
        assert!(m.contains("x.toml, line 3, key `attack` 'selfish'"), "{m}");
        assert!(m.contains("use one of majority"), "{m}");
    }

    #[test]
    fn network_tables_are_checked_and_errors_name_file_line_and_key() {
        let m = err("attack = \"finney\"\n[network]\nmodel = \"random\"\n[merchant]\npeers = 0\n");
        assert!(
            m.contains("x.toml, line 5") && m.contains("merchant.peers"),
            "{m}"
        );
        let m = err("attack = \"race\"\n[finney]\n");
        assert!(
            m.contains("[finney]") && m.contains("attack = \"race\""),
            "{m}"
        );
        let m = err("attack = \"majority\"\n[merchant]\npeers = 3\n");
        assert!(
            m.contains("line 2, key `merchant`") && m.contains("[network]"),
            "{m}"
        );
        let m = err("attack = \"vector76\"\n[network]\nmodle = \"none\"\n");
        assert!(m.contains("line 3, key `network.modle`"), "{m}");
    }

    #[test]
    fn network_attacks_parse() {
        for attack in ["finney", "race", "vector76"] {
            let s = parse(
                "x.toml",
                "x",
                &format!("attack = \"{attack}\"\n[network]\nmodel = \"none\"\n"),
            )
            .expect("valid");
            assert_eq!(s.experiment.attack.name(), attack);
        }
        let s = parse(
            "x.toml",
            "x",
            "attack = \"majority\"\n[network]\nmodel = \"random\"\n",
        )
        .expect("valid");
        assert!(matches!(s.experiment.attack, AttackSpec::Timed(_)));
    }

    #[test]
    fn missing_attack_is_named() {
        let m = err("q = \"0.1\"\n");
        assert!(m.contains("attack"), "{m}");
    }

    #[test]
    fn syntax_errors_give_the_line() {
        let m = err("attack = \"majority\"\nq = [0.1,\n");
        assert!(m.contains("x.toml, line"), "{m}");
        let m = err("attack = \"majority\"\n[majority\n");
        assert!(m.contains("x.toml, line 2: "), "{m}");
    }

    #[test]
    fn a_single_number_is_a_one_value_grid() {
        let s = parse("x", "x", "attack = \"majority\"\nq = 0.25\nz = 6\n").unwrap();
        assert_eq!(s.experiment.qs, vec![0.25]);
        assert_eq!(s.experiment.zs, vec![6]);
    }

    #[test]
    fn every_builtin_scenario_is_valid_and_says_what_it_answers() {
        for b in BUILTIN {
            let s = parse(b.name, b.name, b.text).unwrap_or_else(|e| panic!("{e:#}"));
            assert!(!s.question.is_empty(), "{} has no comment header", b.name);
        }
    }
}
