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

/// A register-level fake NTT card (no simulation): the misbehaviours of a real card that the
/// simulated one cannot show — limits out of range, a cycle counter that never settles, a card
/// that hangs on every command, a reset that needs root.
mod fake {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use zkaccel_driver::regs::{Kernel, Reg, CARD_ID, REGMAP_VERSION};
    use zkaccel_driver::{Device, DeviceError, Identity};

    #[derive(Clone, Copy)]
    pub enum Mode {
        /// Every command hangs (nothing comes back until the caller's timeout); resets succeed.
        Hang,
        /// `CyclesHi` changes on every read until the instant; every command errors.
        FlapCyclesUntil(Instant),
        /// Reading `NttMaxLogN` panics (a bug in a `Device` implementation).
        PanicOnMaxLogN,
    }

    pub struct FakeCard {
        pub regs: HashMap<u32, u32>,
        pub mode: Mode,
        /// The kernels `identify` reports (the `Kernels` register may say otherwise).
        pub identify_kernels: u32,
        pub resets: Arc<AtomicU64>,
        hi_reads: u64,
        /// The reset fails as `PcieCard::reset` does without root (`<BDF>/reset` is root-only).
        pub reset_fails: bool,
    }

    impl FakeCard {
        pub fn new(max_log_n: u32, mode: Mode) -> Self {
            let mut regs = HashMap::new();
            regs.insert(Reg::Id.offset(), CARD_ID);
            regs.insert(Reg::Version.offset(), REGMAP_VERSION);
            regs.insert(Reg::Kernels.offset(), Kernel::Ntt as u32);
            regs.insert(Reg::NttMaxLogN.offset(), max_log_n);
            Self { regs, mode, identify_kernels: Kernel::Ntt as u32, resets: Arc::default(), hi_reads: 0, reset_fails: false }
        }

        pub fn boxed(self) -> Vec<Box<dyn Device + Send>> {
            vec![Box::new(self)]
        }
    }

    impl Device for FakeCard {
        fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
            match self.mode {
                Mode::FlapCyclesUntil(t) if offset == Reg::CyclesHi.offset() && Instant::now() < t => {
                    self.hi_reads += 1;
                    return Ok(self.hi_reads as u32);
                }
                Mode::PanicOnMaxLogN if offset == Reg::NttMaxLogN.offset() => panic!("the fake card's NttMaxLogN read panics"),
                _ => {}
            }
            Ok(*self.regs.get(&offset).unwrap_or(&0))
        }
        fn write32(&mut self, _: u32, _: u32) -> Result<(), DeviceError> {
            Ok(())
        }
        fn stream_to_card(&mut self, _: &[u8], _: Duration) -> Result<(), DeviceError> {
            Ok(())
        }
        fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
            match self.mode {
                Mode::Hang => {
                    std::thread::sleep(timeout);
                    Err(DeviceError::Timeout(timeout, format!("{len} bytes (0 arrived)")))
                }
                _ => Err(DeviceError::Card(1, "the fake card computes nothing".into())),
            }
        }
        fn wait_done(&mut self, _: u32, timeout: Duration) -> Result<(), DeviceError> {
            Err(DeviceError::Timeout(timeout, "DONE_SEQ".into()))
        }
        fn reset(&mut self) -> Result<(), DeviceError> {
            self.resets.fetch_add(1, Ordering::Relaxed);
            if self.reset_fails {
                return Err(DeviceError::Unsupported("permission denied (write (function-level reset) <BDF>/reset): run as root".into()));
            }
            Ok(())
        }
        fn identify(&mut self) -> Result<Identity, DeviceError> {
            Ok(Identity { name: "fake".into(), regmap_version: REGMAP_VERSION, kernels: self.identify_kernels, clock_khz: 0 })
        }
    }
}

use fake::{FakeCard, Mode};

fn cpu_ntt(v: &[Fr], log_n: u32) -> Vec<Fr> {
    CpuBackend::new().ntt_host(&[v], log_n, NttKind::Forward).unwrap().pop().unwrap()
}

fn ntt(be: &AccelBackend, v: &[Fr], log_n: u32) -> Vec<Fr> {
    be.ntt_host(&[v], log_n, NttKind::Forward).unwrap().pop().unwrap()
}

