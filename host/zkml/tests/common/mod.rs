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

/// tiny_4_8_3.onnx with one weight's sign flipped: the same architecture, other weights (the
/// first weight above 0.05 in magnitude whose f32 bytes occur once in the file).
pub fn tiny_with_other_weights() -> Vec<u8> {
    let bytes = std::fs::read(example("tiny_4_8_3.onnx")).unwrap();
    let g = load("tiny_4_8_3.onnx");
    for t in g.constants.values() {
        for &v in &t.data {
            let pat = (v as f32).to_le_bytes();
            let hits: Vec<usize> = bytes.windows(4).enumerate().filter(|(_, w)| *w == pat).map(|(i, _)| i).collect();
            if hits.len() == 1 && v.abs() > 0.05 {
                let mut b = bytes.clone();
                b[hits[0]..hits[0] + 4].copy_from_slice(&((-v) as f32).to_le_bytes());
                return b;
            }
        }
    }
    panic!("no unique weight to change in tiny_4_8_3.onnx");
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

/// The advice columns an expression reads, in the order they appear.
pub fn advice_in(e: &zkaccel::plonk::Expression, out: &mut Vec<usize>) {
    use zkaccel::plonk::{ColumnKind, Expression as E};
    match e {
        E::Query(q) if q.column.kind == ColumnKind::Advice => out.push(q.column.index),
        E::Negated(a) | E::Scaled(a, _) => advice_in(a, out),
        E::Sum(a, b) | E::Product(a, b) => {
            advice_in(a, out);
            advice_in(b, out);
        }
        _ => {}
    }
}

/// The advice columns read by the inputs of lookup `name`, in order.
pub fn lookup_advice(cs: &zkaccel::plonk::ConstraintSystem, name: &str) -> Vec<usize> {
    let lk = cs.lookups.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("no lookup {name}"));
    let mut out = vec![];
    for e in &lk.inputs {
        advice_in(e, &mut out);
    }
    out
}

/// Compiles `model` at `scales` (ranges from `x`), lays out the circuit for `x` and checks: the
/// circuit's outputs equal the quantized model's, every output lies within the quantized
/// model's error bound (+ the f32 tolerance) of tract, every constraint holds. Returns the
/// circuit and the quantized run.
pub fn checked_model_circuit(
    model: &str,
    x: &[Tensor<f64>],
    scales: (u32, u32),
    vis: (Visibility, Visibility, Visibility),
    lanes: Option<usize>,
) -> (zkaccel_zkml::circuit::ModelCircuit, zkaccel_onnx::QuantRun, Vec<Tensor<f64>>) {
    use zkaccel_zkml::pipeline;
    let g = load(model);
    let s = settings(&g, scales, vis, &[x.to_vec()]);
    let c = compile(model, &s, lanes);
    let (w, run) = pipeline::gen_witness(&c, &data_of(x)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    for (got, want) in circuit.outputs.iter().zip(&run.outputs) {
        assert_eq!(got.data, want.data);
    }
    let q = s.quantize(&g).unwrap();
    let tract = g.tract_reference(x).unwrap();
    let bound = q.error_bound(x).unwrap();
    for (o, ((t, b), r)) in tract.iter().zip(&bound).zip(&run.outputs).enumerate() {
        let sc = run.output_scales[o];
        for (i, ((&v, &f), &e)) in r.data.iter().zip(&t.data).zip(&b.data).enumerate() {
            let y = v as f64 / (sc as f64).exp2();
            assert!((y - f).abs() <= e + TRACT_F32_TOL, "{model} output {o} element {i}: |{y} − {f}| > {e}");
        }
    }
    let f = zkaccel::plonk::dev::check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
    assert!(f.is_empty(), "{model}: {f:?}");
    (circuit, run, bound)
}
