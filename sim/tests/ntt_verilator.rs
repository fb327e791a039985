//! The NTT core in Verilator against ark-poly's `Radix2EvaluationDomain`, from one build with a
//! 2^10-point buffer: every size 2^3..2^10, forward, inverse, coset forward, coset inverse and the
//! round trip; random input bubbles and output back-pressure; the four-step schedule for 2^11 and
//! 2^12; and the error flag for bad sizes and a misplaced `s_last`. The batch core
//! (`NttBatchCore`, one 2^10-slot build, small run-time sizes here) against the same model:
//! batches of random and edge-case vectors, forward and inverse, bubbles and back-pressure, its
//! error flag, and its cycle count against the bound that follows from its schedule.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, UniformRand};
use std::sync::Arc;
use zkaccel::card_schedule::ntt_four_step::four_step_ntt;
use zkaccel::card_schedule::ntt_four_step_batch::four_step_batch_ntt;
use zkaccel_hdl::ntt::config::TEST_K;
use zkaccel_hdl::ntt::model::{default_coset, ntt_ark, NttMode};
use zkaccel_hdl::ntt::NttCore;
use zkaccel_hdl::ntt_batch::{config as batch_config, NttBatchCore};
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::ntt_batch_runner::NttBatchRunner;
use zkaccel_sim::ntt_runner::{fr_hex, NttRunner, Traffic};
use zkaccel_sim::{Build, Library};
use zkaccel_testkit::seed::TestRng;

fn library() -> Arc<Library> {
    Build::new("ntt_core_k10", generate(&mut NttCore::new(TEST_K))).build().unwrap()
}

fn random_vec(n: usize, rng: &mut TestRng) -> Vec<Fr> {
    (0..n).map(|_| Fr::rand(rng)).collect()
}

fn check(runner: &mut NttRunner, x: &[Fr], mode: NttMode, what: &str) -> Vec<Fr> {
    let got = runner.run(x, mode).unwrap_or_else(|e| panic!("{what}: {e}"));
    let want = ntt_ark(x, mode);
    if let Some(i) = (0..x.len()).find(|&i| got[i] != want[i]) {
        let vcd = runner.model_mut().trace_in_build_dir(&format!("ntt-failure-{}", x.len())).ok();
        let _ = runner.run(x, mode);
        runner.model_mut().stop_trace();
        panic!("{what}: element {i}: RTL {} ark {}; VCD of a rerun: {vcd:?}", fr_hex(&got[i]), fr_hex(&want[i]));
    }
    got
}

#[test]
fn ntt_every_size_and_mode_matches_ark_poly() {
    let mut rng = TestRng::for_test("ntt_every_size_and_mode_matches_ark_poly");
    let lib = library();
    let runner_rng = TestRng::from_seed(rng.seed() ^ 0x5eed);
    let mut runner = NttRunner::new(&lib, TEST_K, Traffic::SMOOTH, runner_rng).unwrap();
    runner.model_mut().trace_if_requested("ntt_every_size_and_mode").unwrap();
    let g = default_coset();
    for k in 3..=TEST_K {
        let n = 1 << k;
        let x = random_vec(n, &mut rng);
        let y = check(&mut runner, &x, NttMode::FORWARD, &format!("forward 2^{k}"));
        let back = check(&mut runner, &y, NttMode::INVERSE, &format!("inverse 2^{k}"));
        assert_eq!(back, x, "round trip 2^{k}");
        let yc = check(&mut runner, &x, NttMode { inverse: false, coset: Some(g) }, &format!("coset forward 2^{k}"));
        let backc = check(&mut runner, &yc, NttMode { inverse: true, coset: Some(g) }, &format!("coset inverse 2^{k}"));
        assert_eq!(backc, x, "coset round trip 2^{k}");
        // A shift other than the generator (the four-step twiddles use ω_N^{k1}).
        let c = Fr::from(5u64).pow([k as u64 + 1]);
        check(&mut runner, &x, NttMode { inverse: false, coset: Some(c) }, &format!("coset 5^{} forward 2^{k}", k + 1));
        check(&mut runner, &x, NttMode { inverse: true, coset: Some(c) }, &format!("coset 5^{} inverse 2^{k}", k + 1));
    }
    // Edge values: all zero, all p−1 (wire max), a delta.
    let n = 1 << 6;
    let minus_one = vec![-Fr::from(1u64); n];
    check(&mut runner, &minus_one, NttMode::FORWARD, "all −1");
    check(&mut runner, &vec![Fr::from(0u64); n], NttMode::INVERSE, "all zero");
    let mut delta = vec![Fr::from(0u64); n];
    delta[1] = Fr::from(1u64);
    check(&mut runner, &delta, NttMode::FORWARD, "delta at 1");
}

