//! The batch inverter: `m_i / (β + x_i)` for a batch of `n ≤ 2^log_depth` elements by Montgomery's
//! trick on one pipelined multiplier ([`MontMulPipelinedXcup`], a product per cycle), in two
//! commands with the inversion of the chain products on the host between them.
//!
//! The multiplier's latency (`L` = 85 cycles) is hidden by [`CHAINS`] = 128 interleaved prefix
//! chains: element `i` belongs to chain `c = i mod 128`, whose running product is
//! `P_i = P_{i−128} · a_i` (`P_i = a_i` for `i < 128`). `P_{i−128}` is read from memory; it was
//! written back at least `128 > L + 1` cycles earlier, so the chain never waits and the forward
//! pass takes one product per input beat, bubbles or not.
//!
//! * **Forward** (`cfg_backward` low): `a_i = β + x_i` (pipelined modular adder), a zero `a_i` sets
//!   the sticky `err_zero`; `a_i` and (with `cfg_scale`) `m_i` are kept, `P_i` computed, then the
//!   128 chain products `P_{last(c)}` (1 for an empty chain) leave through the output FIFO.
//! * **Backward** (`cfg_backward` high): the host streams `Q_c = P_{last(c)}^{-1}`; for `i = n−1`
//!   down to 0 two products, `inv_i = Q_c · P_{i−128}` (written over `P_i`, which no later step
//!   reads) and `Q_c ← Q_c · a_i`; then `out_i = inv_i · m_i` (or `· 1`) for `i = 0..n`, in order.
//!
//! Output products are issued only while the FIFO has room for every result in flight (the
//! multiplier cannot stall), so back-pressure never loses data. Every product goes through the one
//! multiplier; its destination (P memory, Q memory or FIFO) travels beside it in a delay line.
//! Cycles for `n` elements: forward `n` + 128 + ~2L, backward 128 + 2n + n + ~2L.
//!
//! The one field inversion (of the 128 chain products, itself batched by the host's Montgomery
//! trick) is done by the host: on the card it would be an exponentiation `x^(p−2)`, ~380 dependent
//! products, i.e. ~380·L ≈ 32 000 cycles even with all 128 chains interleaved, against a few
//! microseconds on a host core, and the chain products have to cross the bus anyway.

use super::config::{self, CHAINS};
use crate::delay_line::DelayLine;
use crate::field::{fr_to_bits, Bn254Field};
use crate::memory::fifo::Fifo;
use crate::memory::ram::Ram;
use crate::mod_add_sub::{AddSubOp, ModAddSub};
use crate::montmul_pipelined::config::LATENCY as MUL_LATENCY;
use crate::montmul_pipelined::MontMulPipelinedXcup;
use ark_bn254::Fr;
use ark_ff::One;
use rust_hdl::prelude::*;

/// Batch inverter states.
#[derive(Copy, Clone, PartialEq, Eq, Debug, LogicState)]
pub enum InverterState {
    /// No command.
    Idle,
    /// Forward: taking `x_i` (then `m_i`).
    Fwd,
    /// Forward: waiting for the last prefix products.
    FwdDrain,
    /// Forward: issuing the chain products.
    Totals,
    /// Backward: taking the chain inverses.
    LoadQ,
    /// Backward: unwinding the chains.
    Back,
    /// Backward: waiting for the last inverses.
    BackDrain,
    /// Backward: issuing the results.
    Out,
    /// Waiting for the output FIFO to empty.
    Drain,
}

/// What the multiplier computes for an issued product.
#[derive(Copy, Clone, PartialEq, Eq, Debug, LogicState)]
pub enum MulKind {
    /// `P_i = a_i · P_{i−128}`.
    Prefix,
    /// `inv_i = Q_c · P_{i−128}`.
    Inverse,
    /// `Q_c ← Q_c · a_i`.
    Chain,
    /// An output: `P · m` (or `P · 1`).
    Output,
}

/// Destinations of a product (tag bits 16..18).
const DEST_P: u64 = 0;
const DEST_Q: u64 = 1;
const DEST_OUT: u64 = 2;

