//! Pipelined modular adder and subtractor: `(a ± b) mod p` for any 254-bit modulus.
//!
//! Four [`limb_stage::LimbStage`]s process the 256-bit operands 64 bits at a time (so no carry
//! chain longer than 65 bits sits in one cycle), each computing both the raw result and its
//! correction by p; a last registered stage selects the reduced one. Fully pipelined: one
//! operation per cycle, [`config::LATENCY`] cycles from operands to result.
//! Conventions: docs/interfaces.md §1 and §3 (wire format, fixed-latency pipeline ports).

pub mod config;
pub mod limb_stage;
pub mod model;

use crate::field::{biguint_word, Bn254Field};
use limb_stage::LimbStage;
use num_bigint::BigUint;
use rust_hdl::prelude::*;

pub use model::AddSubOp;

/// `out = (a + b) mod p` or `(a − b) mod p`, for reduced inputs (`< p`).
#[derive(LogicBlock)]
pub struct ModAddSub {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: clears the valid flags in flight.
    pub reset: Signal<In, Bit>,
    /// First operand (wire format, `< p`).
    pub a: Signal<In, Bits<256>>,
    /// Second operand (wire format, `< p`).
    pub b: Signal<In, Bits<256>>,
    /// Operands are sampled on this cycle.
    pub in_valid: Signal<In, Bit>,
    /// The reduced result, `LATENCY` cycles after its operands.
    pub out: Signal<Out, Bits<256>>,
    /// `out` holds a result.
    pub out_valid: Signal<Out, Bit>,
    subtract: Constant<Bit>,
    s0: LimbStage,
    s1: LimbStage,
    s2: LimbStage,
    s3: LimbStage,
    result: DFF<Bits<256>>,
    valid: DFF<Bit>,
}

impl ModAddSub {
    /// The block for `op` modulo `modulus` (at most 255 bits, so that `a + b` fits 256 bits plus
    /// the final carry).
    pub fn new(modulus: &BigUint, op: AddSubOp) -> Self {
        assert!(modulus.bits() <= 255, "modulus must be below 2^255");
        let subtract = op == AddSubOp::Sub;
        let stage = |k| LimbStage::new(biguint_word(modulus, k), subtract);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            a: Default::default(),
            b: Default::default(),
            in_valid: Default::default(),
            out: Default::default(),
            out_valid: Default::default(),
            subtract: Constant::new(subtract),
            s0: stage(0),
            s1: stage(1),
            s2: stage(2),
            s3: stage(3),
            result: Default::default(),
            valid: Default::default(),
        }
    }

    /// The block for `op` in a BN254 field.
    pub fn bn254(field: Bn254Field, op: AddSubOp) -> Self {
        Self::new(&field.modulus(), op)
    }
}

