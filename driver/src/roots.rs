//! Where the Linux interfaces of a card live: the sysfs root (`/sys`) and the device root
//! (`/dev`). Both can be moved (`ZKACCEL_SYSFS_ROOT`, `ZKACCEL_DEV_ROOT`, or [`Roots::new`]) so that
//! the emulated card (`zkaccel-card-emu`) serves the very same layout under a temporary
//! directory: only the paths differ from a real machine. Used by the PCIe backend (`pcie`,
//! re-exported there as `pcie::roots`) and by the bitstream loader's PCI steps (`load::pci`),
//! which is built without the `pcie` feature.

use std::path::{Path, PathBuf};

/// Environment variable that moves the sysfs root (default `/sys`).
pub const SYSFS_ROOT_ENV: &str = "ZKACCEL_SYSFS_ROOT";
/// Environment variable that moves the device root (default `/dev`).
pub const DEV_ROOT_ENV: &str = "ZKACCEL_DEV_ROOT";

/// The sysfs and /dev roots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roots {
    /// `/sys` on a real machine.
    pub sysfs: PathBuf,
    /// `/dev` on a real machine.
    pub dev: PathBuf,
}

impl Roots {
    /// Explicit roots.
    pub fn new(sysfs: impl Into<PathBuf>, dev: impl Into<PathBuf>) -> Self {
        Self { sysfs: sysfs.into(), dev: dev.into() }
    }

    /// `/sys` and `/dev`, unless `ZKACCEL_SYSFS_ROOT` / `ZKACCEL_DEV_ROOT` say otherwise.
    pub fn from_env() -> Self {
        let get = |k: &str, d: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(d));
        Self { sysfs: get(SYSFS_ROOT_ENV, "/sys"), dev: get(DEV_ROOT_ENV, "/dev") }
    }

    /// `<sysfs>/bus/pci/devices`.
    pub fn pci_devices(&self) -> PathBuf {
        self.sysfs.join("bus/pci/devices")
    }

    /// `<sysfs>/bus/pci/devices/<bdf>`.
    pub fn pci_device(&self, bdf: &str) -> PathBuf {
        self.pci_devices().join(bdf)
    }

    /// A device node: `/dev/<name>` under the device root.
    pub fn dev_node(&self, name: &str) -> PathBuf {
        self.dev.join(name)
    }

    /// `<sysfs>/bus/pci/rescan`.
    pub fn pci_rescan(&self) -> PathBuf {
        self.sysfs.join("bus/pci/rescan")
    }

    /// `path` with `/dev` replaced by the device root (for an `xdma:/dev/xdma0` spec).
    pub fn rebase_dev(&self, path: &Path) -> PathBuf {
        match path.strip_prefix("/dev") {
            Ok(rest) => self.dev.join(rest),
            Err(_) => path.to_path_buf(),
        }
    }
}

/// The driver bound to the PCI function whose sysfs directory is `function_dir` (the name its
/// `driver` link points at), if any.
pub fn bound_driver(function_dir: &Path) -> Option<String> {
    std::fs::read_link(function_dir.join("driver")).ok().and_then(|l| l.file_name().map(|n| n.to_string_lossy().into_owned()))
}
