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
//! What the Xilinx driver (`dma_ip_drivers/XDMA/linux-kernel/xdma`, `cdev_sgdma.c`, `libxdma.c`)
//! does with these nodes, and what this backend does about it:
//!
//! * its nodes have no `poll` (always "ready") and ignore `O_NONBLOCK`: a `read` or `write` blocks
//!   in the driver until the transfer ends or the module's `c2h_timeout` / `h2c_timeout` passes
//!   (10 s by default; 0 waits for ever), then fails with `ETIMEDOUT`. So nothing here relies on
//!   `poll` or `O_NONBLOCK` (they only keep the emulator's FIFOs from blocking), and every wait of
//!   the caller is bounded by its own deadline: the writes run on a writer thread, and `send`
//!   gives up waiting for it at the deadline (a hung write is a timeout error, not a hang; the
//!   next `send` first waits for that write to end);
//! * a streaming C2H `read` completes early at the end of a packet only when the node was opened
//!   with `O_TRUNC` (the driver's `eop_flush`, as `tools/dma_from_device.c` does); without it the
//!   read waits for the whole buffer, and a shorter answer ends in `ETIMEDOUT` with its data
//!   dropped. The C2H node is opened `O_RDONLY | O_TRUNC` (the kernel checks write permission for
//!   `O_TRUNC`: the node must be read-write for the user, as the Xilinx udev rule makes it), and
//!   `ETIMEDOUT` on a read is "nothing yet": the reader reads again;
//! * the driver maps the user's pages for the transfer and may require the buffer address to be
//!   aligned to the engine's `addr_align` (its alignment register): both directions move data
//!   through page-aligned buffers;
//! * a streaming C2H node has one opener at a time (a second `open` is `EBUSY`), and a reader
//!   can sit in the driver's `read` for up to `c2h_timeout` after the device was dropped: an open
//!   retries `EBUSY` until its timeout, and then names who holds the node.
//!
//! A streaming kernel may start sending results before it has taken all its input, and an XDMA
//! C2H channel stalls the card when nobody reads it: so a reader thread reads the C2H channel all
//! the time the device is open (the writer never waits on it), and `receive` takes the bytes it
//! collected. A reader that stopped on an error is started again by [`XdmaStream::drain`] (after
//! a reset). What the reader holds is bounded ([`super::C2H_BUFFER_MAX`]): a card that streams
//! more than anyone asks for is a protocol error, not memory without end.
//!
//! The nodes are opened and used through [`NodeOpener`] / [`NodeFile`]: the operating system's
//! files ([`OsNodes`]) here, a model of the Xilinx driver in the tests.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
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

/// The open(2) flags of the card-to-host node: read-only, `O_TRUNC` (the XDMA driver's
/// end-of-packet flush: a read returns at the end of each packet), `O_NONBLOCK` (ignored by the
/// driver; keeps a FIFO's open from waiting for a writer).
pub const C2H_OPEN_FLAGS: libc::c_int = libc::O_RDONLY | libc::O_TRUNC | libc::O_NONBLOCK | libc::O_CLOEXEC;
/// The open(2) flags of the host-to-card node (`O_NONBLOCK` as for [`C2H_OPEN_FLAGS`]).
pub const H2C_OPEN_FLAGS: libc::c_int = libc::O_WRONLY | libc::O_NONBLOCK | libc::O_CLOEXEC;
/// Alignment of the buffers handed to the driver (a page: more than any XDMA engine's
/// `addr_align`).
pub const DMA_ALIGN: usize = 4096;
/// Bytes one read of the card-to-host node asks for (a read returns at the end of a packet, so a
/// short answer does not wait for more).
pub const C2H_READ_BYTES: usize = 1 << 20;
/// How often a blocked side checks whether the device was dropped, where the node lets it (a
/// FIFO; the XDMA driver's read returns after `c2h_timeout` at the latest).
const STEP_MS: i32 = 100;

/// Opens the channel nodes.
pub trait NodeOpener: Send + Sync {
    /// Opens `path` with the open(2) `flags` ([`C2H_OPEN_FLAGS`], [`H2C_OPEN_FLAGS`]).
    fn open(&self, path: &Path, flags: libc::c_int) -> io::Result<Box<dyn NodeFile>>;
}

/// An open channel node.
pub trait NodeFile: Send {
    /// read(2).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    /// write(2).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize>;
    /// Waits at most `ms` milliseconds for `events` (`POLLIN`, `POLLOUT`); true when ready. A hint
    /// only: the XDMA driver's nodes are always ready.
    fn wait(&self, events: libc::c_short, ms: i32) -> io::Result<bool>;
}

/// The operating system's files.
pub struct OsNodes;

