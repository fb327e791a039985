//! Running the `zkaccel` binary from the tests: its exit code and output, scratch directories
//! that are removed when the test passes (kept, with their path printed, when it fails).

use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// One run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(out: Output) -> Self {
        Run { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into(), stderr: String::from_utf8_lossy(&out.stderr).into() }
    }
    /// stdout as one JSON value (`--json`).
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
    /// Asserts the exit code, printing both streams when it differs.
    pub fn expect(self, code: i32, what: &str) -> Self {
        assert_eq!(self.code, code, "{what}: exit {} (expected {code})\nstdout: {}\nstderr: {}", self.code, self.stdout, self.stderr);
        self
    }
}

/// The `zkaccel` binary cargo built for this test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_zkaccel")
}

/// `zkaccel ARGS…` (arguments as OS strings, so tests can pass non-UTF-8 bytes).
pub fn zk<S: AsRef<OsStr>>(args: &[S]) -> Run {
    zk_with(Command::new(bin()).args(args))
}

/// Runs a prepared command (e.g. `Command::new(bin())` with extra environment variables).
pub fn zk_with(cmd: &mut Command) -> Run {
    Run::of(cmd.output().expect("run zkaccel"))
}

/// A fresh scratch directory `<tmp>/zkaccel-<group>-<name>-<pid>` (each test file its own group,
/// so names never collide inside one test process). Removed on drop unless the thread is
/// panicking: a failing test leaves its files for diagnosis.
pub struct Scratch(PathBuf);

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<OsStr> for Scratch {
    fn as_ref(&self) -> &OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test files kept in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn scratch(group: &str, name: &str) -> Scratch {
    let d = std::env::temp_dir().join(format!("zkaccel-{group}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Scratch(d)
}

/// A path as `&str` for an argument list.
pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// snarkjs' powers of tau for 2^10 (committed test fixture).
pub fn ptau() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/snarkjs_bn128_pot10_final.ptau")
}
