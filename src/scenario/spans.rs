//! Where a value sits in a scenario file: the attacks' own tables taken out of the text,
//! line numbers, and errors that name the file, the line and the key.

use std::ops::Range;

use toml::Spanned;

use crate::error::{UsageError, usage};

/// The registered attacks' own tables (`[majority]`, `[finney]`, `[race]`, ...),
/// taken out of the file before the schema (`schema.rs`) reads the rest (see
/// [`split_attack_tables`]).
#[derive(Debug, Default)]
pub(super) struct AttackTables {
    /// (table name, its value, byte offset of its header), in file order.
    pub(super) tables: Vec<(String, toml::Value, usize)>,
}

/// Take the tables of registered attacks out of `text` (each is read by its attack's own
/// parameter type, `crate::attack`): returns the text with those sections blanked (same length and
/// line breaks, so every span and line number of the rest stays right) and the tables.
pub(super) fn split_attack_tables(
    file: &str,
    text: &str,
) -> anyhow::Result<(String, AttackTables)> {
    let raw: toml::Table = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
    let mut out = AttackTables::default();
    let mut blanked = text.to_string();
    for name in crate::attack::names() {
        let Some(value) = raw.get(name) else {
            continue;
        };
        let Some((start, end)) = section(text, name) else {
            return Err(UsageError::at(
                format!("{file}: key `{name}`"),
                format!("write the {name} attack's settings as a [{name}] section"),
            )
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

/// Where a value came from, for error messages: the file and its text.
pub(super) struct Origin<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
}

impl Origin<'_> {
    /// `attacks/x.toml, line 4, key `q``.
    pub(super) fn at(&self, key: &str, span: Range<usize>) -> String {
        format!(
            "{}, line {}, key `{key}`",
            self.file,
            line_of(self.text, span.start)
        )
    }

    pub(super) fn err<T: std::fmt::Display>(
        &self,
        key: &str,
        v: &Spanned<T>,
        value: impl std::fmt::Display,
        fix: &str,
    ) -> anyhow::Error {
        usage(&self.at(key, v.span()), value, fix)
    }
}

/// The line of the dotted key `table.key` (e.g. `merchant.peers`), if it is written in
/// `text`.
pub(super) fn key_line(text: &str, dotted: &str) -> Option<usize> {
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
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// A TOML or schema error, rewritten to name the file, the line and the key.
pub(super) fn syntax_error(file: &str, text: &str, e: &toml::de::Error) -> anyhow::Error {
    let msg = e.message().trim();
    let Some(span) = e.span() else {
        return UsageError::at(file, msg).into();
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
    UsageError::at(format!("{file}, line {line}{key}"), format!("{msg}{fix}")).into()
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
