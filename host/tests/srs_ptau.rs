//! Hostile `.ptau` paths and files (the review's findings): a FIFO, a device or a directory is
//! refused before it is opened (opening a FIFO blocks until a writer comes), and a sparse file
//! claiming a huge power is refused from its first powers, reading only what the call needs —
//! never the sections the header claims.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use zkaccel::error::{DecodeError, Error};
use zkaccel::srs::Srs;

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snarkjs_bn128_pot10_final.ptau")
}

/// A fresh scratch directory, removed at the end of a passing test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkaccel-srs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `f` on another thread and fails the test if it has not returned within 20 s (instead of
/// hanging the suite); `unblock` is called first in that case.
fn within_20s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static, unblock: impl FnOnce()) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(v) => v,
        Err(_) => {
            unblock();
            panic!("still blocked after 20 s");
        }
    }
}

fn not_regular(r: zkaccel::error::Result<Srs>, what: &str) {
    match r {
        Err(Error::Io(e)) => assert!(e.to_string().contains("not a regular file"), "{what}: {e}"),
        other => panic!("{what}: {:?}", other.map(|_| "an SRS")),
    }
}

#[cfg(unix)]
#[test]
fn srs_paths_that_are_not_regular_files_are_refused_without_opening() {
    let d = scratch("fifo");
    let fifo = d.join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success(), "mkfifo");
    let unblock = |fifo: PathBuf| move || drop(std::fs::OpenOptions::new().write(true).open(fifo));
    let f = fifo.clone();
    not_regular(within_20s(move || Srs::from_ptau_file(&f, Some(10)), unblock(fifo.clone())), "FIFO");
    let f = fifo.clone();
    not_regular(within_20s(move || Srs::from_ptau_file_verify_all(&f, 1), unblock(fifo.clone())), "FIFO, verify_all");
    if Path::new("/dev/zero").exists() {
        not_regular(within_20s(|| Srs::from_ptau_file("/dev/zero", None), || ()), "/dev/zero");
        not_regular(within_20s(|| Srs::from_ptau_file_verify_all("/dev/zero", 1), || ()), "/dev/zero, verify_all");
    }
    not_regular(Srs::from_ptau_file(&d, None), "a directory");
    assert!(matches!(Srs::from_ptau_file(d.join("missing.ptau"), None), Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound));
    std::fs::remove_dir_all(&d).unwrap();
}

/// [`zkaccel_testkit::ptau::sparse_ptau`] of the fixture.
fn sparse_ptau(path: &Path, power: u32, prefix: bool, short: u64) -> u64 {
    zkaccel_testkit::ptau::sparse_ptau(&fixture_path(), path, power, prefix, short)
}

fn srs_error(r: zkaccel::error::Result<Srs>, want: &str, what: &str) {
    match r {
        Err(Error::Srs(m)) => assert!(m.contains(want), "{what}: {m}"),
        other => panic!("{what}: {:?}", other.map(|_| "an SRS")),
    }
}

#[test]
fn srs_sparse_ptau_claiming_power_27_is_refused_from_its_first_powers() {
    let d = scratch("sparse");
    let path = d.join("sparse27.ptau");
    // 32 GB apparent, a few KB on disk: the sections' claimed sizes fit the file's length, so
    // only reading less than the whole file keeps the memory small (16 GiB of G1 powers).
    let len = sparse_ptau(&path, 27, false, 0);
    assert_eq!(len, 12 + 12 + 44 + 12 + ((1u64 << 28) - 1) * 64 + 12 + (1u64 << 27) * 128);
    let first = "does not start from the standard BN254 generators";
    srs_error(Srs::from_ptau_file_verify_all(&path, 1), first, "verify_all, zeros");
    srs_error(Srs::from_ptau_file(&path, Some(100)), first, "from_ptau_file, zeros");
    // The fixture's 2047 genuine powers, then zeros: the windowed check stops at the first zero.
    sparse_ptau(&path, 27, true, 0);
    srs_error(Srs::from_ptau_file_verify_all(&path, 1), "power 2047 of τ is the point at infinity", "verify_all, genuine start");
    // The first powers alone are an SRS: a caller asking for no more than them gets them.
    let srs = Srs::from_ptau_file(&path, Some(100)).unwrap();
    assert_eq!(srs.g1_powers(), Srs::from_ptau_file(fixture_path(), Some(100)).unwrap().g1_powers());
    // A section claiming more than the file holds: refused before anything is allocated for it.
    sparse_ptau(&path, 27, true, 1);
    for r in [Srs::from_ptau_file_verify_all(&path, 1), Srs::from_ptau_file(&path, Some(1))] {
        assert!(matches!(r, Err(Error::Decode(DecodeError::Truncated { .. }))), "{:?}", r.map(|_| ()));
    }
    std::fs::remove_dir_all(&d).unwrap();
}
