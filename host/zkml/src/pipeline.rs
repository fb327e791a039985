//! The workflow's steps as functions over in-memory values (the CLI adds files and output).

use std::time::{Duration, Instant};

use zkaccel::backend::Backend;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::{keygen, prove_with_os_rng, verify, Cell, ColumnKind, ConstraintSystem, FixedAssignment, ProvingKey, Shape, VerifyingKey};
use zkaccel::srs::Srs;
use zkaccel::{G1Affine, G1Projective};
use zkaccel_onnx::{numel, InputData, QuantRun, Settings, Tensor, Visibility};

use crate::circuit::{build, ModelCircuit, PublicLayout, Visibilities};
use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};
use crate::field::fr_to_i64;
use crate::proof_file::{ProofFile, PublicValues, FORMAT, PROTOCOL, VERSION};
use crate::statement::{columns_sha256, Statement};
use crate::witness::WitnessFile;

/// Whether key generation needs concrete model inputs/outputs (a `fixed` input or output
/// visibility bakes them into the key).
pub fn setup_needs_witness(c: &CompiledCircuit) -> bool {
    let v = Visibilities::of(&c.settings);
    v.input == Visibility::Fixed || v.output == Visibility::Fixed
}

/// The circuit's layout for key generation: from the witness when given, else from zero inputs
/// (fixed columns and copies do not depend on the values unless inputs/outputs are fixed).
pub fn layout_for_setup(c: &CompiledCircuit, witness: Option<&WitnessFile>) -> Result<ModelCircuit> {
    let inputs = match witness {
        Some(w) => w.input_tensors(c)?,
        None => {
            if setup_needs_witness(c) {
                return Err(Error::usage(
                    "a fixed input or output visibility bakes the values into the keys: setup needs --witness (from gen-witness)",
                ));
            }
            zero_inputs(c)
        }
    };
    build(&c.quantized, &c.settings, &c.plan, &inputs, true).map_err(|e| with_range_hint(e, c))
}

/// A value outside the calibrated range (a builder error that says "outside") as a bad input
/// with the hint to recalibrate (exit 2); other errors unchanged.
fn with_range_hint(e: Error, c: &CompiledCircuit) -> Error {
    if e.message.contains("outside") {
        Error::bad_input(format!("{} — the input leaves the range calibrated in the settings (lookup_bits {}); recalibrate with this input", e.message, c.settings.lookup_bits))
    } else {
        e
    }
}

fn zero_inputs(c: &CompiledCircuit) -> Vec<Tensor<i64>> {
    c.graph.inputs.iter().map(|i| Tensor { shape: i.shape.clone(), data: vec![0; numel(&i.shape)] }).collect()
}

/// The SRS degree the compiled circuit needs.
pub fn srs_degree(circuit: &ModelCircuit, k: u32) -> Result<usize> {
    Ok(Shape::new(&circuit.cs, k)?.srs_degree)
}

/// Key generation: the keys of the layout, with the circuit's [`Statement`] bound to the
/// verifying key.
pub fn setup(backend: &dyn Backend, c: &CompiledCircuit, srs: &Srs, witness: Option<&WitnessFile>) -> Result<ProvingKey> {
    let layout = layout_for_setup(c, witness)?;
    keygen_bound(backend, c, srs, layout)
}

/// Generates the keys of `layout` (from [`layout_for_setup`]) and binds the statement of `c`.
pub fn keygen_bound(backend: &dyn Backend, c: &CompiledCircuit, srs: &Srs, layout: ModelCircuit) -> Result<ProvingKey> {
    let statement = Statement::of(c, &layout.instances);
    let mut pk = keygen(backend, srs, layout.cs, &layout.fixed)?;
    pk.vk = pk.vk.with_binding(statement.to_bytes())?;
    Ok(pk)
}

/// Quantizes `data`, runs the integer model and returns the witness file and the run.
pub fn gen_witness(c: &CompiledCircuit, data: &InputData) -> Result<(WitnessFile, QuantRun)> {
    let floats = data.to_tensors(&c.graph)?;
    let q_inputs = c.quantized.quantize_inputs(&floats)?;
    let run = c.quantized.run_quantized(&q_inputs)?;
    Ok((WitnessFile::new(c, &q_inputs, &run), run))
}

