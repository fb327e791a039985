//! Running an external tool (`fpga-load-local-image`, `vivado`, `xrt-smi`, `openFPGALoader`)
//! with a deadline: found on a given `PATH`, its output captured, and on timeout the tool and
//! everything it started (its process group) killed.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a tool did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolOutput {
    /// Exit status (`None`: killed by a signal).
    pub status: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl ToolOutput {
    /// The last lines of stdout and stderr, for an error message ("(no output)" when empty).
    pub fn tail(&self) -> String {
        tail_of(&format!("{}{}", self.stdout, self.stderr))
    }
}

/// At most the last 20 lines of `text`, trimmed; "(no output)" when empty.
pub fn tail_of(text: &str) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    if lines.is_empty() {
        return "(no output)".into();
    }
    let start = lines.len().saturating_sub(20);
    lines[start..].join("\n")
}

/// Why a tool run failed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ToolError {
    /// Not on the search path.
    #[error("{tool}: not found on PATH ({path}); install it or put it on PATH")]
    Missing { tool: String, path: String },
    /// Could not be started.
    #[error("{tool}: cannot start {exe}: {why}")]
    Spawn { tool: String, exe: String, why: String },
    /// Ran past its deadline and was killed.
    #[error("{tool}: no answer within {secs:.1} s; killed it. It printed:\n{output}")]
    Timeout { tool: String, secs: f64, output: String },
}

/// The executable `tool` on `path` (the `PATH` of this process when `None`).
pub fn find(tool: &str, path: Option<&OsStr>) -> Result<PathBuf, ToolError> {
    let path: OsString = path.map(OsStr::to_os_string).or_else(|| std::env::var_os("PATH")).unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let exe = dir.join(tool);
        if is_executable(&exe) {
            return Ok(exe);
        }
    }
    Err(ToolError::Missing { tool: tool.into(), path: path.to_string_lossy().into_owned() })
}

#[cfg(unix)]
fn is_executable(p: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &std::path::Path) -> bool {
    p.is_file()
}

/// Runs `tool args…` found on `path` (which is also the child's `PATH`), waiting at most
/// `timeout`. A non-zero exit is not an error here: the caller reads the status and the output.
pub fn run(tool: &str, args: &[String], path: Option<&OsStr>, timeout: Duration) -> Result<ToolOutput, ToolError> {
    let exe = find(tool, path)?;
    let mut cmd = Command::new(&exe);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so that a timeout kills whatever the tool started too.
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|e| ToolError::Spawn {
        tool: tool.into(),
        exe: exe.display().to_string(),
        why: e.to_string(),
    })?;
    let reader = |r: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
        });
        rx
    };
    let out = reader(child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() >= timeout => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                return Err(ToolError::Spawn { tool: tool.into(), exe: exe.display().to_string(), why: e.to_string() })
            }
        }
    };
    match status {
        Some(st) => {
            // The tool exited. Something it started in the background may still hold its output
            // open: give that a moment, then end the group so that the output is complete.
            let grace = Duration::from_secs(2);
            let stdout = out.recv_timeout(grace).unwrap_or_else(|_| {
                kill_group(&mut child);
                out.recv().unwrap_or_default()
            });
            let stderr = err.recv_timeout(grace).unwrap_or_else(|_| {
                kill_group(&mut child);
                err.recv().unwrap_or_default()
            });
            Ok(ToolOutput { status: st.code(), stdout, stderr })
        }
        None => {
            kill_group(&mut child);
            let _ = child.wait();
            let o = ToolOutput { status: None, stdout: out.recv().unwrap_or_default(), stderr: err.recv().unwrap_or_default() };
            Err(ToolError::Timeout { tool: tool.into(), secs: timeout.as_secs_f64(), output: o.tail() })
        }
    }
}

#[cfg(unix)]
fn kill_group(child: &mut std::process::Child) {
    // SAFETY: kill(2) with a negative pid signals the process group the child leads (it was
    // spawned with process_group(0), so its pgid is its pid); no memory is involved.
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(child: &mut std::process::Child) {
    let _ = child.kill();
}
