//! The bucket scheduler: everything of the bucket unit except the point adder. It accepts
//! addition requests (an affine point, its signed digit and window), keeps the buckets in on-chip
//! RAM, issues one bucket addition per cycle to a fixed-latency pipelined adder (the adder port
//! below), makes sure that no bucket is in the adder twice (a conflict queue), writes the sums
//! back, and finally either streams the buckets out for the host to reduce (clearing them on the
//! way) or — with `cfg_reduce` — reduces them itself with the same adder (running sums per chain,
//! below) and streams two points per chain out.
//!
//! The adder sits outside this block on purpose: [`super::unit::BucketUnit`] wires it to the RTL
//! G1 adder, and the occupancy bench drives the same RTL with a software adder of the same
//! latency (the schedule does not depend on the sums).
//!
//! Pipeline (one candidate per cycle):
//!
//! * **select** (cycle t): the candidate is the conflict queue's head if it has waited
//!   [`config::retry_age`] cycles (its bucket is then free unless taken again), if the input has
//!   nothing to offer, if the queue is nearly full or the input has ended; otherwise the input
//!   beat. Its bucket address goes to the bucket RAM and to the two issue-parity RAMs.
//! * **decide** (t + 1): the bucket is busy iff `issued[a] ≠ done[a]` or the previous cycle issued
//!   the same address (its `issued` write lands after this read). A free bucket is issued: bucket
//!   value and point to the adder, `issued[a]` toggled, the new parity travels in the tag. A busy
//!   one goes to the back of the conflict queue with a time stamp.
//! * **write-back** (t + 1 + L): the sum is written to the bucket RAM and its parity to `done[a]`.
//!   Both RAMs are written in the same cycle, so a selection that sees `done` updated also reads
//!   the updated bucket (a selection in the write-back cycle itself sees neither: conservative).
//!
//! Bucket address of a digit `d ≠ 0` in window `w`: `(w << (c − 1)) | (|d| − 1)`; the unit holds
//! `cfg_windows` windows of `2^{c−1}` buckets (the host splits the windows into groups that fit,
//! see `NOTES.md`). Beats with `d = 0` or the point at infinity need no addition and are consumed
//! without one (their `s_last` still ends the group); out-of-range beats set the sticky `error`.
//!
//! **On-card reduction** (`cfg_reduce`, `NOTES.md` "On-card reduction", schedule model
//! `reduce_model.rs`): the group's `Q = (cfg_windows << (c − 1)) >> cfg_seg_log` chains of
//! `G = 2^cfg_seg_log` consecutive buckets get `S_q = Σ_j B[q·G + j]` and
//! `T_q = Σ_j (j + 1)·B[q·G + j]` by running sums from the chain's top bucket down, in two chain
//! RAMs of `2^CHAIN_LOG_DEPTH` entries. With period `P = max(Q, L + 2)`, round `r = 0..G` selects in
//! phase A (cycles `0..Q` of the period) `S_q += B[q·G + G − 1 − r]` and in phase B
//! `T_q += S_q`; round 0 adds to the identity instead of reading the chain RAMs (no clearing pass).
//! The selection/issue/write-back timing is the accumulation's, so every dependency is `P ≥ L + 2`
//! cycles apart. Each bucket is read once, in phase A, and the identity written back behind the
//! read. The adder's second summand is then projective (`add_z2` its Z; `1` in the accumulation).
//! Then `S_0, T_0, S_1, T_1, …` stream out (`m_last` on `T_{Q−1}`).

use super::config;
use super::reduce_model::CHAIN_LOG_DEPTH;
use crate::field::to_limbs;
use crate::memory::{fifo::Fifo, ram::Ram};
use ark_bn254::Fq;
use ark_ff::One;
use rust_hdl::prelude::*;

/// Scheduler states.
#[derive(Copy, Clone, PartialEq, Eq, Debug, LogicState)]
pub enum BucketState {
    /// After reset: writing the identity into every bucket and zero into the parity RAMs.
    Clear,
    /// Accepting addition requests.
    Accumulate,
    /// Input ended: retrying the conflict queue and waiting for the adder to empty.
    Drain,
    /// Reading the buckets out (and clearing them).
    ReadOut,
    /// Waiting for the read-out FIFO to empty.
    ReadOutDrain,
    /// The reduction sequencer selects one running-sum addition per cycle.
    Reduce,
    /// The reduction's last additions are in the adder.
    ReduceWait,
    /// Streaming the chain sums out.
    ReduceOut,
}

