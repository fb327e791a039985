//! Hostile `.ptau` files for the SRS readers' tests: a real file's header claiming a huge power,
//! written sparse (only the section headers and, optionally, the real file's first points take
//! disk space), so that a reader that trusts the claimed sizes would allocate gigabytes.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// Start and size of section `id` of the `.ptau` bytes `file` (sections follow the 12-byte file
/// header: id `u32`, size `u64`, then the body).
fn section(file: &[u8], id: u32) -> (usize, usize) {
    let mut pos = 12;
    loop {
        let sid = u32::from_le_bytes(file[pos..pos + 4].try_into().expect("4 bytes"));
        let size = u64::from_le_bytes(file[pos + 4..pos + 12].try_into().expect("8 bytes")) as usize;
        if sid == id {
            return (pos + 12, size);
        }
        pos += 12 + size;
    }
}

/// Writes to `path` the header of the real `.ptau` file `fixture` with `power` claimed, then the
/// τ-powers sections 2 (G1) and 3 (G2) sized for that power and empty (zeros, sparse) — or, with
/// `genuine_prefix`, starting with the fixture's own G1 powers and its first two G2 powers — and
/// cuts the file `short` bytes before the end the header implies. Returns the file's length.
pub fn sparse_ptau(fixture: &Path, path: &Path, power: u32, genuine_prefix: bool, short: u64) -> u64 {
    let real = std::fs::read(fixture).expect("the fixture .ptau");
    let (h, hsize) = section(&real, 1);
    let mut header = real[h..h + hsize].to_vec();
    header[36..40].copy_from_slice(&power.to_le_bytes());
    header[40..44].copy_from_slice(&power.to_le_bytes());
    let (g1, g1_len) = section(&real, 2);
    let (g2, _) = section(&real, 3);
    let mut f = std::fs::File::create(path).expect("create the sparse .ptau");
    f.write_all(b"ptau").unwrap();
    f.write_all(&1u32.to_le_bytes()).unwrap();
    f.write_all(&3u32.to_le_bytes()).unwrap();
    let body = |f: &mut std::fs::File, id: u32, size: u64, start: &[u8]| {
        f.write_all(&id.to_le_bytes()).unwrap();
        f.write_all(&size.to_le_bytes()).unwrap();
        f.write_all(start).unwrap();
        f.seek(SeekFrom::Current(size as i64 - start.len() as i64)).unwrap();
    };
    body(&mut f, 1, hsize as u64, &header);
    body(&mut f, 2, ((1u64 << (power + 1)) - 1) * 64, if genuine_prefix { &real[g1..g1 + g1_len] } else { &[] });
    body(&mut f, 3, (1u64 << power) * 128, if genuine_prefix { &real[g2..g2 + 256] } else { &[] });
    let len = f.stream_position().unwrap() - short;
    f.set_len(len).unwrap();
    len
}
