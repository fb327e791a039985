//! `gen-witness`: run the quantized model on input.json.

use serde_json::json;
use zkaccel_onnx::InputData;

use super::args::GenWitness;
use super::output::{Out, Report};
use crate::compiled::CompiledCircuit;
use crate::error::Result;
use crate::pipeline;

pub fn run(a: &GenWitness, _out: &Out) -> Result<Report> {
    crate::files::check_outputs(&[("-D", Some(&a.data)), ("-M", Some(&a.compiled_circuit))], &[("-O", &a.output)])?;
    let c = CompiledCircuit::load(&a.compiled_circuit)?;
    let data = InputData::load(&a.data)?;
    let (w, _run) = pipeline::gen_witness(&c, &data).map_err(|e| e.context(a.data.display()))?;
    // The circuit must accept this input (values within the calibrated range).
    pipeline::circuit_for_witness(&c, &w)?;
    w.save(&a.output)?;
    Ok(Report {
        json: json!({ "verb": "gen-witness", "output": a.output.display().to_string(), "outputs": w.outputs, "output_scales": w.output_scales, "rescaled_outputs": w.pretty_elements.rescaled_outputs }),
        lines: vec![
            format!("witness written to {}", a.output.display()),
            format!("outputs (rescaled): {:?}", w.pretty_elements.rescaled_outputs),
        ],
    })
}