impl NodeOpener for OsNodes {
    fn open(&self, path: &Path, flags: libc::c_int) -> io::Result<Box<dyn NodeFile>> {
        // O_TRUNC empties a regular file: the nodes are character devices (FIFOs in the emulator).
        if flags & libc::O_TRUNC != 0 && std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a regular file, not the XDMA driver's character device (not opened: O_TRUNC would empty it)",
            ));
        }
        let access = flags & libc::O_ACCMODE;
        let f = OpenOptions::new()
            .read(access != libc::O_WRONLY)
            .write(access != libc::O_RDONLY)
            .custom_flags(flags & !libc::O_ACCMODE)
            .open(path)?;
        Ok(Box::new(OsNode(f)))
    }
}

struct OsNode(File);

impl NodeFile for OsNode {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn wait(&self, events: libc::c_short, ms: i32) -> io::Result<bool> {
        let mut p = libc::pollfd { fd: self.0.as_raw_fd(), events, revents: 0 };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut p, 1, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted { Ok(false) } else { Err(e) };
        }
        Ok(r > 0)
    }
}

/// `len` bytes starting at a [`DMA_ALIGN`]-aligned address.
pub struct AlignedBuf {
    raw: Vec<u8>,
    off: usize,
    len: usize,
}

impl AlignedBuf {
    /// Zeroed.
    pub fn new(len: usize) -> Self {
        let raw = vec![0u8; len + DMA_ALIGN];
        let off = raw.as_ptr().align_offset(DMA_ALIGN);
        Self { raw, off, len }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.raw[self.off..self.off + self.len]
    }

    /// The bytes, writable.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.raw[self.off..self.off + self.len]
    }
}

/// Opens `path`, retrying `EBUSY` until `timeout`: the XDMA driver lets one opener have a streaming
/// C2H node, and a reader of a device dropped a moment ago may hold it until its read returns.
pub fn open_node(opener: &dyn NodeOpener, path: &Path, flags: libc::c_int, timeout: Duration) -> Result<Box<dyn NodeFile>, DeviceError> {
    let start = Instant::now();
    loop {
        match opener.open(path, flags) {
            Ok(f) => return Ok(f),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                if start.elapsed() >= timeout {
                    return Err(DeviceError::Unsupported(format!(
                        "{} is busy (EBUSY) after {timeout:?}: the XDMA driver lets one program at a time read a streaming card-to-host channel, and another process holds it (see `fuser -v {}`); stop it, or use another channel",
                        path.display(),
                        path.display()
                    )));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                return Err(DeviceError::Unsupported(format!("{}: {e}", path.display())));
            }
            Err(e) => return Err(io_error(path, &e, "open")),
        }
    }
}

