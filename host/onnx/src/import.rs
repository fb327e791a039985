//! ONNX → [`Graph`]: the file is decoded with tract-onnx's protobuf model (`tract_onnx::pb`), then
//! walked node by node, so the returned graph mirrors the file's nodes (tract's optimiser is not
//! involved). Shapes are inferred here for the supported operators.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use tract_onnx::pb;
use tract_onnx::prelude::Framework;

use crate::error::{Error, Result};
use crate::eval::eval_node_f64;
use crate::graph::{Activation, Graph, Node, Op, ValueInfo};
use crate::tensor::{broadcast_shape, numel, Tensor};
use crate::window::{AutoPad, Window};

/// The operators [`import`] accepts (besides `Constant`, which only defines a constant).
pub const SUPPORTED_OPS: &str = "Gemm, MatMul, Add, Sub, Mul, Relu, Flatten, Reshape, Transpose, Identity, \
     Conv, MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool, BatchNormalization, \
     ReduceSum, ReduceMean, ReduceMax, ReduceMin, ArgMax, ArgMin, Div, Softmax, LogSoftmax, Sum, Mean, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Gelu, Erf, Exp, Log, Sqrt, Concat, Slice, Split, Gather (constant indices), Squeeze, Unsqueeze, Pad, Shape, ConstantOfShape, Expand, ConvTranspose, Cast (numeric; to integers only for indices and constants), ArrayFeatureExtractor (ai.onnx.ml, identity only)";

/// Reads and imports an ONNX file.
pub fn load_onnx(path: impl AsRef<Path>) -> Result<Graph> {
    let path = path.as_ref();
    let bytes = crate::input::read_regular_file(path)?;
    import(&bytes)
}

/// Imports an ONNX model from its bytes.
///
/// Errors: [`Error::Malformed`] for bytes that do not decode as an ONNX `ModelProto` (truncated
/// or corrupt files) or a graph that is structurally broken; [`Error::UnsupportedOp`] naming the
/// op type and node; [`Error::InvalidNode`] for a supported op with unsupported attributes or
/// shapes; [`Error::NonFiniteConstant`] for NaN/inf weights.
/// The most nodes a model may have (each node is at least one circuit row, and a circuit has at
/// most 2^26 rows; beyond this, calibration's repeated runs are the first thing to become slow).
pub const MAX_NODES: usize = 20_000;
/// The most elements one tensor (input, constant, node output) may have: a circuit has at most
/// 2^26 rows.
pub const MAX_TENSOR_ELEMENTS: usize = 1 << 26;

/// The most elements an import may materialise in total beyond the file's own tensors: every
/// constant computed at import (ConstantOfShape, Shape, nodes whose operands are all constant,
/// the constants of lowerings: a Div's reciprocal, BatchNormalization's folded weights,
/// ConvTranspose's flipped kernel) plus the index map of every `Select` (Slice, Gather, Split,
/// Expand, Pad in edge/reflect mode). Each element is 8 bytes, so 2^27 is 1 GiB; the per-tensor
/// limit alone would let a few-KB file of many 2^26-element constants ask for tens of GiB.
/// Initializers and `Constant` nodes are not counted: their size is bounded by the file's bytes.
pub const MAX_IMPORT_ELEMENTS: usize = 1 << 27;

/// The running total of elements an import has materialised, against [`MAX_IMPORT_ELEMENTS`].
#[derive(Debug, Default)]
pub(crate) struct Budget {
    used: usize,
}

impl Budget {
    /// Charges `n` elements of `what`, made by node `node` (`op_type`), before they are allocated.
    pub(crate) fn charge(&mut self, node: &str, op_type: &str, what: &str, n: usize) -> Result<()> {
        match self.used.checked_add(n) {
            Some(total) if total <= MAX_IMPORT_ELEMENTS => {
                self.used = total;
                Ok(())
            }
            total => Err(Error::TooLarge(format!(
                "node {node:?} ({op_type}): {what} of {n} elements would bring the elements materialised by the import \
                 (computed constants and index maps) to {}; at most 2^27 = {MAX_IMPORT_ELEMENTS} are supported in total",
                total.map_or_else(|| "more than a 64-bit count".to_string(), |t| t.to_string())
            ))),
        }
    }
}

/// Checks a tensor's element count against [`MAX_TENSOR_ELEMENTS`] without overflow.
pub(crate) fn check_elements(what: &str, shape: &[usize]) -> Result<()> {
    match crate::tensor::checked_numel(shape) {
        Some(n) if n <= MAX_TENSOR_ELEMENTS => Ok(()),
        Some(n) => Err(Error::TooLarge(format!("{what} of shape {shape:?} has {n} elements; at most 2^26 are supported"))),
        None => Err(Error::TooLarge(format!("{what} of shape {shape:?} has more elements than a 64-bit count (at most 2^26 are supported)"))),
    }
}

