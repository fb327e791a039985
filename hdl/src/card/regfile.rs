//! The card's register file: the writable parameter registers of `zkaccel_interface::regs`, the
//! doorbell, and the read multiplexer over every register. Offsets come from
//! [`zkaccel_interface::regs::Reg`] (each one a `Constant` of the block), never from a second
//! table; [`RegFile::new`] checks that the block decodes exactly the registers of `Reg::ALL`,
//! with `Reg::READ_ONLY` read only — except `MsmUnits`, which the two- and three-unit card tops
//! (`super::dual`, `super::triple`) decode themselves and the one-unit cards leave unmapped (it
//! reads 0 = one unit), and `MsmFlagged`, which only the three-unit card decodes (0 elsewhere).
//!
//! Port: `reg_addr` (byte offset), `reg_wdata`, `reg_we` (sampled by the rising edge) and a
//! combinational `reg_rdata`. A write to the doorbell raises `ring` (combinational, for the edge
//! that samples the write) with the sequence number on `ring_seq`; the control accepts it only
//! when idle. Writes to read-only or unmapped offsets are ignored; unmapped offsets read 0.

use super::config;
use rust_hdl::prelude::*;
use zkaccel_interface::regs::{Reg, CARD_ID, REGMAP_VERSION};

/// Registers this block stores (written by the host).
pub const WRITABLE: [Reg; 16] = [
    Reg::Doorbell,
    Reg::Command,
    Reg::NttLogN,
    Reg::NttFlags,
    Reg::NttShift0,
    Reg::MsmOp,
    Reg::MsmSlot,
    Reg::MsmBase,
    Reg::MsmPoints,
    Reg::MsmC,
    Reg::MsmWindows,
    Reg::LookupOp,
    Reg::LookupN,
    Reg::LookupTable,
    Reg::LookupFlags,
    Reg::LookupBeta0,
];

fn off(r: Reg) -> Constant<Bits<8>> {
    Constant::new(bits::<8>(r.offset() as u64))
}

fn word(v: u64) -> Constant<Bits<32>> {
    Constant::new(bits::<32>(v))
}

