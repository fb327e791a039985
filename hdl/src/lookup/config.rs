//! Sizes and timing of the lookup kernel ([`super::LookupUnit`]).

use crate::montmul_pipelined::config::LATENCY as MUL_LATENCY;
pub use zkaccel_interface::lookup::CHAINS;

/// `log2` of the counter memory rows and of the batch memories in the Verilator test build.
pub const TEST_LOG_DEPTH: usize = 10;
/// Output FIFO of the counter (beats).
pub const COUNTER_FIFO_DEPTH: usize = 4;
/// Output FIFO of the batch inverter (field elements).
pub const INVERTER_FIFO_DEPTH: usize = 128;
/// Results in flight plus results in the FIFO stay below this (room for the read stage).
pub const INVERTER_CREDITS: usize = INVERTER_FIFO_DEPTH - 2;

// A chain's previous product must be written back (multiplier latency, the tag's write stage)
// before the chain's next element reads it (one element per cycle in the forward pass).
const _: () = assert!(CHAINS >= MUL_LATENCY + 4 && CHAINS.is_power_of_two() && CHAINS <= INVERTER_FIFO_DEPTH);
