//! What `zkaccel device list` shows: every FPGA function in sysfs (Xilinx, AWS) with its ids, the
//! bound driver, the data path the backend would use, and the card's identity read from BAR0 when
//! it can be read (root, or a udev rule giving access).

use super::bar::Bar;
use super::discovery::{self, PciFunction};
use super::roots::Roots;
use crate::device::DeviceError;
use crate::regs::{Reg, REG_WINDOW};

/// The identity registers of a card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardRegs {
    pub id: u32,
    pub regmap_version: u32,
    pub kernels: u32,
    pub clock_khz: u32,
}

/// One listed function.
#[derive(Clone, Debug)]
pub struct Listed {
    pub function: PciFunction,
    /// `xdma`, `bar-window` or `none` (no driver bound).
    pub data_path: &'static str,
    /// The registers, or why they could not be read.
    pub regs: Result<CardRegs, DeviceError>,
}

/// The FPGA functions under `roots`, each with what could be read.
pub fn list_cards(roots: &Roots) -> Result<Vec<Listed>, DeviceError> {
    list_cards_and_skipped(roots).map(|(cards, _)| cards)
}

/// [`list_cards`], and a note for each sysfs entry the scan skipped (`discovery::scan`).
pub fn list_cards_and_skipped(roots: &Roots) -> Result<(Vec<Listed>, Vec<String>), DeviceError> {
    let scan = discovery::scan(roots)?;
    let mut out = vec![];
    for f in scan.functions.into_iter().filter(PciFunction::is_fpga_vendor) {
        let (data_path, bar0) = match (f.driver.as_deref(), f.xdma_instance) {
            (None, _) => ("none", f.dir.join("resource0")),
            (Some("xdma"), Some(n)) => ("xdma", roots.dev_node(&format!("xdma{n}_user"))),
            (Some("xdma"), None) => ("xdma", f.dir.join("resource0")),
            (Some(_), _) => ("bar-window", f.dir.join("resource0")),
        };
        let regs = Bar::open(&bar0, REG_WINDOW as usize).and_then(|b| {
            let r = |reg: Reg| b.read32(reg.offset() as usize);
            Ok(CardRegs { id: r(Reg::Id)?, regmap_version: r(Reg::Version)?, kernels: r(Reg::Kernels)?, clock_khz: r(Reg::ClockKhz)? })
        });
        out.push(Listed { function: f, data_path, regs });
    }
    Ok((out, scan.skipped))
}