/// Lays out the circuit with the witness's values and checks that the circuit's outputs equal
/// the integer model's (and the witness file's).
pub fn circuit_for_witness(c: &CompiledCircuit, w: &WitnessFile) -> Result<ModelCircuit> {
    let inputs = w.input_tensors(c)?;
    let run = c.quantized.run_quantized(&inputs)?;
    let circuit = build(&c.quantized, &c.settings, &c.plan, &inputs, false).map_err(|e| with_range_hint(e, c))?;
    for (i, (got, want)) in circuit.outputs.iter().zip(&run.outputs).enumerate() {
        if got.data != want.data {
            return Err(Error::internal(format!("output {i}: the circuit computes {:?}, the quantized model {:?}", got.data, want.data)));
        }
        if w.outputs.get(i) != Some(&want.data) {
            return Err(Error::artifact(format!("output {i} of the witness file differs from the model's output for its inputs (edited witness?)")));
        }
    }
    Ok(circuit)
}

/// Lays out the circuit for the witness as `prove` does, then checks what a proof would show —
/// every gate on every row, every lookup, projection and copy constraint — with no key and no SRS
/// (ezkl's `mock`). Returns the circuit and its failed checks (at most `limit`; none for a witness
/// the prover accepts).
pub fn mock(c: &CompiledCircuit, w: &WitnessFile, limit: usize) -> Result<(ModelCircuit, Vec<Failure>)> {
    let circuit = circuit_for_witness(c, w)?;
    let failures = check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, limit)?;
    Ok((circuit, failures))
}

/// One failed check of [`mock`] in words.
pub fn describe_failure(f: &Failure) -> String {
    match f {
        Failure::Gate { gate, constraint, row } => format!("gate {gate:?} (constraint {constraint}) is not zero at row {row}"),
        Failure::Copy { a, b } => format!("copy constraint {} = {} does not hold", describe_cell(a), describe_cell(b)),
        Failure::Lookup { lookup, row } => format!("lookup {lookup:?}: the input at row {row} is not in its table"),
        Failure::Projection { projection, output } => format!("projection {projection:?}: output {output} is not W·x + b"),
    }
}

fn describe_cell(c: &Cell) -> String {
    let kind = match c.column.kind {
        ColumnKind::Fixed => "fixed",
        ColumnKind::Advice => "advice",
        ColumnKind::Instance => "instance",
    };
    format!("{kind}[{}] row {}", c.column.index, c.row)
}

/// Time spent in each part of `prove`.
#[derive(Clone, Debug, Default)]
pub struct ProveTimings {
    pub witness: Duration,
    pub prove: Duration,
    pub verify: Duration,
}

/// Proves, verifies the proof, and returns the proof file (not yet written).
pub fn prove(backend: &dyn Backend, c: &CompiledCircuit, w: &WitnessFile, pk: &ProvingKey) -> Result<(ProofFile, ProveTimings)> {
    let (proof, circuit, t) = prove_unverified(backend, c, w, pk)?;
    self_verify(pk, c, proof, &circuit, t)
}

/// A proof before its self-verification.
pub struct UnverifiedProof(zkaccel::plonk::Proof);

/// Proves (witness layout, key check, proof); [`self_verify`] must follow before the proof is
/// written.
pub fn prove_unverified(backend: &dyn Backend, c: &CompiledCircuit, w: &WitnessFile, pk: &ProvingKey) -> Result<(UnverifiedProof, ModelCircuit, ProveTimings)> {
    let mut t = ProveTimings::default();
    let start = Instant::now();
    let circuit = circuit_for_witness(c, w)?;
    check_key_matches(pk, &circuit, c)?;
    t.witness = start.elapsed();
    let start = Instant::now();
    let proof = prove_with_os_rng(backend, pk, &circuit.witness, &circuit.instances).map_err(|e| match e {
        zkaccel::Error::Witness(m) => Error::internal(format!("the witness does not satisfy the circuit: {m}")),
        e => e.into(),
    })?;
    t.prove = start.elapsed();
    Ok((UnverifiedProof(proof), circuit, t))
}

