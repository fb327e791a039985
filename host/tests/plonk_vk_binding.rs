//! The statement an application binds to a verifying key (`VerifyingKey::with_binding`): part of
//! the encoding and of the digest the transcript absorbs, so a proof made under one binding is
//! rejected under another (or none); the encoding round-trips and every malformed variant is an
//! error or a key that rejects the proof.
//!
//! The key's own content is bound the same way: a semantically changed key (domain size,
//! commitments, SRS, declarations) rejects a proof made under the honest one.

use crate::common;

use zkaccel::plonk::keys::VK_BINDING_MAGIC;
use zkaccel::plonk::{prove, verify, ProvingKey, VerifyingKey};
use zkaccel_testkit::seed::TestRng;

#[test]
fn a_binding_is_part_of_the_key_and_of_every_proof() {
    let mut rng = TestRng::for_test("plonk::vk_binding");
    let mut s = common::standard(4, 2, &mut rng);
    let plain = s.pk.vk.clone();
    let a = plain.clone().with_binding(b"statement A".to_vec()).unwrap();
    let b = plain.clone().with_binding(b"statement B".to_vec()).unwrap();
    assert_ne!(a.digest(), plain.digest());
    assert_ne!(a.digest(), b.digest());
    assert_eq!(a.binding(), b"statement A");
    // Round trips: the verifying key, and the proving key that embeds it.
    assert_eq!(VerifyingKey::from_bytes(&a.to_bytes()).unwrap(), a);
    assert_eq!(VerifyingKey::from_bytes(&plain.to_bytes()).unwrap(), plain, "no binding: the encoding of before");
    s.pk.vk = a.clone();
    let pk2 = ProvingKey::from_bytes(&s.pk.to_bytes(), &s.backend).unwrap();
    assert_eq!(pk2.vk, a);
    // A proof under A verifies under A only.
    let proof = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    verify(&a, &proof, &s.instances).unwrap();
    assert!(verify(&b, &proof, &s.instances).is_err(), "proof under A accepted under B");
    assert!(verify(&plain, &proof, &s.instances).is_err(), "proof under A accepted without a binding");
    // Malformed encodings: an explicit empty binding, a trailing byte, bytes without the marker,
    // an over-long length; every truncation and every byte's top bit flipped.
    let ab = a.to_bytes();
    let base = plain.to_bytes();
    let empty = [base.as_slice(), VK_BINDING_MAGIC, &0u32.to_le_bytes()].concat();
    assert!(VerifyingKey::from_bytes(&empty).is_err(), "explicit empty binding");
    assert!(VerifyingKey::from_bytes(&[ab.as_slice(), &[0]].concat()).is_err(), "trailing byte");
    assert!(VerifyingKey::from_bytes(&[base.as_slice(), b"XXXX"].concat()).is_err(), "trailing bytes without the marker");
    let long = [base.as_slice(), VK_BINDING_MAGIC, &u32::MAX.to_le_bytes()].concat();
    assert!(VerifyingKey::from_bytes(&long).is_err(), "over-long binding");
    for cut in base.len()..ab.len() {
        if cut == base.len() {
            continue; // the key without its binding: a valid, other key (checked above)
        }
        assert!(VerifyingKey::from_bytes(&ab[..cut]).is_err(), "bound vk truncated at {cut}");
    }
    for i in base.len()..ab.len() {
        for bit in [0x80u8, 0x01] {
            let mut flipped = ab.clone();
            flipped[i] ^= bit;
            if let Ok(vk) = VerifyingKey::from_bytes(&flipped) {
                assert_ne!(vk, a, "flip at byte {i} decodes to the same key");
                assert!(verify(&vk, &proof, &s.instances).is_err(), "flip at byte {i} accepted");
            }
        }
    }
}

