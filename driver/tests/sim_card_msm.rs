//! The MSM kernel through the `Device` interface on the simulated card (the RTL card top in
//! Verilator): bases resident in card memory, MSMs that stream only digits, results against
//! ark-ec's `VariableBaseMSM`, the edge cases of the complete adder, card-memory limits, the NTT on
//! the same card, and the card's counters.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, UniformRand, Zero};
use std::time::Duration;
use zkaccel::backend::BasesId;
use zkaccel::card_schedule::msm_requests::plan_digits;
use zkaccel_driver::msm::{window_size, DeviceMsm};
use zkaccel_driver::ntt::DeviceNtt;
use zkaccel_driver::regs::{Kernel, MsmOp, Reg, Status};
use zkaccel_driver::sim_card::{CardVariant, MemModel, SimCard, Traffic};
use zkaccel_driver::{Device, DeviceError};
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::ntt::model::{ntt_ark, NttMode};
use zkaccel_testkit::seed::TestRng;

const T: Duration = Duration::from_secs(600);

/// 1024 bases with the cases the adder must get right: the identity (index 3), a point twice
/// (4 = 5: P + P in one bucket), a point and its negation (6, 7: P + (−P)).
fn bases(rng: &mut TestRng) -> Vec<G1Affine> {
    let mut b: Vec<G1Affine> = (0..1024).map(|_| G1Affine::rand(rng)).collect();
    b[3] = G1Affine::zero();
    b[5] = b[4];
    b[7] = -b[6];
    b
}

/// Scalars with zeros, r − 1, equal scalars on the equal/negated points, and random values.
fn scalars(rng: &mut TestRng, n: usize) -> Vec<Fr> {
    let mut s: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
    for (i, v) in s.iter_mut().enumerate() {
        match i {
            0 if n > 1 => *v = -Fr::one(),
            1 => *v = Fr::zero(),
            2 => *v = -Fr::one(),
            5 => *v = s_at(4),
            7 => *v = s_at(6),
            i if i % 13 == 9 => *v = Fr::zero(),
            _ => {}
        }
    }
    s
}

fn s_at(i: usize) -> Fr {
    Fr::from(1000 + i as u64)
}

fn fix_pairs(s: &mut [Fr]) {
    if s.len() > 5 {
        s[4] = s_at(4);
        s[5] = s_at(4);
    }
    if s.len() > 7 {
        s[6] = s_at(6);
        s[7] = s_at(6);
    }
}

fn reg(dev: &mut impl Device, r: Reg) -> u32 {
    dev.read32(r.offset()).unwrap()
}

/// Additions the card must issue: nonzero digits of finite points.
fn additions(bases: &[G1Affine], s: &[Fr], c: usize, log_depth: usize) -> u64 {
    plan_digits(s, c, log_depth)
        .iter()
        .map(|g| g.digits.iter().enumerate().filter(|&(k, &d)| d != 0 && !bases[k / g.group.windows].is_zero()).count() as u64)
        .sum()
}

