//! Faults of the card under the accelerator backend (features `sim` and `test-utils`): a hung
//! command, an error status, a corrupted result word and a vanished card each cost a CPU
//! recomputation of that call, are reported with their reason, and never change a result.

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
