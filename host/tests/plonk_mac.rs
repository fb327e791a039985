//! MAC rows with fixed weight columns and the range-checked floor rescale: completeness for
//! two chained layers at lanes 1, 3, 8; soundness: a wrong accumulation, an out-of-range
//! remainder (both directions), a truncating (non-floor) rescale of a negative value, a copy
//! violation between layers, a wrong ReLU output.

use crate::common;

use rand::Rng;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::check_witness;
use zkaccel::plonk::mac::{floor_rescale, relu_of, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::{keygen, prove, verify, ConstraintSystem, FixedAssignment, ProvingKey, Witness};
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

use zkaccel::plonk::mac::signed_to_fr as fr;

struct Net {
    cs: ConstraintSystem,
    cfg: MacConfig,
    circuit: FixedAssignment,
    witness: Witness,
    /// The rescale row of layer 1's first output and the MAC rows' range.
    out_rows: Vec<usize>,
    outputs: Vec<i64>,
}

/// Two layers: (h × d) with ReLU, then (o × h) without; s = 3, b = 6. Returns the layout.
fn net(k: u32, lanes: usize, (d, h, o): (usize, usize, usize), negative_first: bool, rng: &mut TestRng) -> Net {
    let (shift, bits) = (3, 6);
    let mut cs = ConstraintSystem::new();
    let cfg = MacConfig::configure(&mut cs, lanes, shift, bits);
    let mut b = MacBuilder::new(&cs, cfg.clone(), k).unwrap();
    let mut x: Vec<Operand> = (0..d).map(|_| Operand::input(rng.gen_range(0..4))).collect();
    let mut w1: Vec<Vec<i64>> = (0..h).map(|_| (0..d).map(|_| rng.gen_range(-2..3)).collect()).collect();
    let mut bias1: Vec<i64> = (0..h).map(|_| rng.gen_range(-4..5)).collect();
    if negative_first {
        // Force a negative accumulator with a non-zero remainder in the first output.
        w1[0] = vec![-1; d];
        let sum: i64 = x.iter().map(|x| x.value).sum();
        bias1[0] = if (sum + 1) % (1 << shift) != 0 { -1 } else { -2 };
    }
    let mut hidden = b.matvec(&w1, &bias1, &mut x, true).unwrap();
    let first_out_row = b.rows_used() - h * MacBuilder::rows_per_output(lanes, d) + d.div_ceil(lanes);
    let w2: Vec<Vec<i64>> = (0..o).map(|_| (0..h).map(|_| rng.gen_range(-2..3)).collect()).collect();
    let bias2: Vec<i64> = (0..o).map(|_| rng.gen_range(-4..5)).collect();
    let out = b.matvec(&w2, &bias2, &mut hidden, false).unwrap();
    // Reference: the same integer arithmetic.
    let want: Vec<i64> = {
        let hid: Vec<i64> = w1
            .iter()
            .zip(&bias1)
            .map(|(r, b)| floor_rescale(r.iter().zip(&x).map(|(w, x)| w * x.value).sum::<i64>() + b, shift).0.max(0))
            .collect();
        w2.iter().zip(&bias2).map(|(r, b)| floor_rescale(r.iter().zip(&hid).map(|(w, x)| w * x).sum::<i64>() + b, shift).0).collect()
    };
    let outputs: Vec<i64> = out.iter().map(|o| o.value).collect();
    assert_eq!(outputs, want);
    let (circuit, witness) = b.finish();
    Net { cs, cfg, circuit, witness, out_rows: vec![first_out_row], outputs }
}

fn keys(n: &Net, rng: &mut TestRng) -> (CpuBackend, ProvingKey) {
    let be = CpuBackend::new();
    let srs = common::dev_srs(n.circuit.k, rng);
    let pk = keygen(&be, &srs, n.cs.clone(), &n.circuit).unwrap();
    (be, pk)
}

fn rejected(be: &CpuBackend, pk: &ProvingKey, n: &Net, w: &Witness, rng: &mut TestRng, what: &str) {
    assert!(!check_witness(&n.cs, &n.circuit, w, &[], 4).unwrap().is_empty(), "{what}: the dev checker finds nothing");
    assert!(prove(be, pk, w, &[], rng).is_err(), "{what}: the honest prover refuses");
    let proof = prove_with_options(be, pk, w, &[], rng, ProveOptions { check_witness: false }).unwrap();
    assert!(verify(&pk.vk, &proof, &[]).is_err(), "{what}: the verifier accepts");
}

#[test]
fn mac_layers_prove_and_verify_for_several_lane_counts() {
    let mut rng = TestRng::for_test("plonk_mac::mac_layers_prove_and_verify_for_several_lane_counts");
    for (k, lanes, dims) in [(6u32, 1usize, (5usize, 4usize, 2usize)), (6, 3, (10, 6, 3)), (7, 8, (20, 12, 4))] {
        let n = net(k, lanes, dims, true, &mut rng);
        assert!(check_witness(&n.cs, &n.circuit, &n.witness, &[], 4).unwrap().is_empty());
        let (be, pk) = keys(&n, &mut rng);
        let proof = prove(&be, &pk, &n.witness, &[], &mut rng).unwrap();
        verify(&pk.vk, &proof, &[]).unwrap_or_else(|e| panic!("lanes {lanes}: {e}"));
        assert_eq!(n.outputs.len(), dims.2);
    }
}

#[test]
fn floor_rescale_rounds_toward_minus_infinity() {
    assert_eq!(floor_rescale(-5, 2), (-2, 3));
    assert_eq!(floor_rescale(-8, 2), (-2, 0));
    assert_eq!(floor_rescale(5, 2), (1, 1));
    assert_eq!(floor_rescale(-1, 3), (-1, 7));
}

#[test]
fn mac_soundness() {
    let mut rng = TestRng::for_test("plonk_mac::mac_soundness");
    let n = net(6, 3, (10, 6, 3), true, &mut rng);
    let (be, pk) = keys(&n, &mut rng);
    let cfg = &n.cfg;
    let row = n.out_rows[0];
    let two_s = 1i64 << cfg.shift;
    let get = |w: &Witness, c: zkaccel::plonk::Column, r: usize| w.advice[c.index][r];

    // A wrong accumulation on a middle MAC row.
    let mut w = n.witness.clone();
    w.advice[cfg.acc.index][1] += Fr::from(1u64);
    rejected(&be, &pk, &n, &w, &mut rng, "wrong accumulation");

    // A wrong final accumulator (the rescale row's acc ≠ the chain's sum) with q, r adjusted.
    let mut w = n.witness.clone();
    w.advice[cfg.acc.index][row] += Fr::from(two_s as u64);
    w.advice[cfg.q.index][row] += Fr::from(1u64);
    w.advice[cfg.y.index][row] = relu_of(get(&w, cfg.q, row));
    rejected(&be, &pk, &n, &w, &mut rng, "wrong final accumulator");

    // The first output has a negative accumulator with a non-zero remainder.
    let q0 = get(&n.witness, cfg.q, row);
    let r0 = get(&n.witness, cfg.r, row);
    let acc0 = get(&n.witness, cfg.acc, row);
    assert_eq!(acc0, q0 * fr(two_s) + r0);
    assert!(q0 != fr(0) && relu_of(q0) == fr(0), "the first output is negative");
    assert!(r0 != fr(0), "with a non-zero remainder");
    // r + 2^s with q − 1 (acc unchanged): r out of range.
    let mut w = n.witness.clone();
    w.advice[cfg.r.index][row] += fr(two_s);
    w.advice[cfg.q.index][row] -= fr(1);
    w.advice[cfg.y.index][row] = relu_of(get(&w, cfg.q, row));
    rejected(&be, &pk, &n, &w, &mut rng, "remainder ≥ 2^s");
    // r − 2^s with q + 1: the truncating rule (round toward zero) for a negative acc.
    let mut w = n.witness.clone();
    w.advice[cfg.r.index][row] -= fr(two_s);
    w.advice[cfg.q.index][row] += fr(1);
    w.advice[cfg.y.index][row] = relu_of(get(&w, cfg.q, row));
    rejected(&be, &pk, &n, &w, &mut rng, "negative remainder (truncation instead of floor)");

    // A wrong ReLU output.
    let mut w = n.witness.clone();
    w.advice[cfg.y.index][row] += fr(1);
    rejected(&be, &pk, &n, &w, &mut rng, "wrong ReLU output");

    // A copy violation alone: an x lane with weight 0 in a later output of layer 1 differs
    // from the input's first cell (the accumulation is unaffected).
    let per = MacBuilder::rows_per_output(3, 10);
    let (r, lane) = (per..6 * per)
        .flat_map(|r| (0..3).map(move |l| (r, l)))
        .find(|&(r, l)| n.circuit.fixed[cfg.q_mac.index][r] == fr(1) && n.circuit.fixed[cfg.w[l].index][r] == fr(0)
            && n.circuit.copies.iter().any(|(_, b)| b.row == r && b.column == cfg.x[l]))
        .expect("a zero weight in layer 1");
    let mut w = n.witness.clone();
    w.advice[cfg.x[lane].index][r] += fr(1);
    let failures = check_witness(&n.cs, &n.circuit, &w, &[], 10).unwrap();
    assert!(failures.iter().all(|f| matches!(f, zkaccel::plonk::dev::Failure::Copy { .. })), "{failures:?}");
    rejected(&be, &pk, &n, &w, &mut rng, "copy violation");
}
