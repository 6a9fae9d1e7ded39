//! Flags shared by several subcommands, and their conversion into validated values.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::error::usage;
use crate::params::{Convention, TieRule};

/// How results are printed on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// CSV with a header line.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// The counting convention flags: `--premined`, `--tie`, `--classical`.
#[derive(Debug, Clone, Args)]
pub struct ConventionArgs {
    /// Blocks the attacker has pre-mined when the honest network starts on the payment's
    /// block (head start k) [default: 0].
    #[arg(long, value_name = "K", conflicts_with = "classical")]
    pub premined: Option<u32>,
    /// Tie rule of honest nodes: first-seen (Bitcoin Core) or gamma=G (a fraction G of
    /// honest hash rate mines on the attacker's branch during a tie) [default: first-seen].
    #[arg(long, value_name = "RULE", conflicts_with = "classical")]
    pub tie: Option<String>,
    /// Use the literature's convention (Nakamoto, Rosenfeld, Grunspan–Pérez-Marco): a tie
    /// wins with no head start, equal to first-seen with k = 1.
    #[arg(long)]
    pub classical: bool,
}

impl ConventionArgs {
    /// Whether the user chose any convention explicitly.
    pub fn is_explicit(&self) -> bool {
        self.classical || self.premined.is_some() || self.tie.is_some()
    }

    /// The convention, falling back to `default` when none was given.
    pub fn resolve(&self, default: Convention) -> anyhow::Result<Convention> {
        if self.classical {
            return Ok(Convention::CLASSICAL);
        }
        if !self.is_explicit() {
            return Ok(default);
        }
        let tie = match &self.tie {
            Some(t) => TieRule::parse("--tie", t)?,
            None => TieRule::FirstSeen,
        };
        Ok(Convention {
            premined: self.premined.unwrap_or(0),
            tie,
        })
    }
}

/// What a trial-count flag accepts, for its error message.
const COUNT_FORMS: &str = "give a whole number of trials: digits (1000000) or scientific \
     notation that is a whole number (1e6, 2.5e6)";

/// Parse a trial count (`--trials`, `--max-trials`): plain digits, or scientific notation
/// whose value is a whole number (`1e6`, `2.5e6`, `1E+7`). The value is computed exactly
/// from the decimal digits, never through floating point. For clap's `value_parser`, which
/// names the flag and the value in front of the message (exit code 2).
pub fn trial_count(s: &str) -> Result<u64, String> {
    let bad = || COUNT_FORMS.to_string();
    let too_big = || format!("at most {} trials", u64::MAX);
    let (mantissa, exp) = match s.split_once(['e', 'E']) {
        Some((m, e)) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            (m, e.parse::<i64>().map_err(|_| bad())?)
        }
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    // A decimal point needs scientific notation (2.5e6): "2.5" or "100.0" are refused.
    let point_ok = frac.is_empty() && !mantissa.contains('.') || s.contains(['e', 'E']);
    if int.is_empty() && frac.is_empty() || !all_digits(int) || !all_digits(frac) || !point_ok {
        return Err(bad());
    }
    // value = digits × 10^shift, with digits = int followed by frac.
    let mut digits = format!("{int}{frac}");
    let mut shift = exp - frac.len() as i64;
    while shift < 0 && digits.ends_with('0') {
        digits.pop();
        shift += 1;
    }
    if shift < 0 {
        return Err(format!("{s} is not a whole number; {COUNT_FORMS}"));
    }
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    let base: u64 = digits.parse().map_err(|_| too_big())?;
    let scale = u32::try_from(shift)
        .ok()
        .and_then(|e| 10u64.checked_pow(e))
        .ok_or_else(too_big)?;
    base.checked_mul(scale).ok_or_else(too_big)
}

/// Parse a number typed on the command line that must be finite and above 0 (`--kappa`),
/// for clap's `value_parser`: a value too small or too large for f64 is refused as typed
/// (`1e-400` would otherwise become 0 and be echoed back as `0`).
pub fn positive_number(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v: f64 = t
        .parse()
        .ok()
        .filter(|_| !t.to_ascii_lowercase().contains(['i', 'n']))
        .ok_or_else(|| "give a finite number, e.g. 0.001 or 2.5".to_string())?;
    if v == f64::INFINITY {
        return Err(format!(
            "{t} is above the largest number dslab can hold (about 1.8e308); give a smaller \
             value"
        ));
    }
    if v == 0.0 && !written_as_zero(t) {
        return Err(format!(
            "{t} is below the smallest number dslab can hold (about 1e-308; it would \
             underflow to 0); give a larger value"
        ));
    }
    if v > 0.0 {
        Ok(v)
    } else {
        Err("give a positive number, e.g. 0.5 or 2".into())
    }
}

/// Whether `s` spells zero itself (`0`, `0.0`, `0e5`) rather than a tiny number.
fn written_as_zero(s: &str) -> bool {
    let mantissa = s.trim().split(['e', 'E']).next().unwrap_or("");
    mantissa.chars().all(|c| "0.+-".contains(c))
}

/// [`positive_number`] below 1 (`--risk`): a probability in the open interval (0, 1).
pub fn open_unit_number(s: &str) -> Result<f64, String> {
    let v = positive_number(s)?;
    if v < 1.0 {
        Ok(v)
    } else {
        Err("a probability must be strictly between 0 and 1".into())
    }
}

