//! The vanishing argument: the quotient t = N/Z_H of the combined constraint, committed in
//! blinded pieces, and its check at ζ.

pub(crate) mod prover;
pub(crate) mod verifier;
