//! The verifier's side of the quotient: the combined piece commitment and the value t(ζ) it must
//! open to.

use ark_ff::{Field, Zero};

use crate::{Fr, G1Affine, G1Projective};

/// [t] = Σ_i ζ^{i·m}·[t'_i].
pub(crate) fn combined_commitment(pieces: &[G1Affine], zeta: Fr, m: usize) -> G1Projective {
    let zm = zeta.pow([m as u64]);
    let mut s = Fr::from(1u64);
    let mut acc = G1Projective::zero();
    for p in pieces {
        acc += *p * s;
        s *= zm;
    }
    acc
}

/// t(ζ) = N(ζ)/Z_H(ζ); `None` when Z_H(ζ) = 0.
pub(crate) fn expected_eval(numerator: Fr, zh_at_zeta: Fr) -> Option<Fr> {
    zh_at_zeta.inverse().map(|inv| numerator * inv)
}
