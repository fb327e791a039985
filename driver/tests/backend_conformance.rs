//! One conformance suite, run against the CPU backend and against the accelerator backend over the
//! simulated card (feature `sim`; NTT core and MSM bucket scheduler in RTL, the adder's model): MSMs (zero, ±1 and r − 1 scalars, repeated points, P + (−P),
//! the identity among the bases) and every NTT kind of sizes 1 to 2^11 — below, at and beyond the
//! card's 2^10 buffer, full and zero-padded — exactly equal to arkworks; the checked wrappers'
//! refusals; the lookup helpers (on the card's lookup kernel).

use zkaccel::backend::conformance::*;
use zkaccel::backend::CpuBackend;
use zkaccel_testkit::seed::TestRng;

/// Sizes for the large-size check: the card's buffer is 2^10, so 2^11 runs four-step.
const LOGS: [u32; 6] = [0, 1, 2, 5, 10, 11];

#[test]
fn cpu_backend_conforms() {
    let mut rng = TestRng::for_test("driver::cpu_backend_conforms");
    let be = CpuBackend::new();
    check_msm(&be, &mut rng);
    check_ntt(&be, &mut rng);
    check_ntt_sizes(&be, &mut rng, &LOGS);
    check_wrappers(&be, &mut rng);
    check_lookup_helpers(&be, &mut rng);
    assert_eq!(be.resident_polys(), 0, "the checks release what they upload");
}

#[cfg(feature = "sim")]
mod on_the_simulated_card {
    use super::*;
    use std::time::Duration;
    use zkaccel::backend::Backend;
    use zkaccel_driver::accel::AccelBackend;
    use zkaccel_driver::sim_card::SimCard;
    use zkaccel_driver::Device;

    /// The backend over one simulated card, sending every MSM to the card (also those below
    /// `MIN_CARD_MSM_POINTS`, which it would otherwise keep on the CPU): the card path is what
    /// these tests check.
    fn accel() -> AccelBackend {
        let be = accel_with_defaults();
        be.set_min_msm_points(1);
        be
    }

    fn accel_with_defaults() -> AccelBackend {
        let card = SimCard::with_ntt(zkaccel_driver::open::SIM_NTT_LOG_N).expect("the simulated card builds");
        AccelBackend::new(vec![Box::new(card) as Box<dyn Device + Send>], Duration::from_secs(120)).unwrap()
    }

    /// By default an MSM of fewer than `MIN_CARD_MSM_POINTS` points runs on the CPU (a card call's
    /// host share costs more than the CPU's whole MSM there), exactly, counted as routed with the
    /// reason, not as a fallback; the larger ones of the same batch run on the card.
    #[test]
    fn small_msms_run_on_the_cpu_by_default() {
        use zkaccel::backend::BackendExt;
        use zkaccel_driver::accel::MIN_CARD_MSM_POINTS;
        let mut rng = TestRng::for_test("driver::small_msms_on_the_cpu");
        let be = accel_with_defaults();
        assert_eq!(be.min_msm_points(), MIN_CARD_MSM_POINTS);
        // check_msm: MSMs of 100, 100, 100 and 37 points, then of 4, 4 and 1 point.
        check_msm(&be, &mut rng);
        let p = be.take_profile();
        assert_eq!(p.fallback_count(), 0, "{:?}", p.lines());
        assert_eq!((p.msm.card_calls, p.msm.cpu_calls, p.msm.card_elements, p.msm.cpu_elements), (4, 3, 337, 9), "{:?}", p.lines());
        let reasons: Vec<(&str, u64)> = p.msm.cpu_reasons.iter().map(|(r, n)| (r.as_str(), *n)).collect();
        assert_eq!(reasons, vec![("an MSM of fewer than 32 points (the CPU's whole MSM costs less than a card call)", 3)]);
        // One below the limit on the CPU, the limit itself on the card; a lower limit sends it on.
        let bases = zkaccel::backend::conformance::random_bases(&mut rng, 64);
        let h = be.load_bases_checked(&bases).unwrap();
        let s: Vec<ark_bn254::Fr> = (0..MIN_CARD_MSM_POINTS).map(|_| ark_ff::UniformRand::rand(&mut rng)).collect();
        let cpu = CpuBackend::new();
        let hc = cpu.load_bases_checked(&bases).unwrap();
        for (len, limit, on_card) in
            [(MIN_CARD_MSM_POINTS - 1, MIN_CARD_MSM_POINTS, false), (MIN_CARD_MSM_POINTS, MIN_CARD_MSM_POINTS, true), (3, 3, true), (3, 4, false)]
        {
            be.set_min_msm_points(limit);
            assert_eq!(be.msm_host(&h, &[&s[..len]]).unwrap(), cpu.msm_host(&hc, &[&s[..len]]).unwrap(), "{len} points, limit {limit}");
            let p = be.take_profile();
            assert_eq!((p.msm.card_calls, p.msm.cpu_calls), if on_card { (1, 0) } else { (0, 1) }, "{len} points, limit {limit}: {:?}", p.lines());
        }
    }

