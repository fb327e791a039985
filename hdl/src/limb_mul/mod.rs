//! A DSP-sized limb multiplier leaf: `p = a · b` for an `A`-bit and a `B`-bit operand.
//!
//! rust-hdl's own `*` exists only for 16×16 bits, and real designs instantiate DSP primitives for
//! their limb products anyway. This leaf is a `Verilog::Custom` block whose Verilog is one
//! multiplication (which Yosys maps to a DSP48E2 on UltraScale+ or a MULT18X18D on ECP5 when the
//! operands fit), paired with a Rust behavioural model in [`Logic::update`].
//! `sim/tests/limb_mul_verilator.rs` checks the Verilog against that model in Verilator.
//!
//! The leaf is combinational; blocks that pipeline it register its inputs and its output.

pub mod model;

use rust_hdl::prelude::*;

/// `p = a · b`, unsigned, `P = A + B` output bits (stated explicitly: stable Rust cannot compute
/// `A + B` in a const generic).
#[derive(Clone, Debug, LogicBlock)]
pub struct LimbMul<const A: usize, const B: usize, const P: usize> {
    /// Multiplicand.
    pub a: Signal<In, Bits<A>>,
    /// Multiplier.
    pub b: Signal<In, Bits<B>>,
    /// The full product.
    pub p: Signal<Out, Bits<P>>,
}

impl<const A: usize, const B: usize, const P: usize> Default for LimbMul<A, B, P> {
    fn default() -> Self {
        assert_eq!(A + B, P, "LimbMul<{A}, {B}, {P}>: the product has A + B bits");
        assert!(A <= 32 && B <= 32, "LimbMul operands are DSP-sized (at most 32 bits)");
        Self { a: Default::default(), b: Default::default(), p: Default::default() }
    }
}

impl<const A: usize, const B: usize, const P: usize> Logic for LimbMul<A, B, P> {
    fn update(&mut self) {
        self.p.next = model::limb_mul::<P>(self.a.val().to_u64(), self.b.val().to_u64());
    }

    fn connect(&mut self) {
        self.p.connect();
    }

    fn hdl(&self) -> Verilog {
        // The product is evaluated at the width of `p` (P = A + B bits), so nothing is lost.
        Verilog::Custom("always @(*) p = a * b;".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behavioural_model_is_the_product() {
        for (a, b) in [(0u64, 0u64), (1, 0xffff), (0xffff, 0xffff), (0x1234, 0xfedc)] {
            assert_eq!(model::limb_mul::<32>(a, b).to_u64(), a * b);
        }
        let max26 = (1u64 << 26) - 1;
        let max17 = (1u64 << 17) - 1;
        assert_eq!(model::limb_mul::<43>(max26, max17).to_u64(), max26 * max17);
    }

    #[test]
    fn rust_hdl_simulation_matches_model() {
        // The block's update() under rust-hdl's own simulator, for a few vectors.
        let mut uut = LimbMul::<17, 17, 34>::default();
        uut.connect_all();
        let mut sim = Simulation::new();
        let vectors = [(0u64, 0u64), (0x1ffff, 0x1ffff), (12345, 54321), (1, 0x10000)];
        sim.add_testbench(move |mut sim: Sim<LimbMul<17, 17, 34>>| {
            let mut x = sim.init()?;
            for (a, b) in vectors {
                x.a.next = a.to_bits();
                x.b.next = b.to_bits();
                x = sim.wait(1, x)?;
                sim_assert_eq!(sim, x.p.val().to_u64(), a * b, x);
            }
            sim.done(x)
        });
        sim.run(Box::new(uut), 100).unwrap();
    }

    #[test]
    fn limb_mul_is_synthesizable() {
        let mut uut = LimbMul::<26, 17, 43>::default();
        uut.connect_all();
        let vlog = generate_verilog(&uut);
        assert!(vlog.contains("p = a * b"));
        crate::verilog::yosys_check("limb_mul_26x17", &vlog).unwrap();
    }
}
