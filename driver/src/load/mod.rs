//! Loading a zkaccel bitstream onto a card and checking that the card is what its manifest says
//! (`zkaccel device load`): validate the [`manifest`], check the bitstream's SHA-256 ([`sha`]),
//! run the target's load flow ([`flows`], each tool through [`tool`] with a deadline; around a
//! JTAG load the function is removed from the PCI bus and the bus rescanned, [`pci`]), then open
//! the card through an opener and compare its identity registers with the manifest ([`check`]).

pub mod check;
pub mod files;
pub mod flows;
pub mod manifest;
pub mod pci;
pub mod sha;
pub mod tool;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::device::{Device, DeviceError};
use check::{CardReport, CheckError};
use flows::{Cmd, F2SlotStatus, JTAG_DONE_MARKER};
use manifest::{artefact_path, ArtefactKind, BuildStatus, LoadFlow, Manifest, ManifestError};
use sha::ArtefactError;
use tool::ToolError;

/// How to load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// AWS F2 slot (default 0).
    pub slot: Option<u32>,
    /// PCIe address of the card (Alveo flows need it; F2 reads it from the describe output).
    pub bdf: Option<String>,
    /// Print the commands only: no tool runs, the artefact need not be present.
    pub dry_run: bool,
    /// Limit for each tool run, and for the F2 wait until the image is loaded.
    pub timeout: Duration,
    /// Time between two F2 describe calls.
    pub poll_interval: Duration,
    /// Where the built artefacts lie (default: relative to the manifest).
    pub artefact_dir: Option<PathBuf>,
    /// `PATH` for finding and running the tools (default: this process's).
    pub tool_path: Option<OsString>,
    /// Alveo over JTAG: the Vivado hardware target to program (`get_hw_targets` name, e.g.
    /// `localhost:3121/xilinx_tcf/Xilinx/21770297400LA`, or its cable serial, the last part).
    /// Without it the script programs the only target the hw_server has, and refuses when it
    /// has several.
    pub jtag_target: Option<String>,
    /// The sysfs root for the PCI remove and rescan around a JTAG load (default:
    /// `ZKACCEL_SYSFS_ROOT`, else `/sys`).
    pub sysfs_root: Option<PathBuf>,
    /// The longest wait for the card's function (and its driver) to come back after the rescan.
    pub rescan_wait: Duration,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            slot: None,
            bdf: None,
            dry_run: false,
            timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(1),
            artefact_dir: None,
            tool_path: None,
            jtag_target: None,
            sysfs_root: None,
            rescan_wait: Duration::from_secs(60),
        }
    }
}

/// Why a load failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The manifest is unreadable or invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The manifest describes a build that was never run.
    #[error("{file}: status: generated-not-run: {note}; there is no bitstream to load (use --dry-run to see the commands)")]
    NotBuilt { file: String, note: String },
    /// The options do not fit the flow.
    #[error("{0}")]
    Usage(String),
    /// The bitstream file is missing or differs.
    #[error(transparent)]
    Artefact(#[from] ArtefactError),
    /// A tool is missing, would not start, or hung.
    #[error(transparent)]
    Tool(ToolError),
    /// A tool exited with an error.
    #[error("{tool} failed ({status}): {command}\nIt printed:\n{output}")]
    ToolFailed { tool: String, command: String, status: String, output: String },
    /// A tool's answer could not be read.
    #[error("{tool}: unexpected output ({what}). It printed:\n{output}")]
    Garbage { tool: String, what: String, output: String },
    /// The image did not load.
    #[error("{tool}: the image did not load: {problem}")]
    ImageFailed { tool: String, problem: String },
    /// The image did not finish loading in time.
    #[error("{tool}: gave up after {secs:.1} s waiting for {what}")]
    Timeout { tool: String, secs: f64, what: String },
    /// The card's PCI function could not be removed, rescanned or rebound around a load.
    #[error("PCI function {bdf}: {problem}")]
    Pci { bdf: String, problem: String },
    /// The card could not be opened after loading.
    #[error("the bitstream is loaded, but the card at {bdf} could not be opened to check it: {err}")]
    Open { bdf: String, err: DeviceError },
    /// The card is not what the manifest says.
    #[error(transparent)]
    Check(#[from] CheckError),
}

/// The bitstream hash check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HashCheck {
    /// The file's SHA-256 equals the manifest's.
    Checked { path: PathBuf, sha256: String },
    /// Dry run: not read.
    Unchecked,
    /// An AWS image has no local file (AWS holds it; it is loaded by id).
    NoLocalFile,
}

/// What a load did.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// The manifest's build name.
    pub name: String,
    /// Its flow.
    pub flow: LoadFlow,
    /// The hash check.
    pub hash: HashCheck,
    /// The commands, in order (run, or printed in a dry run).
    pub commands: Vec<String>,
    /// Dry run: nothing ran.
    pub dry_run: bool,
    /// The card's PCIe address, when known.
    pub bdf: Option<String>,
    /// F2: the slot's final state.
    pub f2: Option<F2SlotStatus>,
    /// What the card reported (`None`: not checked, see `unchecked_why`).
    pub card: Option<CardReport>,
    /// Why the card was not checked.
    pub unchecked_why: Option<String>,
}