    #[test]
    fn accel_backend_over_the_simulated_card_conforms() {
        let mut rng = TestRng::for_test("driver::accel_backend_over_the_simulated_card_conforms");
        let be = accel();
        check_msm(&be, &mut rng);
        check_ntt(&be, &mut rng);
        check_ntt_sizes(&be, &mut rng, &LOGS);
        check_wrappers(&be, &mut rng);
        check_lookup_helpers(&be, &mut rng);
        let p = be.take_profile();
        // Every transform of two or more points and every MSM ran on the card (transforms passed
        // their check); size-1 transforms went to the CPU with the reason.
        assert_eq!(p.fallback_count(), 0, "{:?}", p.lines());
        // check_ntt_sizes: 24 transforms per size, 5 sizes of 2 or more points; check_ntt: 5 per
        // size for 2^1, 2^3, 2^6.
        assert_eq!(p.ntt.card_calls, 5 * 24 + 3 * 5, "card NTT calls");
        assert!(p.ntt.card_cycles > p.ntt.card_elements, "the card's cycle counter advanced");
        assert!(p.ntt.cpu_reasons.keys().all(|r| r.contains("size 1")), "{:?}", p.ntt.cpu_reasons);
        assert_eq!((p.msm.card_calls, p.msm.cpu_calls), (7, 0), "{:?}", p.lines());
        assert!(p.msm.card_cycles > 0 && p.msm.card_bytes_to > 0 && p.msm.card_bytes_from > 0);
        // The lookup helpers on the card's lookup kernel: the batch inversion of 257 values and
        // both multiplicity tables (runs of consecutive values); the empty inversion on the CPU.
        assert_eq!((p.lookup.card_calls, p.lookup.cpu_calls), (3, 1), "{:?}", p.lines());
        assert!(p.lookup.card_cycles > 257 && p.lookup.card_bytes_to > 0, "{:?}", p.lines());
        assert!(be.name().contains("SimCard"), "{}", be.name());
    }

