//! What the prover's files and the shared files give away (the privacy review): outputs that
//! hold private data are created owner-only and a rewrite keeps the permissions and symbolic
//! links the user set; the circuit id that the key binds and the proof repeats does not depend on
//! private weights or on statistics measured on the data; `verify` needs only the proof and the
//! verifying key (the calibrated settings.json stays with the prover).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use zkaccel_onnx::{Settings, Visibility};
use zkaccel_zkml::compiled::CompiledCircuit;
use zkaccel_zkml::pipeline;
use zkaccel_zkml::statement::Statement;

use crate::common::cli::{p, ptau, scratch, zk, Scratch};
use crate::common::*;

fn tmpdir(name: &str) -> Scratch {
    scratch("privacy", name)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The mode a file created the ordinary way gets here (0666 less this process's umask).
fn default_mode(d: &Path) -> u32 {
    let f = d.join("default-mode-probe");
    std::fs::write(&f, "").unwrap();
    let m = mode(&f);
    std::fs::remove_file(&f).unwrap();
    m
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// No temporary file of an atomic write is left in `d`.
fn no_temp_files(d: &Path) {
    for e in std::fs::read_dir(d).unwrap() {
        let name = e.unwrap().file_name();
        assert!(!name.to_string_lossy().contains(".tmp-"), "temporary file left in {}: {name:?}", d.display());
    }
}

/// gen-settings (measured on the bundled input) and compile-circuit of the tiny model in `d`.
fn compiled_tiny(d: &Path) -> (PathBuf, PathBuf) {
    let (s, c) = (d.join("s.json"), d.join("m.compiled"));
    let model = example("tiny_4_8_3.onnx");
    zk(&["gen-settings", "-M", p(&model), "-O", p(&s), "-D", p(&example("tiny_input.json")), "--input-scale", "5", "--param-scale", "5"])
        .expect(0, "gen-settings");
    zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&c), "-S", p(&s)]).expect(0, "compile");
    (s, c)
}

fn gen_witness(c: &Path, out: &Path) {
    zk(&["gen-witness", "-D", p(&example("tiny_input.json")), "-M", p(c), "-O", p(out)]).expect(0, "gen-witness");
}

#[test]
fn new_private_outputs_are_owner_only() {
    let d = tmpdir("new");
    let shared = default_mode(&d);
    let (s, c) = compiled_tiny(&d);
    // Settings measured on data, the compiled circuit (the model with its weights), the witness
    // (the private inputs) and the proving key are prover-side: 0600.
    assert_eq!(mode(&s), 0o600, "settings measured with -D");
    assert_eq!(mode(&c), 0o600, "compiled circuit");
    let w = d.join("w.json");
    gen_witness(&c, &w);
    assert_eq!(mode(&w), 0o600, "witness");
    let (vk, pk, proof) = (d.join("vk.key"), d.join("pk.key"), d.join("proof.json"));
    zk(&["setup", "-M", p(&c), "--dev-srs", "--vk-path", p(&vk), "--pk-path", p(&pk)]).expect(0, "setup");
    assert_eq!(mode(&pk), 0o600, "proving key");
    // What is handed out gets the ordinary mode.
    assert_eq!(mode(&vk), shared, "verifying key");
    zk(&["prove", "--witness", p(&w), "-M", p(&c), "--pk-path", p(&pk), "--proof-path", p(&proof)]).expect(0, "prove");
    assert_eq!(mode(&proof), shared, "proof");
    let plain = d.join("plain.json");
    zk(&["gen-settings", "-M", p(&example("tiny_4_8_3.onnx")), "-O", p(&plain)]).expect(0, "gen-settings without data");
    assert_eq!(mode(&plain), shared, "settings without measured statistics");
    no_temp_files(&d);
}

