//! What `verify` prints as a result is bound by the proof and the verifying key (issue 20): the
//! forgeries a hostile tester found — an edited settings.json (`model_output_scales`) with the
//! proof's readable outputs edited to match, a proof for other (fixed) weights with the
//! circuit_id label copied — are rejected, and with private parameters `verify` says that the
//! weights are not checked (and the circuit id does not name them). The statement is plain data
//! anyone can bind to any key (`VerifyingKey::with_binding`): `verify -M` recomputes the key from
//! the compiled circuit — its structure always, its fixed and copy commitments with `--srs-path` —
//! and says what it did not recompute.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::example;
use super::cli::{p, ptau, scratch, Scratch, zk};

fn tmpdir(name: &str) -> Scratch {
    scratch("binding", name)
}

struct Model {
    settings: PathBuf,
    compiled: PathBuf,
    vk: PathBuf,
    pk: PathBuf,
    proof: PathBuf,
    witness: PathBuf,
}

/// The whole workflow on `model` in `d` (files prefixed with `tag`).
fn workflow(d: &Path, tag: &str, model: &Path, params: &str) -> Model {
    workflow_with(d, tag, model, params, &[], &["--dev-srs"])
}

/// [`workflow`] with more gen-settings flags and the setup's SRS flags.
fn workflow_with(d: &Path, tag: &str, model: &Path, params: &str, settings_flags: &[&str], srs: &[&str]) -> Model {
    let f = |n: &str| d.join(format!("{tag}-{n}"));
    let m = Model { settings: f("s.json"), compiled: f("m.compiled"), vk: f("vk.key"), pk: f("pk.key"), proof: f("proof.json"), witness: f("w.json") };
    let w = m.witness.clone();
    let data = example("tiny_input.json");
    let mut gen =
        vec!["gen-settings", "-M", p(model), "-O", p(&m.settings), "-D", p(&data), "--input-scale", "5", "--param-scale", "5", "--param-visibility", params];
    gen.extend(settings_flags);
    zk(&gen).expect(0, "gen-settings");
    zk(&["compile-circuit", "-M", p(model), "--compiled-circuit", p(&m.compiled), "-S", p(&m.settings)]).expect(0, "compile");
    let mut setup = vec!["setup", "-M", p(&m.compiled), "--vk-path", p(&m.vk), "--pk-path", p(&m.pk)];
    setup.extend(srs);
    zk(&setup).expect(0, "setup");
    zk(&["gen-witness", "-D", p(&data), "-M", p(&m.compiled), "-O", p(&w)]).expect(0, "gen-witness");
    zk(&["prove", "--witness", p(&w), "-M", p(&m.compiled), "--pk-path", p(&m.pk), "--proof-path", p(&m.proof), "--device", "cpu"]).expect(0, "prove");
    m
}

/// tiny_4_8_3.onnx with one weight changed (same architecture, other weights), written in `d`.
fn other_weights(d: &Path) -> PathBuf {
    let out = d.join("other_weights.onnx");
    std::fs::write(&out, crate::common::tiny_with_other_weights()).unwrap();
    out
}

