//! The XYZZ bucket scheduler (`hdl/src/msm_bucket_xyzz/scheduler.rs`) in Verilator with a software
//! XYZZ adder of the RTL adder's latency in the loop — the adder's own bit-exact model
//! (`g1_add_xyzz::model::eval`), so every word the scheduler sends and gets back is what the RTL
//! adder would compute. Against the unit's golden model (`msm_bucket_xyzz::model`) and arkworks:
//! the accumulation's buckets (read out, every word an XYZZ point on the curve, equal as points to
//! the model's: conflict deferrals may reorder additions into a bucket, which changes the
//! representation, not the point), the on-card reduction's chain sums (four passes per bucket;
//! combined by the host with the offsets taken out, equal to arkworks' MSM; `stat_reduce` equal to
//! the model's cycle count), random bubbles and back-pressure, MSMs with repeated points, `±P`,
//! identities and zero scalars, and the flags: a point equal to a bucket (`sum_exc`) and an identity
//! bucket in the reduction set the sticky `flagged` with the model's count.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::AdditiveGroup;
use rand::Rng;
use std::sync::Arc;
use zkaccel::card_schedule::msm_requests::Request;
use zkaccel::card_schedule::msm_xyzz::{combine as host_combine, decode_answers as host_decode, window_correction, Offsets as HostOffsets};
use zkaccel_hdl::field::to_wire;
use zkaccel_hdl::g1_add_xyzz::config::LATENCY;
use zkaccel_hdl::g1_add_xyzz::model::{on_curve, random_point, to_ark, Xyzz};
use zkaccel_hdl::msm_bucket::model::{msm_inputs_with_edge_cases, signed_digits};
use zkaccel_hdl::msm_bucket_xyzz::model::{accumulate, combine, reduce, reduce_cycles, Offsets, Passes, Shape};
use zkaccel_hdl::msm_bucket_xyzz::scheduler::XyzzBucketScheduler;
use zkaccel_hdl::msm_bucket_xyzz::unit::XyzzBucketUnit;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::xyzz_bucket_runner::XyzzBucketRunner;
use zkaccel_sim::{Build, Library};
use zkaccel_testkit::seed::TestRng;

const LOG_DEPTH: usize = 10;

fn library() -> Arc<Library> {
    Build::new("msm_bucket_xyzz_scheduler_d10", generate(&mut XyzzBucketScheduler::new(LOG_DEPTH, LATENCY))).build().unwrap()
}

fn bench(lib: &Arc<Library>, test: &str) -> XyzzBucketRunner {
    XyzzBucketRunner::new(lib, LOG_DEPTH, LATENCY, TestRng::for_test(test)).unwrap()
}

/// The requests of one group, point-major, as the model's accumulation adds them.
fn requests(points: &[G1Affine], digits: &[Vec<i64>], windows: usize) -> Vec<Request> {
    let mut v = Vec::new();
    for (p, ds) in points.iter().zip(digits) {
        for (w, &d) in ds.iter().enumerate().take(windows) {
            if d != 0 {
                v.push(Request { point: *p, neg: d < 0, mag: d.unsigned_abs() as u16, window: w as u8 });
            }
        }
    }
    v
}

fn points_of(words: &[Xyzz]) -> Vec<G1Affine> {
    words
        .iter()
        .map(|w| {
            assert!(on_curve(w), "a word that is not an XYZZ point on the curve: {w:?}");
            to_ark(w)
        })
        .collect()
}

