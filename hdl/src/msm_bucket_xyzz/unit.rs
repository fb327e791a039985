//! The XYZZ bucket unit: the [`XyzzBucketScheduler`] wired to the XYZZ G1 adder
//! ([`G1AddXyzzXcup`], ten multipliers), one operation per cycle. Ports are the scheduler's minus
//! the adder port; see `scheduler.rs` for the protocol and `NOTES.md` for the design. The card
//! tops will instantiate this; its Verilator test runs it against the scheduler with the adder's
//! bit-exact model in the loop, word for word and cycle for cycle.

use super::scheduler::XyzzBucketScheduler;
use crate::g1_add_xyzz::{config::LATENCY as ADDER_LATENCY, G1AddXyzzXcup};
use rust_hdl::prelude::*;

/// Scheduler + adder; see the module docs.
#[derive(LogicBlock)]
pub struct XyzzBucketUnit {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: drops everything in flight and clears the buckets.
    pub reset: Signal<In, Bit>,
    /// Window size `c` (2..=16).
    pub cfg_c: Signal<In, Bits<5>>,
    /// Windows held in this group.
    pub cfg_windows: Signal<In, Bits<8>>,
    /// Reduce the buckets on the card (chain sums out), see the scheduler.
    pub cfg_reduce: Signal<In, Bit>,
    /// `log2` of the chain length with `cfg_reduce`.
    pub cfg_seg_log: Signal<In, Bits<5>>,
    /// Not accepting requests (clearing, draining or reading out).
    pub busy: Signal<Out, Bit>,
    /// Sticky since reset: a request outside the configured windows/buckets/memory.
    pub error: Signal<Out, Bit>,
    /// Request: affine x.
    pub s_x: Signal<In, Bits<256>>,
    /// Request: affine y.
    pub s_y: Signal<In, Bits<256>>,
    /// Request: the point is the identity.
    pub s_inf: Signal<In, Bit>,
    /// Request: negative digit.
    pub s_neg: Signal<In, Bit>,
    /// Request: bucket number plus one (0 = no addition).
    pub s_mag: Signal<In, Bits<16>>,
    /// Request: window within the group.
    pub s_window: Signal<In, Bits<8>>,
    /// Request valid.
    pub s_valid: Signal<In, Bit>,
    /// Request accepted.
    pub s_ready: Signal<Out, Bit>,
    /// Last request of the group.
    pub s_last: Signal<In, Bit>,
    /// Read-out word `X ‖ Y ‖ ZZ ‖ ZZZ`.
    pub m_data: Signal<Out, Bits<1024>>,
    /// Read-out valid.
    pub m_valid: Signal<Out, Bit>,
    /// Read-out ready.
    pub m_ready: Signal<In, Bit>,
    /// Last bucket of the group.
    pub m_last: Signal<Out, Bit>,
    /// Additions issued since reset.
    pub stat_issued: Signal<Out, Bits<32>>,
    /// Deferrals to the conflict queue since reset.
    pub stat_deferred: Signal<Out, Bits<32>>,
    /// Cycles since reset with a valid request not accepted.
    pub stat_stalled: Signal<Out, Bits<32>>,
    /// Cycles since reset spent reducing.
    pub stat_reduce: Signal<Out, Bits<32>>,
    /// Operations flagged since reset (equal points, identity operands).
    pub stat_flagged: Signal<Out, Bits<32>>,
    /// Sticky since reset: an operation was flagged; the group's result is not the MSM's.
    pub flagged: Signal<Out, Bit>,
    /// Bucket offset `R_b`, affine x (static from reset on).
    pub cfg_off_bx: Signal<In, Bits<256>>,
    /// Bucket offset, affine y.
    pub cfg_off_by: Signal<In, Bits<256>>,
    /// Running-sum offset `R_s`, affine x (static during a group).
    pub cfg_off_sx: Signal<In, Bits<256>>,
    /// `R_s`, affine y.
    pub cfg_off_sy: Signal<In, Bits<256>>,
    /// Weighted-sum offset `R_t`, affine x (static during a group).
    pub cfg_off_tx: Signal<In, Bits<256>>,
    /// `R_t`, affine y.
    pub cfg_off_ty: Signal<In, Bits<256>>,
    scheduler: XyzzBucketScheduler,
    adder: G1AddXyzzXcup,
}

