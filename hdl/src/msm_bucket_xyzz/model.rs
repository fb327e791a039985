//! Bit-exact golden model of the bucket unit on the XYZZ adder ([`crate::g1_add_xyzz`]): the
//! accumulation, the on-card reduction by running sums in two passes per addition, the exception
//! flag, and the host's combination with the offsets taken out.
//!
//! **Why offsets.** The XYZZ formulas are not complete: an addition of two equal points comes out
//! flagged (`exc`), and the reduction's general additions need both operands off the identity.
//! Without precautions that is routine, not rare: a sparse chain leaves the running sum `S`
//! unchanged for a round, and the next `T += S` adds `S` to itself whenever `T` held one copy of
//! it; an MSM with a repeated base and equal digits adds `P` to a bucket holding `P`. So every
//! running value starts at a random point chosen by the host per MSM, after the inputs are fixed:
//! buckets at `R_b`, the running sums at `R_s` and `R_t`. Each intermediate value is then the
//! input's own partial sum plus a *distinct* non-zero multiple-combination of the offsets, so an
//! equality or an identity needs the offsets to satisfy a fixed linear relation — probability
//! about `2^{−254}` per addition, whatever the inputs. The flag still catches it when it happens:
//! the unit never returns a wrong point silently, it sets a sticky error and the driver redoes the
//! MSM (other offsets, or the CPU). The offsets' contribution is a known multiple of each
//! ([`correction`]), taken out by the host in one small scalar multiplication per offset.
//!
//! **Passes.** Accumulation: one mixed addition per digit (`bucket + ±P`, [`Mode::Add`] with
//! `ZZu = ZZ1`). Reduction: per round, `S += B` and `T += S`, each a general addition of two XYZZ
//! points in two passes through the adder ([`Mode::Scale`], then [`Mode::Add`]), four passes per
//! bucket instead of the complete adder's two additions.

use crate::g1_add_xyzz::model::{eval, from_affine, to_ark, Mode, Xyzz, XyzzInput};
use crate::msm_bucket::model::signed_digits;
use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{Field, Zero};

/// The host's random starting points for one MSM (none the identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offsets {
    /// Every bucket starts here.
    pub bucket: G1Affine,
    /// Every chain's running sum `S` starts here.
    pub s: G1Affine,
    /// Every chain's weighted sum `T` starts here.
    pub t: G1Affine,
}

impl Offsets {
    /// Three uniformly random points.
    pub fn random<R: rand::Rng>(rng: &mut R) -> Self {
        let p = |rng: &mut R| crate::g1_add_xyzz::model::random_point(rng);
        Self { bucket: p(rng), s: p(rng), t: p(rng) }
    }
}

/// What went through the adder, and how often it flagged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Passes {
    /// Mixed additions of the accumulation.
    pub accumulate: u64,
    /// Passes of the reduction (two per general addition).
    pub reduce: u64,
    /// Operations the unit flagged: an addition of equal points, or a general addition with an
    /// identity operand. Any flag makes the group's result invalid (sticky error).
    pub flagged: u64,
}

/// The group's shape: `windows` windows of `2^{c−1}` buckets, chains of `2^seg_log` buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Window size.
    pub c: usize,
    /// Windows in the group.
    pub windows: usize,
    /// `log2 G` (at most `c − 1`: a chain stays in one window).
    pub seg_log: usize,
}

impl Shape {
    /// Buckets per window `B = 2^{c−1}`.
    pub fn buckets_per_window(&self) -> usize {
        1 << (self.c - 1)
    }

    /// Buckets per chain `G`.
    pub fn segment(&self) -> usize {
        1 << self.seg_log
    }

    /// Chains per window `B / G`.
    pub fn chains_per_window(&self) -> usize {
        self.buckets_per_window() >> self.seg_log
    }
}

/// The bucket memory after the accumulation: entry `(w << (c−1)) | (|d| − 1)` holds its
/// starting point (`R_b`, or the identity `(1, 1, 0, 0)` without offsets) plus every `±P_i`
/// whose digit in window `w` is `d`. `digits[i][w]` are point `i`'s signed digits; zero digits and
/// identity points issue nothing. A flagged addition writes the adder's output back, as the RTL does.
pub fn accumulate(points: &[G1Affine], digits: &[Vec<i64>], shape: &Shape, bucket_offset: Option<&G1Affine>, passes: &mut Passes) -> Vec<Xyzz> {
    let start = match bucket_offset {
        Some(r) => from_affine(r, Fq::ONE),
        None => [Fq::ONE, Fq::ONE, Fq::ZERO, Fq::ZERO],
    };
    let mut buckets = vec![start; shape.windows << (shape.c - 1)];
    for (p, ds) in points.iter().zip(digits) {
        if p.is_zero() {
            continue;
        }
        for (w, &d) in ds.iter().enumerate().take(shape.windows) {
            if d == 0 {
                continue;
            }
            let a = (w << (shape.c - 1)) | (d.unsigned_abs() as usize - 1);
            let out = eval(&XyzzInput::mixed(buckets[a], p.x, p.y, false, d < 0));
            passes.accumulate += 1;
            passes.flagged += out.exc as u64;
            buckets[a] = out.p;
        }
    }
    buckets
}

