//! The statement an application binds to a verifying key (`VerifyingKey::with_binding`): part of
//! the encoding and of the digest the transcript absorbs, so a proof made under one binding is
//! rejected under another (or none); the encoding round-trips and every malformed variant is an
//! error or a key that rejects the proof.

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
