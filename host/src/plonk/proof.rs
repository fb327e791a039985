//! The proof and its versioned, checked encoding.
//!
//! Encoding (`ZKPF`, version 4 — version 4 adds, after the lookup evaluations, the projection
//! running-sum commitments and their evaluations): magic, `u32` version, then — each a `u32` count followed by the
//! elements in [`crate::codec`] form (G1: 64 bytes, Fr: 32 bytes) — the advice commitments, the
//! permutation-product commitments (one per chunk), the quotient-piece commitments, (new in
//! version 2) the lookup multiplicity commitments, running-sum commitments and lookup evaluations
//! (m(ζ), φ(ζ), φ(ζω) per lookup), the advice, fixed, σ and Z evaluations, and the opening
//! witnesses (version 3: the permutation part holds Z and the partial products π_c, with the
//! evaluations Z(ζ), Z(ζω), π_1(ζ) … — the layout of the lists is that of version 2). Nothing may
//! follow. Counts are checked against
//! the verifying key when verifying.

use crate::codec::{Reader, Writer};
use crate::error::{DecodeError, Result};
use crate::transcript::Transcript;
use crate::{Fr, G1Affine};

use super::absorb_scalars;

pub const PROOF_MAGIC: &[u8; 4] = b"ZKPF";
pub const PROOF_VERSION: u32 = 4;
const MAX_ITEMS: usize = 1 << 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    pub advice_commitments: Vec<G1Affine>,
    pub permutation_commitments: Vec<G1Affine>,
    pub quotient_commitments: Vec<G1Affine>,
    /// One per advice query, in `ConstraintSystem::queries()` order.
    pub advice_evals: Vec<Fr>,
    /// One per fixed query.
    pub fixed_evals: Vec<Fr>,
    /// σ_j(ζ) per permutation column.
    pub sigma_evals: Vec<Fr>,
    /// Z(ζ), Z(ζω), then π_c(ζ) for chunks c = 1 … C − 1 (empty without copy constraints).
    pub z_evals: Vec<Fr>,
    /// One KZG witness per distinct opening point.
    pub opening_witnesses: Vec<G1Affine>,
    /// Per lookup: the multiplicity column m_l (round 1).
    pub lookup_m_commitments: Vec<G1Affine>,
    /// Per lookup: the running sum φ_l (round 2).
    pub lookup_phi_commitments: Vec<G1Affine>,
    /// Per lookup: m_l(ζ), φ_l(ζ), φ_l(ζω).
    pub lookup_evals: Vec<Fr>,
    /// The projection running sum φ (round 2; empty without projections).
    pub projection_phi_commitments: Vec<G1Affine>,
    /// φ(ζ), φ(ζω) (empty without projections).
    pub projection_evals: Vec<Fr>,
}

impl Proof {
    /// Absorbs the evaluations (round 4), in encoding order.
    pub(crate) fn absorb_evals(&self, t: &mut Transcript) {
        absorb_scalars(t, b"eval_advice", &self.advice_evals);
        absorb_scalars(t, b"eval_fixed", &self.fixed_evals);
        absorb_scalars(t, b"eval_sigma", &self.sigma_evals);
        absorb_scalars(t, b"eval_z", &self.z_evals);
        absorb_scalars(t, b"eval_lookup", &self.lookup_evals);
        absorb_scalars(t, b"eval_projection", &self.projection_evals);
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(PROOF_MAGIC);
        w.u32(PROOF_VERSION);
        w.g1s(&self.advice_commitments);
        w.g1s(&self.permutation_commitments);
        w.g1s(&self.quotient_commitments);
        w.g1s(&self.lookup_m_commitments);
        w.g1s(&self.lookup_phi_commitments);
        w.frs(&self.lookup_evals);
        w.g1s(&self.projection_phi_commitments);
        w.frs(&self.projection_evals);
        w.frs(&self.advice_evals);
        w.frs(&self.fixed_evals);
        w.frs(&self.sigma_evals);
        w.frs(&self.z_evals);
        w.g1s(&self.opening_witnesses);
        w.bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        r.magic(PROOF_MAGIC, "proof")?;
        let version = r.u32("proof version")?;
        if version != PROOF_VERSION {
            return Err(DecodeError::UnsupportedVersion { what: "proof", found: version, supported: PROOF_VERSION }.into());
        }
        let advice_commitments = r.g1s("advice commitment", MAX_ITEMS)?;
        let permutation_commitments = r.g1s("permutation commitment", MAX_ITEMS)?;
        let quotient_commitments = r.g1s("quotient commitment", MAX_ITEMS)?;
        let lookup_m_commitments = r.g1s("lookup multiplicity commitment", MAX_ITEMS)?;
        let lookup_phi_commitments = r.g1s("lookup running-sum commitment", MAX_ITEMS)?;
        let lookup_evals = r.frs("lookup evaluation", MAX_ITEMS)?;
        let projection_phi_commitments = r.g1s("projection running-sum commitment", MAX_ITEMS)?;
        let projection_evals = r.frs("projection evaluation", MAX_ITEMS)?;
        let proof = Proof {
            projection_phi_commitments,
            projection_evals,
            advice_commitments,
            permutation_commitments,
            quotient_commitments,
            lookup_m_commitments,
            lookup_phi_commitments,
            lookup_evals,
            advice_evals: r.frs("advice evaluation", MAX_ITEMS)?,
            fixed_evals: r.frs("fixed evaluation", MAX_ITEMS)?,
            sigma_evals: r.frs("sigma evaluation", MAX_ITEMS)?,
            z_evals: r.frs("Z evaluation", MAX_ITEMS)?,
            opening_witnesses: r.g1s("opening witness", MAX_ITEMS)?,
        };
        r.finish("proof")?;
        Ok(proof)
    }

    /// The encoded size in bytes.
    pub fn size_bytes(&self) -> usize {
        self.to_bytes().len()
    }
}
