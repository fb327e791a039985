//! The card's register map (BAR0, 32-bit little-endian registers at 4-byte offsets), following
//! `docs/interfaces.md` §5: parameters are written first, then the doorbell with a new sequence
//! number; the card copies that number to `DONE_SEQ` when the command has finished. No register
//! clears on read; `STATUS` error bits are sticky until the next doorbell; an `ID` of
//! `0xffff_ffff` means the device is gone (a PCIe read of a missing device returns all ones).
//!
//! This module is the one source of truth for the offsets: the RTL card top
//! (`zkaccel_hdl::card::regfile`) builds its address decoder from [`Reg::ALL`] and
//! [`Reg::READ_ONLY`], the driver and the simulated card use the same names.

/// Version of this register map; cards report theirs in [`Reg::Version`].
pub const REGMAP_VERSION: u32 = 5;
/// Value of [`Reg::Id`] on a zkaccel card ("zkac").
pub const CARD_ID: u32 = 0x7a6b_6163;
/// What a read of a vanished PCIe device returns.
pub const GONE: u32 = 0xffff_ffff;
/// Size of the register window in bytes (offsets `0..REG_WINDOW`); reads of unmapped offsets
/// inside it return 0, writes to them are ignored.
pub const REG_WINDOW: u32 = 0x100;

