//! Import: the graph mirrors the file; unsupported, malformed and non-finite inputs are errors.

use crate::common;

use common::{example, load};
use zkaccel_onnx::{import, load_onnx, Error, InputData, Op, Tensor};

#[test]
fn mlp_graph_mirrors_the_file() {
    let g = load("mlp_784_128_10.onnx");
    let names: Vec<(&str, &str)> = g.nodes.iter().map(|n| (n.name.as_str(), n.op_type.as_str())).collect();
    assert_eq!(names, [("flatten", "Flatten"), ("fc1", "Gemm"), ("relu1", "Relu"), ("fc2", "Gemm")]);
    assert_eq!(g.inputs.len(), 1);
    assert_eq!(g.inputs[0].shape, [1, 1, 28, 28]);
    assert_eq!(g.outputs[0].shape, [1, 10]);
    assert_eq!(g.nodes[0].output_shape, [1, 784]);
    assert_eq!(g.nodes[1].output_shape, [1, 128]);
    assert_eq!(g.nodes[1].op, Op::Gemm { alpha: 1.0, beta: 1.0, trans_a: false, trans_b: true });
    assert_eq!(g.constants["fc1.weight"].shape, [128, 784]);
    assert_eq!(g.constants["fc2.bias"].shape, [10]);
    assert_eq!(g.mac_count(), 784 * 128 + 128 * 10);
    assert!(g.folded.is_empty());
}

#[test]
fn ops_mix_has_every_supported_op() {
    let g = load("ops_mix.onnx");
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(
        ops,
        ["Reshape", "Transpose", "Identity", "Reshape", "Flatten", "MatMul", "Add", "Sub", "Mul", "Relu", "Add", "Transpose", "Gemm"]
    );
    assert_eq!(g.nodes[0].op, Op::Reshape { shape: vec![2, 3] });
    assert_eq!(g.nodes[1].op, Op::Transpose { perm: vec![1, 0] });
    // Reshape consumes its shape operand at import: only the data input remains.
    assert_eq!(g.nodes[0].inputs, ["input"]);
    let gemm = g.nodes.last().unwrap();
    assert_eq!(gemm.op, Op::Gemm { alpha: 0.75, beta: 0.5, trans_a: true, trans_b: false });
    assert_eq!(gemm.output_shape, [1, 4]);
}

