//! Soundness: wrong witnesses fail, every tampered proof is rejected, statements and keys are
//! bound, and malformed encodings are errors (never panics).

use crate::common;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, PrimeField, BigInteger};
use zkaccel::plonk::circuit::{ColumnKind, Witness};
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::{prove, verify, Proof, ProvingKey, VerifyingKey};
use zkaccel::plonk::{ConstraintSystem, FixedAssignment};
use zkaccel::{Error, Fr, G1Affine};
use zkaccel_testkit::seed::TestRng;

fn bump(p: &G1Affine) -> G1Affine {
    (*p + G1Affine::generator()).into_affine()
}

/// Every single-element change of a proof, labelled.
fn tampered(proof: &Proof) -> Vec<(String, Proof)> {
    let mut out = vec![];
    macro_rules! each_point {
        ($field:ident) => {
            for i in 0..proof.$field.len() {
                let mut p = proof.clone();
                p.$field[i] = bump(&p.$field[i]);
                out.push((format!("{}[{i}]", stringify!($field)), p));
            }
        };
    }
    macro_rules! each_scalar {
        ($field:ident) => {
            for i in 0..proof.$field.len() {
                let mut p = proof.clone();
                p.$field[i] += Fr::one();
                out.push((format!("{}[{i}]", stringify!($field)), p));
            }
        };
    }
    each_point!(advice_commitments);
    each_point!(permutation_commitments);
    each_point!(quotient_commitments);
    each_point!(opening_witnesses);
    each_scalar!(advice_evals);
    each_scalar!(fixed_evals);
    each_scalar!(sigma_evals);
    each_scalar!(z_evals);
    out
}

#[test]
fn every_tampered_element_is_rejected() {
    let mut rng = TestRng::for_test("plonk::every_tampered_element_is_rejected");
    let s = common::standard(5, 3, &mut rng);
    let proof = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    verify(&s.pk.vk, &proof, &s.instances).unwrap();
    let cases = tampered(&proof);
    // 3 advice + 1 Z + 3 quotient + 2 W; 3 advice + 5 fixed + 3 sigma + 2 Z evaluations.
    assert_eq!(cases.len(), 9 + 13);
    for (what, bad) in cases {
        assert!(matches!(verify(&s.pk.vk, &bad, &s.instances), Err(Error::Verification(_))), "accepted with {what} changed");
    }
    // Identity points in place of commitments.
    let mut bad = proof.clone();
    bad.quotient_commitments[2] = G1Affine::zero();
    assert!(verify(&s.pk.vk, &bad, &s.instances).is_err());
    // An off-curve point built in memory (no decoding) is an error, not a panic.
    let mut bad = proof.clone();
    bad.opening_witnesses[0] = G1Affine::new_unchecked(zkaccel::Fq::one(), zkaccel::Fq::one());
    assert!(matches!(verify(&s.pk.vk, &bad, &s.instances), Err(Error::Verification(_))));
}

#[test]
fn public_inputs_are_bound() {
    let mut rng = TestRng::for_test("plonk::public_inputs_are_bound");
    let s = common::standard(5, 4, &mut rng);
    let proof = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    for i in 0..4 {
        let mut inst = s.instances.clone();
        inst[0][i] += Fr::one();
        assert!(verify(&s.pk.vk, &proof, &inst).is_err(), "public input {i} changed");
    }
    let mut more = s.instances.clone();
    more[0].push(Fr::one());
    assert!(verify(&s.pk.vk, &proof, &more).is_err(), "an extra non-zero public input");
    let mut fewer = s.instances.clone();
    fewer[0].pop();
    assert!(verify(&s.pk.vk, &proof, &fewer).is_err(), "a missing public input");
    assert!(verify(&s.pk.vk, &proof, &[]).is_err(), "no instance column");
    assert!(verify(&s.pk.vk, &proof, &[vec![Fr::one(); 33]]).is_err(), "more public inputs than rows");
    // Trailing zero public inputs: the same polynomial, but the transcript absorbed the count.
    let mut padded = s.instances.clone();
    padded[0].push(Fr::from(0u64));
    assert!(verify(&s.pk.vk, &proof, &padded).is_err(), "the count of public inputs is bound");
}

