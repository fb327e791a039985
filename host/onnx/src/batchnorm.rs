//! BatchNormalization (inference form) at import:
//! `y = s_c·(x − mean_c) + B_c` with `s_c = scale_c / √(var_c + ε)`, i.e. the per-channel affine
//! map `y = s_c·x + t_c`, `t_c = B_c − s_c·mean_c` (channel = axis 1).
//!
//! * When its input is the output of a Conv (constant W) or a Gemm (constant B, the one for the
//!   output columns) that nothing else reads, the map is **folded** into that node: W's output
//!   channel m (Gemm: output column j) is multiplied by s, the bias becomes `s·bias + t` (Gemm:
//!   `s·beta·C + t`, beta set to 1). The BatchNormalization then costs nothing in the circuit.
//! * Otherwise it is **lowered** to a Mul by the constant s (shape `[C, 1, …]`) and an Add of t:
//!   two nodes named `<bn>/scale` and `<bn>`, both with op type `BatchNormalization`.

use std::collections::{BTreeMap, HashMap};

use tract_onnx::pb;

use crate::error::{Error, Result};
use crate::graph::{Node, Op};
use crate::import::Budget;
use crate::tensor::{broadcast_indices, numel, Tensor};

/// Folds or lowers the BatchNormalization node `np` (named `name`) onto `nodes`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn import_batchnorm(
    np: &pb::NodeProto,
    name: &str,
    constants: &mut BTreeMap<String, Tensor<f64>>,
    nodes: &mut Vec<Node>,
    shapes: &mut HashMap<String, Vec<usize>>,
    folded: &mut Vec<String>,
    uses: &HashMap<&str, usize>,
    budget: &mut Budget,
) -> Result<()> {
    let invalid = |reason: String| Error::InvalidNode { node: name.into(), op_type: "BatchNormalization".into(), reason };
    if np.input.len() != 5 || np.input.iter().any(|s| s.is_empty()) {
        return Err(invalid(format!("expected 5 inputs (X, scale, B, mean, var), found {}", np.input.len())));
    }
    let attr = |k: &str| np.attribute.iter().find(|a| a.name == k);
    if attr("training_mode").is_some_and(|a| a.i != 0) {
        return Err(invalid("training_mode = 1 is not supported (inference only)".into()));
    }
    let eps = crate::import::float_attr(np, "epsilon", 1e-5, &invalid)?;
    let x = np.input[0].clone();
    let out = np.output[0].clone();
    let x_shape = shapes[&x].clone();
    if x_shape.len() < 2 {
        return Err(invalid(format!("X of shape {x_shape:?} has no channel axis")));
    }
    let c = x_shape[1];
    let mut params = vec![];
    for (what, i) in [("scale", 1), ("B", 2), ("mean", 3), ("var", 4)] {
        let t = constants
            .get(&np.input[i])
            .ok_or_else(|| invalid(format!("{what} ({:?}) must be a constant", np.input[i])))?;
        if t.data.len() != c {
            return Err(invalid(format!("{what} has {} values for {c} channels", t.data.len())));
        }
        params.push(t.data.clone());
    }
    let (scale, bias, mean, var) = (&params[0], &params[1], &params[2], &params[3]);
    let mut s = Vec::with_capacity(c);
    let mut t = Vec::with_capacity(c);
    for ch in 0..c {
        let sv = scale[ch] / (var[ch] + eps).sqrt();
        let tv = bias[ch] - sv * mean[ch];
        if !sv.is_finite() || !tv.is_finite() {
            return Err(invalid(format!("channel {ch}: var + epsilon = {} gives a non-finite scale", var[ch] + eps)));
        }
        s.push(sv);
        t.push(tv);
    }
    let fresh = |constants: &BTreeMap<String, Tensor<f64>>, base: String| {
        let mut n = base.clone();
        let mut i = 1;
        while constants.contains_key(&n) || shapes.contains_key(&n) {
            n = format!("{base}#{i}");
            i += 1;
        }
        n
    };

    if let Some(xt) = constants.get(&x) {
        // A constant input: evaluate.
        budget.charge(name, "BatchNormalization", "its folded (constant) output", numel(&x_shape))?;
        let per = numel(&x_shape[2..]);
        let data = xt.data.iter().enumerate().map(|(i, &v)| { let ch = (i / per) % c; s[ch] * v + t[ch] }).collect();
        constants.insert(out.clone(), Tensor { shape: x_shape.clone(), data });
        shapes.insert(out, x_shape);
        folded.push(name.into());
        return Ok(());
    }

    let single_reader = uses.get(x.as_str()).copied() == Some(1);
    let producer = nodes.iter().position(|n| n.output == x);
    if let (true, Some(pi)) = (single_reader, producer) {
        let prev = &nodes[pi];
        match &prev.op {
            Op::Conv { .. } if constants.contains_key(&prev.inputs[1]) => {
                let w = constants[&prev.inputs[1]].clone();
                budget.charge(name, "BatchNormalization", "the Conv weight and bias it is folded into", w.data.len().saturating_add(c))?;
                let per = numel(&w.shape[1..]);
                let w2 = Tensor { shape: w.shape.clone(), data: w.data.iter().enumerate().map(|(i, &v)| v * s[i / per]).collect() };
                let b_old = prev.inputs.get(2).map(|b| constants[b].data.clone()).unwrap_or_else(|| vec![0.0; c]);
                let b2 = Tensor { shape: vec![c], data: (0..c).map(|ch| s[ch] * b_old[ch] + t[ch]).collect() };
                let (wn, bn) = (fresh(constants, format!("{name}/W")), fresh(constants, format!("{name}/B")));
                constants.insert(wn.clone(), w2);
                constants.insert(bn.clone(), b2);
                let prev = &mut nodes[pi];
                prev.inputs = vec![prev.inputs[0].clone(), wn, bn];
                prev.output = out.clone();
                shapes.insert(out, x_shape);
                folded.push(name.into());
                return Ok(());
            }
            Op::Gemm { alpha, beta, trans_a, trans_b }
                if constants.contains_key(&prev.inputs[1]) && !constants.contains_key(&prev.inputs[0])
                    && prev.inputs.get(2).is_none_or(|c| constants.contains_key(c)) =>
            {
                let (alpha, beta, trans_a, trans_b) = (*alpha, *beta, *trans_a, *trans_b);
                let w = constants[&prev.inputs[1]].clone();
                budget.charge(name, "BatchNormalization", "the Gemm B and C it is folded into", w.data.len().saturating_add(numel(&x_shape)))?;
                let cols = w.shape[1];
                // Output column j of Y is row j of the stored B with transB, else column j.
                let w2 = Tensor {
                    shape: w.shape.clone(),
                    data: w.data.iter().enumerate().map(|(i, &v)| v * s[if trans_b { i / cols } else { i % cols }]).collect(),
                };
                let y_shape = x_shape.clone(); // [M, N]
                let n = y_shape[1];
                let c_full: Vec<f64> = match prev.inputs.get(2) {
                    Some(cn) => {
                        let ct = &constants[cn];
                        broadcast_indices(&ct.shape, &y_shape).iter().map(|&i| beta * ct.data[i]).collect()
                    }
                    None => vec![0.0; numel(&y_shape)],
                };
                let c2 = Tensor { shape: y_shape.clone(), data: c_full.iter().enumerate().map(|(i, &v)| s[i % n] * v + t[i % n]).collect() };
                let (wn, cn) = (fresh(constants, format!("{name}/B")), fresh(constants, format!("{name}/C")));
                constants.insert(wn.clone(), w2);
                constants.insert(cn.clone(), c2);
                let prev = &mut nodes[pi];
                prev.op = Op::Gemm { alpha, beta: 1.0, trans_a, trans_b };
                prev.inputs = vec![prev.inputs[0].clone(), wn, cn];
                prev.output = out.clone();
                shapes.insert(out, x_shape);
                folded.push(name.into());
                return Ok(());
            }
            _ => {}
        }
    }

    // Lowered: Mul by s, then Add t (per channel, broadcast over the spatial axes).
    let mut cshape = vec![c];
    cshape.extend(std::iter::repeat_n(1, x_shape.len() - 2));
    budget.charge(name, "BatchNormalization", "its per-channel scale and shift", c.saturating_mul(2))?;
    let (sn, tn) = (fresh(constants, format!("{name}/s")), fresh(constants, format!("{name}/t")));
    constants.insert(sn.clone(), Tensor { shape: cshape.clone(), data: s });
    constants.insert(tn.clone(), Tensor { shape: cshape, data: t });
    let mid = fresh(constants, format!("{out}/scaled"));
    let node = |nm: String, op: Op, inputs: Vec<String>, output: String| Node {
        name: nm,
        op_type: "BatchNormalization".into(),
        op,
        inputs,
        output,
        output_shape: x_shape.clone(),
    };
    nodes.push(node(format!("{name}/scale"), Op::Mul, vec![x, sn], mid.clone()));
    nodes.push(node(name.into(), Op::Add, vec![mid.clone(), tn], out.clone()));
    shapes.insert(mid, x_shape.clone());
    shapes.insert(out, x_shape.clone());
    Ok(())
}
