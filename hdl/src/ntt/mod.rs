//! NTT core over BN254 Fr: one radix-2 DIT butterfly per cycle on the fully pipelined Montgomery
//! multiplier (or one per 33 cycles on the digit-serial one, for small FPGAs: [`multiplier`]),
//! an on-chip buffer of up to `2^K` points, the size `2^k ≤ 2^K` chosen at run time,
//! forward and inverse (with the `1/n` scaling), and coset variants with a run-time shift.
//!
//! Data streams in and out in natural order over the AXI4-Stream-style ports of
//! `docs/interfaces.md` §4. A run is:
//!
//! 1. `start` with `cfg_log_n`, `cfg_inverse`, `cfg_coset`, `cfg_shift` (the coset shift `c`,
//!    wire format) latched;
//! 2. coset runs only: build the table `T[i] = c^i` (`i < n`) in on-chip RAM by doubling:
//!    pass `j` computes `T[2^j + i] = T[i]·c^{2^j}` for `i < 2^j` and squares `c^{2^j}`;
//! 3. load: each input element is multiplied on the way in by `c^i` (forward coset), by `1/n`
//!    (inverse) or by one, and written at the bit-reversed address;
//! 4. `k` DIT stages of `n/2` butterflies `(x0 + w·x1, x0 − w·x1)`, twiddles from a ROM of
//!    `ω_{2^K}^t` (the inverse uses `ω^{-t} = ω^{2^K − t}`), waiting for the pipeline to drain
//!    between stages;
//! 5. unload in natural order, each element multiplied by `c^i` (inverse coset) or one, through a
//!    FIFO with credit-based flow control, so that `m_ready` may stall at any time.
//!
//! For an inverse coset transform the host writes `c^{-1}` as the shift (see `NOTES.md`). The
//! data buffer is two banks selected by the parity of the address: the two operands of a radix-2
//! butterfly differ in one address bit, so they always sit in different banks and one butterfly
//! per cycle needs only simple dual-port RAMs.

pub mod config;
pub mod model;
pub mod multiplier;

use crate::bit_reverse::BitReverse16;
use crate::delay_line::DelayLine;
use crate::field::{fr_to_bits, Bn254Field};
use crate::memory::{fifo::Fifo, ram::Ram, rom::Rom};
use crate::mod_add_sub::{AddSubOp, ModAddSub};
use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use multiplier::{ButterflyMul, NttMultiplier};
use rust_hdl::prelude::*;

/// Kinds of pipelined operations (travel with the data through the multiplier).
mod kind {
    pub const STAGE: u64 = 1;
    pub const LOAD: u64 = 2;
    pub const OUT: u64 = 3;
    pub const CTAB: u64 = 4;
    pub const MREG: u64 = 5;
}

/// Core states.
#[derive(Copy, Clone, PartialEq, Eq, Debug, LogicState)]
pub enum NttState {
    /// Waiting for `start`.
    Idle,
    /// Writing `T[0] = 1` of the coset table.
    CtInit,
    /// Issuing one doubling pass of the coset table.
    CtPass,
    /// Waiting for a table pass to drain.
    CtDrain,
    /// Accepting input beats.
    Load,
    /// Waiting for the last input to be written.
    LoadDrain,
    /// Issuing one DIT stage.
    Stage,
    /// Waiting for a stage to drain.
    StageDrain,
    /// Issuing output reads.
    Out,
    /// Waiting for the output FIFO to empty.
    OutDrain,
}

