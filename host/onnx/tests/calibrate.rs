//! Calibration picks scales that meet the tolerance within the bit budget; settings.json round
//! trips.

use crate::common;

use common::{load, random_sample};
use zkaccel_onnx::{
    calibrate, import, reduce_groups, Activation, CalibrationConfig, CalibrationTarget, Error, InputData, Op, RunArgs, Settings, Tensor,
    Visibility,
};
use zkaccel_testkit::onnx::identity_chain;
use zkaccel_testkit::seed::TestRng;

/// Recomputes the max |quantized − f64| of chosen settings over the samples.
fn max_error(g: &zkaccel_onnx::Graph, s: &Settings, samples: &[Vec<Tensor<f64>>]) -> f64 {
    let q = s.quantize(g).unwrap();
    let mut worst = 0.0f64;
    for x in samples {
        let run = q.run(x).unwrap();
        let f = g.eval_f64(x).unwrap();
        for (a, b) in run.dequantized_outputs()[0].data.iter().zip(&f[0].data) {
            worst = worst.max((a - b).abs());
        }
        // The settings' lookup range covers every node output and the quantized input.
        let (lo, hi) = s.run_args.lookup_range;
        for v in run.values.values().flat_map(|t| &t.data) {
            assert!(lo <= *v && *v <= hi, "{v} outside {lo}..={hi}");
        }
    }
    worst
}

#[test]
fn tiny_calibration_meets_tolerance_and_budget() {
    let g = load("tiny_4_8_3.onnx");
    let mut rng = TestRng::for_test("tiny_calibration_meets_tolerance_and_budget");
    let samples: Vec<_> = (0..8).map(|_| random_sample(&g, &mut rng, -1.0, 1.0)).collect();
    let mut prev_bits = 0;
    for tol in [0.2, 0.05, 0.01, 0.001] {
        let cfg = CalibrationConfig { tolerance: tol, ..Default::default() };
        let s = calibrate(&g, &samples, &RunArgs::default(), &cfg).unwrap();
        let err = max_error(&g, &s, &samples);
        let rep = s.calibration.as_ref().unwrap();
        eprintln!(
            "tol {tol}: scales ({}, {}), lookup_bits {}, error {err:.2e}, bound {:.2e}",
            s.run_args.input_scale, s.run_args.param_scale, s.lookup_bits, rep.max_error_bound
        );
        assert!(err <= tol, "error {err} above tolerance {tol}");
        assert_eq!(err, rep.max_abs_error);
        assert!(s.lookup_bits <= cfg.max_lookup_bits);
        // Tighter tolerance never needs fewer bits (the resources target minimises them).
        assert!(s.lookup_bits >= prev_bits);
        prev_bits = s.lookup_bits;
        // Resources: no smaller lookup width meets the tolerance among the candidates.
        let narrower = CalibrationConfig { tolerance: tol, max_lookup_bits: s.lookup_bits - 1, ..Default::default() };
        assert!(matches!(calibrate(&g, &samples, &RunArgs::default(), &narrower), Err(Error::Calibration(_))));
    }
}

#[test]
fn accuracy_target_is_at_least_as_accurate() {
    let g = load("tiny_4_8_3.onnx");
    let mut rng = TestRng::for_test("accuracy_target_is_at_least_as_accurate");
    let samples: Vec<_> = (0..4).map(|_| random_sample(&g, &mut rng, -1.0, 1.0)).collect();
    let res = calibrate(&g, &samples, &RunArgs::default(), &CalibrationConfig { tolerance: 0.05, ..Default::default() }).unwrap();
    let acc_cfg = CalibrationConfig { tolerance: 0.05, target: CalibrationTarget::Accuracy, ..Default::default() };
    let acc = calibrate(&g, &samples, &RunArgs::default(), &acc_cfg).unwrap();
    let (e_res, e_acc) = (max_error(&g, &res, &samples), max_error(&g, &acc, &samples));
    assert!(e_acc <= e_res, "accuracy {e_acc} vs resources {e_res}");
    assert!(acc.lookup_bits >= res.lookup_bits);
}

