//! The multiplicity counter: one table-row index per cycle into a counter memory of `2^log_depth`
//! 32-bit counts, then the counts of rows `0..T` streamed back (and cleared).
//!
//! * **Input**: `n` indices, eight little-endian `u32`s per 256-bit beat
//!   (`zkaccel_interface::lookup`); the next beat is taken in the cycle the last index of the
//!   current one is used, so the unpacker delivers one index per cycle. `s_last` belongs on beat
//!   `ceil(n/8) − 1`: an early `last` ends the input, a missing one is flagged (`err_framing`).
//! * **Range**: an index `≥ T` sets the sticky `err_range` and never reaches the memory, so a
//!   value outside the table cannot produce a wrong count.
//! * **Count pipeline**: cycle 0 presents the index as the read address; cycle 1 has the old count
//!   and writes `count + 1`. The memory reads before it writes, so the count written in the same
//!   edge as a read of the same row is forwarded from a register (`fwd_*`): repeated values back
//!   to back, and a run of one value, count right. A write from two edges ago is already in the
//!   memory, so one forwarding register is enough.
//! * **Read-out**: reads of rows `0..T` one per cycle, eight counts per beat into a small output
//!   FIFO, each row written back to 0 as it is read (the memory is clean for the next command).
//!   A group of eight reads starts only when the FIFO has room for its beat and one before it.
//!   A command stopped by `reset` leaves the memory dirty: the next command clears every row first.
//!
//! Cycles: `n` (+2) to count, `T` (+2) to read out, `2^log_depth` after a reset mid-command.

use super::config;
use crate::memory::fifo::Fifo;
use crate::memory::ram::Ram;
use rust_hdl::prelude::*;

/// Counter states.
#[derive(Copy, Clone, PartialEq, Eq, Debug, LogicState)]
pub enum CounterState {
    /// No command.
    Idle,
    /// Zeroing the whole memory (after a command stopped by reset).
    Clear,
    /// Counting the input indices.
    Count,
    /// The last increments are being written.
    CountDrain,
    /// Reading the counts out.
    Read,
    /// Waiting for the last beat to leave.
    ReadDrain,
}

/// The multiplicity counter; see the module docs.
#[derive(LogicBlock)]
pub struct MultiplicityCounter {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: stops the command (the memory is cleared by the next one).
    pub reset: Signal<In, Bit>,
    /// Start a command with `cfg_n` indices into a table of `cfg_table` rows (both checked by the
    /// caller: `1 ≤ n`, `1 ≤ T ≤ 2^log_depth`).
    pub start: Signal<In, Bit>,
    /// Number of indices.
    pub cfg_n: Signal<In, Bits<32>>,
    /// Table rows `T`.
    pub cfg_table: Signal<In, Bits<32>>,
    /// A command is running.
    pub busy: Signal<Out, Bit>,
    /// An index `≥ T` was seen (sticky until the next start).
    pub err_range: Signal<Out, Bit>,
    /// `s_last` was misplaced (sticky until the next start).
    pub err_framing: Signal<Out, Bit>,
    /// One cycle per index counted (for the card's element counter).
    pub stat_element: Signal<Out, Bit>,
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
    counts: Ram<32>,
    out: Fifo<257>,
    depth_m1: Constant<Bits<16>>,
    state: DFF<CounterState>,
    dirty: DFF<Bit>,
    n: DFF<Bits<32>>,
    rows: DFF<Bits<32>>,
    beat: DFF<Bits<256>>,
    lane: DFF<Bits<3>>,
    have: DFF<Bit>,
    seen: DFF<Bits<32>>,
    addr: DFF<Bits<32>>,
    e_range: DFF<Bit>,
    e_framing: DFF<Bit>,
    s1_valid: DFF<Bit>,
    s1_idx: DFF<Bits<16>>,
    fwd_valid: DFF<Bit>,
    fwd_idx: DFF<Bits<16>>,
    fwd_val: DFF<Bits<32>>,
    r_valid: DFF<Bit>,
    r_lane: DFF<Bits<3>>,
    r_close: DFF<Bit>,
    r_last: DFF<Bit>,
    acc: DFF<Bits<256>>,
    idx: Signal<Local, Bits<32>>,
    take: Signal<Local, Bit>,
    use_idx: Signal<Local, Bit>,
    base: Signal<Local, Bits<32>>,
    acc_next: Signal<Local, Bits<256>>,
    consumed: Signal<Local, Bits<32>>,
}

