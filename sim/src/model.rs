//! A loaded Verilator model and the instances tests drive: set and read ports of any width, step
//! the clock, count cycles, and dump a VCD on request.

use crate::ports::{Dir, PortInfo};
use crate::SimError;
use num_bigint::BigUint;
use std::ffi::{c_char, c_int, c_void, CString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

type NewFn = unsafe extern "C" fn() -> *mut c_void;
type FreeFn = unsafe extern "C" fn(*mut c_void);
type EvalFn = unsafe extern "C" fn(*mut c_void, u64);
type TraceOpenFn = unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int;
type SetFn = unsafe extern "C" fn(*mut c_void, u32, *const u32);
type GetFn = unsafe extern "C" fn(*mut c_void, u32, *mut u32);

/// A compiled model: the shared library and its port table. Instantiate it with
/// [`Library::instantiate`] as often as needed.
pub struct Library {
    ports: Vec<PortInfo>,
    dir: PathBuf,
    traced: bool,
    new: NewFn,
    free: FreeFn,
    eval: EvalFn,
    trace_open: TraceOpenFn,
    trace_close: FreeFn,
    set: SetFn,
    get: GetFn,
    // Declared last: dropped after the function pointers above are gone.
    _lib: libloading::Library,
}

impl Library {
    pub(crate) fn load(so: &Path, ports: Vec<PortInfo>, dir: PathBuf, traced: bool) -> Result<Self, SimError> {
        // SAFETY: the library is one we just built from our own wrapper; its symbols have exactly
        // the C signatures declared above (checked by the ABI version).
        unsafe {
            let lib = libloading::Library::new(so).map_err(|e| SimError::Load(so.to_path_buf(), e.to_string()))?;
            let sym = |name: &[u8]| -> Result<*const c_void, SimError> {
                lib.get::<*const c_void>(name)
                    .map(|s| *s)
                    .map_err(|e| SimError::Load(so.to_path_buf(), e.to_string()))
            };
            let abi: unsafe extern "C" fn() -> u32 = std::mem::transmute(sym(b"zk_abi_version\0")?);
            if abi() != crate::wrapper::WRAPPER_VERSION {
                return Err(SimError::Load(so.to_path_buf(), "stale wrapper ABI".into()));
            }
            Ok(Self {
                ports,
                dir,
                traced,
                new: std::mem::transmute::<*const c_void, NewFn>(sym(b"zk_new\0")?),
                free: std::mem::transmute::<*const c_void, FreeFn>(sym(b"zk_free\0")?),
                eval: std::mem::transmute::<*const c_void, EvalFn>(sym(b"zk_eval\0")?),
                trace_open: std::mem::transmute::<*const c_void, TraceOpenFn>(sym(b"zk_trace_open\0")?),
                trace_close: std::mem::transmute::<*const c_void, FreeFn>(sym(b"zk_trace_close\0")?),
                set: std::mem::transmute::<*const c_void, SetFn>(sym(b"zk_set\0")?),
                get: std::mem::transmute::<*const c_void, GetFn>(sym(b"zk_get\0")?),
                _lib: lib,
            })
        }
    }

    /// The top module's ports.
    pub fn ports(&self) -> &[PortInfo] {
        &self.ports
    }

    /// The build directory (Verilog, verilated C++, the library; VCDs go here by default).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the model was built with `--trace` (it can dump VCDs).
    pub fn traced(&self) -> bool {
        self.traced
    }

    /// A fresh instance, evaluated once with every input at zero (clock low), as Verilator wants
    /// before the first rising edge.
    pub fn instantiate(self: &Arc<Self>) -> Model {
        // SAFETY: zk_new returns a valid, exclusively owned model pointer.
        let ctx = unsafe { (self.new)() };
        let clock = self.ports.iter().position(|p| p.name == "clock" && p.dir == Dir::Input);
        let mut m = Model { lib: self.clone(), ctx, time: 0, cycles: 0, clock, tracing: None };
        m.eval();
        m
    }
}

/// A handle to one port (index and width), resolved once by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Port {
    index: u32,
    width: u32,
    input: bool,
}

