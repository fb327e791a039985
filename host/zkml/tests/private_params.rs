//! Private parameters (`param_visibility = private`, the default) in the MAC layout: the weight
//! and bias columns are advice, and the key fixes every coefficient that is not a model
//! parameter by the pins `mac_pin_w{i}` / `mac_pin_bias` (docs/plonk.md §17), and ties every use
//! of one parameter by copy constraints.
//!
//! Each forgery edits one coefficient of an honest witness and re-derives everything it changes
//! (the accumulator chain, the rescale row, the public outputs copied from it and the instance),
//! so that the pin (or the copy) is the only constraint that objects: the row checker names it,
//! and the proof forced through is rejected by the verifier (and by the EVM verifier for the
//! review's forgery). The control shows what the key leaves free: a genuine private weight
//! changed the same way gives a valid proof of other outputs ("some weights").

use crate::common;

use ark_ff::{Field, One, Zero};
use common::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel::backend::CpuBackend;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::mac::{floor_rescale, pin_offset, relu_of, signed_to_fr as fr, MacBuilder, MacConfig};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::{keygen, prove, verify, Cell, Column, ColumnKind, ConstraintSystem, Proof, ProvingKey, Shape, Witness};
use zkaccel::srs::Srs;
use zkaccel::Fr;
use zkaccel_onnx::Visibility::{Private as PRIV, Public as PUB};
use zkaccel_onnx::{numel, Graph, Tensor};
use zkaccel_zkml::circuit::{build, plan, ModelCircuit, Plan};
use zkaccel_zkml::evm::machine::{Deployed, Outcome};
use zkaccel_zkml::evm::{self, calldata, solc};
use zkaccel_zkml::field::fr_to_i64;

/// A model with private params and public outputs: its plan, honest circuit and key.
struct Env {
    p: Plan,
    c: ModelCircuit,
    pk: ProvingKey,
    be: CpuBackend,
    rng: ChaCha20Rng,
}

/// The review's parameter-free model: shape_fold with its Add rewired to input + input, so that
/// output = relu(Expand(2x)) — always even.
fn doubled_shape_fold() -> (Graph, Vec<Tensor<f64>>) {
    let mut g = load("shape_fold.onnx");
    let sample = input("shape_fold_input.json", &g);
    let x = g.inputs[0].name.clone();
    g.nodes.iter_mut().find(|n| n.op_type == "Add").unwrap().inputs = vec![x.clone(), x];
    (g, sample)
}

fn env(g: &Graph, sample: &[Tensor<f64>], lanes: usize, with_key: bool) -> Option<Env> {
    let mut s = settings(g, (7, 7), (PRIV, PUB, PRIV), &[sample.to_vec()]);
    s.lookup_bits = s.lookup_bits.max(10);
    let q = s.quantize(g).unwrap();
    let p = plan(&q, &s, Some(lanes)).unwrap();
    let qi = q.quantize_inputs(sample).unwrap();
    let c = build(&q, &s, &p, &qi, false).unwrap();
    assert!(check_witness(&c.cs, &c.fixed, &c.witness, &c.instances, 5).unwrap().is_empty());
    if !with_key {
        return None;
    }
    let zeros: Vec<Tensor<i64>> = q.graph.inputs.iter().map(|i| Tensor { shape: i.shape.clone(), data: vec![0; numel(&i.shape)] }).collect();
    let layout = build(&q, &s, &p, &zeros, true).unwrap();
    assert_eq!(layout.fixed.fixed, c.fixed.fixed, "the key's fixed columns do not depend on the inputs");
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let srs = Srs::insecure_dev(Shape::new(&layout.cs, p.k).unwrap().srs_degree, &mut rng).unwrap();
    let be = CpuBackend::new();
    let pk = keygen(&be, &srs, layout.cs.clone(), &layout.fixed).unwrap();
    Some(Env { p, c, pk, be, rng })
}

/// The private-params MAC columns: advice x_0 … x_{L−1}, w_0 … w_{L−1}, acc, q, r, y, bias, io;
/// (then the gadgets'); fixed q_mac, q_start, q_out first, the pins (c_i per lane, then the
/// bias's c_b) last: c = value + K on a structural coefficient, 0 on a parameter.
struct Cols {
    l: usize,
    acc: usize,
    q: usize,
    r: usize,
    y: usize,
    bias: usize,
    io: usize,
    pin0: usize,
}

