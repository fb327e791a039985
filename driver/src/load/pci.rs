//! The PCI steps around reprogramming a card in place (Alveo over JTAG): the new bitstream takes
//! the card's PCIe endpoint down and brings up another, so the kernel's view of the function is
//! stale afterwards (its BARs read all ones). As the generated `program_jtag.tcl` says, the
//! function is removed from the bus before programming (`<BDF>/remove`) and the bus rescanned
//! after (`bus/pci/rescan`); then the function must come back at its address, with the driver
//! that was bound before, before the card is opened and checked.
//!
//! The sysfs root is the driver's ([`Roots`]: `ZKACCEL_SYSFS_ROOT`, default `/sys`), so that tests
//! run the sequence on a fake sysfs. Every attribute written must be a regular file (as sysfs attributes
//! are): never a FIFO, whose open would wait for a reader.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::LoadError;
use crate::roots::{bound_driver, Roots};

/// How long a function that came back without its driver is given for the kernel to bind it by
/// itself before a binding made through `driver_override` (which a removed function loses) is
/// restored.
pub const AUTOBIND_GRACE: Duration = Duration::from_secs(2);

/// How often the bus is rescanned again while the function has not come back (a link that trains
/// late after programming is found by a later rescan).
pub const RESCAN_EVERY: Duration = Duration::from_secs(2);

/// A function's state before it was removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionState {
    /// It was on the bus.
    pub present: bool,
    /// The driver bound to it (`xdma`, `vfio-pci`, …).
    pub driver: Option<String>,
    /// Its `driver_override` (`None`: unset, which the kernel shows as `(null)`).
    pub driver_override: Option<String>,
}

/// The PCI bus under a sysfs root.
#[derive(Clone, Debug)]
pub struct PciBus {
    roots: Roots,
}

impl PciBus {
    pub fn new(roots: Roots) -> Self {
        Self { roots }
    }

    /// `<sysfs>/bus/pci/devices/<bdf>`.
    pub fn function_dir(&self, bdf: &str) -> PathBuf {
        self.roots.pci_device(bdf)
    }

    /// `<sysfs>/bus/pci/devices/<bdf>/remove`.
    pub fn remove_path(&self, bdf: &str) -> PathBuf {
        self.function_dir(bdf).join("remove")
    }

    /// `<sysfs>/bus/pci/rescan`.
    pub fn rescan_path(&self) -> PathBuf {
        self.roots.pci_rescan()
    }

