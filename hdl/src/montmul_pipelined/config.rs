//! Timing and resources of [`super::MontMulPipelined`].

use super::digit_stage::STAGE_CYCLES;
use crate::mod_add_sub::config::LIMB_STAGES;
use crate::row_mul::limbs;

/// Bits per digit of `a` (R = 2^(16·16) = 2^256).
pub const DIGIT_BITS: usize = 16;
/// Digits, one pipeline section each.
pub const DIGITS: usize = 16;
/// Register stages from operands to result: 5 per digit, 4 limb stages resolving the carry-save
/// sum, and the registered final selection.
pub const LATENCY: usize = DIGITS * STAGE_CYCLES + LIMB_STAGES + 1;
/// A new operand pair every cycle.
pub const INITIATION_INTERVAL: usize = 1;

/// DSP leaves for row limbs of `wl` bits: per digit, `a_i·B` and `m_i·p` rows plus one for `m_i`.
pub const fn dsp_leaves(wl: usize) -> usize {
    DIGITS * (2 * limbs(wl) + 1)
}
