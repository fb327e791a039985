//! `.ptau` loading against the snarkjs-made fixture (an implementation independent of ours), and
//! rejection of damaged files.

use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use zkaccel_testkit::seed::TestRng;

use super::*;
use crate::codec::{fq_to_le, Writer};

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snarkjs_bn128_pot10_final.ptau"))
        .expect("fixture present")
}

/// Byte offset of a section's payload.
fn section_offset(bytes: &[u8], want: u32) -> usize {
    let mut p = 12;
    loop {
        let id = u32::from_le_bytes(bytes[p..p + 4].try_into().unwrap());
        let size = u64::from_le_bytes(bytes[p + 4..p + 12].try_into().unwrap()) as usize;
        if id == want {
            return p + 12;
        }
        p += 12 + size;
    }
}

#[test]
fn loads_the_snarkjs_fixture() {
    let mut rng = TestRng::for_test("ptau::loads_the_snarkjs_fixture");
    let srs = Srs::from_ptau_bytes(&fixture(), None, &mut rng).unwrap();
    assert_eq!(srs.source(), &SrsSource::Ptau { power: 10 });
    assert_eq!(srs.max_degree(), 2046);
    assert_eq!(srs.g1_powers()[0], G1Affine::generator());
    assert!(!srs.is_insecure());
    let small = Srs::from_ptau_bytes(&fixture(), Some(100), &mut rng).unwrap();
    assert_eq!(small.max_degree(), 100);
    assert_eq!(small.g1_powers(), &srs.g1_powers()[..101]);
    assert!(Srs::from_ptau_bytes(&fixture(), Some(2047), &mut rng).is_err());
    // From the file, reading only what is needed.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snarkjs_bn128_pot10_final.ptau");
    let from_file = Srs::from_ptau_file(path, Some(100)).unwrap();
    assert_eq!(from_file.g1_powers(), small.g1_powers());
    assert_eq!(from_file.verifier_srs(), small.verifier_srs());
    assert!(matches!(Srs::from_ptau_file("/nonexistent/x.ptau", None), Err(Error::Io(_))));
}

#[test]
fn lagrange_basis_matches_snarkjs_phase2_section() {
    // snarkjs "prepare phase2" stores the Lagrange form of the τ powers for every domain size 2^p
    // (section 12, sizes 2^0, 2^1, … concatenated). Our group-FFT conversion must agree with it.
    let mut rng = TestRng::for_test("ptau::lagrange_basis_matches_snarkjs");
    let bytes = fixture();
    let srs = Srs::from_ptau_bytes(&bytes, Some(64), &mut rng).unwrap();
    let sec = section_offset(&bytes, 12);
    for k in [1u32, 3, 6] {
        let ours = srs.lagrange_basis(k).unwrap();
        let start = sec + ((1usize << k) - 1) * 64;
        let theirs: Vec<G1Affine> = (0..1usize << k)
            .map(|i| read_g1(bytes[start + 64 * i..start + 64 * (i + 1)].try_into().unwrap()).unwrap())
            .collect();
        assert_eq!(ours, theirs, "Lagrange basis of size 2^{k}");
    }
}

#[test]
fn rejects_damaged_files() {
    let mut rng = TestRng::for_test("ptau::rejects_damaged_files");
    let good = fixture();
    // Truncations anywhere.
    for cut in [0usize, 3, 11, 20, 60, 1000, good.len() / 2, good.len() - 1] {
        assert!(Srs::from_ptau_bytes(&good[..cut], None, &mut rng).is_err(), "cut at {cut}");
    }
    // A trailing byte.
    let mut long = good.clone();
    long.push(0);
    assert!(matches!(
        Srs::from_ptau_bytes(&long, None, &mut rng),
        Err(Error::Decode(DecodeError::TrailingBytes { .. }))
    ));
    // Wrong magic and version.
    let mut bad = good.clone();
    bad[0] = b'x';
    assert!(matches!(Srs::from_ptau_bytes(&bad, None, &mut rng), Err(Error::Decode(DecodeError::BadMagic { .. }))));
    let mut bad = good.clone();
    bad[4] = 9;
    assert!(matches!(
        Srs::from_ptau_bytes(&bad, None, &mut rng),
        Err(Error::Decode(DecodeError::UnsupportedVersion { .. }))
    ));
    let g1 = section_offset(&good, 2);
    let g2 = section_offset(&good, 3);
    // A flipped bit in a G1 point: off the curve (or non-canonical).
    let mut bad = good.clone();
    bad[g1 + 64 * 5 + 3] ^= 1;
    assert!(matches!(Srs::from_ptau_bytes(&bad, None, &mut rng), Err(Error::Decode(_))));
    // Two powers swapped: every point valid, the τ consistency pairing fails.
    let mut bad = good.clone();
    let (a, b) = (g1 + 64 * 3, g1 + 64 * 4);
    let tmp = bad[a..a + 64].to_vec();
    bad.copy_within(b..b + 64, a);
    bad[b..b + 64].copy_from_slice(&tmp);
    assert!(matches!(Srs::from_ptau_bytes(&bad, None, &mut rng), Err(Error::Srs(_))));
    // [τ]₂ replaced by another subgroup point: pairing fails.
    let other = (ark_bn254::G2Projective::generator() * crate::Fr::from(5u64)).into_affine();
    let mut bad = good.clone();
    let (x, y) = other.xy().unwrap();
    let mont = |v: crate::Fq| fq_to_le(&(v * crate::Fq::from(2u64).pow([256u64])));
    let mut enc = vec![];
    for c in [x.c0, x.c1, y.c0, y.c1] {
        enc.extend_from_slice(&mont(c));
    }
    bad[g2 + 128..g2 + 256].copy_from_slice(&enc);
    assert!(matches!(Srs::from_ptau_bytes(&bad, None, &mut rng), Err(Error::Srs(_))));
    // [τ]₂ replaced by a curve point outside the subgroup.
    let mut w = Writer::new();
    let mut xx = ark_bn254::Fq2::new(crate::Fq::from(1u64), crate::Fq::from(0u64));
    let p = loop {
        if let Some(p) = G2Affine::get_point_from_x_unchecked(xx, false) {
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
        xx += ark_bn254::Fq2::from(1u64);
    };
    w.g2(&p);
    let (x, y) = p.xy().unwrap();
    let mut enc = vec![];
    for c in [x.c0, x.c1, y.c0, y.c1] {
        enc.extend_from_slice(&mont(c));
    }
    let mut bad = good.clone();
    bad[g2 + 128..g2 + 256].copy_from_slice(&enc);
    assert!(matches!(
        Srs::from_ptau_bytes(&bad, None, &mut rng),
        Err(Error::Decode(DecodeError::NotInSubgroup { .. }))
    ));
    // A different curve's header (modulus changed).
    let mut bad = good.clone();
    let h = section_offset(&good, 1);
    bad[h + 4] ^= 1;
    assert!(Srs::from_ptau_bytes(&bad, None, &mut rng).is_err());
}

use ark_ff::Field;
