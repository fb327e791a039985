//! `prove`: prove the witness, verify the proof, then write it. With a card (`--device sim`, a
//! PCIe card), every card result is checked as it comes back (the accelerator backend falls back
//! to the CPU per call), and a proof that still fails its self-verification is made again on the
//! CPU before anything is written.

use serde_json::{json, Value};
use zkaccel::backend::{Backend, CpuBackend, ProfilingBackend};
use zkaccel::plonk::ProvingKey;
use zkaccel_driver::accel::AccelProfile;

use super::args::{Global, Prove};
use super::output::{ms, Out, Report};
use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::pipeline;
use crate::witness::WitnessFile;

fn load_pk(a: &Prove, backend: &dyn Backend) -> Result<ProvingKey> {
    let pk_bytes = super::read(&a.pk_path)?;
    ProvingKey::from_bytes_unchecked_commitments(&pk_bytes, backend).map_err(|e| Error::from(e).context(a.pk_path.display()))
}

pub fn run(a: &Prove, g: &Global, out: &Out) -> Result<Report> {
    crate::files::check_outputs(
        &[("--witness", Some(&a.witness)), ("-M", Some(&a.compiled_circuit)), ("--pk-path", Some(&a.pk_path)), ("--srs-path", a.srs_path.as_deref())],
        &[("--proof-path", &a.proof_path)],
    )?;
    let c = CompiledCircuit::load(&a.compiled_circuit)?;
    let est = c.estimate().map_err(|e| e.context(a.compiled_circuit.display()))?;
    if let Some(w) = crate::resources::check(&format!("prove (2^{} rows)", c.plan.k), est.prove_memory_bytes, a.force)? {
        out.note(&w);
    }
    let w = WitnessFile::load(&a.witness)?;
    let opened = super::open_device(g)?;
    let device = opened.description.clone();
    out.note(&format!("device: {device}"));
    let backend = ProfilingBackend::new(opened.backend.clone());
    let step = out.step("loading the proving key");
    let pk = load_pk(a, &backend)?;
    let t_load = step.done();
    if let Some(p) = &a.srs_path {
        crate::srs::check_pk(p, &pk)?;
    }
    let _ = backend.take_profile();
    // Card calls while the key loaded (bases into card memory), reported apart from the proof's.
    let load_profile = opened.accel.as_ref().map(|a| a.take_profile());
    let step = out.step(&format!("proving (2^{} rows)", c.plan.k));
    let (proof, circuit, t) = pipeline::prove_unverified(&backend, &c, &w, &pk)?;
    step.done();
    let profile = backend.take_profile();
    let accel_profile = opened.accel.as_ref().map(|a| a.take_profile());
    let mut redone_on_cpu = None;
    let (file, t) = match pipeline::self_verify(&pk, &c, proof, &circuit, t) {
        Err(e) if opened.accel.is_some() && e.code == ExitCode::Internal => {
            // The card's results passed their checks, yet the proof does not verify: make it
            // again on the CPU alone rather than write nothing (or something wrong).
            out.note(&format!("the proof made with the card did not verify ({}); proving again on the CPU", e.message));
            redone_on_cpu = Some(e.message.clone());
            let cpu = CpuBackend::new();
            let pk = load_pk(a, &cpu)?;
            pipeline::prove(&cpu, &c, &w, &pk)?
        }
        r => r?,
    };
    let proof_bytes = file.proof.len() / 2;
    file.save(&a.proof_path)?;
    let mut lines = vec![
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
    ];
    if let Some(p) = &accel_profile {
        lines.push(format!("device: {device}"));
        lines.extend(p.lines().into_iter().map(|l| format!("  {l}")));
        if let Some(accel) = &opened.accel {
            for (card, why) in accel.dead_cards() {
                lines.push(format!("  card {card} no longer used: {why}"));
            }
        }
    }
    // The co-design profile of the simulated card: what a card would take (cycles at assumed
    // clocks, transfers at an assumed PCIe rate) beside the CPU prover's measured time for the
    // same proof (made again on the CPU, not written).
    let mut codesign = None;
    if let (true, Some(p)) = (opened.simulated, &accel_profile) {
        let cpu = ProfilingBackend::new(CpuBackend::new());
        let pk = load_pk(a, &cpu)?;
        let _ = cpu.take_profile();
        let (_, t_cpu) = pipeline::prove(&cpu, &c, &w, &pk)?;
        let cpu_profile = cpu.take_profile();
        lines.push(format!(
            "co-design: the CPU prover, measured on this machine for the same proof: prove {:.3} s (MSM {:.3} s, NTT {:.3} s, lookup kernels {:.3} s); the card, projected:",
            t_cpu.prove.as_secs_f64(),
            cpu_profile.msm.as_secs_f64(),
            cpu_profile.ntt.as_secs_f64(),
            cpu_profile.lookup.as_secs_f64()
        ));
        lines.extend(p.projection_lines().into_iter().map(|l| format!("  {l}")));
        let projected: serde_json::Map<String, Value> = p
            .kernels()
            .iter()
            .filter(|(_, k)| k.card_cycles > 0)
            .map(|(name, k)| {
                let at: serde_json::Map<String, Value> = zkaccel_driver::accel::profile::ASSUMED_CLOCKS_MHZ
                    .iter()
                    .flat_map(|&f| {
                        [
                            (format!("{f:.0}_mhz_ms"), json!(1e3 * k.projected_card_seconds(f))),
                            (format!("kernel_{f:.0}_mhz_ms"), json!(1e3 * k.projected_kernel_seconds(f))),
                        ]
                    })
                    .collect();
                (name.to_string(), Value::Object(at))
            })
            .collect();
        codesign = Some(json!({
            "cpu_prove_ms": ms(t_cpu.prove), "cpu_msm_ms": ms(cpu_profile.msm), "cpu_ntt_ms": ms(cpu_profile.ntt),
            "cpu_lookup_ms": ms(cpu_profile.lookup), "cpu_msm_calls": cpu_profile.msm_calls, "cpu_ntt_calls": cpu_profile.ntt_calls,
            "cpu_lookup_calls": cpu_profile.lookup_calls,
            "projected_card": projected, "assumed": {
                "clocks_mhz": zkaccel_driver::accel::profile::ASSUMED_CLOCKS_MHZ,
                "pcie_bytes_per_s": zkaccel_driver::accel::profile::ASSUMED_PCIE_BYTES_PER_S,
            },
        }));
    }
    // Cards given up during this command (gone, or their reset failed), with the reason.
    let dead_cards: Vec<Value> = opened.accel.as_ref().map_or(vec![], |a| a.dead_cards().into_iter().map(|(card, why)| json!({ "card": card, "why": why })).collect());
    for d in &dead_cards {
        lines.push(format!("{} was given up ({}); its calls went to the CPU", d["card"].as_str().unwrap_or(""), d["why"].as_str().unwrap_or("")));
    }
    let load_pk_fallbacks = load_profile.as_ref().map(|p| p.fallback_count());
    if let Some(n) = load_pk_fallbacks.filter(|&n| n > 0) {
        lines.push(format!("{n} card call(s) fell back to the CPU while the key loaded"));
    }
    if let Some(why) = &redone_on_cpu {
        lines.push(format!("the proof made with the card failed its self-verification ({why}); the proof written was made on the CPU"));
    }
    Ok(Report {
        json: json!({
            "verb": "prove", "device": device, "proof_path": a.proof_path.display().to_string(), "proof_bytes": proof_bytes, "k": c.plan.k,
            "load_pk_ms": ms(t_load), "witness_ms": ms(t.witness), "prove_ms": ms(t.prove), "verify_ms": ms(t.verify),
            "msm_ms": ms(profile.msm), "msm_calls": profile.msm_calls, "msm_points": profile.msm_points, "ntt_ms": ms(profile.ntt), "ntt_calls": profile.ntt_calls,
            "accel": accel_profile.as_ref().map(profile_json), "redone_on_cpu": redone_on_cpu, "codesign": codesign,
            "dead_cards": dead_cards, "load_pk_fallbacks": load_pk_fallbacks,
            "public": file.public,
        }),
        lines,
    })
}

/// The accelerator profile as JSON: per kernel, what the card and the CPU served, and why.
pub fn profile_json(p: &AccelProfile) -> Value {
    let mut m = serde_json::Map::new();
    for (name, k) in p.kernels() {
        m.insert(
            name.into(),
            json!({
                "card_calls": k.card_calls, "card_elements": k.card_elements, "card_cycles": k.card_cycles,
                "card_bytes_to": k.card_bytes_to, "card_bytes_from": k.card_bytes_from, "per_card": k.per_card,
                "card_ms": ms(k.card_time), "card_host_ms": ms(k.card_host_time), "check_ms": ms(k.check_time),
                "cpu_calls": k.cpu_calls, "cpu_elements": k.cpu_elements, "cpu_ms": ms(k.cpu_time),
                "cpu_reasons": k.cpu_reasons, "fallbacks": k.fallbacks, "fallback_count": k.fallback_count(),
            }),
        );
    }
    m.insert("fallback_count".into(), json!(p.fallback_count()));
    Value::Object(m)
}
