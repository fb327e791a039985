//! Polynomials: evaluation domains, coefficient-form helpers and KZG.

pub mod domain;
pub mod kzg;

pub use domain::Domain;

use ark_ff::{Field, Zero};
use rayon::prelude::*;

use crate::Fr;

/// Evaluates a polynomial in coefficient form (lowest degree first) at `x` (parallel Horner over
/// chunks for large inputs).
pub fn evaluate(coeffs: &[Fr], x: Fr) -> Fr {
    const CHUNK: usize = 1 << 12;
    if coeffs.len() <= CHUNK {
        return coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c);
    }
    let x_chunk = x.pow([CHUNK as u64]);
    let partial: Vec<Fr> = coeffs
        .par_chunks(CHUNK)
        .map(|c| c.iter().rev().fold(Fr::zero(), |acc, v| acc * x + v))
        .collect();
    partial.iter().rev().fold(Fr::zero(), |acc, p| acc * x_chunk + p)
}

/// Divides `p(X)` by `(X − z)`: returns the quotient `q` with `p(X) = q(X)(X − z) + p(z)`
/// (synthetic division; the remainder `p(z)` is dropped).
pub fn divide_by_linear(p: &[Fr], z: Fr) -> Vec<Fr> {
    if p.len() <= 1 {
        return vec![];
    }
    let mut q = vec![Fr::zero(); p.len() - 1];
    let mut carry = Fr::zero();
    for i in (1..p.len()).rev() {
        carry = p[i] + carry * z;
        q[i - 1] = carry;
    }
    q
}

/// `acc += scale · p` (extending `acc` with zeros if `p` is longer).
pub fn add_scaled(acc: &mut Vec<Fr>, scale: Fr, p: &[Fr]) {
    if acc.len() < p.len() {
        acc.resize(p.len(), Fr::zero());
    }
    acc.par_iter_mut().zip(p.par_iter()).for_each(|(a, b)| *a += scale * b);
}

/// The powers `1, x, x², …, x^{count−1}`.
pub fn powers(x: Fr, count: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(count);
    let mut cur = Fr::from(1u64);
    for _ in 0..count {
        out.push(cur);
        cur *= x;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{univariate::DensePolynomial, DenseUVPolynomial, Polynomial};
    use zkaccel_testkit::seed::TestRng;

    #[test]
    fn evaluate_and_divide_match_arkworks() {
        let mut rng = TestRng::for_test("poly::evaluate_and_divide_match_arkworks");
        for len in [0usize, 1, 2, 17, 5000, 9000] {
            let c: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            let z = Fr::rand(&mut rng);
            let ark = DensePolynomial::from_coefficients_vec(c.clone());
            assert_eq!(evaluate(&c, z), ark.evaluate(&z), "len {len}");
            let q = divide_by_linear(&c, z);
            // q(X)(X - z) + p(z) == p(X), checked at a random point.
            let x = Fr::rand(&mut rng);
            assert_eq!(evaluate(&q, x) * (x - z) + evaluate(&c, z), evaluate(&c, x), "len {len}");
        }
    }
}
