//! The emulated card: the simulated card (`zkaccel_driver::sim_card::SimCard`, the Verilator RTL
//! of the card top, fast variant) behind a BAR0 that is a shared file. A file has no write events,
//! so the card polls the doorbell, as `docs/interfaces.md` §5 prescribes: when `DOORBELL` holds a
//! new value, it hands the writable registers to the RTL, rings its doorbell, takes the command's
//! input from the data path (its length follows from the registers, §5 "Commands"), runs the
//! command, sends the result, and mirrors the read-only registers back into BAR0, `DONE_SEQ`
//! last. A function-level reset (sysfs `reset` = 1) resets the RTL, drops the host's pending
//! input and is acknowledged by clearing `reset`.

use std::path::PathBuf;
use std::time::Duration;

use zkaccel_driver::pcie::bar::Bar;
use zkaccel_driver::regs::{msm_reduce_points, Kernel, MsmOp, Reg, Status, DIGITS_PER_BEAT, REG_WINDOW};
use zkaccel_driver::sim_card::SimCard;
use zkaccel_driver::Device;
use zkaccel_interface::lookup::{LookupFlags, LookupOp, CHAINS, INDICES_PER_BEAT};

use crate::data::{CardData, Stop};
use crate::faults::{self, FaultClass, FaultQueue};

/// How long the simulated card may take for one command before the emulator gives up on it.
const SIM_TIMEOUT: Duration = Duration::from_secs(600);

/// Identity overrides (for tests of the driver's refusals).
#[derive(Clone, Copy, Debug, Default)]
pub struct Overrides {
    pub id: Option<u32>,
    pub regmap_version: Option<u32>,
    pub kernels: Option<u32>,
}

/// The card.
pub struct EmuCard {
    pub sim: SimCard,
    pub bar0: Bar,
    pub data: CardData,
    pub reset_file: PathBuf,
    pub control: PathBuf,
    pub overrides: Overrides,
    faults: FaultQueue,
    last_doorbell: u32,
    commands: u64,
    gone: bool,
}

/// Bytes of input and of result of the command set up in `reg` (a register read of BAR0).
pub fn command_lengths(reg: &dyn Fn(Reg) -> u32) -> (usize, usize) {
    match reg(Reg::Command) {
        c if c == Kernel::Ntt as u32 => {
            let log_n = reg(Reg::NttLogN).min(30);
            let n = 1usize << log_n;
            (32 * n, 32 * n)
        }
        c if c == Kernel::Msm as u32 => {
            let n = reg(Reg::MsmPoints) as usize;
            if reg(Reg::MsmOp) == MsmOp::LOAD_BASES {
                (64 * n, 0)
            } else if reg(Reg::MsmOp) == MsmOp::ACCUMULATE_REDUCE {
                // Two points per chain (S_q, T_q), the chain length by the register map's rule.
                let (c, w) = (reg(Reg::MsmC).clamp(2, 24), reg(Reg::MsmWindows));
                let points = if w == 0 { 0 } else { msm_reduce_points(w, c) as usize };
                (32 * (n * w as usize).div_ceil(DIGITS_PER_BEAT), 96 * points)
            } else {
                let (c, w) = (reg(Reg::MsmC).clamp(1, 24), reg(Reg::MsmWindows) as usize);
                (32 * (n * w).div_ceil(DIGITS_PER_BEAT), 96 * w * (1usize << (c - 1)))
            }
        }
        c if c == Kernel::Lookup as u32 => {
            let n = reg(Reg::LookupN) as usize;
            match reg(Reg::LookupOp) {
                LookupOp::COUNT => {
                    let table = reg(Reg::LookupTable) as usize;
                    (32 * n.div_ceil(INDICES_PER_BEAT), 32 * table.div_ceil(INDICES_PER_BEAT))
                }
                LookupOp::INV_FORWARD => {
                    let streams = if reg(Reg::LookupFlags) & LookupFlags::SCALE != 0 { 2 } else { 1 };
                    (32 * streams * n, 32 * CHAINS)
                }
                LookupOp::INV_BACKWARD => (32 * CHAINS, 32 * n),
                _ => (0, 0),
            }
        }
        _ => (0, 0),
    }
}

