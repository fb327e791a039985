//! Shape operators that select or rearrange elements, imported as cell permutations:
//! Slice, Gather (constant indices), Split (one `Select` node per output) become
//! [`Op::Select`] with the output→input index map computed here; Squeeze and Unsqueeze become
//! [`Op::Reshape`]; Concat is [`Op::Concat`]. In the circuit they move cells and add no rows.
//! Shape and ConstantOfShape are folded at import into constants (shapes are static here);
//! Expand (to a constant shape) becomes a [`Op::Select`] of the broadcast, or a constant.

use std::collections::{BTreeMap, HashMap, HashSet};

use tract_onnx::pb;

use crate::error::{Error, Result};
use crate::graph::{Node, Op};
use crate::import::{check_elements, Budget};
use crate::tensor::{numel, strides, Tensor};

/// The op types handled here.
pub(crate) const SHAPE_OPS: [&str; 9] = ["Slice", "Gather", "Split", "Squeeze", "Unsqueeze", "Pad", "Shape", "ConstantOfShape", "Expand"];

fn ints_of(np: &pb::NodeProto, key: &str) -> Option<Vec<i64>> {
    np.attribute.iter().find(|a| a.name == key).map(|a| a.ints.clone())
}

fn int_of(np: &pb::NodeProto, key: &str, default: i64) -> i64 {
    np.attribute.iter().find(|a| a.name == key).map(|a| a.i).unwrap_or(default)
}

