//! Drives a Verilator model of the card top (`zkaccel_hdl::card`): the register port, the
//! host-to-card and card-to-host streams, the card memory behind the card's memory port, and —
//! for the fast variant ([`CardVariant::Fast`]: `CardCore`, adder port outside) — the G1 adder's
//! cycle-exact software model in the loop (an addition issued in cycle t is written back in
//! cycle t + 206 (the adder's latency) with the arkworks sum, exactly when the RTL adder would; the schedule does not
//! depend on the sums). On the three-unit card (`CardCoreTriple`) the loop is closed by the XYZZ
//! adder's bit-exact model (`soft_xyzz_adder`, latency 367) on each of its three ports.
//!
//! **Card memory model** ([`MemModel`]): 512-bit words (one point), a read answered `latency`
//! cycles after it is accepted, in order, and one request (read or write, each channel on its
//! own) accepted every `interval` cycles. The default, 64 cycles and one word per cycle, stands
//! for HBM2 at an assumed 250 MHz kernel clock (~250 ns, 16 GB/s per port).

use crate::model::{Library, Model, Port};
use crate::soft_adder::{AdderPorts, SoftAdder};
use crate::soft_xyzz_adder::{SoftXyzzAdder, XyzzAdderPorts};
use crate::{Build, SimError};
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::card::dual::{CardCoreDual, CardFullDual};
use zkaccel_hdl::card::triple::{CardCoreTriple, CardFullTriple};
use zkaccel_hdl::card::{CardCore, CardFull};
use zkaccel_hdl::g1_add_mixed::config::LATENCY as ADDER_LATENCY;
use zkaccel_hdl::g1_add_xyzz::config::LATENCY as XYZZ_ADDER_LATENCY;
use zkaccel_hdl::verilog::generate;

pub use crate::traffic::Traffic;

/// Which card model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CardVariant {
    /// `CardCore`: every block in RTL except the G1 adder, which is its cycle-exact software model.
    Fast,
    /// `CardFull`: the whole card in RTL (the adder simulates at a few thousand cycles per second:
    /// MSMs of at most 2^10 points in CI).
    FullRtl,
}

/// The card memory's timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemModel {
    /// Cycles from an accepted read to its data.
    pub latency: u64,
    /// A request is accepted every `interval` cycles on each channel (1 = one 64-byte word per
    /// cycle).
    pub interval: u64,
}

impl MemModel {
    /// HBM2-like at an assumed 250 MHz: 64 cycles, one word per cycle.
    pub const HBM: MemModel = MemModel { latency: 64, interval: 1 };
}

/// Verilator model of the card, built once per variant and configuration (tracing limited to the
/// top two levels of hierarchy: the ports and the card's own registers). A two-unit card
/// (`cfg.msm_units == 2`): `CardCoreDual` (fast, both adder ports closed by software adders) or
/// `CardFullDual` (two RTL adders; not in CI). A three-unit card (`cfg.msm_units == 3`):
/// `CardCoreTriple` (three software XYZZ adders) or `CardFullTriple` (three RTL XYZZ adders; not
/// in CI).
pub fn build_card(variant: CardVariant, cfg: &CardConfig) -> Result<Arc<Library>, SimError> {
    let (name, verilog) = match (variant, cfg.msm_units) {
        (CardVariant::Fast, 1) => (format!("card_fast_k{}_d{}", cfg.ntt_k, cfg.msm_log_depth), generate(&mut CardCore::new(cfg))),
        (CardVariant::FullRtl, 1) => (format!("card_full_k{}_d{}", cfg.ntt_k, cfg.msm_log_depth), generate(&mut CardFull::new(cfg))),
        (CardVariant::Fast, 2) => (format!("card_fast2_k{}_d{}", cfg.ntt_k, cfg.msm_log_depth), generate(&mut CardCoreDual::new(cfg))),
        (CardVariant::FullRtl, 2) => (format!("card_full2_k{}_d{}", cfg.ntt_k, cfg.msm_log_depth), generate(&mut CardFullDual::new(cfg))),
        (CardVariant::Fast, 3) => (format!("card_fast3_k{}_d{}", cfg.ntt_k, cfg.msm_log_depth), generate(&mut CardCoreTriple::new(cfg))),
        (CardVariant::FullRtl, 3) => (format!("card_full3_k{}_d{}", cfg.ntt_k, cfg.msm_log_depth), generate(&mut CardFullTriple::new(cfg))),
        (v, units) => return Err(SimError::Unsupported(format!("no {v:?} card model with {units} MSM units"))),
    };
    Build::new(&name, verilog).trace_depth(2).build()
}

struct Ports {
    reset: Port,
    mem_points: Port,
    reg_addr: Port,
    reg_wdata: Port,
    reg_we: Port,
    reg_rdata: Port,
    busy: Port,
    s_data: Port,
    s_valid: Port,
    s_ready: Port,
    s_last: Port,
    m_data: Port,
    m_valid: Port,
    m_ready: Port,
    m_last: Port,
    rd_valid: Port,
    rd_ready: Port,
    rd_addr: Port,
    rd_data_valid: Port,
    rd_data: Port,
    wr_valid: Port,
    wr_ready: Port,
    wr_addr: Port,
    wr_data: Port,
}

