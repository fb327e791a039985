//! Verilate a Verilog top module, compile it with the `cc` crate behind the C wrapper, and load
//! the shared library. Builds are cached under `target/verilator/` by a hash of everything that
//! goes into them, and guarded by a file lock so that parallel tests (threads or processes) that
//! ask for the same model build it once.

use crate::model::Library;
use crate::ports::parse_top_ports;
use crate::wrapper::{wrapper_source, WRAPPER_VERSION};
use crate::SimError;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Verilator flags used for every model (besides `--prefix`, `-Mdir`, `--top-module` and, for a
/// traced build, `--trace`). `-O3` and `--x-assign/--x-initial fast` as DESIGN.md recommends;
/// `-Wno-WIDTH` because rust-hdl's generated Verilog relies on implicit width extension;
/// `--output-split` so the C++ compiles in parallel.
pub const VERILATOR_FLAGS: &[&str] = &[
    "--cc",
    "-O3",
    "--x-assign",
    "fast",
    "--x-initial",
    "fast",
    "--no-timing",
    "-Wno-fatal",
    "-Wno-WIDTH",
    "-Wno-lint",
    "-Wno-style",
    "--output-split",
    "20000",
    "--output-split-cfuncs",
    "2000",
];

/// C++ optimisation level of the verilated model's evaluation code (what runs every cycle).
const CXX_OPT: u32 = 2;

/// The evaluation code's level for a model built with [`Build::quick_compile`].
const QUICK_CXX_OPT: u32 = 1;

/// C++ optimisation level of the files Verilator names `…__Slow.cpp`: constructors, the initial
/// and settle code, run once per model instance, as Verilator's own makefile splits them
/// (`OPT_SLOW`). They are a fifth of the G1 adder's C++ and nearly half of a card's; at `-O0`
/// they compile in a fraction of the time and the simulation speed does not change.
const SLOW_CXX_OPT: u32 = 0;

/// Whether a Verilator output file holds once-per-instance code (see [`SLOW_CXX_OPT`]).
fn is_slow_source(path: &Path) -> bool {
    path.file_stem().and_then(|s| s.to_str()).is_some_and(|s| s.ends_with("__Slow") || s.contains("__Slow__"))
}

/// A Verilator model to build: a name (which becomes its `--prefix`) and its Verilog.
pub struct Build {
    name: String,
    verilog: String,
    traced: bool,
    trace_depth: Option<usize>,
    cxx_opt: u32,
}

/// Whether `ZKACCEL_VCD` asks for waveforms (`1`, or any value but `0` and the empty string).
pub fn vcd_requested() -> bool {
    std::env::var("ZKACCEL_VCD").is_ok_and(|v| v != "0" && !v.is_empty())
}

fn verilator_bin() -> String {
    std::env::var("VERILATOR").unwrap_or_else(|_| "verilator".into())
}

fn run(cmd: &mut Command, what: &str) -> Result<String, SimError> {
    let out = cmd.output().map_err(|e| SimError::Tool(format!("{what}: cannot start ({e}); run scripts/install-deps.sh")))?;
    let mut log = String::from_utf8_lossy(&out.stdout).into_owned();
    log.push_str(&String::from_utf8_lossy(&out.stderr));
    if out.status.success() {
        Ok(log)
    } else {
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(SimError::Tool(format!("{what} failed ({}):\n{}", out.status, tail.join("\n"))))
    }
}

/// `verilator --version` and its include directory, asked once per process.
fn verilator_info() -> Result<&'static (String, PathBuf), SimError> {
    static INFO: OnceLock<Result<(String, PathBuf), String>> = OnceLock::new();
    INFO.get_or_init(|| {
        let version = run(Command::new(verilator_bin()).arg("--version"), "verilator --version")
            .map_err(|e| e.to_string())?;
        let root = run(Command::new(verilator_bin()).args(["--getenv", "VERILATOR_ROOT"]), "verilator --getenv")
            .map_err(|e| e.to_string())?;
        Ok((version.trim().to_string(), PathBuf::from(root.trim()).join("include")))
    })
    .as_ref()
    .map_err(|e| SimError::Tool(e.clone()))
}

