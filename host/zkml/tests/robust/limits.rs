//! Hostile sizes through the CLI (issue 20): compile-circuit prints a resource estimate; setup
//! and prove refuse (exit 7, documented) a circuit whose estimated memory exceeds what the
//! process may use instead of aborting in an allocation (a 24-bit lookup table used to end
//! setup in SIGABRT); settings beyond the largest circuit are refused by gen-settings; closed
//! stdout is not a panic.

use std::process::{Command, Stdio};

use serde_json::Value;

use super::cli::{bin, p, scratch, Scratch, zk, Run};
use crate::common::example;

/// zkaccel under an address-space limit (`ulimit -v`, KiB), through sh.
fn zk_limited(kib: u64, args: &[&str]) -> Run {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!("ulimit -v {kib} && exec '{}' {}", bin(), quoted.join(" "));
    Run::of(Command::new("sh").arg("-c").arg(script).output().expect("run sh"))
}

fn tmpdir(name: &str) -> Scratch {
    scratch("limits", name)
}

#[test]
fn a_24_bit_table_is_refused_before_setup_and_prove_not_aborted() {
    let d = tmpdir("table");
    let model = example("tiny_4_8_3.onnx");
    let (s, c) = (d.join("s.json"), d.join("m.compiled"));
    zk(&["gen-settings", "-M", p(&model), "-O", p(&s)]).expect(0, "gen-settings");
    // A lookup range of ±(2^23 − 1): lookup_bits 24, 2^24 rows.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&s).unwrap()).unwrap();
    v["run_args"]["lookup_range"] = serde_json::json!([-((1i64 << 23) - 1), (1i64 << 23) - 1]);
    v["lookup_bits"] = Value::from(24);
    std::fs::write(&s, v.to_string()).unwrap();
    let comp = zk(&["compile-circuit", "-M", p(&model), "-S", p(&s), "--compiled-circuit", p(&c), "--json"]).expect(0, "compile");
    let est = comp.json()["estimate"].clone();
    assert!(est["k"].as_u64().unwrap() >= 24, "{est}");
    assert!(est["setup_memory_bytes"].as_u64().unwrap() > 4 << 30, "{est}");
    let human = zk(&["compile-circuit", "-M", p(&model), "-S", p(&s), "--compiled-circuit", p(&c)]).expect(0, "compile (human)");
    assert!(human.stdout.contains("estimate: 2^") && human.stdout.contains("memory: setup"), "{}", human.stdout);
    // Under a 3 GiB address-space limit: refused with exit 7, naming RLIMIT_AS; nothing written.
    let (vk, pk) = (d.join("vk.key"), d.join("pk.key"));
    let r = zk_limited(3 << 20, &["setup", "-M", p(&c), "--dev-srs", "--vk-path", p(&vk), "--pk-path", p(&pk), "--json"]).expect(7, "setup");
    let j = r.json();
    assert_eq!(j["error"]["kind"], "resources");
    let m = j["error"]["message"].as_str().unwrap();
    assert!(m.contains("RLIMIT_AS 3.00 GiB") && m.contains("--force"), "{m}");
    assert!(!vk.exists() && !pk.exists());
    let r = zk_limited(3 << 20, &["prove", "-M", p(&c), "--witness", p(&d.join("w.json")), "--pk-path", p(&pk), "--proof-path", p(&d.join("proof.json"))])
        .expect(7, "prove");
    assert!(r.stderr.contains("prove (2^") && r.stderr.contains("exit code 7"), "{}", r.stderr);
    // The code is documented in --help.
    assert!(zk(&["--help"]).expect(0, "help").stdout.contains("   7  not enough memory"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn gen_settings_refuses_what_no_later_verb_accepts() {
    let d = tmpdir("logrows");
    let data = d.join("huge.json");
    std::fs::write(&data, r#"{"input_data": [[1e12, 0.0, 0.0, 0.0]]}"#).unwrap();
    let s = d.join("s.json");
    let r = zk(&["gen-settings", "-M", p(&example("tiny_4_8_3.onnx")), "-O", p(&s), "-D", p(&data)]).expect(2, "huge range");
    assert!(r.stderr.contains("more than 2^26") && r.stderr.contains("lookup_bits"), "{}", r.stderr);
    assert!(!s.exists(), "settings written although refused");
    // Settings edited to logrows 40: every verb names the field.
    zk(&["gen-settings", "-M", p(&example("tiny_4_8_3.onnx")), "-O", p(&s)]).expect(0, "gen-settings");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&s).unwrap()).unwrap();
    v["run_args"]["logrows"] = Value::from(40);
    std::fs::write(&s, v.to_string()).unwrap();
    let r = zk(&["compile-circuit", "-M", p(&example("tiny_4_8_3.onnx")), "-S", p(&s), "--compiled-circuit", p(&d.join("m.compiled"))]).expect(2, "logrows 40");
    assert!(r.stderr.contains("run_args.logrows = 40") && r.stderr.contains("s.json"), "{}", r.stderr);
    // --scales: a long list is deduplicated; an out-of-range scale is named.
    let scales: Vec<String> = (0..10_000).map(|i| (4 + i % 3).to_string()).collect();
    let cal = zk(&["calibrate-settings", "-M", p(&example("tiny_4_8_3.onnx")), "-D", p(&example("tiny_input.json")), "-O", p(&d.join("c.json")), "--scales", &scales.join(","), "--json"])
        .expect(0, "10 000 scales");
    assert_eq!(cal.json()["settings"]["calibration"]["candidates"], 9);
    let r = zk(&["calibrate-settings", "-M", p(&example("tiny_4_8_3.onnx")), "-D", p(&example("tiny_input.json")), "-O", p(&d.join("c.json")), "--scales", "5,99"])
        .expect(2, "scale 99");
    assert!(r.stderr.contains("candidate scale 99"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let mut child = Command::new(bin()).args(["--help"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let mut child = Command::new(bin()).args(["verify", "--proof-path", "/nonexistent/p.json", "-S", "/nonexistent/s.json", "--json"]).stdout(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(5), "a verb's exit code is kept when stdout is closed");
}
