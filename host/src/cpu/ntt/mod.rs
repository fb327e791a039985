//! Number-theoretic transforms over BN254 Fr, equal to `ark-poly`'s `Radix2EvaluationDomain`
//! (`fft`, `ifft`, and the same on a coset `g·H`): for a = (a_0, …, a_{n−1}) and ω the domain's
//! generator ([`twiddles::root_of_unity`]), `fft(a)_i = Σ_j a_j ω^{ij}`.
//!
//! Forward: DIF ([`dif`]) then a bit-reversal pass. Inverse: DIF with ω^{-1}, then the bit-reversal
//! pass multiplies by n^{-1} (and by g^{-i} on a coset) at the same time. Coset forward first
//! multiplies a_i by g^i. Twiddle and coset tables are cached per size ([`twiddles`]).
//! Multi-threaded on the current rayon pool.

pub mod dif;
pub mod twiddles;

use rayon::prelude::*;

use crate::Fr;

fn log2_exact(n: usize) -> u32 {
    assert!(n.is_power_of_two(), "NTT length {n} is not a power of two");
    let log_n = n.trailing_zeros();
    assert!(log_n <= 28, "NTT length 2^{log_n} exceeds the 2-adicity of BN254 Fr (28)");
    log_n
}

/// Evaluations on H = ⟨ω⟩ from coefficients, in place (length a power of two).
pub fn fft_in_place(a: &mut [Fr]) {
    let log_n = log2_exact(a.len());
    dif::dif(a, &twiddles::Stages::get(log_n, false));
    dif::bit_reverse_scale(a, None);
}

/// Coefficients from evaluations on H, in place.
pub fn ifft_in_place(a: &mut [Fr]) {
    let log_n = log2_exact(a.len());
    dif::dif(a, &twiddles::Stages::get(log_n, true));
    let scale = twiddles::coset_table(log_n, ark_ff::Field::ONE, true);
    dif::bit_reverse_scale(a, Some(&scale));
}

/// Evaluations on the coset shift·H from coefficients, in place (shift ≠ 0).
pub fn coset_fft_in_place(a: &mut [Fr], shift: Fr) {
    let log_n = log2_exact(a.len());
    let g = twiddles::coset_table(log_n, shift, false);
    a.par_iter_mut().zip(g.par_iter()).with_min_len(1 << 10).for_each(|(x, g)| *x *= g);
    dif::dif(a, &twiddles::Stages::get(log_n, false));
    dif::bit_reverse_scale(a, None);
}

/// Coefficients from evaluations on the coset shift·H, in place (shift ≠ 0).
pub fn coset_ifft_in_place(a: &mut [Fr], shift: Fr) {
    let log_n = log2_exact(a.len());
    dif::dif(a, &twiddles::Stages::get(log_n, true));
    let scale = twiddles::coset_table(log_n, shift, true);
    dif::bit_reverse_scale(a, Some(&scale));
}
