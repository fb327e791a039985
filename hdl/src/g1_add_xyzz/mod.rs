//! Pipelined XYZZ G1 adder on BN254: the mixed addition `bucket + (±(x2, y2))`, the doubling,
//! and the scaling pass of a general addition, one operation per cycle on **ten** multipliers
//! (the complete projective adder [`crate::g1_add_mixed`] needs twelve), fixed latency
//! [`config::LATENCY`].
//!
//! The formulas (`model.rs` line by line, NOTES.md for the why) are EFD's `madd-2008-s` (8M + 2S)
//! with the affine operand's scale factors as ports, `dbl-2008-s-1` (6M + 3S) and a four-product
//! scaling; a general addition `P1 + P2` of two XYZZ points is a scaling pass and an addition pass.
//! They are not complete, and the adder says so instead of returning a wrong point:
//! * `out_exc`: an addition met two equal points (`P = R = 0`, neither operand the identity); the
//!   output is not the sum and the caller redoes the operation as a doubling of the first operand;
//! * an addition of two opposite points comes out as the identity (`ZZ3 = ZZZ3 = 0`) through the
//!   formulas;
//! * `in_inf2` (addition): the second operand is the identity; the output is the first operand
//!   bit for bit;
//! * a first operand with `ZZ1 = 0` (addition) is the identity; the output is `(x2, ±y2, 1, 1)`.
//!
//! The graph (`schedule.rs`) gives every unit its operands per mode; the mode rides along in a
//! 2-bit delay chain and selects them. Operands wait in registers (1 cycle) or [`DelayLine`] RAM
//! leaves (≥ 2 cycles), chained per signal. The ten multipliers are instances of one shared
//! Verilog module ([`SharedMontMul`]). `in_tag` (opaque) and the valid bit travel alongside;
//! `out_valid` follows `in_valid` by exactly `LATENCY` cycles; `reset` suppresses results of
//! operations issued before it. Conventions: docs/interfaces.md (wire format, pipeline ports).

pub mod config;
pub mod model;
pub mod schedule;

use crate::delay_line::taps::{self, Store};
use crate::delay_line::DelayLine;
use crate::field::Bn254Field;
use crate::g1_add_mixed::shared_mul::SharedMontMul;
use crate::mod_add_sub::{AddSubOp, ModAddSub};
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use schedule::{Kind, Schedule, Sig, BYPASS1};

/// The adder with DSP48E2-shaped multipliers (UltraScale+), the shape that is synthesized.
pub type G1AddXyzzXcup = G1AddXyzz<26, 42>;

/// Where an operation of the graph runs.
#[derive(Clone, Copy, Debug)]
enum Unit {
    Mul(usize),
    Add(usize),
}

/// Bits of the side channel that rides to the output: tag, valid, inf2, inf1, mode.
const SIDE_BITS: usize = 37;
const SIDE_VALID: usize = 32;
const SIDE_INF2: usize = 33;
const SIDE_INF1: usize = 34;
const SIDE_MODE: usize = 35;

