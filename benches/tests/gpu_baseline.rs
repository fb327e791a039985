//! The GPU baseline's CUDA source (`benches/gpu/`) built by g++ as its emulation build and
//! checked against arkworks: the field constants, MSMs on edge inputs and seeded random ones at
//! several window sizes, NTTs of every size up to 2^9, and bad input files. No GPU needed: the
//! emulation runs each kernel once per thread index, so this checks the kernels' arithmetic and
//! indexing — not races or launch limits, which only a run on a GPU shows
//! (`benches/gpu/run-on-device.sh` checks every result there against arkworks as well).

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{BigInteger, Field, One, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::PathBuf;
use std::sync::OnceLock;
use zkaccel_benches::gpu_baseline as gb;

fn emulated() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| gb::build_emulated(&PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gpu_baseline")).expect("g++ build of benches/gpu/main.cu"))
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gpu_baseline").join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ark_msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Affine {
    G1Projective::msm(bases, scalars).unwrap().into_affine()
}

#[test]
fn field_constants_and_root_of_unity() {
    gb::self_test(emulated()).unwrap();
}

#[test]
fn msm_edge_inputs_equal_arkworks_at_every_window_size() {
    let mut rng = ChaCha20Rng::seed_from_u64(23);
    let g = G1Projective::generator();
    let p = (g * Fr::rand(&mut rng)).into_affine();
    let q = (g * Fr::rand(&mut rng)).into_affine();
    let minus_one = -Fr::one();
    // Identity bases, P twice (a doubling inside a bucket), P and −P in one bucket (cancellation),
    // scalars 0, 1, r − 1, powers of two at window edges, and a few random pairs.
    let mut bases = vec![G1Affine::zero(), p, p, p, (-p.into_group()).into_affine(), q, q, p, q];
    let mut scalars =
        vec![Fr::from(5u64), Fr::from(7u64), Fr::from(7u64), Fr::from(9u64), Fr::from(9u64), Fr::zero(), Fr::one(), minus_one, Fr::from(1u64 << 40)];
    for k in [12u32, 13, 31, 32, 63, 64, 127, 200, 253] {
        bases.push(p);
        scalars.push(Fr::from(2u64).pow([k as u64]));
    }
    for _ in 0..40 {
        bases.push((g * Fr::rand(&mut rng)).into_affine());
        scalars.push(Fr::rand(&mut rng));
    }
    let want = ark_msm(&bases, &scalars);
    let dir = scratch("msm_edges");
    for c in [2u32, 3, 5, 7, 8, 9, 11, 13, 16] {
        let (got, line) = gb::gpu_msm(emulated(), &dir, &bases, &scalars, c, 1).unwrap();
        assert_eq!(got, want, "c = {c}");
        assert_eq!(line.num("windows").unwrap() as u32, 254u32.div_ceil(c));
        assert_eq!(line.num("n").unwrap() as usize, bases.len());
    }
    // One scalar for every point: each window's points in one bucket, a run across many segments
    // of the bucket pass (32 pairs each).
    let many = gb::random_bases(300, 4);
    let same = vec![Fr::rand(&mut rng); many.len()];
    for c in [4u32, 9] {
        assert_eq!(gb::gpu_msm(emulated(), &dir, &many, &same, c, 1).unwrap().0, ark_msm(&many, &same), "one scalar, c = {c}");
    }
    // All scalars zero, and one point: the identity and a single multiple.
    let zeros = vec![Fr::zero(); bases.len()];
    assert_eq!(gb::gpu_msm(emulated(), &dir, &bases, &zeros, 6, 1).unwrap().0, G1Affine::zero());
    assert_eq!(gb::gpu_msm(emulated(), &dir, &[p], &[minus_one], 4, 1).unwrap().0, (-p.into_group()).into_affine());
}

#[test]
fn msm_seeded_random_equal_arkworks() {
    for (log_n, c, seed) in [(8u32, 2u32, 4u64), (8, 6, 1), (10, 7, 2), (11, 10, 3), (11, 13, 5)] {
        let n = 1usize << log_n;
        let bases = gb::random_bases(n, seed);
        let scalars = gb::random_scalars(n, seed + 100);
        let (got, line) = gb::gpu_msm(emulated(), &scratch("msm_random"), &bases, &scalars, c, 2).unwrap();
        assert_eq!(got, ark_msm(&bases, &scalars), "n = 2^{log_n}, c = {c}");
        assert_eq!(line.num("reps").unwrap(), 2.0);
        assert!(line.num("kernels_ms_best").unwrap() >= 0.0);
        assert_eq!(line.text("device"), "host emulation");
    }
}

#[test]
fn random_bases_are_distinct_group_elements() {
    let b = gb::random_bases(3 * (1 << 14) + 5, 9);
    assert!(b.iter().all(|p| p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() && !p.is_zero()));
    let mut xs: Vec<_> = b.iter().map(|p| p.x().unwrap()).collect();
    xs.sort();
    xs.dedup();
    assert_eq!(xs.len(), b.len());
}

#[test]
fn ntt_equals_ark_poly_for_every_size_up_to_2_9() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let dir = scratch("ntt");
    for log_n in 1..=9u32 {
        let n = 1usize << log_n;
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let mut cases = vec![(0..n).map(|_| Fr::rand(&mut rng)).collect::<Vec<_>>(), vec![Fr::zero(); n], vec![-Fr::one(); n]];
        let mut one_hot = vec![Fr::zero(); n];
        one_hot[n - 1] = Fr::one();
        cases.push(one_hot);
        for v in cases {
            let (got, _) = gb::gpu_ntt(emulated(), &dir, &v, 1).unwrap();
            assert_eq!(got, domain.fft(&v), "n = 2^{log_n}");
        }
    }
}

