//! Imports an ONNX model, calibrates its scales on sample inputs and reports per-layer ranges and
//! the error against tract's float run.
//!
//! ```text
//! cargo run --release -p zkaccel-onnx --example quantize_report -- \
//!     host/onnx/examples/mlp_784_128_10.onnx host/onnx/examples/mlp_calibration.json \
//!     [TOLERANCE [SETTINGS_OUT.json]]
//! ```

use std::time::Instant;

use zkaccel_onnx::{calibrate, load_onnx, CalibrationConfig, InputData, RunArgs};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> zkaccel_onnx::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: {} MODEL.onnx DATA.json [TOLERANCE [SETTINGS_OUT.json]]", args[0]);
        std::process::exit(2);
    }
    let tolerance = match args.get(3) {
        Some(t) => t.parse().map_err(|_| zkaccel_onnx::Error::Calibration(format!("tolerance {t:?} is not a number")))?,
        None => CalibrationConfig::default().tolerance,
    };
    let t0 = Instant::now();
    let graph = load_onnx(&args[1])?;
    println!("imported {} nodes in {:.1} ms", graph.nodes.len(), t0.elapsed().as_secs_f64() * 1e3);
    for n in &graph.nodes {
        println!("  {:<12} {:<10} {:?} -> {:?}", n.name, n.op_type, n.inputs, n.output_shape);
    }
    let samples = InputData::load(&args[2])?.samples(&graph)?;
    let cfg = CalibrationConfig { tolerance, ..Default::default() };
    let t0 = Instant::now();
    let settings = calibrate(&graph, &samples, &RunArgs::default(), &cfg)?;
    let rep = settings.calibration.as_ref().expect("calibrated");
    println!(
        "calibrated on {} sample(s) in {:.2} s ({} candidates, {} feasible): input_scale {}, param_scale {}, lookup_bits {}, lookup_range {:?}, logrows {}, num_rows {}",
        samples.len(),
        t0.elapsed().as_secs_f64(),
        rep.candidates,
        rep.feasible,
        settings.run_args.input_scale,
        settings.run_args.param_scale,
        settings.lookup_bits,
        settings.run_args.lookup_range,
        settings.run_args.logrows,
        settings.num_rows
    );
    println!("  max |quantized − f64| = {:.3e} (tolerance {:.1e}), rigorous bound {:.3e}", rep.max_abs_error, rep.tolerance, rep.max_error_bound);
    for l in &settings.layers {
        println!(
            "  {:<12} {:<8} out_scale {:>2} shift {:>2} max|acc| {:>14} max|out| {:>8} bits {:>2}",
            l.node, l.op_type, l.out_scale, l.shift, l.max_abs_acc, l.max_abs_out, l.lookup_bits
        );
    }
    if let Some(out) = args.get(4) {
        settings.save(out)?;
        println!("wrote {out}");
    }
    let q = settings.quantize(&graph)?;
    let mut worst = 0.0f64;
    let t0 = Instant::now();
    for s in &samples {
        let tract = graph.tract_reference(s)?;
        let run = q.run(s)?;
        for (a, b) in run.dequantized_outputs()[0].data.iter().zip(&tract[0].data) {
            worst = worst.max((a - b).abs());
        }
    }
    println!("max |quantized − tract f32| over the samples = {worst:.3e} ({:.1} ms)", t0.elapsed().as_secs_f64() * 1e3);
    let t0 = Instant::now();
    let _ = q.run(&samples[0])?;
    println!("one integer inference: {:.2} ms", t0.elapsed().as_secs_f64() * 1e3);
    Ok(())
}
