//! The projection layout (`matmul_layout = projection`, fixed params) on the bundled 784-128-10
//! MLP: one rescale row per Gemm output instead of the MAC rows, range checks by limbs (2^10 rows
//! instead of 2^max(b, s)), the same outputs as the
//! quantized model (and as the MAC layout), proven and verified through the pipeline; a hidden
//! output forged with its rescale, ReLU, the next layer and the public outputs recomputed is
//! caught by the projection alone; private params keep the MAC rows; the setting round-trips.

use crate::common;

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
    assert_eq!(circuit.cs.projections.iter().map(|p| (p.outputs.len(), p.inputs.len())).collect::<Vec<_>>(), vec![(128, 784), (10, 128)]);
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
    // Max-pools compare by limbs (docs/plonk.md §21): the rows (3 642 rescale, 2 816 window),
    // not the tables (2^h rows), set the domain.
    assert!(zkaccel_zkml::circuit::uses_limbs(&c.quantized, zkaccel_zkml::circuit::Visibilities::of(&c.settings)));
    assert_eq!((c.plan.window_rows, c.plan.k), (4 * 24 * 24 + 8 * 8 * 8, 12));
    assert!(zkaccel::plonk::mac::Limbs::width(c.plan.bits, c.plan.shift) < c.plan.k);
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

fn cnn_projection(scales: (u32, u32)) -> (zkaccel_zkml::compiled::CompiledCircuit, Vec<zkaccel_onnx::Tensor<f64>>) {
    let model = "cnn_small_28.onnx";
    let g = load(model);
    let sample = input("cnn_input.json", &g);
    let calibration = zkaccel_onnx::InputData::load(example("cnn_calibration.json")).unwrap().samples(&g).unwrap();
    let mut s = settings(&g, scales, (PRIV, PUB, FIX), &calibration);
    s.run_args.matmul_layout = MatmulLayout::Projection;
    (compile(model, &s, None), sample)
}

/// At the scales `calibrate-settings --tolerance 1e-3` picks for the bundled CNN (13/14), the
/// tables of the standard layout would need 2^17 rows; with limbs the rows set k = 12.
#[test]
fn the_calibrated_cnn_domain_is_set_by_its_rows_not_its_tables() {
    let (c, _) = cnn_projection((13, 14));
    assert!(c.plan.bits.max(c.plan.shift) >= 16, "{:?}", c.plan);
    assert_eq!(c.plan.k, 12, "{:?}", c.plan);
}

/// The max-pool comparison by limbs (docs/plonk.md §21) on the bundled CNN. A window of the
/// second pool claims its second-largest element, and the builder computes everything downstream
/// (Flatten, both Gemms with their rescale rows and projections, the public outputs) from the
/// claim: the product chain, every copy, gate and projection hold, so only the limb lookup on
/// the row of the true maximum (d = claim − max < 0 has no limbs in the table) objects. Then limbs
/// edited in the honest witness: a pair that does not add up (the gate), and d0 + 2^h with d1 − 1
/// (the sum holds, d0 leaves the table). Each is refused by the prover and rejected.
#[test]
fn a_wrong_max_with_everything_downstream_recomputed_and_wrong_limbs_are_rejected() {
    use zkaccel::plonk::mac::signed_to_fr;
    let (c, sample) = cnn_projection((7, 7));
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let honest = pipeline::circuit_for_witness(&c, &w).unwrap();
    let inputs = w.input_tensors(&c).unwrap();
    let gate = honest.cs.gates.iter().find(|g| g.name == "max_limbs").expect("the max-pool compares by limbs");
    let mut cols = vec![];
    advice_in(&gate.constraints[0], &mut cols);
    let (m_col, x_col, d0_col, d1_col) = (cols[0], cols[1], cols[2], cols[3]);
    assert_eq!(lookup_advice(&honest.cs, "max_limb_0"), vec![d0_col]);
    assert_eq!(lookup_advice(&honest.cs, "max_limb_1"), vec![d1_col]);
    let mut k = keys(&c, 30);
    accepted(&mut k, &honest, "honest cnn");

    // Pool 1 has 4·12·12 windows of 4 rows, pool 2 follows: the first of its windows (with two
    // distinct values) whose forged claim reaches the public outputs.
    let (win, forged) = (576..576 + 128)
        .filter_map(|win| zkaccel_zkml::circuit::build_with_wrong_max(&c.quantized, &c.settings, &c.plan, &inputs, win).ok().map(|f| (win, f)))
        .find(|(_, f)| f.instances != honest.instances)
        .expect("a window of the second pool that reaches the outputs");
    assert_eq!(forged.fixed, honest.fixed);
    let rows = 4 * win..4 * win + 4;
    let max = honest.witness.advice[m_col][rows.start];
    let claimed = forged.witness.advice[m_col][rows.start];
    assert_ne!(max, claimed);
    assert!(rows.clone().any(|r| honest.witness.advice[x_col][r] == claimed), "the claim is an element");
    let want: Vec<Failure> = rows.filter(|&r| honest.witness.advice[x_col][r] == max).map(|row| Failure::Lookup { lookup: "max_limb_1".into(), row }).collect();
    assert!(!want.is_empty());
    // `mock` finds nothing in the honest layout; its words for the forged layout's failure.
    assert_eq!(pipeline::mock(&c, &w, 20).unwrap().1, vec![]);
    let Failure::Lookup { row, .. } = &want[0] else { unreachable!() };
    assert_eq!(pipeline::describe_failure(&want[0]), format!("lookup \"max_limb_1\": the input at row {row} is not in its table"));
    rejected(&mut k, &honest, &forged.witness, &forged.instances, Some(&want), "a wrong max");

    // Wrong limbs on the honest witness.
    let h = zkaccel::plonk::mac::Limbs::width(c.plan.bits, c.plan.shift);
    let row = (0..c.plan.window_rows).find(|&r| honest.witness.advice[d0_col][r] == zkaccel::Fr::from(0u64)).expect("a zero low limb");
    let mut wit = honest.witness.clone();
    wit.advice[d0_col][row] += zkaccel::Fr::from(1u64);
    let want = [Failure::Gate { gate: "max_limbs".into(), constraint: 0, row }];
    rejected(&mut k, &honest, &wit, &honest.instances, Some(&want), "limbs that do not add up");
    let row = (0..c.plan.window_rows).find(|&r| honest.witness.advice[d1_col][r] == zkaccel::Fr::from(1u64)).expect("a difference ≥ 2^h");
    let mut wit = honest.witness.clone();
    wit.advice[d0_col][row] += signed_to_fr(1i64 << h);
    wit.advice[d1_col][row] = zkaccel::Fr::from(0u64);
    let want = [Failure::Lookup { lookup: "max_limb_0".into(), row }];
    rejected(&mut k, &honest, &wit, &honest.instances, Some(&want), "a low limb outside the table");
}

