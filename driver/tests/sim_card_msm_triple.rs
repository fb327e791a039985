//! The MSM kernel of the three-unit card (`zkaccel_hdl::card::triple`: three XYZZ bucket units,
//! fast variant with the XYZZ adder's bit-exact model) through `DeviceMsm` over the simulated
//! card: base sets loaded as precomputed tables of three or six windows per entry (also through
//! `load_bases`: the card takes no plain layout), the driver's random offsets (a card session's
//! `R_b` at open, fresh `R_s`, `R_t` per MSM), whole MSMs against ark-ec with the edge inputs, the
//! shapes the card cannot take, and the flag: an `R_b` equal to a table entry makes the card flag
//! the group, which the driver redoes with fresh offsets; a card that flags twice is an error.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, UniformRand, Zero};
use std::time::Duration;
use zkaccel::backend::BasesId;
use zkaccel::card_schedule::msm_precomputed::digit_stream;
use zkaccel::card_schedule::msm_precomputed::{entries_per_base, precomputed_windows};
use zkaccel::card_schedule::msm_xyzz::Offsets;
use zkaccel_driver::fault_injection::{Fault, FaultyDevice};
use zkaccel_driver::msm::{shared_precomputed_shape, BasesLayout, DeviceMsm};
use zkaccel_driver::regs::{Reg, Status};
use zkaccel_driver::sim_card::{CardVariant, MemModel, SimCard};
use zkaccel_driver::{Device, DeviceError};
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::msm_bucket::model::msm_inputs_with_edge_cases;
use zkaccel_testkit::seed::TestRng;

const T: Duration = Duration::from_secs(600);

fn card(mem_points: u32) -> SimCard {
    SimCard::new(CardVariant::Fast, &CardConfig::SIM_TRIPLE, mem_points, MemModel::HBM).unwrap()
}

/// A card whose commands have finished — answer buffered on the host side — by the time the
/// input stream returns (as with a large C2H DMA buffer): the driver sees `DONE_SEQ` and the
/// status before it reads the answer.
struct EagerCard {
    inner: SimCard,
    seq: u32,
}

impl Device for EagerCard {
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        self.inner.read32(offset)
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        if offset == Reg::Doorbell.offset() {
            self.seq = value;
        }
        self.inner.write32(offset, value)
    }
    fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        self.inner.stream_to_card(data, timeout)?;
        self.inner.wait_done(self.seq, timeout)
    }
    fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        self.inner.stream_from_card(len, timeout)
    }
    fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), DeviceError> {
        self.inner.wait_done(seq, timeout)
    }
    fn reset(&mut self) -> Result<(), DeviceError> {
        self.inner.reset()
    }
    fn identify(&mut self) -> Result<zkaccel_driver::Identity, DeviceError> {
        self.inner.identify()
    }
}

/// MSMs over tables of three and six windows per entry, with the shapes the driver picks and
/// explicit ones, equal to ark-ec (edge inputs, a prefix of the bases, zero scalars); two card
/// commands per MSM (the running offsets, the group), the offsets loaded once at open; what the
/// card cannot take refused.
#[test]
fn msms_on_the_three_unit_card_equal_arkworks() {
    let name = "msms_on_the_three_unit_card_equal_arkworks";
    let mut rng = TestRng::for_test(name);
    let (b, s) = msm_inputs_with_edge_cases(200, &mut rng);
    let cfg = CardConfig::SIM_TRIPLE;
    let mut msm = DeviceMsm::new(card(1 << 14), T).unwrap();
    assert_eq!(msm.units(), 3);
    assert_eq!(msm.dev_mut().read32(Reg::MsmFlagged.offset()).unwrap(), 0);
    // load_bases takes a table (the card has no plain layout) of the shape that leaves room.
    let (c, k) = shared_precomputed_shape(200, cfg.msm_log_depth, cfg.max_c(), 1 << 14, 3).unwrap();
    assert!(k == 3 || k == 6, "one or two windows per unit: k = {k}");
    let ids: Vec<BasesId> = (0..4).map(|i| BasesId::of(&b[..200 - i])).collect();
    msm.load_bases(ids[0], &b).unwrap();
    assert_eq!(msm.resident(&ids[0]).unwrap().layout, BasesLayout::Precomputed { c, windows: precomputed_windows(c), entry_windows: k });
    // Explicit shapes: one window of 2^7 buckets per unit (chains of one); two windows of 2^9 per
    // unit; one window of 2^10 per unit (chains of two).
    for (id, n, c, k) in [(ids[1], 199, 8usize, 3usize), (ids[2], 198, 10, 6), (ids[3], 197, 11, 3)] {
        let layout = msm.load_bases_precomputed_with(id, &b[..n], c, k).unwrap();
        assert_eq!(layout, BasesLayout::Precomputed { c, windows: precomputed_windows(c), entry_windows: k });
        assert_eq!(msm.last().bytes_to_card, 64 * (n * entries_per_base(c, k)) as u64);
    }
    for (id, n, c) in [(ids[0], 200, c), (ids[1], 199, 8), (ids[2], 198, 10), (ids[3], 197, 11), (ids[3], 50, 11), (ids[2], 1, 10)] {
        let got = msm.msm(&id, &s[..n]).unwrap();
        assert_eq!(got.into_affine(), G1Projective::msm(&b[..n], &s[..n]).unwrap().into_affine(), "{n} points, c = {c}");
        let last = msm.last();
        assert_eq!((last.commands, last.reduced, last.redone), (2, 1, 0), "{n} points, c = {c}: running offsets and one reduced group");
        assert!(last.cycles > 0 && last.bytes_from_card > 0);
    }
    assert!(msm.msm(&ids[2], &[Fr::zero(); 30]).unwrap().is_zero());
    assert_eq!(msm.dev_mut().read32(Reg::MsmFlagged.offset()).unwrap(), 0, "random offsets: nothing flagged");
    // Shapes the card cannot take: two windows of 2^10 buckets per unit; windows not a multiple of
    // three.
    for (c, k, why) in [(11usize, 6usize, "2 · 2^10 buckets per unit"), (8, 2, "two windows per entry"), (8, 4, "four windows per entry")] {
        let err = msm.load_bases_precomputed_with(BasesId::of(&b[..10]), &b[..10], c, k).unwrap_err();
        assert!(matches!(&err, DeviceError::Unsupported(m) if m.contains("windows per table entry")), "{why}: {err}");
    }
    // A set whose table fits nowhere is refused, not loaded plain.
    let mut small = DeviceMsm::new(card(64), T).unwrap();
    let err = small.load_bases(BasesId::of(&b), &b).unwrap_err();
    assert!(matches!(&err, DeviceError::Unsupported(m) if m.contains("no plain layout")), "{err}");
}