/// The register file; see the module docs.
#[derive(LogicBlock)]
pub struct RegFile {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Register byte offset.
    pub reg_addr: Signal<In, Bits<8>>,
    /// Write data.
    pub reg_wdata: Signal<In, Bits<32>>,
    /// Write enable.
    pub reg_we: Signal<In, Bit>,
    /// Read data of `reg_addr` (combinational).
    pub reg_rdata: Signal<Out, Bits<32>>,
    /// The doorbell is being written this cycle.
    pub ring: Signal<Out, Bit>,
    /// The sequence number written to the doorbell.
    pub ring_seq: Signal<Out, Bits<32>>,
    /// `Command`.
    pub command: Signal<Out, Bits<32>>,
    /// `NttLogN`.
    pub ntt_log_n: Signal<Out, Bits<32>>,
    /// `NttFlags`.
    pub ntt_flags: Signal<Out, Bits<32>>,
    /// `NttShift0..7` as one 256-bit word.
    pub ntt_shift: Signal<Out, Bits<256>>,
    /// `MsmOp`.
    pub msm_op: Signal<Out, Bits<32>>,
    /// `MsmSlot`.
    pub msm_slot: Signal<Out, Bits<32>>,
    /// `MsmBase`.
    pub msm_base: Signal<Out, Bits<32>>,
    /// `MsmPoints`.
    pub msm_points: Signal<Out, Bits<32>>,
    /// `MsmC`.
    pub msm_c: Signal<Out, Bits<32>>,
    /// `MsmWindows`.
    pub msm_windows: Signal<Out, Bits<32>>,
    /// `LookupOp`.
    pub lookup_op: Signal<Out, Bits<32>>,
    /// `LookupN`.
    pub lookup_n: Signal<Out, Bits<32>>,
    /// `LookupTable`.
    pub lookup_table: Signal<Out, Bits<32>>,
    /// `LookupFlags`.
    pub lookup_flags: Signal<Out, Bits<32>>,
    /// `LookupBeta0..7` as one 256-bit word.
    pub lookup_beta: Signal<Out, Bits<256>>,
    /// `LookupBusyLo/Hi`.
    pub lookup_busy: Signal<In, Bits<64>>,
    /// `LookupElements`.
    pub lookup_elements: Signal<In, Bits<32>>,
    /// `DoneSeq` (from the control).
    pub done_seq: Signal<In, Bits<32>>,
    /// `Status`.
    pub status: Signal<In, Bits<32>>,
    /// Free-running cycle counter.
    pub cycles: Signal<In, Bits<64>>,
    /// `CmdCycles`.
    pub cmd_cycles: Signal<In, Bits<32>>,
    /// `CardMemPoints`.
    pub mem_points: Signal<In, Bits<32>>,
    /// `NttBusyLo/Hi`.
    pub ntt_busy: Signal<In, Bits<64>>,
    /// `NttElements`.
    pub ntt_elements: Signal<In, Bits<32>>,
    /// `MsmBusyLo/Hi`.
    pub msm_busy: Signal<In, Bits<64>>,
    /// `MsmElements`.
    pub msm_elements: Signal<In, Bits<32>>,
    /// `MsmIssued`.
    pub msm_issued: Signal<In, Bits<32>>,
    /// `MsmDeferred`.
    pub msm_deferred: Signal<In, Bits<32>>,
    /// `MsmStalled`.
    pub msm_stalled: Signal<In, Bits<32>>,
    /// `MsmPointsRead`.
    pub msm_points_read: Signal<In, Bits<32>>,
    /// `MsmReduceCycles`.
    pub msm_reduce_cycles: Signal<In, Bits<32>>,
    o_id: Constant<Bits<8>>,
    o_version: Constant<Bits<8>>,
    o_kernels: Constant<Bits<8>>,
    o_clock: Constant<Bits<8>>,
    o_doorbell: Constant<Bits<8>>,
    o_done_seq: Constant<Bits<8>>,
    o_status: Constant<Bits<8>>,
    o_command: Constant<Bits<8>>,
    o_cycles_lo: Constant<Bits<8>>,
    o_cycles_hi: Constant<Bits<8>>,
    o_cmd_cycles: Constant<Bits<8>>,
    o_mem_points: Constant<Bits<8>>,
    o_ntt_log_n: Constant<Bits<8>>,
    o_ntt_flags: Constant<Bits<8>>,
    o_ntt_shift0: Constant<Bits<8>>,
    o_ntt_shift_end: Constant<Bits<8>>,
    o_ntt_max_log_n: Constant<Bits<8>>,
    o_ntt_busy_lo: Constant<Bits<8>>,
    o_ntt_busy_hi: Constant<Bits<8>>,
    o_ntt_elements: Constant<Bits<8>>,
    o_msm_op: Constant<Bits<8>>,
    o_msm_slot: Constant<Bits<8>>,
    o_msm_base: Constant<Bits<8>>,
    o_msm_points: Constant<Bits<8>>,
    o_msm_c: Constant<Bits<8>>,
    o_msm_windows: Constant<Bits<8>>,
    o_msm_max_c: Constant<Bits<8>>,
    o_msm_log_depth: Constant<Bits<8>>,
    o_msm_slots: Constant<Bits<8>>,
    o_msm_digit_format: Constant<Bits<8>>,
    o_msm_busy_lo: Constant<Bits<8>>,
    o_msm_busy_hi: Constant<Bits<8>>,
    o_msm_elements: Constant<Bits<8>>,
    o_msm_issued: Constant<Bits<8>>,
    o_msm_deferred: Constant<Bits<8>>,
    o_msm_stalled: Constant<Bits<8>>,
    o_msm_points_read: Constant<Bits<8>>,
    o_msm_reduce_cycles: Constant<Bits<8>>,
    o_lookup_max_log_table: Constant<Bits<8>>,
    o_lookup_max_log_batch: Constant<Bits<8>>,
    o_lookup_busy_lo: Constant<Bits<8>>,
    o_lookup_busy_hi: Constant<Bits<8>>,
    o_lookup_elements: Constant<Bits<8>>,
    o_lookup_op: Constant<Bits<8>>,
    o_lookup_n: Constant<Bits<8>>,
    o_lookup_table: Constant<Bits<8>>,
    o_lookup_flags: Constant<Bits<8>>,
    o_lookup_beta0: Constant<Bits<8>>,
    o_lookup_beta_end: Constant<Bits<9>>,
    v_lookup_max_log_table: Constant<Bits<32>>,
    v_lookup_max_log_batch: Constant<Bits<32>>,
    v_id: Constant<Bits<32>>,
    v_version: Constant<Bits<32>>,
    v_kernels: Constant<Bits<32>>,
    v_clock: Constant<Bits<32>>,
    v_ntt_max_log_n: Constant<Bits<32>>,
    v_msm_max_c: Constant<Bits<32>>,
    v_msm_log_depth: Constant<Bits<32>>,
    v_msm_slots: Constant<Bits<32>>,
    v_msm_digit_format: Constant<Bits<32>>,
    ones: Constant<Bits<32>>,
    r_doorbell: DFF<Bits<32>>,
    r_command: DFF<Bits<32>>,
    r_ntt_log_n: DFF<Bits<32>>,
    r_ntt_flags: DFF<Bits<32>>,
    r_ntt_shift: DFF<Bits<256>>,
    r_msm_op: DFF<Bits<32>>,
    r_msm_slot: DFF<Bits<32>>,
    r_msm_base: DFF<Bits<32>>,
    r_msm_points: DFF<Bits<32>>,
    r_msm_c: DFF<Bits<32>>,
    r_msm_windows: DFF<Bits<32>>,
    r_lookup_op: DFF<Bits<32>>,
    r_lookup_n: DFF<Bits<32>>,
    r_lookup_table: DFF<Bits<32>>,
    r_lookup_flags: DFF<Bits<32>>,
    r_lookup_beta: DFF<Bits<256>>,
    in_beta: Signal<Local, Bit>,
    beta_bit: Signal<Local, Bits<9>>,
    beta_word: Signal<Local, Bits<256>>,
    in_shift: Signal<Local, Bit>,
    shift_bit: Signal<Local, Bits<9>>,
    shift_word: Signal<Local, Bits<256>>,
}

