//! Golden models of the modular adder/subtractor.
//!
//! [`add_sub`] is the plain integer definition; [`add_sub_ark`] computes the same thing with
//! arkworks field arithmetic on wire-format values (addition commutes with the Montgomery map, so
//! the wire value of `x ± y` is `x̃ ± ỹ mod p`). Tests compare the RTL with both.

use crate::field::{from_wire, to_wire, Bn254Field};
use num_bigint::BigUint;

/// Which operation a [`super::ModAddSub`] performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddSubOp {
    /// `(a + b) mod p`.
    Add,
    /// `(a − b) mod p`.
    Sub,
}

/// `(a ± b) mod p` on integers `< p`.
pub fn add_sub(op: AddSubOp, a: &BigUint, b: &BigUint, p: &BigUint) -> BigUint {
    match op {
        AddSubOp::Add => (a + b) % p,
        AddSubOp::Sub => (a + p - b) % p,
    }
}

/// The same operation through arkworks, on 32-byte wire values of a BN254 field.
pub fn add_sub_ark(field: Bn254Field, op: AddSubOp, a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    fn run<P: ark_ff::MontConfig<4>>(op: AddSubOp, a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
        let x = from_wire::<P>(a).expect("canonical operand");
        let y = from_wire::<P>(b).expect("canonical operand");
        to_wire(&match op {
            AddSubOp::Add => x + y,
            AddSubOp::Sub => x - y,
        })
    }
    match field {
        Bn254Field::Fr => run::<ark_bn254::FrConfig>(op, a, b),
        Bn254Field::Fq => run::<ark_bn254::FqConfig>(op, a, b),
    }
}
