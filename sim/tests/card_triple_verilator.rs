//! The three-unit card (`zkaccel_hdl::card::triple`, fast variant: every block in RTL — register
//! file, control, the three-unit front-end with its point FIFO and card-memory port, three XYZZ
//! bucket schedulers — with the XYZZ adder's bit-exact model on each adder port) driven through
//! its registers and streams as a driver would: bases loaded as a precomputed table of three (or
//! six) windows per entry (`msm_precomputed`, padded digit slots), the offsets loaded with
//! `LOAD_OFFSETS`, one `ACCUMULATE_REDUCE` per MSM, the answer decoded and combined by the host
//! (`msm_xyzz`: the offsets' share taken out) and compared with arkworks. Also: the raw buckets of
//! `ACCUMULATE` against the points they must hold, the counters against the model's, new running
//! offsets without a clear, random bubbles and back-pressure, a forced exceptional case (the
//! status flag, the count, and the clear by fresh offsets), and the card's refusals (windows not a
//! multiple of three, no offsets yet, non-canonical or short offsets).

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, Field, PrimeField, UniformRand};
use std::sync::Arc;
use zkaccel::card_schedule::msm_precomputed::{digit_stream, entries_per_base, window_table};
use zkaccel::card_schedule::msm_xyzz::{combine, decode_unit_answers, window_correction, word_to_point, Offsets, WORD_BYTES};
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::g1_add_xyzz::config::LATENCY;
use zkaccel_hdl::msm_bucket::model::msm_inputs_with_edge_cases;
use zkaccel_hdl::msm_bucket_xyzz::model::{reduce_cycles, Shape};
use zkaccel_interface::regs::{msm_reduce_points, msm_seg_log, Kernel, MsmOp, Reg, Status};
use zkaccel_interface::wire::{base_to_wire, to_wire};
use zkaccel_sim::card_runner::{build_card, CardRunner, CardVariant, MemModel, Traffic};
use zkaccel_sim::Library;
use zkaccel_testkit::seed::TestRng;

const CFG: CardConfig = CardConfig::SIM_TRIPLE;

fn library() -> Arc<Library> {
    build_card(CardVariant::Fast, &CFG).expect("verilator build of the three-unit card")
}

/// The card with its command sequence number.
struct Card {
    r: CardRunner,
    seq: u32,
}

impl Card {
    fn new(lib: &Arc<Library>, mem_points: u32) -> Self {
        let mut r = CardRunner::new(lib, mem_points, MemModel::HBM).unwrap();
        let seq = r.read_reg(Reg::DoneSeq.offset());
        Card { r, seq }
    }

    /// `Command = MSM`, `regs`, the doorbell.
    fn command(&mut self, regs: &[(Reg, u32)]) {
        self.r.write_reg(Reg::Command.offset(), Kernel::Msm as u32);
        for &(reg, v) in regs {
            self.r.write_reg(reg.offset(), v);
        }
        self.seq = self.seq.wrapping_add(1);
        self.r.write_reg(Reg::Doorbell.offset(), self.seq);
    }

    fn stream(&mut self, beats: &[[u8; 32]]) {
        self.stream_framed(beats, true);
    }

    /// Streams `beats`, `last` on the final one only when `last`.
    fn stream_framed(&mut self, beats: &[[u8; 32]], last: bool) {
        for (i, beat) in beats.iter().enumerate() {
            let mut guard = 0u32;
            while !self.r.cycle(Some((beat, last && i + 1 == beats.len()))) {
                guard += 1;
                assert!(guard < 1_000_000, "beat {i} of {} never accepted", beats.len());
            }
        }
    }

    /// Waits for the command; returns `Status`.
    fn wait(&mut self) -> u32 {
        let mut guard = 0u64;
        while self.r.read_reg(Reg::DoneSeq.offset()) != self.seq {
            self.r.cycle(None);
            guard += 1;
            assert!(guard < 50_000_000, "command {} never finished", self.seq);
        }
        self.r.read_reg(Reg::Status.offset())
    }

