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
            // No driver bound (an F2 function after an image load): the BAR window over the
            // sysfs resource files, as `open_bdf` opens it.
            (None, _) => ("bar-window", f.dir.join("resource0")),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A fake sysfs function with `vendor`, `device`, `class` and a driver.
    fn function(roots: &Roots, bdf: &str, vendor: u16, device: u16, class: u32, driver: &str) {
        let dir = roots.pci_device(bdf);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("vendor"), format!("{vendor:#06x}\n")).unwrap();
        std::fs::write(dir.join("device"), format!("{device:#06x}\n")).unwrap();
        std::fs::write(dir.join("class"), format!("{class:#08x}\n")).unwrap();
        std::fs::write(dir.join("resource0"), vec![0u8; 4096]).unwrap();
        let drv = roots.sysfs.join("bus/pci/drivers").join(driver);
        std::fs::create_dir_all(&drv).unwrap();
        std::os::unix::fs::symlink(&drv, dir.join("driver")).unwrap();
    }

    /// AWS's vendor id is also its ENA network cards' and NVMe disks', and the F2 management
    /// function's: `device list` read BAR0 of each and `--device auto` / `open_bdf` tried to open
    /// them. Now only the application function of the FPGA is a card.
    #[test]
    fn aws_network_storage_and_management_functions_are_not_cards() {
        let d = std::env::temp_dir().join(format!("zkaccel-listing-not-cards-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let roots = Roots::new(d.join("sys"), d.join("dev"));
        function(&roots, "0000:00:05.0", 0x1d0f, 0xec20, 0x020000, "ena");
        function(&roots, "0000:00:1f.0", 0x1d0f, 0x8061, 0x010802, "nvme");
        function(&roots, "0000:00:1d.0", 0x1d0f, 0x9248, 0x058000, "fpga-mgmt");
        function(&roots, "0000:00:1e.0", 0x1d0f, 0xf010, 0x120000, "vfio-pci");
        let listed: Vec<String> = list_cards(&roots).unwrap().into_iter().map(|l| l.function.bdf).collect();
        assert_eq!(listed, ["0000:00:1e.0"]);
        let all = discovery::list(&roots).unwrap();
        let why: Vec<Option<String>> = all.iter().map(PciFunction::not_a_card_why).collect();
        assert!(why[0].as_deref().unwrap().contains("is a network device (class 0x020000)"), "{why:?}");
        assert!(why[1].as_deref().unwrap().contains("is the AWS FPGA management function (0x9248)"), "{why:?}");
        assert!(why[3].as_deref().unwrap().contains("is a mass-storage device (class 0x010802)"), "{why:?}");
        assert_eq!(why[2], None);
        // open_bdf refuses each and says what it is.
        for (bdf, what) in [("0000:00:05.0", "a network device"), ("0000:00:1f.0", "a mass-storage device"), ("0000:00:1d.0", "the AWS FPGA management function")] {
            let e = crate::pcie::PcieCard::open_bdf(&roots, bdf, Duration::from_secs(1)).err().unwrap().to_string();
            assert!(e.contains(what) && e.contains(", not ") && e.contains("zkaccel device list"), "{bdf}: {e}");
        }
        // A class attribute that is not one is an error naming the file (the scan skips the entry).
        std::fs::write(roots.pci_device("0000:00:05.0").join("class"), "network\n").unwrap();
        let scan = discovery::scan(&roots).unwrap();
        assert!(scan.skipped.len() == 1 && scan.skipped[0].contains("'network' is not a PCI class code"), "{:?}", scan.skipped);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
