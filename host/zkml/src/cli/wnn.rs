//! `zkaccel wnn setup | gen-witness | prove | verify`: the ONNX verbs' flags on a weightless
//! network's HDF5 model file (`-M model.hdf5`). The image is private; the class scores and the
//! predicted class are the proof's public inputs and are printed by `gen-witness`, `prove` and
//! `verify` (and in `--json`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::json;
use zkaccel::backend::ProfilingBackend;
use zkaccel::plonk::{ProvingKey, VerifyingKey};

use super::args::Global;
use super::output::{ms, Out, Report};
use crate::error::{Error, Result};
use crate::files::Access;
use crate::pipeline::KeyCheck;
use crate::srs;
use crate::wnn::files::{model_digest, WnnProofFile, WnnWitnessFile};
use crate::wnn::{hdf5, input, pipeline, WnnModel, WnnPlan};

/// The `wnn` verbs.
#[derive(Subcommand, Debug)]
pub enum WnnCommand {
    /// Generates the proving and verifying keys for a WNN model file.
    Setup(WnnSetup),
    /// Classifies an image (PNG or input.json) and writes the witness.
    GenWitness(WnnGenWitness),
    /// Proves the witness's classification, verifies the proof, then writes it.
    Prove(WnnProve),
    /// Verifies a proof.
    Verify(WnnVerify),
}

#[derive(Args, Debug)]
pub struct WnnSetup {
    /// The WNN model (HDF5).
    #[arg(short = 'M', long = "model")]
    pub model: PathBuf,
    /// A snarkjs powers-of-tau file (BN254) large enough for the circuit.
    #[arg(long = "srs-path", conflicts_with = "dev_srs")]
    pub srs_path: Option<PathBuf>,
    /// Use an INSECURE development SRS generated on the spot (testing and benchmarks only).
    #[arg(long = "dev-srs")]
    pub dev_srs: bool,
    #[arg(long = "vk-path", default_value = "vk.key")]
    pub vk_path: PathBuf,
    #[arg(long = "pk-path", default_value = "pk.key")]
    pub pk_path: PathBuf,
}

