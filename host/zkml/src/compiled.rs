//! The compiled circuit file (`--compiled-circuit`): the settings, the circuit plan (lanes, rows)
//! and the ONNX model itself, with two digests:
//!
//! * `circuit_id`, the circuit's public name, which the verifying key binds and the witness and
//!   proof files repeat, so that files of different circuits are not mixed up. It covers what
//!   the circuit is built from and nothing the key hides: the imported graph (inputs, outputs,
//!   nodes with their operators, attributes, value names and shapes, the names and shapes of the
//!   constants, and their values only when the parameters are public or fixed), the settings the
//!   circuit reads (scales, visibilities, `lookup_bits`, rows, shapes; not the ranges measured on
//!   sample data: `layers`, `calibration`, `lookup_range`) and the plan. With private parameters
//!   two models that differ only in their weights have the same id, as they have the same keys
//!   (docs/cli.md, "What the files reveal").
//! * `content_sha256`, over the whole file's contents (the model's bytes, every settings field,
//!   the plan): the file's own integrity check. It stays in the compiled circuit and the witness,
//!   the prover's files.

use std::path::Path;

use sha2::{Digest, Sha256};
use zkaccel_onnx::{Graph, QuantizedModel, Settings, Visibility};

use crate::circuit::{plan, Plan};
use crate::error::{Error, Result};

/// The `format` field of a compiled circuit file.
pub const FORMAT: &str = "zkaccel-compiled-circuit";
/// The version this build writes and reads (2: `circuit_id` no longer covers private weights,
/// `content_sha256` added).
pub const VERSION: u32 = 2;

