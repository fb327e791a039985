//! Fully pipelined Montgomery multiplier: `out = a·b·2^-256 mod p`, a new operand pair every
//! cycle (initiation interval 1), for BN254 Fr and Fq (any odd modulus below 2^254).
//!
//! Sixteen [`digit_stage::DigitStage`]s, one per radix-2^16 digit of `a`, keep the accumulator in
//! carry-save form (no carry chain longer than 17 bits); four 64-bit limb stages of the modular
//! adder then resolve `s + c + cin` and subtract `p` once if needed. The limb shape of the DSP
//! products is a parameter: each digit multiplies rows split into `WL`-bit limbs, one
//! `16 × WL` DSP product per limb:
//!
//! * [`MontMulPipelinedXcup`]: `WL = 26` (a DSP48E2's 27×18 signed = 26×17 unsigned; 16 of its 17
//!   short-side bits carry the digit so that R stays 2^256), 10 DSPs per row;
//! * [`MontMulPipelinedEcp5`]: `WL = 18` (an ECP5 MULT18X18D), 15 DSPs per row.
//!
//! Operands (`B` and the unconsumed digits of `a`) travel alongside the pipeline in
//! [`crate::delay_line::DelayLine`] RAM leaves. See `NOTES.md` for the derivation of the bounds and
//! the resource counts, [`config`] for latency and DSPs.

pub mod config;
pub mod digit_stage;

use crate::field::{biguint_to_bits, biguint_word, Bn254Field};
use crate::mod_add_sub::limb_stage::LimbStage;
use crate::montmul_iterative::model::neg_inv_mod_2_16;
use digit_stage::DigitStage;
use num_bigint::BigUint;
use rust_hdl::prelude::*;

/// The multiplier with DSP48E2-shaped products (UltraScale+: AWS F2 VU47P, Alveo U250/U55C).
pub type MontMulPipelinedXcup = MontMulPipelined<26, 42>;
/// The multiplier with MULT18X18D-shaped products (Lattice ECP5).
pub type MontMulPipelinedEcp5 = MontMulPipelined<18, 34>;

/// The fully pipelined multiplier; ports follow docs/interfaces.md §3.
#[derive(LogicBlock)]
pub struct MontMulPipelined<const WL: usize, const P: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: results of operations issued before it are suppressed.
    pub reset: Signal<In, Bit>,
    /// Multiplicand (wire format, `< p`).
    pub a: Signal<In, Bits<256>>,
    /// Multiplier (wire format, `< p`).
    pub b: Signal<In, Bits<256>>,
    /// Operands are sampled on this cycle.
    pub in_valid: Signal<In, Bit>,
    /// `a·b·2^-256 mod p`, reduced, `LATENCY` cycles after its operands.
    pub out: Signal<Out, Bits<256>>,
    /// `out` holds a result.
    pub out_valid: Signal<Out, Bit>,
    stages: Vec<DigitStage<WL, P>>,
    fin: Vec<LimbStage>,
    result: DFF<Bits<256>>,
    valid: DFF<Bit>,
    flush: DFF<Bits<8>>,
}

impl<const WL: usize, const P: usize> MontMulPipelined<WL, P> {
    /// The multiplier for an odd modulus below 2^254.
    pub fn new(modulus: &BigUint) -> Self {
        assert!(modulus.bits() <= 254 && modulus.bit(0), "odd modulus below 2^254 required");
        let p: Bits<256> = biguint_to_bits(modulus);
        let p_inv = neg_inv_mod_2_16(modulus);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            a: Default::default(),
            b: Default::default(),
            in_valid: Default::default(),
            out: Default::default(),
            out_valid: Default::default(),
            stages: (0..config::DIGITS).map(|_| DigitStage::new(p, p_inv)).collect(),
            fin: (0..4).map(|k| LimbStage::new(biguint_word(modulus, k), false)).collect(),
            result: Default::default(),
            valid: Default::default(),
            flush: Default::default(),
        }
    }

    /// The multiplier for a BN254 field.
    pub fn bn254(field: Bn254Field) -> Self {
        Self::new(&field.modulus())
    }

    /// DSP leaves in the whole multiplier.
    pub fn dsp_leaves() -> usize {
        config::dsp_leaves(WL)
    }
}