/// The NTT core; see the module docs.
#[derive(LogicBlock)]
pub struct NttCore {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// Starts a run with the configuration below (only when `busy` is low).
    pub start: Signal<In, Bit>,
    /// `k` with `n = 2^k`, `1 ≤ k ≤ K`.
    pub cfg_log_n: Signal<In, Bits<5>>,
    /// Inverse transform (scaled by `1/n`).
    pub cfg_inverse: Signal<In, Bit>,
    /// Coset transform with shift `cfg_shift`.
    pub cfg_coset: Signal<In, Bit>,
    /// Coset shift (wire format): `c` for forward, `c^-1` for inverse runs.
    pub cfg_shift: Signal<In, Bits<256>>,
    /// A run is in progress.
    pub busy: Signal<Out, Bit>,
    /// Sticky error of the last run: bad `cfg_log_n`, or `s_last` not on element `n − 1`.
    pub error: Signal<Out, Bit>,
    /// Input stream data (one Fr element, wire format).
    pub s_data: Signal<In, Bits<256>>,
    /// Input stream valid.
    pub s_valid: Signal<In, Bit>,
    /// Input stream ready.
    pub s_ready: Signal<Out, Bit>,
    /// Input stream last.
    pub s_last: Signal<In, Bit>,
    /// Output stream data.
    pub m_data: Signal<Out, Bits<256>>,
    /// Output stream valid.
    pub m_valid: Signal<Out, Bit>,
    /// Output stream ready.
    pub m_ready: Signal<In, Bit>,
    /// Output stream last.
    pub m_last: Signal<Out, Bit>,
    one: Constant<Bits<256>>,
    k_max: Constant<Bits<5>>,
    k_max_m1: Constant<Bits<5>>,
    tw_mask: Constant<Bits<16>>,
    credit_limit: Constant<Bits<9>>,
    kind_stage: Constant<Bits<3>>,
    kind_load: Constant<Bits<3>>,
    kind_out: Constant<Bits<3>>,
    kind_ctab: Constant<Bits<3>>,
    kind_mreg: Constant<Bits<3>>,
    issue_gap: Constant<Bits<6>>,
    mul: ButterflyMul,
    add: ModAddSub,
    sub: ModAddSub,
    x0_line: DelayLine<256>,
    ctrl_line: DelayLine<40>,
    bank0: Ram<256>,
    bank1: Ram<256>,
    ctab: Ram<256>,
    twiddle: Rom<256>,
    ninv: Rom<256>,
    fifo: Fifo<257>,
    rev: BitReverse16,
    state: DFF<NttState>,
    log_n: DFF<Bits<5>>,
    inverse: DFF<Bit>,
    coset: DFF<Bit>,
    m_reg: DFF<Bits<256>>,
    idx: DFF<Bits<16>>,
    stage: DFF<Bits<5>>,
    inflight: DFF<Bits<9>>,
    err: DFF<Bit>,
    r_valid: DFF<Bit>,
    r_kind: DFF<Bits<3>>,
    r_a0: DFF<Bits<16>>,
    r_a1: DFF<Bits<16>>,
    r_last: DFF<Bit>,
    r_sel: DFF<Bit>,
    r_sdata: DFF<Bits<256>>,
    gap: DFF<Bits<6>>,
    can_issue: Signal<Local, Bit>,
    issue: Signal<Local, Bit>,
    issue_kind: Signal<Local, Bits<3>>,
    issue_a0: Signal<Local, Bits<16>>,
    issue_a1: Signal<Local, Bits<16>>,
    issue_last: Signal<Local, Bit>,
    n_m1: Signal<Local, Bits<16>>,
    half_m1: Signal<Local, Bits<16>>,
    pow_stage: Signal<Local, Bits<16>>,
    bmask: Signal<Local, Bits<16>>,
    i0: Signal<Local, Bits<16>>,
    i1: Signal<Local, Bits<16>>,
    tw: Signal<Local, Bits<16>>,
    rev_idx: Signal<Local, Bits<16>>,
    lo_data: Signal<Local, Bits<256>>,
    hi_data: Signal<Local, Bits<256>>,
    ctrl_out: Signal<Local, Bits<40>>,
    wb_valid: Signal<Local, Bit>,
    wb_kind: Signal<Local, Bits<3>>,
    wb_a0: Signal<Local, Bits<16>>,
    wb_a1: Signal<Local, Bits<16>>,
    wb_par0: Signal<Local, Bit>,
    wb_par1: Signal<Local, Bit>,
    wb_stage: Signal<Local, Bit>,
}

impl NttCore {
    /// A core for transforms of up to `2^k_max` points (`3 ≤ k_max ≤ 15`) on the pipelined
    /// multiplier (the cloud-card build).
    pub fn new(k_max: usize) -> Self {
        Self::with_multiplier(k_max, NttMultiplier::PipelinedXcup)
    }

