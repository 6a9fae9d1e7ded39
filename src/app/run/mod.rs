//! `dslab run`: run scenario files (default: the built-in lab compiled from `attacks/`)
//! and write `reports/<scenario>/` plus `reports/README.md`.
//!
//! Output safety: each scenario's folder is built in a hidden sibling
//! (`.NAME.partial-PID`), every file written whole (`write_atomic`), and the folder swapped
//! in only once complete. An interrupted run (Ctrl-C) therefore leaves every earlier report
//! intact; the scenarios finished before it are listed on stderr as they complete.

mod models;
mod plan;

use std::path::{Path, PathBuf};

use clap::Args;

use models::{MODELS, check_model_target, model_page};
use plan::announcement;
pub use plan::estimate_seconds;

use super::common;
use super::plot::{is_hidden, write_figures};
use super::progress::Bar;
use super::warnings;
use crate::error::usage;
use crate::experiment::{AttackSpec, CheckpointAt, Experiment, Outcome, RunOptions};
use crate::report::plot::read_rows;
use crate::report::shard::ShardFile;
use crate::report::summary::{self, Entry};
use crate::report::{self, write_atomic};
use crate::scenario::{self, BUILTIN, Scenario};

/// Trials per q of a `--quick` smoke run (unless `--trials` says otherwise).
pub const QUICK_TRIALS: u64 = 20_000;

/// Topologies per sweep point of a network scenario in `dslab run --quick`.
pub const QUICK_TOPOLOGIES: u32 = 16;

/// Arguments of `dslab run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files to run [default: the built-in lab: every scenario of attacks/,
    /// compiled into the binary].
    #[arg(value_name = "SCENARIO.toml")]
    pub scenarios: Vec<PathBuf>,
    /// Folder to write the reports into (one subfolder per scenario, plus README.md).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,
    /// Trials per q (digits or whole scientific notation: 1000000, 1e6), replacing every
    /// scenario's `trials` (a `rel_error` scenario's `max_trials` cap).
    #[arg(long, value_name = "N", value_parser = common::trial_count)]
    pub trials: Option<u64>,
    /// Master seed, replacing every scenario's `seed`.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]; the numbers do not depend on it.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Smoke run in seconds: at most 20000 trials per q and 16 graphs per network sweep point (numbers are rough).
    #[arg(long)]
    pub quick: bool,
    /// No progress bar and no informational messages on stderr (warnings and errors still
    /// go there).
    #[arg(long)]
    pub quiet: bool,
    /// Continue an interrupted run from the checkpoints it left in --out
    /// (`.NAME.checkpoint/`); the result is the bytes an uninterrupted run writes.
    #[arg(long)]
    pub resume: bool,
    /// Run only shard I of N (1-based) of every cell's batches and write
    /// OUT/NAME/shard-I-of-N.json per scenario; combine with `dslab merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Seconds between checkpoint writes.
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    pub checkpoint_every: f64,
}

/// Whether `out/<name>` holds a finished report of exactly this scenario: its manifest
/// names the same parameter fingerprint, seed and dslab version, and its `reversal.csv` is
/// there (reports are swapped in whole, so a present one is complete). `--resume` keeps
/// such scenarios instead of running them again.
fn finished_earlier(out: &Path, s: &Scenario) -> bool {
    let dir = out.join(&s.name);
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        return false;
    };
    let Ok(m) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    let same = m["scenario_hash"].as_str() == Some(s.experiment.fingerprint().as_str())
        && m["seed"].as_u64() == Some(s.experiment.seed)
        && m["version"].as_str() == Some(env!("CARGO_PKG_VERSION"));
    same && std::fs::read_to_string(dir.join("reversal.csv")).is_ok_and(|c| c.lines().count() > 1)
}

