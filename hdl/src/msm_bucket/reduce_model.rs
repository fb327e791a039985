//! The on-card bucket reduction (issue 23) as a cycle-exact software model of the schedule the
//! card's reduction sequencer runs after a group's accumulation: per *chain* (a segment of `G`
//! consecutive buckets of one window) the running sums `S += B_j`, `T += S` from the top bucket of
//! the segment down, all chains interleaved so that one projective addition issues per cycle.
//! The card then returns two points per chain instead of `2^{c−1}` buckets per window; the host
//! combines them (`host/src/card_schedule/msm_reduce.rs`). The RTL is the bucket scheduler's
//! reduction sequencer (`scheduler.rs`, `cfg_reduce`); `sim/tests/msm_bucket_scheduler_verilator.rs`
//! checks its chain sums and its cycle count against this model; the tests below check the model
//! against `ark_ec`.
//!
//! Timing rules (the same as the bucket scheduler's, `NOTES.md`): an operation is *selected* in
//! cycle `s` (chain-RAM and bucket-RAM addresses), issued in `s + 1` and written back in
//! `s + 1 + L`; a selection in cycle `s' ≥ s + L + 2` reads the new value, an earlier one the old
//! value. The model reads exactly what the RAMs would hold, so a schedule that violates a
//! dependency gives a wrong sum (a test checks that one cycle less does).
//!
//! Schedule for `Q` chains of `G` buckets (`Q·G` = the group's buckets), period
//! `P = max(Q, L + 2)`: for `t = G − 1` down to 0, phase A selects `S_q += B[q·G + t]` for
//! `q = 0..Q` in consecutive cycles, then (from cycle `P` of the round) phase B selects
//! `T_q += S_q`; idle cycles pad each phase to `P`. A(q, t) → B(q, t), B(q, t) → B(q, t − 1) and
//! A(q, t) → A(q, t − 1) are all at least `P ≥ L + 2` cycles apart. Cycles: from the first
//! selection through the first cycle in which the last sum is visible, `(2G − 1)·P + Q + L + 2`
//! (`2·G·P + L + 2` when `Q = P`); with `Q ≥ L + 2` every cycle issues. The RTL's `stat_reduce`
//! counts the same cycles.

use ark_bn254::G1Projective;
use ark_ec::AdditiveGroup;
use std::collections::VecDeque;

/// Latency of the complete **projective** G1 adder the reduction needs (Renes–Costello–Batina
/// Algorithm 7, `a = 0`, 12 multipliers): the card's adder (`g1_add_mixed`), critical path
/// `X1+Z1` → `·(X2+Z2)` → `−(t0+t2)` → `·9` → `·t4` → `−` → select:
/// `5 + 85 + 5 + 20 + 85 + 5 + 1 = 206` (`g1_add_mixed/NOTES.md`).
pub const PROJECTIVE_ADDER_LATENCY: usize = crate::g1_add_mixed::config::LATENCY;
const _: () = assert!(PROJECTIVE_ADDER_LATENCY == 206);

/// The chain RAMs (`S` and `T`, 768 bits per entry each) hold `2^CHAIN_LOG_DEPTH` chains.
pub const CHAIN_LOG_DEPTH: usize = 9;

/// Card-to-host beats per returned point (`X ‖ Y ‖ Z`, 256-bit beats, as the bucket read-out).
pub const BEATS_PER_POINT: u64 = 3;

/// How one group's buckets are cut into chains and scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReducePlan {
    /// Window size.
    pub c: usize,
    /// Windows in the group.
    pub windows: usize,
    /// `log2 G`: buckets per chain (a power of two, `≤ 2^{c−1}`, so a chain stays in one window).
    pub seg_log: usize,
    /// Chains `Q = windows·2^{c−1} / G`.
    pub chains: usize,
    /// Cycles per phase, `max(Q, L + 2)`.
    pub period: usize,
    /// Adder latency `L`.
    pub latency: usize,
}

/// The smallest `g` with `windows·2^{c−1} / 2^g ≤ 2^chain_log_depth` (at most `c − 1`): the
/// largest number of chains the chain RAMs hold, so the host gets as few points as possible per
/// chain count and the schedule pads only when the group is small.
pub fn segment_log(windows: usize, c: usize, chain_log_depth: usize) -> usize {
    let total = windows << (c - 1);
    let mut g = 0;
    while g < c - 1 && (total >> g) > (1 << chain_log_depth) {
        g += 1;
    }
    g
}