/// The host side of a pair of streaming channels.
pub struct XdmaStream {
    opener: Arc<dyn NodeOpener>,
    h2c_path: PathBuf,
    c2h_path: PathBuf,
    /// Bound for re-opening the C2H node (after a reset).
    open_timeout: Duration,
    writer: Writer,
    reader: Reader,
    pending: Vec<u8>,
    /// Why the reader stopped, once it has.
    ended: Option<DeviceError>,
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

/// What a write ended with: the bytes taken, and the error if it failed.
type WriteOutcome = Result<(), (io::Error, usize)>;

/// The writer thread and the write it has not answered yet.
struct Writer {
    jobs: Option<Sender<AlignedBuf>>,
    done: Receiver<WriteOutcome>,
    /// Bytes of the packet being written (taken so far: `progress`).
    in_flight: Option<usize>,
    progress: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

/// The reader thread.
struct Reader {
    from_card: Receiver<Result<Vec<u8>, DeviceError>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl XdmaStream {
    /// Opens both channels (streaming) through the operating system and starts the reader and the
    /// writer; `timeout` bounds the wait for a busy C2H node.
    pub fn open(nodes: &XdmaNodes, h2c_mode: ChannelMode, c2h_mode: ChannelMode, timeout: Duration) -> Result<Self, DeviceError> {
        Self::open_with(Arc::new(OsNodes), nodes, h2c_mode, c2h_mode, timeout)
    }

    /// [`XdmaStream::open`] through `opener`.
    pub fn open_with(
        opener: Arc<dyn NodeOpener>,
        nodes: &XdmaNodes,
        h2c_mode: ChannelMode,
        c2h_mode: ChannelMode,
        timeout: Duration,
    ) -> Result<Self, DeviceError> {
        for (path, mode) in [(&nodes.h2c, h2c_mode), (&nodes.c2h, c2h_mode)] {
            if mode == ChannelMode::MemoryMapped {
                return Err(DeviceError::Unsupported(format!(
                    "{} is a memory-mapped channel: zkaccel's kernels are AXI4-Stream and need the XDMA IP's streaming channels (build the shell with AXI-ST, or use the BAR-window path)",
                    path.display()
                )));
            }
        }
        let h2c = open_node(opener.as_ref(), &nodes.h2c, H2C_OPEN_FLAGS, timeout)?;
        let c2h = open_node(opener.as_ref(), &nodes.c2h, C2H_OPEN_FLAGS, timeout)?;
        let queue = Arc::new(Queue { queued: AtomicUsize::new(0), limit: AtomicUsize::new(super::C2H_BUFFER_MAX), overflowed: AtomicBool::new(false) });
        let reader = start_reader(c2h, &nodes.c2h, &queue)?;
        let writer = start_writer(h2c, &nodes.h2c)?;
        Ok(Self {
            opener,
            h2c_path: nodes.h2c.clone(),
            c2h_path: nodes.c2h.clone(),
            open_timeout: timeout,
            writer,
            reader,
            pending: vec![],
            ended: None,
            queue,
        })
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

    /// Writes `data` as one packet within `timeout`. The write runs on the writer thread (the
    /// driver's write blocks for its own `h2c_timeout`, or for ever): when `timeout` passes first,
    /// this is a timeout error and the write goes on; the next `send` waits for it to end first.
    pub fn send(&mut self, data: &[u8], timeout: Duration) -> Result<(), DeviceError> {
        let start = Instant::now();
        if let Some(len) = self.writer.in_flight {
            match self.writer.done.recv_timeout(timeout) {
                // Its end was already reported, as a timeout.
                Ok(_) => self.writer.in_flight = None,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(DeviceError::Timeout(
                        timeout,
                        format!(
                            "the card to take an earlier input on {} ({} of {len} bytes taken; that write has not ended, so this one of {} bytes was not started)",
                            self.h2c_path.display(),
                            self.writer.progress.load(Ordering::SeqCst),
                            data.len()
                        ),
                    ))
                }
                Err(RecvTimeoutError::Disconnected) => return Err(self.writer_gone()),
            }
        }
        if data.is_empty() {
            return Ok(());
        }
        let mut buf = AlignedBuf::new(data.len());
        buf.as_mut_slice().copy_from_slice(data);
        self.writer.progress.store(0, Ordering::SeqCst);
        let Some(jobs) = &self.writer.jobs else { return Err(self.writer_gone()) };
        if jobs.send(buf).is_err() {
            return Err(self.writer_gone());
        }
        self.writer.in_flight = Some(data.len());
        match self.writer.done.recv_timeout(timeout.saturating_sub(start.elapsed())) {
            Ok(r) => {
                self.writer.in_flight = None;
                r.map_err(|(e, taken)| match e.raw_os_error() {
                    Some(libc::ETIMEDOUT) => DeviceError::Timeout(
                        timeout,
                        format!(
                            "the card to take the input on {} (the XDMA driver's h2c_timeout passed first: {taken} of {} bytes taken)",
                            self.h2c_path.display(),
                            data.len()
                        ),
                    ),
                    _ if e.kind() == io::ErrorKind::WriteZero => {
                        DeviceError::Gone(format!("{}: the card took no data ({taken} of {} bytes taken)", self.h2c_path.display(), data.len()))
                    }
                    _ => io_error(&self.h2c_path, &e, "write"),
                })
            }
            Err(RecvTimeoutError::Timeout) => Err(DeviceError::Timeout(
                timeout,
                format!(
                    "the card to take the input on {} ({} of {} bytes taken)",
                    self.h2c_path.display(),
                    self.writer.progress.load(Ordering::SeqCst),
                    data.len()
                ),
            )),
            Err(RecvTimeoutError::Disconnected) => Err(self.writer_gone()),
        }
    }

    fn writer_gone(&self) -> DeviceError {
        DeviceError::Gone(format!("{}: the writer stopped", self.h2c_path.display()))
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
            match self.reader.from_card.recv_timeout(left) {
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

    /// Drops whatever the card sent that nobody asked for (after a reset), and starts the reader
    /// again if it had stopped on an error (re-opening the C2H node).
    pub fn drain(&mut self) -> Result<(), DeviceError> {
        while let Ok(r) = self.reader.from_card.try_recv() {
            match r {
                Ok(bytes) => {
                    self.queue.queued.fetch_sub(bytes.len(), Ordering::SeqCst);
                }
                Err(e) => self.ended = Some(e),
            }
        }
        self.queue.overflowed.store(false, Ordering::SeqCst);
        self.pending.clear();
        let finished = self.reader.thread.as_ref().is_none_or(|t| t.is_finished());
        if self.ended.is_some() || finished {
            // The reader has sent its last word (or is gone): it returns without waiting on the card.
            self.reader.stop.store(true, Ordering::SeqCst);
            if let Some(t) = self.reader.thread.take() {
                let _ = t.join();
            }
            self.queue.queued.store(0, Ordering::SeqCst);
            let c2h = open_node(self.opener.as_ref(), &self.c2h_path, C2H_OPEN_FLAGS, self.open_timeout)?;
            self.reader = start_reader(c2h, &self.c2h_path, &self.queue)?;
            self.ended = None;
        }
        Ok(())
    }

    /// The channels, for messages.
    pub fn describe(&self) -> String {
        format!("XDMA streaming {} / {}", self.h2c_path.display(), self.c2h_path.display())
    }
}

impl Drop for XdmaStream {
    /// Tells both threads to stop, without waiting for them: a thread blocked in the driver ends
    /// when its transfer does (at the latest after the driver's timeout), and closes its node then.
    fn drop(&mut self) {
        self.reader.stop.store(true, Ordering::SeqCst);
        self.writer.stop.store(true, Ordering::SeqCst);
        self.writer.jobs = None;
    }
}

fn start_reader(c2h: Box<dyn NodeFile>, path: &Path, queue: &Arc<Queue>) -> Result<Reader, DeviceError> {
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let (stop2, queue2, path2) = (stop.clone(), queue.clone(), path.to_path_buf());
    let thread = std::thread::Builder::new()
        .name("zkaccel-xdma-c2h".into())
        .spawn(move || read_loop(c2h, &path2, &tx, &stop2, &queue2))
        .map_err(|e| DeviceError::Protocol(format!("cannot start the C2H reader: {e}")))?;
    Ok(Reader { from_card: rx, stop, thread: Some(thread) })
}

fn start_writer(h2c: Box<dyn NodeFile>, path: &Path) -> Result<Writer, DeviceError> {
    let (jobs_tx, jobs_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(AtomicUsize::new(0));
    let (stop2, progress2) = (stop.clone(), progress.clone());
    std::thread::Builder::new()
        .name("zkaccel-xdma-h2c".into())
        .spawn(move || write_loop(h2c, &jobs_rx, &done_tx, &progress2, &stop2))
        .map_err(|e| DeviceError::Protocol(format!("cannot start the H2C writer for {}: {e}", path.display())))?;
    Ok(Writer { jobs: Some(jobs_tx), done: done_rx, in_flight: None, progress, stop })
}

/// The H2C writer: each packet from `jobs` written whole (or until an error), its outcome to
/// `done`; ends when the stream is dropped.
fn write_loop(mut h2c: Box<dyn NodeFile>, jobs: &Receiver<AlignedBuf>, done: &Sender<WriteOutcome>, progress: &AtomicUsize, stop: &AtomicBool) {
    while let Ok(buf) = jobs.recv() {
        let data = buf.as_slice();
        let mut taken = 0;
        let outcome = loop {
            if taken == data.len() {
                break Ok(());
            }
            if stop.load(Ordering::SeqCst) {
                return;
            }
            match h2c.write(&data[taken..]) {
                Ok(0) => break Err((io::Error::from(io::ErrorKind::WriteZero), taken)),
                Ok(n) => {
                    taken += n;
                    progress.store(taken, Ordering::SeqCst);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A FIFO that is full (the XDMA driver never says this): wait a step, then look at
                // `stop` again.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if let Err(e) = h2c.wait(libc::POLLOUT, STEP_MS) {
                        break Err((e, taken));
                    }
                }
                Err(e) => break Err((e, taken)),
            }
        };
        if done.send(outcome).is_err() {
            return;
        }
    }
}

/// The C2H reader: everything the card streams goes to `tx` until end of file, an error, or `stop`.
/// `ETIMEDOUT` (the XDMA driver's `c2h_timeout` passed with no packet) is "nothing yet".
fn read_loop(mut c2h: Box<dyn NodeFile>, path: &Path, tx: &Sender<Result<Vec<u8>, DeviceError>>, stop: &AtomicBool, queue: &Queue) {
    let mut buf = AlignedBuf::new(C2H_READ_BYTES);
    while !stop.load(Ordering::SeqCst) {
        // Only a FIFO ever says "not ready"; the driver's read waits in the driver.
        match c2h.wait(libc::POLLIN, STEP_MS) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => {
                let _ = tx.send(Err(io_error(path, &e, "poll")));
                return;
            }
        }
        match c2h.read(buf.as_mut_slice()) {
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
                if tx.send(Ok(buf.as_slice()[..n].to_vec())).is_err() {
                    return;
                }
            }
            Err(e) if e.raw_os_error() == Some(libc::ETIMEDOUT) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted || e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => {
                let _ = tx.send(Err(io_error(path, &e, "read")));
                return;
            }
        }
    }
}
