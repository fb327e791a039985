//! `zkaccel device …`: the cards of this machine. `list` shows every FPGA function in sysfs
//! (Xilinx or AWS): address, vendor/device id, bound driver, the data path the PCIe backend would
//! use, and the identity read from the card's BAR0 when it is readable. `load` and `status`
//! (bitstreams from manifests) are in `device_load.rs`.

use clap::Subcommand;

use super::output::Report;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;

/// `zkaccel device` verbs.
#[derive(Subcommand, Debug)]
pub enum DeviceCommand {
    /// Lists the FPGA cards found in sysfs (ZKACCEL_SYSFS_ROOT, default /sys): address, ids,
    /// driver, data path and the card's identity when readable.
    List,
    /// Loads the bitstream a manifest describes (SHA-256 checked first), then opens the card and
    /// checks its ID, register-map version, kernels and clock against the manifest.
    Load(super::device_load::LoadArgs),
    /// What an AWS F2 slot holds (--slot), or who the card at --bdf is (checked against
    /// --manifest when given).
    Status(super::device_load::StatusArgs),
}

pub fn run(c: &DeviceCommand) -> Result<Report> {
    match c {
        DeviceCommand::List => list(),
        DeviceCommand::Load(a) => super::device_load::run_load(a),
        DeviceCommand::Status(a) => super::device_load::run_status(a),
    }
}

#[cfg(not(feature = "pcie"))]
fn list() -> Result<Report> {
    Err(Error::new(ExitCode::Device, "device list: this build has no PCIe backend: build with `--features pcie`".to_string()))
}

#[cfg(feature = "pcie")]
fn list() -> Result<Report> {
    use serde_json::json;
    use zkaccel_driver::pcie::{listing, roots::Roots};
    use zkaccel_driver::regs::{CARD_ID, GONE, REGMAP_VERSION};
    let roots = Roots::from_env();
    let (cards, skipped) = listing::list_cards_and_skipped(&roots).map_err(|e| Error::new(ExitCode::Device, format!("device list: {e}")))?;
    let mut lines = vec![];
    let mut js = vec![];
    for c in &cards {
        let f = &c.function;
        let driver = f.driver.clone().unwrap_or_else(|| "none".into());
        let (identity, said) = match &c.regs {
            Ok(r) => {
                let verdict = if r.id == GONE {
                    "reads all ones (gone or BAR disabled)".to_string()
                } else if r.id != CARD_ID {
                    format!("not a zkaccel bitstream (ID {:#010x})", r.id)
                } else if r.regmap_version != REGMAP_VERSION {
                    format!("zkaccel, register map v{} (this build speaks v{REGMAP_VERSION})", r.regmap_version)
                } else {
                    format!("zkaccel, register map v{}, kernels {:#x}, clock {} kHz", r.regmap_version, r.kernels, r.clock_khz)
                };
                (json!({ "id": r.id, "regmap_version": r.regmap_version, "kernels": r.kernels, "clock_khz": r.clock_khz, "zkaccel": r.id == CARD_ID && r.regmap_version == REGMAP_VERSION }), verdict)
            }
            Err(e) => (serde_json::Value::Null, format!("identity not readable: {e}")),
        };
        lines.push(format!("{}  {:04x}:{:04x}  driver {driver}  data {}  {said}", f.bdf, f.vendor, f.device, c.data_path));
        js.push(json!({
            "bdf": f.bdf, "vendor": format!("{:#06x}", f.vendor), "device": format!("{:#06x}", f.device), "driver": f.driver,
            "data_path": c.data_path, "identity": identity, "identity_note": said,
        }));
    }
    if cards.is_empty() {
        lines.push(format!("no Xilinx or AWS FPGA function in {}", roots.pci_devices().display()));
    }
    lines.extend(skipped.iter().map(|s| format!("skipped: {s}")));
    Ok(Report { json: json!({ "verb": "device list", "sysfs": roots.pci_devices().display().to_string(), "cards": js, "skipped": skipped }), lines })
}
