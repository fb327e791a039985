//! Bit-exact software model of [`super::G1AddMixed`], step by step on `ark_bn254::Fq`
//! (whose internal representation is the wire format: Montgomery form with R = 2^256, reduced).
//!
//! It follows Renes–Costello–Batina, "Complete addition formulas for prime order elliptic
//! curves" (EUROCRYPT 2016, ePrint 2015/1060), Algorithm 7 (projective addition, a = 0) line by
//! line, with `3b = 9` for BN254 (y² = x³ + 3). Every field operation is exact and reduced, so the
//! projective triple it returns is the one the RTL must return, bit for bit; the tests below
//! check it against `ark_ec` as points. With `Z2 = 1` (Montgomery one on the wire) every value
//! equals Algorithm 8's (the mixed formulas the adder implemented before; see NOTES.md), so the
//! MSM accumulation's sums are the same triples as before.

use ark_bn254::{Fq, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, Zero};

/// A homogeneous projective point `(X : Y : Z)`, `x = X/Z`, `y = Y/Z`; `Z = 0` is the identity
/// (on the curve that means `X = 0`; the adder needs `Y ≠ 0`, e.g. `(0 : 1 : 0)`).
pub type Proj = [Fq; 3];

/// One operation of the adder: the first summand `p`, the second `(x2 : y2 : z2)` and its flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddInput {
    /// First summand (the bucket or running sum), projective.
    pub p: Proj,
    /// Second summand, projective X (for an affine point: its x, with `z2 = 1`).
    pub x2: Fq,
    /// Second summand, projective Y.
    pub y2: Fq,
    /// Second summand, projective Z (`1`, i.e. `R mod q` on the wire, for an affine point; `0`
    /// with `x2 = 0, y2 ≠ 0` for the identity through the formulas).
    pub z2: Fq,
    /// The second summand is the identity: the result is `p` itself (same representation) and
    /// `x2, y2, z2` are ignored.
    pub inf2: bool,
    /// Add `−(x2 : y2 : z2)` instead (`y2 → q − y2`, `0 → 0`).
    pub neg2: bool,
}

impl AddInput {
    /// `p + (±(x2, y2))` for an affine second summand (`z2 = 1`), as the MSM accumulation adds.
    pub fn mixed(p: Proj, x2: Fq, y2: Fq, inf2: bool, neg2: bool) -> Self {
        Self { p, x2, y2, z2: Fq::ONE, inf2, neg2 }
    }

    /// `p + q` for two projective triples, as the bucket reduction's running sums add.
    pub fn projective(p: Proj, q: Proj) -> Self {
        Self { p, x2: q[0], y2: q[1], z2: q[2], inf2: false, neg2: false }
    }
}

/// `3b` for BN254 G1 (b = 3).
pub fn b3() -> Fq {
    Fq::from(9u64)
}

