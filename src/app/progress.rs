//! The progress bar on stderr (indicatif): shown only when stderr is a terminal and not
//! `--quiet`; the engine reports through [`crate::sim::estimate::Progress`].

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::sim::estimate::Progress;

/// A trials progress bar (hidden when not wanted).
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar over `total` trials; hidden if `quiet` or stderr is not a terminal.
    pub fn new(total: u64, quiet: bool, label: &str) -> Bar {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
        } else {
            ProgressBar::new(total)
        };
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {percent:>3}% {human_pos}/{human_len} trials, {per_sec}, {eta} left",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        Bar(bar)
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn advance(&self, trials: u64) {
        self.0.inc(trials);
    }
}
