//! ConvTranspose with unit strides, lowered at import to a Conv (so it is proven by the Conv
//! layout, nothing new in the circuit): with strides 1, dilation d, kernel k and pads p,
//!
//!   ConvTranspose(x, W)[o] = Conv(x, W')[o] with W'[g·M + m, c, κ] = W[g·C + c, m, k − 1 − κ]
//!
//! (the kernel flipped on every spatial axis, input and output channels swapped within each of
//! the `group` groups; C = C_in/group, M = C_out/group) and Conv pads d·(k − 1) − p per side,
//! which must be ≥ 0. Strides > 1 would need zero-inserted inputs (a tap geometry the Conv layout
//! does not have): a named error, as are `output_padding`, `output_shape` and `auto_pad` other
//! than NOTSET/VALID.

use std::collections::{BTreeMap, HashMap};

use tract_onnx::pb;

use crate::error::{Error, Result};
use crate::tensor::{numel, strides, Tensor};

/// The Conv node standing for the ConvTranspose `np` (named `name`); its weight, a new
/// constant `<W>/conv_transpose`, is added to `constants` and `shapes`.
pub fn lower_conv_transpose(
    np: &pb::NodeProto,
    name: &str,
    constants: &mut BTreeMap<String, Tensor<f64>>,
    shapes: &mut HashMap<String, Vec<usize>>,
) -> Result<pb::NodeProto> {
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
    let group = attr("group").map(|a| a.i).unwrap_or(1);
    if group < 1 || w.shape[0] % group as usize != 0 {
        return Err(invalid(format!("group {group} does not divide the {} input channels", w.shape[0])));
    }
    let group = group as usize;
    if ints("strides").iter().any(|&s| s != 1) {
        return Err(invalid(format!("strides {:?}: only unit strides are supported (larger ones need zero-inserted inputs)", ints("strides"))));
    }
    if ints("output_padding").iter().any(|&p| p != 0) || attr("output_shape").is_some() {
        return Err(invalid("output_padding and output_shape are not supported".into()));
    }
    if let Some(a) = attr("auto_pad") {
        let s = String::from_utf8_lossy(&a.s).into_owned();
        if !matches!(s.as_str(), "NOTSET" | "VALID" | "") {
            return Err(invalid(format!("auto_pad {s:?} is not supported (NOTSET, VALID)")));
        }
    }
    let kernel: Vec<usize> = w.shape[2..].to_vec();
    let dil = { let d = ints("dilations"); if d.is_empty() { vec![1; sp] } else { d } };
    let pads = { let p = ints("pads"); if p.is_empty() { vec![0; 2 * sp] } else { p } };
    if dil.len() != sp || pads.len() != 2 * sp || dil.iter().any(|&d| d < 1) {
        return Err(invalid(format!("dilations {dil:?} / pads {pads:?} do not match {sp} spatial axes")));
    }
    let mut conv_pads = vec![0i64; 2 * sp];
    for a in 0..sp {
        for side in 0..2 {
            let p = dil[a] * (kernel[a] as i64 - 1) - pads[side * sp + a];
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
    let int_attr = |n: &str, i: i64| pb::AttributeProto { name: n.into(), i, r#type: pb::attribute_proto::AttributeType::Int as i32, ..Default::default() };
    let ints_attr = |n: &str, v: Vec<i64>| pb::AttributeProto { name: n.into(), ints: v, r#type: pb::attribute_proto::AttributeType::Ints as i32, ..Default::default() };
    let mut inputs = vec![ins[0].clone(), wname];
    if let Some(b) = ins.get(2) {
        inputs.push((*b).clone());
    }
    Ok(pb::NodeProto {
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
    })
}
