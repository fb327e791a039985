//! The host side of the NTT kernel over any [`Device`]: parameters into registers, the vector
//! down the host-to-card stream, the result back, completion and status checked, output decoded
//! and validated. Sizes beyond the card's buffer go through the host's four-step schedule
//! (`zkaccel::card_schedule::ntt_four_step`).

use crate::device::{Device, DeviceError};
use crate::regs::{Kernel, NttFlags, Reg, GONE};
use ark_bn254::{Fr, FrConfig};
use std::time::Duration;
use zkaccel::card_schedule::ntt_four_step::{four_step_ntt, NttColumns};
use zkaccel_interface::ntt::NttMode;
use zkaccel_interface::wire::{from_wire, to_wire};

/// The `NttMaxLogN` values this driver accepts: the NTT core's buffer of `2^K` points,
/// `K` in 3..=15 (`hdl`: `NttCore::new`); four-step doubles it. Anything else is a protocol error
/// (all ones: the card is gone), never a shift by the card's number.
pub const NTT_MAX_LOG_N: std::ops::RangeInclusive<usize> = 3..=15;

/// An NTT engine on a card.
pub struct DeviceNtt<'a, D: Device + ?Sized> {
    dev: &'a mut D,
    seq: u32,
    max_log_n: usize,
    timeout: Duration,
}

impl<'a, D: Device + ?Sized> DeviceNtt<'a, D> {
    /// Checks that `dev` is a zkaccel card with our register map and an NTT kernel, and that its
    /// buffer size (`NttMaxLogN`) is in [`NTT_MAX_LOG_N`].
    pub fn new(dev: &'a mut D, timeout: Duration) -> Result<Self, DeviceError> {
        crate::device::check_card(dev, Kernel::Ntt)?;
        let read = dev.read32(Reg::NttMaxLogN.offset())?;
        if read == GONE {
            return Err(DeviceError::Gone("NttMaxLogN reads all ones".into()));
        }
        let max_log_n = read as usize;
        if !NTT_MAX_LOG_N.contains(&max_log_n) {
            return Err(DeviceError::Protocol(format!(
                "NttMaxLogN {read}: an NTT buffer of 2^{read} points (this driver knows 2^{}..=2^{})",
                NTT_MAX_LOG_N.start(),
                NTT_MAX_LOG_N.end()
            )));
        }
        let seq = dev.read32(Reg::DoneSeq.offset())?;
        Ok(Self { dev, seq, max_log_n, timeout })
    }

    /// The device (e.g. to read its cycle counter between transforms).
    pub fn dev_mut(&mut self) -> &mut D {
        self.dev
    }

    /// One transform of at most `2^max_log_n` points on the card.
    pub fn transform(&mut self, data: &mut [Fr], mode: NttMode) -> Result<(), DeviceError> {
        let n = data.len();
        if !n.is_power_of_two() || n < 2 || n > 1 << self.max_log_n {
            return Err(DeviceError::Unsupported(format!("NTT of {n} points on a 2^{} card", self.max_log_n)));
        }
        let d = &mut *self.dev;
        d.write32(Reg::Command.offset(), Kernel::Ntt as u32)?;
        d.write32(Reg::NttLogN.offset(), n.trailing_zeros())?;
        let shift = mode.shift_register();
        let flags = if mode.inverse { NttFlags::INVERSE } else { 0 } | if shift.is_some() { NttFlags::COSET } else { 0 };
        d.write32(Reg::NttFlags.offset(), flags)?;
        let wire = to_wire(&shift.unwrap_or_default());
        for i in 0..8u32 {
            let w = u32::from_le_bytes(wire[4 * i as usize..4 * i as usize + 4].try_into().expect("4 bytes"));
            d.write32(Reg::NttShift0.offset() + 4 * i, w)?;
        }
        self.seq = self.seq.wrapping_add(1);
        d.write32(Reg::Doorbell.offset(), self.seq)?;
        let input: Vec<u8> = data.iter().flat_map(to_wire).collect();
        d.stream_to_card(&input, self.timeout)?;
        let out = d.stream_from_card(32 * n, self.timeout)?;
        d.wait_done(self.seq, self.timeout)?;
        let status = d.read32(Reg::Status.offset())?;
        if status != 0 {
            return Err(DeviceError::Card(status, format!("NTT of {n} points")));
        }
        for (i, (v, bytes)) in data.iter_mut().zip(out.chunks_exact(32)).enumerate() {
            *v = from_wire::<FrConfig>(bytes).map_err(|e| DeviceError::Protocol(format!("element {i}: {e}")))?;
        }
        Ok(())
    }

    /// Forward or inverse NTT of any power-of-two size up to `2^(2·max_log_n)` (four-step beyond
    /// the buffer).
    pub fn ntt(&mut self, data: &mut [Fr], inverse: bool) -> Result<(), DeviceError> {
        let n = data.len();
        four_step_ntt(self, data, inverse)
            .unwrap_or_else(|| Err(DeviceError::Unsupported(format!("NTT of {n} points"))))
    }
}

impl<D: Device + ?Sized> NttColumns for DeviceNtt<'_, D> {
    type Error = DeviceError;
    fn max_log_n(&self) -> usize {
        self.max_log_n
    }
    fn transform(&mut self, data: &mut [Fr], mode: NttMode) -> Result<(), DeviceError> {
        DeviceNtt::transform(self, data, mode)
    }
}
