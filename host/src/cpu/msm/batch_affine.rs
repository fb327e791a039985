//! Batch-affine bucket accumulation.
//!
//! Buckets hold affine points. Additions into distinct buckets are collected into a batch; the
//! batch's denominators (x_P − x_B) are inverted together with Montgomery's trick (one inversion
//! and three multiplications per element), so one affine addition costs 5M + 1S plus a share of
//! one inversion — about half of a mixed Jacobian addition (7M + 4S).
//!
//! A batch may touch each bucket at most once. An addition into a bucket that is already in the
//! current batch waits in a conflict queue and joins a later batch; when the queue is full, or at
//! the end, it goes to an exact Jacobian side bucket instead. Cases the affine formula cannot do —
//! P + P (doubling) and P + (−P) — are recognised by x_P = x_B and also go to the side bucket,
//! whose arkworks arithmetic is complete. The value of a bucket is its affine part plus its side
//! part, so the result is exact for every input (repeated points, inverse pairs, one bucket hit by
//! every point).
//!
//! The batch itself runs on [`Adder::best`]: eight lanes of AVX-512 IFMA
//! ([`super::batch_affine_ifma`]) where the CPU has them, else the portable loop below; both store
//! the same canonical coordinates.

use ark_ff::{AdditiveGroup, Field};
use ark_std::Zero;

use crate::cpu::mont;
use crate::{Fq, G1Affine, G1Projective};

type C = ark_bn254::FqConfig;

/// An affine point that is never the identity (the MSM drops identity bases up front).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Pt {
    pub x: Fq,
    pub y: Fq,
}

impl Pt {
    pub fn from_affine(p: &G1Affine) -> Self {
        debug_assert!(!ark_ec::AffineRepr::is_zero(p));
        Self { x: p.x, y: p.y }
    }

    pub fn to_affine(self) -> G1Affine {
        G1Affine::new_unchecked(self.x, self.y)
    }

    #[inline(always)]
    pub fn neg_if(self, neg: bool) -> Self {
        if neg {
            Self { x: self.x, y: -self.y }
        } else {
            self
        }
    }
}

/// The code that performs a batch of affine additions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adder {
    /// One addition at a time with the inlined 4-limb Montgomery product (`cpu::mont`).
    Portable,
    /// Eight additions at a time with AVX-512 IFMA ([`super::batch_affine_ifma`]).
    Ifma,
}

impl Adder {
    /// Whether this CPU can run it.
    pub fn is_available(self) -> bool {
        match self {
            Adder::Portable => true,
            Adder::Ifma => crate::cpu::ifma::available(),
        }
    }

    /// IFMA where available (unless `ZKACCEL_NO_IFMA=1`, as for the NTT), else portable; decided
    /// once per process.
    pub fn best() -> Adder {
        static BEST: std::sync::OnceLock<Adder> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| {
            let off = std::env::var("ZKACCEL_NO_IFMA").map(|v| v == "1").unwrap_or(false);
            if !off && Adder::Ifma.is_available() {
                Adder::Ifma
            } else {
                Adder::Portable
            }
        })
    }

    /// Whether a batch of `n` additions goes to the IFMA lanes.
    #[inline(always)]
    pub(crate) fn lanes_for(self, n: usize) -> bool {
        cfg!(target_arch = "x86_64") && self == Adder::Ifma && n >= IFMA_MIN_BATCH
    }
}

#[cfg(target_arch = "x86_64")]
const IFMA_MIN_BATCH: usize = super::batch_affine_ifma::MIN_BATCH;
#[cfg(not(target_arch = "x86_64"))]
const IFMA_MIN_BATCH: usize = usize::MAX;

/// Scratch of the IFMA adder (nothing elsewhere).
#[cfg(target_arch = "x86_64")]
pub(crate) type LaneScratch = super::batch_affine_ifma::Scratch;
#[cfg(not(target_arch = "x86_64"))]
#[derive(Default)]
pub(crate) struct LaneScratch;

