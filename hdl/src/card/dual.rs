//! The two-unit card ([`CardCoreDual`], `CardConfig::msm_units == 2`): [`super::CardCore`] with
//! **two MSM units** — two bucket schedulers, each with its own bucket memory of
//! `2^msm_log_depth` entries, its own chain RAMs and its own adder port (unit 0 on `add_*`/`sum_*`,
//! unit 1 on `u1_add_*`/`u1_sum_*`) — behind one front-end ([`super::msm_front_dual`]) that feeds
//! both from one card-memory read per point.
//!
//! What differs from `CardCore` (everything else — registers, control, NTT and lookup kernels,
//! slots, streams — is the same, copied so that the one-unit card's generated Verilog stays as
//! committed; `NOTES.md`, "Two MSM units"):
//! * an accumulation needs an **even** `MsmWindows` (`BAD_PARAMS` otherwise); window `w` of the
//!   group is window `w >> 1` of unit `w mod 2`, so each unit holds `W/2` windows and a group may
//!   hold `W/2 · 2^(c−1) ≤ 2^MsmLogDepth` buckets per unit (twice the one-unit card's group);
//! * `MsmOp = 2` reduces each unit's `W/2` windows on that unit with the chain rule of
//!   `regs::msm_seg_log(W/2, c)`; the read-out is unit 0's words, then unit 1's;
//! * `MsmUnits` reads 2 (decoded here; on a one-unit card the offset is unmapped and reads 0);
//! * `MsmElements` counts both digits of a pair, `MsmIssued`, `MsmDeferred` and
//!   `MsmReduceCycles` are the sums over the units.
//!
//! [`CardFullDual`] closes both adder ports with RTL adders (the whole two-unit card in RTL).

use super::config::{self, CardConfig};
use super::msm_front_dual::MsmFrontDual;
use super::regfile::RegFile;
use super::{c32, fr_modulus, CardState};
use crate::g1_add_mixed::{config::LATENCY as ADDER_LATENCY, G1AddMixedXcup};
use crate::lookup::LookupUnit;
use crate::memory::ram::Ram;
use crate::msm_bucket::scheduler::BucketScheduler;
use crate::ntt::NttCore;
use rust_hdl::prelude::*;
use zkaccel_interface::lookup::LookupOp;
use zkaccel_interface::regs::{Kernel, MsmOp, Reg, Status, MSM_CHAIN_LOG_DEPTH};

