//! Build parameters and timing of [`super::NttBatchCore`].

use crate::mod_add_sub::config::LATENCY as ADD_LATENCY;
use crate::montmul_pipelined::config::LATENCY as MUL_LATENCY;

/// Transform buffers ("slots") of `2^K` points each. A transform moves through the slots in
/// round-robin order: load → compute → unload, so up to two transforms compute (one per lane)
/// while a third loads and a fourth unloads.
pub const SLOTS: usize = 4;
/// Depth of the output FIFO (credit-based: an unload read, or a final-stage butterfly whose first
/// output streams into the FIFO, is issued only while the words stored, the read in flight and the
/// streaming slot's butterflies in flight stay below `FIFO_DEPTH − 2`). Deeper than
/// [`OP_LATENCY`] so that a final stage streams at one butterfly per cycle.
pub const FIFO_DEPTH: usize = 128;
/// Cycles from issuing a butterfly (memory read) to its write-back: the registered read, the
/// multiplier, the adder/subtractor and the halving adder (the `1/2` of an inverse stage).
pub const OP_LATENCY: usize = 1 + MUL_LATENCY + 2 * ADD_LATENCY;
/// `K` of the build exercised by the tests and the report (slots of `2^K` points).
pub const TEST_K: usize = 10;
/// Largest four-step size whose twiddles the core forms (`cfg_tw_log_n ≤ 16`): `ω_{2^16}^x` as
/// the product of the butterfly twiddle ROM's `ω_{2^K}^{x >> (16−K)}` and a second ROM's
/// `ω_{2^16}^{x mod 2^{16−K}}` (`2^{16−K}` entries: 64 for `K = 10`).
pub const FOUR_STEP_LOG_MAX: usize = 16;
