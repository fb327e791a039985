//! The three-unit card's side of [`DeviceMsm`] (`zkaccel_hdl::card::triple`, `MsmUnits` = 3): its
//! XYZZ units use incomplete addition formulas, kept off their exceptional cases by the host's
//! random offsets (`hdl/src/msm_bucket_xyzz/NOTES.md`; interface: `docs/interfaces.md`, "three
//! XYZZ MSM units").
//!
//! * `R_b` (every bucket's start) is drawn per card session: when the driver opens the card, after
//!   a flag and after a reset ([`DeviceMsm::reset`]), with `MsmOp::LOAD_OFFSETS` (the units clear
//!   every bucket to it).
//! * `R_s`, `R_t` (each chain's running sums' start) are drawn per MSM, with
//!   `MsmOp::LOAD_RUNNING_OFFSETS` (no clear).
//! * Every point is drawn from the OS's random source (`OsRng`) and never leaves the driver and the
//!   card, so no input can be chosen to hit them; what chance leaves, the flag catches.
//! * The answer — `X ‖ Y ‖ ZZ ‖ ZZZ` words, unit 0's, 1's, 2's chain sums — is decoded with every
//!   word checked (`msm_xyzz::decode_answers`), put back into window order, and combined with the
//!   offsets' known multiple taken out (`msm_xyzz::combine`, the correction computed before the
//!   card answers); the caller checks the MSM on the curve.
//! * A group the card flags (`Status::MSM_FLAGGED`: equal points or an identity met the
//!   formulas; its answer is wrong) is drained, fresh offsets are loaded (a new `R_b` and the
//!   clear, which also clears the flag) and the group is redone once. A second flag is an error:
//!   with fresh random offsets it means a faulty card, and the caller's CPU serves the MSM.

use super::DeviceMsm;
use crate::device::{Device, DeviceError};
use crate::regs::{msm_reduce_points, Kernel, MsmOp, Reg, Status};
use ark_bn254::{G1Affine, G1Projective};
use ark_ec::AffineRepr;
use ark_ff::UniformRand;
use rand::rngs::OsRng;
use zkaccel::card_schedule::msm_reduce::ChainSums;
use zkaccel::card_schedule::msm_xyzz::{combine, decode_unit_answers, window_correction, Offsets, WORD_BYTES};
use zkaccel_interface::wire::to_wire;

/// MSM units of the XYZZ card.
const UNITS: usize = 3;

/// A point from the OS's random source, never the identity.
fn random_point() -> G1Affine {
    loop {
        let p = G1Affine::rand(&mut OsRng);
        if !p.is_zero() {
            return p;
        }
    }
}

/// The offsets' beats: `x` then `y` of each point (Fq wire format).
fn beats(points: &[G1Affine]) -> Vec<u8> {
    points.iter().flat_map(|p| to_wire(&p.x).into_iter().chain(to_wire(&p.y))).collect()
}

impl<D: Device> DeviceMsm<D> {
    /// `MsmOp::LOAD_OFFSETS` with `off` (`R_b`, `R_s`, `R_t`): the units clear every bucket to
    /// `R_b` and drop their flag. Returns the command's cycles.
    fn load_offsets(&mut self, off: Offsets) -> Result<u64, DeviceError> {
        self.offsets = None;
        let cycles = self.offsets_command(MsmOp::LOAD_OFFSETS, &[off.bucket, off.s, off.t], "loading the XYZZ units' offsets")?;
        self.offsets = Some(off);
        Ok(cycles)
    }

    /// An offsets command (`op`) with `points`' coordinates as its beats; returns its cycles.
    fn offsets_command(&mut self, op: u32, points: &[G1Affine], what: &str) -> Result<u64, DeviceError> {
        self.dev.write32(Reg::Command.offset(), Kernel::Msm as u32)?;
        self.dev.write32(Reg::MsmOp.offset(), op)?;
        let seq = self.ring()?;
        self.dev.stream_to_card(&beats(points), self.timeout)?;
        self.finish(seq, what)
    }

    /// A new card session's offsets, all three fresh (at open and after a flag).
    pub(super) fn load_fresh_offsets(&mut self) -> Result<u64, DeviceError> {
        self.load_offsets(Offsets { bucket: random_point(), s: random_point(), t: random_point() })
    }

    /// Loads `off` as the card's offsets (with the clear), for tests that need a chosen `R_b`
    /// (e.g. one that makes the card flag); the next MSM draws its own `R_s`, `R_t`.
    #[cfg(feature = "test-utils")]
    pub fn load_offsets_for_test(&mut self, off: Offsets) -> Result<(), DeviceError> {
        if self.units != UNITS {
            return Err(DeviceError::Unsupported(format!("offsets on a card of {} MSM units", self.units)));
        }
        self.load_offsets(off).map(|_| ())
    }

