//! Zero knowledge: every committed witness polynomial of an honest proof (advice columns, grand
//! and partial products, multiplicities, running sums) carries at least one more blinding scalar
//! than the number of distinct points the protocol opens it at — the points derived from the
//! circuit's queries (`plonk::zk_audit`), the blinding measured on the committed polynomial's
//! degree. Circuits: the standard gate, a gate over rotations −1/0/+1, the ReLU/range lookups,
//! two MAC layers (two permutation chunks) with fixed and with advice weights.

use crate::common;

use ark_ff::Zero;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::mac::{MacBuilder, MacConfig, Operand};
use zkaccel::plonk::zk_audit::{audit, opening_points};
use zkaccel::plonk::{keygen, ColumnKind, ConstraintSystem, FixedAssignment, ProvingKey, Witness};
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

fn check(be: &CpuBackend, pk: &ProvingKey, w: &Witness, inst: &[Vec<Fr>], rng: &mut TestRng, what: &str) {
    let entries = audit(be, pk, w, inst, rng).unwrap();
    let cs = pk.vk.cs();
    let shape = pk.vk.shape();
    assert_eq!(entries.len(), cs.num_advice + shape.perm_chunks + 2 * cs.lookups.len(), "{what}: {entries:?}");
    assert_eq!(opening_points(pk).len(), entries.len(), "{what}: every committed polynomial is opened");
    for e in &entries {
        assert!(e.points >= 1, "{what}: {e:?} is committed but never opened");
        assert!(e.blinding > e.points, "{what}: {e:?}: blinding does not cover the opening points and the commitment");
    }
}

fn keys(cs: &ConstraintSystem, circuit: &FixedAssignment, rng: &mut TestRng) -> (CpuBackend, ProvingKey) {
    let be = CpuBackend::new();
    let srs = common::dev_srs(circuit.k, rng);
    let pk = keygen(&be, &srs, cs.clone(), circuit).unwrap();
    (be, pk)
}

#[test]
fn standard_gate_and_rotations() {
    let mut rng = TestRng::for_test("plonk_zero_knowledge::standard_gate_and_rotations");
    let s = common::standard(5, 2, &mut rng);
    check(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng, "standard");
    // a opened at ζω^-1, ζ, ζω (3 points), b at ζ; copies between them.
    let k = 4;
    let n = 1usize << k;
    let mut cs = ConstraintSystem::new();
    let a = cs.advice_column();
    let b = cs.advice_column();
    let q = cs.fixed_column();
    cs.enable_equality(a);
    cs.enable_equality(b);
    cs.create_gate("three", vec![q.cur() * (a.next() - a.cur() - a.rot(-1) - b.cur())]);
    // a_i = Fibonacci-like with b = 0: a_{i+1} = a_i + a_{i−1} on rows 1 … n − 2.
    let mut av = vec![Fr::from(1u64), Fr::from(1u64)];
    while av.len() < n {
        let l = av.len();
        av.push(av[l - 1] + av[l - 2]);
    }
    let mut sel = vec![Fr::zero(); n];
    sel[1..n - 1].iter_mut().for_each(|v| *v = Fr::from(1u64));
    let copies = vec![(zkaccel::plonk::Cell { column: a, row: 0 }, zkaccel::plonk::Cell { column: a, row: 1 })];
    let circuit = FixedAssignment { k, fixed: vec![sel], copies };
    let w = Witness { advice: vec![av, vec![Fr::zero(); n]] };
    assert!(zkaccel::plonk::dev::check_witness(&cs, &circuit, &w, &[], 5).unwrap().is_empty());
    let (be, pk) = keys(&cs, &circuit, &mut rng);
    assert_eq!(opening_points(&pk)[&zkaccel::plonk::malicious::PolyId::Advice(0)], 3);
    check(&be, &pk, &w, &[], &mut rng, "rotations");
}

#[test]
fn lookups_and_mac_layers() {
    let mut rng = TestRng::for_test("plonk_zero_knowledge::lookups_and_mac_layers");
    let c = common::relu::relu_circuit(5, 4, true);
    let (be, pk) = keys(&c.cs, &c.circuit, &mut rng);
    let w = common::relu::relu_witness(&c, &mut rng);
    check(&be, &pk, &w, &[], &mut rng, "relu lookups");
    for weights in [ColumnKind::Fixed, ColumnKind::Advice] {
        let mut cs = ConstraintSystem::new();
        let cfg = MacConfig::configure_with_weights(&mut cs, 3, 3, 6, weights);
        let mut b = MacBuilder::new(&cs, cfg, 6).unwrap();
        let mut x: Vec<Operand> = (0..7i64).map(|i| Operand::input(i % 4)).collect();
        let w1: Vec<Vec<i64>> = (0..4).map(|o| (0..7).map(|i| (o + i) % 5 - 2).collect()).collect();
        let mut h = b.matvec(&w1, &[1, -2, 3, 0], &mut x, true).unwrap();
        b.matvec(&[vec![1, -1, 2, 0], vec![0, 1, 1, -2]], &[2, -1], &mut h, false).unwrap();
        let (circuit, witness) = b.finish();
        let (be, pk) = keys(&cs, &circuit, &mut rng);
        assert_eq!(pk.vk.shape().perm_chunks, 2);
        check(&be, &pk, &witness, &[], &mut rng, &format!("MAC layers, {weights:?} weights"));
    }
}
