//! Build-time parameters and the packed layouts of the bucket unit (`scheduler.rs`, `NOTES.md`).

/// Largest window size the unit accepts at run time (`cfg_c`): digits `|d| ≤ 2^15` fit the 16-bit
/// magnitude port.
pub const MAX_C: usize = 16;
/// Smallest window size (`c = 1` would need no buckets beyond one per window).
pub const MIN_C: usize = 2;
/// Largest bucket memory (entries): the RAM leaves have 16-bit addresses.
pub const MAX_LOG_DEPTH: usize = 16;
/// Conflict-queue entries (a show-ahead FIFO; at most 128).
pub const CONFLICT_DEPTH: usize = 64;
/// Read-out FIFO entries (credit-based flow control towards `m_ready`).
pub const OUT_DEPTH: usize = 8;
/// Width of the adder tag the unit uses: bucket address (16 bits) and the issue parity (bit 16).
pub const TAG_BITS: usize = 32;
/// Bits of one conflict-queue entry: x, y (256 each), neg, address (16), defer time stamp (16).
pub const QUEUE_BITS: usize = 256 + 256 + 1 + 16 + 16;

/// Age (cycles since it was deferred) after which a conflict-queue entry's bucket is certainly
/// free again, unless another addition took it meanwhile: its blocker was issued at the latest
/// in the cycle before the deferral, so its write-back lands `adder_latency` cycles later and
/// a selection (the cycle the busy bits are read) from then on sees it.
pub fn retry_age(adder_latency: usize) -> usize {
    adder_latency
}