/// A transform beyond the card's four-step limit (`2^(2·NttMaxLogN)`, here 2^6 on a 2^3 card) is
/// routed to the CPU with the reason before anything reaches the card: not a fallback, no reset —
/// also when the reset would fail (a PCIe function-level reset without root), which used to give
/// the card up for every kernel after one large NTT.
#[test]
fn an_ntt_beyond_the_four_step_limit_is_routed_to_the_cpu_without_a_reset() {
    for reset_fails in [false, true] {
        let mut card = FakeCard::new(3, Mode::Hang);
        card.reset_fails = reset_fails;
        let resets = card.resets.clone();
        let be = AccelBackend::new(card.boxed(), Duration::from_secs(5)).unwrap();
        let v: Vec<Fr> = (0..128u64).map(Fr::from).collect();
        let t = Instant::now();
        for _ in 0..3 {
            assert_eq!(ntt(&be, &v, 7), cpu_ntt(&v, 7));
        }
        assert!(t.elapsed() < Duration::from_secs(2), "nothing waited on the (hanging) card: {:?}", t.elapsed());
        let p = be.profile();
        assert!(p.ntt.fallbacks.is_empty(), "{:?}", p.ntt.fallbacks);
        let why = "the card cannot serve it: an NTT of 2^7 points exceeds the card's limit of 2^6 (four-step over its 2^3-point buffer)";
        assert_eq!(p.ntt.cpu_reasons.get(why), Some(&3), "{:?}", p.ntt.cpu_reasons);
        assert_eq!((p.ntt.cpu_calls, p.ntt.card_calls), (3, 0));
        assert_eq!(resets.load(Ordering::Relaxed), 0, "an Unsupported answer is no fault: no reset");
        assert!(be.dead_cards().is_empty(), "reset_fails {reset_fails}: {:?}", be.dead_cards());
    }
}

/// The lookup path alike: a card whose bitstream turns out to lack the lookup kernel answers
/// `Unsupported`; the call is routed to the CPU with the reason, the card is not reset (its
/// reset would fail here) and stays in use.
#[test]
fn an_unsupported_lookup_answer_is_routed_without_a_reset() {
    use zkaccel::backend::Backend;
    use zkaccel_driver::regs::Kernel;
    let mut card = FakeCard::new(10, Mode::Hang);
    card.identify_kernels = Kernel::Ntt as u32 | Kernel::Lookup as u32;
    card.reset_fails = true;
    let resets = card.resets.clone();
    let be = AccelBackend::new(card.boxed(), Duration::from_secs(5)).unwrap();
    let v: Vec<Fr> = (1..20u64).map(Fr::from).collect();
    let (mut got, mut want) = (v.clone(), v);
    be.batch_invert(&mut got).unwrap();
    CpuBackend::new().batch_invert(&mut want).unwrap();
    assert_eq!(got, want);
    let p = be.profile();
    assert!(p.lookup.fallbacks.is_empty(), "{:?}", p.lookup.fallbacks);
    assert_eq!(p.lookup.cpu_reasons.get("the card cannot serve it: the bitstream has no lookup kernel"), Some(&1), "{:?}", p.lookup.cpu_reasons);
    assert_eq!(resets.load(Ordering::Relaxed), 0);
    assert!(be.dead_cards().is_empty(), "{:?}", be.dead_cards());
}

/// A card that times out on every command but resets fine is given up after
/// `MAX_FAILURES_IN_A_ROW` calls: the proof pays that many timeouts, not one per call; the
/// reason names the failures and the later calls go to the CPU as routed calls.
#[test]
fn a_card_that_always_hangs_is_given_up_after_three_failed_calls() {
    use zkaccel_driver::accel::MAX_FAILURES_IN_A_ROW;
    assert_eq!(MAX_FAILURES_IN_A_ROW, 3);
    let card = FakeCard::new(10, Mode::Hang);
    let resets = card.resets.clone();
    let timeout = Duration::from_millis(150);
    let be = AccelBackend::new(card.boxed(), timeout).unwrap();
    let v: Vec<Fr> = (0..8u64).map(Fr::from).collect();
    let t = Instant::now();
    for _ in 0..8 {
        assert_eq!(ntt(&be, &v, 3), cpu_ntt(&v, 3));
    }
    let el = t.elapsed();
    assert!(el >= 3 * timeout && el < 5 * timeout, "3 timeouts, not 8: {el:?}");
    let p = be.profile();
    assert_eq!(p.ntt.fallbacks.get("timeout"), Some(&3), "{:?}", p.ntt.fallbacks);
    assert_eq!(p.ntt.cpu_reasons.get("no healthy card has an NTT kernel"), Some(&5), "{:?}", p.ntt.cpu_reasons);
    assert_eq!(resets.load(Ordering::Relaxed), 2, "reset after the first two failures, given up at the third");
    assert_eq!(be.dead_cards(), vec![("card 0: fake".to_string(), "3 calls in a row failed: timeout, timeout, timeout".to_string())]);
}

