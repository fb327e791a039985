//! The layer graph that an ONNX file is imported into: one [`Node`] per ONNX node (of the
//! supported set), constants (initializers and `Constant` nodes) kept apart, shapes resolved.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::tensor::{numel, Tensor};
use crate::window::Window;

/// The operators this crate imports, with their attributes resolved at import.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `Y = alpha·A'·B' + beta·C` with `A' = transA ? Aᵀ : A`, `B' = transB ? Bᵀ : B`; A and B
    /// rank 2, C optional and unidirectionally broadcast to `Y`. Inputs: `[A, B]` or `[A, B, C]`.
    Gemm {
        /// ONNX `alpha` (default 1).
        alpha: f64,
        /// ONNX `beta` (default 1).
        beta: f64,
        /// ONNX `transA`.
        trans_a: bool,
        /// ONNX `transB`.
        trans_b: bool,
    },
    /// `A·B` with B of rank 2 and A of rank ≥ 1 (leading axes of A are batch axes).
    MatMul,
    /// Elementwise sum, numpy broadcasting.
    Add,
    /// Elementwise difference, numpy broadcasting.
    Sub,
    /// Elementwise product (of a value and a constant, or of two computed values), numpy
    /// broadcasting.
    Mul,
    /// `max(x, 0)`.
    Relu,
    /// To rank 2: `[prod(dims[..axis]), prod(dims[axis..])]`.
    Flatten {
        /// Resolved (non-negative) axis.
        axis: usize,
    },
    /// To the given shape (the file's shape input, with 0 and −1 resolved). Inputs: `[data]`;
    /// the shape operand is consumed at import.
    Reshape {
        /// The resolved output shape.
        shape: Vec<usize>,
    },
    /// Axis permutation: output axis i is input axis `perm[i]`.
    Transpose {
        /// Resolved permutation (ONNX default: reversed axes).
        perm: Vec<usize>,
    },
    /// Copy.
    Identity,
    /// N-d convolution (1-D and 2-D in the tests): X `[N, C, in…]`, W `[M, C/group, kernel…]`
    /// (a constant), optional bias B `[M]` (a constant). Inputs: `[X, W]` or `[X, W, B]`.
    /// A following BatchNormalization is folded into W and B at import.
    Conv {
        /// Kernel, strides, dilations and resolved padding.
        window: Window,
        /// ONNX `group` (depthwise: `group = C`).
        group: usize,
    },
    /// Maximum over each window (padded positions are ignored); `GlobalMaxPool` imports as a
    /// MaxPool whose kernel is the whole spatial extent.
    MaxPool {
        /// Kernel, strides, dilations and resolved padding.
        window: Window,
    },
    /// Sum over `axes` (resolved, sorted); `keepdims` keeps them as size-1 axes.
    ReduceSum {
        /// The reduced axes.
        axes: Vec<usize>,
        /// ONNX `keepdims`.
        keepdims: bool,
    },
    /// ⌊Σ / d⌋ over `axes` (d = the number of reduced elements).
    ReduceMean {
        /// The reduced axes.
        axes: Vec<usize>,
        /// ONNX `keepdims`.
        keepdims: bool,
    },
    /// Maximum over `axes` (resolved, sorted), proven by the max gadget.
    ReduceMax {
        /// The reduced axes.
        axes: Vec<usize>,
        /// ONNX `keepdims`.
        keepdims: bool,
    },
    /// Minimum over `axes`, proven by the max gadget with the comparison reversed.
    ReduceMin {
        /// The reduced axes.
        axes: Vec<usize>,
        /// ONNX `keepdims`.
        keepdims: bool,
    },
    /// The index (an integer, scale 2^0) of the first maximal element along the one axis in
    /// `axes` (ONNX `select_last_index = 0`: ties go to the lowest index).
    ArgMax {
        /// The reduced axis (one).
        axes: Vec<usize>,
        /// ONNX `keepdims`.
        keepdims: bool,
    },
    /// The index of the first minimal element along the one axis in `axes`.
    ArgMin {
        /// The reduced axis (one).
        axes: Vec<usize>,
        /// ONNX `keepdims`.
        keepdims: bool,
    },
    /// Elementwise quotient of two computed values, numpy broadcasting: at scales s_a and s_b the
    /// quotient q = ⌊a·2^{s_b} / b⌋ (Euclidean: a·2^{s_b} = b·q + r, 0 ≤ r < |b|) at scale s_a;
    /// b = 0 is an error. (Div by a constant imports as [`Op::Mul`] by its reciprocal.)
    Div,
    /// Output element i is input element `index[i]` (Slice, Gather with constant indices, the
    /// outputs of Split; the map is computed at import).
    Select {
        /// Flat input index per output element.
        index: Vec<usize>,
    },
    /// Constant padding: `begin[a]` and `end[a]` elements of `value` around axis a (ONNX Pad,
    /// mode `constant`; `edge` and `reflect` import as [`Op::Select`]).
    Pad {
        /// Elements before each axis.
        begin: Vec<usize>,
        /// Elements after each axis.
        end: Vec<usize>,
        /// The padding value (real).
        value: f64,
    },
    /// Concatenation of computed values along `axis`.
    Concat {
        /// Resolved axis.
        axis: usize,
    },
    /// An elementwise nonlinearity, proven by a lookup table over the value range: the output
    /// at the input's scale s is `round(f(q / 2^s)·2^s)` (ties away from zero).
    Activation(Activation),
    /// Elementwise sum of any number of operands, numpy broadcasting.
    Sum,
    /// Elementwise mean of any number of computed operands (⌊Σ / k⌋), numpy broadcasting.
    Mean,
    /// Mean over each window: the sum of the taps inside the input divided by the kernel size
    /// (`count_include_pad`) or by the number of those taps. `GlobalAveragePool` imports as an
    /// AveragePool whose kernel is the whole spatial extent.
    AveragePool {
        /// Kernel, strides, dilations and resolved padding.
        window: Window,
        /// ONNX `count_include_pad`.
        count_include_pad: bool,
    },
}

