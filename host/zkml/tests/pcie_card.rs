//! The PCIe backend against the emulated card (`zkaccel-card-emu`: the simulated card behind the
//! files a Linux machine shows — a sysfs device directory whose `resource0` both sides map, XDMA
//! FIFOs or a BAR window — under temporary sysfs and /dev roots). The `zkaccel` binary runs its
//! real PCIe code path; only `ZKACCEL_SYSFS_ROOT` / `ZKACCEL_DEV_ROOT` differ from a real machine.
//!
//! * `prove --device pcie:<BDF>` (XDMA and BAR-window data paths) proves on the card with no
//!   fallback, and the proofs verify; `device list` shows the cards; (`xdma:/dev/xdma0` and `auto`
//!   finding a card are exercised by the fault test);
//! * a wrong or malformed address, no driver, a foreign vendor, a wrong ID, register-map version
//!   or kernel mask, a card that stalls in its conformance check: each exit code 6 with a message
//!   naming the fix; `auto` says why it uses the CPU;
//! * every fault class (killed, stalled, surprise removal, error status, flipped result bit,
//!   short read) during a real `prove`: the fallback is reported, the proof written verifies,
//!   and nothing hangs (bounded by `--device-timeout`).

#![cfg(feature = "sim")]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::*;
use common::*;
use serde_json::Value;

/// Temporary sysfs and /dev roots.
struct Roots {
    top: PathBuf,
    sys: PathBuf,
    dev: PathBuf,
}

impl Roots {
    fn new(name: &str) -> Self {
        let top = std::env::temp_dir().join(format!("zkaccel-pcie-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&top);
        let (sys, dev) = (top.join("sys"), top.join("dev"));
        std::fs::create_dir_all(&sys).unwrap();
        std::fs::create_dir_all(&dev).unwrap();
        Self { top, sys, dev }
    }

    fn zk(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_zkaccel"))
            .args(args)
            .env("ZKACCEL_SYSFS_ROOT", &self.sys)
            .env("ZKACCEL_DEV_ROOT", &self.dev)
            .output()
            .expect("run zkaccel");
        Run { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into(), stderr: String::from_utf8_lossy(&out.stderr).into() }
    }
}

impl Drop for Roots {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.top);
    }
}

/// The emulator binary next to `zkaccel`: built by `cargo test --workspace`; built here when it
/// is missing or older than a source file of `card-emu/src` (a test run of this crate alone would
/// otherwise use a stale emulator). Not on every run: `cargo build -p zkaccel-card-emu` resolves
/// other features than the workspace's test build and would recompile most of the workspace.
fn emulator_binary() -> PathBuf {
    let zk = PathBuf::from(env!("CARGO_BIN_EXE_zkaccel"));
    let emu = zk.with_file_name("zkaccel-card-emu");
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../card-emu/src");
        let newest_source = std::fs::read_dir(&src).into_iter().flatten().flatten().filter_map(|e| modified(&e.path())).max();
        let stale = match (modified(&emu), newest_source) {
            (None, _) => true,
            (Some(built), Some(source)) => source > built,
            (Some(_), None) => false,
        };
        if !stale {
            return;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let profile = if zk.parent().unwrap().ends_with("release") { vec!["--release"] } else { vec![] };
        let st = Command::new(cargo).args(["build", "-p", "zkaccel-card-emu"]).args(profile).status().expect("cargo build -p zkaccel-card-emu");
        assert!(st.success(), "building zkaccel-card-emu");
    });
    emu
}

/// A running emulated card (killed when dropped).
struct Emu {
    child: Child,
    log: PathBuf,
    control: PathBuf,
}

