//! The hardware crate's tests: synthesis reports, card reports and vendor flows are current.
//!
//! One test binary for the crate (each file below is a module): one link instead of one per file,
//! and the two test threads stay busy across files (`cargo test -p <crate> --test hdl <file>::`).

mod card_reports;
mod synth_reports;
mod vendor_flows;
