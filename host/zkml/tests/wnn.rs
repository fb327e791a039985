//! Weightless networks: the HDF5 import against h5py's reading of the same file, inference
//! against an independent numpy implementation (`scripts/wnn/reference_scores.py`, numbers
//! below), malformed files, the circuit on the row checker, and prove → verify including the
//! soundness tests (consistently tampered witnesses that break exactly one constraint, and
//! tampered proofs and public inputs).

use std::path::PathBuf;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::{keygen, verify, ProvingKey, Shape};
use zkaccel::srs::Srs;
use zkaccel_zkml::wnn::circuit::{build, public_inputs, WnnCircuit};
use zkaccel_zkml::wnn::{hdf5, input, train, Trace, WnnModel, WnnPlan};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/wnn")
}

fn fixture_model() -> WnnModel {
    hdf5::load(&fixture_dir().join("model_28input_256entry_1hash_1bpi.hdf5")).unwrap()
}

/// pixel k = (37·k + 11) mod 256.
fn ramp(n: usize) -> Vec<u8> {
    (0..n).map(|k| ((37 * k + 11) % 256) as u8).collect()
}

#[test]
fn fixture_imports_as_h5py_reads_it() {
    let m = fixture_model();
    // Attributes and dataset checksums as h5py/numpy read them (reference_scores.py).
    assert_eq!(
        (m.num_classes, m.num_inputs, m.width, m.bits_per_input, m.num_filter_inputs, m.num_filter_entries, m.num_filter_hashes, m.p),
        (10, 784, 28, 1, 28, 256, 1, 509)
    );
    assert_eq!(m.num_filters(), 28);
    assert_eq!(m.bloom.iter().filter(|&&b| b).count(), 13126);
    assert_eq!(m.thresholds.iter().map(|&t| t as u64).sum::<u64>(), 26552);
    assert_eq!(m.input_order[..10], [365, 528, 389, 95, 716, 19, 371, 658, 146, 293]);
}

#[test]
fn fixture_scores_equal_the_numpy_reference() {
    let m = fixture_model();
    let img = input::load_pixels(&fixture_dir().join("example_image_7.png"), 28).unwrap();
    // (image, scores, class) from scripts/wnn/reference_scores.py.
    let cases: [(Vec<u8>, [u32; 10], usize); 4] = [
        (img, [9, 6, 13, 10, 17, 10, 9, 26, 11, 16], 7),
        (vec![0; 784], [17, 23, 20, 21, 19, 23, 18, 25, 18, 21], 7),
        (vec![255; 784], [7, 4, 8, 8, 11, 9, 5, 6, 11, 8], 4),
        (ramp(784), [4, 1, 7, 6, 10, 3, 7, 7, 7, 7], 4),
    ];
    for (i, (pixels, scores, class)) in cases.iter().enumerate() {
        let t = Trace::honest(&m, pixels);
        assert_eq!(t.scores, scores, "case {i}");
        assert_eq!(m.scores(pixels), scores, "case {i}");
        assert_eq!(t.class, *class, "case {i}");
    }
}

