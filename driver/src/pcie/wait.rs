//! Bounded polling: every wait of the PCIe backend ends by its deadline (nothing hangs). Spins
//! briefly, then sleeps with a growing back-off (up to 1 ms), so a fast card costs little latency
//! and a slow one little CPU.

use std::time::{Duration, Instant};

use crate::device::DeviceError;

/// Calls `poll` until it returns `Some`, an error, or `timeout` has passed (then a
/// [`DeviceError::Timeout`] for `what`).
pub fn poll_until<T>(timeout: Duration, what: impl Fn() -> String, mut poll: impl FnMut() -> Result<Option<T>, DeviceError>) -> Result<T, DeviceError> {
    let start = Instant::now();
    let mut pause = Duration::from_micros(1);
    let mut spins = 0u32;
    loop {
        if let Some(v) = poll()? {
            return Ok(v);
        }
        if start.elapsed() >= timeout {
            return Err(DeviceError::Timeout(timeout, what()));
        }
        spins += 1;
        if spins < 64 {
            std::hint::spin_loop();
        } else {
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(1));
        }
    }
}
