//! The EVM verifier (issue 22) on the bundled 784-128-10 MLP (MAC layout, fixed weights, public
//! outputs): the generated contract, compiled with a real Solidity compiler (solcjs installed by
//! scripts/install-deps.sh) and run in revm, accepts the proof, derives the Rust verifier's
//! challenges one by one, and rejects — exactly when the Rust verifier does — every proof with a
//! commitment, an evaluation or a public input changed; encodings the Rust decoder refuses
//! (scalars ≥ r, points off the curve or with coordinates ≥ q, wrong lengths) revert with their
//! reason. The projection layout (the MLP's two matrix products by random projection): the
//! contract reads W, b and the cells from data contracts whose code hashes it checks, derives ρ
//! as the Rust verifier does, accepts the proof, rejects every tampered projection part (and a
//! sample of the rest) as Rust does, and rejects a data contract with one weight changed.

use crate::common;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use common::prove::keys;
use common::*;
use zkaccel::plonk::verifier::derive_challenges;
use zkaccel::plonk::{verify, Proof, VerifyingKey};
use zkaccel::{Fr, G1Affine};
use zkaccel_onnx::MatmulLayout;
use zkaccel_onnx::Visibility::{Fixed as FIX, Private as PRIV, Public as PUB};
use zkaccel_zkml::evm::contract::reject;
use zkaccel_zkml::evm::machine::{Deployed, Outcome};
use zkaccel_zkml::evm::{self, calldata, layout, solc};
use zkaccel_zkml::pipeline;
use zkaccel_zkml::proof_file::ProofFile;

const MLP: &str = "mlp_784_128_10.onnx";

fn words(call: &[u8]) -> Vec<Fr> {
    call.chunks(32).map(Fr::from_be_bytes_mod_order).collect()
}

/// The proof, instances and key of the bundled MLP (MAC layout), and the proof file (made once,
/// shared by the tests of this file).
fn mlp_proof() -> (VerifyingKey, Proof, Vec<Vec<Fr>>, ProofFile) {
    static MLP_MAC: std::sync::OnceLock<(VerifyingKey, Proof, Vec<Vec<Fr>>, ProofFile)> = std::sync::OnceLock::new();
    MLP_MAC.get_or_init(|| mlp_proof_in(MatmulLayout::Mac, (7, 7), 22)).clone()
}

/// The MLP's verifier source, compiled and deployed.
fn mlp_verifier(vk: &VerifyingKey) -> (String, Deployed) {
    let source = evm::verifier_source(vk, &evm::instance_lengths(vk).unwrap()).unwrap();
    let compiled = solc::compile(&source, evm::CONTRACT_NAME).unwrap();
    (source, Deployed::new(&compiled.init_code).unwrap())
}

/// As [`mlp_proof`], in `layout` with `scales`.
fn mlp_proof_in(layout: MatmulLayout, scales: (u32, u32), seed: u64) -> (VerifyingKey, Proof, Vec<Vec<Fr>>, ProofFile) {
    let g = load(MLP);
    let sample = input("mlp_input.json", &g);
    let mut s = settings(&g, scales, (PRIV, PUB, FIX), std::slice::from_ref(&sample));
    s.run_args.matmul_layout = layout;
    let c = compile(MLP, &s, None);
    let k = keys(&c, seed);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let (file, _) = pipeline::prove(&k.backend, &c, &w, &k.pk).unwrap();
    (k.pk.vk.clone(), file.proof().unwrap(), file.instance_values().unwrap(), file)
}

fn accepted(out: &Outcome) -> bool {
    matches!(out, Outcome::Returned(r) if r.len() == 32 && r[31] == 1 && r[..31].iter().all(|b| *b == 0))
}

fn reason(out: &Outcome) -> Option<u8> {
    match out {
        Outcome::Reverted(r) if r.len() == 32 => Some(r[31]),
        _ => None,
    }
}

