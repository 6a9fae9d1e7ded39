//! The raw scenario file ([`ScenarioFile`]) and its conversion into a validated
//! [`Experiment`]: the top-level keys, the attack's table (read by the attack's own
//! parameter type), `[network]`, `[merchant]` and `[sweep]`.

use serde::Deserialize;
use toml::Spanned;

use super::defaults;
use super::spans::{AttackTables, Origin, key_line};
use crate::attack::majority::BlockRace;
use crate::attack::{NetAttack, NetExperiment, NetTables};
use crate::error::{UsageError, usage};
use crate::experiment::{AttackSpec, DEFAULT_MAX_TRIALS, Experiment, Method, Sampling, Source};
use crate::net::spec::{MerchantSpec, NetworkSpec};
use crate::net::sweep::Sweep;
use crate::params::{parse_simulated_shares, parse_z_list};
use crate::stats::CiMethod;

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

impl ScenarioFile {
    pub(super) fn experiment(
        &self,
        o: &Origin<'_>,
        name: &str,
        tables: &AttackTables,
    ) -> anyhow::Result<Experiment> {
        let attack = self.attack_spec(o, tables)?;
        let exp = Experiment {
            name: name.to_string(),
            attack,
            qs: self.shares(o)?,
            zs: self.confirmations(o)?,
            trials: self.trials(o)?,
            seed: self.seed(o)?,
            ci: self.ci(o)?,
            confidence: self.confidence(o)?,
            sampling: self.sampling(o)?,
        };
        // The cross-field rules of sampling, shared with the command line.
        let Some(c) = exp.sampling_conflict() else {
            return Ok(exp);
        };
        let span = match c.key() {
            "tilt" => self.tilt.as_ref().map(|t| t.span()),
            _ => self.method.as_ref().map(|m| m.span()),
        };
        let place = o.at(c.key(), span.unwrap_or(0..0));
        Err(usage(&place, c.value(), &c.fix(Source::File)))
    }

    /// `method`, `rel_error`, `tilt` (and `max_trials`, which only makes sense with a target).
    fn sampling(&self, o: &Origin<'_>) -> anyhow::Result<Sampling> {
        let method = match self.method.as_ref().map(|m| (m, m.get_ref().as_str())) {
            None | Some((_, "mc")) => Method::Mc,
            Some((_, "is")) => Method::Is,
            Some((_, "auto")) => Method::Auto,
            Some((m, v)) => return Err(o.err("method", m, v, "use \"mc\", \"is\" or \"auto\"")),
        };
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
        if crate::attack::info(attack).is_none() {
            let names = crate::attack::names().join(", ");
            return Err(o.err("attack", a, attack, &format!("use one of {names}")));
        }
        let table = tables.tables.first().map(|t| t.1.clone());
        let spec = NetAttack::from_table(attack, table).map_err(|e| self.locate(o, e))?;
        // Without a [network] table, an attack that runs on the zero-latency block race
        // runs there (`crate::attack::TimedAttack::block_race`).
        if let Some(race) = spec.race_engine(self.network.is_some()) {
            let stray = [
                ("merchant", self.merchant.as_ref().map(|t| t.span())),
                ("sweep", self.sweep.as_ref().map(|t| t.span())),
            ];
            if let Some((name, Some(span))) = stray.into_iter().find(|t| t.1.is_some()) {
                return Err(usage(
                    &o.at(name, span),
                    format!("[{name}]"),
                    &format!(
                        "the {attack} attack runs in the zero-latency block race unless a \
                         [network] table is given; add [network] (model = \"none\" or \
                         \"random\") or remove this table"
                    ),
                ));
            }
            let attack = race.map_err(|e| self.locate(o, e))?;
            return Ok(AttackSpec::BlockRace(BlockRace {
                attack,
                pow_bits: None,
            }));
        }
        Ok(AttackSpec::Timed(self.net_experiment(o, spec)?))
    }

    /// The network experiment of the attack; validation errors name the file and,
    /// where it can be found, the line of the key.
    fn net_experiment(&self, o: &Origin<'_>, attack: NetAttack) -> anyhow::Result<NetExperiment> {
        let tables = NetTables {
            attack: None,
            network: self.network.as_ref().map(|t| t.get_ref().clone()),
            merchant: self.merchant.as_ref().map(|t| t.get_ref().clone()),
            sweep: self.sweep.as_ref().map(|t| t.get_ref().clone()),
        };
        NetExperiment::from_tables(attack, tables).map_err(|e| self.locate(o, e))
    }

    /// An error about a key, placed at the file and (where it can be found) its line:
    /// a message about `table.key` becomes `file, line N, key `table.key` 'value': fix`,
    /// as every other error of a scenario file reads.
    fn locate(&self, o: &Origin<'_>, e: anyhow::Error) -> anyhow::Error {
        let Some(usage_err) = e.downcast_ref::<UsageError>() else {
            return e.context(o.file.to_string());
        };
        let key = usage_err.what.as_str();
        let Some(line) = key_line(o.text, key) else {
            return e.context(o.file.to_string());
        };
        let place = format!("{}, line {line}, key `{key}`", o.file);
        usage_err
            .renamed(key, &place)
            .map_or(e, anyhow::Error::from)
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
