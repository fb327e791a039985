//! Key generation: from the declarations and the fixed assignment to a proving key.

use ark_ec::CurveGroup;

use super::circuit::{pad_columns, ConstraintSystem, FixedAssignment};
use super::keys::{CommitKey, ProvingKey, VerifyingKey};
use super::{permutation, Shape};
use crate::backend::{Backend, BackendExt};
use crate::error::{Error, Result};
use crate::poly::Domain;
use crate::srs::Srs;
use crate::G1Projective;

/// Builds the proving key (which contains the verifying key). The fixed and σ commitments are
/// Lagrange-basis MSMs on the backend.
pub fn keygen(backend: &dyn Backend, srs: &Srs, cs: ConstraintSystem, circuit: &FixedAssignment) -> Result<ProvingKey> {
    let shape = Shape::new(&cs, circuit.k)?;
    let domain = Domain::new(circuit.k)?;
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
    let fixed = pad_columns("fixed", &circuit.fixed, cs.num_fixed, shape.n)
        .map_err(|e| Error::Circuit(e.to_string()))?;
    let sigma = permutation::keygen::sigma_values(&domain, &cs.permutation, &circuit.copies)?;
    let lag = backend.load_bases_checked(&ck.lagrange)?;
    let cols: Vec<&[_]> = fixed.iter().chain(&sigma).map(|v| v.as_slice()).collect();
    let commitments = G1Projective::normalize_batch(&backend.msm_host(&lag, &cols)?);
    let (fixed_c, sigma_c) = commitments.split_at(fixed.len());
    let vk = VerifyingKey::new(circuit.k, cs, fixed_c.to_vec(), sigma_c.to_vec(), srs.verifier_srs())?;
    ProvingKey::build(backend, vk, ck, fixed, sigma, false)
}
