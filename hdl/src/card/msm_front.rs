//! The card's MSM front-end: the data movers between the streams, card memory and the bucket
//! scheduler.
//!
//! * **Load bases** (`start_load`): two host beats per point (`x`, then `y` with the infinity
//!   flag in bit 255) become one 512-bit card-memory write at `base + i`. `last` must sit on beat
//!   `2n − 1`; an early `last` ends the load, a missing one is reported; either way `ok` stays low
//!   and the control leaves the slot invalid.
//! * **Accumulate** (`start_acc`): card-memory reads of points `0..n` (`base + i`) into a point
//!   FIFO, issued only while the FIFO has room for every answer in flight (the read data channel
//!   has no back-pressure); the digit stream (sixteen 16-bit sign-magnitude digits per beat,
//!   point-major, `windows` per point) is unpacked one digit per cycle; each digit and the point
//!   at the FIFO head form one request to the scheduler (window = digit index within the point).
//!   The request of the last digit carries `last`; so does the last digit of a beat marked `last`
//!   when digits are still missing (a framing error: the group is closed rather than hung).
//! * **Read-out**: each 768-bit word of the scheduler — a bucket, or after an on-card reduction
//!   (`MsmOp::ACCUMULATE_REDUCE`) a chain sum `S_q`/`T_q` — leaves as three 256-bit beats `X`,
//!   `Y`, `Z`; `last` on the `Z` beat of the last word. The command is done when that beat has
//!   left and no card-memory read is in flight (the point FIFO is then flushed).

use super::config;
use crate::memory::fifo::Fifo;
use rust_hdl::prelude::*;

/// Front-end states.
#[derive(Copy, Clone, PartialEq, Eq, Debug, LogicState)]
pub enum FrontState {
    /// No command.
    Idle,
    /// Loading bases into card memory.
    Load,
    /// Streaming requests to the scheduler.
    Acc,
    /// Requests done: waiting for the read-out and for reads in flight.
    AccOut,
    /// Emptying the point FIFO.
    Flush,
}

/// The MSM front-end; see the module docs.
#[derive(LogicBlock)]
pub struct MsmFront {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// Start a load of `cfg_points` bases at `cfg_base`.
    pub start_load: Signal<In, Bit>,
    /// Start accumulating one group: `cfg_points` points from `cfg_base`, `cfg_windows` digits each.
    pub start_acc: Signal<In, Bit>,
    /// Card-memory address of point 0.
    pub cfg_base: Signal<In, Bits<32>>,
    /// Number of points.
    pub cfg_points: Signal<In, Bits<32>>,
    /// Windows (digits per point) of the group.
    pub cfg_windows: Signal<In, Bits<8>>,
    /// The command has finished (one-cycle pulse).
    pub done: Signal<Out, Bit>,
    /// With `done` of a load: every point was written and `last` was where expected.
    pub ok: Signal<Out, Bit>,
    /// A framing error was seen in the current or last command.
    pub framing: Signal<Out, Bit>,
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
    /// Card-memory read data valid (answers in request order, never refused).
    pub mem_rd_data_valid: Signal<In, Bit>,
    /// Card-memory read data (one point: `x` in bits 0..256, `y` in 256..512, infinity bit 511).
    pub mem_rd_data: Signal<In, Bits<512>>,
    /// Card-memory write valid.
    pub mem_wr_valid: Signal<Out, Bit>,
    /// Card-memory write ready.
    pub mem_wr_ready: Signal<In, Bit>,
    /// Card-memory write address (points).
    pub mem_wr_addr: Signal<Out, Bits<32>>,
    /// Card-memory write data.
    pub mem_wr_data: Signal<Out, Bits<512>>,
    /// Request to the scheduler: affine x.
    pub q_x: Signal<Out, Bits<256>>,
    /// Request: affine y.
    pub q_y: Signal<Out, Bits<256>>,
    /// Request: the point is the identity.
    pub q_inf: Signal<Out, Bit>,
    /// Request: negative digit.
    pub q_neg: Signal<Out, Bit>,
    /// Request: bucket number plus one (0 = none).
    pub q_mag: Signal<Out, Bits<16>>,
    /// Request: window within the group.
    pub q_window: Signal<Out, Bits<8>>,
    /// Request valid.
    pub q_valid: Signal<Out, Bit>,
    /// Request ready (the scheduler's `s_ready`).
    pub q_ready: Signal<In, Bit>,
    /// Request last.
    pub q_last: Signal<Out, Bit>,
    /// Bucket word from the scheduler.
    pub b_data: Signal<In, Bits<768>>,
    /// Bucket valid.
    pub b_valid: Signal<In, Bit>,
    /// Bucket ready.
    pub b_ready: Signal<Out, Bit>,
    /// Last bucket of the group.
    pub b_last: Signal<In, Bit>,
    /// A digit went to the scheduler this cycle.
    pub stat_digit: Signal<Out, Bit>,
    /// A request waited for the scheduler this cycle.
    pub stat_stall: Signal<Out, Bit>,
    /// A card-memory read was issued this cycle.
    pub stat_read: Signal<Out, Bit>,
    fifo_room: Constant<Bits<8>>,
    points: Fifo<512>,
    state: DFF<FrontState>,
    base: DFF<Bits<32>>,
    n: DFF<Bits<32>>,
    windows: DFF<Bits<8>>,
    idx: DFF<Bits<33>>,
    xreg: DFF<Bits<256>>,
    ok_r: DFF<Bit>,
    done_r: DFF<Bit>,
    framing_r: DFF<Bit>,
    rd_next: DFF<Bits<32>>,
    inflight: DFF<Bits<8>>,
    pt: DFF<Bits<32>>,
    win: DFF<Bits<8>>,
    dbeat: DFF<Bits<256>>,
    dvalid: DFF<Bit>,
    dlast: DFF<Bit>,
    didx: DFF<Bits<4>>,
    ob: DFF<Bits<768>>,
    ob_n: DFF<Bits<2>>,
    ob_last: DFF<Bit>,
    out_seen: DFF<Bit>,
    flush: Signal<Local, Bit>,
    load_final: Signal<Local, Bit>,
    wr_phase: Signal<Local, Bit>,
    load_take: Signal<Local, Bit>,
    rd_issue: Signal<Local, Bit>,
    digit: Signal<Local, Bits<16>>,
    req_valid: Signal<Local, Bit>,
    req_take: Signal<Local, Bit>,
    req_final: Signal<Local, Bit>,
    beat_end: Signal<Local, Bit>,
    early_end: Signal<Local, Bit>,
    refill: Signal<Local, Bit>,
    out_take: Signal<Local, Bit>,
    b_take: Signal<Local, Bit>,
    idx_half: Signal<Local, Bits<33>>,
    dshift: Signal<Local, Bits<256>>,
}

