//! On-chip memories as `Verilog::Custom` leaves with Rust behavioural models: a simple dual-port
//! RAM, a ROM with contents fixed at build time, and a synchronous FIFO. Yosys infers block or
//! distributed RAM from them; Verilator simulates them as arrays.

pub mod fifo;
pub mod ram;
pub mod rom;
