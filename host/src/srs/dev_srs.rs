//! A locally generated SRS for development and benchmarks. **INSECURE**: the process that runs
//! this knows τ and could forge proofs. It exists because the only ceremony file shipped here
//! (snarkjs, 2^10) covers n ≤ 1024; a real deployment loads a large `.ptau` instead.

use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use rand::{CryptoRng, RngCore};

use super::{Srs, SrsSource};
use crate::error::{Error, Result};
use crate::poly::powers;
use crate::{Fr, G1Projective, G2Projective};

impl Srs {
    /// Generates an INSECURE development SRS supporting degree `max_degree`, with τ drawn from
    /// `rng` (pass a seeded generator for reproducible benches).
    pub fn insecure_dev(max_degree: usize, rng: &mut (impl RngCore + CryptoRng)) -> Result<Self> {
        if !(1..=(1 << 28)).contains(&max_degree) {
            return Err(Error::Srs(format!("development SRS degree {max_degree} out of range")));
        }
        let tau = loop {
            let t = Fr::rand(rng);
            if !ark_ff::Zero::is_zero(&t) {
                break t;
            }
        };
        let pw = powers(tau, max_degree + 1);
        let g = G1Projective::generator();
        let table = BatchMulPreprocessing::new(g, pw.len());
        let g1_powers = table.batch_mul(&pw);
        let g2 = G2Projective::generator();
        let mut srs = Srs::from_parts(g1_powers, g2.into_affine(), (g2 * tau).into_affine(), SrsSource::InsecureDev);
        srs.dev_trapdoor = Some(tau);
        Ok(srs)
    }
}
