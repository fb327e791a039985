//! Completeness: honest proofs verify, for random standard circuits of several sizes, a custom
//! gate with rotations, a circuit without copy constraints, and the snarkjs ceremony SRS.

use crate::common;

use ark_ff::{One, Zero};
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::circuit::ColumnKind;
use zkaccel::plonk::{keygen, prove, verify, Cell, ConstraintSystem, Expression, FixedAssignment, Proof, Witness};
use zkaccel::srs::Srs;
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

#[test]
fn random_standard_circuits_of_several_sizes_verify() {
    let mut rng = TestRng::for_test("plonk::random_standard_circuits_of_several_sizes_verify");
    for (k, public) in [(2u32, 1usize), (3, 0), (5, 3), (7, 5), (9, 17)] {
        let s = common::standard(k, public, &mut rng);
        let proof = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
        verify(&s.pk.vk, &proof, &s.instances).unwrap_or_else(|e| panic!("k = {k}: {e}"));
        // Through the encodings too.
        let proof2 = Proof::from_bytes(&proof.to_bytes()).unwrap();
        let vk2 = zkaccel::plonk::VerifyingKey::from_bytes(&s.pk.vk.to_bytes()).unwrap();
        assert_eq!(proof2, proof);
        assert_eq!(vk2, s.pk.vk);
        verify(&vk2, &proof2, &s.instances).unwrap();
        // Standard gate: quotient in 3 pieces, openings at ζ and ζω.
        assert_eq!(proof.quotient_commitments.len(), 3);
        assert_eq!(proof.opening_witnesses.len(), 2);
        assert_eq!(s.backend.resident_polys(), 0, "the prover releases every vector it uploads");
    }
}

