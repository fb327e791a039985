//! The verifier's side of the quotient: the combined piece commitment and the value t(ζ) it must
//! open to.

use ark_ff::Field;

use crate::{Fr, G1Affine};

/// [t] = Σ_i ζ^{i·m}·[t'_i], as its terms (the batched opening multiplies them in its one MSM).
pub(crate) fn combined_terms(pieces: &[G1Affine], zeta: Fr, m: usize) -> Vec<(G1Affine, Fr)> {
    let zm = zeta.pow([m as u64]);
    let mut s = Fr::from(1u64);
    pieces
        .iter()
        .map(|p| {
            let term = (*p, s);
            s *= zm;
            term
        })
        .collect()
}

/// t(ζ) = N(ζ)/Z_H(ζ); `None` when Z_H(ζ) = 0.
pub(crate) fn expected_eval(numerator: Fr, zh_at_zeta: Fr) -> Option<Fr> {
    zh_at_zeta.inverse().map(|inv| numerator * inv)
}
