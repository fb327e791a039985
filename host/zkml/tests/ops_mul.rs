//! Mul of two computed values (the product gadget, host/zkml/src/ops/product.rs): the circuit's
//! outputs equal the quantized model (⌊a·b / 2^s⌋) and lie within the error bound of tract; the
//! witness satisfies every constraint; a product off by one (remainder adjusted, or not) and a
//! changed factor are rejected.

use crate::common;

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

/// Div by a constant (a Mul by the reciprocal), Softmax and LogSoftmax (lowered: ReduceMax, Sub,
/// Exp, ReduceSum, Div or Log and Sub) and Div of two computed tensors: outputs equal the
/// quantized model and tract's within the bound, every constraint holds; each softmax row sums
/// to 1 less the floors (2^s − k < Σ q ≤ 2^s); a quotient off by one (remainder adjusted), a
/// flipped sign and a divisor of 0 are rejected by the division's lookups.
#[test]
fn division_softmax_and_log_softmax_are_proven() {
    let model = "div_softmax.onnx";
    let g = load(model);
    let x = input("div_softmax_input.json", &g);
    let vis = (Visibility::Private, Visibility::Public, Visibility::Fixed);
    for (scales, lanes) in [((8, 8), None), ((10, 9), Some(3))] {
        let (circuit, run, bound) = checked_model_circuit(model, &x, scales, vis, lanes);
        // The stated bounds stay meaningful: softmax within 0.02, log-softmax and the quotient
        // within 0.1 at these scales.
        for (o, lim) in [(0, 0.02), (1, 0.1), (2, 0.1)] {
            let worst = bound[o].data.iter().copied().fold(0.0, f64::max);
            assert!(worst < lim, "output {o}: bound {worst}");
        }
        let s = run.output_scales[0];
        for row in run.outputs[0].data.chunks(6) {
            let total: i64 = row.iter().sum();
            assert!(total <= 1 << s && total > (1 << s) - 6, "softmax row sums to {total} at 2^{s}");
        }
        // The division gadget's last row is the last element of the Div of two computed
        // values (the softmax's divisions come first).
        let adv = lookup_advice(&circuit.cs, "div_remainder_below_divisor"); // [mag, r]
        let (mag, r) = (adv[0], adv[1]);
        let q = lookup_advice(&circuit.cs, "div_quotient")[0];
        let (b_col, sgn) = (q - 1, r + 1);
        let row = 12 + 11;
        let wit0 = &circuit.witness;
        let bv = wit0.advice[b_col][row];
        // q + 1 with r − b: the gate holds, r < 0 fails `div_remainder`.
        let mut wit = wit0.clone();
        wit.advice[q][row] += zkaccel::Fr::from(1u64);
        wit.advice[r][row] -= bv;
        let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
        assert!(f.contains(&Failure::Lookup { lookup: "div_remainder".into(), row }), "{f:?}");
        assert!(!f.iter().any(|f| matches!(f, Failure::Gate { .. })), "{f:?}");
        // q − 1 with r + b: r ≥ |b| fails `div_remainder_below_divisor`.
        let mut wit = wit0.clone();
        wit.advice[q][row] -= zkaccel::Fr::from(1u64);
        wit.advice[r][row] += bv;
        let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
        assert!(f.contains(&Failure::Lookup { lookup: "div_remainder_below_divisor".into(), row }), "{f:?}");
        // The sign flipped (mag = −|b|): no remainder fits.
        let mut wit = wit0.clone();
        wit.advice[sgn][row] = -wit.advice[sgn][row];
        wit.advice[mag][row] = -wit.advice[mag][row];
        let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
        assert!(f.contains(&Failure::Lookup { lookup: "div_remainder_below_divisor".into(), row }), "{f:?}");
        // A divisor of 0 (q = 0, r = a·2^{s_b}, mag = 0; the copy of b broken too): the
        // remainder cannot lie below it.
        let mut wit = wit0.clone();
        // a·2^{s_b} = b·q + r (the honest row).
        let num = wit0.advice[r][row] + bv * wit0.advice[q][row];
        wit.advice[b_col][row] = zkaccel::Fr::from(0u64);
        wit.advice[q][row] = zkaccel::Fr::from(0u64);
        wit.advice[r][row] = num;
        wit.advice[mag][row] = zkaccel::Fr::from(0u64);
        let f = check_witness(&circuit.cs, &circuit.fixed, &wit, &circuit.instances, 50).unwrap();
        assert!(f.contains(&Failure::Lookup { lookup: "div_remainder_below_divisor".into(), row }), "{f:?}");
        assert!(!f.iter().any(|f| matches!(f, Failure::Gate { gate, .. } if gate == "div_euclid" || gate == "div_sign")), "{f:?}");
    }
    // A divisor that quantizes to 0 is a named error before any circuit: x / relu(x) at x ≤ 0.
    let model = "div_by_zero.onnx";
    let g = load(model);
    let ok = vec![Tensor::new(vec![1, 4], vec![0.5, 1.0, 1.5, 2.0]).unwrap()];
    let s = settings(&g, (8, 8), vis, std::slice::from_ref(&ok));
    let c = compile(model, &s, None);
    let (w, run) = pipeline::gen_witness(&c, &data_of(&ok)).unwrap();
    assert_eq!(run.outputs[0].data, vec![256; 4]);
    pipeline::circuit_for_witness(&c, &w).unwrap();
    let zero = vec![Tensor::new(vec![1, 4], vec![0.5, -1.0, 1.5, 2.0]).unwrap()];
    let Err(e) = pipeline::gen_witness(&c, &data_of(&zero)) else { panic!("division by zero accepted") };
    let e = e.to_string();
    assert!(e.contains("division by zero") && e.contains("div"), "{e}");
}

/// A model from a real exporter: scikit-learn's MLPClassifier as skl2onnx writes it (Cast,
/// MatMul, Add, Relu, Softmax, ArgMax, ArrayFeatureExtractor of the class labels, Reshape,
/// Cast): both outputs (the label, an index, and the probabilities) equal the quantized model
/// and tract's within the bound, every constraint holds; the labels are sklearn's (1 and 0 for
/// the two rows of the input file, as `make_sklearn.py` prints).
#[test]
fn sklearn_mlp_classifier_exported_by_skl2onnx_is_proven() {
    let model = "sklearn_mlp.onnx";
    let g = load(model);
    let x = input("sklearn_mlp_input.json", &g);
    let (_, run, bound) = checked_model_circuit(model, &x, (12, 12), (Visibility::Private, Visibility::Public, Visibility::Fixed), Some(4));
    assert_eq!(run.outputs[0].data, vec![1, 0]);
    assert_eq!(bound[0].data, vec![0.0, 0.0]);
    // The probabilities: the rigorous bound (composed through three Gemms and the softmax's
    // steps) is below 0.06; the measured error against tract is far smaller.
    let tract = g.tract_reference(&x).unwrap();
    let sc = (run.output_scales[1] as f64).exp2();
    let worst = run.outputs[1].data.iter().zip(&tract[1].data).map(|(&v, &f)| (v as f64 / sc - f).abs()).fold(0.0, f64::max);
    assert!(worst < 2e-3, "{worst}");
    assert!(bound[1].data.iter().all(|&e| e < 0.06), "{:?}", bound[1].data);
}