#[test]
fn each_round_commits_in_one_backend_call() {
    use zkaccel::backend::ProfilingBackend;
    let mut rng = TestRng::for_test("plonk::each_round_commits_in_one_backend_call");
    let s = common::standard(6, 2, &mut rng);
    let be = ProfilingBackend::new(CpuBackend::new());
    let _ = be.take_profile();
    let proof = prove(&be, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    verify(&s.pk.vk, &proof, &s.instances).unwrap();
    let p = be.take_profile();
    // Rounds 1 (advice), 2 (Z), 3 (quotient pieces), 5 (opening witnesses).
    assert_eq!(p.msm_calls, 4);
    // iNTT + coset NTT for the advice, the instance and Z; one coset iNTT for the quotient.
    assert_eq!(p.ntt_calls, 7);
    let n = 64;
    // 3 advice columns + 3 blinding vectors, Z + its blinders, 3 pieces of n + 4, 2 witnesses.
    assert!(p.msm_points >= 4 * n + 3 * (n + 4));
    assert_eq!(be.inner().resident_polys(), 0);
}

#[test]
fn snarkjs_ceremony_srs_proves_the_largest_size_it_supports() {
    let mut rng = TestRng::for_test("plonk::snarkjs_ceremony_srs");
    let srs = Srs::from_ptau_bytes(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snarkjs_bn128_pot10_final.ptau")).unwrap(),
        None,
        &mut rng,
    )
    .unwrap();
    let backend = CpuBackend::new();
    let (cs, circuit, witness, instances) = zkaccel::plonk::standard::random_circuit(10, 4, &mut rng).unwrap();
    let pk = keygen(&backend, &srs, cs.clone(), &circuit).unwrap();
    let proof = prove(&backend, &pk, &witness, &instances, &mut rng).unwrap();
    verify(&pk.vk, &proof, &instances).unwrap();
    // 2^11 rows need more powers than the 2^10 ceremony has: a clear error, not a panic.
    let (cs, circuit, _, _) = zkaccel::plonk::standard::random_circuit(11, 0, &mut rng).unwrap();
    let err = keygen(&backend, &srs, cs, &circuit).unwrap_err();
    assert!(err.to_string().contains("larger .ptau"), "{err}");
}

/// A Fibonacci circuit with a custom gate over rotations −1, 0, +1 and a selector, the first row
/// bound to public inputs: exercises generic gates, multi-point openings and larger blinding.
fn fibonacci(k: u32, a0: Fr, b0: Fr) -> (ConstraintSystem, FixedAssignment, Witness, Vec<Vec<Fr>>) {
    let n = 1usize << k;
    let mut cs = ConstraintSystem::new();
    let a = cs.advice_column();
    let b = cs.advice_column();
    let q_step = cs.fixed_column();
    let q_first = cs.fixed_column();
    let q_check = cs.fixed_column();
    let pi = cs.instance_column();
    cs.enable_equality(a);
    cs.enable_equality(b);
    // a' = b, b' = a + b on step rows; on check rows a = b(prev) (rotation −1).
    cs.create_gate("fib", vec![q_step.cur() * (a.next() - b.cur()), q_step.cur() * (b.next() - a.cur() - b.cur())]);
    cs.create_gate("check", vec![q_check.cur() * (a.cur() - b.rot(-1))]);
    // Row 0 takes a0 from PI row 0 and b0 from PI row 1 (next row of the instance column).
    cs.create_gate("input", vec![q_first.cur() * (a.cur() - pi.cur()), q_first.cur() * (b.cur() - pi.next())]);
    let rows = n - 1;
    let (mut av, mut bv) = (vec![a0], vec![b0]);
    for i in 0..rows {
        av.push(bv[i]);
        bv.push(av[i] + bv[i]);
    }
    let mut step = vec![Fr::zero(); n];
    let mut check = vec![Fr::zero(); n];
    for i in 0..rows {
        step[i] = Fr::one();
        if i > 0 {
            check[i] = Fr::one();
        }
    }
    let mut first = vec![Fr::zero(); n];
    first[0] = Fr::one();
    // A copy: a at row 2 equals b at row 1.
    let copies = vec![(Cell { column: a, row: 2 }, Cell { column: b, row: 1 })];
    (cs, FixedAssignment { k, fixed: vec![step, first, check], copies }, Witness { advice: vec![av, bv] }, vec![vec![a0, b0]])
}

#[test]
fn custom_gate_with_rotations_verifies_and_blinds_per_opening_point() {
    let mut rng = TestRng::for_test("plonk::custom_gate_with_rotations");
    let backend = CpuBackend::new();
    let k = 5;
    let srs = Srs::insecure_dev(200, &mut rng).unwrap();
    let (cs, circuit, witness, instances) = fibonacci(k, Fr::from(1u64), Fr::from(1u64));
    assert!(zkaccel::plonk::dev::check_witness(&cs, &circuit, &witness, &instances, 5).unwrap().is_empty());
    let pk = keygen(&backend, &srs, cs, &circuit).unwrap();
    let shape = pk.vk.shape();
    // a is opened at ζ and ζω (2 points → 3 blinders); b at ζω^-1, ζ, ζω (3 points → 4).
    assert_eq!(shape.advice_blinding, vec![3, 4]);
    assert_eq!(shape.z_blinding, 3);
    let proof = prove(&backend, &pk, &witness, &instances, &mut rng).unwrap();
    assert_eq!(proof.opening_witnesses.len(), 3, "points ζω^-1, ζ, ζω");
    verify(&pk.vk, &proof, &instances).unwrap();
    // Another public input (F_0 = 2) with the same witness is rejected.
    assert!(verify(&pk.vk, &proof, &[vec![Fr::from(2u64), Fr::from(1u64)]]).is_err());
    // A proof for other inputs verifies with those inputs.
    let (_, _, w2, i2) = fibonacci(k, Fr::from(3u64), Fr::from(7u64));
    let p2 = prove(&backend, &pk, &w2, &i2, &mut rng).unwrap();
    verify(&pk.vk, &p2, &i2).unwrap();
    assert!(verify(&pk.vk, &p2, &instances).is_err());
}

#[test]
fn circuit_without_copy_constraints_verifies() {
    let mut rng = TestRng::for_test("plonk::circuit_without_copy_constraints");
    let backend = CpuBackend::new();
    let k = 4;
    let n = 1 << k;
    let mut cs = ConstraintSystem::new();
    let x = cs.advice_column();
    let y = cs.advice_column();
    let q = cs.fixed_column();
    cs.create_gate("square", vec![q.cur() * (x.cur() * x.cur() - y.cur())]);
    assert!(cs.permutation.is_empty());
    let xs: Vec<Fr> = (0..n as u64).map(|i| -Fr::from(i)).collect();
    let ys: Vec<Fr> = xs.iter().map(|v| *v * v).collect();
    let circuit = FixedAssignment { k, fixed: vec![vec![Fr::one(); n]], copies: vec![] };
    let srs = Srs::insecure_dev(64, &mut rng).unwrap();
    let pk = keygen(&backend, &srs, cs, &circuit).unwrap();
    let proof = prove(&backend, &pk, &Witness { advice: vec![xs, ys.clone()] }, &[], &mut rng).unwrap();
    assert!(proof.permutation_commitments.is_empty() && proof.z_evals.is_empty());
    verify(&pk.vk, &proof, &[]).unwrap();
    // A wrong square.
    let mut bad = ys;
    bad[3] += Fr::one();
    let xs: Vec<Fr> = (0..n as u64).map(|i| -Fr::from(i)).collect();
    assert!(prove(&backend, &pk, &Witness { advice: vec![xs, bad] }, &[], &mut rng).is_err());
    let _ = ColumnKind::Advice;
}

#[test]
fn copies_into_fixed_columns_bind_constants() {
    let mut rng = TestRng::for_test("plonk::copies_into_fixed_columns_bind_constants");
    let backend = CpuBackend::new();
    let k = 3;
    let n = 1usize << k;
    let mut cs = ConstraintSystem::new();
    let a = cs.advice_column();
    let q = cs.fixed_column();
    let konst = cs.fixed_column();
    cs.enable_equality(a);
    cs.enable_equality(konst);
    // A counter: a' = a + 1 on rows 0 … n−2; row 3 is copied from the constant 42.
    cs.create_gate("count", vec![q.cur() * (a.next() - a.cur() - Expression::Constant(Fr::one()))]);
    let mut qv = vec![Fr::one(); n];
    qv[n - 1] = Fr::zero();
    let mut kv = vec![Fr::zero(); n];
    kv[0] = Fr::from(42u64);
    let circuit = FixedAssignment {
        k,
        fixed: vec![qv, kv],
        copies: vec![(Cell { column: a, row: 3 }, Cell { column: konst, row: 0 })],
    };
    let srs = Srs::insecure_dev(64, &mut rng).unwrap();
    let pk = keygen(&backend, &srs, cs, &circuit).unwrap();
    let counter = |start: u64| Witness { advice: vec![(0..n as u64).map(|i| Fr::from(start + i)).collect()] };
    let proof = prove(&backend, &pk, &counter(39), &[], &mut rng).unwrap();
    verify(&pk.vk, &proof, &[]).unwrap();
    // Starting at 38 satisfies the gate but puts 41 where the constant 42 is copied.
    assert!(prove(&backend, &pk, &counter(38), &[], &mut rng).is_err());
    let forced = zkaccel::plonk::prover::prove_with_options(
        &backend,
        &pk,
        &counter(38),
        &[],
        &mut rng,
        zkaccel::plonk::prover::ProveOptions { check_witness: false },
    )
    .unwrap();
    assert!(verify(&pk.vk, &forced, &[]).is_err());
    let _ = ColumnKind::Fixed;
}

/// Nine advice columns with equality: the permutation is split into chunks (budget 4 → chunks of
/// 2 columns, 5 grand products), keeping the constraint degree at 4.
pub fn many_copied_columns(k: u32, rng: &mut TestRng) -> (ConstraintSystem, FixedAssignment, Witness) {
    use rand::Rng;
    let n = 1usize << k;
    let mut cs = ConstraintSystem::new();
    let cols: Vec<_> = (0..9).map(|_| cs.advice_column()).collect();
    let q = cs.fixed_column();
    for c in &cols {
        cs.enable_equality(*c);
    }
    // col_{i+1} = col_i + 1 wherever q = 1 (a degree-2 gate).
    let one = Expression::Constant(Fr::one());
    cs.create_gate(
        "chain",
        (0..8).map(|i| q.cur() * (cols[i + 1].cur() - cols[i].cur() - one.clone())).collect(),
    );
    let start: Vec<u64> = (0..n).map(|_| rng.gen_range(0..24)).collect();
    let advice: Vec<Vec<Fr>> = (0..9).map(|i| start.iter().map(|s| Fr::from(s + i as u64)).collect()).collect();
    // Copies: column 8 at row r equals column 0 at row r' whenever start[r'] = start[r] + 8.
    let mut copies = vec![];
    for r in 0..n {
        for r2 in 0..n {
            if start[r2] == start[r] + 8 && copies.len() < 40 {
                copies.push((Cell { column: cols[8], row: r }, Cell { column: cols[0], row: r2 }));
            }
        }
    }
    // And some within equal values across different columns of the same row chain.
    for r in 0..n.min(10) {
        copies.push((Cell { column: cols[3], row: r }, Cell { column: cols[3], row: r }));
    }
    assert!(!copies.is_empty());
    (cs, FixedAssignment { k, fixed: vec![vec![Fr::one(); n]], copies }, Witness { advice })
}

#[test]
fn many_copied_columns_use_a_chunked_permutation() {
    use ark_ec::AffineRepr;
    let mut rng = TestRng::for_test("plonk::many_copied_columns_use_a_chunked_permutation");
    let backend = CpuBackend::new();
    let k = 5;
    let (cs, circuit, witness) = many_copied_columns(k, &mut rng);
    assert!(zkaccel::plonk::dev::check_witness(&cs, &circuit, &witness, &[], 5).unwrap().is_empty());
    let srs = Srs::insecure_dev(100, &mut rng).unwrap();
    let pk = keygen(&backend, &srs, cs, &circuit).unwrap();
    let shape = pk.vk.shape();
    assert_eq!((shape.perm_chunks, shape.perm_chunk_len, shape.degree), (3, 3, 4));
    let proof = prove(&backend, &pk, &witness, &[], &mut rng).unwrap();
    // Z and the partial products π_1, π_2; evaluations Z(ζ), Z(ζω), π_1(ζ), π_2(ζ).
    assert_eq!((proof.permutation_commitments.len(), proof.z_evals.len()), (3, 4));
    verify(&pk.vk, &proof, &[]).unwrap();
    // Every permutation commitment and evaluation is bound.
    for c in 0..3 {
        let mut bad = proof.clone();
        bad.permutation_commitments[c] = (bad.permutation_commitments[c] + ark_bn254::G1Affine::generator()).into();
        assert!(verify(&pk.vk, &bad, &[]).is_err(), "P_{c} commitment");
    }
    for e in 0..4 {
        let mut bad = proof.clone();
        bad.z_evals[e] += Fr::one();
        assert!(verify(&pk.vk, &bad, &[]).is_err(), "permutation evaluation {e}");
    }
    // A copy violated while every gate holds: shift one whole row chain.
    let (c0, _) = *circuit.copies.iter().find(|(a, b)| a.row != b.row).expect("a cross-row copy");
    let mut w = witness.clone();
    for col in w.advice.iter_mut() {
        col[c0.row] += Fr::one();
    }
    assert!(!zkaccel::plonk::dev::check_witness(&pk.vk.cs().clone(), &circuit, &w, &[], 5).unwrap().is_empty());
    assert!(prove(&backend, &pk, &w, &[], &mut rng).is_err());
    let forced = zkaccel::plonk::prover::prove_with_options(
        &backend,
        &pk,
        &w,
        &[],
        &mut rng,
        zkaccel::plonk::prover::ProveOptions { check_witness: false },
    )
    .unwrap();
    assert!(verify(&pk.vk, &forced, &[]).is_err());
}

/// A quantized dot product as a multiply-accumulate custom gate over a fixed weight column, the
/// shape the zkML front-end will use: acc' = acc + w·x with small signed values (negatives as
/// r − |v|), acc starting at 0 and ending at the public output.
#[test]
fn quantized_multiply_accumulate_gate_over_fixed_weights() {
    use rand::Rng;
    let mut rng = TestRng::for_test("plonk::quantized_multiply_accumulate_gate");
    let backend = CpuBackend::new();
    let k = 6;
    let n = 1usize << k;
    let len = n - 1;
    let signed = |v: i64| if v < 0 { -Fr::from((-v) as u64) } else { Fr::from(v as u64) };
    let w: Vec<i64> = (0..len).map(|_| rng.gen_range(-128..128)).collect();
    let x: Vec<i64> = (0..len).map(|_| rng.gen_range(-128..128)).collect();
    let dot: i64 = w.iter().zip(&x).map(|(a, b)| a * b).sum();

    let mut cs = ConstraintSystem::new();
    let xc = cs.advice_column();
    let acc = cs.advice_column();
    let wc = cs.fixed_column();
    let q_mac = cs.fixed_column();
    let q_first = cs.fixed_column();
    let q_out = cs.fixed_column();
    let out = cs.instance_column();
    cs.create_gate("mac", vec![q_mac.cur() * (acc.next() - acc.cur() - wc.cur() * xc.cur())]);
    cs.create_gate("start", vec![q_first.cur() * acc.cur()]);
    // The output sits in the last row; the instance column holds it at row 0, so read PI at a
    // rotation of +1 from the last row (which wraps to row 0).
    cs.create_gate("output", vec![q_out.cur() * (acc.cur() - out.next())]);
    let column = |f: &dyn Fn(usize) -> Fr| (0..n).map(f).collect::<Vec<Fr>>();
    let fixed = vec![
        column(&|i| if i < len { signed(w[i]) } else { Fr::zero() }),
        column(&|i| if i < len { Fr::one() } else { Fr::zero() }),
        column(&|i| if i == 0 { Fr::one() } else { Fr::zero() }),
        column(&|i| if i == n - 1 { Fr::one() } else { Fr::zero() }),
    ];
    let mut accs = vec![0i64];
    for i in 0..len {
        accs.push(accs[i] + w[i] * x[i]);
    }
    let witness = |x: &[i64], accs: &[i64]| Witness {
        advice: vec![x.iter().map(|v| signed(*v)).collect(), accs.iter().map(|v| signed(*v)).collect()],
    };
    let circuit = FixedAssignment { k, fixed, copies: vec![] };
    let srs = Srs::insecure_dev(2 * n, &mut rng).unwrap();
    let pk = keygen(&backend, &srs, cs, &circuit).unwrap();
    let public = vec![vec![signed(dot)]];
    let proof = prove(&backend, &pk, &witness(&x, &accs), &public, &mut rng).unwrap();
    verify(&pk.vk, &proof, &public).unwrap();
    assert!(verify(&pk.vk, &proof, &[vec![signed(dot + 1)]]).is_err());
    // Changing one input without fixing the accumulator breaks the gate.
    let mut x2 = x.clone();
    x2[5] += 1;
    assert!(prove(&backend, &pk, &witness(&x2, &accs), &public, &mut rng).is_err());
}