#[test]
fn ntt_with_input_bubbles_and_output_backpressure() {
    let mut rng = TestRng::for_test("ntt_with_input_bubbles_and_output_backpressure");
    let lib = library();
    let runner_rng = TestRng::from_seed(rng.seed() ^ 0xb0b);
    let mut runner = NttRunner::new(&lib, TEST_K, Traffic { bubble: 0.3, stall: 0.5 }, runner_rng).unwrap();
    let g = default_coset();
    for k in [3, 5, 8, TEST_K] {
        let x = random_vec(1 << k, &mut rng);
        check(&mut runner, &x, NttMode::FORWARD, &format!("bubbly forward 2^{k}"));
        check(&mut runner, &x, NttMode { inverse: true, coset: Some(g) }, &format!("bubbly coset inverse 2^{k}"));
    }
    runner.set_traffic(Traffic { bubble: 0.0, stall: 0.95 });
    let x = random_vec(1 << 7, &mut rng);
    check(&mut runner, &x, NttMode::INVERSE, "mostly stalled sink");
}

#[test]
fn ntt_four_step_beyond_the_buffer() {
    let mut rng = TestRng::for_test("ntt_four_step_beyond_the_buffer");
    let lib = library();
    let mut runner = NttRunner::new(&lib, TEST_K, Traffic::SMOOTH, TestRng::from_seed(1)).unwrap();
    for k in [TEST_K + 1, TEST_K + 2] {
        let x = random_vec(1 << k, &mut rng);
        for (inverse, mode) in [(false, NttMode::FORWARD), (true, NttMode::INVERSE)] {
            let mut got = x.clone();
            four_step_ntt(&mut runner, &mut got, inverse).expect("size within 2^(2K)").unwrap();
            assert!(got == ntt_ark(&x, mode), "four-step 2^{k} inverse={inverse} differs from ark-poly");
        }
    }
}

#[test]
fn ntt_flags_bad_configuration() {
    let lib = library();
    let mut runner = NttRunner::new(&lib, TEST_K, Traffic::SMOOTH, TestRng::from_seed(2)).unwrap();
    assert!(runner.start_raw(0, false, None), "log_n = 0 accepted");
    assert!(!runner.busy());
    assert!(runner.start_raw(TEST_K as u64 + 1, false, None), "log_n > K accepted");
    assert!(!runner.busy());
    let x: Vec<Fr> = (0..16u64).map(Fr::from).collect();
    assert!(runner.run_with_early_last(&x, NttMode::FORWARD), "s_last on element 0 of 16 not flagged");
    // A good run afterwards clears the flag and is correct.
    let got = runner.run(&x, NttMode::FORWARD).unwrap();
    assert_eq!(got, ntt_ark(&x, NttMode::FORWARD));
}

fn batch_library() -> Arc<Library> {
    // The ports and the core's own registers are traced (the multiplier's thousands of internal
    // signals would make most of the C++ and of the build time).
    Build::new("ntt_batch_k10", generate(&mut NttBatchCore::new(batch_config::TEST_K))).trace_depth(2).build().unwrap()
}

fn check_batch(runner: &mut NttBatchRunner, batch: &[Vec<Fr>], inverse: bool, what: &str) -> Vec<Vec<Fr>> {
    let got = runner.run(batch, inverse).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mode = if inverse { NttMode::INVERSE } else { NttMode::FORWARD };
    for (t, (x, y)) in batch.iter().zip(&got).enumerate() {
        let want = ntt_ark(x, mode);
        if let Some(i) = (0..x.len()).find(|&i| y[i] != want[i]) {
            panic!("{what}: transform {t} element {i}: RTL {} ark {}", fr_hex(&y[i]), fr_hex(&want[i]));
        }
    }
    got
}

