//! Drives a Verilator model of the batch NTT core (`zkaccel_hdl::ntt_batch::NttBatchCore`):
//! configures a batch, streams the transforms back to back in natural order (optionally with
//! random bubbles), collects the outputs (optionally with random back-pressure), checks
//! `s_ready`/`m_last`/`error`, and counts cycles from the first input beat to the last output beat.

use crate::model::{Library, Model, Port};
use crate::traffic::Traffic;
use ark_bn254::{Fr, FrConfig};
use rand::Rng;
use std::sync::Arc;
use zkaccel::card_schedule::ntt_four_step_batch::NttBatches;
use zkaccel_hdl::field::{from_wire, to_wire};

struct Ports {
    reset: Port,
    start: Port,
    log_n: Port,
    inverse: Port,
    count: Port,
    units: Port,
    pack: Port,
    tw_log_n: Port,
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

/// Statistics of the last batch.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchStats {
    /// Transforms in the batch.
    pub transforms: u64,
    /// Cycles from the first input beat to the last output beat, both included.
    pub cycles: u64,
    /// Cycles from `start` to the last output beat.
    pub cycles_from_start: u64,
    /// Butterflies the batch performed (`count · n/2 · log n`).
    pub butterflies: u64,
}

/// Statistics of the last four-step transform ([`NttBatchRunner::four_step`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct FourStepStats {
    /// The column pass (with the twiddles on the way out).
    pub pass1: BatchStats,
    /// The row pass.
    pub pass2: BatchStats,
    /// Card cycles: both passes, each from its first input beat to its last output beat (the
    /// host's transposes between and around them are not included).
    pub cycles: u64,
    /// `N/2 · log N`.
    pub butterflies: u64,
}

/// A Verilator batch NTT core with its testbench.
pub struct NttBatchRunner {
    model: Model,
    ports: Ports,
    k_max: usize,
    units: u64,
    log_pack: u64,
    tw_log_n: u64,
    traffic: Traffic,
    rng: Box<dyn rand::RngCore + Send>,
    /// Statistics of the last batch.
    pub last: BatchStats,
}

