//! The progress bar on stderr (indicatif): shown only when stderr is a terminal and not
//! `--quiet`; the engine reports through [`crate::estimate::Progress`]. Without a terminal
//! (a batch job, a pipe) and not `--quiet`, a plain line every [`LINE_EVERY`] instead, so a
//! long run is never silent.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::estimate::Progress;

/// Interval of the plain progress lines written when stderr is not a terminal (the
/// environment variable `DSLAB_PROGRESS_EVERY`, in seconds, overrides it).
pub const LINE_EVERY: Duration = Duration::from_secs(30);

fn line_every() -> Duration {
    std::env::var("DSLAB_PROGRESS_EVERY")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(LINE_EVERY, Duration::from_secs_f64)
}

/// A trials progress bar with a cells-done count (hidden when not wanted).
pub struct Bar {
    bar: ProgressBar,
    cells: u64,
    per_cell: u64,
    /// Without a terminal: when the last plain line was written (None: no lines).
    lines: Option<Mutex<Instant>>,
    every: Duration,
    start: Instant,
    label: String,
}

impl Bar {
    /// A bar over `cells` cells of `per_cell` trials; hidden if `quiet` or stderr is not a
    /// terminal. (With a precision target `per_cell` is the cap, so the bar may end early.)
    pub fn new(cells: u64, per_cell: u64, quiet: bool, label: &str) -> Bar {
        let total = cells.saturating_mul(per_cell);
        let terminal = std::io::stderr().is_terminal();
        let bar = if quiet || !terminal {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
        } else {
            ProgressBar::new(total)
        };
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {percent:>3}% {msg}, {human_pos}/{human_len} trials, {rate}, {eta} left",
        )
        .map(|s| {
            s.progress_chars("=> ")
                .with_key("rate", |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1} M trials/s", st.per_sec() / 1e6);
                })
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        bar.set_message(format!("0/{cells} cells"));
        Bar {
            bar,
            cells,
            per_cell: per_cell.max(1),
            lines: (!quiet && !terminal).then(|| Mutex::new(Instant::now())),
            every: line_every(),
            start: Instant::now(),
            label: label.to_string(),
        }
    }

    /// The plain line, at most once per [`LINE_EVERY`].
    fn line(&self, done_cells: u64) {
        let Some(last) = &self.lines else {
            return;
        };
        let Ok(mut last) = last.try_lock() else {
            return;
        };
        if last.elapsed() < self.every {
            return;
        }
        *last = Instant::now();
        let (pos, len) = (self.bar.position(), self.bar.length().unwrap_or(0));
        let rate = pos as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
        eprintln!(
            "{}: {pos}/{len} trials ({:.0}%), {done_cells}/{} cells, {:.2} M trials/s, {:.0} s elapsed",
            self.label,
            100.0 * pos as f64 / len.max(1) as f64,
            self.cells,
            rate / 1e6,
            self.start.elapsed().as_secs_f64()
        );
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn advance(&self, trials: u64) {
        self.bar.inc(trials);
        // Batches of all cells run interleaved: cells done is the trials done in whole cells.
        let done = (self.bar.position() / self.per_cell).min(self.cells);
        self.bar.set_message(format!("{done}/{} cells", self.cells));
        self.line(done);
    }
}
