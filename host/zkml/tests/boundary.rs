//! The rescale rule at its boundaries in the CLI's circuits (tiny model, private input, public
//! output, fixed params), proven and verified end to end: honest witnesses with r = 0 and
//! r = 2^S − 1 on an output's rescale row, and with a model input at either end of the ReLU
//! (range-check) table, are accepted; r = 2^S (q − 1 with the public output changed to match),
//! r = −1 (q + 1 likewise) and an input one past either end of the table are rejected. A fixed
//! input (in the key, no range-check row) is held to the same range: `gen-witness` accepts it at
//! either end (and `mock` passes) and refuses it one past (exit 2, named), as does the setup
//! layout that would bake it into the key.

use crate::common;

use common::prove::{accepted, keys, rejected};
use common::cli::{p, scratch, zk};
use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkaccel::plonk::dev::Failure;
use zkaccel::plonk::mac::{relu_of, signed_to_fr as fr};
use zkaccel::plonk::Cell;
use zkaccel_onnx::{InputData, Tensor, Visibility::{Fixed as FIX, Private as PRIV, Public as PUB}};
use zkaccel_zkml::circuit::{build, ModelCircuit};
use zkaccel_zkml::compiled::CompiledCircuit;
use zkaccel_zkml::{pipeline, ExitCode};

const MODEL: &str = "tiny_4_8_3.onnx";

fn random_sample(g: &zkaccel_onnx::Graph, rng: &mut ChaCha20Rng) -> Vec<Tensor<f64>> {
    g.inputs
        .iter()
        .map(|i| {
            let n: usize = i.shape.iter().product();
            Tensor::new(i.shape.clone(), (0..n).map(|_| rng.gen_range(-2.0..2.0)).collect()).unwrap()
        })
        .collect()
}

/// The advice columns of the layout (weights fixed): lanes x, then acc, q, r, y, then io.
struct Cols {
    q: usize,
    r: usize,
    y: usize,
    io: usize,
}

fn cols(c: &CompiledCircuit, circuit: &ModelCircuit) -> Cols {
    let l = c.plan.lanes;
    let io = circuit.cs.num_advice - 1;
    assert_eq!(io, l + 4, "layout: x lanes, acc, q, r, y, io");
    Cols { q: l + 1, r: l + 2, y: l + 3, io }
}

/// The rescale row whose q is copied to public output `j` (io row j: no public inputs).
fn output_row(circuit: &ModelCircuit, io: usize, j: usize) -> usize {
    let io_cell = Cell { column: zkaccel::plonk::Column { index: io, kind: zkaccel::plonk::ColumnKind::Advice }, row: j };
    circuit.fixed.copies.iter().find(|(_, b)| *b == io_cell).map(|(a, _)| a.row).expect("the output's copy")
}

#[test]
fn output_remainders_at_their_bounds() {
    let g = load(MODEL);
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    let calib: Vec<_> = (0..16).map(|_| random_sample(&g, &mut rng)).collect();
    // S = 3: one output row in eight has r = 0, one in eight r = 2^S − 1.
    let s = settings(&g, (6, 3), (PRIV, PUB, FIX), &calib);
    let c = compile(MODEL, &s, None);
    assert_eq!(c.plan.shift, 3);
    let two_s = 1i64 << c.plan.shift;
    let mut k = keys(&c, 21);
    let (mut zero, mut top) = (None, None);
    for _ in 0..200 {
        let sample = random_sample(&g, &mut rng);
        let Ok((w, _)) = pipeline::gen_witness(&c, &data_of(&sample)) else { continue };
        let Ok(circuit) = pipeline::circuit_for_witness(&c, &w) else { continue };
        let cl = cols(&c, &circuit);
        for j in 0..3 {
            let row = output_row(&circuit, cl.io, j);
            let r = circuit.witness.advice[cl.r][row];
            if r == fr(0) && zero.is_none() {
                zero = Some((j, row, circuit));
                break;
            } else if r == fr(two_s - 1) && top.is_none() {
                top = Some((j, row, circuit));
                break;
            }
        }
        if zero.is_some() && top.is_some() {
            break;
        }
    }
    let remainder = |row| vec![Failure::Lookup { lookup: "rescale_remainder".into(), row }];
    // r = 0 honest; (q, 0) → (q − 1, 2^S), the public output lowered by one to match.
    let (j, row, circuit) = zero.expect("an output with r = 0 in 200 samples");
    accepted(&mut k, &circuit, "r = 0");
    let cl = cols(&c, &circuit);
    let mut w = circuit.witness.clone();
    let mut inst = circuit.instances.clone();
    let q = w.advice[cl.q][row] - fr(1);
    w.advice[cl.q][row] = q;
    w.advice[cl.r][row] = fr(two_s);
    w.advice[cl.y][row] = relu_of(q);
    w.advice[cl.io][j] = q;
    inst[0][j] = q;
    rejected(&mut k, &circuit, &w, &inst, Some(&remainder(row)), "r = 2^S");
    // r = 2^S − 1 honest; (q, 2^S − 1) → (q + 1, −1), the public output raised by one.
    let (j, row, circuit) = top.expect("an output with r = 2^S − 1 in 200 samples");
    accepted(&mut k, &circuit, "r = 2^S − 1");
    let mut w = circuit.witness.clone();
    let mut inst = circuit.instances.clone();
    let q = w.advice[cl.q][row] + fr(1);
    w.advice[cl.q][row] = q;
    w.advice[cl.r][row] = fr(-1);
    w.advice[cl.y][row] = relu_of(q);
    w.advice[cl.io][j] = q;
    inst[0][j] = q;
    rejected(&mut k, &circuit, &w, &inst, Some(&remainder(row)), "r = −1");
}

