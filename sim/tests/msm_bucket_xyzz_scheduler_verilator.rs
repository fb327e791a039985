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

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, UniformRand};
use rand::Rng;
use std::collections::VecDeque;
use std::sync::Arc;
use zkaccel_hdl::field::{from_wire, to_wire};
use zkaccel_hdl::g1_add_xyzz::config::LATENCY;
use zkaccel_hdl::g1_add_xyzz::model::{eval, on_curve, random_point, to_ark, Mode, Xyzz, XyzzInput};
use zkaccel_hdl::msm_bucket::model::{msm_inputs_with_edge_cases, signed_digits};
use zkaccel_hdl::msm_bucket_xyzz::model::{accumulate, combine, reduce, reduce_cycles, Offsets, Passes, Shape};
use zkaccel_hdl::msm_bucket_xyzz::scheduler::XyzzBucketScheduler;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::{Build, Library, Model, Port};
use zkaccel_testkit::seed::TestRng;

const LOG_DEPTH: usize = 10;

fn library() -> Arc<Library> {
    Build::new("msm_bucket_xyzz_scheduler_d10", generate(&mut XyzzBucketScheduler::new(LOG_DEPTH, LATENCY))).build().unwrap()
}

fn fq(bytes: &[u8]) -> Fq {
    from_wire(bytes).unwrap_or_else(|e| panic!("non-canonical element from the scheduler: {e}"))
}

fn word(bytes: &[u8]) -> Xyzz {
    assert_eq!(bytes.len(), 128, "a 1 024-bit word");
    [0, 1, 2, 3].map(|k| fq(&bytes[32 * k..32 * k + 32]))
}

/// The scheduler with its software adder and testbench.
struct Bench {
    m: Model,
    p: std::collections::HashMap<&'static str, Port>,
    pending: VecDeque<(u64, Xyzz, bool, u64)>,
    rng: TestRng,
}

const PORTS: &[&str] = &[
    "reset",
    "cfg_c",
    "cfg_windows",
    "cfg_reduce",
    "cfg_seg_log",
    "busy",
    "error",
    "flagged",
    "stat_flagged",
    "stat_reduce",
    "stat_issued",
    "stat_deferred",
    "s_x",
    "s_y",
    "s_inf",
    "s_neg",
    "s_mag",
    "s_window",
    "s_valid",
    "s_ready",
    "s_last",
    "m_data",
    "m_valid",
    "m_ready",
    "m_last",
    "add_valid",
    "add_mode",
    "add_x1",
    "add_y1",
    "add_zz1",
    "add_zzz1",
    "add_zzu",
    "add_zzzu",
    "add_x2",
    "add_y2",
    "add_neg2",
    "add_tag",
    "sum_valid",
    "sum_x3",
    "sum_y3",
    "sum_zz3",
    "sum_zzz3",
    "sum_exc",
    "sum_tag",
    "cfg_off_bx",
    "cfg_off_by",
    "cfg_off_sx",
    "cfg_off_sy",
    "cfg_off_tx",
    "cfg_off_ty",
];

impl Bench {
    fn new(lib: &Arc<Library>, test: &str) -> Self {
        let m = lib.instantiate();
        let p = PORTS.iter().map(|&n| (n, m.port(n).unwrap_or_else(|e| panic!("{e}")))).collect();
        Self { m, p, pending: VecDeque::new(), rng: TestRng::for_test(test) }
    }

    fn set_point(&mut self, x: &str, y: &str, a: &G1Affine) {
        self.m.set_bytes(self.p[x], &to_wire(&a.x));
        self.m.set_bytes(self.p[y], &to_wire(&a.y));
    }

