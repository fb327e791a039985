//! `mock`: check a witness against every constraint of its circuit — gates on every row, lookups,
//! projections, copy constraints — without a key, an SRS or a proof (ezkl's `mock`): the cheap
//! check before `setup` that the circuit accepts this input.

use serde_json::json;

use super::args::Mock;
use super::output::{Out, Report};
use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::witness::WitnessFile;

/// Failed checks listed at most (the count beyond is not computed).
const LIMIT: usize = 20;

pub fn run(a: &Mock, out: &Out) -> Result<Report> {
    crate::files::check_outputs(&[("--witness", Some(&a.witness)), ("-M", Some(&a.compiled_circuit))], &[])?;
    let c = CompiledCircuit::load(&a.compiled_circuit)?;
    let est = c.estimate().map_err(|e| e.context(a.compiled_circuit.display()))?;
    if let Some(w) = crate::resources::check(&format!("mock (2^{} rows)", c.plan.k), est.mock_memory_bytes, a.force)? {
        out.note(&w);
    }
    let w = WitnessFile::load(&a.witness)?;
    let step = out.step(&format!("checking every constraint (2^{} rows)", c.plan.k));
    let (circuit, failures) = pipeline::mock(&c, &w, LIMIT)?;
    let t = step.done();
    if !failures.is_empty() {
        // The circuit was laid out from the witness's own inputs and its outputs equal the
        // quantized model's: a failed check is the circuit builder's fault.
        let listed: Vec<String> = failures.iter().map(pipeline::describe_failure).collect();
        return Err(Error::internal(format!(
            "the circuit rejects the witness it laid out for these inputs ({}{} failed checks: {})",
            failures.len(),
            if failures.len() == LIMIT { " or more" } else { "" },
            listed.join("; ")
        )));
    }
    let cs = &circuit.cs;
    let (gates, constraints) = (cs.gates.len(), cs.gates.iter().map(|g| g.constraints.len()).sum::<usize>());
    let projections = cs.projections.len() + cs.conv_projections.len();
    Ok(Report {
        json: json!({
            "verb": "mock", "k": c.plan.k, "rows": 1u64 << c.plan.k, "satisfied": true, "gates": gates, "constraints": constraints,
            "lookups": cs.lookups.len(), "projections": projections, "copies": circuit.fixed.copies.len(), "mock_ms": super::output::ms(t),
            "outputs": w.outputs,
        }),
        lines: vec![
            format!(
                "the witness satisfies the circuit: {constraints} constraints of {gates} gates on 2^{} rows, {} lookups, {projections} projections, {} copy constraints ({:.3} s)",
                c.plan.k,
                cs.lookups.len(),
                circuit.fixed.copies.len(),
                t.as_secs_f64()
            ),
            format!("outputs (rescaled): {:?}", w.pretty_elements.rescaled_outputs),
        ],
    })
}