/// The two-unit card with both adder ports outside; see the module docs.
#[derive(LogicBlock)]
pub struct CardCoreDual {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous kernel reset: stops every command, clears `STATUS` and the per-kernel
    /// counters; keeps `DONE_SEQ`, the cycle counter, card memory and the bases slots.
    pub reset: Signal<In, Bit>,
    /// Card memory size in points (tied off by the shell).
    pub mem_points: Signal<In, Bits<32>>,
    /// Register byte offset.
    pub reg_addr: Signal<In, Bits<8>>,
    /// Register write data.
    pub reg_wdata: Signal<In, Bits<32>>,
    /// Register write enable.
    pub reg_we: Signal<In, Bit>,
    /// Register read data (combinational).
    pub reg_rdata: Signal<Out, Bits<32>>,
    /// A command is running.
    pub busy: Signal<Out, Bit>,
    /// Host-to-card beat.
    pub s_data: Signal<In, Bits<256>>,
    /// Host-to-card valid.
    pub s_valid: Signal<In, Bit>,
    /// Host-to-card ready.
    pub s_ready: Signal<Out, Bit>,
    /// Host-to-card last.
    pub s_last: Signal<In, Bit>,
    /// Card-to-host beat.
    pub m_data: Signal<Out, Bits<256>>,
    /// Card-to-host valid.
    pub m_valid: Signal<Out, Bit>,
    /// Card-to-host ready.
    pub m_ready: Signal<In, Bit>,
    /// Card-to-host last.
    pub m_last: Signal<Out, Bit>,
    /// Card-memory read request valid.
    pub mem_rd_valid: Signal<Out, Bit>,
    /// Card-memory read request ready.
    pub mem_rd_ready: Signal<In, Bit>,
    /// Card-memory read address (points).
    pub mem_rd_addr: Signal<Out, Bits<32>>,
    /// Card-memory read data valid.
    pub mem_rd_data_valid: Signal<In, Bit>,
    /// Card-memory read data.
    pub mem_rd_data: Signal<In, Bits<512>>,
    /// Card-memory write valid.
    pub mem_wr_valid: Signal<Out, Bit>,
    /// Card-memory write ready.
    pub mem_wr_ready: Signal<In, Bit>,
    /// Card-memory write address (points).
    pub mem_wr_addr: Signal<Out, Bits<32>>,
    /// Card-memory write data.
    pub mem_wr_data: Signal<Out, Bits<512>>,
    /// Adder port: issue.
    pub add_valid: Signal<Out, Bit>,
    /// Adder port: bucket X.
    pub add_x1: Signal<Out, Bits<256>>,
    /// Adder port: bucket Y.
    pub add_y1: Signal<Out, Bits<256>>,
    /// Adder port: bucket Z.
    pub add_z1: Signal<Out, Bits<256>>,
    /// Adder port: point x.
    pub add_x2: Signal<Out, Bits<256>>,
    /// Adder port: point y.
    pub add_y2: Signal<Out, Bits<256>>,
    /// Adder port: Z of the second summand (`1` for the accumulation's affine points, the chain
    /// sum's Z in the reduction).
    pub add_z2: Signal<Out, Bits<256>>,
    /// Adder port: subtract the point.
    pub add_neg2: Signal<Out, Bit>,
    /// Adder port: tag.
    pub add_tag: Signal<Out, Bits<32>>,
    /// Adder result valid.
    pub sum_valid: Signal<In, Bit>,
    /// Adder result X.
    pub sum_x3: Signal<In, Bits<256>>,
    /// Adder result Y.
    pub sum_y3: Signal<In, Bits<256>>,
    /// Adder result Z.
    pub sum_z3: Signal<In, Bits<256>>,
    /// Adder result tag.
    pub sum_tag: Signal<In, Bits<32>>,
    /// Unit 1's adder port: issue.
    pub u1_add_valid: Signal<Out, Bit>,
    /// Unit 1's adder port: bucket X.
    pub u1_add_x1: Signal<Out, Bits<256>>,
    /// Unit 1's adder port: bucket Y.
    pub u1_add_y1: Signal<Out, Bits<256>>,
    /// Unit 1's adder port: bucket Z.
    pub u1_add_z1: Signal<Out, Bits<256>>,
    /// Unit 1's adder port: second summand X.
    pub u1_add_x2: Signal<Out, Bits<256>>,
    /// Unit 1's adder port: second summand Y.
    pub u1_add_y2: Signal<Out, Bits<256>>,
    /// Unit 1's adder port: second summand Z.
    pub u1_add_z2: Signal<Out, Bits<256>>,
    /// Unit 1's adder port: subtract the second summand.
    pub u1_add_neg2: Signal<Out, Bit>,
    /// Unit 1's adder port: tag.
    pub u1_add_tag: Signal<Out, Bits<32>>,
    /// Unit 1's adder port: result valid.
    pub u1_sum_valid: Signal<In, Bit>,
    /// Unit 1's adder port: result X.
    pub u1_sum_x3: Signal<In, Bits<256>>,
    /// Unit 1's adder port: result Y.
    pub u1_sum_y3: Signal<In, Bits<256>>,
    /// Unit 1's adder port: result Z.
    pub u1_sum_z3: Signal<In, Bits<256>>,
    /// Unit 1's adder port: result tag.
    pub u1_sum_tag: Signal<In, Bits<32>>,
    regs: RegFile,
    ntt: NttCore,
    front: MsmFrontDual,
    sched0: BucketScheduler,
    sched1: BucketScheduler,
    lookup: LookupUnit,
    slots: Ram<65>,
    k_ntt: Constant<Bits<32>>,
    k_msm: Constant<Bits<32>>,
    k_lookup: Constant<Bits<32>>,
    op_lk_fwd: Constant<Bits<32>>,
    st_range: Constant<Bits<32>>,
    st_zero: Constant<Bits<32>>,
    op_load: Constant<Bits<32>>,
    op_acc: Constant<Bits<32>>,
    op_reduce: Constant<Bits<32>>,
    st_bad: Constant<Bits<32>>,
    st_framing: Constant<Bits<32>>,
    st_no_kernel: Constant<Bits<32>>,
    st_overflow: Constant<Bits<32>>,
    st_unknown: Constant<Bits<32>>,
    ntt_kmax: Constant<Bits<32>>,
    fr_r: Constant<Bits<256>>,
    n_slots: Constant<Bits<32>>,
    c_min: Constant<Bits<32>>,
    c_max: Constant<Bits<32>>,
    depth: Constant<Bits<48>>,
    ones: Constant<Bits<32>>,
    w_max: Constant<Bits<32>>,
    has_msm: Constant<Bit>,
    has_lookup: Constant<Bit>,
    o_units: Constant<Bits<8>>,
    v_units: Constant<Bits<32>>,
    state: DFF<CardState>,
    done_seq: DFF<Bits<32>>,
    pending: DFF<Bits<32>>,
    status: DFF<Bits<32>>,
    cycles: DFF<Bits<64>>,
    cmd_count: DFF<Bits<32>>,
    cmd_cycles: DFF<Bits<32>>,
    ntt_busy: DFF<Bits<64>>,
    ntt_elems: DFF<Bits<32>>,
    msm_busy: DFF<Bits<64>>,
    msm_elems: DFF<Bits<32>>,
    msm_issued: DFF<Bits<32>>,
    msm_stalled: DFF<Bits<32>>,
    msm_reads: DFF<Bits<32>>,
    lookup_busy: DFF<Bits<64>>,
    lookup_elems: DFF<Bits<32>>,
    acc_c: DFF<Bits<5>>,
    acc_windows: DFF<Bits<8>>,
    acc_reduce: DFF<Bit>,
    acc_seg_log: DFF<Bits<5>>,
    load_slot: DFF<Bits<16>>,
    load_base: DFF<Bits<32>>,
    load_n: DFF<Bits<32>>,
    finish: Signal<Local, Bit>,
    load_end: Signal<Local, Bits<33>>,
    entry_valid: Signal<Local, Bit>,
    entry_base: Signal<Local, Bits<32>>,
    entry_n: Signal<Local, Bits<32>>,
    entries: Signal<Local, Bits<48>>,
    entries_m1: Signal<Local, Bits<48>>,
    seg_log: Signal<Local, Bits<5>>,
    lk_bad: Signal<Local, Bits<32>>,
    lk_framing: Signal<Local, Bits<32>>,
    lk_range: Signal<Local, Bits<32>>,
    lk_zero: Signal<Local, Bits<32>>,
    // The outputs of the MSM and lookup blocks, masked off in a build without the kernel.
    f_done: Signal<Local, Bit>,
    f_ok: Signal<Local, Bit>,
    f_framing: Signal<Local, Bit>,
    f_s_ready: Signal<Local, Bit>,
    f_m_valid: Signal<Local, Bit>,
    f_m_data: Signal<Local, Bits<256>>,
    f_m_last: Signal<Local, Bit>,
    f_stat_digit: Signal<Local, Bit>,
    f_stat_stall: Signal<Local, Bit>,
    f_stat_read: Signal<Local, Bit>,
    sc_error: Signal<Local, Bit>,
    sc_add0: Signal<Local, Bit>,
    sc_add1: Signal<Local, Bit>,
    sc_deferred: Signal<Local, Bits<32>>,
    sc_reduce: Signal<Local, Bits<32>>,
    lk_busy: Signal<Local, Bit>,
    lk_s_ready: Signal<Local, Bit>,
    lk_m_valid: Signal<Local, Bit>,
    lk_m_data: Signal<Local, Bits<256>>,
    lk_m_last: Signal<Local, Bit>,
    lk_element: Signal<Local, Bit>,
}