    /// A core for transforms of up to `2^k_max` points (`3 ≤ k_max ≤ 15`) on the multiplier `mul`.
    pub fn with_multiplier(k_max: usize, mul: NttMultiplier) -> Self {
        assert!((3..=15).contains(&k_max), "K must be in 3..=15");
        let size = 1usize << k_max;
        let omega = Fr::get_root_of_unity(size as u64).expect("2^K divides r - 1 for K <= 28");
        let mut tw = Vec::with_capacity(size);
        let mut w = Fr::one();
        for _ in 0..size {
            tw.push(fr_to_bits(&w));
            w *= omega;
        }
        let ninv: Vec<Bits<256>> = (0..=k_max)
            .map(|k| fr_to_bits(&Fr::from(1u64 << k).inverse().expect("2^k is invertible")))
            .collect();
        let lat_mul = mul.latency();
        let lat_add = crate::mod_add_sub::config::LATENCY;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            cfg_log_n: Default::default(),
            cfg_inverse: Default::default(),
            cfg_coset: Default::default(),
            cfg_shift: Default::default(),
            busy: Default::default(),
            error: Default::default(),
            s_data: Default::default(),
            s_valid: Default::default(),
            s_ready: Default::default(),
            s_last: Default::default(),
            m_data: Default::default(),
            m_valid: Default::default(),
            m_ready: Default::default(),
            m_last: Default::default(),
            one: Constant::new(fr_to_bits(&Fr::one())),
            k_max: Constant::new(bits::<5>(k_max as u64)),
            k_max_m1: Constant::new(bits::<5>(k_max as u64 - 1)),
            tw_mask: Constant::new(bits::<16>(size as u64 - 1)),
            credit_limit: Constant::new(bits::<9>(config::FIFO_DEPTH as u64 - 2)),
            kind_stage: Constant::new(bits::<3>(kind::STAGE)),
            kind_load: Constant::new(bits::<3>(kind::LOAD)),
            kind_out: Constant::new(bits::<3>(kind::OUT)),
            kind_ctab: Constant::new(bits::<3>(kind::CTAB)),
            kind_mreg: Constant::new(bits::<3>(kind::MREG)),
            issue_gap: Constant::new(bits::<6>(mul.issue_interval() as u64 - 1)),
            mul: ButterflyMul::new(mul),
            add: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Add),
            sub: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Sub),
            x0_line: DelayLine::new(lat_mul),
            ctrl_line: DelayLine::new(lat_mul + lat_add),
            bank0: Ram::new(size / 2),
            bank1: Ram::new(size / 2),
            ctab: Ram::new(size),
            twiddle: Rom::new(tw),
            ninv: Rom::new(ninv),
            fifo: Fifo::new(config::FIFO_DEPTH),
            rev: Default::default(),
            state: Default::default(),
            log_n: Default::default(),
            inverse: Default::default(),
            coset: Default::default(),
            m_reg: Default::default(),
            idx: Default::default(),
            stage: Default::default(),
            inflight: Default::default(),
            err: Default::default(),
            r_valid: Default::default(),
            r_kind: Default::default(),
            r_a0: Default::default(),
            r_a1: Default::default(),
            r_last: Default::default(),
            r_sel: Default::default(),
            r_sdata: Default::default(),
            gap: Default::default(),
            can_issue: Default::default(),
            issue: Default::default(),
            issue_kind: Default::default(),
            issue_a0: Default::default(),
            issue_a1: Default::default(),
            issue_last: Default::default(),
            n_m1: Default::default(),
            half_m1: Default::default(),
            pow_stage: Default::default(),
            bmask: Default::default(),
            i0: Default::default(),
            i1: Default::default(),
            tw: Default::default(),
            rev_idx: Default::default(),
            lo_data: Default::default(),
            hi_data: Default::default(),
            ctrl_out: Default::default(),
            wb_valid: Default::default(),
            wb_kind: Default::default(),
            wb_a0: Default::default(),
            wb_a1: Default::default(),
            wb_par0: Default::default(),
            wb_par1: Default::default(),
            wb_stage: Default::default(),
        }
    }
}