impl ReducePlan {
    /// The plan of a group of `windows` windows of `2^{c−1}` buckets, adder latency `latency`,
    /// chain RAMs of `2^CHAIN_LOG_DEPTH` entries.
    pub fn new(windows: usize, c: usize, latency: usize) -> Self {
        assert!(
            (2..=24).contains(&c) && windows >= 1,
            "c = {c}, windows = {windows}"
        );
        let seg_log = segment_log(windows, c, CHAIN_LOG_DEPTH);
        let chains = (windows << (c - 1)) >> seg_log;
        assert!(
            chains <= 1 << CHAIN_LOG_DEPTH,
            "{chains} chains do not fit the chain RAMs (c = {c}, {windows} windows)"
        );
        Self {
            c,
            windows,
            seg_log,
            chains,
            period: chains.max(latency + 2),
            latency,
        }
    }

    /// Buckets per chain `G`.
    pub fn segment(&self) -> usize {
        1 << self.seg_log
    }

    /// Cycles from the first selection through the first cycle in which the last sum is visible
    /// in the chain RAMs (the last selection is chain `Q − 1` of the last phase B).
    pub fn reduce_cycles(&self) -> u64 {
        ((2 * self.segment() - 1) * self.period + self.chains + self.latency + 2) as u64
    }

    /// Additions issued: two per bucket.
    pub fn additions(&self) -> u64 {
        (2 * self.segment() * self.chains) as u64
    }

    /// Cycles to stream the `2·Q` chain sums out (three beats each).
    pub fn readout_cycles(&self) -> u64 {
        2 * self.chains as u64 * BEATS_PER_POINT
    }
}

/// What the card returns for one group: per chain `q`, `S_q = Σ_j B[q·G + j]` and
/// `T_q = Σ_j (j + 1)·B[q·G + j]` (`j = 0..G`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSums {
    /// `S_q`.
    pub s: Vec<G1Projective>,
    /// `T_q`.
    pub t: Vec<G1Projective>,
    /// Additions issued.
    pub issued: u64,
    /// Cycles of the schedule ([`ReducePlan::reduce_cycles`], counted by the model).
    pub cycles: u64,
}

