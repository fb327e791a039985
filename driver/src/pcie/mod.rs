//! The PCIe backend (feature `pcie`): a zkaccel card reached through the Linux interfaces a real
//! machine has, with nothing but paths configurable ([`roots::Roots`]).
//!
//! * [`roots`] — where sysfs and `/dev` are (`ZKACCEL_SYSFS_ROOT`, `ZKACCEL_DEV_ROOT`);
//! * [`discovery`] — PCI functions in sysfs: address, ids, bound driver, XDMA instance;
//! * [`bar`] — BAR mappings (`memmap2`), volatile aligned 32-bit accesses only;
//! * [`window`] — the BAR-window data path (no DMA engine: AWS F2's small shell);
//! * [`xdma`] — the XDMA character-device data path (streaming channels, a concurrent reader);
//! * [`errors`] — OS errors as [`DeviceError`]s that name the fix;
//! * [`wait`] — bounded polling (every wait ends by its deadline).
//!
//! [`PcieCard`] is the [`Device`]: registers in BAR0 (`<BDF>/resource0`, or `/dev/xdma<N>_user`),
//! data over one of the two paths, completion by polling `DONE_SEQ`, reset by the function-level
//! reset of sysfs (`<BDF>/reset`), then resynchronising the data path.

pub mod bar;
pub mod discovery;
pub mod errors;
pub mod listing;
pub use crate::roots;
pub mod wait;
pub mod window;
pub mod xdma;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bar::Bar;
use discovery::PciFunction;
use roots::Roots;
use wait::poll_until;
use window::BarWindow;
use xdma::{ChannelMode, XdmaNodes, XdmaStream};

use crate::device::{Device, DeviceError, Identity};
use crate::regs::{Kernel, Reg, CARD_ID, GONE, REGMAP_VERSION, REG_WINDOW};

/// The data BAR of the BAR-window path unless `ZKACCEL_DATA_BAR` says otherwise: BAR4, AWS's PCIS.
pub const DEFAULT_DATA_BAR: u32 = 4;
/// Environment variable choosing the data BAR of the BAR-window path.
pub const DATA_BAR_ENV: &str = "ZKACCEL_DATA_BAR";
/// Most card-to-host bytes the host holds that no receive has taken yet (XDMA: what the reader
/// collected; window: what was emptied from the mailbox while sending). The largest answer of one
/// command is tens of MiB (an MSM's buckets); a card that streams more is broken, and the data
/// path reports a protocol error instead of holding it.
pub const C2H_BUFFER_MAX: usize = 256 << 20;

/// How a card's data moves.
pub enum DataPath {
    /// The XDMA driver's streaming channels.
    Xdma(XdmaStream),
    /// A window in a data BAR.
    Window(BarWindow),
}

impl DataPath {
    fn describe(&self) -> String {
        match self {
            DataPath::Xdma(x) => x.describe(),
            DataPath::Window(w) => format!("BAR window {} ({}-byte mailboxes)", w.bar().path().display(), w.chunk()),
        }
    }
}

/// A zkaccel card on the PCIe bus.
pub struct PcieCard {
    regs: Bar,
    data: DataPath,
    /// `<BDF>/reset` in sysfs (function-level reset), when the card was opened by address.
    reset_file: Option<PathBuf>,
    name: String,
    /// Bound for the reset's own waits.
    timeout: Duration,
}

/// The register window must fit the mapping.
const BAR0_MIN: usize = REG_WINDOW as usize;

