//! The MSM kernel through the `Device` interface on the simulated card (the RTL card top in
//! Verilator): bases resident in card memory, MSMs that stream only digits, the bucket reduction
//! on the card (`MsmOp::ACCUMULATE_REDUCE`: its cycles against the schedule model, whole MSMs
//! against ark-ec's `VariableBaseMSM`, on the fast and on the full-RTL card), the edge cases of the
//! complete adder, card-memory limits and refused commands, the NTT on the same card, the
//! card's counters, and bases resident **precomputed** (window shifts in card memory, one group
//! of one or a few windows per MSM; on the two-unit card a digit pair per table entry).

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, One, UniformRand, Zero};
use std::time::Duration;
use zkaccel::backend::BasesId;
use zkaccel::card_schedule::msm_precomputed::{entries_per_base, precomputed_windows};
use zkaccel::card_schedule::msm_reduce::plan_reduced;
use zkaccel::card_schedule::msm_requests::signed_digits;
use zkaccel_driver::msm::{precomputed_shape, window_size, BasesLayout, DeviceMsm};
use zkaccel_driver::ntt::DeviceNtt;
use zkaccel_driver::regs::{msm_seg_log, Kernel, MsmOp, Reg, Status, MSM_CHAIN_LOG_DEPTH};
use zkaccel_driver::sim_card::{CardVariant, MemModel, SimCard, Traffic};
use zkaccel_driver::{Device, DeviceError};
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::g1_add_mixed::config::LATENCY;
use zkaccel_hdl::msm_bucket::model::msm_inputs_with_edge_cases;
use zkaccel_hdl::msm_bucket::reduce_model::ReducePlan;
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

/// What the card must do for an MSM of `bases[..n]` with `s`: the driver's groups
/// (`plan_reduced`), each reduced on the card when its chains are longer than one bucket (or
/// always).
#[derive(Debug, Default)]
struct Expect {
    groups: usize,
    windows: usize,
    reduced: usize,
    /// Nonzero digits of finite points, plus two running-sum additions per bucket of every reduced
    /// group.
    additions: u64,
    /// `ReducePlan::reduce_cycles()` summed over the reduced groups (the schedule model).
    reduce_cycles: u64,
    /// Bytes back: two points per chain of a reduced group, one per bucket of the others.
    bytes_back: u64,
}

fn expect(bases: &[G1Affine], s: &[Fr], c: usize, log_depth: usize, always_reduce: bool) -> Expect {
    let mut e = Expect::default();
    for g in plan_reduced(s, c, log_depth, MSM_CHAIN_LOG_DEPTH as usize) {
        e.groups += 1;
        e.windows += g.windows;
        e.additions += g.digits.iter().enumerate().filter(|&(k, &d)| d != 0 && !bases[k / g.windows].is_zero()).count() as u64;
        let plan = ReducePlan::new(g.windows, c, LATENCY);
        assert_eq!(plan.seg_log, msm_seg_log(g.windows as u32, c as u32) as usize, "model and register map cut the same chains");
        if plan.seg_log > 0 || always_reduce {
            e.reduced += 1;
            e.additions += plan.additions();
            e.reduce_cycles += plan.reduce_cycles();
            e.bytes_back += 96 * 2 * plan.chains as u64;
        } else {
            e.bytes_back += 96 * (g.windows << (c - 1)) as u64;
        }
    }
    e
}

/// Runs `msm_with_c` and checks the result against ark-ec and the card's counters against
/// [`expect`]: digits, points read, additions issued, the reduction's cycles (the RTL's
/// `MsmReduceCycles` against the schedule model), commands, bytes back. Returns the card cycles.
fn checked_msm(msm: &mut DeviceMsm<SimCard>, id: &BasesId, b: &[G1Affine], s: &[Fr], c: usize, always_reduce: bool, what: &str) -> u64 {
    let n = s.len();
    let dev = msm.dev_mut();
    let before: Vec<u32> = [Reg::DoneSeq, Reg::MsmElements, Reg::MsmIssued, Reg::MsmPointsRead, Reg::MsmReduceCycles].map(|r| reg(dev, r)).to_vec();
    let t0 = std::time::Instant::now();
    let got = msm.msm_with_c(id, s, c).unwrap();
    let wall = t0.elapsed();
    let want = G1Projective::msm(&b[..n], s).unwrap();
    assert_eq!(got.into_affine(), want.into_affine(), "{what}: MSM of {n} points (c = {c})");
    let st = msm.last();
    let e = expect(b, s, c, CardConfig::SIM.msm_log_depth, always_reduce);
    let dev = msm.dev_mut();
    let delta = |dev: &mut SimCard, r: Reg, i: usize| reg(dev, r).wrapping_sub(before[i]) as u64;
    // One command per group, one digit per point and window, one card-memory read per point and
    // group, one issued addition per nonzero digit of a finite point and two per bucket reduced.
    assert_eq!((st.commands, st.reduced, delta(dev, Reg::DoneSeq, 0) as usize), (e.groups, e.reduced, e.groups), "{what}: commands, reduced groups");
    assert_eq!(delta(dev, Reg::MsmElements, 1) as usize, n * e.windows, "{what}: digits consumed");
    assert_eq!(delta(dev, Reg::MsmPointsRead, 3) as usize, n * e.groups, "{what}: points read");
    assert_eq!(delta(dev, Reg::MsmIssued, 2), e.additions, "{what}: additions issued");
    assert_eq!(delta(dev, Reg::MsmReduceCycles, 4), e.reduce_cycles, "{what}: reduction cycles, RTL vs ReducePlan::reduce_cycles()");
    assert_eq!(st.bytes_from_card, e.bytes_back, "{what}: bytes back");
    // At most one digit per cycle, and not wildly more cycles than digits + reduction + beats.
    let work = (n * e.windows) as u64 + e.reduce_cycles + e.bytes_back / 32;
    assert!(
        st.cycles >= (n * e.windows) as u64 + e.reduce_cycles && st.cycles < 2 * work + 2_000 * e.groups as u64,
        "{what}: {n} points: {} cycles for {work} cycles of work",
        st.cycles
    );
    eprintln!(
        "{what}: MSM of {n} points: c = {c}, {} groups ({} reduced on the card, {} reduction cycles), {} card cycles, {} B to the card, {} B back, {:.2} s simulated",
        st.commands, st.reduced, e.reduce_cycles, st.cycles, st.bytes_to_card, st.bytes_from_card, wall.as_secs_f64()
    );
    st.cycles
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
        let c = window_size(n, CardConfig::SIM.msm_log_depth, CardConfig::SIM.max_c());
        cycles.push(checked_msm(&mut msm, &id, &b, &s, c, false, &format!("{test} ({variant:?})")));
    }
    // The bases were loaded once: loading them again is not a command.
    let done = reg(msm.dev_mut(), Reg::DoneSeq);
    msm.load_bases(id, &b).unwrap();
    assert_eq!(reg(msm.dev_mut(), Reg::DoneSeq), done);
    let dev = msm.dev_mut();
    assert!(reg(dev, Reg::MsmBusyLo) > 0 && reg(dev, Reg::MsmStalled) <= reg(dev, Reg::MsmBusyLo));
    cycles
}