const EMPTY: u8 = 0;
const FILLED: u8 = 1;
const PENDING: u8 = 2;

#[derive(Clone, Copy)]
struct Op<'a> {
    point: &'a Pt,
    bucket: u32,
    neg: bool,
}

/// Buckets `0..n` accumulated with batched affine additions.
pub struct BatchAffineBuckets<'a> {
    buckets: Vec<Pt>,
    state: Vec<u8>,
    side: Vec<G1Projective>,
    side_used: bool,
    batch: Vec<Op<'a>>,
    batch_cap: usize,
    queue: Vec<Op<'a>>,
    queue_cap: usize,
    scratch: Vec<Fq>,
    adder: Adder,
    lanes: LaneScratch,
}

impl<'a> BatchAffineBuckets<'a> {
    /// `n` buckets, batches of up to `batch_cap` additions, on [`Adder::best`].
    pub fn new(n: usize, batch_cap: usize) -> Self {
        Self::with_adder(n, batch_cap, Adder::best())
    }

    /// As [`Self::new`] on a given adder (which must be available).
    pub fn with_adder(n: usize, batch_cap: usize, adder: Adder) -> Self {
        assert!(adder.is_available(), "the {adder:?} adder needs a CPU with AVX-512 IFMA");
        Self {
            buckets: vec![Pt { x: Fq::ZERO, y: Fq::ZERO }; n],
            state: vec![EMPTY; n],
            side: Vec::new(),
            side_used: false,
            batch: Vec::with_capacity(batch_cap),
            batch_cap,
            queue: Vec::with_capacity(batch_cap),
            queue_cap: batch_cap,
            scratch: vec![Fq::ZERO; batch_cap],
            adder,
            lanes: LaneScratch::default(),
        }
    }

    /// A hint that bucket `b` will be touched soon.
    #[inline(always)]
    pub fn prefetch(&self, b: usize) {
        #[cfg(target_arch = "x86_64")]
        unsafe {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch(self.buckets.as_ptr().add(b) as *const i8, _MM_HINT_T0);
        }
    }

    /// bucket[b] += ±p.
    #[inline]
    pub fn add(&mut self, b: usize, p: &'a Pt, neg: bool) {
        self.add_op(Op { bucket: b as u32, point: p, neg }, true);
    }

    #[inline(always)]
    fn add_op(&mut self, op: Op<'a>, drain: bool) {
        let b = op.bucket as usize;
        match self.state[b] {
            EMPTY => {
                self.buckets[b] = op.point.neg_if(op.neg);
                self.state[b] = FILLED;
            }
            FILLED => {
                if self.buckets[b].x == op.point.x {
                    self.add_side(op);
                    return;
                }
                self.state[b] = PENDING;
                self.batch.push(op);
                if self.batch.len() == self.batch_cap {
                    self.execute();
                    if drain {
                        self.drain();
                    }
                }
            }
            _ => {
                if self.queue.len() < self.queue_cap {
                    self.queue.push(op);
                } else {
                    self.add_side(op);
                }
            }
        }
    }

    #[cold]
    fn add_side(&mut self, op: Op<'a>) {
        if !self.side_used {
            self.side = vec![G1Projective::zero(); self.buckets.len()];
            self.side_used = true;
        }
        let p = op.point.neg_if(op.neg).to_affine();
        self.side[op.bucket as usize] += &p;
    }

    /// Retries the queued additions once (those whose bucket is still pending are queued again).
    fn drain(&mut self) {
        let queued = std::mem::take(&mut self.queue);
        for &op in &queued {
            self.add_op(op, false);
        }
        // Reuse the allocation when nothing was re-queued.
        if self.queue.is_empty() {
            self.queue = queued;
            self.queue.clear();
        }
    }

