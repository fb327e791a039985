//! The logUp lookup argument: completeness for single-column (range) and two-column (ReLU)
//! tables at several sizes, alone and with copy constraints; soundness: a value outside its
//! table, wrong multiplicities, a swapped ReLU pair, tampered lookup commitments and evaluations,
//! the transcript order, tables bound by the key, oversized tables rejected.

use crate::common;

use ark_ff::{One, Zero};
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::malicious::prove_with_tampered_multiplicities;
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::verifier::derive_challenges;
use zkaccel::plonk::{keygen, prove, verify, Column, ConstraintSystem, FixedAssignment, Proof, ProvingKey, VerifyingKey, Witness};
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

use zkaccel::plonk::mac::signed_to_fr as fr;
use common::relu::{relu_circuit, relu_witness, Relu};

fn setup(c: &Relu, rng: &mut TestRng) -> (CpuBackend, ProvingKey) {
    let backend = CpuBackend::new();
    let srs = common::dev_srs(c.circuit.k, rng);
    let pk = keygen(&backend, &srs, c.cs.clone(), &c.circuit).unwrap();
    (backend, pk)
}

#[test]
fn lookups_prove_and_verify_at_several_sizes() {
    let mut rng = TestRng::for_test("plonk_lookup::lookups_prove_and_verify_at_several_sizes");
    for (k, bits, copies) in [(4u32, 4u32, false), (5, 4, true), (7, 6, true), (9, 8, true)] {
        let c = relu_circuit(k, bits, copies);
        let (be, pk) = setup(&c, &mut rng);
        let w = relu_witness(&c, &mut rng);
        assert!(check_witness(&c.cs, &c.circuit, &w, &[], 10).unwrap().is_empty());
        let proof = prove(&be, &pk, &w, &[], &mut rng).unwrap();
        verify(&pk.vk, &proof, &[]).unwrap_or_else(|e| panic!("k = {k}: {e}"));
        assert_eq!(proof.lookup_m_commitments.len(), 2);
        assert_eq!(proof.lookup_phi_commitments.len(), 2);
        assert_eq!(proof.lookup_evals.len(), 6);
        // Through the encodings.
        let proof2 = Proof::from_bytes(&proof.to_bytes()).unwrap();
        let vk2 = VerifyingKey::from_bytes(&pk.vk.to_bytes()).unwrap();
        assert_eq!((&proof2, &vk2), (&proof, &pk.vk));
        verify(&vk2, &proof2, &[]).unwrap();
        assert_eq!(be.resident_polys(), 0);
    }
}

#[test]
fn lookup_without_selector_and_repeated_table_rows() {
    // r ∈ {0, 1, 2, 3} with the table padded by zeros (row 0 of the table repeats): the count
    // of 0 goes to its first row.
    let mut rng = TestRng::for_test("plonk_lookup::lookup_without_selector_and_repeated_table_rows");
    let k = 4;
    let mut cs = ConstraintSystem::new();
    let r = cs.advice_column();
    let t = cs.fixed_column();
    cs.lookup("small", vec![r.cur()], vec![t]);
    let circuit = FixedAssignment { k, fixed: vec![(0..4u64).map(Fr::from).collect()], copies: vec![] };
    let be = CpuBackend::new();
    let srs = common::dev_srs(k, &mut rng);
    let pk = keygen(&be, &srs, cs, &circuit).unwrap();
    let w = Witness { advice: vec![[3u64, 3, 3, 1, 2, 0, 3].map(Fr::from).to_vec()] };
    let proof = prove(&be, &pk, &w, &[], &mut rng).unwrap();
    verify(&pk.vk, &proof, &[]).unwrap();
    let bad = Witness { advice: vec![[3u64, 4].map(Fr::from).to_vec()] };
    assert!(prove(&be, &pk, &bad, &[], &mut rng).is_err());
}

