//! Fully pipelined complete addition on BN254 G1: `(X1:Y1:Z1) + (X2:Y2:Z2)`, one addition per
//! cycle, fixed latency [`config::LATENCY`]. The card's one G1 adder: the MSM accumulation adds
//! affine points (`Z2 = 1`, i.e. `R mod q` on the wire), the bucket reduction's running sums add
//! two projective points.
//!
//! The formulas are Renes–Costello–Batina's complete projective addition for `a = 0` (their
//! Algorithm 7, `3b = 9`): P + P, P + (−P), O + P, P + O and O + O need no special path. Both
//! summands are homogeneous projective and may be any representation of any point, the identity
//! as `(0 : Y : 0)` with `Y ≠ 0` (e.g. `(0 : 1 : 0)`); `(0 : 0 : 0)` is not a point. With
//! `Z2 = 1` the results are Algorithm 8's (the mixed formulas this adder implemented before),
//! bit for bit. Two flags on the second summand:
//! * `in_inf2`: it is the identity; `(X2, Y2, Z2)` are ignored and the output is the first
//!   summand's own triple `(X1, Y1, Z1)` bit for bit (delayed and selected at the end): the
//!   accumulation's affine identity, which has no projective coordinates on the wire;
//! * `in_neg2`: add `−(X2 : Y2 : Z2)`: `Y2 → (0 − Y2) mod q` in the front, before the formulas.
//!
//! The graph of 12 multiplications and 27 additions (`schedule.rs`) is scheduled as soon as
//! possible; operands wait in registers (1 cycle) or [`DelayLine`] RAM leaves (≥ 2 cycles),
//! chained per signal. The twelve multipliers are instances of one shared Verilog module
//! ([`shared_mul::SharedMontMul`]), so Verilator and Yosys see the multiplier once.
//! `in_tag` (opaque) and the valid bit travel alongside; `out_valid` follows `in_valid` by
//! exactly `LATENCY` cycles; `reset` suppresses results of additions issued before it.
//! (The module keeps its historical name `g1_add_mixed`: the block, report and model names
//! depend on it.) Conventions: docs/interfaces.md (wire format, pipeline ports, projective points).

pub mod config;
pub mod model;
pub mod schedule;
pub mod shared_mul;

use crate::delay_line::taps::{self, Store};
use crate::delay_line::DelayLine;
use crate::field::Bn254Field;
use crate::mod_add_sub::{AddSubOp, ModAddSub};
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use schedule::{Kind, Schedule, Sig};
use shared_mul::SharedMontMul;

/// The adder with DSP48E2-shaped multipliers (UltraScale+), the shape that is synthesized.
pub type G1AddMixedXcup = G1AddMixed<26, 42>;

/// `1 ∈ Fq` on the wire (`R mod q`, Montgomery form): the `in_z2` of an affine second summand.
pub fn fq_one_wire() -> Bits<256> {
    use ark_ff::Field;
    crate::field::biguint_to_bits::<256>(&crate::field::to_wire_biguint(&ark_bn254::Fq::ONE))
}

/// Where an operation of the graph runs.
#[derive(Clone, Copy, Debug)]
enum Unit {
    Mul(usize),
    Add(usize),
}


