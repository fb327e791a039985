//! The verifier's side of the lookup argument: shape checks on the proof's lookup part (the
//! constraints themselves are evaluated with the prover's function, `lookup::accumulate_constraints`).

use crate::error::{Error, Result};
use crate::plonk::{Proof, VerifyingKey};

/// Per lookup: one multiplicity and one running-sum commitment, and m(ζ), φ(ζ), φ(ζω).
pub(crate) fn check_shape(vk: &VerifyingKey, proof: &Proof) -> Result<()> {
    let l = vk.cs().lookups.len();
    if proof.lookup_m_commitments.len() != l || proof.lookup_phi_commitments.len() != l || proof.lookup_evals.len() != 3 * l {
        return Err(Error::Verification("the lookup part of the proof has the wrong shape".into()));
    }
    Ok(())
}
