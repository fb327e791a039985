//! The verifier: replays the transcript, evaluates the declared constraints at ζ from the proof's
//! evaluations (public inputs evaluated here), and checks every opening with one batched pairing
//! equation.

use std::collections::HashMap;


use super::circuit::{ColumnKind, Query};
use super::evaluation::{combined_constraints, PermutationAt};
use super::lookup::{self, LookupAt};
use super::projection::{self, ProjectionAt};
use super::{absorb_points, absorb_preamble, lookup_challenges, opening_list, permutation, projection_challenge, vanishing, Opened, Proof, VerifyingKey};
use crate::error::{Error, Result};
use crate::poly::kzg::multiopen::{self, VerifierQuery};
use crate::transcript::Transcript;
use crate::{Fr, G1Affine};

/// The Fiat–Shamir challenges of a proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Challenges {
    pub beta: Fr,
    pub gamma: Fr,
    pub alpha: Fr,
    pub zeta: Fr,
    pub v: Fr,
    pub u: Fr,
    /// The lookup tuple-compression challenge θ and the lookup challenge β_L (zero without
    /// lookups).
    pub theta: Fr,
    pub lookup_beta: Fr,
    /// The projection challenge ρ (zero without projections).
    pub rho: Fr,
}

/// Replays the transcript (the same stage functions as the prover).
pub fn derive_challenges(vk: &VerifyingKey, proof: &Proof, instances: &[Vec<Fr>]) -> Challenges {
    let mut t = Transcript::new();
    absorb_preamble(&mut t, vk, instances);
    absorb_points(&mut t, b"advice", &proof.advice_commitments);
    absorb_points(&mut t, b"lookup_m", &proof.lookup_m_commitments);
    let beta = t.challenge(b"beta");
    let gamma = t.challenge(b"gamma");
    let (theta, lookup_beta) = lookup_challenges(&mut t, vk.cs());
    let rho = projection_challenge(&mut t, vk.cs());
    absorb_points(&mut t, b"perm_z", &proof.permutation_commitments);
    absorb_points(&mut t, b"lookup_phi", &proof.lookup_phi_commitments);
    absorb_points(&mut t, b"projection_phi", &proof.projection_phi_commitments);
    let alpha = t.challenge(b"alpha");
    absorb_points(&mut t, b"quotient", &proof.quotient_commitments);
    let zeta = t.challenge(b"zeta");
    proof.absorb_evals(&mut t);
    let v = t.challenge(b"v");
    absorb_points(&mut t, b"opening", &proof.opening_witnesses);
    let u = t.challenge(b"u");
    Challenges { beta, gamma, alpha, zeta, v, u, theta, lookup_beta, rho }
}

fn reject(why: impl Into<String>) -> Error {
    Error::Verification(why.into())
}

/// Verifies a proof against a verifying key and the public inputs (one vector per instance
/// column, each at most n long; the values sit at rows 0, 1, …).
pub fn verify(vk: &VerifyingKey, proof: &Proof, instances: &[Vec<Fr>]) -> Result<()> {
    let cs = vk.cs();
    let shape = vk.shape();
    let domain = vk.domain();
    let queries = cs.queries();
    let list = opening_list(cs, shape);

    // Shapes.
    if instances.len() != cs.num_instance {
        return Err(reject(format!("{} public-input columns given, the circuit has {}", instances.len(), cs.num_instance)));
    }
    if let Some(c) = instances.iter().find(|c| c.len() > shape.n) {
        return Err(reject(format!("{} public inputs for {} rows", c.len(), shape.n)));
    }
    if proof.advice_commitments.len() != cs.num_advice
        || proof.quotient_commitments.len() != shape.num_pieces
        || proof.advice_evals.len() != queries.advice.len()
        || proof.fixed_evals.len() != queries.fixed.len()
    {
        return Err(reject("the proof does not have this verifying key's shape"));
    }
    permutation::verifier::check_shape(vk, proof)?;
    lookup::verifier::check_shape(vk, proof)?;
    projection::verifier::check_shape(vk, proof)?;
    // Decoded proofs are checked on decoding; an in-memory proof may hold unchecked points.
    let points = proof
        .advice_commitments
        .iter()
        .chain(&proof.permutation_commitments)
        .chain(&proof.quotient_commitments)
        .chain(&proof.opening_witnesses)
        .chain(&proof.lookup_m_commitments)
        .chain(&proof.lookup_phi_commitments)
        .chain(&proof.projection_phi_commitments);
    if points.clone().any(|p| !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve()) {
        return Err(reject("a proof point is not on the curve"));
    }

    let ch = derive_challenges(vk, proof, instances);
    let zeta = ch.zeta;
    let num_points = multiopen::distinct_points(list.iter().map(|(_, rot)| domain.rotate(zeta, *rot))).len();
    if proof.opening_witnesses.len() != num_points {
        return Err(reject("wrong number of opening witnesses"));
    }
    let t_eval = quotient_eval(vk, proof, instances, &ch)?;
    let t_commitment = vanishing::verifier::combined_terms(&proof.quotient_commitments, zeta, shape.piece_size);

    // The batched opening, in the shared order.
    let (mut ia, mut ifx, mut is) = (0, 0, 0);
    let vq: Vec<VerifierQuery> = list
        .iter()
        .map(|&(o, rot)| {
            let point = domain.rotate(zeta, rot);
            let (commitment, eval): (G1Affine, Fr) = match o {
                Opened::Advice(i) => {
                    ia += 1;
                    (proof.advice_commitments[queries.advice[i].column.index], proof.advice_evals[i])
                }
                Opened::Fixed(i) => {
                    ifx += 1;
                    (vk.fixed_commitments()[queries.fixed[i].column.index], proof.fixed_evals[i])
                }
                Opened::Sigma(j) => {
                    is += 1;
                    (vk.sigma_commitments()[j], proof.sigma_evals[j])
                }
                Opened::Z(c, r) => (proof.permutation_commitments[c], proof.z_evals[permutation::z_eval_index(c, r)]),
                Opened::LookupM(l) => (proof.lookup_m_commitments[l], proof.lookup_evals[3 * l]),
                Opened::LookupPhi(l, r) => (proof.lookup_phi_commitments[l], proof.lookup_evals[3 * l + 1 + r as usize]),
                Opened::ProjectionPhi(r) => (proof.projection_phi_commitments[0], proof.projection_evals[r as usize]),
                Opened::Quotient => return VerifierQuery { point, commitment: t_commitment.clone(), eval: t_eval },
            };
            VerifierQuery::single(point, commitment, eval)
        })
        .collect();
    debug_assert_eq!((ia, ifx, is), (queries.advice.len(), queries.fixed.len(), cs.permutation.len()));
    if !multiopen::verify(vk.srs(), &vq, &proof.opening_witnesses, ch.v, ch.u) {
        return Err(reject("the batched KZG opening check failed"));
    }
    Ok(())
}