impl Cols {
    fn of(c: &ModelCircuit, l: usize) -> Self {
        assert!(c.cs.num_advice >= 2 * l + 6, "advice: x, w, acc, q, r, y, bias, io (then the gadgets' columns)");
        let names: Vec<&str> = c.cs.gates.iter().map(|g| g.name.as_str()).collect();
        let pin_gates: Vec<String> = (0..l).map(|i| format!("mac_pin_w{i}")).chain(["mac_pin_bias".to_string()]).collect();
        assert_eq!(names[names.len() - l - 1..], pin_gates.iter().map(String::as_str).collect::<Vec<_>>()[..], "the pin gates, last");
        Self { l, acc: 2 * l, q: 2 * l + 1, r: 2 * l + 2, y: 2 * l + 3, bias: 2 * l + 4, io: 2 * l + 5, pin0: c.cs.num_fixed - (l + 1) }
    }
}

/// An honest witness being edited.
struct Forge<'a> {
    c: &'a ModelCircuit,
    k: &'a Cols,
    shift: u32,
    w: Witness,
    inst: Vec<Vec<Fr>>,
}

impl<'a> Forge<'a> {
    fn new(c: &'a ModelCircuit, k: &'a Cols, shift: u32) -> Self {
        Self { c, k, shift, w: c.witness.clone(), inst: c.instances.clone() }
    }

    fn fx(&self, col: usize, row: usize) -> Fr {
        self.c.fixed.fixed[col].get(row).copied().unwrap_or(Fr::zero())
    }

    /// After an edit on MAC row `row`: the accumulators of the rest of its chain, its rescale row
    /// (acc, q, r, y) and the public outputs (io cells and instance) copied from q or y.
    fn rederive(&mut self, mut row: usize) {
        let k = self.k;
        while self.fx(0, row).is_one() {
            let dot: Fr = (0..k.l).map(|i| self.w.advice[i][row] * self.w.advice[k.l + i][row]).sum();
            self.w.advice[k.acc][row + 1] = self.w.advice[k.acc][row] + dot;
            row += 1;
        }
        assert!(self.fx(2, row).is_one(), "the chain ends in a rescale row");
        let (qv, rv) = floor_rescale(fr_to_i64(&self.w.advice[k.acc][row]).unwrap(), self.shift);
        self.w.advice[k.r][row] = fr(rv);
        for (col, new) in [(k.q, fr(qv)), (k.y, relu_of(fr(qv)))] {
            let d = new - self.w.advice[col][row];
            self.w.advice[col][row] = new;
            let cell = Cell { column: Column { kind: ColumnKind::Advice, index: col }, row };
            for &(a, b) in &self.c.fixed.copies {
                let other = if a == cell {
                    b
                } else if b == cell {
                    a
                } else {
                    continue;
                };
                assert_eq!(other.column.index, k.io, "the edited product feeds only public outputs");
                self.w.advice[k.io][other.row] += d;
                self.inst[0][other.row] += d;
            }
        }
    }
}

/// The forged witness fails exactly `want`, the honest prover refuses it, the forced proof is
/// rejected; returns the forced proof.
fn rejected(e: &mut Env, (w, inst): (Witness, Vec<Vec<Fr>>), want: &[Failure], what: &str) -> (Proof, Vec<Vec<Fr>>) {
    assert_eq!(check_witness(&e.c.cs, &e.c.fixed, &w, &inst, 20).unwrap(), want, "{what}");
    assert!(prove(&e.be, &e.pk, &w, &inst, &mut e.rng).is_err(), "{what}: the honest prover proves it");
    let forced = prove_with_options(&e.be, &e.pk, &w, &inst, &mut e.rng, ProveOptions { check_witness: false }).unwrap();
    assert!(matches!(verify(&e.pk.vk, &forced, &inst), Err(zkaccel::Error::Verification(_))), "{what}: the verifier accepts");
    (forced, inst)
}

fn gate(name: &str, row: usize) -> Failure {
    Failure::Gate { gate: name.into(), constraint: 0, row }
}