#[test]
fn a_value_outside_its_table_is_rejected() {
    let mut rng = TestRng::for_test("plonk_lookup::a_value_outside_its_table_is_rejected");
    let c = relu_circuit(5, 4, true);
    let (be, pk) = setup(&c, &mut rng);
    let mut w = relu_witness(&c, &mut rng);
    // y = r = 8 = 2^{b−1}: outside the range table and the ReLU table (x = 8 is out of range).
    w.advice[0][3] = fr(8);
    w.advice[1][3] = fr(8);
    w.advice[2][3] = fr(8);
    let failures = check_witness(&c.cs, &c.circuit, &w, &[], 10).unwrap();
    assert!(failures.contains(&Failure::Lookup { lookup: "range".into(), row: 3 }), "{failures:?}");
    assert!(failures.contains(&Failure::Lookup { lookup: "relu".into(), row: 3 }), "{failures:?}");
    let err = prove(&be, &pk, &w, &[], &mut rng).unwrap_err().to_string();
    assert!(err.contains("row 3") && err.contains("not in the table"), "{err}");
    let proof = prove_with_options(&be, &pk, &w, &[], &mut rng, ProveOptions { check_witness: false }).unwrap();
    assert!(verify(&pk.vk, &proof, &[]).is_err());
}

#[test]
fn a_swapped_relu_pair_is_rejected() {
    let mut rng = TestRng::for_test("plonk_lookup::a_swapped_relu_pair_is_rejected");
    let c = relu_circuit(5, 4, false);
    let (be, pk) = setup(&c, &mut rng);
    let mut w = relu_witness(&c, &mut rng);
    // (x, y) = (−3, 0) swapped to (0, −3); r stays in range.
    w.advice[0][5] = fr(0);
    w.advice[1][5] = fr(-3);
    w.advice[2][5] = fr(0);
    assert_eq!(check_witness(&c.cs, &c.circuit, &w, &[], 10).unwrap(), vec![Failure::Lookup { lookup: "relu".into(), row: 5 }]);
    assert!(prove(&be, &pk, &w, &[], &mut rng).is_err());
    let proof = prove_with_options(&be, &pk, &w, &[], &mut rng, ProveOptions { check_witness: false }).unwrap();
    assert!(verify(&pk.vk, &proof, &[]).is_err());
    // Each entry alone also in the table, as a tuple not: (5, 0).
    let mut w = relu_witness(&c, &mut rng);
    w.advice[0][6] = fr(5);
    w.advice[1][6] = fr(0);
    let proof = prove_with_options(&be, &pk, &w, &[], &mut rng, ProveOptions { check_witness: false }).unwrap();
    assert!(verify(&pk.vk, &proof, &[]).is_err());
}

#[test]
fn wrong_multiplicities_are_rejected() {
    let mut rng = TestRng::for_test("plonk_lookup::wrong_multiplicities_are_rejected");
    let c = relu_circuit(5, 4, true);
    let (be, pk) = setup(&c, &mut rng);
    let w = relu_witness(&c, &mut rng);
    // Sanity: the hook with no change gives a valid proof.
    let p = prove_with_tampered_multiplicities(&be, &pk, &w, &[], &mut rng, &|_, _| {}).unwrap();
    verify(&pk.vk, &p, &[]).unwrap();
    type Tamper = Box<dyn Fn(usize, &mut Vec<Fr>)>;
    let cases: Vec<(&str, Tamper)> = vec![
        ("one more", Box::new(|l, m: &mut Vec<Fr>| if l == 1 { m[2] += Fr::one() })),
        ("one fewer", Box::new(|l, m: &mut Vec<Fr>| if l == 0 { m[0] -= Fr::one() })),
        (
            "a count moved to another row (same total)",
            Box::new(|l, m: &mut Vec<Fr>| {
                if l == 1 {
                    m[1] += Fr::one();
                    m[2] -= Fr::one();
                }
            }),
        ),
        ("all zero", Box::new(|_, m: &mut Vec<Fr>| m.iter_mut().for_each(|x| *x = Fr::zero()))),
    ];
    for (what, tamper) in cases {
        let proof = prove_with_tampered_multiplicities(&be, &pk, &w, &[], &mut rng, tamper.as_ref()).unwrap();
        assert!(verify(&pk.vk, &proof, &[]).is_err(), "{what}");
    }
}

