//! The Solidity compiler: `$ZKACCEL_SOLC` (a `solc` binary or the npm package's `solc.js`), else
//! the solcjs that `scripts/install-deps.sh` installs into the build directory
//! (`target/solcjs/node_modules/solc/solc.js`, found above the running executable), else `solc`
//! on the PATH. Standard-JSON input, optimizer on with `runs = 1` (the verifier is called rarely
//! and must fit the code-size limit). Results are cached in `target/evm-cache/` (next to solcjs),
//! keyed by the sha256 of the compiler's version string (asked once per process), the standard
//! JSON input and the contract name, so tests compile each contract once and another compiler
//! never answers from an older one's output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::exit_code::ExitCode;

/// A compiled contract.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Creation bytecode (deploy this).
    pub init_code: Vec<u8>,
    /// Runtime bytecode size in bytes.
    pub runtime_size: usize,
    /// The compiler: its kind, version string and path.
    pub compiler: String,
}

enum Solc {
    Native(PathBuf),
    Js(PathBuf),
}

const SOLCJS_REL: &str = "solcjs/node_modules/solc/solc.js";

fn find() -> Option<(Solc, Option<PathBuf>)> {
    if let Some(p) = std::env::var_os("ZKACCEL_SOLC").map(PathBuf::from) {
        // Absolute: node's require() reads a relative path as a module name.
        let p = std::path::absolute(&p).unwrap_or(p);
        return Some((if p.extension().is_some_and(|e| e == "js") { Solc::Js(p) } else { Solc::Native(p) }, None));
    }
    let exe = std::env::current_exe().ok()?;
    for dir in exe.ancestors().skip(1) {
        let js = dir.join(SOLCJS_REL);
        if js.is_file() {
            return Some((Solc::Js(js), Some(dir.join("evm-cache"))));
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("solc")).find(|p| p.is_file()).map(|p| (Solc::Native(p), None))
}

impl Solc {
    /// The compiler's version string (`solc --version`'s last line, solc.js's `version()`),
    /// asked once per process and path; an error if the compiler does not answer.
    fn version(&self) -> Result<String> {
        static VERSIONS: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
        let (path, js) = match self {
            Solc::Native(p) => (p, false),
            Solc::Js(p) => (p, true),
        };
        let versions = VERSIONS.get_or_init(Default::default);
        if let Some(v) = versions.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
            return Ok(v.clone());
        }
        let fail = |m: String| Error::new(ExitCode::Io, format!("asking the Solidity compiler {} for its version: {m}", path.display()));
        let out = if js {
            Command::new("node").arg("-e").arg("process.stdout.write(require(process.argv[1]).version())").arg(package(path)).output()
        } else {
            Command::new(path).arg("--version").output()
        }
        .map_err(|e| fail(e.to_string()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let v = text.lines().rev().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_string();
        if !out.status.success() || v.is_empty() {
            return Err(fail(format!("{} {}", out.status, String::from_utf8_lossy(&out.stderr).trim())));
        }
        let v = if js { format!("solcjs {v}") } else { v };
        versions.lock().unwrap_or_else(|e| e.into_inner()).insert(path.clone(), v.clone());
        Ok(v)
    }
}

/// The npm package directory of a solc.js.
fn package(js: &Path) -> &Path {
    js.parent().expect("solc.js lies in the package directory")
}

/// Compiles `source` and returns contract `name`'s bytecode. No compiler found, or a compiler
/// error, is an error that says what to do.
pub fn compile(source: &str, name: &str) -> Result<Compiled> {
    compile_with(source, name, 1)
}

/// As [`compile`], with the optimizer's `runs` setting (1: smallest code).
pub fn compile_with(source: &str, name: &str, runs: u32) -> Result<Compiled> {
    let (solc, cache_dir) = find().ok_or_else(|| {
        Error::new(
            ExitCode::Io,
            "no Solidity compiler: run scripts/install-deps.sh (installs the npm package solc into target/solcjs), or set ZKACCEL_SOLC to a solc binary or solc.js",
        )
    })?;
    let input = json!({
        "language": "Solidity",
        "sources": { "Verifier.sol": { "content": source } },
        "settings": {
            "optimizer": { "enabled": true, "runs": runs },
            "outputSelection": { "*": { "*": ["evm.bytecode.object", "evm.deployedBytecode.object"] } }
        }
    })
    .to_string();
    let compiler_version = solc.version()?;
    // Every part length-prefixed, so that no two (version, input, name) give the same bytes.
    let mut hasher = Sha256::new();
    for part in [compiler_version.as_bytes(), input.as_bytes(), name.as_bytes()] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let key = hex::encode(hasher.finalize());
    let cached = cache_dir.as_ref().map(|d| d.join(format!("{key}.json")));
    if let Some(text) = cached.as_ref().and_then(|p| std::fs::read_to_string(p).ok()) {
        if let Ok(c) = parse(&text, name, &format!("{compiler_version} (cached)")) {
            return Ok(c);
        }
    }
    let (text, stderr, version) = match &solc {
        Solc::Native(p) => {
            let version = format!("{compiler_version} ({})", p.display());
            let mut child = Command::new(p)
                .arg("--standard-json")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| Error::new(ExitCode::Io, format!("running the Solidity compiler {version}: {e}")))?;
            {
                use std::io::Write;
                let mut stdin = child.stdin.take().expect("piped");
                stdin.write_all(input.as_bytes()).map_err(|e| Error::new(ExitCode::Io, format!("writing to {version}: {e}")))?;
            }
            let out = child.wait_with_output().map_err(|e| Error::new(ExitCode::Io, format!("running {version}: {e}")))?;
            (String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string(), version)
        }
        Solc::Js(p) => {
            // Through the package's JavaScript API with files: solcjs's CLI exits before a
            // large standard-JSON output is flushed to a pipe.
            let version = format!("{compiler_version} ({})", p.display());
            let io = |e: std::io::Error| Error::new(ExitCode::Io, format!("running {version}: {e}"));
            // One directory per call: two threads may compile the same source at once.
            static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("zkaccel-solc-{}-{call}-{key}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(io)?;
            let (inp, outp) = (dir.join("in.json"), dir.join("out.json"));
            std::fs::write(&inp, &input).map_err(io)?;
            let package = package(p);
            let out = Command::new("node")
                .arg("-e")
                .arg("const fs = require('fs'); const solc = require(process.argv[1]); fs.writeFileSync(process.argv[3], solc.compile(fs.readFileSync(process.argv[2], 'utf8')));")
                .arg(package)
                .arg(&inp)
                .arg(&outp)
                .output()
                .map_err(io)?;
            let text = std::fs::read_to_string(&outp).unwrap_or_default();
            let _ = std::fs::remove_dir_all(&dir);
            (text, String::from_utf8_lossy(&out.stderr).to_string(), version)
        }
    };
    let json_text = text.find('{').map(|i| &text[i..]).unwrap_or("");
    let c = parse(json_text, name, &version).map_err(|e| if stderr.trim().is_empty() { e } else { e.context(format!("stderr: {}", stderr.trim())) })?;
    if let (Some(dir), Some(p)) = (&cache_dir, &cached) {
        let _ = std::fs::create_dir_all(dir);
        let _ = crate::files::write_atomic(p, json_text.as_bytes(), crate::files::Access::Shared);
    }
    Ok(c)
}

fn parse(text: &str, name: &str, version: &str) -> Result<Compiled> {
    let fail = |m: String| Error::new(ExitCode::BadArtifact, format!("Solidity compiler {version}: {m}"));
    let v: Value = serde_json::from_str(text).map_err(|e| fail(format!("unreadable output ({e})")))?;
    if let Some(errs) = v["errors"].as_array() {
        let bad: Vec<String> = errs.iter().filter(|e| e["severity"] == "error").map(|e| e["formattedMessage"].as_str().unwrap_or("?").to_string()).collect();
        if !bad.is_empty() {
            return Err(fail(bad.join("\n")));
        }
    }
    let c = &v["contracts"]["Verifier.sol"][name]["evm"];
    let init = c["bytecode"]["object"].as_str().ok_or_else(|| fail(format!("no contract {name} in the output")))?;
    let runtime = c["deployedBytecode"]["object"].as_str().unwrap_or("");
    Ok(Compiled {
        init_code: hex::decode(init).map_err(|e| fail(format!("bytecode not hex ({e})")))?,
        runtime_size: runtime.len() / 2,
        compiler: version.to_string(),
    })
}
