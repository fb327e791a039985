//! The prover's permutation round: the grand product Z, blinded with three scalars (it is opened
//! at ζ and ζω).

use ark_ff::batch_inversion;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::shifts;
use crate::error::Result;
use crate::plonk::prover::{commit_blinded, Committed, Ctx};
use crate::poly::powers;
use crate::Fr;

/// The values of Z_0 … Z_{C−1} on H for chunks of `chunk_len` columns: with
/// r_c(i) = Π_{j∈c} (w_j + β·k_j·ω^i + γ)/(w_j + β·σ_j(ω^i) + γ), Z_0(ω^0) = 1,
/// Z_c(ω^{i+1}) = Z_c(ω^i)·r_c(i) for i < n − 1, and Z_{c+1}(ω^0) = Z_c(ω^{n−1})·r_c(n − 1).
/// (With one chunk this is the classic grand product.)
#[allow(clippy::too_many_arguments)]
pub fn product_values(
    wires: &[&[Fr]],
    sigmas: &[Vec<Fr>],
    chunk_len: usize,
    omega: Fr,
    n: usize,
    beta: Fr,
    gamma: Fr,
) -> Vec<Vec<Fr>> {
    let k = shifts(wires.len());
    let omegas = powers(omega, n);
    let mut carry = Fr::from(1u64);
    (0..wires.len().div_ceil(chunk_len))
        .map(|c| {
            let cols = c * chunk_len..((c + 1) * chunk_len).min(wires.len());
            let mut num = vec![Fr::from(1u64); n];
            let mut den = vec![Fr::from(1u64); n];
            num.par_iter_mut().zip(den.par_iter_mut()).enumerate().for_each(|(i, (nu, de))| {
                for j in cols.clone() {
                    let w = wires[j][i] + gamma;
                    *nu *= w + beta * k[j] * omegas[i];
                    *de *= w + beta * sigmas[j][i];
                }
            });
            batch_inversion(&mut den);
            let mut z = Vec::with_capacity(n);
            for i in 0..n {
                z.push(carry);
                carry *= num[i] * den[i];
            }
            z
        })
        .collect()
}

/// Commits to the grand products (one MSM call for all chunks).
pub(crate) fn commit_products(
    ctx: &Ctx<'_>,
    wires: &[&[Fr]],
    beta: Fr,
    gamma: Fr,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Vec<Committed>> {
    let shape = ctx.shape;
    let z = product_values(wires, &ctx.pk.sigma_values, shape.perm_chunk_len, ctx.domain.omega, shape.n, beta, gamma);
    let refs: Vec<&[Fr]> = z.iter().map(|v| v.as_slice()).collect();
    commit_blinded(ctx, &refs, &vec![shape.z_blinding; z.len()], rng)
}
