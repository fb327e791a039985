//! The adder's dataflow graph — ten multiplications and ten additions/subtractions shared by the
//! three modes, each operand chosen per mode — and its as-soon-as-possible schedule: when every
//! operation starts, and which delays its operands need. `mod.rs` builds the RTL from this plan;
//! the tests evaluate the same graph in software and compare it with the line-by-line model in
//! `model.rs` for every mode.

use super::config::FRONT_LATENCY;
use super::model::Mode;
use ark_bn254::Fq;

/// A value in the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sig {
    /// Port `in_x1`, cycle 0.
    X1,
    /// Port `in_y1`, cycle 0.
    Y1,
    /// Port `in_zz1`, cycle 0.
    Zz1,
    /// Port `in_zzz1`, cycle 0.
    Zzz1,
    /// Port `in_zzu`, cycle 0.
    Zzu,
    /// Port `in_zzzu`, cycle 0.
    Zzzu,
    /// Port `in_x2` (zero when `inf2`), cycle 0.
    X2,
    /// `±y2` (zero when `inf2`) out of the front, cycle [`FRONT_LATENCY`].
    Y2,
    /// Result of operation `i`.
    Op(usize),
}

/// What an operation computes: the complete adder's kinds (a multiplier, a modular adder or
/// subtractor), with the same latencies.
pub use crate::g1_add_mixed::schedule::Kind;

/// One operation: a unit and its operands in each mode (indexed by [`Mode`] code).
#[derive(Clone, Debug)]
pub struct Op {
    /// What it computes in each mode (for the Verilog comments and failure reports).
    pub name: String,
    /// The unit.
    pub kind: Kind,
    /// First operand per mode.
    pub a: [Sig; 3],
    /// Second operand per mode.
    pub b: [Sig; 3],
}

impl Op {
    /// Whether operand `which` (0: `a`, 1: `b`) differs between modes (a multiplexer in the RTL).
    pub fn muxed(&self, which: usize) -> bool {
        let s = if which == 0 { &self.a } else { &self.b };
        s.iter().any(|x| *x != s[0])
    }
}

/// The graph: operations in a topological order and the outputs `(X3, Y3, ZZ3, ZZZ3)` per mode.
pub struct Graph {
    /// Operations.
    pub ops: Vec<Op>,
    /// Outputs per mode, indexed by [`Mode`] code.
    pub outputs: [[Sig; 4]; 3],
    /// The subtraction `P = U2 − X1` of the addition (its zero test is half the `exc` flag).
    pub p_op: usize,
    /// The subtraction `R = S2 − Y1` of the addition (the other half).
    pub r_op: usize,
}

/// The three modes' formulas on ten multipliers (`model.rs` has them line by line). Operands per
/// mode are `[Add, Double, Scale]`; a mode that does not use a unit gives it the addition's
/// operands (no multiplexer).
pub fn graph() -> Graph {
    use Sig::{Zz1, Zzu, Zzz1, Zzzu, X1, X2, Y1, Y2};
    let mut ops: Vec<Op> = Vec::new();
    let mut op = |name: &str, kind: Kind, a: [Sig; 3], b: [Sig; 3]| {
        ops.push(Op { name: name.to_string(), kind, a, b });
        Sig::Op(ops.len() - 1)
    };
    let same = |s: Sig| [s; 3];
    // The doubling's U = 2·Y1 (unused otherwise).
    let u = op("U = Y1+Y1", Kind::Add, same(Y1), same(Y1));
    let m1 = op("U2 = x2*ZZu | XX = X1*X1 | x2*ZZu", Kind::Mul, [X2, X1, X2], [Zzu, X1, Zzu]);
    let m2 = op("S2 = y2*ZZZu | V = U*U | y2*ZZZu", Kind::Mul, [Y2, u, Y2], [Zzzu, u, Zzzu]);
    let p = op("P = U2-X1", Kind::Sub, same(m1), same(X1));
    let r = op("R = S2-Y1", Kind::Sub, same(m2), same(Y1));
    let xx2 = op("2XX = XX+XX", Kind::Add, same(m1), same(m1));
    let m = op("M = 2XX+XX", Kind::Add, same(xx2), same(m1));
    let m3 = op("PP = P*P | W = U*V | ZZ1*ZZu", Kind::Mul, [p, u, Zz1], [p, m2, Zzu]);
    let m4 = op("RR = R*R | S = X1*V | ZZZ1*ZZZu", Kind::Mul, [r, X1, Zzz1], [r, m2, Zzzu]);
    let m5 = op("PPP = P*PP | MM = M*M", Kind::Mul, [p, m, p], [m3, m, m3]);
    let m6 = op("Q = X1*PP", Kind::Mul, same(X1), same(m3));
    let m7 = op("ZZ3 = ZZ1*PP | ZZ1*V", Kind::Mul, same(Zz1), [m3, m2, m3]);
    let t = op("t = RR-PPP | MM-S", Kind::Sub, [m4, m5, m4], [m5, m4, m5]);
    let q2 = op("2Q = Q+Q", Kind::Add, same(m6), same(m6));
    let x3 = op("X3 = t-2Q | t-S", Kind::Sub, same(t), [q2, m4, q2]);
    let m8 = op("Y1*PPP | Y1*W", Kind::Mul, same(Y1), [m5, m3, m5]);
    let m9 = op("ZZZ3 = ZZZ1*PPP | ZZZ1*W", Kind::Mul, same(Zzz1), [m5, m3, m5]);
    let qx = op("Q-X3 | S-X3", Kind::Sub, [m6, m4, m6], same(x3));
    let m10 = op("R*(Q-X3) | M*(S-X3)", Kind::Mul, [r, m, r], same(qx));
    let y3 = op("Y3 = R*(Q-X3)-Y1*PPP | M*(S-X3)-Y1*W", Kind::Sub, same(m10), same(m8));
    let formulas = [x3, y3, m7, m9];
    let Sig::Op(p_op) = p else { unreachable!() };
    let Sig::Op(r_op) = r else { unreachable!() };
    Graph { ops, outputs: [formulas, formulas, [m1, m2, m3, m4]], p_op, r_op }
}

