//! KZG polynomial commitments over BN254: commitments are G1 MSMs computed by a
//! [`crate::backend::Backend`] (Lagrange basis for witness columns, monomial basis for quotient
//! pieces and opening witnesses); openings are batched ([`multiopen`]).

pub mod multiopen;

use crate::{G1Affine, G2Affine};

/// What a verifier needs from the SRS: `[1]₁`, `[1]₂` and `[τ]₂`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierSrs {
    pub g1: G1Affine,
    pub g2: G2Affine,
    pub tau_g2: G2Affine,
}
