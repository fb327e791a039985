//! `zkaccel device load MANIFEST` and `zkaccel device status`: load a bitstream described by a
//! manifest (bitstreams/manifests/) onto a cloud or lab FPGA and check the card against it
//! (`zkaccel_driver::load`), or report what a slot/card holds.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::json;
use zkaccel_driver::load::{self, manifest::Manifest, HashCheck, LoadError, LoadOptions};
use zkaccel_driver::{Device, DeviceError};

use super::output::Report;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;


#[derive(Args, Debug)]
pub struct LoadArgs {
    /// The build's manifest (e.g. bitstreams/manifests/aws-f2.json).
    pub manifest: PathBuf,
    /// AWS F2: the FPGA slot (default 0).
    #[arg(long, conflicts_with = "bdf")]
    pub slot: Option<u32>,
    /// The card's PCIe address (dddd:bb:dd.f); Alveo builds need it.
    #[arg(long)]
    pub bdf: Option<String>,
    /// Print the commands only; the bitstream need not be present (its hash is then unchecked).
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds each tool may run, and the longest wait for an F2 image to load.
    #[arg(long, default_value_t = 600.0, value_name = "SECONDS", value_parser = super::args::parse_seconds)]
    pub timeout: f64,
    /// Directory holding the built bitstream (default: the manifest's directory).
    #[arg(long, value_name = "DIR")]
    pub artefacts: Option<PathBuf>,
    /// Alveo over JTAG: the Vivado hw_server target of the card (its full name, e.g.
    /// `localhost:3121/xilinx_tcf/Xilinx/21770297400LA`, or the cable serial); needed when the
    /// hw_server has several targets (the load refuses to guess).
    #[arg(long, value_name = "TARGET")]
    pub jtag_target: Option<String>,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// AWS F2: the FPGA slot to describe (default 0 when --bdf is not given).
    #[arg(long, conflicts_with = "bdf")]
    pub slot: Option<u32>,
    /// The card's PCIe address: open it and report its identity.
    #[arg(long)]
    pub bdf: Option<String>,
    /// With --bdf: check the card against this manifest.
    #[arg(long, requires = "bdf")]
    pub manifest: Option<PathBuf>,
    /// Seconds the describe command may run.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS", value_parser = super::args::parse_seconds)]
    pub timeout: f64,
}

/// Opens the card at a PCIe address. This build has no PCIe backend (`--device pcie:<BDF>` says the
/// same), so a loaded card cannot be checked yet; the PCIe backend plugs in here.
#[cfg(not(feature = "pcie"))]
fn open_card(bdf: &str) -> std::result::Result<Box<dyn Device>, DeviceError> {
    Err(DeviceError::Unsupported(format!(
        "pcie:{bdf}: this build has no PCIe backend (build with `--features pcie`), so the card cannot be opened"
    )))
}

/// Opens the loaded card through the PCIe backend (sysfs root from `ZKACCEL_SYSFS_ROOT`).
#[cfg(feature = "pcie")]
fn open_card(bdf: &str) -> std::result::Result<Box<dyn Device>, DeviceError> {
    use zkaccel_driver::pcie::{roots::Roots, PcieCard};
    let card = PcieCard::open_bdf(&Roots::from_env(), bdf, Duration::from_secs(5))?;
    Ok(Box::new(card))
}

fn exit_code_of(e: &LoadError) -> ExitCode {
    match e {
        LoadError::Manifest(m) if m.field == "(file)" => ExitCode::Io,
        LoadError::Manifest(_) | LoadError::NotBuilt { .. } | LoadError::Artefact(_) => ExitCode::BadArtifact,
        LoadError::Usage(_) => ExitCode::Usage,
        _ => ExitCode::Device,
    }
}

fn err(e: LoadError) -> Error {
    Error::new(exit_code_of(&e), e.to_string())
}

pub fn run_load(a: &LoadArgs) -> Result<Report> {
    let opts = LoadOptions {
        slot: a.slot,
        bdf: a.bdf.clone(),
        dry_run: a.dry_run,
        timeout: Duration::from_secs_f64(a.timeout),
        artefact_dir: a.artefacts.clone(),
        jtag_target: a.jtag_target.clone(),
        ..LoadOptions::default()
    };
    let r = load::load(&a.manifest, &opts, &mut open_card).map_err(err)?;
    let mut lines = Vec::new();
    let hash = match &r.hash {
        HashCheck::Checked { path, sha256 } => {
            lines.push(format!("bitstream {} SHA-256 {sha256}: matches the manifest", path.display()));
            json!({ "checked": true, "path": path, "sha256": sha256 })
        }
        HashCheck::Unchecked => {
            lines.push("bitstream hash UNCHECKED (dry run)".into());
            json!({ "checked": false, "why": "dry run" })
        }
        HashCheck::NoLocalFile => {
            lines.push("no local bitstream file (an AWS image is loaded by its AGFI id)".into());
            json!({ "checked": false, "why": "no local file" })
        }
    };
    let verb = if r.dry_run { "would run" } else { "ran" };
    lines.extend(r.commands.iter().map(|c| format!("{verb}: {c}")));
    if let Some(card) = &r.card {
        lines.push(format!(
            "card at {}: ID {:#x}, register map v{}, kernels {:#x}, clock {} kHz: matches {}",
            r.bdf.as_deref().unwrap_or("?"),
            card.id,
            card.regmap_version,
            card.kernels_mask,
            card.clock_khz,
            r.name
        ));
    }
    if let Some(why) = &r.unchecked_why {
        lines.push(format!("card not checked: {why}"));
    }
    Ok(Report {
        json: json!({
            "verb": "device load",
            "build": r.name,
            "dry_run": r.dry_run,
            "commands": r.commands,
            "hash": hash,
            "bdf": r.bdf,
            "card_checked": r.card.is_some(),
            "unchecked_why": r.unchecked_why,
        }),
        lines,
    })
}

pub fn run_status(a: &StatusArgs) -> Result<Report> {
    if let Some(bdf) = &a.bdf {
        let mut dev = open_card(bdf).map_err(|e| Error::new(ExitCode::Device, format!("--bdf {bdf}: {e}")))?;
        let id = dev.identify().map_err(|e| Error::new(ExitCode::Device, format!("--bdf {bdf}: {e}")))?;
        if let Some(p) = &a.manifest {
            let m = Manifest::load(p).map_err(|e| err(e.into()))?;
            load::check::check_against_manifest(dev.as_mut(), &m, &p.display().to_string()).map_err(|e| err(e.into()))?;
        }
        return Ok(Report {
            json: json!({ "verb": "device status", "bdf": bdf, "name": id.name, "regmap_version": id.regmap_version,
                          "kernels": id.kernels, "clock_khz": id.clock_khz, "manifest_checked": a.manifest.is_some() }),
            lines: vec![format!("{bdf}: {} (register map v{}, kernels {:#x}, {} kHz)", id.name, id.regmap_version, id.kernels, id.clock_khz)],
        });
    }
    let slot = a.slot.unwrap_or(0);
    let st = load::f2_status(slot, None, Duration::from_secs_f64(a.timeout)).map_err(err)?;
    Ok(Report {
        json: json!({ "verb": "device status", "slot": st.slot, "image": st.image, "status": st.status, "bdf": st.dbdf }),
        lines: vec![format!(
            "AWS F2 slot {}: image {} {}{}",
            st.slot,
            st.image,
            st.status,
            st.dbdf.as_deref().map(|d| format!(", card at {d}")).unwrap_or_default()
        )],
    })
}