/// Parse a probability-like flag value in the open interval (0, 1).
pub fn open_unit(flag: &str, v: f64, what: &str) -> anyhow::Result<f64> {
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(usage(
            flag,
            v,
            &format!("{what} must be strictly between 0 and 1"),
        ))
    }
}

/// Make sure `dir` exists and is writable before any long work starts.
pub fn prepare_out_dir(flag: &str, dir: &Path) -> anyhow::Result<PathBuf> {
    // A link to nowhere: creating the folder would fail with a bare "File exists".
    if let Ok(target) = std::fs::read_link(dir)
        && std::fs::metadata(dir).is_err()
    {
        return Err(usage(
            flag,
            dir.display(),
            &format!(
                "this is a symbolic link to '{}', which does not exist (a dangling link); \
                 create that folder, remove the link, or choose another folder",
                target.display()
            ),
        ));
    }
    let probe = dir.join(format!(".dslab-write-test-{}", std::process::id()));
    let check = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe));
    match check {
        Ok(()) => Ok(dir.to_path_buf()),
        Err(e) => Err(usage(
            flag,
            dir.display(),
            &format!("cannot write there ({e}); choose a folder you can write to"),
        )),
    }
}

/// The command line that produced this run, shell-quoted, for manifests.
pub fn command_line() -> String {
    // The program is named `dslab` whatever path it was started by, so manifests do not
    // depend on where the binary lives.
    std::iter::once("dslab".to_string())
        .chain(std::env::args().skip(1))
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c))
            {
                a
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Largest accepted `--threads` for every subcommand. Each worker is an OS thread with its
/// own stack, so a count in the thousands is a typo, not a machine (the largest single
/// machines today have a few hundred hardware threads).
pub const MAX_THREADS: usize = 1024;

/// Number of worker threads: the flag (1 to [`MAX_THREADS`]), or every core.
pub fn threads(flag: Option<usize>) -> anyhow::Result<usize> {
    match flag {
        Some(0) => Err(usage("--threads", 0, "use at least 1 thread")),
        Some(t) if t > MAX_THREADS => Err(usage(
            "--threads",
            t,
            &format!(
                "use at most {MAX_THREADS} threads (this machine has {}); leave the flag out \
                 to use every core",
                std::thread::available_parallelism().map_or(1, usize::from)
            ),
        )),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(MAX_THREADS)),
    }
}

/// Run `f` on a rayon pool of `threads` workers.
pub fn with_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    Ok(pool.install(f))
}

/// `--shard I/N` (1-based on the command line) as a 0-based (i, n), if given.
pub fn shard_flag(value: Option<&str>) -> anyhow::Result<Option<(u64, u64)>> {
    value
        .map(|s| super::merge::parse_shard("--shard", s))
        .transpose()
}

/// `--checkpoint-every S` as a duration; a negative or non-finite S is bad input.
pub fn checkpoint_every(seconds: f64) -> anyhow::Result<std::time::Duration> {
    if seconds >= 0.0 && seconds.is_finite() {
        Ok(std::time::Duration::from_secs_f64(seconds))
    } else {
        Err(usage(
            "--checkpoint-every",
            seconds,
            "give a number of seconds, 0 or more",
        ))
    }
}

/// Set by Ctrl-C (SIGINT): runs stop after the current chunk of batches, save their
/// checkpoint and exit with code 130; `--resume` continues them.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The interrupt flag, with the Ctrl-C handler installed on first use. If no handler can
/// be installed, Ctrl-C keeps its default effect (the process ends; files stay whole).
pub fn interrupt_flag() -> &'static std::sync::atomic::AtomicBool {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            // A second Ctrl-C quits at once (a network run checks the flag only between
            // scenarios); files are written whole, so nothing half-written is left.
            if INTERRUPTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
                std::process::exit(130);
            }
            eprintln!(
                "\ninterrupted: saving the checkpoint and stopping (Ctrl-C again to quit at once)"
            );
        });
    });
    &INTERRUPTED
}

#[cfg(test)]
mod tests {
    use super::trial_count;

    #[test]
    fn trial_counts_accept_digits_and_whole_scientific_notation() {
        for (text, n) in [
            ("1000000", 1_000_000),
            ("0", 0),
            ("1e6", 1_000_000),
            ("1E6", 1_000_000),
            ("2.5e6", 2_500_000),
            ("1e+7", 10_000_000),
            ("25000e-3", 25),
            (".5e1", 5),
            ("3.e2", 300),
            ("18446744073709551615", u64::MAX),
            ("1e19", 10_000_000_000_000_000_000),
        ] {
            assert_eq!(trial_count(text), Ok(n), "{text}");
        }
        for text in [
            "",
            "1e",
            "e6",
            "abc",
            "-5",
            "1.5",
            "100.0",
            "2.5e0",
            "1e-1",
            "1e6x",
            "1,000",
            "1e1.5",
            "2e19",
            "1e20",
            "99999999999999999999",
            ".",
            ".e3",
            "+5",
            "1 000",
        ] {
            let err = trial_count(text).expect_err(text);
            assert!(err.contains("trials"), "{text}: {err}");
        }
    }
}