/// The pipelined complete projective adder; see the module documentation.
#[derive(LogicBlock)]
pub struct G1AddMixed<const WL: usize, const P: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: results of additions issued before it (and in its cycle) are dropped.
    pub reset: Signal<In, Bit>,
    /// An addition is offered (and taken: the adder never stalls).
    pub in_valid: Signal<In, Bit>,
    /// Bucket X (wire format, `< q`).
    pub in_x1: Signal<In, Bits<256>>,
    /// Bucket Y.
    pub in_y1: Signal<In, Bits<256>>,
    /// Bucket Z (`0`: the identity).
    pub in_z1: Signal<In, Bits<256>>,
    /// X of the point added (an affine point's x).
    pub in_x2: Signal<In, Bits<256>>,
    /// Y of the point added.
    pub in_y2: Signal<In, Bits<256>>,
    /// Z of the point added (`R mod q`, Montgomery one, for an affine point).
    pub in_z2: Signal<In, Bits<256>>,
    /// The point added is the identity: the output is `(X1, Y1, Z1)` unchanged.
    pub in_inf2: Signal<In, Bit>,
    /// Add `−(x2, y2)`.
    pub in_neg2: Signal<In, Bit>,
    /// Opaque tag, returned with the result.
    pub in_tag: Signal<In, Bits<32>>,
    /// `out_*` hold a result (`LATENCY` cycles after its `in_valid`).
    pub out_valid: Signal<Out, Bit>,
    /// Result X.
    pub out_x3: Signal<Out, Bits<256>>,
    /// Result Y.
    pub out_y3: Signal<Out, Bits<256>>,
    /// Result Z.
    pub out_z3: Signal<Out, Bits<256>>,
    /// The tag of the addition.
    pub out_tag: Signal<Out, Bits<32>>,
    neg: ModAddSub,
    neg_y2: DelayLine<256>,
    neg_flag: DelayLine<1>,
    y2f: DFF<Bits<256>>,
    muls: Vec<SharedMontMul<WL, P>>,
    adds: Vec<ModAddSub>,
    regs: Vec<DFF<Bits<256>>>,
    lines: Vec<DelayLine<256>>,
    side: DelayLine<34>,
    outx: DFF<Bits<256>>,
    outy: DFF<Bits<256>>,
    outz: DFF<Bits<256>>,
    outt: DFF<Bits<32>>,
    valid: DFF<Bit>,
    flush: DFF<Bits<16>>,
    _plan: Box<Plan>,
}

struct Plan {
    sched: Schedule,
    units: Vec<Unit>,
    stores: Vec<Store>,
}

impl<const WL: usize, const P: usize> Default for G1AddMixed<WL, P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const WL: usize, const P: usize> G1AddMixed<WL, P> {
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
        Self {
            clock: Default::default(),
            reset: Default::default(),
            in_valid: Default::default(),
            in_x1: Default::default(),
            in_y1: Default::default(),
            in_z1: Default::default(),
            in_x2: Default::default(),
            in_y2: Default::default(),
            in_z2: Default::default(),
            in_inf2: Default::default(),
            in_neg2: Default::default(),
            in_tag: Default::default(),
            out_valid: Default::default(),
            out_x3: Default::default(),
            out_y3: Default::default(),
            out_z3: Default::default(),
            out_tag: Default::default(),
            neg: ModAddSub::new(&q, AddSubOp::Sub),
            neg_y2: DelayLine::new(config::ADD_LATENCY),
            neg_flag: DelayLine::new(config::ADD_LATENCY),
            y2f: Default::default(),
            muls,
            adds,
            regs,
            lines,
            side: DelayLine::new(sched.out_cycle),
            outx: Default::default(),
            outy: Default::default(),
            outz: Default::default(),
            outt: Default::default(),
            valid: Default::default(),
            flush: Default::default(),
            _plan: Box::new(Plan { sched, units, stores }),
        }
    }

    /// DSP leaves of the whole adder (the multipliers').
    pub fn dsp_leaves() -> usize {
        config::dsp_leaves(WL)
    }

    /// Verilog name of signal `s` delayed by `delay` cycles.
    fn vname(&self, s: Sig, delay: usize) -> String {
        match self._plan.sched.tap(s, delay) {
            Some(t) => self.store_name(t),
            None => self.sig_name(s),
        }
    }

    fn store_name(&self, tap: usize) -> String {
        self._plan.stores[tap].q_name("regs", "lines")
    }

    fn sig_name(&self, s: Sig) -> String {
        match s {
            Sig::X1 => "in_x1".into(),
            Sig::Y1 => "in_y1".into(),
            Sig::Z1 => "in_z1".into(),
            Sig::X2 => "(in_inf2 ? 256'd0 : in_x2)".into(),
            Sig::Z2 => "(in_inf2 ? 256'd0 : in_z2)".into(),
            Sig::Y2 => "y2f$q".into(),
            Sig::Op(i) => match self._plan.units[i] {
                Unit::Mul(k) => format!("muls${k}$out"),
                Unit::Add(k) => format!("adds${k}$out"),
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
            Sig::Z1 => self.in_z1.val(),
            Sig::X2 => {
                if self.in_inf2.val() {
                    Bits::default()
                } else {
                    self.in_x2.val()
                }
            }
            Sig::Z2 => {
                if self.in_inf2.val() {
                    Bits::default()
                } else {
                    self.in_z2.val()
                }
            }
            Sig::Y2 => self.y2f.q.val(),
            Sig::Op(i) => match self._plan.units[i] {
                Unit::Mul(k) => self.muls[k].out.val(),
                Unit::Add(k) => self.adds[k].out.val(),
            },
        }
    }

    /// Delay of operand `s` for an operation starting in cycle `start`.
    fn delay_for(&self, s: Sig, start: usize) -> usize {
        start - self._plan.sched.ready_of(s)
    }
}

