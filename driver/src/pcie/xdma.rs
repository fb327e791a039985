//! The XDMA data path: the Xilinx XDMA driver's character devices `/dev/xdma<N>_h2c_<c>` (host to
//! card) and `/dev/xdma<N>_c2h_<c>` (card to host), one DMA channel each.
//!
//! Each channel is either **streaming** (the XDMA IP's AXI4-Stream interface: a `write` is one
//! packet, `last` on its final beat; a `read` returns what the card streamed) or **memory-mapped**
//! (AXI4-MM: `pwrite`/`pread` at card addresses). zkaccel's kernels are AXI4-Stream (§4 of
//! `docs/interfaces.md`) and the host rings the doorbell before it streams, so this backend drives
//! streaming channels; a memory-mapped channel is reported per channel and refused with the reason
//! ([`ChannelMode`]).
//!
//! A streaming kernel may start sending results before it has taken all its input, and an XDMA
//! C2H channel stalls the card when nobody reads it: so a reader thread reads the C2H channel all
//! the time the device is open (the writer never waits on it), and `receive` takes the bytes it
//! collected. Every wait is bounded: the writer polls with the caller's timeout, the reader polls
//! in 100 ms steps and stops when the device is dropped. What the reader holds is bounded too
//! ([`super::C2H_BUFFER_MAX`]): a card that streams more than anyone asks for is a protocol error,
//! not memory without end.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::errors::io_error;
use crate::device::DeviceError;

/// How a DMA channel moves data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelMode {
    /// AXI4-Stream: packets, `write`/`read`.
    Streaming,
    /// AXI4-MM: `pwrite`/`pread` at card addresses.
    MemoryMapped,
}

impl ChannelMode {
    /// `stream` or `mm`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "stream" | "st" => Some(Self::Streaming),
            "mm" => Some(Self::MemoryMapped),
            _ => None,
        }
    }

    /// For messages and `device list`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Streaming => "streaming",
            Self::MemoryMapped => "memory-mapped",
        }
    }
}

/// The nodes of one XDMA instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XdmaNodes {
    /// `xdma<N>_user`: the user BAR (the card's BAR0 registers).
    pub user: PathBuf,
    /// `xdma<N>_h2c_<c>`.
    pub h2c: PathBuf,
    /// `xdma<N>_c2h_<c>`.
    pub c2h: PathBuf,
}

impl XdmaNodes {
    /// Instance `base` (a path like `/dev/xdma0`, already under the device root) and channel `c`.
    pub fn new(base: &Path, channel: u32) -> Self {
        let s = base.to_string_lossy();
        Self {
            user: PathBuf::from(format!("{s}_user")),
            h2c: PathBuf::from(format!("{s}_h2c_{channel}")),
            c2h: PathBuf::from(format!("{s}_c2h_{channel}")),
        }
    }
}

/// The host side of a pair of streaming channels.
pub struct XdmaStream {
    h2c: File,
    h2c_path: PathBuf,
    c2h_path: PathBuf,
    from_card: Receiver<Result<Vec<u8>, DeviceError>>,
    pending: Vec<u8>,
    /// Why the reader stopped, once it has.
    ended: Option<DeviceError>,
    stop: Arc<AtomicBool>,
    /// What the reader collected that `receive` has not taken yet (bounded).
    queue: Arc<Queue>,
}

/// The bytes between the reader and `receive`: counted, so that a card streaming without end
/// cannot make the host hold more than `limit` (the reader keeps reading, so the card is never
/// stalled, but drops the excess; the next `receive` is a protocol error).
struct Queue {
    queued: AtomicUsize,
    limit: AtomicUsize,
    overflowed: AtomicBool,
}

/// Waits until `fd` is ready for `events` or `ms` milliseconds pass; true when ready.
fn poll_fd(fd: i32, events: libc::c_short, ms: i32) -> std::io::Result<bool> {
    let mut p = libc::pollfd { fd, events, revents: 0 };
    // SAFETY: one valid pollfd.
    let r = unsafe { libc::poll(&mut p, 1, ms) };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        return if e.kind() == std::io::ErrorKind::Interrupted { Ok(false) } else { Err(e) };
    }
    Ok(r > 0)
}

