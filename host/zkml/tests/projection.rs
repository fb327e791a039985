//! The projection layout (`matmul_layout = projection`, fixed params) on the bundled 784-128-10
//! MLP: one rescale row per Gemm output instead of the MAC rows, range checks by limbs (2^10 rows
//! instead of 2^max(b, s)), the same outputs as the
//! quantized model (and as the MAC layout), proven and verified through the pipeline; a hidden
//! output forged with its rescale, ReLU, the next layer and the public outputs recomputed is
//! caught by the projection alone; private params keep the MAC rows; the setting round-trips.

mod common;

use common::prove::{accepted, keys, rejected};
use common::*;
use zkaccel::plonk::dev::Failure;
use zkaccel_onnx::Visibility::{Fixed as FIX, Private as PRIV, Public as PUB};
use zkaccel_onnx::{MatmulLayout, Op, QOperand, Settings};
use zkaccel_zkml::circuit::build;
use zkaccel_zkml::pipeline;

const MLP: &str = "mlp_784_128_10.onnx";
/// The scales `calibrate-settings --tolerance 1e-3` picks for the MLP (README §"Against ezkl").
const SCALES: (u32, u32) = (11, 14);

fn projection_settings(vis: (zkaccel_onnx::Visibility, zkaccel_onnx::Visibility, zkaccel_onnx::Visibility)) -> Settings {
    let g = load(MLP);
    let sample = input("mlp_input.json", &g);
    let mut s = settings(&g, SCALES, vis, &[sample]);
    s.run_args.matmul_layout = MatmulLayout::Projection;
    s
}

#[test]
fn the_mlp_proves_by_projection_with_one_row_per_output() {
    let g = load(MLP);
    let sample = input("mlp_input.json", &g);
    let s = projection_settings((PRIV, PUB, FIX));
    let c = compile(MLP, &s, None);
    // 784 input range checks + 128 + 10 output rows, no MAC rows; the rescale rows'
    // range checks by limbs (tables of 2^h rows), so the rows, not the tables, set the domain.
    assert_eq!(c.plan.mac_rows, 784 + 128 + 10);
    assert!(zkaccel_zkml::circuit::uses_limbs(&c.quantized, zkaccel_zkml::circuit::Visibilities::of(&c.settings)));
    let h = zkaccel::plonk::mac::Limbs::width(c.plan.bits, c.plan.shift);
    assert!(c.plan.bits.max(c.plan.shift) >= 14 && h <= 7, "{:?}", c.plan);
    assert_eq!(c.plan.k, 10);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    assert_eq!(circuit.cs.projections.len(), 2);
    assert_eq!(
        circuit.cs.projections.iter().map(|p| (p.outputs.len(), p.inputs.len())).collect::<Vec<_>>(),
        vec![(128, 784), (10, 128)]
    );
    // The outputs: the quantized model's own inference, and the MAC layout's circuit.
    let run = c.quantized.run(&sample).unwrap();
    assert_eq!(circuit.outputs[0].data, run.outputs[0].data);
    let mut s_mac = s.clone();
    s_mac.run_args.matmul_layout = MatmulLayout::Mac;
    let c_mac = compile(MLP, &s_mac, None);
    let l = c_mac.plan.lanes;
    assert_eq!(c_mac.plan.mac_rows, 784 + 128 * (784usize.div_ceil(l) + 1) + 10 * (128usize.div_ceil(l) + 1));
    let (w_mac, _) = pipeline::gen_witness(&c_mac, &data_of(&sample)).unwrap();
    assert_eq!(pipeline::circuit_for_witness(&c_mac, &w_mac).unwrap().outputs, circuit.outputs);
    // Proven and verified (the library API, then the pipeline with its self-verification).
    let mut k = keys(&c, 19);
    accepted(&mut k, &circuit, "mlp by projection");
    let (proof, _) = pipeline::prove(&k.backend, &c, &w, &k.pk).unwrap();
    let verified = pipeline::verify_file(&k.pk.vk, &proof, &c.settings, Some(&c)).unwrap();
    assert_eq!(verified.public.outputs[0], run.outputs[0].data);
}

