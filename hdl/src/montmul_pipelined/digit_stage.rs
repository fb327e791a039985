//! One radix-2^16 digit of the pipelined Montgomery multiplier, in carry-save form.
//!
//! Input: `T = in_s + in_c + in_cin` (exact integers, `T < 2p`), the row `B`, and the digits of
//! `a` not yet consumed (`in_a`, current digit in bits [15:0]). Output, five cycles later:
//! `T' = (T + a_i·B + m_i·p) / 2^16` as `out_s + out_c + out_cin`, with `B` and `a >> 16` delayed
//! alongside through [`DelayLine`] leaves.
//!
//! | edge | work |
//! |---|---|
//! | 1 | `a_i·B` on a [`RowMul`] (DSPs) → `even`, `odd` registers; `s`, `c`, `cin` delayed |
//! | 2 | 4:2 carry-save compression `s + c + even + (odd | cin)` → `(s1, c1)` |
//! | 3 | `m_i = ((s1 + c1) mod 2^16) · p' mod 2^16` (16-bit pre-add + one DSP) |
//! | 4 | `m_i·p` on a second [`RowMul`] → `even`, `odd` registers |
//! | 5 | 4:2 compression `s1 + c1 + even + odd` → `(s2, c2)`; `cin' = carry out of bit 15 of s2 + c2`; shift both right by 16 |
//!
//! No carry chain is longer than 17 bits. All intermediate values stay below 2^272 (see NOTES.md),
//! and a carry-save pair whose true sum is below 2^272 is exact in 272 bits, so shifting the two
//! halves separately and carrying the low half's carry-out is exact.

use crate::delay_line::DelayLine;
use crate::limb_mul::LimbMul;
use crate::row_mul::{RowMul, ROW_BITS};
use rust_hdl::prelude::*;

/// Register stages per digit.
pub const STAGE_CYCLES: usize = 5;

/// One digit of the pipelined Montgomery multiplier; see the module docs.
#[derive(LogicBlock)]
pub struct DigitStage<const WL: usize, const P: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Carry-save accumulator: sum vector.
    pub in_s: Signal<In, Bits<ROW_BITS>>,
    /// Carry-save accumulator: carry vector.
    pub in_c: Signal<In, Bits<ROW_BITS>>,
    /// Carry-save accumulator: carry-in bit.
    pub in_cin: Signal<In, Bit>,
    /// The multiplier row `B`.
    pub in_b: Signal<In, Bits<256>>,
    /// Digits of `a` not yet consumed; this stage's digit in bits [15:0].
    pub in_a: Signal<In, Bits<256>>,
    /// Valid flag.
    pub in_valid: Signal<In, Bit>,
    /// Outputs, five cycles later.
    pub out_s: Signal<Out, Bits<ROW_BITS>>,
    /// See `out_s`.
    pub out_c: Signal<Out, Bits<ROW_BITS>>,
    /// See `out_s`.
    pub out_cin: Signal<Out, Bit>,
    /// See `out_s`.
    pub out_b: Signal<Out, Bits<256>>,
    /// See `out_s`.
    pub out_a: Signal<Out, Bits<256>>,
    /// See `out_s`.
    pub out_valid: Signal<Out, Bit>,
    p: Constant<Bits<256>>,
    p_inv: Constant<Bits<16>>,
    row_a: RowMul<WL, P>,
    row_m: RowMul<WL, P>,
    mdig: LimbMul<16, 16, 32>,
    t1_s: Signal<Local, Bits<ROW_BITS>>,
    t1_c: Signal<Local, Bits<ROW_BITS>>,
    odd_cin: Signal<Local, Bits<ROW_BITS>>,
    t2_s: Signal<Local, Bits<ROW_BITS>>,
    t2_c: Signal<Local, Bits<ROW_BITS>>,
    x2_s: Signal<Local, Bits<ROW_BITS>>,
    x2_c: Signal<Local, Bits<ROW_BITS>>,
    low: Signal<Local, Bits<17>>,
    even1: DFF<Bits<ROW_BITS>>,
    odd1: DFF<Bits<ROW_BITS>>,
    s_d1: DFF<Bits<ROW_BITS>>,
    c_d1: DFF<Bits<ROW_BITS>>,
    cin_d1: DFF<Bit>,
    s1: DFF<Bits<ROW_BITS>>,
    c1: DFF<Bits<ROW_BITS>>,
    m: DFF<Bits<16>>,
    s1_d: DFF<Bits<ROW_BITS>>,
    c1_d: DFF<Bits<ROW_BITS>>,
    even2: DFF<Bits<ROW_BITS>>,
    odd2: DFF<Bits<ROW_BITS>>,
    s1_dd: DFF<Bits<ROW_BITS>>,
    c1_dd: DFF<Bits<ROW_BITS>>,
    s_out: DFF<Bits<ROW_BITS>>,
    c_out: DFF<Bits<ROW_BITS>>,
    cin_out: DFF<Bit>,
    b_line: DelayLine<256>,
    a_line: DelayLine<256>,
    valid_line: DelayLine<1>,
}

