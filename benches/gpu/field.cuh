// BN254 base field Fq and scalar field Fr: eight 32-bit limbs (little endian), Montgomery form
// with R = 2^256, CIOS multiplication with 64-bit partial products. Written for both builds of
// `runtime.cuh` (no inline PTX), so the emulation test exercises the very code the GPU runs.
#pragma once
#include "runtime.cuh"

#ifdef __CUDACC__
#define UNROLL _Pragma("unroll")
#else
#define UNROLL
#endif

struct FqParams {
    // p = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47
    HD static void modulus(uint32_t m[8]) {
        m[0] = 0xd87cfd47; m[1] = 0x3c208c16; m[2] = 0x6871ca8d; m[3] = 0x97816a91;
        m[4] = 0x8181585d; m[5] = 0xb85045b6; m[6] = 0xe131a029; m[7] = 0x30644e72;
    }
    static constexpr uint32_t INV = 0xe4866389;  // −p^{-1} mod 2^32
    // R^2 mod p
    HD static void r2(uint32_t m[8]) {
        m[0] = 0x538afa89; m[1] = 0xf32cfc5b; m[2] = 0xd44501fb; m[3] = 0xb5e71911;
        m[4] = 0x0a417ff6; m[5] = 0x47ab1eff; m[6] = 0xcab8351f; m[7] = 0x06d89f71;
    }
};

struct FrParams {
    // r = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
    HD static void modulus(uint32_t m[8]) {
        m[0] = 0xf0000001; m[1] = 0x43e1f593; m[2] = 0x79b97091; m[3] = 0x2833e848;
        m[4] = 0x8181585d; m[5] = 0xb85045b6; m[6] = 0xe131a029; m[7] = 0x30644e72;
    }
    static constexpr uint32_t INV = 0xefffffff;
    HD static void r2(uint32_t m[8]) {
        m[0] = 0xae216da7; m[1] = 0x1bb8e645; m[2] = 0xe35c59e3; m[3] = 0x53fe3ab1;
        m[4] = 0x53bb8085; m[5] = 0x8c49833d; m[6] = 0x7f4e44a5; m[7] = 0x0216d0b1;
    }
    // A primitive 2^28-th root of unity, canonical: 5^((r−1)/2^28), arkworks'
    // `TWO_ADIC_ROOT_OF_UNITY` (the root ark-poly's radix-2 domains take powers of).
    HD static void root_2_28(uint32_t m[8]) {
        m[0] = 0x725b19f0; m[1] = 0x9bd61b6e; m[2] = 0x41112ed4; m[3] = 0x402d111e;
        m[4] = 0x8ef62abc; m[5] = 0x00e0a7eb; m[6] = 0xa58a7e85; m[7] = 0x2a3c09f0;
    }
};

template <typename P>
struct Fp {
    uint32_t l[8];

    HD static Fp zero() {
        Fp r;
        UNROLL for (int i = 0; i < 8; ++i) r.l[i] = 0;
        return r;
    }
    // A canonical integer below 2^32 (not Montgomery).
    HD static Fp from_u32(uint32_t v) {
        Fp r = zero();
        r.l[0] = v;
        return r;
    }
    HD bool is_zero() const {
        uint32_t acc = 0;
        UNROLL for (int i = 0; i < 8; ++i) acc |= l[i];
        return acc == 0;
    }
    HD bool operator==(const Fp& o) const {
        uint32_t acc = 0;
        UNROLL for (int i = 0; i < 8; ++i) acc |= l[i] ^ o.l[i];
        return acc == 0;
    }
    HD bool operator!=(const Fp& o) const { return !(*this == o); }

    // a + b mod p (inputs below p).
    HD Fp operator+(const Fp& b) const {
        uint32_t m[8];
        P::modulus(m);
        Fp s, t;
        uint64_t c = 0;
        UNROLL for (int i = 0; i < 8; ++i) {
            c += uint64_t(l[i]) + b.l[i];
            s.l[i] = uint32_t(c);
            c >>= 32;
        }
        // p < 2^254: no carry out of 256 bits; subtract p when s ≥ p.
        int64_t d = 0;
        UNROLL for (int i = 0; i < 8; ++i) {
            d += int64_t(s.l[i]) - m[i];
            t.l[i] = uint32_t(d);
            d >>= 32;
        }
        return d < 0 ? s : t;
    }
    // a − b mod p.
    HD Fp operator-(const Fp& b) const {
        uint32_t m[8];
        P::modulus(m);
        Fp s;
        int64_t d = 0;
        UNROLL for (int i = 0; i < 8; ++i) {
            d += int64_t(l[i]) - b.l[i];
            s.l[i] = uint32_t(d);
            d >>= 32;
        }
        if (d < 0) {
            uint64_t c = 0;
            UNROLL for (int i = 0; i < 8; ++i) {
                c += uint64_t(s.l[i]) + m[i];
                s.l[i] = uint32_t(c);
                c >>= 32;
            }
        }
        return s;
    }
    HD Fp dbl() const { return *this + *this; }

    // Montgomery product a·b·2^{-256} mod p (CIOS).
    HD Fp operator*(const Fp& b) const {
        uint32_t m[8];
        P::modulus(m);
        uint32_t t[10];
        UNROLL for (int i = 0; i < 10; ++i) t[i] = 0;
        UNROLL for (int i = 0; i < 8; ++i) {
            uint64_t c = 0;
            UNROLL for (int j = 0; j < 8; ++j) {
                c += uint64_t(t[j]) + uint64_t(l[j]) * b.l[i];
                t[j] = uint32_t(c);
                c >>= 32;
            }
            c += t[8];
            t[8] = uint32_t(c);
            t[9] = uint32_t(c >> 32);
            uint32_t q = t[0] * P::INV;
            c = (uint64_t(t[0]) + uint64_t(q) * m[0]) >> 32;
            UNROLL for (int j = 1; j < 8; ++j) {
                c += uint64_t(t[j]) + uint64_t(q) * m[j];
                t[j - 1] = uint32_t(c);
                c >>= 32;
            }
            c += t[8];
            t[7] = uint32_t(c);
            t[8] = t[9] + uint32_t(c >> 32);
        }
        Fp s, r;
        UNROLL for (int i = 0; i < 8; ++i) s.l[i] = t[i];
        int64_t d = 0;
        UNROLL for (int i = 0; i < 8; ++i) {
            d += int64_t(s.l[i]) - m[i];
            r.l[i] = uint32_t(d);
            d >>= 32;
        }
        d += t[8];
        return d < 0 ? s : r;
    }
    HD Fp sqr() const { return *this * *this; }

    // Montgomery form of a canonical value, and back.
    HD Fp to_mont() const {
        Fp r2;
        P::r2(r2.l);
        return *this * r2;
    }
    HD Fp from_mont() const { return *this * from_u32(1); }
    // Montgomery one.
    HD static Fp one() { return from_u32(1).to_mont(); }

    // this^e (Montgomery), e a canonical 256-bit exponent.
    HD Fp pow(const Fp& e) const {
        Fp acc = one();
        for (int i = 255; i >= 0; --i) {
            acc = acc.sqr();
            if ((e.l[i / 32] >> (i % 32)) & 1) acc = acc * *this;
        }
        return acc;
    }
    // Inverse by Fermat (this ≠ 0).
    HD Fp inverse() const {
        Fp e;
        P::modulus(e.l);
        e = e - from_u32(2);  // p − 2 (p − 2 < p, so the subtraction does not wrap)
        return pow(e);
    }
};

using Fq = Fp<FqParams>;
using Fr = Fp<FrParams>;
