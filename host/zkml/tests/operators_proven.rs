#![allow(clippy::err_expect)] // the Ok types (proof files) are not Debug
//! Every supported ONNX operator proven and verified, not only laid out: each operator model of
//! host/onnx/examples (several operators per model, tiny shapes; the list in docs/operators.md)
//! goes through setup, prove and verify, and
//! * the verified public outputs equal `QuantizedModel::run` (so the circuit proves the
//!   quantized model),
//! * each dequantized output lies within the rigorous `error_bound` + TRACT_F32_TOL of tract's
//!   f32 output,
//! * the proof with one public output changed does not verify.
//!
//! The row-by-row constraint checks, tamper tests and independent integer recomputations of the
//! same operators are in cnn.rs and ops_*.rs; this file adds the proof system on top of them.

use crate::common;

use common::*;
use zkaccel_onnx::{MatmulLayout, Tensor, Visibility};
use zkaccel_zkml::pipeline;

const PRIV: Visibility = Visibility::Private;
const PUB: Visibility = Visibility::Public;
const FIX: Visibility = Visibility::Fixed;

/// Proves `model` on `sample` (input private, outputs public, params fixed) and checks the three
/// properties of the module documentation. Returns the largest |dequantized − tract| seen.
fn proven(model: &str, sample: &[Tensor<f64>], scales: (u32, u32), lanes: Option<usize>, layout: MatmulLayout) -> f64 {
    let g = load(model);
    let mut s = settings(&g, scales, (PRIV, PUB, FIX), &[sample.to_vec()]);
    s.run_args.matmul_layout = layout;
    let c = compile(model, &s, lanes);
    let (w, run) = pipeline::gen_witness(&c, &data_of(sample)).unwrap();
    let k = prove::keys(&c, 18);
    let (file, _) = pipeline::prove(&k.backend, &c, &w, &k.pk).unwrap_or_else(|e| panic!("{model} {layout:?}: proving: {e}"));
    let v = pipeline::verify_file(&k.pk.vk, &file, &c.settings, Some(&c)).unwrap_or_else(|e| panic!("{model} {layout:?}: verifying: {e}"));
    let want: Vec<Vec<i64>> = run.outputs.iter().map(|t| t.data.clone()).collect();
    assert_eq!(v.public.outputs, want, "{model} {layout:?}: proven outputs ≠ quantized model");
    let q = c.settings.quantize(&g).unwrap();
    assert_eq!(q.run(sample).unwrap().outputs, run.outputs, "{model}: witness ≠ QuantizedModel::run");
    let tract = g.tract_reference(sample).unwrap();
    let bound = q.error_bound(sample).unwrap();
    let mut worst = 0.0f64;
    for (o, ((r, t), b)) in run.outputs.iter().zip(&tract).zip(&bound).enumerate() {
        let sc = (run.output_scales[o] as f64).exp2();
        assert_eq!(r.data.len(), t.data.len(), "{model} output {o}");
        for (i, ((&v, &f), &e)) in r.data.iter().zip(&t.data).zip(&b.data).enumerate() {
            let y = v as f64 / sc;
            assert!((y - f).abs() <= e + TRACT_F32_TOL, "{model} output {o} element {i}: |{y} − {f}| > {e} + tol");
            worst = worst.max((y - f).abs());
        }
    }
    // The same proof with one public output changed does not verify.
    let mut bad = file.clone();
    let last = bad.instances[0].len() - 1;
    bad.instances[0][last] = zkaccel_zkml::field::fr_to_hex(&(zkaccel_zkml::field::fr_from_hex(&bad.instances[0][last], "instance").unwrap() + zkaccel::Fr::from(1u64)));
    assert!(pipeline::verify_file(&k.pk.vk, &bad, &c.settings, None).is_err(), "{model}: a changed output verifies");
    worst
}

fn proven_example(model: &str, input_file: &str, scales: (u32, u32), lanes: Option<usize>) -> f64 {
    let g = load(model);
    proven(model, &input(input_file, &g), scales, lanes, MatmulLayout::Mac)
}

/// Conv 2-D (grouped, strided, dilated, asymmetric pads, auto_pad SAME_LOWER, depthwise, bias),
/// BatchNormalization folded into Conv and Gemm and lowered, residual Add, broadcast Add, Sub,
/// MaxPool with pads, AveragePool (count_include_pad 0 and 1), GlobalAveragePool,
/// GlobalMaxPool, Flatten, Gemm, Relu — in both layouts of the products; Conv 1-D (stride,
/// pads, dilation, group, SAME_UPPER) with 1-D MaxPool and AveragePool; ConvTranspose (unit
/// strides, dilation, asymmetric pads, group, bias; strides 2 and 3 with output_padding, also
/// 1-D; MAC layout only, see ops_shape.rs); Pad (constant, edge, reflect).
#[test]
fn convolutions_pools_and_batch_norm_are_proven() {
    let g = load("conv2d_ops.onnx");
    let x = input("conv2d_ops_input.json", &g);
    proven("conv2d_ops.onnx", &x, (7, 7), None, MatmulLayout::Mac);
    proven("conv2d_ops.onnx", &x, (7, 7), None, MatmulLayout::Projection);
    proven_example("conv1d_ops.onnx", "conv1d_ops_input.json", (7, 7), None);
    proven_example("conv_transpose.onnx", "conv_transpose_input.json", (8, 8), Some(4));
    proven_example("conv_transpose_strided.onnx", "conv_transpose_strided_input.json", (8, 8), Some(4));
    proven_example("pad_ops.onnx", "pad_ops_input.json", (7, 7), None);
}

/// Clip (ReLU6 and a general one), LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Gelu (none
/// and tanh), Erf, Exp, Log, Sqrt by lookup tables; Concat.
#[test]
fn lookup_nonlinearities_are_proven() {
    proven_example("activations.onnx", "activations_input.json", (8, 8), None);
    proven_example("activations2.onnx", "activations2_input.json", (8, 8), None);
}

/// ReduceSum, ReduceMean, Sum (broadcasting, a constant), Mean; ReduceMax, ReduceMin, ArgMax,
/// ArgMin (a tie in the input: the first index); Div by a constant and of two computed values,
/// Softmax, LogSoftmax; Mul of two computed values, MatMul, Transpose, Reshape, Identity.
#[test]
fn reductions_selections_products_and_softmax_are_proven() {
    proven_example("reduce_ops.onnx", "reduce_ops_input.json", (7, 7), None);
    proven_example("select_ops.onnx", "select_ops_input.json", (7, 7), None);
    proven_example("div_softmax.onnx", "div_softmax_input.json", (8, 8), None);
    proven_example("ops_mix.onnx", "ops_mix_input.json", (7, 7), None);
}

/// Slice, Split, Gather, Squeeze, Unsqueeze, Concat; Shape, ConstantOfShape, Expand (folded);
/// and scikit-learn's exported MLPClassifier (Cast, MatMul, Softmax, ArgMax,
/// ArrayFeatureExtractor, Reshape).
#[test]
fn shape_operators_and_the_sklearn_export_are_proven() {
    proven_example("shape_ops.onnx", "shape_ops_input.json", (7, 7), None);
    proven_example("shape_fold.onnx", "shape_fold_input.json", (8, 8), None);
    proven_example("sklearn_mlp.onnx", "sklearn_mlp_input.json", (8, 8), None);
}
