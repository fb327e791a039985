//! One XYZZ MSM unit's share of an MSM on the three-unit precomputed layout (not part of the test
//! suite): the scheduler RTL (`msm_bucket_xyzz::scheduler`, 2^16 bucket entries, built for the XYZZ
//! adder's latency 367) in Verilator with the XYZZ adder's bit-exact model in the loop, fed what
//! unit 0 of a three-unit card would get for `2^log_n` bases at `c = 16`: per base, the digits of
//! windows 0, 3, 6, 9, 12, 15 of its scalar (the first of three windows per table entry, ⌈16/3⌉ = 6
//! entries), all into one window of 2^15 buckets, one request offered per cycle; then the on-card
//! reduction (512 chains: of 64 buckets, four passes per bucket) and the read-out. With `--c 15`,
//! the same at `c = 15` (17 windows, still six entries per base; 2^14 buckets, chains of 32). The table entries are
//! distinct random points standing in for `2^{48·t}·P_i` (the schedule does not depend on the
//! values); the unit's result, combined by the host with the offsets taken out, is checked against
//! arkworks' `Σ d·P` over the same points and digits.
//!
//! Prints the unit's cycles (accumulation, reduction, read-out), the deferral rate, and the card
//! time this share takes at assumed 250 / 350 MHz.
//!
//! With `--lockstep`, all three units (three scheduler models, each with the adder's model), fed in
//! lockstep the way the multi-unit front-end feeds them (`xyzz_bucket_runner::run_lockstep`: the
//! beat of every unit taken in the same cycle, only when every unit is ready, zero digits included:
//! six beats per base per unit), each unit's result checked against arkworks: the card's cycles
//! until the last beat, the cycles one unit's retries held the others, each unit's reduction, and
//! the card total with the read-out serialised as 256-bit beats (four per XYZZ word, unit after
//! unit, as the two-unit card streams its words). The card-memory reads are not modelled. Also
//! times the CPU kernel (`zkaccel::cpu::msm`, two threads, best of 3) on the same size in the same
//! run and prints the card alone against it, and the host's tail after the card (decoding the
//! three units' words and combining the windows with the offsets taken out,
//! `card_schedule::msm_xyzz`, checked against the units' shares).
//!
//! ```text
//! cargo run --release -p zkaccel-sim --example msm_bucket_xyzz_unit -- [log_n=16] [--lockstep] [--c 15|16]
//! ```

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use std::time::Instant;
use zkaccel::card_schedule::msm_requests::Request;
use zkaccel::card_schedule::msm_xyzz::{combine as host_combine, decode_answers as host_decode, window_correction, Offsets as HostOffsets};
use zkaccel_hdl::field::to_wire;
use zkaccel_hdl::g1_add_xyzz::config::LATENCY;
use zkaccel_hdl::msm_bucket::model::signed_digits;
use zkaccel_hdl::msm_bucket_xyzz::model::{combine, reduce_cycles, Offsets, Shape};
use zkaccel_hdl::msm_bucket_xyzz::scheduler::XyzzBucketScheduler;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::xyzz_bucket_runner::{run_lockstep, XyzzBucketRunner};
use zkaccel_sim::Build;
use zkaccel_testkit::seed::TestRng;

