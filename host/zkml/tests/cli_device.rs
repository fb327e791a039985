//! `--device`: auto picks the CPU here and says why (no real card), cpu is taken as asked, an
//! unknown device is a usage error, pcie:<BDF> of an absent card is a clear error (exit 6),
//! and (feature `sim`) `prove --device sim` proves the tiny model with its NTTs and MSMs on the
//! simulated card, reports the per-kernel profile and the co-design projection, and the proof
//! verifies; `--device sim:dual` proves it on the two-unit card (same NTT and lookup cycles, fewer
//! MSM cycles); `--device sim:triple` on the three-unit card (XYZZ units, base sets precomputed).

use crate::common;

use std::path::PathBuf;

use common::cli::*;
use common::*;
use serde_json::Value;

/// The tiny model through compile, setup and gen-witness into a fresh directory.
fn tiny_files(name: &str) -> (Scratch, [PathBuf; 5]) {
    let d = scratch("cli-device", name);
    let f = [d.join("settings.json"), d.join("model.compiled"), d.join("vk.key"), d.join("pk.key"), d.join("witness.json")];
    let model = example("tiny_4_8_3.onnx");
    // Scales and ranges from the sample keep the tables (and so the domain) small: 2^10 rows.
    zk(&["gen-settings", "-M", p(&model), "-O", p(&f[0]), "--input-scale", "5", "--param-scale", "5", "-D", p(&example("tiny_input.json"))])
        .expect(0, "gen-settings");
    zk(&["compile-circuit", "-M", p(&model), "--compiled-circuit", p(&f[1]), "-S", p(&f[0]), "--lanes", "2"]).expect(0, "compile");
    zk(&["setup", "-M", p(&f[1]), "--dev-srs", "--vk-path", p(&f[2]), "--pk-path", p(&f[3]), "--device", "cpu"]).expect(0, "setup");
    zk(&["gen-witness", "-D", p(&example("tiny_input.json")), "-M", p(&f[1]), "-O", p(&f[4])]).expect(0, "gen-witness");
    (d, f)
}

#[test]
fn device_choice_and_refusals() {
    let (d, [_settings, compiled, _vk, pk, witness]) = tiny_files("choice");
    let proof = d.join("proof.json");
    let prove = |dev: &str| zk(&["prove", "--witness", p(&witness), "-M", p(&compiled), "--pk-path", p(&pk), "--proof-path", p(&proof), "--device", dev, "--json"]);
    let auto = prove("auto").expect(0, "auto").json();
    let said = auto["device"].as_str().unwrap();
    assert!(said.starts_with("cpu (auto: ") && said.contains("no real card"), "{said}");
    assert_eq!(auto["accel"], Value::Null, "no accelerator profile on the CPU");
    assert_eq!(prove("cpu").expect(0, "cpu").json()["device"], "cpu (requested)");
    let bad = prove("gpu").expect(1, "unknown device");
    assert!(bad.stdout.contains("unknown device 'gpu'"), "{}", bad.stdout);
    let _ = std::fs::remove_file(&proof);
    // An address with no function behind it (with the `pcie` feature: named, with the fix; without
    // it: no PCIe backend in this build). The PCIe backend's own tests are in pcie_card.rs.
    let pcie = prove("pcie:0000:fe:1f.7").expect(6, "pcie: no such card");
    let e = pcie.json();
    assert_eq!(e["error"]["kind"], "device", "{e}");
    let m = e["error"]["message"].as_str().unwrap();
    #[cfg(feature = "pcie")]
    assert!(m.contains("no PCI device 0000:fe:1f.7") && m.contains("lspci -D"), "{e}");
    #[cfg(not(feature = "pcie"))]
    assert!(m.contains("no PCIe backend"), "{e}");
    assert!(!proof.exists(), "nothing written on a device error");
    #[cfg(not(feature = "sim"))]
    prove("sim").expect(6, "sim without the sim feature");
}

