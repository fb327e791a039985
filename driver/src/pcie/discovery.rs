//! Finding cards in sysfs: a PCI function's directory (`<sysfs>/bus/pci/devices/<BDF>`), its
//! vendor, device and class ids, the driver bound to it (`driver` link), and the XDMA driver's character
//! devices that belong to it (`<BDF>/xdma/xdma<N>_*`, the class devices the Xilinx driver
//! creates under its PCI parent).

use std::path::{Path, PathBuf};

use super::errors::io_error;
use super::roots::Roots;
use crate::device::DeviceError;

/// Xilinx's PCI vendor id (Alveo, lab boards, the XDMA IP's default).
pub const VENDOR_XILINX: u16 = 0x10ee;
/// Amazon's PCI vendor id (AWS F1/F2 FPGA cards).
pub const VENDOR_AWS: u16 = 0x1d0f;
/// Vendors whose functions may carry a zkaccel bitstream.
pub const FPGA_VENDORS: [u16; 2] = [VENDOR_XILINX, VENDOR_AWS];
/// The AWS FPGA management functions (mailbox PF; aws/aws-fpga `sdk/userspace/include/hal/fpga_common.h`
/// `F1_MBOX_DEVICE_ID`, `F2_MBOX_DEVICE_ID`): the slot's control path, never a card's registers.
pub const AWS_MGMT_DEVICES: [u16; 2] = [0x1041, 0x9248];
/// PCI base classes that are never an FPGA card, whatever the vendor: mass storage (0x01) and
/// network (0x02) — AWS's vendor id is also every EC2 ENA network card's and EBS/instance-store
/// NVMe disk's.
pub const NOT_CARD_CLASSES: [(u8, &str); 2] = [(0x01, "a mass-storage device"), (0x02, "a network device")];

/// One PCI function as sysfs shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciFunction {
    /// `0000:3b:00.0`.
    pub bdf: String,
    /// Its sysfs directory.
    pub dir: PathBuf,
    pub vendor: u16,
    pub device: u16,
    /// The class code (`class`: base class, subclass, programming interface), when sysfs has it.
    pub class: Option<u32>,
    /// The bound kernel driver (`xdma`, `vfio-pci`, …), if any.
    pub driver: Option<String>,
    /// The XDMA driver's instance number (`/dev/xdma<N>_*`), when it is bound and exposes one.
    pub xdma_instance: Option<u32>,
}

impl PciFunction {
    /// Whether this function may be an FPGA card a zkaccel bitstream runs on: a function of an
    /// FPGA vendor ([`FPGA_VENDORS`]) that is not a network or mass-storage device (by its class
    /// code) nor an AWS FPGA management function ([`PciFunction::not_a_card_why`] says which).
    /// The vendor alone is not enough: AWS's id 0x1d0f is also its ENA network cards' and NVMe
    /// disks', and a BAR0 read or open of those must never happen. (The name predates the class
    /// filter: `device list`, `--device auto` and `open_bdf` all go through it.)
    pub fn is_fpga_vendor(&self) -> bool {
        FPGA_VENDORS.contains(&self.vendor) && self.not_a_card_why().is_none()
    }

