//! `zkaccel wnn …` end to end on the bundled example (`host/zkml/examples/wnn`): setup,
//! gen-witness from the PNG and from input.json, prove, verify (human and `--json` output with
//! the scores and the class), and the errors for malformed, truncated, mismatched and tampered
//! files with their exit codes; `wnn verify -M` recomputing the key from the model rather than
//! trusting the model digest the key's statement carries (plain data anyone can bind to any key).

use crate::common;

use std::path::PathBuf;

use common::cli::*;
use serde_json::Value;

fn tmpdir(name: &str) -> Scratch {
    scratch("wnn", name)
}

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/wnn").join(name)
}

/// The example digit's scores and class (the model's own inference, printed by wnn_train).
const SCORES: [u64; 10] = [42, 34, 43, 37, 35, 42, 39, 54, 45, 44];

#[test]
fn example_through_every_wnn_verb() {
    let d = tmpdir("verbs");
    let model = example("digits_wnn.hdf5");
    let (vk, pk, witness, proof) = (d.join("vk.key"), d.join("pk.key"), d.join("witness.json"), d.join("proof.json"));
    let setup = zk(&["wnn", "setup", "-M", p(&model), "--dev-srs", "--vk-path", p(&vk), "--pk-path", p(&pk), "--json"]).expect(0, "setup").json();
    assert_eq!(setup["k"], 12, "{setup}");
    assert!(setup["plan"]["rows_used"].as_u64().unwrap() <= 4096);

    let gw = zk(&["wnn", "gen-witness", "-D", p(&example("digit_7.png")), "-M", p(&model), "-O", p(&witness)]).expect(0, "gen-witness");
    assert!(gw.stdout.contains("predicted class 7") && gw.stdout.contains("[42, 34, 43, 37, 35, 42, 39, 54, 45, 44]"), "{}", gw.stdout);
    let from_json = d.join("witness_json.json");
    let gj = zk(&["wnn", "gen-witness", "-D", p(&example("digit_7_input.json")), "-M", p(&model), "-O", p(&from_json), "--json"]).expect(0, "gen-witness json").json();
    assert_eq!(gj["class"], 7);
    assert_eq!(gj["scores"], serde_json::json!(SCORES));
    assert_eq!(std::fs::read(&witness).unwrap(), std::fs::read(&from_json).unwrap(), "PNG and input.json give the same witness");

    let pr = zk(&["wnn", "prove", "--witness", p(&witness), "-M", p(&model), "--pk-path", p(&pk), "--proof-path", p(&proof), "--json"]).expect(0, "prove").json();
    assert_eq!((pr["class"].clone(), pr["scores"].clone()), (serde_json::json!(7), serde_json::json!(SCORES)));
    assert!(pr["proof_bytes"].as_u64().unwrap() > 1000);
    let v = zk(&["wnn", "verify", "--proof-path", p(&proof), "--vk-path", p(&vk), "-M", p(&model)]).expect(0, "verify");
    assert!(v.stdout.contains("VALID") && v.stdout.contains("predicted class 7"), "{}", v.stdout);

    // A proof file whose public class or score was edited: verification fails (exit 3).
    let text = std::fs::read_to_string(&proof).unwrap();
    let mut f: Value = serde_json::from_str(&text).unwrap();
    f["class"] = serde_json::json!(8);
    let edited = d.join("edited.json");
    std::fs::write(&edited, f.to_string()).unwrap();
    zk(&["wnn", "verify", "--proof-path", p(&edited), "--vk-path", p(&vk)]).expect(3, "edited class");
    let mut f: Value = serde_json::from_str(&text).unwrap();
    f["scores"][7] = serde_json::json!(55);
    std::fs::write(&edited, f.to_string()).unwrap();
    zk(&["wnn", "verify", "--proof-path", p(&edited), "--vk-path", p(&vk)]).expect(3, "edited score");
    // Changed proof bytes: rejected as corrupt (4) or by the verifier (3).
    let mut f: Value = serde_json::from_str(&text).unwrap();
    let mut bytes = hex::decode(f["proof"].as_str().unwrap()).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 4;
    f["proof"] = serde_json::json!(hex::encode(bytes));
    std::fs::write(&edited, f.to_string()).unwrap();
    let r = zk(&["wnn", "verify", "--proof-path", p(&edited), "--vk-path", p(&vk)]);
    assert!(r.code == 3 || r.code == 4, "tampered proof: exit {} {}", r.code, r.stderr);

    // Another model: the proof's model digest differs (3); the witness does not fit (4).
    let other = d.join("other.hdf5");
    let mut m = zkaccel_zkml::wnn::hdf5::load(&model).unwrap();
    m.bloom[0] = !m.bloom[0];
    std::fs::write(&other, zkaccel_zkml::wnn::hdf5::to_bytes(&m).unwrap()).unwrap();
    zk(&["wnn", "verify", "--proof-path", p(&proof), "--vk-path", p(&vk), "-M", p(&other)]).expect(3, "other model");
    zk(&["wnn", "prove", "--witness", p(&witness), "-M", p(&other), "--pk-path", p(&pk), "--proof-path", p(&edited)]).expect(4, "witness of another model");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_wnn_inputs_have_clear_errors() {
    let d = tmpdir("errors");
    let model = example("digits_wnn.hdf5");
    let bytes = std::fs::read(&model).unwrap();
    let cut = d.join("cut.hdf5");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let r = zk(&["wnn", "gen-witness", "-D", p(&example("digit_7.png")), "-M", p(&cut), "-O", p(&d.join("w.json")), "--json"]).expect(2, "truncated model");
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("cut.hdf5"), "{msg}");
    let r = zk(&["wnn", "setup", "-M", p(&d.join("missing.hdf5")), "--dev-srs"]).expect(5, "missing model");
    assert!(r.stderr.contains("missing.hdf5"), "{}", r.stderr);
    let short = d.join("short.json");
    std::fs::write(&short, r#"{"input_data": [[1, 2, 3]]}"#).unwrap();
    let r = zk(&["wnn", "gen-witness", "-D", p(&short), "-M", p(&model), "-O", p(&d.join("w.json"))]).expect(2, "short input");
    assert!(r.stderr.contains("short.json") && r.stderr.contains("784"), "{}", r.stderr);
    let png = d.join("cut.png");
    let img = std::fs::read(example("digit_7.png")).unwrap();
    std::fs::write(&png, &img[..img.len() / 2]).unwrap();
    let r = zk(&["wnn", "gen-witness", "-D", p(&png), "-M", p(&model), "-O", p(&d.join("w.json"))]).expect(2, "truncated PNG");
    assert!(r.stderr.contains("cut.png") && r.stderr.contains("PNG"), "{}", r.stderr);
    let junk = d.join("junk.json");
    std::fs::write(&junk, "{}").unwrap();
    zk(&["wnn", "prove", "--witness", p(&junk), "-M", p(&model), "--pk-path", p(&junk)]).expect(4, "not a witness");
    zk(&["wnn", "verify", "--proof-path", p(&junk), "--vk-path", p(&junk)]).expect(4, "not a key");
    zk(&["wnn", "setup", "-M", p(&model)]).expect(1, "no SRS choice");
    std::fs::remove_dir_all(&d).unwrap();
}

/// `pk_path`'s key with its statement's model_sha256 replaced by `digest` (`with_binding`, public),
/// a proof of `m`'s classification of `pixels` under it, and a proof file naming `digest`: the
/// forgery a label-only `wnn verify -M` took for a proof of the model `digest` names. Returns
/// (vk, proof, class).
fn relabelled_key_and_proof(
    d: &std::path::Path,
    tag: &str,
    m: &zkaccel_zkml::wnn::WnnModel,
    pk_path: &std::path::Path,
    digest: &str,
    pixels: &[u8],
) -> (PathBuf, PathBuf, usize) {
    use zkaccel_zkml::wnn::files::{WnnProofFile, PROOF_FORMAT, PROTOCOL, VERSION};
    use zkaccel_zkml::wnn::{build, statement::WnnStatement, Trace};
    let be = zkaccel::backend::CpuBackend::new();
    let mut pk = zkaccel::plonk::ProvingKey::from_bytes(&std::fs::read(pk_path).unwrap(), &be).unwrap();
    let mut statement = WnnStatement::from_key(&pk.vk).unwrap();
    statement.model_sha256 = digest.to_string();
    pk.vk = pk.vk.clone().with_binding(statement.to_bytes()).unwrap();
    let t = Trace::honest(m, pixels);
    let c = build(m, &t).unwrap();
    let proof = zkaccel::plonk::prove_with_os_rng(&be, &pk, &c.witness, &c.instances).unwrap();
    let f = WnnProofFile {
        format: PROOF_FORMAT.into(),
        version: VERSION,
        protocol: PROTOCOL.into(),
        model_sha256: digest.to_string(),
        vk_digest: hex::encode(pk.vk.digest()),
        scores: t.scores.clone(),
        class: t.class,
        proof: hex::encode(proof.to_bytes()),
    };
    let (vk_path, proof_path) = (d.join(format!("{tag}-forged-vk.key")), d.join(format!("{tag}-forged-proof.json")));
    f.save(&proof_path).unwrap();
    std::fs::write(&vk_path, pk.vk.to_bytes()).unwrap();
    (vk_path, proof_path, t.class)
}

#[test]
fn wnn_verify_m_recomputes_the_key_rather_than_trusting_its_label() {
    use zkaccel_zkml::wnn::{hdf5, train};
    let d = tmpdir("relabel");
    let ptau = ptau();
    // Model a: an 8×8 image, 4 classes (its circuit fits the bundled 2^10 ceremony file).
    let a = train::random_model(4, 8, 2, 16, 16, 2, 509, 0.55, 11);
    let a_path = d.join("a.hdf5");
    let a_bytes = hdf5::to_bytes(&a).unwrap();
    std::fs::write(&a_path, &a_bytes).unwrap();
    let digest = zkaccel_zkml::wnn::files::model_digest(&a_bytes);
    let pixels: Vec<u8> = (0..64).map(|k| ((k * 53 + 7) % 256) as u8).collect();
    let input = d.join("input.json");
    std::fs::write(&input, serde_json::json!({ "input_data": [pixels] }).to_string()).unwrap();
    let (vk, pk, witness, proof) = (d.join("a-vk.key"), d.join("a-pk.key"), d.join("a-w.json"), d.join("a-proof.json"));
    zk(&["wnn", "setup", "-M", p(&a_path), "--srs-path", p(&ptau), "--vk-path", p(&vk), "--pk-path", p(&pk)]).expect(0, "setup a");
    zk(&["wnn", "gen-witness", "-D", p(&input), "-M", p(&a_path), "-O", p(&witness)]).expect(0, "gen-witness a");
    zk(&["wnn", "prove", "--witness", p(&witness), "-M", p(&a_path), "--pk-path", p(&pk), "--proof-path", p(&proof)]).expect(0, "prove a");
    let v = |proof: &std::path::Path, vk: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["wnn", "verify", "--proof-path", p(proof), "-M", p(&a_path), "--vk-path", p(vk)];
        args.extend(extra);
        zk(&args)
    };
    // The honest key: recomputed entirely with the ceremony file.
    let h = v(&proof, &vk, &["--srs-path", p(&ptau)]).expect(0, "honest, with the ptau");
    assert!(h.stdout.contains("is the one `wnn setup` makes for it with this SRS"), "{}", h.stdout);
    let j = v(&proof, &vk, &["--srs-path", p(&ptau), "--json"]).expect(0, "honest json").json();
    assert_eq!((j["model_checked"].clone(), j["model_check"].clone()), (true.into(), "full".into()), "{j}");
    let honest_class = j["class"].clone();

    // Model b: every Bloom bit of a set (same shapes: the same constraint system), its key made
    // with the same ceremony file, relabelled with a's digest.
    let mut b = a.clone();
    b.bloom.iter_mut().for_each(|x| *x = true);
    let b_path = d.join("b.hdf5");
    std::fs::write(&b_path, hdf5::to_bytes(&b).unwrap()).unwrap();
    let b_pk = d.join("b-pk.key");
    zk(&["wnn", "setup", "-M", p(&b_path), "--srs-path", p(&ptau), "--vk-path", p(&d.join("b-vk.key")), "--pk-path", p(&b_pk)]).expect(0, "setup b");
    let (forged_vk, forged_proof, class) = relabelled_key_and_proof(&d, "b", &b, &b_pk, &digest, &pixels);
    assert_ne!(serde_json::json!(class), honest_class, "the forgery states another class");
    // With the ceremony file: b's Bloom bits are in the key's fixed columns, refused (was: exit 0,
    // model_checked true).
    let r = v(&forged_proof, &forged_vk, &["--srs-path", p(&ptau)]).expect(3, "relabelled key with the ptau");
    assert!(r.stderr.contains("another model") && r.stderr.contains("fixed columns") && r.stderr.contains("forged-vk.key"), "{}", r.stderr);
    // Without it: the structure matches; verify says the fixed columns were not recomputed.
    let r = v(&forged_proof, &forged_vk, &[]).expect(0, "relabelled key without the ptau");
    assert!(r.stdout.contains("were not recomputed") && r.stdout.contains("--srs-path") && !r.stdout.contains("makes for it"), "{}", r.stdout);
    let j = v(&forged_proof, &forged_vk, &["--json"]).expect(0, "relabelled key json").json();
    assert_eq!((j["model_checked"].clone(), j["model_structure_checked"].clone()), (false.into(), true.into()), "{j}");

    // Another shape of network (8 entries per filter instead of 16; same image and classes)
    // relabelled the same way: its constraint system differs, refused without the ceremony file.
    let c = train::random_model(4, 8, 2, 16, 8, 2, 509, 0.55, 12);
    let c_path = d.join("c.hdf5");
    std::fs::write(&c_path, hdf5::to_bytes(&c).unwrap()).unwrap();
    let c_pk = d.join("c-pk.key");
    zk(&["wnn", "setup", "-M", p(&c_path), "--dev-srs", "--vk-path", p(&d.join("c-vk.key")), "--pk-path", p(&c_pk)]).expect(0, "setup c");
    let (forged_vk, forged_proof, _) = relabelled_key_and_proof(&d, "c", &c, &c_pk, &digest, &pixels);
    zk(&["wnn", "verify", "--proof-path", p(&forged_proof), "--vk-path", p(&forged_vk)]).expect(0, "relabelled key of another shape, no -M");
    let r = v(&forged_proof, &forged_vk, &[]).expect(3, "relabelled key of another shape");
    assert!(r.stderr.contains("another model") && (r.stderr.contains("constraint system") || r.stderr.contains("rows")), "{}", r.stderr);
}
