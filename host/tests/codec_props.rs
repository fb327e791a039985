//! Property tests of the binary codecs (issue 20): decode(encode(x)) = x for proofs and keys
//! (with arbitrary bindings), and every mutation of an encoding — a flipped bit anywhere, a
//! truncation, appended bytes — is rejected or decodes to a different object that fails
//! verification.

use crate::common;

use std::sync::OnceLock;

use proptest::prelude::*;
use zkaccel::plonk::{prove, verify, Proof, ProvingKey, VerifyingKey};
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

struct Fixture {
    s: common::Setup,
    proof: Proof,
    proof_bytes: Vec<u8>,
    vk_bytes: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut rng = TestRng::for_test("codec_props");
        let mut s = common::standard(3, 2, &mut rng);
        s.pk.vk = s.pk.vk.clone().with_binding(b"codec property tests".to_vec()).unwrap();
        let proof = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
        let (proof_bytes, vk_bytes) = (proof.to_bytes(), s.pk.vk.to_bytes());
        Fixture { s, proof, proof_bytes, vk_bytes }
    })
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_mutated_proof_is_rejected(pos in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let f = fixture();
        let mut b = f.proof_bytes.clone();
        let i = pos.index(b.len());
        b[i] ^= mask;
        if let Ok(p) = Proof::from_bytes(&b) {
            prop_assert!(p != f.proof, "byte {} ^ {:#x} decodes to the same proof", i, mask);
            prop_assert!(verify(&f.s.pk.vk, &p, &f.s.instances).is_err(), "byte {} ^ {:#x} verifies", i, mask);
        }
    }

    #[test]
    fn a_truncated_or_extended_proof_is_rejected(cut in any::<prop::sample::Index>(), extra in prop::collection::vec(any::<u8>(), 1..64)) {
        let f = fixture();
        prop_assert!(Proof::from_bytes(&f.proof_bytes[..cut.index(f.proof_bytes.len())]).is_err());
        prop_assert!(Proof::from_bytes(&[f.proof_bytes.as_slice(), &extra].concat()).is_err());
    }

    #[test]
    fn a_mutated_verifying_key_is_rejected(pos in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let f = fixture();
        let mut b = f.vk_bytes.clone();
        let i = pos.index(b.len());
        b[i] ^= mask;
        if let Ok(vk) = VerifyingKey::from_bytes(&b) {
            prop_assert!(vk != f.s.pk.vk, "byte {} ^ {:#x} decodes to the same key", i, mask);
            prop_assert!(verify(&vk, &f.proof, &f.s.instances).is_err(), "byte {} ^ {:#x}: the proof verifies", i, mask);
        }
    }

    #[test]
    fn a_truncated_or_extended_verifying_key_is_rejected(cut in any::<prop::sample::Index>(), extra in prop::collection::vec(any::<u8>(), 1..64)) {
        let f = fixture();
        // Cut right before its binding, the key decodes as the unbound key: another key, under
        // which the proof fails.
        if let Ok(vk) = VerifyingKey::from_bytes(&f.vk_bytes[..cut.index(f.vk_bytes.len())]) {
            prop_assert!(vk != f.s.pk.vk && verify(&vk, &f.proof, &f.s.instances).is_err());
        }
        prop_assert!(VerifyingKey::from_bytes(&[f.vk_bytes.as_slice(), &extra].concat()).is_err());
    }

    #[test]
    fn bindings_round_trip_and_separate_keys(a in prop::collection::vec(any::<u8>(), 1..300), b in prop::collection::vec(any::<u8>(), 1..300)) {
        let f = fixture();
        let ka = f.s.pk.vk.clone().with_binding(a.clone()).unwrap();
        prop_assert_eq!(&VerifyingKey::from_bytes(&ka.to_bytes()).unwrap(), &ka);
        let kb = f.s.pk.vk.clone().with_binding(b.clone()).unwrap();
        prop_assert_eq!(a == b, ka.digest() == kb.digest());
    }

    #[test]
    fn instances_other_than_the_proven_ones_are_rejected(col in 0usize..1, row in 0usize..2, delta in 1u64..) {
        let f = fixture();
        let mut inst = f.s.instances.clone();
        inst[col][row] += Fr::from(delta);
        prop_assert!(verify(&f.s.pk.vk, &f.proof, &inst).is_err());
    }
}

proptest! {
    // Proving keys are larger (each decode recomputes coset forms and commitments): fewer cases.
    #![proptest_config(config(48))]

    #[test]
    fn a_mutated_proving_key_is_rejected_or_proves_nothing_valid(pos in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let f = fixture();
        let mut b = f.s.pk.to_bytes();
        let i = pos.index(b.len());
        b[i] ^= mask;
        if let Ok(pk) = ProvingKey::from_bytes(&b, &f.s.backend) {
            // It decoded (a changed commit-key base or embedded key): a proof made with it does
            // not verify under the original key.
            let mut rng = TestRng::for_test("codec_props::pk");
            if let Ok(p) = prove(&f.s.backend, &pk, &f.s.witness, &f.s.instances, &mut rng) {
                prop_assert!(verify(&f.s.pk.vk, &p, &f.s.instances).is_err(), "byte {} ^ {:#x}: a proof with the mutated key verifies", i, mask);
            }
        }
    }
}

#[test]
fn keys_and_proofs_round_trip() {
    let f = fixture();
    assert_eq!(Proof::from_bytes(&f.proof_bytes).unwrap(), f.proof);
    assert_eq!(VerifyingKey::from_bytes(&f.vk_bytes).unwrap(), f.s.pk.vk);
    let pk = ProvingKey::from_bytes(&f.s.pk.to_bytes(), &f.s.backend).unwrap();
    assert_eq!(pk.to_bytes(), f.s.pk.to_bytes());
}
