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
//! When the columns do not fit one constraint of the degree budget they are split into chunks,
//! and the prover also commits to the partial products π_c after each chunk but the last (see
//! [`accumulate_constraints`]).

pub mod keygen;
pub mod prover;
pub mod verifier;

use ark_ff::{Field, FftField, One};

use crate::Fr;

/// The coset shifts k_j = g^j of the identity tags.
pub fn shifts(count: usize) -> Vec<Fr> {
    (0..count).map(|j| Fr::GENERATOR.pow([j as u64])).collect()
}

/// Adds the permutation's constraints at one point x to `acc` (`acc += α^i·C_i`, continuing the
/// powers in `alpha_pow`). `wire(j)`, `sigma(j)`: w_j(x), σ_j(x) for permutation column j;
/// `z(c)`: P_c(x) per chunk (P_0 = Z, the running product; P_c for c ≥ 1 the partial products
/// π_c); `z_next(0)`: Z(ωx) (only chunk 0's polynomial is read at ωx). With
/// N_c = Π_{j∈c}(w_j + β·k_j·x + γ) and D_c = Π_{j∈c}(w_j + β·σ_j + γ):
///
/// * L_0·(Z − 1);
/// * per chunk c < C − 1: P_{c+1}·D_c − P_c·N_c (the partial product after chunk c);
/// * the last chunk: Z(ωx)·D_{C−1} − P_{C−1}·N_{C−1} (the row's full product passes to the next
///   row, wrapping around the domain).
///
/// With one chunk this is the classic grand product. Every constraint has degree chunk + 1 (no
/// Lagrange factor), so chunks of budget − 1 columns keep the degree at the budget.
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
    l0: Fr,
    x: Fr,
    [beta, gamma, alpha]: [Fr; 3],
    acc: &mut Fr,
    alpha_pow: &mut Fr,
) {
    let one = Fr::one();
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
        let next = if c + 1 < chunks { z(c + 1) } else { z_next(0) };
        push(next * den - z(c) * num);
    }
}

/// The index in the proof's `z_evals` of P_c(ζ·ω^rot): Z(ζ), Z(ζω), then P_1(ζ) … P_{C−1}(ζ).
pub fn z_eval_index(c: usize, rot: i32) -> usize {
    if c == 0 {
        rot as usize
    } else {
        c + 1
    }
}
