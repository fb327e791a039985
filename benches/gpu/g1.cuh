// BN254 G1 (y^2 = x^3 + 3 over Fq) in XYZZ coordinates (x = X/ZZ, y = Y/ZZZ, ZZ^3 = ZZZ^2):
// the bucket accumulator of GPU MSMs. Formulas from the Explicit-Formulas Database:
// madd-2008-s (plus an affine point), add-2008-s and dbl-2008-s-1 (a = 0),
// with every exceptional case (identity inputs, P + P, P + (−P)) handled.
#pragma once
#include "field.cuh"

// Affine point, coordinates in Montgomery form; the identity is y = 0 (G1 has odd order, so no
// point of it has y = 0).
struct Affine {
    Fq x, y;
    HD bool is_identity() const { return y.is_zero(); }
};

// XYZZ point; the identity is ZZ = 0.
struct Xyzz {
    Fq x, y, zz, zzz;

    HD static Xyzz identity() {
        Xyzz r;
        r.x = Fq::zero();
        r.y = Fq::zero();
        r.zz = Fq::zero();
        r.zzz = Fq::zero();
        return r;
    }
    HD static Xyzz from_affine(const Affine& a) {
        if (a.is_identity()) return identity();
        Xyzz r;
        r.x = a.x;
        r.y = a.y;
        r.zz = Fq::one();
        r.zzz = Fq::one();
        return r;
    }
    HD bool is_identity() const { return zz.is_zero(); }
};

// 2·P (dbl-2008-s-1, a = 0).
HD Xyzz dbl(const Xyzz& p) {
    if (p.is_identity()) return p;
    Fq u = p.y.dbl();
    Fq v = u.sqr();
    Fq w = u * v;
    Fq s = p.x * v;
    Fq xx = p.x.sqr();
    Fq m = xx.dbl() + xx;
    Xyzz r;
    r.x = m.sqr() - s.dbl();
    r.y = m * (s - r.x) - w * p.y;
    r.zz = v * p.zz;
    r.zzz = w * p.zzz;
    return r;
}

// 2·Q for an affine Q (the doubling of dbl-2008-s-1 with ZZ = ZZZ = 1; rare in buckets).
HD Xyzz dbl_affine(const Affine& q) { return dbl(Xyzz::from_affine(q)); }

// P + Q, Q affine (madd-2008-s).
HD Xyzz add_affine(const Xyzz& p, const Affine& q) {
    if (q.is_identity()) return p;
    if (p.is_identity()) return Xyzz::from_affine(q);
    Fq u2 = q.x * p.zz;
    Fq s2 = q.y * p.zzz;
    Fq pp_ = u2 - p.x;
    Fq rr = s2 - p.y;
    if (pp_.is_zero()) {
        if (rr.is_zero()) return dbl_affine(q);
        return Xyzz::identity();
    }
    Fq pp = pp_.sqr();
    Fq ppp = pp_ * pp;
    Fq qq = p.x * pp;
    Xyzz r;
    r.x = rr.sqr() - ppp - qq.dbl();
    r.y = rr * (qq - r.x) - p.y * ppp;
    r.zz = p.zz * pp;
    r.zzz = p.zzz * ppp;
    return r;
}

// P + Q (add-2008-s).
HD Xyzz add(const Xyzz& p, const Xyzz& q) {
    if (q.is_identity()) return p;
    if (p.is_identity()) return q;
    Fq u1 = p.x * q.zz;
    Fq u2 = q.x * p.zz;
    Fq s1 = p.y * q.zzz;
    Fq s2 = q.y * p.zzz;
    Fq pp_ = u2 - u1;
    Fq rr = s2 - s1;
    if (pp_.is_zero()) {
        if (rr.is_zero()) return dbl(p);
        return Xyzz::identity();
    }
    Fq pp = pp_.sqr();
    Fq ppp = pp_ * pp;
    Fq qq = u1 * pp;
    Xyzz r;
    r.x = rr.sqr() - ppp - qq.dbl();
    r.y = rr * (qq - r.x) - s1 * ppp;
    r.zz = p.zz * q.zz * pp;
    r.zzz = p.zzz * q.zzz * ppp;
    return r;
}

// k·P for a small k (double-and-add, most significant bit first).
HD Xyzz mul_small(const Xyzz& p, uint32_t k) {
    Xyzz acc = Xyzz::identity();
    for (int i = 31; i >= 0; --i) {
        acc = dbl(acc);
        if ((k >> i) & 1) acc = add(acc, p);
    }
    return acc;
}

// Affine form (Montgomery coordinates; the identity as y = 0). Host or one thread: one inversion.
HD Affine to_affine(const Xyzz& p) {
    Affine a;
    if (p.is_identity()) {
        a.x = Fq::zero();
        a.y = Fq::zero();
        return a;
    }
    Fq zzz_inv = p.zzz.inverse();
    Fq z_inv = zzz_inv * p.zz;  // 1/Z = ZZ/ZZZ
    Fq zz_inv = z_inv.sqr();
    a.x = p.x * zz_inv;
    a.y = p.y * zzz_inv;
    return a;
}