/// Narrow scalars (a quantized column: `v` and `r − |v|` for small `|v|`) stream in the signed
/// form with only the windows their width needs, on the one- and the two-unit card: the MSM equals
/// ark-ec (the identity, a point twice and a point with its negation among the bases), the call
/// reports the width and the windows, and it takes fewer card cycles and answer bytes than the
/// same MSM streamed in the canonical form (`msm_with_c`, every window, same `c`). A full-width
/// scalar among them sends the whole MSM to the canonical form.
#[test]
fn narrow_scalars_stream_signed_in_fewer_windows_and_equal_arkworks() {
    use zkaccel::card_schedule::msm_digit_stream::windows_for_bits;
    use zkaccel::card_schedule::msm_requests::windows;
    let test = "narrow_scalars_stream_signed_in_fewer_windows_and_equal_arkworks";
    let mut rng = TestRng::for_test(test);
    let b = bases(&mut rng);
    let id = BasesId::of(&b);
    let one = SimCard::with_msm(CardVariant::Fast, 1 << 12).unwrap();
    let two = SimCard::new(CardVariant::Fast, &CardConfig::SIM_DUAL, 1 << 12, MemModel::HBM).unwrap();
    for (card, units) in [(one, 1usize), (two, 2)] {
        let mut msm = DeviceMsm::new(card, T).unwrap();
        msm.load_bases(id, &b).unwrap();
        for (n, bits) in [(300usize, 9usize), (64, 1), (200, 33)] {
            let what = format!("{test}: {units} unit(s), {n} points of {bits} bits");
            let top = (1u64 << bits) - 1;
            let mut s: Vec<Fr> = (0..n)
                .map(|i| {
                    let v = Fr::from(u64::rand(&mut rng) & top);
                    if i % 3 == 0 {
                        -v
                    } else {
                        v
                    }
                })
                .collect();
            s[0] = -Fr::from(top);
            s[1] = Fr::zero();
            (s[4], s[5], s[6], s[7]) = (Fr::from(top), Fr::from(top), -Fr::from(top), -Fr::from(top));
            let want = G1Projective::msm(&b[..n], &s).unwrap();
            assert_eq!(msm.msm(&id, &s).unwrap(), want, "{what}");
            let narrow = msm.last();
            let c = narrow.c;
            assert_eq!(narrow.scalar_bits, bits, "{what}");
            assert_eq!(narrow.windows, windows_for_bits(bits, c).next_multiple_of(units), "{what}");
            assert_eq!(msm.msm_with_c(&id, &s, c).unwrap(), want, "{what}: canonical form");
            let full = msm.last();
            assert_eq!((full.scalar_bits, full.windows), (0, windows(c).next_multiple_of(units)), "{what}");
            assert!(narrow.cycles < full.cycles && narrow.bytes_from_card <= full.bytes_from_card, "{what}: {narrow:?} against {full:?}");
        }
        // One full-width scalar: the canonical form, every window.
        let mut s: Vec<Fr> = (0..100).map(|i| Fr::from(i as u64)).collect();
        s[70] = Fr::rand(&mut rng);
        assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(&b[..100], &s).unwrap());
        assert_eq!(msm.last().scalar_bits, 0);
        assert_eq!(msm.last().windows, windows(msm.last().c).next_multiple_of(units));
    }
}

#[test]
fn msm_on_the_fast_card_equals_arkworks() {
    check_msms(CardVariant::Fast, &[1, 2, 3, 17, 100, 1024], "msm_on_the_fast_card_equals_arkworks");
}

/// The whole card in RTL (MSMs of at most 2^10 points: the adder simulates slowly), and the
/// fast variant's software adder is cycle-exact: the same MSMs take the same cycles on both.
/// The MSM of 1024 points reduces two of its groups on the card (c = 7: groups of 16, 16 and 5
/// windows, the two of 1024 buckets in chains of 2; the MSM of 100 points, c = 4, is one group of
/// 64 windows whose 512 buckets come back unreduced): the RTL adder's projective running sums and
/// the RTL reduction sequencer together, their cycles equal to the schedule model's. Then the full
/// card under random bubbles and back-pressure with only `(r − 1)·G` (every addition after the
/// first of a bucket is a doubling), only identities, and the edge inputs of
/// `msm_inputs_with_edge_cases` reduced on the card (c = 5: one group of 51 windows, 816 buckets
/// in chains of 2), and for the first two every group reduced, chains of one bucket too. This
/// covers what the stand-alone bucket-unit test (`msm_bucket_unit_d10`, retired) covered, through
/// the card.
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
    let (b, bs) = msm_inputs_with_edge_cases(100, &mut rng);
    for (pts, s) in [(&gs[..], vec![-Fr::one(); 3]), (&zs[..], vec![Fr::from(7u64); 2]), (&b[..], bs)] {
        let id = BasesId::of(pts);
        msm.load_bases(id, pts).unwrap();
        let want = G1Projective::msm(pts, &s).unwrap();
        for c in [5, window_size(pts.len(), CardConfig::SIM.msm_log_depth, CardConfig::SIM.max_c())] {
            assert_eq!(msm.msm_with_c(&id, &s, c).unwrap(), want, "{} points, c = {c}, under traffic", pts.len());
            assert_eq!(msm.last().reduced, (c == 5) as usize, "{} points, c = {c}: groups reduced on the card", pts.len());
        }
        if pts.len() <= 3 {
            // Chains of one bucket reduced too (cheap with 3 points; 100 points would add ~4 s).
            msm.set_always_reduce(true);
            assert_eq!(msm.msm_with_c(&id, &s, 3).unwrap(), want, "{} points, c = 3, every group reduced, under traffic", pts.len());
            assert_eq!(msm.last().reduced, 1);
            msm.set_always_reduce(false);
        }
    }
    assert_eq!(G1Projective::msm(&gs, &[-Fr::one(); 3]).unwrap(), -(G1Projective::from(g) * Fr::from(3u64)));
}

