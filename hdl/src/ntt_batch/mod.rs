//! Batch NTT core over BN254 Fr: back-to-back transforms of one run-time size `2^k ≤ 2^K`, all
//! forward or all inverse, streamed in and out in natural order while earlier transforms
//! compute, so that one radix-2 butterfly unit issues a butterfly nearly every cycle, and two
//! units (a run-time choice, `cfg_units`) nearly two.
//!
//! The single-transform core ([`crate::ntt::NttCore`]) loses its throughput in three places: the
//! input and output pass through its multiplier (`n` + `n` of its `n/2·k + 2n` issue slots), it
//! cannot load or unload while it computes, and it waits for its ~91-cycle pipeline to drain
//! after every stage. This core removes all three:
//!
//! * **Slots** ([`config::SLOTS`] = 4 buffers of `2^K` points, each four banks of `2^K/4` words
//!   ([`slot::SlotBanks`], bank map in [`bank`]): the two operands of a butterfly, and the four of
//!   two butterflies issued together, are in distinct banks). Transform `t` of a batch lives in slot `t mod 4` and moves
//!   load → compute → unload; loading writes the input straight into a free slot at the
//!   bit-reversed address (no multiplier), unloading reads a finished slot in natural order into
//!   the output FIFO (no multiplier). Each slot's banks see at most one read and one write per
//!   cycle: a slot is loaded, computed or unloaded, never two at once.
//! * **Stage 0 while loading**: stage 0 of the DIT pairs input elements `j` and `j + n/2` with
//!   twiddle 1. The first half of a transform is stored; each element of the second half goes
//!   straight into the butterfly unit with element `j` read from the slot (the loading slot's
//!   read port is otherwise idle), and the unit gives that butterfly priority over the lanes.
//!   So a transform arrives with its first stage done, and the unit is busy from half-way
//!   through the first load instead of after it.
//! * **Two compute lanes** (stages 1..k): two transforms compute at once and the butterfly unit alternates
//!   between them stage by stage, so a stage of one transform issues while the previous stage of
//!   the other drains. A lane starts a stage only when its slot has no butterfly in flight
//!   (per-slot counters), so the order is always correct; with `n/2 ≥` the pipeline depth the
//!   wait is hidden completely (`k ≥ 8` for the 96-cycle pipeline).
//! * **The final stage streams out**: its butterfly `j` produces outputs `j` and `j + n/2`, in
//!   order of `j`; the first goes straight into the output FIFO (128 deep, credit-based: the
//!   stage pauses when the sink stalls) and only the second half is unloaded from the slot, so
//!   the last transform's first half leaves during its final stage instead of after it. The
//!   final stage starts only once every earlier transform's last word is out.
//! * **Two butterfly units** (`cfg_units = 2`, `k ≥ 2`): a lane issues butterflies `j` and
//!   `j + n/4` of a stage together, one per unit, so a stage takes `n/4` cycles; the loader then
//!   only stores (stage 0 is a lane stage) and the final stage writes back like the others (its
//!   outputs `j, j + n/4, j + n/2, j + 3n/4` are not in stream order). With `cfg_units = 1` the
//!   second unit idles.
//! * **`1/n` without a multiplier**: an inverse stage halves both outputs of every butterfly
//!   (`x/2 = x >> 1` for even `x`, `(x >> 1) + (p+1)/2` for odd `x`, a modular adder), so after
//!   `k` stages the result is scaled by `2^-k = 1/n` exactly. The forward direction passes the
//!   butterfly outputs through the same adder unchanged.
//!
//! * **Packed small transforms** (`cfg_log_pack = p`): `2^p` transforms of `2^k` share a slot of
//!   `2^{k+p}` points, transform `i` at points `i·2^k ..`, each bit-reversed inside its own `2^k`
//!   points. Stage `s < k` of a DIT on that slot pairs points one bit `s` apart, i.e. inside one
//!   transform, with the twiddle of the index inside the transform: a lane's stage is stage `s` of
//!   all `2^p` transforms (`2^{k+p}/2` butterflies), so transforms of `n/2 < 96` butterflies per
//!   stage still hide the pipeline, and a slot holds `k` stages. The loader only stores (a later
//!   transform's stores would meet an earlier one's stage-0 write-backs) and nothing streams; the
//!   unloader reads the slot in order, which is transform by transform, each in natural order.
//! * **Four-step twiddles on the way out** (`cfg_tw_log_n = log N`, one unit): output `j` of the
//!   batch's transform `t` is multiplied by `ω_N^{t·j}`, so a batch of the `N2` columns of an
//!   `N = N1·N2` transform is its first pass with the inter-pass twiddles applied. The exponent
//!   runs as a sum (`x += t·2^{16 − log N}` per output, in units of `ω_{2^16}`);
//!   `ω_{2^16}^x = ω_{2^K}^{x >> (16−K)} · ω_{2^16}^{x mod 2^{16−K}}`: the first factor from the
//!   butterfly twiddle ROM (its second port), the second from a `2^{16−K}`-entry ROM (64 at
//!   `K = 10`). Both multiplications run on the second unit's multiplier, idle with one unit: the
//!   unloaded word enters with the low factor, its product re-enters with the high factor, and
//!   that product goes to the output FIFO. The unloader skips the cycle before a product returns
//!   (so at most every other cycle on average), and the words in that loop count against the
//!   FIFO's credit. The butterfly unit is not used, so the twiddles cost it no issue slot.
//!
//! Butterfly addressing and twiddles are those of `NttCore` (DIT in place, twiddle ROM of
//! `ω_{2^K}^t`, the inverse reading `ω^{2^K − t}`). No coset variants: a coset transform is the
//! plain one of a scaled input (the host scales, or `NttCore` serves it).
//!
//! A run: `start` with `cfg_log_n`, `cfg_inverse`, `cfg_count` (transforms in the batch, `≥ 1`)
//! and `cfg_units` (1 or 2) latched; then `cfg_count · n` input beats, `s_last` on the last element of every
//! transform; the outputs in the same order, `m_last` on the last element of every transform.
//! `error` (sticky until the next `start`): a bad size, count or number of units, a packing with
//! `k + p > K` or a count not a multiple of `2^p`, twiddles with `log N ≤ k`, `log N > 16` or two
//! units, or `s_last` misplaced.

pub mod bank;
pub mod config;
pub mod slot;

use crate::bit_reverse::BitReverse16;
use crate::delay_line::DelayLine;
use crate::field::{fr_to_bits, Bn254Field};
use crate::memory::{fifo::Fifo, rom::Rom};
use crate::mod_add_sub::{AddSubOp, ModAddSub};
use crate::ntt::multiplier::{ButterflyMul, NttMultiplier};
use ark_bn254::Fr;
use ark_ff::{FftField, One, PrimeField};
use bank::BankOf;
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use slot::SlotBanks;

// Slot states (2 bits per slot, written as literals in `update`): 0 free, 1 full (loaded),
// 2 computing (owned by a lane), 3 done (computed, waiting to be unloaded).

/// Core states.
#[derive(Copy, Clone, PartialEq, Eq, Debug, LogicState)]
pub enum NttBatchState {
    /// Waiting for `start`.
    Idle,
    /// A batch is in progress.
    Run,
}

