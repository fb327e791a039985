//! The round machinery shared by the prover's stages and the argument provers (permutation,
//! lookup, vanishing): the per-proof context, a committed polynomial in every form the later
//! rounds need, the blinded commitment of columns given on H, and the rotated index on the
//! extended coset. A leaf module: it imports nothing from the prover or the arguments.

use ark_ec::CurveGroup;
use ark_ff::{UniformRand, Zero};
use rand::{CryptoRng, RngCore};

use super::keys::ProvingKey;
use super::{extended_coset_shift, Shape};
use crate::backend::{Backend, BackendExt, BasesHandle, MsmJob, NttKind};
use crate::error::Result;
use crate::poly::Domain;
use crate::{Fr, G1Affine, G1Projective};

/// The per-proof context shared by the stages.
pub(crate) struct Ctx<'a> {
    pub backend: &'a dyn Backend,
    pub pk: &'a ProvingKey,
    pub shape: &'a Shape,
    pub domain: &'a Domain,
    pub lagrange: BasesHandle,
    pub monomial: BasesHandle,
    pub blinding: BasesHandle,
}

/// A committed polynomial in every form the later rounds need.
pub(crate) struct Committed {
    pub coeffs: Vec<Fr>,
    pub ext: Vec<Fr>,
    pub commitment: G1Affine,
}

/// Commits to polynomials given by their values on H, each blinded with `blinding[j]` random
/// scalars b: p(X) = interpolant(values) + (b_0 + b_1·X + …)·Z_H(X). The commitment is the
/// Lagrange-basis MSM of the values (small quantized values make small scalars) plus the MSM of
/// b over the blinding bases [τ^{n+i}] − [τ^i]. Returns coefficients and extended-coset values too.
pub(crate) fn commit_blinded(
    ctx: &Ctx<'_>,
    values: &[&[Fr]],
    blinding: &[usize],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Vec<Committed>> {
    let be = ctx.backend;
    let n = ctx.shape.n;
    let blinders: Vec<Vec<Fr>> = blinding.iter().map(|&b| (0..b).map(|_| Fr::rand(rng)).collect()).collect();
    // One upload and one MSM call for the round: the columns over the Lagrange bases and their
    // blinders over the blinding bases.
    let mut uploads: Vec<&[Fr]> = values.to_vec();
    uploads.extend(blinders.iter().map(|b| b.as_slice()));
    let mut handles = be.upload(&uploads)?;
    let blinder_handles = handles.split_off(values.len());
    let refs: Vec<_> = handles.iter().collect();
    let result = (|| -> Result<Vec<Committed>> {
        let jobs: Vec<MsmJob<'_>> = handles
            .iter()
            .map(|h| MsmJob { bases: &ctx.lagrange, scalars: h })
            .chain(blinder_handles.iter().map(|h| MsmJob { bases: &ctx.blinding, scalars: h }))
            .collect();
        let mut lag = be.msm_batch(&jobs)?;
        let blind = lag.split_off(values.len());
        let coeff_handles = be.ntt(&refs, ctx.shape.k, NttKind::Inverse)?;
        let coeffs: std::result::Result<Vec<Vec<Fr>>, _> = coeff_handles.iter().map(|h| be.download(h)).collect();
        coeff_handles.into_iter().for_each(|h| be.release(h));
        let mut coeffs = coeffs?;
        for (c, b) in coeffs.iter_mut().zip(&blinders) {
            c.resize(n + b.len(), Fr::zero());
            for (i, bi) in b.iter().enumerate() {
                c[i] -= bi;
                c[n + i] += bi;
            }
        }
        let ext = be.ntt_host(
            &coeffs.iter().map(|c| c.as_slice()).collect::<Vec<_>>(),
            ctx.shape.ext_k,
            NttKind::CosetForward { shift: extended_coset_shift() },
        )?;
        let commitments = G1Projective::normalize_batch(&lag.iter().zip(&blind).map(|(a, b)| *a + b).collect::<Vec<_>>());
        Ok(coeffs
            .into_iter()
            .zip(ext)
            .zip(commitments)
            .map(|((coeffs, ext), commitment)| Committed { coeffs, ext, commitment })
            .collect())
    })();
    handles.into_iter().chain(blinder_handles).for_each(|h| be.release(h));
    result
}

/// Query lookup used when evaluating gates on the extended coset (`size` a power of two).
#[inline]
pub(crate) fn rotated_index(i: usize, rotation: i32, factor: usize, size: usize) -> usize {
    debug_assert!(size.is_power_of_two());
    (i as isize).wrapping_add(rotation as isize * factor as isize) as usize & (size - 1)
}