impl NttBatchRunner {
    /// An instance of `lib` (built from `NttBatchCore::new(k_max)`), reset and idle.
    pub fn new(lib: &Arc<Library>, k_max: usize, traffic: Traffic, rng: impl rand::RngCore + Send + 'static) -> Result<Self, crate::SimError> {
        let model = lib.instantiate();
        let p = |n: &str| model.port(n);
        let ports = Ports {
            reset: p("reset")?,
            start: p("start")?,
            log_n: p("cfg_log_n")?,
            inverse: p("cfg_inverse")?,
            count: p("cfg_count")?,
            units: p("cfg_units")?,
            pack: p("cfg_log_pack")?,
            tw_log_n: p("cfg_tw_log_n")?,
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
        let mut r = Self { model, ports, k_max, units: 1, log_pack: 0, tw_log_n: 0, traffic, rng: Box::new(rng), last: BatchStats::default() };
        r.model.set_bool(r.ports.reset, true);
        r.model.ticks(2);
        r.model.set_bool(r.ports.reset, false);
        r.model.tick();
        Ok(r)
    }

    /// Butterfly units for later batches (`cfg_units`; the core accepts 1 or 2).
    pub fn set_units(&mut self, units: u64) {
        self.units = units;
    }

    /// Transforms packed into one slot for later batches, as `log2` (`cfg_log_pack`; 0: one per
    /// slot). A batch's size plus this must stay within `K`, and its count must be a multiple of
    /// `2^log_pack`.
    pub fn set_log_pack(&mut self, log_pack: u64) {
        self.log_pack = log_pack;
    }

    /// Four-step twiddles on the way out for later batches (`cfg_tw_log_n`): 0 none, else `log N`:
    /// output `j` of the batch's transform `t` is multiplied by `ω_N^{t·j}` (`ω_N^{−t·j}` inverse).
    pub fn set_twiddle_log_n(&mut self, log_n: u64) {
        self.tw_log_n = log_n;
    }

    /// An `N`-point transform (`N = x.len()`, a power of two `≤ 2^16`) as a four-step on the core,
    /// `N = N1·N2` with `N1 = 2^log_n1`, both factors `≤ 2^K`:
    /// * the host gathers the `N2` columns `x[N2·n1 + n2]` (`n1 < N1`);
    /// * pass 1, one batch: `N2` transforms of `N1` (`2^log_pack.0` to a slot), the card multiplying
    ///   output `k1` of column `n2` by `ω_N^{n2·k1}` on the way out (`cfg_tw_log_n = log N`);
    /// * the host transposes (row `k1` = element `k1` of every column);
    ///   (one butterfly unit: the twiddles use the second unit's multiplier);
    /// * pass 2, one batch: `N1` transforms of `N2` (`2^log_pack.1` to a slot), on the units set by
    ///   [`Self::set_units`];
    /// * the host writes output `k2` of row `k1` to `X[k1 + N1·k2]`.
    ///
    /// `X = DFT_N(x)` (inverse: with `ω^{-1}` and `1/N = 1/N1 · 1/N2`). The statistics are those of
    /// the two batches (the host's gathers and transposes are not in the card's cycles).
    pub fn four_step(&mut self, x: &[Fr], log_n1: u32, inverse: bool, log_pack: (u64, u64)) -> Result<(Vec<Fr>, FourStepStats), String> {
        let n = x.len();
        if !n.is_power_of_two() || n > 1 << 16 || (n >> log_n1) < 2 || log_n1 == 0 {
            return Err(format!("four-step of {n} points split at 2^{log_n1}: not a power of two ≤ 2^16 in two factors ≥ 2"));
        }
        let (n1, n2) = (1usize << log_n1, n >> log_n1);
        let cols: Vec<Vec<Fr>> = (0..n2).map(|c| (0..n1).map(|r| x[n2 * r + c]).collect()).collect();
        let saved = (self.log_pack, self.tw_log_n, self.units);
        self.log_pack = log_pack.0;
        self.tw_log_n = n.trailing_zeros() as u64;
        self.units = 1;
        let y = self.run(&cols, inverse);
        let pass1 = self.last;
        (self.log_pack, self.tw_log_n, self.units) = (log_pack.1, 0, saved.2);
        let z = y.and_then(|y| {
            let rows: Vec<Vec<Fr>> = (0..n1).map(|k1| y.iter().map(|col| col[k1]).collect()).collect();
            self.run(&rows, inverse)
        });
        (self.log_pack, self.tw_log_n, self.units) = saved;
        let z = z?;
        let pass2 = self.last;
        let mut out = vec![Fr::from(0u64); n];
        for (k1, row) in z.iter().enumerate() {
            for (k2, v) in row.iter().enumerate() {
                out[k1 + n1 * k2] = *v;
            }
        }
        let stats = FourStepStats { pass1, pass2, cycles: pass1.cycles + pass2.cycles, butterflies: (n as u64 / 2) * n.trailing_zeros() as u64 };
        Ok((out, stats))
    }

    /// Changes the stream behaviour for later batches.
    pub fn set_traffic(&mut self, traffic: Traffic) {
        self.traffic = traffic;
    }

    /// The underlying model (e.g. to start a VCD).
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// Starts a batch with raw configuration values (for error tests) and returns the `error`
    /// flag after the start cycle.
    pub fn start_raw(&mut self, log_n: u64, inverse: bool, count: u64) -> bool {
        let ports = &self.ports;
        self.model.set_u64(ports.log_n, log_n);
        self.model.set_bool(ports.inverse, inverse);
        self.model.set_u64(ports.count, count);
        self.model.set_u64(ports.units, self.units);
        self.model.set_u64(ports.pack, self.log_pack);
        self.model.set_u64(ports.tw_log_n, self.tw_log_n);
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

    /// Transforms every vector of `batch` (all of one length `2^k`, `1 ≤ k ≤ K`; at least one)
    /// in one batch, forward or inverse.
    pub fn run(&mut self, batch: &[Vec<Fr>], inverse: bool) -> Result<Vec<Vec<Fr>>, String> {
        self.run_inner(batch, inverse, false)
    }

    /// Runs with `s_last` on the first element of every transform instead of the last and
    /// returns the `error` flag at the end (the outputs are still produced).
    pub fn run_with_early_last(&mut self, batch: &[Vec<Fr>], inverse: bool) -> bool {
        let _ = self.run_inner(batch, inverse, true);
        self.error()
    }

    fn run_inner(&mut self, batch: &[Vec<Fr>], inverse: bool, last_early: bool) -> Result<Vec<Vec<Fr>>, String> {
        let n = batch.first().map_or(0, Vec::len);
        if !n.is_power_of_two() || n < 2 || n > 1 << self.k_max {
            return Err(format!("size {n} is not a power of two in 2..=2^{}", self.k_max));
        }
        if batch.iter().any(|x| x.len() != n) {
            return Err("transforms of different sizes in one batch".into());
        }
        let count = batch.len();
        if count >= 1 << 16 {
            return Err(format!("batch of {count} transforms exceeds the 16-bit count"));
        }
        let log_n = n.trailing_zeros() as u64;
        if self.log_pack > 15 || log_n + self.log_pack > self.k_max as u64 || !count.is_multiple_of(1usize << self.log_pack) {
            return Err(format!("{count} transforms of 2^{log_n} cannot be packed 2^{} to a slot of 2^{}", self.log_pack, self.k_max));
        }
        if self.busy() {
            return Err("core busy before start".into());
        }
        let start_cycle = self.model.cycles();
        if self.start_raw(log_n, inverse, count as u64) {
            return Err("core flagged an error on start".into());
        }
        let total = count * n;
        let input: Vec<[u8; 32]> = batch.iter().flatten().map(to_wire).collect();
        let limit = 64 * (total as u64) * (log_n + 4) + 20_000;
        let (mut next, mut first_in, mut last_out) = (0usize, None, 0u64);
        let mut out = Vec::with_capacity(total);
        while out.len() < total {
            if self.model.cycles() - start_cycle > limit {
                return Err(format!("timeout after {limit} cycles: {next} in, {} out", out.len()));
            }
            let ports = &self.ports;
            let offer = next < total && !self.rng.gen_bool(self.traffic.bubble);
            if offer {
                let last = if last_early { next % n == 0 } else { next % n == n - 1 };
                self.model.set_bytes(ports.s_data, &input[next]);
                self.model.set_bool(ports.s_last, last);
            }
            self.model.set_bool(ports.s_valid, offer);
            let ready = !self.rng.gen_bool(self.traffic.stall);
            self.model.set_bool(ports.m_ready, ready);
            self.model.eval();
            let now = self.model.cycles();
            if offer && self.model.get_bool(ports.s_ready) {
                first_in.get_or_insert(now);
                next += 1;
            }
            if ready && self.model.get_bool(ports.m_valid) {
                let bytes = self.model.get_bytes(ports.m_data);
                let last = self.model.get_bool(ports.m_last);
                let v = from_wire::<FrConfig>(&bytes).map_err(|e| format!("output {} is not a canonical Fr: {e}", out.len()))?;
                if last != (out.len() % n == n - 1) {
                    return Err(format!("m_last = {last} on output {} of {n}", out.len() % n));
                }
                out.push(v);
                last_out = now;
            }
            self.model.tick();
            self.model.set_bool(self.ports.s_valid, false);
        }
        let first_in = first_in.ok_or("no input beat accepted")?;
        self.last = BatchStats {
            transforms: count as u64,
            cycles: last_out - first_in + 1,
            cycles_from_start: self.model.cycles() - start_cycle,
            butterflies: count as u64 * (n as u64 / 2) * log_n,
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
        Ok(out.chunks(n).map(<[Fr]>::to_vec).collect())
    }
}

/// The host's four-step schedule ([`zkaccel::card_schedule::ntt_four_step_batch`]) on this core:
/// a batch packs its transforms into slots of at least `2·OP_LATENCY` points where the count
/// allows (stages long enough to hide the pipeline), and runs on one unit when it carries the
/// four-step twiddles.
impl NttBatches for NttBatchRunner {
    type Error = String;

    fn max_log_n(&self) -> usize {
        self.k_max
    }

    fn max_twiddle_log_n(&self) -> usize {
        zkaccel_hdl::ntt_batch::config::FOUR_STEP_LOG_MAX
    }

    fn transform_batch(&mut self, data: &mut [Fr], log_n: usize, inverse: bool, twiddle_log_n: Option<usize>) -> Result<(), String> {
        let n = 1usize << log_n;
        if data.is_empty() || !data.len().is_multiple_of(n) {
            return Err(format!("{} points are not whole transforms of 2^{log_n}", data.len()));
        }
        let count = data.len() / n;
        let mut p = 0usize;
        while (n << p) / 2 < zkaccel_hdl::ntt_batch::config::OP_LATENCY && log_n + p < self.k_max && count.is_multiple_of(2 << p) {
            p += 1;
        }
        let batch: Vec<Vec<Fr>> = data.chunks(n).map(<[Fr]>::to_vec).collect();
        let saved = (self.log_pack, self.tw_log_n, self.units);
        self.log_pack = p as u64;
        if let Some(l) = twiddle_log_n {
            self.tw_log_n = l as u64;
            self.units = 1;
        }
        let out = self.run(&batch, inverse);
        (self.log_pack, self.tw_log_n, self.units) = saved;
        for (dst, src) in data.chunks_mut(n).zip(out?) {
            dst.copy_from_slice(&src);
        }
        Ok(())
    }
}
