//! zkaccel model import: ONNX (via tract) → a layer graph → a fixed-point model with an integer
//! reference inference, calibration of its scales, and ezkl-style `settings.json`/`input.json`.
//!
//! ```no_run
//! use zkaccel_onnx::{load_onnx, InputData, RunArgs, Settings, calibrate, CalibrationConfig};
//! # fn main() -> zkaccel_onnx::Result<()> {
//! let graph = load_onnx("host/onnx/examples/mlp_784_128_10.onnx")?;
//! let input = InputData::load("host/onnx/examples/mlp_input.json")?.to_tensors(&graph)?;
//! let float = graph.tract_reference(&input)?;                  // tract's f32 run
//! let settings = calibrate(&graph, &[input.clone()], &RunArgs::default(), &CalibrationConfig::default())?;
//! let q = settings.quantize(&graph)?;
//! let run = q.run(&input)?;                                     // what the circuit proves
//! let bound = q.error_bound(&input)?;                           // rigorous |q − real| bound
//! # Ok(()) }
//! ```
//!
//! The supported operators, the rounding rule and the scale bookkeeping are described in
//! `host/onnx/NOTES.md`.

mod batchnorm;
mod calibrate;
mod conv_transpose;
mod error;
mod eval;
mod graph;
mod import;
mod input;
mod quant;
mod reduce;
mod settings;
mod shape_ops;
mod softmax;
mod tensor;
mod window;

pub use calibrate::{calibrate, CalibrationConfig, CalibrationTarget};
pub use error::{Error, Result};
pub use graph::{Activation, Graph, Node, Op, ValueInfo};
pub use import::{import, load_onnx, MAX_IMPORT_ELEMENTS, MAX_NODES, MAX_TENSOR_ELEMENTS, SUPPORTED_OPS};
pub use input::InputData;
pub use quant::{
    dequantize, quantize_value, rescale_floor, signed_bits, LayerStats, QNode, QOperand, QuantRun, QuantizedModel,
    MAX_ABS_Q, MAX_SCALE,
};
pub use settings::{CalibrationReport, MatmulLayout, RunArgs, Settings, Visibility, RESCALE_FLOOR, RESERVED_ROWS, MAX_LOGROWS};
pub use reduce::reduce_groups;
pub use tensor::{broadcast_indices, broadcast_shape, checked_numel, numel, strides, Tensor};
pub use window::{AutoPad, ConvShape, Window};