impl CardCoreDual {
    /// A two-unit card (`cfg.msm_units == 2`) with an NTT buffer of `2^cfg.ntt_k` points and
    /// `2^cfg.msm_log_depth` bucket entries per unit.
    pub fn new(cfg: &CardConfig) -> Self {
        assert_eq!(cfg.msm_units, 2, "CardCoreDual is the two-unit card (CardCore has one unit)");
        assert!(cfg.has(Kernel::Msm), "a two-unit card has the MSM kernel");
        assert!(cfg.msm_log_depth >= 1 && cfg.msm_log_depth <= 16, "bucket memory of 2^1..2^16 entries");
        // The chain-length decoder below reads bits 9..15 of `entries − 1`.
        const { assert!(crate::msm_bucket::reduce_model::CHAIN_LOG_DEPTH == 9 && MSM_CHAIN_LOG_DEPTH == 9) };
        Self {
            clock: Default::default(),
            reset: Default::default(),
            mem_points: Default::default(),
            reg_addr: Default::default(),
            reg_wdata: Default::default(),
            reg_we: Default::default(),
            reg_rdata: Default::default(),
            busy: Default::default(),
            s_data: Default::default(),
            s_valid: Default::default(),
            s_ready: Default::default(),
            s_last: Default::default(),
            m_data: Default::default(),
            m_valid: Default::default(),
            m_ready: Default::default(),
            m_last: Default::default(),
            mem_rd_valid: Default::default(),
            mem_rd_ready: Default::default(),
            mem_rd_addr: Default::default(),
            mem_rd_data_valid: Default::default(),
            mem_rd_data: Default::default(),
            mem_wr_valid: Default::default(),
            mem_wr_ready: Default::default(),
            mem_wr_addr: Default::default(),
            mem_wr_data: Default::default(),
            add_valid: Default::default(),
            add_x1: Default::default(),
            add_y1: Default::default(),
            add_z1: Default::default(),
            add_x2: Default::default(),
            add_y2: Default::default(),
            add_z2: Default::default(),
            add_neg2: Default::default(),
            add_tag: Default::default(),
            sum_valid: Default::default(),
            sum_x3: Default::default(),
            sum_y3: Default::default(),
            sum_z3: Default::default(),
            sum_tag: Default::default(),
            u1_add_valid: Default::default(),
            u1_add_x1: Default::default(),
            u1_add_y1: Default::default(),
            u1_add_z1: Default::default(),
            u1_add_x2: Default::default(),
            u1_add_y2: Default::default(),
            u1_add_z2: Default::default(),
            u1_add_neg2: Default::default(),
            u1_add_tag: Default::default(),
            u1_sum_valid: Default::default(),
            u1_sum_x3: Default::default(),
            u1_sum_y3: Default::default(),
            u1_sum_z3: Default::default(),
            u1_sum_tag: Default::default(),
            regs: RegFile::new(cfg, 0),
            ntt: NttCore::with_multiplier(cfg.ntt_k, cfg.ntt_multiplier),
            front: MsmFrontDual::new(cfg.msm_point_fifo),
            sched0: BucketScheduler::new(cfg.msm_log_depth, ADDER_LATENCY),
            sched1: BucketScheduler::new(cfg.msm_log_depth, ADDER_LATENCY),
            lookup: LookupUnit::new(cfg.lookup_log_table, cfg.lookup_log_batch),
            slots: Ram::new(config::SLOTS),
            k_ntt: c32(Kernel::Ntt as u64),
            k_msm: c32(Kernel::Msm as u64),
            k_lookup: c32(Kernel::Lookup as u64),
            op_lk_fwd: c32(LookupOp::INV_FORWARD as u64),
            st_range: c32(Status::LOOKUP_RANGE as u64),
            st_zero: c32(Status::LOOKUP_ZERO as u64),
            op_load: c32(MsmOp::LOAD_BASES as u64),
            op_acc: c32(MsmOp::ACCUMULATE as u64),
            op_reduce: c32(MsmOp::ACCUMULATE_REDUCE as u64),
            st_bad: c32(Status::BAD_PARAMS as u64),
            st_framing: c32(Status::STREAM_FRAMING as u64),
            st_no_kernel: c32(Status::NO_KERNEL as u64),
            st_overflow: c32(Status::MEM_OVERFLOW as u64),
            st_unknown: c32(Status::UNKNOWN_BASES as u64),
            ntt_kmax: c32(cfg.ntt_k as u64),
            fr_r: Constant::new(fr_modulus()),
            n_slots: c32(config::SLOTS as u64),
            c_min: c32(crate::msm_bucket::config::MIN_C as u64),
            c_max: c32(cfg.max_c() as u64),
            depth: Constant::new(bits::<48>(1u64 << cfg.msm_log_depth)),
            ones: c32(0xffff_ffff),
            w_max: c32(255),
            has_msm: Constant::new(cfg.has(Kernel::Msm)),
            has_lookup: Constant::new(cfg.has(Kernel::Lookup)),
            o_units: Constant::new(bits::<8>(Reg::MsmUnits.offset() as u64)),
            v_units: c32(2),
            state: Default::default(),
            done_seq: Default::default(),
            pending: Default::default(),
            status: Default::default(),
            cycles: Default::default(),
            cmd_count: Default::default(),
            cmd_cycles: Default::default(),
            ntt_busy: Default::default(),
            ntt_elems: Default::default(),
            msm_busy: Default::default(),
            msm_elems: Default::default(),
            msm_issued: Default::default(),
            msm_stalled: Default::default(),
            msm_reads: Default::default(),
            lookup_busy: Default::default(),
            lookup_elems: Default::default(),
            acc_c: Default::default(),
            acc_windows: Default::default(),
            acc_reduce: Default::default(),
            acc_seg_log: Default::default(),
            load_slot: Default::default(),
            load_base: Default::default(),
            load_n: Default::default(),
            finish: Default::default(),
            load_end: Default::default(),
            entry_valid: Default::default(),
            entry_base: Default::default(),
            entry_n: Default::default(),
            entries: Default::default(),
            entries_m1: Default::default(),
            seg_log: Default::default(),
            lk_bad: Default::default(),
            lk_framing: Default::default(),
            lk_range: Default::default(),
            lk_zero: Default::default(),
            f_done: Default::default(),
            f_ok: Default::default(),
            f_framing: Default::default(),
            f_s_ready: Default::default(),
            f_m_valid: Default::default(),
            f_m_data: Default::default(),
            f_m_last: Default::default(),
            f_stat_digit: Default::default(),
            f_stat_stall: Default::default(),
            f_stat_read: Default::default(),
            sc_error: Default::default(),
            sc_add0: Default::default(),
            sc_add1: Default::default(),
            sc_deferred: Default::default(),
            sc_reduce: Default::default(),
            lk_busy: Default::default(),
            lk_s_ready: Default::default(),
            lk_m_valid: Default::default(),
            lk_m_data: Default::default(),
            lk_m_last: Default::default(),
            lk_element: Default::default(),
        }
    }
}

