//! The `zkaccel wnn` steps as functions over in-memory values: keys, witness, proof, verification.

use std::time::{Duration, Instant};

use zkaccel::backend::Backend;
use zkaccel::plonk::{keygen, prove_with_os_rng, verify, ProvingKey, Shape, VerifyingKey};
use zkaccel::srs::Srs;

use super::circuit::{build, public_inputs, WnnCircuit};
use super::files::{WnnProofFile, WnnWitnessFile, PROOF_FORMAT, PROTOCOL, VERSION, WITNESS_FORMAT};
use super::model::WnnModel;
use super::statement::WnnStatement;
use super::trace::Trace;
use crate::error::{Error, Result};
use crate::pipeline::{check_key_layout, KeyCheck, KeyOf};
use crate::ExitCode;

/// The layout for key generation (the fixed columns and copies do not depend on the image).
pub fn layout_for_setup(m: &WnnModel) -> Result<WnnCircuit> {
    build(m, &Trace::honest(m, &vec![0u8; m.num_inputs]))
}

/// The SRS degree the model's circuit needs.
pub fn srs_degree(c: &WnnCircuit) -> Result<usize> {
    Ok(Shape::new(&c.cs, c.plan.k)?.srs_degree)
}

/// Key generation for model `m` (from a file of SHA-256 `model_sha256`) from its
/// [`layout_for_setup`] (which the caller has built to size the SRS), with its statement (model,
/// image size, class count) bound to the verifying key.
pub fn setup(backend: &dyn Backend, m: &WnnModel, layout: &WnnCircuit, model_sha256: &str, srs: &Srs) -> Result<ProvingKey> {
    let mut pk = keygen(backend, srs, layout.cs.clone(), &layout.fixed)?;
    pk.vk = pk.vk.with_binding(WnnStatement::of(m, model_sha256).to_bytes())?;
    Ok(pk)
}

/// Runs inference on `pixels` and returns the witness file.
pub fn gen_witness(m: &WnnModel, model_sha256: &str, pixels: &[u8]) -> WnnWitnessFile {
    let t = Trace::honest(m, pixels);
    WnnWitnessFile { format: WITNESS_FORMAT.into(), version: VERSION, model_sha256: model_sha256.into(), pixels: pixels.to_vec(), scores: t.scores, class: t.class }
}

/// Checks that a proving key was made for this circuit (declarations, fixed columns, copies).
pub fn check_key_matches(pk: &ProvingKey, c: &WnnCircuit) -> Result<()> {
    let mismatch = || Error::artifact("the proving key was made for another model: run `zkaccel wnn setup` for this model");
    if pk.vk.k() != c.plan.k || pk.vk.cs() != &c.cs || pk.fixed_values.len() != c.fixed.fixed.len() {
        return Err(mismatch());
    }
    for (have, want) in pk.fixed_values.iter().zip(&c.fixed.fixed) {
        if have[..want.len()] != want[..] || have[want.len()..].iter().any(|x| !ark_ff::Zero::is_zero(x)) {
            return Err(mismatch());
        }
    }
    let sigma = zkaccel::plonk::permutation::keygen::sigma_values(pk.vk.domain(), &c.cs.permutation, &c.fixed.copies)?;
    if sigma != pk.sigma_values {
        return Err(mismatch());
    }
    Ok(())
}

/// Time spent in each part of [`prove`].
#[derive(Clone, Debug, Default)]
pub struct ProveTimings {
    pub witness: Duration,
    pub prove: Duration,
    pub verify: Duration,
}

/// Recomputes the classification from the witness's image, proves it, verifies the proof and
/// returns the proof file (not yet written).
pub fn prove(backend: &dyn Backend, m: &WnnModel, w: &WnnWitnessFile, pk: &ProvingKey) -> Result<(WnnProofFile, ProveTimings)> {
    let mut times = ProveTimings::default();
    let start = Instant::now();
    if w.pixels.len() != m.num_inputs {
        return Err(Error::artifact(format!("the witness holds {} pixels, the model takes {}", w.pixels.len(), m.num_inputs)));
    }
    let t = Trace::honest(m, &w.pixels);
    if t.scores != w.scores || t.class != w.class {
        return Err(Error::artifact("the witness's scores or class differ from the model's for its image (edited witness, or another model)"));
    }
    let c = build(m, &t)?;
    check_key_matches(pk, &c)?;
    if WnnStatement::from_key(&pk.vk)? != WnnStatement::of(m, &w.model_sha256) {
        return Err(Error::artifact("the proving key was made for another model file (the statement its verifying key binds differs): run `zkaccel wnn setup` for this model"));
    }
    times.witness = start.elapsed();
    let start = Instant::now();
    let proof = prove_with_os_rng(backend, pk, &c.witness, &c.instances).map_err(|e| match e {
        zkaccel::Error::Witness(msg) => Error::internal(format!("the witness does not satisfy the circuit: {msg}")),
        e => e.into(),
    })?;
    times.prove = start.elapsed();
    let start = Instant::now();
    verify(&pk.vk, &proof, &c.instances).map_err(|e| Error::internal(format!("the new proof does not verify, not written: {e}")))?;
    times.verify = start.elapsed();
    let file = WnnProofFile {
        format: PROOF_FORMAT.into(),
        version: VERSION,
        protocol: PROTOCOL.into(),
        model_sha256: w.model_sha256.clone(),
        vk_digest: hex::encode(pk.vk.digest()),
        scores: t.scores,
        class: t.class,
        proof: hex::encode(proof.to_bytes()),
    };
    Ok((file, times))
}

