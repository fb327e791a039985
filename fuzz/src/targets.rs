//! The fuzz targets: one function per parser a user can feed, each taking arbitrary bytes. A
//! target must never panic (a panic is the crash AFL reports); errors are the expected outcome.
//! Shared by the AFL binary (fuzz/src/main.rs) and the regression test
//! (host/zkml/tests/robust/fuzz_regressions.rs), which runs every saved input through them.

use std::sync::OnceLock;

use rand::SeedableRng;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::{Proof, ProvingKey, VerifyingKey};
use zkaccel::srs::Srs;
use zkaccel_driver::load::manifest::Manifest;
use zkaccel_onnx::{InputData, Settings};
use zkaccel_zkml::compiled::CompiledCircuit;
use zkaccel_zkml::pipeline;
use zkaccel_zkml::proof_file::ProofFile;
use zkaccel_zkml::witness::WitnessFile;

/// Every target's name.
pub const TARGETS: [&str; 11] = ["onnx", "input_json", "settings", "compiled", "witness", "proof_json", "proof_bytes", "vk", "pk", "ptau", "manifest"];

/// The tiny model compiled, its keys and a proof: what the file targets check against.
pub struct Fixture {
    pub c: CompiledCircuit,
    pub pk: ProvingKey,
    pub witness: WitnessFile,
    pub proof: ProofFile,
}

const TINY: &[u8] = include_bytes!("../../host/onnx/examples/tiny_4_8_3.onnx");
const TINY_INPUT: &str = include_str!("../../host/onnx/examples/tiny_input.json");

pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let g = zkaccel_onnx::import(TINY).expect("tiny model");
        let data = InputData::parse(TINY_INPUT).expect("tiny input");
        let samples = data.samples(&g).expect("samples");
        let args = zkaccel_onnx::RunArgs { input_scale: 5, param_scale: 5, input_visibility: zkaccel_onnx::Visibility::Public, ..Default::default() };
        let s = Settings::generate(&g, args, &samples).expect("settings");
        let c = CompiledCircuit::compile(TINY.to_vec(), &s, None).expect("compile");
        let (witness, _) = pipeline::gen_witness(&c, &data).expect("witness");
        let layout = pipeline::layout_for_setup(&c, None).expect("layout");
        let shape = zkaccel::plonk::Shape::new(&layout.cs, c.plan.k).expect("shape");
        let srs = Srs::insecure_dev(shape.srs_degree, &mut rand_chacha::ChaCha20Rng::seed_from_u64(3)).expect("srs");
        let pk = pipeline::setup(&CpuBackend::new(), &c, &srs, None).expect("setup");
        let (proof, _) = pipeline::prove(&CpuBackend::new(), &c, &witness, &pk).expect("prove");
        Fixture { c, pk, witness, proof }
    })
}

/// Runs target `name` on `data`; false for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    let f = fixture();
    let text = std::str::from_utf8(data).ok();
    match name {
        "onnx" => {
            if let Ok(g) = zkaccel_onnx::import(data) {
                let _ = Settings::generate(&g, Default::default(), &[]);
            }
        }
        "input_json" => {
            if let Some(Ok(d)) = text.map(InputData::parse) {
                let _ = d.samples(&f.c.graph);
                let _ = pipeline::gen_witness(&f.c, &d).map(|(w, _)| pipeline::circuit_for_witness(&f.c, &w));
            }
        }
        "settings" => {
            if let Some(Ok(s)) = text.map(Settings::from_json) {
                let _ = CompiledCircuit::compile(f.c.onnx.clone(), &s, None).map(|c| c.estimate());
            }
        }
        "compiled" => {
            if let Some(Ok(c)) = text.map(CompiledCircuit::from_json) {
                let _ = c.estimate();
            }
        }
        "witness" => {
            if let Ok(w) = serde_json::from_slice::<WitnessFile>(data) {
                let _ = pipeline::circuit_for_witness(&f.c, &w);
            }
        }
        "proof_json" => {
            if let Ok(p) = serde_json::from_slice::<ProofFile>(data) {
                if p.check_header().is_ok() {
                    let _ = pipeline::verify_proof_file(&f.pk.vk, &p, Some(&f.c.settings), Some(&f.c));
                }
            }
        }
        "proof_bytes" => {
            if let Ok(p) = Proof::from_bytes(data) {
                let _ = zkaccel::plonk::verify(&f.pk.vk, &p, &f.proof.instance_values().expect("instances"));
            }
        }
        "vk" => {
            if let Ok(vk) = VerifyingKey::from_bytes(data) {
                let _ = zkaccel_zkml::statement::Statement::from_key(&vk).map(|s| s.layout());
                let _ = pipeline::verify_proof_file(&vk, &f.proof, None, None);
            }
        }
        "pk" => {
            // The path `zkaccel prove` and `zkaccel wnn prove` take: version, CRC-32 checksum,
            // embedded verifying key, counts and canonical elements checked, the stored tables
            // taken as they are (`from_bytes` adds NTTs, MSMs and curve checks over already
            // decoded values, which a proof's verification replaces there). Inputs past the
            // checksum are exercised by `host/tests/plonk_soundness.rs` (forged checksums).
            let _ = ProvingKey::from_bytes_unchecked_commitments(data, &CpuBackend::new());
        }
        "ptau" => {
            let _ = Srs::from_ptau_reader(&mut std::io::Cursor::new(data), Some(64), &mut rand_chacha::ChaCha20Rng::seed_from_u64(1));
        }
        "manifest" => {
            // A bitstream manifest (`zkaccel device load`): a manifest that parses and validates
            // must write itself back into one that parses to the same manifest.
            if let Some(Ok(m)) = text.map(|t| Manifest::parse(t, "fuzz.json")) {
                let again = Manifest::parse(&m.to_json(), "fuzz.json").expect("a valid manifest's own JSON parses");
                assert_eq!(again.to_json(), m.to_json(), "a manifest's JSON round trip changed it");
            }
        }
        _ => return false,
    }
    true
}

/// A valid input of each target (the seed corpus).
pub fn seed(name: &str) -> Vec<u8> {
    let f = fixture();
    match name {
        "onnx" => TINY.to_vec(),
        "input_json" => TINY_INPUT.as_bytes().to_vec(),
        "settings" => f.c.settings.to_json().into_bytes(),
        "compiled" => f.c.to_json().into_bytes(),
        "witness" => serde_json::to_vec(&f.witness).expect("witness"),
        "proof_json" => serde_json::to_vec(&f.proof).expect("proof"),
        "proof_bytes" => f.proof.proof().expect("proof").to_bytes(),
        "vk" => f.pk.vk.to_bytes(),
        "pk" => f.pk.to_bytes(),
        "ptau" => include_bytes!("../../host/tests/fixtures/snarkjs_bn128_pot10_final.ptau").to_vec(),
        "manifest" => include_bytes!("../../bitstreams/manifests/ecp5-85f.json").to_vec(),
        _ => vec![],
    }
}