impl PcieCard {
    /// The card at `bdf`: the XDMA path when the `xdma` driver is bound to it, else (another
    /// driver, or none: the function's memory decoding is then enabled through sysfs `enable`
    /// if it is off) the BAR window in its data BAR (`ZKACCEL_DATA_BAR`, default 4), both mapped
    /// from sysfs `resource<N>`. Errors name the fix.
    pub fn open_bdf(roots: &Roots, bdf: &str, timeout: Duration) -> Result<Self, DeviceError> {
        let f = discovery::find(roots, bdf)?;
        if !f.is_fpga_vendor() {
            let why = f.not_a_card_why().unwrap_or_else(|| {
                format!(
                    "{} is vendor {:#06x} device {:#06x}, not an FPGA card zkaccel knows (Xilinx {:#06x}, AWS {:#06x})",
                    f.bdf,
                    f.vendor,
                    f.device,
                    discovery::VENDOR_XILINX,
                    discovery::VENDOR_AWS
                )
            });
            return Err(DeviceError::Unsupported(format!("{why}: check the address with `zkaccel device list`")));
        }
        let reset_file = Some(f.dir.join("reset"));
        if f.driver.as_deref() == Some("xdma") {
            let n = f.xdma_instance.ok_or_else(|| {
                DeviceError::Gone(format!("{}: the xdma driver is bound but created no xdma<N>_user device (check `dmesg` for the XDMA driver's probe)", f.bdf))
            })?;
            let base = roots.dev_node(&format!("xdma{n}"));
            return Self::open_xdma_nodes(&XdmaNodes::new(&base, 0), ChannelMode::Streaming, ChannelMode::Streaming, reset_file, &describe_fn(&f), timeout);
        }
        // The BAR window through sysfs `resource<N>`, which the kernel maps with or without a
        // driver bound. With none (as after AWS's `fpga-load-local-image`, whose rescan drops any
        // `driver_override`), nobody has enabled the function's memory decoding: it is enabled here.
        if f.driver.is_none() {
            enable_memory_decoding(&f, timeout)?;
        }
        let bar_n = std::env::var(DATA_BAR_ENV).ok().and_then(|v| v.parse::<u32>().ok()).unwrap_or(DEFAULT_DATA_BAR);
        let regs_path = f.dir.join("resource0");
        if !regs_path.exists() {
            return Err(DeviceError::Unsupported(format!(
                "{} has no BAR0 ({} is missing): the card's registers are in BAR0; is this the card's function (see `zkaccel device list`), and is its bitstream loaded?",
                f.bdf,
                regs_path.display()
            )));
        }
        let regs = Bar::open(&regs_path, BAR0_MIN)?;
        let data_path = f.dir.join(format!("resource{bar_n}"));
        if !data_path.exists() {
            return Err(DeviceError::Unsupported(format!(
                "{} has no BAR{bar_n} ({} is missing): the BAR-window path needs the shell's data BAR (set {DATA_BAR_ENV} to its number), or bind the xdma driver for DMA (`modprobe xdma`)",
                f.bdf,
                data_path.display()
            )));
        }
        Self::new(regs, DataPath::Window(BarWindow::open(Bar::open(&data_path, window::win::MAILBOX)?)?), reset_file, describe_fn(&f), timeout)
    }

    /// The XDMA instance at `base` (e.g. `/dev/xdma0`, rebased on the device root), channel 0.
    /// `mode` is `stream` (default) or `mm`, for both channels. Without a PCI address there is no
    /// function-level reset: a reset only resynchronises the data path.
    pub fn open_xdma(roots: &Roots, base: &Path, mode: ChannelMode, timeout: Duration) -> Result<Self, DeviceError> {
        let base = roots.rebase_dev(base);
        let nodes = XdmaNodes::new(&base, 0);
        // The function behind it, when sysfs says (for the reset).
        let reset_file = discovery::list(roots)
            .ok()
            .and_then(|fs| fs.into_iter().find(|f| f.xdma_instance.is_some_and(|n| base.ends_with(format!("xdma{n}")))))
            .map(|f| f.dir.join("reset"));
        Self::open_xdma_nodes(&nodes, mode, mode, reset_file, &format!("XDMA {}", base.display()), timeout)
    }

    fn open_xdma_nodes(nodes: &XdmaNodes, h2c: ChannelMode, c2h: ChannelMode, reset_file: Option<PathBuf>, what: &str, timeout: Duration) -> Result<Self, DeviceError> {
        let regs = Bar::open(&nodes.user, BAR0_MIN)?;
        // Check the card before opening the channels.
        check_identity(&regs, what)?;
        let data = DataPath::Xdma(XdmaStream::open(nodes, h2c, c2h, timeout)?);
        Self::new(regs, data, reset_file, what.to_string(), timeout)
    }

    fn new(regs: Bar, data: DataPath, reset_file: Option<PathBuf>, what: String, timeout: Duration) -> Result<Self, DeviceError> {
        check_identity(&regs, &what)?;
        let name = format!("PCIe card {what} (registers {}, data: {})", regs.path().display(), data.describe());
        Ok(Self { regs, data, reset_file, name, timeout })
    }

