//! `dslab exact`: closed-form reversal probabilities, no simulation.

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::common::{ConventionArgs, Format};
use crate::analytic::{self, Model};
use crate::error::usage;
use crate::params::{Convention, parse_share_list, parse_z_list};
use std::io::Write;

use crate::report::table;

/// Model names on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelName {
    /// Exact: Rosenfeld's negative binomial = Grunspan–Pérez-Marco I_{4pq}(z, ½), any k and tie rule.
    Exact,
    /// Nakamoto's Poisson approximation (whitepaper §11).
    Nakamoto,
    /// Grunspan–Pérez-Marco P(z, κ): the z blocks took κ times their expected time (--kappa).
    TimeConditional,
    /// Bounded-delay (Δ) model, `dslab confirmations` only: depths from the Guo–Ren lower
    /// and upper bounds (--delta, --block-interval). Bounds themselves: `dslab bounds`.
    Delta,
}

/// Model selection flags shared with `dslab confirmations`.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Closed form to evaluate.
    #[arg(long, value_enum, default_value = "exact")]
    pub model: ModelName,
    /// For --model time-conditional only: observed / expected time of the z blocks
    /// [default: 1].
    #[arg(long, value_parser = super::common::positive_number)]
    pub kappa: Option<f64>,
    /// For --model delta only: delay bound Δ in seconds.
    #[arg(long, allow_hyphen_values = true)]
    pub delta: Option<f64>,
    /// For --model delta only: mean block interval in seconds [default: 600].
    #[arg(long, allow_hyphen_values = true)]
    pub block_interval: Option<f64>,
    /// Counting convention.
    #[command(flatten)]
    pub convention: ConventionArgs,
}

impl ModelArgs {
    /// The model and its convention. Nakamoto's formula is defined in the classical
    /// convention, so that is its default; the other models default to first-seen, k = 0.
    pub fn resolve(&self) -> anyhow::Result<(Model, Convention)> {
        self.refuse_delay_flags()?;
        let model = match (self.model, self.kappa) {
            (ModelName::Exact | ModelName::Nakamoto, Some(k)) => {
                return Err(usage(
                    "--kappa",
                    k,
                    "κ is used by --model time-conditional only; add --model time-conditional \
                     or drop --kappa",
                ));
            }
            (ModelName::Delta, _) => {
                return Err(usage(
                    "--model",
                    "delta",
                    "the bounded-delay model gives bounds, not one closed form: use dslab \
                     bounds, or dslab confirmations --model delta",
                ));
            }
            (ModelName::Exact, None) => Model::Exact,
            (ModelName::Nakamoto, None) => Model::Nakamoto,
            (ModelName::TimeConditional, kappa) => {
                let kappa = kappa.unwrap_or(1.0);
                if !(kappa.is_finite() && kappa > 0.0) {
                    return Err(usage(
                        "--kappa",
                        kappa,
                        "use a positive ratio, e.g. 1 or 2.5",
                    ));
                }
                Model::TimeConditional { kappa }
            }
        };
        let default = match model {
            Model::Nakamoto => Convention::CLASSICAL,
            _ => Convention::DEFAULT,
        };
        Ok((model, self.convention.resolve(default)?))
    }
}

impl ModelArgs {
    /// For `--model delta`: the delay bound Δ and block interval T (seconds), checked;
    /// `None` for the other models. The Δ model fixes its own convention (the adversary
    /// orders deliveries, so it wins ties; its head start is part of the bound), so the
    /// convention flags are refused with it.
    pub fn delay(&self) -> anyhow::Result<Option<(f64, f64)>> {
        if self.model != ModelName::Delta {
            return Ok(None);
        }
        if let Some(k) = self.kappa {
            return Err(usage(
                "--kappa",
                k,
                "κ is used by --model time-conditional only",
            ));
        }
        if self.convention.is_explicit() {
            return Err(usage(
                "--model",
                "delta",
                "the bounded-delay bounds fix their own convention (ties go to the adversary, \
                 its pre-mined lead is inside the bound); drop --classical, --tie and --premined",
            ));
        }
        let Some(delta) = self.delta else {
            return Err(usage(
                "--model",
                "delta",
                "give the delay bound in seconds with --delta, e.g. --delta 10",
            ));
        };
        let t = self.block_interval.unwrap_or(600.0);
        super::bounds::check_delay(delta, t)?;
        Ok(Some((delta, t)))
    }