pub fn import(bytes: &[u8]) -> Result<Graph> {
    let mut reader = bytes;
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut reader)
        .map_err(|e| Error::Malformed(format!("cannot decode the protobuf: {e:#}")))?;
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| Error::Malformed("the model has no graph".into()))?;
    if graph.node.is_empty() {
        return Err(Error::Malformed("the graph has no nodes".into()));
    }
    if graph.node.len() > MAX_NODES {
        return Err(Error::TooLarge(format!("the graph has {} nodes; at most {MAX_NODES} are supported", graph.node.len())));
    }

    let mut constants: BTreeMap<String, Tensor<f64>> = BTreeMap::new();
    // The values of an integer element type (the importer holds every value as f64, so the type
    // is kept here): integer initializers and Constant nodes, Shape outputs, Casts to an integer
    // type, ArgMax/ArgMin outputs, and what an op computes from integer operands. A folded Div
    // of integers truncates toward zero and folded integer arithmetic is exact in i64
    // ([`fold_integer`]); an integer Div of a computed value is refused.
    let mut ints: HashSet<String> = HashSet::new();
    for t in &graph.initializer {
        let tensor = decode_tensor(t, &t.name)?;
        if is_integer_type(t.data_type) {
            ints.insert(t.name.clone());
        }
        constants.insert(t.name.clone(), tensor);
    }
    if !graph.sparse_initializer.is_empty() {
        return Err(Error::Malformed("sparse initializers are not supported".into()));
    }

    let mut shapes: HashMap<String, Vec<usize>> = HashMap::new();
    let mut inputs = Vec::new();
    for vi in &graph.input {
        if constants.contains_key(&vi.name) {
            continue; // an initializer also listed as an input (IR < 4 style)
        }
        let shape = input_shape(vi)?;
        check_elements(&format!("graph input {:?}", vi.name), &shape)?;
        shapes.insert(vi.name.clone(), shape.clone());
        inputs.push(ValueInfo { name: vi.name.clone(), shape });
    }
    if inputs.is_empty() {
        return Err(Error::Malformed("the graph has no (non-initializer) inputs".into()));
    }
    for (k, t) in &constants {
        shapes.insert(k.clone(), t.shape.clone());
    }

    // How often each value is read (node operands and graph outputs): a BatchNormalization is
    // folded into the node before it only when that node's output has no other reader.
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for np in &graph.node {
        for i in &np.input {
            *uses.entry(i.as_str()).or_default() += 1;
        }
    }
    for o in &graph.output {
        *uses.entry(o.name.as_str()).or_default() += 1;
    }

    let mut nodes: Vec<Node> = Vec::new();
    let mut folded = Vec::new();
    let mut budget = Budget::default();
    // The default domain's opset (Softmax's axis semantics changed at 13).
    let opset = proto.opset_import.iter().find(|o| o.domain.is_empty() || o.domain == "ai.onnx").map(|o| o.version).unwrap_or(13);
    // Nodes still to import, last first: Softmax/LogSoftmax and ConvTranspose push the nodes
    // they lower to.
    let mut pending: Vec<(usize, pb::NodeProto)> = graph.node.iter().cloned().enumerate().rev().collect();
    while let Some((index, np)) = pending.pop() {
        let np = &np;
        let name = if np.name.is_empty() { format!("#{index}") } else { np.name.clone() };
        // ai.onnx.ml: only ArrayFeatureExtractor (as the identity on class indices, below).
        let ml_identity = np.domain == "ai.onnx.ml" && np.op_type == "ArrayFeatureExtractor";
        if !(np.domain.is_empty() || np.domain == "ai.onnx" || ml_identity) {
            return Err(Error::UnsupportedOp {
                op_type: format!("{}:{}", np.domain, np.op_type),
                node: name,
                supported: SUPPORTED_OPS,
            });
        }
        if crate::shape_ops::SHAPE_OPS.contains(&np.op_type.as_str()) {
            let new = crate::shape_ops::import_shape_op(np, &name, opset, &mut constants, &mut ints, &mut shapes, &mut folded, &mut budget)?;
            nodes.extend(new);
            continue;
        }
        let invalid = |reason: String| Error::InvalidNode {
            node: name.clone(),
            op_type: np.op_type.clone(),
            reason,
        };
        if np.output.len() != 1 || np.output[0].is_empty() {
            return Err(invalid(format!("expected exactly one output, found {}", np.output.len())));
        }
        let output = np.output[0].clone();
        if shapes.contains_key(&output) {
            return Err(Error::Malformed(format!("value {output:?} is defined twice (node {name:?})")));
        }
        if np.op_type == "Constant" {
            let (t, int) = constant_node_value(np, &name)?;
            if int {
                ints.insert(output.clone());
            }
            shapes.insert(output.clone(), t.shape.clone());
            constants.insert(output, t);
            continue;
        }
        // Every operand must already be defined: the file is topologically sorted, and a
        // truncated file loses definitions.
        for inp in np.input.iter().filter(|s| !s.is_empty()) {
            if !shapes.contains_key(inp) {
                return Err(Error::Malformed(format!(
                    "node {name:?} ({}) reads {inp:?}, which no earlier node, input or initializer defines",
                    np.op_type
                )));
            }
        }
        if np.op_type == "Softmax" || np.op_type == "LogSoftmax" {
            let rank = np.input.first().and_then(|i| shapes.get(i)).map(Vec::len).unwrap_or(0);
            let lowered = crate::softmax::lower_softmax(np, &name, rank, opset)?;
            pending.extend(lowered.into_iter().rev().map(|n| (index, n)));
            continue;
        }
        // ConvTranspose: the zero-insertion of its input (strides > 1), then a Conv with the
        // flipped, channel-swapped kernel.
        if np.op_type == "ConvTranspose" {
            let lowered = crate::conv_transpose::lower_conv_transpose(np, &name, &mut constants, &mut shapes, &mut budget)?;
            pending.extend(lowered.into_iter().rev().map(|n| (index, n)));
            continue;
        }
        // An integer Div truncates toward zero: only folded (all operands constant), never proven
        // as a Mul by 1/b or a field division.
        if let Some(n) = np.input.first().filter(|n| np.op_type == "Div" && ints.contains(*n)) {
            if !np.input.iter().all(|i| constants.contains_key(i)) {
                return Err(invalid(format!(
                    "an integer division of the computed value {n:?} is not supported (ONNX truncates it; only constant integer operands are folded)"
                )));
            }
        }
        // Div by a constant: Mul by its reciprocal (a constant of its own), proven as a Mul.
        let div_by_const;
        let np = if np.op_type == "Div" && np.input.len() == 2 && constants.contains_key(&np.input[1]) && !constants.contains_key(&np.input[0]) {
            let c = &constants[&np.input[1]];
            if c.data.contains(&0.0) {
                return Err(invalid(format!("division by the constant {:?}, which has a zero element", np.input[1])));
            }
            let rname = format!("{}/reciprocal", np.input[1]);
            budget.charge(&name, "Div", "the reciprocal of the constant divisor", c.data.len())?;
            shapes.insert(rname.clone(), c.shape.clone());
            constants.insert(rname.clone(), c.map(|v| 1.0 / v));
            let mut m = np.clone();
            m.op_type = "Mul".into();
            m.input[1] = rname;
            div_by_const = m;
            &div_by_const
        } else {
            np
        };
        if np.op_type == "BatchNormalization" {
            crate::batchnorm::import_batchnorm(np, &name, &mut constants, &mut nodes, &mut shapes, &mut folded, &uses, &mut budget)?;
            continue;
        }
        let (mut op, ins) = parse_op(np, &name, &constants, &invalid)?;
        if np.op_type == "Cast" && cast_to_integer(np) && !constants.contains_key(&ins[0]) && !is_index(&ins[0], &nodes) {
            return Err(invalid(format!(
                "a cast to an integer type is supported only for indices (ArgMax/ArgMin outputs), and {:?} is not one",
                ins[0]
            )));
        }
        // An index cast to a type too narrow for it would wrap in ONNX; the cast is the identity
        // here, so it is refused instead.
        if np.op_type == "Cast" && !constants.contains_key(&ins[0]) {
            if let (Some(count), Some((type_name, _, hi))) = (index_count(&ins[0], &nodes, &shapes), attr(np, "to").and_then(|a| integer_type(a.i))) {
                if count as i128 - 1 > hi {
                    return Err(invalid(format!(
                        "a cast of the index {:?} (up to {}) to {type_name}, which holds at most {hi}: ONNX would wrap it",
                        ins[0],
                        count - 1
                    )));
                }
            }
        }
        if let Some(empty) = ins.iter().find(|i| constants.get(*i).is_some_and(|t| t.data.is_empty())) {
            return Err(invalid(format!("constant operand {empty:?} has no elements")));
        }
        let in_shapes: Vec<&Vec<usize>> = ins.iter().map(|i| &shapes[i]).collect();
        let output_shape = infer_shape_resolving(&mut op, &in_shapes).map_err(invalid)?;
        check_elements(&format!("the output of node {name:?} ({})", np.op_type), &output_shape)?;
        if matches!(op, Op::Mean | Op::Concat { .. })
            && ins.iter().any(|i| constants.contains_key(i))
            && !ins.iter().all(|i| constants.contains_key(i))
        {
            return Err(invalid(format!("a constant operand of {} is not supported", np.op_type)));
        }
        if matches!(op, Op::Conv { .. }) {
            if !constants.contains_key(&ins[1]) {
                return Err(invalid(format!("the weight W ({:?}) must be a constant", ins[1])));
            }
            if ins.len() == 3 && !constants.contains_key(&ins[2]) {
                return Err(invalid(format!("the bias B ({:?}) must be a constant", ins[2])));
            }
        }
        if let Op::Gemm { alpha, beta, .. } = op {
            if alpha != 1.0 && !constants.contains_key(&ins[0]) && !constants.contains_key(&ins[1]) {
                return Err(invalid(format!(
                    "alpha = {alpha} with neither A nor B constant is not supported (alpha is folded into a constant operand)"
                )));
            }
            if beta != 1.0 && ins.len() == 3 && !constants.contains_key(&ins[2]) {
                return Err(invalid(format!(
                    "beta = {beta} with a non-constant C is not supported (beta is folded into C)"
                )));
            }
        }
        // ONNX types an op's output by its operands' (one type for all), except these.
        let int_out = match np.op_type.as_str() {
            "Cast" => cast_to_integer(np) || attr(np, "to").is_some_and(|a| a.i == BOOL),
            "ArgMax" | "ArgMin" => true,
            _ => ins.iter().all(|i| ints.contains(i)),
        };
        let node = Node { name: name.clone(), op_type: np.op_type.clone(), op, inputs: ins, output, output_shape };
        shapes.insert(node.output.clone(), node.output_shape.clone());
        if int_out {
            ints.insert(node.output.clone());
        }
        if node.inputs.iter().all(|i| constants.contains_key(i)) {
            budget.charge(&name, &np.op_type, "its folded (constant) output", numel(&node.output_shape))?;
            let args: Vec<&Tensor<f64>> = node.inputs.iter().map(|i| &constants[i]).collect();
            let value = if np.op_type == "Cast" {
                cast_constant(attr(np, "to").map_or(0, |a| a.i), &node.inputs[0], args[0], ints.contains(&node.inputs[0]), &invalid)?
            } else if int_out {
                fold_integer(&node, &args).map_err(invalid)?
            } else {
                eval_node_f64(&node, &args)
            };
            check_finite(&value, &node.output)?;
            constants.insert(node.output.clone(), value);
            folded.push(name);
        } else {
            nodes.push(node);
        }
    }

    let mut outputs = Vec::new();
    for vo in &graph.output {
        let produced = nodes.iter().any(|n| n.output == vo.name) || inputs.iter().any(|i| i.name == vo.name);
        if !produced {
            return Err(Error::Malformed(format!(
                "graph output {:?} is not computed by any node (constant outputs are not supported)",
                vo.name
            )));
        }
        outputs.push(ValueInfo { name: vo.name.clone(), shape: shapes[&vo.name].clone() });
    }
    if outputs.is_empty() {
        return Err(Error::Malformed("the graph has no outputs".into()));
    }
    if nodes.is_empty() {
        return Err(Error::Malformed("no computation depends on the inputs".into()));
    }
    Ok(Graph { inputs, constants, nodes, outputs, folded, onnx_bytes: bytes.to_vec() })
}

