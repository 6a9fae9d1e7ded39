//! `dslab plot DIR`: re-render the plots of a report folder from its `reversal.csv`,
//! without simulating. The same CSV gives the same PNG bytes as `dslab run` wrote.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::usage;
use crate::report::{plot, write_atomic};

/// Arguments of `dslab plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A scenario's report folder (reports/NAME, holding reversal.csv), or a folder of them
    /// (reports/).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Run `dslab plot`.
pub fn run(args: PlotArgs) -> anyhow::Result<()> {
    let folders = report_folders(&args.dir)?;
    for dir in folders {
        for file in write_figures(&dir, &scenario_name(&dir))? {
            println!("{}", dir.join(file).display());
        }
    }
    Ok(())
}

/// `dir` itself if it holds a `reversal.csv`, else its subfolders that do (sorted).
fn report_folders(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if dir.join("reversal.csv").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| {
        usage(
            "DIR",
            dir.display(),
            &format!(
                "cannot read this folder ({e}); give a report folder such as reports/majority"
            ),
        )
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| !is_hidden(p) && p.join("reversal.csv").is_file())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(usage(
            "DIR",
            dir.display(),
            "holds no reversal.csv, nor do its subfolders; give a folder written by `dslab run` \
             or `dslab simulate --out`",
        ));
    }
    Ok(found)
}

/// Hidden entries (`.NAME.partial-PID` folders of runs in progress) are not reports.
pub fn is_hidden(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// Render every plot of the report folder `dir` from its CSV and write each atomically;
/// returns the file names written. `name` (the scenario) goes in the titles.
pub fn write_figures(dir: &Path, name: &str) -> anyhow::Result<Vec<&'static str>> {
    let csv_path = dir.join("reversal.csv");
    let text = std::fs::read_to_string(&csv_path).map_err(|e| {
        usage(
            "DIR",
            dir.display(),
            &format!("cannot read {} ({e})", csv_path.display()),
        )
    })?;
    validate_csv(&csv_path, &text)?;
    let rows =
        plot::read_rows(&text).map_err(|e| usage("DIR", csv_path.display(), &format!("{e:#}")))?;
    let mut written = Vec::new();
    for fig in plot::render_all(name, &rows)? {
        write_atomic(&dir.join(fig.file), &fig.png)?;
        written.push(fig.file);
    }
    Ok(written)
}

/// What a column of `reversal.csv` must hold for the plots to mean anything.
#[derive(Clone, Copy)]
enum Kind {
    /// Any text.
    Text,
    /// A probability in [0, 1].
    Probability,
    /// A probability in [0, 1], or empty (no closed form).
    OptionalProbability,
    /// A whole number, 0 or more.
    Count,
    /// A finite number, 0 or more, or empty.
    OptionalNonNegative,
}

/// The columns `dslab plot` reads, with what each must hold; the first eight (the SPEC's
/// fixed columns) are required, the others checked where present.
const COLUMNS: [(&str, Kind, bool); 10] = [
    ("attack", Kind::Text, true),
    ("q", Kind::Probability, true),
    ("z", Kind::Count, true),
    ("trials", Kind::Count, true),
    ("probability", Kind::Probability, true),
    ("ci_low", Kind::Probability, true),
    ("ci_high", Kind::Probability, true),
    ("exact", Kind::OptionalProbability, true),
    ("mean_blocks", Kind::OptionalNonNegative, false),
    ("p99_blocks", Kind::OptionalNonNegative, false),
];

