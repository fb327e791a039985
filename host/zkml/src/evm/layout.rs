//! The EVM encoding of a proof: every part as 32-byte big-endian words (an EVM word each), in
//! transcript order, with no counts (the verifying key fixes every count) — unlike the Rust
//! encoding (`ZKPF`, little-endian field elements with `u32` counts).
//!
//! ```text
//! commitments (G1: x ‖ y, infinity = 64 zero bytes), in the order the transcript absorbs them:
//!   advice, lookup multiplicities, permutation products, lookup running sums,
//!   projection running sum, quotient pieces
//! evaluations (Fr): advice, fixed, σ, Z, lookup, projection
//! opening witnesses (G1), one per distinct opening point
//! ```

use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use zkaccel::plonk::{opening_list, Proof, VerifyingKey};
use zkaccel::{Fq, Fr, G1Affine};

/// Where each part of a proof sits in its EVM encoding (byte offsets) and how many items it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofLayout {
    pub advice: usize,
    pub lookup_m: usize,
    pub permutation: usize,
    pub lookup_phi: usize,
    pub projection_phi: usize,
    pub quotient: usize,
    pub advice_evals: usize,
    pub fixed_evals: usize,
    pub sigma_evals: usize,
    pub z_evals: usize,
    pub lookup_evals: usize,
    pub projection_evals: usize,
    pub witnesses: usize,
}

/// A part's byte offset in the encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offsets {
    pub advice: usize,
    pub lookup_m: usize,
    pub permutation: usize,
    pub lookup_phi: usize,
    pub projection_phi: usize,
    pub quotient: usize,
    /// Start of the evaluations (advice first).
    pub evals: usize,
    pub witnesses: usize,
    pub end: usize,
}

impl ProofLayout {
    /// The counts a proof under `vk` has.
    pub fn of(vk: &VerifyingKey) -> Self {
        let cs = vk.cs();
        let shape = vk.shape();
        let q = cs.queries();
        let chunks = shape.perm_chunks;
        let l = cs.lookups.len();
        let p = usize::from(zkaccel::plonk::projection::any(cs));
        let mut rotations: Vec<i32> = vec![];
        for (_, r) in opening_list(cs, shape) {
            if !rotations.contains(&r) {
                rotations.push(r);
            }
        }
        Self {
            advice: cs.num_advice,
            lookup_m: l,
            permutation: chunks,
            lookup_phi: l,
            projection_phi: p,
            quotient: shape.num_pieces,
            advice_evals: q.advice.len(),
            fixed_evals: q.fixed.len(),
            sigma_evals: cs.permutation.len(),
            z_evals: if chunks == 0 { 0 } else { chunks + 1 },
            lookup_evals: 3 * l,
            projection_evals: 2 * p,
            witnesses: rotations.len(),
        }
    }

    pub fn commitments(&self) -> usize {
        self.advice + self.lookup_m + self.permutation + self.lookup_phi + self.projection_phi + self.quotient
    }

    pub fn evals(&self) -> usize {
        self.advice_evals + self.fixed_evals + self.sigma_evals + self.z_evals + self.lookup_evals + self.projection_evals
    }

    pub fn offsets(&self) -> Offsets {
        let advice = 0;
        let lookup_m = advice + 64 * self.advice;
        let permutation = lookup_m + 64 * self.lookup_m;
        let lookup_phi = permutation + 64 * self.permutation;
        let projection_phi = lookup_phi + 64 * self.lookup_phi;
        let quotient = projection_phi + 64 * self.projection_phi;
        let evals = quotient + 64 * self.quotient;
        let witnesses = evals + 32 * self.evals();
        Offsets { advice, lookup_m, permutation, lookup_phi, projection_phi, quotient, evals, witnesses, end: witnesses + 64 * self.witnesses }
    }

    /// The encoded length in bytes.
    pub fn len(&self) -> usize {
        self.offsets().end
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `proof` has this layout's counts.
    pub fn matches(&self, proof: &Proof) -> bool {
        *self
            == Self {
                advice: proof.advice_commitments.len(),
                lookup_m: proof.lookup_m_commitments.len(),
                permutation: proof.permutation_commitments.len(),
                lookup_phi: proof.lookup_phi_commitments.len(),
                projection_phi: proof.projection_phi_commitments.len(),
                quotient: proof.quotient_commitments.len(),
                advice_evals: proof.advice_evals.len(),
                fixed_evals: proof.fixed_evals.len(),
                sigma_evals: proof.sigma_evals.len(),
                z_evals: proof.z_evals.len(),
                lookup_evals: proof.lookup_evals.len(),
                projection_evals: proof.projection_evals.len(),
                witnesses: proof.opening_witnesses.len(),
            }
    }
}

/// 32-byte big-endian word of a scalar.
pub fn fr_word(x: &Fr) -> [u8; 32] {
    x.into_bigint().to_bytes_be().try_into().expect("32 bytes")
}

/// 32-byte big-endian word of a base-field element.
pub fn fq_word(x: &Fq) -> [u8; 32] {
    x.into_bigint().to_bytes_be().try_into().expect("32 bytes")
}

/// x ‖ y as two words; the point at infinity as 64 zero bytes (the precompiles' convention).
pub fn g1_words(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_word(&x));
        out[32..].copy_from_slice(&fq_word(&y));
    }
    out
}

/// The EVM encoding of a proof (see the module documentation).
pub fn encode_proof(proof: &Proof) -> Vec<u8> {
    let mut out = Vec::new();
    let points = |out: &mut Vec<u8>, ps: &[G1Affine]| ps.iter().for_each(|p| out.extend_from_slice(&g1_words(p)));
    let scalars = |out: &mut Vec<u8>, xs: &[Fr]| xs.iter().for_each(|x| out.extend_from_slice(&fr_word(x)));
    points(&mut out, &proof.advice_commitments);
    points(&mut out, &proof.lookup_m_commitments);
    points(&mut out, &proof.permutation_commitments);
    points(&mut out, &proof.lookup_phi_commitments);
    points(&mut out, &proof.projection_phi_commitments);
    points(&mut out, &proof.quotient_commitments);
    scalars(&mut out, &proof.advice_evals);
    scalars(&mut out, &proof.fixed_evals);
    scalars(&mut out, &proof.sigma_evals);
    scalars(&mut out, &proof.z_evals);
    scalars(&mut out, &proof.lookup_evals);
    scalars(&mut out, &proof.projection_evals);
    points(&mut out, &proof.opening_witnesses);
    out
}