impl Op {
    /// Whether the op multiplies two operands (and so needs a rescale in fixed point).
    pub fn is_product(&self) -> bool {
        matches!(self, Op::Gemm { .. } | Op::MatMul | Op::Mul | Op::Conv { .. })
    }
}

/// The nonlinearities of [`Op::Activation`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// `min(max(x, min), max)` (ONNX Clip; torch's ReLU6 exports as Clip(0, 6)).
    Clip { min: f64, max: f64 },
    /// `x` for x ≥ 0, `alpha·x` below.
    LeakyRelu { alpha: f64 },
    /// `1 / (1 + e^−x)`.
    Sigmoid,
    /// `tanh x`.
    Tanh,
    /// `max(0, min(1, alpha·x + beta))`.
    HardSigmoid { alpha: f64, beta: f64 },
    /// `x · max(0, min(1, x/6 + 1/2))` (ONNX HardSwish).
    HardSwish,
    /// `x·Φ(x) = x·(1 + erf(x/√2))/2`, or with `tanh_approx` (ONNX `approximate = "tanh"`)
    /// `x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2`.
    Gelu { tanh_approx: bool },
    /// The error function.
    Erf,
    /// `e^x`. Its table holds only the inputs whose output fits the value range.
    Exp,
    /// The natural logarithm, defined for x > 0 (a quantized input ≤ 0 is a named error).
    Log,
    /// `√x`, defined for x ≥ 0 (a quantized input < 0 is a named error).
    Sqrt,
}

impl Activation {
    /// The real function.
    pub fn apply(&self, x: f64) -> f64 {
        match *self {
            Activation::Clip { min, max } => x.max(min).min(max),
            Activation::LeakyRelu { alpha } => if x >= 0.0 { x } else { alpha * x },
            Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Activation::Tanh => x.tanh(),
            Activation::HardSigmoid { alpha, beta } => (alpha * x + beta).clamp(0.0, 1.0),
            Activation::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
            Activation::Gelu { tanh_approx: false } => 0.5 * x * (1.0 + libm::erf(x * std::f64::consts::FRAC_1_SQRT_2)),
            Activation::Gelu { tanh_approx: true } => {
                let c = (2.0 / std::f64::consts::PI).sqrt();
                0.5 * x * (1.0 + (c * (x + 0.044715 * x * x * x)).tanh())
            }
            Activation::Erf => libm::erf(x),
            Activation::Exp => x.exp(),
            Activation::Log => x.ln(),
            Activation::Sqrt => x.sqrt(),
        }
    }

