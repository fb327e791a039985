//! The host side of the MSM kernel over any [`Device`]: resident bases in card memory, named by
//! the prover's [`BasesId`], and MSMs that stream only signed digits.
//!
//! * [`DeviceMsm::load_bases`] writes a base set once into card memory (a bases slot of the card,
//!   `docs/interfaces.md` §5), at addresses this driver allocates without overlap; loading a set
//!   that is already resident does nothing. A set that does not fit the card memory (or finds no
//!   free slot) is an [`DeviceError::Unsupported`] error naming the sizes — nothing resident is
//!   ever evicted, so the caller falls back to the CPU for that set. [`DeviceMsm::unload_bases`]
//!   gives a set's slot and addresses back (the caller's release; the card keeps the stale slot,
//!   which the driver no longer names, until a load reuses it).
//! * [`DeviceMsm::msm`] slices the scalars into signed `c`-bit digits written straight into the
//!   card's wire words (`zkaccel::card_schedule::msm_digit_stream`, the words of
//!   `msm_reduce::plan_reduced`: window groups that fit the card's bucket memory, narrow windows
//!   spread with a power-of-two stride), streams each group's
//!   digits (16-bit sign-magnitude, point-major) with `MsmOp::ACCUMULATE_REDUCE`: the card
//!   accumulates the buckets and **reduces them on the card** to two points per chain of
//!   `G = 2^g` buckets (`g = regs::msm_seg_log(windows, c)`, the rule the plan uses too), which
//!   come back (`S_0, T_0, S_1, …`, `X ‖ Y ‖ Z` each, decoded by `msm_reduce::decode_answers`:
//!   canonical coordinates, no inversion); the host combines each group's window sums
//!   (`msm_reduce::group_window_sums`) and then all windows (`msm_reduce::horner`), and checks
//!   the MSM's result on the curve — a word off the curve puts it off the curve.
//!   A group with `g = 0` (at most `2^9` buckets: chains of one bucket, where `S_q = T_q = B_q`)
//!   runs as a plain `MsmOp::ACCUMULATE` instead — its buckets are the chain sums, at half the
//!   read-out and without the reduction's cycles. The MSM may use a prefix of the resident bases.
//!   **Narrow scalars** — a column of quantized values, `v` or `r − |v|` for small `|v|`, whose
//!   canonical form is as wide as any scalar — stream in the signed form (`±|v|`, the digits of
//!   `|v|` with the sign flipped for `v < 0`) with only the `⌈(bits + 1)/c⌉` windows that
//!   `|v| < 2^bits` needs (up to `msm_digit_stream::MAX_SIGNED_BITS`; a width scan that gives up at
//!   the first wider scalar among the first 64, so full-width MSMs pay a few conversions): fewer
//!   digits, groups, reductions, answer words and combinations, and `c` chosen for that width.
//!   [`DeviceMsm::msm_with_c`] streams the canonical form.
//! * [`DeviceMsm::load_bases_precomputed`] loads a base set **precomputed**
//!   (`zkaccel::card_schedule::msm_precomputed`): for each base `P_i` the shifts
//!   `2^{k·c·t}·P_i` (`t < E = ⌈W/k⌉`), point-major (card-memory entry `i·E + t`), each entry
//!   carrying `k` windows, for a window size `c` and `k` chosen at load time
//!   ([`precomputed_shape`]: `k` one or two windows per MSM unit, the shape whose table fits the
//!   card memory left and minimises digits + reduction + read-out). An MSM over such a set is
//!   **one** window group of `k` windows over `n·E` table entries (`MsmPoints = n·E`,
//!   `MsmWindows = k`, the same registers, digit format and checks as any group): the digit
//!   stream is the `n × E·k` signed-digit matrix, the card reduces its `k` windows once, the host
//!   combines `k` windows. Up to `c = 16` where the card allows it: the digits `+2^15` the format
//!   cannot carry are added on the host from a host copy of the bases, kept for such sets only.
//!   Costs: `E×` the card memory of the bases, one card-memory point read per entry, and the table
//!   computed once per base set on the host. When no table fits the card memory left, the set is
//!   loaded in the plain layout (the path above, unchanged), and the call says which layout it got
//!   ([`BasesLayout`]).
//! * **Two MSM units** (register `MsmUnits` = 2, `zkaccel_hdl::card::dual`): the groups hold
//!   twice the windows, an even count (`msm_digit_stream::group_shapes`: the MSM's windows rounded
//!   up to even with a zero window on top), chains cut per unit (`regs::msm_seg_log(W/2, c)`); the
//!   card answers with unit 0's words (the group's even windows) then unit 1's (the odd ones), which
//!   [`DeviceMsm`] puts back into window order, so the combination is the one-unit card's.
//!   Precomputed tables there carry `k = 2` (or 4) windows per entry: one card-memory read feeds a
//!   digit pair, one digit to each unit.
//! * **Three XYZZ MSM units** (register `MsmUnits` = 3, `zkaccel_hdl::card::triple`; the cheaper
//!   adder with incomplete formulas, [`xyzz`]): base sets are loaded precomputed only, with
//!   `k = 3` or `6` windows per entry (one digit triple per entry to the three units, digits in
//!   padded triples; [`DeviceMsm::load_bases`] picks the shape with [`shared_precomputed_shape`],
//!   which leaves room for the next set); the plain layout's digit streams are not written for
//!   this card, so a set whose table does not fit is refused (`Unsupported`: the caller's CPU
//!   serves it). The driver draws the
//!   offsets `R_b` (per card session: at open, after a flag and after a reset), `R_s`, `R_t` (per MSM) from the
//!   OS's random source, takes their share out of each answer (`msm_xyzz`), and redoes an MSM the
//!   card flags (`Status::MSM_FLAGGED`: an exceptional case of the formulas) once with fresh
//!   offsets; a second flag is an error (the caller's CPU serves the MSM).
//! * [`DeviceMsm::last`] reports the card cycles (`CmdCycles` summed over the commands), groups,
//!   bytes and the layout of the last call.

