//! MSM bucket accumulation (issue 9). So far: the bit-exact software model of the whole
//! bucket-method MSM as the card and the host will split it (`model.rs`). The pipelined G1 adder
//! and the bucket unit in rust-hdl are not written yet.

pub mod model;
