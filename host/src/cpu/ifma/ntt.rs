//! The NTT's butterflies on AVX-512 IFMA: eight butterflies per instruction sequence, on data
//! copied into a 52-bit limb-planar buffer ([`Group`]s of eight elements).
//!
//! Same transform and order of operations as `cpu::ntt::dif` (depth-first DIF, fused radix-4
//! passes, blocks of [`BLOCK`] elements finished in cache), then the output is written back to the
//! arkworks slice in bit-reversed order, reduced:
//!
//! 1. the input slice is split into 52-bit limbs, eight elements per [`Group`] (parallel);
//! 2. stages with half-length ≥ 8 pair whole groups (lane i with lane i), twiddles read from
//!    per-stage tables of groups (w·2^260, [`Twiddles`]);
//! 3. the last three stages (half-lengths 4, 2, 1) run on two groups at a time in registers, the
//!    partners brought into the same lanes with `vpermt2q`; their results are reduced to [0, p),
//!    joined into 64-bit limbs and stored straight to their bit-reversed positions in the slice.
//!
//! Coset and inverse factors ([`coset_groups`]) are multiplied in on the way in (g^i) and out
//! (n^{-1}·g^{-i}), so no transform makes an extra pass over memory.
//!
//! Bounds (p < 0.76·2^254; see `mont52`): every stored value is below 2.4p. In a radix-4 pass with
//! inputs below 2.4p, the products take (x − y + 4p) < 6.4p or (s − t + 8p) < 12.8p and give
//! < 1.16p; the sum of two products is < 2.4p; the sum of four inputs (< 9.6p) is brought below
//! 1.01p by [`m::reduce_2p`]. The last stage's outputs are fully reduced, so the result is the
//! canonical Montgomery form: bit-identical to arkworks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use core::arch::x86_64::*;
use rayon::prelude::*;

use super::mont52::{self as m, Group, V};
use crate::cpu::ntt::twiddles::Stages;
use crate::Fr;

/// Sub-transforms of at most this many elements (160 KiB of groups) run sequentially, in cache.
pub const BLOCK: usize = 1 << 12;
/// Parallel passes split their group range into chunks of at least this many groups.
const PAR_CHUNK: usize = 1 << 7;
/// The smallest size the kernel takes (two groups).
pub const MIN_LEN: usize = 16;

/// Twiddles as second operands of `m::mul`: per stage of length len ≥ 16 the len/2 twiddles
/// ω_len^j in groups of eight; and the lane patterns of the in-register stages.
pub struct Twiddles {
    table: Vec<Group>,
    /// [1, ω_8, ω_8², ω_8³] twice (stage 8).
    w8: Group,
    /// [1, ω_4] four times (stage 4).
    w4: Group,
}

impl Twiddles {
    #[inline(always)]
    fn stage(&self, len: usize) -> &[Group] {
        &self.table[len / 16 - 1..len / 8 - 1]
    }

    /// The tables of a size-2^log_n transform (log_n ≥ 4), cached like the portable ones.
    pub fn get(log_n: u32, inverse: bool) -> Arc<Twiddles> {
        assert!(log_n >= 4);
        let key = (log_n, inverse);
        if let Some(t) = cache().lock().expect("ifma twiddle cache").get(&key) {
            return t.clone();
        }
        let st = Stages::get(log_n, inverse);
        let n = 1usize << log_n;
        let mut table = vec![Group::default(); n / 8 - 1];
        let mut len = 16;
        while len <= n {
            let src = st.stage(len);
            table[len / 16 - 1..len / 8 - 1]
                .par_iter_mut()
                .enumerate()
                .for_each(|(g, d)| *d = Group::from_fr_r260(src[8 * g..8 * g + 8].try_into().expect("8 twiddles")));
            len *= 2;
        }
        let (s8, s4) = (st.stage(8), st.stage(4));
        let w8 = Group::from_fr_r260(&core::array::from_fn(|i| s8[i % 4]));
        let w4 = Group::from_fr_r260(&core::array::from_fn(|i| s4[i % 2]));
        let t = Arc::new(Twiddles { table, w8, w4 });
        let mut c = cache().lock().expect("ifma twiddle cache");
        if c.len() >= crate::cpu::ntt::twiddles::MAX_ENTRIES {
            c.clear();
        }
        c.entry(key).or_insert(t).clone()
    }
}