/// A software adder in the loop of a fast card model: the complete adder's (`soft_adder`) or the
/// XYZZ adder's (`soft_xyzz_adder`), driven the same way each cycle.
trait LoopAdder: Send {
    /// Drops every operation in flight (reset).
    fn clear(&mut self);
    /// Drives the result port for the model's current cycle (before it is evaluated).
    fn answer(&mut self, model: &mut Model);
    /// Takes the operation issued this cycle (after evaluation, before the clock edge).
    fn capture(&mut self, model: &Model);
}

impl LoopAdder for SoftAdder {
    fn clear(&mut self) {
        SoftAdder::clear(self)
    }
    fn answer(&mut self, model: &mut Model) {
        SoftAdder::answer(self, model)
    }
    fn capture(&mut self, model: &Model) {
        SoftAdder::capture(self, model)
    }
}

impl LoopAdder for SoftXyzzAdder {
    fn clear(&mut self) {
        SoftXyzzAdder::clear(self)
    }
    fn answer(&mut self, model: &mut Model) {
        SoftXyzzAdder::answer(self, model)
    }
    fn capture(&mut self, model: &Model) {
        SoftXyzzAdder::capture(self, model)
    }
}

/// A card model with its memory (and software adder, fast variant).
pub struct CardRunner {
    model: Model,
    ports: Ports,
    mem_model: MemModel,
    mem: HashMap<u32, Vec<u8>>,
    reads: VecDeque<(u64, u32)>,
    adders: Vec<Box<dyn LoopAdder>>,
    c2h: VecDeque<(Vec<u8>, bool)>,
    traffic: Traffic,
    rng: rand_chacha::ChaCha20Rng,
    held: bool,
}

impl CardRunner {
    /// An instance of `lib` with `mem_points` points of card memory, powered up and reset.
    pub fn new(lib: &Arc<Library>, mem_points: u32, mem_model: MemModel) -> Result<Self, SimError> {
        assert!(mem_model.latency >= 1 && mem_model.interval >= 1, "memory latency and interval of at least one cycle");
        let model = lib.instantiate();
        let p = |n: &str| model.port(n);
        // The fast variant: unit 0's adder port, and unit 1's on a two-unit card; the three XYZZ
        // ports `u0_`, `u1_`, `u2_` on a three-unit card.
        let mut adders: Vec<Box<dyn LoopAdder>> = Vec::new();
        for prefix in ["u0_", "u1_", "u2_"] {
            if let Some(ports) = XyzzAdderPorts::find_prefixed(&model, prefix)? {
                adders.push(Box::new(SoftXyzzAdder::new(ports, XYZZ_ADDER_LATENCY)));
            }
        }
        if adders.is_empty() {
            for prefix in ["", "u1_"] {
                if let Some(ports) = AdderPorts::find_prefixed(&model, prefix)? {
                    adders.push(Box::new(SoftAdder::new(ports, ADDER_LATENCY)));
                }
            }
        }
        let ports = Ports {
            reset: p("reset")?,
            mem_points: p("mem_points")?,
            reg_addr: p("reg_addr")?,
            reg_wdata: p("reg_wdata")?,
            reg_we: p("reg_we")?,
            reg_rdata: p("reg_rdata")?,
            busy: p("busy")?,
            s_data: p("s_data")?,
            s_valid: p("s_valid")?,
            s_ready: p("s_ready")?,
            s_last: p("s_last")?,
            m_data: p("m_data")?,
            m_valid: p("m_valid")?,
            m_ready: p("m_ready")?,
            m_last: p("m_last")?,
            rd_valid: p("mem_rd_valid")?,
            rd_ready: p("mem_rd_ready")?,
            rd_addr: p("mem_rd_addr")?,
            rd_data_valid: p("mem_rd_data_valid")?,
            rd_data: p("mem_rd_data")?,
            wr_valid: p("mem_wr_valid")?,
            wr_ready: p("mem_wr_ready")?,
            wr_addr: p("mem_wr_addr")?,
            wr_data: p("mem_wr_data")?,
        };
        let mut r = Self {
            model,
            ports,
            mem_model,
            mem: HashMap::new(),
            reads: VecDeque::new(),
            adders,
            c2h: VecDeque::new(),
            traffic: Traffic::SMOOTH,
            rng: rand_chacha::ChaCha20Rng::seed_from_u64(0),
            held: false,
        };
        r.model.set_u64(r.ports.mem_points, mem_points as u64);
        r.reset();
        Ok(r)
    }

    /// Random bubbles on the host-to-card stream (a beat, once offered, stays offered until
    /// taken, as AXI4-Stream requires) and random back-pressure on the card-to-host stream and on
    /// both card-memory request channels (on top of the memory's `interval`), from `seed`.
    pub fn set_traffic(&mut self, traffic: Traffic, seed: u64) {
        self.traffic = traffic;
        self.rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    }

