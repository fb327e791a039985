//! The circuit builder: a quantized graph (`zkaccel_onnx::QuantizedModel`) as a Plonk circuit on
//! the MAC/lookup rows of `zkaccel::plonk::mac`.
//!
//! Layout (all rows of one 2^k domain):
//! * the MAC columns (`MacConfig`): L lanes x_i against L weight columns w_i, an accumulator, and
//!   a rescale row per output with q = ⌊acc/2^S⌋ (range-checked by the ReLU table to
//!   `settings.lookup_bits` signed bits), r ∈ [0, 2^S) and y = relu(q);
//! * `io`: an advice column (equality enabled) holding every model input element, and the public
//!   outputs. Public rows are bound to the instance column by `q_pub·(io − instance) = 0`; public
//!   rows come first (public inputs, then public outputs), then the private inputs;
//! * `io_fixed` (only with a `fixed` input or output visibility): a fixed column holding fixed
//!   inputs and the fixed outputs, tied to the computation by copy constraints;
//! * public params: one instance column per weight column and one for the bias column, with
//!   `w_i − inst_i = 0` and `bias − inst_b = 0` on every row (every cell bound: weights,
//!   structural coefficients, unused lanes);
//! * private params (the default): the weight and bias columns are advice; the pins
//!   (`MacConfig::pin_coefficients`, declared last) fix every coefficient that is not a model
//!   parameter — `mac_pin_w{i}`: c_i·(w_i − c_i + K) = 0, `mac_pin_bias` likewise, c = value + K
//!   (K = 2^200) on the structural coefficients (operand coefficients of Add/Sub/Sum, ReduceSum,
//!   the ReLU product, biases no constant gives, unused lanes), c = 0 on parameters — and copy
//!   constraints tie every use of one parameter element (`Coef::Param`; equality on the weight
//!   and bias columns only when some element is used more than once); docs/plonk.md §17;
//! * the window gadgets of `crate::ops` (only for models with a MaxPool or an AveragePool), each
//!   on columns of its own with a row counter of its own (`Plan::window_rows`).
//!
//! One global shift S = max(param_scale, 1): a node whose own shift is s ≤ S has its weights and
//! bias multiplied by 2^(S−s), so acc·2^(S−s) rescaled by S equals acc rescaled by s exactly.
//! Node by node:
//! * Gemm / MatMul with one constant factor: one output = ⌈K/L⌉ MAC rows + 1 rescale row, the
//!   constant factor in the weight columns, the bias (C, at the accumulator scale) in the bias
//!   column; or, with `matmul_layout = projection` and fixed params, one rescale row per output
//!   whose accumulator is tied to W·x + C by the projection argument (`plonk::projection`; W
//!   and C in the verifying key, the inputs read in their cells; one declaration per row of a
//!   batch);
//! * Conv: per (batch, group, output position) one matrix-vector product of the group's output
//!   channels' kernel taps against the window's input cells — only the taps inside the input
//!   (padding contributes 0), copied into the lanes from the cells that hold them, so no im2col
//!   tensor exists beyond the lane assignment; ⌈taps·C/group / L⌉ + 1 rows per output, its ReLU
//!   free as for Gemm; or, with `matmul_layout = projection` and fixed params, one rescale row
//!   per output tied to T_W·x + B by a convolution projection on the raw input cells
//!   (`plonk::projection::conv`, one declaration per batch element);
//! * MaxPool / GlobalMaxPool: the max gadget, one row per window element (`ops::maxpool`);
//! * AveragePool / GlobalAveragePool: the sum-and-divide gadget, one row per window element
//!   (`ops::avgpool`);
//! * Mul by a constant: a 1×1 product per element (2 rows); Mul of two computed values: the
//!   product gadget, one row per element (`ops::product`);
//! * ReduceSum / Sum: MAC products with weights 2^S (exact sums, range-checked); ReduceMean /
//!   Mean: the sum-and-divide gadget;
//! * Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Gelu, Erf, Exp, Log, Sqrt: one
//!   lookup table per (function, scale), one row per element (`ops::lut`);
//! * ReduceMax / ReduceMin: the max gadget over each reduced group (the minimum with the
//!   comparison reversed); ArgMax / ArgMin: the arg gadget, one row per element (`ops::argmax`);
//!   Div of two computed values: the division gadget, one row per element (`ops::div`);
//!   Softmax / LogSoftmax arrive lowered to these (`zkaccel_onnx`'s import);
//! * Slice, Split, Gather (constant indices), Squeeze, Unsqueeze, Concat: cells selected or
//!   permuted, no rows;
//! * Add / Sub: per element, the activation operands as inputs with weights ±2^(S+align), a
//!   constant operand in the bias (2 rows);
//! * Relu: the y cells of the rescale rows that produced its input (free), or, for a value that no
//!   rescale row produced (a graph input), a 1×1 product by 2^S with its y cells;
//! * Flatten / Reshape / Transpose / Identity: the cells are permuted, no rows.
//!
//! Every value the circuit computes is range-checked (it is a q of a rescale row), and so are the
//! private and public model inputs (one stand-alone rescale row each, `MacBuilder::range_check`,
//! whose y cells also serve a ReLU of an input): without it a private input could be any field
//! element, and then the output anything. Fixed inputs are in the key (a fixed column the
//! prover cannot choose), not range-checked in the circuit; the builder holds them to the same
//! range, refusing one outside it as for a private input (`check_fixed_input`), so no key or
//! witness holds an input the gadgets' lookups cannot take. Private weights are not
//! range-checked: with `param_visibility = private` the statement is "some weights" — some value
//! (a field element) for each element of the model's constant operands (Gemm/MatMul/Conv weights
//! and biases, Mul's factor, Add/Sub/Sum constants), one per element however often it is used;
//! every other MAC coefficient is fixed by the key (docs/plonk.md §17).

use std::collections::HashMap;

use ark_ff::Zero;
use zkaccel::plonk::mac::{signed_to_fr, Coef, Limbs, MacBuilder, MacConfig, Operand};
use zkaccel::plonk::{Cell, Column, ColumnKind, ConstraintSystem, FixedAssignment, Witness};
use zkaccel::Fr;
use zkaccel_onnx::{broadcast_indices, numel, reduce_groups, ConvShape, MatmulLayout, Op, QOperand, QuantizedModel, Settings, Tensor, Visibility, Window};

use crate::error::{Error, Result};
use crate::ops::argmax::ArgConfig;
use crate::ops::avgpool::AvgConfig;
use crate::ops::div::DivConfig;
use crate::ops::maxpool::MaxConfig;
use crate::ops::lut::LutConfig;
use crate::ops::product::ProductConfig;
use crate::ops::Region;

/// Lane counts the planner considers (`--lanes auto`).
pub const LANE_CHOICES: [usize; 5] = [1, 2, 4, 8, 16];
/// The smallest domain the planner uses.
pub const MIN_K: u32 = 4;

/// The circuit's size parameters, decided at `compile-circuit` and stored in the compiled file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    /// Multiply-accumulates per row.
    pub lanes: usize,
    /// log2 of the rows.
    pub k: u32,
    /// The global rescale shift S.
    pub shift: u32,
    /// Signed bits of the rescaled-value range (the ReLU table has 2^bits rows).
    pub bits: u32,
    /// MAC/rescale rows used.
    pub mac_rows: usize,
    /// `io` / `io_fixed` rows used.
    pub io_rows: usize,
    /// Rows of the gadgets of `crate::ops` (max-pool, average-pool, product of two computed
    /// values; each has its own columns, this is the largest). Absent (0) for models without
    /// them, whose plans are unchanged.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub window_rows: usize,
}

fn is_zero(v: &usize) -> bool {
    *v == 0
}

/// The visibilities the circuit uses (from `settings.run_args`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visibilities {
    pub input: Visibility,
    pub output: Visibility,
    pub params: Visibility,
    /// Gemm / MatMul with a constant operand by the projection argument
    /// (`matmul_layout = projection` with fixed params).
    pub projection: bool,
}

impl Visibilities {
    pub fn of(settings: &Settings) -> Self {
        let a = &settings.run_args;
        let projection = a.matmul_layout == MatmulLayout::Projection && a.param_visibility == Visibility::Fixed;
        Self { input: a.input_visibility, output: a.output_visibility, params: a.param_visibility, projection }
    }
}

fn ceil_log2(n: usize) -> u32 {
    if n <= 1 {
        0
    } else {
        usize::BITS - (n - 1).leading_zeros()
    }
}

