//! Reverses the 16 bits of an index (the NTT core then shifts right by `16 − log_n`).

use rust_hdl::prelude::*;

/// `q = bit-reverse(x)` over 16 bits; combinational.
#[derive(LogicBlock, Default)]
pub struct BitReverse16 {
    /// Input.
    pub x: Signal<In, Bits<16>>,
    /// Reversed input.
    pub q: Signal<Out, Bits<16>>,
}

/// Software model: the 16-bit reversal.
pub fn bit_reverse16(x: u64) -> u64 {
    ((x as u16).reverse_bits()) as u64
}

impl Logic for BitReverse16 {
    fn update(&mut self) {
        self.q.next = bits::<16>(bit_reverse16(self.x.val().to_u64()));
    }

    fn connect(&mut self) {
        self.q.connect();
    }

    fn hdl(&self) -> Verilog {
        let parts: Vec<String> = (0..16).map(|i| format!("x[{i}]")).collect();
        Verilog::Custom(format!("always @(*) q = {{{}}};", parts.join(", ")))
    }
}
