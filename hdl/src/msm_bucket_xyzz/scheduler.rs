//! The bucket scheduler for the XYZZ adder ([`crate::g1_add_xyzz`]): the scheduler of
//! [`crate::msm_bucket::scheduler`] — request decoding, one bucket addition per cycle, the
//! issue-parity RAMs and conflict queue that keep a bucket out of the adder twice, the read-out,
//! the on-card reduction by running sums per chain — with what the incomplete XYZZ formulas need
//! (`NOTES.md` in this folder; golden model `model.rs`):
//!
//! * **XYZZ words**: buckets, chain sums and read-out words are `X ‖ Y ‖ ZZ ‖ ZZZ` (1 024 bits).
//! * **Offsets**: every bucket starts at the host's `R_b` (`cfg_off_b*`, affine; written by the
//!   clear after reset and behind every last read), each chain's `S` at `R_s` and `T` at `R_t`
//!   (`cfg_off_s*`, `cfg_off_t*`, used in round 0 instead of the chain RAMs). Random offsets keep
//!   equal operands and identities improbable for any input; the host takes their known multiple out.
//! * **The accumulation** issues the mixed addition (`add_mode = 0`, the bucket's ZZ, ZZZ as the
//!   scale factors) exactly as the projective scheduler issues its additions: same selection,
//!   conflict queue, retry age (from the adder's latency) and write-back.
//! * **The reduction** (`cfg_reduce`, chains as in `msm_bucket::reduce_model`): each of the two
//!   running-sum additions per bucket is a general addition in two passes, so a round has four
//!   phases of `P = max(Q, L + 2)` cycles: 0 `S` scaled by the bucket's ZZ, ZZZ (to the temporary
//!   RAM), 1 `S` = scaled `S` + bucket, 2 `T` scaled by `S`'s ZZ, ZZZ, 3 `T` = scaled `T` + `S`. Every
//!   dependency is one or more periods apart, as before. The bucket is read in phases 0 and 1 and
//!   reset to `R_b` behind the second read.
//! * **Flags**: an addition the adder reports as equal points (`sum_exc`) and a general addition
//!   with an identity operand (checked at the scaling pass) set the sticky `flagged` and count in
//!   `stat_flagged`; the result is then not the MSM's and the driver must redo it.
//!
//! Tag layout: accumulation — bucket address (bits 0..16), issue parity (bit 16); reduction —
//! chain (bits 0..16), bit 17 set, the phase in bits 18..19.

use crate::memory::{fifo::Fifo, ram::Ram};
use crate::msm_bucket::config;
use crate::msm_bucket::reduce_model::CHAIN_LOG_DEPTH;
use rust_hdl::prelude::*;

pub use crate::msm_bucket::scheduler::BucketState;

