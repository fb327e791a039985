//! Key generation: from the declarations and the fixed assignment to a proving key.

use ark_ec::CurveGroup;

use super::circuit::{pad_columns, ConstraintSystem, FixedAssignment};
use super::keys::{CommitKey, ProvingKey, VerifyingKey};
use super::{permutation, Shape};
use crate::backend::{Backend, BackendExt};
use crate::error::{BackendError, Error, Result};
use crate::poly::Domain;
use crate::srs::Srs;
use crate::{Fr, G1Affine, G1Projective};

/// Builds the proving key (which contains the verifying key). The fixed and σ commitments are
/// Lagrange-basis MSMs on the backend.
pub fn keygen(backend: &dyn Backend, srs: &Srs, cs: ConstraintSystem, circuit: &FixedAssignment) -> Result<ProvingKey> {
    let shape = Shape::new(&cs, circuit.k)?;
    for lk in &cs.lookups {
        for c in &lk.table {
            let rows = circuit.fixed.get(c.index).map_or(0, |v| v.len());
            if rows > shape.n {
                return Err(Error::Circuit(format!(
                    "lookup {:?}: the table has {rows} rows but the circuit only {} (k = {}); raise k to at least {} \
                     or split the table (e.g. a range check on 16 bits as two lookups on 8-bit limbs)",
                    lk.name,
                    shape.n,
                    circuit.k,
                    rows.next_power_of_two().trailing_zeros()
                )));
            }
        }
    }
    let ck = CommitKey::new(srs, &shape)?;
    let (fixed, sigma) = committed_columns(&cs, circuit)?;
    let lag = backend.load_bases_checked(&ck.lagrange)?;
    let cols: Vec<&[_]> = fixed.iter().chain(&sigma).map(|v| v.as_slice()).collect();
    let commitments = backend.msm_host(&lag, &cols)?;
    check_commitments(&ck.lagrange, &cols, &commitments)?;
    let commitments = G1Projective::normalize_batch(&commitments);
    let (fixed_c, sigma_c) = commitments.split_at(fixed.len());
    let vk = VerifyingKey::new(circuit.k, cs, fixed_c.to_vec(), sigma_c.to_vec(), srs.verifier_srs())?;
    ProvingKey::build(backend, vk, ck, fixed, sigma, false)
}

/// Columns of values on the circuit's rows.
pub type Columns = Vec<Vec<Fr>>;

/// The columns a key commits to, as [`keygen`] makes them: the fixed columns padded to the
/// circuit's `2^k` rows, and the σ columns of the copy constraints (their Lagrange-basis
/// commitments are the key's fixed and σ commitments; a verifier recomputing a key uses them).
pub fn committed_columns(cs: &ConstraintSystem, circuit: &FixedAssignment) -> Result<(Columns, Columns)> {
    let domain = Domain::new(circuit.k)?;
    let fixed = pad_columns("fixed", &circuit.fixed, cs.num_fixed, domain.n).map_err(|e| Error::Circuit(e.to_string()))?;
    let sigma = permutation::keygen::sigma_values(&domain, &cs.permutation, &circuit.copies)?;
    Ok((fixed, sigma))
}

/// A backend's MSM results are not checked per call (a proof's self-verification is their check;
/// see docs/architecture.md), and setup makes no proof: the commitments a key would carry are
/// checked here with one random combination, Σ ρ_k·C_k = MSM(Lagrange bases, Σ ρ_k·col_k) on the
/// CPU. A wrong commitment passes with probability 1/r; the cost is one CPU MSM beside the k the
/// backend made.
fn check_commitments(lagrange: &[G1Affine], cols: &[&[Fr]], commitments: &[G1Projective]) -> Result<()> {
    use ark_ff::UniformRand;
    use rayon::prelude::*;
    if commitments.len() != cols.len() {
        return Err(BackendError::ResultCheck(format!("{} commitments for {} columns", commitments.len(), cols.len())).into());
    }
    let rho: Vec<Fr> = (0..cols.len()).map(|_| Fr::rand(&mut rand::rngs::OsRng)).collect();
    let n = lagrange.len();
    let combined: Vec<Fr> = (0..n).into_par_iter().map(|i| cols.iter().zip(&rho).map(|(c, r)| c.get(i).map_or(Fr::from(0u64), |v| *v * r)).sum()).collect();
    let want = crate::cpu::msm::msm(lagrange, &combined).map_err(|m| BackendError::Length(format!("{m} Lagrange bases for {n} rows")))?;
    let got: G1Projective = commitments.iter().zip(&rho).map(|(c, r)| *c * r).sum();
    if got != want {
        return Err(BackendError::ResultCheck(format!(
            "the {} fixed and σ commitments from the backend do not match the CPU (one random combination of them); no key was made",
            cols.len()
        ))
        .into());
    }
    Ok(())
}