#[test]
fn proofs_and_keys_are_bound_to_their_circuit() {
    let mut rng = TestRng::for_test("plonk::proofs_and_keys_are_bound_to_their_circuit");
    let a = common::standard(5, 2, &mut rng);
    let b = common::standard(5, 2, &mut rng);
    let pa = prove(&a.backend, &a.pk, &a.witness, &a.instances, &mut rng).unwrap();
    let pb = prove(&b.backend, &b.pk, &b.witness, &b.instances, &mut rng).unwrap();
    verify(&a.pk.vk, &pa, &a.instances).unwrap();
    verify(&b.pk.vk, &pb, &b.instances).unwrap();
    // Swapped proofs, with either statement.
    assert!(verify(&a.pk.vk, &pb, &b.instances).is_err());
    assert!(verify(&a.pk.vk, &pb, &a.instances).is_err());
    assert!(verify(&b.pk.vk, &pa, &a.instances).is_err());
    // The same circuit keyed against another SRS is another verifying key.
    let other_srs = common::dev_srs(5, &mut rng);
    let pk2 = zkaccel::plonk::keygen(&a.backend, &other_srs, a.cs.clone(), &a.circuit).unwrap();
    assert_ne!(pk2.vk.digest(), a.pk.vk.digest());
    assert!(verify(&pk2.vk, &pa, &a.instances).is_err());
    // Proof for another size.
    let c = common::standard(6, 2, &mut rng);
    assert!(verify(&c.pk.vk, &pa, &a.instances).is_err());
}

#[test]
fn wrong_witnesses_fail() {
    let mut rng = TestRng::for_test("plonk::wrong_witnesses_fail");
    let s = common::standard(5, 2, &mut rng);
    // (1) A gate violation: change one output.
    let mut w1 = s.witness.clone();
    let row = 10;
    w1.advice[2][row] += Fr::one();
    let failures = check_witness(&s.cs, &s.circuit, &w1, &s.instances, 10).unwrap();
    assert!(failures.contains(&Failure::Gate { gate: "standard".into(), constraint: 0, row }), "{failures:?}");
    // (2) A copy violation that satisfies every gate: re-derive a row from a changed input.
    let mut w2 = s.witness.clone();
    let fixed = &s.circuit.fixed;
    let row2 = (3..32).find(|&r| fixed[3][r].is_one()).expect("a multiplication row");
    w2.advice[0][row2] += Fr::one();
    w2.advice[2][row2] = w2.advice[0][row2] * w2.advice[1][row2];
    let failures = check_witness(&s.cs, &s.circuit, &w2, &s.instances, 100).unwrap();
    assert!(!failures.is_empty() && failures.iter().all(|f| matches!(f, Failure::Copy { .. })), "{failures:?}");
    // (3) A witness that does not match the public input.
    let mut w3 = s.witness.clone();
    w3.advice[0][0] += Fr::one();
    for (name, w) in [("gate", &w1), ("copy", &w2), ("public input", &w3)] {
        // The prover refuses.
        assert!(matches!(prove(&s.backend, &s.pk, w, &s.instances, &mut rng), Err(Error::Witness(_))), "{name}");
        // Forced through, the verifier rejects.
        let forced =
            prove_with_options(&s.backend, &s.pk, w, &s.instances, &mut rng, ProveOptions { check_witness: false }).unwrap();
        assert!(verify(&s.pk.vk, &forced, &s.instances).is_err(), "{name}: forged proof accepted");
    }
    // Shape errors are errors.
    let short = Witness { advice: s.witness.advice[..2].to_vec() };
    assert!(matches!(prove(&s.backend, &s.pk, &short, &s.instances, &mut rng), Err(Error::Witness(_))));
    let _ = ColumnKind::Advice;
}