impl XyzzBucketUnit {
    /// A unit with `2^log_depth` bucket entries (`log_depth ≤ 16`).
    pub fn new(log_depth: usize) -> Self {
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
            scheduler: XyzzBucketScheduler::new(log_depth, ADDER_LATENCY),
            adder: G1AddXyzzXcup::new(),
        }
    }
}

impl Logic for XyzzBucketUnit {
    #[hdl_gen]
    fn update(&mut self) {
        self.scheduler.clock.next = self.clock.val();
        self.scheduler.reset.next = self.reset.val();
        self.adder.clock.next = self.clock.val();
        self.adder.reset.next = self.reset.val();
        self.scheduler.cfg_c.next = self.cfg_c.val();
        self.scheduler.cfg_windows.next = self.cfg_windows.val();
        self.scheduler.cfg_reduce.next = self.cfg_reduce.val();
        self.scheduler.cfg_seg_log.next = self.cfg_seg_log.val();
        self.scheduler.s_x.next = self.s_x.val();
        self.scheduler.s_y.next = self.s_y.val();
        self.scheduler.s_inf.next = self.s_inf.val();
        self.scheduler.s_neg.next = self.s_neg.val();
        self.scheduler.s_mag.next = self.s_mag.val();
        self.scheduler.s_window.next = self.s_window.val();
        self.scheduler.s_valid.next = self.s_valid.val();
        self.scheduler.s_last.next = self.s_last.val();
        self.scheduler.m_ready.next = self.m_ready.val();
        self.scheduler.cfg_off_bx.next = self.cfg_off_bx.val();
        self.scheduler.cfg_off_by.next = self.cfg_off_by.val();
        self.scheduler.cfg_off_sx.next = self.cfg_off_sx.val();
        self.scheduler.cfg_off_sy.next = self.cfg_off_sy.val();
        self.scheduler.cfg_off_tx.next = self.cfg_off_tx.val();
        self.scheduler.cfg_off_ty.next = self.cfg_off_ty.val();
        self.busy.next = self.scheduler.busy.val();
        self.error.next = self.scheduler.error.val();
        self.s_ready.next = self.scheduler.s_ready.val();
        self.m_data.next = self.scheduler.m_data.val();
        self.m_valid.next = self.scheduler.m_valid.val();
        self.m_last.next = self.scheduler.m_last.val();
        self.stat_issued.next = self.scheduler.stat_issued.val();
        self.stat_deferred.next = self.scheduler.stat_deferred.val();
        self.stat_stalled.next = self.scheduler.stat_stalled.val();
        self.stat_reduce.next = self.scheduler.stat_reduce.val();
        self.stat_flagged.next = self.scheduler.stat_flagged.val();
        self.flagged.next = self.scheduler.flagged.val();
        // Scheduler → adder (the scheduler never issues an identity point: `inf2` stays low; an
        // identity bucket is the adder's ZZ = 0 case).
        self.adder.in_valid.next = self.scheduler.add_valid.val();
        self.adder.in_mode.next = self.scheduler.add_mode.val();
        self.adder.in_x1.next = self.scheduler.add_x1.val();
        self.adder.in_y1.next = self.scheduler.add_y1.val();
        self.adder.in_zz1.next = self.scheduler.add_zz1.val();
        self.adder.in_zzz1.next = self.scheduler.add_zzz1.val();
        self.adder.in_zzu.next = self.scheduler.add_zzu.val();
        self.adder.in_zzzu.next = self.scheduler.add_zzzu.val();
        self.adder.in_x2.next = self.scheduler.add_x2.val();
        self.adder.in_y2.next = self.scheduler.add_y2.val();
        self.adder.in_inf2.next = false;
        self.adder.in_neg2.next = self.scheduler.add_neg2.val();
        self.adder.in_tag.next = self.scheduler.add_tag.val();
        // Adder → scheduler write-back.
        self.scheduler.sum_valid.next = self.adder.out_valid.val();
        self.scheduler.sum_x3.next = self.adder.out_x3.val();
        self.scheduler.sum_y3.next = self.adder.out_y3.val();
        self.scheduler.sum_zz3.next = self.adder.out_zz3.val();
        self.scheduler.sum_zzz3.next = self.adder.out_zzz3.val();
        self.scheduler.sum_exc.next = self.adder.out_exc.val();
        self.scheduler.sum_tag.next = self.adder.out_tag.val();
    }
}
