//! Clip (ReLU6), LeakyRelu, Sigmoid, Tanh, HardSigmoid: the quantized rule round(f(q/2^s)·2^s)
//! applied to the model's own values, and the quantized model within the error bound
//! (L·E + ½·2^−s per nonlinearity) of tract.

mod common;

use common::{load, random_sample, TRACT_F32_TOL};
use rand::Rng;
use zkaccel_onnx::{Activation, InputData, Op, QuantizedModel};
use zkaccel_testkit::seed::TestRng;

#[test]
fn activations_follow_the_rounding_rule_and_stay_within_bound_of_tract() {
    let g = load("activations.onnx");
    let node = |name: &str| g.nodes.iter().find(|n| n.name == name).unwrap_or_else(|| panic!("no node {name}"));
    assert_eq!(node("relu6").op, Op::Activation(Activation::Clip { min: 0.0, max: 6.0 }));
    assert_eq!(node("leaky").op, Op::Activation(Activation::LeakyRelu { alpha: 0.1f32 as f64 }));
    let mut rng = TestRng::for_test("activations_follow_the_rounding_rule");
    for i in 0..6 {
        let x = if i == 0 {
            InputData::load(common::example("activations_input.json")).unwrap().to_tensors(&g).unwrap()
        } else {
            random_sample(&g, &mut rng, -2.0, 2.0)
        };
        let (s, p) = (rng.gen_range(5..13), rng.gen_range(5..13));
        let q = QuantizedModel::new(g.clone(), s, p).unwrap();
        let run = q.run(&x).unwrap();
        let tract = g.tract_reference(&x).unwrap();
        let bound = q.error_bound(&x).unwrap();
        for ((&v, &t), &b) in run.dequantized_outputs()[0].data.iter().zip(&tract[0].data).zip(&bound[0].data) {
            assert!((v - t).abs() <= b + TRACT_F32_TOL, "{v} vs {t}: bound {b}");
        }
        // The rule, recomputed with f64 (ties away from zero) on the inputs the model saw.
        let sc = (s as f64).exp2();
        let rule = |f: &dyn Fn(f64) -> f64, inp: &str, out: &str| {
            for (&a, &y) in run.values[inp].data.iter().zip(&run.values[out].data) {
                assert_eq!(y, (f(a as f64 / sc) * sc).round() as i64, "{out}({a})");
            }
        };
        rule(&|v| v.clamp(0.0, 6.0), "fc1_out", "relu6_out");
        rule(&|v| v.clamp(0.5, 2.0), "fc1_out", "clip_half_two_out");
        rule(&|v| if v >= 0.0 { v } else { 0.1f32 as f64 * v }, "fc2_out", "leaky_out");
        rule(&|v| 1.0 / (1.0 + (-v).exp()), "leaky_out", "sigmoid_out");
        rule(&|v| v.tanh(), "fc2_out", "tanh_out");
        rule(&|v| (0.25 * v + 0.5).clamp(0.0, 1.0), "tanh_out", "hard_sigmoid_out");
    }
}
