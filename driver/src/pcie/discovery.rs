//! Finding cards in sysfs: a PCI function's directory (`<sysfs>/bus/pci/devices/<BDF>`), its
//! vendor and device ids, the driver bound to it (`driver` link), and the XDMA driver's character
//! devices that belong to it (`<BDF>/xdma/xdma<N>_*`, the class devices the Xilinx driver
//! creates under its PCI parent).

use std::path::PathBuf;

use super::errors::io_error;
use super::roots::Roots;
use crate::device::DeviceError;

/// Xilinx's PCI vendor id (Alveo, lab boards, the XDMA IP's default).
pub const VENDOR_XILINX: u16 = 0x10ee;
/// Amazon's PCI vendor id (AWS F1/F2 FPGA cards).
pub const VENDOR_AWS: u16 = 0x1d0f;
/// Vendors whose functions may carry a zkaccel bitstream.
pub const FPGA_VENDORS: [u16; 2] = [VENDOR_XILINX, VENDOR_AWS];

/// One PCI function as sysfs shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciFunction {
    /// `0000:3b:00.0`.
    pub bdf: String,
    /// Its sysfs directory.
    pub dir: PathBuf,
    pub vendor: u16,
    pub device: u16,
    /// The bound kernel driver (`xdma`, `vfio-pci`, …), if any.
    pub driver: Option<String>,
    /// The XDMA driver's instance number (`/dev/xdma<N>_*`), when it is bound and exposes one.
    pub xdma_instance: Option<u32>,
}

impl PciFunction {
    /// Whether the vendor is one that makes FPGA cards a zkaccel bitstream can run on.
    pub fn is_fpga_vendor(&self) -> bool {
        FPGA_VENDORS.contains(&self.vendor)
    }
}

/// Checks and normalises a PCI address: `DDDD:BB:DD.F`, or `BB:DD.F` (domain 0000), hex digits.
pub fn normalize_bdf(bdf: &str) -> Result<String, DeviceError> {
    let full = if bdf.matches(':').count() == 1 { format!("0000:{bdf}") } else { bdf.to_string() };
    let bad = || {
        DeviceError::Unsupported(format!(
            "'{bdf}' is not a PCI address: expected DDDD:BB:DD.F such as 0000:3b:00.0 (see `lspci -D` or `zkaccel device list`)"
        ))
    };
    let b = full.as_bytes();
    let shape = [4usize, 2, 2, 1];
    let parts: Vec<&str> = full.split([':', '.']).collect();
    if parts.len() != 4 || b.get(4) != Some(&b':') || b.get(7) != Some(&b':') || b.get(10) != Some(&b'.') {
        return Err(bad());
    }
    for (p, n) in parts.iter().zip(shape) {
        if p.len() != n || !p.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
    }
    Ok(full.to_ascii_lowercase())
}

fn read_id(dir: &std::path::Path, name: &str) -> Result<u16, DeviceError> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, &e, "read"))?;
    let t = text.trim();
    u16::from_str_radix(t.trim_start_matches("0x"), 16)
        .map_err(|_| DeviceError::Protocol(format!("{}: '{t}' is not a PCI id (expected 0x followed by 4 hex digits)", path.display())))
}

/// The function at `bdf` (normalised), or an error naming the fix.
pub fn find(roots: &Roots, bdf: &str) -> Result<PciFunction, DeviceError> {
    let bdf = normalize_bdf(bdf)?;
    let dir = roots.pci_device(&bdf);
    if !dir.is_dir() {
        return Err(DeviceError::Gone(format!(
            "no PCI device {bdf} under {}: check the address with `lspci -D` or `zkaccel device list`, and that the card is powered and enumerated (rescan: `echo 1 > /sys/bus/pci/rescan`)",
            roots.pci_devices().display()
        )));
    }
    let vendor = read_id(&dir, "vendor")?;
    let device = read_id(&dir, "device")?;
    let driver = std::fs::read_link(dir.join("driver")).ok().and_then(|l| l.file_name().map(|n| n.to_string_lossy().into_owned()));
    let xdma_instance = xdma_instance(&dir);
    Ok(PciFunction { bdf, dir, vendor, device, driver, xdma_instance })
}

/// `N` of the `xdma<N>_user` class device under the function's `xdma/` directory.
fn xdma_instance(dir: &std::path::Path) -> Option<u32> {
    let entries = std::fs::read_dir(dir.join("xdma")).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_prefix("xdma")?.strip_suffix("_user")?.parse().ok()))
        .min()
}

/// Every PCI function in sysfs (sorted by address). A missing `bus/pci/devices` directory is an
/// empty list (no PCI bus, e.g. a container), not an error.
pub fn list(roots: &Roots) -> Result<Vec<PciFunction>, DeviceError> {
    let dir = roots.pci_devices();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(io_error(&dir, &e, "list")),
    };
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let mut out = vec![];
    for name in names {
        if normalize_bdf(&name).is_ok() {
            out.push(find(roots, &name)?);
        }
    }
    Ok(out)
}