type Cache = Mutex<HashMap<(u32, bool), Arc<Twiddles>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

type ScaleCache = Mutex<HashMap<(u32, [u64; 4], bool), Arc<Vec<Group>>>>;

fn scale_cache() -> &'static ScaleCache {
    static CACHE: OnceLock<ScaleCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The coset factors as second operands of `m::mul`, for a size-2^log_n transform (log_n ≥ 4):
/// forward, g^i in natural order (multiplied into the input as it is split into limbs); inverse,
/// n^{-1}·g^{-i} for output slot i, arranged in the order the last stages produce their outputs
/// (per 16 elements from `base`: the lanes of DIF outputs base + 2k, then base + 2k + 1, whose
/// slots are bitrev(·)) and multiplied in before the final reduction. Cached per (size, shift).
pub fn coset_groups(log_n: u32, shift: Fr, inverse: bool) -> Arc<Vec<Group>> {
    use ark_ff::PrimeField;
    let key = (log_n, shift.into_bigint().0, inverse);
    if let Some(t) = scale_cache().lock().expect("ifma coset cache").get(&key) {
        return t.clone();
    }
    let s = crate::cpu::ntt::twiddles::coset_table(log_n, shift, inverse);
    let n = 1usize << log_n;
    let shift_bits = usize::BITS - log_n;
    let rev = |e: usize| e.reverse_bits() >> shift_bits;
    let mut t = vec![Group::default(); n / 8];
    t.par_iter_mut().enumerate().for_each(|(g, d)| {
        let w: [Fr; 8] = if inverse {
            // Group g = 2c + h: outputs 16c + 2k + h.
            let (c, h) = (g / 2, g % 2);
            core::array::from_fn(|k| s[rev(16 * c + 2 * k + h)])
        } else {
            core::array::from_fn(|k| s[8 * g + k])
        };
        *d = Group::from_fr_r260(&w);
    });
    let t = Arc::new(t);
    let mut c = scale_cache().lock().expect("ifma coset cache");
    if c.len() >= crate::cpu::ntt::twiddles::MAX_ENTRIES {
        c.clear();
    }
    c.entry(key).or_insert(t).clone()
}

/// The limb-planar buffer, kept between calls up to this many groups (2^21 elements, 80 MiB).
const SCRATCH_KEEP: usize = 1 << 18;

fn scratch() -> &'static Mutex<Vec<Group>> {
    static S: OnceLock<Mutex<Vec<Group>>> = OnceLock::new();
    S.get_or_init(|| Mutex::new(Vec::new()))
}

/// Frees the cached twiddle groups and the scratch buffer.
pub fn clear_cache() {
    cache().lock().expect("ifma twiddle cache").clear();
    scale_cache().lock().expect("ifma coset cache").clear();
    *scratch().lock().expect("ifma scratch") = Vec::new();
}

/// Where the last stage writes: element e of the DIF output goes to slot bitrev(e).
struct Out<'a> {
    ptr: *mut Fr,
    shift: u32,
    /// Factors multiplied into the outputs ([`coset_groups`] with `inverse`).
    scale: Option<&'a [Group]>,
}
// SAFETY: every DIF output index is written once, by the block that owns it, and bit reversal is a
// permutation, so no two threads write the same slot; the slice outlives the transform.
unsafe impl Sync for Out<'_> {}

