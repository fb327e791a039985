//! Fixed-point quantization and the integer reference inference.
//!
//! Every value `x` is carried as a signed integer `q` with a power-of-two scale exponent `s`:
//! `x ≈ q / 2^s`. Inputs are quantized at `input_scale`, multiplicative constants (weights) at
//! `param_scale`, additive constants (biases) at the scale of the accumulator they are added to.
//! After every product the accumulator is rescaled by **floor division** by `2^shift`
//! (`acc = q·2^shift + r`, `0 ≤ r < 2^shift`, i.e. an arithmetic right shift, also for negative
//! `acc`), so activations keep the scale of their activation operand. ReLU is `max(q, 0)` on the
//! integers. The circuit proves exactly this arithmetic; see `host/onnx/NOTES.md`.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::eval::{avg_divisor, concat, conv_with, pad, eval_layout, gemm_operands, matmul_with, pool_with};
use crate::graph::{Graph, Node, Op};
use crate::tensor::{broadcast_zip, Tensor};

/// Largest scale exponent accepted (2^40 already exceeds f64-exact quantization of f32 weights
/// times any sensible input).
pub const MAX_SCALE: u32 = 40;
/// Largest accumulator scale (input/weight scale sums, alignment shifts stay below 2^60 so that
/// shifted values, |q|·2^shift < 2^122, fit i128).
pub const MAX_ACC_SCALE: u32 = 60;
/// Quantized integers must satisfy |q| ≤ 2^62 (they then fit i64 with room for alignment).
pub const MAX_ABS_Q: i128 = 1 << 62;

/// Quantizes a real number at scale `2^scale`: `round(x·2^scale)`, ties away from zero.
pub fn quantize_value(x: f64, scale: u32) -> Result<i64> {
    let v = (x * (scale as f64).exp2()).round();
    if v.is_nan() || v.abs() > MAX_ABS_Q as f64 {
        return Err(Error::Quantization(format!(
            "{x} at scale 2^{scale} does not fit |q| ≤ 2^62"
        )));
    }
    Ok(v as i64)
}

/// `floor(acc / 2^shift)`: the rescale rule (arithmetic shift; exact floor for negatives).
pub fn rescale_floor(acc: i128, shift: u32) -> i128 {
    acc >> shift
}

/// The integer value of `x` at `scale`, as a float.
pub fn dequantize(q: i64, scale: u32) -> f64 {
    q as f64 / (scale as f64).exp2()
}

/// One operand of a quantized node.
#[derive(Clone, Debug, PartialEq)]
pub enum QOperand {
    /// A computed value (graph input or earlier node output) at its scale.
    Value {
        /// Value name.
        name: String,
        /// Its scale exponent.
        scale: u32,
    },
    /// A constant quantized for this use. Gemm's `alpha` (resp. `beta`) is folded into the
    /// constant A or B (resp. C) before quantization.
    Const {
        /// Value name in the file.
        name: String,
        /// The scale it was quantized at.
        scale: u32,
        /// The real values it stands for (after folding alpha/beta), as f64.
        real: Tensor<f64>,
        /// The quantized integers `round(real·2^scale)`.
        q: Tensor<i64>,
    },
}

impl QOperand {
    /// The scale exponent of the operand.
    pub fn scale(&self) -> u32 {
        match self {
            QOperand::Value { scale, .. } | QOperand::Const { scale, .. } => *scale,
        }
    }
}

/// Scale bookkeeping of one node.
#[derive(Clone, Debug, PartialEq)]
pub struct QNode {
    /// Index into `graph.nodes`.
    pub index: usize,
    /// Operands in the node's input order.
    pub operands: Vec<QOperand>,
    /// Scale of the accumulator (the sum of products plus aligned addends) before rescaling.
    pub acc_scale: u32,
    /// The rescale: `out = floor(acc / 2^shift)`; 0 for nodes without a product.
    pub shift: u32,
    /// Scale of the node's output: `acc_scale − shift`.
    pub out_scale: u32,
}

/// A graph with its fixed-point plan.
#[derive(Clone, Debug)]
pub struct QuantizedModel {
    /// The imported graph.
    pub graph: Graph,
    /// Scale exponent of the inputs.
    pub input_scale: u32,
    /// Scale exponent of multiplicative constants.
    pub param_scale: u32,
    /// One entry per `graph.nodes` entry.
    pub nodes: Vec<QNode>,
}

/// Per-node ranges seen by [`QuantizedModel::run`] (maxima over all runs folded in with
/// [`LayerStats::merge`]).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerStats {
    /// Node name.
    pub node: String,
    /// ONNX op type.
    pub op_type: String,
    /// Output scale exponent.
    pub out_scale: u32,
    /// Rescale shift (0: none).
    pub shift: u32,
    /// max |acc| before the rescale (equals `max_abs_out` for nodes without a rescale).
    pub max_abs_acc: u128,
    /// max |q| of the node's output.
    pub max_abs_out: u64,
    /// Signed bits needed for the output range: the smallest b with max |q| < 2^(b−1).
    pub lookup_bits: u32,
}

