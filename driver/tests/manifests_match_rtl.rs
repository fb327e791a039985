//! The committed bitstream manifests (bitstreams/manifests/, written by
//! `python3 bitstreams/synth.py manifests`) are valid for the loader, describe the card RTL as it
//! is now (same Verilog hash, same register-map version, kernels and sizes as the RTL's constants),
//! list their committed sources with the right sizes and hashes, and are exactly what the
//! loader's model of them writes back. When the RTL changes, the one fix is to rerun that command.

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use zkaccel_driver::load::manifest::{ArtefactKind, BuildStatus, ClockSource, LoadFlow, Manifest};
use zkaccel_driver::load::flows::JTAG_DONE_MARKER;
use zkaccel_driver::load::sha::check_artefact;
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
    assert_eq!(names, ["alveo-u250", "alveo-u55c", "aws-f2"], "the shipped builds");
    for path in &paths {
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