#[test]
fn inputs_at_and_past_the_ends_of_the_range_check_table() {
    let g = load(MODEL);
    let sample = input("tiny_input.json", &g);
    let s = settings(&g, (6, 6), (PRIV, PUB, FIX), std::slice::from_ref(&sample));
    let c = compile(MODEL, &s, None);
    let half = 1i64 << (c.plan.bits - 1);
    let mut k = keys(&c, 22);
    let shape = g.inputs[0].shape.clone();
    let numel: usize = shape.iter().product();
    let with = |i: usize, v: i64| vec![Tensor { shape: shape.clone(), data: (0..numel).map(|j| if j == i { v } else { 0 }).collect() }];
    // An input at either end of the table with the other inputs zero: the first one whose whole
    // circuit stays in range (the model's values downstream must fit the table too).
    for edge in [-half, half - 1] {
        let found = (0..numel).find_map(|i| build(&c.quantized, &c.settings, &c.plan, &with(i, edge), false).ok().map(|circ| (i, circ)));
        let (i, circuit) = found.unwrap_or_else(|| panic!("no input index keeps the circuit in range at {edge}"));
        let cl = cols(&c, &circuit);
        // Input i's range-check row is row i; its q is the input.
        assert_eq!(circuit.witness.advice[cl.q][i], fr(edge));
        accepted(&mut k, &circuit, &format!("input {i} = {edge}"));
        // One past that end (laid out without the builder's range check): the range-check row's
        // lookup fails (and, the value being larger, possibly rows downstream).
        let past = if edge < 0 { edge - 1 } else { edge + 1 };
        let circuit = build(&c.quantized, &c.settings, &c.plan, &with(i, past), true).unwrap();
        assert_eq!(circuit.witness.advice[cl.q][i], fr(past));
        let failures = zkaccel::plonk::dev::check_witness(&circuit.cs, &circuit.fixed, &circuit.witness, &circuit.instances, 50).unwrap();
        assert!(failures.contains(&Failure::Lookup { lookup: "relu".into(), row: i }), "{failures:?}");
        rejected(&mut k, &circuit, &circuit.witness, &circuit.instances, None, &format!("input {i} = {past}"));
    }
}

/// An ONNX model (opset 13, float tensors) encoded by hand — this test binary has no protobuf
/// crate: graph inputs with their shapes, nodes (op type, inputs, output), graph outputs.
fn onnx_model(inputs: &[(&str, &[u64])], nodes: &[(&str, &[&str], &str)], outputs: &[&str]) -> Vec<u8> {
    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    // Field `field` as a varint, or length-delimited.
    fn int(field: u64, v: u64) -> Vec<u8> {
        let mut out = vec![];
        varint(field << 3, &mut out);
        varint(v, &mut out);
        out
    }
    fn bytes(field: u64, b: &[u8]) -> Vec<u8> {
        let mut out = vec![];
        varint((field << 3) | 2, &mut out);
        varint(b.len() as u64, &mut out);
        out.extend_from_slice(b);
        out
    }
    // ValueInfoProto { name 1, type 2: TypeProto { tensor_type 1: { elem_type 1 (FLOAT = 1),
    // shape 2: TensorShapeProto { dim 1: { dim_value 1 } } } } }
    let value_info = |name: &str, dims: &[u64]| {
        let shape: Vec<u8> = dims.iter().flat_map(|&d| bytes(1, &int(1, d))).collect();
        [bytes(1, name.as_bytes()), bytes(2, &bytes(1, &[int(1, 1), bytes(2, &shape)].concat()))].concat()
    };
    // GraphProto { node 1: NodeProto { input 1, output 2, name 3, op_type 4 }, name 2, input 11,
    // output 12 }
    let mut graph = vec![];
    for (op, ins, out) in nodes {
        let node = [
            ins.iter().flat_map(|i| bytes(1, i.as_bytes())).collect(),
            bytes(2, out.as_bytes()),
            bytes(3, op.to_lowercase().as_bytes()),
            bytes(4, op.as_bytes()),
        ];
        graph.extend(bytes(1, &node.concat()));
    }
    graph.extend(bytes(2, b"g"));
    for (name, dims) in inputs {
        graph.extend(bytes(11, &value_info(name, dims)));
    }
    for name in outputs {
        graph.extend(bytes(12, &value_info(name, &[])));
    }
    // ModelProto { ir_version 1, graph 7, opset_import 8: OperatorSetIdProto { version 2 } }
    [int(1, 8), bytes(7, &graph), bytes(8, &int(2, 13))].concat()
}