#[test]
fn edited_output_scales_are_not_shown_valid() {
    let d = tmpdir("scales");
    let a = workflow(&d, "a", &example("tiny_4_8_3.onnx"), "private");
    let good = zk(&["verify", "--proof-path", p(&a.proof), "-S", p(&a.settings), "--vk-path", p(&a.vk), "--json"]).expect(0, "verify").json();
    let scale = good["statement"]["output_scales"][0].as_u64().unwrap();
    // The forgery: settings' model_output_scales and the proof's readable rescaled outputs edited
    // together (the outputs shown 8× larger).
    let mut s: Value = serde_json::from_str(&std::fs::read_to_string(&a.settings).unwrap()).unwrap();
    s["model_output_scales"][0] = Value::from(scale - 3);
    let forged_settings = d.join("forged-s.json");
    std::fs::write(&forged_settings, s.to_string()).unwrap();
    let mut f: Value = serde_json::from_str(&std::fs::read_to_string(&a.proof).unwrap()).unwrap();
    let outs: Vec<Value> = f["public"]["outputs"][0].as_array().unwrap().iter().map(|q| Value::from(q.as_i64().unwrap() as f64 / ((scale - 3) as f64).exp2())).collect();
    f["public"]["rescaled_outputs"][0] = Value::Array(outs);
    let forged_proof = d.join("forged-proof.json");
    std::fs::write(&forged_proof, f.to_string()).unwrap();
    let r = zk(&["verify", "--proof-path", p(&forged_proof), "-S", p(&forged_settings), "--vk-path", p(&a.vk), "--json"]).expect(4, "forged settings + proof");
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("model_output_scales") && msg.contains("forged-s.json"), "{msg}");
    // Only the settings edited: refused the same way (the key binds the scales).
    zk(&["verify", "--proof-path", p(&a.proof), "-S", p(&forged_settings), "--vk-path", p(&a.vk)]).expect(4, "forged settings");
    // The proof file's circuit_id label edited: it must be the one the key binds, exit 3.
    let mut f: Value = serde_json::from_str(&std::fs::read_to_string(&a.proof).unwrap()).unwrap();
    f["circuit_id"] = Value::String("0".repeat(64));
    let relabelled = d.join("relabelled.json");
    std::fs::write(&relabelled, f.to_string()).unwrap();
    zk(&["verify", "--proof-path", p(&relabelled), "-S", p(&a.settings), "--vk-path", p(&a.vk)]).expect(3, "relabelled proof");
    // A witness with one input value missing: named as the witness's field, not "malformed ONNX".
    let w: Value = serde_json::from_str(&std::fs::read_to_string(d.join("a-w.json")).unwrap()).unwrap();
    let mut w3 = w.clone();
    w3["inputs"][0].as_array_mut().unwrap().pop();
    std::fs::write(d.join("w3.json"), w3.to_string()).unwrap();
    let r = zk(&["prove", "--witness", p(&d.join("w3.json")), "-M", p(&a.compiled), "--pk-path", p(&a.pk), "--proof-path", p(&d.join("p3.json"))])
        .expect(4, "short witness");
    assert!(r.stderr.contains("inputs[0]") && r.stderr.contains("holds 3 values") && !r.stderr.contains("malformed ONNX"), "{}", r.stderr);
    // Only the proof's readable copy edited: the instances disagree, exit 3.
    zk(&["verify", "--proof-path", p(&forged_proof), "-S", p(&a.settings), "--vk-path", p(&a.vk)]).expect(3, "forged rescaled outputs");
    // Other visibilities or instance shapes in the settings: refused too.
    for (field, value) in [("model_instance_shapes", serde_json::json!([[1, 4]])), ("model_input_scales", serde_json::json!([9]))] {
        let mut s: Value = serde_json::from_str(&std::fs::read_to_string(&a.settings).unwrap()).unwrap();
        s[field] = value;
        std::fs::write(&forged_settings, s.to_string()).unwrap();
        let r = zk(&["verify", "--proof-path", p(&a.proof), "-S", p(&forged_settings), "--vk-path", p(&a.vk)]).expect(4, field);
        assert!(r.stderr.contains(field), "{field}: {}", r.stderr);
        // compile-circuit refuses such settings as well.
        let r = zk(&["compile-circuit", "-M", p(&example("tiny_4_8_3.onnx")), "-S", p(&forged_settings), "--compiled-circuit", p(&d.join("x.compiled"))])
            .expect(2, field);
        assert!(r.stderr.contains(field), "{field}: {}", r.stderr);
    }
    let mut s: Value = serde_json::from_str(&std::fs::read_to_string(&a.settings).unwrap()).unwrap();
    s["model_output_scales"][0] = Value::from(scale + 1);
    std::fs::write(&forged_settings, s.to_string()).unwrap();
    let r = zk(&["compile-circuit", "-M", p(&example("tiny_4_8_3.onnx")), "-S", p(&forged_settings), "--compiled-circuit", p(&d.join("x.compiled"))])
        .expect(2, "compile with another output scale");
    assert!(r.stderr.contains("model_output_scales"), "{}", r.stderr);
    assert!(!d.join("x.compiled").exists());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn other_weights_with_a_copied_label_are_not_shown_valid() {
    let d = tmpdir("weights");
    let other = other_weights(&d);
    let a = workflow(&d, "a", &example("tiny_4_8_3.onnx"), "private");
    let b = workflow(&d, "b", &other, "private");
    // The honest verdict with private parameters says what is and is not checked.
    let h = zk(&["verify", "--proof-path", p(&a.proof), "-M", p(&a.compiled), "--vk-path", p(&a.vk)]).expect(0, "verify a");
    assert!(h.stdout.contains("VALID") && h.stdout.contains("NOT checked") && h.stdout.contains("some weights"), "{}", h.stdout);
    assert!(h.stdout.contains("fixes the architecture and settings, not the weights"), "{}", h.stdout);
    // A development-SRS key: its structure is recomputed from the compiled circuit, its fixed
    // columns cannot be (no ceremony file), and verify says so.
    assert!(h.stdout.contains("constraint system and size match it") && h.stdout.contains("were not recomputed"), "{}", h.stdout);
    let j = zk(&["verify", "--proof-path", p(&a.proof), "-M", p(&a.compiled), "--vk-path", p(&a.vk), "--json"]).expect(0, "verify a json").json();
    assert_eq!(j["params_checked"], false);
    assert_eq!(
        (j["compiled_checked"].clone(), j["compiled_structure_checked"].clone(), j["compiled_check"].clone()),
        (false.into(), true.into(), "structure".into())
    );
    assert!(j["unchecked"][0].as_str().unwrap().contains("weights"), "{j}");
    // Private weights are no part of the circuit id (nothing public may confirm a guess of
    // them): a and b have the same one, and b's proof is "for" a's compiled model as much as for
    // its own. Their keys differ here only by the random development SRS.
    let id = |f: &Path| serde_json::from_str::<Value>(&std::fs::read_to_string(f).unwrap()).unwrap()["circuit_id"].clone();
    assert_eq!(id(&a.compiled), id(&b.compiled));
    zk(&["verify", "--proof-path", p(&b.proof), "-M", p(&a.compiled), "--vk-path", p(&b.vk)]).expect(0, "b's proof and key, a's model");
    // With fixed parameters the weights are in the key and in the circuit id: the forgery, b's
    // proof with a's circuit_id label copied in, is rejected.
    let a = workflow(&d, "fixed", &example("tiny_4_8_3.onnx"), "fixed");
    let b = workflow(&d, "fixed-b", &other, "fixed");
    assert_ne!(id(&a.compiled), id(&b.compiled));
    let mut f: Value = serde_json::from_str(&std::fs::read_to_string(&b.proof).unwrap()).unwrap();
    f["circuit_id"] = id(&a.compiled);
    let forged = d.join("forged.json");
    std::fs::write(&forged, f.to_string()).unwrap();
    // Against a's key: another key (its digest binds a's statement), exit 3.
    zk(&["verify", "--proof-path", p(&forged), "-M", p(&a.compiled), "--vk-path", p(&a.vk)]).expect(3, "b's proof, a's key");
    // Against b's own key but "for" a's compiled model: the key binds b's circuit, exit 3.
    let r = zk(&["verify", "--proof-path", p(&forged), "-M", p(&a.compiled), "--vk-path", p(&b.vk)]).expect(3, "b's proof and key, a's model");
    assert!(r.stderr.contains("another compiled circuit") || r.stderr.contains("proof for another circuit"), "{}", r.stderr);
    // b's key with its digest rewritten in the proof: rejected by the proof itself.
    let mut f2 = f.clone();
    f2["vk_digest"] = Value::String(hex::encode(zkaccel::plonk::VerifyingKey::from_bytes(&std::fs::read(&a.vk).unwrap()).unwrap().digest()));
    std::fs::write(&forged, f2.to_string()).unwrap();
    zk(&["verify", "--proof-path", p(&forged), "-M", p(&a.compiled), "--vk-path", p(&a.vk)]).expect(3, "digest rewritten");
    // Proving b's model with a's proving key is refused before proving (the key holds a's weights).
    let wb = d.join("fixed-b-w.json");
    let r = zk(&["prove", "--witness", p(&wb), "-M", p(&b.compiled), "--pk-path", p(&a.pk), "--proof-path", p(&d.join("x.json"))]).expect(4, "a's pk for b");
    assert!(r.stderr.contains("proving key"), "{}", r.stderr);
    // With fixed and public parameters the weights are checked, and verify says so.
    workflow(&d, "public", &example("tiny_4_8_3.onnx"), "public");
    for params in ["fixed", "public"] {
        let (s, vk, proof) = (d.join(format!("{params}-s.json")), d.join(format!("{params}-vk.key")), d.join(format!("{params}-proof.json")));
        let j = zk(&["verify", "--proof-path", p(&proof), "-S", p(&s), "--vk-path", p(&vk), "--json"]).expect(0, params).json();
        assert_eq!(j["params_checked"], true, "{params}");
        let h = zk(&["verify", "--proof-path", p(&proof), "-S", p(&s), "--vk-path", p(&vk)]).expect(0, params);
        assert!(h.stdout.contains("(checked)") && !h.stdout.contains("NOT checked"), "{params}: {}", h.stdout);
    }
    // Public weights edited in a proof: refused by the key's digest of them even without -M.
    let m = Model {
        settings: d.join("public-s.json"),
        vk: d.join("public-vk.key"),
        proof: d.join("public-proof.json"),
        compiled: d.join("public-m.compiled"),
        pk: d.join("public-pk.key"),
        witness: d.join("public-w.json"),
    };
    let mut f: Value = serde_json::from_str(&std::fs::read_to_string(&m.proof).unwrap()).unwrap();
    let last = f["instances"].as_array().unwrap().len() - 1;
    f["instances"][last][0] = Value::String(zkaccel_zkml::field::fr_to_hex(&zkaccel::Fr::from(12345u64)));
    std::fs::write(&forged, f.to_string()).unwrap();
    let r = zk(&["verify", "--proof-path", p(&forged), "-S", p(&m.settings), "--vk-path", p(&m.vk)]).expect(3, "public weights edited");
    assert!(r.stderr.contains("public weights"), "{}", r.stderr);
    let _ = (&m.compiled, &m.pk, &m.witness);
    let _ = std::fs::remove_dir_all(&d);
}