/// Runs MSMs of `sizes` points on a fresh card and returns the card cycles of each.
fn check_msms(variant: CardVariant, sizes: &[usize], test: &str) -> Vec<u64> {
    let mut rng = TestRng::for_test(test);
    let b = bases(&mut rng);
    let id = BasesId::of(&b);
    let mut msm = DeviceMsm::new(SimCard::with_msm(variant, 1 << 12).unwrap(), T).unwrap();
    let mut cycles = Vec::new();
    assert!(!msm.has_bases(&id));
    msm.load_bases(id, &b).unwrap();
    assert!(msm.has_bases(&id));
    assert_eq!(msm.card_memory(), (1 << 12, (1 << 12) - 1024));
    eprintln!("{test}: load of 1024 bases: {} cycles", msm.last_cycles());
    // The points landed in card memory as the wire format says (x ‖ y; infinity flag).
    let sim = msm.dev_mut().runner();
    let w = sim.mem_word(10);
    assert_eq!(&w[..32], &zkaccel_interface::wire::to_wire(&b[10].x)[..]);
    assert_eq!(&w[32..], &zkaccel_interface::wire::to_wire(&b[10].y)[..]);
    assert_eq!(sim.mem_word(3)[63], 0x80, "the identity is flagged");
    for &n in sizes {
        let mut s = scalars(&mut rng, n);
        fix_pairs(&mut s);
        let log_depth = CardConfig::SIM.msm_log_depth;
        let c = window_size(n, log_depth, CardConfig::SIM.max_c());
        let dev = msm.dev_mut();
        let (done0, digits0, issued0, reads0) = (reg(dev, Reg::DoneSeq), reg(dev, Reg::MsmElements), reg(dev, Reg::MsmIssued), reg(dev, Reg::MsmPointsRead));
        let t0 = std::time::Instant::now();
        let got = msm.msm(&id, &s).unwrap();
        let wall = t0.elapsed();
        let want = G1Projective::msm(&b[..n], &s).unwrap();
        assert_eq!(got.into_affine(), want.into_affine(), "{variant:?}: MSM of {n} points (c = {c})");
        let st = msm.last();
        let groups = plan_digits(&s, c, log_depth);
        let windows: usize = groups.iter().map(|g| g.group.windows).sum();
        let dev = msm.dev_mut();
        // The counters: one digit per point and window, one card-memory read per point and
        // group, one issued addition per nonzero digit of a finite point, one command per group.
        assert_eq!(st.commands, groups.len());
        assert_eq!(reg(dev, Reg::DoneSeq).wrapping_sub(done0) as usize, groups.len());
        assert_eq!((reg(dev, Reg::MsmElements) - digits0) as usize, n * windows, "digits consumed");
        assert_eq!((reg(dev, Reg::MsmPointsRead) - reads0) as usize, n * groups.len(), "points read");
        assert_eq!((reg(dev, Reg::MsmIssued) - issued0) as u64, additions(&b, &s, c, log_depth), "additions issued");
        // At most one digit per cycle, and not wildly more cycles than digits + read-out beats.
        let beats = (n * windows + 3 * windows * (1 << (c - 1))) as u64;
        assert!(st.cycles >= (n * windows) as u64 && st.cycles < 2 * beats + 2_000 * groups.len() as u64, "{n} points: {} cycles for {beats} beats", st.cycles);
        cycles.push(st.cycles);
        eprintln!(
            "{test} ({variant:?}): MSM of {n} points: c = {c}, {} groups, {} card cycles, {} B to the card, {} B back, {:.2} s simulated",
            st.commands, st.cycles, st.bytes_to_card, st.bytes_from_card, wall.as_secs_f64()
        );
    }
    // The bases were loaded once: loading them again is not a command.
    let done = reg(msm.dev_mut(), Reg::DoneSeq);
    msm.load_bases(id, &b).unwrap();
    assert_eq!(reg(msm.dev_mut(), Reg::DoneSeq), done);
    let dev = msm.dev_mut();
    assert!(reg(dev, Reg::MsmBusyLo) > 0 && reg(dev, Reg::MsmStalled) <= reg(dev, Reg::MsmBusyLo));
    cycles
}

#[test]
fn msm_on_the_fast_card_equals_arkworks() {
    check_msms(CardVariant::Fast, &[1, 2, 3, 17, 100, 1024], "msm_on_the_fast_card_equals_arkworks");
}

/// The whole card in RTL (MSMs of at most 2^10 points: the adder simulates slowly), and the
/// fast variant's software adder is cycle-exact: the same MSMs take the same cycles on both.
/// Then the full card under random bubbles and back-pressure with only `(r − 1)·G` (every
/// addition after the first of a bucket is a doubling) and only identities. This covers what the
/// stand-alone bucket-unit test (`msm_bucket_unit_d10`, retired) covered, through the card.
#[test]
fn msm_on_the_full_rtl_card_equals_arkworks_and_the_fast_card_cycle_for_cycle() {
    let name = "msm_on_the_full_rtl_card_equals_arkworks_and_the_fast_card_cycle_for_cycle";
    let sizes = [1, 2, 3, 17, 100, 1024];
    let full = check_msms(CardVariant::FullRtl, &sizes, name);
    let fast = check_msms(CardVariant::Fast, &sizes, name);
    assert_eq!(full, fast, "card cycles of MSMs of {sizes:?} points: full RTL vs fast variant");

    let mut rng = TestRng::for_test(name);
    let mut card = SimCard::with_msm(CardVariant::FullRtl, 1 << 12).unwrap();
    card.set_traffic(Traffic { bubble: 0.1, stall: 0.2 }, rng.seed());
    let mut msm = DeviceMsm::new(card, T).unwrap();
    let g = G1Affine::generator();
    let gs = vec![g; 3];
    let zs = vec![G1Affine::zero(); 2];
    let mut b = bases(&mut rng);
    b.truncate(100);
    for (pts, s) in [
        (&gs[..], vec![-Fr::one(); 3]),
        (&zs[..], vec![Fr::from(7u64); 2]),
        (&b[..], scalars(&mut rng, 100)),
    ] {
        let id = BasesId::of(pts);
        msm.load_bases(id, pts).unwrap();
        let want = G1Projective::msm(pts, &s).unwrap();
        for c in [4, window_size(pts.len(), CardConfig::SIM.msm_log_depth, CardConfig::SIM.max_c())] {
            assert_eq!(msm.msm_with_c(&id, &s, c).unwrap(), want, "{} points, c = {c}, under traffic", pts.len());
        }
    }
    assert_eq!(G1Projective::msm(&gs, &[-Fr::one(); 3]).unwrap(), -(G1Projective::from(g) * Fr::from(3u64)));
}