#[test]
fn proofs_are_zero_knowledge_randomized() {
    let mut rng = TestRng::for_test("plonk::proofs_are_zero_knowledge_randomized");
    let s = common::standard(4, 1, &mut rng);
    let p1 = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    let p2 = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    verify(&s.pk.vk, &p1, &s.instances).unwrap();
    verify(&s.pk.vk, &p2, &s.instances).unwrap();
    assert_ne!(p1, p2);
    // Every commitment and every witness-dependent evaluation is re-randomized.
    for (x, y) in p1.advice_commitments.iter().zip(&p2.advice_commitments)
        .chain(p1.permutation_commitments.iter().zip(&p2.permutation_commitments))
        .chain(p1.quotient_commitments.iter().zip(&p2.quotient_commitments))
        .chain(p1.opening_witnesses.iter().zip(&p2.opening_witnesses))
    {
        assert_ne!(x, y);
    }
    for (x, y) in p1.advice_evals.iter().zip(&p2.advice_evals).chain(p1.z_evals.iter().zip(&p2.z_evals)) {
        assert_ne!(x, y);
    }
    // Blinded commitments differ from the unblinded Lagrange commitment of the column.
    let unblinded: ark_bn254::G1Projective =
        s.pk.ck.lagrange.iter().zip(&s.witness.advice[0]).map(|(b, v)| *b * v).sum();
    assert_ne!(p1.advice_commitments[0], unblinded.into_affine());
}

#[test]
fn fiat_shamir_binds_every_absorbed_item() {
    use zkaccel::plonk::verifier::derive_challenges;
    let mut rng = TestRng::for_test("plonk::fiat_shamir_binds_every_absorbed_item");
    let s = common::standard(4, 2, &mut rng);
    let other = common::standard(4, 2, &mut rng);
    let proof = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    let base = derive_challenges(&s.pk.vk, &proof, &s.instances);
    let all = |c: &zkaccel::plonk::Challenges| [c.beta, c.gamma, c.alpha, c.zeta, c.v, c.u];
    // How many leading challenges stay the same when an item changes.
    let unchanged_prefix = |c: zkaccel::plonk::Challenges| all(&base).iter().zip(all(&c)).take_while(|(a, b)| **a == *b).count();
    let all_differ = |c: zkaccel::plonk::Challenges, what: &str| {
        for (a, b) in all(&base).iter().zip(all(&c)) {
            assert_ne!(*a, b, "{what}");
        }
    };
    // The verifying key (its digest covers n, ω, gates, commitments, SRS).
    all_differ(derive_challenges(&other.pk.vk, &proof, &s.instances), "verifying key");
    // Each public input.
    for i in 0..2 {
        let mut inst = s.instances.clone();
        inst[0][i] += Fr::one();
        all_differ(derive_challenges(&s.pk.vk, &proof, &inst), "public input");
    }
    for (what, bad) in tampered(&proof) {
        let c = derive_challenges(&s.pk.vk, &bad, &s.instances);
        let expected_prefix = if what.starts_with("advice_commitments") {
            0
        } else if what.starts_with("permutation_commitments") {
            2
        } else if what.starts_with("quotient_commitments") {
            3
        } else if what.starts_with("opening_witnesses") {
            5
        } else {
            4 // evaluations: v and u change, ζ does not
        };
        assert_eq!(unchanged_prefix(c), expected_prefix, "{what}");
        for (a, b) in all(&base).iter().zip(all(&c)).skip(expected_prefix) {
            assert_ne!(*a, b, "{what}");
        }
    }
}