#[test]
fn tampered_lookup_commitments_and_evaluations_are_rejected() {
    let mut rng = TestRng::for_test("plonk_lookup::tampered_lookup_commitments_and_evaluations_are_rejected");
    let c = relu_circuit(5, 4, true);
    let (be, pk) = setup(&c, &mut rng);
    let w = relu_witness(&c, &mut rng);
    let proof = prove(&be, &pk, &w, &[], &mut rng).unwrap();
    let other = prove(&be, &pk, &w, &[], &mut rng).unwrap();
    // Blinded: the same witness gives other multiplicity and running-sum commitments.
    assert_ne!(proof.lookup_m_commitments, other.lookup_m_commitments);
    assert_ne!(proof.lookup_phi_commitments, other.lookup_phi_commitments);
    for i in 0..2 {
        let mut p = proof.clone();
        p.lookup_m_commitments[i] = other.lookup_m_commitments[i];
        assert!(verify(&pk.vk, &p, &[]).is_err(), "m commitment {i}");
        let mut p = proof.clone();
        p.lookup_phi_commitments[i] = other.lookup_phi_commitments[i];
        assert!(verify(&pk.vk, &p, &[]).is_err(), "phi commitment {i}");
    }
    for i in 0..6 {
        let mut p = proof.clone();
        p.lookup_evals[i] += Fr::one();
        assert!(verify(&pk.vk, &p, &[]).is_err(), "lookup evaluation {i}");
    }
    let mut p = proof.clone();
    p.lookup_evals.pop();
    assert!(verify(&pk.vk, &p, &[]).is_err(), "shape");
    let mut p = proof.clone();
    p.lookup_m_commitments.pop();
    assert!(verify(&pk.vk, &p, &[]).is_err(), "shape");
    // Truncations of the encoding and bit flips in the lookup part are errors or rejected.
    let bytes = proof.to_bytes();
    for len in (0..bytes.len()).step_by(7) {
        assert!(Proof::from_bytes(&bytes[..len]).is_err(), "truncated to {len}");
    }
    // The lookup part follows the magic, the version and the advice, permutation and quotient
    // commitments.
    let start = 8 + [&proof.advice_commitments, &proof.permutation_commitments, &proof.quotient_commitments].iter().map(|v| 4 + 64 * v.len()).sum::<usize>();
    let lookup_part = 2 * (4 + 2 * 64) + 4 + 6 * 32;
    for pos in (start..start + lookup_part).step_by(3) {
        let mut b = bytes.clone();
        b[pos] ^= 1 << (pos % 8);
        match Proof::from_bytes(&b) {
            Err(_) => {}
            Ok(p) => assert!(verify(&pk.vk, &p, &[]).is_err(), "bit flip at {pos}"),
        }
    }
}

#[test]
fn lookup_challenges_follow_their_commitments() {
    let mut rng = TestRng::for_test("plonk_lookup::lookup_challenges_follow_their_commitments");
    let c = relu_circuit(4, 4, false);
    let (be, pk) = setup(&c, &mut rng);
    let w = relu_witness(&c, &mut rng);
    let proof = prove(&be, &pk, &w, &[], &mut rng).unwrap();
    let other = prove(&be, &pk, &w, &[], &mut rng).unwrap();
    let ch = derive_challenges(&pk.vk, &proof, &[]);
    // An advice commitment and a multiplicity commitment both come before θ and β_L.
    let mut p = proof.clone();
    p.advice_commitments[0] = other.advice_commitments[0];
    let c2 = derive_challenges(&pk.vk, &p, &[]);
    assert!(c2.theta != ch.theta && c2.lookup_beta != ch.lookup_beta);
    let mut p = proof.clone();
    p.lookup_m_commitments[1] = other.lookup_m_commitments[1];
    let c2 = derive_challenges(&pk.vk, &p, &[]);
    assert!(c2.theta != ch.theta && c2.lookup_beta != ch.lookup_beta && c2.beta != ch.beta);
    // The running sum comes after them and before α.
    let mut p = proof.clone();
    p.lookup_phi_commitments[0] = other.lookup_phi_commitments[0];
    let c2 = derive_challenges(&pk.vk, &p, &[]);
    assert_eq!((c2.theta, c2.lookup_beta, c2.beta), (ch.theta, ch.lookup_beta, ch.beta));
    assert!(c2.alpha != ch.alpha && c2.zeta != ch.zeta);
    // The lookup evaluations come before v.
    let mut p = proof.clone();
    p.lookup_evals[4] += Fr::one();
    let c2 = derive_challenges(&pk.vk, &p, &[]);
    assert_eq!(c2.zeta, ch.zeta);
    assert!(c2.v != ch.v);
}