    /// Sets the offsets and resets (the clear writes `R_b` into every bucket).
    fn reset(&mut self, off: &Offsets) {
        self.set_point("cfg_off_bx", "cfg_off_by", &off.bucket);
        self.set_point("cfg_off_sx", "cfg_off_sy", &off.s);
        self.set_point("cfg_off_tx", "cfg_off_ty", &off.t);
        self.pending.clear();
        for n in ["s_valid", "s_last", "m_ready", "sum_valid"] {
            self.m.set_bool(self.p[n], false);
        }
        self.m.set_bool(self.p["reset"], true);
        self.cycle();
        self.m.set_bool(self.p["reset"], false);
        self.m.eval();
        let mut guard = 0;
        while self.m.get_bool(self.p["busy"]) {
            self.cycle();
            self.m.eval();
            guard += 1;
            assert!(guard < (1 << LOG_DEPTH) + 100, "clear did not finish");
        }
    }

    /// Drives the adder's result port for this cycle.
    fn answer(&mut self) {
        match self.pending.front() {
            Some(&(due, out, exc, tag)) if due == self.m.cycles() => {
                for (k, n) in ["sum_x3", "sum_y3", "sum_zz3", "sum_zzz3"].iter().enumerate() {
                    self.m.set_bytes(self.p[n], &to_wire(&out[k]));
                }
                self.m.set_bool(self.p["sum_exc"], exc);
                self.m.set_u64(self.p["sum_tag"], tag);
                self.m.set_bool(self.p["sum_valid"], true);
                self.pending.pop_front();
            }
            _ => self.m.set_bool(self.p["sum_valid"], false),
        }
    }

    /// Takes the operation issued this cycle (after eval) and steps the clock.
    fn capture_and_tick(&mut self) {
        if self.m.get_bool(self.p["add_valid"]) {
            let g = |n: &str| fq(&self.m.get_bytes(self.p[n]));
            let mode = match self.m.get_u64(self.p["add_mode"]) {
                0 => Mode::Add,
                2 => Mode::Scale,
                m => panic!("the scheduler issued mode {m}"),
            };
            let inp = XyzzInput {
                mode,
                p: [g("add_x1"), g("add_y1"), g("add_zz1"), g("add_zzz1")],
                zzu: g("add_zzu"),
                zzzu: g("add_zzzu"),
                x2: g("add_x2"),
                y2: g("add_y2"),
                inf2: false,
                neg2: self.m.get_bool(self.p["add_neg2"]),
            };
            let out = eval(&inp);
            let tag = self.m.get_u64(self.p["add_tag"]);
            self.pending.push_back((self.m.cycles() + LATENCY as u64, out.p, out.exc, tag));
        }
        self.m.tick();
    }

    fn cycle(&mut self) {
        self.answer();
        self.m.eval();
        self.capture_and_tick();
    }