/// The bucket scheduler; see the module docs. Ports follow `docs/interfaces.md`.
#[derive(LogicBlock)]
pub struct XyzzBucketScheduler {
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
    /// Read-out: one bucket `X ‖ Y ‖ ZZ ‖ ZZZ` (XYZZ, Fq wire format), in address order; with
    /// `cfg_reduce` the chain sums `S_0, T_0, S_1, T_1, …`.
    pub m_data: Signal<Out, Bits<1024>>,
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
    /// Adder port: bucket ZZ.
    pub add_zz1: Signal<Out, Bits<256>>,
    /// Adder port: bucket ZZZ.
    pub add_zzz1: Signal<Out, Bits<256>>,
    /// Adder port: the factor bringing `x2` to the first operand's scale (the bucket's ZZ).
    pub add_zzu: Signal<Out, Bits<256>>,
    /// Adder port: the factor bringing `y2` to the first operand's scale (the bucket's ZZZ).
    pub add_zzzu: Signal<Out, Bits<256>>,
    /// Adder port: `0` addition, `2` scaling (`g1_add_xyzz`'s `in_mode`; the unit never doubles).
    pub add_mode: Signal<Out, Bits<2>>,
    /// Adder port: x of the point (the reduction: the value added's X, or in a scaling pass the
    /// running value's X).
    pub add_x2: Signal<Out, Bits<256>>,
    /// Adder port: y of the point (the reduction: as `add_x2`, Y).
    pub add_y2: Signal<Out, Bits<256>>,
    /// Adder port: add the negated point.
    pub add_neg2: Signal<Out, Bit>,
    /// Adder port: tag (bucket address in bits 0..16, issue parity in bit 16; in the reduction the
    /// chain in bits 0..16, bit 17 set, the phase in bits 18..19).
    pub add_tag: Signal<Out, Bits<32>>,
    /// Adder result valid (the adder's `out_valid`).
    pub sum_valid: Signal<In, Bit>,
    /// Adder result X.
    pub sum_x3: Signal<In, Bits<256>>,
    /// Adder result Y.
    pub sum_y3: Signal<In, Bits<256>>,
    /// Adder result ZZ.
    pub sum_zz3: Signal<In, Bits<256>>,
    /// Adder result ZZZ.
    pub sum_zzz3: Signal<In, Bits<256>>,
    /// The adder met equal points (`out_exc`): the result is not the sum.
    pub sum_exc: Signal<In, Bit>,
    /// Adder result tag.
    pub sum_tag: Signal<In, Bits<32>>,
    /// Additions issued since reset.
    pub stat_issued: Signal<Out, Bits<32>>,
    /// Requests sent to the conflict queue since reset (a request may be counted more than once).
    pub stat_deferred: Signal<Out, Bits<32>>,
    /// Cycles since reset in which a valid request was not accepted.
    pub stat_stalled: Signal<Out, Bits<32>>,
    /// Operations flagged since reset: additions of equal points (`sum_exc`) and general additions
    /// with an identity operand. Any flag invalidates the MSM (see `flagged`).
    pub stat_flagged: Signal<Out, Bits<32>>,
    /// Sticky since reset: an operation was flagged; the group's result is not the MSM's.
    pub flagged: Signal<Out, Bit>,
    /// Bucket offset `R_b`, affine x (wire format): every bucket starts at `R_b` (after reset and
    /// behind every last read). Static from reset on: the host draws it per card session and again
    /// (with a reset, which clears the buckets to it) after a flag.
    pub cfg_off_bx: Signal<In, Bits<256>>,
    /// Bucket offset, affine y.
    pub cfg_off_by: Signal<In, Bits<256>>,
    /// Offset `R_s` of the running sums `S` (affine x), static during a group; may change between
    /// groups (read only in round 0 of the reduction), so the host draws it per MSM.
    pub cfg_off_sx: Signal<In, Bits<256>>,
    /// `R_s`, affine y.
    pub cfg_off_sy: Signal<In, Bits<256>>,
    /// Offset `R_t` of the weighted sums `T` (affine x), static during a group.
    pub cfg_off_tx: Signal<In, Bits<256>>,
    /// `R_t`, affine y.
    pub cfg_off_ty: Signal<In, Bits<256>>,
    /// Cycles since reset spent reducing (from the first running-sum selection until the last sum
    /// is written back).
    pub stat_reduce: Signal<Out, Bits<32>>,
    off_b: Signal<Local, Bits<1024>>,
    off_s: Signal<Local, Bits<1024>>,
    off_t: Signal<Local, Bits<1024>>,
    red_f: Signal<Local, Bits<1024>>,
    red_g: Signal<Local, Bits<1024>>,
    red_scale: Signal<Local, Bit>,
    red_idcheck: Signal<Local, Bit>,
    temp: Ram<1024>,
    flag: DFF<Bit>,
    n_flagged: DFF<Bits<32>>,
    fq_one: Constant<Bits<256>>,
    period_min: Constant<Bits<24>>,
    chains_max: Constant<Bits<24>>,
    chain_s: Ram<1024>,
    chain_t: Ram<1024>,
    r_pos: DFF<Bits<24>>,
    r_round: DFF<Bits<16>>,
    r_phase: DFF<Bits<2>>,
    red_valid: DFF<Bit>,
    red_ph: DFF<Bits<2>>,
    red_first: DFF<Bit>,
    red_q: DFF<Bits<16>>,
    rd_sel: DFF<Bits<2>>,
    n_reduce: DFF<Bits<32>>,
    chains: Signal<Local, Bits<24>>,
    period: Signal<Local, Bits<24>>,
    seg: Signal<Local, Bits<16>>,
    red_sel: Signal<Local, Bit>,
    red_addr: Signal<Local, Bits<16>>,
    wb_red: Signal<Local, Bit>,
    parity: Signal<Local, Bit>,
    sum_word: Signal<Local, Bits<1024>>,
    issue: Signal<Local, Bit>,
    depth_m1: Constant<Bits<24>>,
    retry_age: Constant<Bits<16>>,
    queue_hi: Constant<Bits<8>>,
    out_credit: Constant<Bits<8>>,
    c_min: Constant<Bits<5>>,
    c_max: Constant<Bits<5>>,
    buckets: Ram<1024>,
    issued: Ram<1>,
    done: Ram<1>,
    queue: Fifo<545>,
    out: Fifo<1025>,
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

impl XyzzBucketScheduler {
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
            add_zz1: Default::default(),
            add_zzz1: Default::default(),
            add_zzu: Default::default(),
            add_zzzu: Default::default(),
            add_mode: Default::default(),
            add_x2: Default::default(),
            add_y2: Default::default(),
            add_neg2: Default::default(),
            add_tag: Default::default(),
            sum_valid: Default::default(),
            sum_x3: Default::default(),
            sum_y3: Default::default(),
            sum_zz3: Default::default(),
            sum_zzz3: Default::default(),
            sum_exc: Default::default(),
            sum_tag: Default::default(),
            stat_issued: Default::default(),
            stat_deferred: Default::default(),
            stat_stalled: Default::default(),
            stat_reduce: Default::default(),
            stat_flagged: Default::default(),
            flagged: Default::default(),
            cfg_off_bx: Default::default(),
            cfg_off_by: Default::default(),
            cfg_off_sx: Default::default(),
            cfg_off_sy: Default::default(),
            cfg_off_tx: Default::default(),
            cfg_off_ty: Default::default(),
            off_b: Default::default(),
            off_s: Default::default(),
            off_t: Default::default(),
            red_f: Default::default(),
            red_g: Default::default(),
            red_scale: Default::default(),
            red_idcheck: Default::default(),
            temp: Ram::new(1 << CHAIN_LOG_DEPTH),
            flag: Default::default(),
            n_flagged: Default::default(),
            fq_one: Constant::new(crate::g1_add_mixed::fq_one_wire()),
            period_min: Constant::new(bits::<24>(adder_latency as u64 + 2)),
            chains_max: Constant::new(bits::<24>(1 << CHAIN_LOG_DEPTH)),
            chain_s: Ram::new(1 << CHAIN_LOG_DEPTH),
            chain_t: Ram::new(1 << CHAIN_LOG_DEPTH),
            r_pos: Default::default(),
            r_round: Default::default(),
            r_phase: Default::default(),
            red_valid: Default::default(),
            red_ph: Default::default(),
            red_first: Default::default(),
            red_q: Default::default(),
            rd_sel: Default::default(),
            n_reduce: Default::default(),
            chains: Default::default(),
            period: Default::default(),
            seg: Default::default(),
            red_sel: Default::default(),
            red_addr: Default::default(),
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

impl Logic for XyzzBucketScheduler {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, idx, now, inflight, err, s1_valid, s1_addr, s1_x, s1_y, s1_neg, last_valid, last_addr, rd_valid, rd_last, n_issued, n_deferred,
            n_stalled, r_pos, r_round, r_phase, red_valid, red_ph, red_first, red_q, rd_sel, n_reduce, flag, n_flagged
        );
        self.temp.clock.next = self.clock.val();
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
        // The offsets as XYZZ words `(x, y, 1, 1)`.
        self.off_b.next = bit_cast::<1024, 256>(self.cfg_off_bx.val())
            | (bit_cast::<1024, 256>(self.cfg_off_by.val()) << 256)
            | (bit_cast::<1024, 256>(self.fq_one.val()) << 512)
            | (bit_cast::<1024, 256>(self.fq_one.val()) << 768);
        self.off_s.next = bit_cast::<1024, 256>(self.cfg_off_sx.val())
            | (bit_cast::<1024, 256>(self.cfg_off_sy.val()) << 256)
            | (bit_cast::<1024, 256>(self.fq_one.val()) << 512)
            | (bit_cast::<1024, 256>(self.fq_one.val()) << 768);
        self.off_t.next = bit_cast::<1024, 256>(self.cfg_off_tx.val())
            | (bit_cast::<1024, 256>(self.cfg_off_ty.val()) << 256)
            | (bit_cast::<1024, 256>(self.fq_one.val()) << 512)
            | (bit_cast::<1024, 256>(self.fq_one.val()) << 768);