    /// `--delta` and `--block-interval` belong to `--model delta` only.
    fn refuse_delay_flags(&self) -> anyhow::Result<()> {
        if self.model == ModelName::Delta {
            return Ok(());
        }
        if let Some(d) = self.delta {
            return Err(usage(
                "--delta",
                d,
                "--delta is used by --model delta only; add --model delta or drop --delta",
            ));
        }
        if let Some(t) = self.block_interval {
            return Err(usage(
                "--block-interval",
                t,
                "--block-interval is used by --model delta only; add --model delta or drop it",
            ));
        }
        Ok(())
    }
}

/// Arguments of `dslab exact`.
#[derive(Debug, Args)]
pub struct ExactArgs {
    /// Attacker hash shares: a list (0.1,0.3) or start:stop:step.
    #[arg(long, allow_hyphen_values = true, default_value = "0.1,0.3")]
    pub q: String,
    /// Confirmations: a range (0..10, inclusive) or a list (0,1,6).
    #[arg(long, default_value = "0..10")]
    pub z: String,
    /// Model and convention.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Attacker gives up when this many blocks behind (exact model only) [default: never].
    #[arg(long, value_name = "D")]
    pub give_up: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// One closed-form value. `G` is how the give-up deficit is written: a number or `null`
/// (never) in JSON, the number or `never` in CSV, as in `reversal.csv`.
#[derive(Clone, Debug, Serialize)]
struct ExactRow<G = Option<u32>> {
    model: &'static str,
    q: f64,
    z: u32,
    premined: u32,
    tie: String,
    kappa: Option<f64>,
    give_up: G,
    probability: f64,
    log10_probability: f64,
}

impl ExactRow {
    /// The row for CSV: give-up as the deficit or `never`.
    fn for_csv(&self) -> ExactRow<String> {
        ExactRow {
            model: self.model,
            q: self.q,
            z: self.z,
            premined: self.premined,
            tie: self.tie.clone(),
            kappa: self.kappa,
            give_up: self.give_up.map_or("never".into(), |d| d.to_string()),
            probability: self.probability,
            log10_probability: self.log10_probability,
        }
    }
}

/// Run `dslab exact`. Rows are written to stdout as they are computed (memory flat in the
/// table's size; see `stream`); a reader that closes the pipe early (`| head`) ends the
/// run quietly.
pub fn run(args: ExactArgs) -> anyhow::Result<()> {
    let qs = parse_share_list("--q", &args.q)?;
    let zs = parse_z_list("--z", &args.z)?;
    let (model, conv) = args.model.resolve()?;
    if args.give_up.is_some() && model != Model::Exact {
        return Err(usage(
            "--give-up",
            args.give_up.unwrap_or(0),
            "give-up is available with --model exact only",
        ));
    }
    if let Some(d) = args.give_up {
        crate::params::check_give_up("--give-up", d)?;
    }
    let table = Table {
        qs: &qs,
        zs: &zs,
        model,
        conv,
        give_up: args.give_up,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match stream(&table, args.format, &mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// What `dslab exact` evaluates: every (q, z) of the grid under one model.
struct Table<'a> {
    qs: &'a [f64],
    zs: &'a [u32],
    model: Model,
    conv: Convention,
    give_up: Option<u32>,
}

impl Table<'_> {
    fn row(&self, q: f64, z: u32) -> ExactRow {
        let (model, conv) = (self.model, self.conv);
        let p = match self.give_up {
            Some(d) => {
                analytic::Probability::from_value(analytic::exact_with_give_up(q, z, conv, d))
            }
            None => model.probability(q, z, conv),
        };
        ExactRow {
            model: model.name(),
            q,
            z,
            premined: conv.premined,
            tie: conv.tie.to_string(),
            kappa: match model {
                Model::TimeConditional { kappa } => Some(kappa),
                _ => None,
            },
            give_up: self.give_up,
            probability: p.value,
            log10_probability: p.log10,
        }
    }

    /// Rows in CSV/JSON order: q-major, computed one at a time.
    fn rows(&self) -> impl Iterator<Item = ExactRow> + '_ {
        self.qs
            .iter()
            .flat_map(move |&q| self.zs.iter().map(move |&z| self.row(q, z)))
    }
}

/// Cells of the text table rendered at once. A table of at most this many cells is aligned
/// as a whole (the bytes `table::render` gives); a larger one is written in blocks of about
/// this many cells, each aligned to the widest cell seen so far.
const TABLE_BLOCK_CELLS: usize = 1 << 16;

/// Write the table in `format` to `out`, row by row, flushing after each q (CSV, JSON) or
/// block (text), so output starts at once and memory does not grow with the table.
fn stream(t: &Table, format: Format, out: &mut impl Write) -> std::io::Result<()> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for (i, row) in t.rows().enumerate() {
                w.serialize(row.for_csv()).map_err(csv_io)?;
                if (i + 1) % t.zs.len() == 0 {
                    w.flush()?;
                }
            }
            w.flush()
        }
        Format::Json => {
            // The bytes of `to_json` (a pretty array, trailing newline), one element at a time.
            out.write_all(b"[")?;
            for (i, row) in t.rows().enumerate() {
                let sep = if i == 0 { "\n" } else { ",\n" };
                let element = serde_json::to_string_pretty(&row)?;
                out.write_all(sep.as_bytes())?;
                for (k, line) in element.split('\n').enumerate() {
                    let nl = if k == 0 { "" } else { "\n" };
                    write!(out, "{nl}  {line}")?;
                }
                if (i + 1) % t.zs.len() == 0 {
                    out.flush()?;
                }
            }
            out.write_all(b"\n]\n")
        }
        Format::Table => stream_table(t, out),
    }
}