/// Verifies a new proof against the key and its circuit's public inputs and makes the proof file.
/// A proof that does not verify is an internal error and is not written.
pub fn self_verify(pk: &ProvingKey, c: &CompiledCircuit, proof: UnverifiedProof, circuit: &ModelCircuit, mut t: ProveTimings) -> Result<(ProofFile, ProveTimings)> {
    let proof = proof.0;
    let start = Instant::now();
    verify(&pk.vk, &proof, &circuit.instances).map_err(|e| Error::internal(format!("the new proof does not verify, not written: {e}")))?;
    t.verify = start.elapsed();
    let layout = PublicLayout::of(&c.quantized, Visibilities::of(&c.settings));
    let public = public_values(&layout, &circuit.instances, &c.quantized.output_scales())?;
    let file = ProofFile {
        format: FORMAT.into(),
        version: VERSION,
        protocol: PROTOCOL.into(),
        circuit_id: c.circuit_id.clone(),
        vk_digest: hex::encode(pk.vk.digest()),
        instances: ProofFile::encode_instances(&circuit.instances),
        proof: hex::encode(proof.to_bytes()),
        public,
    };
    Ok((file, t))
}

/// Checks that a proving key was generated for this circuit (same declarations, rows, fixed
/// columns — weights, tables, fixed inputs — and copy constraints). The key's commitments are
/// not recomputed here: `prove` verifies every proof against the key before writing it.
pub fn check_key_matches(pk: &ProvingKey, circuit: &ModelCircuit, c: &CompiledCircuit) -> Result<()> {
    let mismatch = || Error::artifact("the proving key was made for another circuit (or other fixed inputs/weights): run setup for this compiled circuit");
    if pk.vk.k() != c.plan.k || pk.vk.cs() != &circuit.cs || pk.fixed_values.len() != circuit.fixed.fixed.len() {
        return Err(mismatch());
    }
    for (have, want) in pk.fixed_values.iter().zip(&circuit.fixed.fixed) {
        if have[..want.len()] != want[..] || have[want.len()..].iter().any(|x| !ark_ff::Zero::is_zero(x)) {
            return Err(mismatch());
        }
    }
    // The copy constraints: σ recomputed from the circuit's copies.
    let sigma = zkaccel::plonk::permutation::keygen::sigma_values(pk.vk.domain(), &circuit.cs.permutation, &circuit.fixed.copies)?;
    if sigma != pk.sigma_values {
        return Err(mismatch());
    }
    // The statement the key binds (visibilities, scales, shapes, the circuit it was made for).
    if Statement::from_key(&pk.vk)? != Statement::of(c, &circuit.instances) {
        return Err(Error::artifact("the proving key was made for another compiled circuit (the statement its verifying key binds differs): run setup for this compiled circuit"));
    }
    Ok(())
}

/// Splits the io instance column into public inputs and outputs per `layout`, rescaling the
/// outputs by `output_scales`.
fn public_values(layout: &PublicLayout, instances: &[Vec<zkaccel::Fr>], output_scales: &[u32]) -> Result<PublicValues> {
    let io: &[zkaccel::Fr] = if layout.has_io_instance() { instances.first().map(|v| v.as_slice()).unwrap_or(&[]) } else { &[] };
    let wrong_length =
        |want: String| Error::new(crate::ExitCode::VerificationFailed, format!("the proof has {} public input/output values, the circuit {want}", io.len()));
    let count = layout.checked_io_count().ok_or_else(|| wrong_length("more than a 64-bit count".into()))?;
    if io.len() != count {
        return Err(wrong_length(count.to_string()));
    }
    let ints = io
        .iter()
        .map(|x| fr_to_i64(x).ok_or_else(|| Error::new(crate::ExitCode::VerificationFailed, "a public input/output is not a quantized integer")))
        .collect::<Result<Vec<i64>>>()?;
    // Checked splitting: the lengths add up to `ints.len()` above, but a slice never trusts them.
    let mut rest: &[i64] = &ints;
    let mut take = |n: usize| -> Result<Vec<i64>> {
        if n > rest.len() {
            return Err(wrong_length(count.to_string()));
        }
        let (v, r) = rest.split_at(n);
        rest = r;
        Ok(v.to_vec())
    };
    let inputs = layout.inputs.iter().filter(|&&n| n > 0).map(|&n| take(n)).collect::<Result<Vec<Vec<i64>>>>()?;
    let outputs = layout.outputs.iter().filter(|&&n| n > 0).map(|&n| take(n)).collect::<Result<Vec<Vec<i64>>>>()?;
    let rescaled_outputs = outputs
        .iter()
        .zip(layout.outputs.iter().zip(output_scales).filter(|(&n, _)| n > 0).map(|(_, s)| s))
        .map(|(o, &s)| o.iter().map(|&v| zkaccel_onnx::dequantize(v, s)).collect())
        .collect();
    Ok(PublicValues { inputs, outputs, rescaled_outputs })
}

