//! The NTT core in Verilator against ark-poly's `Radix2EvaluationDomain`, from one build with a
//! 2^10-point buffer: every size 2^3..2^10, forward, inverse, coset forward, coset inverse and the
//! round trip; random input bubbles and output back-pressure; the four-step schedule for 2^11 and
//! 2^12; and the error flag for bad sizes and a misplaced `s_last`.

use ark_bn254::Fr;
use ark_ff::{Field, UniformRand};
use std::sync::Arc;
use zkaccel_hdl::ntt::config::TEST_K;
use zkaccel::card_schedule::ntt_four_step::four_step_ntt;
use zkaccel_hdl::ntt::model::{default_coset, ntt_ark, NttMode};
use zkaccel_hdl::ntt::NttCore;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::ntt_runner::{fr_hex, NttRunner, Traffic};
use zkaccel_testkit::seed::TestRng;
use zkaccel_sim::{Build, Library};

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