#[test]
fn the_key_binds_the_tables_and_oversized_tables_are_errors() {
    let mut rng = TestRng::for_test("plonk_lookup::the_key_binds_the_tables");
    let c = relu_circuit(5, 4, false);
    let (be, pk) = setup(&c, &mut rng);
    let w = relu_witness(&c, &mut rng);
    let proof = prove(&be, &pk, &w, &[], &mut rng).unwrap();
    // Another ReLU table (relu(−1) = −1 instead of 0): another key digest; the proof does not
    // verify against it.
    let mut c2 = relu_circuit(5, 4, false);
    let row = 7; // tx = −1
    assert_eq!(c2.circuit.fixed[2][row], fr(-1));
    c2.circuit.fixed[3][row] = fr(-1);
    let srs = common::dev_srs(5, &mut rng);
    let pk2 = keygen(&be, &srs, c2.cs.clone(), &c2.circuit).unwrap();
    assert_ne!(pk.vk.digest(), pk2.vk.digest());
    let pk1b = keygen(&be, &srs, c.cs.clone(), &c.circuit).unwrap();
    let proof1b = prove(&be, &pk1b, &w, &[], &mut rng).unwrap();
    verify(&pk1b.vk, &proof1b, &[]).unwrap();
    assert!(verify(&pk2.vk, &proof1b, &[]).is_err());
    assert!(verify(&pk2.vk, &proof, &[]).is_err());
    // A 2^6-row table on 2^5 rows: a clear error.
    let big = relu_circuit(6, 6, false);
    let mut small = FixedAssignment { k: 5, ..big.circuit.clone() };
    small.fixed.iter_mut().for_each(|c| c.truncate(40));
    let err = keygen(&be, &srs, big.cs.clone(), &small).unwrap_err().to_string();
    assert!(err.contains("table has 40 rows") && err.contains("split"), "{err}");
    // Malformed declarations.
    let mut cs = ConstraintSystem::new();
    let a = cs.advice_column();
    let t = cs.fixed_column();
    cs.lookup("arity", vec![a.cur(), a.cur()], vec![t]);
    assert!(cs.validate().is_err());
    let mut cs = ConstraintSystem::new();
    let a = cs.advice_column();
    let b = cs.advice_column();
    cs.lookup("advice table", vec![a.cur()], vec![b]);
    assert!(cs.validate().is_err());
    let _: Column = a;
}

#[test]
fn keys_with_lookups_round_trip_and_reject_damage() {
    let mut rng = TestRng::for_test("plonk_lookup::keys_with_lookups_round_trip_and_reject_damage");
    let c = relu_circuit(4, 4, true);
    let (be, pk) = setup(&c, &mut rng);
    let bytes = pk.vk.to_bytes();
    assert_eq!(VerifyingKey::from_bytes(&bytes).unwrap(), pk.vk);
    assert_eq!(ProvingKey::from_bytes(&pk.to_bytes(), &be).unwrap().vk, pk.vk);
    for cut in 0..bytes.len() {
        assert!(VerifyingKey::from_bytes(&bytes[..cut]).is_err(), "truncated at {cut}");
    }
    // Flips anywhere either fail to decode or give a key with another digest (which the
    // transcript absorbs first).
    for pos in (0..bytes.len()).step_by(3) {
        let mut b = bytes.clone();
        b[pos] ^= 1 << (pos % 8);
        if let Ok(vk) = VerifyingKey::from_bytes(&b) {
            assert_ne!(vk.digest(), pk.vk.digest(), "bit flip at {pos}");
        }
    }
    // An older (version 1) key is refused with a message.
    let mut old = bytes.clone();
    old[4..8].copy_from_slice(&1u32.to_le_bytes());
    assert!(VerifyingKey::from_bytes(&old).unwrap_err().to_string().contains("version"));
}