fn input_shape(vi: &pb::ValueInfoProto) -> Result<Vec<usize>> {
    use pb::tensor_shape_proto::dimension::Value as D;
    use pb::type_proto::Value as T;
    let bad = |why: &str| Error::Malformed(format!("graph input {:?}: {why}", vi.name));
    let Some(T::TensorType(tt)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Err(bad("no tensor type"));
    };
    if tt.elem_type != pb::tensor_proto::DataType::Float as i32
        && tt.elem_type != pb::tensor_proto::DataType::Double as i32
    {
        return Err(bad(&format!("element type {} is not float or double", tt.elem_type)));
    }
    let shape = tt.shape.as_ref().ok_or_else(|| bad("no shape"))?;
    shape
        .dim
        .iter()
        .map(|d| match &d.value {
            Some(D::DimValue(v)) if *v > 0 => Ok(*v as usize),
            Some(D::DimValue(v)) => Err(bad(&format!("dimension {v} is not positive"))),
            // A symbolic (batch) dimension: proofs are for one sample, so it is fixed to 1.
            Some(D::DimParam(_)) | None => Ok(1),
        })
        .collect()
}

fn check_finite(t: &Tensor<f64>, name: &str) -> Result<()> {
    match t.data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((index, &value)) => Err(Error::NonFiniteConstant { tensor: name.into(), index, value }),
        None => Ok(()),
    }
}

/// Whether a Cast node's `to` is an integer type (ONNX UINT8 … INT64, UINT32, UINT64).
fn cast_to_integer(np: &pb::NodeProto) -> bool {
    matches!(attr(np, "to").map(|a| a.i), Some(2..=7 | 12 | 13))
}

/// ONNX's BOOL data type.
const BOOL: i64 = 9;

/// Whether an ONNX data type holds integers (UINT8 … INT64, BOOL, UINT32, UINT64).
pub(crate) fn is_integer_type(data_type: i32) -> bool {
    matches!(data_type, 2..=7 | 9 | 12 | 13)
}

/// The name and range of an ONNX integer data type.
fn integer_type(to: i64) -> Option<(&'static str, i128, i128)> {
    Some(match to {
        2 => ("UINT8", 0, u8::MAX.into()),
        3 => ("INT8", i8::MIN.into(), i8::MAX.into()),
        4 => ("UINT16", 0, u16::MAX.into()),
        5 => ("INT16", i16::MIN.into(), i16::MAX.into()),
        6 => ("INT32", i32::MIN.into(), i32::MAX.into()),
        7 => ("INT64", i64::MIN.into(), i64::MAX.into()),
        12 => ("UINT32", 0, u32::MAX.into()),
        13 => ("UINT64", 0, u64::MAX.into()),
        _ => return None,
    })
}