const UNITS: usize = 3;
const LOG_DEPTH: usize = 16;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let lockstep = args.iter().any(|a| a == "--lockstep");
    args.retain(|a| a != "--lockstep");
    let c: usize = match args.iter().position(|a| a == "--c") {
        Some(i) => {
            let c = args.get(i + 1).and_then(|c| c.parse().ok()).filter(|&c| c == 15 || c == 16).expect("--c 15 or 16");
            args.drain(i..i + 2);
            c
        }
        None => 16,
    };
    // Chains of 2^seg_log buckets, 512 chains per window (the chain RAMs' depth).
    let seg_log = c - 1 - 9;
    let log_n: usize = args.first().map(|s| s.parse().expect("log_n")).unwrap_or(16);
    let n = 1usize << log_n;
    let mut rng = TestRng::for_test("msm_bucket_xyzz_unit");
    let windows = zkaccel::card_schedule::msm_precomputed::precomputed_windows(c);
    let entries = windows.div_ceil(UNITS);
    // Table entries: distinct points by a random walk, normalized in one batch.
    let t = Instant::now();
    let q = G1Projective::rand(&mut rng);
    let mut acc = G1Projective::rand(&mut rng);
    let walk: Vec<G1Projective> = (0..n * entries)
        .map(|_| {
            acc += q;
            acc
        })
        .collect();
    let table = G1Projective::normalize_batch(&walk);
    drop(walk);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    if lockstep {
        run_three(&table, &scalars, windows, entries, log_n, Shape { c, windows: 1, seg_log }, &mut rng);
        return;
    }
    // Unit 0's requests: window 3t of base i's scalar, on entry (i, t).
    let mut reqs = Vec::with_capacity(n * entries);
    let (mut pts, mut ds) = (Vec::with_capacity(n * entries), Vec::with_capacity(n * entries));
    for (i, s) in scalars.iter().enumerate() {
        let d = signed_digits(s, c);
        assert_eq!(d[windows..].iter().filter(|&&x| x != 0).count(), 0, "c = {c}: {windows} windows hold a scalar");
        for e in 0..entries {
            let w = UNITS * e;
            if w < windows && d[w] != 0 {
                let p = table[i * entries + e];
                reqs.push(Request { point: p, neg: d[w] < 0, mag: d[w].unsigned_abs() as u16, window: 0 });
                pts.push(p);
                ds.push(Fr::from(d[w]));
            }
        }
    }
    let want = G1Projective::msm(&pts, &ds).unwrap().into_affine();
    println!(
        "n = 2^{log_n} bases, c = {c}, {UNITS} units: unit 0 gets {} requests ({} entries per base) into one window of 2^{} buckets; inputs ready in {:.0} s",
        reqs.len(),
        entries,
        c - 1,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let lib = Build::new("msm_bucket_xyzz_scheduler_d16", generate(&mut XyzzBucketScheduler::new(LOG_DEPTH, LATENCY))).build().expect("verilator build");
    let build_s = t.elapsed().as_secs_f64();
    let mut unit = XyzzBucketRunner::new(&lib, LOG_DEPTH, LATENCY, TestRng::from_seed(7)).expect("runner");
    let off = Offsets::random(&mut rng);
    let clear = unit.reset(&off).expect("reset");
    let t = Instant::now();
    let (words, st) = unit.run(&reqs, c, 1, Some(seg_log), 0.0, 0.0).expect("run");
    let sim_s = t.elapsed().as_secs_f64();
    let shape = Shape { c, windows: 1, seg_log };
    let chains: Vec<_> = words.chunks(2).map(|st| (st[0], st[1])).collect();
    let got = combine(&chains, &shape, &off).into_affine();
    assert_eq!(st.flagged, 0, "no operation flagged");
    assert_eq!(got, want, "the unit's share differs from arkworks");
    assert_eq!(st.reduce_cycles, reduce_cycles(&shape, LATENCY), "reduction cycles vs the model");
    // The read-out as the card streams it: 256-bit beats, four per XYZZ word (the scheduler itself
    // hands out a word per cycle).
    let readout_beats = 4 * words.len() as u64;
    let total = st.accumulate_cycles + st.reduce_cycles + readout_beats;
    println!(
        "(Verilator build {build_s:.0} s, simulation {sim_s:.0} s; result equal to arkworks, no flag; the one-time clear after reset, {clear} cycles, is not in the total: R_b is drawn per card session)"
    );
    println!();
    println!("| requests | deferred | accumulation cycles | cycles / request | reduction cycles | read-out beats (4 per word) | unit total | at 250 MHz | at 350 MHz |");
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} ({:.2} %) | {} | {:.4} | {} | {} | {} | {:.2} ms | {:.2} ms |",
        st.requests,
        st.deferred,
        100.0 * st.deferred as f64 / st.requests as f64,
        st.accumulate_cycles,
        st.accumulate_cycles as f64 / st.requests as f64,
        st.reduce_cycles,
        readout_beats,
        total,
        total as f64 / 250e3,
        total as f64 / 350e3
    );
}