#[test]
fn xyzz_scheduler_accumulates_like_the_model() {
    let test = "xyzz_scheduler_accumulates_like_the_model";
    let lib = library();
    let mut b = bench(&lib, test);
    let mut rng = TestRng::for_test(test);
    // c and windows so that the group fits 2^10 entries; MSMs with the edge cases and a
    // conflict-heavy one (every point into the same few buckets).
    for (n, c, windows, bubble, stall) in [(40, 4, 8, 0.0, 0.0), (100, 6, 16, 0.3, 0.2), (300, 8, 4, 0.1, 0.5), (200, 3, 64, 0.0, 0.0)] {
        let (points, mut scalars) = msm_inputs_with_edge_cases(n, &mut rng);
        if c == 3 {
            scalars.iter_mut().for_each(|s| *s = Fr::from(rng.gen_range(1u64..4)));
        }
        let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)[..windows].to_vec()).collect();
        let off = Offsets::random(&mut rng);
        b.reset(&off).unwrap();
        let shape = Shape { c, windows, seg_log: 0 };
        let mut passes = Passes::default();
        let want = accumulate(&points, &digits, &shape, Some(&off.bucket), &mut passes);
        let (words, st) = b.run(&requests(&points, &digits, windows), c, windows, None, bubble, stall).unwrap();
        assert_eq!(points_of(&words), points_of(&want), "n {n} c {c} windows {windows}");
        assert_eq!(passes.flagged, 0);
        assert!(!b.model().get_bool(b.port("flagged")));
        assert_eq!((st.issued, st.flagged), (passes.accumulate, 0));
        // The buckets were reset to R_b behind the read: a second, empty group reads R_b everywhere.
        let (again, _) = b.run(&[], c, windows, None, 0.0, 0.0).unwrap();
        assert!(again.iter().all(|w| to_ark(w) == off.bucket), "buckets reset to the offset after the read-out");
    }
}

#[test]
fn xyzz_scheduler_reduces_like_the_model_and_the_msm_is_arkworks() {
    let test = "xyzz_scheduler_reduces_like_the_model";
    let lib = library();
    let mut b = bench(&lib, test);
    let mut rng = TestRng::for_test(test);
    // (points, c, windows, seg_log): chains Q = windows·2^{c−1}/2^seg_log ≤ 2^9; the period is
    // L + 2 = 369 or Q, whichever is larger (c = 11: Q = 512, the card's regime).
    for (n, c, windows, seg_log, bubble, stall) in [(60, 5, 4, 2, 0.0, 0.0), (150, 7, 8, 3, 0.2, 0.3), (17, 4, 2, 3, 0.0, 0.0), (40, 11, 1, 1, 0.1, 0.1)] {
        let (points, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
        let all = signed_digits(&Fr::from(1u64), c).len();
        // The whole MSM in groups of `windows` windows.
        let off = Offsets::random(&mut rng);
        b.reset(&off).unwrap();
        let mut acc = G1Projective::ZERO;
        for g0 in (0..all).step_by(windows).collect::<Vec<_>>().into_iter().rev() {
            let w = windows.min(all - g0);
            // Fresh running-sum offsets per group, without a reset (R_b stays the session's).
            let fresh = Offsets::random(&mut rng);
            let off = Offsets { bucket: off.bucket, s: fresh.s, t: fresh.t };
            b.set_running_offsets(&off.s, &off.t);
            let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)[g0..g0 + w].to_vec()).collect();
            let shape = Shape { c, windows: w, seg_log };
            let mut passes = Passes::default();
            let buckets = accumulate(&points, &digits, &shape, Some(&off.bucket), &mut passes);
            let chains = reduce(&buckets, &shape, &off, &mut passes);
            assert_eq!(passes.flagged, 0);
            let (words, st) = b.run(&requests(&points, &digits, w), c, w, Some(seg_log), bubble, stall).unwrap();
            assert_eq!(st.reduce_cycles, reduce_cycles(&shape, LATENCY), "reduction cycles, c {c} windows {w} G 2^{seg_log}");
            let rtl: Vec<(Xyzz, Xyzz)> = words.chunks(2).map(|st| (st[0], st[1])).collect();
            let got_pts: Vec<G1Affine> = points_of(&words);
            let want_pts: Vec<G1Affine> = chains.iter().flat_map(|(s, t)| [to_ark(s), to_ark(t)]).collect();
            assert_eq!(got_pts, want_pts, "chain sums, c {c} group at window {g0}");
            assert_eq!(st.flagged, 0);
            // Horner over the groups, c·w doublings per group.
            for _ in 0..c * w {
                acc.double_in_place();
            }
            let model_sum = combine(&rtl, &shape, &off);
            // The host's decode and combination (host/src/card_schedule/msm_xyzz.rs) on the same
            // words as bytes: the same window sums.
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.iter().flat_map(to_wire)).collect();
            let host_off = HostOffsets { bucket: off.bucket, s: off.s, t: off.t };
            let host_sum = host_combine(&host_decode(&bytes).unwrap(), c, seg_log, w, &window_correction(c, seg_log, &host_off));
            assert_eq!(host_sum.into_affine(), model_sum.into_affine(), "host combination vs the model, c {c} group at window {g0}");
            acc += model_sum;
        }
        assert_eq!(acc.into_affine(), G1Projective::msm(&points, &scalars).unwrap().into_affine(), "n {n} c {c}");
    }
}

