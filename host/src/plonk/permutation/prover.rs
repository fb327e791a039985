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

/// The values of Z on H: Z(ω^0) = 1, Z(ω^{i+1}) = Z(ω^i)·Π_j (w_j + β·k_j·ω^i + γ)/(w_j + β·σ_j + γ).
pub fn product_values(wires: &[&[Fr]], sigmas: &[Vec<Fr>], omega: Fr, n: usize, beta: Fr, gamma: Fr) -> Vec<Fr> {
    let k = shifts(wires.len());
    let omegas = powers(omega, n);
    let mut num = vec![Fr::from(1u64); n];
    let mut den = vec![Fr::from(1u64); n];
    num.par_iter_mut().zip(den.par_iter_mut()).enumerate().for_each(|(i, (nu, de))| {
        for j in 0..wires.len() {
            let w = wires[j][i] + gamma;
            *nu *= w + beta * k[j] * omegas[i];
            *de *= w + beta * sigmas[j][i];
        }
    });
    batch_inversion(&mut den);
    let mut z = Vec::with_capacity(n);
    let mut acc = Fr::from(1u64);
    for i in 0..n {
        z.push(acc);
        acc *= num[i] * den[i];
    }
    z
}

/// Commits to Z.
pub(crate) fn commit_product(
    ctx: &Ctx<'_>,
    wires: &[&[Fr]],
    beta: Fr,
    gamma: Fr,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Committed> {
    let z = product_values(wires, &ctx.pk.sigma_values, ctx.domain.omega, ctx.shape.n, beta, gamma);
    let mut out = commit_blinded(ctx, &[&z], &[ctx.shape.z_blinding], rng)?;
    Ok(out.pop().expect("one polynomial"))
}