    fn read(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        let mut guard = 0u64;
        loop {
            out.extend(self.r.c2h().drain(..).flat_map(|(beat, _)| beat));
            if out.len() >= len {
                break;
            }
            self.r.cycle(None);
            guard += 1;
            assert!(guard < 50_000_000, "{} of {len} answer bytes", out.len());
        }
        assert_eq!(out.len(), len, "no bytes beyond the answer");
        out
    }

    fn load_bases(&mut self, slot: u32, points: &[G1Affine]) {
        self.command(&[(Reg::MsmOp, MsmOp::LOAD_BASES), (Reg::MsmSlot, slot), (Reg::MsmBase, 0), (Reg::MsmPoints, points.len() as u32)]);
        let beats: Vec<[u8; 32]> = points
            .iter()
            .flat_map(|p| {
                let w = base_to_wire(p);
                [w[..32].try_into().unwrap(), w[32..].try_into().unwrap()]
            })
            .collect();
        self.stream(&beats);
        assert_eq!(self.wait(), 0, "load");
    }

    /// `LOAD_OFFSETS` (all three) or `LOAD_RUNNING_OFFSETS` (`R_s`, `R_t`) with these coordinates
    /// as beats; returns the status.
    fn offsets_raw(&mut self, op: u32, coords: &[[u8; 32]]) -> u32 {
        self.command(&[(Reg::MsmOp, op)]);
        self.stream(coords);
        self.wait()
    }

    fn load_offsets(&mut self, off: &Offsets) {
        let coords = [off.bucket, off.s, off.t].iter().flat_map(|p| [to_wire(&p.x), to_wire(&p.y)]).collect::<Vec<_>>();
        assert_eq!(self.offsets_raw(MsmOp::LOAD_OFFSETS, &coords), 0, "LOAD_OFFSETS");
    }

    fn load_running_offsets(&mut self, off: &Offsets) {
        let coords = [off.s, off.t].iter().flat_map(|p| [to_wire(&p.x), to_wire(&p.y)]).collect::<Vec<_>>();
        assert_eq!(self.offsets_raw(MsmOp::LOAD_RUNNING_OFFSETS, &coords), 0, "LOAD_RUNNING_OFFSETS");
    }

    /// One group over slot `slot`: `entries` table entries of `windows` digits (the stream's
    /// 16-bit words); returns the status and, when it is 0 or only flagged, the answer bytes
    /// (none for a refused group).
    fn group(&mut self, slot: u32, stream: &[u16], entries: usize, windows: usize, c: usize, reduce: bool) -> (u32, Vec<u8>) {
        self.command(&[
            (Reg::MsmOp, if reduce { MsmOp::ACCUMULATE_REDUCE } else { MsmOp::ACCUMULATE }),
            (Reg::MsmSlot, slot),
            (Reg::MsmPoints, entries as u32),
            (Reg::MsmC, c as u32),
            (Reg::MsmWindows, windows as u32),
        ]);
        self.stream(&beats_of(stream));
        // A refused group ends at once, with nothing streamed back.
        if self.r.read_reg(Reg::DoneSeq.offset()) == self.seq && self.r.read_reg(Reg::Status.offset()) & !Status::MSM_FLAGGED != 0 {
            return (self.r.read_reg(Reg::Status.offset()), Vec::new());
        }
        let per_unit = (windows / 3) as u32;
        let words = 3 * if reduce { msm_reduce_points(per_unit, c as u32) as usize } else { (per_unit as usize) << (c - 1) };
        let out = self.read(WORD_BYTES * words);
        (self.wait(), out)
    }
}

fn beats_of(words: &[u16]) -> Vec<[u8; 32]> {
    words
        .chunks_exact(16)
        .map(|ws| {
            let mut b = [0u8; 32];
            for (k, x) in ws.iter().enumerate() {
                b[2 * k..2 * k + 2].copy_from_slice(&x.to_le_bytes());
            }
            b
        })
        .collect()
}

