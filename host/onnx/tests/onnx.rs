//! ONNX import, quantization and calibration tests.
//!
//! One test binary for the crate (each file below is a module): one link instead of one per file,
//! and the two test threads stay busy across files (`cargo test -p <crate> --test onnx <file>::`).

mod common;
mod activation;
mod calibrate;
mod conv;
mod import;
mod input_json;
mod limits;
mod malformed;
mod quantize;
mod reduce;
mod shape_ops;
mod typed_fold;