#[test]
fn impossible_tolerance_is_an_error() {
    let g = load("tiny_4_8_3.onnx");
    let x = InputData::load(common::example("tiny_input.json")).unwrap().samples(&g).unwrap();
    let cfg = CalibrationConfig { tolerance: 1e-15, scales: vec![2, 4], ..Default::default() };
    let e = calibrate(&g, &x, &RunArgs::default(), &cfg).unwrap_err();
    assert!(e.to_string().contains("none of 4 scale pairs"), "{e}");
    assert!(calibrate(&g, &[], &RunArgs::default(), &CalibrationConfig::default()).is_err());
}

#[test]
fn mlp_calibration_on_bundled_input() {
    let g = load("mlp_784_128_10.onnx");
    let x = InputData::load(common::example("mlp_input.json")).unwrap().samples(&g).unwrap();
    let cfg = CalibrationConfig { tolerance: 0.05, scales: (4..=10).collect(), ..Default::default() };
    let s = calibrate(&g, &x, &RunArgs::default(), &cfg).unwrap();
    let err = max_error(&g, &s, &x);
    let tract = g.tract_reference(&x[0]).unwrap();
    let q = s.quantize(&g).unwrap().run(&x[0]).unwrap().dequantized_outputs();
    let vs_tract = q[0].data.iter().zip(&tract[0].data).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    eprintln!(
        "mlp calibrated: scales ({}, {}), lookup_bits {}, logrows {}, error {err:.3e}, vs tract {vs_tract:.3e}",
        s.run_args.input_scale, s.run_args.param_scale, s.lookup_bits, s.run_args.logrows
    );
    assert!(err <= 0.05);
    assert!(vs_tract <= 0.05 + common::TRACT_F32_TOL);
    assert!(s.run_args.logrows >= 17, "{} rows need 2^17", s.num_rows);
    assert_eq!(s.num_rows, (784 * 128 + 128 * 10 + 128) as u64);
}