/// Where cached builds live: `$ZKACCEL_SIM_CACHE`, else `<cargo target dir>/verilator`.
pub fn cache_root() -> PathBuf {
    if let Ok(dir) = std::env::var("ZKACCEL_SIM_CACHE") {
        return PathBuf::from(dir);
    }
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("verilator");
    }
    // Test and bench binaries live in <target>/<profile>/deps/.
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors() {
            if dir.file_name().is_some_and(|n| n == "target") {
                return dir.join("verilator");
            }
        }
    }
    std::env::temp_dir().join("zkaccel-verilator")
}

fn cc_build(out_dir: &Path, include: &Path, opt: u32) -> cc::Build {
    let target = env!("ZKACCEL_SIM_TARGET");
    let mut b = cc::Build::new();
    b.cpp(true)
        .std("c++17")
        .opt_level(opt)
        .debug(false)
        .pic(true)
        .target(target)
        .host(target)
        .out_dir(out_dir)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .warnings(false)
        .include(include)
        .include(include.join("vltstd"))
        .define("VM_COVERAGE", "0")
        .define("VM_SC", "0")
        .flag("-fvisibility=hidden")
        .flag_if_supported("-faligned-new")
        .flag_if_supported("-Wno-unused-parameter");
    b
}

/// Compiles (once per Verilator version) the Verilator runtime objects all models link with.
fn runtime_objects(root: &Path) -> Result<Vec<PathBuf>, SimError> {
    let (version, include) = verilator_info()?;
    let key = hex::encode(&Sha256::digest(format!("{version}|{CXX_OPT}|{}", env!("ZKACCEL_SIM_TARGET")))[..8]);
    let dir = root.join(format!("runtime-{key}"));
    let done = dir.join("objects.txt");
    with_lock(&dir, || {
        if let Ok(list) = fs::read_to_string(&done) {
            let objs: Vec<PathBuf> = list.lines().map(PathBuf::from).collect();
            if objs.iter().all(|o| o.exists()) {
                return Ok(objs);
            }
        }
        let sources = ["verilated.cpp", "verilated_vcd_c.cpp", "verilated_threads.cpp"];
        let mut b = cc_build(&dir, include, CXX_OPT);
        for s in sources {
            b.file(include.join(s));
        }
        let objs = b.try_compile_intermediates().map_err(|e| SimError::Tool(format!("compiling the Verilator runtime: {e}")))?;
        let list: Vec<String> = objs.iter().map(|p| p.display().to_string()).collect();
        fs::write(&done, list.join("\n")).map_err(|e| SimError::Io(done.clone(), e))?;
        Ok(objs)
    })
}

/// Runs `f` holding an exclusive lock on `<dir>.lock` (creating `dir`).
fn with_lock<T>(dir: &Path, f: impl FnOnce() -> Result<T, SimError>) -> Result<T, SimError> {
    fs::create_dir_all(dir).map_err(|e| SimError::Io(dir.to_path_buf(), e))?;
    let lock_path = dir.with_extension("lock");
    let lock = File::create(&lock_path).map_err(|e| SimError::Io(lock_path.clone(), e))?;
    lock.lock().map_err(|e| SimError::Io(lock_path.clone(), e))?;
    let result = f();
    let _ = lock.unlock();
    result
}

