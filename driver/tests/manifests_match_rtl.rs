//! The committed bitstream manifests (bitstreams/manifests/, written by
//! `python3 bitstreams/synth.py manifests`) are valid for the loader, describe the card RTL as it
//! is now (same Verilog hash, same register-map version, kernels and sizes as the RTL's constants),
//! list their committed sources with the right sizes and hashes, and are exactly what the
//! loader's model of them writes back. When the RTL changes, the one fix is to rerun that command.
//! The ECP5 card's manifest is `built` (`python3 bitstreams/synth.py ecp5-card`): its clock is the
//! measured one of the committed ECP5 card report, its bitstream (not committed) has that report's
//! hash, and `device load --dry-run` of it gives the openFPGALoader command.

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use zkaccel_driver::load::manifest::{ArtefactKind, BuildStatus, ClockSource, LoadFlow, Manifest};
use zkaccel_driver::load::flows::JTAG_DONE_MARKER;
use zkaccel_driver::load::sha::check_artefact;
use zkaccel_driver::load::{load, HashCheck, LoadOptions};
use zkaccel_hdl::card::config::{CardConfig, KERNELS};
use zkaccel_hdl::card_builds::{card_verilog, CardTop};
use zkaccel_interface::regs::{CARD_ID, REGMAP_VERSION};

const REGENERATE: &str = "rerun `python3 bitstreams/synth.py manifests`";

fn manifests() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams/manifests");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn committed_manifests_match_the_rtl() {
    let paths = manifests();
    let names: Vec<String> = paths.iter().map(|p| p.file_stem().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["alveo-u250", "alveo-u55c", "aws-f2", "ecp5-85f"], "the shipped builds");
    for path in paths.iter().filter(|p| !p.ends_with("ecp5-85f.json")) {
        let file = path.display().to_string();
        let m = Manifest::load(path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{}.json", m.name), path.file_name().unwrap().to_string_lossy(), "{file}: name");
        // The RTL the build is made of, as the RTL generates it today.
        let top = CardTop::from_name(&m.rtl.top).unwrap_or_else(|| panic!("{file}: rtl.top {}", m.rtl.top));
        let cfg = CardConfig { ntt_k: m.rtl.ntt_k as usize, msm_log_depth: m.rtl.msm_log_depth as usize, ..CardConfig::SIM };
        let v = card_verilog(top, &cfg).unwrap_or_else(|| panic!("{file}: card config {cfg:?} out of range"));
        let sha = hex::encode(Sha256::digest(v.as_bytes()));
        assert_eq!(m.rtl.verilog_sha256, sha, "{file}: rtl.verilog_sha256 is stale: {REGENERATE}");
        assert_eq!(m.card.id, CARD_ID, "{file}: card.id");
        assert_eq!(m.card.regmap_version, REGMAP_VERSION, "{file}: card.regmap_version is stale: {REGENERATE}");
        assert_eq!(m.card.kernels_mask, KERNELS, "{file}: card.kernels_mask is stale: {REGENERATE}");
        let ntt = m.kernels.ntt.as_ref().unwrap_or_else(|| panic!("{file}: the card has an NTT kernel"));
        assert_eq!(ntt.max_log_n as usize, cfg.ntt_k, "{file}: kernels.ntt.max_log_n");
        let msm = m.kernels.msm.as_ref().unwrap_or_else(|| panic!("{file}: the card has an MSM kernel"));
        assert_eq!(msm.bucket_log_depth as usize, cfg.msm_log_depth, "{file}: kernels.msm.bucket_log_depth");
        assert_eq!(msm.c_max as usize, cfg.max_c(), "{file}: kernels.msm.c_max");
        assert_eq!(msm.c_min as usize, zkaccel_hdl::msm_bucket::config::MIN_C, "{file}: kernels.msm.c_min");
        let lookup = m.kernels.lookup.as_ref().unwrap_or_else(|| panic!("{file}: the card has a lookup kernel"));
        assert_eq!(lookup.table_log_size as usize, cfg.lookup_log_table, "{file}: kernels.lookup.table_log_size");
        // Vendor builds here are generated, not run: no bitstream hash, an assumed clock.
        assert_eq!(m.status, BuildStatus::GeneratedNotRun, "{file}: status");
        assert_eq!(m.kernel_clock.source, ClockSource::Assumed, "{file}: kernel_clock.source");
        assert!(m.bitstream().sha256.is_none() && m.bitstream().agfi_id.is_none(), "{file}: not built");
        match m.target.flow {
            LoadFlow::AwsF2 => assert_eq!(m.target.part, "xcvu47p-fsvh2892-2-e", "{file}: target.part"),
            LoadFlow::AlveoJtag => assert!(m.target.part.starts_with("xcu"), "{file}: target.part"),
            other => panic!("{file}: unexpected flow {other:?}"),
        }
        // The generated JTAG script prints the line the loader waits for.
        if m.target.flow == LoadFlow::AlveoJtag {
            let tcl = m.artefacts.iter().find(|a| a.name == "program_jtag.tcl").unwrap_or_else(|| panic!("{file}: program_jtag.tcl"));
            let text = std::fs::read_to_string(path.parent().unwrap().join(tcl.path.as_ref().unwrap())).unwrap();
            assert!(text.contains(&format!("puts \"{JTAG_DONE_MARKER}\"")), "{file}: program_jtag.tcl never prints {JTAG_DONE_MARKER}");
        }
        // Every committed source is there, byte for byte.
        for (i, a) in m.artefacts.iter().enumerate().filter(|(_, a)| a.kind == ArtefactKind::Source) {
            let p = path.parent().unwrap().join(a.path.as_ref().unwrap());
            check_artefact(&p, a, i).unwrap_or_else(|e| panic!("{e}: {REGENERATE}"));
        }
        // The loader's model holds every field: writing it back gives the committed text.
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(m.to_json(), text, "{file}: the manifest has fields or formatting the loader's model does not write");
    }
}

