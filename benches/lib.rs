//! Helpers shared by the zkaccel benches: size ranges from the environment and the circuits the
//! prover bench runs on.
//!
//! * `ZKACCEL_BENCH_QUICK=1`: quick mode (smallest sizes, few samples);
//! * `ZKACCEL_BENCH_LOG_MIN`, `ZKACCEL_BENCH_LOG_MAX`: the range of log2 sizes (default 10..=16);
//! * `ZKACCEL_BENCH_CRITERION_MAX`: the largest log2 size that also gets a criterion measurement
//!   (default 14; larger sizes are timed by the single profiled run only).

pub mod gpu_baseline;

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

/// A comma-separated list of numbers from the environment (e.g. `ZKACCEL_BENCH_LOG_SIZES=16,20`),
/// or `default` when unset or empty. A malformed entry panics with the variable's name.
pub fn env_list(name: &str, default: &[u32]) -> Vec<u32> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.split(',').map(|s| s.trim().parse().expect(name)).collect(),
        _ => default.to_vec(),
    }
}

/// The median of a non-empty sample.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Milliseconds `f` takes.
pub fn time_ms(f: impl FnOnce()) -> f64 {
    let t = std::time::Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e3
}
