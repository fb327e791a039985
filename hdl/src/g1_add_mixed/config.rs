//! Timing and resources of [`super::G1AddMixed`].

use crate::mod_add_sub::config::LATENCY as ADD;
use crate::montmul_pipelined::config::LATENCY as MUL;

/// Latency of one modular addition or subtraction (`ModAddSub`).
pub const ADD_LATENCY: usize = ADD;
/// Latency of one pipelined Montgomery multiplication (`MontMulPipelined`).
pub const MUL_LATENCY: usize = MUL;
/// Cycles from the ports to the negated-or-not `y2`: the subtraction `0 − y2` and one register
/// for the `neg2` select. Off the critical path (see NOTES.md).
pub const FRONT_LATENCY: usize = ADD_LATENCY + 1;
/// Field multiplications per addition (Renes–Costello–Batina Algorithm 7): 12 multiplier
/// instances, all of one shared Verilog module.
pub const MULTIPLIERS: usize = 12;
/// Modular adders/subtractors: 19 of Algorithm 7, 2 × 4 for the two multiplications by
/// `3b = 9`, one for `neg2`.
pub const ADDERS: usize = 19 + 2 * 4 + 1;
/// Register stages on the critical path: `X1+Z1` (add) → `·(X2+Z2)` (mult) → `−(t0+t2)` (sub) →
/// `·9` (4 adds) → `·t4` / `·t0` (mult) → final add/sub, then the registered `inf2` select.
pub const LATENCY: usize = 2 * MUL_LATENCY + 7 * ADD_LATENCY + 1;
/// A new addition every cycle.
pub const INITIATION_INTERVAL: usize = 1;
/// DSP leaves of the whole adder with the multiplier's row limbs of `wl` bits (adders and delay
/// lines use none).
pub const fn dsp_leaves(wl: usize) -> usize {
    MULTIPLIERS * crate::montmul_pipelined::config::dsp_leaves(wl)
}