use crate::device::{Device, DeviceError};
use crate::regs::{msm_reduce_points, msm_seg_log, msm_units, Kernel, MsmOp, Reg, DIGIT_FORMAT, MSM_CHAIN_LOG_DEPTH};
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::PrimeField;
use std::collections::HashMap;
use std::time::Duration;
use zkaccel::backend::BasesId;
use zkaccel::card_schedule::msm_digit_stream::{group_shapes_bits, signed_limbs, DigitStreams, Limbs, FULL_BITS, MAX_SIGNED_BITS, MAX_STREAM_C};
use zkaccel::card_schedule::msm_precomputed::{self, entries_per_base, precomputed_windows, wide_digits_sum, window_table, MAX_PRECOMPUTED_C};
use zkaccel::card_schedule::msm_reduce::{decode_answers, group_window_sums, horner, unit_answers_in_window_order, ChainSums};
use zkaccel_interface::wire::base_to_wire;

mod xyzz;

/// Where a base set lives on the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resident {
    /// The card's bases slot.
    pub slot: u32,
    /// Card-memory address (in points) of the first base.
    pub base: u32,
    /// Number of bases.
    pub len: u32,
    /// Card-memory points the set occupies (`base..base + points`: `len`, or the table's
    /// `len · ⌈W/k⌉` when precomputed).
    pub points: u32,
    /// How the bases are laid out (the table holds `len · ⌈W/k⌉` points when precomputed).
    pub layout: BasesLayout,
}

/// How a resident base set is laid out in card memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BasesLayout {
    /// One point per base; an MSM streams one window group after the other.
    #[default]
    Plain,
    /// The shifts `2^{k·c·t}·P_i` (`t < ⌈windows/k⌉`) of every base, point-major; an MSM is one
    /// group of `k` windows of `2^{c−1}` buckets over `n · ⌈windows/k⌉` points, with this `c` only.
    Precomputed {
        /// Window size the table was built for.
        c: usize,
        /// Windows per base, `msm_precomputed::precomputed_windows(c)`.
        windows: usize,
        /// Windows per table entry (`k`: 1 or 2 per MSM unit).
        entry_windows: usize,
    },
}

/// What the last call did on the card.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsmCardStats {
    /// Card cycles, doorbell to completion, summed over the call's commands (`CmdCycles`).
    pub cycles: u64,
    /// Commands (one load, or one per window group).
    pub commands: usize,
    /// Window groups reduced on the card (`MsmOp::ACCUMULATE_REDUCE`; the others are plain
    /// accumulations, see the module docs).
    pub reduced: usize,
    /// Window size of an MSM (0 for a load).
    pub c: usize,
    /// Bytes streamed to the card.
    pub bytes_to_card: u64,
    /// Bytes streamed back.
    pub bytes_from_card: u64,
    /// Layout of the bases the call loaded or used.
    pub layout: BasesLayout,
    /// Windows of an MSM streamed in the plain layout (0 otherwise): `⌈255/c⌉` (rounded up to
    /// even on two units), fewer for narrow scalars.
    pub windows: usize,
    /// Width of an MSM's scalars in the signed form (`|v| < 2^scalar_bits`) when they streamed in
    /// it (`msm_digit_stream`, "Narrow scalars"); 0 for the canonical form.
    pub scalar_bits: usize,
    /// Groups the three-unit card flagged (an exceptional case of its XYZZ formulas) and the
    /// driver redid with fresh offsets.
    pub redone: usize,
}

/// The MSM kernel on a card, with the table of resident base sets.
pub struct DeviceMsm<D: Device> {
    dev: D,
    timeout: Duration,
    seq: u32,
    mem_points: u32,
    slots: u32,
    log_depth: usize,
    max_c: usize,
    units: usize,
    resident: HashMap<BasesId, Resident>,
    /// Host copies of the bases of sets precomputed for `c = 16` (their digits `+2^15`).
    host_bases: HashMap<BasesId, Vec<G1Affine>>,
    last: MsmCardStats,
    always_reduce: bool,
    /// The three-unit card's offsets (`None` on the others).
    offsets: Option<zkaccel::card_schedule::msm_xyzz::Offsets>,
}

/// The reduction's shortest period in cycles (`L + 2`, `L` the card adder's latency, 206 on the
/// cards of this release): a group of `Q` chains takes about `2·G·max(Q, L + 2)` cycles to reduce.
/// Only [`window_size`]'s cost model uses it; results never depend on it.
pub const REDUCE_MIN_PERIOD: usize = 208;

/// The three-unit card's reduction period (`L + 2`, `L` = 367, its XYZZ adder's latency): four
/// passes per bucket. Only the cost model uses it.
pub const XYZZ_REDUCE_MIN_PERIOD: usize = 369;

