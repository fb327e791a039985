//! Helpers shared by the zkaccel benches: size ranges from the environment and the circuits the
//! prover bench runs on.
//!
//! * `ZKACCEL_BENCH_QUICK=1`: quick mode (smallest sizes, few samples);
//! * `ZKACCEL_BENCH_LOG_MIN`, `ZKACCEL_BENCH_LOG_MAX`: the range of log2 sizes (default 10..=16);
//! * `ZKACCEL_BENCH_CRITERION_MAX`: the largest log2 size that also gets a criterion measurement
//!   (default 14; larger sizes are timed by the single profiled run only).

use std::ops::RangeInclusive;

fn env_u32(name: &str) -> Option<u32> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Whether quick mode is on.
pub fn quick() -> bool {
    std::env::var("ZKACCEL_BENCH_QUICK").map(|v| v == "1").unwrap_or(false)
}

/// The log2 sizes to run.
pub fn log_sizes() -> RangeInclusive<u32> {
    let (lo, hi) = if quick() { (10, 12) } else { (10, 16) };
    env_u32("ZKACCEL_BENCH_LOG_MIN").unwrap_or(lo)..=env_u32("ZKACCEL_BENCH_LOG_MAX").unwrap_or(hi)
}

/// The largest size measured with criterion.
pub fn criterion_max() -> u32 {
    env_u32("ZKACCEL_BENCH_CRITERION_MAX").unwrap_or(if quick() { 10 } else { 14 })
}