    /// When a wait failed: a card that reads all ones is gone, whatever else the error said.
    fn gone_or(&self, e: DeviceError) -> DeviceError {
        match self.regs.read32(Reg::Id.offset() as usize) {
            Ok(GONE) => DeviceError::Gone(format!("the ID register reads all ones (surprise removal?) after: {e}")),
            _ => e,
        }
    }
}

/// Writes `1` to `<BDF>/reset` (the function-level reset).
fn write_reset(path: &Path) -> Result<(), DeviceError> {
    write_sysfs_one(path, "write (function-level reset)")
}

/// Writes `1` to a sysfs attribute: a regular file, as sysfs attributes are (never a FIFO, whose
/// open would wait for a reader).
fn write_sysfs_one(path: &Path, what: &str) -> Result<(), DeviceError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let regular = |m: std::io::Result<std::fs::Metadata>| match m {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(DeviceError::Unsupported(format!("{} is not a regular file (a sysfs attribute): cannot {what}", path.display()))),
        Err(e) => Err(errors::io_error(path, &e, what)),
    };
    regular(std::fs::metadata(path))?;
    let mut f =
        std::fs::OpenOptions::new().write(true).truncate(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|e| errors::io_error(path, &e, what))?;
    regular(f.metadata())?;
    f.write_all(b"1\n").map_err(|e| errors::io_error(path, &e, what))
}

/// `PCI_COMMAND` in configuration space, and its memory-space enable bit.
const PCI_COMMAND: usize = 0x04;
const PCI_COMMAND_MEMORY: u16 = 0x2;

/// The function's command register, from sysfs `config` (world-readable: its first 64 bytes);
/// `None` when there is no such file to read.
fn command_register(f: &PciFunction) -> Option<u16> {
    let b = discovery::read_attribute(&f.dir.join("config"), 4096).ok()?;
    Some(u16::from_le_bytes([*b.get(PCI_COMMAND)?, *b.get(PCI_COMMAND + 1)?]))
}

/// A function with no driver bound answers its BARs only when its memory decoding is on
/// (`PCI_COMMAND_MEMORY`); a driver turns it on when it enables the device, and a function that
/// was removed and rescanned (AWS's image load) has none. When it is off, writing `1` to sysfs
/// `enable` has the kernel enable the device (`pci_enable_device`: memory decoding on; refused
/// while a driver is bound, and needs root). Without a `config` file to read (a moved sysfs root
/// that has none) nothing is written: the ID check reports a BAR that reads all ones.
fn enable_memory_decoding(f: &PciFunction, timeout: Duration) -> Result<(), DeviceError> {
    match command_register(f) {
        None => return Ok(()),
        Some(c) if c & PCI_COMMAND_MEMORY != 0 => return Ok(()),
        Some(_) => {}
    }
    let enable = f.dir.join("enable");
    write_sysfs_one(&enable, "write (enable the function's memory decoding)")?;
    let what = || format!("the memory decoding of {} to be on after writing 1 to {} (PCI_COMMAND in {}/config)", f.bdf, enable.display(), f.dir.display());
    poll_until(timeout, what, || Ok(command_register(f).filter(|c| c & PCI_COMMAND_MEMORY != 0).map(|_| ())))
}

fn describe_fn(f: &PciFunction) -> String {
    format!("{} ({:04x}:{:04x}, driver {})", f.bdf, f.vendor, f.device, f.driver.as_deref().unwrap_or("none"))
}

