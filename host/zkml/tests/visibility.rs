#![allow(clippy::err_expect)] // the Ok types (proof files, circuits) are not Debug
//! Visibility variants proved and verified end to end (library API, tiny model): public inputs
//! and outputs are instance values, private ones are not in the proof, fixed ones are in the key;
//! params fixed (weights in the key), private (advice) or public (instance columns, compared
//! with the compiled model by `verify`). Each proof is also tampered with.

use crate::common;

use common::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::Shape;
use zkaccel::srs::Srs;
use zkaccel_onnx::Visibility::{self, Fixed as FIX, Private as PRIV, Public as PUB};
use zkaccel_zkml::{pipeline, ExitCode};

fn roundtrip(vis: (Visibility, Visibility, Visibility)) {
    let g = load("tiny_4_8_3.onnx");
    let sample = input("tiny_input.json", &g);
    let s = settings(&g, (5, 5), vis, std::slice::from_ref(&sample));
    let c = compile("tiny_4_8_3.onnx", &s, None);
    let (w, run) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let needs = pipeline::setup_needs_witness(&c);
    assert_eq!(needs, vis.0 == FIX || vis.1 == FIX);
    let layout = pipeline::layout_for_setup(&c, needs.then_some(&w)).unwrap();
    let shape = Shape::new(&layout.cs, c.plan.k).unwrap();
    let srs = Srs::insecure_dev(shape.srs_degree, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let backend = CpuBackend::new();
    let pk = pipeline::setup(&backend, &c, &srs, needs.then_some(&w)).unwrap();
    let (file, _) = pipeline::prove(&backend, &c, &w, &pk).unwrap();
    let v = pipeline::verify_file(&pk.vk, &file, &c.settings, Some(&c)).unwrap();
    // What is public is exactly what the visibilities say.
    if vis.1 == PUB {
        assert_eq!(v.public.outputs, vec![run.outputs[0].data.clone()]);
    } else {
        assert!(v.public.outputs.is_empty());
    }
    if vis.0 == PUB {
        assert_eq!(v.public.inputs, vec![w.inputs[0].clone()]);
    } else {
        assert!(v.public.inputs.is_empty());
    }
    // Fixed weights are in the key, public ones compared with the key's digest of them; private
    // ones are not checked (any weights of the architecture).
    assert_eq!(v.params_checked, vis.2 != PRIV);
    assert_eq!(file.instances.len(), usize::from(vis.0 == PUB || vis.1 == PUB) + if vis.2 == PUB { c.plan.lanes + 1 } else { 0 });
    // Without the compiled circuit (settings only) the proof verifies too.
    pipeline::verify_file(&pk.vk, &file, &c.settings, None).unwrap();

    // Tampering: a changed proof byte, a changed public value.
    let mut bad = file.clone();
    let mut bytes = hex::decode(&bad.proof).unwrap();
    let pos = bytes.len() - 40; // inside the last evaluations / opening data
    bytes[pos] ^= 1;
    bad.proof = hex::encode(bytes);
    let e = pipeline::verify_file(&pk.vk, &bad, &c.settings, None).unwrap_err();
    assert!(matches!(e.code, ExitCode::VerificationFailed | ExitCode::BadArtifact), "{e}");
    if !file.instances.is_empty() && !file.instances[0].is_empty() {
        let mut bad = file.clone();
        let one = zkaccel_zkml::field::fr_to_hex(&zkaccel::Fr::from(1u64));
        let last = bad.instances[0].len() - 1;
        if bad.instances[0][last] == one {
            bad.instances[0][last] = zkaccel_zkml::field::fr_to_hex(&zkaccel::Fr::from(2u64));
        } else {
            bad.instances[0][last] = one;
        }
        let e = pipeline::verify_file(&pk.vk, &bad, &c.settings, None).unwrap_err();
        assert_eq!(e.code, ExitCode::VerificationFailed, "{e}");
    }
    if vis.2 == PUB {
        // Other public weights: verify compares them with the compiled model.
        let mut bad = file.clone();
        let col = bad.instances.len() - 1;
        bad.instances[col][0] = zkaccel_zkml::field::fr_to_hex(&zkaccel::Fr::from(12345u64));
        let e = pipeline::verify_file(&pk.vk, &bad, &c.settings, Some(&c)).unwrap_err();
        assert_eq!(e.code, ExitCode::VerificationFailed, "{e}");
    }
    if vis.0 == FIX || vis.1 == FIX {
        // The key holds the fixed input/output: another input cannot be proved with it.
        let other: Vec<_> = sample.iter().map(|t| t.map(|v| -v)).collect();
        let (w2, _) = pipeline::gen_witness(&c, &data_of(&other)).unwrap();
        let e = pipeline::prove(&backend, &c, &w2, &pk).err().expect("fixed values differ");
        assert_eq!(e.code, ExitCode::BadArtifact, "{e}");
    }
}

#[test]
fn private_input_public_output_fixed_params() {
    roundtrip((PRIV, PUB, FIX));
}

#[test]
fn public_input_public_output_private_params() {
    roundtrip((PUB, PUB, PRIV));
}

#[test]
fn private_input_private_output_public_params() {
    roundtrip((PRIV, PRIV, PUB));
}

#[test]
fn fixed_input_fixed_output_fixed_params() {
    roundtrip((FIX, FIX, FIX));
}

#[test]
fn public_input_fixed_output_private_params() {
    roundtrip((PUB, FIX, PRIV));
}

#[test]
fn a_proving_key_for_other_columns_is_refused_before_proving() {
    let g = load("tiny_4_8_3.onnx");
    let sample = input("tiny_input.json", &g);
    let s = settings(&g, (5, 5), (PRIV, PUB, FIX), std::slice::from_ref(&sample));
    let c = compile("tiny_4_8_3.onnx", &s, Some(2));
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let layout = pipeline::layout_for_setup(&c, None).unwrap();
    let shape = Shape::new(&layout.cs, c.plan.k).unwrap();
    let srs = Srs::insecure_dev(shape.srs_degree, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
    let backend = CpuBackend::new();
    let pk = pipeline::setup(&backend, &c, &srs, None).unwrap();
    // The key read back without re-committing its columns proves and verifies.
    let bytes = pk.to_bytes();
    let pk2 = zkaccel::plonk::ProvingKey::from_bytes_unchecked_commitments(&bytes, &backend).unwrap();
    let (file, _) = pipeline::prove(&backend, &c, &w, &pk2).unwrap();
    pipeline::verify_file(&pk.vk, &file, &c.settings, Some(&c)).unwrap();
    // A weight (fixed column) or a copy (σ) changed in the key: refused with exit code 4.
    let mut bad = pk.clone();
    bad.fixed_values[c.plan.lanes - 1][0] += zkaccel::Fr::from(1u64);
    let e = pipeline::prove(&backend, &c, &w, &bad).err().expect("other weights");
    assert_eq!(e.code, ExitCode::BadArtifact, "{e}");
    let mut bad = pk.clone();
    bad.sigma_values[0].swap(0, 1);
    let e = pipeline::prove(&backend, &c, &w, &bad).err().expect("other copies");
    assert_eq!(e.code, ExitCode::BadArtifact, "{e}");
}