/// Register offsets in BAR0.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    /// [`CARD_ID`].
    Id = 0x00,
    /// [`REGMAP_VERSION`] of the bitstream.
    Version = 0x04,
    /// Bit mask of [`Kernel`]s in the bitstream.
    Kernels = 0x08,
    /// Kernel clock in kHz (0 in simulation).
    ClockKhz = 0x0c,
    /// Write a new sequence number to start the command set up in the parameter registers.
    Doorbell = 0x10,
    /// The sequence number of the last finished command.
    DoneSeq = 0x14,
    /// Sticky error bits ([`Status`]) of the last command.
    Status = 0x18,
    /// Which kernel the next doorbell starts ([`Kernel`] bit).
    Command = 0x1c,
    /// Kernel clock cycles since power-up, low word (free-running; read `CyclesHi`, then
    /// `CyclesLo`, then `CyclesHi` again and retry when the high word changed).
    CyclesLo = 0x20,
    /// Kernel clock cycles since power-up, high word.
    CyclesHi = 0x24,
    /// Cycles of the last finished command, from the doorbell to `DONE_SEQ` (saturates at
    /// `2^32 − 1`).
    CmdCycles = 0x28,
    /// Card memory (HBM/DDR) size in 64-byte points (the MSM bases it can hold).
    CardMemPoints = 0x2c,
    /// Lookup: `log2` of the counter memory rows (the largest table a count takes).
    LookupMaxLogTable = 0x30,
    /// Lookup: `log2` of the largest batch an inversion takes.
    LookupMaxLogBatch = 0x34,
    /// Lookup: cycles the kernel was busy since reset, low word.
    LookupBusyLo = 0x38,
    /// Lookup: busy cycles, high word.
    LookupBusyHi = 0x3c,
    /// NTT: `log2` of the transform size.
    NttLogN = 0x40,
    /// NTT: [`NttFlags`].
    NttFlags = 0x44,
    /// NTT: the coset shift, 8 words, least significant first (wire format), at 0x48..0x64.
    NttShift0 = 0x48,
    /// NTT: `K`, the buffer size of the kernel is `2^K` points.
    NttMaxLogN = 0x68,
    /// MSM: operations the XYZZ units flagged (equal points, or an identity in a general
    /// addition) since the last `MsmOp::LOAD_OFFSETS` or reset, summed over the units; any flag
    /// makes the groups answered since then wrong (see [`Status::MSM_FLAGGED`]). Only the
    /// three-unit card (`MsmUnits = 3`) decodes it; the others leave the offset unmapped (reads 0:
    /// their complete adders never flag). Added without a version change, as `MsmUnits`.
    MsmFlagged = 0x6c,
    /// NTT: cycles the kernel was busy (doorbell to completion of NTT commands) since reset, low
    /// word.
    NttBusyLo = 0x70,
    /// NTT: busy cycles, high word.
    NttBusyHi = 0x74,
    /// NTT: input elements accepted since reset (wraps at 2^32).
    NttElements = 0x78,
    /// MSM: what the next MSM command does ([`MsmOp`]).
    MsmOp = 0x80,
    /// MSM: the bases slot (`0..MsmSlots`) a load fills or an accumulation reads.
    MsmSlot = 0x84,
    /// MSM load: card-memory address (in points) of the first base.
    MsmBase = 0x88,
    /// MSM: number of points (load: bases to store; accumulate: points of the MSM, at most the
    /// slot's count).
    MsmPoints = 0x8c,
    /// MSM accumulate: window size `c` (`2..=MsmMaxC`).
    MsmC = 0x90,
    /// MSM accumulate: windows in this group (digits per point in the digit stream); the group
    /// holds `MsmWindows · 2^(c−1)` buckets, at most `2^MsmLogDepth`.
    MsmWindows = 0x94,
    /// MSM: largest window size `c` the card accepts (15 on the one-unit builds; 16 on the two-unit
    /// card, where a digit `+2^15`, beyond the format's 15-bit bucket number, is left to the host:
    /// [`DIGIT_FORMAT`]).
    MsmMaxC = 0x98,
    /// MSM: `log2` of the bucket memory entries.
    MsmLogDepth = 0x9c,
    /// MSM: number of bases slots.
    MsmSlots = 0xa0,
    /// MSM: the digit stream format the card reads ([`DIGIT_FORMAT`]).
    MsmDigitFormat = 0xa4,
    /// MSM: cycles the card spent in the on-card bucket reduction since reset
    /// ([`MsmOp::ACCUMULATE_REDUCE`]; per group from the first running-sum selection through the
    /// first cycle in which the last chain sum is visible; wraps at 2^32).
    MsmReduceCycles = 0xa8,
    /// MSM: number of MSM units (bucket schedulers with their own adder and bucket memory of
    /// `2^MsmLogDepth` entries each). **0 reads as 1**: one-unit cards leave this offset unmapped
    /// (added after register map v5 without a version change, so that the one-unit bitstreams
    /// stay current). On a two-unit card an accumulation needs an even `MsmWindows`, each unit
    /// holds `MsmWindows / 2` of the group's windows (window `w` is window `w >> 1` of unit
    /// `w mod 2`), and the answer is unit 0's words, then unit 1's ([`msm_units`]).
    MsmUnits = 0xac,
    /// MSM: cycles the kernel was busy (loads and accumulations) since reset, low word.
    MsmBusyLo = 0xb0,
    /// MSM: busy cycles, high word.
    MsmBusyHi = 0xb4,
    /// MSM: digits consumed since reset (one per point and window; wraps at 2^32).
    MsmElements = 0xb8,
    /// MSM: additions issued to the adder since reset (bucket additions of the accumulation and,
    /// with [`MsmOp::ACCUMULATE_REDUCE`], the reduction's two running-sum additions per bucket).
    MsmIssued = 0xbc,
    /// MSM: requests deferred to the conflict queue since reset (one request may count twice).
    MsmDeferred = 0xc0,
    /// MSM: cycles with a request waiting that the bucket unit did not accept, since reset.
    MsmStalled = 0xc4,
    /// MSM: points read from card memory since reset.
    MsmPointsRead = 0xc8,
    /// Lookup: elements taken since reset (indices counted, `x_i` of forward passes; wraps at
    /// 2^32).
    LookupElements = 0xcc,
    /// Lookup: what the next lookup command does (`lookup::LookupOp`).
    LookupOp = 0xd0,
    /// Lookup: elements (indices of a count, or the batch size of an inversion).
    LookupN = 0xd4,
    /// Lookup count: table rows `T` (`1..=2^LookupMaxLogTable`).
    LookupTable = 0xd8,
    /// Lookup: `lookup::LookupFlags`.
    LookupFlags = 0xdc,
    /// Lookup forward pass: `β`, 8 words, least significant first (wire format), at 0xe0..0xfc.
    LookupBeta0 = 0xe0,
}

impl Reg {
    /// The byte offset.
    pub const fn offset(self) -> u32 {
        self as u32
    }