#[cfg(feature = "sim")]
#[test]
fn prove_with_device_sim_runs_the_ntts_on_the_card_and_verifies() {
    let (d, [settings, compiled, vk, pk, witness]) = tiny_files("sim");
    let proof = d.join("proof.json");
    let r = zk(&["prove", "--witness", p(&witness), "-M", p(&compiled), "--pk-path", p(&pk), "--proof-path", p(&proof), "--device", "sim", "--json"])
        .expect(0, "prove --device sim");
    let j = r.json();
    assert!(j["device"].as_str().unwrap().contains("SimCard"), "{j}");
    let ntt = &j["accel"]["ntt"];
    assert!(ntt["card_calls"].as_u64().unwrap() >= 10, "{j}");
    assert!(ntt["card_cycles"].as_u64().unwrap() > ntt["card_elements"].as_u64().unwrap(), "{j}");
    assert_eq!(ntt["cpu_calls"], 0, "{j}");
    assert_eq!(j["accel"]["fallback_count"], 0, "{j}");
    // Every MSM on the card but those below --device-msm-min-points (default 32: a commitment's
    // blinding terms), routed to the CPU for that reason alone.
    let msm = &j["accel"]["msm"];
    assert!(msm["card_calls"].as_u64().unwrap() >= 10, "{j}");
    let routed = msm["cpu_reasons"]["an MSM of fewer than 32 points (the CPU's whole MSM costs less than a card call)"].as_u64();
    assert!(msm["cpu_calls"].as_u64() > Some(0) && routed == msm["cpu_calls"].as_u64(), "{j}");
    assert_eq!(j["redone_on_cpu"], Value::Null);
    // The co-design profile: the CPU prover measured for the same proof, the card projected.
    let cd = &j["codesign"];
    assert!(cd["cpu_prove_ms"].as_f64().unwrap() > 0.0, "{j}");
    for kernel in ["msm", "ntt"] {
        let at = &cd["projected_card"][kernel];
        let (slow, fast) = (at["150_mhz_ms"].as_f64().unwrap(), at["350_mhz_ms"].as_f64().unwrap());
        assert!(slow > fast && fast > 0.0, "{kernel}: {j}");
    }
    zk(&["verify", "--proof-path", p(&proof), "--settings-path", p(&settings), "--vk-path", p(&vk)]).expect(0, "verify");
    // Without --json the profile is printed for a person.
    let r = zk(&["prove", "--witness", p(&witness), "-M", p(&compiled), "--pk-path", p(&pk), "--proof-path", p(&proof), "--device", "sim"]).expect(0, "prove");
    assert!(r.stdout.contains("ntt: card ") && r.stdout.contains("co-design: the CPU prover") && r.stdout.contains("at 250 MHz"), "{}", r.stdout);
}

#[cfg(feature = "sim")]
#[test]
fn prove_with_device_sim_dual_runs_the_msms_on_both_units_and_verifies() {
    let (d, [settings, compiled, vk, pk, witness]) = tiny_files("sim-dual");
    let proof = d.join("proof.json");
    // --device-msm-min-points 1: every MSM on the card, the blinding terms' too.
    let prove = |dev: &str| {
        let args = ["prove", "--witness", p(&witness), "-M", p(&compiled), "--pk-path", p(&pk), "--proof-path", p(&proof), "--device", dev];
        let r = zk(&[&args[..], &["--device-msm-min-points", "1", "--json"]].concat()).expect(0, dev);
        zk(&["verify", "--proof-path", p(&proof), "--settings-path", p(&settings), "--vk-path", p(&vk)]).expect(0, "verify");
        r.json()
    };
    let dual = prove("sim:dual");
    let said = dual["device"].as_str().unwrap();
    assert!(said.contains("two-unit card") && said.contains("2 MSM units of 2^16 buckets"), "{said}");
    assert!(said.contains("; every MSM on the card (--device-msm-min-points 1)"), "{said}");
    let a = &dual["accel"];
    assert_eq!(a["fallback_count"], 0, "{dual}");
    for kernel in ["msm", "ntt", "lookup"] {
        assert!(a[kernel]["card_calls"].as_u64().unwrap() >= 2 && a[kernel]["cpu_calls"] == 0, "{kernel}: {dual}");
    }
    // The same proof on the one-unit card: the NTT core and the lookup kernel are the same RTL
    // (identical cycles); the MSMs take fewer cycles with two units.
    let one = prove("sim");
    let cycles = |j: &Value, k: &str| j["accel"][k]["card_cycles"].as_u64().unwrap();
    assert_eq!(cycles(&dual, "ntt"), cycles(&one, "ntt"), "{dual}\n{one}");
    assert_eq!(cycles(&dual, "lookup"), cycles(&one, "lookup"), "{dual}\n{one}");
    assert!(cycles(&dual, "msm") < cycles(&one, "msm"), "{dual}\n{one}");
}

#[cfg(feature = "sim")]
#[test]
fn prove_with_device_sim_triple_runs_the_msms_on_three_xyzz_units_and_verifies() {
    let (d, [settings, compiled, vk, pk, witness]) = tiny_files("sim-triple");
    let proof = d.join("proof.json");
    // --device-msm-min-points 1: every MSM on the card, the blinding terms' too.
    let args = ["prove", "--witness", p(&witness), "-M", p(&compiled), "--pk-path", p(&pk), "--proof-path", p(&proof), "--device", "sim:triple"];
    let r = zk(&[&args[..], &["--device-msm-min-points", "1", "--json"]].concat()).expect(0, "sim:triple");
    zk(&["verify", "--proof-path", p(&proof), "--settings-path", p(&settings), "--vk-path", p(&vk)]).expect(0, "verify");
    let j = r.json();
    let said = j["device"].as_str().unwrap();
    assert!(said.contains("three-unit card") && said.contains("3 MSM units of 2^16 buckets") && said.contains("XYZZ"), "{said}");
    let a = &j["accel"];
    assert_eq!(a["fallback_count"], 0, "{j}");
    for kernel in ["msm", "ntt", "lookup"] {
        assert!(a[kernel]["card_calls"].as_u64().unwrap() >= 2 && a[kernel]["cpu_calls"] == 0, "{kernel}: {j}");
    }
}