/// Edge-case vectors of length `n`: zeros, all p − 1, the powers of ω_n (a root of unity per
/// element), the powers of ω_n^{-1}, a delta, and a constant one.
fn edge_vectors(n: usize) -> Vec<Vec<Fr>> {
    let w = Fr::get_root_of_unity(n as u64).unwrap();
    let powers = |g: Fr| {
        (0..n)
            .scan(Fr::from(1u64), |p, _| {
                let v = *p;
                *p *= g;
                Some(v)
            })
            .collect::<Vec<_>>()
    };
    let mut delta = vec![Fr::from(0u64); n];
    delta[1] = Fr::from(1u64);
    vec![vec![Fr::from(0u64); n], vec![-Fr::from(1u64); n], powers(w), powers(w.inverse().unwrap()), delta, vec![Fr::from(1u64); n]]
}

#[test]
fn ntt_batch_matches_ark_poly() {
    let mut rng = TestRng::for_test("ntt_batch_matches_ark_poly");
    let lib = batch_library();
    let runner_rng = TestRng::from_seed(rng.seed() ^ 0xba7c);
    let mut runner = NttBatchRunner::new(&lib, batch_config::TEST_K, Traffic::SMOOTH, runner_rng).unwrap();
    runner.model_mut().trace_if_requested("ntt_batch").unwrap();
    // On one butterfly unit, then on two (dual issues over four banks per slot):
    for units in [1, 2] {
        runner.set_units(units);
        // A batch of 8 × 2^6: two random vectors and the edge cases; then its inverse (the round trip).
        let n = 1 << 6;
        let mut batch = vec![random_vec(n, &mut rng), random_vec(n, &mut rng)];
        batch.extend(edge_vectors(n));
        let y = check_batch(&mut runner, &batch, false, &format!("{units} units: forward 8 × 2^6"));
        let back = check_batch(&mut runner, &y, true, &format!("{units} units: inverse 8 × 2^6"));
        assert!(back == batch, "{units} units: round trip 8 × 2^6");
        // Every size from 2^1 to 2^5 (batches of 1, 3 and 5: slots reused, lanes idle), both ways
        // (2^1 runs on one unit whatever `cfg_units` says: it has one butterfly per stage).
        for k in 1..=5 {
            let batch: Vec<Vec<Fr>> = (0..[1, 3, 5][k % 3]).map(|_| random_vec(1 << k, &mut rng)).collect();
            check_batch(&mut runner, &batch, false, &format!("{units} units: forward {} × 2^{k}", batch.len()));
            check_batch(&mut runner, &batch, true, &format!("{units} units: inverse {} × 2^{k}", batch.len()));
        }
    }
}

