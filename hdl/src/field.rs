//! BN254 field constants and the wire format of field elements (docs/interfaces.md §1).
//!
//! On the wire and in every RTL port a field element is the 256-bit little-endian integer
//! `x·2^256 mod p` (Montgomery form, radix R = 2^256). That is exactly arkworks' internal
//! representation of `Fp256`, so the conversions here are copies, not multiplications.

use ark_ff::{BigInt, Fp, MontBackend, MontConfig, PrimeField};
use num_bigint::BigUint;
use rust_hdl::prelude::Bits;

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

/// An error decoding a field element from its wire bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    /// The buffer is not 32 bytes long.
    #[error("a field element is 32 bytes on the wire, got {0}")]
    Length(usize),
    /// The integer is not below the modulus.
    #[error("non-canonical field element: wire value {0} is not below the modulus")]
    NonCanonical(String),
}

/// The Montgomery-form limbs of an arkworks field element (little-endian u64 words).
pub fn to_limbs<P: MontConfig<4>>(x: &Fp<MontBackend<P, 4>, 4>) -> [u64; 4] {
    (x.0).0
}

/// The element whose Montgomery-form limbs are `limbs`, if they are canonical (`< p`).
pub fn from_limbs<P: MontConfig<4>>(limbs: [u64; 4]) -> Option<Fp<MontBackend<P, 4>, 4>> {
    let big = BigInt::<4>(limbs);
    if big < P::MODULUS {
        Some(Fp::new_unchecked(big))
    } else {
        None
    }
}

/// The 32 wire bytes of a field element.
pub fn to_wire<P: MontConfig<4>>(x: &Fp<MontBackend<P, 4>, 4>) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(to_limbs(x)) {
        chunk.copy_from_slice(&limb.to_le_bytes());
    }
    out
}

/// Decodes 32 wire bytes, rejecting a wrong length or a non-canonical value.
pub fn from_wire<P: MontConfig<4>>(bytes: &[u8]) -> Result<Fp<MontBackend<P, 4>, 4>, WireError> {
    if bytes.len() != 32 {
        return Err(WireError::Length(bytes.len()));
    }
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    }
    from_limbs::<P>(limbs)
        .ok_or_else(|| WireError::NonCanonical(format!("0x{}", BigUint::from_bytes_le(bytes).to_str_radix(16))))
}

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
    use ark_bn254::{Fq, Fr};
    use ark_ff::{Field, One, UniformRand, Zero};

    #[test]
    fn wire_is_montgomery_form_radix_2_256() {
        // The wire value of 1 is R mod p = 2^256 mod p.
        let r: BigUint = BigUint::from(1u32) << 256u32;
        assert_eq!(to_wire_biguint(&Fr::one()), &r % Bn254Field::Fr.modulus());
        assert_eq!(to_wire_biguint(&Fq::one()), &r % Bn254Field::Fq.modulus());
        assert_eq!(to_wire_biguint(&Fr::zero()), BigUint::default());
        // x̃ = x·R mod p for a random x.
        let mut rng = crate::seed::TestRng::for_test("wire_is_montgomery_form_radix_2_256");
        for _ in 0..100 {
            let x = Fr::rand(&mut rng);
            let expect = (BigUint::from(x.into_bigint()) * &r) % Bn254Field::Fr.modulus();
            assert_eq!(to_wire_biguint(&x), expect);
            assert_eq!(from_wire::<ark_bn254::FrConfig>(&to_wire(&x)).unwrap(), x);
        }
    }

    #[test]
    fn wire_rejects_non_canonical_and_short() {
        let p = Bn254Field::Fq.modulus();
        let mut bytes = p.to_bytes_le();
        bytes.resize(32, 0);
        assert!(matches!(from_wire::<ark_bn254::FqConfig>(&bytes), Err(WireError::NonCanonical(_))));
        assert_eq!(from_wire::<ark_bn254::FqConfig>(&bytes[..31]), Err(WireError::Length(31)));
        let pm1 = &p - 1u32;
        let mut bytes = pm1.to_bytes_le();
        bytes.resize(32, 0);
        let x = from_wire::<ark_bn254::FqConfig>(&bytes).unwrap();
        assert_eq!(to_wire_biguint(&x), pm1);
        // The wire value p-1 means x·R ≡ -1, i.e. x = -R^-1.
        let r_elem = Fq::from(2u64).pow([256u64]);
        assert_eq!(x * r_elem, -Fq::one());
    }

    #[test]
    fn bits_roundtrip() {
        let x = (BigUint::from(1u32) << 255u32) + 12345u32;
        let b: Bits<256> = biguint_to_bits(&x);
        assert_eq!(bits_to_biguint(b), x);
        assert_eq!(biguint_word(&x, 3), 1u64 << 63);
        assert_eq!(biguint_word(&x, 0), 12345);
    }
}
