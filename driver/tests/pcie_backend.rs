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
    assert!(e.contains("no driver is bound to 0000:66:00.0") && e.contains("modprobe xdma") && e.contains("vfio-pci"), "{e}");
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
    let e = XdmaStream::open(&nodes, ChannelMode::Streaming, ChannelMode::MemoryMapped).err().unwrap().to_string();
    assert!(e.contains("memory-mapped channel") && e.contains("AXI-ST"), "{e}");
    let mut s = XdmaStream::open(&nodes, ChannelMode::Streaming, ChannelMode::Streaming).unwrap();
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
