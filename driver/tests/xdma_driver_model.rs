//! The XDMA data path against a model of the Xilinx XDMA driver's streaming nodes
//! (`dma_ip_drivers/XDMA/linux-kernel/xdma`, `cdev_sgdma.c` / `libxdma.c`), which behave unlike the
//! emulator's FIFOs: no `poll` (always ready), `O_NONBLOCK` ignored, a C2H read that returns at
//! the end of a packet only when the node was opened with `O_TRUNC` (else it waits for the whole
//! buffer and, after `c2h_timeout`, fails with `ETIMEDOUT` and drops what came), `ETIMEDOUT` when
//! nothing comes within `c2h_timeout`, a write that blocks until the card takes it or
//! `h2c_timeout` (0: for ever), `EINVAL` for a buffer not aligned to the engine's `addr_align`,
//! and one opener at a time of a C2H node (`EBUSY`).

use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use zkaccel_driver::pcie::xdma::{ChannelMode, NodeFile, NodeOpener, XdmaNodes, XdmaStream};
use zkaccel_driver::DeviceError;

#[derive(Default)]
struct State {
    c2h_open: bool,
    eop_flush: bool,
    /// Packets the card streams (each ends with `last`).
    to_host: VecDeque<Vec<u8>>,
    /// Packets the card took.
    taken: Vec<Vec<u8>>,
    stalled: bool,
    /// An errno the next C2H read fails with.
    fail_next_read: Option<i32>,
}

/// The driver and the card behind it.
struct Model {
    state: Mutex<State>,
    cv: Condvar,
    c2h_timeout: Duration,
    /// `None`: `h2c_timeout=0`, a write waits for ever.
    h2c_timeout: Option<Duration>,
    addr_align: usize,
}

impl Model {
    fn new(c2h_timeout: Duration, h2c_timeout: Option<Duration>) -> Arc<Self> {
        Arc::new(Self { state: Mutex::default(), cv: Condvar::new(), c2h_timeout, h2c_timeout, addr_align: 64 })
    }
    fn card_sends(&self, packet: &[u8]) {
        self.state.lock().unwrap().to_host.push_back(packet.to_vec());
        self.cv.notify_all();
    }
    fn set(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.state.lock().unwrap());
        self.cv.notify_all();
    }
    fn taken(&self) -> Vec<Vec<u8>> {
        self.state.lock().unwrap().taken.clone()
    }
    fn check_align(&self, p: *const u8) -> io::Result<()> {
        if !(p as usize).is_multiple_of(self.addr_align) {
            return Err(io::Error::from_raw_os_error(libc::EINVAL)); // check_transfer_align
        }
        Ok(())
    }
}

struct Opener(Arc<Model>);

impl NodeOpener for Opener {
    fn open(&self, path: &Path, flags: libc::c_int) -> io::Result<Box<dyn NodeFile>> {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("_c2h_") {
            let mut s = self.0.state.lock().unwrap();
            if s.c2h_open {
                return Err(io::Error::from_raw_os_error(libc::EBUSY));
            }
            s.c2h_open = true;
            s.eop_flush = flags & libc::O_TRUNC != 0;
            Ok(Box::new(Node { m: self.0.clone(), c2h: true }))
        } else if name.contains("_h2c_") {
            Ok(Box::new(Node { m: self.0.clone(), c2h: false }))
        } else {
            Err(io::Error::from_raw_os_error(libc::ENOENT))
        }
    }
}

struct Node {
    m: Arc<Model>,
    c2h: bool,
}

impl Drop for Node {
    fn drop(&mut self) {
        if self.c2h {
            self.m.state.lock().unwrap().c2h_open = false;
        }
    }
}

