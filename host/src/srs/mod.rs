//! The universal, updatable SRS: powers `[τ^i]₁` for i ≤ d, plus `[1]₂` and `[τ]₂`.
//!
//! Two sources:
//! * [`ptau`]: a snarkjs Powers-of-Tau file (BN254). Every point is checked on load (on the curve;
//!   G2 also in the subgroup), the generators are the standard ones, and the τ powers are
//!   consistent: e(Σρ_i`[τ^i]₁`, `[τ]₂`) = e(Σρ_i`[τ^{i+1}]₁`, `[1]₂`) for fresh random ρ.
//! * [`dev_srs`]: a locally generated SRS whose τ is known to the process that made it —
//!   **INSECURE**, for development and benchmarks at sizes no ceremony file here covers.
//!
//! [`lagrange`] turns the first n powers into the Lagrange basis `[L_i(τ)]₁` of a domain of size n,
//! so witness columns commit directly from their values.

pub mod dev_srs;
pub mod lagrange;
pub mod ptau;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
use rand::RngCore;

use crate::error::{Error, Result};
use crate::poly::kzg::VerifierSrs;
use crate::{Bn254, Fr, G1Affine, G1Projective, G2Affine};

/// Where an SRS came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SrsSource {
    /// A snarkjs `.ptau` ceremony file of the given power (2^power G2 powers).
    Ptau { power: u32 },
    /// Generated locally with a known τ: INSECURE, development only.
    InsecureDev,
}

/// A KZG structured reference string over BN254.
pub struct Srs {
    g1_powers: Vec<G1Affine>,
    g2: G2Affine,
    tau_g2: G2Affine,
    source: SrsSource,
    /// τ itself, kept only by an insecure development SRS (never serialized) so that its Lagrange
    /// bases can be computed directly instead of by a group FFT.
    dev_trapdoor: Option<Fr>,
    /// Lagrange bases computed so far, by log2 of the domain size (each computed once).
    lagrange_cache: Mutex<HashMap<u32, Arc<Vec<G1Affine>>>>,
}

impl Clone for Srs {
    fn clone(&self) -> Self {
        Self {
            g1_powers: self.g1_powers.clone(),
            g2: self.g2,
            tau_g2: self.tau_g2,
            source: self.source.clone(),
            dev_trapdoor: self.dev_trapdoor,
            lagrange_cache: Mutex::new(self.lagrange_cache.lock().expect("cache lock").clone()),
        }
    }
}

impl std::fmt::Debug for Srs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Srs")
            .field("max_degree", &self.max_degree())
            .field("source", &self.source)
            .field("insecure", &self.is_insecure())
            .finish()
    }
}

impl Srs {
    /// Builds an SRS from already-checked parts (used by the loaders).
    fn from_parts(g1_powers: Vec<G1Affine>, g2: G2Affine, tau_g2: G2Affine, source: SrsSource) -> Self {
        Self { g1_powers, g2, tau_g2, source, dev_trapdoor: None, lagrange_cache: Mutex::new(HashMap::new()) }
    }

    /// `[τ^0]₁`, …, `[τ^d]₁`.
    pub fn g1_powers(&self) -> &[G1Affine] {
        &self.g1_powers
    }

    /// The highest degree d a polynomial committed with this SRS may have.
    pub fn max_degree(&self) -> usize {
        self.g1_powers.len().saturating_sub(1)
    }

    pub fn source(&self) -> &SrsSource {
        &self.source
    }

    /// True for a development SRS whose τ is known: proofs made with it prove nothing.
    pub fn is_insecure(&self) -> bool {
        self.source == SrsSource::InsecureDev
    }

    /// The verifier's part.
    pub fn verifier_srs(&self) -> VerifierSrs {
        VerifierSrs { g1: self.g1_powers[0], g2: self.g2, tau_g2: self.tau_g2 }
    }

    /// Keeps only the powers up to `degree` (fails if the SRS is too small).
    pub fn truncate(&mut self, degree: usize) -> Result<()> {
        if degree > self.max_degree() {
            return Err(Error::Srs(format!(
                "the SRS supports degree {} but {degree} is needed",
                self.max_degree()
            )));
        }
        self.g1_powers.truncate(degree + 1);
        // Lagrange bases of domains larger than what is left no longer apply.
        self.lagrange_cache.lock().expect("cache lock").retain(|k, _| (1usize << k) <= degree + 1);
        Ok(())
    }

    /// Checks the structure of the SRS: standard generators, τ ≠ 0, and the consistency of every
    /// power, e(Σρ_i`[τ^i]₁`, `[τ]₂`) = e(Σρ_i`[τ^{i+1}]₁`, `[1]₂`) with fresh random ρ_i.
    pub fn verify(&self, rng: &mut impl RngCore) -> Result<()> {
        let g = &self.g1_powers;
        if g.len() < 2 {
            return Err(Error::Srs("an SRS needs at least [1]₁ and [τ]₁".into()));
        }
        if g[0] != G1Affine::generator() || self.g2 != G2Affine::generator() {
            return Err(Error::Srs("the SRS does not start from the standard BN254 generators".into()));
        }
        if g[1].is_zero() || self.tau_g2.is_zero() {
            return Err(Error::Srs("τ = 0".into()));
        }
        let rho: Vec<Fr> = (0..g.len() - 1).map(|_| Fr::rand(rng)).collect();
        let a = G1Projective::msm_unchecked(&g[..g.len() - 1], &rho);
        let b = G1Projective::msm_unchecked(&g[1..], &rho);
        let ok = Bn254::multi_pairing([a.into_affine(), (-b).into_affine()], [self.tau_g2, self.g2]).is_zero();
        if !ok {
            return Err(Error::Srs("the τ powers are inconsistent (pairing check failed)".into()));
        }
        Ok(())
    }
}