/// The values of the graph's ports for one operation (after the front: `inf2` zeroes `x2, y2`,
/// `neg2` negates `y2`).
#[derive(Clone, Copy, Debug)]
pub struct Ports {
    /// `in_x1`.
    pub x1: Fq,
    /// `in_y1`.
    pub y1: Fq,
    /// `in_zz1`.
    pub zz1: Fq,
    /// `in_zzz1`.
    pub zzz1: Fq,
    /// `in_zzu`.
    pub zzu: Fq,
    /// `in_zzzu`.
    pub zzzu: Fq,
    /// `in_x2` after the front.
    pub x2: Fq,
    /// `in_y2` after the front.
    pub y2: Fq,
}

/// Evaluates the graph in software in `mode`: the four outputs and every operation's value.
pub fn evaluate(g: &Graph, mode: Mode, ports: &Ports) -> ([Fq; 4], Vec<Fq>) {
    let k = mode.code() as usize;
    let mut vals: Vec<Fq> = Vec::with_capacity(g.ops.len());
    let get = |vals: &Vec<Fq>, s: Sig| match s {
        Sig::X1 => ports.x1,
        Sig::Y1 => ports.y1,
        Sig::Zz1 => ports.zz1,
        Sig::Zzz1 => ports.zzz1,
        Sig::Zzu => ports.zzu,
        Sig::Zzzu => ports.zzzu,
        Sig::X2 => ports.x2,
        Sig::Y2 => ports.y2,
        Sig::Op(i) => vals[i],
    };
    for op in &g.ops {
        let (a, b) = (get(&vals, op.a[k]), get(&vals, op.b[k]));
        vals.push(match op.kind {
            Kind::Mul => a * b,
            Kind::Add => a + b,
            Kind::Sub => a - b,
        });
    }
    (g.outputs[k].map(|s| get(&vals, s)), vals)
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
    /// The cycles (from the ports) in which the mode is needed: the start of every operation with a
    /// multiplexed operand, and the output cycle; ascending.
    pub mode_cycles: Vec<usize>,
    /// Cycle in which every mode's outputs are visible (aligned); the registered output select
    /// makes the adder's latency `out_cycle + 1`.
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

    /// Total delay-line and register bits of the 256-bit taps (for the notes).
    pub fn delay_bits(&self) -> usize {
        self.taps.iter().map(|t| 256 * t.step).sum()
    }
}

fn ready_of(ready: &[usize], s: Sig) -> usize {
    match s {
        Sig::Y2 => FRONT_LATENCY,
        Sig::Op(i) => ready[i],
        _ => 0,
    }
}

/// The first operand's coordinates, delayed to the output cycle for the `inf2` bypass.
pub const BYPASS1: [Sig; 4] = [Sig::X1, Sig::Y1, Sig::Zz1, Sig::Zzz1];