/// `m`'s proving key with its statement's circuit_id replaced by `id` (`VerifyingKey::with_binding`,
/// public), a proof of `m`'s witness under it and the proof file relabelled to match: the forgery
/// a label-only `verify -M` took for a proof of the circuit `id` names. Returns (vk, proof).
fn relabelled_key_and_proof(d: &Path, tag: &str, m: &Model, id: &str) -> (PathBuf, PathBuf) {
    use zkaccel::backend::CpuBackend;
    use zkaccel_zkml::{compiled::CompiledCircuit, pipeline, proof_file::ProofFile, statement::Statement, witness::WitnessFile};
    let be = CpuBackend::new();
    let c = CompiledCircuit::load(&m.compiled).unwrap();
    let mut pk = zkaccel::plonk::ProvingKey::from_bytes(&std::fs::read(&m.pk).unwrap(), &be).unwrap();
    let mut statement = Statement::from_key(&pk.vk).unwrap();
    statement.circuit_id = id.to_string();
    pk.vk = pk.vk.clone().with_binding(statement.to_bytes()).unwrap();
    let w = WitnessFile::load(&m.witness).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    let proof = zkaccel::plonk::prove_with_os_rng(&be, &pk, &circuit.witness, &circuit.instances).unwrap();
    let mut f = ProofFile::load(&m.proof).unwrap();
    f.circuit_id = id.to_string();
    f.vk_digest = hex::encode(pk.vk.digest());
    f.proof = hex::encode(proof.to_bytes());
    let (vk_path, proof_path) = (d.join(format!("{tag}-forged-vk.key")), d.join(format!("{tag}-forged-proof.json")));
    f.save(&proof_path).unwrap();
    std::fs::write(&vk_path, pk.vk.to_bytes()).unwrap();
    (vk_path, proof_path)
}

