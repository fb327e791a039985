//! The generated vendor projects (bitstreams/vendor/<build>/, `python3 bitstreams/synth.py vendor`,
//! never run here): the wrapper RTL passes `verilator --lint-only -Wall` against the card's ports
//! as the RTL generates them now (every card port connected, widths matching), the copies
//! in each build equal bitstreams/vendor/rtl/, and the generated top levels and TCL name the
//! shell's ports, the part and the clock their manifest (bitstreams/manifests/) records. The F2 CL
//! top lints too, over a stand-in for the HDK's cl_ports.vh and unused_*_template.inc, and answers
//! the shell's function-level reset (the driver's reset on F2) instead of tying it off.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::card_builds::{card_verilog, CardTop};

fn bitstreams() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}; rerun `python3 bitstreams/synth.py vendor`", p.display()))
}

fn manifest(name: &str) -> Value {
    serde_json::from_str(&read(&bitstreams().join(format!("manifests/{name}.json")))).unwrap()
}

/// The port names of `module` in `verilog` (ANSI port list).
fn ports(verilog: &str, module: &str) -> Vec<String> {
    let start = verilog.find(&format!("module {module}")).unwrap_or_else(|| panic!("no module {module}"));
    let body = &verilog[start..];
    let list = &body[body.find(")\n(").or_else(|| body.find(" (")).unwrap()..body.find(");").unwrap()];
    list.lines()
        .filter_map(|l| {
            let l = l.trim();
            (l.starts_with("input") || l.starts_with("output")).then(|| {
                l.trim_end_matches(',').split_whitespace().last().unwrap().to_string()
            })
        })
        .collect()
}

/// The card's module `top` reduced to its port list (names, directions, widths exactly as the RTL
/// generates them today), so that linting a wrapper checks every connection against the real card
/// without elaborating 2 MB of card (the card itself is verilated by the card tests).
fn card_ports_only(card: &str) -> String {
    let start = card.find("module top(").expect("the card's top module");
    let mut out = String::new();
    let mut seen_ports = false;
    for line in card[start..].lines() {
        let t = line.trim();
        let is_port = t.starts_with("input ") || t.starts_with("output ");
        if line.starts_with("module top(") || is_port || (t.is_empty() && !seen_ports) {
            seen_ports |= is_port;
            out.push_str(line);
            out.push('\n');
        } else if seen_ports {
            break;
        }
    }
    out + "endmodule\n"
}

/// `verilator --lint-only -Wall` of `top` over the wrapper RTL and the card's ports for `m`. The
/// card's file is exempt from warnings (its outputs are undriven in the port-only form), the
/// wrapper's are not.
fn lint(top: &str, m: &Value, dir: &Path) {
    lint_with(top, m, dir, &[], &[]);
}

/// [`lint`], with `sources` (files of `dir`) besides the wrapper RTL and `includes` (name, text)
/// written to an include directory of their own.
fn lint_with(top: &str, m: &Value, dir: &Path, sources: &[&str], includes: &[(&str, String)]) {
    let cfg = CardConfig {
        ntt_k: m["rtl"]["ntt_k"].as_u64().unwrap() as usize,
        msm_log_depth: m["rtl"]["msm_log_depth"].as_u64().unwrap() as usize,
        ..CardConfig::SIM
    };
    let scratch = std::env::temp_dir().join(format!("zkaccel-vendor-lint-{top}-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let card = card_ports_only(&card_verilog(CardTop::Full, &cfg).unwrap());
    assert_eq!(card.matches("input ").count() + card.matches("output ").count(), 25, "card ports:\n{card}");
    std::fs::write(scratch.join("card.v"), card).unwrap();
    std::fs::write(scratch.join("lint.vlt"), "`verilator_config\nlint_off -file \"*/card.v\"\n").unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "v") && p.file_name().unwrap().to_string_lossy().starts_with("zkaccel_"))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().ends_with("_top.v"))
        .collect();
    files.sort();
    files.extend(sources.iter().map(|f| dir.join(f)));
    let inc = scratch.join("include");
    std::fs::create_dir_all(&inc).unwrap();
    for (name, text) in includes {
        std::fs::write(inc.join(name), text).unwrap();
    }
    let out = Command::new("verilator")
        .args(["--lint-only", "-Wall", "--top-module", top])
        .arg(format!("-I{}", inc.display()))
        .arg(scratch.join("lint.vlt"))
        .args(&files)
        .arg(scratch.join("card.v"))
        .output()
        .expect("verilator (install it with scripts/install-deps.sh)");
    let text = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.trim().is_empty(), "verilator --lint-only -Wall {top} in {}:\n{text}", dir.display());
    let _ = std::fs::remove_dir_all(&scratch);
}

fn khz(m: &Value) -> u64 {
    (m["kernel_clock"]["mhz"].as_f64().unwrap() * 1000.0).round() as u64
}