impl EmuCard {
    pub fn new(sim: SimCard, bar0: Bar, data: CardData, reset_file: PathBuf, control: PathBuf, overrides: Overrides) -> Result<Self, String> {
        let mut c = Self { sim, bar0, data, reset_file, control, overrides, faults: FaultQueue::default(), last_doorbell: 0, commands: 0, gone: false };
        c.mirror_all()?;
        Ok(c)
    }

    fn bar_read(&self, r: Reg) -> u32 {
        self.bar0.read32(r.offset() as usize).unwrap_or(u32::MAX)
    }

    /// Every register of the RTL into BAR0 (power-up, reset).
    fn mirror_all(&mut self) -> Result<(), String> {
        for off in (0..REG_WINDOW).step_by(4) {
            let v = self.sim.read32(off).map_err(|e| e.to_string())?;
            self.bar0.write32(off as usize, v).map_err(|e| e.to_string())?;
        }
        // A file shows values, not writes: after a reset the host rings `DONE_SEQ + 1` again, the
        // number of the command the reset aborted. So the card shows `DOORBELL = DONE_SEQ` (no
        // command pending), and the re-rung number is a change it sees.
        let done = self.bar_read(Reg::DoneSeq);
        self.bar0.write32(Reg::Doorbell.offset() as usize, done).map_err(|e| e.to_string())?;
        self.last_doorbell = done;
        self.apply_overrides();
        Ok(())
    }

    /// The identity overrides (`--id`, `--regmap-version`, `--kernels`) over what the RTL shows.
    fn apply_overrides(&self) {
        let o = self.overrides;
        for (r, v) in [(Reg::Id, o.id), (Reg::Version, o.regmap_version), (Reg::Kernels, o.kernels)] {
            if let Some(v) = v {
                let _ = self.bar0.write32(r.offset() as usize, v);
            }
        }
    }

    /// The read-only registers into BAR0, `DONE_SEQ` last; `extra_status` ORed into `STATUS`.
    fn mirror_results(&mut self, extra_status: u32) -> Result<(), String> {
        for r in Reg::READ_ONLY {
            if r == Reg::DoneSeq {
                continue;
            }
            let mut v = self.sim.read32(r.offset()).map_err(|e| e.to_string())?;
            if r == Reg::Status {
                v |= extra_status;
            }
            self.bar0.write32(r.offset() as usize, v).map_err(|e| e.to_string())?;
        }
        self.apply_overrides();
        let done = self.sim.read32(Reg::DoneSeq.offset()).map_err(|e| e.to_string())?;
        self.bar0.write32(Reg::DoneSeq.offset() as usize, done).map_err(|e| e.to_string())
    }

    fn reset_requested(&self) -> bool {
        std::fs::read(&self.reset_file).is_ok_and(|b| b.starts_with(b"1"))
    }

    fn do_reset(&mut self) -> Result<(), String> {
        self.sim.reset().map_err(|e| e.to_string())?;
        self.data.drain();
        self.mirror_all()?;
        std::fs::write(&self.reset_file, "0\n").map_err(|e| format!("{}: {e}", self.reset_file.display()))?;
        println!("reset at command {}", self.commands);
        Ok(())
    }

    fn fired(&self, f: FaultClass) {
        println!("fired {} at command {}", f.name(), self.commands);
    }