#[test]
fn card_memory_limits_unknown_bases_and_ntt_on_the_same_card() {
    let mut rng = TestRng::for_test("card_memory_limits_unknown_bases_and_ntt_on_the_same_card");
    let b: Vec<G1Affine> = (0..600).map(|_| G1Affine::rand(&mut rng)).collect();
    let (id, id2) = (BasesId::of(&b), BasesId::of(&b[..500]));
    let mut msm = DeviceMsm::new(SimCard::with_msm(CardVariant::Fast, 1000).unwrap(), T).unwrap();
    msm.load_bases(id, &b).unwrap();
    // 500 more do not fit in 1000 points: a clear error, and the resident set is untouched.
    let err = msm.load_bases(id2, &b[..500]).unwrap_err();
    assert!(matches!(&err, DeviceError::Unsupported(m) if m.contains("card memory full")), "{err}");
    assert!(msm.has_bases(&id) && !msm.has_bases(&id2));
    // Unknown bases: the driver refuses before the card sees anything.
    assert!(matches!(msm.msm(&id2, &[Fr::one()]), Err(DeviceError::Unsupported(_))));

    // The card's own checks, through raw registers: a load beyond card memory, an accumulation
    // on an empty slot, an MSM longer than its slot, a window size the card does not have.
    let dev = msm.dev_mut();
    let raw = |dev: &mut SimCard, regs: &[(Reg, u32)], seq: u32| -> u32 {
        dev.write32(Reg::Command.offset(), Kernel::Msm as u32).unwrap();
        for &(r, v) in regs {
            dev.write32(r.offset(), v).unwrap();
        }
        dev.write32(Reg::Doorbell.offset(), seq).unwrap();
        dev.wait_done(seq, T).unwrap();
        dev.read32(Reg::Status.offset()).unwrap()
    };
    let load = |slot, base, n| [(Reg::MsmOp, MsmOp::LOAD_BASES), (Reg::MsmSlot, slot), (Reg::MsmBase, base), (Reg::MsmPoints, n)];
    let acc = |slot, n, c, w| [(Reg::MsmOp, MsmOp::ACCUMULATE), (Reg::MsmSlot, slot), (Reg::MsmPoints, n), (Reg::MsmC, c), (Reg::MsmWindows, w)];
    let seq0 = dev.read32(Reg::DoneSeq.offset()).unwrap();
    assert_eq!(raw(dev, &load(1, 900, 101), seq0 + 1), Status::MEM_OVERFLOW);
    assert_eq!(raw(dev, &load(1, u32::MAX, 2), seq0 + 2), Status::MEM_OVERFLOW, "no wrap-around");
    assert_eq!(raw(dev, &acc(1, 10, 8, 4), seq0 + 3), Status::UNKNOWN_BASES, "slot 1 holds no bases");
    assert_eq!(raw(dev, &acc(0, 601, 8, 4), seq0 + 4), Status::BAD_PARAMS, "more points than the slot");
    assert_eq!(raw(dev, &acc(0, 10, 16, 1), seq0 + 5), Status::BAD_PARAMS, "c beyond the card");
    assert_eq!(raw(dev, &acc(0, 10, 8, 9), seq0 + 6), Status::BAD_PARAMS, "9 · 2^7 buckets beyond 2^10");
    assert_eq!(raw(dev, &load(99, 0, 1), seq0 + 7), Status::BAD_PARAMS, "no slot 99");
    // The refused load wrote nothing: slot 0's bases still give the right MSM.
    let mut msm = DeviceMsm::new(msm.into_inner(), T).unwrap();
    msm.load_bases(id, &b).unwrap(); // a fresh driver: loads again (idempotent on the card)
    let s: Vec<Fr> = (0..600).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(&b, &s).unwrap());

    // The NTT on the same card, between MSMs, and its counters.
    let dev = msm.dev_mut();
    let ntt_busy0 = dev.read32(Reg::NttBusyLo.offset()).unwrap();
    let ntt_elems0 = dev.read32(Reg::NttElements.offset()).unwrap();
    let mut ntt = DeviceNtt::new(&mut *dev, T).unwrap();
    let x: Vec<Fr> = (0..256).map(|_| Fr::rand(&mut rng)).collect();
    let mut y = x.clone();
    ntt.transform(&mut y, NttMode::FORWARD).unwrap();
    assert_eq!(y, ntt_ark(&x, NttMode::FORWARD));
    let cmd = dev.read32(Reg::CmdCycles.offset()).unwrap();
    let busy = dev.read32(Reg::NttBusyLo.offset()).unwrap() - ntt_busy0;
    assert_eq!(dev.read32(Reg::NttElements.offset()).unwrap() - ntt_elems0, 256);
    assert!(cmd > 256 && busy + 1 >= cmd && busy <= cmd + 1, "NTT command {cmd} cycles, busy {busy}");
    let s: Vec<Fr> = (0..100).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(&b[..100], &s).unwrap());

    // A kernel reset keeps card memory and the slots: the bases are still usable.
    msm.dev_mut().reset().unwrap();
    assert_eq!(msm.dev_mut().read32(Reg::MsmIssued.offset()).unwrap(), 0, "counters restart at reset");
    assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(&b[..100], &s).unwrap());
}

