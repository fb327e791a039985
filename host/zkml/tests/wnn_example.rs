//! The bundled WNN example (`host/zkml/examples/wnn`) is what `cargo run -p zkaccel-zkml
//! --example wnn_train` produces: the committed model, PNG and input.json equal the training
//! code's output byte for byte, the model classifies held-out generated digits well, and the
//! example digit proves and verifies.

use std::path::PathBuf;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::{keygen, prove, verify, Shape};
use zkaccel::srs::Srs;
use zkaccel_zkml::wnn::{build, hdf5, input, train, Trace};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/wnn").join(name)
}

#[test]
fn committed_example_is_what_the_training_script_makes() {
    let m = train::example_model();
    assert_eq!(std::fs::read(example("digits_wnn.hdf5")).unwrap(), hdf5::to_bytes(&m).unwrap(), "rerun: cargo run -p zkaccel-zkml --example wnn_train");
    let (img, class) = train::example_digit();
    assert_eq!(class, 7);
    assert_eq!(std::fs::read(example("digit_7.png")).unwrap(), train::png_bytes(&img).unwrap());
    assert_eq!(std::fs::read_to_string(example("digit_7_input.json")).unwrap(), input::pixels_to_json(&img));
    assert_eq!(hdf5::load(&example("digits_wnn.hdf5")).unwrap(), m);
    assert_eq!(input::load_pixels(&example("digit_7.png"), 28).unwrap(), img);
}

#[test]
fn example_model_generalises_to_new_digits() {
    let m = hdf5::load(&example("digits_wnn.hdf5")).unwrap();
    let acc = train::accuracy(&m, &train::dataset(train::EXAMPLE_TEST_SEED, 30));
    assert!(acc >= 0.85, "test accuracy {acc}");
    // Chance is 0.1; the untrained (empty) model scores 0 everywhere and answers 0.
    let mut empty = m.clone();
    empty.bloom.iter_mut().for_each(|b| *b = false);
    assert!((train::accuracy(&empty, &train::dataset(train::EXAMPLE_TEST_SEED, 30)) - 0.1).abs() < 1e-9);
}

#[test]
fn example_digit_proves_and_verifies() {
    let m = hdf5::load(&example("digits_wnn.hdf5")).unwrap();
    let pixels = input::load_pixels(&example("digit_7.png"), 28).unwrap();
    let t = Trace::honest(&m, &pixels);
    assert_eq!((t.scores.as_slice(), t.class), (&[42, 34, 43, 37, 35, 42, 39, 54, 45, 44][..], 7));
    let c = build(&m, &t).unwrap();
    assert_eq!(c.plan.k, 12);
    let degree = Shape::new(&c.cs, c.plan.k).unwrap().srs_degree;
    let srs = Srs::insecure_dev(degree, &mut ChaCha20Rng::seed_from_u64(7)).unwrap();
    let pk = keygen(&CpuBackend::new(), &srs, c.cs.clone(), &c.fixed).unwrap();
    let proof = prove(&CpuBackend::new(), &pk, &c.witness, &c.instances, &mut ChaCha20Rng::seed_from_u64(8)).unwrap();
    verify(&pk.vk, &proof, &c.instances).unwrap();
}
