//! Writing the files a verb produces: atomically (a temporary file in the same directory,
//! written, flushed to disk, then renamed over the target, so that a reader sees the old file or
//! the whole new one and an error leaves nothing half-written), never over one of the verb's
//! inputs, and never two outputs to the same path.
//!
//! Rewriting a file keeps what the user set on it: a target that is a symbolic link stays a link
//! (the file it points to is rewritten, through a temporary file beside that file), and the new
//! file gets the old one's permission bits (and group, where the file system lets us; otherwise
//! the group bits are cleared rather than granted to another group) before it takes the old one's
//! place. A new file gets the mode its [`Access`] says: owner-only for what holds private values.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Who may read a file that a verb creates. An existing file that is rewritten keeps its own
/// permissions whatever the access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Prover-side: it holds private values or statistics of them (the witness, the compiled
    /// circuit with its embedded model, the proving key, settings measured on sample data).
    /// Created owner-only, mode 0600.
    Private,
    /// Meant to be handed out (a proof, a verifying key, a verifier contract, calldata): created
    /// with the default mode, 0666 less the umask.
    Shared,
}

impl Access {
    /// The mode a new file of this access is created with (the umask applies as well).
    #[cfg(unix)]
    fn new_file_mode(self) -> u32 {
        match self {
            Access::Private => 0o600,
            Access::Shared => 0o666,
        }
    }
}

/// Symbolic links followed at most when resolving an output path (Linux's limit).
const MAX_LINKS: usize = 40;

/// The file a write to `path` replaces: `path` itself, or, when it is a symbolic link, the path
/// the chain of links ends at (a relative link is read from the link's directory). A dangling
/// link ends at a path that does not exist yet: the write creates the file there, as a shell
/// redirection would.
fn real_target(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_owned();
    for _ in 0..=MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p).map_err(|e| Error::io(path, e))?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    Err(Error::io(path, std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("more than {MAX_LINKS} levels of symbolic links"))))
}

/// The temporary path beside `path` that a write goes through: `.NAME.tmp-PID-N`, with at most
/// the first 64 characters of the name (lossy for a non-UTF-8 name), so that a target name of
/// the file system's maximum length still has a temporary name within it.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().chars().take(64).collect::<String>()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)))
}

/// Gives the new file `f` the owner, group and permission bits of the file `old` it replaces.
/// Only a privileged process can give a file away, so a file owned by someone else becomes ours
/// (with its bits); a group we cannot set (not one of ours) has its bits cleared: they would
/// otherwise let our group read what only the old group could.
#[cfg(unix)]
fn keep_owner_and_mode(f: &File, old: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
    let mut mode = old.mode() & 0o777;
    let new = f.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
        let uid = (new.uid() != old.uid()).then_some(old.uid());
        if fchown(f, uid, Some(old.gid())).is_err() && (uid.is_none() || fchown(f, None, Some(old.gid())).is_err()) {
            mode &= !0o070;
        }
    }
    f.set_permissions(std::fs::Permissions::from_mode(mode))
}

/// A file written but not yet in place: [`Staged::commit`] renames it over its target; dropping
/// it uncommitted removes it.
pub struct Staged {
    tmp: PathBuf,
    /// Where the rename goes: the path given, or the file its symbolic link resolves to.
    target: PathBuf,
    /// The path given, for messages.
    shown: PathBuf,
    done: bool,
}

impl Staged {
    /// Writes `bytes` to a temporary file beside the file `path` names (following symbolic
    /// links) and flushes it to disk. The temporary file is created owner-only; it gets the
    /// existing target's owner and permissions, or for a new target the mode of `access`.
    pub fn write(path: &Path, bytes: &[u8], access: Access) -> Result<Self> {
        let not_a_file = |why: &str| Error::io(path, std::io::Error::new(std::io::ErrorKind::InvalidInput, why.to_string()));
        if path.file_name().is_none() {
            return Err(not_a_file("not a file path"));
        }
        let target = real_target(path)?;
        if target.file_name().is_none() {
            return Err(not_a_file("not a file path"));
        }
        let existing = match std::fs::metadata(&target) {
            Ok(m) if m.is_file() => Some(m),
            Ok(_) => return Err(not_a_file("not a regular file (refusing to replace it)")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(path, e)),
        };
        let tmp = temp_path(&target);
        let staged = Self { tmp, target, shown: path.to_owned(), done: false };
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if existing.is_some() { 0o600 } else { access.new_file_mode() });
        }
        #[cfg(not(unix))]
        let _ = access;
        let mut f = options.open(&staged.tmp).map_err(|e| Error::io(path, e))?;
        #[cfg(unix)]
        if let Some(old) = &existing {
            keep_owner_and_mode(&f, old).map_err(|e| Error::io(path, e))?;
        }
        #[cfg(not(unix))]
        let _ = existing;
        f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| Error::io(path, e))?;
        Ok(staged)
    }

    /// Renames the temporary file over the target (and flushes the directory entry).
    pub fn commit(mut self) -> Result<()> {
        std::fs::rename(&self.tmp, &self.target).map_err(|e| Error::io(&self.shown, e))?;
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

/// Writes `bytes` to `path` atomically (a new file with the mode of `access`).
pub fn write_atomic(path: &Path, bytes: &[u8], access: Access) -> Result<()> {
    Staged::write(path, bytes, access)?.commit()
}

/// Writes several files as one step: all are written to temporary files first (any failure
/// leaves every target as it was); then they are renamed in order, and if a rename fails the
/// files already renamed are removed, so that the targets are never a mix of new and old files
/// (for `setup`: never a new proving key beside an old verifying key).
pub fn write_all_atomic(files: &[(&Path, &[u8], Access)]) -> Result<()> {
    commit_all(files.iter().map(|(p, b, a)| Staged::write(p, b, *a)).collect::<Result<Vec<_>>>()?)
}

/// Renames staged files in order; a failed rename removes the files already renamed.
fn commit_all(staged: Vec<Staged>) -> Result<()> {
    // (the file renamed over, the path given)
    let mut renamed: Vec<(PathBuf, PathBuf)> = Vec::new();
    for s in staged {
        let done = (s.target.clone(), s.shown.clone());
        if let Err(e) = s.commit() {
            for (target, _) in &renamed {
                let _ = std::fs::remove_file(target);
            }
            let undone = renamed.iter().map(|(_, p)| p.display().to_string()).collect::<Vec<_>>();
            let note = if undone.is_empty() { String::new() } else { format!(" (removed the new {} so that no mixed set is left)", undone.join(", ")) };
            return Err(Error::new(e.code, format!("{}{note}", e.message)));
        }
        renamed.push(done);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A rename that fails after every file was staged (the second target became a directory in
    /// between) removes the first file already renamed, and leaves no temporary file.
    #[test]
    fn a_failed_rename_removes_the_files_already_renamed() {
        let d = std::env::temp_dir().join(format!("zkaccel-files-rollback-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let (a, b) = (d.join("a"), d.join("b"));
        let staged = vec![Staged::write(&a, b"new a", Access::Shared).unwrap(), Staged::write(&b, b"new b", Access::Shared).unwrap()];
        std::fs::create_dir(&b).unwrap();
        std::fs::write(b.join("x"), "x").unwrap();
        let e = commit_all(staged).unwrap_err();
        assert!(e.message.contains("removed the new") && e.message.contains(&*a.to_string_lossy()), "{}", e.message);
        assert!(!a.exists(), "a renamed although b could not be");
        let names: Vec<String> = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["b".to_string()], "temporary files left");
        let _ = std::fs::remove_dir_all(&d);
    }
}
