//! Field elements and points on the card's streams (`docs/interfaces.md` §1).
//!
//! On the wire and in every RTL port a field element is the 256-bit little-endian integer
//! `x·2^256 mod p` (Montgomery form, radix R = 2^256). That is exactly arkworks' internal
//! representation of `Fp256`, so the conversions here are copies, not multiplications.
//! A bucket word of the MSM unit is a homogeneous projective G1 point `X ‖ Y ‖ Z` (96 bytes, Fq
//! wire format), the identity `(0 : 1 : 0)`.

use ark_bn254::{Fq, FqConfig, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, Field, Fp, MontBackend, MontConfig, One, Zero};

/// An error decoding a field element from its wire bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    /// The buffer is not 32 bytes long.
    #[error("a field element is 32 bytes on the wire, got {0}")]
    Length(usize),
    /// The integer is not below the modulus.
    #[error("non-canonical field element: wire value 0x{0} is not below the modulus")]
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
    from_limbs::<P>(limbs).ok_or_else(|| WireError::NonCanonical(bytes.iter().rev().map(|b| format!("{b:02x}")).collect()))
}

/// A bucket word read back from the MSM unit (`X ‖ Y ‖ Z`, 96 bytes) as a point; an error names
/// what is wrong (length, non-canonical field element, off the curve). No inversion: the curve
/// equation is checked in homogeneous form, `Y²Z = X³ + 3Z³`.
pub fn bucket_from_wire(bytes: &[u8]) -> Result<G1Projective, String> {
    let p = bucket_from_wire_unchecked_curve(bytes)?;
    // In Jacobian form (X·Z, Y·Z², Z) of the homogeneous (X : Y : Z): Y²Z = X³ + 3Z³ ⇔ the
    // Jacobian equation divided by Z⁶.
    let (x, y, z) = (p.x, p.y, p.z);
    if !z.is_zero() {
        let z2 = z.square();
        if y.square() != x.square() * x + G1_B * z2.square() * z2 {
            return Err(format!("the word {} is not on the curve", hex_word(bytes)));
        }
    }
    Ok(p)
}

/// The curve's `b` (`y² = x³ + 3`).
const G1_B: Fq = <ark_bn254::g1::Config as ark_ec::short_weierstrass::SWCurveConfig>::COEFF_B;

fn hex_word(bytes: &[u8]) -> String {
    let coord = |i: usize| bytes[32 * i..32 * i + 32].iter().rev().map(|b| format!("{b:02x}")).collect::<String>();
    format!("(0x{} : 0x{} : 0x{})", coord(0), coord(1), coord(2))
}

/// [`bucket_from_wire`] without the curve check: length, canonical coordinates and the form of
/// the identity (`Z = 0` only as `(0 : Y ≠ 0 : 0)`) checked, the point returned in arkworks'
/// Jacobian coordinates as `(X·Z, Y·Z², Z)` (the affine point `(X/Z, Y/Z)`; two products, no
/// inversion). For the host's decode of a whole answer, whose caller checks on the curve what it
/// computes from the words (`DeviceMsm` checks each MSM's result): a word off the curve puts
/// the sums the host forms with it off the curve too, except with probability about `deg/q` for a
/// fault that does not depend on the curve, and the check then costs one per MSM instead of one
/// per word (five products and three squares each, most of the decode's time).
pub fn bucket_from_wire_unchecked_curve(bytes: &[u8]) -> Result<G1Projective, String> {
    if bytes.len() != 96 {
        return Err(format!("bucket word of {} bytes, want 96", bytes.len()));
    }
    let coord = |i: usize, name: &str| from_wire::<FqConfig>(&bytes[32 * i..32 * i + 32]).map_err(|e| format!("{name}: {e}"));
    let (x, y, z) = (coord(0, "X")?, coord(1, "Y")?, coord(2, "Z")?);
    if z.is_zero() {
        return if x.is_zero() && !y.is_zero() {
            Ok(G1Projective::zero())
        } else {
            Err(format!("Z = 0 but (X, Y) = ({x}, {y}) is not (0, nonzero)"))
        };
    }
    Ok(G1Projective::new_unchecked(x * z, y * z.square(), z))
}

/// A base as the card loads it (two host beats, one 512-bit card-memory word): `x ‖ y`, the
/// identity as `x = y = 0` with bit 511 (the top bit of `y`'s beat) set.
pub fn base_to_wire(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if p.is_zero() {
        out[63] = 0x80;
    } else {
        out[..32].copy_from_slice(&to_wire(&p.x));
        out[32..].copy_from_slice(&to_wire(&p.y));
    }
    out
}

