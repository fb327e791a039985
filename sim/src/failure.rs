//! What a failing co-simulation test leaves behind: the failing vectors replayed into a VCD.

use crate::binary_op::{run_binary_op, BinaryOpPorts};
use crate::verilator::Build;
use num_bigint::BigUint;
use std::path::PathBuf;

/// Replays `pairs` with tracing on (no bubbles) and returns the VCD path, so that a failure
/// message can point at the waveform. Models are built without `--trace` (it would double every
/// build), so this builds the traced twin of `verilog` (the model named `test`, as
/// [`crate::binary_op::check_binary_block`] names it) first (once, cached beside the untraced
/// one); it runs only after a mismatch.
pub fn replay_binary_op_with_vcd(verilog: &str, test: &str, pairs: &[(BigUint, BigUint)]) -> Option<PathBuf> {
    let lib = Build::new(test, verilog).traced().build().ok()?;
    let mut m = lib.instantiate();
    let path = m.trace_in_build_dir(&format!("{test}-failure")).ok()?;
    let ports = BinaryOpPorts::standard(&m).ok()?;
    let mut rng = <rand_chacha::ChaCha20Rng as rand::SeedableRng>::seed_from_u64(0);
    let _ = run_binary_op(&mut m, &ports, pairs, 0.0, 1000, &mut rng);
    m.ticks(4);
    m.stop_trace();
    Some(path)
}
