//! The prover's permutation round: the grand product Z and, with several chunks, the partial
//! products π_c, each blinded with three scalars (Z is opened at ζ and ζω, π_c at ζ).

use ark_ff::batch_inversion;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::shifts;
use crate::error::Result;
use crate::plonk::round::{commit_blinded, Committed, Ctx};
use crate::poly::powers;
use crate::Fr;

/// The values on H of Z and the partial products for chunks of `chunk_len` columns: with
/// r_c(i) = Π_{j∈c} (w_j + β·k_j·ω^i + γ)/(w_j + β·σ_j(ω^i) + γ), Z(ω^0) = 1,
/// Z(ω^{i+1}) = Z(ω^i)·Π_c r_c(i), and π_c(ω^i) = Z(ω^i)·r_0(i)···r_{c−1}(i) for c = 1 … C − 1.
/// Returned as [Z, π_1, …, π_{C−1}]. (With one chunk this is the classic grand product.)
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
    let chunks = wires.len().div_ceil(chunk_len);
    // ratios[c][i] = r_c(i): numerators and denominators per chunk, one batch inversion.
    let mut nums: Vec<Vec<Fr>> = Vec::with_capacity(chunks);
    let mut dens: Vec<Fr> = vec![Fr::from(1u64); chunks * n];
    for (c, den) in dens.chunks_mut(n).enumerate() {
        let cols = c * chunk_len..((c + 1) * chunk_len).min(wires.len());
        let mut num = vec![Fr::from(1u64); n];
        num.par_iter_mut().zip(den.par_iter_mut()).enumerate().for_each(|(i, (nu, de))| {
            for j in cols.clone() {
                let w = wires[j][i] + gamma;
                *nu *= w + beta * k[j] * omegas[i];
                *de *= w + beta * sigmas[j][i];
            }
        });
        nums.push(num);
    }
    batch_inversion(&mut dens);
    let ratios: Vec<Vec<Fr>> = nums
        .into_iter()
        .zip(dens.chunks(n))
        .map(|(mut num, inv)| {
            num.par_iter_mut().zip(inv.par_iter()).for_each(|(a, b)| *a *= b);
            num
        })
        .collect();
    // Z: the running product of the whole row's ratio.
    let mut row = ratios[0].clone();
    for r in &ratios[1..] {
        row.par_iter_mut().zip(r.par_iter()).for_each(|(a, b)| *a *= b);
    }
    let mut z = Vec::with_capacity(n);
    let mut acc = Fr::from(1u64);
    for r in &row {
        z.push(acc);
        acc *= r;
    }
    drop(row);
    // π_c = π_{c−1}·r_{c−1} with π_0 = Z.
    let mut out = Vec::with_capacity(chunks);
    out.push(z);
    for c in 1..chunks {
        let mut p = out[c - 1].clone();
        p.par_iter_mut().zip(ratios[c - 1].par_iter()).for_each(|(a, b)| *a *= b);
        out.push(p);
    }
    out
}

/// The values on H of Z and the partial products for this proof's wires and challenges.
pub(crate) fn products(ctx: &Ctx<'_>, wires: &[&[Fr]], beta: Fr, gamma: Fr) -> Vec<Vec<Fr>> {
    let shape = ctx.shape;
    product_values(wires, &ctx.pk.sigma_values, shape.perm_chunk_len, ctx.domain.omega, shape.n, beta, gamma)
}

/// Commits to the grand product and the partial products given on H (one MSM call for all
/// chunks), each blinded with `z_blinding` scalars.
pub(crate) fn commit_products(ctx: &Ctx<'_>, values: &[Vec<Fr>], rng: &mut (impl RngCore + CryptoRng)) -> Result<Vec<Committed>> {
    let refs: Vec<&[Fr]> = values.iter().map(|v| v.as_slice()).collect();
    commit_blinded(ctx, &refs, &vec![ctx.shape.z_blinding; values.len()], rng)
}
