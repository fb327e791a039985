//! Hostile sizes (issue 20): node counts, dimensions whose product overflows, input names, scale
//! lists and lookup ranges get clear errors before any long step.

use prost::Message;
use tract_onnx::pb;
use zkaccel_onnx::{calibrate, import, load_onnx, CalibrationConfig, Error, Op, RunArgs, Settings, Tensor, MAX_IMPORT_ELEMENTS, MAX_LOGROWS, MAX_NODES};

use zkaccel_testkit::onnx::{identity_chain, value_info};

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

fn int64s(name: &str, data: &[i64]) -> pb::TensorProto {
    pb::TensorProto { name: name.into(), dims: vec![data.len() as i64], data_type: 7, int64_data: data.to_vec(), ..Default::default() }
}

fn op(op_type: &str, name: &str, input: &[&str], output: &str, attribute: Vec<pb::AttributeProto>) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op_type.into(),
        name: name.into(),
        input: input.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute,
        ..Default::default()
    }
}

/// A model of `node` over the input x (shape `dims`) with output y.
fn model(node: Vec<pb::NodeProto>, initializer: Vec<pb::TensorProto>, dims: &[i64]) -> Vec<u8> {
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: 13 }],
        graph: Some(pb::GraphProto { node, name: "g".into(), initializer, input: vec![value_info("x", dims)], output: vec![value_info("y", &[])], ..Default::default() }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn over_budget(bytes: &[u8], node: &str, total: usize) {
    let e = import(bytes).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, Error::TooLarge(_)), "{e:?}");
    assert!(m.contains(node) && m.contains(&format!("to {total};")) && m.contains("at most 2^27 = 134217728"), "{m}");
}

/// Each tensor within 2^26 elements, but their sum unbounded: computed constants and index maps
/// share one budget of MAX_IMPORT_ELEMENTS = 2^27, refused at the node that exceeds it.
#[test]
fn computed_constants_and_index_maps_share_one_import_budget() {
    assert_eq!(MAX_IMPORT_ELEMENTS, 1 << 27);
    let n = 1i64 << 26;
    // 60 ConstantOfShape of 2^26 each (a 3 KB file asking for 30 GiB): the third is refused.
    let mut nodes: Vec<_> = (0..60).map(|i| op("ConstantOfShape", &format!("c{i}"), &["s"], &format!("k{i}"), vec![])).collect();
    nodes.push(op("Identity", "id", &["x"], "y", vec![]));
    over_budget(&model(nodes, vec![int64s("s", &[n])], &[1, 1]), "node \"c2\" (ConstantOfShape): its folded (constant) output of 67108864 elements", 3 << 26);
    // 60 Expand of the input to 2^26: the third index map is refused.
    let nodes = (0..60).map(|i| op("Expand", &format!("e{i}"), &["x", "s"], &if i == 0 { "y".into() } else { format!("y{i}") }, vec![])).collect();
    over_budget(&model(nodes, vec![int64s("s", &[n, 1])], &[1, 1]), "node \"e2\" (Expand): its index map of 67108864 elements", 3 << 26);
    // Both kinds count together, up to exactly 2^27: one more element is refused.
    let nodes = vec![
        op("ConstantOfShape", "c", &["s1"], "k", vec![]),
        op("Expand", "e", &["x", "s2"], "big", vec![]),
        op("Gather", "g", &["x", "i"], "y", vec![]),
    ];
    let inits = vec![int64s("s1", &[n]), int64s("s2", &[n, 1]), int64s("i", &[0])];
    over_budget(&model(nodes.clone(), inits.clone(), &[1, 1]), "node \"g\" (Gather): its index map of 1 elements", (1 << 27) + 1);
    // Without the Gather (the Expand writing y), exactly 2^27 elements: the model imports.
    let nodes = vec![nodes[0].clone(), op("Expand", "e", &["x", "s2"], "y", vec![])];
    let g = import(&model(nodes, inits[..2].to_vec(), &[1, 1])).unwrap();
    assert_eq!(g.outputs[0].shape, [1 << 26, 1]);
}

/// The bundled example models stay far below the import budget (a bound: every constant, from
/// the file or computed, plus every index map).
#[test]
fn example_models_are_far_below_the_import_budget() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "onnx") {
            continue;
        }
        let g = match load_onnx(&path) {
            Ok(g) => g,
            Err(e) => {
                // The deliberately broken examples (NaN weight, truncated, unsupported op).
                assert!(!matches!(e, Error::TooLarge(_)), "{}: {e}", path.display());
                continue;
            }
        };
        let constants: usize = g.constants.values().map(|t| t.data.len()).sum();
        let index: usize = g.nodes.iter().map(|n| if let Op::Select { index } = &n.op { index.len() } else { 0 }).sum();
        assert!(constants + index <= MAX_IMPORT_ELEMENTS / 64, "{}: {constants} + {index} elements", path.display());
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} examples imported");
}

/// A tolerance of ±inf or NaN is refused (JSON has no such numbers: settings.json would get
/// `null`), and settings that do not read back from their JSON are never written: the old file
/// stays as it was.
#[test]
fn non_finite_settings_are_refused_before_writing() {
    let g = import(&identity_chain(1, &[1, 4], "x")).unwrap();
    let samples = chain_samples(2);
    for tolerance in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -1.0] {
        let cfg = CalibrationConfig { tolerance, ..CalibrationConfig::default() };
        let e = calibrate(&g, &samples, &RunArgs::default(), &cfg).unwrap_err();
        assert!(matches!(e, Error::Calibration(_)) && e.to_string().contains("is not a finite non-negative number"), "{e}");
    }
    let s = calibrate(&g, &samples, &RunArgs::default(), &CalibrationConfig { tolerance: 1e300, ..CalibrationConfig::default() }).unwrap();
    let good = s.to_checked_json().unwrap();
    assert_eq!(good, s.to_json());
    Settings::from_json(&good).unwrap();
    let dir = std::env::temp_dir().join(format!("zkaccel-onnx-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("settings.json");
    s.save(&path).unwrap();
    type Field = fn(&mut zkaccel_onnx::CalibrationReport) -> &mut f64;
    // (max_error_bound is informational: an infinite one is written as null, "unbounded", and
    // reads back as infinite — tests/calibrate.rs.)
    let fields: [(&str, Field); 2] = [("tolerance", |c| &mut c.tolerance), ("max_abs_error", |c| &mut c.max_abs_error)];
    for (name, field) in fields {
        for v in [f64::INFINITY, f64::NAN] {
            let mut bad = s.clone();
            *field(bad.calibration.as_mut().unwrap()) = v;
            let e = bad.to_checked_json().unwrap_err();
            let m = e.to_string();
            assert!(matches!(e, Error::Settings(_)) && m.contains(&format!("`\"{name}\": null,`")) && m.contains("non-finite") && m.contains("refusing to write"), "{m}");
            assert!(bad.save(&path).is_err());
            assert_eq!(std::fs::read_to_string(&path).unwrap(), good, "the old file was changed");
        }
    }
    // Settings that read back but fail validation are refused too.
    let mut bad = s.clone();
    bad.run_args.logrows = 40;
    assert!(bad.to_checked_json().unwrap_err().to_string().contains("run_args.logrows = 40"));
    std::fs::remove_dir_all(&dir).ok();
}