/// Card cycles of one window group of `windows` windows on `units` MSM units in the cost model of
/// [`window_size`]: one digit per point and window on each unit (the units in parallel), then
/// either the reduction (two additions per bucket, one per cycle, padded to the minimum period;
/// the units in parallel) and six beats per chain, or (`g = 0`) three beats per bucket (the
/// read-out of the units one after the other).
fn group_cost(n: usize, windows: usize, c: usize, units: usize) -> usize {
    let per_unit = windows / units;
    let buckets = per_unit << (c - 1);
    let g = msm_seg_log(per_unit as u32, c as u32) as usize;
    let out = if units == 3 {
        // XYZZ units: always reduced, four passes per bucket, two 4-beat words per chain.
        4 * (buckets >> g).max(XYZZ_REDUCE_MIN_PERIOD) * (1 << g) + 8 * (buckets >> g) * units
    } else if g == 0 {
        3 * buckets * units
    } else {
        2 * (buckets >> g).max(REDUCE_MIN_PERIOD) * (1 << g) + 6 * (buckets >> g) * units
    };
    n * per_unit + out
}

/// The window size for an MSM of `n` points on a card with `2^log_depth` bucket entries and
/// window sizes up to `max_c`: the `c` that minimises the card cycles of the groups in the cost
/// model of `group_cost` (digits, reduction, read-out).
pub fn window_size(n: usize, log_depth: usize, max_c: usize) -> usize {
    window_size_units(n, log_depth, max_c, 1)
}

/// [`window_size`] on a card of `units` MSM units (`2^log_depth` bucket entries each).
pub fn window_size_units(n: usize, log_depth: usize, max_c: usize, units: usize) -> usize {
    window_size_bits(n, FULL_BITS, log_depth, max_c, units)
}

/// [`window_size_units`] for scalars of `bits` bits (`msm_digit_stream::windows_for_bits`
/// windows: narrow scalars in the signed form).
pub fn window_size_bits(n: usize, bits: usize, log_depth: usize, max_c: usize, units: usize) -> usize {
    let max_c = max_c.min(log_depth + 1).max(2);
    (2..=max_c)
        .min_by_key(|&c| {
            group_shapes_bits(bits, c, log_depth, MSM_CHAIN_LOG_DEPTH as usize, units).iter().map(|&(_, w, _)| group_cost(n, w, c, units)).sum::<usize>()
        })
        .expect("c = 2 is allowed")
}

/// Card cycles of a precomputed MSM of `n` points with window size `c` and `k` windows per table
/// entry on a card of `units` MSM units with `2^log_depth` bucket entries each, in the cost model
/// of `group_cost` (`n · ⌈W/k⌉` entries, `k/units` digits per entry and unit, the `k` windows'
/// reduction and read-out); `None` when `k` is not one or two windows per unit or they do not fit
/// the bucket memory.
///
/// The accumulation's part is at least `n·(L + 2)/2^t`: the top window holds only
/// `t = 254 − c·(W − 1)` bits of a scalar, so its digits fall into at most `2^t + 1` buckets, and
/// one bucket takes one addition per `L + 2` cycles (`c = 15`: `t = 14`, no limit in practice;
/// `c = 11`: `t = 1`, three buckets for all `n` top digits).
pub fn precomputed_cost(n: usize, c: usize, k: usize, units: usize, log_depth: usize) -> Option<usize> {
    let per_unit = k / units;
    if !k.is_multiple_of(units) || !(1..=2).contains(&per_unit) || c < 2 || (per_unit << (c - 1)) > 1 << log_depth {
        return None;
    }
    let w = precomputed_windows(c);
    let top_bits = Fr::MODULUS_BIT_SIZE as usize - c * (w - 1);
    let entries = n * entries_per_base(c, k);
    let accumulate = entries * per_unit;
    let period = if units == 3 { XYZZ_REDUCE_MIN_PERIOD } else { REDUCE_MIN_PERIOD };
    Some(accumulate.max((n * period) >> top_bits) + group_cost(entries, k, c, units) - accumulate)
}

/// The table shape `(c, k)` for a base set of `n` points loaded precomputed on a card of `units`
/// MSM units with `2^log_depth` bucket entries each, window sizes up to `max_c` and `free` points
/// of card memory left: among `c ≤ min(max_c, log_depth + 1, 16)` and `k` of one or two windows
/// per unit whose table (`n · ⌈W/k⌉` points) fits, the one of least [`precomputed_cost`]; `None`
/// when no table fits.
pub fn precomputed_shape(n: usize, log_depth: usize, max_c: usize, free: usize, units: usize) -> Option<(usize, usize)> {
    let max_c = max_c.min(log_depth + 1).min(MAX_PRECOMPUTED_C);
    (2..=max_c).filter_map(|c| cheapest_entry_windows(n, c, units, log_depth, free).map(|(cost, k)| (cost, c, k))).min().map(|(_, c, k)| (c, k))
}

/// Cost within which [`shared_precomputed_shape`] prefers the smaller table, in percent of the
/// least cost.
pub const SHAPE_COST_SLACK_PERCENT: usize = 10;

