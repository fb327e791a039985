//! Checking an artefact on disk against its manifest entry: present, the size and the SHA-256
//! the manifest records.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

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

/// SHA-256 (lowercase hex) and size of the file at `path`, read in 1 MiB pieces.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
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
    let (sha, size) = sha256_file(path).map_err(|e| ArtefactError {
        file: file.clone(),
        field: field("path"),
        problem: format!("cannot read the artefact '{}': {e}", a.name),
    })?;
    if size != want_size {
        return Err(ArtefactError {
            file,
            field: field("size"),
            problem: format!("the file has {size} bytes, the manifest says {want_size}"),
        });
    }
    if &sha != want_sha {
        return Err(ArtefactError {
            file,
            field: field("sha256"),
            problem: format!("the file's SHA-256 is {sha}, the manifest says {want_sha}"),
        });
    }
    Ok(sha)
}