/// The pipelined XYZZ adder; see the module documentation.
#[derive(LogicBlock)]
pub struct G1AddXyzz<const WL: usize, const P: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: results of operations issued before it (and in its cycle) are dropped.
    pub reset: Signal<In, Bit>,
    /// An operation is offered (and taken: the adder never stalls).
    pub in_valid: Signal<In, Bit>,
    /// `0`: addition, `1`: doubling of the first operand, `2`: scaling (`3` acts as `0`).
    pub in_mode: Signal<In, Bits<2>>,
    /// First operand X (wire format, `< q`).
    pub in_x1: Signal<In, Bits<256>>,
    /// First operand Y.
    pub in_y1: Signal<In, Bits<256>>,
    /// First operand ZZ (`0`: the identity).
    pub in_zz1: Signal<In, Bits<256>>,
    /// First operand ZZZ.
    pub in_zzz1: Signal<In, Bits<256>>,
    /// The factor that brings `x2` to the first operand's scale (`ZZ1` for a mixed addition).
    pub in_zzu: Signal<In, Bits<256>>,
    /// The factor that brings `y2` to the first operand's scale (`ZZZ1` for a mixed addition).
    pub in_zzzu: Signal<In, Bits<256>>,
    /// Second operand x.
    pub in_x2: Signal<In, Bits<256>>,
    /// Second operand y.
    pub in_y2: Signal<In, Bits<256>>,
    /// The second operand is the identity (addition: the output is the first operand unchanged;
    /// every mode: `x2, y2` are zeroed at the ports).
    pub in_inf2: Signal<In, Bit>,
    /// Negate `y2`.
    pub in_neg2: Signal<In, Bit>,
    /// Opaque tag, returned with the result.
    pub in_tag: Signal<In, Bits<32>>,
    /// `out_*` hold a result (`LATENCY` cycles after its `in_valid`).
    pub out_valid: Signal<Out, Bit>,
    /// Result X.
    pub out_x3: Signal<Out, Bits<256>>,
    /// Result Y.
    pub out_y3: Signal<Out, Bits<256>>,
    /// Result ZZ.
    pub out_zz3: Signal<Out, Bits<256>>,
    /// Result ZZZ.
    pub out_zzz3: Signal<Out, Bits<256>>,
    /// The addition met two equal points: the result is not the sum; redo it as a doubling.
    pub out_exc: Signal<Out, Bit>,
    /// The tag of the operation.
    pub out_tag: Signal<Out, Bits<32>>,
    neg: ModAddSub,
    neg_y2: DelayLine<256>,
    neg_flag: DelayLine<1>,
    y2f: DFF<Bits<256>>,
    muls: Vec<SharedMontMul<WL, P>>,
    adds: Vec<ModAddSub>,
    regs: Vec<DFF<Bits<256>>>,
    lines: Vec<DelayLine<256>>,
    mode_regs: Vec<DFF<Bits<2>>>,
    mode_lines: Vec<DelayLine<2>>,
    pz: DelayLine<1>,
    exc: DelayLine<1>,
    side: DelayLine<SIDE_BITS>,
    outx: DFF<Bits<256>>,
    outy: DFF<Bits<256>>,
    outzz: DFF<Bits<256>>,
    outzzz: DFF<Bits<256>>,
    oute: DFF<Bit>,
    outt: DFF<Bits<32>>,
    valid: DFF<Bit>,
    flush: DFF<Bits<16>>,
    _plan: Box<Plan>,
}

struct Plan {
    sched: Schedule,
    units: Vec<Unit>,
    stores: Vec<Store>,
    /// The mode's delay chain: `(delay, store)` per cycle in `mode_cycles` below the output
    /// cycle with a nonzero delay, ascending.
    mode_taps: Vec<(usize, Store)>,
    one: Bits<256>,
}