/// A point as a bucket word with `Z = 1` (the identity as `(0 : 1 : 0)`).
pub fn bucket_to_wire(p: &G1Projective) -> [u8; 96] {
    let a = p.into_affine();
    let (x, y, z) = if a.is_zero() { (Fq::zero(), Fq::one(), Fq::zero()) } else { (a.x, a.y, Fq::one()) };
    let mut out = [0u8; 96];
    out[..32].copy_from_slice(&to_wire(&x));
    out[32..64].copy_from_slice(&to_wire(&y));
    out[64..].copy_from_slice(&to_wire(&z));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, FrConfig};
    use ark_ff::{PrimeField, UniformRand};
    use num_bigint::BigUint;
    use rand::SeedableRng;

    fn rng() -> rand_chacha::ChaCha20Rng {
        rand_chacha::ChaCha20Rng::seed_from_u64(0x5eed_0001)
    }

    fn wire_value<P: MontConfig<4>>(x: &Fp<MontBackend<P, 4>, 4>) -> BigUint {
        BigUint::from_bytes_le(&to_wire(x))
    }

    #[test]
    fn wire_is_montgomery_form_radix_2_256() {
        // The wire value of 1 is R mod p = 2^256 mod p; of x it is x·R mod p.
        let r: BigUint = BigUint::from(1u32) << 256u32;
        let (fr_p, fq_p): (BigUint, BigUint) = (Fr::MODULUS.into(), Fq::MODULUS.into());
        assert_eq!(wire_value(&Fr::one()), &r % &fr_p);
        assert_eq!(wire_value(&Fq::one()), &r % &fq_p);
        assert_eq!(wire_value(&Fr::zero()), BigUint::default());
        let mut rng = rng();
        for _ in 0..100 {
            let x = Fr::rand(&mut rng);
            assert_eq!(wire_value(&x), (BigUint::from(x.into_bigint()) * &r) % &fr_p);
            assert_eq!(from_wire::<FrConfig>(&to_wire(&x)).unwrap(), x);
        }
    }

    #[test]
    fn wire_rejects_non_canonical_and_short() {
        let p: BigUint = Fq::MODULUS.into();
        let mut bytes = p.to_bytes_le();
        bytes.resize(32, 0);
        assert!(matches!(from_wire::<FqConfig>(&bytes), Err(WireError::NonCanonical(_))));
        assert_eq!(from_wire::<FqConfig>(&bytes[..31]), Err(WireError::Length(31)));
        let pm1 = &p - 1u32;
        let mut bytes = pm1.to_bytes_le();
        bytes.resize(32, 0);
        let x = from_wire::<FqConfig>(&bytes).unwrap();
        assert_eq!(wire_value(&x), pm1);
        // The wire value p-1 means x·R ≡ -1, i.e. x = -R^-1.
        assert_eq!(x * Fq::from(2u64).pow([256u64]), -Fq::one());
    }

    #[test]
    fn bucket_words_round_trip_and_reject_garbage() {
        let mut rng = rng();
        let p = G1Projective::rand(&mut rng);
        assert_eq!(bucket_from_wire(&bucket_to_wire(&p)).unwrap(), p);
        assert_eq!(bucket_from_wire(&bucket_to_wire(&G1Projective::zero())).unwrap(), G1Projective::zero());
        let mut bad = bucket_to_wire(&p);
        bad[0] ^= 1; // X changed: off the curve
        assert!(bucket_from_wire(&bad).unwrap_err().contains("not on the curve"));
        assert!(bucket_from_wire(&bad[..95]).is_err());
        let mut zero_z = [0u8; 96];
        zero_z[..32].copy_from_slice(&to_wire(&Fq::one()));
        assert!(bucket_from_wire(&zero_z).is_err(), "(1 : 0 : 0) is no point");
    }

    /// The card's words carry any `Z`, not only 1: `(λx : λy : λ)` for random λ is the affine point
    /// `(x, y)`, `(0 : λ : 0)` the identity, and a scaled triple off the curve (here on
    /// `y² = x³ + 4` instead of `+ 3`) is refused — the homogeneous check against the affine one.
    #[test]
    fn bucket_words_with_any_z_decode_to_their_affine_point() {
        let mut rng = rng();
        let word = |x: Fq, y: Fq, z: Fq| -> [u8; 96] {
            let mut w = [0u8; 96];
            w[..32].copy_from_slice(&to_wire(&x));
            w[32..64].copy_from_slice(&to_wire(&y));
            w[64..].copy_from_slice(&to_wire(&z));
            w
        };
        for _ in 0..64 {
            let a = G1Projective::rand(&mut rng).into_affine();
            let l = Fq::rand(&mut rng);
            let got = bucket_from_wire(&word(a.x * l, a.y * l, l)).unwrap();
            assert_eq!(got.into_affine(), a);
            assert_eq!(bucket_from_wire(&word(Fq::zero(), l, Fq::zero())).unwrap(), G1Projective::zero());
            // (x, y) with y² = x³ + 4: on another curve of the same family.
            let x = Fq::rand(&mut rng);
            if let Some(y) = (x.square() * x + Fq::from(4u64)).sqrt() {
                let err = bucket_from_wire(&word(x * l, y * l, l)).unwrap_err();
                assert!(err.contains("not on the curve"), "{err}");
                assert!(!G1Affine::new_unchecked(x, y).is_on_curve());
            }
        }
    }

    #[test]
    fn a_base_is_x_then_y_and_the_identity_only_bit_511() {
        let p = G1Projective::rand(&mut rng()).into_affine();
        let w = base_to_wire(&p);
        assert_eq!((&w[..32], &w[32..]), (&to_wire(&p.x)[..], &to_wire(&p.y)[..]));
        assert_eq!(w[63] & 0x80, 0, "a wire value below p < 2^255 leaves bit 511 clear");
        let mut id = [0u8; 64];
        id[63] = 0x80;
        assert_eq!(base_to_wire(&G1Affine::zero()), id);
    }
}
