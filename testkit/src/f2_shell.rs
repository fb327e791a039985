//! A stand-in for the AWS F2 HDK's interface files, enough to lint and simulate the generated
//! `cl_zkaccel.sv` with Verilator (the HDK itself is not vendored): a `cl_ports.vh` declaring the
//! shell ports the CL top uses — the bridge's, as the bridge declares them, and the globals it
//! drives or reads, widths as in the HDK's `cl_ports.vh` — empty `unused_*_template.inc` files for
//! the interfaces the CL leaves alone (their ports are not declared here), and an
//! `unused_flr_template.inc` that ties off the FLR answer as the HDK's does, so that a CL including
//! it is linted and simulated as it would build. Used by `hdl/tests/vendor_flows.rs` (lint) and
//! `driver/tests/f2_window_rtl.rs` (simulation).

/// The shell's global ports the CL top uses, as `cl_ports.vh` declares them.
const GLOBALS: [&str; 10] = [
    "input  logic         sh_cl_flr_assert",
    "output logic         cl_sh_flr_done",
    "output logic [31:0]  cl_sh_status0",
    "output logic [31:0]  cl_sh_status1",
    "output logic [31:0]  cl_sh_status2",
    "output logic [31:0]  cl_sh_id0",
    "output logic [31:0]  cl_sh_id1",
    "output logic [15:0]  cl_sh_status_vled",
    "output logic         cl_sh_dma_wr_full",
    "output logic         cl_sh_dma_rd_full",
];

/// The ports of `cl_ports.vh` for the CL top whose bridge is `bridge` (the source of
/// `zkaccel_f2_bridge.v`): the globals, then the bridge's ports (`wire` as `logic`).
pub fn cl_ports(bridge: &str) -> Vec<String> {
    let start = bridge.find("module zkaccel_f2_bridge").expect("module zkaccel_f2_bridge");
    let end = start + bridge[start..].find("\n);").expect("the bridge's port list");
    let bridge_ports = bridge[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("input ") || l.starts_with("output "))
        .map(|l| l.trim_end_matches(',').replacen(" wire ", " logic ", 1));
    let ports: Vec<String> = GLOBALS.iter().map(|g| g.to_string()).chain(bridge_ports).collect();
    assert_eq!(ports.len(), GLOBALS.len() + 44, "the bridge's 44 shell ports: {ports:?}");
    ports
}

/// The HDK include files the CL top uses, as (file name, stand-in text): `cl_ports.vh` from
/// [`cl_ports`], the unused-interface templates, and the FLR template's tie-off.
pub fn include_files(bridge: &str) -> Vec<(&'static str, String)> {
    vec![
        ("cl_ports.vh", cl_ports(bridge).join(",\n") + "\n"),
        ("unused_pcim_template.inc", String::new()),
        ("unused_cl_sda_template.inc", String::new()),
        ("unused_ddr_template.inc", String::new()),
        ("unused_apppf_irq_template.inc", String::new()),
        ("unused_flr_template.inc", "assign cl_sh_flr_done = 1'b0;\n".into()),
    ]
}

/// `cl` (the source of `cl_zkaccel.sv`) with every HDK include replaced by its stand-in text, for
/// a simulation that compiles one file; panics on an include it has no stand-in for.
pub fn inline_includes(cl: &str, bridge: &str) -> String {
    let mut cl = cl.to_string();
    for (file, text) in include_files(bridge) {
        cl = cl.replace(&format!("`include \"{file}\""), text.trim_end());
    }
    assert!(!cl.contains("`include"), "cl_zkaccel.sv includes a file the stand-in does not provide");
    cl
}