        // Request decoding.
        self.cm1.next = self.cfg_c.val() - 1;
        self.half.next = bits::<17>(1) << self.cm1.val();
        self.in_addr.next = (bit_cast::<24, 8>(self.s_window.val()) << self.cm1.val()) + bit_cast::<24, 16>(self.s_mag.val() - 1);
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

        // Reduction: selection (cycle s). Phases 0 and 1 (A: S += B) read the chain's bucket
        // G − 1 − round and S_q, phases 2 and 3 (B: T += S) read S_q and T_q; the addition passes
        // (1, 3) also read the scaling pass's result from the temporary RAM. The write-back of a
        // selection in s is visible from s + L + 2.
        self.red_sel.next = (self.state.q.val() == BucketState::Reduce) & (self.r_pos.q.val() < self.chains.val());
        self.chain_s.raddr.next = self.r_pos.q.val().get_bits::<16>(0);
        self.chain_t.raddr.next = self.r_pos.q.val().get_bits::<16>(0);
        self.temp.raddr.next = self.r_pos.q.val().get_bits::<16>(0);
        self.red_valid.d.next = self.red_sel.val() & !self.reset.val();
        self.red_ph.d.next = self.r_phase.q.val();
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
            self.take_queue.next =
                !self.queue.empty.val() & (self.head_old.val() | !self.queue_room.val() | !self.s_valid.val() | (self.state.q.val() == BucketState::Drain));
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
        self.red_addr.next = (self.r_pos.q.val().get_bits::<16>(0) << self.cfg_seg_log.val()) + self.seg.val() - 1 - self.r_round.q.val();
        if self.red_sel.val() & !self.r_phase.q.val().get_bit(1) {
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
        self.busy_hit.next = (self.issued.rdata.val() != self.done.rdata.val()) | (self.last_valid.q.val() & (self.last_addr.q.val() == self.s1_addr.q.val()));
        self.do_issue.next = self.s1_valid.q.val() & !self.busy_hit.val();
        self.do_defer.next = self.s1_valid.q.val() & self.busy_hit.val();
        self.last_valid.d.next = self.do_issue.val() & !self.reset.val();
        self.last_addr.d.next = self.s1_addr.q.val();
        self.add_valid.next = self.do_issue.val();
        self.add_mode.next = 0.into();
        self.add_x1.next = self.buckets.rdata.val().get_bits::<256>(0);
        self.add_y1.next = self.buckets.rdata.val().get_bits::<256>(256);
        self.add_zz1.next = self.buckets.rdata.val().get_bits::<256>(512);
        self.add_zzz1.next = self.buckets.rdata.val().get_bits::<256>(768);
        self.add_zzu.next = self.buckets.rdata.val().get_bits::<256>(512);
        self.add_zzzu.next = self.buckets.rdata.val().get_bits::<256>(768);
        self.add_x2.next = self.s1_x.q.val();
        self.add_y2.next = self.s1_y.q.val();
        self.add_neg2.next = self.s1_neg.q.val();
        // The new parity as a 1-bit value first: `~x` inside a 32-bit Verilog expression would
        // invert the zero-extended word and set bits 17..31 (bit 17 marks the reduction's sums).
        self.parity.next = self.issued.rdata.val() == 0;
        self.add_tag.next = bit_cast::<32, 16>(self.s1_addr.q.val()) | (bit_cast::<32, 1>(self.parity.val().into()) << 16);
        // Reduction: issue (cycle s + 1). `F` is the running value the pass adds into (S in phase A,
        // T in phase B; round 0 starts from the offset), `G` the value added (the bucket, S). A
        // scaling pass (0, 2) sends F rescaled by G's ZZ, ZZZ; an addition pass (1, 3) sends the
        // rescaled F from the temporary RAM plus G's X, Y, with F's own ZZ, ZZZ as the factors.
        if self.red_ph.q.val().get_bit(1) {
            self.red_f.next = self.chain_t.rdata.val();
            self.red_g.next = self.chain_s.rdata.val();
        } else {
            self.red_f.next = self.chain_s.rdata.val();
            self.red_g.next = self.buckets.rdata.val();
        }
        if self.red_first.q.val() {
            if self.red_ph.q.val().get_bit(1) {
                self.red_f.next = self.off_t.val();
            } else {
                self.red_f.next = self.off_s.val();
            }
        }
        self.red_scale.next = !self.red_ph.q.val().get_bit(0);
        // A general addition with an identity operand cannot be done in two passes: flagged.
        self.red_idcheck.next =
            self.red_valid.q.val() & self.red_scale.val() & ((self.red_f.val().get_bits::<256>(512) == 0) | (self.red_g.val().get_bits::<256>(512) == 0));
        if self.red_valid.q.val() {
            self.add_valid.next = true;
            self.add_neg2.next = false;
            self.add_zzu.next = self.red_f.val().get_bits::<256>(512);
            self.add_zzzu.next = self.red_f.val().get_bits::<256>(768);
            if self.red_scale.val() {
                self.add_mode.next = 2.into();
                self.add_x1.next = 0.into();
                self.add_y1.next = 0.into();
                self.add_zz1.next = self.red_f.val().get_bits::<256>(512);
                self.add_zzz1.next = self.red_f.val().get_bits::<256>(768);
                self.add_x2.next = self.red_f.val().get_bits::<256>(0);
                self.add_y2.next = self.red_f.val().get_bits::<256>(256);
                self.add_zzu.next = self.red_g.val().get_bits::<256>(512);
                self.add_zzzu.next = self.red_g.val().get_bits::<256>(768);
            } else {
                self.add_mode.next = 0.into();
                self.add_x1.next = self.temp.rdata.val().get_bits::<256>(0);
                self.add_y1.next = self.temp.rdata.val().get_bits::<256>(256);
                self.add_zz1.next = self.temp.rdata.val().get_bits::<256>(512);
                self.add_zzz1.next = self.temp.rdata.val().get_bits::<256>(768);
                self.add_x2.next = self.red_g.val().get_bits::<256>(0);
                self.add_y2.next = self.red_g.val().get_bits::<256>(256);
            }
            self.add_tag.next = bit_cast::<32, 16>(self.red_q.q.val()) | (bits::<32>(1) << 17) | (bit_cast::<32, 2>(self.red_ph.q.val()) << 18);
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

        // Write-back of sums: buckets (accumulation) or, in the reduction (tag bit 17), by the pass
        // (tag bits 18..19): a scaling pass to the temporary RAM, phase 1 to S, phase 3 to T.
        self.wb_red.next = self.sum_valid.val() & self.sum_tag.val().get_bit(17);
        self.sum_word.next = bit_cast::<1024, 256>(self.sum_x3.val())
            | (bit_cast::<1024, 256>(self.sum_y3.val()) << 256)
            | (bit_cast::<1024, 256>(self.sum_zz3.val()) << 512)
            | (bit_cast::<1024, 256>(self.sum_zzz3.val()) << 768);
        self.buckets.we.next = self.sum_valid.val() & !self.wb_red.val();
        self.buckets.waddr.next = self.sum_tag.val().get_bits::<16>(0);
        self.buckets.wdata.next = self.sum_word.val();
        self.done.we.next = self.sum_valid.val() & !self.wb_red.val();
        self.done.waddr.next = self.sum_tag.val().get_bits::<16>(0);
        self.done.wdata.next = self.sum_tag.val().get_bits::<1>(16);
        self.temp.we.next = self.wb_red.val() & !self.sum_tag.val().get_bit(18);
        self.chain_s.we.next = self.wb_red.val() & self.sum_tag.val().get_bit(18) & !self.sum_tag.val().get_bit(19);
        self.chain_t.we.next = self.wb_red.val() & self.sum_tag.val().get_bit(18) & self.sum_tag.val().get_bit(19);
        self.temp.waddr.next = self.sum_tag.val().get_bits::<16>(0);
        self.chain_s.waddr.next = self.sum_tag.val().get_bits::<16>(0);
        self.chain_t.waddr.next = self.sum_tag.val().get_bits::<16>(0);
        self.temp.wdata.next = self.sum_word.val();
        self.chain_s.wdata.next = self.sum_word.val();
        self.chain_t.wdata.next = self.sum_word.val();
        // Flags: an addition of equal points comes back with `sum_exc`; an identity operand is
        // caught at issue. Either invalidates the group (sticky until reset).
        if (self.sum_valid.val() & self.sum_exc.val()) | self.red_idcheck.val() {
            self.flag.d.next = true;
        }
        if (self.sum_valid.val() & self.sum_exc.val()) & self.red_idcheck.val() {
            self.n_flagged.d.next = self.n_flagged.q.val() + 2;
        } else if (self.sum_valid.val() & self.sum_exc.val()) | self.red_idcheck.val() {
            self.n_flagged.d.next = self.n_flagged.q.val() + 1;
        }
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
        self.read_credit.next = (bit_cast::<8, 1>(self.rd_valid.q.val().into()) + self.out.count.val()) < self.out_credit.val();
        match self.state.q.val() {
            BucketState::Clear => {
                self.buckets.we.next = true;
                self.buckets.waddr.next = self.idx16.val();
                self.buckets.wdata.next = self.off_b.val();
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
                    self.r_phase.d.next = 0.into();
                    if (self.n_entries.val() == 0) | (self.n_entries.val() > self.depth_m1.val() + 1) {
                        self.err.d.next = true;
                        self.state.d.next = BucketState::ReadOutDrain;
                    } else if self.cfg_reduce.val() {
                        if (self.cfg_seg_log.val() > self.cm1.val()) | (self.chains.val() > self.chains_max.val()) {
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
                    self.buckets.wdata.next = self.off_b.val();
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
                // Phase 1 (the bucket's second and last read): reset the bucket to R_b behind it.
                if self.red_sel.val() & (self.r_phase.q.val() == 1) {
                    self.buckets.we.next = true;
                    self.buckets.waddr.next = self.red_addr.val();
                    self.buckets.wdata.next = self.off_b.val();
                }
                if self.r_pos.q.val() + 1 == self.period.val() {
                    self.r_pos.d.next = 0.into();
                    self.r_phase.d.next = self.r_phase.q.val() + 1;
                    if self.r_phase.q.val() == 3 {
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
            self.flag.d.next = false;
            self.n_flagged.d.next = 0.into();
        }
        self.busy.next = self.state.q.val() != BucketState::Accumulate;
        self.error.next = self.err.q.val();
        self.stat_issued.next = self.n_issued.q.val();
        self.stat_deferred.next = self.n_deferred.q.val();
        self.stat_stalled.next = self.n_stalled.q.val();
        self.stat_reduce.next = self.n_reduce.q.val();
        self.stat_flagged.next = self.n_flagged.q.val();
        self.flagged.next = self.flag.q.val();

        // Read-out stream.
        self.out.push.next = self.rd_valid.q.val();
        self.out.din.next = bit_cast::<1025, 1024>(self.buckets.rdata.val()) | (bit_cast::<1025, 1>(self.rd_last.q.val().into()) << 1024);
        if self.rd_sel.q.val() == 1 {
            self.out.din.next = bit_cast::<1025, 1024>(self.chain_s.rdata.val()) | (bit_cast::<1025, 1>(self.rd_last.q.val().into()) << 1024);
        }
        if self.rd_sel.q.val() == 2 {
            self.out.din.next = bit_cast::<1025, 1024>(self.chain_t.rdata.val()) | (bit_cast::<1025, 1>(self.rd_last.q.val().into()) << 1024);
        }
        self.m_valid.next = !self.out.empty.val();
        self.m_data.next = self.out.dout.val().get_bits::<1024>(0);
        self.m_last.next = self.out.dout.val().get_bit(1024);
        self.out.pop.next = self.m_ready.val() & !self.out.empty.val();
    }
}

#[cfg(test)]
mod tests {
    use super::XyzzBucketScheduler;
    use crate::verilog::{generate, yosys_check};

    #[test]
    fn xyzz_scheduler_is_synthesizable() {
        // Behaviour: sim/tests/msm_bucket_xyzz_scheduler_verilator.rs (against the golden model).
        let v = generate(&mut XyzzBucketScheduler::new(6, crate::g1_add_xyzz::config::LATENCY));
        assert!(v.contains("cfg_off_bx") && v.contains("add_zzzu") && v.contains("sum_exc"));
        yosys_check("msm_bucket_xyzz_scheduler", &v).unwrap();
    }
}
