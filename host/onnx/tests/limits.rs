//! Hostile sizes (issue 20): node counts, dimensions whose product overflows, input names, scale
//! lists and lookup ranges get clear errors before any long step.

use prost::Message;
use tract_onnx::pb;
use zkaccel_onnx::{calibrate, import, CalibrationConfig, Error, RunArgs, Settings, Tensor, MAX_LOGROWS, MAX_NODES};

fn value_info(name: &str, dims: &[i64]) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{dimension::Value, Dimension};
    let dim = dims.iter().map(|&d| Dimension { value: Some(Value::DimValue(d)), ..Default::default() }).collect();
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor { elem_type: 1, shape: Some(pb::TensorShapeProto { dim }) })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// x → Identity → … → Identity (n nodes) → y, input shape `dims`, input named `input`.
pub fn identity_chain(n: usize, dims: &[i64], input: &str) -> Vec<u8> {
    let name = |i: usize| if i == 0 { input.to_string() } else if i == n { "y".into() } else { format!("v{i}") };
    let node = (0..n)
        .map(|i| pb::NodeProto { op_type: "Identity".into(), name: format!("id{i}"), input: vec![name(i)], output: vec![name(i + 1)], ..Default::default() })
        .collect();
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: 13 }],
        graph: Some(pb::GraphProto { node, name: "g".into(), input: vec![value_info(input, dims)], output: vec![value_info("y", &[])], ..Default::default() }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn chain_samples(n: usize) -> Vec<Vec<Tensor<f64>>> {
    (0..n).map(|i| vec![Tensor::new(vec![1, 4], vec![0.5, -0.25, i as f64 * 0.1, 1.0]).unwrap()]).collect()
}

#[test]
fn node_counts_are_bounded() {
    let e = import(&identity_chain(MAX_NODES + 1, &[1, 4], "x")).unwrap_err();
    assert!(matches!(e, Error::TooLarge(_)), "{e:?}");
    assert!(e.to_string().contains(&format!("{} nodes", MAX_NODES + 1)), "{e}");
    // A long chain within the limit imports, and settings for it are generated.
    let g = import(&identity_chain(2000, &[1, 4], "x")).unwrap();
    assert_eq!(g.nodes.len(), 2000);
    let s = Settings::generate(&g, RunArgs::default(), &chain_samples(2)).unwrap();
    assert_eq!(s.model_output_scales, [7]);
}

#[test]
fn overflowing_dimensions_are_named_not_wrapped() {
    let e = import(&identity_chain(1, &[1 << 31, 1 << 31, 1 << 31], "x")).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, Error::TooLarge(_)) && m.contains("\"x\"") && m.contains("64-bit"), "{m}");
    assert!(!m.contains("needs 0"), "{m}");
    let e = import(&identity_chain(1, &[1 << 14, 1 << 13], "x")).unwrap_err();
    assert!(e.to_string().contains("134217728 elements") && e.to_string().contains("2^26"), "{e}");
}

#[test]
fn an_empty_input_name_is_named() {
    let e = import(&identity_chain(1, &[1, 4], "")).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("empty name"), "{m}");
    assert!(!m.contains("expected 1..=1 inputs, found 1"), "{m}");
}

#[test]
fn scale_lists_are_deduplicated_and_bounded() {
    let g = import(&identity_chain(3, &[1, 4], "x")).unwrap();
    let samples = chain_samples(1);
    // 10 000 entries (1..=4 repeated): 16 pairs tried, not 10^8.
    let cfg = CalibrationConfig { scales: (0..10_000).map(|i| 1 + i % 4).collect(), ..CalibrationConfig::default() };
    let s = calibrate(&g, &samples, &RunArgs::default(), &cfg).unwrap();
    assert_eq!(s.calibration.unwrap().candidates, 16);
    let cfg = CalibrationConfig { scales: vec![3, 41], ..CalibrationConfig::default() };
    let e = calibrate(&g, &samples, &RunArgs::default(), &cfg).unwrap_err();
    assert!(e.to_string().contains("candidate scale 41 exceeds 40"), "{e}");
}

#[test]
fn settings_beyond_the_largest_circuit_are_refused_when_generated() {
    let g = import(&identity_chain(1, &[1, 4], "x")).unwrap();
    // Inputs of 2^40 at scale 7: a lookup range of 2^48 — 2^49 rows.
    let huge = vec![vec![Tensor::new(vec![1, 4], vec![1e12, 0.0, 0.0, 0.0]).unwrap()]];
    let e = Settings::generate(&g, RunArgs::default(), &huge).unwrap_err();
    let m = e.to_string();
    assert!(m.contains(&format!("more than 2^{MAX_LOGROWS}")) && m.contains("lookup_bits"), "{m}");
    // A settings file claiming logrows 40 is refused on load, naming the field.
    let mut s = Settings::generate(&g, RunArgs::default(), &chain_samples(1)).unwrap();
    s.run_args.logrows = 40;
    let e = Settings::from_json(&s.to_json()).unwrap_err();
    assert!(e.to_string().contains("run_args.logrows = 40"), "{e}");
}