#[test]
fn the_mlp_proof_verifies_in_the_evm_and_every_tampered_part_is_rejected_as_in_rust() {
    let (vk, proof, instances, file) = mlp_proof();
    let lengths = evm::instance_lengths(&vk).unwrap();
    assert_eq!(lengths, vec![10], "the MLP's 10 public outputs");
    let source = evm::verifier_source(&vk, &lengths).unwrap();
    let compiled = solc::compile(&source, evm::CONTRACT_NAME).unwrap();
    let mut chain = Deployed::new(&compiled.init_code).unwrap();
    assert!(chain.code_size <= 24_576, "runtime code {} bytes", chain.code_size);
    assert!(layout::ProofLayout::of(&vk).matches(&proof));

    // Valid: accepted; gas reported.
    verify(&vk, &proof, &instances).unwrap();
    let call = chain.call(&calldata::verify_call(&proof, &instances)).unwrap();
    assert!(accepted(&call.outcome), "{:?}", call.outcome);
    let l = layout::ProofLayout::of(&vk);
    eprintln!(
        "evm: MLP (MAC layout, k = {}; {} commitments, {} fixed and {} σ commitments in the key, {} evaluations, {} opening points; calldata {} bytes) verifier: {} bytes of runtime code, deploy gas {}, verifyProof gas {} ({})",
        vk.k(),
        l.commitments(),
        vk.cs().num_fixed,
        vk.cs().permutation.len(),
        l.evals(),
        l.witnesses,
        calldata::verify_call(&proof, &instances).len(),
        chain.code_size,
        chain.deploy_gas,
        call.gas_used,
        compiled.compiler
    );

    // The transcript, challenge by challenge.
    let ch = derive_challenges(&vk, &proof, &instances);
    let out = chain.call(&calldata::challenges_call(&proof, &instances)).unwrap();
    let Outcome::Returned(r) = out.outcome else { panic!("transcriptChallenges: {:?}", out.outcome) };
    let got = words(&r);
    let want = [ch.beta, ch.gamma, ch.alpha, ch.zeta, ch.v, ch.u, ch.theta, ch.lookup_beta, ch.rho];
    for (i, name) in ["beta", "gamma", "alpha", "zeta", "v", "u", "theta", "lookup_beta", "rho"].iter().enumerate() {
        assert_eq!(got[i], want[i], "challenge {name}");
    }

    // Every part tampered: the EVM's verdict equals Rust's (both reject).
    let g = G1Affine::generator();
    let mut cases: Vec<(String, Proof, Vec<Vec<Fr>>)> = vec![];
    macro_rules! points {
        ($field:ident) => {
            for i in 0..proof.$field.len() {
                let mut p = proof.clone();
                p.$field[i] = (p.$field[i] + g).into_affine();
                cases.push((format!("{}[{i}]", stringify!($field)), p, instances.clone()));
            }
        };
    }
    macro_rules! scalars {
        ($field:ident) => {
            for i in 0..proof.$field.len() {
                let mut p = proof.clone();
                p.$field[i] += Fr::from(1u64);
                cases.push((format!("{}[{i}]", stringify!($field)), p, instances.clone()));
            }
        };
    }
    points!(advice_commitments);
    points!(lookup_m_commitments);
    points!(permutation_commitments);
    points!(lookup_phi_commitments);
    points!(quotient_commitments);
    points!(opening_witnesses);
    scalars!(advice_evals);
    scalars!(fixed_evals);
    scalars!(sigma_evals);
    scalars!(z_evals);
    scalars!(lookup_evals);
    for c in 0..instances.len() {
        for i in 0..instances[c].len() {
            let mut inst = instances.clone();
            inst[c][i] += Fr::from(1u64);
            cases.push((format!("instance[{c}][{i}]"), proof.clone(), inst));
        }
    }
    assert!(cases.len() > 40, "{} cases", cases.len());
    eprintln!("evm: {} tampered proofs, each rejected by both verifiers", cases.len());
    for (what, p, inst) in &cases {
        let rust = verify(&vk, p, inst).is_ok();
        let evm = chain.call(&calldata::verify_call(p, inst)).unwrap().outcome;
        assert!(!rust, "{what}: the Rust verifier accepts");
        assert_eq!(accepted(&evm), rust, "{what}: EVM {evm:?}");
        assert!(reason(&evm).is_some(), "{what}: reverts with a reason code: {evm:?}");
    }

    // Encodings the Rust decoder refuses: the contract refuses them too, with the reason.
    let good = calldata::verify_call(&proof, &instances);
    let proof_at = 4 + 32 * 3; // selector, two offsets, the bytes' length
    let off = layout::ProofLayout::of(&vk).offsets();
    let r_bytes = Fr::MODULUS.to_bytes_be();
    let q_bytes = zkaccel::Fq::MODULUS.to_bytes_be();
    let add_word = |data: &mut Vec<u8>, at: usize, m: &[u8]| {
        // word := word + m (as 256-bit integers; no overflow for values < r, q).
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let s = data[at + i] as u16 + m[i] as u16 + carry;
            data[at + i] = s as u8;
            carry = s >> 8;
        }
    };
    let mut bad = good.clone();
    add_word(&mut bad, proof_at + off.evals, &r_bytes);
    assert_eq!(reason(&chain.call(&bad).unwrap().outcome), Some(reject::NON_CANONICAL_SCALAR), "evaluation + r");
    let mut bad = good.clone();
    add_word(&mut bad, proof_at + off.advice, &q_bytes);
    assert_eq!(reason(&chain.call(&bad).unwrap().outcome), Some(reject::NOT_ON_CURVE), "x + q");
    let mut bad = good.clone();
    bad[proof_at + off.quotient + 63] ^= 1;
    assert_eq!(reason(&chain.call(&bad).unwrap().outcome), Some(reject::NOT_ON_CURVE), "y changed: off the curve");
    let mut bad = good.clone();
    let inst_at = good.len() - 32 * instances.iter().map(Vec::len).sum::<usize>();
    add_word(&mut bad, inst_at, &r_bytes);
    assert_eq!(reason(&chain.call(&bad).unwrap().outcome), Some(reject::NON_CANONICAL_INPUT), "public input + r");
    let mut short = proof.clone();
    short.opening_witnesses.pop();
    assert_eq!(reason(&chain.call(&calldata::verify_call(&short, &instances)).unwrap().outcome), Some(reject::CALLDATA_LENGTH));
    let mut fewer = instances.clone();
    fewer[0].pop();
    assert_eq!(reason(&chain.call(&calldata::verify_call(&proof, &fewer)).unwrap().outcome), Some(reject::CALLDATA_LENGTH));
    // The point at infinity is a valid encoding (64 zero bytes), rejected by the pairing.
    let mut p = proof.clone();
    p.quotient_commitments[0] = G1Affine::zero();
    assert!(verify(&vk, &p, &instances).is_err());
    assert_eq!(reason(&chain.call(&calldata::verify_call(&p, &instances)).unwrap().outcome), Some(reject::PAIRING));

    // The CLI verbs on the same files: create-evm-verifier, encode-evm-calldata, verify-evm
    // (exit 0 valid, 3 rejected, with the Rust verifier's verdict beside it).
    let dir = std::env::temp_dir().join(format!("zkaccel-evm-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (vk_path, proof_path, sol, abi, cd) =
        (dir.join("vk.key"), dir.join("proof.json"), dir.join("Verifier.sol"), dir.join("Verifier.abi"), dir.join("calldata.bytes"));
    std::fs::write(&vk_path, vk.to_bytes()).unwrap();
    file.save(&proof_path).unwrap();
    let zk = |args: &[&std::path::Path]| -> u8 {
        let argv: Vec<std::ffi::OsString> = std::iter::once("zkaccel".into()).chain(args.iter().map(|a| a.as_os_str().to_owned())).collect();
        zkaccel_zkml::cli::main_with_args(argv)
    };
    let p = std::path::Path::new;
    assert_eq!(zk(&[p("create-evm-verifier"), p("--vk-path"), &vk_path, p("--sol-code-path"), &sol, p("--abi-path"), &abi]), 0);
    assert_eq!(std::fs::read_to_string(&sol).unwrap(), source, "the verb writes the library's contract");
    assert!(std::fs::read_to_string(&abi).unwrap().contains("verifyProof"));
    assert_eq!(zk(&[p("encode-evm-calldata"), p("--proof-path"), &proof_path, p("--calldata-path"), &cd]), 0);
    assert_eq!(std::fs::read(&cd).unwrap(), calldata::verify_call(&proof, &instances));
    assert_eq!(zk(&[p("verify-evm"), p("--proof-path"), &proof_path, p("--sol-code-path"), &sol, p("--vk-path"), &vk_path]), 0);
    let mut forged = file.clone();
    let mut bad = proof.clone();
    bad.advice_evals[0] += Fr::from(1u64);
    forged.proof = hex::encode(bad.to_bytes());
    forged.save(&proof_path).unwrap();
    assert_eq!(zk(&[p("verify-evm"), p("--proof-path"), &proof_path, p("--sol-code-path"), &sol, p("--vk-path"), &vk_path]), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Proofs and public inputs with one part changed (a point + G, a scalar + 1): every item of
/// every part with `all`, else every projection item, every public input and the first item of
/// every other part.
fn one_changed(proof: &Proof, instances: &[Vec<Fr>], all: bool) -> Vec<(String, Proof, Vec<Vec<Fr>>)> {
    let g = G1Affine::generator();
    let mut cases: Vec<(String, Proof, Vec<Vec<Fr>>)> = vec![];
    let take = |n: usize| if all { n } else { n.min(1) };
    macro_rules! points {
        ($field:ident, $all:expr) => {
            for i in 0..if $all { proof.$field.len() } else { take(proof.$field.len()) } {
                let mut p = proof.clone();
                p.$field[i] = (p.$field[i] + g).into_affine();
                cases.push((format!("{}[{i}]", stringify!($field)), p, instances.to_vec()));
            }
        };
    }
    macro_rules! scalars {
        ($field:ident, $all:expr) => {
            for i in 0..if $all { proof.$field.len() } else { take(proof.$field.len()) } {
                let mut p = proof.clone();
                p.$field[i] += Fr::from(1u64);
                cases.push((format!("{}[{i}]", stringify!($field)), p, instances.to_vec()));
            }
        };
    }
    points!(advice_commitments, all);
    points!(lookup_m_commitments, all);
    points!(permutation_commitments, all);
    points!(lookup_phi_commitments, all);
    points!(projection_phi_commitments, true);
    points!(quotient_commitments, all);
    points!(opening_witnesses, all);
    scalars!(advice_evals, all);
    scalars!(fixed_evals, all);
    scalars!(sigma_evals, all);
    scalars!(z_evals, all);
    scalars!(lookup_evals, all);
    scalars!(projection_evals, true);
    for c in 0..instances.len() {
        for i in 0..instances[c].len() {
            let mut inst = instances.to_vec();
            inst[c][i] += Fr::from(1u64);
            cases.push((format!("instance[{c}][{i}]"), proof.clone(), inst));
        }
    }
    cases
}

#[test]
fn the_projection_layout_mlp_verifies_in_the_evm_with_its_weights_in_data_contracts() {
    let (vk, proof, instances, file) = mlp_proof_in(MatmulLayout::Projection, (11, 14), 23);
    assert!(zkaccel::plonk::projection::any(vk.cs()) && vk.cs().conv_projections.is_empty());
    let data = evm::contract::projection_data(&vk).unwrap().expect("projection data");
    let weights: usize = vk.cs().projections.iter().map(|p| p.weights.len()).sum();
    assert_eq!(data.weights(), weights);
    assert_eq!(weights, 784 * 128 + 128 * 10);
    let lengths = evm::instance_lengths(&vk).unwrap();
    let source = evm::verifier_source(&vk, &lengths).unwrap();
    let runtimes = evm::data_contracts(&vk).unwrap();
    assert_eq!(evm::data_contracts_of_source(&source), runtimes.len());
    assert!(runtimes.iter().all(|r| r.len() <= 24_576 && r[0] == 0), "data contracts within the code-size limit, starting with STOP");
    let compiled = solc::compile(&source, evm::CONTRACT_NAME).unwrap();
    let mut chain = Deployed::with_data(&compiled.init_code, &runtimes).unwrap();
    assert!(chain.code_size <= 24_576, "runtime code {} bytes", chain.code_size);
    assert!(layout::ProofLayout::of(&vk).matches(&proof));

    verify(&vk, &proof, &instances).unwrap();
    let call_data = calldata::verify_call(&proof, &instances);
    let call = chain.call(&call_data).unwrap();
    assert!(accepted(&call.outcome), "{:?}", call.outcome);
    eprintln!(
        "evm: MLP (projection layout, k = {}; {} weights, {} cells; {} data contracts of {} bytes, data deploy gas {}; calldata {} bytes) verifier: {} bytes of runtime code, deploy gas {}, verifyProof gas {}",
        vk.k(),
        weights,
        data.cells,
        runtimes.len(),
        data.blob.len(),
        chain.data_deploy_gas,
        call_data.len(),
        chain.code_size,
        chain.deploy_gas,
        call.gas_used
    );

    // The transcript, ρ included.
    let ch = derive_challenges(&vk, &proof, &instances);
    assert_ne!(ch.rho, Fr::from(0u64));
    let out = chain.call(&calldata::challenges_call(&proof, &instances)).unwrap();
    let Outcome::Returned(r) = out.outcome else { panic!("transcriptChallenges: {:?}", out.outcome) };
    let got = words(&r);
    let want = [ch.beta, ch.gamma, ch.alpha, ch.zeta, ch.v, ch.u, ch.theta, ch.lookup_beta, ch.rho];
    for (i, name) in ["beta", "gamma", "alpha", "zeta", "v", "u", "theta", "lookup_beta", "rho"].iter().enumerate() {
        assert_eq!(got[i], want[i], "challenge {name}");
    }

    // Every projection part and public input, and the first of every other part, changed: both reject.
    let cases = one_changed(&proof, &instances, false);
    assert!(cases.iter().filter(|c| c.0.starts_with("projection")).count() == 3, "φ's commitment and its two evaluations");
    for (what, p, inst) in &cases {
        assert!(verify(&vk, p, inst).is_err(), "{what}: the Rust verifier accepts");
        let evm = chain.call(&calldata::verify_call(p, inst)).unwrap().outcome;
        assert!(!accepted(&evm) && reason(&evm).is_some(), "{what}: EVM {evm:?}");
    }
    eprintln!("evm: {} tampered projection-layout proofs, each rejected by both verifiers", cases.len());

    // The data contracts: one weight changed (in W's first row, the last contract's last byte, a
    // cell's ω^row), a missing contract, or the contracts swapped: the verifier refuses (DATA).
    let section = &data.sections[0];
    let mut flips = vec![section.weights_at, data.blob.len() - 1, 2];
    flips.sort();
    for at in flips {
        let mut bad = runtimes.clone();
        let (chunk, i) = (at / evm::projection::CHUNK, at % evm::projection::CHUNK);
        bad[chunk][1 + i] ^= 1;
        let mut other = Deployed::with_data(&compiled.init_code, &bad).unwrap();
        assert_eq!(reason(&other.call(&call_data).unwrap().outcome), Some(reject::DATA), "blob byte {at} changed");
    }
    if runtimes.len() > 1 {
        let mut swapped = runtimes.clone();
        swapped.swap(0, 1);
        let mut other = Deployed::with_data(&compiled.init_code, &swapped).unwrap();
        assert_eq!(reason(&other.call(&call_data).unwrap().outcome), Some(reject::DATA), "contracts swapped");
    }

    // The CLI: verify-evm deploys the data contracts from --vk-path, and asks for it without;
    // on a calldata file too (--calldata-path with --vk-path: the EVM's verdict, no Rust run).
    let dir = std::env::temp_dir().join(format!("zkaccel-evm-projection-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (vk_path, proof_path, sol, cd) = (dir.join("vk.key"), dir.join("proof.json"), dir.join("Verifier.sol"), dir.join("calldata.bytes"));
    std::fs::write(&vk_path, vk.to_bytes()).unwrap();
    file.save(&proof_path).unwrap();
    let zk = |args: &[&std::path::Path]| -> u8 {
        let argv: Vec<std::ffi::OsString> = std::iter::once("zkaccel".into()).chain(args.iter().map(|a| a.as_os_str().to_owned())).collect();
        zkaccel_zkml::cli::main_with_args(argv)
    };
    let p = std::path::Path::new;
    assert_eq!(zk(&[p("create-evm-verifier"), p("--vk-path"), &vk_path, p("--sol-code-path"), &sol]), 0);
    assert_eq!(std::fs::read_to_string(&sol).unwrap(), source);
    assert_eq!(zk(&[p("verify-evm"), p("--proof-path"), &proof_path, p("--sol-code-path"), &sol]), 2, "no --vk-path: the data contracts cannot be made");
    assert_eq!(zk(&[p("verify-evm"), p("--proof-path"), &proof_path, p("--sol-code-path"), &sol, p("--vk-path"), &vk_path]), 0);
    assert_eq!(zk(&[p("encode-evm-calldata"), p("--proof-path"), &proof_path, p("--calldata-path"), &cd]), 0);
    assert_eq!(std::fs::read(&cd).unwrap(), call_data);
    let s = common::cli::p;
    let r = common::cli::zk(&["verify-evm", "--sol-code-path", s(&sol), "--calldata-path", s(&cd), "--vk-path", s(&vk_path)])
        .expect(0, "calldata file with --vk-path");
    assert!(r.stdout.contains(&format!("calldata {} is VALID", cd.display())), "{}", r.stdout);
    assert!(r.stdout.contains("its digest is the contract's VK_DIGEST") && r.stdout.contains("Rust verifier: not run"), "{}", r.stdout);
    let r = common::cli::zk(&["verify-evm", "--sol-code-path", s(&sol), "--calldata-path", s(&cd)]).expect(2, "calldata file without --vk-path");
    assert!(r.stderr.contains("give --vk-path to deploy them"), "{}", r.stderr);
    // One byte of the calldata changed (the last byte of the first evaluation): rejected, exit 3.
    let mut bad = call_data.clone();
    bad[4 + 32 * 3 + layout::ProofLayout::of(&vk).offsets().evals + 31] ^= 1;
    let bad_cd = dir.join("tampered.bytes");
    std::fs::write(&bad_cd, &bad).unwrap();
    let r =
        common::cli::zk(&["verify-evm", "--sol-code-path", s(&sol), "--calldata-path", s(&bad_cd), "--vk-path", s(&vk_path)]).expect(3, "tampered calldata");
    assert!(r.stderr.contains(&format!("calldata {} is REJECTED", bad_cd.display())), "{}", r.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `verify-evm --vk-path` with a key the contract was not generated for (the same circuit set up
/// again: another SRS, another digest) is refused as a mismatched key (exit 4, naming both
/// digests) before anything runs — not reported as a disagreement between the two verifiers
/// (exit 70): with that key's own proof (Rust accepts, the contract rejects) and with the
/// contract's proof (the contract accepts, Rust rejects). Without --vk-path the contract just
/// rejects the other key's proof (exit 3); with its own key it states that the digests match.
#[test]
fn verify_evm_refuses_a_key_the_contract_was_not_generated_for() {
    use common::cli::{p, scratch, zk};
    let (vk, _, _, file) = mlp_proof();
    let (vk_b, _, _, file_b) = mlp_proof_in(MatmulLayout::Mac, (7, 7), 24);
    assert_ne!(vk.digest(), vk_b.digest());
    let d = scratch("evm", "other-key");
    let (vk_path, proof_path, vk_b_path, proof_b_path, sol) =
        (d.join("vk.key"), d.join("proof.json"), d.join("vk_b.key"), d.join("proof_b.json"), d.join("Verifier.sol"));
    std::fs::write(&vk_path, vk.to_bytes()).unwrap();
    std::fs::write(&vk_b_path, vk_b.to_bytes()).unwrap();
    file.save(&proof_path).unwrap();
    file_b.save(&proof_b_path).unwrap();
    zk(&["create-evm-verifier", "--vk-path", p(&vk_path), "--sol-code-path", p(&sol)]).expect(0, "create-evm-verifier");
    for (proof, what) in [(&proof_b_path, "the other key's proof"), (&proof_path, "the contract's proof")] {
        let r = zk(&["verify-evm", "--proof-path", p(proof), "--sol-code-path", p(&sol), "--vk-path", p(&vk_b_path)]).expect(4, what);
        assert!(r.stderr.contains("vk_b.key: the verifying key is not the one this contract was generated for"), "{what}: {}", r.stderr);
        assert!(r.stderr.contains(&hex::encode(vk.digest())) && r.stderr.contains(&hex::encode(vk_b.digest())), "{what}: {}", r.stderr);
        assert!(!r.stderr.contains("disagree"), "{what}: {}", r.stderr);
    }
    zk(&["verify-evm", "--proof-path", p(&proof_b_path), "--sol-code-path", p(&sol)]).expect(3, "the other key's proof, no key");
    let r = zk(&["verify-evm", "--proof-path", p(&proof_path), "--sol-code-path", p(&sol), "--vk-path", p(&vk_path), "--json"]).expect(0, "its own key");
    assert_eq!((r.json()["vk_digest_checked"].as_bool(), r.json()["rust_verified"].as_bool()), (Some(true), Some(true)), "{}", r.stdout);
}

/// `create-evm-verifier` says whether the key's SRS is a ceremony's: from a `setup --dev-srs` key
/// without `--srs-path` the header says the SRS was NOT checked and shows the key's [τ]₂, and
/// stderr warns; the same key with the bundled ptau is refused as verify refuses it ("wrong SRS",
/// exit 4, nothing written); a key set up from the ptau, checked against it, gets the header
/// "SRS: [τ]₂ checked against <file name>" and no warning — a file name with line breaks and
/// control characters stays inside its comment line.
#[test]
fn create_evm_verifier_states_whether_the_srs_was_checked_against_a_ceremony_file() {
    use common::cli::{p, ptau, scratch, zk};
    let d = scratch("evm", "srs");
    let model = example("tiny_4_8_3.onnx");
    let (settings, compiled, vk, vk_dev, sol) = (d.join("s.json"), d.join("m.compiled"), d.join("vk.key"), d.join("vk_dev.key"), d.join("Verifier.sol"));
    zk(&[
        "gen-settings",
        "-M",
        p(&model),
        "-O",
        p(&settings),
        "--input-scale",
        "5",
        "--param-scale",
        "5",
        "-D",
        p(&example("tiny_input.json")),
        "--input-visibility",
        "public",
        "--param-visibility",
        "private",
    ])
    .expect(0, "gen-settings");
    zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&compiled), "-S", p(&settings), "--lanes", "2"]).expect(0, "compile");
    zk(&["setup", "-M", p(&compiled), "--srs-path", p(&ptau()), "--vk-path", p(&vk), "--pk-path", p(&d.join("pk.key"))]).expect(0, "setup with the ptau");
    zk(&["setup", "-M", p(&compiled), "--dev-srs", "--vk-path", p(&vk_dev), "--pk-path", p(&d.join("pk_dev.key"))]).expect(0, "setup --dev-srs");
    let tau_lines = |path: &std::path::Path| -> String {
        let key = VerifyingKey::from_bytes(&std::fs::read(path).unwrap()).unwrap();
        let (x, y) = key.srs().tau_g2.xy().unwrap();
        let h = |f: &zkaccel::Fq| format!("0x{}", hex::encode(f.into_bigint().to_bytes_be()));
        format!("//   x = ({}, {})\n//   y = ({}, {})\n", h(&x.c0), h(&x.c1), h(&y.c0), h(&y.c1))
    };

    // The dev key, no --srs-path: NOT checked, [τ]₂ shown, a warning.
    let r = zk(&["create-evm-verifier", "--vk-path", p(&vk_dev), "--sol-code-path", p(&sol)]).expect(0, "dev key");
    let text = std::fs::read_to_string(&sol).unwrap();
    assert!(text.contains("\n// SRS: NOT checked against a ceremony file"), "{text}");
    assert!(text.contains(&tau_lines(&vk_dev)), "the key's [τ]₂ in the header: {text}");
    assert!(!text.contains("checked against Verifier") && !text.contains("SRS: [τ]₂ checked"));
    assert!(r.stderr.contains("warning: the verifying key's SRS was not checked against a ceremony file (no --srs-path)"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    assert!(r.stdout.contains("SRS: NOT checked"), "{}", r.stdout);
    let r = zk(&["--json", "create-evm-verifier", "--vk-path", p(&vk_dev), "--sol-code-path", p(&sol)]).expect(0, "dev key, --json");
    assert_eq!(r.json()["srs_checked"], false);

    // The dev key against the ptau: refused as verify refuses it, nothing written.
    let other = d.join("Other.sol");
    let r = zk(&["create-evm-verifier", "--vk-path", p(&vk_dev), "--sol-code-path", p(&other), "--srs-path", p(&ptau())]).expect(4, "dev key, ptau");
    let wrong = format!("wrong SRS: {} is not the SRS the verifying key was made with", ptau().display());
    assert!(r.stderr.contains(&wrong), "{}", r.stderr);
    let v = zk(&["verify", "--proof-path", p(&d.join("none.json")), "--vk-path", p(&vk_dev), "--srs-path", p(&ptau())]).expect(4, "verify, dev key, ptau");
    assert!(v.stderr.contains(&wrong), "the same refusal as verify's: {}", v.stderr);
    assert!(!other.exists(), "no contract written for a key that failed the check");

    // The ptau key against the ptau (under a name with line breaks and control characters).
    let evil = d.join("pot\ncontract Evil {}\u{2028}x\u{0b}\u{85}\u{202e}.ptau");
    std::os::unix::fs::symlink(ptau(), &evil).unwrap();
    for (srs, name) in [(ptau(), "snarkjs_bn128_pot10_final.ptau".to_string()), (evil.clone(), "pot contract Evil {} x   .ptau".to_string())] {
        let r = zk(&["create-evm-verifier", "--vk-path", p(&vk), "--sol-code-path", p(&sol), "--srs-path", p(&srs)]).expect(0, "ptau key, ptau");
        let text = std::fs::read_to_string(&sol).unwrap();
        let want = format!("\n// SRS: [τ]₂ checked against {name} (create-evm-verifier --srs-path: the\n// key's ");
        assert!(text.contains(&want), "{want:?} in {text}");
        assert!(text.contains(&tau_lines(&vk)), "{text}");
        assert!(!text.contains("NOT checked") && !text.contains("\ncontract Evil"));
        assert!(r.stderr.is_empty(), "no warning: {}", r.stderr);
        assert!(r.stdout.contains("SRS: the key's [τ]₂ checked against"), "{}", r.stdout);
    }
    let r = zk(&["--json", "create-evm-verifier", "--vk-path", p(&vk), "--sol-code-path", p(&sol), "--srs-path", p(&ptau())]).expect(0, "--json");
    assert_eq!((r.json()["srs_checked"].as_bool(), r.json()["srs_path"].as_str()), (Some(true), Some(p(&ptau()))));
}

/// Names written into the contract's `//` comments (gates, lookups, projections, the ptau file):
/// every control character and Unicode line break becomes a space, so a name cannot end the
/// comment; bidirectional controls (refused by solc in comments) too; other text is kept.
#[test]
fn comment_text_keeps_a_name_on_its_comment_line() {
    use zkaccel_zkml::evm::contract::comment_text;
    let name = "a\nb\rc\u{0b}d\u{0c}e\u{85}f\u{2028}g\u{2029}h\ti\u{0}j\u{7f}k\u{202e}l\u{2066}m\u{200f}n";
    assert_eq!(comment_text(name), "a b c d e f g h i j k l m n");
    assert_eq!(comment_text("dense/MatMul τ₂ ≥ 0"), "dense/MatMul τ₂ ≥ 0");
}

/// Precompile results are checked, not only the calls' success: with one precompile's address
/// replaced by an account without code (a chain without it: the call succeeds with no return
/// data and the scratch memory keeps its old words), a proof with a public input changed — and
/// the honest one — revert with reason 6 (PRECOMPILE) instead of being accepted; on the real
/// precompiles the honest proof verifies.
#[test]
fn a_precompile_without_code_is_a_precompile_failure_not_an_accepted_forgery() {
    let (vk, proof, instances, _) = mlp_proof();
    let (source, mut chain) = mlp_verifier(&vk);
    let honest = calldata::verify_call(&proof, &instances);
    assert!(accepted(&chain.call(&honest).unwrap().outcome), "the honest proof on the real precompiles");
    let mut changed = instances.clone();
    changed[0][0] += Fr::from(1u64);
    assert!(verify(&vk, &proof, &changed).is_err());
    let forged = calldata::verify_call(&proof, &changed);
    assert_eq!(reason(&chain.call(&forged).unwrap().outcome), Some(reject::PAIRING), "the forgery on the real precompiles");
    // 0xdead: an address without code in the test chain.
    for (address, name) in [(5, "modexp"), (6, "ecAdd"), (7, "ecMul"), (8, "ecPairing")] {
        let call = format!("staticcall(gas(), {address}, ");
        assert!(source.contains(&call), "{name}: the generator's call text changed; update this test");
        let without = source.replace(&call, "staticcall(gas(), 0xdead, ");
        let compiled = solc::compile(&without, evm::CONTRACT_NAME).unwrap();
        let mut other = Deployed::new(&compiled.init_code).unwrap();
        for (what, data) in [("forged", &forged), ("honest", &honest)] {
            let out = other.call(data).unwrap().outcome;
            assert_eq!(reason(&out), Some(reject::PRECOMPILE), "{name} without code, {what} proof: {out:?}");
        }
    }
}

/// The calldata must be exactly the canonical ABI encoding for the key, checked before anything
/// reads it: a byte more or less, a word more, or the two arguments in the other order (offsets
/// that Solidity's decoder would accept) revert with reason 1 (CALLDATA_LENGTH), for both
/// functions; another selector reverts without data; a Solidity caller through the generated
/// interface (`IZkaccelVerifier`, a STATICCALL) gets the honest proof accepted and the forged
/// one's reason.
#[test]
fn the_verifier_takes_exactly_the_canonical_calldata() {
    let (vk, proof, instances, _) = mlp_proof();
    let (source, mut chain) = mlp_verifier(&vk);
    let good = calldata::verify_call(&proof, &instances);
    assert!(accepted(&chain.call(&good).unwrap().outcome));
    let challenges = calldata::challenges_call(&proof, &instances);
    assert!(matches!(chain.call(&challenges).unwrap().outcome, Outcome::Returned(ref r) if r.len() == 9 * 32));

    let word = |v: usize| {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&(v as u64).to_be_bytes());
        w
    };
    // The arguments in the other order: instances (at 0x40), then the proof.
    let (proof_bytes, inst) = (layout::encode_proof(&proof), calldata::instance_words(&instances));
    let mut swapped = good[..4].to_vec();
    swapped.extend_from_slice(&word(0x40 + 32 + 32 * inst.len()));
    swapped.extend_from_slice(&word(0x40));
    swapped.extend_from_slice(&word(inst.len()));
    inst.iter().for_each(|w| swapped.extend_from_slice(w));
    swapped.extend_from_slice(&word(proof_bytes.len()));
    swapped.extend_from_slice(&proof_bytes);
    assert_eq!(swapped.len(), good.len());
    let mut cases: Vec<(String, Vec<u8>)> = vec![("non-canonical offsets".into(), swapped), ("the selector only".into(), good[..4].to_vec())];
    for (f, call) in [("verifyProof", &good), ("transcriptChallenges", &challenges)] {
        let mut trailing = call.clone();
        trailing.push(0);
        let mut word_more = call.clone();
        word_more.extend_from_slice(&[0u8; 32]);
        cases.push((format!("{f}: trailing byte"), trailing));
        cases.push((format!("{f}: trailing word"), word_more));
        cases.push((format!("{f}: one byte short"), call[..call.len() - 1].to_vec()));
    }
    for (what, data) in &cases {
        let out = chain.call(data).unwrap().outcome;
        assert_eq!(reason(&out), Some(reject::CALLDATA_LENGTH), "{what}: {out:?}");
    }
    let mut other = good.clone();
    other[0] ^= 1;
    assert_eq!(chain.call(&other).unwrap().outcome, Outcome::Reverted(vec![]), "another selector");
    assert!(accepted(&chain.call(&good).unwrap().outcome), "still accepts the canonical call");

    // A Solidity contract calling the verifier through its interface.
    let caller = format!(
        "{source}\ncontract Caller {{\n    IZkaccelVerifier public immutable v;\n    constructor() {{ v = IZkaccelVerifier(address(new ZkaccelVerifier())); }}\n    function check(bytes calldata proof, uint256[] calldata instances) external view returns (bool) {{ return v.verifyProof(proof, instances); }}\n}}\n"
    );
    let compiled = solc::compile(&caller, "Caller").unwrap();
    let mut chain = Deployed::new(&compiled.init_code).unwrap();
    let check = calldata::selector("check(bytes,uint256[])");
    let (proof_words, inst_words) = (layout::encode_proof(&proof), calldata::instance_words(&instances));
    assert!(accepted(&chain.call(&calldata::encode(check, &proof_words, &inst_words)).unwrap().outcome), "through IZkaccelVerifier");
    let mut changed = instances.clone();
    changed[0][0] += Fr::from(1u64);
    let out = chain.call(&calldata::encode(check, &proof_words, &calldata::instance_words(&changed))).unwrap().outcome;
    assert_eq!(reason(&out), Some(reject::PAIRING), "the forged proof through IZkaccelVerifier: {out:?}");
}

/// `create-evm-verifier` writes the contract and the ABI as one step: an ABI path in a missing
/// directory is an error and leaves the old contract as it was; paths that are not UTF-8 go
/// into the JSON report (lossily) instead of panicking.
#[test]
fn create_evm_verifier_writes_the_contract_and_its_abi_together() {
    use std::os::unix::ffi::OsStrExt;
    let (vk, ..) = mlp_proof();
    let dir = std::env::temp_dir().join(format!("zkaccel-evm-create-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (vk_path, sol, abi) = (dir.join("vk.key"), dir.join("Verifier.sol"), dir.join("missing").join("Verifier.abi"));
    std::fs::write(&vk_path, vk.to_bytes()).unwrap();
    std::fs::write(&sol, "old contract").unwrap();
    let zk = |args: &[&std::ffi::OsStr]| -> u8 {
        let argv: Vec<std::ffi::OsString> = std::iter::once("zkaccel".into()).chain(args.iter().map(|a| a.to_os_string())).collect();
        zkaccel_zkml::cli::main_with_args(argv)
    };
    let o = std::ffi::OsStr::new;
    let code = zk(&[o("create-evm-verifier"), o("--vk-path"), vk_path.as_os_str(), o("--sol-code-path"), sol.as_os_str(), o("--abi-path"), abi.as_os_str()]);
    assert_ne!(code, 0, "the ABI cannot be written");
    assert_eq!(std::fs::read_to_string(&sol).unwrap(), "old contract", "the old contract is left as it was");
    assert!(!abi.exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).filter(|n| n != "vk.key" && n != "Verifier.sol").collect();
    assert!(leftovers.is_empty(), "no temporary files left: {leftovers:?}");

    // Non-UTF-8 file names, with --json (the report names them).
    let (sol2, abi2) = (dir.join(std::ffi::OsStr::from_bytes(b"V\xffrifier.sol")), dir.join(std::ffi::OsStr::from_bytes(b"V\xffrifier.abi")));
    let code = zk(&[
        o("--json"),
        o("create-evm-verifier"),
        o("--vk-path"),
        vk_path.as_os_str(),
        o("--sol-code-path"),
        sol2.as_os_str(),
        o("--abi-path"),
        abi2.as_os_str(),
    ]);
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(&sol2).unwrap().contains("contract ZkaccelVerifier"));
    assert!(std::fs::read_to_string(&abi2).unwrap().contains("verifyProof"));
    let cd = dir.join(std::ffi::OsStr::from_bytes(b"c\xffll.bytes"));
    let (_, proof, instances, file) = mlp_proof();
    let proof_path = dir.join("proof.json");
    file.save(&proof_path).unwrap();
    let code = zk(&[o("--json"), o("encode-evm-calldata"), o("--proof-path"), proof_path.as_os_str(), o("--calldata-path"), cd.as_os_str()]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read(&cd).unwrap(), calldata::verify_call(&proof, &instances));
    std::fs::remove_dir_all(&dir).unwrap();
}
