//! The three-unit card's MSM front-end ([`super::triple::CardCoreTriple`]): the two-unit front-end
//! ([`super::msm_front_dual`]) with three request ports and three read-out inputs, one per XYZZ
//! bucket unit (`crate::msm_bucket_xyzz`).
//!
//! * **Load bases**: as `MsmFront` (two beats per point, one card-memory write).
//! * **Accumulate**: one card-memory read per point feeds **all three** units. The digit stream is
//!   the 16-bit digit format with each point's digits in **padded triples**: four slots per triple
//!   (three digits and a fourth slot the card ignores, written 0 by the host), `cfg_windows`
//!   triples per point, point-major, sixteen slots per beat — so a beat holds four triples and a
//!   triple never straddles a beat. Each cycle the front takes the triple `4k, 4k + 1, 4k + 2` of
//!   the point at the FIFO head: digit `4k + u` goes to unit `u`, as local window `k`. So window
//!   `w` of the group is window `w / 3` of unit `w mod 3`. The triple is taken only when all
//!   three units are ready (lockstep: each unit's `valid` is gated with the other two's `ready`, so
//!   no unit takes a request alone); the point is popped after its last triple.
//! * **Read-out**: unit 0's 1 024-bit words first (`X ‖ Y ‖ ZZ ‖ ZZZ`: its buckets, or its chain
//!   sums after an on-card reduction), then unit 1's, then unit 2's, each as four 256-bit beats;
//!   `last` on the `ZZZ` beat of unit 2's last word. The command is done when that beat has left
//!   and no card-memory read is in flight.

use super::config;
use super::msm_front::FrontState;
use crate::memory::fifo::Fifo;
use rust_hdl::prelude::*;

/// The three-unit MSM front-end; see the module docs.
#[derive(LogicBlock)]
pub struct MsmFrontTriple {
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
    /// Windows per unit: padded digit triples per point (the group's windows over three).
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
    /// Request to the three units: affine x.
    pub q_x: Signal<Out, Bits<256>>,
    /// Request: affine y.
    pub q_y: Signal<Out, Bits<256>>,
    /// Request: the point is the identity.
    pub q_inf: Signal<Out, Bit>,
    /// Request: local window (triple index within the point).
    pub q_window: Signal<Out, Bits<8>>,
    /// Request last (all units).
    pub q_last: Signal<Out, Bit>,
    /// Unit 0: negative digit.
    pub q0_neg: Signal<Out, Bit>,
    /// Unit 0: bucket number plus one (0 = none).
    pub q0_mag: Signal<Out, Bits<16>>,
    /// Unit 0: request valid (gated with units 1 and 2's ready).
    pub q0_valid: Signal<Out, Bit>,
    /// Unit 0: ready.
    pub q0_ready: Signal<In, Bit>,
    /// Unit 1: negative digit.
    pub q1_neg: Signal<Out, Bit>,
    /// Unit 1: bucket number plus one (0 = none).
    pub q1_mag: Signal<Out, Bits<16>>,
    /// Unit 1: request valid (gated with units 0 and 2's ready).
    pub q1_valid: Signal<Out, Bit>,
    /// Unit 1: ready.
    pub q1_ready: Signal<In, Bit>,
    /// Unit 2: negative digit.
    pub q2_neg: Signal<Out, Bit>,
    /// Unit 2: bucket number plus one (0 = none).
    pub q2_mag: Signal<Out, Bits<16>>,
    /// Unit 2: request valid (gated with units 0 and 1's ready).
    pub q2_valid: Signal<Out, Bit>,
    /// Unit 2: ready.
    pub q2_ready: Signal<In, Bit>,
    /// Unit 0's read-out word.
    pub b0_data: Signal<In, Bits<1024>>,
    /// Unit 0's read-out valid.
    pub b0_valid: Signal<In, Bit>,
    /// Unit 0's read-out ready.
    pub b0_ready: Signal<Out, Bit>,
    /// Unit 0's last word.
    pub b0_last: Signal<In, Bit>,
    /// Unit 1's read-out word.
    pub b1_data: Signal<In, Bits<1024>>,
    /// Unit 1's read-out valid.
    pub b1_valid: Signal<In, Bit>,
    /// Unit 1's read-out ready.
    pub b1_ready: Signal<Out, Bit>,
    /// Unit 1's last word.
    pub b1_last: Signal<In, Bit>,
    /// Unit 2's read-out word.
    pub b2_data: Signal<In, Bits<1024>>,
    /// Unit 2's read-out valid.
    pub b2_valid: Signal<In, Bit>,
    /// Unit 2's read-out ready.
    pub b2_ready: Signal<Out, Bit>,
    /// Unit 2's last word.
    pub b2_last: Signal<In, Bit>,
    /// A triple of digits went to the units this cycle.
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
    ob: DFF<Bits<1024>>,
    ob_n: DFF<Bits<3>>,
    ob_last: DFF<Bit>,
    out_seen: DFF<Bit>,
    rsel: DFF<Bits<2>>,
    flush: Signal<Local, Bit>,
    load_final: Signal<Local, Bit>,
    wr_phase: Signal<Local, Bit>,
    load_take: Signal<Local, Bit>,
    rd_issue: Signal<Local, Bit>,
    digit0: Signal<Local, Bits<16>>,
    digit1: Signal<Local, Bits<16>>,
    digit2: Signal<Local, Bits<16>>,
    all_ready: Signal<Local, Bit>,
    room: Signal<Local, Bit>,
    req_valid: Signal<Local, Bit>,
    req_take: Signal<Local, Bit>,
    req_final: Signal<Local, Bit>,
    beat_end: Signal<Local, Bit>,
    early_end: Signal<Local, Bit>,
    refill: Signal<Local, Bit>,
    out_take: Signal<Local, Bit>,
    b0_take: Signal<Local, Bit>,
    b1_take: Signal<Local, Bit>,
    b2_take: Signal<Local, Bit>,
    idx_half: Signal<Local, Bits<33>>,
    dshift: Signal<Local, Bits<256>>,
}

