//! Constants folded at import keep their ONNX element type: integer Div truncates, integer
//! arithmetic stays exact or is refused, Casts of constants wrap or are refused by name; float
//! attributes must be finite; Split before opset 18 needs equal parts; Reshape `allowzero = 1`.
//! Models are hand-built (prost), with the opset chosen per test.

use prost::Message;
use tract_onnx::pb;

use crate::common::proto::{attr_f, attr_i, attr_ints, node};
use zkaccel_onnx::{import, Error, Graph, Tensor};

fn value_info(name: &str, dims: &[i64]) -> pb::ValueInfoProto {
    zkaccel_testkit::onnx::value_info(name, dims)
}

fn int64s(name: &str, dims: &[i64], data: &[i64]) -> pb::TensorProto {
    pb::TensorProto { name: name.into(), dims: dims.to_vec(), data_type: 7, int64_data: data.to_vec(), ..Default::default() }
}

fn floats(name: &str, dims: &[i64], data: &[f32]) -> pb::TensorProto {
    pb::TensorProto { name: name.into(), dims: dims.to_vec(), data_type: 1, float_data: data.to_vec(), ..Default::default() }
}

/// One float input `x` of shape `x_dims`, the given nodes and initializers, outputs `outs`.
fn model(opset: i64, x_dims: &[i64], nodes: Vec<pb::NodeProto>, inits: Vec<pb::TensorProto>, outs: &[&str]) -> Vec<u8> {
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: opset }],
        graph: Some(pb::GraphProto {
            node: nodes,
            name: "g".into(),
            initializer: inits,
            input: vec![value_info("x", x_dims)],
            output: outs.iter().map(|n| value_info(n, &[])).collect(),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn refused(bytes: &[u8], node_name: &str, texts: &[&str]) {
    match import(bytes) {
        Ok(_) => panic!("imported; expected an error naming node {node_name:?} with {texts:?}"),
        Err(e) => {
            assert!(matches!(&e, Error::InvalidNode { node, .. } if node == node_name), "wrong error: {e:?}");
            for t in texts {
                assert!(e.to_string().contains(t), "{e} lacks {t:?}");
            }
        }
    }
}

fn ramp(shape: &[usize]) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    Tensor::new(shape.to_vec(), (0..n).map(|i| i as f64 * 0.25 - 0.5).collect()).unwrap()
}

/// The imported graph's output equals `x[:, :keep]`, in this crate's evaluator and in tract's.
fn check_prefix(g: &Graph, width: usize, keep: usize) {
    assert_eq!(g.outputs[0].shape, [1, keep]);
    let x = ramp(&[1, width]);
    let want = x.data[..keep].to_vec();
    assert_eq!(g.eval_f64(std::slice::from_ref(&x)).unwrap()[0].data, want);
    let t = g.tract_reference(&[x]).unwrap();
    assert_eq!(t[0].shape, [1, keep]);
    assert_eq!(t[0].data, want);
}

/// `x[:, :(W // 4) * 4]` as torch exports it: Shape → Gather → Div → Mul → Slice (W = 6).
#[test]
fn integer_div_of_shape_values_truncates() {
    let bytes = model(
        13,
        &[1, 6],
        vec![
            node("Shape", "shape", &["x"], &["s"], vec![]),
            node("Gather", "gather", &["s", "one"], &["w"], vec![attr_i("axis", 0)]),
            node("Div", "div", &["w", "four"], &["q"], vec![]),
            node("Mul", "mul", &["q", "four"], &["end"], vec![]),
            node("Slice", "slice", &["x", "zero", "end", "one"], &["y"], vec![]),
        ],
        vec![int64s("one", &[1], &[1]), int64s("four", &[], &[4]), int64s("zero", &[1], &[0])],
        &["y"],
    );
    let g = import(&bytes).unwrap();
    assert_eq!(g.constants["q"].data, [1.0]);
    assert_eq!(g.constants["end"].data, [4.0]);
    check_prefix(&g, 6, 4);
}

/// The same with two int64 initializers, and a negative quotient: −7 / 2 truncates to −3
/// (C, onnxruntime), not −3.5 nor the floor −4, so the end is −6 and x[:, :−6] of W = 8 keeps 2.
#[test]
fn integer_div_of_initializers_truncates_toward_zero() {
    let slice = |num: i64, den: i64, width: i64| {
        model(
            13,
            &[1, width],
            vec![
                node("Div", "div", &["a", "b"], &["q"], vec![]),
                node("Mul", "mul", &["q", "b"], &["end"], vec![]),
                node("Slice", "slice", &["x", "zero", "end", "one"], &["y"], vec![]),
            ],
            vec![int64s("a", &[1], &[num]), int64s("b", &[1], &[den]), int64s("one", &[1], &[1]), int64s("zero", &[1], &[0])],
            &["y"],
        )
    };
    check_prefix(&import(&slice(6, 4, 6)).unwrap(), 6, 4);
    let g = import(&slice(-7, 2, 8)).unwrap();
    assert_eq!(g.constants["q"].data, [-3.0]);
    check_prefix(&g, 8, 2);
    // An integer division by zero is refused by name.
    refused(&slice(6, 0, 6), "div", &["division by zero"]);
    // Float constants still divide as floats: x · (6.0 / 4.0).
    let bytes = model(
        13,
        &[1, 2],
        vec![node("Div", "div", &["a", "b"], &["q"], vec![]), node("Mul", "mul", &["x", "q"], &["y"], vec![])],
        vec![floats("a", &[1], &[6.0]), floats("b", &[1], &[4.0])],
        &["y"],
    );
    assert_eq!(import(&bytes).unwrap().constants["q"].data, [1.5]);
}

/// Folded integer arithmetic is exact in i64 or refused by name (an overflow); an integer Div of
/// a computed value (an ArgMax output) is refused rather than turned into a Mul by 1/b.
#[test]
fn integer_arithmetic_is_exact_or_refused() {
    let fold = |op: &str, a: i64, b: i64| {
        model(
            13,
            &[1, 2],
            vec![
                node(op, "op", &["a", "b"], &["c"], vec![]),
                node("Cast", "cast", &["c"], &["cf"], vec![attr_i("to", 1)]),
                node("Add", "add", &["x", "cf"], &["y"], vec![]),
            ],
            vec![int64s("a", &[1], &[a]), int64s("b", &[1], &[b])],
            &["y"],
        )
    };
    assert_eq!(import(&fold("Mul", 3, -5)).unwrap().constants["c"].data, [-15.0]);
    assert_eq!(import(&fold("Sub", -3, 5)).unwrap().constants["c"].data, [-8.0]);
    refused(&fold("Mul", 1 << 62, 4), "op", &["integer", "Mul"]);
    refused(&fold("Add", i64::MAX, 1), "op", &["integer", "Add"]);
    // ReduceSum is exact too; an integer ReduceMean (runtimes differ on its rounding) is refused.
    let reduce = |op: &str| {
        model(
            13,
            &[1, 1],
            vec![
                node(op, "op", &["a"], &["c"], vec![attr_i("keepdims", 0)]),
                node("Cast", "cast", &["c"], &["cf"], vec![attr_i("to", 1)]),
                node("Add", "add", &["x", "cf"], &["y"], vec![]),
            ],
            vec![int64s("a", &[3], &[1, 2, 4])],
            &["y"],
        )
    };
    assert_eq!(import(&reduce("ReduceSum")).unwrap().constants["c"].data, [7.0]);
    refused(&reduce("ReduceMean"), "op", &["ReduceMean of integer constants"]);
    let bytes = model(
        13,
        &[1, 4],
        vec![
            node("ArgMax", "am", &["x"], &["i"], vec![attr_i("axis", 1)]),
            node("Div", "half", &["i", "two"], &["h"], vec![]),
            node("Cast", "cast", &["h"], &["y"], vec![attr_i("to", 1)]),
        ],
        vec![int64s("two", &[], &[2])],
        &["y"],
    );
    refused(&bytes, "half", &["integer division", "\"i\""]);
}

/// Cast of a constant to an integer type: int → int wraps as ONNX/numpy do (300 → UINT8 is 44,
/// 200 → INT8 is −56), float → int out of the target's range is refused naming the node, the type
/// and the value, to BOOL gives 1 for nonzero.
#[test]
fn constant_casts_wrap_or_are_refused() {
    let cast = |c: pb::TensorProto, to: i64| {
        model(
            13,
            &[1, 1],
            vec![
                node("Cast", "cast", &["c"], &["ci"], vec![attr_i("to", to)]),
                node("Cast", "back", &["ci"], &["cf"], vec![attr_i("to", 1)]),
                node("Add", "add", &["x", "cf"], &["y"], vec![]),
            ],
            vec![c],
            &["y"],
        )
    };
    let folded = |bytes: Vec<u8>| import(&bytes).unwrap().constants["ci"].data.clone();
    refused(&cast(floats("c", &[2], &[1.0, -1.0]), 2), "cast", &["UINT8", "-1"]);
    refused(&cast(floats("c", &[1], &[300.0]), 2), "cast", &["UINT8", "300"]);
    refused(&cast(floats("c", &[1], &[128.0]), 3), "cast", &["INT8", "128"]);
    refused(&cast(floats("c", &[1], &[-1.0]), 13), "cast", &["UINT64", "-1"]);
    assert_eq!(folded(cast(floats("c", &[2], &[255.0, 0.0]), 2)), [255.0, 0.0]);
    assert_eq!(folded(cast(floats("c", &[2], &[-128.0, 127.0]), 3)), [-128.0, 127.0]);
    assert_eq!(folded(cast(int64s("c", &[3], &[300, -1, 255]), 2)), [44.0, 255.0, 255.0]);
    assert_eq!(folded(cast(int64s("c", &[2], &[200, -129]), 3)), [-56.0, 127.0]);
    assert_eq!(folded(cast(int64s("c", &[2], &[70000, -1]), 4)), [4464.0, 65535.0]);
    assert_eq!(folded(cast(int64s("c", &[2], &[1 << 32, -1]), 12)), [0.0, 4294967295.0]);
    assert_eq!(folded(cast(floats("c", &[3], &[2.0, 0.0, -0.5]), 9)), [1.0, 0.0, 1.0]);
    // INT64 keeps i64::MAX (a Slice's "to the end"); a wrap of an integer beyond 2^53, which the
    // f64 may hold rounded, is refused.
    assert_eq!(folded(cast(int64s("c", &[2], &[i64::MAX, i64::MIN]), 7)), [i64::MAX as f64, i64::MIN as f64]);
    refused(&cast(int64s("c", &[1], &[(1 << 60) + 1]), 6), "cast", &["INT32"]);
    // A cast of a computed (non-index) value to BOOL stays refused.
    let bytes = model(13, &[1, 2], vec![node("Cast", "c", &["x"], &["y"], vec![attr_i("to", 9)])], vec![], &["y"]);
    refused(&bytes, "c", &["data type 9"]);
}

/// NaN or ±inf in a float attribute is refused at import, naming the node and the attribute
/// (NaN keyed the lookup tables: the circuit's compiler then panicked on a missing table).
#[test]
fn non_finite_float_attributes_are_refused() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let one = |op: &str, opset: i64, attrs: Vec<pb::AttributeProto>| model(opset, &[1, 2], vec![node(op, "n", &["x"], &["y"], attrs)], vec![], &["y"]);
        refused(&one("LeakyRelu", 13, vec![attr_f("alpha", bad)]), "n", &["alpha"]);
        refused(&one("HardSigmoid", 13, vec![attr_f("alpha", bad)]), "n", &["alpha"]);
        refused(&one("HardSigmoid", 13, vec![attr_f("beta", bad)]), "n", &["beta"]);
        refused(&one("Clip", 6, vec![attr_f("min", bad), attr_f("max", 6.0)]), "n", &["min"]);
        refused(&one("Clip", 6, vec![attr_f("min", 0.0), attr_f("max", bad)]), "n", &["max"]);
        refused(&one("Pad", 2, vec![attr_ints("pads", &[0, 1, 0, 1]), attr_f("value", bad)]), "n", &["value"]);
        let gemm = |attrs| {
            model(
                13,
                &[1, 2],
                vec![node("Gemm", "n", &["x", "w", "c"], &["y"], attrs)],
                vec![floats("w", &[2, 2], &[1.0, 2.0, 3.0, 4.0]), floats("c", &[2], &[0.5, 0.5])],
                &["y"],
            )
        };
        refused(&gemm(vec![attr_f("alpha", bad)]), "n", &["alpha"]);
        refused(&gemm(vec![attr_f("beta", bad)]), "n", &["beta"]);
        let bn = model(
            13,
            &[1, 2],
            vec![node("BatchNormalization", "n", &["x", "s", "b", "m", "v"], &["y"], vec![attr_f("epsilon", bad)])],
            ["s", "b", "m", "v"].iter().map(|n| floats(n, &[2], &[1.0, 1.0])).collect(),
            &["y"],
        );
        refused(&bn, "n", &["epsilon"]);
    }
    // Finite values import.
    let ok = model(13, &[1, 2], vec![node("LeakyRelu", "n", &["x"], &["y"], vec![attr_f("alpha", 0.1)])], vec![], &["y"]);
    import(&ok).unwrap();
}

