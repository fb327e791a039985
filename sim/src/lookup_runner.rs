//! Drives a Verilator model of the lookup kernel (`zkaccel_hdl::lookup::LookupUnit`): a count of
//! table-row indices, and a batch inversion as its two passes with the host's inversion of the
//! chain products between them; random input bubbles and output back-pressure; cycle counts.

use crate::model::{Library, Model, Port};
use crate::traffic::Traffic;
use ark_bn254::{Fr, FrConfig};
use rand::Rng;
use std::sync::Arc;
use zkaccel_hdl::field::{from_wire, to_wire};
use zkaccel_hdl::lookup::model::invert_chain_products;
use zkaccel_interface::lookup::{pack_u32_beats, unpack_u32_beats, LookupFlags, LookupOp, CHAINS, INDICES_PER_BEAT};

struct Ports {
    reset: Port,
    start: Port,
    op: Port,
    n: Port,
    table: Port,
    flags: Port,
    beta: Port,
    busy: Port,
    err_params: Port,
    err_range: Port,
    err_zero: Port,
    err_framing: Port,
    s_data: Port,
    s_valid: Port,
    s_ready: Port,
    s_last: Port,
    m_data: Port,
    m_valid: Port,
    m_ready: Port,
    m_last: Port,
}

/// The kernel's error flags after a command.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookupErrors {
    /// Bad parameters (nothing ran).
    pub params: bool,
    /// An index outside the table.
    pub range: bool,
    /// A zero denominator.
    pub zero: bool,
    /// A misplaced `s_last`.
    pub framing: bool,
}

/// The result of a batch inversion on the kernel.
#[derive(Clone, Debug)]
pub struct Inversion {
    /// The chain products the forward pass returned.
    pub products: Vec<Fr>,
    /// `m_i / (β + x_i)`, or `None` when a chain product was zero (the host stops there).
    pub fractions: Option<Vec<Fr>>,
    /// Cycles of the forward pass (start to idle).
    pub forward_cycles: u64,
    /// Cycles of the backward pass (start to idle; 0 if it did not run).
    pub backward_cycles: u64,
    /// Flags after the forward pass.
    pub forward_errors: LookupErrors,
}

/// A Verilator lookup kernel with its testbench.
pub struct LookupRunner {
    model: Model,
    ports: Ports,
    traffic: Traffic,
    rng: Box<dyn rand::RngCore + Send>,
    /// Cycles of the last command, from start to idle.
    pub last_cycles: u64,
}

impl LookupRunner {
    /// An instance of `lib` (built from a `LookupUnit`), reset and idle.
    pub fn new(lib: &Arc<Library>, traffic: Traffic, rng: impl rand::RngCore + Send + 'static) -> Result<Self, crate::SimError> {
        let model = lib.instantiate();
        let p = |n: &str| model.port(n);
        let ports = Ports {
            reset: p("reset")?,
            start: p("start")?,
            op: p("cfg_op")?,
            n: p("cfg_n")?,
            table: p("cfg_table")?,
            flags: p("cfg_flags")?,
            beta: p("cfg_beta")?,
            busy: p("busy")?,
            err_params: p("err_params")?,
            err_range: p("err_range")?,
            err_zero: p("err_zero")?,
            err_framing: p("err_framing")?,
            s_data: p("s_data")?,
            s_valid: p("s_valid")?,
            s_ready: p("s_ready")?,
            s_last: p("s_last")?,
            m_data: p("m_data")?,
            m_valid: p("m_valid")?,
            m_ready: p("m_ready")?,
            m_last: p("m_last")?,
        };
        let mut r = Self { model, ports, traffic, rng: Box::new(rng), last_cycles: 0 };
        r.reset();
        Ok(r)
    }

    /// Changes the stream behaviour for later commands.
    pub fn set_traffic(&mut self, traffic: Traffic) {
        self.traffic = traffic;
    }

    /// The underlying model (e.g. to start a VCD).
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// Pulses `reset` for two cycles.
    pub fn reset(&mut self) {
        self.model.set_bool(self.ports.reset, true);
        self.model.set_bool(self.ports.s_valid, false);
        self.model.set_bool(self.ports.start, false);
        self.model.ticks(2);
        self.model.set_bool(self.ports.reset, false);
        self.model.tick();
    }

    /// `busy` now.
    pub fn busy(&mut self) -> bool {
        self.model.eval();
        self.model.get_bool(self.ports.busy)
    }

    /// The error flags now.
    pub fn errors(&mut self) -> LookupErrors {
        self.model.eval();
        let p = &self.ports;
        LookupErrors {
            params: self.model.get_bool(p.err_params),
            range: self.model.get_bool(p.err_range),
            zero: self.model.get_bool(p.err_zero),
            framing: self.model.get_bool(p.err_framing),
        }
    }

    /// Pulses `start` with raw parameters.
    pub fn start(&mut self, op: u32, n: u64, table: u64, flags: u32, beta: Fr) {
        let p = &self.ports;
        self.model.set_u64(p.op, op as u64);
        self.model.set_u64(p.n, n);
        self.model.set_u64(p.table, table);
        self.model.set_u64(p.flags, flags as u64);
        self.model.set_bytes(p.beta, &to_wire(&beta));
        self.model.set_bool(p.start, true);
        self.model.tick();
        self.model.set_bool(p.start, false);
    }