#[derive(Args, Debug)]
pub struct WnnGenWitness {
    /// The image: a width×width 8-bit PNG, or ezkl's input.json with the pixel values 0–255.
    #[arg(short = 'D', long = "data", default_value = "input.json")]
    pub data: PathBuf,
    #[arg(short = 'M', long = "model")]
    pub model: PathBuf,
    #[arg(short = 'O', long = "output", default_value = "witness.json")]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct WnnProve {
    #[arg(long = "witness", default_value = "witness.json")]
    pub witness: PathBuf,
    #[arg(short = 'M', long = "model")]
    pub model: PathBuf,
    #[arg(long = "pk-path", default_value = "pk.key")]
    pub pk_path: PathBuf,
    #[arg(long = "proof-path", default_value = "proof.json")]
    pub proof_path: PathBuf,
    /// Checks that the proving key was made with this .ptau (optional).
    #[arg(long = "srs-path")]
    pub srs_path: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct WnnVerify {
    #[arg(long = "proof-path", default_value = "proof.json")]
    pub proof_path: PathBuf,
    /// The model file (optional): the proof must be for this model and the verifying key the one
    /// `wnn setup` makes for it — its statement, size and constraint system are recomputed, and
    /// with --srs-path its fixed columns and copies (the Bloom filters, thresholds, input order).
    #[arg(short = 'M', long = "model")]
    pub model: Option<PathBuf>,
    #[arg(long = "vk-path", default_value = "vk.key")]
    pub vk_path: PathBuf,
    /// Checks that the verifying key was made with this .ptau (optional); with -M, recomputes the
    /// key's fixed and copy commitments with it.
    #[arg(long = "srs-path")]
    pub srs_path: Option<PathBuf>,
}

/// Reads a model file: its parsed model and the SHA-256 of its bytes.
fn load_model(path: &Path) -> Result<(WnnModel, String)> {
    let bytes = super::read(path)?;
    let digest = model_digest(&bytes);
    Ok((hdf5::from_bytes(bytes, &path.display().to_string())?, digest))
}

fn check_model(path: &Path, digest: &str, recorded: &str, what: &str) -> Result<()> {
    if digest != recorded {
        return Err(Error::artifact(format!("{what} was made for another model than {} (model_sha256 differs)", path.display())));
    }
    Ok(())
}

fn scores_line(scores: &[u32], class: usize) -> String {
    format!("class scores {scores:?}; predicted class {class}")
}

pub fn run(cmd: &WnnCommand, g: &Global, out: &Out) -> Result<Report> {
    match cmd {
        WnnCommand::Setup(a) => setup(a, g, out),
        WnnCommand::GenWitness(a) => gen_witness(a),
        WnnCommand::Prove(a) => prove(a, g, out),
        WnnCommand::Verify(a) => verify(a),
    }
}

fn setup(a: &WnnSetup, g: &Global, out: &Out) -> Result<Report> {
    crate::files::check_outputs(&[("-M", Some(&a.model)), ("--srs-path", a.srs_path.as_deref())], &[("--pk-path", &a.pk_path), ("--vk-path", &a.vk_path)])?;
    let (m, digest) = load_model(&a.model)?;
    let layout = pipeline::layout_for_setup(&m)?;
    let degree = pipeline::srs_degree(&layout)?;
    let plan = layout.plan.clone();
    let opened = super::open_device(g)?;
    let device = opened.description.clone();
    out.note(&format!("device: {device}"));
    if a.dev_srs {
        out.note(srs::INSECURE_DEV_WARNING);
    }
    let step = out.step("loading the SRS");
    let (srs, label) = srs::load(a.srs_path.as_deref(), a.dev_srs, degree)?;
    let t_srs = step.done();
    let step = out.step(&format!("generating keys for 2^{} rows", plan.k));
    let (pk, redone_on_cpu) = super::keygen_with_cpu_retry(&opened, out, |backend| pipeline::setup(backend, &m, &layout, &digest, &srs))?;
    let t_keygen = step.done();
    let (pk_bytes, vk_bytes) = (pk.to_bytes(), pk.vk.to_bytes());
    crate::files::write_all_atomic(&[(&a.pk_path, &pk_bytes, Access::Private), (&a.vk_path, &vk_bytes, Access::Shared)])?;
    Ok(Report {
        json: json!({
            "verb": "wnn setup", "device": device, "srs": label, "insecure_srs": a.dev_srs, "k": plan.k, "plan": plan,
            "model_sha256": digest, "pk_path": a.pk_path.display().to_string(), "vk_path": a.vk_path.display().to_string(), "pk_bytes": pk_bytes.len(), "vk_bytes": vk_bytes.len(),
            "vk_digest": hex::encode(pk.vk.digest()), "srs_ms": ms(t_srs), "keygen_ms": ms(t_keygen), "redone_on_cpu": redone_on_cpu,
        }),
        lines: [
            format!("SRS: {label}{}", if a.dev_srs { " (INSECURE, testing only)" } else { "" }),
            plan_line(&plan),
            super::keys_written_line("keys", t_keygen, t_srs, (&a.pk_path, pk_bytes.len()), (&a.vk_path, vk_bytes.len())),
        ]
        .into_iter()
        .chain(redone_on_cpu.as_deref().map(super::redone_line))
        .collect(),
    })
}

fn plan_line(p: &WnnPlan) -> String {
    format!(
        "circuit: 2^{} rows ({} used; Bloom table {} rows, range table {} rows, limbs of {} bits)",
        p.k, p.rows_used, p.bloom_table_rows, p.range_table_rows, p.limb_bits
    )
}

fn gen_witness(a: &WnnGenWitness) -> Result<Report> {
    crate::files::check_outputs(&[("-D", Some(&a.data)), ("-M", Some(&a.model))], &[("-O", &a.output)])?;
    let (m, digest) = load_model(&a.model)?;
    let pixels = input::load_pixels(&a.data, m.width)?;
    let w = pipeline::gen_witness(&m, &digest, &pixels);
    w.save(&a.output)?;
    Ok(Report {
        json: json!({ "verb": "wnn gen-witness", "output": a.output.display().to_string(), "scores": w.scores, "class": w.class }),
        lines: vec![format!("witness written to {}", a.output.display()), scores_line(&w.scores, w.class)],
    })
}

fn prove(a: &WnnProve, g: &Global, out: &Out) -> Result<Report> {
    crate::files::check_outputs(
        &[("--witness", Some(&a.witness)), ("-M", Some(&a.model)), ("--pk-path", Some(&a.pk_path)), ("--srs-path", a.srs_path.as_deref())],
        &[("--proof-path", &a.proof_path)],
    )?;
    let (m, digest) = load_model(&a.model)?;
    let w = WnnWitnessFile::load(&a.witness)?;
    check_model(&a.model, &digest, &w.model_sha256, &format!("the witness {}", a.witness.display()))?;
    let opened = super::open_device(g)?;
    let device = opened.description.clone();
    out.note(&format!("device: {device}"));
    let backend = ProfilingBackend::new(opened.backend.clone());
    let step = out.step("loading the proving key");
    let pk_bytes = super::read(&a.pk_path)?;
    let pk = ProvingKey::from_bytes_unchecked_commitments(&pk_bytes, &backend).map_err(|e| Error::from(e).context(a.pk_path.display()))?;
    let t_load = step.done();
    if let Some(p) = &a.srs_path {
        srs::check_pk(p, &pk)?;
    }
    let _ = backend.take_profile();
    let step = out.step(&format!("proving (2^{} rows)", pk.vk.k()));
    let (file, t) = match pipeline::prove(&backend, &m, &w, &pk) {
        // A proof made with a card that fails its self-verification is made again on the CPU.
        Err(e) if opened.accel.is_some() && e.code == crate::exit_code::ExitCode::Internal => {
            out.note(&format!("the proof made with the card did not verify ({}); proving again on the CPU", e.message));
            let cpu = zkaccel::backend::CpuBackend::new();
            let pk = ProvingKey::from_bytes_unchecked_commitments(&pk_bytes, &cpu).map_err(|e| Error::from(e).context(a.pk_path.display()))?;
            pipeline::prove(&cpu, &m, &w, &pk)?
        }
        r => r?,
    };
    step.done();
    let profile = backend.take_profile();
    let accel = opened.accel.as_ref().map(|x| super::prove::profile_json(&x.take_profile()));
    let proof_bytes = file.proof.len() / 2;
    file.save(&a.proof_path)?;
    Ok(Report {
        json: json!({
            "verb": "wnn prove", "device": device, "accel": accel, "proof_path": a.proof_path.display().to_string(), "proof_bytes": proof_bytes, "k": pk.vk.k(),
            "load_pk_ms": ms(t_load), "witness_ms": ms(t.witness), "prove_ms": ms(t.prove), "verify_ms": ms(t.verify),
            "msm_ms": ms(profile.msm), "msm_calls": profile.msm_calls, "ntt_ms": ms(profile.ntt), "ntt_calls": profile.ntt_calls,
            "scores": file.scores, "class": file.class,
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
            scores_line(&file.scores, file.class),
        ],
    })
}

fn verify(a: &WnnVerify) -> Result<Report> {
    let model = a.model.as_deref().map(load_model).transpose()?;
    let vk_bytes = super::read(&a.vk_path)?;
    let vk = VerifyingKey::from_bytes(&vk_bytes).map_err(|e| Error::from(e).context(a.vk_path.display()))?;
    // With the model the key's commitments are recomputed: the powers for its domain kept.
    let k = model.as_ref().map(|(m, _)| WnnPlan::new(m).map(|p| p.k)).transpose()?;
    let srs = super::verify::srs_of(a.srs_path.as_deref(), &vk, k, "the model's circuit")?;
    let f = WnnProofFile::load(&a.proof_path)?;
    let (time, check) = pipeline::verify_file_for_model(&vk, &f, model.as_ref().map(|(m, d)| (m, d.as_str())), srs.as_ref()).map_err(|e| {
        if e.message.starts_with("the verifying key was made for") {
            e.context(a.vk_path.display())
        } else {
            e.context(a.proof_path.display())
        }
    })?;
    let mut lines =
        vec![format!("proof {} is VALID (verified in {:.1} ms)", a.proof_path.display(), time.as_secs_f64() * 1e3), scores_line(&f.scores, f.class)];
    if let (Some(p), Some(check)) = (&a.model, check) {
        lines.push(match check {
            KeyCheck::Full => format!(
                "model {}: the verifying key is the one `wnn setup` makes for it with this SRS (statement, size, constraint system, Bloom filters, thresholds and copies recomputed)",
                p.display()
            ),
            _ => format!(
                "model {}: the key's statement, constraint system and size match it; its fixed columns and copies (the Bloom filters, thresholds, input order) were not recomputed (give --srs-path with the .ptau the key was made with to check them; a key made with --dev-srs can be checked no further)",
                p.display()
            ),
        });
    }
    Ok(Report {
        json: json!({
            "verb": "wnn verify", "verified": true, "verify_ms": ms(time), "scores": f.scores, "class": f.class,
            "model_checked": check == Some(KeyCheck::Full), "model_structure_checked": check.is_some(), "model_check": check,
        }),
        lines,
    })
}
