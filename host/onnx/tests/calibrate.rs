//! Calibration picks scales that meet the tolerance within the bit budget; settings.json round
//! trips.

use crate::common;

use common::{load, random_sample};
use zkaccel_onnx::{
    calibrate, CalibrationConfig, CalibrationTarget, Error, InputData, RunArgs, Settings, Tensor, Visibility,
};
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