    /// Streams `beats` in (with `last` on the final one, or on beat `early_last`) while
    /// collecting `want` output beats, then waits for the kernel to go idle. Cycles counted from
    /// the start pulse.
    fn stream(&mut self, beats: &[[u8; 32]], want: usize, early_last: Option<usize>, start_cycle: u64) -> Result<Vec<[u8; 32]>, String> {
        let limit = 64 * (beats.len() + want) as u64 + 50_000;
        let mut next = 0usize;
        let in_end = early_last.map_or(beats.len(), |e| e + 1);
        let mut out = Vec::with_capacity(want);
        loop {
            if self.model.cycles() - start_cycle > limit {
                return Err(format!("timeout after {limit} cycles: {next} of {} beats in, {} of {want} out", beats.len(), out.len()));
            }
            let offer = next < in_end && !self.rng.gen_bool(self.traffic.bubble);
            let ready = !self.rng.gen_bool(self.traffic.stall);
            let p = &self.ports;
            if offer {
                self.model.set_bytes(p.s_data, &beats[next]);
                self.model.set_bool(p.s_last, next + 1 == in_end);
            }
            self.model.set_bool(p.s_valid, offer);
            self.model.set_bool(p.m_ready, ready);
            self.model.eval();
            let accepted = offer && self.model.get_bool(p.s_ready);
            let beat = (ready && self.model.get_bool(p.m_valid)).then(|| {
                let bytes = self.model.get_bytes(p.m_data);
                (<[u8; 32]>::try_from(&bytes[..32]).expect("256-bit port"), self.model.get_bool(p.m_last))
            });
            let busy = self.model.get_bool(p.busy);
            self.model.tick();
            self.model.set_bool(self.ports.s_valid, false);
            if accepted {
                next += 1;
            }
            if let Some((bytes, last)) = beat {
                if out.len() == want {
                    return Err(format!("an output beat beyond the {want} expected"));
                }
                if last != (out.len() + 1 == want) {
                    return Err(format!("m_last = {last} on output beat {} of {want}", out.len()));
                }
                out.push(bytes);
            }
            if !busy && beat.is_none() && out.len() == want {
                break;
            }
        }
        self.last_cycles = self.model.cycles() - start_cycle;
        Ok(out)
    }

    /// Counts `indices` into a table of `table` rows; returns the counts and the flags.
    pub fn count(&mut self, indices: &[u32], table: usize) -> Result<(Vec<u32>, LookupErrors), String> {
        let start_cycle = self.model.cycles();
        self.start(LookupOp::COUNT, indices.len() as u64, table as u64, 0, Fr::from(0u64));
        let beats = self.stream(&pack_u32_beats(indices), table.div_ceil(INDICES_PER_BEAT), None, start_cycle)?;
        Ok((unpack_u32_beats(&beats, table), self.errors()))
    }

    /// A count with `s_last` on beat `early` (framing test); returns the flags.
    pub fn count_with_early_last(&mut self, indices: &[u32], table: usize, early: usize) -> Result<LookupErrors, String> {
        let start_cycle = self.model.cycles();
        self.start(LookupOp::COUNT, indices.len() as u64, table as u64, 0, Fr::from(0u64));
        self.stream(&pack_u32_beats(indices), table.div_ceil(INDICES_PER_BEAT), Some(early), start_cycle)?;
        Ok(self.errors())
    }

    fn decode(beats: &[[u8; 32]]) -> Result<Vec<Fr>, String> {
        beats
            .iter()
            .enumerate()
            .map(|(i, b)| from_wire::<FrConfig>(b).map_err(|e| format!("output {i}: {e}")))
            .collect()
    }

    /// The forward pass: returns the chain products.
    pub fn forward(&mut self, beta: Fr, x: &[Fr], m: Option<&[Fr]>) -> Result<Vec<Fr>, String> {
        let start_cycle = self.model.cycles();
        let flags = if m.is_some() { LookupFlags::SCALE } else { 0 };
        self.start(LookupOp::INV_FORWARD, x.len() as u64, 0, flags, beta);
        let beats: Vec<[u8; 32]> = x.iter().chain(m.unwrap_or(&[])).map(to_wire).collect();
        Self::decode(&self.stream(&beats, CHAINS, None, start_cycle)?)
    }

    /// The backward pass of a batch of `n` with the chain inverses `q`: returns the fractions.
    pub fn backward(&mut self, n: usize, scale: bool, q: &[Fr]) -> Result<Vec<Fr>, String> {
        let start_cycle = self.model.cycles();
        let flags = if scale { LookupFlags::SCALE } else { 0 };
        self.start(LookupOp::INV_BACKWARD, n as u64, 0, flags, Fr::from(0u64));
        let beats: Vec<[u8; 32]> = q.iter().map(to_wire).collect();
        Self::decode(&self.stream(&beats, n, None, start_cycle)?)
    }

    /// `m_i / (β + x_i)` for the batch: forward pass, the host inverts the chain products (or
    /// stops on a zero one), backward pass.
    pub fn invert(&mut self, beta: Fr, x: &[Fr], m: Option<&[Fr]>) -> Result<Inversion, String> {
        let products = self.forward(beta, x, m)?;
        let forward_cycles = self.last_cycles;
        let forward_errors = self.errors();
        let Some(q) = invert_chain_products(&products) else {
            return Ok(Inversion { products, fractions: None, forward_cycles, backward_cycles: 0, forward_errors });
        };
        let fractions = self.backward(x.len(), m.is_some(), &q)?;
        Ok(Inversion { products, fractions: Some(fractions), forward_cycles, backward_cycles: self.last_cycles, forward_errors })
    }
}