impl Logic for CardCoreDual {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            done_seq,
            pending,
            status,
            cycles,
            cmd_count,
            cmd_cycles,
            ntt_busy,
            ntt_elems,
            msm_busy,
            msm_elems,
            msm_issued,
            msm_stalled,
            msm_reads,
            lookup_busy,
            lookup_elems,
            acc_c,
            acc_windows,
            acc_reduce,
            acc_seg_log,
            load_slot,
            load_base,
            load_n
        );
        self.regs.clock.next = self.clock.val();
        self.ntt.clock.next = self.clock.val();
        self.ntt.reset.next = self.reset.val();
        self.front.clock.next = self.clock.val();
        self.front.reset.next = self.reset.val();
        self.sched0.clock.next = self.clock.val();
        self.sched0.reset.next = self.reset.val();
        self.sched1.clock.next = self.clock.val();
        self.sched1.reset.next = self.reset.val();
        self.slots.clock.next = self.clock.val();
        self.lookup.clock.next = self.clock.val();
        self.lookup.reset.next = self.reset.val();

        // ---- Outputs of the MSM and lookup blocks: zero in a build without the kernel (so that
        // synthesis removes the blocks; their commands end with NO_KERNEL before reaching them).
        self.f_done.next = self.front.done.val() & self.has_msm.val();
        self.f_ok.next = self.front.ok.val() & self.has_msm.val();
        self.f_framing.next = self.front.framing.val() & self.has_msm.val();
        self.f_s_ready.next = self.front.s_ready.val() & self.has_msm.val();
        self.f_m_valid.next = self.front.m_valid.val() & self.has_msm.val();
        self.f_m_last.next = self.front.m_last.val() & self.has_msm.val();
        self.f_stat_digit.next = self.front.stat_digit.val() & self.has_msm.val();
        self.f_stat_stall.next = self.front.stat_stall.val() & self.has_msm.val();
        self.f_stat_read.next = self.front.stat_read.val() & self.has_msm.val();
        self.sc_error.next = (self.sched0.error.val() | self.sched1.error.val()) & self.has_msm.val();
        self.sc_add0.next = self.sched0.add_valid.val() & self.has_msm.val();
        self.sc_add1.next = self.sched1.add_valid.val() & self.has_msm.val();
        self.lk_busy.next = self.lookup.busy.val() & self.has_lookup.val();
        self.lk_s_ready.next = self.lookup.s_ready.val() & self.has_lookup.val();
        self.lk_m_valid.next = self.lookup.m_valid.val() & self.has_lookup.val();
        self.lk_m_last.next = self.lookup.m_last.val() & self.has_lookup.val();
        self.lk_element.next = self.lookup.stat_element.val() & self.has_lookup.val();
        self.f_m_data.next = 0.into();
        self.sc_deferred.next = 0.into();
        self.sc_reduce.next = 0.into();
        self.mem_rd_valid.next = false;
        self.mem_rd_addr.next = 0.into();
        self.mem_wr_valid.next = false;
        self.mem_wr_addr.next = 0.into();
        self.mem_wr_data.next = 0.into();
        self.add_valid.next = false;
        self.add_x1.next = 0.into();
        self.add_y1.next = 0.into();
        self.add_z1.next = 0.into();
        self.add_x2.next = 0.into();
        self.add_y2.next = 0.into();
        self.add_z2.next = 0.into();
        self.add_neg2.next = false;
        self.add_tag.next = 0.into();
        self.u1_add_valid.next = false;
        self.u1_add_x1.next = 0.into();
        self.u1_add_y1.next = 0.into();
        self.u1_add_z1.next = 0.into();
        self.u1_add_x2.next = 0.into();
        self.u1_add_y2.next = 0.into();
        self.u1_add_z2.next = 0.into();
        self.u1_add_neg2.next = false;
        self.u1_add_tag.next = 0.into();
        if self.has_msm.val() {
            self.f_m_data.next = self.front.m_data.val();
            // Summed over the two units.
            self.sc_deferred.next = self.sched0.stat_deferred.val() + self.sched1.stat_deferred.val();
            self.sc_reduce.next = self.sched0.stat_reduce.val() + self.sched1.stat_reduce.val();
            self.mem_rd_valid.next = self.front.mem_rd_valid.val();
            self.mem_rd_addr.next = self.front.mem_rd_addr.val();
            self.mem_wr_valid.next = self.front.mem_wr_valid.val();
            self.mem_wr_addr.next = self.front.mem_wr_addr.val();
            self.mem_wr_data.next = self.front.mem_wr_data.val();
            self.add_valid.next = self.sched0.add_valid.val();
            self.add_x1.next = self.sched0.add_x1.val();
            self.add_y1.next = self.sched0.add_y1.val();
            self.add_z1.next = self.sched0.add_z1.val();
            self.add_x2.next = self.sched0.add_x2.val();
            self.add_y2.next = self.sched0.add_y2.val();
            self.add_z2.next = self.sched0.add_z2.val();
            self.add_neg2.next = self.sched0.add_neg2.val();
            self.add_tag.next = self.sched0.add_tag.val();
            self.u1_add_valid.next = self.sched1.add_valid.val();
            self.u1_add_x1.next = self.sched1.add_x1.val();
            self.u1_add_y1.next = self.sched1.add_y1.val();
            self.u1_add_z1.next = self.sched1.add_z1.val();
            self.u1_add_x2.next = self.sched1.add_x2.val();
            self.u1_add_y2.next = self.sched1.add_y2.val();
            self.u1_add_z2.next = self.sched1.add_z2.val();
            self.u1_add_neg2.next = self.sched1.add_neg2.val();
            self.u1_add_tag.next = self.sched1.add_tag.val();
        }
        self.lk_m_data.next = 0.into();
        if self.has_lookup.val() {
            self.lk_m_data.next = self.lookup.m_data.val();
        }

        // ---- Register port.
        self.regs.reg_addr.next = self.reg_addr.val();
        self.regs.reg_wdata.next = self.reg_wdata.val();
        self.regs.reg_we.next = self.reg_we.val();
        // `MsmUnits` is decoded here, not in the shared register file (a one-unit card leaves the
        // offset unmapped: it reads 0, which the host takes as one unit).
        self.reg_rdata.next = self.regs.reg_rdata.val();
        if self.reg_addr.val() == self.o_units.val() {
            self.reg_rdata.next = self.v_units.val();
        }
        self.regs.done_seq.next = self.done_seq.q.val();
        self.regs.status.next = self.status.q.val();
        self.regs.cycles.next = self.cycles.q.val();
        self.regs.cmd_cycles.next = self.cmd_cycles.q.val();
        self.regs.mem_points.next = self.mem_points.val();
        self.regs.ntt_busy.next = self.ntt_busy.q.val();
        self.regs.ntt_elements.next = self.ntt_elems.q.val();
        self.regs.msm_busy.next = self.msm_busy.q.val();
        self.regs.msm_elements.next = self.msm_elems.q.val();
        self.regs.msm_issued.next = self.msm_issued.q.val();
        self.regs.msm_deferred.next = self.sc_deferred.val();
        self.regs.msm_stalled.next = self.msm_stalled.q.val();
        self.regs.msm_points_read.next = self.msm_reads.q.val();
        self.regs.msm_reduce_cycles.next = self.sc_reduce.val();
        self.regs.lookup_busy.next = self.lookup_busy.q.val();
        self.regs.lookup_elements.next = self.lookup_elems.q.val();
        self.busy.next = self.state.q.val() != CardState::Idle;

        // ---- NTT core: parameters from the registers, streams while it runs.
        self.ntt.start.next = self.state.q.val() == CardState::NttStart;
        self.ntt.cfg_log_n.next = self.regs.ntt_log_n.val().get_bits::<5>(0);
        self.ntt.cfg_inverse.next = self.regs.ntt_flags.val().get_bit(0);
        self.ntt.cfg_coset.next = self.regs.ntt_flags.val().get_bit(1);
        self.ntt.cfg_shift.next = self.regs.ntt_shift.val();
        self.ntt.s_data.next = self.s_data.val();
        self.ntt.s_last.next = self.s_last.val();
        self.ntt.s_valid.next = self.s_valid.val() & (self.state.q.val() == CardState::NttRun);
        self.ntt.m_ready.next = self.m_ready.val() & (self.state.q.val() == CardState::NttRun);

        // ---- Lookup kernel: parameters from the registers, streams while it runs.
        self.lookup.start.next = self.state.q.val() == CardState::LookupStart;
        self.lookup.cfg_op.next = self.regs.lookup_op.val();
        self.lookup.cfg_n.next = self.regs.lookup_n.val();
        self.lookup.cfg_table.next = self.regs.lookup_table.val();
        self.lookup.cfg_flags.next = self.regs.lookup_flags.val();
        self.lookup.cfg_beta.next = self.regs.lookup_beta.val();
        self.lookup.s_data.next = self.s_data.val();
        self.lookup.s_last.next = self.s_last.val();
        self.lookup.s_valid.next = self.s_valid.val() & (self.state.q.val() == CardState::LookupRun);
        self.lookup.m_ready.next = self.m_ready.val() & (self.state.q.val() == CardState::LookupRun);

        self.lk_bad.next = 0.into();
        if self.lookup.err_params.val() & self.has_lookup.val() {
            self.lk_bad.next = self.st_bad.val();
        }
        self.lk_framing.next = 0.into();
        if self.lookup.err_framing.val() & self.has_lookup.val() {
            self.lk_framing.next = self.st_framing.val();
        }
        self.lk_range.next = 0.into();
        if self.lookup.err_range.val() & self.has_lookup.val() {
            self.lk_range.next = self.st_range.val();
        }
        self.lk_zero.next = 0.into();
        if self.lookup.err_zero.val() & self.has_lookup.val() {
            self.lk_zero.next = self.st_zero.val();
        }

        // ---- MSM front-end, scheduler, adder port, card memory.
        self.front.start_load.next = false;
        self.front.start_acc.next = false;
        self.front.cfg_base.next = self.regs.msm_base.val();
        self.front.cfg_points.next = self.regs.msm_points.val();
        self.front.cfg_windows.next = self.regs.msm_windows.val().get_bits::<8>(0);
        self.front.s_data.next = self.s_data.val();
        self.front.s_last.next = self.s_last.val();
        self.front.s_valid.next = self.s_valid.val() & ((self.state.q.val() == CardState::MsmLoad) | (self.state.q.val() == CardState::MsmAcc));
        self.front.m_ready.next = self.m_ready.val() & (self.state.q.val() != CardState::NttRun) & (self.state.q.val() != CardState::LookupRun);
        self.front.mem_rd_ready.next = self.mem_rd_ready.val();
        self.front.mem_rd_data_valid.next = self.mem_rd_data_valid.val();
        self.front.mem_rd_data.next = self.mem_rd_data.val();
        self.front.mem_wr_ready.next = self.mem_wr_ready.val();
        // Both units: the same group shape (W/2 windows each), the same point, their own digit.
        self.sched0.cfg_c.next = self.acc_c.q.val();
        self.sched0.cfg_windows.next = self.acc_windows.q.val() >> 1;
        self.sched0.cfg_reduce.next = self.acc_reduce.q.val();
        self.sched0.cfg_seg_log.next = self.acc_seg_log.q.val();
        self.sched1.cfg_c.next = self.acc_c.q.val();
        self.sched1.cfg_windows.next = self.acc_windows.q.val() >> 1;
        self.sched1.cfg_reduce.next = self.acc_reduce.q.val();
        self.sched1.cfg_seg_log.next = self.acc_seg_log.q.val();
        self.sched0.s_x.next = self.front.q_x.val();
        self.sched0.s_y.next = self.front.q_y.val();
        self.sched0.s_inf.next = self.front.q_inf.val();
        self.sched0.s_neg.next = self.front.q0_neg.val();
        self.sched0.s_mag.next = self.front.q0_mag.val();
        self.sched0.s_window.next = self.front.q_window.val();
        self.sched0.s_valid.next = self.front.q0_valid.val();
        self.sched0.s_last.next = self.front.q_last.val();
        self.front.q0_ready.next = self.sched0.s_ready.val();
        self.sched1.s_x.next = self.front.q_x.val();
        self.sched1.s_y.next = self.front.q_y.val();
        self.sched1.s_inf.next = self.front.q_inf.val();
        self.sched1.s_neg.next = self.front.q1_neg.val();
        self.sched1.s_mag.next = self.front.q1_mag.val();
        self.sched1.s_window.next = self.front.q_window.val();
        self.sched1.s_valid.next = self.front.q1_valid.val();
        self.sched1.s_last.next = self.front.q_last.val();
        self.front.q1_ready.next = self.sched1.s_ready.val();
        self.front.b0_data.next = self.sched0.m_data.val();
        self.front.b0_valid.next = self.sched0.m_valid.val();
        self.front.b0_last.next = self.sched0.m_last.val();
        self.sched0.m_ready.next = self.front.b0_ready.val();
        self.front.b1_data.next = self.sched1.m_data.val();
        self.front.b1_valid.next = self.sched1.m_valid.val();
        self.front.b1_last.next = self.sched1.m_last.val();
        self.sched1.m_ready.next = self.front.b1_ready.val();
        self.sched0.sum_valid.next = self.sum_valid.val();
        self.sched0.sum_x3.next = self.sum_x3.val();
        self.sched0.sum_y3.next = self.sum_y3.val();
        self.sched0.sum_z3.next = self.sum_z3.val();
        self.sched0.sum_tag.next = self.sum_tag.val();
        self.sched1.sum_valid.next = self.u1_sum_valid.val();
        self.sched1.sum_x3.next = self.u1_sum_x3.val();
        self.sched1.sum_y3.next = self.u1_sum_y3.val();
        self.sched1.sum_z3.next = self.u1_sum_z3.val();
        self.sched1.sum_tag.next = self.u1_sum_tag.val();

        // ---- Streams: whoever owns them in the current state; idle input beats are dropped.
        self.s_ready.next = false;
        self.m_valid.next = self.f_m_valid.val();
        self.m_data.next = self.f_m_data.val();
        self.m_last.next = self.f_m_last.val();
        match self.state.q.val() {
            CardState::Idle => self.s_ready.next = true,
            CardState::NttRun => {
                self.s_ready.next = self.ntt.s_ready.val();
                self.m_valid.next = self.ntt.m_valid.val();
                self.m_data.next = self.ntt.m_data.val();
                self.m_last.next = self.ntt.m_last.val();
            }
            CardState::MsmLoad => self.s_ready.next = self.f_s_ready.val(),
            CardState::MsmAcc => self.s_ready.next = self.f_s_ready.val(),
            CardState::LookupRun => {
                self.s_ready.next = self.lk_s_ready.val();
                self.m_valid.next = self.lk_m_valid.val();
                self.m_data.next = self.lk_m_data.val();
                self.m_last.next = self.lk_m_last.val();
            }
            _ => {}
        }

        // ---- Slot table: (base, count, valid) per slot; survives the kernel reset.
        self.slots.raddr.next = self.regs.msm_slot.val().get_bits::<16>(0);
        self.slots.we.next = false;
        self.slots.waddr.next = self.load_slot.q.val();
        self.slots.wdata.next = 0.into();
        self.entry_base.next = self.slots.rdata.val().get_bits::<32>(0);
        self.entry_n.next = self.slots.rdata.val().get_bits::<32>(32);
        self.entry_valid.next = self.slots.rdata.val().get_bit(64);
        // Per unit: W/2 windows of 2^(c−1) buckets (W even, checked on the doorbell).
        self.entries.next = bit_cast::<48, 32>(self.regs.msm_windows.val() >> 1) << (self.regs.msm_c.val().get_bits::<5>(0) - 1);
        // Chain length of ACCUMULATE_REDUCE (`regs::msm_seg_log`): g = bit length of
        // (entries − 1) >> MSM_CHAIN_LOG_DEPTH, i.e. max(0, ⌈log2 entries⌉ − 9); entries ≤ 2^16 in
        // an accepted group, so bits 9..15 decide.
        self.entries_m1.next = self.entries.val() - 1;
        self.seg_log.next = 0.into();
        if self.entries_m1.val().get_bit(9) {
            self.seg_log.next = 1.into();
        }
        if self.entries_m1.val().get_bit(10) {
            self.seg_log.next = 2.into();
        }
        if self.entries_m1.val().get_bit(11) {
            self.seg_log.next = 3.into();
        }
        if self.entries_m1.val().get_bit(12) {
            self.seg_log.next = 4.into();
        }
        if self.entries_m1.val().get_bit(13) {
            self.seg_log.next = 5.into();
        }
        if self.entries_m1.val().get_bit(14) {
            self.seg_log.next = 6.into();
        }
        if self.entries_m1.val().get_bit(15) {
            self.seg_log.next = 7.into();
        }
        self.load_end.next = bit_cast::<33, 32>(self.regs.msm_base.val()) + bit_cast::<33, 32>(self.regs.msm_points.val());

        // ---- Counters.
        self.cycles.d.next = self.cycles.q.val() + 1;
        if (self.state.q.val() != CardState::Idle) & (self.cmd_count.q.val() != self.ones.val()) {
            self.cmd_count.d.next = self.cmd_count.q.val() + 1;
        }
        if (self.state.q.val() == CardState::NttStart) | (self.state.q.val() == CardState::NttRun) {
            self.ntt_busy.d.next = self.ntt_busy.q.val() + 1;
        }
        if (self.state.q.val() == CardState::MsmLoad) | (self.state.q.val() == CardState::MsmCheck) | (self.state.q.val() == CardState::MsmAcc) {
            self.msm_busy.d.next = self.msm_busy.q.val() + 1;
        }
        if (self.state.q.val() == CardState::LookupStart) | (self.state.q.val() == CardState::LookupRun) {
            self.lookup_busy.d.next = self.lookup_busy.q.val() + 1;
        }
        if self.lk_element.val() {
            self.lookup_elems.d.next = self.lookup_elems.q.val() + 1;
        }
        if self.ntt.s_valid.val() & self.ntt.s_ready.val() {
            self.ntt_elems.d.next = self.ntt_elems.q.val() + 1;
        }
        if self.f_stat_digit.val() {
            self.msm_elems.d.next = self.msm_elems.q.val() + 2;
        }
        if self.sc_add0.val() & self.sc_add1.val() {
            self.msm_issued.d.next = self.msm_issued.q.val() + 2;
        } else if self.sc_add0.val() | self.sc_add1.val() {
            self.msm_issued.d.next = self.msm_issued.q.val() + 1;
        }
        if self.f_stat_stall.val() {
            self.msm_stalled.d.next = self.msm_stalled.q.val() + 1;
        }
        if self.f_stat_read.val() {
            self.msm_reads.d.next = self.msm_reads.q.val() + 1;
        }

        // ---- Control.
        self.finish.next = false;
        match self.state.q.val() {
            CardState::Idle => {
                if self.regs.ring.val() {
                    self.pending.d.next = self.regs.ring_seq.val();
                    self.status.d.next = 0.into();
                    self.cmd_count.d.next = 1.into();
                    if self.regs.command.val() == self.k_ntt.val() {
                        if (self.regs.ntt_log_n.val() == 0) | (self.regs.ntt_log_n.val() > self.ntt_kmax.val()) {
                            self.status.d.next = self.st_bad.val();
                            self.finish.next = true;
                        } else if self.regs.ntt_flags.val().get_bit(1) & (self.regs.ntt_shift.val() >= self.fr_r.val()) {
                            self.status.d.next = self.st_bad.val();
                            self.finish.next = true;
                        } else {
                            self.state.d.next = CardState::NttStart;
                        }
                    } else if (self.regs.command.val() == self.k_msm.val()) & self.has_msm.val() {
                        if self.regs.msm_slot.val() >= self.n_slots.val() {
                            self.status.d.next = self.st_bad.val();
                            self.finish.next = true;
                        } else if self.regs.msm_op.val() == self.op_load.val() {
                            if self.regs.msm_points.val() == 0 {
                                self.status.d.next = self.st_bad.val();
                                self.finish.next = true;
                            } else if self.load_end.val() > bit_cast::<33, 32>(self.mem_points.val()) {
                                self.status.d.next = self.st_overflow.val();
                                self.finish.next = true;
                            } else {
                                // The slot is invalid from now until the load has finished.
                                self.slots.we.next = true;
                                self.slots.waddr.next = self.regs.msm_slot.val().get_bits::<16>(0);
                                self.load_slot.d.next = self.regs.msm_slot.val().get_bits::<16>(0);
                                self.load_base.d.next = self.regs.msm_base.val();
                                self.load_n.d.next = self.regs.msm_points.val();
                                self.front.start_load.next = true;
                                self.state.d.next = CardState::MsmLoad;
                            }
                        } else if (self.regs.msm_op.val() == self.op_acc.val()) | (self.regs.msm_op.val() == self.op_reduce.val()) {
                            self.state.d.next = CardState::MsmCheck;
                        } else {
                            self.status.d.next = self.st_bad.val();
                            self.finish.next = true;
                        }
                    } else if (self.regs.command.val() == self.k_lookup.val()) & self.has_lookup.val() {
                        if (self.regs.lookup_op.val() == self.op_lk_fwd.val()) & (self.regs.lookup_beta.val() >= self.fr_r.val()) {
                            self.status.d.next = self.st_bad.val();
                            self.finish.next = true;
                        } else {
                            self.state.d.next = CardState::LookupStart;
                        }
                    } else {
                        self.status.d.next = self.st_no_kernel.val();
                        self.finish.next = true;
                    }
                }
            }
            CardState::NttStart => {
                self.state.d.next = CardState::NttRun;
            }
            CardState::NttRun => {
                if !self.ntt.busy.val() {
                    if self.ntt.error.val() {
                        self.status.d.next = self.status.q.val() | self.st_framing.val();
                    }
                    self.finish.next = true;
                }
            }
            CardState::MsmLoad => {
                if self.f_done.val() {
                    if self.f_ok.val() {
                        self.slots.we.next = true;
                        self.slots.wdata.next =
                            bit_cast::<65, 32>(self.load_base.q.val()) | (bit_cast::<65, 32>(self.load_n.q.val()) << 32) | (bits::<65>(1) << 64);
                    } else {
                        self.status.d.next = self.status.q.val() | self.st_framing.val();
                    }
                    self.finish.next = true;
                }
            }
            CardState::MsmCheck => {
                if !self.entry_valid.val() {
                    self.status.d.next = self.st_unknown.val();
                    self.finish.next = true;
                } else if (self.regs.msm_points.val() == 0) | (self.regs.msm_points.val() > self.entry_n.val()) {
                    self.status.d.next = self.st_bad.val();
                    self.finish.next = true;
                } else if (self.regs.msm_c.val() < self.c_min.val()) | (self.regs.msm_c.val() > self.c_max.val()) {
                    self.status.d.next = self.st_bad.val();
                    self.finish.next = true;
                } else if (self.regs.msm_windows.val() == 0)
                    | self.regs.msm_windows.val().get_bit(0)
                    | (self.regs.msm_windows.val() > self.w_max.val())
                    | (self.entries.val() > self.depth.val())
                {
                    self.status.d.next = self.st_bad.val();
                    self.finish.next = true;
                } else {
                    self.acc_c.d.next = self.regs.msm_c.val().get_bits::<5>(0);
                    self.acc_windows.d.next = self.regs.msm_windows.val().get_bits::<8>(0);
                    self.acc_reduce.d.next = self.regs.msm_op.val() == self.op_reduce.val();
                    self.acc_seg_log.d.next = self.seg_log.val();
                    self.front.cfg_base.next = self.entry_base.val();
                    self.front.start_acc.next = true;
                    self.state.d.next = CardState::MsmAcc;
                }
            }
            CardState::LookupStart => {
                self.state.d.next = CardState::LookupRun;
            }
            CardState::LookupRun => {
                if !self.lk_busy.val() {
                    self.status.d.next = self.status.q.val() | self.lk_bad.val() | self.lk_framing.val() | self.lk_range.val() | self.lk_zero.val();
                    self.finish.next = true;
                }
            }
            CardState::MsmAcc => {
                if self.sc_error.val() {
                    self.status.d.next = self.status.q.val() | self.st_bad.val();
                }
                if self.f_done.val() {
                    if self.f_framing.val() {
                        self.status.d.next = self.status.q.val() | self.st_framing.val();
                    }
                    self.finish.next = true;
                }
            }
        }
        if self.finish.val() {
            self.state.d.next = CardState::Idle;
            self.cmd_cycles.d.next = self.cmd_count.q.val();
            if self.state.q.val() == CardState::Idle {
                self.done_seq.d.next = self.regs.ring_seq.val();
                self.cmd_cycles.d.next = 1.into();
            } else {
                self.done_seq.d.next = self.pending.q.val();
            }
        }
        if self.reset.val() {
            self.state.d.next = CardState::Idle;
            self.status.d.next = 0.into();
            self.ntt_busy.d.next = 0.into();
            self.ntt_elems.d.next = 0.into();
            self.msm_busy.d.next = 0.into();
            self.msm_elems.d.next = 0.into();
            self.msm_issued.d.next = 0.into();
            self.msm_stalled.d.next = 0.into();
            self.msm_reads.d.next = 0.into();
            self.lookup_busy.d.next = 0.into();
            self.lookup_elems.d.next = 0.into();
        }
    }
}

