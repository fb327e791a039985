//! The copy-constraint (permutation) argument.
//!
//! Each permutation column j gets the identity tag id_j(ω^i) = k_j·ω^i (k_j = g^j, g the
//! multiplicative generator, so the cosets k_j·H are disjoint) and the permuted tag σ_j(ω^i) =
//! k_{j'}·ω^{i'} where (j', i') is the next cell in the copy cycle of (j, i). The prover commits to
//!
//! Z(ω^0) = 1,  Z(ω^{i+1}) = Z(ω^i) · Π_j (w_j(ω^i) + β·k_j·ω^i + γ) / (w_j(ω^i) + β·σ_j(ω^i) + γ)
//!
//! and the constraints L_0(X)·(Z(X) − 1) = 0 and
//! Z(ωX)·Π_j (w_j(X) + β·σ_j(X) + γ) − Z(X)·Π_j (w_j(X) + β·k_j·X + γ) = 0 hold on H.

pub mod keygen;
pub mod prover;
pub mod verifier;

use ark_ff::{Field, FftField};

use crate::Fr;

/// The coset shifts k_j = g^j of the identity tags.
pub fn shifts(count: usize) -> Vec<Fr> {
    (0..count).map(|j| Fr::GENERATOR.pow([j as u64])).collect()
}

/// The permutation's two constraint values at one point x, given w_j(x) (`wire(j)`), σ_j(x)
/// (`sigma(j)`), Z(x), Z(ωx) and L_0(x):
/// `[L_0(x)(Z(x) − 1), Z(ωx)·Π(w_j + β·σ_j + γ) − Z(x)·Π(w_j + β·k_j·x + γ)]`.
/// Shared by the prover (on every point of the extended coset) and the verifier (at ζ).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn constraint_values(
    shifts: &[Fr],
    wire: impl Fn(usize) -> Fr,
    sigma: impl Fn(usize) -> Fr,
    z: Fr,
    z_next: Fr,
    l0: Fr,
    x: Fr,
    beta: Fr,
    gamma: Fr,
) -> [Fr; 2] {
    let mut lhs = z_next;
    let mut rhs = z;
    let bx = beta * x;
    for (j, k) in shifts.iter().enumerate() {
        let w = wire(j) + gamma;
        lhs *= w + beta * sigma(j);
        rhs *= w + bx * k;
    }
    [l0 * (z - Fr::from(1u64)), lhs - rhs]
}
