//! Fast CPU kernels for BN254: multi-scalar multiplication on G1 ([`msm`]) and number-theoretic
//! transforms over Fr ([`ntt`]). Both are multi-threaded on the current rayon pool and give the
//! same results as arkworks (`ark-ec` `VariableBaseMSM`, `ark-poly` `Radix2EvaluationDomain`);
//! design notes and measurements are in `docs/cpu_kernels.md`.

#[cfg(any(test, feature = "test-utils"))]
pub mod features;
pub mod ifma;
pub mod msm;
pub mod ntt;
pub mod mont;