    /// Streams one group's requests `(point, digit, window)` with random bubbles and back-pressure
    /// and collects the words read out.
    fn run(&mut self, reqs: &[(G1Affine, i64, usize)], c: usize, windows: usize, reduce: Option<usize>, bubble: f64, stall: f64) -> Vec<Xyzz> {
        self.m.set_u64(self.p["cfg_c"], c as u64);
        self.m.set_u64(self.p["cfg_windows"], windows as u64);
        self.m.set_bool(self.p["cfg_reduce"], reduce.is_some());
        self.m.set_u64(self.p["cfg_seg_log"], reduce.unwrap_or(0) as u64);
        let dummy = [(G1Affine::zero(), 0i64, 0usize)];
        let beats = if reqs.is_empty() { &dummy[..] } else { reqs };
        let n_words = match reduce {
            None => windows << (c - 1),
            Some(g) => 2 * ((windows << (c - 1)) >> g),
        };
        let mut words = Vec::new();
        let (mut next, mut offered) = (0usize, false);
        let start = self.m.cycles();
        loop {
            assert!(self.m.cycles() - start < 2_000_000, "scheduler hung: {next}/{} requests, {}/{n_words} words", beats.len(), words.len());
            self.answer();
            if next < beats.len() && (offered || !self.rng.gen_bool(bubble)) {
                let (pt, d, w) = beats[next];
                self.m.set_bool(self.p["s_valid"], true);
                self.set_point("s_x", "s_y", &if pt.is_zero() { G1Affine::generator() } else { pt });
                self.m.set_bool(self.p["s_inf"], pt.is_zero());
                self.m.set_bool(self.p["s_neg"], d < 0);
                self.m.set_u64(self.p["s_mag"], d.unsigned_abs());
                self.m.set_u64(self.p["s_window"], w as u64);
                self.m.set_bool(self.p["s_last"], next + 1 == beats.len());
                offered = true;
            } else {
                self.m.set_bool(self.p["s_valid"], false);
                self.m.set_bool(self.p["s_last"], false);
            }
            let ready = !self.rng.gen_bool(stall);
            self.m.set_bool(self.p["m_ready"], ready);
            self.m.eval();
            let accepted = offered && self.m.get_bool(self.p["s_ready"]);
            let mut last = false;
            if ready && self.m.get_bool(self.p["m_valid"]) {
                words.push(word(&self.m.get_bytes(self.p["m_data"])));
                last = self.m.get_bool(self.p["m_last"]);
            }
            self.capture_and_tick();
            if accepted {
                next += 1;
                offered = false;
            }
            if last {
                break;
            }
        }
        self.m.set_bool(self.p["s_valid"], false);
        self.m.set_bool(self.p["m_ready"], false);
        assert!(!self.m.get_bool(self.p["error"]), "the unit raised its error flag");
        assert_eq!(words.len(), n_words);
        let mut guard = 0;
        self.m.eval();
        while self.m.get_bool(self.p["busy"]) {
            self.cycle();
            self.m.eval();
            guard += 1;
            assert!(guard < 200, "busy after the read-out");
        }
        words
    }
}

