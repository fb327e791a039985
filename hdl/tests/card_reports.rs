//! The committed whole-card resource reports (bitstreams/reports/card/, `python3 bitstreams/synth.py
//! card`) describe the card RTL as it is now, and add up: total = card top and MSM scheduler (synthesized
//! with the NTT core left out) + the NTT core + the G1 adder, where the NTT core and the adder are the
//! committed block reports of the same Verilog.

use std::path::PathBuf;

use serde_json::Value;
use sha2::{Digest, Sha256};
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::card_builds::{card_verilog, ntt_core_verilog, CardTop};

fn load(p: &PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

#[test]
fn card_reports_match_the_rtl_and_add_up() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams/reports");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("card"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no whole-card report");
    let adder = load(&root.join("xcup/g1_add_mixed_fq.json"));
    // The card builds' lookup unit is the synthesized block lookup_unit_k10 (CardConfig::SIM's sizes),
    // whose committed report hdl/tests/synth_reports.rs checks against the RTL.
    let lookup = load(&root.join("xcup/lookup_unit_k10_fr.json"));
    for p in &paths {
        let name = p.display();
        let r = load(p);
        let cfg = CardConfig {
            ntt_k: r["card_config"]["ntt_k"].as_u64().unwrap() as usize,
            msm_log_depth: r["card_config"]["msm_log_depth"].as_u64().unwrap() as usize,
            ..CardConfig::SIM
        };
        let regen = format!("rerun `python3 bitstreams/synth.py card {} {} && python3 bitstreams/synth.py fit`", cfg.ntt_k, cfg.msm_log_depth);
        let sha = |v: String| hex::encode(Sha256::digest(v.as_bytes()));
        assert_eq!(r["verilog_sha256"].as_str().unwrap(), sha(card_verilog(CardTop::Full, &cfg).unwrap()), "{name} is stale: {regen}");
        assert_eq!(r["card_core_verilog_sha256"].as_str().unwrap(), sha(card_verilog(CardTop::Core, &cfg).unwrap()), "{name} is stale: {regen}");
        assert_eq!(r["ntt_core_verilog_sha256"].as_str().unwrap(), sha(ntt_core_verilog(cfg.ntt_k).unwrap()), "{name} is stale: {regen}");
        // The adder part is the committed adder report, and it is current (hdl/tests/synth_reports.rs
        // checks that report against the RTL).
        assert_eq!(r["g1_adder_verilog_sha256"], adder["verilog_sha256"], "{name}: G1 adder report changed: {regen}");
        assert_eq!(r["lookup_unit_verilog_sha256"], lookup["verilog_sha256"], "{name}: lookup unit report changed: {regen}");
        let k = &r["kernels"];
        for key in ["lut", "ff", "dsp", "carry", "lutram", "srl", "bram"] {
            assert_eq!(k["msm_g1_adder"][key], adder["resources"][key], "{name}: msm_g1_adder.{key}");
            assert_eq!(k["lookup_unit"][key], lookup["resources"][key], "{name}: lookup_unit.{key}");
            let sum: u64 = ["card_top_and_msm_scheduler", "ntt_core", "msm_g1_adder", "lookup_unit"].iter().map(|part| k[part][key].as_u64().unwrap()).sum();
            assert_eq!(r["resources"][key].as_u64(), Some(sum), "{name}: resources.{key} is not the sum of the parts");
        }
        if r["ntt_core_source"] != "synthesized here" {
            let ntt = load(&root.join(r["ntt_core_source"].as_str().unwrap()));
            assert_eq!(k["ntt_core"], ntt["resources"], "{name}: ntt_core differs from {}", r["ntt_core_source"]);
        }
        assert_eq!((cfg.lookup_log_table, cfg.lookup_log_batch), (10, 10), "{name}: the lookup unit is lookup_unit_k10");
        // Multipliers are the only DSP users: 320 for the NTT's Fr multiplier, 11 x 336 for the adder,
        // 320 for the lookup unit's Fr multiplier.
        assert_eq!(k["card_top_and_msm_scheduler"]["dsp"].as_u64(), Some(0), "{name}");
        assert_eq!(r["resources"]["dsp"].as_u64(), Some(320 + 11 * 336 + 320), "{name}: DSPs");
        assert!(r["clock_source"].as_str().unwrap().starts_with("none"), "{name}: Yosys measures no UltraScale+ clock");
    }
}

/// The committed ECP5 card report (bitstreams/reports/ecp5-card/, `python3 bitstreams/synth.py
/// ecp5-card`): of today's small-card RTL, within the 85F's 156 multipliers — the NTT core's
/// digit-serial multiplier alone (the MSM and lookup blocks are masked off and must be gone), placed
/// and routed with a measured clock, and packed to a bitstream.
#[test]
fn ecp5_card_report_matches_the_rtl() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams/reports/ecp5-card");
    let paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(paths.len(), 1, "one ECP5 card build");
    let r = load(&paths[0]);
    let name = paths[0].display();
    let regen = "rerun `python3 bitstreams/synth.py ecp5-card` (place and route: minutes)";
    assert_eq!(r["block"], "card_small", "{name}");
    let ntt_k = r["card_config"]["ntt_k"].as_u64().unwrap() as usize;
    let cfg = CardConfig { ntt_k, ..CardConfig::SIM };
    let v = card_verilog(CardTop::Small, &cfg).unwrap();
    assert_eq!(r["verilog_sha256"].as_str().unwrap(), hex::encode(Sha256::digest(v.as_bytes())), "{name} is stale: {regen}");
    assert_eq!(r["card_config"]["kernels_mask"].as_u64(), Some(CardConfig::small(ntt_k).kernels as u64), "{name}");
    let dsp = r["resources"]["dsp"].as_u64().unwrap();
    assert_eq!(dsp, zkaccel_hdl::montmul_iterative::config::DSP_LEAVES as u64, "{name}: only the NTT's multiplier uses MULT18X18D");
    assert!(dsp <= 156, "{name}: the 85F has 156 MULT18X18D");
    assert_eq!(r["placed_utilisation"]["MULT18X18D"][0].as_u64(), Some(dsp), "{name}: placed multipliers");
    let fmax = r["fmax_mhz"].as_f64().unwrap();
    assert!(fmax > 1.0 && fmax < 500.0, "{name}: fmax {fmax}");
    assert!(r["clock_source"].as_str().unwrap().starts_with("measured"), "{name}");
    assert!(r["bitstream_bytes"].as_u64().unwrap() > 100_000, "{name}: a real 85F bitstream is about 2 MB");
    assert_eq!(r["bitstream_sha256"].as_str().unwrap().len(), 64, "{name}");
}
