//! The files of the `zkaccel wnn` verbs: the witness (the private image and what inference gave)
//! and the proof (the public scores and class beside the proof bytes). Both name the model by
//! the SHA-256 of its file, so a witness or proof is not used with another model by mistake.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub const WITNESS_FORMAT: &str = "zkaccel-wnn-witness";
pub const PROOF_FORMAT: &str = "zkaccel-wnn-proof";
pub const VERSION: u32 = 1;
pub const PROTOCOL: &str = crate::proof_file::PROTOCOL;

/// SHA-256 of a model file's bytes (hex).
pub fn model_digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `gen-witness`'s output.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WnnWitnessFile {
    pub format: String,
    pub version: u32,
    pub model_sha256: String,
    /// The private image, row-major.
    pub pixels: Vec<u8>,
    pub scores: Vec<u32>,
    pub class: usize,
}

/// `prove`'s output: the proof of "some image gives these scores and this class".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WnnProofFile {
    pub format: String,
    pub version: u32,
    pub protocol: String,
    pub model_sha256: String,
    /// Digest of the verifying key the proof was checked against before writing (hex).
    pub vk_digest: String,
    /// The public inputs: the class scores, then the class.
    pub scores: Vec<u32>,
    pub class: usize,
    /// The proof bytes (hex).
    pub proof: String,
}

fn load_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let text = crate::files::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| Error::artifact(format!("{}: not a {what} file: {e}", path.display())))
}

fn header(path: &Path, format: &str, version: u32, want: &str) -> Result<()> {
    if format != want || version != VERSION {
        return Err(Error::artifact(format!("{}: format {format:?} version {version}, expected {want:?} version {VERSION}", path.display())));
    }
    Ok(())
}

impl WnnWitnessFile {
    pub fn load(path: &Path) -> Result<Self> {
        let w: Self = load_json(path, WITNESS_FORMAT)?;
        header(path, &w.format, w.version, WITNESS_FORMAT)?;
        Ok(w)
    }
    /// Written owner-only when new: it holds the private image.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::files::write_atomic(path, serde_json::to_string(self).expect("serialises").as_bytes(), crate::files::Access::Private)
    }
}

impl WnnProofFile {
    pub fn load(path: &Path) -> Result<Self> {
        let f: Self = load_json(path, PROOF_FORMAT)?;
        header(path, &f.format, f.version, PROOF_FORMAT)?;
        if f.protocol != PROTOCOL {
            return Err(Error::artifact(format!("{}: protocol {:?}, expected {PROTOCOL:?}", path.display(), f.protocol)));
        }
        Ok(f)
    }
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::files::write_atomic(path, serde_json::to_string(self).expect("serialises").as_bytes(), crate::files::Access::Shared)
    }
    /// The proof bytes, decoded and checked (points on the curve, canonical scalars).
    pub fn proof(&self) -> Result<zkaccel::plonk::Proof> {
        let bytes = hex::decode(&self.proof).map_err(|e| Error::artifact(format!("proof: not hex ({e})")))?;
        zkaccel::plonk::Proof::from_bytes(&bytes).map_err(|e| Error::artifact(format!("proof: {e}")))
    }
}
