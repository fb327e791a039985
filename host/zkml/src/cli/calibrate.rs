//! `calibrate-settings`: scales and ranges from sample inputs.

use serde_json::json;
use zkaccel_onnx::{calibrate, load_onnx, CalibrationConfig, CalibrationTarget, InputData, RunArgs, Settings};

use super::args::{CalibrateSettings, Target};
use super::output::{Out, Report};
use crate::error::Result;

pub fn run(a: &CalibrateSettings, out: &Out) -> Result<Report> {
    // settings.json is read and rewritten on purpose; the model and data must not be it.
    crate::files::check_outputs(&[("-M", Some(&a.model)), ("-D", Some(&a.data))], &[("--settings-path", &a.settings_path)])?;
    let graph = load_onnx(&a.model)?;
    // Visibilities and margin come from an existing settings file, else ezkl's defaults.
    let base = if a.settings_path.exists() { Settings::load(&a.settings_path)?.run_args } else { RunArgs::default() };
    let samples = InputData::load(&a.data)?.samples(&graph)?;
    let cfg = CalibrationConfig {
        scales: a.scales.clone().unwrap_or_else(|| CalibrationConfig::default().scales),
        tolerance: a.tolerance,
        max_lookup_bits: a.max_lookup_bits,
        target: match a.target {
            Target::Resources => CalibrationTarget::Resources,
            Target::Accuracy => CalibrationTarget::Accuracy,
        },
    };
    crate::resources::check_evaluation("calibrate-settings", &graph)?;
    let step = out.step(&format!("calibrating on {} sample(s)", samples.len()));
    let settings = calibrate(&graph, &samples, &base, &cfg)?;
    let t = step.done();
    // Checked to read back before the file is touched (a non-finite number would be `null`).
    // Measured on the sample data with the private weights: prover-side (docs/cli.md).
    crate::files::write_atomic(&a.settings_path, settings.to_checked_json()?.as_bytes(), crate::files::Access::Private)?;
    let c = settings.calibration.as_ref();
    Ok(Report {
        json: json!({ "verb": "calibrate-settings", "settings_path": a.settings_path.display().to_string(), "settings": settings, "time_ms": super::output::ms(t) }),
        lines: vec![format!(
            "calibrated on {} sample(s): input scale {}, param scale {}, lookup bits {}, max |quantized − float| {:.3e} (tolerance {:.1e}); written to {}",
            samples.len(),
            settings.run_args.input_scale,
            settings.run_args.param_scale,
            settings.lookup_bits,
            c.map(|c| c.max_abs_error).unwrap_or(f64::NAN),
            a.tolerance,
            a.settings_path.display()
        )],
    })
}
