//! The `Device` trait: what the host needs from any zkaccel card.

use std::time::Duration;

use crate::regs::{Kernel, Reg, CARD_ID, GONE, REGMAP_VERSION};

/// Errors of a device.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeviceError {
    /// The device does not answer (register reads return all ones) or was never there.
    #[error("device gone or not present: {0}")]
    Gone(String),
    /// A command did not finish within the timeout.
    #[error("timeout after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    /// The card reported an error for a command (STATUS bits).
    #[error("card error: status {0:#x}: {1}")]
    Card(u32, String),
    /// The host asked for something the card cannot do (size, kernel, version).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The data coming back is not what the protocol says (e.g. a non-canonical element).
    #[error("protocol: {0}")]
    Protocol(String),
}

/// What [`Device::identify`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// Human-readable card name (backend and board).
    pub name: String,
    /// Register-map version of the bitstream.
    pub regmap_version: u32,
    /// Bit mask of kernels (`regs::Kernel`).
    pub kernels: u32,
    /// Kernel clock in kHz (0 when not meaningful, e.g. a simulation).
    pub clock_khz: u32,
}

/// A zkaccel card: registers, one host-to-card and one card-to-host stream, completion by
/// doorbell sequence numbers. Every backend (simulated card, PCIe card) implements all of it.
pub trait Device {
    /// Reads a 32-bit register at a byte offset of BAR0.
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError>;
    /// Writes a 32-bit register.
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError>;
    /// Sends bytes on the host-to-card stream (whole 32-byte beats; the last byte of the buffer
    /// ends the packet, i.e. carries `last`).
    fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError>;
    /// Receives exactly `len` bytes from the card-to-host stream.
    fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError>;
    /// Waits until `DONE_SEQ` equals `seq`.
    fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), DeviceError>;
    /// Resets the kernels and empties the streams.
    fn reset(&mut self) -> Result<(), DeviceError>;
    /// Who the card is.
    fn identify(&mut self) -> Result<Identity, DeviceError>;
}

/// A borrowed device is a device (so that a kernel's host side can own or borrow its card).
impl<D: Device + ?Sized> Device for &mut D {
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        (**self).read32(offset)
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        (**self).write32(offset, value)
    }
    fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        (**self).stream_to_card(data, timeout)
    }
    fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        (**self).stream_from_card(len, timeout)
    }
    fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), DeviceError> {
        (**self).wait_done(seq, timeout)
    }
    fn reset(&mut self) -> Result<(), DeviceError> {
        (**self).reset()
    }
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        (**self).identify()
    }
}

/// A boxed device is a device (the backend holds its cards as `Box<dyn Device + Send>`).
impl<D: Device + ?Sized> Device for Box<D> {
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        (**self).read32(offset)
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        (**self).write32(offset, value)
    }
    fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        (**self).stream_to_card(data, timeout)
    }
    fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        (**self).stream_from_card(len, timeout)
    }
    fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), DeviceError> {
        (**self).wait_done(seq, timeout)
    }
    fn reset(&mut self) -> Result<(), DeviceError> {
        (**self).reset()
    }
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        (**self).identify()
    }
}

/// Checks that `dev` is a zkaccel card (ID), present (not all ones), with this driver's register-map
/// version and `kernel` in its bitstream: what every kernel's host side does before its first
/// command.
pub fn check_card<D: Device + ?Sized>(dev: &mut D, kernel: Kernel) -> Result<(), DeviceError> {
    let id = dev.read32(Reg::Id.offset())?;
    if id == GONE {
        return Err(DeviceError::Gone("ID register reads all ones".into()));
    }
    if id != CARD_ID {
        return Err(DeviceError::Gone(format!("ID {id:#x} is not a zkaccel card")));
    }
    let version = dev.read32(Reg::Version.offset())?;
    if version != REGMAP_VERSION {
        return Err(DeviceError::Unsupported(format!("register map v{version}, this driver speaks v{REGMAP_VERSION}")));
    }
    if dev.read32(Reg::Kernels.offset())? & kernel as u32 == 0 {
        let name = match kernel {
            Kernel::Ntt => "NTT",
            Kernel::Msm => "MSM",
            Kernel::Lookup => "lookup",
        };
        return Err(DeviceError::Unsupported(format!("the bitstream has no {name} kernel")));
    }
    Ok(())
}
