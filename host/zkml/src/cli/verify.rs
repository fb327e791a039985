//! `verify`: check a proof against the verifying key, which binds everything verification needs
//! (the public layout, the scales, the circuit id). A settings file (`-S`) or the compiled circuit
//! (`-M`) is optional and only checked against the key: the calibrated settings.json holds
//! statistics of the private weights and inputs and stays with the prover (docs/cli.md).
//!
//! With `-M` the key is recomputed from the compiled circuit as far as the files given allow
//! (`pipeline::check_key_of_compiled`): the statement, the size and the constraint system always;
//! with `--srs-path` (the ceremony file the key was made with) the fixed and σ commitments too.
//! What was not recomputed is said, never implied.

use serde_json::json;
use zkaccel::plonk::VerifyingKey;
use zkaccel::srs::Srs;
use zkaccel_onnx::{Settings, Visibility};

use super::args::Verify;
use super::output::{ms, Out, Report};
use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};
use crate::pipeline::{self, KeyCheck};
use crate::proof_file::ProofFile;

pub fn run(a: &Verify, out: &Out) -> Result<Report> {
    // With -M and --srs-path the key's commitments are recomputed (key generation's MSMs): on
    // the global pool.
    if a.compiled_circuit.is_some() && a.srs_path.is_some() {
        return run_here(a, out);
    }
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
    let srs = srs_of(a.srs_path.as_deref(), &vk, compiled.as_ref().map(|c| c.plan.k), "the compiled circuit")?;
    let f = ProofFile::load(&a.proof_path)?;
    let settings_path = a.settings_path.as_ref().map(|p| p.display().to_string());
    let v = pipeline::verify_proof_file_with_srs(&vk, &f, settings.as_ref(), compiled.as_ref(), srs.as_ref()).map_err(|e| {
        // A settings file that disagrees with the key is named as the culprit, and so is a key
        // whose bound statement is unreadable or impossible, or that is not the compiled
        // circuit's.
        match (&settings_path, e.message.contains("in the settings")) {
            (Some(p), true) => e.context(p),
            _ if e.message.contains("the verifying key's statement") || e.message.starts_with("the verifying key was made for") => {
                e.context(a.vk_path.display())
            }
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
    if let (Some(c), Some(check)) = (&a.compiled_circuit, v.compiled_check) {
        let c = c.display();
        let weights = if s.param_visibility == Visibility::Private {
            "; with private parameters the key, like the circuit_id, fixes the architecture and settings, not the weights"
        } else {
            ""
        };
        lines.push(match check {
            KeyCheck::Full => format!(
                "compiled circuit {c}: the verifying key is the one setup makes for it with this SRS (statement, size, constraint system, fixed columns and copy constraints recomputed){weights}"
            ),
            KeyCheck::AllButFixedIo => format!(
                "compiled circuit {c}: the verifying key is the one setup makes for it with this SRS but for the column of fixed inputs/outputs, which holds the prover's values (statement, size, constraint system, copy constraints and every other fixed column recomputed){weights}"
            ),
            KeyCheck::Structure => format!(
                "compiled circuit {c}: the key's statement, constraint system and size match it; its fixed columns (weights, tables, copies) were not recomputed (give --srs-path with the .ptau the key was made with to check them; a key made with --dev-srs can be checked no further){weights}"
            ),
        });
        match check {
            KeyCheck::Full => {}
            KeyCheck::AllButFixedIo => {
                unchecked.push("the values of the fixed inputs/outputs in the verifying key (the prover's, not in the compiled circuit)")
            }
            KeyCheck::Structure => unchecked.push("that the verifying key's fixed columns are the compiled circuit's (not recomputed: see above)"),
        }
    }
    if !unchecked.is_empty() {
        lines.push(format!("not established by this proof: {}", unchecked.join("; ")));
    }
    Ok(Report {
        json: json!({
            "verb": "verify", "verified": true, "verify_ms": ms(v.time), "public": v.public, "params_checked": v.params_checked,
            "compiled_checked": v.compiled_checked, "compiled_structure_checked": v.compiled_check.is_some(), "compiled_check": v.compiled_check,
            "statement": v.statement, "unchecked": unchecked,
        }),
        lines,
    })
}

/// `--srs-path` of a verify verb: without a circuit to recompute the key for (`k`: its 2^k
/// rows), the file is only checked against the key (`srs::check_vk`) and `None` returned; with
/// one, read with the powers that recompute the key's commitments ([`srs_for_key`]).
pub(super) fn srs_of(p: Option<&std::path::Path>, vk: &VerifyingKey, k: Option<u32>, circuit: &str) -> Result<Option<Srs>> {
    match (p, k) {
        (Some(p), Some(k)) => srs_for_key(p, vk, k, circuit).map(Some),
        (Some(p), None) => crate::srs::check_vk(p, vk).map(|_| None),
        (None, _) => Ok(None),
    }
}

/// Reads the `.ptau` the key was made with (every power verified, as `verify --srs-path` does
/// without `-M`), keeping the 2^k G1 powers that recompute the key's commitments for a compiled
/// circuit of 2^k rows (`circuit` names it); a file that is not the key's SRS is refused (exit 4).
fn srs_for_key(p: &std::path::Path, vk: &VerifyingKey, k: u32, circuit: &str) -> Result<Srs> {
    let n = 1usize.checked_shl(k).filter(|&n| n > 0).ok_or_else(|| Error::artifact(format!("{circuit} claims 2^{k} rows")))?;
    let srs = Srs::from_ptau_file_verify_all(p, n - 1).map_err(|e| {
        let e = Error::from(e);
        let e = if e.message.contains("was asked") {
            Error::artifact(format!(
                "{}: recomputing the key's columns for {circuit}'s 2^{k} rows needs 2^{k} powers, so setup cannot have made the key with this file",
                e.message
            ))
        } else {
            e
        };
        e.context(p.display())
    })?;
    if &srs.verifier_srs() != vk.srs() {
        return Err(Error::artifact(format!("wrong SRS: {} is not the SRS the verifying key was made with", p.display())));
    }
    Ok(srs)
}
