//! Digit-serial Montgomery multiplier for small FPGAs: `out = a·b·2^-256 mod p`.
//!
//! The multiplier consumes `a` 16 bits at a time (radix 2^16, 16 digits, so R = 2^256 as the wire
//! format requires) and alternates two phases on one shared [`DigitRowMul`] (16 DSPs):
//!
//! * phase A: `T ← T + a_i·B`, and `m_i = (T mod 2^16)·p' mod 2^16` on a 17th DSP
//!   (`p' = −p^-1 mod 2^16`);
//! * phase B: `T ← (T + m_i·p) / 2^16` (exact: the low 16 bits cancel).
//!
//! With `a, b < p` the invariant `T < 2p` holds after every digit, so `T` fits 272 bits and one
//! conditional subtraction after the last digit gives the reduced result. See `NOTES.md` and
//! [`config`] for latency, initiation interval and resources.

pub mod config;
pub mod model;

use crate::digit_row_mul::DigitRowMul;
use crate::field::{biguint_to_bits, Bn254Field};
use crate::limb_mul::LimbMul;
use num_bigint::BigUint;
use rust_hdl::prelude::*;

/// The digit-serial Montgomery multiplier; ports follow docs/interfaces.md §3.
#[derive(LogicBlock)]
pub struct MontMulIterative {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: abandons the product in progress.
    pub reset: Signal<In, Bit>,
    /// Multiplicand (wire format, `< p`).
    pub a: Signal<In, Bits<256>>,
    /// Multiplier (wire format, `< p`).
    pub b: Signal<In, Bits<256>>,
    /// Operands offered; sampled when `in_ready` is high too.
    pub in_valid: Signal<In, Bit>,
    /// The multiplier is idle and samples operands this cycle if `in_valid`.
    pub in_ready: Signal<Out, Bit>,
    /// `a·b·2^-256 mod p`, reduced.
    pub out: Signal<Out, Bits<256>>,
    /// `out` holds a new result (for one cycle).
    pub out_valid: Signal<Out, Bit>,
    p: Constant<Bits<256>>,
    p_inv: Constant<Bits<16>>,
    row: DigitRowMul,
    mdig: LimbMul<16, 16, 32>,
    sum: Signal<Local, Bits<272>>,
    diff: Signal<Local, Bits<257>>,
    a_sh: DFF<Bits<256>>,
    b_reg: DFF<Bits<256>>,
    acc: DFF<Bits<272>>,
    m: DFF<Bits<16>>,
    busy: DFF<Bit>,
    phase: DFF<Bit>,
    count: DFF<Bits<4>>,
    fin: DFF<Bit>,
    result: DFF<Bits<256>>,
    valid: DFF<Bit>,
}

impl MontMulIterative {
    /// The multiplier for an odd modulus below 2^254 (so that `4p < 2^256`).
    pub fn new(modulus: &BigUint) -> Self {
        assert!(modulus.bits() <= 254 && modulus.bit(0), "odd modulus below 2^254 required");
        Self {
            clock: Default::default(),
            reset: Default::default(),
            a: Default::default(),
            b: Default::default(),
            in_valid: Default::default(),
            in_ready: Default::default(),
            out: Default::default(),
            out_valid: Default::default(),
            p: Constant::new(biguint_to_bits(modulus)),
            p_inv: Constant::new(bits::<16>(model::neg_inv_mod_2_16(modulus))),
            row: Default::default(),
            mdig: Default::default(),
            sum: Default::default(),
            diff: Default::default(),
            a_sh: Default::default(),
            b_reg: Default::default(),
            acc: Default::default(),
            m: Default::default(),
            busy: Default::default(),
            phase: Default::default(),
            count: Default::default(),
            fin: Default::default(),
            result: Default::default(),
            valid: Default::default(),
        }
    }

    /// The multiplier for a BN254 field.
    pub fn bn254(field: Bn254Field) -> Self {
        Self::new(&field.modulus())
    }
}

