//! `zkaccel wnn …` end to end on the bundled example (`host/zkml/examples/wnn`): setup,
//! gen-witness from the PNG and from input.json, prove, verify (human and `--json` output with
//! the scores and the class), and the errors for malformed, truncated, mismatched and tampered
//! files with their exit codes.

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