#[test]
fn unsupported_op_is_named_with_its_node() {
    let err = load_onnx(example("unsupported_hardmax.onnx")).unwrap_err();
    match &err {
        Error::UnsupportedOp { op_type, node, .. } => {
            assert_eq!(op_type, "Hardmax");
            assert_eq!(node, "probabilities");
        }
        other => panic!("expected UnsupportedOp, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("Hardmax") && msg.contains("probabilities"), "{msg}");
    // The former example of an unsupported operator, a Softmax, imports now (lowered).
    let g = load_onnx(example("unsupported_softmax.onnx")).unwrap();
    assert!(g.nodes.iter().any(|n| n.name == "probabilities/normalise"));
}

#[test]
fn truncated_file_is_a_clear_error() {
    let err = load_onnx(example("tiny_truncated.onnx")).unwrap_err();
    assert!(matches!(err, Error::Malformed(_)), "{err:?}");
    assert!(err.to_string().starts_with("malformed ONNX model"), "{err}");
}

#[test]
fn every_prefix_of_a_model_is_handled_without_panic() {
    let bytes = std::fs::read(example("tiny_4_8_3.onnx")).unwrap();
    let full = import(&bytes).expect("full file imports");
    let mut errors = 0;
    for len in 0..bytes.len() {
        match import(&bytes[..len]) {
            Err(_) => errors += 1,
            // A cut exactly at a field boundary after the graph leaves a complete graph; it must
            // then be the same graph.
            Ok(g) => assert_eq!(g.nodes, full.nodes, "prefix of {len} bytes imported a different graph"),
        }
    }
    // Every prefix that ends inside the graph fails.
    assert!(errors >= bytes.len() * 9 / 10, "only {errors} of {} prefixes failed", bytes.len());
}

#[test]
fn garbage_and_empty_bytes_are_errors() {
    assert!(matches!(import(b""), Err(Error::Malformed(_))));
    assert!(matches!(import(b"this is not a protobuf \xff\xff\xff\xff"), Err(Error::Malformed(_))));
    let e = load_onnx(example("does_not_exist.onnx")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
}

#[test]
fn nan_weight_is_rejected_with_its_tensor() {
    let err = load_onnx(example("tiny_nan_weight.onnx")).unwrap_err();
    match err {
        Error::NonFiniteConstant { tensor, index, value } => {
            assert_eq!(tensor, "fc1.weight");
            assert_eq!(index, 4 + 2); // w[1, 2] of a [8, 4] matrix
            assert!(value.is_nan());
        }
        other => panic!("expected NonFiniteConstant, got {other:?}"),
    }
}

#[test]
fn wrong_input_shapes_are_errors() {
    let g = load("tiny_4_8_3.onnx");
    let bad = Tensor::new(vec![5], vec![0.0; 5]).unwrap();
    let e = g.check_inputs(&[bad]).unwrap_err();
    assert!(matches!(e, Error::Input { input: 0, .. }), "{e:?}");
    assert!(e.to_string().contains("expected 4 values"), "{e}");
    let e = g.check_inputs(&[]).unwrap_err();
    assert!(e.to_string().contains("1 input(s), 0 were given"), "{e}");
    let nan = Tensor::new(vec![4], vec![0.0, f64::NAN, 0.0, 0.0]).unwrap();
    assert!(g.check_inputs(&[nan]).is_err());
    let e = InputData::parse(r#"{"input_data": [[1, 2, 3]]}"#).unwrap().to_tensors(&g).unwrap_err();
    assert!(e.to_string().contains("needs 4"), "{e}");
    // A flat tensor of the right size is accepted and takes the model's shape.
    let ok = g.check_inputs(&[Tensor::new(vec![4], vec![0.5; 4]).unwrap()]).unwrap();
    assert_eq!(ok[0].shape, [1, 4]);
}

#[test]
fn constants_are_folded_and_activation_products_kept() {
    let g = load("act_matmul.onnx");
    let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["project", "as_2x3", "as_3x2", "act_times_act", "flatten"]);
    // The Constant node defines "w_t"; its Transpose has only constant inputs and is folded.
    assert_eq!(g.folded, ["weight_transpose"]);
    let (wt, w) = (&g.constants["w_t"], &g.constants["w"]);
    assert_eq!((wt.shape.as_slice(), w.shape.as_slice()), (&[6usize, 4][..], &[4usize, 6][..]));
    assert_eq!(w.data[1], wt.data[4]); // w[0][1] = w_t[1][0]
    assert_eq!(g.nodes[2].op, Op::Reshape { shape: vec![3, 2] }); // −1 resolved
    assert_eq!(g.nodes[3].inputs, ["za", "zb"]);
    assert_eq!(g.outputs[0].shape, [1, 4]); // Flatten axis 0
}

#[test]
fn mul_of_two_computed_values_imports_and_evaluates() {
    // square_ish = input · relu(input) (issue 18: products of two computed values are proven by
    // the product gadget; see host/zkml/tests/ops_mul.rs).
    let g = load_onnx(example("mul_two_activations.onnx")).unwrap();
    assert_eq!(g.nodes[1].name, "square_ish");
    assert_eq!(g.nodes[1].op, Op::Mul);
    let x = Tensor::new(vec![1, 4], vec![-1.5, 0.5, 2.0, -0.25]).unwrap();
    assert_eq!(g.eval_f64(std::slice::from_ref(&x)).unwrap()[0].data, [0.0, 0.25, 4.0, 0.0]);
    assert_eq!(g.tract_reference(&[x]).unwrap()[0].data, [0.0, 0.25, 4.0, 0.0]);
}