/// The batch inverter; see the module docs.
#[derive(LogicBlock)]
pub struct BatchInverter {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: stops the command.
    pub reset: Signal<In, Bit>,
    /// Start a pass with `cfg_n` elements (checked by the caller: `1 ≤ n ≤ 2^log_depth`).
    pub start: Signal<In, Bit>,
    /// The backward pass (else the forward pass).
    pub cfg_backward: Signal<In, Bit>,
    /// Elements in the batch.
    pub cfg_n: Signal<In, Bits<32>>,
    /// Scale by `m_i` (the forward pass reads them).
    pub cfg_scale: Signal<In, Bit>,
    /// `β` (wire format, `< p`), added to every `x_i`.
    pub cfg_beta: Signal<In, Bits<256>>,
    /// A command is running.
    pub busy: Signal<Out, Bit>,
    /// A zero `β + x_i` was seen (sticky until the next forward start).
    pub err_zero: Signal<Out, Bit>,
    /// `s_last` was misplaced (sticky until the next start).
    pub err_framing: Signal<Out, Bit>,
    /// One cycle per element taken (x beats of the forward pass).
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
    mul: MontMulPipelinedXcup,
    add: ModAddSub,
    tag: DelayLine<19>,
    a_mem: Ram<256>,
    p_mem: Ram<256>,
    m_mem: Ram<256>,
    q_mem: Ram<256>,
    out: Fifo<257>,
    one: Constant<Bits<256>>,
    credits: Constant<Bits<9>>,
    chains_m1: Constant<Bits<32>>,
    chains16: Constant<Bits<16>>,
    t_p: Constant<Bits<19>>,
    t_q: Constant<Bits<19>>,
    t_out: Constant<Bits<19>>,
    t_last: Constant<Bits<19>>,
    d_p: Constant<Bits<2>>,
    d_q: Constant<Bits<2>>,
    d_out: Constant<Bits<2>>,
    state: DFF<InverterState>,
    n: DFF<Bits<32>>,
    total: DFF<Bits<32>>,
    scale: DFF<Bit>,
    beta: DFF<Bits<256>>,
    bcnt: DFF<Bits<32>>,
    xcnt: DFF<Bits<32>>,
    fi: DFF<Bits<32>>,
    idx: DFF<Bits<32>>,
    sub: DFF<Bit>,
    inflight: DFF<Bits<8>>,
    e_zero: DFF<Bit>,
    e_framing: DFF<Bit>,
    r_valid: DFF<Bit>,
    r_kind: DFF<MulKind>,
    r_one: DFF<Bit>,
    r_scale: DFF<Bit>,
    r_x: DFF<Bits<256>>,
    r_tag: DFF<Bits<19>>,
    issue: Signal<Local, Bit>,
    issue_kind: Signal<Local, MulKind>,
    issue_one: Signal<Local, Bit>,
    issue_scale: Signal<Local, Bit>,
    issue_tag: Signal<Local, Bits<19>>,
    room: Signal<Local, Bit>,
    nm1: Signal<Local, Bits<16>>,
    hi: Signal<Local, Bits<16>>,
    lo: Signal<Local, Bits<16>>,
    c16: Signal<Local, Bits<16>>,
    out_dest: Signal<Local, Bits<2>>,
    m_off: Signal<Local, Bits<32>>,
    n_m1: Signal<Local, Bits<32>>,
    fi_back: Signal<Local, Bits<32>>,
    idx_back: Signal<Local, Bits<32>>,
}

impl BatchInverter {
    /// An inverter for batches of up to `2^log_depth` elements (`7 ≤ log_depth ≤ 16`).
    pub fn new(log_depth: usize) -> Self {
        assert!((7..=16).contains(&log_depth), "batch memories of 2^7..2^16 elements");
        let depth = 1 << log_depth;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            cfg_backward: Default::default(),
            cfg_n: Default::default(),
            cfg_scale: Default::default(),
            cfg_beta: Default::default(),
            busy: Default::default(),
            err_zero: Default::default(),
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
            mul: MontMulPipelinedXcup::bn254(Bn254Field::Fr),
            add: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Add),
            tag: DelayLine::new(MUL_LATENCY),
            a_mem: Ram::new(depth),
            p_mem: Ram::new(depth),
            m_mem: Ram::new(depth),
            q_mem: Ram::new(CHAINS),
            out: Fifo::new(config::INVERTER_FIFO_DEPTH),
            one: Constant::new(fr_to_bits(&Fr::one())),
            credits: Constant::new(bits::<9>(config::INVERTER_CREDITS as u64)),
            chains_m1: Constant::new(bits::<32>(CHAINS as u64 - 1)),
            chains16: Constant::new(bits::<16>(CHAINS as u64 - 1)),
            t_p: Constant::new(bits::<19>(DEST_P << 16)),
            t_q: Constant::new(bits::<19>(DEST_Q << 16)),
            t_out: Constant::new(bits::<19>(DEST_OUT << 16)),
            t_last: Constant::new(bits::<19>(1 << 18)),
            d_p: Constant::new(bits::<2>(DEST_P)),
            d_q: Constant::new(bits::<2>(DEST_Q)),
            d_out: Constant::new(bits::<2>(DEST_OUT)),
            state: Default::default(),
            n: Default::default(),
            total: Default::default(),
            scale: Default::default(),
            beta: Default::default(),
            bcnt: Default::default(),
            xcnt: Default::default(),
            fi: Default::default(),
            idx: Default::default(),
            sub: Default::default(),
            inflight: Default::default(),
            e_zero: Default::default(),
            e_framing: Default::default(),
            r_valid: Default::default(),
            r_kind: Default::default(),
            r_one: Default::default(),
            r_scale: Default::default(),
            r_x: Default::default(),
            r_tag: Default::default(),
            issue: Default::default(),
            issue_kind: Default::default(),
            issue_one: Default::default(),
            issue_scale: Default::default(),
            issue_tag: Default::default(),
            room: Default::default(),
            nm1: Default::default(),
            hi: Default::default(),
            lo: Default::default(),
            c16: Default::default(),
            out_dest: Default::default(),
            m_off: Default::default(),
            n_m1: Default::default(),
            fi_back: Default::default(),
            idx_back: Default::default(),
        }
    }
}