/// The table shape for a base set that shares the card memory with the sets loaded after it (the
/// prover's `load_bases` on the three-unit card, which takes tables only: Lagrange and monomial
/// bases of the same size, then small ones): tables are sought within half of `free` first, so
/// that the next set still finds room, then within all of it; among those, the smallest table
/// whose [`precomputed_cost`] is within [`SHAPE_COST_SLACK_PERCENT`] of the least (tables take
/// 3–17 points per base for a few percent of card time). `None` when no table fits.
pub fn shared_precomputed_shape(n: usize, log_depth: usize, max_c: usize, free: usize, units: usize) -> Option<(usize, usize)> {
    let max_c = max_c.min(log_depth + 1).min(MAX_PRECOMPUTED_C);
    let pick = |budget: usize| {
        let shapes: Vec<(usize, usize, usize)> = (2..=max_c)
            .flat_map(|c| [units, 2 * units].map(|k| (c, k)))
            .filter(|&(c, k)| n.saturating_mul(entries_per_base(c, k)) <= budget)
            .filter_map(|(c, k)| precomputed_cost(n, c, k, units, log_depth).map(|cost| (cost, c, k)))
            .collect();
        let least = shapes.iter().map(|s| s.0).min()?;
        let limit = least + least * SHAPE_COST_SLACK_PERCENT / 100;
        shapes.into_iter().filter(|s| s.0 <= limit).min_by_key(|&(cost, c, k)| (entries_per_base(c, k), cost)).map(|(_, c, k)| (c, k))
    };
    pick(free / 2).or_else(|| pick(free))
}

/// Among `k` of one or two windows per unit whose table fits `free` points, the one of least
/// [`precomputed_cost`] for window size `c`, with its cost.
fn cheapest_entry_windows(n: usize, c: usize, units: usize, log_depth: usize, free: usize) -> Option<(usize, usize)> {
    [units, 2 * units]
        .into_iter()
        .filter(|&k| n * entries_per_base(c, k) <= free)
        .filter_map(|k| precomputed_cost(n, c, k, units, log_depth).map(|cost| (cost, k)))
        .min()
}

impl<D: Device> DeviceMsm<D> {
    /// Checks that `dev` is a zkaccel card with our register map, an MSM kernel and the digit
    /// format this driver writes, and reads its limits. `timeout` bounds every wait.
    pub fn new(mut dev: D, timeout: Duration) -> Result<Self, DeviceError> {
        crate::device::check_card(&mut dev, Kernel::Msm)?;
        let format = dev.read32(Reg::MsmDigitFormat.offset())?;
        if format != DIGIT_FORMAT {
            return Err(DeviceError::Unsupported(format!("MSM digit format {format:#x}, this driver writes {DIGIT_FORMAT:#x}")));
        }
        let mem_points = dev.read32(Reg::CardMemPoints.offset())?;
        let slots = dev.read32(Reg::MsmSlots.offset())?;
        let log_depth = dev.read32(Reg::MsmLogDepth.offset())? as usize;
        let max_c = dev.read32(Reg::MsmMaxC.offset())? as usize;
        if !(1..=24).contains(&log_depth) || max_c < 2 {
            return Err(DeviceError::Protocol(format!("MSM limits out of range: MsmLogDepth {log_depth}, MsmMaxC {max_c}")));
        }
        let units = msm_units(dev.read32(Reg::MsmUnits.offset())?) as usize;
        if units > 3 {
            return Err(DeviceError::Unsupported(format!("MsmUnits {units}: this driver drives cards of 1, 2 or 3 MSM units")));
        }
        let seq = dev.read32(Reg::DoneSeq.offset())?;
        let mut msm = Self {
            dev,
            timeout,
            seq,
            mem_points,
            slots,
            log_depth,
            max_c,
            units,
            resident: HashMap::new(),
            host_bases: HashMap::new(),
            last: MsmCardStats::default(),
            always_reduce: false,
            offsets: None,
        };
        if units == 3 {
            // A card session's R_b (and the first R_s, R_t), with the units' clear.
            msm.load_fresh_offsets()?;
        }
        Ok(msm)
    }

    /// Reduce every window group on the card, also those with chains of one bucket (`g = 0`,
    /// which by default run as plain accumulations: see the module docs). For tests and
    /// measurements; the results are the same.
    pub fn set_always_reduce(&mut self, on: bool) {
        self.always_reduce = on;
    }

    /// Resets the card (`Device::reset`: commands stop, card memory and the bases slots stay) and,
    /// on the three-unit card, loads fresh offsets: a reset that loses the card's registers (a
    /// function-level reset) leaves none, and a new `R_b` is what a failure may need anyway.
    pub fn reset(&mut self) -> Result<(), DeviceError> {
        self.dev.reset()?;
        if self.units == 3 {
            self.load_fresh_offsets()?;
        }
        Ok(())
    }

    /// The device (e.g. to run other kernels on the same card).
    pub fn dev_mut(&mut self) -> &mut D {
        &mut self.dev
    }

    /// Gives the device back.
    pub fn into_inner(self) -> D {
        self.dev
    }

    /// The card's MSM units (register `MsmUnits`; 1, 2 or 3).
    pub fn units(&self) -> usize {
        self.units
    }

    /// Card memory in points, and how many are still free (in all; a set needs one free range of
    /// its size: [`DeviceMsm::largest_free_range`]).
    pub fn card_memory(&self) -> (u32, u32) {
        let used: u32 = self.resident.values().map(|r| r.points).sum();
        (self.mem_points, self.mem_points - used)
    }

    /// The free ranges of card memory (`start, length`), in address order: the gaps between the
    /// resident sets, which never overlap.
    fn free_ranges(&self) -> Vec<(u32, u32)> {
        let mut taken: Vec<(u32, u32)> = self.resident.values().map(|r| (r.base, r.points)).collect();
        taken.sort_unstable();
        let mut free = Vec::new();
        let mut at = 0u32;
        for (base, points) in taken {
            if base > at {
                free.push((at, base - at));
            }
            at = at.max(base + points);
        }
        if self.mem_points > at {
            free.push((at, self.mem_points - at));
        }
        free
    }