    /// Whether the real function is defined at x (Log: x > 0; Sqrt: x ≥ 0; the others
    /// everywhere).
    pub fn defined_at(&self, x: f64) -> bool {
        match *self {
            Activation::Log => x > 0.0,
            Activation::Sqrt => x >= 0.0,
            _ => true,
        }
    }

    /// Whether the lookup table covers only part of the value range (a domain or an output
    /// that outgrows the range), so the circuit needs the table form with a selector column.
    pub fn partial_table(&self) -> bool {
        matches!(self, Activation::Exp | Activation::Log | Activation::Sqrt)
    }

    /// The name of the domain error for an input q at scale s outside [`Self::defined_at`].
    pub fn domain_error(&self, q: i64, scale: u32) -> Option<String> {
        let x = q as f64 / (scale as f64).exp2();
        (!self.defined_at(x)).then(|| match self {
            Activation::Log => format!("Log of a non-positive value ({x} = {q}/2^{scale})"),
            _ => format!("Sqrt of a negative value ({x} = {q}/2^{scale})"),
        })
    }

    /// A bound on |f(a') − f(a)| over every a' with |a' − a| ≤ e (the input error's effect):
    /// `lipschitz()·e` for the globally Lipschitz functions; for Exp `e^a·(e^e − 1)`; for Log
    /// `ln a − ln(a − e)` (infinite when a − e ≤ 0); for Sqrt `√a − √(max(a − e, 0))` (the
    /// larger side, √ being concave).
    pub fn input_error(&self, a: f64, e: f64) -> f64 {
        match *self {
            Activation::Exp => a.exp() * e.exp_m1(),
            Activation::Log => if a - e > 0.0 { a.ln() - (a - e).ln() } else { f64::INFINITY },
            Activation::Sqrt => a.max(0.0).sqrt() - (a - e).max(0.0).sqrt(),
            _ => self.lipschitz() * e,
        }
    }

    /// A Lipschitz constant (for the error bound; infinite for Exp, Log and Sqrt).
    pub fn lipschitz(&self) -> f64 {
        match *self {
            Activation::Clip { .. } | Activation::Tanh => 1.0,
            Activation::LeakyRelu { alpha } => alpha.abs().max(1.0),
            Activation::Sigmoid => 0.25,
            Activation::HardSigmoid { alpha, .. } => alpha.abs(),
            // d/dx = (2x + 3)/6 on (−3, 3): between −1/2 and 3/2.
            Activation::HardSwish => 1.5,
            // d/dx x·Φ(x) = Φ(x) + x·φ(x) ∈ [−0.1289, 1.1289] (extremes at ∓√2); the tanh form
            // stays within the same 1.13 (checked numerically in tests/activation.rs).
            Activation::Gelu { .. } => 1.13,
            // 2/√π.
            Activation::Erf => std::f64::consts::FRAC_2_SQRT_PI,
            // Not globally Lipschitz: [`Self::input_error`] bounds them locally.
            Activation::Exp | Activation::Log | Activation::Sqrt => f64::INFINITY,
        }
    }

    /// The quantized function at scale s: `round(f(q / 2^s)·2^s)`, ties away from zero.
    pub fn apply_q(&self, q: i64, scale: u32) -> i64 {
        let s = (scale as f64).exp2();
        (self.apply(q as f64 / s) * s).round() as i64
    }
}

/// One computation node of the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The ONNX node name (`#<index>` when the file leaves it empty).
    pub name: String,
    /// The ONNX `op_type` as written in the file.
    pub op_type: String,
    /// The operator and its resolved attributes.
    pub op: Op,
    /// Value names read by the node: earlier node outputs, graph inputs or constants.
    pub inputs: Vec<String>,
    /// The value name it writes.
    pub output: String,
    /// The shape of that value.
    pub output_shape: Vec<usize>,
}

/// A named graph input or output with its shape.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueInfo {
    /// Value name.
    pub name: String,
    /// Shape (symbolic dimensions of inputs are fixed to 1, see NOTES.md).
    pub shape: Vec<usize>,
}

