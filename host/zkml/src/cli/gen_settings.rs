//! `gen-settings`: settings.json for a model.

use serde_json::json;
use zkaccel_onnx::{load_onnx, InputData, RunArgs, Settings};

use super::args::GenSettings;
use super::output::{Out, Report};
use crate::error::Result;
use crate::files::Access;

/// Settings measured on sample data (`-D`: per-layer ranges, a lookup range from them) are
/// statistics of the private weights and inputs: prover-side, written owner-only when new; the
/// others hold only the model's architecture and the flags given.
fn access(s: &Settings) -> Access {
    if s.layers.is_empty() && s.calibration.is_none() {
        Access::Shared
    } else {
        Access::Private
    }
}

pub fn run(a: &GenSettings, out: &Out) -> Result<Report> {
    crate::files::check_outputs(&[("-M", Some(&a.model)), ("-D", a.data.as_deref())], &[("--settings-path", &a.settings_path)])?;
    let graph = load_onnx(&a.model)?;
    let run_args = RunArgs {
        input_scale: a.input_scale,
        param_scale: a.param_scale,
        input_visibility: a.input_visibility.into(),
        output_visibility: a.output_visibility.into(),
        param_visibility: a.param_visibility.into(),
        lookup_safety_margin: a.lookup_safety_margin,
        matmul_layout: a.matmul_layout.into(),
        ..RunArgs::default()
    };
    let samples = match &a.data {
        Some(d) => InputData::load(d)?.samples(&graph)?,
        None => vec![],
    };
    if !samples.is_empty() {
        crate::resources::check_evaluation("gen-settings -D", &graph)?;
    }
    let step = out.step("generating settings");
    let settings = Settings::generate(&graph, run_args, &samples)?;
    step.done();
    // Checked to read back before the file is touched (a non-finite number would be `null`).
    crate::files::write_atomic(&a.settings_path, settings.to_checked_json()?.as_bytes(), access(&settings))?;
    Ok(Report {
        json: json!({ "verb": "gen-settings", "settings_path": a.settings_path.display().to_string(), "settings": settings }),
        lines: vec![format!(
            "settings written to {} (input scale {}, param scale {}, lookup bits {}, logrows estimate {}; visibility input {:?}, output {:?}, params {:?})",
            a.settings_path.display(),
            settings.run_args.input_scale,
            settings.run_args.param_scale,
            settings.lookup_bits,
            settings.run_args.logrows,
            settings.run_args.input_visibility,
            settings.run_args.output_visibility,
            settings.run_args.param_visibility
        )],
    })
}
