//! `setup`: proving and verifying keys.

use serde_json::json;

use super::args::{Global, Setup};
use super::output::{ms, Out, Report};
use crate::compiled::CompiledCircuit;
use crate::error::Result;
use crate::files::Access;
use crate::witness::WitnessFile;
use crate::{pipeline, srs};

pub fn run(a: &Setup, g: &Global, out: &Out) -> Result<Report> {
    crate::files::check_outputs(
        &[("-M", Some(&a.compiled_circuit)), ("--srs-path", a.srs_path.as_deref()), ("--witness", a.witness.as_deref())],
        &[("--pk-path", &a.pk_path), ("--vk-path", &a.vk_path)],
    )?;
    let c = CompiledCircuit::load(&a.compiled_circuit)?;
    let est = c.estimate().map_err(|e| e.context(a.compiled_circuit.display()))?;
    if let Some(w) = crate::resources::check(&format!("setup (2^{} rows)", c.plan.k), est.setup_memory_bytes, a.force)? {
        out.note(&w);
    }
    let witness = a.witness.as_deref().map(WitnessFile::load).transpose()?;
    let layout = pipeline::layout_for_setup(&c, witness.as_ref())?;
    let degree = pipeline::srs_degree(&layout, c.plan.k)?;
    let opened = super::open_device(g)?;
    let device = opened.description.clone();
    out.note(&format!("device: {device}"));
    if a.dev_srs {
        out.note(srs::INSECURE_DEV_WARNING);
    }
    let step = out.step("loading the SRS");
    let (srs, label) = srs::load(a.srs_path.as_deref(), a.dev_srs, degree)?;
    let t_srs = step.done();
    let step = out.step(&format!("generating keys for 2^{} rows", c.plan.k));
    let mut layout = Some(layout);
    let (pk, redone_on_cpu) = super::keygen_with_cpu_retry(&opened, out, |backend| {
        // The layout is built once for the SRS degree; a retry on the CPU builds it again.
        let layout = match layout.take() {
            Some(l) => l,
            None => pipeline::layout_for_setup(&c, witness.as_ref())?,
        };
        pipeline::keygen_bound(backend, &c, &srs, layout)
    })?;
    let t_keygen = step.done();
    let pk_bytes = pk.to_bytes();
    let vk_bytes = pk.vk.to_bytes();
    // Both keys or neither: never a new proving key beside an old verifying key.
    crate::files::write_all_atomic(&[(&a.pk_path, &pk_bytes, Access::Private), (&a.vk_path, &vk_bytes, Access::Shared)])?;
    let mut lines = vec![
        format!("SRS: {label}{}", if a.dev_srs { " (INSECURE, testing only)" } else { "" }),
        super::keys_written_line(&format!("keys for 2^{} rows", c.plan.k), t_keygen, t_srs, (&a.pk_path, pk_bytes.len()), (&a.vk_path, vk_bytes.len())),
    ];
    lines.extend(redone_on_cpu.as_deref().map(super::redone_line));
    Ok(Report {
        json: json!({
            "verb": "setup", "device": device, "srs": label, "insecure_srs": a.dev_srs, "k": c.plan.k,
            "pk_path": a.pk_path.display().to_string(), "vk_path": a.vk_path.display().to_string(), "pk_bytes": pk_bytes.len(), "vk_bytes": vk_bytes.len(),
            "vk_digest": hex::encode(pk.vk.digest()), "srs_ms": ms(t_srs), "keygen_ms": ms(t_keygen), "redone_on_cpu": redone_on_cpu,
        }),
        lines,
    })
}