/// An imported model.
#[derive(Clone, Debug)]
pub struct Graph {
    /// Graph inputs (excluding initializers), in file order.
    pub inputs: Vec<ValueInfo>,
    /// Constants by value name: initializers, `Constant` nodes and folded nodes, as f64.
    pub constants: BTreeMap<String, Tensor<f64>>,
    /// Computation nodes in file (topological) order.
    pub nodes: Vec<Node>,
    /// Graph outputs, in file order.
    pub outputs: Vec<ValueInfo>,
    /// Names of supported nodes whose inputs were all constants and which were evaluated at
    /// import into `constants` (e.g. a `Transpose` of a weight), and of BatchNormalization nodes
    /// folded into the Conv or Gemm before them. They do not appear in `nodes`.
    pub folded: Vec<String>,
    /// The original file bytes, kept for tract's float reference run.
    pub(crate) onnx_bytes: Vec<u8>,
}

impl Graph {
    /// The values one evaluation of the graph holds at once: its inputs and every node's output
    /// (the float and the quantized evaluators keep them all — the per-node ranges and the witness
    /// need every one). Each is at most `MAX_TENSOR_ELEMENTS` and there are at most `MAX_NODES`
    /// nodes, so the sum fits a `usize`; the importer bounds neither the sum nor the memory it
    /// needs, which is what `zkaccel`'s evaluating verbs check against the memory they may use.
    pub fn evaluation_elements(&self) -> usize {
        self.inputs.iter().map(|i| numel(&i.shape)).chain(self.nodes.iter().map(|n| numel(&n.output_shape))).sum()
    }

    /// Whether a value name is a constant.
    pub fn is_constant(&self, name: &str) -> bool {
        self.constants.contains_key(name)
    }

    /// Checks a set of input tensors against the graph inputs and returns them in the graph's
    /// shapes. Inputs are matched by position; each must have the input's number of elements
    /// (ezkl's `input.json` stores them flattened, so any shape of the right size is accepted)
    /// and only finite values.
    pub fn check_inputs(&self, inputs: &[Tensor<f64>]) -> Result<Vec<Tensor<f64>>> {
        if inputs.len() != self.inputs.len() {
            return Err(Error::Input {
                input: inputs.len().min(self.inputs.len()),
                name: self.inputs.get(inputs.len()).map(|v| v.name.clone()).unwrap_or_default(),
                reason: format!(
                    "the model has {} input(s), {} were given",
                    self.inputs.len(),
                    inputs.len()
                ),
            });
        }
        let mut out = Vec::with_capacity(inputs.len());
        for (i, (t, info)) in inputs.iter().zip(&self.inputs).enumerate() {
            let want = numel(&info.shape);
            if t.data.len() != want {
                return Err(Error::Input {
                    input: i,
                    name: info.name.clone(),
                    reason: format!(
                        "expected {want} values (shape {:?}), got {} (shape {:?})",
                        info.shape,
                        t.data.len(),
                        t.shape
                    ),
                });
            }
            if let Some((k, v)) = t.data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::Input {
                    input: i,
                    name: info.name.clone(),
                    reason: format!("value {k} is not finite ({v})"),
                });
            }
            out.push(Tensor { shape: info.shape.clone(), data: t.data.clone() });
        }
        Ok(out)
    }

    /// Total multiply-accumulates of one inference (products of Gemm/MatMul, one per element of
    /// Mul), used for the row estimate in the settings.
    pub fn mac_count(&self) -> u64 {
        let shapes = self.value_shapes();
        self.nodes
            .iter()
            .map(|n| {
                let out = numel(&n.output_shape) as u64;
                match &n.op {
                    Op::Gemm { trans_a, .. } => {
                        let a = &shapes[&n.inputs[0]];
                        out * if *trans_a { a[0] } else { a[1] } as u64
                    }
                    Op::MatMul => {
                        let a = &shapes[&n.inputs[0]];
                        out * *a.last().unwrap_or(&1) as u64
                    }
                    Op::Mul => out,
                    Op::Conv { window, group } => {
                        let x = &shapes[&n.inputs[0]];
                        out * (x[1] / group * window.kernel_size()) as u64
                    }
                    _ => 0,
                }
            })
            .sum()
    }

    /// The shape of every value (inputs, constants, node outputs).
    pub fn value_shapes(&self) -> BTreeMap<String, Vec<usize>> {
        let mut m: BTreeMap<String, Vec<usize>> =
            self.inputs.iter().map(|v| (v.name.clone(), v.shape.clone())).collect();
        for (k, t) in &self.constants {
            m.insert(k.clone(), t.shape.clone());
        }
        for n in &self.nodes {
            m.insert(n.output.clone(), n.output_shape.clone());
        }
        m
    }
}