#[test]
fn ecp5_manifest_is_built_and_matches_its_report_and_the_rtl() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams");
    let path = dir.join("manifests/ecp5-85f.json");
    let file = path.display().to_string();
    let regen = "rerun `python3 bitstreams/synth.py ecp5-card` (place and route: minutes)";
    let m = Manifest::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.target.flow, LoadFlow::Ecp5, "{file}");
    assert_eq!(m.status, BuildStatus::Built, "{file}");
    assert_eq!(m.rtl.top, "card_small", "{file}");
    let cfg = CardConfig::small(m.rtl.ntt_k as usize);
    let v = card_verilog(CardTop::Small, &cfg).unwrap_or_else(|| panic!("{file}: rtl.ntt_k {}", m.rtl.ntt_k));
    assert_eq!(m.rtl.verilog_sha256, hex::encode(Sha256::digest(v.as_bytes())), "{file}: rtl.verilog_sha256 is stale: {regen}");
    assert_eq!(m.card.regmap_version, REGMAP_VERSION, "{file}: card.regmap_version is stale: {regen}");
    assert_eq!(m.card.kernels_mask, cfg.kernels, "{file}: card.kernels_mask");
    assert_eq!(m.kernels.ntt.as_ref().map(|n| n.max_log_n as usize), Some(cfg.ntt_k), "{file}: kernels.ntt");
    assert!(m.kernels.msm.is_none() && m.kernels.lookup.is_none(), "{file}: the ECP5 card has the NTT kernel alone");
    // The clock and the bitstream are the committed report's (hdl/tests/card_reports.rs checks
    // that report against the RTL).
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("reports/ecp5-card/card_small_k{}.json", cfg.ntt_k))).unwrap()).unwrap();
    assert_eq!(report["verilog_sha256"].as_str(), Some(m.rtl.verilog_sha256.as_str()), "{file}: report and manifest differ: {regen}");
    assert_eq!(m.kernel_clock.source, ClockSource::Measured, "{file}");
    assert_eq!(Some(m.kernel_clock.mhz), report["fmax_mhz"].as_f64(), "{file}: kernel_clock.mhz is not the report's Fmax");
    let bit = m.bitstream();
    assert!(!bit.committed, "{file}: the bitstream is not committed");
    assert_eq!(bit.sha256.as_deref(), report["bitstream_sha256"].as_str(), "{file}: bitstream hash");
    assert_eq!(bit.size, report["bitstream_bytes"].as_u64(), "{file}: bitstream size");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(m.to_json(), text, "{file}: the manifest has fields or formatting the loader's model does not write");
    // The loader's commands for it: openFPGALoader on the board, the bitstream where synth.py left it.
    let dry = LoadOptions { dry_run: true, ..LoadOptions::default() };
    let mut no_card = |bdf: &str| -> Result<Box<dyn zkaccel_driver::Device>, zkaccel_driver::DeviceError> { panic!("opened {bdf}") };
    let r = load(&path, &dry, &mut no_card).unwrap_or_else(|e| panic!("{file}: dry run: {e}"));
    let want = path.parent().unwrap().join(bit.path.as_ref().unwrap()).display().to_string();
    assert_eq!(r.commands, [format!("openFPGALoader -b {} {want}", m.target.programmer.as_deref().unwrap())], "{file}");
    assert_eq!(r.hash, HashCheck::Unchecked, "{file}");
    // A real load checks the bitstream first: absent from an empty artefact directory, refused by name.
    let empty = std::env::temp_dir().join(format!("zkaccel-ecp5-manifest-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let real = LoadOptions { artefact_dir: Some(empty.clone()), tool_path: Some(empty.clone().into_os_string()), ..LoadOptions::default() };
    let err = load(&path, &real, &mut no_card).expect_err("no bitstream there").to_string();
    assert!(err.contains(&bit.name), "{file}: {err}");
    std::fs::remove_dir_all(&empty).unwrap();
}

/// Each cloud build's card variant has a whole-card resource report of the same Verilog, and the fit
/// table (bitstreams/reports/card/fit.json, written with fit.md by `python3 bitstreams/synth.py card-all`)
/// gives that report's totals for the build's part and says they fit. (hdl/tests/card_reports.rs checks
/// the reports against the RTL and that their parts add up.)
#[test]
fn cloud_manifests_have_a_resource_report_that_fits_their_part() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams/reports/card");
    let regen = "rerun `python3 bitstreams/synth.py card-all`";
    let read = |p: PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
    };
    let fit = read(dir.join("fit.json"));
    let mut seen = 0;
    for path in manifests().iter().filter(|p| !p.ends_with("ecp5-85f.json")) {
        let file = path.display().to_string();
        let m = Manifest::load(path).unwrap_or_else(|e| panic!("{e}"));
        let b = fit["builds"].as_array().unwrap().iter().find(|b| b["manifest"] == m.name.as_str())
            .unwrap_or_else(|| panic!("{file}: no fit row for build {}: {regen}", m.name));
        let report_name = b["report"].as_str().unwrap();
        let r = read(dir.join(report_name));
        assert_eq!(r["card_config"]["ntt_k"].as_u64(), Some(m.rtl.ntt_k as u64), "{file}: {report_name}: ntt_k");
        assert_eq!(r["card_config"]["msm_log_depth"].as_u64(), Some(m.rtl.msm_log_depth as u64), "{file}: {report_name}: msm_log_depth");
        assert_eq!(r["verilog_sha256"].as_str(), Some(m.rtl.verilog_sha256.as_str()), "{file}: {report_name} is of other Verilog: {regen}");
        assert_eq!(b["part"].as_str(), Some(m.target.part.as_str()), "{file}: fit.json part");
        let row = fit["rows"].as_array().unwrap().iter()
            .find(|x| x["report"] == report_name && x["part"] == m.target.part.as_str())
            .unwrap_or_else(|| panic!("{file}: fit.json has no row for {report_name} on {}: {regen}", m.target.part));
        let res = &r["resources"];
        let n = |v: &serde_json::Value| v.as_u64().unwrap();
        let usage = [
            ("lut", n(&res["lut"]) + n(&res["srl"]) + n(&res["lutram"])),
            ("ff", n(&res["ff"])),
            ("dsp", n(&res["dsp"])),
            ("bram36", n(&r["bram36"])),
            ("uram", n(&r["uram"])),
        ];
        for (key, used) in usage {
            assert_eq!(row["usage"][key].as_u64(), Some(used), "{file}: fit.json usage.{key} is not {report_name}'s: {regen}");
            let cap = n(&row["capacity"][key]);
            assert!(used <= cap, "{file}: {report_name} needs {used} {key}, {} has {cap}", m.target.part);
        }
        assert_eq!(row["fits"], true, "{file}");
        assert_eq!(b["fits"], true, "{file}");
        seen += 1;
    }
    assert_eq!(seen, 3, "the cloud builds");
}