// The casts of `*Fr` to `*[u64; 4]` below read an element as its four limbs: arkworks' `Fp` is a
// `BigInt<4>` (one `[u64; 4]`) and a zero-sized marker, so that is its size and offset today;
// these assertions stop the build if that ever changes.
const _: () = assert!(std::mem::size_of::<Fr>() == 32 && std::mem::align_of::<Fr>() == 8);
const _: () = assert!(std::mem::offset_of!(Fr, 0) == 0 && std::mem::offset_of!(ark_ff::BigInt<4>, 0) == 0);

impl Out<'_> {
    #[inline(always)]
    fn slot(&self, e: usize) -> *mut [u64; 4] {
        // SAFETY: e < n, and bitrev(e) < n.
        unsafe { self.ptr.add(e.reverse_bits() >> self.shift) as *mut [u64; 4] }
    }
}

/// Forward DIF of `a` (length n ≥ [`MIN_LEN`], a power of two) with the twiddles of `tw` (forward or
/// inverse), then the bit-reversal permutation: afterwards `a` holds the transform in natural
/// order, every element reduced. `pre` (forward [`coset_groups`]) is multiplied into the input,
/// `post` (inverse [`coset_groups`]) into the output. Panics if the CPU lacks IFMA.
pub fn dif_natural(a: &mut [Fr], tw: &Twiddles, pre: Option<&[Group]>, post: Option<&[Group]>) {
    assert!(super::available(), "AVX-512 IFMA kernel called on a CPU without it");
    let n = a.len();
    assert!(n.is_power_of_two() && n >= MIN_LEN);
    let mut buf = std::mem::take(&mut *scratch().lock().expect("ifma scratch"));
    if buf.len() < n / 8 {
        buf = vec![Group::default(); n / 8];
    }
    {
        let groups = &mut buf[..n / 8];
        assert!(pre.is_none_or(|t| t.len() == n / 8) && post.is_none_or(|t| t.len() == n / 8));
        groups.par_chunks_mut(PAR_CHUNK).zip(a.par_chunks(8 * PAR_CHUNK)).enumerate().for_each(|(c, (g, src))| {
            let pre = pre.map(|t| &t[c * PAR_CHUNK..c * PAR_CHUNK + g.len()]);
            // SAFETY: the CPU has the features (asserted above); src holds 8·g.len() elements.
            unsafe { to_planar(g, src, pre) }
        });
        let out = Out { ptr: a.as_mut_ptr(), shift: usize::BITS - n.trailing_zeros(), scale: post };
        dif(groups, 0, tw, &out);
    }
    if buf.len() <= SCRATCH_KEEP {
        let mut s = scratch().lock().expect("ifma scratch");
        if s.len() < buf.len() {
            *s = buf;
        }
    }
}

#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn to_planar(g: &mut [Group], src: &[Fr], pre: Option<&[Group]>) {
    for (i, (d, s)) in g.iter_mut().zip(src.chunks_exact(8)).enumerate() {
        // SAFETY: 8 elements of 32 bytes (Fr is four u64 limbs).
        let x = unsafe { m::load8(s.as_ptr() as *const [u64; 4]) };
        // (x < p; the product is < 2p.)
        m::store(d, if let Some(t) = pre { m::mul(x, m::load(&t[i])) } else { x });
    }
}

fn dif(a: &mut [Group], base: usize, tw: &Twiddles, out: &Out<'_>) {
    let n = a.len() * 8;
    if n <= BLOCK {
        // SAFETY: callers checked the CPU features.
        unsafe { dif_block(a, base, tw, out) };
        return;
    }
    if n == 2 * BLOCK || n.trailing_zeros() % 2 == 1 && n < 4 * BLOCK {
        radix2_pass(a, tw.stage(n));
        let h = a.len() / 2;
        a.par_chunks_mut(h).enumerate().for_each(|(i, c)| dif(c, base + i * n / 2, tw, out));
        return;
    }
    radix4_pass(a, tw.stage(n), tw.stage(n / 2));
    let q = a.len() / 4;
    a.par_chunks_mut(q).enumerate().for_each(|(i, c)| dif(c, base + i * n / 4, tw, out));
}

