//! Running an external tool (`fpga-load-local-image`, `vivado`, `xrt-smi`, `openFPGALoader`)
//! with a deadline: found on a given `PATH`, its output captured (the tail, bounded), and on
//! timeout the tool and everything it started (its process group) killed; the call returns by the
//! deadline plus a short grace even when a helper outside the group keeps the output open.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
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

/// Most bytes kept of each of a tool's output streams: the tail (where a tool's verdict is); the
/// cut is said at the top of what is kept.
pub const OUTPUT_MAX: usize = 1 << 20;
/// How long the output is waited for once the tool has exited and its process group is killed: a
/// helper it started in a session of its own (`setsid`, a daemon such as `hw_server`) may hold
/// the pipes open for ever.
const READER_GRACE: Duration = Duration::from_millis(500);

/// What a reader thread collected: the last [`OUTPUT_MAX`] bytes (at most twice that while
/// reading) and how many were cut before them.
#[derive(Default)]
struct Tail {
    bytes: Vec<u8>,
    cut: u64,
}

impl Tail {
    fn push(&mut self, b: &[u8]) {
        self.bytes.extend_from_slice(b);
        if self.bytes.len() > 2 * OUTPUT_MAX {
            let excess = self.bytes.len() - OUTPUT_MAX;
            self.bytes.drain(..excess);
            self.cut += excess as u64;
        }
    }

    fn text(&self) -> String {
        let skip = self.bytes.len().saturating_sub(OUTPUT_MAX);
        let cut = self.cut + skip as u64;
        let kept = String::from_utf8_lossy(&self.bytes[skip..]);
        if cut == 0 {
            kept.into_owned()
        } else {
            format!("[output cut: its first {cut} bytes are not kept, the last {} are]\n{kept}", self.bytes.len() - skip)
        }
    }
}

/// A stream a reader thread reads.
#[cfg(unix)]
trait Stream: Read + std::os::fd::AsRawFd + Send + 'static {}
#[cfg(unix)]
impl<T: Read + std::os::fd::AsRawFd + Send + 'static> Stream for T {}
#[cfg(not(unix))]
trait Stream: Read + Send + 'static {}
#[cfg(not(unix))]
impl<T: Read + Send + 'static> Stream for T {}

/// Waits up to 100 ms for `s` to have data (or end of file); false when nothing came.
#[cfg(unix)]
fn readable(s: &impl Stream) -> bool {
    let mut p = libc::pollfd { fd: s.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd on a descriptor the caller owns.
    match unsafe { libc::poll(&mut p, 1, 100) } {
        0 => false,
        // Interrupted: poll again; another error: let the read report it.
        r if r < 0 => std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted,
        _ => true,
    }
}

#[cfg(not(unix))]
fn readable<T>(_: &T) -> bool {
    true
}

/// One output stream of the tool, read by a thread until end of file or until told to stop.
struct Reader {
    tail: Arc<Mutex<Tail>>,
    stop: Arc<AtomicBool>,
    eof: Receiver<()>,
    done: bool,
}

impl Reader {
    fn spawn(stream: Option<impl Stream>) -> Self {
        let tail = Arc::new(Mutex::new(Tail::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, eof) = std::sync::mpsc::channel();
        let (t, st) = (tail.clone(), stop.clone());
        std::thread::spawn(move || {
            if let Some(mut r) = stream {
                let mut buf = vec![0u8; 1 << 16];
                // Polled, so that the thread ends when told to even if the pipe never closes.
                while !st.load(Ordering::SeqCst) {
                    if !readable(&r) {
                        continue;
                    }
                    match r.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => t.lock().unwrap_or_else(|p| p.into_inner()).push(&buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
            }
            let _ = tx.send(());
        });
        Self { tail, stop, eof, done: false }
    }

    /// Waits until end of file or `deadline`; whether the stream ended.
    fn wait(&mut self, deadline: Instant) -> bool {
        if !self.done {
            self.done = self.eof.recv_timeout(deadline.saturating_duration_since(Instant::now())).is_ok();
        }
        self.done
    }

    /// Stops the thread (it closes its end of the pipe within 100 ms) and returns what it read.
    fn finish(self) -> String {
        self.stop.store(true, Ordering::SeqCst);
        let t = self.tail.lock().unwrap_or_else(|p| p.into_inner());
        t.text()
    }
}

/// Runs `tool args…` found on `path` (which is also the child's `PATH`), waiting at most
/// `timeout`. A non-zero exit is not an error here: the caller reads the status and the output.
/// Each output stream is kept up to its last [`OUTPUT_MAX`] bytes. Once the tool has exited (or
/// was killed at the deadline) its output is waited for a bounded time only: whatever it started
/// outside its process group cannot hold the call.
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
    let mut out = Reader::spawn(child.stdout.take());
    let mut err = Reader::spawn(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() >= timeout => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                kill_group(&mut child);
                let _ = child.wait();
                return Err(ToolError::Spawn { tool: tool.into(), exe: exe.display().to_string(), why: e.to_string() });
            }
        }
    };
    match status {
        Some(st) => {
            // The tool exited. Something it started in the background may still hold its output
            // open: give that a moment, then end the group and wait a little more, no longer.
            let grace = Instant::now() + Duration::from_secs(2);
            if !(out.wait(grace) & err.wait(grace)) {
                kill_group(&mut child);
                let grace = Instant::now() + READER_GRACE;
                out.wait(grace);
                err.wait(grace);
            }
            Ok(ToolOutput { status: st.code(), stdout: out.finish(), stderr: err.finish() })
        }
        None => {
            kill_group(&mut child);
            let _ = child.wait();
            let grace = Instant::now() + READER_GRACE;
            out.wait(grace);
            err.wait(grace);
            let o = ToolOutput { status: None, stdout: out.finish(), stderr: err.finish() };
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
