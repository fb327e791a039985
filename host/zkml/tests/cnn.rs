#![allow(clippy::err_expect)] // the Ok types (proof files, circuits) are not Debug
//! Convolutional models in the circuit: Conv as MAC rows over the input cells, MaxPool and
//! AveragePool on their gadgets, BatchNormalization folded, residual and broadcast Adds. The
//! circuit's outputs equal `QuantizedModel::run` exactly, lie within the rigorous error bound
//! plus TRACT_F32_TOL of tract's float output, and the witness satisfies every constraint. The
//! bundled CNN (host/onnx/examples/cnn_small_28.onnx) is proven and verified end to end.

use crate::common;

use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::check_witness;
use zkaccel::plonk::Shape;
use zkaccel::srs::Srs;
use zkaccel_onnx::{Tensor, Visibility};
use zkaccel_zkml::circuit::{mac_rows, window_rows, Visibilities};
use zkaccel_zkml::pipeline;

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

/// Lays out `model` for `sample` and checks: outputs = QuantizedModel::run, |dequantized − tract|
/// ≤ error_bound + TRACT_F32_TOL per element, every constraint holds, rows as planned.
fn check_model(model: &str, sample: &[Tensor<f64>], scales: (u32, u32), vis: (Visibility, Visibility, Visibility), lanes: Option<usize>) {
    let g = load(model);
    let s = settings(&g, scales, vis, &[sample.to_vec()]);
    let c = compile(model, &s, lanes);
    let (w, _) = pipeline::gen_witness(&c, &data_of(sample)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    let q = s.quantize(&g).unwrap();
    let run = q.run(sample).unwrap();
    for (got, want) in circuit.outputs.iter().zip(&run.outputs) {
        assert_eq!(got.data, want.data, "{model} {scales:?}: circuit output ≠ quantized model");
    }
    let tract = g.tract_reference(sample).unwrap();
    let bound = q.error_bound(sample).unwrap();
    let scale = run.output_scales[0];
    for ((got, t), b) in circuit.outputs.iter().zip(&tract).zip(&bound) {
        for ((&v, &f), &e) in got.data.iter().zip(&t.data).zip(&b.data) {
            let x = v as f64 / (scale as f64).exp2();
            assert!((x - f).abs() <= e + TRACT_F32_TOL, "{model} {scales:?}: |{x} − {f}| > {e} + tol");
        }
    }
    let failures = check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
    assert!(failures.is_empty(), "{model} {scales:?} lanes {lanes:?}: {failures:?}");
    assert_eq!(circuit.rows_used, c.plan.mac_rows);
    assert!(c.plan.mac_rows.max(c.plan.window_rows).max(c.plan.io_rows) <= 1 << c.plan.k);
}

#[test]
fn conv2d_ops_match_quantized_model_and_tract() {
    // Grouped/strided/dilated/padded Conv with folded BN, depthwise-separable block, residual
    // Add, MaxPool with pads, AveragePool (count_include_pad 0 and 1), GlobalAveragePool,
    // broadcast Add, lowered BN, GlobalMaxPool, Gemm with folded BN.
    let g = load("conv2d_ops.onnx");
    let mut rng = ChaCha20Rng::seed_from_u64(18);
    check_model("conv2d_ops.onnx", &input("conv2d_ops_input.json", &g), (7, 7), (PRIV, PUB, FIX), None);
    for (lanes, vis) in [(Some(1), (PUB, PUB, PRIV)), (Some(5), (PRIV, PUB, FIX)), (Some(16), (FIX, PUB, PUB))] {
        let scales = (rng.gen_range(5..10), rng.gen_range(5..10));
        check_model("conv2d_ops.onnx", &random_sample(&g, &mut rng, -1.0, 1.0), scales, vis, lanes);
    }
}

#[test]
fn conv1d_ops_match_quantized_model_and_tract() {
    let g = load("conv1d_ops.onnx");
    let mut rng = ChaCha20Rng::seed_from_u64(19);
    check_model("conv1d_ops.onnx", &input("conv1d_ops_input.json", &g), (7, 7), (PRIV, PUB, FIX), None);
    for lanes in [Some(1), Some(3)] {
        let scales = (rng.gen_range(4..10), rng.gen_range(4..10));
        check_model("conv1d_ops.onnx", &random_sample(&g, &mut rng, -1.0, 1.0), scales, (PRIV, PUB, FIX), lanes);
    }
}

#[test]
fn conv_rows_are_one_product_per_output_over_its_window() {
    // cnn_small_28: Conv(1→4, 5x5) on 28x28 → 24x24, pool → 12x12, Conv(4→8, 5x5) → 8x8, pool →
    // 4x4, Gemm 128→32, Gemm 32→10. One product per output over the window's input cells (no
    // im2col tensor: the lanes read the input cells by copy constraints), and one max-pool row
    // per window element.
    let g = load("cnn_small_28.onnx");
    let sample = input("cnn_input.json", &g);
    let s = settings(&g, (7, 7), (PRIV, PUB, FIX), &[sample]);
    let q = s.quantize(&g).unwrap();
    let vis = Visibilities::of(&s);
    for l in [1usize, 4, 8, 16] {
        let r = |cols: usize| cols.div_ceil(l) + 1;
        let want = 784 + 4 * 576 * r(25) + 8 * 64 * r(100) + 32 * r(128) + 10 * r(32);
        assert_eq!(mac_rows(&q, l, vis).unwrap(), want, "lanes {l}");
    }
    assert_eq!(window_rows(&q, vis).unwrap(), (4 * 144 * 4 + 8 * 16 * 4, 0));
    // Padded windows count only their taps inside the input. conv1d_ops: conv1d_a (2→4, k 3,
    // stride 2, pads [1, 1]) on 16 → 8: position 0 has 2 taps, the others 3 (× 2 channels);
    // conv1d_b (4→4, group 2, k 3, dilation 2, SAME_UPPER: pads [2, 2]) on 8 → 8: positions 0,
    // 1, 6, 7 have 2 taps, 2…5 have 3 (× 2 channels per group); Gemm 12 → 3; 32 input checks.
    let g = load("conv1d_ops.onnx");
    let sample = input("conv1d_ops_input.json", &g);
    let s = settings(&g, (6, 6), (PRIV, PUB, FIX), &[sample]);
    let q = s.quantize(&g).unwrap();
    let vis = Visibilities::of(&s);
    for l in [1usize, 2, 3, 8] {
        let r = |cols: usize| cols.div_ceil(l) + 1;
        let want = 32 + 4 * (r(4) + 7 * r(6)) + 4 * (4 * r(4) + 4 * r(6)) + 3 * r(12);
        assert_eq!(mac_rows(&q, l, vis).unwrap(), want, "lanes {l}");
    }
    // MaxPool k 2 s 2 on 8 → 4 windows of 2; AveragePool k 2 s 1 on 4 → 3 windows of 2.
    assert_eq!(window_rows(&q, vis).unwrap(), (4 * 4 * 2, 4 * 3 * 2));
}

#[test]
fn bundled_cnn_is_proven_end_to_end() {
    let model = "cnn_small_28.onnx";
    let g = load(model);
    let sample = input("cnn_input.json", &g);
    let calibration = zkaccel_onnx::InputData::load(example("cnn_calibration.json")).unwrap().samples(&g).unwrap();
    let s = settings(&g, (7, 7), (PRIV, PUB, FIX), &calibration);
    let c = compile(model, &s, None);
    let (w, run) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let layout = pipeline::layout_for_setup(&c, None).unwrap();
    let shape = Shape::new(&layout.cs, c.plan.k).unwrap();
    let srs = Srs::insecure_dev(shape.srs_degree, &mut ChaCha20Rng::seed_from_u64(28)).unwrap();
    let backend = CpuBackend::new();
    let pk = pipeline::setup(&backend, &c, &srs, None).unwrap();
    let (file, _) = pipeline::prove(&backend, &c, &w, &pk).unwrap();
    let v = pipeline::verify_file(&pk.vk, &file, &c.settings, Some(&c)).unwrap();
    assert_eq!(v.public.outputs, vec![run.outputs[0].data.clone()]);
    // The proven outputs are within the stated bound of tract's float run.
    let q = c.settings.quantize(&g).unwrap();
    let tract = g.tract_reference(&sample).unwrap();
    let bound = q.error_bound(&sample).unwrap();
    for ((&v, &f), &e) in run.outputs[0].data.iter().zip(&tract[0].data).zip(&bound[0].data) {
        let x = v as f64 / (run.output_scales[0] as f64).exp2();
        assert!((x - f).abs() <= e + TRACT_F32_TOL, "|{x} − {f}| > {e} + tol");
    }
    // Another public output does not verify.
    let mut bad = file.clone();
    let one = zkaccel_zkml::field::fr_to_hex(&zkaccel::Fr::from(1u64));
    bad.instances[0][0] = one;
    assert!(pipeline::verify_file(&pk.vk, &bad, &c.settings, None).is_err());
}

#[test]
fn a_tampered_max_pool_output_breaks_the_model_circuit() {
    // In the model's circuit: the first max-pool window's m cells set one above the true maximum
    // (an upper bound of the window, but no element), p recomputed to match: `max_last` objects
    // (and the copies of the output into its readers).
    let model = "conv1d_ops.onnx";
    let g = load(model);
    let sample = input("conv1d_ops_input.json", &g);
    let s = settings(&g, (7, 7), (PRIV, PUB, FIX), std::slice::from_ref(&sample));
    let c = compile(model, &s, Some(2));
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    let cs = &circuit.cs;
    assert!(check_witness(cs, &circuit.fixed, &circuit.witness, &circuit.instances, 3).unwrap().is_empty());
    // The max gadget's advice columns are declared x, m, p; `max_last` reads p.
    let p_col = advice_read_by(cs, "max_last");
    let (m_col, x_col) = (p_col - 1, p_col - 2);
    let one = zkaccel::Fr::from(1u64);
    let mut wit = circuit.witness.clone();
    // Window 0 occupies rows 0 and 1 of the gadget (kernel 2).
    let mut p = one;
    for row in 0..2 {
        wit.advice[m_col][row] += one;
        p *= wit.advice[m_col][row] - wit.advice[x_col][row];
        wit.advice[p_col][row] = p;
    }
    let f = check_witness(cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
    assert!(f.iter().any(|f| matches!(f, zkaccel::plonk::dev::Failure::Gate { gate, row: 1, .. } if gate == "max_last")), "{f:?}");
    assert!(!f.iter().any(|f| matches!(f, zkaccel::plonk::dev::Failure::Lookup { .. })), "m − x stays in range: {f:?}");
}

/// The advice column the first constraint of gate `name` reads.
fn advice_read_by(cs: &zkaccel::plonk::ConstraintSystem, name: &str) -> usize {
    let gate = cs.gates.iter().find(|g| g.name == name).expect("gate");
    let mut advice = vec![];
    collect_advice(&gate.constraints[0], &mut advice);
    advice[0]
}

fn collect_advice(e: &zkaccel::plonk::Expression, out: &mut Vec<usize>) {
    use zkaccel::plonk::{ColumnKind, Expression as E};
    match e {
        E::Query(q) if q.column.kind == ColumnKind::Advice => out.push(q.column.index),
        E::Negated(a) | E::Scaled(a, _) => collect_advice(a, out),
        E::Sum(a, b) | E::Product(a, b) => {
            collect_advice(a, out);
            collect_advice(b, out);
        }
        _ => {}
    }
}