#[test]
fn malformed_encodings_are_errors() {
    let mut rng = TestRng::for_test("plonk::malformed_encodings_are_errors");
    let s = common::standard(3, 1, &mut rng);
    let proof = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    let bytes = proof.to_bytes();
    assert_eq!(bytes.len(), proof.size_bytes());
    // Every truncation.
    for cut in 0..bytes.len() {
        assert!(Proof::from_bytes(&bytes[..cut]).is_err(), "truncated at {cut}");
    }
    // A trailing byte, a foreign magic, a future version.
    assert!(Proof::from_bytes(&[bytes.as_slice(), &[0]].concat()).is_err());
    let mut foreign = bytes.clone();
    foreign[..4].copy_from_slice(b"ZKVK");
    assert!(Proof::from_bytes(&foreign).is_err());
    let mut future = bytes.clone();
    future[4..8].copy_from_slice(&(zkaccel::plonk::proof::PROOF_VERSION + 1).to_le_bytes());
    assert!(Proof::from_bytes(&future).is_err());
    // A non-canonical evaluation: replace the first advice evaluation by itself + r.
    let eval_offset = bytes.len() - 4 - 64 * proof.opening_witnesses.len()
        - (4 + 32 * proof.z_evals.len()) - (4 + 32 * proof.sigma_evals.len())
        - (4 + 32 * proof.fixed_evals.len()) - 32 * proof.advice_evals.len();
    let mut nc = bytes.clone();
    let v = proof.advice_evals[0].into_bigint();
    let mut sum = v;
    let carry = sum.add_with_carry(&Fr::MODULUS);
    if !carry {
        nc[eval_offset..eval_offset + 32].copy_from_slice(&sum.to_bytes_le());
        assert!(Proof::from_bytes(&nc).is_err(), "non-canonical evaluation accepted");
    }
    // Bit flips (every byte's top bit — the infinity flags and the bits above every modulus — and
    // a varying bit of every 7th byte): either a decode error or a rejected proof.
    let flips = (0..bytes.len()).map(|i| (i, 0x80u8)).chain((0..bytes.len()).step_by(7).map(|i| (i, 1u8 << (i % 8))));
    for (i, bit) in flips {
        let mut flipped = bytes.clone();
        flipped[i] ^= bit;
        if let Ok(p) = Proof::from_bytes(&flipped) {
            assert_ne!(p, proof, "flip {bit:#x} at byte {i} decodes to the same proof");
            assert!(verify(&s.pk.vk, &p, &s.instances).is_err(), "flip {bit:#x} at byte {i} accepted");
        }
    }
    // Keys: verifying-key truncations and flips (every byte, top bit: this hits each point's
    // infinity flag), proving-key round trip.
    let vkb = s.pk.vk.to_bytes();
    for cut in 0..vkb.len() {
        assert!(VerifyingKey::from_bytes(&vkb[..cut]).is_err(), "vk truncated at {cut}");
    }
    for i in 0..vkb.len() {
        let mut flipped = vkb.clone();
        flipped[i] ^= 0x80;
        if let Ok(vk) = VerifyingKey::from_bytes(&flipped) {
            assert_ne!(vk, s.pk.vk, "vk flip at byte {i} decodes to the same key");
            assert!(verify(&vk, &proof, &s.instances).is_err(), "vk flip at byte {i} accepted");
        }
    }
    let pkb = s.pk.to_bytes();
    let pk2 = ProvingKey::from_bytes(&pkb, &s.backend).unwrap();
    assert_eq!(pk2.vk, s.pk.vk);
    let p2 = prove(&s.backend, &pk2, &s.witness, &s.instances, &mut rng).unwrap();
    verify(&s.pk.vk, &p2, &s.instances).unwrap();
    for cut in [0, 3, 8, 100, pkb.len() / 2, pkb.len() - 1] {
        assert!(ProvingKey::from_bytes(&pkb[..cut], &s.backend).is_err());
    }
    // A proving key whose fixed values disagree with its verifying key.
    let mut pkbad = pkb.clone();
    let vk_len = u32::from_le_bytes(pkb[8..12].try_into().unwrap()) as usize;
    let first_fixed = 12 + vk_len + 4 + 4; // column count, first column length
    pkbad[first_fixed] ^= 1;
    assert!(ProvingKey::from_bytes(&pkbad, &s.backend).is_err());
}