impl Logic for NttCore {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, log_n, inverse, coset, m_reg, idx, stage, inflight, err, r_valid, r_kind,
            r_a0, r_a1, r_last, r_sel, r_sdata, gap
        );
        self.mul.clock.next = self.clock.val();
        self.mul.reset.next = self.reset.val();
        self.add.clock.next = self.clock.val();
        self.add.reset.next = self.reset.val();
        self.sub.clock.next = self.clock.val();
        self.sub.reset.next = self.reset.val();
        self.x0_line.clock.next = self.clock.val();
        self.ctrl_line.clock.next = self.clock.val();
        self.bank0.clock.next = self.clock.val();
        self.bank1.clock.next = self.clock.val();
        self.ctab.clock.next = self.clock.val();
        self.twiddle.clock.next = self.clock.val();
        self.ninv.clock.next = self.clock.val();
        self.fifo.clock.next = self.clock.val();
        self.fifo.reset.next = self.reset.val();

        // Sizes and butterfly addressing for the current stage.
        self.n_m1.next = (bits::<16>(1) << self.log_n.q.val()) - 1;
        self.half_m1.next = (bits::<16>(1) << (self.log_n.q.val() - 1)) - 1;
        self.pow_stage.next = bits::<16>(1) << self.stage.q.val();
        self.bmask.next = self.pow_stage.val() - 1;
        self.i0.next = ((self.idx.q.val() >> self.stage.q.val()) << (self.stage.q.val() + 1))
            | (self.idx.q.val() & self.bmask.val());
        self.i1.next = self.i0.val() | self.pow_stage.val();
        if self.inverse.q.val() {
            self.tw.next = (bits::<16>(0)
                - ((self.idx.q.val() & self.bmask.val()) << (self.k_max_m1.val() - self.stage.q.val())))
                & self.tw_mask.val();
        } else {
            self.tw.next = (self.idx.q.val() & self.bmask.val()) << (self.k_max_m1.val() - self.stage.q.val());
        }
        self.rev.x.next = self.idx.q.val();
        self.rev_idx.next = self.rev.q.val() >> (bits::<5>(16) - self.log_n.q.val());

        // Default issue: nothing; default memory reads.
        self.issue.next = false;
        self.issue_kind.next = 0.into();
        self.issue_a0.next = 0.into();
        self.issue_a1.next = 0.into();
        self.issue_last.next = false;
        self.bank0.raddr.next = self.idx.q.val() >> 1;
        self.bank1.raddr.next = self.idx.q.val() >> 1;
        self.ctab.raddr.next = self.idx.q.val();
        self.twiddle.addr.next = self.tw.val();
        self.ninv.addr.next = bit_cast::<16, 5>(self.log_n.q.val());
        self.s_ready.next = false;
        self.ctab.we.next = false;
        self.ctab.waddr.next = 0.into();
        self.ctab.wdata.next = self.one.val();
        // One operation per issue interval of the multiplier (every cycle when it is pipelined).
        self.can_issue.next = self.gap.q.val() == 0;

        match self.state.q.val() {
            NttState::Idle => {
                if self.start.val() {
                    self.log_n.d.next = self.cfg_log_n.val();
                    self.inverse.d.next = self.cfg_inverse.val();
                    self.coset.d.next = self.cfg_coset.val();
                    self.m_reg.d.next = self.cfg_shift.val();
                    self.idx.d.next = 0.into();
                    self.stage.d.next = 0.into();
                    if (self.cfg_log_n.val() == 0) | (self.cfg_log_n.val() > self.k_max.val()) {
                        self.err.d.next = true;
                    } else {
                        self.err.d.next = false;
                        if self.cfg_coset.val() {
                            self.state.d.next = NttState::CtInit;
                        } else {
                            self.state.d.next = NttState::Load;
                        }
                    }
                }
            }
            NttState::CtInit => {
                self.ctab.we.next = true;
                self.state.d.next = NttState::CtPass;
            }
            NttState::CtPass => {
                if self.can_issue.val() {
                    self.issue.next = true;
                    if self.idx.q.val() == self.pow_stage.val() {
                        self.issue_kind.next = self.kind_mreg.val();
                        self.idx.d.next = 0.into();
                        self.state.d.next = NttState::CtDrain;
                    } else {
                        self.issue_kind.next = self.kind_ctab.val();
                        self.issue_a0.next = self.pow_stage.val() + self.idx.q.val();
                        self.idx.d.next = self.idx.q.val() + 1;
                    }
                }
            }
            NttState::CtDrain => {
                if self.inflight.q.val() == 0 {
                    if self.stage.q.val() + 1 == self.log_n.q.val() {
                        self.stage.d.next = 0.into();
                        self.state.d.next = NttState::Load;
                    } else {
                        self.stage.d.next = self.stage.q.val() + 1;
                        self.state.d.next = NttState::CtPass;
                    }
                }
            }
            NttState::Load => {
                self.s_ready.next = self.can_issue.val();
                if self.s_valid.val() & self.can_issue.val() {
                    self.issue.next = true;
                    self.issue_kind.next = self.kind_load.val();
                    self.issue_a0.next = self.rev_idx.val();
                    if self.idx.q.val() == self.n_m1.val() {
                        if !self.s_last.val() {
                            self.err.d.next = true;
                        }
                        self.idx.d.next = 0.into();
                        self.state.d.next = NttState::LoadDrain;
                    } else {
                        if self.s_last.val() {
                            self.err.d.next = true;
                        }
                        self.idx.d.next = self.idx.q.val() + 1;
                    }
                }
            }
            NttState::LoadDrain => {
                if self.inflight.q.val() == 0 {
                    self.stage.d.next = 0.into();
                    self.state.d.next = NttState::Stage;
                }
            }
            NttState::Stage => {
                if self.can_issue.val() {
                    self.issue.next = true;
                    self.issue_kind.next = self.kind_stage.val();
                    self.issue_a0.next = self.i0.val();
                    self.issue_a1.next = self.i1.val();
                    if self.i0.val().xor() {
                        self.bank1.raddr.next = self.i0.val() >> 1;
                        self.bank0.raddr.next = self.i1.val() >> 1;
                    } else {
                        self.bank0.raddr.next = self.i0.val() >> 1;
                        self.bank1.raddr.next = self.i1.val() >> 1;
                    }
                    if self.idx.q.val() == self.half_m1.val() {
                        self.idx.d.next = 0.into();
                        self.state.d.next = NttState::StageDrain;
                    } else {
                        self.idx.d.next = self.idx.q.val() + 1;
                    }
                }
            }
            NttState::StageDrain => {
                if self.inflight.q.val() == 0 {
                    if self.stage.q.val() + 1 == self.log_n.q.val() {
                        self.state.d.next = NttState::Out;
                    } else {
                        self.stage.d.next = self.stage.q.val() + 1;
                        self.state.d.next = NttState::Stage;
                    }
                }
            }
            NttState::Out => {
                if self.can_issue.val()
                    & ((self.inflight.q.val() + bit_cast::<9, 8>(self.fifo.count.val())) < self.credit_limit.val())
                {
                    self.issue.next = true;
                    self.issue_kind.next = self.kind_out.val();
                    self.issue_a0.next = self.idx.q.val();
                    if self.idx.q.val() == self.n_m1.val() {
                        self.issue_last.next = true;
                        self.idx.d.next = 0.into();
                        self.state.d.next = NttState::OutDrain;
                    } else {
                        self.idx.d.next = self.idx.q.val() + 1;
                    }
                }
            }
            NttState::OutDrain => {
                if (self.inflight.q.val() == 0) & self.fifo.empty.val() {
                    self.state.d.next = NttState::Idle;
                }
            }
        }
        if self.gap.q.val() != 0 {
            self.gap.d.next = self.gap.q.val() - 1;
        }
        if self.issue.val() {
            self.gap.d.next = self.issue_gap.val();
        }
        if self.reset.val() {
            self.state.d.next = NttState::Idle;
            self.err.d.next = false;
            self.gap.d.next = 0.into();
        }
        self.busy.next = self.state.q.val() != NttState::Idle;
        self.error.next = self.err.q.val();

        // Read stage: addresses were presented this cycle, data arrives next cycle.
        self.r_valid.d.next = self.issue.val() & !self.reset.val();
        self.r_kind.d.next = self.issue_kind.val();
        self.r_a0.d.next = self.issue_a0.val();
        self.r_a1.d.next = self.issue_a1.val();
        self.r_last.d.next = self.issue_last.val();
        self.r_sel.d.next = self.issue_a0.val().xor();
        self.r_sdata.d.next = self.s_data.val();

        // Multiplier input.
        if self.r_sel.q.val() {
            self.lo_data.next = self.bank1.rdata.val();
            self.hi_data.next = self.bank0.rdata.val();
        } else {
            self.lo_data.next = self.bank0.rdata.val();
            self.hi_data.next = self.bank1.rdata.val();
        }
        self.mul.in_valid.next = self.r_valid.q.val();
        self.mul.a.next = self.m_reg.q.val();
        self.mul.b.next = self.m_reg.q.val();
        self.x0_line.d.next = 0.into();
        if self.r_kind.q.val() == self.kind_stage.val() {
            self.mul.a.next = self.hi_data.val();
            self.mul.b.next = self.twiddle.data.val();
            self.x0_line.d.next = self.lo_data.val();
        }
        if self.r_kind.q.val() == self.kind_load.val() {
            self.mul.a.next = self.r_sdata.q.val();
            if self.inverse.q.val() {
                self.mul.b.next = self.ninv.data.val();
            } else {
                if self.coset.q.val() {
                    self.mul.b.next = self.ctab.rdata.val();
                } else {
                    self.mul.b.next = self.one.val();
                }
            }
        }
        if self.r_kind.q.val() == self.kind_out.val() {
            self.mul.a.next = self.lo_data.val();
            if self.inverse.q.val() & self.coset.q.val() {
                self.mul.b.next = self.ctab.rdata.val();
            } else {
                self.mul.b.next = self.one.val();
            }
        }
        if self.r_kind.q.val() == self.kind_ctab.val() {
            self.mul.a.next = self.ctab.rdata.val();
        }
        self.ctrl_line.d.next = bit_cast::<40, 1>(self.r_valid.q.val().into())
            | (bit_cast::<40, 3>(self.r_kind.q.val()) << 1)
            | (bit_cast::<40, 16>(self.r_a0.q.val()) << 4)
            | (bit_cast::<40, 16>(self.r_a1.q.val()) << 20)
            | (bit_cast::<40, 1>(self.r_last.q.val().into()) << 36);

        // Butterfly add/sub after the product.
        self.add.a.next = self.x0_line.q.val();
        self.add.b.next = self.mul.out.val();
        self.add.in_valid.next = self.mul.out_valid.val();
        self.sub.a.next = self.x0_line.q.val();
        self.sub.b.next = self.mul.out.val();
        self.sub.in_valid.next = self.mul.out_valid.val();

        // Write-back.
        self.ctrl_out.next = self.ctrl_line.q.val();
        // The adder's valid is cleared by a reset (the control delay line is not): both must agree.
        self.wb_valid.next = self.ctrl_out.val().get_bit(0) & self.add.out_valid.val();
        self.wb_kind.next = self.ctrl_out.val().get_bits::<3>(1);
        self.wb_a0.next = self.ctrl_out.val().get_bits::<16>(4);
        self.wb_a1.next = self.ctrl_out.val().get_bits::<16>(20);
        self.wb_par0.next = self.wb_a0.val().xor();
        self.wb_par1.next = self.wb_a1.val().xor();
        self.wb_stage.next = self.wb_kind.val() == self.kind_stage.val();
        self.bank0.we.next = self.wb_valid.val()
            & (self.wb_stage.val() | ((self.wb_kind.val() == self.kind_load.val()) & !self.wb_par0.val()));
        self.bank1.we.next = self.wb_valid.val()
            & (self.wb_stage.val() | ((self.wb_kind.val() == self.kind_load.val()) & self.wb_par0.val()));
        if self.wb_stage.val() & !self.wb_par1.val() {
            self.bank0.waddr.next = self.wb_a1.val() >> 1;
            self.bank0.wdata.next = self.sub.out.val();
        } else {
            self.bank0.waddr.next = self.wb_a0.val() >> 1;
            self.bank0.wdata.next = self.add.out.val();
        }
        if self.wb_stage.val() & self.wb_par1.val() {
            self.bank1.waddr.next = self.wb_a1.val() >> 1;
            self.bank1.wdata.next = self.sub.out.val();
        } else {
            self.bank1.waddr.next = self.wb_a0.val() >> 1;
            self.bank1.wdata.next = self.add.out.val();
        }
        if self.wb_valid.val() & (self.wb_kind.val() == self.kind_ctab.val()) {
            self.ctab.we.next = true;
            self.ctab.waddr.next = self.wb_a0.val();
            self.ctab.wdata.next = self.add.out.val();
        }
        if self.wb_valid.val() & (self.wb_kind.val() == self.kind_mreg.val()) {
            self.m_reg.d.next = self.add.out.val();
        }
        self.fifo.push.next = self.wb_valid.val() & (self.wb_kind.val() == self.kind_out.val());
        self.fifo.din.next = bit_cast::<257, 256>(self.add.out.val())
            | (bit_cast::<257, 1>(self.ctrl_out.val().get_bit(36).into()) << 256);
        if self.issue.val() & !self.wb_valid.val() {
            self.inflight.d.next = self.inflight.q.val() + 1;
        }
        if !self.issue.val() & self.wb_valid.val() {
            self.inflight.d.next = self.inflight.q.val() - 1;
        }
        if self.reset.val() {
            self.inflight.d.next = 0.into();
        }

        // Output stream.
        self.m_valid.next = !self.fifo.empty.val();
        self.m_data.next = self.fifo.dout.val().get_bits::<256>(0);
        self.m_last.next = self.fifo.dout.val().get_bit(256);
        self.fifo.pop.next = self.m_ready.val() & !self.fifo.empty.val();
    }
}