impl<const WL: usize, const P: usize> Logic for G1AddMixed<WL, P> {
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
        let n = self._plan.sched.graph.ops.len();
        for i in 0..n {
            let (a, b, start) = {
                let op = &self._plan.sched.graph.ops[i];
                (op.a, op.b, self._plan.sched.start[i])
            };
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
        let mut side = bit_cast::<34, 32>(self.in_tag.val());
        side = side.replace_bit(32, self.in_valid.val() & !reset);
        side = side.replace_bit(33, inf2);
        self.side.clock.next = clock;
        self.side.d.next = side;
        let oc = self._plan.sched.out_cycle;
        let sq = self.side.q.val();
        let outs = self._plan.sched.graph.outputs;
        let bypass = [Sig::X1, Sig::Y1, Sig::Z1];
        let mut d = [Bits::<256>::default(); 3];
        for c in 0..3 {
            let r = self._plan.sched.ready_of(outs[c]);
            d[c] = if sq.get_bit(33) { self.value(bypass[c], oc) } else { self.value(outs[c], oc - r) };
        }
        self.outx.clock.next = clock;
        self.outy.clock.next = clock;
        self.outz.clock.next = clock;
        self.outt.clock.next = clock;
        self.outx.d.next = d[0];
        self.outy.d.next = d[1];
        self.outz.d.next = d[2];
        self.outt.d.next = bit_cast::<32, 34>(sq);
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
        self.valid.d.next = sq.get_bit(32) & !flush.any() & !reset;
        self.out_x3.next = self.outx.q.val();
        self.out_y3.next = self.outy.q.val();
        self.out_z3.next = self.outz.q.val();
        self.out_tag.next = self.outt.q.val();
        self.out_valid.next = self.valid.q.val();
    }