/// Run `dslab run`.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let mut scenarios = load(&args)?;
    let threads = common::threads(args.threads)?;
    let shard = common::shard_flag(args.shard.as_deref())?;
    if shard.is_some() {
        scenarios = shardable(&args, scenarios)?;
    }
    let every = common::checkpoint_every(args.checkpoint_every)?;
    let out = common::prepare_out_dir("--out", &args.out)?;
    // One run per output folder; refuses targets that are the user's (before any work).
    let names = scenarios.iter().map(|s| s.name.as_str());
    let _lock = report::lock::OutputLock::acquire(&out, names, shard.is_some())?;
    let say = |msg: String| {
        if !args.quiet {
            eprintln!("{msg}");
        }
    };
    say(announcement(&args, &scenarios, threads));
    let command = common::command_line();
    let note = args.quick.then_some(
        "Quick smoke run (`dslab run --quick`): few trials and graphs, rough numbers. \
         Run `dslab run` for the full lab.",
    );
    let mut finished: Vec<String> = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        let label = format!("[{}/{}] {}", i + 1, scenarios.len(), s.name);
        let exp = &s.experiment;
        if args.resume && shard.is_none() && finished_earlier(&out, s) {
            say(format!(
                "{label}: kept: {} holds this scenario's finished report (same parameters and seed)",
                out.join(&s.name).display()
            ));
            finished.push(s.name.clone());
            continue;
        }
        let bar = Bar::new(exp.cells(), exp.trials, args.quiet, &label);
        // The checkpoint lives in a fixed folder (not the per-process partial one), so a
        // later `--resume` finds it; it is removed once the scenario's report is in place.
        let ckdir = out.join(format!(".{}.checkpoint", s.name));
        std::fs::create_dir_all(&ckdir)?;
        let opts = RunOptions {
            interrupt: Some(common::interrupt_flag()),
            shard,
            checkpoint: Some(CheckpointAt {
                dir: &ckdir,
                resume: args.resume,
                every,
            }),
        };
        let outcome = common::with_pool(threads, || exp.run_with(&opts, &bar))?
            .map_err(|e| interrupted_context(e, &finished, &scenarios[i..], &command))?;
        bar.finish();
        // A warning prints whatever --quiet says, except the cap a `--quick` run imposed
        // itself: its summary page already says the numbers are rough.
        let raise = "max_trials in the scenario file or pass --trials N";
        let outcome_rows = outcome.rows();
        let own_cap = args.quick && args.trials.is_none();
        if let Some(w) = warnings::trial_cap(exp, &outcome_rows, raise).filter(|_| !own_cap) {
            eprintln!("warning: {label}: {w}");
        }
        // Nor about the graphs a quick run caps itself (`QUICK_TOPOLOGIES`).
        let own_graphs = args.quick;
        if let Some(w) = warnings::few_graphs(&outcome_rows).filter(|_| !own_graphs) {
            eprintln!("warning: {label}: {w}");
        }
        if outcome.resumed_trials > 0 {
            say(format!(
                "{label}: resumed, {} trials were already done",
                outcome.resumed_trials
            ));
        }
        let dir = match shard {
            Some(sh) => write_shard(&out, s, &outcome, sh, threads, &command),
            None => write_scenario(&out, s, &outcome, threads, &command),
        }
        .map_err(|e| e.context(unfinished(&finished, &scenarios[i..])))?;
        report::remove_checkpoint(&ckdir, shard);
        let _ = std::fs::remove_dir(&ckdir);
        say(format!(
            "{label}: finished in {:.1} s → {}",
            outcome.wall_seconds,
            dir.display()
        ));
        finished.push(s.name.clone());
        if shard.is_none() {
            // Keep the summary page current, so an interrupted lab still lists what finished.
            write_summary(&out, note)?;
        }
        if common::interrupt_flag().load(std::sync::atomic::Ordering::Relaxed) {
            let e = anyhow::Error::from(crate::error::Interrupted);
            return Err(interrupted_context(
                e,
                &finished,
                &scenarios[i + 1..],
                &command,
            ));
        }
    }
    if shard.is_some() {
        say("shards written; when all are done: dslab merge OUT/NAME... --out DIR for each scenario".into());
        return Ok(());
    }
    if args.scenarios.is_empty() && !args.quick {
        for m in MODELS {
            let dir = out.join(m.name);
            check_model_target(&dir)?;
            say(format!("[model] {}: {}", m.name, m.what));
            let start = std::time::Instant::now();
            common::with_pool(threads, || (m.write)(&dir))??;
            say(format!(
                "[model] {}: finished in {:.1} s → {}",
                m.name,
                start.elapsed().as_secs_f64(),
                dir.display()
            ));
            finished.push(m.name.to_string());
        }
    }
    let readme = write_summary(&out, note)?;
    for name in &finished {
        println!("{}", out.join(name).display());
    }
    println!("{}", readme.display());
    Ok(())
}

/// An interrupted run says what finished and how to continue; other errors pass through.
fn interrupted_context(
    e: anyhow::Error,
    finished: &[String],
    rest: &[Scenario],
    command: &str,
) -> anyhow::Error {
    if e.downcast_ref::<crate::error::Interrupted>().is_none() {
        return e;
    }
    let again = if command.contains("--resume") {
        command.to_string()
    } else {
        format!("{command} --resume")
    };
    e.context(format!(
        "{}; the unfinished scenario's checkpoint is saved: continue with `{again}`",
        unfinished(finished, rest)
    ))
}