/// Imports one node of [`SHAPE_OPS`]: returns the nodes to append (constant inputs are folded
/// into `constants` instead, their names pushed to `folded`). Integer-typed outputs (Shape, an
/// integer ConstantOfShape, a selection of integers) are added to `ints`; `opset` is the default
/// domain's (Split's parts).
///
/// Every output shape is computed with checked arithmetic and checked against the per-tensor
/// limit ([`check_elements`]) before anything of that size is built; index maps and computed
/// constants are charged to `budget` before they are allocated.
#[allow(clippy::too_many_arguments)]
pub(crate) fn import_shape_op(
    np: &pb::NodeProto,
    name: &str,
    opset: i64,
    constants: &mut BTreeMap<String, Tensor<f64>>,
    ints: &mut HashSet<String>,
    shapes: &mut HashMap<String, Vec<usize>>,
    folded: &mut Vec<String>,
    budget: &mut Budget,
) -> Result<Vec<Node>> {
    let invalid = |reason: String| Error::InvalidNode { node: name.into(), op_type: np.op_type.clone(), reason };
    let data = np.input.first().filter(|s| !s.is_empty()).ok_or_else(|| invalid("no data input".into()))?.clone();
    for i in np.input.iter().filter(|s| !s.is_empty()) {
        if !shapes.contains_key(i) {
            return Err(Error::Malformed(format!("node {name:?} ({}) reads {i:?}, which no earlier node, input or initializer defines", np.op_type)));
        }
    }
    for o in &np.output {
        if o.is_empty() || shapes.contains_key(o) {
            return Err(Error::Malformed(format!("node {name:?}: output {o:?} is empty or defined twice")));
        }
    }
    if np.op_type != "Split" && np.output.len() != 1 {
        return Err(invalid(format!("expected exactly one output, found {}", np.output.len())));
    }
    let shape = shapes[&data].clone();
    let r = shape.len() as i64;
    let op_type = np.op_type.as_str();
    // The limit on this node's outputs, checked before each is built.
    let check_out = |out: &[usize]| check_elements(&format!("the output of node {name:?} ({op_type})"), out);
    // Shape and ConstantOfShape read only the operand's shape (ConstantOfShape's may be empty:
    // a scalar); the others select from its elements, and an empty axis has none to select.
    if !matches!(op_type, "Shape" | "ConstantOfShape") && shape.contains(&0) {
        return Err(invalid(format!("the data operand {data:?} of shape {shape:?} has no elements")));
    }
    let axis_of = |a: i64| -> Result<usize> {
        let v = if a < 0 { a + r } else { a };
        if v < 0 || v >= r {
            return Err(invalid(format!("axis {a} out of range for rank {r}")));
        }
        Ok(v as usize)
    };
    // A constant operand (position i), as integers.
    let const_ints = |i: usize| -> Result<Option<Vec<i64>>> {
        match np.input.get(i).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(n) => {
                let t = constants.get(n).ok_or_else(|| invalid(format!("operand {n:?} must be a constant")))?;
                Ok(Some(t.data.iter().map(|&v| v as i64).collect()))
            }
        }
    };
    // (output name, output shape, op) per output.
    let mut outs: Vec<(String, Vec<usize>, Op)> = vec![];
    match np.op_type.as_str() {
        // Folded: the shape (ONNX `start`/`end`, opset 15) as a constant, no node.
        "Shape" => {
            let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
            let (start, end) = (clamp(int_of(np, "start", 0)), clamp(int_of(np, "end", r)));
            let dims: Vec<f64> = shape[start..end.max(start)].iter().map(|&d| d as f64).collect();
            budget.charge(name, op_type, "its folded (constant) output", dims.len())?;
            let t = Tensor { shape: vec![dims.len()], data: dims };
            ints.insert(np.output[0].clone());
            shapes.insert(np.output[0].clone(), t.shape.clone());
            constants.insert(np.output[0].clone(), t);
            folded.push(name.to_owned());
            return Ok(vec![]);
        }
        // Folded: a constant of the (constant) shape filled with `value` (default 0.0).
        "ConstantOfShape" => {
            let dims = const_ints(0)?.ok_or_else(|| invalid("no shape input".into()))?;
            let dims = dims.iter().map(|&d| usize::try_from(d).map_err(|_| invalid(format!("negative dimension {d}")))).collect::<Result<Vec<_>>>()?;
            check_out(&dims)?;
            let value = match np.attribute.iter().find(|a| a.name == "value").and_then(|a| a.t.as_ref()) {
                Some(t) => {
                    if crate::import::is_integer_type(t.data_type) {
                        ints.insert(np.output[0].clone());
                    }
                    crate::import::decode_tensor(t, name)?.data.first().copied().ok_or_else(|| invalid("an empty value tensor".into()))?
                }
                None => 0.0,
            };
            budget.charge(name, op_type, "its folded (constant) output", numel(&dims))?;
            let t = Tensor { shape: dims.clone(), data: vec![value; numel(&dims)] };
            shapes.insert(np.output[0].clone(), dims);
            constants.insert(np.output[0].clone(), t);
            folded.push(name.to_owned());
            return Ok(vec![]);
        }
        // Numpy (bidirectional) broadcast to a constant shape: cells selected.
        "Expand" => {
            let target = const_ints(1)?.ok_or_else(|| invalid("no shape input".into()))?;
            let target = target.iter().map(|&d| usize::try_from(d).map_err(|_| invalid(format!("negative dimension {d}")))).collect::<Result<Vec<_>>>()?;
            let out = crate::tensor::broadcast_shape(&shape, &target).ok_or_else(|| invalid(format!("shape {shape:?} does not broadcast to {target:?}")))?;
            check_out(&out)?;
            if out.contains(&0) {
                return Err(invalid(format!("the output is empty (shape {out:?})")));
            }
            budget.charge(name, op_type, "its index map", numel(&out))?;
            let index = crate::tensor::broadcast_indices(&shape, &out);
            outs.push((np.output[0].clone(), out, Op::Select { index }));
        }
        "Squeeze" | "Unsqueeze" => {
            let axes = const_ints(1)?.or_else(|| ints_of(np, "axes")).unwrap_or_default();
            let out = if np.op_type == "Squeeze" {
                let axes = axes.iter().map(|&a| axis_of(a)).collect::<Result<Vec<_>>>()?;
                if let Some(&a) = axes.iter().find(|&&a| shape[a] != 1) {
                    return Err(invalid(format!("axis {a} has size {}, not 1", shape[a])));
                }
                shape.iter().enumerate().filter(|(i, &d)| if axes.is_empty() { d != 1 } else { !axes.contains(i) }).map(|(_, &d)| d).collect()
            } else {
                let n = r + axes.len() as i64;
                let mut pos: Vec<usize> = axes
                    .iter()
                    .map(|&a| {
                        let v = if a < 0 { a + n } else { a };
                        if v < 0 || v >= n { Err(invalid(format!("axis {a} out of range for rank {n}"))) } else { Ok(v as usize) }
                    })
                    .collect::<Result<_>>()?;
                pos.sort_unstable();
                let mut out = shape.clone();
                for p in pos {
                    out.insert(p, 1);
                }
                out
            };
            check_out(&out)?;
            outs.push((np.output[0].clone(), out.clone(), Op::Reshape { shape: out }));
        }
        "Slice" => {
            // opset ≥ 10: starts, ends, axes, steps as constant inputs; before: attributes.
            let starts = const_ints(1)?.or_else(|| ints_of(np, "starts")).ok_or_else(|| invalid("no starts".into()))?;
            let ends = const_ints(2)?.or_else(|| ints_of(np, "ends")).ok_or_else(|| invalid("no ends".into()))?;
            let axes = const_ints(3)?.or_else(|| ints_of(np, "axes")).unwrap_or_else(|| (0..starts.len() as i64).collect());
            let steps = const_ints(4)?.unwrap_or_else(|| vec![1; starts.len()]);
            if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
                return Err(invalid("starts, ends, axes and steps differ in length".into()));
            }
            // Per axis: the selected positions.
            let mut sel: Vec<Vec<usize>> = shape.iter().map(|&d| (0..d).collect()).collect();
            for k in 0..starts.len() {
                let a = axis_of(axes[k])?;
                let d = shape[a] as i64;
                let step = steps[k];
                if step == 0 {
                    return Err(invalid("a step of 0".into()));
                }
                let fix = |v: i64| if v < 0 { v + d } else { v };
                let (mut s, mut e) = (fix(starts[k]), fix(ends[k]));
                let mut pos = vec![];
                if step > 0 {
                    s = s.clamp(0, d);
                    e = e.clamp(0, d);
                    // checked_add: a step near i64::MAX ends the walk instead of overflowing.
                    let mut i = Some(s);
                    while let Some(j) = i.filter(|&j| j < e) {
                        pos.push(j as usize);
                        i = j.checked_add(step);
                    }
                } else {
                    s = s.clamp(0, d - 1);
                    e = e.clamp(-1, d - 1);
                    let mut i = Some(s);
                    while let Some(j) = i.filter(|&j| j > e) {
                        pos.push(j as usize);
                        i = j.checked_add(step);
                    }
                }
                sel[a] = pos;
            }
            let out: Vec<usize> = sel.iter().map(Vec::len).collect();
            if out.contains(&0) {
                return Err(invalid(format!("the slice is empty (shape {out:?})")));
            }
            check_out(&out)?;
            budget.charge(name, op_type, "its index map", numel(&out))?;
            outs.push((np.output[0].clone(), out.clone(), Op::Select { index: cartesian(&shape, &sel) }));
        }
        "Gather" => {
            let ind_name = np.input.get(1).filter(|s| !s.is_empty()).ok_or_else(|| invalid("no indices".into()))?;
            let ind = constants.get(ind_name).ok_or_else(|| invalid(format!("the indices {ind_name:?} must be a constant")))?.clone();
            let a = axis_of(int_of(np, "axis", 0))?;
            let d = shape[a] as i64;
            let idx: Vec<usize> = ind
                .data
                .iter()
                .map(|&v| {
                    let v = v as i64;
                    let w = if v < 0 { v + d } else { v };
                    if w < 0 || w >= d { Err(invalid(format!("index {v} out of range for axis {a} of size {d}"))) } else { Ok(w as usize) }
                })
                .collect::<Result<_>>()?;
            let mut out = shape[..a].to_vec();
            out.extend(&ind.shape);
            out.extend(&shape[a + 1..]);
            check_out(&out)?;
            if out.contains(&0) {
                return Err(invalid(format!("the output is empty (shape {out:?}): no indices")));
            }
            budget.charge(name, op_type, "its index map", numel(&out))?;
            let (outer, inner) = (numel(&shape[..a]), numel(&shape[a + 1..]));
            let mut index = Vec::with_capacity(numel(&out));
            for o in 0..outer {
                for &j in &idx {
                    for i in 0..inner {
                        index.push((o * shape[a] + j) * inner + i);
                    }
                }
            }
            outs.push((np.output[0].clone(), out, Op::Select { index }));
        }
        "Split" => {
            let a = axis_of(int_of(np, "axis", 0))?;
            let k = np.output.len();
            let d = shape[a];
            if k == 0 {
                return Err(invalid("no outputs".into()));
            }
            let sizes: Vec<usize> = match const_ints(1)?.or_else(|| ints_of(np, "split")) {
                Some(s) => s.iter().map(|&v| usize::try_from(v).map_err(|_| invalid(format!("negative split {v}")))).collect::<Result<_>>()?,
                // Before opset 18 the parts must be equal; from 18 the last one may be smaller.
                None if opset < 18 && !d.is_multiple_of(k) => {
                    return Err(invalid(format!(
                        "opset {opset}: axis {a} of size {d} does not split into {k} equal parts (uneven parts need a split input or opset ≥ 18)"
                    )));
                }
                None => {
                    let part = d.div_ceil(k);
                    (0..k).map(|i| part.min(d.saturating_sub(i * part))).collect()
                }
            };
            // checked: sizes near 2^63 must not wrap to d.
            let total = sizes.iter().try_fold(0usize, |t, &v| t.checked_add(v));
            if sizes.len() != k || total != Some(d) || sizes.contains(&0) {
                return Err(invalid(format!("split sizes {sizes:?} do not cut axis {a} of size {d} into {k} parts")));
            }
            let mut start = 0;
            for (i, (o, &len)) in np.output.iter().zip(&sizes).enumerate() {
                // Axis a's part only (not the whole axis first: there may be d outputs).
                let sel: Vec<Vec<usize>> = shape.iter().enumerate().map(|(b, &d)| if b == a { (start..start + len).collect() } else { (0..d).collect() }).collect();
                start += len;
                let out: Vec<usize> = sel.iter().map(Vec::len).collect();
                check_out(&out)?;
                budget.charge(&format!("{name}:{i}"), op_type, "its index map", numel(&out))?;
                outs.push((o.clone(), out, Op::Select { index: cartesian(&shape, &sel) }));
            }
        }
        "Pad" => {
            let pads = const_ints(1)?.or_else(|| ints_of(np, "pads")).ok_or_else(|| invalid("no pads".into()))?;
            let axes = match const_ints(3)? {
                Some(a) => a.iter().map(|&a| axis_of(a)).collect::<Result<Vec<_>>>()?,
                None => (0..shape.len()).collect(),
            };
            if pads.len() != 2 * axes.len() {
                return Err(invalid(format!("pads {pads:?} needs a begin and an end per axis ({} axes)", axes.len())));
            }
            if let Some(p) = pads.iter().find(|&&p| p < 0) {
                return Err(invalid(format!("negative pad {p} (cropping) is not supported")));
            }
            let (mut begin, mut end) = (vec![0usize; shape.len()], vec![0usize; shape.len()]);
            // Non-negative i64s: they fit a 64-bit usize; saturate where usize is narrower (the
            // sums below then overflow and are refused).
            let to_usize = |p: i64| usize::try_from(p).unwrap_or(usize::MAX);
            for (k, &a) in axes.iter().enumerate() {
                begin[a] = to_usize(pads[k]);
                end[a] = to_usize(pads[k + axes.len()]);
            }
            let value = match np.input.get(2).filter(|s| !s.is_empty()) {
                Some(n) => constants.get(n).and_then(|t| t.data.first().copied()).ok_or_else(|| invalid(format!("constant_value ({n:?}) must be a constant scalar")))?,
                None => crate::import::float_attr(np, "value", 0.0, &invalid)?,
            };
            let out = (0..shape.len())
                .map(|a| {
                    shape[a].checked_add(begin[a]).and_then(|v| v.checked_add(end[a])).ok_or_else(|| {
                        Error::TooLarge(format!(
                            "the output of node {name:?} (Pad): axis {a} of size {} padded by {} and {} exceeds a 64-bit count (at most 2^26 elements are supported)",
                            shape[a], begin[a], end[a]
                        ))
                    })
                })
                .collect::<Result<Vec<usize>>>()?;
            // Before any selection is built (edge, reflect) or the shape recorded (constant).
            check_out(&out)?;
            let mode = np.attribute.iter().find(|a| a.name == "mode").map(|a| String::from_utf8_lossy(&a.s).into_owned()).unwrap_or_else(|| "constant".into());
            match mode.as_str() {
                "constant" => outs.push((np.output[0].clone(), out, Op::Pad { begin, end, value })),
                "edge" | "reflect" => {
                    budget.charge(name, op_type, "its index map", numel(&out))?;
                    let mut sel: Vec<Vec<usize>> = vec![];
                    for a in 0..shape.len() {
                        let d = shape[a] as i64;
                        if mode == "reflect" && d < 2 && begin[a] + end[a] > 0 || (mode == "reflect" && (begin[a] as i64 >= d || end[a] as i64 >= d)) {
                            return Err(invalid(format!("reflect padding of {}/{} on an axis of size {d}", begin[a], end[a])));
                        }
                        sel.push(
                            (-(begin[a] as i64)..d + end[a] as i64)
                                .map(|i| {
                                    let j = if mode == "edge" { i.clamp(0, d - 1) } else if i < 0 { -i } else if i >= d { 2 * (d - 1) - i } else { i };
                                    j as usize
                                })
                                .collect(),
                        );
                    }
                    outs.push((np.output[0].clone(), out, Op::Select { index: cartesian(&shape, &sel) }));
                }
                m => return Err(invalid(format!("mode {m:?} is not supported (constant, edge, reflect)"))),
            }
        }
        other => unreachable!("{other} is not a shape op"),
    }
    let mut nodes = vec![];
    let many = outs.len() > 1;
    // A selection, a reshape or a pad of integers holds integers.
    if ints.contains(&data) {
        ints.extend(outs.iter().map(|(o, _, _)| o.clone()));
    }
    for (i, (output, output_shape, op)) in outs.into_iter().enumerate() {
        let node = Node {
            name: if many { format!("{name}:{i}") } else { name.to_owned() },
            op_type: np.op_type.clone(),
            op,
            inputs: vec![data.clone()],
            output: output.clone(),
            output_shape: output_shape.clone(),
        };
        shapes.insert(output.clone(), output_shape);
        if let Some(c) = constants.get(&data) {
            budget.charge(&node.name, op_type, "its folded (constant) output", numel(&node.output_shape))?;
            let v = crate::eval::eval_node_f64(&node, &[c]);
            constants.insert(output, v);
            folded.push(node.name);
        } else {
            nodes.push(node);
        }
    }
    Ok(nodes)
}

/// Flat input indices of the row-major cartesian product of per-axis selections.
fn cartesian(shape: &[usize], sel: &[Vec<usize>]) -> Vec<usize> {
    let st = strides(shape);
    let mut out = vec![0usize];
    for (a, s) in sel.iter().enumerate() {
        let stride = st[a];
        out = out.iter().flat_map(|&base| s.iter().map(move |&p| base + p * stride)).collect();
    }
    out
}