fn chunk_len(groups: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    groups.div_ceil(4 * threads).max(PAR_CHUNK)
}

/// One radix-2 stage over all of `a` (in parallel): groups j and j + len/16, twiddle group j.
fn radix2_pass(a: &mut [Group], t: &[Group]) {
    let h = a.len() / 2;
    let (lo, hi) = a.split_at_mut(h);
    let ch = chunk_len(h);
    lo.par_chunks_mut(ch).zip(hi.par_chunks_mut(ch)).enumerate().for_each(|(c, (l, r))| {
        let j = c * ch;
        // SAFETY: callers checked the CPU features.
        unsafe { radix2_range(l, r, &t[j..j + l.len()]) }
    });
}

/// Two fused stages over all of `a` (in parallel).
fn radix4_pass(a: &mut [Group], t1: &[Group], t2: &[Group]) {
    let q = a.len() / 4;
    let (a0, rest) = a.split_at_mut(q);
    let (a1, rest) = rest.split_at_mut(q);
    let (a2, a3) = rest.split_at_mut(q);
    let ch = chunk_len(q);
    a0.par_chunks_mut(ch)
        .zip(a1.par_chunks_mut(ch))
        .zip(a2.par_chunks_mut(ch))
        .zip(a3.par_chunks_mut(ch))
        .enumerate()
        .for_each(|(c, (((b0, b1), b2), b3))| {
            let (j, len) = (c * ch, b0.len());
            // SAFETY: callers checked the CPU features.
            unsafe { radix4_range(b0, b1, b2, b3, &t1[j..j + len], &t1[q + j..q + j + len], &t2[j..j + len]) }
        });
}

/// (u, v) ← (u + v, (u − v)·w) for lanes of lo[i], hi[i] with twiddles t[i].
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn radix2_range(lo: &mut [Group], hi: &mut [Group], t: &[Group]) {
    let p4 = m::splat5(&m::P4);
    for ((u, v), w) in lo.iter_mut().zip(hi.iter_mut()).zip(t) {
        let (x, y) = (m::load(u), m::load(v));
        m::store(u, m::reduce_2p(m::normalize(m::add(x, y))));
        m::store(v, m::mul(m::sub_plus(x, y, p4), m::load(w)));
    }
}

/// Radix-4 butterflies on a0[i], a1[i], a2[i], a3[i] (j = i): the first stage's twiddles are
/// t1a[i] (pairs 0–2) and t1b[i] (pairs 1–3), the second stage's t2[i].
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn radix4_range(a0: &mut [Group], a1: &mut [Group], a2: &mut [Group], a3: &mut [Group], t1a: &[Group], t1b: &[Group], t2: &[Group]) {
    let (p4, p8) = (m::splat5(&m::P4), m::splat5(&m::P8));
    for i in 0..a0.len() {
        let (x0, x1, x2, x3) = (m::load(&a0[i]), m::load(&a1[i]), m::load(&a2[i]), m::load(&a3[i]));
        let s0 = m::add(x0, x2);
        let d0 = m::mul(m::sub_plus(x0, x2, p4), m::load(&t1a[i]));
        let s1 = m::add(x1, x3);
        let d1 = m::mul(m::sub_plus(x1, x3, p4), m::load(&t1b[i]));
        let w = m::load(&t2[i]);
        m::store(&mut a0[i], m::reduce_2p(m::normalize(m::add(s0, s1))));
        m::store(&mut a1[i], m::mul(m::sub_plus(s0, s1, p8), w));
        m::store(&mut a2[i], m::add(d0, d1));
        m::store(&mut a3[i], m::mul(m::sub_plus(d0, d1, p4), w));
    }
}