impl Default for MsmFrontTriple {
    fn default() -> Self {
        Self::new(config::POINT_FIFO_DEPTH)
    }
}

impl MsmFrontTriple {
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
            q_window: Default::default(),
            q_last: Default::default(),
            q0_neg: Default::default(),
            q0_mag: Default::default(),
            q0_valid: Default::default(),
            q0_ready: Default::default(),
            q1_neg: Default::default(),
            q1_mag: Default::default(),
            q1_valid: Default::default(),
            q1_ready: Default::default(),
            q2_neg: Default::default(),
            q2_mag: Default::default(),
            q2_valid: Default::default(),
            q2_ready: Default::default(),
            b0_data: Default::default(),
            b0_valid: Default::default(),
            b0_ready: Default::default(),
            b0_last: Default::default(),
            b1_data: Default::default(),
            b1_valid: Default::default(),
            b1_ready: Default::default(),
            b1_last: Default::default(),
            b2_data: Default::default(),
            b2_valid: Default::default(),
            b2_ready: Default::default(),
            b2_last: Default::default(),
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
            rsel: Default::default(),
            flush: Default::default(),
            load_final: Default::default(),
            wr_phase: Default::default(),
            load_take: Default::default(),
            rd_issue: Default::default(),
            digit0: Default::default(),
            digit1: Default::default(),
            digit2: Default::default(),
            all_ready: Default::default(),
            room: Default::default(),
            req_valid: Default::default(),
            req_take: Default::default(),
            req_final: Default::default(),
            beat_end: Default::default(),
            early_end: Default::default(),
            refill: Default::default(),
            out_take: Default::default(),
            b0_take: Default::default(),
            b1_take: Default::default(),
            b2_take: Default::default(),
            idx_half: Default::default(),
            dshift: Default::default(),
        }
    }
}

impl Logic for MsmFrontTriple {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, base, n, windows, idx, xreg, ok_r, done_r, framing_r, rd_next, inflight, pt, win, dbeat, dvalid, dlast, didx, ob, ob_n,
            ob_last, out_seen, rsel
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
        self.load_take.next = (self.state.q.val() == FrontState::Load) & self.s_valid.val() & (!self.wr_phase.val() | self.mem_wr_ready.val());

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