#[test]
fn settings_round_trip_and_validation() {
    let g = load("tiny_4_8_3.onnx");
    let x = InputData::load(common::example("tiny_input.json")).unwrap().samples(&g).unwrap();
    let args = RunArgs { input_visibility: Visibility::Public, param_visibility: Visibility::Fixed, ..RunArgs::default() };
    let s = Settings::generate(&g, args, &x).unwrap();
    assert_eq!(s.model_instance_shapes, [vec![1, 4], vec![1, 3]]);
    assert_eq!(s.layers.len(), g.nodes.len());
    let text = s.to_json();
    for field in ["\"input_scale\": 7", "\"param_scale\": 7", "\"lookup_range\"", "\"logrows\"", "\"input_visibility\": \"public\"", "\"param_visibility\": \"fixed\"", "\"output_visibility\": \"public\"", "\"rescale\": \"floor\""] {
        assert!(text.contains(field), "{field} missing in {text}");
    }
    assert_eq!(Settings::from_json(&text).unwrap(), s);
    let dir = std::env::temp_dir().join(format!("zkaccel-onnx-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("settings.json");
    s.save(&path).unwrap();
    assert_eq!(Settings::load(&path).unwrap(), s);
    std::fs::remove_dir_all(&dir).ok();
    // ezkl's capitalised visibility spelling is accepted.
    let ezkl = text.replace("\"public\"", "\"Public\"");
    assert_eq!(Settings::from_json(&ezkl).unwrap().run_args.input_visibility, Visibility::Public);
    for (from, to) in [("\"floor\"", "\"round\""), ("\"fixed\"", "\"hashed\""), ("\"input_scale\": 7", "\"input_scale\": 99")] {
        let bad = text.replace(from, to);
        assert!(matches!(Settings::from_json(&bad), Err(Error::Settings(_))), "accepted {from} -> {to}");
    }
    assert!(Settings::from_json("{").is_err());
    assert!("Private".parse::<Visibility>().is_ok() && "secret".parse::<Visibility>().is_err());
}

/// Every value the circuit's window gadgets look up besides the node outputs, on `run`, checked
/// independently of the crate: MaxPool window and ReduceMax/ReduceMin/ArgMax/ArgMin group spreads
/// (`host/zkml/src/ops/{maxpool,argmax}.rs`: at most 2^(b−1) − 1) and average divisors d
/// (`ops/avgpool.rs`: at most 2^(b−1)). Returns the offending description, if any.
fn gadget_overflow(g: &zkaccel_onnx::Graph, run: &zkaccel_onnx::QuantRun, bits: u32) -> Option<String> {
    let half = 1i128 << (bits.max(2) - 1);
    let spread = |v: &mut dyn Iterator<Item = i64>| {
        let v: Vec<i128> = v.map(i128::from).collect();
        v.iter().max().unwrap() - v.iter().min().unwrap()
    };
    for n in &g.nodes {
        let x = &run.values[&n.inputs[0]];
        let (widest, limit) = match &n.op {
            Op::ReduceMax { axes, .. } | Op::ReduceMin { axes, .. } | Op::ArgMax { axes, .. } | Op::ArgMin { axes, .. } => {
                (reduce_groups(&x.shape, axes).iter().map(|g| spread(&mut g.iter().map(|&i| x.data[i]))).max().unwrap(), half - 1)
            }
            Op::MaxPool { window } => {
                let taps = window.taps(&x.shape[2..], &n.output_shape[2..]);
                let plane = x.shape[2..].iter().product::<usize>();
                let w = (0..x.shape[0] * x.shape[1])
                    .flat_map(|p| taps.iter().map(move |t| (p, t)))
                    .map(|(p, t)| spread(&mut t.iter().map(|&(i, _)| x.data[p * plane + i])))
                    .max()
                    .unwrap();
                (w, half - 1)
            }
            Op::ReduceMean { axes, .. } => (reduce_groups(&x.shape, axes).iter().map(|g| g.len() as i128).max().unwrap(), half),
            _ => continue,
        };
        if widest > limit {
            return Some(format!("{} ({}): {widest} above {limit} at lookup_bits {bits}", n.name, n.op_type));
        }
    }
    None
}

/// The review's repro: gen-settings with margin 1 on select_ops wrote lookup_bits 8 (values up to
/// 117) while a ReduceMax group spans 234 — gen-witness then failed "max-pool window spread 234
/// above 127". The range now covers the spreads, with margin 1 and after calibration.
#[test]
fn settings_cover_the_window_spreads_of_max_and_arg_gadgets() {
    let g = load("select_ops.onnx");
    let x = InputData::load(common::example("select_ops_input.json")).unwrap().samples(&g).unwrap();
    let args = RunArgs { param_visibility: Visibility::Fixed, lookup_safety_margin: 1, ..RunArgs::default() };
    let s = Settings::generate(&g, args.clone(), &x).unwrap();
    let q = s.quantize(&g).unwrap();
    for sample in &x {
        let run = q.run(sample).unwrap();
        assert_eq!(gadget_overflow(&g, &run, s.lookup_bits), None, "gen-settings, margin 1");
        assert_eq!(q.gadget_range(&run) >> (s.lookup_bits - 1), 0);
    }
    for target in [CalibrationTarget::Resources, CalibrationTarget::Accuracy] {
        let s = calibrate(&g, &x, &args, &CalibrationConfig { target, ..Default::default() }).unwrap();
        let q = s.quantize(&g).unwrap();
        for sample in &x {
            assert_eq!(gadget_overflow(&g, &q.run(sample).unwrap(), s.lookup_bits), None, "calibrated {target:?}");
        }
    }
    // The reduce model (ReduceMean divisors, ReduceMax/Min) at margin 1 too.
    let g = load("reduce_ops.onnx");
    let x = InputData::load(common::example("reduce_ops_input.json")).unwrap().samples(&g).unwrap();
    let s = Settings::generate(&g, args, &x).unwrap();
    let q = s.quantize(&g).unwrap();
    assert_eq!(gadget_overflow(&g, &q.run(&x[0]).unwrap(), s.lookup_bits), None, "reduce_ops, margin 1");
}

/// Erf grows as 2/√π·x near 0, so its whole-range table at the width the outputs need held
/// outputs above the range (`ops/lut.rs` refuses such a table): the width now covers the table.
#[test]
fn settings_cover_whole_range_activation_tables() {
    let mut g = import(&identity_chain(1, &[1, 4], "x")).unwrap();
    g.nodes[0].op = Op::Activation(Activation::Erf);
    let x = vec![vec![Tensor::new(vec![1, 4], vec![0.3, -0.2, 0.1, 0.05]).unwrap()]];
    let s = Settings::generate(&g, RunArgs { lookup_safety_margin: 1, ..RunArgs::default() }, &x).unwrap();
    let half = 1i64 << (s.lookup_bits.max(2) - 1);
    let out = (-half..half).map(|v| Activation::Erf.apply_q(v, 7)).find(|y| !(-half..half).contains(y));
    assert_eq!(out, None, "Erf table at lookup_bits {} has an output outside the range", s.lookup_bits);
    assert_eq!(s.quantize(&g).unwrap().table_range(s.lookup_bits) >> (s.lookup_bits - 1), 0);
}

/// On a model without weights the parameter scale does not change the error, and "resources"
/// picked param scale 1 with input scale 7 — a Mul of two activations then rescales by 2^7, which
/// compile-circuit refuses (a rescale above the parameter scale). Such pairs are now infeasible.
#[test]
fn calibration_respects_the_circuits_shift_rule() {
    let g = load("mul_two_activations.onnx");
    let x = vec![vec![Tensor::new(g.inputs[0].shape.clone(), vec![-0.7313, 0.6949, 0.5275, -0.4899]).unwrap()]];
    let args = RunArgs { input_visibility: Visibility::Public, param_visibility: Visibility::Fixed, ..RunArgs::default() };
    for target in [CalibrationTarget::Resources, CalibrationTarget::Accuracy] {
        let s = calibrate(&g, &x, &args, &CalibrationConfig { target, ..Default::default() }).unwrap();
        let q = s.quantize(&g).unwrap();
        let shift = q.nodes.iter().map(|n| n.shift).max().unwrap();
        assert!(shift <= s.run_args.param_scale.max(1), "{target:?}: scales ({}, {}) give shift {shift}", s.run_args.input_scale, s.run_args.param_scale);
        assert!(q.shift_above_param_scale().is_none());
    }
    // With only pairs the circuit refuses, the error names the node and the rule.
    let cfg = CalibrationConfig { scales: vec![1, 7], ..Default::default() };
    let s = calibrate(&g, &x, &args, &cfg).unwrap();
    assert_eq!((s.run_args.input_scale, s.run_args.param_scale), (7, 7));
    let cfg = CalibrationConfig { scales: vec![7, 8], tolerance: 1e-15, ..Default::default() };
    let e = calibrate(&g, &x, &args, &cfg).unwrap_err().to_string();
    assert!(e.contains("could not be evaluated") && e.contains("above the parameter scale"), "{e}");
}

/// `calibrate-settings -M sklearn_mlp.onnx -D sklearn_mlp_input.json` with default flags: the
/// Softmax Div's rigorous bound is infinite for one row, and writing it as `null` made the
/// settings fail their read-back. The bound is now written as null ("unbounded") and reads back.
#[test]
fn an_unbounded_error_bound_does_not_block_the_settings() {
    let g = load("sklearn_mlp.onnx");
    let x = InputData::load(common::example("sklearn_mlp_input.json")).unwrap().samples(&g).unwrap();
    let cfg = CalibrationConfig::default();
    let s = calibrate(&g, &x, &RunArgs::default(), &cfg).unwrap();
    let rep = s.calibration.as_ref().unwrap();
    assert!(rep.max_abs_error <= cfg.tolerance, "{}", rep.max_abs_error);
    assert!(max_error(&g, &s, &x) <= rep.max_abs_error);
    let text = s.to_checked_json().unwrap();
    let back = Settings::from_json(&text).unwrap();
    assert_eq!(back, s);
    if rep.max_error_bound.is_infinite() {
        assert!(text.contains("\"max_error_bound\": null"), "{text}");
    }
    // A finite bound is written as a number; an unbounded one reads back as infinite.
    let mut finite = s.clone();
    finite.calibration.as_mut().unwrap().max_error_bound = 0.25;
    assert!(finite.to_json().contains("\"max_error_bound\": 0.25"));
    let mut unbounded = s;
    unbounded.calibration.as_mut().unwrap().max_error_bound = f64::INFINITY;
    let back = Settings::from_json(&unbounded.to_checked_json().unwrap()).unwrap();
    assert_eq!(back.calibration.unwrap().max_error_bound, f64::INFINITY);
}

/// The circuit reads lookup_bits only: a hand-edited lookup_range (or lookup_bits) that the other
/// does not match is refused, naming both fields.
#[test]
fn lookup_range_and_lookup_bits_must_agree() {
    let g = load("tiny_4_8_3.onnx");
    let x = InputData::load(common::example("tiny_input.json")).unwrap().samples(&g).unwrap();
    let s = Settings::generate(&g, RunArgs::default(), &x).unwrap();
    Settings::from_json(&s.to_json()).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
    v["run_args"]["lookup_range"] = serde_json::json!([-100000, 100000]);
    let e = Settings::from_json(&v.to_string()).unwrap_err().to_string();
    assert!(e.contains("lookup_bits") && e.contains("run_args.lookup_range [-100000, 100000]") && e.contains("18 signed bits"), "{e}");
    assert!(e.contains(&format!("lookup_bits = {}", s.lookup_bits)) && e.contains("edit both"), "{e}");
    // Both edited together are accepted; lookup_bits alone (0, below the minimum) is refused.
    v["lookup_bits"] = 18.into();
    assert_eq!(Settings::from_json(&v.to_string()).unwrap().lookup_bits, 18);
    v["lookup_bits"] = 0.into();
    assert!(Settings::from_json(&v.to_string()).unwrap_err().to_string().contains("lookup_bits = 0 disagrees"));
    // Every file the tools write agrees: gen-settings without samples keeps the given range.
    let s = Settings::generate(&g, RunArgs { lookup_range: (-5, 1000), ..RunArgs::default() }, &[]).unwrap();
    assert_eq!(s.lookup_bits, 11);
    Settings::from_json(&s.to_checked_json().unwrap()).unwrap();
}

/// When no candidate's error could be measured, the error gives the reason (it said "best error
/// seen: inf" only).
#[test]
fn calibration_failures_name_the_first_reason() {
    let g = load("tiny_4_8_3.onnx");
    let x = vec![vec![Tensor::new(vec![1, 4], vec![1e30, 0.0, 0.0, 0.0]).unwrap()]];
    let e = calibrate(&g, &x, &RunArgs::default(), &CalibrationConfig { scales: vec![2, 4], ..Default::default() }).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, Error::Calibration(_)), "{e:?}");
    assert!(m.contains("none of 4 scale pairs") && m.contains("scales (2, 2)") && m.contains("1000000000000000000000000000000"), "{m}");
    assert!(!m.contains("inf"), "{m}");
}
