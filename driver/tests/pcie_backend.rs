//! The PCIe backend's pieces on hand-made files (no card, no emulator): PCI addresses, sysfs
//! discovery, the error messages that name the fix, BAR mappings (volatile 32-bit, little-endian)
//! and the XDMA streaming channels over FIFOs (data both ways, end of file = gone, a timeout when
//! nothing comes). The whole backend against the emulated card is `host/zkml/tests/pcie_card.rs`.

use std::path::PathBuf;
use std::time::Duration;

use zkaccel_driver::pcie::bar::Bar;
use zkaccel_driver::pcie::discovery::{find, list, normalize_bdf};
use zkaccel_driver::pcie::errors::io_error;
use zkaccel_driver::pcie::roots::Roots;
use zkaccel_driver::pcie::xdma::{ChannelMode, XdmaNodes, XdmaStream};
use zkaccel_driver::pcie::PcieCard;
use zkaccel_driver::DeviceError;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkaccel-pcie-unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn function(roots: &Roots, bdf: &str, vendor: &str, driver: Option<&str>) -> PathBuf {
    let dir = roots.pci_device(bdf);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vendor"), format!("{vendor}\n")).unwrap();
    std::fs::write(dir.join("device"), "0x903f\n").unwrap();
    if let Some(d) = driver {
        let drv = roots.sysfs.join("bus/pci/drivers").join(d);
        std::fs::create_dir_all(&drv).unwrap();
        std::os::unix::fs::symlink(&drv, dir.join("driver")).unwrap();
    }
    dir
}

#[test]
fn pci_addresses_are_checked_and_normalised() {
    assert_eq!(normalize_bdf("0000:3B:00.0").unwrap(), "0000:3b:00.0");
    assert_eq!(normalize_bdf("65:00.1").unwrap(), "0000:65:00.1");
    for bad in ["", "3b:0.0", "0000:3b:00", "0000:3b:00.00", "zzzz:3b:00.0", "0000-3b-00.0", "0000:3b:00.0/../x"] {
        let e = normalize_bdf(bad).unwrap_err().to_string();
        assert!(e.contains("not a PCI address") && e.contains("DDDD:BB:DD.F"), "{bad}: {e}");
    }
}

