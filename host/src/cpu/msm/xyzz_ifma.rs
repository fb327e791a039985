//! XYZZ coordinates to Jacobian points on eight lanes (AVX-512 IFMA): the host's decode of the
//! XYZZ bucket unit's answer words (`card_schedule::msm_xyzz::decode_answers`). For `(X, Y, ZZ,
//! ZZZ)` with `ZZ ≠ 0` it checks `ZZ³ = ZZZ²` and returns `(X·ZZ², Y·ZZZ², ZZZ)` — the same
//! arithmetic as the scalar [`crate::card_schedule::msm_xyzz::word_to_point`], five Montgomery
//! products per lane on [`crate::cpu::ifma::fq52`], canonical at the end. Lanes with `ZZ = 0` are
//! the caller's (it decodes such blocks with the scalar code).

use ark_bn254::{Fq, G1Projective};
use ark_ff::BigInt;

use crate::cpu::ifma::fq52::{self, mul, reduce4};
use crate::cpu::ifma::mont52::{load8, store8, V};

/// The Jacobian points of eight XYZZ quadruples (coordinates canonical, `ZZ ≠ 0` in every lane),
/// or the mask of lanes whose `ZZ³ ≠ ZZZ²`.
///
/// # Panics
/// If the CPU lacks AVX-512 IFMA (callers check [`super::jacobian_ifma::available`]).
pub fn to_jacobian8(x: &[[u64; 4]; 8], y: &[[u64; 4]; 8], zz: &[[u64; 4]; 8], zzz: &[[u64; 4]; 8]) -> Result<[G1Projective; 8], u8> {
    assert!(crate::cpu::ifma::available(), "eight-lane XYZZ conversion needs AVX-512 IFMA");
    // SAFETY: the CPU has the features (checked above).
    unsafe { to_jacobian8_ifma(x, y, zz, zzz) }
}

#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn to_jacobian8_ifma(x: &[[u64; 4]; 8], y: &[[u64; 4]; 8], zz: &[[u64; 4]; 8], zzz: &[[u64; 4]; 8]) -> Result<[G1Projective; 8], u8> {
    let (q, q2) = fq52::moduli();
    // SAFETY: each array holds eight elements.
    let (vx, vy, vzz, vzzz) = unsafe { (load8(x.as_ptr()), load8(y.as_ptr()), load8(zz.as_ptr()), load8(zzz.as_ptr())) };
    let zz2 = mul(vzz, vzz);
    let zzz2 = mul(vzzz, vzzz);
    let zz3 = reduce4(mul(zz2, vzz), q, q2);
    let xj = reduce4(mul(vx, zz2), q, q2);
    let yj = reduce4(mul(vy, zzz2), q, q2);
    let zzz2 = reduce4(zzz2, q, q2);
    let out = |v: V| {
        let mut c = [[0u64; 4]; 8];
        let p = c.as_mut_ptr();
        // SAFETY: lane l writes the 32 bytes of element l of an eight-element array.
        unsafe { store8(v, |l| p.add(l)) };
        c
    };
    let (zz3, zzz2, xj, yj) = (out(zz3), out(zzz2), out(xj), out(yj));
    let bad = (0..8).fold(0u8, |m, l| m | (((zz3[l] != zzz2[l]) as u8) << l));
    if bad != 0 {
        return Err(bad);
    }
    Ok(core::array::from_fn(|l| {
        let f = |c: [u64; 4]| Fq::new_unchecked(BigInt(c));
        G1Projective::new_unchecked(f(xj[l]), f(yj[l]), f(zzz[l]))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card_schedule::msm_xyzz::word_to_point;
    use ark_ec::CurveGroup;
    use ark_ff::{Field, UniformRand};
    use rand::SeedableRng;

    fn limbs(x: &Fq) -> [u64; 4] {
        x.0 .0
    }

    #[test]
    fn eight_lanes_equal_the_word_by_word_conversion_limb_for_limb() {
        if !crate::cpu::features::run_or_skip("ifma", crate::cpu::ifma::available(), "the eight-lane XYZZ decode") {
            return;
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x7a5);
        for round in 0..200 {
            // Eight points in random scalings (±1 and ±2 among them): (λ²x, λ³y, λ², λ³).
            let coords: Vec<[Fq; 4]> = (0..8)
                .map(|l| {
                    let p = G1Projective::rand(&mut rng).into_affine();
                    let lam = match (round + l) % 11 {
                        0 => Fq::ONE,
                        1 => -Fq::ONE,
                        2 => Fq::from(2u64),
                        3 => -Fq::from(2u64),
                        _ => Fq::rand(&mut rng),
                    };
                    let (l2, l3) = (lam.square(), lam.square() * lam);
                    [l2 * p.x, l3 * p.y, l2, l3]
                })
                .collect();
            let arr = |k: usize| -> [[u64; 4]; 8] { core::array::from_fn(|l| limbs(&coords[l][k])) };
            let got = to_jacobian8(&arr(0), &arr(1), &arr(2), &arr(3)).expect("valid lanes");
            for (l, c) in coords.iter().enumerate() {
                let word: Vec<u8> = c.iter().flat_map(|x| limbs(x).into_iter().flat_map(u64::to_le_bytes)).collect();
                let want = word_to_point(&word).unwrap();
                assert_eq!((limbs(&got[l].x), limbs(&got[l].y), limbs(&got[l].z)), (limbs(&want.x), limbs(&want.y), limbs(&want.z)), "lane {l}");
            }
            // ZZZ of another scaling in lanes 2 and 5: exactly those lanes flagged.
            let mut zzz = arr(3);
            for l in [2, 5] {
                zzz[l] = limbs(&(coords[l][3] * Fq::from(3u64)));
            }
            assert_eq!(to_jacobian8(&arr(0), &arr(1), &arr(2), &zzz).unwrap_err(), 0b0010_0100);
        }
    }
}
