//! ConvTranspose, lowered at import to operators the circuit already proves (nothing new in the
//! circuit): a zero-insertion of the input by cell moves and one constant cell, then a Conv with
//! the flipped, channel-swapped kernel.
//!
//! **Definition** (ONNX, per spatial axis; stride s, dilation d, kernel k, pads p_b/p_e, output
//! padding o, input length L):
//!
//!   y[j] = Σ_{i, κ : i·s + κ·d − p_b = j} x[i]·W[κ],   0 ≤ j < s·(L − 1) + o + d·(k − 1) + 1 − p_b − p_e
//!
//! (summed over the input channels c of the group, W[g·C + c, m, κ]; C = C_in/group,
//! M = C_out/group, output channel g·M + m).
//!
//! **Zero-insertion.** z[i·s] = x[i] for 0 ≤ i < L, z = 0 elsewhere, of length
//! L' = (L − 1)·s + 1 + o (the output padding o < s is o more trailing zeros). For [N, C, H, W]
//! and strides (s_h, s_w) it is made of nodes the importer already proves as cell permutations
//! and constants (1-D and N-D likewise, one inserted axis per spatial axis):
//!
//!   Reshape [N, C, H, 1, W, 1] → Pad (constant 0) at the end to [N, C, H, s_h, W, s_w]
//!   → Reshape [N, C, H·s_h, W·s_w] → Slice to [N, C, (H − 1)·s_h + 1 + o_h, (W − 1)·s_w + 1 + o_w]
//!
//! (row-major: element (h, r, w, t) of the padded tensor is z[h·s_h + r, w·s_w + t], and it is
//! x[h, w] for r = t = 0, else 0; the Slice keeps o of the s − 1 trailing zeros). In the circuit the
//! Reshapes and the Slice move cells (no rows) and the Pad costs one constant row; the Conv then
//! reads the inserted zeros as that constant cell, so its products over them are real MAC
//! products (a stride-s ConvTranspose costs about s^d times the products of the polyphase form).
//! Nodes `<name>/zero_insert/{expand,pad,merge,slice}`, values `<output>/zero_insert/…`; with
//! every stride 1 there is no zero-insertion.
//!
//! **Unit-stride ConvTranspose = Conv.** With z as the input (stride 1 now), the definition is
//!
//!   y[j] = Σ_κ z[j + p_b − κ·d]·W[κ]   (z = 0 outside 0 … L' − 1)
//!        = Σ_κ' z'[j + κ'·d]·W[k − 1 − κ']   with κ' = k − 1 − κ, z'[t] = z[t − (d·(k − 1) − p_b)],
//!
//! i.e. Conv(z, W') with W'[g·M + m, c, κ'] = W[g·C + c, m, k − 1 − κ'] (the kernel flipped on
//! every spatial axis, input and output channels swapped within each group) and Conv pads
//! P_b = d·(k − 1) − p_b before and P_e = d·(k − 1) − p_e after. Its output length is
//! L' + P_b + P_e − d·(k − 1) = s·(L − 1) + o + d·(k − 1) + 1 − p_b − p_e, the ConvTranspose's.
//! The output padding could as well be o more Conv padding at the end, but then, with p_e < o,
//! the last window would start at z'-position P_b + (L' − o) + (P_e + o) − d·(k − 1) − 1 =
//! P_b + (L' − o) + (o − p_e − 1), past the last input element, i.e. lie entirely in the padding,
//! which the Conv layout refuses; as zero cells of z it reads those cells instead.
//!
//! **Refused by name** (`InvalidNode`): `output_shape`; `auto_pad` SAME_UPPER/SAME_LOWER (NOTSET
//! and VALID are supported); pads beyond d·(k − 1) (a negative Conv pad, i.e. cropping);
//! `output_padding` ≥ stride or negative; strides < 1; a non-constant weight. A dilated kernel
//! whose taps all miss the input for some output (L' ≤ p_b < d, say) is the Conv's named
//! error "a window lies entirely in the padding", under the ConvTranspose's name.

use std::collections::{BTreeMap, HashMap};

use tract_onnx::pb;

use crate::error::{Error, Result};
use crate::import::{check_elements, Budget};
use crate::tensor::{numel, strides, Tensor};