/// How much of a verifying key `verify -M` recomputed from the compiled circuit (or the WNN
/// model): the statement a key binds is plain data that anyone can attach to any key
/// (`VerifyingKey::with_binding`), so its `circuit_id` label alone says nothing about the circuit
/// the key checks proofs of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyCheck {
    /// The bound statement, the size `k` and the constraint system (column counts, gates,
    /// lookups, projections with their weights, the columns with equality) equal what setup
    /// gives the circuit. The fixed and σ commitments (fixed weights, tables, selectors, copy
    /// constraints) were not recomputed: that needs the SRS's G1 powers (`--srs-path`).
    Structure,
    /// The whole key but the `io_fixed` column's commitment: with a fixed input or output that
    /// column holds the prover's values, which a verifier does not have; every other fixed column
    /// (fixed weights, tables, selectors, constants) and the σ commitments were recomputed.
    AllButFixedIo,
    /// The whole key: equal to the one setup makes for the circuit with this SRS.
    Full,
}

/// What `verify` established.
#[derive(Clone, Debug)]
pub struct Verified {
    pub public: PublicValues,
    /// The statement the verifying key binds (and the proof was checked under).
    pub statement: Statement,
    /// Whether the proof's weights are checked: fixed parameters are in the key, public ones are
    /// compared with the key's digest of them; private ones are not checked (any weights).
    pub params_checked: bool,
    /// Whether the key is, entirely, the one setup makes for the compiled circuit given (`-M`):
    /// `compiled_check == Some(KeyCheck::Full)`.
    pub compiled_checked: bool,
    /// How much of the key was recomputed from the compiled circuit (None without one).
    pub compiled_check: Option<KeyCheck>,
    pub time: Duration,
}

/// Verifies a proof file against a verifying key. The public layout and the scales come from
/// the statement the key binds; `settings`, when given, must agree with it (a settings file is
/// not trusted); with the compiled circuit, the key's structure must be the one setup gives it
/// ([`verify_proof_file_with_srs`]).
pub fn verify_file(vk: &VerifyingKey, f: &ProofFile, settings: &Settings, compiled: Option<&CompiledCircuit>) -> Result<Verified> {
    verify_proof_file(vk, f, Some(settings), compiled)
}

/// [`verify_file`] with the settings optional.
pub fn verify_proof_file(vk: &VerifyingKey, f: &ProofFile, settings: Option<&Settings>, compiled: Option<&CompiledCircuit>) -> Result<Verified> {
    verify_proof_file_with_srs(vk, f, settings, compiled, None)
}