impl Emu {
    fn start(r: &Roots, bdf: &str, data: &str, extra: &[&str]) -> Self {
        let log = r.top.join(format!("emu-{bdf}.log"));
        let control = r.top.join(format!("emu-{bdf}.control"));
        let child = Command::new(emulator_binary())
            .args(["--sysfs-root", p(&r.sys), "--dev-root", p(&r.dev), "--bdf", bdf, "--data", data, "--control", p(&control)])
            .args(extra)
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start zkaccel-card-emu");
        let mut e = Self { child, log, control };
        // The first start may build the Verilator model of the card (minutes); later ones load it.
        let start = Instant::now();
        while !e.log().contains("ready") {
            if let Some(st) = e.child.try_wait().unwrap() {
                panic!("the emulator exited ({st}) before it was ready: {}", e.log());
            }
            assert!(start.elapsed() < Duration::from_secs(900), "the emulator did not get ready");
            std::thread::sleep(Duration::from_millis(50));
        }
        e
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn arm(&self, line: &str) {
        std::fs::write(&self.control, format!("{line}\n")).unwrap();
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The tiny model through compile, setup and gen-witness (on the CPU).
struct Tiny {
    settings: PathBuf,
    compiled: PathBuf,
    vk: PathBuf,
    pk: PathBuf,
    witness: PathBuf,
}

fn tiny(r: &Roots) -> Tiny {
    let d = &r.top;
    let t = Tiny { settings: d.join("settings.json"), compiled: d.join("model.compiled"), vk: d.join("vk.key"), pk: d.join("pk.key"), witness: d.join("witness.json") };
    let model = example("tiny_4_8_3.onnx");
    r.zk(&["gen-settings", "-M", p(&model), "-O", p(&t.settings), "--input-scale", "5", "--param-scale", "5", "-D", p(&example("tiny_input.json"))])
        .expect(0, "gen-settings");
    r.zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&t.compiled), "-S", p(&t.settings), "--lanes", "2"]).expect(0, "compile");
    r.zk(&["setup", "-M", p(&t.compiled), "--dev-srs", "--vk-path", p(&t.vk), "--pk-path", p(&t.pk), "--device", "cpu"]).expect(0, "setup");
    r.zk(&["gen-witness", "-D", p(&example("tiny_input.json")), "-M", p(&t.compiled), "-O", p(&t.witness)]).expect(0, "gen-witness");
    t
}

impl Tiny {
    fn prove(&self, r: &Roots, device: &str, proof: &Path, timeout: &str) -> Run {
        let _ = std::fs::remove_file(proof);
        r.zk(&["prove", "--witness", p(&self.witness), "-M", p(&self.compiled), "--pk-path", p(&self.pk), "--proof-path", p(proof), "--device", device, "--device-timeout", timeout, "--json"])
    }
    fn verify(&self, r: &Roots, proof: &Path) {
        r.zk(&["verify", "--proof-path", p(proof), "--settings-path", p(&self.settings), "--vk-path", p(&self.vk)]).expect(0, "verify");
    }
}

fn assert_all_on_card(j: &Value) {
    let a = &j["accel"];
    for k in ["ntt", "msm"] {
        assert!(a[k]["card_calls"].as_u64().unwrap() >= 10, "{k}: {j}");
    }
    assert_eq!(a["ntt"]["cpu_calls"], 0, "ntt: {j}");
    // The MSMs below --device-msm-min-points (default 32: the blinding terms) on the CPU, for
    // that reason alone.
    let routed = a["msm"]["cpu_reasons"]["an MSM of fewer than 32 points (the CPU's whole MSM costs less than a card call)"].as_u64();
    assert!(a["msm"]["cpu_calls"].as_u64() > Some(0) && routed == a["msm"]["cpu_calls"].as_u64(), "msm: {j}");
    // The lookup helpers (multiplicities by counting, logUp's fractions by batch inversion) too.
    assert!(a["lookup"]["card_calls"].as_u64().unwrap() >= 2, "lookup: {j}");
    assert_eq!(a["lookup"]["cpu_calls"], 0, "lookup: {j}");
    assert_eq!(a["fallback_count"], 0, "{j}");
    assert_eq!(j["redone_on_cpu"], Value::Null, "{j}");
}