/// The circuit-level error for a node the builder cannot lay out.
fn unsupported(node: &zkaccel_onnx::Node, why: &str) -> Error {
    Error::bad_input(format!("node {:?} ({}): {why} is not supported by the circuit builder", node.name, node.op_type))
}

/// A product the projection layout cannot take (an operand in a fixed cell, e.g. a fixed model
/// input or a Pad constant) or a witness error, named after the node.
fn projection_error(node: &zkaccel_onnx::Node, e: zkaccel::Error) -> Error {
    match e {
        zkaccel::Error::Circuit(m) => Error::bad_input(format!(
            "node {:?} ({}): {m}; the projection layout reads its inputs in advice cells (use matmul_layout \"mac\" for this model)",
            node.name, node.op_type
        )),
        e => e.into(),
    }
}

/// The shape-level description of one node's rows, shared by the row counter and the builder so
/// that the two cannot drift.
enum NodeRows {
    /// `outputs` products over `cols` inputs each.
    Products { outputs: usize, cols: usize },
    /// `outputs` products by the projection argument: one rescale row each.
    Projected { outputs: usize },
    /// Groups of products: (outputs, inputs each) — a Conv, whose windows at the border have
    /// fewer taps inside the input.
    ProductGroups(Vec<(usize, usize)>),
    /// Rows of a gadget (`crate::ops`): one per window element, or per product.
    Gadget { rows: usize, kind: GadgetKind },
    /// No rows (layout op, or a ReLU of a value that already has ReLU cells).
    None,
}

/// Which values have ReLU cells available (the outputs of rescale rows, permuted by layout ops).
fn relu_available(q: &QuantizedModel, vis: Visibilities) -> Vec<bool> {
    // Range-checked inputs come with their ReLU cells.
    let checked = vis.input != Visibility::Fixed;
    let mut has: HashMap<&str, bool> = q.graph.inputs.iter().map(|i| (i.name.as_str(), checked)).collect();
    let mut out = Vec::with_capacity(q.graph.nodes.len());
    for (index, node) in q.graph.nodes.iter().enumerate() {
        let input_has = node.inputs.first().and_then(|i| has.get(i.as_str())).copied().unwrap_or(false);
        let v = match node.op {
            Op::Mul if is_value_product(q, index) => false,
            Op::Gemm { .. } | Op::MatMul | Op::Mul | Op::Add | Op::Sub | Op::Relu | Op::Conv { .. } | Op::Sum | Op::ReduceSum { .. } => true,
            Op::Mean | Op::ReduceMean { .. } | Op::Activation(_) | Op::Pad { .. } => false,
            Op::Flatten { .. } | Op::Reshape { .. } | Op::Transpose { .. } | Op::Identity | Op::Select { .. } => input_has,
            Op::Concat { .. } => node.inputs.iter().all(|i| has.get(i.as_str()).copied().unwrap_or(false)),
            Op::MaxPool { .. } | Op::AveragePool { .. } => false,
            Op::ReduceMax { .. } | Op::ReduceMin { .. } | Op::ArgMax { .. } | Op::ArgMin { .. } | Op::Div => false,
        };
        out.push(input_has);
        has.insert(node.output.as_str(), v);
    }
    out
}

fn node_rows(q: &QuantizedModel, index: usize, input_has_relu: bool, vis: Visibilities) -> Result<NodeRows> {
    let node = &q.graph.nodes[index];
    let qn = &q.nodes[index];
    let outputs = numel(&node.output_shape);
    Ok(match &node.op {
        Op::Gemm { .. } | Op::MatMul => {
            let trans_a = matches!(node.op, Op::Gemm { trans_a: true, .. });
            let a_shape = operand_shape(&qn.operands[0], &value_shapes(q));
            let cols = if trans_a { a_shape[0] } else { *a_shape.last().expect("rank ≥ 1") };
            match (&qn.operands[0], &qn.operands[1]) {
                (QOperand::Value { .. }, QOperand::Const { .. }) | (QOperand::Const { .. }, QOperand::Value { .. }) => {
                    if matches!(qn.operands.get(2), Some(QOperand::Value { .. })) {
                        return Err(unsupported(node, "a bias C that is a computed value"));
                    }
                    if vis.projection {
                        NodeRows::Projected { outputs }
                    } else {
                        Products { outputs, cols }
                    }
                }
                _ => return Err(unsupported(node, "a product of two computed values")),
            }
        }
        Op::Mul if is_value_product(q, index) => NodeRows::Gadget { rows: outputs, kind: GadgetKind::Product },
        Op::Mul => Products { outputs, cols: 1 },
        Op::Add | Op::Sub => {
            let values = qn.operands.iter().filter(|o| matches!(o, QOperand::Value { .. })).count();
            Products { outputs, cols: values }
        }
        Op::Conv { .. } if vis.projection => NodeRows::Projected { outputs },
        Op::Conv { window, group } => {
            let shape = conv_shape(q, index, window, *group);
            let per_position = shape.batch * shape.out_channels;
            NodeRows::ProductGroups(shape.taps.iter().map(|t| (per_position, t.len() * shape.group_in())).collect())
        }
        Op::MaxPool { window } | Op::AveragePool { window, .. } => {
            let x = &value_shapes(q)[&node.inputs[0]];
            let taps: usize = window.taps(&x[2..], &node.output_shape[2..]).iter().map(Vec::len).sum();
            let kind = if matches!(node.op, Op::MaxPool { .. }) { GadgetKind::Max } else { GadgetKind::Avg };
            NodeRows::Gadget { rows: taps * x[0] * x[1], kind }
        }
        Op::Sum => {
            let values = qn.operands.iter().filter(|o| matches!(o, QOperand::Value { .. })).count();
            Products { outputs, cols: values }
        }
        Op::Mean => NodeRows::Gadget { rows: outputs * qn.operands.len(), kind: GadgetKind::Avg },
        Op::ReduceSum { .. } => {
            let n_in = numel(&value_shapes(q)[&node.inputs[0]]);
            Products { outputs, cols: n_in / outputs.max(1) }
        }
        Op::ReduceMean { .. } => NodeRows::Gadget { rows: numel(&value_shapes(q)[&node.inputs[0]]), kind: GadgetKind::Avg },
        Op::Activation(_) => NodeRows::Gadget { rows: outputs, kind: GadgetKind::Lut(lut_index(q, index)) },
        Op::ReduceMax { .. } | Op::ReduceMin { .. } => NodeRows::Gadget { rows: numel(&value_shapes(q)[&node.inputs[0]]), kind: GadgetKind::Max },
        Op::ArgMax { .. } | Op::ArgMin { .. } => NodeRows::Gadget { rows: numel(&value_shapes(q)[&node.inputs[0]]), kind: GadgetKind::Arg },
        Op::Div => NodeRows::Gadget { rows: outputs, kind: GadgetKind::Div },
        Op::Pad { .. } => NodeRows::Gadget { rows: 1, kind: GadgetKind::Constant },
        Op::Relu if input_has_relu => NodeRows::None,
        Op::Relu => Products { outputs, cols: 1 },
        Op::Flatten { .. } | Op::Reshape { .. } | Op::Transpose { .. } | Op::Identity | Op::Select { .. } | Op::Concat { .. } => NodeRows::None,
    })
}
use NodeRows::Products;

/// The gadgets beside the MAC layout, each with its own columns and row counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GadgetKind {
    Max,
    Avg,
    Product,
    /// A constant cell (the padding value of a Pad) in the fixed `constants` column.
    Constant,
    /// ArgMax / ArgMin (`ops::argmax`).
    Arg,
    /// Div of two computed values (`ops::div`).
    Div,
    /// The i-th distinct (function, scale) table.
    Lut(usize),
}

/// The distinct (function, scale) pairs of the model's Activation nodes, in node order.
fn lut_keys(q: &QuantizedModel) -> Vec<(zkaccel_onnx::Activation, u32)> {
    let mut keys: Vec<(zkaccel_onnx::Activation, u32)> = vec![];
    for (n, qn) in q.graph.nodes.iter().zip(&q.nodes) {
        if let Op::Activation(f) = n.op {
            if !keys.contains(&(f, qn.out_scale)) {
                keys.push((f, qn.out_scale));
            }
        }
    }
    keys
}

fn lut_index(q: &QuantizedModel, index: usize) -> usize {
    let Op::Activation(f) = q.graph.nodes[index].op else { unreachable!("an Activation") };
    lut_keys(q).iter().position(|k| *k == (f, q.nodes[index].out_scale)).expect("listed")
}

/// Whether node `index` is a Mul of two computed values (the product gadget).
fn is_value_product(q: &QuantizedModel, index: usize) -> bool {
    matches!(q.graph.nodes[index].op, Op::Mul) && q.nodes[index].operands.iter().all(|o| matches!(o, QOperand::Value { .. }))
}