fn random_offsets(rng: &mut TestRng) -> Offsets {
    Offsets { bucket: G1Affine::rand(rng), s: G1Affine::rand(rng), t: G1Affine::rand(rng) }
}

/// The MSM from the card's answer to a precomputed group of `k` windows reduced in chains of
/// `2^seg_log`: decoded (every word checked), put into window order, combined with the offsets'
/// share taken out.
fn host_result(out: &[u8], c: usize, k: usize, seg_log: usize, off: &Offsets) -> G1Projective {
    let sums = decode_unit_answers(out, 3, k).unwrap_or_else(|(i, e)| panic!("answer word {i}: {e}"));
    combine(&sums, c, seg_log, k, &window_correction(c, seg_log, off))
}

/// Precomputed MSMs of three and six windows per entry (one and two per unit), with the chain
/// lengths the card picks and edge-case inputs (the identity among the bases, repeated and
/// opposite points, zero scalars), equal to arkworks; fresh running offsets per MSM without a
/// clear; the counters (`MsmElements`, `MsmReduceCycles`, `MsmFlagged`) against the model.
#[test]
fn precomputed_msms_on_the_three_unit_card_equal_arkworks() {
    let lib = library();
    let mut rng = TestRng::for_test("precomputed_msms_on_the_three_unit_card_equal_arkworks");
    let mut card = Card::new(&lib, 1 << 16);
    assert_eq!(card.r.read_reg(Reg::MsmUnits.offset()), 3);
    assert_eq!(card.r.read_reg(Reg::MsmFlagged.offset()), 0);
    let mut off = random_offsets(&mut rng);
    card.load_offsets(&off);
    // Three windows per unit (k = 9, W = 9: the card's W/3 = 3) only on the card: the driver uses
    // one or two.
    for (n, c, k) in [(150usize, 11usize, 3usize), (70, 9, 3), (40, 10, 6), (23, 5, 6), (30, 8, 9)] {
        let (mut bases, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
        bases[1] = G1Affine::zero();
        let want = G1Projective::msm(&bases, &scalars).unwrap();
        let e = entries_per_base(c, k);
        card.load_bases(0, &window_table(&bases, c, k));
        // Fresh R_s, R_t for this MSM (R_b stays: no clear).
        off = Offsets { s: G1Affine::rand(&mut rng), t: G1Affine::rand(&mut rng), ..off };
        card.load_running_offsets(&off);
        let (stream, wide) = digit_stream(&scalars, c, k);
        assert!(wide.is_empty(), "c ≤ 11 has no wide digits");
        let per_unit = k / 3;
        let g = msm_seg_log(per_unit as u32, c as u32) as usize;
        let (elements, reduce_before) = (card.r.read_reg(Reg::MsmElements.offset()), card.r.read_reg(Reg::MsmReduceCycles.offset()));
        let (status, out) = card.group(0, &stream, n * e, k, c, true);
        assert_eq!(status, 0, "n = {n}, c = {c}, k = {k}");
        assert_eq!(host_result(&out, c, k, g, &off).into_affine(), want.into_affine(), "n = {n}, c = {c}, k = {k}, chains of 2^{g}");
        assert_eq!(card.r.read_reg(Reg::MsmElements.offset()).wrapping_sub(elements) as usize, n * e * k, "digits taken: three per triple");
        let shape = Shape { c, windows: per_unit, seg_log: g };
        let per_unit_cycles = reduce_cycles(&shape, LATENCY);
        assert_eq!(card.r.read_reg(Reg::MsmReduceCycles.offset()).wrapping_sub(reduce_before) as u64, 3 * per_unit_cycles, "three units' reductions");
    }
    assert_eq!(card.r.read_reg(Reg::MsmFlagged.offset()), 0, "random offsets: no operation flagged");
}

/// `ACCUMULATE` (no reduction): every bucket word of every unit is `R_b` plus the table entries
/// whose digit names it, under random bubbles and back-pressure; unit `u` holds window `u` of each
/// entry.
#[test]
fn raw_buckets_of_the_three_units_hold_r_b_plus_their_points() {
    let lib = library();
    let mut rng = TestRng::for_test("raw_buckets_of_the_three_units_hold_r_b_plus_their_points");
    let mut card = Card::new(&lib, 1 << 14);
    card.r.set_traffic(Traffic { bubble: 0.3, stall: 0.2 }, 7);
    let off = random_offsets(&mut rng);
    card.load_offsets(&off);
    let (n, c, k) = (60usize, 6usize, 3usize);
    let (bases, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
    let table = window_table(&bases, c, k);
    card.load_bases(3, &table);
    let (stream, _) = digit_stream(&scalars, c, k);
    let (status, out) = card.group(3, &stream, table.len(), k, c, false);
    assert_eq!(status, 0);
    let half = 1usize << (c - 1);
    let mut want = vec![vec![G1Projective::from(off.bucket); half]; 3];
    for (x, p) in table.iter().enumerate() {
        for (u, w) in want.iter_mut().enumerate() {
            let d = stream[4 * x + u];
            let mag = (d & 0x7fff) as usize;
            if mag != 0 {
                w[mag - 1] += if d & 0x8000 != 0 { -*p } else { *p };
            }
        }
        assert_eq!(stream[4 * x + 3], 0, "the fourth slot of entry {x} is padding");
    }
    for (i, word) in out.chunks_exact(WORD_BYTES).enumerate() {
        let got = word_to_point(word).unwrap_or_else(|e| panic!("word {i}: {e}"));
        assert!(got.into_affine().is_on_curve());
        assert_eq!(got.into_affine(), want[i / half][i % half].into_affine(), "unit {}, bucket {}", i / half, i % half);
    }
}

/// A bucket that meets its own value — `R_b` chosen equal to a table entry whose digit adds it —
/// is an exceptional case of the XYZZ formulas, in each unit in turn: the group ends with
/// `MSM_FLAGGED`, `MsmFlagged` counts it, and the flag stays on later groups until fresh offsets
/// clear it, after which the same MSM is right.
#[test]
fn an_exceptional_case_is_flagged_until_fresh_offsets_clear_it() {
    let lib = library();
    let mut rng = TestRng::for_test("an_exceptional_case_is_flagged_until_fresh_offsets_clear_it");
    let mut card = Card::new(&lib, 1 << 14);
    let (n, c, k) = (30usize, 7usize, 3usize);
    let (bases, mut scalars) = msm_inputs_with_edge_cases(n, &mut rng);
    let table = window_table(&bases, c, k);
    card.load_bases(0, &table);
    let bad = Offsets { bucket: table[0], ..random_offsets(&mut rng) };
    assert!(!bad.bucket.is_zero());
    let g = msm_seg_log(1, c as u32) as usize;
    for unit in 0..3 {
        // Scalar 0 = 2^{c·unit}: entry 0's digit of window `unit` is +1, so bucket 0 of that unit
        // (and of no other) gets table[0] = bases[0] first — equal to its R_b.
        scalars[0] = Fr::from(2u64).pow([(c * unit) as u64]);
        card.load_offsets(&bad);
        let stream = digit_stream(&scalars, c, k).0;
        let (status, _) = card.group(0, &stream, n * entries_per_base(c, k), k, c, true);
        assert_eq!(status, Status::MSM_FLAGGED, "unit {unit}: R_b + R_b in the mixed addition");
        assert_eq!(card.r.read_reg(Reg::MsmFlagged.offset()), 1, "unit {unit}: one operation flagged");
    }
    let stream = digit_stream(&scalars, c, k).0;
    // Sticky: the next group is flagged too, even with inputs that flag nothing.
    let (status, _) = card.group(0, &digit_stream(&scalars[1..], c, k).0, (n - 1) * entries_per_base(c, k), k, c, true);
    assert_eq!(status, Status::MSM_FLAGGED, "the flag stays until fresh offsets");
    // Fresh offsets clear it; the same MSM is then right.
    let good = random_offsets(&mut rng);
    card.load_offsets(&good);
    assert_eq!(card.r.read_reg(Reg::MsmFlagged.offset()), 0, "cleared with the buckets");
    let (status, out) = card.group(0, &stream, n * entries_per_base(c, k), k, c, true);
    assert_eq!(status, 0);
    assert_eq!(host_result(&out, c, k, g, &good), G1Projective::msm(&bases, &scalars).unwrap());
}

/// The kernel reset: it keeps the offsets (the buckets cleared to `R_b`, the next MSM right) and
/// drops the flag; during an offsets command it withdraws them (the registers hold a mix of old
/// and new coordinates), so accumulations are refused until a good `LOAD_OFFSETS`. Running
/// offsets before any `LOAD_OFFSETS` leave the card without offsets too.
#[test]
fn a_reset_keeps_the_offsets_except_during_an_offsets_command() {
    let lib = library();
    let mut rng = TestRng::for_test("a_reset_keeps_the_offsets_except_during_an_offsets_command");
    let mut card = Card::new(&lib, 1 << 12);
    let (n, c) = (25usize, 7usize);
    let (bases, mut scalars) = msm_inputs_with_edge_cases(n, &mut rng);
    let table = window_table(&bases, c, 3);
    card.load_bases(0, &table);
    let entries = n * entries_per_base(c, 3);
    let g = msm_seg_log(1, c as u32) as usize;
    let want = G1Projective::msm(&bases, &scalars).unwrap();
    let stream = digit_stream(&scalars, c, 3).0;
    // Running offsets alone are not offsets.
    let off = random_offsets(&mut rng);
    card.load_running_offsets(&off);
    assert_eq!(card.group(0, &stream, entries, 3, c, true).0, Status::BAD_PARAMS, "no LOAD_OFFSETS yet");
    card.load_offsets(&off);
    let (status, out) = card.group(0, &stream, entries, 3, c, true);
    assert_eq!((status, host_result(&out, c, 3, g, &off)), (0, want));
    // A reset between MSMs keeps them.
    card.r.reset();
    let (status, out) = card.group(0, &stream, entries, 3, c, true);
    assert_eq!((status, host_result(&out, c, 3, g, &off)), (0, want), "after a reset");
    // A reset drops the flag (and the count).
    scalars[0] = Fr::from(1u64);
    card.load_offsets(&Offsets { bucket: table[0], ..off });
    assert_eq!(card.group(0, &digit_stream(&scalars, c, 3).0, entries, 3, c, true).0, Status::MSM_FLAGGED);
    card.r.reset();
    assert_eq!(card.r.read_reg(Reg::MsmFlagged.offset()), 0, "the reset clears the units' flag");
    // A reset in the middle of LOAD_OFFSETS (two beats of six) or LOAD_RUNNING_OFFSETS (three of
    // four) withdraws the offsets; a good LOAD_OFFSETS brings the card back.
    let fresh = random_offsets(&mut rng);
    let coords: Vec<[u8; 32]> = [fresh.bucket, fresh.s, fresh.t].iter().flat_map(|p| [to_wire(&p.x), to_wire(&p.y)]).collect();
    for (op, beats) in [(MsmOp::LOAD_OFFSETS, &coords[..2]), (MsmOp::LOAD_RUNNING_OFFSETS, &coords[2..5])] {
        card.load_offsets(&off);
        card.command(&[(Reg::MsmOp, op)]);
        card.stream_framed(beats, false);
        card.r.reset();
        assert_eq!(card.group(0, &stream, entries, 3, c, true).0, Status::BAD_PARAMS, "MsmOp {op} cut short by a reset");
    }
    card.load_offsets(&fresh);
    let (status, out) = card.group(0, &digit_stream(&scalars, c, 3).0, entries, 3, c, true);
    assert_eq!((status, host_result(&out, c, 3, g, &fresh)), (0, G1Projective::msm(&bases, &scalars).unwrap()));
}

/// What the three-unit card refuses: an accumulation before any offsets, windows that are not a
/// multiple of three (or zero), buckets beyond the memory, offsets with a coordinate not below q
/// (which also withdraws the offsets until a good load) and an offsets stream of the wrong length.
/// The card stays usable after each.
#[test]
fn the_three_unit_card_refuses_bad_groups_and_offsets() {
    let lib = library();
    let mut rng = TestRng::for_test("the_three_unit_card_refuses_bad_groups_and_offsets");
    let mut card = Card::new(&lib, 1 << 12);
    let (n, c) = (20usize, 8usize);
    let (bases, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
    let table = window_table(&bases, c, 3);
    card.load_bases(0, &table);
    let (stream, _) = digit_stream(&scalars, c, 3);
    let entries = n * entries_per_base(c, 3);
    let group = |card: &mut Card, windows: u32, c: u32| {
        card.command(&[
            (Reg::MsmOp, MsmOp::ACCUMULATE_REDUCE),
            (Reg::MsmSlot, 0),
            (Reg::MsmPoints, entries as u32),
            (Reg::MsmC, c),
            (Reg::MsmWindows, windows),
        ]);
        card.wait()
    };
    assert_eq!(group(&mut card, 3, c as u32), Status::BAD_PARAMS, "no offsets loaded yet");
    let off = random_offsets(&mut rng);
    card.load_offsets(&off);
    for w in [0u32, 1, 2, 4, 5, 7, 8, 254, 256] {
        assert_eq!(group(&mut card, w, c as u32), Status::BAD_PARAMS, "{w} windows");
    }
    // 255 = 3·85 windows: refused by the bucket memory (85·2^7 > 2^10), as are 9 at c = 10.
    assert_eq!(group(&mut card, 255, c as u32), Status::BAD_PARAMS, "255 windows");
    assert_eq!(group(&mut card, 9, 10), Status::BAD_PARAMS, "9 windows at c = 10");
    // 6 windows of 2^10 buckets: 2·2^10 per unit, beyond 2^10 entries.
    assert_eq!(group(&mut card, 6, 11), Status::BAD_PARAMS, "6 windows at c = 11 on 2^10 buckets");
    // A coordinate equal to q, then a short stream; each withdraws the offsets.
    let q: [u8; 32] = Fq::MODULUS.to_bytes_le().try_into().unwrap();
    let good: Vec<[u8; 32]> = [off.bucket, off.s, off.t].iter().flat_map(|p| [to_wire(&p.x), to_wire(&p.y)]).collect();
    let mut bad = good.clone();
    bad[3] = q;
    assert_eq!(card.offsets_raw(MsmOp::LOAD_OFFSETS, &bad), Status::BAD_PARAMS, "R_s.y = q");
    assert_eq!(group(&mut card, 3, c as u32), Status::BAD_PARAMS, "offsets withdrawn");
    card.load_offsets(&off);
    assert_eq!(card.offsets_raw(MsmOp::LOAD_RUNNING_OFFSETS, &good[2..5]), Status::STREAM_FRAMING, "three beats of four");
    assert_eq!(group(&mut card, 3, c as u32), Status::BAD_PARAMS, "offsets withdrawn");
    assert_eq!(card.offsets_raw(MsmOp::LOAD_OFFSETS, &good[..5]), Status::STREAM_FRAMING, "five beats of six");
    card.load_offsets(&off);
    let (status, out) = card.group(0, &stream, entries, 3, c, true);
    assert_eq!(status, 0);
    let g = msm_seg_log(1, c as u32) as usize;
    assert_eq!(host_result(&out, c, 3, g, &off), G1Projective::msm(&bases, &scalars).unwrap(), "usable after the refusals");
}