#[test]
fn verify_m_recomputes_the_key_rather_than_trusting_its_label() {
    let d = tmpdir("relabel");
    let ptau = ptau();
    let srs = ["--srs-path", p(&ptau)];
    let id = |f: &Path| serde_json::from_str::<Value>(&std::fs::read_to_string(f).unwrap()).unwrap()["circuit_id"].as_str().unwrap().to_string();
    // a: tiny_4_8_3 with fixed weights; b: the same architecture with one weight changed. Both
    // keys from the bundled ceremony file.
    let a = workflow_with(&d, "a", &example("tiny_4_8_3.onnx"), "fixed", &[], &srs);
    let b = workflow_with(&d, "b", &other_weights(&d), "fixed", &[], &srs);
    assert_ne!(id(&a.compiled), id(&b.compiled));
    // The honest key: recomputed entirely with the ceremony file.
    let v = |proof: &Path, vk: &Path, extra: &[&str]| {
        let mut args = vec!["verify", "--proof-path", p(proof), "-M", p(&a.compiled), "--vk-path", p(vk)];
        args.extend(extra);
        zk(&args)
    };
    let h = v(&a.proof, &a.vk, &srs).expect(0, "a's proof and key with the ptau");
    assert!(h.stdout.contains("is the one setup makes for it with this SRS"), "{}", h.stdout);
    let j = v(&a.proof, &a.vk, &[srs[0], srs[1], "--json"]).expect(0, "a json").json();
    assert_eq!((j["compiled_checked"].clone(), j["compiled_check"].clone()), (true.into(), "full".into()), "{j}");

    // b's key relabelled with a's circuit_id (same architecture, other weights in its fixed
    // columns) and a proof under it of b's outputs.
    let (forged_vk, forged_proof) = relabelled_key_and_proof(&d, "b", &b, &id(&a.compiled));
    // With the ceremony file the key's fixed columns are recomputed from a's compiled circuit:
    // refused, naming the fixed columns (was: exit 0, "the verifying key was made for it").
    let r = v(&forged_proof, &forged_vk, &srs).expect(3, "relabelled key with the ptau");
    assert!(r.stderr.contains("another compiled circuit") && r.stderr.contains("fixed columns") && r.stderr.contains("forged-vk.key"), "{}", r.stderr);
    // Without it the structure matches, and verify says what it did not check instead of
    // claiming the key is a's.
    let r = v(&forged_proof, &forged_vk, &[]).expect(0, "relabelled key without the ptau");
    assert!(!r.stdout.contains("made for it") && r.stdout.contains("fixed columns (weights, tables, copies) were not recomputed"), "{}", r.stdout);
    assert!(r.stdout.contains("--srs-path"), "{}", r.stdout);
    let j = v(&forged_proof, &forged_vk, &["--json"]).expect(0, "relabelled key json").json();
    assert_eq!((j["compiled_checked"].clone(), j["compiled_structure_checked"].clone()), (false.into(), true.into()), "{j}");
    assert!(j["unchecked"].as_array().unwrap().iter().any(|u| u.as_str().unwrap().contains("fixed columns")), "{j}");

    // Another architecture (the same model by projection instead of MAC rows) relabelled the
    // same way: its constraint system differs, refused without the ceremony file.
    let c = workflow_with(&d, "c", &example("tiny_4_8_3.onnx"), "fixed", &["--matmul-layout", "projection"], &["--dev-srs"]);
    let (forged_vk, forged_proof) = relabelled_key_and_proof(&d, "c", &c, &id(&a.compiled));
    // (The forgery verifies on its own: only -M can tell.)
    zk(&["verify", "--proof-path", p(&forged_proof), "--vk-path", p(&forged_vk)]).expect(0, "relabelled projection key, no -M");
    let r = v(&forged_proof, &forged_vk, &[]).expect(3, "relabelled key of another architecture");
    assert!(r.stderr.contains("another compiled circuit") && (r.stderr.contains("constraint system") || r.stderr.contains("rows")), "{}", r.stderr);
}