/// The quantized padding value of a Pad node (at its output scale).
fn run_value_of_pad(q: &QuantizedModel, qn: &zkaccel_onnx::QNode) -> Result<i64> {
    let Op::Pad { value, .. } = q.graph.nodes[qn.index].op else { unreachable!("a Pad") };
    Ok(zkaccel_onnx::quantize_value(value, qn.out_scale)?)
}

/// The channel/tap structure of the Conv node `index`.
fn conv_shape(q: &QuantizedModel, index: usize, window: &Window, group: usize) -> ConvShape {
    let node = &q.graph.nodes[index];
    let x = &value_shapes(q)[&node.inputs[0]];
    ConvShape::new(x, window, group, node.output_shape[1], &node.output_shape)
}

fn value_shapes(q: &QuantizedModel) -> HashMap<String, Vec<usize>> {
    let mut m: HashMap<String, Vec<usize>> = q.graph.inputs.iter().map(|i| (i.name.clone(), i.shape.clone())).collect();
    for n in &q.graph.nodes {
        m.insert(n.output.clone(), n.output_shape.clone());
    }
    m
}

fn operand_shape(op: &QOperand, shapes: &HashMap<String, Vec<usize>>) -> Vec<usize> {
    match op {
        QOperand::Value { name, .. } => shapes[name].clone(),
        QOperand::Const { q, .. } => q.shape.clone(),
    }
}

/// Range-check rows of the model inputs (one per element, unless the inputs are fixed).
pub fn input_check_rows(q: &QuantizedModel, vis: Visibilities) -> usize {
    if vis.input == Visibility::Fixed {
        0
    } else {
        q.graph.inputs.iter().map(|i| numel(&i.shape)).sum()
    }
}

/// MAC/rescale rows the model takes with `lanes` lanes (with the inputs' range-check rows).
pub fn mac_rows(q: &QuantizedModel, lanes: usize, vis: Visibilities) -> Result<usize> {
    let relu = relu_available(q, vis);
    let mut rows = input_check_rows(q, vis);
    for (i, &has_relu) in relu.iter().enumerate() {
        match node_rows(q, i, has_relu, vis)? {
            Products { outputs, cols } => rows += outputs * MacBuilder::rows_per_output(lanes, cols.max(1)),
            NodeRows::Projected { outputs } => rows += outputs,
            NodeRows::ProductGroups(groups) => {
                rows += groups.iter().map(|&(outputs, cols)| outputs * MacBuilder::rows_per_output(lanes, cols.max(1))).sum::<usize>();
            }
            _ => {}
        }
    }
    Ok(rows)
}

/// Rows of the max-pool and the average-pool gadgets (each on its own columns).
pub fn window_rows(q: &QuantizedModel, vis: Visibilities) -> Result<(usize, usize)> {
    let rows = gadget_rows(q, vis)?;
    Ok((rows[0], rows[1]))
}

/// Rows of the gadgets (each on its own columns): max-pool, average-pool, product, constants,
/// arg-max, division, then one entry per lookup table.
pub fn gadget_rows(q: &QuantizedModel, vis: Visibilities) -> Result<Vec<usize>> {
    let relu = relu_available(q, vis);
    let mut out = vec![0; 6 + lut_keys(q).len()];
    for (i, &has_relu) in relu.iter().enumerate() {
        if let NodeRows::Gadget { rows, kind } = node_rows(q, i, has_relu, vis)? {
            let slot = match kind {
                GadgetKind::Max => 0,
                GadgetKind::Avg => 1,
                GadgetKind::Product => 2,
                GadgetKind::Constant => 3,
                GadgetKind::Arg => 4,
                GadgetKind::Div => 5,
                GadgetKind::Lut(t) => 6 + t,
            };
            out[slot] += rows;
        }
    }
    Ok(out)
}

/// Rows of the `io` (and `io_fixed`) columns.
pub fn io_rows(q: &QuantizedModel, vis: Visibilities) -> usize {
    let inputs: usize = q.graph.inputs.iter().map(|i| numel(&i.shape)).sum();
    let outputs: usize = q.graph.outputs.iter().map(|o| numel(&o.shape)).sum();
    let io = inputs * usize::from(vis.input != Visibility::Fixed) + outputs * usize::from(vis.output == Visibility::Public);
    let fixed = inputs * usize::from(vis.input == Visibility::Fixed) + outputs * usize::from(vis.output == Visibility::Fixed);
    io.max(fixed)
}

/// Chooses the lanes (given, or the count among [`LANE_CHOICES`] with the fewest rows 2^k, then the
/// fewest lanes) and k for the model under `settings`.
pub fn plan(q: &QuantizedModel, settings: &Settings, lanes: Option<usize>) -> Result<Plan> {
    let bits = settings.lookup_bits.max(2);
    let shift = q.param_scale.max(1);
    if bits > 26 || shift > 26 {
        return Err(Error::bad_input(format!(
            "lookup_bits {bits} / rescale shift {shift}: tables of 2^{} rows are too large (at most 2^26); lower the scales",
            bits.max(shift)
        )));
    }
    if let Some(n) = q.shift_above_param_scale() {
        let node = &q.graph.nodes[n.index];
        return Err(unsupported(node, &format!("a rescale by 2^{} above the parameter scale", n.shift)));
    }
    let vis = Visibilities::of(settings);
    let io = io_rows(q, vis);
    let window = gadget_rows(q, vis)?.into_iter().max().unwrap_or(0);
    let table_bits = if uses_limbs(q, vis) { Limbs::width(bits, shift) } else { bits.max(shift) };
    let candidates: Vec<usize> = match lanes {
        Some(0) => return Err(Error::usage("--lanes must be at least 1")),
        Some(l) => vec![l],
        None => LANE_CHOICES.to_vec(),
    };
    let mut best: Option<Plan> = None;
    for l in candidates {
        let rows = mac_rows(q, l, vis)?;
        let k = ceil_log2(rows.max(io).max(window).max(1)).max(table_bits).max(MIN_K);
        let p = Plan { lanes: l, k, shift, bits, mac_rows: rows, io_rows: io, window_rows: window };
        if best.as_ref().is_none_or(|b| p.k < b.k) {
            best = Some(p);
        }
    }
    let p = best.expect("at least one candidate");
    if p.k > 26 {
        return Err(Error::bad_input(format!("the circuit needs 2^{} rows, more than the 2^26 supported", p.k)));
    }
    Ok(p)
}

/// A laid-out circuit: declarations, fixed columns, witness and public inputs.
pub struct ModelCircuit {
    pub cs: ConstraintSystem,
    pub fixed: FixedAssignment,
    pub witness: Witness,
    /// One vector per instance column.
    pub instances: Vec<Vec<Fr>>,
    /// The values at the cells of the graph outputs: what the circuit proves the model outputs.
    pub outputs: Vec<Tensor<i64>>,
    /// MAC rows used (equals `plan.mac_rows`).
    pub rows_used: usize,
    /// Index of the `io_fixed` fixed column (a `fixed` input or output visibility: the model's
    /// fixed inputs/outputs, the only fixed column whose values come from the witness).
    pub io_fixed: Option<usize>,
}

/// Where the public values sit in the instance column: public inputs first, then public outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicLayout {
    /// Elements of each model input that are public (0 when not public).
    pub inputs: Vec<usize>,
    /// Elements of each model output that are public.
    pub outputs: Vec<usize>,
    /// Whether the params are public (then instance columns 1.. hold the weight and bias columns).
    pub params: bool,
}

impl PublicLayout {
    pub fn of(q: &QuantizedModel, vis: Visibilities) -> Self {
        let ins = q.graph.inputs.iter().map(|i| if vis.input == Visibility::Public { numel(&i.shape) } else { 0 }).collect();
        let outs = q.graph.outputs.iter().map(|o| if vis.output == Visibility::Public { numel(&o.shape) } else { 0 }).collect();
        Self { inputs: ins, outputs: outs, params: vis.params == Visibility::Public }
    }
    /// Number of values in the first instance column; `None` when the count overflows (a layout
    /// read from a hostile key).
    pub fn checked_io_count(&self) -> Option<usize> {
        self.inputs.iter().chain(&self.outputs).try_fold(0usize, |a, &n| a.checked_add(n))
    }
    /// Number of values in the first instance column, `usize::MAX` when the count overflows (no
    /// column has that many: it never wraps to a small count).
    pub fn io_count(&self) -> usize {
        self.checked_io_count().unwrap_or(usize::MAX)
    }
    /// Whether the circuit has the io instance column.
    pub fn has_io_instance(&self) -> bool {
        self.inputs.iter().chain(&self.outputs).any(|&n| n > 0)
    }
}

