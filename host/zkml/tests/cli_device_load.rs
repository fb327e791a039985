//! `zkaccel device load` and `device status` end to end through the binary, with fake AWS tools
//! on PATH (the loader itself is tested flow by flow in driver/tests/load_flows.rs): a dry run of
//! a committed manifest prints the commands and says the hash is unchecked, a build that was never
//! run is refused, an F2 load runs the tools and then says plainly that this build cannot open
//! the card to check it, and `device status` reads an F2 slot.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const AGFI: &str = "agfi-0123456789abcdef0";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn zk(args: &[&str], path: Option<&Path>) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zkaccel"));
    c.args(args);
    if let Some(bin) = path {
        let system = std::env::var_os("PATH").unwrap_or_default();
        let joined = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&system))).unwrap();
        c.env("PATH", joined);
    }
    let out = c.output().expect("run zkaccel");
    Run { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into(), stderr: String::from_utf8_lossy(&out.stderr).into() }
}

fn json(r: &Run) -> Value {
    serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr))
}

fn manifests() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bitstreams/manifests")
}

fn fake_bin(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("zkaccel-cli-device-load-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let log = dir.join("calls.log");
    let tools = [
        ("fpga-load-local-image", String::new()),
        (
            "fpga-describe-local-image",
            format!(
                "echo 'Type  FpgaImageSlot  FpgaImageId             StatusName    StatusCode   ErrorName    ErrorCode   ShVersion'\n\
                 echo 'AFI          0       {AGFI}  loaded            0        ok               0       0x04261818'\n\
                 echo 'Type  FpgaImageSlot  VendorId    DeviceId    DBDF'\n\
                 echo 'AFIDEVICE    0       0x1d0f      0x9048      0000:34:00.0'"
            ),
        ),
    ];
    for (tool, body) in tools {
        let p = dir.join("bin").join(tool);
        std::fs::write(&p, format!("#!/bin/sh\nprintf '%s\\n' \"{tool} $*\" >> '{}'\n{body}\n", log.display())).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

fn calls(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("calls.log")).map(|s| s.lines().map(String::from).collect()).unwrap_or_default()
}

#[test]
fn device_load_and_status() {
    let f2 = manifests().join("aws-f2.json");
    let f2s = f2.to_str().unwrap();

    // Dry run of the committed (never built) F2 manifest.
    let r = zk(&["device", "load", f2s, "--slot", "2", "--dry-run", "--json"], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = json(&r);
    assert_eq!(j["commands"], serde_json::json!(["fpga-load-local-image -S 2 -I <not-built:agfi-id>", "fpga-describe-local-image -S 2 -H"]));
    assert_eq!(j["hash"]["checked"], false);
    assert_eq!(j["dry_run"], true);
    let r = zk(&["device", "load", f2s, "--dry-run"], None);
    assert!(r.stdout.contains("bitstream hash UNCHECKED (dry run)") && r.stdout.contains("would run: fpga-load-local-image -S 0"), "{}", r.stdout);
    // --jtag-target reaches the loader: refused on an F2 build (usage, exit 1); on the Alveo JTAG
    // build the dry run passes it to the generated script.
    let r = zk(&["device", "load", f2s, "--dry-run", "--jtag-target", "21770297400LA"], None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("--jtag-target is for Alveo JTAG builds"), "{}", r.stderr);
    let u250 = manifests().join("alveo-u250.json");
    let r = zk(&["device", "load", u250.to_str().unwrap(), "--dry-run", "--jtag-target", "21770297400LA"], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("21770297400LA"), "{}", r.stdout);

    // Without --dry-run: refused, exit 4 (nothing was built).
    let r = zk(&["device", "load", f2s, "--json"], None);
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(json(&r)["error"]["message"].as_str().unwrap().contains("status: generated-not-run"), "{}", r.stdout);

    // A built F2 manifest: the tools run, then the card cannot be opened by this build (exit 6).
    let dir = fake_bin("f2");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&f2).unwrap()).unwrap();
    m["status"] = "built".into();
    m["artefacts"][0]["agfi_id"] = AGFI.into();
    let built = dir.join("aws-f2.json");
    std::fs::write(&built, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let r = zk(&["device", "load", built.to_str().unwrap(), "--timeout", "20", "--json"], Some(&dir.join("bin")));
    assert_eq!(r.code, 6, "{}{}", r.stdout, r.stderr);
    let e = json(&r)["error"]["message"].as_str().unwrap().to_string();
    assert!(e.starts_with("the bitstream is loaded, but the card at 0000:34:00.0 could not be opened to check it"), "{e}");
    assert_eq!(calls(&dir), [format!("fpga-load-local-image -S 0 -I {AGFI}"), "fpga-describe-local-image -S 0 -H".into()]);

    // Status of an F2 slot.
    let r = zk(&["device", "status", "--slot", "0", "--json"], Some(&dir.join("bin")));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = json(&r);
    assert_eq!((j["image"].as_str(), j["status"].as_str(), j["bdf"].as_str()), (Some(AGFI), Some("loaded"), Some("0000:34:00.0")));

    // Usage: --slot and --bdf together; a manifest that is not there.
    let r = zk(&["device", "load", f2s, "--slot", "0", "--bdf", "0000:34:00.0"], None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let r = zk(&["device", "load", "/nonexistent/m.json", "--json"], None);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(json(&r)["error"]["message"].as_str().unwrap().starts_with("/nonexistent/m.json: (file): cannot read"), "{}", r.stdout);
}