/// A Cast of the constant `c` (named `input`, integer-typed when `from_int`) to the ONNX type
/// `to`: to a float type the identity; to BOOL 1 for nonzero; from an integer type to a
/// narrower or unsigned one it wraps modulo 2^bits as ONNX (numpy, onnxruntime) does; from a
/// float, a non-integral value or one outside the target's range is refused (ONNX leaves it
/// undefined). A UINT64 result beyond i64 (a negative integer wrapped) is refused too.
fn cast_constant(to: i64, input: &str, c: &Tensor<f64>, from_int: bool, invalid: &Invalid<'_>) -> Result<Tensor<f64>> {
    if to == BOOL {
        return Ok(c.map(|v| if v != 0.0 { 1.0 } else { 0.0 }));
    }
    let Some((type_name, lo, hi)) = integer_type(to) else {
        return Ok(c.clone());
    };
    let mut data = Vec::with_capacity(c.data.len());
    for &v in &c.data {
        if v.fract() != 0.0 {
            return Err(invalid(format!("a cast of the non-integral constant {input:?} (value {v}) to an integer type")));
        }
        // An integer value is an i64 (decoded to f64: 2^63 stands for i64::MAX); a float's is
        // exact in i128 (beyond 2^127 it saturates, out of every range).
        let mut w = if from_int { (v as i64) as i128 } else { v as i128 };
        // Wrapping needs the exact integer: beyond 2^53 the f64 may have rounded it.
        if from_int && (w < lo || w > hi) && v.abs() <= 2f64.powi(53) {
            w = (w - lo).rem_euclid(hi - lo + 1) + lo;
        }
        if w < lo || w > hi || w > i64::MAX as i128 {
            return Err(invalid(format!("the constant {input:?} holds {v}, outside the range {lo} ..= {hi} of {type_name}")));
        }
        data.push(w as f64);
    }
    Ok(Tensor { shape: c.shape.clone(), data })
}

/// Folds a node whose operands are all integer constants: Add, Sub, Mul, Sum, ReduceSum exactly
/// in i64 and Div truncating toward zero (C, onnxruntime); an overflow, a division by zero or a
/// result not exact in f64 is refused. Ops that only move, compare or select values are
/// evaluated as usual; the others (a matrix product, a mean, a nonlinearity of integers) are
/// refused.
fn fold_integer(node: &Node, args: &[&Tensor<f64>]) -> std::result::Result<Tensor<f64>, String> {
    // Err((x, y)): the operands whose result is refused.
    let exact = |a: f64, b: f64| -> std::result::Result<f64, (i64, i64)> {
        let (x, y) = (a as i64, b as i64);
        let r = match node.op {
            Op::Add | Op::Sum => x.checked_add(y),
            Op::Sub => x.checked_sub(y),
            Op::Mul => x.checked_mul(y),
            _ => x.checked_div(y),
        };
        // Within i64 and exact in f64 (i64::MIN and i64::MAX, the usual ends of slices, are).
        r.filter(|&r| (r as f64) as i64 == r).map(|r| r as f64).ok_or((x, y))
    };
    let zip = |a: &Tensor<f64>, b: &Tensor<f64>| -> std::result::Result<Tensor<f64>, String> {
        let t = crate::tensor::broadcast_zip(a, b, exact);
        let data = t.data.into_iter().collect::<std::result::Result<_, _>>().map_err(|(x, y)| match node.op {
            Op::Div if y == 0 => format!("integer division by zero ({x} / 0)"),
            _ => format!("the integer {} of {x} and {y} overflows i64 or is not exact in f64", node.op_type),
        })?;
        Ok(Tensor { data, shape: t.shape })
    };
    match &node.op {
        Op::Add | Op::Sub | Op::Mul | Op::Div => zip(args[0], args[1]),
        Op::Sum => args[1..].iter().try_fold(args[0].clone(), |acc, b| zip(&acc, b)),
        Op::ReduceSum { axes, .. } => {
            let x = args[0];
            let sum = |g: &Vec<usize>| g.iter().try_fold(0i64, |s, &i| s.checked_add(x.data[i] as i64)).filter(|&r| (r as f64) as i64 == r);
            let data = crate::reduce::reduce_groups(&x.shape, axes)
                .iter()
                .map(|g| sum(g).map(|r| r as f64).ok_or_else(|| "the integer ReduceSum overflows i64 or is not exact in f64".to_string()))
                .collect::<std::result::Result<_, _>>()?;
            Ok(Tensor { shape: node.output_shape.clone(), data })
        }
        Op::Identity
        | Op::Relu
        | Op::Activation(Activation::Clip { .. })
        | Op::Flatten { .. }
        | Op::Reshape { .. }
        | Op::Transpose { .. }
        | Op::Concat { .. }
        | Op::Select { .. }
        | Op::Pad { .. }
        | Op::ReduceMax { .. }
        | Op::ReduceMin { .. }
        | Op::ArgMax { .. }
        | Op::ArgMin { .. }
        | Op::MaxPool { .. } => Ok(eval_node_f64(node, args)),
        _ => Err(format!("{} of integer constants is not supported (only Add, Sub, Mul, Div, Sum, ReduceSum and layout ops are folded exactly)", node.op_type)),
    }
}

/// A float attribute (`default` when absent). NaN and ±inf are refused naming the attribute: the
/// lookup tables and folded constants are keyed by the value, and NaN equals nothing.
pub(crate) fn float_attr(np: &pb::NodeProto, key: &str, default: f64, invalid: &Invalid<'_>) -> Result<f64> {
    match attr(np, key) {
        None => Ok(default),
        Some(a) if a.f.is_finite() => Ok(a.f as f64),
        Some(a) => Err(invalid(format!("attribute {key} = {} is not finite", a.f))),
    }
}

/// The ArgMax/ArgMin node whose output `value` is, possibly moved by layout ops since.
fn index_source<'a>(value: &str, nodes: &'a [Node]) -> Option<&'a Node> {
    let n = nodes.iter().find(|n| n.output == value)?;
    match n.op {
        Op::ArgMax { .. } | Op::ArgMin { .. } => Some(n),
        Op::Identity | Op::Reshape { .. } | Op::Flatten { .. } | Op::Transpose { .. } | Op::Select { .. } => index_source(&n.inputs[0], nodes),
        _ => None,
    }
}

/// Whether `value` is the output of an ArgMax/ArgMin, possibly moved by layout ops since.
fn is_index(value: &str, nodes: &[Node]) -> bool {
    index_source(value, nodes).is_some()
}

/// For an index ([`index_source`]): the length of its reduced axis, so its values are below it.
fn index_count(value: &str, nodes: &[Node], shapes: &HashMap<String, Vec<usize>>) -> Option<usize> {
    let n = index_source(value, nodes)?;
    let (Op::ArgMax { axes, .. } | Op::ArgMin { axes, .. }) = &n.op else { return None };
    shapes.get(&n.inputs[0])?.get(*axes.first()?).copied()
}