/// A checked result between failures starts the count again: two hangs, a good call, two hangs
/// keep the (simulated) card in use.
#[test]
fn a_checked_result_starts_the_failure_count_again() {
    let mut rng = TestRng::for_test("accel_faults::streak");
    let card = FaultyDevice::new(SimCard::with_ntt(zkaccel_driver::open::SIM_NTT_LOG_N).unwrap(), Fault::Hang, [0, 1, 3, 4]);
    let be = AccelBackend::new(vec![Box::new(card) as Box<dyn Device + Send>], TIMEOUT).unwrap();
    for _ in 0..6 {
        let v: Vec<Fr> = (0..64).map(|_| Fr::rand(&mut rng)).collect();
        assert_eq!(ntt(&be, &v, 6), cpu_ntt(&v, 6));
    }
    let p = be.profile();
    assert_eq!(fallbacks(&be), vec![("timeout".to_string(), 4)]);
    assert_eq!(p.ntt.card_calls, 2);
    assert!(be.dead_cards().is_empty(), "{:?}", be.dead_cards());
}

/// `CyclesHi` that never reads the same twice used to keep the prover in the `hi, lo, hi` loop
/// (millions of reads, whatever the timeout): now a few reads, then a protocol error, a CPU
/// fallback, and after three such calls the card is given up.
#[test]
fn a_flapping_cycle_counter_ends_in_bounded_time_with_a_fallback() {
    let card = FakeCard::new(10, Mode::FlapCyclesUntil(Instant::now() + Duration::from_secs(3)));
    let be = AccelBackend::new(card.boxed(), Duration::from_millis(20)).unwrap();
    let v: Vec<Fr> = (0..8u64).map(Fr::from).collect();
    let t = Instant::now();
    assert_eq!(ntt(&be, &v, 3), cpu_ntt(&v, 3));
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(fallbacks(&be), vec![("protocol error (malformed data from the card)".to_string(), 1)]);
    for _ in 0..3 {
        assert_eq!(ntt(&be, &v, 3), cpu_ntt(&v, 3));
    }
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    let dead = be.dead_cards();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].1.starts_with("3 calls in a row failed: protocol error"), "{dead:?}");
}

/// `NttMaxLogN` out of range (64 overflowed `1 << max_log_n`, a panic while the card's lock was
/// held that poisoned every later call; all ones: a card that vanished between two reads; 0) is
/// refused without a panic: the calls fall back, the card is given up and the CPU serves the rest.
#[test]
fn an_ntt_max_log_n_out_of_range_is_refused_without_a_panic() {
    for (max_log_n, dead_why) in
        [(64, "3 calls in a row failed: protocol error"), (u32::MAX, "gone: NttMaxLogN reads all ones"), (0, "3 calls in a row failed")]
    {
        let be = AccelBackend::new(FakeCard::new(max_log_n, Mode::Hang).boxed(), Duration::from_millis(50)).unwrap();
        let v: Vec<Fr> = (0..8u64).map(Fr::from).collect();
        for _ in 0..4 {
            assert_eq!(ntt(&be, &v, 3), cpu_ntt(&v, 3), "NttMaxLogN {max_log_n}");
        }
        let dead = be.dead_cards();
        assert_eq!(dead.len(), 1, "NttMaxLogN {max_log_n}");
        assert!(dead[0].1.starts_with(dead_why), "NttMaxLogN {max_log_n}: {dead:?}");
        let p = be.profile();
        assert_eq!(p.ntt.card_calls, 0);
        assert!(p.ntt.cpu_reasons.get("no healthy card has an NTT kernel").is_some_and(|&n| n >= 1), "{:?}", p.ntt.cpu_reasons);
    }
}

/// Should a call on a card panic all the same (here the `Device` itself), the card's lock is not
/// left poisoned for every later call: the card is given up and the backend goes on on the CPU.
#[test]
fn a_panic_on_a_card_gives_it_up_instead_of_poisoning_the_backend() {
    let be = AccelBackend::new(FakeCard::new(10, Mode::PanicOnMaxLogN).boxed(), Duration::from_millis(50)).unwrap();
    let v: Vec<Fr> = (0..8u64).map(Fr::from).collect();
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ntt(&be, &v, 3)));
    assert!(first.is_err(), "the fake's panic propagates once");
    assert_eq!(ntt(&be, &v, 3), cpu_ntt(&v, 3));
    let dead = be.dead_cards();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].1.contains("panicked"), "{dead:?}");
    assert_eq!(be.profile().ntt.cpu_reasons.get("no healthy card has an NTT kernel"), Some(&1));
}
