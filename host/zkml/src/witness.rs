//! The witness file (`gen-witness -O`): the quantized model inputs and outputs of one inference
//! (ezkl's `witness.json` holds the same, as field elements), with their real values. The prover
//! recomputes every intermediate value from the inputs and checks that the outputs agree.
//!
//! The file is prover-side (it holds the private inputs) and is written owner-only. It names its
//! compiled circuit twice: by the public `circuit_id`, which with private parameters does not
//! distinguish models that differ only in their weights, and by the compiled file's
//! `content_sha256`, which does, so that a witness is never used with other weights by mistake.

use std::path::Path;

use zkaccel_onnx::{dequantize, QuantRun, Tensor};

use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};

pub const FORMAT: &str = "zkaccel-witness";
/// Version 2: `compiled_sha256` added (`circuit_id` no longer covers private weights).
pub const VERSION: u32 = 2;

/// The fields every version has, read first so that another version is named as such.
#[derive(serde::Deserialize)]
struct Header {
    format: String,
    version: u32,
}

/// Real values of the quantized inputs and outputs (ezkl's `pretty_elements`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PrettyElements {
    pub rescaled_inputs: Vec<Vec<f64>>,
    pub rescaled_outputs: Vec<Vec<f64>>,
}

/// A witness file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WitnessFile {
    pub format: String,
    pub version: u32,
    /// The compiled circuit this witness is for (its public id).
    pub circuit_id: String,
    /// The compiled circuit file's `content_sha256` (its model with the weights, all settings).
    pub compiled_sha256: String,
    /// Quantized model inputs (flattened, one list per input) at `input_scales`.
    pub inputs: Vec<Vec<i64>>,
    /// Quantized model outputs (flattened, one list per output) at `output_scales`.
    pub outputs: Vec<Vec<i64>>,
    pub input_scales: Vec<u32>,
    pub output_scales: Vec<u32>,
    pub pretty_elements: PrettyElements,
}

impl WitnessFile {
    /// The witness of one run of the compiled model.
    pub fn new(c: &CompiledCircuit, quantized_inputs: &[Tensor<i64>], run: &QuantRun) -> Self {
        let input_scales = vec![c.quantized.input_scale; quantized_inputs.len()];
        let rescaled_inputs = quantized_inputs.iter().map(|t| t.data.iter().map(|&v| dequantize(v, c.quantized.input_scale)).collect()).collect();
        let rescaled_outputs = run.dequantized_outputs().into_iter().map(|t| t.data).collect();
        Self {
            format: FORMAT.into(),
            version: VERSION,
            circuit_id: c.circuit_id.clone(),
            compiled_sha256: c.content_sha256.clone(),
            inputs: quantized_inputs.iter().map(|t| t.data.clone()).collect(),
            outputs: run.outputs.iter().map(|t| t.data.clone()).collect(),
            input_scales,
            output_scales: run.output_scales.clone(),
            pretty_elements: PrettyElements { rescaled_inputs, rescaled_outputs },
        }
    }

    /// Checks the file belongs to `c` and returns the quantized inputs in the model's shapes.
    pub fn input_tensors(&self, c: &CompiledCircuit) -> Result<Vec<Tensor<i64>>> {
        if self.format != FORMAT || self.version != VERSION {
            return Err(Error::artifact(format!("not a {FORMAT} version {VERSION} file (format {:?}, version {})", self.format, self.version)));
        }
        if self.circuit_id != c.circuit_id {
            return Err(Error::artifact("the witness was generated for another compiled circuit (circuit_id differs)"));
        }
        if self.compiled_sha256 != c.content_sha256 {
            return Err(Error::artifact(
                "the witness was generated with another compiled circuit of the same architecture (other weights or settings: compiled_sha256 differs); run gen-witness with this compiled circuit",
            ));
        }
        if self.inputs.len() != c.graph.inputs.len() {
            return Err(Error::artifact(format!("{} input lists, the model has {} inputs", self.inputs.len(), c.graph.inputs.len())));
        }
        self.inputs
            .iter()
            .zip(&c.graph.inputs)
            .enumerate()
            .map(|(i, (v, info))| {
                let n = zkaccel_onnx::numel(&info.shape);
                if v.len() != n {
                    return Err(Error::artifact(format!(
                        "witness field inputs[{i}] (model input {:?}) holds {} values, the model's shape {:?} needs {n} (edited or truncated witness?)",
                        info.name,
                        v.len(),
                        info.shape
                    )));
                }
                Tensor::new(info.shape.clone(), v.clone()).map_err(|e| Error::artifact(format!("witness input {:?}: {e}", info.name)))
            })
            .collect()
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        crate::files::write_atomic(path, serde_json::to_string(self).expect("witness serialises").as_bytes(), crate::files::Access::Private)
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::files::read_to_string(path)?;
        let not_witness = |e: serde_json::Error| Error::artifact(format!("{}: not a witness file: {e}", path.display()));
        let h: Header = serde_json::from_str(&text).map_err(not_witness)?;
        if h.format == FORMAT && h.version < VERSION {
            return Err(Error::artifact(format!(
                "{}: witness version {} was made by an older zkaccel (this build reads version {VERSION}): run gen-witness again with this build",
                path.display(),
                h.version
            )));
        }
        serde_json::from_str(&text).map_err(not_witness)
    }
}