impl<const WL: usize, const P: usize> Default for G1AddXyzz<WL, P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const WL: usize, const P: usize> G1AddXyzz<WL, P> {
    /// The adder over BN254 Fq.
    pub fn new() -> Self {
        let q: BigUint = Bn254Field::Fq.modulus();
        let sched = schedule::schedule();
        assert_eq!(sched.out_cycle + 1, config::LATENCY, "schedule and config disagree");
        const { assert!(config::LATENCY < 1 << 16) };
        let mut units = Vec::new();
        let mut muls = Vec::new();
        let mut adds = Vec::new();
        for op in &sched.graph.ops {
            match op.kind {
                Kind::Mul => {
                    units.push(Unit::Mul(muls.len()));
                    muls.push(SharedMontMul::new(&q, muls.is_empty()));
                }
                Kind::Add | Kind::Sub => {
                    units.push(Unit::Add(adds.len()));
                    let o = if op.kind == Kind::Add { AddSubOp::Add } else { AddSubOp::Sub };
                    adds.push(ModAddSub::new(&q, o));
                }
            }
        }
        let (stores, n_regs, line_steps) = taps::allocate(sched.taps.iter().map(|t| t.step));
        let regs = (0..n_regs).map(|_| DFF::default()).collect();
        let lines = line_steps.into_iter().map(DelayLine::new).collect();
        // The mode's chain: one tap per cycle that needs it (below the output cycle), each
        // extending the previous one.
        let mode_cycles: Vec<usize> = sched.mode_cycles.iter().copied().filter(|&c| c > 0 && c < sched.out_cycle).collect();
        let (mode_stores, n_mode_regs, mode_steps) = taps::allocate(mode_cycles.iter().scan(0, |prev, &c| Some(c - std::mem::replace(prev, c))));
        let mode_taps = mode_cycles.into_iter().zip(mode_stores).collect();
        let mode_regs = (0..n_mode_regs).map(|_| DFF::default()).collect();
        let mode_lines = mode_steps.into_iter().map(DelayLine::new).collect();
        let (pr, rr) = (sched.ready[sched.graph.p_op], sched.ready[sched.graph.r_op]);
        let pz = DelayLine::new(rr - pr);
        let exc = DelayLine::new(sched.out_cycle - rr);
        let one = crate::g1_add_mixed::fq_one_wire();
        Self {
            clock: Default::default(),
            reset: Default::default(),
            in_valid: Default::default(),
            in_mode: Default::default(),
            in_x1: Default::default(),
            in_y1: Default::default(),
            in_zz1: Default::default(),
            in_zzz1: Default::default(),
            in_zzu: Default::default(),
            in_zzzu: Default::default(),
            in_x2: Default::default(),
            in_y2: Default::default(),
            in_inf2: Default::default(),
            in_neg2: Default::default(),
            in_tag: Default::default(),
            out_valid: Default::default(),
            out_x3: Default::default(),
            out_y3: Default::default(),
            out_zz3: Default::default(),
            out_zzz3: Default::default(),
            out_exc: Default::default(),
            out_tag: Default::default(),
            neg: ModAddSub::new(&q, AddSubOp::Sub),
            neg_y2: DelayLine::new(config::ADD_LATENCY),
            neg_flag: DelayLine::new(config::ADD_LATENCY),
            y2f: Default::default(),
            muls,
            adds,
            regs,
            lines,
            mode_regs,
            mode_lines,
            pz,
            exc,
            side: DelayLine::new(sched.out_cycle),
            outx: Default::default(),
            outy: Default::default(),
            outzz: Default::default(),
            outzzz: Default::default(),
            oute: Default::default(),
            outt: Default::default(),
            valid: Default::default(),
            flush: Default::default(),
            _plan: Box::new(Plan { sched, units, stores, mode_taps, one }),
        }
    }

    /// DSP leaves of the whole adder (the multipliers').
    pub fn dsp_leaves() -> usize {
        config::dsp_leaves(WL)
    }

    fn store_name(&self, tap: usize) -> String {
        self._plan.stores[tap].q_name("regs", "lines")
    }

    fn sig_name(&self, s: Sig) -> String {
        match s {
            Sig::X1 => "in_x1".into(),
            Sig::Y1 => "in_y1".into(),
            Sig::Zz1 => "in_zz1".into(),
            Sig::Zzz1 => "in_zzz1".into(),
            Sig::Zzu => "in_zzu".into(),
            Sig::Zzzu => "in_zzzu".into(),
            Sig::X2 => "(in_inf2 ? 256'd0 : in_x2)".into(),
            Sig::Y2 => "y2f$q".into(),
            Sig::Op(i) => match self._plan.units[i] {
                Unit::Mul(k) => format!("muls${k}$out"),
                Unit::Add(k) => format!("adds${k}$out"),
            },
        }
    }

    /// Verilog name of signal `s` delayed by `delay` cycles.
    fn vname(&self, s: Sig, delay: usize) -> String {
        match self._plan.sched.tap(s, delay) {
            Some(t) => self.store_name(t),
            None => self.sig_name(s),
        }
    }

    /// Verilog name of the mode as seen in cycle `cycle` (below the output cycle).
    fn mode_name(&self, cycle: usize) -> String {
        if cycle == 0 {
            return "in_mode".into();
        }
        self._plan.mode_taps.iter().find(|(c, _)| *c == cycle).expect("mode tap planned").1.q_name("mode_regs", "mode_lines")
    }

    fn store_value(&self, tap: usize) -> Bits<256> {
        match self._plan.stores[tap] {
            Store::Reg(k) => self.regs[k].q.val(),
            Store::Line(k) => self.lines[k].q.val(),
        }
    }