/// The whole two-unit card in RTL: [`CardCoreDual`] with one G1 adder per unit closing its adder
/// port. Ports are `CardCoreDual`'s without the adder ports. Not synthesized, not in CI (two RTL
/// adders simulate at a few thousand cycles per second): an ignored test checks it once against
/// the fast two-unit card, cycle for cycle.
#[derive(LogicBlock)]
pub struct CardFullDual {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous kernel reset (see [`CardCore::reset`]).
    pub reset: Signal<In, Bit>,
    /// Card memory size in points.
    pub mem_points: Signal<In, Bits<32>>,
    /// Register byte offset.
    pub reg_addr: Signal<In, Bits<8>>,
    /// Register write data.
    pub reg_wdata: Signal<In, Bits<32>>,
    /// Register write enable.
    pub reg_we: Signal<In, Bit>,
    /// Register read data.
    pub reg_rdata: Signal<Out, Bits<32>>,
    /// A command is running.
    pub busy: Signal<Out, Bit>,
    /// Host-to-card beat.
    pub s_data: Signal<In, Bits<256>>,
    /// Host-to-card valid.
    pub s_valid: Signal<In, Bit>,
    /// Host-to-card ready.
    pub s_ready: Signal<Out, Bit>,
    /// Host-to-card last.
    pub s_last: Signal<In, Bit>,
    /// Card-to-host beat.
    pub m_data: Signal<Out, Bits<256>>,
    /// Card-to-host valid.
    pub m_valid: Signal<Out, Bit>,
    /// Card-to-host ready.
    pub m_ready: Signal<In, Bit>,
    /// Card-to-host last.
    pub m_last: Signal<Out, Bit>,
    /// Card-memory read request valid.
    pub mem_rd_valid: Signal<Out, Bit>,
    /// Card-memory read request ready.
    pub mem_rd_ready: Signal<In, Bit>,
    /// Card-memory read address.
    pub mem_rd_addr: Signal<Out, Bits<32>>,
    /// Card-memory read data valid.
    pub mem_rd_data_valid: Signal<In, Bit>,
    /// Card-memory read data.
    pub mem_rd_data: Signal<In, Bits<512>>,
    /// Card-memory write valid.
    pub mem_wr_valid: Signal<Out, Bit>,
    /// Card-memory write ready.
    pub mem_wr_ready: Signal<In, Bit>,
    /// Card-memory write address.
    pub mem_wr_addr: Signal<Out, Bits<32>>,
    /// Card-memory write data.
    pub mem_wr_data: Signal<Out, Bits<512>>,
    core: CardCoreDual,
    adder: G1AddMixedXcup,
    adder1: G1AddMixedXcup,
}