/// What an error in the middle of a lab leaves behind.
fn unfinished(finished: &[String], rest: &[Scenario]) -> String {
    let rest: Vec<&str> = rest.iter().map(|s| s.name.as_str()).collect();
    let done = if finished.is_empty() {
        "none".to_string()
    } else {
        finished.join(", ")
    };
    format!(
        "finished and written: {done}; not written: {} (earlier reports of these are intact)",
        rest.join(", ")
    )
}

// ---------------------------------------------------------------------------------------
// Loading scenarios (everything is validated before any simulation starts)

/// The scenarios a sharded run can run. A shard sees only its own batches, so a scenario
/// with a precision target (`rel_error`) would stop on each shard's own precision and the
/// merged counts would match no unsharded run: a named one is refused; the built-in lab
/// runs without its precision-target scenarios (named in a warning, with how to run them).
fn shardable(args: &RunArgs, scenarios: Vec<Scenario>) -> anyhow::Result<Vec<Scenario>> {
    let (targeted, rest): (Vec<Scenario>, Vec<Scenario>) = scenarios
        .into_iter()
        .partition(|s| s.experiment.sampling.rel_error.is_some());
    let Some(first) = targeted.first() else {
        return Ok(rest);
    };
    if !args.scenarios.is_empty() {
        return Err(usage(
            "--shard",
            args.shard.as_deref().unwrap_or_default(),
            &format!(
                "scenario '{}' runs to a precision target (rel_error), which a shard cannot \
                 judge alone; run it unsharded, or give it a fixed `trials` instead of \
                 rel_error for sharded runs (docs/cluster.md)",
                first.name
            ),
        ));
    }
    let names: Vec<&str> = targeted.iter().map(|s| s.name.as_str()).collect();
    eprintln!(
        "warning: sharding the built-in lab without {} (a precision target cannot be \
         sharded); run it unsharded: dslab run attacks/{}.toml",
        names.join(", "),
        names.join(".toml attacks/")
    );
    Ok(rest)
}

fn load(args: &RunArgs) -> anyhow::Result<Vec<Scenario>> {
    let mut scenarios = if args.scenarios.is_empty() {
        BUILTIN
            .iter()
            .map(|b| scenario::parse(&format!("built-in attacks/{}.toml", b.name), b.name, b.text))
            .collect::<anyhow::Result<Vec<_>>>()?
    } else {
        args.scenarios
            .iter()
            .map(|p| load_file(p))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    for (i, s) in scenarios.iter().enumerate() {
        if scenarios[..i].iter().any(|t| t.name == s.name) {
            return Err(usage(
                "SCENARIO.toml",
                &s.name,
                "two scenarios have this name (the file name gives the report folder); rename one",
            ));
        }
    }
    for s in &mut scenarios {
        apply_overrides(args, &mut s.experiment)?;
    }
    Ok(scenarios)
}

fn load_file(path: &Path) -> anyhow::Result<Scenario> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        usage(
            "SCENARIO.toml",
            &shown,
            &format!("cannot read this scenario file ({e}); check the path"),
        )
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let safe = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !safe {
        return Err(usage(
            "SCENARIO.toml",
            &shown,
            "the file name becomes the report folder's name: use letters, digits, '-', '_' \
             and '.', not starting with '.'",
        ));
    }
    scenario::parse(&shown, &name, &text)
}

