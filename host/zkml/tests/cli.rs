//! The `zkaccel` binary end to end: every verb on the bundled MLP, the proof verifies, its public
//! outputs equal the quantized model's and lie within tolerance of tract; tampered, truncated and
//! mismatched files, unsupported operators, malformed models and inputs give named errors with
//! the documented exit codes.

use crate::common;


use std::path::{Path, PathBuf};

use common::cli::*;
use common::*;
use serde_json::Value;
use zkaccel_onnx::Settings;

fn tmpdir(name: &str) -> Scratch {
    scratch("cli", name)
}

#[test]
fn mlp_through_every_verb() {
    let d = tmpdir("mlp");
    let model = example("mlp_784_128_10.onnx");
    let (settings, compiled, vk, pk, witness, proof) =
        (d.join("settings.json"), d.join("model.compiled"), d.join("vk.key"), d.join("pk.key"), d.join("witness.json"), d.join("proof.json"));
    zk(&["gen-settings", "-M", p(&model), "-O", p(&settings), "--param-visibility", "fixed", "--json"]).expect(0, "gen-settings");
    let cal = zk(&["calibrate-settings", "-M", p(&model), "-D", p(&example("mlp_calibration.json")), "--settings-path", p(&settings), "--json"])
        .expect(0, "calibrate-settings");
    assert_eq!(cal.json()["settings"]["run_args"]["param_visibility"], "fixed", "calibration keeps the visibilities");
    let comp = zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&compiled), "-S", p(&settings), "--json"]).expect(0, "compile");
    assert_eq!(comp.json()["plan"]["k"], 13);
    let setup = zk(&["setup", "-M", p(&compiled), "--dev-srs", "--vk-path", p(&vk), "--pk-path", p(&pk), "--json"]).expect(0, "setup");
    assert_eq!(setup.json()["insecure_srs"], true);
    assert!(setup.json()["device"].as_str().unwrap().starts_with("cpu"));
    zk(&["gen-witness", "-D", p(&example("mlp_input.json")), "-M", p(&compiled), "-O", p(&witness)]).expect(0, "gen-witness");
    // mock: every constraint checked without a key; the counts are the compiled circuit's.
    let m = zk(&["mock", "--witness", p(&witness), "-M", p(&compiled), "--json"]).expect(0, "mock");
    let m = m.json();
    assert_eq!((m["satisfied"].as_bool(), m["k"].as_u64(), m["rows"].as_u64()), (Some(true), Some(13), Some(8192)));
    assert!(m["constraints"].as_u64().unwrap() >= 1 && m["lookups"].as_u64().unwrap() >= 1 && m["copies"].as_u64().unwrap() > 1000, "{m}");
    let wtext = std::fs::read_to_string(&witness).unwrap();
    let wjson: Value = serde_json::from_str(&wtext).unwrap();
    assert_eq!(m["outputs"], wjson["outputs"]);
    // An edited output in the witness: the model's output for its inputs differs, exit 4.
    let mut edited: Value = wjson.clone();
    let o = edited["outputs"][0][0].as_i64().unwrap();
    edited["outputs"][0][0] = Value::from(o + 1);
    let edited_path = d.join("edited_witness.json");
    std::fs::write(&edited_path, edited.to_string()).unwrap();
    let r = zk(&["mock", "--witness", p(&edited_path), "-M", p(&compiled)]).expect(4, "mock, edited witness");
    assert!(r.stderr.contains("edited witness"), "{}", r.stderr);
    let pr = zk(&["prove", "--witness", p(&witness), "-M", p(&compiled), "--pk-path", p(&pk), "--proof-path", p(&proof), "--device", "cpu", "--json"])
        .expect(0, "prove");
    assert!(pr.json()["prove_ms"].as_f64().unwrap() > 0.0);
    let v = zk(&["verify", "--proof-path", p(&proof), "--settings-path", p(&settings), "--vk-path", p(&vk), "--json"]).expect(0, "verify");
    let v = v.json();
    assert_eq!(v["verified"], true);

    // The proven public outputs equal the quantized model's run, and are within tolerance of tract.
    let g = load("mlp_784_128_10.onnx");
    let sample = input("mlp_input.json", &g);
    let s = Settings::load(&settings).unwrap();
    let q = s.quantize(&g).unwrap();
    let run = q.run(&sample).unwrap();
    let proven: Vec<i64> = v["public"]["outputs"][0].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    assert_eq!(proven, run.outputs[0].data);
    let tract = g.tract_reference(&sample).unwrap();
    let bound = q.error_bound(&sample).unwrap();
    let scale = run.output_scales[0];
    for ((&qv, &f), &b) in proven.iter().zip(&tract[0].data).zip(&bound[0].data) {
        let x = qv as f64 / (scale as f64).exp2();
        assert!((x - f).abs() <= b + TRACT_F32_TOL, "|{x} − {f}| > {b} + tol");
        // The calibrated tolerance (1e-2 vs f64) plus tract's f32 error.
        assert!((x - f).abs() <= 1e-2 + TRACT_F32_TOL, "|{x} − {f}|");
    }
    // Human output names the result.
    let h = zk(&["verify", "--proof-path", p(&proof), "-M", p(&compiled), "--vk-path", p(&vk)]).expect(0, "verify (compiled)");
    assert!(h.stdout.contains("VALID"), "{}", h.stdout);

    // Tampered proof bytes (an evaluation scalar near the end): rejected, exit 3.
    let text = std::fs::read_to_string(&proof).unwrap();
    let mut f: Value = serde_json::from_str(&text).unwrap();
    let mut bytes = hex::decode(f["proof"].as_str().unwrap()).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 0x01;
    f["proof"] = Value::String(hex::encode(&bytes));
    let tampered = d.join("tampered.json");
    std::fs::write(&tampered, f.to_string()).unwrap();
    let r = zk(&["verify", "--proof-path", p(&tampered), "--settings-path", p(&settings), "--vk-path", p(&vk)]);
    assert!(r.code == 3 || r.code == 4, "tampered proof: exit {} {}", r.code, r.stderr);
    // A changed public output (readable copy edited to match): the proof rejects it, exit 3.
    let mut f: Value = serde_json::from_str(&text).unwrap();
    let one = zkaccel_zkml::field::fr_to_hex(&zkaccel::Fr::from(777u64));
    f["instances"][0][0] = Value::String(one);
    f["public"]["outputs"][0][0] = Value::from(777);
    f["public"]["rescaled_outputs"][0][0] = Value::from(777.0 / (scale as f64).exp2());
    std::fs::write(&tampered, f.to_string()).unwrap();
    let r = zk(&["verify", "--proof-path", p(&tampered), "--settings-path", p(&settings), "--vk-path", p(&vk), "--json"]).expect(3, "changed output");
    assert_eq!(r.json()["error"]["kind"], "verification_failed");
    // Only the readable copy edited: exit 3 as well.
    let mut f: Value = serde_json::from_str(&text).unwrap();
    f["public"]["outputs"][0][0] = Value::from(777);
    std::fs::write(&tampered, f.to_string()).unwrap();
    zk(&["verify", "--proof-path", p(&tampered), "--settings-path", p(&settings), "--vk-path", p(&vk)]).expect(3, "edited readable copy");
    // Truncated proof file, truncated keys, corrupted compiled circuit: exit 4, named.
    std::fs::write(&tampered, &text[..text.len() / 2]).unwrap();
    let r = zk(&["verify", "--proof-path", p(&tampered), "--settings-path", p(&settings), "--vk-path", p(&vk)]).expect(4, "truncated proof");
    assert!(r.stderr.contains("not a proof file"), "{}", r.stderr);
    let vk_bytes = std::fs::read(&vk).unwrap();
    let short_vk = d.join("short_vk.key");
    std::fs::write(&short_vk, &vk_bytes[..vk_bytes.len() - 7]).unwrap();
    let r = zk(&["verify", "--proof-path", p(&proof), "--settings-path", p(&settings), "--vk-path", p(&short_vk)]).expect(4, "truncated vk");
    assert!(r.stderr.contains("truncated"), "{}", r.stderr);
    let pk_bytes = std::fs::read(&pk).unwrap();
    let short_pk = d.join("short_pk.key");
    std::fs::write(&short_pk, &pk_bytes[..pk_bytes.len() / 3]).unwrap();
    let r = zk(&["prove", "--witness", p(&witness), "-M", p(&compiled), "--pk-path", p(&short_pk), "--proof-path", p(&d.join("x.json"))])
        .expect(4, "truncated pk");
    assert!(r.stderr.contains("truncated"), "{}", r.stderr);
    assert!(!d.join("x.json").exists(), "no proof written on failure");
    let ctext = std::fs::read_to_string(&compiled).unwrap();
    let bad_compiled = d.join("bad.compiled");
    std::fs::write(&bad_compiled, ctext.replacen("\"model_onnx\":\"08", "\"model_onnx\":\"09", 1)).unwrap();
    zk(&["gen-witness", "-D", p(&example("mlp_input.json")), "-M", p(&bad_compiled), "-O", p(&d.join("w2.json"))]).expect(4, "corrupted compiled circuit");
    // The bundled 2^10 ptau is too small for 2^13 rows: exit 4 with the fix named.
    let r = zk(&["setup", "-M", p(&compiled), "--srs-path", p(&ptau()), "--vk-path", p(&d.join("v2")), "--pk-path", p(&d.join("p2"))]).expect(4, "small SRS");
    assert!(r.stderr.contains("larger .ptau"), "{}", r.stderr);
    // A wrong-shape input for this model: exit 2.
    let r = zk(&["gen-witness", "-D", p(&example("tiny_input.json")), "-M", p(&compiled), "-O", p(&d.join("w3.json"))]).expect(2, "wrong shape");
    assert!(r.stderr.contains("input_data[0] has 4 values"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn tiny_model_with_the_bundled_ptau_and_wrong_srs() {
    let d = tmpdir("tiny");
    let model = example("tiny_4_8_3.onnx");
    let (settings, compiled, vk, pk, witness, proof) =
        (d.join("s.json"), d.join("m.compiled"), d.join("vk"), d.join("pk"), d.join("w.json"), d.join("proof.json"));
    zk(&["gen-settings", "-M", p(&model), "-O", p(&settings), "--input-scale", "5", "--param-scale", "5", "-D", p(&example("tiny_input.json")),
        "--input-visibility", "public", "--param-visibility", "private"])
    .expect(0, "gen-settings");
    zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&compiled), "-S", p(&settings), "--lanes", "2"]).expect(0, "compile");
    zk(&["setup", "-M", p(&compiled), "--srs-path", p(&ptau()), "--vk-path", p(&vk), "--pk-path", p(&pk)]).expect(0, "setup with ptau");
    zk(&["gen-witness", "-D", p(&example("tiny_input.json")), "-M", p(&compiled), "-O", p(&witness)]).expect(0, "gen-witness");
    zk(&["prove", "--witness", p(&witness), "-M", p(&compiled), "--pk-path", p(&pk), "--proof-path", p(&proof), "--srs-path", p(&ptau())]).expect(0, "prove");
    let v = zk(&["verify", "--proof-path", p(&proof), "--settings-path", p(&settings), "--vk-path", p(&vk), "--srs-path", p(&ptau()), "--json"]).expect(0, "verify");
    assert_eq!(v.json()["public"]["inputs"][0].as_array().unwrap().len(), 4, "public input");
    // Keys from the dev SRS checked against the ptau: "wrong SRS", exit 4.
    zk(&["setup", "-M", p(&compiled), "--dev-srs", "--vk-path", p(&d.join("vk2")), "--pk-path", p(&d.join("pk2"))]).expect(0, "dev setup");
    let r = zk(&["verify", "--proof-path", p(&proof), "--settings-path", p(&settings), "--vk-path", p(&d.join("vk2")), "--srs-path", p(&ptau())])
        .expect(4, "wrong SRS");
    assert!(r.stderr.contains("wrong SRS"), "{}", r.stderr);
    let r = zk(&["prove", "--witness", p(&witness), "-M", p(&compiled), "--pk-path", p(&d.join("pk2")), "--proof-path", p(&d.join("p2.json")), "--srs-path", p(&ptau())])
        .expect(4, "wrong SRS for the pk");
    assert!(r.stderr.contains("wrong SRS"), "{}", r.stderr);
    // The proof against the other key: exit 3.
    zk(&["verify", "--proof-path", p(&proof), "--settings-path", p(&settings), "--vk-path", p(&d.join("vk2"))]).expect(3, "other vk");
    // A truncated ptau: exit 4.
    let bytes = std::fs::read(ptau()).unwrap();
    let short = d.join("short.ptau");
    std::fs::write(&short, &bytes[..bytes.len() / 2]).unwrap();
    let r = zk(&["setup", "-M", p(&compiled), "--srs-path", p(&short), "--vk-path", p(&d.join("v3")), "--pk-path", p(&d.join("p3"))]).expect(4, "truncated ptau");
    assert!(r.stderr.contains("short.ptau"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn bad_models_and_inputs_are_named_errors() {
    let d = tmpdir("bad");
    let s = d.join("s.json");
    // Unsupported operator, named with its node.
    let r = zk(&["gen-settings", "-M", p(&example("unsupported_hardmax.onnx")), "-O", p(&s)]).expect(2, "hardmax");
    assert!(r.stderr.contains("\"Hardmax\"") && r.stderr.contains("\"probabilities\""), "{}", r.stderr);
    let r = zk(&["gen-settings", "-M", p(&example("unsupported_hardmax.onnx")), "-O", p(&s), "--json"]).expect(2, "hardmax json");
    assert_eq!(r.json()["error"]["kind"], "bad_input");
    // Truncated and non-finite models.
    let r = zk(&["gen-settings", "-M", p(&example("tiny_truncated.onnx")), "-O", p(&s)]).expect(2, "truncated model");
    assert!(r.stderr.contains("malformed ONNX"), "{}", r.stderr);
    zk(&["gen-settings", "-M", p(&example("tiny_nan_weight.onnx")), "-O", p(&s)]).expect(2, "NaN weight");
    // A supported operator used in an unsupported way (a Conv whose weight is computed).
    let r = zk(&["gen-settings", "-M", p(&example("conv_act_weight.onnx")), "-O", p(&s)]).expect(2, "Conv with a computed weight");
    assert!(r.stderr.contains("dyn_conv"), "{}", r.stderr);
    // A missing file: exit 5.
    zk(&["gen-settings", "-M", p(&d.join("nope.onnx")), "-O", p(&s)]).expect(5, "missing model");
    // Malformed and wrong-shape input.json.
    let model = example("tiny_4_8_3.onnx");
    let compiled = d.join("m.compiled");
    zk(&["gen-settings", "-M", p(&model), "-O", p(&s), "-D", p(&example("tiny_input.json"))]).expect(0, "gen-settings");
    zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&compiled), "-S", p(&s)]).expect(0, "compile");
    let bad = d.join("bad.json");
    for (text, needle) in [
        ("{\"input_data\": [[0.1, 0.2, \"x\", 0.4]]}", "input_data[0][2]"),
        ("{\"input_data\": [[0.1, 0.2", "not valid JSON"),
        ("{\"input_data\": [[0.1, 0.2, 0.3]]}", "has 3 values"),
        ("{\"inputs\": [[0.1]]}", "missing field \"input_data\""),
    ] {
        std::fs::write(&bad, text).unwrap();
        let r = zk(&["gen-witness", "-D", p(&bad), "-M", p(&compiled), "-O", p(&d.join("w.json"))]).expect(2, text);
        assert!(r.stderr.contains(needle), "{text}: {}", r.stderr);
    }
    assert!(!d.join("w.json").exists());
    // Usage errors: exit 1; help lists the exit codes (exit 0).
    zk(&["frobnicate"]).expect(1, "unknown verb");
    zk(&["prove", "--no-such-flag"]).expect(1, "unknown flag");
    zk(&["setup", "-M", p(&compiled), "--vk-path", p(&d.join("v")), "--pk-path", p(&d.join("k"))]).expect(1, "no SRS");
    // verify needs no settings (the key binds the layout): what is missing here is the key itself.
    let r = zk(&["verify", "--proof-path", p(&d.join("proof.json")), "--vk-path", p(&d.join("v"))]).expect(5, "no key");
    assert!(r.stderr.contains(&*d.join("v").to_string_lossy()), "{}", r.stderr);
    let h = zk(&["--help"]).expect(0, "help");
    assert!(h.stdout.contains("zkaccel verify --proof-path proof.json --vk-path vk.key") && h.stdout.contains("stay with the prover"), "{}", h.stdout);
    for code in ["0", "1", "2", "3", "4", "5", "70"] {
        assert!(h.stdout.contains(&format!("  {code:>2}  ")), "help lacks exit code {code}: {}", h.stdout);
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// Output paths that are not UTF-8, and a file name of the file system's maximum length (255
/// bytes), are written like any other and reported with `--json` (the path shown lossily): no
/// verb panics after writing its file, and the atomic write's temporary name stays within the
/// limit.
#[cfg(unix)]
#[test]
fn non_utf8_and_longest_output_names_are_written_and_reported() {
    use std::ffi::{OsStr, OsString};
    use std::os::unix::ffi::OsStrExt;
    let d = tmpdir("names");
    let odd = |name: &str| -> PathBuf { d.join(OsStr::from_bytes(&[name.as_bytes(), b"\xff.out"].concat())) };
    let arg = |p: &Path| -> OsString { p.as_os_str().to_owned() };
    let run = |args: Vec<OsString>, what: &str| {
        let mut args = args;
        args.push("--json".into());
        let r = zk(&args).expect(0, what);
        let j = r.json();
        assert_eq!(j["ok"], true, "{what}: {j}");
        j
    };
    let model = example("tiny_4_8_3.onnx");
    let settings = odd("s");
    let j = run(
        vec![
            "gen-settings".into(),
            "-M".into(),
            arg(&model),
            "-O".into(),
            arg(&settings),
            "--input-scale".into(),
            "5".into(),
            "--param-scale".into(),
            "5".into(),
            "-D".into(),
            arg(&example("tiny_input.json")),
        ],
        "gen-settings",
    );
    assert!(j["settings_path"].as_str().unwrap().ends_with("s\u{fffd}.out"), "{j}");
    run(
        vec!["calibrate-settings".into(), "-M".into(), arg(&model), "-D".into(), arg(&example("tiny_input.json")), "--settings-path".into(), arg(&settings)],
        "calibrate-settings",
    );
    let (compiled, vk, pk, witness, proof) = (odd("m"), odd("vk"), odd("pk"), odd("w"), odd("proof"));
    let j = run(vec!["compile-circuit".into(), "-M".into(), arg(&model), "--compiled-circuit".into(), arg(&compiled), "-S".into(), arg(&settings)], "compile");
    assert!(j["compiled_circuit"].as_str().unwrap().ends_with("m\u{fffd}.out"), "{j}");
    let j = run(vec!["setup".into(), "-M".into(), arg(&compiled), "--dev-srs".into(), "--vk-path".into(), arg(&vk), "--pk-path".into(), arg(&pk)], "setup");
    assert!(j["pk_path"].as_str().unwrap().ends_with("pk\u{fffd}.out"), "{j}");
    run(vec!["gen-witness".into(), "-D".into(), arg(&example("tiny_input.json")), "-M".into(), arg(&compiled), "-O".into(), arg(&witness)], "gen-witness");
    run(
        vec!["prove".into(), "--witness".into(), arg(&witness), "-M".into(), arg(&compiled), "--pk-path".into(), arg(&pk), "--proof-path".into(), arg(&proof)],
        "prove",
    );
    zk(&[OsString::from("verify"), "--proof-path".into(), arg(&proof), "--settings-path".into(), arg(&settings), "--vk-path".into(), arg(&vk)]).expect(0, "verify");
    for f in [&compiled, &vk, &pk, &witness, &proof] {
        assert!(f.is_file(), "{} written", f.display());
    }
    // A witness named with 255 bytes, the longest name ext4 and most file systems take.
    let longest = d.join("w".repeat(250) + ".json");
    run(vec!["gen-witness".into(), "-D".into(), arg(&example("tiny_input.json")), "-M".into(), arg(&compiled), "-O".into(), arg(&longest)], "255-byte name");
    assert!(longest.is_file());
    // The `wnn` verbs on the bundled weightless network.
    let wnn_example = |name: &str| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/wnn").join(name);
    let wnn = wnn_example("digits_wnn.hdf5");
    let (wvk, wpk, ww, wproof) = (odd("wvk"), odd("wpk"), odd("ww"), odd("wproof"));
    run(vec!["wnn".into(), "setup".into(), "-M".into(), arg(&wnn), "--dev-srs".into(), "--vk-path".into(), arg(&wvk), "--pk-path".into(), arg(&wpk)], "wnn setup");
    run(vec!["wnn".into(), "gen-witness".into(), "-D".into(), arg(&wnn_example("digit_7.png")), "-M".into(), arg(&wnn), "-O".into(), arg(&ww)], "wnn gen-witness");
    let j = run(
        vec!["wnn".into(), "prove".into(), "--witness".into(), arg(&ww), "-M".into(), arg(&wnn), "--pk-path".into(), arg(&wpk), "--proof-path".into(), arg(&wproof)],
        "wnn prove",
    );
    assert_eq!(j["class"], 7, "{j}");
    zk(&[OsString::from("wnn"), "verify".into(), "--proof-path".into(), arg(&wproof), "--vk-path".into(), arg(&wvk)]).expect(0, "wnn verify");
}
