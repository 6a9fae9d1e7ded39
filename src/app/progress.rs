//! The progress bar on stderr (indicatif): shown only when stderr is a terminal and not
//! `--quiet`; the engine reports through [`crate::estimate::Progress`].

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::estimate::Progress;

/// A trials progress bar with a cells-done count (hidden when not wanted).
pub struct Bar {
    bar: ProgressBar,
    cells: u64,
    per_cell: u64,
}

impl Bar {
    /// A bar over `cells` cells of `per_cell` trials; hidden if `quiet` or stderr is not a
    /// terminal. (With a precision target `per_cell` is the cap, so the bar may end early.)
    pub fn new(cells: u64, per_cell: u64, quiet: bool, label: &str) -> Bar {
        let total = cells.saturating_mul(per_cell);
        let bar = if quiet || !std::io::stderr().is_terminal() {
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
        }
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
    }
}
