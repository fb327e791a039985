//! The prover's quotient round.
//!
//! N(X) = Σ α^i C_i(X) is evaluated on the extended coset g·H' (|H'| ≥ deg t + 1) from the
//! columns' coset values, divided pointwise by Z_H, interpolated (coset iNTT on the backend), and
//! split into pieces t_0 … t_{p−1} of m coefficients. Each piece is blinded with the next one:
//! t'_i = t_i + b_i·X^m − b_{i−1} (b_{−1} = b_{p−1} = 0), so Σ X^{i·m} t'_i = t while every
//! piece but the last carries fresh randomness.

use ark_ff::{batch_inversion, Field, One, UniformRand, Zero};
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;

use crate::backend::{BackendExt, NttKind};
use crate::error::{Error, Result};
use crate::plonk::circuit::{ColumnKind, Query};
use crate::plonk::lookup::prover::LookupPolys;
use crate::plonk::lookup::compress;
use crate::plonk::projection::prover::ProjectionPolys;
use crate::plonk::permutation::shifts;
use crate::plonk::round::{rotated_index, Committed, Ctx};
use crate::plonk::extended_coset_shift;
use crate::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;

pub(crate) struct Quotient {
    pub pieces: Vec<Vec<Fr>>,
    pub commitments: Vec<G1Affine>,
}

impl Quotient {
    /// Σ_i ζ^{i·m} t'_i(X): its value at ζ is t(ζ) (the blinders cancel there).
    pub fn combined(&self, zeta: Fr, m: usize) -> Vec<Fr> {
        let zm = zeta.pow([m as u64]);
        let mut out = vec![Fr::zero(); m + 1];
        let mut s = Fr::from(1u64);
        for p in &self.pieces {
            crate::poly::add_scaled(&mut out, s, p);
            s *= zm;
        }
        out
    }
}

/// N on the extended coset.
pub(crate) fn numerator_on_coset(
    ctx: &Ctx<'_>,
    advice: &[Committed],
    instance_ext: &[Vec<Fr>],
    z: &[Committed],
    lookups: &LookupPolys<'_>,
    projection: Option<&ProjectionPolys<'_>>,
    [beta, gamma, alpha]: [Fr; 3],
) -> Vec<Fr> {
    let pk = ctx.pk;
    let cs = pk.vk.cs();
    let shape = ctx.shape;
    let size = 1usize << shape.ext_k;
    let factor = shape.ext_factor();
    let omega_ext = <Fr as ark_ff::FftField>::get_root_of_unity(size as u64).expect("2-adic");
    let shift = extended_coset_shift();
    let k = shifts(cs.permutation.len());
    const CHUNK: usize = 1 << 10;
    let column = |c: crate::plonk::Column| -> &[Fr] {
        match c.kind {
            ColumnKind::Advice => &advice[c.index].ext,
            ColumnKind::Fixed => &pk.fixed_ext[c.index],
            ColumnKind::Instance => &instance_ext[c.index],
        }
    };
    let num_gate_constraints = cs.gates.iter().map(|g| g.constraints.len()).sum::<usize>();
    let alpha_after_gates = alpha.pow([num_gate_constraints as u64]);
    let mut out = vec![Fr::zero(); size];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let start = c * CHUNK;
        let len = chunk.len();
        // The gates on the whole chunk at once: Σ α^i·C_i, one expression at a time.
        let leaf = |q: Query, dst: &mut [Fr]| {
            let src = column(q.column);
            let first = rotated_index(start, q.rotation, factor, size);
            if first + len <= size {
                dst.copy_from_slice(&src[first..first + len]);
            } else {
                dst.iter_mut().enumerate().for_each(|(off, d)| *d = src[(first + off) & (size - 1)]);
            }
        };
        let mut alpha_pow = Fr::from(1u64);
        for gate in &cs.gates {
            for e in &gate.constraints {
                let v = e.evaluate_many(len, &leaf);
                chunk.iter_mut().zip(v).for_each(|(acc, v)| *acc += alpha_pow * v);
                alpha_pow *= alpha;
            }
        }
        // The permutation's and the lookups' constraints (`evaluation::argument_constraints`,
        // which the verifier uses, written out on whole chunks; field arithmetic is exact, so
        // the values are the same).
        let one = Fr::one();
        let range = start..start + len;
        let rotated = |v: &[Fr], rot: i32| -> Vec<Fr> {
            let first = rotated_index(start, rot, factor, size);
            (0..len).map(|off| v[(first + off) & (size - 1)]).collect()
        };
        let l0 = &pk.l0_ext[range.clone()];
        let mut alpha_pow = alpha_after_gates;
        if !z.is_empty() {
            let m = cs.permutation.len();
            let cl = shape.perm_chunk_len;
            let chunks = m.div_ceil(cl);
            let z0 = &z[0].ext[range.clone()];
            chunk.iter_mut().zip(l0).zip(z0).for_each(|((acc, l0), z0)| *acc += alpha_pow * (*l0 * (*z0 - one)));
            alpha_pow *= alpha;
            let mut bx = Vec::with_capacity(len);
            let mut x = shift * omega_ext.pow([start as u64]);
            for _ in 0..len {
                bx.push(beta * x);
                x *= omega_ext;
            }
            let (mut num, mut den) = (vec![one; len], vec![one; len]);
            for c in 0..chunks {
                num.fill(one);
                den.fill(one);
                for (j, kj) in k.iter().enumerate().take(((c + 1) * cl).min(m)).skip(c * cl) {
                    let w = &column(cs.permutation[j])[range.clone()];
                    let sigma = &pk.sigma_ext[j][range.clone()];
                    for i in 0..len {
                        let wg = w[i] + gamma;
                        num[i] *= wg + bx[i] * kj;
                        den[i] *= wg + beta * sigma[i];
                    }
                }
                let cur = &z[c].ext[range.clone()];
                let next_owned;
                let next: &[Fr] = if c + 1 < chunks {
                    &z[c + 1].ext[range.clone()]
                } else {
                    next_owned = rotated(&z[0].ext, 1);
                    &next_owned
                };
                for i in 0..len {
                    chunk[i] += alpha_pow * (next[i] * den[i] - cur[i] * num[i]);
                }
                alpha_pow *= alpha;
            }
        }
        for (l, lk) in cs.lookups.iter().enumerate() {
            let inputs: Vec<Vec<Fr>> = lk.inputs.iter().map(|e| e.evaluate_many(len, &leaf)).collect();
            let tables: Vec<&[Fr]> = lk.table.iter().map(|c| &column(*c)[range.clone()]).collect();
            let phi = &lookups.phi[l].ext[range.clone()];
            let phi_next = rotated(&lookups.phi[l].ext, 1);
            let m = &lookups.m[l].ext[range.clone()];
            let alpha_next = alpha_pow * alpha;
            for i in 0..len {
                let f = lookups.beta + compress(inputs.iter().map(|v| v[i]), lookups.theta);
                let t = lookups.beta + compress(tables.iter().map(|v| v[i]), lookups.theta);
                chunk[i] += alpha_pow * (l0[i] * phi[i]) + alpha_next * ((phi_next[i] - phi[i]) * f * t - t + m[i] * f);
            }
            alpha_pow = alpha_next * alpha;
        }
        // The projection's running-sum step (`projection::ProjectionAt::constraint`).
        if let Some(p) = projection {
            let phi = &p.phi.ext[range.clone()];
            let phi_next = rotated(&p.phi.ext, 1);
            let combined = &p.combined_ext[range.clone()];
            for i in 0..len {
                chunk[i] += alpha_pow * (phi_next[i] - phi[i] - combined[i] + p.total * l0[i]);
            }
        }
    });
    out
}