/// Opens the card at a PCIe address after loading.
pub type Opener<'a> = &'a mut dyn FnMut(&str) -> Result<Box<dyn Device>, DeviceError>;

/// The commands a flow runs for `m`, and the bitstream argument each needs.
fn plan(m: &Manifest, manifest_path: &Path, opts: &LoadOptions) -> Result<Vec<Cmd>, LoadError> {
    let file = manifest_path.display().to_string();
    let bit = m.bitstream();
    let bit_path = || {
        artefact_path(manifest_path, opts.artefact_dir.as_deref(), bit)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| format!("<not-built:{}>", bit.name))
    };
    Ok(match m.target.flow {
        LoadFlow::AwsF2 => {
            if opts.bdf.is_some() && opts.slot.is_some() {
                return Err(LoadError::Usage("give --slot or --bdf, not both (F2: the slot's card address comes from fpga-describe-local-image)".into()));
            }
            let slot = opts.slot.unwrap_or(0).to_string();
            let agfi = bit.agfi_id.clone().unwrap_or_else(|| "<not-built:agfi-id>".into());
            vec![Cmd::new(&["fpga-load-local-image", "-S", &slot, "-I", &agfi]), flows::f2_describe_cmd(opts.slot.unwrap_or(0))]
        }
        LoadFlow::AlveoJtag => {
            let (i, tcl) = m
                .artefacts
                .iter()
                .enumerate()
                .find(|(_, a)| a.kind == ArtefactKind::Source && a.name == "program_jtag.tcl")
                .ok_or_else(|| ManifestError {
                    file: file.clone(),
                    field: "artefacts".into(),
                    problem: "an alveo-jtag build lists its source artefact 'program_jtag.tcl'".into(),
                })?;
            let tcl_path = artefact_path(manifest_path, None, tcl).expect("validated: a source has a path");
            if !opts.dry_run {
                sha::check_artefact(&tcl_path, tcl, i)?;
            }
            let mut vivado = Cmd::new(&[
                "vivado",
                "-mode",
                "batch",
                "-nojournal",
                "-nolog",
                "-source",
                &tcl_path.display().to_string(),
                "-tclargs",
                &bit_path(),
            ]);
            vivado.argv.extend(opts.jtag_target.clone());
            vec![vivado]
        }
        LoadFlow::AlveoXrt => {
            let bdf = opts.bdf.clone().unwrap_or_else(|| "<BDF>".into());
            vec![Cmd::new(&["xrt-smi", "program", "-d", &bdf, "-u", &bit_path()])]
        }
        LoadFlow::Ecp5 => {
            let mut argv = vec!["openFPGALoader".to_string()];
            if let Some(b) = &m.target.programmer {
                argv.extend(["-b".to_string(), b.clone()]);
            }
            argv.push(bit_path());
            vec![Cmd { argv }]
        }
    })
}

