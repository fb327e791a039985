//! A simulated zkaccel card: the RTL card top (`zkaccel_hdl::card`: register file, doorbell and
//! status logic, NTT core, MSM front-end and bucket scheduler, lookup kernel, card-memory port) in
//! Verilator,
//! driven through its register port and its two streams by `zkaccel_sim::card_runner`, which
//! also models the card memory (latency and bandwidth: `MemModel`). Nothing of the register file
//! is modelled here: every register read and write goes to the RTL.
//!
//! Two builds (both `CardConfig::SIM`: `2^10`-point NTT buffer, `2^10` bucket entries, lookup
//! kernel with `2^10` counter rows and batches of `2^10`):
//! * [`CardVariant::Fast`] — every block in RTL except the G1 adder, which is its cycle-exact
//!   software model in the loop; [`SimCard::with_ntt`] and [`SimCard::with_msm`]`(Fast, …)` share
//!   this one build;
//! * [`CardVariant::FullRtl`] — the RTL adder too (simulates at a few thousand cycles per second;
//!   for MSMs of at most 2^10 points).
//!
//! Time only advances while the host is inside a call (a register write is one clock cycle,
//! streaming and waiting step the clock), as on a real card from the host's point of view.

use crate::device::{Device, DeviceError, Identity};
use crate::regs::{Reg, REG_WINDOW};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_sim::card_runner::{build_card, CardRunner};
pub use zkaccel_sim::card_runner::{CardVariant, MemModel, Traffic};

/// Cycles simulated between wall-clock checks of a timeout.
const CHECK_EVERY: u32 = 1024;

/// Card memory of the simulated card unless asked otherwise: 2^20 points (64 MB), the SRS of a
/// 2^20-row circuit.
pub const DEFAULT_MEM_POINTS: u32 = 1 << 20;

/// A card whose RTL runs in Verilator.
pub struct SimCard {
    card: CardRunner,
    name: String,
    from_card: VecDeque<u8>,
}

impl SimCard {
    /// The card in the fast variant with an NTT buffer of `2^k_max` points (and the MSM kernel,
    /// `2^10` bucket entries, [`DEFAULT_MEM_POINTS`] of card memory). For `k_max = 10` this is the
    /// same Verilator build as [`SimCard::with_msm`]`(CardVariant::Fast, …)`.
    pub fn with_ntt(k_max: usize) -> Result<Self, DeviceError> {
        let cfg = CardConfig { ntt_k: k_max, ..CardConfig::SIM };
        Self::new(CardVariant::Fast, &cfg, DEFAULT_MEM_POINTS, MemModel::HBM)
    }

    /// The shared card build (`CardConfig::SIM`) in `variant` with `mem_points` points of card
    /// memory.
    pub fn with_msm(variant: CardVariant, mem_points: u32) -> Result<Self, DeviceError> {
        Self::new(variant, &CardConfig::SIM, mem_points, MemModel::HBM)
    }

    /// Any card build.
    pub fn new(variant: CardVariant, cfg: &CardConfig, mem_points: u32, mem: MemModel) -> Result<Self, DeviceError> {
        let lib = build_card(variant, cfg).map_err(|e| DeviceError::Gone(format!("cannot build the simulated card: {e}")))?;
        let card = CardRunner::new(&lib, mem_points, mem).map_err(|e| DeviceError::Gone(e.to_string()))?;
        let adder = match (variant, cfg.msm_units) {
            (CardVariant::Fast, 3) => "bit-exact software model of the XYZZ G1 adder",
            (CardVariant::FullRtl, 3) => "RTL XYZZ G1 adder",
            (CardVariant::Fast, _) => "software model of the G1 adder",
            (CardVariant::FullRtl, _) => "RTL G1 adder",
        };
        let msm = match cfg.msm_units {
            1 => format!("MSM 2^{} buckets with the {adder}", cfg.msm_log_depth),
            units => format!("{units} MSM units of 2^{} buckets, each with the {adder}", cfg.msm_log_depth),
        };
        let name = format!("SimCard (Verilator RTL card: NTT 2^{}, {msm}, {mem_points} points of card memory)", cfg.ntt_k);
        Ok(Self { card, name, from_card: VecDeque::new() })
    }

    /// Random bubbles on the input stream, back-pressure on the output stream and on card memory
    /// (seeded), for tests of the card's flow control.
    pub fn set_traffic(&mut self, traffic: Traffic, seed: u64) {
        self.card.set_traffic(traffic, seed);
    }

    /// The Verilator model and its card memory (cycle counts, tests).
    pub fn runner(&mut self) -> &mut CardRunner {
        &mut self.card
    }

    fn check_offset(offset: u32) -> Result<(), DeviceError> {
        if !offset.is_multiple_of(4) || offset >= REG_WINDOW {
            return Err(DeviceError::Unsupported(format!("register offset {offset:#x}")));
        }
        Ok(())
    }

    fn collect(&mut self) {
        for (beat, _last) in self.card.c2h().drain(..) {
            self.from_card.extend(beat);
        }
    }
}

fn timed_out(start: Instant, timeout: Duration, what: &str) -> DeviceError {
    DeviceError::Timeout(start.elapsed().min(timeout), what.to_string())
}

impl Device for SimCard {
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        Self::check_offset(offset)?;
        Ok(self.card.read_reg(offset))
    }

    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        Self::check_offset(offset)?;
        if offset == Reg::Doorbell.offset() && self.card.busy() {
            return Err(DeviceError::Protocol("doorbell while a command is running".into()));
        }
        self.card.write_reg(offset, value);
        Ok(())
    }

    fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        if !data.len().is_multiple_of(32) {
            return Err(DeviceError::Unsupported(format!("{} bytes is not whole 32-byte beats", data.len())));
        }
        let start = Instant::now();
        let beats = data.len() / 32;
        let mut n = 0u32;
        for (i, beat) in data.chunks_exact(32).enumerate() {
            while !self.card.cycle(Some((beat, i + 1 == beats))) {
                n += 1;
                if n.is_multiple_of(CHECK_EVERY) && start.elapsed() > timeout {
                    return Err(timed_out(start, timeout, &format!("the card to accept the input stream (beat {i} of {beats})")));
                }
            }
        }
        self.collect();
        Ok(())
    }

    fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        let start = Instant::now();
        let mut n = 0u32;
        self.collect();
        while self.from_card.len() < len {
            self.card.cycle(None);
            self.collect();
            n += 1;
            if n.is_multiple_of(CHECK_EVERY) && start.elapsed() > timeout {
                return Err(timed_out(start, timeout, &format!("{len} bytes from the card ({} arrived)", self.from_card.len())));
            }
        }
        Ok(self.from_card.drain(..len).collect())
    }

    fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), DeviceError> {
        let start = Instant::now();
        let mut n = 0u32;
        while self.card.read_reg(Reg::DoneSeq.offset()) != seq {
            self.card.cycle(None);
            n += 1;
            if n.is_multiple_of(CHECK_EVERY) && start.elapsed() > timeout {
                return Err(timed_out(start, timeout, &format!("DONE_SEQ = {seq}")));
            }
        }
        self.collect();
        Ok(())
    }

    fn reset(&mut self) -> Result<(), DeviceError> {
        self.card.reset();
        self.from_card.clear();
        Ok(())
    }

    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity {
            name: self.name.clone(),
            regmap_version: self.card.read_reg(Reg::Version.offset()),
            kernels: self.card.read_reg(Reg::Kernels.offset()),
            clock_khz: self.card.read_reg(Reg::ClockKhz.offset()),
        })
    }
}