/// The proving key (version 7) is read as stored: both loads give the key that was written; a
/// truncated, extended or flipped file fails its checksum; an older version is named; a file
/// forged with a recomputed checksum is refused where an element is non-canonical, a count
/// disagrees with the shape or bytes trail, and — by the checked load — where a derived table
/// disagrees with the values or a base is off the curve. A forged table the prover's load takes
/// yields a proof that does not verify.
#[test]
fn a_proving_key_is_read_as_stored_and_checked() {
    use zkaccel::error::DecodeError;
    let mut rng = TestRng::for_test("plonk::a_proving_key_is_read_as_stored");
    let s = common::standard(3, 1, &mut rng);
    let pkb = s.pk.to_bytes();
    for pk in [ProvingKey::from_bytes(&pkb, &s.backend).unwrap(), ProvingKey::from_bytes_unchecked_commitments(&pkb, &s.backend).unwrap()] {
        assert_eq!(pk.vk, s.pk.vk);
        assert_eq!((&pk.fixed_values, &pk.fixed_coeffs, &pk.fixed_ext), (&s.pk.fixed_values, &s.pk.fixed_coeffs, &s.pk.fixed_ext));
        assert_eq!((&pk.sigma_values, &pk.sigma_coeffs, &pk.sigma_ext, &pk.l0_ext), (&s.pk.sigma_values, &s.pk.sigma_coeffs, &s.pk.sigma_ext, &s.pk.l0_ext));
        assert_eq!((&pk.ck, pk.ck_ids), (&s.pk.ck, s.pk.ck_ids));
        assert_eq!(pk.to_bytes(), pkb);
    }
    let decode = |b: &[u8], checked: bool| -> Result<ProvingKey, Error> {
        if checked {
            ProvingKey::from_bytes(b, &s.backend)
        } else {
            ProvingKey::from_bytes_unchecked_commitments(b, &s.backend)
        }
    };
    let message = |b: &[u8], checked: bool| decode(b, checked).err().expect("refused").to_string();
    let digest_error = "proving key: its CRC-32 checksum does not match";
    // Truncations, an extension, flips in every part (header, key, tables, bases, the digest).
    for cut in [0, 3, 8, 11, 12, 100, pkb.len() / 2, pkb.len() - 5, pkb.len() - 4, pkb.len() - 1] {
        let m = message(&pkb[..cut], false);
        assert!(m.contains("truncated") || m.contains(digest_error), "cut {cut}: {m}");
    }
    assert!(message(&[pkb.as_slice(), &[0]].concat(), false).contains(digest_error));
    for i in (12..pkb.len()).step_by(pkb.len() / 97) {
        let mut b = pkb.clone();
        b[i] ^= 1 << (i % 8);
        assert!(message(&b, false).contains(digest_error), "flip at {i}");
    }
    // An older version (whatever follows) and a foreign magic are named.
    let mut old = pkb.clone();
    old[4..8].copy_from_slice(&6u32.to_le_bytes());
    assert!(matches!(decode(&old, false), Err(Error::Decode(DecodeError::UnsupportedVersion { found: 6, supported: 7, .. }))));
    let mut foreign = pkb.clone();
    foreign[..4].copy_from_slice(b"ZKVK");
    assert!(matches!(decode(&foreign, false), Err(Error::Decode(DecodeError::BadMagic { .. }))));

    // Forged files: the body changed, the checksum recomputed (an independent CRC-32: the
    // reflected polynomial 0xEDB88320, bit by bit).
    let crc32 = |b: &[u8]| -> u32 {
        let mut c = !0u32;
        for &x in b {
            c ^= x as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
            }
        }
        !c
    };
    assert_eq!(crc32(&pkb[..pkb.len() - 4]).to_le_bytes()[..], pkb[pkb.len() - 4..]);
    let forge = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut b = pkb[..pkb.len() - 4].to_vec();
        edit(&mut b);
        let d = crc32(&b);
        b.extend_from_slice(&d.to_le_bytes());
        b
    };
    let vk_len = u32::from_le_bytes(pkb[8..12].try_into().unwrap()) as usize;
    let counts = 12 + vk_len;
    let tables = counts + 7 * 4;
    let shape = s.pk.vk.shape();
    let (n, ext_n, nf) = (shape.n, 1usize << shape.ext_k, s.pk.fixed_values.len());
    assert!(nf > 0);
    let coeffs_at = tables + 32 * nf * n;
    let ext_at = coeffs_at + 32 * nf * n;
    let ns = s.pk.sigma_values.len();
    let bases_at = tables + 32 * (nf + ns) * (2 * n + ext_n) + 32 * ext_n;
    // A count that disagrees with the verifying key's shape.
    let m = message(&forge(&|b| b[counts] ^= 1), false);
    assert!(m.contains("domain size") && m.contains("needs"), "{m}");
    // A non-canonical element: the first fixed value's limbs all ones (≥ r).
    let m = message(&forge(&|b| b[tables..tables + 32].fill(0xff)), false);
    assert!(m.contains("non-canonical fixed column values"), "{m}");
    let m = message(&forge(&|b| b[bases_at..bases_at + 32].fill(0xff)), false);
    assert!(m.contains("non-canonical Lagrange bases"), "{m}");
    // Trailing bytes inside the checksum.
    assert!(matches!(decode(&forge(&|b| b.push(0)), false), Err(Error::Decode(DecodeError::TrailingBytes { .. }))));
    // A changed coefficient: the checked load refuses it; the prover's load takes it, and the
    // proof it makes (if any) does not verify.
    let bad_coeff = forge(&|b| b[coeffs_at] ^= 1);
    let m = message(&bad_coeff, true);
    assert!(m.contains("coefficient or coset tables"), "{m}");
    let pk = decode(&bad_coeff, false).unwrap();
    assert_ne!(pk.fixed_coeffs, s.pk.fixed_coeffs);
    if let Ok(p) = prove(&s.backend, &pk, &s.witness, &s.instances, &mut rng) {
        assert!(verify(&s.pk.vk, &p, &s.instances).is_err(), "a proof with a forged coefficient table verifies");
    }
    let bad_ext = forge(&|b| b[ext_at + 5] ^= 1);
    assert!(message(&bad_ext, true).contains("coefficient or coset tables"));
    // A changed value: its commitment no longer matches (checked load).
    assert!(message(&forge(&|b| b[tables] ^= 1), true).contains("do not match the verifying key's commitments"));
    // A base off the curve (y + 1 in Montgomery form stays canonical for this point or is refused).
    let off_curve = forge(&|b| b[bases_at + 32] ^= 1);
    let m = message(&off_curve, true);
    assert!(m.contains("Lagrange bases is not on the curve") || m.contains("non-canonical Lagrange bases"), "{m}");
}