/// The fields every version has, read before the rest so that another version is named as such.
#[derive(serde::Deserialize)]
struct Header {
    format: String,
    version: u32,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct File {
    format: String,
    version: u32,
    circuit_id: String,
    content_sha256: String,
    settings: Settings,
    plan: Plan,
    model_sha256: String,
    model_onnx: String,
}

/// A compiled circuit in memory.
#[derive(Clone, Debug)]
pub struct CompiledCircuit {
    /// The settings, with `logrows` and `num_rows` set to the circuit's real layout.
    pub settings: Settings,
    pub plan: Plan,
    pub graph: Graph,
    pub quantized: QuantizedModel,
    pub onnx: Vec<u8>,
    /// The circuit's public name (hex): sha256 over its architecture, the settings the circuit
    /// reads and the plan, without private weights or measured statistics (module documentation).
    pub circuit_id: String,
    /// sha256 over the ONNX bytes, all the settings and the plan (hex): prover-side only.
    pub content_sha256: String,
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// The settings' per-model fields must be the model's: the scales the quantized model really
/// has, and the shapes of the public tensors (an edited settings.json would otherwise label the
/// outputs with another scale).
fn check_settings_match_model(s: &Settings, graph: &Graph, q: &QuantizedModel) -> Result<()> {
    let a = &s.run_args;
    let mut shapes = Vec::new();
    if a.input_visibility == zkaccel_onnx::Visibility::Public {
        shapes.extend(graph.inputs.iter().map(|i| i.shape.clone()));
    }
    if a.output_visibility == zkaccel_onnx::Visibility::Public {
        shapes.extend(graph.outputs.iter().map(|o| o.shape.clone()));
    }
    let checks: [(&str, String, String); 3] = [
        ("model_input_scales", format!("{:?}", s.model_input_scales), format!("{:?}", vec![q.input_scale; graph.inputs.len()])),
        ("model_output_scales", format!("{:?}", s.model_output_scales), format!("{:?}", q.output_scales())),
        ("model_instance_shapes", format!("{:?}", s.model_instance_shapes), format!("{shapes:?}")),
    ];
    for (field, have, want) in checks {
        if have != want {
            return Err(Error::bad_input(format!("settings field {field} is {have}, but the model with these scales has {want} (edited settings? regenerate them with gen-settings)")));
        }
    }
    Ok(())
}

/// The architecture of an imported model, as canonical bytes for [`CompiledCircuit::circuit_id`]:
/// the graph's inputs and outputs (names, shapes), its nodes (name, ONNX op type, the operator
/// with its resolved attributes — exact for the f64 ones in their `Debug` form —, input and
/// output names, output shape), the nodes folded at import, and every constant's name and
/// shape. A constant's values are included only when the parameters are not private: with
/// `param_visibility = private` every constant is a model parameter (an operand of a product or
/// of Add/Sub/Sum/Mean, the circuit's witness values; constants the circuit fixes, such as
/// Clip's bounds or a Pad value, are operator attributes), so nothing here depends on the weights.
fn architecture(graph: &Graph, params: Visibility) -> Vec<u8> {
    let values = params != Visibility::Private;
    let value_info = |v: &zkaccel_onnx::ValueInfo| serde_json::json!({ "name": v.name, "shape": v.shape });
    let a = serde_json::json!({
        "inputs": graph.inputs.iter().map(value_info).collect::<Vec<_>>(),
        "outputs": graph.outputs.iter().map(value_info).collect::<Vec<_>>(),
        "nodes": graph.nodes.iter().map(|n| serde_json::json!({
            "name": n.name, "op_type": n.op_type, "op": format!("{:?}", n.op), "inputs": n.inputs, "output": n.output, "shape": n.output_shape,
        })).collect::<Vec<_>>(),
        "folded": graph.folded,
        // Values as the hex of their f64 bits (little-endian): exact, NaN and infinities included.
        "constants": graph.constants.iter().map(|(name, t)| serde_json::json!({
            "name": name, "shape": t.shape,
            "values": values.then(|| hex::encode(t.data.iter().flat_map(|v| v.to_bits().to_le_bytes()).collect::<Vec<u8>>())),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_vec(&a).expect("architecture serialises")
}

/// The settings fields the circuit is built from, as canonical bytes for the circuit id. Left
/// out: what was measured on sample data with the (possibly private) weights and inputs —
/// `layers`, `calibration` and `lookup_range` (the circuit reads `lookup_bits`, which its range
/// table, part of the key, fixes anyway) — and what does not change the circuit (the safety
/// margin, the producer's version string).
fn circuit_settings(s: &Settings) -> Vec<u8> {
    let a = &s.run_args;
    let c = serde_json::json!({
        "input_scale": a.input_scale, "param_scale": a.param_scale, "logrows": a.logrows,
        "input_visibility": a.input_visibility, "output_visibility": a.output_visibility, "param_visibility": a.param_visibility,
        "rescale": a.rescale, "matmul_layout": a.matmul_layout,
        "num_rows": s.num_rows, "model_input_scales": s.model_input_scales, "model_output_scales": s.model_output_scales,
        "model_instance_shapes": s.model_instance_shapes, "lookup_bits": s.lookup_bits, "max_rescale_shift": s.max_rescale_shift,
    });
    serde_json::to_vec(&c).expect("settings serialise")
}

impl CompiledCircuit {
    /// Imports the model, quantizes it with `settings` and plans the layout (`lanes`: `None` for
    /// the planner's choice).
    pub fn compile(onnx: Vec<u8>, settings: &Settings, lanes: Option<usize>) -> Result<Self> {
        settings.validate()?;
        let graph = zkaccel_onnx::import(&onnx)?;
        let quantized = settings.quantize(&graph)?;
        check_settings_match_model(settings, &graph, &quantized)?;
        let plan = plan(&quantized, settings, lanes)?;
        let mut settings = settings.clone();
        settings.run_args.logrows = plan.k;
        settings.num_rows = (plan.mac_rows.max(plan.io_rows)) as u64;
        let p = serde_json::to_vec(&plan).expect("plan serialises");
        let circuit_id = sha256_hex(&[b"zkaccel circuit v2", &architecture(&graph, settings.run_args.param_visibility), &circuit_settings(&settings), &p]);
        let content_sha256 = sha256_hex(&[b"zkaccel compiled circuit content v1", &onnx, &serde_json::to_vec(&settings).expect("settings serialise"), &p]);
        Ok(Self { settings, plan, graph, quantized, onnx, circuit_id, content_sha256 })
    }

    /// The estimated rows, key sizes and memory of `setup` and `prove` (see [`crate::resources`]).
    pub fn estimate(&self) -> Result<crate::resources::Estimate> {
        crate::resources::estimate(&crate::circuit::constraint_system(&self.quantized, &self.settings, &self.plan), self.plan.k)
    }

    pub fn to_json(&self) -> String {
        let f = File {
            format: FORMAT.into(),
            version: VERSION,
            circuit_id: self.circuit_id.clone(),
            content_sha256: self.content_sha256.clone(),
            settings: self.settings.clone(),
            plan: self.plan.clone(),
            model_sha256: sha256_hex(&[&self.onnx]),
            model_onnx: hex::encode(&self.onnx),
        };
        serde_json::to_string(&f).expect("compiled circuit serialises")
    }

    /// Parses and checks a compiled circuit: format and version, the model digest, that the
    /// stored plan is what this build plans for the model and settings, the content digest, and
    /// the circuit id.
    pub fn from_json(text: &str) -> Result<Self> {
        let not_compiled = |e: serde_json::Error| Error::artifact(format!("not a compiled circuit file: {e}"));
        let h: Header = serde_json::from_str(text).map_err(not_compiled)?;
        if h.format != FORMAT {
            return Err(Error::artifact(format!("format {:?} is not {FORMAT:?}", h.format)));
        }
        if h.version != VERSION {
            let by = if h.version < VERSION { "an older" } else { "a newer" };
            return Err(Error::artifact(format!(
                "compiled circuit version {} was made by {by} zkaccel (this build reads version {VERSION}): compile the model again with this build's compile-circuit",
                h.version
            )));
        }
        let f: File = serde_json::from_str(text).map_err(not_compiled)?;
        let onnx = hex::decode(&f.model_onnx).map_err(|e| Error::artifact(format!("model_onnx is not hex: {e}")))?;
        if sha256_hex(&[&onnx]) != f.model_sha256 {
            return Err(Error::artifact("the embedded model does not match its sha256 (corrupted file)"));
        }
        let c = Self::compile(onnx, &f.settings, Some(f.plan.lanes)).map_err(|e| e.context("compiled circuit"))?;
        if c.plan != f.plan || c.settings != f.settings {
            return Err(Error::artifact("the stored circuit plan differs from this build's layout of the model (recompile)"));
        }
        if c.content_sha256 != f.content_sha256 {
            return Err(Error::artifact("content_sha256 does not match the file's contents (corrupted file)"));
        }
        if c.circuit_id != f.circuit_id {
            return Err(Error::artifact("circuit_id does not match the file's contents (corrupted file)"));
        }
        Ok(c)
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        crate::files::write_atomic(path, self.to_json().as_bytes(), crate::files::Access::Private)
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::files::read_to_string(path)?;
        Self::from_json(&text).map_err(|e| e.context(path.display()))
    }
}