#[test]
fn bad_input_files_are_refused_with_a_message() {
    let dir = scratch("bad");
    let bin = emulated();
    // A scalar equal to the modulus.
    let mut scalar = Fr::MODULUS.to_bytes_le();
    scalar.resize(32, 0);
    let p = gb::points_bytes(&[G1Affine::generator()]);
    std::fs::write(dir.join("p.bin"), &p).unwrap();
    std::fs::write(dir.join("s.bin"), &scalar).unwrap();
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).current_dir(&dir).output().unwrap();
    let out = run(&["msm", "p.bin", "s.bin", "4", "1", "o.bin"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not below the modulus"), "{out:?}");
    // Counts that differ, a window size out of range, an NTT of 3 values, a missing file.
    std::fs::write(dir.join("s2.bin"), gb::fr_bytes(&[Fr::one(), Fr::one()])).unwrap();
    let out = run(&["msm", "p.bin", "s2.bin", "4", "1", "o.bin"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("differ in count"), "{out:?}");
    std::fs::write(dir.join("s1.bin"), gb::fr_bytes(&[Fr::one()])).unwrap();
    let out = run(&["msm", "p.bin", "s1.bin", "40", "1", "o.bin"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("window size"), "{out:?}");
    std::fs::write(dir.join("n3.bin"), gb::fr_bytes(&[Fr::one(); 3])).unwrap();
    let out = run(&["ntt", "n3.bin", "1", "o.bin"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("2^k values"), "{out:?}");
    let out = run(&["ntt", "missing.bin", "1", "o.bin"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("cannot open"), "{out:?}");
    // The host side refuses a point off the curve.
    let mut off = gb::points_bytes(&[G1Affine::generator()]);
    off[32] ^= 1;
    assert!(gb::point_from_bytes(&off).unwrap_err().contains("not in G1"));
}

#[test]
fn run_line_parses_quoted_fields() {
    let l = gb::RunLine::parse("msm n=1024 c=7 kernels_ms_best=0.5000 device=\"NVIDIA H100 80GB HBM3\" sms=132");
    assert_eq!(l.num("n").unwrap(), 1024.0);
    assert_eq!(l.num("kernels_ms_best").unwrap(), 0.5);
    assert_eq!(l.text("device"), "NVIDIA H100 80GB HBM3");
    assert_eq!(l.num("sms").unwrap(), 132.0);
    assert!(l.num("missing").is_err());
    let l = gb::RunLine::parse("ntt device=\"host emulation\" n=8");
    assert_eq!(l.text("device"), "host emulation");
    assert_eq!(l.num("n").unwrap(), 8.0);
    assert_eq!(l.0.len(), 2);
}
