//! The circuit builder against independent models: the circuit's outputs equal
//! `QuantizedModel::run` exactly and lie within the stated tolerance of tract's float output,
//! and every gate, lookup and copy holds on the witness (row-by-row checker); broken witnesses
//! are caught.

use crate::common;

use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkaccel::plonk::dev::check_witness;
use zkaccel_onnx::{Tensor, Visibility};
use zkaccel_zkml::circuit::{mac_rows, plan, Visibilities};
use zkaccel_zkml::{pipeline, ExitCode};

const PRIV: Visibility = Visibility::Private;
const PUB: Visibility = Visibility::Public;
const FIX: Visibility = Visibility::Fixed;

fn random_sample(g: &zkaccel_onnx::Graph, rng: &mut ChaCha20Rng, lo: f64, hi: f64) -> Vec<Tensor<f64>> {
    g.inputs
        .iter()
        .map(|i| {
            let n: usize = i.shape.iter().product();
            Tensor::new(i.shape.clone(), (0..n).map(|_| rng.gen_range(lo..hi)).collect()).unwrap()
        })
        .collect()
}

/// Builds the circuit for `sample` and checks: outputs = QuantizedModel::run (computed apart
/// from the circuit), |dequantized − tract| ≤ error_bound + TRACT_F32_TOL per element, and the
/// witness satisfies every constraint.
fn check_model(model: &str, sample: &[Tensor<f64>], scales: (u32, u32), vis: (Visibility, Visibility, Visibility), lanes: Option<usize>) {
    let g = load(model);
    let s = settings(&g, scales, vis, &[sample.to_vec()]);
    let c = compile(model, &s, lanes);
    let (w, _) = pipeline::gen_witness(&c, &data_of(sample)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    // Independent evaluation: the quantized model's own integer inference.
    let q = s.quantize(&g).unwrap();
    let run = q.run(sample).unwrap();
    assert_eq!(circuit.outputs.len(), run.outputs.len());
    for (got, want) in circuit.outputs.iter().zip(&run.outputs) {
        assert_eq!(got.data, want.data, "{model} {scales:?}: circuit output ≠ quantized model");
        assert_eq!(got.shape, want.shape);
    }
    // Within the stated tolerance of tract's float output.
    let tract = g.tract_reference(sample).unwrap();
    let bound = q.error_bound(sample).unwrap();
    for ((got, t), b) in circuit.outputs.iter().zip(&tract).zip(&bound) {
        let scale = run.output_scales[0];
        for ((&v, &f), &e) in got.data.iter().zip(&t.data).zip(&b.data) {
            let x = v as f64 / (scale as f64).exp2();
            assert!((x - f).abs() <= e + TRACT_F32_TOL, "{model} {scales:?}: |{x} − {f}| > {e} + tol");
        }
    }
    let failures = check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
    assert!(failures.is_empty(), "{model} {scales:?} lanes {lanes:?}: {failures:?}");
    assert_eq!(circuit.rows_used, c.plan.mac_rows);
    assert!(c.plan.mac_rows <= 1 << c.plan.k && c.plan.io_rows <= 1 << c.plan.k);
}

#[test]
fn tiny_model_matches_quantized_model_and_tract_for_many_scales_and_lanes() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let g = load("tiny_4_8_3.onnx");
    for (i, lanes) in [Some(1), Some(3), Some(8), None, Some(2), Some(5)].into_iter().enumerate() {
        let scales = (rng.gen_range(2..12), rng.gen_range(1..12));
        let sample = if i == 0 { input("tiny_input.json", &g) } else { random_sample(&g, &mut rng, -2.0, 2.0) };
        check_model("tiny_4_8_3.onnx", &sample, scales, (PRIV, PUB, FIX), lanes);
    }
}

#[test]
fn every_supported_op_matches_quantized_model_and_tract() {
    // ops_mix: Gemm (transA, alpha, beta), MatMul, Add, Sub, Mul by constants, Relu, Flatten,
    // Reshape, Transpose, Identity.
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let g = load("ops_mix.onnx");
    let ops: std::collections::BTreeSet<&str> = g.nodes.iter().map(|n| n.op_type.as_str()).collect();
    for op in ["Gemm", "MatMul", "Add", "Sub", "Mul", "Relu", "Flatten", "Reshape", "Transpose", "Identity"] {
        assert!(ops.contains(op), "ops_mix lacks {op}: {ops:?}");
    }
    check_model("ops_mix.onnx", &input("ops_mix_input.json", &g), (7, 7), (PRIV, PUB, FIX), None);
    for lanes in [Some(1), Some(4)] {
        let scales = (rng.gen_range(4..11), rng.gen_range(3..11));
        let sample = random_sample(&g, &mut rng, -1.0, 1.0);
        check_model("ops_mix.onnx", &sample, scales, (PUB, PUB, PRIV), lanes);
    }
}

#[test]
fn mlp_matches_quantized_model_and_tract() {
    let g = load("mlp_784_128_10.onnx");
    let sample = input("mlp_input.json", &g);
    check_model("mlp_784_128_10.onnx", &sample, (8, 11), (PRIV, PUB, FIX), None);
    check_model("mlp_784_128_10.onnx", &sample, (7, 7), (PRIV, PUB, FIX), Some(8));
}