/// The columns besides the MAC layout.
struct Columns {
    mac: MacConfig,
    io: Column,
    io_fixed: Option<Column>,
    /// (q_pub selector, instance column) when inputs or outputs are public.
    public_io: Option<(Column, Column)>,
    /// Instance columns mirroring w_0 … w_{L−1} and the bias, with public params.
    public_params: Vec<Column>,
    /// The max-pool gadget, for models with a MaxPool.
    max: Option<MaxConfig>,
    /// The average-pool gadget, for models with an AveragePool.
    avg: Option<AvgConfig>,
    /// The product gadget, for models with a Mul of two computed values.
    product: Option<ProductConfig>,
    /// One lookup table per distinct (function, scale) of the Activation nodes.
    luts: Vec<LutConfig>,
    /// The arg-extremum gadget, for models with an ArgMax or ArgMin.
    arg: Option<ArgConfig>,
    /// The division gadget, for models with a Div of two computed values.
    div: Option<DivConfig>,
    /// A fixed column with equality for constant cells (Pad values), when the model has a Pad.
    constants: Option<Column>,
}

/// Whether the rescale rows are range-checked by limbs (`MacConfig::configure_limbs`), so that
/// the tables do not force the domain: with the projection layout, for models whose gadgets do
/// not look up in the ReLU / remainder tables (no average pooling, mean, product of two values,
/// division, arg-extremum or activation table). Max-pool, ReduceMax and ReduceMin compare by
/// limbs too (`ops::maxpool`, docs/plonk.md §21).
pub fn uses_limbs(q: &QuantizedModel, vis: Visibilities) -> bool {
    vis.projection
        && !q.graph.nodes.iter().enumerate().any(|(i, n)| {
            matches!(n.op, Op::AveragePool { .. } | Op::ReduceMean { .. } | Op::Mean | Op::Activation(_) | Op::ArgMax { .. } | Op::ArgMin { .. } | Op::Div)
                || is_value_product(q, i)
        })
}

fn configure(cs: &mut ConstraintSystem, plan: &Plan, vis: Visibilities, q: &QuantizedModel) -> Columns {
    let weights = if vis.params == Visibility::Fixed { ColumnKind::Fixed } else { ColumnKind::Advice };
    let mac = if uses_limbs(q, vis) {
        MacConfig::configure_limbs(cs, plan.lanes, plan.shift, plan.bits, weights)
    } else {
        MacConfig::configure_with_weights(cs, plan.lanes, plan.shift, plan.bits, weights)
    };
    let io = cs.advice_column();
    cs.enable_equality(io);
    let io_fixed = (vis.input == Visibility::Fixed || vis.output == Visibility::Fixed).then(|| {
        let c = cs.fixed_column();
        cs.enable_equality(c);
        c
    });
    let public_io = (vis.input == Visibility::Public || vis.output == Visibility::Public).then(|| {
        let q_pub = cs.fixed_column();
        let inst = cs.instance_column();
        cs.create_gate("public_io", vec![q_pub.cur() * (io.cur() - inst.cur())]);
        (q_pub, inst)
    });
    let mut public_params = vec![];
    if vis.params == Visibility::Public {
        let cols: Vec<Column> = mac.w.iter().chain([&mac.bias]).copied().collect();
        for (i, w) in cols.iter().enumerate() {
            let inst = cs.instance_column();
            cs.create_gate(format!("public_param_{i}"), vec![w.cur() - inst.cur()]);
            public_params.push(inst);
        }
    }
    let has = |f: fn(&Op) -> bool| q.graph.nodes.iter().any(|n| f(&n.op));
    let max = has(|op| matches!(op, Op::MaxPool { .. } | Op::ReduceMax { .. } | Op::ReduceMin { .. })).then(|| MaxConfig::configure(cs, &mac));
    let avg = has(|op| matches!(op, Op::AveragePool { .. } | Op::ReduceMean { .. } | Op::Mean)).then(|| AvgConfig::configure(cs, &mac));
    let product = (0..q.nodes.len()).any(|i| is_value_product(q, i)).then(|| ProductConfig::configure(cs, &mac));
    let luts = lut_keys(q).into_iter().enumerate().map(|(i, (f, s))| LutConfig::configure(cs, f, s, plan.bits, i)).collect();
    let constants = has(|op| matches!(op, Op::Pad { .. })).then(|| {
        let c = cs.fixed_column();
        cs.enable_equality(c);
        c
    });
    let arg = has(|op| matches!(op, Op::ArgMax { .. } | Op::ArgMin { .. })).then(|| ArgConfig::configure(cs, &mac));
    let div = has(|op| matches!(op, Op::Div)).then(|| DivConfig::configure(cs, &mac));
    let mut mac = mac;
    if vis.params == Visibility::Private {
        // Last, so that every other column keeps its index: the pins of the structural
        // coefficients (docs/plonk.md §17). Public params are bound row by row to instance
        // columns whose digest the key holds; fixed params are fixed columns.
        mac.pin_coefficients(cs);
    }
    Columns { mac, io, io_fixed, public_io, public_params, max, avg, product, luts, constants, arg, div }
}

/// Ids of the model's constants as MAC coefficients ([`Coef::Param`]): one per description of the
/// function that gives an element's coefficient — (constant name, quantization scale, folded real
/// factor, integer multiplier) — so that two coefficients share a key only if the honest layout
/// gives them the same value (the builder checks it).
#[derive(Default)]
struct ParamIds(HashMap<String, u32>);

impl ParamIds {
    fn id(&mut self, desc: String) -> u32 {
        let n = self.0.len() as u32;
        *self.0.entry(desc).or_insert(n)
    }

    /// The id of constant operand `op` quantized with real factor `factor`, its element times
    /// `multiplier` in the layout.
    fn of(&mut self, op: &QOperand, factor: f64, multiplier: i64) -> u32 {
        let QOperand::Const { name, scale, .. } = op else { unreachable!("a constant operand") };
        self.id(format!("{name:?}|{scale}|{:x}|{multiplier}", factor.to_bits()))
    }
}

/// Row counters of the io columns.
struct IoRows {
    io: usize,
    fixed: usize,
    n: usize,
}

impl IoRows {
    /// Places a value in the next `io` row; public when `instance` is given (its next entry).
    fn place_io(&mut self, b: &mut MacBuilder, cols: &Columns, v: i64, instance: Option<&mut Vec<Fr>>) -> Result<Cell> {
        if self.io >= self.n {
            return Err(Error::internal("io rows exceed the circuit"));
        }
        let cell = Cell { column: cols.io, row: self.io };
        b.assign(cols.io, self.io, signed_to_fr(v))?;
        if let Some(inst) = instance {
            let (q_pub, _) = cols.public_io.ok_or_else(|| Error::internal("no public io columns"))?;
            b.assign(q_pub, self.io, Fr::from(1u64))?;
            inst.resize(self.io, Fr::zero());
            inst.push(signed_to_fr(v));
        }
        self.io += 1;
        Ok(cell)
    }

    /// Places a value in the next `io_fixed` row.
    fn place_fixed(&mut self, b: &mut MacBuilder, cols: &Columns, v: i64) -> Result<Cell> {
        let c = cols.io_fixed.ok_or_else(|| Error::internal("no io_fixed column"))?;
        if self.fixed >= self.n {
            return Err(Error::internal("io_fixed rows exceed the circuit"));
        }
        b.assign(c, self.fixed, signed_to_fr(v))?;
        self.fixed += 1;
        Ok(Cell { column: c, row: self.fixed - 1 })
    }
}

/// Lays out the circuit for `q` with the quantized model inputs `inputs` (at the input scale, in
/// the graph's shapes). With `layout_only`, values outside the lookup range are not an error
/// (key generation from placeholder inputs: the fixed columns and copies do not depend on them,
/// except for fixed input/output visibility, whose values are then those given).
/// The circuit's declarations alone (no rows laid out): for the resource estimate.
/// With private params the weight and bias columns get equality only when the layout uses some
/// parameter more than once (`build` knows); the estimate assumes it for models with a Conv.
pub fn constraint_system(q: &QuantizedModel, settings: &Settings, plan: &Plan) -> ConstraintSystem {
    let mut cs = ConstraintSystem::new();
    let cols = configure(&mut cs, plan, Visibilities::of(settings), q);
    if cols.mac.pins.is_some() && q.graph.nodes.iter().any(|n| matches!(n.op, Op::Conv { .. })) {
        cols.mac.tie_params(&mut cs);
    }
    cs
}

