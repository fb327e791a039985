//! The verifier's side of the permutation argument: shape checks on the proof's permutation part.

use crate::error::{Error, Result};
use crate::plonk::{Proof, VerifyingKey};

/// The proof carries one Z commitment, Z(ζ), Z(ζω) and one σ evaluation per permutation column
/// when the circuit has copy constraints, and none of them otherwise.
pub(crate) fn check_shape(vk: &VerifyingKey, proof: &Proof) -> Result<()> {
    let m = vk.cs().permutation.len();
    let (commits, z_evals) = if m == 0 { (0, 0) } else { (1, 2) };
    if proof.permutation_commitments.len() != commits || proof.z_evals.len() != z_evals || proof.sigma_evals.len() != m {
        return Err(Error::Verification("the permutation part of the proof has the wrong shape".into()));
    }
    Ok(())
}
