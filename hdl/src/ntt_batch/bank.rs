//! Where an element of a slot lives: bank and word of point `a` of a `2^k`-point transform.
//!
//! Bank `(a_{k−1}, parity(a mod 2^{k−1}))`, word `(a mod 2^{k−1}) >> 1` (unique: inside a bank
//! the top bit and the parity of the low bits are fixed, so `a >> 1` of the low bits gives `a_0`
//! back). As a linear map `GF(2)^k → GF(2)^2`, address bit `k−1` maps to `(1, 0)` and every lower
//! bit to `(0, 1)`, so two addresses that differ in one bit are in different banks, and the four
//! addresses `a, a ⊕ 2^s, a ⊕ 2^h, a ⊕ 2^s ⊕ 2^h` are in four different banks whenever exactly
//! one of `s, h` is `k−1`: the two butterflies of a dual issue (see `NOTES.md`).

use rust_hdl::prelude::*;

/// Combinational bank/word map of one address.
#[derive(LogicBlock, Default)]
pub struct BankOf {
    /// Point index, `< 2^k`.
    pub addr: Signal<In, Bits<16>>,
    /// `k` (`1 ≤ k`).
    pub log_n: Signal<In, Bits<5>>,
    /// `2^{k−1} − 1`.
    pub half_m1: Signal<In, Bits<16>>,
    /// Bank `2·a_{k−1} + parity(a mod 2^{k−1})`.
    pub bank: Signal<Out, Bits<2>>,
    /// Word in the bank, `(a mod 2^{k−1}) >> 1`.
    pub word: Signal<Out, Bits<16>>,
    low: Signal<Local, Bits<16>>,
    top: Signal<Local, Bits<16>>,
}

impl Logic for BankOf {
    #[hdl_gen]
    fn update(&mut self) {
        self.low.next = self.addr.val() & self.half_m1.val();
        self.top.next = (self.addr.val() >> (self.log_n.val() - 1)) & 1;
        self.bank.next = (self.top.val().get_bits::<2>(0) << 1) | bit_cast::<2, 1>(self.low.val().xor().into());
        self.word.next = self.low.val() >> 1;
    }
}