/// Computes, splits and blinds the quotient: the pieces t'_i (coefficients).
#[allow(clippy::too_many_arguments)]
pub(crate) fn quotient_pieces(
    ctx: &Ctx<'_>,
    advice: &[Committed],
    instance_ext: &[Vec<Fr>],
    z: &[Committed],
    lookups: &LookupPolys<'_>,
    projection: Option<&ProjectionPolys<'_>>,
    challenges: [Fr; 3],
    rng: &mut (impl RngCore + CryptoRng),
    check_witness: bool,
) -> Result<Vec<Vec<Fr>>> {
    let shape = ctx.shape;
    let size = 1usize << shape.ext_k;
    let factor = shape.ext_factor();
    let mut numerator = numerator_on_coset(ctx, advice, instance_ext, z, lookups, projection, challenges);
    // Z_H(g·ω_E^i) = g^n·(ω_E^n)^i − 1 takes `factor` distinct values.
    let shift_n = extended_coset_shift().pow([shape.n as u64]);
    let omega_ext = <Fr as ark_ff::FftField>::get_root_of_unity(size as u64).expect("2-adic");
    let step = omega_ext.pow([shape.n as u64]);
    let mut zh: Vec<Fr> = (0..factor).map(|i| shift_n * step.pow([i as u64]) - Fr::from(1u64)).collect();
    batch_inversion(&mut zh);
    numerator.par_iter_mut().enumerate().for_each(|(i, v)| *v *= zh[i % factor]);
    let mut t = ctx
        .backend
        .ntt_host(&[&numerator], shape.ext_k, NttKind::CosetInverse { shift: extended_coset_shift() })?
        .pop()
        .expect("one output");
    drop(numerator);
    if check_witness {
        if let Some(top) = t.iter().rposition(|c| !c.is_zero()) {
            if top > shape.quotient_degree {
                return Err(Error::Witness(format!(
                    "the witness does not satisfy the circuit (the quotient has degree {top} > {}); \
                     plonk::dev::check_witness names the failing gate and row",
                    shape.quotient_degree
                )));
            }
        }
    }
    let (p, m) = (shape.num_pieces, shape.piece_size);
    t.resize(t.len().max(p * m), Fr::zero());
    let mut pieces: Vec<Vec<Fr>> = (0..p)
        .map(|i| {
            let mut piece = t[i * m..(i + 1) * m].to_vec();
            piece.push(Fr::zero());
            piece
        })
        .collect();
    for i in 0..p - 1 {
        let b = Fr::rand(rng);
        pieces[i][m] += b;
        pieces[i + 1][0] -= b;
    }
    Ok(pieces)
}

/// Commits the pieces (one monomial-basis MSM call).
pub(crate) fn commit_pieces(ctx: &Ctx<'_>, pieces: Vec<Vec<Fr>>) -> Result<Quotient> {
    let refs: Vec<&[Fr]> = pieces.iter().map(|p| p.as_slice()).collect();
    let commitments = G1Projective::normalize_batch(&ctx.backend.msm_host(&ctx.monomial, &refs)?);
    Ok(Quotient { pieces, commitments })
}