impl NodeFile for Node {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        assert!(self.c2h, "read on the H2C node");
        self.m.check_align(buf.as_ptr())?;
        let deadline = Instant::now() + self.m.c2h_timeout;
        let mut s = self.m.state.lock().unwrap();
        if let Some(e) = s.fail_next_read.take() {
            return Err(io::Error::from_raw_os_error(e));
        }
        loop {
            if s.eop_flush {
                if let Some(p) = s.to_host.front_mut() {
                    let n = p.len().min(buf.len());
                    buf[..n].copy_from_slice(&p[..n]);
                    p.drain(..n);
                    if p.is_empty() {
                        s.to_host.pop_front();
                    }
                    return Ok(n);
                }
            } else if s.to_host.iter().map(Vec::len).sum::<usize>() >= buf.len() {
                let mut n = 0;
                while n < buf.len() {
                    let p = s.to_host.front_mut().unwrap();
                    let k = p.len().min(buf.len() - n);
                    buf[n..n + k].copy_from_slice(&p[..k]);
                    p.drain(..k);
                    if p.is_empty() {
                        s.to_host.pop_front();
                    }
                    n += k;
                }
                return Ok(n);
            }
            let now = Instant::now();
            if now >= deadline {
                if !s.eop_flush {
                    s.to_host.clear(); // the aborted transfer's data is lost
                }
                return Err(io::Error::from_raw_os_error(libc::ETIMEDOUT));
            }
            s = self.m.cv.wait_timeout(s, deadline - now).unwrap().0;
        }
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        assert!(!self.c2h, "write on the C2H node");
        self.m.check_align(buf.as_ptr())?;
        let deadline = self.m.h2c_timeout.map(|t| Instant::now() + t);
        let mut s = self.m.state.lock().unwrap();
        while s.stalled {
            match deadline {
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Err(io::Error::from_raw_os_error(libc::ETIMEDOUT));
                    }
                    s = self.m.cv.wait_timeout(s, d - now).unwrap().0;
                }
                None => s = self.m.cv.wait(s).unwrap(),
            }
        }
        s.taken.push(buf.to_vec());
        Ok(buf.len())
    }

    fn wait(&self, _events: libc::c_short, _ms: i32) -> io::Result<bool> {
        Ok(true) // sgdma_fops has no .poll
    }
}

fn nodes() -> XdmaNodes {
    XdmaNodes::new(&PathBuf::from("/dev/xdma0"), 0)
}

fn open(m: &Arc<Model>, timeout: Duration) -> Result<XdmaStream, DeviceError> {
    XdmaStream::open_with(Arc::new(Opener(m.clone())), &nodes(), ChannelMode::Streaming, ChannelMode::Streaming, timeout)
}

/// Runs `f` on a thread; `None` when it has not returned within `limit` (a hang: the thread is
/// left behind).
fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> Option<(T, Duration)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let t = Instant::now();
        let r = f();
        let _ = tx.send((r, t.elapsed()));
    });
    rx.recv_timeout(limit).ok()
}

/// The reader opened C2H without `O_TRUNC`, read 64 KiB at a time and stopped for good on the
/// first error other than EINTR/EAGAIN: a short answer never completed a read, and the first
/// `c2h_timeout` with no traffic (`ETIMEDOUT`) ended the path. Now short packets arrive at once,
/// and quiet spells are "nothing yet".
#[test]
fn xdma_short_answers_arrive_and_quiet_spells_are_not_the_end() {
    let m = Model::new(Duration::from_millis(20), Some(Duration::from_secs(10)));
    let mut s = open(&m, Duration::from_secs(1)).unwrap();
    std::thread::sleep(Duration::from_millis(120)); // several ETIMEDOUTs with nothing sent
    let answer: Vec<u8> = (0..32).collect();
    m.card_sends(&answer);
    assert_eq!(s.receive(32, Duration::from_secs(2)).unwrap(), answer);
    std::thread::sleep(Duration::from_millis(80));
    m.card_sends(&[7; 64]);
    m.card_sends(&[9; 32]);
    let got = s.receive(96, Duration::from_secs(2)).unwrap();
    assert_eq!((&got[..64], &got[64..]), (&[7u8; 64][..], &[9u8; 32][..]));
    // Nothing more: a timeout of our own, naming what was awaited.
    let e = s.receive(32, Duration::from_millis(100)).unwrap_err();
    assert!(matches!(&e, DeviceError::Timeout(_, m) if m.contains("32 bytes") && m.contains("0 arrived")), "{e}");
    assert!(m.state.lock().unwrap().eop_flush, "C2H opened without O_TRUNC");
}

/// The driver maps the caller's pages and refuses (EINVAL) a buffer not aligned to the engine's
/// `addr_align`: the input was written from the caller's slice as it was, and the reader's 64 KiB
/// `Vec` had the allocator's alignment. Now both go through page-aligned buffers.
#[test]
fn xdma_buffers_are_aligned_for_the_dma_engine() {
    let m = Model::new(Duration::from_millis(20), Some(Duration::from_secs(10)));
    let mut s = open(&m, Duration::from_secs(1)).unwrap();
    let backing: Vec<u8> = (0..=64).collect();
    let input = &backing[1..]; // 64 bytes at an odd address
    s.send(input, Duration::from_secs(2)).unwrap();
    assert_eq!(m.taken(), vec![input.to_vec()]);
    m.card_sends(&[5; 32]);
    assert_eq!(s.receive(32, Duration::from_secs(2)).unwrap(), [5; 32]);
}

