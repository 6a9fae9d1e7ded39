//! `dslab hashrate`: SHA-256d hashes per second for 1..T threads.

use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::common::{self, Format};
use crate::error::usage;
use crate::pow::hashrate::{Measurement, measure, pick};
use crate::pow::{KERNEL_NAMES, Kernel, KernelError};

/// Arguments of `dslab hashrate`.
#[derive(Debug, Args)]
pub struct HashrateArgs {
    /// Largest number of threads; every count from 1 up to it is measured [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Measuring window per thread count, in seconds (after a warm-up of a quarter of it).
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Output format: json is an array of `{threads, hashes_per_second, per_thread,
    /// implementation}`, csv has those columns.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Kernel to measure: `auto` measures every kernel this CPU has on one thread, then the
    /// fastest for 2..T threads; or one of portable, sha-ni, avx2, avx512.
    #[arg(long, default_value = "auto")]
    pub kernel: String,
}

/// The kernel `--kernel VALUE` names: `auto` is the fastest available one (measured once
/// per process); an unknown name or a kernel this CPU lacks is a usage error listing the
/// kernels it has.
pub fn resolve_kernel(value: &str) -> anyhow::Result<Kernel> {
    if value == "auto" {
        return Ok(Kernel::detect());
    }
    Kernel::by_name(value).map_err(|e| {
        let have: Vec<&str> = Kernel::available().iter().map(|k| k.id()).collect();
        let list = format!("give auto or a kernel this CPU has: {}", have.join(", "));
        let fix = match e {
            KernelError::Unknown => format!("{e} (kernels: {}); {list}", KERNEL_NAMES.join(", ")),
            KernelError::Unavailable(_) => format!("{e}; {list}"),
        };
        usage("--kernel", value, &fix)
    })
}

/// Largest accepted `--threads` (the limit shared by every subcommand).
pub const MAX_THREADS: usize = common::MAX_THREADS;

/// Validate `--threads` (default: the available cores), with the cap every subcommand
/// shares ([`common::threads`]).
pub fn threads_or_default(threads: Option<usize>) -> anyhow::Result<usize> {
    common::threads(threads)
}

fn window(seconds: f64) -> anyhow::Result<Duration> {
    if !(seconds > 0.0 && seconds <= 3600.0) {
        return Err(usage(
            "--seconds",
            seconds,
            "give a measuring window above 0 and at most 3600 seconds",
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Run `dslab hashrate`.
pub fn run(args: HashrateArgs) -> anyhow::Result<()> {
    let threads = threads_or_default(args.threads)?;
    let window = window(args.seconds)?;
    let warm_up = window / 4;
    let (rows, note) = if args.kernel == "auto" {
        let (rows, chosen) = auto_rows(threads, warm_up, window);
        let note = format!(
            "auto uses {}: the fastest on one thread (--kernel NAME forces another)",
            chosen.id()
        );
        (rows, Some(note))
    } else {
        let kernel = resolve_kernel(&args.kernel)?;
        let rows = (1..=threads)
            .map(|t| {
                eprintln!("measuring {} with {t} thread(s)...", kernel.name());
                measure(kernel, t, warm_up, window)
            })
            .collect();
        (rows, None)
    };
    let text = render(&rows, args.format, note.as_deref())?;
    print!("{text}");
    Ok(())
}

/// Every available kernel on one thread, then the fastest of them on 2..=`threads`. Rows:
/// the chosen kernel's, one per thread count, first; then one per other kernel.
fn auto_rows(threads: usize, warm_up: Duration, window: Duration) -> (Vec<Measurement>, Kernel) {
    let all = Kernel::available();
    let singles: Vec<Measurement> = all
        .iter()
        .map(|k| {
            eprintln!("measuring {} with 1 thread...", k.name());
            measure(*k, 1, warm_up, window)
        })
        .collect();
    let rates: Vec<f64> = singles.iter().map(|m| m.hashes_per_second).collect();
    let chosen = pick(&all, &rates);
    let at = all
        .iter()
        .position(|k| *k == chosen)
        .expect("picked from the list");
    let mut rows = vec![singles[at].clone()];
    for t in 2..=threads {
        eprintln!("measuring {} with {t} threads...", chosen.name());
        rows.push(measure(chosen, t, warm_up, window));
    }
    rows.extend(
        singles
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .map(|(_, m)| m),
    );
    (rows, chosen)
}

/// Render measurements in the requested format; `note` is a last line of the table.
pub fn render(rows: &[Measurement], format: Format, note: Option<&str>) -> anyhow::Result<String> {
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(rows)? + "\n"),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            for row in rows {
                w.serialize(row)?;
            }
            String::from_utf8(w.into_inner().context("flushing CSV")?).context("CSV is UTF-8")
        }
        Format::Table => Ok(table(rows, note)),
    }
}

fn table(rows: &[Measurement], note: Option<&str>) -> String {
    let mut out = "threads  total MH/s  MH/s per thread  kernel\n".to_string();
    for r in rows {
        out += &format!(
            "{:>7}  {:>10.2}  {:>15.2}  {}\n",
            r.threads,
            r.hashes_per_second / 1e6,
            r.per_thread / 1e6,
            r.implementation
        );
    }
    if let Some(note) = note {
        out += note;
        out += "\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Measurement> {
        [1usize, 2]
            .map(|t| Measurement {
                threads: t,
                hashes_per_second: 2.5e7 * t as f64,
                per_thread: 2.5e7,
                implementation: "k".to_string(),
            })
            .to_vec()
    }

    #[test]
    fn csv_has_the_contract_columns() {
        let text = render(&rows(), Format::Csv, Some("note")).expect("renders");
        assert_eq!(
            text,
            "threads,hashes_per_second,per_thread,implementation\n\
             1,25000000.0,25000000.0,k\n2,50000000.0,25000000.0,k\n"
        );
    }

    #[test]
    fn json_is_an_array_of_the_contract_objects() {
        let text = render(&rows(), Format::Json, Some("note")).expect("renders");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(v[1]["threads"], 2);
        assert_eq!(v[1]["hashes_per_second"], 5e7);
        assert_eq!(v[1]["per_thread"], 2.5e7);
        assert_eq!(v[1]["implementation"], "k");
    }

    #[test]
    fn table_shows_megahashes() {
        let text = render(&rows(), Format::Table, Some("auto uses k")).expect("renders");
        assert!(text.starts_with("threads  total MH/s  MH/s per thread  kernel\n"));
        assert!(
            text.contains("\n      2       50.00            25.00  k\n"),
            "{text}"
        );
        assert!(text.ends_with("\nauto uses k\n"), "{text}");
    }
}