#[test]
fn prove_over_the_emulated_card_from_the_command_line() {
    let r = Roots::new("prove");
    let t = tiny(&r);
    let proof = r.top.join("proof.json");
    let xdma = Emu::start(&r, "0000:65:00.0", "xdma", &[]);
    let window = Emu::start(&r, "0000:66:00.0", "window", &[]);
    // An F2 function as an image load leaves it: no driver bound, memory decoding off (the
    // driver turns it on through sysfs `enable`) — the BAR window over the resource files.
    let bare = Emu::start(&r, "0000:67:00.0", "window", &["--no-driver", "--decode-off"]);

    // A sysfs entry with a garbled vendor id: skipped with a note, the good cards still listed.
    let garbled = r.sys.join("bus/pci/devices/0000:70:00.0");
    std::fs::create_dir_all(&garbled).unwrap();
    std::fs::write(garbled.join("vendor"), "not hex\n").unwrap();
    std::fs::write(garbled.join("device"), "0x903f\n").unwrap();

    // device list: the three cards, their drivers and identities.
    let list = r.zk(&["device", "list", "--json"]).expect(0, "device list").json();
    let skipped = list["skipped"].as_array().unwrap();
    assert!(skipped.len() == 1 && skipped[0].as_str().unwrap().contains("0000:70:00.0"), "{list}");
    let cards = list["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 3, "{list}");
    assert_eq!(cards[0]["bdf"], "0000:65:00.0");
    assert_eq!((cards[0]["vendor"].as_str(), cards[0]["device"].as_str()), (Some("0x10ee"), Some("0x903f")), "{list}");
    assert_eq!((cards[0]["driver"].as_str(), cards[0]["data_path"].as_str()), (Some("xdma"), Some("xdma")), "{list}");
    assert_eq!((cards[1]["driver"].as_str(), cards[1]["data_path"].as_str()), (Some("vfio-pci"), Some("bar-window")), "{list}");
    assert_eq!((cards[2]["driver"].as_str(), cards[2]["data_path"].as_str()), (None, Some("bar-window")), "{list}");
    for c in cards {
        let id = &c["identity"];
        assert_eq!(id["id"], 0x7a6b_6163, "{list}");
        assert_eq!(id["regmap_version"], zkaccel_driver::regs::REGMAP_VERSION, "{list}");
        assert_eq!(id["kernels"], 7, "NTT, MSM and lookup: {list}");
        assert_eq!(id["zkaccel"], true, "{list}");
    }
    let human = r.zk(&["device", "list"]).expect(0, "device list");
    assert!(human.stdout.contains(&format!("0000:65:00.0  10ee:903f  driver xdma  data xdma  zkaccel, register map v{}", zkaccel_driver::regs::REGMAP_VERSION)), "{}", human.stdout);
    assert!(human.stdout.contains("skipped: ") && human.stdout.contains("0000:70:00.0"), "{}", human.stdout);
    std::fs::remove_dir_all(&garbled).unwrap();

    // prove on each data path, and by the XDMA node.
    for (device, path) in [("pcie:0000:65:00.0", "XDMA streaming"), ("pcie:66:00.0", "BAR window"), ("pcie:0000:67:00.0", "BAR window")] {
        let j = t.prove(&r, device, &proof, "30").expect(0, device).json();
        let said = j["device"].as_str().unwrap();
        assert!(said.contains("PCIe card") && said.contains(path), "{device}: {said}");
        assert_all_on_card(&j);
        t.verify(&r, &proof);
    }
    assert!(!xdma.log().contains("fired") && !window.log().contains("fired") && !bare.log().contains("fired"));
}

#[test]
fn refusals_name_the_fix() {
    let r = Roots::new("refusals");
    let t = tiny(&r);
    let proof = r.top.join("proof.json");
    let refused = |device: &str, wants: &[&str]| {
        let j = t.prove(&r, device, &proof, "5").expect(6, device).json();
        let m = j["error"]["message"].as_str().unwrap().to_string();
        for w in wants {
            assert!(m.contains(w), "{device}: '{w}' not in: {m}");
        }
        assert!(!proof.exists(), "{device}: nothing written");
    };
    // Nothing on the bus yet: auto says why it uses the CPU.
    let j = t.prove(&r, "auto", &proof, "5").expect(0, "auto").json();
    assert!(j["device"].as_str().unwrap().contains("no real card found: no Xilinx or AWS FPGA function"), "{j}");
    refused("pcie:0000:3b:00.0", &["no PCI device 0000:3b:00.0", "lspci -D"]);
    refused("pcie:3b:0.0", &["not a PCI address", "DDDD:BB:DD.F"]);
    refused("xdma:/dev/xdma7", &["xdma7_user does not exist", "modprobe xdma"]);
    let _nic = Emu::start(&r, "0000:02:00.0", "window", &["--vendor", "0x8086"]);
    refused("pcie:0000:02:00.0", &["vendor 0x8086", "not an FPGA card"]);
    let _other = Emu::start(&r, "0000:03:00.0", "xdma", &["--id", "0x12345678"]);
    refused("pcie:0000:03:00.0", &["ID register 0x12345678", "not a zkaccel card", "load the zkaccel bitstream"]);
    let _old = Emu::start(&r, "0000:04:00.0", "window", &["--regmap-version", "2"]);
    refused("pcie:0000:04:00.0", &["register map v2", format!("this driver v{}", zkaccel_driver::regs::REGMAP_VERSION).as_str()]);
    let _empty = Emu::start(&r, "0000:05:00.0", "window", &["--kernels", "4"]);
    refused("pcie:0000:05:00.0", &["neither the NTT nor the MSM kernel"]);
    // auto tries each and says why none is used (the Intel function is not even tried).
    let j = t.prove(&r, "auto", &proof, "5").expect(0, "auto").json();
    let said = j["device"].as_str().unwrap();
    for w in ["no real card usable", "0000:03:00.0", "0000:04:00.0", "0000:05:00.0"] {
        assert!(said.contains(w), "'{w}' not in {said}");
    }
    assert!(!said.contains("0000:02:00.0"), "{said}");
    t.verify(&r, &proof);
    let list = r.zk(&["device", "list", "--json"]).expect(0, "device list").json();
    assert_eq!(list["cards"].as_array().unwrap().len(), 3, "the three FPGA functions: {list}");
    // A card that stalls in its conformance check (its second transform) is refused, even though
    // the CPU's answer for that transform was right.
    let stalls = Emu::start(&r, "0000:06:00.0", "xdma", &[]);
    stalls.arm("stall after=1");
    refused("pcie:0000:06:00.0", &["failed its conformance check", "timeout"]);
    assert!(stalls.log().contains("fired stall at command 2"), "{}", stalls.log());
}

/// Each fault class once during a real prove on the card: `after=60` skips the open's conformance
/// check (2 commands) and the key load (about 50: one base load, the rest NTTs), so the fault hits
/// the proving (about 72 commands): the proving's fallbacks name it.
#[test]
fn every_fault_class_during_a_real_prove_falls_back_and_the_proof_verifies() {
    let r = Roots::new("faults");
    let t = tiny(&r);
    let proof = r.top.join("proof.json");
    // (class, data path, how the card is named, what the fallback says)
    let cases = [
        ("kill", "xdma", "pcie", "card gone"),
        ("stall", "window", "pcie", "timeout"),
        ("gone", "xdma", "pcie", "card gone"),
        ("error", "xdma", "xdma:/dev/xdma0", "card error status 0x1"),
        ("flip", "window", "auto", "failed its check|protocol error"),
        ("short", "xdma", "pcie", "timeout"),
    ];
    for (i, (class, data, named, reason)) in cases.into_iter().enumerate() {
        let bdf = format!("0000:{:02x}:00.0", 0x10 + i);
        let emu = Emu::start(&r, &bdf, data, &[]);
        emu.arm(&format!("{class} after=60"));
        let device = if named == "pcie" { format!("pcie:{bdf}") } else { named.to_string() };
        let start = Instant::now();
        // 5 s: long enough that the simulated card on a loaded machine does not trip it alone.
        let run = t.prove(&r, &device, &proof, "5");
        let took = start.elapsed();
        let j = run.expect(0, &format!("{class} on {data}")).json();
        assert!(emu.log().contains(&format!("fired {class}")), "{class}: the fault did not fire: {}", emu.log());
        let accel = &j["accel"];
        let fallbacks = accel["fallback_count"].as_u64().unwrap();
        let reasons = format!("{} {} {}", accel["ntt"]["fallbacks"], accel["msm"]["fallbacks"], j["dead_cards"]);
        assert!(fallbacks >= 1 || j["redone_on_cpu"] != Value::Null, "{class}: no fallback reported: {j}");
        assert!(reason.split('|').any(|w| reasons.contains(w)), "{class}: '{reason}' not among {reasons}");
        t.verify(&r, &proof);
        // Bounded: a few timeouts of 5 s at most, never a hang.
        assert!(took < Duration::from_secs(300), "{class} took {took:?}");
        eprintln!("{class} on {data}: {fallbacks} fallback(s) ({reasons}), {took:?}");
        drop(emu);
        let _ = std::fs::remove_dir_all(r.sys.join("bus/pci/devices").join(&bdf));
    }
}

/// A card that sums other digits than the host sent (card-emu fault `digits`: every point it
/// returns is on the curve, so no per-call check objects) is refused at open by its conformance
/// MSM; and during setup — which makes no proof that would catch it — the keys' commitment check
/// does, and setup makes the keys on the CPU: the files written are the CPU's, byte for byte.
#[test]
fn a_card_that_sums_wrong_digits_never_makes_the_keys() {
    let r = Roots::new("digits");
    let t = tiny(&r);
    let ptau = ptau();
    let keys = |tag: &str| (r.top.join(format!("vk_{tag}.key")), r.top.join(format!("pk_{tag}.key")));
    let setup = |tag: &str, device: &str| {
        let (vk, pk) = keys(tag);
        r.zk(&["setup", "-M", p(&t.compiled), "--srs-path", p(&ptau), "--vk-path", p(&vk), "--pk-path", p(&pk), "--device", device, "--device-timeout", "30", "--json"])
    };
    setup("cpu", "cpu").expect(0, "setup on the CPU");
    let emu = Emu::start(&r, "0000:65:00.0", "xdma", &[]);
    // At open: the conformance MSM's one accumulation sums wrong digits.
    emu.arm("digits");
    let j = setup("open", "pcie:0000:65:00.0").expect(6, "refused at open").json();
    let m = j["error"]["message"].as_str().unwrap();
    assert!(m.contains("failed its conformance check (MSM of 64 points)") && m.contains("differs from the CPU"), "{m}");
    assert!(!keys("open").0.exists() && !keys("open").1.exists());
    // During setup: the first accumulation after the conformance check's one.
    emu.arm("digits after=1");
    let j = setup("card", "pcie:0000:65:00.0").expect(0, "setup on the card").json();
    assert!(j["redone_on_cpu"].as_str().is_some_and(|w| w.contains("failed its check")), "{j}");
    assert_eq!(emu.log().matches("fired digits").count(), 2, "{}", emu.log());
    let (cpu, card) = (keys("cpu"), keys("card"));
    assert!(std::fs::read(&cpu.0).unwrap() == std::fs::read(&card.0).unwrap(), "the verifying keys");
    assert!(std::fs::read(&cpu.1).unwrap() == std::fs::read(&card.1).unwrap(), "the proving keys");
}
