//! A card's time inside its [`Device`] calls, for the profile's host share: the backend wraps
//! every card in [`Timed`], and a kernel call's host share is its wall time less the time spent
//! in the device's methods during it (registers, streams, waits — on the simulated card also the
//! simulation they drive). What remains is the host's own work: digits, wire conversion,
//! four-step passes, decoding and combining answers.

use crate::device::{Device, DeviceError, Identity};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A device whose calls add their wall time to a shared counter (nanoseconds).
pub(super) struct Timed {
    inner: Box<dyn Device + Send>,
    nanos: Arc<AtomicU64>,
}

impl Timed {
    /// `inner`, and the counter its calls add to.
    pub(super) fn new(inner: Box<dyn Device + Send>) -> (Self, Arc<AtomicU64>) {
        let nanos = Arc::new(AtomicU64::new(0));
        (Self { inner, nanos: nanos.clone() }, nanos)
    }

    fn timed<T>(&mut self, f: impl FnOnce(&mut Box<dyn Device + Send>) -> T) -> T {
        let t = Instant::now();
        let out = f(&mut self.inner);
        self.nanos.fetch_add(t.elapsed().as_nanos().min(u64::MAX as u128) as u64, Ordering::Relaxed);
        out
    }
}

/// The counter's total as a duration.
pub(super) fn total(nanos: &AtomicU64) -> Duration {
    Duration::from_nanos(nanos.load(Ordering::Relaxed))
}

impl Device for Timed {
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        self.timed(|d| d.read32(offset))
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        self.timed(|d| d.write32(offset, value))
    }
    fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        self.timed(|d| d.stream_to_card(data, timeout))
    }
    fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        self.timed(|d| d.stream_from_card(len, timeout))
    }
    fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), DeviceError> {
        self.timed(|d| d.wait_done(seq, timeout))
    }
    fn reset(&mut self) -> Result<(), DeviceError> {
        self.timed(|d| d.reset())
    }
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        self.timed(|d| d.identify())
    }
}