/// A fixed input is a fixed column of the key, not range-checked by a row of the circuit, but
/// the gadgets that read it rely on its range: Sigmoid's table holds only −2^(b−1) … 2^(b−1) − 1,
/// the division's remainder lookups only fit a divisor in that range. So it is held to the range
/// of a private or public input. Scales 4/4, `lookup_bits` 7 (calibrated on values of at most
/// 1.0: −64 … 63, i.e. −4.0 … 3.9375): at either end `gen-witness` accepts the input and `mock`
/// passes; one past either end, or 100.0 (1600) into Sigmoid, or a divisor of 1000.0 (16000),
/// `gen-witness` refuses with exit 2, naming the input and the value, with the recalibrate hint,
/// and writes no witness — it used to accept them, and `mock`/`prove` failed with exit 70 ("a
/// bug") on the lookup `lut_0` or `div_remainder_below_divisor`. The setup layout of such a
/// witness (which would bake the value into the key) is refused likewise.
#[test]
fn fixed_inputs_outside_the_range_are_refused_at_gen_witness() {
    let d = scratch("boundary", "fixed-inputs");
    let sigmoid = onnx_model(&[("x", &[1, 4])], &[("Sigmoid", &["x"], "y"), ("Identity", &["x"], "z")], &["y", "z"]);
    let div = onnx_model(&[("x", &[1, 2]), ("y", &[1, 2])], &[("Div", &["x", "y"], "q")], &["q"]);
    // (name, model, calibration data, data at the ends of the range, data past it with the input
    // and value named)
    let sigmoid_past: &[(&str, &str, i64)] =
        &[("[[4.0, -0.25, 1.0, -1.0]]", "x", 64), ("[[-4.0625, -0.25, 1.0, -1.0]]", "x", -65), ("[[100.0, -0.25, 1.0, -1.0]]", "x", 1600)];
    let div_past: &[(&str, &str, i64)] = &[("[[0.0625, -0.25], [1000.0, -1.0]]", "y", 16000), ("[[0.0625, -0.25], [4.0, -1.0]]", "y", 64)];
    let cases = [
        ("sigmoid", sigmoid, "[[0.5, -0.25, 1.0, -1.0]]", "[[-4.0, 3.9375, 1.0, -1.0]]", sigmoid_past),
        ("div", div, "[[0.5, -0.25], [1.0, -1.0]]", "[[-4.0, 3.9375], [-4.0, 3.9375]]", div_past),
    ];
    for (name, onnx, calibration, ends, past) in cases {
        let file = |f: &str| d.join(format!("{name}_{f}"));
        let data = |f: &str, json: &str| {
            std::fs::write(file(f), format!("{{\"input_data\": {json}}}")).unwrap();
            file(f)
        };
        let (model, settings, compiled, witness) = (file("model.onnx"), file("settings.json"), file("compiled.json"), file("witness.json"));
        std::fs::write(&model, onnx).unwrap();
        let cal = data("calibration.json", calibration);
        zk(&["gen-settings", "-M", p(&model), "-O", p(&settings), "--input-visibility", "fixed", "--input-scale", "4", "--param-scale", "4", "-D", p(&cal)])
            .expect(0, &format!("{name}: gen-settings"));
        zk(&["compile-circuit", "-M", p(&model), "-S", p(&settings), "--compiled-circuit", p(&compiled)]).expect(0, &format!("{name}: compile-circuit"));
        let c = CompiledCircuit::load(&compiled).unwrap();
        assert_eq!((c.plan.bits, c.settings.lookup_bits), (7, 7), "{name}: the calibrated range");
        let ends = data("ends.json", ends);
        zk(&["gen-witness", "-D", p(&ends), "-M", p(&compiled), "-O", p(&witness)]).expect(0, &format!("{name}: gen-witness at the ends"));
        zk(&["mock", "--witness", p(&witness), "-M", p(&compiled)]).expect(0, &format!("{name}: mock at the ends"));
        std::fs::remove_file(&witness).unwrap();
        for (json, input, v) in past {
            let what = format!("{name}: input {input:?} = {v}");
            let past = data("past.json", json);
            let r = zk(&["gen-witness", "-D", p(&past), "-M", p(&compiled), "-O", p(&witness)]).expect(2, &what);
            let want = format!("input {input:?}: value {v} outside 7 signed bits");
            assert!(r.stderr.contains(&want) && r.stderr.contains("recalibrate with this input"), "{what}: {}", r.stderr);
            assert!(!witness.exists(), "{what}: a witness was written");
            // The integer model runs (no range to check there); the layout for setup, which
            // would put the value in the key, refuses it.
            let (w, _) = pipeline::gen_witness(&c, &InputData::load(&past).unwrap()).unwrap();
            let e = pipeline::layout_for_setup(&c, Some(&w)).err().unwrap_or_else(|| panic!("{what}: laid out for setup"));
            assert_eq!(e.code, ExitCode::BadInput, "{what}");
            assert!(e.message.starts_with(&want) && e.message.contains("recalibrate with this input"), "{what}: {}", e.message);
        }
    }
}
