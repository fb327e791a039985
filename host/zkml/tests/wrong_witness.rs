//! Full-model wrong witnesses, proven (unchecked) and verified end to end: on the bundled
//! 784-128-10 MLP (private input, public output, fixed params), one hidden ReLU output, one
//! hidden rescale pair (q, r) → (q + 1, r − 2^S) and one copied input lane are changed, and
//! every value downstream of the change is re-derived (accumulator chains, rescale rows, ReLU
//! outputs, copies, the public outputs) so that exactly the intended constraint fails — the ReLU
//! lookup, the remainder lookup, the copy constraint. Each proof is rejected by the verifier.

use crate::common;

use std::collections::{BTreeSet, VecDeque};

use ark_ff::{One, Zero};
use common::prove::keys;
use common::*;
use zkaccel::plonk::dev::{check_witness, Failure};
use zkaccel::plonk::mac::{floor_rescale, relu_of, signed_to_fr as fr};
use zkaccel::plonk::prover::{prove_with_options, ProveOptions};
use zkaccel::plonk::{verify, Cell, Column, ColumnKind, Witness};
use zkaccel::Fr;
use zkaccel_onnx::Visibility::{Fixed as FIX, Private as PRIV, Public as PUB};
use zkaccel_zkml::circuit::ModelCircuit;
use zkaccel_zkml::field::fr_to_i64;
use zkaccel_zkml::pipeline;

/// The MAC layout's columns in a model circuit with fixed params (the order `MacConfig`
/// declares them): advice x_0 … x_{L−1}, acc, q, r, y, io; fixed w_0 … w_{L−1}, q_mac, q_start,
/// bias, q_out, then the tables, then q_pub.
struct Layout {
    lanes: usize,
    shift: u32,
    acc: usize,
    q: usize,
    r: usize,
    y: usize,
    io: usize,
    q_mac: usize,
    q_out: usize,
    q_pub: usize,
}

impl Layout {
    fn of(lanes: usize, shift: u32, circuit: &ModelCircuit) -> Self {
        let l = lanes;
        assert_eq!(circuit.cs.num_advice, l + 5, "advice: lanes, acc, q, r, y, io");
        assert_eq!(circuit.cs.gates[0].name, "mac");
        Self { lanes, shift, acc: l, q: l + 1, r: l + 2, y: l + 3, io: l + 4, q_mac: l, q_out: l + 3, q_pub: circuit.cs.num_fixed - 1 }
    }
}

fn advice(index: usize) -> Column {
    Column { kind: ColumnKind::Advice, index }
}

/// A witness edited in place, with every dependent value re-derived.
struct Edit<'a> {
    lay: &'a Layout,
    circuit: &'a ModelCircuit,
    w: Witness,
    inst: Vec<Vec<Fr>>,
    /// Cells whose copies must not follow (the violated copy constraint).
    cut: BTreeSet<(usize, usize)>,
    queue: VecDeque<(Cell, Fr)>,
    seen: BTreeSet<(usize, usize)>,
}

impl<'a> Edit<'a> {
    fn new(lay: &'a Layout, circuit: &'a ModelCircuit) -> Self {
        Self { lay, circuit, w: circuit.witness.clone(), inst: circuit.instances.clone(), cut: BTreeSet::new(), queue: VecDeque::new(), seen: BTreeSet::new() }
    }

    fn get(&self, c: Cell) -> Fr {
        self.w.advice[c.column.index][c.row]
    }

    fn fixed(&self, col: usize, row: usize) -> Fr {
        self.circuit.fixed.fixed[col][row]
    }

    /// Sets a cell and queues its consequences.
    fn set(&mut self, c: Cell, v: Fr) {
        let delta = v - self.get(c);
        if delta.is_zero() {
            return;
        }
        self.w.advice[c.column.index][c.row] = v;
        self.queue.push_back((c, delta));
    }

    fn run(mut self) -> (Witness, Vec<Vec<Fr>>) {
        while let Some((c, delta)) = self.queue.pop_front() {
            let key = (c.column.index, c.row);
            if !self.seen.insert(key) {
                panic!("cell {key:?} changed twice");
            }
            // Copies (both directions), unless this is the cut cell.
            if !self.cut.contains(&key) {
                let others: Vec<Cell> = self
                    .circuit
                    .fixed
                    .copies
                    .iter()
                    .filter_map(|&(a, b)| if a == c { Some(b) } else if b == c { Some(a) } else { None })
                    .filter(|o| !self.seen.contains(&(o.column.index, o.row)))
                    .collect();
                for o in others {
                    let v = self.get(o) + delta;
                    self.set(o, v);
                }
            }
            let col = c.column.index;
            // A public io row: the instance value follows.
            if col == self.lay.io && self.fixed(self.lay.q_pub, c.row).is_one() {
                self.inst[0][c.row] += delta;
            }
            // An x lane on a MAC row: the accumulator chain shifts from the next row to the
            // rescale row, which is re-derived.
            if col < self.lay.lanes && self.fixed(self.lay.q_mac, c.row).is_one() {
                let shift = self.fixed(col, c.row) * delta;
                let mut row = c.row + 1;
                loop {
                    self.w.advice[self.lay.acc][row] += shift;
                    if self.fixed(self.lay.q_out, row).is_one() {
                        break;
                    }
                    row += 1;
                }
                let acc = fr_to_i64(&self.w.advice[self.lay.acc][row]).expect("a small accumulator");
                let (q, r) = floor_rescale(acc, self.lay.shift);
                self.w.advice[self.lay.r][row] = fr(r);
                self.set(Cell { column: advice(self.lay.q), row }, fr(q));
                self.set(Cell { column: advice(self.lay.y), row }, relu_of(fr(q)));
            }
        }
        (self.w, self.inst)
    }
}

