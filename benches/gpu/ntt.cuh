// Radix-2 NTT over BN254 Fr on the GPU, natural order in and out, equal to ark-poly's
// `Radix2EvaluationDomain::fft` (ω = arkworks' 2^28-th root raised to 2^(28 − log n)):
// a bit-reversal permutation, then log n decimation-in-time stages, three per kernel (one thread
// per group of eight points, held in registers), twiddles ω^j (j < n/2) from a table built once
// per size.
#pragma once
#include "field.cuh"

KERNEL void fr_to_mont(Fr* a, size_t n) {
    size_t i = THREAD_INDEX();
    if (i >= n) return;
    a[i] = a[i].to_mont();
}

KERNEL void fr_from_mont(Fr* a, size_t n) {
    size_t i = THREAD_INDEX();
    if (i >= n) return;
    a[i] = a[i].from_mont();
}

// tw[j] = ω^j for j < half (ω in Montgomery form).
KERNEL void twiddle_table(Fr* tw, size_t half, Fr omega) {
    size_t j = THREAD_INDEX();
    if (j >= half) return;
    tw[j] = omega.pow(Fr::from_u32(uint32_t(j)));
}

HD uint32_t reverse_bits(uint32_t x, unsigned bits) {
    uint32_t r = 0;
    for (unsigned i = 0; i < bits; ++i) r |= ((x >> i) & 1u) << (bits - 1 - i);
    return r;
}

KERNEL void bit_reverse_copy(const Fr* in, Fr* out, size_t n, unsigned log_n) {
    size_t i = THREAD_INDEX();
    if (i >= n) return;
    out[reverse_bits(uint32_t(i), log_n)] = in[i];
}

// DIT stages s .. s + R − 1 in one pass: one thread per group of 2^R points `base + j·2^s`
// (`base`'s bits s .. s + R − 1 zero), kept in registers through the R stages, so a transform
// reads and writes the whole array ⌈log n / 3⌉ times instead of log n. At stage t = s + q the
// pair (j, j + 2^q) is points 2^t apart, and the twiddle's index is the position inside the
// 2^(t+1)-block, `low + (j mod 2^q)·2^s`, scaled to the table of ω^i, i < n/2.
template <unsigned R>
KERNEL void dit_stages(Fr* a, const Fr* tw, size_t n, unsigned s, unsigned log_n) {
    size_t g = THREAD_INDEX();
    if (g >= (n >> R)) return;
    size_t low = g & ((size_t(1) << s) - 1);
    size_t base = ((g >> s) << (s + R)) | low;
    Fr x[1u << R];
    UNROLL for (unsigned j = 0; j < (1u << R); ++j) x[j] = a[base + (size_t(j) << s)];
    UNROLL for (unsigned q = 0; q < R; ++q) {
        unsigned t = s + q, half = 1u << q;
        UNROLL for (unsigned j = 0; j < (1u << R); ++j) {
            if (j & half) continue;
            size_t k = low + (size_t(j & (half - 1)) << s);
            Fr v = x[j + half] * tw[k << (log_n - 1 - t)];
            Fr u = x[j];
            x[j] = u + v;
            x[j + half] = u - v;
        }
    }
    UNROLL for (unsigned j = 0; j < (1u << R); ++j) a[base + (size_t(j) << s)] = x[j];
}

// Device buffers of one transform size.
struct NttPlan {
    size_t n;
    unsigned log_n;
    Fr *data, *scratch, *tw;

    explicit NttPlan(unsigned log_n_) : n(size_t(1) << log_n_), log_n(log_n_) {
        if (log_n < 1 || log_n > 28) fail("ntt:", "log n must be in 1..=28");
        data = dev_alloc<Fr>(n);
        scratch = dev_alloc<Fr>(n);
        tw = dev_alloc<Fr>(n / 2);
        Fr root;
        FrParams::root_2_28(root.l);
        Fr omega = root.to_mont();
        for (unsigned i = log_n; i < 28; ++i) omega = omega.sqr();
        launch(n / 2, twiddle_table, tw, n / 2, omega);
        device_sync();
    }
    ~NttPlan() {
        dev_free(data);
        dev_free(scratch);
        dev_free(tw);
    }

    // Canonical values in, converted to Montgomery form on the device.
    void upload(const Fr* host) {
        to_dev(scratch, host, n);
        launch(n, fr_to_mont, scratch, n);
    }
    // The transform of `scratch` (Montgomery) into `data`.
    void run() {
        launch(n, bit_reverse_copy, (const Fr*)scratch, data, n, log_n);
        for (unsigned s = 0; s < log_n;) {
            unsigned r = std::min(3u, log_n - s);
            if (r == 3) launch(n >> 3, dit_stages<3>, data, (const Fr*)tw, n, s, log_n);
            if (r == 2) launch(n >> 2, dit_stages<2>, data, (const Fr*)tw, n, s, log_n);
            if (r == 1) launch(n >> 1, dit_stages<1>, data, (const Fr*)tw, n, s, log_n);
            s += r;
        }
    }
    // Canonical values out (converts `data` in place).
    void download(Fr* host) {
        launch(n, fr_from_mont, data, n);
        to_host(host, data, n);
    }
};
