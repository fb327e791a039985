//! Number-theoretic transforms over BN254 Fr, equal to `ark-poly`'s `Radix2EvaluationDomain`
//! (`fft`, `ifft`, and the same on a coset `g·H`): for a = (a_0, …, a_{n−1}) and ω the domain's
//! generator ([`twiddles::root_of_unity`]), `fft(a)_i = Σ_j a_j ω^{ij}`.
//!
//! Forward: DIF ([`dif`]) then a bit-reversal pass. Inverse: DIF with ω^{-1}, then the bit-reversal
//! pass multiplies by n^{-1} (and by g^{-i} on a coset) at the same time. Coset forward first
//! multiplies a_i by g^i. Twiddle and coset tables are cached per size ([`twiddles`]).
//! Multi-threaded on the current rayon pool.
//!
//! Two kernels ([`Kernel`]), chosen at run time: the AVX-512 IFMA butterflies
//! (`cpu::ifma::ntt`, eight at a time) where the CPU has them, the portable ones ([`dif`]) elsewhere
//! and for lengths below 16. Both give the same limbs (tested against `ark-poly` in
//! `tests/cpu_ntt.rs`). `ZKACCEL_NO_IFMA=1` in the environment makes [`Kernel::best`] pick the
//! portable kernel (for before/after measurements).

pub mod dif;
pub mod twiddles;

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::Fr;

fn log2_exact(n: usize) -> u32 {
    assert!(n.is_power_of_two(), "NTT length {n} is not a power of two");
    let log_n = n.trailing_zeros();
    assert!(log_n <= 28, "NTT length 2^{log_n} exceeds the 2-adicity of BN254 Fr (28)");
    log_n
}

/// Which butterfly code runs a transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// `dif.rs`: scalar Montgomery arithmetic on arkworks' limbs (every CPU).
    Portable,
    /// `cpu::ifma::ntt`: AVX-512 IFMA, eight butterflies at a time (x86-64 with `avx512ifma`).
    Ifma,
}

impl Kernel {
    /// Whether this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Portable => true,
            Kernel::Ifma => crate::cpu::ifma::available(),
        }
    }

    /// IFMA where available (unless `ZKACCEL_NO_IFMA=1`), else portable; decided once per process.
    pub fn best() -> Kernel {
        static BEST: OnceLock<Kernel> = OnceLock::new();
        *BEST.get_or_init(|| {
            let off = std::env::var("ZKACCEL_NO_IFMA").map(|v| v == "1").unwrap_or(false);
            if !off && Kernel::Ifma.is_available() {
                Kernel::Ifma
            } else {
                Kernel::Portable
            }
        })
    }
}

/// DIF with the forward or inverse twiddles and the bit-reversal pass; a coset shift multiplies the
/// input by shift^i (forward) or the output by n^{-1}·shift^{-i} (inverse; shift 1 for a plain
/// inverse).
fn transform(a: &mut [Fr], inverse: bool, shift: Option<Fr>, kernel: Kernel) {
    let log_n = log2_exact(a.len());
    assert!(kernel.is_available(), "the IFMA NTT kernel needs a CPU with AVX-512 IFMA");
    let shift = if inverse { Some(shift.unwrap_or(ark_ff::Field::ONE)) } else { shift };
    #[cfg(target_arch = "x86_64")]
    if kernel == Kernel::Ifma && a.len() >= crate::cpu::ifma::ntt::MIN_LEN {
        use crate::cpu::ifma::ntt as v;
        let s = shift.map(|s| v::coset_groups(log_n, s, inverse));
        let s = s.as_deref().map(|t| t.as_slice());
        let (pre, post) = if inverse { (None, s) } else { (s, None) };
        v::dif_natural(a, &v::Twiddles::get(log_n, inverse), pre, post);
        return;
    }
    if let (Some(s), false) = (shift, inverse) {
        let g = twiddles::coset_table(log_n, s, false);
        a.par_iter_mut().zip(g.par_iter()).with_min_len(1 << 10).for_each(|(x, g)| *x *= g);
    }
    dif::dif(a, &twiddles::Stages::get(log_n, inverse));
    let scale = shift.filter(|_| inverse).map(|s| twiddles::coset_table(log_n, s, true));
    dif::bit_reverse_scale(a, scale.as_deref().map(|t| t.as_slice()));
}

/// Evaluations on H = ⟨ω⟩ from coefficients, in place (length a power of two).
pub fn fft_in_place(a: &mut [Fr]) {
    fft_in_place_with(a, Kernel::best())
}

/// Coefficients from evaluations on H, in place.
pub fn ifft_in_place(a: &mut [Fr]) {
    ifft_in_place_with(a, Kernel::best())
}

/// Evaluations on the coset shift·H from coefficients, in place (shift ≠ 0).
pub fn coset_fft_in_place(a: &mut [Fr], shift: Fr) {
    coset_fft_in_place_with(a, shift, Kernel::best())
}

/// Coefficients from evaluations on the coset shift·H, in place (shift ≠ 0).
pub fn coset_ifft_in_place(a: &mut [Fr], shift: Fr) {
    coset_ifft_in_place_with(a, shift, Kernel::best())
}

/// [`fft_in_place`] with the given kernel (panics if the CPU cannot run it).
pub fn fft_in_place_with(a: &mut [Fr], kernel: Kernel) {
    transform(a, false, None, kernel);
}

/// [`ifft_in_place`] with the given kernel.
pub fn ifft_in_place_with(a: &mut [Fr], kernel: Kernel) {
    transform(a, true, None, kernel);
}

/// [`coset_fft_in_place`] with the given kernel.
pub fn coset_fft_in_place_with(a: &mut [Fr], shift: Fr, kernel: Kernel) {
    transform(a, false, Some(shift), kernel);
}

/// [`coset_ifft_in_place`] with the given kernel.
pub fn coset_ifft_in_place_with(a: &mut [Fr], shift: Fr, kernel: Kernel) {
    transform(a, true, Some(shift), kernel);
}
