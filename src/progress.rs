//! Progress bars for long work on a terminal (backtests, `hunt` results of many rows, loading a
//! generated tenant, resuming many pending actions): drawn on stderr only when it is a terminal,
//! nothing otherwise (logs, pipes, CI and services see no bar).

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `len` steps, or nothing when stderr is not a terminal.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Starts a bar saying `what` (e.g. "replaying runs"), when stderr is a terminal.
    pub fn start(len: u64, what: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_string());
        Progress(Some(bar))
    }

    /// No bar (work too small to show one for).
    pub fn hidden() -> Progress {
        Progress(None)
    }

    /// [`Progress::start`] when there are at least `threshold` steps, else no bar.
    pub fn start_above(len: u64, threshold: u64, what: &str) -> Progress {
        if len >= threshold {
            Progress::start(len, what)
        } else {
            Progress::hidden()
        }
    }

    /// Whether a bar is drawn.
    pub fn is_shown(&self) -> bool {
        self.0.is_some()
    }

    /// One more step done.
    pub fn step(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// `n` more steps done.
    pub fn advance(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