impl<const WL: usize, const P: usize> Logic for MontMulPipelined<WL, P> {
    fn update(&mut self) {
        // Mirrors the Verilog of `hdl()` for rust-hdl's simulator.
        let clock = self.clock.val();
        let reset = self.reset.val();
        for i in 0..self.stages.len() {
            let (before, rest) = self.stages.split_at_mut(i);
            let s = &mut rest[0];
            s.clock.next = clock;
            if let Some(prev) = before.last() {
                s.in_s.next = prev.out_s.val();
                s.in_c.next = prev.out_c.val();
                s.in_cin.next = prev.out_cin.val();
                s.in_b.next = prev.out_b.val();
                s.in_a.next = prev.out_a.val();
                s.in_valid.next = prev.out_valid.val();
            } else {
                s.in_s.next = Default::default();
                s.in_c.next = Default::default();
                s.in_cin.next = false;
                s.in_b.next = self.b.val();
                s.in_a.next = self.a.val();
                s.in_valid.next = self.in_valid.val() & !reset;
            }
        }
        let last = self.stages.last().expect("16 stages");
        let (s, c, cin, v) = (last.out_s.val(), last.out_c.val(), last.out_cin.val(), last.out_valid.val());
        for k in 0..self.fin.len() {
            let (before, rest) = self.fin.split_at_mut(k);
            let f = &mut rest[0];
            f.clock.next = clock;
            f.reset.next = false;
            if let Some(prev) = before.last() {
                f.in_a.next = prev.out_a.val();
                f.in_b.next = prev.out_b.val();
                f.in_u.next = prev.out_u.val();
                f.in_v.next = prev.out_v.val();
                f.in_c1.next = prev.out_c1.val();
                f.in_c2.next = prev.out_c2.val();
                f.in_valid.next = prev.out_valid.val();
            } else {
                f.in_a.next = bit_cast::<256, 272>(s);
                f.in_b.next = bit_cast::<256, 272>(c);
                f.in_u.next = Default::default();
                f.in_v.next = Default::default();
                f.in_c1.next = cin;
                f.in_c2.next = false;
                f.in_valid.next = v;
            }
        }
        let f = self.fin.last().expect("4 limb stages");
        self.result.clock.next = clock;
        self.result.d.next = if f.out_c1.val() | !f.out_c2.val() { f.out_v.val() } else { f.out_u.val() };
        self.flush.clock.next = clock;
        let flush = self.flush.q.val();
        self.flush.d.next = if reset {
            bits::<8>(config::LATENCY as u64 - 1)
        } else if flush.any() {
            flush - 1
        } else {
            flush
        };
        self.valid.clock.next = clock;
        self.valid.d.next = f.out_valid.val() & !flush.any() & !reset;
        self.out.next = self.result.q.val();
        self.out_valid.next = self.valid.q.val();
    }

    fn connect(&mut self) {
        self.out.connect();
        self.out_valid.connect();
        for s in self.stages.iter_mut() {
            s.clock.connect();
            s.in_s.connect();
            s.in_c.connect();
            s.in_cin.connect();
            s.in_b.connect();
            s.in_a.connect();
            s.in_valid.connect();
        }
        for f in self.fin.iter_mut() {
            f.clock.connect();
            f.reset.connect();
            f.in_a.connect();
            f.in_b.connect();
            f.in_u.connect();
            f.in_v.connect();
            f.in_c1.connect();
            f.in_c2.connect();
            f.in_valid.connect();
        }
        for d in [&mut self.result.clock, &mut self.valid.clock, &mut self.flush.clock] {
            d.connect();
        }
        self.result.d.connect();
        self.valid.d.connect();
        self.flush.d.connect();
    }