impl RegFile {
    /// The register file of a card with an NTT buffer of `2^ntt_k` points and `2^msm_log_depth`
    /// bucket entries; `clock_khz` is the kernel clock (0 in simulation).
    pub fn new(cfg: &config::CardConfig, clock_khz: u32) -> Self {
        // Every register of the map is decoded here: the stored ones are `WRITABLE`, all the
        // others are read-only; the two lists must agree with the interface crate.
        for r in Reg::ALL {
            assert_eq!(WRITABLE.contains(&r), r.writable(), "register {r:?}: regfile and interface disagree on access");
        }
        Self {
            clock: Default::default(),
            reg_addr: Default::default(),
            reg_wdata: Default::default(),
            reg_we: Default::default(),
            reg_rdata: Default::default(),
            ring: Default::default(),
            ring_seq: Default::default(),
            command: Default::default(),
            ntt_log_n: Default::default(),
            ntt_flags: Default::default(),
            ntt_shift: Default::default(),
            msm_op: Default::default(),
            msm_slot: Default::default(),
            msm_base: Default::default(),
            msm_points: Default::default(),
            msm_c: Default::default(),
            msm_windows: Default::default(),
            lookup_op: Default::default(),
            lookup_n: Default::default(),
            lookup_table: Default::default(),
            lookup_flags: Default::default(),
            lookup_beta: Default::default(),
            lookup_busy: Default::default(),
            lookup_elements: Default::default(),
            done_seq: Default::default(),
            status: Default::default(),
            cycles: Default::default(),
            cmd_cycles: Default::default(),
            mem_points: Default::default(),
            ntt_busy: Default::default(),
            ntt_elements: Default::default(),
            msm_busy: Default::default(),
            msm_elements: Default::default(),
            msm_issued: Default::default(),
            msm_deferred: Default::default(),
            msm_stalled: Default::default(),
            msm_points_read: Default::default(),
            msm_reduce_cycles: Default::default(),
            o_id: off(Reg::Id),
            o_version: off(Reg::Version),
            o_kernels: off(Reg::Kernels),
            o_clock: off(Reg::ClockKhz),
            o_doorbell: off(Reg::Doorbell),
            o_done_seq: off(Reg::DoneSeq),
            o_status: off(Reg::Status),
            o_command: off(Reg::Command),
            o_cycles_lo: off(Reg::CyclesLo),
            o_cycles_hi: off(Reg::CyclesHi),
            o_cmd_cycles: off(Reg::CmdCycles),
            o_mem_points: off(Reg::CardMemPoints),
            o_ntt_log_n: off(Reg::NttLogN),
            o_ntt_flags: off(Reg::NttFlags),
            o_ntt_shift0: off(Reg::NttShift0),
            o_ntt_shift_end: Constant::new(bits::<8>(Reg::NttShift0.offset() as u64 + 32)),
            o_ntt_max_log_n: off(Reg::NttMaxLogN),
            o_ntt_busy_lo: off(Reg::NttBusyLo),
            o_ntt_busy_hi: off(Reg::NttBusyHi),
            o_ntt_elements: off(Reg::NttElements),
            o_msm_op: off(Reg::MsmOp),
            o_msm_slot: off(Reg::MsmSlot),
            o_msm_base: off(Reg::MsmBase),
            o_msm_points: off(Reg::MsmPoints),
            o_msm_c: off(Reg::MsmC),
            o_msm_windows: off(Reg::MsmWindows),
            o_msm_max_c: off(Reg::MsmMaxC),
            o_msm_log_depth: off(Reg::MsmLogDepth),
            o_msm_slots: off(Reg::MsmSlots),
            o_msm_digit_format: off(Reg::MsmDigitFormat),
            o_msm_busy_lo: off(Reg::MsmBusyLo),
            o_msm_busy_hi: off(Reg::MsmBusyHi),
            o_msm_elements: off(Reg::MsmElements),
            o_msm_issued: off(Reg::MsmIssued),
            o_msm_deferred: off(Reg::MsmDeferred),
            o_msm_stalled: off(Reg::MsmStalled),
            o_msm_points_read: off(Reg::MsmPointsRead),
            o_msm_reduce_cycles: off(Reg::MsmReduceCycles),
            o_lookup_max_log_table: off(Reg::LookupMaxLogTable),
            o_lookup_max_log_batch: off(Reg::LookupMaxLogBatch),
            o_lookup_busy_lo: off(Reg::LookupBusyLo),
            o_lookup_busy_hi: off(Reg::LookupBusyHi),
            o_lookup_elements: off(Reg::LookupElements),
            o_lookup_op: off(Reg::LookupOp),
            o_lookup_n: off(Reg::LookupN),
            o_lookup_table: off(Reg::LookupTable),
            o_lookup_flags: off(Reg::LookupFlags),
            o_lookup_beta0: off(Reg::LookupBeta0),
            o_lookup_beta_end: Constant::new(bits::<9>(Reg::LookupBeta0.offset() as u64 + 32)),
            v_lookup_max_log_table: word(cfg.lookup_log_table as u64),
            v_lookup_max_log_batch: word(cfg.lookup_log_batch as u64),
            v_id: word(CARD_ID as u64),
            v_version: word(REGMAP_VERSION as u64),
            v_kernels: word(cfg.kernels as u64),
            v_clock: word(clock_khz as u64),
            v_ntt_max_log_n: word(cfg.ntt_k as u64),
            v_msm_max_c: word(cfg.max_c() as u64),
            v_msm_log_depth: word(cfg.msm_log_depth as u64),
            v_msm_slots: word(config::SLOTS as u64),
            v_msm_digit_format: word(config::MSM_DIGIT_FORMAT as u64),
            ones: word(0xffff_ffff),
            r_doorbell: Default::default(),
            r_command: Default::default(),
            r_ntt_log_n: Default::default(),
            r_ntt_flags: Default::default(),
            r_ntt_shift: Default::default(),
            r_msm_op: Default::default(),
            r_msm_slot: Default::default(),
            r_msm_base: Default::default(),
            r_msm_points: Default::default(),
            r_msm_c: Default::default(),
            r_msm_windows: Default::default(),
            r_lookup_op: Default::default(),
            r_lookup_n: Default::default(),
            r_lookup_table: Default::default(),
            r_lookup_flags: Default::default(),
            r_lookup_beta: Default::default(),
            in_beta: Default::default(),
            beta_bit: Default::default(),
            beta_word: Default::default(),
            in_shift: Default::default(),
            shift_bit: Default::default(),
            shift_word: Default::default(),
        }
    }
}