    fn sig_value(&self, s: Sig) -> Bits<256> {
        match s {
            Sig::X1 => self.in_x1.val(),
            Sig::Y1 => self.in_y1.val(),
            Sig::Zz1 => self.in_zz1.val(),
            Sig::Zzz1 => self.in_zzz1.val(),
            Sig::Zzu => self.in_zzu.val(),
            Sig::Zzzu => self.in_zzzu.val(),
            Sig::X2 => {
                if self.in_inf2.val() {
                    Bits::default()
                } else {
                    self.in_x2.val()
                }
            }
            Sig::Y2 => self.y2f.q.val(),
            Sig::Op(i) => match self._plan.units[i] {
                Unit::Mul(k) => self.muls[k].out.val(),
                Unit::Add(k) => self.adds[k].out.val(),
            },
        }
    }

    /// Value of signal `s` delayed by `delay` cycles (rust-hdl simulation).
    fn value(&self, s: Sig, delay: usize) -> Bits<256> {
        match self._plan.sched.tap(s, delay) {
            Some(t) => self.store_value(t),
            None => self.sig_value(s),
        }
    }

    /// The mode as seen in cycle `cycle` (rust-hdl simulation), as a mode index 0–2 (3 → 0).
    fn mode_value(&self, cycle: usize) -> usize {
        let m = if cycle == 0 {
            self.in_mode.val()
        } else {
            match self._plan.mode_taps.iter().find(|(c, _)| *c == cycle).expect("mode tap planned").1 {
                Store::Reg(k) => self.mode_regs[k].q.val(),
                Store::Line(k) => self.mode_lines[k].q.val(),
            }
        };
        mode_index(m.to_u64())
    }

    /// Delay of operand `s` for an operation starting in cycle `start`.
    fn delay_for(&self, s: Sig, start: usize) -> usize {
        start - self._plan.sched.ready_of(s)
    }

    /// Verilog of operand `which` of operation `i`: a signal, or a select by the mode.
    fn operand_verilog(&self, i: usize, which: usize) -> String {
        let op = &self._plan.sched.graph.ops[i];
        let start = self._plan.sched.start[i];
        let s = if which == 0 { &op.a } else { &op.b };
        let n = |x: Sig| self.vname(x, self.delay_for(x, start));
        if !op.muxed(which) {
            return n(s[0]);
        }
        let m = self.mode_name(start);
        format!("(({m} == 2'd1) ? {} : (({m} == 2'd2) ? {} : {}))", n(s[1]), n(s[2]), n(s[0]))
    }
}

/// Mode index of a 2-bit `in_mode` code (`3` acts as the addition).
fn mode_index(code: u64) -> usize {
    match code {
        1 => 1,
        2 => 2,
        _ => 0,
    }
}