/// The bucket reduction on the fast card with the edge inputs of `msm_inputs_with_edge_cases`:
/// c = 5 (one group of 52 windows, 832 buckets in 416 chains of 2), c = 9 (seven groups of 1024
/// buckets in 512 chains of 2, the last of 512 buckets plain), and every group reduced for c = 3
/// (344 chains of one bucket) and c = 8 (the last group 128 chains: the schedule pads its period
/// to L + 2); each MSM equal to ark-ec, the RTL's reduction cycles equal to the schedule model's,
/// the counters and bytes as expected (`checked_msm`). The card's 2^10 bucket entries allow
/// chains of at most 2 buckets (`regs::msm_seg_log`). Then commands the card refuses — a
/// reduction of a group beyond the bucket memory (no chain plan for it), a window size beyond
/// the card, an unknown `MsmOp` — and a reduced MSM after them (a stray beat of a refused
/// command would misalign it).
#[test]
fn msm_reduced_on_the_fast_card_equals_arkworks_and_the_model() {
    let name = "msm_reduced_on_the_fast_card_equals_arkworks_and_the_model";
    let mut rng = TestRng::for_test(name);
    let (b, s) = msm_inputs_with_edge_cases(300, &mut rng);
    let id = BasesId::of(&b);
    let mut msm = DeviceMsm::new(SimCard::with_msm(CardVariant::Fast, 1 << 12).unwrap(), T).unwrap();
    msm.load_bases(id, &b).unwrap();
    for (n, c, always) in [(300, 5, false), (300, 9, false), (64, 3, true), (17, 8, true)] {
        msm.set_always_reduce(always);
        checked_msm(&mut msm, &id, &b, &s[..n], c, always, &format!("{name}: n = {n}, c = {c}, always = {always}"));
    }
    msm.set_always_reduce(false);
    // All-zero scalars: every chain sum is the identity.
    assert!(msm.msm_with_c(&id, &[Fr::zero(); 40], 6).unwrap().is_zero());

    // Refused: W · 2^(c−1) beyond the 2^10 bucket entries (no chain plan exists), and an op the
    // card does not know. Both complete at once with BAD_PARAMS, nothing comes back.
    let dev = msm.dev_mut();
    let seq0 = reg(dev, Reg::DoneSeq);
    for (k, (op, c, w)) in [(MsmOp::ACCUMULATE_REDUCE, 8, 9), (MsmOp::ACCUMULATE_REDUCE, 12, 1), (3, 4, 1)].into_iter().enumerate() {
        for (r, v) in [(Reg::Command, Kernel::Msm as u32), (Reg::MsmOp, op), (Reg::MsmSlot, 0), (Reg::MsmPoints, 10), (Reg::MsmC, c), (Reg::MsmWindows, w)] {
            dev.write32(r.offset(), v).unwrap();
        }
        let seq = seq0 + 1 + k as u32;
        dev.write32(Reg::Doorbell.offset(), seq).unwrap();
        dev.wait_done(seq, T).unwrap();
        assert_eq!(reg(dev, Reg::Status), Status::BAD_PARAMS, "op {op}, c = {c}, {w} windows");
        assert!(reg(dev, Reg::CmdCycles) <= 2, "refused at once");
    }
    checked_msm(&mut msm, &id, &b, &s[..100], 9, false, &format!("{name}: after the refused commands"));
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

/// The card's answer words are decoded without a curve check each; a word off the curve (one bit
/// of a chain sum's X flipped: still canonical) puts the combined MSM off the curve, which the
/// driver refuses as a protocol error; a non-canonical word (top bit set) is refused by name.
#[test]
fn an_answer_word_off_the_curve_makes_the_msm_a_protocol_error() {
    use zkaccel_driver::fault_injection::{Fault, FaultyDevice};
    let mut rng = TestRng::for_test("an_answer_word_off_the_curve_makes_the_msm_a_protocol_error");
    let b: Vec<G1Affine> = (0..256).map(|_| G1Affine::rand(&mut rng)).collect();
    let s: Vec<Fr> = (0..256).map(|_| Fr::rand(&mut rng)).collect();
    let id = BasesId::of(&b);
    for (bit, want) in [(3u32, "off the curve"), (255, "non-canonical")] {
        // Command 0 loads the bases, command 1 is the MSM's first group; beat 6 is word 2's X.
        let card = FaultyDevice::new(SimCard::with_msm(CardVariant::Fast, 1 << 12).unwrap(), Fault::CorruptWord { word: 6, bit }, [1]);
        let fired = card.fired();
        let mut msm = DeviceMsm::new(card, T).unwrap();
        msm.load_bases(id, &b).unwrap();
        let err = msm.msm(&id, &s).unwrap_err();
        assert!(fired.load(std::sync::atomic::Ordering::Relaxed));
        assert!(matches!(&err, DeviceError::Protocol(m) if m.contains(want)), "bit {bit}: {err}");
        // The next MSM, without the fault, is right.
        assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(&b, &s).unwrap());
    }
}

