//! Hostile command lines and file paths (issue 20): non-UTF-8 arguments, outputs that would
//! overwrite inputs or each other, atomic writes (nothing half-written, never a new proving key
//! beside an old verifying key).

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::cli::{p, scratch, zk, Scratch};
use crate::common::example;

fn tmpdir(name: &str) -> Scratch {
    scratch("robust", name)
}

/// No temporary file of an atomic write is left in `d`.
fn no_temp_files(d: &Path) {
    for e in std::fs::read_dir(d).unwrap() {
        let name = e.unwrap().file_name();
        assert!(!name.to_string_lossy().contains(".tmp-"), "temporary file left: {name:?}");
    }
}

/// settings, compiled circuit, keys of the tiny model in `d`.
fn tiny(d: &Path) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let (s, c, vk, pk) = (d.join("s.json"), d.join("m.compiled"), d.join("vk.key"), d.join("pk.key"));
    let model = example("tiny_4_8_3.onnx");
    zk(&["gen-settings", "-M", p(&model), "-O", p(&s), "-D", p(&example("tiny_input.json")), "--input-scale", "5", "--param-scale", "5"])
        .expect(0, "gen-settings");
    zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&c), "-S", p(&s)]).expect(0, "compile");
    zk(&["setup", "-M", p(&c), "--dev-srs", "--vk-path", p(&vk), "--pk-path", p(&pk)]).expect(0, "setup");
    (s, c, vk, pk)
}