/// Decodes an ONNX tensor (float, double, int32, int64; raw or typed storage) to f64.
pub(crate) fn decode_tensor(t: &pb::TensorProto, name: &str) -> Result<Tensor<f64>> {
    use pb::tensor_proto::DataType as Dt;
    let bad = |why: String| Error::Malformed(format!("tensor {name:?}: {why}"));
    if t.data_location == Some(pb::tensor_proto::DataLocation::External as i32) {
        return Err(bad("external data files are not supported".into()));
    }
    let shape: Vec<usize> = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| bad(format!("negative dimension {d}"))))
        .collect::<Result<_>>()?;
    let n = crate::tensor::checked_numel(&shape).ok_or_else(|| bad("too large".into()))?;
    let raw = &t.raw_data;
    let from_raw = |width: usize| -> Result<()> {
        if raw.len() != n * width {
            return Err(bad(format!("raw data holds {} bytes, shape {shape:?} needs {}", raw.len(), n * width)));
        }
        Ok(())
    };
    let data: Vec<f64> = match Dt::try_from(t.data_type) {
        Ok(Dt::Float) if !raw.is_empty() => {
            from_raw(4)?;
            raw.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64).collect()
        }
        Ok(Dt::Float) => t.float_data.iter().map(|&v| v as f64).collect(),
        Ok(Dt::Double) if !raw.is_empty() => {
            from_raw(8)?;
            raw.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
        }
        Ok(Dt::Double) => t.double_data.clone(),
        Ok(Dt::Int64) if !raw.is_empty() => {
            from_raw(8)?;
            raw.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64).collect()
        }
        Ok(Dt::Int64) => t.int64_data.iter().map(|&v| v as f64).collect(),
        Ok(Dt::Int32) if !raw.is_empty() => {
            from_raw(4)?;
            raw.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().unwrap()) as f64).collect()
        }
        Ok(Dt::Int32) => t.int32_data.iter().map(|&v| v as f64).collect(),
        Ok(other) => return Err(bad(format!("element type {other:?} is not supported"))),
        Err(_) => return Err(bad(format!("unknown element type {}", t.data_type))),
    };
    if data.len() != n {
        return Err(bad(format!("holds {} values, shape {shape:?} needs {n}", data.len())));
    }
    let t = Tensor { shape, data };
    check_finite(&t, name)?;
    Ok(t)
}

fn attr<'a>(np: &'a pb::NodeProto, key: &str) -> Option<&'a pb::AttributeProto> {
    np.attribute.iter().find(|a| a.name == key)
}

/// A Constant node's value, and whether its element type is an integer type.
fn constant_node_value(np: &pb::NodeProto, name: &str) -> Result<(Tensor<f64>, bool)> {
    let invalid = |reason: String| Error::InvalidNode { node: name.into(), op_type: "Constant".into(), reason };
    let a = np.attribute.first().ok_or_else(|| invalid("no value attribute".into()))?;
    let (t, int) = match a.name.as_str() {
        "value" => {
            let t = a.t.as_ref().ok_or_else(|| invalid("value attribute holds no tensor".into()))?;
            (decode_tensor(t, &np.output[0])?, is_integer_type(t.data_type))
        }
        "value_float" => (Tensor { shape: vec![], data: vec![a.f as f64] }, false),
        "value_floats" => (Tensor { shape: vec![a.floats.len()], data: a.floats.iter().map(|&v| v as f64).collect() }, false),
        "value_int" => (Tensor { shape: vec![], data: vec![a.i as f64] }, true),
        "value_ints" => (Tensor { shape: vec![a.ints.len()], data: a.ints.iter().map(|&v| v as f64).collect() }, true),
        other => return Err(invalid(format!("value attribute {other:?} is not supported"))),
    };
    check_finite(&t, &np.output[0])?;
    Ok((t, int))
}

type Invalid<'a> = dyn Fn(String) -> Error + 'a;