/// Verifies a proof file against a verifying key (and, when given, the model's digest): the
/// key's statement fixes the model and the number of public scores (see [`WnnStatement`]). The
/// digest is compared with the *label* the key binds, which anyone can attach to any key: to
/// establish that the key is the model's, use [`verify_file_for_model`].
pub fn verify_file(vk: &VerifyingKey, f: &WnnProofFile, model_sha256: Option<&str>) -> Result<Duration> {
    let fail = |m: String| Error::new(ExitCode::VerificationFailed, m);
    let statement = WnnStatement::from_key(vk)?;
    if let Some(d) = model_sha256 {
        if d != statement.model_sha256 {
            return Err(fail("the verifying key was made for another model (the model_sha256 it binds differs)".into()));
        }
    }
    if f.model_sha256 != statement.model_sha256 {
        return Err(fail("the proof names another model than the verifying key binds (model_sha256 differs)".into()));
    }
    if f.scores.len() != statement.num_classes || f.class >= statement.num_classes {
        return Err(fail(format!(
            "the proof states {} scores and class {}; the verifying key's model has {} classes",
            f.scores.len(),
            f.class,
            statement.num_classes
        )));
    }
    if hex::encode(vk.digest()) != f.vk_digest {
        return Err(fail("the proof was made with another verifying key (vk_digest differs)".into()));
    }
    if vk.cs().num_instance != 1 {
        return Err(fail("the verifying key is not a WNN circuit's (it has another public-input layout)".into()));
    }
    let proof = f.proof()?;
    let start = Instant::now();
    verify(vk, &proof, &[public_inputs(&f.scores, f.class)])?;
    Ok(start.elapsed())
}

/// [`verify_file`]; with the model (`m`, read from a file of SHA-256 `model_sha256`), the key is
/// first recomputed from it ([`check_key_of_model`]): its structure always, its fixed and σ
/// commitments too with `srs` (the SRS the key was made with). Returns the verification time and
/// what was checked of the key (None without the model).
pub fn verify_file_for_model(vk: &VerifyingKey, f: &WnnProofFile, model: Option<(&WnnModel, &str)>, srs: Option<&Srs>) -> Result<(Duration, Option<KeyCheck>)> {
    let check = match model {
        Some((m, digest)) => {
            // The label first (the message of a proof for another model file), then the key.
            let statement = WnnStatement::from_key(vk)?;
            if digest != statement.model_sha256 {
                return Err(Error::new(ExitCode::VerificationFailed, "the verifying key was made for another model (the model_sha256 it binds differs)"));
            }
            Some(check_key_of_model(vk, m, digest, srs)?)
        }
        None => None,
    };
    Ok((verify_file(vk, f, model.map(|(_, d)| d))?, check))
}

/// Recomputes from model `m` (read from a file of SHA-256 `model_sha256`) what its verifying key
/// must be, as `wnn setup` makes it, and compares `vk` with it: the bound statement (all of it),
/// `k` and the constraint system (any other image size, filter shape, hash or class count); with
/// `srs`, also the fixed columns' commitments (the Bloom filter bits, thresholds and tables) and
/// the σ commitments (the copies, which carry the input order): the whole key. A difference is exit 3, naming it.
pub fn check_key_of_model(vk: &VerifyingKey, m: &WnnModel, model_sha256: &str, srs: Option<&Srs>) -> Result<KeyCheck> {
    let fail = |m: String| Error::new(ExitCode::VerificationFailed, format!("the verifying key was made for another model: {m}"));
    if WnnStatement::from_key(vk)? != WnnStatement::of(m, model_sha256) {
        return Err(fail("the statement it binds (model_sha256, image size, class count) differs from the model's".into()));
    }
    let layout = layout_for_setup(m)?;
    let of = KeyOf { another: "model", circuit: "the model's circuit", contents: "Bloom filter bits, thresholds, tables, selectors" };
    check_key_layout(vk, layout.plan.k, &layout.cs, &layout.fixed, srs, None, &of)
}
