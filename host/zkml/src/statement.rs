//! What a proof under a verifying key states, bound to the key: `setup` attaches it with
//! [`zkaccel::plonk::VerifyingKey::with_binding`], so that it is part of the key's digest, which
//! the transcript absorbs first. A proof therefore verifies only under the statement it was made
//! for, and `verify` reads the public layout (visibilities, shapes) and the scales that turn the
//! public integers into reals from here, never from an unbound settings.json.
//!
//! What the statement does *not* bind: with private parameters (the default), the weights are
//! witness values: a proof shows that the outputs come from the model's architecture with *some*
//! weights. `verify` says so. `circuit_id` then names the architecture, the settings the circuit
//! reads and the plan, and does not depend on the weights (nor on the ranges measured on sample
//! data), so the key and the proofs reveal nothing about them through it: a key made for one
//! model serves every model of the same architecture and settings ([`crate::compiled`]).
//!
//! Version 2: `circuit_id` as above (version 1 covered the model file, weights included).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zkaccel::Fr;
use zkaccel_onnx::{checked_numel, numel, Visibility, MAX_TENSOR_ELEMENTS};

use crate::circuit::{PublicLayout, Visibilities};
use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};
use crate::field::fr_to_hex;

pub const FORMAT: &str = "zkaccel-statement";
pub const VERSION: u32 = 2;

/// The statement bound to a verifying key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub format: String,
    pub version: u32,
    /// The compiled circuit the key was made for: its public id, which with private parameters
    /// covers the architecture, not the weights (see the module documentation).
    pub circuit_id: String,
    pub input_visibility: Visibility,
    pub output_visibility: Visibility,
    pub param_visibility: Visibility,
    /// Scale exponent of each model input and output (a public integer q means q / 2^scale).
    pub input_scales: Vec<u32>,
    pub output_scales: Vec<u32>,
    /// Shapes of every model input and output.
    pub input_shapes: Vec<Vec<usize>>,
    pub output_shapes: Vec<Vec<usize>>,
    /// With public parameters: sha256 over the parameter instance columns (hex field elements),
    /// so that `verify` checks the proof's weights against the key without the model.
    pub public_params_sha256: Option<String>,
}

/// The statement of type `T` that `vk` binds (`with_binding`): JSON whose `format` and `version`
/// must be `want` (this build's); `none` is the error for a key that binds nothing. The header is
/// read first, so a key of another kind is named by its format, not by a missing field.
pub(crate) fn bound_statement<T: serde::de::DeserializeOwned>(vk: &zkaccel::plonk::VerifyingKey, want: (&str, u32), none: &str) -> Result<T> {
    #[derive(Deserialize)]
    struct Header {
        format: String,
        version: u32,
    }
    let b = vk.binding();
    if b.is_empty() {
        return Err(Error::artifact(none));
    }
    let unreadable = |e: serde_json::Error| Error::artifact(format!("the verifying key's statement is not readable: {e}"));
    let h: Header = serde_json::from_slice(b).map_err(unreadable)?;
    if h.format == want.0 && h.version < want.1 {
        return Err(Error::artifact(format!(
            "the verifying key's statement is {:?} version {}: the key was made by an older zkaccel (this build reads version {}); run setup again with this build",
            h.format, h.version, want.1
        )));
    }
    if (h.format.as_str(), h.version) != want {
        return Err(Error::artifact(format!(
            "the verifying key's statement is {:?} version {} (this build reads {:?} version {})",
            h.format, h.version, want.0, want.1
        )));
    }
    serde_json::from_slice(b).map_err(unreadable)
}

/// The element count of `shape`, the `i`th of the statement's `field`: an error (the key is bad)
/// when it overflows or exceeds the importer's per-tensor limit, which no setup can have made.
fn shape_elements(field: &str, i: usize, shape: &[usize]) -> Result<usize> {
    match checked_numel(shape) {
        Some(n) if n <= MAX_TENSOR_ELEMENTS => Ok(n),
        Some(n) => Err(Error::artifact(format!(
            "the verifying key's statement has {field}[{i}] = {shape:?} of {n} elements; at most 2^26 = {MAX_TENSOR_ELEMENTS} are supported: the key is corrupt or forged"
        ))),
        None => Err(Error::artifact(format!(
            "the verifying key's statement has {field}[{i}] = {shape:?}, more elements than a 64-bit count (at most 2^26 = {MAX_TENSOR_ELEMENTS} are supported): the key is corrupt or forged"
        ))),
    }
}