fn parse_op(
    np: &pb::NodeProto,
    name: &str,
    constants: &BTreeMap<String, Tensor<f64>>,
    invalid: &Invalid<'_>,
) -> Result<(Op, Vec<String>)> {
    let ins: Vec<String> = np.input.clone();
    let arity = |lo: usize, hi: usize| -> Result<()> {
        let present = ins.iter().filter(|s| !s.is_empty()).count();
        if ins.len() < lo || ins.len() > hi {
            return Err(invalid(format!("expected {lo}..={hi} inputs, found {}", ins.len())));
        }
        if present < lo {
            let empty: Vec<usize> = ins.iter().enumerate().filter(|(_, s)| s.is_empty()).map(|(i, _)| i).collect();
            return Err(invalid(format!(
                "input(s) {empty:?} have an empty name (ONNX's mark of an omitted optional input), but {lo} input(s) are required"
            )));
        }
        Ok(())
    };
    let int = |key: &str, default: i64| attr(np, key).map(|a| a.i).unwrap_or(default);
    let op = match np.op_type.as_str() {
        "Gemm" => {
            arity(2, 3)?;
            if ins[0].is_empty() || ins[1].is_empty() {
                return Err(invalid("A and B are required".into()));
            }
            let op = Op::Gemm {
                alpha: float_attr(np, "alpha", 1.0, invalid)?,
                beta: float_attr(np, "beta", 1.0, invalid)?,
                trans_a: int("transA", 0) != 0,
                trans_b: int("transB", 0) != 0,
            };
            let ins: Vec<String> = ins.into_iter().filter(|s| !s.is_empty()).collect();
            return Ok((op, ins));
        }
        "MatMul" => {
            arity(2, 2)?;
            Op::MatMul
        }
        "Add" => {
            arity(2, 2)?;
            Op::Add
        }
        "Sub" => {
            arity(2, 2)?;
            Op::Sub
        }
        "Mul" => {
            arity(2, 2)?;
            Op::Mul
        }
        "Relu" => {
            arity(1, 1)?;
            Op::Relu
        }
        "Identity" => {
            arity(1, 1)?;
            Op::Identity
        }
        "Flatten" => {
            arity(1, 1)?;
            // Resolved against the rank in infer_shape_resolving (may be negative here).
            Op::Flatten { axis: encode_signed(int("axis", 1)) }
        }
        "Transpose" => {
            arity(1, 1)?;
            let perm = attr(np, "perm").map(|a| a.ints.clone()).unwrap_or_default();
            let perm = perm
                .iter()
                .map(|&p| usize::try_from(p).map_err(|_| invalid(format!("negative perm entry {p}"))))
                .collect::<Result<Vec<_>>>()?;
            Op::Transpose { perm }
        }
        "Conv" => {
            arity(2, 3)?;
            let ins: Vec<String> = ins.into_iter().filter(|s| !s.is_empty()).collect();
            let group = int("group", 1);
            if group < 1 {
                return Err(invalid(format!("group {group} must be positive")));
            }
            return Ok((Op::Conv { window: window_attrs(np, invalid)?, group: group as usize }, ins));
        }
        "MaxPool" | "AveragePool" => {
            arity(1, 1)?;
            if int("ceil_mode", 0) != 0 {
                return Err(invalid("ceil_mode = 1 is not supported".into()));
            }
            let window = window_attrs(np, invalid)?;
            if window.kernel.is_empty() {
                return Err(invalid("the kernel_shape attribute is required".into()));
            }
            if np.op_type == "MaxPool" {
                Op::MaxPool { window }
            } else {
                Op::AveragePool { window, count_include_pad: int("count_include_pad", 0) != 0 }
            }
        }
        "GlobalMaxPool" | "GlobalAveragePool" => {
            arity(1, 1)?;
            // An empty kernel stands for the whole spatial extent (resolved with the shape).
            let window = Window { kernel: vec![], strides: vec![], dilations: vec![], pads_begin: vec![], pads_end: vec![], auto_pad: AutoPad::NotSet };
            if np.op_type == "GlobalMaxPool" {
                Op::MaxPool { window }
            } else {
                Op::AveragePool { window, count_include_pad: false }
            }
        }
        "ReduceSum" | "ReduceMean" | "ReduceMax" | "ReduceMin" => {
            arity(1, 2)?;
            // axes: an attribute (ReduceMean before opset 18) or a constant second input.
            let mut axes: Vec<i64> = attr(np, "axes").map(|a| a.ints.clone()).unwrap_or_default();
            if let Some(a) = ins.get(1).filter(|s| !s.is_empty()) {
                let t = constants.get(a).ok_or_else(|| invalid(format!("the axes operand {a:?} must be a constant")))?;
                axes = t.data.iter().map(|&v| v as i64).collect();
            }
            let keepdims = int("keepdims", 1) != 0;
            if axes.is_empty() && int("noop_with_empty_axes", 0) != 0 {
                return Ok((Op::Identity, vec![ins[0].clone()]));
            }
            let axes = axes.into_iter().map(encode_signed).collect();
            let op = match np.op_type.as_str() {
                "ReduceSum" => Op::ReduceSum { axes, keepdims },
                "ReduceMean" => Op::ReduceMean { axes, keepdims },
                "ReduceMax" => Op::ReduceMax { axes, keepdims },
                _ => Op::ReduceMin { axes, keepdims },
            };
            return Ok((op, vec![ins[0].clone()]));
        }
        "ArgMax" | "ArgMin" => {
            arity(1, 1)?;
            if int("select_last_index", 0) != 0 {
                return Err(invalid("select_last_index = 1 is not supported (ties go to the first index)".into()));
            }
            let (axes, keepdims) = (vec![encode_signed(int("axis", 0))], int("keepdims", 1) != 0);
            if np.op_type == "ArgMax" { Op::ArgMax { axes, keepdims } } else { Op::ArgMin { axes, keepdims } }
        }
        "Div" => {
            // A constant divisor was turned into a Mul by its reciprocal before (`import`).
            arity(2, 2)?;
            if constants.contains_key(&ins[0]) && !constants.contains_key(&ins[1]) {
                return Err(invalid(format!("a constant numerator ({:?}) over a computed divisor is not supported", ins[0])));
            }
            Op::Div
        }
        "Clip" => {
            arity(1, 3)?;
            // opset ≥ 11: min and max are optional constant inputs; before: attributes.
            let bound = |i: usize, key: &str, default: f64| -> Result<f64> {
                match ins.get(i).filter(|s| !s.is_empty()) {
                    Some(n) => {
                        let t = constants.get(n).ok_or_else(|| invalid(format!("{key} ({n:?}) must be a constant")))?;
                        t.data.first().copied().ok_or_else(|| invalid(format!("{key} is empty")))
                    }
                    None => float_attr(np, key, default, invalid),
                }
            };
            let (min, max) = (bound(1, "min", f64::NEG_INFINITY)?, bound(2, "max", f64::INFINITY)?);
            return Ok((Op::Activation(Activation::Clip { min, max }), vec![ins[0].clone()]));
        }
        "LeakyRelu" => {
            arity(1, 1)?;
            Op::Activation(Activation::LeakyRelu { alpha: float_attr(np, "alpha", 0.01, invalid)? })
        }
        "Sigmoid" => {
            arity(1, 1)?;
            Op::Activation(Activation::Sigmoid)
        }
        "Tanh" => {
            arity(1, 1)?;
            Op::Activation(Activation::Tanh)
        }
        "HardSigmoid" => {
            arity(1, 1)?;
            let f = |k: &str, d: f64| float_attr(np, k, d, invalid);
            Op::Activation(Activation::HardSigmoid { alpha: f("alpha", 0.2)?, beta: f("beta", 0.5)? })
        }
        "HardSwish" | "Erf" | "Exp" | "Log" | "Sqrt" => {
            arity(1, 1)?;
            Op::Activation(match np.op_type.as_str() {
                "HardSwish" => Activation::HardSwish,
                "Erf" => Activation::Erf,
                "Exp" => Activation::Exp,
                "Log" => Activation::Log,
                _ => Activation::Sqrt,
            })
        }
        "Gelu" => {
            arity(1, 1)?;
            let tanh_approx = match attr(np, "approximate").map(|a| a.s.as_slice()) {
                None | Some(b"none") => false,
                Some(b"tanh") => true,
                Some(other) => return Err(invalid(format!("approximate = {:?} (expected \"none\" or \"tanh\")", String::from_utf8_lossy(other)))),
            };
            Op::Activation(Activation::Gelu { tanh_approx })
        }
        // Numeric casts of computed values do not change the values the circuit holds: to a float
        // type (float16/bfloat16 included: the graph is followed in float32 there), or to an
        // integer type of an index (checked by the caller). A constant's cast is folded by
        // `cast_constant` (integers wrap, floats out of range are refused; BOOL only there).
        "Cast" => {
            arity(1, 1)?;
            let to = int("to", 0);
            let numeric = cast_to_integer(np) || matches!(to, 1 | 10 | 11 | 16);
            if !(numeric || to == BOOL && constants.contains_key(&ins[0])) {
                return Err(invalid(format!("cast to ONNX data type {to} (only numeric types; BOOL only of a constant)")));
            }
            Op::Identity
        }
        // ai.onnx.ml ArrayFeatureExtractor(X, Y) gathers X's last axis at the indices Y. With X
        // the constant 0, 1, …, n−1 (skl2onnx's class labels of a classifier trained on the
        // labels 0 … n−1) it is the identity on Y; any other X is refused.
        "ArrayFeatureExtractor" => {
            arity(2, 2)?;
            let x = constants.get(&ins[0]).ok_or_else(|| invalid(format!("the data X ({:?}) must be a constant", ins[0])))?;
            let arange = x.shape.len() == 1 && x.data.iter().enumerate().all(|(i, &v)| v == i as f64);
            if !arange {
                return Err(invalid(format!("only the identity is supported: X must be the constant 0, 1, …, n−1 (it is {:?} of shape {:?})", x.data, x.shape)));
            }
            return Ok((Op::Identity, vec![ins[1].clone()]));
        }
        "Concat" => {
            arity(1, 64)?;
            Op::Concat { axis: encode_signed(int("axis", 0)) }
        }
        "Sum" | "Mean" => {
            arity(1, 64)?;
            if ins.iter().any(|s| s.is_empty()) {
                return Err(invalid("an empty operand name".into()));
            }
            if np.op_type == "Sum" { Op::Sum } else { Op::Mean }
        }
        "Reshape" => {
            arity(2, 2)?;
            if int("allowzero", 0) != 0 {
                return Err(invalid("allowzero = 1 is not supported".into()));
            }
            let shape_t = constants.get(&ins[1]).ok_or_else(|| {
                invalid(format!("the shape operand {:?} must be a constant", ins[1]))
            })?;
            if shape_t.shape.len() != 1 {
                return Err(invalid(format!("the shape operand has rank {}, expected 1", shape_t.shape.len())));
            }
            if let Some(v) = shape_t.data.iter().find(|v| v.fract() != 0.0) {
                return Err(invalid(format!("the shape operand holds the non-integer {v}")));
            }
            // Keep the raw request (0 = copy, −1 = infer) until the input shape is known.
            let raw: Vec<usize> = shape_t.data.iter().map(|&v| encode_signed(v as i64)).collect();
            return Ok((Op::Reshape { shape: raw }, vec![ins[0].clone()]));
        }
        other => {
            return Err(Error::UnsupportedOp {
                op_type: other.to_owned(),
                node: name.to_owned(),
                supported: SUPPORTED_OPS,
            })
        }
    };
    Ok((op, ins))
}