/// The nodes the ConvTranspose `np` (named `name`) stands for: the zero-insertion of its input
/// (only when a stride exceeds 1) and the Conv, which keeps the name and writes the node's
/// output. Their constants (the Conv's weight `<W>/conv_transpose`, the shapes, pads and slice
/// bounds of the zero-insertion) are added to `constants` and `shapes`.
pub fn lower_conv_transpose(
    np: &pb::NodeProto,
    name: &str,
    constants: &mut BTreeMap<String, Tensor<f64>>,
    shapes: &mut HashMap<String, Vec<usize>>,
    budget: &mut Budget,
) -> Result<Vec<pb::NodeProto>> {
    let invalid = |reason: String| Error::InvalidNode { node: name.into(), op_type: np.op_type.clone(), reason };
    let ins: Vec<&String> = np.input.iter().filter(|s| !s.is_empty()).collect();
    if !(2..=3).contains(&ins.len()) || np.output.len() != 1 {
        return Err(invalid(format!("expected 2 or 3 inputs and one output, found {} and {}", ins.len(), np.output.len())));
    }
    let w = constants.get(ins[1]).ok_or_else(|| invalid(format!("the weight W ({:?}) must be a constant", ins[1])))?.clone();
    if w.shape.len() < 3 {
        return Err(invalid(format!("weight of shape {:?}: rank ≥ 3 expected", w.shape)));
    }
    let attr = |k: &str| np.attribute.iter().find(|a| a.name == k);
    let ints = |k: &str| attr(k).map(|a| a.ints.clone()).unwrap_or_default();
    let sp = w.shape.len() - 2;
    let x_shape = shapes.get(ins[0]).cloned().unwrap_or_default();
    if x_shape.len() != sp + 2 {
        return Err(invalid(format!("input {:?} of shape {x_shape:?} does not match the weight's {sp} spatial axes (rank {} expected)", ins[0], sp + 2)));
    }
    let group = attr("group").map(|a| a.i).unwrap_or(1);
    if group < 1 || w.shape[0] % group as usize != 0 {
        return Err(invalid(format!("group {group} does not divide the {} input channels", w.shape[0])));
    }
    let group = group as usize;
    if x_shape[1] != w.shape[0] {
        return Err(invalid(format!("input of {} channels, weight of {} input channels", x_shape[1], w.shape[0])));
    }
    if attr("output_shape").is_some() {
        return Err(invalid("output_shape is not supported (give pads and output_padding instead)".into()));
    }
    if let Some(a) = attr("auto_pad") {
        let s = String::from_utf8_lossy(&a.s).into_owned();
        if !matches!(s.as_str(), "NOTSET" | "VALID" | "") {
            return Err(invalid(format!("auto_pad {s:?} is not supported (NOTSET, VALID)")));
        }
    }
    let kernel: Vec<usize> = w.shape[2..].to_vec();
    let or_default = |v: Vec<i64>, n: usize, d: i64| if v.is_empty() { vec![d; n] } else { v };
    let dil = or_default(ints("dilations"), sp, 1);
    let pads = or_default(ints("pads"), 2 * sp, 0);
    let stride = or_default(ints("strides"), sp, 1);
    let out_pad = or_default(ints("output_padding"), sp, 0);
    if dil.len() != sp || pads.len() != 2 * sp || stride.len() != sp || out_pad.len() != sp || dil.iter().any(|&d| d < 1) {
        return Err(invalid(format!(
            "dilations {dil:?} / pads {pads:?} / strides {stride:?} / output_padding {out_pad:?} do not match {sp} spatial axes"
        )));
    }
    if let Some(s) = stride.iter().find(|&&s| s < 1) {
        return Err(invalid(format!("strides {stride:?}: a stride of {s}")));
    }
    for a in 0..sp {
        if out_pad[a] < 0 || out_pad[a] >= stride[a] {
            return Err(invalid(format!(
                "output_padding {out_pad:?}: on axis {a} it must be ≥ 0 and below the stride {} (it is {})",
                stride[a], out_pad[a]
            )));
        }
    }
    let mut conv_pads = vec![0i64; 2 * sp];
    for a in 0..sp {
        for side in 0..2 {
            // checked: a dilation near 2^63 must not wrap (an overflow is out of any reach).
            let reach = i64::try_from(kernel[a] - 1).ok().and_then(|k| dil[a].checked_mul(k));
            let Some(p) = reach.and_then(|r| r.checked_sub(pads[side * sp + a])) else {
                return Err(invalid(format!("dilations {dil:?} with kernel {kernel:?}: the kernel's reach d·(k − 1) on axis {a} exceeds a 64-bit count")));
            };
            if p < 0 {
                return Err(invalid(format!("pads {pads:?} exceed the kernel's reach d·(k − 1) on axis {a}")));
            }
            conv_pads[side * sp + a] = p;
        }
    }
    // W [C_in, M, k…] → W' [C_out = group·M, C = C_in/group, k…], flipped.
    let (c_in, m) = (w.shape[0], w.shape[1]);
    let c = c_in / group;
    let mut shape = vec![group * m, c];
    shape.extend(&kernel);
    let ks = numel(&kernel);
    let kst = strides(&kernel);
    budget.charge(name, "ConvTranspose", "its flipped kernel", numel(&shape))?;
    let mut data = vec![0.0; numel(&shape)];
    for g in 0..group {
        for mm in 0..m {
            for cc in 0..c {
                for kappa in 0..ks {
                    // The flipped kernel position: k − 1 − κ on every axis.
                    let flipped: usize = (0..sp).map(|a| (kernel[a] - 1 - (kappa / kst[a]) % kernel[a]) * kst[a]).sum();
                    data[((g * m + mm) * c + cc) * ks + kappa] = w.data[((g * c + cc) * m + mm) * ks + flipped];
                }
            }
        }
    }
    let wname = format!("{}/conv_transpose", ins[1]);
    shapes.insert(wname.clone(), shape.clone());
    constants.insert(wname.clone(), Tensor { shape, data });
    let stride: Vec<usize> = stride.iter().map(|&s| s as usize).collect();
    let mut nodes = vec![];
    let mut conv_input = ins[0].clone();
    if stride.iter().any(|&s| s > 1) {
        // The zero-inserted input [N, C, L·s…], sized (checked) before its shapes are written.
        let merged = x_shape[..2].iter().copied().chain((0..sp).map(|a| x_shape[2 + a].saturating_mul(stride[a]))).collect::<Vec<_>>();
        check_elements(&format!("the zero-inserted input of node {name:?} (ConvTranspose, strides {stride:?})"), &merged)?;
        let stride_pad: Vec<(usize, usize)> = stride.iter().zip(&out_pad).map(|(&s, &o)| (s, o as usize)).collect();
        let (zeroed, zero_nodes) = zero_insertion(&conv_input, &x_shape, &stride_pad, name, &np.output[0], constants, shapes);
        nodes = zero_nodes;
        conv_input = zeroed;
    }
    let mut inputs = vec![conv_input, wname];
    if let Some(b) = ins.get(2) {
        inputs.push((*b).clone());
    }
    nodes.push(pb::NodeProto {
        op_type: "Conv".into(),
        name: name.into(),
        input: inputs,
        output: np.output.clone(),
        attribute: vec![
            int_attr("group", group as i64),
            ints_attr("kernel_shape", kernel.iter().map(|&k| k as i64).collect()),
            ints_attr("dilations", dil),
            ints_attr("pads", conv_pads),
        ],
        ..Default::default()
    });
    Ok(nodes)
}

