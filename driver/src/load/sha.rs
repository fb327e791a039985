//! Checking an artefact on disk against its manifest entry: present, a regular file, the size and
//! the SHA-256 the manifest records (the size from a stat before anything is read; no more than
//! that many bytes read).

use std::path::Path;

use sha2::{Digest, Sha256};

use super::files;
use super::manifest::Artefact;

/// An artefact that is missing or differs from its manifest entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {field}: {problem}")]
pub struct ArtefactError {
    /// The artefact file (or the manifest, when the entry itself is incomplete).
    pub file: String,
    /// The manifest field concerned (`artefacts[0].sha256`).
    pub field: String,
    /// What differs.
    pub problem: String,
}

/// SHA-256 (lowercase hex) and size of the regular file at `path`, read in 1 MiB pieces and no
/// further than the size it had when opened (a FIFO or a device is an error, not a read without
/// end).
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let (f, size) = files::open_regular(path)?;
    let mut h = Sha256::new();
    files::read_exactly(f, size, |b| h.update(b))?;
    Ok((hex::encode(h.finalize()), size))
}

/// Checks the file at `path` against artefact `index` of the manifest: it exists, and its size
/// and SHA-256 are the recorded ones. Returns the hash.
pub fn check_artefact(path: &Path, a: &Artefact, index: usize) -> Result<String, ArtefactError> {
    let file = path.display().to_string();
    let field = |f: &str| format!("artefacts[{index}].{f}");
    let (Some(want_sha), Some(want_size)) = (&a.sha256, a.size) else {
        return Err(ArtefactError { file, field: field("sha256"), problem: "the manifest records no hash for it".into() });
    };
    let unreadable = |e: std::io::Error| ArtefactError {
        file: path.display().to_string(),
        field: field("path"),
        problem: format!("cannot read the artefact '{}': {e}", a.name),
    };
    // The size first (a stat): a file of another size is not read at all.
    let (f, size) = files::open_regular(path).map_err(unreadable)?;
    if size != want_size {
        return Err(ArtefactError {
            file,
            field: field("size"),
            problem: format!("the file has {size} bytes, the manifest says {want_size}"),
        });
    }
    let mut h = Sha256::new();
    files::read_exactly(f, size, |b| h.update(b)).map_err(unreadable)?;
    let sha = hex::encode(h.finalize());
    if &sha != want_sha {
        return Err(ArtefactError {
            file,
            field: field("sha256"),
            problem: format!("the file's SHA-256 is {sha}, the manifest says {want_sha}"),
        });
    }
    Ok(sha)
}