/// The identity `(0 : 1 : 0)` as a 768-bit bucket word (X, Y, Z in Fq wire format).
pub fn identity_word() -> Bits<768> {
    let mut b = Bits::<768>::default();
    for (i, limb) in to_limbs(&Fq::one()).iter().enumerate() {
        b = b | (bit_cast::<768, 64>(bits::<64>(*limb)) << (256 + 64 * i as u64));
    }
    b
}

/// The bucket scheduler; see the module docs. Ports follow `docs/interfaces.md`.
#[derive(LogicBlock)]
pub struct BucketScheduler {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: drops everything in flight and clears the buckets (state `Clear`).
    pub reset: Signal<In, Bit>,
    /// Window size `c` (2..=16), static during a group.
    pub cfg_c: Signal<In, Bits<5>>,
    /// Windows held in this group (bucket memory used: `cfg_windows << (c − 1)` entries).
    pub cfg_windows: Signal<In, Bits<8>>,
    /// Reduce the group's buckets on the card (chain sums out) instead of reading them out.
    pub cfg_reduce: Signal<In, Bit>,
    /// `log2 G`, buckets per chain, with `cfg_reduce` (`≤ c − 1`, `Q ≤ 2^CHAIN_LOG_DEPTH`).
    pub cfg_seg_log: Signal<In, Bits<5>>,
    /// Not accepting requests (clearing, draining or reading out).
    pub busy: Signal<Out, Bit>,
    /// Sticky since reset: a request outside the configured windows/buckets/memory.
    pub error: Signal<Out, Bit>,
    /// Request: affine x (Fq wire format).
    pub s_x: Signal<In, Bits<256>>,
    /// Request: affine y (Fq wire format).
    pub s_y: Signal<In, Bits<256>>,
    /// Request: the point is the identity (no addition).
    pub s_inf: Signal<In, Bit>,
    /// Request: the digit is negative (add −P).
    pub s_neg: Signal<In, Bit>,
    /// Request: `|d|` (0 = no addition).
    pub s_mag: Signal<In, Bits<16>>,
    /// Request: window index within the group.
    pub s_window: Signal<In, Bits<8>>,
    /// Request valid.
    pub s_valid: Signal<In, Bit>,
    /// Request accepted this cycle (when valid).
    pub s_ready: Signal<Out, Bit>,
    /// Last request of the group: the unit drains and reads the buckets out.
    pub s_last: Signal<In, Bit>,
    /// Read-out: one bucket `X ‖ Y ‖ Z` (homogeneous projective, Fq wire format), in address order;
    /// with `cfg_reduce` the chain sums `S_0, T_0, S_1, T_1, …`.
    pub m_data: Signal<Out, Bits<768>>,
    /// Read-out valid.
    pub m_valid: Signal<Out, Bit>,
    /// Read-out ready.
    pub m_ready: Signal<In, Bit>,
    /// Last bucket of the group.
    pub m_last: Signal<Out, Bit>,
    /// Adder port: issue an addition this cycle.
    pub add_valid: Signal<Out, Bit>,
    /// Adder port: bucket X.
    pub add_x1: Signal<Out, Bits<256>>,
    /// Adder port: bucket Y.
    pub add_y1: Signal<Out, Bits<256>>,
    /// Adder port: bucket Z.
    pub add_z1: Signal<Out, Bits<256>>,
    /// Adder port: x of the point (projective X in the reduction).
    pub add_x2: Signal<Out, Bits<256>>,
    /// Adder port: y of the point (projective Y in the reduction).
    pub add_y2: Signal<Out, Bits<256>>,
    /// Adder port: Z of the second summand (`1`, i.e. `R mod q`, for the accumulation's points).
    pub add_z2: Signal<Out, Bits<256>>,
    /// Adder port: add the negated point.
    pub add_neg2: Signal<Out, Bit>,
    /// Adder port: tag (bucket address in bits 0..16, issue parity in bit 16; in the reduction the
    /// chain in bits 0..16, bit 17 set, bit 18 = into `T`).
    pub add_tag: Signal<Out, Bits<32>>,
    /// Adder result valid (the adder's `out_valid`).
    pub sum_valid: Signal<In, Bit>,
    /// Adder result X.
    pub sum_x3: Signal<In, Bits<256>>,
    /// Adder result Y.
    pub sum_y3: Signal<In, Bits<256>>,
    /// Adder result Z.
    pub sum_z3: Signal<In, Bits<256>>,
    /// Adder result tag.
    pub sum_tag: Signal<In, Bits<32>>,
    /// Additions issued since reset.
    pub stat_issued: Signal<Out, Bits<32>>,
    /// Requests sent to the conflict queue since reset (a request may be counted more than once).
    pub stat_deferred: Signal<Out, Bits<32>>,
    /// Cycles since reset in which a valid request was not accepted.
    pub stat_stalled: Signal<Out, Bits<32>>,
    /// Cycles since reset spent reducing (from the first running-sum selection until the last sum
    /// is written back).
    pub stat_reduce: Signal<Out, Bits<32>>,
    identity: Constant<Bits<768>>,
    fq_one: Constant<Bits<256>>,
    period_min: Constant<Bits<24>>,
    chains_max: Constant<Bits<24>>,
    chain_s: Ram<768>,
    chain_t: Ram<768>,
    r_pos: DFF<Bits<24>>,
    r_round: DFF<Bits<16>>,
    r_phase: DFF<Bit>,
    red_valid: DFF<Bit>,
    red_b: DFF<Bit>,
    red_first: DFF<Bit>,
    red_q: DFF<Bits<16>>,
    rd_sel: DFF<Bits<2>>,
    n_reduce: DFF<Bits<32>>,
    chains: Signal<Local, Bits<24>>,
    period: Signal<Local, Bits<24>>,
    seg: Signal<Local, Bits<16>>,
    red_sel: Signal<Local, Bit>,
    red_addr: Signal<Local, Bits<16>>,
    red_a: Signal<Local, Bits<768>>,
    red_second: Signal<Local, Bits<768>>,
    wb_red: Signal<Local, Bit>,
    parity: Signal<Local, Bit>,
    sum_word: Signal<Local, Bits<768>>,
    issue: Signal<Local, Bit>,
    depth_m1: Constant<Bits<24>>,
    retry_age: Constant<Bits<16>>,
    queue_hi: Constant<Bits<8>>,
    out_credit: Constant<Bits<8>>,
    c_min: Constant<Bits<5>>,
    c_max: Constant<Bits<5>>,
    buckets: Ram<768>,
    issued: Ram<1>,
    done: Ram<1>,
    queue: Fifo<545>,
    out: Fifo<769>,
    state: DFF<BucketState>,
    idx: DFF<Bits<24>>,
    now: DFF<Bits<16>>,
    inflight: DFF<Bits<16>>,
    err: DFF<Bit>,
    s1_valid: DFF<Bit>,
    s1_addr: DFF<Bits<16>>,
    s1_x: DFF<Bits<256>>,
    s1_y: DFF<Bits<256>>,
    s1_neg: DFF<Bit>,
    last_valid: DFF<Bit>,
    last_addr: DFF<Bits<16>>,
    rd_valid: DFF<Bit>,
    rd_last: DFF<Bit>,
    n_issued: DFF<Bits<32>>,
    n_deferred: DFF<Bits<32>>,
    n_stalled: DFF<Bits<32>>,
    cm1: Signal<Local, Bits<5>>,
    half: Signal<Local, Bits<17>>,
    in_addr: Signal<Local, Bits<24>>,
    in_needs_add: Signal<Local, Bit>,
    in_range: Signal<Local, Bit>,
    head_age: Signal<Local, Bits<16>>,
    head_old: Signal<Local, Bit>,
    queue_room: Signal<Local, Bit>,
    take_queue: Signal<Local, Bit>,
    ready: Signal<Local, Bit>,
    accept: Signal<Local, Bit>,
    cand_valid: Signal<Local, Bit>,
    cand_addr: Signal<Local, Bits<16>>,
    cand_x: Signal<Local, Bits<256>>,
    cand_y: Signal<Local, Bits<256>>,
    cand_neg: Signal<Local, Bit>,
    busy_hit: Signal<Local, Bit>,
    do_issue: Signal<Local, Bit>,
    do_defer: Signal<Local, Bit>,
    n_entries: Signal<Local, Bits<24>>,
    idx16: Signal<Local, Bits<16>>,
    read_credit: Signal<Local, Bit>,
}

