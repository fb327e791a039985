//! The fault campaign (not in CI; `scripts/fault-campaign.sh` builds and runs it): N proofs of
//! the tiny model with `--device auto` over an emulated PCIe card (`zkaccel-card-emu`, XDMA or
//! BAR-window data path at random), each with a random fault (or none) armed at a random command.
//! Every proof written is verified; a `prove` that runs past the watchdog counts as a hang.
//! Prints: proofs, faults fired by class, fallbacks, wrong proofs written (must be 0), hangs (must
//! be 0), and on the fault-free runs the share of proving time spent checking the card's results.
//!
//! ```text
//! fault_campaign <zkaccel binary> <zkaccel-card-emu binary> <N> [seed]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::Value;

const CLASSES: [&str; 6] = ["kill", "stall", "gone", "error", "flip", "short"];
/// A prove that takes longer than this is a hang (the device timeout is 5 s per wait: long enough
/// that the simulated card on a loaded machine rarely trips it without a fault).
const WATCHDOG: Duration = Duration::from_secs(300);

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

struct Env {
    zk: PathBuf,
    emu: PathBuf,
    sys: PathBuf,
    dev: PathBuf,
}

impl Env {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.zk);
        c.args(args).env("ZKACCEL_SYSFS_ROOT", &self.sys).env("ZKACCEL_DEV_ROOT", &self.dev);
        c
    }

    fn run(&self, args: &[&str]) -> (i32, String) {
        let out = self.cmd(args).output().expect("run zkaccel");
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn ok(&self, args: &[&str]) {
        let (code, out) = self.run(args);
        assert_eq!(code, 0, "zkaccel {args:?}: {out}");
    }

    /// Starts an emulated card and waits for it.
    fn start_card(&self, data: &str, log: &Path, control: &Path) -> Child {
        let _ = std::fs::remove_dir_all(self.sys.join("bus/pci/devices"));
        let mut child = Command::new(&self.emu)
            .args(["--sysfs-root", p(&self.sys), "--dev-root", p(&self.dev), "--bdf", "0000:65:00.0", "--data", data, "--control", p(control)])
            .stdout(std::fs::File::create(log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("start zkaccel-card-emu");
        let start = Instant::now();
        while !std::fs::read_to_string(log).unwrap_or_default().contains("ready") {
            assert!(child.try_wait().unwrap().is_none(), "the emulator exited before it was ready");
            assert!(start.elapsed() < Duration::from_secs(900), "the emulator did not get ready");
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: fault_campaign <zkaccel binary> <zkaccel-card-emu binary> <N> [seed]");
        std::process::exit(2);
    }
    let n: usize = args[3].parse().expect("N");
    let seed: u64 = args.get(4).map_or(1, |s| s.parse().expect("seed"));
    let top = std::env::temp_dir().join(format!("zkaccel-fault-campaign-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&top);
    let env = Env { zk: args[1].clone().into(), emu: args[2].clone().into(), sys: top.join("sys"), dev: top.join("dev") };
    std::fs::create_dir_all(&env.sys).unwrap();
    std::fs::create_dir_all(&env.dev).unwrap();
    let ex = |f: &str| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../onnx/examples").join(f);
    let f = |name: &str| top.join(name);
    env.ok(&["gen-settings", "-M", p(&ex("tiny_4_8_3.onnx")), "-O", p(&f("settings.json")), "--input-scale", "5", "--param-scale", "5", "-D", p(&ex("tiny_input.json"))]);
    env.ok(&["compile-circuit", "-M", p(&ex("tiny_4_8_3.onnx")), "--compiled-circuit", p(&f("model.compiled")), "-S", p(&f("settings.json")), "--lanes", "2"]);
    env.ok(&["setup", "-M", p(&f("model.compiled")), "--dev-srs", "--vk-path", p(&f("vk.key")), "--pk-path", p(&f("pk.key")), "--device", "cpu"]);
    env.ok(&["gen-witness", "-D", p(&ex("tiny_input.json")), "-M", p(&f("model.compiled")), "-O", p(&f("witness.json"))]);

    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let (log, control, proof) = (f("emu.log"), f("emu.control"), f("proof.json"));
    let mut fired: BTreeMap<String, usize> = BTreeMap::new();
    let (mut proofs, mut fallback_runs, mut open_fallbacks, mut wrong, mut hangs, mut failed_runs) = (0, 0, 0, 0, 0, 0);
    let mut clean_fallbacks = 0;
    let (mut clean_check_ms, mut clean_prove_ms, mut clean_card_ms, mut clean_runs) = (0.0, 0.0, 0.0, 0);
    let t0 = Instant::now();
    for i in 0..n {
        // One run in seven without a fault; the rest one fault class at a random command.
        let class = if rng.gen_range(0..7) == 0 { None } else { Some(CLASSES[rng.gen_range(0..CLASSES.len())]) };
        let data = if rng.gen_bool(0.5) { "xdma" } else { "window" };
        let mut card = env.start_card(data, &log, &control);
        if let Some(c) = class {
            // The tiny model's prove issues about 124 card commands: 2 for the conformance check at
            // open, ~50 while the key loads, ~72 while proving.
            std::fs::write(&control, format!("{c} after={}\n", rng.gen_range(0..124))).unwrap();
        }
        let _ = std::fs::remove_file(&proof);
        let mut prove = env
            .cmd(&["prove", "--witness", p(&f("witness.json")), "-M", p(&f("model.compiled")), "--pk-path", p(&f("pk.key")), "--proof-path", p(&proof), "--device", "auto", "--device-timeout", "5", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run zkaccel prove");
        let start = Instant::now();
        let status = loop {
            if let Some(st) = prove.try_wait().unwrap() {
                break Some(st);
            }
            if start.elapsed() > WATCHDOG {
                let _ = prove.kill();
                let _ = prove.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let _ = card.kill();
        let _ = card.wait();
        let emu_log = std::fs::read_to_string(&log).unwrap_or_default();
        let fired_here: Vec<&str> = emu_log.lines().filter_map(|l| l.strip_prefix("fired ")?.split_whitespace().next()).collect();
        for c in &fired_here {
            *fired.entry(c.to_string()).or_default() += 1;
        }
        let Some(status) = status else {
            hangs += 1;
            println!("run {i}: HANG ({class:?} on {data})");
            continue;
        };
        let mut out = String::new();
        use std::io::Read;
        prove.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        if !status.success() {
            failed_runs += 1;
            println!("run {i}: prove failed ({status}) with {class:?} on {data}: {}", out.trim());
            continue;
        }
        let j: Value = serde_json::from_str(out.trim()).expect("prove --json");
        if proof.exists() {
            proofs += 1;
            let (code, vout) = env.run(&["verify", "--proof-path", p(&proof), "--settings-path", p(&f("settings.json")), "--vk-path", p(&f("vk.key"))]);
            if code != 0 {
                wrong += 1;
                println!("run {i}: WRONG PROOF WRITTEN ({class:?} on {data}): {vout}");
            }
        }
        let on_cpu = j["device"].as_str().unwrap_or("").starts_with("cpu");
        let fell_back = on_cpu
            || j["accel"]["fallback_count"].as_u64().unwrap_or(0) > 0
            || j["load_pk_fallbacks"].as_u64().unwrap_or(0) > 0
            || !j["redone_on_cpu"].is_null()
            || j["dead_cards"].as_array().is_some_and(|d| !d.is_empty());
        if on_cpu {
            open_fallbacks += 1;
        }
        if fell_back {
            fallback_runs += 1;
        }
        if !fired_here.is_empty() && !fell_back {
            println!("run {i}: fault {fired_here:?} fired but no fallback was reported: {j}");
        }
        if class.is_none() && fell_back {
            clean_fallbacks += 1;
            println!("run {i}: fallback without a fault (the card was slower than the timeout?): {} {} {} {}", j["device"], j["accel"]["ntt"]["fallbacks"], j["accel"]["msm"]["fallbacks"], j["dead_cards"]);
        }
        if class.is_none() && !on_cpu {
            clean_runs += 1;
            clean_prove_ms += j["prove_ms"].as_f64().unwrap_or(0.0);
            for k in ["ntt", "msm"] {
                clean_check_ms += j["accel"][k]["check_ms"].as_f64().unwrap_or(0.0);
                clean_card_ms += j["accel"][k]["card_ms"].as_f64().unwrap_or(0.0);
            }
        }
        eprintln!("run {i}: {class:?} on {data}, fired {fired_here:?}, fallback {fell_back}, {:.1} s", start.elapsed().as_secs_f64());
        if (i + 1) % 10 == 0 {
            println!("--- after {} runs:", i + 1);
            Summary { runs: i + 1, seed, secs: t0.elapsed().as_secs_f64(), proofs, fired: &fired, fallback_runs, open_fallbacks, wrong, hangs, failed_runs, clean_fallbacks, clean_runs, clean_check_ms, clean_prove_ms, clean_card_ms }.print();
        }
    }
    let summary = Summary { runs: n, seed, secs: t0.elapsed().as_secs_f64(), proofs, fired: &fired, fallback_runs, open_fallbacks, wrong, hangs, failed_runs, clean_fallbacks, clean_runs, clean_check_ms, clean_prove_ms, clean_card_ms };
    summary.print();
    let _ = std::fs::remove_dir_all(&top);
    if wrong > 0 || hangs > 0 {
        std::process::exit(1);
    }
}

struct Summary<'a> {
    runs: usize,
    seed: u64,
    secs: f64,
    proofs: usize,
    fired: &'a BTreeMap<String, usize>,
    fallback_runs: usize,
    open_fallbacks: usize,
    wrong: usize,
    hangs: usize,
    failed_runs: usize,
    clean_fallbacks: usize,
    clean_runs: usize,
    clean_check_ms: f64,
    clean_prove_ms: f64,
    clean_card_ms: f64,
}

impl Summary<'_> {
    fn print(&self) {
        println!("fault campaign: {} runs (seed {}) in {:.0} s", self.runs, self.seed, self.secs);
        println!("proofs written: {} (all verified unless counted wrong)", self.proofs);
        println!("faults fired by class: {}", CLASSES.iter().map(|c| format!("{c} {}", self.fired.get(*c).copied().unwrap_or(0))).collect::<Vec<_>>().join(", "));
        println!("runs with a fallback reported: {} (of which the card failed its conformance check at open and auto used the CPU: {})", self.fallback_runs, self.open_fallbacks);
        println!("wrong proofs written: {}", self.wrong);
        println!("hangs (prove past {} s): {}", WATCHDOG.as_secs(), self.hangs);
        println!("prove runs that failed: {}", self.failed_runs);
        println!("runs without a fault that still fell back (slow card, timeout): {}", self.clean_fallbacks);
        if self.clean_runs > 0 {
            println!(
                "fault-free runs on the card: {}; result checks {:.1} ms of {:.1} ms proving per run ({:.2} %), card calls {:.1} ms per run",
                self.clean_runs,
                self.clean_check_ms / self.clean_runs as f64,
                self.clean_prove_ms / self.clean_runs as f64,
                100.0 * self.clean_check_ms / self.clean_prove_ms.max(1e-9),
                self.clean_card_ms / self.clean_runs as f64
            );
        }
    }
}
