//! Hand-built ONNX models (encoded with prost, tract's protobuf types) for the importer's and the
//! CLI's size tests.

use prost::Message;
use tract_onnx::pb;

/// A float tensor's value info with shape `dims`.
pub fn value_info(name: &str, dims: &[i64]) -> pb::ValueInfoProto {
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
