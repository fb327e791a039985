//! One 64-bit limb of the modular adder/subtractor pipeline.
//!
//! The operands enter least-significant limb first: stage k sees limb k of `a` and `b` in bits
//! [63:0] of its inputs (earlier stages have shifted the consumed limbs out) and appends its result
//! limbs at the top of `u` and `v`, so after four stages `u` and `v` hold complete 256-bit words.
//! Each stage carries two flags between limbs:
//! * add: `u = a + b` (carry `c1`) and `v = u − p` (borrow `c2`);
//! * sub: `u = a − b` (borrow `c1`) and `v = u + p` (carry `c2`).
//!
//! So no carry chain is longer than 65 bits (an add followed by a dependent subtract) per cycle.

use rust_hdl::prelude::*;

/// One pipelined limb step; see the module docs.
#[derive(LogicBlock)]
pub struct LimbStage {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: clears `out_valid`.
    pub reset: Signal<In, Bit>,
    /// Operand `a`, limbs not yet consumed, current limb in bits [63:0].
    pub in_a: Signal<In, Bits<256>>,
    /// Operand `b`, same alignment as `in_a`.
    pub in_b: Signal<In, Bits<256>>,
    /// Primary result so far (limbs fill in from the top).
    pub in_u: Signal<In, Bits<256>>,
    /// Corrected result so far.
    pub in_v: Signal<In, Bits<256>>,
    /// Carry (add) or borrow (sub) of the primary operation.
    pub in_c1: Signal<In, Bit>,
    /// Borrow (add) or carry (sub) of the correction by p.
    pub in_c2: Signal<In, Bit>,
    /// Valid flag travelling with the operands.
    pub in_valid: Signal<In, Bit>,
    /// Registered outputs, same meaning, one limb further.
    pub out_a: Signal<Out, Bits<256>>,
    /// See `out_a`.
    pub out_b: Signal<Out, Bits<256>>,
    /// See `out_a`.
    pub out_u: Signal<Out, Bits<256>>,
    /// See `out_a`.
    pub out_v: Signal<Out, Bits<256>>,
    /// See `out_a`.
    pub out_c1: Signal<Out, Bit>,
    /// See `out_a`.
    pub out_c2: Signal<Out, Bit>,
    /// See `out_a`.
    pub out_valid: Signal<Out, Bit>,
    p_limb: Constant<Bits<65>>,
    subtract: Constant<Bit>,
    primary: Signal<Local, Bits<65>>,
    correction: Signal<Local, Bits<65>>,
    a: DFF<Bits<256>>,
    b: DFF<Bits<256>>,
    u: DFF<Bits<256>>,
    v: DFF<Bits<256>>,
    c1: DFF<Bit>,
    c2: DFF<Bit>,
    valid: DFF<Bit>,
}

impl LimbStage {
    /// The stage for the 64-bit limb `p_limb` of the modulus, adding or subtracting.
    pub fn new(p_limb: u64, subtract: bool) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            in_a: Default::default(),
            in_b: Default::default(),
            in_u: Default::default(),
            in_v: Default::default(),
            in_c1: Default::default(),
            in_c2: Default::default(),
            in_valid: Default::default(),
            out_a: Default::default(),
            out_b: Default::default(),
            out_u: Default::default(),
            out_v: Default::default(),
            out_c1: Default::default(),
            out_c2: Default::default(),
            out_valid: Default::default(),
            p_limb: Constant::new(bits::<65>(p_limb)),
            subtract: Constant::new(subtract),
            primary: Default::default(),
            correction: Default::default(),
            a: Default::default(),
            b: Default::default(),
            u: Default::default(),
            v: Default::default(),
            c1: Default::default(),
            c2: Default::default(),
            valid: Default::default(),
        }
    }
}

impl Logic for LimbStage {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, a, b, u, v, c1, c2, valid);
        if self.subtract.val() {
            self.primary.next = bit_cast::<65, 64>(self.in_a.val().get_bits::<64>(0))
                - bit_cast::<65, 64>(self.in_b.val().get_bits::<64>(0))
                - bit_cast::<65, 1>(self.in_c1.val().into());
            self.correction.next = bit_cast::<65, 64>(self.primary.val().get_bits::<64>(0))
                + self.p_limb.val()
                + bit_cast::<65, 1>(self.in_c2.val().into());
        } else {
            self.primary.next = bit_cast::<65, 64>(self.in_a.val().get_bits::<64>(0))
                + bit_cast::<65, 64>(self.in_b.val().get_bits::<64>(0))
                + bit_cast::<65, 1>(self.in_c1.val().into());
            self.correction.next = bit_cast::<65, 64>(self.primary.val().get_bits::<64>(0))
                - self.p_limb.val()
                - bit_cast::<65, 1>(self.in_c2.val().into());
        }
        self.a.d.next = self.in_a.val() >> 64;
        self.b.d.next = self.in_b.val() >> 64;
        self.u.d.next = (self.in_u.val() >> 64)
            | (bit_cast::<256, 64>(self.primary.val().get_bits::<64>(0)) << 192);
        self.v.d.next = (self.in_v.val() >> 64)
            | (bit_cast::<256, 64>(self.correction.val().get_bits::<64>(0)) << 192);
        self.c1.d.next = self.primary.val().get_bit(64);
        self.c2.d.next = self.correction.val().get_bit(64);
        self.valid.d.next = self.in_valid.val() & !self.reset.val();
        self.out_a.next = self.a.q.val();
        self.out_b.next = self.b.q.val();
        self.out_u.next = self.u.q.val();
        self.out_v.next = self.v.q.val();
        self.out_c1.next = self.c1.q.val();
        self.out_c2.next = self.c2.q.val();
        self.out_valid.next = self.valid.q.val();
    }
}