/// One general addition `a + b` as the reduction issues it: flagged when either operand is the
/// identity (the unit checks `ZZ = 0` before issuing) or the second pass meets equal points.
fn general(a: Xyzz, b: Xyzz, passes: &mut Passes) -> Xyzz {
    if a[2].is_zero() || b[2].is_zero() {
        passes.flagged += 1;
    }
    let scaled = eval(&XyzzInput::scale(a, b)).p;
    let out = eval(&XyzzInput::general_second_pass(a, b, scaled));
    passes.reduce += 2;
    passes.flagged += out.exc as u64;
    out.p
}

/// The chain sums the unit streams out: per chain `q` (global order, window after window),
/// `S_q = R_s + Σ_j B[q·G + j]` and `T_q = R_t + Σ_r S^{(r)}` over the rounds `r = 0..G` (`S^{(r)}`
/// the running sum after round `r`, buckets taken from the chain's top down).
pub fn reduce(buckets: &[Xyzz], shape: &Shape, offsets: &Offsets, passes: &mut Passes) -> Vec<(Xyzz, Xyzz)> {
    assert!(shape.seg_log < shape.c, "a chain longer than a window");
    let g = shape.segment();
    assert_eq!(buckets.len() % g, 0);
    buckets
        .chunks(g)
        .map(|chain| {
            let mut s = from_affine(&offsets.s, Fq::ONE);
            let mut t = from_affine(&offsets.t, Fq::ONE);
            for b in chain.iter().rev() {
                s = general(s, *b, passes);
                t = general(t, s, passes);
            }
            (s, t)
        })
        .collect()
}

/// What the offsets add to one window's sum as the host forms it from the window's chain sums,
/// `Σ_q (T_q + w_q·S_q)`, where `w_q` is the weight the host gives chain `q`'s `S`: `q·G` for a
/// window of `B` buckets in order ([`unspread_weights`]); `(q·G) mod s` for a narrow window the host
/// spreads over its slot with stride `s` (`card_schedule::msm_reduce::window_sum`,
/// [`spread_weights`]). Every chain's `T` carries `R_t` once, `R_s` once per round (`G` times) and
/// each bucket's `R_b` with its weight `j + 1` within the chain (`G(G+1)/2` in all); every `S`
/// carries `R_s` once and `R_b` once per bucket (`G`). So the sum carries
/// `Q·R_t + (Q·G + Σ w_q)·R_s + (Q·G(G+1)/2 + G·Σ w_q)·R_b` — per window shape and weights, which
/// the host knows (groups may differ in `G`, windows in their stride).
pub fn correction(g: u64, weights: &[u64], offsets: &Offsets) -> G1Projective {
    let q = weights.len() as u128;
    let g = g as u128;
    let sw: u128 = weights.iter().map(|&w| w as u128).sum();
    let k = Fr::from;
    offsets.t * k(q) + offsets.s * k(q * g + sw) + offsets.bucket * k(q * g * (g + 1) / 2 + g * sw)
}

/// The weights of a window's chains in bucket order: chain `q` starts at bucket `q·G`.
pub fn unspread_weights(shape: &Shape) -> Vec<u64> {
    (0..shape.chains_per_window() as u64).map(|q| q * shape.segment() as u64).collect()
}

/// The weights of a window spread with stride `s` (`G ≤ s ≤ B`, powers of two): chain `q` covers
/// slots `q·G..(q+1)·G`, whose buckets are `(q·G) mod s ..`, so its `S` gets `(q·G) mod s`.
pub fn spread_weights(shape: &Shape, stride: usize) -> Vec<u64> {
    assert!(stride.is_power_of_two() && stride >= shape.segment() && stride <= shape.buckets_per_window(), "stride {stride}");
    (0..shape.chains_per_window()).map(|q| ((q * shape.segment()) % stride) as u64).collect()
}