/// With a fixed input the io_fixed column holds the prover's values, so `verify -M --srs-path`
/// cannot recompute that one column — but every other fixed column it can: a key for other fixed
/// weights of the same architecture, relabelled with the model's circuit_id, is refused (it was
/// accepted while the fixed input made verify skip every fixed column); the honest key is
/// recomputed but for the io_fixed column, and verify says so.
#[test]
fn verify_m_recomputes_the_fixed_weights_of_a_key_with_a_fixed_input() {
    let d = tmpdir("relabel-fixed-input");
    let ptau = ptau();
    let id = |f: &Path| serde_json::from_str::<Value>(&std::fs::read_to_string(f).unwrap()).unwrap()["circuit_id"].as_str().unwrap().to_string();
    // gen-settings with a fixed input, then the witness before setup (setup lays it out).
    let workflow = |tag: &str, model: &Path| {
        let f = |n: &str| d.join(format!("{tag}-{n}"));
        let m = Model { settings: f("s.json"), compiled: f("m.compiled"), vk: f("vk.key"), pk: f("pk.key"), proof: f("proof.json"), witness: f("w.json") };
        let data = example("tiny_input.json");
        let gen = ["gen-settings", "-M", p(model), "-O", p(&m.settings), "-D", p(&data), "--input-scale", "5", "--param-scale", "5"];
        zk(&[&gen[..], &["--param-visibility", "fixed", "--input-visibility", "fixed", "--output-visibility", "public"]].concat()).expect(0, "gen-settings");
        zk(&["compile-circuit", "-M", p(model), "--compiled-circuit", p(&m.compiled), "-S", p(&m.settings)]).expect(0, "compile");
        zk(&["gen-witness", "-D", p(&data), "-M", p(&m.compiled), "-O", p(&m.witness)]).expect(0, "gen-witness");
        let setup = ["setup", "-M", p(&m.compiled), "--witness", p(&m.witness), "--vk-path", p(&m.vk), "--pk-path", p(&m.pk), "--srs-path", p(&ptau)];
        zk(&setup).expect(0, "setup");
        zk(&["prove", "--witness", p(&m.witness), "-M", p(&m.compiled), "--pk-path", p(&m.pk), "--proof-path", p(&m.proof), "--device", "cpu"]).expect(0, "prove");
        m
    };
    let a = workflow("a", &example("tiny_4_8_3.onnx"));
    let b = workflow("b", &other_weights(&d));
    let v = |proof: &Path, vk: &Path| zk(&["verify", "--proof-path", p(proof), "-M", p(&a.compiled), "--vk-path", p(vk), "--srs-path", p(&ptau), "--json"]);
    let j = v(&a.proof, &a.vk).expect(0, "a's own key").json();
    assert_eq!((j["compiled_checked"].clone(), j["compiled_check"].clone()), (false.into(), "all_but_fixed_io".into()), "{j}");
    assert!(j["unchecked"].as_array().unwrap().iter().any(|u| u.as_str().unwrap().contains("fixed inputs/outputs")), "{j}");
    let (forged_vk, forged_proof) = relabelled_key_and_proof(&d, "b", &b, &id(&a.compiled));
    let r = v(&forged_proof, &forged_vk).expect(3, "b's key relabelled as a's, fixed input");
    let m = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(m.contains("another compiled circuit") && m.contains("fixed columns"), "{m}");
}

