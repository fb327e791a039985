//! Build parameters and fixed limits of the card top ([`super::CardCore`], `NOTES.md`).

use crate::ntt::multiplier::NttMultiplier;
use zkaccel_interface::regs::{Kernel, DIGIT_FORMAT};

/// Kernels of the cloud card builds (NTT, MSM and lookup); [`CardConfig::kernels`] of a build.
pub const KERNELS: u32 = Kernel::Ntt as u32 | Kernel::Msm as u32 | Kernel::Lookup as u32;
/// Largest window size of the one-unit builds: the digit format carries a 15-bit bucket number
/// (`|d| ≤ 2^15 − 1`), so every signed digit of `c ≤ 15` (`|d| ≤ 2^14`) goes to the card. At
/// `c = 16` one digit value, `+2^15`, does not fit; the host adds those digits itself
/// (`zkaccel::card_schedule::msm_precomputed`), and a build that accepts `c = 16`
/// ([`CardConfig::msm_max_c`], the two-unit card) relies on that.
pub const MSM_MAX_C: usize = 15;
/// Bases slots (a slot RAM of `2^SLOT_BITS` entries: base, count, valid).
pub const SLOT_BITS: usize = 4;
/// Number of bases slots.
pub const SLOTS: usize = 1 << SLOT_BITS;
/// Point FIFO between the card-memory read port and the bucket unit (entries of 512 bits + the
/// infinity flag in bit 511). Reads are issued only while the FIFO has room for every answer in
/// flight, so the memory's read data channel needs no back-pressure: at most `POINT_FIFO_DEPTH − 2`
/// reads are in flight per round trip of `latency + 2` cycles, and one read serves `windows` digits,
/// so one request per cycle is sustained as long as `windows · (POINT_FIFO_DEPTH − 2) ≥ latency + 2`
/// (with one window — the precomputed layout — and a 64-cycle memory: 62 / 66, 0.939 reads per
/// cycle measured in `driver/tests/sim_card_msm.rs`; 128 entries sustain one). The depth of the
/// one-unit builds; [`CardConfig::msm_point_fifo`] is a build's.
pub const POINT_FIFO_DEPTH: usize = 64;
/// The digit stream format the card reads (register `MsmDigitFormat`).
pub const MSM_DIGIT_FORMAT: u32 = DIGIT_FORMAT;

/// What a card build contains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardConfig {
    /// NTT buffer `2^ntt_k` points (3..=15).
    pub ntt_k: usize,
    /// Bucket memory `2^msm_log_depth` entries (`MSM_MAX_C − 1 ..= 16` would allow every `c`;
    /// smaller depths restrict `c` to `c − 1 ≤ msm_log_depth`).
    pub msm_log_depth: usize,
    /// Lookup counter memory `2^lookup_log_table` rows (3..=16).
    pub lookup_log_table: usize,
    /// Largest lookup inversion batch `2^lookup_log_batch` (7..=16).
    pub lookup_log_batch: usize,
    /// The NTT core's butterfly multiplier.
    pub ntt_multiplier: NttMultiplier,
    /// The kernels the build has (a mask of `Kernel` bits, NTT always; register `Kernels`). The
    /// blocks of an absent kernel stay in the RTL but every output of theirs is masked off, so
    /// synthesis removes them, and its commands end with `NO_KERNEL`.
    pub kernels: u32,
    /// MSM units (1, 2 or 3): bucket schedulers with their own adder port and bucket memory of
    /// `2^msm_log_depth` entries each. 1 is [`super::CardCore`] (every committed build); 2 is
    /// [`super::dual::CardCoreDual`] (`NOTES.md`, "Two MSM units"); 3 is
    /// [`super::triple::CardCoreTriple`] (XYZZ units, `crate::msm_bucket_xyzz`).
    pub msm_units: usize,
    /// Largest window size the build accepts (register `MsmMaxC`, with the bucket memory's limit
    /// in [`CardConfig::max_c`]): [`MSM_MAX_C`] (15), or 16 where the host takes the digits
    /// `+2^15` (see [`MSM_MAX_C`]).
    pub msm_max_c: usize,
    /// Entries of the MSM front-end's point FIFO (a power of two, 4..=128): a card-memory read
    /// per cycle needs `msm_point_fifo − 2 ≥ latency + 2` ([`POINT_FIFO_DEPTH`]).
    pub msm_point_fifo: usize,
}

impl CardConfig {
    /// The build the tests, the simulated card and CI share: `2^10`-point NTT buffer (the
    /// synthesized `ntt_core_k10`), `2^10` bucket entries, and the lookup kernel of the synthesized
    /// `lookup_unit_k10` (`2^10` counter rows, batches of `2^10`).
    pub const SIM: CardConfig = CardConfig {
        ntt_k: 10,
        msm_log_depth: 10,
        lookup_log_table: 10,
        lookup_log_batch: 10,
        ntt_multiplier: NttMultiplier::PipelinedXcup,
        kernels: KERNELS,
        msm_units: 1,
        msm_max_c: MSM_MAX_C,
        msm_point_fifo: POINT_FIFO_DEPTH,
    };

