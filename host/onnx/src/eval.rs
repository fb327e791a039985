//! Float evaluation of a [`Graph`]: the crate's own f64 evaluator (used by calibration and the
//! error bound) and tract's optimised f32 run of the original file (the independent reference).

use std::collections::HashMap;

use tract_onnx::prelude::*;

use crate::error::{Error, Result};
use crate::graph::{Graph, Node, Op};
use crate::reduce::reduce_groups;
use crate::tensor::{broadcast_indices, broadcast_zip, numel, Tensor};
use crate::window::ConvShape;

/// Matrix product of A (rank ≥ 1, leading axes are batch) and B (rank 2) with a per-element
/// combiner, generic over the element and accumulator types.
pub(crate) fn matmul_with<A: Copy, B: Copy, C: Copy + std::ops::AddAssign>(
    a: &Tensor<A>,
    b: &Tensor<B>,
    zero: C,
    mul: impl Fn(A, B) -> C,
) -> Tensor<C> {
    let k = *a.shape.last().expect("rank checked at import");
    let n = b.shape[1];
    let rows = a.data.len() / k.max(1);
    let mut data = vec![zero; rows * n];
    for r in 0..rows {
        let arow = &a.data[r * k..(r + 1) * k];
        let out = &mut data[r * n..(r + 1) * n];
        for (kk, &av) in arow.iter().enumerate() {
            let brow = &b.data[kk * n..(kk + 1) * n];
            for (o, &bv) in out.iter_mut().zip(brow) {
                *o += mul(av, bv);
            }
        }
    }
    let mut shape = a.shape[..a.shape.len() - 1].to_vec();
    shape.push(n);
    Tensor { shape, data }
}

/// The Gemm operands A' and B' (transposed as the attributes say).
pub(crate) fn gemm_operands<T: Copy>(a: &Tensor<T>, b: &Tensor<T>, trans_a: bool, trans_b: bool) -> (Tensor<T>, Tensor<T>) {
    let a2 = if trans_a { a.transposed(&[1, 0]) } else { a.clone() };
    let b2 = if trans_b { b.transposed(&[1, 0]) } else { b.clone() };
    (a2, b2)
}

/// The Conv of X and W (shapes checked at import) with a per-term combiner and an accumulator
/// fold: `out[n, m, p] = fold(…fold(zero, x₁, w₁)…, x_k, w_k)` over the taps inside the input
/// (padding contributes nothing). Shared by the float, integer and error-bound evaluations.
pub(crate) fn conv_with<A: Copy, B: Copy, C: Copy>(
    node: &Node,
    x: &Tensor<A>,
    w: &Tensor<B>,
    zero: C,
    fold: impl Fn(C, A, B) -> C,
) -> Tensor<C> {
    let Op::Conv { window, group } = &node.op else { unreachable!("not a Conv") };
    let shape = ConvShape::new(&x.shape, window, *group, w.shape[0], &node.output_shape);
    let mut data = vec![zero; numel(&node.output_shape)];
    for n in 0..shape.batch {
        for m in 0..shape.out_channels {
            for p in 0..shape.out_spatial {
                let acc = shape.terms(n, m, p).fold(zero, |acc, (xi, wi)| fold(acc, x.data[xi], w.data[wi]));
                data[shape.out_index(n, m, p)] = acc;
            }
        }
    }
    Tensor { shape: node.output_shape.clone(), data }
}

/// A pooling op over every (batch, channel) plane: `reduce(taps, kernel_size)` gets the values
/// of one window's taps inside the input and returns the output element.
pub(crate) fn pool_with<T: Copy, U: Copy>(node: &Node, x: &Tensor<T>, mut reduce: impl FnMut(&[T], usize) -> U) -> Tensor<U> {
    let window = match &node.op {
        Op::MaxPool { window } | Op::AveragePool { window, .. } => window,
        _ => unreachable!("not a pool"),
    };
    let taps = window.taps(&x.shape[2..], &node.output_shape[2..]);
    let (in_sp, out_sp) = (numel(&x.shape[2..]), numel(&node.output_shape[2..]));
    let planes = x.shape[0] * x.shape[1];
    let mut data = Vec::with_capacity(planes * out_sp);
    let mut buf = Vec::new();
    for plane in 0..planes {
        for t in &taps {
            buf.clear();
            buf.extend(t.iter().map(|&(xi, _)| x.data[plane * in_sp + xi]));
            data.push(reduce(&buf, window.kernel_size()));
        }
    }
    Tensor { shape: node.output_shape.clone(), data }
}

/// The divisor of an AveragePool window with `taps` taps inside the input.
pub(crate) fn avg_divisor(node: &Node, taps: usize, kernel_size: usize) -> usize {
    match node.op {
        Op::AveragePool { count_include_pad: true, .. } => kernel_size,
        _ => taps,
    }
}

