//! The rescale rule at its boundaries, proven and verified end to end through `MacBuilder`:
//! honest rows at r = 0, r = 2^s − 1 and q at both ends of the ReLU table are accepted; r = 2^s
//! (the pair (q, 0) replaced by (q − 1, 2^s)), r = −1 ((q, 2^s − 1) replaced by (q + 1, −1)) and
//! q one past either end of the table are rejected, each violating exactly one lookup on one row.

use crate::common;

use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::mac::{relu_of, signed_to_fr as fr, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::{keygen, prove, verify, ConstraintSystem, FixedAssignment, ProvingKey, Witness};
use zkaccel::Error;
use zkaccel_testkit::seed::TestRng;

const SHIFT: u32 = 3;
const BITS: u32 = 6;
const K: u32 = 7;
/// One output per accumulator: y_j = x_j rescaled (identity weights, no bias).
const OUTPUTS: usize = 7;

struct Layout {
    cs: ConstraintSystem,
    cfg: MacConfig,
}

fn layout() -> Layout {
    let mut cs = ConstraintSystem::new();
    let cfg = MacConfig::configure(&mut cs, 8, SHIFT, BITS);
    Layout { cs, cfg }
}

/// The circuit for accumulators `accs` (out-of-range q allowed: `layout_only`), and the rescale
/// row of each output.
fn build(l: &Layout, accs: &[i64; OUTPUTS]) -> (FixedAssignment, Witness, Vec<usize>) {
    let mut b = MacBuilder::new(&l.cs, l.cfg.clone(), K).unwrap();
    b.layout_only = true;
    let identity: Vec<Vec<i64>> = (0..OUTPUTS).map(|i| (0..OUTPUTS).map(|j| i64::from(i == j)).collect()).collect();
    let mut x: Vec<Operand> = accs.iter().map(|&a| Operand::input(a)).collect();
    let out = b.matvec(&identity, &[0; OUTPUTS], &mut x, false).unwrap();
    let rows = out.iter().map(|o| o.cell.unwrap().row).collect();
    let (fixed, witness) = b.finish();
    (fixed, witness, rows)
}

fn rejected(l: &Layout, be: &CpuBackend, pk: &ProvingKey, fixed: &FixedAssignment, w: &Witness, want: Failure, rng: &mut TestRng) {
    assert_eq!(check_witness(&l.cs, fixed, w, &[], 10).unwrap(), vec![want.clone()], "exactly one lookup fails");
    assert!(matches!(prove(be, pk, w, &[], rng), Err(Error::Witness(_))), "{want:?}: the prover refuses");
    let forced = prove_with_options(be, pk, w, &[], rng, ProveOptions { check_witness: false }).unwrap();
    assert!(matches!(verify(&pk.vk, &forced, &[]), Err(Error::Verification(_))), "{want:?}: the verifier accepts");
}

#[test]
fn rescale_boundaries_prove_and_verify_or_are_rejected() {
    let mut rng = TestRng::for_test("plonk_mac_boundary::rescale_boundaries");
    let l = layout();
    let two_s = 1i64 << SHIFT;
    let half = 1i64 << (BITS - 1);
    // q = 2^{b−1} − 1 with r = 2^s − 1 (the largest accumulator), q = −2^{b−1} with r = 0 (the
    // smallest), (5, 0), (5, 2^s − 1), (−1, 2^s − 1), and two in-range spares.
    let honest = [two_s * (half - 1) + two_s - 1, -two_s * half, 5 * two_s, 5 * two_s + two_s - 1, -1, 0, 3];
    let (fixed, witness, rows) = build(&l, &honest);
    let be = CpuBackend::new();
    let srs = common::dev_srs(K, &mut rng);
    let pk = keygen(&be, &srs, l.cs.clone(), &fixed).unwrap();
    let (acc, q, r, y) = (l.cfg.acc.index, l.cfg.q.index, l.cfg.r.index, l.cfg.y.index);
    let at = |w: &Witness, row: usize| (w.advice[acc][row], w.advice[q][row], w.advice[r][row]);
    assert_eq!(at(&witness, rows[0]), (fr(honest[0]), fr(half - 1), fr(two_s - 1)));
    assert_eq!(at(&witness, rows[1]), (fr(honest[1]), fr(-half), fr(0)));
    assert_eq!(at(&witness, rows[4]), (fr(-1), fr(-1), fr(two_s - 1)));
    assert!(check_witness(&l.cs, &fixed, &witness, &[], 10).unwrap().is_empty());
    let proof = prove(&be, &pk, &witness, &[], &mut rng).unwrap();
    verify(&pk.vk, &proof, &[]).unwrap();

    let remainder = |row| Failure::Lookup { lookup: "rescale_remainder".into(), row };
    let relu = |row| Failure::Lookup { lookup: "relu".into(), row };
    // r = 2^s: (5, 0) → (4, 2^s), acc unchanged, y = relu(q).
    let mut w = witness.clone();
    w.advice[q][rows[2]] = fr(4);
    w.advice[r][rows[2]] = fr(two_s);
    w.advice[y][rows[2]] = fr(4);
    rejected(&l, &be, &pk, &fixed, &w, remainder(rows[2]), &mut rng);
    // r = −1: (5, 2^s − 1) → (6, −1).
    let mut w = witness.clone();
    w.advice[q][rows[3]] = fr(6);
    w.advice[r][rows[3]] = fr(-1);
    w.advice[y][rows[3]] = fr(6);
    rejected(&l, &be, &pk, &fixed, &w, remainder(rows[3]), &mut rng);
    // r = −1 for a negative accumulator: (−1, 2^s − 1) → (0, −1) (round toward zero).
    let mut w = witness.clone();
    w.advice[q][rows[4]] = fr(0);
    w.advice[r][rows[4]] = fr(-1);
    w.advice[y][rows[4]] = relu_of(fr(0));
    rejected(&l, &be, &pk, &fixed, &w, remainder(rows[4]), &mut rng);
    // q one past either end of the table: the layout's own accumulators 2^s·2^{b−1} and
    // 2^s·(−2^{b−1} − 1) (floor rescale, r = 0), laid out by the builder with the same key.
    for (slot, a, want_q) in [(5usize, two_s * half, half), (6, -two_s * (half + 1), -half - 1)] {
        let mut accs = honest;
        accs[slot] = a;
        let (fixed2, w, rows2) = build(&l, &accs);
        assert_eq!(fixed2, fixed, "same layout, same key");
        assert_eq!(at(&w, rows2[slot]), (fr(a), fr(want_q), fr(0)));
        assert_eq!(w.advice[y][rows2[slot]], fr(want_q.max(0)));
        rejected(&l, &be, &pk, &fixed, &w, relu(rows2[slot]), &mut rng);
    }
    // The builder itself refuses them when not told to lay out only.
    let mut b = MacBuilder::new(&l.cs, l.cfg.clone(), K).unwrap();
    let e = b.matvec(&[vec![1]], &[0], &mut [Operand::input(two_s * half)], false).unwrap_err().to_string();
    assert!(e.contains("outside 6 signed bits"), "{e}");
}