impl<const WL: usize, const P: usize> Logic for G1AddXyzz<WL, P> {
    fn update(&mut self) {
        // Mirrors the Verilog of `hdl()` for rust-hdl's simulator.
        let clock = self.clock.val();
        let reset = self.reset.val();
        let inf2 = self.in_inf2.val();
        let y2m = if inf2 { Bits::<256>::default() } else { self.in_y2.val() };
        self.neg.clock.next = clock;
        self.neg.reset.next = false;
        self.neg.in_valid.next = false;
        self.neg.a.next = Bits::default();
        self.neg.b.next = y2m;
        self.neg_y2.clock.next = clock;
        self.neg_y2.d.next = y2m;
        self.neg_flag.clock.next = clock;
        self.neg_flag.d.next = self.in_neg2.val().into();
        self.y2f.clock.next = clock;
        self.y2f.d.next = if self.neg_flag.q.val().any() { self.neg.out.val() } else { self.neg_y2.q.val() };
        for i in 0..self._plan.sched.graph.ops.len() {
            let start = self._plan.sched.start[i];
            let mode = if self._plan.sched.graph.ops[i].muxed(0) || self._plan.sched.graph.ops[i].muxed(1) { self.mode_value(start) } else { 0 };
            let (a, b) = (self._plan.sched.graph.ops[i].a[mode], self._plan.sched.graph.ops[i].b[mode]);
            let va = self.value(a, self.delay_for(a, start));
            let vb = self.value(b, self.delay_for(b, start));
            match self._plan.units[i] {
                Unit::Mul(k) => {
                    self.muls[k].clock.next = clock;
                    self.muls[k].a.next = va;
                    self.muls[k].b.next = vb;
                }
                Unit::Add(k) => {
                    self.adds[k].clock.next = clock;
                    self.adds[k].reset.next = false;
                    self.adds[k].in_valid.next = false;
                    self.adds[k].a.next = va;
                    self.adds[k].b.next = vb;
                }
            }
        }
        for t in 0..self._plan.sched.taps.len() {
            let (sig, from) = (self._plan.sched.taps[t].sig, self._plan.sched.taps[t].from);
            let d = match from {
                Some(j) => self.store_value(j),
                None => self.sig_value(sig),
            };
            match self._plan.stores[t] {
                Store::Reg(k) => {
                    self.regs[k].clock.next = clock;
                    self.regs[k].d.next = d;
                }
                Store::Line(k) => {
                    self.lines[k].clock.next = clock;
                    self.lines[k].d.next = d;
                }
            }
        }
        let mut prev = self.in_mode.val();
        for j in 0..self._plan.mode_taps.len() {
            match self._plan.mode_taps[j].1 {
                Store::Reg(k) => {
                    self.mode_regs[k].clock.next = clock;
                    self.mode_regs[k].d.next = prev;
                    prev = self.mode_regs[k].q.val();
                }
                Store::Line(k) => {
                    self.mode_lines[k].clock.next = clock;
                    self.mode_lines[k].d.next = prev;
                    prev = self.mode_lines[k].q.val();
                }
            }
        }
        let (p_op, r_op) = (self._plan.sched.graph.p_op, self._plan.sched.graph.r_op);
        let p_zero = !self.sig_value(Sig::Op(p_op)).any();
        let r_zero = !self.sig_value(Sig::Op(r_op)).any();
        self.pz.clock.next = clock;
        self.pz.d.next = p_zero.into();
        self.exc.clock.next = clock;
        self.exc.d.next = (self.pz.q.val().any() & r_zero).into();
        let mut side = bit_cast::<SIDE_BITS, 32>(self.in_tag.val());
        side = side.replace_bit(SIDE_VALID, self.in_valid.val() & !reset);
        side = side.replace_bit(SIDE_INF2, inf2);
        side = side.replace_bit(SIDE_INF1, !self.in_zz1.val().any());
        let mode_in = self.in_mode.val().to_u64();
        side = side.replace_bit(SIDE_MODE, mode_in & 1 != 0);
        side = side.replace_bit(SIDE_MODE + 1, mode_in & 2 != 0);
        self.side.clock.next = clock;
        self.side.d.next = side;
        let oc = self._plan.sched.out_cycle;
        let sq = self.side.q.val();
        let mode = mode_index((sq.get_bit(SIDE_MODE) as u64) | ((sq.get_bit(SIDE_MODE + 1) as u64) << 1));
        let (s_inf2, s_inf1) = (sq.get_bit(SIDE_INF2), sq.get_bit(SIDE_INF1));
        let add = mode == 0;
        let d: [Bits<256>; 4] = if add && s_inf2 {
            BYPASS1.map(|s| self.value(s, oc))
        } else if add && s_inf1 {
            let one = self._plan.one;
            [self.value(Sig::X2, oc), self.value(Sig::Y2, oc - config::FRONT_LATENCY), one, one]
        } else {
            self._plan.sched.graph.outputs[mode].map(|s| self.value(s, oc - self._plan.sched.ready_of(s)))
        };
        self.outx.clock.next = clock;
        self.outy.clock.next = clock;
        self.outzz.clock.next = clock;
        self.outzzz.clock.next = clock;
        self.oute.clock.next = clock;
        self.outt.clock.next = clock;
        self.outx.d.next = d[0];
        self.outy.d.next = d[1];
        self.outzz.d.next = d[2];
        self.outzzz.d.next = d[3];
        self.oute.d.next = add & !s_inf2 & !s_inf1 & self.exc.q.val().any();
        self.outt.d.next = bit_cast::<32, SIDE_BITS>(sq);
        self.flush.clock.next = clock;
        let flush = self.flush.q.val();
        self.flush.d.next = if reset {
            bits::<16>(config::LATENCY as u64 - 1)
        } else if flush.any() {
            flush - 1
        } else {
            flush
        };
        self.valid.clock.next = clock;
        self.valid.d.next = sq.get_bit(SIDE_VALID) & !flush.any() & !reset;
        self.out_x3.next = self.outx.q.val();
        self.out_y3.next = self.outy.q.val();
        self.out_zz3.next = self.outzz.q.val();
        self.out_zzz3.next = self.outzzz.q.val();
        self.out_exc.next = self.oute.q.val();
        self.out_tag.next = self.outt.q.val();
        self.out_valid.next = self.valid.q.val();
    }