/// The card's ID, register-map version and kernels, each mismatch an error naming the fix.
pub fn check_identity(regs: &Bar, what: &str) -> Result<(), DeviceError> {
    let id = regs.read32(Reg::Id.offset() as usize)?;
    if id == GONE {
        return Err(DeviceError::Gone(format!("{what}: the ID register reads all ones: the card is gone or its BAR is disabled (`setpci COMMAND`, a rescan, or a reboot of the FPGA)")));
    }
    if id != CARD_ID {
        return Err(DeviceError::Unsupported(format!(
            "{what}: ID register {id:#010x}, not a zkaccel card ({CARD_ID:#010x}): load the zkaccel bitstream (AFI on F2: `fpga-load-local-image`)"
        )));
    }
    let version = regs.read32(Reg::Version.offset() as usize)?;
    if version != REGMAP_VERSION {
        return Err(DeviceError::Unsupported(format!(
            "{what}: the bitstream speaks register map v{version}, this driver v{REGMAP_VERSION}: load a bitstream built from this release, or a zkaccel that matches the bitstream"
        )));
    }
    let kernels = regs.read32(Reg::Kernels.offset() as usize)?;
    if kernels & (Kernel::Ntt as u32 | Kernel::Msm as u32) == 0 {
        return Err(DeviceError::Unsupported(format!("{what}: the bitstream has neither the NTT nor the MSM kernel (kernel mask {kernels:#x}): load a zkaccel bitstream with them")));
    }
    Ok(())
}

fn check_offset(offset: u32) -> Result<(), DeviceError> {
    if !offset.is_multiple_of(4) || offset >= REG_WINDOW {
        return Err(DeviceError::Unsupported(format!("register offset {offset:#x}")));
    }
    Ok(())
}

impl Device for PcieCard {
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        check_offset(offset)?;
        self.regs.read32(offset as usize)
    }

    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        check_offset(offset)?;
        self.regs.write32(offset as usize, value)
    }

    fn stream_to_card(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        if !data.len().is_multiple_of(32) {
            return Err(DeviceError::Unsupported(format!("{} bytes is not whole 32-byte beats", data.len())));
        }
        let r = match &mut self.data {
            DataPath::Xdma(x) => x.send(data, timeout),
            DataPath::Window(w) => w.send(data, timeout),
        };
        r.map_err(|e| self.gone_or(e))
    }

    fn stream_from_card(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        let r = match &mut self.data {
            DataPath::Xdma(x) => x.receive(len, timeout),
            DataPath::Window(w) => w.receive(len, timeout),
        };
        r.map_err(|e| self.gone_or(e))
    }

    fn wait_done(&mut self, seq: u32, timeout: Duration) -> Result<(), DeviceError> {
        let regs = &self.regs;
        let r = poll_until(timeout, || format!("DONE_SEQ = {seq}"), || {
            let done = regs.read32(Reg::DoneSeq.offset() as usize)?;
            if done == seq {
                return Ok(Some(()));
            }
            if done == GONE && regs.read32(Reg::Id.offset() as usize)? == GONE {
                return Err(DeviceError::Gone("DONE_SEQ and ID read all ones".into()));
            }
            Ok(None)
        });
        r.map_err(|e| self.gone_or(e))
    }

    /// The function-level reset (`<BDF>/reset`: the kernel resets the function and restores its
    /// configuration; needs root), then the card must identify again within the timeout, and the
    /// data path forgets what was in flight. On AWS F2 the CL top answers the FLR
    /// (`sh_cl_flr_assert`/`cl_sh_flr_done`) and resets the card with it.
    fn reset(&mut self) -> Result<(), DeviceError> {
        if let Some(path) = &self.reset_file {
            write_reset(path)?;
            // On a real machine the write returns when the reset is done and the file cannot be
            // read back; an emulated card clears it when its reset is done.
            poll_until(self.timeout, || format!("the reset of {} to finish", path.display()), || match discovery::read_attribute(path, 64) {
                Ok(b) if b.starts_with(b"1") => Ok(None),
                _ => Ok(Some(())),
            })?;
        }
        let regs = &self.regs;
        poll_until(self.timeout, || "the card to identify after its reset".into(), || match regs.read32(Reg::Id.offset() as usize)? {
            CARD_ID => Ok(Some(())),
            GONE => Err(DeviceError::Gone("the ID register reads all ones after the reset".into())),
            _ => Ok(None),
        })?;
        match &mut self.data {
            DataPath::Xdma(x) => x.drain()?,
            DataPath::Window(w) => w.resync()?,
        }
        Ok(())
    }

    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity {
            name: self.name.clone(),
            regmap_version: self.regs.read32(Reg::Version.offset() as usize)?,
            kernels: self.regs.read32(Reg::Kernels.offset() as usize)?,
            clock_khz: self.regs.read32(Reg::ClockKhz.offset() as usize)?,
        })
    }
}