impl Port {
    /// Width in bits.
    pub fn width(&self) -> usize {
        self.width as usize
    }
    fn words(&self) -> usize {
        (self.width as usize).div_ceil(32)
    }
}

/// One running instance of a model.
pub struct Model {
    lib: Arc<Library>,
    ctx: *mut c_void,
    time: u64,
    cycles: u64,
    clock: Option<usize>,
    tracing: Option<PathBuf>,
}

// SAFETY: the instance is exclusively owned; Verilator models may move between threads as long
// as only one thread uses them at a time, which `&mut self` guarantees.
unsafe impl Send for Model {}

impl Model {
    /// The port called `name`.
    pub fn port(&self, name: &str) -> Result<Port, SimError> {
        self.lib
            .ports
            .iter()
            .position(|p| p.name == name)
            .map(|i| {
                let p = &self.lib.ports[i];
                Port { index: i as u32, width: p.width as u32, input: p.dir == Dir::Input }
            })
            .ok_or_else(|| SimError::NoPort(name.to_string(), self.lib.ports.iter().map(|p| p.name.clone()).collect()))
    }

    /// Drives an input port from 32-bit words, least significant first. Bits above the port's
    /// width must be zero.
    pub fn set_words(&mut self, port: Port, words: &[u32]) {
        assert!(port.input, "port {} is an output", self.lib.ports[port.index as usize].name);
        let n = port.words();
        let mut buf = [0u32; 64];
        assert!(n <= buf.len() && words.len() <= n, "value wider than the port");
        buf[..words.len()].copy_from_slice(words);
        let top_bits = port.width % 32;
        if top_bits != 0 {
            assert_eq!(buf[n - 1] >> top_bits, 0, "value wider than the {}-bit port", port.width);
        }
        // SAFETY: ctx is live; buf holds at least `n` words, which is what the wrapper reads.
        unsafe { (self.lib.set)(self.ctx, port.index, buf.as_ptr()) }
    }

    /// Reads a port (input or output) as 32-bit words, least significant first.
    pub fn get_words(&self, port: Port) -> Vec<u32> {
        let mut buf = vec![0u32; port.words()];
        // SAFETY: ctx is live; buf holds exactly the port's words.
        unsafe { (self.lib.get)(self.ctx, port.index, buf.as_mut_ptr()) }
        buf
    }

    /// Drives a port of up to 64 bits.
    pub fn set_u64(&mut self, port: Port, value: u64) {
        self.set_words(port, &[value as u32, (value >> 32) as u32][..port.words().min(2)]);
    }

    /// Drives a one-bit port.
    pub fn set_bool(&mut self, port: Port, value: bool) {
        self.set_u64(port, value as u64);
    }

    /// Drives a port from a big integer.
    pub fn set_big(&mut self, port: Port, value: &BigUint) {
        let words = value.to_u32_digits();
        self.set_words(port, &words);
    }

    /// Drives a port from little-endian bytes (e.g. the 32-byte wire format).
    pub fn set_bytes(&mut self, port: Port, bytes: &[u8]) {
        let words: Vec<u32> = bytes
            .chunks(4)
            .map(|c| {
                let mut w = [0u8; 4];
                w[..c.len()].copy_from_slice(c);
                u32::from_le_bytes(w)
            })
            .collect();
        self.set_words(port, &words);
    }

    /// Reads a port of up to 64 bits.
    pub fn get_u64(&self, port: Port) -> u64 {
        assert!(port.width <= 64, "use get_big for wide ports");
        let w = self.get_words(port);
        w[0] as u64 | w.get(1).map_or(0, |&h| (h as u64) << 32)
    }

