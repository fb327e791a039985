// Pippenger MSM on the GPU, bases resident in device memory (as on the card: only scalars cross
// the bus per MSM). Schedule, all windows of the MSM at once:
//
//  1. digits:   one thread per scalar writes (key = w·2^c + digit, value = point index) for each of
//               the W = ⌈254/c⌉ unsigned c-bit windows (window-major, so writes coalesce);
//  2. sort:     radix sort of the n·W pairs by key (CUB), so each bucket's points are contiguous;
//  3. runs:     one thread per pair marks where its bucket's run starts and ends;
//  4. buckets:  one thread per segment of S = 32 sorted pairs adds the points of each run piece in
//               it (XYZZ += affine; digit 0 skipped): a run wholly inside the segment is its
//               bucket's sum; the piece at the segment's start of a run that began earlier and the
//               piece at its end of a run that goes on are kept aside, and one thread per bucket
//               that spans segments adds those pieces. So no thread adds more than S points plus
//               one piece per segment its bucket spans — the buckets of the top window, which
//               scalars below r < 2^254 leave few (at c = 13 the top window's digits reach 96),
//               hold n/97 points each and would otherwise be one long serial chain;
//  5. chunks:   each window's 2^c buckets in T = 2^t chunks of L buckets, one thread per chunk:
//               running sums give Σ_e e·B_{tL+e}, plus (tL)·Σ_e B_{tL+e} by double-and-add;
//  6. windows:  the T chunk sums of each window added pairwise in log T launches: Σ_d d·B_d;
//  7. Horner:   the W window sums copied back, Σ_w 2^{c·w}·S_w on the host (a few hundred
//               dependent doublings: faster on one CPU core than on one GPU thread).
#pragma once
#include "g1.cuh"

// Converts `n` affine points (canonical coordinates) to Montgomery form in place.
KERNEL void points_to_mont(Affine* pts, size_t n) {
    size_t i = THREAD_INDEX();
    if (i >= n) return;
    pts[i].x = pts[i].x.to_mont();
    pts[i].y = pts[i].y.to_mont();
}

// Bits [lo, lo + c) of a canonical 256-bit scalar (c ≤ 31).
HD uint32_t window_bits(const Fr& s, unsigned lo, unsigned c) {
    unsigned limb = lo / 32, off = lo % 32;
    uint64_t v = s.l[limb];
    if (limb + 1 < 8) v |= uint64_t(s.l[limb + 1]) << 32;
    return uint32_t(v >> off) & ((1u << c) - 1);
}

// Scalars arrive in Montgomery form (as arkworks holds them); the conversion is part of the MSM.
KERNEL void make_digits(const Fr* scalars, size_t n, unsigned c, unsigned windows, uint32_t* keys, uint32_t* vals) {
    size_t i = THREAD_INDEX();
    if (i >= n) return;
    Fr s = scalars[i].from_mont();
    for (unsigned w = 0; w < windows; ++w) {
        keys[size_t(w) * n + i] = (w << c) | window_bits(s, w * c, c);
        vals[size_t(w) * n + i] = uint32_t(i);
    }
}

KERNEL void mark_runs(const uint32_t* keys, size_t total, uint32_t* start, uint32_t* end) {
    size_t i = THREAD_INDEX();
    if (i >= total) return;
    uint32_t k = keys[i];
    if (i == 0 || keys[i - 1] != k) start[k] = uint32_t(i);
    if (i + 1 == total || keys[i + 1] != k) end[k] = uint32_t(i + 1);
}

constexpr size_t SEGMENT = 32;

HD size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