impl MultiplicityCounter {
    /// A counter memory of `2^log_depth` rows (`log_depth ≤ 16`).
    pub fn new(log_depth: usize) -> Self {
        assert!((3..=16).contains(&log_depth), "counter memory of 2^3..2^16 rows");
        Self {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            cfg_n: Default::default(),
            cfg_table: Default::default(),
            busy: Default::default(),
            err_range: Default::default(),
            err_framing: Default::default(),
            stat_element: Default::default(),
            s_data: Default::default(),
            s_valid: Default::default(),
            s_ready: Default::default(),
            s_last: Default::default(),
            m_data: Default::default(),
            m_valid: Default::default(),
            m_ready: Default::default(),
            m_last: Default::default(),
            counts: Ram::new(1 << log_depth),
            out: Fifo::new(config::COUNTER_FIFO_DEPTH),
            depth_m1: Constant::new(bits::<16>(((1u64 << log_depth) - 1) as u64)),
            state: Default::default(),
            dirty: Default::default(),
            n: Default::default(),
            rows: Default::default(),
            beat: Default::default(),
            lane: Default::default(),
            have: Default::default(),
            seen: Default::default(),
            addr: Default::default(),
            e_range: Default::default(),
            e_framing: Default::default(),
            s1_valid: Default::default(),
            s1_idx: Default::default(),
            fwd_valid: Default::default(),
            fwd_idx: Default::default(),
            fwd_val: Default::default(),
            r_valid: Default::default(),
            r_lane: Default::default(),
            r_close: Default::default(),
            r_last: Default::default(),
            acc: Default::default(),
            idx: Default::default(),
            take: Default::default(),
            use_idx: Default::default(),
            base: Default::default(),
            acc_next: Default::default(),
            consumed: Default::default(),
        }
    }
}