fn int_attr(n: &str, i: i64) -> pb::AttributeProto {
    pb::AttributeProto { name: n.into(), i, r#type: pb::attribute_proto::AttributeType::Int as i32, ..Default::default() }
}

fn ints_attr(n: &str, v: Vec<i64>) -> pb::AttributeProto {
    pb::AttributeProto { name: n.into(), ints: v, r#type: pb::attribute_proto::AttributeType::Ints as i32, ..Default::default() }
}

/// The zero-insertion of `x` (shape `x_shape` = [N, C, L…]; per spatial axis the stride s and the
/// output padding o < s, appended as zeros, in `stride_pad`) as Reshape → Pad → Reshape → Slice
/// nodes (module doc), named after the ConvTranspose `name` and its output `out`; returns the name
/// of the zero-inserted value and the nodes. Their operands (shape, pads, slice bounds) are added
/// to `constants` and `shapes` as int64-valued constants.
fn zero_insertion(
    x: &str,
    x_shape: &[usize],
    stride_pad: &[(usize, usize)],
    name: &str,
    out: &str,
    constants: &mut BTreeMap<String, Tensor<f64>>,
    shapes: &mut HashMap<String, Vec<usize>>,
) -> (String, Vec<pb::NodeProto>) {
    let sp = stride_pad.len();
    let value = |s: &str| format!("{out}/zero_insert/{s}");
    let node_name = |s: &str| format!("{name}/zero_insert/{s}");
    let mut constant = |s: &str, v: Vec<i64>| {
        let n = value(s);
        let t = Tensor { shape: vec![v.len()], data: v.iter().map(|&e| e as f64).collect() };
        shapes.insert(n.clone(), t.shape.clone());
        constants.insert(n.clone(), t);
        n
    };
    let node = |op: &str, s: &str, inputs: Vec<String>| pb::NodeProto {
        op_type: op.into(),
        name: node_name(s),
        input: inputs,
        output: vec![value(s)],
        ..Default::default()
    };
    let dim = |d: usize| d as i64;
    // [N, C, L_0, 1, L_1, 1, …]
    let mut expanded = vec![dim(x_shape[0]), dim(x_shape[1])];
    // Pad at the end of each inserted axis: s − 1 zeros after every element.
    let mut pad_end = vec![0i64; 2];
    // [N, C, L_0·s_0, L_1·s_1, …]
    let mut merged = vec![dim(x_shape[0]), dim(x_shape[1])];
    // Slice ends: (L − 1)·s + 1 + o on the spatial axes 2 … sp + 1.
    let mut ends = vec![];
    for a in 0..sp {
        let (l, (s, o)) = (x_shape[2 + a], stride_pad[a]);
        expanded.extend([dim(l), 1]);
        pad_end.extend([0, dim(s) - 1]);
        merged.push(dim(l * s));
        ends.push(dim((l - 1) * s + 1 + o));
    }
    let mut pads = vec![0i64; pad_end.len()];
    pads.extend(pad_end);
    let expanded = constant("expand_shape", expanded);
    let pads = constant("pads", pads);
    let merged = constant("merge_shape", merged);
    let starts = constant("starts", vec![0; sp]);
    let ends = constant("ends", ends);
    let axes = constant("axes", (2..2 + sp as i64).collect());
    let nodes = vec![
        node("Reshape", "expand", vec![x.into(), expanded]),
        node("Pad", "pad", vec![value("expand"), pads]),
        node("Reshape", "merge", vec![value("pad"), merged]),
        node("Slice", "slice", vec![value("merge"), starts, ends, axes]),
    ];
    (value("slice"), nodes)
}