    /// The two-unit card of the tests: two MSM units of `2^10` bucket entries each (as
    /// [`CardConfig::SIM`]'s one), and around them the smallest card that builds — an `2^3`-point
    /// NTT buffer on the digit-serial multiplier and no lookup kernel (the MSM path does not touch
    /// them; a much smaller Verilator model than `SIM`'s, whose NTT and lookup kernels the one-unit
    /// card's tests cover). It takes `c = 16` (two windows of `2^15` buckets at
    /// `msm_log_depth = 16`: the precomputed layout of two windows per entry, where the host adds
    /// the digits `+2^15`) and has a point FIFO of 128 entries, so that layout's one card-memory
    /// read per digit pair sustains one pair per cycle over a 64-cycle memory.
    pub const SIM_DUAL: CardConfig = CardConfig {
        ntt_k: 3,
        msm_log_depth: 10,
        lookup_log_table: 4,
        lookup_log_batch: 7,
        ntt_multiplier: NttMultiplier::Iterative,
        kernels: Kernel::Ntt as u32 | Kernel::Msm as u32,
        msm_units: 2,
        msm_max_c: 16,
        msm_point_fifo: 128,
    };

    /// The three-unit card of the tests: three XYZZ MSM units of `2^10` bucket entries each and
    /// around them [`CardConfig::SIM_DUAL`]'s smallest card (`2^3`-point NTT on the digit-serial
    /// multiplier, no lookup kernel), `c ≤ 16` and a point FIFO of 128 entries.
    pub const SIM_TRIPLE: CardConfig = CardConfig {
        ntt_k: 3,
        msm_log_depth: 10,
        lookup_log_table: 4,
        lookup_log_batch: 7,
        ntt_multiplier: NttMultiplier::Iterative,
        kernels: Kernel::Ntt as u32 | Kernel::Msm as u32,
        msm_units: 3,
        msm_max_c: 16,
        msm_point_fifo: 128,
    };

    /// The two-unit card as the prover sees it (`--device sim:dual`): [`CardConfig::SIM`]'s NTT
    /// and lookup kernels with two MSM units of `2^16` bucket entries each, `c ≤ 16` and a point
    /// FIFO of 128 entries — the two-adder card of issue 23 (`hdl/src/msm_bucket/NOTES.md`, "Two
    /// MSM units") with the bucket depth of the shipped builds, so MSM groups of more than `2^9`
    /// buckets are reduced on the card.
    pub const SIM_DUAL_PROVER: CardConfig = CardConfig {
        ntt_k: 10,
        msm_log_depth: 16,
        lookup_log_table: 10,
        lookup_log_batch: 10,
        ntt_multiplier: NttMultiplier::PipelinedXcup,
        kernels: KERNELS,
        msm_units: 2,
        msm_max_c: 16,
        msm_point_fifo: 128,
    };

    /// The three-unit card as the prover sees it (`--device sim:triple`): [`CardConfig::SIM`]'s NTT
    /// and lookup kernels with three XYZZ MSM units of `2^16` bucket entries each, `c ≤ 16` and a
    /// point FIFO of 128 entries — the three-adder card of issue 23
    /// (`hdl/src/msm_bucket_xyzz/NOTES.md`).
    pub const SIM_TRIPLE_PROVER: CardConfig = CardConfig {
        ntt_k: 10,
        msm_log_depth: 16,
        lookup_log_table: 10,
        lookup_log_batch: 10,
        ntt_multiplier: NttMultiplier::PipelinedXcup,
        kernels: KERNELS,
        msm_units: 3,
        msm_max_c: 16,
        msm_point_fifo: 128,
    };

    /// The small-FPGA card (ECP5-85F: 156 MULT18X18D): the NTT kernel alone, on the digit-serial
    /// multiplier (17 multipliers), with a `2^ntt_k`-point buffer. No MSM (its G1 adder needs
    /// 4 032 DSPs) and no lookup kernel (its batch inverter needs the pipelined multiplier); their
    /// sizes here are the smallest the blocks accept (they are removed by synthesis).
    pub const fn small(ntt_k: usize) -> CardConfig {
        CardConfig {
            ntt_k,
            msm_log_depth: 1,
            lookup_log_table: 4,
            lookup_log_batch: 7,
            ntt_multiplier: NttMultiplier::Iterative,
            kernels: Kernel::Ntt as u32,
            msm_units: 1,
            msm_max_c: MSM_MAX_C,
            msm_point_fifo: POINT_FIFO_DEPTH,
        }
    }

    /// Whether the build has `kernel`.
    pub fn has(&self, kernel: Kernel) -> bool {
        self.kernels & kernel as u32 != 0
    }

    /// Largest `c` of this build: [`CardConfig::msm_max_c`] and the bucket memory's limit.
    pub fn max_c(&self) -> usize {
        self.msm_max_c.min(self.msm_log_depth + 1)
    }
}
