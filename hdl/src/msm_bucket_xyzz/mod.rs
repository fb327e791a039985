//! The bucket unit on the XYZZ adder (issue 23, the cheaper adder): its bit-exact golden model
//! (`model.rs`) — offsets that keep the incomplete formulas away from their exceptional cases for
//! any input, the reduction's general additions in two passes, the sticky exception flag, and the
//! host's combination — and the scheduler RTL tested against it (`scheduler.rs`). `NOTES.md` has
//! the design.

pub mod model;
pub mod scheduler;
pub mod unit;
