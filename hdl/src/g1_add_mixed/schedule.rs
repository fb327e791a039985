//! The adder's dataflow graph (Algorithm 7 with the multiplications by 9 expanded into
//! additions) and its as-soon-as-possible schedule: when every operation starts, and which
//! delays its operands need. `mod.rs` builds the RTL from this plan; the tests evaluate the same
//! graph in software and compare it with the line-by-line model in `model.rs`.

use super::config::{ADD_LATENCY, FRONT_LATENCY, MUL_LATENCY};
use ark_bn254::Fq;

/// A value in the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sig {
    /// Port `in_x1`, cycle 0.
    X1,
    /// Port `in_y1`, cycle 0.
    Y1,
    /// Port `in_z1`, cycle 0.
    Z1,
    /// Port `in_x2` (zero when `inf2`), cycle 0.
    X2,
    /// Port `in_z2` (zero when `inf2`), cycle 0.
    Z2,
    /// `±y2` (zero when `inf2`) out of the front, cycle [`FRONT_LATENCY`].
    Y2,
    /// Result of operation `i`.
    Op(usize),
}

/// What an operation computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Montgomery product (a multiplier instance).
    Mul,
    /// Modular addition (a `ModAddSub` in add mode).
    Add,
    /// Modular subtraction `a − b` (a `ModAddSub` in sub mode).
    Sub,
}

impl Kind {
    /// Register stages of the block.
    pub fn latency(self) -> usize {
        match self {
            Kind::Mul => MUL_LATENCY,
            Kind::Add | Kind::Sub => ADD_LATENCY,
        }
    }
}

/// One operation.
#[derive(Clone, Debug)]
pub struct Op {
    /// The step of Algorithm 7 it implements.
    pub name: String,
    /// What it computes.
    pub kind: Kind,
    /// First operand.
    pub a: Sig,
    /// Second operand.
    pub b: Sig,
}

/// The graph: operations in a topological order and the three outputs `(X3, Y3, Z3)`.
pub struct Graph {
    /// Operations.
    pub ops: Vec<Op>,
    /// `X3, Y3, Z3`.
    pub outputs: [Sig; 3],
}

/// Algorithm 7 of Renes–Costello–Batina (a = 0, projective), `3b = 9` as `2v, 4v, 8v, 8v + v`.
pub fn graph() -> Graph {
    use Sig::{X1, X2, Y1, Y2, Z1, Z2};
    let mut ops: Vec<Op> = Vec::new();
    let mut op = |name: &str, kind: Kind, a: Sig, b: Sig| {
        ops.push(Op { name: name.to_string(), kind, a, b });
        Sig::Op(ops.len() - 1)
    };
    let t0 = op("1 t0 = X1*X2", Kind::Mul, X1, X2);
    let t1 = op("2 t1 = Y1*Y2", Kind::Mul, Y1, Y2);
    let t2 = op("3 t2 = Z1*Z2", Kind::Mul, Z1, Z2);
    let t3 = op("4 t3 = X1+Y1", Kind::Add, X1, Y1);
    let t4 = op("5 t4 = X2+Y2", Kind::Add, X2, Y2);
    let t3 = op("6 t3 = t3*t4", Kind::Mul, t3, t4);
    let t4 = op("7 t4 = t0+t1", Kind::Add, t0, t1);
    let t3 = op("8 t3 = t3-t4", Kind::Sub, t3, t4);
    let t4 = op("9 t4 = Y1+Z1", Kind::Add, Y1, Z1);
    let x3 = op("10 X3 = Y2+Z2", Kind::Add, Y2, Z2);
    let t4 = op("11 t4 = t4*X3", Kind::Mul, t4, x3);
    let x3 = op("12 X3 = t1+t2", Kind::Add, t1, t2);
    let t4 = op("13 t4 = t4-X3", Kind::Sub, t4, x3);
    let x3 = op("14 X3 = X1+Z1", Kind::Add, X1, Z1);
    let y3 = op("15 Y3 = X2+Z2", Kind::Add, X2, Z2);
    let x3 = op("16 X3 = X3*Y3", Kind::Mul, x3, y3);
    let y3 = op("17 Y3 = t0+t2", Kind::Add, t0, t2);
    let y3 = op("18 Y3 = X3-Y3", Kind::Sub, x3, y3);
    let x3 = op("19 X3 = t0+t0", Kind::Add, t0, t0);
    let t0 = op("20 t0 = X3+t0", Kind::Add, x3, t0);
    let v2 = op("21 t2 = b3*t2 (2t2)", Kind::Add, t2, t2);
    let v4 = op("21 t2 = b3*t2 (4t2)", Kind::Add, v2, v2);
    let v8 = op("21 t2 = b3*t2 (8t2)", Kind::Add, v4, v4);
    let t2 = op("21 t2 = b3*t2 (8t2+t2)", Kind::Add, v8, t2);
    let z3 = op("22 Z3 = t1+t2", Kind::Add, t1, t2);
    let t1 = op("23 t1 = t1-t2", Kind::Sub, t1, t2);
    let v2 = op("24 Y3 = b3*Y3 (2Y3)", Kind::Add, y3, y3);
    let v4 = op("24 Y3 = b3*Y3 (4Y3)", Kind::Add, v2, v2);
    let v8 = op("24 Y3 = b3*Y3 (8Y3)", Kind::Add, v4, v4);
    let y3 = op("24 Y3 = b3*Y3 (8Y3+Y3)", Kind::Add, v8, y3);
    let x3 = op("25 X3 = t4*Y3", Kind::Mul, t4, y3);
    let t2 = op("26 t2 = t3*t1", Kind::Mul, t3, t1);
    let x3 = op("27 X3 = t2-X3", Kind::Sub, t2, x3);
    let y3 = op("28 Y3 = Y3*t0", Kind::Mul, y3, t0);
    let t1 = op("29 t1 = t1*Z3", Kind::Mul, t1, z3);
    let y3 = op("30 Y3 = t1+Y3", Kind::Add, t1, y3);
    let t0 = op("31 t0 = t0*t3", Kind::Mul, t0, t3);
    let z3 = op("32 Z3 = Z3*t4", Kind::Mul, z3, t4);
    let z3 = op("33 Z3 = Z3+t0", Kind::Add, z3, t0);
    Graph { ops, outputs: [x3, y3, z3] }
}