/// Runs the schedule of `plan` over `buckets` (the group's bucket memory in address order,
/// `windows·2^{c−1}` entries, `(w << (c−1)) | b`), reading the chain RAMs as the hardware would.
pub fn reduce(plan: &ReducePlan, buckets: &[G1Projective]) -> ChainSums {
    assert_eq!(
        buckets.len(),
        plan.windows << (plan.c - 1),
        "one entry per bucket of the group"
    );
    let (q_n, g, p, l) = (plan.chains, plan.segment(), plan.period, plan.latency);
    let mut s_ram = vec![G1Projective::ZERO; q_n];
    let mut t_ram = vec![G1Projective::ZERO; q_n];
    // Write-backs in flight: (first selection cycle that sees it, into T?, chain, value).
    let mut pending: VecDeque<(u64, bool, usize, G1Projective)> = VecDeque::new();
    let mut issued = 0u64;
    let mut last_visible = 0u64;
    for round in 0..g {
        let t = g - 1 - round;
        for phase_b in [false, true] {
            for q in 0..q_n {
                let cycle = ((2 * round + phase_b as usize) * p + q) as u64;
                while pending.front().is_some_and(|w| w.0 <= cycle) {
                    let (_, into_t, idx, v) = pending.pop_front().unwrap();
                    if into_t {
                        t_ram[idx] = v;
                    } else {
                        s_ram[idx] = v;
                    }
                }
                let sum = if phase_b {
                    t_ram[q] + s_ram[q]
                } else {
                    s_ram[q] + buckets[q * g + t]
                };
                let visible = cycle + l as u64 + 2;
                pending.push_back((visible, phase_b, q, sum));
                last_visible = visible;
                issued += 1;
            }
        }
    }
    for (_, into_t, idx, v) in pending {
        if into_t {
            t_ram[idx] = v;
        } else {
            s_ram[idx] = v;
        }
    }
    ChainSums {
        s: s_ram,
        t: t_ram,
        issued,
        cycles: last_visible + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{
        accumulate_buckets, msm_inputs_with_edge_cases, signed_digits, windows,
    };
    use super::*;
    use ark_bn254::{Fr, G1Affine};
    use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
    use ark_ff::{UniformRand, Zero};
    use zkaccel_testkit::seed::TestRng;

    /// The host's combination, written independently of `host/` (scalar multiplications instead
    /// of its running sums): window `w`'s sum is `Σ_q T_q + o_q·S_q` with `o_q` the weight offset of
    /// the chain's first bucket (`p0 mod stride`, `stride = 2^{c−1}` unless the window is spread),
    /// then Horner over the windows.
    fn combine(plan: &ReducePlan, sums: &ChainSums, strides: &[usize]) -> Vec<G1Projective> {
        let per = (1usize << (plan.c - 1)) >> plan.seg_log;
        (0..plan.windows)
            .map(|w| {
                (0..per)
                    .map(|k| {
                        let q = w * per + k;
                        let o = (k << plan.seg_log) % strides[w];
                        sums.t[q] + sums.s[q] * Fr::from(o as u64)
                    })
                    .sum()
            })
            .collect()
    }

    fn horner(window_sums: &[G1Projective], c: usize) -> G1Projective {
        window_sums.iter().rev().fold(G1Projective::ZERO, |acc, s| {
            (0..c).fold(acc, |a, _| a.double()) + s
        })
    }

    fn msm_through_card_reduction(
        points: &[G1Affine],
        scalars: &[Fr],
        c: usize,
        latency: usize,
    ) -> (G1Projective, ReducePlan, ChainSums) {
        let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)).collect();
        let buckets: Vec<G1Projective> = accumulate_buckets(points, &digits, c).concat();
        let plan = ReducePlan::new(windows(c), c, latency);
        let sums = reduce(&plan, &buckets);
        let got = horner(&combine(&plan, &sums, &vec![1 << (c - 1); windows(c)]), c);
        (got, plan, sums)
    }

    #[test]
    fn chain_sums_are_the_weighted_segment_sums() {
        let mut rng = TestRng::for_test("reduce_model_chain_sums");
        for (windows, c) in [(1usize, 2usize), (3, 4), (3, 11), (5, 9)] {
            let plan = ReducePlan::new(windows, c, PROJECTIVE_ADDER_LATENCY);
            let n = windows << (c - 1);
            let buckets: Vec<G1Projective> = (0..n)
                .map(|i| {
                    if i % 7 == 3 {
                        G1Projective::ZERO
                    } else {
                        G1Projective::rand(&mut rng)
                    }
                })
                .collect();
            let sums = reduce(&plan, &buckets);
            assert_eq!(sums.issued, plan.additions());
            assert_eq!(sums.cycles, plan.reduce_cycles());
            let g = plan.segment();
            for q in 0..plan.chains {
                let seg = &buckets[q * g..(q + 1) * g];
                assert_eq!(
                    sums.s[q],
                    seg.iter().sum::<G1Projective>(),
                    "S, c = {c}, chain {q}"
                );
                let t: G1Projective = seg
                    .iter()
                    .enumerate()
                    .map(|(j, b)| *b * Fr::from(j as u64 + 1))
                    .sum();
                assert_eq!(sums.t[q], t, "T, c = {c}, chain {q}");
            }
        }
    }

    #[test]
    fn msm_with_card_reduction_equals_ark_on_random_and_edge_inputs() {
        let mut rng = TestRng::for_test("reduce_model_msm");
        for n in [1usize, 17, 200] {
            let (points, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
            let want = G1Projective::msm(&points, &scalars).unwrap();
            for c in [2usize, 4, 7, 10] {
                let (got, plan, _) =
                    msm_through_card_reduction(&points, &scalars, c, PROJECTIVE_ADDER_LATENCY);
                assert_eq!(
                    got.into_affine(),
                    want.into_affine(),
                    "n = {n}, c = {c}, plan {plan:?}"
                );
            }
        }
        // All scalars zero: every bucket empty, the sum is the identity.
        let (points, _) = msm_inputs_with_edge_cases(40, &mut rng);
        let zeros = vec![Fr::zero(); 40];
        assert!(
            msm_through_card_reduction(&points, &zeros, 5, PROJECTIVE_ADDER_LATENCY)
                .0
                .is_zero()
        );
        // Every point the identity.
        let inf = vec![G1Affine::identity(); 8];
        let scalars: Vec<Fr> = (0..8).map(|_| Fr::rand(&mut rng)).collect();
        assert!(
            msm_through_card_reduction(&inf, &scalars, 4, PROJECTIVE_ADDER_LATENCY)
                .0
                .is_zero()
        );
    }

    #[test]
    fn running_sums_double_and_cancel_inside_a_chain() {
        // 2 windows of c = 10: 1 024 buckets, 512 chains of G = 2 buckets, so each chain sees
        // S + B with S = B, T + S with T = S, and P + (−P) in the adder.
        let c = 10;
        let plan = ReducePlan::new(2, c, PROJECTIVE_ADDER_LATENCY);
        assert_eq!(plan.segment(), 2);
        let g = G1Projective::generator();
        let p = g * Fr::from(12345u64);
        let mut buckets = vec![G1Projective::ZERO; 2 << (c - 1)];
        // chain 0: B1 = P, B0 = P → S = P + P (doubling in A), T = P + 2P.
        buckets[0] = p;
        buckets[1] = p;
        // chain 1: B1 = P, B0 = O → S stays P, T = P then T + S = P + P (doubling in B).
        buckets[3] = p;
        // chain 2: B1 = P, B0 = −P → S = P + (−P) = O, T = P + O.
        buckets[5] = p;
        buckets[4] = -p;
        // chain 3: B1 = −P, B0 = P + P → T = −P + (−P + 2P) = O.
        buckets[7] = -p;
        buckets[6] = p.double();
        let sums = reduce(&plan, &buckets);
        assert_eq!(sums.s[0], p.double());
        assert_eq!(sums.t[0], p * Fr::from(3u64));
        assert_eq!(sums.s[1], p);
        assert_eq!(sums.t[1], p.double());
        assert!(sums.s[2].is_zero());
        assert_eq!(sums.t[2], p);
        assert_eq!(sums.s[3], p);
        assert!(sums.t[3].is_zero());
    }

    #[test]
    fn spread_windows_combine_with_their_stride() {
        // A window whose buckets repeat with stride 8 (replicas of an 8-bucket window) has weight
        // (p mod 8) + 1 at slot p; chains of G ≤ stride never straddle a replica.
        let mut rng = TestRng::for_test("reduce_model_spread");
        let c = 9;
        let plan = ReducePlan::new(3, c, PROJECTIVE_ADDER_LATENCY);
        let half = 1usize << (c - 1);
        let strides = [half, 8usize.max(plan.segment()), half];
        let buckets: Vec<G1Projective> = (0..3 * half)
            .map(|_| G1Projective::rand(&mut rng))
            .collect();
        let sums = reduce(&plan, &buckets);
        let got = combine(&plan, &sums, &strides);
        for w in 0..3 {
            let want: G1Projective = (0..half)
                .map(|p| buckets[w * half + p] * Fr::from((p % strides[w]) as u64 + 1))
                .sum();
            assert_eq!(got[w], want, "window {w}");
        }
    }

    #[test]
    fn one_cycle_less_between_dependent_selections_gives_a_wrong_sum() {
        // 1 window of c = 6: 32 chains of one bucket, P = L + 2 (padding). With P = L + 1 the
        // phase-B selection of every chain reads S before its write-back is visible.
        let mut rng = TestRng::for_test("reduce_model_hazard");
        let c = 6;
        let good = ReducePlan::new(1, c, PROJECTIVE_ADDER_LATENCY);
        assert_eq!(good.period, PROJECTIVE_ADDER_LATENCY + 2);
        let buckets: Vec<G1Projective> = (0..1 << (c - 1))
            .map(|_| G1Projective::rand(&mut rng))
            .collect();
        let ok = reduce(&good, &buckets);
        assert_eq!(ok.t[0], buckets[0]);
        let bad = ReducePlan {
            period: good.period - 1,
            ..good
        };
        assert_ne!(
            reduce(&bad, &buckets).t,
            ok.t,
            "the model must see the hazard"
        );
    }

    #[test]
    fn plan_fills_the_pipeline_for_card_sized_groups() {
        // 2^16 points, c = 12: one group of 23 windows (47 104 buckets) → G = 128, Q = 368 ≥ L + 2.
        let plan = ReducePlan::new(23, 12, PROJECTIVE_ADDER_LATENCY);
        assert_eq!((plan.segment(), plan.chains, plan.period), (128, 368, 368));
        assert_eq!(plan.reduce_cycles(), 2 * 128 * 368 + 208);
        // c = 15, 4 windows per group of 2^16 entries → G = 128, Q = 512.
        let plan = ReducePlan::new(4, 15, PROJECTIVE_ADDER_LATENCY);
        assert_eq!((plan.segment(), plan.chains), (128, 512));
    }
}
