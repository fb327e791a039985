//! The compiled circuit file (`--compiled-circuit`): the settings, the circuit plan (lanes, rows)
//! and the ONNX model itself, with a digest (`circuit_id`) that the witness and proof files
//! repeat so that files of different circuits are not mixed up.

use std::path::Path;

use sha2::{Digest, Sha256};
use zkaccel_onnx::{Graph, QuantizedModel, Settings};

use crate::circuit::{plan, Plan};
use crate::error::{Error, Result};

/// The `format` field of a compiled circuit file.
pub const FORMAT: &str = "zkaccel-compiled-circuit";
/// The version this build writes and reads.
pub const VERSION: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct File {
    format: String,
    version: u32,
    circuit_id: String,
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
    /// sha256 over the ONNX bytes, the settings and the plan (hex).
    pub circuit_id: String,
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
        let circuit_id = Self::id(&onnx, &settings, &plan);
        Ok(Self { settings, plan, graph, quantized, onnx, circuit_id })
    }

    fn id(onnx: &[u8], settings: &Settings, plan: &Plan) -> String {
        let s = serde_json::to_vec(settings).expect("settings serialise");
        let p = serde_json::to_vec(plan).expect("plan serialises");
        sha256_hex(&[b"zkaccel circuit v1", onnx, &s, &p])
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
            settings: self.settings.clone(),
            plan: self.plan.clone(),
            model_sha256: sha256_hex(&[&self.onnx]),
            model_onnx: hex::encode(&self.onnx),
        };
        serde_json::to_string(&f).expect("compiled circuit serialises")
    }

    /// Parses and checks a compiled circuit: format and version, the model digest, the circuit
    /// id, and that the stored plan is what this build plans for the model and settings.
    pub fn from_json(text: &str) -> Result<Self> {
        let f: File = serde_json::from_str(text).map_err(|e| Error::artifact(format!("not a compiled circuit file: {e}")))?;
        if f.format != FORMAT {
            return Err(Error::artifact(format!("format {:?} is not {FORMAT:?}", f.format)));
        }
        if f.version != VERSION {
            return Err(Error::artifact(format!("compiled circuit version {} (this build reads {VERSION})", f.version)));
        }
        let onnx = hex::decode(&f.model_onnx).map_err(|e| Error::artifact(format!("model_onnx is not hex: {e}")))?;
        if sha256_hex(&[&onnx]) != f.model_sha256 {
            return Err(Error::artifact("the embedded model does not match its sha256 (corrupted file)"));
        }
        let c = Self::compile(onnx, &f.settings, Some(f.plan.lanes)).map_err(|e| e.context("compiled circuit"))?;
        if c.plan != f.plan || c.settings != f.settings {
            return Err(Error::artifact("the stored circuit plan differs from this build's layout of the model (recompile)"));
        }
        if c.circuit_id != f.circuit_id {
            return Err(Error::artifact("circuit_id does not match the file's contents (corrupted file)"));
        }
        Ok(c)
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        crate::files::write_atomic(path, self.to_json().as_bytes())
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::files::read_to_string(path)?;
        Self::from_json(&text).map_err(|e| e.context(path.display()))
    }
}
