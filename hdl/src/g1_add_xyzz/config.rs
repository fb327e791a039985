//! Timing and resources of [`super::G1AddXyzz`].

use crate::mod_add_sub::config::LATENCY as ADD;
use crate::montmul_pipelined::config::LATENCY as MUL;

/// Latency of one modular addition or subtraction (`ModAddSub`).
pub const ADD_LATENCY: usize = ADD;
/// Latency of one pipelined Montgomery multiplication (`MontMulPipelined`).
pub const MUL_LATENCY: usize = MUL;
/// Cycles from the ports to the negated-or-not `y2`: the subtraction `0 − y2` and one register
/// for the `neg2` select.
pub const FRONT_LATENCY: usize = ADD_LATENCY + 1;
/// Field multiplications per operation: the XYZZ mixed addition's 8M + 2S. Ten instances of one
/// shared Verilog module; the doubling (6M + 3S) and the scaling (4M) run on the same ten.
pub const MULTIPLIERS: usize = 10;
/// Modular adders/subtractors of the graph (`schedule.rs`) plus the `neg2` front.
pub const ADDERS: usize = 10 + 1;
/// Register stages on the critical path: the `y2` front → the second multiplier (`y2·ZZZu`; the
/// doubling's `V = U²`) → `PP = P²` (the doubling's `W = U·V` needs `V`) → `PPP = P·PP` →
/// `RR − PPP` → `− 2Q` → `Q − X3` (three subtractions) → `R·(Q − X3)` → `− Y1·PPP`, then the
/// registered output select. The schedule (`schedule.rs`) derives it; a test checks they agree.
pub const LATENCY: usize = FRONT_LATENCY + 4 * MUL_LATENCY + 4 * ADD_LATENCY + 1;
/// A new operation every cycle.
pub const INITIATION_INTERVAL: usize = 1;
/// DSP leaves of the whole adder with the multiplier's row limbs of `wl` bits.
pub const fn dsp_leaves(wl: usize) -> usize {
    MULTIPLIERS * crate::montmul_pipelined::config::dsp_leaves(wl)
}