/// The review's forgery (2026-12-07): on the first one-chunk MAC row with a non-negative output,
/// unused lane 3 gets x = 1, w = 2^S: one more in that output, 85 claimed — odd, impossible for
/// this model. Accepted before the pins; now `mac_pin_w3` objects at that row, in Rust and in the
/// EVM verifier (which accepts the honest proof).
#[test]
fn the_reviews_unused_lane_forgery_is_rejected_by_the_pin() {
    let (g, sample) = doubled_shape_fold();
    let mut e = env(&g, &sample, 4, true).unwrap();
    let k = Cols::of(&e.c, e.p.lanes);
    let lane = k.l - 1;
    let mut f = Forge::new(&e.c, &k, e.p.shift);
    let row = (0..(1usize << e.p.k) - 1)
        .find(|&r| {
            f.fx(0, r).is_one() && f.fx(2, r + 1).is_one() && f.w.advice[k.l + lane][r].is_zero() && fr_to_i64(&f.w.advice[k.q][r + 1]).is_some_and(|v| v >= 0)
        })
        .unwrap();
    // The unused lane is pinned to 0 there (c = 0 + K); the lanes in use are not parameters of
    // this model.
    assert_eq!(f.fx(k.pin0 + lane, row), pin_offset());
    let before: Vec<i64> = f.inst[0].iter().map(|v| fr_to_i64(v).unwrap()).collect();
    assert!(before.iter().all(|v| v % 2 == 0), "{before:?}");
    f.w.advice[lane][row] = Fr::one();
    f.w.advice[k.l + lane][row] = fr(1 << e.p.shift);
    f.rederive(row);
    let after: Vec<i64> = f.inst[0].iter().map(|v| fr_to_i64(v).unwrap()).collect();
    assert!(after.iter().any(|v| v % 2 != 0), "an odd output claimed: {after:?}");
    let forged = (f.w, f.inst);
    let (forced, forged_inst) = rejected(&mut e, forged, &[gate(&format!("mac_pin_w{lane}"), row)], "unused lane");

    // The EVM verifier: the honest proof accepted, the forced one rejected.
    let vk = &e.pk.vk;
    let honest = prove(&e.be, &e.pk, &e.c.witness, &e.c.instances, &mut e.rng).unwrap();
    let source = evm::verifier_source(vk, &[e.c.instances[0].len()]).unwrap();
    let compiled = solc::compile(&source, evm::CONTRACT_NAME).unwrap();
    let mut chain = Deployed::new(&compiled.init_code).unwrap();
    let call = chain.call(&calldata::verify_call(&honest, &e.c.instances)).unwrap();
    assert!(matches!(&call.outcome, Outcome::Returned(r) if r.len() == 32 && r[31] == 1), "{:?}", call.outcome);
    eprintln!(
        "evm: doubled shape_fold (MAC layout, private params, {} lanes, k = {}; {} fixed / {} σ commitments in the key; proof {} bytes) deploy gas {}, verifyProof gas {}",
        k.l,
        vk.k(),
        vk.cs().num_fixed,
        vk.cs().permutation.len(),
        honest.to_bytes().len(),
        chain.deploy_gas,
        call.gas_used
    );
    let bad = chain.call(&calldata::verify_call(&forced, &forged_inst)).unwrap();
    assert!(!matches!(&bad.outcome, Outcome::Returned(r) if r.len() == 32 && r[31] == 1), "the EVM verifier accepts the forgery");
}

/// The structural coefficient of a parameter-free operator: Add's 2^S on lane 0 doubled (the
/// output becomes relu(3x), odd where x is): `mac_pin_w0` objects.
#[test]
fn a_parameter_free_operators_coefficient_is_pinned() {
    let (g, sample) = doubled_shape_fold();
    let mut e = env(&g, &sample, 4, true).unwrap();
    let k = Cols::of(&e.c, e.p.lanes);
    let mut f = Forge::new(&e.c, &k, e.p.shift);
    let two_s = fr(1 << e.p.shift);
    let row = (0..(1usize << e.p.k) - 1)
        .find(|&r| f.fx(0, r).is_one() && f.w.advice[k.l][r] == two_s && fr_to_i64(&f.w.advice[0][r]).is_some_and(|v| v % 2 != 0 && v > 0))
        .expect("an Add row with an odd positive input");
    assert_eq!(f.fx(k.pin0, row), two_s + pin_offset(), "Add's coefficient is pinned to 2^S");
    f.w.advice[k.l][row] = two_s + two_s;
    f.rederive(row);
    assert_ne!(f.inst, e.c.instances);
    let forged = (f.w, f.inst);
    rejected(&mut e, forged, &[gate("mac_pin_w0", row)], "Add's coefficient");
}

