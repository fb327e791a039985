//! Slice, Split, Gather (constant indices), Squeeze, Unsqueeze and Concat in the circuit: cells
//! are moved (no rows), outputs equal the quantized model and lie within the error bound of
//! tract, every constraint holds.

use crate::common;

use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkaccel::plonk::dev::check_witness;
use zkaccel_onnx::{Tensor, Visibility};
use zkaccel_zkml::circuit::{mac_rows, Visibilities};
use zkaccel_zkml::pipeline;

#[test]
fn shape_ops_match_quantized_model_and_tract_without_rows() {
    let model = "shape_ops.onnx";
    let g = load(model);
    let mut rng = ChaCha20Rng::seed_from_u64(22);
    for (i, lanes) in [None, Some(2)].into_iter().enumerate() {
        let x = if i == 0 {
            input("shape_ops_input.json", &g)
        } else {
            vec![Tensor::new(vec![1, 3, 4, 6], (0..72).map(|_| rng.gen_range(-1.0..1.0)).collect()).unwrap()]
        };
        let scales = (rng.gen_range(4..10), rng.gen_range(4..10));
        let s = settings(&g, scales, (Visibility::Private, Visibility::Public, Visibility::Fixed), std::slice::from_ref(&x));
        let q = s.quantize(&g).unwrap();
        // Rows at 2 lanes: 72 input range checks and the Add (72 elements × 2 rows); the shape
        // ops take none, and the final Relu is free: every operand of the Concat (input, relu,
        // add) has ReLU cells, which the Concat moves along.
        let l = 2;
        assert_eq!(mac_rows(&q, l, Visibilities::of(&s)).unwrap(), 72 + 72 * 2);
        let c = compile(model, &s, lanes);
        let (w, run) = pipeline::gen_witness(&c, &data_of(&x)).unwrap();
        let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
        assert_eq!(circuit.outputs[0].data, run.outputs[0].data);
        let tract = g.tract_reference(&x).unwrap();
        let bound = q.error_bound(&x).unwrap();
        let sc = run.output_scales[0];
        for ((&v, &f), &e) in run.outputs[0].data.iter().zip(&tract[0].data).zip(&bound[0].data) {
            let y = v as f64 / (sc as f64).exp2();
            assert!((y - f).abs() <= e + TRACT_F32_TOL, "|{y} − {f}| > {e}");
        }
        let f = check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
        assert!(f.is_empty(), "{f:?}");
    }
}

#[test]
fn pads_match_quantized_model_and_tract() {
    // Pad constant 0.5 (asymmetric) before a Conv, edge and reflect after it: the constant is a
    // cell of the fixed `constants` column, edge/reflect select cells.
    let model = "pad_ops.onnx";
    let g = load(model);
    let mut rng = ChaCha20Rng::seed_from_u64(24);
    for (i, lanes) in [None, Some(1)].into_iter().enumerate() {
        let x = if i == 0 {
            input("pad_ops_input.json", &g)
        } else {
            vec![Tensor::new(vec![1, 2, 4, 4], (0..32).map(|_| rng.gen_range(-1.0..1.0)).collect()).unwrap()]
        };
        let scales = (rng.gen_range(4..10), rng.gen_range(4..10));
        let s = settings(&g, scales, (Visibility::Private, Visibility::Public, Visibility::Fixed), std::slice::from_ref(&x));
        let c = compile(model, &s, lanes);
        let (w, run) = pipeline::gen_witness(&c, &data_of(&x)).unwrap();
        let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
        assert_eq!(circuit.outputs[0].data, run.outputs[0].data);
        // The constant padding reaches the Conv: with 0.5 at scale s in the padded input.
        let padded = &run.values["pad_const_out"];
        assert_eq!(padded.shape, [1, 2, 7, 7]);
        assert_eq!(padded.data[0], (0.5f64 * (scales.0 as f64).exp2()).round() as i64);
        let q = s.quantize(&g).unwrap();
        let tract = g.tract_reference(&x).unwrap();
        let bound = q.error_bound(&x).unwrap();
        let sc = run.output_scales[0];
        for ((&v, &f), &e) in run.outputs[0].data.iter().zip(&tract[0].data).zip(&bound[0].data) {
            let y = v as f64 / (sc as f64).exp2();
            assert!((y - f).abs() <= e + TRACT_F32_TOL, "|{y} − {f}| > {e}");
        }
        let f = check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
        assert!(f.is_empty(), "{f:?}");
        // The constant is in a fixed column: changing the value the MAC lanes read breaks a copy.
        if i == 0 {
            let x0 = 0; // the first MAC lane; the Conv's first window starts in the padding
            let mut wit = circuit.witness.clone();
            let row = (0..1 << c.plan.k).find(|&r| circuit.witness.advice[x0][r] == zkaccel::plonk::mac::signed_to_fr(padded.data[0])).unwrap();
            wit.advice[x0][row] += zkaccel::Fr::from(1u64);
            let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
            assert!(f.iter().any(|f| matches!(f, zkaccel::plonk::dev::Failure::Copy { .. })), "{f:?}");
        }
    }
}

