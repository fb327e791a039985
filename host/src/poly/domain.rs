//! The multiplicative subgroup H = ⟨ω⟩ of size n = 2^k that indexes the rows of a circuit.

use ark_ff::{batch_inversion, FftField, Field, One, Zero};

use crate::error::{Error, Result};
use crate::Fr;

/// H = {1, ω, …, ω^{n−1}}, with the constants the prover and verifier need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    pub k: u32,
    pub n: usize,
    pub omega: Fr,
    pub omega_inv: Fr,
    pub n_inv: Fr,
}

impl Domain {
    /// The domain of size 2^k (1 ≤ k ≤ 28).
    pub fn new(k: u32) -> Result<Self> {
        if k == 0 || k > 28 {
            return Err(Error::Circuit(format!("domain size 2^{k} is outside 2^1..2^28")));
        }
        let n = 1usize << k;
        let omega = Fr::get_root_of_unity(n as u64).expect("2-adicity is 28");
        Ok(Self {
            k,
            n,
            omega,
            omega_inv: omega.inverse().expect("non-zero"),
            n_inv: Fr::from(n as u64).inverse().expect("non-zero"),
        })
    }

    /// ω^i.
    pub fn element(&self, i: usize) -> Fr {
        self.omega.pow([i as u64])
    }

    /// z·ω^rot (rot may be negative).
    pub fn rotate(&self, z: Fr, rot: i32) -> Fr {
        if rot >= 0 {
            z * self.omega.pow([rot as u64])
        } else {
            z * self.omega_inv.pow([(-(rot as i64)) as u64])
        }
    }

    /// Z_H(z) = z^n − 1.
    pub fn vanishing_eval(&self, z: Fr) -> Fr {
        z.pow([self.n as u64]) - Fr::one()
    }

    /// L_0(z), …, L_{count−1}(z) for z ∉ H, with L_i(z) = ω^i (z^n − 1) / (n (z − ω^i)).
    /// Returns `None` if z ∈ H.
    pub fn lagrange_evals(&self, z: Fr, count: usize) -> Option<Vec<Fr>> {
        let zh = self.vanishing_eval(z);
        if zh.is_zero() {
            return None;
        }
        let mut w = Fr::one();
        let mut den = Vec::with_capacity(count);
        let mut num = Vec::with_capacity(count);
        for _ in 0..count {
            den.push(z - w);
            num.push(w);
            w *= self.omega;
        }
        batch_inversion(&mut den);
        let c = zh * self.n_inv;
        Some(num.iter().zip(&den).map(|(w, d)| *w * d * c).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use zkaccel_testkit::seed::TestRng;

    #[test]
    fn matches_arkworks_domain() {
        let mut rng = TestRng::for_test("domain::matches_arkworks_domain");
        for k in [1u32, 3, 10] {
            let d = Domain::new(k).unwrap();
            let ark = Radix2EvaluationDomain::<Fr>::new(1 << k).unwrap();
            assert_eq!(d.omega, ark.group_gen());
            let z = Fr::rand(&mut rng);
            assert_eq!(d.vanishing_eval(z), ark.evaluate_vanishing_polynomial(z));
            assert_eq!(d.lagrange_evals(z, d.n).unwrap(), ark.evaluate_all_lagrange_coefficients(z));
            assert_eq!(d.rotate(d.rotate(z, 3), -3), z);
            assert!(d.lagrange_evals(d.element(2), 4).is_none());
        }
        assert!(Domain::new(0).is_err() && Domain::new(29).is_err());
    }
}

#[cfg(test)]
mod last_lagrange_tests {
    use super::*;
    use ark_ff::UniformRand;
    use zkaccel_testkit::seed::TestRng;

    #[test]
    fn last_lagrange_is_first_lagrange_at_the_next_point() {
        // The identity the verifier uses for L_{n−1}(ζ) in the chunked permutation argument.
        let mut rng = TestRng::for_test("domain::last_lagrange_is_first_lagrange_at_the_next_point");
        let d = Domain::new(4).unwrap();
        let z = Fr::rand(&mut rng);
        assert_eq!(d.lagrange_evals(z, d.n).unwrap()[d.n - 1], d.lagrange_evals(d.rotate(z, 1), 1).unwrap()[0]);
    }
}