        // ---- Accumulate: padded triples of digits and requests to the three units.
        self.dshift.next = self.dbeat.q.val() >> (bit_cast::<8, 4>(self.didx.q.val()) << 4);
        self.digit0.next = self.dshift.val().get_bits::<16>(0);
        self.digit1.next = self.dshift.val().get_bits::<16>(16);
        self.digit2.next = self.dshift.val().get_bits::<16>(32);
        self.req_valid.next = (self.state.q.val() == FrontState::Acc) & self.dvalid.q.val() & !self.points.empty.val();
        self.req_final.next = ((self.pt.q.val() + 1) == self.n.q.val()) & ((self.win.q.val() + 1) == self.windows.q.val());
        self.beat_end.next = self.didx.q.val() == 12;
        self.early_end.next = self.dlast.q.val() & self.beat_end.val() & !self.req_final.val();
        self.all_ready.next = self.q0_ready.val() & self.q1_ready.val() & self.q2_ready.val();
        self.q0_valid.next = self.req_valid.val() & self.q1_ready.val() & self.q2_ready.val();
        self.q1_valid.next = self.req_valid.val() & self.q0_ready.val() & self.q2_ready.val();
        self.q2_valid.next = self.req_valid.val() & self.q0_ready.val() & self.q1_ready.val();
        self.q_x.next = self.points.dout.val().get_bits::<256>(0);
        self.q_y.next = bit_cast::<256, 255>(self.points.dout.val().get_bits::<255>(256));
        self.q_inf.next = self.points.dout.val().get_bit(511);
        self.q0_neg.next = self.digit0.val().get_bit(15);
        self.q0_mag.next = bit_cast::<16, 15>(self.digit0.val().get_bits::<15>(0));
        self.q1_neg.next = self.digit1.val().get_bit(15);
        self.q1_mag.next = bit_cast::<16, 15>(self.digit1.val().get_bits::<15>(0));
        self.q2_neg.next = self.digit2.val().get_bit(15);
        self.q2_mag.next = bit_cast::<16, 15>(self.digit2.val().get_bits::<15>(0));
        self.q_window.next = self.win.q.val();
        self.q_last.next = self.req_final.val() | self.early_end.val();
        self.req_take.next = self.req_valid.val() & self.all_ready.val();
        self.stat_digit.next = self.req_take.val();
        self.stat_stall.next = self.req_valid.val() & !self.all_ready.val();
        self.points.pop.next = false;
        self.refill.next = (self.state.q.val() == FrontState::Acc) & (!self.dvalid.q.val() | (self.req_take.val() & self.beat_end.val() & !self.q_last.val()));

        // ---- Read-out: unit 0's words, then unit 1's, then unit 2's, each as four beats.
        self.room.next = (self.ob_n.q.val() == 0) | ((self.ob_n.q.val() == 1) & self.m_ready.val());
        self.b0_ready.next = self.room.val() & (self.rsel.q.val() == 0);
        self.b1_ready.next = self.room.val() & (self.rsel.q.val() == 1);
        self.b2_ready.next = self.room.val() & (self.rsel.q.val() == 2);
        self.m_valid.next = self.ob_n.q.val() != 0;
        self.m_data.next = self.ob.q.val().get_bits::<256>(0);
        self.m_last.next = self.ob_last.q.val() & (self.ob_n.q.val() == 1);
        self.out_take.next = (self.ob_n.q.val() != 0) & self.m_ready.val();
        self.b0_take.next = self.b0_valid.val() & self.b0_ready.val();
        self.b1_take.next = self.b1_valid.val() & self.b1_ready.val();
        self.b2_take.next = self.b2_valid.val() & self.b2_ready.val();
        if self.out_take.val() {
            self.ob.d.next = self.ob.q.val() >> 256;
            self.ob_n.d.next = self.ob_n.q.val() - 1;
            if self.ob_last.q.val() & (self.ob_n.q.val() == 1) {
                self.out_seen.d.next = true;
            }
        }
        if self.b0_take.val() {
            self.ob.d.next = self.b0_data.val();
            self.ob_n.d.next = 4.into();
            self.ob_last.d.next = false;
            if self.b0_last.val() {
                self.rsel.d.next = 1.into();
            }
        }
        if self.b1_take.val() {
            self.ob.d.next = self.b1_data.val();
            self.ob_n.d.next = 4.into();
            self.ob_last.d.next = false;
            if self.b1_last.val() {
                self.rsel.d.next = 2.into();
            }
        }
        if self.b2_take.val() {
            self.ob.d.next = self.b2_data.val();
            self.ob_n.d.next = 4.into();
            self.ob_last.d.next = self.b2_last.val();
            if self.b2_last.val() {
                self.rsel.d.next = 0.into();
            }
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
                self.rsel.d.next = 0.into();
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
                    self.didx.d.next = self.didx.q.val() + 4;
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
            self.rsel.d.next = 0.into();
        }
        self.done.next = self.done_r.q.val();
        self.ok.next = self.ok_r.q.val();
        self.framing.next = self.framing_r.q.val();
    }
}
