//! Shared helpers for the zkaccel-zkml tests.
#![allow(dead_code)]

pub mod cli;
pub mod prove;

use std::path::PathBuf;

use zkaccel_onnx::{load_onnx, Graph, InputData, RunArgs, Settings, Tensor, Visibility};
use zkaccel_zkml::compiled::CompiledCircuit;

/// A bundled example of host/onnx/examples.
pub fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../onnx/examples").join(name)
}

pub fn load(name: &str) -> Graph {
    load_onnx(example(name)).unwrap_or_else(|e| panic!("loading {name}: {e}"))
}

pub fn input(name: &str, g: &Graph) -> Vec<Tensor<f64>> {
    InputData::load(example(name)).unwrap().to_tensors(g).unwrap()
}

/// Tolerance of tract's f32 run against the exact model (as in host/onnx/tests: K·2^-24·Σ|terms|
/// for sums of ≤ 784 terms below 100 in magnitude).
pub const TRACT_F32_TOL: f64 = 5e-3;

/// Settings with the given scales and visibilities, ranges measured on `samples`.
pub fn settings(g: &Graph, scales: (u32, u32), vis: (Visibility, Visibility, Visibility), samples: &[Vec<Tensor<f64>>]) -> Settings {
    let args = RunArgs {
        input_scale: scales.0,
        param_scale: scales.1,
        input_visibility: vis.0,
        output_visibility: vis.1,
        param_visibility: vis.2,
        ..RunArgs::default()
    };
    Settings::generate(g, args, samples).unwrap()
}

pub fn compile(model: &str, s: &Settings, lanes: Option<usize>) -> CompiledCircuit {
    let bytes = std::fs::read(example(model)).unwrap();
    CompiledCircuit::compile(bytes, s, lanes).unwrap_or_else(|e| panic!("compiling {model}: {e}"))
}

/// InputData for one sample.
pub fn data_of(sample: &[Tensor<f64>]) -> InputData {
    InputData { input_data: sample.iter().map(|t| t.data.clone()).collect(), output_data: None }
}