/// The requests of one group, point-major, as the model's accumulation adds them.
fn requests(points: &[G1Affine], digits: &[Vec<i64>], windows: usize) -> Vec<(G1Affine, i64, usize)> {
    let mut v = Vec::new();
    for (p, ds) in points.iter().zip(digits) {
        for (w, &d) in ds.iter().enumerate().take(windows) {
            if d != 0 {
                v.push((*p, d, w));
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
    let mut b = Bench::new(&lib, test);
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
        b.reset(&off);
        let shape = Shape { c, windows, seg_log: 0 };
        let mut passes = Passes::default();
        let want = accumulate(&points, &digits, &shape, Some(&off.bucket), &mut passes);
        let words = b.run(&requests(&points, &digits, windows), c, windows, None, bubble, stall);
        assert_eq!(points_of(&words), points_of(&want), "n {n} c {c} windows {windows}");
        assert_eq!(passes.flagged, 0);
        assert!(!b.m.get_bool(b.p["flagged"]));
        assert_eq!(b.m.get_u64(b.p["stat_issued"]), passes.accumulate);
        // The buckets were reset to R_b behind the read: a second, empty group reads R_b everywhere.
        let again = b.run(&[], c, windows, None, 0.0, 0.0);
        assert!(again.iter().all(|w| to_ark(w) == off.bucket), "buckets reset to the offset after the read-out");
    }
}

#[test]
fn xyzz_scheduler_reduces_like_the_model_and_the_msm_is_arkworks() {
    let test = "xyzz_scheduler_reduces_like_the_model";
    let lib = library();
    let mut b = Bench::new(&lib, test);
    let mut rng = TestRng::for_test(test);
    // (points, c, windows, seg_log): chains Q = windows·2^{c−1}/2^seg_log ≤ 2^9; the period is
    // L + 2 = 369 or Q, whichever is larger.
    for (n, c, windows, seg_log, bubble, stall) in [(60, 5, 4, 2, 0.0, 0.0), (150, 7, 8, 3, 0.2, 0.3), (17, 4, 2, 3, 0.0, 0.0)] {
        let (points, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
        let all = signed_digits(&Fr::from(1u64), c).len();
        // The whole MSM in groups of `windows` windows.
        let off = Offsets::random(&mut rng);
        b.reset(&off);
        let mut acc = G1Projective::ZERO;
        for g0 in (0..all).step_by(windows).collect::<Vec<_>>().into_iter().rev() {
            let w = windows.min(all - g0);
            let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)[g0..g0 + w].to_vec()).collect();
            let shape = Shape { c, windows: w, seg_log };
            let mut passes = Passes::default();
            let buckets = accumulate(&points, &digits, &shape, Some(&off.bucket), &mut passes);
            let chains = reduce(&buckets, &shape, &off, &mut passes);
            assert_eq!(passes.flagged, 0);
            let before = b.m.get_u64(b.p["stat_reduce"]);
            let words = b.run(&requests(&points, &digits, w), c, w, Some(seg_log), bubble, stall);
            assert_eq!(b.m.get_u64(b.p["stat_reduce"]) - before, reduce_cycles(&shape, LATENCY), "reduction cycles, c {c} windows {w} G 2^{seg_log}");
            let rtl: Vec<(Xyzz, Xyzz)> = words.chunks(2).map(|st| (st[0], st[1])).collect();
            let got_pts: Vec<G1Affine> = points_of(&words);
            let want_pts: Vec<G1Affine> = chains.iter().flat_map(|(s, t)| [to_ark(s), to_ark(t)]).collect();
            assert_eq!(got_pts, want_pts, "chain sums, c {c} group at window {g0}");
            assert!(!b.m.get_bool(b.p["flagged"]));
            // Horner over the groups, c·w doublings per group.
            for _ in 0..c * w {
                acc.double_in_place();
            }
            acc += combine(&rtl, &shape, &off);
        }
        assert_eq!(acc.into_affine(), G1Projective::msm(&points, &scalars).unwrap().into_affine(), "n {n} c {c}");
    }
}

#[test]
fn xyzz_scheduler_flags_what_the_formulas_cannot_add() {
    let test = "xyzz_scheduler_flags";
    let lib = library();
    let mut b = Bench::new(&lib, test);
    let mut rng = TestRng::for_test(test);
    let off = Offsets::random(&mut rng);
    let (c, windows) = (4, 2);
    let shape = Shape { c, windows, seg_log: 1 };
    // The bucket offset itself added into an empty bucket: R_b + R_b, equal points.
    b.reset(&off);
    let q = random_point(&mut rng);
    let pts = [off.bucket, q];
    let digits = vec![vec![3, 0], vec![0, -5]];
    let mut passes = Passes::default();
    accumulate(&pts, &digits, &shape, Some(&off.bucket), &mut passes);
    assert_eq!(passes.flagged, 1);
    b.run(&requests(&pts, &digits, windows), c, windows, None, 0.0, 0.0);
    assert!(b.m.get_bool(b.p["flagged"]), "R_b + R_b is flagged");
    assert_eq!(b.m.get_u64(b.p["stat_flagged"]), 1);
    // −R_b into an empty bucket makes it the identity (no flag: opposite points); the reduction's
    // general addition with it is flagged, as often as the model says.
    b.reset(&off);
    assert!(!b.m.get_bool(b.p["flagged"]), "reset clears the flag");
    let pts = [-off.bucket, q];
    let digits = vec![vec![2, 0], vec![0, 7]];
    let mut passes = Passes::default();
    let buckets = accumulate(&pts, &digits, &shape, Some(&off.bucket), &mut passes);
    assert_eq!(passes.flagged, 0);
    reduce(&buckets, &shape, &off, &mut passes);
    assert!(passes.flagged >= 1);
    b.run(&requests(&pts, &digits, windows), c, windows, Some(1), 0.0, 0.0);
    assert!(b.m.get_bool(b.p["flagged"]));
    assert_eq!(b.m.get_u64(b.p["stat_flagged"]), passes.flagged);
    let _ = Fq::ZERO;
    let _ = Fr::rand(&mut rng);
}