#[test]
fn xyzz_scheduler_flags_what_the_formulas_cannot_add() {
    let test = "xyzz_scheduler_flags";
    let lib = library();
    let mut b = bench(&lib, test);
    let mut rng = TestRng::for_test(test);
    let off = Offsets::random(&mut rng);
    let (c, windows) = (4, 2);
    let shape = Shape { c, windows, seg_log: 1 };
    // The bucket offset itself added into an empty bucket: R_b + R_b, equal points.
    b.reset(&off).unwrap();
    let q = random_point(&mut rng);
    let pts = [off.bucket, q];
    let digits = vec![vec![3, 0], vec![0, -5]];
    let mut passes = Passes::default();
    accumulate(&pts, &digits, &shape, Some(&off.bucket), &mut passes);
    assert_eq!(passes.flagged, 1);
    let (_, st) = b.run(&requests(&pts, &digits, windows), c, windows, None, 0.0, 0.0).unwrap();
    assert!(b.model().get_bool(b.port("flagged")), "R_b + R_b is flagged");
    assert_eq!(st.flagged, 1);
    // −R_b into an empty bucket makes it the identity (no flag: opposite points); the reduction's
    // general addition with it is flagged, as often as the model says.
    b.reset(&off).unwrap();
    assert!(!b.model().get_bool(b.port("flagged")), "reset clears the flag");
    let pts = [-off.bucket, q];
    let digits = vec![vec![2, 0], vec![0, 7]];
    let mut passes = Passes::default();
    let buckets = accumulate(&pts, &digits, &shape, Some(&off.bucket), &mut passes);
    assert_eq!(passes.flagged, 0);
    reduce(&buckets, &shape, &off, &mut passes);
    assert!(passes.flagged >= 1);
    let (_, st) = b.run(&requests(&pts, &digits, windows), c, windows, Some(1), 0.0, 0.0).unwrap();
    assert!(b.model().get_bool(b.port("flagged")));
    assert_eq!(st.flagged, passes.flagged);
}

#[test]
fn xyzz_scheduler_counts_two_flags_in_one_cycle() {
    // An equal-points result of one chain arriving in the cycle in which another chain's scaling
    // pass meets an identity operand (c = 4, chains of 2: the point −R_s − R_b with digit 2 empties
    // bucket 1 into the identity … and R_s − R_b with digit 6 makes chain 2's bucket equal to its
    // running sum): the RTL must count both, as the model does.
    let test = "xyzz_scheduler_two_flags";
    let lib = library();
    let mut b = bench(&lib, test);
    let mut rng = TestRng::for_test(test);
    let off = Offsets::random(&mut rng);
    b.reset(&off).unwrap();
    let (c, windows, seg_log) = (4, 1, 1);
    let shape = Shape { c, windows, seg_log };
    let p1 = (-(G1Projective::from(off.s) + off.bucket)).into_affine();
    let p2 = (G1Projective::from(off.s) - off.bucket).into_affine();
    let pts = [p1, p2];
    let digits = vec![vec![2], vec![6]];
    let mut passes = Passes::default();
    let buckets = accumulate(&pts, &digits, &shape, Some(&off.bucket), &mut passes);
    reduce(&buckets, &shape, &off, &mut passes);
    assert_eq!(passes.flagged, 5, "the model's count for this construction");
    let (_, st) = b.run(&requests(&pts, &digits, windows), c, windows, Some(seg_log), 0.0, 0.0).unwrap();
    assert_eq!(st.flagged, passes.flagged, "the RTL's count");
}