impl BucketScheduler {
    /// A scheduler with `2^log_depth` bucket entries (`log_depth ≤ 16`) for an adder of latency
    /// `adder_latency` (only the conflict queue's retry policy depends on it).
    pub fn new(log_depth: usize, adder_latency: usize) -> Self {
        assert!((1..=config::MAX_LOG_DEPTH).contains(&log_depth), "bucket memory of 2^1..2^16 entries");
        assert!(config::retry_age(adder_latency) < 1 << 16, "adder latency below 2^16");
        let depth = 1usize << log_depth;
        const { assert!(config::QUEUE_BITS == 545, "queue entry layout: x, y, neg, address, time stamp") };
        Self {
            clock: Default::default(),
            reset: Default::default(),
            cfg_c: Default::default(),
            cfg_windows: Default::default(),
            cfg_reduce: Default::default(),
            cfg_seg_log: Default::default(),
            busy: Default::default(),
            error: Default::default(),
            s_x: Default::default(),
            s_y: Default::default(),
            s_inf: Default::default(),
            s_neg: Default::default(),
            s_mag: Default::default(),
            s_window: Default::default(),
            s_valid: Default::default(),
            s_ready: Default::default(),
            s_last: Default::default(),
            m_data: Default::default(),
            m_valid: Default::default(),
            m_ready: Default::default(),
            m_last: Default::default(),
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
            stat_issued: Default::default(),
            stat_deferred: Default::default(),
            stat_stalled: Default::default(),
            stat_reduce: Default::default(),
            identity: Constant::new(identity_word()),
            fq_one: Constant::new(crate::g1_add_mixed::fq_one_wire()),
            period_min: Constant::new(bits::<24>(adder_latency as u64 + 2)),
            chains_max: Constant::new(bits::<24>(1 << CHAIN_LOG_DEPTH)),
            chain_s: Ram::new(1 << CHAIN_LOG_DEPTH),
            chain_t: Ram::new(1 << CHAIN_LOG_DEPTH),
            r_pos: Default::default(),
            r_round: Default::default(),
            r_phase: Default::default(),
            red_valid: Default::default(),
            red_b: Default::default(),
            red_first: Default::default(),
            red_q: Default::default(),
            rd_sel: Default::default(),
            n_reduce: Default::default(),
            chains: Default::default(),
            period: Default::default(),
            seg: Default::default(),
            red_sel: Default::default(),
            red_addr: Default::default(),
            red_a: Default::default(),
            red_second: Default::default(),
            wb_red: Default::default(),
            parity: Default::default(),
            sum_word: Default::default(),
            issue: Default::default(),
            depth_m1: Constant::new(bits::<24>(depth as u64 - 1)),
            retry_age: Constant::new(bits::<16>(config::retry_age(adder_latency) as u64)),
            queue_hi: Constant::new(bits::<8>(config::CONFLICT_DEPTH as u64 - 2)),
            out_credit: Constant::new(bits::<8>(config::OUT_DEPTH as u64 - 2)),
            c_min: Constant::new(bits::<5>(config::MIN_C as u64)),
            c_max: Constant::new(bits::<5>(config::MAX_C as u64)),
            buckets: Ram::new(depth),
            issued: Ram::new(depth),
            done: Ram::new(depth),
            queue: Fifo::new(config::CONFLICT_DEPTH),
            out: Fifo::new(config::OUT_DEPTH),
            state: Default::default(),
            idx: Default::default(),
            now: Default::default(),
            inflight: Default::default(),
            err: Default::default(),
            s1_valid: Default::default(),
            s1_addr: Default::default(),
            s1_x: Default::default(),
            s1_y: Default::default(),
            s1_neg: Default::default(),
            last_valid: Default::default(),
            last_addr: Default::default(),
            rd_valid: Default::default(),
            rd_last: Default::default(),
            n_issued: Default::default(),
            n_deferred: Default::default(),
            n_stalled: Default::default(),
            cm1: Default::default(),
            half: Default::default(),
            in_addr: Default::default(),
            in_needs_add: Default::default(),
            in_range: Default::default(),
            head_age: Default::default(),
            head_old: Default::default(),
            queue_room: Default::default(),
            take_queue: Default::default(),
            ready: Default::default(),
            accept: Default::default(),
            cand_valid: Default::default(),
            cand_addr: Default::default(),
            cand_x: Default::default(),
            cand_y: Default::default(),
            cand_neg: Default::default(),
            busy_hit: Default::default(),
            do_issue: Default::default(),
            do_defer: Default::default(),
            n_entries: Default::default(),
            idx16: Default::default(),
            read_credit: Default::default(),
        }
    }
}