fn set_blocking(f: &File) {
    // SAFETY: fcntl on an open descriptor.
    unsafe {
        let flags = libc::fcntl(f.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(f.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK);
    }
}

impl XdmaStream {
    /// Opens both channels (streaming) and starts the reader.
    pub fn open(nodes: &XdmaNodes, h2c_mode: ChannelMode, c2h_mode: ChannelMode) -> Result<Self, DeviceError> {
        for (path, mode) in [(&nodes.h2c, h2c_mode), (&nodes.c2h, c2h_mode)] {
            if mode == ChannelMode::MemoryMapped {
                return Err(DeviceError::Unsupported(format!(
                    "{} is a memory-mapped channel: zkaccel's kernels are AXI4-Stream and need the XDMA IP's streaming channels (build the shell with AXI-ST, or use the BAR-window path)",
                    path.display()
                )));
            }
        }
        // Non-blocking opens: never wait for the other side to appear.
        let h2c = OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&nodes.h2c).map_err(|e| io_error(&nodes.h2c, &e, "open"))?;
        let c2h = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&nodes.c2h).map_err(|e| io_error(&nodes.c2h, &e, "open"))?;
        set_blocking(&c2h);
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let queue = Arc::new(Queue { queued: AtomicUsize::new(0), limit: AtomicUsize::new(super::C2H_BUFFER_MAX), overflowed: AtomicBool::new(false) });
        let queue2 = queue.clone();
        let c2h_path = nodes.c2h.clone();
        std::thread::Builder::new()
            .name("zkaccel-xdma-c2h".into())
            .spawn(move || read_loop(c2h, &c2h_path, &tx, &stop2, &queue2))
            .map_err(|e| DeviceError::Protocol(format!("cannot start the C2H reader: {e}")))?;
        Ok(Self { h2c, h2c_path: nodes.h2c.clone(), c2h_path: nodes.c2h.clone(), from_card: rx, pending: vec![], ended: None, stop, queue })
    }

    /// Sets the most bytes held that no `receive` has taken ([`super::C2H_BUFFER_MAX`] unless
    /// changed; tests use less).
    pub fn set_buffer_limit(&mut self, bytes: usize) {
        self.queue.limit.store(bytes, Ordering::SeqCst);
    }

    fn check_overflow(&self) -> Result<(), DeviceError> {
        if self.queue.overflowed.load(Ordering::SeqCst) {
            return Err(DeviceError::Protocol(format!(
                "{}: the card sent more than {} bytes that nobody asked for (a runaway card-to-host stream); the excess was dropped",
                self.c2h_path.display(),
                self.queue.limit.load(Ordering::SeqCst)
            )));
        }
        Ok(())
    }

    /// Writes `data` as one packet within `timeout`.
    pub fn send(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        let start = Instant::now();
        let mut done = 0;
        while done < data.len() {
            match self.h2c.write(&data[done..]) {
                Ok(0) => return Err(DeviceError::Gone(format!("{}: the card took no data", self.h2c_path.display()))),
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::Interrupted => {
                    let left = timeout.saturating_sub(start.elapsed());
                    if left.is_zero() {
                        return Err(DeviceError::Timeout(timeout, format!("the card to take the input on {} ({done} of {} bytes taken)", self.h2c_path.display(), data.len())));
                    }
                    poll_fd(self.h2c.as_raw_fd(), libc::POLLOUT, left.as_millis().clamp(1, 100) as i32).map_err(|e| io_error(&self.h2c_path, &e, "poll"))?;
                }
                Err(e) => return Err(io_error(&self.h2c_path, &e, "write")),
            }
        }
        Ok(())
    }

    /// Takes exactly `len` bytes of what the reader collected, waiting at most `timeout`.
    pub fn receive(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, DeviceError> {
        let start = Instant::now();
        while self.pending.len() < len {
            self.check_overflow()?;
            if let Some(e) = &self.ended {
                return Err(e.clone());
            }
            let left = timeout.saturating_sub(start.elapsed());
            match self.from_card.recv_timeout(left) {
                Ok(Ok(bytes)) => {
                    self.queue.queued.fetch_sub(bytes.len(), Ordering::SeqCst);
                    self.pending.extend_from_slice(&bytes)
                }
                Ok(Err(e)) => self.ended = Some(e),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(DeviceError::Timeout(timeout, format!("{len} bytes on {} ({} arrived)", self.c2h_path.display(), self.pending.len())))
                }
                Err(RecvTimeoutError::Disconnected) => self.ended = Some(DeviceError::Gone(format!("{}: the reader stopped", self.c2h_path.display()))),
            }
        }
        self.check_overflow()?;
        Ok(self.pending.drain(..len).collect())
    }

    /// Drops whatever the card sent that nobody asked for (after a reset).
    pub fn drain(&mut self) {
        while let Ok(r) = self.from_card.try_recv() {
            match r {
                Ok(bytes) => {
                    self.queue.queued.fetch_sub(bytes.len(), Ordering::SeqCst);
                }
                Err(e) => self.ended = Some(e),
            }
        }
        self.queue.overflowed.store(false, Ordering::SeqCst);
        self.pending.clear();
    }

    /// The channels, for messages.
    pub fn describe(&self) -> String {
        format!("XDMA streaming {} / {}", self.h2c_path.display(), self.c2h_path.display())
    }
}

impl Drop for XdmaStream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The C2H reader: everything the card streams goes to `tx` until end of file, an error, or `stop`.
fn read_loop(mut c2h: File, path: &Path, tx: &mpsc::Sender<Result<Vec<u8>, DeviceError>>, stop: &AtomicBool, queue: &Queue) {
    let mut buf = vec![0u8; 1 << 16];
    while !stop.load(Ordering::SeqCst) {
        match poll_fd(c2h.as_raw_fd(), libc::POLLIN, 100) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => {
                let _ = tx.send(Err(io_error(path, &e, "poll")));
                return;
            }
        }
        match c2h.read(&mut buf) {
            Ok(0) => {
                let _ = tx.send(Err(DeviceError::Gone(format!("{}: end of file: the card (or its driver) went away", path.display()))));
                return;
            }
            Ok(n) => {
                // Over the limit: dropped (and said), so that neither memory nor the card's
                // stream is held up by a card that does not stop.
                if queue.queued.load(Ordering::SeqCst) + n > queue.limit.load(Ordering::SeqCst) {
                    queue.overflowed.store(true, Ordering::SeqCst);
                    continue;
                }
                queue.queued.fetch_add(n, Ordering::SeqCst);
                if tx.send(Ok(buf[..n].to_vec())).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted || e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => {
                let _ = tx.send(Err(io_error(path, &e, "read")));
                return;
            }
        }
    }
}