/// The value t(ζ) = N(ζ)/Z_H(ζ) the quotient must open to, from the proof's evaluations and the
/// public inputs (the proof's shape already checked).
pub(crate) fn quotient_eval(vk: &VerifyingKey, proof: &Proof, instances: &[Vec<Fr>], ch: &Challenges) -> Result<Fr> {
    let cs = vk.cs();
    let shape = vk.shape();
    let domain = vk.domain();
    let queries = cs.queries();
    let zeta = ch.zeta;
    let zh = domain.vanishing_eval(zeta);
    let l0 = domain.lagrange_evals(zeta, 1).ok_or_else(|| reject("ζ lies in the domain"))?[0];

    // Public inputs at their query points.
    let mut instance_evals: HashMap<Query, Fr> = HashMap::new();
    for q in &queries.instance {
        let point = domain.rotate(zeta, q.rotation);
        let values = &instances[q.column.index];
        let lag = domain.lagrange_evals(point, values.len()).ok_or_else(|| reject("evaluation point lies in the domain"))?;
        instance_evals.insert(*q, values.iter().zip(&lag).map(|(x, l)| *x * l).sum());
    }
    let advice_idx: HashMap<Query, usize> = queries.advice.iter().enumerate().map(|(i, q)| (*q, i)).collect();
    let fixed_idx: HashMap<Query, usize> = queries.fixed.iter().enumerate().map(|(i, q)| (*q, i)).collect();
    let query = |q: Query| -> Fr {
        match q.column.kind {
            ColumnKind::Advice => proof.advice_evals[advice_idx[&q]],
            ColumnKind::Fixed => proof.fixed_evals[fixed_idx[&q]],
            ColumnKind::Instance => instance_evals[&q],
        }
    };
    let perm = (!cs.permutation.is_empty()).then_some(PermutationAt {
        chunk_len: shape.perm_chunk_len,
        sigma: |j: usize| proof.sigma_evals[j],
        z: |c: usize| proof.z_evals[permutation::z_eval_index(c, 0)],
        z_next: |c: usize| proof.z_evals[permutation::z_eval_index(c, 1)],
    });
    let shifts = permutation::shifts(cs.permutation.len());
    let lookups = (!cs.lookups.is_empty()).then_some(LookupAt {
        m: |l: usize| proof.lookup_evals[3 * l],
        phi: |l: usize| proof.lookup_evals[3 * l + 1],
        phi_next: |l: usize| proof.lookup_evals[3 * l + 2],
        theta: ch.theta,
        beta: ch.lookup_beta,
    });
    // The projection: T and c_a(ζ) from the key and ρ, computed here.
    let projection = if !projection::any(cs) {
        None
    } else {
        let coeffs = projection::coefficients_of_key(vk, ch.rho);
        let advice_at: HashMap<Query, Fr> = queries.advice.iter().copied().zip(proof.advice_evals.iter().copied()).collect();
        let combined = projection::verifier::combined_at(domain, &coeffs, zeta, &advice_at).ok_or_else(|| reject("ζ lies in the domain"))?;
        Some(ProjectionAt { combined, phi: proof.projection_evals[0], phi_next: proof.projection_evals[1], total: coeffs.total })
    };
    let numerator = combined_constraints(cs, &shifts, &query, perm, lookups, projection, zeta, l0, ch.beta, ch.gamma, ch.alpha);
    vanishing::verifier::expected_eval(numerator, zh).ok_or_else(|| reject("Z_H(ζ) = 0"))
}
