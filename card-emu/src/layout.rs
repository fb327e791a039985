//! The files the emulated card puts where a Linux machine has them, under the given roots:
//!
//! * `<sysfs>/bus/pci/devices/<BDF>/`: `vendor`, `device`, `class`, `config` (the first 64 bytes
//!   of configuration space: ids, command register, class), `enable` (with no driver bound and
//!   memory decoding off, the emulator turns `PCI_COMMAND_MEMORY` on in `config` when `1` is
//!   written to it, as the kernel's `pci_enable_device` does), `reset` (the emulator clears it when
//!   a function-level reset is done), `resource0` (BAR0: a file both sides map; the card polls its
//!   doorbell), `driver` → `<sysfs>/bus/pci/drivers/<name>` (none with `--no-driver`: the
//!   BAR-window path maps the resource files all the same, as after an AWS image load);
//! * XDMA data path: `<BDF>/xdma/xdma<N>_{user,h2c_0,c2h_0}/` (the XDMA driver's class
//!   devices), `<dev>/xdma<N>_user` → `resource0`, and FIFOs `<dev>/xdma<N>_h2c_0`,
//!   `<dev>/xdma<N>_c2h_0` (streaming channels);
//! * BAR-window data path (driver `vfio-pci`): `<BDF>/resource4`, the data BAR with the window of
//!   `zkaccel_driver::pcie::window`.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use zkaccel_driver::pcie::roots::Roots;

/// How the card's data moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// The XDMA driver's streaming channels (FIFOs here).
    Xdma,
    /// A window in BAR4 (driver vfio-pci).
    Window,
}

/// What to create.
#[derive(Clone, Debug)]
pub struct LayoutSpec {
    pub roots: Roots,
    pub bdf: String,
    pub vendor: u16,
    pub device: u16,
    pub data: DataKind,
    /// Bind no driver (as after AWS's image load, which rescans the function).
    pub no_driver: bool,
    /// Memory decoding off in `config` until `1` is written to `enable`.
    pub decode_off: bool,
    pub xdma_instance: u32,
}

/// BAR0's size (the register window is 256 bytes; real BARs are at least a page).
pub const BAR0_BYTES: u64 = 0x1_0000;
/// The window's mailbox size.
pub const CHUNK: u32 = 0x1_0000;

/// The created files.
pub struct Layout {
    pub bar0: PathBuf,
    pub config: PathBuf,
    pub enable: PathBuf,
    pub reset: PathBuf,
    pub data_bar: Option<PathBuf>,
    pub h2c: Option<PathBuf>,
    pub c2h: Option<PathBuf>,
}

/// The memory-space enable bit of the command register.
pub const PCI_COMMAND_MEMORY: u16 = 0x2;
/// Offset of the command register in configuration space.
pub const PCI_COMMAND: usize = 0x04;

/// The first 64 bytes of a type-0 configuration space: ids, command, class (processing
/// accelerator).
fn config_space(vendor: u16, device: u16, command: u16) -> Vec<u8> {
    let mut c = vec![0u8; 64];
    c[0..2].copy_from_slice(&vendor.to_le_bytes());
    c[2..4].copy_from_slice(&device.to_le_bytes());
    c[PCI_COMMAND..PCI_COMMAND + 2].copy_from_slice(&command.to_le_bytes());
    c[0x0b] = 0x12;
    c
}

/// Plays the kernel's `enable` attribute until the process ends: when `1` is written to `enable`,
/// memory decoding goes on in `config`.
pub fn serve_enable(config: PathBuf, enable: PathBuf) {
    std::thread::spawn(move || loop {
        if std::fs::read(&enable).is_ok_and(|b| b.starts_with(b"1")) {
            if let Ok(mut c) = std::fs::read(&config) {
                if c.len() > PCI_COMMAND && c[PCI_COMMAND] & PCI_COMMAND_MEMORY as u8 == 0 {
                    c[PCI_COMMAND] |= PCI_COMMAND_MEMORY as u8;
                    // Logged before the write: once the driver sees decoding on, the line is in
                    // the log (a test reads it right after the driver's open returns).
                    println!("memory decoding enabled");
                    let _ = std::fs::write(&config, c);
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    });
}

fn mkfifo(path: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_file(path);
    let c = CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL in a path");
    // SAFETY: a valid C string.
    if unsafe { libc::mkfifo(c.as_ptr(), 0o660) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn sized_file(path: &Path, len: u64) -> std::io::Result<()> {
    let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path)?;
    f.set_len(len)
}

fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link)
}

impl Layout {
    /// Creates everything (replacing what a previous emulator left).
    pub fn create(s: &LayoutSpec) -> std::io::Result<Self> {
        let dir = s.roots.pci_device(&s.bdf);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        std::fs::create_dir_all(&s.roots.dev)?;
        std::fs::write(dir.join("vendor"), format!("{:#06x}\n", s.vendor))?;
        std::fs::write(dir.join("device"), format!("{:#06x}\n", s.device))?;
        std::fs::write(dir.join("class"), "0x120000\n")?; // processing accelerator
        let config = dir.join("config");
        std::fs::write(&config, config_space(s.vendor, s.device, if s.decode_off { 0 } else { PCI_COMMAND_MEMORY }))?;
        let enable = dir.join("enable");
        std::fs::write(&enable, if s.no_driver { "0\n" } else { "1\n" })?;
        let reset = dir.join("reset");
        std::fs::write(&reset, "0\n")?;
        let bar0 = dir.join("resource0");
        sized_file(&bar0, BAR0_BYTES)?;
        let driver = match s.data {
            DataKind::Xdma => "xdma",
            DataKind::Window => "vfio-pci",
        };
        if !s.no_driver {
            let drv = s.roots.sysfs.join("bus/pci/drivers").join(driver);
            std::fs::create_dir_all(&drv)?;
            symlink(&drv, &dir.join("driver"))?;
        }
        let mut l = Layout { bar0: bar0.clone(), config, enable, reset, data_bar: None, h2c: None, c2h: None };
        match s.data {
            DataKind::Xdma => {
                let n = s.xdma_instance;
                for node in ["user", "h2c_0", "c2h_0"] {
                    std::fs::create_dir_all(dir.join("xdma").join(format!("xdma{n}_{node}")))?;
                }
                symlink(&bar0, &s.roots.dev_node(&format!("xdma{n}_user")))?;
                let h2c = s.roots.dev_node(&format!("xdma{n}_h2c_0"));
                let c2h = s.roots.dev_node(&format!("xdma{n}_c2h_0"));
                mkfifo(&h2c)?;
                mkfifo(&c2h)?;
                l.h2c = Some(h2c);
                l.c2h = Some(c2h);
            }
            DataKind::Window => {
                let p = dir.join("resource4");
                sized_file(&p, zkaccel_driver::pcie::window::win::MAILBOX as u64 + 2 * CHUNK as u64)?;
                l.data_bar = Some(p);
            }
        }
        Ok(l)
    }
}
