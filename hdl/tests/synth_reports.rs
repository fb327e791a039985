//! The committed synthesis reports (bitstreams/reports/, written by bitstreams/synth.py) parse,
//! describe the RTL as it is now (same Verilog hash), and agree with the resource claims the
//! blocks' configs make (DSP counts). The synthesis flow itself is not part of the test run.

use num_bigint::BigUint;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use zkaccel_hdl::blocks::verilog_of;
use zkaccel_hdl::field::Bn254Field;

fn reports() -> Vec<(PathBuf, Value)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams/reports");
    let mut out = Vec::new();
    for target in ["xcup", "ecp5"] {
        let dir = root.join(target);
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((path, v));
        }
    }
    out
}

fn count(v: &Value, key: &str) -> u64 {
    v["resources"][key].as_u64().unwrap_or_else(|| panic!("resources.{key} missing in {v}"))
}

/// DSPs of one pipelined multiplier for `p`: every row limb product is a DSP, except the products
/// of `m_i` with a limb of `p` that is 0 or a power of two, which synthesis turns into wires
/// (for BN254 Fr, bits 0..25 of r are 1: one such limb per digit stage at WL = 26).
fn pipelined_dsps(wl: usize, p: &BigUint) -> u64 {
    use zkaccel_hdl::montmul_pipelined::config::{dsp_leaves, DIGITS};
    let mask = (BigUint::from(1u32) << wl) - 1u32;
    let trivial = (0..zkaccel_hdl::row_mul::limbs(wl))
        .filter(|j| {
            let limb = (p >> (wl * j)) & &mask;
            limb.count_ones() <= 1
        })
        .count();
    (dsp_leaves(wl) - DIGITS * trivial) as u64
}

fn expected_dsps(block: &str, field: Bn254Field) -> Option<u64> {
    let p = field.modulus();
    match block {
        "mod_add" | "mod_sub" => Some(0),
        "montmul_iterative" => Some(zkaccel_hdl::montmul_iterative::config::DSP_LEAVES as u64),
        "montmul_pipelined_xcup" => Some(pipelined_dsps(26, &p)),
        "montmul_pipelined_ecp5" => Some(pipelined_dsps(18, &p)),
        // One pipelined multiplier over Fr (the butterfly's) and nothing else multiplies.
        "ntt_core_k10" => Some(pipelined_dsps(26, &Bn254Field::Fr.modulus())),
        // One pipelined multiplier over Fr (the batch inverter's); the counter multiplies nothing.
        "lookup_unit_k10" => Some(pipelined_dsps(26, &Bn254Field::Fr.modulus())),
        // Eleven pipelined multipliers over Fq; adders and delay lines use none.
        "g1_add_mixed" => Some(
            zkaccel_hdl::g1_add_mixed::config::MULTIPLIERS as u64 * pipelined_dsps(26, &Bn254Field::Fq.modulus()),
        ),
        // Ten pipelined multipliers over Fq; adders, selects and delay lines use none.
        "g1_add_xyzz" => Some(
            zkaccel_hdl::g1_add_xyzz::config::MULTIPLIERS as u64 * pipelined_dsps(26, &Bn254Field::Fq.modulus()),
        ),
        _ => None,
    }
}

/// A hierarchical report (bitstreams/synth.py HIERARCHICAL) adds `instances` × the submodule's
/// committed report to the glue's counts; check the sum and that the submodule report is the one
/// committed now.
fn check_hierarchical(name: &str, v: &Value, all: &[(PathBuf, Value)]) {
    let sub = &v["submodule"];
    let instances = sub["instances"].as_u64().unwrap_or_else(|| panic!("{name}: submodule.instances"));
    let sub_report = sub["report"].as_str().unwrap();
    let (_, committed) = all
        .iter()
        .find(|(p, _)| p.ends_with(sub_report))
        .unwrap_or_else(|| panic!("{name}: submodule report {sub_report} not committed"));
    assert_eq!(sub["resources"], committed["resources"], "{name}: submodule counts differ from {sub_report}");
    assert_eq!(sub["verilog_sha256"], committed["verilog_sha256"], "{name}: submodule Verilog differs from {sub_report}");
    let glue = &v["glue_resources"];
    for key in ["lut", "ff", "dsp", "carry", "lutram", "srl", "bram"] {
        let want = glue[key].as_u64().unwrap() + instances * sub["resources"][key].as_u64().unwrap();
        assert_eq!(count(v, key), want, "{name}: resources.{key} != glue + {instances} x submodule");
    }
    let multipliers = match v["block"].as_str() {
        Some("g1_add_mixed") => Some(zkaccel_hdl::g1_add_mixed::config::MULTIPLIERS),
        Some("g1_add_xyzz") => Some(zkaccel_hdl::g1_add_xyzz::config::MULTIPLIERS),
        _ => None,
    };
    if let Some(m) = multipliers {
        assert_eq!(instances, m as u64, "{name}: multiplier instances");
        assert_eq!(glue["dsp"].as_u64(), Some(0), "{name}: the glue has no multipliers");
    }
}

#[test]
fn committed_reports_parse_and_match_the_rtl() {
    let all = reports();
    assert!(all.len() >= 4, "expected xcup and ecp5 reports, found {}", all.len());
    let mut seen_xcup = false;
    let mut seen_ecp5_fmax = false;
    for (path, v) in &all {
        let name = path.display();
        let block = v["block"].as_str().unwrap_or_else(|| panic!("{name}: no block"));
        let field = match v["field"].as_str() {
            Some("fr") => Bn254Field::Fr,
            Some("fq") => Bn254Field::Fq,
            other => panic!("{name}: bad field {other:?}"),
        };
        // The report describes the Verilog the RTL generates today.
        let verilog = verilog_of(block, field).unwrap_or_else(|| panic!("{name}: unknown block {block}"));
        let sha = v["verilog_sha256"].as_str().unwrap();
        let now = hex::encode(Sha256::digest(verilog.as_bytes()));
        assert_eq!(sha, now, "{name} is stale: rerun `python3 bitstreams/synth.py all`");
        if let Some(dsp) = expected_dsps(block, field) {
            assert_eq!(count(v, "dsp"), dsp, "{name}: DSP count differs from the block's config");
        }
        assert!(count(v, "ff") > 0, "{name}: no flip-flops?");
        if v.get("submodule").is_some() {
            check_hierarchical(&name.to_string(), v, &all);
        }
        match v["target"].as_str() {
            Some("xcup") => {
                seen_xcup = true;
                assert!(count(v, "lut") > 0);
                assert!(v["clock_source"].as_str().unwrap().starts_with("none"), "{name}: xcup has no measured clock");
            }
            Some("ecp5") => {
                if v["fits"].as_bool() == Some(true) {
                    let fmax = v["fmax_mhz"].as_f64().unwrap_or_else(|| panic!("{name}: placed but no Fmax"));
                    assert!(fmax > 1.0 && fmax < 1000.0, "{name}: implausible Fmax {fmax}");
                    assert!(v["clock_source"].as_str().unwrap().starts_with("measured"));
                    assert_eq!(v["bitstream_sha256"].as_str().unwrap().len(), 64);
                    assert!(count(v, "dsp") <= 156, "{name}: placed with more DSPs than the device has");
                    seen_ecp5_fmax = true;
                } else {
                    assert!(count(v, "dsp") > 156, "{name}: marked as not fitting but within 156 DSPs");
                }
            }
            other => panic!("{name}: unknown target {other:?}"),
        }
    }
    assert!(seen_xcup && seen_ecp5_fmax, "need at least one xcup report and one placed ECP5 report");
}
