//! Weightless neural networks (BTHOWeN-style Bloom-filter RAM nodes, the model format of Zero
//! Gravity) proven with Plonk lookups: the image is private, the class scores and the class are
//! public. `docs/wnn.md` describes the format, the circuit, its layout and its soundness.
//!
//! * [`model`]: the network and its inference (the format's exact scores);
//! * [`hdf5`]: the model file (pure-Rust HDF5);
//! * [`input`]: the image (8-bit grayscale PNG, or ezkl's input.json);
//! * [`trace`]: every intermediate value of one classification (the witness before layout);
//! * [`circuit`]: the constraint system, the plan (rows, limb width, domain) and the layout;
//! * [`files`]: the witness and proof files of the `zkaccel wnn` verbs;
//! * [`statement`]: what a proof under a key states (model, class count), bound to the key;
//! * [`pipeline`]: setup, witness, prove and verify as functions (the CLI and the tests);
//! * [`train`]: a small generated data set and the training that makes the bundled example.

pub mod circuit;
pub mod files;
pub mod hdf5;
pub mod input;
pub mod pipeline;
pub mod model;
pub mod statement;
pub mod trace;
pub mod train;

pub use circuit::{build, WnnCircuit, WnnPlan};
pub use model::{argmax, WnnModel};
pub use trace::Trace;