/// Evaluates the graph in software (for the cross-check with `model.rs`).
pub fn evaluate(g: &Graph, [x1, y1, z1]: [Fq; 3], [x2, y2, z2]: [Fq; 3]) -> [Fq; 3] {
    let mut vals: Vec<Fq> = Vec::with_capacity(g.ops.len());
    let get = |vals: &Vec<Fq>, s: Sig| match s {
        Sig::X1 => x1,
        Sig::Y1 => y1,
        Sig::Z1 => z1,
        Sig::X2 => x2,
        Sig::Y2 => y2,
        Sig::Z2 => z2,
        Sig::Op(i) => vals[i],
    };
    for op in &g.ops {
        let (a, b) = (get(&vals, op.a), get(&vals, op.b));
        vals.push(match op.kind {
            Kind::Mul => a * b,
            Kind::Add => a + b,
            Kind::Sub => a - b,
        });
    }
    g.outputs.map(|s| get(&vals, s))
}

/// A delay tap of this graph's signals.
pub type Tap = crate::delay_line::taps::Tap<Sig>;

/// The schedule: cycles, operand delays and output alignment.
pub struct Schedule {
    /// The graph.
    pub graph: Graph,
    /// Cycle in which each operation's operands are sampled.
    pub start: Vec<usize>,
    /// Cycle in which each operation's result is visible.
    pub ready: Vec<usize>,
    /// All delay taps, grouped by signal, shortest first within a signal.
    pub taps: Vec<Tap>,
    /// Cycle in which `X3, Y3, Z3` are all visible (aligned); the registered `inf2` select makes
    /// the adder's latency `out_cycle + 1`.
    pub out_cycle: usize,
}

impl Schedule {
    /// Cycle in which `s` is visible.
    pub fn ready_of(&self, s: Sig) -> usize {
        ready_of(&self.ready, s)
    }

    /// The tap that delivers `s` delayed by `delay` (`None` for delay 0: the signal itself).
    pub fn tap(&self, s: Sig, delay: usize) -> Option<usize> {
        crate::delay_line::taps::find(&self.taps, s, delay)
    }

    /// Operand `s` as needed in cycle `cycle`.
    pub fn operand(&self, s: Sig, cycle: usize) -> Option<usize> {
        self.tap(s, cycle - self.ready_of(s))
    }

    /// Total delay-line and register bits (for the notes).
    pub fn delay_bits(&self) -> usize {
        self.taps.iter().map(|t| 256 * t.step).sum()
    }
}

fn ready_of(ready: &[usize], s: Sig) -> usize {
    match s {
        Sig::X1 | Sig::Y1 | Sig::Z1 | Sig::X2 | Sig::Z2 => 0,
        Sig::Y2 => FRONT_LATENCY,
        Sig::Op(i) => ready[i],
    }
}

/// As-soon-as-possible schedule of [`graph`]: each operation starts when its later operand is
/// ready; the earlier one is delayed. `X1, Y1, Z1` are also delayed to the output cycle (the
/// `inf2` bypass returns the bucket's own triple).
pub fn schedule() -> Schedule {
    let graph = graph();
    let mut start = Vec::new();
    let mut ready = Vec::new();
    let mut needs: Vec<(Sig, usize)> = Vec::new();
    for op in &graph.ops {
        let s = ready_of(&ready, op.a).max(ready_of(&ready, op.b));
        start.push(s);
        ready.push(s + op.kind.latency());
        for x in [op.a, op.b] {
            needs.push((x, s - ready_of(&ready, x)));
        }
    }
    let out_cycle = graph.outputs.iter().map(|&s| ready_of(&ready, s)).max().unwrap();
    for &s in &graph.outputs {
        needs.push((s, out_cycle - ready_of(&ready, s)));
    }
    for s in [Sig::X1, Sig::Y1, Sig::Z1] {
        needs.push((s, out_cycle));
    }
    let taps = crate::delay_line::taps::plan(needs);
    Schedule { graph, start, ready, taps, out_cycle }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g1_add_mixed::config;
    use crate::g1_add_mixed::model::{add, AddInput};
    use zkaccel_testkit::seed::TestRng;
    use ark_ff::UniformRand;

    #[test]
    fn schedule_matches_config() {
        let s = schedule();
        assert_eq!(s.out_cycle + 1, config::LATENCY);
        assert_eq!(s.graph.ops.iter().filter(|o| o.kind == Kind::Mul).count(), config::MULTIPLIERS);
        assert_eq!(s.graph.ops.iter().filter(|o| o.kind != Kind::Mul).count() + 1, config::ADDERS);
        for (i, op) in s.graph.ops.iter().enumerate() {
            assert!(s.ready_of(op.a) <= s.start[i] && s.ready_of(op.b) <= s.start[i]);
        }
    }

    #[test]
    fn graph_equals_the_line_by_line_model() {
        let mut rng = TestRng::for_test("g1_add_mixed_graph_vs_model");
        let g = graph();
        for _ in 0..200 {
            let [p, q] = [0; 2].map(|_| [0; 3].map(|_| Fq::rand(&mut rng)));
            assert_eq!(evaluate(&g, p, q), add(&AddInput::projective(p, q)));
        }
    }
}