/// The window attributes of Conv/MaxPool/AveragePool as written (`kernel_shape` may be absent
/// for Conv; strides, dilations and pads default once the rank is known).
fn window_attrs(np: &pb::NodeProto, invalid: &Invalid<'_>) -> Result<Window> {
    let ints = |key: &str| -> Result<Vec<usize>> {
        attr(np, key)
            .map(|a| a.ints.clone())
            .unwrap_or_default()
            .iter()
            .map(|&v| usize::try_from(v).map_err(|_| invalid(format!("{key} holds the negative value {v}"))))
            .collect()
    };
    let auto_pad = match attr(np, "auto_pad") {
        None => AutoPad::NotSet,
        Some(a) => {
            let s = String::from_utf8_lossy(&a.s).into_owned();
            AutoPad::parse(&s).ok_or_else(|| invalid(format!("auto_pad {s:?} is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")))?
        }
    };
    let pads = ints("pads")?;
    if !pads.is_empty() && auto_pad != AutoPad::NotSet {
        return Err(invalid("pads and auto_pad are both given".into()));
    }
    if pads.len() % 2 != 0 {
        return Err(invalid(format!("pads {pads:?} must hold a begin and an end value per axis")));
    }
    let (b, e) = pads.split_at(pads.len() / 2);
    Ok(Window {
        kernel: ints("kernel_shape")?,
        strides: ints("strides")?,
        dilations: ints("dilations")?,
        pads_begin: b.to_vec(),
        pads_end: e.to_vec(),
        auto_pad,
    })
}

/// Fills the defaults of a window over `rank` spatial axes and resolves it against the spatial
/// input dimensions; returns the spatial output dimensions.
fn resolve_window(w: &mut Window, spatial: &[usize]) -> std::result::Result<Vec<usize>, String> {
    let r = spatial.len();
    if w.kernel.len() != r {
        return Err(format!("kernel_shape {:?} does not match the {r} spatial axes of the input", w.kernel));
    }
    for v in [&mut w.strides, &mut w.dilations] {
        if v.is_empty() {
            *v = vec![1; r];
        }
    }
    for v in [&mut w.pads_begin, &mut w.pads_end] {
        if v.is_empty() {
            *v = vec![0; r];
        }
    }
    if w.pads_begin.len() != r {
        return Err(format!("pads hold {} values per side for {r} spatial axes", w.pads_begin.len()));
    }
    let out = w.resolve(spatial)?;
    // The taps are listed below: bound them first (each is a multiply-accumulate, so a circuit of
    // at most 2^26 rows never has more; the node's output is checked against the per-tensor limit
    // by the caller, after this).
    let taps = out.iter().chain(&w.kernel).try_fold(1usize, |a, &d| a.checked_mul(d));
    if taps.is_none_or(|t| t > MAX_IMPORT_ELEMENTS) {
        return Err(format!(
            "{out:?} output positions times a kernel of {:?} is more than 2^27 window taps (the output or the window is too large)",
            w.kernel
        ));
    }
    if w.taps(spatial, &out).iter().any(|t| t.is_empty()) {
        return Err("a window lies entirely in the padding".into());
    }
    Ok(out)
}

/// Negative attribute values are carried through `usize` fields by this offset encoding until
/// the shape is known (then replaced by the resolved value, or refused as out of range). Every
/// i64 round-trips, i64::MIN included: 0 ..= i64::MAX map to themselves, −1 ..= i64::MIN to
/// NEG_BASE + 1 ..= NEG_BASE + 2^63 (= usize::MAX on 64-bit targets).
const NEG_BASE: usize = usize::MAX / 2;
fn encode_signed(v: i64) -> usize {
    // unsigned_abs: −i64::MIN does not exist as an i64. Saturating only matters where usize is
    // narrower than 64 bits (the value is then out of range for any rank anyway).
    let m = usize::try_from(v.unsigned_abs()).unwrap_or(usize::MAX);
    if v < 0 {
        NEG_BASE.saturating_add(m)
    } else {
        m.min(NEG_BASE)
    }
}
fn decode_signed(v: usize) -> i64 {
    if v > NEG_BASE {
        // v − NEG_BASE ≤ 2^63: the negation is computed as 0 − m, saturating at i64::MIN.
        0i64.saturating_sub_unsigned((v - NEG_BASE) as u64)
    } else {
        i64::try_from(v).unwrap_or(i64::MAX)
    }
}