    /// Every register, in offset order (the shift's words 1..7 follow [`Reg::NttShift0`]).
    pub const ALL: [Reg; 49] = [
        Reg::Id,
        Reg::Version,
        Reg::Kernels,
        Reg::ClockKhz,
        Reg::Doorbell,
        Reg::DoneSeq,
        Reg::Status,
        Reg::Command,
        Reg::CyclesLo,
        Reg::CyclesHi,
        Reg::CmdCycles,
        Reg::CardMemPoints,
        Reg::LookupMaxLogTable,
        Reg::LookupMaxLogBatch,
        Reg::LookupBusyLo,
        Reg::LookupBusyHi,
        Reg::NttLogN,
        Reg::NttFlags,
        Reg::NttShift0,
        Reg::NttMaxLogN,
        Reg::MsmFlagged,
        Reg::NttBusyLo,
        Reg::NttBusyHi,
        Reg::NttElements,
        Reg::MsmOp,
        Reg::MsmSlot,
        Reg::MsmBase,
        Reg::MsmPoints,
        Reg::MsmC,
        Reg::MsmWindows,
        Reg::MsmMaxC,
        Reg::MsmLogDepth,
        Reg::MsmSlots,
        Reg::MsmDigitFormat,
        Reg::MsmReduceCycles,
        Reg::MsmUnits,
        Reg::MsmBusyLo,
        Reg::MsmBusyHi,
        Reg::MsmElements,
        Reg::MsmIssued,
        Reg::MsmDeferred,
        Reg::MsmStalled,
        Reg::MsmPointsRead,
        Reg::LookupElements,
        Reg::LookupOp,
        Reg::LookupN,
        Reg::LookupTable,
        Reg::LookupFlags,
        Reg::LookupBeta0,
    ];

    /// Registers the host may only read (writes are ignored by the card).
    pub const READ_ONLY: [Reg; 33] = [
        Reg::Id,
        Reg::Version,
        Reg::Kernels,
        Reg::ClockKhz,
        Reg::DoneSeq,
        Reg::Status,
        Reg::CyclesLo,
        Reg::CyclesHi,
        Reg::CmdCycles,
        Reg::CardMemPoints,
        Reg::NttMaxLogN,
        Reg::MsmFlagged,
        Reg::NttBusyLo,
        Reg::NttBusyHi,
        Reg::NttElements,
        Reg::MsmMaxC,
        Reg::MsmLogDepth,
        Reg::MsmSlots,
        Reg::MsmDigitFormat,
        Reg::MsmReduceCycles,
        Reg::MsmUnits,
        Reg::MsmBusyLo,
        Reg::MsmBusyHi,
        Reg::MsmElements,
        Reg::MsmIssued,
        Reg::MsmDeferred,
        Reg::MsmStalled,
        Reg::MsmPointsRead,
        Reg::LookupMaxLogTable,
        Reg::LookupMaxLogBatch,
        Reg::LookupBusyLo,
        Reg::LookupBusyHi,
        Reg::LookupElements,
    ];

    /// Whether the host may write this register.
    pub fn writable(self) -> bool {
        !Reg::READ_ONLY.contains(&self)
    }
}

/// Kernels a bitstream may contain.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Number-theoretic transform over Fr.
    Ntt = 1,
    /// Multi-scalar multiplication on G1.
    Msm = 2,
    /// Lookup helpers: multiplicity counts and batch inversion (`lookup`).
    Lookup = 4,
}

/// Bits of [`Reg::NttFlags`].
pub struct NttFlags;
impl NttFlags {
    /// Inverse transform (scaled by 1/n).
    pub const INVERSE: u32 = 1;
    /// Coset transform with the shift in `NttShift*`.
    pub const COSET: u32 = 2;
}