#[test]
fn png_and_input_json_give_the_same_pixels() {
    let dir = std::env::temp_dir().join(format!("zkaccel-wnn-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let img = input::load_pixels(&fixture_dir().join("example_image_7.png"), 28).unwrap();
    assert_eq!(img.len(), 784);
    assert!(img.iter().any(|&v| v > 200) && img.iter().filter(|&&v| v == 0).count() > 500, "an MNIST digit: mostly black, some white");
    let json = dir.join("input.json");
    std::fs::write(&json, input::pixels_to_json(&img)).unwrap();
    assert_eq!(input::load_pixels(&json, 28).unwrap(), img);
    let e = input::load_pixels(&fixture_dir().join("example_image_7.png"), 8).unwrap_err();
    assert!(e.message.contains("example_image_7.png") && e.message.contains("28×28"), "{}", e.message);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_model_files_are_errors_naming_file_and_field() {
    let path = fixture_dir().join("model_28input_256entry_1hash_1bpi.hdf5");
    let bytes = std::fs::read(&path).unwrap();
    // Truncations at many places, and single-byte corruptions across the metadata.
    let mut cuts: Vec<usize> = (0..64).map(|i| i * bytes.len() / 64).collect();
    cuts.extend([1, 7, 8, 100, 500, 2047, 2048, 2049, bytes.len() - 1]);
    for cut in cuts {
        let e = hdf5::from_bytes(bytes[..cut].to_vec(), "cut.hdf5").unwrap_err();
        assert!(e.message.starts_with("cut.hdf5: "), "cut at {cut}: {}", e.message);
    }
    for pos in (0..2048).step_by(7) {
        let mut b = bytes.clone();
        b[pos] ^= 0x5a;
        // Either an error naming the file, or (a byte the reader never uses) the same model.
        match hdf5::from_bytes(b, "flip.hdf5") {
            Err(e) => assert!(e.message.starts_with("flip.hdf5: "), "flip at {pos}: {}", e.message),
            Ok(m) => assert!(m.validate("flip.hdf5").is_ok(), "flip at {pos}"),
        }
    }
    let e = hdf5::from_bytes(b"not hdf5 at all".to_vec(), "x.h5").unwrap_err();
    assert!(e.message.contains("x.h5") && e.message.contains("not an HDF5 file"), "{}", e.message);
    // Well-formed HDF5, wrong contents: each names its field.
    let m = fixture_model();
    let mut bad = m.clone();
    bad.input_order[5] = bad.input_order[6];
    let e = hdf5::from_bytes(hdf5::to_bytes(&bad).unwrap(), "perm.hdf5").unwrap_err();
    assert!(e.message.contains("perm.hdf5: input_order") && e.message.contains("not a permutation"), "{}", e.message);
    let mut bad = m.clone();
    bad.num_filter_entries = 200;
    bad.bloom = vec![false; 10 * 28 * 200];
    let e = hdf5::from_bytes(hdf5::to_bytes(&bad).unwrap(), "e.hdf5").unwrap_err();
    assert!(e.message.contains("e.hdf5: num_filter_entries"), "{}", e.message);
    let e = hdf5::load(&fixture_dir().join("no_such_model.hdf5")).unwrap_err();
    assert!(e.message.contains("no_such_model.hdf5"), "{}", e.message);
}

#[test]
fn written_models_read_back_identically() {
    let m = fixture_model();
    assert_eq!(hdf5::from_bytes(hdf5::to_bytes(&m).unwrap(), "rt").unwrap(), m);
    let r = train::random_model(3, 6, 3, 9, 32, 3, 65521, 0.4, 5);
    assert_eq!(hdf5::from_bytes(hdf5::to_bytes(&r).unwrap(), "rt").unwrap(), r);
}

fn assert_satisfied(c: &WnnCircuit) {
    let f = check_witness(&c.cs, &c.fixed, &c.witness, &c.instances, 10).unwrap();
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn fixture_circuit_is_satisfied_and_sized_by_its_tables() {
    let m = fixture_model();
    let plan = WnnPlan::new(&m).unwrap();
    // The Bloom table (28 filters × 256 entries + 1) sets the domain, not 10 × 28 × 256 bits.
    assert_eq!((plan.k, plan.bloom_table_rows, plan.limb_bits, plan.range_table_rows), (13, 7169, 12, 8191));
    assert!(plan.rows_used <= 1 << 13);
    for pixels in [input::load_pixels(&fixture_dir().join("example_image_7.png"), 28).unwrap(), vec![255; 784], ramp(784)] {
        let t = Trace::honest(&m, &pixels);
        let c = build(&m, &t).unwrap();
        assert_eq!(c.instances, vec![public_inputs(&t.scores, t.class)]);
        assert_satisfied(&c);
    }
}

#[test]
fn other_shapes_are_satisfied() {
    // Three hashes (digits on two rows), several bits per input, classes ≠ 10, a one-class model.
    for (i, m) in [
        train::random_model(4, 6, 3, 9, 32, 3, 65521, 0.5, 1),
        train::random_model(3, 8, 2, 16, 16, 2, 251, 0.6, 2),
        train::random_model(1, 4, 1, 4, 8, 1, 13, 0.5, 3),
    ]
    .iter()
    .enumerate()
    {
        m.validate("random").unwrap();
        for seed in 0..3u8 {
            let pixels: Vec<u8> = (0..m.num_inputs).map(|k| (k as u8).wrapping_mul(97).wrapping_add(seed * 71)).collect();
            let c = build(m, &Trace::honest(m, &pixels)).unwrap();
            let f = check_witness(&c.cs, &c.fixed, &c.witness, &c.instances, 10).unwrap();
            assert!(f.is_empty(), "model {i} seed {seed}: {f:?}");
        }
    }
}

/// A small model for the proof-level tests: 8×8 image, 2 bits per input, 8 filters of 16 inputs,
/// 16 entries, 2 hashes (l = 8), p = 509 (so q2 ∈ {0, 1}), 4 classes.
fn small_model() -> WnnModel {
    train::random_model(4, 8, 2, 16, 16, 2, 509, 0.55, 11)
}

fn small_setup(m: &WnnModel) -> ProvingKey {
    let c = build(m, &Trace::honest(m, &vec![0; m.num_inputs])).unwrap();
    let degree = Shape::new(&c.cs, c.plan.k).unwrap().srs_degree;
    let srs = Srs::insecure_dev(degree, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    keygen(&CpuBackend::new(), &srs, c.cs, &c.fixed).unwrap()
}

/// Proves without the witness check (as a cheating prover would) and verifies.
fn prove_then_verify(pk: &ProvingKey, c: &WnnCircuit) -> zkaccel::error::Result<()> {
    let proof = prove_with_options(&CpuBackend::new(), pk, &c.witness, &c.instances, &mut ChaCha20Rng::seed_from_u64(2), ProveOptions { check_witness: false })?;
    verify(&pk.vk, &proof, &c.instances)
}

fn failures(c: &WnnCircuit) -> Vec<Failure> {
    check_witness(&c.cs, &c.fixed, &c.witness, &c.instances, 100).unwrap()
}

/// Every failure is the lookup `name` on a row in `rows`.
fn only_lookup_in(f: &[Failure], name: &str, rows: std::ops::Range<usize>) -> bool {
    !f.is_empty() && f.iter().all(|x| matches!(x, Failure::Lookup { lookup, row } if lookup == name && rows.contains(row)))
}

#[test]
fn honest_proofs_verify_and_tampered_ones_do_not() {
    let m = small_model();
    let pk = small_setup(&m);
    let pixels: Vec<u8> = (0..64).map(|k| ((k * 53 + 7) % 256) as u8).collect();
    let honest = Trace::honest(&m, &pixels);
    let c = build(&m, &honest).unwrap();
    assert!(failures(&c).is_empty());
    prove_then_verify(&pk, &c).unwrap();
    let proof = zkaccel::plonk::prove(&CpuBackend::new(), &pk, &c.witness, &c.instances, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    verify(&pk.vk, &proof, &c.instances).unwrap();

    // A wrong public score: the score chain gives the true score, the public cell another; the
    // argmax rows are laid out for the claimed scores, so only the copy between them fails.
    let mut t = honest.clone();
    let c_wrong = (t.class + 1) % m.num_classes;
    t.scores[c_wrong] += 1;
    t.class = zkaccel_zkml::wnn::argmax(&t.scores);
    let bad = build(&m, &t).unwrap();
    let f = failures(&bad);
    assert!(!f.is_empty() && f.iter().all(|x| matches!(x, Failure::Copy { .. })), "{f:?}");
    assert!(prove_then_verify(&pk, &bad).is_err(), "wrong score accepted");
    // The honest proof against the wrong public scores.
    assert!(verify(&pk.vk, &proof, &bad.instances).is_err());

    // A wrong filter bit (scores and class recomputed from it): only the Bloom lookup fails.
    let mut t = honest.clone();
    t.filter_bits[3][1][2] ^= true;
    t.refresh_scores(&m);
    let bad = build(&m, &t).unwrap();
    let block = bad.starts[4] + (3 * m.num_filter_hashes + 1) * m.num_classes;
    assert!(only_lookup_in(&failures(&bad), "wnn_bloom", block..block + 1), "{:?}", failures(&bad));
    assert!(prove_then_verify(&pk, &bad).is_err(), "wrong filter bit accepted");

    // The hash remainder r1 + p (q1 − 1): x³ = q1·p + r1 still holds; everything after the hash
    // follows the new remainder; only range checks (r1 < p) fail.
    let f_idx = (0..m.num_filters()).find(|&f| honest.q1[f] > num_bigint::BigUint::from(0u8)).expect("a filter with q1 > 0");
    let mut t = honest.clone();
    t.q1[f_idx] -= 1u8;
    t.r1[f_idx] += m.p;
    t.q2[f_idx] = t.r1[f_idx] >> m.hash_bits();
    t.digits[f_idx] = m.digits(t.r1[f_idx] & ((1 << m.hash_bits()) - 1)).into_iter().map(|d| d as u64).collect();
    t.refresh_from_digits(&m);
    let bad = build(&m, &t).unwrap();
    // In the limb chains of r1 and r1c (the limbs region).
    assert!(only_lookup_in(&failures(&bad), "wnn_range_l1", bad.starts[3]..bad.starts[4]), "{:?}", failures(&bad));
    assert!(prove_then_verify(&pk, &bad).is_err(), "remainder ≥ p accepted");

    // The hash output h + 2^l (q2 − 1): a digit ≥ E, whose key 1 + f·E + digit is an entry of the
    // next filter (so the Bloom lookup passes); only the digit's range check fails.
    let f_idx = (0..m.num_filters() - 1).find(|&f| honest.q2[f] >= 1).expect("a filter with q2 ≥ 1");
    let mut t = honest.clone();
    t.q2[f_idx] -= 1;
    let top = t.digits[f_idx].len() - 1;
    t.digits[f_idx][top] += m.num_filter_entries as u64;
    t.refresh_from_digits(&m);
    let bad = build(&m, &t).unwrap();
    let f = failures(&bad);
    // On the filter's hash row, where the digits sit (H = 2: L1 and L2 of one row).
    let hash_row = bad.starts[2] + f_idx;
    assert!(only_lookup_in(&f, "wnn_range_l1", hash_row..hash_row + 1) || only_lookup_in(&f, "wnn_range_l2", hash_row..hash_row + 1), "{f:?}");
    assert!(prove_then_verify(&pk, &bad).is_err(), "hash digit ≥ E accepted");

    // A wrong class (honest scores, the class of a lower score): only the argmax range check
    // (M − s_c − [c < k] ≥ 0) fails.
    let mut t = honest.clone();
    t.class = (0..m.num_classes).find(|&c| t.scores[c] < t.scores[honest.class]).expect("a lower score");
    let bad = build(&m, &t).unwrap();
    assert!(only_lookup_in(&failures(&bad), "wnn_range_l1", 0..m.num_classes), "{:?}", failures(&bad));
    assert!(prove_then_verify(&pk, &bad).is_err(), "wrong class accepted");

    // A tampered proof: any changed byte is rejected (decoding or verification).
    let bytes = proof.to_bytes();
    for pos in (0..bytes.len()).step_by(bytes.len() / 23) {
        let mut b = bytes.clone();
        b[pos] ^= 1;
        let ok = zkaccel::plonk::Proof::from_bytes(&b).and_then(|p| verify(&pk.vk, &p, &c.instances));
        assert!(ok.is_err(), "proof byte {pos} changed and accepted");
    }
}

#[test]
fn fixture_model_proves_end_to_end() {
    let m = fixture_model();
    let pk = small_setup(&m);
    let pixels = input::load_pixels(&fixture_dir().join("example_image_7.png"), 28).unwrap();
    let t = Trace::honest(&m, &pixels);
    let c = build(&m, &t).unwrap();
    let proof = zkaccel::plonk::prove(&CpuBackend::new(), &pk, &c.witness, &c.instances, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
    verify(&pk.vk, &proof, &[public_inputs(&[9, 6, 13, 10, 17, 10, 9, 26, 11, 16], 7)]).unwrap();
    assert!(verify(&pk.vk, &proof, &[public_inputs(&[9, 6, 13, 10, 17, 10, 9, 26, 11, 16], 4)]).is_err());
}

/// The instance column the core verifier takes may have any length; the circuit reads only its
/// first `C + 1` rows (the scores, then the class). The key binds the class count and the model
/// (`wnn::statement`), and `verify_file` accepts nothing else: a longer public list (the true
/// class on row `C`, a false "class" after it) and a shorter one (the last score read as the
/// class) are proofs the core verifier accepts for those columns, and both are rejected; so are a
/// proof naming another model, a key made for another model, and a key that binds no statement.
#[test]
fn the_key_binds_the_class_count_and_model_so_reshaped_public_inputs_are_rejected() {
    use zkaccel_zkml::exit_code::ExitCode;
    use zkaccel_zkml::wnn::files::{model_digest, WnnProofFile};
    use zkaccel_zkml::wnn::pipeline;
    let m = small_model();
    let c0 = pipeline::layout_for_setup(&m).unwrap();
    let srs = Srs::insecure_dev(pipeline::srs_degree(&c0).unwrap(), &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let digest = model_digest(b"the model file the key was made from");
    let pk = pipeline::setup(&CpuBackend::new(), &m, &c0, &digest, &srs).unwrap();
    let cpu = CpuBackend::new();
    let rejected = |f: &WnnProofFile, model: Option<&str>, why: &str| {
        let e = pipeline::verify_file(&pk.vk, f, model).expect_err(why);
        assert_eq!(e.code, ExitCode::VerificationFailed, "{why}: {}", e.message);
        e.message
    };

    // Honest: verifies with and without the model's digest.
    let pixels: Vec<u8> = (0..64).map(|k| ((k * 53 + 7) % 256) as u8).collect();
    let (honest, _) = pipeline::prove(&cpu, &m, &pipeline::gen_witness(&m, &digest, &pixels), &pk).unwrap();
    pipeline::verify_file(&pk.vk, &honest, Some(&digest)).unwrap();
    pipeline::verify_file(&pk.vk, &honest, None).unwrap();
    let file_for = |scores: Vec<u32>, class: usize, instances: &[Vec<zkaccel::Fr>], c: &WnnCircuit| {
        let proof = prove_with_options(&cpu, &pk, &c.witness, instances, &mut ChaCha20Rng::seed_from_u64(5), ProveOptions { check_witness: false }).unwrap();
        verify(&pk.vk, &proof, instances).expect("the core verifier accepts these columns: only the statement rejects them");
        WnnProofFile { scores, class, proof: hex::encode(proof.to_bytes()), ..honest.clone() }
    };

    // A: one entry more — the true class stays on row C, the claimed class lands after it.
    let t = Trace::honest(&m, &pixels);
    let c = build(&m, &t).unwrap();
    let false_class = (t.class + 1) % m.num_classes;
    let mut longer = t.scores.clone();
    longer.push(t.class as u32);
    let f = file_for(longer.clone(), false_class, &[public_inputs(&longer, false_class)], &c);
    let msg = rejected(&f, Some(&digest), "a longer public list");
    assert!(msg.contains("5 scores") && msg.contains("4 classes"), "{msg}");

    // B: one score fewer — an image of class 0: the last score is read as the class.
    let t = (0u64..2000)
        .map(|seed| Trace::honest(&m, &(0..64).map(|k| ((k * (2 * seed + 1) + seed * 17 + 3) % 256) as u8).collect::<Vec<_>>()))
        .find(|t| t.class == 0 && *t.scores.last().unwrap() != 0)
        .expect("an image of class 0 with a non-zero last score");
    let c = build(&m, &t).unwrap();
    let shorter = t.scores[..m.num_classes - 1].to_vec();
    let claimed = *t.scores.last().unwrap() as usize;
    let f = file_for(shorter.clone(), claimed, &[public_inputs(&shorter, claimed)], &c);
    rejected(&f, None, "a shorter public list");

    // A class at or beyond the class count, with the right number of scores.
    let f = WnnProofFile { class: m.num_classes, ..honest.clone() };
    rejected(&f, None, "class = C");

    // The model: a proof relabelled with another model's digest, a verifier holding another model.
    let other = model_digest(b"another model entirely");
    let msg = rejected(&WnnProofFile { model_sha256: other.clone(), ..honest.clone() }, None, "relabelled proof");
    assert!(msg.contains("another model"), "{msg}");
    rejected(&honest, Some(&other), "another model at the verifier");

    // A key made for another model file refuses to prove this one's witness.
    let pk_other = pipeline::setup(&cpu, &m, &c0, &other, &srs).unwrap();
    let e = pipeline::prove(&cpu, &m, &pipeline::gen_witness(&m, &digest, &pixels), &pk_other).expect_err("a key for another model file");
    assert!(e.message.contains("another model file"), "{}", e.message);

    // A key without a statement (the core keygen alone) is refused before any proof is read.
    let bare = keygen(&cpu, &srs, c0.cs.clone(), &c0.fixed).unwrap();
    let e = pipeline::verify_file(&bare.vk, &WnnProofFile { vk_digest: hex::encode(bare.vk.digest()), ..honest.clone() }, None).expect_err("no statement");
    assert!(e.message.contains("binds no WNN statement"), "{}", e.message);
}

/// `v` as consecutive little-endian u64s (HDF5 dimensions and sizes).
fn le64(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A small HDF5 file whose attributes and `bloom_filters` shape claim (classes, filters, entries)
/// = `claim` — the reviewer's hostile model: the dataset is written with 3·5·7 bytes, then its
/// dimensions are patched to `claim` and its contiguous storage to an undefined address of the
/// claimed size (the reader then returns a fill buffer of that size: 2^36 bytes for the default
/// claim below). The attributes are within every limit; only the data's size is a lie.
pub fn model_claiming(claim: [u64; 3]) -> Vec<u8> {
    use hdf5_pure::{AttrValue, EnumTypeBuilder, FileBuilder};
    let [c, n, e] = claim;
    // n filters of 64 inputs: num_inputs·bits_per_input = 64·n, with 32 bits per input.
    let num_inputs = 2 * n;
    let width = (num_inputs as f64).sqrt() as u64;
    assert_eq!(width * width, num_inputs, "claim a square image");
    let mut b = FileBuilder::new();
    let attrs = [("num_classes", c), ("num_inputs", num_inputs), ("bits_per_input", 32), ("num_filter_inputs", 64), ("num_filter_entries", e)];
    for (name, v) in attrs.into_iter().chain([("num_filter_hashes", 1), ("p", 2147483647)]) {
        b.set_attr(name, AttrValue::I64(v as i64));
    }
    let bool_type = EnumTypeBuilder::with_base(hdf5_pure::make_i8_type()).value("FALSE", 0).value("TRUE", 1).build().unwrap();
    b.create_dataset("bloom_filters").with_enum_u8_data(bool_type, &[0u8; 105]).with_shape(&[3, 5, 7]);
    let mut bytes = b.finish().unwrap();
    let find = |b: &[u8], pat: &[u8]| b.windows(pat.len()).position(|w| w == pat);
    let dims = find(&bytes, &le64(&[3, 5, 7])).expect("the dimensions");
    assert!(find(&bytes[dims + 1..], &le64(&[3, 5, 7])).is_none(), "one dataspace to patch");
    bytes[dims..dims + 24].copy_from_slice(&le64(&claim));
    // The contiguous layout: an 8-byte address, then the size (105).
    let size = find(&bytes, &le64(&[105])).expect("the layout's size");
    bytes[size - 8..size].fill(0xff);
    bytes[size..size + 8].copy_from_slice(&le64(&[c * n * e]));
    bytes
}

/// 2^36 Bloom filter bits: 128 classes × 2^13 filters × 2^16 entries, within the circuit's limits.
pub const CLAIM_2_36: [u64; 3] = [128, 1 << 13, 1 << 16];

#[test]
fn a_model_claiming_more_data_than_its_file_is_refused_before_any_read() {
    let bytes = model_claiming(CLAIM_2_36);
    let len = bytes.len();
    assert!(len < 4096, "{len} bytes");
    let e = hdf5::from_bytes(bytes, "huge.hdf5").unwrap_err();
    assert!(e.message.starts_with("huge.hdf5: bloom_filters: shape [128, 8192, 65536]"), "{}", e.message);
    assert!(e.message.contains("more data than the whole file holds") && e.message.contains(&format!("({len} bytes)")), "{}", e.message);
    // The circuit's limits apply to the attributes before any dataset is looked at: 251 classes,
    // 2^17 entries per filter (the shapes agree with the attributes; the sizes are the reason).
    let e = hdf5::from_bytes(model_claiming([251, 8, 4]), "classes.hdf5").unwrap_err();
    assert!(e.message.starts_with("classes.hdf5: num_classes: 251 classes") && e.message.contains("at most 250"), "{}", e.message);
    let e = hdf5::from_bytes(model_claiming([2, 8, 1 << 17]), "entries.hdf5").unwrap_err();
    assert!(e.message.starts_with("entries.hdf5: num_filter_entries: 131072 = 2^17") && e.message.contains("at most 2^16"), "{}", e.message);
    // The model's own limits too (validate's): entries not a power of two.
    let e = hdf5::from_bytes(model_claiming([2, 8, 1000]), "pow2.hdf5").unwrap_err();
    assert!(e.message.starts_with("pow2.hdf5: num_filter_entries: 1000 is not a power of two"), "{}", e.message);
    // Within every limit and small enough to be in the file: the size check passes, and the
    // missing datasets are what is reported (the patched one reads as its fill value).
    let e = hdf5::from_bytes(model_claiming([2, 8, 4]), "small.hdf5").unwrap_err();
    assert!(e.message.starts_with("small.hdf5: binarization_thresholds: missing"), "{}", e.message);
}