impl LayerStats {
    /// Folds another run's maxima into these.
    pub fn merge(&mut self, other: &LayerStats) {
        self.max_abs_acc = self.max_abs_acc.max(other.max_abs_acc);
        self.max_abs_out = self.max_abs_out.max(other.max_abs_out);
        self.lookup_bits = signed_bits(self.max_abs_out as u128);
    }
}

/// Smallest b such that every v with |v| ≤ max fits a signed b-bit integer symmetric range,
/// i.e. max < 2^(b−1).
pub fn signed_bits(max_abs: u128) -> u32 {
    (128 - max_abs.leading_zeros()) + 1
}

/// The result of one integer inference.
#[derive(Clone, Debug)]
pub struct QuantRun {
    /// The graph outputs as integers at `output_scales`.
    pub outputs: Vec<Tensor<i64>>,
    /// Scale exponent of each output.
    pub output_scales: Vec<u32>,
    /// Every computed value (quantized inputs and node outputs) by name.
    pub values: HashMap<String, Tensor<i64>>,
    /// One entry per node, in graph order.
    pub stats: Vec<LayerStats>,
    /// For every node with a rescale (`shift > 0`), keyed by its output name: the accumulator
    /// before the rescale. With `q` the node output, `acc = q·2^shift + r` and `0 ≤ r < 2^shift`
    /// — the relation the circuit constrains (q and r range-checked).
    pub accumulators: HashMap<String, Tensor<i128>>,
}

impl QuantRun {
    /// The outputs as reals: `q / 2^scale`.
    pub fn dequantized_outputs(&self) -> Vec<Tensor<f64>> {
        self.outputs
            .iter()
            .zip(&self.output_scales)
            .map(|(t, &s)| t.map(|q| dequantize(q, s)))
            .collect()
    }
}

fn quantize_tensor(t: &Tensor<f64>, scale: u32, name: &str) -> Result<Tensor<i64>> {
    let data = t
        .data
        .iter()
        .map(|&v| quantize_value(v, scale))
        .collect::<Result<Vec<_>>>()
        .map_err(|e| Error::Quantization(format!("constant {name:?}: {e}")))?;
    Ok(Tensor { shape: t.shape.clone(), data })
}

fn check_scale(s: u32, what: &str) -> Result<()> {
    if s > MAX_SCALE {
        return Err(Error::Quantization(format!("{what} 2^{s} exceeds 2^{MAX_SCALE}")));
    }
    Ok(())
}

impl QuantizedModel {
    /// Plans the fixed-point arithmetic of `graph` for the given scale exponents.
    pub fn new(graph: Graph, input_scale: u32, param_scale: u32) -> Result<Self> {
        check_scale(input_scale, "input scale")?;
        check_scale(param_scale, "param scale")?;
        let mut scales: BTreeMap<String, u32> =
            graph.inputs.iter().map(|i| (i.name.clone(), input_scale)).collect();
        let mut nodes = Vec::with_capacity(graph.nodes.len());
        for (index, node) in graph.nodes.iter().enumerate() {
            let qn = plan_node(&graph, index, node, &scales, param_scale)?;
            if qn.acc_scale > MAX_ACC_SCALE {
                return Err(Error::Quantization(format!(
                    "accumulator scale 2^{} of node {:?} exceeds 2^{MAX_ACC_SCALE}",
                    qn.acc_scale, node.name
                )));
            }
            scales.insert(node.output.clone(), qn.out_scale);
            nodes.push(qn);
        }
        Ok(Self { graph, input_scale, param_scale, nodes })
    }

    /// Scale exponent of each graph output.
    pub fn output_scales(&self) -> Vec<u32> {
        self.graph.outputs.iter().map(|o| self.scale_of(&o.name)).collect()
    }

    /// Scale exponent of a computed value.
    pub fn scale_of(&self, name: &str) -> u32 {
        self.graph
            .nodes
            .iter()
            .position(|n| n.output == name)
            .map(|i| self.nodes[i].out_scale)
            .unwrap_or(self.input_scale)
    }