#[test]
fn ntt_batch_cycles_follow_the_schedule() {
    // One unit, 8 × 2^8 forward with smooth streams: n/2 = 128 butterflies per stage exceed the
    // pipeline depth, so two lanes hide every drain in the steady state. Upper bound from the
    // schedule: the first half of the first transform's load (n/2 beats: stage 0 starts with its
    // second half), one butterfly per cycle plus one lane-switch cycle per lane stage (k − 1 per
    // transform), four pipeline depths (stage 0 → 1 of each of the first two transforms, which
    // start before a second lane has work, the last pair of transforms, the last write-back), the
    // last transform's second half (n/2 beats: its first half streamed out during its final stage)
    // and a few cycles of registers; an even count, so the last transform never computes alone.
    // Lower bound: the butterflies plus the n/2 + n/2 beats no schedule overlaps.
    let mut rng = TestRng::for_test("ntt_batch_cycles_follow_the_schedule");
    let lib = batch_library();
    let mut runner = NttBatchRunner::new(&lib, batch_config::TEST_K, Traffic::SMOOTH, TestRng::from_seed(3)).unwrap();
    let (k, count) = (8u64, 8u64);
    let n = 1u64 << k;
    let batch: Vec<Vec<Fr>> = (0..count).map(|_| random_vec(n as usize, &mut rng)).collect();
    check_batch(&mut runner, &batch, false, "forward 8 × 2^8");
    let s = runner.last;
    assert_eq!(s.butterflies, count * n / 2 * k);
    let lat = batch_config::OP_LATENCY as u64;
    let upper = n / 2 + count * (k * n / 2 + k - 1) + 4 * lat + n / 2 + 16;
    let lower = s.butterflies + n / 2 + n / 2;
    assert!((lower..=upper).contains(&s.cycles), "{} cycles outside [{lower}, {upper}]", s.cycles);

    // Two units, 2^9 (n/4 = 128 dual issues per stage, again more than the pipeline depth): in the
    // steady state a transform costs k stages of n/4 cycles (two butterflies per cycle) plus one
    // lane-switch cycle per stage, so two more transforms in a batch cost exactly 2 · (k·n/4 + k)
    // cycles more, against 2 · (k·n/2 + k − 1) on one unit.
    runner.set_units(2);
    let (k, n) = (9u64, 512u64);
    let b9: Vec<Vec<Fr>> = (0..6).map(|_| random_vec(n as usize, &mut rng)).collect();
    check_batch(&mut runner, &b9[..4], false, "2 units: forward 4 × 2^9");
    let four = runner.last.cycles;
    check_batch(&mut runner, &b9, false, "2 units: forward 6 × 2^9");
    let six = runner.last.cycles;
    assert_eq!(six - four, 2 * (k * n / 4 + k), "2 units: 6 − 4 transforms of 2^9 ({six} − {four} cycles)");
}

#[test]
fn ntt_batch_with_bubbles_backpressure_and_errors() {
    let mut rng = TestRng::for_test("ntt_batch_with_bubbles_backpressure_and_errors");
    let lib = batch_library();
    let runner_rng = TestRng::from_seed(rng.seed() ^ 0xb0b);
    let mut runner = NttBatchRunner::new(&lib, batch_config::TEST_K, Traffic { bubble: 0.3, stall: 0.5 }, runner_rng).unwrap();
    let batch: Vec<Vec<Fr>> = (0..6).map(|_| random_vec(1 << 5, &mut rng)).collect();
    check_batch(&mut runner, &batch, false, "bubbly forward 6 × 2^5");
    check_batch(&mut runner, &batch, true, "bubbly inverse 6 × 2^5");
    runner.set_units(2);
    check_batch(&mut runner, &batch, false, "2 units: bubbly forward 6 × 2^5");
    check_batch(&mut runner, &batch, true, "2 units: bubbly inverse 6 × 2^5");
    runner.set_units(1);
    runner.set_traffic(Traffic { bubble: 0.0, stall: 0.95 });
    let batch: Vec<Vec<Fr>> = (0..5).map(|_| random_vec(1 << 4, &mut rng)).collect();
    check_batch(&mut runner, &batch, true, "mostly stalled sink 5 × 2^4");
    // The final stage streams its first half (n/2 = 256 outputs here) into the output FIFO; with a
    // sink that takes a beat every other cycle the FIFO's credit runs out and the final stage
    // pauses mid-stage, then resumes.
    runner.set_traffic(Traffic { bubble: 0.0, stall: 0.5 });
    let big: Vec<Vec<Fr>> = (0..2).map(|_| random_vec(1 << 9, &mut rng)).collect();
    check_batch(&mut runner, &big, false, "half-stalled sink 2 × 2^9");
    // Bad configurations leave the core idle with its error flag up.
    assert!(runner.start_raw(0, false, 1), "log_n = 0 accepted");
    assert!(!runner.busy());
    assert!(runner.start_raw(batch_config::TEST_K as u64 + 1, false, 1), "log_n > K accepted");
    assert!(!runner.busy());
    assert!(runner.start_raw(4, false, 0), "an empty batch accepted");
    assert!(!runner.busy());
    for units in [0, 3] {
        runner.set_units(units);
        assert!(runner.start_raw(4, false, 1), "{units} units accepted");
        assert!(!runner.busy());
    }
    runner.set_units(1);
    runner.set_traffic(Traffic::SMOOTH);
    assert!(runner.run_with_early_last(&batch, false), "s_last on element 0 not flagged");
    // A good batch afterwards clears the flag and is correct.
    check_batch(&mut runner, &batch, false, "after errors 5 × 2^4");
}

