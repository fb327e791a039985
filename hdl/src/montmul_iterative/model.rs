//! Golden models of the Montgomery multiplier.
//!
//! * [`mont_mul`]: the definition, `a·b·2^-256 mod p` on integers;
//! * [`mont_mul_ark`]: arkworks multiplication on wire-format values (the wire value of `x·y` is
//!   `x̃·ỹ·R^-1`, which is what the hardware computes);
//! * [`digit_serial_trace`]: the hardware's algorithm step by step (the accumulator after every
//!   phase), printed by the tests when the RTL disagrees, to show where it went wrong.

use crate::field::{from_wire, to_wire, Bn254Field};
use num_bigint::BigUint;

/// `−p^-1 mod 2^16` for an odd `p`.
pub fn neg_inv_mod_2_16(p: &BigUint) -> u64 {
    let p0 = p.iter_u64_digits().next().unwrap_or(0) & 0xffff;
    assert!(p0 & 1 == 1, "modulus must be odd");
    // Newton iteration for the inverse modulo 2^16.
    let mut inv: u64 = 1;
    for _ in 0..5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(inv))) & 0xffff;
    }
    debug_assert_eq!((inv * p0) & 0xffff, 1);
    (0x1_0000 - inv) & 0xffff
}

/// `a·b·2^-256 mod p`.
pub fn mont_mul(a: &BigUint, b: &BigUint, p: &BigUint) -> BigUint {
    let r_inv = (BigUint::from(1u32) << 256u32)
        .modinv(p)
        .expect("2^256 is invertible modulo an odd p");
    (a * b % p) * r_inv % p
}

/// The same product through arkworks, on 32-byte wire values of a BN254 field.
pub fn mont_mul_ark(field: Bn254Field, a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    fn run<P: ark_ff::MontConfig<4>>(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
        let x = from_wire::<P>(a).expect("canonical operand");
        let y = from_wire::<P>(b).expect("canonical operand");
        to_wire(&(x * y))
    }
    match field {
        Bn254Field::Fr => run::<ark_bn254::FrConfig>(a, b),
        Bn254Field::Fq => run::<ark_bn254::FqConfig>(a, b),
    }
}

/// The accumulator `T` after each phase (A then B for each of the 16 digits), then the result.
pub fn digit_serial_trace(a: &BigUint, b: &BigUint, p: &BigUint) -> Vec<BigUint> {
    let p_inv = BigUint::from(neg_inv_mod_2_16(p));
    let mask = BigUint::from(0xffffu32);
    let mut t = BigUint::default();
    let mut trace = Vec::with_capacity(33);
    for i in 0..16u32 {
        let digit = (a >> (16 * i)) & &mask;
        t += digit * b;
        trace.push(t.clone());
        let m = ((&t & &mask) * &p_inv) & &mask;
        t = (t + m * p) >> 16u32;
        trace.push(t.clone());
    }
    assert!(&t < &(p * 2u32), "invariant T < 2p");
    if &t >= p {
        t -= p;
    }
    trace.push(t);
    trace
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_serial_algorithm_equals_definition() {
        let p = Bn254Field::Fq.modulus();
        let cases = [
            (BigUint::from(0u32), BigUint::from(5u32)),
            (&p - 1u32, &p - 1u32),
            (BigUint::from(1u32) << 253u32, &p - 2u32),
            (BigUint::from(0x1234_5678u32), BigUint::from(0x9abc_def0u32)),
        ];
        for (a, b) in cases {
            let trace = digit_serial_trace(&a, &b, &p);
            assert_eq!(trace.last().unwrap(), &mont_mul(&a, &b, &p));
        }
    }

    #[test]
    fn ark_model_agrees_with_definition() {
        for field in Bn254Field::ALL {
            let p = field.modulus();
            let a = &p - 12345u32;
            let b = (BigUint::from(1u32) << 250u32) + 3u32;
            let mut aw = a.to_bytes_le();
            aw.resize(32, 0);
            let mut bw = b.to_bytes_le();
            bw.resize(32, 0);
            let got = mont_mul_ark(field, &aw.try_into().unwrap(), &bw.try_into().unwrap());
            assert_eq!(BigUint::from_bytes_le(&got), mont_mul(&a, &b, &p));
        }
    }

    #[test]
    fn neg_inverse() {
        for field in Bn254Field::ALL {
            let p = field.modulus();
            let pinv = neg_inv_mod_2_16(&p);
            assert_eq!(((&p * pinv) + 1u32) % 65536u32, BigUint::default());
        }
    }
}
