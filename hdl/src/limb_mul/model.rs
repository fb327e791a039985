//! Behavioural model of [`super::LimbMul`]: the exact unsigned product.

use rust_hdl::prelude::*;

/// `a · b` as a `P`-bit vector. Operands are at most 32 bits each, so the product fits a u64.
pub fn limb_mul<const P: usize>(a: u64, b: u64) -> Bits<P> {
    debug_assert!(a < (1 << 32) && b < (1 << 32));
    bits::<P>(a * b)
}