/// The minimum (ReduceMin: q_elem = −1) and the maximum by limbs on a small layout (b = 6, s = 4,
/// 2^5 rows, h = 3): both proven by the row checker; a claimed minimum that is not the smallest
/// element fails `max_limb_1` on the smallest element's row, and nothing else.
#[test]
fn minimum_and_maximum_by_limbs_on_a_small_layout() {
    use zkaccel::plonk::mac::{MacBuilder, MacConfig, Operand};
    use zkaccel::plonk::{Cell, ColumnKind, ConstraintSystem};
    use zkaccel_zkml::ops::maxpool::MaxConfig;
    use zkaccel_zkml::ops::Region;
    let values = [3i64, -5, 7, 7, 0, -31, 31];
    let lay_out = |claim_min: Option<i64>| {
        let mut cs = ConstraintSystem::new();
        let mac = MacConfig::configure_limbs(&mut cs, 1, 4, 6, ColumnKind::Fixed);
        let max = MaxConfig::configure(&mut cs, &mac);
        let io = cs.advice_column();
        cs.enable_equality(io);
        let mut b = MacBuilder::new(&cs, mac, 5).unwrap();
        let mut ops = vec![];
        for (row, &v) in values.iter().enumerate() {
            b.assign(io, row, signed_to_fr(v)).unwrap();
            let (q, _) = b.range_check(Operand { value: v, cell: Some(Cell { column: io, row }) }).unwrap();
            ops.push(q);
        }
        let mut region = Region::default();
        let hi = max.extremum(&mut b, &mut region, &ops, false).unwrap();
        let lo = match claim_min {
            None => max.extremum(&mut b, &mut region, &ops, true).unwrap(),
            Some(v) => max.claim(&mut b, &mut region, &ops, true, v).unwrap(),
        };
        let (fixed, witness) = b.finish();
        (cs, fixed, witness, hi.value, lo.value)
    };
    use zkaccel::plonk::mac::signed_to_fr;
    let (cs, fixed, witness, hi, lo) = lay_out(None);
    assert_eq!((hi, lo), (31, -31));
    assert!(cs.gates.iter().any(|g| g.name == "max_limbs") && !cs.lookups.iter().any(|l| l.name == "max_upper_bound"));
    assert!(zkaccel::plonk::dev::check_witness(&cs, &fixed, &witness, &[], 10).unwrap().is_empty());
    // Claim −5 as the minimum: x − m = −31 − (−5) < 0 on the second window's row of −31.
    let (cs, fixed, witness, _, lo) = lay_out(Some(-5));
    assert_eq!(lo, -5);
    let f = zkaccel::plonk::dev::check_witness(&cs, &fixed, &witness, &[], 10).unwrap();
    assert_eq!(f, vec![Failure::Lookup { lookup: "max_limb_1".into(), row: values.len() + 5 }]);
    // A spread above 2^(2h) − 1 = 63 is refused by the honest builder.
    let mut cs = ConstraintSystem::new();
    let mac = MacConfig::configure_limbs(&mut cs, 1, 4, 6, ColumnKind::Fixed);
    let max = MaxConfig::configure(&mut cs, &mac);
    assert_eq!(max.max_spread(), 63);
}