/// Semantic changes of a verifying key, each built through `VerifyingKey::new` (a well-formed key,
/// not a decoding failure): another domain size, each fixed and σ commitment replaced by another
/// valid point, σ commitments swapped, the SRS's [1]₁, [1]₂ or [τ]₂ changed, an extra instance
/// or advice column, the gates removed. A proof made under the honest key is rejected under each
/// (a key that cannot be built, or a shape error from the verifier, is a rejection too).
#[test]
fn semantic_verifying_key_changes_reject_the_proof() {
    use ark_ec::{AffineRepr, CurveGroup};
    use zkaccel::plonk::ConstraintSystem;
    use zkaccel::poly::kzg::VerifierSrs;
    use zkaccel::{Error, Fr, G1Affine};

    let mut rng = TestRng::for_test("plonk::semantic_verifying_key_changes_reject_the_proof");
    let s = common::standard(5, 3, &mut rng);
    let vk = &s.pk.vk;
    let proof = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    let (k, cs, fixed, sigma, srs) = (vk.k(), vk.cs().clone(), vk.fixed_commitments().to_vec(), vk.sigma_commitments().to_vec(), vk.srs().clone());
    assert!(fixed.len() == 5 && sigma.len() == 3);
    let build = |k: u32, cs: ConstraintSystem, fixed: Vec<G1Affine>, sigma: Vec<G1Affine>, srs: VerifierSrs| VerifyingKey::new(k, cs, fixed, sigma, srs);
    // The parts rebuild the honest key, which accepts: each change below is the only difference.
    let same = build(k, cs.clone(), fixed.clone(), sigma.clone(), srs.clone()).unwrap();
    assert_eq!(&same, vk);
    verify(&same, &proof, &s.instances).unwrap();

    let bump = |p: &G1Affine| (*p + G1Affine::generator()).into_affine();
    let mut cases: Vec<(String, Result<VerifyingKey, Error>, Vec<Vec<Fr>>)> = vec![];
    let mut case = |what: String, key: Result<VerifyingKey, Error>, instances: &[Vec<Fr>]| cases.push((what, key, instances.to_vec()));
    for kk in [k - 1, k + 1] {
        case(format!("k = {kk} (the proof's k is {k})"), build(kk, cs.clone(), fixed.clone(), sigma.clone(), srs.clone()), &s.instances);
    }
    for i in 0..fixed.len() {
        let mut f = fixed.clone();
        f[i] = bump(&f[i]);
        case(format!("fixed commitment {i} + generator"), build(k, cs.clone(), f, sigma.clone(), srs.clone()), &s.instances);
    }
    for i in 0..sigma.len() {
        let mut sg = sigma.clone();
        sg[i] = bump(&sg[i]);
        case(format!("σ commitment {i} + generator"), build(k, cs.clone(), fixed.clone(), sg, srs.clone()), &s.instances);
    }
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let mut sg = sigma.clone();
        sg.swap(i, j);
        case(format!("σ commitments {i} and {j} swapped"), build(k, cs.clone(), fixed.clone(), sg, srs.clone()), &s.instances);
    }
    let srs_cases: [(&str, fn(&mut VerifierSrs)); 3] = [
        ("[1]₁ doubled", |v| v.g1 = (v.g1 + v.g1).into_affine()),
        ("[1]₂ doubled", |v| v.g2 = (v.g2 + v.g2).into_affine()),
        ("[τ]₂ + [1]₂", |v| v.tau_g2 = (v.tau_g2 + v.g2).into_affine()),
    ];
    for (what, edit) in srs_cases {
        let mut v = srs.clone();
        edit(&mut v);
        case(what.into(), build(k, cs.clone(), fixed.clone(), sigma.clone(), v), &s.instances);
    }
    let mut more_instance = cs.clone();
    more_instance.num_instance += 1;
    let key = || build(k, more_instance.clone(), fixed.clone(), sigma.clone(), srs.clone());
    case("num_instance + 1, the proof's public inputs".into(), key(), &s.instances);
    case("num_instance + 1, with an empty second column".into(), key(), &[s.instances[0].clone(), vec![]]);
    let mut more_advice = cs.clone();
    more_advice.num_advice += 1;
    case("num_advice + 1".into(), build(k, more_advice, fixed.clone(), sigma.clone(), srs.clone()), &s.instances);
    let mut no_gates = cs.clone();
    no_gates.gates.clear();
    case("gates removed".into(), build(k, no_gates, fixed.clone(), sigma.clone(), srs.clone()), &s.instances);
    assert_eq!(cases.len(), 2 + 5 + 3 + 3 + 3 + 2 + 1 + 1);

    let mut accepted = vec![];
    for (what, key, instances) in &cases {
        match key {
            // A key that cannot be built is refused before any proof is looked at.
            Err(_) => {}
            Ok(bad) => {
                assert_ne!(bad.digest(), vk.digest(), "{what}: the same key digest");
                if !matches!(verify(bad, &proof, instances), Err(Error::Verification(_))) {
                    accepted.push(what.as_str());
                }
            }
        }
    }
    assert!(accepted.is_empty(), "not rejected: {accepted:?}");
}