impl Logic for RegFile {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, r_doorbell, r_command, r_ntt_log_n, r_ntt_flags, r_ntt_shift, r_msm_op, r_msm_slot, r_msm_base,
            r_msm_points, r_msm_c, r_msm_windows, r_lookup_op, r_lookup_n, r_lookup_table, r_lookup_flags,
            r_lookup_beta
        );
        // β's words end at the window's end (0x100): compare in 9 bits.
        self.in_beta.next = (self.reg_addr.val() >= self.o_lookup_beta0.val())
            & (bit_cast::<9, 8>(self.reg_addr.val()) < self.o_lookup_beta_end.val());
        self.beta_bit.next = bit_cast::<9, 8>(self.reg_addr.val() - self.o_lookup_beta0.val()) << 3;
        self.beta_word.next = self.r_lookup_beta.q.val() >> self.beta_bit.val();
        self.in_shift.next =
            (self.reg_addr.val() >= self.o_ntt_shift0.val()) & (self.reg_addr.val() < self.o_ntt_shift_end.val());
        // Bit position of the addressed shift word: (offset − NttShift0) · 8.
        self.shift_bit.next = bit_cast::<9, 8>(self.reg_addr.val() - self.o_ntt_shift0.val()) << 3;
        self.shift_word.next = self.r_ntt_shift.q.val() >> self.shift_bit.val();

        // Writes (read-only and unmapped offsets have no storage: the write is dropped).
        self.ring.next = self.reg_we.val() & (self.reg_addr.val() == self.o_doorbell.val());
        self.ring_seq.next = self.reg_wdata.val();
        if self.ring.val() {
            self.r_doorbell.d.next = self.reg_wdata.val();
        }
        if self.reg_we.val() {
            if self.reg_addr.val() == self.o_command.val() {
                self.r_command.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_ntt_log_n.val() {
                self.r_ntt_log_n.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_ntt_flags.val() {
                self.r_ntt_flags.d.next = self.reg_wdata.val();
            }
            if self.in_shift.val() {
                self.r_ntt_shift.d.next = (self.r_ntt_shift.q.val()
                    & !(bit_cast::<256, 32>(self.ones.val()) << self.shift_bit.val()))
                    | (bit_cast::<256, 32>(self.reg_wdata.val()) << self.shift_bit.val());
            }
            if self.reg_addr.val() == self.o_msm_op.val() {
                self.r_msm_op.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_msm_slot.val() {
                self.r_msm_slot.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_msm_base.val() {
                self.r_msm_base.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_msm_points.val() {
                self.r_msm_points.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_msm_c.val() {
                self.r_msm_c.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_msm_windows.val() {
                self.r_msm_windows.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_lookup_op.val() {
                self.r_lookup_op.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_lookup_n.val() {
                self.r_lookup_n.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_lookup_table.val() {
                self.r_lookup_table.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.o_lookup_flags.val() {
                self.r_lookup_flags.d.next = self.reg_wdata.val();
            }
            if self.in_beta.val() {
                self.r_lookup_beta.d.next = (self.r_lookup_beta.q.val()
                    & !(bit_cast::<256, 32>(self.ones.val()) << self.beta_bit.val()))
                    | (bit_cast::<256, 32>(self.reg_wdata.val()) << self.beta_bit.val());
            }
        }
        self.command.next = self.r_command.q.val();
        self.ntt_log_n.next = self.r_ntt_log_n.q.val();
        self.ntt_flags.next = self.r_ntt_flags.q.val();
        self.ntt_shift.next = self.r_ntt_shift.q.val();
        self.msm_op.next = self.r_msm_op.q.val();
        self.msm_slot.next = self.r_msm_slot.q.val();
        self.msm_base.next = self.r_msm_base.q.val();
        self.msm_points.next = self.r_msm_points.q.val();
        self.msm_c.next = self.r_msm_c.q.val();
        self.msm_windows.next = self.r_msm_windows.q.val();
        self.lookup_op.next = self.r_lookup_op.q.val();
        self.lookup_n.next = self.r_lookup_n.q.val();
        self.lookup_table.next = self.r_lookup_table.q.val();
        self.lookup_flags.next = self.r_lookup_flags.q.val();
        self.lookup_beta.next = self.r_lookup_beta.q.val();

        // Reads.
        self.reg_rdata.next = 0.into();
        if self.reg_addr.val() == self.o_id.val() {
            self.reg_rdata.next = self.v_id.val();
        }
        if self.reg_addr.val() == self.o_version.val() {
            self.reg_rdata.next = self.v_version.val();
        }
        if self.reg_addr.val() == self.o_kernels.val() {
            self.reg_rdata.next = self.v_kernels.val();
        }
        if self.reg_addr.val() == self.o_clock.val() {
            self.reg_rdata.next = self.v_clock.val();
        }
        if self.reg_addr.val() == self.o_doorbell.val() {
            self.reg_rdata.next = self.r_doorbell.q.val();
        }
        if self.reg_addr.val() == self.o_done_seq.val() {
            self.reg_rdata.next = self.done_seq.val();
        }
        if self.reg_addr.val() == self.o_status.val() {
            self.reg_rdata.next = self.status.val();
        }
        if self.reg_addr.val() == self.o_command.val() {
            self.reg_rdata.next = self.r_command.q.val();
        }
        if self.reg_addr.val() == self.o_cycles_lo.val() {
            self.reg_rdata.next = self.cycles.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.o_cycles_hi.val() {
            self.reg_rdata.next = self.cycles.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.o_cmd_cycles.val() {
            self.reg_rdata.next = self.cmd_cycles.val();
        }
        if self.reg_addr.val() == self.o_mem_points.val() {
            self.reg_rdata.next = self.mem_points.val();
        }
        if self.reg_addr.val() == self.o_ntt_log_n.val() {
            self.reg_rdata.next = self.r_ntt_log_n.q.val();
        }
        if self.reg_addr.val() == self.o_ntt_flags.val() {
            self.reg_rdata.next = self.r_ntt_flags.q.val();
        }
        if self.in_shift.val() {
            self.reg_rdata.next = self.shift_word.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.o_ntt_max_log_n.val() {
            self.reg_rdata.next = self.v_ntt_max_log_n.val();
        }
        if self.reg_addr.val() == self.o_ntt_busy_lo.val() {
            self.reg_rdata.next = self.ntt_busy.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.o_ntt_busy_hi.val() {
            self.reg_rdata.next = self.ntt_busy.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.o_ntt_elements.val() {
            self.reg_rdata.next = self.ntt_elements.val();
        }
        if self.reg_addr.val() == self.o_msm_op.val() {
            self.reg_rdata.next = self.r_msm_op.q.val();
        }
        if self.reg_addr.val() == self.o_msm_slot.val() {
            self.reg_rdata.next = self.r_msm_slot.q.val();
        }
        if self.reg_addr.val() == self.o_msm_base.val() {
            self.reg_rdata.next = self.r_msm_base.q.val();
        }
        if self.reg_addr.val() == self.o_msm_points.val() {
            self.reg_rdata.next = self.r_msm_points.q.val();
        }
        if self.reg_addr.val() == self.o_msm_c.val() {
            self.reg_rdata.next = self.r_msm_c.q.val();
        }
        if self.reg_addr.val() == self.o_msm_windows.val() {
            self.reg_rdata.next = self.r_msm_windows.q.val();
        }
        if self.reg_addr.val() == self.o_msm_max_c.val() {
            self.reg_rdata.next = self.v_msm_max_c.val();
        }
        if self.reg_addr.val() == self.o_msm_log_depth.val() {
            self.reg_rdata.next = self.v_msm_log_depth.val();
        }
        if self.reg_addr.val() == self.o_msm_slots.val() {
            self.reg_rdata.next = self.v_msm_slots.val();
        }
        if self.reg_addr.val() == self.o_msm_digit_format.val() {
            self.reg_rdata.next = self.v_msm_digit_format.val();
        }
        if self.reg_addr.val() == self.o_msm_busy_lo.val() {
            self.reg_rdata.next = self.msm_busy.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.o_msm_busy_hi.val() {
            self.reg_rdata.next = self.msm_busy.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.o_msm_elements.val() {
            self.reg_rdata.next = self.msm_elements.val();
        }
        if self.reg_addr.val() == self.o_msm_issued.val() {
            self.reg_rdata.next = self.msm_issued.val();
        }
        if self.reg_addr.val() == self.o_msm_deferred.val() {
            self.reg_rdata.next = self.msm_deferred.val();
        }
        if self.reg_addr.val() == self.o_msm_stalled.val() {
            self.reg_rdata.next = self.msm_stalled.val();
        }
        if self.reg_addr.val() == self.o_msm_points_read.val() {
            self.reg_rdata.next = self.msm_points_read.val();
        }
        if self.reg_addr.val() == self.o_msm_reduce_cycles.val() {
            self.reg_rdata.next = self.msm_reduce_cycles.val();
        }
        if self.reg_addr.val() == self.o_lookup_max_log_table.val() {
            self.reg_rdata.next = self.v_lookup_max_log_table.val();
        }
        if self.reg_addr.val() == self.o_lookup_max_log_batch.val() {
            self.reg_rdata.next = self.v_lookup_max_log_batch.val();
        }
        if self.reg_addr.val() == self.o_lookup_busy_lo.val() {
            self.reg_rdata.next = self.lookup_busy.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.o_lookup_busy_hi.val() {
            self.reg_rdata.next = self.lookup_busy.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.o_lookup_elements.val() {
            self.reg_rdata.next = self.lookup_elements.val();
        }
        if self.reg_addr.val() == self.o_lookup_op.val() {
            self.reg_rdata.next = self.r_lookup_op.q.val();
        }
        if self.reg_addr.val() == self.o_lookup_n.val() {
            self.reg_rdata.next = self.r_lookup_n.q.val();
        }
        if self.reg_addr.val() == self.o_lookup_table.val() {
            self.reg_rdata.next = self.r_lookup_table.q.val();
        }
        if self.reg_addr.val() == self.o_lookup_flags.val() {
            self.reg_rdata.next = self.r_lookup_flags.q.val();
        }
        if self.in_beta.val() {
            self.reg_rdata.next = self.beta_word.val().get_bits::<32>(0);
        }
    }
}