#[test]
fn ntt_batch_packs_small_transforms() {
    // `2^p` transforms of `2^k` share a slot (`cfg_log_pack = p`): a lane's stage runs that stage of
    // all of them, the loader stores each bit-reversed inside its own `2^k` points, the unloader
    // and `m_last` go transform by transform.
    let mut rng = TestRng::for_test("ntt_batch_packs_small_transforms");
    let lib = batch_library();
    let runner_rng = TestRng::from_seed(rng.seed() ^ 0x9ac);
    let mut runner = NttBatchRunner::new(&lib, batch_config::TEST_K, Traffic::SMOOTH, runner_rng).unwrap();
    for units in [1, 2] {
        runner.set_units(units);
        // 12 × 2^4, four to a slot: random vectors and the edge cases, forward, then back.
        runner.set_log_pack(2);
        let mut batch: Vec<Vec<Fr>> = (0..6).map(|_| random_vec(1 << 4, &mut rng)).collect();
        batch.extend(edge_vectors(1 << 4));
        let y = check_batch(&mut runner, &batch, false, &format!("{units} units: packed forward 12 × 2^4"));
        let back = check_batch(&mut runner, &y, true, &format!("{units} units: packed inverse 12 × 2^4"));
        assert!(back == batch, "{units} units: packed round trip 12 × 2^4");
        // 2^1 (stage 0 is the final stage, run by a lane) and 2^2, eight to a slot.
        runner.set_log_pack(3);
        for k in 1..=2 {
            let batch: Vec<Vec<Fr>> = (0..16).map(|_| random_vec(1 << k, &mut rng)).collect();
            check_batch(&mut runner, &batch, false, &format!("{units} units: packed forward 16 × 2^{k}"));
            check_batch(&mut runner, &batch, true, &format!("{units} units: packed inverse 16 × 2^{k}"));
        }
        // Bubbles and back-pressure.
        runner.set_log_pack(1);
        runner.set_traffic(Traffic { bubble: 0.3, stall: 0.5 });
        let batch: Vec<Vec<Fr>> = (0..6).map(|_| random_vec(1 << 3, &mut rng)).collect();
        check_batch(&mut runner, &batch, false, &format!("{units} units: packed bubbly forward 6 × 2^3"));
        check_batch(&mut runner, &batch, true, &format!("{units} units: packed bubbly inverse 6 × 2^3"));
        runner.set_traffic(Traffic::SMOOTH);
    }
    // A count that is not a multiple of the packing, and k + p > K, raise `error`.
    runner.set_units(1);
    runner.set_log_pack(2);
    assert!(runner.start_raw(4, false, 6), "6 transforms packed 4 to a slot accepted");
    assert!(!runner.busy());
    assert!(runner.start_raw(batch_config::TEST_K as u64 - 1, false, 4), "k + p > K accepted");
    assert!(!runner.busy());

    // One unit, 16 × 2^6 four to a slot (stages of 4 · 32 = 128 butterflies, more than the
    // pipeline depth). Upper bound from the schedule: the first slot's load (L = 256 beats: the
    // loader only stores), one butterfly per cycle plus one lane-switch cycle per lane stage
    // (k per slot), three pipeline depths (the first slot's stage 0 → 1 before a second lane has
    // work, the last pair of slots, the last write-back), the last slot's unload (L beats) and a
    // few cycles of registers. Lower bound: the butterflies plus the first load and last unload.
    runner.set_log_pack(2);
    let (k, count, l) = (6u64, 16u64, 256u64);
    let batch: Vec<Vec<Fr>> = (0..count).map(|_| random_vec(1 << k, &mut rng)).collect();
    check_batch(&mut runner, &batch, false, "packed forward 16 × 2^6");
    let s = runner.last;
    assert_eq!(s.butterflies, count * (1 << k) / 2 * k);
    let lat = batch_config::OP_LATENCY as u64;
    let upper = l + (count / 4) * (k * l / 2 + k) + 3 * lat + l + 16;
    let lower = s.butterflies + l + l;
    assert!((lower..=upper).contains(&s.cycles), "{} cycles outside [{lower}, {upper}]", s.cycles);
}

