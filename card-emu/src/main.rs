//! `zkaccel-card-emu`: an emulated zkaccel PCIe card (see `layout`, `card`, `faults`).
//!
//! ```text
//! zkaccel-card-emu --sysfs-root DIR --dev-root DIR [--bdf 0000:65:00.0] [--data xdma|window]
//!                  [--control FILE] [--vendor 0x10ee] [--device 0x903f] [--no-driver]
//!                  [--decode-off] [--id 0x…] [--regmap-version N] [--kernels MASK]
//! ```
//!
//! It creates the card's files under the roots, prints `ready <BDF>` on stdout when it serves,
//! and serves until killed. `--no-driver` binds no driver (as after an AWS image load);
//! `--decode-off` leaves memory decoding off in `config` until `1` is written to `enable`. Faults: lines written to the control file (default
//! `<dev-root>/zkaccel-card-emu.control`), see `faults`.

mod card;
mod data;
mod faults;
mod layout;

use std::path::PathBuf;

use zkaccel_driver::pcie::bar::Bar;
use zkaccel_driver::pcie::roots::Roots;
use zkaccel_driver::sim_card::SimCard;

use card::{EmuCard, Overrides};
use data::CardData;
use layout::{DataKind, Layout, LayoutSpec, BAR0_BYTES, CHUNK};

fn usage(why: &str) -> ! {
    eprintln!(
        "zkaccel-card-emu: {why}\nusage: zkaccel-card-emu --sysfs-root DIR --dev-root DIR [--bdf 0000:65:00.0] [--data xdma|window] [--control FILE] [--vendor 0x10ee] [--device 0x903f] [--no-driver] [--decode-off] [--id 0x..] [--regmap-version N] [--kernels MASK]"
    );
    std::process::exit(2)
}

fn num(s: &str) -> u32 {
    let r = match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.unwrap_or_else(|_| usage(&format!("'{s}' is not a number")))
}

fn main() {
    let mut sysfs = None;
    let mut dev = None;
    let mut bdf = "0000:65:00.0".to_string();
    let mut data = DataKind::Xdma;
    let mut control = None;
    let (mut vendor, mut device) = (0x10eeu16, 0x903fu16);
    let mut no_driver = false;
    let mut decode_off = false;
    let mut o = Overrides::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage(&format!("{a} needs a value")));
        match a.as_str() {
            "--sysfs-root" => sysfs = Some(PathBuf::from(val())),
            "--dev-root" => dev = Some(PathBuf::from(val())),
            "--bdf" => bdf = val(),
            "--data" => {
                data = match val().as_str() {
                    "xdma" => DataKind::Xdma,
                    "window" => DataKind::Window,
                    d => usage(&format!("--data {d}: expected xdma or window")),
                }
            }
            "--control" => control = Some(PathBuf::from(val())),
            "--vendor" => vendor = num(&val()) as u16,
            "--device" => device = num(&val()) as u16,
            "--no-driver" => no_driver = true,
            "--decode-off" => decode_off = true,
            "--id" => o.id = Some(num(&val())),
            "--regmap-version" => o.regmap_version = Some(num(&val())),
            "--kernels" => o.kernels = Some(num(&val())),
            _ => usage(&format!("unknown argument {a}")),
        }
    }
    let (Some(sysfs), Some(dev)) = (sysfs, dev) else { usage("--sysfs-root and --dev-root are required") };
    let roots = Roots::new(sysfs, dev);
    let control = control.unwrap_or_else(|| roots.dev.join("zkaccel-card-emu.control"));
    if let Err(e) = run(roots, bdf, data, control, vendor, device, no_driver, decode_off, o) {
        eprintln!("zkaccel-card-emu: {e}");
        std::process::exit(1);
    }
}

#[allow(clippy::too_many_arguments)]
fn run(roots: Roots, bdf: String, data: DataKind, control: PathBuf, vendor: u16, device: u16, no_driver: bool, decode_off: bool, o: Overrides) -> Result<(), String> {
    let spec = LayoutSpec { roots, bdf: bdf.clone(), vendor, device, data, no_driver, decode_off, xdma_instance: 0 };
    let layout = Layout::create(&spec).map_err(|e| format!("creating the card's files under {}: {e}", spec.roots.sysfs.display()))?;
    if no_driver {
        layout::serve_enable(layout.config.clone(), layout.enable.clone());
    }
    std::fs::write(&control, "").map_err(|e| format!("{}: {e}", control.display()))?;
    let sim = SimCard::with_ntt(10).map_err(|e| e.to_string())?;
    let bar0 = Bar::open(&layout.bar0, BAR0_BYTES as usize).map_err(|e| e.to_string())?;
    let card_data = match data {
        DataKind::Xdma => CardData::fifo(layout.h2c.as_ref().expect("xdma FIFOs"), layout.c2h.as_ref().expect("xdma FIFOs")).map_err(|e| e.to_string())?,
        DataKind::Window => CardData::window(layout.data_bar.as_ref().expect("data BAR"), CHUNK)?,
    };
    let mut card = EmuCard::new(sim, bar0, card_data, layout.reset.clone(), control, o)?;
    println!("ready {bdf}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    card.serve()
}