/// The named intermediate values of Algorithm 7, in program order (for failure reports).
pub type Trace = Vec<(&'static str, Fq)>;

/// `9·v` the way the RTL computes it: `2v, 4v, 8v, 8v + v` with modular additions.
pub fn times9(v: Fq) -> Fq {
    let v2 = v + v;
    let v4 = v2 + v2;
    let v8 = v4 + v4;
    v8 + v
}

/// The adder's result and every intermediate of Algorithm 7.
pub fn add_trace(inp: &AddInput) -> (Proj, Trace) {
    let [x1, y1, z1] = inp.p;
    // Front: inf2 zeroes the second operand (its value is then irrelevant), neg2 negates y2.
    let (x2, y2, z2) = if inp.inf2 { (Fq::ZERO, Fq::ZERO, Fq::ZERO) } else { (inp.x2, inp.y2, inp.z2) };
    let y2 = if inp.neg2 { -y2 } else { y2 };
    let mut tr: Trace = Vec::new();
    let mut rec = |name: &'static str, v: Fq| {
        tr.push((name, v));
        v
    };
    // Algorithm 7 of Renes–Costello–Batina (a = 0), one line per step.
    let t0 = rec("1 t0 = X1*X2", x1 * x2);
    let t1 = rec("2 t1 = Y1*Y2", y1 * y2);
    let t2 = rec("3 t2 = Z1*Z2", z1 * z2);
    let t3 = rec("4 t3 = X1+Y1", x1 + y1);
    let t4 = rec("5 t4 = X2+Y2", x2 + y2);
    let t3 = rec("6 t3 = t3*t4", t3 * t4);
    let t4 = rec("7 t4 = t0+t1", t0 + t1);
    let t3 = rec("8 t3 = t3-t4", t3 - t4);
    let t4 = rec("9 t4 = Y1+Z1", y1 + z1);
    let x3 = rec("10 X3 = Y2+Z2", y2 + z2);
    let t4 = rec("11 t4 = t4*X3", t4 * x3);
    let x3 = rec("12 X3 = t1+t2", t1 + t2);
    let t4 = rec("13 t4 = t4-X3", t4 - x3);
    let x3 = rec("14 X3 = X1+Z1", x1 + z1);
    let y3 = rec("15 Y3 = X2+Z2", x2 + z2);
    let x3 = rec("16 X3 = X3*Y3", x3 * y3);
    let y3 = rec("17 Y3 = t0+t2", t0 + t2);
    let y3 = rec("18 Y3 = X3-Y3", x3 - y3);
    let x3 = rec("19 X3 = t0+t0", t0 + t0);
    let t0 = rec("20 t0 = X3+t0", x3 + t0);
    let t2 = rec("21 t2 = b3*t2", times9(t2));
    let z3 = rec("22 Z3 = t1+t2", t1 + t2);
    let t1 = rec("23 t1 = t1-t2", t1 - t2);
    let y3 = rec("24 Y3 = b3*Y3", times9(y3));
    let x3 = rec("25 X3 = t4*Y3", t4 * y3);
    let t2 = rec("26 t2 = t3*t1", t3 * t1);
    let x3 = rec("27 X3 = t2-X3", t2 - x3);
    let y3 = rec("28 Y3 = Y3*t0", y3 * t0);
    let t1 = rec("29 t1 = t1*Z3", t1 * z3);
    let y3 = rec("30 Y3 = t1+Y3", t1 + y3);
    let t0 = rec("31 t0 = t0*t3", t0 * t3);
    let z3 = rec("32 Z3 = Z3*t4", z3 * t4);
    let z3 = rec("33 Z3 = Z3+t0", z3 + t0);
    let out = if inp.inf2 { inp.p } else { [x3, y3, z3] };
    (out, tr)
}

/// The adder's result: `p + (±(x2 : y2 : z2))`, or `p` itself (same triple) when `inf2`.
pub fn add(inp: &AddInput) -> Proj {
    add_trace(inp).0
}

/// Algorithm 8 (mixed, `Z2 = 1`) line by line, as the adder computed before it became
/// projective: kept to show that Algorithm 7 with `z2 = 1` returns the same triples.
pub fn add_mixed_algorithm8(p: Proj, x2: Fq, y2: Fq) -> Proj {
    let [x1, y1, z1] = p;
    let t0 = x1 * x2;
    let t1 = y1 * y2;
    let t3 = (x2 + y2) * (x1 + y1) - (t0 + t1);
    let t4 = y2 * z1 + y1;
    let y3 = times9(x2 * z1 + x1);
    let t0 = t0 + t0 + t0;
    let t2 = times9(z1);
    let z3 = t1 + t2;
    let t1 = t1 - t2;
    let x3 = t3 * t1 - t4 * y3;
    let y3 = t1 * z3 + y3 * t0;
    let z3 = z3 * t4 + t0 * t3;
    [x3, y3, z3]
}

/// The arkworks point of a homogeneous projective triple (`Z = 0` → the identity).
pub fn proj_to_ark(p: &Proj) -> G1Projective {
    let [x, y, z] = *p;
    match z.inverse() {
        None => G1Projective::zero(),
        Some(zi) => G1Affine::new_unchecked(x * zi, y * zi).into_group(),
    }
}

/// A homogeneous projective triple of an arkworks point, scaled by `lambda ≠ 0`; the identity
/// becomes `(0 : lambda : 0)`.
pub fn ark_to_proj(p: &G1Projective, lambda: Fq) -> Proj {
    let a = p.into_affine();
    if a.is_zero() {
        [Fq::ZERO, lambda, Fq::ZERO]
    } else {
        [a.x * lambda, a.y * lambda, lambda]
    }
}