#[test]
fn a_hidden_output_forged_with_everything_downstream_recomputed_is_rejected() {
    let g = load(MLP);
    let sample = input("mlp_input.json", &g);
    let s = projection_settings((PRIV, PUB, FIX));
    let c = compile(MLP, &s, None);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let honest = pipeline::circuit_for_witness(&c, &w).unwrap();
    // The same circuit laid out from a model whose first Gemm has one hidden output's bias
    // raised by more than one rescale step: its accumulator, q, r, ReLU, the second layer and the
    // public outputs all follow from it, so every gate, lookup and copy holds. The first hidden
    // output whose change reaches the public outputs (a positive one) is taken.
    let gemm = g.nodes.iter().position(|n| matches!(n.op, Op::Gemm { .. } | Op::MatMul)).expect("a Gemm");
    let inputs = w.input_tensors(&c).unwrap();
    let forge = |j: usize| {
        let mut m = c.quantized.clone();
        let qn = &mut m.nodes[gemm];
        let step = (1i64 << c.plan.shift) >> (c.plan.shift - qn.shift);
        match qn.operands.get_mut(2) {
            Some(QOperand::Const { q, .. }) => q.data[j] += step + 1,
            other => panic!("the first Gemm has no constant bias: {other:?}"),
        }
        build(&m, &c.settings, &c.plan, &inputs, false).unwrap()
    };
    let (j, forged) = (0..128).map(|j| (j, forge(j))).find(|(_, f)| f.instances != honest.instances).expect("a hidden output that reaches the outputs");
    assert_eq!(forged.fixed, honest.fixed, "W and b are in the key's projections, not in fixed columns");
    let mut k = keys(&c, 20);
    rejected(
        &mut k,
        &honest,
        &forged.witness,
        &forged.instances,
        Some(&[Failure::Projection { projection: "projection_0".into(), output: j }]),
        "forged hidden output",
    );
}

#[test]
fn private_params_keep_the_mac_rows_and_the_setting_round_trips() {
    let s = projection_settings((PRIV, PUB, PRIV));
    let c = compile(MLP, &s, None);
    let mut s_mac = s.clone();
    s_mac.run_args.matmul_layout = MatmulLayout::Mac;
    assert_eq!(c.plan, compile(MLP, &s_mac, None).plan);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&input("mlp_input.json", &load(MLP)))).unwrap();
    assert!(pipeline::circuit_for_witness(&c, &w).unwrap().cs.projections.is_empty());
    // In settings.json: "projection" when chosen, absent (mac) otherwise.
    let text = serde_json::to_string(&s.run_args).unwrap();
    assert!(text.contains("\"matmul_layout\":\"projection\""), "{text}");
    assert_eq!(serde_json::from_str::<zkaccel_onnx::RunArgs>(&text).unwrap(), s.run_args);
    let text = serde_json::to_string(&s_mac.run_args).unwrap();
    assert!(!text.contains("matmul_layout"), "{text}");
    assert_eq!(serde_json::from_str::<zkaccel_onnx::RunArgs>(&text).unwrap().matmul_layout, MatmulLayout::Mac);
}

#[test]
fn fixed_inputs_are_a_named_error_with_the_projection_layout() {
    // A fixed input sits in a fixed column; the projection reads advice cells only.
    let s = projection_settings((FIX, PUB, FIX));
    let c = compile(MLP, &s, None);
    let g = load(MLP);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&input("mlp_input.json", &g))).unwrap();
    let err = match pipeline::layout_for_setup(&c, Some(&w)) {
        Ok(_) => panic!("a projection over fixed cells was laid out"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("advice cells") && err.contains("matmul_layout"), "{err}");
}

/// The bundled CNN (two Conv, two MaxPool, two Gemm) with the projection layout at the scales of
/// `cnn.rs`: each Conv one rescale row per output on its raw input cells (no im2col, no lanes),
/// the outputs equal the quantized model's and the MAC layout's, proven and verified.
#[test]
fn the_bundled_cnn_proves_its_convolutions_by_projection() {
    let model = "cnn_small_28.onnx";
    let g = load(model);
    let sample = input("cnn_input.json", &g);
    let calibration = zkaccel_onnx::InputData::load(example("cnn_calibration.json")).unwrap().samples(&g).unwrap();
    let mut s = settings(&g, (7, 7), (PRIV, PUB, FIX), &calibration);
    s.run_args.matmul_layout = MatmulLayout::Projection;
    let c = compile(model, &s, None);
    // 784 input range checks, 4·24·24 + 8·8·8 conv outputs, 32 + 10 Gemm outputs.
    assert_eq!(c.plan.mac_rows, 784 + 2304 + 512 + 32 + 10);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    let convs = &circuit.cs.conv_projections;
    assert_eq!(convs.iter().map(|p| (p.inputs.len(), p.outputs.len(), p.weights.len())).collect::<Vec<_>>(), vec![(784, 2304, 100), (576, 512, 800)]);
    assert_eq!(circuit.cs.projections.len(), 2);
    let run = c.quantized.run(&sample).unwrap();
    assert_eq!(circuit.outputs[0].data, run.outputs[0].data);
    let mut s_mac = s.clone();
    s_mac.run_args.matmul_layout = MatmulLayout::Mac;
    let c_mac = compile(model, &s_mac, None);
    let (w_mac, _) = pipeline::gen_witness(&c_mac, &data_of(&sample)).unwrap();
    assert_eq!(pipeline::circuit_for_witness(&c_mac, &w_mac).unwrap().outputs, circuit.outputs);
    assert!(c.plan.mac_rows < c_mac.plan.mac_rows, "{} vs {}", c.plan.mac_rows, c_mac.plan.mac_rows);
    let mut k = keys(&c, 28);
    accepted(&mut k, &circuit, "cnn by projection");
    let (proof, _) = pipeline::prove(&k.backend, &c, &w, &k.pk).unwrap();
    let verified = pipeline::verify_file(&k.pk.vk, &proof, &c.settings, Some(&c)).unwrap();
    assert_eq!(verified.public.outputs[0], run.outputs[0].data);
}

