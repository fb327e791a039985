//! The card side of the two data paths: the XDMA FIFOs (the card reads the host-to-card FIFO,
//! writes the card-to-host one; it holds both open read-write, so neither side's open blocks and
//! the host sees end of file only when the card process is gone) and the BAR window's mailboxes
//! (`zkaccel_driver::pcie::window`). Every wait polls `interrupted` (a reset request) so the card
//! never waits for a host that gave up.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use zkaccel_driver::pcie::bar::Bar;
use zkaccel_driver::pcie::window::{win, H2C_LAST, WINDOW_MAGIC};

/// Why a transfer stopped early.
#[derive(Debug)]
pub enum Stop {
    /// A reset was requested.
    Reset,
    /// An I/O error (the host's end is broken).
    Io(String),
}

/// The card's end of a data path.
pub enum CardData {
    Fifo { h2c: File, c2h: File },
    Window { bar: Bar, chunk: usize },
}

fn poll_fd(fd: i32, events: libc::c_short, ms: i32) -> bool {
    let mut p = libc::pollfd { fd, events, revents: 0 };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut p, 1, ms) > 0 }
}

impl CardData {
    /// Opens both FIFOs read-write and non-blocking.
    pub fn fifo(h2c: &Path, c2h: &Path) -> std::io::Result<Self> {
        let open = |p: &Path| OpenOptions::new().read(true).write(true).custom_flags(libc::O_NONBLOCK).open(p);
        Ok(Self::Fifo { h2c: open(h2c)?, c2h: open(c2h)? })
    }

    /// Maps the data BAR and publishes the window (magic, mailbox size, sequence numbers 0).
    pub fn window(path: &Path, chunk: u32) -> Result<Self, String> {
        let bar = Bar::open(path, win::MAILBOX + 2 * chunk as usize).map_err(|e| e.to_string())?;
        for off in [win::H2C_SEQ, win::H2C_LEN, win::H2C_ACK, win::C2H_SEQ, win::C2H_LEN, win::C2H_ACK] {
            bar.write32(off, 0).map_err(|e| e.to_string())?;
        }
        bar.write32(win::CHUNK, chunk).map_err(|e| e.to_string())?;
        bar.write32(win::MAGIC, WINDOW_MAGIC).map_err(|e| e.to_string())?;
        Ok(Self::Window { bar, chunk: chunk as usize })
    }

    /// Reads exactly `len` bytes from the host.
    pub fn receive(&mut self, len: usize, interrupted: &mut dyn FnMut() -> bool) -> Result<Vec<u8>, Stop> {
        let mut out = Vec::with_capacity(len);
        match self {
            CardData::Fifo { h2c, .. } => {
                let mut buf = vec![0u8; 1 << 16];
                while out.len() < len {
                    if interrupted() {
                        return Err(Stop::Reset);
                    }
                    if !poll_fd(h2c.as_raw_fd(), libc::POLLIN, 20) {
                        continue;
                    }
                    let want = (len - out.len()).min(buf.len());
                    match h2c.read(&mut buf[..want]) {
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(Stop::Io(e.to_string())),
                    }
                }
            }
            CardData::Window { bar, chunk } => {
                let mut pause = Duration::from_micros(5);
                while out.len() < len {
                    let rd = |o| bar.read32(o).map_err(|e| Stop::Io(e.to_string()));
                    let seq = rd(win::H2C_SEQ)?;
                    if seq == rd(win::H2C_ACK)? {
                        if interrupted() {
                            return Err(Stop::Reset);
                        }
                        std::thread::sleep(pause);
                        pause = (pause * 2).min(Duration::from_micros(500));
                        continue;
                    }
                    pause = Duration::from_micros(5);
                    // The packet's end (H2C_LAST) needs no mark here: the emulated card knows its
                    // stream lengths from the command registers.
                    let n = ((rd(win::H2C_LEN)? & !H2C_LAST) as usize).min(*chunk);
                    out.extend(bar.read_bytes(win::MAILBOX, n).map_err(|e| Stop::Io(e.to_string()))?);
                    bar.write32(win::H2C_ACK, seq).map_err(|e| Stop::Io(e.to_string()))?;
                }
            }
        }
        Ok(out)
    }

    /// Sends `data` to the host.
    pub fn send(&mut self, data: &[u8], interrupted: &mut dyn FnMut() -> bool) -> Result<(), Stop> {
        match self {
            CardData::Fifo { c2h, .. } => {
                let mut done = 0;
                while done < data.len() {
                    if interrupted() {
                        return Err(Stop::Reset);
                    }
                    match c2h.write(&data[done..]) {
                        Ok(n) => done += n,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::Interrupted => {
                            poll_fd(c2h.as_raw_fd(), libc::POLLOUT, 20);
                        }
                        Err(e) => return Err(Stop::Io(e.to_string())),
                    }
                }
            }
            CardData::Window { bar, chunk } => {
                for part in data.chunks(*chunk) {
                    let mut pause = Duration::from_micros(5);
                    loop {
                        let rd = |o| bar.read32(o).map_err(|e| Stop::Io(e.to_string()));
                        if rd(win::C2H_ACK)? == rd(win::C2H_SEQ)? {
                            break;
                        }
                        if interrupted() {
                            return Err(Stop::Reset);
                        }
                        std::thread::sleep(pause);
                        pause = (pause * 2).min(Duration::from_micros(500));
                    }
                    let io = |e: zkaccel_driver::DeviceError| Stop::Io(e.to_string());
                    bar.write_bytes(win::MAILBOX + *chunk, part).map_err(io)?;
                    bar.write32(win::C2H_LEN, part.len() as u32).map_err(io)?;
                    let seq = bar.read32(win::C2H_SEQ).map_err(io)?.wrapping_add(1);
                    bar.write32(win::C2H_SEQ, seq).map_err(io)?;
                }
            }
        }
        Ok(())
    }

    /// After a reset: drops whatever the host had sent.
    pub fn drain(&mut self) {
        match self {
            CardData::Fifo { h2c, .. } => {
                let mut buf = vec![0u8; 1 << 16];
                while matches!(h2c.read(&mut buf), Ok(n) if n > 0) {}
            }
            CardData::Window { bar, .. } => {
                if let Ok(seq) = bar.read32(win::H2C_SEQ) {
                    let _ = bar.write32(win::H2C_ACK, seq);
                }
            }
        }
    }

    /// Surprise removal: the data BAR reads all ones.
    pub fn vanish(&mut self) {
        if let CardData::Window { bar, .. } = self {
            for off in (0..win::MAILBOX).step_by(4) {
                let _ = bar.write32(off, u32::MAX);
            }
        }
    }
}