/// Proofs made of the honest elements rearranged or degenerated, labelled: in each list, every
/// pair of distinct elements swapped and element 0 copied into 1 (and 1 into 0); every point set
/// to the identity and negated.
fn rearranged(proof: &Proof) -> Vec<(String, Proof)> {
    let mut out = vec![];
    macro_rules! each_pair {
        ($field:ident) => {
            let len = proof.$field.len();
            for i in 0..len {
                for j in i + 1..len {
                    assert_ne!(proof.$field[i], proof.$field[j], "{}: elements {i} and {j} are equal", stringify!($field));
                    let mut p = proof.clone();
                    p.$field.swap(i, j);
                    out.push((format!("{} {i} and {j} swapped", stringify!($field)), p));
                }
            }
            if len >= 2 {
                for (from, to) in [(0, 1), (1, 0)] {
                    let mut p = proof.clone();
                    p.$field[to] = p.$field[from];
                    out.push((format!("{} {from} copied into {to}", stringify!($field)), p));
                }
            }
        };
    }
    macro_rules! each_point {
        ($field:ident) => {
            for i in 0..proof.$field.len() {
                let mut p = proof.clone();
                p.$field[i] = G1Affine::zero();
                out.push((format!("{}[{i}] set to the identity", stringify!($field)), p));
                let mut p = proof.clone();
                p.$field[i] = -p.$field[i];
                out.push((format!("{}[{i}] negated", stringify!($field)), p));
            }
        };
    }
    each_pair!(advice_evals);
    each_pair!(fixed_evals);
    each_pair!(sigma_evals);
    each_pair!(z_evals);
    each_pair!(advice_commitments);
    each_pair!(quotient_commitments);
    each_pair!(opening_witnesses);
    each_point!(advice_commitments);
    each_point!(permutation_commitments);
    each_point!(quotient_commitments);
    each_point!(opening_witnesses);
    out
}