/// Check `text` (the contents of `path`) before plotting it: the required columns are
/// there, every line has the header's number of fields (a short last line is a truncated
/// file), and every value the plots use is in range. A bad value is reported as
/// `FILE:LINE:COLUMN` (1-based; the column counts fields), exit code 2.
fn validate_csv(path: &Path, text: &str) -> anyhow::Result<()> {
    let at = |line: u64, col: Option<usize>, what: String| {
        let place = match col {
            Some(c) => format!("{}:{line}:{}", path.display(), c + 1),
            None => format!("{}:{line}", path.display()),
        };
        anyhow::Error::from(crate::error::UsageError::at(
            place,
            format!(
                "{what}; fix the file, or write it again with `dslab run` or `dslab simulate \
                 --out`"
            ),
        ))
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| at(1, None, format!("cannot read the header line ({e})")))?
        .clone();
    if header.iter().all(str::is_empty) {
        return Err(at(
            1,
            None,
            "the file is empty: it has no header line".into(),
        ));
    }
    let mut checks = Vec::new();
    for (name, kind, required) in COLUMNS {
        match header.iter().position(|h| h == name) {
            Some(i) => checks.push((name, kind, i)),
            None if required => {
                return Err(at(1, None, format!("the header has no column '{name}'")));
            }
            None => {}
        }
    }
    let mut rows = 0;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            at(line, None, format!("not valid CSV ({e})"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            let last = !text.ends_with('\n') && record.len() < header.len();
            let what = if last {
                format!(
                    "the file is truncated: its last line ends after {} of the header's {} \
                     columns",
                    record.len(),
                    header.len()
                )
            } else {
                format!(
                    "{} fields where the header has {}",
                    record.len(),
                    header.len()
                )
            };
            return Err(at(line, None, what));
        }
        for &(name, kind, i) in &checks {
            if let Some(why) = bad_value(kind, &record[i]) {
                return Err(at(
                    line,
                    Some(i),
                    format!("{name} = '{}' {why}", &record[i]),
                ));
            }
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(at(1, None, "the file has a header but no rows".into()));
    }
    Ok(())
}

/// Why `value` does not fit `kind`, or `None` if it does.
fn bad_value(kind: Kind, value: &str) -> Option<&'static str> {
    let number = value.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    match kind {
        Kind::Text => None,
        Kind::Count => value
            .trim()
            .parse::<u64>()
            .is_err()
            .then_some("is not a whole number, 0 or more"),
        Kind::OptionalProbability | Kind::OptionalNonNegative if value.trim().is_empty() => None,
        Kind::Probability | Kind::OptionalProbability => match number {
            None => Some("is not a number (a probability between 0 and 1)"),
            Some(v) if !(0.0..=1.0).contains(&v) => Some("is outside [0, 1]"),
            Some(_) => None,
        },
        Kind::OptionalNonNegative => match number {
            None => Some("is not a finite number"),
            Some(v) if v < 0.0 => Some("is negative"),
            Some(_) => None,
        },
    }
}

/// The scenario's name for the plot titles: the `scenario` field of the folder's
/// `manifest.json` (a merged or copied report keeps its scenario's name whatever its
/// folder is called), else the folder's name. `dslab simulate --out` records `simulate`
/// there, which names no scenario, so its folder's name is used.
fn scenario_name(dir: &Path) -> String {
    let recorded = std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|m| m.get("scenario")?.as_str().map(str::to_string))
        .filter(|s| !s.is_empty() && s != "simulate");
    recorded.unwrap_or_else(|| folder_name(dir))
}

/// The folder's name, resolving `.` and trailing separators.
fn folder_name(dir: &Path) -> String {
    let resolved = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    resolved
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_manifest_scenario_not_the_folder() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("merged");
        std::fs::create_dir(&dir).unwrap();
        assert_eq!(scenario_name(&dir), "merged", "no manifest: the folder");
        let manifest = |scenario: &str| {
            let json =
                format!("{{\n  \"version\": \"0.1.0\",\n  \"scenario\": \"{scenario}\"\n}}\n");
            std::fs::write(dir.join("manifest.json"), json).unwrap();
        };
        manifest("vector76");
        assert_eq!(scenario_name(&dir), "vector76");
        assert_eq!(scenario_name(&dir.join(".")), "vector76");
        manifest("simulate");
        assert_eq!(scenario_name(&dir), "merged", "simulate names no scenario");
        std::fs::write(dir.join("manifest.json"), "not json").unwrap();
        assert_eq!(scenario_name(&dir), "merged");
    }
}
