//! The proof file (`prove --proof-path`): the Plonk proof bytes, every public input (instance
//! column values), and for people the public inputs/outputs as integers and reals. `verify`
//! checks the proof against the instances and that the readable copy agrees with them.

use std::path::Path;

use zkaccel::plonk::Proof;
use zkaccel::Fr;

use crate::error::{Error, Result};
use crate::field::{fr_from_hex, fr_to_hex};

pub const FORMAT: &str = "zkaccel-proof";
pub const VERSION: u32 = 1;
pub const PROTOCOL: &str = "plonk-kzg-bn254-logup";

/// Public values as people read them (repeated from the instances; checked by `verify`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PublicValues {
    /// Public model inputs (quantized), one list per input; empty when inputs are not public.
    pub inputs: Vec<Vec<i64>>,
    /// Public model outputs (quantized), one list per output; empty when outputs are not public.
    pub outputs: Vec<Vec<i64>>,
    /// The public outputs as reals (q / 2^scale).
    pub rescaled_outputs: Vec<Vec<f64>>,
}

/// A proof file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProofFile {
    pub format: String,
    pub version: u32,
    pub protocol: String,
    pub circuit_id: String,
    /// sha-3 digest of the verifying key the proof was checked against before writing (hex).
    pub vk_digest: String,
    /// Instance columns, each a list of field elements (hex, little-endian canonical).
    pub instances: Vec<Vec<String>>,
    /// The proof bytes (hex).
    pub proof: String,
    pub public: PublicValues,
}

impl ProofFile {
    /// Decodes the instances (canonical field elements).
    pub fn instance_values(&self) -> Result<Vec<Vec<Fr>>> {
        self.instances
            .iter()
            .enumerate()
            .map(|(c, col)| col.iter().enumerate().map(|(i, h)| fr_from_hex(h, &format!("instances[{c}][{i}]"))).collect())
            .collect()
    }

    pub fn encode_instances(instances: &[Vec<Fr>]) -> Vec<Vec<String>> {
        instances.iter().map(|c| c.iter().map(fr_to_hex).collect()).collect()
    }

    /// Decodes the proof bytes (every point checked on the curve, every scalar canonical).
    pub fn proof(&self) -> Result<Proof> {
        let bytes = hex::decode(&self.proof).map_err(|e| Error::artifact(format!("proof: not hex ({e})")))?;
        Proof::from_bytes(&bytes).map_err(|e| Error::artifact(format!("proof: {e}")))
    }

    pub fn check_header(&self) -> Result<()> {
        if self.format != FORMAT || self.version != VERSION || self.protocol != PROTOCOL {
            return Err(Error::artifact(format!(
                "not a {FORMAT} version {VERSION} ({PROTOCOL}) file: format {:?}, version {}, protocol {:?}",
                self.format, self.version, self.protocol
            )));
        }
        Ok(())
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        crate::files::write_atomic(path, serde_json::to_string(self).expect("proof serialises").as_bytes(), crate::files::Access::Shared)
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::files::read_to_string(path)?;
        let f: Self = serde_json::from_str(&text).map_err(|e| Error::artifact(format!("{}: not a proof file: {e}", path.display())))?;
        f.check_header().map_err(|e| e.context(path.display()))?;
        Ok(f)
    }
}