#[test]
fn discovery_reads_ids_driver_and_xdma_instance() {
    let d = tmp("discovery");
    let roots = Roots::new(d.join("sys"), d.join("dev"));
    assert_eq!(list(&roots).unwrap(), vec![], "no PCI bus: an empty list");
    let x = function(&roots, "0000:65:00.0", "0x10ee", Some("xdma"));
    std::fs::create_dir_all(x.join("xdma/xdma3_user")).unwrap();
    function(&roots, "0000:17:00.0", "0x8086", Some("ixgbe"));
    function(&roots, "0000:66:00.0", "0x1d0f", None);
    std::fs::create_dir_all(roots.pci_devices().join("not-a-bdf")).unwrap();
    let all = list(&roots).unwrap();
    let got: Vec<_> = all.iter().map(|f| (f.bdf.as_str(), f.vendor, f.driver.as_deref(), f.xdma_instance, f.is_fpga_vendor())).collect();
    assert_eq!(
        got,
        vec![
            ("0000:17:00.0", 0x8086, Some("ixgbe"), None, false),
            ("0000:65:00.0", 0x10ee, Some("xdma"), Some(3), true),
            ("0000:66:00.0", 0x1d0f, None, None, true),
        ]
    );
    let e = find(&roots, "0000:99:00.0").unwrap_err();
    assert!(matches!(&e, DeviceError::Gone(m) if m.contains("no PCI device 0000:99:00.0") && m.contains("lspci -D")), "{e}");
    // Opening: a foreign vendor, no driver, and the xdma driver without its nodes.
    let t = Duration::from_secs(1);
    let e = PcieCard::open_bdf(&roots, "0000:17:00.0", t).err().unwrap().to_string();
    assert!(e.contains("vendor 0x8086") && e.contains("zkaccel device list"), "{e}");
    let e = PcieCard::open_bdf(&roots, "0000:66:00.0", t).err().unwrap().to_string();
    assert!(e.contains("0000:66:00.0 has no BAR0") && e.contains("resource0 is missing") && e.contains("zkaccel device list"), "{e}");
    let e = PcieCard::open_bdf(&roots, "0000:65:00.0", t).err().unwrap().to_string();
    assert!(e.contains("xdma3_user does not exist") && e.contains("modprobe xdma"), "{e}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn os_errors_name_the_fix() {
    let p = PathBuf::from("/sys/bus/pci/devices/0000:65:00.0/resource0");
    let denied = io_error(&p, &std::io::Error::from(std::io::ErrorKind::PermissionDenied), "open").to_string();
    assert!(denied.contains("permission denied (open /sys/bus/pci/devices/0000:65:00.0/resource0)") && denied.contains("udev"), "{denied}");
    let missing = io_error(&p, &std::io::Error::from(std::io::ErrorKind::NotFound), "open");
    assert!(matches!(&missing, DeviceError::Gone(m) if m.contains("modprobe xdma")), "{missing}");
    let nxio = io_error(&p, &std::io::Error::from_raw_os_error(libc_enxio()), "read");
    assert!(matches!(&nxio, DeviceError::Gone(m) if m.contains("no device behind it")), "{nxio}");
}

fn libc_enxio() -> i32 {
    6 // ENXIO on Linux
}

#[test]
fn bar_accesses_are_little_endian_32_bit_words_of_the_file() {
    let d = tmp("bar");
    let f = d.join("resource0");
    std::fs::write(&f, vec![0u8; 4096]).unwrap();
    let bar = Bar::open(&f, 256).unwrap();
    bar.write32(0x10, 0x1234_5678).unwrap();
    bar.write_bytes(0x20, &[1, 2, 3, 4, 5, 6]).unwrap();
    let bytes = std::fs::read(&f).unwrap();
    assert_eq!(&bytes[0x10..0x14], &[0x78, 0x56, 0x34, 0x12]);
    assert_eq!(&bytes[0x20..0x28], &[1, 2, 3, 4, 5, 6, 0, 0]);
    assert_eq!(bar.read32(0x10).unwrap(), 0x1234_5678);
    assert_eq!(bar.read_bytes(0x20, 5).unwrap(), vec![1, 2, 3, 4, 5]);
    assert!(bar.read32(0x12).unwrap_err().to_string().contains("unaligned"));
    assert!(bar.read32(4096).unwrap_err().to_string().contains("outside"));
    let small = d.join("small");
    std::fs::write(&small, [0u8; 64]).unwrap();
    assert!(Bar::open(&small, 256).err().unwrap().to_string().contains("smaller than the 256 bytes"));
    std::fs::remove_dir_all(&d).unwrap();
}

fn mkfifo(p: &std::path::Path) {
    let st = std::process::Command::new("mkfifo").arg(p).status().unwrap();
    assert!(st.success());
}

#[test]
fn xdma_streaming_channels_move_data_both_ways_and_report_a_vanished_card() {
    use std::io::{Read, Write};
    let d = tmp("xdma");
    let nodes = XdmaNodes::new(&d.join("xdma0"), 0);
    assert_eq!(nodes.c2h, d.join("xdma0_c2h_0"));
    mkfifo(&nodes.h2c);
    mkfifo(&nodes.c2h);
    // The card's ends (read-write, as the emulator holds them).
    let open = |p: &PathBuf| std::fs::OpenOptions::new().read(true).write(true).open(p).unwrap();
    let (mut card_in, mut card_out) = (open(&nodes.h2c), open(&nodes.c2h));
    let e = XdmaStream::open(&nodes, ChannelMode::Streaming, ChannelMode::MemoryMapped, Duration::from_secs(1)).err().unwrap().to_string();
    assert!(e.contains("memory-mapped channel") && e.contains("AXI-ST"), "{e}");
    let mut s = XdmaStream::open(&nodes, ChannelMode::Streaming, ChannelMode::Streaming, Duration::from_secs(1)).unwrap();
    // More than a FIFO holds, in one packet: the card answers while the host is still writing.
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let echo = std::thread::spawn(move || {
        let mut buf = vec![0u8; 200_000];
        card_in.read_exact(&mut buf).unwrap();
        let back: Vec<u8> = buf.iter().map(|b| b ^ 0x5a).collect();
        card_out.write_all(&back).unwrap();
        (card_in, card_out)
    });
    // The card echoes chunk by chunk only after reading everything, which needs the writer and
    // the reader running at once.
    s.send(&data, Duration::from_secs(60)).unwrap();
    let got = s.receive(data.len(), Duration::from_secs(60)).unwrap();
    assert_eq!(got, data.iter().map(|b| b ^ 0x5a).collect::<Vec<_>>());
    let (card_in, card_out) = echo.join().unwrap();
    // Nothing more comes: a timeout naming what was awaited.
    let e = s.receive(32, Duration::from_millis(200)).unwrap_err();
    assert!(matches!(&e, DeviceError::Timeout(_, m) if m.contains("32 bytes") && m.contains("0 arrived")), "{e}");
    // The card process goes away: end of file is "gone".
    drop((card_in, card_out));
    let e = s.receive(32, Duration::from_secs(60)).unwrap_err();
    assert!(matches!(&e, DeviceError::Gone(m) if m.contains("end of file")), "{e}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// A data window whose card publishes a chunk at every read of `C2H_SEQ` (a new sequence number
/// each time), `len` bytes each, after `delay`.
struct PublishingBus {
    len: u32,
    delay: Duration,
    seq: std::cell::Cell<u32>,
}

impl zkaccel_driver::pcie::window::WindowBus for PublishingBus {
    fn read32(&self, offset: usize) -> Result<u32, DeviceError> {
        use zkaccel_driver::pcie::window::{win, WINDOW_MAGIC};
        Ok(match offset {
            win::MAGIC => WINDOW_MAGIC,
            win::CHUNK => 64,
            win::C2H_LEN => self.len,
            win::C2H_SEQ => {
                std::thread::sleep(self.delay);
                self.seq.set(self.seq.get().wrapping_add(1));
                self.seq.get()
            }
            _ => 0,
        })
    }
    fn write32(&self, _: usize, _: u32) -> Result<(), DeviceError> {
        Ok(())
    }
    fn read_bytes(&self, _: usize, len: usize) -> Result<Vec<u8>, DeviceError> {
        Ok(vec![0; len])
    }
    fn write_bytes(&self, _: usize, _: &[u8]) -> Result<(), DeviceError> {
        Ok(())
    }
    fn len(&self) -> usize {
        0x1000 + 128
    }
    fn describe(&self) -> String {
        "publishing window".into()
    }
}

/// `receive` on a window whose card publishes without end: `(result, elapsed)`, or `None` when
/// the call had not returned after 3 s (the thread is left behind).
fn receive_from(chunk_len: u32, delay: Duration, len: usize, timeout: Duration) -> Option<(Result<Vec<u8>, DeviceError>, Duration)> {
    use zkaccel_driver::pcie::window::BarWindow;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut w = BarWindow::open(PublishingBus { len: chunk_len, delay, seq: std::cell::Cell::new(0) }).unwrap();
        let t = std::time::Instant::now();
        let r = w.receive(len, timeout);
        let _ = tx.send((r, t.elapsed()));
    });
    rx.recv_timeout(Duration::from_secs(3)).ok()
}

/// The window's receive is bounded by its timeout as a whole: a card that keeps publishing empty
/// chunks (C2H_LEN 0, a new C2H_SEQ each time) once held the host for as long as it went on
/// (forever); now an empty chunk is a protocol error. And a card that publishes data without end
/// no longer keeps the host past its deadline while a large receive is filled.
#[test]
fn window_receive_is_bounded_by_its_timeout_and_refuses_empty_chunks() {
    let (r, el) = receive_from(0, Duration::ZERO, 32, Duration::from_millis(20)).expect("receive(32, 20 ms) hung under empty chunks");
    let e = r.unwrap_err();
    assert!(matches!(&e, DeviceError::Protocol(m) if m.contains("empty card-to-host chunk")), "{e}");
    assert!(el < Duration::from_secs(1), "{el:?}");
    // 64-byte chunks every 100 µs: 1 MiB would take more than 1.6 s; the timeout is 50 ms.
    let (r, el) = receive_from(64, Duration::from_micros(100), 1 << 20, Duration::from_millis(50)).expect("receive hung");
    let e = r.unwrap_err();
    assert!(matches!(&e, DeviceError::Timeout(_, m) if m.contains("1048576 bytes from the card")), "{e}");
    assert!(el < Duration::from_millis(500), "receive with a 50 ms timeout took {el:?}");
}

/// A fake sysfs function (`vfio-pci` bound: the BAR-window path) whose `resource0` and
/// `resource4` are empty regular files.
fn empty_bars(d: &std::path::Path) -> Roots {
    let roots = Roots::new(d.join("sys"), d.join("dev"));
    let dir = function(&roots, "0000:65:00.0", "0x10ee", Some("vfio-pci"));
    std::fs::write(dir.join("resource0"), b"").unwrap();
    std::fs::write(dir.join("resource4"), b"").unwrap();
    roots
}

/// An empty regular `resource0` (a fake sysfs under ZKACCEL_SYSFS_ROOT) was mapped as the
/// register window's length anyway, and the first register read killed the process with SIGBUS
/// (`--device pcie:`, `auto`, `device list`). Now it is an error: a regular file must be as long as
/// what is mapped; only a device node of size 0 (`xdma<N>_user`) is mapped at the needed length.
/// The opens run in a child process (this test's binary again), so that a signal fails the test
/// instead of ending the run.
#[test]
fn an_empty_resource_file_is_an_error_not_a_sigbus() {
    use std::os::unix::process::ExitStatusExt;
    const NAME: &str = "pcie_backend::an_empty_resource_file_is_an_error_not_a_sigbus";
    const CHILD: &str = "ZKACCEL_TEST_EMPTY_BAR_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let d = tmp("empty-bar");
        let roots = empty_bars(&d);
        let e = PcieCard::open_bdf(&roots, "0000:65:00.0", Duration::from_secs(1)).err().expect("an empty resource0 opened").to_string();
        assert!(e.contains("resource0 is 0 bytes, smaller than"), "{e}");
        // `device list` reads the identity through the same mapping.
        let listed = zkaccel_driver::pcie::listing::list_cards(&roots).unwrap();
        assert_eq!(listed.len(), 1);
        let e = listed[0].regs.as_ref().expect_err("registers read from an empty file").to_string();
        assert!(e.contains("0 bytes, smaller than"), "{e}");
        // Not a file or a device node: refused before mapping.
        let fifo = d.join("fifo");
        mkfifo(&fifo);
        let e = Bar::open(&fifo, 256).err().unwrap().to_string();
        assert!(e.contains("neither a BAR resource file nor a device node"), "{e}");
        // A character device of size 0 is mapped at the length asked for (xdma<N>_user).
        if std::path::Path::new("/dev/zero").exists() {
            let bar = Bar::open(std::path::Path::new("/dev/zero"), 4096).unwrap();
            assert_eq!((bar.len(), bar.read32(4092).unwrap()), (4096, 0));
        }
        std::fs::remove_dir_all(&d).unwrap();
        eprintln!("child: all errors, no signal");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), None, "the child was killed by a signal ({:?}: 7 is SIGBUS): {stderr}", out.status.signal());
    assert!(out.status.success(), "child failed: {stderr}");
    assert!(stderr.contains("child: all errors, no signal"), "the child did not run the test: {stderr}");
}

