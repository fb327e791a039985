//! Mapping the operating system's errors on a card's files to [`DeviceError`]s that name the fix.

use std::io;
use std::path::Path;

use crate::device::DeviceError;

/// An I/O error on `path` while trying to `what` it.
pub fn io_error(path: &Path, e: &io::Error, what: &str) -> DeviceError {
    let p = path.display();
    match e.kind() {
        io::ErrorKind::PermissionDenied => DeviceError::Unsupported(format!(
            "permission denied ({what} {p}): run as root, or give your user the card's files (a udev rule granting a group read/write on the XDMA nodes; the BAR window maps sysfs resource files, which only root may, see README \"Running on a real card\")"
        )),
        io::ErrorKind::NotFound => DeviceError::Gone(format!(
            "{p} does not exist ({what}): for the XDMA path, is the xdma driver loaded and bound (`modprobe xdma`)? for the BAR window (no driver needed), is this the card's function? see `zkaccel device list`"
        )),
        _ if e.raw_os_error() == Some(libc::ENXIO) || e.raw_os_error() == Some(libc::ENODEV) => {
            DeviceError::Gone(format!("{p}: no device behind it ({what}: {e}); the card or its driver went away"))
        }
        io::ErrorKind::BrokenPipe => DeviceError::Gone(format!("{p}: the other end closed ({what}): the card stopped answering")),
        _ => DeviceError::Protocol(format!("{what} {p}: {e}")),
    }
}
