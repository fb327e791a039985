//! The Lagrange form of the SRS for a domain H of size n: `[L_0(τ)]₁`, …, `[L_{n−1}(τ)]₁`, where L_i
//! is the Lagrange polynomial of H at ω^i. Committing to a column given by its values y_i is then
//! Σ y_i·`[L_i(τ)]₁` — no interpolation, and small quantized values make small-scalar MSMs.
//!
//! Computed once per domain size as an inverse FFT in the group over `[τ^0]₁` … `[τ^{n−1}]₁`
//! (since L_i(X) = (1/n) Σ_j ω^{−ij} X^j). An insecure development SRS, which knows τ, computes
//! L_i(τ) as scalars and multiplies the generator instead (much faster at large n); a test checks
//! that both give the same points.

use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{CurveGroup, PrimeGroup};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

use super::Srs;
use crate::error::{Error, Result};
use crate::poly::Domain;
use crate::{Fr, G1Affine, G1Projective};

impl Srs {
    /// The Lagrange basis of the domain of size 2^k, computed once per size and cached.
    pub fn lagrange_basis(&self, k: u32) -> Result<Vec<G1Affine>> {
        if let Some(b) = self.lagrange_cache.lock().expect("cache lock").get(&k) {
            return Ok(b.as_ref().clone());
        }
        let b = self.compute_lagrange_basis(k)?;
        self.lagrange_cache.lock().expect("cache lock").insert(k, std::sync::Arc::new(b.clone()));
        Ok(b)
    }

    fn compute_lagrange_basis(&self, k: u32) -> Result<Vec<G1Affine>> {
        let domain = Domain::new(k)?;
        let n = domain.n;
        if n > self.g1_powers.len() {
            return Err(Error::Srs(format!(
                "a domain of size {n} needs {n} powers of τ, the SRS has {}",
                self.g1_powers.len()
            )));
        }
        match self.dev_trapdoor {
            Some(tau) => {
                let evals = domain.lagrange_evals(tau, n).ok_or_else(|| Error::Srs("τ lies in the domain".into()))?;
                let table = BatchMulPreprocessing::new(G1Projective::generator(), n);
                Ok(table.batch_mul(&evals))
            }
            None => Ok(lagrange_by_group_fft(&self.g1_powers[..n])),
        }
    }
}

/// `[L_i(τ)]₁` from `[τ^j]₁` (j < n) by an inverse FFT over G1.
pub fn lagrange_by_group_fft(monomial: &[G1Affine]) -> Vec<G1Affine> {
    let n = monomial.len();
    let ark_domain = Radix2EvaluationDomain::<Fr>::new(n).expect("power-of-two size");
    let mut v: Vec<G1Projective> = monomial.iter().map(|p| (*p).into()).collect();
    ark_domain.ifft_in_place(&mut v);
    G1Projective::normalize_batch(&v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::VariableBaseMSM;
    use ark_ff::UniformRand;
    use zkaccel_testkit::seed::TestRng;

    #[test]
    fn trapdoor_and_group_fft_agree_and_commitments_match_monomial_form() {
        let mut rng = TestRng::for_test("lagrange::trapdoor_and_group_fft_agree");
        let srs = Srs::insecure_dev(40, &mut rng).unwrap();
        srs.verify(&mut rng).unwrap();
        for k in [1u32, 2, 5] {
            let n = 1usize << k;
            let direct = srs.lagrange_basis(k).unwrap();
            assert_eq!(direct, lagrange_by_group_fft(&srs.g1_powers()[..n]), "2^{k}");
            // Σ y_i [L_i(τ)] = Σ c_j [τ^j] where c = iFFT(y).
            let y: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let c = Radix2EvaluationDomain::<Fr>::new(n).unwrap().ifft(&y);
            assert_eq!(
                G1Projective::msm_unchecked(&direct, &y),
                G1Projective::msm_unchecked(&srs.g1_powers()[..n], &c)
            );
        }
        assert!(srs.lagrange_basis(6).is_err(), "64 > 41 powers");
        // Cached: a second call returns the same points.
        assert_eq!(srs.lagrange_basis(5).unwrap(), lagrange_by_group_fft(&srs.g1_powers()[..32]));
        let mut small = srs.clone();
        small.truncate(20).unwrap();
        assert!(small.lagrange_basis(5).is_err(), "a truncated SRS forgets larger domains");
    }
}
