//! The points at which a prover may deviate from the protocol, as hooks on the honest prover.
//!
//! The honest prover runs with [`Honest`] (every hook a no-op). The soundness tests run it with
//! adversaries (`plonk::malicious`, built with the `test-utils` feature) that replace, after
//! seeing the transcript so far, any committed column (advice, multiplicities, grand product and
//! partial products, running sums), the quotient pieces, the claimed evaluations or the opening
//! witnesses. Everything the adversary changes is then committed, absorbed and opened exactly as
//! the honest prover would, so the verifier sees a proof that is well formed in every respect
//! but the one the adversary chose.

use super::proof::Proof;
use super::verifier::Challenges;
use crate::{Fr, G1Affine};

/// A committed witness-dependent polynomial of a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolyId {
    /// Advice column j.
    Advice(usize),
    /// Permutation polynomial of chunk c (0: the grand product Z; c ≥ 1: the partial product π_c).
    Permutation(usize),
    /// The multiplicities of lookup l.
    LookupM(usize),
    /// The running sum of lookup l.
    LookupPhi(usize),
    /// The projection's running sum.
    ProjectionPhi,
}

/// Hooks on the prover's rounds. `ch` holds the challenges squeezed so far (later ones are zero).
/// Values "on H" are the column's values on the rows ω^0 … ω^{n−1}, before blinding.
pub trait Adversary {
    /// Round 1: the advice columns on H (changing them is a wrong witness).
    fn advice(&mut self, _values: &mut [Vec<Fr>]) {}
    /// Round 1: each lookup's multiplicities on H, after the advice commitments.
    fn multiplicities(&mut self, _ch: &Challenges, _m: &mut [Vec<Fr>]) {}
    /// Round 2: [Z, π_1, …, π_{C−1}] on H, after β, γ (and θ, β_L).
    fn products(&mut self, _ch: &Challenges, _z: &mut [Vec<Fr>]) {}
    /// Round 2: each lookup's running sum on H, after θ, β_L.
    fn running_sums(&mut self, _ch: &Challenges, _phi: &mut [Vec<Fr>]) {}
    /// Round 2: the prover's T = Σ r_j·b_j, after ρ (changing it is proving with biases other
    /// than the key's; the running sum and the quotient use the changed value).
    fn projection_total(&mut self, _ch: &Challenges, _total: &mut Fr) {}
    /// Round 2: the projection's running sum on H, after ρ.
    fn projection_sum(&mut self, _ch: &Challenges, _phi: &mut [Fr]) {}
    /// Round 3: the blinded quotient pieces t'_i (coefficients), after α.
    fn quotient(&mut self, _ch: &Challenges, _pieces: &mut [Vec<Fr>]) {}
    /// Round 4: the claimed evaluations, after ζ: `proof` holds every commitment and evaluation
    /// (no opening witnesses yet); `t_at_zeta` is the committed quotient's value at ζ. Changing a
    /// commitment here breaks the transcript, as it would for a real prover.
    fn evaluations(&mut self, _ch: &Challenges, _t_at_zeta: Fr, _proof: &mut Proof) {}
    /// Round 5: the opening witnesses (one per distinct point), after v.
    fn openings(&mut self, _ch: &Challenges, _witnesses: &mut [G1Affine]) {}
    /// Every committed witness polynomial as committed (coefficients, blinding included).
    fn committed(&mut self, _poly: PolyId, _coeffs: &[Fr]) {}
}

/// The honest prover: no deviation.
pub(crate) struct Honest;

impl Adversary for Honest {}
