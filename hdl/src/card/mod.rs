//! The card top level: the register file ([`regfile`], offsets from `zkaccel_interface::regs`),
//! doorbell/`DONE_SEQ`/sticky `STATUS` control, the free-running cycle counter and per-kernel
//! counters, one host-to-card and one card-to-host stream (256-bit beats, AXI4-Stream style,
//! `docs/interfaces.md` §4), dispatch to the NTT core ([`crate::ntt::NttCore`]) and the MSM bucket
//! scheduler ([`crate::msm_bucket::scheduler::BucketScheduler`]) behind the MSM front-end
//! ([`msm_front`]), the lookup kernel ([`crate::lookup::LookupUnit`]), a bases-slot table, and a card-memory port (512-bit words, one affine point
//! each) for the resident MSM bases.
//!
//! Two tops share everything:
//! * [`CardCore`] has the G1 adder port on the outside (`add_*` out, `sum_*` in): the **fast
//!   variant** of the simulated card closes it with the adder's cycle-exact software model
//!   (`zkaccel_sim::card_runner`), the scheduler and everything else being RTL;
//! * [`CardFull`] is `CardCore` with the RTL adder ([`crate::g1_add_mixed::G1AddMixedXcup`])
//!   closing the loop: the whole card in RTL.
//!
//! Commands, registers and the memory port: `docs/interfaces.md` §5; design: `NOTES.md`.

pub mod config;
pub mod dual;
pub mod msm_front;
pub mod msm_front_dual;
pub mod msm_front_triple;
pub mod regfile;
pub mod triple;

use crate::g1_add_mixed::{config::LATENCY as ADDER_LATENCY, G1AddMixedXcup};
use crate::lookup::LookupUnit;
use crate::memory::ram::Ram;
use crate::msm_bucket::scheduler::BucketScheduler;
use crate::ntt::NttCore;
use ark_ff::PrimeField;
use config::CardConfig;
use msm_front::MsmFront;
use regfile::RegFile;
use rust_hdl::prelude::*;
use zkaccel_interface::lookup::LookupOp;
use zkaccel_interface::regs::{Kernel, MsmOp, Status, MSM_CHAIN_LOG_DEPTH};

/// Control states of the card.
#[derive(Copy, Clone, PartialEq, Eq, Debug, LogicState)]
pub enum CardState {
    /// No command; host-to-card beats are discarded.
    Idle,
    /// Starting the NTT core.
    NttStart,
    /// The NTT core runs; the streams are its.
    NttRun,
    /// Loading bases.
    MsmLoad,
    /// Checking an accumulation against its slot (the slot RAM answered).
    MsmCheck,
    /// Accumulating one window group (and, with `MsmOp::ACCUMULATE_REDUCE`, reducing it).
    MsmAcc,
    /// Starting the lookup kernel.
    LookupStart,
    /// The lookup kernel runs; the streams are its.
    LookupRun,
}

fn c32(v: u64) -> Constant<Bits<32>> {
    Constant::new(bits::<32>(v))
}

fn fr_modulus() -> Bits<256> {
    let mut b = Bits::<256>::default();
    for (i, limb) in ark_bn254::Fr::MODULUS.0.iter().enumerate() {
        b = b | (bit_cast::<256, 64>(bits::<64>(*limb)) << (64 * i as u64));
    }
    b
}

/// The card with the adder port outside; see the module docs.
#[derive(LogicBlock)]
pub struct CardCore {
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
    regs: RegFile,
    ntt: NttCore,
    front: MsmFront,
    sched: BucketScheduler,
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
    sc_add_valid: Signal<Local, Bit>,
    sc_deferred: Signal<Local, Bits<32>>,
    sc_reduce: Signal<Local, Bits<32>>,
    lk_busy: Signal<Local, Bit>,
    lk_s_ready: Signal<Local, Bit>,
    lk_m_valid: Signal<Local, Bit>,
    lk_m_data: Signal<Local, Bits<256>>,
    lk_m_last: Signal<Local, Bit>,
    lk_element: Signal<Local, Bit>,
}