/// One unreadable or garbled function (or one removed during the scan) made the whole sysfs
/// listing fail, so `auto` and `device list` found no card; and a `vendor` that is a FIFO or
/// `/dev/zero` in a fake sysfs blocked or read without end. Now such entries are skipped with a
/// note, and the good card is listed.
#[test]
fn discovery_skips_unreadable_entries_and_lists_the_good_cards() {
    let d = tmp("skip");
    let roots = Roots::new(d.join("sys"), d.join("dev"));
    function(&roots, "0000:65:00.0", "0x10ee", Some("vfio-pci"));
    let garbled = function(&roots, "0000:01:00.0", "0x10ee", None);
    std::fs::write(garbled.join("device"), "not an id\n").unwrap();
    let fifo = function(&roots, "0000:02:00.0", "0x10ee", None);
    std::fs::remove_file(fifo.join("vendor")).unwrap();
    mkfifo(&fifo.join("vendor"));
    let zero = function(&roots, "0000:03:00.0", "0x10ee", None);
    std::fs::remove_file(zero.join("vendor")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", zero.join("vendor")).unwrap();
    // Removed while listed: the directory is there, its ids are not.
    std::fs::create_dir_all(roots.pci_device("0000:04:00.0")).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let r2 = roots.clone();
    std::thread::spawn(move || {
        let _ = tx.send(zkaccel_driver::pcie::discovery::scan(&r2));
    });
    let scan = rx.recv_timeout(Duration::from_secs(5)).expect("the sysfs scan hung").unwrap();
    assert_eq!(scan.functions.iter().map(|f| f.bdf.as_str()).collect::<Vec<_>>(), ["0000:65:00.0"]);
    let notes = scan.skipped.join("\n");
    assert_eq!(scan.skipped.len(), 4, "{notes}");
    assert!(notes.contains("0000:01:00.0: skipped") && notes.contains("'not an id' is not a PCI id"), "{notes}");
    assert!(notes.contains("0000:02:00.0: skipped") && notes.contains("not a regular file"), "{notes}");
    assert!(notes.contains("0000:03:00.0: skipped"), "{notes}");
    assert!(notes.contains("0000:04:00.0: skipped") && notes.contains("does not exist"), "{notes}");
    assert_eq!(list(&roots).unwrap(), scan.functions);
    std::fs::remove_dir_all(&d).unwrap();
}

/// The XDMA reader collected whatever the card streamed, without limit, between two commands:
/// a runaway card grew the host's memory. Now what no receive has taken is bounded; beyond it the
/// excess is dropped (the card is never stalled) and the next receive is a protocol error, until
/// a reset drains the path.
#[test]
fn xdma_unrequested_card_data_is_bounded() {
    use std::io::Write;
    let d = tmp("xdma-cap");
    let nodes = XdmaNodes::new(&d.join("xdma0"), 0);
    mkfifo(&nodes.h2c);
    mkfifo(&nodes.c2h);
    let open = |p: &PathBuf| std::fs::OpenOptions::new().read(true).write(true).open(p).unwrap();
    let (_card_in, mut card_out) = (open(&nodes.h2c), open(&nodes.c2h));
    let mut s = XdmaStream::open(&nodes, ChannelMode::Streaming, ChannelMode::Streaming, Duration::from_secs(1)).unwrap();
    s.set_buffer_limit(64 << 10);
    // 1 MiB nobody asked for: all but what a pipe holds (64 KiB) has been read when this returns.
    card_out.write_all(&vec![7u8; 1 << 20]).unwrap();
    let e = s.receive(32, Duration::from_secs(5)).unwrap_err();
    assert!(matches!(&e, DeviceError::Protocol(m) if m.contains("more than 65536 bytes that nobody asked for")), "{e}");
    // After a reset (drain) the path works again.
    std::thread::sleep(Duration::from_millis(300));
    s.drain().unwrap();
    card_out.write_all(&[1, 2, 3, 4]).unwrap();
    assert_eq!(s.receive(4, Duration::from_secs(5)).unwrap(), [1, 2, 3, 4]);
    std::fs::remove_dir_all(&d).unwrap();
}

/// A function with no driver bound whose BARs hold a zkaccel card (registers in `resource0`, the
/// data window in `resource4`), its command register in `config` saying whether memory decoding
/// is on (`command`), and `enable` reading 0.
fn unbound_card(d: &std::path::Path, bdf: &str, command: u16) -> (Roots, PathBuf) {
    use zkaccel_driver::pcie::window::{win, WINDOW_MAGIC};
    use zkaccel_driver::regs::{Kernel, Reg, CARD_ID, REGMAP_VERSION};
    let roots = Roots::new(d.join("sys"), d.join("dev"));
    let dir = function(&roots, bdf, "0x1d0f", None);
    let mut config = vec![0u8; 64];
    config[0..2].copy_from_slice(&0x1d0fu16.to_le_bytes());
    config[4..6].copy_from_slice(&command.to_le_bytes());
    std::fs::write(dir.join("config"), &config).unwrap();
    std::fs::write(dir.join("enable"), "0\n").unwrap();
    std::fs::write(dir.join("reset"), "0\n").unwrap();
    let mut bar0 = vec![0u8; 0x1000];
    for (r, v) in [(Reg::Id, CARD_ID), (Reg::Version, REGMAP_VERSION), (Reg::Kernels, Kernel::Ntt as u32 | Kernel::Msm as u32)] {
        bar0[r.offset() as usize..][..4].copy_from_slice(&v.to_le_bytes());
    }
    std::fs::write(dir.join("resource0"), &bar0).unwrap();
    let mut bar4 = vec![0u8; win::MAILBOX + 2 * 64];
    bar4[win::MAGIC..][..4].copy_from_slice(&WINDOW_MAGIC.to_le_bytes());
    bar4[win::CHUNK..][..4].copy_from_slice(&64u32.to_le_bytes());
    std::fs::write(dir.join("resource4"), &bar4).unwrap();
    (roots, dir)
}

/// After AWS's `fpga-load-local-image` the app function is removed and rescanned and comes back
/// with no driver (the rescan drops any `driver_override`); AWS's own library maps its sysfs
/// `resource<N>` files as they are. `open_bdf` refused such a function ("no driver is bound"), so
/// the check after every F2 load failed. Now it opens over the BAR window, turning the memory
/// decoding on through sysfs `enable` when the command register says it is off.
#[test]
fn a_function_with_no_driver_opens_over_the_bar_window() {
    use zkaccel_driver::Device;
    let d = tmp("unbound");
    let t = Duration::from_secs(5);
    // Decoding on (as firmware leaves it): nothing is written to `enable`.
    let (roots, dir) = unbound_card(&d.join("on"), "0000:66:00.0", 0x0002);
    let mut card = PcieCard::open_bdf(&roots, "0000:66:00.0", t).unwrap_or_else(|e| panic!("{e}"));
    let name = card.identify().unwrap().name;
    assert!(name.contains("BAR window") && name.contains("resource4") && name.contains("driver none"), "{name}");
    assert_eq!(std::fs::read_to_string(dir.join("enable")).unwrap(), "0\n");
    // Decoding off: `1` goes to `enable`, and the open waits for the kernel to turn it on (here a
    // thread plays the kernel).
    let (roots, dir) = unbound_card(&d.join("off"), "0000:67:00.0", 0x0000);
    let kernel = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        while !std::fs::read_to_string(dir.join("enable")).unwrap().starts_with('1') {
            assert!(start.elapsed() < Duration::from_secs(5), "nobody wrote 1 to enable");
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut config = std::fs::read(dir.join("config")).unwrap();
        config[4] |= 0x2;
        std::fs::write(dir.join("config"), &config).unwrap();
    });
    let mut card = PcieCard::open_bdf(&roots, "0000:67:00.0", t).unwrap_or_else(|e| panic!("{e}"));
    kernel.join().unwrap();
    assert!(card.identify().unwrap().name.contains("BAR window"));
    // Decoding that stays off: a timeout naming what was awaited, not a read of all ones.
    let (roots, _) = unbound_card(&d.join("stuck"), "0000:68:00.0", 0x0000);
    let e = PcieCard::open_bdf(&roots, "0000:68:00.0", Duration::from_millis(100)).err().unwrap();
    assert!(matches!(&e, DeviceError::Timeout(_, m) if m.contains("memory decoding of 0000:68:00.0") && m.contains("enable")), "{e}");
    std::fs::remove_dir_all(&d).unwrap();
}