#[test]
fn ntt_batch_four_step_matches_ark_poly() {
    // `N = N1·N2` as pass 1 (`N2` transforms of `N1`, the twiddles `ω_N^{n2·k1}` on the card's way
    // out: two multiplications on the second unit's multiplier, by the 64-entry `ω_{2^16}` ROM and
    // by the butterfly twiddle ROM), the host's transpose, pass 2 (`N1` transforms of `N2`),
    // against ark-poly's radix-2 FFT of the whole `N`. 2^11 = 2^6 · 2^5 uses both ROMs' entries
    // beyond index 0 (`ω_N^e = ω_{2^16}^{32·e}`); 2^8 unpacked runs the twiddles without packing.
    let mut rng = TestRng::for_test("ntt_batch_four_step_matches_ark_poly");
    let lib = batch_library();
    let runner_rng = TestRng::from_seed(rng.seed() ^ 0xf5);
    let mut runner = NttBatchRunner::new(&lib, batch_config::TEST_K, Traffic::SMOOTH, runner_rng).unwrap();
    let mut check4 = |runner: &mut NttBatchRunner, log_n: u32, log_n1: u32, packs: (u64, u64), inverse: bool| {
        let x = random_vec(1 << log_n, &mut rng);
        let what = format!("four-step 2^{log_n} = 2^{log_n1}·2^{}, packs {packs:?}, inverse {inverse}", log_n - log_n1);
        let (got, s) = runner.four_step(&x, log_n1, inverse, packs).unwrap_or_else(|e| panic!("{what}: {e}"));
        let want = ntt_ark(&x, if inverse { NttMode::INVERSE } else { NttMode::FORWARD });
        if let Some(i) = (0..x.len()).find(|&i| got[i] != want[i]) {
            panic!("{what}: element {i}: RTL {} ark {}", fr_hex(&got[i]), fr_hex(&want[i]));
        }
        assert_eq!(s.butterflies, s.pass1.butterflies + s.pass2.butterflies, "{what}");
    };
    for (log_n, log_n1, packs, inverse) in
        [(6, 3, (3, 3), false), (6, 3, (3, 3), true), (8, 4, (2, 2), false), (8, 4, (0, 0), true), (11, 6, (2, 3), false), (11, 6, (2, 3), true)]
    {
        check4(&mut runner, log_n, log_n1, packs, inverse);
    }
    // Pass 2 on two units (pass 1 runs on one: its twiddles use the second unit's multiplier).
    runner.set_units(2);
    check4(&mut runner, 8, 4, (1, 1), false);
    runner.set_units(1);
    // Bubbles and back-pressure: the twiddle loop's elements count against the output FIFO.
    runner.set_traffic(Traffic { bubble: 0.3, stall: 0.5 });
    check4(&mut runner, 8, 4, (2, 2), false);
    check4(&mut runner, 8, 4, (2, 2), true);
    runner.set_traffic(Traffic::SMOOTH);
    // The host's schedule (`card_schedule::ntt_four_step_batch`) on the core: 2^11 = 2^6 · 2^5,
    // packed by the runner.
    let x = random_vec(1 << 11, &mut rng);
    let mut got = x.clone();
    four_step_batch_ntt(&mut runner, &mut got, false).expect("2^11 fits the schedule").unwrap();
    assert!(got == ntt_ark(&x, NttMode::FORWARD), "host schedule, four-step 2^11");
    // Twiddles on two units, for `log N ≤ log n` and beyond 2^16 raise `error`.
    runner.set_twiddle_log_n(12);
    runner.set_units(2);
    assert!(runner.start_raw(6, false, 1), "twiddles on two units accepted");
    assert!(!runner.busy());
    runner.set_units(1);
    runner.set_twiddle_log_n(6);
    assert!(runner.start_raw(6, false, 1), "twiddles of 2^6 on transforms of 2^6 accepted");
    assert!(!runner.busy());
    runner.set_twiddle_log_n(17);
    assert!(runner.start_raw(6, false, 1), "twiddles of 2^17 accepted");
    assert!(!runner.busy());
}