    /// Performs the pending batch: bucket[b] ← bucket[b] + ±P for every op, with one inversion.
    fn execute(&mut self) {
        let n = self.batch.len();
        if n == 0 {
            return;
        }
        if self.adder.lanes_for(n) {
            #[cfg(target_arch = "x86_64")]
            {
                let buckets = self.buckets.as_mut_ptr();
                let batch = &self.batch;
                // SAFETY: `lanes_for` implies the adder is Ifma, which `with_adder` checked is
                // available; the batch's buckets are distinct (PENDING marks them) and in range, and
                // `add_op` sent equal x-coordinates to the side buckets.
                unsafe {
                    super::batch_affine_ifma::add_batch(n, &mut self.lanes, |i| {
                        let op = batch[i];
                        (op.point.neg_if(op.neg), buckets.add(op.bucket as usize))
                    });
                }
                for op in &self.batch {
                    self.state[op.bucket as usize] = FILLED;
                }
                self.batch.clear();
                return;
            }
        }
        // Forward: scratch[i] = Π_{j<i} d_j with d_j = x_P − x_B. The running products and the
        // inverses are lazy (< 2p, see `mont::mul_lazy`); what is stored in a bucket is reduced.
        let mut acc = Fq::ONE;
        for (i, op) in self.batch.iter().enumerate() {
            self.scratch[i] = acc;
            let d = mont::sub::<C>(&op.point.x, &self.buckets[op.bucket as usize].x);
            acc = mont::mul_lazy::<C>(&acc, &d);
        }
        let mut inv = mont::reduce::<C>(&acc).inverse().expect("x-coordinates of batched additions differ");
        for i in (0..n).rev() {
            let op = self.batch[i];
            let b = op.bucket as usize;
            let p = op.point;
            let q = self.buckets[b];
            let dx = mont::sub::<C>(&p.x, &q.x);
            let inv_i = mont::mul_lazy::<C>(&inv, &self.scratch[i]);
            inv = mont::mul_lazy::<C>(&inv, &dx);
            let py = if op.neg { mont::neg::<C>(&p.y) } else { p.y };
            let lambda = mont::mul_lazy::<C>(&mont::sub::<C>(&py, &q.y), &inv_i);
            let x3 = mont::sub::<C>(&mont::sub::<C>(&mont::mul::<C>(&lambda, &lambda), &q.x), &p.x);
            let y3 = mont::sub::<C>(&mont::mul::<C>(&lambda, &mont::sub::<C>(&q.x, &x3)), &q.y);
            self.buckets[b] = Pt { x: x3, y: y3 };
            self.state[b] = FILLED;
        }
        self.batch.clear();
    }

    /// Completes every pending addition.
    pub fn flush(&mut self) {
        self.execute();
        self.drain();
        self.execute();
        let rest = std::mem::take(&mut self.queue);
        for op in rest {
            self.add_side(op);
        }
    }

    /// Σ_b (b + 1)·bucket[b] (buckets must be flushed), by the running-sum method.
    pub fn weighted_sum(&self) -> G1Projective {
        debug_assert!(self.batch.is_empty() && self.queue.is_empty());
        let mut running = G1Projective::zero();
        let mut total = G1Projective::zero();
        for b in (0..self.buckets.len()).rev() {
            if self.state[b] == FILLED {
                running += &self.buckets[b].to_affine();
            }
            if self.side_used {
                running += &self.side[b];
            }
            total += &running;
        }
        total
    }
}

/// Buckets `0..n` accumulated with mixed Jacobian additions (arkworks, complete): for windows with
/// few buckets, where a batch would be too small to amortise its inversion.
pub struct JacobianBuckets {
    buckets: Vec<G1Projective>,
}

impl JacobianBuckets {
    pub fn new(n: usize) -> Self {
        Self { buckets: vec![G1Projective::zero(); n] }
    }

    #[inline(always)]
    pub fn add(&mut self, b: usize, p: &Pt, neg: bool) {
        self.buckets[b] += &p.neg_if(neg).to_affine();
    }

    pub fn weighted_sum(&self) -> G1Projective {
        let mut running = G1Projective::zero();
        let mut total = G1Projective::zero();
        for b in self.buckets.iter().rev() {
            running += b;
            total += &running;
        }
        total
    }
}