impl<const WL: usize, const P: usize> DigitStage<WL, P> {
    /// The stage for modulus `p` (as bits) with `p_inv = −p^-1 mod 2^16`.
    pub fn new(p: Bits<256>, p_inv: u64) -> Self {
        Self {
            clock: Default::default(),
            in_s: Default::default(),
            in_c: Default::default(),
            in_cin: Default::default(),
            in_b: Default::default(),
            in_a: Default::default(),
            in_valid: Default::default(),
            out_s: Default::default(),
            out_c: Default::default(),
            out_cin: Default::default(),
            out_b: Default::default(),
            out_a: Default::default(),
            out_valid: Default::default(),
            p: Constant::new(p),
            p_inv: Constant::new(bits::<16>(p_inv)),
            row_a: Default::default(),
            row_m: Default::default(),
            mdig: Default::default(),
            t1_s: Default::default(),
            t1_c: Default::default(),
            odd_cin: Default::default(),
            t2_s: Default::default(),
            t2_c: Default::default(),
            x2_s: Default::default(),
            x2_c: Default::default(),
            low: Default::default(),
            even1: Default::default(),
            odd1: Default::default(),
            s_d1: Default::default(),
            c_d1: Default::default(),
            cin_d1: Default::default(),
            s1: Default::default(),
            c1: Default::default(),
            m: Default::default(),
            s1_d: Default::default(),
            c1_d: Default::default(),
            even2: Default::default(),
            odd2: Default::default(),
            s1_dd: Default::default(),
            c1_dd: Default::default(),
            s_out: Default::default(),
            c_out: Default::default(),
            cin_out: Default::default(),
            b_line: DelayLine::new(STAGE_CYCLES),
            a_line: DelayLine::new(STAGE_CYCLES),
            valid_line: DelayLine::new(STAGE_CYCLES),
        }
    }
}

impl<const WL: usize, const P: usize> Logic for DigitStage<WL, P> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, even1, odd1, s_d1, c_d1, cin_d1, s1, c1, m, s1_d, c1_d, even2, odd2, s1_dd,
            c1_dd, s_out, c_out, cin_out
        );
        self.b_line.clock.next = self.clock.val();
        self.a_line.clock.next = self.clock.val();
        self.valid_line.clock.next = self.clock.val();
        self.b_line.d.next = self.in_b.val();
        self.a_line.d.next = self.in_a.val() >> 16;
        self.valid_line.d.next = self.in_valid.val().into();
        // Edge 1: a_i·B.
        self.row_a.x.next = self.in_a.val().get_bits::<16>(0);
        self.row_a.y.next = self.in_b.val();
        self.even1.d.next = self.row_a.even.val();
        self.odd1.d.next = self.row_a.odd.val();
        self.s_d1.d.next = self.in_s.val();
        self.c_d1.d.next = self.in_c.val();
        self.cin_d1.d.next = self.in_cin.val();
        // Edge 2: s + c + even + (odd | cin), two 3:2 compressors.
        self.t1_s.next = self.s_d1.q.val() ^ self.c_d1.q.val() ^ self.even1.q.val();
        self.t1_c.next = ((self.s_d1.q.val() & self.c_d1.q.val())
            | (self.s_d1.q.val() & self.even1.q.val())
            | (self.c_d1.q.val() & self.even1.q.val()))
            << 1;
        self.odd_cin.next = self.odd1.q.val() | bit_cast::<ROW_BITS, 1>(self.cin_d1.q.val().into());
        self.s1.d.next = self.t1_s.val() ^ self.t1_c.val() ^ self.odd_cin.val();
        self.c1.d.next = ((self.t1_s.val() & self.t1_c.val())
            | (self.t1_s.val() & self.odd_cin.val())
            | (self.t1_c.val() & self.odd_cin.val()))
            << 1;
        // Edge 3: m_i from the low 16 bits of s1 + c1.
        self.mdig.a.next = self.s1.q.val().get_bits::<16>(0) + self.c1.q.val().get_bits::<16>(0);
        self.mdig.b.next = self.p_inv.val();
        self.m.d.next = self.mdig.p.val().get_bits::<16>(0);
        self.s1_d.d.next = self.s1.q.val();
        self.c1_d.d.next = self.c1.q.val();
        // Edge 4: m_i·p.
        self.row_m.x.next = self.m.q.val();
        self.row_m.y.next = self.p.val();
        self.even2.d.next = self.row_m.even.val();
        self.odd2.d.next = self.row_m.odd.val();
        self.s1_dd.d.next = self.s1_d.q.val();
        self.c1_dd.d.next = self.c1_d.q.val();
        // Edge 5: s1 + c1 + even + odd, then divide by 2^16 carrying the low half's carry-out.
        self.t2_s.next = self.s1_dd.q.val() ^ self.c1_dd.q.val() ^ self.even2.q.val();
        self.t2_c.next = ((self.s1_dd.q.val() & self.c1_dd.q.val())
            | (self.s1_dd.q.val() & self.even2.q.val())
            | (self.c1_dd.q.val() & self.even2.q.val()))
            << 1;
        self.x2_s.next = self.t2_s.val() ^ self.t2_c.val() ^ self.odd2.q.val();
        self.x2_c.next = ((self.t2_s.val() & self.t2_c.val())
            | (self.t2_s.val() & self.odd2.q.val())
            | (self.t2_c.val() & self.odd2.q.val()))
            << 1;
        self.low.next = bit_cast::<17, 16>(self.x2_s.val().get_bits::<16>(0))
            + bit_cast::<17, 16>(self.x2_c.val().get_bits::<16>(0));
        self.s_out.d.next = self.x2_s.val() >> 16;
        self.c_out.d.next = self.x2_c.val() >> 16;
        self.cin_out.d.next = self.low.val().get_bit(16);
        self.out_s.next = self.s_out.q.val();
        self.out_c.next = self.c_out.q.val();
        self.out_cin.next = self.cin_out.q.val();
        self.out_b.next = self.b_line.q.val();
        self.out_a.next = self.a_line.q.val();
        self.out_valid.next = self.valid_line.q.val().any();
    }
}
