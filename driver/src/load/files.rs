//! Opening the loader's input files (manifests, artefacts) safely: a manifest may name any path
//! (`..` included), so each is checked to be a regular file before it is opened, opened without
//! blocking and checked again, and read no further than a bound. A path that resolves to a FIFO
//! (whose open would wait for a writer), a device such as `/dev/zero` (which never ends) or a file
//! that grows while it is read is an error naming the path, never a hang.

use std::fs::{File, FileType, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Most bytes a manifest may have (the committed ones are a few KiB).
pub const MANIFEST_MAX: u64 = 1 << 20;

fn kind(t: FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

fn regular(m: Metadata) -> io::Result<Metadata> {
    if m.is_file() {
        Ok(m)
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{}, not a regular file", kind(m.file_type()))))
    }
}

/// Opens `path` for reading if it is a regular file (symbolic links followed); returns the file
/// and its length.
pub fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    regular(std::fs::metadata(path)?)?;
    // Non-blocking, in case a FIFO took its place since the check; checked again on what opened.
    let f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let m = regular(f.metadata()?)?;
    Ok((f, m.len()))
}

/// Reads at most `len` bytes of `f` into `sink`, failing if the file holds fewer or more (it
/// changed since its length was taken).
pub fn read_exactly(f: File, len: u64, mut sink: impl FnMut(&[u8])) -> io::Result<()> {
    let mut r = f.take(len.saturating_add(1));
    let mut buf = vec![0u8; len.saturating_add(1).min(1 << 20) as usize];
    let mut got = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        got += n as u64;
        if got > len {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("it grew past {len} bytes while it was read")));
        }
        sink(&buf[..n]);
    }
    if got < len {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("it shrank to {got} of {len} bytes while it was read")));
    }
    Ok(())
}

/// The contents of the regular file `path`, refused when longer than `max` bytes.
pub fn read_bounded(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let (f, len) = open_regular(path)?;
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{len} bytes, more than the {max} allowed")));
    }
    let mut out = Vec::with_capacity(len as usize);
    read_exactly(f, len, |b| out.extend_from_slice(b))?;
    Ok(out)
}