    /// Quantizes float inputs at the input scale (after [`Graph::check_inputs`]).
    pub fn quantize_inputs(&self, inputs: &[Tensor<f64>]) -> Result<Vec<Tensor<i64>>> {
        let inputs = self.graph.check_inputs(inputs)?;
        inputs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let data = t
                    .data
                    .iter()
                    .map(|&v| quantize_value(v, self.input_scale))
                    .collect::<Result<Vec<_>>>()
                    .map_err(|e| Error::Input {
                        input: i,
                        name: self.graph.inputs[i].name.clone(),
                        reason: e.to_string(),
                    })?;
                Ok(Tensor { shape: t.shape.clone(), data })
            })
            .collect()
    }

    /// Quantizes the float inputs and runs the integer inference.
    pub fn run(&self, inputs: &[Tensor<f64>]) -> Result<QuantRun> {
        let q = self.quantize_inputs(inputs)?;
        self.run_quantized(&q)
    }

    /// The integer inference on already-quantized inputs (at `input_scale`, graph shapes):
    /// exactly the arithmetic the circuit proves. Products and sums are computed in i128 with
    /// overflow checks; every value must end within |q| ≤ 2^62.
    pub fn run_quantized(&self, inputs: &[Tensor<i64>]) -> Result<QuantRun> {
        let mut values: HashMap<String, Tensor<i64>> = HashMap::new();
        if inputs.len() != self.graph.inputs.len() {
            return Err(Error::Input {
                input: 0,
                name: String::new(),
                reason: format!("{} quantized inputs for {} model inputs", inputs.len(), self.graph.inputs.len()),
            });
        }
        for (i, (info, t)) in self.graph.inputs.iter().zip(inputs).enumerate() {
            if t.shape != info.shape || t.data.len() != crate::tensor::numel(&info.shape) {
                return Err(Error::Input {
                    input: i,
                    name: info.name.clone(),
                    reason: format!("quantized input has shape {:?}, expected {:?}", t.shape, info.shape),
                });
            }
            values.insert(info.name.clone(), t.clone());
        }
        let mut stats = Vec::with_capacity(self.nodes.len());
        let mut accumulators = HashMap::new();
        for qn in &self.nodes {
            let node = &self.graph.nodes[qn.index];
            let (out, acc) = eval_node_int(node, qn, &values)?;
            let max_abs_acc = acc.data.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
            if qn.shift > 0 {
                accumulators.insert(node.output.clone(), acc);
            }
            let max_abs_out = out.data.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
            stats.push(LayerStats {
                node: node.name.clone(),
                op_type: node.op_type.clone(),
                out_scale: qn.out_scale,
                shift: qn.shift,
                max_abs_acc,
                max_abs_out,
                lookup_bits: signed_bits(max_abs_out as u128),
            });
            values.insert(node.output.clone(), out);
        }
        let outputs = self.graph.outputs.iter().map(|o| values[&o.name].clone()).collect();
        Ok(QuantRun { outputs, output_scales: self.output_scales(), values, stats, accumulators })
    }

    /// The first node whose rescale shift exceeds the circuit's one shift S = max(param_scale, 1)
    /// — the circuit builder (`host/zkml`'s plan) refuses it ("a rescale by 2^s above the
    /// parameter scale"); e.g. a product of two computed values at input scale above the
    /// parameter scale. Calibration skips the scale pairs that have one.
    pub fn shift_above_param_scale(&self) -> Option<&QNode> {
        self.nodes.iter().find(|n| n.shift > self.param_scale.max(1))
    }

    /// The largest value the circuit's gadgets range-check on `run` that is neither a model input
    /// nor a node output (those are in `run.stats`): the spread max − min of every MaxPool
    /// window and of every ReduceMax, ReduceMin, ArgMax and ArgMin group (`host/zkml/src/ops/`
    /// `maxpool.rs` and `argmax.rs` look up m − x, up to the spread, in the table of
    /// `lookup_bits` signed bits), and d − 1 for every divisor d of AveragePool, ReduceMean and
    /// Mean (`ops/avgpool.rs` looks up d − 1 − r). A spread can be twice the largest |value|.
    /// Divisions and products look up only their quotients (node outputs) and remainders below a
    /// divisor that is itself a value, or below 2^S (the rescale table).
    pub fn gadget_range(&self, run: &QuantRun) -> u128 {
        let spread = |vals: &mut dyn Iterator<Item = i64>| {
            let (lo, hi) = vals.fold((i64::MAX, i64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
            if lo > hi { 0 } else { (hi as i128 - lo as i128) as u128 }
        };
        let mut m = 0u128;
        for qn in &self.nodes {
            let node = &self.graph.nodes[qn.index];
            let Some(x) = node.inputs.first().and_then(|i| run.values.get(i)) else { continue };
            let groups = |axes: &[usize]| crate::reduce::reduce_groups(&x.shape, axes);
            let widest = match &node.op {
                Op::MaxPool { .. } => pool_with(node, x, |t, _| spread(&mut t.iter().copied())).data.into_iter().max(),
                Op::AveragePool { .. } => pool_with(node, x, |t, k| avg_divisor(node, t.len(), k) as u128).data.into_iter().max().map(|d| d.saturating_sub(1)),
                Op::ReduceMax { axes, .. } | Op::ReduceMin { axes, .. } | Op::ArgMax { axes, .. } | Op::ArgMin { axes, .. } => {
                    groups(axes).iter().map(|g| spread(&mut g.iter().map(|&i| x.data[i]))).max()
                }
                Op::ReduceMean { axes, .. } => groups(axes).iter().map(|g| g.len().saturating_sub(1) as u128).max(),
                Op::Mean => Some(node.inputs.len().saturating_sub(1) as u128),
                _ => None,
            };
            m = m.max(widest.unwrap_or(0));
        }
        m
    }

    /// The largest |f_q(v)| over the whole-range lookup tables of the Activation nodes at `bits`
    /// signed bits (every v in [−2^(bits−1), 2^(bits−1)), bits at least 2 as in the circuit):
    /// `host/zkml/src/ops/lut.rs` fills those tables whole and refuses one with an output outside
    /// the range — which happens when the function grows faster than its input (Erf near 0:
    /// 2/√π·x, LeakyRelu with |alpha| > 1), though the outputs seen on the samples fit. The
    /// functions with whole tables are monotone, or (HardSwish, Gelu) below |x| off the ends,
    /// so the two ends of the range bound them. Partial tables (Exp, Log, Sqrt) hold only the
    /// rows that fit.
    pub fn table_range(&self, bits: u32) -> u128 {
        let half = 1i64 << (bits.clamp(2, 62) - 1);
        self.nodes
            .iter()
            .filter_map(|qn| match self.graph.nodes[qn.index].op {
                Op::Activation(f) if !f.partial_table() => {
                    Some([-half, half - 1].iter().map(|&v| f.apply_q(v, qn.out_scale).unsigned_abs() as u128).max().unwrap_or(0))
                }
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// A rigorous per-element bound on |dequantized output − exact real output| for these
    /// inputs, where "exact" is the model evaluated in real arithmetic on the given float inputs
    /// (computed in f64). Propagation (see NOTES.md): errors of inputs and constants are known
    /// exactly; a product term `â·b̂ − a·b` is bounded by `Eₐ·|b̂| + |a|·E_b`; sums add bounds;
    /// a floor rescale adds `2^−out_scale`; ReLU and layout ops preserve the bound.
    /// The returned bound does not include f64 rounding of the reference (≈1e−15 relative).
    pub fn error_bound(&self, inputs: &[Tensor<f64>]) -> Result<Vec<Tensor<f64>>> {
        let exact = self.graph.run_f64(inputs)?;
        let run = self.run(inputs)?;
        let mut bounds: HashMap<String, Tensor<f64>> = HashMap::new();
        for info in &self.graph.inputs {
            let q = &run.values[&info.name];
            let x = &exact[&info.name];
            let e = Tensor {
                shape: x.shape.clone(),
                data: q.data.iter().zip(&x.data).map(|(&q, &x)| (dequantize(q, self.input_scale) - x).abs()).collect(),
            };
            bounds.insert(info.name.clone(), e);
        }
        for qn in &self.nodes {
            let node = &self.graph.nodes[qn.index];
            // Per operand: the real value it stands for and the bound on its quantized error.
            let mut reals = Vec::new();
            let mut errs = Vec::new();
            for op in &qn.operands {
                match op {
                    QOperand::Value { name, .. } => {
                        reals.push(exact[name].clone());
                        errs.push(bounds[name].clone());
                    }
                    QOperand::Const { real, q, scale, .. } => {
                        errs.push(Tensor {
                            shape: real.shape.clone(),
                            data: q.data.iter().zip(&real.data).map(|(&q, &r)| (dequantize(q, *scale) - r).abs()).collect(),
                        });
                        reals.push(real.clone());
                    }
                }
            }
            let rescale = if qn.shift > 0 { (-(qn.out_scale as f64)).exp2() } else { 0.0 };
            let prod_bound = |a: &Tensor<f64>, ea: &Tensor<f64>, b: &Tensor<f64>, eb: &Tensor<f64>| {
                // |â b̂ − a b| ≤ Eₐ(|b| + E_b) + |a| E_b, summed over the contraction.
                let ab = |ta: &Tensor<f64>, tb: &Tensor<f64>| matmul_with(ta, tb, 0.0, |x, y| x * y);
                let abs = |t: &Tensor<f64>| t.map(f64::abs);
                let b_hat = broadcast_zip(&abs(b), eb, |x, y| x + y);
                let t1 = ab(ea, &b_hat);
                let t2 = ab(&abs(a), eb);
                broadcast_zip(&t1, &t2, |x, y| x + y)
            };
            let e = match &node.op {
                Op::Gemm { trans_a, trans_b, .. } => {
                    let (a, b) = gemm_operands(&reals[0], &reals[1], *trans_a, *trans_b);
                    let (ea, eb) = gemm_operands(&errs[0], &errs[1], *trans_a, *trans_b);
                    let mut e = prod_bound(&a, &ea, &b, &eb);
                    if let Some(ec) = errs.get(2) {
                        e = broadcast_zip(&e, ec, |x, y| x + y);
                    }
                    e.map(|x| x + rescale)
                }
                Op::MatMul => prod_bound(&reals[0], &errs[0], &reals[1], &errs[1]).map(|x| x + rescale),
                Op::Mul => {
                    let t1 = broadcast_zip(&errs[0], &broadcast_zip(&reals[1], &errs[1], |b, e| b.abs() + e), |x, y| x * y);
                    let t2 = broadcast_zip(&reals[0], &errs[1], |a, e| a.abs() * e);
                    broadcast_zip(&t1, &t2, |x, y| x + y + rescale)
                }
                Op::Conv { .. } => {
                    // Σ over the taps of E_x·(|w| + E_w) + |x|·E_w, plus the bias's error.
                    let w_hat = Tensor { shape: reals[1].shape.clone(), data: reals[1].data.iter().zip(&errs[1].data).map(|(w, e)| w.abs() + e).collect() };
                    let t1 = conv_with(node, &errs[0], &w_hat, 0.0, |acc, e, w| acc + e * w);
                    let t2 = conv_with(node, &reals[0].map(f64::abs), &errs[1], 0.0, |acc, x, e| acc + x * e);
                    let per = crate::tensor::numel(&t1.shape[2..]);
                    let m = t1.shape[1];
                    let eb = |i: usize| errs.get(2).map(|e| e.data[(i / per) % m]).unwrap_or(0.0);
                    Tensor { shape: t1.shape.clone(), data: t1.data.iter().zip(&t2.data).enumerate().map(|(i, (a, b))| a + b + eb(i) + rescale).collect() }
                }
                // max is 1-Lipschitz in the sup norm over its window.
                Op::MaxPool { .. } => pool_with(node, &errs[0], |t, _| t.iter().copied().fold(0.0, f64::max)),
                // Σ E / d, plus the floor division's error (< 1 unit of 2^−out_scale).
                Op::AveragePool { .. } => {
                    let unit = (-(qn.out_scale as f64)).exp2();
                    pool_with(node, &errs[0], |t, k| t.iter().sum::<f64>() / avg_divisor(node, t.len(), k) as f64 + unit)
                }
                Op::Add | Op::Sub => broadcast_zip(&errs[0], &errs[1], |x, y| x + y),
                // Σ E (/ d, plus the floor's unit for the means).
                Op::ReduceSum { axes, .. } | Op::ReduceMean { axes, .. } => {
                    let mean = matches!(node.op, Op::ReduceMean { .. });
                    let unit = if mean { (-(qn.out_scale as f64)).exp2() } else { 0.0 };
                    let data = crate::reduce::reduce_groups(&errs[0].shape, axes)
                        .iter()
                        .map(|g| g.iter().map(|&i| errs[0].data[i]).sum::<f64>() / if mean { g.len() as f64 } else { 1.0 } + unit)
                        .collect();
                    Tensor { shape: node.output_shape.clone(), data }
                }
                Op::Concat { .. } => concat(node, &errs.iter().collect::<Vec<_>>()),
                Op::Pad { value, .. } => {
                    let q = quantize_value(*value, qn.out_scale)?;
                    pad(node, &errs[0], (dequantize(q, qn.out_scale) - value).abs())
                }
                // |f̂(q) − f(a)| ≤ L·|q/2^s − a| + ½·2^−s (the table rounds to nearest).
                // Exp, Log, Sqrt: the local bound of `Activation::input_error` at the real input.
                Op::Activation(f) => {
                    let half = 0.5 * (-(qn.out_scale as f64)).exp2();
                    let data = reals[0].data.iter().zip(&errs[0].data).map(|(&a, &e)| f.input_error(a, e) + half).collect();
                    Tensor { shape: errs[0].shape.clone(), data }
                }
                // max and min are 1-Lipschitz in the sup norm over their group.
                Op::ReduceMax { axes, .. } | Op::ReduceMin { axes, .. } => {
                    let data = crate::reduce::reduce_groups(&errs[0].shape, axes).iter().map(|g| g.iter().map(|&i| errs[0].data[i]).fold(0.0, f64::max)).collect();
                    Tensor { shape: node.output_shape.clone(), data }
                }
                // The quantized index i has x̂_i ≥ x̂_j* (j* the real first maximum), so
                // x_i + E_i ≥ x_j* − E_j*: the bound is the farthest such i from j* (0 when the
                // real maximum leads the rest by more than the errors).
                Op::ArgMax { axes, .. } | Op::ArgMin { axes, .. } => {
                    let sign = if matches!(node.op, Op::ArgMin { .. }) { -1.0 } else { 1.0 };
                    let (x, e) = (&reals[0], &errs[0]);
                    let data = crate::reduce::reduce_groups(&x.shape, axes)
                        .iter()
                        .map(|g| {
                            let (j, _) = crate::eval::extremum(node, g.iter().map(|&i| x.data[i]));
                            let floor = sign * x.data[g[j]] - e.data[g[j]];
                            g.iter().enumerate().filter(|&(_, &i)| sign * x.data[i] + e.data[i] >= floor).map(|(k, _)| k.abs_diff(j) as f64).fold(0.0, f64::max)
                        })
                        .collect();
                    Tensor { shape: node.output_shape.clone(), data }
                }
                // |â/b̂ − a/b| ≤ (E_a·|b| + |a|·E_b) / (|b|·(|b| − E_b)) when |b| > E_b, plus the
                // division's unit 2^−s (Euclidean: |q − a·2^{s_b}/b| < 1).
                Op::Div => {
                    let unit = (-(qn.out_scale as f64)).exp2();
                    let num = broadcast_zip(&broadcast_zip(&errs[0], &reals[1], |ea, b| ea * b.abs()), &broadcast_zip(&reals[0], &errs[1], |a, eb| a.abs() * eb), |x, y| x + y);
                    let den = broadcast_zip(&reals[1], &errs[1], |b, eb| if b.abs() > eb { b.abs() * (b.abs() - eb) } else { 0.0 });
                    broadcast_zip(&num, &den, |n, d| if d > 0.0 { n / d + unit } else { f64::INFINITY })
                }
                Op::Sum | Op::Mean => {
                    let mean = matches!(node.op, Op::Mean);
                    let k = if mean { errs.len() as f64 } else { 1.0 };
                    let unit = if mean { (-(qn.out_scale as f64)).exp2() } else { 0.0 };
                    let idx: Vec<Vec<usize>> = errs.iter().map(|t| crate::tensor::broadcast_indices(&t.shape, &node.output_shape)).collect();
                    let data = (0..crate::tensor::numel(&node.output_shape))
                        .map(|e| errs.iter().zip(&idx).map(|(t, ix)| t.data[ix[e]]).sum::<f64>() / k + unit)
                        .collect();
                    Tensor { shape: node.output_shape.clone(), data }
                }
                // |relu(â) − relu(a)| ≤ |â − a|, and it is 0 when both are ≤ 0 (â is known).
                Op::Relu => {
                    let qin = &run.values[&node.inputs[0]];
                    let mut e = errs[0].clone();
                    for ((e, &q), &a) in e.data.iter_mut().zip(&qin.data).zip(&reals[0].data) {
                        if q <= 0 && a <= 0.0 {
                            *e = 0.0;
                        }
                    }
                    e
                }
                _ => eval_layout(node, &errs[0]),
            };
            bounds.insert(node.output.clone(), e);
        }
        Ok(self.graph.outputs.iter().map(|o| bounds[&o.name].clone()).collect())
    }
}

fn plan_node(
    graph: &Graph,
    index: usize,
    node: &Node,
    scales: &BTreeMap<String, u32>,
    param_scale: u32,
) -> Result<QNode> {
    let value = |name: &str| QOperand::Value { name: name.into(), scale: scales[name] };
    let constant = |name: &str, factor: f64, scale: u32| -> Result<QOperand> {
        let real = graph.constants[name].map(|v| v * factor);
        let q = quantize_tensor(&real, scale, name)?;
        Ok(QOperand::Const { name: name.into(), scale, real, q })
    };
    let is_const = |name: &str| graph.is_constant(name);
    let ins = &node.inputs;
    let node_err = |reason: String| Error::InvalidNode { node: node.name.clone(), op_type: node.op_type.clone(), reason };
    let qn = |operands: Vec<QOperand>, acc_scale: u32, shift: u32| QNode {
        index,
        operands,
        acc_scale,
        shift,
        out_scale: acc_scale - shift,
    };
    Ok(match &node.op {
        Op::Gemm { .. } | Op::MatMul | Op::Mul | Op::Conv { .. } => {
            let (alpha, beta) = match node.op {
                Op::Gemm { alpha, beta, .. } => (alpha, beta),
                _ => (1.0, 1.0),
            };
            // Exactly one or no constant among the two factors (both constant is folded).
            let (x, y) = (&ins[0], &ins[1]);
            let (ox, oy, out_scale) = match (is_const(x), is_const(y)) {
                (false, true) => (value(x), constant(y, alpha, param_scale)?, scales[x.as_str()]),
                (true, false) => (constant(x, alpha, param_scale)?, value(y), scales[y.as_str()]),
                (false, false) => (value(x), value(y), scales[x.as_str()]),
                (true, true) => return Err(node_err("both factors are constants (should have been folded)".into())),
            };
            let acc_scale = ox.scale() + oy.scale();
            let mut operands = vec![ox, oy];
            if let Some(c) = ins.get(2) {
                if is_const(c) {
                    operands.push(constant(c, beta, acc_scale)?);
                } else {
                    let sc = scales[c.as_str()];
                    if sc > acc_scale {
                        return Err(node_err(format!("C has scale 2^{sc} above the accumulator's 2^{acc_scale}")));
                    }
                    operands.push(value(c));
                }
            }
            qn(operands, acc_scale, acc_scale - out_scale)
        }
        Op::Add | Op::Sub => {
            let (x, y) = (&ins[0], &ins[1]);
            match (is_const(x), is_const(y)) {
                (false, true) => {
                    let s = scales[x.as_str()];
                    qn(vec![value(x), constant(y, 1.0, s)?], s, 0)
                }
                (true, false) => {
                    let s = scales[y.as_str()];
                    qn(vec![constant(x, 1.0, s)?, value(y)], s, 0)
                }
                (false, false) => {
                    let s = scales[x.as_str()].max(scales[y.as_str()]);
                    qn(vec![value(x), value(y)], s, 0)
                }
                (true, true) => return Err(node_err("both operands are constants (should have been folded)".into())),
            }
        }
        Op::Sum | Op::Mean => {
            // All operands aligned to the largest scale of the computed ones (constants at it).
            let s = ins.iter().filter(|i| !is_const(i)).map(|i| scales[i.as_str()]).max().expect("not all constant");
            let operands = ins.iter().map(|i| if is_const(i) { constant(i, 1.0, s) } else { Ok(value(i)) }).collect::<Result<Vec<_>>>()?;
            qn(operands, s, 0)
        }
        Op::ReduceSum { .. } | Op::ReduceMean { .. } => {
            let s = scales[ins[0].as_str()];
            qn(vec![value(&ins[0])], s, 0)
        }
        Op::Concat { .. } => {
            // Cells are moved, not rescaled: every operand must have the same scale.
            let s = scales[ins[0].as_str()];
            if let Some(o) = ins.iter().find(|i| scales[i.as_str()] != s) {
                return Err(node_err(format!("operand {o:?} has scale 2^{}, the first 2^{s}", scales[o.as_str()])));
            }
            qn(ins.iter().map(|i| value(i)).collect(), s, 0)
        }
        Op::Select { .. }
        | Op::Pad { .. }
        | Op::Activation(_)
        | Op::Relu
        | Op::Flatten { .. }
        | Op::Reshape { .. }
        | Op::Transpose { .. }
        | Op::Identity
        | Op::MaxPool { .. }
        | Op::AveragePool { .. }
        | Op::ReduceMax { .. }
        | Op::ReduceMin { .. } => {
            let s = scales[ins[0].as_str()];
            qn(vec![value(&ins[0])], s, 0)
        }
        // An index: an integer at scale 2^0.
        Op::ArgMax { .. } | Op::ArgMin { .. } => qn(vec![value(&ins[0])], 0, 0),
        // ⌊a·2^{s_b} / b⌋ at a's scale.
        Op::Div => {
            if is_const(&ins[0]) || is_const(&ins[1]) {
                return Err(node_err("Div with a constant operand reached quantization (a constant divisor imports as a Mul)".into()));
            }
            qn(vec![value(&ins[0]), value(&ins[1])], scales[ins[0].as_str()], 0)
        }
    })
}

/// Widens an operand to i128 at the target scale (left shift by the scale difference: exact).
fn operand_at(op: &QOperand, values: &HashMap<String, Tensor<i64>>, target: u32) -> Tensor<i128> {
    let t = match op {
        QOperand::Value { name, .. } => &values[name],
        QOperand::Const { q, .. } => q,
    };
    let up = target - op.scale();
    t.map(|v| (v as i128) << up)
}

fn overflow(node: &Node) -> Error {
    Error::Quantization(format!(
        "node {:?} ({}): integer overflow (values beyond 2^62); lower the scales",
        node.name, node.op_type
    ))
}

fn eval_node_int(node: &Node, qn: &QNode, values: &HashMap<String, Tensor<i64>>) -> Result<(Tensor<i64>, Tensor<i128>)> {
    let mut ovf = false;
    let acc: Tensor<i128> = match &node.op {
        Op::Gemm { .. } | Op::MatMul | Op::Mul => {
            let a = operand_at(&qn.operands[0], values, qn.operands[0].scale());
            let b = operand_at(&qn.operands[1], values, qn.operands[1].scale());
            let mut acc = match &node.op {
                Op::Gemm { trans_a, trans_b, .. } => {
                    let a = if *trans_a { a.transposed(&[1, 0]) } else { a };
                    checked_matmul(&a, &b, *trans_b, &mut ovf)
                }
                Op::MatMul => checked_matmul(&a, &b, false, &mut ovf),
                _ => broadcast_zip(&a, &b, |x, y| x.checked_mul(y).unwrap_or_else(|| { ovf = true; 0 })),
            };
            if ovf {
                return Err(overflow(node));
            }
            if let Some(c) = qn.operands.get(2) {
                let c = operand_at(c, values, qn.acc_scale);
                acc = broadcast_zip(&acc, &c, |x, y| x.checked_add(y).unwrap_or_else(|| { ovf = true; 0 }));
            }
            acc
        }
        Op::Add | Op::Sub => {
            let a = operand_at(&qn.operands[0], values, qn.acc_scale);
            let b = operand_at(&qn.operands[1], values, qn.acc_scale);
            let sub = matches!(node.op, Op::Sub);
            broadcast_zip(&a, &b, |x, y| if sub { x - y } else { x + y })
        }
        Op::Conv { .. } => {
            let x = operand_at(&qn.operands[0], values, qn.operands[0].scale());
            let w = operand_at(&qn.operands[1], values, qn.operands[1].scale());
            let acc = conv_with(node, &x, &w, Some(0i128), |acc, x, w| acc?.checked_add(x.checked_mul(w)?));
            let mut acc = Tensor { shape: acc.shape.clone(), data: acc.data.iter().map(|v| v.unwrap_or_else(|| { ovf = true; 0 })).collect() };
            if let Some(c) = qn.operands.get(2) {
                let c = operand_at(c, values, qn.acc_scale);
                let per = crate::tensor::numel(&acc.shape[2..]);
                let m = acc.shape[1];
                for (i, v) in acc.data.iter_mut().enumerate() {
                    *v = v.checked_add(c.data[(i / per) % m]).unwrap_or_else(|| { ovf = true; 0 });
                }
            }
            acc
        }
        Op::MaxPool { .. } => {
            pool_with(node, &values[&node.inputs[0]], |t, _| *t.iter().max().expect("windows are not empty") as i128)
        }
        // floor(Σ taps / d): the division the circuit proves (sum = d·q + r, 0 ≤ r < d).
        Op::AveragePool { .. } => pool_with(node, &values[&node.inputs[0]], |t, k| {
            t.iter().map(|&v| v as i128).sum::<i128>().div_euclid(avg_divisor(node, t.len(), k) as i128)
        }),
        Op::ReduceSum { axes, .. } | Op::ReduceMean { axes, .. } => {
            let x = &values[&node.inputs[0]];
            let mean = matches!(node.op, Op::ReduceMean { .. });
            let data = crate::reduce::reduce_groups(&x.shape, axes)
                .iter()
                .map(|g| {
                    let s: i128 = g.iter().map(|&i| x.data[i] as i128).sum();
                    if mean { s.div_euclid(g.len() as i128) } else { s }
                })
                .collect();
            Tensor { shape: node.output_shape.clone(), data }
        }
        Op::Pad { value, .. } => {
            let v = quantize_value(*value, qn.out_scale).map_err(|e| Error::Quantization(format!("node {:?}: {e}", node.name)))?;
            pad(node, &values[&node.inputs[0]], v).map(|v| v as i128)
        }
        Op::Concat { .. } => {
            let ts: Vec<Tensor<i128>> = node.inputs.iter().map(|i| values[i].map(|v| v as i128)).collect();
            concat(node, &ts.iter().collect::<Vec<_>>())
        }
        Op::Sum | Op::Mean => {
            let ops: Vec<Tensor<i128>> = qn.operands.iter().map(|o| operand_at(o, values, qn.acc_scale)).collect();
            let idx: Vec<Vec<usize>> = ops.iter().map(|t| crate::tensor::broadcast_indices(&t.shape, &node.output_shape)).collect();
            let k = if matches!(node.op, Op::Mean) { ops.len() as i128 } else { 1 };
            let data = (0..crate::tensor::numel(&node.output_shape))
                .map(|e| ops.iter().zip(&idx).map(|(t, ix)| t.data[ix[e]]).sum::<i128>().div_euclid(k))
                .collect();
            Tensor { shape: node.output_shape.clone(), data }
        }
        Op::Relu => values[&node.inputs[0]].map(|v| (v as i128).max(0)),
        Op::ReduceMax { axes, .. } | Op::ReduceMin { axes, .. } | Op::ArgMax { axes, .. } | Op::ArgMin { axes, .. } => {
            let x = &values[&node.inputs[0]];
            let data = crate::reduce::reduce_groups(&x.shape, axes)
                .iter()
                .map(|g| {
                    let (i, v) = crate::eval::extremum(node, g.iter().map(|&i| x.data[i]));
                    if crate::eval::is_arg(&node.op) { i as i128 } else { v as i128 }
                })
                .collect();
            Tensor { shape: node.output_shape.clone(), data }
        }
        // Euclidean: a·2^{s_b} = b·q + r with 0 ≤ r < |b| (what the division gadget proves).
        Op::Div => {
            let (a, b) = (&values[&node.inputs[0]], &values[&node.inputs[1]]);
            if b.data.contains(&0) {
                return Err(Error::Quantization(format!("node {:?} ({}): division by zero (a divisor quantizes to 0)", node.name, node.op_type)));
            }
            let up = qn.operands[1].scale();
            broadcast_zip(&a.map(|v| v as i128), &b.map(|v| v as i128), |x, y| (x << up).div_euclid(y))
        }
        Op::Activation(f) => {
            let x = &values[&node.inputs[0]];
            if let Some(reason) = x.data.iter().find_map(|&v| f.domain_error(v, qn.out_scale)) {
                return Err(Error::Quantization(format!("node {:?} ({}): {reason}", node.name, node.op_type)));
            }
            x.map(|v| f.apply_q(v, qn.out_scale) as i128)
        }
        _ => eval_layout(node, &values[&node.inputs[0]]).map(|v| v as i128),
    };
    if ovf {
        return Err(overflow(node));
    }
    let mut out = Vec::with_capacity(acc.data.len());
    for &v in &acc.data {
        let q = rescale_floor(v, qn.shift);
        if q.abs() > MAX_ABS_Q {
            return Err(overflow(node));
        }
        out.push(q as i64);
    }
    Ok((Tensor { shape: acc.shape.clone(), data: out }, acc))
}

/// `A·B` (or `A·Bᵀ` when `b_transposed`, B then stored [n, k]) with every product and partial sum
/// overflow-checked in i128.
fn checked_matmul(a: &Tensor<i128>, b: &Tensor<i128>, b_transposed: bool, ovf: &mut bool) -> Tensor<i128> {
    let k = *a.shape.last().expect("rank checked");
    let n = if b_transposed { b.shape[0] } else { b.shape[1] };
    let rows = a.data.len() / k.max(1);
    let mut data = vec![0i128; rows * n];
    let (sk, sn) = if b_transposed { (1, k) } else { (n, 1) };
    for r in 0..rows {
        let arow = &a.data[r * k..(r + 1) * k];
        for (j, out) in data[r * n..(r + 1) * n].iter_mut().enumerate() {
            let mut acc = 0i128;
            for (kk, &av) in arow.iter().enumerate() {
                match av.checked_mul(b.data[kk * sk + j * sn]).and_then(|p| acc.checked_add(p)) {
                    Some(v) => acc = v,
                    None => {
                        *ovf = true;
                        return Tensor { shape: vec![0], data: vec![] };
                    }
                }
            }
            *out = acc;
        }
    }
    let mut shape = a.shape[..a.shape.len() - 1].to_vec();
    shape.push(n);
    Tensor { shape, data }
}