/// Infers the output shape, resolving the op's raw attributes in place.
fn infer_shape_resolving(op: &mut Op, ins: &[&Vec<usize>]) -> std::result::Result<Vec<usize>, String> {
    match op {
        Op::Gemm { trans_a, trans_b, .. } => {
            let (a, b) = (ins[0], ins[1]);
            if a.len() != 2 || b.len() != 2 {
                return Err(format!("A and B must have rank 2, got {a:?} and {b:?}"));
            }
            let (m, k) = if *trans_a { (a[1], a[0]) } else { (a[0], a[1]) };
            let (k2, n) = if *trans_b { (b[1], b[0]) } else { (b[0], b[1]) };
            if k != k2 {
                return Err(format!("inner dimensions differ: A' is [{m}, {k}], B' is [{k2}, {n}]"));
            }
            if let Some(c) = ins.get(2) {
                if broadcast_shape(c, &[m, n]).as_deref() != Some(&[m, n][..]) {
                    return Err(format!("C of shape {c:?} does not broadcast to [{m}, {n}]"));
                }
            }
            Ok(vec![m, n])
        }
        Op::MatMul => {
            let (a, b) = (ins[0], ins[1]);
            if b.len() != 2 || a.is_empty() {
                return Err(format!("supported: A of rank ≥ 1 times B of rank 2; got {a:?} × {b:?}"));
            }
            if a[a.len() - 1] != b[0] {
                return Err(format!("inner dimensions differ: {a:?} × {b:?}"));
            }
            let mut out = a[..a.len() - 1].to_vec();
            out.push(b[1]);
            Ok(out)
        }
        Op::Add | Op::Sub | Op::Mul | Op::Div => broadcast_shape(ins[0], ins[1])
            .ok_or_else(|| format!("shapes {:?} and {:?} do not broadcast", ins[0], ins[1])),
        Op::Relu | Op::Identity | Op::Activation(_) => Ok(ins[0].clone()),
        Op::Select { .. } | Op::Pad { .. } => unreachable!("Select and Pad nodes are made by shape_ops"),
        Op::Concat { axis } => {
            let r = ins[0].len() as i64;
            let a = decode_signed(*axis);
            let a = if a < 0 { a + r } else { a };
            if a < 0 || a >= r {
                return Err(format!("axis {} out of range for rank {r}", decode_signed(*axis)));
            }
            *axis = a as usize;
            let mut out = ins[0].clone();
            for s in &ins[1..] {
                if s.len() != out.len() || s.iter().zip(&out).enumerate().any(|(i, (x, y))| i != *axis && x != y) {
                    return Err(format!("shapes {:?} and {s:?} differ off axis {axis}", ins[0]));
                }
                out[*axis] += s[*axis];
            }
            Ok(out)
        }
        Op::Sum | Op::Mean => {
            let mut out = ins[0].clone();
            for s in &ins[1..] {
                out = broadcast_shape(&out, s).ok_or_else(|| format!("shapes {out:?} and {s:?} do not broadcast"))?;
            }
            Ok(out)
        }
        Op::ReduceSum { axes, keepdims }
        | Op::ReduceMean { axes, keepdims }
        | Op::ReduceMax { axes, keepdims }
        | Op::ReduceMin { axes, keepdims }
        | Op::ArgMax { axes, keepdims }
        | Op::ArgMin { axes, keepdims } => {
            let r = ins[0].len() as i64;
            let mut res: Vec<usize> = vec![];
            if axes.is_empty() {
                res = (0..ins[0].len()).collect();
            }
            for &a in axes.iter() {
                let v = decode_signed(a);
                let v = if v < 0 { v + r } else { v };
                if v < 0 || v >= r {
                    return Err(format!("axis {} out of range for rank {r}", decode_signed(a)));
                }
                res.push(v as usize);
            }
            res.sort_unstable();
            res.dedup();
            *axes = res;
            Ok(ins[0].iter().enumerate().filter_map(|(i, &d)| if axes.contains(&i) { keepdims.then_some(1) } else { Some(d) }).collect())
        }
        Op::Conv { window, group } => {
            let (x, w) = (ins[0], ins[1]);
            if x.len() < 3 || w.len() != x.len() {
                return Err(format!("X {x:?} and W {w:?} must both have rank ≥ 3 and equal ranks"));
            }
            if window.kernel.is_empty() {
                window.kernel = w[2..].to_vec();
            }
            if window.kernel[..] != w[2..] {
                return Err(format!("kernel_shape {:?} differs from W's spatial dimensions {:?}", window.kernel, &w[2..]));
            }
            let g = *group;
            if x[1] % g != 0 || w[0] % g != 0 || w[1] * g != x[1] {
                return Err(format!("group {g}: X has {} channels, W is {w:?} (needs W[1]·group = C and group | M)", x[1]));
            }
            if let Some(b) = ins.get(2) {
                if b[..] != [w[0]] {
                    return Err(format!("bias B of shape {b:?}, expected [{}]", w[0]));
                }
            }
            let out = resolve_window(window, &x[2..])?;
            Ok([vec![x[0], w[0]], out].concat())
        }
        Op::MaxPool { window } | Op::AveragePool { window, .. } => {
            let x = ins[0];
            if x.len() < 3 {
                return Err(format!("X {x:?} must have rank ≥ 3 ([N, C, spatial…])"));
            }
            if window.kernel.is_empty() {
                window.kernel = x[2..].to_vec();
            }
            let out = resolve_window(window, &x[2..])?;
            Ok([x[..2].to_vec(), out].concat())
        }
        Op::Flatten { axis } => {
            let r = ins[0].len() as i64;
            let ax = decode_signed(*axis);
            let ax = if ax < 0 { ax + r } else { ax };
            if ax < 0 || ax > r {
                return Err(format!("axis {} out of range for rank {r}", decode_signed(*axis)));
            }
            *axis = ax as usize;
            let s = ins[0];
            Ok(vec![numel(&s[..*axis]), numel(&s[*axis..])])
        }
        Op::Transpose { perm } => {
            let r = ins[0].len();
            if perm.is_empty() {
                *perm = (0..r).rev().collect();
            }
            let mut seen = vec![false; r];
            if perm.len() != r || perm.iter().any(|&p| p >= r || std::mem::replace(&mut seen[p], true)) {
                return Err(format!("perm {perm:?} is not a permutation of {r} axes"));
            }
            Ok(perm.iter().map(|&p| ins[0][p]).collect())
        }
        Op::Reshape { shape } => {
            let src = ins[0];
            let mut out = Vec::with_capacity(shape.len());
            let mut infer = None;
            for (i, &raw) in shape.iter().enumerate() {
                match decode_signed(raw) {
                    0 => out.push(*src.get(i).ok_or_else(|| format!("0 at position {i} has no input dimension to copy"))?),
                    -1 if infer.is_none() => {
                        infer = Some(i);
                        out.push(1);
                    }
                    d if d > 0 => out.push(d as usize),
                    d => return Err(format!("invalid target dimension {d} in {:?}", shape.iter().map(|&v| decode_signed(v)).collect::<Vec<_>>())),
                }
            }
            let total = numel(src);
            if let Some(i) = infer {
                let rest = numel(&out);
                if rest == 0 || !total.is_multiple_of(rest) {
                    return Err(format!("cannot infer −1 reshaping {src:?}"));
                }
                out[i] = total / rest;
            }
            if numel(&out) != total {
                return Err(format!("cannot reshape {src:?} ({total} elements) to {out:?}"));
            }
            *shape = out.clone();
            Ok(out)
        }
    }
}
