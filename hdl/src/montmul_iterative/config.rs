//! Timing and resources of [`super::MontMulIterative`].

/// Bits per digit of `a`.
pub const DIGIT_BITS: usize = 16;
/// Digits per operand: 256 / 16, so the Montgomery radix is R = 2^256.
pub const DIGITS: usize = 16;
/// Register stages from operands to result (docs/interfaces.md §3): operands sampled in cycle 0
/// are visible at `out` with `out_valid` in cycle `LATENCY`. The load, 2 per digit (phases A and
/// B), and the final conditional subtraction.
pub const LATENCY: usize = 2 * DIGITS + 2;
/// Cycles between accepted operand pairs when operands are always offered: `in_ready` rises the
/// cycle after the last digit, and the final subtraction overlaps the next load.
pub const INITIATION_INTERVAL: usize = 2 * DIGITS + 1;
/// DSP leaves: 16 in the shared row multiplier plus one for `m_i`.
pub const DSP_LEAVES: usize = crate::digit_row_mul::DSP_LEAVES + 1;
