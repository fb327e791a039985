//! The committed whole-card resource reports (bitstreams/reports/card/, `python3 bitstreams/synth.py
//! card-all`) describe the card RTL as it is now, and add up: total = card top and MSM scheduler (synthesized
//! with the NTT core left out) + the NTT core + the G1 adder + the lookup unit, where the adder and the lookup
//! unit are the committed block reports of the same Verilog. Reports with `"memories": "counted"` left the
//! large memories out of the Yosys run and counted them by synth.py's `memory_rule`: the list of counted
//! memories is the RTL's, and each count is the rule's, recomputed here.

use std::path::PathBuf;

use serde_json::Value;
use sha2::{Digest, Sha256};
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::card_builds::{card_verilog, ntt_core_verilog, CardTop};

fn load(p: &PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

const REGEN: &str = "rerun `python3 bitstreams/synth.py card-all`";

/// Memories of at least one RAMB18 (18 Kb) made by hdl/src/memory's `Ram` (zero-initialised, one
/// registered read port) or `Rom` (contents, registered read): `(module, kind, width, depth)`.
fn rtl_memories(verilog: &str) -> Vec<(String, &'static str, u64, u64)> {
    let mut out = Vec::new();
    for m in verilog.split("\nmodule ").skip(1) {
        let name = &m[..m.find('(').unwrap()];
        let body = &m[..m.find("endmodule").unwrap()];
        let Some(at) = body.find("reg [").filter(|&i| body[i..].contains("] mem [0:")) else { continue };
        let decl = &body[at + 5..];
        let (hi, rest) = decl.split_once(":0] mem [0:").unwrap_or(("", ""));
        let Some((last, _)) = rest.split_once("];") else { continue };
        let (Ok(hi), Ok(last)) = (hi.parse::<u64>(), last.parse::<u64>()) else { continue };
        let kind = if body.contains("mem[i] = 0;") && body.contains("rdata <= mem[raddr[") {
            "ram"
        } else if body.contains("data <= mem[addr]; else data <= 0;") {
            "rom"
        } else {
            continue; // FIFOs: asynchronous read, left to Yosys
        };
        if (hi + 1) * (last + 1) >= 18 * 1024 {
            out.push((name.to_string(), kind, hi + 1, last + 1));
        }
    }
    out.sort();
    out
}

/// synth.py's memory_rule, independently: (halves of a BRAM36, URAM288 blocks).
fn rule(kind: &str, width: u64, depth: u64) -> (u64, u64) {
    let c = |a: u64, b: u64| a.div_ceil(b);
    if kind == "ram" && depth >= 4096 && width >= 72 {
        return (0, c(width, 72) * c(depth, 4096));
    }
    let ramb18 = [(16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36)].map(|(d, w)| c(width, w) * c(depth, d));
    let ramb36 = [(32768, 1), (16384, 2), (8192, 4), (4096, 9), (2048, 18), (1024, 36), (512, 72)].map(|(d, w)| 2 * c(width, w) * c(depth, d));
    (ramb18.into_iter().chain(ramb36).min().unwrap(), 0)
}

#[test]
fn memory_rule_on_known_shapes() {
    // Yosys 0.23 mapped these itself (NTT 2^10 / buckets 2^10): buckets 768 x 1024 -> 43 RAMB18E2, an NTT bank
    // 256 x 512 -> 4 RAMB36E2, the twiddle ROM 256 x 4096 -> 29 RAMB36E2.
    assert_eq!(rule("ram", 768, 1024), (43, 0));
    assert_eq!(rule("ram", 256, 512), (8, 0));
    assert_eq!(rule("rom", 256, 4096), (58, 0));
    // UltraRAM: 11 x 72 bits wide, 16 x 4K deep; never for contents.
    assert_eq!(rule("ram", 768, 65536), (0, 176));
    assert_eq!(rule("ram", 1, 65536), (4, 0));
}

#[test]
fn card_reports_match_the_rtl_and_add_up() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams/reports");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("card"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.file_name().unwrap() != "fit.json")
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no whole-card report");
    let adder = load(&root.join("xcup/g1_add_mixed_fq.json"));
    // The card builds' lookup unit is the synthesized block lookup_unit_k10 (CardConfig::SIM's sizes),
    // whose committed report hdl/tests/synth_reports.rs checks against the RTL.
    let lookup = load(&root.join("xcup/lookup_unit_k10_fr.json"));
    let mut variants = Vec::new();
    for p in &paths {
        let name = p.display();
        let r = load(p);
        let cfg = CardConfig {
            ntt_k: r["card_config"]["ntt_k"].as_u64().unwrap() as usize,
            msm_log_depth: r["card_config"]["msm_log_depth"].as_u64().unwrap() as usize,
            ..CardConfig::SIM
        };
        let counted = match r["memories"].as_str() {
            Some("yosys") => false,
            Some("counted") => true,
            other => panic!("{name}: memories {other:?}"),
        };
        let suffix = if counted { "_memcounted" } else { "" };
        assert_eq!(p.file_name().unwrap().to_string_lossy(), format!("card_full_k{}_d{}{suffix}.json", cfg.ntt_k, cfg.msm_log_depth), "{name}");
        variants.push((cfg.ntt_k, cfg.msm_log_depth, counted));
        let sha = |v: &str| hex::encode(Sha256::digest(v.as_bytes()));
        let core_v = card_verilog(CardTop::Core, &cfg).unwrap();
        let ntt_v = ntt_core_verilog(cfg.ntt_k).unwrap();
        assert_eq!(r["verilog_sha256"].as_str().unwrap(), sha(&card_verilog(CardTop::Full, &cfg).unwrap()), "{name} is stale: {REGEN}");
        assert_eq!(r["card_core_verilog_sha256"].as_str().unwrap(), sha(&core_v), "{name} is stale: {REGEN}");
        assert_eq!(r["ntt_core_verilog_sha256"].as_str().unwrap(), sha(&ntt_v), "{name} is stale: {REGEN}");
        // The adder part is the committed adder report, and it is current (hdl/tests/synth_reports.rs
        // checks that report against the RTL).
        assert_eq!(r["g1_adder_verilog_sha256"], adder["verilog_sha256"], "{name}: G1 adder report changed: {REGEN}");
        assert_eq!(r["lookup_unit_verilog_sha256"], lookup["verilog_sha256"], "{name}: lookup unit report changed: {REGEN}");
        let k = &r["kernels"];
        let parts = ["card_top_and_msm_scheduler", "ntt_core", "msm_g1_adder", "lookup_unit"];
        for key in ["lut", "ff", "dsp", "carry", "lutram", "srl", "bram"] {
            assert_eq!(k["msm_g1_adder"][key], adder["resources"][key], "{name}: msm_g1_adder.{key}");
            assert_eq!(k["lookup_unit"][key], lookup["resources"][key], "{name}: lookup_unit.{key}");
            let sum: u64 = parts.iter().map(|part| k[part][key].as_u64().unwrap()).sum();
            assert_eq!(r["resources"][key].as_u64(), Some(sum), "{name}: resources.{key} is not the sum of the parts");
        }
        for key in ["ramb18_equiv", "bram36", "uram"] {
            let sum: u64 = parts.iter().map(|part| k[part][key].as_u64().unwrap()).sum();
            assert_eq!(r[key].as_u64(), Some(sum), "{name}: {key} is not the sum of the parts");
        }
        // The memories counted by rule are exactly the RTL's large memories of the two synthesized parts
        // (the lookup unit's are in its block report), each counted as the rule says.
        let listed: Vec<(String, String, u64, u64, u64, u64)> = r["counted_memories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let s = |f: &str| m[f].as_str().unwrap().to_string();
                let n = |f: &str| m[f].as_u64().unwrap();
                (s("kernel"), format!("{}:{}", s("module"), s("kind")), n("width"), n("depth"), n("ramb18_equiv"), n("uram"))
            })
            .collect();
        let mut want = Vec::new();
        if counted {
            for (kernel, v) in [("card_top_and_msm_scheduler", &core_v), ("ntt_core", &ntt_v)] {
                for (m, kind, w, d) in rtl_memories(v) {
                    if kernel == "card_top_and_msm_scheduler" && (m.starts_with("top$ntt$") || m.starts_with("top$lookup$")) {
                        continue;
                    }
                    let (halves, uram) = rule(kind, w, d);
                    want.push((kernel.to_string(), format!("{m}:{kind}"), w, d, halves, uram));
                }
            }
            assert!(want.iter().any(|m| m.1 == "top$sched$buckets:ram"), "{name}: the bucket RAM is counted");
        }
        let mut listed_sorted = listed.clone();
        listed_sorted.sort();
        want.sort();
        assert_eq!(listed_sorted, want, "{name}: counted memories differ from the RTL's or from the rule");
        // Per kernel: BRAM36 = halves / 2 rounded up, halves = Yosys's RAMB18E2 + 2 RAMB36E2 (its `bram`
        // cells, each one or two halves) + the counted memories'; UltraRAM only from the rule.
        for part in parts {
            let halves = k[part]["ramb18_equiv"].as_u64().unwrap();
            assert_eq!(k[part]["bram36"].as_u64(), Some(halves.div_ceil(2)), "{name}: {part}.bram36");
            let counted_halves: u64 = listed.iter().filter(|m| m.0 == part).map(|m| m.4).sum();
            let counted_uram: u64 = listed.iter().filter(|m| m.0 == part).map(|m| m.5).sum();
            let yosys = halves - counted_halves;
            let cells = k[part]["bram"].as_u64().unwrap();
            assert!(cells <= yosys && yosys <= 2 * cells, "{name}: {part}: {yosys} halves from {cells} RAMB cells");
            assert_eq!(k[part]["uram"].as_u64(), Some(counted_uram), "{name}: {part}.uram");
        }
        if counted {
            // The NTT core = its glue (memories counted, multiplier a blackbox) + the multiplier, which is the
            // committed flat ntt_core_k10 report minus the k10 glue with Yosys's own memories; that report is of
            // today's k10 core (whose multiplier synth.py checked is this size's).
            assert_eq!(r["ntt_core_source"], "glue synthesized here + ntt_multiplier", "{name}");
            let mul = &r["ntt_multiplier"];
            let flat = load(&root.join(mul["from"].as_str().unwrap()));
            assert_eq!(mul["from"], "xcup/ntt_core_k10_fr.json", "{name}");
            assert_eq!(flat["verilog_sha256"].as_str().unwrap(), sha(&ntt_core_verilog(10).unwrap()), "{name}: {} is stale", mul["from"]);
            assert_eq!(mul["flat_verilog_sha256"], flat["verilog_sha256"], "{name}: {REGEN}");
            for key in ["lut", "ff", "dsp", "carry", "lutram", "srl", "bram"] {
                let (m, g) = (mul["resources"][key].as_u64().unwrap(), mul["glue_resources"][key].as_u64().unwrap());
                assert_eq!(Some(m + g), flat["resources"][key].as_u64(), "{name}: ntt_multiplier.{key} + glue is not the flat k10 core's");
            }
            assert_eq!(mul["resources"]["dsp"].as_u64(), Some(320), "{name}: the multiplier has the NTT's DSPs");
            assert_eq!(mul["resources"]["bram"].as_u64(), Some(0), "{name}: the multiplier has no block RAM");
        } else if r["ntt_core_source"] != "synthesized here" {
            let ntt = load(&root.join(r["ntt_core_source"].as_str().unwrap()));
            for key in ["lut", "ff", "dsp", "carry", "lutram", "srl", "bram"] {
                assert_eq!(k["ntt_core"][key], ntt["resources"][key], "{name}: ntt_core.{key} differs from {}", r["ntt_core_source"]);
            }
        }
        assert_eq!((cfg.lookup_log_table, cfg.lookup_log_batch), (10, 10), "{name}: the lookup unit is lookup_unit_k10");
        // Multipliers are the only DSP users: 320 for the NTT's Fr multiplier, 12 x 336 for the adder
        // (RCB Algorithm 7), 320 for the lookup unit's Fr multiplier.
        assert_eq!(k["card_top_and_msm_scheduler"]["dsp"].as_u64(), Some(0), "{name}");
        let adder_dsps = zkaccel_hdl::g1_add_mixed::config::MULTIPLIERS as u64 * 336;
        assert_eq!(r["resources"]["dsp"].as_u64(), Some(320 + adder_dsps + 320), "{name}: DSPs");
        assert!(r["clock_source"].as_str().unwrap().starts_with("none"), "{name}: Yosys measures no UltraScale+ clock");
    }
    // The rule is checked against Yosys on one variant, run both ways; the shipped size is counted.
    for v in [(10, 10, false), (10, 10, true), (12, 16, true)] {
        assert!(variants.contains(&v), "no whole-card report for {v:?}: {REGEN}");
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