#[test]
fn a_rewritten_output_keeps_its_permissions() {
    let d = tmpdir("rewrite");
    let (s, c) = compiled_tiny(&d);
    let w = d.join("w.json");
    gen_witness(&c, &w);
    // Whatever the user set stays: narrower or wider than the default for a new file.
    for m in [0o600, 0o640, 0o400] {
        chmod(&w, 0o600);
        std::fs::write(&w, "old").unwrap();
        chmod(&w, m);
        gen_witness(&c, &w);
        assert_eq!(mode(&w), m, "witness rewritten over a {m:o} file");
        assert_ne!(std::fs::read_to_string(&w).unwrap(), "old");
    }
    // The calibrated settings, rewritten in place by calibrate-settings, likewise.
    chmod(&s, 0o600);
    let (model, data) = (example("tiny_4_8_3.onnx"), example("tiny_input.json"));
    zk(&["calibrate-settings", "-M", p(&model), "-D", p(&data), "--settings-path", p(&s), "--scales", "5", "--tolerance", "1"]).expect(0, "calibrate-settings");
    assert_eq!(mode(&s), 0o600, "calibrated settings");
    no_temp_files(&d);
}

#[test]
fn a_symlinked_output_stays_a_link() {
    let d = tmpdir("symlink");
    let (_s, c) = compiled_tiny(&d);
    let want = d.join("want.json");
    gen_witness(&c, &want);
    let want = std::fs::read(&want).unwrap();
    // A relative link into another directory, whose target the user made owner-only.
    let real_dir = d.join("real");
    std::fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("w.json");
    std::fs::write(&real, "old witness").unwrap();
    chmod(&real, 0o600);
    let link = d.join("w.json");
    std::os::unix::fs::symlink("real/w.json", &link).unwrap();
    gen_witness(&c, &link);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced by a file");
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("real/w.json"));
    assert_eq!(std::fs::read(&real).unwrap(), want, "the link's target holds the new witness");
    assert_eq!(mode(&real), 0o600);
    // A link to a link, and a dangling link: the file is written where the chain ends.
    let link2 = d.join("w2.json");
    std::os::unix::fs::symlink(&link, &link2).unwrap();
    std::fs::write(&real, "old witness").unwrap();
    gen_witness(&c, &link2);
    assert!(std::fs::symlink_metadata(&link2).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read(&real).unwrap(), want);
    let dangling = d.join("w3.json");
    std::os::unix::fs::symlink(real_dir.join("new.json"), &dangling).unwrap();
    gen_witness(&c, &dangling);
    assert!(std::fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read(real_dir.join("new.json")).unwrap(), want);
    assert_eq!(mode(&real_dir.join("new.json")), 0o600, "a new witness behind a dangling link");
    no_temp_files(&d);
    no_temp_files(&real_dir);
    // A link to something that is not a regular file is refused, and nothing is replaced.
    let fifo_link = d.join("dev.json");
    std::os::unix::fs::symlink("/dev/null", &fifo_link).unwrap();
    let r = zk(&["gen-witness", "-D", p(&example("tiny_input.json")), "-M", p(&c), "-O", p(&fifo_link)]).expect(5, "a link to /dev/null");
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
    assert!(std::fs::symlink_metadata(&fifo_link).unwrap().file_type().is_symlink());
}

