//! Drives a Verilator model of the NTT core (`zkaccel_hdl::ntt::NttCore`): configures a run,
//! streams the input in natural order (optionally with random bubbles), collects the output
//! (optionally with random back-pressure), checks `s_ready`/`m_last`/`error`, and counts cycles.
//! It implements [`NttColumns`], so the host-side four-step schedule runs on it unchanged.

use crate::model::{Library, Model, Port};
use ark_bn254::{Fr, FrConfig};
use num_bigint::BigUint;
use rand::Rng;
use std::sync::Arc;
use zkaccel_hdl::field::{from_wire, to_wire};
use zkaccel::card_schedule::ntt_four_step::NttColumns;
use zkaccel_hdl::ntt::model::NttMode;

struct Ports {
    reset: Port,
    start: Port,
    log_n: Port,
    inverse: Port,
    coset: Port,
    shift: Port,
    busy: Port,
    error: Port,
    s_data: Port,
    s_valid: Port,
    s_ready: Port,
    s_last: Port,
    m_data: Port,
    m_valid: Port,
    m_ready: Port,
    m_last: Port,
}

pub use crate::traffic::Traffic;

/// Statistics of the last run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunStats {
    /// Cycles from `start` to the last output beat.
    pub cycles: u64,
    /// Butterflies the transform performed (`n/2 · log n`).
    pub butterflies: u64,
}

/// A Verilator NTT core with its testbench.
pub struct NttRunner {
    model: Model,
    ports: Ports,
    k_max: usize,
    traffic: Traffic,
    rng: Box<dyn rand::RngCore + Send>,
    /// Statistics of the last transform.
    pub last: RunStats,
}

impl NttRunner {
    /// An instance of `lib` (built from `NttCore::new(k_max)`), reset and idle.
    pub fn new(lib: &Arc<Library>, k_max: usize, traffic: Traffic, rng: impl rand::RngCore + Send + 'static) -> Result<Self, crate::SimError> {
        let model = lib.instantiate();
        let p = |n: &str| model.port(n);
        let ports = Ports {
            reset: p("reset")?,
            start: p("start")?,
            log_n: p("cfg_log_n")?,
            inverse: p("cfg_inverse")?,
            coset: p("cfg_coset")?,
            shift: p("cfg_shift")?,
            busy: p("busy")?,
            error: p("error")?,
            s_data: p("s_data")?,
            s_valid: p("s_valid")?,
            s_ready: p("s_ready")?,
            s_last: p("s_last")?,
            m_data: p("m_data")?,
            m_valid: p("m_valid")?,
            m_ready: p("m_ready")?,
            m_last: p("m_last")?,
        };
        let mut r = Self { model, ports, k_max, traffic, rng: Box::new(rng), last: RunStats::default() };
        r.model.set_bool(r.ports.reset, true);
        r.model.ticks(2);
        r.model.set_bool(r.ports.reset, false);
        r.model.tick();
        Ok(r)
    }

    /// Changes the stream behaviour for later runs.
    pub fn set_traffic(&mut self, traffic: Traffic) {
        self.traffic = traffic;
    }

    /// The underlying model (e.g. to start a VCD).
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// Starts a run with raw configuration values (for error tests) and returns the `error` flag
    /// after the start cycle.
    pub fn start_raw(&mut self, log_n: u64, inverse: bool, shift: Option<Fr>) -> bool {
        let ports = &self.ports;
        self.model.set_u64(ports.log_n, log_n);
        self.model.set_bool(ports.inverse, inverse);
        self.model.set_bool(ports.coset, shift.is_some());
        self.model.set_bytes(ports.shift, &to_wire(&shift.unwrap_or_default()));
        self.model.set_bool(ports.start, true);
        self.model.tick();
        self.model.set_bool(ports.start, false);
        self.model.eval();
        self.model.get_bool(self.ports.error)
    }

    /// `busy` now.
    pub fn busy(&self) -> bool {
        self.model.get_bool(self.ports.busy)
    }

    /// The sticky `error` flag now.
    pub fn error(&self) -> bool {
        self.model.get_bool(self.ports.error)
    }

    /// Pulses `reset` for two cycles.
    pub fn reset(&mut self) {
        self.model.set_bool(self.ports.reset, true);
        self.model.set_bool(self.ports.s_valid, false);
        self.model.ticks(2);
        self.model.set_bool(self.ports.reset, false);
        self.model.tick();
    }

