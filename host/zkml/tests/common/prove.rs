//! Keys, honest proofs and forced (unchecked) proofs of model circuits, through the library API.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::{prove, verify, ProvingKey, Shape, Witness};
use zkaccel::srs::Srs;
use zkaccel::Fr;
use zkaccel_zkml::circuit::ModelCircuit;
use zkaccel_zkml::compiled::CompiledCircuit;
use zkaccel_zkml::pipeline;

pub struct Keyed {
    pub backend: CpuBackend,
    pub pk: ProvingKey,
    pub rng: ChaCha20Rng,
}

/// Keys for a compiled circuit whose inputs and outputs are not fixed (layout from zero inputs),
/// on an insecure development SRS.
pub fn keys(c: &CompiledCircuit, seed: u64) -> Keyed {
    let layout = pipeline::layout_for_setup(c, None).unwrap();
    let shape = Shape::new(&layout.cs, c.plan.k).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let srs = Srs::insecure_dev(shape.srs_degree, &mut rng).unwrap();
    let backend = CpuBackend::new();
    let pk = pipeline::setup(&backend, c, &srs, None).unwrap();
    Keyed { backend, pk, rng }
}

/// The honest prover proves the circuit's witness and the proof verifies.
pub fn accepted(k: &mut Keyed, circuit: &ModelCircuit, what: &str) {
    assert!(check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap().is_empty(), "{what}");
    let proof = prove(&k.backend, &k.pk, &circuit.witness, &circuit.instances, &mut k.rng).unwrap_or_else(|e| panic!("{what}: {e}"));
    verify(&k.pk.vk, &proof, &circuit.instances).unwrap_or_else(|e| panic!("{what}: {e}"));
}

/// The row-by-row checker finds exactly `want` (when given) or at least one failure; the
/// honest prover refuses; the proof forced through is rejected by the verifier.
pub fn rejected(k: &mut Keyed, circuit: &ModelCircuit, witness: &Witness, instances: &[Vec<Fr>], want: Option<&[Failure]>, what: &str) {
    let failures = check_witness(&circuit.cs, &circuit.fixed, witness, instances, 20).unwrap();
    match want {
        Some(w) => assert_eq!(failures, w, "{what}"),
        None => assert!(!failures.is_empty(), "{what}: the checker finds nothing"),
    }
    assert!(prove(&k.backend, &k.pk, witness, instances, &mut k.rng).is_err(), "{what}: the honest prover proves it");
    let forced = prove_with_options(&k.backend, &k.pk, witness, instances, &mut k.rng, ProveOptions { check_witness: false }).unwrap();
    assert!(matches!(verify(&k.pk.vk, &forced, instances), Err(zkaccel::Error::Verification(_))), "{what}: the verifier accepts");
}