/// The bias of a parameter-free operator (Add of two computed values has bias 0): 2^S there
/// (the chain's start accumulator with it) makes the output 2x + 1: `mac_pin_bias` objects.
#[test]
fn a_parameter_free_operators_bias_is_pinned() {
    let (g, sample) = doubled_shape_fold();
    let mut e = env(&g, &sample, 4, true).unwrap();
    let k = Cols::of(&e.c, e.p.lanes);
    let mut f = Forge::new(&e.c, &k, e.p.shift);
    let row = (0..(1usize << e.p.k) - 1)
        .find(|&r| f.fx(1, r).is_one() && fr_to_i64(&f.w.advice[k.q][r + 1]).is_some_and(|v| v >= 0))
        .expect("a chain start with a non-negative output");
    assert_eq!(f.fx(k.pin0 + k.l, row), pin_offset(), "the bias is pinned to 0");
    f.w.advice[k.bias][row] = fr(1 << e.p.shift);
    f.w.advice[k.acc][row] = fr(1 << e.p.shift);
    f.rederive(row);
    assert_ne!(f.inst, e.c.instances);
    let forged = (f.w, f.inst);
    rejected(&mut e, forged, &[gate("mac_pin_bias", row)], "Add's bias");
}

/// The control: a genuine private weight (of tiny_4_8_3's last Gemm, whose outputs are public)
/// changed and its output re-derived is a valid witness, and the honest prover's proof of the
/// other outputs verifies — the key fixes the architecture, not the weights. The weight's cell
/// carries no pin.
#[test]
fn a_genuine_private_weight_is_a_free_choice() {
    let g = load("tiny_4_8_3.onnx");
    let sample = input("tiny_input.json", &g);
    let mut e = env(&g, &sample, 4, true).unwrap();
    let k = Cols::of(&e.c, e.p.lanes);
    let mut f = Forge::new(&e.c, &k, e.p.shift);
    // A lane with a non-zero input in the chain of the last output (of the last Gemm).
    let start = (0..(1usize << e.p.k) - 1).filter(|&r| f.fx(1, r).is_one()).last().unwrap();
    let (row, lane) = (start..)
        .take_while(|&r| f.fx(0, r).is_one())
        .flat_map(|r| (0..k.l).map(move |i| (r, i)))
        .find(|&(r, i)| !f.w.advice[i][r].is_zero())
        .expect("a non-zero input");
    assert_eq!(f.fx(k.pin0 + lane, row), Fr::zero(), "a weight is not pinned");
    let used_once = !f.c.fixed.copies.iter().any(|(a, b)| [a, b].iter().any(|c| c.column.index == k.l + lane && c.row == row));
    assert!(used_once, "used once (batch 1)");
    // No parameter is used twice at batch 1: no equality on the weight and bias columns.
    let tied = |c: &Column| c.kind == ColumnKind::Advice && (k.l..2 * k.l).chain([k.bias]).any(|i| i == c.index);
    assert!(!f.c.cs.permutation.iter().any(tied), "equality on the weight columns without a shared parameter");
    f.w.advice[k.l + lane][row] += fr(1 << e.p.shift);
    f.rederive(row);
    assert_ne!(f.inst, e.c.instances, "other outputs claimed");
    assert!(check_witness(&e.c.cs, &e.c.fixed, &f.w, &f.inst, 5).unwrap().is_empty());
    let proof = prove(&e.be, &e.pk, &f.w, &f.inst, &mut e.rng).unwrap();
    verify(&e.pk.vk, &proof, &f.inst).unwrap();
}