/// The driver ignores O_NONBLOCK and a write waits for the card for `h2c_timeout` (for ever when
/// 0): `send` waited as long, past its own timeout. Now it ends at the caller's deadline with a
/// timeout error (the CPU fallback's cue), the next send does not start a second packet while
/// the first is still being written, and the path works again once the card takes it.
#[test]
fn xdma_a_write_the_card_never_takes_ends_in_a_timeout() {
    let m = Model::new(Duration::from_millis(20), None);
    m.set(|s| s.stalled = true);
    let s = open(&m, Duration::from_secs(1)).unwrap();
    let (s, r, el) = {
        let ((s, r), el) = bounded(Duration::from_secs(5), move || {
            let mut s = s;
            let r = s.send(&[1; 64], Duration::from_millis(200));
            (s, r)
        })
        .expect("send hung in the driver's write (h2c_timeout=0) past its 200 ms timeout");
        (s, r, el)
    };
    let e = r.unwrap_err();
    assert!(matches!(&e, DeviceError::Timeout(_, msg) if msg.contains("xdma0_h2c_0") && msg.contains("0 of 64 bytes taken")), "{e}");
    assert!(el < Duration::from_secs(2), "{el:?}");
    let ((mut s, r), _) = bounded(Duration::from_secs(5), move || {
        let mut s = s;
        let r = s.send(&[2; 32], Duration::from_millis(100));
        (s, r)
    })
    .expect("the second send hung");
    let e = r.unwrap_err();
    assert!(matches!(&e, DeviceError::Timeout(_, msg) if msg.contains("earlier input") && msg.contains("was not started")), "{e}");
    // The card takes the stuck packet; the next one goes through after it.
    m.set(|s| s.stalled = false);
    s.send(&[3; 32], Duration::from_secs(2)).unwrap();
    assert_eq!(m.taken(), vec![vec![1; 64], vec![3; 32]]);

    // A driver with an h2c_timeout shorter than ours: its ETIMEDOUT is a timeout error too.
    let m = Model::new(Duration::from_millis(20), Some(Duration::from_millis(50)));
    m.set(|s| s.stalled = true);
    let mut s = open(&m, Duration::from_secs(1)).unwrap();
    let e = s.send(&[1; 32], Duration::from_secs(5)).unwrap_err();
    assert!(matches!(&e, DeviceError::Timeout(_, msg) if msg.contains("h2c_timeout passed first")), "{e}");
}

/// A reader that stopped on an error (EIO: a failed transfer) stayed stopped: every later
/// receive failed, also after the reset that `drain` follows. Now `drain` starts it again.
#[test]
fn xdma_reset_restarts_a_reader_that_stopped() {
    let m = Model::new(Duration::from_millis(20), Some(Duration::from_secs(10)));
    m.set(|s| s.fail_next_read = Some(libc::EIO));
    let mut s = open(&m, Duration::from_secs(1)).unwrap();
    let e = s.receive(32, Duration::from_secs(2)).unwrap_err();
    assert!(matches!(&e, DeviceError::Protocol(msg) if msg.contains("read") && msg.contains("xdma0_c2h_0")), "{e}");
    s.drain().unwrap();
    m.card_sends(&[4; 32]);
    assert_eq!(s.receive(32, Duration::from_secs(2)).unwrap(), [4; 32]);
}

/// A streaming C2H node has one opener; the reader of a dropped stream holds it until its read
/// returns (up to `c2h_timeout`): a re-open right after a drop failed with EBUSY. Now an open
/// retries EBUSY until its timeout, and a node held for longer is an error naming the cause.
#[test]
fn xdma_reopen_waits_for_the_reader_of_a_dropped_stream() {
    let m = Model::new(Duration::from_millis(300), Some(Duration::from_secs(10)));
    let s = open(&m, Duration::from_secs(1)).unwrap();
    std::thread::sleep(Duration::from_millis(50)); // the reader is in the driver's read
    drop(s);
    let t = Instant::now();
    let _s2 = open(&m, Duration::from_secs(5)).expect("re-open after a drop");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let e = open(&m, Duration::from_millis(100)).err().expect("a second opener of a C2H node");
    assert!(matches!(&e, DeviceError::Unsupported(msg) if msg.contains("xdma0_c2h_0 is busy (EBUSY)") && msg.contains("one program at a time")), "{e}");
}