    fn connect(&mut self) {
        self.out_valid.connect();
        self.out_x3.connect();
        self.out_y3.connect();
        self.out_zz3.connect();
        self.out_zzz3.connect();
        self.out_exc.connect();
        self.out_tag.connect();
        self.neg.clock.connect();
        self.neg.reset.connect();
        self.neg.in_valid.connect();
        self.neg.a.connect();
        self.neg.b.connect();
        self.neg_y2.clock.connect();
        self.neg_y2.d.connect();
        self.neg_flag.clock.connect();
        self.neg_flag.d.connect();
        self.y2f.clock.connect();
        self.y2f.d.connect();
        for m in self.muls.iter_mut() {
            m.clock.connect();
            m.a.connect();
            m.b.connect();
        }
        for a in self.adds.iter_mut() {
            a.clock.connect();
            a.reset.connect();
            a.in_valid.connect();
            a.a.connect();
            a.b.connect();
        }
        for r in self.regs.iter_mut() {
            r.clock.connect();
            r.d.connect();
        }
        for l in self.lines.iter_mut() {
            l.clock.connect();
            l.d.connect();
        }
        for r in self.mode_regs.iter_mut() {
            r.clock.connect();
            r.d.connect();
        }
        for l in self.mode_lines.iter_mut() {
            l.clock.connect();
            l.d.connect();
        }
        for l in [&mut self.pz, &mut self.exc] {
            l.clock.connect();
            l.d.connect();
        }
        self.side.clock.connect();
        self.side.d.connect();
        for dff in [&mut self.outx, &mut self.outy, &mut self.outzz, &mut self.outzzz] {
            dff.clock.connect();
            dff.d.connect();
        }
        self.oute.clock.connect();
        self.oute.d.connect();
        self.outt.clock.connect();
        self.outt.d.connect();
        self.valid.clock.connect();
        self.valid.d.connect();
        self.flush.clock.connect();
        self.flush.d.connect();
    }

