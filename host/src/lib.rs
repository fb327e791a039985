//! zkaccel host: a Plonk (Gabizon–Williamson–Ciobotaru) prover and verifier with KZG commitments
//! over BN254, whose heavy work (MSM, NTT) goes through a [`backend::Backend`].
//!
//! Layout (mirrors halo2):
//! - [`backend`]: the `Backend` seam (CPU implementation now, the FPGA card later) and a profiling
//!   decorator that measures the MSM / NTT share of a proof.
//! - [`poly`]: evaluation domains, coefficient-form helpers and KZG (commitments, batched openings).
//! - [`srs`]: the universal setup: snarkjs `.ptau` reader, an insecure development generator, and
//!   the Lagrange-basis form of the SRS.
//! - [`transcript`]: the Keccak-256 Fiat–Shamir transcript.
//! - [`plonk`]: column/gate declarations, key generation, prover, verifier, proof encoding.
//! - [`card_schedule`]: how work is split for a card's kernels (four-step NTT, MSM requests and
//!   bucket reduction), shared by the driver and the simulated card.
//! - [`codec`]: checked binary encodings of field elements and points shared by keys and proofs.
//!
//! The protocol is documented in `docs/plonk.md`.

pub mod backend;
pub mod card_schedule;
pub mod codec;
pub mod error;
pub mod plonk;
pub mod poly;
pub mod srs;
pub mod transcript;

pub use ark_bn254::{Bn254, Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
pub use error::Error;
pub mod cpu;