    /// Fresh `R_s`, `R_t` for the next group (`MsmOp::LOAD_RUNNING_OFFSETS`; `R_b` stays):
    /// returns the offsets in force and the command's cycles.
    fn fresh_running_offsets(&mut self) -> Result<(Offsets, u64), DeviceError> {
        let now = self.offsets.take().ok_or_else(|| DeviceError::Protocol("the three-unit card has no offsets loaded".into()))?;
        let off = Offsets { s: random_point(), t: random_point(), ..now };
        let cycles = self.offsets_command(MsmOp::LOAD_RUNNING_OFFSETS, &[off.s, off.t], "loading the XYZZ units' running offsets")?;
        self.offsets = Some(off);
        Ok((off, cycles))
    }

    /// One precomputed group on the three-unit card (`points` table entries of `windows` digits,
    /// `data` the padded-triple digit stream), reduced on the card in chains of `2^seg_log`: the
    /// MSM of its digits (the caller adds the digits `+2^15` and checks the curve). Fresh `R_s`,
    /// `R_t` first; a flagged group is redone once after fresh offsets (see the module docs). The
    /// commands' cycles and bytes are added to [`DeviceMsm::last`].
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_group_xyzz(
        &mut self,
        what: &str,
        slot: u32,
        points: u32,
        c: usize,
        windows: usize,
        seg_log: usize,
        data: &[u8],
    ) -> Result<G1Projective, DeviceError> {
        for attempt in 0..2 {
            let (off, cycles) = self.fresh_running_offsets()?;
            self.last.cycles += cycles;
            self.last.commands += 1;
            // The offsets' share, known before the card answers.
            let fix = window_correction(c, seg_log, &off);
            match self.xyzz_group(what, slot, points, c, windows, data)? {
                Some(sums) => return Ok(combine(&sums, c, seg_log, windows, &fix)),
                None if attempt == 0 => {
                    self.last.redone += 1;
                    self.last.cycles += self.load_fresh_offsets()?;
                    self.last.commands += 1;
                }
                None => {}
            }
        }
        Err(DeviceError::Protocol(format!(
            "{what}: the card flagged the group twice, with fresh random offsets each time (an exceptional case of its XYZZ formulas that the offsets make negligible): the card is faulty"
        )))
    }

    /// The group's command: its chain sums in window order, or `None` when the card flagged it
    /// (the answer drained, the flag left for the caller's fresh offsets to clear).
    #[allow(clippy::too_many_arguments)]
    fn xyzz_group(&mut self, what: &str, slot: u32, points: u32, c: usize, windows: usize, data: &[u8]) -> Result<Option<ChainSums>, DeviceError> {
        let seq = self.start_group(MsmOp::ACCUMULATE_REDUCE, slot, points, c, windows)?;
        self.dev.stream_to_card(data, self.timeout)?;
        // A refusal ends the command at once with nothing streamed back; a flagged group still
        // answers, so its status is read after the answer.
        if self.dev.read32(Reg::DoneSeq.offset())? == seq {
            let status = self.dev.read32(Reg::Status.offset())?;
            if status & !Status::MSM_FLAGGED != 0 {
                return Err(DeviceError::Card(status, what.to_string()));
            }
        }
        let words = UNITS * msm_reduce_points((windows / UNITS) as u32, c as u32) as usize;
        let out = self.dev.stream_from_card(WORD_BYTES * words, self.timeout)?;
        if out.len() != WORD_BYTES * words {
            return Err(DeviceError::Protocol(format!("{what}: {} bytes came back, {} expected", out.len(), WORD_BYTES * words)));
        }
        self.dev.wait_done(seq, self.timeout)?;
        let status = self.dev.read32(Reg::Status.offset())?;
        self.last.cycles += self.dev.read32(Reg::CmdCycles.offset())? as u64;
        self.last.commands += 1;
        self.last.reduced += 1;
        self.last.bytes_to_card += data.len() as u64;
        self.last.bytes_from_card += out.len() as u64;
        if status == Status::MSM_FLAGGED {
            return Ok(None);
        }
        if status != 0 {
            return Err(DeviceError::Card(status, what.to_string()));
        }
        decode_unit_answers(&out, UNITS, windows).map(Some).map_err(|(k, e)| DeviceError::Protocol(format!("{what}: XYZZ word {k}: {e}")))
    }
}