impl CardFullDual {
    /// The full two-unit card for `cfg` (`cfg.msm_units == 2`).
    pub fn new(cfg: &CardConfig) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            mem_points: Default::default(),
            reg_addr: Default::default(),
            reg_wdata: Default::default(),
            reg_we: Default::default(),
            reg_rdata: Default::default(),
            busy: Default::default(),
            s_data: Default::default(),
            s_valid: Default::default(),
            s_ready: Default::default(),
            s_last: Default::default(),
            m_data: Default::default(),
            m_valid: Default::default(),
            m_ready: Default::default(),
            m_last: Default::default(),
            mem_rd_valid: Default::default(),
            mem_rd_ready: Default::default(),
            mem_rd_addr: Default::default(),
            mem_rd_data_valid: Default::default(),
            mem_rd_data: Default::default(),
            mem_wr_valid: Default::default(),
            mem_wr_ready: Default::default(),
            mem_wr_addr: Default::default(),
            mem_wr_data: Default::default(),
            core: CardCoreDual::new(cfg),
            adder: G1AddMixedXcup::new(),
            adder1: G1AddMixedXcup::new(),
        }
    }
}

impl Logic for CardFullDual {
    #[hdl_gen]
    fn update(&mut self) {
        self.core.clock.next = self.clock.val();
        self.core.reset.next = self.reset.val();
        self.adder.clock.next = self.clock.val();
        self.adder.reset.next = self.reset.val();
        self.adder1.clock.next = self.clock.val();
        self.adder1.reset.next = self.reset.val();
        self.core.mem_points.next = self.mem_points.val();
        self.core.reg_addr.next = self.reg_addr.val();
        self.core.reg_wdata.next = self.reg_wdata.val();
        self.core.reg_we.next = self.reg_we.val();
        self.reg_rdata.next = self.core.reg_rdata.val();
        self.busy.next = self.core.busy.val();
        self.core.s_data.next = self.s_data.val();
        self.core.s_valid.next = self.s_valid.val();
        self.core.s_last.next = self.s_last.val();
        self.s_ready.next = self.core.s_ready.val();
        self.m_data.next = self.core.m_data.val();
        self.m_valid.next = self.core.m_valid.val();
        self.m_last.next = self.core.m_last.val();
        self.core.m_ready.next = self.m_ready.val();
        self.mem_rd_valid.next = self.core.mem_rd_valid.val();
        self.mem_rd_addr.next = self.core.mem_rd_addr.val();
        self.core.mem_rd_ready.next = self.mem_rd_ready.val();
        self.core.mem_rd_data_valid.next = self.mem_rd_data_valid.val();
        self.core.mem_rd_data.next = self.mem_rd_data.val();
        self.mem_wr_valid.next = self.core.mem_wr_valid.val();
        self.mem_wr_addr.next = self.core.mem_wr_addr.val();
        self.mem_wr_data.next = self.core.mem_wr_data.val();
        self.core.mem_wr_ready.next = self.mem_wr_ready.val();
        // Scheduler → adder → write-back (the scheduler never issues the identity).
        self.adder.in_valid.next = self.core.add_valid.val();
        self.adder.in_x1.next = self.core.add_x1.val();
        self.adder.in_y1.next = self.core.add_y1.val();
        self.adder.in_z1.next = self.core.add_z1.val();
        self.adder.in_x2.next = self.core.add_x2.val();
        self.adder.in_y2.next = self.core.add_y2.val();
        self.adder.in_z2.next = self.core.add_z2.val();
        self.adder.in_inf2.next = false;
        self.adder.in_neg2.next = self.core.add_neg2.val();
        self.adder.in_tag.next = self.core.add_tag.val();
        self.core.sum_valid.next = self.adder.out_valid.val();
        self.core.sum_x3.next = self.adder.out_x3.val();
        self.core.sum_y3.next = self.adder.out_y3.val();
        self.core.sum_z3.next = self.adder.out_z3.val();
        self.core.sum_tag.next = self.adder.out_tag.val();
        self.adder1.in_valid.next = self.core.u1_add_valid.val();
        self.adder1.in_x1.next = self.core.u1_add_x1.val();
        self.adder1.in_y1.next = self.core.u1_add_y1.val();
        self.adder1.in_z1.next = self.core.u1_add_z1.val();
        self.adder1.in_x2.next = self.core.u1_add_x2.val();
        self.adder1.in_y2.next = self.core.u1_add_y2.val();
        self.adder1.in_z2.next = self.core.u1_add_z2.val();
        self.adder1.in_inf2.next = false;
        self.adder1.in_neg2.next = self.core.u1_add_neg2.val();
        self.adder1.in_tag.next = self.core.u1_add_tag.val();
        self.core.u1_sum_valid.next = self.adder1.out_valid.val();
        self.core.u1_sum_x3.next = self.adder1.out_x3.val();
        self.core.u1_sum_y3.next = self.adder1.out_y3.val();
        self.core.u1_sum_z3.next = self.adder1.out_z3.val();
        self.core.u1_sum_tag.next = self.adder1.out_tag.val();
    }
}