/// Values of [`Reg::MsmOp`].
pub struct MsmOp;
impl MsmOp {
    /// Accumulate one window group: the host streams the digits (format [`DIGIT_FORMAT`]) of
    /// `MsmPoints` points × `MsmWindows` windows, point-major; the card reads the slot's points
    /// from card memory, accumulates the buckets and streams them back (`X ‖ Y ‖ Z`, 3 beats per
    /// bucket, `MsmWindows · 2^(c−1)` buckets in address order). Multi-unit cards split the group
    /// by window ([`Reg::MsmUnits`]); the three-unit card answers XYZZ words `X ‖ Y ‖ ZZ ‖ ZZZ`
    /// (4 beats) and takes the digits in padded triples (`docs/interfaces.md` §5).
    pub const ACCUMULATE: u32 = 0;
    /// Load bases: the host streams `MsmPoints` affine points (2 beats each, `x` then `y`, the
    /// point at infinity flagged by bit 255 of `y`), the card writes them to card memory at
    /// `MsmBase..MsmBase + MsmPoints` and records them in slot `MsmSlot`.
    pub const LOAD_BASES: u32 = 1;
    /// Accumulate one window group as [`MsmOp::ACCUMULATE`] (same registers, same digit
    /// stream, same checks), then reduce it on the card: the group's `B = MsmWindows · 2^(c−1)`
    /// buckets are cut into `Q = B / G` chains of `G = 2^g` consecutive buckets,
    /// `g = `[`msm_seg_log`]`(MsmWindows, MsmC)`, and the card streams back, per chain `q` in
    /// order, `S_q = Σ_j B[q·G + j]` and `T_q = Σ_j (j + 1)·B[q·G + j]` (`j = 0..G`): the
    /// points `S_0, T_0, S_1, T_1, …, S_{Q−1}, T_{Q−1}`, each `X ‖ Y ‖ Z` (homogeneous
    /// projective, 3 beats), `last` on the last beat of `T_{Q−1}`: [`msm_reduce_points`] points
    /// (per unit of its windows on a multi-unit card; XYZZ words of 4 beats on the three-unit
    /// card).
    pub const ACCUMULATE_REDUCE: u32 = 2;
    /// Three-unit card only (`MsmUnits = 3`; the others end it with `BAD_PARAMS`): the host
    /// streams the XYZZ units' offsets, six beats `R_b.x, R_b.y, R_s.x, R_s.y, R_t.x, R_t.y`
    /// (affine, canonical: `BAD_PARAMS` otherwise; `last` on the sixth), and the card clears every
    /// bucket of every unit to `R_b`, the units' sticky flag and their counters (the command ends
    /// when the clear has). Every later group's buckets start at `R_b` and each chain's running
    /// sums at `R_s` and `R_t`; the host takes their known multiple out of the answer. An
    /// accumulation on the three-unit card before a successful load is `BAD_PARAMS`.
    pub const LOAD_OFFSETS: u32 = 3;
    /// Three-unit card only: the host streams `R_s.x, R_s.y, R_t.x, R_t.y` (four beats) for the
    /// next groups' running sums; no clear (`R_b` stays).
    pub const LOAD_RUNNING_OFFSETS: u32 = 4;
}

/// `log2` of the chains the card's reduction holds (its two chain RAMs of `2^9` points each).
pub const MSM_CHAIN_LOG_DEPTH: u32 = 9;

/// `g`, `log2` of the buckets per chain of [`MsmOp::ACCUMULATE_REDUCE`] for a group of
/// `windows` windows of `2^(c−1)` buckets: the smallest `g ≤ c − 1` with
/// `windows · 2^(c−1−g) ≤ 2^`[`MSM_CHAIN_LOG_DEPTH`], i.e. `max(0, ⌈log2(windows · 2^(c−1))⌉ − 9)`.
/// Card and host derive it by this rule (no register). For every accepted group
/// (`1 ≤ MsmWindows ≤ 255`) the rule gives `g ≤ c − 2` and at most `2^9` chains, so the chain
/// RAMs always hold the plan.
pub fn msm_seg_log(windows: u32, c: u32) -> u32 {
    assert!(c >= 2 && windows >= 1, "c = {c}, windows = {windows}");
    let total = (windows as u64) << (c - 1);
    let mut g = 0;
    while g < c - 1 && (total >> g) > 1 << MSM_CHAIN_LOG_DEPTH {
        g += 1;
    }
    g
}

/// Points the card streams back for one [`MsmOp::ACCUMULATE_REDUCE`] group: two per chain,
/// `2 · windows · 2^(c−1) / 2^g` (3 beats, 96 bytes each; 4 beats, 128 bytes, on the three-unit
/// card, whose units each answer for their `windows / 3`).
pub fn msm_reduce_points(windows: u32, c: u32) -> u64 {
    2 * (((windows as u64) << (c - 1)) >> msm_seg_log(windows, c))
}

/// The number of MSM units of a card from its [`Reg::MsmUnits`] register (0, an unmapped offset
/// on the one-unit cards, means 1).
pub fn msm_units(read: u32) -> u32 {
    read.max(1)
}

