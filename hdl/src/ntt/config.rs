//! Build parameters and timing of [`super::NttCore`].

use crate::mod_add_sub::config::LATENCY as ADD_LATENCY;
use crate::montmul_pipelined::config::LATENCY as MUL_LATENCY;

/// Depth of the output FIFO (credit-based: at most `FIFO_DEPTH − 2` results stored or in flight).
pub const FIFO_DEPTH: usize = 128;
/// Cycles from issuing a pipelined operation (memory read) to its write-back: the registered
/// read, the multiplier and the adder/subtractor (the pipelined-multiplier build).
pub const OP_LATENCY: usize = 1 + MUL_LATENCY + ADD_LATENCY;
/// `K` of the build exercised by the tests and the report (buffer of `2^K` points).
pub const TEST_K: usize = 10;
/// `K` of the ECP5-85F card (`CardConfig::small`, `bitstreams/synth.py ecp5-card`; the NTT core alone:
/// `bitstreams/synth.py ecp5 ntt_core_iterative_k8`).
pub const ECP5_K: usize = 8;
