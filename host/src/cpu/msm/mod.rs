//! Multi-scalar multiplication on BN254 G1: Σ s_i·P_i.
//!
//! Pipeline (see `docs/cpu_kernels.md`):
//! 1. [`small_scalar`]: each scalar becomes one term (small or negative-small values, |v| < 2^127)
//!    or two GLV terms ([`glv`], |k1|, |k2| < 2^126); terms are sorted into bit-length classes;
//!    zero scalars and identity bases are dropped. Runs in parallel over input chunks.
//! 2. [`pippenger`]: per class, Pippenger over Booth-signed digits with as many windows as the
//!    class's largest scalar needs, windows × slices run as rayon tasks, buckets accumulated with
//!    [`batch_affine`] additions (exact fallbacks for doubling, P + (−P) and bucket conflicts), eight
//!    at a time on AVX-512 IFMA where the CPU has it ([`batch_affine::Adder`]).
//! 3. The class results are added.
//!
//! The result is the same group element as `ark_ec::VariableBaseMSM::msm` (tests check equality on
//! random and edge-case inputs). Threads: the current rayon pool (`ThreadPool::install` to bound
//! them).

pub mod batch_affine;
#[cfg(target_arch = "x86_64")]
pub mod batch_affine_ifma;
pub mod glv;
#[cfg(target_arch = "x86_64")]
pub mod jacobian_ifma;
pub mod pippenger;
pub mod small_scalar;
pub mod sorted_buckets;
#[cfg(target_arch = "x86_64")]
pub mod xyzz_ifma;

use ark_std::Zero;
use rayon::prelude::*;

use crate::{Fr, G1Affine, G1Projective};
use batch_affine::Adder;
use pippenger::Terms;
use small_scalar::Classes;

/// Σ scalars[i]·bases[i]. Like `VariableBaseMSM::msm`, unequal lengths are an error carrying the
/// shorter length.
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective, usize> {
    if bases.len() != scalars.len() {
        return Err(bases.len().min(scalars.len()));
    }
    Ok(msm_unchecked(bases, scalars))
}

/// As [`msm`] with a given batch-affine adder (tests and A/B measurements; it must be available).
pub fn msm_with(bases: &[G1Affine], scalars: &[Fr], adder: Adder) -> Result<G1Projective, usize> {
    if bases.len() != scalars.len() {
        return Err(bases.len().min(scalars.len()));
    }
    Ok(msm_unchecked_with(bases, scalars, adder))
}

/// Σ scalars[i]·bases[i] over the common prefix of the two slices.
pub fn msm_unchecked(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    msm_unchecked_with(bases, scalars, Adder::best())
}

fn msm_unchecked_with(bases: &[G1Affine], scalars: &[Fr], adder: Adder) -> G1Projective {
    assert!(adder.is_available(), "the {adder:?} adder needs a CPU with AVX-512 IFMA");
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    if n == 0 {
        return G1Projective::zero();
    }
    let beta = glv::beta();
    let threads = rayon::current_num_threads();
    let chunk = n.div_ceil(4 * threads).max(1 << 12);
    let parts: Vec<Classes> = bases
        .par_chunks(chunk)
        .zip(scalars.par_chunks(chunk))
        .map(|(b, s)| Classes::build(b, s, &beta))
        .collect();
    let mut acc = G1Projective::zero();
    for class in 0..small_scalar::CLASS_BITS.len() {
        let blocks: Vec<&Terms> = parts.iter().map(|p| &p.terms[class]).filter(|t| !t.is_empty()).collect();
        let bits = parts.iter().map(|p| p.bits[class]).max().unwrap_or(0);
        if !blocks.is_empty() {
            acc += pippenger::msm_terms_on(&blocks, bits, adder);
        }
    }
    acc
}
