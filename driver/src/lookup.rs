//! The host side of the lookup kernel over any [`Device`] (`hdl/src/lookup/`, stream formats in
//! `zkaccel_interface::lookup`):
//!
//! * [`DeviceLookup::count`] — multiplicities of table-row indices; a table larger than the card's
//!   counter memory is counted in slices of rows (the host sends each slice only its indices,
//!   offset), so any table size works;
//! * [`DeviceLookup::fractions`] — `m_i / (β + x_i)` in batches of at most the card's batch size:
//!   per batch the forward pass returns the 128 chain products, the host inverts them (one field
//!   inversion, Montgomery's trick over 128 values) and the backward pass returns the fractions.
//!
//! Results are returned unchecked; the accelerator backend checks them (`accel`).

use crate::device::{Device, DeviceError};
use crate::regs::{Kernel, Reg, Status};
use ark_bn254::{Fr, FrConfig};
use ark_ff::Zero;
use std::time::Duration;
use zkaccel_interface::lookup::{pack_u32_beats, unpack_u32_beats, LookupFlags, LookupOp, CHAINS, INDICES_PER_BEAT};
use zkaccel_interface::wire::{from_wire, to_wire};

/// Cycles and bytes of the calls since the last [`DeviceLookup::take_stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookupStats {
    /// Card cycles (`CmdCycles` summed over the commands).
    pub cycles: u64,
    /// Bytes streamed to the card.
    pub bytes_to_card: u64,
    /// Bytes streamed back.
    pub bytes_from_card: u64,
    /// Commands run.
    pub commands: u64,
}

/// A lookup engine on a card.
pub struct DeviceLookup<'a, D: Device + ?Sized> {
    dev: &'a mut D,
    seq: u32,
    max_log_table: usize,
    max_log_batch: usize,
    timeout: Duration,
    stats: LookupStats,
}

impl<'a, D: Device + ?Sized> DeviceLookup<'a, D> {
    /// Checks that `dev` is a zkaccel card with our register map and a lookup kernel.
    pub fn new(dev: &'a mut D, timeout: Duration) -> Result<Self, DeviceError> {
        crate::device::check_card(dev, Kernel::Lookup)?;
        let max_log_table = dev.read32(Reg::LookupMaxLogTable.offset())? as usize;
        let max_log_batch = dev.read32(Reg::LookupMaxLogBatch.offset())? as usize;
        if !(3..=16).contains(&max_log_table) || !(7..=16).contains(&max_log_batch) {
            return Err(DeviceError::Protocol(format!("lookup memories of 2^{max_log_table} rows, batches of 2^{max_log_batch}")));
        }
        let seq = dev.read32(Reg::DoneSeq.offset())?;
        Ok(Self { dev, seq, max_log_table, max_log_batch, timeout, stats: LookupStats::default() })
    }

    /// The largest batch of one inversion command.
    pub fn max_batch(&self) -> usize {
        1 << self.max_log_batch
    }

    /// Counter memory rows.
    pub fn max_table(&self) -> usize {
        1 << self.max_log_table
    }

    /// The statistics so far, and starts new ones.
    pub fn take_stats(&mut self) -> LookupStats {
        std::mem::take(&mut self.stats)
    }

    /// One command: parameters, doorbell, `input` down, `out_len` bytes back, status.
    fn command(&mut self, op: u32, n: usize, table: usize, flags: u32, beta: Fr, input: &[u8], out_len: usize) -> Result<Vec<u8>, DeviceError> {
        // `LookupN` is 32 bits and the counter's end test adds a beat of 8 to what it consumed:
        // a longer command would be cut short (or its end misread) rather than refused.
        if n > (u32::MAX - 8) as usize {
            return Err(DeviceError::Unsupported(format!("a lookup command of {n} elements (the card counts at most 2^32 − 9)")));
        }
        let d = &mut *self.dev;
        d.write32(Reg::Command.offset(), Kernel::Lookup as u32)?;
        d.write32(Reg::LookupOp.offset(), op)?;
        d.write32(Reg::LookupN.offset(), n as u32)?;
        d.write32(Reg::LookupTable.offset(), table as u32)?;
        d.write32(Reg::LookupFlags.offset(), flags)?;
        if op == LookupOp::INV_FORWARD {
            let wire = to_wire(&beta);
            for i in 0..8u32 {
                let w = u32::from_le_bytes(wire[4 * i as usize..4 * i as usize + 4].try_into().expect("4 bytes"));
                d.write32(Reg::LookupBeta0.offset() + 4 * i, w)?;
            }
        }
        self.seq = self.seq.wrapping_add(1);
        d.write32(Reg::Doorbell.offset(), self.seq)?;
        d.stream_to_card(input, self.timeout)?;
        let out = d.stream_from_card(out_len, self.timeout)?;
        d.wait_done(self.seq, self.timeout)?;
        let status = d.read32(Reg::Status.offset())?;
        self.stats.cycles += d.read32(Reg::CmdCycles.offset())? as u64;
        self.stats.bytes_to_card += input.len() as u64;
        self.stats.bytes_from_card += out.len() as u64;
        self.stats.commands += 1;
        if status != 0 {
            let what = if status & Status::LOOKUP_ZERO != 0 {
                "lookup batch: a zero denominator"
            } else if status & Status::LOOKUP_RANGE != 0 {
                "lookup count: an index outside the table"
            } else {
                "lookup command"
            };
            return Err(DeviceError::Card(status, what.into()));
        }
        Ok(out)
    }