#[test]
fn non_utf8_arguments_are_errors_not_panics() {
    let d = tmpdir("utf8");
    let mut bad = d.as_os_str().as_bytes().to_vec();
    bad.extend_from_slice(b"/model\xff.onnx");
    let bad = OsString::from(OsStr::from_bytes(&bad));
    // A non-UTF-8 path is a path: the missing file is named (lossily), exit 5, JSON printed.
    let r = zk(&[OsStr::new("gen-settings"), OsStr::new("-M"), &bad, OsStr::new("-O"), d.join("s.json").as_os_str(), OsStr::new("--json")])
        .expect(5, "missing non-UTF-8 path");
    let j = r.json();
    assert_eq!(j["ok"], false);
    assert_eq!(j["error"]["kind"], "io");
    assert!(j["error"]["message"].as_str().unwrap().contains("model\u{fffd}.onnx"), "{j}");
    let r = zk(&[OsStr::new("gen-settings"), OsStr::new("-M"), &bad]).expect(5, "human");
    assert!(r.stderr.contains("model\u{fffd}.onnx") && !r.stderr.contains("panicked"), "{}", r.stderr);
    // A non-UTF-8 value where text is expected (--lanes): a usage error naming the flag, JSON printed.
    let lanes = OsString::from(OsStr::from_bytes(b"\xff"));
    let r = zk(&[OsStr::new("compile-circuit"), OsStr::new("-M"), &bad, OsStr::new("--lanes"), &lanes, OsStr::new("--json")]).expect(1, "non-UTF-8 --lanes");
    assert_eq!(r.json()["error"]["kind"], "usage");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("--lanes"), "{}", r.stdout);
    // An unknown kernel for --device-kernels: a usage error naming the value and what is accepted.
    let r = zk(&["prove", "--device-kernels", "msm,gpu", "--json"]).expect(1, "--device-kernels msm,gpu");
    assert_eq!(r.json()["error"]["kind"], "usage");
    let m = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(m.contains("unknown kernel 'gpu'") && m.contains("msm, ntt and lookup"), "{m}");
    // --device-msm-min-points takes a number of points, 1 or more.
    for bad in ["0", "many"] {
        let r = zk(&["prove", "--device-msm-min-points", bad, "--json"]).expect(1, "--device-msm-min-points");
        let m = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(m.contains(&format!("'{bad}' is not a number of points (1 or more)")), "{m}");
    }
    // A non-UTF-8 verb.
    zk(&[OsStr::from_bytes(b"pr\xffve"), OsStr::new("--json")]).expect(1, "non-UTF-8 verb").json();
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn outputs_never_overwrite_inputs_or_each_other() {
    let d = tmpdir("clobber");
    let (s, c, vk, pk) = tiny(&d);
    let model = example("tiny_4_8_3.onnx");
    let data = example("tiny_input.json");
    let w = d.join("w.json");
    zk(&["gen-witness", "-D", p(&data), "-M", p(&c), "-O", p(&w)]).expect(0, "gen-witness");
    let snapshot = |files: &[&Path]| files.iter().map(|f| std::fs::read(f).unwrap()).collect::<Vec<_>>();
    let before = snapshot(&[&s, &c, &vk, &pk, &w]);
    // A copy of the model in the work directory, so that the refusals never touch the bundled one.
    let m = d.join("m.onnx");
    std::fs::copy(&model, &m).unwrap();
    let same_dir_spelling = d.join(".").join("s.json");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["gen-settings", "-M", p(&m), "-O", p(&m)], "--settings-path"),
        (vec!["calibrate-settings", "-M", p(&m), "-D", p(&data), "-O", p(&m)], "--settings-path"),
        (vec!["compile-circuit", "-M", p(&m), "-S", p(&s), "--compiled-circuit", p(&same_dir_spelling)], "--compiled-circuit"),
        (vec!["compile-circuit", "-M", p(&m), "-S", p(&s), "--compiled-circuit", p(&m)], "--compiled-circuit"),
        (vec!["setup", "-M", p(&c), "--dev-srs", "--pk-path", p(&pk), "--vk-path", p(&pk)], "are the same file"),
        (vec!["setup", "-M", p(&c), "--dev-srs", "--pk-path", p(&c), "--vk-path", p(&vk)], "--pk-path"),
        (vec!["setup", "-M", p(&c), "--dev-srs", "--pk-path", p(&pk), "--vk-path", p(&d)], "is a directory"),
        (vec!["gen-witness", "-D", p(&data), "-M", p(&c), "-O", p(&c)], "-O"),
        (vec!["prove", "--witness", p(&w), "-M", p(&c), "--pk-path", p(&pk), "--proof-path", p(&w)], "--proof-path"),
        (vec!["prove", "--witness", p(&w), "-M", p(&c), "--pk-path", p(&pk), "--proof-path", p(&pk)], "--proof-path"),
    ];
    for (args, needle) in cases {
        let r = zk(&args).expect(1, &args.join(" "));
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
    }
    assert_eq!(snapshot(&[&s, &c, &vk, &pk, &w]), before, "a refused verb changed a file");
    assert_eq!(std::fs::read(&m).unwrap(), std::fs::read(&model).unwrap());
    no_temp_files(&d);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn failed_writes_leave_old_files_whole() {
    let d = tmpdir("atomic");
    let (_s, c, vk, pk) = tiny(&d);
    let (old_vk, old_pk) = (std::fs::read(&vk).unwrap(), std::fs::read(&pk).unwrap());
    // setup whose verifying key cannot be written (no such directory): the old proving key stays,
    // so the pair on disk is still the old, matching one.
    let r = zk(&["setup", "-M", p(&c), "--dev-srs", "--pk-path", p(&pk), "--vk-path", p(&d.join("missing/vk.key"))]).expect(5, "vk unwritable");
    assert!(r.stderr.contains("missing/vk.key"), "{}", r.stderr);
    assert_eq!(std::fs::read(&pk).unwrap(), old_pk, "a new proving key was left beside the old verifying key");
    assert_eq!(std::fs::read(&vk).unwrap(), old_vk);
    // A proof that fails (truncated key) writes nothing; no temporary files anywhere.
    let w = d.join("w.json");
    zk(&["gen-witness", "-D", p(&example("tiny_input.json")), "-M", p(&c), "-O", p(&w)]).expect(0, "gen-witness");
    let short = d.join("short.key");
    std::fs::write(&short, &old_pk[..old_pk.len() / 2]).unwrap();
    let proof = d.join("proof.json");
    std::fs::write(&proof, "old proof").unwrap();
    zk(&["prove", "--witness", p(&w), "-M", p(&c), "--pk-path", p(&short), "--proof-path", p(&proof)]).expect(4, "truncated pk");
    assert_eq!(std::fs::read_to_string(&proof).unwrap(), "old proof");
    no_temp_files(&d);
    // The library function: every file staged before any rename; a target that is not a regular
    // file (a directory) or cannot be written (no such directory) fails the set before anything
    // is renamed, and leaves no temporary file.
    use zkaccel_zkml::files::Access::Shared;
    let (a, b) = (d.join("a"), d.join("b_dir"));
    std::fs::write(&a, "old a").unwrap();
    std::fs::create_dir(&b).unwrap();
    std::fs::write(b.join("x"), "x").unwrap();
    let e = zkaccel_zkml::files::write_all_atomic(&[(&a, b"new a", Shared), (&b, b"new b", Shared)]).unwrap_err();
    assert_eq!(e.code, zkaccel_zkml::ExitCode::Io);
    assert!(e.message.contains("not a regular file"), "{}", e.message);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a", "new a left after a failed set");
    let e = zkaccel_zkml::files::write_all_atomic(&[(&d.join("c"), b"c", Shared), (&d.join("nodir/d"), b"d", Shared)]).unwrap_err();
    assert!(e.message.contains("nodir/d"), "{}", e.message);
    assert!(!d.join("c").exists(), "c renamed although d could not be written");
    no_temp_files(&d);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn devices_fifos_and_directories_are_not_read() {
    let d = tmpdir("devices");
    for (verb_args, what) in [
        (vec!["gen-settings", "-M", "/dev/zero", "-O", "IGNORED"], "model"),
        (vec!["verify", "--proof-path", "/dev/zero", "-S", "/dev/zero", "--vk-path", "/dev/zero"], "settings"),
        (vec!["gen-witness", "-D", "/dev/zero", "-M", "/dev/zero", "-O", "IGNORED"], "compiled circuit"),
    ] {
        let out = d.join("out.json");
        let args: Vec<&str> = verb_args.iter().map(|a| if *a == "IGNORED" { p(&out) } else { a }).collect();
        let r = zk(&args).expect(5, what);
        assert!(r.stderr.contains("/dev/zero") && r.stderr.contains("not a regular file"), "{what}: {}", r.stderr);
    }
    let r = zk(&["gen-settings", "-M", p(&d), "-O", p(&d.join("s.json"))]).expect(5, "a directory as the model");
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&d);
}