    /// Whether the function is on the bus, and its driver.
    pub fn state(&self, bdf: &str) -> FunctionState {
        let dir = self.function_dir(bdf);
        if !dir.is_dir() {
            return FunctionState::default();
        }
        let driver_override =
            std::fs::read_to_string(dir.join("driver_override")).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && s != "(null)");
        FunctionState { present: true, driver: bound_driver(&dir), driver_override }
    }

    /// Removes the function from the bus (`echo 1 > <BDF>/remove`).
    pub fn remove(&self, bdf: &str) -> Result<(), LoadError> {
        write_attribute(&self.remove_path(bdf), "1\n").map_err(|problem| LoadError::Pci {
            bdf: bdf.into(),
            problem: format!(
                "cannot remove the function from the PCI bus before programming it ({problem}); nothing was programmed. \
                 Reprogramming takes the card's PCIe endpoint down, so it is removed first and rescanned after: run as root"
            ),
        })
    }

    /// Rescans the whole bus (`echo 1 > bus/pci/rescan`).
    pub fn rescan(&self, bdf: &str) -> Result<(), LoadError> {
        write_attribute(&self.rescan_path(), "1\n").map_err(|problem| LoadError::Pci {
            bdf: bdf.into(),
            problem: format!("cannot rescan the PCI bus after programming ({problem}); rescan as root (`echo 1 > /sys/bus/pci/rescan`) or warm-reboot"),
        })
    }

    /// Waits, at most `bound`, for `bdf` to be back on the bus with the driver it had `before`
    /// (rescanning every [`RESCAN_EVERY`]); restores a `driver_override` binding the removal
    /// lost. The bus was rescanned once already.
    pub fn wait_back(&self, bdf: &str, before: &FunctionState, bound: Duration, interval: Duration) -> Result<(), LoadError> {
        let start = Instant::now();
        let deadline = start + bound;
        let dir = self.function_dir(bdf);
        let timeout = |what: String| LoadError::Timeout { tool: "PCI rescan".into(), secs: bound.as_secs_f64(), what };
        let sleep = || std::thread::sleep(interval.min(deadline.saturating_duration_since(Instant::now())));
        let mut last_rescan = Instant::now();
        while !dir.is_dir() {
            if Instant::now() >= deadline {
                return Err(timeout(format!(
                    "{bdf} to come back on the PCI bus after programming ({} does not exist): the card's PCIe link did not come up, \
                     or the new bitstream has no endpoint there; check `lspci -D` and `dmesg`, rescan (`echo 1 > /sys/bus/pci/rescan`) \
                     or warm-reboot, then check it with `zkaccel device status --bdf {bdf} --manifest <manifest>`",
                    dir.display()
                )));
            }
            if last_rescan.elapsed() >= RESCAN_EVERY {
                self.rescan(bdf)?;
                last_rescan = Instant::now();
            }
            sleep();
        }
        let Some(want) = &before.driver else { return Ok(()) };
        let grace = Instant::now() + AUTOBIND_GRACE;
        let mut restored = false;
        loop {
            match bound_driver(&dir) {
                Some(d) if &d == want => return Ok(()),
                Some(other) => {
                    return Err(LoadError::Pci {
                        bdf: bdf.into(),
                        problem: format!(
                            "came back after programming bound to driver '{other}', not '{want}' as before: unbind it and bind '{want}' \
                             (`echo {bdf} > /sys/bus/pci/drivers/{other}/unbind; echo {bdf} > /sys/bus/pci/drivers/{want}/bind`)"
                        ),
                    })
                }
                None => {}
            }
            if !restored && Instant::now() >= grace {
                if let Some(o) = &before.driver_override {
                    // A removed function loses its driver_override: the kernel does not bind it again.
                    let bind = self.roots.sysfs.join("bus/pci/drivers").join(want).join("bind");
                    write_attribute(&dir.join("driver_override"), &format!("{o}\n")).and_then(|_| write_attribute(&bind, &format!("{bdf}\n"))).map_err(
                        |problem| LoadError::Pci {
                            bdf: bdf.into(),
                            problem: format!(
                                "came back after programming without its driver '{want}', and binding it again failed ({problem}): \
                                 `echo {o} > {}/driver_override; echo {bdf} > /sys/bus/pci/drivers/{want}/bind`",
                                dir.display()
                            ),
                        },
                    )?;
                }
                restored = true;
            }
            if Instant::now() >= deadline {
                return Err(timeout(format!(
                    "the driver '{want}' to bind to {bdf} again after programming (it is back on the bus, with no driver); \
                     bind it (`echo {bdf} > /sys/bus/pci/drivers/{want}/bind`), then check the card with \
                     `zkaccel device status --bdf {bdf} --manifest <manifest>`"
                )));
            }
            sleep();
        }
    }
}

/// Writes `text` to a sysfs attribute: a regular file (never a FIFO, whose open would wait for a
/// reader), opened without blocking. `Err` says what went wrong, naming the path.
pub fn write_attribute(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let regular = |m: std::io::Result<std::fs::Metadata>| match m {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(format!("{} is not a regular file (a sysfs attribute)", path.display())),
        Err(e) => Err(format!("{}: {e}", path.display())),
    };
    regular(std::fs::metadata(path))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("cannot open {} for writing: {e}", path.display()))?;
    regular(f.metadata())?;
    f.write_all(text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