#[test]
fn vendor_wrappers_lint_and_name_the_right_ports_part_and_clock() {
    let vendor = bitstreams().join("vendor");
    let rtl = vendor.join("rtl");
    // Each build's copy of the wrapper RTL is the shared one, and says it was not run.
    for build in ["aws-f2", "alveo-u250", "alveo-u55c"] {
        let dir = vendor.join(build);
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let text = read(&p);
            if rtl.join(&name).exists() {
                assert_eq!(text, read(&rtl.join(&name)), "{}: differs from bitstreams/vendor/rtl/{name}", p.display());
                assert!(text.contains("never run on an FPGA"), "{}", p.display());
            } else {
                assert!(text.contains("NOT RUN"), "{}: not labelled as unrun", p.display());
            }
        }
    }

    // AWS F2: the bridge lints with the card; the CL top connects every bridge port to the shell
    // signal of the same name (cl_ports.vh), with the manifest's clock; the synthesis step checks
    // the part.
    let m = manifest("aws-f2");
    let f2 = vendor.join("aws-f2");
    lint("zkaccel_f2_bridge", &m, &f2);
    let bridge_ports = ports(&read(&f2.join("zkaccel_f2_bridge.v")), "zkaccel_f2_bridge");
    assert_eq!(bridge_ports.len(), 44, "{bridge_ports:?}");
    for must in ["clk_main_a0", "rst_main_n", "ocl_cl_awaddr", "cl_ocl_rdata", "sh_cl_dma_pcis_wdata", "cl_sh_dma_pcis_rdata"] {
        assert!(bridge_ports.iter().any(|p| p == must), "zkaccel_f2_bridge has no port {must}");
    }
    let cl = read(&f2.join("cl_zkaccel.sv"));
    assert!(cl.contains("`include \"cl_ports.vh\""));
    for p in bridge_ports.iter().filter(|p| *p != "rst_main_n") {
        assert!(cl.contains(&format!(".{p}({p})")), "cl_zkaccel.sv does not connect {p} to the shell's {p}");
    }
    // The core's reset is the shell's rst_main_n and the PCIe function-level reset (the driver's
    // reset on F2: sysfs <BDF>/reset), which the shell signals on sh_cl_flr_assert and the CL must
    // answer on cl_sh_flr_done (cl_ports.vh); the HDK's unused_flr_template.inc ties the answer to 0
    // and leaves the core running. The behaviour is simulated in driver/tests/f2_window_rtl.rs.
    assert!(!cl.contains("unused_flr_template.inc"), "cl_zkaccel.sv ties off the function-level reset (unused_flr_template.inc)");
    assert!(!cl.contains(".rst_main_n(rst_main_n)"), "cl_zkaccel.sv resets the core by rst_main_n alone, not on a function-level reset");
    lint_with("cl_zkaccel", &m, &f2, &["cl_zkaccel.sv"], &zkaccel_testkit::f2_shell::include_files(&read(&f2.join("zkaccel_f2_bridge.v"))));
    assert!(cl.contains(&format!(".CLOCK_KHZ({})", khz(&m))), "cl_zkaccel.sv: CLOCK_KHZ is not the manifest's clock");
    let tcl = read(&f2.join("synth_cl_zkaccel.tcl"));
    let part = m["target"]["part"].as_str().unwrap();
    assert_eq!(part, "xcvu47p-fsvh2892-2-e");
    assert!(tcl.contains(&format!("if {{$DEVICE_TYPE ne \"{part}\"}}")), "synth_cl_zkaccel.tcl does not check the part");
    assert!(tcl.contains("-top cl_zkaccel") && tcl.contains("zkaccel_f2_bridge.v") && tcl.contains("build/vendor/aws-f2/card.v"));

    // Alveo: the XDMA wrapper lints with the card; the top connects every wrapper port by the XDMA
    // IP's name; the project is for the manifest's part with the clock and an AXI4-Stream XDMA.
    for build in ["alveo-u250", "alveo-u55c"] {
        let m = manifest(build);
        let dir = vendor.join(build);
        if build == "alveo-u55c" {
            lint("zkaccel_alveo_xdma", &m, &dir);
        }
        let wrapper_ports = ports(&read(&dir.join("zkaccel_alveo_xdma.v")), "zkaccel_alveo_xdma");
        assert_eq!(wrapper_ports.len(), 29, "{wrapper_ports:?}");
        let top = read(&dir.join("zkaccel_alveo_top.v"));
        for p in &wrapper_ports {
            assert!(top.matches(&format!(".{p}(")).count() == 2, "zkaccel_alveo_top.v: {p} is not wired between xdma_0 and the card");
        }
        assert!(top.contains(&format!(".CLOCK_KHZ({})", khz(&m))));
        let part = m["target"]["part"].as_str().unwrap();
        let tcl = read(&dir.join("build_alveo.tcl"));
        assert!(tcl.contains(&format!("-part {part}")), "{build}: build_alveo.tcl is not for {part}");
        assert!(tcl.contains("CONFIG.xdma_axi_intf_mm {AXI_Stream}") && tcl.contains("CONFIG.axilite_master_en {true}"));
        assert!(tcl.contains(&format!("CONFIG.axisten_freq {{{}}}", khz(&m) / 1000)), "{build}: XDMA clock");
        assert!(tcl.contains(&format!("build/vendor/{build}")) && tcl.contains("set_property top zkaccel_alveo_top"));
        let prog = read(&dir.join("program_jtag.tcl"));
        let device = part.split('-').next().unwrap();
        assert!(prog.contains(&format!("get_hw_devices {device}*")), "{build}: program_jtag.tcl programs another device");
        assert!(prog.contains("puts \"ZKACCEL_JTAG_PROGRAMMED\""));
    }
}