/// The batch NTT core; see the module docs.
#[derive(LogicBlock)]
pub struct NttBatchCore {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// Starts a batch with the configuration below (only when `busy` is low).
    pub start: Signal<In, Bit>,
    /// `k` with `n = 2^k`, `1 ≤ k ≤ K`.
    pub cfg_log_n: Signal<In, Bits<5>>,
    /// Inverse transforms (scaled by `1/n`).
    pub cfg_inverse: Signal<In, Bit>,
    /// Transforms in the batch (`≥ 1`).
    pub cfg_count: Signal<In, Bits<16>>,
    /// Butterfly units to use, 1 or 2 (2 needs `cfg_log_n ≥ 2`; a smaller size runs on one).
    pub cfg_units: Signal<In, Bits<2>>,
    /// `p`: pack `2^p` transforms into one slot (`cfg_log_n + p ≤ K`; `cfg_count` a multiple of
    /// `2^p`). A lane's stage then runs that stage of all `2^p` transforms (`2^p·n/2`
    /// butterflies), so small transforms hide the pipeline as a `2^{k+p}`-point one would.
    pub cfg_log_pack: Signal<In, Bits<4>>,
    /// Four-step twiddles on the way out: `0` none; `log N` (`cfg_log_n < log N ≤ 16`, one
    /// unit) multiplies output `j` of the batch's transform `t` (counted from 0 over the whole
    /// batch) by `ω_N^{t·j}` (`ω_N^{−t·j}` for an inverse batch), on the second unit's multiplier
    /// (see the module docs).
    pub cfg_tw_log_n: Signal<In, Bits<5>>,
    /// A batch is in progress.
    pub busy: Signal<Out, Bit>,
    /// Sticky error of the last batch: bad `cfg_log_n`, `cfg_count`, `cfg_units`, `cfg_log_pack` or
    /// `cfg_tw_log_n` (see the module docs), or `s_last` misplaced.
    pub error: Signal<Out, Bit>,
    /// Input stream data (one Fr element, wire format).
    pub s_data: Signal<In, Bits<256>>,
    /// Input stream valid.
    pub s_valid: Signal<In, Bit>,
    /// Input stream ready.
    pub s_ready: Signal<Out, Bit>,
    /// Input stream last (last element of each transform).
    pub s_last: Signal<In, Bit>,
    /// Output stream data.
    pub m_data: Signal<Out, Bits<256>>,
    /// Output stream valid.
    pub m_valid: Signal<Out, Bit>,
    /// Output stream ready.
    pub m_ready: Signal<In, Bit>,
    /// Output stream last (last element of each transform).
    pub m_last: Signal<Out, Bit>,
    k_max: Constant<Bits<5>>,
    k_max_m1: Constant<Bits<5>>,
    tw_mask: Constant<Bits<16>>,
    half_p1: Constant<Bits<256>>,
    credit_limit: Constant<Bits<8>>,
    mul: ButterflyMul,
    add: ModAddSub,
    sub: ModAddSub,
    half_add: ModAddSub,
    half_sub: ModAddSub,
    x0_line: DelayLine<256>,
    ctrl_line: DelayLine<72>,
    slot0: SlotBanks,
    slot1: SlotBanks,
    slot2: SlotBanks,
    slot3: SlotBanks,
    twiddle: Rom<256>,
    mul1: ButterflyMul,
    add1: ModAddSub,
    sub1: ModAddSub,
    half_add1: ModAddSub,
    half_sub1: ModAddSub,
    x0_line1: DelayLine<256>,
    twiddle1: Rom<256>,
    tw_lo: Rom<256>,
    sc_line: DelayLine<3>,
    hi_line: DelayLine<17>,
    tw_lo_mask: Constant<Bits<16>>,
    tw_hi_shift: Constant<Bits<5>>,
    tw_log: DFF<Bits<5>>,
    tw_on: DFF<Bit>,
    tw_e: DFF<Bits<16>>,
    tw_t: DFF<Bits<16>>,
    sc_hi: DFF<Bits<16>>,
    sc_inf: DFF<Bits<8>>,
    tw_step: Signal<Local, Bits<16>>,
    tw_x: Signal<Local, Bits<16>>,
    sc_ret: Signal<Local, Bit>,
    sc_new: Signal<Local, Bit>,
    sc_done: Signal<Local, Bit>,
    sc_block: Signal<Local, Bit>,
    bk_i0: BankOf,
    bk_i1: BankOf,
    bk_j0: BankOf,
    bk_j1: BankOf,
    bk_ld: BankOf,
    bk_un: BankOf,
    fifo: Fifo<257>,
    rev: BitReverse16,
    state: DFF<NttBatchState>,
    log_n: DFF<Bits<5>>,
    log_s: DFF<Bits<5>>,
    pack: DFF<Bits<4>>,
    inverse: DFF<Bit>,
    count: DFF<Bits<16>>,
    err: DFF<Bit>,
    load_t: DFF<Bits<16>>,
    lidx: DFF<Bits<16>>,
    comp_t: DFF<Bits<16>>,
    unload_t: DFF<Bits<16>>,
    uidx: DFF<Bits<16>>,
    st0: DFF<Bits<2>>,
    st1: DFF<Bits<2>>,
    st2: DFF<Bits<2>>,
    st3: DFF<Bits<2>>,
    inf0: DFF<Bits<8>>,
    inf1: DFF<Bits<8>>,
    inf2: DFF<Bits<8>>,
    inf3: DFF<Bits<8>>,
    l0_act: DFF<Bit>,
    l1_act: DFF<Bit>,
    l0_slot: DFF<Bits<2>>,
    l1_slot: DFF<Bits<2>>,
    l0_stage: DFF<Bits<5>>,
    l1_stage: DFF<Bits<5>>,
    cur: DFF<Bit>,
    mid: DFF<Bit>,
    idx: DFF<Bits<16>>,
    r_valid: DFF<Bit>,
    r_slot: DFF<Bits<2>>,
    r_src: DFF<Bit>,
    r_sdata: DFF<Bits<256>>,
    r_stream: DFF<Bit>,
    dual: DFF<Bit>,
    r_dual: DFF<Bit>,
    r_c0: DFF<Bits<16>>,
    r_c1: DFF<Bits<16>>,
    r_c2: DFF<Bits<16>>,
    r_c3: DFF<Bits<16>>,
    o_bank: DFF<Bits<2>>,
    o_valid: DFF<Bit>,
    o_slot: DFF<Bits<2>>,
    o_last: DFF<Bit>,
    n_m1: Signal<Local, Bits<16>>,
    tn_m1: Signal<Local, Bits<16>>,
    pack_on: Signal<Local, Bit>,
    half_m1: Signal<Local, Bits<16>>,
    sel_slot: Signal<Local, Bits<2>>,
    sel_stage: Signal<Local, Bits<5>>,
    pow_stage: Signal<Local, Bits<16>>,
    bmask: Signal<Local, Bits<16>>,
    i0: Signal<Local, Bits<16>>,
    i1: Signal<Local, Bits<16>>,
    tw: Signal<Local, Bits<16>>,
    rev_idx: Signal<Local, Bits<16>>,
    inf_l0: Signal<Local, Bits<8>>,
    inf_l1: Signal<Local, Bits<8>>,
    ready0: Signal<Local, Bit>,
    ready1: Signal<Local, Bit>,
    issue: Signal<Local, Bit>,
    fin: Signal<Local, Bit>,
    c_slot: Signal<Local, Bits<2>>,
    c_st: Signal<Local, Bits<2>>,
    act0: Signal<Local, Bit>,
    act1: Signal<Local, Bit>,
    l_slot: Signal<Local, Bits<2>>,
    l_st: Signal<Local, Bits<2>>,
    ld_fire: Signal<Local, Bit>,
    ld_done: Signal<Local, Bit>,
    u_slot: Signal<Local, Bits<2>>,
    u_st: Signal<Local, Bits<2>>,
    u_inf: Signal<Local, Bits<8>>,
    u_fire: Signal<Local, Bit>,
    u_done: Signal<Local, Bit>,
    u_ra: Signal<Local, Bits<16>>,
    lo_data: Signal<Local, Bits<256>>,
    hi_data: Signal<Local, Bits<256>>,
    o_data: Signal<Local, Bits<256>>,
    ctrl_out: Signal<Local, Bits<72>>,
    wb_valid: Signal<Local, Bit>,
    wb_slot: Signal<Local, Bits<2>>,
    lw_valid: Signal<Local, Bit>,
    ld_bfly: Signal<Local, Bit>,
    lane_issue: Signal<Local, Bit>,
    is_slot: Signal<Local, Bits<2>>,
    is_a0: Signal<Local, Bits<16>>,
    is_a1: Signal<Local, Bits<16>>,
    u_start: Signal<Local, Bits<16>>,
    streams: Signal<Local, Bit>,
    fin0: Signal<Local, Bit>,
    fin1: Signal<Local, Bit>,
    sel_fin: Signal<Local, Bit>,
    lane_go: Signal<Local, Bit>,
    out_credit: Signal<Local, Bit>,
    wb_stream: Signal<Local, Bit>,
    quarter: Signal<Local, Bits<16>>,
    span_m1: Signal<Local, Bits<16>>,
    first_stage: Signal<Local, Bits<5>>,
    dual_start: Signal<Local, Bit>,
    idx1: Signal<Local, Bits<16>>,
    j0: Signal<Local, Bits<16>>,
    j1: Signal<Local, Bits<16>>,
    tw1: Signal<Local, Bits<16>>,
    is_b0: Signal<Local, Bits<16>>,
    is_b1: Signal<Local, Bits<16>>,
    cd0: Signal<Local, Bits<16>>,
    cd1: Signal<Local, Bits<16>>,
    cd2: Signal<Local, Bits<16>>,
    cd3: Signal<Local, Bits<16>>,
    ca0: Signal<Local, Bits<16>>,
    ca1: Signal<Local, Bits<16>>,
    ca2: Signal<Local, Bits<16>>,
    ca3: Signal<Local, Bits<16>>,
    rb0: Signal<Local, Bits<256>>,
    rb1: Signal<Local, Bits<256>>,
    rb2: Signal<Local, Bits<256>>,
    rb3: Signal<Local, Bits<256>>,
    lo1_data: Signal<Local, Bits<256>>,
    hi1_data: Signal<Local, Bits<256>>,
    ob0: Signal<Local, Bits<256>>,
    ob1: Signal<Local, Bits<256>>,
    ob2: Signal<Local, Bits<256>>,
    ob3: Signal<Local, Bits<256>>,
    wb_dual: Signal<Local, Bit>,
    wc0: Signal<Local, Bits<16>>,
    wc1: Signal<Local, Bits<16>>,
    wc2: Signal<Local, Bits<16>>,
    wc3: Signal<Local, Bits<16>>,
    bw_en0: Signal<Local, Bit>,
    bw_en1: Signal<Local, Bit>,
    bw_en2: Signal<Local, Bit>,
    bw_en3: Signal<Local, Bit>,
    bw_addr0: Signal<Local, Bits<16>>,
    bw_addr1: Signal<Local, Bits<16>>,
    bw_addr2: Signal<Local, Bits<16>>,
    bw_addr3: Signal<Local, Bits<16>>,
    bw_data0: Signal<Local, Bits<256>>,
    bw_data1: Signal<Local, Bits<256>>,
    bw_data2: Signal<Local, Bits<256>>,
    bw_data3: Signal<Local, Bits<256>>,
}

