//! A 16-bit digit times a 256-bit row: `p = x · y` (272 bits) from sixteen 16×16 limb products.
//!
//! The digit-serial Montgomery multiplier computes one such row product per cycle. Products of
//! even limbs do not overlap (limb j lands at bit 16·j and is 32 bits wide), nor do those of odd
//! limbs, so the row product is the sum of just two vectors: `even + odd`. Each limb product is a
//! [`LimbMul`] leaf, i.e. one DSP (MULT18X18D on ECP5, DSP48E2 on UltraScale+).

use crate::limb_mul::LimbMul;
use rust_hdl::prelude::*;

/// Number of DSP leaves in one row multiplier.
pub const DSP_LEAVES: usize = 16;

/// `p = x · y` for a 16-bit `x` and a 256-bit `y`; combinational.
#[derive(LogicBlock)]
pub struct DigitRowMul {
    /// The digit.
    pub x: Signal<In, Bits<16>>,
    /// The row.
    pub y: Signal<In, Bits<256>>,
    /// The exact product.
    pub p: Signal<Out, Bits<272>>,
    even: Signal<Local, Bits<272>>,
    odd: Signal<Local, Bits<272>>,
    m0: LimbMul<16, 16, 32>,
    m1: LimbMul<16, 16, 32>,
    m2: LimbMul<16, 16, 32>,
    m3: LimbMul<16, 16, 32>,
    m4: LimbMul<16, 16, 32>,
    m5: LimbMul<16, 16, 32>,
    m6: LimbMul<16, 16, 32>,
    m7: LimbMul<16, 16, 32>,
    m8: LimbMul<16, 16, 32>,
    m9: LimbMul<16, 16, 32>,
    m10: LimbMul<16, 16, 32>,
    m11: LimbMul<16, 16, 32>,
    m12: LimbMul<16, 16, 32>,
    m13: LimbMul<16, 16, 32>,
    m14: LimbMul<16, 16, 32>,
    m15: LimbMul<16, 16, 32>,
}

impl Default for DigitRowMul {
    fn default() -> Self {
        Self {
            x: Default::default(),
            y: Default::default(),
            p: Default::default(),
            even: Default::default(),
            odd: Default::default(),
            m0: Default::default(),
            m1: Default::default(),
            m2: Default::default(),
            m3: Default::default(),
            m4: Default::default(),
            m5: Default::default(),
            m6: Default::default(),
            m7: Default::default(),
            m8: Default::default(),
            m9: Default::default(),
            m10: Default::default(),
            m11: Default::default(),
            m12: Default::default(),
            m13: Default::default(),
            m14: Default::default(),
            m15: Default::default(),
        }
    }
}

impl Logic for DigitRowMul {
    #[hdl_gen]
    fn update(&mut self) {
        self.m0.a.next = self.x.val();
        self.m0.b.next = self.y.val().get_bits::<16>(0);
        self.m1.a.next = self.x.val();
        self.m1.b.next = self.y.val().get_bits::<16>(16);
        self.m2.a.next = self.x.val();
        self.m2.b.next = self.y.val().get_bits::<16>(32);
        self.m3.a.next = self.x.val();
        self.m3.b.next = self.y.val().get_bits::<16>(48);
        self.m4.a.next = self.x.val();
        self.m4.b.next = self.y.val().get_bits::<16>(64);
        self.m5.a.next = self.x.val();
        self.m5.b.next = self.y.val().get_bits::<16>(80);
        self.m6.a.next = self.x.val();
        self.m6.b.next = self.y.val().get_bits::<16>(96);
        self.m7.a.next = self.x.val();
        self.m7.b.next = self.y.val().get_bits::<16>(112);
        self.m8.a.next = self.x.val();
        self.m8.b.next = self.y.val().get_bits::<16>(128);
        self.m9.a.next = self.x.val();
        self.m9.b.next = self.y.val().get_bits::<16>(144);
        self.m10.a.next = self.x.val();
        self.m10.b.next = self.y.val().get_bits::<16>(160);
        self.m11.a.next = self.x.val();
        self.m11.b.next = self.y.val().get_bits::<16>(176);
        self.m12.a.next = self.x.val();
        self.m12.b.next = self.y.val().get_bits::<16>(192);
        self.m13.a.next = self.x.val();
        self.m13.b.next = self.y.val().get_bits::<16>(208);
        self.m14.a.next = self.x.val();
        self.m14.b.next = self.y.val().get_bits::<16>(224);
        self.m15.a.next = self.x.val();
        self.m15.b.next = self.y.val().get_bits::<16>(240);
        self.even.next = (bit_cast::<272, 32>(self.m0.p.val()) << 0)
            | (bit_cast::<272, 32>(self.m2.p.val()) << 32)
            | (bit_cast::<272, 32>(self.m4.p.val()) << 64)
            | (bit_cast::<272, 32>(self.m6.p.val()) << 96)
            | (bit_cast::<272, 32>(self.m8.p.val()) << 128)
            | (bit_cast::<272, 32>(self.m10.p.val()) << 160)
            | (bit_cast::<272, 32>(self.m12.p.val()) << 192)
            | (bit_cast::<272, 32>(self.m14.p.val()) << 224);
        self.odd.next = (bit_cast::<272, 32>(self.m1.p.val()) << 16)
            | (bit_cast::<272, 32>(self.m3.p.val()) << 48)
            | (bit_cast::<272, 32>(self.m5.p.val()) << 80)
            | (bit_cast::<272, 32>(self.m7.p.val()) << 112)
            | (bit_cast::<272, 32>(self.m9.p.val()) << 144)
            | (bit_cast::<272, 32>(self.m11.p.val()) << 176)
            | (bit_cast::<272, 32>(self.m13.p.val()) << 208)
            | (bit_cast::<272, 32>(self.m15.p.val()) << 240);
        self.p.next = self.even.val() + self.odd.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_row_mul_is_synthesizable() {
        let mut uut = DigitRowMul::default();
        let vlog = crate::verilog::generate(&mut uut);
        crate::verilog::yosys_check("digit_row_mul", &vlog).unwrap();
    }
}
