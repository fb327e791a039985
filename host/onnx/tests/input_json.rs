//! ezkl's input.json parsing.

use crate::common;

use common::load;
use zkaccel_onnx::{Error, InputData};

#[test]
fn parses_ezkl_input_json() {
    let d = InputData::parse(r#"{"input_data": [[0.5, -1, 2e-3, 4]]}"#).unwrap();
    assert_eq!(d.input_data, vec![vec![0.5, -1.0, 2e-3, 4.0]]);
    assert!(d.output_data.is_none());
    let g = load("tiny_4_8_3.onnx");
    let t = d.to_tensors(&g).unwrap();
    assert_eq!(t[0].shape, [1, 4]);
    // Several inputs, nested lists flattened, output_data kept, round trip.
    let d = InputData::parse(r#"{"input_data": [[[1, 2], [3, 4]], [5]], "output_data": [[0.1]]}"#).unwrap();
    assert_eq!(d.input_data, vec![vec![1.0, 2.0, 3.0, 4.0], vec![5.0]]);
    assert_eq!(d.output_data, Some(vec![vec![0.1]]));
    assert_eq!(InputData::parse(&d.to_json()).unwrap(), d);
    // Nested lists of a tensor's shape (or samples of it) are fine; every bundled file parses.
    let d = InputData::parse(r#"{"input_data": [[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]}"#).unwrap();
    assert_eq!(d.input_data, vec![(1..=8).map(f64::from).collect::<Vec<_>>()]);
    for e in std::fs::read_dir(common::example("")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") && std::fs::read_to_string(&path).unwrap().contains("input_data") {
            InputData::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    // The bundled sample.
    let g = load("mlp_784_128_10.onnx");
    let x = InputData::load(common::example("mlp_input.json")).unwrap().to_tensors(&g).unwrap();
    assert_eq!(x[0].data.len(), 784);
}

#[test]
fn multiple_samples_split_for_calibration() {
    let g = load("tiny_4_8_3.onnx");
    let d = InputData::parse(r#"{"input_data": [[1, 2, 3, 4, 5, 6, 7, 8]]}"#).unwrap();
    let s = d.samples(&g).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[1][0].data, [5.0, 6.0, 7.0, 8.0]);
    let e = d.to_tensors(&g).unwrap_err();
    assert!(e.to_string().contains("expected one sample"), "{e}");
}

#[test]
fn malformed_input_json_errors() {
    let cases = [
        ("not json", "not valid JSON"),
        ("[1, 2]", "expected an object"),
        (r#"{"inputs": [[1]]}"#, "missing field \"input_data\""),
        (r#"{"input_data": []}"#, "empty"),
        (r#"{"input_data": [1, 2]}"#, "input_data[0]: expected a list"),
        (r#"{"input_data": [[1, "x", 3]]}"#, "input_data[0][1]: expected a number, found the string \"x\""),
        (r#"{"input_data": [[1, null]]}"#, "input_data[0][1]: expected a number, found null"),
        (r#"{"input_data": "abc"}"#, "expected a list of lists"),
        // Ragged nested lists are not a tensor (they were flattened silently).
        (r#"{"input_data": [[[1, 2], [3]]]}"#, "input_data[0]: a ragged nested list (input_data[0][1] has shape [1], input_data[0][0] has [2])"),
        (r#"{"input_data": [[1, [2, 3]]]}"#, "input_data[0]: a ragged nested list"),
        (r#"{"input_data": [[[[1, 2], [3]]]]}"#, "input_data[0][0]: a ragged nested list"),
        // A repeated field kept the last one silently.
        (r#"{"input_data": [[1]], "input_data": [[2]]}"#, "duplicate field \"input_data\""),
        (r#"{"input_data": [[1]], "output_data": [[1]], "output_data": [[2]]}"#, "duplicate field \"output_data\""),
    ];
    for (text, want) in cases {
        match InputData::parse(text) {
            Err(Error::InputData(msg)) => assert!(msg.contains(want), "{text}: {msg:?} lacks {want:?}"),
            other => panic!("{text}: expected an InputData error, got {other:?}"),
        }
    }
    let g = load("tiny_4_8_3.onnx");
    let wrong_count = InputData::parse(r#"{"input_data": [[1, 2, 3, 4], [1]]}"#).unwrap();
    assert!(wrong_count.to_tensors(&g).unwrap_err().to_string().contains("1 input(s)"));
    let uneven = InputData::parse(r#"{"input_data": [[1, 2, 3, 4, 5]]}"#).unwrap();
    assert!(uneven.samples(&g).unwrap_err().to_string().contains("has 5 values"));
    assert!(matches!(InputData::load("/nonexistent/input.json"), Err(Error::Io { .. })));
}