impl NttBatchCore {
    /// A batch core with slots of `2^k_max` points (`3 ≤ k_max ≤ 15`) on the pipelined
    /// multiplier.
    pub fn new(k_max: usize) -> Self {
        assert!((3..=15).contains(&k_max), "K must be in 3..=15");
        let size = 1usize << k_max;
        let omega = Fr::get_root_of_unity(size as u64).expect("2^K divides r - 1 for K <= 28");
        let mut tw = Vec::with_capacity(size);
        let mut w = Fr::one();
        for _ in 0..size {
            tw.push(fr_to_bits(&w));
            w *= omega;
        }
        // Four-step twiddles: `ω_{2^16}^x = ω_{2^K}^{x >> (16−K)} · ω_{2^16}^{x mod 2^{16−K}}`, the
        // first factor from the butterfly twiddle ROM, the second from this one.
        let omega16 = Fr::get_root_of_unity(1u64 << config::FOUR_STEP_LOG_MAX).expect("2^16 divides r - 1");
        let mut tw_lo = Vec::with_capacity(1 << (16 - k_max));
        let mut w = Fr::one();
        for _ in 0..1usize << (config::FOUR_STEP_LOG_MAX - k_max) {
            tw_lo.push(fr_to_bits(&w));
            w *= omega16;
        }
        let p: BigUint = Fr::MODULUS.into();
        let half_p1 = crate::field::biguint_to_bits::<256>(&((p + 1u32) >> 1));
        let lat_mul = NttMultiplier::PipelinedXcup.latency();
        let lat_add = crate::mod_add_sub::config::LATENCY;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            cfg_log_n: Default::default(),
            cfg_inverse: Default::default(),
            cfg_count: Default::default(),
            cfg_units: Default::default(),
            cfg_log_pack: Default::default(),
            cfg_tw_log_n: Default::default(),
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
            k_max: Constant::new(bits::<5>(k_max as u64)),
            k_max_m1: Constant::new(bits::<5>(k_max as u64 - 1)),
            tw_mask: Constant::new(bits::<16>(size as u64 - 1)),
            half_p1: Constant::new(half_p1),
            credit_limit: Constant::new(bits::<8>(config::FIFO_DEPTH as u64 - 2)),
            mul: ButterflyMul::new(NttMultiplier::PipelinedXcup),
            add: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Add),
            sub: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Sub),
            half_add: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Add),
            half_sub: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Add),
            x0_line: DelayLine::new(lat_mul),
            ctrl_line: DelayLine::new(lat_mul + 2 * lat_add),
            slot0: SlotBanks::new(k_max),
            slot1: SlotBanks::new(k_max),
            slot2: SlotBanks::new(k_max),
            slot3: SlotBanks::new(k_max),
            twiddle: Rom::new(tw.clone()),
            mul1: ButterflyMul::new(NttMultiplier::PipelinedXcup),
            add1: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Add),
            sub1: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Sub),
            half_add1: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Add),
            half_sub1: ModAddSub::bn254(Bn254Field::Fr, AddSubOp::Add),
            x0_line1: DelayLine::new(lat_mul),
            twiddle1: Rom::new(tw),
            tw_lo: Rom::new(tw_lo),
            sc_line: DelayLine::new(lat_mul),
            hi_line: DelayLine::new(lat_mul - 1),
            tw_lo_mask: Constant::new(bits::<16>((1u64 << (16 - k_max)) - 1)),
            tw_hi_shift: Constant::new(bits::<5>(16 - k_max as u64)),
            tw_log: Default::default(),
            tw_on: Default::default(),
            tw_e: Default::default(),
            tw_t: Default::default(),
            sc_hi: Default::default(),
            sc_inf: Default::default(),
            tw_step: Default::default(),
            tw_x: Default::default(),
            sc_ret: Default::default(),
            sc_new: Default::default(),
            sc_done: Default::default(),
            sc_block: Default::default(),
            bk_i0: Default::default(),
            bk_i1: Default::default(),
            bk_j0: Default::default(),
            bk_j1: Default::default(),
            bk_ld: Default::default(),
            bk_un: Default::default(),
            fifo: Fifo::new(config::FIFO_DEPTH),
            rev: Default::default(),
            state: Default::default(),
            log_n: Default::default(),
            log_s: Default::default(),
            pack: Default::default(),
            inverse: Default::default(),
            count: Default::default(),
            err: Default::default(),
            load_t: Default::default(),
            lidx: Default::default(),
            comp_t: Default::default(),
            unload_t: Default::default(),
            uidx: Default::default(),
            st0: Default::default(),
            st1: Default::default(),
            st2: Default::default(),
            st3: Default::default(),
            inf0: Default::default(),
            inf1: Default::default(),
            inf2: Default::default(),
            inf3: Default::default(),
            l0_act: Default::default(),
            l1_act: Default::default(),
            l0_slot: Default::default(),
            l1_slot: Default::default(),
            l0_stage: Default::default(),
            l1_stage: Default::default(),
            cur: Default::default(),
            mid: Default::default(),
            idx: Default::default(),
            r_valid: Default::default(),
            r_slot: Default::default(),
            r_src: Default::default(),
            r_sdata: Default::default(),
            r_stream: Default::default(),
            dual: Default::default(),
            r_dual: Default::default(),
            r_c0: Default::default(),
            r_c1: Default::default(),
            r_c2: Default::default(),
            r_c3: Default::default(),
            o_bank: Default::default(),
            o_valid: Default::default(),
            o_slot: Default::default(),
            o_last: Default::default(),
            n_m1: Default::default(),
            tn_m1: Default::default(),
            pack_on: Default::default(),
            half_m1: Default::default(),
            sel_slot: Default::default(),
            sel_stage: Default::default(),
            pow_stage: Default::default(),
            bmask: Default::default(),
            i0: Default::default(),
            i1: Default::default(),
            tw: Default::default(),
            rev_idx: Default::default(),
            inf_l0: Default::default(),
            inf_l1: Default::default(),
            ready0: Default::default(),
            ready1: Default::default(),
            issue: Default::default(),
            fin: Default::default(),
            c_slot: Default::default(),
            c_st: Default::default(),
            act0: Default::default(),
            act1: Default::default(),
            l_slot: Default::default(),
            l_st: Default::default(),
            ld_fire: Default::default(),
            ld_done: Default::default(),
            u_slot: Default::default(),
            u_st: Default::default(),
            u_inf: Default::default(),
            u_fire: Default::default(),
            u_done: Default::default(),
            u_ra: Default::default(),
            lo_data: Default::default(),
            hi_data: Default::default(),
            o_data: Default::default(),
            ctrl_out: Default::default(),
            wb_valid: Default::default(),
            wb_slot: Default::default(),
            lw_valid: Default::default(),
            ld_bfly: Default::default(),
            lane_issue: Default::default(),
            is_slot: Default::default(),
            is_a0: Default::default(),
            is_a1: Default::default(),
            u_start: Default::default(),
            streams: Default::default(),
            fin0: Default::default(),
            fin1: Default::default(),
            sel_fin: Default::default(),
            lane_go: Default::default(),
            out_credit: Default::default(),
            wb_stream: Default::default(),
            quarter: Default::default(),
            span_m1: Default::default(),
            first_stage: Default::default(),
            dual_start: Default::default(),
            idx1: Default::default(),
            j0: Default::default(),
            j1: Default::default(),
            tw1: Default::default(),
            is_b0: Default::default(),
            is_b1: Default::default(),
            cd0: Default::default(),
            cd1: Default::default(),
            cd2: Default::default(),
            cd3: Default::default(),
            ca0: Default::default(),
            ca1: Default::default(),
            ca2: Default::default(),
            ca3: Default::default(),
            rb0: Default::default(),
            rb1: Default::default(),
            rb2: Default::default(),
            rb3: Default::default(),
            lo1_data: Default::default(),
            hi1_data: Default::default(),
            ob0: Default::default(),
            ob1: Default::default(),
            ob2: Default::default(),
            ob3: Default::default(),
            wb_dual: Default::default(),
            wc0: Default::default(),
            wc1: Default::default(),
            wc2: Default::default(),
            wc3: Default::default(),
            bw_en0: Default::default(),
            bw_en1: Default::default(),
            bw_en2: Default::default(),
            bw_en3: Default::default(),
            bw_addr0: Default::default(),
            bw_addr1: Default::default(),
            bw_addr2: Default::default(),
            bw_addr3: Default::default(),
            bw_data0: Default::default(),
            bw_data1: Default::default(),
            bw_data2: Default::default(),
            bw_data3: Default::default(),
        }
    }
}