/// An `R_b` equal to a table entry that a digit `+1` adds to its bucket: the mixed addition meets
/// equal points, the card flags the group, and the driver drains it, loads fresh offsets (a new
/// `R_b` and the clear) and redoes it — the MSM is right, `redone` counts it, the flag is gone.
/// Also on a card that has finished (flag in `STATUS`) before the driver reads the answer.
#[test]
fn a_flagged_msm_is_redone_with_fresh_offsets() {
    let mut rng = TestRng::for_test("a_flagged_msm_is_redone_with_fresh_offsets");
    let (b, mut s) = msm_inputs_with_edge_cases(40, &mut rng);
    s[0] = Fr::from(1u64);
    assert!(!b[0].is_zero());
    let id = BasesId::of(&b);
    let mut msm = DeviceMsm::new(card(1 << 12), T).unwrap();
    msm.load_bases_precomputed_with(id, &b, 9, 3).unwrap();
    // Entry 0 of the table is 2^0·b[0]; scalar 0 = 1 puts it into bucket 0 of unit 0 first.
    let bad = Offsets { bucket: b[0], s: G1Affine::rand(&mut rng), t: G1Affine::rand(&mut rng) };
    msm.load_offsets_for_test(bad).unwrap();
    let got = msm.msm(&id, &s).unwrap();
    assert_eq!(got.into_affine(), G1Projective::msm(&b, &s).unwrap().into_affine());
    let last = msm.last();
    assert_eq!(last.redone, 1, "the flagged group redone once");
    assert_eq!((last.commands, last.reduced), (5, 2), "running offsets, the flagged group, fresh offsets, running offsets, the group");
    assert_eq!(msm.dev_mut().read32(Reg::MsmFlagged.offset()).unwrap(), 0, "the fresh offsets' clear dropped the flag");
    // The next MSM runs once.
    assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(&b, &s).unwrap());
    assert_eq!(msm.last().redone, 0);
    // The same on a card that is done (and flagged) when the digits have gone down.
    let mut msm = DeviceMsm::new(EagerCard { inner: card(1 << 12), seq: 0 }, T).unwrap();
    msm.load_bases_precomputed_with(id, &b, 9, 3).unwrap();
    msm.load_offsets_for_test(bad).unwrap();
    assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(&b, &s).unwrap(), "flagged before the answer is read");
    assert_eq!(msm.last().redone, 1);
}

/// A card that reports `MSM_FLAGGED` (injected on the group commands): flagged once, the MSM is
/// redone and right; flagged on the redo too, the MSM is an error naming the faulty card (the
/// backend then serves it on the CPU), and the driver is usable afterwards.
#[test]
fn a_card_that_flags_twice_is_an_error() {
    let mut rng = TestRng::for_test("a_card_that_flags_twice_is_an_error");
    let (b, s) = msm_inputs_with_edge_cases(30, &mut rng);
    let id = BasesId::of(&b);
    // Commands from the wrapper's creation: 0 the offsets at open, 1 the table, then per MSM 2 the
    // running offsets, 3 the group (4 fresh offsets, 5 running offsets, 6 the redone group).
    for (on, ok) in [(vec![3u64], true), (vec![3, 6], false)] {
        let dev = FaultyDevice::new(card(1 << 12), Fault::ErrorStatus(Status::MSM_FLAGGED), on.clone());
        let fired = dev.fired();
        let mut msm = DeviceMsm::new(dev, T).unwrap();
        msm.load_bases_precomputed_with(id, &b, 8, 3).unwrap();
        let got = msm.msm(&id, &s);
        assert!(fired.load(std::sync::atomic::Ordering::SeqCst), "flag injected on {on:?}");
        if ok {
            assert_eq!(got.unwrap(), G1Projective::msm(&b, &s).unwrap(), "flagged once: redone");
            assert_eq!(msm.last().redone, 1);
        } else {
            let err = got.unwrap_err();
            assert!(matches!(&err, DeviceError::Protocol(m) if m.contains("flagged the group twice")), "{err}");
            assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(&b, &s).unwrap(), "usable after the error");
        }
    }
}