    /// Reads a one-bit port.
    pub fn get_bool(&self, port: Port) -> bool {
        self.get_u64(port) & 1 == 1
    }

    /// Reads a port as a big integer.
    pub fn get_big(&self, port: Port) -> BigUint {
        BigUint::from_slice(&self.get_words(port))
    }

    /// Reads a port as little-endian bytes (`ceil(width/8)` of them).
    pub fn get_bytes(&self, port: Port) -> Vec<u8> {
        let mut out: Vec<u8> = self.get_words(port).iter().flat_map(|w| w.to_le_bytes()).collect();
        out.truncate(port.width().div_ceil(8));
        out
    }

    /// Evaluates the model (settles combinational logic after inputs changed).
    pub fn eval(&mut self) {
        // SAFETY: ctx is live.
        unsafe { (self.lib.eval)(self.ctx, self.time) }
        self.time += 1;
    }

    /// One clock cycle on the `clock` port: rising edge, then falling edge. Inputs set before
    /// the call are sampled by the rising edge; outputs read after it show the new state.
    pub fn tick(&mut self) {
        let clock = self.clock.expect("the model has no `clock` input");
        let clock = Port { index: clock as u32, width: 1, input: true };
        self.set_words(clock, &[1]);
        self.eval();
        self.set_words(clock, &[0]);
        self.eval();
        self.cycles += 1;
    }

    /// `n` clock cycles.
    pub fn ticks(&mut self, n: u64) {
        for _ in 0..n {
            self.tick();
        }
    }

    /// Rising edges since the instance was created.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// Starts dumping a VCD of every signal to `path` (until the instance is dropped or
    /// [`Model::stop_trace`] is called).
    pub fn trace_to(&mut self, path: &Path) -> Result<(), SimError> {
        if !self.lib.traced {
            return Err(SimError::Io(
                path.to_path_buf(),
                std::io::Error::other("this model was built without --trace: build it with `Build::traced()` or set ZKACCEL_VCD=1"),
            ));
        }
        let c = CString::new(path.display().to_string()).map_err(|_| SimError::Io(path.to_path_buf(), std::io::Error::other("NUL in path")))?;
        // SAFETY: ctx is live; c is a valid C string for the duration of the call.
        let ok = unsafe { (self.lib.trace_open)(self.ctx, c.as_ptr()) };
        if ok == 0 {
            return Err(SimError::Io(path.to_path_buf(), std::io::Error::other("cannot open VCD")));
        }
        self.tracing = Some(path.to_path_buf());
        Ok(())
    }

    /// Starts a VCD called `<name>.vcd` in the model's build directory, returning its path.
    pub fn trace_in_build_dir(&mut self, name: &str) -> Result<PathBuf, SimError> {
        let path = self.lib.dir.join(format!("{name}.vcd"));
        self.trace_to(&path)?;
        Ok(path)
    }

    /// Honours `ZKACCEL_VCD=1`: starts a VCD named after the test, returning its path.
    pub fn trace_if_requested(&mut self, name: &str) -> Result<Option<PathBuf>, SimError> {
        if crate::verilator::vcd_requested() {
            let p = self.trace_in_build_dir(name)?;
            eprintln!("zkaccel-sim: VCD of {name} at {}", p.display());
            Ok(Some(p))
        } else {
            Ok(None)
        }
    }

    /// Flushes and closes the VCD.
    pub fn stop_trace(&mut self) {
        // SAFETY: ctx is live.
        unsafe { (self.lib.trace_close)(self.ctx) }
        self.tracing = None;
    }

    /// The VCD being written, if any.
    pub fn tracing(&self) -> Option<&Path> {
        self.tracing.as_deref()
    }

    /// The library this instance runs.
    pub fn library(&self) -> &Arc<Library> {
        &self.lib
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: ctx came from zk_new and is freed exactly once.
        unsafe { (self.lib.free)(self.ctx) }
    }
}
