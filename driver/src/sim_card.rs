//! A simulated zkaccel card: the kernels are the Verilator models of the RTL (today the NTT core),
//! the register file and the stream plumbing of the card's top level are modelled here in Rust,
//! with the semantics of `regs` (doorbell sequence numbers, sticky status, no read side effects).
//! Time only advances while the host is inside a call (streaming or waiting), as on a real card
//! from the host's point of view.

use crate::device::{Device, DeviceError, Identity};
use crate::regs::{Kernel, NttFlags, Reg, Status, CARD_ID, REGMAP_VERSION};
use ark_bn254::{Fr, FrConfig};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use zkaccel_interface::wire::from_wire;
use zkaccel_hdl::ntt::NttCore;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::ntt_runner::{NttRunner, Traffic};
use rand::SeedableRng;
use zkaccel_sim::Build;

const REG_WORDS: usize = 64;
/// Cycles simulated between wall-clock checks of a timeout.
const CHECK_EVERY: u32 = 1024;

/// A card with the NTT kernel (buffer `2^k_max`) simulated in Verilator.
pub struct SimCard {
    ntt: NttRunner,
    k_max: usize,
    regs: [u32; REG_WORDS],
    pending: Option<u32>,
    c2h: VecDeque<u8>,
    cycles: u64,
}

impl SimCard {
    /// Builds (or loads from the cache) the Verilator model of an NTT core with a `2^k_max`
    /// buffer and powers the card up.
    pub fn with_ntt(k_max: usize) -> Result<Self, DeviceError> {
        let lib = Build::new(&format!("ntt_core_k{k_max}"), generate(&mut NttCore::new(k_max)))
            .build()
            .map_err(|e| DeviceError::Gone(format!("cannot build the simulated card: {e}")))?;
        let ntt = NttRunner::new(&lib, k_max, Traffic::SMOOTH, rand_chacha::ChaCha20Rng::seed_from_u64(0))
            .map_err(|e| DeviceError::Gone(e.to_string()))?;
        let mut regs = [0u32; REG_WORDS];
        regs[Reg::Id as usize / 4] = CARD_ID;
        regs[Reg::Version as usize / 4] = REGMAP_VERSION;
        regs[Reg::Kernels as usize / 4] = Kernel::Ntt as u32;
        regs[Reg::NttMaxLogN as usize / 4] = k_max as u32;
        Ok(Self { ntt, k_max, regs, pending: None, c2h: VecDeque::new(), cycles: 0 })
    }

    fn reg(&self, r: Reg) -> u32 {
        self.regs[r as usize / 4]
    }

    fn set(&mut self, r: Reg, v: u32) {
        self.regs[r as usize / 4] = v;
    }

    /// One clock cycle of the card: the kernel, its output into the card-to-host queue, and
    /// completion bookkeeping.
    fn step(&mut self, beat: Option<(&[u8], bool)>) -> bool {
        self.cycles += 1;
        self.regs[Reg::CyclesLo as usize / 4] = self.cycles as u32;
        self.regs[Reg::CyclesHi as usize / 4] = (self.cycles >> 32) as u32;
        let (accepted, out) = self.ntt.cycle(beat, true);
        if let Some((bytes, _last)) = out {
            self.c2h.extend(bytes);
        }
        if let Some(seq) = self.pending {
            if !self.ntt.busy() {
                if self.ntt.error() {
                    let s = self.reg(Reg::Status) | Status::STREAM_FRAMING;
                    self.set(Reg::Status, s);
                }
                self.set(Reg::DoneSeq, seq);
                self.pending = None;
            }
        }
        accepted
    }