    /// The longest run of free card memory, in points: the largest set that can be loaded now.
    pub fn largest_free_range(&self) -> u32 {
        self.free_ranges().iter().map(|&(_, len)| len).max().unwrap_or(0)
    }

    /// Forgets the resident set `id` (its slot and card-memory addresses become free for later
    /// loads); `false` when it was not resident. Nothing is sent to the card: the slot stays
    /// valid there with the old points until a load reuses it, and the driver no longer names it.
    pub fn unload_bases(&mut self, id: &BasesId) -> bool {
        self.host_bases.remove(id);
        self.resident.remove(id).is_some()
    }

    /// Whether the base set `id` is resident on the card.
    pub fn has_bases(&self, id: &BasesId) -> bool {
        self.resident.contains_key(id)
    }

    /// Where `id` lives on the card, if it is resident.
    pub fn resident(&self, id: &BasesId) -> Option<Resident> {
        self.resident.get(id).copied()
    }

    /// What the last call did on the card.
    pub fn last(&self) -> MsmCardStats {
        self.last
    }

    /// Card cycles of the last call (doorbell to completion, summed over its commands).
    pub fn last_cycles(&self) -> u64 {
        self.last.cycles
    }

    /// Rings the doorbell for the parameters already written, with the number after the card's
    /// `DONE_SEQ` (read again each time: other kernels' host sides ring the same card).
    fn ring(&mut self) -> Result<u32, DeviceError> {
        self.seq = self.dev.read32(Reg::DoneSeq.offset())?.wrapping_add(1);
        self.dev.write32(Reg::Doorbell.offset(), self.seq)?;
        Ok(self.seq)
    }

    /// After the input of command `seq` went down: an error the card already reported.
    fn early_error(&mut self, seq: u32, what: &str) -> Result<(), DeviceError> {
        if self.dev.read32(Reg::DoneSeq.offset())? == seq {
            let status = self.dev.read32(Reg::Status.offset())?;
            if status != 0 {
                return Err(DeviceError::Card(status, what.to_string()));
            }
        }
        Ok(())
    }

    /// Completion and status of command `seq`; returns its cycles.
    fn finish(&mut self, seq: u32, what: &str) -> Result<u64, DeviceError> {
        self.dev.wait_done(seq, self.timeout)?;
        let status = self.dev.read32(Reg::Status.offset())?;
        if status != 0 {
            return Err(DeviceError::Card(status, what.to_string()));
        }
        Ok(self.dev.read32(Reg::CmdCycles.offset())? as u64)
    }

    /// Loads the base set `id` into card memory (nothing to do when it is resident already). On
    /// the three-unit card, which takes precomputed tables only, as a table of the shape
    /// [`shared_precomputed_shape`] picks (leaving room for the sets loaded after it; an
    /// `Unsupported` error when no table fits).
    pub fn load_bases(&mut self, id: BasesId, points: &[G1Affine]) -> Result<(), DeviceError> {
        if self.resident.contains_key(&id) {
            self.last = MsmCardStats::default();
            return Ok(());
        }
        if self.units == 3 {
            let free = self.largest_free_range() as usize;
            let Some((c, k)) = shared_precomputed_shape(points.len(), self.log_depth, self.max_c, free, self.units) else {
                return Err(DeviceError::Unsupported(format!(
                    "no precomputed table of {} bases fits the card memory left ({free} points in one range), and the three-unit card takes no plain layout",
                    points.len()
                )));
            };
            return self.load_bases_precomputed_with(id, points, c, k).map(|_| ());
        }
        self.check_fits(points.len(), 1, "bases")?;
        self.load_points(id, points.len() as u32, points, BasesLayout::Plain)
    }

    /// Loads the base set `id` **precomputed** (see the module docs) for the window size of
    /// [`precomputed_window_size`] over the card memory left, or in the plain layout when no
    /// table fits; returns the layout the set has (also when it was resident already: nothing is
    /// loaded then). The table is computed on the host (once per base set).
    pub fn load_bases_precomputed(&mut self, id: BasesId, points: &[G1Affine]) -> Result<BasesLayout, DeviceError> {
        if let Some(r) = self.resident.get(&id) {
            let layout = r.layout;
            self.last = MsmCardStats::default();
            return Ok(layout);
        }
        let free = self.largest_free_range() as usize;
        match precomputed_shape(points.len(), self.log_depth, self.max_c, free, self.units) {
            Some((c, k)) => self.load_bases_precomputed_with(id, points, c, k),
            None if self.units == 3 => Err(DeviceError::Unsupported(format!(
                "no precomputed table of {} bases fits the card memory left ({free} points in one range), and the three-unit card takes no plain layout",
                points.len()
            ))),
            None => self.load_bases(id, points).map(|()| BasesLayout::Plain),
        }
    }

    /// [`DeviceMsm::load_bases_precomputed`] with window size `c` (`2..=MsmMaxC`,
    /// `c − 1 ≤ MsmLogDepth`, `c ≤ 16`) and the windows per entry of least [`precomputed_cost`]
    /// for it; a table that does not fit the card memory left is an [`DeviceError::Unsupported`]
    /// error (no fallback).
    pub fn load_bases_precomputed_with_c(&mut self, id: BasesId, points: &[G1Affine], c: usize) -> Result<BasesLayout, DeviceError> {
        let k = cheapest_entry_windows(points.len(), c, self.units, self.log_depth, usize::MAX).map_or(self.units, |(_, k)| k);
        self.load_bases_precomputed_with(id, points, c, k)
    }