    fn hdl(&self) -> Verilog {
        let mut v = String::from("always @(*) begin\n");
        let n = self.stages.len();
        for i in 0..n {
            v.push_str(&format!("   stages${i}$clock = clock;\n"));
            if i == 0 {
                v.push_str(
                    "   stages$0$in_s = 272'd0;\n   stages$0$in_c = 272'd0;\n   stages$0$in_cin = 1'b0;\n   \
                     stages$0$in_b = b;\n   stages$0$in_a = a;\n   stages$0$in_valid = in_valid & ~reset;\n",
                );
            } else {
                let j = i - 1;
                for port in ["s", "c", "cin", "b", "a", "valid"] {
                    v.push_str(&format!("   stages${i}$in_{port} = stages${j}$out_{port};\n"));
                }
            }
        }
        let last = n - 1;
        for k in 0..self.fin.len() {
            v.push_str(&format!("   fin${k}$clock = clock;\n   fin${k}$reset = 1'b0;\n"));
            if k == 0 {
                v.push_str(&format!(
                    "   fin$0$in_a = stages${last}$out_s[255:0];\n   fin$0$in_b = stages${last}$out_c[255:0];\n   \
                     fin$0$in_u = 256'd0;\n   fin$0$in_v = 256'd0;\n   fin$0$in_c1 = stages${last}$out_cin;\n   \
                     fin$0$in_c2 = 1'b0;\n   fin$0$in_valid = stages${last}$out_valid;\n"
                ));
            } else {
                let j = k - 1;
                for port in ["a", "b", "u", "v", "c1", "c2", "valid"] {
                    v.push_str(&format!("   fin${k}$in_{port} = fin${j}$out_{port};\n"));
                }
            }
        }
        let f = self.fin.len() - 1;
        v.push_str(&format!(
            "   result$clock = clock;\n   result$d = (fin${f}$out_c1 | ~fin${f}$out_c2) ? fin${f}$out_v : fin${f}$out_u;\n   \
             flush$clock = clock;\n   flush$d = reset ? 8'd{} : ((flush$q != 8'd0) ? flush$q - 8'd1 : flush$q);\n   \
             valid$clock = clock;\n   valid$d = fin${f}$out_valid & (flush$q == 8'd0) & ~reset;\n   \
             out = result$q;\n   out_valid = valid$q;\nend\n",
            config::LATENCY - 1
        ));
        Verilog::Custom(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::bits_to_biguint;
    use crate::montmul_iterative::model::mont_mul;

    #[test]
    fn montmul_pipelined_is_synthesizable() {
        let mut uut = MontMulPipelinedXcup::bn254(Bn254Field::Fq);
        let vlog = crate::verilog::generate(&mut uut);
        crate::verilog::yosys_check("montmul_pipelined_xcup", &vlog).unwrap();
    }

    #[test]
    fn rust_hdl_simulation_matches_model_back_to_back() {
        // Three products issued on consecutive cycles under rust-hdl's own simulator (slow); the
        // 100 000-product sweeps run in Verilator (sim/tests/montmul_pipelined_verilator.rs).
        let p = Bn254Field::Fq.modulus();
        let vectors: Vec<(BigUint, BigUint)> = vec![
            (&p - 1u32, &p - 1u32),
            ((BigUint::from(1u32) << 253u32) + 99u32, (BigUint::from(1u32) << 252u32) + 5u32),
            (BigUint::from(3u32), &p - 7u32),
        ];
        let mut uut = MontMulPipelinedEcp5::new(&p);
        uut.connect_all();
        let mut sim = Simulation::new();
        let pp = p.clone();
        sim.add_clock(5, |x: &mut Box<MontMulPipelinedEcp5>| x.clock.next = !x.clock.val());
        sim.add_testbench(move |mut sim: Sim<MontMulPipelinedEcp5>| {
            let mut x = sim.init()?;
            for (a, b) in &vectors {
                x.a.next = biguint_to_bits(a);
                x.b.next = biguint_to_bits(b);
                x.in_valid.next = true;
                wait_clock_cycle!(sim, clock, x);
            }
            x.in_valid.next = false;
            for _ in vectors.len()..config::LATENCY {
                sim_assert!(sim, !x.out_valid.val(), x);
                wait_clock_cycle!(sim, clock, x);
            }
            for (a, b) in &vectors {
                sim_assert!(sim, x.out_valid.val(), x);
                sim_assert_eq!(sim, bits_to_biguint(x.out.val()), mont_mul(a, b, &pp), x);
                wait_clock_cycle!(sim, clock, x);
            }
            sim_assert!(sim, !x.out_valid.val(), x);
            sim.done(x)
        });
        sim.run(Box::new(uut), 100_000).unwrap();
    }
}