/// The host's side for windows in bucket order: per window `Σ_q (q·G·S_q + T_q)` minus the offsets'
/// [`correction`], then Horner over the windows (`c` doublings each), as points.
pub fn combine(chains: &[(Xyzz, Xyzz)], shape: &Shape, offsets: &Offsets) -> G1Projective {
    assert!(shape.seg_log < shape.c, "a chain longer than a window");
    let qw = shape.chains_per_window();
    let weights = unspread_weights(shape);
    let fix = correction(shape.segment() as u64, &weights, offsets);
    let mut acc = G1Projective::ZERO;
    for w in (0..shape.windows).rev() {
        for _ in 0..shape.c {
            acc.double_in_place();
        }
        let mut sum = -fix;
        for ((s, t), &wq) in chains[w * qw..(w + 1) * qw].iter().zip(&weights) {
            sum += to_ark(t);
            sum += to_ark(s) * Fr::from(wq);
        }
        acc += sum;
    }
    acc
}

/// The whole MSM through one unit (all windows in one group): digits, accumulation, reduction and
/// the host's combination. `None` when the unit flagged an operation (the driver redoes it).
pub fn msm(points: &[G1Affine], scalars: &[Fr], c: usize, seg_log: usize, offsets: &Offsets, passes: &mut Passes) -> Option<G1Affine> {
    let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)).collect();
    let shape = Shape { c, windows: digits.first().map_or(0, |d| d.len()), seg_log };
    let buckets = accumulate(points, &digits, &shape, Some(&offsets.bucket), passes);
    let chains = reduce(&buckets, &shape, offsets, passes);
    (passes.flagged == 0).then(|| combine(&chains, &shape, offsets).into_affine())
}

/// Cycles of the unit's on-card reduction, from its first selection through the first cycle in
/// which the last sum is visible (what the scheduler's `stat_reduce` counts): `G` rounds of four
/// phases of `P = max(Q, L + 2)` cycles, the last phase's `Q` selections, issue, the adder and the
/// write-back (`msm_bucket::reduce_model::ReducePlan::reduce_cycles` with four phases per round
/// instead of two).
pub fn reduce_cycles(shape: &Shape, latency: usize) -> u64 {
    let chains = (shape.windows << (shape.c - 1)) >> shape.seg_log;
    let period = chains.max(latency + 2);
    ((4 * shape.segment() - 1) * period + chains + latency + 2) as u64
}

