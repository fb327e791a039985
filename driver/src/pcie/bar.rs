//! A memory-mapped PCI BAR (`resource<N>` in sysfs, or the XDMA driver's `xdma<N>_user`): mapped
//! shared with `memmap2`, accessed only with volatile, aligned 32-bit loads and stores (a BAR must
//! never be read or written with wider or split accesses), and with volatile byte copies for a
//! data window.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{fence, Ordering};

use memmap2::{MmapOptions, MmapRaw};

use super::errors::io_error;
use crate::device::DeviceError;

/// A mapped BAR.
pub struct Bar {
    map: MmapRaw,
    path: PathBuf,
}

impl Bar {
    /// Maps all of `path` (at least `min_len` bytes) for reading and writing.
    ///
    /// A sysfs `resource<N>` file is a regular file whose size is the BAR's: all of it is mapped,
    /// and it must hold `min_len` bytes (mapping past the end of a file would fault on the first
    /// access). A character device (the XDMA driver's `xdma<N>_user`) reports size 0: `min_len`
    /// bytes are mapped and the driver bounds them. Anything else is refused.
    pub fn open(path: &Path, min_len: usize) -> Result<Self, DeviceError> {
        use std::os::unix::fs::FileTypeExt;
        let file = OpenOptions::new().read(true).write(true).open(path).map_err(|e| io_error(path, &e, "open"))?;
        let meta = file.metadata().map_err(|e| io_error(path, &e, "stat"))?;
        let kind = meta.file_type();
        let len = if kind.is_file() {
            usize::try_from(meta.len()).unwrap_or(usize::MAX)
        } else if kind.is_char_device() {
            if meta.len() == 0 {
                min_len
            } else {
                usize::try_from(meta.len()).unwrap_or(usize::MAX)
            }
        } else {
            return Err(DeviceError::Unsupported(format!(
                "{} is neither a BAR resource file nor a device node (a sysfs resource<N> file or /dev/xdma<N>_user): cannot map it",
                path.display()
            )));
        };
        if len < min_len {
            return Err(DeviceError::Unsupported(format!(
                "{} is {len} bytes, smaller than the {min_len} bytes mapped from it (a BAR's sysfs resource<N> file is as long as the BAR): is this the card's BAR?",
                path.display()
            )));
        }
        let map = MmapOptions::new().len(len).map_raw(&file).map_err(|e| io_error(path, &e, "map"))?;
        Ok(Self { map, path: path.to_path_buf() })
    }

    /// The mapped file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Length of the mapping in bytes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the mapping is empty (never: `open` maps at least `min_len`).
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    fn check(&self, offset: usize, len: usize) -> Result<(), DeviceError> {
        if offset.checked_add(len).is_none_or(|end| end > self.map.len()) {
            return Err(DeviceError::Unsupported(format!("offset {offset:#x}+{len} outside {} ({} bytes)", self.path.display(), self.map.len())));
        }
        Ok(())
    }

    /// A volatile 32-bit read at a 4-byte aligned offset.
    pub fn read32(&self, offset: usize) -> Result<u32, DeviceError> {
        if !offset.is_multiple_of(4) {
            return Err(DeviceError::Unsupported(format!("unaligned register offset {offset:#x}")));
        }
        self.check(offset, 4)?;
        fence(Ordering::SeqCst);
        // SAFETY: in bounds (checked) and 4-byte aligned (the mapping is page aligned).
        let v = unsafe { std::ptr::read_volatile(self.map.as_ptr().add(offset) as *const u32) };
        Ok(u32::from_le(v))
    }

    /// A volatile 32-bit write at a 4-byte aligned offset.
    pub fn write32(&self, offset: usize, value: u32) -> Result<(), DeviceError> {
        if !offset.is_multiple_of(4) {
            return Err(DeviceError::Unsupported(format!("unaligned register offset {offset:#x}")));
        }
        self.check(offset, 4)?;
        // SAFETY: in bounds (checked) and 4-byte aligned.
        unsafe { std::ptr::write_volatile(self.map.as_mut_ptr().add(offset) as *mut u32, value.to_le()) };
        fence(Ordering::SeqCst);
        Ok(())
    }

    /// Copies `data` into the BAR at `offset` with volatile 32-bit stores (`data.len()` a multiple
    /// of 4).
    pub fn write_bytes(&self, offset: usize, data: &[u8]) -> Result<(), DeviceError> {
        self.check(offset, data.len())?;
        for (i, w) in data.chunks(4).enumerate() {
            let mut b = [0u8; 4];
            b[..w.len()].copy_from_slice(w);
            self.write32(offset + 4 * i, u32::from_le_bytes(b))?;
        }
        Ok(())
    }

    /// Reads `len` bytes at `offset` with volatile 32-bit loads.
    pub fn read_bytes(&self, offset: usize, len: usize) -> Result<Vec<u8>, DeviceError> {
        self.check(offset, len.next_multiple_of(4))?;
        let mut out = Vec::with_capacity(len + 4);
        for i in 0..len.div_ceil(4) {
            out.extend_from_slice(&self.read32(offset + 4 * i)?.to_le_bytes());
        }
        out.truncate(len);
        Ok(out)
    }
}
