//! `verify`: check a proof against the verifying key, which binds everything verification needs
//! (the public layout, the scales, the circuit id). A settings file (`-S`) or the compiled circuit
//! (`-M`) is optional and only checked against the key: the calibrated settings.json holds
//! statistics of the private weights and inputs and stays with the prover (docs/cli.md).

use serde_json::json;
use zkaccel::plonk::VerifyingKey;
use zkaccel_onnx::{Settings, Visibility};

use super::args::Verify;
use super::output::{ms, Out, Report};
use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::proof_file::ProofFile;

pub fn run(a: &Verify, out: &Out) -> Result<Report> {
    // Verification is a few milliseconds of work: on one worker thread, rather than the global
    // pool's (whose idle workers spin for their share of the MSM and the pairing and cost more
    // CPU than they save).
    match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(pool) => pool.install(|| run_here(a, out)),
        Err(_) => run_here(a, out),
    }
}

fn run_here(a: &Verify, _out: &Out) -> Result<Report> {
    let compiled = a.compiled_circuit.as_deref().map(CompiledCircuit::load).transpose()?;
    let settings = a.settings_path.as_deref().map(Settings::load).transpose()?;
    let vk_bytes = super::read(&a.vk_path)?;
    let vk = VerifyingKey::from_bytes(&vk_bytes).map_err(|e| Error::from(e).context(a.vk_path.display()))?;
    if let Some(p) = &a.srs_path {
        crate::srs::check_vk(p, &vk)?;
    }
    let f = ProofFile::load(&a.proof_path)?;
    let settings_path = a.settings_path.as_ref().map(|p| p.display().to_string());
    let v = pipeline::verify_proof_file(&vk, &f, settings.as_ref(), compiled.as_ref()).map_err(|e| {
        // A settings file that disagrees with the key is named as the culprit, and so is a key
        // whose bound statement is unreadable or impossible.
        match (&settings_path, e.message.contains("in the settings")) {
            (Some(p), true) => e.context(p),
            _ if e.message.contains("the verifying key's statement") => e.context(a.vk_path.display()),
            _ => e.context(a.proof_path.display()),
        }
    })?;
    let s = &v.statement;
    let params = match s.param_visibility {
        Visibility::Fixed => "fixed: the weights are in the verifying key (checked)".to_string(),
        Visibility::Public => "public: the proof's weights equal the ones the verifying key binds (checked)".to_string(),
        Visibility::Private => format!(
            "private: NOT checked — the proof shows the outputs come from this architecture with some weights (one value per model parameter; every other coefficient is fixed by the key), not that they are the weights of {}",
            a.compiled_circuit.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "the compiled model".into())
        ),
    };
    let mut unchecked = Vec::new();
    if s.param_visibility == Visibility::Private {
        unchecked.push("the model's weights (private parameters: any values of this architecture's parameters give a valid proof)");
    }
    if s.input_visibility != Visibility::Public {
        unchecked.push("the model's inputs (not public)");
    }
    if s.output_visibility != Visibility::Public {
        unchecked.push("the model's outputs (not public)");
    }
    let mut lines = vec![
        format!("proof {} is VALID under the verifying key {} (verified in {:.1} ms)", a.proof_path.display(), a.vk_path.display(), v.time.as_secs_f64() * 1e3),
        format!(
            "bound by the key: visibility input {:?}, output {:?}, params {:?}; output scales {:?}; output shapes {:?}; made for circuit_id {}",
            s.input_visibility, s.output_visibility, s.param_visibility, s.output_scales, s.output_shapes, s.circuit_id
        ),
        format!("parameters {params}"),
        format!("public outputs (rescaled by the key's output scales): {:?}", v.public.rescaled_outputs),
    ];
    if let Some(c) = &a.compiled_circuit {
        lines.push(if s.param_visibility == Visibility::Private {
            format!(
                "compiled circuit {}: the verifying key was made for its architecture and settings (circuit_id bound by the key; with private parameters the id does not cover the weights)",
                c.display()
            )
        } else {
            format!("compiled circuit {}: the verifying key was made for it (circuit_id bound by the key)", c.display())
        });
    }
    if !unchecked.is_empty() {
        lines.push(format!("not established by this proof: {}", unchecked.join("; ")));
    }
    Ok(Report {
        json: json!({
            "verb": "verify", "verified": true, "verify_ms": ms(v.time), "public": v.public, "params_checked": v.params_checked,
            "compiled_checked": v.compiled_checked, "statement": v.statement, "unchecked": unchecked,
        }),
        lines,
    })
}