/// Which mode each pass of the reduction uses, in issue order per round (for the scheduler's tests).
pub const REDUCE_PASSES: [Mode; 4] = [Mode::Scale, Mode::Add, Mode::Scale, Mode::Add];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msm_bucket::model::msm_inputs_with_edge_cases;
    use ark_ec::VariableBaseMSM;
    use ark_ff::{One, UniformRand};
    use zkaccel_testkit::seed::TestRng;

    fn ark_msm(points: &[G1Affine], scalars: &[Fr]) -> G1Affine {
        G1Projective::msm(points, scalars).unwrap().into_affine()
    }

    #[test]
    fn random_msms_with_edge_cases_equal_arkworks_and_never_flag() {
        let mut rng = TestRng::for_test("msm_bucket_xyzz_random");
        for (n, c, seg_log) in [(1, 4, 0), (17, 4, 3), (40, 5, 2), (100, 6, 5), (300, 8, 4), (257, 9, 8)] {
            let (points, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
            let points: Vec<G1Affine> = points;
            let off = Offsets::random(&mut rng);
            let mut passes = Passes::default();
            let got = msm(&points, &scalars, c, seg_log, &off, &mut passes);
            assert_eq!(got, Some(ark_msm(&points, &scalars)), "n {n} c {c} G 2^{seg_log}");
            assert_eq!(passes.flagged, 0);
            let shape = Shape { c, windows: signed_digits(&Fr::one(), c).len(), seg_log };
            assert_eq!(passes.reduce, 4 * (shape.windows << (c - 1)) as u64, "four passes per bucket");
        }
    }

    /// Inputs where the plain formulas meet equal points or identities all the time: one base
    /// repeated with one scalar, one base with many scalars, a single non-zero scalar (sparse
    /// buckets: `T += S` with `T = S`), all-zero scalars, and small consecutive scalars.
    fn hostile(rng: &mut TestRng) -> Vec<(Vec<G1Affine>, Vec<Fr>)> {
        let p = crate::g1_add_xyzz::model::random_point(rng);
        let s = Fr::rand(rng);
        let q = crate::g1_add_xyzz::model::random_point(rng);
        vec![
            (vec![p; 50], vec![s; 50]),
            (vec![p; 50], (0..50).map(|_| Fr::rand(rng)).collect()),
            ((0..30).map(|i| if i == 0 { q } else { p }).collect(), (0..30).map(|i| if i == 7 { s } else { Fr::zero() }).collect()),
            (vec![p; 20], vec![Fr::zero(); 20]),
            (vec![p; 64], (1..=64).map(|k| Fr::from(k as u64)).collect()),
            (vec![p, -p, p, -p], vec![s, s, s, -s]),
        ]
    }

    #[test]
    fn hostile_msms_equal_arkworks_with_offsets() {
        let mut rng = TestRng::for_test("msm_bucket_xyzz_hostile");
        for (points, scalars) in hostile(&mut rng) {
            for (c, seg_log) in [(4, 3), (5, 1), (7, 6)] {
                let off = Offsets::random(&mut rng);
                let mut passes = Passes::default();
                let got = msm(&points, &scalars, c, seg_log, &off, &mut passes);
                assert_eq!(passes.flagged, 0, "c {c}");
                assert_eq!(got, Some(ark_msm(&points, &scalars)), "c {c}");
            }
        }
    }

    #[test]
    fn without_offsets_the_same_inputs_are_flagged_never_wrong() {
        // Buckets from the identity and running sums from the identity: the repeated base flags in
        // the accumulation, every reduction starts with an identity operand. The flag is what
        // keeps a result from being returned; the offsets are what keep it from being raised.
        let mut rng = TestRng::for_test("msm_bucket_xyzz_no_offsets");
        let cases = hostile(&mut rng);
        let (points, scalars) = &cases[0];
        let shape = Shape { c: 4, windows: signed_digits(&Fr::one(), 4).len(), seg_log: 3 };
        let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, shape.c)).collect();
        let mut passes = Passes::default();
        let buckets = accumulate(points, &digits, &shape, None, &mut passes);
        assert!(passes.flagged > 0, "P + P in a bucket is flagged");
        // And the flag is what keeps a wrong bucket from being used: some bucket is not its sum.
        let truth = crate::msm_bucket::model::accumulate_buckets(points, &digits, shape.c);
        let wrong = buckets.iter().enumerate().filter(|(a, b)| to_ark(b) != truth[a >> (shape.c - 1)][a & ((1 << (shape.c - 1)) - 1)].into_affine()).count();
        assert!(wrong > 0, "a flagged addition leaves a bucket that is not the sum");
        let zero = Offsets { bucket: G1Affine::zero(), s: G1Affine::zero(), t: G1Affine::zero() };
        let mut passes = Passes::default();
        reduce(&accumulate(&points[..1], &digits[..1], &shape, None, &mut Passes::default()), &shape, &zero, &mut passes);
        assert!(passes.flagged >= shape.windows as u64, "identity running sums are flagged");
    }

    #[test]
    fn the_correction_holds_for_any_chain_weights_spread_windows_included() {
        // Only offsets (an all-zero MSM): the host's sum Σ_q (T_q + w_q·S_q) must equal the
        // correction for the weights it uses — bucket order, every stride a spread window can
        // have, and arbitrary weights.
        let mut rng = TestRng::for_test("msm_bucket_xyzz_correction_weights");
        for (c, seg_log) in [(5, 1), (5, 2), (6, 0), (7, 3), (4, 3)] {
            let off = Offsets::random(&mut rng);
            let shape = Shape { c, windows: 1, seg_log };
            let mut passes = Passes::default();
            let chains = reduce(&accumulate(&[], &[], &shape, Some(&off.bucket), &mut passes), &shape, &off, &mut passes);
            assert_eq!(passes.flagged, 0);
            let mut cases = vec![unspread_weights(&shape)];
            let mut s = shape.segment();
            while s <= shape.buckets_per_window() {
                cases.push(spread_weights(&shape, s));
                s *= 2;
            }
            cases.push((0..chains.len()).map(|_| rand::Rng::gen_range(&mut rng, 0..1000)).collect());
            for w in cases {
                let sum: G1Projective = chains.iter().zip(&w).map(|((s, t), &wq)| G1Projective::from(to_ark(t)) + to_ark(s) * Fr::from(wq)).sum();
                assert_eq!(sum, correction(shape.segment() as u64, &w, &off), "c {c} G 2^{seg_log} weights {w:?}");
            }
        }
    }

    #[test]
    fn the_correction_is_what_the_offsets_add() {
        // An all-zero MSM leaves only the offsets: the combination without the correction equals it.
        let mut rng = TestRng::for_test("msm_bucket_xyzz_correction");
        for (c, seg_log) in [(3, 0), (4, 2), (6, 5)] {
            let off = Offsets::random(&mut rng);
            let shape = Shape { c, windows: 1, seg_log };
            let mut passes = Passes::default();
            let buckets = accumulate(&[], &[], &shape, Some(&off.bucket), &mut passes);
            let chains = reduce(&buckets, &shape, &off, &mut passes);
            assert_eq!(passes.flagged, 0);
            assert_eq!(combine(&chains, &shape, &off), G1Projective::ZERO, "c {c}");
            // And the correction differs from zero (the test is not vacuous).
            assert!(!correction(shape.segment() as u64, &unspread_weights(&shape), &off).is_zero());
        }
    }
}