/// Unloading a set gives its slot and its card-memory range back: a later load takes the first
/// free range that fits (between resident sets too), never one that overlaps a resident set (every
/// set's MSM stays right), and a set too long for any one free range is refused even when the
/// free points add up to it. Through the backend, releasing bases frees them on the card as well.
#[test]
fn unloaded_bases_give_their_slot_and_card_memory_back() {
    let mut rng = TestRng::for_test("unloaded_bases_give_their_slot_and_card_memory_back");
    let set = |rng: &mut TestRng, n: usize| -> Vec<G1Affine> { (0..n).map(|_| G1Affine::rand(rng)).collect() };
    let (x, y, z) = (set(&mut rng, 200), set(&mut rng, 300), set(&mut rng, 200));
    let (w, v) = (set(&mut rng, 400), set(&mut rng, 300));
    let ids = [&x, &y, &z, &w, &v].map(|b| BasesId::of(b));
    let [ix, iy, iz, iw, iv] = ids;
    let mut msm = DeviceMsm::new(SimCard::with_msm(CardVariant::Fast, 1000).unwrap(), T).unwrap();
    for (id, b) in [(ix, &x), (iy, &y), (iz, &z)] {
        msm.load_bases(id, b).unwrap();
    }
    assert_eq!([ix, iy, iz].map(|id| msm.resident(&id).unwrap().base), [0, 200, 500]);
    assert_eq!((msm.card_memory(), msm.largest_free_range()), ((1000, 300), 300));
    assert!(!msm.unload_bases(&iw), "not resident");
    assert!(msm.unload_bases(&iy) && !msm.has_bases(&iy));
    assert_eq!((msm.card_memory(), msm.largest_free_range()), ((1000, 600), 300));
    // 600 points are free, but in two ranges of 300: 400 bases do not fit.
    let err = msm.load_bases(iw, &w).unwrap_err();
    assert!(matches!(&err, DeviceError::Unsupported(m) if m.contains("card memory full") && m.contains("300 in one range")), "{err}");
    // 300 do: in the gap the unloaded set left (first fit), in its slot.
    msm.load_bases(iv, &v).unwrap();
    assert_eq!(msm.resident(&iv).map(|r| (r.base, r.slot, r.points)), Some((200, 1, 300)));
    for (id, b) in [(ix, &x), (iv, &v), (iz, &z)] {
        let s: Vec<Fr> = (0..b.len()).map(|_| Fr::rand(&mut rng)).collect();
        assert_eq!(msm.msm(&id, &s).unwrap(), G1Projective::msm(b, &s).unwrap());
    }
    // Slots: every one taken, one unloaded, the next load takes that one.
    let smalls: Vec<Vec<G1Affine>> = (0..zkaccel_hdl::card::config::SLOTS - 3).map(|_| set(&mut rng, 1)).collect();
    for b in &smalls {
        msm.load_bases(BasesId::of(b), b).unwrap();
    }
    let one = set(&mut rng, 1);
    let err = msm.load_bases(BasesId::of(&one), &one).unwrap_err();
    assert!(matches!(&err, DeviceError::Unsupported(m) if m.contains("no free bases slot")), "{err}");
    assert!(msm.unload_bases(&ix));
    msm.load_bases(BasesId::of(&one), &one).unwrap();
    assert_eq!(msm.resident(&BasesId::of(&one)).map(|r| (r.slot, r.base)), Some((0, 0)));
    let s = [Fr::rand(&mut rng)];
    assert_eq!(msm.msm(&BasesId::of(&one), &s).unwrap(), (one[0] * s[0]));

    // Through the backend: a set the full card refused goes to the card once the resident set is
    // released (the refusal is forgotten with it).
    use zkaccel::backend::{Backend, BackendExt};
    use zkaccel_driver::accel::AccelBackend;
    let card = SimCard::with_msm(CardVariant::Fast, 1000).unwrap();
    let be = AccelBackend::new(vec![Box::new(card) as Box<dyn Device + Send>], T).unwrap();
    let a = set(&mut rng, 700);
    let ha = be.load_bases_checked(&a).unwrap();
    let hw = be.load_bases_checked(&w).unwrap();
    let sw: Vec<Fr> = (0..w.len()).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(be.msm_host(&hw, &[&sw]).unwrap(), vec![G1Projective::msm(&w, &sw).unwrap()]);
    assert_eq!(be.profile().msm.card_calls, 0, "400 bases beside 700 do not fit a card of 1000 points");
    be.release_bases(&hw);
    be.release_bases(&ha);
    let hw = be.load_bases_checked(&w).unwrap();
    assert_eq!(be.msm_host(&hw, &[&sw]).unwrap(), vec![G1Projective::msm(&w, &sw).unwrap()]);
    let p = be.profile();
    assert_eq!((p.msm.card_calls, p.fallback_count()), (1, 0), "after the release the card takes the set: {p:?}");
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

/// Runs an MSM over a base set resident precomputed for window size `c` (`k` windows per table
/// entry, from the set's layout) and checks it against ark-ec and the card's counters: one command
/// over `n·E` table entries (`MsmWindows = k`), `k` digits and one card-memory read per entry, one
/// issued addition per nonzero signed digit (`msm_requests::signed_digits`, the reference slicing)
/// of a finite base plus the reduction's two per bucket of every unit when the windows are
/// reduced, the RTL's reduction cycles (summed over the units) equal to the schedule model's of a
/// unit's `k/units` windows, the bytes each way. Returns the card cycles and the table entries
/// (card-memory reads) per cycle of the accumulation (cycles less the reduction, the units side by
/// side, and the read-out of three beats per point).
fn checked_precomputed(msm: &mut DeviceMsm<SimCard>, id: &BasesId, b: &[G1Affine], s: &[Fr], c: usize, always_reduce: bool, what: &str) -> (u64, f64) {
    let Some(BasesLayout::Precomputed { entry_windows: k, .. }) = msm.resident(id).map(|r| r.layout) else { panic!("{what}: not precomputed") };
    let (n, w, e, units) = (s.len(), precomputed_windows(c), entries_per_base(c, k), msm.units());
    let dev = msm.dev_mut();
    let before: Vec<u32> = [Reg::DoneSeq, Reg::MsmElements, Reg::MsmIssued, Reg::MsmPointsRead, Reg::MsmReduceCycles].map(|r| reg(dev, r)).to_vec();
    let got = msm.msm_with_c(id, s, c).unwrap();
    assert_eq!(got.into_affine(), G1Projective::msm(&b[..n], s).unwrap().into_affine(), "{what}: MSM of {n} points (c = {c}, k = {k})");
    let st = msm.last();
    assert_eq!(st.layout, BasesLayout::Precomputed { c, windows: w, entry_windows: k }, "{what}: layout");
    let plan = ReducePlan::new(k / units, c, LATENCY);
    assert_eq!(plan.seg_log, msm_seg_log((k / units) as u32, c as u32) as usize);
    let reduced = plan.seg_log > 0 || always_reduce;
    let digits: u64 =
        b[..n].iter().zip(s).filter(|(p, _)| !p.is_zero()).map(|(_, x)| signed_digits(x, c)[..w].iter().filter(|&&d| d != 0).count() as u64).sum();
    let u = units as u64;
    let (additions, reduce_cycles, points_back) =
        if reduced { (digits + u * plan.additions(), u * plan.reduce_cycles(), u * 2 * plan.chains as u64) } else { (digits, 0, (k as u64) << (c - 1)) };
    let dev = msm.dev_mut();
    let delta = |dev: &mut SimCard, r: Reg, i: usize| reg(dev, r).wrapping_sub(before[i]) as u64;
    assert_eq!((st.commands, st.reduced, delta(dev, Reg::DoneSeq, 0)), (1, reduced as usize, 1), "{what}: one command");
    assert_eq!(delta(dev, Reg::MsmElements, 1) as usize, n * e * k, "{what}: digits consumed");
    assert_eq!(delta(dev, Reg::MsmPointsRead, 3) as usize, n * e, "{what}: points read (one per table entry)");
    assert_eq!(delta(dev, Reg::MsmIssued, 2), additions, "{what}: additions issued");
    assert_eq!(delta(dev, Reg::MsmReduceCycles, 4), reduce_cycles, "{what}: reduction cycles, RTL vs ReducePlan::reduce_cycles()");
    assert_eq!((st.bytes_to_card, st.bytes_from_card), (2 * (n * e * k).next_multiple_of(16) as u64, 96 * points_back), "{what}: bytes");
    let per_entry = (k / units) as u64;
    assert!(st.cycles >= (n * e) as u64 * per_entry + reduce_cycles / u, "{what}: at most one digit per cycle and unit");
    let accumulate = st.cycles - reduce_cycles / u - 3 * points_back;
    let rate = (n * e) as f64 / accumulate as f64;
    eprintln!(
        "{what}: precomputed MSM of {n} points, c = {c}, {k} windows per entry: {} entries, {} card cycles ({} reduction unit-cycles, {} read-out beats), {rate:.3} entries/cycle in the accumulation",
        n * e,
        st.cycles,
        reduce_cycles,
        3 * points_back
    );
    (st.cycles, rate)
}

/// Bases resident precomputed on the fast card: the edge inputs of `msm_inputs_with_edge_cases`
/// (identity, P + P, P + (−P), zero and r − 1 scalars) with the window size chosen at load time
/// (c = 10: 26 windows of 512 buckets, chains of one bucket, a plain accumulation) and with c = 11
/// (24 windows, 1024 buckets reduced on the card in 512 chains of 2), a prefix MSM, all-zero
/// scalars, a wrong window size refused; the front-end's point reads with one window (digits per
/// cycle printed); then a card whose memory does not hold any table: the set falls back to the
/// plain layout, and a table asked for explicitly is refused.
#[test]
fn msm_precomputed_on_the_fast_card_equals_arkworks_and_the_model() {
    let name = "msm_precomputed_on_the_fast_card_equals_arkworks_and_the_model";
    let mut rng = TestRng::for_test(name);
    let (b, s) = msm_inputs_with_edge_cases(300, &mut rng);
    let (id, id11) = (BasesId::of(&b), BasesId::of(&b[..299]));
    let mut msm = DeviceMsm::new(SimCard::with_msm(CardVariant::Fast, 1 << 14).unwrap(), T).unwrap();
    let (depth, max_c) = (CardConfig::SIM.msm_log_depth, CardConfig::SIM.max_c());
    assert_eq!(precomputed_shape(300, depth, max_c, 1 << 14, 1), Some((10, 1)));
    assert_eq!(msm.load_bases_precomputed(id, &b).unwrap(), BasesLayout::Precomputed { c: 10, windows: 26, entry_windows: 1 });
    assert_eq!(msm.last().layout, BasesLayout::Precomputed { c: 10, windows: 26, entry_windows: 1 });
    assert_eq!(msm.last().bytes_to_card, 64 * 300 * 26);
    assert_eq!(msm.load_bases_precomputed_with_c(id11, &b[..299], 11).unwrap(), BasesLayout::Precomputed { c: 11, windows: 24, entry_windows: 1 });
    assert_eq!(msm.card_memory(), (1 << 14, (1 << 14) - 300 * 26 - 299 * 24));
    // The table landed in card memory point-major: entry 5·26 + 3 is 2^30·b[5].
    let want = (b[5] * Fr::from(1u64 << 30)).into_affine();
    let word = msm.dev_mut().runner().mem_word(5 * 26 + 3);
    assert_eq!(&word[..32], &zkaccel_interface::wire::to_wire(&want.x)[..]);
    let mut rates = Vec::new();
    for (set, n, c, always) in [(&id, 300, 10, false), (&id, 100, 10, false), (&id11, 299, 11, false), (&id, 17, 10, true)] {
        msm.set_always_reduce(always);
        let (_, rate) = checked_precomputed(&mut msm, set, &b, &s[..n], c, always, &format!("{name}: n = {n}, c = {c}, always = {always}"));
        rates.push(rate);
    }
    msm.set_always_reduce(false);
    // `msm` picks the table's c; all-zero scalars give the identity.
    assert_eq!(msm.msm(&id, &s[..50]).unwrap(), G1Projective::msm(&b[..50], &s[..50]).unwrap());
    assert_eq!(msm.last().c, 10);
    assert!(msm.msm(&id11, &[Fr::zero(); 40]).unwrap().is_zero());
    assert!(msm.msm(&id, &[]).unwrap().is_zero());
    let err = msm.msm_with_c(&id, &s[..10], 9).unwrap_err();
    assert!(matches!(&err, DeviceError::Unsupported(m) if m.contains("precomputed for c = 10")), "{err}");
    assert!(matches!(msm.msm(&id, &vec![Fr::one(); 301]), Err(DeviceError::Unsupported(_))), "longer than the set");
    // Loading again does nothing and reports the layout.
    let done = reg(msm.dev_mut(), Reg::DoneSeq);
    assert_eq!(msm.load_bases_precomputed(id11, &b[..299]).unwrap(), BasesLayout::Precomputed { c: 11, windows: 24, entry_windows: 1 });
    assert_eq!(reg(msm.dev_mut(), Reg::DoneSeq), done);
    eprintln!("{name}: digits per cycle of the random streams above (bucket conflicts within the adder's latency included): {rates:?}");
    // The front-end's point reads with one window: scalars whose digits walk through the 1024
    // buckets in order (no bucket twice within the adder's latency, so no conflict can stall the
    // stream): 199 more points (4 776 more digits) cost 5 084 more cycles, 0.939 digits — card-memory
    // point reads — per cycle: the front-end issues a read only while its point FIFO has room for
    // every answer in flight (`POINT_FIFO_DEPTH − 2` = 62 points), and the simulated HBM answers
    // after 64 cycles, so 62 reads per 66-cycle round trip. (With several windows per point a
    // read serves W digits and the credits never bind.)
    let w = precomputed_windows(11);
    let walk = bucket_walk(299, 11);
    let (short, _) = checked_precomputed(&mut msm, &id11, &b, &walk[..100], 11, false, &format!("{name}: conflict-free digits"));
    let (long, rate) = checked_precomputed(&mut msm, &id11, &b, &walk, 11, false, &format!("{name}: conflict-free digits"));
    let plan = ReducePlan::new(1, 11, LATENCY);
    let fixed = long - (299 * w) as u64 - plan.reduce_cycles() - 6 * plan.chains as u64;
    eprintln!("{name}: conflict-free stream: {} more digits in {} more cycles; {rate:.4} digits per cycle over the whole accumulation ({fixed} cycles of fill and drain)", 199 * w, long - short);
    let more = (199 * w) as u64;
    assert!(
        long - short >= more && (long - short) * 62 <= more * 66 + 62,
        "{} cycles for {more} more digits: more than the FIFO credits explain",
        long - short
    );

    // 2 000 points of card memory hold no table of 300 bases (W ≥ 24): the plain layout.
    let mut small = DeviceMsm::new(SimCard::with_msm(CardVariant::Fast, 2000).unwrap(), T).unwrap();
    assert_eq!(precomputed_shape(300, depth, max_c, 2000, 1), None);
    let err = small.load_bases_precomputed_with_c(id, &b, 11).unwrap_err();
    assert!(matches!(&err, DeviceError::Unsupported(m) if m.contains("card memory full")), "{err}");
    assert!(!small.has_bases(&id));
    assert_eq!(small.load_bases_precomputed(id, &b).unwrap(), BasesLayout::Plain);
    assert_eq!(small.card_memory(), (2000, 1700));
    assert_eq!(small.msm(&id, &s).unwrap(), G1Projective::msm(&b, &s).unwrap());
    assert_eq!(small.last().layout, BasesLayout::Plain);
}

/// A small precomputed MSM on the full-RTL card (the RTL adder and reduction over a table of
/// window shifts), equal to ark-ec and to the fast card cycle for cycle.
#[test]
fn msm_precomputed_on_the_full_rtl_card_equals_arkworks_and_the_fast_card() {
    let name = "msm_precomputed_on_the_full_rtl_card_equals_arkworks_and_the_fast_card";
    let mut rng = TestRng::for_test(name);
    let (b, s) = msm_inputs_with_edge_cases(17, &mut rng);
    let id = BasesId::of(&b);
    let mut cycles = Vec::new();
    for variant in [CardVariant::FullRtl, CardVariant::Fast] {
        let mut msm = DeviceMsm::new(SimCard::with_msm(variant, 1 << 10).unwrap(), T).unwrap();
        msm.load_bases_precomputed_with_c(id, &b, 11).unwrap();
        cycles.push(checked_precomputed(&mut msm, &id, &b, &s, 11, false, &format!("{name} ({variant:?})")).0);
    }
    assert_eq!(cycles[0], cycles[1], "card cycles: full RTL vs fast variant");
}

/// The two-unit card (`CardConfig::SIM_DUAL`: two bucket schedulers of `2^10` entries, two
/// software adders; `hdl/src/card/dual.rs`): MSMs against ark-ec with edge-case and seeded random
/// scalars, and its counters exact — digits (both of each pair, the zero window that makes the
/// window count even included), points read (one per point and group, feeding both units),
/// additions issued by both units (nonzero digits of finite points plus two per bucket of every
/// unit's reduction), the reduction cycles summed over the units against the schedule model of a
/// unit's `W/2` windows, bytes back (both units' words). Shapes: `c = 8` (groups of 16, 16, 2
/// windows: 8 per unit reduced in chains of 2, then one per unit, plain), `c = 11` (one window of
/// `2^10` buckets per unit: a group of two windows the one-unit card refuses), `c = 5` (one group of
/// 52 windows, plain, and the same reduced in chains of one). Then the card's own refusals (an odd
/// window count, a group beyond the doubled bucket memory), and `MsmUnits` on both cards.
#[test]
fn msm_on_the_two_unit_fast_card_equals_arkworks_with_exact_counters() {
    use zkaccel::card_schedule::msm_digit_stream::group_shapes;
    let test = "msm_on_the_two_unit_fast_card_equals_arkworks_with_exact_counters";
    let mut rng = TestRng::for_test(test);
    let b = bases(&mut rng);
    let id = BasesId::of(&b);
    let cfg = CardConfig::SIM_DUAL;
    let card = SimCard::new(CardVariant::Fast, &cfg, 1 << 12, MemModel::HBM).unwrap();
    let mut msm = DeviceMsm::new(card, T).unwrap();
    assert_eq!((msm.units(), reg(msm.dev_mut(), Reg::MsmUnits)), (2, 2));
    msm.load_bases(id, &b).unwrap();
    // The one-unit card leaves MsmUnits unmapped (0: one unit).
    let mut one = DeviceMsm::new(SimCard::with_msm(CardVariant::Fast, 1 << 12).unwrap(), T).unwrap();
    assert_eq!((one.units(), reg(one.dev_mut(), Reg::MsmUnits)), (1, 0));
    one.load_bases(id, &b).unwrap();
    let ld = cfg.msm_log_depth;
    for (n, c, always_reduce) in [(300usize, 8usize, false), (37, 11, false), (1, 5, false), (64, 5, true)] {
        let what = format!("{test}: {n} points, c = {c}{}", if always_reduce { ", always reduced" } else { "" });
        let mut s = scalars(&mut rng, n);
        fix_pairs(&mut s);
        msm.set_always_reduce(always_reduce);
        let dev = msm.dev_mut();
        let before: Vec<u32> = [Reg::MsmElements, Reg::MsmIssued, Reg::MsmPointsRead, Reg::MsmReduceCycles].map(|r| reg(dev, r)).to_vec();
        let got = msm.msm_with_c(&id, &s, c).unwrap();
        assert_eq!(got.into_affine(), G1Projective::msm(&b[..n], &s).unwrap().into_affine(), "{what}");
        // What the card must have done: nonzero digits do not depend on the grouping.
        let mut additions: u64 = plan_reduced(&s, c, ld, MSM_CHAIN_LOG_DEPTH as usize)
            .iter()
            .map(|g| g.digits.iter().enumerate().filter(|&(k, &d)| d != 0 && !b[k / g.windows].is_zero()).count() as u64)
            .sum();
        let shapes = group_shapes(c, ld, MSM_CHAIN_LOG_DEPTH as usize, 2);
        let (mut windows, mut reduced, mut reduce_cycles, mut bytes_back) = (0usize, 0usize, 0u64, 0u64);
        for &(_, w, seg_log) in &shapes {
            assert_eq!(w % 2, 0, "{what}: even groups");
            windows += w;
            let plan = ReducePlan::new(w / 2, c, LATENCY);
            assert_eq!(plan.seg_log, seg_log, "{what}: the host and the model cut each unit's chains alike");
            if seg_log > 0 || always_reduce {
                reduced += 1;
                additions += 2 * plan.additions();
                reduce_cycles += 2 * plan.reduce_cycles();
                bytes_back += 2 * 96 * 2 * plan.chains as u64;
            } else {
                bytes_back += 2 * 96 * ((w / 2) << (c - 1)) as u64;
            }
        }
        assert_eq!(windows, zkaccel::card_schedule::msm_requests::windows(c).next_multiple_of(2), "{what}");
        let st = msm.last();
        let dev = msm.dev_mut();
        let delta = |dev: &mut SimCard, r: Reg, i: usize| reg(dev, r).wrapping_sub(before[i]) as u64;
        assert_eq!((st.commands, st.reduced), (shapes.len(), reduced), "{what}: commands, reduced groups");
        assert_eq!(delta(dev, Reg::MsmElements, 0) as usize, n * windows, "{what}: digits consumed");
        assert_eq!(delta(dev, Reg::MsmIssued, 1), additions, "{what}: additions issued by both units");
        assert_eq!(delta(dev, Reg::MsmPointsRead, 2) as usize, n * shapes.len(), "{what}: points read");
        assert_eq!(delta(dev, Reg::MsmReduceCycles, 3), reduce_cycles, "{what}: reduction cycles of both units vs the model");
        assert_eq!(st.bytes_from_card, bytes_back, "{what}: bytes back");
        // Two digits per cycle at most; the reductions run side by side.
        let work = (n * windows / 2) as u64 + reduce_cycles / 2 + bytes_back / 32;
        assert!(
            st.cycles >= (n * windows / 2) as u64 + reduce_cycles / 2 && st.cycles < 2 * work + 2_000 * shapes.len() as u64,
            "{what}: {} cycles for {work} cycles of work",
            st.cycles
        );
        eprintln!("{what}: {} groups ({reduced} reduced), {} card cycles", shapes.len(), st.cycles);
        if (n, c) == (300, 8) {
            // The same MSM on the one-unit card (the same build but one scheduler) takes longer.
            let one_cycles = checked_msm(&mut one, &id, &b, &s, c, false, &format!("{what} (one unit)"));
            assert!(st.cycles < one_cycles, "{what}: {} cycles on two units, {one_cycles} on one", st.cycles);
            eprintln!("{what}: {} cycles on two units, {one_cycles} on one", st.cycles);
        }
    }
    msm.set_always_reduce(false);

    // The card's own checks (raw registers): an odd window count, a group of 4 windows of 2^10
    // buckets (2 per unit: beyond 2^10), and c beyond the card.
    let dev = msm.dev_mut();
    let seq0 = reg(dev, Reg::DoneSeq);
    for (k, (c, w, why)) in
        [(8u32, 3u32, "an odd window count"), (11, 4, "2 · 2^10 buckets per unit"), (8, 18, "9 · 2^7 buckets per unit"), (12, 2, "c beyond the card")]
            .into_iter()
            .enumerate()
    {
        let seq = seq0 + 1 + k as u32;
        dev.write32(Reg::Command.offset(), Kernel::Msm as u32).unwrap();
        for (r, v) in [(Reg::MsmOp, MsmOp::ACCUMULATE_REDUCE), (Reg::MsmSlot, 0), (Reg::MsmPoints, 10), (Reg::MsmC, c), (Reg::MsmWindows, w)] {
            dev.write32(r.offset(), v).unwrap();
        }
        dev.write32(Reg::Doorbell.offset(), seq).unwrap();
        dev.wait_done(seq, T).unwrap();
        assert_eq!(reg(dev, Reg::Status), Status::BAD_PARAMS, "{why}");
    }
    // Flow control of the lockstep pairs and of the two read-outs one after the other: random
    // bubbles on the digit stream, back-pressure on the answer and on card memory; the same MSM
    // as on smooth streams, in more cycles.
    let mut s = scalars(&mut rng, 100);
    fix_pairs(&mut s);
    let want = G1Projective::msm(&b[..100], &s).unwrap();
    assert_eq!(msm.msm_with_c(&id, &s, 8).unwrap(), want);
    let even = msm.last_cycles();
    msm.dev_mut().set_traffic(Traffic { bubble: 0.3, stall: 0.3 }, rng.seed());
    assert_eq!(msm.msm_with_c(&id, &s, 8).unwrap(), want, "under traffic");
    let rough = msm.last_cycles();
    assert!(rough > even, "{rough} cycles under traffic, {even} with smooth streams");
}

/// Scalars of `n` points whose first `W − 1` digits at window size `c` walk through the `2^{c−1}`
/// buckets in stream order (digit `j` of point `i` is `(i·(W − 1) + j) mod 2^{c−1} + 1`, the top
/// digit 0): consecutive digits of the stream hit different buckets, so no bucket is hit twice
/// within the adder's latency and no conflict can stall the stream.
fn bucket_walk(n: usize, c: usize) -> Vec<Fr> {
    let (w, half) = (precomputed_windows(c), 1usize << (c - 1));
    let walk: Vec<Fr> =
        (0..n).map(|i| (0..w - 1).rev().fold(Fr::zero(), |acc, j| acc * Fr::from(1u64 << c) + Fr::from(((i * (w - 1) + j) % half + 1) as u64))).collect();
    assert!(signed_digits(&walk[n / 2], c)[..w - 1].iter().enumerate().all(|(j, &d)| d == ((n / 2 * (w - 1) + j) % half + 1) as i64));
    walk
}

/// Bases resident precomputed on the two-unit card (`CardConfig::SIM_DUAL`): tables of `k = 2`
/// windows per entry (one digit of each entry to each unit, one card-memory read per digit pair)
/// and `k = 4` (two windows per unit, one read every two pairs), against ark-ec with the edge inputs
/// (identity, P + P, P + (−P), zero and r − 1 scalars) and exact counters (`checked_precomputed`):
/// reduced on the card in chains of two, and plain buckets (chains of one) plain and reduced; the
/// shape chosen at load time; shapes the card cannot take refused. Then the front-end's reads: a
/// conflict-free stream at `k = 2` takes one table entry — a digit pair — per cycle, the
/// 128-entry point FIFO covering the simulated HBM's 64-cycle latency (the one-unit card's 64
/// entries give 62 per 66 cycles, `msm_precomputed_on_the_fast_card_equals_arkworks_and_the_model`).
#[test]
fn msm_precomputed_on_the_two_unit_fast_card_equals_arkworks_with_exact_counters() {
    let name = "msm_precomputed_on_the_two_unit_fast_card_equals_arkworks_with_exact_counters";
    let mut rng = TestRng::for_test(name);
    let (b, s) = msm_inputs_with_edge_cases(300, &mut rng);
    let cfg = CardConfig::SIM_DUAL;
    let (depth, max_c) = (cfg.msm_log_depth, cfg.max_c());
    assert_eq!((cfg.msm_point_fifo, max_c), (128, 11));
    let mut msm = DeviceMsm::new(SimCard::new(CardVariant::Fast, &cfg, 1 << 14, MemModel::HBM).unwrap(), T).unwrap();
    let ids: Vec<BasesId> = (0..4).map(|k| BasesId::of(&b[..300 - k])).collect();
    // The shape of least cost at load time.
    let (c, k) = precomputed_shape(300, depth, max_c, 1 << 14, 2).unwrap();
    eprintln!("{name}: 300 bases on the two-unit card load as c = {c}, {k} windows per entry");
    assert!(k == 2 || k == 4, "one or two windows per unit");
    assert_eq!(msm.load_bases_precomputed(ids[0], &b).unwrap(), BasesLayout::Precomputed { c, windows: precomputed_windows(c), entry_windows: k });
    // Explicit shapes: (c, k) = (8, 2): one window of 2^7 buckets per unit (plain accumulation,
    // chains of one); (10, 4): two windows of 2^9 per unit, 26 windows in 7 entries (two zero slots);
    // (11, 2): one window of 2^10 per unit, chains of two.
    for (id, n, c, k) in [(ids[1], 299, 8usize, 2usize), (ids[2], 298, 10, 4), (ids[3], 297, 11, 2)] {
        let layout = msm.load_bases_precomputed_with(id, &b[..n], c, k).unwrap();
        assert_eq!(layout, BasesLayout::Precomputed { c, windows: precomputed_windows(c), entry_windows: k });
        assert_eq!(msm.last().bytes_to_card, 64 * (n * entries_per_base(c, k)) as u64);
    }
    // The table landed point-major with k·c-bit shifts: entry 5·7 + 2 of the (10, 4) set is 2^80·b[5].
    let base = msm.resident(&ids[2]).unwrap().base;
    let want = (b[5] * Fr::from(2u64).pow([80u64])).into_affine();
    assert_eq!(&msm.dev_mut().runner().mem_word(base + 5 * 7 + 2)[..32], &zkaccel_interface::wire::to_wire(&want.x)[..]);
    let mut rates = Vec::new();
    for (id, n, c, always) in
        [(ids[0], 300, c, false), (ids[1], 299, 8, false), (ids[1], 40, 8, true), (ids[2], 298, 10, false), (ids[3], 297, 11, false), (ids[3], 1, 11, false)]
    {
        msm.set_always_reduce(always);
        let (_, rate) = checked_precomputed(&mut msm, &id, &b, &s[..n], c, always, &format!("{name}: n = {n}, c = {c}, always = {always}"));
        rates.push(rate);
    }
    msm.set_always_reduce(false);
    eprintln!("{name}: table entries per cycle of the random streams above (bucket conflicts included): {rates:?}");
    assert!(msm.msm(&ids[2], &[Fr::zero(); 30]).unwrap().is_zero());
    // Shapes the card cannot take: two windows of 2^10 buckets per unit, three windows per entry.
    for (c, k, why) in [(11usize, 4usize, "2 · 2^10 buckets per unit"), (8, 3, "an odd window count")] {
        let err = msm.load_bases_precomputed_with(BasesId::of(&b[..10]), &b[..10], c, k).unwrap_err();
        assert!(matches!(&err, DeviceError::Unsupported(m) if m.contains("windows per table entry")), "{why}: {err}");
    }
    // One entry per cycle on a conflict-free stream (c = 11, k = 2: 12 entries per base).
    let walk = bucket_walk(297, 11);
    let (short, _) = checked_precomputed(&mut msm, &ids[3], &b, &walk[..100], 11, false, &format!("{name}: conflict-free digits"));
    let (long, rate) = checked_precomputed(&mut msm, &ids[3], &b, &walk, 11, false, &format!("{name}: conflict-free digits"));
    let more = (197 * entries_per_base(11, 2)) as u64;
    eprintln!("{name}: conflict-free stream: {more} more entries in {} more cycles; {rate:.4} entries per cycle over the whole accumulation", long - short);
    assert!(long - short >= more && long - short <= more + more / 100, "{} cycles for {more} more entries: not one per cycle", long - short);
}

/// The whole two-unit card in RTL (`CardFullDual`: two `G1AddMixedXcup`, the RTL adders'
/// projective running sums in both units' reductions) against ark-ec and against the fast two-unit
/// card **cycle for cycle** (the software adders are cycle-exact), on plain bases and on a
/// precomputed table of two windows per entry. Not in CI: two RTL adders take minutes to build and
/// simulate slowly; run by hand with `--ignored`.
#[test]
#[ignore = "two RTL G1 adders: minutes of Verilator build; run by hand"]
fn msm_on_the_full_rtl_two_unit_card_equals_arkworks_and_the_fast_card_cycle_for_cycle() {
    let test = "msm_on_the_full_rtl_two_unit_card_equals_arkworks_and_the_fast_card_cycle_for_cycle";
    let mut rng = TestRng::for_test(test);
    let mut b = bases(&mut rng);
    b.truncate(128);
    let id = BasesId::of(&b);
    // c = 5 reduced in chains of one (both units), c = 8: two groups reduced in chains of two and
    // one plain group.
    let cases: Vec<(Vec<Fr>, usize, bool)> = [(37usize, 5usize, true), (100, 8, false)]
        .into_iter()
        .map(|(n, c, always)| {
            let mut s = scalars(&mut rng, n);
            fix_pairs(&mut s);
            (s, c, always)
        })
        .collect();
    // And a precomputed table of two windows per entry (c = 11: one window of 2^10 buckets per
    // unit, reduced on the card in chains of two), with the edge inputs.
    let (pb, ps) = msm_inputs_with_edge_cases(24, &mut rng);
    let pid = BasesId::of(&pb);
    let mut cycles = Vec::new();
    for variant in [CardVariant::Fast, CardVariant::FullRtl] {
        let card = SimCard::new(variant, &CardConfig::SIM_DUAL, 1 << 10, MemModel::HBM).unwrap();
        let mut msm = DeviceMsm::new(card, T).unwrap();
        msm.load_bases(id, &b).unwrap();
        for (s, c, always) in &cases {
            msm.set_always_reduce(*always);
            let t0 = std::time::Instant::now();
            let got = msm.msm_with_c(&id, s, *c).unwrap();
            assert_eq!(got.into_affine(), G1Projective::msm(&b[..s.len()], s).unwrap().into_affine(), "{variant:?}: {} points, c = {c}", s.len());
            eprintln!("{test}: {variant:?}: {} points, c = {c}: {} cycles, {:.1} s", s.len(), msm.last_cycles(), t0.elapsed().as_secs_f64());
            cycles.push((variant, msm.last_cycles()));
        }
        msm.set_always_reduce(false);
        msm.load_bases_precomputed_with(pid, &pb, 11, 2).unwrap();
        let t0 = std::time::Instant::now();
        let got = msm.msm_with_c(&pid, &ps, 11).unwrap();
        assert_eq!(got.into_affine(), G1Projective::msm(&pb, &ps).unwrap().into_affine(), "{variant:?}: precomputed, 24 points, c = 11, k = 2");
        eprintln!("{test}: {variant:?}: precomputed, 24 points, c = 11, k = 2: {} cycles, {:.1} s", msm.last_cycles(), t0.elapsed().as_secs_f64());
        cycles.push((variant, msm.last_cycles()));
    }
    let (fast, full) = cycles.split_at(cases.len() + 1);
    assert_eq!(fast.iter().map(|x| x.1).collect::<Vec<_>>(), full.iter().map(|x| x.1).collect::<Vec<_>>(), "fast and full-RTL two-unit cards, cycle for cycle");
}