/// The digit stream format ([`Reg::MsmDigitFormat`]): 16-bit digits, sixteen per 256-bit beat,
/// least significant first; a digit is sign-magnitude, bit 15 the sign (subtract the point),
/// bits 0..15 the bucket number plus one (0 = no addition), so `|d| ≤ 2^15 − 1`: every signed
/// digit of `c ≤ 15`; at `c = 16` the host writes a digit `+2^15` as 0 and adds it itself.
/// Point-major: the `MsmWindows` digits of point 0, then of point 1, …; the last beat is padded
/// with zero digits.
pub const DIGIT_FORMAT: u32 = 0x0001_0010;
/// Digits per 256-bit beat.
pub const DIGITS_PER_BEAT: usize = 16;
/// Sign bit of a digit.
pub const DIGIT_NEG: u16 = 0x8000;

/// Bits of [`Reg::Status`].
pub struct Status;
impl Status {
    /// The kernel rejected its parameters (e.g. a size outside its buffer).
    pub const BAD_PARAMS: u32 = 1;
    /// The input stream's `last` marker was not on the expected element.
    pub const STREAM_FRAMING: u32 = 2;
    /// The command names a kernel the bitstream does not have.
    pub const NO_KERNEL: u32 = 4;
    /// A load asked for card memory beyond [`Reg::CardMemPoints`] (nothing was written; the
    /// card never evicts resident bases to make room).
    pub const MEM_OVERFLOW: u32 = 8;
    /// An accumulation named a slot that holds no bases (never loaded, or its load failed).
    pub const UNKNOWN_BASES: u32 = 16;
    /// A lookup count saw an index outside the table (not counted).
    pub const LOOKUP_RANGE: u32 = 32;
    /// A lookup forward pass saw a zero denominator `β + x_i`.
    pub const LOOKUP_ZERO: u32 = 64;
    /// Three-unit card: an accumulation ended while a unit's sticky flag was set (an operation
    /// since the last `MsmOp::LOAD_OFFSETS` or reset hit an exceptional case of the incomplete
    /// XYZZ formulas): its answer is wrong; load fresh offsets (which clears the flag) and redo.
    pub const MSM_FLAGGED: u32 = 128;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_aligned_distinct_and_inside_the_window() {
        let mut seen: Vec<u32> = Reg::ALL.iter().map(|r| r.offset()).collect();
        for r in Reg::ALL {
            assert_eq!(r.offset() % 4, 0, "{r:?}");
            let wide = r == Reg::NttShift0 || r == Reg::LookupBeta0;
            assert!(r.offset() + if wide { 32 } else { 4 } <= REG_WINDOW, "{r:?}");
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), Reg::ALL.len(), "ALL lists every register once");
        // The shift's and β's eight words overlap no other register.
        for wide in [Reg::NttShift0, Reg::LookupBeta0] {
            for r in Reg::ALL {
                if r != wide {
                    assert!(!(wide.offset() + 4..wide.offset() + 32).contains(&r.offset()), "{r:?}");
                }
            }
        }
        for r in Reg::READ_ONLY {
            assert!(Reg::ALL.contains(&r));
            assert!(!r.writable());
        }
        assert!(Reg::Doorbell.writable() && Reg::MsmC.writable() && Reg::NttShift0.writable());
    }

    #[test]
    fn the_chain_rule_fits_the_chain_rams_for_every_accepted_group() {
        // Closed form: max(0, ⌈log2(W·2^(c−1))⌉ − 9), never above c − 2, at most 2^9 chains,
        // chains of whole buckets.
        for c in 2..=16u32 {
            for w in 1..=255u32 {
                let (g, total) = (msm_seg_log(w, c), (w as u64) << (c - 1));
                let ceil_log = 64 - (total - 1).leading_zeros();
                assert_eq!(g, ceil_log.saturating_sub(MSM_CHAIN_LOG_DEPTH), "W = {w}, c = {c}");
                assert!(g + 2 <= c || g == 0, "W = {w}, c = {c}: g = {g}");
                assert_eq!(total % (1 << g), 0);
                let chains = total >> g;
                assert!(chains <= 1 << MSM_CHAIN_LOG_DEPTH && (g == 0 || chains > 1 << (MSM_CHAIN_LOG_DEPTH - 1)));
                assert_eq!(msm_reduce_points(w, c), 2 * chains);
            }
        }
        assert_eq!((msm_seg_log(23, 12), msm_reduce_points(23, 12)), (7, 736));
        assert_eq!((msm_seg_log(4, 9), msm_seg_log(8, 9), msm_seg_log(1, 2)), (1, 2, 0));
    }
}
