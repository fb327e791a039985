//! `prove`: prove the witness, verify the proof, then write it.

use serde_json::json;
use zkaccel::backend::ProfilingBackend;
use zkaccel::plonk::ProvingKey;

use super::args::{Global, Prove};
use super::output::{ms, Out, Report};
use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::witness::WitnessFile;

pub fn run(a: &Prove, g: &Global, out: &Out) -> Result<Report> {
    let c = CompiledCircuit::load(&a.compiled_circuit)?;
    let w = WitnessFile::load(&a.witness)?;
    let (cpu, device) = super::choose_device(g);
    out.note(&format!("device: {device}"));
    let backend = ProfilingBackend::new(cpu);
    let step = out.step("loading the proving key");
    let pk_bytes = super::read(&a.pk_path)?;
    let pk = ProvingKey::from_bytes_unchecked_commitments(&pk_bytes, &backend).map_err(|e| Error::from(e).context(a.pk_path.display()))?;
    let t_load = step.done();
    if let Some(p) = &a.srs_path {
        crate::srs::check_pk(p, &pk)?;
    }
    let _ = backend.take_profile();
    let step = out.step(&format!("proving (2^{} rows)", c.plan.k));
    let (file, t) = pipeline::prove(&backend, &c, &w, &pk)?;
    step.done();
    let profile = backend.take_profile();
    let proof_bytes = file.proof.len() / 2;
    file.save(&a.proof_path)?;
    Ok(Report {
        json: json!({
            "verb": "prove", "device": device, "proof_path": a.proof_path, "proof_bytes": proof_bytes, "k": c.plan.k,
            "load_pk_ms": ms(t_load), "witness_ms": ms(t.witness), "prove_ms": ms(t.prove), "verify_ms": ms(t.verify),
            "msm_ms": ms(profile.msm), "msm_calls": profile.msm_calls, "msm_points": profile.msm_points, "ntt_ms": ms(profile.ntt), "ntt_calls": profile.ntt_calls,
            "public": file.public,
        }),
        lines: vec![
            format!(
                "proof written to {} ({proof_bytes} bytes), verified before writing; prove {:.3} s (MSM {:.3} s, NTT {:.3} s), key load {:.3} s, witness {:.3} s, self-verify {:.3} s",
                a.proof_path.display(),
                t.prove.as_secs_f64(),
                profile.msm.as_secs_f64(),
                profile.ntt.as_secs_f64(),
                t_load.as_secs_f64(),
                t.witness.as_secs_f64(),
                t.verify.as_secs_f64()
            ),
            format!("public outputs (rescaled): {:?}", file.public.rescaled_outputs),
        ],
    })
}

