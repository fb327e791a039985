//! `compile-circuit`: quantize, plan the layout, write the compiled circuit.

use serde_json::json;
use zkaccel_onnx::Settings;

use super::args::CompileCircuit;
use super::output::{Out, Report};
use crate::compiled::CompiledCircuit;
use crate::error::{Error, Result};

pub fn run(a: &CompileCircuit, _out: &Out) -> Result<Report> {
    crate::files::check_outputs(&[("-M", Some(&a.model)), ("-S", Some(&a.settings_path))], &[("--compiled-circuit", &a.compiled_circuit)])?;
    let lanes = match a.lanes.as_str() {
        "auto" => None,
        s => Some(s.parse::<usize>().ok().filter(|&l| (1..=32).contains(&l)).ok_or_else(|| Error::usage(format!("--lanes {s:?}: expected auto or a number in 1..=32")))?),
    };
    let settings = Settings::load(&a.settings_path)?;
    let onnx = super::read(&a.model)?;
    let c = CompiledCircuit::compile(onnx, &settings, lanes).map_err(|e| e.context(a.model.display()))?;
    let est = c.estimate().map_err(|e| e.context(a.model.display()))?;
    c.save(&a.compiled_circuit)?;
    let p = &c.plan;
    let have = crate::resources::available();
    let gib = crate::resources::gib;
    let fits = |need: u64| if need <= have.bytes { "fits" } else { "EXCEEDS what this process may use: setup/prove will refuse without --force" };
    Ok(Report {
        json: json!({ "verb": "compile-circuit", "compiled_circuit": a.compiled_circuit.display().to_string(), "circuit_id": c.circuit_id, "plan": p, "estimate": est, "available_memory": have }),
        lines: vec![
            format!(
            "compiled circuit written to {}: {} lanes, 2^{} rows ({} MAC/rescale rows, {} io rows), rescale shift {}, {}-bit lookup range",
            a.compiled_circuit.display(),
            p.lanes,
            p.k,
            p.mac_rows,
            p.io_rows,
            p.shift,
            p.bits
        ),
            format!(
                "estimate: 2^{} rows ({} advice, {} fixed, {} permutation columns, {} lookups); keys: pk {}, vk {} bytes; memory: setup {} ({}), prove {} ({}); this process may use {} ({})",
                est.k,
                est.advice_columns,
                est.fixed_columns,
                est.permutation_columns,
                est.lookups,
                gib(est.pk_file_bytes),
                est.vk_file_bytes,
                gib(est.setup_memory_bytes),
                fits(est.setup_memory_bytes),
                gib(est.prove_memory_bytes),
                fits(est.prove_memory_bytes),
                gib(have.bytes),
                have.limits
            ),
        ],
    })
}