/// A fixed input's values must fit the `bits`-bit range that private and public inputs are
/// range-checked to. A fixed input is not range-checked in the circuit: its cells are a fixed
/// column, chosen at setup and committed in the verifying key, so the prover cannot pick them
/// (as for fixed weights). But the gadgets that read it (the lookup tables, the division's
/// remainder) rely on their inputs being in range, so an input outside it would give a witness
/// that fails their lookups, or a key that no witness fits. Refused here, with the message of a
/// private or public input out of range ([`MacBuilder::range_check`]), also when only laying
/// out: with a fixed input, the layout for key generation holds the witness's real values.
fn check_fixed_input(name: &str, t: &Tensor<i64>, bits: u32) -> Result<()> {
    let half = 1i64 << (bits - 1);
    match t.data.iter().find(|v| !(-half..half).contains(*v)) {
        Some(v) => Err(Error::bad_input(format!("input {name:?}: value {v} outside {bits} signed bits"))),
        None => Ok(()),
    }
}

pub fn build(q: &QuantizedModel, settings: &Settings, plan: &Plan, inputs: &[Tensor<i64>], layout_only: bool) -> Result<ModelCircuit> {
    build_claiming(q, settings, plan, inputs, layout_only, None)
}

/// A forged layout for soundness tests: as [`build`], but max-pool window number `window` (counted
/// over every MaxPool node in order) claims the largest element below its maximum, and everything
/// downstream is computed from that claim — only the window's comparison can object.
#[cfg(feature = "test-utils")]
pub fn build_with_wrong_max(q: &QuantizedModel, settings: &Settings, plan: &Plan, inputs: &[Tensor<i64>], window: usize) -> Result<ModelCircuit> {
    build_claiming(q, settings, plan, inputs, false, Some(window))
}

