//! BN254 field constants and big-integer/bit-vector helpers of the RTL; the wire format of field
//! elements (docs/interfaces.md §1) is `zkaccel_interface::wire`, re-exported here.
//!
//! On the wire and in every RTL port a field element is the 256-bit little-endian integer
//! `x·2^256 mod p` (Montgomery form, radix R = 2^256). That is exactly arkworks' internal
//! representation of `Fp256`, so the conversions here are copies, not multiplications.

use ark_ff::{Fp, MontBackend, MontConfig, PrimeField};
use num_bigint::BigUint;
use rust_hdl::prelude::{bit_cast, bits, Bits};

/// Which BN254 field a block is instantiated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bn254Field {
    /// The scalar field Fr (order of G1), 2-adicity 28.
    Fr,
    /// The base field Fq (coordinates of G1 points).
    Fq,
}

impl Bn254Field {
    /// The modulus as a big integer.
    pub fn modulus(self) -> BigUint {
        match self {
            Bn254Field::Fr => ark_bn254::Fr::MODULUS.into(),
            Bn254Field::Fq => ark_bn254::Fq::MODULUS.into(),
        }
    }

    /// Short lower-case name, used in Verilator prefixes and reports.
    pub fn name(self) -> &'static str {
        match self {
            Bn254Field::Fr => "fr",
            Bn254Field::Fq => "fq",
        }
    }

    /// Both fields, for tests and reports that sweep them.
    pub const ALL: [Bn254Field; 2] = [Bn254Field::Fr, Bn254Field::Fq];
}

pub use zkaccel_interface::wire::{from_limbs, from_wire, to_limbs, to_wire, WireError};

/// The wire value of a field element as a big integer (`x·2^256 mod p`).
pub fn to_wire_biguint<P: MontConfig<4>>(x: &Fp<MontBackend<P, 4>, 4>) -> BigUint {
    BigUint::from_bytes_le(&to_wire(x))
}

/// A big integer (< 2^N) as a rust-hdl bit vector.
pub fn biguint_to_bits<const N: usize>(x: &BigUint) -> Bits<N> {
    assert!(x.bits() as usize <= N, "{x:#x} does not fit in {N} bits");
    Bits::<N>::from(x.clone())
}

/// A rust-hdl bit vector as a big integer.
pub fn bits_to_biguint<const N: usize>(x: Bits<N>) -> BigUint {
    let mut out = BigUint::default();
    for i in (0..N).rev() {
        out <<= 1u32;
        if x.get_bit(i) {
            out += 1u32;
        }
    }
    out
}

/// The low 64-bit word `index` of a big integer.
pub fn biguint_word(x: &BigUint, index: usize) -> u64 {
    x.iter_u64_digits().nth(index).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_roundtrip() {
        let x = (BigUint::from(1u32) << 255u32) + 12345u32;
        let b: Bits<256> = biguint_to_bits(&x);
        assert_eq!(bits_to_biguint(b), x);
        assert_eq!(biguint_word(&x, 3), 1u64 << 63);
        assert_eq!(biguint_word(&x, 0), 12345);
    }
}

/// An Fr element as the 256-bit word the RTL carries (Montgomery limbs, limb 0 in the low bits):
/// the constants (twiddles, one) that blocks build into their Verilog.
pub fn fr_to_bits(x: &ark_bn254::Fr) -> Bits<256> {
    let mut b = Bits::<256>::default();
    for (i, limb) in to_limbs(x).iter().enumerate() {
        b = b | (bit_cast::<256, 64>(bits::<64>(*limb)) << (64 * i as u64));
    }
    b
}