/// [`verify_proof_file`]; with the compiled circuit, the key is recomputed from it as far as
/// possible ([`check_key_of_compiled`]): its structure always, and with `srs` (the SRS the key
/// was made with, at least 2^k G1 powers) its fixed and σ commitments too. A key that differs is
/// refused (exit 3) naming what differs.
pub fn verify_proof_file_with_srs(
    vk: &VerifyingKey,
    f: &ProofFile,
    settings: Option<&Settings>,
    compiled: Option<&CompiledCircuit>,
    srs: Option<&Srs>,
) -> Result<Verified> {
    let fail = |m: String| Error::new(crate::ExitCode::VerificationFailed, m);
    let statement = Statement::from_key(vk)?;
    if let Some(s) = settings {
        statement.check_settings(s)?;
    }
    // The proof file's circuit_id label must be the one the key binds (else it would be shown
    // unchecked beside a valid proof).
    if f.circuit_id != statement.circuit_id {
        return Err(fail("the proof file's circuit_id differs from the one its verifying key binds (edited file, or a proof for another circuit)".into()));
    }
    let mut compiled_check = None;
    let mut setup_layout = None;
    if let Some(c) = compiled {
        if f.circuit_id != c.circuit_id {
            return Err(fail("the proof is for another compiled circuit (circuit_id differs)".into()));
        }
        if statement.circuit_id != c.circuit_id {
            return Err(fail("the verifying key was made for another compiled circuit (the circuit_id it binds differs)".into()));
        }
        // The label agrees; what the key checks proofs of must be the compiled circuit too.
        let (check, layout) = check_key_of_compiled(vk, c, srs)?;
        compiled_check = Some(check);
        setup_layout = Some(layout);
    }
    if hex::encode(vk.digest()) != f.vk_digest {
        return Err(fail("the proof was made with another verifying key (vk_digest differs)".into()));
    }
    let instances = f.instance_values()?;
    let proof = f.proof()?;
    let layout = statement.layout();
    let expected_columns = usize::from(layout.has_io_instance()) + if layout.params { vk.cs().num_instance - usize::from(layout.has_io_instance()).min(vk.cs().num_instance) } else { 0 };
    if instances.len() != vk.cs().num_instance || instances.len() != expected_columns {
        return Err(fail(format!("the proof has {} public-input columns, the circuit {}", instances.len(), vk.cs().num_instance)));
    }
    let public = public_values(&layout, &instances, &statement.output_scales)?;
    if public != f.public {
        return Err(fail("the readable public values in the proof file differ from its instances (edited file)".into()));
    }
    let off = usize::from(layout.has_io_instance());
    let params_checked = match statement.param_visibility {
        Visibility::Fixed => true,
        Visibility::Public => {
            if Some(columns_sha256(&instances[off..])) != statement.public_params_sha256 {
                return Err(fail("the public weights in the proof differ from the ones the verifying key binds".into()));
            }
            if let Some(setup_layout) = &setup_layout {
                if setup_layout.instances.get(off..) != instances.get(off..) {
                    return Err(fail("the public weights in the proof differ from the compiled model's".into()));
                }
            }
            true
        }
        Visibility::Private => false,
    };
    let start = Instant::now();
    verify(vk, &proof, &instances)?;
    Ok(Verified { public, statement, params_checked, compiled_checked: compiled_check == Some(KeyCheck::Full), compiled_check, time: start.elapsed() })
}

/// Recomputes from compiled circuit `c` what its verifying key must be, as setup makes it, and
/// compares `vk` with it: the bound statement (all of it, not only the `circuit_id` label, which
/// anyone can attach to any key), `k` and the constraint system — any other architecture, gate,
/// lookup, projection weight or column count is refused; with `srs`, also the σ commitments (the
/// copy constraints) and the fixed columns' commitments (fixed weights, tables, selectors) but,
/// with a fixed input or output, the `io_fixed` column's, which holds the prover's values. A
/// difference is exit 3, naming
/// what differs. Returns what was checked and the key-generation layout (from zero inputs).
pub fn check_key_of_compiled(vk: &VerifyingKey, c: &CompiledCircuit, srs: Option<&Srs>) -> Result<(KeyCheck, ModelCircuit)> {
    let fail = |m: String| Error::new(crate::ExitCode::VerificationFailed, format!("the verifying key was made for another compiled circuit: {m}"));
    // The layout setup makes from zero inputs: with a fixed input or output setup lays out the
    // witness's values instead, which changes only the values in the io_fixed column, not the
    // declarations, the other fixed columns or the copies.
    let layout = build(&c.quantized, &c.settings, &c.plan, &zero_inputs(c), true).map_err(|e| with_range_hint(e, c))?;
    let bound = Statement::from_key(vk)?;
    let want = Statement::of(c, &layout.instances);
    if bound != want {
        return Err(fail(format!("the statement it binds differs from the compiled circuit's in {}", statement_difference(&bound, &want))));
    }
    // With a fixed input or output, setup lays out the witness's values in the io_fixed column
    // (and only there: the declarations, the other fixed columns and the copies do not depend on
    // them), so that one column cannot be recomputed.
    let skip = if setup_needs_witness(c) { layout.io_fixed } else { None };
    let of = KeyOf { another: "compiled circuit", circuit: "the compiled circuit", contents: "fixed weights, lookup tables, selectors, constants" };
    let check = check_key_layout(vk, c.plan.k, &layout.cs, &layout.fixed, srs, skip, &of)?;
    Ok((check, layout))
}

