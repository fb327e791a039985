//! What a proof under a WNN verifying key states, bound to the key: `wnn setup` attaches it with
//! [`zkaccel::plonk::VerifyingKey::with_binding`], so it is part of the key's digest, which the
//! transcript absorbs first.
//!
//! The circuit ties the instance column to the classification only on its first `C + 1` rows
//! (`q_pub`: the `C` class scores, then the class); the core verifier accepts an instance column
//! of any length up to the domain. Without a bound class count a prover could publish a longer
//! list (the true class on row `C`, any "class" on a row no gate reads) or a shorter one (the last
//! score read as the class), and the proof would verify. The statement fixes `C` (and the image
//! size and the model file's SHA-256), and [`super::pipeline::verify_file`] accepts only
//! `C` scores and a class below `C`, under a key whose statement names the model the proof names
//! (a label anyone can attach to any key: `wnn verify -M` recomputes the key from the model,
//! [`super::pipeline::check_key_of_model`]).

use serde::{Deserialize, Serialize};

use super::model::WnnModel;
use crate::error::{Error, Result};

pub const FORMAT: &str = "zkaccel-wnn-statement";
pub const VERSION: u32 = 1;

/// The statement bound to a WNN verifying key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WnnStatement {
    pub format: String,
    pub version: u32,
    /// SHA-256 of the model file the key was made from (hex).
    pub model_sha256: String,
    /// Pixels of the (private) image.
    pub num_inputs: usize,
    /// Classes: the public inputs are exactly `num_classes` scores, then the class.
    pub num_classes: usize,
}

impl WnnStatement {
    /// The statement of model `m` read from a file of SHA-256 `model_sha256`.
    pub fn of(m: &WnnModel, model_sha256: &str) -> Self {
        Self { format: FORMAT.into(), version: VERSION, model_sha256: model_sha256.into(), num_inputs: m.num_inputs, num_classes: m.num_classes }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("statement serialises")
    }

    /// The statement a verifying key binds; an error for a key that binds none or another kind.
    pub fn from_key(vk: &zkaccel::plonk::VerifyingKey) -> Result<Self> {
        let s: Self = crate::statement::bound_statement(
            vk,
            (FORMAT, VERSION),
            "the verifying key binds no WNN statement (model, class count): it was made by an older zkaccel; rerun `zkaccel wnn setup`",
        )?;
        if s.num_classes == 0 {
            return Err(Error::artifact("the verifying key's WNN statement has no classes"));
        }
        Ok(s)
    }
}
