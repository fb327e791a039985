//! `zkaccel` binary. The command-line front-end (ezkl-like verbs) is a later issue; for now the
//! binary reports the version and the backend it would use.

use zkaccel::backend::{Backend, CpuBackend};

fn main() {
    let backend = CpuBackend::new();
    println!("zkaccel {} (Plonk + KZG over BN254); backend: {}", env!("CARGO_PKG_VERSION"), backend.name());
    println!("the command-line interface is not implemented yet; see docs/plonk.md for the library API");
}
