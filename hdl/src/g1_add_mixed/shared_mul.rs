//! A [`MontMulPipelined`] as one shared Verilog module.
//!
//! rust-hdl emits one Verilog module per instance, so twelve multipliers inside the adder would
//! be twelve copies of the multiplier's ~900 modules, each verilated and compiled separately.
//! [`SharedMontMul`] is instead a `Verilog::Wrapper` leaf that instantiates a module called
//! [`SharedMontMul::module_name`] (`zk_montmul_q_w26` for the DSP48E2 shape). The *first* instance
//! (built with `emit_definition = true`) appends that module's definition: the multiplier's own
//! generated Verilog with its module names prefixed (`top` → `zk_montmul_q_w26`,
//! `top$stages$0…` → `zk_montmul_q_w26$stages$0…`), a `/*verilator no_inline_module*/` pragma, so
//! Verilator compiles it once as a class and instantiates it twelve times, and
//! `/*verilator tracing_off*/` (trace code is per instance; the multiplier's internals are
//! debugged by its own tests).
//!
//! Only `a`, `b` and `out` are used: the adder carries its own valid bit, so the multiplier's
//! `in_valid` is tied high and `reset` low (its datapath does not depend on either).

use crate::field::{biguint_to_bits, bits_to_biguint};
use crate::montmul_iterative::model::mont_mul;
use crate::montmul_pipelined::{config, MontMulPipelined};
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use std::collections::VecDeque;

/// `out(t + 85) = a(t)·b(t)·2^-256 mod p`, as an instance of one shared Verilog module.
#[derive(LogicBlock)]
pub struct SharedMontMul<const WL: usize, const P: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Multiplicand (wire format, `< p`).
    pub a: Signal<In, Bits<256>>,
    /// Multiplier (wire format, `< p`).
    pub b: Signal<In, Bits<256>>,
    /// The product, [`config::LATENCY`] cycles later.
    pub out: Signal<Out, Bits<256>>,
    _modulus: BigUint,
    _emit: bool,
    // Behavioural model for rust-hdl's simulator: products in flight, oldest first.
    _sim: VecDeque<Bits<256>>,
}

impl<const WL: usize, const P: usize> SharedMontMul<WL, P> {
    /// An instance for `modulus`; exactly one instance per design sets `emit_definition`.
    pub fn new(modulus: &BigUint, emit_definition: bool) -> Self {
        Self {
            clock: Default::default(),
            a: Default::default(),
            b: Default::default(),
            out: Default::default(),
            _modulus: modulus.clone(),
            _emit: emit_definition,
            _sim: std::iter::repeat_n(Bits::<256>::default(), config::LATENCY - 1).collect(),
        }
    }

    /// The name of the shared Verilog module.
    pub fn module_name() -> String {
        format!("zk_montmul_q_w{WL}")
    }

    /// The shared module's definition: the multiplier's Verilog, renamed, with the no-inline
    /// pragma.
    pub fn definition(modulus: &BigUint) -> String {
        let v = crate::verilog::generate(&mut MontMulPipelined::<WL, P>::new(modulus));
        rename_top(&v, &Self::module_name())
    }
}

/// Renames the module `top` and every `top$…` module of a rust-hdl design to `name` and
/// `name$…` (declarations and instantiations), marks `name` as not to be inlined, and switches
/// Verilator's tracing off inside it: VCD tracing code is generated per instance, and twelve
/// traced multipliers made 30 MB of C++ (most of the build time). The multiplier's ports stay
/// visible in a VCD through the adder's own signals (`muls$k$a`, `muls$k$b`, `muls$k$out`).
pub fn rename_top(verilog: &str, name: &str) -> String {
    let mut out = String::with_capacity(verilog.len() + verilog.len() / 8);
    let bytes = verilog.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b'$');
        if boundary && verilog[i..].starts_with("top") {
            let next = bytes.get(i + 3).copied();
            if next == Some(b'$') || next == Some(b'(') || next == Some(b' ') || next == Some(b'\n') {
                out.push_str(name);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    let header = format!("module {name}(");
    let at = out.find(&header).expect("renamed top module");
    let end = at + out[at..].find(");").expect("module header") + 2;
    out.insert_str(end, "\n/*verilator no_inline_module*/\n/*verilator tracing_off*/");
    out
}

/// `verilog` with the shared multiplier's definition (module `name` and its `name$…` children)
/// replaced by a blackbox stub of the same ports: the adder's glue alone, for a quick Yosys check
/// and for the hierarchical resource estimate (the multiplier is synthesized on its own).
pub fn blackbox_shared(verilog: &str, name: &str) -> String {
    let mut out = String::with_capacity(verilog.len());
    let mut rest = verilog;
    let head = format!("module {name}");
    while let Some(at) = rest.find(&head) {
        // Only module names `name` and `name$…` (not a longer identifier).
        let after = rest.as_bytes().get(at + head.len()).copied();
        let end = at + rest[at..].find("endmodule").expect("endmodule") + "endmodule".len();
        let end = end + rest[end..].find('\n').unwrap_or(rest.len() - end);
        if after == Some(b'(') || after == Some(b'$') {
            out.push_str(&rest[..at]);
        } else {
            out.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.push_str(&format!(
        "\n(* blackbox *)\nmodule {name}(clock, reset, a, b, in_valid, out, out_valid);\n   input clock;\n   \
         input reset;\n   input [255:0] a;\n   input [255:0] b;\n   input in_valid;\n   output [255:0] out;\n   \
         output out_valid;\nendmodule\n"
    ));
    out
}

impl<const WL: usize, const P: usize> Logic for SharedMontMul<WL, P> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let oldest = self._sim.pop_front().unwrap_or_default();
            self.out.next = oldest;
            let prod = mont_mul(&bits_to_biguint(self.a.val()), &bits_to_biguint(self.b.val()), &self._modulus);
            self._sim.push_back(biguint_to_bits(&prod));
        }
    }

    fn connect(&mut self) {
        self.out.connect();
    }

    fn hdl(&self) -> Verilog {
        let name = Self::module_name();
        Verilog::Wrapper(Wrapper {
            code: format!(
                "{name} core(.clock(clock), .reset(1'b0), .a(a), .b(b), .in_valid(1'b1), .out(out), .out_valid());\n"
            ),
            cores: if self._emit { Self::definition(&self._modulus) } else { String::new() },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_touches_module_names_only() {
        let v = "module top(clock,a);\n input wire clock;\nendmodule // top\nmodule top$s0(x);\n wire stop$x;\n top$s0$a a(.x(s0$top));\nendmodule\n";
        let r = rename_top(v, "zk_m");
        assert!(r.contains("module zk_m(clock,a);\n/*verilator no_inline_module*/"));
        assert!(r.contains("module zk_m$s0(x);"));
        assert!(r.contains("zk_m$s0$a a(.x(s0$top));"));
        assert!(r.contains("wire stop$x;"));
        assert!(!r.contains("module top"));
    }
}
