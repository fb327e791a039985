//! Running the `zkaccel` binary from the robustness tests: its exit code and output, scratch
//! directories, the bundled example models.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// One run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(out: std::process::Output) -> Self {
        Run { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into(), stderr: String::from_utf8_lossy(&out.stderr).into() }
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
    pub fn expect(self, code: i32, what: &str) -> Self {
        assert_eq!(self.code, code, "{what}: exit {} (expected {code})\nstdout: {}\nstderr: {}", self.code, self.stdout, self.stderr);
        self
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_zkaccel")
}

/// `zkaccel ARGS…` (arguments as OS strings, so tests can pass non-UTF-8 bytes).
pub fn zk<S: AsRef<OsStr>>(args: &[S]) -> Run {
    Run::of(Command::new(bin()).args(args).output().expect("run zkaccel"))
}

/// A fresh scratch directory `zkaccel-<group>-<name>-<pid>` (each test module its own group, so
/// names never collide inside this one test process).
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkaccel-{group}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../onnx/examples").join(name)
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}
