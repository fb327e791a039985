//! The prover's projection stages: the running sum φ on H (round 2, after ρ) and Σ_a c_a·a on
//! the extended coset for the quotient.

use ark_ff::Zero;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::{Coefficients, PHI_BLINDING};
use crate::backend::{BackendExt, NttKind};
use crate::error::Result;
use crate::plonk::extended_coset_shift;
use crate::plonk::round::{commit_blinded, Committed, Ctx};
use crate::Fr;

/// φ on H: φ(ω^0) = 0, φ(ω^{i+1}) = φ(ω^i) + Σ_a c_a[i]·a[i] − T·[i = 0]. It wraps around to
/// φ(ω^n) = φ(ω^0) exactly when the projection identity holds.
pub(crate) fn running_sum(n: usize, coeffs: &Coefficients, advice: &[Vec<Fr>]) -> Vec<Fr> {
    let mut step = vec![Fr::zero(); n];
    step[0] -= coeffs.total;
    for (col, rows) in coeffs.columns.iter().zip(&coeffs.by_row) {
        let a = &advice[col.index];
        for (&row, c) in rows {
            step[row] += *c * a[row];
        }
    }
    let mut phi = Vec::with_capacity(n);
    let mut acc = Fr::zero();
    for s in step {
        phi.push(acc);
        acc += s;
    }
    phi
}

/// Round 2: the blinded running sum.
pub(crate) fn commit_running_sum(ctx: &Ctx<'_>, phi: &[Fr], rng: &mut (impl RngCore + CryptoRng)) -> Result<Committed> {
    Ok(commit_blinded(ctx, &[phi], &[PHI_BLINDING], rng)?.pop().expect("one column"))
}

/// Σ_a c_a(X)·a(X) on the extended coset (c_a interpolated from its values on H, a committed
/// advice column with its blinding).
pub(crate) fn combined_on_coset(ctx: &Ctx<'_>, coeffs: &Coefficients, advice: &[Committed]) -> Result<Vec<Fr>> {
    let n = ctx.shape.n;
    let dense: Vec<Vec<Fr>> = coeffs
        .by_row
        .iter()
        .map(|rows| {
            let mut v = vec![Fr::zero(); n];
            rows.iter().for_each(|(&r, c)| v[r] = *c);
            v
        })
        .collect();
    let refs: Vec<&[Fr]> = dense.iter().map(|v| v.as_slice()).collect();
    let be = ctx.backend;
    let c_coeffs = be.ntt_host(&refs, ctx.shape.k, NttKind::Inverse)?;
    drop(dense);
    let refs: Vec<&[Fr]> = c_coeffs.iter().map(|v| v.as_slice()).collect();
    let c_ext = be.ntt_host(&refs, ctx.shape.ext_k, NttKind::CosetForward { shift: extended_coset_shift() })?;
    let size = 1usize << ctx.shape.ext_k;
    let mut out = vec![Fr::zero(); size];
    for (col, c) in coeffs.columns.iter().zip(&c_ext) {
        let a = &advice[col.index].ext;
        out.par_iter_mut().zip(c.par_iter().zip(a.par_iter())).for_each(|(o, (c, a))| *o += *c * a);
    }
    Ok(out)
}

/// The committed running sum and the values the quotient round needs.
pub(crate) struct ProjectionPolys<'a> {
    pub phi: &'a Committed,
    /// Σ_a c_a·a on the extended coset.
    pub combined_ext: Vec<Fr>,
    pub total: Fr,
}
