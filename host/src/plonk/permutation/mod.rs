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

/// Adds the permutation's constraints at one point x to `acc` (`acc += α^i·C_i`, continuing the
/// powers in `alpha_pow`). `wire(j)`, `sigma(j)`: w_j(x), σ_j(x) for permutation column j;
/// `z(c)`, `z_next(c)`: Z_c(x), Z_c(ωx). With N_c = Π_{j∈c}(w_j + β·k_j·x + γ) and
/// D_c = Π_{j∈c}(w_j + β·σ_j + γ):
///
/// * one chunk: L_0(Z_0 − 1) and Z_0(ωx)·D_0 − Z_0·N_0 (the classic grand product, which wraps
///   around the domain);
/// * C chunks: L_0(Z_0 − 1), then per chunk (1 − L_last)(Z_c(ωx)·D_c − Z_c·N_c) (the recurrence on
///   rows 0 … n−2) and L_last(Z_{c+1 mod C}(ωx)·D_c − Z_c·N_c) (at the last row the product passes
///   to the next chunk's first row, and from the last chunk back to Z_0(1) = 1).
///
/// Shared by the prover (every point of the extended coset) and the verifier (ζ).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn accumulate_constraints(
    chunk_len: usize,
    shifts: &[Fr],
    wire: impl Fn(usize) -> Fr,
    sigma: impl Fn(usize) -> Fr,
    z: impl Fn(usize) -> Fr,
    z_next: impl Fn(usize) -> Fr,
    [l0, l_last]: [Fr; 2],
    x: Fr,
    [beta, gamma, alpha]: [Fr; 3],
    acc: &mut Fr,
    alpha_pow: &mut Fr,
) {
    let one = Fr::from(1u64);
    let mut push = |c: Fr| {
        *acc += *alpha_pow * c;
        *alpha_pow *= alpha;
    };
    push(l0 * (z(0) - one));
    let m = shifts.len();
    let chunks = m.div_ceil(chunk_len);
    let bx = beta * x;
    for c in 0..chunks {
        let (mut num, mut den) = (one, one);
        for (j, k) in shifts.iter().enumerate().take(((c + 1) * chunk_len).min(m)).skip(c * chunk_len) {
            let w = wire(j) + gamma;
            num *= w + bx * k;
            den *= w + beta * sigma(j);
        }
        let zn = z(c) * num;
        if chunks == 1 {
            push(z_next(0) * den - zn);
        } else {
            push((one - l_last) * (z_next(c) * den - zn));
            push(l_last * (z_next((c + 1) % chunks) * den - zn));
        }
    }
}