    /// [`DeviceMsm::load_bases_precomputed`] with window size `c` and `k` windows per table entry
    /// (one or two per MSM unit, fitting the bucket memory); a table that does not fit the card
    /// memory left is an [`DeviceError::Unsupported`] error (no fallback).
    pub fn load_bases_precomputed_with(&mut self, id: BasesId, points: &[G1Affine], c: usize, k: usize) -> Result<BasesLayout, DeviceError> {
        if let Some(r) = self.resident.get(&id) {
            let layout = r.layout;
            self.last = MsmCardStats::default();
            return Ok(layout);
        }
        self.check_c(c, MAX_PRECOMPUTED_C)?;
        if precomputed_cost(points.len(), c, k, self.units, self.log_depth).is_none() {
            return Err(DeviceError::Unsupported(format!(
                "{k} windows per table entry at c = {c} on a card of {} MSM units with 2^{} buckets each (one or two windows per unit that fit)",
                self.units, self.log_depth
            )));
        }
        let windows = precomputed_windows(c);
        let e = entries_per_base(c, k);
        self.check_fits(points.len(), e, &format!("bases precomputed for c = {c} ({e} entries of {k} windows each)"))?;
        let layout = BasesLayout::Precomputed { c, windows, entry_windows: k };
        self.load_points(id, points.len() as u32, &window_table(points, c, k), layout)?;
        if c > MAX_STREAM_C {
            self.host_bases.insert(id, points.to_vec());
        }
        Ok(layout)
    }

    /// Window size `c` within the card's limits and `limit` (the digit format's: `MAX_STREAM_C`
    /// for the plain layout, `MAX_PRECOMPUTED_C` for tables).
    fn check_c(&self, c: usize, limit: usize) -> Result<(), DeviceError> {
        if !(2..=self.max_c).contains(&c) || c - 1 > self.log_depth {
            return Err(DeviceError::Unsupported(format!("window size {c} on a card with c ≤ {} and 2^{} buckets", self.max_c, self.log_depth)));
        }
        if c > limit {
            return Err(DeviceError::Unsupported(format!("window size {c}: the 16-bit digit format carries c ≤ {limit} in this layout")));
        }
        Ok(())
    }

    /// `n` bases of `per` points each fit the card memory left.
    fn check_fits(&self, n: usize, per: usize, what: &str) -> Result<(), DeviceError> {
        if n == 0 {
            return Err(DeviceError::Unsupported("an empty base set".into()));
        }
        let free = self.largest_free_range();
        match n.checked_mul(per).and_then(|p| u32::try_from(p).ok()) {
            Some(p) if p <= free => Ok(()),
            _ => Err(DeviceError::Unsupported(format!(
                "card memory full: {n} {what} ({} points) do not fit, {} of {} points free, {free} in one range (resident bases are never evicted)",
                n as u128 * per as u128,
                self.card_memory().1,
                self.mem_points
            ))),
        }
    }

    /// Loads `points` (already checked to fit) into a free slot and records the set `id` of `len`
    /// bases with `layout`.
    fn load_points(&mut self, id: BasesId, len: u32, points: &[G1Affine], layout: BasesLayout) -> Result<(), DeviceError> {
        let n = points.len() as u32;
        let used: Vec<u32> = self.resident.values().map(|r| r.slot).collect();
        let slot = (0..self.slots)
            .find(|s| !used.contains(s))
            .ok_or_else(|| DeviceError::Unsupported(format!("no free bases slot on the card (all {} hold resident bases)", self.slots)))?;
        let base = self
            .free_ranges()
            .into_iter()
            .find(|&(_, len)| len >= n)
            .map(|(start, _)| start)
            .ok_or_else(|| DeviceError::Unsupported(format!("card memory full: {n} points do not fit in one free range")))?;
        let d = &mut self.dev;
        d.write32(Reg::Command.offset(), Kernel::Msm as u32)?;
        d.write32(Reg::MsmOp.offset(), MsmOp::LOAD_BASES)?;
        d.write32(Reg::MsmSlot.offset(), slot)?;
        d.write32(Reg::MsmBase.offset(), base)?;
        d.write32(Reg::MsmPoints.offset(), n)?;
        let seq = self.ring()?;
        let data: Vec<u8> = points.iter().flat_map(base_to_wire).collect();
        let what = format!("loading {n} points into slot {slot} at {base}");
        self.dev.stream_to_card(&data, self.timeout)?;
        let cycles = self.finish(seq, &what)?;
        self.resident.insert(id, Resident { slot, base, len, points: n, layout });
        self.last = MsmCardStats { cycles, commands: 1, c: 0, bytes_to_card: data.len() as u64, layout, ..Default::default() };
        Ok(())
    }