    /// `set_kernels` (the CLI's `--device-kernels`): the kernels left out run on the CPU, exactly,
    /// counted as routed there with the reason (not as fallbacks); the others stay on the card,
    /// and a later selection sends them to the card again.
    #[test]
    fn the_kernel_selection_keeps_the_other_kernels_on_the_cpu() {
        use zkaccel::backend::{BackendExt, NttKind};
        use zkaccel_driver::regs::Kernel;
        let mut rng = TestRng::for_test("driver::kernel_selection");
        let be = accel();
        be.set_kernels(Kernel::Lookup as u32);
        assert_eq!(be.kernels(), Kernel::Lookup as u32);
        check_ntt(&be, &mut rng);
        check_msm(&be, &mut rng);
        check_lookup_helpers(&be, &mut rng);
        let p = be.take_profile();
        assert_eq!(p.fallback_count(), 0, "{:?}", p.lines());
        assert_eq!(p.ntt.card_calls, 0, "{:?}", p.lines());
        // check_ntt: 5 transforms each of 2^0, 2^1, 2^3 and 2^6 points; size 1 is the identity.
        let reasons: Vec<(&str, u64)> = p.ntt.cpu_reasons.iter().map(|(r, n)| (r.as_str(), *n)).collect();
        assert_eq!(reasons, vec![("a transform of size 1 is the identity", 5), ("the NTT is kept on the CPU by the kernel selection", 15)]);
        assert_eq!(p.ntt.cpu_calls, 20);
        assert_eq!((p.msm.card_calls, p.msm.cpu_calls), (0, 7), "{:?}", p.lines());
        assert_eq!(p.msm.cpu_reasons.get("the MSM is kept on the CPU by the kernel selection"), Some(&7), "{:?}", p.lines());
        assert_eq!(p.msm.card_bytes_to, 0, "no bases were loaded into the card");
        assert_eq!((p.lookup.card_calls, p.lookup.cpu_calls), (3, 1), "the lookup kernel stays on the card: {:?}", p.lines());
        // Now only the NTT: a transform runs on the card, the lookup helpers on the CPU.
        be.set_kernels(Kernel::Ntt as u32);
        let v: Vec<ark_bn254::Fr> = (0..64).map(|_| ark_ff::UniformRand::rand(&mut rng)).collect();
        assert_eq!(be.ntt_host(&[&v], 6, NttKind::Forward).unwrap(), CpuBackend::new().ntt_host(&[&v], 6, NttKind::Forward).unwrap());
        let mut x = v.clone();
        be.batch_invert(&mut x).unwrap();
        assert!(x.iter().zip(&v).all(|(a, b)| *a * b == ark_ff::One::one()));
        let p = be.take_profile();
        assert_eq!((p.ntt.card_calls, p.ntt.cpu_calls, p.fallback_count()), (1, 0, 0), "{:?}", p.lines());
        assert_eq!(p.lookup.cpu_reasons.get("the lookup kernel is kept on the CPU by the kernel selection"), Some(&1), "{:?}", p.lines());
    }
}

#[cfg(feature = "sim")]
mod on_two_simulated_cards {
    use super::*;
    use std::time::Duration;
    use zkaccel::backend::{Backend, BackendExt, NttKind};
    use zkaccel_driver::accel::AccelBackend;
    use zkaccel_driver::sim_card::SimCard;
    use zkaccel_driver::Device;

    #[test]
    fn batches_of_transforms_and_msms_are_split_across_two_cards_and_stay_exact() {
        let mut rng = TestRng::for_test("driver::two_cards");
        let card = || Box::new(SimCard::with_ntt(zkaccel_driver::open::SIM_NTT_LOG_N).unwrap()) as Box<dyn Device + Send>;
        let be = AccelBackend::new(vec![card(), card()], Duration::from_secs(120)).unwrap();
        // Every MSM on a card, also the small ones (`MIN_CARD_MSM_POINTS`).
        be.set_min_msm_points(1);
        check_ntt_sizes(&be, &mut rng, &[3, 11]);
        // MSMs: every base set loaded into both cards, a batch's MSMs split across them.
        check_msm(&be, &mut rng);
        let cpu = CpuBackend::new();
        use ark_ff::UniformRand;
        let batch: Vec<Vec<ark_bn254::Fr>> = (0..5).map(|_| (0..512).map(|_| ark_bn254::Fr::rand(&mut rng)).collect()).collect();
        let refs: Vec<&[ark_bn254::Fr]> = batch.iter().map(|v| v.as_slice()).collect();
        let shift = zkaccel::plonk::extended_coset_shift();
        for kind in [NttKind::Forward, NttKind::CosetForward { shift }, NttKind::CosetInverse { shift }] {
            assert_eq!(be.ntt_host(&refs, 10, kind).unwrap(), cpu.ntt_host(&refs, 10, kind).unwrap(), "{kind:?}");
        }
        let p = be.take_profile();
        assert_eq!(p.fallback_count(), 0, "{:?}", p.lines());
        assert_eq!(p.ntt.per_card.len(), 2, "both cards served: {:?}", p.ntt.per_card);
        assert_eq!(p.msm.per_card.len(), 2, "both cards served MSMs: {:?}", p.msm.per_card);
        assert_eq!((p.msm.card_calls, p.msm.cpu_calls), (7, 0), "{:?}", p.lines());
        assert_eq!(p.ntt.per_card.values().sum::<u64>(), p.ntt.card_calls);
        // The batches of 5 split 3 + 2 per kind.
        assert!(p.ntt.per_card.values().all(|&n| n >= 6), "{:?}", p.ntt.per_card);
        assert!(be.name().contains("card 0: ") && be.name().contains("card 1: "), "{}", be.name());
    }