/// Split without `split`: before opset 18 the parts must be equal (an uneven axis is refused by
/// name); from opset 18 the last part is the smaller one.
#[test]
fn split_without_sizes_needs_equal_parts_before_opset_18() {
    let split = |opset: i64, width: i64| {
        model(
            opset,
            &[1, width],
            vec![node(
                "Split",
                "sp",
                &["x"],
                &["a", "b"],
                if opset >= 18 { vec![attr_i("axis", 1), attr_i("num_outputs", 2)] } else { vec![attr_i("axis", 1)] },
            )],
            vec![],
            &["a", "b"],
        )
    };
    refused(&split(13, 3), "sp", &["opset 13", "equal"]);
    refused(&split(11, 5), "sp", &["opset 11", "equal"]);
    let g = import(&split(13, 4)).unwrap();
    assert_eq!((g.outputs[0].shape.clone(), g.outputs[1].shape.clone()), (vec![1, 2], vec![1, 2]));
    let g = import(&split(18, 3)).unwrap();
    assert_eq!((g.outputs[0].shape.clone(), g.outputs[1].shape.clone()), (vec![1, 2], vec![1, 1]));
}

/// Reshape with `allowzero = 1` is refused by name (a 0 in the shape would be a zero dimension,
/// not a copy of the input's).
#[test]
fn reshape_allowzero_is_refused() {
    let bytes =
        model(14, &[1, 2], vec![node("Reshape", "rs", &["x", "shape"], &["y"], vec![attr_i("allowzero", 1)])], vec![int64s("shape", &[2], &[0, 2])], &["y"]);
    refused(&bytes, "rs", &["allowzero"]);
}

/// An ArgMax index cast to a type too narrow for it (300 classes to UINT8) would wrap in ONNX; the
/// cast is the identity here, so it is refused naming both; a type that holds every index passes.
#[test]
fn an_index_cast_to_a_type_too_narrow_for_it_is_refused() {
    let argmax_cast = |classes: i64, to: i64| {
        model(
            13,
            &[1, classes],
            vec![node("ArgMax", "argmax", &["x"], &["i"], vec![attr_i("axis", 1)]), node("Cast", "cast", &["i"], &["y"], vec![attr_i("to", to)])],
            vec![],
            &["y"],
        )
    };
    refused(&argmax_cast(300, 2), "cast", &["UINT8", "up to 299", "holds at most 255"]);
    refused(&argmax_cast(200, 3), "cast", &["INT8", "up to 199"]);
    for (classes, to) in [(256, 2), (300, 5), (300, 7), (10, 3)] {
        import(&argmax_cast(classes, to)).unwrap_or_else(|e| panic!("{classes} classes to type {to}: {e}"));
    }
}