impl Default for MsmFront {
    fn default() -> Self {
        Self::new(config::POINT_FIFO_DEPTH)
    }
}

impl MsmFront {
    /// A front-end with a point FIFO of `point_fifo` entries (a power of two, 4..=128).
    pub fn new(point_fifo: usize) -> Self {
        assert!(point_fifo.is_power_of_two() && (4..=128).contains(&point_fifo), "point FIFO of {point_fifo} entries");
        Self {
            clock: Default::default(),
            reset: Default::default(),
            start_load: Default::default(),
            start_acc: Default::default(),
            cfg_base: Default::default(),
            cfg_points: Default::default(),
            cfg_windows: Default::default(),
            done: Default::default(),
            ok: Default::default(),
            framing: Default::default(),
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
            q_x: Default::default(),
            q_y: Default::default(),
            q_inf: Default::default(),
            q_neg: Default::default(),
            q_mag: Default::default(),
            q_window: Default::default(),
            q_valid: Default::default(),
            q_ready: Default::default(),
            q_last: Default::default(),
            b_data: Default::default(),
            b_valid: Default::default(),
            b_ready: Default::default(),
            b_last: Default::default(),
            stat_digit: Default::default(),
            stat_stall: Default::default(),
            stat_read: Default::default(),
            fifo_room: Constant::new(bits::<8>(point_fifo as u64 - 2)),
            points: Fifo::new(point_fifo),
            state: Default::default(),
            base: Default::default(),
            n: Default::default(),
            windows: Default::default(),
            idx: Default::default(),
            xreg: Default::default(),
            ok_r: Default::default(),
            done_r: Default::default(),
            framing_r: Default::default(),
            rd_next: Default::default(),
            inflight: Default::default(),
            pt: Default::default(),
            win: Default::default(),
            dbeat: Default::default(),
            dvalid: Default::default(),
            dlast: Default::default(),
            didx: Default::default(),
            ob: Default::default(),
            ob_n: Default::default(),
            ob_last: Default::default(),
            out_seen: Default::default(),
            flush: Default::default(),
            load_final: Default::default(),
            wr_phase: Default::default(),
            load_take: Default::default(),
            rd_issue: Default::default(),
            digit: Default::default(),
            req_valid: Default::default(),
            req_take: Default::default(),
            req_final: Default::default(),
            beat_end: Default::default(),
            early_end: Default::default(),
            refill: Default::default(),
            out_take: Default::default(),
            b_take: Default::default(),
            idx_half: Default::default(),
            dshift: Default::default(),
        }
    }
}