/// The card's flow control: random bubbles on the input stream, back-pressure on the output
/// stream and on both card-memory channels, while bases load, MSMs and NTTs run.
#[test]
fn msm_and_ntt_under_random_bubbles_and_back_pressure() {
    let mut rng = TestRng::for_test("msm_and_ntt_under_random_bubbles_and_back_pressure");
    let mut card = SimCard::with_msm(CardVariant::Fast, 1 << 12).unwrap();
    card.set_traffic(Traffic { bubble: 0.3, stall: 0.3 }, rng.seed());
    let mut b = bases(&mut rng);
    b.truncate(300);
    let id = BasesId::of(&b);
    let mut msm = DeviceMsm::new(card, T).unwrap();
    msm.load_bases(id, &b).unwrap();
    let mut smooth = DeviceMsm::new(SimCard::with_msm(CardVariant::Fast, 1 << 12).unwrap(), T).unwrap();
    smooth.load_bases(id, &b).unwrap();
    for n in [17, 300] {
        let mut s = scalars(&mut rng, n);
        fix_pairs(&mut s);
        assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(&b[..n], &s).unwrap(), "MSM of {n} points");
        // The traffic really was there: the same MSM on a card with smooth streams is faster.
        assert_eq!(smooth.msm(&id, &s).unwrap(), G1Projective::msm(&b[..n], &s).unwrap());
        let (rough, even) = (msm.last_cycles(), smooth.last_cycles());
        eprintln!("MSM of {n} points: {rough} cycles under traffic, {even} with smooth streams");
        assert!(rough > even, "{rough} vs {even} cycles");
    }
    let mut ntt = DeviceNtt::new(msm.dev_mut(), T).unwrap();
    for mode in [NttMode::FORWARD, NttMode { inverse: true, coset: Some(Fr::from(7u64)) }] {
        let x: Vec<Fr> = (0..256).map(|_| Fr::rand(&mut rng)).collect();
        let mut y = x.clone();
        ntt.transform(&mut y, mode).unwrap();
        assert_eq!(y, ntt_ark(&x, mode), "{mode:?}");
    }
}

/// Slow card memory (latency 300 cycles, one request every 3 cycles): the point FIFO's credits
/// keep every answer in flight; results stay exact and the card waits for its points.
#[test]
fn msm_with_slow_card_memory() {
    let mut rng = TestRng::for_test("msm_with_slow_card_memory");
    let b: Vec<G1Affine> = (0..200).map(|_| G1Affine::rand(&mut rng)).collect();
    let id = BasesId::of(&b);
    let slow = MemModel { latency: 300, interval: 3 };
    let mut msm = DeviceMsm::new(SimCard::new(CardVariant::Fast, &CardConfig::SIM, 1 << 12, slow).unwrap(), T).unwrap();
    let mut fast = DeviceMsm::new(SimCard::with_msm(CardVariant::Fast, 1 << 12).unwrap(), T).unwrap();
    msm.load_bases(id, &b).unwrap();
    fast.load_bases(id, &b).unwrap();
    let s: Vec<Fr> = (0..200).map(|_| Fr::rand(&mut rng)).collect();
    // c = 2 has 128 digits per point: 62 points in flight cover 300 cycles of latency many times
    // over. c = 9 fits 4 windows (2^8 buckets each) in the 2^10 entries: 8 groups of 4 digits
    // per point, so each group waits 300 cycles for its first point and then wants one point every
    // 4 cycles, more than 62 reads in flight per 300 cycles deliver.
    for c in [2, 9] {
        let want = G1Projective::msm(&b, &s).unwrap();
        assert_eq!(msm.msm_with_c(&id, &s, c).unwrap(), want, "c = {c}");
        assert_eq!(fast.msm_with_c(&id, &s, c).unwrap(), want, "c = {c}");
        let (slow_cycles, fast_cycles) = (msm.last_cycles(), fast.last_cycles());
        eprintln!("c = {c}: {slow_cycles} cycles with slow memory, {fast_cycles} with HBM-like memory");
        if c == 9 {
            assert!(slow_cycles > fast_cycles + 1000, "c = {c}: the slow memory must cost cycles");
        }
    }
}
