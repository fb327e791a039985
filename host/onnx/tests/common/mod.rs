//! Shared helpers for the zkaccel-onnx tests.
#![allow(dead_code)]

pub mod proto;

use std::path::PathBuf;

use rand::Rng;
use zkaccel_onnx::{load_onnx, Graph, Tensor};
use zkaccel_testkit::seed::TestRng;

pub fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples").join(name)
}

pub fn load(name: &str) -> Graph {
    load_onnx(example(name)).unwrap_or_else(|e| panic!("loading {name}: {e}"))
}

/// One random sample: uniform in [lo, hi) per input element.
pub fn random_sample(g: &Graph, rng: &mut TestRng, lo: f64, hi: f64) -> Vec<Tensor<f64>> {
    g.inputs
        .iter()
        .map(|i| {
            let n: usize = i.shape.iter().product();
            Tensor::new(i.shape.clone(), (0..n).map(|_| rng.gen_range(lo..hi)).collect()).unwrap()
        })
        .collect()
}

/// Tolerance for tract's f32 run against the exact (f64) model: f32 products and sums of K terms
/// are off by at most about K·2^-24·Σ|terms|; the example models' sums stay below 100 in
/// magnitude with K ≤ 784, giving ≈ 5e-3 in the worst case. Observed differences are ~1e-6.
pub const TRACT_F32_TOL: f64 = 5e-3;