/// As-soon-as-possible schedule of [`graph`]: each operation starts when its latest operand over
/// all modes is ready; earlier ones are delayed. The first operand (the `inf2` bypass) and
/// `x2, y2` (the result when the first operand is the identity) are also delayed to the output
/// cycle.
pub fn schedule() -> Schedule {
    let graph = graph();
    let mut start = Vec::new();
    let mut ready = Vec::new();
    let mut needs: Vec<(Sig, usize)> = Vec::new();
    let mut mode_cycles = Vec::new();
    for op in &graph.ops {
        let s = op.a.iter().chain(op.b.iter()).map(|&x| ready_of(&ready, x)).max().unwrap();
        start.push(s);
        ready.push(s + op.kind.latency());
        for x in op.a.iter().chain(op.b.iter()) {
            needs.push((*x, s - ready_of(&ready, *x)));
        }
        if op.muxed(0) || op.muxed(1) {
            mode_cycles.push(s);
        }
    }
    let out_cycle = graph.outputs.iter().flatten().map(|&s| ready_of(&ready, s)).max().unwrap();
    for &s in graph.outputs.iter().flatten() {
        needs.push((s, out_cycle - ready_of(&ready, s)));
    }
    for s in BYPASS1.into_iter().chain([Sig::X2, Sig::Y2]) {
        needs.push((s, out_cycle - ready_of(&ready, s)));
    }
    mode_cycles.push(out_cycle);
    mode_cycles.sort();
    mode_cycles.dedup();
    let taps = crate::delay_line::taps::plan(needs);
    Schedule { graph, start, ready, taps, mode_cycles, out_cycle }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g1_add_xyzz::config;
    use crate::g1_add_xyzz::model::{eval, random_nonzero, XyzzInput};
    use ark_ff::{AdditiveGroup, UniformRand};
    use zkaccel_testkit::seed::TestRng;

    #[test]
    fn schedule_matches_config() {
        let s = schedule();
        assert_eq!(s.out_cycle + 1, config::LATENCY);
        assert_eq!(s.graph.ops.iter().filter(|o| o.kind == Kind::Mul).count(), config::MULTIPLIERS);
        assert_eq!(s.graph.ops.iter().filter(|o| o.kind != Kind::Mul).count() + 1, config::ADDERS);
        for (i, op) in s.graph.ops.iter().enumerate() {
            for x in op.a.iter().chain(op.b.iter()) {
                assert!(s.ready_of(*x) <= s.start[i], "{}", op.name);
            }
        }
        // The exception flag's halves come out in this order (mod.rs delays P's zero test to R's).
        assert!(s.ready[s.graph.p_op] <= s.ready[s.graph.r_op]);
    }

    #[test]
    fn graph_equals_the_line_by_line_model_in_every_mode() {
        let mut rng = TestRng::for_test("g1_add_xyzz_graph_vs_model");
        let g = graph();
        for _ in 0..200 {
            let [x1, y1, zzz1, zzu, zzzu, x2, y2] = [0; 7].map(|_| Fq::rand(&mut rng));
            for mode in Mode::ALL {
                let neg2 = rng.gen_bool(0.5);
                let inp = XyzzInput { mode, p: [x1, y1, random_nonzero(&mut rng), zzz1], zzu, zzzu, x2, y2, inf2: false, neg2 };
                let ports = Ports { x1, y1, zz1: inp.p[2], zzz1, zzu, zzzu, x2, y2: if neg2 { -y2 } else { y2 } };
                let (out, vals) = evaluate(&g, mode, &ports);
                let want = eval(&inp);
                assert_eq!(out, want.p, "{mode:?}");
                if mode == Mode::Add {
                    assert_eq!(vals[g.p_op], x2 * zzu - x1);
                    assert_eq!(vals[g.r_op], ports.y2 * zzzu - y1);
                }
            }
        }
        // The zero first operand goes through the same graph (the output select is the RTL's).
        let z = Ports { x1: Fq::ZERO, y1: Fq::ZERO, zz1: Fq::ZERO, zzz1: Fq::ZERO, zzu: Fq::ZERO, zzzu: Fq::ZERO, x2: Fq::ZERO, y2: Fq::ZERO };
        assert_eq!(evaluate(&g, Mode::Add, &z).0, [Fq::ZERO; 4]);
    }

    use rand::Rng;
}