/// A Conv output forged through its channel's bias (one rescale step and more): every output of
/// that channel, its q, r, ReLU, the max-pools, the next layers and the public outputs
/// recomputed by the builder, so only the convolution projection objects.
#[test]
fn a_conv_channel_forged_with_everything_downstream_recomputed_is_rejected() {
    let model = "cnn_small_28.onnx";
    let g = load(model);
    let sample = input("cnn_input.json", &g);
    let calibration = zkaccel_onnx::InputData::load(example("cnn_calibration.json")).unwrap().samples(&g).unwrap();
    let mut s = settings(&g, (7, 7), (PRIV, PUB, FIX), &calibration);
    s.run_args.matmul_layout = MatmulLayout::Projection;
    let c = compile(model, &s, None);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let honest = pipeline::circuit_for_witness(&c, &w).unwrap();
    let conv = g.nodes.iter().position(|n| matches!(n.op, Op::Conv { .. })).expect("a Conv");
    let inputs = w.input_tensors(&c).unwrap();
    let forge = |ch: usize| {
        let mut m = c.quantized.clone();
        let qn = &mut m.nodes[conv];
        let step = (1i64 << c.plan.shift) >> (c.plan.shift - qn.shift);
        match qn.operands.get_mut(2) {
            Some(QOperand::Const { q, .. }) => q.data[ch] += step + 1,
            other => panic!("the first Conv has no constant bias: {other:?}"),
        }
        build(&m, &c.settings, &c.plan, &inputs, false).unwrap()
    };
    let (ch, forged) = (0..4).map(|ch| (ch, forge(ch))).find(|(_, f)| f.instances != honest.instances).expect("a channel that reaches the outputs");
    assert_eq!(forged.fixed, honest.fixed);
    let failures = zkaccel::plonk::dev::check_witness(&honest.cs, &honest.fixed, &forged.witness, &forged.instances, 5000).unwrap();
    let expected: Vec<Failure> = (ch * 576..(ch + 1) * 576).map(|j| Failure::Projection { projection: "conv_projection_0".into(), output: j }).collect();
    assert_eq!(failures, expected, "channel {ch}");
    let mut k = keys(&c, 29);
    rejected(&mut k, &honest, &forged.witness, &forged.instances, None, "forged conv channel");
}

/// A grouped, strided, dilated, asymmetrically padded Conv with folded BN and a depthwise-
/// separable block (`conv2d_ops.onnx`): with the projection layout, the circuit's outputs equal
/// the quantized model's and every constraint (projections included) holds.
#[test]
fn strided_padded_grouped_and_depthwise_convs_match_the_quantized_model() {
    let model = "conv2d_ops.onnx";
    let g = load(model);
    let sample = input("conv2d_ops_input.json", &g);
    let mut s = settings(&g, (7, 7), (PRIV, PUB, FIX), std::slice::from_ref(&sample));
    s.run_args.matmul_layout = MatmulLayout::Projection;
    let c = compile(model, &s, None);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    let convs = &circuit.cs.conv_projections;
    assert!(convs.iter().any(|p| p.group > 1 && p.group == p.in_channels && p.group == p.out_channels), "a depthwise conv");
    assert!(convs.iter().any(|p| p.group > 1 && p.out_channels == 2 * p.group && p.dilations.iter().any(|&d| d > 1)), "a grouped dilated conv");
    assert!(convs.iter().any(|p| p.strides.iter().any(|&s| s > 1) && p.pads_begin.iter().any(|&v| v > 0)), "a strided padded conv");
    let run = c.quantized.run(&sample).unwrap();
    for (got, want) in circuit.outputs.iter().zip(&run.outputs) {
        assert_eq!(got.data, want.data);
    }
    let failures = zkaccel::plonk::dev::check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 5).unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(circuit.rows_used, c.plan.mac_rows);
}