    /// Whether the model closes the adder loop in software (the fast variant).
    pub fn software_adder(&self) -> bool {
        !self.adders.is_empty()
    }

    /// The underlying model (e.g. to start a VCD).
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// Clock cycles since the instance was created.
    pub fn cycles(&self) -> u64 {
        self.model.cycles()
    }

    /// The card's `busy` output (a command is running).
    pub fn busy(&mut self) -> bool {
        self.model.eval();
        self.model.get_bool(self.ports.busy)
    }

    /// Kernel reset (two cycles): commands stop, the streams and everything in flight are
    /// dropped. Card memory (and the card's bases slots) survive, as on a card.
    pub fn reset(&mut self) {
        self.model.set_bool(self.ports.reset, true);
        self.cycle(None);
        self.cycle(None);
        self.model.set_bool(self.ports.reset, false);
        self.reads.clear();
        for a in &mut self.adders {
            a.clear();
        }
        self.c2h.clear();
        self.held = false;
        self.cycle(None);
    }

    /// Reads a register (combinational; no clock edge).
    pub fn read_reg(&mut self, offset: u32) -> u32 {
        self.model.set_u64(self.ports.reg_addr, offset as u64 & 0xff);
        self.model.eval();
        self.model.get_u64(self.ports.reg_rdata) as u32
    }

    /// Writes a register: one clock cycle with the write port active.
    pub fn write_reg(&mut self, offset: u32, value: u32) {
        self.model.set_u64(self.ports.reg_addr, offset as u64 & 0xff);
        self.model.set_u64(self.ports.reg_wdata, value as u64);
        self.model.set_bool(self.ports.reg_we, true);
        self.cycle(None);
        self.model.set_bool(self.ports.reg_we, false);
    }

    /// One clock cycle: offers `beat` (32 bytes and `last`) on the host-to-card stream (unless the
    /// traffic makes this cycle a bubble), takes any card-to-host beat the host is ready for,
    /// serves card memory and the software adder. Returns whether the beat was accepted.
    pub fn cycle(&mut self, beat: Option<(&[u8], bool)>) -> bool {
        let now = self.model.cycles();
        let t = self.traffic;
        let bubble = t.bubble > 0.0 && self.rng.gen_bool(t.bubble);
        let beat = beat.filter(|_| self.held || !bubble);
        let host_ready = !(t.stall > 0.0 && self.rng.gen_bool(t.stall));
        let mem_stall = t.stall > 0.0 && self.rng.gen_bool(t.stall);
        let p = &self.ports;
        // Inputs of this cycle.
        match beat {
            Some((bytes, last)) => {
                self.model.set_bytes(p.s_data, bytes);
                self.model.set_bool(p.s_last, last);
                self.model.set_bool(p.s_valid, true);
            }
            None => {
                self.model.set_bool(p.s_valid, false);
                self.model.set_bool(p.s_last, false);
            }
        }
        self.model.set_bool(p.m_ready, host_ready);
        let slot = now.is_multiple_of(self.mem_model.interval) && !mem_stall;
        self.model.set_bool(p.rd_ready, slot);
        self.model.set_bool(p.wr_ready, slot);
        match self.reads.front() {
            Some(&(due, addr)) if due == now => {
                let word = self.mem.get(&addr).cloned().unwrap_or_else(|| vec![0u8; 64]);
                self.model.set_bytes(p.rd_data, &word);
                self.model.set_bool(p.rd_data_valid, true);
                self.reads.pop_front();
            }
            _ => self.model.set_bool(p.rd_data_valid, false),
        }
        for a in &mut self.adders {
            a.answer(&mut self.model);
        }
        self.model.eval();
        // Handshakes sampled by the coming edge.
        let accepted = beat.is_some() && self.model.get_bool(p.s_ready);
        self.held = beat.is_some() && !accepted;
        if host_ready && self.model.get_bool(p.m_valid) {
            self.c2h.push_back((self.model.get_bytes(p.m_data), self.model.get_bool(p.m_last)));
        }
        if slot && self.model.get_bool(p.rd_valid) {
            let addr = self.model.get_u64(p.rd_addr) as u32;
            self.reads.push_back((now + self.mem_model.latency, addr));
        }
        if slot && self.model.get_bool(p.wr_valid) {
            let addr = self.model.get_u64(p.wr_addr) as u32;
            let mut word = self.model.get_bytes(p.wr_data);
            word.resize(64, 0);
            self.mem.insert(addr, word);
        }
        for a in &mut self.adders {
            a.capture(&self.model);
        }
        self.model.tick();
        accepted
    }

    /// Card-to-host beats collected so far (32 bytes and `last` each), oldest first.
    pub fn c2h(&mut self) -> &mut VecDeque<(Vec<u8>, bool)> {
        &mut self.c2h
    }

    /// A word of card memory (64 bytes; zeros where nothing was written), for tests.
    pub fn mem_word(&self, addr: u32) -> Vec<u8> {
        self.mem.get(&addr).cloned().unwrap_or_else(|| vec![0u8; 64])
    }
}