#[test]
fn the_planner_picks_the_fewest_rows() {
    let g = load("mlp_784_128_10.onnx");
    let sample = input("mlp_input.json", &g);
    let s = settings(&g, (8, 11), (PRIV, PUB, FIX), &[sample]);
    let q = s.quantize(&g).unwrap();
    // 784 input range checks, 128 outputs of 784 inputs (ReLU fused into the rescale rows), 10
    // of 128; no input range checks with fixed inputs.
    let vis = Visibilities::of(&s);
    for l in [1usize, 4, 8, 16] {
        let products = 128 * (784usize.div_ceil(l) + 1) + 10 * (128usize.div_ceil(l) + 1);
        assert_eq!(mac_rows(&q, l, vis).unwrap(), 784 + products);
        let fixed = Visibilities { input: FIX, ..vis };
        assert_eq!(mac_rows(&q, l, fixed).unwrap(), products);
    }
    let p = plan(&q, &s, None).unwrap();
    for l in [1usize, 2, 4, 8] {
        let other = plan(&q, &s, Some(l)).unwrap();
        assert!(p.k <= other.k, "auto chose 2^{} but {l} lanes fit 2^{}", p.k, other.k);
    }
    assert_eq!(p.k, 13, "784-128-10 at 16 lanes: 7274 rows");
}

#[test]
fn broken_witnesses_are_caught_by_the_constraints() {
    let g = load("tiny_4_8_3.onnx");
    let sample = input("tiny_input.json", &g);
    let s = settings(&g, (6, 6), (PUB, PUB, FIX), std::slice::from_ref(&sample));
    let c = compile("tiny_4_8_3.onnx", &s, Some(2));
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    let check = |cs: &_, fixed: &_, wit: &_, inst: &_| check_witness(cs, fixed, wit, inst, 3).unwrap();
    assert!(check(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances).is_empty());
    // Another public output: the public_io gate fails.
    let mut inst = circuit.instances.clone();
    let last = inst[0].len() - 1;
    inst[0][last] += zkaccel::Fr::from(1u64);
    assert!(!check(&circuit.cs, &circuit.fixed, &circuit.witness, &inst).is_empty());
    // Another public input: its io cell no longer matches the instance.
    let mut inst = circuit.instances.clone();
    inst[0][0] += zkaccel::Fr::from(1u64);
    assert!(!check(&circuit.cs, &circuit.fixed, &circuit.witness, &inst).is_empty());
    // Every advice cell of the io column changed in turn breaks a gate or a copy.
    let io = circuit.cs.num_advice - 1;
    for row in 0..c.plan.io_rows {
        let mut wit = circuit.witness.clone();
        wit.advice[io][row] += zkaccel::Fr::from(1u64);
        assert!(!check(&circuit.cs, &circuit.fixed, &wit, &circuit.instances).is_empty(), "io row {row}");
    }
}

#[test]
fn products_of_two_computed_values_are_named_errors() {
    let g = load("act_matmul.onnx");
    let sample = input("act_matmul_input.json", &g);
    let s = settings(&g, (6, 6), (PRIV, PUB, FIX), &[sample]);
    let bytes = std::fs::read(example("act_matmul.onnx")).unwrap();
    let e = zkaccel_zkml::compiled::CompiledCircuit::compile(bytes, &s, None).unwrap_err();
    assert_eq!(e.code, ExitCode::BadInput);
    assert!(e.message.contains("two computed values") && e.message.contains("node"), "{e}");
}

#[test]
fn inputs_outside_the_calibrated_range_are_named_errors() {
    let g = load("tiny_4_8_3.onnx");
    let sample = input("tiny_input.json", &g);
    let s = settings(&g, (6, 6), (PRIV, PUB, FIX), std::slice::from_ref(&sample));
    let c = compile("tiny_4_8_3.onnx", &s, None);
    let big: Vec<Tensor<f64>> = sample.iter().map(|t| t.map(|v| v * 50.0)).collect();
    let (w, _) = pipeline::gen_witness(&c, &data_of(&big)).unwrap();
    let e = pipeline::circuit_for_witness(&c, &w).err().expect("out of range");
    assert_eq!(e.code, ExitCode::BadInput);
    assert!(e.message.contains("recalibrate"), "{e}");
}

#[test]
fn private_inputs_are_range_checked() {
    // A private input changed to a value outside the lookup range (here a huge field element
    // with the MAC rows adjusted would be the attack): the range-check row's lookup fails.
    let g = load("tiny_4_8_3.onnx");
    let sample = input("tiny_input.json", &g);
    let s = settings(&g, (6, 6), (PRIV, PUB, FIX), std::slice::from_ref(&sample));
    let c = compile("tiny_4_8_3.onnx", &s, Some(2));
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    let cs = &circuit.cs;
    assert!(check_witness(cs, &circuit.fixed, &circuit.witness, &circuit.instances, 3).unwrap().is_empty());
    // Column order of MacConfig: lanes x, then acc, q, r, y (weights are fixed columns here).
    let (acc, q) = (c.plan.lanes, c.plan.lanes + 1);
    let io = cs.num_advice - 1;
    let big = zkaccel::Fr::from(1u64 << 40);
    let mut wit = circuit.witness.clone();
    // Input 0 sits in the io row after the public outputs, and its range-check row is row 0.
    let outputs: usize = g.outputs.iter().map(|o| o.shape.iter().product::<usize>()).sum();
    assert_eq!(circuit.witness.advice[io][outputs], circuit.witness.advice[q][0]);
    wit.advice[io][outputs] = big;
    wit.advice[q][0] = big;
    wit.advice[acc][0] = big * zkaccel::Fr::from(1u64 << c.plan.shift);
    let failures = check_witness(cs, &circuit.fixed, &wit, &circuit.instances, 10).unwrap();
    // The range-check row's lookup rejects the value (the copies into the MAC lanes, not
    // adjusted here, fail too).
    assert!(failures.iter().any(|f| format!("{f:?}") == "Lookup { lookup: \"relu\", row: 0 }"), "{failures:?}");
}