/// Loads the build `manifest_path` describes and checks the card (see the module docs). The card
/// is opened with `open` at its PCIe address (from `--bdf`, or for F2 from the describe output);
/// an ECP5 board without `--bdf` is loaded but not checked, and the report says so.
pub fn load(manifest_path: &Path, opts: &LoadOptions, open: Opener<'_>) -> Result<LoadReport, LoadError> {
    let file = manifest_path.display().to_string();
    let m = Manifest::load(manifest_path)?;
    if m.card.regmap_version != zkaccel_interface::regs::REGMAP_VERSION {
        return Err(ManifestError {
            file,
            field: "card.regmap_version".into(),
            problem: format!(
                "{}, but this zkaccel speaks register map v{}: rebuild the bitstream from this version",
                m.card.regmap_version,
                zkaccel_interface::regs::REGMAP_VERSION
            ),
        }
        .into());
    }
    if let Some(b) = &opts.bdf {
        if !flows::is_bdf(b) {
            return Err(LoadError::Usage(format!("--bdf '{b}' is not a PCI address dddd:bb:dd.f (e.g. 0000:3b:00.0)")));
        }
    }
    if opts.slot.is_some() && m.target.flow != LoadFlow::AwsF2 {
        return Err(LoadError::Usage(format!("--slot is for AWS F2 builds; {} is a {} build", file, m.target.flow.name())));
    }
    if let Some(t) = &opts.jtag_target {
        if m.target.flow != LoadFlow::AlveoJtag {
            return Err(LoadError::Usage(format!("--jtag-target is for Alveo JTAG builds; {} is a {} build", file, m.target.flow.name())));
        }
        if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(LoadError::Usage(format!(
                "--jtag-target '{t}' is not a Vivado hardware target name (e.g. localhost:3121/xilinx_tcf/Xilinx/21770297400LA, or its cable serial 21770297400LA)"
            )));
        }
    }
    let needs_bdf = matches!(m.target.flow, LoadFlow::AlveoJtag | LoadFlow::AlveoXrt);
    if needs_bdf && opts.bdf.is_none() && !opts.dry_run {
        return Err(LoadError::Usage(format!(
            "{}: a {} build needs --bdf (the card's PCIe address, to program it or to check it after loading)",
            file,
            m.target.flow.name()
        )));
    }
    let cmds = plan(&m, manifest_path, opts)?;
    let roots = crate::roots::Roots::from_env();
    let bus = pci::PciBus::new(match &opts.sysfs_root {
        Some(sysfs) => crate::roots::Roots { sysfs: sysfs.clone(), ..roots },
        None => roots,
    });
    let mut commands: Vec<String> = cmds.iter().map(Cmd::line).collect();
    if m.target.flow == LoadFlow::AlveoJtag {
        let bdf = opts.bdf.as_deref().unwrap_or("<BDF>");
        commands.insert(0, format!("echo 1 > {}", bus.remove_path(bdf).display()));
        commands.push(format!("echo 1 > {}", bus.rescan_path().display()));
    }
    let mut report = LoadReport {
        name: m.name.clone(),
        flow: m.target.flow,
        hash: HashCheck::Unchecked,
        commands,
        dry_run: opts.dry_run,
        bdf: opts.bdf.clone(),
        f2: None,
        card: None,
        unchecked_why: None,
    };
    if opts.dry_run {
        report.unchecked_why = Some("dry run: nothing loaded; the bitstream's hash is unchecked".into());
        return Ok(report);
    }
    if m.status == BuildStatus::GeneratedNotRun {
        return Err(LoadError::NotBuilt { file, note: m.status_note.clone() });
    }
    // The artefact first: nothing is loaded from a file that is not the one the manifest names.
    let bit = m.bitstream();
    let idx = m.artefacts.iter().position(|a| a.name == bit.name).expect("bitstream is an artefact");
    report.hash = match artefact_path(manifest_path, opts.artefact_dir.as_deref(), bit) {
        Some(p) => {
            let sha = sha::check_artefact(&p, bit, idx)?;
            HashCheck::Checked { path: p, sha256: sha }
        }
        None => HashCheck::NoLocalFile,
    };
    let path = opts.tool_path.as_deref();
    match m.target.flow {
        LoadFlow::AwsF2 => {
            let start = Instant::now();
            let deadline = start + opts.timeout;
            cmds[0].run_ok(path, opts.timeout)?;
            let agfi = bit.agfi_id.as_deref().expect("validated: built F2 manifest has an AGFI id");
            // Without --bdf the card's address must come from the describe output: the card is
            // checked, never left unchecked because the tool printed no address yet.
            let need_address = report.bdf.is_none();
            let st = flows::f2_wait_loaded(opts.slot.unwrap_or(0), agfi, need_address, path, deadline, opts.timeout, opts.poll_interval)?;
            if report.bdf.is_none() {
                report.bdf = st.dbdf.clone();
            }
            report.f2 = Some(st);
        }
        LoadFlow::AlveoJtag => {
            let bdf = report.bdf.clone().expect("checked: a JTAG load has --bdf");
            let before = bus.state(&bdf);
            if before.present {
                bus.remove(&bdf)?;
            }
            let programmed = cmds[0].run_ok(path, opts.timeout).and_then(|out| {
                if out.stdout.contains(JTAG_DONE_MARKER) {
                    Ok(())
                } else {
                    Err(LoadError::Garbage {
                        tool: "vivado".into(),
                        what: format!("exit status 0 but no '{JTAG_DONE_MARKER}' line: the device did not report DONE"),
                        output: out.tail(),
                    })
                }
            });
            // Programmed or not, the function was removed: rescan so that it comes back.
            let back = bus.rescan(&bdf).and_then(|_| bus.wait_back(&bdf, &before, opts.rescan_wait, opts.poll_interval));
            match (programmed, back) {
                (Ok(()), Ok(())) => {}
                (Ok(()), Err(e)) | (Err(e), Ok(())) => return Err(e),
                (Err(e), Err(b)) => {
                    return Err(LoadError::Pci {
                        bdf,
                        problem: format!("programming failed, and the function did not come back after the rescan either ({b}); the failure: {e}"),
                    })
                }
            }
        }
        LoadFlow::AlveoXrt => {
            cmds[0].run_ok(path, opts.timeout)?;
        }
        LoadFlow::Ecp5 => {
            cmds[0].run_ok(path, opts.timeout)?;
            if report.bdf.is_none() {
                report.unchecked_why =
                    Some("an ECP5 board has no PCIe link to read its registers over unless --bdf names one; not checked".into());
            }
        }
    }
    if let Some(bdf) = report.bdf.clone() {
        let mut dev = open(&bdf).map_err(|err| LoadError::Open { bdf: bdf.clone(), err })?;
        report.card = Some(check::check_against_manifest(dev.as_mut(), &m, &file)?);
    }
    Ok(report)
}

/// `device status`: an F2 slot's state (describe command), bounded by `timeout`.
pub fn f2_status(slot: u32, tool_path: Option<&std::ffi::OsStr>, timeout: Duration) -> Result<F2SlotStatus, LoadError> {
    flows::f2_describe(slot, tool_path, timeout)
}