#[test]
fn verify_refuses_a_corrupted_ptau_as_setup_does() {
    let d = tmpdir("ptau");
    let ptau = ptau();
    let model = example("tiny_4_8_3.onnx");
    let (s, c, vk, pk, w, proof) = (d.join("s.json"), d.join("m.compiled"), d.join("vk"), d.join("pk"), d.join("w.json"), d.join("proof.json"));
    let data = example("tiny_input.json");
    zk(&["gen-settings", "-M", p(&model), "-O", p(&s), "-D", p(&data), "--input-scale", "5", "--param-scale", "5"]).expect(0, "gen-settings");
    zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&c), "-S", p(&s)]).expect(0, "compile");
    zk(&["setup", "-M", p(&c), "--srs-path", p(&ptau), "--vk-path", p(&vk), "--pk-path", p(&pk)]).expect(0, "setup");
    zk(&["gen-witness", "-D", p(&data), "-M", p(&c), "-O", p(&w)]).expect(0, "gen-witness");
    zk(&["prove", "--witness", p(&w), "-M", p(&c), "--pk-path", p(&pk), "--proof-path", p(&proof)]).expect(0, "prove");
    zk(&["verify", "--proof-path", p(&proof), "-S", p(&s), "--vk-path", p(&vk), "--srs-path", p(&ptau)]).expect(0, "verify with the ptau");
    // A flipped bit in the 900th G1 power (section 2 starts at byte 80 of this file, 64 bytes a
    // point): beyond the powers the verifying key holds, yet the file is corrupt.
    let mut bytes = std::fs::read(&ptau).unwrap();
    bytes[80 + 64 * 900 + 3] ^= 0x10;
    let bad = d.join("bad.ptau");
    std::fs::write(&bad, &bytes).unwrap();
    let r = zk(&["verify", "--proof-path", p(&proof), "-S", p(&s), "--vk-path", p(&vk), "--srs-path", p(&bad)]).expect(4, "corrupted ptau");
    assert!(r.stderr.contains("bad.ptau"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&d);
}