    /// A card whose register writes take 20 ms each (as a slow link might, or the simulation
    /// that a register access drives): the profile's host share of the card calls does not count
    /// that time — it is the calls' wall time less all the time inside the card's `Device`
    /// methods, registers included, not only its streams and waits.
    struct SlowRegisters {
        inner: SimCard,
        writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    }

    impl Device for SlowRegisters {
        fn read32(&mut self, offset: u32) -> Result<u32, zkaccel_driver::DeviceError> {
            self.inner.read32(offset)
        }
        fn write32(&mut self, offset: u32, value: u32) -> Result<(), zkaccel_driver::DeviceError> {
            self.writes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(20));
            self.inner.write32(offset, value)
        }
        fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), zkaccel_driver::DeviceError> {
            self.inner.stream_to_card(data, timeout)
        }
        fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, zkaccel_driver::DeviceError> {
            self.inner.stream_from_card(len, timeout)
        }
        fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), zkaccel_driver::DeviceError> {
            self.inner.wait_done(seq, timeout)
        }
        fn reset(&mut self) -> Result<(), zkaccel_driver::DeviceError> {
            self.inner.reset()
        }
        fn identify(&mut self) -> Result<zkaccel_driver::Identity, zkaccel_driver::DeviceError> {
            self.inner.identify()
        }
    }

    #[test]
    fn the_host_share_of_card_calls_leaves_out_the_time_inside_the_device() {
        let mut rng = TestRng::for_test("driver::host_share");
        let writes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let card = SlowRegisters { inner: SimCard::with_ntt(zkaccel_driver::open::SIM_NTT_LOG_N).unwrap(), writes: writes.clone() };
        let be = AccelBackend::new(vec![Box::new(card) as Box<dyn Device + Send>], Duration::from_secs(120)).unwrap();
        use ark_ec::CurveGroup;
        use ark_ff::UniformRand;
        let bases: Vec<ark_bn254::G1Affine> = (0..64).map(|_| ark_bn254::G1Projective::rand(&mut rng).into_affine()).collect();
        let scalars: Vec<ark_bn254::Fr> = (0..64).map(|_| ark_bn254::Fr::rand(&mut rng)).collect();
        let v: Vec<ark_bn254::Fr> = (0..256).map(|_| ark_bn254::Fr::rand(&mut rng)).collect();
        let h = be.load_bases_checked(&bases).unwrap();
        be.take_profile();
        let before = writes.load(std::sync::atomic::Ordering::Relaxed);
        be.msm_host(&h, &[&scalars]).unwrap();
        let msm_writes = writes.load(std::sync::atomic::Ordering::Relaxed) - before;
        be.ntt_host(&[&v], 8, NttKind::Forward).unwrap();
        let ntt_writes = writes.load(std::sync::atomic::Ordering::Relaxed) - before - msm_writes;
        let p = be.take_profile();
        assert_eq!((p.msm.card_calls, p.ntt.card_calls, p.fallback_count()), (1, 1, 0), "{:?}", p.lines());
        for (what, k, n) in [("msm", &p.msm, msm_writes), ("ntt", &p.ntt, ntt_writes)] {
            let slept = Duration::from_millis(20 * n);
            assert!(n >= 5, "{what}: {n} register writes");
            assert!(k.card_time >= slept, "{what}: card time {:?} < {slept:?}", k.card_time);
            assert!(
                k.card_time - k.card_host_time >= slept,
                "{what}: host share {:?} of {:?} includes register time ({n} writes of 20 ms)",
                k.card_host_time,
                k.card_time
            );
        }
    }
}