/// What a key check names in its messages ([`check_key_layout`]).
pub(crate) struct KeyOf<'a> {
    /// "the verifying key was made for another {another}".
    pub another: &'a str,
    /// The circuit the key is compared with ("the compiled circuit").
    pub circuit: &'a str,
    /// What the circuit's fixed columns hold.
    pub contents: &'a str,
}

/// The part of `-M`'s key check that the compiled circuit and the WNN model share, once the bound
/// statement matched: `k` and the constraint system against the circuit's (`cs`), and with `srs`
/// the σ commitments and every fixed column's commitment but column `skip`'s
/// ([`check_commitments`]). A difference is exit 3, "the verifying key was made for another …",
/// naming it. Returns what was checked.
pub(crate) fn check_key_layout(
    vk: &VerifyingKey,
    k: u32,
    cs: &ConstraintSystem,
    fixed: &FixedAssignment,
    srs: Option<&Srs>,
    skip: Option<usize>,
    of: &KeyOf<'_>,
) -> Result<KeyCheck> {
    let fail = |m: String| Error::new(crate::ExitCode::VerificationFailed, format!("the verifying key was made for another {}: {m}", of.another));
    if vk.k() != k {
        return Err(fail(format!("it has 2^{} rows, {} 2^{k}", vk.k(), of.circuit)));
    }
    if vk.cs() != cs {
        return Err(fail(format!("its constraint system differs from {}'s ({})", of.circuit, cs_difference(vk.cs(), cs))));
    }
    let Some(srs) = srs else { return Ok(KeyCheck::Structure) };
    check_commitments(vk, fixed, srs, skip, of.circuit, of.contents).map_err(|e| match e.code {
        crate::ExitCode::VerificationFailed => fail(e.message),
        _ => e,
    })?;
    Ok(if skip.is_some() { KeyCheck::AllButFixedIo } else { KeyCheck::Full })
}

/// The fields in which two statements differ, named.
fn statement_difference(have: &Statement, want: &Statement) -> String {
    let (h, w) = (serde_json::to_value(have).unwrap_or_default(), serde_json::to_value(want).unwrap_or_default());
    let fields: Vec<String> = match (h.as_object(), w.as_object()) {
        (Some(h), Some(w)) => w
            .keys()
            .chain(h.keys().filter(|k| !w.contains_key(*k)))
            .filter(|k| h.get(*k) != w.get(*k))
            .map(|k| format!("{k} (key {}, compiled circuit {})", short(h.get(k)), short(w.get(k))))
            .collect(),
        _ => vec![],
    };
    if fields.is_empty() {
        "its contents".into()
    } else {
        fields.join(", ")
    }
}

