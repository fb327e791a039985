//! Operands for testing field arithmetic: hand-picked edge cases and uniform random elements.
//!
//! Values are wire-format integers (`< p`). The edge cases cover the ends of the range, the
//! Montgomery images of 0, 1 and −1, and the carry/borrow boundaries of the 64-bit and 16-bit
//! limbs that the RTL splits operands into.

use crate::field::Bn254Field;
use num_bigint::BigUint;
use rand::RngCore;

/// Edge-case operands for `field`, all reduced and distinct.
pub fn edge_cases(field: Bn254Field) -> Vec<BigUint> {
    let p = field.modulus();
    let one = BigUint::from(1u32);
    let r = (&one << 256u32) % &p; // wire value of 1
    let mut v = vec![
        BigUint::default(),
        one.clone(),
        BigUint::from(2u32),
        &p - 1u32,
        &p - 2u32,
        &p >> 1u32,
        (&p >> 1u32) + 1u32,
        r.clone(),
        &p - &r, // wire value of −1
        (&one << 253u32) - 1u32,
        &one << 253u32,
        (&one << 253u32) + 1u32,
    ];
    for bits in [16u32, 32, 64, 128, 192, 240] {
        v.push((&one << bits) - 1u32);
        v.push(&one << bits);
    }
    // p with its low limbs cleared or set: borrows and carries that cross limb boundaries.
    for bits in [64u32, 128, 192] {
        let mask = (&one << bits) - 1u32;
        v.push(&p - (&p & &mask) - 1u32);
        v.push(&p - 1u32 - (&mask & (&p - 1u32)) + (&mask >> 1u32));
    }
    v.retain(|x| x < &p);
    v.sort();
    v.dedup();
    v
}

/// A uniform random element `< p` (rejection sampling on 254-bit integers).
pub fn random_element(field: Bn254Field, rng: &mut impl RngCore) -> BigUint {
    let p = field.modulus();
    loop {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        bytes[31] &= 0x3f; // 254 bits
        let x = BigUint::from_bytes_le(&bytes);
        if x < p {
            return x;
        }
    }
}

/// Every ordered pair of edge cases, then `random` uniform pairs.
pub fn operand_pairs(field: Bn254Field, random: usize, rng: &mut impl RngCore) -> Vec<(BigUint, BigUint)> {
    let edges = edge_cases(field);
    let mut pairs = Vec::with_capacity(edges.len() * edges.len() + random);
    for a in &edges {
        for b in &edges {
            pairs.push((a.clone(), b.clone()));
        }
    }
    for _ in 0..random {
        pairs.push((random_element(field, rng), random_element(field, rng)));
    }
    pairs
}

/// The 32-byte wire encoding of a reduced integer.
pub fn to_wire_bytes(x: &BigUint) -> [u8; 32] {
    let mut b = x.to_bytes_le();
    assert!(b.len() <= 32);
    b.resize(32, 0);
    b.try_into().expect("32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_cases_are_reduced_and_include_the_ends() {
        for f in Bn254Field::ALL {
            let p = f.modulus();
            let e = edge_cases(f);
            assert!(e.len() > 25);
            assert!(e.iter().all(|x| x < &p));
            assert!(e.contains(&(&p - 1u32)) && e.contains(&BigUint::default()));
        }
    }
}