/// Shape and ConstantOfShape fold into constants at import, Expand of a computed value becomes a
/// selection of its cells: the graph keeps Add, Expand and Relu; the circuit equals the
/// quantized model and tract within the bound, every constraint holds.
#[test]
fn shape_constant_of_shape_and_expand_fold_at_import() {
    let model = "shape_fold.onnx";
    let g = load(model);
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(ops, ["Add", "Expand", "Relu"]);
    let x = input("shape_fold_input.json", &g);
    let (_, run, _) = checked_model_circuit(model, &x, (8, 8), (Visibility::Private, Visibility::Public, Visibility::Fixed), None);
    // Expand repeats the [2, 3] block 4 times: relu(x + 0.5) at scale 8.
    let block: Vec<i64> = x[0].data.iter().map(|v| (((v * 256.0).round() as i64) + 128).max(0)).collect();
    assert_eq!(run.outputs[0].data, block.repeat(4));
}

/// ConvTranspose with unit strides (dilation, asymmetric pads, bias, groups) lowered to a Conv
/// with the flipped, channel-swapped kernel: the circuit equals the quantized model and tract
/// within the bound, every constraint holds (strides > 1: the next test).
#[test]
fn conv_transpose_with_unit_strides_is_proven_as_a_conv() {
    let model = "conv_transpose.onnx";
    let g = load(model);
    assert_eq!(g.nodes.iter().map(|n| n.op_type.as_str()).collect::<Vec<_>>(), ["Conv", "Relu", "Conv"]);
    assert_eq!(g.outputs[0].shape, [1, 4, 7, 9]);
    let x = input("conv_transpose_input.json", &g);
    checked_model_circuit(model, &x, (8, 8), (Visibility::Private, Visibility::Public, Visibility::Fixed), Some(4));
}

/// ConvTranspose with strides > 1 (2-D stride 2 with output_padding and bias; grouped with
/// strides (1, 2); 1-D stride 3 with dilation 2 and output_padding 2): the input's zero-insertion
/// (Reshape, Pad, Reshape, Slice: cells moved, one constant cell) then the unit-stride Conv. The
/// zero-inserted tensor holds the quantized input at the stride's multiples and 0 elsewhere; the
/// circuit equals the quantized model and tract within the bound, every constraint holds.
#[test]
fn conv_transpose_with_strides_is_zero_insertion_and_a_conv() {
    let model = "conv_transpose_strided.onnx";
    let g = load(model);
    let zero_insert = ["Reshape", "Pad", "Reshape", "Slice"];
    let ops: Vec<&str> = [&zero_insert[..], &["Conv", "Relu"], &zero_insert, &["Conv", "Reshape"], &zero_insert, &["Conv"]].concat();
    assert_eq!(g.nodes.iter().map(|n| n.op_type.as_str()).collect::<Vec<_>>(), ops);
    assert_eq!(g.outputs.iter().map(|o| o.shape.clone()).collect::<Vec<_>>(), [vec![1, 2, 8, 12], vec![1, 2, 28]]);
    let x = input("conv_transpose_strided_input.json", &g);
    let (_, run, _) = checked_model_circuit(model, &x, (8, 8), (Visibility::Private, Visibility::Public, Visibility::Fixed), Some(4));
    // ct1's input [1, 2, 3, 3] zero-inserted with strides (2, 2), output_padding (1, 0):
    // [1, 2, 6, 5].
    let q = &run.values["input"];
    let z = &run.values["ct1_out/zero_insert/slice"];
    assert_eq!(z.shape, [1, 2, 6, 5]);
    for c in 0..2 {
        for h in 0..6 {
            for w in 0..5 {
                let want = if h % 2 == 0 && w % 2 == 0 { q.data[(c * 3 + h / 2) * 3 + w / 2] } else { 0 };
                assert_eq!(z.data[(c * 6 + h) * 5 + w], want, "channel {c} ({h}, {w})");
            }
        }
    }
    // ct3's input [1, 2, 9] with stride 3, output_padding 2: [1, 2, 27].
    let z = &run.values["ct3_out/zero_insert/slice"];
    assert_eq!(z.shape, [1, 2, 27]);
    for (i, &v) in z.data.iter().enumerate() {
        let (c, t) = (i / 27, i % 27);
        assert_eq!(v, if t % 3 == 0 { q.data[c * 9 + t / 3] } else { 0 }, "channel {c} position {t}");
    }
    assert!(q.data.iter().all(|&v| v != 0), "a zero input would not tell the inserted zeros apart");
    // The projection layout reads a Conv's inputs in advice cells, and the inserted zeros are the
    // Pad's constant cell (a fixed column): a named error that points to the MAC layout.
    let mut s = settings(&g, (8, 8), (Visibility::Private, Visibility::Public, Visibility::Fixed), std::slice::from_ref(&x));
    s.run_args.matmul_layout = zkaccel_onnx::MatmulLayout::Projection;
    match pipeline::layout_for_setup(&compile(model, &s, None), None) {
        Ok(_) => panic!("the projection layout laid out a Conv over a constant cell"),
        Err(e) => assert!(e.to_string().contains("\"ct1\"") && e.to_string().contains("use matmul_layout \"mac\""), "{e}"),
    }
}
