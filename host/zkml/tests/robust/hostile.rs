//! Hostile files the review found crashing or hanging the CLI, each refused with a clear error
//! and nothing written: a WNN model whose dataset claims 2^36 bits (64 GiB) in a file of a few
//! hundred bytes, a FIFO or a device as `--srs-path`, a sparse `.ptau` claiming power 27 (32 GB
//! apparent, a few KB on disk), a verifying key whose bound statement claims a shape of 2^96
//! elements. The runs that used to abort in an allocation run under an address-space limit, and
//! every run under a time limit (a hang is a failure, not a stuck test).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::cli::{bin, p, ptau, scratch, zk, Run, Scratch};
use crate::common::example;

fn tmpdir(name: &str) -> Scratch {
    scratch("hostile", name)
}

/// zkaccel ARGS under an address-space limit (`ulimit -v`, KiB) and a wall-clock limit: a run
/// still going after `secs` is killed and the test fails.
fn zk_bounded(kib: u64, secs: u64, args: &[&str]) -> Run {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
        .arg(bin())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sh");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("zkaccel {args:?} still running after {secs} s (a hang)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Run::of(child.wait_with_output().unwrap())
}

/// 4 GiB of address space: ample for the debug binary on these inputs, far below what the
/// hostile files claim.
const LIMIT_KIB: u64 = 4 << 20;

fn wnn_example(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/wnn").join(name)
}

#[test]
fn a_wnn_model_claiming_2_36_bits_is_refused_by_every_verb() {
    let d = tmpdir("huge-model");
    let model = d.join("huge.h5");
    std::fs::write(&model, crate::wnn::model_claiming(crate::wnn::CLAIM_2_36)).unwrap();
    let (w, vk, pk, proof) = (d.join("w.json"), d.join("vk.key"), d.join("pk.key"), d.join("proof.json"));
    let data = wnn_example("digit_7_input.json");
    for (args, what) in [
        (vec!["wnn", "gen-witness", "-D", p(&data), "-M", p(&model), "-O", p(&w)], "gen-witness"),
        (vec!["wnn", "setup", "-M", p(&model), "--dev-srs", "--vk-path", p(&vk), "--pk-path", p(&pk)], "setup"),
        (vec!["wnn", "prove", "--witness", p(&w), "-M", p(&model), "--pk-path", p(&pk), "--proof-path", p(&proof)], "prove"),
        (vec!["wnn", "verify", "--proof-path", p(&proof), "-M", p(&model), "--vk-path", p(&vk)], "verify"),
    ] {
        let r = zk_bounded(LIMIT_KIB, 60, &args).expect(2, what);
        assert!(
            r.stderr.contains("huge.h5: bloom_filters: shape [128, 8192, 65536]") && r.stderr.contains("more data than the whole file"),
            "{what}: {}",
            r.stderr
        );
    }
    for f in [&w, &vk, &pk, &proof] {
        assert!(!f.exists(), "{} written", f.display());
    }
}

/// [`zkaccel_testkit::ptau::sparse_ptau`] of the fixture, to its full claimed length.
fn sparse_ptau(path: &Path, power: u32, genuine_prefix: bool) -> u64 {
    zkaccel_testkit::ptau::sparse_ptau(&ptau(), path, power, genuine_prefix, 0)
}