impl Logic for BatchInverter {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, n, total, scale, beta, bcnt, xcnt, fi, idx, sub, inflight, e_zero, e_framing, r_valid,
            r_kind, r_one, r_scale, r_x, r_tag
        );
        self.mul.clock.next = self.clock.val();
        self.mul.reset.next = self.reset.val();
        self.add.clock.next = self.clock.val();
        self.add.reset.next = self.reset.val();
        self.tag.clock.next = self.clock.val();
        self.a_mem.clock.next = self.clock.val();
        self.p_mem.clock.next = self.clock.val();
        self.m_mem.clock.next = self.clock.val();
        self.q_mem.clock.next = self.clock.val();
        self.out.clock.next = self.clock.val();
        self.out.reset.next = self.reset.val();

        // ---- Output stream from the FIFO (bit 256 = last).
        self.m_valid.next = !self.out.empty.val();
        self.m_data.next = self.out.dout.val().get_bits::<256>(0);
        self.m_last.next = self.out.dout.val().get_bit(256);
        self.out.pop.next = self.m_ready.val() & !self.out.empty.val();
        self.room.next =
            (bit_cast::<9, 8>(self.inflight.q.val()) + bit_cast::<9, 8>(self.out.count.val())) < self.credits.val();

        // ---- Defaults: no issue, no writes, reads at the current index.
        self.issue.next = false;
        self.issue_kind.next = MulKind::Output;
        self.issue_one.next = false;
        self.issue_scale.next = false;
        self.issue_tag.next = 0.into();
        self.s_ready.next = false;
        self.stat_element.next = false;
        self.add.in_valid.next = false;
        self.add.a.next = self.s_data.val();
        self.add.b.next = self.beta.q.val();
        self.a_mem.raddr.next = self.idx.q.val().get_bits::<16>(0);
        self.a_mem.we.next = false;
        self.a_mem.waddr.next = self.fi.q.val().get_bits::<16>(0);
        self.a_mem.wdata.next = self.add.out.val();
        self.p_mem.raddr.next = self.idx.q.val().get_bits::<16>(0);
        self.m_mem.raddr.next = self.idx.q.val().get_bits::<16>(0);
        self.m_mem.we.next = false;
        self.m_off.next = self.bcnt.q.val() - self.n.q.val();
        self.m_mem.waddr.next = self.m_off.val().get_bits::<16>(0);
        self.m_mem.wdata.next = self.s_data.val();
        self.q_mem.raddr.next = self.idx.q.val().get_bits::<16>(0) & self.chains16.val();
        self.q_mem.we.next = false;
        self.q_mem.waddr.next = self.idx.q.val().get_bits::<16>(0);
        self.q_mem.wdata.next = self.s_data.val();

        // Chain of the last element, for the chain products: `c` sits in the low 7 bits of idx.
        self.n_m1.next = self.n.q.val() - 1;
        self.nm1.next = self.n_m1.val().get_bits::<16>(0);
        self.fi_back.next = self.fi.q.val() - (self.chains_m1.val() + 1);
        self.idx_back.next = self.idx.q.val() - (self.chains_m1.val() + 1);
        self.hi.next = self.nm1.val() & !self.chains16.val();
        self.lo.next = self.nm1.val() & self.chains16.val();
        self.c16.next = self.idx.q.val().get_bits::<16>(0);

        // ---- Forward: every adder result is kept, checked and multiplied into its chain.
        if self.add.out_valid.val() {
            self.a_mem.we.next = true;
            if self.add.out.val() == 0 {
                self.e_zero.d.next = true;
            }
            self.p_mem.raddr.next = self.fi_back.val().get_bits::<16>(0);
            self.issue.next = true;
            self.issue_kind.next = MulKind::Prefix;
            self.issue_one.next = self.fi.q.val() <= self.chains_m1.val();
            self.issue_tag.next = self.t_p.val() | bit_cast::<19, 16>(self.fi.q.val().get_bits::<16>(0));
            self.fi.d.next = self.fi.q.val() + 1;
        }

        match self.state.q.val() {
            InverterState::Idle => {
                if self.start.val() {
                    self.n.d.next = self.cfg_n.val();
                    self.scale.d.next = self.cfg_scale.val();
                    self.bcnt.d.next = 0.into();
                    self.xcnt.d.next = 0.into();
                    self.fi.d.next = 0.into();
                    self.idx.d.next = 0.into();
                    self.sub.d.next = false;
                    self.e_framing.d.next = false;
                    if self.cfg_backward.val() {
                        self.state.d.next = InverterState::LoadQ;
                    } else {
                        self.beta.d.next = self.cfg_beta.val();
                        self.e_zero.d.next = false;
                        self.total.d.next = self.cfg_n.val();
                        if self.cfg_scale.val() {
                            self.total.d.next = self.cfg_n.val() + self.cfg_n.val();
                        }
                        self.state.d.next = InverterState::Fwd;
                    }
                }
            }
            InverterState::Fwd => {
                self.s_ready.next = true;
                if self.s_valid.val() {
                    if self.bcnt.q.val() < self.n.q.val() {
                        self.add.in_valid.next = true;
                        self.xcnt.d.next = self.xcnt.q.val() + 1;
                        self.stat_element.next = true;
                    } else {
                        self.m_mem.we.next = true;
                    }
                    self.bcnt.d.next = self.bcnt.q.val() + 1;
                    if self.bcnt.q.val() + 1 == self.total.q.val() {
                        if !self.s_last.val() {
                            self.e_framing.d.next = true;
                        }
                        self.state.d.next = InverterState::FwdDrain;
                    } else if self.s_last.val() {
                        self.e_framing.d.next = true;
                        self.state.d.next = InverterState::FwdDrain;
                    }
                }
            }
            InverterState::FwdDrain => {
                if (self.fi.q.val() == self.xcnt.q.val()) & (self.inflight.q.val() == 0) & !self.add.out_valid.val() {
                    self.idx.d.next = 0.into();
                    self.state.d.next = InverterState::Totals;
                }
            }
            InverterState::Totals => {
                if self.room.val() {
                    // Chain c = idx: its last element, the one before it, or none.
                    self.issue.next = true;
                    self.issue_kind.next = MulKind::Output;
                    if self.c16.val() <= self.lo.val() {
                        self.p_mem.raddr.next = self.hi.val() | self.c16.val();
                    } else if self.hi.val() != 0 {
                        self.p_mem.raddr.next = (self.hi.val() - (self.chains16.val() + 1)) | self.c16.val();
                    } else {
                        self.issue_one.next = true;
                    }
                    self.issue_tag.next = self.t_out.val();
                    if self.idx.q.val() == self.chains_m1.val() {
                        self.issue_tag.next = self.t_out.val() | self.t_last.val();
                        self.state.d.next = InverterState::Drain;
                    }
                    self.idx.d.next = self.idx.q.val() + 1;
                }
            }
            InverterState::LoadQ => {
                self.s_ready.next = true;
                if self.s_valid.val() {
                    self.q_mem.we.next = true;
                    self.idx.d.next = self.idx.q.val() + 1;
                    if self.idx.q.val() == self.chains_m1.val() {
                        if !self.s_last.val() {
                            self.e_framing.d.next = true;
                        }
                        self.idx.d.next = self.n.q.val() - 1;
                        self.state.d.next = InverterState::Back;
                    } else if self.s_last.val() {
                        self.e_framing.d.next = true;
                        self.idx.d.next = self.n.q.val() - 1;
                        self.state.d.next = InverterState::Back;
                    }
                }
            }
            InverterState::Back => {
                self.issue.next = true;
                self.sub.d.next = !self.sub.q.val();
                if !self.sub.q.val() {
                    // inv_i = Q_c · P_{i−128}, over P_i.
                    self.issue_kind.next = MulKind::Inverse;
                    self.p_mem.raddr.next = self.idx_back.val().get_bits::<16>(0);
                    self.issue_one.next = self.idx.q.val() <= self.chains_m1.val();
                    self.issue_tag.next =
                        self.t_p.val() | bit_cast::<19, 16>(self.idx.q.val().get_bits::<16>(0));
                } else {
                    // Q_c ← Q_c · a_i.
                    self.issue_kind.next = MulKind::Chain;
                    self.issue_tag.next = self.t_q.val()
                        | bit_cast::<19, 16>(self.idx.q.val().get_bits::<16>(0) & self.chains16.val());
                    if self.idx.q.val() == 0 {
                        self.state.d.next = InverterState::BackDrain;
                    } else {
                        self.idx.d.next = self.idx.q.val() - 1;
                    }
                }
            }
            InverterState::BackDrain => {
                if self.inflight.q.val() == 0 {
                    self.idx.d.next = 0.into();
                    self.state.d.next = InverterState::Out;
                }
            }
            InverterState::Out => {
                if self.room.val() {
                    self.issue.next = true;
                    self.issue_kind.next = MulKind::Output;
                    self.issue_scale.next = self.scale.q.val();
                    self.issue_tag.next = self.t_out.val();
                    if self.idx.q.val() + 1 == self.n.q.val() {
                        self.issue_tag.next = self.t_out.val() | self.t_last.val();
                        self.state.d.next = InverterState::Drain;
                    }
                    self.idx.d.next = self.idx.q.val() + 1;
                }
            }
            InverterState::Drain => {
                if (self.inflight.q.val() == 0) & self.out.empty.val() {
                    self.state.d.next = InverterState::Idle;
                }
            }
        }

        // ---- Read stage: addresses were presented this cycle, data arrives next cycle.
        self.r_valid.d.next = self.issue.val() & !self.reset.val();
        self.r_kind.d.next = self.issue_kind.val();
        self.r_one.d.next = self.issue_one.val();
        self.r_scale.d.next = self.issue_scale.val();
        self.r_x.d.next = self.add.out.val();
        self.r_tag.d.next = self.issue_tag.val();

        // ---- Multiplier operands.
        self.mul.in_valid.next = self.r_valid.q.val();
        self.mul.a.next = self.q_mem.rdata.val();
        self.mul.b.next = self.p_mem.rdata.val();
        match self.r_kind.q.val() {
            MulKind::Prefix => {
                self.mul.a.next = self.r_x.q.val();
                if self.r_one.q.val() {
                    self.mul.b.next = self.one.val();
                }
            }
            MulKind::Inverse => {
                if self.r_one.q.val() {
                    self.mul.b.next = self.one.val();
                }
            }
            MulKind::Chain => {
                self.mul.b.next = self.a_mem.rdata.val();
            }
            MulKind::Output => {
                self.mul.a.next = self.p_mem.rdata.val();
                if self.r_one.q.val() {
                    self.mul.a.next = self.one.val();
                }
                self.mul.b.next = self.one.val();
                if self.r_scale.q.val() {
                    self.mul.b.next = self.m_mem.rdata.val();
                }
            }
        }
        self.tag.d.next = self.r_tag.q.val();

        // ---- Results: to the P memory, the Q memory or the output FIFO.
        self.out_dest.next = self.tag.q.val().get_bits::<2>(16);
        self.p_mem.we.next = self.mul.out_valid.val() & (self.out_dest.val() == self.d_p.val());
        self.p_mem.waddr.next = self.tag.q.val().get_bits::<16>(0);
        self.p_mem.wdata.next = self.mul.out.val();
        if self.mul.out_valid.val() & (self.out_dest.val() == self.d_q.val()) {
            self.q_mem.we.next = true;
            self.q_mem.waddr.next = self.tag.q.val().get_bits::<16>(0);
            self.q_mem.wdata.next = self.mul.out.val();
        }
        self.out.push.next = self.mul.out_valid.val() & (self.out_dest.val() == self.d_out.val());
        self.out.din.next = bit_cast::<257, 256>(self.mul.out.val());
        if self.tag.q.val().get_bit(18) {
            self.out.din.next = bit_cast::<257, 256>(self.mul.out.val()) | (bits::<257>(1) << 256);
        }

        // ---- Products in flight.
        if self.issue.val() & !self.mul.out_valid.val() {
            self.inflight.d.next = self.inflight.q.val() + 1;
        }
        if !self.issue.val() & self.mul.out_valid.val() {
            self.inflight.d.next = self.inflight.q.val() - 1;
        }

        if self.reset.val() {
            self.state.d.next = InverterState::Idle;
            self.inflight.d.next = 0.into();
            self.e_zero.d.next = false;
            self.e_framing.d.next = false;
        }
        self.busy.next = self.state.q.val() != InverterState::Idle;
        self.err_zero.next = self.e_zero.q.val();
        self.err_framing.next = self.e_framing.q.val();
    }
}