/// Reordered and duplicated evaluations, reordered commitments and opening witnesses, and every
/// point set to the identity or negated: each a valid-looking proof of the right shape, each
/// rejected by the verifier (one honest proof, many changes).
#[test]
fn rearranged_and_degenerate_proof_elements_are_rejected() {
    let mut rng = TestRng::for_test("plonk::rearranged_and_degenerate_proof_elements_are_rejected");
    let s = common::standard(5, 3, &mut rng);
    let proof = prove(&s.backend, &s.pk, &s.witness, &s.instances, &mut rng).unwrap();
    verify(&s.pk.vk, &proof, &s.instances).unwrap();
    let cases = rearranged(&proof);
    // Evaluations (3 advice, 5 fixed, 3 σ, 2 Z): 3 + 10 + 3 + 1 swaps, 4 × 2 copies; commitments
    // (3 advice, 3 quotient) and opening witnesses (2): 3 + 3 + 1 swaps, 3 × 2 copies; 3 advice +
    // 1 Z + 3 quotient + 2 W points, each to the identity and negated.
    assert_eq!(cases.len(), (17 + 8) + (7 + 6) + 2 * 9);
    let accepted: Vec<String> =
        cases.iter().filter(|(_, bad)| !matches!(verify(&s.pk.vk, bad, &s.instances), Err(Error::Verification(_)))).map(|(what, _)| what.clone()).collect();
    assert!(accepted.is_empty(), "not rejected: {accepted:?}");
    // The identity encodes and decodes (the infinity flag) and is still rejected.
    let mut bad = proof.clone();
    bad.advice_commitments[0] = G1Affine::zero();
    let decoded = Proof::from_bytes(&bad.to_bytes()).unwrap();
    assert_eq!(decoded, bad);
    assert!(matches!(verify(&s.pk.vk, &decoded, &s.instances), Err(Error::Verification(_))), "decoded identity advice commitment accepted");
}

/// Trailing zero public inputs give the same instance polynomial, but the transcript absorbs each
/// column's count: a proof made for (a, 0) is rejected with (a) and with (a, 0, 0) (the other
/// direction is in `public_inputs_are_bound`).
#[test]
fn a_proof_for_padded_public_inputs_is_bound_to_their_count() {
    let mut rng = TestRng::for_test("plonk::a_proof_for_padded_public_inputs_is_bound_to_their_count");
    let s = common::standard(5, 3, &mut rng);
    let mut padded = s.instances.clone();
    padded[0].push(Fr::from(0u64));
    let proof = prove(&s.backend, &s.pk, &s.witness, &padded, &mut rng).unwrap();
    verify(&s.pk.vk, &proof, &padded).unwrap();
    let mut twice = padded.clone();
    twice[0].push(Fr::from(0u64));
    for (what, inst) in [("(a)", &s.instances), ("(a, 0, 0)", &twice)] {
        assert!(matches!(verify(&s.pk.vk, &proof, inst), Err(Error::Verification(_))), "a proof for (a, 0) accepted with {what}");
    }
}