impl Logic for MontMulIterative {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, a_sh, b_reg, acc, m, busy, phase, count, fin, result, valid);
        // The shared row multiplier: a_i·B in phase A, m_i·p in phase B.
        if self.phase.q.val() {
            self.row.x.next = self.m.q.val();
            self.row.y.next = self.p.val();
        } else {
            self.row.x.next = self.a_sh.q.val().get_bits::<16>(0);
            self.row.y.next = self.b_reg.q.val();
        }
        self.sum.next = self.acc.q.val() + self.row.p.val();
        self.mdig.a.next = self.sum.val().get_bits::<16>(0);
        self.mdig.b.next = self.p_inv.val();
        self.in_ready.next = !self.busy.q.val();
        self.fin.d.next = false;
        if self.busy.q.val() {
            if self.phase.q.val() {
                self.acc.d.next = self.sum.val() >> 16;
                self.a_sh.d.next = self.a_sh.q.val() >> 16;
                self.count.d.next = self.count.q.val() + 1;
                self.phase.d.next = false;
                if self.count.q.val() == 15 {
                    self.busy.d.next = false;
                    self.fin.d.next = true;
                }
            } else {
                self.acc.d.next = self.sum.val();
                self.m.d.next = self.mdig.p.val().get_bits::<16>(0);
                self.phase.d.next = true;
            }
        } else {
            if self.in_valid.val() {
                self.a_sh.d.next = self.a.val();
                self.b_reg.d.next = self.b.val();
                self.acc.d.next = 0.into();
                self.busy.d.next = true;
                self.phase.d.next = false;
                self.count.d.next = 0.into();
            }
        }
        // Final conditional subtraction: T < 2p, so T − p or T.
        self.diff.next = bit_cast::<257, 256>(self.acc.q.val().get_bits::<256>(0))
            - bit_cast::<257, 256>(self.p.val());
        if self.fin.q.val() {
            if self.diff.val().get_bit(256) {
                self.result.d.next = self.acc.q.val().get_bits::<256>(0);
            } else {
                self.result.d.next = self.diff.val().get_bits::<256>(0);
            }
        }
        self.valid.d.next = self.fin.q.val();
        if self.reset.val() {
            self.busy.d.next = false;
            self.fin.d.next = false;
            self.valid.d.next = false;
        }
        self.out.next = self.result.q.val();
        self.out_valid.next = self.valid.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::bits_to_biguint;

    #[test]
    fn montmul_iterative_is_synthesizable() {
        let mut uut = MontMulIterative::bn254(Bn254Field::Fr);
        let vlog = crate::verilog::generate(&mut uut);
        crate::verilog::yosys_check("montmul_iterative", &vlog).unwrap();
    }

    #[test]
    fn rust_hdl_simulation_matches_model_and_latency() {
        // A few products under rust-hdl's own simulator (slow); the 100 000-product sweep runs in
        // Verilator (sim/tests/montmul_iterative_verilator.rs).
        let p = Bn254Field::Fr.modulus();
        let vectors: Vec<(BigUint, BigUint)> = vec![
            (BigUint::from(1u32), BigUint::from(1u32)),
            (&p - 1u32, &p - 1u32),
            (BigUint::from(0u32), &p - 1u32),
            ((BigUint::from(1u32) << 253u32) + 99u32, (BigUint::from(1u32) << 252u32) + 5u32),
        ];
        let mut uut = MontMulIterative::new(&p);
        uut.connect_all();
        let mut sim = Simulation::new();
        let pp = p.clone();
        sim.add_clock(5, |x: &mut Box<MontMulIterative>| x.clock.next = !x.clock.val());
        sim.add_testbench(move |mut sim: Sim<MontMulIterative>| {
            let mut x = sim.init()?;
            for (a, b) in &vectors {
                sim_assert!(sim, x.in_ready.val(), x);
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
                sim_assert_eq!(sim, bits_to_biguint(x.out.val()), model::mont_mul(a, b, &pp), x);
            }
            sim.done(x)
        });
        sim.run(Box::new(uut), 1_000_000).unwrap();
    }
}