    fn hdl(&self) -> Verilog {
        let sched = &self._plan.sched;
        let mut v = String::from("always @(*) begin\n");
        v.push_str(
            "   neg$clock = clock;\n   neg$reset = 1'b0;\n   neg$in_valid = 1'b0;\n   neg$a = 256'd0;\n   \
             neg$b = in_inf2 ? 256'd0 : in_y2;\n   neg_y2$clock = clock;\n   neg_y2$d = in_inf2 ? 256'd0 : in_y2;\n   \
             neg_flag$clock = clock;\n   neg_flag$d = in_neg2;\n   y2f$clock = clock;\n   \
             y2f$d = neg_flag$q ? neg$out : neg_y2$q;\n",
        );
        for (i, op) in sched.graph.ops.iter().enumerate() {
            let a = self.operand_verilog(i, 0);
            let b = self.operand_verilog(i, 1);
            v.push_str(&format!("   // {} (cycle {} -> {})\n", op.name, sched.start[i], sched.ready[i]));
            match self._plan.units[i] {
                Unit::Mul(k) => {
                    v.push_str(&format!("   muls${k}$clock = clock;\n   muls${k}$a = {a};\n   muls${k}$b = {b};\n"));
                }
                Unit::Add(k) => v.push_str(&format!(
                    "   adds${k}$clock = clock;\n   adds${k}$reset = 1'b0;\n   adds${k}$in_valid = 1'b0;\n   \
                     adds${k}$a = {a};\n   adds${k}$b = {b};\n"
                )),
            }
        }
        for (t, tap) in sched.taps.iter().enumerate() {
            let d = match tap.from {
                Some(j) => self.store_name(j),
                None => self.sig_name(tap.sig),
            };
            let st = self.store_name(t);
            let base = st.trim_end_matches("$q");
            v.push_str(&format!("   {base}$clock = clock;\n   {base}$d = {d}; // {:?} + {}\n", tap.sig, tap.delay));
        }
        let mut prev = String::from("in_mode");
        for (c, store) in &self._plan.mode_taps {
            let base = match store {
                Store::Reg(k) => format!("mode_regs${k}"),
                Store::Line(k) => format!("mode_lines${k}"),
            };
            v.push_str(&format!("   {base}$clock = clock;\n   {base}$d = {prev}; // mode in cycle {c}\n"));
            prev = format!("{base}$q");
        }
        let p = self.sig_name(Sig::Op(sched.graph.p_op));
        let r = self.sig_name(Sig::Op(sched.graph.r_op));
        v.push_str(&format!("   pz$clock = clock;\n   pz$d = ({p} == 256'd0);\n   exc$clock = clock;\n   exc$d = pz$q & ({r} == 256'd0);\n"));
        v.push_str("   side$clock = clock;\n   side$d = {in_mode, (in_zz1 == 256'd0), in_inf2, in_valid & ~reset, in_tag};\n");
        let oc = sched.out_cycle;
        let one = format!("256'h{:x}", crate::field::bits_to_biguint(self._plan.one));
        let y2_out = self.vname(Sig::Y2, oc - config::FRONT_LATENCY);
        let x2_out = self.vname(Sig::X2, oc);
        let inf1_out = [x2_out, y2_out, one.clone(), one];
        v.push_str("   // Output select: scaling, the inf2 bypass, the identity first operand, the formulas.\n");
        for (c, reg) in ["outx", "outy", "outzz", "outzzz"].iter().enumerate() {
            let f = sched.graph.outputs[0][c];
            let s = sched.graph.outputs[2][c];
            v.push_str(&format!(
                "   {reg}$clock = clock;\n   {reg}$d = (side$q[36:35] == 2'd2) ? {} : ((side$q[36:35] != 2'd1 && side$q[33]) ? {} : \
                 ((side$q[36:35] != 2'd1 && side$q[34]) ? {} : {}));\n",
                self.vname(s, oc - sched.ready_of(s)),
                self.vname(BYPASS1[c], oc),
                inf1_out[c],
                self.vname(f, oc - sched.ready_of(f)),
            ));
        }
        v.push_str(&format!(
            "   oute$clock = clock;\n   oute$d = (side$q[36:35] != 2'd1) & (side$q[36:35] != 2'd2) & ~side$q[33] & ~side$q[34] & exc$q;\n   \
             outt$clock = clock;\n   outt$d = side$q[31:0];\n   flush$clock = clock;\n   \
             flush$d = reset ? 16'd{} : ((flush$q != 16'd0) ? flush$q - 16'd1 : flush$q);\n   \
             valid$clock = clock;\n   valid$d = side$q[32] & (flush$q == 16'd0) & ~reset;\n   \
             out_x3 = outx$q;\n   out_y3 = outy$q;\n   out_zz3 = outzz$q;\n   out_zzz3 = outzzz$q;\n   \
             out_exc = oute$q;\n   out_tag = outt$q;\n   out_valid = valid$q;\nend\n",
            config::LATENCY - 1
        ));
        Verilog::Custom(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{biguint_to_bits, bits_to_biguint, to_wire_biguint};
    use model::{eval, from_affine, multiple_of_generator, Mode, XyzzInput};

    #[test]
    fn rust_hdl_simulation_matches_model() {
        // `update()` (rust-hdl's simulator, behavioural multipliers) against the model, back to
        // back: a mixed addition, P + P (flagged), P + (−P), inf2, the identity bucket with neg2,
        // a doubling, a scaling and its second pass. The Verilog is checked in Verilator
        // (sim/tests/g1_add_xyzz_verilator.rs).
        use ark_bn254::{Fq, Fr};
        use ark_ec::AffineRepr;
        let g = multiple_of_generator(&Fr::from(1u64));
        let q5 = multiple_of_generator(&Fr::from(5u64));
        let (lam, mu) = (Fq::from(12345u64), Fq::from(777u64));
        let bg = from_affine(&g, lam);
        let b5 = from_affine(&q5, mu);
        let scaled = eval(&XyzzInput::scale(bg, b5)).p;
        let inputs = [
            XyzzInput::mixed(bg, q5.x, q5.y, false, false),
            XyzzInput::mixed(bg, g.x, g.y, false, false),
            XyzzInput::mixed(bg, g.x, g.y, false, true),
            XyzzInput::mixed(b5, g.x, g.y, true, false),
            XyzzInput::mixed(from_affine(&ark_bn254::G1Affine::zero(), lam), q5.x, q5.y, false, true),
            XyzzInput::double(b5),
            XyzzInput::scale(bg, b5),
            XyzzInput::general_second_pass(bg, b5, scaled),
        ];
        let want: Vec<([num_bigint::BigUint; 4], bool)> = inputs
            .iter()
            .map(|i| {
                let o = eval(i);
                (o.p.map(|c| to_wire_biguint(&c)), o.exc)
            })
            .collect();
        assert!(want[1].1 && !want[0].1, "the test covers the flag");
        let b = |x: &Fq| biguint_to_bits::<256>(&to_wire_biguint(x));
        let mut uut = G1AddXyzzXcup::new();
        uut.connect_all();
        let mut sim = Simulation::new();
        sim.add_clock(5, |x: &mut Box<G1AddXyzzXcup>| x.clock.next = !x.clock.val());
        sim.add_testbench(move |mut sim: Sim<G1AddXyzzXcup>| {
            let mut x = sim.init()?;
            x.reset.next = true;
            wait_clock_cycle!(sim, clock, x);
            x.reset.next = false;
            for (k, i) in inputs.iter().enumerate() {
                x.in_mode.next = i.mode.code().to_bits();
                x.in_x1.next = b(&i.p[0]);
                x.in_y1.next = b(&i.p[1]);
                x.in_zz1.next = b(&i.p[2]);
                x.in_zzz1.next = b(&i.p[3]);
                x.in_zzu.next = b(&i.zzu);
                x.in_zzzu.next = b(&i.zzzu);
                x.in_x2.next = b(&i.x2);
                x.in_y2.next = b(&i.y2);
                x.in_inf2.next = i.inf2;
                x.in_neg2.next = i.neg2;
                x.in_tag.next = (k as u64 + 100).to_bits();
                x.in_valid.next = true;
                wait_clock_cycle!(sim, clock, x);
            }
            x.in_valid.next = false;
            for _ in inputs.len()..config::LATENCY {
                sim_assert!(sim, !x.out_valid.val(), x);
                wait_clock_cycle!(sim, clock, x);
            }
            for (k, (w, e)) in want.iter().enumerate() {
                sim_assert!(sim, x.out_valid.val(), x);
                sim_assert_eq!(sim, x.out_tag.val().to_u64(), k as u64 + 100, x);
                sim_assert_eq!(sim, x.out_exc.val(), *e, x);
                if !*e {
                    sim_assert_eq!(sim, bits_to_biguint(x.out_x3.val()), w[0], x);
                    sim_assert_eq!(sim, bits_to_biguint(x.out_y3.val()), w[1], x);
                    sim_assert_eq!(sim, bits_to_biguint(x.out_zz3.val()), w[2], x);
                    sim_assert_eq!(sim, bits_to_biguint(x.out_zzz3.val()), w[3], x);
                }
                wait_clock_cycle!(sim, clock, x);
            }
            sim_assert!(sim, !x.out_valid.val(), x);
            sim.done(x)
        });
        sim.run(Box::new(uut), 100_000).unwrap();
        let _ = Mode::ALL;
    }

    #[test]
    fn g1_add_xyzz_is_synthesizable_and_shares_the_multiplier() {
        let mut uut = G1AddXyzzXcup::new();
        let vlog = crate::verilog::generate(&mut uut);
        let name = SharedMontMul::<26, 42>::module_name();
        assert_eq!(vlog.matches(&format!("module {name}(")).count(), 1, "one shared multiplier definition");
        assert_eq!(vlog.matches(&format!("{name} core(")).count(), config::MULTIPLIERS);
        let glue = crate::g1_add_mixed::shared_mul::blackbox_shared(&vlog, &name);
        assert!(!glue.contains(&format!("module {name}$")) && glue.contains("(* blackbox *)"));
        crate::verilog::yosys_check("g1_add_xyzz_glue", &glue).unwrap();
    }
}
