//! AVX-512 IFMA kernels (x86-64 CPUs with `avx512ifma`): eight BN254 Fr Montgomery products per
//! instruction sequence, in radix 2^52 ([`mont52`]), and the NTT built on them ([`ntt`]); BN254 Fq
//! in arkworks' Montgomery form on the same product ([`fq52`]) for the MSM's batch-affine additions
//! (`cpu::msm::batch_affine_ifma`).
//!
//! Selected at run time: [`available`] says whether this CPU has the instructions; callers keep the
//! portable code (`cpu::mont`, `cpu::ntt::dif`) for every other CPU. The results are bit-identical
//! to the portable code and to arkworks (tests in the modules and in `tests/cpu_ntt.rs`).

#[cfg(target_arch = "x86_64")]
pub mod fq52;
#[cfg(target_arch = "x86_64")]
pub mod mont52;
#[cfg(target_arch = "x86_64")]
pub mod ntt;

/// Whether this CPU has AVX-512 F, DQ and IFMA (what the kernels use).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512dq")
            && std::is_x86_feature_detected!("avx512ifma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