/// The three units in lockstep; see the module docs.
fn run_three(table: &[G1Affine], scalars: &[Fr], windows: usize, entries: usize, log_n: usize, shape: Shape, rng: &mut TestRng) {
    let (c, seg_log) = (shape.c, shape.seg_log);
    let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)).collect();
    let mut streams: Vec<Vec<Request>> = (0..UNITS).map(|_| Vec::with_capacity(scalars.len() * entries)).collect();
    let mut wants = Vec::new();
    for (u, stream) in streams.iter_mut().enumerate() {
        let (mut pts, mut ds) = (Vec::new(), Vec::new());
        for (i, d) in digits.iter().enumerate() {
            for e in 0..entries {
                let w = UNITS * e + u;
                let dw = if w < windows { d[w] } else { 0 };
                let p = table[i * entries + e];
                stream.push(Request { point: p, neg: dw < 0, mag: dw.unsigned_abs() as u16, window: 0 });
                if dw != 0 {
                    pts.push(p);
                    ds.push(Fr::from(dw));
                }
            }
        }
        wants.push(G1Projective::msm(&pts, &ds).unwrap().into_affine());
    }
    let lib = Build::new("msm_bucket_xyzz_scheduler_d16", generate(&mut XyzzBucketScheduler::new(LOG_DEPTH, LATENCY))).build().expect("verilator build");
    let off = Offsets::random(rng);
    let mut units: Vec<XyzzBucketRunner> =
        (0..UNITS).map(|u| XyzzBucketRunner::new(&lib, LOG_DEPTH, LATENCY, TestRng::from_seed(11 + u as u64)).expect("runner")).collect();
    for u in units.iter_mut() {
        u.reset(&off).expect("reset");
    }
    let t = Instant::now();
    let (words, st) = run_lockstep(&mut units, &streams, c, 1, Some(seg_log)).expect("lockstep run");
    let sim_s = t.elapsed().as_secs_f64();
    let shape = Shape { c, windows: 1, seg_log };
    for (u, w) in words.iter().enumerate() {
        let chains: Vec<_> = w.chunks(2).map(|st| (st[0], st[1])).collect();
        assert_eq!(st.units[u].flagged, 0, "unit {u}: no operation flagged");
        assert_eq!(combine(&chains, &shape, &off).into_affine(), wants[u], "unit {u}'s share differs from arkworks");
        assert_eq!(st.units[u].reduce_cycles, reduce_cycles(&shape, LATENCY), "unit {u}: reduction cycles vs the model");
    }
    // The CPU kernel on the same machine, same size (the bases stand in for P_i), two threads, best of 3.
    let bases: Vec<G1Affine> = (0..scalars.len()).map(|i| table[i * entries]).collect();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("thread pool");
    let mut cpu_ms = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let got = pool.install(|| zkaccel::cpu::msm::msm(&bases, scalars).expect("cpu msm"));
        cpu_ms = cpu_ms.min(t.elapsed().as_secs_f64() * 1e3);
        let _ = std::hint::black_box(got);
    }
    // The host's tail after the card: decode the three units' words (as the card's answer bytes,
    // unit after unit) and combine the three windows with the offsets taken out
    // (`card_schedule::msm_xyzz`), 2 threads, best of 5; checked against the units' shares.
    let bytes: Vec<u8> = words.iter().flatten().flat_map(|w| w.iter().flat_map(to_wire)).collect();
    let host_off = HostOffsets { bucket: off.bucket, s: off.s, t: off.t };
    // The offsets' share depends only on the offsets and the shape: computed before the card answers.
    let fix = window_correction(c, seg_log, &host_off);
    let (mut tail_ms, mut decode_ms) = (f64::INFINITY, f64::INFINITY);
    let mut host_sum = G1Projective::default();
    for _ in 0..5 {
        let t = Instant::now();
        let sums = pool.install(|| host_decode(&bytes).expect("answer words"));
        decode_ms = decode_ms.min(t.elapsed().as_secs_f64() * 1e3);
        host_sum = pool.install(|| host_combine(&sums, c, seg_log, UNITS, &fix));
        tail_ms = tail_ms.min(t.elapsed().as_secs_f64() * 1e3);
    }
    let want_sum = wants.iter().rev().fold(G1Projective::default(), |acc, w| acc * Fr::from(1u64 << c) + w);
    assert_eq!(host_sum.into_affine(), want_sum.into_affine(), "the host's combination of the three units");
    let words_out: u64 = words.iter().map(|w| w.len() as u64).sum();
    let readout_beats = 4 * words_out;
    let busiest = *st.first_out.iter().max().unwrap();
    let total = busiest + readout_beats;
    println!(
        "three units in lockstep, n = 2^{log_n}, c = {c}: {} beats per unit ({entries} per base, zero digits included); simulation {sim_s:.0} s; every unit's result equal to arkworks, no flag; the one-time clear after reset ({} cycles) is not in the total: R_b is drawn per card session",
        st.beats,
        1u64 << LOG_DEPTH
    );
    println!();
    println!("| unit | requests | deferred | issued | reduction cycles | first word out (cycle) |");
    println!("|---|---|---|---|---|---|");
    for (u, us) in st.units.iter().enumerate() {
        println!(
            "| {u} | {} | {} ({:.2} %) | {} | {} | {} |",
            us.requests,
            us.deferred,
            100.0 * us.deferred as f64 / us.requests as f64,
            us.issued,
            us.reduce_cycles,
            st.first_out[u]
        );
    }
    println!();
    println!("| beats per unit | cycles to the last beat | held (a unit not ready) | busiest unit's first word | read-out beats (4 per word) | card total | at 250 MHz | at 350 MHz |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {} ({:.2} %) | {busiest} | {readout_beats} | {total} | {:.2} ms | {:.2} ms |",
        st.beats,
        st.feed_cycles,
        st.held,
        100.0 * st.held as f64 / st.beats as f64,
        total as f64 / 250e3,
        total as f64 / 350e3
    );
    println!();
    let (ms250, ms350) = (total as f64 / 250e3, total as f64 / 350e3);
    println!(
        "host tail after the card (decode + combination of the three windows, 2 threads, best of 5): {tail_ms:.2} ms (decode {decode_ms:.2} ms); CPU kernel zkaccel::cpu::msm, 2^{log_n}, 2 threads, best of 3: {cpu_ms:.1} ms"
    );
    println!(
        "card alone at 250 / 350 MHz: {:.1}× / {:.1}× the CPU kernel; card + host tail: {:.1}× / {:.1}× (the host's digit writing overlaps the card: `--example precomputed_digit_writer`)",
        cpu_ms / ms250,
        cpu_ms / ms350,
        cpu_ms / (ms250 + tail_ms),
        cpu_ms / (ms350 + tail_ms)
    );
}