impl CardCore {
    /// A card with an NTT buffer of `2^cfg.ntt_k` points and `2^cfg.msm_log_depth` bucket entries.
    pub fn new(cfg: &CardConfig) -> Self {
        assert!(cfg.msm_log_depth >= 1 && cfg.msm_log_depth <= 16, "bucket memory of 2^1..2^16 entries");
        assert_eq!(cfg.msm_units, 1, "CardCore has one MSM unit (two: dual::CardCoreDual)");
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
            regs: RegFile::new(cfg, 0),
            ntt: NttCore::with_multiplier(cfg.ntt_k, cfg.ntt_multiplier),
            front: MsmFront::new(cfg.msm_point_fifo),
            sched: BucketScheduler::new(cfg.msm_log_depth, ADDER_LATENCY),
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
            sc_add_valid: Default::default(),
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

impl Logic for CardCore {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, done_seq, pending, status, cycles, cmd_count, cmd_cycles, ntt_busy, ntt_elems,
            msm_busy, msm_elems, msm_issued, msm_stalled, msm_reads, lookup_busy, lookup_elems, acc_c, acc_windows, acc_reduce, acc_seg_log,
            load_slot, load_base, load_n
        );
        self.regs.clock.next = self.clock.val();
        self.ntt.clock.next = self.clock.val();
        self.ntt.reset.next = self.reset.val();
        self.front.clock.next = self.clock.val();
        self.front.reset.next = self.reset.val();
        self.sched.clock.next = self.clock.val();
        self.sched.reset.next = self.reset.val();
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
        self.sc_error.next = self.sched.error.val() & self.has_msm.val();
        self.sc_add_valid.next = self.sched.add_valid.val() & self.has_msm.val();
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
        if self.has_msm.val() {
            self.f_m_data.next = self.front.m_data.val();
            self.sc_deferred.next = self.sched.stat_deferred.val();
            self.sc_reduce.next = self.sched.stat_reduce.val();
            self.mem_rd_valid.next = self.front.mem_rd_valid.val();
            self.mem_rd_addr.next = self.front.mem_rd_addr.val();
            self.mem_wr_valid.next = self.front.mem_wr_valid.val();
            self.mem_wr_addr.next = self.front.mem_wr_addr.val();
            self.mem_wr_data.next = self.front.mem_wr_data.val();
            self.add_valid.next = self.sched.add_valid.val();
            self.add_x1.next = self.sched.add_x1.val();
            self.add_y1.next = self.sched.add_y1.val();
            self.add_z1.next = self.sched.add_z1.val();
            self.add_x2.next = self.sched.add_x2.val();
            self.add_y2.next = self.sched.add_y2.val();
            self.add_z2.next = self.sched.add_z2.val();
            self.add_neg2.next = self.sched.add_neg2.val();
            self.add_tag.next = self.sched.add_tag.val();
        }
        self.lk_m_data.next = 0.into();
        if self.has_lookup.val() {
            self.lk_m_data.next = self.lookup.m_data.val();
        }

        // ---- Register port.
        self.regs.reg_addr.next = self.reg_addr.val();
        self.regs.reg_wdata.next = self.reg_wdata.val();
        self.regs.reg_we.next = self.reg_we.val();
        self.reg_rdata.next = self.regs.reg_rdata.val();
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
        self.front.s_valid.next =
            self.s_valid.val() & ((self.state.q.val() == CardState::MsmLoad) | (self.state.q.val() == CardState::MsmAcc));
        self.front.m_ready.next =
            self.m_ready.val() & (self.state.q.val() != CardState::NttRun) & (self.state.q.val() != CardState::LookupRun);
        self.front.mem_rd_ready.next = self.mem_rd_ready.val();
        self.front.mem_rd_data_valid.next = self.mem_rd_data_valid.val();
        self.front.mem_rd_data.next = self.mem_rd_data.val();
        self.front.mem_wr_ready.next = self.mem_wr_ready.val();
        self.sched.cfg_c.next = self.acc_c.q.val();
        self.sched.cfg_windows.next = self.acc_windows.q.val();
        // ACCUMULATE_REDUCE: the scheduler reduces the group (chain sums out instead of buckets).
        self.sched.cfg_reduce.next = self.acc_reduce.q.val();
        self.sched.cfg_seg_log.next = self.acc_seg_log.q.val();
        self.sched.s_x.next = self.front.q_x.val();
        self.sched.s_y.next = self.front.q_y.val();
        self.sched.s_inf.next = self.front.q_inf.val();
        self.sched.s_neg.next = self.front.q_neg.val();
        self.sched.s_mag.next = self.front.q_mag.val();
        self.sched.s_window.next = self.front.q_window.val();
        self.sched.s_valid.next = self.front.q_valid.val();
        self.sched.s_last.next = self.front.q_last.val();
        self.front.q_ready.next = self.sched.s_ready.val();
        self.front.b_data.next = self.sched.m_data.val();
        self.front.b_valid.next = self.sched.m_valid.val();
        self.front.b_last.next = self.sched.m_last.val();
        self.sched.m_ready.next = self.front.b_ready.val();
        self.sched.sum_valid.next = self.sum_valid.val();
        self.sched.sum_x3.next = self.sum_x3.val();
        self.sched.sum_y3.next = self.sum_y3.val();
        self.sched.sum_z3.next = self.sum_z3.val();
        self.sched.sum_tag.next = self.sum_tag.val();

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
        self.entries.next = bit_cast::<48, 32>(self.regs.msm_windows.val()) << (self.regs.msm_c.val().get_bits::<5>(0) - 1);
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
        if (self.state.q.val() == CardState::MsmLoad)
            | (self.state.q.val() == CardState::MsmCheck)
            | (self.state.q.val() == CardState::MsmAcc)
        {
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
            self.msm_elems.d.next = self.msm_elems.q.val() + 1;
        }
        if self.sc_add_valid.val() {
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
                        if (self.regs.lookup_op.val() == self.op_lk_fwd.val())
                            & (self.regs.lookup_beta.val() >= self.fr_r.val())
                        {
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
                        self.slots.wdata.next = bit_cast::<65, 32>(self.load_base.q.val())
                            | (bit_cast::<65, 32>(self.load_n.q.val()) << 32)
                            | (bits::<65>(1) << 64);
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
                    self.status.d.next =
                        self.status.q.val() | self.lk_bad.val() | self.lk_framing.val() | self.lk_range.val() | self.lk_zero.val();
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

/// The whole card in RTL: [`CardCore`] with the G1 adder closing its adder port. Ports are
/// `CardCore`'s without the adder port.
#[derive(LogicBlock)]
pub struct CardFull {
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
    core: CardCore,
    adder: G1AddMixedXcup,
}

impl CardFull {
    /// The full card for `cfg`.
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
            core: CardCore::new(cfg),
            adder: G1AddMixedXcup::new(),
        }
    }
}

impl Logic for CardFull {
    #[hdl_gen]
    fn update(&mut self) {
        self.core.clock.next = self.clock.val();
        self.core.reset.next = self.reset.val();
        self.adder.clock.next = self.clock.val();
        self.adder.reset.next = self.reset.val();
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{generate, yosys_check};

    #[test]
    fn register_file_and_msm_front_elaborate_cleanly() {
        // Undriven wires, multiple drivers and combinational loops are Yosys errors. (The whole
        // card is elaborated by Verilator in the card tests; these two are its new blocks.)
        yosys_check("card_regfile", &generate(&mut RegFile::new(&CardConfig::SIM, 0))).unwrap();
        yosys_check("card_msm_front", &generate(&mut MsmFront::new(config::POINT_FIFO_DEPTH))).unwrap();
    }
}
