//! Faults of the card under the accelerator backend (features `sim` and `test-utils`): a hung
//! command, an error status, a corrupted result word and a vanished card each cost a CPU
//! recomputation of that call, are reported with their reason, and never change a result (NTTs,
//! and the lookup helpers under corrupted results).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ark_bn254::Fr;
use ark_ff::UniformRand;
use zkaccel::backend::{BackendExt, CpuBackend, NttKind};
use zkaccel_driver::accel::{AccelBackend, CHECK_FAILED};
use zkaccel_driver::fault_injection::{Fault, FaultyDevice};
use zkaccel_driver::regs::Status;
use zkaccel_driver::sim_card::SimCard;
use zkaccel_driver::Device;
use zkaccel_testkit::seed::TestRng;

const TIMEOUT: Duration = Duration::from_millis(500);

/// Runs 4 transforms (2^6, each kind) over a card with `fault` on its second command and
/// returns the backend for inspection; every result must equal the CPU's.
fn run(fault: Fault, name: &str) -> (AccelBackend, bool) {
    let mut rng = TestRng::for_test(name);
    let card = FaultyDevice::new(SimCard::with_ntt(zkaccel_driver::open::SIM_NTT_LOG_N).unwrap(), fault, [1]);
    let fired = card.fired();
    let be = AccelBackend::new(vec![Box::new(card) as Box<dyn Device + Send>], TIMEOUT).unwrap();
    let cpu = CpuBackend::new();
    let shift = Fr::from(7u64);
    for kind in [NttKind::Forward, NttKind::CosetForward { shift }, NttKind::Inverse, NttKind::CosetInverse { shift }] {
        let v: Vec<Fr> = (0..64).map(|_| Fr::rand(&mut rng)).collect();
        let t = Instant::now();
        let got = be.ntt_host(&[&v], 6, kind).unwrap();
        assert!(t.elapsed() < 10 * TIMEOUT + Duration::from_secs(20), "bounded: {:?}", t.elapsed());
        assert_eq!(got, cpu.ntt_host(&[&v], 6, kind).unwrap(), "{kind:?} under {fault:?}");
    }
    (be, fired.load(Ordering::SeqCst))
}

fn fallbacks(be: &AccelBackend) -> Vec<(String, u64)> {
    be.profile().ntt.fallbacks.into_iter().collect()
}

#[test]
fn a_hung_command_times_out_and_falls_back() {
    let (be, fired) = run(Fault::Hang, "accel_faults::hang");
    assert!(fired);
    assert_eq!(fallbacks(&be), vec![("timeout".to_string(), 1)]);
    assert_eq!(be.profile().ntt.card_calls, 3, "the card is reset and serves the other calls");
}

#[test]
fn an_error_status_falls_back() {
    let (be, fired) = run(Fault::ErrorStatus(Status::STREAM_FRAMING), "accel_faults::status");
    assert!(fired);
    assert_eq!(fallbacks(&be), vec![(format!("card error status {:#x}", Status::STREAM_FRAMING), 1)]);
    assert_eq!(be.profile().ntt.card_calls, 3);
}

#[test]
fn a_corrupted_result_word_fails_its_check_and_falls_back() {
    // A flipped low bit keeps the element canonical: only the random-point check can catch it.
    let (be, fired) = run(Fault::CorruptWord { word: 17, bit: 3 }, "accel_faults::corrupt");
    assert!(fired);
    assert_eq!(fallbacks(&be), vec![(CHECK_FAILED.to_string(), 1)]);
    // A flipped top bit makes the word non-canonical: a protocol error, also a fallback.
    let (be, _) = run(Fault::CorruptWord { word: 0, bit: 255 }, "accel_faults::corrupt_top");
    let f = fallbacks(&be);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].0 == CHECK_FAILED || f[0].0.starts_with("protocol"), "{f:?}");
}

#[test]
fn a_vanished_card_is_given_up_and_the_cpu_serves_the_rest() {
    let (be, fired) = run(Fault::Vanish, "accel_faults::vanish");
    assert!(fired);
    let p = be.profile();
    assert_eq!(p.ntt.card_calls, 1, "only the call before the card vanished");
    assert_eq!(p.ntt.fallback_count(), 1);
    assert!(p.ntt.fallbacks.keys().next().unwrap().starts_with("card gone"));
    assert_eq!(p.ntt.cpu_reasons.get("no healthy card has an NTT kernel"), Some(&2));
    let dead = be.dead_cards();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].1.starts_with("gone"), "{dead:?}");
}

/// The lookup helpers under a corrupted result word: an inverse with a flipped low bit (still
/// canonical) fails the `x·y = 1` check, a count with a flipped bit fails the random-evaluation
/// check; both are recomputed on the CPU and the results equal the CPU's.
#[test]
fn corrupted_lookup_results_fail_their_checks_and_fall_back() {
    use zkaccel::backend::Backend;
    let mut rng = TestRng::for_test("accel_faults::lookup");
    let cpu = CpuBackend::new();
    // Batch inversion: command 0 is the forward pass, command 1 the backward pass (the inverses).
    let card = FaultyDevice::new(SimCard::with_ntt(zkaccel_driver::open::SIM_NTT_LOG_N).unwrap(), Fault::CorruptWord { word: 9, bit: 2 }, [1]);
    let fired = card.fired();
    let be = AccelBackend::new(vec![Box::new(card) as Box<dyn Device + Send>], Duration::from_secs(60)).unwrap();
    let v: Vec<Fr> = (0..150).map(|_| Fr::rand(&mut rng)).collect();
    let (mut got, mut want) = (v.clone(), v.clone());
    be.batch_invert(&mut got).unwrap();
    cpu.batch_invert(&mut want).unwrap();
    assert!(fired.load(Ordering::SeqCst));
    assert_eq!(got, want);
    let p = be.profile();
    assert_eq!(p.lookup.fallbacks.into_iter().collect::<Vec<_>>(), vec![(CHECK_FAILED.to_string(), 1)]);
    assert_eq!((p.lookup.card_calls, p.lookup.cpu_calls), (0, 1));
    // The card is reset and serves the next call.
    be.batch_invert(&mut got).unwrap();
    assert_eq!(got, v);
    assert_eq!(be.profile().lookup.card_calls, 1);

    // Multiplicities: the count command's first beat (rows 0..8) has a flipped bit.
    let card = FaultyDevice::new(SimCard::with_ntt(zkaccel_driver::open::SIM_NTT_LOG_N).unwrap(), Fault::CorruptWord { word: 0, bit: 35 }, [0]);
    let be = AccelBackend::new(vec![Box::new(card) as Box<dyn Device + Send>], Duration::from_secs(60)).unwrap();
    let table: Vec<Fr> = (0..64u64).map(Fr::from).collect();
    let inputs: Vec<Fr> = (0..500u64).map(|i| Fr::from((i * 7) % 64)).collect();
    let got = be.lookup_multiplicities(&[&table], &[&inputs]).unwrap();
    assert_eq!(got, cpu.lookup_multiplicities(&[&table], &[&inputs]).unwrap());
    let p = be.profile();
    assert_eq!(p.lookup.fallbacks.into_iter().collect::<Vec<_>>(), vec![(CHECK_FAILED.to_string(), 1)]);
}
