//! Hand-built ONNX models (encoded with prost) for every structural error the importer reports.
//! A valid hand-built model imports first, so the negative cases fail for the stated reason.

use prost::Message;
use tract_onnx::pb;

use crate::common::proto::{attr_f, attr_i, attr_ints, node};
use zkaccel_onnx::{import, Error, Tensor};

fn tensor(name: &str, dims: &[i64], data: &[f32]) -> pb::TensorProto {
    pb::TensorProto { name: name.into(), dims: dims.to_vec(), data_type: 1, float_data: data.to_vec(), ..Default::default() }
}

fn raw_f32(name: &str, dims: &[i64], data: &[f32]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 1,
        raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

fn ints(name: &str, data: &[i64]) -> pb::TensorProto {
    pb::TensorProto { name: name.into(), dims: vec![data.len() as i64], data_type: 7, int64_data: data.to_vec(), ..Default::default() }
}

fn value_info(name: &str, dims: &[i64], elem_type: i32) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{dimension::Value, Dimension};
    let dim = dims.iter().map(|&d| Dimension { value: Some(Value::DimValue(d)), ..Default::default() }).collect();
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type,
                shape: Some(pb::TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}


struct M {
    nodes: Vec<pb::NodeProto>,
    inits: Vec<pb::TensorProto>,
    inputs: Vec<pb::ValueInfoProto>,
    outputs: Vec<&'static str>,
}

impl M {
    fn new(nodes: Vec<pb::NodeProto>) -> Self {
        M { nodes, inits: vec![], inputs: vec![value_info("x", &[1, 2], 1)], outputs: vec!["y"] }
    }
    fn init(mut self, t: pb::TensorProto) -> Self {
        self.inits.push(t);
        self
    }
    fn bytes(self) -> Vec<u8> {
        pb::ModelProto {
            ir_version: 8,
            opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: 13 }],
            graph: Some(pb::GraphProto {
                node: self.nodes,
                name: "g".into(),
                initializer: self.inits,
                input: self.inputs,
                output: self.outputs.iter().map(|n| value_info(n, &[], 1)).collect(),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec()
    }
}

/// W is [2, 3] (x·W), b is [3].
fn linear() -> M {
    M::new(vec![
        node("Gemm", "fc", &["x", "w", "b"], &["h"], vec![attr_f("alpha", 0.5)]),
        node("Reshape", "rs", &["h", "shape"], &["y"], vec![]),
    ])
    .init(raw_f32("w", &[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    .init(tensor("b", &[3], &[0.5, -0.5, 1.0]))
    .init(ints("shape", &[3, -1]))
}

#[test]
fn hand_built_model_imports_and_evaluates() {
    let g = import(&linear().bytes()).unwrap();
    assert_eq!(g.nodes.len(), 2);
    assert_eq!(g.outputs[0].shape, [3, 1]);
    let y = g.eval_f64(&[Tensor::new(vec![1, 2], vec![1.0, -2.0]).unwrap()]).unwrap();
    // 0.5·[1·1 − 2·4, 1·2 − 2·5, 1·3 − 2·6] + b = [−3.5 + 0.5, −4 − 0.5, −4.5 + 1]
    assert_eq!(y[0].data, [-3.0, -4.5, -3.5]);
    let t = g.tract_reference(&[Tensor::new(vec![1, 2], vec![1.0, -2.0]).unwrap()]).unwrap();
    assert_eq!(t[0].data, [-3.0, -4.5, -3.5]);
}

fn expect(bytes: Vec<u8>, check: impl Fn(&Error) -> bool, text: &str) {
    match import(&bytes) {
        Ok(_) => panic!("imported; expected an error containing {text:?}"),
        Err(e) => {
            assert!(check(&e), "wrong variant: {e:?}");
            assert!(e.to_string().contains(text), "{e} lacks {text:?}");
        }
    }
}

fn malformed(e: &Error) -> bool {
    matches!(e, Error::Malformed(_))
}
fn invalid(e: &Error) -> bool {
    matches!(e, Error::InvalidNode { .. })
}

#[test]
fn structural_errors() {
    let mut m = linear();
    m.nodes[1].input[0] = "nope".into();
    expect(m.bytes(), malformed, "reads \"nope\", which no earlier node");

    let mut m = linear();
    m.nodes[1].output[0] = "h".into();
    expect(m.bytes(), malformed, "value \"h\" is defined twice");

    let mut m = linear();
    m.outputs = vec!["z"];
    expect(m.bytes(), malformed, "graph output \"z\" is not computed");

    let mut m = linear();
    m.nodes[0].output.push("extra".into());
    expect(m.bytes(), invalid, "exactly one output");

    let mut m = linear();
    m.inputs = vec![value_info("x", &[1, 2], 7)];
    expect(m.bytes(), malformed, "is not float or double");

    let mut m = linear();
    m.nodes.clear();
    expect(m.bytes(), malformed, "no nodes");
}

#[test]
fn operator_errors() {
    let mut m = linear();
    m.nodes[0].domain = "com.microsoft".into();
    m.nodes[0].op_type = "FusedGemm".into();
    expect(m.bytes(), |e| matches!(e, Error::UnsupportedOp { node, .. } if node == "fc"), "\"com.microsoft:FusedGemm\"");

    let mut m = linear();
    m.nodes[0].name.clear();
    m.nodes[0].op_type = "LSTM".into();
    expect(m.bytes(), |e| matches!(e, Error::UnsupportedOp { node, op_type, .. } if node == "#0" && op_type == "LSTM"), "node \"#0\"");

    // Conv is supported, but not on a rank-2 input: a named error.
    let mut m = linear();
    m.nodes[0].op_type = "Conv".into();
    m.nodes[0].attribute.clear();
    expect(m.bytes(), invalid, "rank ≥ 3");

    let mut m = linear();
    m.nodes[0].attribute.push(attr_i("transB", 1));
    expect(m.bytes(), invalid, "inner dimensions differ");

    let mut m = linear();
    m.inits[1] = tensor("b", &[2], &[0.0, 0.0]);
    expect(m.bytes(), invalid, "does not broadcast");

    // alpha with neither factor constant.
    let m = M::new(vec![
        node("Relu", "r", &["x"], &["xr"], vec![]),
        node("Transpose", "t", &["xr"], &["xt"], vec![]),
        node("Gemm", "sq", &["x", "xt"], &["y"], vec![attr_f("alpha", 2.0)]),
    ]);
    expect(m.bytes(), invalid, "alpha = 2");

    let m = M::new(vec![node("Reshape", "rs", &["x", "x"], &["y"], vec![])]);
    expect(m.bytes(), invalid, "must be a constant");

    let m = M::new(vec![node("Reshape", "rs", &["x", "s"], &["y"], vec![])]).init(ints("s", &[3]));
    expect(m.bytes(), invalid, "cannot reshape [1, 2]");

    let m = M::new(vec![node("Transpose", "t", &["x"], &["y"], vec![attr_ints("perm", &[0, 0])])]);
    expect(m.bytes(), invalid, "not a permutation");

    let m = M::new(vec![node("Flatten", "f", &["x"], &["y"], vec![attr_i("axis", 5)])]);
    expect(m.bytes(), invalid, "axis 5 out of range");

    let m = M::new(vec![node("Add", "a", &["x", "z"], &["y"], vec![])]).init(tensor("z", &[3], &[1.0, 2.0, 3.0]));
    expect(m.bytes(), invalid, "do not broadcast");

    let m = M::new(vec![node("MatMul", "mm", &["x", "w"], &["y"], vec![])]).init(tensor("w", &[2, 0], &[]));
    expect(m.bytes(), invalid, "has no elements");

    let m = M::new(vec![node("Relu", "r", &["x", "x"], &["y"], vec![])]);
    expect(m.bytes(), invalid, "expected 1..=1 inputs");
}

#[test]
fn tensor_encoding_errors() {
    let mut m = linear();
    m.inits[0].raw_data.pop();
    expect(m.bytes(), malformed, "raw data holds 23 bytes");

    let mut m = linear();
    m.inits[1].float_data.push(1.0);
    expect(m.bytes(), malformed, "holds 4 values");

    let mut m = linear();
    m.inits[1].data_type = 8; // STRING
    expect(m.bytes(), malformed, "is not supported");

    let mut m = linear();
    m.inits[1].data_type = 999;
    expect(m.bytes(), malformed, "unknown element type 999");

    let mut m = linear();
    m.inits[1].data_location = Some(pb::tensor_proto::DataLocation::External as i32);
    m.inits[1].float_data.clear();
    expect(m.bytes(), malformed, "external data");

    let mut m = linear();
    m.inits[1].float_data[2] = f32::INFINITY;
    expect(m.bytes(), |e| matches!(e, Error::NonFiniteConstant { index: 2, .. }), "\"b\"");
}

/// The named errors of issue 18's second set of operators, and the import-time lowerings.
#[test]
fn new_operator_errors_and_lowerings() {
    // Div by a constant with a zero element.
    let m = M::new(vec![node("Div", "d", &["x", "z"], &["y"], vec![])]).init(tensor("z", &[2], &[2.0, 0.0]));
    expect(m.bytes(), |e| matches!(e, Error::InvalidNode { node, .. } if node == "d"), "zero element");
    // Div by a nonzero constant imports as a Mul by its reciprocal.
    let g = import(&M::new(vec![node("Div", "d", &["x", "z"], &["y"], vec![])]).init(tensor("z", &[2], &[2.0, -4.0])).bytes()).unwrap();
    assert!(matches!(g.nodes[0].op, zkaccel_onnx::Op::Mul));
    assert_eq!(g.constants["z/reciprocal"].data, [0.5, -0.25]);
    // A constant numerator over a computed divisor.
    let m = M::new(vec![node("Div", "d", &["z", "x"], &["y"], vec![])]).init(tensor("z", &[2], &[2.0, 1.0]));
    expect(m.bytes(), invalid, "constant numerator");
    // ArgMax with the last index on ties.
    let m = M::new(vec![node("ArgMax", "am", &["x"], &["y"], vec![attr_i("axis", 1), attr_i("select_last_index", 1)])]);
    expect(m.bytes(), invalid, "select_last_index = 1");
    // A cast to INT64 of a value that is not an index; to STRING.
    let m = M::new(vec![node("Cast", "c", &["x"], &["y"], vec![attr_i("to", 7)])]);
    expect(m.bytes(), |e| matches!(e, Error::InvalidNode { node, .. } if node == "c"), "only for indices");
    let m = M::new(vec![node("Cast", "c", &["x"], &["y"], vec![attr_i("to", 8)])]);
    expect(m.bytes(), invalid, "only numeric types");
    // ArgMax → Cast(INT64) imports.
    let g = import(&M::new(vec![node("ArgMax", "am", &["x"], &["i"], vec![attr_i("axis", 1)]), node("Cast", "c", &["i"], &["y"], vec![attr_i("to", 7)])]).bytes()).unwrap();
    assert_eq!(g.nodes.len(), 2);
    // ArrayFeatureExtractor (ai.onnx.ml) of data other than 0, 1, …, n − 1.
    let mut afe = node("ArrayFeatureExtractor", "afe", &["k", "i"], &["y"], vec![]);
    afe.domain = "ai.onnx.ml".into();
    let m = M::new(vec![node("ArgMax", "am", &["x"], &["i"], vec![attr_i("axis", 1)]), afe]).init(tensor("k", &[2], &[1.0, 0.0]));
    expect(m.bytes(), invalid, "only the identity");
    // ConvTranspose: output_padding ≥ stride, output_shape, SAME auto_pad, pads beyond the
    // kernel's reach d·(k − 1) stay named errors.
    let ct = |attrs: Vec<pb::AttributeProto>| {
        let mut m = M::new(vec![node("ConvTranspose", "ct", &["x", "w"], &["y"], attrs)]).init(tensor("w", &[1, 1, 2], &[1.0, 1.0]));
        m.inputs = vec![value_info("x", &[1, 1, 3], 1)];
        m.bytes()
    };
    let is_ct = |e: &Error| matches!(e, Error::InvalidNode { node, .. } if node == "ct");
    import(&ct(vec![attr_ints("strides", &[2]), attr_ints("output_padding", &[1])])).unwrap();
    expect(ct(vec![attr_ints("strides", &[2]), attr_ints("output_padding", &[2])]), is_ct, "below the stride 2");
    expect(ct(vec![attr_ints("output_padding", &[1])]), is_ct, "below the stride 1");
    expect(ct(vec![attr_ints("strides", &[0])]), is_ct, "a stride of 0");
    expect(ct(vec![attr_ints("output_shape", &[5])]), is_ct, "output_shape is not supported");
    let same = pb::AttributeProto { name: "auto_pad".into(), r#type: 3, s: b"SAME_UPPER".to_vec(), ..Default::default() };
    expect(ct(vec![attr_ints("strides", &[2]), same]), is_ct, "auto_pad \"SAME_UPPER\"");
    expect(ct(vec![attr_ints("strides", &[2]), attr_ints("pads", &[2, 0])]), is_ct, "exceed the kernel's reach");
    // Dilations and strides near i64::MAX: named errors, not overflows.
    expect(ct(vec![attr_ints("dilations", &[i64::MAX])]), is_ct, "exceeds a 64-bit count");
    expect(ct(vec![attr_ints("strides", &[i64::MAX])]), too_large, "the zero-inserted input of node \"ct\" (ConvTranspose");
    // Gelu's approximate must be none or tanh.
    let mut gelu = node("Gelu", "g", &["x"], &["y"], vec![]);
    gelu.attribute.push(pb::AttributeProto { name: "approximate".into(), r#type: 3, s: b"erf".to_vec(), ..Default::default() });
    expect(M::new(vec![gelu]).bytes(), invalid, "approximate");
    // Softmax lowers to ReduceMax, Sub, Exp, ReduceSum, Div (named after it); LogSoftmax ends
    // with Log and Sub.
    let g = import(&M::new(vec![node("Softmax", "sm", &["x"], &["y"], vec![attr_i("axis", 1)])]).bytes()).unwrap();
    let names: Vec<(&str, &str)> = g.nodes.iter().map(|n| (n.name.as_str(), n.op_type.as_str())).collect();
    assert_eq!(names, [("sm/max", "ReduceMax"), ("sm/shift", "Sub"), ("sm/exp", "Exp"), ("sm/sum", "ReduceSum"), ("sm/normalise", "Div")]);
    let x = [Tensor::new(vec![1, 2], vec![0.5, -1.0]).unwrap()];
    let (ours, tract) = (g.eval_f64(&x).unwrap(), g.tract_reference(&x).unwrap());
    let want = [1.0 / (1.0 + (-1.5f64).exp()), 1.0 / (1.0 + 1.5f64.exp())];
    for ((a, b), w) in ours[0].data.iter().zip(&tract[0].data).zip(want) {
        assert!((a - w).abs() < 1e-12 && (b - w).abs() < 1e-6, "{a} {b} {w}");
    }
    let g = import(&M::new(vec![node("LogSoftmax", "ls", &["x"], &["y"], vec![])]).bytes()).unwrap();
    assert_eq!(g.nodes.iter().map(|n| n.op_type.as_str()).collect::<Vec<_>>(), ["ReduceMax", "Sub", "Exp", "ReduceSum", "Log", "Sub"]);
    let ours = g.eval_f64(&x).unwrap();
    assert!((ours[0].data[0] - want[0].ln()).abs() < 1e-12);
}

/// ConvTranspose with a stride (grouped, dilated, output padding, asymmetric pads, bias) imports
/// as zero-insertion (Reshape, Pad, Reshape, Slice) and a Conv; its f64 evaluation equals the
/// ONNX definition computed here directly (each input element scattered through the kernel),
/// and tract's run.
#[test]
fn strided_conv_transpose_is_zero_insertion_and_a_conv() {
    // x [1, 2, 3], W [2, 1, 2] (group 2: one output channel per group), stride 2, dilation 2,
    // output_padding 1, pads (1, 0): output length 2·(3 − 1) + 1 + 2·(2 − 1) + 1 − 1 = 7.
    let (s, d, o, pb_, pe) = (2usize, 2usize, 1usize, 1usize, 0usize);
    let w = [0.5f32, -1.0, 2.0, 0.25];
    let b = [0.125f32, -0.5];
    let attrs = vec![
        attr_i("group", 2),
        attr_ints("strides", &[s as i64]),
        attr_ints("dilations", &[d as i64]),
        attr_ints("output_padding", &[o as i64]),
        attr_ints("pads", &[pb_ as i64, pe as i64]),
    ];
    let mut m = M::new(vec![node("ConvTranspose", "ct", &["x", "w", "b"], &["y"], attrs)]).init(tensor("w", &[2, 1, 2], &w)).init(tensor("b", &[2], &b));
    m.inputs = vec![value_info("x", &[1, 2, 3], 1)];
    let g = import(&m.bytes()).unwrap();
    let names: Vec<(&str, &str)> = g.nodes.iter().map(|n| (n.name.as_str(), n.op_type.as_str())).collect();
    assert_eq!(
        names,
        [("ct/zero_insert/expand", "Reshape"), ("ct/zero_insert/pad", "Pad"), ("ct/zero_insert/merge", "Reshape"), ("ct/zero_insert/slice", "Slice"), ("ct", "Conv")]
    );
    assert_eq!(g.nodes[3].output_shape, [1, 2, 6]); // (3 − 1)·2 + 1 + o
    let len = s * 2 + o + d + 1 - pb_ - pe;
    assert_eq!(g.outputs[0].shape, [1, 2, len]);
    let xs = [0.75, -0.5, 1.5, -1.25, 0.375, 2.0];
    let x = [Tensor::new(vec![1, 2, 3], xs.to_vec()).unwrap()];
    // y[ch, j] = b[ch] + Σ_{i, κ : i·s + κ·d − p_b = j} x[ch, i]·W[ch, 0, κ]  (group = channels).
    let mut want = vec![0.0f64; 2 * len];
    for ch in 0..2 {
        want[ch * len..(ch + 1) * len].fill(b[ch] as f64);
        for i in 0..3 {
            for kappa in 0..2 {
                let j = (i * s + kappa * d) as i64 - pb_ as i64;
                if (0..len as i64).contains(&j) {
                    want[ch * len + j as usize] += xs[ch * 3 + i] * w[ch * 2 + kappa] as f64;
                }
            }
        }
    }
    let (ours, tract) = (g.eval_f64(&x).unwrap(), g.tract_reference(&x).unwrap());
    for ((a, t), w) in ours[0].data.iter().zip(&tract[0].data).zip(&want) {
        assert!((a - w).abs() < 1e-12 && (t - w).abs() < 1e-5, "{a} {t} {w}");
    }
}

fn too_large(e: &Error) -> bool {
    matches!(e, Error::TooLarge(_))
}

/// Pad and Gather outputs are sized (checked arithmetic, then the 2^26 per-tensor limit) before
/// any index map is built; Slice steps and Split sizes near i64::MAX neither overflow nor wrap.
#[test]
fn pad_and_gather_outputs_are_size_checked_before_building() {
    let pad = |mode: &str, pads: &[i64]| {
        let attrs = vec![pb::AttributeProto { name: "mode".into(), r#type: 3, s: mode.as_bytes().to_vec(), ..Default::default() }];
        M::new(vec![node("Pad", "p", &["x", "pads"], &["y"], attrs)]).init(ints("pads", pads)).bytes()
    };
    // Edge padding to [1, 2^36 + 2]: refused before its 2^36-entry index map is built.
    expect(pad("edge", &[0, 0, 0, 1 << 36]), too_large, "the output of node \"p\" (Pad) of shape [1, 68719476738]");
    expect(pad("reflect", &[0, 0, 0, 1 << 36]), too_large, "at most 2^26");
    // Constant padding to 2^40: refused at import, not written into settings.
    expect(pad("constant", &[0, 0, 0, 1 << 40]), too_large, "(Pad) of shape [1, 1099511627778] has 1099511627778 elements; at most 2^26");
    // i64::MAX on both sides: 2 + 2·(2^63 − 1) overflows a 64-bit count (was: a panic).
    expect(pad("constant", &[0, i64::MAX, 0, i64::MAX]), too_large, "node \"p\" (Pad): axis 1 of size 2 padded by 9223372036854775807 and 9223372036854775807 exceeds a 64-bit count");
    expect(pad("edge", &[0, 0, 0, i64::MAX]), too_large, "has 9223372036854775809 elements; at most 2^26");
    // Honest pads still import and evaluate.
    let x = [Tensor::new(vec![1, 2], vec![1.0, 2.0]).unwrap()];
    let g = import(&pad("constant", &[0, 1, 0, 2])).unwrap();
    assert_eq!(g.outputs[0].shape, [1, 5]);
    assert_eq!(g.eval_f64(&x).unwrap()[0].data, [0.0, 1.0, 2.0, 0.0, 0.0]);
    let g = import(&pad("edge", &[0, 1, 0, 2])).unwrap();
    assert_eq!(g.eval_f64(&x).unwrap()[0].data, [1.0, 1.0, 2.0, 2.0, 2.0]);
    assert_eq!(g.tract_reference(&x).unwrap()[0].data, [1.0, 1.0, 2.0, 2.0, 2.0]);

    // Gather of 4096 indices along axis 0 of a [1, 2^20] input: [4096, 2^20] = 2^32 elements,
    // refused before the 32 GiB index map is built.
    let gather = |dims: &[i64], axis: i64, idx: &[i64]| {
        let mut m = M::new(vec![node("Gather", "gt", &["x", "i"], &["y"], vec![attr_i("axis", axis)])]).init(ints("i", idx));
        m.inputs = vec![value_info("x", dims, 1)];
        m.bytes()
    };
    expect(gather(&[1, 1 << 20], 0, &[0; 4096]), too_large, "the output of node \"gt\" (Gather) of shape [4096, 1048576] has 4294967296 elements; at most 2^26");
    let g = import(&gather(&[1, 2], 1, &[1, 0, -1])).unwrap();
    assert_eq!(g.outputs[0].shape, [1, 3]);
    assert_eq!(g.eval_f64(&x).unwrap()[0].data, [2.0, 1.0, 2.0]);
    assert_eq!(g.tract_reference(&x).unwrap()[0].data, [2.0, 1.0, 2.0]);

    // Slice with a step of i64::MAX from 1: one position, no overflow past it.
    let m = M::new(vec![node("Slice", "sl", &["x", "st", "en", "ax", "sp"], &["y"], vec![])])
        .init(ints("st", &[1]))
        .init(ints("en", &[i64::MAX]))
        .init(ints("ax", &[1]))
        .init(ints("sp", &[i64::MAX]));
    let g = import(&m.bytes()).unwrap();
    assert_eq!(g.eval_f64(&x).unwrap()[0].data, [2.0]);
    // Split sizes whose sum wraps to the axis size (2^64 + 2 ≡ 2) are refused, not trusted.
    let m = M::new(vec![node("Split", "sp", &["x", "s"], &["a", "b", "y"], vec![attr_i("axis", 1)])]).init(ints("s", &[i64::MAX, i64::MAX, 4]));
    expect(m.bytes(), invalid, "do not cut axis 1 of size 2 into 3 parts");
    // Split with no outputs (was a division by zero), Gather of no indices.
    expect(M::new(vec![node("Split", "sp", &["x"], &[], vec![attr_i("axis", 1)])]).bytes(), invalid, "no outputs");
    let m = M::new(vec![node("Gather", "gt", &["x", "i"], &["y"], vec![attr_i("axis", 1)])]).init(ints("i", &[]));
    expect(m.bytes(), invalid, "the output is empty (shape [1, 0])");
    // Edge padding of an empty constant: a named error (was a panic in clamp).
    let edge = vec![pb::AttributeProto { name: "mode".into(), r#type: 3, s: b"edge".to_vec(), ..Default::default() }];
    let m = M::new(vec![node("Pad", "p", &["e", "pads"], &["pe"], edge), node("Add", "a", &["x", "pe"], &["y"], vec![])])
        .init(tensor("e", &[0], &[]))
        .init(ints("pads", &[2]));
    expect(m.bytes(), invalid, "the data operand \"e\" of shape [0] has no elements");
}

/// Axis attributes and Reshape targets of i64::MIN (whose negation overflows) are refused as out
/// of range, naming the node; honest negative axes still import.
#[test]
fn integer_attributes_at_i64_min_are_refused() {
    let min = "-9223372036854775808";
    let m = M::new(vec![node("Concat", "cat", &["x", "x"], &["y"], vec![attr_i("axis", i64::MIN)])]);
    expect(m.bytes(), |e| matches!(e, Error::InvalidNode { node, op_type, .. } if node == "cat" && op_type == "Concat"), &format!("axis {min} out of range for rank 2"));
    let m = M::new(vec![node("Flatten", "f", &["x"], &["y"], vec![attr_i("axis", i64::MIN)])]);
    expect(m.bytes(), invalid, &format!("axis {min} out of range for rank 2"));
    let m = M::new(vec![node("ArgMax", "am", &["x"], &["y"], vec![attr_i("axis", i64::MIN)])]);
    expect(m.bytes(), invalid, &format!("axis {min} out of range for rank 2"));
    let m = M::new(vec![node("ReduceSum", "rs", &["x", "a"], &["y"], vec![])]).init(ints("a", &[i64::MIN]));
    expect(m.bytes(), invalid, &format!("axis {min} out of range for rank 2"));
    let m = M::new(vec![node("Reshape", "r", &["x", "s"], &["y"], vec![])]).init(ints("s", &[i64::MIN, 2]));
    expect(m.bytes(), invalid, &format!("invalid target dimension {min}"));
    // i64::MAX and the smallest out-of-range negative.
    let m = M::new(vec![node("Concat", "cat", &["x", "x"], &["y"], vec![attr_i("axis", i64::MAX)])]);
    expect(m.bytes(), invalid, "axis 9223372036854775807 out of range for rank 2");
    let m = M::new(vec![node("Concat", "cat", &["x", "x"], &["y"], vec![attr_i("axis", -3)])]);
    expect(m.bytes(), invalid, "axis -3 out of range for rank 2");
    // Honest negative axes.
    let x = [Tensor::new(vec![1, 2], vec![1.0, 2.0]).unwrap()];
    let g = import(&M::new(vec![node("Concat", "cat", &["x", "x"], &["y"], vec![attr_i("axis", -1)])]).bytes()).unwrap();
    assert_eq!(g.outputs[0].shape, [1, 4]);
    assert_eq!(g.eval_f64(&x).unwrap()[0].data, [1.0, 2.0, 1.0, 2.0]);
    let g = import(&M::new(vec![node("Concat", "cat", &["x", "x"], &["y"], vec![attr_i("axis", -2)])]).bytes()).unwrap();
    assert_eq!(g.outputs[0].shape, [2, 2]);
    let g = import(&M::new(vec![node("Flatten", "f", &["x"], &["y"], vec![attr_i("axis", -1)])]).bytes()).unwrap();
    assert_eq!(g.outputs[0].shape, [1, 2]);
    let g = import(&M::new(vec![node("ArgMax", "am", &["x"], &["y"], vec![attr_i("axis", -1)])]).bytes()).unwrap();
    assert_eq!(g.outputs[0].shape, [1, 1]);
}

/// Conv windows from hostile pads and dilations: sized with checked arithmetic, and the window
/// taps bounded before they are listed (pads of 2^40 asked for 2^40 of them).
#[test]
fn conv_windows_are_sized_with_checked_arithmetic() {
    let conv = |attrs: Vec<pb::AttributeProto>| {
        let mut m = M::new(vec![node("Conv", "cv", &["x", "w"], &["y"], attrs)]).init(tensor("w", &[1, 1, 3], &[1.0, 2.0, 3.0]));
        m.inputs = vec![value_info("x", &[1, 1, 4], 1)];
        m.bytes()
    };
    let is_cv = |e: &Error| matches!(e, Error::InvalidNode { node, op_type, .. } if node == "cv" && op_type == "Conv");
    expect(conv(vec![attr_ints("pads", &[1 << 40, 0])]), is_cv, "more than 2^27 window taps");
    expect(conv(vec![attr_ints("pads", &[i64::MAX, i64::MAX])]), is_cv, "axis 0: the input of 4 padded by 9223372036854775807 and 9223372036854775807 exceeds a 64-bit count");
    // 2·(2^63 − 1) + 1 = 2^64 − 1 positions just fits; with strides, too, nothing wraps.
    expect(conv(vec![attr_ints("dilations", &[i64::MAX])]), is_cv, "the kernel spans 18446744073709551615 positions, the padded input only 4");
    expect(conv(vec![attr_ints("dilations", &[i64::MAX]), attr_ints("strides", &[i64::MAX]), attr_ints("pads", &[i64::MAX, 0])]), is_cv, "spans 18446744073709551615 positions, the padded input only 9223372036854775811");
    let max_pool = |attrs: Vec<pb::AttributeProto>| {
        let mut m = M::new(vec![node("MaxPool", "mp", &["x"], &["y"], attrs)]);
        m.inputs = vec![value_info("x", &[1, 1, 4], 1)];
        m.bytes()
    };
    expect(max_pool(vec![attr_ints("kernel_shape", &[2]), attr_ints("pads", &[1 << 40, 0])]), invalid, "more than 2^27 window taps");
    // Honest windows import.
    let g = import(&conv(vec![attr_ints("pads", &[1, 1])])).unwrap();
    assert_eq!(g.outputs[0].shape, [1, 1, 4]);
    let g = import(&max_pool(vec![attr_ints("kernel_shape", &[2]), attr_ints("strides", &[2])])).unwrap();
    assert_eq!(g.outputs[0].shape, [1, 1, 2]);
}