/// The rescale rows of the hidden layer: their y cells feed the next layer's lanes.
fn hidden_rows(lay: &Layout, circuit: &ModelCircuit) -> Vec<usize> {
    let y_sources: BTreeSet<usize> = circuit.fixed.copies.iter().filter(|(a, b)| a.column == advice(lay.y) && b.column.index < lay.lanes).map(|(a, _)| a.row).collect();
    y_sources.into_iter().collect()
}

#[test]
fn wrong_witnesses_of_the_mlp_are_rejected() {
    let model = "mlp_784_128_10.onnx";
    let g = load(model);
    let sample = input("mlp_input.json", &g);
    let s = settings(&g, (7, 7), (PRIV, PUB, FIX), std::slice::from_ref(&sample));
    let c = compile(model, &s, None);
    let (w, _) = pipeline::gen_witness(&c, &data_of(&sample)).unwrap();
    let circuit = pipeline::circuit_for_witness(&c, &w).unwrap();
    let lay = Layout::of(c.plan.lanes, c.plan.shift, &circuit);
    let mut k = keys(&c, 23);
    let two_s = 1i64 << c.plan.shift;
    let check = |w: &Witness, inst: &[Vec<Fr>]| check_witness(&circuit.cs, &circuit.fixed, w, inst, 20).unwrap();
    assert!(check(&circuit.witness, &circuit.instances).is_empty());
    let hidden = hidden_rows(&lay, &circuit);
    assert_eq!(hidden.len(), 128);
    let mut cases: Vec<(&str, Witness, Vec<Vec<Fr>>, Failure)> = vec![];

    // (1) One hidden ReLU output y → y + 1 (the next layer reads y + 1 everywhere).
    let row = hidden[5];
    let mut e = Edit::new(&lay, &circuit);
    let y = e.get(Cell { column: advice(lay.y), row });
    e.set(Cell { column: advice(lay.y), row }, y + Fr::one());
    let (w1, i1) = e.run();
    assert_ne!(i1, circuit.instances, "the change reaches the public outputs");
    cases.push(("ReLU output", w1, i1, Failure::Lookup { lookup: "relu".into(), row }));

    // (2) One hidden rescale pair (q, r) → (q + 1, r − 2^S): the gate acc = 2^S·q + r still
    // holds, r is out of range; y = relu(q + 1) and everything downstream follows.
    let row = *hidden.iter().find(|&&r| fr_to_i64(&circuit.witness.advice[lay.q][r]).is_some_and(|q| q > 0)).expect("a positive hidden value");
    let mut e = Edit::new(&lay, &circuit);
    let q = e.get(Cell { column: advice(lay.q), row });
    e.w.advice[lay.r][row] -= fr(two_s);
    e.set(Cell { column: advice(lay.q), row }, q + Fr::one());
    e.set(Cell { column: advice(lay.y), row }, relu_of(q + Fr::one()));
    let (w2, i2) = e.run();
    cases.push(("rescale pair", w2, i2, Failure::Lookup { lookup: "rescale_remainder".into(), row }));

    // (3) One copied input: a first-layer lane that reads input j (a copy of its range-checked
    // cell) holds j + 1; the accumulator and everything after it follow, the source does not.
    let (src, lane) = circuit
        .fixed
        .copies
        .iter()
        .copied()
        .find(|(a, b)| a.column == advice(lay.q) && a.row < 784 && b.column.index < lay.lanes && !circuit.fixed.fixed[b.column.index][b.row].is_zero())
        .expect("an input copied into a lane with a non-zero weight");
    let mut e = Edit::new(&lay, &circuit);
    e.cut.insert((lane.column.index, lane.row));
    let v = e.get(lane);
    e.set(lane, v + Fr::one());
    let (w3, i3) = e.run();
    cases.push(("copied input", w3, i3, Failure::Copy { a: src, b: lane }));

    for (what, w, inst, want) in cases {
        assert_eq!(check(&w, &inst), vec![want], "{what}: exactly the intended constraint fails");
        let forced = prove_with_options(&k.backend, &k.pk, &w, &inst, &mut k.rng, ProveOptions { check_witness: false }).unwrap();
        assert!(matches!(verify(&k.pk.vk, &forced, &inst), Err(zkaccel::Error::Verification(_))), "{what}: accepted");
    }
}