    /// One clock cycle of the streams: offers `beat` (32 wire bytes and its `last` flag) if any,
    /// with the sink ready or not. Returns whether the beat was accepted and the output beat
    /// (wire bytes, `last`) taken in this cycle, if any.
    pub fn cycle(&mut self, beat: Option<(&[u8], bool)>, sink_ready: bool) -> (bool, Option<(Vec<u8>, bool)>) {
        let ports = &self.ports;
        if let Some((bytes, last)) = beat {
            self.model.set_bytes(ports.s_data, bytes);
            self.model.set_bool(ports.s_last, last);
        }
        self.model.set_bool(ports.s_valid, beat.is_some());
        self.model.set_bool(ports.m_ready, sink_ready);
        self.model.eval();
        let accepted = beat.is_some() && self.model.get_bool(ports.s_ready);
        let out = (sink_ready && self.model.get_bool(ports.m_valid))
            .then(|| (self.model.get_bytes(ports.m_data), self.model.get_bool(ports.m_last)));
        self.model.tick();
        self.model.set_bool(ports.s_valid, false);
        (accepted, out)
    }

    /// Transforms `data` (length `2^k`, `1 ≤ k ≤ K`) on the core. `last_early` marks element 0
    /// with `s_last` (to test error detection).
    pub fn run(&mut self, data: &[Fr], mode: NttMode) -> Result<Vec<Fr>, String> {
        self.run_inner(data, mode, false)
    }

    fn run_inner(&mut self, data: &[Fr], mode: NttMode, last_early: bool) -> Result<Vec<Fr>, String> {
        let n = data.len();
        if !n.is_power_of_two() || n < 2 || n > 1 << self.k_max {
            return Err(format!("size {n} is not a power of two in 2..=2^{}", self.k_max));
        }
        let log_n = n.trailing_zeros() as u64;
        if self.busy() {
            return Err("core busy before start".into());
        }
        let start_cycle = self.model.cycles();
        if self.start_raw(log_n, mode.inverse, mode.shift_register()) {
            return Err("core flagged an error on start".into());
        }
        let limit = 64 * (n as u64) * (log_n + 4) + 20_000;
        let mut next = 0usize;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            if self.model.cycles() - start_cycle > limit {
                return Err(format!("timeout after {limit} cycles: {next} in, {} out", out.len()));
            }
            let offer = next < n && !self.rng.gen_bool(self.traffic.bubble);
            let bytes = if offer { to_wire(&data[next]) } else { [0u8; 32] };
            let last = if last_early { next == 0 } else { next == n - 1 };
            let ready = !self.rng.gen_bool(self.traffic.stall);
            let (accepted, beat) = self.cycle(offer.then_some((&bytes[..], last)), ready);
            if accepted {
                next += 1;
            }
            if let Some((bytes, last)) = beat {
                let v = from_wire::<FrConfig>(&bytes)
                    .map_err(|e| format!("output {} is not a canonical Fr: {e}", out.len()))?;
                if last != (out.len() == n - 1) {
                    return Err(format!("m_last = {last} on output {} of {n}", out.len()));
                }
                out.push(v);
            }
        }
        self.last = RunStats {
            cycles: self.model.cycles() - start_cycle,
            butterflies: (n as u64 / 2) * log_n,
        };
        // The core returns to idle once its FIFO is empty.
        for _ in 0..4 {
            if !self.busy() {
                break;
            }
            self.model.tick();
        }
        if self.busy() {
            return Err("core still busy after the last output".into());
        }
        if self.error() {
            return Err("core raised its error flag".into());
        }
        Ok(out)
    }

    /// Runs with `s_last` on the first element instead of the last and returns the `error` flag
    /// at the end (the output is still produced).
    pub fn run_with_early_last(&mut self, data: &[Fr], mode: NttMode) -> bool {
        let _ = self.run_inner(data, mode, true);
        self.error()
    }

    /// The wire value on a port, for diagnostics.
    pub fn peek(&self, port: &str) -> Option<BigUint> {
        self.model.port(port).ok().map(|p| self.model.get_big(p))
    }
}

impl NttColumns for NttRunner {
    type Error = String;
    fn max_log_n(&self) -> usize {
        self.k_max
    }
    fn transform(&mut self, data: &mut [Fr], mode: NttMode) -> Result<(), String> {
        let out = self.run(data, mode)?;
        data.copy_from_slice(&out);
        Ok(())
    }
}

/// Convenience: the golden value of an element, for diagnostics.
pub fn fr_hex(x: &Fr) -> String {
    format!("0x{}", BigUint::from_bytes_le(&to_wire(x)).to_str_radix(16))
}