/// A shared parameter is one value: a convolution's kernel element at every position (copy
/// constraints between its w cells). With a zero input the first convolution's lanes hold 0, so
/// its weights can be edited without touching an accumulator: one use changed fails the copy
/// alone; every use changed together is a valid witness (another kernel).
#[test]
fn a_shared_weight_is_one_parameter() {
    let g = load("conv2d_ops.onnx");
    let sample = input("conv2d_ops_input.json", &g);
    let zero: Vec<Tensor<f64>> = sample.iter().map(|t| Tensor { shape: t.shape.clone(), data: vec![0.0; t.data.len()] }).collect();
    let mut s = settings(&g, (7, 7), (PRIV, PUB, PRIV), &[sample.to_vec()]);
    s.lookup_bits = s.lookup_bits.max(10);
    let q = s.quantize(&g).unwrap();
    let p = plan(&q, &s, Some(4)).unwrap();
    let c = build(&q, &s, &p, &q.quantize_inputs(&zero).unwrap(), false).unwrap();
    assert!(check_witness(&c.cs, &c.fixed, &c.witness, &c.instances, 5).unwrap().is_empty());
    let k = Cols::of(&c, p.lanes);
    let is_w = |cell: &Cell| cell.column.kind == ColumnKind::Advice && (k.l..2 * k.l).contains(&cell.column.index);
    let w_copies: Vec<(Cell, Cell)> = c.fixed.copies.iter().copied().filter(|(a, b)| is_w(a) && is_w(b)).collect();
    assert!(!w_copies.is_empty(), "the kernel's uses are tied");
    assert!(c.cs.permutation.iter().any(|col| is_w(&Cell { column: *col, row: 0 })), "equality on the weight columns");
    // A class whose every use has x = 0 (the first convolution's).
    let x_of = |cell: &Cell| c.witness.advice[cell.column.index - k.l][cell.row];
    let (first, _) = w_copies[0];
    let class: Vec<Cell> = std::iter::once(first).chain(w_copies.iter().filter(|(a, _)| *a == first).map(|(_, b)| *b)).collect();
    assert!(class.len() > 1 && class.iter().all(|cell| x_of(cell).is_zero()));
    let mut w = c.witness.clone();
    let (a, b) = (class[0], class[1]);
    w.advice[b.column.index][b.row] += Fr::one();
    assert_eq!(check_witness(&c.cs, &c.fixed, &w, &c.instances, 20).unwrap(), vec![Failure::Copy { a, b }]);
    for cell in &class[2..] {
        w.advice[cell.column.index][cell.row] += Fr::one();
    }
    w.advice[a.column.index][a.row] += Fr::one();
    assert!(check_witness(&c.cs, &c.fixed, &w, &c.instances, 20).unwrap().is_empty());
}

/// The pin encoding c = value + K (K = 2^200) needs value + K ≠ 0: the builder refuses a
/// structural value of magnitude 2^199 or more (−K itself among them, whose c would be 0 and
/// leave the cell free), on a weight lane and on the bias, and accepts 2^199 − 1 either sign.
#[test]
fn a_structural_value_beyond_the_bound_is_refused() {
    let mut cs = ConstraintSystem::new();
    let mut cfg = MacConfig::configure_with_weights(&mut cs, 4, 4, 6, ColumnKind::Advice);
    cfg.pin_coefficients(&mut cs);
    let pins = cfg.pins.clone().unwrap();
    let mut b = MacBuilder::new(&cs, cfg, 7).unwrap();
    let two = |e: u64| Fr::from(2u64).pow([e]);
    let limit = two(199);
    for (lane, v) in [(Some(0), limit), (Some(3), -limit), (None, limit), (Some(1), -two(200)), (Some(2), two(250)), (None, -Fr::one() - two(252))] {
        let e = b.pin_structural(lane, 5, v).expect_err("a value beyond 2^199 pinned");
        assert!(e.to_string().contains("2^199"), "{e}");
    }
    b.pin_structural(Some(0), 5, limit - Fr::one()).unwrap();
    b.pin_structural(None, 5, Fr::one() - limit).unwrap();
    assert!(b.pin_structural(Some(4), 5, Fr::one()).is_err(), "no lane 4");
    let (fixed, _) = b.finish();
    assert_eq!(fixed.fixed[pins.w[0].index][5], limit - Fr::one() + pin_offset());
    assert_eq!(fixed.fixed[pins.bias.index][5], Fr::one() - limit + pin_offset());
    assert!(fixed.fixed[pins.w[1].index][5].is_zero() && fixed.fixed[pins.w[3].index][5].is_zero(), "nothing written on refusal");
}