#[test]
fn xyzz_unit_in_rtl_equals_the_scheduler_with_the_adders_model() {
    // The whole unit in RTL (scheduler + the ten-multiplier XYZZ adder, `XyzzBucketUnit`) against
    // the scheduler with the adder's bit-exact model in the loop: the same words bit for bit and
    // the same counters and cycles, for an accumulation read out, a group reduced on the card, and
    // a flagged R_b + R_b; and the reduced group's MSM against arkworks.
    let test = "xyzz_unit_in_rtl";
    let unit_lib = Build::new("msm_bucket_xyzz_unit_d10", generate(&mut XyzzBucketUnit::new(LOG_DEPTH))).quick_compile().build().unwrap();
    let sched_lib = library();
    let mut rng = TestRng::for_test(test);
    let (points, scalars) = msm_inputs_with_edge_cases(24, &mut rng);
    let off = Offsets::random(&mut rng);
    let (c, windows, seg_log) = (5, 4, 2);
    let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)[..windows].to_vec()).collect();
    let reqs = requests(&points, &digits, windows);
    let flag_reqs = requests(&[off.bucket], &[vec![3, 0, 0, 0]], windows);
    let mut runs = Vec::new();
    for lib in [&unit_lib, &sched_lib] {
        let mut b = XyzzBucketRunner::new(lib, LOG_DEPTH, LATENCY, TestRng::from_seed(5)).unwrap();
        b.reset(&off).unwrap();
        let read = b.run(&reqs, c, windows, None, 0.2, 0.2).unwrap();
        let reduced = b.run(&reqs, c, windows, Some(seg_log), 0.2, 0.2).unwrap();
        let flagged = b.run(&flag_reqs, c, windows, None, 0.0, 0.0).unwrap();
        assert!(b.model().get_bool(b.port("flagged")), "R_b + R_b flagged");
        runs.push((read, reduced, flagged));
    }
    let (rtl, model) = (&runs[0], &runs[1]);
    assert_eq!(rtl.0 .1, model.0 .1, "accumulation: counters and cycles");
    assert!(rtl.0 .0 == model.0 .0, "accumulation: the buckets word for word");
    assert_eq!(rtl.1 .1, model.1 .1, "reduction: counters and cycles");
    assert!(rtl.1 .0 == model.1 .0, "reduction: the chain sums word for word");
    assert_eq!(rtl.2 .1, model.2 .1, "flag: counters");
    assert!(rtl.2 .0 == model.2 .0, "flag: the buckets word for word");
    assert_eq!(rtl.2 .1.flagged, 1);
    let chains: Vec<(Xyzz, Xyzz)> = rtl.1 .0.chunks(2).map(|st| (st[0], st[1])).collect();
    let shape = Shape { c, windows, seg_log };
    let want: G1Projective = points
        .iter()
        .zip(&digits)
        .map(|(p, ds)| ds.iter().enumerate().map(|(w, &d)| *p * (Fr::from(d) * Fr::from(1u64 << (c * w)))).sum::<G1Projective>())
        .sum();
    assert_eq!(combine(&chains, &shape, &off).into_affine(), want.into_affine(), "the unit's group as an MSM");
}