#[test]
fn the_circuit_id_does_not_depend_on_private_weights() {
    let g = load("tiny_4_8_3.onnx");
    let sample = input("tiny_input.json", &g);
    let (a, b) = (std::fs::read(example("tiny_4_8_3.onnx")).unwrap(), tiny_with_other_weights());
    for params in [Visibility::Private, Visibility::Public, Visibility::Fixed] {
        let s = settings(&g, (5, 5), (Visibility::Private, Visibility::Public, params), &[sample.clone()]);
        let ca = CompiledCircuit::compile(a.clone(), &s, None).unwrap();
        let cb = CompiledCircuit::compile(b.clone(), &s, None).unwrap();
        // What the key binds (and `prove` copies into proof.json as circuit_id).
        let statement = |c: &CompiledCircuit| Statement::of(c, &pipeline::layout_for_setup(c, None).unwrap().instances);
        let (sa, sb) = (statement(&ca), statement(&cb));
        assert_eq!(sa.circuit_id, ca.circuit_id);
        // The compiled file's own digest covers the weights whatever the visibility.
        assert_ne!(ca.content_sha256, cb.content_sha256, "{params:?}");
        if params == Visibility::Private {
            assert_eq!(ca.circuit_id, cb.circuit_id, "private weights change the circuit id");
            assert_eq!(sa, sb, "private weights change the statement the key binds");
        } else {
            assert_ne!(ca.circuit_id, cb.circuit_id, "{params:?} weights are part of the circuit id");
            assert_ne!(sa, sb, "{params:?}");
        }
        // Statistics measured on the data (per-layer ranges, the calibration report, the lookup
        // range within the same lookup_bits) are not part of it either.
        let mut measured = s.clone();
        measured.layers.iter_mut().for_each(|l| l.max_abs_out += 1);
        measured.run_args.lookup_range = (s.run_args.lookup_range.0 + 1, s.run_args.lookup_range.1 - 1);
        assert_eq!(Settings::from_json(&measured.to_json()).map(|m| m.lookup_bits).ok(), Some(s.lookup_bits));
        let cm = CompiledCircuit::compile(a.clone(), &measured, None).unwrap();
        assert_eq!(cm.circuit_id, ca.circuit_id, "{params:?}: statistics of the data change the circuit id");
        assert_ne!(cm.content_sha256, ca.content_sha256);
        // The file still checks its contents: round trip, and an edited digest is corruption.
        let text = ca.to_json();
        assert_eq!(CompiledCircuit::from_json(&text).unwrap().content_sha256, ca.content_sha256);
        let edited = text.replace(&ca.content_sha256, &cb.content_sha256);
        let e = CompiledCircuit::from_json(&edited).err().expect("an edited content digest");
        assert!(e.message.contains("content_sha256") && e.message.contains("corrupted"), "{}", e.message);
    }
}

#[test]
fn files_of_the_older_format_are_named_as_older() {
    let g = load("tiny_4_8_3.onnx");
    let s = settings(&g, (5, 5), (Visibility::Private, Visibility::Public, Visibility::Private), &[input("tiny_input.json", &g)]);
    let c = CompiledCircuit::compile(std::fs::read(example("tiny_4_8_3.onnx")).unwrap(), &s, None).unwrap();
    let mut old: Value = serde_json::from_str(&c.to_json()).unwrap();
    old["version"] = Value::from(1);
    old.as_object_mut().unwrap().remove("content_sha256");
    let e = CompiledCircuit::from_json(&old.to_string()).err().expect("a version 1 compiled circuit");
    assert!(e.message.contains("older zkaccel") && e.message.contains("compile-circuit"), "{}", e.message);
    // A version 1 witness (no compiled_sha256).
    let d = tmpdir("older");
    let (w, _) = pipeline::gen_witness(&c, &data_of(&input("tiny_input.json", &g))).unwrap();
    let mut old: Value = serde_json::to_value(&w).unwrap();
    old["version"] = Value::from(1);
    old.as_object_mut().unwrap().remove("compiled_sha256");
    let path = d.join("w.json");
    std::fs::write(&path, old.to_string()).unwrap();
    let e = zkaccel_zkml::witness::WitnessFile::load(&path).err().expect("a version 1 witness");
    assert!(e.message.contains("older zkaccel") && e.message.contains("gen-witness"), "{}", e.message);
    // A witness of the same architecture with other weights: refused by the compiled circuit's
    // content digest, by name.
    let cb = CompiledCircuit::compile(tiny_with_other_weights(), &s, None).unwrap();
    let e = w.input_tensors(&cb).err().expect("a witness of other weights");
    assert!(e.message.contains("compiled_sha256"), "{}", e.message);
}

