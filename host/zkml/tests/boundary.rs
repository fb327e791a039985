//! The rescale rule at its boundaries in the CLI's circuits (tiny model, private input, public
//! output, fixed params), proven and verified end to end: honest witnesses with r = 0 and
//! r = 2^S − 1 on an output's rescale row, and with a model input at either end of the ReLU
//! (range-check) table, are accepted; r = 2^S (q − 1 with the public output changed to match),
//! r = −1 (q + 1 likewise) and an input one past either end of the table are rejected.

use crate::common;

use common::prove::{accepted, keys, rejected};
use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkaccel::plonk::dev::Failure;
use zkaccel::plonk::mac::{relu_of, signed_to_fr as fr};
use zkaccel::plonk::Cell;
use zkaccel_onnx::{Tensor, Visibility::{Fixed as FIX, Private as PRIV, Public as PUB}};
use zkaccel_zkml::circuit::{build, ModelCircuit};
use zkaccel_zkml::compiled::CompiledCircuit;
use zkaccel_zkml::pipeline;

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
