//! Clip (ReLU6), LeakyRelu, Sigmoid, Tanh, HardSigmoid: the quantized rule round(f(q/2^s)·2^s)
//! applied to the model's own values, and the quantized model within the error bound
//! (L·E + ½·2^−s per nonlinearity) of tract.

use crate::common;

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

/// HardSwish, Gelu (exact and tanh), Erf, Exp, Sqrt, Log: the rounding rule on the model's own
/// values, each against an independent formula (erf by its Taylor series), within the bound of
/// tract at several scales; the stated Lipschitz constants hold on a fine grid.
#[test]
fn hardswish_gelu_erf_exp_log_sqrt_follow_the_rule_within_bound() {
    let g = load("activations2.onnx");
    let node = |name: &str| g.nodes.iter().find(|n| n.name == name).unwrap_or_else(|| panic!("no node {name}")).op.clone();
    assert_eq!(node("gelu"), Op::Activation(Activation::Gelu { tanh_approx: false }));
    assert_eq!(node("gelu_tanh"), Op::Activation(Activation::Gelu { tanh_approx: true }));
    // erf by its Maclaurin series (|x| ≤ 3 here; 80 terms leave < 1e-12).
    let erf = |x: f64| {
        let (mut term, mut sum) = (x, x);
        for n in 1..80 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    };
    let mut rng = TestRng::for_test("hardswish_gelu_erf_exp_log_sqrt");
    for i in 0..4 {
        let x = if i == 0 {
            InputData::load(common::example("activations2_input.json")).unwrap().to_tensors(&g).unwrap()
        } else {
            random_sample(&g, &mut rng, -1.5, 1.5)
        };
        let (s, p) = (rng.gen_range(6..12), rng.gen_range(6..12));
        let q = QuantizedModel::new(g.clone(), s, p).unwrap();
        let run = q.run(&x).unwrap();
        let tract = g.tract_reference(&x).unwrap();
        let bound = q.error_bound(&x).unwrap();
        for ((&v, &t), &b) in run.dequantized_outputs()[0].data.iter().zip(&tract[0].data).zip(&bound[0].data) {
            assert!((v - t).abs() <= b + TRACT_F32_TOL, "{v} vs {t}: bound {b}");
        }
        let sc = (s as f64).exp2();
        let rule = |f: &dyn Fn(f64) -> f64, inp: &str, out: &str| {
            for (&a, &y) in run.values[inp].data.iter().zip(&run.values[out].data) {
                assert_eq!(y, (f(a as f64 / sc) * sc).round() as i64, "{out}({a})");
            }
        };
        let c = (2.0 / std::f64::consts::PI).sqrt();
        rule(&|v| v * (v / 6.0 + 0.5).clamp(0.0, 1.0), "fc1_out", "hard_swish_out");
        rule(&|v| 0.5 * v * (1.0 + erf(v / 2f64.sqrt())), "fc1_out", "gelu_out");
        rule(&|v| 0.5 * v * (1.0 + (c * (v + 0.044715 * v * v * v)).tanh()), "fc1_out", "gelu_tanh_out");
        rule(&erf, "fc1_out", "erf_out");
        rule(&f64::exp, "fc1_out", "exp_out");
        rule(&f64::sqrt, "relu_out", "sqrt_out");
        rule(&f64::ln, "plus_quarter_out", "log_out");
    }
    // The Lipschitz constants of the bound (HardSwish 1.5, Gelu 1.13, Erf 2/√π): finite
    // differences on [−8, 8] stay below them.
    for (f, l) in [(Activation::HardSwish, 1.5), (Activation::Gelu { tanh_approx: false }, 1.13), (Activation::Gelu { tanh_approx: true }, 1.13), (Activation::Erf, std::f64::consts::FRAC_2_SQRT_PI)] {
        assert_eq!(f.lipschitz(), l);
        let h = 1e-4;
        let worst = (-80_000..80_000).map(|i| i as f64 * h).map(|x| ((f.apply(x + h) - f.apply(x)) / h).abs()).fold(0.0, f64::max);
        assert!(worst <= l, "{f:?}: slope {worst} > {l}");
    }
}

/// Log and Sqrt outside their domains are named errors of the quantized run.
#[test]
fn log_and_sqrt_domain_errors_are_named() {
    let g = load("domain_ops.onnx");
    let q = QuantizedModel::new(g.clone(), 8, 8).unwrap();
    let run = |v: Vec<f64>| q.run(&[zkaccel_onnx::Tensor::new(vec![1, 4], v).unwrap()]).err().map(|e| e.to_string()).unwrap_or_default();
    let e = run(vec![0.5, 0.0, 1.0, 1.0]);
    assert!(e.contains("\"log\"") && e.contains("Log of a non-positive value"), "{e}");
    // Sqrt after Log in that model: its rule directly (0 is in the domain, −3/2^8 is not).
    assert_eq!(Activation::Sqrt.domain_error(0, 8), None);
    assert!(Activation::Sqrt.domain_error(-3, 8).unwrap().contains("Sqrt of a negative value"));
    assert!(Activation::Log.domain_error(0, 8).unwrap().contains("Log of a non-positive value"));
    assert!(run(vec![0.5, 0.25, 1.0, 1.0]).is_empty());
}