#[test]
fn srs_paths_that_are_fifos_devices_or_sparse_huge_files_are_refused() {
    let d = tmpdir("srs-path");
    let model = wnn_example("digits_wnn.hdf5");
    let (vk, pk) = (d.join("vk.key"), d.join("pk.key"));
    zk(&["wnn", "setup", "-M", p(&model), "--dev-srs", "--vk-path", p(&vk), "--pk-path", p(&pk)]).expect(0, "setup");
    let keys = (std::fs::read(&vk).unwrap(), std::fs::read(&pk).unwrap());
    let proof = d.join("proof.json");
    let fifo = d.join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success(), "mkfifo");
    let (vk2, pk2) = (d.join("vk2.key"), d.join("pk2.key"));
    // prove reads its witness before the SRS: give it one.
    zk(&["wnn", "gen-witness", "-D", p(&wnn_example("digit_7.png")), "-M", p(&model), "-O", p(&d.join("w.json"))]).expect(0, "gen-witness");
    for srs in [p(&fifo), "/dev/zero", p(&d)] {
        for (args, what) in [
            (vec!["wnn", "setup", "-M", p(&model), "--srs-path", srs, "--vk-path", p(&vk2), "--pk-path", p(&pk2)], "wnn setup"),
            (vec!["wnn", "verify", "--proof-path", p(&proof), "--vk-path", p(&vk), "--srs-path", srs], "wnn verify"),
            (
                vec!["wnn", "prove", "--witness", p(&d.join("w.json")), "-M", p(&model), "--pk-path", p(&pk), "--proof-path", p(&proof), "--srs-path", srs],
                "wnn prove",
            ),
        ] {
            let r = zk_bounded(LIMIT_KIB, 60, &args).expect(5, &format!("{what} --srs-path {srs}"));
            assert!(r.stderr.contains(&format!("{srs}: not a regular file")), "{what} --srs-path {srs}: {}", r.stderr);
        }
    }
    // A sparse file claiming power 27 (32 GB apparent): refused without loading it, from its
    // first powers (zeros: not the generators; the fixture's: then zeros, the point at infinity).
    let sparse = d.join("sparse27.ptau");
    assert_eq!(sparse_ptau(&sparse, 27, false), 12 + 12 + 44 + 12 + ((1u64 << 28) - 1) * 64 + 12 + (1u64 << 27) * 128);
    let r = zk_bounded(LIMIT_KIB, 60, &["wnn", "verify", "--proof-path", p(&proof), "--vk-path", p(&vk), "--srs-path", p(&sparse)]).expect(4, "sparse ptau");
    assert!(r.stderr.contains("sparse27.ptau") && r.stderr.contains("standard BN254 generators"), "{}", r.stderr);
    let r = zk_bounded(LIMIT_KIB, 60, &["wnn", "setup", "-M", p(&model), "--srs-path", p(&sparse), "--vk-path", p(&vk2), "--pk-path", p(&pk2)])
        .expect(4, "setup, sparse ptau");
    assert!(r.stderr.contains("sparse27.ptau") && r.stderr.contains("standard BN254 generators"), "{}", r.stderr);
    sparse_ptau(&sparse, 27, true);
    let r = zk_bounded(LIMIT_KIB, 60, &["wnn", "verify", "--proof-path", p(&proof), "--vk-path", p(&vk), "--srs-path", p(&sparse)])
        .expect(4, "sparse ptau, genuine start");
    assert!(r.stderr.contains("sparse27.ptau") && r.stderr.contains("power 2047 of τ is the point at infinity"), "{}", r.stderr);
    // Nothing written, nothing changed.
    assert!(!vk2.exists() && !pk2.exists() && !proof.exists());
    assert_eq!((std::fs::read(&vk).unwrap(), std::fs::read(&pk).unwrap()), keys);
}

/// A model the importer takes (600 Identity nodes on a 2^20-element input: every tensor within its
/// limit) whose evaluation holds 601·2^20 values at once — 4.7 GiB as f64 — under a 4 GiB address
/// space: `gen-settings -D` and `calibrate-settings` refuse it before evaluating (exit 7, the count
/// named) instead of aborting in an allocation, and write nothing; the same chain on a small input
/// still gets its settings.
#[test]
fn a_model_whose_evaluation_outgrows_the_memory_is_refused_before_evaluating() {
    let d = tmpdir("eval-memory");
    let (model, data, settings) = (d.join("chain.onnx"), d.join("input.json"), d.join("settings.json"));
    std::fs::write(&model, zkaccel_testkit::onnx::identity_chain(600, &[1, 1 << 20], "x")).unwrap();
    std::fs::write(&data, format!("{{\"input_data\": [[{}0.5]]}}", "0.25,".repeat((1 << 20) - 1))).unwrap();
    for (args, what) in [
        (vec!["gen-settings", "-M", p(&model), "-O", p(&settings), "-D", p(&data)], "gen-settings -D"),
        (vec!["calibrate-settings", "-M", p(&model), "-D", p(&data), "--settings-path", p(&settings)], "calibrate-settings"),
    ] {
        let r = zk_bounded(LIMIT_KIB, 120, &args).expect(7, what);
        assert!(r.stderr.contains(&format!("{what} evaluates the model, which holds {} values at once", 601u64 << 20)), "{what}: {}", r.stderr);
        assert!(!settings.exists(), "{what}: settings written");
    }
    let small = d.join("small.onnx");
    std::fs::write(&small, zkaccel_testkit::onnx::identity_chain(600, &[1, 4], "x")).unwrap();
    std::fs::write(&data, "{\"input_data\": [[0.5, -0.25, 0.125, 1.0]]}").unwrap();
    zk_bounded(LIMIT_KIB, 120, &["gen-settings", "-M", p(&small), "-O", p(&settings), "-D", p(&data)]).expect(0, "small input");
    assert!(settings.is_file());
}

