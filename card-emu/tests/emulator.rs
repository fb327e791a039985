//! The emulator binary on its own: its usage errors, and the files it serves (what a Linux machine
//! shows for the card: sysfs ids, driver link, BAR0 with the card's identity registers, the XDMA
//! nodes or the data window). (Also makes `cargo test --workspace` build the binary that
//! `host/zkml/tests/pcie_card.rs` runs.)

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const EMU: &str = env!("CARGO_BIN_EXE_zkaccel-card-emu");

fn word(bytes: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(bytes[off..off + 4].try_into().unwrap())
}

#[test]
fn usage_errors_say_what_is_expected() {
    let out = Command::new(EMU).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--sysfs-root and --dev-root are required"));
    let out = Command::new(EMU).args(["--sysfs-root", "/x", "--dev-root", "/y", "--data", "pio"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--data pio: expected xdma or window"));
}

/// Starts the emulator under `top` with `--data data` and `extra` arguments; returns once it is ready.
fn serve(top: &Path, data: &str, extra: &[&str]) -> std::process::Child {
    let log = top.join(format!("{data}.log"));
    let mut child = Command::new(EMU)
        .args(["--sysfs-root", top.join("sys").to_str().unwrap(), "--dev-root", top.join("dev").to_str().unwrap(), "--data", data])
        .args(extra)
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("ready 0000:65:00.0") {
        assert!(child.try_wait().unwrap().is_none(), "the emulator exited");
        assert!(start.elapsed() < Duration::from_secs(900), "the emulator did not get ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn the_card_files_look_like_a_linux_machines() {
    let top = std::env::temp_dir().join(format!("zkaccel-card-emu-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&top);
    std::fs::create_dir_all(&top).unwrap();
    for data in ["xdma", "window"] {
        let mut child = serve(&top, data, &[]);
        let dir = top.join("sys/bus/pci/devices/0000:65:00.0");
        assert_eq!(std::fs::read_to_string(dir.join("vendor")).unwrap(), "0x10ee\n");
        assert_eq!(std::fs::read_to_string(dir.join("device")).unwrap(), "0x903f\n");
        assert_eq!(std::fs::read_to_string(dir.join("reset")).unwrap(), "0\n");
        let driver = std::fs::read_link(dir.join("driver")).unwrap();
        let config = std::fs::read(dir.join("config")).unwrap();
        assert_eq!((config.len(), &config[0..4]), (64, &[0xee, 0x10, 0x3f, 0x90][..]), "config: vendor and device ids");
        assert_eq!(config[4] & 0x2, 0x2, "config: memory decoding on");
        assert_eq!(std::fs::read_to_string(dir.join("enable")).unwrap(), "1\n");
        let bar0 = std::fs::read(dir.join("resource0")).unwrap();
        assert_eq!(bar0.len(), 0x1_0000);
        assert_eq!(word(&bar0, 0x00), 0x7a6b_6163, "ID");
        assert_eq!(word(&bar0, 0x04), zkaccel_interface::regs::REGMAP_VERSION, "register-map version");
        assert_eq!(word(&bar0, 0x08), 7, "NTT, MSM and lookup kernels");
        assert_eq!(word(&bar0, 0x68), 10, "NttMaxLogN");
        assert_eq!(word(&bar0, 0x10), word(&bar0, 0x14), "no command pending: DOORBELL = DONE_SEQ");
        if data == "xdma" {
            assert!(driver.ends_with("bus/pci/drivers/xdma"), "{driver:?}");
            assert!(dir.join("xdma/xdma0_user").is_dir());
            assert_eq!(std::fs::read_link(top.join("dev/xdma0_user")).unwrap(), dir.join("resource0"));
            for n in ["xdma0_h2c_0", "xdma0_c2h_0"] {
                assert!(std::fs::metadata(top.join("dev").join(n)).unwrap().file_type().is_fifo(), "{n}");
            }
        } else {
            assert!(driver.ends_with("bus/pci/drivers/vfio-pci"), "{driver:?}");
            let win = std::fs::read(dir.join("resource4")).unwrap();
            assert_eq!(word(&win, 0), 0x7a6b_6477, "window magic");
            assert_eq!(word(&win, 4), 0x1_0000, "mailbox size");
            assert_eq!(win.len(), 0x1000 + 2 * 0x1_0000);
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
    std::fs::remove_dir_all(&top).unwrap();
}

/// After AWS's `fpga-load-local-image` the card's function comes back with no driver bound and
/// (here) its memory decoding off; the driver refused it ("no driver is bound"). Now it enables the
/// function through sysfs `enable`, maps its resource files and runs the card's conformance check
/// (NTTs and an MSM) over the BAR window.
#[test]
fn a_function_with_no_driver_runs_over_the_bar_window() {
    use zkaccel_driver::pcie::{roots::Roots, PcieCard};
    let top = std::env::temp_dir().join(format!("zkaccel-card-emu-unbound-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&top);
    std::fs::create_dir_all(&top).unwrap();
    let (sys, dev) = (top.join("sys"), top.join("dev"));
    let mut child = serve(&top, "window", &["--no-driver", "--decode-off"]);
    let dir = sys.join("bus/pci/devices/0000:65:00.0");
    assert!(std::fs::symlink_metadata(dir.join("driver")).is_err(), "no driver bound");
    assert_eq!(std::fs::read(dir.join("config")).unwrap()[4] & 0x2, 0, "memory decoding off");
    let timeout = Duration::from_secs(30);
    let card = PcieCard::open_bdf(&Roots::new(&sys, &dev), "0000:65:00.0", timeout).unwrap_or_else(|e| panic!("{e}"));
    assert!(std::fs::read_to_string(top.join("window.log")).unwrap().contains("memory decoding enabled"));
    let accel = zkaccel_driver::accel::AccelBackend::new(vec![Box::new(card) as Box<dyn zkaccel_driver::Device + Send>], timeout).unwrap();
    zkaccel_driver::open::health_check(&accel).unwrap_or_else(|e| panic!("{e}"));
    drop(accel);
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&top).unwrap();
}