/// Concatenation along the node's axis (shared by the float, integer and error evaluations).
pub(crate) fn concat<T: Copy>(node: &Node, ins: &[&Tensor<T>]) -> Tensor<T> {
    let Op::Concat { axis } = node.op else { unreachable!("not a Concat") };
    let outer = numel(&node.output_shape[..axis]);
    let mut data = Vec::with_capacity(numel(&node.output_shape));
    for o in 0..outer {
        for t in ins {
            let chunk = numel(&t.shape[axis..]);
            data.extend_from_slice(&t.data[o * chunk..(o + 1) * chunk]);
        }
    }
    Tensor { shape: node.output_shape.clone(), data }
}

/// Constant padding (shared by the float, integer and error evaluations).
pub(crate) fn pad<T: Copy>(node: &Node, x: &Tensor<T>, value: T) -> Tensor<T> {
    let Op::Pad { begin, .. } = &node.op else { unreachable!("not a Pad") };
    let out = &node.output_shape;
    let st = crate::tensor::strides(out);
    let mut data = vec![value; numel(out)];
    let mut idx = vec![0usize; x.shape.len()];
    for &v in &x.data {
        let off: usize = idx.iter().zip(begin).zip(&st).map(|((&i, &b), &s)| (i + b) * s).sum();
        data[off] = v;
        for a in (0..idx.len()).rev() {
            idx[a] += 1;
            if idx[a] < x.shape[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    Tensor { shape: out.clone(), data }
}

/// Layout-only ops, shared by the float and integer evaluators.
pub(crate) fn eval_layout<T: Copy>(node: &Node, x: &Tensor<T>) -> Tensor<T> {
    match &node.op {
        Op::Flatten { .. } | Op::Reshape { .. } => x.reshaped(node.output_shape.clone()),
        Op::Transpose { perm } => x.transposed(perm),
        Op::Select { index } => Tensor { shape: node.output_shape.clone(), data: index.iter().map(|&i| x.data[i]).collect() },
        Op::Identity => x.clone(),
        _ => unreachable!("not a layout op"),
    }
}

/// Evaluates one node in f64 (shapes were checked at import).
pub(crate) fn eval_node_f64(node: &Node, ins: &[&Tensor<f64>]) -> Tensor<f64> {
    match &node.op {
        Op::Gemm { alpha, beta, trans_a, trans_b } => {
            let (a, b) = gemm_operands(ins[0], ins[1], *trans_a, *trans_b);
            let mut y = matmul_with(&a, &b, 0.0, |x, w| x * w).map(|v| alpha * v);
            if let Some(c) = ins.get(2) {
                y = broadcast_zip(&y, c, |v, c| v + beta * c);
            }
            y
        }
        Op::MatMul => matmul_with(ins[0], ins[1], 0.0, |x, w| x * w),
        Op::Add => broadcast_zip(ins[0], ins[1], |a, b| a + b),
        Op::Sub => broadcast_zip(ins[0], ins[1], |a, b| a - b),
        Op::Mul => broadcast_zip(ins[0], ins[1], |a, b| a * b),
        Op::Relu => ins[0].map(|v| v.max(0.0)),
        Op::Activation(f) => ins[0].map(|v| f.apply(v)),
        Op::Conv { .. } => {
            let mut y = conv_with(node, ins[0], ins[1], 0.0, |acc, x, w| acc + x * w);
            if let Some(b) = ins.get(2) {
                let per = numel(&y.shape[2..]);
                let m = y.shape[1];
                y.data.iter_mut().enumerate().for_each(|(i, v)| *v += b.data[(i / per) % m]);
            }
            y
        }
        Op::MaxPool { .. } => pool_with(node, ins[0], |t, _| t.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        Op::ReduceSum { axes, .. } | Op::ReduceMean { axes, .. } => {
            let mean = matches!(node.op, Op::ReduceMean { .. });
            let data = reduce_groups(&ins[0].shape, axes)
                .iter()
                .map(|g| g.iter().map(|&i| ins[0].data[i]).sum::<f64>() / if mean { g.len() as f64 } else { 1.0 })
                .collect();
            Tensor { shape: node.output_shape.clone(), data }
        }
        Op::ReduceMax { axes, .. } | Op::ReduceMin { axes, .. } | Op::ArgMax { axes, .. } | Op::ArgMin { axes, .. } => {
            let data = reduce_groups(&ins[0].shape, axes)
                .iter()
                .map(|g| {
                    let (i, v) = extremum(node, g.iter().map(|&i| ins[0].data[i]));
                    if is_arg(&node.op) { i as f64 } else { v }
                })
                .collect();
            Tensor { shape: node.output_shape.clone(), data }
        }
        Op::Div => broadcast_zip(ins[0], ins[1], |a, b| a / b),
        Op::Concat { .. } => concat(node, ins),
        Op::Pad { value, .. } => pad(node, ins[0], *value),
        Op::Sum | Op::Mean => {
            let k = if matches!(node.op, Op::Mean) { ins.len() as f64 } else { 1.0 };
            let idx: Vec<Vec<usize>> = ins.iter().map(|t| broadcast_indices(&t.shape, &node.output_shape)).collect();
            let data = (0..numel(&node.output_shape)).map(|e| ins.iter().zip(&idx).map(|(t, ix)| t.data[ix[e]]).sum::<f64>() / k).collect();
            Tensor { shape: node.output_shape.clone(), data }
        }
        Op::AveragePool { .. } => {
            pool_with(node, ins[0], |t, k| t.iter().sum::<f64>() / avg_divisor(node, t.len(), k) as f64)
        }
        _ => eval_layout(node, ins[0]),
    }
}

impl Graph {
    /// Runs the graph in f64 and returns every value (inputs, constants excluded, node outputs).
    pub fn run_f64(&self, inputs: &[Tensor<f64>]) -> Result<HashMap<String, Tensor<f64>>> {
        let inputs = self.check_inputs(inputs)?;
        let mut values: HashMap<String, Tensor<f64>> = HashMap::new();
        for (info, t) in self.inputs.iter().zip(inputs) {
            values.insert(info.name.clone(), t);
        }
        for node in &self.nodes {
            let out = {
                let args: Vec<&Tensor<f64>> = node
                    .inputs
                    .iter()
                    .map(|i| values.get(i).or_else(|| self.constants.get(i)).expect("checked at import"))
                    .collect();
                eval_node_f64(node, &args)
            };
            values.insert(node.output.clone(), out);
        }
        Ok(values)
    }

    /// The graph outputs computed in f64 by this crate's evaluator.
    pub fn eval_f64(&self, inputs: &[Tensor<f64>]) -> Result<Vec<Tensor<f64>>> {
        let mut values = self.run_f64(inputs)?;
        Ok(self.outputs.iter().map(|o| values.remove(&o.name).expect("output computed")).collect())
    }

    /// The float reference: tract loads the original ONNX bytes, optimises the model
    /// (`into_optimized().into_runnable()`) and runs it in f32. Inputs are checked as in
    /// [`Graph::check_inputs`]; outputs are returned as f64.
    pub fn tract_reference(&self, inputs: &[Tensor<f64>]) -> Result<Vec<Tensor<f64>>> {
        let inputs = self.check_inputs(inputs)?;
        let tract = |e: TractError| Error::Tract(format!("{e:#}"));
        let mut model = tract_onnx::onnx().model_for_read(&mut &self.onnx_bytes[..]).map_err(tract)?;
        for (i, info) in self.inputs.iter().enumerate() {
            model = model
                .with_input_fact(i, f32::fact(info.shape.clone()).into())
                .map_err(tract)?;
        }
        let plan = model.into_optimized().map_err(tract)?.into_runnable().map_err(tract)?;
        let mut feed: TVec<TValue> = tvec!();
        for t in &inputs {
            let data: Vec<f32> = t.data.iter().map(|&v| v as f32).collect();
            let tensor = tract_ndarray::ArrayD::from_shape_vec(t.shape.clone(), data)
                .map_err(|e| Error::Tract(e.to_string()))?;
            feed.push(tract_onnx::prelude::Tensor::from(tensor).into());
        }
        let outs = plan.run(feed).map_err(tract)?;
        outs.iter()
            .map(|o| {
                // ArgMax/ArgMin write i64: cast every output to f32.
                let o = o.cast_to::<f32>().map_err(tract)?;
                let view = o.to_plain_array_view::<f32>().map_err(tract)?;
                Ok(Tensor { shape: view.shape().to_vec(), data: view.iter().map(|&v| v as f64).collect() })
            })
            .collect()
    }
}

/// The first extreme element of a group (in the group's order along the axes): its position
/// and value, the maximum or with `Op::ReduceMin`/`Op::ArgMin` the minimum. ReduceMax/Min take
/// the value, ArgMax/Min the position; shared by the f64 and the integer evaluations.
pub(crate) fn extremum<T: PartialOrd + Copy>(node: &Node, values: impl Iterator<Item = T>) -> (usize, T) {
    let min = matches!(node.op, Op::ReduceMin { .. } | Op::ArgMin { .. });
    let mut best: Option<(usize, T)> = None;
    for (i, v) in values.enumerate() {
        if best.is_none_or(|(_, b)| if min { v < b } else { v > b }) {
            best = Some((i, v));
        }
    }
    best.expect("reduced groups are not empty")
}

/// Whether the op returns the position of the extremum (ArgMax, ArgMin) rather than its value.
pub(crate) fn is_arg(op: &Op) -> bool {
    matches!(op, Op::ArgMax { .. } | Op::ArgMin { .. })
}
