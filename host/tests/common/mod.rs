//! Shared setup for the Plonk integration tests.
#![allow(dead_code)]

pub mod relu;

use zkaccel::backend::CpuBackend;
use zkaccel::plonk::standard::random_circuit;
use zkaccel::plonk::{keygen, ConstraintSystem, FixedAssignment, ProvingKey, Witness};
use zkaccel::srs::Srs;
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

pub struct Setup {
    pub backend: CpuBackend,
    pub srs: Srs,
    pub cs: ConstraintSystem,
    pub circuit: FixedAssignment,
    pub pk: ProvingKey,
    pub witness: Witness,
    pub instances: Vec<Vec<Fr>>,
}

/// An insecure development SRS large enough for 2^k rows of the standard gate.
pub fn dev_srs(k: u32, rng: &mut TestRng) -> Srs {
    Srs::insecure_dev((1 << k) + 16, rng).unwrap()
}

/// A random standard circuit of 2^k rows with its keys.
pub fn standard(k: u32, num_public: usize, rng: &mut TestRng) -> Setup {
    let backend = CpuBackend::new();
    let srs = dev_srs(k, rng);
    let (cs, circuit, witness, instances) = random_circuit(k, num_public, rng).unwrap();
    let pk = keygen(&backend, &srs, cs.clone(), &circuit).unwrap();
    Setup { backend, srs, cs, circuit, pk, witness, instances }
}