    /// `Σ scalars[i]·bases[i]` over the first `scalars.len()` bases of the resident set `id`,
    /// with the window size of [`window_size`].
    /// A set loaded precomputed runs with the table's window size.
    pub fn msm(&mut self, id: &BasesId, scalars: &[Fr]) -> Result<G1Projective, DeviceError> {
        if let Some(BasesLayout::Precomputed { c, .. }) = self.resident.get(id).map(|r| r.layout) {
            return self.msm_with_c(id, scalars, c);
        }
        // Narrow scalars (a column of quantized values, `v` or `r − |v|`) stream in the signed
        // form, with only the windows their width needs (`msm_digit_stream`, "Narrow scalars").
        // The width scan's buffer serves the stream either way (in the canonical form every limb
        // is converted again).
        let mut limbs = vec![[0u64; 4]; scalars.len()];
        let narrow = signed_limbs(scalars, &mut limbs, MAX_SIGNED_BITS);
        let c = window_size_bits(scalars.len(), narrow.unwrap_or(FULL_BITS), self.log_depth, self.max_c.min(MAX_STREAM_C), self.units);
        self.msm_unchecked_result(id, scalars, c, narrow, Some(limbs)).and_then(|sum| Self::on_curve(sum, scalars.len(), c))
    }

    /// [`DeviceMsm::msm`] with window size `c` (`2..=MsmMaxC`, `c − 1 ≤ MsmLogDepth`, and
    /// `c ≤ 15`, the largest the 16-bit digit format carries in the plain layout); on a set loaded
    /// precomputed, `c` must be the table's.
    /// The scalars stream in the canonical form (every window), whatever their width.
    pub fn msm_with_c(&mut self, id: &BasesId, scalars: &[Fr], c: usize) -> Result<G1Projective, DeviceError> {
        self.msm_unchecked_result(id, scalars, c, None, None).and_then(|sum| Self::on_curve(sum, scalars.len(), c))
    }

    /// The card's words are decoded without a curve check each; their combination is checked
    /// here, once (see `msm_reduce::decode_answers`).
    fn on_curve(sum: G1Projective, n: usize, c: usize) -> Result<G1Projective, DeviceError> {
        if sum.into_affine().is_on_curve() {
            Ok(sum)
        } else {
            Err(DeviceError::Protocol(format!(
                "MSM of {n} points (c = {c}): the card's answer words combine to a point off the curve (a word it sent is not a curve point)"
            )))
        }
    }

    /// The MSM on the card, its result not yet checked. `signed_bits`: the scalars stream in the
    /// signed form with `|v| < 2^bits`, their limbs in `limbs` (`msm_digit_stream::signed_limbs`;
    /// plain layout only); `None` streams the canonical form. `limbs`: a buffer of one entry per
    /// scalar (allocated when not given).
    fn msm_unchecked_result(
        &mut self,
        id: &BasesId,
        scalars: &[Fr],
        c: usize,
        signed_bits: Option<usize>,
        limbs: Option<Vec<Limbs>>,
    ) -> Result<G1Projective, DeviceError> {
        self.last = MsmCardStats { c, ..Default::default() };
        let res = *self.resident.get(id).ok_or_else(|| DeviceError::Unsupported("these bases are not resident on the card".into()))?;
        self.last.layout = res.layout;
        let n = scalars.len();
        if n > res.len as usize {
            return Err(DeviceError::Unsupported(format!("MSM of {n} points over {} resident bases", res.len)));
        }
        if let BasesLayout::Precomputed { c: table_c, windows, entry_windows } = res.layout {
            if c != table_c {
                return Err(DeviceError::Unsupported(format!("window size {c}: these bases are resident precomputed for c = {table_c}")));
            }
            if n == 0 {
                return Ok(G1Projective::ZERO);
            }
            return self.msm_precomputed(id, res.slot, scalars, c, windows, entry_windows);
        }
        self.check_c(c, MAX_STREAM_C)?;
        if n == 0 {
            return Ok(G1Projective::ZERO);
        }
        // Group by group in the card's order: its strides (a pass over every scalar only when
        // the first ones leave a window open), then its words straight into the stream in stream
        // order, the scalars converted on the way through the first group (bit-exact with
        // `plan_reduced`'s digits in the digit format; the functions the occupancy bench times).
        let mut limbs = limbs.unwrap_or_else(|| vec![[0u64; 4]; n]);
        let (mut streams, mut converted) = match signed_bits {
            Some(bits) => {
                self.last.scalar_bits = bits;
                (DigitStreams::new_signed(n, bits, c, self.log_depth, MSM_CHAIN_LOG_DEPTH as usize, self.units), n)
            }
            None => (DigitStreams::new_units(n, c, self.log_depth, MSM_CHAIN_LOG_DEPTH as usize, self.units), 0),
        };
        self.last.windows = streams.groups.iter().map(|g| g.windows).sum();
        let mut window_sums = Vec::with_capacity(self.last.windows);
        let (mut words, mut data) = (Vec::new(), Vec::new());
        for gi in 0..streams.groups.len() {
            let (first, w, plan_seg_log) = (streams.groups[gi].first, streams.groups[gi].windows, streams.groups[gi].seg_log);
            let what = format!("MSM of {n} points, windows {first}..{} (c = {c})", first + w);
            // The card derives the chain length from MsmWindows and MsmC by the register map's
            // rule; the plan's strides assume the same one.
            let seg_log = msm_seg_log((w / self.units) as u32, c as u32) as usize;
            if seg_log != plan_seg_log {
                return Err(DeviceError::Protocol(format!("{what}: the host plan cuts chains of 2^{plan_seg_log} buckets, the card 2^{seg_log}")));
            }
            converted = streams.plan_group(gi, scalars, &mut limbs, converted);
            words.resize(streams.stream_words(gi), 0);
            streams.write_group(scalars, &mut limbs, converted, gi, &mut words, &|_| {});
            converted = n;
            data.clear();
            data.extend(words.iter().flat_map(|x| x.to_le_bytes()));
            let sums = self.run_group(&what, res.slot, n as u32, c, w, seg_log, &data)?;
            let g = &streams.groups[gi];
            window_sums.extend(group_window_sums(g.seg_log, &g.strides, &sums, c));
        }
        Ok(horner(&window_sums, c))
    }

