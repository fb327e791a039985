//! Property tests of the zkML files (issue 20): a proof file, a compiled circuit, settings and a
//! witness with any byte changed are refused, or parse to the same statement (an equivalent
//! spelling, e.g. upper-case hex) — never a panic, never a different statement shown valid.

use std::sync::OnceLock;

use crate::common::*;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::ProvingKey;
use zkaccel::srs::Srs;
use zkaccel_onnx::{Settings, Visibility};
use zkaccel_zkml::compiled::CompiledCircuit;
use zkaccel_zkml::pipeline;
use zkaccel_zkml::proof_file::ProofFile;
use zkaccel_zkml::witness::WitnessFile;

struct Fixture {
    c: CompiledCircuit,
    pk: ProvingKey,
    w: WitnessFile,
    proof_text: String,
    proof: ProofFile,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let g = load("tiny_4_8_3.onnx");
        let sample = input("tiny_input.json", &g);
        let s = settings(&g, (5, 5), (Visibility::Public, Visibility::Public, Visibility::Private), std::slice::from_ref(&sample));
        let c = compile("tiny_4_8_3.onnx", &s, None);
        let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
        let layout = pipeline::layout_for_setup(&c, None).unwrap();
        let shape = zkaccel::plonk::Shape::new(&layout.cs, c.plan.k).unwrap();
        let srs = Srs::insecure_dev(shape.srs_degree, &mut ChaCha20Rng::seed_from_u64(7)).unwrap();
        let pk = pipeline::setup(&CpuBackend::new(), &c, &srs, None).unwrap();
        let (proof, _) = pipeline::prove(&CpuBackend::new(), &c, &w, &pk).unwrap();
        let proof_text = serde_json::to_string(&proof).unwrap();
        Fixture { c, pk, w, proof_text, proof }
    })
}

fn mutate(text: &str, pos: prop::sample::Index, byte: u8) -> Option<String> {
    let mut b = text.as_bytes().to_vec();
    let i = pos.index(b.len());
    if b[i] == byte {
        return None;
    }
    b[i] = byte;
    String::from_utf8(b).ok()
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn a_mutated_proof_file_is_refused_or_the_same_statement(pos in any::<prop::sample::Index>(), byte in prop::sample::select(b"0123456789abcdefABCDEF\":,[]{}-.e x".to_vec())) {
        let f = fixture();
        let Some(text) = mutate(&f.proof_text, pos, byte) else { return Ok(()) };
        let Ok(file) = serde_json::from_str::<ProofFile>(&text) else { return Ok(()) };
        if file.check_header().is_err() {
            return Ok(());
        }
        if let Ok(v) = pipeline::verify_proof_file(&f.pk.vk, &file, Some(&f.c.settings), Some(&f.c)) {
            prop_assert_eq!(file.proof().unwrap().to_bytes(), f.proof.proof().unwrap().to_bytes());
            prop_assert_eq!(file.instance_values().unwrap(), f.proof.instance_values().unwrap());
            prop_assert_eq!(&v.public, &f.proof.public);
        }
    }

    #[test]
    fn mutated_settings_and_witness_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let f = fixture();
        if let Some(text) = mutate(&f.c.settings.to_json(), pos, byte) {
            if let Ok(s) = Settings::from_json(&text) {
                // Settings that parse either compile to a circuit (then a new circuit_id if they
                // differ) or are refused with an error.
                if let Ok(c) = CompiledCircuit::compile(f.c.onnx.clone(), &s, Some(f.c.plan.lanes)) {
                    prop_assert!(s != f.c.settings || c.circuit_id == f.c.circuit_id);
                }
            }
        }
        let w_text = serde_json::to_string(&f.w).unwrap();
        if let Some(text) = mutate(&w_text, pos, byte) {
            if let Ok(w) = serde_json::from_str::<WitnessFile>(&text) {
                if w != f.w {
                    // A changed witness is refused, or its inputs lay out a circuit whose outputs
                    // are the model's for those inputs (checked by circuit_for_witness).
                    let _ = pipeline::circuit_for_witness(&f.c, &w);
                }
            }
        }
    }
}

proptest! {
    // Each compiled-circuit load re-imports and re-plans the model.
    #![proptest_config(config(48))]

    #[test]
    fn a_mutated_compiled_circuit_is_refused_or_the_same(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let f = fixture();
        let text = f.c.to_json();
        let Some(m) = mutate(&text, pos, byte) else { return Ok(()) };
        if let Ok(c) = CompiledCircuit::from_json(&m) {
            prop_assert_eq!(c.circuit_id, f.c.circuit_id.clone());
            prop_assert_eq!(c.onnx, f.c.onnx.clone());
        }
    }
}