#[test]
fn keys_and_proofs_are_the_same_for_other_private_weights() {
    let d = tmpdir("keys");
    let ptau = ptau();
    std::fs::write(d.join("other.onnx"), tiny_with_other_weights()).unwrap();
    let data = example("tiny_input.json");
    let run = |tag: &str, model: &Path| {
        let f = |n: &str| d.join(format!("{tag}-{n}"));
        let (s, c, vk, pk, w, proof) = (f("s.json"), f("m.compiled"), f("vk.key"), f("pk.key"), f("w.json"), f("proof.json"));
        zk(&["gen-settings", "-M", p(model), "-O", p(&s), "-D", p(&data), "--input-scale", "5", "--param-scale", "5"]).expect(0, "gen-settings");
        zk(&["compile-circuit", "-M", p(model), "--compiled-circuit", p(&c), "-S", p(&s)]).expect(0, "compile");
        zk(&["setup", "-M", p(&c), "--srs-path", p(&ptau), "--vk-path", p(&vk), "--pk-path", p(&pk)]).expect(0, "setup");
        zk(&["gen-witness", "-D", p(&data), "-M", p(&c), "-O", p(&w)]).expect(0, "gen-witness");
        zk(&["prove", "--witness", p(&w), "-M", p(&c), "--pk-path", p(&pk), "--proof-path", p(&proof)]).expect(0, "prove");
        (vk, proof)
    };
    let (vk_a, proof_a) = run("a", &example("tiny_4_8_3.onnx"));
    let (vk_b, proof_b) = run("b", &d.join("other.onnx"));
    // Each model's own settings (measured with its weights) and compiled circuit: the keys are
    // byte for byte the same, and so are the circuit ids of the keys and the proofs.
    assert!(std::fs::read(&vk_a).unwrap() == std::fs::read(&vk_b).unwrap(), "the verifying key depends on the private weights");
    assert_eq!(json(&proof_a)["circuit_id"], json(&proof_b)["circuit_id"]);
    let statement =
        |proof: &Path, vk: &Path| zk(&["verify", "--proof-path", p(proof), "--vk-path", p(vk), "--json"]).expect(0, "verify").json()["statement"].clone();
    assert_eq!(statement(&proof_a, &vk_a), statement(&proof_b, &vk_b));
    assert_eq!(statement(&proof_b, &vk_a)["circuit_id"], json(&proof_a)["circuit_id"]);
}

#[test]
fn verify_needs_only_the_proof_and_the_verifying_key() {
    let d = tmpdir("verify");
    let (_s, c) = compiled_tiny(&d);
    let (vk, pk, w, proof) = (d.join("vk.key"), d.join("pk.key"), d.join("w.json"), d.join("proof.json"));
    zk(&["setup", "-M", p(&c), "--dev-srs", "--vk-path", p(&vk), "--pk-path", p(&pk)]).expect(0, "setup");
    gen_witness(&c, &w);
    zk(&["prove", "--witness", p(&w), "-M", p(&c), "--pk-path", p(&pk), "--proof-path", p(&proof)]).expect(0, "prove");
    let r = zk(&["verify", "--proof-path", p(&proof), "--vk-path", p(&vk)]).expect(0, "verify without settings or compiled circuit");
    assert!(r.stdout.contains("VALID"), "{}", r.stdout);
    // A public output changed in the instances and in the readable copy alike: only the proof
    // itself can refuse it, exit 3.
    let mut f = json(&proof);
    let q = f["public"]["outputs"][0][0].as_i64().unwrap();
    let scale = zk(&["verify", "--proof-path", p(&proof), "--vk-path", p(&vk), "--json"]).expect(0, "verify --json").json()["statement"]["output_scales"][0]
        .as_u64()
        .unwrap();
    let x = zkaccel_zkml::field::fr_from_hex(f["instances"][0][0].as_str().unwrap(), "instance").unwrap() + zkaccel::Fr::from(1u64);
    f["instances"][0][0] = Value::String(zkaccel_zkml::field::fr_to_hex(&x));
    f["public"]["outputs"][0][0] = Value::from(q + 1);
    f["public"]["rescaled_outputs"][0][0] = Value::from((q + 1) as f64 / (scale as f64).exp2());
    let tampered = d.join("tampered.json");
    std::fs::write(&tampered, f.to_string()).unwrap();
    let r = zk(&["verify", "--proof-path", p(&tampered), "--vk-path", p(&vk)]).expect(3, "a tampered proof without settings");
    assert!(!r.stderr.contains("readable public values"), "the tampering must reach the proof check: {}", r.stderr);
}