/// A CSV error as the I/O error it wraps (so a closed pipe stays recognisable).
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// The text table: a title line, then one line per z with a column per q.
fn stream_table(t: &Table, out: &mut impl Write) -> std::io::Result<()> {
    let mut head = format!("P(reversal), model {}, {}", t.model.name(), t.conv);
    if let Model::TimeConditional { kappa } = t.model {
        // 1e308 as 1e308, not as 309 digits.
        let shown = if (1e-4..1e6).contains(&kappa) {
            kappa.to_string()
        } else {
            format!("{kappa:e}")
        };
        head.push_str(&format!(", kappa = {shown}"));
    }
    if let Some(g) = t.give_up {
        head.push_str(&format!(", attacker gives up {g} blocks behind"));
    }
    writeln!(out, "{head}")?;
    let mut header = vec!["z".to_string()];
    header.extend(t.qs.iter().map(|q| format!("q={q}")));
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    let per_block = (TABLE_BLOCK_CELLS / (t.qs.len() + 1)).max(1);
    for (b, zs) in t.zs.chunks(per_block).enumerate() {
        let body: Vec<Vec<String>> = zs
            .iter()
            .map(|&z| {
                let mut r = vec![z.to_string()];
                r.extend(t.qs.iter().map(|&q| cell(&t.row(q, z))));
                r
            })
            .collect();
        for r in &body {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        if b == 0 {
            out.write_all(aligned(&header, &widths).as_bytes())?;
        }
        for r in &body {
            out.write_all(aligned(r, &widths).as_bytes())?;
        }
        out.flush()?;
    }
    Ok(())
}

/// One table line as `table::render` lays it out: right-aligned cells two spaces apart,
/// no trailing blanks.
fn aligned(cells: &[String], widths: &[usize]) -> String {
    let mut s = String::new();
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            s.push_str("  ");
        }
        s.push_str(&format!("{c:>w$}"));
    }
    s.trim_end().to_string() + "\n"
}

