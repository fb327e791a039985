//! Softmax and LogSoftmax, lowered at import into the operators that prove them (so the circuit
//! has no Softmax gadget of its own, and each step's bound composes into the output's):
//!
//! * m = ReduceMax(x, axes, keepdims) — proven an element and ≥ every element (max gadget);
//! * d = Sub(x, m) ≤ 0, e = Exp(d) ∈ [0, 1] — the exp table, whose inputs are all ≤ 0 so the
//!   outputs fit whatever the input range;
//! * σ = ReduceSum(e, axes, keepdims) ≥ 1 (the maximum's term is e^0 = 1, exactly 2^s);
//! * Softmax: Div(e, σ) — the quotient proven with its remainder, 0 ≤ r < σ;
//! * LogSoftmax: Sub(d, Log(σ)) — the log table (σ ≥ 1 is in its domain).
//!
//! The axes: opset ≥ 13 reduces the one `axis` (default −1); before, the input is coerced to 2-D
//! at `axis` (default 1), i.e. every axis from `axis` on is reduced.

use tract_onnx::pb;

use crate::error::{Error, Result};

fn node(op_type: &str, name: String, inputs: Vec<String>, output: String, axes: Option<&[i64]>) -> pb::NodeProto {
    let mut attribute = vec![];
    if let Some(axes) = axes {
        attribute.push(pb::AttributeProto { name: "axes".into(), ints: axes.to_vec(), r#type: pb::attribute_proto::AttributeType::Ints as i32, ..Default::default() });
        attribute.push(pb::AttributeProto { name: "keepdims".into(), i: 1, r#type: pb::attribute_proto::AttributeType::Int as i32, ..Default::default() });
    }
    pb::NodeProto { op_type: op_type.into(), name, input: inputs, output: vec![output], attribute, ..Default::default() }
}

/// The nodes a Softmax or LogSoftmax node `np` (named `name`, input of rank `rank`, default-domain
/// opset `opset`) stands for; the last writes the node's output.
pub fn lower_softmax(np: &pb::NodeProto, name: &str, rank: usize, opset: i64) -> Result<Vec<pb::NodeProto>> {
    let invalid = |reason: String| Error::InvalidNode { node: name.into(), op_type: np.op_type.clone(), reason };
    if np.input.len() != 1 || np.output.len() != 1 {
        return Err(invalid(format!("expected one input and one output, found {} and {}", np.input.len(), np.output.len())));
    }
    let axis = np.attribute.iter().find(|a| a.name == "axis").map(|a| a.i).unwrap_or(if opset >= 13 { -1 } else { 1 });
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if !(0..r).contains(&a) {
        return Err(invalid(format!("axis {axis} out of range for rank {rank}")));
    }
    let axes: Vec<i64> = if opset >= 13 { vec![a] } else { (a..r).collect() };
    let (x, out) = (np.input[0].clone(), np.output[0].clone());
    let v = |s: &str| format!("{out}/{s}");
    let n = |s: &str| format!("{name}/{s}");
    let mut nodes = vec![
        node("ReduceMax", n("max"), vec![x.clone()], v("max"), Some(&axes)),
        node("Sub", n("shift"), vec![x, v("max")], v("shifted"), None),
        node("Exp", n("exp"), vec![v("shifted")], v("exp"), None),
        node("ReduceSum", n("sum"), vec![v("exp")], v("sum"), Some(&axes)),
    ];
    if np.op_type == "Softmax" {
        nodes.push(node("Div", n("normalise"), vec![v("exp"), v("sum")], out, None));
    } else {
        nodes.push(node("Log", n("log_sum"), vec![v("sum")], v("log_sum"), None));
        nodes.push(node("Sub", n("normalise"), vec![v("shifted"), v("log_sum")], out, None));
    }
    Ok(nodes)
}
