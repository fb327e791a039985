//! The butterfly multiplier of the NTT core, chosen when the core is built: one port list
//! (`a`, `b`, `in_valid` → `out`, `out_valid` a fixed [`NttMultiplier::latency`] later) around
//! either Montgomery multiplier.
//!
//! * [`NttMultiplier::PipelinedXcup`]: [`MontMulPipelinedXcup`], a product every cycle (320
//!   DSP48E2 over Fr): the cloud-card build.
//! * [`NttMultiplier::Iterative`]: [`MontMulIterative`], a product every 33 cycles on 17 DSP
//!   leaves (17 MULT18X18D on ECP5): the small-FPGA build. The core then issues one operation
//!   every [`NttMultiplier::issue_interval`] cycles, so the multiplier is always idle when its
//!   operands arrive.

use crate::field::Bn254Field;
use crate::montmul_iterative::MontMulIterative;
use crate::montmul_pipelined::MontMulPipelinedXcup;
use rust_hdl::prelude::*;

/// Which Montgomery multiplier the NTT core's butterfly uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NttMultiplier {
    /// The fully pipelined multiplier with DSP48E2-shaped products (initiation interval 1).
    PipelinedXcup,
    /// The digit-serial multiplier (initiation interval 33, 17 DSP leaves).
    Iterative,
}

impl NttMultiplier {
    /// Cycles from operands to result.
    pub fn latency(self) -> usize {
        match self {
            NttMultiplier::PipelinedXcup => crate::montmul_pipelined::config::LATENCY,
            NttMultiplier::Iterative => crate::montmul_iterative::config::LATENCY,
        }
    }

    /// Cycles between operations the core issues (1: every cycle).
    pub fn issue_interval(self) -> usize {
        match self {
            NttMultiplier::PipelinedXcup => crate::montmul_pipelined::config::INITIATION_INTERVAL,
            NttMultiplier::Iterative => crate::montmul_iterative::config::INITIATION_INTERVAL,
        }
    }
}

/// The multiplier block; exactly one of the two vectors holds one multiplier.
#[derive(LogicBlock)]
pub struct ButterflyMul {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (drops the products in flight).
    pub reset: Signal<In, Bit>,
    /// Multiplicand (wire format).
    pub a: Signal<In, Bits<256>>,
    /// Multiplier (wire format).
    pub b: Signal<In, Bits<256>>,
    /// Operands offered (at most once per issue interval).
    pub in_valid: Signal<In, Bit>,
    /// `a·b·2^-256 mod p`.
    pub out: Signal<Out, Bits<256>>,
    /// `out` holds a result.
    pub out_valid: Signal<Out, Bit>,
    pipelined: Vec<MontMulPipelinedXcup>,
    iterative: Vec<MontMulIterative>,
}

impl ButterflyMul {
    /// The multiplier `kind` over BN254 Fr.
    pub fn new(kind: NttMultiplier) -> Self {
        let (pipelined, iterative) = match kind {
            NttMultiplier::PipelinedXcup => (vec![MontMulPipelinedXcup::bn254(Bn254Field::Fr)], vec![]),
            NttMultiplier::Iterative => (vec![], vec![MontMulIterative::bn254(Bn254Field::Fr)]),
        };
        Self {
            clock: Default::default(),
            reset: Default::default(),
            a: Default::default(),
            b: Default::default(),
            in_valid: Default::default(),
            out: Default::default(),
            out_valid: Default::default(),
            pipelined,
            iterative,
        }
    }
}

impl Logic for ButterflyMul {
    fn update(&mut self) {
        // Mirrors the Verilog of `hdl()` for rust-hdl's simulator.
        let (clock, reset, a, b, v) = (self.clock.val(), self.reset.val(), self.a.val(), self.b.val(), self.in_valid.val());
        if let Some(m) = self.pipelined.first_mut() {
            m.clock.next = clock;
            m.reset.next = reset;
            m.a.next = a;
            m.b.next = b;
            m.in_valid.next = v;
            self.out.next = m.out.val();
            self.out_valid.next = m.out_valid.val();
        }
        if let Some(m) = self.iterative.first_mut() {
            m.clock.next = clock;
            m.reset.next = reset;
            m.a.next = a;
            m.b.next = b;
            m.in_valid.next = v;
            self.out.next = m.out.val();
            self.out_valid.next = m.out_valid.val();
        }
    }

    fn connect(&mut self) {
        self.out.connect();
        self.out_valid.connect();
        for m in self.pipelined.iter_mut() {
            m.clock.connect();
            m.reset.connect();
            m.a.connect();
            m.b.connect();
            m.in_valid.connect();
        }
        for m in self.iterative.iter_mut() {
            m.clock.connect();
            m.reset.connect();
            m.a.connect();
            m.b.connect();
            m.in_valid.connect();
        }
    }

    fn hdl(&self) -> Verilog {
        let child = if self.pipelined.is_empty() { "iterative$0" } else { "pipelined$0" };
        Verilog::Custom(format!(
            "always @(*) begin\n   {child}$clock = clock;\n   {child}$reset = reset;\n   {child}$a = a;\n   \
             {child}$b = b;\n   {child}$in_valid = in_valid;\n   out = {child}$out;\n   out_valid = {child}$out_valid;\nend\n"
        ))
    }
}