impl Logic for MultiplicityCounter {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, dirty, n, rows, beat, lane, have, seen, addr, e_range, e_framing, s1_valid, s1_idx,
            fwd_valid, fwd_idx, fwd_val, r_valid, r_lane, r_close, r_last, acc
        );
        self.counts.clock.next = self.clock.val();
        self.out.clock.next = self.clock.val();
        self.out.reset.next = self.reset.val();

        // ---- Output stream from the FIFO (bit 256 = last).
        self.m_valid.next = !self.out.empty.val();
        self.m_data.next = self.out.dout.val().get_bits::<256>(0);
        self.m_last.next = self.out.dout.val().get_bit(256);
        self.out.pop.next = self.m_ready.val() & !self.out.empty.val();
        self.out.push.next = false;
        self.out.din.next = bit_cast::<257, 256>(self.acc.q.val());

        // ---- Defaults.
        self.s_ready.next = false;
        self.stat_element.next = false;
        self.take.next = false;
        self.use_idx.next = false;
        self.consumed.next = self.seen.q.val();
        self.idx.next = self.beat.q.val().get_bits::<32>(0);
        self.counts.raddr.next = self.idx.val().get_bits::<16>(0);
        self.counts.we.next = false;
        self.counts.waddr.next = self.s1_idx.q.val();
        self.counts.wdata.next = 0.into();
        self.s1_valid.d.next = false;
        self.s1_idx.d.next = self.idx.val().get_bits::<16>(0);
        self.r_valid.d.next = false;
        self.r_lane.d.next = self.addr.q.val().get_bits::<3>(0);
        self.r_close.d.next = false;
        self.r_last.d.next = false;

        // ---- Count stage 1: the old count is in `rdata` (or in the forwarding register).
        self.base.next = self.counts.rdata.val();
        if self.fwd_valid.q.val() & (self.fwd_idx.q.val() == self.s1_idx.q.val()) {
            self.base.next = self.fwd_val.q.val();
        }
        if self.s1_valid.q.val() {
            self.counts.we.next = true;
            self.counts.waddr.next = self.s1_idx.q.val();
            self.counts.wdata.next = self.base.val() + 1;
        }
        self.fwd_valid.d.next = self.s1_valid.q.val();
        self.fwd_idx.d.next = self.s1_idx.q.val();
        self.fwd_val.d.next = self.base.val() + 1;

        // ---- Read-out stage 1: the count of row `addr` read last cycle is in `rdata`.
        self.acc_next.next = self.acc.q.val();
        if self.r_valid.q.val() {
            self.acc_next.next = self.acc.q.val()
                | (bit_cast::<256, 32>(self.counts.rdata.val()) << (bit_cast::<8, 3>(self.r_lane.q.val()) << 5));
        }
        self.acc.d.next = self.acc_next.val();
        if self.r_valid.q.val() & self.r_close.q.val() {
            self.out.push.next = true;
            self.out.din.next = bit_cast::<257, 256>(self.acc_next.val());
            if self.r_last.q.val() {
                self.out.din.next = bit_cast::<257, 256>(self.acc_next.val()) | (bits::<257>(1) << 256);
            }
            self.acc.d.next = 0.into();
        }

        match self.state.q.val() {
            CounterState::Idle => {
                if self.start.val() {
                    self.n.d.next = self.cfg_n.val();
                    self.rows.d.next = self.cfg_table.val();
                    self.seen.d.next = 0.into();
                    self.addr.d.next = 0.into();
                    self.have.d.next = false;
                    self.lane.d.next = 0.into();
                    self.e_range.d.next = false;
                    self.e_framing.d.next = false;
                    self.acc.d.next = 0.into();
                    if self.dirty.q.val() {
                        self.state.d.next = CounterState::Clear;
                    } else {
                        self.dirty.d.next = true;
                        self.state.d.next = CounterState::Count;
                    }
                }
            }
            CounterState::Clear => {
                self.counts.we.next = true;
                self.counts.waddr.next = self.addr.q.val().get_bits::<16>(0);
                self.counts.wdata.next = 0.into();
                if self.addr.q.val().get_bits::<16>(0) == self.depth_m1.val() {
                    self.addr.d.next = 0.into();
                    self.dirty.d.next = true;
                    self.state.d.next = CounterState::Count;
                } else {
                    self.addr.d.next = self.addr.q.val() + 1;
                }
            }
            CounterState::Count => {
                // Take a beat when none is held, or in the cycle its last index is used.
                self.use_idx.next = self.have.q.val();
                self.consumed.next = self.seen.q.val();
                if self.have.q.val() {
                    self.consumed.next = self.seen.q.val() + 1;
                }
                if self.have.q.val() & ((self.lane.q.val() == 7) | (self.seen.q.val() + 1 == self.n.q.val())) {
                    self.take.next = true;
                }
                if !self.have.q.val() {
                    self.take.next = true;
                }
                if self.consumed.val() == self.n.q.val() {
                    self.take.next = false;
                }
                self.s_ready.next = self.take.val();
                if self.use_idx.val() {
                    self.seen.d.next = self.seen.q.val() + 1;
                    self.lane.d.next = self.lane.q.val() + 1;
                    self.beat.d.next = self.beat.q.val() >> 32;
                    self.stat_element.next = true;
                    if self.idx.val() >= self.rows.q.val() {
                        self.e_range.d.next = true;
                    } else {
                        self.s1_valid.d.next = true;
                    }
                    if (self.lane.q.val() == 7) | (self.seen.q.val() + 1 == self.n.q.val()) {
                        self.have.d.next = false;
                    }
                }
                if self.take.val() & self.s_valid.val() {
                    self.beat.d.next = self.s_data.val();
                    self.have.d.next = true;
                    self.lane.d.next = 0.into();
                    // The beat holding index n − 1 starts at index n − 1 − ((n − 1) mod 8).
                    if (self.consumed.val() + 8) >= self.n.q.val() {
                        if !self.s_last.val() {
                            self.e_framing.d.next = true;
                        }
                    } else if self.s_last.val() {
                        // Early `last`: count this beat's indices up to its end, then stop.
                        self.e_framing.d.next = true;
                        self.n.d.next = self.consumed.val() + 8;
                    }
                }
                if self.use_idx.val() & (self.seen.q.val() + 1 == self.n.q.val()) {
                    self.state.d.next = CounterState::CountDrain;
                }
            }
            CounterState::CountDrain => {
                // The last increment is written this cycle; reads start next cycle.
                if !self.s1_valid.q.val() {
                    self.addr.d.next = 0.into();
                    self.state.d.next = CounterState::Read;
                }
            }
            CounterState::Read => {
                // A group of eight reads starts only with room for its beat and one before it.
                if (self.addr.q.val().get_bits::<3>(0) != 0) | (self.out.count.val() < 2) {
                    self.counts.raddr.next = self.addr.q.val().get_bits::<16>(0);
                    self.counts.we.next = true;
                    self.counts.waddr.next = self.addr.q.val().get_bits::<16>(0);
                    self.counts.wdata.next = 0.into();
                    self.r_valid.d.next = true;
                    if (self.addr.q.val().get_bits::<3>(0) == 7) | (self.addr.q.val() + 1 == self.rows.q.val()) {
                        self.r_close.d.next = true;
                    }
                    if self.addr.q.val() + 1 == self.rows.q.val() {
                        self.r_last.d.next = true;
                        self.state.d.next = CounterState::ReadDrain;
                    }
                    self.addr.d.next = self.addr.q.val() + 1;
                }
            }
            CounterState::ReadDrain => {
                if !self.r_valid.q.val() & self.out.empty.val() {
                    self.dirty.d.next = false;
                    self.state.d.next = CounterState::Idle;
                }
            }
        }
        if self.reset.val() {
            self.state.d.next = CounterState::Idle;
            self.s1_valid.d.next = false;
            self.r_valid.d.next = false;
        }
        self.busy.next = self.state.q.val() != CounterState::Idle;
        self.err_range.next = self.e_range.q.val();
        self.err_framing.next = self.e_framing.q.val();
    }
}
