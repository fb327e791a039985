//! A [`Device`] wrapper that injects the faults a real card shows (feature `test-utils`; tests
//! only): a hung command (time-out), an error status, a corrupted result word, a corrupted MSM
//! digit stream on its way to the card, a card that vanishes (reads of all ones). Each fault fires on the commands the test names, counted from
//! the wrapper's creation, so a test can hit a given call of a real proof.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::device::{Device, DeviceError, Identity};
use crate::regs::{Kernel, MsmOp, Reg, GONE};

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The command never completes: the result stream stays empty until the caller's timeout.
    Hang,
    /// The card completes the command but reports an error in `STATUS`.
    ErrorStatus(u32),
    /// One bit of the given result word (32-byte beat) is flipped.
    CorruptWord { word: usize, bit: u32 },
    /// One bit of the given word (32-byte beat) of an MSM accumulation's digit stream, host to
    /// card, is flipped (only commands that accumulate: `Command` = MSM, `MsmOp` = accumulate):
    /// the card sums other digits than the host's, and every point it returns is on the curve.
    CorruptDigits { word: usize, bit: u32 },
    /// The card is gone from now on: every register reads all ones, streams fail.
    Vanish,
}

/// The wrapper. Commands are counted at each doorbell write (0 = the first).
pub struct FaultyDevice<D> {
    inner: D,
    fault: Fault,
    on: BTreeSet<u64>,
    commands: u64,
    /// The fault of the current command, if it is one of `on`.
    armed: bool,
    gone: bool,
    fired: Arc<AtomicBool>,
    /// The last values written to `Command` and `MsmOp` (what the next doorbell starts).
    command: u32,
    msm_op: u32,
}

impl<D: Device> FaultyDevice<D> {
    /// Injects `fault` into the commands numbered in `on`.
    pub fn new(inner: D, fault: Fault, on: impl IntoIterator<Item = u64>) -> Self {
        Self { inner, fault, on: on.into_iter().collect(), commands: 0, armed: false, gone: false, fired: Arc::new(AtomicBool::new(false)), command: 0, msm_op: 0 }
    }

    /// Set once the fault has fired (shared, so a test can keep it after moving the device).
    pub fn fired(&self) -> Arc<AtomicBool> {
        self.fired.clone()
    }

    fn fire(&mut self) -> bool {
        if self.armed {
            self.fired.store(true, Ordering::SeqCst);
        }
        self.armed
    }
}

impl<D: Device> Device for FaultyDevice<D> {
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        if self.gone {
            return Ok(GONE);
        }
        let v = self.inner.read32(offset)?;
        let fault = self.fault;
        match fault {
            Fault::ErrorStatus(bits) if offset == Reg::Status.offset() && self.fire() => Ok(v | bits),
            _ => Ok(v),
        }
    }

    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        if self.gone {
            return Ok(()); // writes to a vanished device go nowhere
        }
        if offset == Reg::Command.offset() {
            self.command = value;
        } else if offset == Reg::MsmOp.offset() {
            self.msm_op = value;
        }
        if offset == Reg::Doorbell.offset() {
            let accumulates = self.command == Kernel::Msm as u32 && matches!(self.msm_op, MsmOp::ACCUMULATE | MsmOp::ACCUMULATE_REDUCE);
            self.armed = self.on.contains(&self.commands) && (accumulates || !matches!(self.fault, Fault::CorruptDigits { .. }));
            self.commands += 1;
            if self.armed && self.fault == Fault::Vanish {
                self.fired.store(true, Ordering::SeqCst);
                self.gone = true;
                return Ok(());
            }
        }
        self.inner.write32(offset, value)
    }

    fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        if self.gone {
            return Err(DeviceError::Gone("the card stopped answering".into()));
        }
        if let Fault::CorruptDigits { word, bit } = self.fault {
            if 32 * word < data.len() && self.fire() {
                // Once per command: its digits go down in one stream.
                self.armed = false;
                let mut data = data.to_vec();
                data[32 * word + (bit as usize / 8) % 32] ^= 1 << (bit % 8);
                return self.inner.stream_to_card(&data, timeout);
            }
        }
        self.inner.stream_to_card(data, timeout)
    }

    fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        if self.gone {
            return Err(DeviceError::Gone("the card stopped answering".into()));
        }
        if self.fault == Fault::Hang && self.fire() {
            // A real hang: nothing arrives, the caller waits out its timeout.
            std::thread::sleep(timeout);
            return Err(DeviceError::Timeout(timeout, format!("{len} bytes from the card (0 arrived)")));
        }
        let mut out = self.inner.stream_from_card(len, timeout)?;
        let fault = self.fault;
        if let Fault::CorruptWord { word, bit } = fault {
            if self.fire() && 32 * word < out.len() {
                out[32 * word + (bit as usize / 8) % 32] ^= 1 << (bit % 8);
            }
        }
        Ok(out)
    }

    fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), DeviceError> {
        if self.gone {
            return Err(DeviceError::Gone("DONE_SEQ reads all ones".into()));
        }
        self.inner.wait_done(seq, timeout)
    }

    fn reset(&mut self) -> Result<(), DeviceError> {
        if self.gone {
            return Err(DeviceError::Gone("reset of a vanished card".into()));
        }
        self.armed = false;
        self.inner.reset()
    }

    fn identify(&mut self) -> Result<Identity, DeviceError> {
        if self.gone {
            return Ok(Identity { name: "(gone)".into(), regmap_version: GONE, kernels: GONE, clock_khz: GONE });
        }
        self.inner.identify()
    }
}