/// A quantized dot product with everything public, the zkML layout of public parameters: the
/// output in instance column 0 (read on the last row through a selector), the weights and the
/// inputs in advice columns bound row by row, with no selector, to instance columns 1 and 2.
fn public_dot_product(k: u32, rng: &mut TestRng) -> (ConstraintSystem, FixedAssignment, Witness, Vec<Vec<Fr>>) {
    use rand::Rng;
    use zkaccel::plonk::mac::signed_to_fr as fr;
    let n = 1usize << k;
    let len = n - 1;
    let mut cs = ConstraintSystem::new();
    let (x, w, acc) = (cs.advice_column(), cs.advice_column(), cs.advice_column());
    let (q_mac, q_first, q_out) = (cs.fixed_column(), cs.fixed_column(), cs.fixed_column());
    let (out, pw, px) = (cs.instance_column(), cs.instance_column(), cs.instance_column());
    cs.create_gate("mac", vec![q_mac.cur() * (acc.next() - acc.cur() - w.cur() * x.cur())]);
    cs.create_gate("start", vec![q_first.cur() * acc.cur()]);
    // The output sits in the last row; its instance value in row 0 (rotation +1 wraps).
    cs.create_gate("output", vec![q_out.cur() * (acc.cur() - out.next())]);
    cs.create_gate("public_weights", vec![w.cur() - pw.cur()]);
    cs.create_gate("public_inputs", vec![x.cur() - px.cur()]);
    // Non-zero values, so that dropping the last one changes the column's polynomial too.
    let mut nonzero = || if rng.gen_bool(0.5) { rng.gen_range(1..100i64) } else { -rng.gen_range(1..100i64) };
    let ws: Vec<i64> = (0..len).map(|_| nonzero()).collect();
    let xs: Vec<i64> = (0..len).map(|_| nonzero()).collect();
    let mut accs = vec![0i64];
    for i in 0..len {
        accs.push(accs[i] + ws[i] * xs[i]);
    }
    let column = |f: &dyn Fn(usize) -> bool| (0..n).map(|i| if f(i) { Fr::one() } else { Fr::from(0u64) }).collect::<Vec<Fr>>();
    let fixed = vec![column(&|i| i < len), column(&|i| i == 0), column(&|i| i == n - 1)];
    let ints = |v: &[i64]| v.iter().map(|v| fr(*v)).collect::<Vec<Fr>>();
    let witness = Witness { advice: vec![ints(&xs), ints(&ws), ints(&accs)] };
    let instances = vec![vec![fr(accs[len])], ints(&ws), ints(&xs)];
    (cs, FixedAssignment { k, fixed, copies: vec![] }, witness, instances)
}

/// Every instance column is bound by the proof itself (`plonk::verify`, no statement digest
/// around it): in each of three columns, the first and the last value changed, a zero appended
/// and the last value dropped are all rejected.
#[test]
fn every_instance_column_is_bound_by_the_proof() {
    let mut rng = TestRng::for_test("plonk::every_instance_column_is_bound_by_the_proof");
    let (cs, circuit, witness, instances) = public_dot_product(4, &mut rng);
    assert_eq!(cs.num_instance, 3);
    assert!(check_witness(&cs, &circuit, &witness, &instances, 10).unwrap().is_empty());
    let backend = zkaccel::backend::CpuBackend::new();
    let srs = common::dev_srs(4, &mut rng);
    let pk = zkaccel::plonk::keygen(&backend, &srs, cs, &circuit).unwrap();
    let proof = prove(&backend, &pk, &witness, &instances, &mut rng).unwrap();
    verify(&pk.vk, &proof, &instances).unwrap();
    let mut cases: Vec<(String, Vec<Vec<Fr>>)> = vec![];
    for (c, col) in instances.iter().enumerate() {
        let last = col.len() - 1;
        for i in if last == 0 { vec![0] } else { vec![0, last] } {
            let mut inst = instances.clone();
            inst[c][i] += Fr::one();
            cases.push((format!("column {c}: value {i} + 1"), inst));
        }
        let mut inst = instances.clone();
        inst[c].push(Fr::from(0u64));
        cases.push((format!("column {c}: a zero appended"), inst));
        let mut inst = instances.clone();
        inst[c].pop();
        cases.push((format!("column {c}: the last value dropped"), inst));
    }
    // Output: 1 value (first = last); weights and inputs: 15 values each.
    assert_eq!(cases.len(), 3 + 4 + 4);
    let accepted: Vec<&String> =
        cases.iter().filter(|(_, inst)| !matches!(verify(&pk.vk, &proof, inst), Err(Error::Verification(_)))).map(|(what, _)| what).collect();
    assert!(accepted.is_empty(), "not rejected: {accepted:?}");
}