    /// Writes an accumulation's registers (`op`: `MsmOp::ACCUMULATE` or `ACCUMULATE_REDUCE`) and
    /// rings the doorbell; returns the command's sequence number.
    fn start_group(&mut self, op: u32, slot: u32, points: u32, c: usize, windows: usize) -> Result<u32, DeviceError> {
        let d = &mut self.dev;
        d.write32(Reg::Command.offset(), Kernel::Msm as u32)?;
        d.write32(Reg::MsmOp.offset(), op)?;
        d.write32(Reg::MsmSlot.offset(), slot)?;
        d.write32(Reg::MsmPoints.offset(), points)?;
        d.write32(Reg::MsmC.offset(), c as u32)?;
        d.write32(Reg::MsmWindows.offset(), windows as u32)?;
        self.ring()
    }

    /// One window group on the card: `points` points of slot `slot`, `windows` digits each
    /// (`data`, the digit stream's bytes), window size `c`, chains of `2^seg_log` buckets —
    /// reduced on the card when `seg_log > 0` (or always, see [`DeviceMsm::set_always_reduce`]),
    /// else the buckets come back as chains of one (`S_q = T_q = B_q`). On a two-unit card the
    /// units' answers are put back into window order. Every word read back is decoded with
    /// canonical coordinates (the MSM's result is checked on the curve by the caller); the call's
    /// cycles, bytes and commands are added to [`DeviceMsm::last`].
    #[allow(clippy::too_many_arguments)]
    fn run_group(&mut self, what: &str, slot: u32, points: u32, c: usize, windows: usize, seg_log: usize, data: &[u8]) -> Result<ChainSums, DeviceError> {
        let reduce = seg_log > 0 || self.always_reduce;
        let seq = self.start_group(if reduce { MsmOp::ACCUMULATE_REDUCE } else { MsmOp::ACCUMULATE }, slot, points, c, windows)?;
        self.dev.stream_to_card(data, self.timeout)?;
        self.early_error(seq, what)?;
        let per_unit = windows / self.units;
        let back = self.units * if reduce { msm_reduce_points(per_unit as u32, c as u32) as usize } else { per_unit << (c - 1) };
        let out = self.dev.stream_from_card(96 * back, self.timeout)?;
        if out.len() != 96 * back {
            return Err(DeviceError::Protocol(format!("{what}: {} bytes came back, {} expected", out.len(), 96 * back)));
        }
        let cycles = self.finish(seq, what)?;
        let name = if reduce { "chain sum" } else { "bucket" };
        let decoded = decode_answers(&out).map_err(|(k, e)| DeviceError::Protocol(format!("{what}: {name} {k}: {e}")))?;
        let decoded = unit_answers_in_window_order(decoded, self.units, windows);
        self.last.cycles += cycles;
        self.last.commands += 1;
        self.last.reduced += reduce as usize;
        self.last.bytes_to_card += data.len() as u64;
        self.last.bytes_from_card += out.len() as u64;
        Ok(ChainSums::from_answer(decoded, reduce))
    }

    /// The MSM over a precomputed table (see the module docs): one group of `n · ⌈windows/k⌉`
    /// points and `k` windows of `2^{c−1}` buckets, reduced on the card when its chains are longer
    /// than one bucket (or always, see [`DeviceMsm::set_always_reduce`]); the digits `+2^15` of
    /// `c = 16` added from the host copy of the bases.
    fn msm_precomputed(&mut self, id: &BasesId, slot: u32, scalars: &[Fr], c: usize, windows: usize, k: usize) -> Result<G1Projective, DeviceError> {
        let n = scalars.len();
        let e = entries_per_base(c, k);
        let what = format!("MSM of {n} points over precomputed windows ({windows} per base in {e} entries of {k}, c = {c})");
        let entries = u32::try_from(n * e).map_err(|_| DeviceError::Unsupported(format!("{what}: {} table entries", n * e)))?;
        let per_unit = k / self.units;
        let seg_log = msm_seg_log(per_unit as u32, c as u32) as usize;
        if seg_log != msm_precomputed::seg_log(per_unit, c, MSM_CHAIN_LOG_DEPTH as usize) {
            return Err(DeviceError::Protocol(format!("{what}: the host and the card cut different chains")));
        }
        let (words, wide) = msm_precomputed::digit_stream(scalars, c, k);
        let data: Vec<u8> = words.iter().flat_map(|x| x.to_le_bytes()).collect();
        let mut sum = if self.units == 3 {
            self.run_group_xyzz(&what, slot, entries, c, k, seg_log, &data)?
        } else {
            let sums = self.run_group(&what, slot, entries, c, k, seg_log, &data)?;
            msm_precomputed::combine(&sums, c, seg_log, k)
        };
        if !wide.is_empty() {
            let bases = self.host_bases.get(id).ok_or_else(|| DeviceError::Protocol(format!("{what}: digits 2^15 and no host copy of the bases")))?;
            sum += wide_digits_sum(bases, &wide, c);
        }
        Ok(sum)
    }
}