impl Logic for BucketScheduler {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, idx, now, inflight, err, s1_valid, s1_addr, s1_x, s1_y, s1_neg, last_valid,
            last_addr, rd_valid, rd_last, n_issued, n_deferred, n_stalled, r_pos, r_round, r_phase, red_valid,
            red_b, red_first, red_q, rd_sel, n_reduce
        );
        self.chain_s.clock.next = self.clock.val();
        self.chain_t.clock.next = self.clock.val();
        self.buckets.clock.next = self.clock.val();
        self.issued.clock.next = self.clock.val();
        self.done.clock.next = self.clock.val();
        self.queue.clock.next = self.clock.val();
        self.queue.reset.next = self.reset.val();
        self.out.clock.next = self.clock.val();
        self.out.reset.next = self.reset.val();
        self.now.d.next = self.now.q.val() + 1;

        // Request decoding.
        self.cm1.next = self.cfg_c.val() - 1;
        self.half.next = bits::<17>(1) << self.cm1.val();
        self.in_addr.next = (bit_cast::<24, 8>(self.s_window.val()) << self.cm1.val())
            + bit_cast::<24, 16>(self.s_mag.val() - 1);
        self.in_needs_add.next = (self.s_mag.val() != 0) & !self.s_inf.val();
        self.in_range.next = (self.cfg_c.val() >= self.c_min.val())
            & (self.cfg_c.val() <= self.c_max.val())
            & (bit_cast::<17, 16>(self.s_mag.val()) <= self.half.val())
            & (self.s_window.val() < self.cfg_windows.val())
            & (self.in_addr.val() <= self.depth_m1.val());
        self.n_entries.next = bit_cast::<24, 8>(self.cfg_windows.val()) << self.cm1.val();
        self.idx16.next = self.idx.q.val().get_bits::<16>(0);
        self.chains.next = self.n_entries.val() >> self.cfg_seg_log.val();
        self.period.next = self.period_min.val();
        if self.chains.val() > self.period_min.val() {
            self.period.next = self.chains.val();
        }
        self.seg.next = bits::<16>(1) << self.cfg_seg_log.val();

        // Reduction: selection (cycle s). Phase A reads the chain's bucket G − 1 − round and S_q,
        // phase B reads S_q and T_q; the write-back of a selection in s is visible from s + L + 2.
        self.red_sel.next = (self.state.q.val() == BucketState::Reduce) & (self.r_pos.q.val() < self.chains.val());
        self.chain_s.raddr.next = self.r_pos.q.val().get_bits::<16>(0);
        self.chain_t.raddr.next = self.r_pos.q.val().get_bits::<16>(0);
        self.red_valid.d.next = self.red_sel.val() & !self.reset.val();
        self.red_b.d.next = self.r_phase.q.val();
        self.red_first.d.next = self.r_round.q.val() == 0;
        self.red_q.d.next = self.r_pos.q.val().get_bits::<16>(0);

        // Selection: conflict-queue head or input beat.
        self.head_age.next = self.now.q.val() - self.queue.dout.val().get_bits::<16>(529);
        self.head_old.next = !self.queue.empty.val() & (self.head_age.val() >= self.retry_age.val());
        self.queue_room.next = self.queue.count.val() < self.queue_hi.val();
        self.ready.next = (self.state.q.val() == BucketState::Accumulate) & self.queue_room.val() & !self.head_old.val();
        self.accept.next = self.s_valid.val() & self.ready.val();
        self.take_queue.next = false;
        if (self.state.q.val() == BucketState::Accumulate) | (self.state.q.val() == BucketState::Drain) {
            self.take_queue.next = !self.queue.empty.val()
                & (self.head_old.val()
                    | !self.queue_room.val()
                    | !self.s_valid.val()
                    | (self.state.q.val() == BucketState::Drain));
        }
        self.s_ready.next = self.ready.val();
        self.queue.pop.next = self.take_queue.val();
        if self.take_queue.val() {
            self.cand_valid.next = true;
            self.cand_x.next = self.queue.dout.val().get_bits::<256>(0);
            self.cand_y.next = self.queue.dout.val().get_bits::<256>(256);
            self.cand_neg.next = self.queue.dout.val().get_bit(512);
            self.cand_addr.next = self.queue.dout.val().get_bits::<16>(513);
        } else {
            self.cand_valid.next = self.accept.val() & self.in_needs_add.val() & self.in_range.val();
            self.cand_x.next = self.s_x.val();
            self.cand_y.next = self.s_y.val();
            self.cand_neg.next = self.s_neg.val();
            self.cand_addr.next = self.in_addr.val().get_bits::<16>(0);
        }
        self.buckets.raddr.next = self.cand_addr.val();
        self.red_addr.next =
            (self.r_pos.q.val().get_bits::<16>(0) << self.cfg_seg_log.val()) + self.seg.val() - 1 - self.r_round.q.val();
        if self.red_sel.val() & !self.r_phase.q.val() {
            self.buckets.raddr.next = self.red_addr.val();
        }
        self.issued.raddr.next = self.cand_addr.val();
        self.done.raddr.next = self.cand_addr.val();
        self.s1_valid.d.next = self.cand_valid.val() & !self.reset.val();
        self.s1_addr.d.next = self.cand_addr.val();
        self.s1_x.d.next = self.cand_x.val();
        self.s1_y.d.next = self.cand_y.val();
        self.s1_neg.d.next = self.cand_neg.val();

        // Decision: issue to the adder or defer to the conflict queue.
        self.busy_hit.next = (self.issued.rdata.val() != self.done.rdata.val())
            | (self.last_valid.q.val() & (self.last_addr.q.val() == self.s1_addr.q.val()));
        self.do_issue.next = self.s1_valid.q.val() & !self.busy_hit.val();
        self.do_defer.next = self.s1_valid.q.val() & self.busy_hit.val();
        self.last_valid.d.next = self.do_issue.val() & !self.reset.val();
        self.last_addr.d.next = self.s1_addr.q.val();
        self.add_valid.next = self.do_issue.val();
        self.add_x1.next = self.buckets.rdata.val().get_bits::<256>(0);
        self.add_y1.next = self.buckets.rdata.val().get_bits::<256>(256);
        self.add_z1.next = self.buckets.rdata.val().get_bits::<256>(512);
        self.add_x2.next = self.s1_x.q.val();
        self.add_y2.next = self.s1_y.q.val();
        self.add_z2.next = self.fq_one.val();
        self.add_neg2.next = self.s1_neg.q.val();
        // The new parity as a 1-bit value first: `~x` inside a 32-bit Verilog expression would
        // invert the zero-extended word and set bits 17..31 (bit 17 marks the reduction's sums).
        self.parity.next = self.issued.rdata.val() == 0;
        self.add_tag.next = bit_cast::<32, 16>(self.s1_addr.q.val()) | (bit_cast::<32, 1>(self.parity.val().into()) << 16);
        // Reduction: issue (cycle s + 1). Round 0 starts from the identity.
        if self.red_b.q.val() {
            self.red_a.next = self.chain_t.rdata.val();
            self.red_second.next = self.chain_s.rdata.val();
        } else {
            self.red_a.next = self.chain_s.rdata.val();
            self.red_second.next = self.buckets.rdata.val();
        }
        if self.red_first.q.val() {
            self.red_a.next = self.identity.val();
        }
        if self.red_valid.q.val() {
            self.add_valid.next = true;
            self.add_x1.next = self.red_a.val().get_bits::<256>(0);
            self.add_y1.next = self.red_a.val().get_bits::<256>(256);
            self.add_z1.next = self.red_a.val().get_bits::<256>(512);
            self.add_x2.next = self.red_second.val().get_bits::<256>(0);
            self.add_y2.next = self.red_second.val().get_bits::<256>(256);
            self.add_z2.next = self.red_second.val().get_bits::<256>(512);
            self.add_neg2.next = false;
            self.add_tag.next = bit_cast::<32, 16>(self.red_q.q.val())
                | (bits::<32>(1) << 17)
                | (bit_cast::<32, 1>(self.red_b.q.val().into()) << 18);
        }
        self.issue.next = self.do_issue.val() | self.red_valid.q.val();
        self.issued.we.next = self.do_issue.val();
        self.issued.waddr.next = self.s1_addr.q.val();
        self.issued.wdata.next = self.parity.val().into();
        self.queue.push.next = self.do_defer.val() & !self.reset.val();
        self.queue.din.next = bit_cast::<545, 256>(self.s1_x.q.val())
            | (bit_cast::<545, 256>(self.s1_y.q.val()) << 256)
            | (bit_cast::<545, 1>(self.s1_neg.q.val().into()) << 512)
            | (bit_cast::<545, 16>(self.s1_addr.q.val()) << 513)
            | (bit_cast::<545, 16>(self.now.q.val()) << 529);

        // Write-back of sums: buckets (accumulation) or a chain RAM (reduction, tag bit 17).
        self.wb_red.next = self.sum_valid.val() & self.sum_tag.val().get_bit(17);
        self.sum_word.next = bit_cast::<768, 256>(self.sum_x3.val())
            | (bit_cast::<768, 256>(self.sum_y3.val()) << 256)
            | (bit_cast::<768, 256>(self.sum_z3.val()) << 512);
        self.buckets.we.next = self.sum_valid.val() & !self.wb_red.val();
        self.buckets.waddr.next = self.sum_tag.val().get_bits::<16>(0);
        self.buckets.wdata.next = self.sum_word.val();
        self.done.we.next = self.sum_valid.val() & !self.wb_red.val();
        self.done.waddr.next = self.sum_tag.val().get_bits::<16>(0);
        self.done.wdata.next = self.sum_tag.val().get_bits::<1>(16);
        self.chain_s.we.next = self.wb_red.val() & !self.sum_tag.val().get_bit(18);
        self.chain_t.we.next = self.wb_red.val() & self.sum_tag.val().get_bit(18);
        self.chain_s.waddr.next = self.sum_tag.val().get_bits::<16>(0);
        self.chain_t.waddr.next = self.sum_tag.val().get_bits::<16>(0);
        self.chain_s.wdata.next = self.sum_word.val();
        self.chain_t.wdata.next = self.sum_word.val();
        if self.issue.val() & !self.sum_valid.val() {
            self.inflight.d.next = self.inflight.q.val() + 1;
        }
        if !self.issue.val() & self.sum_valid.val() {
            self.inflight.d.next = self.inflight.q.val() - 1;
        }

        // Statistics.
        if self.do_issue.val() {
            self.n_issued.d.next = self.n_issued.q.val() + 1;
        }
        if self.do_defer.val() {
            self.n_deferred.d.next = self.n_deferred.q.val() + 1;
        }
        if self.s_valid.val() & !self.ready.val() & (self.state.q.val() == BucketState::Accumulate) {
            self.n_stalled.d.next = self.n_stalled.q.val() + 1;
        }

        if (self.state.q.val() == BucketState::Reduce) | (self.state.q.val() == BucketState::ReduceWait) {
            self.n_reduce.d.next = self.n_reduce.q.val() + 1;
        }

        // Control.
        self.rd_valid.d.next = false;
        self.rd_sel.d.next = 0.into();
        self.rd_last.d.next = false;
        self.read_credit.next = (bit_cast::<8, 1>(self.rd_valid.q.val().into()) + self.out.count.val())
            < self.out_credit.val();
        match self.state.q.val() {
            BucketState::Clear => {
                self.buckets.we.next = true;
                self.buckets.waddr.next = self.idx16.val();
                self.buckets.wdata.next = self.identity.val();
                self.issued.we.next = true;
                self.issued.waddr.next = self.idx16.val();
                self.issued.wdata.next = 0.into();
                self.done.we.next = true;
                self.done.waddr.next = self.idx16.val();
                self.done.wdata.next = 0.into();
                if self.idx.q.val() == self.depth_m1.val() {
                    self.idx.d.next = 0.into();
                    self.state.d.next = BucketState::Accumulate;
                } else {
                    self.idx.d.next = self.idx.q.val() + 1;
                }
            }
            BucketState::Accumulate => {
                if self.accept.val() & self.in_needs_add.val() & !self.in_range.val() {
                    self.err.d.next = true;
                }
                if self.accept.val() & self.s_last.val() {
                    self.state.d.next = BucketState::Drain;
                }
            }
            BucketState::Drain => {
                if self.queue.empty.val() & !self.s1_valid.q.val() & (self.inflight.q.val() == 0) {
                    self.idx.d.next = 0.into();
                    self.r_pos.d.next = 0.into();
                    self.r_round.d.next = 0.into();
                    self.r_phase.d.next = false;
                    if (self.n_entries.val() == 0) | (self.n_entries.val() > self.depth_m1.val() + 1) {
                        self.err.d.next = true;
                        self.state.d.next = BucketState::ReadOutDrain;
                    } else if self.cfg_reduce.val() {
                        if (self.cfg_seg_log.val() > self.cm1.val())
                            | (self.chains.val() > self.chains_max.val())
                        {
                            // A chain plan the RAMs cannot hold: flag it, read the buckets out.
                            self.err.d.next = true;
                            self.state.d.next = BucketState::ReadOut;
                        } else {
                            self.state.d.next = BucketState::Reduce;
                        }
                    } else {
                        self.state.d.next = BucketState::ReadOut;
                    }
                }
            }
            BucketState::ReadOut => {
                if self.read_credit.val() {
                    self.buckets.raddr.next = self.idx16.val();
                    self.buckets.we.next = true;
                    self.buckets.waddr.next = self.idx16.val();
                    self.buckets.wdata.next = self.identity.val();
                    self.rd_valid.d.next = true;
                    if self.idx.q.val() + 1 == self.n_entries.val() {
                        self.rd_last.d.next = true;
                        self.idx.d.next = 0.into();
                        self.state.d.next = BucketState::ReadOutDrain;
                    } else {
                        self.idx.d.next = self.idx.q.val() + 1;
                    }
                }
            }
            BucketState::ReadOutDrain => {
                if self.out.empty.val() & !self.rd_valid.q.val() {
                    self.state.d.next = BucketState::Accumulate;
                }
            }
            BucketState::Reduce => {
                // Phase A: clear the bucket behind its (only) read.
                if self.red_sel.val() & !self.r_phase.q.val() {
                    self.buckets.we.next = true;
                    self.buckets.waddr.next = self.red_addr.val();
                    self.buckets.wdata.next = self.identity.val();
                }
                if self.r_pos.q.val() + 1 == self.period.val() {
                    self.r_pos.d.next = 0.into();
                    self.r_phase.d.next = !self.r_phase.q.val();
                    if self.r_phase.q.val() {
                        self.r_round.d.next = self.r_round.q.val() + 1;
                        if self.r_round.q.val() + 1 == self.seg.val() {
                            self.state.d.next = BucketState::ReduceWait;
                        }
                    }
                } else {
                    self.r_pos.d.next = self.r_pos.q.val() + 1;
                }
            }
            BucketState::ReduceWait => {
                if !self.red_valid.q.val() & (self.inflight.q.val() == 0) {
                    self.idx.d.next = 0.into();
                    self.state.d.next = BucketState::ReduceOut;
                }
            }
            BucketState::ReduceOut => {
                if self.read_credit.val() {
                    self.chain_s.raddr.next = self.idx.q.val().get_bits::<16>(1);
                    self.chain_t.raddr.next = self.idx.q.val().get_bits::<16>(1);
                    self.rd_valid.d.next = true;
                    self.rd_sel.d.next = bits::<2>(1) + bit_cast::<2, 1>(self.idx.q.val().get_bits::<1>(0));
                    if self.idx.q.val() + 1 == (self.chains.val() << 1) {
                        self.rd_last.d.next = true;
                        self.idx.d.next = 0.into();
                        self.state.d.next = BucketState::ReadOutDrain;
                    } else {
                        self.idx.d.next = self.idx.q.val() + 1;
                    }
                }
            }
        }
        if self.reset.val() {
            self.state.d.next = BucketState::Clear;
            self.idx.d.next = 0.into();
            self.err.d.next = false;
            self.inflight.d.next = 0.into();
            self.rd_valid.d.next = false;
            self.n_issued.d.next = 0.into();
            self.n_deferred.d.next = 0.into();
            self.n_stalled.d.next = 0.into();
            self.n_reduce.d.next = 0.into();
        }
        self.busy.next = self.state.q.val() != BucketState::Accumulate;
        self.error.next = self.err.q.val();
        self.stat_issued.next = self.n_issued.q.val();
        self.stat_deferred.next = self.n_deferred.q.val();
        self.stat_stalled.next = self.n_stalled.q.val();
        self.stat_reduce.next = self.n_reduce.q.val();

        // Read-out stream.
        self.out.push.next = self.rd_valid.q.val();
        self.out.din.next =
            bit_cast::<769, 768>(self.buckets.rdata.val()) | (bit_cast::<769, 1>(self.rd_last.q.val().into()) << 768);
        if self.rd_sel.q.val() == 1 {
            self.out.din.next = bit_cast::<769, 768>(self.chain_s.rdata.val())
                | (bit_cast::<769, 1>(self.rd_last.q.val().into()) << 768);
        }
        if self.rd_sel.q.val() == 2 {
            self.out.din.next = bit_cast::<769, 768>(self.chain_t.rdata.val())
                | (bit_cast::<769, 1>(self.rd_last.q.val().into()) << 768);
        }
        self.m_valid.next = !self.out.empty.val();
        self.m_data.next = self.out.dout.val().get_bits::<768>(0);
        self.m_last.next = self.out.dout.val().get_bit(768);
        self.out.pop.next = self.m_ready.val() & !self.out.empty.val();
    }
}
