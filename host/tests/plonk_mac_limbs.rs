//! Rescale rows range-checked by limbs (`MacConfig::configure_limbs`): the tables have 2^h rows,
//! h = ⌈max(b − 1, s)/2⌉, so a layout with b = 6, s = 4 fits 2^4 rows instead of 2^6. Completeness
//! of a projected two-layer network against an independent forward pass; soundness: a ReLU output
//! that is not max(q, 0) (either way), y and d both non-zero, a remainder of 2^s or more with q
//! lowered (caught by the top-limb check), a negative limb; each named by the row checker and
//! rejected by the verifier.

use crate::common;

use ark_ff::Zero;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::mac::{signed_to_fr as fr, Limbs, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::{keygen, prove, verify, Cell, ColumnKind, ConstraintSystem, FixedAssignment, ProvingKey, Witness};
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

const K: u32 = 4;
const SHIFT: u32 = 4;
const BITS: u32 = 6;
const INPUTS: [i64; 4] = [7, -3, 5, -8];

struct Net {
    cs: ConstraintSystem,
    circuit: FixedAssignment,
    witness: Witness,
    cfg: MacConfig,
}

fn net() -> Net {
    let mut cs = ConstraintSystem::new();
    let cfg = MacConfig::configure_limbs(&mut cs, 1, SHIFT, BITS, ColumnKind::Fixed);
    let io = cs.advice_column();
    cs.enable_equality(io);
    let mut b = MacBuilder::new(&cs, cfg.clone(), K).unwrap();
    let mut x = vec![];
    for (i, &v) in INPUTS.iter().enumerate() {
        b.assign(io, i, fr(v)).unwrap();
        x.push(b.range_check(Operand { value: v, cell: Some(Cell { column: io, row: i }) }).unwrap().0);
    }
    let w1 = vec![vec![3, -2, 1, 0], vec![-1, 1, 2, 3], vec![2, 2, -1, 1]];
    let (_, y) = b.project_matvec(&w1, &[5, -7, 12], &x).unwrap();
    let w2 = vec![vec![2, -1, 3], vec![-2, 3, 1]];
    b.project_matvec(&w2, &[-3, 9], &y).unwrap();
    cs.projections = b.take_projections();
    let (circuit, witness) = b.finish();
    Net { cs, circuit, witness, cfg }
}

fn keys(n: &Net, rng: &mut TestRng) -> (CpuBackend, ProvingKey) {
    let be = CpuBackend::new();
    let srs = common::dev_srs(K, rng);
    let pk = keygen(&be, &srs, n.cs.clone(), &n.circuit).unwrap();
    (be, pk)
}

#[test]
fn limbs_keep_the_tables_small_and_prove() {
    let mut rng = TestRng::for_test("plonk_mac_limbs::limbs_keep_the_tables_small_and_prove");
    let n = net();
    let l = n.cfg.limbs.clone().unwrap();
    assert_eq!((l.h, Limbs::width(BITS, SHIFT), n.cfg.table_bits()), (3, 3, 3));
    assert_eq!(n.circuit.fixed[l.t.index][..9], (0..8u64).map(Fr::from).chain([Fr::zero()]).collect::<Vec<_>>()[..]);
    assert!(n.circuit.fixed[n.cfg.t_x.index].iter().chain(&n.circuit.fixed[n.cfg.t_r.index]).all(|v| v.is_zero()));
    // The standard layout cannot use 2^4 rows with b = 6.
    let mut cs = ConstraintSystem::new();
    let std_cfg = MacConfig::configure(&mut cs, 1, SHIFT, BITS);
    assert!(MacBuilder::new(&cs, std_cfg, K).is_err());
    // Outputs against an independent forward pass (floor rescale, ReLU between the layers).
    let h: Vec<i64> = [(vec![3, -2, 1, 0], 5), (vec![-1, 1, 2, 3], -7), (vec![2, 2, -1, 1], 12)]
        .iter()
        .map(|(w, b)| (w.iter().zip(INPUTS).map(|(w, x)| w * x).sum::<i64>() + b).div_euclid(16).max(0))
        .collect();
    let out: Vec<i64> = [(vec![2, -1, 3], -3), (vec![-2, 3, 1], 9)]
        .iter()
        .map(|(w, b)| (w.iter().zip(&h).map(|(w, x)| w * x).sum::<i64>() + b).div_euclid(16))
        .collect();
    let got: Vec<Fr> = n.cs.projections[1].outputs.iter().map(|c| n.witness.advice[n.cfg.q.index][c.row]).collect();
    assert_eq!(got, out.iter().map(|v| fr(*v)).collect::<Vec<_>>());
    assert!(check_witness(&n.cs, &n.circuit, &n.witness, &[], 10).unwrap().is_empty());
    let (be, pk) = keys(&n, &mut rng);
    verify(&pk.vk, &prove(&be, &pk, &n.witness, &[], &mut rng).unwrap(), &[]).unwrap();
}

/// Sets a rescale row's (q, r, y, d) and their limbs as the builder would write them (limbs by
/// mask and arithmetic shift: a negative value gets a negative top limb).
fn set_row(n: &Net, w: &mut Witness, row: usize, q: i64, r: i64, y: i64) {
    let l = n.cfg.limbs.clone().unwrap();
    let d = y - q;
    let mask = (1i64 << l.h) - 1;
    w.advice[n.cfg.q.index][row] = fr(q);
    w.advice[n.cfg.r.index][row] = fr(r);
    w.advice[n.cfg.y.index][row] = fr(y);
    w.advice[l.d.index][row] = fr(d);
    for (v, lo, hi) in [(r, l.r0, l.r1), (y, l.y0, l.y1), (d, l.d0, l.d1)] {
        w.advice[lo.index][row] = fr(v & mask);
        w.advice[hi.index][row] = fr(v >> l.h);
    }
}

fn rejected(n: &Net, be: &CpuBackend, pk: &ProvingKey, w: &Witness, want: &[Failure], rng: &mut TestRng) {
    let failures = check_witness(&n.cs, &n.circuit, w, &[], 10).unwrap();
    for f in want {
        assert!(failures.contains(f), "{f:?} not in {failures:?}");
    }
    assert!(prove(be, pk, w, &[], rng).is_err());
    let forced = prove_with_options(be, pk, w, &[], rng, ProveOptions { check_witness: false }).unwrap();
    assert!(verify(&pk.vk, &forced, &[]).is_err());
}

#[test]
fn wrong_relu_outputs_remainders_and_limbs_are_rejected() {
    let mut rng = TestRng::for_test("plonk_mac_limbs::wrong_relu_outputs_remainders_and_limbs_are_rejected");
    let n = net();
    let (be, pk) = keys(&n, &mut rng);
    let lk = |name: &str, row| Failure::Lookup { lookup: name.into(), row };
    let gate = |constraint, row| Failure::Gate { gate: "rescale_limbs".into(), constraint, row };
    // Row 0 range-checks the input 7 (q = 7, y = 7); row 1 the input −3 (q = −3, y = 0).
    let val = |w: &Witness, c: zkaccel::plonk::Column, row: usize| w.advice[c.index][row];
    assert_eq!((val(&n.witness, n.cfg.q, 0), val(&n.witness, n.cfg.y, 1)), (fr(7), fr(0)));
    // y = 0 for q = 7: d = −7 has a negative top limb.
    let mut w = n.witness.clone();
    set_row(&n, &mut w, 0, 7, 0, 0);
    rejected(&n, &be, &pk, &w, &[lk("limb_d1", 0)], &mut rng);
    // y = q = −3: y's top limb is negative.
    let mut w = n.witness.clone();
    set_row(&n, &mut w, 1, -3, 0, -3);
    rejected(&n, &be, &pk, &w, &[lk("limb_y1", 1)], &mut rng);
    // y = 8 for q = 7: every limb in range, d = 1, but y·d ≠ 0.
    let mut w = n.witness.clone();
    set_row(&n, &mut w, 0, 7, 0, 8);
    rejected(&n, &be, &pk, &w, &[gate(4, 0)], &mut rng);
    // acc = 2^s·q + r rewritten as 2^s·(q − 1) + (r + 2^s) on layer 1's output 1 (row 5:
    // acc = −31, q = −2, r = 1, y = 0): r = 17 has limbs (1, 2), both in the 3-bit table, y stays
    // 0 and d = 3; only the top-limb check (r1 < 2^(s−h) = 2) catches it.
    assert_eq!((val(&n.witness, n.cfg.acc, 5), val(&n.witness, n.cfg.q, 5), val(&n.witness, n.cfg.r, 5)), (fr(-31), fr(-2), fr(1)));
    let mut w = n.witness.clone();
    set_row(&n, &mut w, 5, -3, 17, 0);
    assert_eq!(check_witness(&n.cs, &n.circuit, &w, &[], 10).unwrap(), vec![lk("limb_r1_top", 5)]);
    rejected(&n, &be, &pk, &w, &[lk("limb_r1_top", 5)], &mut rng);
    // A limb decomposition that does not add up.
    let mut w = n.witness.clone();
    let l = n.cfg.limbs.clone().unwrap();
    w.advice[l.y0.index][0] += Fr::from(1u64);
    rejected(&n, &be, &pk, &w, &[gate(1, 0)], &mut rng);
}