impl Logic for ModAddSub {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, result, valid);
        self.s0.clock.next = self.clock.val();
        self.s1.clock.next = self.clock.val();
        self.s2.clock.next = self.clock.val();
        self.s3.clock.next = self.clock.val();
        self.s0.reset.next = self.reset.val();
        self.s1.reset.next = self.reset.val();
        self.s2.reset.next = self.reset.val();
        self.s3.reset.next = self.reset.val();
        // Stage 0 takes the operands; partial results and flags start at zero.
        self.s0.in_a.next = self.a.val();
        self.s0.in_b.next = self.b.val();
        self.s0.in_u.next = 0.into();
        self.s0.in_v.next = 0.into();
        self.s0.in_c1.next = false;
        self.s0.in_c2.next = false;
        self.s0.in_valid.next = self.in_valid.val();
        // Stages 1..3 continue from the previous one.
        self.s1.in_a.next = self.s0.out_a.val();
        self.s1.in_b.next = self.s0.out_b.val();
        self.s1.in_u.next = self.s0.out_u.val();
        self.s1.in_v.next = self.s0.out_v.val();
        self.s1.in_c1.next = self.s0.out_c1.val();
        self.s1.in_c2.next = self.s0.out_c2.val();
        self.s1.in_valid.next = self.s0.out_valid.val();
        self.s2.in_a.next = self.s1.out_a.val();
        self.s2.in_b.next = self.s1.out_b.val();
        self.s2.in_u.next = self.s1.out_u.val();
        self.s2.in_v.next = self.s1.out_v.val();
        self.s2.in_c1.next = self.s1.out_c1.val();
        self.s2.in_c2.next = self.s1.out_c2.val();
        self.s2.in_valid.next = self.s1.out_valid.val();
        self.s3.in_a.next = self.s2.out_a.val();
        self.s3.in_b.next = self.s2.out_b.val();
        self.s3.in_u.next = self.s2.out_u.val();
        self.s3.in_v.next = self.s2.out_v.val();
        self.s3.in_c1.next = self.s2.out_c1.val();
        self.s3.in_c2.next = self.s2.out_c2.val();
        self.s3.in_valid.next = self.s2.out_valid.val();
        // Select. add: a + b ≥ p iff the sum carried out or u − p did not borrow.
        //         sub: a − b < 0 iff it borrowed; then the corrected u + p is the result.
        if self.subtract.val() {
            if self.s3.out_c1.val() {
                self.result.d.next = self.s3.out_v.val();
            } else {
                self.result.d.next = self.s3.out_u.val();
            }
        } else {
            if self.s3.out_c1.val() | !self.s3.out_c2.val() {
                self.result.d.next = self.s3.out_v.val();
            } else {
                self.result.d.next = self.s3.out_u.val();
            }
        }
        self.valid.d.next = self.s3.out_valid.val() & !self.reset.val();
        self.out.next = self.result.q.val();
        self.out_valid.next = self.valid.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod_add_sub_is_synthesizable() {
        for op in [AddSubOp::Add, AddSubOp::Sub] {
            let mut uut = ModAddSub::bn254(Bn254Field::Fr, op);
            let vlog = crate::verilog::generate(&mut uut);
            crate::verilog::yosys_check(&format!("mod_{op:?}"), &vlog).unwrap();
        }
    }

    #[test]
    fn rust_hdl_simulation_matches_model_and_latency() {
        // A short check under rust-hdl's own simulator; the 100 000-vector sweep runs in Verilator
        // (sim/tests/mod_add_sub_verilator.rs).
        use crate::field::{biguint_to_bits, bits_to_biguint};
        let p = Bn254Field::Fq.modulus();
        let vectors: Vec<(BigUint, BigUint)> = vec![
            (BigUint::from(0u32), BigUint::from(0u32)),
            (&p - 1u32, &p - 1u32),
            (&p - 1u32, BigUint::from(1u32)),
            (BigUint::from(1u32) << 200u32, (BigUint::from(1u32) << 253u32) + 7u32),
            (BigUint::from(5u32), &p - 3u32),
        ];
        for op in [AddSubOp::Add, AddSubOp::Sub] {
            let mut uut = ModAddSub::new(&p, op);
            uut.connect_all();
            let mut sim = Simulation::new();
            let vecs = vectors.clone();
            let pp = p.clone();
            sim.add_clock(5, |x: &mut Box<ModAddSub>| x.clock.next = !x.clock.val());
            sim.add_testbench(move |mut sim: Sim<ModAddSub>| {
                let mut x = sim.init()?;
                for (a, b) in &vecs {
                    x.a.next = biguint_to_bits(a);
                    x.b.next = biguint_to_bits(b);
                    x.in_valid.next = true;
                    wait_clock_cycle!(sim, clock, x);
                    x.in_valid.next = false;
                    for _ in 1..config::LATENCY {
                        sim_assert!(sim, !x.out_valid.val(), x);
                        wait_clock_cycle!(sim, clock, x);
                    }
                    sim_assert!(sim, x.out_valid.val(), x);
                    let expect = model::add_sub(op, a, b, &pp);
                    sim_assert_eq!(sim, bits_to_biguint(x.out.val()), expect, x);
                }
                sim.done(x)
            });
            sim.run(Box::new(uut), 100_000).unwrap();
        }
    }
}