/// A JSON value for a message, cut to 80 characters.
fn short(v: Option<&serde_json::Value>) -> String {
    let s = v.map_or_else(|| "none".to_string(), |v| v.to_string());
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// What differs between a key's constraint system `have` and the one of the circuit `want`.
fn cs_difference(have: &ConstraintSystem, want: &ConstraintSystem) -> String {
    fn first<T: PartialEq>(have: &[T], want: &[T], what: &str, name: impl Fn(&T) -> String) -> Option<String> {
        if have == want {
            return None;
        }
        Some(match have.iter().zip(want).position(|(a, b)| a != b) {
            Some(i) if name(&have[i]) == name(&want[i]) => format!("{what} {i}, {}, differs", name(&want[i])),
            Some(i) => format!("{what} {i}: {} in the key, {} in the circuit", name(&have[i]), name(&want[i])),
            None => format!("{} {what}s in the key, {} in the circuit", have.len(), want.len()),
        })
    }
    let mut parts = Vec::new();
    let counts = |cs: &ConstraintSystem| (cs.num_fixed, cs.num_advice, cs.num_instance);
    if counts(have) != counts(want) {
        let ((hf, ha, hi), (wf, wa, wi)) = (counts(have), counts(want));
        parts.push(format!("fixed/advice/instance columns {hf}/{ha}/{hi} in the key, {wf}/{wa}/{wi} in the circuit"));
    }
    parts.extend(first(&have.gates, &want.gates, "gate", |g| format!("{:?}", g.name)));
    parts.extend(first(&have.lookups, &want.lookups, "lookup", |l| format!("{:?}", l.name)));
    parts.extend(first(&have.projections, &want.projections, "projection (cells or weights)", |p| format!("{:?}", p.name)));
    parts.extend(first(&have.conv_projections, &want.conv_projections, "convolution projection (cells or weights)", |p| format!("{:?}", p.name)));
    parts.extend(first(&have.permutation, &want.permutation, "column with equality", |c| format!("{:?}", c)));
    if parts.is_empty() {
        "in its declarations".into()
    } else {
        parts.join("; ")
    }
}

/// Recomputes the σ commitments (the copy constraints) of `fixed` and the fixed columns'
/// commitments but column `skip`'s with the Lagrange basis of `srs`, and compares them with `vk`'s
/// (whose constraint system and size the caller has compared already). `circuit` names the
/// circuit and `contents` what its fixed columns hold, in messages. A difference is exit 3; an
/// SRS that is not the key's, or too small for the key's domain, exit 4.
fn check_commitments(vk: &VerifyingKey, fixed: &FixedAssignment, srs: &Srs, skip: Option<usize>, circuit: &str, contents: &str) -> Result<()> {
    use ark_ec::CurveGroup;
    use rayon::prelude::*;
    if &srs.verifier_srs() != vk.srs() {
        return Err(Error::artifact("wrong SRS: the SRS given is not the one the verifying key was made with"));
    }
    let lagrange = srs.lagrange_basis(vk.k()).map_err(|e| Error::artifact(format!("recomputing the key's commitments: {e}")))?;
    // Column `skip` (if any) is not committed: its commitment is the key's own (not compared).
    let commit = |cols: &[Vec<zkaccel::Fr>], skip: Option<usize>, have: &[G1Affine]| -> Vec<G1Affine> {
        let points: Vec<G1Projective> = cols
            .par_iter()
            .enumerate()
            .map(|(i, c)| match have.get(i) {
                Some(h) if Some(i) == skip => (*h).into(),
                _ => zkaccel::cpu::msm::msm_unchecked(&lagrange, c),
            })
            .collect();
        G1Projective::normalize_batch(&points)
    };
    let differing = |have: &[G1Affine], want: &[G1Affine]| -> Vec<usize> { (0..have.len().max(want.len())).filter(|&i| have.get(i) != want.get(i)).collect() };
    // The columns keygen commits to (the caller compared the key's constraint system and size).
    let (fixed_cols, sigma) = zkaccel::plonk::keygen::committed_columns(vk.cs(), fixed)?;
    let bad = differing(vk.sigma_commitments(), &commit(&sigma, None, &[]));
    if !bad.is_empty() {
        return Err(Error::new(
            crate::ExitCode::VerificationFailed,
            format!("its copy constraints differ from {circuit}'s (σ commitments {bad:?} of {} recomputed with the SRS differ)", vk.sigma_commitments().len()),
        ));
    }
    let bad = differing(vk.fixed_commitments(), &commit(&fixed_cols, skip, vk.fixed_commitments()));
    if !bad.is_empty() {
        return Err(Error::new(
            crate::ExitCode::VerificationFailed,
            format!("its fixed columns {bad:?} (of {}: {contents}) differ from {circuit}'s, recomputed with the SRS", vk.fixed_commitments().len()),
        ));
    }
    Ok(())
}