    /// Serves until killed.
    pub fn serve(&mut self) -> Result<(), String> {
        let mut idle = 0u32;
        loop {
            self.faults.add(faults::take(&self.control));
            if self.gone {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            if self.reset_requested() {
                self.do_reset()?;
            }
            let db = self.bar_read(Reg::Doorbell);
            if db != self.last_doorbell {
                self.last_doorbell = db;
                self.command(db)?;
                idle = 0;
            } else {
                idle = idle.saturating_add(1);
                std::thread::sleep(Duration::from_micros(if idle < 100 { 10 } else { 200 }));
            }
        }
    }

    fn command(&mut self, db: u32) -> Result<(), String> {
        self.commands += 1;
        let bar = &self.bar0;
        let reg = |r: Reg| bar.read32(r.offset() as usize).unwrap_or(u32::MAX);
        let (in_len, out_len) = command_lengths(&reg);
        // The parameters, then the RTL's doorbell.
        for off in (0..REG_WINDOW).step_by(4) {
            let writable = Reg::ALL.iter().find(|r| r.offset() == off).is_none_or(|r| r.writable());
            if writable && off != Reg::Doorbell.offset() {
                let v = self.bar0.read32(off as usize).map_err(|e| e.to_string())?;
                self.sim.write32(off, v).map_err(|e| e.to_string())?;
            }
        }
        if let Err(e) = self.sim.write32(Reg::Doorbell.offset(), db) {
            eprintln!("zkaccel-card-emu: command {}: {e}", self.commands);
            return self.mirror_results(0);
        }
        println!("command {} kernel {} in {in_len} out {out_len}", self.commands, self.bar_read(Reg::Command));
        let accumulates = self.bar_read(Reg::Command) == Kernel::Msm as u32
            && matches!(self.bar_read(Reg::MsmOp), MsmOp::ACCUMULATE | MsmOp::ACCUMULATE_REDUCE);
        let fault = self.faults.on_command(out_len > 0, accumulates);
        if fault == Some(FaultClass::Gone) {
            self.fired(FaultClass::Gone);
            for off in (0..self.bar0.len()).step_by(4) {
                let _ = self.bar0.write32(off, u32::MAX);
            }
            self.data.vanish();
            self.gone = true;
            return Ok(());
        }
        let reset_file = self.reset_file.clone();
        let mut interrupted = move || std::fs::read(&reset_file).is_ok_and(|b| b.starts_with(b"1"));
        let input = match self.data.receive(in_len, &mut interrupted) {
            Ok(i) => i,
            Err(Stop::Reset) => return self.do_reset(),
            Err(Stop::Io(e)) => return Err(format!("host-to-card data: {e}")),
        };
        match fault {
            Some(FaultClass::Kill) => {
                self.fired(FaultClass::Kill);
                use std::io::Write;
                let _ = std::io::stdout().flush();
                // SAFETY: signals our own process.
                unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
            }
            Some(FaultClass::Stall) => {
                self.fired(FaultClass::Stall);
                while !self.reset_requested() {
                    std::thread::sleep(Duration::from_millis(2));
                }
                return self.do_reset();
            }
            _ => {}
        }
        let mut input = input;
        if fault == Some(FaultClass::Digits) && !input.is_empty() {
            self.fired(FaultClass::Digits);
            input[0] ^= 1;
        }
        if in_len > 0 {
            self.sim.stream_to_card(&input, SIM_TIMEOUT).map_err(|e| e.to_string())?;
        }
        let mut out = if out_len > 0 { self.sim.stream_from_card(out_len, SIM_TIMEOUT).map_err(|e| e.to_string())? } else { vec![] };
        self.sim.wait_done(db, SIM_TIMEOUT).map_err(|e| e.to_string())?;
        let mut extra_status = 0;
        match fault {
            Some(FaultClass::Error) => {
                self.fired(FaultClass::Error);
                extra_status = Status::BAD_PARAMS;
            }
            Some(FaultClass::Flip) => {
                self.fired(FaultClass::Flip);
                let bit = (self.commands as usize * 7919) % (8 * out.len());
                out[bit / 8] ^= 1 << (bit % 8);
            }
            Some(FaultClass::Short) => {
                self.fired(FaultClass::Short);
                out.truncate(out.len() / 2);
            }
            _ => {}
        }
        match self.data.send(&out, &mut interrupted) {
            Ok(()) => {}
            Err(Stop::Reset) => return self.do_reset(),
            Err(Stop::Io(e)) => return Err(format!("card-to-host data: {e}")),
        }
        self.mirror_results(extra_status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lengths_follow_the_register_map() {
        let regs = |pairs: Vec<(Reg, u32)>| move |r: Reg| pairs.iter().find(|p| p.0 == r).map_or(0, |p| p.1);
        let ntt = regs(vec![(Reg::Command, 1), (Reg::NttLogN, 5)]);
        assert_eq!(command_lengths(&ntt), (32 * 32, 32 * 32));
        let load = regs(vec![(Reg::Command, 2), (Reg::MsmOp, 1), (Reg::MsmPoints, 10)]);
        assert_eq!(command_lengths(&load), (640, 0));
        // 33 points × 3 windows = 99 digits = 7 beats; 3 · 2^3 buckets of 96 bytes.
        let acc = regs(vec![(Reg::Command, 2), (Reg::MsmOp, 0), (Reg::MsmPoints, 33), (Reg::MsmC, 4), (Reg::MsmWindows, 3)]);
        assert_eq!(command_lengths(&acc), (7 * 32, 3 * 8 * 96));
        // Accumulate and reduce: 8 windows of 2^8 buckets = 2^11, chains of 2^2, 512 chains, two
        // points each; 100 points × 8 windows = 50 beats of digits.
        let red = regs(vec![(Reg::Command, 2), (Reg::MsmOp, MsmOp::ACCUMULATE_REDUCE), (Reg::MsmPoints, 100), (Reg::MsmC, 9), (Reg::MsmWindows, 8)]);
        assert_eq!(command_lengths(&red), (50 * 32, 2 * 512 * 96));
        // A group of 2^9 buckets or fewer: chains of one bucket, two points per bucket.
        let small = regs(vec![(Reg::Command, 2), (Reg::MsmOp, MsmOp::ACCUMULATE_REDUCE), (Reg::MsmPoints, 1), (Reg::MsmC, 4), (Reg::MsmWindows, 3)]);
        assert_eq!(command_lengths(&small), (32, 2 * 24 * 96));
        // Lookup count: 19 indices = 3 beats in; a table of 20 rows = 3 beats of counts out.
        let count = regs(vec![(Reg::Command, 4), (Reg::LookupOp, LookupOp::COUNT), (Reg::LookupN, 19), (Reg::LookupTable, 20)]);
        assert_eq!(command_lengths(&count), (3 * 32, 3 * 32));
        // Inversion: x (and m with SCALE) in, the chain products out; then chain inverses in,
        // one fraction per element out.
        let fwd = regs(vec![(Reg::Command, 4), (Reg::LookupOp, LookupOp::INV_FORWARD), (Reg::LookupN, 300)]);
        assert_eq!(command_lengths(&fwd), (300 * 32, CHAINS * 32));
        let fwd_m = regs(vec![(Reg::Command, 4), (Reg::LookupOp, LookupOp::INV_FORWARD), (Reg::LookupN, 300), (Reg::LookupFlags, LookupFlags::SCALE)]);
        assert_eq!(command_lengths(&fwd_m), (600 * 32, CHAINS * 32));
        let back = regs(vec![(Reg::Command, 4), (Reg::LookupOp, LookupOp::INV_BACKWARD), (Reg::LookupN, 300)]);
        assert_eq!(command_lengths(&back), (CHAINS * 32, 300 * 32));
        assert_eq!(command_lengths(&regs(vec![(Reg::Command, 4), (Reg::LookupOp, 7)])), (0, 0));
        assert_eq!(command_lengths(&regs(vec![(Reg::Command, 8)])), (0, 0));
    }
}