fn build_claiming(
    q: &QuantizedModel,
    settings: &Settings,
    plan: &Plan,
    inputs: &[Tensor<i64>],
    layout_only: bool,
    wrong_max: Option<usize>,
) -> Result<ModelCircuit> {
    let vis = Visibilities::of(settings);
    if inputs.len() != q.graph.inputs.len() {
        return Err(Error::bad_input(format!("{} inputs given, the model has {}", inputs.len(), q.graph.inputs.len())));
    }
    for (t, info) in inputs.iter().zip(&q.graph.inputs) {
        if t.data.len() != numel(&info.shape) {
            return Err(Error::bad_input(format!(
                "input {:?} has {} values, the model's shape {:?} needs {}",
                info.name,
                t.data.len(),
                info.shape,
                numel(&info.shape)
            )));
        }
        if vis.input == Visibility::Fixed {
            check_fixed_input(&info.name, t, plan.bits)?;
        }
    }
    let mut cs = ConstraintSystem::new();
    let cols = configure(&mut cs, plan, vis, q);
    let (mut max_region, mut avg_region, mut product_region) = (Region::default(), Region::default(), Region::default());
    let mut lut_regions = vec![Region::default(); cols.luts.len()];
    let mut const_region = Region::default();
    let (mut arg_region, mut div_region) = (Region::default(), Region::default());
    let mut max_windows = 0usize;
    let mut b = MacBuilder::new(&cs, cols.mac.clone(), plan.k)?;
    b.layout_only = layout_only;
    for t in &cols.luts {
        t.fill_table(&mut b)?;
    }
    let n = b.n();
    let s = plan.shift;
    let mut instance_io: Vec<Fr> = vec![];
    // With private params: which coefficients are model parameters (the others are pinned).
    let pinned = cols.mac.pins.is_some();
    let mut pids = ParamIds::default();

    // ---- Model inputs: public rows first, then private; fixed inputs in io_fixed ----
    let mut rows = IoRows { io: 0, fixed: 0, n };
    let mut store: HashMap<String, Tensor<Operand>> = HashMap::new();
    let mut relu_store: HashMap<String, Tensor<Operand>> = HashMap::new();
    let mut input_cells: Vec<Vec<Option<Cell>>> = inputs.iter().map(|t| vec![None; t.data.len()]).collect();
    if vis.input == Visibility::Public {
        for (i, t) in inputs.iter().enumerate() {
            for (j, &v) in t.data.iter().enumerate() {
                input_cells[i][j] = Some(rows.place_io(&mut b, &cols, v, Some(&mut instance_io))?);
            }
        }
    }
    // Public outputs' rows are reserved right after the public inputs (filled at the end).
    let out_count: usize = q.graph.outputs.iter().map(|o| numel(&o.shape)).sum();
    let out_io_start = rows.io;
    if vis.output == Visibility::Public {
        rows.io += out_count;
    }
    for (i, t) in inputs.iter().enumerate() {
        for (j, &v) in t.data.iter().enumerate() {
            let cell = match vis.input {
                Visibility::Public => input_cells[i][j].expect("placed above"),
                Visibility::Private => rows.place_io(&mut b, &cols, v, None)?,
                Visibility::Fixed => rows.place_fixed(&mut b, &cols, v)?,
            };
            input_cells[i][j] = Some(cell);
        }
        let ops: Vec<Operand> = t.data.iter().zip(&input_cells[i]).map(|(&value, c)| Operand { value, cell: *c }).collect();
        let shape = q.graph.inputs[i].shape.clone();
        if vis.input == Visibility::Fixed {
            // In range (checked above), bound by the key: no range-check rows.
            store.insert(q.graph.inputs[i].name.clone(), Tensor { shape, data: ops });
        } else {
            // Private and public inputs are range-checked like every computed value (a private
            // input could otherwise be any field element, and with it any output).
            let (mut qs, mut ys) = (Vec::with_capacity(ops.len()), Vec::with_capacity(ops.len()));
            for op in ops {
                let (qv, yv) = b.range_check(op).map_err(|e| match e {
                    zkaccel::Error::Witness(m) => Error::bad_input(format!("input {:?}: {m}", q.graph.inputs[i].name)),
                    e => e.into(),
                })?;
                qs.push(qv);
                ys.push(yv);
            }
            store.insert(q.graph.inputs[i].name.clone(), Tensor { shape: shape.clone(), data: qs });
            relu_store.insert(q.graph.inputs[i].name.clone(), Tensor { shape, data: ys });
        }
    }

    // ---- Nodes ----
    for (qn, node) in q.nodes.iter().zip(&q.graph.nodes) {
        let mult_shift = s.checked_sub(qn.shift).ok_or_else(|| unsupported(node, "a rescale above the parameter scale"))?;
        let mult = 1i64 << mult_shift;
        let (alpha, beta) = match node.op {
            Op::Gemm { alpha, beta, .. } => (alpha, beta),
            _ => (1.0, 1.0),
        };
        let scaled = |w: i64| -> Result<i64> {
            w.checked_mul(mult).ok_or_else(|| Error::bad_input(format!("node {:?}: a weight times 2^{mult_shift} overflows i64", node.name)))
        };
        let value = |name: &str, store: &HashMap<String, Tensor<Operand>>| -> Result<Tensor<Operand>> {
            store.get(name).cloned().ok_or_else(|| Error::internal(format!("value {name:?} not computed before node {:?}", node.name)))
        };
        let out_shape = node.output_shape.clone();
        let numel_out = numel(&out_shape);
        match &node.op {
            Op::Gemm { .. } | Op::MatMul => {
                let (ta, tb) = match &node.op {
                    Op::Gemm { trans_a, trans_b, .. } => (*trans_a, *trans_b),
                    _ => (false, false),
                };
                let bias_of = |rows: usize, ncols: usize| -> Result<Vec<i64>> {
                    // C broadcast to [rows, ncols] (flattened output), times 2^(S − shift).
                    match qn.operands.get(2) {
                        None => Ok(vec![0; rows * ncols]),
                        Some(QOperand::Const { q: c, .. }) => {
                            let idx = broadcast_indices(&c.shape, &out_shape);
                            idx.iter().map(|&i| scaled(c.data[i])).collect()
                        }
                        Some(QOperand::Value { .. }) => Err(unsupported(node, "a bias C that is a computed value")),
                    }
                };
                // The kinds of C's coefficients, per output element (with pins only).
                let bias_kinds = |pids: &mut ParamIds, rows: usize, ncols: usize| -> Vec<Coef> {
                    match qn.operands.get(2) {
                        Some(c @ QOperand::Const { q, .. }) if pinned => {
                            let id = pids.of(c, beta, mult);
                            broadcast_indices(&q.shape, &out_shape).into_iter().map(|i| Coef::Param(id, i as u64)).collect()
                        }
                        _ => vec![Coef::Structural; rows * ncols],
                    }
                };
                // The kinds of a constant factor's coefficients (with pins only), a rows × cols grid
                // whose element (r, c) is element `index(r, c)` of the factor as stored: one
                // parameter each, the same on every batch row or column.
                let factor_kinds = |pids: &mut ParamIds, op: &QOperand, rows: usize, cols: usize, index: &dyn Fn(usize, usize) -> usize| -> Vec<Vec<Coef>> {
                    if !pinned {
                        return vec![];
                    }
                    let id = pids.of(op, alpha, mult);
                    (0..rows).map(|r| (0..cols).map(|c| Coef::Param(id, index(r, c) as u64)).collect()).collect()
                };
                match (&qn.operands[0], &qn.operands[1]) {
                    (QOperand::Value { name, .. }, wop @ QOperand::Const { q: w, .. }) => {
                        let a = value(name, &store)?;
                        let a = if ta { a.transposed(&[1, 0]) } else { a };
                        let kdim = *a.shape.last().expect("rank ≥ 1");
                        // B' = [K, N]: weights[j][k] = B'[k][j].
                        let (kk, nn) = if tb { (w.shape[1], w.shape[0]) } else { (w.shape[0], w.shape[1]) };
                        if kk != kdim {
                            return Err(Error::internal(format!("node {:?}: inner dimensions {kdim} and {kk}", node.name)));
                        }
                        let weights: Vec<Vec<i64>> = (0..nn)
                            .map(|j| (0..kk).map(|k| scaled(if tb { w.data[j * kk + k] } else { w.data[k * nn + j] })).collect())
                            .collect::<Result<_>>()?;
                        let rows = a.data.len() / kdim.max(1);
                        let bias = bias_of(rows, nn)?;
                        // W's element (k, j) is one parameter on every batch row.
                        let kinds_w = factor_kinds(&mut pids, wop, nn, kk, &|j, k| if tb { j * kk + k } else { k * nn + j });
                        let kinds_b = bias_kinds(&mut pids, rows, nn);
                        let (mut qs, mut ys) = (Vec::with_capacity(numel_out), Vec::with_capacity(numel_out));
                        for r in 0..rows {
                            let mut x: Vec<Operand> = a.data[r * kdim..(r + 1) * kdim].to_vec();
                            let (qv, yv) = if vis.projection {
                                b.project_matvec(&weights, &bias[r * nn..(r + 1) * nn], &x).map_err(|e| projection_error(node, e))?
                            } else {
                                let kinds = pinned.then(|| (&kinds_w[..], &kinds_b[r * nn..(r + 1) * nn]));
                                b.matvec_params(&weights, &bias[r * nn..(r + 1) * nn], &mut x, kinds)?
                            };
                            qs.extend(qv);
                            ys.extend(yv);
                        }
                        store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: qs });
                        relu_store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: ys });
                    }
                    (aop @ QOperand::Const { q: a, .. }, QOperand::Value { name, .. }) => {
                        let a = if ta { a.transposed(&[1, 0]) } else { a.clone() };
                        let kdim = *a.shape.last().expect("rank ≥ 1");
                        let m = a.data.len() / kdim.max(1);
                        let bt = value(name, &store)?;
                        let bt = if tb { bt.transposed(&[1, 0]) } else { bt };
                        let (kk, nn) = (bt.shape[0], bt.shape[1]);
                        if kk != kdim {
                            return Err(Error::internal(format!("node {:?}: inner dimensions {kdim} and {kk}", node.name)));
                        }
                        let weights: Vec<Vec<i64>> =
                            (0..m).map(|r| a.data[r * kdim..(r + 1) * kdim].iter().map(|&w| scaled(w)).collect()).collect::<Result<_>>()?;
                        let bias = bias_of(m, nn)?;
                        // A's element (r, k) (of A as stored: [K, M] with trans_a) is one
                        // parameter in every column j.
                        let kinds_w = factor_kinds(&mut pids, aop, m, kdim, &|r, k| if ta { k * m + r } else { r * kdim + k });
                        let kinds_b = bias_kinds(&mut pids, m, nn);
                        let mut qs = vec![Operand::input(0); m * nn];
                        let mut ys = qs.clone();
                        for j in 0..nn {
                            let mut x: Vec<Operand> = (0..kk).map(|k| bt.data[k * nn + j]).collect();
                            let bj: Vec<i64> = (0..m).map(|r| bias[r * nn + j]).collect();
                            let (qv, yv) = if vis.projection {
                                b.project_matvec(&weights, &bj, &x).map_err(|e| projection_error(node, e))?
                            } else {
                                let kb: Vec<Coef> = if pinned { (0..m).map(|r| kinds_b[r * nn + j]).collect() } else { vec![] };
                                b.matvec_params(&weights, &bj, &mut x, pinned.then_some((&kinds_w[..], &kb[..])))?
                            };
                            for r in 0..m {
                                qs[r * nn + j] = qv[r];
                                ys[r * nn + j] = yv[r];
                            }
                        }
                        store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: qs });
                        relu_store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: ys });
                    }
                    _ => return Err(unsupported(node, "a product of two computed values")),
                }
            }
            Op::Mul if is_value_product(q, qn.index) => {
                let cfg = cols.product.as_ref().ok_or_else(|| Error::internal("no product columns"))?;
                let (x, y) = (value(&node.inputs[0], &store)?, value(&node.inputs[1], &store)?);
                let (ix, iy) = (broadcast_indices(&x.shape, &out_shape), broadcast_indices(&y.shape, &out_shape));
                let mut out = Vec::with_capacity(numel_out);
                for e in 0..numel_out {
                    out.push(cfg.product(&mut b, &mut product_region, x.data[ix[e]], y.data[iy[e]], qn.shift)?);
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: out });
            }
            Op::Pad { begin, .. } => {
                // The padding value as a constant cell (fixed column, in the key), the input's
                // cells around it.
                let col = cols.constants.ok_or_else(|| Error::internal("no constants column"))?;
                let v = run_value_of_pad(q, qn)?;
                let row = const_region.take(1, n, "constant")?;
                b.assign(col, row, signed_to_fr(v))?;
                let c = Operand { value: v, cell: Some(Cell { column: col, row }) };
                let x = value(&node.inputs[0], &store)?;
                let st = zkaccel_onnx::strides(&out_shape);
                let mut data = vec![c; numel_out];
                let mut idx = vec![0usize; x.shape.len()];
                for &e in &x.data {
                    let off: usize = idx.iter().zip(begin).zip(&st).map(|((&i, &bg), &s)| (i + bg) * s).sum();
                    data[off] = e;
                    for a in (0..idx.len()).rev() {
                        idx[a] += 1;
                        if idx[a] < x.shape[a] {
                            break;
                        }
                        idx[a] = 0;
                    }
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data });
            }
            Op::Activation(_) => {
                let t = lut_index(q, qn.index);
                let x = value(&node.inputs[0], &store)?;
                let mut out = Vec::with_capacity(numel_out);
                for v in &x.data {
                    out.push(cols.luts[t].apply(&mut b, &mut lut_regions[t], *v)?);
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: out });
            }
            Op::ReduceMax { axes, .. } | Op::ReduceMin { axes, .. } | Op::ArgMax { axes, .. } | Op::ArgMin { axes, .. } => {
                let x = value(&node.inputs[0], &store)?;
                let min = matches!(node.op, Op::ReduceMin { .. } | Op::ArgMin { .. });
                let mut out = Vec::with_capacity(numel_out);
                for g in reduce_groups(&x.shape, axes) {
                    let elems: Vec<Operand> = g.iter().map(|&i| x.data[i]).collect();
                    out.push(if matches!(node.op, Op::ReduceMax { .. } | Op::ReduceMin { .. }) {
                        let cfg = cols.max.as_ref().ok_or_else(|| Error::internal("no max-pool columns"))?;
                        cfg.extremum(&mut b, &mut max_region, &elems, min)?
                    } else {
                        let cfg = cols.arg.as_ref().ok_or_else(|| Error::internal("no arg-max columns"))?;
                        cfg.group(&mut b, &mut arg_region, &elems, min)?
                    });
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: out });
            }
            Op::Div => {
                let cfg = cols.div.as_ref().ok_or_else(|| Error::internal("no division columns"))?;
                let (x, y) = (value(&node.inputs[0], &store)?, value(&node.inputs[1], &store)?);
                let (ix, iy) = (broadcast_indices(&x.shape, &out_shape), broadcast_indices(&y.shape, &out_shape));
                let up = qn.operands[1].scale();
                let mut out = Vec::with_capacity(numel_out);
                for e in 0..numel_out {
                    out.push(cfg.divide(&mut b, &mut div_region, x.data[ix[e]], y.data[iy[e]], up)?);
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: out });
            }
            Op::ReduceSum { axes, .. } | Op::ReduceMean { axes, .. } => {
                let x = value(&node.inputs[0], &store)?;
                let groups = reduce_groups(&x.shape, axes);
                let mut qs = Vec::with_capacity(numel_out);
                let mut ys = Vec::with_capacity(numel_out);
                for g in &groups {
                    let mut elems: Vec<Operand> = g.iter().map(|&i| x.data[i]).collect();
                    if matches!(node.op, Op::ReduceSum { .. }) {
                        // Σ x·2^S rescaled by 2^S: the exact sum, range-checked.
                        let (qv, yv) = b.matvec_both(&[vec![scaled(1)?; elems.len()]], &[0], &mut elems)?;
                        qs.push(qv[0]);
                        ys.push(yv[0]);
                    } else {
                        let cfg = cols.avg.as_ref().ok_or_else(|| Error::internal("no average-pool columns"))?;
                        qs.push(cfg.window(&mut b, &mut avg_region, &elems, elems.len())?);
                    }
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: qs });
                if !ys.is_empty() {
                    relu_store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: ys });
                }
            }
            Op::Mean => {
                let cfg = cols.avg.as_ref().ok_or_else(|| Error::internal("no average-pool columns"))?;
                let mut ops = vec![];
                for o in &qn.operands {
                    match o {
                        QOperand::Value { name, scale } if *scale == qn.acc_scale => {
                            let t = value(name, &store)?;
                            ops.push((broadcast_indices(&t.shape, &out_shape), t));
                        }
                        _ => return Err(unsupported(node, "a Mean of operands at different scales or of a constant")),
                    }
                }
                let mut out = Vec::with_capacity(numel_out);
                for e in 0..numel_out {
                    let elems: Vec<Operand> = ops.iter().map(|(ix, t)| t.data[ix[e]]).collect();
                    out.push(cfg.window(&mut b, &mut avg_region, &elems, elems.len())?);
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: out });
            }
            Op::Mul | Op::Add | Op::Sub | Op::Sum => {
                // Per element: Σ weight·value + bias over the operands (aligned to acc_scale).
                let sub = matches!(node.op, Op::Sub);
                let mut terms: Vec<(Vec<usize>, Tensor<Operand>, i64)> = vec![];
                let mut consts: Vec<(Vec<usize>, &Tensor<i64>, i64, u32)> = vec![];
                let is_mul = matches!(node.op, Op::Mul);
                for (pos, op) in qn.operands.iter().enumerate() {
                    let sign = if sub && pos == 1 { -1 } else { 1 };
                    let up = qn.acc_scale.checked_sub(op.scale()).ok_or_else(|| Error::internal("operand above the accumulator scale"))?;
                    match op {
                        QOperand::Value { name, .. } => {
                            let t = value(name, &store)?;
                            terms.push((broadcast_indices(&t.shape, &out_shape), t, sign << up));
                        }
                        QOperand::Const { q: c, .. } => {
                            // The coefficient an element gives: q·2^S−s for Mul's factor, q·(±2^up)·2^(S−s) in the bias.
                            let id = pids.of(op, 1.0, if is_mul { mult } else { (sign << up) * mult });
                            consts.push((broadcast_indices(&c.shape, &out_shape), c, sign << up, id))
                        }
                    }
                }
                // Several constants in one bias: one parameter per combination of their elements.
                let combined = (consts.len() > 1).then(|| {
                    let desc: Vec<String> = consts.iter().map(|(_, _, _, id)| id.to_string()).collect();
                    pids.id(format!("sum({})", desc.join(",")))
                });
                let (mut qs, mut ys) = (Vec::with_capacity(numel_out), Vec::with_capacity(numel_out));
                for e in 0..numel_out {
                    let mut x = vec![];
                    let mut w = vec![];
                    let mut bias = 0i64;
                    // Operand coefficients (±2^(S+align)) and a bias without constants are
                    // structural; a constant factor or constant addends are model parameters.
                    let (mut kw, mut kb) = (vec![], Coef::Structural);
                    if is_mul {
                        // One activation times one constant factor, no bias.
                        let (ti, t, _) = &terms[0];
                        let (ci, c, _, id) = consts.first().ok_or_else(|| unsupported(node, "a product of two computed values"))?;
                        x.push(t.data[ti[e]]);
                        w.push(scaled(c.data[ci[e]])?);
                        kw.push(Coef::Param(*id, ci[e] as u64));
                    } else {
                        for (ti, t, f) in &terms {
                            x.push(t.data[ti[e]]);
                            w.push(scaled(*f)?);
                            kw.push(Coef::Structural);
                        }
                        let mut element = 0u64;
                        for (ci, c, f, id) in &consts {
                            let v = c.data[ci[e]].checked_mul(*f).ok_or_else(|| Error::bad_input("constant overflows i64"))?;
                            bias = bias.checked_add(scaled(v)?).ok_or_else(|| Error::bad_input("constant overflows i64"))?;
                            element = element
                                .checked_mul(c.data.len() as u64)
                                .and_then(|x| x.checked_add(ci[e] as u64))
                                .ok_or_else(|| unsupported(node, "constant operands of more than 2^64 element combinations"))?;
                            kb = Coef::Param(combined.unwrap_or(*id), element);
                        }
                    }
                    let (qv, yv) = b.matvec_params(&[w], &[bias], &mut x, pinned.then_some((&[kw][..], &[kb][..])))?;
                    qs.push(qv[0]);
                    ys.push(yv[0]);
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: qs });
                relu_store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: ys });
            }
            Op::Conv { window, group } => {
                let shape = conv_shape(q, qn.index, window, *group);
                let x = value(&node.inputs[0], &store)?;
                let (wop @ QOperand::Const { q: w, .. }, bias_op) = (&qn.operands[1], qn.operands.get(2)) else {
                    return Err(unsupported(node, "a weight W that is a computed value"));
                };
                let bias: Vec<i64> = match bias_op {
                    None => vec![0; shape.out_channels],
                    Some(QOperand::Const { q: c, .. }) => c.data.iter().map(|&v| scaled(v)).collect::<Result<_>>()?,
                    Some(QOperand::Value { .. }) => return Err(unsupported(node, "a bias B that is a computed value")),
                };
                if vis.projection {
                    // y = T_W·x + b by the convolution projection, one declaration per batch
                    // element: one rescale row per output, the inputs read in their cells.
                    let weights: Vec<i64> = w.data.iter().map(|&v| scaled(v)).collect::<Result<_>>()?;
                    let geometry = zkaccel::plonk::projection::ConvProjection {
                        name: String::new(),
                        in_channels: shape.in_channels,
                        out_channels: shape.out_channels,
                        group: shape.group,
                        in_dims: x.shape[2..].to_vec(),
                        out_dims: out_shape[2..].to_vec(),
                        kernel: window.kernel.clone(),
                        strides: window.strides.clone(),
                        dilations: window.dilations.clone(),
                        pads_begin: window.pads_begin.clone(),
                        inputs: vec![],
                        outputs: vec![],
                        weights: vec![],
                        bias: vec![],
                    };
                    let (per_in, per_out) = (shape.in_channels * shape.in_spatial, shape.out_channels * shape.out_spatial);
                    let (mut qs, mut ys) = (Vec::with_capacity(numel_out), Vec::with_capacity(numel_out));
                    for n in 0..shape.batch {
                        let xs = &x.data[n * per_in..(n + 1) * per_in];
                        let (qv, yv) = b.project_conv(&geometry, &weights, &bias, xs).map_err(|e| projection_error(node, e))?;
                        debug_assert_eq!(qv.len(), per_out);
                        qs.extend(qv);
                        ys.extend(yv);
                    }
                    store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: qs });
                    relu_store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: ys });
                    continue;
                }
                let (cg, mg) = (shape.group_in(), shape.group_out());
                // W's and B's elements are one parameter each at every position.
                let (wid, bid) = (pids.of(wop, 1.0, mult), bias_op.map(|c| pids.of(c, 1.0, mult)));
                let mut qs = vec![Operand::input(0); numel_out];
                let mut ys = qs.clone();
                // One matrix-vector product per (batch, group, output position): the window's
                // input cells (taps inside the input only, copied into the MAC lanes) against the
                // group's output channels' kernel taps.
                for n in 0..shape.batch {
                    for g in 0..shape.group {
                        for (p, taps) in shape.taps.iter().enumerate() {
                            let mut xs = Vec::with_capacity(cg * taps.len());
                            for c in 0..cg {
                                let base = (n * shape.in_channels + g * cg + c) * shape.in_spatial;
                                xs.extend(taps.iter().map(|&(xi, _)| x.data[base + xi]));
                            }
                            let ms = g * mg..(g + 1) * mg;
                            let index = |m: usize| (0..cg).flat_map(move |c| taps.iter().map(move |&(_, ki)| (m * cg + c) * shape.kernel_size + ki));
                            let weights: Vec<Vec<i64>> =
                                ms.clone().map(|m| index(m).map(|wi| scaled(w.data[wi])).collect::<Result<Vec<i64>>>()).collect::<Result<_>>()?;
                            let (qv, yv) = if pinned {
                                let kw: Vec<Vec<Coef>> = ms.clone().map(|m| index(m).map(|wi| Coef::Param(wid, wi as u64)).collect()).collect();
                                let kb: Vec<Coef> = ms.clone().map(|m| bid.map_or(Coef::Structural, |id| Coef::Param(id, m as u64))).collect();
                                b.matvec_params(&weights, &bias[ms.clone()], &mut xs, Some((&kw, &kb)))?
                            } else {
                                b.matvec_both(&weights, &bias[ms.clone()], &mut xs)?
                            };
                            for (j, m) in ms.enumerate() {
                                qs[shape.out_index(n, m, p)] = qv[j];
                                ys[shape.out_index(n, m, p)] = yv[j];
                            }
                        }
                    }
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: qs });
                relu_store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: ys });
            }
            Op::MaxPool { window } | Op::AveragePool { window, .. } => {
                let x = value(&node.inputs[0], &store)?;
                let taps = window.taps(&x.shape[2..], &out_shape[2..]);
                let in_sp = numel(&x.shape[2..]);
                let mut out = Vec::with_capacity(numel_out);
                for plane in 0..x.shape[0] * x.shape[1] {
                    for t in &taps {
                        let elems: Vec<Operand> = t.iter().map(|&(xi, _)| x.data[plane * in_sp + xi]).collect();
                        let o = match &node.op {
                            Op::MaxPool { .. } => {
                                let cfg = cols.max.as_ref().ok_or_else(|| Error::internal("no max-pool columns"))?;
                                max_windows += 1;
                                if wrong_max == Some(max_windows - 1) {
                                    let top = elems.iter().map(|o| o.value).max().expect("a window");
                                    let below = elems.iter().map(|o| o.value).filter(|&v| v < top).max();
                                    let claimed = below.ok_or_else(|| Error::internal("the forged window has one distinct value"))?;
                                    cfg.claim(&mut b, &mut max_region, &elems, false, claimed)?
                                } else {
                                    cfg.window(&mut b, &mut max_region, &elems)?
                                }
                            }
                            Op::AveragePool { count_include_pad, .. } => {
                                let cfg = cols.avg.as_ref().ok_or_else(|| Error::internal("no average-pool columns"))?;
                                let divisor = if *count_include_pad { window.kernel_size() } else { t.len() };
                                cfg.window(&mut b, &mut avg_region, &elems, divisor)?
                            }
                            _ => unreachable!("a pool"),
                        };
                        out.push(o);
                    }
                }
                store.insert(node.output.clone(), Tensor { shape: out_shape.clone(), data: out });
            }
            Op::Relu => {
                let input = &node.inputs[0];
                let y = match relu_store.get(input) {
                    Some(y) => y.clone(),
                    None => {
                        let t = value(input, &store)?;
                        let mut ys = Vec::with_capacity(t.data.len());
                        for v in &t.data {
                            let (_, yv) = b.matvec_both(&[vec![1i64 << s]], &[0], &mut [*v])?;
                            ys.push(yv[0]);
                        }
                        Tensor { shape: out_shape.clone(), data: ys }
                    }
                };
                store.insert(node.output.clone(), y.clone());
                // relu(relu(x)) = relu(x): the ReLU cells of a ReLU output are its own cells.
                relu_store.insert(node.output.clone(), y);
            }
            Op::Concat { axis } => {
                // The operands' cells side by side (the same for their ReLU cells, when all
                // have them).
                let outer = numel(&out_shape[..*axis]);
                let join = |ts: &[Tensor<Operand>]| {
                    let mut data = Vec::with_capacity(numel_out);
                    for o in 0..outer {
                        for t in ts {
                            let chunk = numel(&t.shape[*axis..]);
                            data.extend_from_slice(&t.data[o * chunk..(o + 1) * chunk]);
                        }
                    }
                    Tensor { shape: out_shape.clone(), data }
                };
                let ts = node.inputs.iter().map(|i| value(i, &store)).collect::<Result<Vec<_>>>()?;
                store.insert(node.output.clone(), join(&ts));
                let ys: Option<Vec<Tensor<Operand>>> = node.inputs.iter().map(|i| relu_store.get(i).cloned()).collect();
                if let Some(ys) = ys {
                    relu_store.insert(node.output.clone(), join(&ys));
                }
            }
            Op::Flatten { .. } | Op::Reshape { .. } | Op::Transpose { .. } | Op::Identity | Op::Select { .. } => {
                let layout = |t: &Tensor<Operand>| match &node.op {
                    Op::Transpose { perm } => t.transposed(perm),
                    Op::Select { index } => Tensor { shape: out_shape.clone(), data: index.iter().map(|&i| t.data[i]).collect() },
                    _ => t.reshaped(out_shape.clone()),
                };
                let t = value(&node.inputs[0], &store)?;
                store.insert(node.output.clone(), layout(&t));
                if let Some(y) = relu_store.get(&node.inputs[0]) {
                    let y = layout(y);
                    relu_store.insert(node.output.clone(), y);
                }
            }
        }
    }

    // ---- Outputs ----
    let mut outputs = vec![];
    let mut out_row = out_io_start;
    for o in &q.graph.outputs {
        let t = store.get(&o.name).ok_or_else(|| Error::internal(format!("output {:?} not computed", o.name)))?;
        for op in &t.data {
            let cell = op.cell.ok_or_else(|| Error::internal("an output without a cell"))?;
            match vis.output {
                Visibility::Public => {
                    let (q_pub, _) = cols.public_io.expect("public io columns");
                    b.assign(cols.io, out_row, signed_to_fr(op.value))?;
                    b.assign(q_pub, out_row, Fr::from(1u64))?;
                    if instance_io.len() <= out_row {
                        instance_io.resize(out_row + 1, Fr::zero());
                    }
                    instance_io[out_row] = signed_to_fr(op.value);
                    b.copy(cell, Cell { column: cols.io, row: out_row });
                    out_row += 1;
                }
                Visibility::Fixed => {
                    let c = rows.place_fixed(&mut b, &cols, op.value)?;
                    b.copy(cell, c);
                }
                Visibility::Private => {}
            }
        }
        outputs.push(t.map(|op| op.value));
    }
    let rows_used = b.rows_used();
    if rows_used != plan.mac_rows {
        return Err(Error::internal(format!("the layout used {rows_used} MAC rows, the plan counted {}", plan.mac_rows)));
    }
    let window_used = lut_regions
        .iter()
        .map(|r| r.row)
        .fold(max_region.row.max(avg_region.row).max(product_region.row).max(const_region.row).max(arg_region.row).max(div_region.row), usize::max);
    if window_used != plan.window_rows {
        return Err(Error::internal(format!("the layout used {window_used} window rows, the plan counted {}", plan.window_rows)));
    }
    cs.projections = b.take_projections();
    cs.conv_projections = b.take_conv_projections();
    if b.reuses_params() {
        // Some parameter element has several uses (a convolution's kernel, a Gemm's W on several
        // batch rows, a broadcast bias): their copies need equality on the weight and bias
        // columns, declared last (docs/plonk.md §17). The decision depends on the model alone.
        cols.mac.tie_params(&mut cs);
    }
    let (fixed, witness) = b.finish();
    let mut instances = vec![];
    if let Some((_, inst)) = cols.public_io {
        debug_assert_eq!(inst.index, 0);
        instances.push(instance_io);
    }
    for (i, _) in cols.public_params.iter().enumerate() {
        let c = if i < cols.mac.w.len() { cols.mac.w[i] } else { cols.mac.bias };
        let mut v = witness.advice[c.index].clone();
        while v.last().is_some_and(|x| x.is_zero()) {
            v.pop();
        }
        instances.push(v);
    }
    Ok(ModelCircuit { cs, fixed, witness, instances, outputs, rows_used, io_fixed: cols.io_fixed.map(|c| c.index) })
}
