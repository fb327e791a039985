//! How the host splits work for a card's kernels (independent of any particular card or of
//! hardware crates, so the driver, the simulated card and the benches share one schedule):
//!
//! * [`ntt_four_step`] — NTTs larger than the card's buffer as column transforms plus coset
//!   (twiddle) passes;
//! * [`msm_requests`] — MSM scalars sliced into signed digits, addition requests grouped by the
//!   card's bucket memory, the read-out folded back, and the bucket reduction on the host;
//! * [`msm_reduce`] — the MSM with the bucket reduction on the card: digit streams whose spread
//!   windows suit the card's chains, and the host's final combination of the chain sums;
//! * [`ntt_four_step_batch`] — the same four-step on the batch NTT core: two batches, the
//!   twiddles on the card (on the first batch's way out), the transposes on the host;
//! * [`msm_digit_stream`] — the same digit streams written straight into the card's wire words,
//!   chunk by chunk, so that the host prepares ahead of the card;
//! * [`msm_precomputed`] — the MSM over precomputed windows: a table of the bases' window shifts
//!   resident on the card, every MSM one window of buckets over it (one reduction, no Horner).

pub mod msm_digit_stream;
pub mod msm_precomputed;
pub mod msm_reduce;
pub mod msm_requests;
pub mod msm_xyzz;
pub mod ntt_four_step;
pub mod ntt_four_step_batch;
