//! The verifier's side of the permutation argument: shape checks on the proof's permutation part.

use crate::error::{Error, Result};
use crate::plonk::{Proof, VerifyingKey};

/// The proof carries per chunk one commitment (Z, then the partial products π_1 … π_{C−1}),
/// the evaluations Z(ζ), Z(ζω), π_1(ζ) … π_{C−1}(ζ), and one σ evaluation per permutation column
/// (nothing without copy constraints).
pub(crate) fn check_shape(vk: &VerifyingKey, proof: &Proof) -> Result<()> {
    let m = vk.cs().permutation.len();
    let chunks = vk.shape().perm_chunks;
    let (commits, z_evals) = (chunks, if chunks == 0 { 0 } else { chunks + 1 });
    if proof.permutation_commitments.len() != commits || proof.z_evals.len() != z_evals || proof.sigma_evals.len() != m {
        return Err(Error::Verification("the permutation part of the proof has the wrong shape".into()));
    }
    Ok(())
}
