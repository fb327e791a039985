//! A 16-bit digit times a 256-bit row, split into `WL`-bit limbs: one [`LimbMul<16, WL, P>`] leaf
//! (one DSP) per limb, `P = 16 + WL`.
//!
//! The limb products are returned as two vectors that the caller adds in carry-save form:
//! `even` holds the products of limbs 0, 2, 4, … at bit offsets `WL·j` and `odd` those of limbs
//! 1, 3, …; because `P < 2·WL` (for `WL > 16`) products in one vector never overlap, so each vector
//! is a plain concatenation and `x·y = even + odd`. Bits `[WL−1:0]` of `odd` are always zero (the
//! caller may use bit 0 as a carry-in). Both vectors are 272 bits: enough for a 16 × 256-bit product.
//!
//! The repeated structure is code generation: a `Vec` of leaves, with the wiring emitted as Verilog
//! by Rust loops and mirrored by [`Logic::update`] for rust-hdl's simulator.

use crate::limb_mul::LimbMul;
use rust_hdl::prelude::*;

/// Width of the `even`/`odd` vectors.
pub const ROW_BITS: usize = 272;

/// `x · y = even + odd` for a 16-bit `x` and 256-bit `y`; combinational.
#[derive(LogicBlock)]
pub struct RowMul<const WL: usize, const P: usize> {
    /// The digit.
    pub x: Signal<In, Bits<16>>,
    /// The row.
    pub y: Signal<In, Bits<256>>,
    /// Products of even limbs, concatenated.
    pub even: Signal<Out, Bits<ROW_BITS>>,
    /// Products of odd limbs, concatenated.
    pub odd: Signal<Out, Bits<ROW_BITS>>,
    muls: Vec<LimbMul<16, WL, P>>,
}

/// Number of `WL`-bit limbs of a 256-bit row.
pub const fn limbs(wl: usize) -> usize {
    256usize.div_ceil(wl)
}

impl<const WL: usize, const P: usize> Default for RowMul<WL, P> {
    fn default() -> Self {
        assert!(WL > 16 && P == 16 + WL, "RowMul<{WL}, {P}>: need WL > 16 and P = 16 + WL");
        Self {
            x: Default::default(),
            y: Default::default(),
            even: Default::default(),
            odd: Default::default(),
            muls: (0..limbs(WL)).map(|_| LimbMul::default()).collect(),
        }
    }
}

impl<const WL: usize, const P: usize> RowMul<WL, P> {
    /// DSP leaves in one row.
    pub fn dsp_leaves() -> usize {
        limbs(WL)
    }
}

impl<const WL: usize, const P: usize> Logic for RowMul<WL, P> {
    fn update(&mut self) {
        let y = self.y.val();
        let mut even = Bits::<ROW_BITS>::default();
        let mut odd = Bits::<ROW_BITS>::default();
        for (j, m) in self.muls.iter_mut().enumerate() {
            m.a.next = self.x.val();
            m.b.next = bit_cast::<WL, 256>(y >> ((WL * j) as u64));
            let placed = bit_cast::<ROW_BITS, P>(m.p.val()) << ((WL * j) as u64);
            if j % 2 == 0 {
                even = even | placed;
            } else {
                odd = odd | placed;
            }
        }
        self.even.next = even;
        self.odd.next = odd;
    }

    fn connect(&mut self) {
        self.even.connect();
        self.odd.connect();
        for m in self.muls.iter_mut() {
            m.a.connect();
            m.b.connect();
        }
    }

    fn hdl(&self) -> Verilog {
        let mut v = String::from("always @(*) begin\n");
        let mut even = Vec::new();
        let mut odd = Vec::new();
        for j in 0..self.muls.len() {
            let lo = WL * j;
            let hi = (lo + WL - 1).min(255);
            let width = hi - lo + 1;
            let operand = if width == WL {
                format!("y[{hi}:{lo}]")
            } else {
                format!("{{{}'d0, y[{hi}:{lo}]}}", WL - width)
            };
            v.push_str(&format!("   muls${j}$a = x;\n   muls${j}$b = {operand};\n"));
            let placed = format!("({{{}'d0, muls${j}$p}} << {lo})", ROW_BITS - P);
            if j % 2 == 0 {
                even.push(placed);
            } else {
                odd.push(placed);
            }
        }
        v.push_str(&format!("   even = {};\n", even.join("\n        | ")));
        v.push_str(&format!("   odd = {};\n", odd.join("\n        | ")));
        v.push_str("end\n");
        Verilog::Custom(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_mul_is_synthesizable() {
        let mut uut = RowMul::<26, 42>::default();
        let vlog = crate::verilog::generate(&mut uut);
        assert!(vlog.contains("muls$9$b = {4'd0, y[255:234]}"), "{vlog}");
        crate::verilog::yosys_check("row_mul_26", &vlog).unwrap();
        let mut uut = RowMul::<18, 34>::default();
        let vlog = crate::verilog::generate(&mut uut);
        crate::verilog::yosys_check("row_mul_18", &vlog).unwrap();
    }
}