/// A verifying key of the tiny model (public inputs) whose bound statement is rewritten (digest
/// recomputed) to claim an input of 2^32 × 2^32 × 2^32 elements — a count that overflows 64 bits —
/// with the settings' `model_instance_shapes` and the proof file's `vk_digest` edited to match and
/// its io instance column cut to 2 values (what the wrapped count came to): `verify` panicked
/// splitting the public values (exit 101). Now the key is refused (exit 4, `input_shapes` named),
/// with or without settings, as is an input of 2^27 elements (beyond the importer's per-tensor
/// limit); `create-evm-verifier` refuses it too.
#[test]
fn a_key_whose_statement_claims_an_overflowing_shape_is_refused() {
    let d = tmpdir("vk-shape");
    let model = example("tiny_4_8_3.onnx");
    let data = example("tiny_input.json");
    let (settings, compiled, vk, pk, w, proof) =
        (d.join("s.json"), d.join("m.compiled"), d.join("vk.key"), d.join("pk.key"), d.join("w.json"), d.join("proof.json"));
    zk(&["gen-settings", "-M", p(&model), "-O", p(&settings), "-D", p(&data), "--input-scale", "5", "--param-scale", "5", "--input-visibility", "public"])
        .expect(0, "gen-settings");
    zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&compiled), "-S", p(&settings)]).expect(0, "compile");
    zk(&["setup", "-M", p(&compiled), "--dev-srs", "--vk-path", p(&vk), "--pk-path", p(&pk)]).expect(0, "setup");
    zk(&["gen-witness", "-D", p(&data), "-M", p(&compiled), "-O", p(&w)]).expect(0, "gen-witness");
    zk(&["prove", "--witness", p(&w), "-M", p(&compiled), "--pk-path", p(&pk), "--proof-path", p(&proof), "--device", "cpu"]).expect(0, "prove");
    zk(&["verify", "--proof-path", p(&proof), "-S", p(&settings), "--vk-path", p(&vk)]).expect(0, "verify");
    let key = zkaccel::plonk::VerifyingKey::from_bytes(&std::fs::read(&vk).unwrap()).unwrap();
    let statement: Value = serde_json::from_slice(key.binding()).unwrap();
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    let f: Value = serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let (huge_vk, huge_s, huge_proof) = (d.join("huge-vk.key"), d.join("huge-s.json"), d.join("huge-proof.json"));
    for (shape, what) in [(json!([1u64 << 32, 1u64 << 32, 1u64 << 32]), "more elements than a 64-bit count"), (json!([1, 1u64 << 27]), "134217728 elements")] {
        let mut st = statement.clone();
        st["input_shapes"] = json!([shape]);
        let forged = key.clone().with_binding(serde_json::to_vec(&st).unwrap()).unwrap();
        std::fs::write(&huge_vk, forged.to_bytes()).unwrap();
        let mut s2 = s.clone();
        s2["model_instance_shapes"][0] = shape.clone();
        std::fs::write(&huge_s, s2.to_string()).unwrap();
        let mut f2 = f.clone();
        f2["vk_digest"] = Value::String(hex::encode(forged.digest()));
        f2["instances"][0].as_array_mut().unwrap().truncate(2);
        std::fs::write(&huge_proof, f2.to_string()).unwrap();
        for args in [
            vec!["verify", "--proof-path", p(&huge_proof), "-S", p(&huge_s), "--vk-path", p(&huge_vk)],
            vec!["verify", "--proof-path", p(&huge_proof), "-M", p(&compiled), "--vk-path", p(&huge_vk)],
            vec!["create-evm-verifier", "--vk-path", p(&huge_vk), "--sol-code-path", p(&d.join("v.sol"))],
        ] {
            let r = zk_bounded(LIMIT_KIB, 60, &args).expect(4, &format!("{} with input shape {shape}", args[0]));
            assert!(r.stderr.contains("input_shapes") && r.stderr.contains(what), "{args:?}: {}", r.stderr);
            // The error names the key's file, not the proof's.
            assert!(r.stderr.contains(p(&huge_vk)) && !r.stderr.contains(p(&huge_proof)), "{args:?}: {}", r.stderr);
        }
        assert!(!d.join("v.sol").exists());
    }
}
