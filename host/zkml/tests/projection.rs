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