/// Whether `p` is a valid homogeneous triple of a curve point: `Y²Z = X³ + 3Z³`, not `(0:0:0)`.
pub fn on_curve(p: &Proj) -> bool {
    let [x, y, z] = *p;
    let three = Fq::from(3u64);
    !(x.is_zero() && y.is_zero() && z.is_zero()) && y.square() * z == x.square() * x + three * z.square() * z
}

/// The reference: the same sum computed by `ark_ec` (group law, not our formulas).
pub fn add_ark(inp: &AddInput) -> G1Projective {
    let p = proj_to_ark(&inp.p);
    if inp.inf2 {
        return p;
    }
    let q = proj_to_ark(&[inp.x2, inp.y2, inp.z2]);
    if inp.neg2 {
        p - q
    } else {
        p + q
    }
}

/// An `x = 0` point of BN254 G1, `(0, ±√3)`, if 3 were a square in Fq. It is not (the tests
/// check it): BN254 G1 has no point with `x = 0`, and none with `y = 0` either (that would have
/// order 2 in a group of prime order r).
pub fn x_zero_point() -> Option<G1Affine> {
    let y = Fq::from(3u64).sqrt()?;
    let p = G1Affine::new_unchecked(Fq::ZERO, y);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

/// `k·G` for the generator `G`, affine (test vectors).
pub fn multiple_of_generator(k: &ark_bn254::Fr) -> G1Affine {
    (G1Affine::generator() * k).into_affine()
}

/// A uniformly random point `k·G` (`k` drawn from `rng`), affine.
pub fn random_point<R: rand::RngCore>(rng: &mut R) -> G1Affine {
    use ark_ff::UniformRand;
    multiple_of_generator(&ark_bn254::Fr::rand(rng))
}

/// A random non-zero field element (a projective scaling factor).
pub fn random_nonzero<R: rand::RngCore>(rng: &mut R) -> Fq {
    use ark_ff::UniformRand;
    loop {
        let l = Fq::rand(rng);
        if !l.is_zero() {
            return l;
        }
    }
}

/// The triple `(λx : λy : λ)` of an affine point (`(0 : λ : 0)` for the identity).
pub fn affine_to_proj(p: &G1Affine, lambda: Fq) -> Proj {
    ark_to_proj(&p.into_group(), lambda)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use zkaccel_testkit::seed::TestRng;

    fn rand_scalar(rng: &mut TestRng) -> Fq {
        random_nonzero(rng)
    }

    fn check(inp: &AddInput) {
        let out = add(inp);
        let want = add_ark(inp);
        assert!(on_curve(&out), "result not on the curve: {inp:?} -> {out:?}");
        assert_eq!(proj_to_ark(&out), want, "{inp:?}");
        if inp.inf2 {
            assert_eq!(out, inp.p, "inf2 must return the first summand's own triple");
        }
    }

    #[test]
    fn edge_cases_match_ark() {
        let mut rng = TestRng::for_test("g1_add_mixed_model_edge_cases");
        let g = G1Affine::generator();
        let o = G1Projective::zero();
        assert!(x_zero_point().is_none(), "3 is not a square mod q: no x = 0 points");
        let g5 = (g.into_group() * ark_bn254::Fr::from(5u64)).into_affine();
        let pts: Vec<G1Projective> = vec![g.into_group(), -g.into_group(), g5.into_group(), -g5.into_group(), o];
        for &q in &pts {
            for lambda in [Fq::ONE, rand_scalar(&mut rng)] {
                for mu in [Fq::ONE, rand_scalar(&mut rng)] {
                    let q2 = ark_to_proj(&q, mu);
                    for &(inf2, neg2) in &[(false, false), (false, true), (true, false), (true, true)] {
                        let mk = |p: &G1Projective| AddInput { p: ark_to_proj(p, lambda), x2: q2[0], y2: q2[1], z2: q2[2], inf2, neg2 };
                        check(&mk(&q)); // P + P (doubling)
                        check(&mk(&-q)); // P + (−P)
                        check(&mk(&o)); // O + P
                        check(&mk(&(g.into_group() * ark_bn254::Fr::rand(&mut rng))));
                    }
                }
            }
        }
        // O + O (the second summand flagged): the first summand's triple comes back unchanged.
        let inp = AddInput::mixed([Fq::ZERO, Fq::ONE, Fq::ZERO], Fq::ZERO, Fq::ZERO, true, false);
        check(&inp);
        assert_eq!(add(&inp), inp.p);
    }

    #[test]
    fn doubling_cancellation_and_identity_need_no_special_path() {
        // P + P, P + (−P), O + O and P + O through the plain formulas (no inf2): the right points,
        // the identity as (0 : Y : 0) with Y ≠ 0.
        let g = G1Affine::generator();
        let p = ark_to_proj(&g.into_group(), Fq::from(7u64));
        let q = ark_to_proj(&g.into_group(), Fq::from(11u64));
        let dbl = add(&AddInput::projective(p, q));
        assert_eq!(proj_to_ark(&dbl), g.into_group() + g);
        let zero = add(&AddInput { neg2: true, ..AddInput::projective(p, q) });
        assert!(zero[0].is_zero() && zero[2].is_zero() && !zero[1].is_zero(), "P − P must be (0 : Y : 0), Y ≠ 0: {zero:?}");
        let o = [Fq::ZERO, Fq::from(3u64), Fq::ZERO];
        let oo = add(&AddInput::projective(o, o));
        assert!(oo[0].is_zero() && oo[2].is_zero() && !oo[1].is_zero(), "O + O must be (0 : Y : 0), Y ≠ 0: {oo:?}");
        assert_eq!(proj_to_ark(&add(&AddInput::projective(p, o))), g.into_group());
        assert_eq!(proj_to_ark(&add(&AddInput::projective(o, p))), g.into_group());
    }

    #[test]
    fn random_pairs_match_ark() {
        let mut rng = TestRng::for_test("g1_add_mixed_model_random");
        let g = G1Affine::generator().into_group();
        for i in 0..500 {
            let p = g * ark_bn254::Fr::rand(&mut rng);
            let q = g * ark_bn254::Fr::rand(&mut rng);
            let lambda = if i % 2 == 0 { Fq::ONE } else { rand_scalar(&mut rng) };
            let mu = if i % 5 == 0 { Fq::ONE } else { rand_scalar(&mut rng) };
            let neg2 = i % 3 == 0;
            check(&AddInput { neg2, ..AddInput::projective(ark_to_proj(&p, lambda), ark_to_proj(&q, mu)) });
        }
    }

    #[test]
    fn with_z2_one_it_returns_algorithm_8s_triples() {
        // The accumulation feeds Z2 = 1: the same triples as the mixed formulas, bit for bit.
        let mut rng = TestRng::for_test("g1_add_mixed_model_algorithm8");
        for i in 0..200 {
            let p = ark_to_proj(&random_point(&mut rng).into_group(), if i % 2 == 0 { Fq::ONE } else { rand_scalar(&mut rng) });
            let p = if i % 7 == 0 { [Fq::ZERO, rand_scalar(&mut rng), Fq::ZERO] } else { p };
            let q = random_point(&mut rng);
            let q = if i % 11 == 0 && !p[2].is_zero() { G1Affine::new_unchecked(p[0] / p[2], p[1] / p[2]) } else { q };
            assert_eq!(add(&AddInput::mixed(p, q.x, q.y, false, false)), add_mixed_algorithm8(p, q.x, q.y));
        }
    }

    #[test]
    fn trace_has_every_step_of_algorithm_7() {
        let g = G1Affine::generator();
        let p = ark_to_proj(&g.into_group(), Fq::ONE);
        let (_, tr) = add_trace(&AddInput::projective(p, p));
        assert_eq!(tr.len(), 33);
        assert_eq!(tr.iter().filter(|(n, _)| n.contains('*') && !n.contains("b3")).count(), super::super::config::MULTIPLIERS);
        assert_eq!(times9(Fq::from(5u64)), Fq::from(45u64));
    }
}