impl Logic for NttBatchCore {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, log_n, log_s, pack, tw_log, tw_on, tw_e, tw_t, sc_hi, sc_inf, inverse, count, err, load_t, lidx, comp_t, unload_t, uidx, st0,
            st1, st2, st3, inf0, inf1, inf2, inf3, l0_act, l1_act, l0_slot, l1_slot, l0_stage, l1_stage, cur, mid, idx, r_valid, r_slot, r_src, r_sdata,
            r_stream, o_valid, o_slot, o_last, dual, r_dual, r_c0, r_c1, r_c2, r_c3, o_bank
        );
        self.mul.clock.next = self.clock.val();
        self.mul.reset.next = self.reset.val();
        self.add.clock.next = self.clock.val();
        self.add.reset.next = self.reset.val();
        self.sub.clock.next = self.clock.val();
        self.sub.reset.next = self.reset.val();
        self.half_add.clock.next = self.clock.val();
        self.half_add.reset.next = self.reset.val();
        self.half_sub.clock.next = self.clock.val();
        self.half_sub.reset.next = self.reset.val();
        self.x0_line.clock.next = self.clock.val();
        self.ctrl_line.clock.next = self.clock.val();
        self.slot0.clock.next = self.clock.val();
        self.slot1.clock.next = self.clock.val();
        self.slot2.clock.next = self.clock.val();
        self.slot3.clock.next = self.clock.val();
        self.twiddle.clock.next = self.clock.val();
        self.twiddle1.clock.next = self.clock.val();
        self.tw_lo.clock.next = self.clock.val();
        self.sc_line.clock.next = self.clock.val();
        self.hi_line.clock.next = self.clock.val();
        self.mul1.clock.next = self.clock.val();
        self.mul1.reset.next = self.reset.val();
        self.add1.clock.next = self.clock.val();
        self.add1.reset.next = self.reset.val();
        self.sub1.clock.next = self.clock.val();
        self.sub1.reset.next = self.reset.val();
        self.half_add1.clock.next = self.clock.val();
        self.half_add1.reset.next = self.reset.val();
        self.half_sub1.clock.next = self.clock.val();
        self.half_sub1.reset.next = self.reset.val();
        self.x0_line1.clock.next = self.clock.val();
        self.fifo.clock.next = self.clock.val();
        self.fifo.reset.next = self.reset.val();

        // Sizes; the lane that owns the butterfly unit and its butterfly addressing.
        // Slot geometry (`2^{k+p}` points: the `2^p` packed transforms one after the other, each
        // bit-reversed inside its own `2^k` points) and the transform's own size.
        self.n_m1.next = (bits::<16>(1) << self.log_s.q.val()) - 1;
        self.half_m1.next = (bits::<16>(1) << (self.log_s.q.val() - 1)) - 1;
        self.tn_m1.next = (bits::<16>(1) << self.log_n.q.val()) - 1;
        self.pack_on.next = self.pack.q.val() != 0;
        // For `k ≥ 2` the final stage is a lane stage: its butterfly `j` (`j < n/2`, in order)
        // writes outputs `j` and `j + n/2`; the first goes straight to the output FIFO, so the
        // unloader reads only the second half. For `k = 1` the loader's stage 0 is the last.
        // With two units (`dual`) a lane issues butterflies `j` and `j + n/4` of a stage together
        // (stages of n/4 issue cycles, stage 0 included: the loader only stores), and the final
        // stage writes back to the slot like the others.
        self.quarter.next = (self.half_m1.val() + 1) >> 1;
        self.span_m1.next = self.half_m1.val();
        self.first_stage.next = 1.into();
        if self.dual.q.val() {
            self.span_m1.next = self.quarter.val() - 1;
            self.first_stage.next = 0.into();
        }
        // Packed transforms: the loader only stores (a later transform's stores would meet an
        // earlier one's stage-0 write-backs in the slot) and nothing streams (the final stage's
        // butterflies of one transform are followed by the next transform's, not by the second
        // half of the first).
        if self.pack_on.val() {
            self.first_stage.next = 0.into();
        }
        self.streams.next = (self.log_n.q.val() > 1) & !self.dual.q.val() & !self.pack_on.val() & !self.tw_on.q.val();
        self.u_start.next = 0.into();
        if self.streams.val() {
            self.u_start.next = self.half_m1.val() + 1;
        }
        if self.cur.q.val() {
            self.sel_slot.next = self.l1_slot.q.val();
            self.sel_stage.next = self.l1_stage.q.val();
        } else {
            self.sel_slot.next = self.l0_slot.q.val();
            self.sel_stage.next = self.l0_stage.q.val();
        }
        self.pow_stage.next = bits::<16>(1) << self.sel_stage.val();
        self.bmask.next = self.pow_stage.val() - 1;
        self.i0.next = ((self.idx.q.val() >> self.sel_stage.val()) << (self.sel_stage.val() + 1)) | (self.idx.q.val() & self.bmask.val());
        self.i1.next = self.i0.val() | self.pow_stage.val();
        self.idx1.next = self.idx.q.val() | self.quarter.val();
        self.j0.next = ((self.idx1.val() >> self.sel_stage.val()) << (self.sel_stage.val() + 1)) | (self.idx1.val() & self.bmask.val());
        self.j1.next = self.j0.val() | self.pow_stage.val();
        if self.inverse.q.val() {
            self.tw.next = (bits::<16>(0) - ((self.idx.q.val() & self.bmask.val()) << (self.k_max_m1.val() - self.sel_stage.val()))) & self.tw_mask.val();
        } else {
            self.tw.next = (self.idx.q.val() & self.bmask.val()) << (self.k_max_m1.val() - self.sel_stage.val());
        }
        if self.inverse.q.val() {
            self.tw1.next = (bits::<16>(0) - ((self.idx1.val() & self.bmask.val()) << (self.k_max_m1.val() - self.sel_stage.val()))) & self.tw_mask.val();
        } else {
            self.tw1.next = (self.idx1.val() & self.bmask.val()) << (self.k_max_m1.val() - self.sel_stage.val());
        }

        // Butterflies in flight per lane's slot.
        self.inf_l0.next = self.inf0.q.val();
        if self.l0_slot.q.val() == 1 {
            self.inf_l0.next = self.inf1.q.val();
        }
        if self.l0_slot.q.val() == 2 {
            self.inf_l0.next = self.inf2.q.val();
        }
        if self.l0_slot.q.val() == 3 {
            self.inf_l0.next = self.inf3.q.val();
        }
        self.inf_l1.next = self.inf0.q.val();
        if self.l1_slot.q.val() == 1 {
            self.inf_l1.next = self.inf1.q.val();
        }
        if self.l1_slot.q.val() == 2 {
            self.inf_l1.next = self.inf2.q.val();
        }
        if self.l1_slot.q.val() == 3 {
            self.inf_l1.next = self.inf3.q.val();
        }
        // A lane may start its next stage once its previous stage is written back.
        self.u_slot.next = self.unload_t.q.val().get_bits::<2>(0);
        // The final stage streams its first half to the output (see `streams`), so it starts
        // only once the unloader has reached its transform (every earlier output is out).
        self.fin0.next = (self.l0_stage.q.val() + 1) == self.log_n.q.val();
        self.fin1.next = (self.l1_stage.q.val() + 1) == self.log_n.q.val();
        self.ready0.next =
            self.l0_act.q.val() & (self.inf_l0.val() == 0) & !(self.fin0.val() & self.streams.val() & (self.l0_slot.q.val() != self.u_slot.val()));
        self.ready1.next =
            self.l1_act.q.val() & (self.inf_l1.val() == 0) & !(self.fin1.val() & self.streams.val() & (self.l1_slot.q.val() != self.u_slot.val()));

        // States of the slots the loader, the next lane and the unloader use.
        self.l_slot.next = self.load_t.q.val().get_bits::<2>(0);
        self.c_slot.next = self.comp_t.q.val().get_bits::<2>(0);
        self.l_st.next = self.st0.q.val();
        if self.l_slot.val() == 1 {
            self.l_st.next = self.st1.q.val();
        }
        if self.l_slot.val() == 2 {
            self.l_st.next = self.st2.q.val();
        }
        if self.l_slot.val() == 3 {
            self.l_st.next = self.st3.q.val();
        }
        self.c_st.next = self.st0.q.val();
        if self.c_slot.val() == 1 {
            self.c_st.next = self.st1.q.val();
        }
        if self.c_slot.val() == 2 {
            self.c_st.next = self.st2.q.val();
        }
        if self.c_slot.val() == 3 {
            self.c_st.next = self.st3.q.val();
        }
        self.u_st.next = self.st0.q.val();
        self.u_inf.next = self.inf0.q.val();
        if self.u_slot.val() == 1 {
            self.u_st.next = self.st1.q.val();
            self.u_inf.next = self.inf1.q.val();
        }
        if self.u_slot.val() == 2 {
            self.u_st.next = self.st2.q.val();
            self.u_inf.next = self.inf2.q.val();
        }
        if self.u_slot.val() == 3 {
            self.u_st.next = self.st3.q.val();
            self.u_inf.next = self.inf3.q.val();
        }
        self.rev.x.next = self.lidx.q.val();
        self.rev_idx.next = (self.rev.q.val() >> (bits::<5>(16) - self.log_n.q.val())) | (self.lidx.q.val() & (self.n_m1.val() - self.tn_m1.val()));
        // Four-step twiddle of the next unloaded output (`tw_e`: `t·j·2^{16 − log N}` mod 2^16)
        // and the guard of the second unit's multiplier: `hi_line` says one cycle ahead that a
        // first product comes back and takes the multiplier's input.
        self.tw_step.next = self.tw_t.q.val() << (bits::<5>(16) - self.tw_log.q.val());
        self.tw_x.next = self.tw_e.q.val();
        if self.inverse.q.val() {
            self.tw_x.next = bits::<16>(0) - self.tw_e.q.val();
        }
        self.tw_lo.addr.next = self.tw_x.val() & self.tw_lo_mask.val();
        self.sc_block.next = self.tw_on.q.val() & self.hi_line.q.val().get_bit(16);

        self.issue.next = false;
        self.lane_issue.next = false;
        self.sel_fin.next = false;
        self.out_credit.next = false;
        self.lane_go.next = false;
        self.ld_bfly.next = false;
        self.lw_valid.next = false;
        self.fin.next = false;
        self.act0.next = false;
        self.act1.next = false;
        self.ld_fire.next = false;
        self.ld_done.next = false;
        self.u_fire.next = false;
        self.u_done.next = false;
        self.s_ready.next = false;

        self.dual_start.next = (self.cfg_units.val() == 2) & (self.cfg_log_n.val() > 1);
        match self.state.q.val() {
            NttBatchState::Idle => {
                if self.start.val() {
                    self.log_n.d.next = self.cfg_log_n.val();
                    self.log_s.d.next = self.cfg_log_n.val() + bit_cast::<5, 4>(self.cfg_log_pack.val());
                    self.pack.d.next = self.cfg_log_pack.val();
                    self.tw_log.d.next = self.cfg_tw_log_n.val();
                    self.tw_on.d.next = self.cfg_tw_log_n.val() != 0;
                    self.tw_e.d.next = 0.into();
                    self.tw_t.d.next = 0.into();
                    self.inverse.d.next = self.cfg_inverse.val();
                    self.count.d.next = self.cfg_count.val() >> self.cfg_log_pack.val();
                    self.dual.d.next = self.dual_start.val();
                    self.load_t.d.next = 0.into();
                    self.lidx.d.next = 0.into();
                    self.comp_t.d.next = 0.into();
                    self.unload_t.d.next = 0.into();
                    self.uidx.d.next = 0.into();
                    if (self.cfg_log_n.val() > 1) & !self.dual_start.val() & (self.cfg_log_pack.val() == 0) & (self.cfg_tw_log_n.val() == 0) {
                        self.uidx.d.next = bits::<16>(1) << (self.cfg_log_n.val() - 1);
                    }
                    self.idx.d.next = 0.into();
                    self.cur.d.next = false;
                    self.mid.d.next = false;
                    if (self.cfg_log_n.val() == 0)
                        | (self.cfg_log_n.val() > self.k_max.val())
                        | ((self.cfg_log_n.val() + bit_cast::<5, 4>(self.cfg_log_pack.val())) > self.k_max.val())
                        | ((self.cfg_count.val() & ((bits::<16>(1) << self.cfg_log_pack.val()) - 1)) != 0)
                        | ((self.cfg_tw_log_n.val() != 0)
                            & ((self.cfg_tw_log_n.val() <= self.cfg_log_n.val()) | (self.cfg_tw_log_n.val() > 16) | (self.cfg_units.val() != 1)))
                        | (self.cfg_count.val() == 0)
                        | (self.cfg_units.val() == 0)
                        | (self.cfg_units.val() == 3)
                    {
                        self.err.d.next = true;
                    } else {
                        self.err.d.next = false;
                        self.state.d.next = NttBatchState::Run;
                    }
                }
            }
            NttBatchState::Run => {
                // Load: the next transform into its slot once that slot is free.
                self.s_ready.next = (self.load_t.q.val() != self.count.q.val()) & (self.l_st.val() == 0);
                if self.s_valid.val() & self.s_ready.val() {
                    self.ld_fire.next = true;
                    // First half: store; second half: element `j + n/2` meets element `j` in a
                    // stage-0 butterfly (twiddle 1) that takes the unit this cycle.
                    if (self.lidx.q.val() > self.half_m1.val()) & !self.dual.q.val() & !self.pack_on.val() {
                        self.ld_bfly.next = true;
                    } else {
                        self.lw_valid.next = true;
                    }
                    // `s_last` on the last element of every transform (of every packed one).
                    if (self.lidx.q.val() & self.tn_m1.val()) == self.tn_m1.val() {
                        if !self.s_last.val() {
                            self.err.d.next = true;
                        }
                    } else {
                        if self.s_last.val() {
                            self.err.d.next = true;
                        }
                    }
                    if self.lidx.q.val() == self.n_m1.val() {
                        self.ld_done.next = true;
                        self.lidx.d.next = 0.into();
                        self.load_t.d.next = self.load_t.q.val() + 1;
                    } else {
                        self.lidx.d.next = self.lidx.q.val() + 1;
                    }
                }

                // A free lane takes the next loaded transform at stage 1 (stage 0 ran while loading).
                if (self.comp_t.q.val() != self.count.q.val()) & (self.c_st.val() == 1) {
                    if !self.l0_act.q.val() {
                        self.act0.next = true;
                        self.l0_act.d.next = true;
                        self.l0_slot.d.next = self.c_slot.val();
                        self.l0_stage.d.next = self.first_stage.val();
                        self.comp_t.d.next = self.comp_t.q.val() + 1;
                    } else {
                        if !self.l1_act.q.val() {
                            self.act1.next = true;
                            self.l1_act.d.next = true;
                            self.l1_slot.d.next = self.c_slot.val();
                            self.l1_stage.d.next = self.first_stage.val();
                            self.comp_t.d.next = self.comp_t.q.val() + 1;
                        }
                    }
                }

                // Butterflies: a lane keeps the unit for a whole stage; between stages the other
                // lane goes first if it is ready (its previous stage drained meanwhile).
                // A final-stage butterfly needs room in the output FIFO for its streamed output:
                // the FIFO's words, the read in flight and the slot's butterflies in flight.
                if self.cur.q.val() {
                    self.sel_fin.next = self.fin1.val();
                } else {
                    self.sel_fin.next = self.fin0.val();
                }
                self.out_credit.next = (self.fifo.count.val() + bit_cast::<8, 1>(self.o_valid.q.val().into()) + self.u_inf.val()) < self.credit_limit.val();
                self.lane_go.next = self.mid.q.val() & !self.ld_bfly.val() & (!(self.sel_fin.val() & self.streams.val()) | self.out_credit.val());
                if self.lane_go.val() {
                    self.lane_issue.next = true;
                    if self.idx.q.val() == self.span_m1.val() {
                        self.idx.d.next = 0.into();
                        self.mid.d.next = false;
                        if self.sel_stage.val() + 1 == self.log_n.q.val() {
                            self.fin.next = true;
                            if self.cur.q.val() {
                                self.l1_act.d.next = false;
                            } else {
                                self.l0_act.d.next = false;
                            }
                        } else {
                            if self.cur.q.val() {
                                self.l1_stage.d.next = self.sel_stage.val() + 1;
                            } else {
                                self.l0_stage.d.next = self.sel_stage.val() + 1;
                            }
                        }
                    } else {
                        self.idx.d.next = self.idx.q.val() + 1;
                    }
                }
                if !self.mid.q.val() {
                    if self.cur.q.val() {
                        if self.ready0.val() {
                            self.cur.d.next = false;
                            self.mid.d.next = true;
                        } else {
                            if self.ready1.val() {
                                self.mid.d.next = true;
                            }
                        }
                    } else {
                        if self.ready1.val() {
                            self.cur.d.next = true;
                            self.mid.d.next = true;
                        } else {
                            if self.ready0.val() {
                                self.mid.d.next = true;
                            }
                        }
                    }
                }

                // Unload: the oldest transform once computed and written back, in natural order.
                // With four-step twiddles the read goes through the second unit's multiplier twice
                // (see `sc_ret`): no read the cycle before a first product comes back, and the
                // elements in that loop count against the FIFO's credit.
                if (self.unload_t.q.val() != self.count.q.val())
                    & (self.u_st.val() == 3)
                    & (self.u_inf.val() == 0)
                    & !self.sc_block.val()
                    & ((self.fifo.count.val() + bit_cast::<8, 1>(self.o_valid.q.val().into()) + self.sc_inf.q.val()) < self.credit_limit.val())
                {
                    self.u_fire.next = true;
                    // Twiddle exponent of this output (`t·j` in units of `ω_{2^16}`: step
                    // `t·2^{16 − log N}` along transform `t`), the high part kept for the second
                    // multiplication.
                    if self.tw_on.q.val() {
                        self.sc_hi.d.next = self.tw_x.val() >> self.tw_hi_shift.val();
                        if (self.uidx.q.val() & self.tn_m1.val()) == self.tn_m1.val() {
                            self.tw_e.d.next = 0.into();
                            self.tw_t.d.next = self.tw_t.q.val() + 1;
                        } else {
                            self.tw_e.d.next = self.tw_e.q.val() + self.tw_step.val();
                        }
                    }
                    if self.uidx.q.val() == self.n_m1.val() {
                        self.u_done.next = true;
                        self.uidx.d.next = self.u_start.val();
                        self.unload_t.d.next = self.unload_t.q.val() + 1;
                    } else {
                        self.uidx.d.next = self.uidx.q.val() + 1;
                    }
                }
                if (self.unload_t.q.val() == self.count.q.val()) & !self.o_valid.q.val() & self.fifo.empty.val() & (self.sc_inf.q.val() == 0) {
                    self.state.d.next = NttBatchState::Idle;
                }
            }
        }
        self.issue.next = self.lane_issue.val() | self.ld_bfly.val();
        // The butterfly issued: the loader's stage-0 butterfly has priority over the lanes.
        self.is_slot.next = self.sel_slot.val();
        self.is_a0.next = self.i0.val();
        self.is_a1.next = self.i1.val();
        self.twiddle.addr.next = self.tw.val();
        if self.ld_bfly.val() {
            self.is_slot.next = self.l_slot.val();
            self.is_a0.next = (self.rev_idx.val() >> 1) << 1;
            self.is_a1.next = self.rev_idx.val() | 1;
            self.twiddle.addr.next = 0.into();
        }
        self.is_b0.next = self.j0.val();
        self.is_b1.next = self.j1.val();
        self.twiddle1.addr.next = self.tw1.val();
        // Banks and words of the (up to four) operands; see `bank.rs` for why they never collide.
        self.bk_i0.addr.next = self.is_a0.val();
        self.bk_i1.addr.next = self.is_a1.val();
        self.bk_j0.addr.next = self.is_b0.val();
        self.bk_j1.addr.next = self.is_b1.val();
        self.bk_ld.addr.next = self.rev_idx.val();
        self.bk_un.addr.next = self.uidx.q.val();
        self.bk_i0.log_n.next = self.log_s.q.val();
        self.bk_i1.log_n.next = self.log_s.q.val();
        self.bk_j0.log_n.next = self.log_s.q.val();
        self.bk_j1.log_n.next = self.log_s.q.val();
        self.bk_ld.log_n.next = self.log_s.q.val();
        self.bk_un.log_n.next = self.log_s.q.val();
        self.bk_i0.half_m1.next = self.half_m1.val();
        self.bk_i1.half_m1.next = self.half_m1.val();
        self.bk_j0.half_m1.next = self.half_m1.val();
        self.bk_j1.half_m1.next = self.half_m1.val();
        self.bk_ld.half_m1.next = self.half_m1.val();
        self.bk_un.half_m1.next = self.half_m1.val();
        self.cd0.next = (bit_cast::<16, 2>(self.bk_i0.bank.val()) << 14) | self.bk_i0.word.val();
        self.cd1.next = (bit_cast::<16, 2>(self.bk_i1.bank.val()) << 14) | self.bk_i1.word.val();
        self.cd2.next = (bit_cast::<16, 2>(self.bk_j0.bank.val()) << 14) | self.bk_j0.word.val();
        self.cd3.next = (bit_cast::<16, 2>(self.bk_j1.bank.val()) << 14) | self.bk_j1.word.val();
        self.ca0.next = 0.into();
        self.ca1.next = 0.into();
        self.ca2.next = 0.into();
        self.ca3.next = 0.into();
        if self.bk_i0.bank.val() == 0 {
            self.ca0.next = self.bk_i0.word.val();
        }
        if self.bk_i1.bank.val() == 0 {
            self.ca0.next = self.bk_i1.word.val();
        }
        if self.dual.q.val() & (self.bk_j0.bank.val() == 0) {
            self.ca0.next = self.bk_j0.word.val();
        }
        if self.dual.q.val() & (self.bk_j1.bank.val() == 0) {
            self.ca0.next = self.bk_j1.word.val();
        }
        if self.bk_i0.bank.val() == 1 {
            self.ca1.next = self.bk_i0.word.val();
        }
        if self.bk_i1.bank.val() == 1 {
            self.ca1.next = self.bk_i1.word.val();
        }
        if self.dual.q.val() & (self.bk_j0.bank.val() == 1) {
            self.ca1.next = self.bk_j0.word.val();
        }
        if self.dual.q.val() & (self.bk_j1.bank.val() == 1) {
            self.ca1.next = self.bk_j1.word.val();
        }
        if self.bk_i0.bank.val() == 2 {
            self.ca2.next = self.bk_i0.word.val();
        }
        if self.bk_i1.bank.val() == 2 {
            self.ca2.next = self.bk_i1.word.val();
        }
        if self.dual.q.val() & (self.bk_j0.bank.val() == 2) {
            self.ca2.next = self.bk_j0.word.val();
        }
        if self.dual.q.val() & (self.bk_j1.bank.val() == 2) {
            self.ca2.next = self.bk_j1.word.val();
        }
        if self.bk_i0.bank.val() == 3 {
            self.ca3.next = self.bk_i0.word.val();
        }
        if self.bk_i1.bank.val() == 3 {
            self.ca3.next = self.bk_i1.word.val();
        }
        if self.dual.q.val() & (self.bk_j0.bank.val() == 3) {
            self.ca3.next = self.bk_j0.word.val();
        }
        if self.dual.q.val() & (self.bk_j1.bank.val() == 3) {
            self.ca3.next = self.bk_j1.word.val();
        }

        // Slot states: loaded (last input written), taken by a lane, computed, unloaded.
        if self.ld_done.val() & (self.l_slot.val() == 0) {
            self.st0.d.next = 1.into();
            if (self.log_n.q.val() == 1) & !self.pack_on.val() {
                self.st0.d.next = 3.into();
            }
        }
        if (self.act0.val() | self.act1.val()) & (self.c_slot.val() == 0) {
            self.st0.d.next = 2.into();
        }
        if self.fin.val() & (self.sel_slot.val() == 0) {
            self.st0.d.next = 3.into();
        }
        if self.u_done.val() & (self.u_slot.val() == 0) {
            self.st0.d.next = 0.into();
        }
        if self.ld_done.val() & (self.l_slot.val() == 1) {
            self.st1.d.next = 1.into();
            if (self.log_n.q.val() == 1) & !self.pack_on.val() {
                self.st1.d.next = 3.into();
            }
        }
        if (self.act0.val() | self.act1.val()) & (self.c_slot.val() == 1) {
            self.st1.d.next = 2.into();
        }
        if self.fin.val() & (self.sel_slot.val() == 1) {
            self.st1.d.next = 3.into();
        }
        if self.u_done.val() & (self.u_slot.val() == 1) {
            self.st1.d.next = 0.into();
        }
        if self.ld_done.val() & (self.l_slot.val() == 2) {
            self.st2.d.next = 1.into();
            if (self.log_n.q.val() == 1) & !self.pack_on.val() {
                self.st2.d.next = 3.into();
            }
        }
        if (self.act0.val() | self.act1.val()) & (self.c_slot.val() == 2) {
            self.st2.d.next = 2.into();
        }
        if self.fin.val() & (self.sel_slot.val() == 2) {
            self.st2.d.next = 3.into();
        }
        if self.u_done.val() & (self.u_slot.val() == 2) {
            self.st2.d.next = 0.into();
        }
        if self.ld_done.val() & (self.l_slot.val() == 3) {
            self.st3.d.next = 1.into();
            if (self.log_n.q.val() == 1) & !self.pack_on.val() {
                self.st3.d.next = 3.into();
            }
        }
        if (self.act0.val() | self.act1.val()) & (self.c_slot.val() == 3) {
            self.st3.d.next = 2.into();
        }
        if self.fin.val() & (self.sel_slot.val() == 3) {
            self.st3.d.next = 3.into();
        }
        if self.u_done.val() & (self.u_slot.val() == 3) {
            self.st3.d.next = 0.into();
        }

        // Registered output read (natural order).
        self.u_ra.next = self.bk_un.word.val();
        self.o_valid.d.next = self.u_fire.val() & !self.reset.val();
        self.o_slot.d.next = self.u_slot.val();
        self.o_bank.d.next = self.bk_un.bank.val();
        self.o_last.d.next = (self.uidx.q.val() & self.tn_m1.val()) == self.tn_m1.val();

        // Read stage of the butterfly: data of the issuing slot, the twiddle.
        self.r_valid.d.next = self.issue.val() & !self.reset.val();
        self.r_slot.d.next = self.is_slot.val();
        self.r_c0.d.next = self.cd0.val();
        self.r_c1.d.next = self.cd1.val();
        self.r_c2.d.next = self.cd2.val();
        self.r_c3.d.next = self.cd3.val();
        self.r_dual.d.next = self.lane_issue.val() & self.dual.q.val();
        self.r_src.d.next = self.ld_bfly.val();
        self.r_stream.d.next = self.lane_issue.val() & self.sel_fin.val() & self.streams.val();
        self.r_sdata.d.next = self.s_data.val();
        self.rb0.next = self.slot0.rdata0.val();
        self.rb1.next = self.slot0.rdata1.val();
        self.rb2.next = self.slot0.rdata2.val();
        self.rb3.next = self.slot0.rdata3.val();
        if self.r_slot.q.val() == 1 {
            self.rb0.next = self.slot1.rdata0.val();
            self.rb1.next = self.slot1.rdata1.val();
            self.rb2.next = self.slot1.rdata2.val();
            self.rb3.next = self.slot1.rdata3.val();
        }
        if self.r_slot.q.val() == 2 {
            self.rb0.next = self.slot2.rdata0.val();
            self.rb1.next = self.slot2.rdata1.val();
            self.rb2.next = self.slot2.rdata2.val();
            self.rb3.next = self.slot2.rdata3.val();
        }
        if self.r_slot.q.val() == 3 {
            self.rb0.next = self.slot3.rdata0.val();
            self.rb1.next = self.slot3.rdata1.val();
            self.rb2.next = self.slot3.rdata2.val();
            self.rb3.next = self.slot3.rdata3.val();
        }
        self.lo_data.next = self.rb0.val();
        if self.r_c0.q.val().get_bits::<2>(14) == 1 {
            self.lo_data.next = self.rb1.val();
        }
        if self.r_c0.q.val().get_bits::<2>(14) == 2 {
            self.lo_data.next = self.rb2.val();
        }
        if self.r_c0.q.val().get_bits::<2>(14) == 3 {
            self.lo_data.next = self.rb3.val();
        }
        self.hi_data.next = self.rb0.val();
        if self.r_c1.q.val().get_bits::<2>(14) == 1 {
            self.hi_data.next = self.rb1.val();
        }
        if self.r_c1.q.val().get_bits::<2>(14) == 2 {
            self.hi_data.next = self.rb2.val();
        }
        if self.r_c1.q.val().get_bits::<2>(14) == 3 {
            self.hi_data.next = self.rb3.val();
        }
        self.lo1_data.next = self.rb0.val();
        if self.r_c2.q.val().get_bits::<2>(14) == 1 {
            self.lo1_data.next = self.rb1.val();
        }
        if self.r_c2.q.val().get_bits::<2>(14) == 2 {
            self.lo1_data.next = self.rb2.val();
        }
        if self.r_c2.q.val().get_bits::<2>(14) == 3 {
            self.lo1_data.next = self.rb3.val();
        }
        self.hi1_data.next = self.rb0.val();
        if self.r_c3.q.val().get_bits::<2>(14) == 1 {
            self.hi1_data.next = self.rb1.val();
        }
        if self.r_c3.q.val().get_bits::<2>(14) == 2 {
            self.hi1_data.next = self.rb2.val();
        }
        if self.r_c3.q.val().get_bits::<2>(14) == 3 {
            self.hi1_data.next = self.rb3.val();
        }
        if self.r_src.q.val() {
            self.hi_data.next = self.r_sdata.q.val();
        }
        self.mul.in_valid.next = self.r_valid.q.val();
        self.mul.a.next = self.hi_data.val();
        self.mul.b.next = self.twiddle.data.val();
        self.x0_line.d.next = self.lo_data.val();
        self.mul1.in_valid.next = self.r_valid.q.val() & self.r_dual.q.val();
        self.mul1.a.next = self.hi1_data.val();
        self.mul1.b.next = self.twiddle1.data.val();
        self.x0_line1.d.next = self.lo1_data.val();
        self.ctrl_line.d.next = bit_cast::<72, 1>(self.r_valid.q.val().into())
            | (bit_cast::<72, 1>(self.r_dual.q.val().into()) << 1)
            | (bit_cast::<72, 2>(self.r_slot.q.val()) << 2)
            | (bit_cast::<72, 16>(self.r_c0.q.val()) << 4)
            | (bit_cast::<72, 16>(self.r_c1.q.val()) << 20)
            | (bit_cast::<72, 16>(self.r_c2.q.val()) << 36)
            | (bit_cast::<72, 16>(self.r_c3.q.val()) << 52)
            | (bit_cast::<72, 1>(self.r_stream.q.val().into()) << 68);

        // Butterfly add/sub, then the halving of inverse stages.
        self.add.a.next = self.x0_line.q.val();
        self.add.b.next = self.mul.out.val();
        self.add.in_valid.next = self.mul.out_valid.val();
        self.sub.a.next = self.x0_line.q.val();
        self.sub.b.next = self.mul.out.val();
        self.sub.in_valid.next = self.mul.out_valid.val();
        self.half_add.in_valid.next = self.add.out_valid.val();
        self.half_sub.in_valid.next = self.sub.out_valid.val();
        self.half_add.a.next = self.add.out.val();
        self.half_add.b.next = 0.into();
        self.half_sub.a.next = self.sub.out.val();
        self.half_sub.b.next = 0.into();
        if self.inverse.q.val() {
            self.half_add.a.next = self.add.out.val() >> 1;
            if self.add.out.val().get_bit(0) {
                self.half_add.b.next = self.half_p1.val();
            }
            self.half_sub.a.next = self.sub.out.val() >> 1;
            if self.sub.out.val().get_bit(0) {
                self.half_sub.b.next = self.half_p1.val();
            }
        }

        self.add1.a.next = self.x0_line1.q.val();
        self.add1.b.next = self.mul1.out.val();
        self.add1.in_valid.next = self.mul1.out_valid.val();
        self.sub1.a.next = self.x0_line1.q.val();
        self.sub1.b.next = self.mul1.out.val();
        self.sub1.in_valid.next = self.mul1.out_valid.val();
        self.half_add1.in_valid.next = self.add1.out_valid.val();
        self.half_sub1.in_valid.next = self.sub1.out_valid.val();
        self.half_add1.a.next = self.add1.out.val();
        self.half_add1.b.next = 0.into();
        self.half_sub1.a.next = self.sub1.out.val();
        self.half_sub1.b.next = 0.into();
        if self.inverse.q.val() {
            self.half_add1.a.next = self.add1.out.val() >> 1;
            if self.add1.out.val().get_bit(0) {
                self.half_add1.b.next = self.half_p1.val();
            }
            self.half_sub1.a.next = self.sub1.out.val() >> 1;
            if self.sub1.out.val().get_bit(0) {
                self.half_sub1.b.next = self.half_p1.val();
            }
        }

        // Write-back into the slot the butterfly came from.
        self.ctrl_out.next = self.ctrl_line.q.val();
        // The adders' valid is cleared by a reset (the control delay line is not): both must agree.
        self.wb_valid.next = self.ctrl_out.val().get_bit(0) & self.half_add.out_valid.val();
        self.wb_dual.next = self.ctrl_out.val().get_bit(1);
        self.wb_slot.next = self.ctrl_out.val().get_bits::<2>(2);
        self.wc0.next = self.ctrl_out.val().get_bits::<16>(4);
        self.wc1.next = self.ctrl_out.val().get_bits::<16>(20);
        self.wc2.next = self.ctrl_out.val().get_bits::<16>(36);
        self.wc3.next = self.ctrl_out.val().get_bits::<16>(52);
        self.wb_stream.next = self.wb_valid.val() & self.ctrl_out.val().get_bit(68);
        // Each result to its bank: unit 0's sum to operand 0's, its difference to operand 1's;
        // unit 1's likewise (dual issues only). The banks are distinct (`bank.rs`).
        self.bw_en0.next = false;
        self.bw_addr0.next = (self.wc0.val() << 2) >> 2;
        self.bw_data0.next = self.half_add.out.val();
        if self.wc0.val().get_bits::<2>(14) == 0 {
            self.bw_en0.next = true;
        }
        if self.wc1.val().get_bits::<2>(14) == 0 {
            self.bw_en0.next = true;
            self.bw_addr0.next = (self.wc1.val() << 2) >> 2;
            self.bw_data0.next = self.half_sub.out.val();
        }
        if self.wb_dual.val() & (self.wc2.val().get_bits::<2>(14) == 0) {
            self.bw_en0.next = true;
            self.bw_addr0.next = (self.wc2.val() << 2) >> 2;
            self.bw_data0.next = self.half_add1.out.val();
        }
        if self.wb_dual.val() & (self.wc3.val().get_bits::<2>(14) == 0) {
            self.bw_en0.next = true;
            self.bw_addr0.next = (self.wc3.val() << 2) >> 2;
            self.bw_data0.next = self.half_sub1.out.val();
        }
        self.bw_en1.next = false;
        self.bw_addr1.next = (self.wc0.val() << 2) >> 2;
        self.bw_data1.next = self.half_add.out.val();
        if self.wc0.val().get_bits::<2>(14) == 1 {
            self.bw_en1.next = true;
        }
        if self.wc1.val().get_bits::<2>(14) == 1 {
            self.bw_en1.next = true;
            self.bw_addr1.next = (self.wc1.val() << 2) >> 2;
            self.bw_data1.next = self.half_sub.out.val();
        }
        if self.wb_dual.val() & (self.wc2.val().get_bits::<2>(14) == 1) {
            self.bw_en1.next = true;
            self.bw_addr1.next = (self.wc2.val() << 2) >> 2;
            self.bw_data1.next = self.half_add1.out.val();
        }
        if self.wb_dual.val() & (self.wc3.val().get_bits::<2>(14) == 1) {
            self.bw_en1.next = true;
            self.bw_addr1.next = (self.wc3.val() << 2) >> 2;
            self.bw_data1.next = self.half_sub1.out.val();
        }
        self.bw_en2.next = false;
        self.bw_addr2.next = (self.wc0.val() << 2) >> 2;
        self.bw_data2.next = self.half_add.out.val();
        if self.wc0.val().get_bits::<2>(14) == 2 {
            self.bw_en2.next = true;
        }
        if self.wc1.val().get_bits::<2>(14) == 2 {
            self.bw_en2.next = true;
            self.bw_addr2.next = (self.wc1.val() << 2) >> 2;
            self.bw_data2.next = self.half_sub.out.val();
        }
        if self.wb_dual.val() & (self.wc2.val().get_bits::<2>(14) == 2) {
            self.bw_en2.next = true;
            self.bw_addr2.next = (self.wc2.val() << 2) >> 2;
            self.bw_data2.next = self.half_add1.out.val();
        }
        if self.wb_dual.val() & (self.wc3.val().get_bits::<2>(14) == 2) {
            self.bw_en2.next = true;
            self.bw_addr2.next = (self.wc3.val() << 2) >> 2;
            self.bw_data2.next = self.half_sub1.out.val();
        }
        self.bw_en3.next = false;
        self.bw_addr3.next = (self.wc0.val() << 2) >> 2;
        self.bw_data3.next = self.half_add.out.val();
        if self.wc0.val().get_bits::<2>(14) == 3 {
            self.bw_en3.next = true;
        }
        if self.wc1.val().get_bits::<2>(14) == 3 {
            self.bw_en3.next = true;
            self.bw_addr3.next = (self.wc1.val() << 2) >> 2;
            self.bw_data3.next = self.half_sub.out.val();
        }
        if self.wb_dual.val() & (self.wc2.val().get_bits::<2>(14) == 3) {
            self.bw_en3.next = true;
            self.bw_addr3.next = (self.wc2.val() << 2) >> 2;
            self.bw_data3.next = self.half_add1.out.val();
        }
        if self.wb_dual.val() & (self.wc3.val().get_bits::<2>(14) == 3) {
            self.bw_en3.next = true;
            self.bw_addr3.next = (self.wc3.val() << 2) >> 2;
            self.bw_data3.next = self.half_sub1.out.val();
        }

        // Bank ports of the slots: see `slot.rs`.
        self.slot0.c_sel.next = self.issue.val() & (self.is_slot.val() == 0);
        self.slot0.c_addr0.next = self.ca0.val();
        self.slot0.c_addr1.next = self.ca1.val();
        self.slot0.c_addr2.next = self.ca2.val();
        self.slot0.c_addr3.next = self.ca3.val();
        self.slot0.u_addr.next = self.u_ra.val();
        self.slot0.w_sel.next = self.wb_valid.val() & (self.wb_slot.val() == 0);
        self.slot0.w_en0.next = self.bw_en0.val();
        self.slot0.w_en1.next = self.bw_en1.val();
        self.slot0.w_en2.next = self.bw_en2.val();
        self.slot0.w_en3.next = self.bw_en3.val();
        self.slot0.w_addr0.next = self.bw_addr0.val();
        self.slot0.w_addr1.next = self.bw_addr1.val();
        self.slot0.w_addr2.next = self.bw_addr2.val();
        self.slot0.w_addr3.next = self.bw_addr3.val();
        self.slot0.w_data0.next = self.bw_data0.val();
        self.slot0.w_data1.next = self.bw_data1.val();
        self.slot0.w_data2.next = self.bw_data2.val();
        self.slot0.w_data3.next = self.bw_data3.val();
        self.slot0.l_sel.next = self.lw_valid.val() & (self.l_slot.val() == 0);
        self.slot0.l_bank.next = self.bk_ld.bank.val();
        self.slot0.l_addr.next = self.bk_ld.word.val();
        self.slot0.l_data.next = self.s_data.val();
        self.slot1.c_sel.next = self.issue.val() & (self.is_slot.val() == 1);
        self.slot1.c_addr0.next = self.ca0.val();
        self.slot1.c_addr1.next = self.ca1.val();
        self.slot1.c_addr2.next = self.ca2.val();
        self.slot1.c_addr3.next = self.ca3.val();
        self.slot1.u_addr.next = self.u_ra.val();
        self.slot1.w_sel.next = self.wb_valid.val() & (self.wb_slot.val() == 1);
        self.slot1.w_en0.next = self.bw_en0.val();
        self.slot1.w_en1.next = self.bw_en1.val();
        self.slot1.w_en2.next = self.bw_en2.val();
        self.slot1.w_en3.next = self.bw_en3.val();
        self.slot1.w_addr0.next = self.bw_addr0.val();
        self.slot1.w_addr1.next = self.bw_addr1.val();
        self.slot1.w_addr2.next = self.bw_addr2.val();
        self.slot1.w_addr3.next = self.bw_addr3.val();
        self.slot1.w_data0.next = self.bw_data0.val();
        self.slot1.w_data1.next = self.bw_data1.val();
        self.slot1.w_data2.next = self.bw_data2.val();
        self.slot1.w_data3.next = self.bw_data3.val();
        self.slot1.l_sel.next = self.lw_valid.val() & (self.l_slot.val() == 1);
        self.slot1.l_bank.next = self.bk_ld.bank.val();
        self.slot1.l_addr.next = self.bk_ld.word.val();
        self.slot1.l_data.next = self.s_data.val();
        self.slot2.c_sel.next = self.issue.val() & (self.is_slot.val() == 2);
        self.slot2.c_addr0.next = self.ca0.val();
        self.slot2.c_addr1.next = self.ca1.val();
        self.slot2.c_addr2.next = self.ca2.val();
        self.slot2.c_addr3.next = self.ca3.val();
        self.slot2.u_addr.next = self.u_ra.val();
        self.slot2.w_sel.next = self.wb_valid.val() & (self.wb_slot.val() == 2);
        self.slot2.w_en0.next = self.bw_en0.val();
        self.slot2.w_en1.next = self.bw_en1.val();
        self.slot2.w_en2.next = self.bw_en2.val();
        self.slot2.w_en3.next = self.bw_en3.val();
        self.slot2.w_addr0.next = self.bw_addr0.val();
        self.slot2.w_addr1.next = self.bw_addr1.val();
        self.slot2.w_addr2.next = self.bw_addr2.val();
        self.slot2.w_addr3.next = self.bw_addr3.val();
        self.slot2.w_data0.next = self.bw_data0.val();
        self.slot2.w_data1.next = self.bw_data1.val();
        self.slot2.w_data2.next = self.bw_data2.val();
        self.slot2.w_data3.next = self.bw_data3.val();
        self.slot2.l_sel.next = self.lw_valid.val() & (self.l_slot.val() == 2);
        self.slot2.l_bank.next = self.bk_ld.bank.val();
        self.slot2.l_addr.next = self.bk_ld.word.val();
        self.slot2.l_data.next = self.s_data.val();
        self.slot3.c_sel.next = self.issue.val() & (self.is_slot.val() == 3);
        self.slot3.c_addr0.next = self.ca0.val();
        self.slot3.c_addr1.next = self.ca1.val();
        self.slot3.c_addr2.next = self.ca2.val();
        self.slot3.c_addr3.next = self.ca3.val();
        self.slot3.u_addr.next = self.u_ra.val();
        self.slot3.w_sel.next = self.wb_valid.val() & (self.wb_slot.val() == 3);
        self.slot3.w_en0.next = self.bw_en0.val();
        self.slot3.w_en1.next = self.bw_en1.val();
        self.slot3.w_en2.next = self.bw_en2.val();
        self.slot3.w_en3.next = self.bw_en3.val();
        self.slot3.w_addr0.next = self.bw_addr0.val();
        self.slot3.w_addr1.next = self.bw_addr1.val();
        self.slot3.w_addr2.next = self.bw_addr2.val();
        self.slot3.w_addr3.next = self.bw_addr3.val();
        self.slot3.w_data0.next = self.bw_data0.val();
        self.slot3.w_data1.next = self.bw_data1.val();
        self.slot3.w_data2.next = self.bw_data2.val();
        self.slot3.w_data3.next = self.bw_data3.val();
        self.slot3.l_sel.next = self.lw_valid.val() & (self.l_slot.val() == 3);
        self.slot3.l_bank.next = self.bk_ld.bank.val();
        self.slot3.l_addr.next = self.bk_ld.word.val();
        self.slot3.l_data.next = self.s_data.val();

        // Butterflies in flight per slot.
        if self.issue.val() & (self.is_slot.val() == 0) & !(self.wb_valid.val() & (self.wb_slot.val() == 0)) {
            self.inf0.d.next = self.inf0.q.val() + 1;
        }
        if !(self.issue.val() & (self.is_slot.val() == 0)) & self.wb_valid.val() & (self.wb_slot.val() == 0) {
            self.inf0.d.next = self.inf0.q.val() - 1;
        }
        if self.issue.val() & (self.is_slot.val() == 1) & !(self.wb_valid.val() & (self.wb_slot.val() == 1)) {
            self.inf1.d.next = self.inf1.q.val() + 1;
        }
        if !(self.issue.val() & (self.is_slot.val() == 1)) & self.wb_valid.val() & (self.wb_slot.val() == 1) {
            self.inf1.d.next = self.inf1.q.val() - 1;
        }
        if self.issue.val() & (self.is_slot.val() == 2) & !(self.wb_valid.val() & (self.wb_slot.val() == 2)) {
            self.inf2.d.next = self.inf2.q.val() + 1;
        }
        if !(self.issue.val() & (self.is_slot.val() == 2)) & self.wb_valid.val() & (self.wb_slot.val() == 2) {
            self.inf2.d.next = self.inf2.q.val() - 1;
        }
        if self.issue.val() & (self.is_slot.val() == 3) & !(self.wb_valid.val() & (self.wb_slot.val() == 3)) {
            self.inf3.d.next = self.inf3.q.val() + 1;
        }
        if !(self.issue.val() & (self.is_slot.val() == 3)) & self.wb_valid.val() & (self.wb_slot.val() == 3) {
            self.inf3.d.next = self.inf3.q.val() - 1;
        }

        // Output FIFO and stream.
        self.ob0.next = self.slot0.rdata0.val();
        self.ob1.next = self.slot0.rdata1.val();
        self.ob2.next = self.slot0.rdata2.val();
        self.ob3.next = self.slot0.rdata3.val();
        if self.o_slot.q.val() == 1 {
            self.ob0.next = self.slot1.rdata0.val();
            self.ob1.next = self.slot1.rdata1.val();
            self.ob2.next = self.slot1.rdata2.val();
            self.ob3.next = self.slot1.rdata3.val();
        }
        if self.o_slot.q.val() == 2 {
            self.ob0.next = self.slot2.rdata0.val();
            self.ob1.next = self.slot2.rdata1.val();
            self.ob2.next = self.slot2.rdata2.val();
            self.ob3.next = self.slot2.rdata3.val();
        }
        if self.o_slot.q.val() == 3 {
            self.ob0.next = self.slot3.rdata0.val();
            self.ob1.next = self.slot3.rdata1.val();
            self.ob2.next = self.slot3.rdata2.val();
            self.ob3.next = self.slot3.rdata3.val();
        }
        self.o_data.next = self.ob0.val();
        if self.o_bank.q.val() == 1 {
            self.o_data.next = self.ob1.val();
        }
        if self.o_bank.q.val() == 2 {
            self.o_data.next = self.ob2.val();
        }
        if self.o_bank.q.val() == 3 {
            self.o_data.next = self.ob3.val();
        }
        // Four-step twiddles (one unit: the second multiplier is free). An unloaded word enters
        // with the low twiddle factor (`tw_lo`); its product comes back `lat_mul` cycles later and
        // enters again with the high factor (the butterfly twiddle ROM, port 1); that product goes
        // to the output FIFO. A returning product has the input; the unloader leaves that cycle
        // free (`sc_block`). The delay lines do not reset: their bits count only with the
        // multiplier's (reset-cleared) valid.
        self.sc_ret.next = self.sc_line.q.val().get_bit(0) & self.mul1.out_valid.val();
        self.sc_done.next = self.sc_line.q.val().get_bit(1) & self.mul1.out_valid.val();
        self.sc_new.next = self.o_valid.q.val() & self.tw_on.q.val();
        self.sc_line.d.next = 0.into();
        self.hi_line.d.next = bit_cast::<17, 16>(self.sc_hi.q.val());
        if self.sc_ret.val() {
            self.mul1.in_valid.next = true;
            self.mul1.a.next = self.mul1.out.val();
            self.sc_line.d.next = bits::<3>(2) | (bit_cast::<3, 1>(self.sc_line.q.val().get_bit(2).into()) << 2);
        } else {
            if self.sc_new.val() {
                self.mul1.in_valid.next = true;
                self.mul1.a.next = self.o_data.val();
                self.mul1.b.next = self.tw_lo.data.val();
                self.sc_line.d.next = bits::<3>(1) | (bit_cast::<3, 1>(self.o_last.q.val().into()) << 2);
                self.hi_line.d.next = bit_cast::<17, 16>(self.sc_hi.q.val()) | (bits::<17>(1) << 16);
            }
        }
        if self.tw_on.q.val() {
            self.twiddle1.addr.next = self.hi_line.q.val().get_bits::<16>(0);
        }
        if (self.u_fire.val() & self.tw_on.q.val()) & !self.sc_done.val() {
            self.sc_inf.d.next = self.sc_inf.q.val() + 1;
        }
        if !(self.u_fire.val() & self.tw_on.q.val()) & self.sc_done.val() {
            self.sc_inf.d.next = self.sc_inf.q.val() - 1;
        }
        // The unloader's reads and the final stage's streamed outputs never meet: the unloader
        // reads a slot only after its final stage is written back, and the final stage starts
        // only after every earlier transform's last read.
        self.fifo.push.next = (self.o_valid.q.val() & !self.tw_on.q.val()) | self.wb_stream.val() | self.sc_done.val();
        self.fifo.din.next = bit_cast::<257, 256>(self.o_data.val()) | (bit_cast::<257, 1>(self.o_last.q.val().into()) << 256);
        if self.wb_stream.val() {
            self.fifo.din.next = bit_cast::<257, 256>(self.half_add.out.val());
        }
        if self.sc_done.val() {
            self.fifo.din.next = bit_cast::<257, 256>(self.mul1.out.val()) | (bit_cast::<257, 1>(self.sc_line.q.val().get_bit(2).into()) << 256);
        }
        self.m_valid.next = !self.fifo.empty.val();
        self.m_data.next = self.fifo.dout.val().get_bits::<256>(0);
        self.m_last.next = self.fifo.dout.val().get_bit(256);
        self.fifo.pop.next = self.m_ready.val() & !self.fifo.empty.val();

        if self.reset.val() {
            self.state.d.next = NttBatchState::Idle;
            self.err.d.next = false;
            self.st0.d.next = 0.into();
            self.st1.d.next = 0.into();
            self.st2.d.next = 0.into();
            self.st3.d.next = 0.into();
            self.inf0.d.next = 0.into();
            self.inf1.d.next = 0.into();
            self.inf2.d.next = 0.into();
            self.inf3.d.next = 0.into();
            self.sc_inf.d.next = 0.into();
            self.l0_act.d.next = false;
            self.l1_act.d.next = false;
            self.mid.d.next = false;
        }
        self.busy.next = self.state.q.val() != NttBatchState::Idle;
        self.error.next = self.err.q.val();
    }
}