/// Two large base sets (as a prover's Lagrange and monomial bases) into card memory that holds
/// only small tables of both: the first takes at most half, so the second fits too, and both
/// serve MSMs; then `DeviceMsm::reset` loads fresh offsets (an `R_b` that made the card flag is
/// gone: no redo), where a bare device reset keeps them (redone).
#[test]
fn two_sets_share_the_card_memory_and_a_reset_brings_fresh_offsets() {
    let mut rng = TestRng::for_test("two_sets_share_the_card_memory_and_a_reset_brings_fresh_offsets");
    let (a, sa) = msm_inputs_with_edge_cases(512, &mut rng);
    let (b, sb) = msm_inputs_with_edge_cases(512, &mut rng);
    let mem = 512 * 12;
    let mut msm = DeviceMsm::new(card(mem as u32), T).unwrap();
    let (ida, idb) = (BasesId::of(&a), BasesId::of(&b));
    msm.load_bases(ida, &a).unwrap();
    let used = msm.resident(&ida).unwrap().points as usize;
    assert!(used <= mem / 2, "the first set took {used} of {mem} points");
    msm.load_bases(idb, &b).unwrap();
    for (id, bases, s) in [(ida, &a, &sa), (idb, &b, &sb)] {
        assert_eq!(msm.msm(&id, s).unwrap(), G1Projective::msm(bases, s).unwrap());
    }
    // An R_b that flags (entry 0 of set a, added first by a scalar 1).
    let layout = msm.resident(&ida).unwrap().layout;
    let BasesLayout::Precomputed { .. } = layout else { panic!("{layout:?}") };
    let mut s1 = sa.clone();
    s1[0] = Fr::from(1u64);
    let bad = Offsets { bucket: a[0], s: G1Affine::rand(&mut rng), t: G1Affine::rand(&mut rng) };
    let want = G1Projective::msm(&a, &s1).unwrap();
    msm.load_offsets_for_test(bad).unwrap();
    msm.dev_mut().reset().unwrap();
    assert_eq!(msm.msm(&ida, &s1).unwrap(), want);
    assert_eq!(msm.last().redone, 1, "a bare device reset keeps the card's offsets");
    msm.load_offsets_for_test(bad).unwrap();
    msm.reset().unwrap();
    assert_eq!(msm.msm(&ida, &s1).unwrap(), want);
    assert_eq!(msm.last().redone, 0, "DeviceMsm::reset loads fresh offsets");
}

/// `c = 16` on the three-unit card as the prover sees it (`SIM_TRIPLE_PROVER`: `2^16` buckets per
/// unit): digits `+2^15`, which the format cannot carry, in several windows (the host adds them
/// from its copy of the bases) with tables of three and six windows per entry, against ark-ec.
#[test]
fn c16_tables_with_wide_digits_on_the_prover_card_equal_arkworks() {
    let mut rng = TestRng::for_test("c16_tables_with_wide_digits_on_the_prover_card_equal_arkworks");
    let (b, mut s) = msm_inputs_with_edge_cases(40, &mut rng);
    let two = Fr::from(2u64);
    let half = two.pow([15u64]);
    // +2^15 in window 0, 1, 5, 15; every window at 2^15; −2^15.
    s[12] = half;
    s[13] = half * two.pow([16u64]);
    s[14] = half * two.pow([80u64]) + Fr::from(7u64);
    s[15] = half * two.pow([240u64]);
    s[16] = (0..16).map(|j| half * two.pow([16 * j as u64])).sum();
    s[17] = -half;
    let card = SimCard::new(CardVariant::Fast, &CardConfig::SIM_TRIPLE_PROVER, 1 << 12, MemModel::HBM).unwrap();
    let mut msm = DeviceMsm::new(card, T).unwrap();
    for k in [3usize, 6] {
        assert!(!digit_stream(&s, 16, k).1.is_empty(), "digits +2^15 present");
        let id = BasesId::of(&b[..40 - k]);
        msm.load_bases_precomputed_with(id, &b[..40 - k], 16, k).unwrap();
        let got = msm.msm(&id, &s[..40 - k]).unwrap();
        assert_eq!(got.into_affine(), G1Projective::msm(&b[..40 - k], &s[..40 - k]).unwrap().into_affine(), "k = {k}");
    }
}