    /// How often each row `0..table` occurs in `indices` (every index must be `< table`).
    pub fn count(&mut self, indices: &[u32], table: usize) -> Result<Vec<u32>, DeviceError> {
        if let Some(i) = indices.iter().position(|&v| v as usize >= table) {
            return Err(DeviceError::Unsupported(format!("index {} at {i} outside a table of {table}", indices[i])));
        }
        let rows = self.max_table();
        let mut counts = Vec::with_capacity(table);
        for lo in (0..table).step_by(rows) {
            let t = rows.min(table - lo);
            let slice: Vec<u32> =
                indices.iter().filter(|&&v| (lo..lo + t).contains(&(v as usize))).map(|&v| v - lo as u32).collect();
            if slice.is_empty() {
                counts.resize(lo + t, 0);
                continue;
            }
            let input: Vec<u8> = pack_u32_beats(&slice).concat();
            let out = self.command(LookupOp::COUNT, slice.len(), t, 0, Fr::zero(), &input, 32 * t.div_ceil(INDICES_PER_BEAT))?;
            let beats: Vec<[u8; 32]> = out.chunks_exact(32).map(|c| c.try_into().expect("32 bytes")).collect();
            counts.extend(unpack_u32_beats(&beats, t));
        }
        Ok(counts)
    }

    /// `m_i / (β + x_i)` (`1 / (β + x_i)` without `m`). A zero denominator is a card error
    /// ([`Status::LOOKUP_ZERO`]); callers that allow zeros leave them out first.
    pub fn fractions(&mut self, beta: Fr, x: &[Fr], m: Option<&[Fr]>) -> Result<Vec<Fr>, DeviceError> {
        if m.is_some_and(|m| m.len() != x.len()) {
            return Err(DeviceError::Unsupported("fractions: m and x differ in length".into()));
        }
        let mut out = Vec::with_capacity(x.len());
        let batch = self.max_batch();
        for start in (0..x.len()).step_by(batch) {
            let end = (start + batch).min(x.len());
            let xs = &x[start..end];
            let ms = m.map(|m| &m[start..end]);
            let flags = if ms.is_some() { LookupFlags::SCALE } else { 0 };
            let input: Vec<u8> = xs.iter().chain(ms.unwrap_or(&[])).flat_map(to_wire).collect();
            let fwd = self.command(LookupOp::INV_FORWARD, xs.len(), 0, flags, beta, &input, 32 * CHAINS)?;
            let mut q = decode(&fwd, "chain product")?;
            if q.iter().any(|p| p.is_zero()) {
                return Err(DeviceError::Protocol("a chain product is zero but the card flagged no zero denominator".into()));
            }
            ark_ff::batch_inversion(&mut q);
            let input: Vec<u8> = q.iter().flat_map(to_wire).collect();
            let back = self.command(LookupOp::INV_BACKWARD, xs.len(), 0, flags, Fr::zero(), &input, 32 * xs.len())?;
            out.extend(decode(&back, "fraction")?);
        }
        Ok(out)
    }
}

fn decode(bytes: &[u8], what: &str) -> Result<Vec<Fr>, DeviceError> {
    bytes
        .chunks_exact(32)
        .enumerate()
        .map(|(i, b)| from_wire::<FrConfig>(b).map_err(|e| DeviceError::Protocol(format!("{what} {i}: {e}"))))
        .collect()
}
