//! Mul of two computed values (the product gadget, host/zkml/src/ops/product.rs): the circuit's
//! outputs equal the quantized model (⌊a·b / 2^s⌋) and lie within the error bound of tract; the
//! witness satisfies every constraint; a product off by one (remainder adjusted, or not) and a
//! changed factor are rejected.

mod common;

use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::mac::signed_to_fr;
use zkaccel_onnx::{Tensor, Visibility};
use zkaccel_zkml::pipeline;

const MODEL: &str = "mul_two_activations.onnx"; // square_ish = input · relu(input), [1, 4]

fn sample(rng: &mut ChaCha20Rng) -> Vec<Tensor<f64>> {
    vec![Tensor::new(vec![1, 4], (0..4).map(|_| rng.gen_range(-3.0..3.0)).collect()).unwrap()]
}

#[test]
fn products_of_two_computed_values_match_the_quantized_model_and_tract() {
    let g = load(MODEL);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for (i, lanes) in [None, Some(1), Some(4)].into_iter().enumerate() {
        let x = sample(&mut rng);
        // The node's shift is the input scale; it must not exceed the param scale S.
        let scales = [(6, 6), (5, 9), (8, 10)][i];
        let vis = [(Visibility::Private, Visibility::Public, Visibility::Fixed), (Visibility::Public, Visibility::Public, Visibility::Fixed), (Visibility::Private, Visibility::Private, Visibility::Fixed)][i];
        let s = settings(&g, scales, vis, std::slice::from_ref(&x));
        let c = compile(MODEL, &s, lanes);
        let (w, run) = pipeline::gen_witness(&c, &data_of(&x)).unwrap();
        let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
        assert_eq!(circuit.outputs[0].data, run.outputs[0].data);
        // Independent: ⌊q·relu(q) / 2^s⌋ on the quantized inputs.
        let sc = scales.0;
        let qx: Vec<i64> = x[0].data.iter().map(|&v| (v * (sc as f64).exp2()).round() as i64).collect();
        let want: Vec<i64> = qx.iter().map(|&v| (v * v.max(0)).div_euclid(1 << sc)).collect();
        assert_eq!(run.outputs[0].data, want);
        let q = s.quantize(&g).unwrap();
        let tract = g.tract_reference(&x).unwrap();
        let bound = q.error_bound(&x).unwrap();
        for ((&v, &f), &e) in run.outputs[0].data.iter().zip(&tract[0].data).zip(&bound[0].data) {
            let y = v as f64 / (sc as f64).exp2();
            assert!((y - f).abs() <= e + TRACT_F32_TOL, "|{y} − {f}| > {e}");
        }
        let f = check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
        assert!(f.is_empty(), "{f:?}");
    }
}

#[test]
fn a_wrong_product_is_rejected() {
    let g = load(MODEL);
    let x = vec![Tensor::new(vec![1, 4], vec![1.5, -2.0, 2.75, 0.5]).unwrap()];
    let s = settings(&g, (6, 8), (Visibility::Private, Visibility::Private, Visibility::Fixed), std::slice::from_ref(&x));
    let c = compile(MODEL, &s, Some(2));
    let (w, _) = pipeline::gen_witness(&c, &data_of(&x)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    let cs = &circuit.cs;
    let check = |wit: &zkaccel::plonk::Witness| check_witness(cs, &circuit.fixed, wit, &circuit.instances, 20).unwrap();
    assert!(check(&circuit.witness).is_empty());
    // The product gadget's advice columns are the last four declared: a, b, q, r.
    let n = cs.num_advice;
    let (a, q, r) = (n - 4, n - 2, n - 1);
    let two_s = zkaccel::Fr::from(1u64 << c.plan.shift);
    let one = zkaccel::Fr::from(1u64);
    // Row 0: 1.5·1.5 = 2.25 → q = 144 at scale 6 (⌊96·96·4 / 256⌋), r = 0.
    assert_eq!(circuit.witness.advice[q][0], signed_to_fr(144));
    // q + 1 with r − 2^S (the gate holds): r < 0 fails the remainder lookup.
    let mut wit = circuit.witness.clone();
    wit.advice[q][0] += one;
    wit.advice[r][0] -= two_s;
    assert_eq!(check(&wit), vec![Failure::Lookup { lookup: "mul_remainder".into(), row: 0 }]);
    // q + 1 alone: the gate fails.
    let mut wit = circuit.witness.clone();
    wit.advice[q][0] += one;
    assert_eq!(check(&wit), vec![Failure::Gate { gate: "mul_rescale".into(), constraint: 0, row: 0 }]);
    // A factor changed (gate satisfied with q, r recomputed): its copy constraint fails.
    let mut wit = circuit.witness.clone();
    wit.advice[a][0] = signed_to_fr(97);
    wit.advice[q][0] = signed_to_fr(97 * 96 * 4 / 256);
    wit.advice[r][0] = signed_to_fr((97 * 96 * 4) % 256);
    let f = check(&wit);
    assert!(!f.is_empty() && f.iter().all(|f| matches!(f, Failure::Copy { .. })), "{f:?}");
}