/// sha256 over instance columns (the count of each, then its elements in hex).
pub fn columns_sha256(cols: &[Vec<Fr>]) -> String {
    let mut h = Sha256::new();
    h.update((cols.len() as u64).to_le_bytes());
    for c in cols {
        h.update((c.len() as u64).to_le_bytes());
        for x in c {
            h.update(fr_to_hex(x).as_bytes());
        }
    }
    hex::encode(h.finalize())
}

impl Statement {
    /// The statement of compiled circuit `c` whose key-generation layout has `instances`.
    pub fn of(c: &CompiledCircuit, instances: &[Vec<Fr>]) -> Self {
        let v = Visibilities::of(&c.settings);
        let layout = PublicLayout::of(&c.quantized, v);
        let public_params_sha256 = layout.params.then(|| columns_sha256(&instances[usize::from(layout.has_io_instance()).min(instances.len())..]));
        Self {
            format: FORMAT.into(),
            version: VERSION,
            circuit_id: c.circuit_id.clone(),
            input_visibility: v.input,
            output_visibility: v.output,
            param_visibility: v.params,
            input_scales: vec![c.quantized.input_scale; c.graph.inputs.len()],
            output_scales: c.quantized.output_scales(),
            input_shapes: c.graph.inputs.iter().map(|i| i.shape.clone()).collect(),
            output_shapes: c.graph.outputs.iter().map(|o| o.shape.clone()).collect(),
            public_params_sha256,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("statement serialises")
    }

    /// The statement a verifying key binds; an error for a key that binds none or another kind.
    pub fn from_key(vk: &zkaccel::plonk::VerifyingKey) -> Result<Self> {
        let s: Self = bound_statement(
            vk,
            (FORMAT, VERSION),
            "the verifying key binds no statement (visibilities, scales, shapes): it was not made by this zkaccel's setup; rerun setup",
        )?;
        if s.input_scales.len() != s.input_shapes.len() || s.output_scales.len() != s.output_shapes.len() {
            return Err(Error::artifact("the verifying key's statement has scales and shapes of different counts"));
        }
        // A shape is counted before anything is sized or sliced by it: a forged key can claim any.
        for (field, shapes) in [("input_shapes", &s.input_shapes), ("output_shapes", &s.output_shapes)] {
            for (i, shape) in shapes.iter().enumerate() {
                shape_elements(field, i, shape)?;
            }
        }
        if s.layout().checked_io_count().is_none() {
            return Err(Error::artifact("the verifying key's statement describes more public values than a 64-bit count: the key is corrupt or forged"));
        }
        Ok(s)
    }

    /// The public layout (which values the io instance column holds). A count that overflows
    /// (refused by [`Self::from_key`]) saturates to `usize::MAX` ([`numel`]), never wraps to a
    /// small one.
    pub fn layout(&self) -> PublicLayout {
        PublicLayout {
            inputs: self.input_shapes.iter().map(|s| if self.input_visibility == Visibility::Public { numel(s) } else { 0 }).collect(),
            outputs: self.output_shapes.iter().map(|s| if self.output_visibility == Visibility::Public { numel(s) } else { 0 }).collect(),
            params: self.param_visibility == Visibility::Public,
        }
    }

    /// Checks that settings.json agrees with the statement, naming the first field that differs.
    pub fn check_settings(&self, s: &zkaccel_onnx::Settings) -> Result<()> {
        let a = &s.run_args;
        let mut public_shapes = Vec::new();
        if self.input_visibility == Visibility::Public {
            public_shapes.extend(self.input_shapes.iter().cloned());
        }
        if self.output_visibility == Visibility::Public {
            public_shapes.extend(self.output_shapes.iter().cloned());
        }
        let fields: [(&str, String, String); 6] = [
            ("run_args.input_visibility", format!("{:?}", a.input_visibility), format!("{:?}", self.input_visibility)),
            ("run_args.output_visibility", format!("{:?}", a.output_visibility), format!("{:?}", self.output_visibility)),
            ("run_args.param_visibility", format!("{:?}", a.param_visibility), format!("{:?}", self.param_visibility)),
            ("model_input_scales", format!("{:?}", s.model_input_scales), format!("{:?}", self.input_scales)),
            ("model_output_scales", format!("{:?}", s.model_output_scales), format!("{:?}", self.output_scales)),
            ("model_instance_shapes", format!("{:?}", s.model_instance_shapes), format!("{:?}", public_shapes)),
        ];
        for (field, have, want) in fields {
            if have != want {
                return Err(Error::artifact(format!(
                    "{field} is {have} in the settings but {want} in the verifying key, which binds it: these settings are not the key's"
                )));
            }
        }
        Ok(())
    }
}