// Step 4, pass 1: segment t = pairs [t·S, t·S + S). `acc` must be all identity (zeroed) before.
KERNEL void segment_sums(const uint32_t* keys, const uint32_t* vals, size_t pairs, const uint32_t* start, const uint32_t* end,
                         const Affine* bases, unsigned c, Xyzz* acc, Xyzz* head, Xyzz* tail) {
    size_t t = THREAD_INDEX();
    if (t * SEGMENT >= pairs) return;
    size_t lo = t * SEGMENT, hi = min_size(lo + SEGMENT, pairs);
    uint32_t digit_mask = (1u << c) - 1;
    Xyzz h = Xyzz::identity(), tl = Xyzz::identity();
    for (size_t i = lo; i < hi;) {
        uint32_t k = keys[i];
        size_t run_end = min_size(hi, end[k]);
        if ((k & digit_mask) != 0) {
            Xyzz sum = Xyzz::identity();
            for (size_t j = i; j < run_end; ++j) sum = add_affine(sum, bases[vals[j]]);
            if (start[k] < lo) h = sum;         // the run began in an earlier segment
            else if (end[k] > hi) tl = sum;     // the run goes on in a later segment
            else acc[k] = sum;                  // the whole run
        }
        i = run_end;
    }
    head[t] = h;
    tail[t] = tl;
}

// Step 4, pass 2: a bucket whose run spans segments s0 < s1 is tail[s0] + head[s0+1] + … + head[s1].
KERNEL void spanning_sums(const uint32_t* start, const uint32_t* end, size_t buckets, unsigned c, const Xyzz* head, const Xyzz* tail,
                          Xyzz* acc) {
    size_t b = THREAD_INDEX();
    if (b >= buckets || (b & ((size_t(1) << c) - 1)) == 0 || end[b] == start[b]) return;
    size_t s0 = start[b] / SEGMENT, s1 = (end[b] - 1) / SEGMENT;
    if (s0 == s1) return;
    Xyzz sum = tail[s0];
    for (size_t s = s0 + 1; s <= s1; ++s) sum = add(sum, head[s]);
    acc[b] = sum;
}

KERNEL void chunk_sums(const Xyzz* buckets, unsigned windows, unsigned c, unsigned log_chunks, Xyzz* out) {
    size_t id = THREAD_INDEX();
    size_t chunks = size_t(1) << log_chunks;
    if (id >= size_t(windows) * chunks) return;
    size_t w = id >> log_chunks, t = id & (chunks - 1);
    uint32_t len = 1u << (c - log_chunks);
    const Xyzz* b = buckets + (w << c) + t * len;
    Xyzz running = Xyzz::identity(), sum = Xyzz::identity();
    for (uint32_t e = len - 1; e >= 1; --e) {
        running = add(running, b[e]);
        sum = add(sum, running);
    }
    running = add(running, b[0]);
    out[id] = add(sum, mul_small(running, uint32_t(t) * len));
}

// One level of a pairwise sum inside groups of `width` items (stride `stride` between groups):
// item j += item j + width/2, for j < width/2 of every group.
KERNEL void add_halves(Xyzz* a, size_t groups, size_t stride, size_t width) {
    size_t id = THREAD_INDEX();
    size_t half = width / 2;
    if (id >= groups * half) return;
    size_t g = id / half, j = id % half;
    Xyzz* base = a + g * stride;
    base[j] = add(base[j], base[j + half]);
}

// out[w] = a[w·stride].
KERNEL void gather(const Xyzz* a, size_t count, size_t stride, Xyzz* out) {
    size_t w = THREAD_INDEX();
    if (w >= count) return;
    out[w] = a[w * stride];
}

// Σ_w 2^{c·w}·S_w (Horner), on the host.
inline Xyzz horner(const std::vector<Xyzz>& windows, unsigned c) {
    Xyzz acc = windows.back();
    for (size_t w = windows.size() - 1; w-- > 0;) {
        for (unsigned i = 0; i < c; ++i) acc = dbl(acc);
        acc = add(acc, windows[w]);
    }
    return acc;
}

// Device buffers of one MSM size and window size, reused across repetitions.
struct MsmPlan {
    size_t n;
    unsigned c, windows, log_chunks;
    size_t pairs, buckets;
    Affine* bases;
    Fr* scalars;
    size_t segments;
    uint32_t *keys, *vals, *keys_sorted, *vals_sorted, *start, *end;
    Xyzz *bucket_acc, *head, *tail, *chunk_acc, *window_acc;
    PairSort sort;