    fn connect(&mut self) {
        self.out_valid.connect();
        self.out_x3.connect();
        self.out_y3.connect();
        self.out_z3.connect();
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
        self.side.clock.connect();
        self.side.d.connect();
        for dff in [&mut self.outx, &mut self.outy, &mut self.outz] {
            dff.clock.connect();
            dff.d.connect();
        }
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
            let start = sched.start[i];
            let a = self.vname(op.a, self.delay_for(op.a, start));
            let b = self.vname(op.b, self.delay_for(op.b, start));
            v.push_str(&format!("   // {} (cycle {start} -> {})\n", op.name, sched.ready[i]));
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
        let oc = sched.out_cycle;
        v.push_str("   side$clock = clock;\n   side$d = {in_inf2, in_valid & ~reset, in_tag};\n");
        let bypass = [Sig::X1, Sig::Y1, Sig::Z1];
        for (c, reg) in ["outx", "outy", "outz"].iter().enumerate() {
            let s = sched.graph.outputs[c];
            let r = sched.ready_of(s);
            v.push_str(&format!(
                "   {reg}$clock = clock;\n   {reg}$d = side$q[33] ? {} : {};\n",
                self.vname(bypass[c], oc),
                self.vname(s, oc - r)
            ));
        }
        v.push_str(&format!(
            "   outt$clock = clock;\n   outt$d = side$q[31:0];\n   flush$clock = clock;\n   \
             flush$d = reset ? 16'd{} : ((flush$q != 16'd0) ? flush$q - 16'd1 : flush$q);\n   \
             valid$clock = clock;\n   valid$d = side$q[32] & (flush$q == 16'd0) & ~reset;\n   \
             out_x3 = outx$q;\n   out_y3 = outy$q;\n   out_z3 = outz$q;\n   out_tag = outt$q;\n   \
             out_valid = valid$q;\nend\n",
            config::LATENCY - 1
        ));
        Verilog::Custom(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{biguint_to_bits, bits_to_biguint, to_wire_biguint};
    use model::{add, affine_to_proj, multiple_of_generator, AddInput};

    #[test]
    fn rust_hdl_simulation_matches_model() {
        // `update()` (rust-hdl's simulator, behavioural multipliers) against the model: a doubling,
        // a cancellation, an inf2 and a neg2 addition, and three projective ones (a sum, a doubling,
        // O + O) back to back. The Verilog is checked in
        // Verilator (sim/tests/g1_add_mixed_verilator.rs).
        use ark_bn254::{Fq, Fr};
        use ark_ff::{AdditiveGroup, Field};
        let g = multiple_of_generator(&Fr::from(1u64));
        let q5 = multiple_of_generator(&Fr::from(5u64));
        let lam = Fq::from(12345u64);
        let mu = Fq::from(777u64);
        let inputs = [
            AddInput::mixed(affine_to_proj(&g, lam), g.x, g.y, false, false),
            AddInput::mixed(affine_to_proj(&q5, lam), q5.x, q5.y, false, true),
            AddInput::mixed(affine_to_proj(&q5, Fq::ONE), g.x, g.y, true, false),
            AddInput::mixed(affine_to_proj(&g, lam), q5.x, q5.y, false, true),
            AddInput::projective(affine_to_proj(&g, lam), affine_to_proj(&q5, mu)),
            AddInput::projective(affine_to_proj(&q5, lam), affine_to_proj(&q5, mu)),
            AddInput::projective([Fq::ZERO, lam, Fq::ZERO], [Fq::ZERO, mu, Fq::ZERO]),
        ];
        let want: Vec<[num_bigint::BigUint; 3]> = inputs.iter().map(|i| add(i).map(|c| to_wire_biguint(&c))).collect();
        let b = |x: &Fq| biguint_to_bits::<256>(&to_wire_biguint(x));
        let mut uut = G1AddMixedXcup::new();
        uut.connect_all();
        let mut sim = Simulation::new();
        sim.add_clock(5, |x: &mut Box<G1AddMixedXcup>| x.clock.next = !x.clock.val());
        sim.add_testbench(move |mut sim: Sim<G1AddMixedXcup>| {
            let mut x = sim.init()?;
            x.reset.next = true;
            wait_clock_cycle!(sim, clock, x);
            x.reset.next = false;
            for (k, i) in inputs.iter().enumerate() {
                x.in_x1.next = b(&i.p[0]);
                x.in_y1.next = b(&i.p[1]);
                x.in_z1.next = b(&i.p[2]);
                x.in_x2.next = b(&i.x2);
                x.in_y2.next = b(&i.y2);
                x.in_z2.next = b(&i.z2);
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
            for (k, w) in want.iter().enumerate() {
                sim_assert!(sim, x.out_valid.val(), x);
                sim_assert_eq!(sim, x.out_tag.val().to_u64(), k as u64 + 100, x);
                sim_assert_eq!(sim, bits_to_biguint(x.out_x3.val()), w[0], x);
                sim_assert_eq!(sim, bits_to_biguint(x.out_y3.val()), w[1], x);
                sim_assert_eq!(sim, bits_to_biguint(x.out_z3.val()), w[2], x);
                wait_clock_cycle!(sim, clock, x);
            }
            sim_assert!(sim, !x.out_valid.val(), x);
            sim.done(x)
        });
        sim.run(Box::new(uut), 100_000).unwrap();
    }

    #[test]
    fn g1_add_mixed_is_synthesizable_and_shares_the_multiplier() {
        let mut uut = G1AddMixedXcup::new();
        let vlog = crate::verilog::generate(&mut uut);
        let name = SharedMontMul::<26, 42>::module_name();
        assert_eq!(vlog.matches(&format!("module {name}(")).count(), 1, "one shared multiplier definition");
        assert_eq!(vlog.matches(&format!("{name} core(")).count(), config::MULTIPLIERS);
        assert!(!vlog.contains("module top$muls$0$"), "no per-instance multiplier copies");
        // The shared definition is the multiplier's own Verilog, renamed.
        let mul = crate::verilog::generate(&mut crate::montmul_pipelined::MontMulPipelinedXcup::bn254(Bn254Field::Fq));
        assert!(vlog.contains(&shared_mul::rename_top(&mul, &name)));
        // The glue with the multiplier as a blackbox (the flattened multiplier alone is checked
        // by montmul_pipelined_is_synthesizable; twelve flattened copies take minutes in Yosys).
        let glue = shared_mul::blackbox_shared(&vlog, &name);
        assert!(!glue.contains(&format!("module {name}$")) && glue.contains("(* blackbox *)"));
        crate::verilog::yosys_check("g1_add_mixed_glue", &glue).unwrap();
    }
}