impl Logic for MsmFront {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, base, n, windows, idx, xreg, ok_r, done_r, framing_r, rd_next, inflight, pt, win,
            dbeat, dvalid, dlast, didx, ob, ob_n, ob_last, out_seen
        );
        self.points.clock.next = self.clock.val();
        self.flush.next = self.state.q.val() == FrontState::Flush;
        self.points.reset.next = self.reset.val() | self.flush.val();
        self.done_r.d.next = false;

        // ---- Load: two beats per point, one card-memory write.
        self.wr_phase.next = self.idx.q.val().get_bit(0);
        self.load_final.next = (self.idx.q.val() + 1) == (bit_cast::<33, 32>(self.n.q.val()) << 1);
        self.mem_wr_valid.next = (self.state.q.val() == FrontState::Load) & self.wr_phase.val() & self.s_valid.val();
        self.idx_half.next = self.idx.q.val() >> 1;
        self.mem_wr_addr.next = self.base.q.val() + self.idx_half.val().get_bits::<32>(0);
        self.mem_wr_data.next = bit_cast::<512, 256>(self.xreg.q.val()) | (bit_cast::<512, 256>(self.s_data.val()) << 256);
        self.load_take.next = (self.state.q.val() == FrontState::Load)
            & self.s_valid.val()
            & (!self.wr_phase.val() | self.mem_wr_ready.val());

        // ---- Accumulate: card-memory reads into the point FIFO.
        self.rd_issue.next = (self.state.q.val() == FrontState::Acc)
            & (self.rd_next.q.val() != self.n.q.val())
            & ((self.inflight.q.val() + self.points.count.val()) < self.fifo_room.val());
        self.mem_rd_valid.next = self.rd_issue.val();
        self.mem_rd_addr.next = self.base.q.val() + self.rd_next.q.val();
        self.points.push.next = self.mem_rd_data_valid.val();
        self.points.din.next = self.mem_rd_data.val();
        if self.rd_issue.val() & self.mem_rd_ready.val() {
            self.rd_next.d.next = self.rd_next.q.val() + 1;
        }
        if self.rd_issue.val() & self.mem_rd_ready.val() & !self.mem_rd_data_valid.val() {
            self.inflight.d.next = self.inflight.q.val() + 1;
        }
        if !(self.rd_issue.val() & self.mem_rd_ready.val()) & self.mem_rd_data_valid.val() {
            self.inflight.d.next = self.inflight.q.val() - 1;
        }
        self.stat_read.next = self.rd_issue.val() & self.mem_rd_ready.val();

        // ---- Accumulate: digits and requests.
        self.dshift.next = self.dbeat.q.val() >> (bit_cast::<8, 4>(self.didx.q.val()) << 4);
        self.digit.next = self.dshift.val().get_bits::<16>(0);
        self.req_valid.next = (self.state.q.val() == FrontState::Acc) & self.dvalid.q.val() & !self.points.empty.val();
        self.req_final.next = ((self.pt.q.val() + 1) == self.n.q.val()) & ((self.win.q.val() + 1) == self.windows.q.val());
        self.beat_end.next = self.didx.q.val() == 15;
        self.early_end.next = self.dlast.q.val() & self.beat_end.val() & !self.req_final.val();
        self.q_valid.next = self.req_valid.val();
        self.q_x.next = self.points.dout.val().get_bits::<256>(0);
        self.q_y.next = bit_cast::<256, 255>(self.points.dout.val().get_bits::<255>(256));
        self.q_inf.next = self.points.dout.val().get_bit(511);
        self.q_neg.next = self.digit.val().get_bit(15);
        self.q_mag.next = bit_cast::<16, 15>(self.digit.val().get_bits::<15>(0));
        self.q_window.next = self.win.q.val();
        self.q_last.next = self.req_final.val() | self.early_end.val();
        self.req_take.next = self.req_valid.val() & self.q_ready.val();
        self.stat_digit.next = self.req_take.val();
        self.stat_stall.next = self.req_valid.val() & !self.q_ready.val();
        self.points.pop.next = false;
        self.refill.next = (self.state.q.val() == FrontState::Acc)
            & (!self.dvalid.q.val() | (self.req_take.val() & self.beat_end.val() & !self.q_last.val()));

        // ---- Read-out: 768-bit buckets as three beats.
        self.b_ready.next = (self.ob_n.q.val() == 0) | ((self.ob_n.q.val() == 1) & self.m_ready.val());
        self.m_valid.next = self.ob_n.q.val() != 0;
        self.m_data.next = self.ob.q.val().get_bits::<256>(0);
        self.m_last.next = self.ob_last.q.val() & (self.ob_n.q.val() == 1);
        self.out_take.next = (self.ob_n.q.val() != 0) & self.m_ready.val();
        self.b_take.next = self.b_valid.val() & self.b_ready.val();
        if self.out_take.val() {
            self.ob.d.next = self.ob.q.val() >> 256;
            self.ob_n.d.next = self.ob_n.q.val() - 1;
            if self.ob_last.q.val() & (self.ob_n.q.val() == 1) {
                self.out_seen.d.next = true;
            }
        }
        if self.b_take.val() {
            self.ob.d.next = self.b_data.val();
            self.ob_n.d.next = 3.into();
            self.ob_last.d.next = self.b_last.val();
        }

        // ---- Control.
        self.s_ready.next = false;
        match self.state.q.val() {
            FrontState::Idle => {
                self.base.d.next = self.cfg_base.val();
                self.n.d.next = self.cfg_points.val();
                self.windows.d.next = self.cfg_windows.val();
                self.idx.d.next = 0.into();
                self.rd_next.d.next = 0.into();
                self.pt.d.next = 0.into();
                self.win.d.next = 0.into();
                self.dvalid.d.next = false;
                self.didx.d.next = 0.into();
                self.out_seen.d.next = false;
                if self.start_load.val() {
                    self.framing_r.d.next = false;
                    self.ok_r.d.next = false;
                    self.state.d.next = FrontState::Load;
                }
                if self.start_acc.val() {
                    self.framing_r.d.next = false;
                    self.ok_r.d.next = false;
                    self.state.d.next = FrontState::Acc;
                }
            }
            FrontState::Load => {
                self.s_ready.next = !self.wr_phase.val() | self.mem_wr_ready.val();
                if self.load_take.val() {
                    self.idx.d.next = self.idx.q.val() + 1;
                    if !self.wr_phase.val() {
                        self.xreg.d.next = self.s_data.val();
                    }
                    if self.load_final.val() {
                        self.ok_r.d.next = self.s_last.val();
                        self.framing_r.d.next = !self.s_last.val();
                        self.done_r.d.next = true;
                        self.state.d.next = FrontState::Idle;
                    } else if self.s_last.val() {
                        self.framing_r.d.next = true;
                        self.done_r.d.next = true;
                        self.state.d.next = FrontState::Idle;
                    }
                }
            }
            FrontState::Acc => {
                self.s_ready.next = self.refill.val();
                if self.req_take.val() {
                    self.didx.d.next = self.didx.q.val() + 1;
                    if self.beat_end.val() {
                        self.dvalid.d.next = false;
                    }
                    if self.q_last.val() {
                        self.dvalid.d.next = false;
                        if self.early_end.val() | !self.dlast.q.val() {
                            self.framing_r.d.next = true;
                        }
                        self.state.d.next = FrontState::AccOut;
                    } else if (self.win.q.val() + 1) == self.windows.q.val() {
                        self.win.d.next = 0.into();
                        self.pt.d.next = self.pt.q.val() + 1;
                        self.points.pop.next = true;
                    } else {
                        self.win.d.next = self.win.q.val() + 1;
                    }
                }
                if self.refill.val() & self.s_valid.val() {
                    self.dbeat.d.next = self.s_data.val();
                    self.dvalid.d.next = true;
                    self.dlast.d.next = self.s_last.val();
                    self.didx.d.next = 0.into();
                }
            }
            FrontState::AccOut => {
                if self.out_seen.q.val() & (self.inflight.q.val() == 0) {
                    self.state.d.next = FrontState::Flush;
                }
            }
            FrontState::Flush => {
                self.ok_r.d.next = !self.framing_r.q.val();
                self.done_r.d.next = true;
                self.state.d.next = FrontState::Idle;
            }
        }
        if self.reset.val() {
            self.state.d.next = FrontState::Idle;
            self.inflight.d.next = 0.into();
            self.ob_n.d.next = 0.into();
            self.dvalid.d.next = false;
            self.done_r.d.next = false;
            self.framing_r.d.next = false;
        }
        self.done.next = self.done_r.q.val();
        self.ok.next = self.ok_r.q.val();
        self.framing.next = self.framing_r.q.val();
    }
}