    /// Why a function of an FPGA vendor is not a card: its class (network, mass storage) or an
    /// AWS management function. `None` when it may be one.
    pub fn not_a_card_why(&self) -> Option<String> {
        if let Some(c) = self.class {
            if let Some((_, what)) = NOT_CARD_CLASSES.iter().find(|(b, _)| *b == (c >> 16) as u8) {
                return Some(format!("{} is {what} (class {c:#08x}), not an FPGA card", self.bdf));
            }
        }
        if self.vendor == VENDOR_AWS && AWS_MGMT_DEVICES.contains(&self.device) {
            return Some(format!("{} is the AWS FPGA management function ({:#06x}), not the card's application function", self.bdf, self.device));
        }
        None
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

/// Reads a small sysfs attribute: a regular file (as sysfs attributes are) of at most `max`
/// bytes. A FIFO, a device node or a longer file (a moved sysfs root may hold anything) is an
/// error, never a read that blocks or does not end.
pub fn read_attribute(path: &Path, max: usize) -> Result<Vec<u8>, DeviceError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let not_attr = |what: &str| DeviceError::Protocol(format!("{}: {what}, not a sysfs attribute", path.display()));
    if !std::fs::metadata(path).map_err(|e| io_error(path, &e, "stat"))?.is_file() {
        return Err(not_attr("not a regular file"));
    }
    // Non-blocking, in case it was replaced by a FIFO since; checked again on what was opened.
    let f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|e| io_error(path, &e, "open"))?;
    if !f.metadata().map_err(|e| io_error(path, &e, "stat"))?.is_file() {
        return Err(not_attr("not a regular file"));
    }
    let mut buf = Vec::new();
    f.take(max as u64 + 1).read_to_end(&mut buf).map_err(|e| io_error(path, &e, "read"))?;
    if buf.len() > max {
        return Err(not_attr(&format!("longer than {max} bytes")));
    }
    Ok(buf)
}

fn read_id(dir: &Path, name: &str) -> Result<u16, DeviceError> {
    let path = dir.join(name);
    let text = String::from_utf8_lossy(&read_attribute(&path, 64)?).into_owned();
    let t = text.trim();
    u16::from_str_radix(t.trim_start_matches("0x"), 16)
        .map_err(|_| DeviceError::Protocol(format!("{}: '{t}' is not a PCI id (expected 0x followed by 4 hex digits)", path.display())))
}

/// The `class` attribute (`0x020000`); `None` when sysfs has none (a moved root may omit it).
fn read_class(dir: &Path) -> Result<Option<u32>, DeviceError> {
    let path = dir.join("class");
    if !path.exists() {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&read_attribute(&path, 64)?).into_owned();
    let t = text.trim();
    t.strip_prefix("0x")
        .filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .map(Some)
        .ok_or_else(|| DeviceError::Protocol(format!("{}: '{t}' is not a PCI class code (expected 0x followed by 6 hex digits)", path.display())))
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
    let class = read_class(&dir)?;
    let driver = crate::roots::bound_driver(&dir);
    let xdma_instance = xdma_instance(&dir);
    Ok(PciFunction { bdf, dir, vendor, device, class, driver, xdma_instance })
}

/// `N` of the `xdma<N>_user` class device under the function's `xdma/` directory.
fn xdma_instance(dir: &Path) -> Option<u32> {
    let entries = std::fs::read_dir(dir.join("xdma")).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_prefix("xdma")?.strip_suffix("_user")?.parse().ok()))
        .min()
}

/// What a scan of sysfs found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// The functions that could be read, sorted by address.
    pub functions: Vec<PciFunction>,
    /// The entries skipped, each with why (unreadable or garbled ids, removed during the scan).
    pub skipped: Vec<String>,
}

/// Every PCI function in sysfs that can be read (sorted by address), and a note for each entry
/// that could not (skipped: one bad entry does not hide the good cards). A missing
/// `bus/pci/devices` directory is an empty list (no PCI bus, e.g. a container), not an error.
pub fn scan(roots: &Roots) -> Result<Scan, DeviceError> {
    let dir = roots.pci_devices();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Scan::default()),
        Err(e) => return Err(io_error(&dir, &e, "list")),
    };
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let mut out = Scan::default();
    for name in names {
        if normalize_bdf(&name).is_ok() {
            match find(roots, &name) {
                Ok(f) => out.functions.push(f),
                Err(e) => out.skipped.push(format!("{name}: skipped: {e}")),
            }
        }
    }
    Ok(out)
}

/// The functions of [`scan`] (the skipped entries left out).
pub fn list(roots: &Roots) -> Result<Vec<PciFunction>, DeviceError> {
    scan(roots).map(|s| s.functions)
}
