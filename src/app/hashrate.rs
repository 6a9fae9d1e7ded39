//! `dslab hashrate`: SHA-256d hashes per second for 1..T threads.

use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::common::{self, Format};
use crate::error::usage;
use crate::pow::Kernel;
use crate::pow::hashrate::{Measurement, measure};

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
    /// Kernel to measure: the fastest this CPU supports, dslab's SHA-NI kernel, or the
    /// portable `sha2` crate path.
    #[arg(long, value_enum, default_value_t = KernelChoice::Auto)]
    pub kernel: KernelChoice,
}

/// Which SHA-256d kernel to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KernelChoice {
    /// The fastest kernel the CPU supports (detected at run time).
    Auto,
    /// dslab's SHA-NI kernel (x86-64 with SHA extensions only).
    ShaNi,
    /// The `sha2` crate with a midstate.
    Portable,
}

impl KernelChoice {
    /// Resolve to a kernel; asking for SHA-NI on a CPU without it is a usage error.
    pub fn resolve(self) -> anyhow::Result<Kernel> {
        match self {
            KernelChoice::Auto => Ok(Kernel::detect()),
            KernelChoice::Portable => Ok(Kernel::Portable),
            KernelChoice::ShaNi => Kernel::sha_ni().map_err(|e| {
                usage(
                    "--kernel",
                    "sha-ni",
                    &format!("{e}; use --kernel portable or auto"),
                )
            }),
        }
    }
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
    let kernel = args.kernel.resolve()?;
    let warm_up = window / 4;
    let mut rows = Vec::with_capacity(threads);
    for t in 1..=threads {
        eprintln!("measuring {} with {t} thread(s)...", kernel.name());
        rows.push(measure(kernel, t, warm_up, window));
    }
    let text = render(&rows, args.format)?;
    print!("{text}");
    Ok(())
}

/// Render measurements in the requested format.
pub fn render(rows: &[Measurement], format: Format) -> anyhow::Result<String> {
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(rows)? + "\n"),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            for row in rows {
                w.serialize(row)?;
            }
            String::from_utf8(w.into_inner().context("flushing CSV")?).context("CSV is UTF-8")
        }
        Format::Table => Ok(table(rows)),
    }
}

fn table(rows: &[Measurement]) -> String {
    let mut out = String::new();
    if let Some(first) = rows.first() {
        out += &format!("implementation: {}\n", first.implementation);
    }
    out += "threads  total MH/s  MH/s per thread\n";
    for r in rows {
        out += &format!(
            "{:>7}  {:>10.2}  {:>15.2}\n",
            r.threads,
            r.hashes_per_second / 1e6,
            r.per_thread / 1e6
        );
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
        let text = render(&rows(), Format::Csv).expect("renders");
        assert_eq!(
            text,
            "threads,hashes_per_second,per_thread,implementation\n\
             1,25000000.0,25000000.0,k\n2,50000000.0,25000000.0,k\n"
        );
    }

    #[test]
    fn json_is_an_array_of_the_contract_objects() {
        let text = render(&rows(), Format::Json).expect("renders");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(v[1]["threads"], 2);
        assert_eq!(v[1]["hashes_per_second"], 5e7);
        assert_eq!(v[1]["per_thread"], 2.5e7);
        assert_eq!(v[1]["implementation"], "k");
    }

    #[test]
    fn table_shows_megahashes() {
        let text = render(&rows(), Format::Table).expect("renders");
        assert!(text.starts_with("implementation: k\n"));
        assert!(
            text.contains("      2       50.00            25.00"),
            "{text}"
        );
    }
}