fn apply_overrides(args: &RunArgs, exp: &mut Experiment) -> anyhow::Result<()> {
    match args.trials {
        Some(0) => return Err(usage("--trials", 0, "run at least 1 trial")),
        Some(n) => exp.trials = n,
        // A quick run also caps precision-target runs (their `trials` is the cap).
        None if args.quick => exp.trials = exp.trials.min(QUICK_TRIALS),
        None => {}
    }
    if let (true, AttackSpec::Timed(n)) = (args.quick, &mut exp.attack) {
        // A smoke run: generating hundreds of 1000-node graphs would be most of its time.
        n.network.topologies = n.network.topologies.min(QUICK_TOPOLOGIES);
    }
    if let Some(s) = args.seed {
        exp.seed = s;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Writing

/// Build the scenario's folder in a hidden sibling, then swap it in; returns the folder.
fn write_scenario(
    out: &Path,
    s: &Scenario,
    outcome: &Outcome,
    threads: usize,
    command: &str,
) -> anyhow::Result<PathBuf> {
    let pid = std::process::id();
    let tmp = out.join(format!(".{}.partial-{pid}", s.name));
    let result = (|| {
        remove_stale(out, &s.name)?;
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        report::write_result(&tmp, &s.experiment, outcome, threads, command)?;
        write_atomic(&tmp.join("scenario.toml"), s.text.as_bytes())?;
        // Plots are drawn from the CSV just written, exactly as `dslab plot` does.
        write_figures(&tmp, &s.name)?;
        report::lock::swap_in(out, &tmp, &s.name)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Write a shard file of the scenario into `out/NAME/` (no CSV, no plots).
fn write_shard(
    out: &Path,
    s: &Scenario,
    outcome: &Outcome,
    shard: (u64, u64),
    threads: usize,
    command: &str,
) -> anyhow::Result<PathBuf> {
    let dir = out.join(&s.name);
    std::fs::create_dir_all(&dir)?;
    let file = ShardFile::new(&s.experiment, outcome, shard, threads, command)?;
    report::shard::write(&dir, &file)?;
    Ok(dir)
}

/// Remove hidden leftovers of earlier interrupted runs of this scenario (only those whose
/// process is gone, known through /proc; elsewhere they are left alone).
fn remove_stale(out: &Path, name: &str) -> std::io::Result<()> {
    if !Path::new("/proc/self").exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(out)?.filter_map(Result::ok) {
        let file = entry.file_name().to_string_lossy().into_owned();
        let pid = [".partial-", ".old-"]
            .iter()
            .find_map(|tag| file.strip_prefix(&format!(".{name}{tag}")));
        let numeric = |p: &&str| p.chars().all(|c| c.is_ascii_digit());
        // Folders only: a file there is the user's (moved aside by an older dslab).
        if let Some(pid) = pid.filter(numeric)
            && !Path::new("/proc").join(pid).exists()
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// Write `out/README.md` over every report folder in `out` (built-in lab order first,
/// then by name).
fn write_summary(out: &Path, note: Option<&str>) -> anyhow::Result<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(out)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| !is_hidden(p) && p.join("reversal.csv").is_file())
        .collect();
    let rank = |p: &Path| {
        let n = p.file_name().map(|n| n.to_string_lossy().into_owned());
        let i = BUILTIN
            .iter()
            .position(|b| Some(b.name) == n.as_deref())
            .unwrap_or(BUILTIN.len());
        (i, n)
    };
    dirs.sort_by_key(|p| rank(p));
    let entries = dirs
        .iter()
        .map(|d| entry(d))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let models: Vec<summary::ModelPage> =
        MODELS.iter().filter_map(|m| model_page(out, m)).collect();
    let path = out.join("README.md");
    write_atomic(&path, summary::render(&entries, &models, note).as_bytes())?;
    Ok(path)
}

fn entry(dir: &Path) -> anyhow::Result<Entry> {
    let name = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let csv = std::fs::read_to_string(dir.join("reversal.csv"))?;
    let rows = read_rows(&csv).map_err(|e| e.context(format!("in {}", dir.display())))?;
    let question = std::fs::read_to_string(dir.join("scenario.toml"))
        .map(|t| scenario::question(&t))
        .unwrap_or_default();
    let figures = report::plot::render_plan(&name, &rows);
    let images = figures
        .into_iter()
        .filter(|(file, _)| dir.join(file).is_file())
        .map(|(f, a)| (f.to_string(), a))
        .collect();
    let files = ["reversal.csv", "manifest.json", "scenario.toml"]
        .into_iter()
        .filter(|f| dir.join(f).is_file())
        .map(String::from)
        .collect();
    Ok(Entry {
        name,
        question,
        rows,
        images,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_page_is_listed_with_its_merchant_paragraph_or_the_models_own_line() {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("optimal");
        std::fs::create_dir_all(&dir).unwrap();
        let page = "# The title\n\nGenerated by x (do not edit by hand).\n\n\
                    **For a merchant.** First sentence.\nSecond one.\n\n## More\n";
        std::fs::write(dir.join("README.md"), page).unwrap();
        let p = model_page(out.path(), &MODELS[0]).expect("listed");
        assert_eq!(p.title, "The title");
        assert_eq!(p.merchant, "First sentence. Second one.");
        // Without such a paragraph, the model's own line; absent, not listed.
        std::fs::write(dir.join("README.md"), "# T\n\nNothing for merchants.\n").unwrap();
        let p = model_page(out.path(), &MODELS[0]).expect("listed");
        assert_eq!(p.merchant, MODELS[0].merchant);
        assert!(model_page(out.path(), &MODELS[1]).is_none());
    }

    #[test]
    fn a_folder_dslab_did_not_write_is_not_replaced_by_a_model_page() {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("backtests");
        assert!(check_model_target(&dir).is_ok(), "absent: written");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let e = check_model_target(&dir).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(e.to_string().contains("--out"), "{e}");
        std::fs::write(dir.join("README.md"), "# x\n\n(do not edit by hand)\n").unwrap();
        assert!(
            check_model_target(&dir).is_ok(),
            "dslab's own page: replaced"
        );
    }
}