fn cell(r: &ExactRow) -> String {
    table::prob_log10(r.probability, Some(r.log10_probability))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{to_csv, to_json};

    /// The rows and the text table rendered whole, the way `dslab exact` did before it
    /// streamed: the reference the streamed bytes must equal.
    fn whole(t: &Table, format: Format) -> String {
        let rows: Vec<ExactRow> = t.rows().collect();
        match format {
            Format::Csv => to_csv(&rows.iter().map(ExactRow::for_csv).collect::<Vec<_>>()).unwrap(),
            Format::Json => to_json(&rows).unwrap(),
            Format::Table => {
                let labels: Vec<String> = t.qs.iter().map(|q| format!("q={q}")).collect();
                let mut header = vec!["z"];
                header.extend(labels.iter().map(String::as_str));
                let body: Vec<Vec<String>> =
                    t.zs.iter()
                        .enumerate()
                        .map(|(zi, z)| {
                            let mut r = vec![z.to_string()];
                            r.extend((0..t.qs.len()).map(|qi| cell(&rows[qi * t.zs.len() + zi])));
                            r
                        })
                        .collect();
                let mut head = format!("P(reversal), model {}, {}", t.model.name(), t.conv);
                if let Model::TimeConditional { kappa } = t.model {
                    head.push_str(&format!(", kappa = {kappa}"));
                }
                if let Some(g) = t.give_up {
                    head.push_str(&format!(", attacker gives up {g} blocks behind"));
                }
                format!("{head}\n{}", table::render(&header, &body))
            }
        }
    }

    fn streamed(t: &Table, format: Format) -> String {
        let mut out = Vec::new();
        stream(t, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streamed_output_is_the_whole_rendering_byte_for_byte() {
        let qs = [0.0, 0.1, 0.3, 0.45, 0.5, 1.0];
        let zs: Vec<u32> = (0..=12).chain([100, 5000]).collect();
        let cases = [
            (Model::Exact, Convention::DEFAULT, None),
            (Model::Exact, Convention::CLASSICAL, Some(3)),
            (Model::Nakamoto, Convention::CLASSICAL, None),
            (
                Model::TimeConditional { kappa: 2.5 },
                Convention::DEFAULT,
                None,
            ),
        ];
        for (model, conv, give_up) in cases {
            let t = Table {
                qs: &qs,
                zs: &zs,
                model,
                conv,
                give_up,
            };
            for format in [Format::Csv, Format::Json, Format::Table] {
                assert_eq!(
                    streamed(&t, format),
                    whole(&t, format),
                    "{model:?} {format:?}"
                );
            }
        }
    }

    #[test]
    fn a_table_beyond_one_block_keeps_each_block_aligned() {
        // 3 columns of q and 40000 z lines: three blocks of TABLE_BLOCK_CELLS / 4 lines.
        let qs = [0.1, 0.2, 0.3];
        let zs: Vec<u32> = (0..40_000).collect();
        let t = Table {
            qs: &qs,
            zs: &zs,
            model: Model::Exact,
            conv: Convention::DEFAULT,
            give_up: None,
        };
        let text = streamed(&t, Format::Table);
        let lines: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(lines.len(), zs.len(), "one line per z");
        // Cells are right-aligned, so a line's length is the sum of the column widths: equal
        // within a block, never shrinking from one block to the next. At z = 40000 the
        // cells print as 1e-NNNNN.NN, wider than the first block's: the widths do grow.
        let per_block = TABLE_BLOCK_CELLS / (qs.len() + 1);
        let lengths: Vec<usize> = lines.iter().map(|l| l.len()).collect();
        for block in lengths.chunks(per_block) {
            assert!(block.iter().all(|&n| n == block[0]), "misaligned block");
        }
        assert!(lengths.windows(2).all(|w| w[0] <= w[1]), "a column shrank");
        assert!(lengths[0] < lengths[lengths.len() - 1], "widths never grew");
        // The first block is exactly what the whole-table rendering gives for those z.
        let first = Table {
            zs: &zs[..per_block],
            ..t
        };
        assert_eq!(
            text.lines().take(per_block + 2).collect::<Vec<_>>(),
            whole(&first, Format::Table).lines().collect::<Vec<_>>()
        );
    }
}
