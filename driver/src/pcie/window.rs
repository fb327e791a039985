//! The BAR-window data path, for shells without a DMA engine (AWS F2's small shell, as CycloneMSM
//! used F1's): the host writes its stream through a mapping of the data BAR (F2's PCIS, BAR4) and
//! reads the card's stream back through the same window. A window holds two mailboxes of
//! `CHUNK` bytes each and their control words; neither side gets write events (a BAR mapped by a
//! file has none), so each side polls the other's sequence number:
//!
//! | offset | word | written by | meaning |
//! |---|---|---|---|
//! | 0x00 | `MAGIC` | card | [`WINDOW_MAGIC`] ("zkdw"); all ones = the card is gone |
//! | 0x04 | `CHUNK` | card | bytes per mailbox (a multiple of 32) |
//! | 0x10 | `H2C_SEQ` | host | incremented when a host-to-card chunk is in the mailbox |
//! | 0x14 | `H2C_LEN` | host | its length in bytes; bit 31 ([`H2C_LAST`]) set: the chunk ends the packet |
//! | 0x18 | `H2C_ACK` | card | the `H2C_SEQ` the card has consumed |
//! | 0x20 | `C2H_SEQ` | card | incremented when a card-to-host chunk is in the mailbox |
//! | 0x24 | `C2H_LEN` | card | its length in bytes |
//! | 0x28 | `C2H_ACK` | host | the `C2H_SEQ` the host has consumed |
//! | 0x1000 | host-to-card mailbox | host | `CHUNK` bytes |
//! | 0x1000 + CHUNK | card-to-host mailbox | card | `CHUNK` bytes |
//!
//! The data is written before its sequence number (with a fence), the sequence number last. While
//! the host waits for the card to take a chunk it also empties the card's mailbox, so a kernel
//! that streams results before it has all its input cannot deadlock.
//!
//! A packet (one [`crate::device::Device::stream_to_card`] call) ends with `last` on its final
//! beat: its last chunk carries [`H2C_LAST`] in `H2C_LEN`, and the card's stream shows `last`
//! there. The card publishes its mailbox when it is full, when the card's stream ends a packet, or
//! after a pause. The F2 wrapper (`bitstreams/vendor/rtl/zkaccel_f2_bridge.v`) implements the card
//! side in RTL; `driver/tests/f2_window_rtl.rs` runs this code against it in Verilator.

use std::time::{Duration, Instant};

use super::bar::Bar;
use super::wait::poll_until;
use crate::device::DeviceError;
use crate::regs::GONE;

/// "zkdw".
pub const WINDOW_MAGIC: u32 = 0x7a6b_6477;
/// Flag in `H2C_LEN`: this chunk ends the host's packet (the card's stream carries `last` on its
/// final beat).
pub const H2C_LAST: u32 = 1 << 31;
/// Offsets of the window's control words and mailboxes.
pub mod win {
    pub const MAGIC: usize = 0x00;
    pub const CHUNK: usize = 0x04;
    pub const H2C_SEQ: usize = 0x10;
    pub const H2C_LEN: usize = 0x14;
    pub const H2C_ACK: usize = 0x18;
    pub const C2H_SEQ: usize = 0x20;
    pub const C2H_LEN: usize = 0x24;
    pub const C2H_ACK: usize = 0x28;
    /// Start of the host-to-card mailbox; the card-to-host one follows it.
    pub const MAILBOX: usize = 0x1000;
}

/// What the window is accessed through: a mapped BAR ([`Bar`]), or a model of the card's bus in
/// tests. Accesses are 32-bit aligned words and byte runs, as on a BAR mapping.
pub trait WindowBus {
    /// Reads the word at a byte offset.
    fn read32(&self, offset: usize) -> Result<u32, DeviceError>;
    /// Writes the word at a byte offset.
    fn write32(&self, offset: usize, value: u32) -> Result<(), DeviceError>;
    /// Reads `len` bytes from a byte offset.
    fn read_bytes(&self, offset: usize, len: usize) -> Result<Vec<u8>, DeviceError>;
    /// Writes bytes at a byte offset.
    fn write_bytes(&self, offset: usize, data: &[u8]) -> Result<(), DeviceError>;
    /// Bytes the window spans.
    fn len(&self) -> usize;
    /// Whether it spans nothing.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Names it in errors.
    fn describe(&self) -> String;
}

impl WindowBus for Bar {
    fn read32(&self, offset: usize) -> Result<u32, DeviceError> {
        Bar::read32(self, offset)
    }
    fn write32(&self, offset: usize, value: u32) -> Result<(), DeviceError> {
        Bar::write32(self, offset, value)
    }
    fn read_bytes(&self, offset: usize, len: usize) -> Result<Vec<u8>, DeviceError> {
        Bar::read_bytes(self, offset, len)
    }
    fn write_bytes(&self, offset: usize, data: &[u8]) -> Result<(), DeviceError> {
        Bar::write_bytes(self, offset, data)
    }
    fn len(&self) -> usize {
        Bar::len(self)
    }
    fn describe(&self) -> String {
        self.path().display().to_string()
    }
}

/// The host side of a data window.
pub struct BarWindow<B: WindowBus = Bar> {
    bar: B,
    chunk: usize,
    h2c_seq: u32,
    c2h_seen: u32,
    pending: Vec<u8>,
}