impl Build {
    /// A model called `name` (letters, digits, `_`; unique per distinct design in a process).
    pub fn new(name: &str, verilog: impl Into<String>) -> Self {
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "model name {name:?} must be [A-Za-z0-9_]+"
        );
        Self { name: name.to_string(), verilog: verilog.into(), traced: vcd_requested(), trace_depth: None, cxx_opt: CXX_OPT }
    }

    /// Builds the model with Verilator's `--trace`, so that its instances can dump a VCD
    /// ([`crate::Model::trace_to`]). Models are built without it unless this is called or
    /// `ZKACCEL_VCD` is set: the trace code is about half of a model's C++ and of its compile time
    /// (measured on `montmul_pipelined_xcup_fr`: 18.6 of 35.8 CPU-seconds), and CI builds every
    /// model from scratch. A traced build has its own cache key, so both can sit in the cache.
    pub fn traced(mut self) -> Self {
        self.traced = true;
        self
    }

    /// Limits VCD tracing to `depth` levels of hierarchy (`--trace-depth`). Tracing every signal
    /// of a design with many 256-bit pipelines (the G1 adder's eleven multipliers) makes most of
    /// its C++ and most of its build time; the ports and the kernel's own registers are what a
    /// failure trace needs.
    pub fn trace_depth(mut self, depth: usize) -> Self {
        self.trace_depth = Some(depth);
        self
    }

    /// Compiles the evaluation code at `-O1` instead of `-O2`: for a model whose tests run few
    /// cycles, where the compile is nearly all of the time. Measured on a 2-core AMD machine: the
    /// XYZZ G1 adder built in 61 s instead of 86 s (before the `__Slow` split), its five tests as
    /// fast; the XYZZ unit with its RTL adder in 60 s instead of 144 s (each beside other builds,
    /// so less exact), its test 3 s of simulation. Not for the cards,
    /// whose tests simulate whole MSMs and proofs: there `-O1` built barely faster and ran the
    /// driver's conformance test ≈ 1.5× slower.
    pub fn quick_compile(mut self) -> Self {
        self.cxx_opt = QUICK_CXX_OPT;
        self
    }

    /// The cache key: everything that changes the built library.
    fn key(&self) -> Result<String, SimError> {
        let (version, _) = verilator_info()?;
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update([0]);
        h.update(self.verilog.as_bytes());
        h.update([0]);
        h.update(VERILATOR_FLAGS.join(" ").as_bytes());
        let trace = self.trace_flags();
        if !trace.is_empty() {
            h.update(format!("|{}", trace.join(" ")).as_bytes());
        }
        h.update(format!("|{version}|{WRAPPER_VERSION}|{}|{SLOW_CXX_OPT}", self.cxx_opt).as_bytes());
        Ok(hex::encode(&h.finalize()[..8]))
    }

    /// The Verilator arguments of a traced build (none for an untraced one): part of the cache key
    /// and of the command line alike.
    fn trace_flags(&self) -> Vec<String> {
        match (self.traced, self.trace_depth) {
            (false, _) => Vec::new(),
            (true, None) => vec!["--trace".into()],
            (true, Some(d)) => vec!["--trace".into(), "--trace-depth".into(), d.to_string()],
        }
    }

    /// Builds the model (or finds it in the cache) and loads it. Libraries are loaded once per
    /// process and shared.
    pub fn build(&self) -> Result<Arc<Library>, SimError> {
        type Slot = Arc<Mutex<Option<Arc<Library>>>>;
        static LOADED: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
        let key = self.key()?;
        let id = format!("{}{}-{key}", self.name, if self.traced { "_traced" } else { "" });
        // One slot per model: tests in one binary that want the same model wait for one build
        // instead of racing, while builds of different models go on side by side (other processes
        // are kept out by the file lock).
        let slot: Slot = {
            let mut map = LOADED.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
            map.entry(id.clone()).or_default().clone()
        };
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lib) = slot.as_ref() {
            return Ok(lib.clone());
        }
        let ports = parse_top_ports(&self.verilog)?;
        let root = cache_root();
        let dir = root.join(&id);
        let prefix = format!("V{}", self.name);
        let so = dir.join(format!("lib{}.so", self.name));
        with_lock(&dir, || {
            if so.exists() && dir.join("DONE").exists() {
                return Ok(());
            }
            let started = Instant::now();
            eprintln!("zkaccel-sim: building Verilator model {id} in {}", dir.display());
            let runtime = runtime_objects(&root)?;
            let (_, include) = verilator_info()?;
            let vfile = dir.join("top.v");
            fs::write(&vfile, &self.verilog).map_err(|e| SimError::Io(vfile.clone(), e))?;
            let mdir = dir.join("obj_dir");
            let _ = fs::remove_dir_all(&mdir);
            let mut cmd = Command::new(verilator_bin());
            cmd.args(VERILATOR_FLAGS);
            cmd.args(self.trace_flags());
            cmd.arg("--prefix")
                .arg(&prefix)
                .arg("--top-module")
                .arg("top")
                .arg("-Mdir")
                .arg(&mdir)
                .arg(&vfile);
            run(&mut cmd, "verilator")?;
            let wrapper = dir.join("zk_wrapper.cpp");
            fs::write(&wrapper, wrapper_source(&prefix, &ports, self.traced)).map_err(|e| SimError::Io(wrapper.clone(), e))?;
            let mut sources: Vec<PathBuf> = fs::read_dir(&mdir)
                .map_err(|e| SimError::Io(mdir.clone(), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "cpp"))
                .collect();
            sources.sort();
            let (slow, mut fast): (Vec<PathBuf>, Vec<PathBuf>) = sources.into_iter().partition(|p| is_slow_source(p));
            fast.push(wrapper);
            // The two halves compile side by side, each with the cc crate's parallel jobs.
            let build = |files: &[PathBuf], opt: u32| {
                let mut b = cc_build(&dir.join("objs"), include, opt);
                b.define("VM_TRACE", if self.traced { "1" } else { "0" }).define("VM_TRACE_VCD", if self.traced { "1" } else { "0" });
                b.include(&mdir).files(files);
                b
            };
            let (fast_build, slow_build) = (build(&fast, self.cxx_opt), build(&slow, SLOW_CXX_OPT));
            let compile = |b: &cc::Build, files: &[PathBuf]| -> Result<Vec<PathBuf>, SimError> {
                if files.is_empty() {
                    return Ok(Vec::new());
                }
                b.try_compile_intermediates().map_err(|e| SimError::Tool(format!("compiling {id}: {e}")))
            };
            let (fast_objs, slow_objs) = std::thread::scope(|s| {
                let slow_job = s.spawn(|| compile(&slow_build, &slow));
                let fast_objs = compile(&fast_build, &fast);
                (fast_objs, slow_job.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            });
            let mut objs = fast_objs?;
            objs.extend(slow_objs?);
            let compiler = fast_build.try_get_compiler().map_err(|e| SimError::Tool(e.to_string()))?;
            let mut link = compiler.to_command();
            link.arg("-shared").arg("-o").arg(&so).args(&objs).args(&runtime).arg("-lpthread");
            run(&mut link, "linking the model")?;
            fs::write(dir.join("DONE"), format!("{:.1} s\n", started.elapsed().as_secs_f64()))
                .map_err(|e| SimError::Io(dir.clone(), e))?;
            eprintln!("zkaccel-sim: built {id} in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        })?;
        let lib = Arc::new(Library::load(&so, ports, dir, self.traced)?);
        *slot = Some(lib.clone());
        Ok(lib)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16-bit counter with an enable: small enough to build in a few seconds.
    const COUNTER: &str = "module top(clock, en, count);\n    input wire clock;\n    input wire en;\n    output reg [15:0] count;\n    initial count = 16'd0;\n    always @(posedge clock) if (en) count <= count + 16'd1;\nendmodule\n";

    #[test]
    fn a_traced_build_dumps_a_vcd_and_an_untraced_one_says_how_to_get_one() {
        let plain = Build::new("trace_probe", COUNTER).build().unwrap();
        let traced = Build::new("trace_probe", COUNTER).traced().build().unwrap();
        assert!(!plain.traced() && traced.traced());
        assert_ne!(plain.dir(), traced.dir(), "the traced twin has its own cache entry");

        // Both count alike.
        for lib in [&plain, &traced] {
            let mut m = lib.instantiate();
            let (en, count) = (m.port("en").unwrap(), m.port("count").unwrap());
            m.set_u64(en, 1);
            m.ticks(5);
            m.set_u64(en, 0);
            m.ticks(3);
            assert_eq!(m.get_u64(count), 5);
        }

        let mut m = plain.instantiate();
        let err = m.trace_in_build_dir("probe").unwrap_err().to_string();
        assert!(err.contains("built without --trace") && err.contains("ZKACCEL_VCD=1"), "{err}");

        let mut m = traced.instantiate();
        let path = m.trace_in_build_dir("probe").unwrap();
        let en = m.port("en").unwrap();
        m.set_u64(en, 1);
        m.ticks(3);
        m.stop_trace();
        let vcd = fs::read_to_string(&path).unwrap();
        assert!(vcd.contains("$var") && vcd.contains(" count "), "VCD declares the counter:\n{vcd}");
        // The counter's value 3 (16 bits) appears as a value change.
        assert!(vcd.contains("b0000000000000011 "), "VCD shows count = 3:\n{vcd}");
    }
}