/// Sequential DIF of a block (≥ 2 groups) in cache; the last stages write the output.
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn dif_block(a: &mut [Group], base: usize, tw: &Twiddles, out: &Out<'_>) {
    let mut len = a.len() * 8;
    while len >= 32 {
        let (t1, t2) = (tw.stage(len), tw.stage(len / 2));
        let q = len / 32;
        for c in a.chunks_exact_mut(len / 8) {
            let (c0, rest) = c.split_at_mut(q);
            let (c1, rest) = rest.split_at_mut(q);
            let (c2, c3) = rest.split_at_mut(q);
            radix4_range(c0, c1, c2, c3, &t1[..q], &t1[q..], t2);
        }
        len /= 4;
    }
    let w16 = if len == 16 { Some(m::load(&tw.stage(16)[0])) } else { None };
    let (w8, w4) = (m::load(&tw.w8), m::load(&tw.w4));
    for (i, pair) in a.chunks_exact(2).enumerate() {
        last_stages(m::load(&pair[0]), m::load(&pair[1]), w16, w8, w4, base + 16 * i, out);
    }
}

#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn perm(a: V, idx: __m512i, b: V) -> V {
    V(core::array::from_fn(|k| _mm512_permutex2var_epi64(a.0[k], idx, b.0[k])))
}

/// Elements base..base + 16 (x = lanes 0..8, y = lanes 8..16, below 2.4p): the stage of length 16
/// if `w16` is given (x against y), then the stages of length 8, 4 and 2 in registers; the reduced
/// results go to their bit-reversed slots.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn last_stages(mut x: V, mut y: V, w16: Option<V>, w8: V, w4: V, base: usize, out: &Out<'_>) {
    let (p2, p4) = (m::splat5(&m::P2), m::splat5(&m::P4));
    if let Some(w) = w16 {
        let (u, v) = (x, y);
        x = m::reduce_2p(m::normalize(m::add(u, v)));
        y = m::mul(m::sub_plus(u, v, p4), w);
    }
    // Length 8: pairs (l, l + 4). u = [x0..x3, y0..y3], v = [x4..x7, y4..y7].
    let u = perm(x, _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11), y);
    let v = perm(x, _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15), y);
    let (u, v) = (m::reduce_2p(m::normalize(m::add(u, v))), m::mul(m::sub_plus(u, v, p4), w8));
    // Length 4: pairs (l, l + 2). u = [x0 x1 x4 x5 y0 y1 y4 y5], v = [x2 x3 x6 x7 y2 y3 y6 y7].
    let u2 = perm(u, _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), v);
    let v2 = perm(u, _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15), v);
    // (below 1.01p and 1.16p: the sum stays unreduced, < 2.2p.)
    let (u, v) = (m::add(u2, v2), m::mul(m::sub_plus(u2, v2, p2), w4));
    // Length 2: pairs (l, l + 1). u = [x0 x2 x4 x6 y0 y2 y4 y6], v = [x1 x3 x5 x7 y1 y3 y5 y7].
    let u3 = perm(u, _mm512_setr_epi64(0, 8, 2, 10, 4, 12, 6, 14), v);
    let v3 = perm(u, _mm512_setr_epi64(1, 9, 3, 11, 5, 13, 7, 15), v);
    let (mut even, mut odd) = (m::normalize(m::add(u3, v3)), m::sub_plus(u3, v3, p4));
    if let Some(s) = out.scale {
        // (inputs < 6.1p: products < 1.1p.)
        even = m::mul(even, m::load(&s[base / 8]));
        odd = m::mul(odd, m::load(&s[base / 8 + 1]));
    }
    let (even, odd) = (m::reduce(even), m::reduce(odd));
    // SAFETY: lane k of `even` is element base + 2k, of `odd` base + 2k + 1; slots are distinct.
    unsafe {
        m::store8(even, |k| out.slot(base + 2 * k));
        m::store8(odd, |k| out.slot(base + 2 * k + 1));
    }
}
