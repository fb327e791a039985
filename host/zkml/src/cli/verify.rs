//! `verify`: check a proof against the verifying key and the public layout.

use serde_json::json;
use zkaccel::plonk::VerifyingKey;
use zkaccel_onnx::Settings;

use super::args::Verify;
use super::output::{ms, Out, Report};
use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::proof_file::ProofFile;

pub fn run(a: &Verify, _out: &Out) -> Result<Report> {
    let compiled = a.compiled_circuit.as_deref().map(CompiledCircuit::load).transpose()?;
    let settings = match (&a.settings_path, &compiled) {
        (Some(p), _) => Settings::load(p)?,
        (None, Some(c)) => c.settings.clone(),
        (None, None) => return Err(Error::usage("verify needs --settings-path or --compiled-circuit")),
    };
    let vk_bytes = super::read(&a.vk_path)?;
    let vk = VerifyingKey::from_bytes(&vk_bytes).map_err(|e| Error::from(e).context(a.vk_path.display()))?;
    if let Some(p) = &a.srs_path {
        crate::srs::check_vk(p, &vk)?;
    }
    let f = ProofFile::load(&a.proof_path)?;
    let v = pipeline::verify_file(&vk, &f, &settings, compiled.as_ref()).map_err(|e| e.context(a.proof_path.display()))?;
    Ok(Report {
        json: json!({ "verb": "verify", "verified": true, "verify_ms": ms(v.time), "public": v.public, "params_checked": v.params_checked }),
        lines: vec![
            format!("proof {} is VALID (verified in {:.1} ms)", a.proof_path.display(), v.time.as_secs_f64() * 1e3),
            format!("public outputs (rescaled): {:?}", v.public.rescaled_outputs),
        ],
    })
}
