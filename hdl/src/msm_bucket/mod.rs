//! MSM bucket accumulation (issue 9): the bit-exact software model of the bucket-method MSM as
//! the card and the host split it (`model.rs`), and the bucket unit's scheduler in rust-hdl
//! (`scheduler.rs`: bucket RAM, conflict queue, read-out; the point adder is a port). See
//! `NOTES.md` for the schedule, the conflict handling and the measured occupancy.

pub mod config;
pub mod model;
pub mod reduce_model;
pub mod scheduler;
pub mod unit;