impl<B: WindowBus> BarWindow<B> {
    /// Checks that a card serves a window on `bar` (a mapped data BAR).
    pub fn open(bar: B) -> Result<Self, DeviceError> {
        let magic = bar.read32(win::MAGIC)?;
        if magic == GONE {
            return Err(DeviceError::Gone(format!("{}: the data window reads all ones", bar.describe())));
        }
        if magic != WINDOW_MAGIC {
            return Err(DeviceError::Unsupported(format!(
                "{}: no zkaccel data window (magic {magic:#x}, expected {WINDOW_MAGIC:#x}): is this the data BAR of a zkaccel shell? (set ZKACCEL_DATA_BAR)",
                bar.describe()
            )));
        }
        let chunk = bar.read32(win::CHUNK)? as usize;
        if chunk == 0 || !chunk.is_multiple_of(32) || win::MAILBOX + 2 * chunk > bar.len() {
            return Err(DeviceError::Protocol(format!("{}: mailbox size {chunk} does not fit the {}-byte BAR", bar.describe(), bar.len())));
        }
        let mut w = Self { bar, chunk, h2c_seq: 0, c2h_seen: 0, pending: vec![] };
        w.resync()?;
        Ok(w)
    }

    /// Forgets everything in flight (after a reset): takes the card's sequence numbers as they are.
    pub fn resync(&mut self) -> Result<(), DeviceError> {
        self.h2c_seq = self.bar.read32(win::H2C_SEQ)?;
        self.c2h_seen = self.bar.read32(win::C2H_SEQ)?;
        self.bar.write32(win::C2H_ACK, self.c2h_seen)?;
        self.pending.clear();
        Ok(())
    }

    fn check_present(&self) -> Result<(), DeviceError> {
        if self.bar.read32(win::MAGIC)? == GONE {
            return Err(DeviceError::Gone("the data window reads all ones".into()));
        }
        Ok(())
    }

    /// Takes the card's chunk if a new one is in its mailbox.
    fn take_chunk(&mut self) -> Result<bool, DeviceError> {
        let seq = self.bar.read32(win::C2H_SEQ)?;
        if seq == self.c2h_seen {
            return Ok(false);
        }
        if seq == GONE {
            self.check_present()?;
        }
        let len = self.bar.read32(win::C2H_LEN)? as usize;
        if len > self.chunk {
            return Err(DeviceError::Protocol(format!("card-to-host chunk of {len} bytes in a {}-byte mailbox", self.chunk)));
        }
        // A card publishes its mailbox only with data in it; an empty chunk would let a card that
        // keeps publishing them hold the host forever.
        if len == 0 {
            return Err(DeviceError::Protocol(format!("the card published an empty card-to-host chunk (C2H_LEN 0, C2H_SEQ {seq})")));
        }
        if self.pending.len() + len > super::C2H_BUFFER_MAX {
            return Err(DeviceError::Protocol(format!(
                "the card sent more than {} MiB that nobody asked for (a runaway card-to-host stream)",
                super::C2H_BUFFER_MAX >> 20
            )));
        }
        let data = self.bar.read_bytes(win::MAILBOX + self.chunk, len)?;
        self.pending.extend_from_slice(&data);
        self.c2h_seen = seq;
        self.bar.write32(win::C2H_ACK, seq)?;
        Ok(true)
    }

    /// Sends `data` chunk by chunk, each within what is left of `timeout`.
    pub fn send(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        let start = Instant::now();
        for (i, part) in data.chunks(self.chunk).enumerate() {
            let seq = self.h2c_seq;
            let left = timeout.saturating_sub(start.elapsed());
            poll_until(left, || format!("the card to take chunk {i} of the input ({} bytes)", data.len()), || {
                if self.bar.read32(win::H2C_ACK)? == seq {
                    return Ok(Some(()));
                }
                self.check_present()?;
                self.take_chunk()?; // keep the card's output moving while we wait
                Ok(None)
            })?;
            self.bar.write_bytes(win::MAILBOX, part)?;
            let last = if (i + 1) * self.chunk >= data.len() { H2C_LAST } else { 0 };
            self.bar.write32(win::H2C_LEN, part.len() as u32 | last)?;
            self.h2c_seq = seq.wrapping_add(1);
            self.bar.write32(win::H2C_SEQ, self.h2c_seq)?;
        }
        // The last chunk is taken when the card acknowledges it.
        let seq = self.h2c_seq;
        let left = timeout.saturating_sub(start.elapsed());
        poll_until(left, || "the card to take the last chunk of the input".into(), || {
            if self.bar.read32(win::H2C_ACK)? == seq {
                return Ok(Some(()));
            }
            self.check_present()?;
            self.take_chunk()?;
            Ok(None)
        })
    }

    /// Receives exactly `len` bytes within `timeout`: the deadline bounds the whole receive, also
    /// while the card keeps publishing chunks.
    pub fn receive(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        let start = Instant::now();
        let got = poll_until(timeout, String::new, || {
            while self.pending.len() < len {
                // Back to `poll_until`, which ends the wait, once the time is up.
                if start.elapsed() >= timeout {
                    return Ok(None);
                }
                if !self.take_chunk()? {
                    self.check_present()?;
                    return Ok(None);
                }
            }
            Ok(Some(()))
        });
        match got {
            Err(DeviceError::Timeout(t, _)) => Err(DeviceError::Timeout(t, format!("{len} bytes from the card ({} arrived)", self.pending.len()))),
            r => r.map(|()| self.pending.drain(..len).collect()),
        }
    }

    /// The mapped data BAR.
    pub fn bar(&self) -> &B {
        &self.bar
    }

    /// Bytes per mailbox.
    pub fn chunk(&self) -> usize {
        self.chunk
    }
}
