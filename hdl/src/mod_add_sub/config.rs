//! Timing of [`super::ModAddSub`].

/// Width of one limb stage in bits: the longest carry chain in one cycle is `LIMB_BITS + 1`.
pub const LIMB_BITS: usize = 64;
/// Number of limb stages (256 / 64).
pub const LIMB_STAGES: usize = 4;
/// Register stages from operands to result (docs/interfaces.md §3): operands presented in cycle 0
/// are visible at `out` with `out_valid` in cycle `LATENCY`. One per limb stage plus the
/// registered select.
pub const LATENCY: usize = LIMB_STAGES + 1;
/// Initiation interval: a new operation every cycle.
pub const INITIATION_INTERVAL: usize = 1;
