//! Writing the files a verb produces: atomically (a temporary file in the same directory,
//! written, flushed to disk, then renamed over the target, so that a reader sees the old file or
//! the whole new one and an error leaves nothing half-written), never over one of the verb's
//! inputs, and never two outputs to the same path.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The temporary path beside `path` that a write goes through: `.NAME.tmp-PID-N`, with at most
/// the first 64 characters of the name (lossy for a non-UTF-8 name), so that a target name of
/// the file system's maximum length still has a temporary name within it.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().chars().take(64).collect::<String>()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)))
}

/// A file written but not yet in place: [`Staged::commit`] renames it over its target; dropping
/// it uncommitted removes it.
pub struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    done: bool,
}

impl Staged {
    /// Writes `bytes` to a temporary file beside `path` and flushes it to disk.
    pub fn write(path: &Path, bytes: &[u8]) -> Result<Self> {
        if path.file_name().is_none() {
            return Err(Error::io(path, std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path")));
        }
        let tmp = temp_path(path);
        let staged = Self { tmp, target: path.to_owned(), done: false };
        let mut f = OpenOptions::new().write(true).create_new(true).open(&staged.tmp).map_err(|e| Error::io(path, e))?;
        f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| Error::io(path, e))?;
        Ok(staged)
    }

    /// Renames the temporary file over the target (and flushes the directory entry).
    pub fn commit(mut self) -> Result<()> {
        std::fs::rename(&self.tmp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        self.done = true;
        if let Some(dir) = self.target.parent() {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    Staged::write(path, bytes)?.commit()
}

/// Writes several files as one step: all are written to temporary files first (any failure
/// leaves every target as it was); then they are renamed in order, and if a rename fails the
/// files already renamed are removed, so that the targets are never a mix of new and old files
/// (for `setup`: never a new proving key beside an old verifying key).
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> Result<()> {
    let staged = files.iter().map(|(p, b)| Staged::write(p, b)).collect::<Result<Vec<_>>>()?;
    let mut renamed: Vec<PathBuf> = Vec::new();
    for s in staged {
        let target = s.target.clone();
        if let Err(e) = s.commit() {
            for p in &renamed {
                let _ = std::fs::remove_file(p);
            }
            let undone = renamed.iter().map(|p| p.display().to_string()).collect::<Vec<_>>();
            let note = if undone.is_empty() { String::new() } else { format!(" (removed the new {} so that no mixed set is left)", undone.join(", ")) };
            return Err(Error::new(e.code, format!("{}{note}", e.message)));
        }
        renamed.push(target);
    }
    Ok(())
}

/// The path as the file system resolves it: the parent directory canonicalised (when it exists)
/// and the file name kept, so that two spellings of one path compare equal.
fn resolved(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    match (parent.canonicalize(), p.file_name()) {
        (Ok(d), Some(n)) => d.join(n),
        _ => p.to_owned(),
    }
}

/// Whether `a` and `b` name the same file (same inode when both exist, else the same resolved
/// path).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    resolved(a) == resolved(b)
}

/// Refuses outputs that would overwrite an input of the same verb, or each other: `inputs` and
/// `outputs` are (flag, path) pairs, e.g. `("--pk-path", &a.pk_path)`. A usage error (exit 1),
/// checked before any work.
pub fn check_outputs(inputs: &[(&str, Option<&Path>)], outputs: &[(&str, &Path)]) -> Result<()> {
    for (i, (oflag, o)) in outputs.iter().enumerate() {
        if o.is_dir() || o.file_name().is_none() {
            return Err(Error::usage(format!("{oflag} {} is a directory, not a file path", o.display())));
        }
        for (iflag, inp) in inputs {
            if let Some(inp) = inp {
                if same_file(o, inp) {
                    return Err(Error::usage(format!(
                        "{oflag} {} is the same file as the input {iflag} {}: refusing to overwrite an input (choose another output path)",
                        o.display(),
                        inp.display()
                    )));
                }
            }
        }
        for (pflag, p) in &outputs[..i] {
            if same_file(o, p) {
                return Err(Error::usage(format!("{oflag} {} and {pflag} {} are the same file: give each output its own path", o.display(), p.display())));
            }
        }
    }
    Ok(())
}

/// Reads a whole input file: a regular file only (a device such as /dev/zero or a FIFO would be
/// read without end), errors naming the path (exit 5).
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::io(path, std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file")));
    }
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// [`read`] as UTF-8 text (an error naming the path otherwise).
pub fn read_to_string(path: &Path) -> Result<String> {
    String::from_utf8(read(path)?).map_err(|_| Error::artifact(format!("{}: not UTF-8 text", path.display())))
}