    fn ring(&mut self, seq: u32) {
        self.set(Reg::Status, 0);
        if self.reg(Reg::Command) != Kernel::Ntt as u32 {
            self.set(Reg::Status, Status::NO_KERNEL);
            self.set(Reg::DoneSeq, seq);
            return;
        }
        let log_n = self.reg(Reg::NttLogN) as u64;
        let flags = self.reg(Reg::NttFlags);
        let mut shift = [0u8; 32];
        for i in 0..8 {
            let w = self.regs[Reg::NttShift0 as usize / 4 + i];
            shift[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        let shift = if flags & NttFlags::COSET != 0 {
            match from_wire::<FrConfig>(&shift) {
                Ok(c) => Some(c),
                Err(_) => {
                    self.set(Reg::Status, Status::BAD_PARAMS);
                    self.set(Reg::DoneSeq, seq);
                    return;
                }
            }
        } else {
            None::<Fr>
        };
        if self.ntt.start_raw(log_n, flags & NttFlags::INVERSE != 0, shift) {
            self.set(Reg::Status, Status::BAD_PARAMS);
            self.set(Reg::DoneSeq, seq);
        } else {
            self.pending = Some(seq);
        }
    }
}

fn timed_out(start: Instant, timeout: Duration, what: &str) -> DeviceError {
    DeviceError::Timeout(start.elapsed().min(timeout), what.to_string())
}

impl Device for SimCard {
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        if offset % 4 != 0 || offset as usize / 4 >= REG_WORDS {
            return Err(DeviceError::Unsupported(format!("register offset {offset:#x}")));
        }
        Ok(self.regs[offset as usize / 4])
    }

    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        if offset % 4 != 0 || offset as usize / 4 >= REG_WORDS {
            return Err(DeviceError::Unsupported(format!("register offset {offset:#x}")));
        }
        match offset {
            o if o == Reg::Doorbell as u32 => {
                if self.pending.is_some() {
                    return Err(DeviceError::Protocol("doorbell while a command is running".into()));
                }
                self.set(Reg::Doorbell, value);
                self.ring(value);
            }
            o if Reg::READ_ONLY.iter().any(|r| r.offset() == o) => {}
            _ => self.regs[offset as usize / 4] = value,
        }
        Ok(())
    }

    fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        if data.len() % 32 != 0 {
            return Err(DeviceError::Unsupported(format!("{} bytes is not whole 32-byte beats", data.len())));
        }
        let start = Instant::now();
        let beats = data.len() / 32;
        let mut n = 0u32;
        for (i, beat) in data.chunks_exact(32).enumerate() {
            while !self.step(Some((beat, i + 1 == beats))) {
                n += 1;
                if n % CHECK_EVERY == 0 && start.elapsed() > timeout {
                    return Err(timed_out(start, timeout, "the card to accept the input stream"));
                }
            }
        }
        Ok(())
    }

    fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        let start = Instant::now();
        let mut n = 0u32;
        while self.c2h.len() < len {
            self.step(None);
            n += 1;
            if n % CHECK_EVERY == 0 && start.elapsed() > timeout {
                return Err(timed_out(start, timeout, &format!("{len} bytes from the card ({} arrived)", self.c2h.len())));
            }
        }
        Ok(self.c2h.drain(..len).collect())
    }

    fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), DeviceError> {
        let start = Instant::now();
        let mut n = 0u32;
        while self.reg(Reg::DoneSeq) != seq {
            self.step(None);
            n += 1;
            if n % CHECK_EVERY == 0 && start.elapsed() > timeout {
                return Err(timed_out(start, timeout, &format!("DONE_SEQ = {seq}")));
            }
        }
        Ok(())
    }

    fn reset(&mut self) -> Result<(), DeviceError> {
        self.ntt.reset();
        self.c2h.clear();
        self.pending = None;
        self.set(Reg::Status, 0);
        Ok(())
    }

    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity {
            name: format!("SimCard (Verilator NTT core, 2^{} buffer)", self.k_max),
            regmap_version: self.reg(Reg::Version),
            kernels: self.reg(Reg::Kernels),
            clock_khz: self.reg(Reg::ClockKhz),
        })
    }
}