    MsmPlan(size_t n_, unsigned c_) : n(n_), c(c_) {
        if (c < 2 || c > 24) fail("msm:", "window size c must be in 2..=24");
        windows = (254 + c - 1) / c;
        log_chunks = c > 4 ? c - 4 : c - 1;  // chunks of 16 buckets (2 below c = 5)
        pairs = n * windows;
        buckets = size_t(windows) << c;
        if (pairs >= (size_t(1) << 31)) fail("msm:", "too many (point, window) pairs for one sort");
        bases = dev_alloc<Affine>(n);
        scalars = dev_alloc<Fr>(n);
        keys = dev_alloc<uint32_t>(pairs);
        vals = dev_alloc<uint32_t>(pairs);
        keys_sorted = dev_alloc<uint32_t>(pairs);
        vals_sorted = dev_alloc<uint32_t>(pairs);
        start = dev_alloc<uint32_t>(buckets);
        end = dev_alloc<uint32_t>(buckets);
        bucket_acc = dev_alloc<Xyzz>(buckets);
        segments = (pairs + SEGMENT - 1) / SEGMENT;
        head = dev_alloc<Xyzz>(segments);
        tail = dev_alloc<Xyzz>(segments);
        chunk_acc = dev_alloc<Xyzz>(size_t(windows) << log_chunks);
        window_acc = dev_alloc<Xyzz>(windows);
    }
    ~MsmPlan() {
        for (void* p : {(void*)bases, (void*)scalars, (void*)keys, (void*)vals, (void*)keys_sorted, (void*)vals_sorted, (void*)start,
                        (void*)end, (void*)bucket_acc, (void*)head, (void*)tail, (void*)chunk_acc, (void*)window_acc})
            dev_free(p);
    }

    // Uploads the bases (canonical) and converts them on the device (once per base set).
    void load_bases(const Affine* host) {
        to_dev(bases, host, n);
        launch(n, points_to_mont, bases, n);
        device_sync();
    }
    // Scalars in Montgomery form.
    void upload_scalars(const Fr* host) { to_dev(scalars, host, n); }

    // Steps 1–7 on the resident scalars.
    Xyzz run() {
        unsigned key_bits = c;
        while ((size_t(1) << key_bits) < buckets) ++key_bits;
        launch(n, make_digits, (const Fr*)scalars, n, c, windows, keys, vals);
        sort.run(keys, keys_sorted, vals, vals_sorted, pairs, int(key_bits));
        dev_zero(start, buckets);
        dev_zero(end, buckets);
        launch(pairs, mark_runs, (const uint32_t*)keys_sorted, pairs, start, end);
        dev_zero(bucket_acc, buckets);  // all-zero XYZZ is the identity (ZZ = 0)
        launch(segments, segment_sums, (const uint32_t*)keys_sorted, (const uint32_t*)vals_sorted, pairs, (const uint32_t*)start,
               (const uint32_t*)end, (const Affine*)bases, c, bucket_acc, head, tail);
        launch(buckets, spanning_sums, (const uint32_t*)start, (const uint32_t*)end, buckets, c, (const Xyzz*)head, (const Xyzz*)tail,
               bucket_acc);
        launch(size_t(windows) << log_chunks, chunk_sums, (const Xyzz*)bucket_acc, windows, c, log_chunks, chunk_acc);
        size_t chunks = size_t(1) << log_chunks;
        for (size_t width = chunks; width > 1; width /= 2) launch(windows * (width / 2), add_halves, chunk_acc, size_t(windows), chunks, width);
        launch(windows, gather, (const Xyzz*)chunk_acc, size_t(windows), chunks, window_acc);
        std::vector<Xyzz> sums(windows);
        to_host(sums.data(), window_acc, windows);
        return horner(sums, c);
    }
};
