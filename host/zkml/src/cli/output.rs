//! Output: a human summary on stdout, or one JSON object with `--json`; progress spinners on
//! stderr for long steps (only when stderr is a terminal and without `--json`); errors on stderr
//! (or as JSON on stdout with `--json`).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use crate::error::Error;

/// What a verb reports: its JSON fields and the human lines.
pub struct Report {
    pub json: Value,
    pub lines: Vec<String>,
}

/// Output settings for one run.
pub struct Out {
    pub json: bool,
    progress: bool,
}

/// A running step: a spinner (when enabled) and a timer.
pub struct Step {
    bar: Option<ProgressBar>,
    start: Instant,
}

impl Step {
    /// Ends the step and returns how long it took.
    pub fn done(self) -> Duration {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
        self.start.elapsed()
    }
}

impl Out {
    pub fn new(json: bool) -> Self {
        Self { json, progress: !json && std::io::stderr().is_terminal() }
    }

    /// Starts a long step with a spinner on stderr.
    pub fn step(&self, msg: &str) -> Step {
        let bar = self.progress.then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]").expect("template"));
            b.set_message(msg.to_string());
            b.enable_steady_tick(Duration::from_millis(100));
            b
        });
        Step { bar, start: Instant::now() }
    }

    /// A note for people on stderr (not with --json).
    pub fn note(&self, msg: &str) {
        if !self.json {
            err_line(msg);
        }
    }

    pub fn print_report(&self, r: &Report) {
        if self.json {
            out_line(&r.json.to_string());
        } else {
            for l in &r.lines {
                out_line(l);
            }
        }
    }
}

/// Prints an error: JSON on stdout with --json, else a line on stderr.
pub fn print_error(json: bool, e: &Error) {
    if json {
        out_line(&json!({ "ok": false, "error": { "code": e.code.code(), "kind": e.code.name(), "message": e.message } }).to_string());
    } else {
        err_line(&format!("error: {}", e.message));
        err_line(&format!("(exit code {}: {})", e.code.code(), e.code.name()));
    }
}

/// A line on stdout; a closed or full stdout (e.g. `| head -1`) is not an error of the verb (the
/// exit code still tells the result), and never a panic.
pub fn out_line(s: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{s}");
}

/// A line on stderr, ignoring a closed stderr.
pub fn err_line(s: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{s}");
}

/// Milliseconds of a duration, for JSON.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}
